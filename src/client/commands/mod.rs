//! The typed command methods, defined once by the [`commands!`] macro for both [`Redis`]
//! (runs the command, converts the reply to the caller's type) and [`Pipeline`] (queues it).
//!
//! Naming follows redis-py: the lowercase command name (`hincrbyfloat`, `zrangebyscore`),
//! `delete` for DEL, `key_type` for TYPE, `move_key` for MOVE, `object_encoding` for
//! `OBJECT ENCODING`. redis-py's optional keyword arguments become either a separate method
//! for a different reply shape (`lpop` / `lpop_count`, `zrange` / `zrange_withscores`) or an
//! `*_options` method taking an option struct (`set_options`, `expire_options`,
//! `zadd_options`, `zrange_options`, …). Variadic arguments (`*keys`) take anything
//! [`ToArg`](crate::ToArg): one value, a slice, an array or a `Vec`.

use crate::client::convert::{ArgBuf, ToArg, ToPair};

pub(crate) mod bits;
mod blocking;
pub(crate) mod geo;
mod hashes;
mod keys;
mod lists;
mod sets;
pub(crate) mod sort;
pub(crate) mod streams;
mod strings;
mod zsets;

/// An argument vector being built for one command: the name and the arguments in one flat
/// [`ArgBuf`]. Its buffer is recycled: [`args`] takes this thread's spare one and a dropped
/// `Args` gives its buffer back, so in the steady state building a command allocates
/// nothing (sync calls and pipeline queueing; an async call's buffer goes with its future).
pub(crate) struct Args(pub(crate) ArgBuf);

thread_local! {
    static SPARE: std::cell::Cell<ArgBuf> = std::cell::Cell::new(ArgBuf::new());
}

/// Buffers larger than this are not kept as the spare (no big argument list stays pinned).
const SPARE_MAX_BYTES: usize = 4096;

/// Starts an argument vector with the command name.
pub(crate) fn args(name: &'static str) -> Args {
    let mut buf = SPARE.try_with(|s| s.take()).unwrap_or_default();
    if buf.byte_capacity() == 0 {
        buf = ArgBuf::with_capacity(4, 64);
    }
    buf.push(name);
    Args(buf)
}

impl Drop for Args {
    fn drop(&mut self) {
        if (1..=SPARE_MAX_BYTES).contains(&self.0.byte_capacity()) {
            let mut buf = std::mem::take(&mut self.0);
            buf.clear();
            let _ = SPARE.try_with(|s| s.set(buf));
        }
    }
}

impl Args {
    /// The built buffer, for a caller that keeps it (an async call's future).
    pub(crate) fn into_buf(mut self) -> ArgBuf {
        std::mem::take(&mut self.0)
    }

    /// Appends argument(s).
    pub(crate) fn arg(mut self, a: impl ToArg) -> Args {
        a.write_args(&mut self.0);
        self
    }

    /// Appends the number of arguments `items` writes, then those arguments (`numkeys key …`).
    pub(crate) fn counted(mut self, items: impl ToArg) -> Args {
        let list = items.to_arg_buf();
        self.0.push_int(list.len());
        self.0.append(&list);
        self
    }

    /// Appends each pair as `first second`.
    pub(crate) fn pairs<I>(mut self, items: I) -> Args
    where
        I: IntoIterator,
        I::Item: ToPair,
    {
        for p in items {
            p.write_pair(&mut self.0);
        }
        self
    }

    /// Appends each pair as `second first` (ZADD's `score member` from `(member, score)`).
    pub(crate) fn pairs_swapped<I>(mut self, items: I) -> Args
    where
        I: IntoIterator,
        I::Item: ToPair,
    {
        for p in items {
            p.write_pair_swapped(&mut self.0);
        }
        self
    }
}

/// Defines typed command methods on `Redis`, `Pipeline` and `AsyncRedis`.
///
/// ```text
/// commands! {
///     /// Docs.
///     fn name[K: ToArg,](key: K) -> i64 { args("NAME").arg(key) }
///     /// Docs.
///     fn other[K: ToArg,](key: K) where [..] { args("OTHER").arg(key) }
/// }
/// ```
///
/// Generic parameters go in brackets, each followed by a comma; an optional `where [...]`
/// holds extra bounds. The body builds the argument vector. With `-> T` (a reply of one
/// fixed shape) the `Redis` method returns `Result<T>`; without it the method gets a final
/// generic `RV: FromValue` and the caller picks the reply type (the crate docs' "Reply
/// types" section states the rule). The `Pipeline` method returns `&mut Pipeline`; the
/// `AsyncRedis` method returns an `AsyncReply`, a `Send + 'static` future of the `Redis`
/// method's result (the arguments are encoded at the call, so it borrows nothing).
macro_rules! commands {
    ($(
        $(#[$doc:meta])*
        fn $name:ident [$($g:tt)*] ($($arg:ident : $ty:ty),* $(,)?)
            $(-> $ret:ty)?
            $(where [$($w:tt)*])?
            $body:block
    )*) => {
        impl $crate::client::Redis {
            $(
                $crate::client::commands::redis_method! {
                    $(#[$doc])*
                    fn $name [$($g)*] ($($arg: $ty),*) $(-> $ret)? $(where [$($w)*])? $body
                }
            )*
        }

        impl $crate::client::AsyncRedis {
            $(
                $crate::client::commands::async_method! {
                    $name [$($g)*] ($($arg: $ty),*) $(-> $ret)? $(where [$($w)*])? $body
                }
            )*
        }

        impl $crate::client::Pipeline {
            $(
                #[doc = concat!(
                    "Queues the command of [`Redis::", stringify!($name),
                    "`](crate::Redis::", stringify!($name), "); its reply comes back from ",
                    "[`Pipeline::execute`](crate::Pipeline::execute)."
                )]
                pub fn $name<$($g)*>(&mut self, $($arg: $ty),*) -> &mut Self
                $(where $($w)*)?
                {
                    let a: $crate::client::commands::Args = $body;
                    self.queue(&a.0)
                }
            )*
        }
    };
}
pub(crate) use commands;

/// One `Redis` method of [`commands!`]: a fixed reply type, or a caller-chosen one.
macro_rules! redis_method {
    (
        $(#[$doc:meta])*
        fn $name:ident [$($g:tt)*] ($($arg:ident : $ty:ty),*) -> $ret:ty
            $(where [$($w:tt)*])?
            $body:block
    ) => {
        $(#[$doc])*
        pub fn $name<$($g)*>(&self, $($arg: $ty),*) -> $crate::error::Result<$ret>
        $(where $($w)*)?
        {
            let a: $crate::client::commands::Args = $body;
            self.run(a)
        }
    };
    (
        $(#[$doc:meta])*
        fn $name:ident [$($g:tt)*] ($($arg:ident : $ty:ty),*)
            $(where [$($w:tt)*])?
            $body:block
    ) => {
        $(#[$doc])*
        pub fn $name<$($g)* RV: $crate::client::FromValue>(
            &self, $($arg: $ty),*
        ) -> $crate::error::Result<RV>
        $(where $($w)*)?
        {
            let a: $crate::client::commands::Args = $body;
            self.run(a)
        }
    };
}
pub(crate) use redis_method;

/// One `AsyncRedis` method of [`commands!`]: the `Redis` method's result as a future.
macro_rules! async_method {
    (
        $name:ident [$($g:tt)*] ($($arg:ident : $ty:ty),*) -> $ret:ty
            $(where [$($w:tt)*])?
            $body:block
    ) => {
        #[doc = concat!(
            "[`Redis::", stringify!($name), "`](crate::Redis::", stringify!($name),
            ") as a future (see [`AsyncRedis`](crate::client::AsyncRedis))."
        )]
        pub fn $name<$($g)*>(
            &self, $($arg: $ty),*
        ) -> $crate::client::asynchronous::AsyncReply<$ret>
        $(where $($w)*)?
        {
            let a: $crate::client::commands::Args = $body;
            self.run(a)
        }
    };
    (
        $name:ident [$($g:tt)*] ($($arg:ident : $ty:ty),*)
            $(where [$($w:tt)*])?
            $body:block
    ) => {
        #[doc = concat!(
            "[`Redis::", stringify!($name), "`](crate::Redis::", stringify!($name),
            ") as a future (see [`AsyncRedis`](crate::client::AsyncRedis))."
        )]
        pub fn $name<$($g)* RV: $crate::client::FromValue>(
            &self, $($arg: $ty),*
        ) -> $crate::client::asynchronous::AsyncReply<RV>
        $(where $($w)*)?
        {
            let a: $crate::client::commands::Args = $body;
            self.run(a)
        }
    };
}
pub(crate) use async_method;
