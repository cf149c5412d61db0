//! `emu push DIR URL`: copies a data directory's keys into a Redis / Valkey server or a
//! Redis Cluster.
//!
//! The directory is read like `emu dump` (shared lock, nothing modified). Every live key
//! becomes `RESTORE key <expiry-ms> <DUMP payload> REPLACE ABSTTL` (TTL 0 for keys without
//! one) — the payloads are emu's byte-identical DUMP ([`crate::rdb::commands::dump_payload`]),
//! so the server stores exactly the value, encoding hints included. Keys whose expiry has
//! already passed are skipped. Commands are pipelined in batches of [`BATCH`]; on a cluster
//! each batch is split by the node of each key's slot. A cluster has only database 0: keys
//! of other databases make the push fail before anything is sent. Function libraries are
//! not pushed (counted in the summary).

use std::path::Path;

use super::{Handle, Remote};
use crate::error::{Error, Result};
use crate::value::Value;

/// RESTORE commands per pipeline.
pub const BATCH: usize = 1000;

/// What a push did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PushReport {
    /// Keys restored.
    pub keys: u64,
    /// Keys skipped because their TTL had passed.
    pub expired: u64,
    /// Function libraries in the directory (not pushed).
    pub libraries: u64,
}

/// Pushes every key of the data directory `dir` to `url` (`redis://…`, `unix://…`, or a
/// cluster: `redis+cluster://host:port[,…]`; the `remote+` forms of
/// [`Remote::connect`] work too). `progress` gets (keys done, total).
pub fn push(
    dir: &Path,
    url: &str,
    progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<PushReport> {
    let url = if super::is_remote_url(url) {
        url.to_string()
    } else {
        format!("remote+{url}")
    };
    let template = crate::engine::Store::new(
        crate::config::Config::default(),
        crate::keyspace::Clock::System,
        0,
    );
    let (store, _) = crate::persist::recovery::open_read_only(dir, template)
        .map_err(|e| Error::err(format!("{}: {e}", dir.display())))?;
    let remote = Remote::connect(&url)?;
    let now = crate::keyspace::Clock::System.now_ms();
    let entries = crate::persist::tools::sorted_entries(&store);
    if remote.is_cluster() {
        if let Some((db, _, _)) = entries.iter().find(|(db, _, _)| *db != 0) {
            let n = entries.iter().filter(|(d, _, _)| d == db).count();
            return Err(Error::err(format!(
                "a Redis Cluster has only database 0, but {} has {n} key(s) in database {db}",
                dir.display()
            )));
        }
    }
    let total = entries.len() as u64;
    let mut report = PushReport {
        libraries: store.libraries.all().len() as u64,
        ..PushReport::default()
    };
    let base = Handle::new(remote.clone());
    let mut done = 0u64;
    progress(0, Some(total));
    let mut i = 0;
    while i < entries.len() {
        let db = entries[i].0;
        let handle = if db == 0 {
            base.clone()
        } else {
            base.dedicated(db)
        };
        let mut batch: Vec<Vec<Vec<u8>>> = Vec::with_capacity(BATCH);
        while i < entries.len() && entries[i].0 == db {
            let (_, key, entry) = entries[i];
            i += 1;
            match entry.expire() {
                Some(at) if at <= now => report.expired += 1,
                at => batch.push(vec![
                    b"RESTORE".to_vec(),
                    key.to_vec(),
                    at.unwrap_or(0).to_string().into_bytes(),
                    crate::rdb::commands::dump_payload(&entry.obj, &store.config),
                    b"REPLACE".to_vec(),
                    b"ABSTTL".to_vec(),
                ]),
            }
            done += 1;
            if batch.len() == BATCH {
                report.keys += send(&handle, &mut batch)?;
                progress(done, Some(total));
            }
        }
        report.keys += send(&handle, &mut batch)?;
        progress(done, Some(total));
    }
    Ok(report)
}

/// Sends a batch of RESTOREs; the first error reply fails the push (naming its key).
fn send(handle: &Handle, batch: &mut Vec<Vec<Vec<u8>>>) -> Result<u64> {
    if batch.is_empty() {
        return Ok(0);
    }
    let argvs: Vec<Vec<&[u8]>> = batch
        .iter()
        .map(|c| c.iter().map(Vec::as_slice).collect())
        .collect();
    let refs: Vec<&[&[u8]]> = argvs.iter().map(Vec::as_slice).collect();
    let replies = handle.batch(&refs)?;
    for (cmd, reply) in batch.iter().zip(&replies) {
        if let Value::Error(text) = reply {
            return Err(Error::from_reply(format!(
                "{text} (RESTORE of key {:?})",
                String::from_utf8_lossy(&cmd[1])
            )));
        }
    }
    let n = batch.len() as u64;
    batch.clear();
    Ok(n)
}
