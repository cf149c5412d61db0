//! Pipelines: queue commands with the same typed methods as [`Redis`], run them in one go —
//! as a transaction by default (MULTI/EXEC, like redis-py's `pipeline()`), or as a plain
//! batch ([`Redis::pipeline_batch`], [`Pipeline::transaction`]`(false)`).
//!
//! ```
//! use emu::{Redis, Value};
//! let r = Redis::new();
//! let mut p = r.pipeline();
//! p.cmd("ECHO").arg("a");
//! p.cmd("ECHO").arg("b");
//! let replies: Vec<Value> = p.execute().unwrap();
//! assert_eq!(replies, vec![Value::bulk("a"), Value::bulk("b")]);
//! ```
//!
//! Optimistic locking, as redis-py's `transaction()` helper: WATCH the keys, read them with
//! immediate commands on [`Pipeline::conn`], queue the writes, EXEC; retried while another
//! client changed a watched key in between.
//!
//! ```
//! use emu::Redis;
//! let r = Redis::new();
//! r.set("balance", 10).unwrap();
//! let replies = r
//!     .transaction(&["balance"], |pipe| {
//!         let balance: i64 = pipe.conn().get("balance")?;
//!         pipe.multi();
//!         pipe.set("balance", balance - 3);
//!         Ok(())
//!     })
//!     .unwrap();
//! assert_eq!(replies, vec![emu::Value::ok()]);
//! assert_eq!(r.get::<_, i64>("balance").unwrap(), 7);
//! ```

use crate::client::convert::{ArgBuf, CommandBuf, FromValue, ToArg};
use crate::client::Redis;
use crate::engine;
use crate::error::{Error, ErrorKind, Result};
use crate::value::Value;

/// A queue of commands run together by [`Pipeline::execute`] or [`Pipeline::query`].
///
/// Made by [`Redis::pipeline`] (transactional) or [`Redis::pipeline_batch`] (plain). Every
/// typed command method of [`Redis`] exists here too, taking the same arguments and
/// returning `&mut Pipeline` so calls chain: `p.set("a", "1").incr("counter").get("a");`.
///
/// **Transactional** (the default, like redis-py): `execute` sends `MULTI`, the queued
/// commands and `EXEC` under one acquisition of the store's lock; the effects are logged as
/// one batch. A command rejected while queueing (unknown command, wrong number of
/// arguments) aborts the whole transaction: nothing runs and `execute` returns that error
/// (redis-py raises it the same way). A command failing at run time (WRONGTYPE) does not
/// roll the others back: its error is its reply. After [`Pipeline::watch`], `execute`
/// returns an error of kind [`ErrorKind::Watch`] ("WatchError") when a watched key changed
/// (EXEC answered null) — see [`Redis::transaction`] for the retry loop.
///
/// **Plain** ([`Redis::pipeline_batch`] or `.transaction(false)`): the commands run in
/// order under one lock acquisition too, each atomic on its own, each error in its slot.
///
/// A pipeline runs on its handle's session (selected db, …) until [`Pipeline::watch`] is
/// called: from then on until `execute`/[`Pipeline::reset`] it uses a connection of its own
/// ([`Pipeline::conn`]) holding the WATCH, as redis-py pins a pooled connection, so clones
/// of one handle can run watched transactions on several threads at once.
///
/// ```
/// let redis = emu::Redis::new();
/// let mut pipe = redis.pipeline(); // MULTI/EXEC: all or nothing
/// pipe.set("a", 1).incr("a").get("a");
/// let replies: Vec<emu::Value> = pipe.execute()?;
/// assert_eq!(replies, vec![emu::Value::ok(), emu::Value::Int(2), emu::Value::bulk("2")]);
/// # Ok::<(), emu::Error>(())
/// ```
pub struct Pipeline {
    redis: Redis,
    /// The pinned connection (own session) of a watching pipeline.
    pinned: Option<Redis>,
    commands: CommandBuf,
    ignored: Vec<bool>,
    transaction: bool,
    explicit_multi: bool,
}

fn watch_error() -> Error {
    Error::new(ErrorKind::Watch, "Watched variable changed.")
}

/// The replies of the commands not marked [`Pipeline::ignore`].
fn keep(replies: Vec<Value>, ignored: &[bool]) -> Vec<Value> {
    if replies.len() == ignored.len() && !ignored.contains(&true) {
        // Nothing to drop (the usual case): the replies as they came.
        return replies;
    }
    replies
        .into_iter()
        .zip(ignored)
        .filter(|(_, ignore)| !**ignore)
        .map(|(v, _)| v)
        .collect()
}

/// A transaction's result from EXEC's reply: the kept replies, or a watch error.
fn exec_replies(exec: Value, ignored: &[bool]) -> Result<Vec<Value>> {
    match exec {
        Value::Array(replies) => Ok(keep(replies, ignored)),
        Value::NilArray | Value::Nil => Err(watch_error()),
        other => Err(Error::conversion(format!(
            "unexpected EXEC reply {other:?}"
        ))),
    }
}

impl Pipeline {
    pub(crate) fn new(redis: Redis) -> Pipeline {
        Pipeline {
            redis,
            pinned: None,
            commands: CommandBuf::default(),
            ignored: Vec::new(),
            transaction: true,
            explicit_multi: false,
        }
    }

    /// Chooses between a transaction (MULTI/EXEC, the default) and a plain batch:
    /// `r.pipeline().transaction(false)` is redis-py's `pipeline(transaction=False)`.
    pub fn transaction(mut self, on: bool) -> Pipeline {
        self.transaction = on;
        self
    }

    /// True if [`Pipeline::execute`] wraps the commands in MULTI/EXEC.
    pub fn is_transaction(&self) -> bool {
        self.transaction || self.explicit_multi
    }

    pub(crate) fn queue(&mut self, argv: &ArgBuf) -> &mut Self {
        self.commands.push(argv);
        self.ignored.push(false);
        self
    }

    /// The connection this pipeline runs on: after [`Pipeline::watch`], a session of its own
    /// holding the watches — commands sent through it run immediately (redis-py's
    /// immediate mode between `watch()` and `multi()`): `pipe.conn().get("k")?`. Before
    /// that, the handle the pipeline was made from.
    pub fn conn(&self) -> &Redis {
        self.pinned.as_ref().unwrap_or(&self.redis)
    }

    /// True between [`Pipeline::watch`] and `execute` / [`Pipeline::reset`].
    pub fn is_watching(&self) -> bool {
        self.pinned.is_some()
    }

    /// WATCHes `keys` now, on the pipeline's own connection (see [`Pipeline::conn`]): if
    /// another client (or this one) modifies any of them before `execute`, the transaction
    /// does not run and `execute` returns a [`ErrorKind::Watch`] error. Fails after
    /// [`Pipeline::multi`], as redis-py does.
    pub fn watch(&mut self, keys: impl ToArg) -> Result<()> {
        if self.explicit_multi {
            return Err(Error::new(
                ErrorKind::Other,
                "Cannot issue a WATCH after a MULTI",
            ));
        }
        let mut argv = ArgBuf::new();
        argv.push("WATCH");
        keys.write_args(&mut argv);
        let conn = self
            .pinned
            .get_or_insert_with(|| self.redis.with_db(self.redis.db()));
        conn.execute(&argv.slices()).map(|_| ())
    }

    /// UNWATCHes every key watched through this pipeline.
    pub fn unwatch(&mut self) -> Result<()> {
        match &self.pinned {
            Some(conn) => conn.execute(&[b"UNWATCH"]).map(|_| ()),
            None => Ok(()),
        }
    }

    /// Marks the start of the transaction's commands (redis-py's `multi()` after `watch()`):
    /// what is queued from now on runs in MULTI/EXEC at `execute`, even on a pipeline made
    /// with `transaction(false)`. Commands are never sent before `execute`, so calling it is
    /// optional on a transactional pipeline; calling it twice changes nothing.
    pub fn multi(&mut self) -> &mut Self {
        self.explicit_multi = true;
        self
    }

    /// Forgets the queued commands and the watches and returns to the handle's connection
    /// (redis-py's `reset()`; `execute` does it too).
    pub fn reset(&mut self) {
        self.commands.clear();
        self.ignored.clear();
        self.explicit_multi = false;
        if let Some(conn) = self.pinned.take() {
            let _ = conn.execute(&[b"UNWATCH"]);
        }
    }

    /// Queues an arbitrary command: `p.cmd("SET").arg("k").arg(1);`.
    pub fn cmd(&mut self, name: &str) -> PipelineCmd<'_> {
        let mut argv = ArgBuf::new();
        argv.push(name);
        self.queue(&argv);
        PipelineCmd { pipe: self }
    }

    /// Drops the reply of the command queued last from the results of
    /// [`Pipeline::execute`] and [`Pipeline::query`] (it still runs), so a typed `query`
    /// can skip replies it does not care about: `p.set("k", 1).ignore().get("k")`.
    pub fn ignore(&mut self) -> &mut Self {
        if let Some(last) = self.ignored.last_mut() {
            *last = true;
        }
        self
    }

    /// How many commands are queued.
    pub fn len(&self) -> usize {
        self.commands.len()
    }

    /// True if nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }

    /// Discards the queued commands (the watches stay; see [`Pipeline::reset`]).
    pub fn clear(&mut self) {
        self.commands.clear();
        self.ignored.clear();
    }

    /// Runs every queued command in order and returns one reply per (non-ignored)
    /// command. An error reply does not abort the rest: it is returned in its slot as
    /// [`Value::Error`] — redis-py's `execute(raise_on_error=False)`. The pipeline is
    /// [reset](Pipeline::reset) afterwards, so it can be reused.
    ///
    /// `Err` only for a transaction that did not run: a command rejected while queueing
    /// (that error; nothing ran), or a watched key changed ([`ErrorKind::Watch`]).
    pub fn execute(&mut self) -> Result<Vec<Value>> {
        let commands = std::mem::take(&mut self.commands);
        let ignored = std::mem::take(&mut self.ignored);
        let result = if self.is_transaction() {
            self.run_transaction(&commands, &ignored)
        } else {
            self.run_batch(&commands, &ignored)
        };
        self.reset();
        result
    }

    /// On a remote handle: [`Pipeline::execute`] through the async connections
    /// ([`crate::remote::asynchronous`]); None for an embedded one. The pipeline is cleared
    /// now (a pinned connection of its own is kept until the future completes; EXEC ends
    /// its WATCH).
    #[cfg(feature = "remote")]
    pub(crate) fn execute_remote_async(
        &mut self,
    ) -> Option<crate::client::asynchronous::BoxFuture<Vec<Value>>> {
        let h = self.conn().remote_handle()?.clone();
        let commands = std::mem::take(&mut self.commands);
        let ignored = std::mem::take(&mut self.ignored);
        let transaction = self.is_transaction();
        let nothing = commands.is_empty() && !self.is_watching();
        self.explicit_multi = false;
        let pinned = self.pinned.take();
        Some(Box::pin(async move {
            let _pinned = pinned;
            if !transaction {
                return Ok(keep(h.batch_async(commands).await?, &ignored));
            }
            if nothing {
                return Ok(Vec::new());
            }
            exec_replies(h.transaction_async(commands).await?, &ignored)
        }))
    }

    fn run_batch(&self, commands: &CommandBuf, ignored: &[bool]) -> Result<Vec<Value>> {
        #[cfg(feature = "remote")]
        if let Some(h) = self.conn().remote_handle() {
            return Ok(keep(h.batch_owned(commands)?, ignored));
        }
        let views = commands.views();
        let commands = commands.split(&views);
        self.conn().wait_while_paused(&commands)?;
        let mut out = Vec::with_capacity(commands.len());
        self.conn().with_session_and_store(|store, session| {
            for (argv, ignore) in commands.iter().zip(ignored) {
                let reply = match engine::execute(store, session, argv) {
                    Ok(v) => v,
                    Err(e) => Value::Error(e.message().to_string()),
                };
                if !ignore {
                    out.push(reply);
                }
            }
        })?;
        Ok(out)
    }

    fn run_transaction(&self, commands: &CommandBuf, ignored: &[bool]) -> Result<Vec<Value>> {
        if commands.is_empty() && !self.is_watching() {
            return Ok(Vec::new());
        }
        let views = commands.views();
        let commands = commands.split(&views);
        #[cfg(feature = "remote")]
        let remote_exec = match self.conn().remote_handle() {
            Some(h) => Some(h.transaction(&commands)?),
            None => None,
        };
        #[cfg(not(feature = "remote"))]
        let remote_exec: Option<Value> = None;
        let exec = match remote_exec {
            Some(v) => v,
            None => self.embedded_exec(&commands)?,
        };
        exec_replies(exec, ignored)
    }

    /// MULTI, the commands and EXEC on the embedded store under one lock; EXEC's reply.
    fn embedded_exec(&self, commands: &[&[&[u8]]]) -> Result<Value> {
        self.conn().wait_while_paused(commands)?;
        self.conn().with_session_and_store(|store, session| {
            engine::execute(store, session, &[b"MULTI"])?;
            let mut first_error = None;
            for argv in commands {
                if let Err(e) = engine::execute(store, session, argv) {
                    first_error.get_or_insert(e);
                }
            }
            engine::execute(store, session, &[b"EXEC"]).map_err(|e| first_error.unwrap_or(e))
        })?
    }

    /// Runs every queued command like [`Pipeline::execute`], then — like redis-py's default
    /// `execute()` (`raise_on_error=True`) — returns the first error reply as `Err` (after
    /// all commands ran). Otherwise converts the array of replies to `T`: a tuple for
    /// differently typed replies (`let (n, v): (i64, String) = p.query()?`), or a `Vec`.
    pub fn query<T: FromValue>(&mut self) -> Result<T> {
        let replies = self.execute()?;
        if let Some(Value::Error(text)) = replies.iter().find(|v| v.is_error()) {
            return Err(Error::from_reply(text.clone()));
        }
        T::from_value(Value::Array(replies))
    }
}

impl Redis {
    /// A plain (non-transactional) pipeline: redis-py's `pipeline(transaction=False)`.
    pub fn pipeline_batch(&self) -> Pipeline {
        Pipeline::new(self.clone()).transaction(false)
    }

    /// redis-py's `transaction(func, *watches)`: WATCHes `keys` on a fresh pipeline, calls
    /// `f` (which may read with immediate commands on [`Pipeline::conn`] and queues the
    /// writes), then executes the transaction; when a watched key changed in between
    /// ([`ErrorKind::Watch`]) it starts over. Returns the EXEC replies. An `Err` from `f`
    /// other than a watch error stops the loop and is returned. With no keys nothing is
    /// watched (a plain MULTI/EXEC).
    pub fn transaction<K, F>(&self, keys: &[K], mut f: F) -> Result<Vec<Value>>
    where
        K: ToArg,
        F: FnMut(&mut Pipeline) -> Result<()>,
    {
        let keys = keys.to_args();
        loop {
            let mut pipe = self.pipeline();
            if !keys.is_empty() {
                pipe.watch(&keys)?;
            }
            match f(&mut pipe).and_then(|()| pipe.execute()) {
                Err(e) if e.kind() == ErrorKind::Watch => continue,
                other => return other,
            }
        }
    }
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("queued", &self.commands.len())
            .finish()
    }
}

/// An arbitrary command being added to a [`Pipeline`] by [`Pipeline::cmd`]; each
/// [`PipelineCmd::arg`] appends an argument to it.
pub struct PipelineCmd<'p> {
    pipe: &'p mut Pipeline,
}

impl PipelineCmd<'_> {
    /// Appends argument(s) to the command.
    pub fn arg(self, a: impl ToArg) -> Self {
        self.pipe.commands.extend_last(|out| a.write_args(out));
        self
    }

    /// Marks this command's reply as ignored (see [`Pipeline::ignore`]).
    pub fn ignore(self) -> Self {
        self.pipe.ignore();
        self
    }
}
