//! MONITOR: every command the server runs, as a stream of lines in Redis 7.0's format
//! (`+1700000000.123456 [0 127.0.0.1:50000] "SET" "k" "v"`; see
//! [`crate::engine::observe::monitor_line`]), to server connections and, through
//! [`Monitor`], to embedded readers.
//!
//! As in Redis: a command is shown once it ran (a refused one is not), EVAL/EVALSHA/FCALL
//! before their script runs and the script's commands as `[<db> lua]`; admin commands
//! (CONFIG, DEBUG, SLOWLOG, CLIENT LIST/KILL, …) are not shown; AUTH, HELLO AUTH, ACL
//! SETUSER and the like show `"(redacted)"`; MONITOR run by EXEC fails with
//! `ERR MONITOR isn't allowed for DENY BLOCKING client`; a second MONITOR is ignored (no
//! reply); the monitoring connection may still run commands that do not touch the keyspace
//! (PING, QUIT, RESET — which ends monitoring) and gets `ERR Replica can't interact with
//! the keyspace` for the others; a monitor whose unsent lines pass the hard `slave` limit of
//! `client-output-buffer-limit` (256 MB by default) is closed, as Redis closes a replica.
//!
//! Known differences: embedded clients' commands show the address `embedded`; MONITOR sent
//! by an embedded handle (no connection to stream to) is refused — use
//! [`crate::Redis::monitor`].

use std::sync::mpsc::Receiver;
use std::time::Duration;

use crate::engine::observe::MonitorSink;
use crate::engine::{Ctx, Shared};
use crate::error::{Error, Result};
use crate::value::Value;

/// # Format
/// `MONITOR`
pub fn monitor(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    if ctx.session.in_multi {
        return Err(Error::err("MONITOR isn't allowed for DENY BLOCKING client"));
    }
    if ctx.session.monitor {
        // Redis ignores MONITOR from a client already monitoring: no reply at all.
        return Ok(crate::pubsub::no_reply());
    }
    let (Some(link), Some(mailbox)) = (&ctx.session.link, &ctx.session.pubsub) else {
        return Err(Error::err(
            "MONITOR needs a server connection to stream to; embedded callers use Redis::monitor()",
        ));
    };
    ctx.store.observer.monitors.push((
        ctx.session.id,
        MonitorSink::Mailbox(mailbox.clone(), Some(link.me.clone())),
    ));
    ctx.session.monitor = true;
    Ok(Value::ok())
}

/// Ends MONITOR mode for the session (RESET).
pub fn stop(ctx: &mut Ctx) {
    if std::mem::take(&mut ctx.session.monitor) {
        let id = ctx.session.id;
        ctx.store.observer.monitors.retain(|(c, _)| *c != id);
    }
}

/// An embedded MONITOR stream ([`crate::Redis::monitor`]): each item is one line without
/// Redis's leading `+` (`1700000000.123456 [0 embedded] "SET" "k" "v"`). Iterating blocks
/// until the next command runs; dropping it stops the stream.
#[derive(Debug)]
pub struct Monitor {
    rx: Receiver<String>,
}

impl Monitor {
    /// Starts monitoring `shared`.
    pub fn attach(shared: &Shared) -> Monitor {
        let (tx, rx) = std::sync::mpsc::channel();
        shared
            .lock()
            .observer
            .monitors
            .push((0, MonitorSink::Channel(tx)));
        Monitor { rx }
    }

    /// The next line if one comes within `timeout`.
    pub fn next_timeout(&self, timeout: Duration) -> Option<String> {
        self.rx.recv_timeout(timeout).ok()
    }

    /// The next line if one is already waiting.
    pub fn try_next(&self) -> Option<String> {
        self.rx.try_recv().ok()
    }
}

impl Iterator for Monitor {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        self.rx.recv().ok()
    }
}
