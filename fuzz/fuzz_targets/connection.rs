//! Runs arbitrary bytes through a whole connection (parser + engine + encoder) against an
//! in-memory store, in 64-byte reads: no input may panic.
#![no_main]

use emu::engine::Session;
use emu::server::conn::Conn;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let store = emu::engine::Shared::new(emu::engine::Store::default());
    let mut conn = Conn::new(Session::default());
    for chunk in data.chunks(64) {
        conn.input().extend_from_slice(chunk);
        let _ = conn.process(&store);
        conn.out.clear();
    }
});
