//! ACL and its subcommands (Redis `aclCommand`), and the spec slice.

use super::user::{has_spaces, merge_selector_args, uflag, Selector, User};
use super::{index, Reason, DEFAULT};
use crate::engine::spec::{dispatch_sub, help_reply, Sub};
use crate::engine::{flags::*, CommandSpec, Ctx};
use crate::error::{Error, Result};
use crate::util::parse_i64;
use crate::value::Value;

fn lossy(b: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(b)
}

/// # Format
/// `ACL SETUSER username [rule [rule ...]]` — every rule is tried on a copy first: one bad
/// rule changes nothing.
fn setuser(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let name = argv[2];
    if has_spaces(name) {
        return Err(Error::err(
            "Usernames can't contain spaces or null characters",
        ));
    }
    let ops = merge_selector_args(&argv[3..]).map_err(|i| {
        Error::err(format!(
            "Unmatched parenthesis in acl selector starting at '{}'.",
            lossy(argv[3 + i])
        ))
    })?;
    let ix = index(ctx.store.table());
    let existing = ctx.store.acl.get(name).cloned();
    let all = super::pubsub_all(&ctx.store.config);
    let mut u = existing.clone().unwrap_or_else(|| User::new(name, 0, all));
    for op in &ops {
        u.apply(ix, op, all).map_err(|e| {
            Error::err(format!(
                "Error in ACL SETUSER modifier '{}': {}",
                lossy(op),
                e.message()
            ))
        })?;
    }
    if let Some(old) = &existing {
        kill_pubsub_if_needed(ctx, old, &u);
    }
    ctx.store.acl.put(u, existing.is_some());
    Ok(Value::ok())
}

/// Redis `ACLKillPubsubClientsIfNeeded`: when the user's channel patterns no longer
/// include all the old ones, its subscribed connections holding a subscription the new
/// patterns do not allow are closed (patterns compared literally, channels by glob). As in
/// Redis 7.0, a selector that had `allchannels` contributes no old patterns.
fn kill_pubsub_if_needed(ctx: &mut Ctx, old: &User, new: &User) {
    if new.selectors.iter().any(|s| s.allchannels) {
        return;
    }
    let upcoming: Vec<Vec<u8>> = new
        .selectors
        .iter()
        .flat_map(|s| s.channels.iter().cloned())
        .collect();
    // An old selector with all channels is never kept by a new set without them (Redis
    // 7.0.15's ACLKillPubsubClientsIfNeeded).
    let kept = old
        .selectors
        .iter()
        .all(|s| !s.allchannels && s.channels.iter().all(|c| upcoming.contains(c)));
    if kept {
        return;
    }
    let allowed = |ch: &[u8]| upcoming.iter().any(|p| crate::util::glob::matches(p, ch));
    let pubsub = &ctx.store.pubsub;
    let revoked = |id: u64| {
        let [channels, patterns, shard] = pubsub.subscriptions_of(id);
        patterns.iter().any(|p| !upcoming.contains(p))
            || channels.iter().chain(&shard).any(|c| !allowed(c))
    };
    (ctx.store.services().kill_user)(ctx.session, &old.name, &revoked);
}

/// # Format
/// `ACL DELUSER username [username ...]` — the connections authenticated as a deleted user
/// are closed.
fn deluser(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    if argv[2..].contains(&DEFAULT) {
        return Err(Error::err("The 'default' user cannot be removed"));
    }
    let mut deleted = 0;
    for name in &argv[2..] {
        if ctx.store.acl.remove(name) {
            deleted += 1;
            (ctx.store.services().kill_user)(ctx.session, name, &|_| true);
        }
    }
    Ok(Value::Int(deleted))
}

fn selector_fields(ix: &super::Index, s: &Selector) -> Vec<(Value, Value)> {
    vec![
        (
            Value::bulk("commands"),
            Value::bulk(s.describe_commands(ix)),
        ),
        (Value::bulk("keys"), Value::bulk(s.describe_keys())),
        (Value::bulk("channels"), Value::bulk(s.describe_channels())),
    ]
}

/// # Format
/// `ACL GETUSER username`
fn getuser(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let ix = index(ctx.store.table());
    let Some(u) = ctx.store.acl.get(argv[2]) else {
        return Ok(Value::Nil);
    };
    let flags: Vec<Value> = uflag::NAMES
        .iter()
        .filter(|(b, _)| u.flags & b != 0)
        .map(|(_, n)| Value::bulk(n))
        .collect();
    let mut out = vec![
        (Value::bulk("flags"), Value::Set(flags)),
        (
            Value::bulk("passwords"),
            Value::Array(u.passwords.iter().map(Value::bulk).collect()),
        ),
    ];
    out.extend(selector_fields(ix, &u.selectors[0]));
    out.push((
        Value::bulk("selectors"),
        Value::Array(
            u.selectors[1..]
                .iter()
                .map(|s| Value::Map(selector_fields(ix, s)))
                .collect(),
        ),
    ));
    Ok(Value::Map(out))
}

/// `user <name> <description>` (ACL LIST and the ACL file).
pub fn user_line(ix: &super::Index, u: &User) -> String {
    format!("user {} {}", lossy(&u.name), u.describe(ix))
}

/// # Format
/// `ACL LIST`
fn list(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    let ix = index(ctx.store.table());
    Ok(Value::Array(
        ctx.store
            .acl
            .users()
            .map(|u| Value::bulk(user_line(ix, u)))
            .collect(),
    ))
}

/// # Format
/// `ACL USERS`
fn users(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(Value::Array(
        ctx.store
            .acl
            .users()
            .map(|u| Value::bulk(&u.name))
            .collect(),
    ))
}

/// # Format
/// `ACL WHOAMI`
fn whoami(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(Value::bulk(super::username(ctx.session)))
}

/// # Format
/// `ACL CAT [category]`
fn cat(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    if argv.len() == 2 {
        return Ok(Value::bulks(index::cat::NAMES.iter().map(|(n, _)| *n)));
    }
    let flag = index::cat::by_name(argv[2]);
    if flag == 0 {
        let shown: String = lossy(argv[2]).chars().take(128).collect();
        return Err(Error::err(format!("Unknown category '{shown}'")));
    }
    let ix = index(ctx.store.table());
    let mut names = Vec::new();
    for &id in &ix.top {
        for c in std::iter::once(id).chain(ix.cmds[id].subs.iter().copied()) {
            if ix.cmds[c].cats & flag != 0 {
                names.push(ix.cmds[c].fullname.clone());
            }
        }
    }
    Ok(Value::bulks(names))
}

/// Redis's `GENPASS_MAX_BITS`.
const GENPASS_MAX_BITS: i64 = 4096;

/// Unpredictable bytes for GENPASS: the OS's randomness (Redis reads /dev/urandom too),
/// never the store's seeded RNG, whose output a seed reproduces. Without /dev/urandom the
/// process's randomly keyed hasher is mixed with the store's RNG.
fn random_words(ctx: &mut Ctx, n: usize) -> Vec<u64> {
    use std::io::Read;
    let mut buf = vec![0u8; n * 8];
    let from_os = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .is_ok();
    if from_os {
        return buf
            .chunks(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
            .collect();
    }
    use std::hash::{BuildHasher, Hasher};
    let keyed = std::collections::hash_map::RandomState::new();
    (0..n)
        .map(|i| {
            let mut h = keyed.build_hasher();
            h.write_u64(ctx.store.rng.next_u64() ^ i as u64);
            h.finish()
        })
        .collect()
}

/// # Format
/// `ACL GENPASS [bits]` — random hex digits.
fn genpass(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let bits = match argv.get(2) {
        None => 256,
        Some(a) => parse_i64(a).ok_or_else(Error::not_integer)?,
    };
    if bits <= 0 || bits > GENPASS_MAX_BITS {
        return Err(Error::err(format!(
            "ACL GENPASS argument must be the number of bits for the output password, a positive number up to {GENPASS_MAX_BITS}"
        )));
    }
    let chars = ((bits + 3) / 4) as usize;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = Vec::with_capacity(chars);
    for mut r in random_words(ctx, chars.div_ceil(16)) {
        for _ in 0..16 {
            if out.len() == chars {
                break;
            }
            out.push(HEX[(r & 15) as usize]);
            r >>= 4;
        }
    }
    Ok(Value::Bulk(out))
}

/// # Format
/// `ACL LOG [count | RESET]`
fn log(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let mut count: i64 = 10;
    if let Some(a) = argv.get(2) {
        if a.eq_ignore_ascii_case(b"reset") {
            ctx.store.acl.log.clear();
            return Ok(Value::ok());
        }
        count = parse_i64(a).ok_or_else(Error::not_integer)?.max(0);
    }
    let now = ctx.now;
    let entries = ctx
        .store
        .acl
        .log
        .iter()
        .take(count as usize)
        .map(|e| {
            Value::Map(vec![
                (Value::bulk("count"), Value::Int(e.count as i64)),
                (Value::bulk("reason"), Value::bulk(e.reason.name())),
                (Value::bulk("context"), Value::bulk(e.context.name())),
                (Value::bulk("object"), Value::bulk(&e.object)),
                (Value::bulk("username"), Value::bulk(&e.username)),
                (
                    Value::bulk("age-seconds"),
                    Value::Double(now.saturating_sub(e.ctime) as f64 / 1000.0),
                ),
                (Value::bulk("client-info"), Value::bulk(&e.cinfo)),
            ])
        })
        .collect();
    Ok(Value::Array(entries))
}

/// # Format
/// `ACL DRYRUN username command [arg ...]`
fn dryrun(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let ix = index(ctx.store.table());
    let Some(u) = ctx.store.acl.get(argv[2]) else {
        return Err(Error::err(format!("User '{}' not found", lossy(argv[2]))));
    };
    let call = &argv[3..];
    let spec = ctx.store.table().get(call[0]);
    let known_sub = spec.is_some_and(|s| ix.id_of_call(s, call).is_some() || call.len() < 2);
    let Some(spec) = spec.filter(|_| known_sub) else {
        return Err(Error::err(format!(
            "Command '{}' not found",
            lossy(call[0])
        )));
    };
    if !spec.arity_ok(call.len()) {
        let id = ix.id_of_call(spec, call);
        return Err(Error::err(format!(
            "wrong number of arguments for '{}' command",
            id.map_or(spec.name, |id| ix.cmds[id].fullname.as_str())
        )));
    }
    match super::check_user(ix, u, spec, call) {
        Ok(()) => Ok(Value::ok()),
        Err(d) => Ok(Value::bulk(match d.reason {
            Reason::Command => format!(
                "This user has no permissions to run the '{}' command",
                d.fullname
            ),
            Reason::Key => format!(
                "This user has no permissions to access the '{}' key",
                lossy(call[d.pos])
            ),
            _ => format!(
                "This user has no permissions to access the '{}' channel",
                lossy(call[d.pos])
            ),
        })),
    }
}

const NO_FILE: &str = "This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.";

/// # Format
/// `ACL LOAD`
fn load(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    let Some(path) = ctx.store.acl.file.clone() else {
        return Err(Error::err(NO_FILE));
    };
    let ix = index(ctx.store.table());
    let users =
        super::file::load(ix, &path, super::pubsub_all(&ctx.store.config)).map_err(Error::err)?;
    let before: Vec<(Vec<u8>, u64)> = ctx
        .store
        .acl
        .users()
        .map(|u| (u.name.clone(), u.uid))
        .collect();
    ctx.store.acl.replace_all(users);
    // Every user but `default` is a new object now: close their connections.
    for (name, _) in before.iter().filter(|(n, _)| n.as_slice() != DEFAULT) {
        (ctx.store.services().kill_user)(ctx.session, name, &|_| true);
    }
    Ok(Value::ok())
}

/// # Format
/// `ACL SAVE`
fn save(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    let Some(path) = ctx.store.acl.file.clone() else {
        return Err(Error::err(NO_FILE));
    };
    let ix = index(ctx.store.table());
    super::file::save(ix, &ctx.store.acl, &path).map_err(|_| {
        Error::err("There was an error trying to save the ACLs. Please check the server logs for more information")
    })?;
    Ok(Value::ok())
}

fn help(_ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    let mut reply = help_reply(
        "acl",
        &[
            "CAT [<category>]",
            "    List all commands that belong to <category>, or all command categories",
            "    when no category is specified.",
            "DELUSER <username> [<username> ...]",
            "    Delete a list of users.",
            "DRYRUN <username> <command> [<arg> ...]",
            "    Returns whether the user can execute the given command without executing the command.",
            "GETUSER <username>",
            "    Get the user's details.",
            "GENPASS [<bits>]",
            "    Generate a secure 256-bit user password. The optional `bits` argument can",
            "    be used to specify a different size.",
            "LIST",
            "    Show users details in config file format.",
            "LOAD",
            "    Reload users from the ACL file.",
            "LOG [<count> | RESET]",
            "    Show the ACL log entries.",
            "SAVE",
            "    Save the current config to the ACL file.",
            "SETUSER <username> <attribute> [<attribute> ...]",
            "    Create or modify a user with the specified attributes.",
            "USERS",
            "    List all the registered usernames.",
            "WHOAMI",
            "    Return the current connection username.",
        ],
    );
    // Redis 7.0's ACL HELP words its last line differently from the other containers'.
    if let Value::Array(lines) = &mut reply {
        if let Some(last) = lines.last_mut() {
            *last = Value::Simple("    Prints this help.".into());
        }
    }
    Ok(reply)
}

const SUBS: &[Sub] = &[
    Sub {
        name: "cat",
        arity: -2,
        handler: cat,
    },
    Sub {
        name: "deluser",
        arity: -3,
        handler: deluser,
    },
    Sub {
        name: "dryrun",
        arity: -4,
        handler: dryrun,
    },
    Sub {
        name: "genpass",
        arity: -2,
        handler: genpass,
    },
    Sub {
        name: "getuser",
        arity: 3,
        handler: getuser,
    },
    Sub {
        name: "help",
        arity: 2,
        handler: help,
    },
    Sub {
        name: "list",
        arity: 2,
        handler: list,
    },
    Sub {
        name: "load",
        arity: 2,
        handler: load,
    },
    Sub {
        name: "log",
        arity: -2,
        handler: log,
    },
    Sub {
        name: "save",
        arity: 2,
        handler: save,
    },
    Sub {
        name: "setuser",
        arity: -3,
        handler: setuser,
    },
    Sub {
        name: "users",
        arity: 2,
        handler: users,
    },
    Sub {
        name: "whoami",
        arity: 2,
        handler: whoami,
    },
];

/// # Format
/// `ACL <subcommand> [args]`
pub fn acl(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    // Redis checks the argument counts of CAT, GENPASS and LOG by hand.
    if argv.len() > 3 {
        if let Some(s) = argv.get(1) {
            if [&b"cat"[..], b"genpass", b"log"]
                .iter()
                .any(|n| s.eq_ignore_ascii_case(n))
            {
                let shown: String = lossy(s).chars().take(128).collect();
                return Err(Error::err(format!(
                    "unknown subcommand or wrong number of arguments for '{shown}'. Try ACL HELP."
                )));
            }
        }
    }
    dispatch_sub("acl", SUBS, ctx, argv)
}

/// The ACL command.
pub const COMMANDS: &[CommandSpec] = &[CommandSpec::new(
    "acl",
    -2,
    NOSCRIPT | LOADING | STALE,
    (0, 0, 0),
    "server",
    acl,
)];
