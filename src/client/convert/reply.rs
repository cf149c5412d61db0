//! [`FromValue`] implementations for the standard types.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::hash::{BuildHasher, Hash};

use super::{incompatible, FromValue};
use crate::error::{Error, Result};
use crate::util::float::fmt_g17;
use crate::util::{parse_f64, parse_i64};
use crate::value::Value;

impl FromValue for Value {
    fn from_value(v: Value) -> Result<Self> {
        Ok(v)
    }
}

impl FromValue for () {
    fn from_value(v: Value) -> Result<Self> {
        match v {
            Value::Error(_) => Err(incompatible(&v, "()")),
            _ => Ok(()),
        }
    }
}

impl FromValue for String {
    fn from_value(v: Value) -> Result<Self> {
        match v {
            Value::Bulk(b) | Value::Verbatim(_, b) => String::from_utf8(b).map_err(|e| {
                Error::conversion(format!(
                    "reply is not valid UTF-8 ({e}); read it as Vec<u8> instead"
                ))
            }),
            Value::Simple(s) => Ok(s),
            Value::Int(i) => Ok(i.to_string()),
            Value::Double(d) => Ok(fmt_g17(d)),
            Value::DoubleText(t) => Ok(t),
            other => Err(incompatible(&other, "String")),
        }
    }
}

/// Bytes of a string-like reply, if it is one.
fn string_bytes(v: Value) -> std::result::Result<Vec<u8>, Value> {
    match v {
        Value::Bulk(b) | Value::Verbatim(_, b) => Ok(b),
        Value::Simple(s) | Value::DoubleText(s) => Ok(s.into_bytes()),
        other => Err(other),
    }
}

/// An integer from an integer-ish reply (integer, boolean, decimal text).
fn int_of(v: &Value) -> Option<i128> {
    match v {
        Value::Int(i) => Some(*i as i128),
        Value::Bool(b) => Some(*b as i128),
        Value::Bulk(b) | Value::Verbatim(_, b) => int_text(b),
        Value::Simple(s) => int_text(s.as_bytes()),
        _ => None,
    }
}

/// Decimal integer text: Redis's strict form, plus unsigned values above `i64::MAX`.
fn int_text(b: &[u8]) -> Option<i128> {
    if let Some(i) = parse_i64(b) {
        return Some(i as i128);
    }
    if b.first().is_some_and(|c| (b'1'..=b'9').contains(c)) && b.iter().all(u8::is_ascii_digit) {
        return std::str::from_utf8(b)
            .ok()?
            .parse::<u64>()
            .ok()
            .map(i128::from);
    }
    None
}

macro_rules! int_from_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(v: Value) -> Result<Self> {
                int_of(&v)
                    .and_then(|i| <$t>::try_from(i).ok())
                    .ok_or_else(|| incompatible(&v, stringify!($t)))
            }
        }
    )*};
}
int_from_value!(i8, i16, i32, i64, i128, isize, u16, u32, u64, u128, usize);

impl FromValue for u8 {
    fn from_value(v: Value) -> Result<Self> {
        int_of(&v)
            .and_then(|i| u8::try_from(i).ok())
            .ok_or_else(|| incompatible(&v, "u8"))
    }

    fn from_byte_vec(bytes: Vec<u8>) -> std::result::Result<Vec<u8>, Vec<u8>> {
        Ok(bytes)
    }
}

impl FromValue for f64 {
    fn from_value(v: Value) -> Result<Self> {
        let parsed = match &v {
            Value::Double(d) => Some(*d),
            Value::DoubleText(t) => parse_f64(t.as_bytes()),
            Value::Int(i) => Some(*i as f64),
            Value::Bulk(b) | Value::Verbatim(_, b) => parse_f64(b),
            Value::Simple(s) => parse_f64(s.as_bytes()),
            _ => None,
        };
        parsed.ok_or_else(|| incompatible(&v, "f64"))
    }
}

impl FromValue for f32 {
    fn from_value(v: Value) -> Result<Self> {
        f64::from_value(v).map(|d| d as f32)
    }
}

impl FromValue for bool {
    fn from_value(v: Value) -> Result<Self> {
        match &v {
            Value::Int(i) => Ok(*i != 0),
            Value::Bool(b) => Ok(*b),
            Value::Nil | Value::NilArray => Ok(false),
            Value::Simple(s) if s == "OK" => Ok(true),
            Value::Bulk(b) if b == b"1" => Ok(true),
            Value::Bulk(b) if b == b"0" => Ok(false),
            _ => Err(incompatible(&v, "bool")),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: Value) -> Result<Self> {
        match v {
            Value::Nil | Value::NilArray => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

/// The elements of a collection reply, with maps flattened (`k1, v1, k2, v2…`) and nil as
/// empty; `None` for a reply that is not a collection.
fn elements(v: Value) -> std::result::Result<Vec<Value>, Value> {
    match v {
        Value::Array(a) | Value::Set(a) | Value::Push(a) => Ok(a),
        Value::Map(m) => Ok(m.into_iter().flat_map(|(k, v)| [k, v]).collect()),
        Value::Nil | Value::NilArray => Ok(Vec::new()),
        other => Err(other),
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    fn from_value(v: Value) -> Result<Self> {
        let v = match string_bytes(v) {
            Ok(bytes) => match T::from_byte_vec(bytes) {
                Ok(vec) => return Ok(vec),
                Err(bytes) => Value::Bulk(bytes),
            },
            Err(v) => v,
        };
        match elements(v) {
            Ok(items) => T::from_value_list(items),
            Err(other) => Err(incompatible(&other, "Vec")),
        }
    }
}

impl<T: FromValue> FromValue for VecDeque<T> {
    fn from_value(v: Value) -> Result<Self> {
        Vec::<T>::from_value(v).map(VecDeque::from)
    }
}

impl<T: FromValue + Eq + Hash, S: BuildHasher + Default> FromValue for HashSet<T, S> {
    fn from_value(v: Value) -> Result<Self> {
        match v {
            Value::Array(a) | Value::Set(a) | Value::Push(a) => {
                a.into_iter().map(T::from_value).collect()
            }
            Value::Nil | Value::NilArray => Ok(HashSet::default()),
            other => Err(incompatible(&other, "HashSet")),
        }
    }
}

impl<T: FromValue + Ord> FromValue for BTreeSet<T> {
    fn from_value(v: Value) -> Result<Self> {
        match v {
            Value::Array(a) | Value::Set(a) | Value::Push(a) => {
                a.into_iter().map(T::from_value).collect()
            }
            Value::Nil | Value::NilArray => Ok(BTreeSet::new()),
            other => Err(incompatible(&other, "BTreeSet")),
        }
    }
}

/// Key/value pairs of a map-like reply: a map, an array of 2-element arrays, or a flat
/// array of even length. Nil is empty.
fn pairs(v: Value, what: &str) -> Result<Vec<(Value, Value)>> {
    match v {
        Value::Map(m) => Ok(m),
        Value::Nil | Value::NilArray => Ok(Vec::new()),
        Value::Array(a) | Value::Set(a) | Value::Push(a) => pairs_of_list(a, what),
        other => Err(incompatible(&other, what)),
    }
}

/// Pairs from a list: nested `[[a, b], [c, d]]` (RESP3) or flat `[a, b, c, d]` (RESP2).
fn pairs_of_list(items: Vec<Value>, what: &str) -> Result<Vec<(Value, Value)>> {
    let nested = !items.is_empty()
        && items
            .iter()
            .all(|i| matches!(i, Value::Array(p) if p.len() == 2));
    if nested {
        return Ok(items
            .into_iter()
            .filter_map(|i| match i {
                Value::Array(p) => {
                    let mut it = p.into_iter();
                    Some((it.next()?, it.next()?))
                }
                _ => None,
            })
            .collect());
    }
    if items.len() % 2 != 0 {
        return Err(Error::conversion(format!(
            "an array of {} elements cannot be read as {what} pairs",
            items.len()
        )));
    }
    let mut out = Vec::with_capacity(items.len() / 2);
    let mut it = items.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        out.push((k, v));
    }
    Ok(out)
}

impl<K, V, S> FromValue for HashMap<K, V, S>
where
    K: FromValue + Eq + Hash,
    V: FromValue,
    S: BuildHasher + Default,
{
    fn from_value(v: Value) -> Result<Self> {
        pairs(v, "HashMap")?
            .into_iter()
            .map(|(k, v)| Ok((K::from_value(k)?, V::from_value(v)?)))
            .collect()
    }
}

impl<K: FromValue + Ord, V: FromValue> FromValue for BTreeMap<K, V> {
    fn from_value(v: Value) -> Result<Self> {
        pairs(v, "BTreeMap")?
            .into_iter()
            .map(|(k, v)| Ok((K::from_value(k)?, V::from_value(v)?)))
            .collect()
    }
}

impl<A: FromValue, B: FromValue> FromValue for (A, B) {
    fn from_value(v: Value) -> Result<Self> {
        match v {
            Value::Array(a) | Value::Set(a) if a.len() == 2 => {
                let mut it = a.into_iter();
                match (it.next(), it.next()) {
                    (Some(x), Some(y)) => Ok((A::from_value(x)?, B::from_value(y)?)),
                    _ => Err(Error::conversion("pair reply vanished")),
                }
            }
            other => Err(incompatible(&other, "a 2-tuple")),
        }
    }

    fn from_value_list(items: Vec<Value>) -> Result<Vec<Self>> {
        pairs_of_list(items, "tuple")?
            .into_iter()
            .map(|(x, y)| Ok((A::from_value(x)?, B::from_value(y)?)))
            .collect()
    }
}

macro_rules! tuple_from_value {
    ($n:expr; $($name:ident),+) => {
        impl<$($name: FromValue),+> FromValue for ($($name,)+) {
            fn from_value(v: Value) -> Result<Self> {
                match v {
                    Value::Array(a) | Value::Set(a) if a.len() == $n => {
                        let mut it = a.into_iter();
                        Ok(($(
                            $name::from_value(
                                it.next().ok_or_else(|| Error::conversion("tuple reply vanished"))?,
                            )?,
                        )+))
                    }
                    other => Err(incompatible(&other, concat!("a ", stringify!($n), "-tuple"))),
                }
            }
        }
    };
}
tuple_from_value!(1; A);
tuple_from_value!(3; A, B, C);
tuple_from_value!(4; A, B, C, D);
