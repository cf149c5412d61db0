//! Lazy freeing (Redis `lazyfree.c`): UNLINK (and DEL under `lazyfree-lazy-user-del`) hands
//! a value whose freeing costs more than [`LAZYFREE_THRESHOLD`] allocations to a background
//! thread, so the command does not pay for the deallocation; INFO's
//! `lazyfree_pending_objects` and `lazyfreed_objects` count them (per store).
//!
//! One thread per process drops the values it is sent, in order.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex, OnceLock};

use super::Object;

/// Redis `LAZYFREE_THRESHOLD`: values cheaper to free than this are freed at once.
pub const LAZYFREE_THRESHOLD: usize = 64;

/// A store's lazy-free counters.
#[derive(Debug, Default)]
pub struct LazyFree {
    pending: AtomicU64,
    freed: AtomicU64,
}

impl LazyFree {
    /// Values handed over and not freed yet (INFO `lazyfree_pending_objects`).
    pub fn pending(&self) -> u64 {
        self.pending.load(Relaxed)
    }

    /// Values freed in the background since the last CONFIG RESETSTAT (INFO
    /// `lazyfreed_objects`).
    pub fn freed(&self) -> u64 {
        self.freed.load(Relaxed)
    }

    /// CONFIG RESETSTAT.
    pub fn reset_stats(&self) {
        self.freed.store(0, Relaxed);
    }
}

type Job = (Object, Arc<LazyFree>);

fn worker() -> &'static Mutex<Sender<Job>> {
    static TX: OnceLock<Mutex<Sender<Job>>> = OnceLock::new();
    TX.get_or_init(|| {
        let (tx, rx) = channel::<Job>();
        std::thread::Builder::new()
            .name("emu-lazyfree".into())
            .spawn(move || {
                for (obj, counters) in rx {
                    drop(obj);
                    counters.pending.fetch_sub(1, Relaxed);
                    counters.freed.fetch_add(1, Relaxed);
                }
            })
            .expect("spawn the lazyfree thread");
        Mutex::new(tx)
    })
}

/// Redis `lazyfreeGetFreeEffort`: about how many allocations freeing `obj` takes (1 for a
/// string or any compact encoding).
pub fn free_effort(obj: &Object) -> usize {
    match obj {
        Object::Str(_) => 1,
        Object::List(l) => l.node_count(),
        Object::Set(s) if !s.is_intset() => s.len(),
        Object::Hash(h) if !h.is_listpack() => h.len(),
        Object::ZSet(z) if !z.is_compact() => z.len(),
        Object::Stream(st) => {
            // Nodes, plus each group and its pending entries (Redis counts the rax nodes
            // and, per group, the PEL).
            st.nodes.len() + st.groups.values().map(|g| 1 + g.pel.len()).sum::<usize>()
        }
        _ => 1,
    }
}

/// Frees `obj` in the background if that costs more than [`LAZYFREE_THRESHOLD`]
/// allocations, else at once (Redis `dbAsyncDelete`'s rule).
pub fn free(obj: Object, counters: &Arc<LazyFree>) {
    if free_effort(&obj) <= LAZYFREE_THRESHOLD {
        return;
    }
    counters.pending.fetch_add(1, Relaxed);
    let sent = worker()
        .lock()
        .map(|tx| tx.send((obj, counters.clone())).is_ok())
        .unwrap_or(false);
    if !sent {
        // No thread to take it (it could not start): it was dropped here instead.
        counters.pending.fetch_sub(1, Relaxed);
    }
}
