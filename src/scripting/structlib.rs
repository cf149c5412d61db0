//! `struct`: Redis's lua_struct (`pack`, `unpack`, `size`) — binary packing with `<` / `>`
//! endianness, `!n` alignment, `b B h H l L T i[n] I[n]` integers (long and size_t are 8
//! bytes, as on x86-64), `f d` floats, `s` zero-terminated and `c[n]` fixed strings, `x`
//! padding; its error texts.

use mlua::{Lua, Table, Variadic};

use crate::scripting::lua::raise_at;

const MAXINTSIZE: usize = 32;
const MAXALIGN: usize = 8;

/// The `struct` table.
pub fn table(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.set("pack", lua.create_function(pack)?)?;
    t.set("unpack", lua.create_function(unpack)?)?;
    t.set("size", lua.create_function(size)?)?;
    Ok(t)
}

struct Header {
    big: bool,
    align: usize,
}

fn arg_error<T>(lua: &Lua, fname: &str, i: usize, msg: &str) -> mlua::Result<T> {
    raise_at(lua, &format!("bad argument #{i} to '{fname}' ({msg})"))
}

/// How a missing argument is named: `pack` pushes a nil mark above its arguments, so there
/// a missing one reads as `nil`; elsewhere it is `no value`.
fn missing(fname: &str) -> &'static str {
    if fname == "pack" {
        "nil"
    } else {
        "no value"
    }
}

fn check_string(lua: &Lua, fname: &str, args: &[mlua::Value], i: usize) -> mlua::Result<Vec<u8>> {
    match args.get(i - 1) {
        Some(mlua::Value::String(s)) => Ok(s.as_bytes().to_vec()),
        Some(mlua::Value::Number(n)) => Ok(crate::util::float::fmt_g(*n, 14).into_bytes()),
        Some(mlua::Value::Integer(n)) => Ok(n.to_string().into_bytes()),
        other => {
            let got = other.map_or(missing(if i == 1 { "" } else { fname }), |v| v.type_name());
            arg_error(lua, fname, i, &format!("string expected, got {got}"))
        }
    }
}

fn check_number(lua: &Lua, fname: &str, args: &[mlua::Value], i: usize) -> mlua::Result<f64> {
    let v = args.get(i - 1);
    let n = match v {
        Some(mlua::Value::Number(n)) => Some(*n),
        Some(mlua::Value::Integer(n)) => Some(*n as f64),
        Some(mlua::Value::String(s)) => std::str::from_utf8(&s.as_bytes())
            .ok()
            .and_then(|t| t.trim().parse::<f64>().ok()),
        _ => None,
    };
    match n {
        Some(n) => Ok(n),
        None => {
            let got = v.map_or(missing(fname), |v| v.type_name());
            arg_error(lua, fname, i, &format!("number expected, got {got}"))
        }
    }
}

/// `getnum`: a decimal count at `fmt[*at..]`, or `df`.
fn getnum(lua: &Lua, fmt: &[u8], at: &mut usize, df: usize) -> mlua::Result<usize> {
    if !fmt.get(*at).is_some_and(u8::is_ascii_digit) {
        return Ok(df);
    }
    let mut a: usize = 0;
    while let Some(d) = fmt.get(*at).filter(|c| c.is_ascii_digit()) {
        let d = (d - b'0') as usize;
        if a > (i32::MAX as usize) / 10 || a * 10 > i32::MAX as usize - d {
            return raise_at(lua, "integral size overflow");
        }
        a = a * 10 + d;
        *at += 1;
    }
    Ok(a)
}

fn optsize(lua: &Lua, opt: u8, fmt: &[u8], at: &mut usize) -> mlua::Result<usize> {
    Ok(match opt {
        b'B' | b'b' | b'x' => 1,
        b'H' | b'h' => 2,
        b'L' | b'l' | b'T' | b'd' => 8,
        b'f' => 4,
        b'c' => getnum(lua, fmt, at, 1)?,
        b'i' | b'I' => {
            let sz = getnum(lua, fmt, at, 4)?;
            if sz > MAXINTSIZE {
                return raise_at(
                    lua,
                    &format!("integral size {sz} is larger than limit of {MAXINTSIZE}"),
                );
            }
            sz
        }
        _ => 0,
    })
}

fn gettoalign(len: usize, h: &Header, opt: u8, size: usize) -> usize {
    if size == 0 || opt == b'c' {
        return 0;
    }
    let size = size.min(h.align);
    (size - (len & (size - 1))) & (size - 1)
}

fn controloptions(
    lua: &Lua,
    fname: &str,
    opt: u8,
    fmt: &[u8],
    at: &mut usize,
    h: &mut Header,
) -> mlua::Result<()> {
    match opt {
        b' ' => Ok(()),
        b'>' => {
            h.big = true;
            Ok(())
        }
        b'<' => {
            h.big = false;
            Ok(())
        }
        b'!' => {
            let a = getnum(lua, fmt, at, MAXALIGN)?;
            if !a.is_power_of_two() {
                return raise_at(lua, &format!("alignment {a} is not a power of 2"));
            }
            h.align = a;
            Ok(())
        }
        _ => arg_error(
            lua,
            fname,
            1,
            &format!("invalid format option '{}'", opt as char),
        ),
    }
}

fn put_integer(n: f64, big: bool, size: usize, out: &mut Vec<u8>) {
    let mut value: u64 = if n < 0.0 { (n as i64) as u64 } else { n as u64 };
    let mut buf = vec![0u8; size];
    for i in 0..size {
        let idx = if big { size - 1 - i } else { i };
        buf[idx] = (value & 0xff) as u8;
        value = value.checked_shr(8).unwrap_or(0);
    }
    out.extend_from_slice(&buf);
}

fn get_integer(b: &[u8], big: bool, signed: bool) -> f64 {
    let size = b.len();
    let mut l: u64 = 0;
    let bytes: Box<dyn Iterator<Item = &u8>> = if big {
        Box::new(b.iter())
    } else {
        Box::new(b.iter().rev())
    };
    for &x in bytes {
        l = (l << 8) | x as u64;
    }
    if !signed {
        return l as f64;
    }
    if size > 0 && size <= 8 {
        let mask = u64::MAX << (size * 8 - 1);
        if l & mask != 0 {
            l |= mask;
        }
    }
    l as i64 as f64
}

fn pack(lua: &Lua, args: Variadic<mlua::Value>) -> mlua::Result<mlua::String> {
    let fmt = check_string(lua, "pack", &args, 1)?;
    let mut h = Header {
        big: false,
        align: 1,
    };
    let mut arg = 2;
    let mut total = 0usize;
    let mut out = Vec::new();
    let mut at = 0;
    while at < fmt.len() {
        let opt = fmt[at];
        at += 1;
        let mut size = optsize(lua, opt, &fmt, &mut at)?;
        let toalign = gettoalign(total, &h, opt, size);
        total += toalign;
        out.extend(std::iter::repeat_n(0u8, toalign));
        match opt {
            b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' => {
                let n = check_number(lua, "pack", &args, arg)?;
                arg += 1;
                put_integer(n, h.big, size, &mut out);
            }
            b'x' => out.push(0),
            b'f' => {
                let f = check_number(lua, "pack", &args, arg)? as f32;
                arg += 1;
                out.extend_from_slice(&if h.big {
                    f.to_be_bytes()
                } else {
                    f.to_le_bytes()
                });
            }
            b'd' => {
                let d = check_number(lua, "pack", &args, arg)?;
                arg += 1;
                out.extend_from_slice(&if h.big {
                    d.to_be_bytes()
                } else {
                    d.to_le_bytes()
                });
            }
            b'c' | b's' => {
                let s = check_string(lua, "pack", &args, arg)?;
                arg += 1;
                if size == 0 {
                    size = s.len();
                }
                if s.len() < size {
                    return arg_error(lua, "pack", arg, "string too short");
                }
                out.extend_from_slice(&s[..size]);
                if opt == b's' {
                    out.push(0);
                    size += 1;
                }
            }
            _ => controloptions(lua, "pack", opt, &fmt, &mut at, &mut h)?,
        }
        total += size;
    }
    lua.create_string(out)
}

fn unpack(lua: &Lua, args: Variadic<mlua::Value>) -> mlua::Result<Variadic<mlua::Value>> {
    let fmt = check_string(lua, "unpack", &args, 1)?;
    let data = check_string(lua, "unpack", &args, 2)?;
    let ld = data.len();
    let mut pos = match args.get(2) {
        None | Some(mlua::Value::Nil) => 1i64,
        Some(_) => check_number(lua, "unpack", &args, 3)? as i64,
    };
    if pos <= 0 {
        return arg_error(lua, "unpack", 3, "offset must be 1 or greater");
    }
    pos -= 1;
    let mut pos = pos as usize;
    let mut h = Header {
        big: false,
        align: 1,
    };
    let mut out: Vec<mlua::Value> = Vec::new();
    let mut at = 0;
    while at < fmt.len() {
        let opt = fmt[at];
        at += 1;
        let mut size = optsize(lua, opt, &fmt, &mut at)?;
        pos += gettoalign(pos, &h, opt, size);
        if !(size <= ld && pos <= ld - size) {
            return arg_error(lua, "unpack", 2, "data string too short");
        }
        match opt {
            b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' => {
                let signed = opt.is_ascii_lowercase();
                let v = get_integer(&data[pos..pos + size], h.big, signed);
                out.push(mlua::Value::Number(v));
            }
            b'x' => {}
            b'f' => {
                let mut b = [0u8; 4];
                b.copy_from_slice(&data[pos..pos + 4]);
                let f = if h.big {
                    f32::from_be_bytes(b)
                } else {
                    f32::from_le_bytes(b)
                };
                out.push(mlua::Value::Number(f as f64));
            }
            b'd' => {
                let mut b = [0u8; 8];
                b.copy_from_slice(&data[pos..pos + 8]);
                let d = if h.big {
                    f64::from_be_bytes(b)
                } else {
                    f64::from_le_bytes(b)
                };
                out.push(mlua::Value::Number(d));
            }
            b'c' => {
                if size == 0 {
                    let prev = match out.last() {
                        Some(mlua::Value::Number(n)) => Some(*n),
                        Some(mlua::Value::String(s)) => std::str::from_utf8(&s.as_bytes())
                            .ok()
                            .and_then(|t| t.trim().parse::<f64>().ok()),
                        _ => None,
                    };
                    let Some(n) = prev else {
                        return raise_at(lua, "format 'c0' needs a previous size");
                    };
                    out.pop();
                    size = n as usize;
                    if !(size <= ld && pos <= ld - size) {
                        return arg_error(lua, "unpack", 2, "data string too short");
                    }
                }
                out.push(mlua::Value::String(
                    lua.create_string(&data[pos..pos + size])?,
                ));
            }
            b's' => {
                let Some(e) = data[pos..].iter().position(|&b| b == 0) else {
                    return raise_at(lua, "unfinished string in data");
                };
                size = e + 1;
                out.push(mlua::Value::String(lua.create_string(&data[pos..pos + e])?));
            }
            _ => controloptions(lua, "unpack", opt, &fmt, &mut at, &mut h)?,
        }
        pos += size;
    }
    out.push(mlua::Value::Number((pos + 1) as f64));
    Ok(Variadic::from_iter(out))
}

fn size(lua: &Lua, args: Variadic<mlua::Value>) -> mlua::Result<f64> {
    let fmt = check_string(lua, "size", &args, 1)?;
    let mut h = Header {
        big: false,
        align: 1,
    };
    let mut pos = 0usize;
    let mut at = 0;
    while at < fmt.len() {
        let opt = fmt[at];
        at += 1;
        let size = optsize(lua, opt, &fmt, &mut at)?;
        pos += gettoalign(pos, &h, opt, size);
        if opt == b's' {
            return arg_error(lua, "size", 1, "option 's' has no fixed size");
        } else if opt == b'c' && size == 0 {
            return arg_error(lua, "size", 1, "option 'c0' has no fixed size");
        }
        if !opt.is_ascii_alphanumeric() {
            controloptions(lua, "size", opt, &fmt, &mut at, &mut h)?;
        }
        pos += size;
    }
    Ok(pos as f64)
}
