//! What happens when a connection is accepted, against a real redis-server: `protected-mode`
//! refuses a peer that is not 127.0.0.1 or ::1 while `default` has no password (the client
//! connects from 127.0.0.2, which Linux routes over the loopback interface but which is not
//! a loopback address to Redis), and `tcp-keepalive` sets the socket's keepalive probes.

#![cfg(all(feature = "server", target_os = "linux"))]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::server_util::{start, start_real_redis, Raw};

/// A connection to `to` from source address 127.0.0.2.
fn connect_from_127_0_0_2(to: SocketAddr) -> TcpStream {
    let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    let from: SocketAddr = ([127, 0, 0, 2], 0).into();
    sock.bind(&from.into()).unwrap();
    sock.connect(&to.into()).unwrap();
    let s: TcpStream = sock.into();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

/// Sends PING from 127.0.0.2 and returns everything the server sends until it closes or
/// answers.
fn ping_from_outside(to: SocketAddr) -> String {
    let mut s = connect_from_127_0_0_2(to);
    let _ = s.write_all(b"PING\r\n");
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                out.extend_from_slice(&buf[..n]);
                if out.ends_with(b"\r\n") && !out.starts_with(b"-DENIED") {
                    break;
                }
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn rejected(c: &mut Raw) -> String {
    let info = String::from_utf8(c.cmds("INFO stats")).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("rejected_connections:"))
        .unwrap()
        .to_string()
}

#[test]
fn protected_mode_refuses_other_than_loopback_as_redis() {
    let Some(real) = start_real_redis("the protected-mode test") else {
        return;
    };
    let (_redis, running) = start();
    let run = |addr: SocketAddr| -> Vec<String> {
        let mut c = Raw::connect(addr);
        let mut out = vec![
            String::from_utf8_lossy(&c.cmds("CONFIG GET protected-mode")).into_owned(),
            ping_from_outside(addr),
            rejected(&mut c),
        ];
        c.cmds("CONFIG SET protected-mode no");
        out.push(ping_from_outside(addr));
        c.cmds("CONFIG SET protected-mode yes");
        // With a password for `default` the check is off: the client must authenticate.
        c.cmds("CONFIG SET requirepass secret");
        out.push(ping_from_outside(addr));
        c.cmds("AUTH secret");
        c.cmd(&[b"CONFIG", b"SET", b"requirepass", b""]);
        out.push(ping_from_outside(addr));
        out.push(rejected(&mut c));
        out
    };
    let want = run(real.addr);
    let got = run(running.addr().unwrap());
    assert_eq!(got, want);
    assert!(want[1].starts_with("-DENIED Redis is running in protected mode"));
}

#[test]
fn tcp_keepalive_sets_the_sockets_probes() {
    let (redis, running) = start();
    let addr = running.addr().unwrap();
    let probe = || {
        let s = TcpStream::connect(addr).unwrap();
        let mut c = Raw::from_stream(s.try_clone().unwrap());
        assert_eq!(c.cmds("PING"), b"+PONG\r\n");
        // The server's end of this connection: find it by the client's port.
        let me = s.local_addr().unwrap().port();
        let line = String::from_utf8(c.cmds("CLIENT INFO")).unwrap();
        assert!(line.contains(&format!("addr=127.0.0.1:{me} ")), "{line}");
        let fd: i32 = line
            .split(' ')
            .find_map(|f| f.strip_prefix("fd="))
            .unwrap()
            .parse()
            .unwrap();
        // The server runs in this process: its socket is ours to inspect.
        use std::os::fd::BorrowedFd;
        // SAFETY: `fd` is the server's open socket for `s`, alive while `s` is.
        #[allow(unsafe_code)]
        let sock = unsafe { BorrowedFd::borrow_raw(fd) };
        let sock = socket2::SockRef::from(&sock);
        (
            sock.keepalive().unwrap(),
            sock.tcp_keepalive_time().unwrap().as_secs(),
            sock.tcp_keepalive_interval().unwrap().as_secs(),
            sock.tcp_keepalive_retries().unwrap(),
        )
    };
    assert_eq!(probe(), (true, 300, 100, 3));
    redis
        .with_store(|s| s.config.set_initial("tcp-keepalive", b"7").unwrap())
        .unwrap();
    assert_eq!(probe(), (true, 7, 2, 3));
    redis
        .with_store(|s| s.config.set_initial("tcp-keepalive", b"0").unwrap())
        .unwrap();
    assert!(!probe().0);
}
