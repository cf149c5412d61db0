//! [`ToArg`] implementations for the standard types.

use std::collections::{BTreeSet, HashSet, VecDeque};

use super::{ArgBuf, ToArg};

impl ToArg for str {
    fn write_args(&self, out: &mut ArgBuf) {
        out.push(self);
    }
}

impl ToArg for String {
    fn write_args(&self, out: &mut ArgBuf) {
        out.push(self);
    }
}

impl<T: ToArg + ?Sized> ToArg for &T {
    fn write_args(&self, out: &mut ArgBuf) {
        (**self).write_args(out)
    }
}

impl<T: ToArg + ?Sized> ToArg for &mut T {
    fn write_args(&self, out: &mut ArgBuf) {
        (**self).write_args(out)
    }
}

impl<T: ToArg + ?Sized> ToArg for Box<T> {
    fn write_args(&self, out: &mut ArgBuf) {
        (**self).write_args(out)
    }
}

impl<T: ToArg> ToArg for [T] {
    fn write_args(&self, out: &mut ArgBuf) {
        T::write_slice(self, out)
    }
}

impl<T: ToArg, const N: usize> ToArg for [T; N] {
    fn write_args(&self, out: &mut ArgBuf) {
        T::write_slice(self, out)
    }
}

impl<T: ToArg> ToArg for Vec<T> {
    fn write_args(&self, out: &mut ArgBuf) {
        T::write_slice(self, out)
    }
}

impl<T: ToArg> ToArg for VecDeque<T> {
    fn write_args(&self, out: &mut ArgBuf) {
        for item in self {
            item.write_args(out);
        }
    }
}

impl<T: ToArg> ToArg for BTreeSet<T> {
    fn write_args(&self, out: &mut ArgBuf) {
        for item in self {
            item.write_args(out);
        }
    }
}

impl<T: ToArg, S> ToArg for HashSet<T, S> {
    fn write_args(&self, out: &mut ArgBuf) {
        for item in self {
            item.write_args(out);
        }
    }
}

impl<T: ToArg> ToArg for Option<T> {
    fn write_args(&self, out: &mut ArgBuf) {
        if let Some(v) = self {
            v.write_args(out);
        }
    }
}

impl ToArg for u8 {
    fn write_args(&self, out: &mut ArgBuf) {
        out.push_int(*self);
    }

    fn write_slice(items: &[u8], out: &mut ArgBuf) {
        out.push(items);
    }
}

macro_rules! int_arg {
    ($($t:ty),*) => {$(
        impl ToArg for $t {
            fn write_args(&self, out: &mut ArgBuf) {
                out.push_int(*self);
            }
        }
    )*};
}
int_arg!(i8, i16, i32, i64, i128, isize, u16, u32, u64, u128, usize);

/// The shortest decimal text that parses back (with strtod, as Redis does) to exactly `v`:
/// plain notation for ordinary magnitudes, scientific otherwise; `inf` / `-inf`; `nan` for
/// NaN (which Redis rejects, as it should).
pub(crate) fn format_f64(v: f64) -> String {
    if v.is_nan() {
        return "nan".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    let abs = v.abs();
    if abs == 0.0 || (1e-5..1e17).contains(&abs) {
        // `Display` is the shortest round-trip representation, without exponent.
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

impl ToArg for f64 {
    fn write_args(&self, out: &mut ArgBuf) {
        out.push(format_f64(*self));
    }
}

impl ToArg for f32 {
    fn write_args(&self, out: &mut ArgBuf) {
        // Widening is exact; the f64 text parses back to the same value.
        out.push(format_f64(*self as f64));
    }
}

macro_rules! tuple_arg {
    ($($name:ident . $idx:tt),+) => {
        impl<$($name: ToArg),+> ToArg for ($($name,)+) {
            fn write_args(&self, out: &mut ArgBuf) {
                $(self.$idx.write_args(out);)+
            }
        }
    };
}
tuple_arg!(A.0);
tuple_arg!(A.0, B.1);
tuple_arg!(A.0, B.1, C.2);
tuple_arg!(A.0, B.1, C.2, D.3);
