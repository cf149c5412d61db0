//! COMMAND and its subcommands (COUNT, LIST, INFO, DOCS, GETKEYS, GETKEYSANDFLAGS, HELP),
//! answered from the one command table.

use super::{dispatch_sub, help_reply, Sub};
use crate::engine::{flags, flags::NAMES, CommandSpec, Ctx, Table};
use crate::error::{Error, Result};
use crate::util::eq_ic;
use crate::util::glob::matches_nocase;
use crate::value::Value;

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

/// The command's ACL categories, from the one source ACL uses ([`crate::acl::categories_of`]).
fn acl_categories(spec: &CommandSpec) -> Value {
    let cats = crate::acl::category_names(crate::acl::categories_of(spec));
    Value::Set(
        cats.into_iter()
            .map(|c| Value::Simple(format!("@{c}")))
            .collect(),
    )
}

/// COMMAND INFO's entry for one command (Redis 7 layout: name, arity, flags, first key,
/// last key, step, ACL categories, tips, key specs, subcommands).
pub fn command_info(spec: &CommandSpec) -> Value {
    Value::Array(vec![
        Value::bulk(spec.name),
        Value::Int(spec.arity as i64),
        flag_names(spec),
        Value::Int(spec.first_key as i64),
        Value::Int(spec.last_key as i64),
        Value::Int(spec.step as i64),
        acl_categories(spec),
        Value::Set(vec![]),
        Value::Array(vec![]),
        Value::Array(vec![]),
    ])
}

fn all_info(t: &Table) -> Value {
    Value::Array(t.all().iter().map(|s| command_info(s)).collect())
}

fn docs_entry(spec: &CommandSpec) -> Value {
    Value::Map(vec![
        (
            Value::bulk("summary"),
            Value::bulk(spec.name.to_ascii_uppercase()),
        ),
        (Value::bulk("since"), Value::bulk("1.0.0")),
        (Value::bulk("group"), Value::bulk(spec.group)),
    ])
}

fn cmd_count(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(Value::Int(ctx.table().all().len() as i64))
}

fn cmd_list(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let all = ctx.table().all();
    match argv.len() {
        2 => Ok(Value::bulks(all.iter().map(|s| s.name))),
        5 if eq_ic(argv[2], "filterby") => {
            let (what, arg) = (argv[3], argv[4]);
            let names: Vec<&str> = if eq_ic(what, "pattern") {
                all.iter()
                    .filter(|s| matches_nocase(arg, s.name.as_bytes()))
                    .map(|s| s.name)
                    .collect()
            } else if eq_ic(what, "aclcat") {
                let cat = format!("@{}", String::from_utf8_lossy(arg).to_ascii_lowercase());
                all.iter()
                    .filter(|s| match acl_categories(s) {
                        Value::Set(v) => v.contains(&Value::Simple(cat.clone())),
                        _ => false,
                    })
                    .map(|s| s.name)
                    .collect()
            } else if eq_ic(what, "module") {
                Vec::new()
            } else {
                return Err(Error::syntax());
            };
            Ok(Value::bulks(names))
        }
        _ => Err(Error::syntax()),
    }
}

fn cmd_info(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let t = ctx.table();
    if argv.len() == 2 {
        return Ok(all_info(t));
    }
    Ok(Value::Array(
        argv[2..]
            .iter()
            .map(|n| t.get(n).map(command_info).unwrap_or(Value::Nil))
            .collect(),
    ))
}

fn cmd_docs(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let t = ctx.table();
    let specs: Vec<&CommandSpec> = if argv.len() == 2 {
        t.all().to_vec()
    } else {
        argv[2..].iter().filter_map(|n| t.get(n)).collect()
    };
    Ok(Value::Map(
        specs
            .into_iter()
            .map(|s| (Value::bulk(s.name), docs_entry(s)))
            .collect(),
    ))
}

fn key_positions_checked(t: &Table, argv: &[&[u8]]) -> Result<(Vec<usize>, &'static CommandSpec)> {
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
    Ok((pos, spec))
}

fn cmd_getkeys(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let (pos, _) = key_positions_checked(ctx.table(), argv)?;
    let args = &argv[2..];
    Ok(Value::bulks(pos.into_iter().filter_map(|i| args.get(i))))
}

fn cmd_getkeysandflags(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let (pos, spec) = key_positions_checked(ctx.table(), argv)?;
    let args = &argv[2..];
    let kflags: Vec<Value> = if spec.has(flags::WRITE) {
        vec![Value::Simple("RW".into()), Value::Simple("update".into())]
    } else {
        vec![Value::Simple("RO".into()), Value::Simple("access".into())]
    };
    Ok(Value::Array(
        pos.into_iter()
            .filter_map(|i| args.get(i))
            .map(|k| Value::Array(vec![Value::bulk(k), Value::Set(kflags.clone())]))
            .collect(),
    ))
}

fn cmd_help(_ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(help_reply(
        "command",
        &[
            "(no subcommand)",
            "    Return details about all commands.",
            "COUNT",
            "    Return the total number of commands in this server.",
            "LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
            "    Return a list of all commands in this server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple commands.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple commands.",
            "GETKEYS <full-command>",
            "    Return the keys from a full command.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys and the access flags from a full command.",
        ],
    ))
}

const SUBS: &[Sub] = &[
    Sub {
        name: "count",
        arity: 2,
        handler: cmd_count,
    },
    Sub {
        name: "list",
        arity: -2,
        handler: cmd_list,
    },
    Sub {
        name: "info",
        arity: -2,
        handler: cmd_info,
    },
    Sub {
        name: "docs",
        arity: -2,
        handler: cmd_docs,
    },
    Sub {
        name: "getkeys",
        arity: -4,
        handler: cmd_getkeys,
    },
    Sub {
        name: "getkeysandflags",
        arity: -4,
        handler: cmd_getkeysandflags,
    },
    Sub {
        name: "help",
        arity: 2,
        handler: cmd_help,
    },
];

/// # Format
/// `COMMAND [COUNT | LIST [FILTERBY …] | INFO name… | DOCS name… | GETKEYS cmd args… |
/// GETKEYSANDFLAGS cmd args… | HELP]`
pub fn command(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    if argv.len() == 1 {
        return Ok(all_info(ctx.table()));
    }
    dispatch_sub("command", SUBS, ctx, argv)
}
