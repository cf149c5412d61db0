//! A script that runs long (Redis's "busy" state, `scriptIsTimedout`).
//!
//! A script runs under the store's lock, so nothing else reaches the store meanwhile. The
//! scripting room marks its runs here ([`Busy::start`] / [`Busy::finish`]) and its Lua hook
//! calls [`Busy::check`] every so many instructions: past `busy-reply-threshold`
//! milliseconds the run is *timed out*. From then on the front ends, which look here
//! before waiting for the lock ([`crate::engine::Shared::lock_unless_busy`]), answer other
//! clients without the store: `-BUSY …`, or SCRIPT KILL / FUNCTION KILL ([`Busy::kill`]),
//! which asks the hook to stop the script with Redis's error — unless it already wrote,
//! as Redis refuses then (`-UNKILLABLE`).
//!
//! Redis also serves the commands flagged `allow_busy` meanwhile (AUTH, HELLO, MULTI,
//! DISCARD, WATCH, UNWATCH, QUIT, RESET, REPLCONF; [`crate::engine::flags::ALLOW_BUSY`]
//! in the table), after its usual checks, and refuses the rest with `-BUSY` as a
//! rejection (a transaction being queued is flagged, so its EXEC aborts). Those need the
//! store, which the script holds: a connection hands such a request, with its session,
//! to the script's thread ([`answer_while_busy_for`]), whose hook runs it between two
//! stretches of the script ([`Busy::serve`], Redis's `processEventsWhileBlocked`) and
//! hands the reply and the session back. If the script ends first, the request is given
//! back unserved and runs the usual way.
//!
//! A connection accepted meanwhile must not wait for the store either (Redis accepts it
//! in `processEventsWhileBlocked` and answers its commands as above): its set-up
//! (client-tracking peer, authentication state, limits from the config) goes through
//! [`with_store`], which runs it under the lock when the store is free, else hands it to
//! the script's thread the same way; so does the clean-up of a subscriber, tracking or
//! blocked client that closes then. A blocked client whose timeout passes meanwhile
//! waits for the script's end without holding a thread ([`Busy::not_timed_out`]), as
//! Redis answers it after the script.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use std::sync::Arc;

use parking_lot::{Condvar, Mutex};

use crate::engine::{Session, Shared, Store};
use crate::error::{Error, ErrorKind, Result};
use crate::value::Value;

/// The reply other clients get while an EVAL script is timed out.
pub const BUSY_SCRIPT: &str =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
/// The same while a function (FCALL) is timed out.
pub const BUSY_FUNCTION: &str =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";

/// What a front end runs, on the script's thread, when a script times out, so that its
/// other clients are served meanwhile (the server hands its event loop to another thread:
/// Redis's `processEventsWhileBlocked`). Set once by the front end.
static ON_TIMEOUT: OnceLock<fn()> = OnceLock::new();

/// Registers the front end's action for a timed-out script (first caller wins; it must be cheap to
/// call where it has nothing to do).
pub fn set_on_timeout(f: fn()) {
    let _ = ON_TIMEOUT.set(f);
}

/// How often a timed-out run calls the front end's action. Every time, for as long as the
/// script runs: the hand-over may not take (under load the thread that should take the
/// event loop may not start before the script's thread takes it back), and while it has
/// not, no other client is served at all.
const YIELD_EVERY: Duration = Duration::from_millis(100);

/// How many commands answered without the store one run keeps for commandstats.
const MAX_ANSWERED: usize = 10_000;

#[derive(Debug, Default)]
struct State {
    /// When the current run started (None: no script runs).
    since: Option<Instant>,
    /// The run is a function (FCALL), not an EVAL script.
    function: bool,
    timed_out: bool,
    wrote: bool,
    kill: bool,
    /// The last call of the front end's action.
    last_yield: Option<Instant>,
    /// Requests other clients handed over, for the script's thread to run.
    queue: Vec<Arc<Exchange>>,
    /// Commands answered without the store (their commandstats name, their error), for
    /// the script's thread to count once the run ended.
    answered: Vec<(&'static str, Option<Error>)>,
}

/// One request handed to the script's thread, and its answer.
#[derive(Debug, Default)]
struct Exchange {
    slot: Mutex<Request>,
    done: Condvar,
}

#[derive(Debug, Default)]
struct Request {
    /// Work on the store instead of a command ([`with_store`]); still here when given back.
    job: Option<StoreJob>,
    argv: Vec<Vec<u8>>,
    /// The client's session while the script's thread has it.
    session: Option<Session>,
    /// Served (Some reply) or given back (None, the script ended).
    finished: bool,
    reply: Option<Result<Value>>,
}

/// Work a front end hands to whoever holds the store (see [`with_store`]).
struct StoreJob(Box<dyn FnOnce(&mut Store) + Send>);

impl std::fmt::Debug for StoreJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreJob")
    }
}

/// Finishes an exchange the script's thread took, however its serving ends (a panic in
/// the command or job included: its client must not wait forever).
struct Served<'a>(&'a Exchange);

impl Drop for Served<'_> {
    fn drop(&mut self) {
        if !self.0.slot.lock().finished {
            self.0.finish(None);
        }
    }
}

impl Exchange {
    /// Ends the request (a reply, or none: it runs the usual way) and wakes its client.
    fn finish(&self, reply: Option<Result<Value>>) {
        let mut r = self.slot.lock();
        r.reply = reply;
        r.finished = true;
        self.done.notify_all();
    }
}

/// The store's running-script state, shared (by `Arc`) between the store and the front
/// ends that must not wait for a lock a script holds.
#[derive(Debug, Default)]
pub struct Busy {
    st: Mutex<State>,
    /// The running function (FCALL) as FUNCTION STATS reports it while it runs.
    function: Mutex<Option<RunningFunction>>,
    /// Tasks waiting for the timed-out run to end ([`Busy::not_timed_out`]).
    wakers: Mutex<Vec<std::task::Waker>>,
}

/// What FUNCTION STATS shows about a running function, and the engine's counts (the
/// library registry is out of reach while the function runs).
#[derive(Clone, Debug)]
pub struct RunningFunction {
    /// The function's name.
    pub name: String,
    /// The calling command, as sent.
    pub command: Vec<Vec<u8>>,
    /// Libraries loaded.
    pub libraries: usize,
    /// Functions loaded.
    pub functions: usize,
}

impl Busy {
    /// A script (or function) starts running; `since` is when its command started (the
    /// dispatcher's clock reading: the threshold counts from there, as Redis's from its
    /// own reading at the script's start).
    pub fn start(&self, function: bool, since: Instant) {
        let mut st = self.st.lock();
        // (Empty unless the last run never finished: `finish` took them.)
        st.queue.clear();
        st.answered.clear();
        st.since = Some(since);
        st.function = function;
        st.timed_out = false;
        st.wrote = false;
        st.kill = false;
        st.last_yield = None;
    }

    /// True while a script or function runs: the commands it calls have Redis's script
    /// caller (`CLIENT_SCRIPT`), for which SORT orders a set it would otherwise return in
    /// iteration order.
    pub fn running(&self) -> bool {
        self.st.lock().since.is_some()
    }

    /// The run ended (however it ended). Requests not served yet are given back. Returns
    /// the commands answered without the store meanwhile, for commandstats (see
    /// [`crate::engine::observe::count_answered`]).
    pub fn finish(&self) -> Vec<(&'static str, Option<Error>)> {
        let mut guard = self.st.lock();
        if guard.queue.is_empty() && guard.answered.is_empty() && !guard.timed_out {
            // The common run: nothing was handed over; only the flags to reset.
            guard.since = None;
            guard.function = false;
            guard.wrote = false;
            guard.kill = false;
            guard.last_yield = None;
            return Vec::new();
        }
        let st = std::mem::take(&mut *guard);
        drop(guard);
        for ex in st.queue {
            ex.finish(None);
        }
        // (Wakers are only registered while the run is timed out.)
        if st.timed_out {
            for w in std::mem::take(&mut *self.wakers.lock()) {
                w.wake();
            }
        }
        st.answered
    }

    /// Resolves once no script is timed out (at once when none is): for a front end's
    /// work that must wait for the script's end without holding a thread, such as a
    /// blocked client's timeout (Redis handles those in `beforeSleep`, which it skips
    /// while a script is busy: the timeout reply comes after the script, and a list the
    /// script pushed to still serves the client first).
    pub fn not_timed_out(&self) -> impl std::future::Future<Output = ()> + '_ {
        std::future::poll_fn(move |cx| {
            let st = self.st.lock();
            if !st.timed_out {
                return std::task::Poll::Ready(());
            }
            // (Registered under the state's lock: `finish` clears the state before it
            // wakes, so a run ending now either is seen above or wakes this waker.)
            let mut wakers = self.wakers.lock();
            if !wakers.iter().any(|w| w.will_wake(cx.waker())) {
                wakers.push(cx.waker().clone());
            }
            std::task::Poll::Pending
        })
    }

    /// Notes a command answered without the store (see [`Busy::finish`]).
    fn answered(&self, name: &'static str, reply: &Result<Value>) {
        let mut st = self.st.lock();
        // (Bounded: a client polling FUNCTION STATS through a long script must not grow
        // this without end; past the bound the rest go uncounted.)
        if st.since.is_some() && st.answered.len() < MAX_ANSWERED {
            st.answered.push((name, reply.as_ref().err().cloned()));
        }
    }

    /// Runs the requests other clients handed over (see the module docs) with `run`,
    /// which the script's thread calls with the store; `busy` is then the `-BUSY` error
    /// for commands not allowed. Jobs of [`with_store`] run with `store`. Called by the
    /// script's hook.
    pub fn serve(
        &self,
        store: &mut Store,
        mut run: impl FnMut(&mut Store, &mut Session, &[&[u8]], Error) -> Result<Value>,
    ) {
        let queue = {
            let mut st = self.st.lock();
            if st.queue.is_empty() {
                return;
            }
            std::mem::take(&mut st.queue)
        };
        for ex in queue {
            let served = Served(&ex);
            let (job, argv, mut session) = {
                let mut r = ex.slot.lock();
                (
                    r.job.take(),
                    std::mem::take(&mut r.argv),
                    r.session.take().unwrap_or_default(),
                )
            };
            if let Some(job) = job {
                (job.0)(store);
                ex.finish(Some(Ok(Value::Nil)));
                drop(served);
                continue;
            }
            let refs: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
            let busy = self
                .busy_error()
                .unwrap_or_else(|| Error::new(ErrorKind::Other, BUSY_SCRIPT));
            let reply = run(store, &mut session, &refs, busy);
            ex.slot.lock().session = Some(session);
            ex.finish(Some(reply));
            drop(served);
        }
    }

    /// Hands `job` to the script's thread and waits until it ran (Ok), or gives it back
    /// (Err) when no script is timed out any more.
    fn relay_job(&self, job: StoreJob) -> std::result::Result<(), StoreJob> {
        let ex = Arc::new(Exchange::default());
        {
            let mut st = self.st.lock();
            if st.since.is_none() || !st.timed_out {
                return Err(job);
            }
            ex.slot.lock().job = Some(job);
            st.queue.push(ex.clone());
        }
        let mut r = ex.slot.lock();
        while !r.finished {
            ex.done.wait(&mut r);
        }
        match r.job.take() {
            Some(job) => Err(job),
            None => Ok(()),
        }
    }

    /// Hands `argv` with `session` to the script's thread and waits for the reply; None
    /// (the session back untouched) when no script is timed out any more.
    fn relay(&self, session: &mut Session, argv: &[&[u8]]) -> Option<Result<Value>> {
        let ex = Arc::new(Exchange::default());
        {
            let mut st = self.st.lock();
            if st.since.is_none() || !st.timed_out {
                return None;
            }
            let mut r = ex.slot.lock();
            r.argv = argv.iter().map(|a| a.to_vec()).collect();
            r.session = Some(std::mem::take(session));
            drop(r);
            st.queue.push(ex.clone());
        }
        let mut r = ex.slot.lock();
        while !r.finished {
            ex.done.wait(&mut r);
        }
        if let Some(s) = r.session.take() {
            *session = s;
        }
        r.reply.take()
    }

    /// Describes the function about to run (None after it ended), for FUNCTION STATS.
    pub fn set_function(&self, f: Option<RunningFunction>) {
        *self.function.lock() = f;
    }

    /// FUNCTION STATS while a function is timed out (Redis's `functionStatsCommand`):
    /// the running function (name, command, duration) and the engine's counts.
    fn function_stats(&self) -> Option<Value> {
        let since = self.st.lock().since?;
        let f = self.function.lock().clone()?;
        let bulk = |s: &str| Value::Bulk(s.as_bytes().to_vec());
        Some(Value::Map(vec![
            (
                bulk("running_script"),
                Value::Map(vec![
                    (bulk("name"), bulk(&f.name)),
                    (
                        bulk("command"),
                        Value::Array(f.command.into_iter().map(Value::Bulk).collect()),
                    ),
                    (
                        bulk("duration_ms"),
                        Value::Int(since.elapsed().as_millis() as i64),
                    ),
                ]),
            ),
            (
                bulk("engines"),
                Value::Map(vec![(
                    bulk("LUA"),
                    Value::Map(vec![
                        (bulk("libraries_count"), Value::Int(f.libraries as i64)),
                        (bulk("functions_count"), Value::Int(f.functions as i64)),
                    ]),
                )]),
            ),
        ]))
    }

    /// The running script executed a write command (it can no longer be killed).
    pub fn note_write(&self) {
        self.st.lock().wrote = true;
    }

    /// Called by the script's hook: marks the run timed out once it has run for more than
    /// `threshold_ms` (0: never), and returns true if SCRIPT KILL asked it to stop.
    pub fn check(&self, threshold_ms: u64) -> bool {
        let mut st = self.st.lock();
        if let Some(since) = st.since {
            if threshold_ms > 0 && since.elapsed() > Duration::from_millis(threshold_ms) {
                st.timed_out = true;
            }
        }
        let kill = st.kill;
        let act = st.timed_out && st.last_yield.is_none_or(|t| t.elapsed() >= YIELD_EVERY);
        if act {
            st.last_yield = Some(Instant::now());
        }
        drop(st);
        if act {
            if let Some(f) = ON_TIMEOUT.get() {
                f();
            }
        }
        kill
    }

    /// True once SCRIPT KILL asked the running script to stop.
    pub fn kill_requested(&self) -> bool {
        self.st.lock().kill
    }

    /// True while a script runs past the threshold: other clients get `-BUSY`.
    pub fn timed_out(&self) -> bool {
        self.st.lock().timed_out
    }

    /// The `-BUSY` error for other clients (None when no script is timed out).
    pub fn busy_error(&self) -> Option<Error> {
        let st = self.st.lock();
        st.timed_out.then(|| {
            Error::new(
                ErrorKind::Other,
                if st.function {
                    BUSY_FUNCTION
                } else {
                    BUSY_SCRIPT
                },
            )
        })
    }

    /// SCRIPT KILL (`function` false) or FUNCTION KILL (`function` true) while a script is
    /// timed out, with Redis 7.0's `scriptKill` checks in its order: `-NOTBUSY` when
    /// nothing runs, `-UNKILLABLE` once the script wrote, the running kind's `-BUSY` when
    /// the kind differs, else the script is stopped at its next hook.
    pub fn kill(&self, function: bool) -> Result<()> {
        let mut st = self.st.lock();
        if st.since.is_none() || !st.timed_out {
            return Err(not_busy());
        }
        if st.wrote {
            return Err(Error::new(
                ErrorKind::Other,
                "UNKILLABLE Sorry the script already executed write commands against the \
                 dataset. You can either wait the script termination or kill the server in \
                 a hard way using the SHUTDOWN NOSAVE command.",
            ));
        }
        // SCRIPT KILL of a function, FUNCTION KILL of a script: the running kind's
        // `-BUSY` (Redis's shared slowscripterr / slowevalerr).
        if st.function != function {
            return Err(Error::new(
                ErrorKind::Other,
                if st.function {
                    BUSY_FUNCTION
                } else {
                    BUSY_SCRIPT
                },
            ));
        }
        st.kill = true;
        Ok(())
    }
}

impl Busy {
    /// SHUTDOWN NOSAVE while a script is timed out: the script is stopped even if it wrote
    /// (Redis kills the server "in a hard way"; emu stops the script, then runs the
    /// SHUTDOWN).
    pub fn force_kill(&self) {
        let mut st = self.st.lock();
        if st.since.is_some() {
            st.kill = true;
        }
    }
}

/// Runs `f` with the store: under its lock, or — while a script holds the lock past
/// `busy-reply-threshold` — on the script's thread between two stretches of the script
/// (see the module docs). For a front end's work that must neither wait for a busy
/// script nor be refused with `-BUSY`, such as a new connection's set-up. Waits (as
/// [`Shared::lock_unless_busy`] does) while a command or a script not timed out yet holds
/// the store.
pub fn with_store<T, F>(shared: &Shared, f: F) -> T
where
    T: Send + 'static,
    F: FnOnce(&mut Store) -> T + Send + 'static,
{
    if let Some(mut g) = shared.lock_unless_busy() {
        return f(&mut g);
    }
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let mut job = StoreJob(Box::new(move |store: &mut Store| {
        let _ = tx.send(f(store));
    }));
    loop {
        match shared.busy().relay_job(job) {
            Ok(()) => break,
            Err(back) => job = back,
        }
        // The script ended first: the job is ours again.
        if let Some(mut g) = shared.lock_unless_busy() {
            (job.0)(&mut g);
            break;
        }
    }
    match rx.recv() {
        Ok(v) => v,
        // The job ran and panicked on the script's thread: as if it had panicked here.
        Err(_) => panic!("a store job panicked on the script's thread"),
    }
}

/// `-NOTBUSY No scripts in execution right now.`
pub fn not_busy() -> Error {
    Error::new(
        ErrorKind::Other,
        "NOTBUSY No scripts in execution right now.",
    )
}

/// What a client sends while a script is timed out, answered without the store: `Some(reply)`
/// for SCRIPT KILL / FUNCTION KILL, FUNCTION STATS, SHUTDOWN without NOSAVE (the running
/// kind's `-BUSY`, as Redis's `shutdownCommand`) and — for a front end that has no session
/// to hand over ([`answer_while_busy_for`] is the full rule) — `-BUSY` for everything else;
/// None when the command must wait for the store instead: SHUTDOWN NOSAVE, which first
/// stops the script ([`Busy::force_kill`]), and any command once no script is timed out.
pub fn answer_while_busy(busy: &Busy, argv: &[&[u8]]) -> Option<Result<Value>> {
    match answer_here(busy, argv)? {
        Here::Reply(r) => Some(r),
        Here::Relay(err) => Some(Err(err)),
    }
}

/// Redis's rule for a client's command while a script is timed out (`processCommand`'s
/// busy check, the `allow_busy` flag): SCRIPT KILL, FUNCTION KILL, FUNCTION STATS and
/// SHUTDOWN as [`answer_while_busy`]; anything else is handed with `session` to the
/// script's thread, which runs Redis's checks and then the command if the table flags it
/// [`crate::engine::flags::ALLOW_BUSY`], or answers `-BUSY` (see the module docs). None:
/// run it the usual way (no script is timed out any more, or SHUTDOWN NOSAVE).
pub fn answer_while_busy_for(
    busy: &Busy,
    session: &mut Session,
    argv: &[&[u8]],
) -> Option<Result<Value>> {
    match answer_here(busy, argv)? {
        Here::Reply(r) => Some(r),
        Here::Relay(_) => busy.relay(session, argv),
    }
}

enum Here {
    Reply(Result<Value>),
    /// For the script's thread (the error is the `-BUSY` for front ends without a
    /// session).
    Relay(Error),
}

fn answer_here(busy: &Busy, argv: &[&[u8]]) -> Option<Here> {
    let here = answer_without_store(busy, argv)?;
    if let (Here::Reply(reply), Some(name)) = (&here, answered_name(argv)) {
        busy.answered(name, reply);
    }
    Some(here)
}

/// The commandstats name of a command [`answer_without_store`] answers.
fn answered_name(argv: &[&[u8]]) -> Option<&'static str> {
    let name = argv.first()?;
    let sub = argv.get(1);
    let is = |a: &[u8], b: &str| a.eq_ignore_ascii_case(b.as_bytes());
    if is(name, "shutdown") {
        return Some("shutdown");
    }
    match (is(name, "script"), is(name, "function"), sub) {
        (true, _, Some(s)) if is(s, "kill") => Some("script|kill"),
        (_, true, Some(s)) if is(s, "kill") => Some("function|kill"),
        (_, true, Some(s)) if is(s, "stats") => Some("function|stats"),
        _ => None,
    }
}

fn answer_without_store(busy: &Busy, argv: &[&[u8]]) -> Option<Here> {
    let err = busy.busy_error()?;
    let name = argv.first()?;
    let sub_is = |s: &[u8]| argv.len() == 2 && argv[1].eq_ignore_ascii_case(s);
    if sub_is(b"kill") && name.eq_ignore_ascii_case(b"script") {
        return Some(Here::Reply(busy.kill(false).map(|()| Value::ok())));
    }
    if sub_is(b"kill") && name.eq_ignore_ascii_case(b"function") {
        return Some(Here::Reply(busy.kill(true).map(|()| Value::ok())));
    }
    if sub_is(b"stats") && name.eq_ignore_ascii_case(b"function") {
        // A running EVAL script: the -BUSY error, as Redis answers.
        if let Some(stats) = busy.function_stats() {
            return Some(Here::Reply(Ok(stats)));
        }
    }
    if name.eq_ignore_ascii_case(b"shutdown") {
        if argv[1..].iter().any(|a| a.eq_ignore_ascii_case(b"nosave")) {
            busy.force_kill();
            return None;
        }
        return Some(Here::Reply(Err(err)));
    }
    Some(Here::Relay(err))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kill_rules_follow_redis() {
        let b = Busy::default();
        assert_eq!(b.kill(false).unwrap_err().message(), not_busy().message());
        b.start(false, Instant::now());
        // Not timed out yet: SCRIPT KILL only reaches a timed-out script.
        assert!(b.kill(false).is_err());
        assert!(!b.check(0));
        assert!(!b.timed_out());
        std::thread::sleep(Duration::from_millis(25));
        assert!(!b.check(1));
        assert!(b.timed_out());
        assert_eq!(b.kill(true).unwrap_err().message(), BUSY_SCRIPT);
        b.kill(false).unwrap();
        assert!(b.check(1));
        let _ = b.finish();
        assert!(!b.timed_out());
        b.start(true, Instant::now());
        b.note_write();
        std::thread::sleep(Duration::from_millis(25));
        b.check(1);
        assert!(b
            .kill(false)
            .unwrap_err()
            .message()
            .starts_with("UNKILLABLE "));
        assert_eq!(b.busy_error().unwrap().message(), BUSY_FUNCTION);
    }
}
