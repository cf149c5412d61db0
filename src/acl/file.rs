//! The ACL file (`aclfile`): one `user <name> <rules...>` line per user, as ACL LIST shows
//! them. Loading validates the whole file first (Redis `ACLLoadFromFile`): any error leaves
//! the users unchanged and is reported with the file name and line; saving writes a temp
//! file in the same directory and renames it over the old one (Redis `ACLSaveToFile`).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use super::commands::user_line;
use super::user::{has_spaces, merge_selector_args, User};
use super::{Index, Registry};

/// Parses the file at `path` into users, or Redis's one-line error text.
pub fn load(ix: &Index, path: &Path, pubsub_all: bool) -> Result<BTreeMap<Vec<u8>, User>, String> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        format!(
            "Error loading ACLs, opening file '{shown}': {}",
            strerror(&e)
        )
    })?;
    parse(ix, &shown, &bytes, pubsub_all)
}

/// C `strerror` wording for the common cases.
fn strerror(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "No such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "Permission denied".into(),
        _ => e.to_string(),
    }
}

/// Parses ACL file text (`name` is the file name errors show).
pub fn parse(
    ix: &Index,
    name: &str,
    text: &[u8],
    pubsub_all: bool,
) -> Result<BTreeMap<Vec<u8>, User>, String> {
    let mut users: BTreeMap<Vec<u8>, User> = BTreeMap::new();
    let mut errors = String::new();
    for (i, raw) in text.split(|&c| c == b'\n').enumerate() {
        let linenum = i + 1;
        let line = trim(raw, b" \t\r\n");
        if line.is_empty() {
            continue;
        }
        let argv: Vec<&[u8]> = line
            .split(|&c| c == b' ')
            .filter(|a| !a.is_empty())
            .collect();
        if argv.is_empty() {
            continue;
        }
        if argv[0] != b"user" || argv.len() < 2 {
            errors.push_str(&format!(
                "{name}:{linenum} should start with user keyword followed by the username. "
            ));
            continue;
        }
        if has_spaces(argv[1]) {
            errors.push_str(&format!(
                "'{name}:{linenum}: username '{}' contains invalid characters. ",
                String::from_utf8_lossy(argv[1])
            ));
            continue;
        }
        if users.contains_key(argv[1]) {
            errors.push_str(&format!(
                "WARNING: Duplicate user '{}' found on line {linenum}. ",
                String::from_utf8_lossy(argv[1])
            ));
            continue;
        }
        let mut u = User::new(argv[1], 0, pubsub_all);
        match merge_selector_args(&argv[2..]) {
            Err(_) => errors.push_str(&format!(
                "{name}:{linenum}: Unmatched parenthesis in selector definition."
            )),
            Ok(ops) => {
                for op in ops {
                    let op = trim(&op, b"\t\r\n");
                    match u.apply(ix, op, pubsub_all) {
                        Ok(()) => {}
                        // Unknown commands are named (they hold no secret).
                        Err(e @ super::user::RuleError::Unknown) => errors.push_str(&format!(
                            "{name}:{linenum}: Error in applying operation '{}': {}. ",
                            String::from_utf8_lossy(op),
                            e.message()
                        )),
                        Err(e) => errors.push_str(&format!("{name}:{linenum}: {}. ", e.message())),
                    }
                }
            }
        }
        users.insert(argv[1].to_vec(), u);
    }
    if errors.is_empty() {
        Ok(users)
    } else {
        errors.push_str(
            "WARNING: ACL errors detected, no change to the previously active ACL rules was performed",
        );
        Err(errors)
    }
}

fn trim<'a>(s: &'a [u8], set: &[u8]) -> &'a [u8] {
    let start = s.iter().position(|c| !set.contains(c)).unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|c| !set.contains(c))
        .map_or(start, |e| e + 1);
    &s[start..end.max(start)]
}

/// The file's text for the current users.
pub fn render(ix: &Index, reg: &Registry) -> String {
    let mut out = String::new();
    for u in reg.users() {
        out.push_str(&user_line(ix, u));
        out.push('\n');
    }
    out
}

/// Writes the users to `path` through a temp file and a rename.
pub fn save(ix: &Index, reg: &Registry, path: &Path) -> std::io::Result<()> {
    let text = render(ix, reg);
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let mut tmp = tempfile::NamedTempFile::new_in(dir.unwrap_or(Path::new(".")))?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
