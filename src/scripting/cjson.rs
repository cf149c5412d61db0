//! `cjson`: Redis's lua-cjson (`encode`, `decode`, `null`), written to give its output and
//! its error texts: numbers as `%.14g`, `/` escaped, arrays detected as lua-cjson does
//! (positive integer keys; "excessively sparse" past 10 slots at over half empty), an empty
//! table encoded as `{}`, parse errors naming the token and its character position.
//!
//! lua-cjson's configuration functions (`encode_max_depth`, `decode_max_depth`,
//! `encode_invalid_numbers`, `decode_invalid_numbers`, `encode_sparse_array`,
//! `encode_number_precision`, `encode_keep_buffer`) set and return the settings of the Lua
//! state's `cjson`, with lua-cjson's defaults and bounds; `encode_keep_buffer` is only
//! remembered (emu keeps no encode buffer between calls).

use std::sync::Arc;

use mlua::{LightUserData, Lua, Table, Variadic};
use parking_lot::Mutex;

use crate::scripting::lua::raise_at;

/// lua-cjson's `json_config_t` (the settings its configuration functions change).
#[derive(Clone, Copy, Debug)]
struct Cfg {
    encode_max_depth: i64,
    decode_max_depth: i64,
    /// 0 off, 1 on (`nan`, `inf`), 2 `null`.
    encode_invalid_numbers: i64,
    decode_invalid_numbers: bool,
    sparse_convert: bool,
    sparse_ratio: i64,
    sparse_safe: i64,
    precision: i64,
    keep_buffer: bool,
}

impl Default for Cfg {
    fn default() -> Cfg {
        Cfg {
            encode_max_depth: MAX_DEPTH as i64,
            decode_max_depth: MAX_DEPTH as i64,
            encode_invalid_numbers: 0,
            decode_invalid_numbers: true,
            sparse_convert: false,
            sparse_ratio: 2,
            sparse_safe: 10,
            precision: 14,
            keep_buffer: true,
        }
    }
}

/// lua-cjson's `json_arg_init`: at most `n` arguments.
fn check_args(lua: &Lua, name: &str, args: &Variadic<mlua::Value>, n: usize) -> mlua::Result<()> {
    if args.len() > n {
        return raise_at(
            lua,
            &format!(
                "bad argument #{} to '{name}' (found too many arguments)",
                n + 1
            ),
        );
    }
    Ok(())
}

/// lua-cjson's `json_integer_option`: sets `*setting` from argument `i` (unless nil),
/// within `lo..=hi`.
fn integer_option(
    lua: &Lua,
    name: &str,
    args: &Variadic<mlua::Value>,
    i: usize,
    setting: &mut i64,
    lo: i64,
    hi: i64,
) -> mlua::Result<()> {
    let v = match args.get(i) {
        None | Some(mlua::Value::Nil) => return Ok(()),
        Some(mlua::Value::Integer(n)) => Some(*n),
        Some(mlua::Value::Number(n)) => Some(*n as i64),
        Some(mlua::Value::String(s)) => std::str::from_utf8(&s.as_bytes())
            .ok()
            .and_then(|t| t.trim().parse::<f64>().ok())
            .map(|f| f as i64),
        Some(_) => None,
    };
    let Some(v) = v else {
        let got = args[i].type_name();
        return raise_at(
            lua,
            &format!(
                "bad argument #{} to '{name}' (number expected, got {got})",
                i + 1
            ),
        );
    };
    if v < lo || v > hi {
        return raise_at(
            lua,
            &format!("bad argument #1 to '{name}' (expected integer between {lo} and {hi})"),
        );
    }
    *setting = v;
    Ok(())
}

/// lua-cjson's `json_enum_option` with `options` (index 0 and 1 also taken as booleans):
/// sets `*setting` from argument `i` (unless nil) and returns the setting as lua-cjson
/// does (a boolean for 0 and 1, else the option's name).
fn enum_option(
    lua: &Lua,
    name: &str,
    args: &Variadic<mlua::Value>,
    i: usize,
    setting: &mut i64,
    options: &[&str],
) -> mlua::Result<mlua::Value> {
    match args.get(i) {
        None | Some(mlua::Value::Nil) => {}
        Some(mlua::Value::Boolean(b)) => *setting = i64::from(*b),
        Some(mlua::Value::String(s)) => {
            let t = s.as_bytes();
            match options.iter().position(|o| o.as_bytes() == &t[..]) {
                Some(p) => *setting = p as i64,
                None => {
                    return raise_at(
                        lua,
                        &format!(
                            "bad argument #{} to '{name}' (invalid option '{}')",
                            i + 1,
                            String::from_utf8_lossy(&t)
                        ),
                    )
                }
            }
        }
        Some(other) => {
            return raise_at(
                lua,
                &format!(
                    "bad argument #{} to '{name}' (string expected, got {})",
                    i + 1,
                    other.type_name()
                ),
            )
        }
    }
    Ok(match *setting {
        0 => mlua::Value::Boolean(false),
        1 => mlua::Value::Boolean(true),
        n => mlua::Value::String(lua.create_string(options[n as usize])?),
    })
}

const BOOL_OPTIONS: &[&str] = &["off", "on"];

const MAX_DEPTH: usize = 1000;

/// `cjson.<name>([n])`: reads and, given a value, sets one integer setting within
/// `lo..=hi` (lua-cjson's `json_integer_option`); returns the setting.
fn int_setting(
    lua: &Lua,
    t: &Table,
    cfg: &Arc<Mutex<Cfg>>,
    name: &'static str,
    field: fn(&mut Cfg) -> &mut i64,
    lo: i64,
    hi: i64,
) -> mlua::Result<()> {
    let c = cfg.clone();
    t.set(
        name,
        lua.create_function(move |lua, args: Variadic<mlua::Value>| {
            check_args(lua, name, &args, 1)?;
            let mut g = c.lock();
            let v = field(&mut g);
            integer_option(lua, name, &args, 0, v, lo, hi)?;
            Ok(*v)
        })?,
    )
}

/// `cjson.<name>([on|off|bool])`: reads and, given a value, sets one boolean setting
/// (lua-cjson's `json_enum_option` over off/on); returns it as lua-cjson does.
fn bool_setting(
    lua: &Lua,
    t: &Table,
    cfg: &Arc<Mutex<Cfg>>,
    name: &'static str,
    field: fn(&mut Cfg) -> &mut bool,
) -> mlua::Result<()> {
    let c = cfg.clone();
    t.set(
        name,
        lua.create_function(move |lua, args: Variadic<mlua::Value>| {
            check_args(lua, name, &args, 1)?;
            let mut g = c.lock();
            let flag = field(&mut g);
            let mut v = i64::from(*flag);
            let out = enum_option(lua, name, &args, 0, &mut v, BOOL_OPTIONS)?;
            *flag = v != 0;
            Ok(out)
        })?,
    )
}

/// The `cjson` table.
pub fn table(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    let cfg = Arc::new(Mutex::new(Cfg::default()));
    let c = cfg.clone();
    t.set(
        "encode",
        lua.create_function(move |lua, args: Variadic<mlua::Value>| {
            if args.len() != 1 {
                return raise_at(lua, "bad argument #1 to 'encode' (expected 1 argument)");
            }
            let cfg = *c.lock();
            let mut out = Vec::new();
            encode(lua, &cfg, &args[0], 0, &mut out)?;
            lua.create_string(out)
        })?,
    )?;
    int_setting(
        lua,
        &t,
        &cfg,
        "encode_max_depth",
        |g| &mut g.encode_max_depth,
        1,
        i32::MAX as i64,
    )?;
    int_setting(
        lua,
        &t,
        &cfg,
        "decode_max_depth",
        |g| &mut g.decode_max_depth,
        1,
        i32::MAX as i64,
    )?;
    int_setting(
        lua,
        &t,
        &cfg,
        "encode_number_precision",
        |g| &mut g.precision,
        1,
        14,
    )?;
    let c = cfg.clone();
    t.set(
        "encode_invalid_numbers",
        lua.create_function(move |lua, args: Variadic<mlua::Value>| {
            let name = "encode_invalid_numbers";
            check_args(lua, name, &args, 1)?;
            let mut g = c.lock();
            enum_option(
                lua,
                name,
                &args,
                0,
                &mut g.encode_invalid_numbers,
                &["off", "on", "null"],
            )
        })?,
    )?;
    bool_setting(lua, &t, &cfg, "decode_invalid_numbers", |g| {
        &mut g.decode_invalid_numbers
    })?;
    bool_setting(lua, &t, &cfg, "encode_keep_buffer", |g| &mut g.keep_buffer)?;
    let c = cfg.clone();
    t.set(
        "encode_sparse_array",
        lua.create_function(move |lua, args: Variadic<mlua::Value>| {
            let name = "encode_sparse_array";
            check_args(lua, name, &args, 3)?;
            let mut g = c.lock();
            let mut v = i64::from(g.sparse_convert);
            let convert = enum_option(lua, name, &args, 0, &mut v, BOOL_OPTIONS)?;
            g.sparse_convert = v != 0;
            integer_option(lua, name, &args, 1, &mut g.sparse_ratio, 0, i32::MAX as i64)?;
            integer_option(lua, name, &args, 2, &mut g.sparse_safe, 0, i32::MAX as i64)?;
            Ok((convert, g.sparse_ratio, g.sparse_safe))
        })?,
    )?;
    let c = cfg;
    t.set(
        "decode",
        lua.create_function(move |lua, args: Variadic<mlua::Value>| {
            if args.len() != 1 {
                return raise_at(lua, "bad argument #1 to 'decode' (expected 1 argument)");
            }
            let text = match &args[0] {
                mlua::Value::String(s) => s.as_bytes().to_vec(),
                mlua::Value::Number(n) => crate::util::float::fmt_g(*n, 14).into_bytes(),
                mlua::Value::Integer(i) => i.to_string().into_bytes(),
                other => {
                    return raise_at(
                        lua,
                        &format!(
                            "bad argument #1 to 'decode' (string expected, got {})",
                            other.type_name()
                        ),
                    )
                }
            };
            Parser {
                lua,
                cfg: *c.lock(),
                s: &text,
                pos: 0,
                depth: 0,
            }
            .document()
        })?,
    )?;
    t.set("null", null())?;
    t.set("_NAME", "cjson")?;
    t.set("_VERSION", "2.1.0")?;
    Ok(t)
}

fn null() -> mlua::Value {
    mlua::Value::LightUserData(LightUserData(std::ptr::null_mut()))
}

fn fail<T>(lua: &Lua, what: &str, why: &str) -> mlua::Result<T> {
    raise_at(lua, &format!("Cannot serialise {what}: {why}"))
}

fn encode_string(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &c in s {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'/' => out.extend_from_slice(b"\\/"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            0..=0x1f | 0x7f => out.extend_from_slice(format!("\\u{c:04x}").as_bytes()),
            _ => out.push(c),
        }
    }
    out.push(b'"');
}

fn encode_number(lua: &Lua, cfg: &Cfg, n: f64, out: &mut Vec<u8>) -> mlua::Result<()> {
    if !n.is_finite() {
        match cfg.encode_invalid_numbers {
            0 => return fail(lua, "number", "must not be NaN or Inf"),
            1 if n.is_nan() => {
                out.extend_from_slice(b"nan");
                return Ok(());
            }
            1 => {}
            _ => {
                out.extend_from_slice(b"null");
                return Ok(());
            }
        }
    }
    out.extend_from_slice(crate::util::float::fmt_g(n, cfg.precision as usize).as_bytes());
    Ok(())
}

/// lua-cjson's `lua_array_length`: Some(max) for an array, None for an object.
fn array_length(lua: &Lua, cfg: &Cfg, t: &Table) -> mlua::Result<Option<usize>> {
    let mut max = 0usize;
    let mut items = 0usize;
    for pair in t.clone().pairs::<mlua::Value, mlua::Value>() {
        let (k, _) = pair?;
        let n = match k {
            mlua::Value::Number(n) => n,
            mlua::Value::Integer(i) => i as f64,
            _ => return Ok(None),
        };
        if n < 1.0 || n.floor() != n {
            return Ok(None);
        }
        max = max.max(n as usize);
        items += 1;
    }
    let ratio = cfg.sparse_ratio as usize;
    if ratio > 0 && max > items * ratio && max > cfg.sparse_safe as usize {
        if !cfg.sparse_convert {
            return fail(lua, "table", "excessively sparse array");
        }
        return Ok(None);
    }
    Ok(Some(max))
}

fn encode(
    lua: &Lua,
    cfg: &Cfg,
    v: &mlua::Value,
    depth: usize,
    out: &mut Vec<u8>,
) -> mlua::Result<()> {
    match v {
        mlua::Value::Nil => out.extend_from_slice(b"null"),
        mlua::Value::LightUserData(p) if p.0.is_null() => out.extend_from_slice(b"null"),
        mlua::Value::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        mlua::Value::Number(n) => encode_number(lua, cfg, *n, out)?,
        mlua::Value::Integer(i) => encode_number(lua, cfg, *i as f64, out)?,
        mlua::Value::String(s) => encode_string(&s.as_bytes(), out),
        mlua::Value::Table(t) => {
            let depth = depth + 1;
            if depth as i64 > cfg.encode_max_depth {
                return raise_at(
                    lua,
                    &format!("Cannot serialise, excessive nesting ({depth})"),
                );
            }
            match array_length(lua, cfg, t)? {
                Some(len) if len > 0 => {
                    out.push(b'[');
                    for i in 1..=len {
                        if i > 1 {
                            out.push(b',');
                        }
                        let item: mlua::Value = t.raw_get(i)?;
                        encode(lua, cfg, &item, depth, out)?;
                    }
                    out.push(b']');
                }
                _ => {
                    out.push(b'{');
                    let mut first = true;
                    for pair in t.clone().pairs::<mlua::Value, mlua::Value>() {
                        let (k, val) = pair?;
                        if !first {
                            out.push(b',');
                        }
                        first = false;
                        match &k {
                            mlua::Value::Number(n) => {
                                out.push(b'"');
                                encode_number(lua, cfg, *n, out)?;
                                out.push(b'"');
                            }
                            mlua::Value::Integer(i) => {
                                out.push(b'"');
                                encode_number(lua, cfg, *i as f64, out)?;
                                out.push(b'"');
                            }
                            mlua::Value::String(s) => encode_string(&s.as_bytes(), out),
                            other => {
                                return fail(
                                    lua,
                                    other.type_name(),
                                    "table key must be a number or string",
                                )
                            }
                        }
                        out.push(b':');
                        encode(lua, cfg, &val, depth, out)?;
                    }
                    out.push(b'}');
                }
            }
        }
        other => return fail(lua, other.type_name(), "type not supported"),
    }
    Ok(())
}

/// A lexical token (lua-cjson's `json_token_type_t`) with its start offset.
#[derive(Clone, Debug, PartialEq)]
enum Tok {
    ObjBegin,
    ObjEnd,
    ArrBegin,
    ArrEnd,
    Str(Vec<u8>),
    Num(f64),
    Bool(bool),
    Null,
    Colon,
    Comma,
    End,
    Error(&'static str),
}

impl Tok {
    fn name(&self) -> &'static str {
        match self {
            Tok::ObjBegin => "T_OBJ_BEGIN",
            Tok::ObjEnd => "T_OBJ_END",
            Tok::ArrBegin => "T_ARR_BEGIN",
            Tok::ArrEnd => "T_ARR_END",
            Tok::Str(_) => "T_STRING",
            Tok::Num(_) => "T_NUMBER",
            Tok::Bool(_) => "T_BOOLEAN",
            Tok::Null => "T_NULL",
            Tok::Colon => "T_COLON",
            Tok::Comma => "T_COMMA",
            Tok::End => "T_END",
            Tok::Error(msg) => msg,
        }
    }
}

struct Parser<'a> {
    lua: &'a Lua,
    cfg: Cfg,
    s: &'a [u8],
    pos: usize,
    depth: usize,
}

/// lua-cjson's `json_is_invalid_number`: text Redis's cjson still hands to strtod
/// (`decode_invalid_numbers` is on): `+…`, hex, leading zeros, inf, nan.
fn is_invalid_number(p: &[u8]) -> bool {
    if p.first() == Some(&b'+') {
        return true;
    }
    let p = p.strip_prefix(b"-").unwrap_or(p);
    match p.first() {
        Some(b'0') => p
            .get(1)
            .is_some_and(|c| (c | 0x20) == b'x' || c.is_ascii_digit()),
        Some(c) if *c <= b'9' => false,
        None => false,
        _ => {
            let head = |w: &[u8]| p.len() >= 3 && p[..3].eq_ignore_ascii_case(w);
            head(b"inf") || head(b"nan")
        }
    }
}

/// The longest prefix of `s` C's `strtod` reads, and its value.
fn strtod(s: &[u8]) -> Option<(f64, usize)> {
    let mut i = 0;
    let neg = match s.first() {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let sign = if neg { -1.0 } else { 1.0 };
    let rest = &s[i..];
    let starts = |w: &[u8]| rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w);
    if starts(b"infinity") {
        return Some((sign * f64::INFINITY, i + 8));
    }
    if starts(b"inf") {
        return Some((sign * f64::INFINITY, i + 3));
    }
    if starts(b"nan") {
        return Some((f64::NAN, i + 3));
    }
    if rest.len() > 2 && rest[0] == b'0' && (rest[1] | 0x20) == b'x' && rest[2].is_ascii_hexdigit()
    {
        let mut j = 2;
        let mut v = 0f64;
        while let Some(d) = rest.get(j).and_then(|c| (*c as char).to_digit(16)) {
            v = v * 16.0 + d as f64;
            j += 1;
        }
        return Some((sign * v, i + j));
    }
    let mut end = i;
    let mut digits = 0;
    while s.get(end).is_some_and(u8::is_ascii_digit) {
        end += 1;
        digits += 1;
    }
    if s.get(end) == Some(&b'.') {
        end += 1;
        while s.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    if matches!(s.get(end), Some(b'e' | b'E')) {
        let mut e = end + 1;
        if matches!(s.get(e), Some(b'+' | b'-')) {
            e += 1;
        }
        if s.get(e).is_some_and(u8::is_ascii_digit) {
            while s.get(e).is_some_and(u8::is_ascii_digit) {
                e += 1;
            }
            end = e;
        }
    }
    let text = std::str::from_utf8(&s[i..end]).ok()?;
    let text = text.strip_suffix('.').unwrap_or(text);
    text.parse::<f64>().ok().map(|v| (sign * v, end))
}

impl Parser<'_> {
    fn next(&mut self) -> (Tok, usize) {
        while self
            .s
            .get(self.pos)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
        {
            self.pos += 1;
        }
        let at = self.pos;
        let Some(&c) = self.s.get(at) else {
            return (Tok::End, at);
        };
        let simple = match c {
            b'{' => Some(Tok::ObjBegin),
            b'}' => Some(Tok::ObjEnd),
            b'[' => Some(Tok::ArrBegin),
            b']' => Some(Tok::ArrEnd),
            b':' => Some(Tok::Colon),
            b',' => Some(Tok::Comma),
            _ => None,
        };
        if let Some(t) = simple {
            self.pos += 1;
            return (t, at);
        }
        let tok = match c {
            b'"' => match self.string() {
                Ok(t) => t,
                Err((msg, pos)) => return (Tok::Error(msg), pos),
            },
            b'-' | b'0'..=b'9' => {
                if !self.cfg.decode_invalid_numbers && is_invalid_number(&self.s[at..]) {
                    Tok::Error("invalid number")
                } else {
                    self.number()
                }
            }
            b't' if self.s[at..].starts_with(b"true") => {
                self.pos += 4;
                Tok::Bool(true)
            }
            b'f' if self.s[at..].starts_with(b"false") => {
                self.pos += 5;
                Tok::Bool(false)
            }
            b'n' if self.s[at..].starts_with(b"null") => {
                self.pos += 4;
                Tok::Null
            }
            _ if is_invalid_number(&self.s[at..]) => {
                if self.cfg.decode_invalid_numbers {
                    self.number()
                } else {
                    Tok::Error("invalid number")
                }
            }
            _ => Tok::Error("invalid token"),
        };
        (tok, at)
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let h = self.s.get(at..at + 4)?;
        u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()
    }

    /// A string token; an error with the position lua-cjson reports it at.
    fn string(&mut self) -> Result<Tok, (&'static str, usize)> {
        let mut out = Vec::new();
        self.pos += 1;
        loop {
            let Some(&c) = self.s.get(self.pos) else {
                return Err(("unexpected end of string", self.pos));
            };
            self.pos += 1;
            match c {
                b'"' => return Ok(Tok::Str(out)),
                b'\\' => {
                    let esc = self.pos - 1;
                    let Some(&e) = self.s.get(self.pos) else {
                        return Err(("unexpected end of string", self.pos));
                    };
                    self.pos += 1;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(0x08),
                        b'f' => out.push(0x0c),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let Some(mut cp) = self.hex4(self.pos) else {
                                return Err(("invalid unicode escape code", esc));
                            };
                            self.pos += 4;
                            if (0xD800..0xDC00).contains(&cp) {
                                let low = if self.s.get(self.pos..self.pos + 2) == Some(b"\\u") {
                                    self.hex4(self.pos + 2)
                                } else {
                                    None
                                };
                                match low {
                                    Some(lo) if (0xDC00..0xE000).contains(&lo) => {
                                        self.pos += 6;
                                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                                    }
                                    _ => return Err(("invalid unicode escape code", esc)),
                                }
                            } else if (0xDC00..0xE000).contains(&cp) {
                                return Err(("invalid unicode escape code", esc));
                            }
                            match char::from_u32(cp) {
                                Some(ch) => {
                                    let mut buf = [0u8; 4];
                                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                                }
                                None => return Err(("invalid unicode escape code", esc)),
                            }
                        }
                        _ => return Err(("invalid escape code", esc)),
                    }
                }
                _ => out.push(c),
            }
        }
    }

    fn number(&mut self) -> Tok {
        match strtod(&self.s[self.pos..]) {
            Some((n, len)) => {
                self.pos += len;
                Tok::Num(n)
            }
            None => Tok::Error("invalid number"),
        }
    }

    fn expected<T>(&self, what: &str, tok: &Tok, at: usize) -> mlua::Result<T> {
        raise_at(
            self.lua,
            &format!(
                "Expected {what} but found {} at character {}",
                tok.name(),
                at + 1
            ),
        )
    }

    fn document(mut self) -> mlua::Result<mlua::Value> {
        let (tok, at) = self.next();
        let v = self.value(tok, at)?;
        let (tok, at) = self.next();
        if tok != Tok::End {
            return self.expected("the end", &tok, at);
        }
        Ok(v)
    }

    fn enter(&mut self, at: usize) -> mlua::Result<()> {
        self.depth += 1;
        if self.depth as i64 > self.cfg.decode_max_depth {
            return raise_at(
                self.lua,
                &format!(
                    "Found too many nested data structures ({}) at character {}",
                    self.depth,
                    at + 1
                ),
            );
        }
        Ok(())
    }

    fn value(&mut self, tok: Tok, at: usize) -> mlua::Result<mlua::Value> {
        let lua = self.lua;
        Ok(match tok {
            Tok::Str(s) => mlua::Value::String(lua.create_string(s)?),
            Tok::Num(n) => mlua::Value::Number(n),
            Tok::Bool(b) => mlua::Value::Boolean(b),
            Tok::Null => null(),
            Tok::ObjBegin => {
                self.enter(at)?;
                let t = lua.create_table()?;
                let (mut tok, mut at) = self.next();
                if tok != Tok::ObjEnd {
                    loop {
                        let Tok::Str(key) = tok else {
                            return self.expected("object key string", &tok, at);
                        };
                        let (colon, cat) = self.next();
                        if colon != Tok::Colon {
                            return self.expected("colon", &colon, cat);
                        }
                        let (vt, vat) = self.next();
                        let v = self.value(vt, vat)?;
                        t.raw_set(lua.create_string(key)?, v)?;
                        let (sep, sat) = self.next();
                        match sep {
                            Tok::ObjEnd => break,
                            Tok::Comma => {}
                            other => return self.expected("comma or object end", &other, sat),
                        }
                        (tok, at) = self.next();
                    }
                }
                self.depth -= 1;
                mlua::Value::Table(t)
            }
            Tok::ArrBegin => {
                self.enter(at)?;
                let t = lua.create_table()?;
                let (mut tok, mut at) = self.next();
                if tok != Tok::ArrEnd {
                    let mut i = 1;
                    loop {
                        let v = self.value(tok, at)?;
                        t.raw_set(i, v)?;
                        i += 1;
                        let (sep, sat) = self.next();
                        match sep {
                            Tok::ArrEnd => break,
                            Tok::Comma => {}
                            other => return self.expected("comma or array end", &other, sat),
                        }
                        (tok, at) = self.next();
                    }
                }
                self.depth -= 1;
                mlua::Value::Table(t)
            }
            other => return self.expected("value", &other, at),
        })
    }
}
