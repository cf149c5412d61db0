//! The layout rule of `src/lib.rs`'s `# Layout`, checked: a module imports only from the
//! rooms below it. Every `crate::<room>` path in `src/` (outside comments and unit-test
//! modules) is compared with the rank of the file's own room; an upward or sideways path
//! fails the test unless it is one of the known, documented exceptions in [`ALLOWED`]. A new
//! exception needs an entry here and a line in `src/lib.rs`'s `# Layout`.

use std::collections::BTreeSet;
use std::path::Path;

/// Rooms from the bottom up. Rooms of equal rank may not import each other.
const RANKS: &[(&str, u32)] = &[
    ("error", 0),
    ("value", 0),
    ("util", 1),
    ("resp", 2),
    ("config", 2),
    ("types", 3),
    ("keyspace", 4),
    ("engine", 5),
    ("tx", 6),
    ("blocking", 6),
    ("pubsub", 6),
    ("scripting", 6),
    ("acl", 6),
    ("admin", 7),
    ("rdb", 7),
    ("persist", 8),
    ("commands", 9),
    ("remote", 10),
    ("client", 11),
    ("server", 12),
    ("adapters", 13),
    ("bin", 14),
];

/// Known exceptions (from room, to room), each explained in `src/lib.rs`'s `# Layout`.
const ALLOWED: &[(&str, &str)] = &[
    // A type's value sits below `keyspace` (Object holds it); its handlers, in the same file,
    // take `engine::Ctx` and use keyspace items (notification classes, Object, Rng).
    ("types", "engine"),
    ("types", "keyspace"),
    // The store holds the blocking and Pub/Sub registries and the session their per-client
    // state; dispatch calls `blocking::serve_ready` and `pubsub::check_context`; a served
    // connection's session holds its `admin::Link`.
    ("engine", "blocking"),
    ("engine", "pubsub"),
    ("engine", "admin"),
    // The store holds the ACL registry and the session its user; dispatch (and, through
    // `engine::acl_check`, EXEC and scripts) calls `acl::permit`.
    ("engine", "acl"),
];

fn rank(room: &str) -> Option<u32> {
    RANKS.iter().find(|(r, _)| *r == room).map(|&(_, n)| n)
}

/// The room of a file under `src/`: its first path component (`lib.rs` has none).
fn room_of(rel: &Path) -> Option<String> {
    let first = rel.components().next()?.as_os_str().to_str()?.to_string();
    let room = first.trim_end_matches(".rs").to_string();
    (room != "lib").then_some(room)
}

/// The code of a file without line comments and without its `#[cfg(test)] mod tests`.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The rooms named by `crate::<room>` paths in `code`.
fn rooms_named(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        out.insert(name);
    }
    out
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read src/") {
        let p = e.expect("dir entry").path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_room_imports_only_from_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    assert!(all.len() > 50, "src/ has {} files", all.len());
    let mut bad = Vec::new();
    for path in all {
        let rel = path.strip_prefix(&src).expect("under src/");
        let Some(room) = room_of(rel) else { continue };
        let Some(mine) = rank(&room) else {
            bad.push(format!(
                "{}: room `{room}` has no rank in RANKS",
                rel.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(&path).expect("read file");
        for target in rooms_named(&code_of(&text)) {
            let Some(theirs) = rank(&target) else {
                continue;
            };
            if target == room || theirs < mine {
                continue;
            }
            if !ALLOWED.contains(&(room.as_str(), target.as_str())) {
                bad.push(format!(
                    "{}: `{room}` imports `crate::{target}`",
                    rel.display()
                ));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "imports against the layout:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_checker_sees_upward_imports() {
    let code = code_of("use crate::engine::Ctx; // crate::client\nfn f() { crate::server::x(); }");
    let named = rooms_named(&code);
    assert!(named.contains("engine") && named.contains("server"));
    assert!(!named.contains("client"), "comments are skipped");
    assert_eq!(
        room_of(Path::new("engine/ctx.rs")).as_deref(),
        Some("engine")
    );
    assert_eq!(room_of(Path::new("resp.rs")).as_deref(), Some("resp"));
    assert!(rank("engine") < rank("admin") && rank("util") < rank("types"));
}
