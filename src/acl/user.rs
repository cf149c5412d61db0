//! Users and selectors: Redis's `ACLSetUser` / `ACLSetSelector` rules, the permission check
//! of one selector (`ACLSelectorCheckCmd`), and the descriptions GETUSER, LIST and the ACL
//! file show (`ACLDescribeUser`, `ACLDescribeSelectorCommandRules`).

use sha2::{Digest, Sha256};

use super::index::{cat, Index, KEY_READ, KEY_WRITE};
use crate::util::glob;

/// Why a rule was refused (Redis's `errno` values, worded by [`RuleError::message`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleError {
    /// EINVAL.
    Syntax,
    /// ENOENT.
    Unknown,
    /// EEXIST.
    KeysAfterAll,
    /// EISDIR.
    ChannelsAfterAll,
    /// ENODEV.
    NoSuchPassword,
    /// EBADMSG.
    BadHash,
    /// ECHILD.
    SubFirstArg,
}

impl RuleError {
    /// Redis's `ACLSetUserStringError`.
    pub fn message(self) -> &'static str {
        match self {
            RuleError::Syntax => "Syntax error",
            RuleError::Unknown => "Unknown command or category name in ACL",
            RuleError::KeysAfterAll => "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
            RuleError::ChannelsAfterAll => "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels",
            RuleError::NoSuchPassword => "The password you are trying to remove from the user does not exist",
            RuleError::BadHash => "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters",
            RuleError::SubFirstArg => "Allowing first-arg of a subcommand is not supported",
        }
    }
}

/// The SHA-256 of a password, as 64 lowercase hex digits (Redis `ACLHashPassword`).
pub fn hash_password(clear: &[u8]) -> String {
    let digest = Sha256::digest(clear);
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

fn valid_hash(h: &[u8]) -> bool {
    h.len() == 64 && h.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

/// True if `s` holds whitespace or NUL (Redis `ACLStringHasSpaces`, C `isspace`).
pub fn has_spaces(s: &[u8]) -> bool {
    s.iter()
        .any(|&c| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0))
}

/// A key pattern and the permissions it grants ([`KEY_READ`] | [`KEY_WRITE`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPattern {
    /// Read/write bits.
    pub flags: u8,
    /// Glob pattern.
    pub pattern: Vec<u8>,
}

/// One selector: commands (a bitmap over [`Index`] ids plus allowed first arguments),
/// keys, channels.
#[derive(Clone, Debug)]
pub struct Selector {
    /// The user's root selector (rules outside parentheses).
    pub root: bool,
    /// `allkeys` / `~*`.
    pub allkeys: bool,
    /// `allchannels` / `&*`.
    pub allchannels: bool,
    /// `allcommands` / `+@all` (cleared by any later removal).
    pub allcommands: bool,
    /// Set by `+@all` only: the selector started from every command (Redis's reserved
    /// "future commands" bit); GETUSER then describes it from `+@all`.
    pub future: bool,
    allowed: Vec<u64>,
    /// Allowed first arguments of otherwise denied commands, by id.
    firstargs: Vec<(usize, Vec<Vec<u8>>)>,
    /// Key patterns, in the order added.
    pub patterns: Vec<KeyPattern>,
    /// Channel patterns, in the order added.
    pub channels: Vec<Vec<u8>>,
}

impl Selector {
    /// An empty selector (no permissions; channels per `acl-pubsub-default resetchannels`).
    pub fn new(root: bool) -> Selector {
        Selector {
            root,
            allkeys: false,
            allchannels: false,
            allcommands: false,
            future: false,
            allowed: Vec::new(),
            firstargs: Vec::new(),
            patterns: Vec::new(),
            channels: Vec::new(),
        }
    }

    /// True if the selector lets anything through (the dispatcher's fast path).
    pub fn is_unrestricted(&self) -> bool {
        self.allkeys && self.allchannels && self.allcommands
    }

    fn bit(&self, id: usize) -> bool {
        self.allowed
            .get(id / 64)
            .is_some_and(|w| w & (1u64 << (id % 64)) != 0)
    }

    fn set_bit(&mut self, id: usize, on: bool) {
        let w = id / 64;
        if self.allowed.len() <= w {
            self.allowed.resize(w + 1, 0);
        }
        if on {
            self.allowed[w] |= 1u64 << (id % 64);
        } else {
            self.allowed[w] &= !(1u64 << (id % 64));
            self.allcommands = false;
        }
    }

    fn reset_firstargs(&mut self, id: usize) {
        self.firstargs.retain(|(i, _)| *i != id);
    }

    fn firstargs_of(&self, id: usize) -> Option<&Vec<Vec<u8>>> {
        self.firstargs
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, v)| v)
    }

    /// Redis `ACLChangeSelectorPerm`: the command and all its subcommands.
    fn change_perm(&mut self, ix: &Index, id: usize, allow: bool) {
        self.set_bit(id, allow);
        self.reset_firstargs(id);
        for &s in &ix.cmds[id].subs {
            self.set_bit(s, allow);
        }
    }

    fn change_category(&mut self, ix: &Index, flag: u32, allow: bool) {
        for &id in &ix.top {
            if ix.cmds[id].cats & flag != 0 {
                self.change_perm(ix, id, allow);
            }
            for &s in &ix.cmds[id].subs {
                if ix.cmds[s].cats & flag != 0 {
                    self.change_perm(ix, s, allow);
                }
            }
        }
    }

    /// `+@all`: every command, present and future.
    pub fn make_all_commands(&mut self) {
        self.all_commands(true);
    }

    fn all_commands(&mut self, allow: bool) {
        self.allowed = if allow {
            vec![u64::MAX; super::index::MAX_IDS / 64]
        } else {
            Vec::new()
        };
        self.allcommands = allow;
        self.future = allow;
        self.firstargs.clear();
    }

    /// Applies one selector rule (Redis `ACLSetSelector`).
    pub fn apply(&mut self, ix: &Index, op: &[u8]) -> Result<(), RuleError> {
        let is = |w: &str| op.eq_ignore_ascii_case(w.as_bytes());
        if is("allkeys") || is("~*") {
            self.allkeys = true;
            self.patterns.clear();
        } else if is("resetkeys") {
            self.allkeys = false;
            self.patterns.clear();
        } else if is("allchannels") || is("&*") {
            self.allchannels = true;
            self.channels.clear();
        } else if is("resetchannels") {
            self.allchannels = false;
            self.channels.clear();
        } else if is("allcommands") || is("+@all") {
            self.all_commands(true);
        } else if is("nocommands") || is("-@all") {
            self.all_commands(false);
        } else if op[0] == b'~' || op[0] == b'%' {
            if self.allkeys {
                return Err(RuleError::KeysAfterAll);
            }
            let mut flags = 0u8;
            let mut offset = 1;
            if op[0] == b'%' {
                while let Some(&c) = op.get(offset) {
                    if c.eq_ignore_ascii_case(&b'r') && flags & KEY_READ == 0 {
                        flags |= KEY_READ;
                    } else if c.eq_ignore_ascii_case(&b'w') && flags & KEY_WRITE == 0 {
                        flags |= KEY_WRITE;
                    } else if c == b'~' {
                        offset += 1;
                        break;
                    } else {
                        return Err(RuleError::Syntax);
                    }
                    offset += 1;
                }
            } else {
                flags = KEY_READ | KEY_WRITE;
            }
            let pat = &op[offset.min(op.len())..];
            if has_spaces(pat) {
                return Err(RuleError::Syntax);
            }
            match self.patterns.iter_mut().find(|p| p.pattern == pat) {
                Some(p) => p.flags |= flags,
                None => self.patterns.push(KeyPattern {
                    flags,
                    pattern: pat.to_vec(),
                }),
            }
            self.allkeys = false;
        } else if op[0] == b'&' {
            if self.allchannels {
                return Err(RuleError::ChannelsAfterAll);
            }
            let pat = &op[1..];
            if has_spaces(pat) {
                return Err(RuleError::Syntax);
            }
            if !self.channels.iter().any(|c| c == pat) {
                self.channels.push(pat.to_vec());
            }
            self.allchannels = false;
        } else if op[0] == b'+' && op.get(1) != Some(&b'@') {
            let name = &op[1..];
            match name.iter().rposition(|&c| c == b'|') {
                None => {
                    let id = ix.lookup(name).ok_or(RuleError::Unknown)?;
                    self.change_perm(ix, id, true);
                }
                Some(bar) => {
                    let (cmd, sub) = (&name[..bar], &name[bar + 1..]);
                    let id = ix.lookup(cmd).ok_or(RuleError::Unknown)?;
                    if ix.cmds[id].parent.is_some() {
                        return Err(RuleError::SubFirstArg);
                    }
                    if sub.is_empty() {
                        return Err(RuleError::Syntax);
                    }
                    if !ix.cmds[id].subs.is_empty() {
                        let sid = ix.lookup(name).ok_or(RuleError::Unknown)?;
                        self.change_perm(ix, sid, true);
                    } else {
                        let pos = self.firstargs.iter().position(|(i, _)| *i == id);
                        let list = match pos {
                            Some(p) => &mut self.firstargs[p].1,
                            None => {
                                self.firstargs.push((id, Vec::new()));
                                let last = self.firstargs.len() - 1;
                                &mut self.firstargs[last].1
                            }
                        };
                        if !list.iter().any(|a| a.eq_ignore_ascii_case(sub)) {
                            list.push(sub.to_vec());
                        }
                    }
                }
            }
        } else if op[0] == b'-' && op.get(1) != Some(&b'@') {
            let id = ix.lookup(&op[1..]).ok_or(RuleError::Unknown)?;
            self.change_perm(ix, id, false);
        } else if (op[0] == b'+' || op[0] == b'-') && op.get(1) == Some(&b'@') {
            let flag = cat::by_name(&op[2..]);
            if flag == 0 {
                return Err(RuleError::Unknown);
            }
            self.change_category(ix, flag, op[0] == b'+');
        } else {
            return Err(RuleError::Syntax);
        }
        Ok(())
    }

    /// Redis `ACLSelectorCheckCmd`: the command, its keys (with their read/write needs),
    /// its channels. `Err((reason, argv index))`.
    pub fn check(
        &self,
        ix: &Index,
        id: usize,
        argv: &[&[u8]],
        keys: &[(usize, u8)],
        channels: &Channels,
    ) -> Result<(), (Reason, usize)> {
        let cmd = &ix.cmds[id];
        if !self.allcommands && cmd.flags & crate::engine::flags::NO_AUTH == 0 && !self.bit(id) {
            let idx = if cmd.parent.is_some() { 2 } else { 1 };
            let ok = argv.len() >= 2
                && self.firstargs_of(id).is_some_and(|list| {
                    argv.get(idx)
                        .is_some_and(|a| list.iter().any(|x| x.eq_ignore_ascii_case(a)))
                });
            if !ok {
                return Err((Reason::Command, 0));
            }
        }
        if !self.allkeys {
            for &(pos, need) in keys {
                if !self.key_ok(argv[pos], need) {
                    return Err((Reason::Key, pos));
                }
            }
        }
        if !self.allchannels {
            if let Some((from, literal)) = channels.args {
                let end = if channels.one { from + 1 } else { argv.len() };
                for (j, ch) in argv.iter().enumerate().take(end).skip(from) {
                    let ok = self.channels.iter().any(|p| {
                        if literal {
                            p == ch
                        } else {
                            glob::matches(p, ch)
                        }
                    });
                    if !ok {
                        return Err((Reason::Channel, j));
                    }
                }
            }
        }
        Ok(())
    }

    fn key_ok(&self, key: &[u8], need: u8) -> bool {
        self.patterns
            .iter()
            .any(|p| p.flags & need == need && glob::matches(&p.pattern, key))
    }

    /// Redis `ACLDescribeSelectorCommandRules`: `+@all`/`-@all`, then the categories that
    /// best approximate the bitmap, then single commands and first arguments.
    pub fn describe_commands(&self, ix: &Index) -> String {
        let mut rules = String::new();
        let additive = !self.future;
        let mut fake = Selector::new(false);
        if additive {
            rules.push_str("-@all ");
        } else {
            rules.push_str("+@all ");
            fake.all_commands(true);
        }
        let mut temp = Selector::new(false);
        temp.allowed = self.allowed.clone();
        let mut applied = [false; 21];
        loop {
            let mut best = None;
            let (mut mindiff, mut maxsame) = (i64::from(i32::MAX), 0i64);
            for (j, &(_, flag)) in cat::NAMES.iter().enumerate() {
                if applied[j] {
                    continue;
                }
                let (on, off) = temp.count_category(ix, flag);
                let (diff, same) = if additive { (off, on) } else { (on, off) };
                if same > diff && (diff < mindiff || (diff == mindiff && same > maxsame)) {
                    best = Some(j);
                    mindiff = diff;
                    maxsame = same;
                }
            }
            let Some(b) = best else { break };
            let (name, flag) = cat::NAMES[b];
            fake.change_category(ix, flag, additive);
            temp.change_category(ix, flag, !additive);
            rules.push_str(if additive { "+@" } else { "-@" });
            rules.push_str(name);
            rules.push(' ');
            applied[b] = true;
        }
        for &id in &ix.top {
            self.describe_single(ix, &mut fake, &mut rules, id);
            for &s in &ix.cmds[id].subs {
                self.describe_single(ix, &mut fake, &mut rules, s);
            }
        }
        rules.pop();
        rules
    }

    fn describe_single(&self, ix: &Index, fake: &mut Selector, rules: &mut String, id: usize) {
        let user = self.bit(id);
        if user != fake.bit(id) {
            rules.push(if user { '+' } else { '-' });
            rules.push_str(&ix.cmds[id].fullname);
            rules.push(' ');
            fake.change_perm(ix, id, user);
        }
        if !user {
            if let Some(list) = self.firstargs_of(id) {
                for a in list {
                    rules.push('+');
                    rules.push_str(&ix.cmds[id].fullname);
                    rules.push('|');
                    rules.push_str(&String::from_utf8_lossy(a));
                    rules.push(' ');
                }
            }
        }
    }

    fn count_category(&self, ix: &Index, flag: u32) -> (i64, i64) {
        let (mut on, mut off) = (0, 0);
        for &id in &ix.top {
            for c in std::iter::once(id).chain(ix.cmds[id].subs.iter().copied()) {
                if ix.cmds[c].cats & flag != 0 {
                    if self.bit(c) {
                        on += 1;
                    } else {
                        off += 1;
                    }
                }
            }
        }
        (on, off)
    }

    /// The key patterns as GETUSER shows them (`~a %R~b`), or `~*`.
    pub fn describe_keys(&self) -> String {
        if self.allkeys {
            return "~*".into();
        }
        let v: Vec<String> = self.patterns.iter().map(pattern_string).collect();
        v.join(" ")
    }

    /// The channel patterns as GETUSER shows them, or `&*`.
    pub fn describe_channels(&self) -> String {
        if self.allchannels {
            return "&*".into();
        }
        let v: Vec<String> = self
            .channels
            .iter()
            .map(|c| format!("&{}", String::from_utf8_lossy(c)))
            .collect();
        v.join(" ")
    }

    /// Redis `ACLDescribeSelector`: keys, channels, commands, space separated.
    pub fn describe(&self, ix: &Index) -> String {
        let mut s = String::new();
        if self.allkeys {
            s.push_str("~* ");
        } else {
            for p in &self.patterns {
                s.push_str(&pattern_string(p));
                s.push(' ');
            }
        }
        if self.allchannels {
            s.push_str("&* ");
        } else {
            s.push_str("resetchannels ");
            for c in &self.channels {
                s.push('&');
                s.push_str(&String::from_utf8_lossy(c));
                s.push(' ');
            }
        }
        s.push_str(&self.describe_commands(ix));
        s
    }
}

fn pattern_string(p: &KeyPattern) -> String {
    let prefix = match p.flags {
        f if f == KEY_READ | KEY_WRITE => "~",
        KEY_READ => "%R~",
        _ => "%W~",
    };
    format!("{prefix}{}", String::from_utf8_lossy(&p.pattern))
}

/// Why a command was refused (Redis's `ACL_DENIED_*`, ordered as Redis ranks them when
/// several selectors fail).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    /// ACL_DENIED_CMD.
    Command = 1,
    /// ACL_DENIED_KEY.
    Key = 2,
    /// ACL_DENIED_AUTH.
    Auth = 3,
    /// ACL_DENIED_CHANNEL.
    Channel = 4,
}

/// The channel arguments of a call: `args = Some((first index, literal))`, `one` when only
/// that argument is a channel (PUBLISH).
#[derive(Clone, Copy, Debug, Default)]
pub struct Channels {
    /// First channel argument and whether patterns are compared literally (PSUBSCRIBE).
    pub args: Option<(usize, bool)>,
    /// Only one channel argument.
    pub one: bool,
}

/// User flags, in Redis's `ACLUserFlags` order.
pub mod uflag {
    #![allow(missing_docs)]
    pub const ENABLED: u8 = 1 << 0;
    pub const DISABLED: u8 = 1 << 1;
    pub const NOPASS: u8 = 1 << 2;
    pub const SKIP_SANITIZE: u8 = 1 << 3;
    pub const SANITIZE: u8 = 1 << 4;
    /// (bit, name) in the order GETUSER and LIST show them.
    pub const NAMES: &[(u8, &str)] = &[
        (ENABLED, "on"),
        (DISABLED, "off"),
        (NOPASS, "nopass"),
        (SKIP_SANITIZE, "skip-sanitize-payload"),
        (SANITIZE, "sanitize-payload"),
    ];
}

/// One ACL user.
#[derive(Clone, Debug)]
pub struct User {
    /// Name.
    pub name: Vec<u8>,
    /// Identity of this user object: a deleted and recreated user gets a new one, so the
    /// sessions of the old one are not taken for the new one's.
    pub uid: u64,
    /// [`uflag`] bits.
    pub flags: u8,
    /// SHA-256 hex digests, in the order added.
    pub passwords: Vec<String>,
    /// The root selector first, then the `(...)` selectors.
    pub selectors: Vec<Selector>,
}

impl User {
    /// A new user as Redis creates one: off, no passwords, no permissions; all channels if
    /// `pubsub_all` (`acl-pubsub-default allchannels`, see [`super::pubsub_all`]).
    pub fn new(name: &[u8], uid: u64, pubsub_all: bool) -> User {
        let mut root = Selector::new(true);
        root.allchannels = pubsub_all;
        User {
            name: name.to_vec(),
            uid,
            flags: uflag::DISABLED,
            passwords: Vec::new(),
            selectors: vec![root],
        }
    }

    /// True if the user is enabled.
    pub fn enabled(&self) -> bool {
        self.flags & uflag::DISABLED == 0
    }

    /// True if any password works.
    pub fn nopass(&self) -> bool {
        self.flags & uflag::NOPASS != 0
    }

    /// Applies one rule (Redis `ACLSetUser`). `pubsub_all` is `acl-pubsub-default
    /// allchannels`: a new selector and `reset` start with all channels then.
    pub fn apply(&mut self, ix: &Index, op: &[u8], pubsub_all: bool) -> Result<(), RuleError> {
        if op.is_empty() {
            return Ok(());
        }
        let is = |w: &str| op.eq_ignore_ascii_case(w.as_bytes());
        if is("on") {
            self.flags = (self.flags | uflag::ENABLED) & !uflag::DISABLED;
        } else if is("off") {
            self.flags = (self.flags | uflag::DISABLED) & !uflag::ENABLED;
        } else if is("skip-sanitize-payload") {
            self.flags = (self.flags | uflag::SKIP_SANITIZE) & !uflag::SANITIZE;
        } else if is("sanitize-payload") {
            self.flags = (self.flags | uflag::SANITIZE) & !uflag::SKIP_SANITIZE;
        } else if is("nopass") {
            self.flags |= uflag::NOPASS;
            self.passwords.clear();
        } else if is("resetpass") {
            self.flags &= !uflag::NOPASS;
            self.passwords.clear();
        } else if op[0] == b'>' || op[0] == b'#' {
            let h = if op[0] == b'>' {
                hash_password(&op[1..])
            } else {
                if !valid_hash(&op[1..]) {
                    return Err(RuleError::BadHash);
                }
                String::from_utf8_lossy(&op[1..]).into_owned()
            };
            if !self.passwords.contains(&h) {
                self.passwords.push(h);
            }
            self.flags &= !uflag::NOPASS;
        } else if op[0] == b'<' || op[0] == b'!' {
            let h = if op[0] == b'<' {
                hash_password(&op[1..])
            } else {
                if !valid_hash(&op[1..]) {
                    return Err(RuleError::BadHash);
                }
                String::from_utf8_lossy(&op[1..]).into_owned()
            };
            let Some(i) = self.passwords.iter().position(|p| *p == h) else {
                return Err(RuleError::NoSuchPassword);
            };
            self.passwords.remove(i);
        } else if op[0] == b'(' && op[op.len() - 1] == b')' {
            let mut s = Selector::new(false);
            s.allchannels = pubsub_all;
            let inner = &op[1..op.len() - 1];
            for rule in split_args(inner).ok_or(RuleError::Syntax)? {
                s.apply(ix, &rule)?;
            }
            self.selectors.push(s);
        } else if is("clearselectors") {
            self.selectors.truncate(1);
        } else if is("reset") {
            let channels = if pubsub_all {
                "allchannels"
            } else {
                "resetchannels"
            };
            for r in [
                "resetpass",
                "resetkeys",
                "resetchannels",
                channels,
                "off",
                "sanitize-payload",
                "clearselectors",
                "-@all",
            ] {
                self.apply(ix, r.as_bytes(), pubsub_all)?;
            }
        } else {
            self.selectors[0].apply(ix, op)?;
        }
        Ok(())
    }

    /// True if `pass` authenticates this user (Redis `ACLCheckUserCredentials`, less the
    /// existence check).
    pub fn password_ok(&self, pass: &[u8]) -> bool {
        if !self.enabled() {
            return false;
        }
        if self.nopass() {
            return true;
        }
        let h = hash_password(pass);
        // Compare every stored digest fully: the time does not depend on which matched.
        self.passwords
            .iter()
            .fold(false, |ok, p| ok | constant_eq(p.as_bytes(), h.as_bytes()))
    }

    /// Redis `ACLDescribeUser`: flags, `#hash`es, the root selector, then `(selectors)`.
    pub fn describe(&self, ix: &Index) -> String {
        let mut s = String::new();
        for &(bit, name) in uflag::NAMES {
            if self.flags & bit != 0 {
                s.push_str(name);
                s.push(' ');
            }
        }
        for p in &self.passwords {
            s.push('#');
            s.push_str(p);
            s.push(' ');
        }
        for sel in &self.selectors {
            if sel.root {
                s.push_str(&sel.describe(ix));
            } else {
                s.push_str(&format!(" ({})", sel.describe(ix)));
            }
        }
        s
    }
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// Redis `sdssplitargs`-lite for selector bodies: space-separated words, with `"..."` and
/// `'...'` quoting. `None` on unbalanced quotes.
pub fn split_args(s: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        while i < s.len() && s[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= s.len() {
            break;
        }
        let mut cur = Vec::new();
        if s[i] == b'"' || s[i] == b'\'' {
            let q = s[i];
            i += 1;
            loop {
                match s.get(i) {
                    None => return None,
                    Some(&c) if c == q => {
                        i += 1;
                        break;
                    }
                    Some(&b'\\') if q == b'"' && i + 1 < s.len() => {
                        cur.push(s[i + 1]);
                        i += 2;
                    }
                    Some(&c) => {
                        cur.push(c);
                        i += 1;
                    }
                }
            }
            if i < s.len() && !s[i].is_ascii_whitespace() {
                return None;
            }
        } else {
            while i < s.len() && !s[i].is_ascii_whitespace() {
                cur.push(s[i]);
                i += 1;
            }
        }
        out.push(cur);
    }
    Some(out)
}

/// Redis `ACLMergeSelectorArguments`: a `(` argument without its `)` is joined with the
/// following ones (with spaces) up to the one ending in `)`. `Err(index)` of an unclosed
/// `(`.
pub fn merge_selector_args(args: &[&[u8]]) -> Result<Vec<Vec<u8>>, usize> {
    let mut out = Vec::new();
    let mut open: Option<(usize, Vec<u8>)> = None;
    for (j, &op) in args.iter().enumerate() {
        if let Some((_, sel)) = open.as_mut() {
            sel.push(b' ');
            sel.extend_from_slice(op);
            if op.last() == Some(&b')') {
                if let Some((_, sel)) = open.take() {
                    out.push(sel);
                }
            }
            continue;
        }
        if op.first() == Some(&b'(') && op.last() != Some(&b')') {
            open = Some((j, op.to_vec()));
            continue;
        }
        out.push(op.to_vec());
    }
    match open {
        Some((j, _)) => Err(j),
        None => Ok(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hash_is_redis_sha256_hex() {
        // `ACL SETUSER u >p` on redis-server 7.0 stores this digest.
        assert_eq!(
            hash_password(b"p"),
            "148de9c5a7a44d19e56cd9ae1a554bf67847afb0c58f6e12fa29ac7ddfca9940"
        );
        assert!(valid_hash(hash_password(b"").as_bytes()));
        assert!(!valid_hash(b"ABC"));
    }

    #[test]
    fn selector_arguments_merge_as_redis() {
        let args: Vec<&[u8]> = vec![b"on", b"(+get", b"~x)", b"(+set)", b"off"];
        assert_eq!(
            merge_selector_args(&args).unwrap(),
            vec![
                b"on".to_vec(),
                b"(+get ~x)".to_vec(),
                b"(+set)".to_vec(),
                b"off".to_vec()
            ]
        );
        assert_eq!(merge_selector_args(&[b"a", b"(+get"]), Err(1));
        assert_eq!(
            split_args(b" a  'b c' \"d\\\"\" ").unwrap(),
            vec![b"a".to_vec(), b"b c".to_vec(), b"d\"".to_vec()]
        );
        assert_eq!(split_args(b"'open"), None);
    }

    #[test]
    fn password_check_needs_enabled_user() {
        let ix = Index::build(crate::commands::table());
        let mut u = User::new(b"u", 1, false);
        u.apply(&ix, b">pw", false).unwrap();
        assert!(!u.password_ok(b"pw"), "off users cannot log in");
        u.apply(&ix, b"on", false).unwrap();
        assert!(u.password_ok(b"pw") && !u.password_ok(b"px"));
        assert_eq!(u.apply(&ix, b"<px", false), Err(RuleError::NoSuchPassword));
        u.apply(&ix, b"nopass", false).unwrap();
        assert!(u.password_ok(b"anything"));
    }
}
