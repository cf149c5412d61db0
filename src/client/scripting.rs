//! Scripting on the typed API: EVAL / EVALSHA (and their `_RO` forms), SCRIPT LOAD /
//! EXISTS / FLUSH, and [`Script`], redis-py's `register_script`: a script called by SHA1
//! that loads itself again when the store answers NOSCRIPT (after SCRIPT FLUSH).
//!
//! ```
//! let r = emu::Redis::new();
//! let n: i64 = r.eval("return redis.call('INCRBY', KEYS[1], ARGV[1])", "n", 5).unwrap();
//! assert_eq!(n, 5);
//! let incr = r.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
//! assert_eq!(incr.call::<i64>(&r, "n", 2).unwrap(), 7);
//! // No keys or no arguments: `()`.
//! assert_eq!(r.eval::<String>("return 'hi'", (), ()).unwrap(), "hi");
//! ```

use crate::client::{FromValue, Redis, ToArg};
use crate::error::Result;

/// No arguments (`r.eval(script, (), ())`).
impl ToArg for () {
    fn write_args(&self, _out: &mut Vec<Vec<u8>>) {}
}

/// `name body numkeys key… arg…`.
fn eval_argv(name: &str, body: &[u8], keys: &impl ToArg, args: &impl ToArg) -> Vec<Vec<u8>> {
    let mut k = Vec::new();
    keys.write_args(&mut k);
    let mut out = Vec::with_capacity(3 + k.len());
    out.push(name.as_bytes().to_vec());
    out.push(body.to_vec());
    out.push(k.len().to_string().into_bytes());
    out.extend(k);
    args.write_args(&mut out);
    out
}

impl Redis {
    fn run_argv<T: FromValue>(&self, argv: &[Vec<u8>]) -> Result<T> {
        let refs: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
        T::from_value(self.execute(&refs)?)
    }

    /// EVAL: runs `script` with `keys` (KEYS) and `args` (ARGV); `()` for none.
    pub fn eval<T: FromValue>(
        &self,
        script: impl AsRef<[u8]>,
        keys: impl ToArg,
        args: impl ToArg,
    ) -> Result<T> {
        self.run_argv(&eval_argv("EVAL", script.as_ref(), &keys, &args))
    }

    /// EVAL_RO: like [`Redis::eval`], refusing writes.
    pub fn eval_ro<T: FromValue>(
        &self,
        script: impl AsRef<[u8]>,
        keys: impl ToArg,
        args: impl ToArg,
    ) -> Result<T> {
        self.run_argv(&eval_argv("EVAL_RO", script.as_ref(), &keys, &args))
    }

    /// EVALSHA: runs a script loaded before (SCRIPT LOAD or an earlier EVAL) by its SHA1;
    /// a NOSCRIPT error if the store does not have it.
    pub fn evalsha<T: FromValue>(
        &self,
        sha1: impl AsRef<[u8]>,
        keys: impl ToArg,
        args: impl ToArg,
    ) -> Result<T> {
        self.run_argv(&eval_argv("EVALSHA", sha1.as_ref(), &keys, &args))
    }

    /// EVALSHA_RO: like [`Redis::evalsha`], refusing writes.
    pub fn evalsha_ro<T: FromValue>(
        &self,
        sha1: impl AsRef<[u8]>,
        keys: impl ToArg,
        args: impl ToArg,
    ) -> Result<T> {
        self.run_argv(&eval_argv("EVALSHA_RO", sha1.as_ref(), &keys, &args))
    }

    /// SCRIPT LOAD: compiles and caches `script`; returns its SHA1.
    pub fn script_load(&self, script: impl AsRef<[u8]>) -> Result<String> {
        self.run_argv(&[
            b"SCRIPT".to_vec(),
            b"LOAD".to_vec(),
            script.as_ref().to_vec(),
        ])
    }

    /// SCRIPT EXISTS: whether each SHA1 is cached.
    pub fn script_exists(&self, sha1s: impl ToArg) -> Result<Vec<bool>> {
        let mut argv = vec![b"SCRIPT".to_vec(), b"EXISTS".to_vec()];
        sha1s.write_args(&mut argv);
        self.run_argv(&argv)
    }

    /// SCRIPT FLUSH: empties the script cache.
    pub fn script_flush(&self) -> Result<()> {
        self.run_argv(&[b"SCRIPT".to_vec(), b"FLUSH".to_vec()])
    }

    /// A [`Script`] for `script` (redis-py's `register_script`): nothing is sent until it
    /// is called.
    pub fn register_script(&self, script: impl AsRef<[u8]>) -> Script {
        let body = script.as_ref().to_vec();
        Script {
            sha: crate::scripting::lua::sha1_hex(&body),
            body,
        }
    }
}

/// A script called by SHA1 (EVALSHA), loading itself on NOSCRIPT — redis-py's `Script`
/// (from `register_script`). Not tied to one handle: call it on any handle of any store.
#[derive(Clone, Debug)]
pub struct Script {
    body: Vec<u8>,
    sha: String,
}

impl Script {
    /// A script for `body` (see [`Redis::register_script`]).
    pub fn new(body: impl AsRef<[u8]>) -> Script {
        let body = body.as_ref().to_vec();
        Script {
            sha: crate::scripting::lua::sha1_hex(&body),
            body,
        }
    }

    /// The script's SHA1 (40 lowercase hex digits).
    pub fn sha(&self) -> &str {
        &self.sha
    }

    /// The script's source.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Runs the script on `r` with `keys` and `args` (`()` for none): EVALSHA, and on
    /// NOSCRIPT SCRIPT LOAD then EVALSHA again.
    pub fn call<T: FromValue>(&self, r: &Redis, keys: impl ToArg, args: impl ToArg) -> Result<T> {
        let argv = eval_argv("EVALSHA", self.sha.as_bytes(), &keys, &args);
        let refs: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
        match r.execute(&refs) {
            Err(e) if e.code() == "NOSCRIPT" => {
                r.script_load(&self.body)?;
                T::from_value(r.execute(&refs)?)
            }
            other => T::from_value(other?),
        }
    }
}
