//! Access control as in Redis 7.0: users with SHA-256 passwords, on/off, command
//! permissions by command, subcommand, first argument and category, key patterns (`~`,
//! `%R~`, `%W~`), channel patterns (`&`), selectors (`(...)`); the permission check every
//! command passes ([`permit`], called by the dispatcher, by EXEC for each queued command and
//! by `redis.call`); the ACL LOG; the ACL file.
//!
//! * [`mod@index`] — ids, full names and categories of commands and subcommands;
//!   [`catalog`] — Redis 7.0's category and key-spec data behind them.
//! * [`user`] — users, selectors, rules, descriptions.
//! * [`commands`] — ACL and its subcommands, AUTH/HELLO credential checks.
//! * [`mod@file`] — `aclfile` load and save.
//!
//! The registry ([`Registry`]) lives in the store (`Store::acl`); a session names its user
//! in [`crate::engine::Session::user`] (`None` = `default`). The dispatcher's fast path:
//! a session of `default` while `default` may run everything on every key and channel
//! skips the check entirely ([`Registry::open`]).
//!
//! # Known differences from Redis
//!
//! * GETUSER / LIST describe commands with Redis's algorithm (`+@all`/`-@all`, best-fit
//!   categories, then single commands), over emu's command table: where emu lacks commands
//!   Redis has, the categories chosen and the order of single commands can differ (Redis's
//!   own order follows its hash table's per-process seed). The permissions described are
//!   the same.
//! * Key read/write needs come from each command's Redis key specs in order (the last one
//!   repeats); SET without GET needs write only, as Redis's `setGetKeys` says, BITFIELD with only
//!   GET/OVERFLOW read only (`bitfieldGetKeys`); other
//!   commands with variable key flags take their spec's flags.
//! * A user deleted while a client is authenticated as it: served connections are closed
//!   (as Redis does); an embedded handle falls back to an unauthenticated `default`.
//! * `acl-pubsub-default` decides whether a new user, a new selector and `reset` start with
//!   all channels ([`pubsub_all`]); `acllog-max-len` bounds the ACL LOG as in Redis (trimmed
//!   when an entry is added).
//! * ACL GENPASS reads the OS's randomness as Redis does, not the store's seeded RNG (a
//!   password must not be reproducible from a seed).
//! * Embedded Pub/Sub handles have no connection to close: DELUSER and revoked channels
//!   close served connections only.

pub mod catalog;
pub mod commands;
pub mod file;
pub mod index;
pub mod user;

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use crate::engine::{CommandSpec, Session, Store, UserRef};
use crate::error::{Error, ErrorKind, Result};
pub use index::{categories_of, category_names, index, Index};
pub use user::{Reason, Selector, User};

/// Where a refused command was called from (the ACL LOG `context`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// A client's command.
    TopLevel,
    /// Queued in MULTI or run by EXEC.
    Multi,
    /// `redis.call` from a script.
    Lua,
}

impl Context {
    fn name(self) -> &'static str {
        match self {
            Context::TopLevel => "toplevel",
            Context::Multi => "multi",
            Context::Lua => "lua",
        }
    }
}

/// One ACL LOG entry (Redis 7.0's seven fields).
#[derive(Clone, Debug)]
pub struct LogEntry {
    /// Times this happened (similar entries within 60 s are merged).
    pub count: u64,
    /// Why.
    pub reason: Reason,
    /// Where.
    pub context: Context,
    /// The command, key, channel, or (for AUTH) the command name as sent.
    pub object: Vec<u8>,
    /// The user (for AUTH, the one tried).
    pub username: Vec<u8>,
    /// Last update, Unix ms.
    pub ctime: u64,
    /// The client's CLIENT INFO line at the last update.
    pub cinfo: String,
}

/// The users of a store, its ACL LOG and its ACL file.
#[derive(Clone, Debug)]
pub struct Registry {
    users: BTreeMap<Vec<u8>, User>,
    /// Newest first.
    pub log: VecDeque<LogEntry>,
    next_uid: u64,
    open: bool,
    needs_auth: bool,
    /// The `aclfile` (ACL LOAD / SAVE).
    pub file: Option<std::path::PathBuf>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new(None)
    }
}

/// The name of the default user.
pub const DEFAULT: &[u8] = b"default";

impl Registry {
    /// `default` alone: every permission, `nopass` unless `requirepass` is set.
    pub fn new(requirepass: Option<&str>) -> Registry {
        let mut r = Registry {
            users: BTreeMap::new(),
            log: VecDeque::new(),
            next_uid: 1,
            open: true,
            needs_auth: false,
            file: None,
        };
        r.users.insert(DEFAULT.to_vec(), default_user());
        r.set_default_password(requirepass);
        r
    }

    /// Redis `ACLUpdateDefaultUserPassword` (what `requirepass` does): `resetpass`, then
    /// `>password`, or `nopass` when there is none.
    pub fn set_default_password(&mut self, password: Option<&str>) {
        if let Some(d) = self.users.get_mut(DEFAULT) {
            d.flags &= !user::uflag::NOPASS;
            d.passwords.clear();
            match password {
                Some(p) => d.passwords.push(user::hash_password(p.as_bytes())),
                None => d.flags |= user::uflag::NOPASS,
            }
        }
        self.refresh();
    }

    /// Recomputes the cached facts about `default` after any change to it.
    fn refresh(&mut self) {
        let d = self.users.get(DEFAULT);
        self.open = d.is_some_and(|u| u.selectors[0].is_unrestricted());
        self.needs_auth = d.is_none_or(|u| !u.nopass() || !u.enabled());
    }

    /// True while `default` has no password (`nopass`): with `protected-mode yes` the
    /// server then accepts only loopback connections.
    pub fn default_nopass(&self) -> bool {
        self.users.get(DEFAULT).is_some_and(|u| u.nopass())
    }

    /// True while `default` may run every command on every key and channel: its sessions
    /// skip the check.
    #[inline]
    pub fn open(&self) -> bool {
        self.open
    }

    /// True if a new connection is not authenticated (Redis `authRequired`: `default` has
    /// passwords, or is off).
    #[inline]
    pub fn needs_auth(&self) -> bool {
        self.needs_auth
    }

    /// A user by name.
    pub fn get(&self, name: &[u8]) -> Option<&User> {
        self.users.get(name)
    }

    /// Every user, by name.
    pub fn users(&self) -> impl Iterator<Item = &User> {
        self.users.values()
    }

    /// Replaces or creates `user` (its name is the key); returns the stored user.
    pub fn put(&mut self, mut u: User, existing: bool) -> &User {
        if !existing {
            u.uid = self.next_uid;
            self.next_uid += 1;
        }
        let name = u.name.clone();
        self.users.insert(name.clone(), u);
        self.refresh();
        &self.users[&name]
    }

    /// Removes a user (never `default`); true if it existed.
    pub fn remove(&mut self, name: &[u8]) -> bool {
        name != DEFAULT && self.users.remove(name).is_some()
    }

    /// Replaces every user with `users` (ACL LOAD): `default` keeps its identity.
    pub fn replace_all(&mut self, users: BTreeMap<Vec<u8>, User>) {
        let mut users = users;
        for (name, u) in users.iter_mut() {
            if name.as_slice() == DEFAULT {
                u.uid = 0;
            } else {
                u.uid = self.next_uid;
                self.next_uid += 1;
            }
        }
        users.entry(DEFAULT.to_vec()).or_insert_with(default_user);
        self.users = users;
        self.refresh();
    }

    /// The user a session runs as, if it still exists.
    pub fn user_of(&self, session: &Session) -> Option<&User> {
        match &session.user {
            None => self.users.get(DEFAULT),
            Some(r) => self.users.get(&*r.name).filter(|u| u.uid == r.uid),
        }
    }

    /// The stored user named `name` if `pass` authenticates it (Redis
    /// `ACLCheckUserCredentials`).
    pub fn credentials_ok(&self, name: &[u8], pass: &[u8]) -> Option<&User> {
        self.users.get(name).filter(|u| u.password_ok(pass))
    }
}

/// True under `acl-pubsub-default allchannels` (Redis ORs it into every new selector).
pub fn pubsub_all(cfg: &crate::config::Config) -> bool {
    crate::config::lookup(b"acl-pubsub-default")
        .is_some_and(|(spec, _)| spec.get(cfg) == "allchannels")
}

/// `default` as Redis creates it: `+@all ~* &* on nopass`.
fn default_user() -> User {
    let mut u = User::new(DEFAULT, 0, true);
    u.flags = user::uflag::ENABLED | user::uflag::NOPASS;
    let s = &mut u.selectors[0];
    s.allkeys = true;
    s.allchannels = true;
    s.make_all_commands();
    u
}

/// A refused command: why, and what (command full name, key or channel).
#[derive(Clone, Debug)]
pub struct Denial {
    /// Why.
    pub reason: Reason,
    /// Argument index of the key or channel (0 for a command).
    pub pos: usize,
    /// Full name of the command as ACL sees it (`config|get`).
    pub fullname: String,
}

/// The key positions of a call with what each needs (read/write), from the catalog's key
/// specs.
fn key_needs(ix: &Index, id: usize, spec: &CommandSpec, argv: &[&[u8]]) -> Vec<(usize, u8)> {
    // A call of the wrong arity has no keys to check (DRYRUN does not check arity).
    if !spec.arity_ok(argv.len()) {
        return Vec::new();
    }
    let positions = spec.key_positions(argv);
    if positions.is_empty() {
        return Vec::new();
    }
    let cmd = &ix.cmds[id];
    let default = if spec.has(crate::engine::flags::WRITE) {
        index::KEY_READ | index::KEY_WRITE
    } else {
        index::KEY_READ
    };
    let set_without_get =
        spec.name == "set" && !argv.iter().skip(3).any(|a| a.eq_ignore_ascii_case(b"get"));
    let bitfield_read_only = spec.name == "bitfield" && bitfield_read_only(argv);
    positions
        .into_iter()
        .enumerate()
        .filter(|&(_, p)| p < argv.len())
        .map(|(i, p)| {
            let need = if set_without_get || (spec.name == "sort" && i > 0) {
                // SORT's STORE destination is written (Redis `sortGetKeys` flags it
                // OW|UPDATE; its key specs are incomplete, so they cannot say so).
                index::KEY_WRITE
            } else if bitfield_read_only {
                index::KEY_READ
            } else if cmd.keys.is_empty() {
                default
            } else {
                cmd.keys[i.min(cmd.keys.len() - 1)]
            };
            (p, need)
        })
        .collect()
}

/// True when a BITFIELD call only reads (Redis `bitfieldGetKeys`): GET and OVERFLOW with
/// their arguments and nothing else; anything else, a malformed tail included, writes.
fn bitfield_read_only(argv: &[&[u8]]) -> bool {
    let mut i = 2;
    while i < argv.len() {
        let remaining = argv.len() - i - 1;
        let arg = argv[i];
        if arg.eq_ignore_ascii_case(b"get") && remaining >= 2 {
            i += 3;
        } else if arg.eq_ignore_ascii_case(b"overflow") && remaining >= 1 {
            i += 2;
        } else {
            return false;
        }
    }
    true
}

/// The channel arguments of PUBLISH, SUBSCRIBE, PSUBSCRIBE, SPUBLISH, SSUBSCRIBE.
fn channels_of(name: &str) -> user::Channels {
    match name {
        "publish" | "spublish" => user::Channels {
            args: Some((1, false)),
            one: true,
        },
        "subscribe" | "ssubscribe" => user::Channels {
            args: Some((1, false)),
            one: false,
        },
        "psubscribe" => user::Channels {
            args: Some((1, true)),
            one: false,
        },
        _ => user::Channels::default(),
    }
}

/// Redis `ACLCheckAllUserCommandPerm`: `Ok` if one of the user's selectors allows the
/// call; else the most relevant refusal (command < key < channel, the last argument).
pub fn check_user(
    ix: &Index,
    u: &User,
    spec: &CommandSpec,
    argv: &[&[u8]],
) -> std::result::Result<(), Denial> {
    let Some(id) = ix.id_of_call(spec, argv) else {
        return Ok(());
    };
    let keys = key_needs(ix, id, spec, argv);
    let channels = channels_of(spec.name);
    let mut worst = (Reason::Command, 0usize);
    for s in &u.selectors {
        match s.check(ix, id, argv, &keys, &channels) {
            Ok(()) => return Ok(()),
            Err((r, pos)) => {
                if r > worst.0 || (r == worst.0 && pos > worst.1) {
                    worst = (r, pos);
                }
            }
        }
    }
    Err(Denial {
        reason: worst.0,
        pos: worst.1,
        fullname: ix.cmds[id].fullname.clone(),
    })
}

/// Redis `ACLUserCheckCmdWithUnrestrictedKeyAccess` (SORT's BY and GET patterns read keys
/// that no argument names): one of the user's selectors allows this call and may read every
/// key — `allkeys`, or a `*` pattern with read permission.
pub fn unrestricted_key_access(ix: &Index, u: &User, spec: &CommandSpec, argv: &[&[u8]]) -> bool {
    let Some(id) = ix.id_of_call(spec, argv) else {
        return true;
    };
    let keys = key_needs(ix, id, spec, argv);
    let channels = channels_of(spec.name);
    u.selectors.iter().any(|s| {
        s.check(ix, id, argv, &keys, &channels).is_ok()
            && (s.allkeys
                || s.patterns
                    .iter()
                    .any(|p| p.flags & index::KEY_READ != 0 && p.pattern == b"*"))
    })
}

/// The check of one call by `session`: `Ok` or the denial, already logged in ACL LOG
/// with `context`. A session whose user was deleted is put back to an unauthenticated
/// `default` and refused with NOAUTH (a served connection is closed as well).
pub fn permit(
    store: &mut Store,
    session: &mut Session,
    spec: &'static CommandSpec,
    argv: &[&[u8]],
    context: Context,
) -> std::result::Result<(), Option<Denial>> {
    let ix = index(store.table());
    let Some(u) = store.acl.user_of(session) else {
        // Its user was deleted: Redis closes such a connection at once; one that was not
        // reached (DELUSER from an embedded handle) is refused and closed now. An embedded
        // handle continues as an unauthenticated `default`.
        session.user = None;
        session.authenticated = false;
        if session.link.is_some() {
            session.close_after_reply = true;
            return Err(None);
        }
        if store.acl.needs_auth() && !spec.has(crate::engine::flags::NO_AUTH) {
            return Err(None);
        }
        return permit(store, session, spec, argv, context);
    };
    match check_user(ix, u, spec, argv) {
        Ok(()) => Ok(()),
        Err(d) => {
            let object = match d.reason {
                Reason::Command => d.fullname.clone().into_bytes(),
                _ => argv.get(d.pos).map(|a| a.to_vec()).unwrap_or_default(),
            };
            let name = u.name.clone();
            add_log(store, session, d.reason, context, object, name);
            Err(Some(d))
        }
    }
}

impl Denial {
    /// The NOPERM error a client gets for a refused command.
    pub fn noperm(&self) -> Error {
        noperm(self)
    }

    /// The error an EXEC'd command gets when the rules changed after queueing.
    pub fn at_exec(&self) -> Error {
        noperm_at_exec(self)
    }

    /// The text `redis.call` raises.
    pub fn in_script(&self) -> &'static str {
        script_denial(self)
    }
}

/// The NOPERM error a client gets for a refused command (Redis `processCommand`).
pub fn noperm(d: &Denial) -> Error {
    let text = match d.reason {
        Reason::Command => format!(
            "NOPERM this user has no permissions to run the '{}' command",
            d.fullname
        ),
        Reason::Key => {
            "NOPERM this user has no permissions to access one of the keys used as arguments".into()
        }
        _ => "NOPERM this user has no permissions to access one of the channels used as arguments"
            .into(),
    };
    Error::new(ErrorKind::Other, text)
}

/// The error an EXEC'd command gets when the rules changed after it was queued (Redis
/// `execCommand`).
pub fn noperm_at_exec(d: &Denial) -> Error {
    let reason = match d.reason {
        Reason::Command => "no permission to execute the command or subcommand",
        Reason::Key => "no permission to touch the specified keys",
        _ => "no permission to access one of the channels used as arguments",
    };
    Error::new(
        ErrorKind::Other,
        format!(
            "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: {reason}"
        ),
    )
}

/// The text `redis.call` raises for a refused command (Redis `scriptCall`).
pub fn script_denial(d: &Denial) -> &'static str {
    match d.reason {
        Reason::Command => "The user executing the script can't run this command or subcommand",
        Reason::Key => "The user executing the script can't access at least one of the keys mentioned in the command arguments",
        _ => "The user executing the script can't publish to the channel mentioned in the command",
    }
}

/// `NOAUTH Authentication required.`
pub fn noauth() -> Error {
    Error::new(ErrorKind::Auth, "NOAUTH Authentication required.")
}

/// Redis `addACLLogEntry`: merges with a similar entry among the newest ten (same reason,
/// context, object, user, within 60 s), else adds one and trims the log.
pub fn add_log(
    store: &mut Store,
    session: &Session,
    reason: Reason,
    context: Context,
    object: Vec<u8>,
    username: Vec<u8>,
) {
    let now = store.clock.now_ms();
    let cinfo = (store.services().client_info)(store, session);
    let max_len = crate::engine::repl::config_int(&store.config, "acllog-max-len", 128);
    let log = &mut store.acl.log;
    let found = log.iter().take(10).position(|e| {
        e.reason == reason
            && e.context == context
            && e.ctime.abs_diff(now) <= 60_000
            && e.object == object
            && e.username == username
    });
    match found {
        Some(i) => {
            if let Some(mut e) = log.remove(i) {
                e.count += 1;
                e.ctime = now;
                e.cinfo = cinfo;
                log.push_front(e);
            }
        }
        None => {
            log.push_front(LogEntry {
                count: 1,
                reason,
                context,
                object,
                username,
                ctime: now,
                cinfo,
            });
            log.truncate(usize::try_from(max_len).unwrap_or(0));
        }
    }
}

/// Authenticates `session` as `name` with `pass` (Redis `ACLAuthenticateUser`); a failure
/// is logged (reason `auth`, object `argv0` as sent) and answered with WRONGPASS.
pub fn authenticate(
    store: &mut Store,
    session: &mut Session,
    name: &[u8],
    pass: &[u8],
    argv0: &[u8],
) -> Result<()> {
    if let Some(u) = store.acl.credentials_ok(name, pass) {
        session.user = (u.name.as_slice() != DEFAULT).then(|| UserRef {
            name: Arc::from(u.name.as_slice()),
            uid: u.uid,
        });
        session.authenticated = true;
        return Ok(());
    }
    let context = if session.tx.multi.is_some() {
        Context::Multi
    } else {
        Context::TopLevel
    };
    add_log(
        store,
        session,
        Reason::Auth,
        context,
        argv0.to_vec(),
        name.to_vec(),
    );
    Err(Error::new(
        ErrorKind::Auth,
        "WRONGPASS invalid username-password pair or user is disabled.",
    ))
}

/// Makes `path` the store's ACL file and loads its users (Redis at startup with
/// `aclfile`): a missing or bad file is an error naming it (and the line), and nothing
/// changes.
pub fn use_file(store: &mut Store, path: &std::path::Path) -> std::result::Result<(), String> {
    let ix = index(store.table());
    let users = file::load(ix, path, pubsub_all(&store.config))?;
    store.acl.replace_all(users);
    store.acl.file = Some(path.to_path_buf());
    store
        .config
        .set_initial("aclfile", path.display().to_string().as_bytes())
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// The name of the user a session runs as (`default` when none).
pub fn username(session: &Session) -> &[u8] {
    session.user.as_ref().map_or(DEFAULT, |r| &r.name)
}

impl Reason {
    fn name(self) -> &'static str {
        match self {
            Reason::Command => "command",
            Reason::Key => "key",
            Reason::Auth => "auth",
            Reason::Channel => "channel",
        }
    }
}
