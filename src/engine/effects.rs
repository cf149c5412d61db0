//! The effect buffer: what write commands *did*, waiting for the log.
//!
//! A write command's effect is a deterministic command vector on a database (FORMAT.md §6):
//! the request itself, or what the handler recorded with `Ctx::propagate` (EXPIRE →
//! PEXPIREAT, SPOP → SREM, …), or the DEL of a key that expired. This buffer is the only
//! writer of that record layout ([`encode_effect`]); the log frames a drained buffer into a
//! batch, and the log's reader decodes it back into [`Effect`]s.

/// One logged effect: the db it applies to and a deterministic command vector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Effect {
    /// Database index.
    pub db: usize,
    /// Command and arguments (replayed through the engine).
    pub argv: Vec<Vec<u8>>,
}

/// bincode `standard()` varint encoding of an unsigned integer (FORMAT.md §4).
#[inline]
pub fn put_varint(out: &mut Vec<u8>, v: u64) {
    if v < 251 {
        out.push(v as u8);
    } else if v <= u16::MAX as u64 {
        out.push(251);
        out.extend_from_slice(&(v as u16).to_le_bytes());
    } else if v <= u32::MAX as u64 {
        out.push(252);
        out.extend_from_slice(&(v as u32).to_le_bytes());
    } else {
        out.push(253);
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// [`put_varint`] into the front of `out` (at least 9 bytes long: all 9 are written, the
/// bytes past the returned length are scratch); returns the length.
#[inline]
pub fn varint_into(out: &mut [u8], v: u64) -> usize {
    let (tag, n) = if v < 251 {
        (v as u8, 1)
    } else if v <= u16::MAX as u64 {
        (251, 3)
    } else if v <= u32::MAX as u64 {
        (252, 5)
    } else {
        (253, 9)
    };
    let out = &mut out[..9];
    out[0] = tag;
    out[1..9].copy_from_slice(&v.to_le_bytes());
    n
}

/// Appends one effect record (FORMAT.md §6: db, argc, then each argument as length +
/// bytes, all varints) to `out`, after one growth check for the whole record.
#[inline]
pub fn encode_effect<A: AsRef<[u8]>>(out: &mut Vec<u8>, db: usize, argv: &[A]) {
    // An upper bound (9 bytes per varint), so the pushes below never reallocate.
    let bound = 18 + argv.iter().map(|a| 9 + a.as_ref().len()).sum::<usize>();
    out.reserve(bound);
    push_varint(out, db as u64);
    push_varint(out, argv.len() as u64);
    for a in argv {
        let a = a.as_ref();
        push_varint(out, a.len() as u64);
        out.extend_from_slice(a);
    }
}

/// [`put_varint`] with the one-byte case (every db, argc and length below 251) inlined.
#[inline(always)]
fn push_varint(out: &mut Vec<u8>, v: u64) {
    if v < 251 {
        out.push(v as u8);
    } else {
        put_varint(out, v);
    }
}

/// Bytes [`put_varint`] writes for `v`.
#[inline]
fn varint_len(v: u64) -> usize {
    if v < 251 {
        1
    } else if v <= u16::MAX as u64 {
        3
    } else if v <= u32::MAX as u64 {
        5
    } else {
        9
    }
}

/// [`put_varint`] into the front of `out`, writing exactly [`varint_len`] bytes.
#[inline]
fn varint_exact(out: &mut [u8], v: u64) -> usize {
    let b = v.to_le_bytes();
    if v < 251 {
        out[0] = v as u8;
        1
    } else if v <= u16::MAX as u64 {
        out[..3].copy_from_slice(&[251, b[0], b[1]]);
        3
    } else if v <= u32::MAX as u64 {
        out[..5].copy_from_slice(&[252, b[0], b[1], b[2], b[3]]);
        5
    } else {
        out[0] = 253;
        out[1..9].copy_from_slice(&b);
        9
    }
}

/// Room kept in front of the recorded effects for the log's batch head (its kind and three
/// varints, at most 1 + 3 × 9 bytes): head and effects then form one contiguous slice, which
/// the log checksums in one pass and copies in one piece ([`EffectBuffer::framed`]).
pub const HEAD_ROOM: usize = 28;

/// Effects recorded since the log last drained them, already in the log's layout.
#[derive(Clone, Debug, Default)]
pub struct EffectBuffer {
    recording: bool,
    /// [`HEAD_ROOM`] bytes (once anything is recorded), then the effect records.
    bytes: Vec<u8>,
    count: u64,
    /// Where the current replication unit starts in `bytes` (see [`EffectBuffer::take_unit`]).
    unit_start: usize,
    /// Where the log-only records of the current unit start in `bytes`
    /// ([`EffectBuffer::record_log_only`]).
    log_only: Vec<usize>,
    /// Where the replication-only records of the current unit are in `bytes` (start, end)
    /// ([`EffectBuffer::record_repl_only`]).
    repl_only: Vec<(usize, usize)>,
}

impl EffectBuffer {
    /// True when write commands record their effects (a log is attached, or a test asked).
    #[inline]
    pub fn is_recording(&self) -> bool {
        self.recording
    }

    /// Turns recording on or off (replay turns it off: replayed effects are not logged again).
    pub fn set_recording(&mut self, on: bool) {
        self.recording = on;
    }

    /// Records an effect if recording.
    #[inline]
    pub fn record<A: AsRef<[u8]>>(&mut self, db: usize, argv: &[A]) {
        if self.recording {
            if self.bytes.is_empty() {
                self.bytes.resize(HEAD_ROOM, 0);
            }
            encode_effect(&mut self.bytes, db, argv);
            self.count += 1;
        }
    }

    /// Records an effect for the log only: the replication stream leaves it out (state
    /// emu's replay needs that Redis 7.0 does not propagate, e.g. a consumer group's
    /// position after a plain XREADGROUP).
    pub fn record_log_only<A: AsRef<[u8]>>(&mut self, db: usize, argv: &[A]) {
        if self.recording {
            self.log_only.push(self.bytes.len().max(HEAD_ROOM));
            self.record(db, argv);
        }
    }

    /// Records an effect for the replication stream only: [`EffectBuffer::take_unit`]
    /// returns it and then removes it, so the log never sees it (Redis propagates PUBLISH
    /// to replicas, not to the AOF). Only for a store whose units are taken (replication
    /// active): otherwise it would reach the log.
    pub fn record_repl_only<A: AsRef<[u8]>>(&mut self, db: usize, argv: &[A]) {
        if self.recording {
            let start = self.bytes.len().max(HEAD_ROOM);
            self.record(db, argv);
            self.repl_only.push((start, self.bytes.len()));
        }
    }

    /// True if effects are waiting.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Number of waiting effects and their encoded records, for the log to frame.
    pub fn pending(&self) -> (u64, &[u8]) {
        (self.count, self.body())
    }

    /// The effect records, without the head room.
    fn body(&self) -> &[u8] {
        &self.bytes[HEAD_ROOM.min(self.bytes.len())..]
    }

    /// A head of `first` and three varints (at most [`HEAD_ROOM`] bytes) written just in
    /// front of the waiting effects, and the two as one slice: what the log frames as one
    /// batch record. The head is written in place, each byte once, so the log's checksum and
    /// copy read it from where it was stored.
    pub fn framed(&mut self, first: u8, varints: [u64; 3]) -> &[u8] {
        if self.bytes.is_empty() {
            self.bytes.resize(HEAD_ROOM, 0);
        }
        let len = 1 + varints.iter().map(|&v| varint_len(v)).sum::<usize>();
        let head = &mut self.bytes[HEAD_ROOM - len..HEAD_ROOM];
        head[0] = first;
        let mut at = 1;
        for v in varints {
            at += varint_exact(&mut head[at..], v);
        }
        &self.bytes[HEAD_ROOM - len..]
    }

    /// Drops every waiting effect (after the log took them, or when nothing may be logged).
    /// The head room stays, so the next record needs no extra growth step.
    pub fn clear(&mut self) {
        self.bytes.truncate(HEAD_ROOM);
        self.count = 0;
        self.unit_start = 0;
        self.log_only.clear();
        self.repl_only.clear();
    }

    /// The effects recorded since the last call (one replication unit, see
    /// [`crate::engine::repl`]), decoded, without the log-only ones; they all stay in the
    /// buffer for the log.
    pub fn take_unit(&mut self) -> Vec<Effect> {
        let start = self.unit_start.max(HEAD_ROOM).min(self.bytes.len());
        let log_only = std::mem::take(&mut self.log_only);
        let repl_only = std::mem::take(&mut self.repl_only);
        if start == self.bytes.len() {
            self.unit_start = self.bytes.len();
            return Vec::new();
        }
        let unit = decode(&self.bytes[start..], u64::MAX, |at| {
            log_only.contains(&(start + at))
        });
        // The replication-only records leave the buffer now (the log never sees them).
        for &(from, to) in repl_only.iter().rev() {
            self.bytes.drain(from..to);
            self.count -= 1;
        }
        self.unit_start = self.bytes.len();
        unit
    }

    /// The waiting effects, decoded (for tests and inspection; the log never needs this).
    pub fn to_vec(&self) -> Vec<Effect> {
        decode(self.body(), self.count, |_| false)
    }
}

/// Decodes up to `count` records from `bytes`, leaving out those starting at an offset
/// `skip` names.
fn decode(bytes: &[u8], count: u64, skip: impl Fn(usize) -> bool) -> Vec<Effect> {
    let mut out = Vec::with_capacity(count.min(1024) as usize);
    let mut r = Reader(bytes);
    for _ in 0..count {
        if r.0.is_empty() {
            break;
        }
        let at = bytes.len() - r.0.len();
        let (Some(db), Some(argc)) = (r.varint(), r.varint()) else {
            break;
        };
        let argv = (0..argc)
            .map_while(|_| r.varint().and_then(|n| r.take(n as usize)))
            .map(<[u8]>::to_vec)
            .collect();
        if !skip(at) {
            out.push(Effect {
                db: db as usize,
                argv,
            });
        }
    }
    out
}

/// Reads back what this module wrote (only for [`EffectBuffer::to_vec`]).
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn varint(&mut self) -> Option<u64> {
        let first = *self.take(1)?.first()?;
        let wide = |b: &[u8]| b.iter().rev().fold(0u64, |acc, &x| (acc << 8) | x as u64);
        match first {
            251 => self.take(2).map(wide),
            252 => self.take(4).map(wide),
            253 => self.take(8).map(wide),
            n => Some(n as u64),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_into_matches_put_varint() {
        for v in [
            0,
            1,
            250,
            251,
            65_535,
            65_536,
            u32::MAX as u64,
            u32::MAX as u64 + 1,
            u64::MAX,
        ] {
            let mut vec = Vec::new();
            put_varint(&mut vec, v);
            let mut buf = [0u8; 9];
            let n = varint_into(&mut buf, v);
            assert_eq!(&buf[..n], &vec[..], "{v}");
        }
    }

    /// The plain encoding [`encode_effect`] must equal.
    fn encode_by_pushes(out: &mut Vec<u8>, db: usize, argv: &[&[u8]]) {
        put_varint(out, db as u64);
        put_varint(out, argv.len() as u64);
        for a in argv {
            put_varint(out, a.len() as u64);
            out.extend_from_slice(a);
        }
    }

    #[test]
    fn encoding_matches_plain_pushes() {
        let big = vec![9u8; 70_000];
        let huge_db = u32::MAX as usize + 5;
        for (db, argv) in [
            (0usize, vec![b"SET".as_slice(), b"k", b"v"]),
            (300, vec![b"DEL".as_slice()]),
            (
                huge_db,
                vec![b"".as_slice(), &big[..250], &big[..251], &big],
            ),
            (7, vec![]),
        ] {
            let (mut a, mut b) = (vec![1u8, 2], vec![1u8, 2]);
            encode_effect(&mut a, db, &argv);
            encode_by_pushes(&mut b, db, &argv);
            assert_eq!(a, b);
        }
    }

    #[test]
    fn framed_puts_the_head_right_before_the_effects() {
        // The head as put_varint writes it.
        let head = |first: u8, v: [u64; 3]| {
            let mut h = vec![first];
            v.iter().for_each(|&v| put_varint(&mut h, v));
            h
        };
        let mut b = EffectBuffer::default();
        assert_eq!(b.framed(7, [1, 2, 3]), [7, 1, 2, 3]);
        b.set_recording(true);
        b.record(1, &[b"SET".as_slice(), b"k", b"v"]);
        let (count, body) = b.pending();
        let body = body.to_vec();
        assert_eq!(count, 1);
        let widest = [u64::MAX; 3];
        let framed = b.framed(0xAA, widest).to_vec();
        assert_eq!(framed.len(), HEAD_ROOM + body.len());
        assert_eq!(&framed[..HEAD_ROOM], &head(0xAA, widest)[..]);
        assert_eq!(&framed[HEAD_ROOM..], &body[..]);
        // Every width of every varint, written over the longer heads before it.
        let widths = [
            0,
            250,
            251,
            65_535,
            65_536,
            u32::MAX as u64,
            u32::MAX as u64 + 1,
        ];
        for x in widths {
            for y in widths {
                let v = [x, y, 1];
                assert_eq!(b.framed(9, v), [head(9, v), body.clone()].concat());
            }
        }
        // The head never leaks into what is decoded.
        assert_eq!(b.to_vec().len(), 1);
        assert_eq!(b.take_unit().len(), 1);
        b.clear();
        b.record(2, &[b"DEL".as_slice(), b"z"]);
        assert_eq!(b.take_unit()[0].argv[0], b"DEL");
    }

    #[test]
    fn repl_only_records_are_in_the_unit_but_never_logged() {
        let mut b = EffectBuffer::default();
        b.set_recording(true);
        b.record(0, &[b"SET".as_slice(), b"k", b"v"]);
        b.record_repl_only(0, &[b"PUBLISH".as_slice(), b"ch", b"m"]);
        b.record_log_only(0, &[b"DEL".as_slice(), b"x"]);
        b.record_repl_only(3, &[b"PUBLISH".as_slice(), b"ch2", b"m2"]);
        b.record(0, &[b"SET".as_slice(), b"k2", b"v"]);
        let names =
            |v: Vec<Effect>| -> Vec<Vec<u8>> { v.into_iter().map(|e| e.argv[1].clone()).collect() };
        assert_eq!(
            names(b.take_unit()),
            [
                b"k".to_vec(),
                b"ch".to_vec(),
                b"ch2".to_vec(),
                b"k2".to_vec()
            ]
        );
        // What is left for the log: the other three, in order, still framed.
        assert_eq!(b.pending().0, 3);
        assert_eq!(
            names(b.to_vec()),
            [b"k".to_vec(), b"x".to_vec(), b"k2".to_vec()]
        );
        assert!(b.take_unit().is_empty());
        b.record_repl_only(0, &[b"PUBLISH".as_slice(), b"c", b"m"]);
        b.record(0, &[b"DEL".as_slice(), b"y"]);
        assert_eq!(names(b.take_unit()), [b"c".to_vec(), b"y".to_vec()]);
        assert_eq!(b.pending().0, 4);
    }

    #[test]
    fn log_only_records_are_logged_but_not_in_the_unit() {
        let mut b = EffectBuffer::default();
        b.set_recording(true);
        b.record_log_only(
            0,
            &[b"XGROUP".as_slice(), b"CREATECONSUMER", b"s", b"g", b"c"],
        );
        b.record(0, &[b"SET".as_slice(), b"k", b"v"]);
        b.record_log_only(1, &[b"DEL".as_slice(), b"x"]);
        assert_eq!(b.to_vec().len(), 3, "the log gets all three");
        let unit = b.take_unit();
        assert_eq!(unit.len(), 1);
        assert_eq!(unit[0].argv[0], b"SET");
        // The next unit starts clean.
        b.record(0, &[b"DEL".as_slice(), b"y"]);
        assert_eq!(b.take_unit().len(), 1);
        b.record_log_only(0, &[b"DEL".as_slice(), b"y"]);
        assert!(b.take_unit().is_empty());
        assert_eq!(b.pending().0, 5);
    }

    #[test]
    fn records_round_trip_and_only_while_recording() {
        let mut b = EffectBuffer::default();
        b.record(0, &[b"SET".as_slice(), b"k", b"v"]);
        assert!(b.is_empty(), "not recording yet");
        b.set_recording(true);
        let big = vec![7u8; 70_000];
        b.record(3, &[b"SET".as_slice(), b"k", &big]);
        b.record(300, &[b"DEL".to_vec(), b"x".to_vec()]);
        let v = b.to_vec();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].db, 3);
        assert_eq!(v[0].argv[2], big);
        assert_eq!(
            v[1],
            Effect {
                db: 300,
                argv: vec![b"DEL".to_vec(), b"x".to_vec()]
            }
        );
        b.clear();
        assert!(b.is_empty() && b.to_vec().is_empty());
    }
}
