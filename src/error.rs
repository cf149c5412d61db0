//! The one error type of the library.
//!
//! An [`Error`] carries a [`ErrorKind`] for matching and the exact text Redis would send
//! (including its code prefix, e.g. `WRONGTYPE Operation against a key holding the wrong kind
//! of value`), so a reply can be rendered byte-identically on the wire.

use std::fmt;

/// What went wrong, for matching in code.
///
/// ```
/// let redis = emu::Redis::new();
/// redis.set("name", "ada")?;
/// let e = redis.incr("name").unwrap_err();
/// assert_eq!(e.kind(), emu::ErrorKind::NotInteger);
/// assert_eq!(e.message(), "ERR value is not an integer or out of range");
/// # Ok::<(), emu::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// `WRONGTYPE` — operation against a key holding the wrong kind of value.
    WrongType,
    /// Value is not an integer or out of range.
    NotInteger,
    /// Value is not a valid float.
    NotFloat,
    /// `ERR syntax error` and other malformed-argument errors.
    Syntax,
    /// Index, count or numeric argument out of range.
    OutOfRange,
    /// No such key (RENAME and friends).
    NoSuchKey,
    /// Wrong number of arguments.
    Arity,
    /// Unknown command or subcommand.
    UnknownCommand,
    /// `EXECABORT` — transaction discarded.
    ExecAbort,
    /// WATCHed key changed: transaction not executed (client side).
    Watch,
    /// `NOAUTH` / `WRONGPASS`.
    Auth,
    /// A reply could not be converted to the requested Rust type (client side).
    Conversion,
    /// I/O failure (files, sockets).
    Io,
    /// Client-side connection failure: pool exhausted ("Too many connections"), an address
    /// or URL form the embedded store does not serve (redis-py's `ConnectionError`).
    Connection,
    /// A [`crate::client::Lock`] misuse: releasing or extending a lock not held, a
    /// blocking acquire that timed out (redis-py's `LockError`).
    Lock,
    /// The lock's key no longer holds our token: it expired or another client took it
    /// (redis-py's `LockNotOwnedError`).
    LockNotOwned,
    /// `CROSSSLOT` — in cluster mode, the keys of a command (or of a transaction) do not
    /// all hash to the same slot (see [`crate::util::slot`]).
    CrossSlot,
    /// Any other `ERR`-style reply.
    Other,
}

/// An error reply from the engine or a client-side failure.
///
/// ```
/// let redis = emu::Redis::new();
/// redis.sadd("s", "m")?;
/// let e = redis.lpush("s", "x").unwrap_err();
/// assert_eq!(e.kind(), emu::ErrorKind::WrongType);
/// assert_eq!(e.to_string(), "WRONGTYPE Operation against a key holding the wrong kind of value");
/// # Ok::<(), emu::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    /// An error with an explicit kind and full message (including the code prefix).
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// `ERR <msg>` of kind `Other`.
    pub fn err(msg: impl AsRef<str>) -> Error {
        Error::new(ErrorKind::Other, format!("ERR {}", msg.as_ref()))
    }

    /// Builds an error from a raw error-reply text, inferring the kind from its code and text.
    pub fn from_reply(text: impl Into<String>) -> Error {
        let text = text.into();
        let kind = classify(&text);
        Error::new(kind, text)
    }

    /// `ERR syntax error`.
    pub fn syntax() -> Error {
        Error::new(ErrorKind::Syntax, "ERR syntax error")
    }

    /// `WRONGTYPE Operation against a key holding the wrong kind of value`.
    pub fn wrong_type() -> Error {
        Error::new(
            ErrorKind::WrongType,
            "WRONGTYPE Operation against a key holding the wrong kind of value",
        )
    }

    /// `ERR value is not an integer or out of range`.
    pub fn not_integer() -> Error {
        Error::new(
            ErrorKind::NotInteger,
            "ERR value is not an integer or out of range",
        )
    }

    /// `ERR value is not a valid float`.
    pub fn not_float() -> Error {
        Error::new(ErrorKind::NotFloat, "ERR value is not a valid float")
    }

    /// `ERR no such key`.
    pub fn no_such_key() -> Error {
        Error::new(ErrorKind::NoSuchKey, "ERR no such key")
    }

    /// `ERR index out of range`.
    pub fn out_of_range(msg: &str) -> Error {
        Error::new(ErrorKind::OutOfRange, format!("ERR {msg}"))
    }

    /// `ERR wrong number of arguments for '<name>' command`.
    pub fn arity(name: &str) -> Error {
        Error::new(
            ErrorKind::Arity,
            format!("ERR wrong number of arguments for '{name}' command"),
        )
    }

    /// A client-side conversion failure.
    pub fn conversion(msg: impl Into<String>) -> Error {
        Error::new(ErrorKind::Conversion, msg)
    }

    /// An I/O failure with context.
    pub fn io(context: impl fmt::Display, e: std::io::Error) -> Error {
        Error::new(ErrorKind::Io, format!("{context}: {e}"))
    }

    /// The kind, for matching.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The full message as Redis sends it (code prefix included).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The error code: the first word of the message (`ERR`, `WRONGTYPE`, …).
    pub fn code(&self) -> &str {
        self.message.split(' ').next().unwrap_or("")
    }
}

fn classify(text: &str) -> ErrorKind {
    let code = text.split(' ').next().unwrap_or("");
    match code {
        "WRONGTYPE" => ErrorKind::WrongType,
        "EXECABORT" => ErrorKind::ExecAbort,
        "NOAUTH" | "WRONGPASS" => ErrorKind::Auth,
        "CROSSSLOT" => ErrorKind::CrossSlot,
        _ => {
            if text.contains("not an integer") {
                ErrorKind::NotInteger
            } else if text.contains("not a valid float") {
                ErrorKind::NotFloat
            } else if text.contains("syntax error") {
                ErrorKind::Syntax
            } else if text.contains("out of range") {
                ErrorKind::OutOfRange
            } else if text.contains("no such key") {
                ErrorKind::NoSuchKey
            } else if text.contains("wrong number of arguments") {
                ErrorKind::Arity
            } else if text.contains("unknown command") || text.contains("unknown subcommand") {
                ErrorKind::UnknownCommand
            } else {
                ErrorKind::Other
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.message)
    }
}

impl std::error::Error for Error {}

/// Result alias used throughout the crate.
pub type Result<T> = std::result::Result<T, Error>;
