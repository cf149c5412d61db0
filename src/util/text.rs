//! Raw bytes carried inside a `String` without loss, for reply texts that hold client bytes:
//! error and status replies (`-ERR unknown command '\xff'`, a script's
//! `redis.error_reply('\xff…')`) and the INFO fields named after them (`errorstat_\xff…`).
//! Redis sends those bytes back as they came; emu's errors and status replies are `String`s,
//! so the bytes of an invalid UTF-8 sequence are kept as private-use characters
//! (U+10FF00 + byte, plane 16) and turned back into the bytes when the reply is written
//! ([`raw`], used by the RESP encoder and INFO). Valid UTF-8 passes unchanged both ways.

use std::borrow::Cow;

/// The first private-use character standing for a raw byte (U+10FF00 + byte).
const BASE: u32 = 0x10_FF00;

/// `bytes` as a `String`, each byte of an invalid UTF-8 sequence kept as a private-use
/// character (see the module docs).
pub fn lossless(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        // A genuine U+10FF00..=U+10FFFF (F4 8F BC..BF xx) is escaped byte by byte too, so
        // [`raw`] never mistakes it for an escape.
        Ok(s) if !bytes.contains(&0xF4) => Cow::Borrowed(s),
        _ => {
            let mut out = String::with_capacity(bytes.len() + 8);
            let escape = |out: &mut String, b: &[u8]| {
                for &b in b {
                    out.push(char::from_u32(BASE + u32::from(b)).expect("plane 16 is valid"));
                }
            };
            for chunk in bytes.utf8_chunks() {
                for c in chunk.valid().chars() {
                    let mut buf = [0u8; 4];
                    let enc = c.encode_utf8(&mut buf);
                    if u32::from(c) >= BASE {
                        escape(&mut out, enc.as_bytes());
                    } else {
                        out.push_str(enc);
                    }
                }
                escape(&mut out, chunk.invalid());
            }
            Cow::Owned(out)
        }
    }
}

/// The bytes `text` stands for: the inverse of [`lossless`].
pub fn raw(text: &str) -> Cow<'_, [u8]> {
    // U+10FF00..=U+10FFFF encode as F4 8F BC..BF xx: no F4 byte, nothing to undo.
    if !text.as_bytes().contains(&0xF4) {
        return Cow::Borrowed(text.as_bytes());
    }
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match u32::from(c).checked_sub(BASE) {
            Some(b) => out.push(b as u8),
            None => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_any_bytes() {
        let cases: [&[u8]; 6] = [
            b"plain",
            b"\xff\xfeBAD oops",
            "caf\u{e9} \u{1F600}".as_bytes(),
            b"\xe2\x82",
            b"a\xc3(b\xf4\x8f\xbc\x80 \xf4\x8f\xbf\xbf",
            b"",
        ];
        for bytes in cases {
            let text = lossless(bytes);
            assert_eq!(&*raw(&text), bytes, "{bytes:?}");
        }
        assert!(matches!(lossless(b"ok"), Cow::Borrowed("ok")));
        assert!(matches!(raw("ok \u{e9}"), Cow::Borrowed(_)));
    }
}
