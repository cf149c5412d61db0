//! `emu cli` against a running server (`emu serve` or any Redis): a redis-cli work-alike
//! for the options scripts use, printing replies exactly as redis-cli 7.0 does
//! (`cliFormatReplyTTY` / `cliFormatReplyRaw`). The data-directory mode (`--dir`) lives in
//! `emu.rs`.

use std::io::{self, BufRead, BufReader, IsTerminal, Read, Write};
use std::net::TcpStream;
#[cfg(unix)]
use std::os::unix::net::UnixStream;
use std::time::Duration;

/// Options of the remote mode (redis-cli's names).
pub struct Opts {
    pub host: String,
    pub port: u16,
    pub socket: Option<String>,
    pub uri: Option<String>,
    pub user: Option<String>,
    pub pass: Option<String>,
    pub no_auth_warning: bool,
    pub db: i64,
    pub resp3: bool,
    pub raw: bool,
    pub no_raw: bool,
    pub repeat: i64,
    pub interval: f64,
    pub scan: bool,
    pub pattern: Option<String>,
    pub stat: bool,
    pub stdin_arg: bool,
    pub command: Vec<String>,
}

/// A reply as hiredis sees it.
#[derive(Debug)]
enum Reply {
    Status(Vec<u8>),
    Error(Vec<u8>),
    Int(i64),
    Double(Vec<u8>),
    BigNum(Vec<u8>),
    Bulk(Vec<u8>),
    Verb(Vec<u8>),
    Nil,
    Bool(bool),
    Array(Vec<Reply>),
    Set(Vec<Reply>),
    /// Keys and values, flat.
    Map(Vec<Reply>),
    Push(Vec<Reply>),
}

enum Stream {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(UnixStream),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            #[cfg(unix)]
            Stream::Unix(s) => s.read(buf),
        }
    }
}

struct Conn {
    reader: BufReader<Stream>,
    writer: Box<dyn Write>,
}

impl Conn {
    fn send(&mut self, argv: &[Vec<u8>]) -> io::Result<()> {
        let mut out = Vec::new();
        emu::resp::encode_request(&mut out, argv);
        self.writer.write_all(&out)?;
        self.writer.flush()
    }

    fn line(&mut self) -> io::Result<Vec<u8>> {
        let mut l = Vec::new();
        let n = self.reader.read_until(b'\n', &mut l)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "Server closed the connection",
            ));
        }
        while l.last().is_some_and(|&c| c == b'\n' || c == b'\r') {
            l.pop();
        }
        Ok(l)
    }

    fn read(&mut self) -> io::Result<Reply> {
        loop {
            let l = self.line()?;
            let Some((&tag, rest)) = l.split_first() else {
                return Err(bad());
            };
            let num = || -> io::Result<i64> {
                std::str::from_utf8(rest)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(bad)
            };
            return Ok(match tag {
                b'+' => Reply::Status(rest.to_vec()),
                b'-' => Reply::Error(rest.to_vec()),
                b':' => Reply::Int(num()?),
                b',' => Reply::Double(rest.to_vec()),
                b'(' => Reply::BigNum(rest.to_vec()),
                b'_' => Reply::Nil,
                b'#' => Reply::Bool(rest == b"t"),
                b'$' | b'=' | b'!' => {
                    let n = num()?;
                    if n < 0 {
                        Reply::Nil
                    } else {
                        let mut data = vec![0u8; n as usize + 2];
                        self.reader.read_exact(&mut data)?;
                        data.truncate(n as usize);
                        match tag {
                            // hiredis keeps the text after the 3-letter format and ':'.
                            b'=' => Reply::Verb(data.get(4..).unwrap_or_default().to_vec()),
                            b'!' => Reply::Error(data),
                            _ => Reply::Bulk(data),
                        }
                    }
                }
                b'*' | b'~' | b'%' | b'>' | b'|' => {
                    let n = num()?;
                    if n < 0 {
                        Reply::Nil
                    } else {
                        let count = if tag == b'%' || tag == b'|' { 2 * n } else { n };
                        let mut items = Vec::with_capacity(count as usize);
                        for _ in 0..count {
                            items.push(self.read()?);
                        }
                        match tag {
                            b'*' => Reply::Array(items),
                            b'~' => Reply::Set(items),
                            b'%' => Reply::Map(items),
                            b'>' => Reply::Push(items),
                            // An attribute: not shown; the reply follows.
                            _ => continue,
                        }
                    }
                }
                _ => return Err(bad()),
            });
        }
    }

    fn call(&mut self, argv: &[Vec<u8>]) -> io::Result<Reply> {
        self.send(argv)?;
        self.read()
    }
}

fn bad() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "Protocol error")
}

/// redis-cli's `sdscatrepr`.
fn repr(out: &mut Vec<u8>, b: &[u8]) {
    out.push(b'"');
    for &c in b {
        match c {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            7 => out.extend_from_slice(b"\\a"),
            8 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(c),
            _ => out.extend_from_slice(format!("\\x{c:02x}").as_bytes()),
        }
    }
    out.push(b'"');
}

/// redis-cli's `cliFormatReplyTTY`.
fn tty(out: &mut Vec<u8>, r: &Reply, prefix: &str) {
    match r {
        Reply::Error(s) => {
            out.extend_from_slice(b"(error) ");
            out.extend_from_slice(s);
            out.push(b'\n');
        }
        Reply::Status(s) => {
            out.extend_from_slice(s);
            out.push(b'\n');
        }
        Reply::Int(n) => out.extend_from_slice(format!("(integer) {n}\n").as_bytes()),
        Reply::Double(s) => {
            out.extend_from_slice(b"(double) ");
            out.extend_from_slice(s);
            out.push(b'\n');
        }
        Reply::BigNum(s) => {
            out.extend_from_slice(b"(big number) ");
            out.extend_from_slice(s);
            out.push(b'\n');
        }
        Reply::Bulk(b) => {
            repr(out, b);
            out.push(b'\n');
        }
        Reply::Verb(b) => {
            out.extend_from_slice(b);
            out.push(b'\n');
        }
        Reply::Nil => out.extend_from_slice(b"(nil)\n"),
        Reply::Bool(b) => out.extend_from_slice(if *b { b"(true)\n" } else { b"(false)\n" }),
        Reply::Array(xs) | Reply::Set(xs) | Reply::Map(xs) | Reply::Push(xs) => {
            let is_map = matches!(r, Reply::Map(_));
            if xs.is_empty() {
                out.extend_from_slice(match r {
                    Reply::Array(_) => b"(empty array)\n".as_slice(),
                    Reply::Map(_) => b"(empty hash)\n",
                    Reply::Set(_) => b"(empty set)\n",
                    _ => b"(empty push)\n",
                });
                return;
            }
            let n = if is_map { xs.len() / 2 } else { xs.len() };
            let idxlen = n.to_string().len();
            let sub = format!("{prefix}{}", " ".repeat(idxlen + 2));
            let sep = match r {
                Reply::Set(_) => '~',
                Reply::Map(_) => '#',
                _ => ')',
            };
            let mut i = 0;
            while i < xs.len() {
                let human = if is_map { i / 2 + 1 } else { i + 1 };
                let lead = if i == 0 { "" } else { prefix };
                out.extend_from_slice(format!("{lead}{human:>idxlen$}{sep} ").as_bytes());
                tty(out, &xs[i], &sub);
                if is_map {
                    i += 1;
                    out.pop();
                    out.extend_from_slice(b" => ");
                    let v = &xs[i];
                    // redis-cli 7.0 starts a value that takes several lines on a line of
                    // its own.
                    let mut tmp = Vec::new();
                    tty(&mut tmp, v, &sub);
                    if tmp[..tmp.len().saturating_sub(1)].contains(&b'\n') {
                        out.push(b'\n');
                        out.extend_from_slice(sub.as_bytes());
                    }
                    out.extend_from_slice(&tmp);
                }
                i += 1;
            }
        }
    }
}

/// redis-cli's `cliFormatReplyRaw`.
fn raw(out: &mut Vec<u8>, r: &Reply) {
    match r {
        Reply::Nil => {}
        Reply::Error(s) => {
            out.extend_from_slice(s);
            out.push(b'\n');
        }
        Reply::Status(s)
        | Reply::Bulk(s)
        | Reply::Verb(s)
        | Reply::Double(s)
        | Reply::BigNum(s) => out.extend_from_slice(s),
        Reply::Bool(b) => out.extend_from_slice(if *b { b"(true)" } else { b"(false)" }),
        Reply::Int(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Reply::Array(xs) | Reply::Set(xs) | Reply::Push(xs) => {
            for (i, x) in xs.iter().enumerate() {
                if i > 0 {
                    out.push(b'\n');
                }
                raw(out, x);
            }
        }
        Reply::Map(xs) => {
            for (i, pair) in xs.chunks(2).enumerate() {
                if i > 0 {
                    out.push(b'\n');
                }
                raw(out, &pair[0]);
                out.push(b' ');
                if let Some(v) = pair.get(1) {
                    raw(out, v);
                }
            }
        }
    }
}

/// The commands whose replies redis-cli prints verbatim (their text is meant for humans).
fn verbatim(argv: &[Vec<u8>]) -> bool {
    let is = |i: usize, w: &str| {
        argv.get(i)
            .is_some_and(|a| a.eq_ignore_ascii_case(w.as_bytes()))
    };
    let n = argv.len();
    is(0, "info")
        || is(0, "lolwut")
        || (n >= 2 && is(0, "debug") && (is(1, "htstats") || is(1, "htstats-key")))
        || (n >= 2 && is(0, "memory") && (is(1, "malloc-stats") || is(1, "doctor")))
        || (n == 2 && is(0, "cluster") && (is(1, "nodes") || is(1, "info")))
        || (n >= 2 && is(0, "client") && (is(1, "list") || is(1, "info")))
        || (n == 3 && is(0, "latency") && is(1, "graph"))
        || (n == 2 && is(0, "latency") && is(1, "doctor"))
        || (n >= 2 && is(0, "proxy") && is(1, "info"))
}

struct Printer {
    raw_mode: bool,
    /// Show RESP3 pushes (redis-cli does when stdout is a terminal; else they are dropped).
    push_output: bool,
    out: io::Stdout,
}

impl Printer {
    fn print(&mut self, r: &Reply, verbatim: bool) {
        let mut buf = Vec::new();
        if verbatim {
            raw(&mut buf, r);
        } else if self.raw_mode {
            raw(&mut buf, r);
            buf.push(b'\n');
        } else {
            tty(&mut buf, r, "");
        }
        let mut o = self.out.lock();
        let _ = o.write_all(&buf);
        let _ = o.flush();
    }
}

impl Printer {
    /// redis-cli's `cliPushHandler`: an invalidation as `-> invalidate: 'k1', 'k2'` on a
    /// terminal, anything else as a reply.
    fn print_push(&mut self, r: &Reply) {
        if !self.push_output {
            return;
        }
        if let Reply::Push(xs) = r {
            if let (false, [Reply::Bulk(kind), Reply::Array(keys)]) = (self.raw_mode, &xs[..]) {
                if kind == b"invalidate" {
                    let mut buf = b"-> invalidate: ".to_vec();
                    for (i, k) in keys.iter().enumerate() {
                        if let Reply::Bulk(k) = k {
                            buf.push(b'\'');
                            buf.extend_from_slice(k);
                            buf.push(b'\'');
                        }
                        if i + 1 < keys.len() {
                            buf.extend_from_slice(b", ");
                        }
                    }
                    buf.push(b'\n');
                    let mut o = self.out.lock();
                    let _ = o.write_all(&buf);
                    let _ = o.flush();
                    return;
                }
            }
        }
        self.print(r, false);
    }
}

/// Parses `redis://[user[:pass]@]host[:port][/db]` into the options.
fn apply_uri(o: &mut Opts, uri: &str) -> Result<(), String> {
    let rest = uri
        .strip_prefix("redis://")
        .ok_or_else(|| format!("Invalid URI scheme: {uri}"))?;
    let (auth, rest) = match rest.rsplit_once('@') {
        Some((a, r)) => (Some(a), r),
        None => (None, rest),
    };
    if let Some(a) = auth {
        match a.split_once(':') {
            Some((u, p)) => {
                if !u.is_empty() {
                    o.user = Some(u.to_string());
                }
                o.pass = Some(p.to_string());
            }
            None => o.pass = Some(a.to_string()),
        }
    }
    let (hostport, db) = match rest.split_once('/') {
        Some((h, d)) => (h, Some(d)),
        None => (rest, None),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (hostport, None),
    };
    if !host.is_empty() {
        o.host = host.to_string();
    }
    if let Some(p) = port {
        o.port = p.parse().map_err(|_| format!("Invalid port: {p}"))?;
    }
    if let Some(d) = db.filter(|d| !d.is_empty()) {
        o.db = d.parse().map_err(|_| format!("Invalid database: {d}"))?;
    }
    Ok(())
}

fn connect(o: &Opts) -> Result<Conn, String> {
    #[cfg(unix)]
    if let Some(path) = &o.socket {
        let s = UnixStream::connect(path)
            .map_err(|e| format!("Could not connect to Redis at {path}: {}", os_text(&e)))?;
        let w = s.try_clone().map_err(|e| e.to_string())?;
        return Ok(Conn {
            reader: BufReader::new(Stream::Unix(s)),
            writer: Box::new(w),
        });
    }
    let addr = format!("{}:{}", o.host, o.port);
    let s = TcpStream::connect(&addr)
        .map_err(|e| format!("Could not connect to Redis at {addr}: {}", os_text(&e)))?;
    let _ = s.set_nodelay(true);
    let w = s.try_clone().map_err(|e| e.to_string())?;
    Ok(Conn {
        reader: BufReader::new(Stream::Tcp(s)),
        writer: Box::new(w),
    })
}

/// The C library's text of an OS error (`Connection refused`), without Rust's suffix.
fn os_text(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Connects, authenticates, switches protocol and database as redis-cli's `cliConnect`.
fn open(o: &Opts) -> Result<Conn, String> {
    let mut c = connect(o)?;
    let io_err = |e: io::Error| format!("Error: {e}");
    if let Some(p) = &o.pass {
        let mut argv = vec![b"AUTH".to_vec()];
        if let Some(u) = &o.user {
            argv.push(u.as_bytes().to_vec());
        }
        argv.push(p.as_bytes().to_vec());
        if let Reply::Error(e) = c.call(&argv).map_err(io_err)? {
            eprintln!("AUTH failed: {}", String::from_utf8_lossy(&e));
        }
    }
    if o.db != 0 {
        let argv = vec![b"SELECT".to_vec(), o.db.to_string().into_bytes()];
        if let Reply::Error(e) = c.call(&argv).map_err(io_err)? {
            eprintln!("SELECT {} failed: {}", o.db, String::from_utf8_lossy(&e));
        }
    }
    if o.resp3 {
        let argv = vec![b"HELLO".to_vec(), b"3".to_vec()];
        if let Reply::Error(e) = c.call(&argv).map_err(io_err)? {
            eprintln!("HELLO 3 failed: {}", String::from_utf8_lossy(&e));
        }
    }
    Ok(c)
}

/// Runs `emu cli` in remote mode; returns the process exit code.
pub fn run(mut o: Opts) -> i32 {
    if let Some(uri) = o.uri.clone() {
        if let Err(e) = apply_uri(&mut o, &uri) {
            eprintln!("{e}");
            return 1;
        }
    }
    if o.pass.is_some() && !o.no_auth_warning {
        eprintln!(
            "Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe."
        );
    }
    let tty_out = io::stdout().is_terminal();
    let raw_mode = if o.raw {
        true
    } else if o.no_raw {
        false
    } else {
        !tty_out
    };
    let mut printer = Printer {
        raw_mode,
        push_output: tty_out,
        out: io::stdout(),
    };
    let mut conn = match open(&o) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    if o.stat {
        return stat(&mut conn, &o);
    }
    if o.scan {
        return scan(&mut conn, &o, raw_mode);
    }
    if o.command.is_empty() {
        return interactive(&mut conn, &o, &mut printer);
    }
    let mut argv: Vec<Vec<u8>> = o.command.iter().map(|s| s.as_bytes().to_vec()).collect();
    if o.stdin_arg {
        let mut buf = Vec::new();
        let _ = io::stdin().read_to_end(&mut buf);
        argv.push(buf);
    }
    match send_command(&mut conn, &argv, o.repeat, o.interval, &mut printer) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("Error: {e}");
            1
        }
    }
}

/// redis-cli's `cliSendCommand`: repeat, MONITOR and (P)SUBSCRIBE streaming.
fn send_command(
    conn: &mut Conn,
    argv: &[Vec<u8>],
    repeat: i64,
    interval: f64,
    p: &mut Printer,
) -> io::Result<()> {
    let is = |w: &str| argv[0].eq_ignore_ascii_case(w.as_bytes());
    let monitor = is("monitor");
    let pubsub = is("subscribe") || is("psubscribe");
    let verbatim = verbatim(argv);
    let mut left = repeat;
    while left != 0 {
        if left > 0 {
            left -= 1;
        }
        conn.send(argv)?;
        if monitor {
            loop {
                let r = conn.read()?;
                p.print(&r, verbatim);
            }
        }
        if pubsub {
            if !p.raw_mode {
                println!("Reading messages... (press Ctrl-C to quit)");
                let _ = io::stdout().flush();
            }
            loop {
                let r = conn.read()?;
                p.print(&r, verbatim);
                if matches!(r, Reply::Error(_)) {
                    break;
                }
            }
            continue;
        }
        // RESP3 pushes (client-side caching invalidations, …) that arrive before the reply
        // are shown as redis-cli's push handler shows them.
        let mut r = conn.read()?;
        while let Reply::Push(_) = r {
            p.print_push(&r);
            r = conn.read()?;
        }
        p.print(&r, verbatim);
        if interval > 0.0 {
            std::thread::sleep(Duration::from_secs_f64(interval));
        }
    }
    Ok(())
}

fn interactive(conn: &mut Conn, o: &Opts, p: &mut Printer) -> i32 {
    let prompt = io::stdin().is_terminal();
    let name = match &o.socket {
        Some(s) => s.clone(),
        None => format!("{}:{}", o.host, o.port),
    };
    let stdin = io::stdin();
    let mut line = String::new();
    loop {
        if prompt {
            print!("{name}> ");
            let _ = io::stdout().flush();
        }
        line.clear();
        match stdin.lock().read_line(&mut line) {
            Ok(0) | Err(_) => return 0,
            Ok(_) => {}
        }
        let words = crate::split_words(line.trim());
        if words.is_empty() {
            continue;
        }
        if words[0].eq_ignore_ascii_case(b"quit") || words[0].eq_ignore_ascii_case(b"exit") {
            return 0;
        }
        if let Err(e) = send_command(conn, &words, 1, 0.0, p) {
            eprintln!("Error: {e}");
            return 1;
        }
    }
}

/// redis-cli `--scan [--pattern p]`.
fn scan(conn: &mut Conn, o: &Opts, raw_mode: bool) -> i32 {
    let mut cursor = b"0".to_vec();
    let stdout = io::stdout();
    loop {
        let mut argv = vec![b"SCAN".to_vec(), cursor.clone()];
        if let Some(p) = &o.pattern {
            argv.push(b"MATCH".to_vec());
            argv.push(p.as_bytes().to_vec());
        }
        let r = match conn.call(&argv) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("I/O error: {e}");
                return 1;
            }
        };
        let Reply::Array(mut parts) = r else {
            if let Reply::Error(e) = r {
                eprintln!("Error: {}", String::from_utf8_lossy(&e));
            }
            return 1;
        };
        let keys = parts.pop();
        let next = parts.pop();
        let mut out = stdout.lock();
        if let Some(Reply::Array(keys)) = keys {
            for k in keys {
                if let Reply::Bulk(k) = k {
                    let mut line = Vec::new();
                    if raw_mode {
                        line.extend_from_slice(&k);
                    } else {
                        repr(&mut line, &k);
                    }
                    line.push(b'\n');
                    let _ = out.write_all(&line);
                }
            }
        }
        let _ = out.flush();
        match next {
            Some(Reply::Bulk(c)) if c != b"0" => cursor = c,
            _ => return 0,
        }
    }
}

/// A field of an INFO text as redis-cli's `getLongInfoField` reads it.
fn info_field(info: &str, field: &str) -> Option<i64> {
    let at = info.find(field)? + field.len() + 1;
    let rest = &info[at..];
    let end = rest.find([',', '\r', '\n']).unwrap_or(rest.len());
    rest[..end].trim().parse().ok()
}

/// redis-cli's `bytesToHuman`.
fn bytes_to_human(n: i64) -> String {
    let (sign, n) = if n < 0 { ("-", -n) } else { ("", n) };
    let d = n as f64;
    let s = if n < 1024 {
        format!("{n}B")
    } else if n < 1024 * 1024 {
        format!("{:.2}K", d / 1024.0)
    } else if n < 1024 * 1024 * 1024 {
        format!("{:.2}M", d / (1024.0 * 1024.0))
    } else if n < 1024 * 1024 * 1024 * 1024 {
        format!("{:.2}G", d / (1024.0 * 1024.0 * 1024.0))
    } else {
        format!("{:.2}T", d / (1024.0 * 1024.0 * 1024.0 * 1024.0))
    };
    format!("{sign}{s}")
}

/// redis-cli `--stat`: a line of figures from INFO every interval (1 s by default), a
/// header every 20 lines. `-r N` stops after N lines (redis-cli runs until interrupted).
fn stat(conn: &mut Conn, o: &Opts) -> i32 {
    let interval = if o.interval > 0.0 { o.interval } else { 1.0 };
    let mut requests: i64 = 0;
    let mut i: u64 = 0;
    let limit = if o.repeat > 1 {
        o.repeat as u64
    } else {
        u64::MAX
    };
    while i < limit {
        let info = match conn.call(&[b"INFO".to_vec()]) {
            Ok(Reply::Bulk(b)) | Ok(Reply::Verb(b)) => String::from_utf8_lossy(&b).into_owned(),
            Ok(Reply::Error(e)) => {
                eprintln!("ERROR: {}", String::from_utf8_lossy(&e));
                return 1;
            }
            _ => {
                eprintln!("\nI/O error");
                return 1;
            }
        };
        let mut line = String::new();
        if i % 20 == 0 {
            line.push_str(
                "------- data ------ --------------------- load -------------------- - child -\n\
                 keys       mem      clients blocked requests            connections          \n",
            );
        }
        i += 1;
        let keys: i64 = (0..20)
            .filter_map(|j| info_field(&info, &format!("db{j}:keys")))
            .sum();
        line.push_str(&format!("{:<11}", keys));
        let mem = info_field(&info, "used_memory").unwrap_or(i64::MIN);
        line.push_str(&format!("{:<8}", bytes_to_human(mem)));
        let clients = info_field(&info, "connected_clients").unwrap_or(i64::MIN);
        line.push_str(&format!(" {:<8}", clients));
        let blocked = info_field(&info, "blocked_clients").unwrap_or(i64::MIN);
        line.push_str(&format!("{:<8}", blocked));
        let total = info_field(&info, "total_commands_processed").unwrap_or(i64::MIN);
        let delta = if requests == 0 { 0 } else { total - requests };
        line.push_str(&format!("{:<19}", format!("{total} (+{delta})")));
        requests = total;
        let conns = info_field(&info, "total_connections_received").unwrap_or(i64::MIN);
        line.push_str(&format!(" {:<12}", conns));
        let child = info_field(&info, "bgsave_in_progress").unwrap_or(0)
            | (info_field(&info, "aof_rewrite_in_progress").unwrap_or(0) << 1)
            | (info_field(&info, "loading").unwrap_or(0) << 2);
        line.push_str(match child {
            1 => "SAVE",
            2 => "AOF",
            3 => "SAVE+AOF",
            4 => "LOAD",
            _ => "",
        });
        line.push('\n');
        let mut out = io::stdout().lock();
        let _ = out.write_all(line.as_bytes());
        let _ = out.flush();
        drop(out);
        if i < limit {
            std::thread::sleep(Duration::from_secs_f64(interval));
        }
    }
    0
}
