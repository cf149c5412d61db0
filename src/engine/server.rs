//! Connection and server commands that need no network: PING, ECHO, TIME, COMMAND.

use crate::engine::{flags::*, table, CommandSpec, Ctx};
use crate::error::{Error, Result};
use crate::util::eq_ic;
use crate::value::Value;

/// # Format
/// `PING [message]`
fn ping(_ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    match argv.len() {
        1 => Ok(Value::Simple("PONG".into())),
        2 => Ok(Value::bulk(argv[1])),
        _ => Err(Error::arity("ping")),
    }
}

/// # Format
/// `ECHO message`
fn echo(_ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    Ok(Value::bulk(argv[1]))
}

/// # Format
/// `TIME`
fn time(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    let us = ctx.store.clock.now_us();
    Ok(Value::Array(vec![
        Value::bulk((us / 1_000_000).to_string()),
        Value::bulk((us % 1_000_000).to_string()),
    ]))
}

fn flag_names(spec: &CommandSpec) -> Value {
    let mut out: Vec<Value> = NAMES
        .iter()
        .filter(|(f, _)| spec.has(*f))
        .map(|(_, n)| Value::Simple(n.to_string()))
        .collect();
    if spec.keys.is_some() {
        out.push(Value::Simple("movablekeys".into()));
    }
    Value::Set(out)
}

/// COMMAND INFO's reply for one command (Redis 7 layout: name, arity, flags, first key,
/// last key, step, ACL categories, tips, key specs, subcommands).
fn command_info(spec: &CommandSpec) -> Value {
    Value::Array(vec![
        Value::bulk(spec.name),
        Value::Int(spec.arity as i64),
        flag_names(spec),
        Value::Int(spec.first_key as i64),
        Value::Int(spec.last_key as i64),
        Value::Int(spec.step as i64),
        Value::Set(vec![Value::Simple(format!("@{}", spec.group))]),
        Value::Set(vec![]),
        Value::Array(vec![]),
        Value::Array(vec![]),
    ])
}

/// # Format
/// `COMMAND [COUNT | LIST | INFO name… | DOCS name… | GETKEYS cmd args…]`
fn command(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let t = table();
    if argv.len() == 1 {
        return Ok(Value::Array(
            t.all().iter().map(|s| command_info(s)).collect(),
        ));
    }
    let sub = argv[1];
    if eq_ic(sub, "count") && argv.len() == 2 {
        Ok(Value::Int(t.all().len() as i64))
    } else if eq_ic(sub, "list") && argv.len() == 2 {
        Ok(Value::bulks(t.all().iter().map(|s| s.name)))
    } else if eq_ic(sub, "info") {
        if argv.len() == 2 {
            return Ok(Value::Array(
                t.all().iter().map(|s| command_info(s)).collect(),
            ));
        }
        Ok(Value::Array(
            argv[2..]
                .iter()
                .map(|n| t.get(n).map(command_info).unwrap_or(Value::NilArray))
                .collect(),
        ))
    } else if eq_ic(sub, "docs") {
        let specs: Vec<&CommandSpec> = if argv.len() == 2 {
            t.all().to_vec()
        } else {
            argv[2..].iter().filter_map(|n| t.get(n)).collect()
        };
        Ok(Value::Map(
            specs
                .into_iter()
                .map(|s| {
                    (
                        Value::bulk(s.name),
                        Value::Map(vec![
                            (Value::bulk("summary"), Value::bulk(s.name)),
                            (Value::bulk("group"), Value::bulk(s.group)),
                        ]),
                    )
                })
                .collect(),
        ))
    } else if eq_ic(sub, "getkeys") && argv.len() >= 3 {
        let args = &argv[2..];
        let spec = t
            .get(args[0])
            .ok_or_else(|| Error::err("Invalid command specified"))?;
        if !spec.arity_ok(args.len()) {
            return Err(Error::err(
                "Invalid number of arguments specified for command",
            ));
        }
        let pos = spec.key_positions(args);
        if pos.is_empty() {
            return Err(Error::err("The command has no key arguments"));
        }
        let _ = ctx;
        Ok(Value::bulks(pos.into_iter().map(|i| args[i])))
    } else {
        Err(Error::new(
            crate::error::ErrorKind::UnknownCommand,
            format!(
                "ERR unknown subcommand or wrong number of arguments for '{}'. Try COMMAND HELP.",
                String::from_utf8_lossy(sub)
            ),
        ))
    }
}

/// Server commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("ping", -1, FAST | STALE, (0, 0, 0), "connection", ping),
    CommandSpec::new("echo", 2, FAST | STALE, (0, 0, 0), "connection", echo),
    CommandSpec::new(
        "time",
        1,
        FAST | LOADING | STALE | RANDOM,
        (0, 0, 0),
        "server",
        time,
    ),
    CommandSpec::new("command", -1, LOADING | STALE, (0, 0, 0), "server", command),
];
