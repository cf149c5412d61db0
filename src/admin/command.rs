//! COMMAND and its subcommands (COUNT, LIST, INFO, DOCS, GETKEYS, GETKEYSANDFLAGS, HELP),
//! answered from the one command table.

use super::command_meta as meta;
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

/// COMMAND INFO's entry for one command: Redis 7.0's published entry
/// ([`super::command_meta`]) when Redis has the command, else one built from emu's table
/// (Redis 7 layout: name, arity, flags, first key, last key, step, ACL categories, tips, key
/// specs, subcommands).
pub fn command_info(spec: &CommandSpec) -> Value {
    if let Some(m) = meta::lookup(spec.name.as_bytes()) {
        return m.info.clone();
    }
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
    if let Some(m) = meta::lookup(spec.name.as_bytes()) {
        return m.docs.clone();
    }
    Value::Map(vec![
        (
            Value::bulk("summary"),
            Value::bulk(spec.name.to_ascii_uppercase()),
        ),
        (Value::bulk("since"), Value::bulk("1.0.0")),
        (Value::bulk("group"), Value::bulk(spec.group)),
    ])
}

/// Redis `lookupCommandBySds` over emu's commands: `name` or `container|sub`, where the
/// container is a command emu has; the description comes from the metadata.
fn lookup_full(t: &Table, name: &[u8]) -> Option<Found> {
    let mut parts = name.splitn(2, |&b| b == b'|');
    let base = parts.next()?;
    let spec = t.get(base)?;
    match parts.next() {
        None => Some(Found::Command(spec)),
        Some(sub) => {
            if sub.contains(&b'|') {
                return None;
            }
            let m = meta::lookup(name)?;
            // Only a subcommand of this container (not a nested or foreign name).
            meta::lookup(base)?
                .subcommands
                .iter()
                .any(|s| s == &m.name)
                .then_some(Found::Sub(m))
        }
    }
}

enum Found {
    Command(&'static CommandSpec),
    Sub(&'static meta::Meta),
}

impl Found {
    fn info(&self) -> Value {
        match self {
            Found::Command(s) => command_info(s),
            Found::Sub(m) => m.info.clone(),
        }
    }

    fn docs(&self) -> (Value, Value) {
        match self {
            Found::Command(s) => (Value::bulk(s.name), docs_entry(s)),
            Found::Sub(m) => (Value::bulk(&m.name), m.docs.clone()),
        }
    }
}

/// Full names of every command and subcommand (COMMAND LIST), with their ACL categories.
fn full_names(t: &Table) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for s in t.all() {
        match meta::lookup(s.name.as_bytes()) {
            Some(m) => {
                out.push((s.name.to_string(), m.acl_categories()));
                for sub in &m.subcommands {
                    if let Some(sm) = meta::lookup(sub.as_bytes()) {
                        out.push((sub.clone(), sm.acl_categories()));
                    }
                }
            }
            None => {
                let cats = match acl_categories(s) {
                    Value::Set(v) => v
                        .into_iter()
                        .filter_map(|c| match c {
                            Value::Simple(c) => Some(c),
                            _ => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                out.push((s.name.to_string(), cats));
            }
        }
    }
    out
}

fn cmd_count(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(Value::Int(ctx.table().all().len() as i64))
}

fn cmd_list(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let all = full_names(ctx.table());
    match argv.len() {
        2 => Ok(Value::bulks(all.iter().map(|s| &s.0))),
        5 if eq_ic(argv[2], "filterby") => {
            let (what, arg) = (argv[3], argv[4]);
            let names: Vec<&String> = if eq_ic(what, "pattern") {
                all.iter()
                    .filter(|s| matches_nocase(arg, s.0.as_bytes()))
                    .map(|s| &s.0)
                    .collect()
            } else if eq_ic(what, "aclcat") {
                let cat = format!("@{}", String::from_utf8_lossy(arg).to_ascii_lowercase());
                all.iter()
                    .filter(|s| s.1.contains(&cat))
                    .map(|s| &s.0)
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
            .map(|n| lookup_full(t, n).map_or(Value::Nil, |f| f.info()))
            .collect(),
    ))
}

fn cmd_docs(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let t = ctx.table();
    let found: Vec<Found> = if argv.len() == 2 {
        t.all().iter().map(|s| Found::Command(s)).collect()
    } else {
        argv[2..].iter().filter_map(|n| lookup_full(t, n)).collect()
    };
    Ok(Value::Map(found.iter().map(Found::docs).collect()))
}

/// Key flags in COMMAND GETKEYSANDFLAGS order.
type KeyFlags = Vec<String>;

fn flags_of(names: &[&str]) -> KeyFlags {
    names.iter().map(|s| s.to_string()).collect()
}

/// The key callbacks Redis prefers to key specs whose flags vary (`variable_flags`) or that
/// are incomplete or of an unknown kind: SET (`setGetKeys`), BITFIELD (`bitfieldGetKeys`),
/// MIGRATE (`migrateGetKeys`), SORT (`sortGetKeys`).
fn keys_by_callback(name: &str, args: &[&[u8]]) -> Option<Vec<(usize, KeyFlags)>> {
    match name {
        "sort_ro" => Some(vec![(1, flags_of(&["RO", "access"]))]),
        "sort" => {
            let mut keys = vec![(1, flags_of(&["RO", "access"]))];
            let mut store = None;
            let mut i = 2;
            while i < args.len() {
                let a = args[i];
                if eq_ic(a, "limit") {
                    i += 2;
                } else if eq_ic(a, "store") {
                    if i + 1 < args.len() {
                        store = Some(i + 1);
                    }
                } else if eq_ic(a, "get") || eq_ic(a, "by") {
                    i += 1;
                }
                i += 1;
            }
            if let Some(p) = store {
                keys.push((p, flags_of(&["OW", "update"])));
            }
            Some(keys)
        }
        "set" => {
            let get = args.iter().skip(3).any(|a| eq_ic(a, "get"));
            let f = if get {
                flags_of(&["RW", "access", "update"])
            } else {
                flags_of(&["OW", "update"])
            };
            Some(vec![(1, f)])
        }
        "bitfield" => {
            let mut readonly = true;
            let mut i = 2;
            while i < args.len() {
                let rem = args.len() - i - 1;
                let a = args[i];
                if eq_ic(a, "get") && rem >= 2 {
                    i += 2;
                } else if (eq_ic(a, "set") || eq_ic(a, "incrby")) && rem >= 3 {
                    readonly = false;
                    break;
                } else if eq_ic(a, "overflow") && rem >= 1 {
                    i += 1;
                } else {
                    readonly = false;
                    break;
                }
                i += 1;
            }
            let f = if readonly {
                flags_of(&["RO", "access"])
            } else {
                flags_of(&["RW", "access", "update"])
            };
            Some(vec![(1, f)])
        }
        "migrate" => {
            let (mut first, mut num) = (3usize, 1usize);
            if args.len() > 6 {
                let mut i = 6;
                while i < args.len() {
                    let a = args[i];
                    if eq_ic(a, "keys") {
                        if !args[3].is_empty() {
                            return Some(Vec::new());
                        }
                        first = i + 1;
                        num = args.len() - first;
                        break;
                    }
                    if eq_ic(a, "auth") {
                        i += 1;
                    } else if eq_ic(a, "auth2") {
                        i += 2;
                    }
                    i += 1;
                }
            }
            let f = flags_of(&["RW", "access", "delete"]);
            Some((first..first + num).map(|p| (p, f.clone())).collect())
        }
        _ => None,
    }
}

/// Redis `getKeysSubcommandImpl`: the keys of the command in `argv[2..]` with their flags.
fn keys_checked(t: &Table, argv: &[&[u8]]) -> Result<Vec<(usize, KeyFlags)>> {
    let args = &argv[2..];
    let invalid = || Error::err("Invalid command specified");
    let spec = t.get(args[0]).ok_or_else(invalid)?;
    let base = meta::lookup(spec.name.as_bytes());
    let m = match base {
        Some(b) if !b.subcommands.is_empty() && args.len() >= 2 => {
            let mut full = format!("{}|", spec.name).into_bytes();
            full.extend_from_slice(&args[1].to_ascii_lowercase());
            Some(lookup_full(t, &full).and_then(|f| match f {
                Found::Sub(m) => Some(m),
                Found::Command(_) => None,
            }))
            .flatten()
            .ok_or_else(invalid)?
        }
        Some(b) => b,
        None => return keys_from_table(spec, args),
    };
    let callback = keys_by_callback(&m.name, &[]).is_some();
    if !m.has_keys() && !callback {
        return Err(Error::err("The command has no key arguments"));
    }
    let arity = m.arity();
    let argc = args.len() as i64;
    if (arity > 0 && arity != argc) || argc < -arity {
        return Err(Error::err(
            "Invalid number of arguments specified for command",
        ));
    }
    let varflags = m.key_specs.iter().any(|s| s.has("variable_flags"));
    let mut keys = None;
    if m.has_keys() && !varflags {
        keys = m.keys_by_specs(args).map(|v| {
            v.into_iter()
                .map(|(p, f)| (p, f.to_vec()))
                .collect::<Vec<_>>()
        });
    }
    if keys.is_none() {
        keys = keys_by_callback(&m.name, args);
    }
    match keys {
        Some(k) if !k.is_empty() => Ok(k),
        _ if m.has_flag("no_mandatory_keys") => Ok(Vec::new()),
        _ => Err(Error::err("Invalid arguments specified for command")),
    }
}

/// GETKEYS for a command Redis 7.0 does not have: emu's own key positions.
fn keys_from_table(spec: &CommandSpec, args: &[&[u8]]) -> Result<Vec<(usize, KeyFlags)>> {
    if !spec.arity_ok(args.len()) {
        return Err(Error::err(
            "Invalid number of arguments specified for command",
        ));
    }
    let pos = spec.key_positions(args);
    if pos.is_empty() {
        return Err(Error::err("The command has no key arguments"));
    }
    let f = if spec.has(flags::WRITE) {
        flags_of(&["RW", "update"])
    } else {
        flags_of(&["RO", "access"])
    };
    Ok(pos.into_iter().map(|p| (p, f.clone())).collect())
}

fn cmd_getkeys(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let keys = keys_checked(ctx.table(), argv)?;
    let args = &argv[2..];
    Ok(Value::bulks(
        keys.into_iter().filter_map(|(i, _)| args.get(i)),
    ))
}

fn cmd_getkeysandflags(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let keys = keys_checked(ctx.table(), argv)?;
    let args = &argv[2..];
    Ok(Value::Array(
        keys.into_iter()
            .filter_map(|(i, f)| args.get(i).map(|k| (k, f)))
            .map(|(k, f)| {
                Value::Array(vec![
                    Value::bulk(k),
                    Value::Set(f.into_iter().map(Value::Simple).collect()),
                ])
            })
            .collect(),
    ))
}

fn cmd_help(_ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(help_reply(
        "command",
        &[
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys and the access flags from a full Redis command.",
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
