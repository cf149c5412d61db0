//! CONFIG GET / SET / RESETSTAT / REWRITE / HELP, over the parameter table of
//! [`crate::config`] (names, kinds, validation and the typed values live there).

use super::{dispatch_sub, help_reply, Sub};
use crate::config::{self, ConfigSpec};
use crate::engine::Ctx;
use crate::error::{Error, Result};
use crate::util::glob::matches_nocase;
use crate::value::Value;

/// `CONFIG GET pattern…`, as Redis 7.0: a pattern without glob characters is looked up by
/// name or alias and answered under the spelling asked; a glob is matched
/// (case-insensitively) against every name and alias; each name is answered once.
fn config_get(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let cfg = &ctx.store.config;
    let mut found: Vec<(Vec<u8>, &'static ConfigSpec)> = Vec::new();
    let seen = |found: &[(Vec<u8>, &ConfigSpec)], name: &[u8]| {
        found.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
    };
    for &pat in &argv[2..] {
        if !pat.iter().any(|c| matches!(c, b'[' | b'*' | b'?')) {
            if !seen(&found, pat) {
                if let Some((spec, _)) = config::lookup(pat) {
                    found.push((pat.to_vec(), spec));
                }
            }
            continue;
        }
        for (spec, name) in config::entries() {
            if !seen(&found, name.as_bytes()) && matches_nocase(pat, name.as_bytes()) {
                found.push((name.as_bytes().to_vec(), spec));
            }
        }
    }
    Ok(Value::Map(
        found
            .into_iter()
            .map(|(name, spec)| (Value::Bulk(name), Value::bulk(spec.get(cfg))))
            .collect(),
    ))
}

fn set_failed(name: &[u8], reason: &str) -> Error {
    Error::err(format!(
        "CONFIG SET failed (possibly related to argument '{}') - {reason}",
        String::from_utf8_lossy(name)
    ))
}

/// `CONFIG SET name value …`, as Redis 7.0: every name is checked first (unknown,
/// immutable, protected, given twice: the first problem is the error), then the values are
/// set in order on a copy, which replaces the configuration only if all of them are valid.
fn config_set(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    if argv.len() % 2 != 0 {
        return Err(Error::syntax());
    }
    let pairs: Vec<(&[u8], &[u8])> = argv[2..].chunks(2).map(|p| (p[0], p[1])).collect();
    let mut specs: Vec<(&'static ConfigSpec, &'static str)> = Vec::with_capacity(pairs.len());
    let mut refused: Option<Error> = None;
    for &(name, _) in &pairs {
        let Some(found) = config::lookup(name) else {
            // An unknown name wins over any earlier refusal, unless one was already found.
            return Err(refused.unwrap_or_else(|| {
                Error::err(format!(
                    "Unknown option or number of arguments for CONFIG SET - '{}'",
                    String::from_utf8_lossy(name)
                ))
            }));
        };
        if refused.is_none() {
            let (spec, entry) = found;
            if spec.is_immutable() {
                refused = Some(set_failed(name, "can't set immutable config"));
            } else if spec.is_protected()
                && !ctx
                    .session
                    .allows(ctx.store.config.enable_protected_configs)
            {
                refused = Some(set_failed(name, "can't set protected config"));
            } else if specs
                .iter()
                .any(|&(s, e)| std::ptr::eq(s, spec) && e == entry)
            {
                refused = Some(set_failed(name, "duplicate parameter"));
            }
        }
        specs.push(found);
    }
    if let Some(e) = refused {
        return Err(e);
    }
    let mut next = ctx.store.config.clone();
    for (&(spec, entry), &(_, value)) in specs.iter().zip(&pairs) {
        spec.set(&mut next, value)
            .map_err(|reason| set_failed(entry.as_bytes(), &reason))?;
    }
    if crate::config::oom::changed(&ctx.store.config, &next) {
        if let Err(why) = crate::config::oom::apply(&next) {
            // Redis logs the cause and rolls the set back, re-applying the old values.
            eprintln!("emu: {why}");
            let _ = crate::config::oom::apply(&ctx.store.config);
            let name = specs
                .iter()
                .map(|&(_, entry)| entry)
                .find(|e| e.starts_with("oom-score-adj"))
                .unwrap_or("oom-score-adj");
            return Err(set_failed(
                name.as_bytes(),
                "Failed to set current oom_score_adj. Check server logs.",
            ));
        }
    }
    if next.port != ctx.store.config.port || next.bind != ctx.store.config.bind {
        relisten(ctx, &specs, &next)?;
    }
    let password_changed = ctx.store.config.requirepass() != next.requirepass();
    let evict = next.maxmemory != 0 && next.maxmemory != ctx.store.config.maxmemory;
    ctx.store.config = next;
    if evict {
        // Redis's `updateMaxmemory`: a new limit evicts at once (not at the next command),
        // so subscribers see the `evicted` events without another command; right after
        // this command, so the deletions are not part of its replication unit.
        ctx.store.evict_after_command();
    }
    if password_changed {
        // requirepass is the `default` user's password (Redis `updateRequirePass`).
        let p = ctx.store.config.requirepass().map(str::to_owned);
        ctx.store.acl.set_default_password(p.as_deref());
    }
    Ok(Value::ok())
}

/// CONFIG SET port / bind on a server: listen on the new address before the value is
/// taken (Redis `changeListenPort` / `changeBindAddr`), keeping the old listener when that
/// fails. Without a network front end (an embedded store) the value is only stored.
fn relisten(
    ctx: &Ctx,
    specs: &[(&'static ConfigSpec, &'static str)],
    next: &config::Config,
) -> Result<()> {
    let Some(link) = &ctx.session.link else {
        return Ok(());
    };
    if link.server.tcp_port() == 0 {
        return Ok(());
    }
    let port_changed = next.port != ctx.store.config.port;
    let Err(e) = link.server.listen_on(&next.bind, next.port) else {
        return Ok(());
    };
    eprintln!("emu: cannot listen on {}:{}: {e}", next.bind, next.port);
    // The error names the first of the two given, with Redis's text for it.
    let first = specs
        .iter()
        .map(|&(_, e)| e)
        .find(|e| *e == "port" || *e == "bind")
        .unwrap_or(if port_changed { "port" } else { "bind" });
    Err(set_failed(
        first.as_bytes(),
        if first == "port" {
            "Unable to listen on this port. Check server logs."
        } else {
            "Failed to bind to specified addresses."
        },
    ))
}

fn config_resetstat(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    ctx.store.commands_processed = 0;
    ctx.store.expired_keys = 0;
    ctx.store.keyspace_hits = 0;
    ctx.store.keyspace_misses = 0;
    ctx.store.reset_evicted_keys();
    ctx.store.observer.reset_stats();
    ctx.store.lazyfree.reset_stats();
    if let Some(l) = &ctx.session.link {
        l.server.stats.reset();
        l.server.reset_metrics();
    }
    Ok(Value::ok())
}

fn config_rewrite(_ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Err(Error::err("The server is running without a config file"))
}

fn config_help(_ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(help_reply(
        "config",
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
        ],
    ))
}

const CONFIG_SUBS: &[Sub] = &[
    Sub {
        name: "get",
        arity: -3,
        handler: config_get,
    },
    Sub {
        name: "set",
        arity: -4,
        handler: config_set,
    },
    Sub {
        name: "resetstat",
        arity: 2,
        handler: config_resetstat,
    },
    Sub {
        name: "rewrite",
        arity: 2,
        handler: config_rewrite,
    },
    Sub {
        name: "help",
        arity: 2,
        handler: config_help,
    },
];

/// # Format
/// `CONFIG GET pattern… | SET name value… | RESETSTAT | REWRITE | HELP`
pub fn config(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    dispatch_sub("config", CONFIG_SUBS, ctx, argv)
}

#[cfg(test)]
mod tests {
    use crate::value::Value;
    use crate::Redis;

    fn run(r: &Redis, line: &str) -> Result<Value, String> {
        let argv: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
        r.execute(&argv).map_err(|e| e.message().to_string())
    }

    fn pairs(v: Value) -> Vec<(String, String)> {
        let Value::Map(items) = v else {
            panic!("not a map: {v:?}")
        };
        items
            .into_iter()
            .map(|(k, v)| match (k, v) {
                (Value::Bulk(k), Value::Bulk(v)) => {
                    (String::from_utf8(k).unwrap(), String::from_utf8(v).unwrap())
                }
                other => panic!("{other:?}"),
            })
            .collect()
    }

    fn get(r: &Redis, line: &str) -> Vec<(String, String)> {
        pairs(run(r, &format!("CONFIG GET {line}")).unwrap())
    }

    fn failed(arg: &str, reason: &str) -> String {
        format!("ERR CONFIG SET failed (possibly related to argument '{arg}') - {reason}")
    }

    /// Replies checked against redis-server 7.0.15.
    #[test]
    fn get_answers_exact_names_as_asked_and_each_name_once() {
        let r = Redis::new();
        assert_eq!(get(&r, "MAXMEMORY"), [("MAXMEMORY".into(), "0".into())]);
        assert_eq!(
            get(&r, "requirepass REQUIREPASS"),
            [("requirepass".into(), String::new())]
        );
        assert_eq!(
            get(&r, "REQUIREPASS requirepas*"),
            [("REQUIREPASS".into(), String::new())]
        );
        let names: Vec<String> = get(&r, "hash-max-ziplist-entries hash-max-*-entries")
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(
            names,
            ["hash-max-ziplist-entries", "hash-max-listpack-entries"]
        );
        assert_eq!(get(&r, "nosuch"), []);
        assert_eq!(get(&r, "*").len(), 172);
    }

    #[test]
    fn set_checks_every_name_before_any_value() {
        let r = Redis::new();
        assert_eq!(
            run(&r, "CONFIG SET timeout abc foo bar").unwrap_err(),
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"
        );
        assert_eq!(
            run(&r, "CONFIG SET timeout x databases 2").unwrap_err(),
            failed("databases", "can't set immutable config")
        );
        assert_eq!(
            run(&r, "CONFIG SET databases 2 foo bar").unwrap_err(),
            failed("databases", "can't set immutable config")
        );
        assert_eq!(
            run(&r, "CONFIG SET enable-protected-configs yes").unwrap_err(),
            failed("enable-protected-configs", "can't set immutable config")
        );
        // Embedded callers may set protected parameters (`Session::allows`); network
        // clients are refused (tests/robustness/commands.rs).
        assert_eq!(run(&r, "CONFIG SET dir /tmp"), Ok(Value::ok()));
        assert_eq!(
            run(&r, "CONFIG SET Timeout 1 TIMEOUT 2").unwrap_err(),
            failed("TIMEOUT", "duplicate parameter")
        );
    }

    #[test]
    fn set_is_all_or_nothing() {
        let r = Redis::new();
        assert_eq!(
            run(&r, "CONFIG SET timeout 5 maxmemory abc").unwrap_err(),
            failed("maxmemory", "argument must be a memory value")
        );
        assert_eq!(get(&r, "timeout"), [("timeout".into(), "0".into())]);
        // A value error names the entry used, lowercase (as Redis's alias entries do).
        assert_eq!(
            run(&r, "CONFIG SET HASH-MAX-ZIPLIST-ENTRIES abc").unwrap_err(),
            failed(
                "hash-max-ziplist-entries",
                "argument couldn't be parsed into an integer"
            )
        );
        // A name and its alias are separate entries: both set, in order.
        assert_eq!(
            run(
                &r,
                "CONFIG SET hash-max-listpack-entries 2 HASH-MAX-ZIPLIST-ENTRIES 1"
            ),
            Ok(Value::ok())
        );
        assert_eq!(
            get(&r, "hash-max-listpack-entries"),
            [("hash-max-listpack-entries".into(), "1".into())]
        );
        assert_eq!(
            run(&r, "CONFIG SET timeout 5 maxmemory 1mb"),
            Ok(Value::ok())
        );
        assert_eq!(
            get(&r, "timeout maxmemory"),
            [
                ("timeout".into(), "5".into()),
                ("maxmemory".into(), "1048576".into())
            ]
        );
    }
}
