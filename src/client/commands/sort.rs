//! SORT and SORT_RO, with their option type [`SortOptions`].

use super::{args, commands};
use crate::client::convert::ToArg;

/// The options of `SORT` / `SORT_RO` (redis-py's `sort(name, start, num, by, get, desc,
/// alpha)`): a BY pattern, LIMIT, GET patterns, DESC and ALPHA. STORE is a separate method,
/// [`Redis::sort_store`](crate::Redis::sort_store).
///
/// ```
/// use emu::SortOptions;
/// let r = emu::Redis::new();
/// r.rpush("ids", [3, 1, 2])?;
/// r.mset([("w_1", "30"), ("w_2", "10"), ("w_3", "20")])?;
/// r.hset("user:2", "name", "bea")?;
/// assert_eq!(r.sort::<_, Vec<i64>>("ids", &SortOptions::new())?, [1, 2, 3]);
/// assert_eq!(r.sort::<_, Vec<i64>>("ids", &SortOptions::new().by("w_*"))?, [2, 3, 1]);
/// let names: Vec<Option<String>> =
///     r.sort("ids", &SortOptions::new().limit(1, 1).get("user:*->name"))?;
/// assert_eq!(names, [Some("bea".to_string())]);
/// assert_eq!(r.sort_store("ids", &SortOptions::new().desc(), "sorted")?, 3);
/// assert_eq!(r.lrange::<_, Vec<i64>>("sorted", 0, -1)?, [3, 2, 1]);
/// # Ok::<(), emu::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SortOptions {
    by: Option<Vec<u8>>,
    limit: Option<(i64, i64)>,
    get: Vec<Vec<u8>>,
    desc: bool,
    alpha: bool,
}

impl SortOptions {
    /// No options: ascending numeric order of the elements themselves.
    pub fn new() -> SortOptions {
        SortOptions::default()
    }
    /// `BY pattern`: sort by the keys (`weight_*`) or hash fields (`h_*->field`) the pattern
    /// names for each element; a pattern without `*` (e.g. `nosort`) means no sorting.
    pub fn by(mut self, pattern: impl AsRef<[u8]>) -> Self {
        self.by = Some(pattern.as_ref().to_vec());
        self
    }
    /// `BY nosort`: keep the list's or sorted set's own order.
    pub fn nosort(self) -> Self {
        self.by("nosort")
    }
    /// `LIMIT offset count` (a negative count means "to the end").
    pub fn limit(mut self, offset: i64, count: i64) -> Self {
        self.limit = Some((offset, count));
        self
    }
    /// `GET pattern` (repeatable): `#` is the element, `p*` a string key, `h*->f` a hash
    /// field; missing ones come back as nil.
    pub fn get(mut self, pattern: impl AsRef<[u8]>) -> Self {
        self.get.push(pattern.as_ref().to_vec());
        self
    }
    /// `DESC`: descending order.
    pub fn desc(mut self) -> Self {
        self.desc = true;
        self
    }
    /// `ALPHA`: compare as strings, not numbers.
    pub fn alpha(mut self) -> Self {
        self.alpha = true;
        self
    }
}

impl ToArg for SortOptions {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        if let Some(by) = &self.by {
            out.push(b"BY");
            out.push(by.clone());
        }
        if let Some((offset, count)) = self.limit {
            out.push(b"LIMIT");
            offset.write_args(out);
            count.write_args(out);
        }
        for g in &self.get {
            out.push(b"GET");
            out.push(g.clone());
        }
        if self.desc {
            out.push(b"DESC");
        }
        if self.alpha {
            out.push(b"ALPHA");
        }
    }
}

commands! {
    /// `SORT key [BY …] [LIMIT …] [GET …] [DESC] [ALPHA]` — the sorted elements, or with GET
    /// patterns their values (`Vec<String>`, `Vec<Option<String>>`, `Vec<i64>`, …).
    fn sort[K: ToArg,](key: K, options: &SortOptions) { args("SORT").arg(key).arg(options) }

    /// `SORT key … STORE destination` — stores the result as a list (deleting `destination`
    /// when it is empty) and returns its length.
    fn sort_store[K: ToArg, D: ToArg,](key: K, options: &SortOptions, destination: D) -> i64 {
        args("SORT").arg(key).arg(options).arg("STORE").arg(destination)
    }

    /// `SORT_RO key [BY …] [LIMIT …] [GET …] [DESC] [ALPHA]` — SORT for read-only contexts.
    fn sort_ro[K: ToArg,](key: K, options: &SortOptions) { args("SORT_RO").arg(key).arg(options) }
}
