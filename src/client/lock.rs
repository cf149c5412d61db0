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
        let token = match token {
            Some(t) => t.to_vec(),
            None => self.new_token(),
        };
        let stop_at = blocking_timeout.map(|t| Instant::now() + t);
        loop {
            if self.do_acquire(&token)? {
                self.token = Some(token);
                return Ok(true);
            }
            if !blocking {
                return Ok(false);
            }
            let next_try = Instant::now() + self.options.sleep;
            if stop_at.is_some_and(|s| next_try > s) {
                return Ok(false);
            }
            std::thread::sleep(self.options.sleep);
        }
    }

    fn do_acquire(&self, token: &[u8]) -> Result<bool> {
        let ms = self
            .options
            .timeout
            .filter(|t| !t.is_zero())
            .map(|t| t.as_millis().to_string());
        let mut argv: Vec<&[u8]> = vec![b"SET", &self.name, token, b"NX"];
        if let Some(ms) = &ms {
            argv.push(b"PX");
            argv.push(ms.as_bytes());
        }
        Ok(self.redis.execute(&argv)? == Value::ok())
    }

    /// Whether any client holds the lock (the key exists).
    pub fn locked(&self) -> Result<bool> {
        Ok(self.redis.execute(&[b"GET", &self.name])? != Value::Nil)
    }

    /// Whether this lock holds it (the key holds our token).
    pub fn owned(&self) -> Result<bool> {
        let stored = self.redis.execute(&[b"GET", &self.name])?;
        Ok(matches!((&self.token, stored), (Some(t), Value::Bulk(v)) if *t == v))
    }

    /// Runs `f` with the key's value compared to our token, all under the store's lock;
    /// `f` gets the engine and returns whether it acted.
    ///
    /// On a remote handle the same check-and-act runs as the Lua script `script` (KEYS[1]
    /// the name, ARGV[1] the token, then `args`), as redis-py's `Lock` does it.
    fn checked(
        &self,
        token: &[u8],
        script: (&str, &[&[u8]]),
        f: impl FnOnce(&mut crate::engine::Store, &mut engine::Session) -> Result<bool>,
    ) -> Result<bool> {
        if self.redis.is_remote() {
            let mut args: Vec<&[u8]> = vec![token];
            args.extend_from_slice(script.1);
            let n: i64 = crate::client::Script::new(script.0).call(
                &self.redis,
                &[&self.name[..]][..],
                &args[..],
            )?;
            return Ok(n == 1);
        }
        self.redis.with_session_and_store(|store, session| {
            match engine::execute(store, session, &[b"GET", &self.name])? {
                Value::Bulk(v) if v == token => f(store, session),
                _ => Ok(false),
            }
        })?
    }

    /// Releases the lock: deletes the key if it still holds our token. Fails with
    /// `Cannot release an unlocked lock` if not acquired, and `Cannot release a lock
    /// that's no longer owned` ([`ErrorKind::LockNotOwned`]) if it expired or another
    /// client holds it now.
    pub fn release(&mut self) -> Result<()> {
        let Some(token) = self.token.take() else {
            return Err(lock_err("Cannot release an unlocked lock"));
        };
        let name = self.name.clone();
        let done = self.checked(&token, (RELEASE, &[]), |store, session| {
            engine::execute(store, session, &[b"DEL", &name])?;
            Ok(true)
        })?;
        if !done {
            return Err(not_owned("Cannot release a lock that's no longer owned"));
        }
        Ok(())
    }

    /// Adds `additional` to the lock's remaining time to live, or with `replace_ttl` sets
    /// the TTL to `additional` (redis-py `extend(additional_time, replace_ttl)`).
    pub fn extend(&mut self, additional: Duration, replace_ttl: bool) -> Result<bool> {
        let Some(token) = self.token.clone() else {
            return Err(lock_err("Cannot extend an unlocked lock"));
        };
        if self.options.timeout.is_none() {
            return Err(lock_err("Cannot extend a lock with no timeout"));
        }
        let name = self.name.clone();
        let add = i64::try_from(additional.as_millis()).unwrap_or(i64::MAX);
        let add_arg = add.to_string();
        let replace_arg: &[u8] = if replace_ttl { b"1" } else { b"0" };
        let args: [&[u8]; 2] = [add_arg.as_bytes(), replace_arg];
        let done = self.checked(&token, (EXTEND, &args), |store, session| {
            let pttl = match engine::execute(store, session, &[b"PTTL", &name])? {
                Value::Int(n) => n,
                _ => -2,
            };
            if pttl < 0 {
                return Ok(false);
            }
            let ttl = if replace_ttl {
                add
            } else {
                add.saturating_add(pttl)
            };
            engine::execute(
                store,
                session,
                &[b"PEXPIRE", &name, ttl.to_string().as_bytes()],
            )?;
            Ok(true)
        })?;
        if !done {
            return Err(not_owned("Cannot extend a lock that's no longer owned"));
        }
        Ok(true)
    }

    /// Resets the lock's time to live to its `timeout` (redis-py `reacquire()`).
    pub fn reacquire(&mut self) -> Result<bool> {
        let Some(token) = self.token.clone() else {
            return Err(lock_err("Cannot reacquire an unlocked lock"));
        };
        let Some(timeout) = self.options.timeout else {
            return Err(lock_err("Cannot reacquire a lock with no timeout"));
        };
        let name = self.name.clone();
        let ms = timeout.as_millis().to_string();
        let done = self.checked(&token, (REACQUIRE, &[ms.as_bytes()]), |store, session| {
            engine::execute(store, session, &[b"PEXPIRE", &name, ms.as_bytes()])?;
            Ok(true)
        })?;
        if !done {
            return Err(not_owned("Cannot reacquire a lock that's no longer owned"));
        }
        Ok(true)
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
