//! EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (Redis 7.0 `eval.c`), and their spec
//! slice.

use crate::engine::spec::{dispatch_sub, Sub};
use crate::engine::{flags::*, CommandSpec, Ctx};
use crate::error::{Error, ErrorKind, Result};
use crate::scripting::lua::{script_flags, sha1_hex, Call, Script, State};
use crate::scripting::raw::FnRef;
use crate::value::Value;

/// What the scripting room keeps in the store's [`crate::engine::Extension`] slot: EVAL's
/// Lua state and FUNCTION's (two interpreters, as in Redis: SCRIPT FLUSH and FUNCTION
/// FLUSH each reset their own). Each is taken out while it runs.
#[derive(Default)]
pub struct Slot {
    /// EVAL's state and script cache.
    pub eval: Option<Box<State>>,
    /// FUNCTION's state and compiled libraries.
    pub functions: Option<Box<crate::scripting::functions::Engine>>,
}

/// Runs `f` on the store's slot (made on first use).
pub(crate) fn with_slot<T>(store: &mut crate::engine::Store, f: impl FnOnce(&mut Slot) -> T) -> T {
    let mut slot = store.scripting.take::<Slot>().unwrap_or_default();
    let out = f(&mut slot);
    // The cache's part of `used_memory`, kept while the state is out to run a script
    // (SCRIPT FLUSH puts a fresh one back).
    if let Some(state) = &slot.eval {
        store.script_cache_memory = state.scripts.memory();
    }
    store.scripting.put(slot);
    out
}

/// The store's EVAL Lua state, taken out of its slot (made on first use). Put it back
/// with [`put_state`].
fn take_state(ctx: &mut Ctx) -> Result<Box<State>> {
    match with_slot(ctx.store, |s| s.eval.take()) {
        Some(s) => Ok(s),
        None => State::new().map(Box::new),
    }
}

/// The EVAL state's Lua memory and cached scripts (INFO memory); made if absent.
pub(crate) fn eval_memory(store: &mut crate::engine::Store) -> (u64, u64) {
    with_slot(store, |s| {
        if s.eval.is_none() {
            s.eval = State::new().ok().map(Box::new);
        }
        s.eval.as_ref().map_or((0, 0), |st| {
            (st.lua().used_memory() as u64, st.scripts.len() as u64)
        })
    })
}

fn put_state(ctx: &mut Ctx, state: Box<State>) {
    with_slot(ctx.store, |s| s.eval = Some(state));
}

/// Parses a script's shebang line (Redis `evalExtractShebangFlags`): the flags and the
/// length of the line (without its line feed). No shebang: compatibility mode.
pub fn shebang_flags(body: &[u8]) -> Result<(u32, usize)> {
    if !body.starts_with(b"#!") {
        return Ok((script_flags::EVAL_COMPAT_MODE, 0));
    }
    let Some(end) = body.iter().position(|&b| b == b'\n') else {
        return Err(Error::err("Invalid script shebang"));
    };
    let line = String::from_utf8_lossy(&body[..end]);
    let mut parts = line.split_ascii_whitespace();
    let Some(engine) = parts.next() else {
        return Err(Error::err("Invalid engine in script shebang"));
    };
    if engine != "#!lua" {
        return Err(Error::err(format!(
            "Unexpected engine in script shebang: {engine}"
        )));
    }
    let mut flags = 0;
    for part in parts {
        let Some(list) = part.strip_prefix("flags=") else {
            return Err(Error::err(format!("Unknown lua shebang option: {part}")));
        };
        if list.is_empty() {
            continue;
        }
        for f in list.split(',') {
            flags |= match f {
                "no-writes" => script_flags::NO_WRITES,
                "allow-oom" => script_flags::ALLOW_OOM,
                "allow-stale" => script_flags::ALLOW_STALE,
                "no-cluster" => script_flags::NO_CLUSTER,
                "allow-cross-slot-keys" => script_flags::ALLOW_CROSS_SLOT,
                other => {
                    return Err(Error::err(format!(
                        "Unexpected flag in script shebang: {other}"
                    )))
                }
            };
        }
    }
    Ok((flags, end))
}

/// Compiles `body` into the cache unless it is there; returns its SHA1.
fn load(state: &mut State, body: &[u8]) -> Result<String> {
    let sha = sha1_hex(body);
    if !state.scripts.contains(sha.as_bytes()) {
        let (flags, skip) = shebang_flags(body)?;
        let func = state.compile(body, skip, crate::scripting::lua::SCRIPT_CHUNK)?;
        let func = state.pin(&func)?;
        state
            .scripts
            .insert(&sha, Script { func, flags }, body.len());
    }
    Ok(sha)
}

/// EVAL's numkeys (Redis `evalGenericCommand`).
pub(crate) fn numkeys(argv: &[&[u8]]) -> Result<usize> {
    let n = crate::util::parse_i64(argv[2]).ok_or_else(Error::not_integer)?;
    if n > (argv.len() - 3) as i64 {
        return Err(Error::err(
            "Number of keys can't be greater than number of args",
        ));
    }
    if n < 0 {
        return Err(Error::err("Number of keys can't be negative"));
    }
    Ok(n as usize)
}

/// Key positions of EVAL-like commands (`script numkeys key… arg…`).
pub(crate) fn eval_keys(argv: &[&[u8]]) -> Vec<usize> {
    let Some(n) = argv
        .get(2)
        .and_then(|a| crate::util::parse_i64(a))
        .filter(|&n| n > 0 && (n as usize) <= argv.len().saturating_sub(3))
    else {
        return Vec::new();
    };
    (3..3 + n as usize).collect()
}

/// The common body of the four EVAL commands.
fn eval_generic(ctx: &mut Ctx, argv: &[&[u8]], by_sha: bool, ro: bool) -> Result<Value> {
    let n = numkeys(argv)?;
    let mut state = take_state(ctx)?;
    // The script's name in error messages: its SHA1 (EVALSHA's argument as sent; the run
    // lowercases it when an error names it, as Redis copies it lowercased).
    let mut sha = [0u8; 40];
    let script = if by_sha {
        state.scripts.get(argv[1]).map(|s| (s.func, s.flags))
    } else {
        match load(&mut state, argv[1]) {
            Ok(hex) => {
                sha.copy_from_slice(hex.as_bytes());
                state.scripts.get(hex.as_bytes()).map(|s| (s.func, s.flags))
            }
            Err(e) => {
                put_state(ctx, state);
                return Err(e);
            }
        }
    };
    let Some((func, flags)) = script else {
        put_state(ctx, state);
        return Err(Error::new(
            ErrorKind::Other,
            "NOSCRIPT No matching script. Please use EVAL.",
        ));
    };
    let name: &[u8] = if by_sha { argv[1] } else { &sha };
    let reply = prepare_and_run(
        ctx,
        &mut state,
        func,
        flags,
        name,
        &argv[3..3 + n],
        &argv[3 + n..],
        ro,
        false,
    );
    put_state(ctx, state);
    match reply {
        Value::Error(e) => Err(Error::from_reply(e)),
        v => Ok(v),
    }
}

/// Redis's `scriptPrepareForRun` checks, then the run: for EVAL scripts (`function`
/// false, `name` the SHA1) and functions (FCALL, `name` the function's).
#[allow(clippy::too_many_arguments)]
pub(crate) fn prepare_and_run(
    ctx: &mut Ctx,
    state: &mut State,
    func: FnRef,
    flags: u32,
    name: &[u8],
    keys: &[&[u8]],
    args: &[&[u8]],
    ro_command: bool,
    function: bool,
) -> Value {
    let compat = flags & script_flags::EVAL_COMPAT_MODE != 0;
    let no_writes = flags & script_flags::NO_WRITES != 0;
    if !compat && flags & script_flags::NO_CLUSTER != 0 && ctx.store.config.cluster_enabled {
        return Value::Error("ERR Can not run script on cluster, 'no-cluster' flag is set.".into());
    }
    if !compat && !no_writes {
        if ctx.session.read_only {
            // Redis's processCommand refuses it first (the script's flags make the call a
            // write: `evalGetCommandFlags` / `fcallGetCommandFlags`), with its usual text.
            return Value::Error("READONLY You can't write against a read only replica.".into());
        }
        if let Some(e) = ctx.store.deny_writes() {
            return Value::Error(e.message().to_string());
        }
        if ro_command {
            return Value::Error(
                "ERR Can not execute a script with write flag using *_ro command.".into(),
            );
        }
        // A script declaring writes without `allow-oom` is a denyoom command (Redis's
        // `evalGetCommandFlags`): refused as a whole over maxmemory.
        if flags & script_flags::ALLOW_OOM == 0
            && ctx.store.config.maxmemory != 0
            && ctx.store.pre_command_oom()
        {
            return Value::Error(crate::engine::evict::oom_error().message().to_string());
        }
    }
    let read_only = ro_command || (!compat && no_writes);
    let now = ctx.now;
    let tracked = ctx.store.tracking_script_enter(keys);
    let reply = state.run(
        ctx.store,
        ctx.session,
        now,
        func,
        Call {
            name,
            keys,
            args,
            function,
            read_only,
            allow_oom: flags & script_flags::ALLOW_OOM != 0,
            started: ctx.started,
        },
    );
    ctx.store.tracking_script_leave(tracked);
    reply
}

/// # Format
/// `EVAL script numkeys [key [key ...]] [arg [arg ...]]`
fn eval(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    eval_generic(ctx, argv, false, false)
}

/// # Format
/// `EVALSHA sha1 numkeys [key [key ...]] [arg [arg ...]]`
fn evalsha(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    eval_generic(ctx, argv, true, false)
}

/// # Format
/// `EVAL_RO script numkeys [key [key ...]] [arg [arg ...]]`
fn eval_ro(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    eval_generic(ctx, argv, false, true)
}

/// # Format
/// `EVALSHA_RO sha1 numkeys [key [key ...]] [arg [arg ...]]`
fn evalsha_ro(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    eval_generic(ctx, argv, true, true)
}

// ---------------------------------------------------------------------------------------
// SCRIPT
// ---------------------------------------------------------------------------------------

/// # Format
/// `SCRIPT LOAD script`
fn script_load(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let mut state = take_state(ctx)?;
    let r = load(&mut state, argv[2]);
    put_state(ctx, state);
    r.map(Value::bulk)
}

/// # Format
/// `SCRIPT EXISTS sha1 [sha1 ...]`
fn script_exists(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let out = with_slot(ctx.store, |slot| {
        argv[2..]
            .iter()
            .map(|sha| {
                let known = slot.eval.as_ref().is_some_and(|s| s.scripts.contains(sha));
                Value::Int(known as i64)
            })
            .collect()
    });
    Ok(Value::Array(out))
}

/// # Format
/// `SCRIPT FLUSH [ASYNC|SYNC]`
fn script_flush(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let ok = match argv.len() {
        2 => true,
        3 => argv[2].eq_ignore_ascii_case(b"sync") || argv[2].eq_ignore_ascii_case(b"async"),
        _ => false,
    };
    if !ok {
        return Err(Error::err("SCRIPT FLUSH only support SYNC|ASYNC option"));
    }
    // Redis resets the whole Lua state (scriptingReset); math.random's generator is a
    // process-wide static there and carries on.
    if let Some(old) = with_slot(ctx.store, |s| s.eval.take()) {
        let fresh = old.reset()?;
        put_state(ctx, Box::new(fresh));
    }
    Ok(Value::ok())
}

/// # Format
/// `SCRIPT KILL`
fn script_kill(_ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    // A script runs under the store lock, so no other client's script is ever running
    // when this command runs.
    Err(Error::new(
        ErrorKind::Other,
        "NOTBUSY No scripts in execution right now.",
    ))
}

/// # Format
/// `SCRIPT DEBUG YES|SYNC|NO`
fn script_debug(_ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let mode = argv[2];
    if mode.eq_ignore_ascii_case(b"no") {
        Ok(Value::ok())
    } else if mode.eq_ignore_ascii_case(b"yes") || mode.eq_ignore_ascii_case(b"sync") {
        Err(Error::err(
            "SCRIPT DEBUG is not supported: emu has no Lua debugger",
        ))
    } else {
        Err(Error::err("Use SCRIPT DEBUG YES/SYNC/NO"))
    }
}

/// # Format
/// `SCRIPT HELP`
fn script_help(_ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    // SCRIPT's own help text ends with "Prints this help." (not the shared "Print").
    let lines = [
        "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DEBUG (YES|SYNC|NO)",
        "    Set the debug mode for subsequent scripts executed.",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        "HELP",
        "    Prints this help.",
    ];
    Ok(Value::Array(
        lines
            .iter()
            .map(|l| Value::Simple((*l).to_string()))
            .collect(),
    ))
}

const SCRIPT_SUBS: &[Sub] = &[
    Sub {
        name: "load",
        arity: 3,
        handler: script_load,
    },
    Sub {
        name: "exists",
        arity: -3,
        handler: script_exists,
    },
    Sub {
        name: "flush",
        arity: -2,
        handler: script_flush,
    },
    Sub {
        name: "kill",
        arity: 2,
        handler: script_kill,
    },
    Sub {
        name: "debug",
        arity: 3,
        handler: script_debug,
    },
    Sub {
        name: "help",
        arity: 2,
        handler: script_help,
    },
];

/// # Format
/// `SCRIPT <subcommand> [args]`
fn script(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    dispatch_sub("script", SCRIPT_SUBS, ctx, argv)
}

/// The scripting commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "eval",
        -3,
        NOSCRIPT | STALE | SKIP_MONITOR,
        (0, 0, 0),
        "scripting",
        eval,
    )
    .with_keys(eval_keys),
    CommandSpec::new(
        "evalsha",
        -3,
        NOSCRIPT | STALE | SKIP_MONITOR,
        (0, 0, 0),
        "scripting",
        evalsha,
    )
    .with_keys(eval_keys),
    CommandSpec::new(
        "eval_ro",
        -3,
        READONLY | NOSCRIPT | STALE | SKIP_MONITOR,
        (0, 0, 0),
        "scripting",
        eval_ro,
    )
    .with_keys(eval_keys),
    CommandSpec::new(
        "evalsha_ro",
        -3,
        READONLY | NOSCRIPT | STALE | SKIP_MONITOR,
        (0, 0, 0),
        "scripting",
        evalsha_ro,
    )
    .with_keys(eval_keys),
    CommandSpec::new("script", -2, NOSCRIPT, (0, 0, 0), "scripting", script),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebangs() {
        assert_eq!(
            shebang_flags(b"return 1").ok(),
            Some((script_flags::EVAL_COMPAT_MODE, 0))
        );
        assert_eq!(
            shebang_flags(b"#!lua flags=no-writes,allow-oom\nreturn 1").ok(),
            Some((script_flags::NO_WRITES | script_flags::ALLOW_OOM, 31))
        );
        assert_eq!(shebang_flags(b"#!lua\nx").ok(), Some((0, 5)));
        let e = shebang_flags(b"#!lua flags=bad\n")
            .err()
            .map(|e| e.message().to_string());
        assert_eq!(
            e.as_deref(),
            Some("ERR Unexpected flag in script shebang: bad")
        );
        let e = shebang_flags(b"#!lua")
            .err()
            .map(|e| e.message().to_string());
        assert_eq!(e.as_deref(), Some("ERR Invalid script shebang"));
    }
}
