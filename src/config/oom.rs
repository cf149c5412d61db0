//! `oom-score-adj` / `oom-score-adj-values` applied to the process, as Redis's
//! `setOOMScoreAdj` (server.c): while `oom-score-adj` is not `no`, /proc/self/oom_score_adj
//! is the value of the process's class (master, or replica while REPLICAOF follows a master),
//! plus the score the process had when emu first changed it (`relative`/`yes`), clamped to
//! -1000..=1000; turning it off puts that first score back.
//!
//! The third class (a background child: Redis's RDB/AOF fork) has no process in emu, which
//! forks none. The process-wide state lives here, since the file is per process. On other
//! systems than Linux nothing is written and setting the option fails, as Redis built without
//! `HAVE_PROC_OOM_SCORE_ADJ`.

use super::{Config, OomScoreAdj};
use std::sync::Mutex;

/// The score found before emu first changed it, while emu's adjustment is in force.
static BASE: Mutex<Option<i32>> = Mutex::new(None);

const PROC_FILE: &str = "/proc/self/oom_score_adj";

/// Whether `cfg` makes this process a replica (REPLICAOF / `replicaof` set).
fn is_replica(cfg: &Config) -> bool {
    cfg.stored.get("replicaof").is_some_and(|t| !t.is_empty())
}

/// Writes the score `cfg` asks for (Redis `setOOMScoreAdj(-1)`); the error is what Redis
/// logs. Nothing is touched while the option is off and emu never changed the score.
pub fn apply(cfg: &Config) -> Result<(), String> {
    if cfg!(not(target_os = "linux")) {
        return Err("oom_score_adj is not supported on this system".into());
    }
    let mut base = BASE.lock().unwrap_or_else(|e| e.into_inner());
    let val = if cfg.oom_score_adj != OomScoreAdj::No {
        let b = match *base {
            Some(b) => b,
            None => {
                let text = std::fs::read_to_string(PROC_FILE)
                    .map_err(|e| format!("Unable to read oom_score_adj: {e}"))?;
                // atoi: a bad read counts as 0.
                let b = text.trim().parse().unwrap_or(0);
                *base = Some(b);
                b
            }
        };
        let class = usize::from(is_replica(cfg));
        let mut v = cfg.oom_score_adj_values[class];
        if cfg.oom_score_adj != OomScoreAdj::Absolute {
            v += b;
        }
        v.clamp(-1000, 1000)
    } else if let Some(b) = base.take() {
        b
    } else {
        return Ok(());
    };
    std::fs::write(PROC_FILE, format!("{val}\n"))
        .map_err(|e| format!("Unable to write oom_score_adj: {e}"))
}

/// Whether a change from `old` to `new` concerns the process's score.
pub fn changed(old: &Config, new: &Config) -> bool {
    old.oom_score_adj != new.oom_score_adj
        || old.oom_score_adj_values != new.oom_score_adj_values
        || is_replica(old) != is_replica(new)
}
