//! Conversions between Rust values and command arguments / replies.

use crate::error::{Error, Result};
use crate::value::Value;

/// Something that can be passed as one or more command arguments.
pub trait ToArg {
    /// Appends this value's argument bytes.
    fn write_args(&self, out: &mut Vec<Vec<u8>>);
}

impl ToArg for &str {
    fn write_args(&self, out: &mut Vec<Vec<u8>>) {
        out.push(self.as_bytes().to_vec());
    }
}
impl ToArg for String {
    fn write_args(&self, out: &mut Vec<Vec<u8>>) {
        out.push(self.as_bytes().to_vec());
    }
}
impl ToArg for &[u8] {
    fn write_args(&self, out: &mut Vec<Vec<u8>>) {
        out.push(self.to_vec());
    }
}
impl ToArg for Vec<u8> {
    fn write_args(&self, out: &mut Vec<Vec<u8>>) {
        out.push(self.clone());
    }
}
macro_rules! int_arg {
    ($($t:ty),*) => {$(
        impl ToArg for $t {
            fn write_args(&self, out: &mut Vec<Vec<u8>>) {
                out.push(self.to_string().into_bytes());
            }
        }
    )*};
}
int_arg!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);
impl ToArg for f64 {
    fn write_args(&self, out: &mut Vec<Vec<u8>>) {
        out.push(crate::util::float::fmt_g17(*self).into_bytes());
    }
}

/// Conversion of a reply into a Rust type. A conversion that cannot apply is an error.
pub trait FromValue: Sized {
    /// Converts the reply.
    fn from_value(v: Value) -> Result<Self>;
}

impl FromValue for Value {
    fn from_value(v: Value) -> Result<Self> {
        Ok(v)
    }
}

impl FromValue for () {
    fn from_value(_v: Value) -> Result<Self> {
        Ok(())
    }
}

/// Error for a reply that does not fit the requested type.
pub fn incompatible(v: &Value, what: &str) -> Error {
    Error::conversion(format!("reply {v:?} cannot be converted to {what}"))
}
