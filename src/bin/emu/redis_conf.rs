//! `emu serve` takes its configuration as `redis-server` does: an optional redis.conf-style
//! file first, then any configuration parameter as `--name value…` (`emu serve redis.conf
//! --port 7000 --save "" --maxmemory 100mb`), so scripts and test harnesses written for
//! `redis-server` can start emu instead. Each directive is one `name args…` line (the file's
//! lines, then the command line's options, in order; later ones win):
//!
//! - the parameters `emu serve` acts on at startup (`port`, `bind`, `dir`, `unixsocket`,
//!   `requirepass`, `aclfile`, `databases`, `appendfsync`, `replicaof`, …) become its flags;
//! - every other one is set as `CONFIG SET` would before the server starts (checked and
//!   refused as Redis refuses a bad configuration file, naming the line);
//! - `user <name> <rules…>` defines an ACL user, as `ACL SETUSER <name> <rules…>` (after
//!   `reset` for the default user);
//! - `include <file>` reads another file in place.
//!
//! Parsing follows Redis 7.0's `main()` and `loadServerConfigFromString`: the file's lines
//! are split with `sdssplitargs` rules; on the command line `--name` starts a directive and
//! the arguments after it are its values (a `--save` with no value means `save ""`).

use std::path::Path;

/// One configuration line: a parameter and its arguments, with where it came from (for
/// errors).
#[derive(Debug, Clone, PartialEq)]
pub struct Directive {
    pub name: String,
    pub args: Vec<String>,
    pub origin: String,
}

/// The flags of `emu serve` that are Redis parameters too, and take the directive's
/// arguments joined by spaces as their value.
const SERVE_FLAGS: &[&str] = &[
    "bind",
    "port",
    "requirepass",
    "aclfile",
    "databases",
    "unixsocket",
    "dir",
    "appendfsync",
    "threads",
    "enable-debug-command",
    "enable-protected-configs",
    "tcp-backlog",
    "cluster-enabled",
    "replicaof",
    "slaveof",
    "masterauth",
    "masteruser",
];

/// Splits `emu serve`'s arguments (after `serve`) into the flags clap parses and the other
/// directives, applied to the store's configuration before the server starts.
pub fn split(args: &[String]) -> Result<(Vec<String>, Vec<Directive>), String> {
    let mut directives = Vec::new();
    let mut rest = args;
    if let Some(first) = args.first() {
        if !first.starts_with('-') {
            directives = read_file(Path::new(first), 0)?;
            rest = &args[1..];
        }
    }
    directives.extend(from_command_line(rest)?);
    let mut flags = Vec::new();
    let mut config = Vec::new();
    for d in directives {
        if d.name == "-h" || d.name == "help" {
            flags.push("--help".to_string());
            continue;
        }
        let name = if d.name == "slaveof" {
            "replicaof".to_string()
        } else {
            d.name.clone()
        };
        if SERVE_FLAGS.contains(&name.as_str()) {
            // Later ones win, as in a redis.conf (clap takes each flag once).
            let flag = format!("--{name}");
            if let Some(at) = flags.iter().position(|f| *f == flag) {
                flags.drain(at..at + 2);
            }
            flags.push(flag);
            flags.push(d.args.join(" "));
        } else {
            config.push(d);
        }
    }
    Ok((flags, config))
}

/// The command line's directives: `--name [value…]` groups.
fn from_command_line(args: &[String]) -> Result<Vec<Directive>, String> {
    let mut out: Vec<Directive> = Vec::new();
    // As Redis's `handled_last_config_arg`: right after a bare `--name`, the next argument
    // is its value even if it starts with `--`.
    let mut value_pending = false;
    for (i, a) in args.iter().enumerate() {
        if a == "-h" || a == "--help" {
            out.push(Directive {
                name: "-h".into(),
                args: vec![],
                origin: a.clone(),
            });
            continue;
        }
        match a.strip_prefix("--") {
            Some(name) if !value_pending => {
                let mut words = name.split_whitespace();
                let name = words.next().unwrap_or("").to_ascii_lowercase();
                let inline: Vec<String> = words.map(String::from).collect();
                value_pending = inline.is_empty();
                let mut d = Directive {
                    name,
                    args: inline,
                    origin: format!("command line option '{a}'"),
                };
                if d.name == "save" && value_pending {
                    // `--save` last, or followed by another option: `save ""`.
                    let next_is_option = args.get(i + 1).is_none_or(|n| n.starts_with("--"));
                    if next_is_option {
                        d.args.push(String::new());
                        value_pending = false;
                    }
                }
                out.push(d);
            }
            _ => {
                let Some(last) = out.last_mut() else {
                    return Err(format!(
                        "unexpected argument '{a}': options are --name value (as redis-server's), \
                         and a configuration file may only come first"
                    ));
                };
                last.args.push(a.clone());
                value_pending = false;
            }
        }
    }
    Ok(out)
}

/// The directives of a redis.conf-style file (`include` read in place).
fn read_file(path: &Path, depth: usize) -> Result<Vec<Directive>, String> {
    if depth > 16 {
        return Err(format!("{}: include nested too deeply", path.display()));
    }
    let text = std::fs::read(path).map_err(|e| {
        format!(
            "Fatal error, can't open config file '{}': {e}",
            path.display()
        )
    })?;
    let mut out = Vec::new();
    for (n, line) in text.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let trimmed = line.trim_ascii();
        if trimmed.is_empty() || trimmed.starts_with(b"#") {
            continue;
        }
        let origin = format!(
            "{}, line {}: '{}'",
            path.display(),
            n + 1,
            String::from_utf8_lossy(trimmed)
        );
        let mut store = Vec::new();
        let mut ranges = Vec::new();
        if emu::resp::split_args(trimmed, &mut store, &mut ranges).is_none() {
            return Err(format!("{origin}: Unbalanced quotes in configuration line"));
        }
        let mut words = ranges
            .iter()
            .map(|&(a, b)| String::from_utf8_lossy(&store[a..b]).into_owned());
        let Some(name) = words.next() else { continue };
        let name = name.to_ascii_lowercase();
        let args: Vec<String> = words.collect();
        if name == "include" {
            let [file] = args.as_slice() else {
                return Err(format!("{origin}: include takes one file"));
            };
            out.extend(read_file(Path::new(file), depth + 1)?);
            continue;
        }
        out.push(Directive { name, args, origin });
    }
    Ok(out)
}

/// Applies the directives that are not `emu serve` flags to the store's configuration, in
/// order; consecutive `save` lines add up as in a redis.conf.
pub fn apply(redis: &emu::Redis, directives: &[Directive]) -> Result<(), String> {
    let mut saves: Option<Vec<String>> = None;
    let mut users = Vec::new();
    let set = |name: &str, value: &str, origin: &str| -> Result<(), String> {
        match redis.with_store(|s| s.config.set_initial(name, value.as_bytes())) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(why)) => Err(format!("{origin}: {why}")),
            Err(e) => Err(format!("{origin}: {}", e.message())),
        }
    };
    for d in directives {
        if d.name == "save" {
            let all = saves.get_or_insert_with(Vec::new);
            if d.args.iter().all(|a| a.is_empty()) {
                all.clear();
            } else {
                all.extend(d.args.iter().cloned());
            }
            set("save", &all.join(" "), &d.origin)?;
            continue;
        }
        if d.name == "daemonize" && d.args.iter().any(|a| a.eq_ignore_ascii_case("yes")) {
            return Err(format!(
                "{}: emu serve does not daemonize: run it in the background or under a \
                 supervisor",
                d.origin
            ));
        }
        if d.name == "user" && !d.args.is_empty() {
            if users.iter().any(|u: &&Directive| u.args[0] == d.args[0]) {
                return Err(format!(
                    "{}: Error in user declaration '{}': Duplicate user found. A user can only \
                     be defined once in config files",
                    d.origin, d.args[0]
                ));
            }
            users.push(d);
            continue;
        }
        if emu::config::lookup(d.name.as_bytes()).is_none() {
            return Err(format!(
                "{}: Bad directive or wrong number of arguments",
                d.origin
            ));
        }
        set(&d.name, &d.args.join(" "), &d.origin)?;
    }
    // `user <name> <rules…>` lines, after the other parameters (`acl-pubsub-default` is
    // read when a user is made), as Redis's `ACLLoadConfiguredUsers`: a new user is made,
    // the default user (which exists) is reset, then each gets its rules.
    for d in users {
        let mut argv: Vec<&[u8]> = vec![b"ACL", b"SETUSER", d.args[0].as_bytes()];
        if d.args[0] == "default" {
            argv.push(b"reset");
        }
        argv.extend(d.args[1..].iter().map(|a| a.as_bytes()));
        if let Err(e) = redis.execute(&argv) {
            return Err(format!("{}: {}", d.origin, e.message()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn command_line_options_as_redis_server_reads_them() {
        let (flags, config) = split(&s(&[
            "--port",
            "7000",
            "--save",
            "--maxmemory",
            "10mb",
            "--replicaof",
            "127.0.0.1",
            "6379",
            "--client-output-buffer-limit",
            "normal",
            "0",
            "0",
            "0",
            "--appendonly yes",
            "--save",
        ]))
        .unwrap();
        assert_eq!(
            flags,
            s(&["--port", "7000", "--replicaof", "127.0.0.1 6379"])
        );
        let config: Vec<(String, Vec<String>)> =
            config.into_iter().map(|d| (d.name, d.args)).collect();
        assert_eq!(
            config,
            vec![
                ("save".to_string(), s(&[""])),
                ("maxmemory".to_string(), s(&["10mb"])),
                (
                    "client-output-buffer-limit".to_string(),
                    s(&["normal", "0", "0", "0"])
                ),
                ("appendonly".to_string(), s(&["yes"])),
                ("save".to_string(), s(&[""])),
            ]
        );
        // A bare `--name` takes the next argument as its value even if it starts with `--`.
        let (_, config) = split(&s(&["--requirepass-x", "--odd"])).unwrap();
        assert_eq!(config[0].args, s(&["--odd"]));
        assert!(split(&s(&["--port", "1", "stray"])).is_ok());
        assert!(from_command_line(&s(&["stray"])).is_err());
    }

    #[test]
    fn config_file_lines_and_include() {
        let dir = tempfile::tempdir().unwrap();
        let inc = dir.path().join("inc.conf");
        std::fs::write(&inc, "maxmemory-policy allkeys-lru\n").unwrap();
        let main = dir.path().join("redis.conf");
        std::fs::write(
            &main,
            format!(
                "# comment\nport 7001\r\n\nsave 900 1\nsave 300 10\nnotify-keyspace-events \"KEA\"\ninclude {}\n",
                inc.display()
            ),
        )
        .unwrap();
        let (flags, config) = split(&s(&[main.to_str().unwrap(), "--port", "7002"])).unwrap();
        assert_eq!(flags, s(&["--port", "7002"]));
        let names: Vec<(&str, Vec<String>)> = config
            .iter()
            .map(|d| (d.name.as_str(), d.args.clone()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("save", s(&["900", "1"])),
                ("save", s(&["300", "10"])),
                ("notify-keyspace-events", s(&["KEA"])),
                ("maxmemory-policy", s(&["allkeys-lru"])),
            ]
        );
        std::fs::write(&main, "port 1\nbad \"quote\n").unwrap();
        let err = split(&s(&[main.to_str().unwrap()])).unwrap_err();
        assert!(
            err.contains("line 2") && err.contains("Unbalanced quotes"),
            "{err}"
        );
    }
}
