//! FUNCTION and FCALL / FCALL_RO (Redis 7.0 `functions.c`, `function_lua.c`).
//!
//! The libraries themselves — name → code — are store data ([`crate::engine::Libraries`]:
//! cloned with the store, snapshotted, logged). This module keeps their compiled form in
//! the scripting room's slot: an [`Engine`] with its own Lua state (as Redis runs
//! functions in a Lua interpreter of their own, separate from EVAL's), the libraries'
//! registered functions, and the library version it was built from. A store whose
//! libraries changed behind the engine's back (a clone, a snapshot load) gets its engine
//! rebuilt by running every library's code again, which is deterministic.
//!
//! FUNCTION LOAD runs a library's code in Redis's load environment (only `redis` with
//! `register_function`, `log`, `LOG_*` and `REDIS_VERSION(_NUM)`; `redis.call` and every
//! other global refused) with Redis's 500 ms timeout (none on replay). A function runs
//! like an EVAL script (same `redis.*` API, conversions, checks, busy hook), with its keys
//! and arguments as its two parameters. FUNCTION LOAD / DELETE / FLUSH are logged as
//! themselves (the request, as Redis propagates them), FUNCTION RESTORE as the DELETEs, FLUSH
//! and LOADs it amounts to: replay runs the libraries' code again, never a function; FCALL
//! is logged through the effects of the commands it ran. FUNCTION DUMP / RESTORE payloads
//! are Redis's (RDB strings, version, CRC64), encoded by the rdb room's codec through
//! [`crate::engine::Services`].
//!
//! # Known differences from Redis
//!
//! * FUNCTION DUMP writes the libraries in name order (Redis: its hash table's order), so
//!   a dump of several libraries has Redis's bytes only up to that order; a dump restores
//!   either way. FUNCTION RESTORE reports the first collision in name order.
//! * FUNCTION STATS never shows a running function: a function runs under the store lock,
//!   and while one is timed out the front ends answer FUNCTION STATS with `-BUSY` (Redis
//!   allows it then).
//! * Functions and EVAL scripts have separate `math.random` generators (Redis shares one
//!   process-wide rand48).
//! * FUNCTION LIST orders libraries and each library's functions by name (Redis: its hash
//!   table's order).

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use crate::engine::spec::{dispatch_sub, help_reply, Sub};
use crate::engine::{flags::*, CommandSpec, Ctx, Store};
use crate::error::{Error, Result};
use crate::scripting::commands::{eval_keys, prepare_and_run, with_slot};
use crate::scripting::lua::{valid_name, State, FLAG_NAMES};
use crate::value::Value;

/// Redis's FUNCTION LOAD timeout (`LOAD_TIMEOUT_MS`).
const LOAD_TIMEOUT: Duration = Duration::from_millis(500);

/// The one engine: its name as FUNCTION LIST / STATS show it.
const ENGINE_NAME: &str = "LUA";

/// A registered function.
struct Func {
    name: String,
    library: String,
    desc: Option<Vec<u8>>,
    func: crate::scripting::raw::FnRef,
    flags: u32,
}

/// The compiled libraries of one store. See the module docs.
pub struct Engine {
    state: State,
    /// The [`crate::engine::Libraries::version`] this engine was built from.
    version: u64,
    /// Library name → its functions' names (sorted).
    libraries: BTreeMap<String, Vec<String>>,
    /// Lowercase function name → the function (FCALL's lookup is case-insensitive).
    functions: HashMap<String, Func>,
}

/// A library's metadata line (Redis `functionExtractLibMetaData`): the engine, the name,
/// and where the code after the line starts (its line feed kept, so line numbers stay
/// the user's).
fn metadata(code: &[u8]) -> std::result::Result<(Vec<u8>, Vec<u8>, usize), String> {
    if !code.starts_with(b"#!") {
        return Err("Missing library metadata".into());
    }
    let Some(end) = code.iter().position(|&b| b == b'\n') else {
        return Err("Invalid library metadata".into());
    };
    let mut store = Vec::new();
    let mut ranges = Vec::new();
    if crate::resp::split_args(&code[..end], &mut store, &mut ranges).is_none() || ranges.is_empty()
    {
        return Err("Invalid library metadata".into());
    }
    let parts: Vec<&[u8]> = ranges.iter().map(|&(a, b)| &store[a..b]).collect();
    let engine = parts[0].get(2..).unwrap_or_default().to_vec();
    let mut name = None;
    for part in &parts[1..] {
        if part.len() >= 5 && part[..5].eq_ignore_ascii_case(b"name=") {
            if name.is_some() {
                return Err(
                    "Invalid metadata value, name argument was given multiple times".into(),
                );
            }
            name = Some(part[5..].to_vec());
            continue;
        }
        return Err(format!(
            "Invalid metadata value given: {}",
            String::from_utf8_lossy(part)
        ));
    }
    let Some(name) = name else {
        return Err("Library name was not given".into());
    };
    Ok((engine, name, end))
}

impl Engine {
    fn new(state: State) -> Engine {
        Engine {
            state,
            version: 0,
            libraries: BTreeMap::new(),
            functions: HashMap::new(),
        }
    }

    /// Compiles and registers a library (Redis `functionsCreateWithLibraryCtx`); the
    /// store's libraries are the caller's to update. Returns the library's name; `Err` is
    /// the error text without `ERR `.
    fn create(
        &mut self,
        code: &[u8],
        replace: bool,
        timeout: Option<Duration>,
    ) -> std::result::Result<String, String> {
        let (engine, name, skip) = metadata(code)?;
        if !valid_name(&name) {
            return Err(
                "Library names can only contain letters, numbers, or underscores(_) \
                        and must be at least one character long"
                    .into(),
            );
        }
        let name = String::from_utf8_lossy(&name).into_owned();
        if !engine.eq_ignore_ascii_case(b"lua") {
            return Err(format!(
                "Engine '{}' not found",
                String::from_utf8_lossy(&engine)
            ));
        }
        let old = self.libraries.get(&name);
        if old.is_some() && !replace {
            return Err(format!("Library '{name}' already exists"));
        }
        let registered = self.state.load_library(code, skip, timeout)?;
        if registered.is_empty() {
            return Err("No functions registered".into());
        }
        for r in &registered {
            if let Some(f) = self.functions.get(&r.name.to_ascii_lowercase()) {
                if f.library != name {
                    return Err(format!("Function {} already exists", r.name));
                }
            }
        }
        let mut pinned = Vec::with_capacity(registered.len());
        for r in &registered {
            match self.state.pin(&r.func) {
                Ok(f) => pinned.push(f),
                Err(e) => {
                    for f in pinned {
                        self.state.unpin(f);
                    }
                    return Err(e.message().to_string());
                }
            }
        }
        self.unlink(&name);
        let mut names: Vec<String> = registered.iter().map(|r| r.name.clone()).collect();
        names.sort();
        for (r, func) in registered.into_iter().zip(pinned) {
            self.functions.insert(
                r.name.to_ascii_lowercase(),
                Func {
                    name: r.name,
                    library: name.clone(),
                    desc: r.desc,
                    func,
                    flags: r.flags,
                },
            );
        }
        self.libraries.insert(name.clone(), names);
        Ok(name)
    }

    /// Forgets a library and its functions; false if there was none.
    fn unlink(&mut self, name: &str) -> bool {
        match self.libraries.remove(name) {
            Some(funcs) => {
                for f in funcs {
                    if let Some(f) = self.functions.remove(&f.to_ascii_lowercase()) {
                        self.state.unpin(f.func);
                    }
                }
                true
            }
            None => false,
        }
    }
}

/// The store's function engine, taken out of the slot and brought up to date with the
/// store's libraries (built on first use). Put it back with [`put_engine`].
fn take_engine(store: &mut Store) -> Result<Box<Engine>> {
    let current = with_slot(store, |s| s.functions.take());
    let version = store.libraries.version();
    match current {
        Some(e) if e.version == version => Ok(e),
        old => {
            let state = match &old {
                Some(e) => e.state.reset()?,
                None => State::new()?,
            };
            let mut engine = Box::new(Engine::new(state));
            for (_, code) in store.libraries.iter() {
                // Deterministic: a library that loaded once loads again (no timeout here,
                // as on replay). One that somehow fails is left out rather than lost
                // from the store's data.
                let _ = engine.create(code, true, None);
            }
            engine.version = version;
            Ok(engine)
        }
    }
}

/// The FUNCTION state's Lua memory, functions and libraries (INFO memory); the engine is
/// built from the libraries if it is not current.
pub(crate) fn function_memory(store: &mut Store) -> (u64, u64, u64) {
    match take_engine(store) {
        Ok(engine) => {
            let out = (
                engine.state.lua().used_memory() as u64,
                engine.functions.len() as u64,
                engine.libraries.len() as u64,
            );
            put_engine(store, engine);
            out
        }
        Err(_) => (0, 0, store.libraries.iter().count() as u64),
    }
}

fn put_engine(store: &mut Store, mut engine: Box<Engine>) {
    engine.version = store.libraries.version();
    with_slot(store, |s| s.functions = Some(engine));
}

// ---------------------------------------------------------------------------------------
// FUNCTION
// ---------------------------------------------------------------------------------------

/// # Format
/// `FUNCTION LOAD [REPLACE] function-code`
fn function_load(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let mut replace = false;
    let mut pos = 2;
    while pos < argv.len() - 1 {
        let a = argv[pos];
        pos += 1;
        if a.eq_ignore_ascii_case(b"replace") {
            replace = true;
            continue;
        }
        return Err(Error::err(format!(
            "Unknown option given: {}",
            String::from_utf8_lossy(a)
        )));
    }
    if pos >= argv.len() {
        return Err(Error::err("Function code is missing"));
    }
    let code = argv[pos];
    // Replay (and a replica, in Redis) must not fail on time.
    let timeout = (!ctx.store.loading).then_some(LOAD_TIMEOUT);
    let mut engine = take_engine(ctx.store)?;
    let created = engine.create(code, replace, timeout);
    if let Ok(name) = &created {
        ctx.store.libraries.insert(name.clone(), code.to_vec());
        ctx.store.dirty += 1;
    }
    put_engine(ctx.store, engine);
    let name = created.map_err(Error::err)?;
    // Logged (and replicated) as the request, as Redis propagates it.
    ctx.propagate_with(|| argv.iter().map(|a| a.to_vec()).collect());
    Ok(Value::Bulk(name.into_bytes()))
}

/// # Format
/// `FUNCTION DELETE library-name`
fn function_delete(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let name = String::from_utf8_lossy(argv[2]).into_owned();
    if ctx.store.libraries.get(&name).is_none() || argv[2].contains(&0) {
        return Err(Error::err("Library not found"));
    }
    let mut engine = take_engine(ctx.store)?;
    engine.unlink(&name);
    ctx.store.libraries.remove(&name);
    ctx.store.dirty += 1;
    put_engine(ctx.store, engine);
    ctx.propagate_with(|| argv.iter().map(|a| a.to_vec()).collect());
    Ok(Value::ok())
}

/// # Format
/// `FUNCTION FLUSH [ASYNC|SYNC]`
fn function_flush(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    if argv.len() > 3 {
        return Err(subcommand_syntax(argv[1]));
    }
    if argv.len() == 3
        && !argv[2].eq_ignore_ascii_case(b"sync")
        && !argv[2].eq_ignore_ascii_case(b"async")
    {
        return Err(Error::err("FUNCTION FLUSH only supports SYNC|ASYNC option"));
    }
    // Redis starts a fresh engine (a new Lua interpreter).
    let old = with_slot(ctx.store, |s| s.functions.take());
    ctx.store.libraries.set_all(BTreeMap::new());
    ctx.store.dirty += 1;
    let state = match old {
        Some(e) => e.state.reset()?,
        None => State::new()?,
    };
    put_engine(ctx.store, Box::new(Engine::new(state)));
    ctx.propagate_with(|| vec![b"FUNCTION".to_vec(), b"FLUSH".to_vec()]);
    Ok(Value::ok())
}

/// # Format
/// `FUNCTION DUMP`
fn function_dump(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    let codes: Vec<&[u8]> = ctx
        .store
        .libraries
        .iter()
        .map(|(_, c)| c.as_slice())
        .collect();
    let payload = (ctx.store.services().function_dump)(&codes, ctx.store.config.rdbcompression);
    Ok(Value::Bulk(payload))
}

/// FUNCTION RESTORE's policy for libraries already there.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Policy {
    Flush,
    Append,
    Replace,
}

/// # Format
/// `FUNCTION RESTORE serialized-value [FLUSH|APPEND|REPLACE]`
fn function_restore(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    if argv.len() > 4 {
        return Err(subcommand_syntax(argv[1]));
    }
    let policy = match argv.get(3) {
        None => Policy::Append,
        Some(p) if p.eq_ignore_ascii_case(b"append") => Policy::Append,
        Some(p) if p.eq_ignore_ascii_case(b"replace") => Policy::Replace,
        Some(p) if p.eq_ignore_ascii_case(b"flush") => Policy::Flush,
        Some(_) => {
            return Err(Error::err(
                "Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.",
            ))
        }
    };
    let codes = (ctx.store.services().function_restore)(argv[2]).map_err(Error::err)?;
    // The payload's libraries first go into an engine of their own (Redis: a temporary
    // library context), so a bad payload changes nothing.
    let mut incoming = Engine::new(State::new()?);
    let mut loaded = BTreeMap::new();
    for code in &codes {
        let name = incoming.create(code, false, None).map_err(Error::err)?;
        loaded.insert(name, code.clone());
    }
    let mut effects: Vec<Vec<Vec<u8>>> = Vec::new();
    if policy == Policy::Flush {
        ctx.store.libraries.set_all(loaded.clone());
        put_engine(ctx.store, Box::new(incoming));
        effects.push(vec![b"FUNCTION".to_vec(), b"FLUSH".to_vec()]);
    } else {
        // Redis `libraryJoin`: library collisions (fatal under APPEND, replacements under
        // REPLACE), then function-name collisions with the libraries that stay.
        let current = take_engine(ctx.store)?;
        let mut replaced = Vec::new();
        for name in loaded.keys() {
            if current.libraries.contains_key(name) {
                if policy == Policy::Append {
                    put_engine(ctx.store, current);
                    return Err(Error::err(format!("Library {name} already exists")));
                }
                replaced.push(name.clone());
            }
        }
        for funcs in incoming.libraries.values() {
            for f in funcs {
                if let Some(old) = current.functions.get(&f.to_ascii_lowercase()) {
                    if !replaced.contains(&old.library) {
                        put_engine(ctx.store, current);
                        return Err(Error::err(format!("Function {f} already exists")));
                    }
                }
            }
        }
        // The engine is rebuilt from the libraries on next use (the new functions were
        // compiled in another Lua state).
        drop(current);
        for name in &replaced {
            ctx.store.libraries.remove(name);
            effects.push(vec![
                b"FUNCTION".to_vec(),
                b"DELETE".to_vec(),
                name.as_bytes().to_vec(),
            ]);
        }
        for (name, code) in &loaded {
            ctx.store.libraries.insert(name.clone(), code.clone());
        }
    }
    for code in loaded.values() {
        effects.push(vec![
            b"FUNCTION".to_vec(),
            b"LOAD".to_vec(),
            b"REPLACE".to_vec(),
            code.clone(),
        ]);
    }
    ctx.store.dirty += 1;
    for e in effects {
        ctx.propagate(e);
    }
    Ok(Value::ok())
}

/// Redis's `addReplySubcommandSyntaxError`.
fn subcommand_syntax(sub: &[u8]) -> Error {
    let sub: String = String::from_utf8_lossy(sub).chars().take(128).collect();
    Error::err(format!(
        "unknown subcommand or wrong number of arguments for '{sub}'. Try FUNCTION HELP."
    ))
}

/// The flags of a function as FUNCTION LIST shows them (a set of status strings).
fn flag_set(flags: u32) -> Value {
    Value::Set(
        FLAG_NAMES
            .iter()
            .filter(|(_, bit)| flags & bit != 0)
            .map(|(n, _)| Value::Simple((*n).to_string()))
            .collect(),
    )
}

fn bulk(s: &str) -> Value {
    Value::Bulk(s.as_bytes().to_vec())
}

/// # Format
/// `FUNCTION LIST [LIBRARYNAME library-name-pattern] [WITHCODE]`
fn function_list(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let mut with_code = false;
    let mut pattern: Option<&[u8]> = None;
    let mut i = 2;
    while i < argv.len() {
        let a = argv[i];
        if !with_code && a.eq_ignore_ascii_case(b"withcode") {
            with_code = true;
        } else if pattern.is_none() && a.eq_ignore_ascii_case(b"libraryname") {
            if i >= argv.len() - 1 {
                return Err(Error::err("library name argument was not given"));
            }
            i += 1;
            pattern = Some(argv[i]);
        } else {
            return Err(Error::err(format!(
                "Unknown argument {}",
                String::from_utf8_lossy(a)
            )));
        }
        i += 1;
    }
    let engine = take_engine(ctx.store)?;
    let mut out = Vec::new();
    for (lib, funcs) in &engine.libraries {
        if let Some(p) = pattern {
            if !crate::util::glob::matches_nocase(p, lib.as_bytes()) {
                continue;
            }
        }
        let functions = funcs
            .iter()
            .filter_map(|f| engine.functions.get(&f.to_ascii_lowercase()))
            .map(|f| {
                Value::Map(vec![
                    (bulk("name"), bulk(&f.name)),
                    (
                        bulk("description"),
                        f.desc.clone().map_or(Value::Nil, Value::Bulk),
                    ),
                    (bulk("flags"), flag_set(f.flags)),
                ])
            })
            .collect();
        let mut entry = vec![
            (bulk("library_name"), bulk(lib)),
            (bulk("engine"), bulk(ENGINE_NAME)),
            (bulk("functions"), Value::Array(functions)),
        ];
        if with_code {
            let code = ctx.store.libraries.get(lib).cloned().unwrap_or_default();
            entry.push((bulk("library_code"), Value::Bulk(code)));
        }
        out.push(Value::Map(entry));
    }
    put_engine(ctx.store, engine);
    Ok(Value::Array(out))
}

/// # Format
/// `FUNCTION STATS`
fn function_stats(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    let engine = take_engine(ctx.store)?;
    let (libs, funcs) = (engine.libraries.len(), engine.functions.len());
    put_engine(ctx.store, engine);
    Ok(Value::Map(vec![
        (bulk("running_script"), Value::Nil),
        (
            bulk("engines"),
            Value::Map(vec![(
                bulk(ENGINE_NAME),
                Value::Map(vec![
                    (bulk("libraries_count"), Value::Int(libs as i64)),
                    (bulk("functions_count"), Value::Int(funcs as i64)),
                ]),
            )]),
        ),
    ]))
}

/// # Format
/// `FUNCTION KILL`
fn function_kill(_ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    // A function runs under the store lock: when this handler runs, none is running (a
    // timed-out one is killed by the front ends, see `engine::busy`).
    Err(crate::engine::busy::not_busy())
}

/// # Format
/// `FUNCTION HELP`
fn function_help(_ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(help_reply(
        "function",
        &[
            "LOAD [REPLACE] <FUNCTION CODE>",
            "    Create a new library with the given library name and code.",
            "DELETE <LIBRARY NAME>",
            "    Delete the given library.",
            "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
            "    Return general information on all the libraries:",
            "    * Library name",
            "    * The engine used to run the Library",
            "    * Library description",
            "    * Functions list",
            "    * Library code (if WITHCODE is given)",
            "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
            "STATS",
            "    Return information about the current function running:",
            "    * Function name",
            "    * Command used to run the function",
            "    * Duration in MS that the function is running",
            "    If no function is running, return nil",
            "    In addition, returns a list of available engines.",
            "KILL",
            "    Kill the current running function.",
            "FLUSH [ASYNC|SYNC]",
            "    Delete all the libraries.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the libraries.",
            "    * SYNC: Synchronously flush the libraries.",
            "DUMP",
            "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
            "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
            "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
            "    control how to handle existing libraries (default APPEND):",
            "    * FLUSH: delete all existing libraries.",
            "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
            "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
            "      libraries with the new libraries (notice that even on this option there is a chance of failure",
            "      in case of functions name collision with another library).",
        ],
    ))
}

const FUNCTION_SUBS: &[Sub] = &[
    Sub {
        name: "load",
        arity: -3,
        handler: function_load,
    },
    Sub {
        name: "delete",
        arity: 3,
        handler: function_delete,
    },
    Sub {
        name: "flush",
        arity: -2,
        handler: function_flush,
    },
    Sub {
        name: "list",
        arity: -2,
        handler: function_list,
    },
    Sub {
        name: "stats",
        arity: 2,
        handler: function_stats,
    },
    Sub {
        name: "kill",
        arity: 2,
        handler: function_kill,
    },
    Sub {
        name: "help",
        arity: 2,
        handler: function_help,
    },
    Sub {
        name: "dump",
        arity: 2,
        handler: function_dump,
    },
    Sub {
        name: "restore",
        arity: -3,
        handler: function_restore,
    },
];

/// # Format
/// `FUNCTION <subcommand> [args]`
fn function(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    dispatch_sub("function", FUNCTION_SUBS, ctx, argv)
}

// ---------------------------------------------------------------------------------------
// FCALL
// ---------------------------------------------------------------------------------------

/// The flags of the function `name`, if it exists.
pub(crate) fn flags_of(store: &mut Store, name: &[u8]) -> Option<u32> {
    let engine = take_engine(store).ok()?;
    let flags = engine
        .functions
        .get(&String::from_utf8_lossy(name).to_ascii_lowercase())
        .filter(|_| !name.contains(&0))
        .map(|f| f.flags);
    put_engine(store, engine);
    flags
}

/// FCALL and FCALL_RO (Redis `fcallCommandGeneric`).
fn fcall_generic(ctx: &mut Ctx, argv: &[&[u8]], ro: bool) -> Result<Value> {
    let mut engine = take_engine(ctx.store)?;
    let found = engine
        .functions
        .get(&String::from_utf8_lossy(argv[1]).to_ascii_lowercase())
        .filter(|_| !argv[1].contains(&0))
        .map(|f| (f.func, f.flags, f.name.clone()));
    let Some((func, flags, name)) = found else {
        put_engine(ctx.store, engine);
        return Err(Error::err("Function not found"));
    };
    let n = match crate::util::parse_i64(argv[2]) {
        None => Err(Error::err("Bad number of keys provided")),
        Some(n) if n > (argv.len() - 3) as i64 => Err(Error::err(
            "Number of keys can't be greater than number of args",
        )),
        Some(n) if n < 0 => Err(Error::err("Number of keys can't be negative")),
        Some(n) => Ok(n as usize),
    };
    let n = match n {
        Ok(n) => n,
        Err(e) => {
            put_engine(ctx.store, engine);
            return Err(e);
        }
    };
    let busy = ctx.store.busy.clone();
    busy.set_function(Some(crate::engine::busy::RunningFunction {
        name: name.clone(),
        command: argv.iter().map(|a| a.to_vec()).collect(),
        libraries: engine.libraries.len(),
        functions: engine.functions.len(),
    }));
    let reply = prepare_and_run(
        ctx,
        &mut engine.state,
        func,
        flags,
        name.as_bytes(),
        &argv[3..3 + n],
        &argv[3 + n..],
        ro,
        true,
    );
    busy.set_function(None);
    put_engine(ctx.store, engine);
    match reply {
        Value::Error(e) => Err(Error::from_reply(e)),
        v => Ok(v),
    }
}

/// # Format
/// `FCALL function numkeys [key [key ...]] [arg [arg ...]]`
fn fcall(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    fcall_generic(ctx, argv, false)
}

/// # Format
/// `FCALL_RO function numkeys [key [key ...]] [arg [arg ...]]`
fn fcall_ro(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    fcall_generic(ctx, argv, true)
}

/// FUNCTION, FCALL and FCALL_RO.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "fcall",
        -3,
        NOSCRIPT | STALE | SKIP_MONITOR,
        (0, 0, 0),
        "scripting",
        fcall,
    )
    .with_keys(eval_keys),
    CommandSpec::new(
        "fcall_ro",
        -3,
        READONLY | NOSCRIPT | STALE | SKIP_MONITOR,
        (0, 0, 0),
        "scripting",
        fcall_ro,
    )
    .with_keys(eval_keys),
    CommandSpec::new(
        "function",
        -2,
        NOSCRIPT | MAY_REPLICATE,
        (0, 0, 0),
        "scripting",
        function,
    )
    .with_write_subcommands(&["load", "delete", "flush", "restore"]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_lines() {
        assert_eq!(
            metadata(b"#!lua name=mylib\nreturn 1"),
            Ok((b"lua".to_vec(), b"mylib".to_vec(), 16))
        );
        assert_eq!(
            metadata(b"return 1").unwrap_err(),
            "Missing library metadata"
        );
        assert_eq!(
            metadata(b"#!lua name=x").unwrap_err(),
            "Invalid library metadata"
        );
        assert_eq!(
            metadata(b"#!lua\n").unwrap_err(),
            "Library name was not given"
        );
        assert_eq!(
            metadata(b"#!lua name=a NAME=b\n").unwrap_err(),
            "Invalid metadata value, name argument was given multiple times"
        );
        assert_eq!(
            metadata(b"#!lua foo=bar\n").unwrap_err(),
            "Invalid metadata value given: foo=bar"
        );
        assert_eq!(
            metadata(b"#!lua name=\"a\"\n"),
            Ok((b"lua".to_vec(), b"a".to_vec(), 14))
        );
    }
}
