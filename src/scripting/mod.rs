//! Scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT, FUNCTION, FCALL and FCALL_RO on
//! Lua 5.1 (`mlua`, vendored), as Redis 7.0 runs them (`eval.c`, `script.c`,
//! `script_lua.c`, `functions.c`, `function_lua.c`).
//!
//! * [`lua`] — one Lua state per store (in the store's [`crate::engine::Extension`] slot):
//!   the script cache by SHA1, the Rust primitives of the `redis.*` API, Redis's rand48
//!   behind `math.random`, and the run itself. `prelude.lua` builds Redis's environment on
//!   those primitives: `redis.call`/`pcall`/`error_reply`/`status_reply`/`sha1hex`/`log`/
//!   `setresp`/`set_repl`/`replicate_commands`/`breakpoint`/`debug`/`acl_check_cmd`,
//!   `REDIS_VERSION(_NUM)`, `LOG_*`, `REPL_*`, Redis's `pcall`, and the sandbox (globals
//!   and library tables read-only, reading an unknown global an error, no `print`,
//!   `loadfile`, `dofile`, `require`, `os`, `io`, `debug`).
//! * [`raw`] — the hot path on Lua's C API: the run, KEYS/ARGV, `redis.call`/`pcall`
//!   and their reply conversion.
//! * [`convert`] — Lua ↔ reply conversions, RESP2 and RESP3 (`redis.setresp(3)`).
//! * [`libs`] — `bit`; [`cjson`], [`cmsgpack`], [`structlib`] — Redis's lua-cjson,
//!   lua_cmsgpack and lua_struct.
//! * [`commands`] — the EVAL/SCRIPT handlers and spec slice, and the room's slot in the
//!   store (EVAL's Lua state and FUNCTION's, two interpreters as in Redis).
//! * [`functions`] — FUNCTION and FCALL: libraries are store data
//!   ([`crate::engine::Libraries`], snapshotted and logged), compiled on demand into a
//!   Lua state of their own.
//!
//! **Atomicity and the log.** A script runs inside its EVAL, under the store lock the front
//! end holds; each `redis.call` goes through the one dispatch path
//! ([`crate::engine::call`]) after Redis's `scriptCall` checks (unknown command, arity,
//! `noscript`, writes under `no-writes`/`*_RO`, READONLY replica, MISCONF before the
//! first write). EVAL itself is not a write command: the log gets the *effects* of the
//! commands the script ran (each logged as its own effect, rewritten as usual), never the
//! script, so replay never runs Lua. Inside a script blocking commands do not block, time
//! is frozen at the script's start, and SELECT does not leak to the caller.
//!
//! # Known differences from Redis
//!
//! * `os` is absent, as in Redis 7.0 (7.2 added `os.clock`). `cjson`'s configuration functions
//!   (`encode_max_depth`, `encode_sparse_array`, …, `new`) are not provided; `-0` encodes
//!   as `0` (mlua reads an integral float as an integer, losing the sign of zero).
//! * FUNCTION's own differences are listed in [`functions`].
//! * `redis.set_repl` is validated but has no effect: every write is logged. `redis.log`
//!   is validated and discarded (emu has no server log). SCRIPT DEBUG YES/SYNC is refused
//!   (no debugger).
//! * The sandbox is built from proxies rather than Redis's read-only-table patch to Lua:
//!   `pairs` over a library table (`pairs(string)`) sees nothing, `getmetatable` of the
//!   globals or a library is `false`, and the string metatable is not protected.
//! * A `{big_number=…}` result is sent as a bulk string under RESP3 too.

pub mod cjson;
pub mod cmsgpack;
pub mod commands;
pub mod convert;
pub mod functions;
pub mod libs;
pub mod lua;
pub mod raw;
pub mod structlib;

pub use commands::COMMANDS;

/// Whether the EVALSHA / EVALSHA_RO script (cached) or the FCALL / FCALL_RO function that
/// `argv` names declares `no-writes` with its flags (a script without a shebang does not).
pub fn declares_no_writes(store: &mut crate::engine::Store, argv: &[&[u8]]) -> bool {
    let (Some(name), Some(target)) = (argv.first(), argv.get(1)) else {
        return false;
    };
    let flags = if name.eq_ignore_ascii_case(b"evalsha") || name.eq_ignore_ascii_case(b"evalsha_ro")
    {
        commands::with_slot(store, |s| {
            s.eval
                .as_ref()
                .and_then(|st| st.scripts.get(target).map(|x| x.flags))
        })
    } else if name.eq_ignore_ascii_case(b"fcall") || name.eq_ignore_ascii_case(b"fcall_ro") {
        functions::flags_of(store, target)
    } else {
        None
    };
    flags.is_some_and(|f| {
        f & lua::script_flags::EVAL_COMPAT_MODE == 0 && f & lua::script_flags::NO_WRITES != 0
    })
}

/// What INFO memory reports about scripting (Redis's `used_memory_vm_*`,
/// `used_memory_scripts_eval`, `used_memory_functions`, `number_of_*`).
#[derive(Clone, Copy, Debug, Default)]
pub struct MemoryReport {
    /// Bytes the EVAL Lua state uses (`used_memory_vm_eval`, `used_memory_lua`).
    pub vm_eval: u64,
    /// Scripts in EVAL's cache.
    pub cached_scripts: u64,
    /// The cache's bookkeeping (`used_memory_scripts_eval`): per script its SHA and entry.
    pub scripts_eval: u64,
    /// Bytes the FUNCTION Lua state uses (`used_memory_vm_functions`).
    pub vm_functions: u64,
    /// Functions registered.
    pub functions: u64,
    /// Libraries loaded.
    pub libraries: u64,
    /// The libraries' bookkeeping (`used_memory_functions`): their codes and names.
    pub functions_bytes: u64,
}

/// The scripting figures of INFO memory for `store` (its Lua states are made if they do
/// not exist yet, as Redis always has both).
pub fn memory_report(store: &mut crate::engine::Store) -> MemoryReport {
    let (vm_eval, cached_scripts) = commands::eval_memory(store);
    let (vm_functions, functions, libraries) = functions::function_memory(store);
    MemoryReport {
        vm_eval,
        cached_scripts,
        scripts_eval: store.script_cache_memory as u64,
        vm_functions,
        functions,
        libraries,
        functions_bytes: store.libraries.memory() as u64,
    }
}
