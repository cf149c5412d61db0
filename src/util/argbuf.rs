//! [`ArgBuf`], a command's arguments in one flat buffer, and `CommandBuf`, several
//! commands in one (the typed API builds into them; the embedded store reads views of them,
//! the remote backend packs them for redis-rs).

/// Command arguments stored flat: every argument's bytes back to back in one buffer, and
/// where each one ends. [`ToArg`](crate::ToArg) writes into it, so building a command costs two
/// allocations however many arguments it has (and none per argument), and the same
/// buffer serves the embedded store (as `&[&[u8]]` views) and the remote backend (packed
/// into a redis-rs command).
///
/// ```
/// use emu::{ArgBuf, ToArg};
/// let mut out = ArgBuf::new();
/// ("k", 42, 1.5).write_args(&mut out);
/// assert_eq!(out.iter().collect::<Vec<_>>(), [&b"k"[..], b"42", b"1.5"]);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ArgBuf {
    data: Vec<u8>,
    ends: Vec<usize>,
}

impl ArgBuf {
    /// An empty buffer.
    pub fn new() -> ArgBuf {
        ArgBuf::default()
    }

    /// An empty buffer with room for `args` arguments of `bytes` bytes in all.
    pub fn with_capacity(args: usize, bytes: usize) -> ArgBuf {
        ArgBuf {
            data: Vec::with_capacity(bytes),
            ends: Vec::with_capacity(args),
        }
    }

    /// Appends one argument.
    pub fn push(&mut self, arg: impl AsRef<[u8]>) {
        self.data.extend_from_slice(arg.as_ref());
        self.ends.push(self.data.len());
    }

    /// Appends an integer's decimal text as one argument (no intermediate string).
    pub(crate) fn push_int(&mut self, n: impl itoa::Integer) {
        self.push(itoa::Buffer::new().format(n));
    }

    /// Appends each item as one argument.
    pub fn extend<I>(&mut self, items: I)
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        for item in items {
            self.push(item);
        }
    }

    /// Appends every argument of `other`.
    pub fn append(&mut self, other: &ArgBuf) {
        let base = self.data.len();
        self.data.extend_from_slice(&other.data);
        self.ends.extend(other.ends.iter().map(|e| e + base));
    }

    /// The number of arguments.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True without arguments.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The total size of the arguments in bytes.
    pub fn byte_len(&self) -> usize {
        self.data.len()
    }

    /// The bytes the buffer holds without reallocating.
    pub(crate) fn byte_capacity(&self) -> usize {
        self.data.capacity()
    }

    /// The `i`-th argument.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.data[start..end])
    }

    /// The arguments in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[u8]> + '_ {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let arg = &self.data[start..end];
            start = end;
            arg
        })
    }

    /// The arguments as a vector of views (the embedded store's `argv`).
    pub fn slices(&self) -> Vec<&[u8]> {
        self.iter().collect()
    }

    /// The arguments as owned vectors.
    pub fn to_vecs(&self) -> Vec<Vec<u8>> {
        self.iter().map(<[u8]>::to_vec).collect()
    }

    /// Forgets every argument, keeping the memory.
    pub fn clear(&mut self) {
        self.data.clear();
        self.ends.clear();
    }
}

impl<A: AsRef<[u8]>> FromIterator<A> for ArgBuf {
    fn from_iter<I: IntoIterator<Item = A>>(items: I) -> ArgBuf {
        let mut out = ArgBuf::new();
        out.extend(items);
        out
    }
}

impl std::fmt::Debug for ArgBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(String::from_utf8_lossy))
            .finish()
    }
}

/// Several commands in one flat [`ArgBuf`] (a pipeline's queue): the commands' arguments
/// back to back, and where each command ends.
#[derive(Clone, Default, Debug)]
pub(crate) struct CommandBuf {
    args: ArgBuf,
    ends: Vec<usize>,
}

impl CommandBuf {
    /// Appends a command.
    pub(crate) fn push(&mut self, argv: &ArgBuf) {
        self.args.append(argv);
        self.ends.push(self.args.len());
    }

    /// Lets `write` append arguments to the last command (none: nothing).
    pub(crate) fn extend_last(&mut self, write: impl FnOnce(&mut ArgBuf)) {
        if let Some(end) = self.ends.last_mut() {
            write(&mut self.args);
            *end = self.args.len();
        }
    }

    /// The number of commands.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub(crate) fn clear(&mut self) {
        self.args.clear();
        self.ends.clear();
    }

    /// Every command's arguments as views, in one vector; [`CommandBuf::split`] cuts it
    /// into commands.
    pub(crate) fn views(&self) -> Vec<&[u8]> {
        self.args.slices()
    }

    /// `views` (from [`CommandBuf::views`]) cut into one `argv` per command.
    pub(crate) fn split<'a>(&self, views: &'a [&'a [u8]]) -> Vec<&'a [&'a [u8]]> {
        let mut start = 0;
        self.ends
            .iter()
            .map(|&end| {
                let argv = &views[start..end];
                start = end;
                argv
            })
            .collect()
    }

    /// The `i`-th command as a buffer of its own.
    #[cfg(feature = "remote")]
    pub(crate) fn command(&self, i: usize) -> ArgBuf {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        (start..self.ends[i])
            .filter_map(|j| self.args.get(j))
            .collect()
    }

    /// The total size of the arguments in bytes.
    #[cfg(feature = "remote")]
    pub(crate) fn byte_len(&self) -> usize {
        self.args.byte_len()
    }
}
