//! Lua ↔ reply conversions, as Redis 7.0's `script_lua.c` makes them.
//!
//! * A command's reply → Lua (`crate::scripting::raw`'s `push_value`, `redisProtocolToLuaType`), by the script's
//!   protocol (2 unless `redis.setresp(3)`): integers → numbers, bulk → strings, status →
//!   `{ok=…}`, error → `{err=…}`, RESP2 nulls → `false`, RESP3 null → `nil`, arrays →
//!   tables; under RESP3 maps → `{map={…}}`, sets → `{set={k=true}}`, doubles →
//!   `{double=n}`, booleans → booleans, verbatim → `{verbatim_string={format,string}}`.
//! * A script's result → reply ([`from_lua`], `luaReplyToRedisReply`): numbers truncate to
//!   integers, `{err=…}` / `{ok=…}` / `{double=…}` / `{big_number=…}` / `{map=…}` /
//!   `{set=…}` / `{verbatim_string=…}` tables, arrays stop at the first nil, `true` → 1
//!   (RESP2 script) or `#t`, `false` → null (RESP2 script) or `#f`, anything else → null.

use mlua::{Lua, Table};

use crate::engine::sanitize;
use crate::value::Value;

/// Deepest table nesting converted (a self-referencing table would recurse forever).
const MAX_DEPTH: usize = 1000;

/// Redis's `luaPushErrorBuff`: `-CODE msg` keeps its code, a bare message gets `ERR`; the
/// message is trimmed of CR/LF. Returns the final `CODE msg` text.
pub fn error_text(buf: &[u8]) -> Vec<u8> {
    let (code, msg): (&[u8], &[u8]) = match buf.strip_prefix(b"-") {
        Some(rest) => match rest.iter().position(|&b| b == b' ') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (b"ERR", rest),
        },
        None => (b"ERR", buf),
    };
    let is_crlf = |b: &u8| *b == b'\r' || *b == b'\n';
    let start = msg.iter().position(|b| !is_crlf(b)).unwrap_or(msg.len());
    let end = msg
        .iter()
        .rposition(|b| !is_crlf(b))
        .map_or(start, |i| i + 1);
    let msg = &msg[start..end.max(start)];
    let mut out = Vec::with_capacity(code.len() + 1 + msg.len());
    out.extend_from_slice(code);
    out.push(b' ');
    out.extend_from_slice(msg);
    // lua_pushstring stops at a NUL.
    if let Some(i) = out.iter().position(|&b| b == 0) {
        out.truncate(i);
    }
    out
}

/// `{err = error_text(buf)}`.
pub fn err_table(lua: &Lua, buf: &[u8]) -> mlua::Result<mlua::Value> {
    let t = lua.create_table_with_capacity(0, 1)?;
    t.raw_set("err", lua.create_string(error_text(buf))?)?;
    Ok(mlua::Value::Table(t))
}

/// A script's result as a reply (see the module docs). `resp` is the script's protocol at
/// its end.
pub fn from_lua(v: mlua::Value, resp: u8) -> Value {
    from_lua_at(v, resp, 0)
}

/// A Lua string as reply text, any bytes kept (`crate::util::text`).
fn text(s: &mlua::String) -> String {
    crate::util::text::lossless(&s.as_bytes()).into_owned()
}

fn from_lua_at(v: mlua::Value, resp: u8, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Error("ERR reached lua stack limit".into());
    }
    match v {
        mlua::Value::String(s) => Value::Bulk(s.as_bytes().to_vec()),
        mlua::Value::Boolean(b) => {
            if resp == 2 {
                if b {
                    Value::Int(1)
                } else {
                    Value::Nil
                }
            } else {
                Value::Bool(b)
            }
        }
        mlua::Value::Number(n) => Value::Int(truncate(n)),
        mlua::Value::Integer(i) => Value::Int(i),
        mlua::Value::Table(t) => table_reply(t, resp, depth),
        _ => Value::Nil,
    }
}

/// C's `(long long)` cast of a double (out-of-range values give LLONG_MIN on x86-64).
pub(crate) fn truncate(n: f64) -> i64 {
    if n.is_nan() || !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&n) {
        i64::MIN
    } else {
        n as i64
    }
}

fn table_reply(t: Table, resp: u8, depth: usize) -> Value {
    if let Ok(mlua::Value::String(e)) = t.raw_get::<mlua::Value>("err") {
        // addReplyErrorFormat: "-%s", newlines mapped to spaces.
        return Value::Error(sanitize(&text(&e)));
    }
    if let Ok(mlua::Value::String(s)) = t.raw_get::<mlua::Value>("ok") {
        return Value::Simple(sanitize(&text(&s)));
    }
    match t.raw_get::<mlua::Value>("double") {
        Ok(mlua::Value::Number(d)) => return Value::Double(d),
        Ok(mlua::Value::Integer(i)) => return Value::Double(i as f64),
        _ => {}
    }
    if let Ok(mlua::Value::String(s)) = t.raw_get::<mlua::Value>("big_number") {
        // addReplyBigNum: a big number to a RESP3 client, a bulk string to a RESP2 one.
        return Value::BigNumber(sanitize(&text(&s)));
    }
    if let Ok(mlua::Value::Table(vt)) = t.raw_get::<mlua::Value>("verbatim_string") {
        if let (Ok(mlua::Value::String(f)), Ok(mlua::Value::String(s))) = (
            vt.raw_get::<mlua::Value>("format"),
            vt.raw_get::<mlua::Value>("string"),
        ) {
            let f: String = text(&f).chars().take(3).collect();
            return Value::Verbatim(f, s.as_bytes().to_vec());
        }
    }
    if let Ok(mlua::Value::Table(m)) = t.raw_get::<mlua::Value>("map") {
        let mut out = Vec::new();
        for (k, v) in m.pairs::<mlua::Value, mlua::Value>().flatten() {
            out.push((
                from_lua_at(k, resp, depth + 1),
                from_lua_at(v, resp, depth + 1),
            ));
        }
        return Value::Map(out);
    }
    if let Ok(mlua::Value::Table(s)) = t.raw_get::<mlua::Value>("set") {
        let mut out = Vec::new();
        for (k, _) in s.pairs::<mlua::Value, mlua::Value>().flatten() {
            out.push(from_lua_at(k, resp, depth + 1));
        }
        return Value::Set(out);
    }
    let mut out = Vec::new();
    let mut j = 1usize;
    loop {
        match t.raw_get::<mlua::Value>(j) {
            Ok(mlua::Value::Nil) | Err(_) => break,
            Ok(v) => out.push(from_lua_at(v, resp, depth + 1)),
        }
        j += 1;
    }
    Value::Array(out)
}

/// The reply of a script that raised `e` (the prelude's handler made it a table
/// `{err=…, source=…, line=…}`): `<err> script: <name>, on <source>:<line>.`.
pub fn error_reply(e: mlua::Value, name: &str) -> Value {
    let mlua::Value::Table(t) = e else {
        let msg = match &e {
            mlua::Value::String(s) => text(s),
            _ => "execution failure".to_string(),
        };
        let msg: String = msg.chars().take(100).collect();
        return Value::Error(sanitize(&format!("ERR Error running script {name}, {msg}")));
    };
    let field = |k: &str| -> Option<String> {
        match t.raw_get::<mlua::Value>(k) {
            Ok(mlua::Value::String(s)) => Some(text(&s)),
            Ok(mlua::Value::Number(n)) => Some(lua_number(n)),
            Ok(mlua::Value::Integer(i)) => Some(i.to_string()),
            _ => None,
        }
    };
    let mut msg = field("err").unwrap_or_default();
    if let (Some(source), Some(line)) = (field("source"), field("line")) {
        msg.push_str(&format!(" script: {name}, on {source}:{line}."));
    }
    Value::Error(sanitize(&msg))
}

/// Lua's `%.14g` number formatting (lua_tostring).
fn lua_number(n: f64) -> String {
    crate::util::float::fmt_g(n, 14)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_text_as_lua_push_error_buff() {
        assert_eq!(error_text(b"-WRONGTYPE Operation"), b"WRONGTYPE Operation");
        assert_eq!(error_text(b"-oops"), b"ERR oops");
        assert_eq!(error_text(b"plain msg\r\n"), b"ERR plain msg");
        assert_eq!(error_text(b"-My err"), b"My err");
    }

    #[test]
    fn numbers_truncate_like_c() {
        assert_eq!(truncate(3.99), 3);
        assert_eq!(truncate(-2.9), -2);
        assert_eq!(truncate(1e30), i64::MIN);
    }
}
