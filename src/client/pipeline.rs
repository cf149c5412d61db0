//! Pipelines: queue commands with the same typed methods as [`Redis`], run them in one go.
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

use crate::client::convert::{FromValue, ToArg};
use crate::client::Redis;
use crate::engine;
use crate::error::{Error, Result};
use crate::value::Value;

/// A queue of commands run together by [`Pipeline::execute`] or [`Pipeline::query`].
///
/// Made by [`Redis::pipeline`]. Every typed command method of [`Redis`] exists here too,
/// taking the same arguments and returning `&mut Pipeline` so calls chain:
/// `p.set("a", "1").incr("counter").get("a");`.
///
/// The queued commands run in order under one acquisition of the store's lock, so no other
/// handle's command interleaves with them; each command is still atomic on its own and a
/// failing command does not stop the ones after it. This is a plain pipeline, not a
/// transaction: there is no rollback, and MULTI/EXEC/WATCH semantics are not provided yet.
pub struct Pipeline {
    redis: Redis,
    commands: Vec<Vec<Vec<u8>>>,
    ignored: Vec<bool>,
    // Reserved for MULTI/EXEC support (a transactional pipeline); always false for now.
    #[allow(dead_code)]
    transaction: bool,
}

impl Pipeline {
    pub(crate) fn new(redis: Redis) -> Pipeline {
        Pipeline {
            redis,
            commands: Vec::new(),
            ignored: Vec::new(),
            transaction: false,
        }
    }

    pub(crate) fn queue(&mut self, argv: Vec<Vec<u8>>) -> &mut Self {
        self.commands.push(argv);
        self.ignored.push(false);
        self
    }

    /// Queues an arbitrary command: `p.cmd("SET").arg("k").arg(1);`.
    pub fn cmd(&mut self, name: &str) -> PipelineCmd<'_> {
        self.queue(vec![name.as_bytes().to_vec()]);
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

    /// Discards the queued commands.
    pub fn clear(&mut self) {
        self.commands.clear();
        self.ignored.clear();
    }

    /// Runs every queued command in order and returns one reply per (non-ignored)
    /// command. An error reply does not abort the rest: it is returned in its slot as
    /// [`Value::Error`] — redis-py's `execute(raise_on_error=False)`. The queue is emptied,
    /// so the pipeline can be reused.
    ///
    /// The outer `Result` is for future transactional pipelines; a plain pipeline always
    /// returns `Ok`.
    pub fn execute(&mut self) -> Result<Vec<Value>> {
        let commands = std::mem::take(&mut self.commands);
        let ignored = std::mem::take(&mut self.ignored);
        let mut out = Vec::with_capacity(commands.len());
        self.redis.with_session_and_store(|store, session| {
            for (argv, ignore) in commands.iter().zip(ignored) {
                let argv: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
                let reply = match engine::execute(store, session, &argv) {
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
        if let Some(last) = self.pipe.commands.last_mut() {
            a.write_args(last);
        }
        self
    }

    /// Marks this command's reply as ignored (see [`Pipeline::ignore`]).
    pub fn ignore(self) -> Self {
        self.pipe.ignore();
        self
    }
}
