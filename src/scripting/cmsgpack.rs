//! `cmsgpack`: Redis's lua_cmsgpack (`pack`, `unpack`, `unpack_one`, `unpack_limit`),
//! written to give its bytes: integers in their smallest form, non-integers as float32 when
//! exact (else float64), a table is an array when its keys are exactly 1..n (an empty table
//! is an empty array), nesting deeper than 16 packs as nil, unsupported types as nil.

use mlua::{Lua, Table, Variadic};

use crate::scripting::lua::raise_at;

const MAX_NESTING: usize = 16;

/// The `cmsgpack` table.
pub fn table(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.set(
        "pack",
        lua.create_function(|lua, args: Variadic<mlua::Value>| {
            if args.is_empty() {
                return raise_at(
                    lua,
                    "bad argument #0 to 'pack' (MessagePack pack needs input.)",
                );
            }
            let mut out = Vec::new();
            for a in args.iter() {
                pack(a, 0, &mut out)?;
            }
            lua.create_string(out)
        })?,
    )?;
    t.set(
        "unpack",
        lua.create_function(|lua, args: Variadic<mlua::Value>| {
            unpack_full(lua, "unpack", &args, 0, 0, false)
        })?,
    )?;
    t.set(
        "unpack_one",
        lua.create_function(|lua, args: Variadic<mlua::Value>| {
            let offset = opt_int(args.get(1));
            unpack_full(lua, "unpack_one", &args, 1, offset, true)
        })?,
    )?;
    t.set(
        "unpack_limit",
        lua.create_function(|lua, args: Variadic<mlua::Value>| {
            let limit = opt_int(args.get(1));
            let offset = opt_int(args.get(2));
            unpack_full(lua, "unpack_limit", &args, limit, offset, true)
        })?,
    )?;
    t.set("_NAME", "cmsgpack")?;
    t.set("_VERSION", "lua-cmsgpack 0.4.0")?;
    Ok(t)
}

fn opt_int(v: Option<&mlua::Value>) -> i64 {
    match v {
        Some(mlua::Value::Number(n)) => n.trunc() as i64,
        Some(mlua::Value::Integer(i)) => *i,
        Some(mlua::Value::String(s)) => std::str::from_utf8(&s.as_bytes())
            .ok()
            .and_then(|t| t.trim().parse::<f64>().ok())
            .map_or(0, |n| n.trunc() as i64),
        _ => 0,
    }
}

fn pack_int(n: i64, out: &mut Vec<u8>) {
    if n >= 0 {
        if n <= 127 {
            out.push(n as u8);
        } else if n <= 0xff {
            out.extend_from_slice(&[0xcc, n as u8]);
        } else if n <= 0xffff {
            out.push(0xcd);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        } else if n <= 0xffff_ffff {
            out.push(0xce);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        } else {
            out.push(0xcf);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    } else if n >= -32 {
        out.push(n as i8 as u8);
    } else if n >= -128 {
        out.extend_from_slice(&[0xd0, n as i8 as u8]);
    } else if n >= -32768 {
        out.push(0xd1);
        out.extend_from_slice(&(n as i16).to_be_bytes());
    } else if n >= -2_147_483_648 {
        out.push(0xd2);
        out.extend_from_slice(&(n as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn pack_number(n: f64, out: &mut Vec<u8>) {
    if !n.is_infinite() && (n as i64) as f64 == n {
        pack_int(n as i64, out);
        return;
    }
    let f = n as f32;
    if f as f64 == n {
        out.push(0xca);
        out.extend_from_slice(&f.to_be_bytes());
    } else {
        out.push(0xcb);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn pack_len(len: usize, fix: u8, fix_max: usize, w16: u8, w32: u8, out: &mut Vec<u8>) {
    if len < fix_max {
        out.push(fix | len as u8);
    } else if len <= 0xffff {
        out.push(w16);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(w32);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
}

fn pack_bytes(b: &[u8], out: &mut Vec<u8>) {
    let len = b.len();
    if len < 32 {
        out.push(0xa0 | len as u8);
    } else if len <= 0xff {
        out.extend_from_slice(&[0xd9, len as u8]);
    } else if len <= 0xffff {
        out.push(0xda);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
    out.extend_from_slice(b);
}

/// lua_cmsgpack's `table_is_an_array`: keys exactly 1..n.
fn array_len(t: &Table) -> mlua::Result<Option<usize>> {
    let mut count = 0usize;
    let mut max = 0usize;
    for pair in t.clone().pairs::<mlua::Value, mlua::Value>() {
        let (k, _) = pair?;
        let n = match k {
            mlua::Value::Number(n) => n,
            mlua::Value::Integer(i) => i as f64,
            _ => return Ok(None),
        };
        let idx = n as i64;
        if idx as f64 != n || idx < 1 {
            return Ok(None);
        }
        count += 1;
        max = max.max(idx as usize);
    }
    Ok((max == count).then_some(count))
}

fn pack(v: &mlua::Value, level: usize, out: &mut Vec<u8>) -> mlua::Result<()> {
    match v {
        mlua::Value::Boolean(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        mlua::Value::Number(n) => pack_number(*n, out),
        mlua::Value::Integer(i) => pack_int(*i, out),
        mlua::Value::String(s) => pack_bytes(&s.as_bytes(), out),
        mlua::Value::Table(t) if level < MAX_NESTING => match array_len(t)? {
            Some(len) => {
                pack_len(len, 0x90, 16, 0xdc, 0xdd, out);
                for i in 1..=len {
                    let item: mlua::Value = t.raw_get(i)?;
                    pack(&item, level + 1, out)?;
                }
            }
            None => {
                // Counted, then packed in a second walk (as lua_cmsgpack): holding every
                // pair at once would overflow Lua's stack of references on a big map.
                let mut n = 0usize;
                for pair in t.clone().pairs::<mlua::Value, mlua::Value>() {
                    pair?;
                    n += 1;
                }
                pack_len(n, 0x80, 16, 0xde, 0xdf, out);
                for pair in t.clone().pairs::<mlua::Value, mlua::Value>() {
                    let (k, val) = pair?;
                    pack(&k, level + 1, out)?;
                    pack(&val, level + 1, out)?;
                }
            }
        },
        _ => out.push(0xc0),
    }
    Ok(())
}

enum Fail {
    Eof,
    BadFormat,
}

struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], Fail> {
        let end = self.pos.checked_add(n).ok_or(Fail::Eof)?;
        let b = self.s.get(self.pos..end).ok_or(Fail::Eof)?;
        self.pos = end;
        Ok(b)
    }

    fn be(&mut self, n: usize) -> Result<u64, Fail> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | b as u64))
    }

    fn value(&mut self, lua: &Lua) -> Result<mlua::Result<mlua::Value>, Fail> {
        let tag = self.be(1)? as u8;
        let num = |n: f64| Ok(Ok(mlua::Value::Number(n)));
        match tag {
            0x00..=0x7f => num(tag as f64),
            0xe0..=0xff => num(tag as i8 as f64),
            0xcc => num(self.be(1)? as f64),
            0xcd => num(self.be(2)? as f64),
            0xce => num(self.be(4)? as f64),
            0xcf => num(self.be(8)? as f64),
            0xd0 => num(self.be(1)? as u8 as i8 as f64),
            0xd1 => num(self.be(2)? as u16 as i16 as f64),
            0xd2 => num(self.be(4)? as u32 as i32 as f64),
            0xd3 => num(self.be(8)? as i64 as f64),
            0xca => num(f32::from_bits(self.be(4)? as u32) as f64),
            0xcb => num(f64::from_bits(self.be(8)?)),
            0xc0 => Ok(Ok(mlua::Value::Nil)),
            0xc2 => Ok(Ok(mlua::Value::Boolean(false))),
            0xc3 => Ok(Ok(mlua::Value::Boolean(true))),
            0xa0..=0xbf => self.bytes(lua, (tag & 0x1f) as usize),
            0xd9 | 0xc4 => {
                let n = self.be(1)? as usize;
                self.bytes(lua, n)
            }
            0xda | 0xc5 => {
                let n = self.be(2)? as usize;
                self.bytes(lua, n)
            }
            0xdb | 0xc6 => {
                let n = self.be(4)? as usize;
                self.bytes(lua, n)
            }
            0x90..=0x9f => self.array(lua, (tag & 0x0f) as usize),
            0xdc => {
                let n = self.be(2)? as usize;
                self.array(lua, n)
            }
            0xdd => {
                let n = self.be(4)? as usize;
                self.array(lua, n)
            }
            0x80..=0x8f => self.map(lua, (tag & 0x0f) as usize),
            0xde => {
                let n = self.be(2)? as usize;
                self.map(lua, n)
            }
            0xdf => {
                let n = self.be(4)? as usize;
                self.map(lua, n)
            }
            _ => Err(Fail::BadFormat),
        }
    }

    fn bytes(&mut self, lua: &Lua, n: usize) -> Result<mlua::Result<mlua::Value>, Fail> {
        let b = self.take(n)?;
        Ok(lua.create_string(b).map(mlua::Value::String))
    }

    fn array(&mut self, lua: &Lua, n: usize) -> Result<mlua::Result<mlua::Value>, Fail> {
        let t = match lua.create_table() {
            Ok(t) => t,
            Err(e) => return Ok(Err(e)),
        };
        for i in 1..=n {
            let v = match self.value(lua)? {
                Ok(v) => v,
                Err(e) => return Ok(Err(e)),
            };
            if let Err(e) = t.raw_set(i, v) {
                return Ok(Err(e));
            }
        }
        Ok(Ok(mlua::Value::Table(t)))
    }

    fn map(&mut self, lua: &Lua, n: usize) -> Result<mlua::Result<mlua::Value>, Fail> {
        let t = match lua.create_table() {
            Ok(t) => t,
            Err(e) => return Ok(Err(e)),
        };
        for _ in 0..n {
            let k = match self.value(lua)? {
                Ok(v) => v,
                Err(e) => return Ok(Err(e)),
            };
            let v = match self.value(lua)? {
                Ok(v) => v,
                Err(e) => return Ok(Err(e)),
            };
            if !k.is_nil() {
                if let Err(e) = t.raw_set(k, v) {
                    return Ok(Err(e));
                }
            }
        }
        Ok(Ok(mlua::Value::Table(t)))
    }
}

/// lua_cmsgpack's `mp_unpack_full`: up to `limit` values (0 = all) from `offset`; with
/// `with_offset` the next offset (or -1 at the end) comes first.
fn unpack_full(
    lua: &Lua,
    fname: &str,
    args: &[mlua::Value],
    limit: i64,
    offset: i64,
    with_offset: bool,
) -> mlua::Result<Variadic<mlua::Value>> {
    let s = match args.first() {
        Some(mlua::Value::String(s)) => s.as_bytes().to_vec(),
        Some(mlua::Value::Number(n)) => crate::util::float::fmt_g(*n, 14).into_bytes(),
        Some(mlua::Value::Integer(i)) => i.to_string().into_bytes(),
        other => {
            let got = other.map_or("no value", |v| v.type_name());
            return raise_at(
                lua,
                &format!("bad argument #1 to '{fname}' (string expected, got {got})"),
            );
        }
    };
    let len = s.len() as i64;
    if offset < 0 || limit < 0 {
        return raise_at(
            lua,
            &format!("Invalid request to unpack with offset of {offset} and limit of {limit}."),
        );
    }
    if offset > len {
        return raise_at(
            lua,
            &format!("Start offset {offset} greater than input length {len}."),
        );
    }
    let mut c = Cursor {
        s: &s,
        pos: offset as usize,
    };
    let mut values = Vec::new();
    while c.pos < s.len() && (limit == 0 || (values.len() as i64) < limit) {
        match c.value(lua) {
            Ok(v) => values.push(v?),
            Err(Fail::Eof) => return raise_at(lua, "Missing bytes in input."),
            Err(Fail::BadFormat) => return raise_at(lua, "Bad data format in input."),
        }
    }
    let mut out = Vec::with_capacity(values.len() + 1);
    if with_offset {
        let next = if c.pos < s.len() { c.pos as f64 } else { -1.0 };
        out.push(mlua::Value::Number(next));
    }
    out.extend(values);
    Ok(Variadic::from_iter(out))
}
