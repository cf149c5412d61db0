//! CONFIG SET port / bind against redis-server 7.0: the server listens on the new address
//! (the old connections stay), and an address it cannot listen on is refused with Redis's
//! error, the old listener kept.

use crate::server_util::{free_port, start, start_real_redis, Raw};

fn text(b: Vec<u8>) -> String {
    String::from_utf8_lossy(&b).into_owned()
}

#[test]
fn config_set_port_and_bind_listen_anew_as_redis() {
    let Some(real) = start_real_redis("CONFIG SET port") else {
        return;
    };
    let (_r, srv) = start();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy_port = busy.local_addr().unwrap().port().to_string();
    for addr in [srv.addr().unwrap(), real.addr] {
        let mut c = Raw::connect(addr);
        let port = free_port();
        let p = port.to_string();
        assert_eq!(
            text(c.cmd(&[b"CONFIG", b"SET", b"port", p.as_bytes()])),
            "+OK\r\n"
        );
        // The connection that asked stays; new ones reach the new port.
        assert_eq!(text(c.cmd(&[b"PING"])), "+PONG\r\n");
        let mut n = Raw::connect(([127, 0, 0, 1], port).into());
        assert_eq!(
            text(n.cmds("CONFIG GET port")),
            format!("*2\r\n$4\r\nport\r\n${}\r\n{p}\r\n", p.len())
        );
        assert!(text(n.cmds("INFO server")).contains(&format!("tcp_port:{p}\r\n")));
        assert!(
            std::net::TcpStream::connect(addr).is_err(),
            "{addr}: old port still open"
        );
        // A port in use: refused, and the server still listens where it did.
        assert_eq!(
            text(n.cmd(&[b"CONFIG", b"SET", b"port", busy_port.as_bytes()])),
            "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.\r\n"
        );
        assert_eq!(
            text(n.cmds("CONFIG GET port")),
            format!("*2\r\n$4\r\nport\r\n${}\r\n{p}\r\n", p.len())
        );
        assert_eq!(
            text(n.cmd(&[b"CONFIG", b"SET", b"bind", b"999.999.999.999"])),
            "-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.\r\n"
        );
        assert_eq!(
            text(n.cmds("CONFIG GET bind")),
            "*2\r\n$4\r\nbind\r\n$9\r\n127.0.0.1\r\n"
        );
        let mut again = Raw::connect(([127, 0, 0, 1], port).into());
        assert_eq!(text(again.cmds("PING")), "+PONG\r\n");
        // The same value again: nothing to do.
        assert_eq!(
            text(again.cmd(&[b"CONFIG", b"SET", b"port", p.as_bytes()])),
            "+OK\r\n"
        );
        assert_eq!(
            text(again.cmd(&[b"CONFIG", b"SET", b"bind", b"127.0.0.1"])),
            "+OK\r\n"
        );
    }
}
