//! The Lua state of one store: made once (on the first script), kept in the store's
//! [`crate::engine::Extension`] slot, dropped by SCRIPT FLUSH. Holds the compiled scripts
//! (by SHA1, each kept in the Lua registry), the prelude's error handler, and the Rust
//! primitives the prelude (`prelude.lua`) builds Redis's `redis.*` API from.
//!
//! While a script runs, the store and the caller's session stay where they are: the run
//! hands raw pointers to them to `redis.call` for the run's duration (see [`raw`] for
//! the safety argument). `redis.call` then goes through the one dispatch path
//! ([`crate::engine::call`]) after the checks Redis's `scriptCall` makes. The run,
//! KEYS/ARGV and `redis.call` are on Lua's C API ([`raw`]); the rest of the `redis.*`
//! API, the libraries and the sandbox use mlua.
//!
//! [`raw`]: crate::scripting::raw

use std::collections::HashMap;

use mlua::{Function, HookTriggers, Lua, LuaOptions, StdLib, Table, Variadic, VmState};

use crate::engine::{Session, Store};
use crate::error::{Error, Result};
use crate::scripting::convert;
use crate::scripting::raw::{self, CellPtr, FnRef, Outcome, RunCell, Runner};
use crate::value::Value;

/// Redis's version as scripts see it (`redis.REDIS_VERSION`); the server room reports the
/// same in INFO (a test compares them).
pub const REDIS_VERSION: &str = "7.0.15";
/// `redis.REDIS_VERSION_NUM`: 0x00MMmmpp.
pub const REDIS_VERSION_NUM: u32 = 0x0007_000f;

/// Name of the prelude chunk; its frames are skipped when an error is located.
const PRELUDE_NAME: &str = "=emu";
/// The chunk name of EVAL scripts, as Redis names them.
pub const SCRIPT_CHUNK: &str = "@user_script";
/// The chunk name of function libraries, as Redis names them.
pub const FUNCTION_CHUNK: &str = "@user_function";

/// Shebang flags (Redis `SCRIPT_FLAG_*`).
pub mod script_flags {
    /// `no-writes`.
    pub const NO_WRITES: u32 = 1 << 0;
    /// `allow-oom`.
    pub const ALLOW_OOM: u32 = 1 << 1;
    /// `allow-stale`.
    pub const ALLOW_STALE: u32 = 1 << 2;
    /// `no-cluster`.
    pub const NO_CLUSTER: u32 = 1 << 3;
    /// No shebang: the script runs in EVAL's compatibility mode.
    pub const EVAL_COMPAT_MODE: u32 = 1 << 4;
    /// `allow-cross-slot-keys`.
    pub const ALLOW_CROSS_SLOT: u32 = 1 << 5;
}

/// A compiled script.
#[derive(Clone, Copy)]
pub struct Script {
    /// The compiled body, in the registry.
    pub func: FnRef,
    /// Shebang flags ([`script_flags`]).
    pub flags: u32,
}

/// EVAL's script cache: SHA1 (20 bytes) → script. Scripts are never removed (SCRIPT
/// FLUSH drops the whole state), so the last one looked up is remembered by its hex
/// digits as sent: a client calling one script over and over skips the parse and the
/// lookup.
#[derive(Default)]
pub struct ScriptCache {
    map: HashMap<[u8; 20], Script, std::hash::BuildHasherDefault<ShaHasher>>,
    last: std::cell::Cell<Option<([u8; 40], Script)>>,
    /// See [`ScriptCache::memory`].
    bytes: usize,
}

/// Per cached script besides its body: Redis's SHA string, body object and dict entry.
const SCRIPT_ENTRY_MEMORY: usize = 104;

/// A SHA1 is already uniformly spread: its first 8 bytes are the hash.
#[derive(Default)]
pub struct ShaHasher(u64);

impl std::hash::Hasher for ShaHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes.iter().take(8) {
            self.0 = self.0 << 8 | *b as u64;
        }
    }
}

/// A SHA1 as 40 hex digits (either case) → its 20 bytes; None if it is not one.
pub fn parse_sha(hex: &[u8]) -> Option<[u8; 20]> {
    if hex.len() != 40 {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let mut out = [0u8; 20];
    for (i, o) in out.iter_mut().enumerate() {
        *o = digit(hex[2 * i])? << 4 | digit(hex[2 * i + 1])?;
    }
    Some(out)
}

impl ScriptCache {
    /// The script whose SHA1 is `hex` (40 hex digits, either case).
    pub fn get(&self, hex: &[u8]) -> Option<Script> {
        if let Some((last, script)) = self.last.get() {
            if last[..] == *hex {
                return Some(script);
            }
        }
        let script = *self.map.get(&parse_sha(hex)?)?;
        let mut digits = [0u8; 40];
        digits.copy_from_slice(hex);
        self.last.set(Some((digits, script)));
        Some(script)
    }

    /// True if the script whose SHA1 is `hex` is cached.
    pub fn contains(&self, hex: &[u8]) -> bool {
        self.get(hex).is_some()
    }

    /// Caches a script under its SHA1 (`hex`, as [`sha1_hex`] gives it); `body_len` is the
    /// length of its source, which [`ScriptCache::memory`] counts.
    pub fn insert(&mut self, hex: &str, script: Script, body_len: usize) {
        if let Some(k) = parse_sha(hex.as_bytes()) {
            if self.map.insert(k, script).is_none() {
                self.bytes += body_len + SCRIPT_ENTRY_MEMORY;
            }
        }
    }

    /// What Redis's script cache would hold for these scripts (`used_memory_scripts_eval`):
    /// each one's body, SHA and entry.
    pub fn memory(&self) -> usize {
        self.bytes
    }

    /// How many scripts.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// One store's Lua state. See the module docs.
pub struct State {
    // Field order matters: the Lua state (whose app data points at `cell`) drops first.
    lua: Lua,
    /// The raw state, the prelude's error handler (Redis's `__redis__err__handler`) and
    /// the hidden globals table (KEYS and ARGV live there), for [`raw::run`].
    runner: Runner,
    /// The prelude's library loader: `run_load(f)` runs `f` in FUNCTION LOAD's
    /// environment.
    run_load: Function,
    /// EVAL's script cache.
    pub scripts: ScriptCache,
    /// Runs since the heap was last looked at for a GC step.
    runs: u32,
    /// The heap's size (bytes) after the last GC step, or the lowest seen since.
    gc_base: usize,
    /// What `redis.call` and the hook reach during a run.
    cell: Box<RunCell>,
}

/// While FUNCTION LOAD runs a library's code: when it must have ended (Redis's 500 ms
/// load timeout; None on replay, which must not fail). The state's app data.
#[derive(Default)]
struct Watch {
    load_deadline: Option<std::time::Instant>,
}

/// A function a library's code registered (`redis.register_function`).
pub struct Registered {
    /// Its name (letters, digits and underscores).
    pub name: String,
    /// Its description, if given.
    pub desc: Option<Vec<u8>>,
    /// The callback.
    pub func: Function,
    /// Its flags ([`script_flags`]).
    pub flags: u32,
}

/// The functions registered so far by the library whose code runs (the state's app data;
/// None outside FUNCTION LOAD, where `redis.register_function` is refused).
struct LoadCtx(Option<Vec<Registered>>);

/// The flags a function may declare, in Redis's order (`scripts_flags_def`): FUNCTION
/// LIST names them in this order.
pub const FLAG_NAMES: &[(&str, u32)] = &[
    ("no-writes", script_flags::NO_WRITES),
    ("allow-oom", script_flags::ALLOW_OOM),
    ("allow-stale", script_flags::ALLOW_STALE),
    ("no-cluster", script_flags::NO_CLUSTER),
    ("allow-cross-slot-keys", script_flags::ALLOW_CROSS_SLOT),
];

/// Scripts run between two looks at the heap for a GC step (Redis's
/// `LUA_GC_CYCLE_PERIOD`).
const GC_PERIOD: u32 = 50;
/// The GC step's size in KB (Redis's: `lua_gc(LUA_GCSTEP, 50)`), and how much the heap
/// must have grown since the last step for the next to run.
const GC_STEP_KB: usize = 50;

/// How many Lua instructions run between two looks at the clock and at SCRIPT KILL
/// (Redis's `luaMaskCountHook` runs every 100,000).
const HOOK_EVERY: u32 = 100_000;

/// The instruction hook: marks the run timed out past the threshold (other clients then
/// get `-BUSY`), and stops it with Redis's error once SCRIPT KILL asked for it.
fn watch_hook(lua: &Lua, _debug: mlua::Debug) -> mlua::Result<VmState> {
    let load_timed_out = lua
        .app_data_ref::<Watch>()
        .and_then(|w| w.load_deadline)
        .is_some_and(|d| std::time::Instant::now() > d);
    if load_timed_out {
        return raise(b"FUNCTION LOAD timeout");
    }
    let Some(cell) = CellPtr::of(lua) else {
        return Ok(VmState::Continue);
    };
    if let Some(busy) = cell.busy() {
        if busy.check(cell.threshold_ms.get()) {
            return raise(b"-ERR Script killed by user with SCRIPT KILL...");
        }
        // Past the threshold, other clients' requests run here, between two stretches of
        // the script (Redis's processEventsWhileBlocked).
        cell.with_store_mut(|store| busy.serve(store, crate::engine::execute_while_busy));
    }
    Ok(VmState::Continue)
}

/// Redis's rand48 (`redisLrand48`), the generator behind `math.random`: it starts from
/// rand48's default state (Redis never seeds it), is shared by every script of the store
/// and survives SCRIPT FLUSH, as in Redis 7.0 (where it is a process-wide static).
#[derive(Clone, Copy)]
struct Rand48(u64);

impl Rand48 {
    /// rand48's state before any `srand48` (X2:X1:X0 = 0x1234:0xABCD:0x330E).
    const INITIAL: u64 = 0x1234_ABCD_330E;

    const A: u64 = 0x5_DEEC_E66D;
    const C: u64 = 0xB;
    const MASK: u64 = (1 << 48) - 1;

    fn seed(seed: i32) -> Rand48 {
        Rand48((((seed as u32) as u64) << 16 | 0x330E) & Self::MASK)
    }

    /// `lrand48()`: 31 bits.
    fn next(&mut self) -> i32 {
        self.0 = (self.0.wrapping_mul(Self::A).wrapping_add(Self::C)) & Self::MASK;
        (self.0 >> 17) as i32
    }

    /// `math.random()`'s `r`: `(lrand48() % INT32_MAX) / INT32_MAX`.
    fn unit(&mut self) -> f64 {
        let max = i32::MAX;
        (self.next() % max) as f64 / max as f64
    }
}

fn lua_err(e: mlua::Error) -> Error {
    Error::err(format!("Error initializing the Lua state: {e}"))
}

impl State {
    /// A fresh state: libraries, the `redis` API, the sandbox.
    pub fn new() -> Result<State> {
        let libs = StdLib::TABLE | StdLib::STRING | StdLib::MATH;
        let lua = Lua::new_with(libs, LuaOptions::default()).map_err(lua_err)?;
        let cell = RunCell::new();
        lua.set_app_data(Rand48(Rand48::INITIAL));
        lua.set_app_data(CellPtr(&*cell));
        lua.set_app_data(Watch::default());
        lua.set_app_data(LoadCtx(None));
        lua.set_hook(
            HookTriggers::new().every_nth_instruction(HOOK_EVERY),
            watch_hook,
        );
        let g = lua.globals();
        crate::scripting::libs::install(&lua, &g).map_err(lua_err)?;
        let raw = primitives(&lua, &cell).map_err(lua_err)?;
        let prelude = lua
            .load(include_str!("prelude.lua"))
            .set_name(PRELUDE_NAME)
            .into_function()
            .map_err(lua_err)?;
        let (handler, hidden, run_load): (Function, Table, Function) =
            prelude.call((g, raw)).map_err(lua_err)?;
        let handler = raw::pin(&lua, &handler).map_err(lua_err)?;
        let hidden = raw::pin(&lua, &hidden).map_err(lua_err)?;
        let runner = Runner::new(&lua, handler, hidden).map_err(lua_err)?;
        Ok(State {
            lua,
            runner,
            run_load,
            scripts: ScriptCache::default(),
            runs: 0,
            gc_base: 0,
            cell,
        })
    }

    /// Keeps `f` in the registry, for [`State::run`].
    pub fn pin(&self, f: &Function) -> Result<FnRef> {
        raw::pin(&self.lua, f).map_err(|e| Error::err(e.to_string()))
    }

    /// Lets a function [`State::pin`] kept go.
    pub fn unpin(&self, f: FnRef) {
        raw::unref(&self.lua, f.0);
    }

    /// Compiles `body` (shebang already parsed: `skip` bytes of it are left out, the line
    /// feed kept so line numbers stay the user's) under `chunk`.
    pub fn compile(&self, body: &[u8], skip: usize, chunk: &str) -> Result<Function> {
        self.lua
            .load(&body[skip..])
            .set_name(chunk)
            .set_mode(mlua::ChunkMode::Text)
            .into_function()
            .map_err(|e| {
                let msg = match e {
                    mlua::Error::SyntaxError { message, .. } => message,
                    other => other.to_string(),
                };
                Error::err(format!("Error compiling script (new function): {msg}"))
            })
    }

    /// Runs a library's code (FUNCTION LOAD, Redis `luaEngineCreate`): compiles `body`
    /// (from the end of its shebang line, which is left out) as `@user_function`, runs
    /// it in the load environment, and returns the functions it registered. `Err` is the
    /// error text without its `ERR ` code. `timeout`: Redis's 500 ms, or none (replay).
    pub fn load_library(
        &self,
        body: &[u8],
        skip: usize,
        timeout: Option<std::time::Duration>,
    ) -> std::result::Result<Vec<Registered>, String> {
        let func = self
            .lua
            .load(&body[skip..])
            .set_name(FUNCTION_CHUNK)
            .set_mode(mlua::ChunkMode::Text)
            .into_function()
            .map_err(|e| {
                let msg = match e {
                    mlua::Error::SyntaxError { message, .. } => message,
                    other => other.to_string(),
                };
                format!("Error compiling function: {msg}")
            })?;
        if let Some(mut l) = self.lua.app_data_mut::<LoadCtx>() {
            l.0 = Some(Vec::new());
        }
        if let Some(mut w) = self.lua.app_data_mut::<Watch>() {
            w.load_deadline = timeout.map(|t| std::time::Instant::now() + t);
        }
        let outcome = self.run_load.call::<(bool, Option<mlua::String>)>(func);
        if let Some(mut w) = self.lua.app_data_mut::<Watch>() {
            w.load_deadline = None;
        }
        let registered = self
            .lua
            .app_data_mut::<LoadCtx>()
            .and_then(|mut l| l.0.take())
            .unwrap_or_default();
        match outcome {
            Ok((true, _)) => Ok(registered),
            Ok((false, msg)) => Err(format!(
                "Error registering functions: {}",
                msg.map(|m| String::from_utf8_lossy(&m.as_bytes()).into_owned())
                    .unwrap_or_default()
            )),
            Err(e) => Err(format!("Error registering functions: ERR {e}")),
        }
    }

    /// A fresh state that keeps this one's `math.random` generator (SCRIPT FLUSH).
    pub fn reset(&self) -> Result<State> {
        let rand = self.lua.app_data_ref::<Rand48>().map(|r| *r);
        let fresh = State::new()?;
        if let Some(r) = rand {
            fresh.lua.set_app_data(r);
        }
        Ok(fresh)
    }

    /// The Lua state (for FUNCTION's library loading).
    pub fn lua(&self) -> &Lua {
        &self.lua
    }

    /// Runs `func` for the handler context's store and session: see the module docs.
    /// `name` is what error messages call the script (its SHA1, or a function's name).
    pub fn run(
        &mut self,
        store: &mut Store,
        session: &mut Session,
        now: u64,
        func: FnRef,
        call: Call<'_>,
    ) -> Value {
        // The caller's state the script must not change: protocol (the script client starts
        // in RESP2), selected db (SELECT in a script is the script's own), blocking (never
        // blocks inside a script), time (frozen at the script's start, as Redis does).
        let saved = Saved {
            resp: std::mem::replace(&mut session.resp, 2),
            db: session.db,
            in_multi: std::mem::replace(&mut session.in_multi, true),
            frozen: store.frozen_now,
        };
        if saved.frozen.is_none() {
            store.frozen_now = Some(now);
        }

        // The watch: timed out past busy-reply-threshold, stoppable by SCRIPT KILL.
        store.busy.start(call.function, call.started);
        let cell: &RunCell = &self.cell;
        let (lua, runner) = (&self.lua, self.runner);
        let outcome = cell.enter(store, session, call.read_only, call.allow_oom, || {
            raw::run(lua, runner, func, call.function, call.keys, call.args)
        });
        for (name, error) in store.busy.finish() {
            crate::engine::observe::count_answered(store, name, error.as_ref());
        }
        let script_resp = session.resp;
        session.resp = saved.resp;
        session.db = saved.db;
        session.in_multi = saved.in_multi;
        store.frozen_now = saved.frozen;
        self.cell.resume_panic();

        let reply = match outcome {
            Ok(Outcome::Simple(v)) => v,
            Ok(Outcome::Stack(true, v)) => convert::from_lua(v, script_resp),
            Ok(Outcome::Stack(false, v)) => convert::error_reply(v, &call.name_text()),
            Err(e) => Value::Error(crate::engine::sanitize(&format!(
                "ERR Error running script {}, {}",
                call.name_text(),
                e
            ))),
        };
        // Redis runs a GC step of 50 KB every 50 scripts (LUA_GC_CYCLE_PERIOD), so that
        // Lua's own collector seldom has a full cycle to run at once. Here the step runs
        // only once the heap grew by what the step collects since the last one: a step
        // with less garbage than that to find spends its work re-marking the live state
        // (the libraries, the compiled scripts), which cost a trivial script a fifth of
        // its time and kept no memory off the heap.
        self.runs += 1;
        if self.runs >= GC_PERIOD {
            self.runs = 0;
            let used = self.lua.used_memory();
            if used >= self.gc_base + GC_STEP_KB * 1024 {
                raw::gc_step(&self.lua, GC_STEP_KB as std::ffi::c_int);
                self.gc_base = self.lua.used_memory();
            } else if used < self.gc_base {
                // Lua's own collector ran meanwhile.
                self.gc_base = used;
            }
        }
        reply
    }
}

/// The caller's session and store fields a run changes and gives back.
struct Saved {
    resp: u8,
    db: usize,
    in_multi: bool,
    frozen: Option<u64>,
}

/// What a run needs besides the function.
pub struct Call<'a> {
    /// The script's name in error messages: an EVAL script's SHA1 (as EVALSHA sent it,
    /// in either case: see `Call::name_text`) or a function's name.
    pub name: &'a [u8],
    /// KEYS.
    pub keys: &'a [&'a [u8]],
    /// ARGV.
    pub args: &'a [&'a [u8]],
    /// A function (FCALL) rather than an EVAL script (`-BUSY` and SCRIPT/FUNCTION KILL
    /// tell them apart).
    pub function: bool,
    /// EVAL_RO / `no-writes`.
    pub read_only: bool,
    /// `allow-oom`: denyoom commands run even over `maxmemory`.
    pub allow_oom: bool,
    /// When the command running the script started (the busy watch counts from there).
    pub started: std::time::Instant,
}

impl Call<'_> {
    /// The script's name as error messages give it: a SHA1 in lowercase (Redis copies
    /// EVALSHA's argument lowercased), a function's name as it is. Made only when an
    /// error needs it.
    fn name_text(&self) -> String {
        let mut name = String::from_utf8_lossy(self.name).into_owned();
        if !self.function {
            name.make_ascii_lowercase();
        }
        name
    }
}

/// An error a Rust primitive raises: Redis raises a `{err=…}` table from its C API
/// (`luaPushError` + `luaError`); mlua raises Rust errors as userdata, which the prelude's
/// handler and `pcall` turn back into the table ([`unwrap_error`]).
#[derive(Debug)]
struct Raised(Vec<u8>);

impl std::fmt::Display for Raised {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.0))
    }
}

impl std::error::Error for Raised {}

/// Raises `{err = error_text(buf)}`.
fn raise<T>(buf: &[u8]) -> mlua::Result<T> {
    Err(mlua::Error::external(Raised(convert::error_text(buf))))
}

/// `luaL_error` from a C function: the message prefixed with the caller's position.
pub(crate) fn raise_at<T>(lua: &Lua, msg: &str) -> mlua::Result<T> {
    let mut text = String::new();
    if let Some(d) = lua.inspect_stack(1) {
        let line = d.curr_line();
        if line > 0 {
            if let Some(src) = d.source().short_src {
                text = format!("{src}:{line}: ");
            }
        }
    }
    text.push_str(msg);
    Err(mlua::Error::RuntimeError(text))
}

/// What a raised error becomes for Lua code: our `Raised` → its `{err=…}` table, another
/// mlua error → its message, a Lua value → itself.
fn unwrap_error(lua: &Lua, e: mlua::Value) -> mlua::Result<mlua::Value> {
    fn find(e: &mlua::Error) -> Option<std::result::Result<&Raised, String>> {
        match e {
            mlua::Error::ExternalError(x) => x.downcast_ref::<Raised>().map(Ok),
            mlua::Error::CallbackError { cause, .. } => find(cause),
            mlua::Error::RuntimeError(s) => Some(Err(s.clone())),
            _ => None,
        }
    }
    let mlua::Value::Error(err) = e else {
        return Ok(e);
    };
    match find(&err) {
        Some(Ok(Raised(text))) => {
            let t = lua.create_table_with_capacity(0, 1)?;
            t.raw_set("err", lua.create_string(text)?)?;
            Ok(mlua::Value::Table(t))
        }
        Some(Err(s)) => Ok(mlua::Value::String(lua.create_string(s)?)),
        None => Ok(mlua::Value::String(lua.create_string(err.to_string())?)),
    }
}

/// `lua_tonumber`-like: a number, or a string that reads as one.
fn to_number(v: Option<&mlua::Value>) -> Option<f64> {
    match v? {
        mlua::Value::Number(n) => Some(*n),
        mlua::Value::Integer(i) => Some(*i as f64),
        mlua::Value::String(s) => {
            let b = s.as_bytes();
            let t = std::str::from_utf8(&b).ok()?.trim();
            if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
                return u64::from_str_radix(h, 16).ok().map(|v| v as f64);
            }
            if t.is_empty() || t.eq_ignore_ascii_case("nan") || t.contains("inf") {
                return None;
            }
            t.parse::<f64>().ok()
        }
        _ => None,
    }
}

/// C's `(int)` of a lua_Number.
fn to_int(n: f64) -> i64 {
    if n.is_nan() {
        0
    } else {
        n.trunc() as i64
    }
}

/// `luaL_checkint` for `fname`'s argument `i` (1-based).
fn check_int(lua: &Lua, fname: &str, args: &[mlua::Value], i: usize) -> mlua::Result<i64> {
    match to_number(args.get(i - 1)) {
        Some(n) => Ok(to_int(n) as i32 as i64),
        None => {
            let got = args.get(i - 1).map_or("no value", |v| v.type_name());
            raise_at(
                lua,
                &format!("bad argument #{i} to '{fname}' (number expected, got {got})"),
            )
        }
    }
}

/// The Rust primitives the prelude builds on.
fn primitives(lua: &Lua, cell: &RunCell) -> mlua::Result<Table> {
    let raw = lua.create_table()?;
    let (call, pcall) = raw::call_functions(lua, cell)?;
    raw.set("call", call)?;
    raw.set("pcall", pcall)?;
    raw.set(
        "acl_check_cmd",
        lua.create_function(|lua, args: Variadic<mlua::Value>| acl_check(lua, args))?,
    )?;
    raw.set(
        "err_table",
        lua.create_function(|lua, s: mlua::String| convert::err_table(lua, &s.as_bytes()))?,
    )?;
    raw.set("unwrap", lua.create_function(unwrap_error)?)?;
    raw.set(
        "register_function",
        lua.create_function(|lua, args: Variadic<mlua::Value>| register_function(lua, args))?,
    )?;
    raw.set(
        "killed",
        lua.create_function(|lua, ()| Ok(CellPtr::of(lua).is_some_and(|c| c.kill_requested())))?,
    )?;
    raw.set(
        "sha1hex",
        lua.create_function(|_, args: Variadic<mlua::Value>| {
            if args.len() != 1 {
                return raise(b"wrong number of arguments");
            }
            let data = match &args[0] {
                mlua::Value::String(s) => s.as_bytes().to_vec(),
                mlua::Value::Number(n) => crate::util::float::fmt_g(*n, 14).into_bytes(),
                mlua::Value::Integer(i) => i.to_string().into_bytes(),
                _ => Vec::new(),
            };
            Ok(sha1_hex(&data))
        })?,
    )?;
    raw.set(
        "log",
        lua.create_function(|_, args: Variadic<mlua::Value>| {
            if args.len() < 2 {
                return raise(b"redis.log() requires two arguments or more.");
            }
            let Some(level) = to_number(args.first()) else {
                return raise(b"First argument must be a number (log level).");
            };
            if !(0..=3).contains(&to_int(level)) {
                return raise(b"Invalid debug level.");
            }
            // emu has no server log: the message is dropped.
            Ok(())
        })?,
    )?;
    raw.set(
        "setresp",
        lua.create_function(|lua, args: Variadic<mlua::Value>| {
            if args.len() != 1 {
                return raise(b"redis.setresp() requires one argument.");
            }
            let resp = to_int(to_number(args.first()).unwrap_or(0.0));
            if resp != 2 && resp != 3 {
                return raise(b"RESP version must be 2 or 3.");
            }
            let set = CellPtr::of(lua).and_then(|c| c.set_resp(resp as u8));
            match set {
                Some(()) => Ok(()),
                None => raise(b"redis.setresp can only be called inside a script invocation"),
            }
        })?,
    )?;
    raw.set(
        "set_repl",
        lua.create_function(|lua, args: Variadic<mlua::Value>| {
            if CellPtr::of(lua).and_then(|c| c.with_ctx(|_| ())).is_none() {
                return raise(b"redis.set_repl can only be called inside a script invocation");
            }
            if args.len() != 1 {
                return raise(b"redis.set_repl() requires two arguments.");
            }
            let flags = to_int(to_number(args.first()).unwrap_or(0.0));
            if !(0..=3).contains(&flags) {
                return raise(
                    b"Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.",
                );
            }
            // Every write is logged regardless (see the room's known differences).
            Ok(())
        })?,
    )?;
    raw.set(
        "random",
        lua.create_function(|lua, args: Variadic<mlua::Value>| {
            let r = match lua.app_data_mut::<Rand48>() {
                Some(mut g) => g.unit(),
                None => 0.0,
            };
            match args.len() {
                0 => Ok(r),
                1 => {
                    let u = check_int(lua, "random", &args, 1)?;
                    if u < 1 {
                        return raise_at(lua, "bad argument #1 to 'random' (interval is empty)");
                    }
                    Ok((r * u as f64).floor() + 1.0)
                }
                2 => {
                    let l = check_int(lua, "random", &args, 1)?;
                    let u = check_int(lua, "random", &args, 2)?;
                    if l > u {
                        return raise_at(lua, "bad argument #2 to 'random' (interval is empty)");
                    }
                    Ok((r * (u - l + 1) as f64).floor() + l as f64)
                }
                _ => raise_at(lua, "wrong number of arguments"),
            }
        })?,
    )?;
    raw.set(
        "randomseed",
        lua.create_function(|lua, args: Variadic<mlua::Value>| {
            let seed = check_int(lua, "randomseed", &args, 1)?;
            if let Some(mut g) = lua.app_data_mut::<Rand48>() {
                *g = Rand48::seed(seed as i32);
            }
            Ok(())
        })?,
    )?;
    raw.set(
        "where",
        lua.create_function(|lua, ()| {
            let mut level = 1;
            while let Some(d) = lua.inspect_stack(level) {
                level += 1;
                let src = d.source();
                // C functions, and the marker Lua 5.1 leaves for a tail call (the prelude's
                // pcall ends in one), are not the user's line.
                if src.what == "C" || src.what == "tail" {
                    continue;
                }
                let Some(name) = src.source else { continue };
                if name == PRELUDE_NAME {
                    continue;
                }
                return Ok((Some(name.to_string()), Some(d.curr_line() as i64)));
            }
            Ok((None, None))
        })?,
    )?;
    raw.set("version", REDIS_VERSION)?;
    raw.set("version_num", REDIS_VERSION_NUM)?;
    Ok(raw)
}

/// `lua_isstring` + `lua_tostring`: a string, or a number as Lua formats it.
fn lua_string(v: &mlua::Value) -> Option<Vec<u8>> {
    match v {
        mlua::Value::String(s) => Some(s.as_bytes().to_vec()),
        mlua::Value::Integer(i) => Some(i.to_string().into_bytes()),
        mlua::Value::Number(n) => Some(crate::util::float::fmt_g(*n, 14).into_bytes()),
        _ => None,
    }
}

/// Redis's `functionsVerifyName`: letters, digits and underscores, at least one.
pub fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

/// `redis.register_function(name, callback)` or `redis.register_function{function_name=…,
/// callback=…, flags={…}, description=…}` (Redis `luaRegisterFunction`), with its errors.
fn register_function(lua: &Lua, args: Variadic<mlua::Value>) -> mlua::Result<()> {
    if lua.app_data_ref::<LoadCtx>().is_none_or(|l| l.0.is_none()) {
        return raise(b"redis.register_function can only be called on FUNCTION LOAD command");
    }
    let (name, desc, func, flags) = match args.len() {
        1 => {
            let mlua::Value::Table(t) = &args[0] else {
                return raise(
                    b"calling redis.register_function with a single argument is only applicable \
                      to Lua table (representing named arguments).",
                );
            };
            let (mut name, mut desc, mut func, mut flags) = (None, None, None, 0);
            for pair in t.clone().pairs::<mlua::Value, mlua::Value>() {
                let (k, v) = pair?;
                let Some(key) = lua_string(&k) else {
                    return raise(
                        b"named argument key given to redis.register_function is not a string",
                    );
                };
                if key.eq_ignore_ascii_case(b"function_name") {
                    let Some(n) = lua_string(&v) else {
                        return raise(b"function_name argument given to redis.register_function must be a string");
                    };
                    name = Some(n);
                } else if key.eq_ignore_ascii_case(b"description") {
                    let Some(d) = lua_string(&v) else {
                        return raise(b"description argument given to redis.register_function must be a string");
                    };
                    desc = Some(d);
                } else if key.eq_ignore_ascii_case(b"callback") {
                    let mlua::Value::Function(f) = v else {
                        return raise(b"callback argument given to redis.register_function must be a function");
                    };
                    func = Some(f);
                } else if key.eq_ignore_ascii_case(b"flags") {
                    let mlua::Value::Table(ft) = v else {
                        return raise(b"flags argument to redis.register_function must be a table representing function flags");
                    };
                    let mut i = 1;
                    loop {
                        let f: mlua::Value = ft.get(i)?;
                        if f.is_nil() {
                            break;
                        }
                        let known = lua_string(&f).and_then(|s| {
                            FLAG_NAMES
                                .iter()
                                .find(|(n, _)| n.as_bytes().eq_ignore_ascii_case(&s))
                                .map(|(_, bit)| *bit)
                        });
                        match known {
                            Some(bit) => flags |= bit,
                            None => return raise(b"unknown flag given"),
                        }
                        i += 1;
                    }
                } else {
                    return raise(b"unknown argument given to redis.register_function");
                }
            }
            let Some(name) = name else {
                return raise(b"redis.register_function must get a function name argument");
            };
            let Some(func) = func else {
                return raise(b"redis.register_function must get a callback argument");
            };
            (name, desc, func, flags)
        }
        2 => {
            let Some(name) = lua_string(&args[0]) else {
                return raise(b"first argument to redis.register_function must be a string");
            };
            let mlua::Value::Function(f) = &args[1] else {
                return raise(b"second argument to redis.register_function must be a function");
            };
            (name, None, f.clone(), 0)
        }
        _ => return raise(b"wrong number of arguments to redis.register_function"),
    };
    if !valid_name(&name) {
        return raise(
            b"Library names can only contain letters, numbers, or underscores(_) and must be \
              at least one character long",
        );
    }
    let name = String::from_utf8_lossy(&name).into_owned();
    let mut load = lua.app_data_mut::<LoadCtx>();
    let Some(list) = load.as_mut().and_then(|l| l.0.as_mut()) else {
        return raise(b"redis.register_function can only be called on FUNCTION LOAD command");
    };
    if list.iter().any(|r| r.name == name) {
        return raise(b"Function already exists in the library");
    }
    list.push(Registered {
        name,
        desc,
        func,
        flags,
    });
    Ok(())
}

/// SHA1 as 40 lowercase hex digits.
pub fn sha1_hex(data: &[u8]) -> String {
    sha1_smol::Sha1::from(data).digest().to_string()
}

/// `redis.acl_check_cmd`: whether the script's user may run the command with these
/// arguments (nothing is logged); an unknown command raises.
fn acl_check(lua: &Lua, args: Variadic<mlua::Value>) -> mlua::Result<bool> {
    let argv = match argv_of(&args) {
        Ok(a) => a,
        Err(msg) => return raise(msg.as_bytes()),
    };
    let verdict = CellPtr::of(lua).and_then(|c| {
        c.with_store(|store, session| {
            let spec = store.table().get(&argv[0])?;
            let refs: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
            Some(crate::engine::acl_allows(store, session, spec, &refs))
        })
        .flatten()
    });
    match verdict {
        Some(ok) => Ok(ok),
        None => raise(b"Invalid command passed to redis.acl_check_cmd()"),
    }
}

/// The arguments of `redis.acl_check_cmd` as byte strings (Redis `luaArgsToRedisArgv`):
/// numbers as `%.17g`, strings as they are, anything else refused.
fn argv_of(args: &[mlua::Value]) -> std::result::Result<Vec<Vec<u8>>, &'static str> {
    if args.is_empty() {
        return Err("Please specify at least one argument for this redis lib call");
    }
    let mut out = Vec::with_capacity(args.len());
    for a in args {
        match a {
            mlua::Value::String(s) => out.push(s.as_bytes().to_vec()),
            mlua::Value::Number(n) => out.push(crate::util::float::fmt_g17(*n).into_bytes()),
            mlua::Value::Integer(i) => {
                out.push(crate::util::float::fmt_g17(*i as f64).into_bytes())
            }
            _ => return Err("Lua redis lib command arguments must be strings or integers"),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rand48_matches_redis() {
        // redis-server 7.0: the first three `math.random(1000)` of a fresh server.
        let mut r = Rand48(Rand48::INITIAL);
        let picks: Vec<i64> = (0..3)
            .map(|_| (r.unit() * 1000.0).floor() as i64 + 1)
            .collect();
        assert_eq!(picks, [397, 841, 354]);
    }

    /// Runs `EVAL script numkeys keys…` on the store of `r`.
    fn eval(r: &crate::Redis, argv: &[&str]) -> Value {
        r.with_local_store(|store| {
            let mut session = Session::default();
            let mut full: Vec<&[u8]> = vec![b"EVAL"];
            full.extend(argv.iter().map(|a| a.as_bytes()));
            crate::engine::execute(store, &mut session, &full)
                .unwrap_or_else(|e| Value::Error(e.message().to_string()))
        })
    }

    /// A `__gc` metamethod that raises, run by the periodic GC step between scripts: the
    /// error has no one to go to and is dropped; it must not reach Lua's panic function
    /// (which exits the process).
    #[test]
    fn a_raising_finalizer_does_not_end_the_process() {
        let r = crate::Redis::new();
        let script =
            "local p = newproxy(true) getmetatable(p).__gc = function() error('boom') end return 1";
        for _ in 0..300 {
            let _ = eval(&r, &[script, "0"]);
        }
        assert_eq!(eval(&r, &["return 2", "0"]), Value::Int(2));
    }

    /// The periodic GC step still runs once scripts make garbage: with Lua's own collector
    /// held back (a pause of 100,000 %: it would wait for the heap to reach a thousand
    /// times its live size), 2,000 scripts making ~4 KB of garbage each (9 MB in all)
    /// leave the heap within a few steps of where it started. Without the step the heap
    /// grows by megabytes.
    #[test]
    fn the_gc_step_runs_when_scripts_make_garbage() {
        let r = crate::Redis::new();
        let script = "local t = {} for i = 1, 40 do t[i] = {i} end return #t";
        assert_eq!(eval(&r, &[script, "0"]), Value::Int(40));
        let heap = || {
            r.with_local_store(|store| {
                crate::scripting::commands::with_slot(store, |slot| {
                    slot.eval
                        .as_ref()
                        .expect("the EVAL state")
                        .lua()
                        .used_memory()
                })
            })
        };
        r.with_local_store(|store| {
            crate::scripting::commands::with_slot(store, |slot| {
                let lua = slot.eval.as_ref().expect("the EVAL state").lua();
                lua.gc_inc(100_000, 0, 0);
                lua.gc_collect().expect("a collection");
            })
        });
        let start = heap();
        for _ in 0..2000 {
            assert_eq!(eval(&r, &[script, "0"]), Value::Int(40));
        }
        let end = heap();
        assert!(
            end < start + 1024 * 1024,
            "heap grew from {start} to {end} bytes"
        );
    }

    /// Finalizers that call `redis.call` while replies are pushed (the GC steps of the
    /// pushes' allocations run them): every call of the script still gets its reply, as in
    /// Redis (where such a nested call simply runs), and the finalizers' calls run too.
    #[test]
    fn finalizers_calling_redis_during_replies() {
        let r = crate::Redis::new();
        for i in 0..2000 {
            let k = format!("fin:{i}");
            let v = format!("{i:0>64}");
            r.execute(&[b"SET", k.as_bytes(), v.as_bytes()]).unwrap();
        }
        let script = "for i = 1, 3000 do \
                local p = newproxy(true) \
                getmetatable(p).__gc = function() redis.call('INCR', 'fin:count') end \
            end \
            local t = {} \
            for i = 0, 1999 do \
                local ok, v = pcall(redis.call, 'GET', 'fin:' .. i) \
                if ok and v == string.rep('0', 64 - #tostring(i)) .. i then t[#t + 1] = v end \
            end \
            return #t";
        for _ in 0..3 {
            assert_eq!(eval(&r, &[script, "0"]), Value::Int(2000));
        }
        let ran = r.execute(&[b"GET", b"fin:count"]).unwrap();
        assert!(
            matches!(&ran, Value::Bulk(n) if !n.is_empty()),
            "no finalizer ran: {ran:?}"
        );
    }

    /// Out of memory while a `redis.call` reply is converted (the C-API path): the error
    /// reaches the script, which can catch it (pcall, xpcall, redis.pcall), and the
    /// script goes on with its memory back: Lua 5.1 has no emergency collection, so the
    /// run collects where the error is seen (`redis.call`, Redis's pcall, the run's end).
    /// Uncaught, the script ends with the error and the next script compiles and runs.
    /// Without those collections the caught error escapes (the pcall wrapper has no
    /// memory left to return it) and the next scripts fail to compile.
    #[test]
    fn out_of_memory_in_a_reply_is_an_error_and_calls_go_on() {
        let r = crate::Redis::new();
        // 10,000 distinct strings of 100 bytes (Lua interns equal strings): ~1.3 MB as
        // Lua strings, far over the limit's 512 KB of room.
        for chunk in 0..20 {
            let items: Vec<String> = (0..500)
                .map(|i| format!("{:0100}", chunk * 500 + i))
                .collect();
            let mut argv: Vec<&[u8]> = vec![b"RPUSH", b"big"];
            argv.extend(items.iter().map(|i| i.as_bytes()));
            r.execute(&argv).unwrap();
        }
        r.execute(&[b"SET", b"small", b"v"]).unwrap();
        assert_eq!(eval(&r, &["return 1", "0"]), Value::Int(1));
        r.with_local_store(|store| {
            crate::scripting::commands::with_slot(store, |slot| {
                let lua = slot.eval.as_ref().expect("the EVAL state").lua();
                let used = lua.used_memory();
                lua.set_memory_limit(used + 512 * 1024)
                    .expect("a memory limit");
            })
        });
        let bulk = |s: &str| Value::Bulk(s.as_bytes().to_vec());
        let caught = [
            "local ok, e = pcall(redis.call, 'LRANGE', KEYS[1], 0, -1) \
             local ok2, v = pcall(redis.call, 'GET', KEYS[2]) \
             return {tostring(ok), tostring(e), tostring(ok2), v}",
            "local ok, e = xpcall(function() return redis.call('LRANGE', KEYS[1], 0, -1) end, \
                 function(e) return e end) \
             return {tostring(ok), e, 'true', redis.call('GET', KEYS[2])}",
            "local ok, e = pcall(redis.pcall, 'LRANGE', KEYS[1], 0, -1) \
             return {tostring(ok), e, 'true', redis.call('GET', KEYS[2])}",
            // Out of memory in Lua itself, caught.
            "local ok, e = pcall(function() local t = {} \
                 for i = 1, 100000 do t[i] = 'abc' .. i end end) \
             return {tostring(ok), e, 'true', redis.call('GET', KEYS[2])}",
        ];
        let uncaught = [
            "return #redis.call('LRANGE', KEYS[1], 0, -1)",
            "local t = {} for i = 1, 100000 do t[i] = 'abc' .. i end return #t",
        ];
        // Twice over, in one state: each out-of-memory leaves the state usable.
        for round in 0..2 {
            for script in caught {
                assert_eq!(
                    eval(&r, &[script, "2", "big", "small"]),
                    Value::Array(vec![
                        bulk("false"),
                        bulk("not enough memory"),
                        bulk("true"),
                        bulk("v")
                    ]),
                    "round {round}: {script}"
                );
            }
            for script in uncaught {
                let reply = eval(&r, &[script, "1", "big"]);
                assert!(
                    matches!(&reply, Value::Error(e) if e.contains("not enough memory")),
                    "round {round}: {script}: {reply:?}"
                );
                // A new script (compiled now) runs.
                let next = format!("return redis.call('GET', KEYS[1]) -- {round} {script}");
                assert_eq!(eval(&r, &[&next, "1", "small"]), bulk("v"));
            }
        }
    }
}
