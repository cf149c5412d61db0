//! Distributed locks with redis-py `Lock` semantics: `r.lock(name, options)`.
//!
//! ```
//! use std::time::Duration;
//! use emu::{ErrorKind, LockOptions, Redis};
//!
//! let r = Redis::new();
//! let opts = LockOptions { timeout: Some(Duration::from_secs(10)), ..Default::default() };
//! let mut a = r.lock("resource", opts.clone());
//! assert!(a.acquire().unwrap());
//! // Another client cannot take it (non-blocking attempt).
//! let mut b = r.lock("resource", LockOptions { blocking: false, ..opts });
//! assert!(!b.acquire().unwrap());
//! assert!(a.owned().unwrap() && !b.owned().unwrap() && b.locked().unwrap());
//! let err = b.release().unwrap_err();
//! assert_eq!((err.kind(), err.message()), (ErrorKind::Lock, "Cannot release an unlocked lock"));
//! a.release().unwrap();
//! assert!(!r.lock("resource", LockOptions::default()).locked().unwrap());
//! ```
//!
//! The lock is the key `name` holding a token unique to the holder: acquiring is
//! `SET name token NX [PX timeout]`; release, extend and reacquire check the token and act
//! in one step under the store's lock (redis-py runs a Lua script for each), so a client
//! never deletes or extends a lock another client took after its own expired: that fails
//! with [`ErrorKind::LockNotOwned`] (`Cannot release a lock that's no longer owned`).
//!
//! Tokens are 32 hex digits drawn from the store's seeded RNG (so they are reproducible
//! with [`crate::Builder::seed`], and drawing one advances the RNG behind SPOP & co.).
//! Expiry follows the store's clock (manual clocks included); a blocking acquire polls
//! every `sleep` of real time until `blocking_timeout` of real time has passed.

use std::time::{Duration, Instant};

use super::Redis;
use crate::engine;
use crate::error::{Error, ErrorKind, Result};
use crate::value::Value;

/// redis-py `Lock(…)` arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockOptions {
    /// Time to live of the lock key (None: the lock never expires).
    pub timeout: Option<Duration>,
    /// Pause between attempts of a blocking acquire (default 100 ms).
    pub sleep: Duration,
    /// Whether `acquire()` waits for the lock (default true).
    pub blocking: bool,
    /// Longest a blocking `acquire()` waits (None: forever).
    pub blocking_timeout: Option<Duration>,
}

impl Default for LockOptions {
    fn default() -> Self {
        LockOptions {
            timeout: None,
            sleep: Duration::from_millis(100),
            blocking: true,
            blocking_timeout: None,
        }
    }
}

impl LockOptions {
    /// Lock TTL.
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = Some(t);
        self
    }
    /// Poll interval of blocking acquires.
    pub fn sleep(mut self, t: Duration) -> Self {
        self.sleep = t;
        self
    }
    /// Whether acquire waits.
    pub fn blocking(mut self, yes: bool) -> Self {
        self.blocking = yes;
        self
    }
    /// Longest a blocking acquire waits.
    pub fn blocking_timeout(mut self, t: Duration) -> Self {
        self.blocking_timeout = Some(t);
        self
    }
}

/// redis-py's `LUA_RELEASE_SCRIPT` (remote handles).
const RELEASE: &str = "local token = redis.call('get', KEYS[1]) \
if not token or token ~= ARGV[1] then return 0 end \
redis.call('del', KEYS[1]) return 1";

/// redis-py's `LUA_EXTEND_SCRIPT` (remote handles; ARGV[2] ms, ARGV[3] replace).
const EXTEND: &str = "local token = redis.call('get', KEYS[1]) \
if not token or token ~= ARGV[1] then return 0 end \
local expiration = redis.call('pttl', KEYS[1]) \
if not expiration then expiration = 0 end \
if expiration < 0 then return 0 end \
local newttl = ARGV[2] \
if ARGV[3] == '0' then newttl = ARGV[2] + expiration end \
redis.call('pexpire', KEYS[1], newttl) return 1";

/// redis-py's `LUA_REACQUIRE_SCRIPT` (remote handles; ARGV[2] ms).
const REACQUIRE: &str = "local token = redis.call('get', KEYS[1]) \
if not token or token ~= ARGV[1] then return 0 end \
redis.call('pexpire', KEYS[1], ARGV[2]) return 1";

fn lock_err(msg: &str) -> Error {
    Error::new(ErrorKind::Lock, msg)
}

fn not_owned(msg: &str) -> Error {
    Error::new(ErrorKind::LockNotOwned, msg)
}

/// A check-and-act step on a held lock: it acts only while the key holds the lock's token.
#[derive(Clone, Copy, Debug)]
enum Step {
    Release,
    /// `add` ms more (or exactly `add` ms with `replace`).
    Extend {
        add: i64,
        replace: bool,
    },
    /// The TTL back to `ms`.
    Reacquire {
        ms: u64,
    },
}

impl Step {
    fn extend(additional: Duration, replace: bool) -> Step {
        Step::Extend {
            add: i64::try_from(additional.as_millis()).unwrap_or(i64::MAX),
            replace,
        }
    }

    /// `Ok` when the step acted, else its "no longer owned" error.
    fn outcome(self, done: bool) -> Result<()> {
        if done {
            return Ok(());
        }
        Err(not_owned(match self {
            Step::Release => "Cannot release a lock that's no longer owned",
            Step::Extend { .. } => "Cannot extend a lock that's no longer owned",
            Step::Reacquire { .. } => "Cannot reacquire a lock that's no longer owned",
        }))
    }
}

/// A lock on the key `name` (see the [module docs](self)). Each `Lock` value holds its own
/// token, so give every thread its own `Lock` (`r.lock(name, opts)`), as redis-py's
/// thread-local tokens do.
///
/// ```
/// use std::time::Duration;
/// use emu::LockOptions;
/// let r = emu::Redis::new();
/// let mut lock = r.lock("report", LockOptions { timeout: Some(Duration::from_secs(10)), ..Default::default() });
/// assert!(lock.acquire()?);
/// assert!(lock.owned()?);
/// lock.release()?; // checks the token: a lock taken over by another client is not deleted
/// assert!(!lock.locked()?);
/// # Ok::<(), emu::Error>(())
/// ```
pub struct Lock {
    redis: Redis,
    name: Vec<u8>,
    options: LockOptions,
    token: Option<Vec<u8>>,
}

impl std::fmt::Debug for Lock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lock")
            .field("name", &String::from_utf8_lossy(&self.name))
            .field("options", &self.options)
            .field("token", &self.token.as_deref().map(String::from_utf8_lossy))
            .finish()
    }
}

impl Redis {
    /// redis-py's `r.lock(name, timeout=, sleep=, blocking=, blocking_timeout=)`.
    pub fn lock(&self, name: impl AsRef<[u8]>, options: LockOptions) -> Lock {
        Lock {
            redis: self.clone(),
            name: name.as_ref().to_vec(),
            options,
            token: None,
        }
    }
}

impl Lock {
    /// The lock's key.
    pub fn name(&self) -> &[u8] {
        &self.name
    }

    /// The token this lock holds (None when not acquired).
    pub fn token(&self) -> Option<&[u8]> {
        self.token.as_deref()
    }

    /// The options it was made with.
    pub fn options(&self) -> &LockOptions {
        &self.options
    }

    fn new_token(&self) -> Vec<u8> {
        let (a, b) = self.redis.token_bits();
        format!("{a:016x}{b:016x}").into_bytes()
    }

    /// Acquires with the lock's `blocking` / `blocking_timeout`; true if acquired.
    pub fn acquire(&mut self) -> Result<bool> {
        let (blocking, bt) = (self.options.blocking, self.options.blocking_timeout);
        self.acquire_with(blocking, bt, None)
    }

    /// Acquires, overriding `blocking` and `blocking_timeout`, optionally with a chosen
    /// token (redis-py `acquire(blocking=, blocking_timeout=, token=)`).
    pub fn acquire_with(
        &mut self,
        blocking: bool,
        blocking_timeout: Option<Duration>,
        token: Option<&[u8]>,
    ) -> Result<bool> {
        let (token, stop_at) = self.acquire_start(blocking_timeout, token);
        loop {
            if self.do_acquire(&token)? {
                self.token = Some(token);
                return Ok(true);
            }
            let Some(next_try) = self.retry_at(blocking, stop_at) else {
                return Ok(false);
            };
            std::thread::sleep(next_try.saturating_duration_since(Instant::now()));
        }
    }

    /// The acquiring command: `SET name token NX [PX timeout]`.
    fn acquire_argv(&self, token: &[u8]) -> Vec<Vec<u8>> {
        let mut argv = vec![
            b"SET".to_vec(),
            self.name.clone(),
            token.to_vec(),
            b"NX".to_vec(),
        ];
        if let Some(t) = self.options.timeout.filter(|t| !t.is_zero()) {
            argv.push(b"PX".to_vec());
            argv.push(t.as_millis().to_string().into_bytes());
        }
        argv
    }

    fn do_acquire(&self, token: &[u8]) -> Result<bool> {
        let argv = self.acquire_argv(token);
        let argv: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
        Ok(self.redis.execute(&argv)? == Value::ok())
    }

    /// A token for an acquire (`token`, or a new one) and the instant a blocking acquire
    /// gives up.
    fn acquire_start(
        &self,
        blocking_timeout: Option<Duration>,
        token: Option<&[u8]>,
    ) -> (Vec<u8>, Option<Instant>) {
        let token = match token {
            Some(t) => t.to_vec(),
            None => self.new_token(),
        };
        (token, blocking_timeout.map(|t| Instant::now() + t))
    }

    /// After a failed attempt: when to try again, or None to give up.
    fn retry_at(&self, blocking: bool, stop_at: Option<Instant>) -> Option<Instant> {
        let next_try = Instant::now() + self.options.sleep;
        (blocking && stop_at.is_none_or(|s| next_try <= s)).then_some(next_try)
    }

    /// Whether any client holds the lock (the key exists).
    pub fn locked(&self) -> Result<bool> {
        Ok(self.redis.execute(&[b"GET", &self.name])? != Value::Nil)
    }

    /// Whether this lock holds it (the key holds our token).
    pub fn owned(&self) -> Result<bool> {
        let stored = self.redis.execute(&[b"GET", &self.name])?;
        Ok(self.holds(stored))
    }

    /// Whether `stored` (the key's value) is our token.
    fn holds(&self, stored: Value) -> bool {
        matches!((&self.token, stored), (Some(t), Value::Bulk(v)) if *t == v)
    }

    /// The token and the step for `step`'s call, after its checks (the errors redis-py
    /// raises before running anything). Release gives up the token now, whatever follows.
    fn begin(&mut self, step: Step) -> Result<Vec<u8>> {
        let (verb, needs_timeout) = match step {
            Step::Release => ("release", false),
            Step::Extend { .. } => ("extend", true),
            Step::Reacquire { .. } => ("reacquire", true),
        };
        let token = match step {
            Step::Release => self.token.take(),
            _ => self.token.clone(),
        };
        let Some(token) = token else {
            return Err(lock_err(&format!("Cannot {verb} an unlocked lock")));
        };
        if needs_timeout && self.options.timeout.is_none() {
            return Err(lock_err(&format!("Cannot {verb} a lock with no timeout")));
        }
        Ok(token)
    }

    /// The step on an embedded store: compares the key's value to `token` and acts, all
    /// under the store's lock; whether it acted.
    fn embedded_step(&self, token: &[u8], step: Step) -> Result<bool> {
        let name = &self.name;
        self.redis.with_session_and_store(|store, session| {
            match engine::execute(store, session, &[b"GET", name])? {
                Value::Bulk(v) if v == token => {}
                _ => return Ok(false),
            }
            match step {
                Step::Release => {
                    engine::execute(store, session, &[b"DEL", name])?;
                }
                Step::Extend { add, replace } => {
                    let pttl = match engine::execute(store, session, &[b"PTTL", name])? {
                        Value::Int(n) => n,
                        _ => -2,
                    };
                    if pttl < 0 {
                        return Ok(false);
                    }
                    let ttl = if replace {
                        add
                    } else {
                        add.saturating_add(pttl)
                    };
                    engine::execute(
                        store,
                        session,
                        &[b"PEXPIRE", name, ttl.to_string().as_bytes()],
                    )?;
                }
                Step::Reacquire { ms } => {
                    engine::execute(
                        store,
                        session,
                        &[b"PEXPIRE", name, ms.to_string().as_bytes()],
                    )?;
                }
            }
            Ok(true)
        })?
    }

    /// The step on a remote handle: redis-py's Lua script for it (KEYS[1] the name, ARGV[1]
    /// the token, then the step's arguments), as a [`Script`](crate::client::Script).
    fn remote_step(&self, token: &[u8], step: Step) -> (crate::client::Script, Vec<Vec<u8>>) {
        let mut args = vec![token.to_vec()];
        let script = match step {
            Step::Release => RELEASE,
            Step::Extend { add, replace } => {
                args.push(add.to_string().into_bytes());
                args.push(if replace {
                    b"1".to_vec()
                } else {
                    b"0".to_vec()
                });
                EXTEND
            }
            Step::Reacquire { ms } => {
                args.push(ms.to_string().into_bytes());
                REACQUIRE
            }
        };
        (crate::client::Script::new(script), args)
    }

    /// Runs `step` (checked by [`Lock::begin`]) and turns "did not act" into its error.
    fn step(&mut self, step: Step) -> Result<()> {
        let token = self.begin(step)?;
        let done = if self.redis.is_remote() {
            let (script, args) = self.remote_step(&token, step);
            let n: i64 = script.call(&self.redis, &[&self.name[..]][..], &args[..])?;
            n == 1
        } else {
            self.embedded_step(&token, step)?
        };
        step.outcome(done)
    }

    /// Releases the lock: deletes the key if it still holds our token. Fails with
    /// `Cannot release an unlocked lock` if not acquired, and `Cannot release a lock
    /// that's no longer owned` ([`ErrorKind::LockNotOwned`]) if it expired or another
    /// client holds it now.
    pub fn release(&mut self) -> Result<()> {
        self.step(Step::Release)
    }

    /// Adds `additional` to the lock's remaining time to live, or with `replace_ttl` sets
    /// the TTL to `additional` (redis-py `extend(additional_time, replace_ttl)`).
    pub fn extend(&mut self, additional: Duration, replace_ttl: bool) -> Result<bool> {
        self.step(Step::extend(additional, replace_ttl))?;
        Ok(true)
    }

    /// Resets the lock's time to live to its `timeout` (redis-py `reacquire()`).
    pub fn reacquire(&mut self) -> Result<bool> {
        let step = self.reacquire_step();
        self.step(step)?;
        Ok(true)
    }

    fn reacquire_step(&self) -> Step {
        let ms = self.options.timeout.map(|t| t.as_millis()).unwrap_or(0);
        Step::Reacquire {
            ms: u64::try_from(ms).unwrap_or(u64::MAX),
        }
    }

    /// Acquires (per the options) and returns a guard that releases on drop — Python's
    /// `with r.lock(...):`. Fails with `Unable to acquire lock within the time specified`
    /// when the lock could not be acquired.
    pub fn hold(&mut self) -> Result<LockGuard<'_>> {
        if self.acquire()? {
            Ok(LockGuard { lock: self })
        } else {
            Err(lock_err("Unable to acquire lock within the time specified"))
        }
    }

    /// Runs `f` holding the lock, then releases it (the release's error, e.g. the lock
    /// expired meanwhile, is returned after `f` ran).
    pub fn with<T>(&mut self, f: impl FnOnce() -> T) -> Result<T> {
        let guard = self.hold()?;
        let out = f();
        guard.release()?;
        Ok(out)
    }
}

/// Holds an acquired [`Lock`]; releases it when dropped (errors ignored — call
/// [`LockGuard::release`] to see them).
#[derive(Debug)]
pub struct LockGuard<'a> {
    lock: &'a mut Lock,
}

impl LockGuard<'_> {
    /// Releases now, reporting `LockNotOwned` if the lock expired meanwhile.
    pub fn release(self) -> Result<()> {
        let mut me = std::mem::ManuallyDrop::new(self);
        me.lock.release()
    }

    /// Extends the held lock ([`Lock::extend`]).
    pub fn extend(&mut self, additional: Duration, replace_ttl: bool) -> Result<bool> {
        self.lock.extend(additional, replace_ttl)
    }

    /// The held lock.
    pub fn lock(&self) -> &Lock {
        self.lock
    }
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        let _ = self.lock.release();
    }
}

/// A [`Lock`] with `async` methods, from [`AsyncRedis::lock`](crate::AsyncRedis::lock):
/// the same keys, tokens, scripts (remote handles) and errors as the sync `Lock`. A
/// blocking [`AsyncLock::acquire`] waits between attempts without holding a thread (and
/// needs no particular runtime).
///
/// ```
/// # async fn demo(r: emu::AsyncRedis) -> emu::Result<()> {
/// use std::time::Duration;
/// let mut lock = r.lock("report", emu::LockOptions::default().timeout(Duration::from_secs(10)));
/// assert!(lock.acquire().await?);
/// lock.extend(Duration::from_secs(5), false).await?;
/// lock.release().await?;
/// # Ok(()) }
/// ```
pub struct AsyncLock {
    lock: Lock,
    redis: crate::AsyncRedis,
}

impl std::fmt::Debug for AsyncLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.lock.fmt(f)
    }
}

impl crate::AsyncRedis {
    /// redis-py's `r.lock(name, …)` with `async` methods ([`AsyncLock`]).
    pub fn lock(&self, name: impl AsRef<[u8]>, options: LockOptions) -> AsyncLock {
        AsyncLock {
            lock: self.sync().lock(name, options),
            redis: self.clone(),
        }
    }
}

impl AsyncLock {
    /// The lock's key.
    pub fn name(&self) -> &[u8] {
        self.lock.name()
    }

    /// The token this lock holds (None when not acquired).
    pub fn token(&self) -> Option<&[u8]> {
        self.lock.token()
    }

    /// The options it was made with.
    pub fn options(&self) -> &LockOptions {
        self.lock.options()
    }

    /// [`Lock::acquire`].
    pub async fn acquire(&mut self) -> Result<bool> {
        let (blocking, bt) = (
            self.lock.options.blocking,
            self.lock.options.blocking_timeout,
        );
        self.acquire_with(blocking, bt, None).await
    }

    /// [`Lock::acquire_with`]: waits (a timer, no thread) between attempts.
    pub async fn acquire_with(
        &mut self,
        blocking: bool,
        blocking_timeout: Option<Duration>,
        token: Option<&[u8]>,
    ) -> Result<bool> {
        let (token, stop_at) = self.lock.acquire_start(blocking_timeout, token);
        loop {
            let reply = self
                .redis
                .execute_owned(self.lock.acquire_argv(&token))
                .await?;
            if reply == Value::ok() {
                self.lock.token = Some(token);
                return Ok(true);
            }
            let Some(next_try) = self.lock.retry_at(blocking, stop_at) else {
                return Ok(false);
            };
            crate::blocking::sleep_until(next_try).await;
        }
    }

    /// [`Lock::locked`].
    pub async fn locked(&self) -> Result<bool> {
        let v = self.redis.execute_owned(self.get_argv()).await?;
        Ok(v != Value::Nil)
    }

    /// [`Lock::owned`].
    pub async fn owned(&self) -> Result<bool> {
        let v = self.redis.execute_owned(self.get_argv()).await?;
        Ok(self.lock.holds(v))
    }

    fn get_argv(&self) -> Vec<Vec<u8>> {
        vec![b"GET".to_vec(), self.lock.name.clone()]
    }

    async fn step(&mut self, step: Step) -> Result<()> {
        let token = self.lock.begin(step)?;
        let done = if self.redis.sync().is_remote() {
            let (script, args) = self.lock.remote_step(&token, step);
            let n: i64 = script
                .call_async(&self.redis, self.lock.name.clone(), args)
                .await?;
            n == 1
        } else {
            self.lock.embedded_step(&token, step)?
        };
        step.outcome(done)
    }

    /// [`Lock::release`].
    pub async fn release(&mut self) -> Result<()> {
        self.step(Step::Release).await
    }

    /// [`Lock::extend`].
    pub async fn extend(&mut self, additional: Duration, replace_ttl: bool) -> Result<bool> {
        self.step(Step::extend(additional, replace_ttl)).await?;
        Ok(true)
    }

    /// [`Lock::reacquire`].
    pub async fn reacquire(&mut self) -> Result<bool> {
        let step = self.lock.reacquire_step();
        self.step(step).await?;
        Ok(true)
    }

    /// [`Lock::with`]: acquires (per the options; `Unable to acquire lock within the time
    /// specified` if not), awaits `f`, then releases (the release's error, e.g. the lock
    /// expired meanwhile, is returned after `f` ran).
    pub async fn with<T>(&mut self, f: impl std::future::Future<Output = T>) -> Result<T> {
        if !self.acquire().await? {
            return Err(lock_err("Unable to acquire lock within the time specified"));
        }
        let out = f.await;
        self.release().await?;
        Ok(out)
    }
}
