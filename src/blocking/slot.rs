//! The rendezvous between a blocked client and the command that serves it: a [`Slot`] holds
//! the reply once served (or an "expired" mark at the deadline) and wakes the waiter, be it
//! a thread (condvar) or a task (waker). One timer thread expires slots at their deadlines.

use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock, Weak};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use parking_lot::{Condvar, Mutex};

use crate::error::Result;
use crate::value::Value;

#[derive(Default)]
struct State {
    reply: Option<Result<Value>>,
    expired: bool,
    abandoned: bool,
    waker: Option<Waker>,
}

/// A blocked client's reply slot.
#[derive(Default)]
pub struct Slot {
    st: Mutex<State>,
    cv: Condvar,
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = self.st.lock();
        f.debug_struct("Slot")
            .field("served", &st.reply.is_some())
            .field("expired", &st.expired)
            .finish()
    }
}

impl Slot {
    fn wake(&self, mut st: parking_lot::MutexGuard<State>) {
        let waker = st.waker.take();
        drop(st);
        self.cv.notify_all();
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Stores the reply and wakes the waiter.
    pub fn fulfil(&self, reply: Result<Value>) {
        let mut st = self.st.lock();
        st.reply = Some(reply);
        self.wake(st);
    }

    /// Marks the deadline as passed and wakes the waiter.
    pub fn expire(&self) {
        let mut st = self.st.lock();
        st.expired = true;
        self.wake(st);
    }

    /// Takes the served reply, if any.
    pub fn take_reply(&self) -> Option<Result<Value>> {
        self.st.lock().reply.take()
    }

    /// Marks the waiter as gone: it must not be served.
    pub fn abandon(&self) {
        self.st.lock().abandoned = true;
    }

    /// True once the waiter is gone.
    pub fn is_abandoned(&self) -> bool {
        self.st.lock().abandoned
    }

    fn done(st: &State) -> bool {
        st.reply.is_some() || st.expired
    }

    /// Blocks the calling thread until served or expired.
    pub fn wait(&self) {
        let mut st = self.st.lock();
        while !Slot::done(&st) {
            self.cv.wait(&mut st);
        }
    }
}

/// Resolves when its slot is served or expired.
pub struct SlotFuture(Arc<Slot>);

impl SlotFuture {
    /// A future on `slot`.
    pub fn new(slot: Arc<Slot>) -> SlotFuture {
        SlotFuture(slot)
    }
}

impl Future for SlotFuture {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut st = self.0.st.lock();
        if Slot::done(&st) {
            return Poll::Ready(());
        }
        match &st.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => st.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

struct Timer {
    heap: Mutex<BinaryHeap<Entry>>,
    cv: Condvar,
}

struct Entry(Instant, u64, Weak<Slot>);

impl PartialEq for Entry {
    fn eq(&self, o: &Self) -> bool {
        self.0 == o.0 && self.1 == o.1
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Entry {
    // Earliest deadline on top of the max-heap.
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        o.0.cmp(&self.0).then(o.1.cmp(&self.1))
    }
}

fn timer() -> &'static Timer {
    static TIMER: OnceLock<Arc<Timer>> = OnceLock::new();
    TIMER.get_or_init(|| {
        let t = Arc::new(Timer {
            heap: Mutex::new(BinaryHeap::new()),
            cv: Condvar::new(),
        });
        let t2 = t.clone();
        std::thread::Builder::new()
            .name("emu-block-timer".into())
            .spawn(move || run_timer(&t2))
            .expect("spawn the blocking-timeout thread");
        t
    })
}

fn run_timer(t: &Timer) {
    let mut heap = t.heap.lock();
    loop {
        let now = Instant::now();
        while heap.peek().is_some_and(|e| e.0 <= now) {
            if let Some(Entry(_, _, slot)) = heap.pop() {
                if let Some(s) = slot.upgrade() {
                    MutexGuardUnlocked::run(&mut heap, || s.expire());
                }
            }
        }
        match heap.peek().map(|e| e.0) {
            Some(at) => {
                t.cv.wait_until(&mut heap, at);
            }
            None => t.cv.wait(&mut heap),
        }
    }
}

struct MutexGuardUnlocked;

impl MutexGuardUnlocked {
    fn run(guard: &mut parking_lot::MutexGuard<BinaryHeap<Entry>>, f: impl FnOnce()) {
        parking_lot::MutexGuard::unlocked(guard, f);
    }
}

/// Expires `slot` at `at` (real time).
pub(crate) fn schedule_timeout(at: Instant, slot: Weak<Slot>) {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    static PRUNE_AT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1024);
    let t = timer();
    let mut heap = t.heap.lock();
    // Waiters served long before their deadline leave dead entries: drop them now and then
    // (amortized) so a consumer looping on long timeouts does not grow the heap.
    if heap.len() >= PRUNE_AT.load(std::sync::atomic::Ordering::Relaxed) {
        heap.retain(|e| e.2.strong_count() > 0);
        PRUNE_AT.store(
            (heap.len() * 2).max(1024),
            std::sync::atomic::Ordering::Relaxed,
        );
    }
    let earliest = heap.peek().is_none_or(|e| at < e.0);
    heap.push(Entry(at, seq, slot));
    drop(heap);
    if earliest {
        t.cv.notify_all();
    }
}
