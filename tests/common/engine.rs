//! A store driven through the engine directly (no handle, no lock), in either protocol, with
//! shortcuts to create keys of other types and to read the effects and notifications a
//! command produced.

use emu::engine::Store;
use emu::engine::{execute, Session};
use emu::keyspace::{notify, Object};
use emu::types::set::Set;
use emu::Value;

pub struct T {
    pub store: Store,
    pub session: Session,
}

impl T {
    /// A fresh store with a session speaking `resp` (2 or 3).
    pub fn new(resp: u8) -> T {
        T {
            store: Store::default(),
            session: Session {
                resp,
                ..Session::default()
            },
        }
    }

    pub fn run(&mut self, args: &[&str]) -> emu::Result<Value> {
        let argv: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        execute(&mut self.store, &mut self.session, &argv)
    }

    pub fn run_bytes(&mut self, args: &[&[u8]]) -> emu::Result<Value> {
        execute(&mut self.store, &mut self.session, args)
    }

    /// Runs and unwraps a successful reply.
    pub fn ok(&mut self, args: &[&str]) -> Value {
        match self.run(args) {
            Ok(v) => v,
            Err(e) => panic!("{args:?} failed: {e:?}"),
        }
    }

    /// Runs and returns the error message (panics on success).
    pub fn err(&mut self, args: &[&str]) -> String {
        match self.run(args) {
            Ok(v) => panic!("{args:?} unexpectedly succeeded: {v:?}"),
            Err(e) => e.message().to_string(),
        }
    }

    pub fn set_str(&mut self, key: &str, val: &str) {
        let db = self.session.db;
        self.store.dbs[db].insert(
            key.as_bytes(),
            Object::string(val.as_bytes().to_vec()),
            false,
        );
    }

    pub fn sadd(&mut self, key: &str, members: &[&str]) {
        let mut s = Set::default();
        for m in members {
            s.add(m.as_bytes(), usize::MAX);
        }
        let db = self.session.db;
        self.store.dbs[db].insert(key.as_bytes(), Object::Set(s), false);
    }

    pub fn exists(&self, key: &str) -> bool {
        self.store.dbs[self.session.db]
            .dict
            .get(key.as_bytes())
            .is_some()
    }

    pub fn encoding(&self, key: &str) -> &'static str {
        let e = self.store.dbs[self.session.db]
            .dict
            .get(key.as_bytes())
            .expect("key exists");
        e.obj.encoding(&self.store.config)
    }

    /// Turns on keyevent notifications for every class.
    pub fn watch_events(&mut self) {
        self.store.config.notify_keyspace_events =
            notify::KEYEVENT | notify::GENERIC | notify::ZSET | notify::SET | notify::STRING;
    }

    /// Drains the notifications as `(event, key)` pairs.
    pub fn events(&mut self) -> Vec<(String, String)> {
        self.store
            .notifications
            .drain(..)
            .map(|(ch, key)| {
                let ch = String::from_utf8(ch).unwrap();
                let ev = ch.rsplit(':').next().unwrap().to_string();
                (ev, String::from_utf8(key).unwrap())
            })
            .collect()
    }

    /// Drains the logged effects as space-joined strings.
    pub fn effects(&mut self) -> Vec<String> {
        super::take_effects_text(&mut self.store)
    }
}
