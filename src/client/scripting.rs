//! Scripting on the typed API: EVAL / EVALSHA (and their `_RO` forms), SCRIPT LOAD /
//! EXISTS / FLUSH, and [`Script`], redis-py's `register_script`: a script called by SHA1
//! that loads itself again when the store answers NOSCRIPT (after SCRIPT FLUSH). Functions:
//! `function_load` / `function_delete` / `function_flush` / `function_list` and `fcall` /
//! `fcall_ro`, on [`Redis`] and [`crate::Pipeline`] alike (the `commands!` macro).
//!
//! ```
//! let r = emu::Redis::new();
//! let n: i64 = r.eval("return redis.call('INCRBY', KEYS[1], ARGV[1])", "n", 5).unwrap();
//! assert_eq!(n, 5);
//! let incr = r.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
//! assert_eq!(incr.call::<i64>(&r, "n", 2).unwrap(), 7);
//! // No keys or no arguments: `()`.
//! assert_eq!(r.eval::<String>("return 'hi'", (), ()).unwrap(), "hi");
//!
//! // Functions: a library, then FCALL by function name.
//! let lib = "#!lua name=counters
//! redis.register_function('bump', function(keys, args)
//!   return redis.call('INCRBY', keys[1], args[1])
//! end)";
//! assert_eq!(r.function_load(lib, false).unwrap(), "counters");
//! assert_eq!(r.fcall::<_, _, _, i64>("bump", "hits", 3).unwrap(), 3);
//! let libs = r.function_list(false).unwrap();
//! assert_eq!(libs[0].name, "counters");
//! assert_eq!(libs[0].functions[0].name, "bump");
//! let mut p = r.pipeline();
//! p.fcall("bump", "hits", 1).fcall_ro("bump", "hits", 1);
//! let replies = p.execute().unwrap();
//! assert_eq!(replies[0], emu::Value::Int(4));
//! assert!(matches!(&replies[1], emu::Value::Error(e) if e.contains("*_ro")));
//! ```

use crate::client::commands::{args, commands};
use crate::client::{FromValue, Redis, ToArg};
use crate::error::{Error, Result};
use crate::value::Value;

/// No arguments (`r.eval(script, (), ())`).
impl ToArg for () {
    fn write_args(&self, _out: &mut crate::client::convert::ArgBuf) {}
}

/// `name body numkeys key… arg…`.
pub(crate) fn eval_argv(
    name: &str,
    body: &[u8],
    keys: &impl ToArg,
    args: &impl ToArg,
) -> Vec<Vec<u8>> {
    let k = keys.to_arg_buf();
    let mut out = crate::client::convert::ArgBuf::new();
    out.push(name);
    out.push(body);
    out.push_int(k.len());
    out.append(&k);
    args.write_args(&mut out);
    out.to_vecs()
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
        let mut argv = crate::client::convert::ArgBuf::new();
        argv.extend(["SCRIPT", "EXISTS"]);
        sha1s.write_args(&mut argv);
        self.run_argv(&argv.to_vecs())
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

commands! {
    /// FUNCTION LOAD (with REPLACE when `replace`): loads a function library (`#!lua name=<lib>` then code
    /// calling `redis.register_function`); returns the library's name. Without `replace`,
    /// loading an existing library's name is an error.
    fn function_load[C: ToArg,](code: C, replace: bool) -> String {
        let a = args("FUNCTION").arg("LOAD");
        let a = if replace { a.arg("REPLACE") } else { a };
        a.arg(code)
    }

    /// FUNCTION DELETE: removes a library and its functions.
    fn function_delete[N: ToArg,](library: N) -> () {
        args("FUNCTION").arg("DELETE").arg(library)
    }

    /// FUNCTION FLUSH: removes every library.
    fn function_flush[](/* no arguments */) -> () {
        args("FUNCTION").arg("FLUSH")
    }

    /// FUNCTION LIST (WITHCODE when `with_code`): every library with its functions (and code).
    fn function_list[](with_code: bool) -> Vec<FunctionLibrary> {
        let a = args("FUNCTION").arg("LIST");
        if with_code { a.arg("WITHCODE") } else { a }
    }

    /// FUNCTION LIST LIBRARYNAME pattern (WITHCODE when `with_code`): the libraries whose name matches the
    /// glob-style `pattern` (case-insensitively, as Redis).
    fn function_list_matching[P: ToArg,](pattern: P, with_code: bool) -> Vec<FunctionLibrary> {
        let a = args("FUNCTION").arg("LIST").arg("LIBRARYNAME").arg(pattern);
        if with_code { a.arg("WITHCODE") } else { a }
    }

    /// FCALL: runs the function `function` with `keys` and `args` (`()` for none); the
    /// caller picks the reply type.
    fn fcall[F: ToArg, K: ToArg, A: ToArg,](function: F, keys: K, fargs: A) {
        args("FCALL").arg(function).counted(keys).arg(fargs)
    }

    /// FCALL_RO: like [`Redis::fcall`], refusing functions not flagged `no-writes`.
    fn fcall_ro[F: ToArg, K: ToArg, A: ToArg,](function: F, keys: K, fargs: A) {
        args("FCALL_RO").arg(function).counted(keys).arg(fargs)
    }
}

/// One library of [`Redis::function_list`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionLibrary {
    /// The library's name.
    pub name: String,
    /// Its engine (`LUA`).
    pub engine: String,
    /// Its functions.
    pub functions: Vec<FunctionInfo>,
    /// Its code, when asked for (`with_code`).
    pub code: Option<Vec<u8>>,
}

/// One function of a [`FunctionLibrary`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionInfo {
    /// The function's name.
    pub name: String,
    /// Its description, if it was registered with one.
    pub description: Option<String>,
    /// Its flags (`no-writes`, `allow-oom`, …).
    pub flags: Vec<String>,
}

/// The (name, value) pairs of a map reply (a RESP3 map, or its RESP2 flat array).
fn map_fields(v: Value, what: &str) -> Result<Vec<(String, Value)>> {
    match v {
        Value::Map(pairs) => pairs
            .into_iter()
            .map(|(k, v)| Ok((String::from_value(k)?, v)))
            .collect(),
        Value::Array(items) if items.len() % 2 == 0 => {
            let mut out = Vec::with_capacity(items.len() / 2);
            let mut it = items.into_iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                out.push((String::from_value(k)?, v));
            }
            Ok(out)
        }
        other => Err(crate::client::convert::incompatible(&other, what)),
    }
}

impl FromValue for FunctionInfo {
    fn from_value(v: Value) -> Result<Self> {
        let mut f = FunctionInfo {
            name: String::new(),
            description: None,
            flags: Vec::new(),
        };
        for (k, v) in map_fields(v, "FunctionInfo")? {
            match k.as_str() {
                "name" => f.name = String::from_value(v)?,
                "description" => f.description = Option::<String>::from_value(v)?,
                "flags" => f.flags = Vec::<String>::from_value(v)?,
                _ => {}
            }
        }
        Ok(f)
    }
}

impl FromValue for FunctionLibrary {
    fn from_value(v: Value) -> Result<Self> {
        let mut lib = FunctionLibrary {
            name: String::new(),
            engine: String::new(),
            functions: Vec::new(),
            code: None,
        };
        let mut named = false;
        for (k, v) in map_fields(v, "FunctionLibrary")? {
            match k.as_str() {
                "library_name" => {
                    lib.name = String::from_value(v)?;
                    named = true;
                }
                "engine" => lib.engine = String::from_value(v)?,
                "functions" => lib.functions = Vec::<FunctionInfo>::from_value(v)?,
                "library_code" => lib.code = Some(Vec::<u8>::from_value(v)?),
                _ => {}
            }
        }
        if !named {
            return Err(Error::conversion(
                "a FUNCTION LIST entry without library_name",
            ));
        }
        Ok(lib)
    }
}
