//! emu's table against the metadata.

use emu::admin::command_meta;
use emu::engine::flags;

/// Every emu command Redis 7.0 has: same arity, first/last/step key, the same flags among
/// the ones emu models, and movable keys exactly when Redis says `movablekeys`.
#[test]
fn emu_specs_agree_with_redis_metadata() {
    let mut problems = Vec::new();
    let mut known = 0;
    for spec in emu::commands::table().all() {
        let Some(m) = command_meta::lookup(spec.name.as_bytes()) else {
            continue;
        };
        known += 1;
        // A container's flags and key positions are its subcommands' in Redis; emu's
        // dispatch applies the container's to every subcommand (a known difference, README).
        let container = !m.subcommands.is_empty();
        // Shard channels are "keys" with the `not_key` flag in Redis's legacy triple only.
        let channels_only = !m.key_specs.is_empty() && !m.has_keys();
        if m.arity() != spec.arity as i64 {
            problems.push(format!(
                "{}: arity {} (Redis {})",
                spec.name,
                spec.arity,
                m.arity()
            ));
        }
        let keys = (
            spec.first_key as i64,
            spec.last_key as i64,
            spec.step as i64,
        );
        if m.legacy_keys() != keys && !container && !channels_only {
            problems.push(format!(
                "{}: keys {:?} (Redis {:?})",
                spec.name,
                keys,
                m.legacy_keys()
            ));
        }
        for (bit, name) in flags::NAMES {
            if spec.has(*bit) != m.has_flag(name) && !container {
                problems.push(format!(
                    "{}: flag {name} is {} (Redis {})",
                    spec.name,
                    spec.has(*bit),
                    m.has_flag(name)
                ));
            }
        }
        if spec.keys.is_some() != m.has_flag("movablekeys") {
            problems.push(format!(
                "{}: movable keys {} (Redis {})",
                spec.name,
                spec.keys.is_some(),
                m.has_flag("movablekeys")
            ));
        }
    }
    assert!(known > 200, "only {known} commands found in the metadata");
    assert!(
        problems.is_empty(),
        "{} disagreements:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Every command emu implements has a Redis 7.0 description, except SENTINEL (a Redis
/// server not in sentinel mode does not have it); a new exception must be added here
/// knowingly.
#[test]
fn every_emu_command_is_described() {
    let missing: Vec<&str> = emu::commands::table()
        .all()
        .iter()
        .filter(|s| command_meta::lookup(s.name.as_bytes()).is_none())
        .map(|s| s.name)
        .collect();
    assert_eq!(missing, vec!["sentinel"]);
}

/// The key positions emu's dispatcher uses agree with the key specs for sample calls.
#[test]
fn key_positions_agree_with_key_specs() {
    let cases: &[&[&str]] = &[
        &["get", "k"],
        &["mset", "a", "1", "b", "2"],
        &["zunionstore", "d", "2", "a", "b", "weights", "1", "2"],
        &["eval", "return 1", "2", "a", "b", "x"],
        &["xread", "count", "2", "streams", "a", "b", "0", "0"],
        &["lmpop", "2", "a", "b", "left"],
        &["rename", "a", "b"],
        &["blpop", "a", "b", "0"],
        &["object", "encoding", "k"],
    ];
    let t = emu::commands::table();
    for argv in cases {
        let argv: Vec<&[u8]> = argv.iter().map(|s| s.as_bytes()).collect();
        let spec = t.get(argv[0]).expect("command exists");
        let mut name = spec.name.to_string();
        if !command_meta::lookup(name.as_bytes())
            .expect("meta")
            .subcommands
            .is_empty()
        {
            name = format!("{}|{}", name, String::from_utf8_lossy(argv[1]));
        }
        let m = command_meta::lookup(name.as_bytes()).expect("meta");
        let mut by_specs: Vec<usize> = m
            .keys_by_specs(&argv)
            .expect("valid")
            .iter()
            .map(|k| k.0)
            .collect();
        by_specs.sort_unstable();
        let mut mine = spec.key_positions(&argv);
        mine.sort_unstable();
        assert_eq!(mine, by_specs, "{argv:?}");
    }
}
