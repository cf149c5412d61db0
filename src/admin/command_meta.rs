//! Redis 7.0's command descriptions, as the project keeps them: `command_meta.resp`, the
//! COMMAND INFO and COMMAND DOCS entries of every Redis command, written by
//! `tools/gen_command_meta.py` from a stock redis-server 7.0 (see the script's doc for the
//! file's layout). This module parses the file once and answers lookups by name
//! (`client|list` for a subcommand), and interprets the key specs (Redis `db.c`
//! `getKeysUsingKeySpecs`) for COMMAND GETKEYS.
//!
//! The file is data, not code: adding a command to emu needs no new metadata as long as
//! Redis 7.0 has the command; `tests/command_meta` checks that emu's own table (arity,
//! flags, key positions) agrees with it.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::value::Value;

/// The generated file (RESP3).
const DATA: &[u8] = include_bytes!("command_meta.resp");

/// One command's (or subcommand's) published description.
#[derive(Debug)]
pub struct Meta {
    /// Full name, lowercase (`get`, `client|list`).
    pub name: String,
    /// COMMAND INFO entry (10 elements).
    pub info: Value,
    /// COMMAND DOCS entry (a map).
    pub docs: Value,
    /// Parsed key specs.
    pub key_specs: Vec<KeySpec>,
    /// Full names of the subcommands, in Redis's order.
    pub subcommands: Vec<String>,
}

/// Where a key spec starts looking (Redis `begin_search`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BeginSearch {
    /// At a fixed index.
    Index(i64),
    /// After a keyword, searched from `startfrom` (negative: from the end, backwards).
    Keyword(Vec<u8>, i64),
    /// Unknown (never in 7.0's own specs).
    Unknown,
}

/// How a key spec finds its keys (Redis `find_keys`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FindKeys {
    /// lastkey, keystep, limit.
    Range(i64, i64, i64),
    /// keynumidx, firstkey, keystep.
    Keynum(i64, i64, i64),
    /// Unknown.
    Unknown,
}

/// One key spec.
#[derive(Clone, Debug)]
pub struct KeySpec {
    /// Flags as Redis names them (`RW`, `access`, `incomplete`, …).
    pub flags: Vec<String>,
    /// Begin search.
    pub begin: BeginSearch,
    /// Find keys.
    pub find: FindKeys,
}

impl KeySpec {
    /// True if the spec carries the flag.
    pub fn has(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }
}

/// Every description by full name.
fn all() -> &'static HashMap<String, Meta> {
    static ALL: OnceLock<HashMap<String, Meta>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut out = HashMap::new();
        let mut at = 0;
        if let Some(Value::Array(cmds)) = parse(DATA, &mut at) {
            for c in cmds {
                let Value::Array(mut parts) = c else { continue };
                if parts.len() != 3 {
                    continue;
                }
                let docs = parts.pop().unwrap_or(Value::Nil);
                let info = parts.pop().unwrap_or(Value::Nil);
                add(&mut out, info, docs);
            }
        }
        out
    })
}

/// Adds a command and, recursively, its subcommands.
fn add(out: &mut HashMap<String, Meta>, info: Value, docs: Value) {
    let Value::Array(items) = &info else { return };
    let name = match items.first() {
        Some(Value::Bulk(b)) => String::from_utf8_lossy(b).to_ascii_lowercase(),
        _ => return,
    };
    let key_specs = match items.get(8) {
        Some(Value::Array(specs)) | Some(Value::Set(specs)) => specs.iter().map(key_spec).collect(),
        _ => Vec::new(),
    };
    let mut subs = Vec::new();
    if let Some(Value::Array(subinfos)) | Some(Value::Set(subinfos)) = items.get(9) {
        let subdocs = map_get(&docs, "subcommands");
        for si in subinfos {
            let Some(Value::Array(sitems)) = Some(si) else {
                continue;
            };
            let sname = match sitems.first() {
                Some(Value::Bulk(b)) => String::from_utf8_lossy(b).to_ascii_lowercase(),
                _ => continue,
            };
            let sdoc = subdocs
                .and_then(|d| map_get(d, &sname))
                .cloned()
                .unwrap_or(Value::Map(Vec::new()));
            subs.push(sname);
            add(out, si.clone(), sdoc);
        }
    }
    out.insert(
        name.clone(),
        Meta {
            name,
            info,
            docs,
            key_specs,
            subcommands: subs,
        },
    );
}

/// The value of `key` in a RESP3 map.
fn map_get<'a>(m: &'a Value, key: &str) -> Option<&'a Value> {
    let Value::Map(pairs) = m else { return None };
    pairs.iter().find_map(|(k, v)| match k {
        Value::Bulk(b) if b.eq_ignore_ascii_case(key.as_bytes()) => Some(v),
        Value::Simple(s) if s.eq_ignore_ascii_case(key) => Some(v),
        _ => None,
    })
}

fn int_of(v: Option<&Value>) -> i64 {
    match v {
        Some(Value::Int(i)) => *i,
        _ => 0,
    }
}

fn text_of(v: Option<&Value>) -> Vec<u8> {
    match v {
        Some(Value::Bulk(b)) => b.clone(),
        Some(Value::Simple(s)) => s.as_bytes().to_vec(),
        _ => Vec::new(),
    }
}

fn key_spec(v: &Value) -> KeySpec {
    let flags = match map_get(v, "flags") {
        Some(Value::Set(f)) | Some(Value::Array(f)) => f
            .iter()
            .map(|x| String::from_utf8_lossy(&text_of(Some(x))).into_owned())
            .collect(),
        _ => Vec::new(),
    };
    let begin = match map_get(v, "begin_search") {
        Some(bs) => {
            let kind = text_of(map_get(bs, "type"));
            let spec = map_get(bs, "spec");
            match &kind[..] {
                b"index" => BeginSearch::Index(int_of(spec.and_then(|s| map_get(s, "index")))),
                b"keyword" => BeginSearch::Keyword(
                    text_of(spec.and_then(|s| map_get(s, "keyword"))),
                    int_of(spec.and_then(|s| map_get(s, "startfrom"))),
                ),
                _ => BeginSearch::Unknown,
            }
        }
        None => BeginSearch::Unknown,
    };
    let find = match map_get(v, "find_keys") {
        Some(fk) => {
            let kind = text_of(map_get(fk, "type"));
            let spec = map_get(fk, "spec");
            let f = |k: &str| int_of(spec.and_then(|s| map_get(s, k)));
            match &kind[..] {
                b"range" => FindKeys::Range(f("lastkey"), f("keystep"), f("limit")),
                b"keynum" => FindKeys::Keynum(f("keynumidx"), f("firstkey"), f("keystep")),
                _ => FindKeys::Unknown,
            }
        }
        None => FindKeys::Unknown,
    };
    KeySpec { flags, begin, find }
}

/// The description of `name` (`get`, `CLIENT|LIST`), if Redis 7.0 has the command.
pub fn lookup(name: &[u8]) -> Option<&'static Meta> {
    let name = String::from_utf8_lossy(name).to_ascii_lowercase();
    all().get(&name)
}

/// Every description (commands and subcommands), unordered.
pub fn every() -> impl Iterator<Item = &'static Meta> {
    all().values()
}

impl Meta {
    /// COMMAND INFO arity.
    pub fn arity(&self) -> i64 {
        self.info_int(1)
    }

    /// COMMAND INFO first key, last key, step.
    pub fn legacy_keys(&self) -> (i64, i64, i64) {
        (self.info_int(3), self.info_int(4), self.info_int(5))
    }

    fn info_int(&self, i: usize) -> i64 {
        match &self.info {
            Value::Array(v) => int_of(v.get(i)),
            _ => 0,
        }
    }

    /// COMMAND INFO flags.
    pub fn flags(&self) -> Vec<String> {
        self.info_strings(2)
    }

    /// COMMAND INFO ACL categories (`@read`, …).
    pub fn acl_categories(&self) -> Vec<String> {
        self.info_strings(6)
    }

    fn info_strings(&self, i: usize) -> Vec<String> {
        match &self.info {
            Value::Array(v) => match v.get(i) {
                Some(Value::Set(s)) | Some(Value::Array(s)) => s
                    .iter()
                    .map(|x| String::from_utf8_lossy(&text_of(Some(x))).into_owned())
                    .collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    /// True if the command has the COMMAND INFO flag.
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags().iter().any(|f| f == flag)
    }

    /// Redis `doesCommandHaveKeys`, given whether the command has a key callback.
    pub fn has_keys(&self) -> bool {
        self.key_specs.iter().any(|s| !s.has("not_key"))
    }

    /// Redis `getKeysUsingKeySpecs` (no partial results, no `not_key` specs): the key
    /// positions in `argv` (`argv[0]` is the command) with their spec's flags, or `None`
    /// when a spec is invalid for these arguments or incomplete.
    pub fn keys_by_specs(&self, argv: &[&[u8]]) -> Option<Vec<(usize, &[String])>> {
        let argc = argv.len() as i64;
        let mut out = Vec::new();
        for spec in &self.key_specs {
            if spec.has("not_key") {
                continue;
            }
            let mut first = match &spec.begin {
                BeginSearch::Index(i) => *i,
                BeginSearch::Keyword(kw, startfrom) => {
                    let (start, end) = if *startfrom > 0 {
                        (*startfrom, argc - 1)
                    } else {
                        (argc + startfrom, 1)
                    };
                    let mut found = 0;
                    let mut i = start;
                    loop {
                        if i == end || i >= argc || i < 1 {
                            break;
                        }
                        if argv[i as usize].eq_ignore_ascii_case(kw) {
                            found = i + 1;
                            break;
                        }
                        i = if start <= end { i + 1 } else { i - 1 };
                    }
                    if found == 0 {
                        continue;
                    }
                    found
                }
                BeginSearch::Unknown => return None,
            };
            let (last, step) = match spec.find {
                FindKeys::Range(lastkey, keystep, limit) => {
                    let last = if lastkey >= 0 {
                        first + lastkey
                    } else if limit == 0 {
                        argc + lastkey
                    } else {
                        first + ((argc - first) / limit + lastkey)
                    };
                    (last, keystep)
                }
                FindKeys::Keynum(keynumidx, firstkey, keystep) => {
                    if keynumidx >= argc {
                        return None;
                    }
                    let at = first + keynumidx;
                    let raw = argv.get(at as usize)?;
                    let numkeys = crate::util::parse_i64(raw).filter(|n| *n >= 0)?;
                    first += firstkey;
                    (first + numkeys - 1, keystep)
                }
                FindKeys::Unknown => return None,
            };
            if last >= argc || last < first || first >= argc {
                return None;
            }
            let step = step.max(1);
            let mut i = first;
            while i <= last {
                out.push((i as usize, &spec.flags[..]));
                i += step;
            }
            if spec.has("incomplete") {
                return None;
            }
        }
        Some(out)
    }
}

/// Parses one RESP3 reply (the subset the generator writes) from `b` at `*at`.
pub fn parse(b: &[u8], at: &mut usize) -> Option<Value> {
    let tag = *b.get(*at)?;
    let end = *at + b.get(*at..)?.windows(2).position(|w| w == b"\r\n")?;
    let head = b.get(*at + 1..end)?;
    *at = end + 2;
    let num = || -> Option<i64> { std::str::from_utf8(head).ok()?.parse().ok() };
    Some(match tag {
        b'$' | b'=' => {
            let n = num()?;
            if n < 0 {
                return Some(Value::Nil);
            }
            let data = b.get(*at..*at + n as usize)?.to_vec();
            *at += n as usize + 2;
            Value::Bulk(data)
        }
        b'+' => Value::Simple(String::from_utf8_lossy(head).into_owned()),
        b'-' => Value::Error(String::from_utf8_lossy(head).into_owned()),
        b':' => Value::Int(num()?),
        b'_' => Value::Nil,
        b'#' => Value::Bool(head == b"t"),
        b',' => Value::Double(std::str::from_utf8(head).ok()?.parse().ok()?),
        b'*' | b'~' | b'>' => {
            let n = num()?;
            if n < 0 {
                return Some(Value::NilArray);
            }
            let mut items = Vec::with_capacity(n as usize);
            for _ in 0..n {
                items.push(parse(b, at)?);
            }
            match tag {
                b'*' => Value::Array(items),
                b'~' => Value::Set(items),
                _ => Value::Push(items),
            }
        }
        b'%' => {
            let n = num()?;
            let mut pairs = Vec::with_capacity(n.max(0) as usize);
            for _ in 0..n {
                let k = parse(b, at)?;
                let v = parse(b, at)?;
                pairs.push((k, v));
            }
            Value::Map(pairs)
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_parses_whole() {
        assert!(all().len() > 300, "{}", all().len());
        let get = lookup(b"GET").expect("get");
        assert_eq!(get.arity(), 2);
        assert_eq!(get.legacy_keys(), (1, 1, 1));
        let list = lookup(b"client|list").expect("client|list");
        assert_eq!(list.arity(), -2);
        assert!(lookup(b"client")
            .expect("client")
            .subcommands
            .contains(&"client|list".to_string()));
    }

    #[test]
    fn key_specs_find_numkeys_keys() {
        let z = lookup(b"zunionstore").expect("zunionstore");
        let argv: Vec<&[u8]> = vec![b"zunionstore", b"d", b"2", b"a", b"b", b"weights", b"1"];
        let keys: Vec<usize> = z
            .keys_by_specs(&argv)
            .expect("keys")
            .iter()
            .map(|k| k.0)
            .collect();
        assert_eq!(keys, vec![1, 3, 4]);
    }
}
