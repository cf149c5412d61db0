//! A connection that became a replica link (SYNC/PSYNC, see `crate::rdb::master`): from
//! then on it sends the PSYNC reply, the RDB and the replication stream that the store
//! queues in its [`ReplicaLink`], and reads only the replica's `REPLCONF ACK <offset>`
//! (which wake clients blocked in WAIT). The server's once-a-second replication timer
//! (`crate::rdb::master::cron`) puts a PING into the stream every `repl-ping-replica-period`
//! calls and drops a link that times out (`repl-timeout`). The link's buffer is bounded by
//! `client-output-buffer-limit replica` on the store's side: a replica that does not keep
//! up is dropped there and this task closes the connection.

use std::io;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::Notify;

use crate::admin::Link;
use crate::engine::repl::{Master, Output, ReplicaLink};
use crate::engine::Shared;
use crate::resp::{Limits, Parsed, Parser, Source};
use crate::util::{eq_ic, parse_i64};

use super::net::{io_step, Event};

/// Serves `link` on `sock` until either side closes. `out` is what the connection still
/// had to send (replies before PSYNC); `input`, what it received after it.
pub(super) async fn serve<S>(
    sock: &mut S,
    store: &Shared,
    client: &Link,
    link: Arc<ReplicaLink>,
    out: Vec<u8>,
    mut input: Vec<u8>,
    killed: Arc<Notify>,
) -> io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    use std::sync::atomic::Ordering::Relaxed;
    let wake = Arc::new(Notify::new());
    {
        let w = wake.clone();
        link.set_waker(Box::new(move || w.notify_one()));
    }
    let stats = &client.server.stats;
    let mut parser = Parser::new();
    // An RDB payload comes shared with the transfer's other replicas (never copied).
    let mut out = Output::Owned(out);
    let mut sent = 0usize;
    let result = loop {
        if client.me.is_killed() {
            break Ok(());
        }
        if let Some(off) = handle_input(&mut input, &mut parser) {
            link.ack(off);
            let mut g = super::lock_store(store).await;
            let s = &mut *g;
            Master::signal_acks(&mut s.blocking, s.dbs.len());
            crate::blocking::serve_ready(s);
        }
        if sent == out.bytes().len() {
            sent = 0;
            match link.take_output() {
                Ok(next) => out = next,
                Err(_) => break Ok(()),
            }
        }
        let ev = tokio::select! {
            r = io_step(sock, &out.bytes()[sent..], &mut input, true) => r,
            _ = wake.notified() => continue,
            _ = killed.notified() => break Ok(()),
        };
        match ev {
            Err(e) => break Err(e),
            Ok(Event::Wrote(n)) => {
                stats.net_output_bytes.fetch_add(n as u64, Relaxed);
                sent += n;
                link.wrote();
            }
            Ok(Event::Read(0)) => break Ok(()),
            Ok(Event::Read(n)) => {
                stats.net_input_bytes.fetch_add(n as u64, Relaxed);
            }
            Ok(_) => {}
        }
    };
    link.close("connection closed");
    super::lock_store(store).await.repl.remove(link.id);
    result
}

/// Reads the replica's requests: the offset of the last `REPLCONF ACK <offset>`, which the
/// caller records (waking WAIT); the rest is ignored, as a master ignores what a replica
/// says besides ACKs.
fn handle_input(input: &mut Vec<u8>, parser: &mut Parser) -> Option<u64> {
    let mut consumed = 0;
    let mut acked = None;
    loop {
        let buf = &input[consumed..];
        if buf.is_empty() {
            break;
        }
        match parser.parse(buf, Limits::default()) {
            Ok(Parsed::Request {
                consumed: n,
                source,
            }) => {
                let base: &[u8] = match source {
                    Source::Buffer => &buf[..n],
                    Source::Inline => parser.inline_args(),
                };
                let args: Vec<&[u8]> = parser.args().iter().map(|&(s, e)| &base[s..e]).collect();
                if args.len() >= 3 && eq_ic(args[0], "replconf") && eq_ic(args[1], "ack") {
                    if let Some(off) = parse_i64(args[2]) {
                        acked = Some(off.max(0) as u64);
                    }
                }
                consumed += n;
            }
            Ok(Parsed::Incomplete { .. }) => break,
            Err(_) => {
                // Garbage from a replica: drop what arrived.
                consumed = input.len();
                *parser = Parser::new();
                break;
            }
        }
    }
    input.drain(..consumed);
    acked
}
