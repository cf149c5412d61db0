//! The hot path of a script, on Lua's C API (`mlua::ffi`) rather than mlua's safe layer:
//! running a cached function, KEYS/ARGV, `redis.call` / `redis.pcall` and their reply
//! conversion. mlua's safe calls cost a lock, registry references and boxed values per
//! crossing; a script that does one `redis.call` crossed a dozen times. Here a run is one
//! `exec_raw` and a `redis.call` is one C function that reads its arguments from the Lua
//! stack in place and pushes the reply straight from the command's [`Value`].
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
//!   hook nor a re-entrant `redis.call`), and `RunCell::in_call` refuses a `redis.call`
//!   that a `__gc` metamethod would start while another one is converting its reply.
//!
//! # Errors and `longjmp`
//!
//! Lua raises errors with `longjmp`. The functions here that can raise (`lua_error`,
//! and any allocation, which can fail with a memory error) run in frames that own nothing
//! with a destructor: a reply being converted is kept in the [`RunCell`] (dropped by the
//! next call or the end of the run), argument slices only borrow. A panic in a command
//! handler is caught, parked in the cell, turned into a Lua error, and resumed by `run`
//! once the store and session are back in the caller's hands.

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
    /// Number arguments formatted as `%.17g`, for the call's duration.
    nums: UnsafeCell<Vec<u8>>,
    /// The error text a failed call raises or returns.
    err: UnsafeCell<Vec<u8>>,
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
            nums: UnsafeCell::new(Vec::new()),
            err: UnsafeCell::new(Vec::new()),
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
    // SAFETY: pushes two closures with one light-userdata upvalue each; stack checked by
    // exec_raw (3 slots).
    unsafe {
        lua.exec_raw::<(mlua::Function, mlua::Function)>((), |l| {
            ffi::lua_pushlightuserdata(l, p);
            ffi::lua_pushcclosure(l, redis_call_raise, 1);
            ffi::lua_pushlightuserdata(l, p);
            ffi::lua_pushcclosure(l, redis_call_pcall, 1);
        })
    }
}

/// Keeps `f` in the registry.
pub(crate) fn pin(lua: &mlua::Lua, f: &mlua::Function) -> mlua::Result<FnRef> {
    let mut r = 0;
    // SAFETY: `f` is the one value exec_raw pushed; luaL_ref pops it.
    unsafe {
        lua.exec_raw::<()>(f, |l| {
            r = ffi::luaL_ref(l, ffi::LUA_REGISTRYINDEX);
        })?;
    }
    Ok(FnRef(r))
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

/// A reused KEYS / ARGV table: its registry reference and how many items the last run
/// put in it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ArrayRef(pub(crate) c_int, pub(crate) usize);

/// What [`run`] left: a reply read off the stack, or `ok, value` for mlua to convert.
pub(crate) enum Outcome {
    Simple(Value),
    Stack(mlua::MultiValue),
}

/// Runs `func` under the error handler (Redis's `luaCallFunction`): for a function
/// (`function`), `keys` and `args` are its two arguments, fresh tables; for a script they
/// fill the reused KEYS and ARGV. The result is read off the stack when it is simple.
/// Returns, besides the outcome, whether KEYS and ARGV can be reused (a script may have
/// added to them).
#[allow(clippy::too_many_arguments)]
pub(crate) fn run(
    lua: &mlua::Lua,
    handler: FnRef,
    func: FnRef,
    function: bool,
    keys: &[&[u8]],
    args: &[&[u8]],
    keys_ref: ArrayRef,
    argv_ref: ArrayRef,
) -> (mlua::Result<Outcome>, (bool, bool)) {
    let mut simple = None;
    let mut reuse = (true, true);
    let reg = |l, r: c_int| unsafe {
        // SAFETY: pushes a registry value; stack checked below.
        ffi::lua_rawgeti(l, ffi::LUA_REGISTRYINDEX, r as ffi::lua_Integer);
    };
    // SAFETY: exec_raw runs the closure in protected mode on this state's stack; the
    // stack is checked before use, and left holding either nothing (a simple result, in
    // `simple`) or `ok, value` for mlua to convert.
    let values = unsafe {
        lua.exec_raw::<mlua::MultiValue>((), |l| {
            if ffi::lua_checkstack(l, 8) == 0 {
                return;
            }
            let base = ffi::lua_gettop(l);
            reg(l, handler.0);
            reg(l, func.0);
            let nargs = if function {
                push_strings(l, keys);
                push_strings(l, args);
                2
            } else {
                reg(l, keys_ref.0);
                fill_array(l, keys, keys_ref.1);
                ffi::lua_pop(l, 1);
                reg(l, argv_ref.0);
                fill_array(l, args, argv_ref.1);
                ffi::lua_pop(l, 1);
                0
            };
            let status = ffi::lua_pcall(l, nargs, 1, base + 1);
            if !function {
                reg(l, keys_ref.0);
                reuse.0 = only_indices(l, -1, keys.len());
                ffi::lua_pop(l, 1);
                reg(l, argv_ref.0);
                reuse.1 = only_indices(l, -1, args.len());
                ffi::lua_pop(l, 1);
            }
            if status == 0 {
                simple = simple_result(l, -1);
            }
            if simple.is_some() {
                ffi::lua_settop(l, base);
            } else {
                ffi::lua_pushboolean(l, (status == 0) as c_int);
                ffi::lua_replace(l, base + 1);
            }
        })
    };
    let outcome = values.map(|values| match simple {
        Some(v) => Outcome::Simple(v),
        None if values.is_empty() => Outcome::Simple(Value::Error(
            "ERR Error running script: Lua stack overflow".into(),
        )),
        None => Outcome::Stack(values),
    });
    (outcome, reuse)
}

/// Keeps a new empty table in the registry (the reused KEYS / ARGV).
pub(crate) fn new_table_ref(lua: &mlua::Lua) -> mlua::Result<(c_int, mlua::Table)> {
    let mut r = 0;
    // SAFETY: one table made, one copy referenced, one returned.
    let t = unsafe {
        lua.exec_raw::<mlua::Table>((), |l| {
            ffi::lua_createtable(l, 4, 0);
            ffi::lua_pushvalue(l, -1);
            r = ffi::luaL_ref(l, ffi::LUA_REGISTRYINDEX);
        })?
    };
    Ok((r, t))
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
        // A __gc metamethod run by an allocation of another call's reply conversion.
        let err = &mut *cell.err.get();
        err.clear();
        err.extend_from_slice(
            b"ERR redis.call/pcall can only be called inside a script invocation",
        );
        return push_error(l, cell, raise);
    }
    cell.in_call.set(true);
    let ok = call_inner(l, cell);
    let n = if ok {
        // The reply stays in the cell while it is pushed.
        let resp = cell.with_ctx_unchecked().map_or(2, |rc| (*rc.session).resp);
        match &*cell.reply.get() {
            Some(v) => {
                if ffi::lua_checkstack(l, 4) == 0 {
                    cell.in_call.set(false);
                    ffi::lua_pushstring(l, c"reached lua stack limit".as_ptr());
                    ffi::lua_error(l);
                }
                push_value(l, v, resp == 3, 0);
            }
            None => ffi::lua_pushnil(l),
        }
        1
    } else {
        0
    };
    *cell.reply.get() = None;
    cell.in_call.set(false);
    if ok {
        return n;
    }
    if (*cell.panic.get()).is_some() {
        ffi::lua_pushstring(l, c"ERR panic in a command called from script".as_ptr());
        ffi::lua_error(l);
    }
    push_error(l, cell, raise)
}

impl RunCell {
    /// The context without the `in_call` check (for `redis_call` itself, which set it).
    unsafe fn with_ctx_unchecked(&self) -> Option<&RunCtx> {
        let p = self.ctx.get();
        (!p.is_null()).then(|| &*p)
    }
}

/// Pushes `{err = <cell.err>}`, then raises it (`raise`) or returns it.
unsafe fn push_error(l: *mut ffi::lua_State, cell: &RunCell, raise: bool) -> c_int {
    let err = &*cell.err.get();
    ffi::lua_createtable(l, 0, 1);
    ffi::lua_pushlstring(l, c"err".as_ptr(), 3);
    ffi::lua_pushlstring(l, err.as_ptr().cast(), err.len());
    ffi::lua_rawset(l, -3);
    if raise {
        ffi::lua_error(l);
    }
    1
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
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| script_call(rc, argv)));
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
pub(crate) fn script_call(rc: &mut RunCtx, argv: &[&[u8]]) -> std::result::Result<Value, String> {
    // SAFETY: see the module docs.
    let (store, session) = unsafe { (&mut *rc.store, &mut *rc.session) };
    let table = store.table();
    let Some(spec) = argv.first().and_then(|n| table.get(n)) else {
        return Err("Unknown Redis command called from script".into());
    };
    if !spec.arity_ok(argv.len()) {
        return Err("Wrong number of args calling Redis command from script".into());
    }
    if spec.has(flags::NOSCRIPT) {
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
    if spec.has(flags::WRITE) {
        if rc.read_only {
            return Err("Write commands are not allowed from read-only scripts.".into());
        }
        if !rc.wrote {
            if session.read_only {
                return Err("-READONLY You can't write against a read only replica.".into());
            }
            if let Some(e) = store.deny_writes() {
                return Err(format!("-{}", e.message()));
            }
        }
    }
    // Redis `scriptVerifyClusterState`: in cluster mode one call's keys must share a slot.
    if store.config.cluster_enabled
        && !store.loading
        && crate::engine::command_crosses_slots(spec, argv)
    {
        return Err("Script attempted to access a non local key in a cluster node".into());
    }
    if spec.has(flags::WRITE) {
        rc.wrote = true;
        store.busy.note_write();
    }
    crate::engine::call(store, session, spec, argv).map_err(|e| format!("-{}", e.message()))
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
unsafe fn push_value(l: *mut ffi::lua_State, v: &Value, r3: bool, depth: usize) {
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
            let mut buf = Vec::with_capacity(e.len() + 1);
            buf.push(b'-');
            buf.extend_from_slice(e.as_bytes());
            let text = convert::error_text(&buf);
            drop(buf);
            push_bytes(l, &text);
            drop(text);
            wrap_top(l, c"err");
        }
        Value::Nil | Value::NilArray => {
            if r3 {
                ffi::lua_pushnil(l)
            } else {
                ffi::lua_pushboolean(l, 0)
            }
        }
        Value::Array(items) | Value::Push(items) => push_array(l, items, r3, depth),
        Value::Set(items) if !r3 => push_array(l, items, r3, depth),
        Value::Set(items) => {
            ffi::lua_createtable(l, 0, items.len().min(1 << 20) as c_int);
            for it in items {
                push_value(l, it, r3, depth + 1);
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
                push_value(l, k, r3, depth + 1);
                ffi::lua_rawseti(l, -2, (2 * i + 1) as ffi::lua_Integer);
                push_value(l, v, r3, depth + 1);
                ffi::lua_rawseti(l, -2, (2 * i + 2) as ffi::lua_Integer);
            }
        }
        Value::Map(pairs) => {
            ffi::lua_createtable(l, 0, pairs.len().min(1 << 20) as c_int);
            for (k, v) in pairs {
                push_value(l, k, r3, depth + 1);
                if ffi::lua_type(l, -1) == ffi::LUA_TNIL {
                    ffi::lua_pop(l, 1);
                } else {
                    push_value(l, v, r3, depth + 1);
                    ffi::lua_rawset(l, -3);
                }
            }
            wrap_top(l, c"map");
        }
        Value::Double(d) if !r3 => {
            let s = crate::util::float::fmt_g17(*d);
            push_bytes(l, s.as_bytes());
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
        Value::Attribute(_, v) => push_value(l, v, r3, depth),
    }
}

unsafe fn push_array(l: *mut ffi::lua_State, items: &[Value], r3: bool, depth: usize) {
    ffi::lua_createtable(l, items.len().min(1 << 20) as c_int, 0);
    for (i, it) in items.iter().enumerate() {
        push_value(l, it, r3, depth + 1);
        ffi::lua_rawseti(l, -2, (i + 1) as ffi::lua_Integer);
    }
}

/// Fills the table at the top of the stack with `items` as 1..n, clearing `1..=old_len`
/// beyond n (the reused KEYS / ARGV).
unsafe fn fill_array(l: *mut ffi::lua_State, items: &[&[u8]], old_len: usize) {
    for (i, it) in items.iter().enumerate() {
        push_bytes(l, it);
        ffi::lua_rawseti(l, -2, (i + 1) as ffi::lua_Integer);
    }
    for i in items.len()..old_len {
        ffi::lua_pushnil(l);
        ffi::lua_rawseti(l, -2, (i + 1) as ffi::lua_Integer);
    }
}

/// Pushes a fresh array of `items` (a function's KEYS / ARGV arguments).
unsafe fn push_strings(l: *mut ffi::lua_State, items: &[&[u8]]) {
    ffi::lua_createtable(l, items.len().min(1 << 20) as c_int, 0);
    fill_array(l, items, 0);
}

/// True if the table at `idx` holds exactly the keys 1..=n (values aside): a script may
/// have added to its KEYS / ARGV, which must then not be reused. Needs 2 stack slots.
unsafe fn only_indices(l: *mut ffi::lua_State, idx: c_int, n: usize) -> bool {
    let idx = if idx < 0 {
        ffi::lua_gettop(l) + idx + 1
    } else {
        idx
    };
    let mut count = 0usize;
    ffi::lua_pushnil(l);
    while ffi::lua_next(l, idx) != 0 {
        let fine = ffi::lua_type(l, -2) == ffi::LUA_TNUMBER && {
            let k = ffi::lua_tonumber(l, -2);
            k >= 1.0 && k <= n as f64 && k.fract() == 0.0
        };
        ffi::lua_pop(l, 1);
        count += 1;
        if !fine || count > n {
            ffi::lua_pop(l, 1);
            return false;
        }
    }
    count == n
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
