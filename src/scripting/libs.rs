//! The libraries Redis loads besides Lua's own: `bit` (LuaBitOp's API), `cjson`
//! ([`crate::scripting::cjson`]), `cmsgpack` ([`crate::scripting::cmsgpack`]) and `struct`
//! ([`crate::scripting::structlib`]).

use mlua::{Lua, Table, Variadic};

/// Installs the libraries into the globals (before the prelude protects them).
pub fn install(lua: &Lua, g: &Table) -> mlua::Result<()> {
    g.set("bit", bit(lua)?)?;
    g.set("cjson", crate::scripting::cjson::table(lua)?)?;
    g.set("cmsgpack", crate::scripting::cmsgpack::table(lua)?)?;
    g.set("struct", crate::scripting::structlib::table(lua)?)?;
    Ok(())
}

/// LuaBitOp's `barg`: a number normalised to a signed 32-bit integer (rounded to nearest,
/// then taken modulo 2^32).
fn tobit(x: f64) -> i32 {
    if !x.is_finite() {
        return 0;
    }
    let r = x.round_ties_even();
    (r.rem_euclid(4_294_967_296.0) as u64 as u32) as i32
}

fn arg(lua: &Lua, fname: &str, i: usize, v: Option<&mlua::Value>) -> mlua::Result<i32> {
    let n = match v {
        Some(mlua::Value::Number(n)) => Some(*n),
        Some(mlua::Value::Integer(n)) => Some(*n as f64),
        Some(mlua::Value::String(s)) => std::str::from_utf8(&s.as_bytes())
            .ok()
            .and_then(|t| t.trim().parse::<f64>().ok()),
        _ => None,
    };
    match n {
        Some(n) => Ok(tobit(n)),
        None => {
            let got = v.map_or("no value", |v| v.type_name());
            crate::scripting::lua::raise_at(
                lua,
                &format!("bad argument #{i} to '{fname}' (number expected, got {got})"),
            )
        }
    }
}

fn bit(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.set(
        "tobit",
        lua.create_function(|lua, a: Variadic<mlua::Value>| {
            Ok(arg(lua, "tobit", 1, a.first())? as f64)
        })?,
    )?;
    t.set(
        "bnot",
        lua.create_function(|lua, a: Variadic<mlua::Value>| {
            Ok(!arg(lua, "bnot", 1, a.first())? as f64)
        })?,
    )?;
    type Fold = fn(i32, i32) -> i32;
    let folds: [(&str, Fold); 3] = [
        ("band", |a, b| a & b),
        ("bor", |a, b| a | b),
        ("bxor", |a, b| a ^ b),
    ];
    for (name, f) in folds {
        t.set(
            name,
            lua.create_function(move |lua, a: Variadic<mlua::Value>| {
                let mut acc = arg(lua, name, 1, a.first())?;
                for (i, v) in a.iter().enumerate().skip(1) {
                    acc = f(acc, arg(lua, name, i + 1, Some(v))?);
                }
                Ok(acc as f64)
            })?,
        )?;
    }
    type Shift = fn(i32, u32) -> i32;
    let shifts: [(&str, Shift); 5] = [
        ("lshift", |a, n| ((a as u32) << n) as i32),
        ("rshift", |a, n| ((a as u32) >> n) as i32),
        ("arshift", |a, n| a >> n),
        ("rol", |a, n| (a as u32).rotate_left(n) as i32),
        ("ror", |a, n| (a as u32).rotate_right(n) as i32),
    ];
    for (name, f) in shifts {
        t.set(
            name,
            lua.create_function(move |lua, a: Variadic<mlua::Value>| {
                let x = arg(lua, name, 1, a.first())?;
                let n = arg(lua, name, 2, a.get(1))? as u32 & 31;
                Ok(f(x, n) as f64)
            })?,
        )?;
    }
    t.set(
        "bswap",
        lua.create_function(|lua, a: Variadic<mlua::Value>| {
            Ok(arg(lua, "bswap", 1, a.first())?.swap_bytes() as f64)
        })?,
    )?;
    t.set(
        "tohex",
        lua.create_function(|lua, a: Variadic<mlua::Value>| {
            let x = arg(lua, "tohex", 1, a.first())? as u32;
            let n = match a.get(1) {
                None | Some(mlua::Value::Nil) => 8,
                v => arg(lua, "tohex", 2, v)?,
            };
            let upper = n < 0;
            let digits = n.unsigned_abs().min(8) as usize;
            let full = if upper {
                format!("{x:08X}")
            } else {
                format!("{x:08x}")
            };
            Ok(full[8 - digits..].to_string())
        })?,
    )?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tobit_wraps_and_rounds_like_luabitop() {
        assert_eq!(tobit(0xffff_ffffu32 as f64), -1);
        assert_eq!(tobit(4_294_967_296.0 + 5.0), 5);
        assert_eq!(tobit(-1.0), -1);
        assert_eq!(tobit(2.5), 2);
        assert_eq!(tobit(3.5), 4);
    }
}
