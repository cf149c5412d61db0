//! FUNCTION DUMP / RESTORE payloads, as Redis 7.0 writes them (`functionDumpCommand` →
//! `rdbSaveFunctions`): for each library the RDB opcode `FUNCTION2` (245) and the library's
//! code as an RDB string (`rdbSaveRawString`: LZF-compressed past 20 bytes when
//! `rdbcompression` is on), then the RDB version (10, u16 LE) and the CRC64 of everything
//! before it (u64 LE). The bytes come from the rdb room's codec; the scripting room reaches
//! these two functions through [`crate::engine::Services`] (it sits below both rooms).

use crate::rdb::{codec, opcode};

/// The payload of FUNCTION DUMP for the libraries' `codes`, in the order given.
pub fn encode(codes: &[&[u8]], compress: bool) -> Vec<u8> {
    let mut body = Vec::with_capacity(codes.iter().map(|c| c.len() + 6).sum());
    for code in codes {
        body.push(opcode::FUNCTION2);
        codec::write_string(&mut body, code, compress);
    }
    codec::seal_payload(body)
}

/// The libraries' codes in a FUNCTION RESTORE payload, or the error text FUNCTION RESTORE
/// answers (without `ERR `), in Redis's order of checks.
pub fn decode(payload: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let Some((body, _version)) = codec::open_payload(payload, false) else {
        return Err("DUMP payload version or checksum are wrong".into());
    };
    let mut r = codec::Reader::new(body);
    let mut out = Vec::new();
    while !r.is_empty() {
        let kind = r.u8().map_err(|_| "can not read data type".to_string())?;
        if kind == opcode::FUNCTION {
            return Err("Pre-GA function format not supported".into());
        }
        if kind != opcode::FUNCTION2 {
            return Err("given type is not a function".into());
        }
        let code = r
            .string()
            .map_err(|_| "Failed loading library payload".to_string())?;
        out.push(code);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_damage() {
        let long = b"#!lua name=a\nredis.register_function('f', function() return 'aaaaaaaaaaaaaaaaaaaaaaaa' end)";
        for compress in [false, true] {
            let p = encode(&[b"#!lua name=x\n", long], compress);
            assert_eq!(
                decode(&p),
                Ok(vec![b"#!lua name=x\n".to_vec(), long.to_vec()])
            );
            let mut bad = p.clone();
            bad[3] ^= 1;
            assert_eq!(
                decode(&bad).unwrap_err(),
                "DUMP payload version or checksum are wrong"
            );
        }
        assert_eq!(decode(&encode(&[], true)), Ok(vec![]));
        let not_fn = codec::seal_payload(vec![0, 1, b'x']);
        assert_eq!(decode(&not_fn).unwrap_err(), "given type is not a function");
        let pre_ga = codec::seal_payload(vec![opcode::FUNCTION]);
        assert_eq!(
            decode(&pre_ga).unwrap_err(),
            "Pre-GA function format not supported"
        );
    }
}
