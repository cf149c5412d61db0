//! LZF, the compressor of liblzf 3.6 as Redis 7.0 builds it (`lzf_c.c`, `lzf_d.c`; `HLOG`
//! 16, `VERY_FAST` 1, `ULTRA_FAST` 0), written from the algorithm so that [`compress`]
//! produces the same bytes as Redis for the same input and output budget.
//!
//! The stream is a sequence of runs: `000LLLLL` followed by `L+1` literal bytes, or a back
//! reference `LLLooooo oooooooo` (`L` in 1..=6, copy `L+2` bytes from `o+1` bytes back), or
//! `111ooooo LLLLLLLL oooooooo` (copy `L+9` bytes).
//!
//! liblzf 3.6 (unlike some older copies of `lzf_c.c`) has no `ip + 4 < in_end` condition
//! on a match, so a 3-byte match may end exactly at the end of the input.
//!
//! One difference from the C code that cannot show: liblzf leaves its hash table
//! uninitialised (`INIT_HTAB` 0), so a stale slot could in theory point into the new input;
//! here every slot starts empty, which is what a fresh table in C gives.

const HLOG: u32 = 16;
const HSIZE: usize = 1 << HLOG;
const MAX_LIT: usize = 1 << 5;
const MAX_OFF: usize = 1 << 13;
const MAX_REF: usize = (1 << 8) + (1 << 3);

#[inline]
fn first(input: &[u8], ip: usize) -> u32 {
    let a = input.get(ip).copied().unwrap_or(0) as u32;
    let b = input.get(ip + 1).copied().unwrap_or(0) as u32;
    (a << 8) | b
}

#[inline]
fn next(h: u32, input: &[u8], ip: usize) -> u32 {
    (h << 8) | input[ip + 2] as u32
}

#[inline]
fn slot(h: u32) -> usize {
    ((h >> (3 * 8 - HLOG)).wrapping_sub(h.wrapping_mul(5)) as usize) & (HSIZE - 1)
}

/// Compresses `input` into at most `out_len` bytes the way `lzf_compress` does, or `None`
/// where it returns 0 (empty input, or the output would not fit the budget). Redis calls
/// it with a budget of `len - 4` for strings longer than 20 bytes.
pub fn compress(input: &[u8], out_len: usize) -> Option<Vec<u8>> {
    let in_end = input.len();
    if in_end == 0 || out_len == 0 {
        return None;
    }
    // The C code may write a few header bytes past `out_end` before it notices; keep room.
    let mut out = vec![0u8; out_len + 8];
    HTAB.with(|t| {
        let mut t = t.borrow_mut();
        compress_with(input, out_len, &mut out, &mut t)
    })
}

/// liblzf's hash table, kept per thread: 64 Ki slots of `generation << 32 | position`, so
/// a new call empties it by bumping the generation instead of clearing 512 KiB (which,
/// per string, dominated `emu dump --format rdb`).
struct Table {
    generation: u64,
    slots: Vec<u64>,
}

thread_local! {
    static HTAB: std::cell::RefCell<Table> = std::cell::RefCell::new(Table {
        generation: 0,
        slots: vec![0; HSIZE],
    });
}

impl Table {
    fn start(&mut self) {
        self.generation = (self.generation + 1) & 0xffff_ffff;
        if self.generation == 0 {
            self.slots.fill(0);
            self.generation = 1;
        }
    }

    #[inline]
    fn get(&self, s: usize) -> usize {
        let v = self.slots[s];
        if v >> 32 == self.generation {
            (v & 0xffff_ffff) as usize
        } else {
            0
        }
    }

    #[inline]
    fn set(&mut self, s: usize, pos: usize) {
        self.slots[s] = (self.generation << 32) | pos as u64;
    }
}

fn compress_with(
    input: &[u8],
    out_len: usize,
    out: &mut Vec<u8>,
    htab: &mut Table,
) -> Option<Vec<u8>> {
    let in_end = input.len();
    // Positions are kept in 32 bits; longer inputs are split by no caller (Redis strings
    // are at most 512 MiB), but refuse rather than mis-compress.
    if in_end > u32::MAX as usize {
        return None;
    }
    htab.start();
    let mut ip = 0usize;
    let mut op = 1usize; // start run
    let mut lit = 0usize;
    let mut hval = first(input, ip);
    while ip + 2 < in_end {
        hval = next(hval, input, ip);
        let s = slot(hval);
        let r = htab.get(s);
        htab.set(s, ip);
        let is_match = r > 0
            && r < ip
            && ip - r - 1 < MAX_OFF
            && input[r] == input[ip]
            && input[r + 1] == input[ip + 1]
            && input[r + 2] == input[ip + 2];
        if is_match {
            let off = ip - r - 1;
            let mut len = 2usize;
            let maxlen = (in_end - ip - len).min(MAX_REF);
            out[op - lit - 1] = (lit as u8).wrapping_sub(1); // stop run
            if lit == 0 {
                op -= 1; // undo an empty run
            }
            if op + 3 + 1 >= out_len {
                return None;
            }
            'scan: {
                if maxlen > 16 {
                    for _ in 0..16 {
                        len += 1;
                        if input[r + len] != input[ip + len] {
                            break 'scan;
                        }
                    }
                }
                loop {
                    len += 1;
                    if !(len < maxlen && input[r + len] == input[ip + len]) {
                        break;
                    }
                }
            }
            len -= 2;
            ip += 1;
            if len < 7 {
                out[op] = ((off >> 8) + (len << 5)) as u8;
                op += 1;
            } else {
                out[op] = ((off >> 8) + (7 << 5)) as u8;
                out[op + 1] = (len - 7) as u8;
                op += 2;
            }
            out[op] = off as u8;
            op += 1;
            lit = 0;
            op += 1; // start run
            ip += len + 1;
            if ip + 2 >= in_end {
                break;
            }
            ip -= 2;
            hval = first(input, ip);
            hval = next(hval, input, ip);
            htab.set(slot(hval), ip);
            ip += 1;
            hval = next(hval, input, ip);
            htab.set(slot(hval), ip);
            ip += 1;
        } else {
            if op >= out_len {
                return None;
            }
            lit += 1;
            out[op] = input[ip];
            op += 1;
            ip += 1;
            if lit == MAX_LIT {
                out[op - lit - 1] = (lit - 1) as u8;
                lit = 0;
                op += 1;
            }
        }
    }
    if op + 3 > out_len {
        return None;
    }
    while ip < in_end {
        lit += 1;
        out[op] = input[ip];
        op += 1;
        ip += 1;
        if lit == MAX_LIT {
            out[op - lit - 1] = (lit - 1) as u8;
            lit = 0;
            op += 1;
        }
    }
    out[op - lit - 1] = (lit as u8).wrapping_sub(1); // end run
    if lit == 0 {
        op -= 1;
    }
    out.truncate(op);
    Some(std::mem::take(out))
}

/// Decompresses `input` into exactly `out_len` bytes; `None` for any malformed stream (a
/// reference before the start, a run past either end) or a length other than `out_len`.
pub fn decompress(input: &[u8], out_len: usize) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(out_len.min(input.len().saturating_mul(300)));
    let mut ip = 0usize;
    while ip < input.len() {
        let ctrl = input[ip] as usize;
        ip += 1;
        if ctrl < 32 {
            let n = ctrl + 1;
            if out.len() + n > out_len || ip + n > input.len() {
                return None;
            }
            out.extend_from_slice(&input[ip..ip + n]);
            ip += n;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += *input.get(ip)? as usize;
                ip += 1;
            }
            let low = *input.get(ip)? as usize;
            ip += 1;
            let back = ((ctrl & 0x1f) << 8) + low + 1;
            len += 2;
            if back > out.len() || out.len() + len > out_len {
                return None;
            }
            let start = out.len() - back;
            for i in 0..len {
                let b = out[start + i];
                out.push(b);
            }
        }
    }
    (out.len() == out_len).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_respects_the_budget() {
        let samples: Vec<Vec<u8>> = vec![
            b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".to_vec(),
            b"hello hello hello hello hello world world world".to_vec(),
            (0..5000u32).map(|i| (i % 251) as u8).collect(),
            (0..5000u32).map(|i| (i * 7 % 13) as u8).collect(),
        ];
        for s in samples {
            let c = compress(&s, s.len() - 4).expect("compressible");
            assert!(c.len() <= s.len() - 4);
            assert_eq!(decompress(&c, s.len()).as_deref(), Some(&s[..]));
        }
        // Incompressible: does not fit a budget smaller than the input.
        let noise: Vec<u8> = (0..64u32).map(|i| (i * 37 + 11) as u8).collect();
        assert_eq!(compress(&noise, noise.len() - 4), None);
    }

    #[test]
    fn rejects_bad_streams() {
        assert_eq!(decompress(&[0x20, 0x00], 3), None); // reference before the start
        assert_eq!(decompress(&[0x05, b'a'], 6), None); // literal past the input
        assert_eq!(decompress(&[0x00, b'a'], 2), None); // wrong length
        assert_eq!(
            decompress(&[0x00, b'a', 0x20, 0x00], 4),
            Some(b"aaaa".to_vec())
        );
    }
}
