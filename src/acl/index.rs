//! The ACL view of the command table: every command and container subcommand gets an id
//! (its bit in a selector's bitmap), its full name (`config|get`), its categories and the
//! read/write needs of its keys. Built once from the store's table and [`super::catalog`].
//!
//! Categories follow Redis's `setImplicitACLCategories`: the ones `commands.json` names
//! (the catalog), plus `@write` for `write`, `@read` for `readonly` (not for `@scripting`
//! commands), `@admin @dangerous` for `admin`, `@pubsub`, `@fast`, `@blocking` from their
//! flags, and `@slow` for whatever is not `@fast`. COMMAND INFO and COMMAND LIST FILTERBY
//! ACLCAT read the same sets ([`categories_of`]).

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::engine::{flags, CommandSpec, Table};

/// Category bits, in Redis's `ACLCommandCategories` order.
pub mod cat {
    #![allow(missing_docs)]
    pub const KEYSPACE: u32 = 1 << 0;
    pub const READ: u32 = 1 << 1;
    pub const WRITE: u32 = 1 << 2;
    pub const SET: u32 = 1 << 3;
    pub const SORTEDSET: u32 = 1 << 4;
    pub const LIST: u32 = 1 << 5;
    pub const HASH: u32 = 1 << 6;
    pub const STRING: u32 = 1 << 7;
    pub const BITMAP: u32 = 1 << 8;
    pub const HYPERLOGLOG: u32 = 1 << 9;
    pub const GEO: u32 = 1 << 10;
    pub const STREAM: u32 = 1 << 11;
    pub const PUBSUB: u32 = 1 << 12;
    pub const ADMIN: u32 = 1 << 13;
    pub const FAST: u32 = 1 << 14;
    pub const SLOW: u32 = 1 << 15;
    pub const BLOCKING: u32 = 1 << 16;
    pub const DANGEROUS: u32 = 1 << 17;
    pub const CONNECTION: u32 = 1 << 18;
    pub const TRANSACTION: u32 = 1 << 19;
    pub const SCRIPTING: u32 = 1 << 20;

    /// (name, bit) in Redis's order (ACL CAT, COMMAND INFO, the describe loop).
    pub const NAMES: &[(&str, u32)] = &[
        ("keyspace", KEYSPACE),
        ("read", READ),
        ("write", WRITE),
        ("set", SET),
        ("sortedset", SORTEDSET),
        ("list", LIST),
        ("hash", HASH),
        ("string", STRING),
        ("bitmap", BITMAP),
        ("hyperloglog", HYPERLOGLOG),
        ("geo", GEO),
        ("stream", STREAM),
        ("pubsub", PUBSUB),
        ("admin", ADMIN),
        ("fast", FAST),
        ("slow", SLOW),
        ("blocking", BLOCKING),
        ("dangerous", DANGEROUS),
        ("connection", CONNECTION),
        ("transaction", TRANSACTION),
        ("scripting", SCRIPTING),
    ];

    /// The bit of a category name (case-insensitive), 0 if unknown.
    pub fn by_name(name: &[u8]) -> u32 {
        NAMES
            .iter()
            .find(|(n, _)| n.as_bytes().eq_ignore_ascii_case(name))
            .map_or(0, |&(_, b)| b)
    }
}

/// Ids a selector's bitmap holds (Redis's `USER_COMMAND_BITS_COUNT`).
pub const MAX_IDS: usize = 1024;

/// Key needs: the key is read / written.
pub const KEY_READ: u8 = 1;
/// See [`KEY_READ`].
pub const KEY_WRITE: u8 = 2;

/// One command or subcommand as ACL sees it.
#[derive(Debug)]
pub struct Cmd {
    /// `get`, `config|get`.
    pub fullname: String,
    /// Category bits.
    pub cats: u32,
    /// Key needs per key spec (the last one repeats).
    pub keys: &'static [u8],
    /// The container's id, for a subcommand.
    pub parent: Option<usize>,
    /// Subcommand ids, for a container.
    pub subs: Vec<usize>,
    /// The flags of the table's spec (a subcommand shares its container's).
    pub flags: u32,
}

/// Every command and subcommand, by id.
#[derive(Debug)]
pub struct Index {
    /// By id: top-level commands in table order, each followed by its subcommands.
    pub cmds: Vec<Cmd>,
    /// Top-level ids in table order.
    pub top: Vec<usize>,
    by_name: HashMap<String, usize>,
}

fn catalog_entry(name: &str) -> Option<&'static super::catalog::Entry> {
    let c = super::catalog::CATALOG;
    c.binary_search_by(|e| e.name.cmp(name)).ok().map(|i| &c[i])
}

/// The categories a spec's flags imply (Redis `setImplicitACLCategories`), added to
/// `explicit`.
pub fn with_implicit(spec_flags: u32, explicit: u32) -> u32 {
    let mut c = explicit;
    let has = |f: u32| spec_flags & f != 0;
    if has(flags::WRITE) {
        c |= cat::WRITE;
    }
    if has(flags::READONLY) && c & cat::SCRIPTING == 0 {
        c |= cat::READ;
    }
    if has(flags::ADMIN) {
        c |= cat::ADMIN | cat::DANGEROUS;
    }
    if has(flags::PUBSUB) {
        c |= cat::PUBSUB;
    }
    if has(flags::FAST) {
        c |= cat::FAST;
    }
    if has(flags::BLOCKING) {
        c |= cat::BLOCKING;
    }
    if c & cat::FAST == 0 {
        c |= cat::SLOW;
    }
    c
}

/// The categories of a top-level command: the one source COMMAND INFO, COMMAND LIST and
/// ACL read. A container command (CONFIG, CLIENT, …) has only `@slow` and what its Redis
/// entry names: in Redis the flags (and so the implicit categories) are its
/// subcommands', which carry their own categories here.
pub fn categories_of(spec: &CommandSpec) -> u32 {
    match catalog_entry(spec.name) {
        Some(e) if !e.subs.is_empty() => with_implicit(0, e.cats),
        e => with_implicit(spec.flags, e.map_or(0, |e| e.cats)),
    }
}

/// `@name` strings of a category set, in Redis's order.
pub fn category_names(bits: u32) -> Vec<&'static str> {
    cat::NAMES
        .iter()
        .filter(|(_, b)| bits & b != 0)
        .map(|(n, _)| *n)
        .collect()
}

impl Index {
    /// Builds the index of `table`.
    pub fn build(table: &Table) -> Index {
        let mut cmds = Vec::new();
        let mut top = Vec::new();
        let mut by_name = HashMap::new();
        for spec in table.all() {
            let entry = catalog_entry(spec.name);
            let id = cmds.len();
            top.push(id);
            by_name.insert(spec.name.to_string(), id);
            cmds.push(Cmd {
                fullname: spec.name.to_string(),
                cats: categories_of(spec),
                keys: entry.map_or(&[][..], |e| e.keys),
                parent: None,
                subs: Vec::new(),
                flags: spec.flags,
            });
            for &(sub, cats, keys) in entry.map_or(&[][..], |e| e.subs) {
                let sid = cmds.len();
                let fullname = format!("{}|{sub}", spec.name);
                by_name.insert(fullname.clone(), sid);
                cmds.push(Cmd {
                    fullname,
                    cats,
                    keys,
                    parent: Some(id),
                    subs: Vec::new(),
                    flags: spec.flags,
                });
                cmds[id].subs.push(sid);
            }
        }
        assert!(cmds.len() < MAX_IDS, "more commands than ACL bitmaps hold");
        Index { cmds, top, by_name }
    }

    /// The id of `name` (`get`, `config|get`), case-insensitively.
    pub fn lookup(&self, name: &[u8]) -> Option<usize> {
        let lower = String::from_utf8_lossy(name).to_ascii_lowercase();
        self.by_name.get(&lower).copied()
    }

    /// The id a call runs under: the subcommand's for a container called with a known
    /// subcommand, else the command's. `None` for a container called with an unknown
    /// subcommand (the handler answers that error; Redis's lookup fails before ACL).
    pub fn id_of_call(&self, spec: &CommandSpec, argv: &[&[u8]]) -> Option<usize> {
        let id = *self.by_name.get(spec.name)?;
        let c = &self.cmds[id];
        if c.subs.is_empty() {
            return Some(id);
        }
        let sub = argv.get(1)?;
        c.subs.iter().copied().find(|&s| {
            let full = &self.cmds[s].fullname;
            full.as_bytes()[c.fullname.len() + 1..].eq_ignore_ascii_case(sub)
        })
    }

    /// Number of ids.
    pub fn len(&self) -> usize {
        self.cmds.len()
    }

    /// True when there are no commands.
    pub fn is_empty(&self) -> bool {
        self.cmds.is_empty()
    }
}

/// The index of the store's table, built on first use (there is one table per process:
/// [`crate::engine::Store::table`] is `'static`).
pub fn index(table: &'static Table) -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| Index::build(table))
}
