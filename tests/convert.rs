//! Reply conversions (`FromValue`) and argument encoding (`ToArg`), independent of the
//! command modules.

// Borrowed arguments are deliberate here: they exercise the `&T` implementations.
#![allow(clippy::needless_borrows_for_generic_args)]

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use emu::client::convert::from_value;
use emu::{
    Condition, CopyOptions, Direction, ErrorKind, ExpireOption, Expiry, FromValue, InsertPosition,
    LPosOptions, MinMax, Result, ScanOptions, SetExpiry, SetOptions, ToArg, ToPair, Value,
    ZAddOptions, ZAggregate, ZAggregateOptions, ZRangeOptions,
};

fn b(s: &str) -> Value {
    Value::bulk(s)
}

fn conv<T: FromValue>(v: Value) -> Result<T> {
    T::from_value(v)
}

fn assert_conversion_error<T: FromValue + std::fmt::Debug>(v: Value) {
    let shown = format!("{v:?}");
    match T::from_value(v) {
        Err(e) => assert_eq!(e.kind(), ErrorKind::Conversion, "{shown}: {e:?}"),
        Ok(x) => panic!("{shown} converted to {x:?}, expected a conversion error"),
    }
}

fn args_of(a: impl ToArg) -> Vec<String> {
    a.to_args()
        .into_iter()
        .map(|x| String::from_utf8(x).unwrap())
        .collect()
}

// ---------------------------------------------------------------- Value, ()

#[test]
fn value_is_identity_even_for_errors() {
    let v = Value::Array(vec![b("a"), Value::Int(1), Value::Error("ERR x".into())]);
    assert_eq!(conv::<Value>(v.clone()).unwrap(), v);
    assert_eq!(
        conv::<Value>(Value::Error("ERR boom".into())).unwrap(),
        Value::Error("ERR boom".into())
    );
}

#[test]
fn unit_accepts_anything_but_errors() {
    for v in [
        Value::ok(),
        Value::Nil,
        Value::Int(3),
        b("x"),
        Value::Array(vec![]),
        Value::Map(vec![]),
    ] {
        assert_eq!(conv::<()>(v).unwrap(), ());
    }
    let e = conv::<()>(Value::Error(
        "WRONGTYPE Operation against a key holding the wrong kind of value".into(),
    ))
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongType);
}

// ---------------------------------------------------------------- strings and bytes

#[test]
fn string_from_string_like_replies() {
    assert_eq!(conv::<String>(b("john")).unwrap(), "john");
    assert_eq!(conv::<String>(Value::Simple("OK".into())).unwrap(), "OK");
    assert_eq!(conv::<String>(Value::Int(-42)).unwrap(), "-42");
    assert_eq!(conv::<String>(Value::Double(1.5)).unwrap(), "1.5");
    // Doubles print as Redis prints them in RESP2 (%.17g).
    assert_eq!(
        conv::<String>(Value::Double(0.1)).unwrap(),
        "0.10000000000000001"
    );
    assert_eq!(conv::<String>(Value::Double(f64::INFINITY)).unwrap(), "inf");
    assert_eq!(
        conv::<String>(Value::Double(f64::NEG_INFINITY)).unwrap(),
        "-inf"
    );
    assert_eq!(
        conv::<String>(Value::Verbatim("txt".into(), b"hello".to_vec())).unwrap(),
        "hello"
    );
    assert_eq!(conv::<String>(b("")).unwrap(), "");
}

#[test]
fn string_failures() {
    let e = conv::<String>(Value::Bulk(vec![0xff, 0xfe])).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conversion);
    assert!(e.message().contains("UTF-8"), "{}", e.message());
    assert_conversion_error::<String>(Value::Nil);
    assert_conversion_error::<String>(Value::NilArray);
    assert_conversion_error::<String>(Value::Array(vec![b("a")]));
    assert_conversion_error::<String>(Value::Map(vec![]));
    assert_conversion_error::<String>(Value::Bool(true));
    let e = conv::<String>(Value::Error("ERR no such key".into())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoSuchKey);
    assert_eq!(e.message(), "ERR no such key");
}

#[test]
fn bytes_from_bulk_simple_verbatim() {
    assert_eq!(
        conv::<Vec<u8>>(Value::Bulk(vec![0, 0xff, 1])).unwrap(),
        vec![0, 0xff, 1]
    );
    assert_eq!(conv::<Vec<u8>>(Value::Simple("OK".into())).unwrap(), b"OK");
    assert_eq!(
        conv::<Vec<u8>>(Value::Verbatim("txt".into(), b"v".to_vec())).unwrap(),
        b"v"
    );
    assert_eq!(conv::<Option<Vec<u8>>>(Value::Nil).unwrap(), None);
    // An array of small integers is still a Vec<u8>, element by element.
    assert_eq!(
        conv::<Vec<u8>>(Value::Array(vec![Value::Int(1), Value::Int(2)])).unwrap(),
        vec![1, 2]
    );
    assert_conversion_error::<Vec<u8>>(Value::Int(5));
    assert_conversion_error::<Vec<u8>>(Value::Array(vec![Value::Int(300)]));
    // Vec of byte vectors.
    assert_eq!(
        conv::<Vec<Vec<u8>>>(Value::Array(vec![b("ab"), Value::Bulk(vec![0xff])])).unwrap(),
        vec![b"ab".to_vec(), vec![0xff]]
    );
}

// ---------------------------------------------------------------- numbers

#[test]
fn integers_from_int_bool_and_text() {
    assert_eq!(conv::<i64>(Value::Int(7)).unwrap(), 7);
    assert_eq!(conv::<i64>(b("-12")).unwrap(), -12);
    assert_eq!(conv::<i64>(Value::Simple("3".into())).unwrap(), 3);
    assert_eq!(conv::<i64>(Value::Bool(true)).unwrap(), 1);
    assert_eq!(conv::<u8>(Value::Int(255)).unwrap(), 255);
    assert_eq!(conv::<i8>(Value::Int(-128)).unwrap(), -128);
    assert_eq!(conv::<i16>(Value::Int(300)).unwrap(), 300);
    assert_eq!(conv::<u16>(b("65535")).unwrap(), 65535);
    assert_eq!(conv::<i32>(Value::Int(-5)).unwrap(), -5);
    assert_eq!(conv::<u32>(Value::Int(5)).unwrap(), 5);
    assert_eq!(conv::<usize>(Value::Int(9)).unwrap(), 9);
    assert_eq!(conv::<isize>(Value::Int(-9)).unwrap(), -9);
    assert_eq!(
        conv::<i128>(Value::Int(i64::MIN)).unwrap(),
        i64::MIN as i128
    );
    assert_eq!(conv::<u128>(Value::Int(1)).unwrap(), 1);
    assert_eq!(conv::<i64>(b("9223372036854775807")).unwrap(), i64::MAX);
    // SCAN cursors can exceed i64::MAX.
    assert_eq!(conv::<u64>(b("18446744073709551615")).unwrap(), u64::MAX);
}

#[test]
fn integer_failures() {
    assert_conversion_error::<u8>(Value::Int(256));
    assert_conversion_error::<u8>(Value::Int(-1));
    assert_conversion_error::<u64>(Value::Int(-1));
    assert_conversion_error::<i8>(Value::Int(128));
    assert_conversion_error::<i32>(Value::Int(i64::MAX));
    assert_conversion_error::<i64>(b("1.5"));
    assert_conversion_error::<i64>(b("abc"));
    assert_conversion_error::<i64>(b(" 1"));
    assert_conversion_error::<i64>(b("01"));
    assert_conversion_error::<i64>(b("9223372036854775808"));
    assert_conversion_error::<u64>(b("18446744073709551616"));
    assert_conversion_error::<i64>(Value::Double(1.0));
    assert_conversion_error::<i64>(Value::Nil);
    assert_conversion_error::<i64>(Value::Array(vec![]));
    assert_eq!(conv::<Option<i64>>(Value::Nil).unwrap(), None);
}

#[test]
fn floats_from_double_int_and_text() {
    assert_eq!(conv::<f64>(Value::Double(1.5)).unwrap(), 1.5);
    assert_eq!(conv::<f64>(Value::Int(3)).unwrap(), 3.0);
    assert_eq!(conv::<f64>(b("1.5")).unwrap(), 1.5);
    assert_eq!(conv::<f64>(b("inf")).unwrap(), f64::INFINITY);
    assert_eq!(conv::<f64>(b("-inf")).unwrap(), f64::NEG_INFINITY);
    assert_eq!(conv::<f64>(b("+inf")).unwrap(), f64::INFINITY);
    assert_eq!(conv::<f64>(b("0.10000000000000001")).unwrap(), 0.1);
    assert_eq!(conv::<f64>(b("1e3")).unwrap(), 1000.0);
    assert_eq!(conv::<f64>(Value::Simple("2".into())).unwrap(), 2.0);
    assert_eq!(conv::<f32>(Value::Double(0.5)).unwrap(), 0.5f32);
    assert_eq!(conv::<Option<f64>>(Value::Nil).unwrap(), None);
    assert_eq!(conv::<Option<f64>>(Value::Double(2.0)).unwrap(), Some(2.0));
}

#[test]
fn float_failures() {
    assert_conversion_error::<f64>(b("abc"));
    assert_conversion_error::<f64>(b("nan"));
    assert_conversion_error::<f64>(b(""));
    assert_conversion_error::<f64>(Value::Nil);
    assert_conversion_error::<f64>(Value::Bool(true));
    assert_conversion_error::<f64>(Value::Array(vec![Value::Double(1.0)]));
}

// ---------------------------------------------------------------- bool

#[test]
fn bools() {
    assert!(conv::<bool>(Value::Int(1)).unwrap());
    assert!(!conv::<bool>(Value::Int(0)).unwrap());
    assert!(conv::<bool>(Value::Int(2)).unwrap()); // EXISTS a b → 2: any exists
    assert!(conv::<bool>(Value::Bool(true)).unwrap());
    assert!(!conv::<bool>(Value::Bool(false)).unwrap());
    assert!(conv::<bool>(Value::ok()).unwrap());
    assert!(!conv::<bool>(Value::Nil).unwrap()); // SET NX that did not set
    assert!(!conv::<bool>(Value::NilArray).unwrap());
    assert!(conv::<bool>(b("1")).unwrap());
    assert!(!conv::<bool>(b("0")).unwrap());
    assert_conversion_error::<bool>(Value::Simple("PONG".into()));
    assert_conversion_error::<bool>(b("yes"));
    assert_conversion_error::<bool>(Value::Double(1.0));
    assert_conversion_error::<bool>(Value::Array(vec![]));
    assert_eq!(
        conv::<Vec<bool>>(Value::Array(vec![Value::Int(1), Value::Int(0)])).unwrap(),
        vec![true, false]
    );
}

// ---------------------------------------------------------------- Option

#[test]
fn options() {
    assert_eq!(conv::<Option<String>>(Value::Nil).unwrap(), None);
    assert_eq!(conv::<Option<String>>(Value::NilArray).unwrap(), None);
    assert_eq!(conv::<Option<String>>(b("x")).unwrap(), Some("x".into()));
    assert_eq!(
        conv::<Vec<Option<String>>>(Value::Array(vec![b("a"), Value::Nil])).unwrap(),
        vec![Some("a".to_string()), None]
    );
    assert_eq!(conv::<Option<Vec<String>>>(Value::NilArray).unwrap(), None);
    assert_conversion_error::<Option<i64>>(b("x"));
}

// ---------------------------------------------------------------- sequences

#[test]
fn vecs_from_arrays_sets_pushes_and_nil() {
    let arr = Value::Array(vec![b("a"), b("b")]);
    assert_eq!(conv::<Vec<String>>(arr.clone()).unwrap(), vec!["a", "b"]);
    assert_eq!(
        conv::<Vec<String>>(Value::Set(vec![b("x")])).unwrap(),
        vec!["x"]
    );
    assert_eq!(
        conv::<Vec<String>>(Value::Push(vec![b("message")])).unwrap(),
        vec!["message"]
    );
    assert_eq!(
        conv::<Vec<String>>(Value::Nil).unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        conv::<Vec<String>>(Value::NilArray).unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        conv::<VecDeque<String>>(arr).unwrap(),
        VecDeque::from(vec!["a".to_string(), "b".to_string()])
    );
    assert_eq!(
        conv::<Vec<i64>>(Value::Array(vec![Value::Int(1), b("2")])).unwrap(),
        vec![1, 2]
    );
    // Nested.
    assert_eq!(
        conv::<Vec<Vec<i64>>>(Value::Array(vec![
            Value::Array(vec![Value::Int(1)]),
            Value::Array(vec![])
        ]))
        .unwrap(),
        vec![vec![1], vec![]]
    );
}

#[test]
fn vec_from_map_is_flattened() {
    let m = Value::Map(vec![(b("f1"), b("v1")), (b("f2"), b("v2"))]);
    assert_eq!(
        conv::<Vec<String>>(m).unwrap(),
        vec!["f1", "v1", "f2", "v2"]
    );
}

#[test]
fn vec_failures() {
    assert_conversion_error::<Vec<String>>(b("scalar"));
    assert_conversion_error::<Vec<String>>(Value::Int(1));
    assert_conversion_error::<Vec<i64>>(Value::Array(vec![b("x")]));
    let e = conv::<Vec<String>>(Value::Array(vec![b("a"), Value::Error("ERR inner".into())]))
        .unwrap_err();
    assert_eq!(e.message(), "ERR inner");
    assert_eq!(e.kind(), ErrorKind::Other);
}

#[test]
fn pair_vecs_from_resp3_resp2_and_maps() {
    let want = vec![("a".to_string(), 1.0), ("b".to_string(), 2.5)];
    // RESP3 ZRANGE WITHSCORES: an array of [member, double] pairs.
    let resp3 = Value::Array(vec![
        Value::Array(vec![b("a"), Value::Double(1.0)]),
        Value::Array(vec![b("b"), Value::Double(2.5)]),
    ]);
    assert_eq!(conv::<Vec<(String, f64)>>(resp3).unwrap(), want);
    // RESP2: a flat array with scores as bulk strings.
    let resp2 = Value::Array(vec![b("a"), b("1"), b("b"), b("2.5")]);
    assert_eq!(conv::<Vec<(String, f64)>>(resp2).unwrap(), want);
    // A map.
    let map = Value::Map(vec![
        (b("a"), Value::Double(1.0)),
        (b("b"), Value::Double(2.5)),
    ]);
    assert_eq!(conv::<Vec<(String, f64)>>(map).unwrap(), want);
    // RESP3 ZPOPMIN without count: a flat [member, score].
    let popped = Value::Array(vec![b("a"), Value::Double(1.0)]);
    assert_eq!(
        conv::<Vec<(String, f64)>>(popped).unwrap(),
        vec![("a".to_string(), 1.0)]
    );
    assert_eq!(
        conv::<Vec<(String, f64)>>(Value::Array(vec![])).unwrap(),
        vec![]
    );
    assert_eq!(conv::<Vec<(String, f64)>>(Value::Nil).unwrap(), vec![]);
}

#[test]
fn pair_vec_failures() {
    assert_conversion_error::<Vec<(String, String)>>(Value::Array(vec![b("a"), b("b"), b("c")]));
    assert_conversion_error::<Vec<(String, f64)>>(Value::Array(vec![b("a"), b("x")]));
    assert_conversion_error::<Vec<(String, String)>>(b("a"));
}

#[test]
fn maps_from_map_flat_and_pairs() {
    let expect: HashMap<String, String> = [("username", "john"), ("email", "j@x")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let m = Value::Map(vec![(b("username"), b("john")), (b("email"), b("j@x"))]);
    assert_eq!(conv::<HashMap<String, String>>(m.clone()).unwrap(), expect);
    let flat = Value::Array(vec![b("username"), b("john"), b("email"), b("j@x")]);
    assert_eq!(
        conv::<HashMap<String, String>>(flat.clone()).unwrap(),
        expect
    );
    let nested = Value::Array(vec![
        Value::Array(vec![b("username"), b("john")]),
        Value::Array(vec![b("email"), b("j@x")]),
    ]);
    assert_eq!(conv::<HashMap<String, String>>(nested).unwrap(), expect);
    let bt: BTreeMap<String, String> = conv(flat).unwrap();
    assert_eq!(
        bt.into_iter().collect::<Vec<_>>(),
        vec![
            ("email".to_string(), "j@x".to_string()),
            ("username".to_string(), "john".to_string())
        ]
    );
    assert!(conv::<HashMap<String, String>>(Value::Nil)
        .unwrap()
        .is_empty());
    assert!(conv::<BTreeMap<String, i64>>(Value::Map(vec![]))
        .unwrap()
        .is_empty());
    let scores: HashMap<String, f64> =
        conv(Value::Map(vec![(b("p"), Value::Double(3.0))])).unwrap();
    assert_eq!(scores["p"], 3.0);
}

#[test]
fn map_failures() {
    assert_conversion_error::<HashMap<String, String>>(Value::Array(vec![b("odd")]));
    assert_conversion_error::<HashMap<String, String>>(b("x"));
    assert_conversion_error::<BTreeMap<String, i64>>(Value::Map(vec![(b("k"), b("v"))]));
    assert_conversion_error::<HashMap<String, String>>(Value::Int(1));
}

#[test]
fn sets() {
    let v = Value::Set(vec![b("python"), b("redis"), b("python")]);
    let hs: HashSet<String> = conv(v.clone()).unwrap();
    assert_eq!(hs.len(), 2);
    assert!(hs.contains("python") && hs.contains("redis"));
    let bs: BTreeSet<String> = conv(v).unwrap();
    assert_eq!(bs.into_iter().collect::<Vec<_>>(), vec!["python", "redis"]);
    let from_array: BTreeSet<i64> = conv(Value::Array(vec![Value::Int(2), Value::Int(1)])).unwrap();
    assert_eq!(from_array.into_iter().collect::<Vec<_>>(), vec![1, 2]);
    assert!(conv::<HashSet<String>>(Value::Nil).unwrap().is_empty());
    assert!(conv::<BTreeSet<String>>(Value::NilArray)
        .unwrap()
        .is_empty());
    assert_conversion_error::<HashSet<String>>(b("x"));
    assert_conversion_error::<BTreeSet<String>>(Value::Map(vec![]));
    assert_conversion_error::<HashSet<i64>>(Value::Set(vec![b("x")]));
}

#[test]
fn tuples() {
    // TIME → (seconds, microseconds) from two bulk strings.
    let t: (u64, u64) = conv(Value::Array(vec![b("1700000000"), b("123")])).unwrap();
    assert_eq!(t, (1_700_000_000, 123));
    // SCAN → (cursor, keys).
    let s: (u64, Vec<String>) = conv(Value::Array(vec![
        b("0"),
        Value::Array(vec![b("k1"), b("k2")]),
    ]))
    .unwrap();
    assert_eq!(s, (0, vec!["k1".to_string(), "k2".to_string()]));
    // HSCAN → (cursor, pairs) from a flat field/value array.
    let h: (u64, Vec<(String, String)>) = conv(Value::Array(vec![
        b("0"),
        Value::Array(vec![b("f"), b("v")]),
    ]))
    .unwrap();
    assert_eq!(h.1, vec![("f".to_string(), "v".to_string())]);
    // ZMPOP → Option<(key, pairs)>.
    let z: Option<(String, Vec<(String, f64)>)> = conv(Value::Array(vec![
        b("zs"),
        Value::Array(vec![Value::Array(vec![b("m"), Value::Double(1.0)])]),
    ]))
    .unwrap();
    assert_eq!(z, Some(("zs".to_string(), vec![("m".to_string(), 1.0)])));
    assert_eq!(
        conv::<Option<(String, Vec<String>)>>(Value::NilArray).unwrap(),
        None
    );
    let three: (String, i64, f64) = conv(Value::Array(vec![
        b("a"),
        Value::Int(1),
        Value::Double(0.5),
    ]))
    .unwrap();
    assert_eq!(three, ("a".to_string(), 1, 0.5));
    let four: (i64, i64, i64, i64) = conv(Value::Array(vec![
        Value::Int(1),
        Value::Int(2),
        Value::Int(3),
        Value::Int(4),
    ]))
    .unwrap();
    assert_eq!(four, (1, 2, 3, 4));
    let one: (String,) = conv(Value::Array(vec![b("x")])).unwrap();
    assert_eq!(one, ("x".to_string(),));
    // Pipeline replies as a tuple.
    let p: (bool, i64, Option<String>) =
        conv(Value::Array(vec![Value::ok(), Value::Int(1), b("v")])).unwrap();
    assert_eq!(p, (true, 1, Some("v".to_string())));
}

#[test]
fn tuple_failures() {
    assert_conversion_error::<(String, String)>(Value::Array(vec![b("a")]));
    assert_conversion_error::<(String, String)>(Value::Array(vec![b("a"), b("b"), b("c")]));
    assert_conversion_error::<(String, i64, i64)>(Value::Array(vec![b("a"), b("b"), b("c")]));
    assert_conversion_error::<(String, String)>(Value::Nil);
    assert_conversion_error::<(String, String)>(b("ab"));
    assert_conversion_error::<(i64, i64, i64)>(Value::Array(vec![Value::Int(1)]));
}

#[test]
fn from_value_function() {
    let v: i64 = from_value(Value::Int(4)).unwrap();
    assert_eq!(v, 4);
}

// ---------------------------------------------------------------- ToArg

#[test]
fn scalar_args() {
    assert_eq!(args_of("a"), ["a"]);
    assert_eq!(args_of(String::from("s")), ["s"]);
    assert_eq!(args_of(&String::from("s")), ["s"]);
    assert_eq!(args_of(&b"raw"[..]), ["raw"]);
    assert_eq!(args_of(b"raw"), ["raw"]);
    assert_eq!(args_of(b"raw".to_vec()), ["raw"]);
    assert_eq!(args_of(&b"raw".to_vec()), ["raw"]);
    assert_eq!(args_of(-5i64), ["-5"]);
    assert_eq!(args_of(7u8), ["7"]);
    assert_eq!(args_of(i8::MIN), ["-128"]);
    assert_eq!(args_of(u64::MAX), ["18446744073709551615"]);
    assert_eq!(args_of(42usize), ["42"]);
    assert_eq!(args_of(3i32), ["3"]);
    assert_eq!(args_of(&&"double ref"), ["double ref"]);
    assert_eq!(args_of(Box::new("boxed")), ["boxed"]);
    let bin = vec![0u8, 0xff];
    assert_eq!(bin.to_args(), vec![vec![0u8, 0xff]]);
}

#[test]
fn float_args_round_trip() {
    assert_eq!(args_of(1.5f64), ["1.5"]);
    assert_eq!(args_of(0.1f64), ["0.1"]);
    assert_eq!(args_of(1000.0f64), ["1000"]);
    assert_eq!(args_of(-2.0f64), ["-2"]);
    assert_eq!(args_of(0.0f64), ["0"]);
    assert_eq!(args_of(f64::INFINITY), ["inf"]);
    assert_eq!(args_of(f64::NEG_INFINITY), ["-inf"]);
    assert_eq!(args_of(1e300f64), ["1e300"]);
    assert_eq!(args_of(1.5e-10f64), ["1.5e-10"]);
    assert_eq!(args_of(0.5f32), ["0.5"]);
    for v in [
        0.1,
        1.0 / 3.0,
        123_456_789.123_456_79,
        f64::MAX,
        f64::MIN_POSITIVE,
        5e-324,
        -1e-7,
        1e16,
        1e17,
        9007199254740993.0,
        std::f64::consts::PI,
    ] {
        let text = &args_of(v)[0];
        let back = emu::util::parse_f64(text.as_bytes()).expect(text);
        assert_eq!(back.to_bits(), v.to_bits(), "{v} -> {text}");
    }
}

#[test]
fn sequence_args() {
    assert_eq!(args_of(["a", "b"]), ["a", "b"]);
    assert_eq!(args_of(&["a", "b"][..]), ["a", "b"]);
    assert_eq!(args_of(vec!["a", "b", "c"]), ["a", "b", "c"]);
    assert_eq!(args_of(&vec![1i64, 2]), ["1", "2"]);
    assert_eq!(args_of(Vec::<String>::new()), Vec::<String>::new());
    assert_eq!(args_of(("k", 1, 2.5)), ["k", "1", "2.5"]);
    assert_eq!(args_of([("a", "1"), ("b", "2")]), ["a", "1", "b", "2"]);
    assert_eq!(args_of(Some("x")), ["x"]);
    assert_eq!(args_of(None::<&str>), Vec::<String>::new());
    assert_eq!(args_of(VecDeque::from(vec!["q"])), ["q"]);
    assert_eq!(args_of(BTreeSet::from(["b", "a"])), ["a", "b"]);
    assert_eq!(args_of(HashSet::from(["only"])), ["only"]);
    // Byte arrays stay one argument each.
    assert_eq!(args_of([b"ab".to_vec(), b"cd".to_vec()]), ["ab", "cd"]);
}

#[test]
fn pairs() {
    let mut out = emu::ArgBuf::new();
    ("member", 1.5).write_pair(&mut out);
    let by_ref = &("m2", 2);
    <&(&str, i32) as ToPair>::write_pair_swapped(&by_ref, &mut out);
    let out: Vec<String> = out
        .iter()
        .map(|x| String::from_utf8(x.to_vec()).unwrap())
        .collect();
    assert_eq!(out, ["member", "1.5", "2", "m2"]);
}

#[test]
fn option_args() {
    assert_eq!(args_of(SetOptions::default()), Vec::<String>::new());
    assert_eq!(
        args_of(SetOptions::default().ex(3600).nx()),
        ["NX", "EX", "3600"]
    );
    assert_eq!(
        args_of(SetOptions::default().xx().keepttl()),
        ["XX", "KEEPTTL"]
    );
    assert_eq!(args_of(SetOptions::default().px(5)), ["PX", "5"]);
    assert_eq!(args_of(SetOptions::default().exat(7)), ["EXAT", "7"]);
    assert_eq!(args_of(SetOptions::default().pxat(8)), ["PXAT", "8"]);
    assert_eq!(
        args_of(SetOptions::default().expiry(SetExpiry::Ex(1)).px(2)),
        ["PX", "2"]
    );
    assert_eq!(args_of(Expiry::Ex(1)), ["EX", "1"]);
    assert_eq!(args_of(Expiry::Px(2)), ["PX", "2"]);
    assert_eq!(args_of(Expiry::ExAt(3)), ["EXAT", "3"]);
    assert_eq!(args_of(Expiry::PxAt(4)), ["PXAT", "4"]);
    assert_eq!(args_of(Expiry::Persist), ["PERSIST"]);
    assert_eq!(args_of([Condition::Nx, Condition::Xx]), ["NX", "XX"]);
    assert_eq!(
        args_of([
            ExpireOption::Nx,
            ExpireOption::Xx,
            ExpireOption::Gt,
            ExpireOption::Lt
        ]),
        ["NX", "XX", "GT", "LT"]
    );
    assert_eq!(
        args_of([Direction::Left, Direction::Right]),
        ["LEFT", "RIGHT"]
    );
    assert_eq!(
        args_of([InsertPosition::Before, InsertPosition::After]),
        ["BEFORE", "AFTER"]
    );
    assert_eq!(args_of([MinMax::Min, MinMax::Max]), ["MIN", "MAX"]);
    assert_eq!(
        args_of(LPosOptions::default().rank(-1).count(2).maxlen(10)),
        ["RANK", "-1", "COUNT", "2", "MAXLEN", "10"]
    );
    assert_eq!(
        args_of(ZAddOptions::default().xx().gt().ch().incr()),
        ["XX", "GT", "CH", "INCR"]
    );
    assert_eq!(args_of(ZAddOptions::default().nx().lt()), ["NX", "LT"]);
    assert_eq!(
        args_of(
            ZRangeOptions::default()
                .by_score()
                .rev()
                .limit(0, 10)
                .withscores()
        ),
        ["BYSCORE", "REV", "LIMIT", "0", "10", "WITHSCORES"]
    );
    assert_eq!(args_of(ZRangeOptions::default().by_lex()), ["BYLEX"]);
    assert_eq!(
        args_of(
            ZAggregateOptions::default()
                .weights([2.0, 0.5])
                .aggregate(ZAggregate::Max)
                .withscores()
        ),
        ["WEIGHTS", "2", "0.5", "AGGREGATE", "MAX", "WITHSCORES"]
    );
    assert_eq!(args_of(ZAggregate::Sum), ["AGGREGATE", "SUM"]);
    assert_eq!(args_of(ZAggregate::Min), ["AGGREGATE", "MIN"]);
    assert_eq!(
        args_of(
            ScanOptions::default()
                .pattern("user:*")
                .count(100)
                .key_type("hash")
        ),
        ["MATCH", "user:*", "COUNT", "100", "TYPE", "hash"]
    );
    assert_eq!(
        args_of(CopyOptions::default().db(2).replace()),
        ["DB", "2", "REPLACE"]
    );
}

// ---------------------------------------------------------------- through the engine

#[test]
fn cmd_and_conversion_through_the_engine() {
    let r = emu::Redis::new();
    let pong: String = r.cmd("PING").query().unwrap();
    assert_eq!(pong, "PONG");
    let echoed: Vec<u8> = r.cmd("ECHO").arg(&[0u8, 1, 2][..]).query().unwrap();
    assert_eq!(echoed, vec![0, 1, 2]);
    let pong: String = r.ping().unwrap();
    assert_eq!(pong, "PONG");
    let echoed: String = r.echo("hi").unwrap();
    assert_eq!(echoed, "hi");
    // A conversion that cannot apply is an error, not a panic.
    let e = r.echo::<_, i64>("hi").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conversion);
    let e = r.cmd("NOSUCH").arg("x").query::<Value>().unwrap_err();
    assert_eq!(
        e.message(),
        "ERR unknown command 'NOSUCH', with args beginning with: 'x' "
    );
    let e = r.cmd("ECHO").query::<Value>().unwrap_err();
    assert_eq!(
        e.message(),
        "ERR wrong number of arguments for 'echo' command"
    );
}

#[test]
fn time_follows_the_manual_clock() {
    let r = emu::Redis::builder()
        .manual_clock(1_700_000_000_123)
        .build();
    let (s, us): (u64, u64) = r.time().unwrap();
    assert_eq!((s, us), (1_700_000_000, 123_000));
    r.advance_time(std::time::Duration::from_millis(1_877))
        .unwrap();
    let (s, us): (u64, u64) = r.time().unwrap();
    assert_eq!((s, us), (1_700_000_002, 0));
    r.set_time(5_000).unwrap();
    assert_eq!(r.now_ms().unwrap(), 5_000);
    // TIME replies with text; through `cmd` it reads as any representation.
    let t: (String, String) = r.cmd("TIME").query().unwrap();
    assert_eq!(t, ("5".to_string(), "0".to_string()));
}

#[test]
fn pipeline_mechanics_with_engine_commands() {
    let r = emu::Redis::new();
    // A plain batch: errors stay in their slot (a transactional pipeline would abort).
    let mut p = r.pipeline_batch();
    assert!(p.is_empty());
    p.echo("a").ping().cmd("ECHO").arg("b");
    p.cmd("NOSUCH");
    p.echo("ignored").ignore();
    assert_eq!(p.len(), 5);
    let out = p.execute().unwrap();
    assert_eq!(
        out,
        vec![
            b("a"),
            Value::Simple("PONG".into()),
            b("b"),
            Value::Error("ERR unknown command 'NOSUCH', with args beginning with: ".into()),
        ]
    );
    assert!(p.is_empty(), "execute empties the queue");
    assert_eq!(p.execute().unwrap(), vec![]);

    // query: typed, first error after running everything.
    p.echo("x").echo("1");
    let (x, one): (String, i64) = p.query().unwrap();
    assert_eq!((x.as_str(), one), ("x", 1));
    p.echo("x").cmd("ECHO"); // arity error
    p.cmd("NOSUCH2");
    let e = p.query::<Value>().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Arity);
    assert_eq!(
        e.message(),
        "ERR wrong number of arguments for 'echo' command"
    );
    p.echo("a");
    p.clear();
    assert!(p.is_empty());
}

/// A missing key read into a non-`Option` type is an error that says so and names the
/// `Option` to ask for instead.
#[test]
fn nil_into_a_plain_type_suggests_option() {
    let r = emu::Redis::new();
    for e in [
        r.get::<_, String>("missing").unwrap_err(),
        r.hget::<_, _, i64>("missing", "f").unwrap_err(),
        r.zscore::<_, _, f64>("missing", "m").unwrap_err(),
    ] {
        assert_eq!(e.kind(), emu::ErrorKind::Conversion, "{e}");
        let msg = e.to_string();
        assert!(
            msg.contains("nil") && msg.contains("ask for Option<"),
            "{msg}"
        );
    }
    let e = r.get::<_, String>("missing").unwrap_err();
    assert!(e.to_string().contains("Option<String>"), "{e}");
    assert_eq!(r.get::<_, Option<String>>("missing").unwrap(), None);
}

/// Fixed-shape commands need no annotation: the statement forms compile and return the
/// reply's one type.
#[test]
fn fixed_shape_commands_need_no_annotation() -> emu::Result<()> {
    let r = emu::Redis::new();
    r.set("k", "v")?;
    assert_eq!(r.incr("n")?, 1);
    assert_eq!(r.delete("k")?, 1);
    assert_eq!(r.exists("k")?, 0);
    assert_eq!(r.lpush("l", ["a", "b"])?, 2);
    assert_eq!(r.sadd("s", "m")?, 1);
    assert_eq!(r.hset("h", "f", "v")?, 1);
    assert_eq!(r.zadd("z", &[("m", 1.0)])?, 1);
    assert!(r.expire("l", 10)?);
    assert!(!r.expire("nosuch", 10)?);
    assert_eq!(r.publish("chan", "msg")?, 0);
    assert!(r.set_options("k", "v", emu::SetOptions::default().nx())?);
    assert!(!r.set_options("k", "v", emu::SetOptions::default().nx())?);
    assert_eq!(r.key_type("z")?, "zset");
    assert_eq!(r.smismember("s", ["m", "x"])?, vec![true, false]);
    Ok(())
}

#[test]
fn arg_buf_keeps_arguments_apart() {
    let mut b = emu::ArgBuf::new();
    assert!(b.is_empty() && b.get(0).is_none());
    // Empty arguments, binary bytes, integers of every width, floats.
    ("", &b"\x00\xff"[..], -7i8).write_args(&mut b);
    (u64::MAX, i128::MIN, 0.1f64).write_args(&mut b);
    b.push("");
    let want: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"\x00\xff".to_vec(),
        b"-7".to_vec(),
        u64::MAX.to_string().into_bytes(),
        i128::MIN.to_string().into_bytes(),
        b"0.1".to_vec(),
        b"".to_vec(),
    ];
    assert_eq!(b.len(), 7);
    assert_eq!(b.to_vecs(), want);
    assert_eq!(b.iter().len(), 7);
    assert_eq!(b.get(3), Some(&want[3][..]));
    assert_eq!(b.get(6), Some(&b""[..]));
    assert_eq!(b.get(7), None);
    assert_eq!(b.byte_len(), want.iter().map(Vec::len).sum::<usize>());
    let mut c: emu::ArgBuf = ["x", "yz"].into_iter().collect();
    c.append(&b);
    c.extend([b"end".to_vec()]);
    assert_eq!(c.len(), 10);
    assert_eq!(c.get(2), Some(&b""[..]));
    assert_eq!(c.get(3), Some(&b"\x00\xff"[..]));
    assert_eq!(c.get(9), Some(&b"end"[..]));
    assert_eq!(
        format!("{:?}", c.slices()[..2].to_vec()),
        r#"[[120], [121, 122]]"#
    );
    assert_eq!(format!("{c:?}").split(", ").count(), 10);
    c.clear();
    assert!(c.is_empty() && c.byte_len() == 0);
    // to_args and to_arg_buf agree.
    let v = vec![1u32, 22, 333];
    assert_eq!(v.to_arg_buf().to_vecs(), v.to_args());
}

#[test]
fn typed_commands_and_pipelines_after_large_arguments() {
    // Argument buffers are reused between commands: a long command, then short ones, must
    // not leak arguments into each other (sync calls, pipelines, async calls).
    let r = emu::Redis::new();
    let big = "v".repeat(10_000);
    let many: Vec<String> = (0..300).map(|i| format!("m{i}")).collect();
    assert_eq!(r.sadd("s", &many).unwrap(), 300);
    r.set("k", &big).unwrap();
    assert_eq!(r.get::<_, String>("k").unwrap(), big);
    r.set("k", "1").unwrap();
    assert_eq!(r.get::<_, String>("k").unwrap(), "1");
    let mut p = r.pipeline_batch();
    p.set("a", &big).sadd("t", &many).get("k");
    p.cmd("ECHO").arg("x").arg(("y", 2));
    p.incr("k").strlen("a");
    let out = p.execute().unwrap();
    assert_eq!(
        out,
        [
            Value::ok(),
            Value::Int(300),
            Value::bulk("1"),
            Value::Error("ERR wrong number of arguments for 'echo' command".into()),
            Value::Int(2),
            Value::Int(10_000),
        ]
    );
    let a = r.to_async();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        a.set("b", &big).await.unwrap();
        assert_eq!(a.strlen("b").await.unwrap(), 10_000);
        assert_eq!(a.get::<_, String>("k").await.unwrap(), "2");
    });
}
