//! MODULE (Redis 7.0 `module.c`): emu loads no Redis modules (they are shared objects built
//! against Redis's internals), so LIST is always empty and LOAD / LOADEX / UNLOAD fail the
//! way a Redis whose load fails does. LOAD, LOADEX and UNLOAD are protected by
//! `enable-module-command` (checked in the dispatcher, before authentication, as DEBUG is).

use crate::engine::spec::{dispatch_sub, help_reply, Sub};
use crate::engine::Ctx;
use crate::error::{Error, Result};
use crate::util::eq_ic;
use crate::value::Value;

/// Redis 7.0's refusal of MODULE LOAD/LOADEX/UNLOAD when `enable-module-command` does not
/// allow the client.
pub const NOT_ALLOWED: &str = "MODULE command not allowed. If the enable-module-command \
     option is set to \"local\", you can run it from a local connection, otherwise you need \
     to set this option in the configuration file, and then restart the server.";

/// True for a MODULE call the `enable-module-command` setting guards: LOAD, LOADEX or
/// UNLOAD with an acceptable argument count (a wrong count is an arity error first).
pub fn is_protected(argv: &[&[u8]]) -> bool {
    match argv.get(1) {
        Some(s) if eq_ic(s, "load") || eq_ic(s, "loadex") => argv.len() >= 3,
        Some(s) if eq_ic(s, "unload") => argv.len() == 3,
        _ => false,
    }
}

fn list(_ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(Value::Array(Vec::new()))
}

fn load(_ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Err(Error::err(
        "Error loading the extension. Please check the server logs.",
    ))
}

fn unload(_ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Err(Error::err(
        "Error unloading module: no such module with that name",
    ))
}

fn help(_ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(help_reply(
        "module",
        &[
            "LIST",
            "    Return a list of loaded modules.",
            "LOAD <path> [<arg> ...]",
            "    Load a module library from <path>, passing to it any optional arguments.",
            "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
            "    Load a module library from <path>, while passing it module configurations and optional arguments.",
            "UNLOAD <name>",
            "    Unload a module.",
        ],
    ))
}

const SUBS: &[Sub] = &[
    Sub {
        name: "list",
        arity: 2,
        handler: list,
    },
    Sub {
        name: "load",
        arity: -3,
        handler: load,
    },
    Sub {
        name: "loadex",
        arity: -3,
        handler: load,
    },
    Sub {
        name: "unload",
        arity: 3,
        handler: unload,
    },
    Sub {
        name: "help",
        arity: 2,
        handler: help,
    },
];

/// # Format
/// `MODULE LIST | LOAD path [arg ...] | LOADEX path [CONFIG name value ...] [ARGS arg ...] |
/// UNLOAD name | HELP`
pub fn module(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    dispatch_sub("module", SUBS, ctx, argv)
}
