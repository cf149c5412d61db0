//! A connection's unsent replies, as a queue of chunks (Redis keeps its reply list as a
//! list of blocks for the same reason).
//!
//! Replies are encoded at the end of the last chunk (the tail); once the tail holds
//! [`CHUNK`] bytes it is closed and a new one started. A client that does not read its
//! replies therefore costs memory in proportion to them and no more: the backlog is never
//! copied into a buffer twice its size (fresh pages that the kernel must zero while every
//! other client waits), and each chunk is freed as soon as it is sent.

use std::collections::VecDeque;

/// A tail reaching this many bytes is closed and a new one started.
pub const CHUNK: usize = 256 * 1024;

/// Where the output stood when a batch started (see [`Output::truncate`]).
#[derive(Clone, Copy, Debug)]
pub struct Mark {
    full: usize,
    len: usize,
}

/// The unsent replies of one connection.
#[derive(Default)]
pub struct Output {
    /// Closed chunks, oldest first.
    full: VecDeque<Vec<u8>>,
    /// Total length and capacity of `full`.
    full_len: usize,
    full_cap: usize,
    /// The chunk replies are appended to (after every chunk in `full`).
    tail: Vec<u8>,
    /// Bytes of the front chunk (the first of `full`, else `tail`) already sent.
    sent: usize,
}

impl Output {
    /// An empty output that holds no memory.
    pub fn new() -> Output {
        Output::default()
    }

    /// The buffer to encode the next reply into (closing a full tail first).
    pub fn buf(&mut self) -> &mut Vec<u8> {
        if self.tail.len() >= CHUNK {
            let t = std::mem::take(&mut self.tail);
            self.full_len += t.len();
            self.full_cap += t.capacity();
            self.full.push_back(t);
        }
        &mut self.tail
    }

    /// Bytes waiting to be sent.
    pub fn pending(&self) -> usize {
        self.full_len + self.tail.len() - self.sent
    }

    /// True when nothing waits to be sent.
    pub fn is_empty(&self) -> bool {
        self.pending() == 0
    }

    /// Memory the queued chunks hold (their capacity).
    pub fn capacity(&self) -> usize {
        self.full_cap + self.tail.capacity()
    }

    /// The unsent bytes of the front chunk: what to write next.
    pub fn unsent(&self) -> &[u8] {
        match self.full.front() {
            Some(f) => &f[self.sent..],
            None => &self.tail[self.sent..],
        }
    }

    /// Records that `n` bytes of [`Output::unsent`] were written; frees what is all sent.
    pub fn advance(&mut self, n: usize) {
        self.sent += n;
        match self.full.front() {
            Some(f) => {
                debug_assert!(self.sent <= f.len());
                if self.sent == f.len() {
                    self.full_len -= f.len();
                    self.full_cap -= f.capacity();
                    self.full.pop_front();
                    self.sent = 0;
                }
            }
            None => {
                debug_assert!(self.sent <= self.tail.len());
                if self.sent == self.tail.len() {
                    self.reset_tail();
                }
            }
        }
    }

    /// Empties the tail when everything is sent, releasing its memory unless it is small.
    fn reset_tail(&mut self) {
        self.sent = 0;
        if self.tail.capacity() > 4096 {
            self.tail = Vec::new();
        } else {
            self.tail.clear();
        }
    }

    /// Where the output stands now.
    pub fn mark(&self) -> Mark {
        Mark {
            full: self.full.len(),
            len: self.tail.len(),
        }
    }

    /// Drops every byte added since `mark` (nothing may have been sent meanwhile).
    pub fn truncate(&mut self, mark: Mark) {
        if self.full.len() > mark.full {
            // The tail at the mark was closed since: it becomes the tail again.
            for c in self.full.drain(mark.full + 1..) {
                self.full_len -= c.len();
                self.full_cap -= c.capacity();
            }
            let t = self.full.pop_back().expect("the chunk that was the tail");
            self.full_len -= t.len();
            self.full_cap -= t.capacity();
            self.tail = t;
        }
        self.tail.truncate(mark.len);
    }

    /// Removes and returns every unsent byte, in order.
    pub fn take_all(&mut self) -> Vec<u8> {
        let sent = std::mem::take(&mut self.sent);
        let mut all = if self.full.is_empty() {
            let mut t = std::mem::take(&mut self.tail);
            t.drain(..sent);
            return t;
        } else {
            Vec::with_capacity(self.pending() + sent)
        };
        for (i, c) in self.full.drain(..).enumerate() {
            all.extend_from_slice(if i == 0 { &c[sent..] } else { &c });
        }
        all.append(&mut self.tail);
        self.full_len = 0;
        self.full_cap = 0;
        self.tail = Vec::new();
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(o: &mut Output, n: usize, b: u8) {
        o.buf().extend(std::iter::repeat_n(b, n));
    }

    #[test]
    fn chunks_close_at_the_threshold_and_send_in_order() {
        let mut o = Output::new();
        let mut want = Vec::new();
        for i in 0..40u8 {
            let n = 10_000 + i as usize * 997;
            fill(&mut o, n, i);
            want.extend(std::iter::repeat_n(i, n));
        }
        assert_eq!(o.pending(), want.len());
        assert!(o.full.len() > 1, "closed chunks");
        let mut got = Vec::new();
        while !o.is_empty() {
            let n = o.unsent().len().min(70_001);
            got.extend_from_slice(&o.unsent()[..n]);
            o.advance(n);
        }
        assert_eq!(got, want);
        assert_eq!(o.capacity(), 0, "all memory released");
    }

    #[test]
    fn truncate_undoes_a_batch_across_chunks() {
        let mut o = Output::new();
        fill(&mut o, 1000, 1);
        o.advance(300);
        fill(&mut o, CHUNK, 2);
        let m = o.mark();
        let before = o.pending();
        for _ in 0..5 {
            fill(&mut o, CHUNK / 2, 3);
        }
        o.truncate(m);
        assert_eq!(o.pending(), before);
        fill(&mut o, 10, 4);
        let all = o.take_all();
        assert_eq!(all.len(), 700 + CHUNK + 10);
        assert!(all[..700].iter().all(|&b| b == 1));
        assert!(all[700..700 + CHUNK].iter().all(|&b| b == 2));
        assert!(all[700 + CHUNK..].iter().all(|&b| b == 4));
        assert!(o.is_empty());
    }

    #[test]
    fn take_all_of_a_tail_only_output() {
        let mut o = Output::new();
        fill(&mut o, 100, 7);
        o.advance(40);
        assert_eq!(o.take_all(), vec![7; 60]);
        assert_eq!(o.pending(), 0);
    }
}
