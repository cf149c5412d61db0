//! Blocking list and sorted-set pops. `timeout` is in seconds (fractional allowed, `0.0`
//! waits forever); on timeout the reply is nil (`None`). The `Redis` methods block the
//! calling thread (holding no lock) until another handle or thread pushes; the `Pipeline`
//! versions only queue (a plain pipeline never blocks: see [`crate::blocking`]).

use super::{args, commands};
use crate::client::convert::ToArg;
use crate::client::options::{Direction, MinMax};

commands! {
    /// `BLPOP key … timeout` — pops the head of the first non-empty list, waiting up to
    /// `timeout` seconds for one: `(key, element)`, or nil on timeout
    /// (`Option<(String, String)>`).
    fn blpop[K: ToArg,](keys: K, timeout: f64) { args("BLPOP").arg(keys).arg(timeout) }

    /// `BRPOP key … timeout` — like [`blpop`](Self::blpop), from the tail.
    fn brpop[K: ToArg,](keys: K, timeout: f64) { args("BRPOP").arg(keys).arg(timeout) }

    /// `BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout` — [`lmove`](Self::lmove)
    /// that waits for `source`: the moved element, or nil on timeout (`Option<String>`).
    fn blmove[S: ToArg, D: ToArg,](source: S, destination: D, from: Direction, to: Direction, timeout: f64) {
        args("BLMOVE").arg(source).arg(destination).arg(from).arg(to).arg(timeout)
    }

    /// `BRPOPLPUSH source destination timeout` — [`rpoplpush`](Self::rpoplpush) that waits.
    fn brpoplpush[S: ToArg, D: ToArg,](source: S, destination: D, timeout: f64) {
        args("BRPOPLPUSH").arg(source).arg(destination).arg(timeout)
    }

    /// `BLMPOP timeout numkeys key … LEFT|RIGHT COUNT count` — [`lmpop`](Self::lmpop) that
    /// waits: `(key, elements)` or nil (`Option<(String, Vec<String>)>`).
    fn blmpop[K: ToArg,](timeout: f64, keys: K, direction: Direction, count: usize) {
        args("BLMPOP").arg(timeout).counted(keys).arg(direction).arg("COUNT").arg(count)
    }

    /// `BZPOPMIN key … timeout` — the lowest-scored member of the first non-empty sorted
    /// set, waiting: `(key, member, score)` or nil (`Option<(String, String, f64)>`).
    fn bzpopmin[K: ToArg,](keys: K, timeout: f64) { args("BZPOPMIN").arg(keys).arg(timeout) }

    /// `BZPOPMAX key … timeout` — like [`bzpopmin`](Self::bzpopmin), highest score.
    fn bzpopmax[K: ToArg,](keys: K, timeout: f64) { args("BZPOPMAX").arg(keys).arg(timeout) }

    /// `BZMPOP timeout numkeys key … MIN|MAX COUNT count` — [`zmpop`](Self::zmpop) that
    /// waits: `(key, [(member, score)])` or nil (`Option<(String, Vec<(String, f64)>)>`).
    fn bzmpop[K: ToArg,](timeout: f64, keys: K, which: MinMax, count: usize) {
        args("BZMPOP").arg(timeout).counted(keys).arg(which).arg("COUNT").arg(count)
    }
}
