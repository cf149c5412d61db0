//! The hot path of a script, on Lua's C API (`mlua::ffi`) rather than mlua's safe layer:
//! running a cached function, KEYS/ARGV, `redis.call` / `redis.pcall` and their reply
//! conversion. mlua's safe calls cost a lock, registry references and boxed values per
//! crossing; a script that does one `redis.call` crossed a dozen times. Here a run is one
//! `lua_pcall` of a C function (`run`: no mlua call at all when the result is a string,
//! a number or nil) and a `redis.call` is one C function that reads its arguments from the
//! Lua stack in place and pushes the reply straight from the command's [`Value`]. KEYS and
//! ARGV are fresh tables each run, as Redis makes them.
//!
//! # Where the store is during a run
//!
//! [`State::run`](crate::scripting::lua::State::run) keeps the caller's store and session
//! where they are and puts raw pointers to them in a [`RunCtx`] on its own stack; the
//! state's [`RunCell`] (boxed, so its address is stable: it is the upvalue of the C
//! functions and in the Lua app data) points at that `RunCtx` for exactly the duration of
//! the run and is reset before `run` returns (a guard does it, panics included).
//!
//! SAFETY argument, for every dereference of those pointers:
//! * they come from the `&mut Store` / `&mut Session` that `run` holds for the whole run
//!   and does not use until the run ended (and the pointer was cleared);
//! * everything that dereferences them runs on the thread that called `run`, inside that
//!   call (Lua calls the C functions and the hook synchronously; `Lua` is not shared
//!   across threads while it runs: the state is `&mut` borrowed by `run`);
//! * no two `&mut` made from them are alive at once: a `&mut Store` made by `redis.call`
//!   lives only while the command runs in Rust (no Lua code can run then, so neither the
//!   hook nor a re-entrant `redis.call`: reading the arguments allocates nothing), and
//!   `RunCell::in_call` refuses a `redis.call` — with a fixed text, touching nothing in
//!   the cell — that a `__gc` metamethod would start while another one's reply or error
//!   is being pushed by `push_outcome` (pushing allocates, an allocation may run a GC
//!   step, a GC step may run a finalizer written in Lua; hooks do not run in
//!   finalizers). The common replies (a bulk string, an integer, a nil, a boolean) take
//!   a direct path instead (`push_direct`, no protected call): one value pushed after
//!   `in_call` is cleared, a bulk's bytes held in the cell's `held` stack, which a nested
//!   `redis.call` only grows and truncates above them — so a finalizer's `redis.call`
//!   during that push runs, as it would in Redis.
//!
//! # Errors and `longjmp`
//!
//! Lua raises errors with `longjmp`; Rust allows a `longjmp` over its frames only when
//! they own nothing with a destructor still to run. So:
//! * every Lua call that can raise (`lua_error`, and any allocation — a memory error, or
//!   an error from a `__gc` metamethod the allocation's GC step ran) is made inside a
//!   protected call: `run`'s `lua_pcall` of `run_protected` (filling KEYS/ARGV), the
//!   script's own `lua_pcall` under the prelude's handler, and, in `redis.call`, a
//!   `lua_pcall` of `push_outcome` for the reply; outside them, `run` only pushes
//!   values the stack has room for and reads strings without converting numbers;
//! * the frames between a raising call and its protected call own nothing with a
//!   destructor: the reply being pushed and the error text are kept in the [`RunCell`]
//!   (text being formatted — an error reply's, a double's — in its scratch buffer),
//!   argument slices only borrow, and the `Vec`s of a call with many arguments are
//!   dropped before anything is pushed;
//! * `redis.call`'s bookkeeping (`in_call`, the reply) is reset after `push_outcome`'s
//!   protected call however it ended, and the error re-raised from `redis.call`'s own frame
//!   (which owns nothing); so a reply that runs out of memory is an error the script can
//!   catch, and its next `redis.call` works. The direct path resets it before its one
//!   push; a push that raises leaves its `held` entry, dropped when the run ends;
//! * Lua 5.1 has no emergency collection: after an out-of-memory error the garbage that
//!   filled the state stays until a GC step, and any allocation fails meanwhile (the pcall
//!   wrapper returning the error, the next script's compilation). So the state is
//!   collected in full wherever such an error is seen: in `redis.call` after a reply
//!   failed, in the prelude's `pcall`/`xpcall` (errors of Lua code itself), and at the
//!   run's end;
//! * the periodic GC step between scripts is protected too (`gc_step`): an error raised
//!   outside any protected call would reach Lua's panic function, which exits.
//!
//! A panic in a command handler is caught (`catch_unwind` around the command, pure Rust),
//! parked in the cell, turned into a Lua error, and resumed by `run` once the store and
//! session are back in the caller's hands: no panic unwinds through Lua's C frames.
//!
//! The tests of these paths (a wrong-type error inside `redis.call` under nested `pcall`s,
//! errors rethrown, deep recursion through `redis.call`, a huge string both ways, out of
//! memory while a reply is pushed, a finalizer that raises) are in `tests/scripting`
//! (compared with redis-server) and `scripting::lua`'s unit tests. Miri cannot run them:
//! it does not execute foreign C code (the vendored Lua), which is all of this module.

// The crate denies unsafe code; this module is where scripting's lives, each block with
// its SAFETY note and the argument above.
#![allow(unsafe_code)]

use std::cell::{Cell, UnsafeCell};
use std::ffi::{c_int, c_void};
use std::sync::Arc;

use mlua::ffi;

use crate::engine::{flags, Session, Store};
use crate::scripting::convert;
use crate::value::Value;

/// A function kept in the Lua registry (a compiled script, a registered function, the
/// prelude's error handler): pushed by one `lua_rawgeti`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FnRef(pub(crate) c_int);

/// The running script's store, session and flags. Lives on [`State::run`]'s stack; see
/// the module docs for the pointers.
///
/// [`State::run`]: crate::scripting::lua::State::run
pub struct RunCtx {
    /// The caller's store.
    pub(crate) store: *mut Store,
    /// The caller's session (its protocol version is the script's: 2 until
    /// `redis.setresp(3)`).
    pub(crate) session: *mut Session,
    /// Writes are refused (EVAL_RO, FCALL_RO, `no-writes`).
    pub read_only: bool,
    /// A write command has run (Redis `SCRIPT_WRITE_DIRTY`).
    pub wrote: bool,
    /// `allow-oom` (Redis `SCRIPT_ALLOW_OOM`).
    pub allow_oom: bool,
}

/// What the C functions and the hook reach during a run. One per Lua state, boxed.
pub struct RunCell {
    /// The running script's context; null outside a run.
    pub(crate) ctx: Cell<*mut RunCtx>,
    /// True while a `redis.call` runs or converts its reply.
    pub(crate) in_call: Cell<bool>,
    /// The store's busy state and `busy-reply-threshold` for the hook (set per run).
    pub(crate) busy: UnsafeCell<Option<Arc<crate::engine::busy::Busy>>>,
    pub(crate) threshold_ms: Cell<u64>,
    /// A panic caught in a command handler, resumed by `run`.
    pub(crate) panic: UnsafeCell<Option<Box<dyn std::any::Any + Send>>>,
    /// The reply being pushed (see the module docs on `longjmp`).
    reply: UnsafeCell<Option<Value>>,
    /// Bulk replies being pushed by the direct path (`push_direct`), one per `redis.call`
    /// under way: each call pushes its own and truncates back to it, so a `redis.call`
    /// made by a finalizer during the push leaves the bytes being copied in place.
    held: UnsafeCell<Vec<Vec<u8>>>,
    /// Number arguments formatted as `%.17g`, for the call's duration.
    nums: UnsafeCell<Vec<u8>>,
    /// The error text a failed call raises or returns.
    err: UnsafeCell<Vec<u8>>,
    /// Text being pushed while a reply is converted (an error's, a double's).
    scratch: UnsafeCell<Vec<u8>>,
    /// The last command `redis.call` looked up, by its name as the script spelled it
    /// (scripts call the same few commands again and again; the table lookup lowercases
    /// and hashes the name each time).
    last_cmd: Cell<Option<LastCmd>>,
}

/// A command name as a script spelled it (at most 16 bytes) and its spec.
#[derive(Clone, Copy)]
struct LastCmd {
    table: &'static crate::engine::Table,
    len: u8,
    name: [u8; 16],
    spec: &'static crate::engine::CommandSpec,
}

impl RunCell {
    /// `table.get(name)`, remembering the last name looked up.
    fn lookup(
        &self,
        table: &'static crate::engine::Table,
        name: &[u8],
    ) -> Option<&'static crate::engine::CommandSpec> {
        if let Some(c) = self.last_cmd.get() {
            if std::ptr::eq(c.table, table) && name == &c.name[..c.len as usize] {
                return Some(c.spec);
            }
        }
        let spec = table.get(name)?;
        if name.len() <= 16 {
            let mut c = LastCmd {
                table,
                len: name.len() as u8,
                name: [0; 16],
                spec,
            };
            c.name[..name.len()].copy_from_slice(name);
            self.last_cmd.set(Some(c));
        }
        Some(spec)
    }
}

// SAFETY: the raw pointer is non-null only during a run, on the thread running it (see
// the module docs); the rest is owned data that is `Send`.
unsafe impl Send for RunCell {}

impl RunCell {
    /// The store's busy state for the hook (None outside a run's first use).
    pub(crate) fn busy(&self) -> Option<Arc<crate::engine::busy::Busy>> {
        // SAFETY: only `enter` replaces it, and never while Lua code (the only other
        // reader) runs.
        unsafe { (*self.busy.get()).clone() }
    }

    /// True if SCRIPT KILL asked the running script to stop.
    pub(crate) fn kill_requested(&self) -> bool {
        // SAFETY: as in `busy`.
        unsafe { (*self.busy.get()).as_ref() }.is_some_and(|b| b.kill_requested())
    }

    /// Runs `f` with the running script's store (the hook serving other clients: see
    /// [`crate::engine::busy`]); None outside a run or during a `redis.call`.
    pub(crate) fn with_store_mut<T>(&self, f: impl FnOnce(&mut Store) -> T) -> Option<T> {
        // SAFETY: see the module docs: called from the hook, while Lua code runs, so no
        // other `&mut` made from the pointer is alive (`with_ctx` checks `in_call`).
        self.with_ctx(|rc| unsafe { f(&mut *rc.store) })
    }

    /// `redis.setresp`: the script's protocol; None outside a run.
    pub(crate) fn set_resp(&self, resp: u8) -> Option<()> {
        // SAFETY: see the module docs: the session is the run's.
        self.with_ctx(|rc| unsafe { (*rc.session).resp = resp })
    }

    /// Runs `f` with the running script's store and session (shared); None outside a
    /// run.
    pub(crate) fn with_store<T>(&self, f: impl FnOnce(&Store, &Session) -> T) -> Option<T> {
        // SAFETY: see the module docs.
        self.with_ctx(|rc| unsafe { f(&*rc.store, &*rc.session) })
    }

    /// Runs `f` (the script) with `store` and `session` reachable from `redis.call` and the
    /// hook, then clears the cell (however `f` ends). `store` and `session` are not
    /// touched by this thread's caller while `f` runs: they are borrowed for the call.
    /// The caller then calls [`RunCell::resume_panic`] once it put its state back.
    pub(crate) fn enter<R>(
        &self,
        store: &mut Store,
        session: &mut Session,
        read_only: bool,
        allow_oom: bool,
        f: impl FnOnce() -> R,
    ) -> R {
        // SAFETY: no Lua code runs here, so nothing reads the busy handle.
        unsafe {
            let slot = &mut *self.busy.get();
            if slot.as_ref().is_none_or(|b| !Arc::ptr_eq(b, &store.busy)) {
                *slot = Some(store.busy.clone());
            }
        }
        self.threshold_ms
            .set(u64::try_from(store.config.busy_reply_threshold).unwrap_or(0));
        let mut ctx = RunCtx {
            store,
            session,
            read_only,
            wrote: false,
            allow_oom,
        };
        let out = {
            let _guard = ClearCell(self);
            self.in_call.set(false);
            self.ctx.set(&mut ctx);
            f()
        };
        out
    }

    /// Resumes a panic a command handler raised during the run (caught so that it does
    /// not unwind through Lua's C frames).
    pub(crate) fn resume_panic(&self) {
        // SAFETY: outside Lua; the panic was parked by a `redis.call` of the run.
        if let Some(payload) = unsafe { (*self.panic.get()).take() } {
            std::panic::resume_unwind(payload);
        }
    }

    pub(crate) fn new() -> Box<RunCell> {
        Box::new(RunCell {
            ctx: Cell::new(std::ptr::null_mut()),
            in_call: Cell::new(false),
            busy: UnsafeCell::new(None),
            threshold_ms: Cell::new(0),
            panic: UnsafeCell::new(None),
            reply: UnsafeCell::new(None),
            held: UnsafeCell::new(Vec::new()),
            nums: UnsafeCell::new(Vec::new()),
            err: UnsafeCell::new(Vec::new()),
            scratch: UnsafeCell::new(Vec::new()),
            last_cmd: Cell::new(None),
        })
    }

    /// Runs `f` with the running script's context, unless no script runs or a
    /// `redis.call` is under way (the caller is then re-entrant: see the module docs).
    pub(crate) fn with_ctx<T>(&self, f: impl FnOnce(&mut RunCtx) -> T) -> Option<T> {
        let p = self.ctx.get();
        if p.is_null() || self.in_call.get() {
            return None;
        }
        // SAFETY: non-null only while `run` owns the RunCtx and its pointers and does not
        // touch them (module docs); `in_call` false means no other `&mut` to it exists.
        Some(f(unsafe { &mut *p }))
    }
}

/// Clears the cell's context when a run ends, however it ends.
struct ClearCell<'a>(&'a RunCell);

impl Drop for ClearCell<'_> {
    fn drop(&mut self) {
        self.0.ctx.set(std::ptr::null_mut());
        self.0.in_call.set(false);
        // SAFETY: the run is over: no Lua code runs, nothing reads the held replies (a
        // push that raised left its entry here).
        unsafe { (*self.0.held.get()).clear() };
    }
}

/// The app data that lets mlua-side code (the hook, the primitives) find the cell.
#[derive(Clone, Copy)]
pub(crate) struct CellPtr(pub(crate) *const RunCell);

// SAFETY: points into the `State` that owns the Lua state holding this app data; only
// dereferenced on the thread running that state.
unsafe impl Send for CellPtr {}

impl CellPtr {
    /// The cell of `lua`'s state.
    pub(crate) fn of(lua: &mlua::Lua) -> Option<&RunCell> {
        let p = lua.app_data_ref::<CellPtr>()?.0;
        // SAFETY: the cell outlives the Lua state (both owned by `State`, the cell
        // dropped after the state: see `State`'s field order).
        Some(unsafe { &*p })
    }
}

/// Creates `redis.call` (`raise` true) or `redis.pcall` as C closures over the cell.
pub(crate) fn call_functions(
    lua: &mlua::Lua,
    cell: &RunCell,
) -> mlua::Result<(mlua::Function, mlua::Function)> {
    let p = cell as *const RunCell as *mut c_void;
    // SAFETY: pushes two closures with two upvalues each (the cell as light userdata, and
    // the reply pusher, a C closure over the cell); at most 3 slots in use at once, as
    // exec_raw checked.
    unsafe {
        lua.exec_raw::<(mlua::Function, mlua::Function)>((), |l| {
            for f in [redis_call_raise as ffi::lua_CFunction, redis_call_pcall] {
                ffi::lua_pushlightuserdata(l, p);
                ffi::lua_pushlightuserdata(l, p);
                ffi::lua_pushcclosure(l, push_outcome, 1);
                ffi::lua_pushcclosure(l, f, 2);
            }
        })
    }
}

/// Keeps `f` (a function, or the hidden globals table) in the registry.
pub(crate) fn pin(lua: &mlua::Lua, f: impl mlua::IntoLua) -> mlua::Result<FnRef> {
    let mut r = 0;
    // SAFETY: `f` is the one value exec_raw pushed; luaL_ref pops it.
    unsafe {
        lua.exec_raw::<()>(f, |l| {
            r = ffi::luaL_ref(l, ffi::LUA_REGISTRYINDEX);
        })?;
    }
    Ok(FnRef(r))
}

/// An incremental GC step of `kbytes` (Redis's `lua_gc(LUA_GCSTEP)` every 50 scripts),
/// protected: a step runs `__gc` metamethods, which may raise (the error is dropped, as
/// an error in a finalizer has no one to go to), and must not reach Lua's panic
/// function, which exits the process.
pub(crate) fn gc_step(lua: &mlua::Lua, kbytes: c_int) {
    // SAFETY: no stack use; exec_raw's protected call catches what the step raises.
    let _ = unsafe {
        lua.exec_raw::<()>((), |l| {
            ffi::lua_gc(l, ffi::LUA_GCSTEP, kbytes);
        })
    };
}

/// A full collection, protected (finalizers may raise; the error is dropped): after an
/// out-of-memory error, Lua 5.1 having no emergency collection of its own.
pub(crate) fn gc_full(lua: &mlua::Lua) {
    // SAFETY: no stack use; exec_raw's protected call catches what the collection raises.
    let _ = unsafe {
        lua.exec_raw::<()>((), |l| {
            ffi::lua_gc(l, ffi::LUA_GCCOLLECT, 0);
        })
    };
}

/// Lets a registry reference go.
pub(crate) fn unref(lua: &mlua::Lua, r: c_int) {
    // SAFETY: releases a registry reference this state made; no stack use.
    let _ = unsafe {
        lua.exec_raw::<()>((), |l| {
            ffi::luaL_unref(l, ffi::LUA_REGISTRYINDEX, r);
        })
    };
}

/// What [`run`] left: a reply read off the stack, or `ok, value` for mlua to convert.
pub(crate) enum Outcome {
    Simple(Value),
    Stack(bool, mlua::Value),
}

/// The raw state and the registry entry a run uses, made once per Lua state.
#[derive(Clone, Copy)]
pub(crate) struct Runner {
    /// The main `lua_State` of the state (valid as long as the `mlua::Lua`).
    l: *mut ffi::lua_State,
    /// [`run_protected`], as a C closure in the registry. Its upvalues are what every
    /// run pushes (read there in one step each, where a registry entry is a table
    /// lookup): [`HANDLER`] the prelude's error handler (Redis's
    /// `__redis__err__handler`), [`GLOBALS`] the sandbox's hidden globals table (where
    /// KEYS and ARGV go), [`KEYS`] and [`ARGV`] those two names.
    trampoline: c_int,
}

/// The trampoline's upvalues (see [`Runner::trampoline`]).
const HANDLER: c_int = 1;
const GLOBALS: c_int = 2;
const KEYS: c_int = 3;
const ARGV: c_int = 4;

// SAFETY: the pointer is only used by `run`, on the thread that has the `State` (which
// owns the `mlua::Lua`) mutably borrowed.
unsafe impl Send for Runner {}

impl Runner {
    /// Finds the main state and pins the trampoline; `handler` and `globals` are pinned
    /// already.
    pub(crate) fn new(lua: &mlua::Lua, handler: FnRef, globals: FnRef) -> mlua::Result<Runner> {
        let mut l = std::ptr::null_mut();
        let mut trampoline = 0;
        // SAFETY: the four upvalues pushed (a C function has LUA_MINSTACK free slots),
        // the closure made of them and referenced (luaL_ref pops it); the pointer is the
        // state exec_raw runs on, the main one (no coroutine runs now).
        unsafe {
            lua.exec_raw::<()>((), |state| {
                l = state;
                let reg = ffi::LUA_REGISTRYINDEX;
                ffi::lua_rawgeti(state, reg, handler.0 as ffi::lua_Integer);
                ffi::lua_rawgeti(state, reg, globals.0 as ffi::lua_Integer);
                ffi::lua_pushlstring(state, c"KEYS".as_ptr(), 4);
                ffi::lua_pushlstring(state, c"ARGV".as_ptr(), 4);
                ffi::lua_pushcclosure(state, run_protected, 4);
                trampoline = ffi::luaL_ref(state, reg);
            })?;
        }
        Ok(Runner { l, trampoline })
    }
}

/// What [`run_protected`] reads (through a light userdata) and writes.
struct RunArgs<'a> {
    func: FnRef,
    function: bool,
    keys: &'a [&'a [u8]],
    args: &'a [&'a [u8]],
    /// The result, when it was simple.
    simple: Option<Value>,
    /// Otherwise whether the call succeeded, and its result (or error) in the registry.
    stack: Option<(bool, c_int)>,
}

/// Runs `func` under the error handler (Redis's `luaCallFunction`): for a function
/// (`function`), `keys` and `args` are its two arguments; for a script they become the
/// globals KEYS and ARGV, in the sandbox's hidden globals. Either way they are fresh
/// tables each run, as in Redis: a script that kept a reference to an earlier run's KEYS
/// still sees that run's keys. The result is read off the stack when it is simple (a
/// string, a number, nil); otherwise it comes back for mlua to convert.
///
/// This is mlua's `exec_raw` without its per-call costs (a lock, two C closures
/// allocated, a stack guard, a `MultiValue`): the caller has the state `&mut` (see
/// `State::run`), so nothing else uses it meanwhile, and the stack is put back as it was.
pub(crate) fn run(
    lua: &mlua::Lua,
    runner: Runner,
    func: FnRef,
    function: bool,
    keys: &[&[u8]],
    args: &[&[u8]],
) -> Result<Outcome, String> {
    let l = runner.l;
    let mut run = RunArgs {
        func,
        function,
        keys,
        args,
        simple: None,
        stack: None,
    };
    // SAFETY: `l` is the main state of `lua`, which the caller holds for the whole call;
    // two values pushed onto its stack (which has room for LUA_MINSTACK outside any
    // call, as mlua's own calls assume), the protected call pops them, and the stack is
    // set back to `top` before returning. `run` outlives the call that reads it.
    unsafe {
        let top = ffi::lua_gettop(l);
        ffi::lua_rawgeti(
            l,
            ffi::LUA_REGISTRYINDEX,
            runner.trampoline as ffi::lua_Integer,
        );
        ffi::lua_pushlightuserdata(l, (&mut run as *mut RunArgs).cast());
        let status = ffi::lua_pcall(l, 1, ffi::LUA_MULTRET, 0);
        let out = if status != 0 {
            // The call failed outside the script (out of memory filling KEYS, …). (Only a
            // string is read: converting a number would allocate, unprotected.)
            let mut len = 0usize;
            let msg = if ffi::lua_type(l, -1) == ffi::LUA_TSTRING {
                let p = ffi::lua_tolstring(l, -1, &mut len);
                String::from_utf8_lossy(std::slice::from_raw_parts(p.cast(), len)).into_owned()
            } else {
                "unknown error".to_string()
            };
            if status == ffi::LUA_ERRMEM {
                // (KEYS/ARGV did not fit, or the result's registry reference.)
                ffi::lua_settop(l, top);
                gc_full(lua);
            }
            Err(msg)
        } else if let Some(v) = run.simple.take() {
            Ok(Outcome::Simple(v))
        } else if let Some((ok, r)) = run.stack {
            // mlua takes the value from the registry, protected.
            let v = lua.exec_raw::<mlua::Value>((), |l| {
                ffi::lua_rawgeti(l, ffi::LUA_REGISTRYINDEX, r as ffi::lua_Integer);
                ffi::luaL_unref(l, ffi::LUA_REGISTRYINDEX, r);
            });
            v.map(|v| Outcome::Stack(ok, v)).map_err(|e| e.to_string())
        } else {
            Ok(Outcome::Simple(Value::Error(
                "ERR Error running script: Lua stack overflow".into(),
            )))
        };
        ffi::lua_settop(l, top);
        out
    }
}

/// The protected part of [`run`]: its argument is the `RunArgs`. Fills KEYS / ARGV (or
/// the function's arguments), calls the function under the handler, and leaves the
/// result simple, in `simple`, or in the registry (`stack`). Owns nothing with a
/// destructor (an allocation failing while KEYS is filled raises from here).
unsafe extern "C-unwind" fn run_protected(l: *mut ffi::lua_State) -> c_int {
    let run = &mut *(ffi::lua_touserdata(l, 1) as *mut RunArgs);
    ffi::lua_settop(l, 0);
    if ffi::lua_checkstack(l, 8) == 0 {
        return 0;
    }
    let up = |i: c_int| ffi::lua_pushvalue(l, ffi::lua_upvalueindex(i));
    up(HANDLER);
    ffi::lua_rawgeti(l, ffi::LUA_REGISTRYINDEX, run.func.0 as ffi::lua_Integer);
    let nargs = if run.function {
        push_strings(l, run.keys);
        push_strings(l, run.args);
        2
    } else {
        up(GLOBALS);
        up(KEYS);
        push_strings(l, run.keys);
        ffi::lua_rawset(l, -3);
        up(ARGV);
        push_strings(l, run.args);
        ffi::lua_rawset(l, -3);
        ffi::lua_pop(l, 1);
        0
    };
    let status = ffi::lua_pcall(l, nargs, 1, 1);
    if status == ffi::LUA_ERRMEM {
        // The script ran out of memory: what it held is garbage now; collect it so the
        // next script (and the registry reference below) finds the state usable.
        ffi::lua_gc(l, ffi::LUA_GCCOLLECT, 0);
    }
    if status == 0 {
        run.simple = simple_result(l, -1);
        if run.simple.is_some() {
            return 0;
        }
    }
    // (luaL_ref allocates: done here, protected.)
    let r = ffi::luaL_ref(l, ffi::LUA_REGISTRYINDEX);
    run.stack = Some((status == 0, r));
    0
}

unsafe extern "C-unwind" fn redis_call_raise(l: *mut ffi::lua_State) -> c_int {
    redis_call(l, true)
}

unsafe extern "C-unwind" fn redis_call_pcall(l: *mut ffi::lua_State) -> c_int {
    redis_call(l, false)
}

/// `redis.call` / `redis.pcall` (Redis `luaRedisGenericCommand`): the reply on the stack,
/// or its error as an `{err=…}` table — raised for `redis.call`, returned for `pcall`.
/// This frame owns nothing with a destructor (module docs: `longjmp`).
unsafe fn redis_call(l: *mut ffi::lua_State, raise: bool) -> c_int {
    let cell = &*(ffi::lua_touserdata(l, ffi::lua_upvalueindex(1)) as *const RunCell);
    if cell.in_call.get() {
        // A __gc metamethod run by an allocation while another call's reply is pushed:
        // refused with a fixed text (the cell's buffers belong to that other call).
        ffi::lua_createtable(l, 0, 1);
        ffi::lua_pushlstring(l, c"err".as_ptr(), 3);
        ffi::lua_pushstring(
            l,
            c"ERR redis.call/pcall can only be called inside a script invocation".as_ptr(),
        );
        ffi::lua_rawset(l, -3);
        if raise {
            ffi::lua_error(l);
        }
        return 1;
    }
    cell.in_call.set(true);
    let ok = call_inner(l, cell);
    if !ok && (*cell.panic.get()).is_some() {
        cell.in_call.set(false);
        ffi::lua_pushstring(l, c"ERR panic in a command called from script".as_ptr());
        ffi::lua_error(l);
    }
    if ok && push_direct(l, cell) {
        return 1;
    }
    // The reply (or the error text) is pushed by `push_outcome` under `lua_pcall`: the
    // pushing allocates, so it can fail (out of memory, a __gc metamethod raising), and
    // `in_call` must be cleared however it ends.
    let status = if ffi::lua_checkstack(l, 4) == 0 {
        ffi::lua_pushstring(l, c"reached lua stack limit".as_ptr());
        ffi::LUA_ERRRUN
    } else {
        ffi::lua_pushvalue(l, ffi::lua_upvalueindex(2));
        ffi::lua_pushboolean(l, ok as c_int);
        ffi::lua_pcall(l, 1, 1, 0)
    };
    *cell.reply.get() = None;
    cell.in_call.set(false);
    if status == ffi::LUA_ERRMEM {
        // The reply filled the state and is garbage now (the protected call dropped it).
        // Lua 5.1 has no emergency collection: without one, the script catching this
        // error (its pcall, an xpcall handler) would find no memory left to go on with.
        // (The error text is Lua's fixed "not enough memory", kept on the stack.)
        ffi::lua_gc(l, ffi::LUA_GCCOLLECT, 0);
    }
    if status == ffi::LUA_ERRRUN && is_stack_overflow(l) {
        // Lua located the error at this C function (no position); Redis, without the
        // pusher's call, hits it in the script's next call: located at the script's line.
        ffi::luaL_where(l, 1);
        ffi::lua_insert(l, -2);
        ffi::lua_concat(l, 2);
    }
    if status != 0 || (!ok && raise) {
        ffi::lua_error(l);
    }
    1
}

/// The direct path for the common replies — a bulk string, an integer, a nil, a boolean —
/// without `push_outcome`'s protected call: one value, pushed after `in_call` is cleared.
/// False (the reply left in the cell) for the others: tables, errors and texts made in
/// the scratch buffer go through `push_outcome`.
///
/// Numbers, booleans and nil are pushed without allocating, so nothing can raise. A bulk
/// string's push allocates: it may raise (out of memory; an error from a `__gc`
/// metamethod its GC step runs) and it may run Lua code (that metamethod, which may call
/// `redis.call`). So its bytes are moved to the cell's `held` stack first and only raw
/// pointers to them are kept here; `in_call` is already clear (a raise leaves nothing to
/// reset: the entry stays until the run ends, see `ClearCell`), and a `redis.call` made
/// meanwhile pushes and truncates above this entry, whose heap bytes do not move.
/// C functions get `LUA_MINSTACK` free slots: one push needs no stack check.
unsafe fn push_direct(l: *mut ffi::lua_State, cell: &RunCell) -> bool {
    let reply = &mut *cell.reply.get();
    let r3 = || {
        cell.with_ctx_unchecked()
            .is_some_and(|rc| (*rc.session).resp == 3)
    };
    match reply {
        Some(Value::Int(i)) => {
            let n = *i as f64;
            *reply = None;
            cell.in_call.set(false);
            ffi::lua_pushnumber(l, n);
        }
        Some(Value::Nil | Value::NilArray) => {
            let r3 = r3();
            *reply = None;
            cell.in_call.set(false);
            if r3 {
                ffi::lua_pushnil(l);
            } else {
                ffi::lua_pushboolean(l, 0);
            }
        }
        Some(Value::Bool(b)) => {
            let (b, r3) = (*b, r3());
            *reply = None;
            cell.in_call.set(false);
            if r3 {
                ffi::lua_pushboolean(l, b as c_int);
            } else {
                ffi::lua_pushnumber(l, if b { 1.0 } else { 0.0 });
            }
        }
        Some(Value::Bulk(_)) => {
            let Some(Value::Bulk(bytes)) = reply.take() else {
                return false;
            };
            let held = &mut *cell.held.get();
            let at = held.len();
            held.push(bytes);
            let (p, n) = (held[at].as_ptr(), held[at].len());
            cell.in_call.set(false);
            ffi::lua_pushlstring(l, p.cast(), n);
            (*cell.held.get()).truncate(at);
        }
        _ => return false,
    }
    true
}

/// True if the top of the stack is Lua's "stack overflow" error (too many nested calls).
unsafe fn is_stack_overflow(l: *mut ffi::lua_State) -> bool {
    if ffi::lua_type(l, -1) != ffi::LUA_TSTRING {
        return false;
    }
    let mut len = 0usize;
    let p = ffi::lua_tolstring(l, -1, &mut len);
    std::slice::from_raw_parts(p.cast::<u8>(), len) == b"stack overflow"
}

/// Pushes the outcome of the call `redis_call` runs (its argument: true when the reply
/// is in the cell, false when the error text is): the reply converted, or `{err = …}`.
/// Runs under `lua_pcall` with `in_call` set, so nothing else touches the cell's reply
/// and error text meanwhile.
unsafe extern "C-unwind" fn push_outcome(l: *mut ffi::lua_State) -> c_int {
    let cell = &*(ffi::lua_touserdata(l, ffi::lua_upvalueindex(1)) as *const RunCell);
    if ffi::lua_toboolean(l, 1) == 0 {
        let err = &*cell.err.get();
        ffi::lua_createtable(l, 0, 1);
        ffi::lua_pushlstring(l, c"err".as_ptr(), 3);
        ffi::lua_pushlstring(l, err.as_ptr().cast(), err.len());
        ffi::lua_rawset(l, -3);
        return 1;
    }
    let resp = cell.with_ctx_unchecked().map_or(2, |rc| (*rc.session).resp);
    match &*cell.reply.get() {
        Some(v) => push_value(l, cell, v, resp == 3, 0),
        None => ffi::lua_pushnil(l),
    }
    1
}

impl RunCell {
    /// The context without the `in_call` check (for `redis_call` itself, which set it).
    unsafe fn with_ctx_unchecked(&self) -> Option<&RunCtx> {
        let p = self.ctx.get();
        (!p.is_null()).then(|| &*p)
    }
}

/// Sets the cell's error text to Redis's form of `buf` (`luaPushErrorBuff`).
unsafe fn set_error(cell: &RunCell, buf: &[u8]) {
    let err = &mut *cell.err.get();
    err.clear();
    err.extend_from_slice(&convert::error_text(buf));
}

/// Where an argument's bytes are: in a Lua string on the stack, or in the cell's number
/// buffer.
#[derive(Clone, Copy)]
enum Arg {
    Lua(*const u8, usize),
    Num(usize, usize),
}

/// Reads the arguments, runs the command; true with the reply in the cell, false with
/// the error text in the cell (or a panic parked there).
unsafe fn call_inner(l: *mut ffi::lua_State, cell: &RunCell) -> bool {
    let argc = ffi::lua_gettop(l).max(0) as usize;
    if argc == 0 {
        set_error(
            cell,
            b"Please specify at least one argument for this redis lib call",
        );
        return false;
    }
    let nums = &mut *cell.nums.get();
    nums.clear();
    const SMALL: usize = 16;
    let mut small = [Arg::Num(0, 0); SMALL];
    let mut big: Vec<Arg> = Vec::new();
    // (Indexes both the stack and, for a short call, the array.)
    #[allow(clippy::needless_range_loop)]
    for i in 0..argc {
        let idx = i as c_int + 1;
        let arg = match ffi::lua_type(l, idx) {
            ffi::LUA_TSTRING => {
                let mut len = 0usize;
                let p = ffi::lua_tolstring(l, idx, &mut len);
                Arg::Lua(p.cast(), len)
            }
            ffi::LUA_TNUMBER => {
                let start = nums.len();
                nums.extend_from_slice(
                    crate::util::float::fmt_g17(ffi::lua_tonumber(l, idx)).as_bytes(),
                );
                Arg::Num(start, nums.len())
            }
            _ => {
                set_error(
                    cell,
                    b"Lua redis lib command arguments must be strings or integers",
                );
                return false;
            }
        };
        if argc <= SMALL {
            small[i] = arg;
        } else {
            big.push(arg);
        }
    }
    let args: &[Arg] = if argc <= SMALL { &small[..argc] } else { &big };
    let nums: &[u8] = nums;
    let slice = |a: &Arg| -> &[u8] {
        match *a {
            // SAFETY: the string is an argument on the stack for the whole call.
            Arg::Lua(p, n) => std::slice::from_raw_parts(p, n),
            Arg::Num(s, e) => &nums[s..e],
        }
    };
    let mut small_argv: [&[u8]; SMALL] = [&[]; SMALL];
    let big_argv: Vec<&[u8]>;
    let argv: &[&[u8]] = if argc <= SMALL {
        for (slot, a) in small_argv.iter_mut().zip(args) {
            *slot = slice(a);
        }
        &small_argv[..argc]
    } else {
        big_argv = args.iter().map(slice).collect();
        &big_argv
    };
    let p = cell.ctx.get();
    if p.is_null() {
        set_error(
            cell,
            b"redis.call/pcall can only be called inside a script invocation",
        );
        return false;
    }
    // SAFETY: see the module docs: `run` owns the context and does not touch it; no Lua
    // code runs until this `&mut` is gone.
    let rc = &mut *p;
    let outcome =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| script_call(cell, rc, argv)));
    match outcome {
        Ok(Ok(v)) => {
            *cell.reply.get() = Some(v);
            true
        }
        Ok(Err(text)) => {
            set_error(cell, text.as_bytes());
            false
        }
        Err(payload) => {
            *cell.panic.get() = Some(payload);
            false
        }
    }
}

/// Redis's `scriptCall`: lookup, arity, `noscript`, the write checks, then the one dispatch
/// path. `Err` is the error text (with a leading `-` when it carries its own code).
fn script_call(
    cell: &RunCell,
    rc: &mut RunCtx,
    argv: &[&[u8]],
) -> std::result::Result<Value, String> {
    let table = {
        // SAFETY: see the module docs.
        let store = unsafe { &*rc.store };
        store.table()
    };
    let spec = argv.first().and_then(|n| cell.lookup(table, n));
    let refused = match spec {
        None => "Unknown Redis command called from script".to_string(),
        Some(spec) => match verify_call(rc, spec, argv) {
            Ok(()) => {
                // SAFETY: see the module docs.
                let (store, session) = unsafe { (&mut *rc.store, &mut *rc.session) };
                return crate::engine::call(store, session, spec, argv)
                    .map_err(|e| format!("-{}", e.message()));
            }
            Err(text) => text,
        },
    };
    // Redis `scriptCall`'s error path (`afterErrorReply`, `incrCommandStatsOnError` with
    // ERROR_COMMAND_REJECTED): the refusal counts in the error stats, also when the script
    // catches it with redis.pcall (and the script's own error, when it raises it, does not
    // count again), and in the command's `rejected_calls`.
    // SAFETY: see the module docs.
    let store = unsafe { &mut *rc.store };
    let error = match refused.strip_prefix('-') {
        Some(reply) => crate::error::Error::from_reply(reply),
        None => crate::error::Error::err(&refused),
    };
    crate::engine::observe::count_error(store, &error);
    if let Some(spec) = spec {
        crate::engine::observe::rejected_in_script(store, spec, argv);
    }
    Err(refused)
}

/// The checks of Redis's `scriptCall` before a call runs; `Err` is the refusal's text.
fn verify_call(
    rc: &mut RunCtx,
    spec: &'static crate::engine::CommandSpec,
    argv: &[&[u8]],
) -> std::result::Result<(), String> {
    // SAFETY: see the module docs.
    let (store, session) = unsafe { (&mut *rc.store, &mut *rc.session) };
    if !spec.arity_ok(argv.len()) {
        return Err("Wrong number of args calling Redis command from script".into());
    }
    // (CLUSTER RESET is the one subcommand flagged noscript in a container that is not.)
    let noscript = spec.has(flags::NOSCRIPT)
        || (spec.name == "cluster"
            && argv
                .get(1)
                .is_some_and(|a| a.eq_ignore_ascii_case(b"reset")));
    if noscript && !store.disable_deny_script {
        return Err("This Redis command is not allowed from script".into());
    }
    // Redis `scriptVerifyACL`: the caller's user, logged with context `lua`.
    match crate::engine::acl_check(store, session, spec, argv, crate::engine::AclContext::Lua) {
        Ok(()) => {}
        Err(Some(d)) => return Err(d.in_script().into()),
        Err(None) => return Err(format!("-{}", crate::engine::noauth().message())),
    }
    // Redis `scriptVerifyOOM`: over maxmemory when the script started, a denyoom command
    // is refused unless the script already wrote (it cannot stop half-way) or allows OOM.
    if spec.has(flags::DENYOOM)
        && !rc.allow_oom
        && !rc.wrote
        && store.config.maxmemory != 0
        && store.pre_command_oom()
    {
        return Err(format!("-{}", crate::engine::evict::oom_error().message()));
    }
    // A read-only script refuses may-replicate commands (PUBLISH …) too, so that it may
    // run during CLIENT PAUSE WRITE (Redis `scriptVerifyWriteCommandAllow`).
    if rc.read_only && crate::engine::may_write(spec, argv) {
        return Err("Write commands are not allowed from read-only scripts.".into());
    }
    if spec.has(flags::WRITE) && !rc.wrote {
        if session.read_only {
            return Err("-READONLY You can't write against a read only replica.".into());
        }
        if let Some(e) = store.deny_writes() {
            return Err(format!("-{}", e.message()));
        }
    }
    // Redis `scriptVerifyClusterState`: in cluster mode one call's keys must share a slot.
    if store.config.cluster_enabled
        && !store.loading
        && crate::engine::command_crosses_slots(spec, argv)
    {
        return Err("Script attempted to access a non local key in a cluster node".into());
    }
    if spec.has(flags::WRITE) && !rc.wrote {
        // (Once per run: the busy state's flag, read by SCRIPT KILL, is behind a lock.)
        rc.wrote = true;
        store.busy.note_write();
    }
    Ok(())
}

/// Pushes `s` as a Lua string.
#[inline]
unsafe fn push_bytes(l: *mut ffi::lua_State, s: &[u8]) {
    ffi::lua_pushlstring(l, s.as_ptr().cast(), s.len());
}

/// Pushes `{field = <top of stack>}` in place of the top of the stack.
unsafe fn wrap_top(l: *mut ffi::lua_State, field: &std::ffi::CStr) {
    ffi::lua_createtable(l, 0, 1);
    ffi::lua_pushstring(l, field.as_ptr());
    ffi::lua_pushvalue(l, -3);
    ffi::lua_rawset(l, -3);
    ffi::lua_remove(l, -2);
}

/// Deepest reply nesting pushed (a reply is never this deep; the stack is checked per
/// level).
const MAX_DEPTH: usize = 1000;

/// A command's reply as the script sees it (Redis `redisProtocolToLuaType`; the rules are
/// in [`convert`]'s docs). Needs 4 free stack slots; checks for more per nesting level.
unsafe fn push_value(l: *mut ffi::lua_State, cell: &RunCell, v: &Value, r3: bool, depth: usize) {
    if depth > MAX_DEPTH || ffi::lua_checkstack(l, 4) == 0 {
        ffi::lua_pushstring(l, c"reached lua stack limit".as_ptr());
        ffi::lua_error(l);
    }
    match v {
        Value::Int(i) => ffi::lua_pushnumber(l, *i as f64),
        Value::Bulk(b) => push_bytes(l, b),
        Value::Simple(s) => {
            push_bytes(l, s.as_bytes());
            wrap_top(l, c"ok");
        }
        Value::Error(e) => {
            // The text is made in the cell's scratch buffer: this frame must own nothing
            // with a destructor while Lua may raise.
            let scratch = &mut *cell.scratch.get();
            scratch.clear();
            scratch.push(b'-');
            scratch.extend_from_slice(e.as_bytes());
            let text = convert::error_text(scratch);
            scratch.clear();
            scratch.extend_from_slice(&text);
            drop(text);
            push_bytes(l, scratch);
            wrap_top(l, c"err");
        }
        Value::Nil | Value::NilArray => {
            if r3 {
                ffi::lua_pushnil(l)
            } else {
                ffi::lua_pushboolean(l, 0)
            }
        }
        Value::Array(items) | Value::Push(items) => push_array(l, cell, items, r3, depth),
        Value::Set(items) if !r3 => push_array(l, cell, items, r3, depth),
        Value::Set(items) => {
            ffi::lua_createtable(l, 0, items.len().min(1 << 20) as c_int);
            for it in items {
                push_value(l, cell, it, r3, depth + 1);
                if ffi::lua_type(l, -1) == ffi::LUA_TNIL {
                    ffi::lua_pop(l, 1);
                } else {
                    ffi::lua_pushboolean(l, 1);
                    ffi::lua_rawset(l, -3);
                }
            }
            wrap_top(l, c"set");
        }
        Value::Map(pairs) if !r3 => {
            ffi::lua_createtable(l, (pairs.len() * 2).min(1 << 20) as c_int, 0);
            for (i, (k, v)) in pairs.iter().enumerate() {
                push_value(l, cell, k, r3, depth + 1);
                ffi::lua_rawseti(l, -2, (2 * i + 1) as ffi::lua_Integer);
                push_value(l, cell, v, r3, depth + 1);
                ffi::lua_rawseti(l, -2, (2 * i + 2) as ffi::lua_Integer);
            }
        }
        Value::Map(pairs) => {
            ffi::lua_createtable(l, 0, pairs.len().min(1 << 20) as c_int);
            for (k, v) in pairs {
                push_value(l, cell, k, r3, depth + 1);
                if ffi::lua_type(l, -1) == ffi::LUA_TNIL {
                    ffi::lua_pop(l, 1);
                } else {
                    push_value(l, cell, v, r3, depth + 1);
                    ffi::lua_rawset(l, -3);
                }
            }
            wrap_top(l, c"map");
        }
        Value::Double(d) if !r3 => {
            let scratch = &mut *cell.scratch.get();
            scratch.clear();
            scratch.extend_from_slice(crate::util::float::fmt_g17(*d).as_bytes());
            push_bytes(l, scratch);
        }
        Value::Double(d) => {
            ffi::lua_pushnumber(l, *d);
            wrap_top(l, c"double");
        }
        Value::DoubleText(t) if !r3 => push_bytes(l, t.as_bytes()),
        Value::DoubleText(t) => {
            ffi::lua_pushnumber(l, t.parse().unwrap_or(f64::NAN));
            wrap_top(l, c"double");
        }
        Value::Bool(b) if !r3 => ffi::lua_pushnumber(l, if *b { 1.0 } else { 0.0 }),
        Value::Bool(b) => ffi::lua_pushboolean(l, *b as c_int),
        Value::Verbatim(_, s) if !r3 => push_bytes(l, s),
        Value::Verbatim(f, s) => {
            ffi::lua_createtable(l, 0, 2);
            ffi::lua_pushstring(l, c"string".as_ptr());
            push_bytes(l, s);
            ffi::lua_rawset(l, -3);
            ffi::lua_pushstring(l, c"format".as_ptr());
            push_bytes(l, f.as_bytes());
            ffi::lua_rawset(l, -3);
            wrap_top(l, c"verbatim_string");
        }
        Value::BigNumber(n) if !r3 => push_bytes(l, n.as_bytes()),
        Value::BigNumber(n) => {
            push_bytes(l, n.as_bytes());
            wrap_top(l, c"big_number");
        }
        // Scripts do not see attributes (Redis drops them), only the reply.
        Value::Attribute(_, v) => push_value(l, cell, v, r3, depth),
    }
}

unsafe fn push_array(
    l: *mut ffi::lua_State,
    cell: &RunCell,
    items: &[Value],
    r3: bool,
    depth: usize,
) {
    ffi::lua_createtable(l, items.len().min(1 << 20) as c_int, 0);
    for (i, it) in items.iter().enumerate() {
        push_value(l, cell, it, r3, depth + 1);
        ffi::lua_rawseti(l, -2, (i + 1) as ffi::lua_Integer);
    }
}

/// Pushes a fresh array of `items` (KEYS / ARGV). Needs 2 stack slots.
unsafe fn push_strings(l: *mut ffi::lua_State, items: &[&[u8]]) {
    ffi::lua_createtable(l, items.len().min(1 << 20) as c_int, 0);
    for (i, it) in items.iter().enumerate() {
        push_bytes(l, it);
        ffi::lua_rawseti(l, -2, (i + 1) as ffi::lua_Integer);
    }
}

/// A script's result read straight off the stack when it is a string, a number or nil
/// (the common replies; tables and booleans go through [`convert::from_lua`]).
unsafe fn simple_result(l: *mut ffi::lua_State, idx: c_int) -> Option<Value> {
    match ffi::lua_type(l, idx) {
        ffi::LUA_TSTRING => {
            let mut len = 0usize;
            let p = ffi::lua_tolstring(l, idx, &mut len);
            Some(Value::Bulk(
                std::slice::from_raw_parts(p.cast::<u8>(), len).to_vec(),
            ))
        }
        ffi::LUA_TNUMBER => Some(Value::Int(convert::truncate(ffi::lua_tonumber(l, idx)))),
        ffi::LUA_TNIL => Some(Value::Nil),
        _ => None,
    }
}
