//! The `emu` command-line tool: `emu serve` runs a Redis-compatible RESP2/RESP3 server;
//! `emu dump`, `emu load`, `emu check` and `emu compact` work on data directories.

#![deny(unsafe_code)]

use clap::{Parser, Subcommand};

#[path = "emu/redis_conf.rs"]
mod redis_conf;
#[path = "emu/remote.rs"]
mod remote;

// Replies allocate many small buffers; mimalloc serves them much faster than glibc malloc
// (Redis itself ships with jemalloc for the same reason).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// mimalloc keeps freed pages for reuse; `mi_collect(true)` hands them back to the OS (after
// FLUSHALL of 1 M keys RSS stayed at hundreds of MB without it). The symbol is part of the
// mimalloc library the `mimalloc` crate links; declared here to avoid another dependency.
#[allow(unsafe_code)]
mod alloc_ffi {
    extern "C" {
        fn mi_collect(force: bool);
    }

    /// Returns the calling thread's freed memory (and abandoned pages) to the OS.
    pub fn collect() {
        // SAFETY: mi_collect takes no pointers and may be called at any time on any thread.
        unsafe { mi_collect(true) }
    }

    /// No transparent huge pages for this process (Linux `PR_SET_THP_DISABLE`), as Redis
    /// does at start with its default `disable-thp yes`. mimalloc asks for huge pages where
    /// THP is `madvise`; each first touch then zeroes 2 MiB, which made the page faults of
    /// `emu load`/`dump` of a 1 M-key file cost more CPU than the parsing (sys time 1 s →
    /// 0.1 s when disabled). Best effort: a kernel that refuses changes nothing else.
    pub fn disable_thp() {
        #[cfg(target_os = "linux")]
        // SAFETY: prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) takes integers only and affects
        // nothing but this process's page-fault policy.
        unsafe {
            libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
        }
    }
}

#[derive(Parser)]
#[command(
    name = "emu",
    version,
    about = "Redis without a server — and, when you need one, a server"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the store over RESP2/RESP3 (TCP and optionally a Unix socket). Takes
    /// redis-server's arguments too: a redis.conf-style file first, then any configuration
    /// parameter as `--name value…` (`emu serve redis.conf --save "" --maxmemory 100mb`).
    Serve(ServeArgs),
    /// Write every key of a data directory as JSON Lines, RESP commands or an RDB file.
    Dump(DumpArgs),
    /// Replace the data of a directory with a dump (JSON Lines, RESP or RDB), atomically.
    Load(LoadArgs),
    /// Copy a live Redis server's dataset into a data directory over the replication
    /// protocol (the server keeps running).
    Pull(PullArgs),
    /// Copy a data directory's keys into a Redis / Valkey server or a Redis Cluster
    /// (RESTORE of DUMP payloads with their TTLs, REPLACE, pipelined; feature `remote`).
    #[cfg(feature = "remote")]
    Push(PushArgs),
    /// Verify a data directory (checksums, decoding, replay); --repair fixes it.
    Check(CheckArgs),
    /// Write a fresh snapshot and start an empty log.
    Compact(DirArg),
    /// redis-cli: run a command against a running server (-h/-p/-s/-u), or with --dir
    /// against a data directory in-process; without a command, a prompt.
    Cli(CliArgs),
}

#[derive(clap::Args)]
#[command(disable_help_flag = true)]
struct CliArgs {
    /// Data directory: run against it in-process (must exist; `emu load` or `emu serve
    /// --dir` create one). Without --dir, emu cli talks to a running server.
    #[arg(long)]
    dir: Option<std::path::PathBuf>,
    /// Server hostname.
    #[arg(short = 'h', default_value = "127.0.0.1")]
    host: String,
    /// Server port.
    #[arg(short = 'p', default_value_t = 6379)]
    port: u16,
    /// Server Unix socket (overrides hostname and port).
    #[arg(short = 's')]
    socket: Option<String>,
    /// Server URI: redis://[user[:password]@]host[:port][/db].
    #[arg(short = 'u')]
    uri: Option<String>,
    /// Password to use when connecting (AUTH).
    #[arg(short = 'a', long = "pass")]
    pass: Option<String>,
    /// Username to send with AUTH.
    #[arg(long = "user")]
    user: Option<String>,
    /// Don't warn about a password on the command line.
    #[arg(long = "no-auth-warning")]
    no_auth_warning: bool,
    /// Database number.
    #[arg(short = 'n', default_value_t = 0)]
    db: i64,
    /// Start the session in RESP3 (HELLO 3).
    #[arg(short = '3')]
    resp3: bool,
    /// Raw output (the default when stdout is not a terminal).
    #[arg(long)]
    raw: bool,
    /// Formatted output even when stdout is not a terminal.
    #[arg(long = "no-raw")]
    no_raw: bool,
    /// Run the command this many times (-1: forever).
    #[arg(short = 'r', default_value_t = 1, allow_negative_numbers = true)]
    repeat: i64,
    /// Seconds between repeats (and between --stat lines).
    #[arg(short = 'i', default_value_t = 0.0)]
    interval: f64,
    /// List keys with SCAN.
    #[arg(long)]
    scan: bool,
    /// Keys pattern for --scan.
    #[arg(long)]
    pattern: Option<String>,
    /// Rolling statistics from INFO.
    #[arg(long)]
    stat: bool,
    /// Read the last argument from stdin (as redis-cli -x).
    #[arg(short = 'x')]
    stdin_arg: bool,
    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    help: Option<bool>,
    /// The command and its arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    command: Vec<String>,
}

#[derive(clap::Args)]
struct DumpArgs {
    /// Data directory.
    dir: std::path::PathBuf,
    /// jsonl (default), resp (for `redis-cli --pipe`) or rdb (a Redis 7.0 dump.rdb).
    #[arg(long, default_value = "jsonl")]
    format: String,
    /// Write to FILE instead of stdout.
    #[arg(short = 'o', long)]
    output: Option<std::path::PathBuf>,
}

#[derive(clap::Args)]
struct LoadArgs {
    /// Data directory (created if missing).
    dir: std::path::PathBuf,
    /// Dump file, or - for stdin (default).
    file: Option<String>,
    /// jsonl, resp or rdb (default: detected from the first bytes).
    #[arg(long)]
    format: Option<String>,
}

#[derive(clap::Args)]
struct PullArgs {
    /// The server: redis://[user:pass@]host:port
    url: String,
    /// Data directory (created if missing; its data is replaced atomically).
    dir: std::path::PathBuf,
}

#[cfg(feature = "remote")]
#[derive(clap::Args)]
struct PushArgs {
    /// Data directory (read only).
    dir: std::path::PathBuf,
    /// The target: redis://[user:pass@]host:port[/db], unix:///path.sock, or a cluster:
    /// redis+cluster://host:port[,host:port…]
    url: String,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Data directory.
    dir: std::path::PathBuf,
    /// Repair: keep copies of the damaged files, salvage the snapshot, truncate the log.
    #[arg(long)]
    repair: bool,
}

#[derive(clap::Args)]
struct DirArg {
    /// Data directory.
    dir: std::path::PathBuf,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    bind: String,
    /// TCP port (0 picks a free one).
    #[arg(long, default_value_t = 6379)]
    port: u16,
    /// Require clients to AUTH with this password.
    #[arg(long)]
    requirepass: Option<String>,
    /// ACL file: users are loaded from it at startup; ACL LOAD and ACL SAVE use it.
    #[arg(long)]
    aclfile: Option<std::path::PathBuf>,
    /// Number of databases.
    #[arg(long, default_value_t = 16)]
    databases: usize,
    /// Also listen on this Unix socket path.
    #[arg(long)]
    unixsocket: Option<std::path::PathBuf>,
    /// Data directory: the keyspace is loaded from it and every write is logged there.
    #[arg(long)]
    dir: Option<String>,
    /// fsync policy of the log: always, everysec (default) or no; only with --dir.
    #[arg(long)]
    appendfsync: Option<String>,
    /// Worker threads (1 = one event loop, like Redis).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Who may run DEBUG: no, yes, or local (loopback and Unix-socket clients).
    #[arg(long, default_value = "no")]
    enable_debug_command: String,
    /// Who may CONFIG SET dir and dbfilename: no, yes, or local.
    #[arg(long, default_value = "no")]
    enable_protected_configs: String,
    /// Listen backlog of the TCP socket (Redis's tcp-backlog; capped by net.core.somaxconn).
    #[arg(long, default_value_t = 511)]
    tcp_backlog: u32,
    /// Cluster mode (yes/no): a one-node Redis Cluster owning all 16384 slots, with Redis
    /// Cluster's rules (CROSSSLOT, database 0 only); cluster clients can connect.
    #[arg(long, default_value = "no")]
    cluster_enabled: String,
    /// Start as a replica of this master: "HOST PORT" (as REPLICAOF; REPLICAOF NO ONE
    /// promotes).
    #[arg(long, value_name = "HOST PORT")]
    replicaof: Option<String>,
    /// Password for the master (AUTH during the replication handshake).
    #[arg(long)]
    masterauth: Option<String>,
    /// ACL user for the master (with --masterauth).
    #[arg(long)]
    masteruser: Option<String>,
}

fn main() {
    // `emu serve` reads its arguments as redis-server does (see `redis_conf`): a file first,
    // `--name value…` for any parameter; clap then sees only its own flags.
    let argv: Vec<String> = std::env::args().collect();
    let mut serve_config = Vec::new();
    let cli = if argv.get(1).is_some_and(|a| a == "serve") {
        let (flags, config) = redis_conf::split(&argv[2..]).unwrap_or_else(|e| {
            eprintln!("emu: {e}");
            std::process::exit(1);
        });
        serve_config = config;
        Cli::parse_from(argv[..2].iter().cloned().chain(flags))
    } else {
        Cli::parse()
    };
    if matches!(
        cli.cmd,
        Command::Dump(_)
            | Command::Load(_)
            | Command::Pull(_)
            | Command::Check(_)
            | Command::Compact(_)
    ) {
        // The data tools build or read a whole keyspace at once (see `disable_thp`).
        alloc_ffi::disable_thp();
    }
    match cli.cmd {
        Command::Serve(a) => serve(a, &serve_config),
        Command::Dump(a) => dump(a),
        Command::Load(a) => load(a),
        Command::Pull(a) => pull(a),
        #[cfg(feature = "remote")]
        Command::Push(a) => push(a),
        Command::Check(a) => check(a),
        Command::Compact(a) => {
            let p = Progress::spinner("compact");
            or_exit(emu::persist::tools::compact(&a.dir));
            p.finish();
        }
        Command::Cli(a) => cli_command(a),
    }
}

fn cli_command(a: CliArgs) {
    let Some(dir) = a.dir.clone() else {
        std::process::exit(remote::run(remote::Opts {
            host: a.host,
            port: a.port,
            socket: a.socket,
            uri: a.uri,
            user: a.user,
            pass: a.pass,
            no_auth_warning: a.no_auth_warning,
            db: a.db,
            resp3: a.resp3,
            raw: a.raw,
            no_raw: a.no_raw,
            repeat: a.repeat,
            interval: a.interval,
            scan: a.scan,
            pattern: a.pattern,
            stat: a.stat,
            stdin_arg: a.stdin_arg,
            command: a.command,
        }));
    };
    // A typo must not create an empty directory (`emu load` or `emu serve --dir` create one).
    or_exit(emu::persist::files::require_dir(&dir));
    let db = match usize::try_from(a.db) {
        Ok(db) => db,
        Err(_) => {
            eprintln!("emu: invalid database number {}", a.db);
            std::process::exit(1);
        }
    };
    let redis = match emu::Redis::open(&dir) {
        Ok(r) => r.with_db(db),
        Err(e) if e.message().contains("locked by another process") => {
            eprintln!(
                "emu: {}; if that is `emu serve --dir`, talk to the server instead: \
                 redis-cli -p PORT",
                e.message()
            );
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("emu: {}", e.message());
            std::process::exit(1);
        }
    };
    let tty = std::io::IsTerminal::is_terminal(&std::io::stdout());
    if a.command.is_empty() {
        // Interactive prompt (or a script on stdin).
        let prompt = std::io::IsTerminal::is_terminal(&std::io::stdin());
        let stdin = std::io::stdin();
        let mut line = String::new();
        loop {
            if prompt {
                print!("emu {}> ", dir.display());
                let _ = std::io::Write::flush(&mut std::io::stdout());
            }
            line.clear();
            match std::io::BufRead::read_line(&mut stdin.lock(), &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let words = split_words(line.trim());
            if words.is_empty() {
                continue;
            }
            if words[0].eq_ignore_ascii_case(b"quit") || words[0].eq_ignore_ascii_case(b"exit") {
                break;
            }
            run_cli(&redis, words, tty);
        }
        return;
    }
    let mut argv: Vec<Vec<u8>> = a.command.iter().map(|s| s.as_bytes().to_vec()).collect();
    if a.stdin_arg {
        let mut buf = Vec::new();
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf);
        argv.push(buf);
    }
    if !run_cli(&redis, argv, tty) {
        drop(redis);
        std::process::exit(1);
    }
}

/// Runs one command and prints its reply; false on an error reply.
fn run_cli(redis: &emu::Redis, argv: Vec<Vec<u8>>, tty: bool) -> bool {
    let args: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
    let (v, ok) = match redis.execute(&args) {
        Ok(v) => (v, true),
        Err(e) => (emu::Value::Error(e.message().to_string()), false),
    };
    let mut out = String::new();
    if tty {
        format_tty(&mut out, &v, 0);
    } else {
        format_raw(&mut out, &v);
    }
    println!("{out}");
    ok
}

/// Splits a prompt line into words; double quotes group and understand \n \r \t \\ \" \xHH.
fn split_words(line: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let mut w = Vec::new();
        if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' && i + 1 < b.len() {
                    i += 1;
                    match b[i] {
                        b'n' => w.push(b'\n'),
                        b'r' => w.push(b'\r'),
                        b't' => w.push(b'\t'),
                        b'x' if i + 2 < b.len() => {
                            let h = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                            match h.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                                Some(v) => {
                                    w.push(v);
                                    i += 2;
                                }
                                None => w.push(b'x'),
                            }
                        }
                        c => w.push(c),
                    }
                } else {
                    w.push(b[i]);
                }
                i += 1;
            }
            i += 1;
        } else {
            while i < b.len() && !b[i].is_ascii_whitespace() {
                w.push(b[i]);
                i += 1;
            }
        }
        out.push(w);
    }
    out
}

fn quote(out: &mut String, b: &[u8]) {
    out.push('"');
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(c as char),
            _ => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push('"');
}

/// redis-cli's terminal format.
fn format_tty(out: &mut String, v: &emu::Value, indent: usize) {
    use emu::Value::*;
    let items = |out: &mut String, xs: &[emu::Value], mark: char| {
        if xs.is_empty() {
            out.push_str(if mark == '~' {
                "(empty set)"
            } else {
                "(empty array)"
            });
            return;
        }
        let w = xs.len().to_string().len();
        for (i, x) in xs.iter().enumerate() {
            if i > 0 {
                out.push('\n');
                out.push_str(&" ".repeat(indent));
            }
            let label = format!("{:>w$}{mark} ", i + 1);
            out.push_str(&label);
            format_tty(out, x, indent + label.len());
        }
    };
    match v {
        Nil | NilArray => out.push_str("(nil)"),
        Int(n) => out.push_str(&format!("(integer) {n}")),
        Bulk(b) => quote(out, b),
        Verbatim(_, b) => quote(out, b),
        Simple(s) => out.push_str(s),
        Error(e) => out.push_str(&format!("(error) {e}")),
        Double(d) => out.push_str(&format!("(double) {}", emu::util::float::fmt_g17(*d))),
        DoubleText(t) => out.push_str(&format!("(double) {t}")),
        Bool(b) => out.push_str(if *b { "(true)" } else { "(false)" }),
        BigNumber(n) => out.push_str(&format!("(big number) {n}")),
        Attribute(_, x) => format_tty(out, x, indent),
        Array(xs) | Push(xs) => items(out, xs, ')'),
        Set(xs) => items(out, xs, '~'),
        Map(kv) => {
            if kv.is_empty() {
                out.push_str("(empty hash)");
            }
            let w = kv.len().to_string().len();
            for (i, (k, x)) in kv.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                    out.push_str(&" ".repeat(indent));
                }
                let label = format!("{:>w$}# ", i + 1);
                out.push_str(&label);
                format_tty(out, k, indent + label.len());
                out.push_str(" => ");
                format_tty(out, x, indent + label.len() + 4);
            }
        }
    }
}

/// redis-cli's format when stdout is not a terminal.
fn format_raw(out: &mut String, v: &emu::Value) {
    use emu::Value::*;
    match v {
        Nil | NilArray => {}
        Int(n) => out.push_str(&n.to_string()),
        Bulk(b) | Verbatim(_, b) => out.push_str(&String::from_utf8_lossy(b)),
        Simple(s) | Error(s) => out.push_str(s),
        Double(d) => out.push_str(&emu::util::float::fmt_g17(*d)),
        DoubleText(t) => out.push_str(t),
        Bool(b) => out.push_str(if *b { "1" } else { "0" }),
        BigNumber(n) => out.push_str(n),
        Attribute(_, x) => format_raw(out, x),
        Array(xs) | Set(xs) | Push(xs) => {
            for (i, x) in xs.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                format_raw(out, x);
            }
        }
        Map(kv) => {
            for (i, (k, x)) in kv.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                format_raw(out, k);
                out.push('\n');
                format_raw(out, x);
            }
        }
    }
}

fn or_exit<T>(r: Result<T, emu::persist::PersistError>) -> T {
    r.unwrap_or_else(|e| {
        eprintln!("emu: {e}");
        std::process::exit(1);
    })
}

fn format_arg(s: &str) -> emu::persist::tools::Format {
    emu::persist::tools::Format::parse(s).unwrap_or_else(|| {
        eprintln!("emu: unknown format '{s}' (use jsonl, resp or rdb)");
        std::process::exit(2);
    })
}

/// Progress on stderr: a bar when stderr is a terminal, else one summary line at the end.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    what: &'static str,
    unit: &'static str,
    start: std::time::Instant,
    done: u64,
}

impl Progress {
    fn new(what: &'static str, unit: &'static str) -> Progress {
        use std::io::IsTerminal;
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = indicatif::ProgressBar::new(0);
            let tpl = if unit == "bytes" {
                "{msg} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})"
            } else {
                "{msg} [{bar:40}] {pos}/{len} keys ({per_sec}, {eta})"
            };
            if let Ok(style) = indicatif::ProgressStyle::with_template(tpl) {
                b.set_style(style.progress_chars("=> "));
            }
            b.set_message(what);
            b
        });
        Progress {
            bar,
            what,
            unit,
            start: std::time::Instant::now(),
            done: 0,
        }
    }

    /// For a run with no measurable progress (check, compact): a spinner with the elapsed
    /// time on a terminal, the summary line otherwise.
    fn spinner(what: &'static str) -> Progress {
        use std::io::IsTerminal;
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            {
                b.set_style(style);
            }
            b.set_message(what);
            b.enable_steady_tick(std::time::Duration::from_millis(120));
            b
        });
        Progress {
            bar,
            what,
            unit: "",
            start: std::time::Instant::now(),
            done: 0,
        }
    }

    fn update(&mut self, done: u64, total: Option<u64>) {
        self.done = done;
        if let Some(b) = &self.bar {
            if let Some(t) = total {
                b.set_length(t);
            }
            b.set_position(done);
        }
    }

    fn finish(self) {
        let secs = self.start.elapsed().as_secs_f64();
        match self.bar {
            Some(b) => b.finish_and_clear(),
            None if self.unit.is_empty() => eprintln!("emu: {}: done in {secs:.2}s", self.what),
            None => eprintln!(
                "emu: {}: {} {} in {:.2}s",
                self.what, self.done, self.unit, secs
            ),
        }
    }
}

fn dump(a: DumpArgs) {
    let format = format_arg(&a.format);
    let mut out: Box<dyn std::io::Write> = match &a.output {
        Some(p) => match std::fs::File::create(p) {
            Ok(f) => Box::new(std::io::BufWriter::new(f)),
            Err(e) => {
                eprintln!("emu: cannot create {}: {e}", p.display());
                std::process::exit(1);
            }
        },
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    if format == emu::persist::tools::Format::Rdb {
        let mut p = Progress::new("dump", "keys");
        or_exit(emu::persist::tools::dump_rdb_dir(
            &a.dir,
            &mut out,
            &mut |d, t| p.update(d, t),
        ));
        p.finish();
        return;
    }
    or_exit(emu::persist::tools::dump(&a.dir, format, &mut out));
}

fn pull(a: PullArgs) {
    let mut p = Progress::new("pull", "bytes");
    let created = !a.dir.exists();
    let (n, _) = or_exit(emu::persist::tools::pull(&a.url, &a.dir, &mut |d, t| {
        p.update(d, t)
    }));
    p.finish();
    if created {
        println!("created data directory {}", a.dir.display());
    }
    println!("pulled {n} keys into {}", a.dir.display());
}

#[cfg(feature = "remote")]
fn push(a: PushArgs) {
    let mut p = Progress::new("push", "keys");
    let report = emu::remote::push::push(&a.dir, &a.url, &mut |d, t| p.update(d, t))
        .unwrap_or_else(|e| {
            eprintln!("emu: push: {e}");
            std::process::exit(1);
        });
    p.finish();
    let mut line = format!(
        "pushed {} keys from {} to {}",
        report.keys,
        a.dir.display(),
        a.url
    );
    if report.expired > 0 {
        line.push_str(&format!("; skipped {} expired", report.expired));
    }
    if report.libraries > 0 {
        line.push_str(&format!(
            "; {} function libraries not pushed (FUNCTION DUMP/RESTORE them)",
            report.libraries
        ));
    }
    println!("{line}");
}

/// `emu load DIR FILE` of an RDB file (by --format rdb or the REDIS magic).
fn load_rdb(a: &LoadArgs, path: &str) {
    let data = match std::fs::read(path) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("emu: cannot read {path}: {e}");
            std::process::exit(1);
        }
    };
    let created = !a.dir.exists();
    let mut p = Progress::new("load", "bytes");
    let (n, functions) = or_exit(emu::persist::tools::load_rdb(&a.dir, &data, &mut |d, t| {
        p.update(d, t)
    }));
    p.finish();
    if functions > 0 {
        eprintln!("emu: loaded {functions} function libraries");
    }
    if created {
        println!("created data directory {}", a.dir.display());
    }
    println!("loaded {n} keys into {}", a.dir.display());
}

fn is_rdb_file(path: &str) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 5];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && &magic == b"REDIS"
}

fn load(a: LoadArgs) {
    let format = a.format.as_deref().map(format_arg);
    if let Some(path) = a.file.as_deref().filter(|p| *p != "-") {
        let rdb = match format {
            Some(f) => f == emu::persist::tools::Format::Rdb,
            None => is_rdb_file(path),
        };
        if rdb {
            load_rdb(&a, path);
            return;
        }
    }
    let mut input: Box<dyn std::io::BufRead> = match a.file.as_deref() {
        None | Some("-") => Box::new(std::io::BufReader::new(std::io::stdin().lock())),
        Some(p) => match std::fs::File::open(p) {
            Ok(f) => Box::new(std::io::BufReader::new(f)),
            Err(e) => {
                eprintln!("emu: cannot open {p}: {e}");
                std::process::exit(1);
            }
        },
    };
    let created = !a.dir.exists();
    let n = or_exit(emu::persist::tools::load(&a.dir, &mut input, format));
    if created {
        println!("created data directory {}", a.dir.display());
    }
    println!("loaded {n} keys into {}", a.dir.display());
}

fn check(a: CheckArgs) {
    let p = Progress::spinner("check");
    let rep = or_exit(emu::persist::tools::check(&a.dir, a.repair));
    p.finish();
    for l in &rep.lines {
        println!("{l}");
    }
    if !rep.ok && !a.repair {
        std::process::exit(1);
    }
}

fn serve(a: ServeArgs, config: &[redis_conf::Directive]) {
    if a.databases == 0 {
        eprintln!("emu: --databases must be at least 1");
        std::process::exit(2);
    }
    if a.dir.is_none() && a.appendfsync.is_some() {
        // A flag that would do nothing is refused rather than ignored.
        eprintln!(
            "emu: --appendfsync needs --dir: without a data directory nothing is written to \
             disk"
        );
        std::process::exit(2);
    }
    let appendfsync = a.appendfsync.as_deref().unwrap_or("everysec");
    let builder = emu::Redis::builder().databases(a.databases);
    // Printed after the "listening on" line (the first line, which scripts read).
    let mut load_note = None;
    let redis = match &a.dir {
        None => builder.build(),
        Some(d) => {
            let Some(policy) = emu::persist::AppendFsync::parse(appendfsync) else {
                eprintln!("emu: --appendfsync must be always, everysec or no");
                std::process::exit(2);
            };
            let path = std::path::Path::new(d);
            let created = !path.exists();
            let started = std::time::Instant::now();
            match builder.appendfsync(policy).open(d) {
                Ok(r) => {
                    load_note = Some(if created {
                        format!("emu: created data directory {d}")
                    } else {
                        let keys = r.with_store(|s| s.total_keys()).unwrap_or(0);
                        format!(
                            "emu: loaded {keys} keys from {d} in {} ms",
                            started.elapsed().as_millis()
                        )
                    });
                    r
                }
                Err(e) => {
                    eprintln!("emu: {}", e.message());
                    std::process::exit(1);
                }
            }
        }
    };
    if let Err(e) = redis_conf::apply(&redis, config) {
        eprintln!("emu: *** FATAL CONFIG ERROR ***\n{e}");
        std::process::exit(1);
    }
    for (name, value) in [
        ("enable-debug-command", &a.enable_debug_command),
        ("enable-protected-configs", &a.enable_protected_configs),
        ("cluster-enabled", &a.cluster_enabled),
    ] {
        if let Ok(Err(why)) = redis.with_store(|s| s.config.set_initial(name, value.as_bytes())) {
            eprintln!("emu: --{name}: {why}");
            std::process::exit(2);
        }
    }
    for (name, value) in [
        ("replicaof", &a.replicaof),
        ("masterauth", &a.masterauth),
        ("masteruser", &a.masteruser),
    ] {
        let Some(value) = value else { continue };
        if name == "replicaof" {
            let mut it = value.split_whitespace();
            let ok = it.next().is_some()
                && it.next().is_some_and(|p| p.parse::<u16>().is_ok())
                && it.next().is_none();
            if !ok {
                eprintln!("emu: --replicaof wants \"HOST PORT\", got '{value}'");
                std::process::exit(2);
            }
        }
        if let Ok(Err(why)) = redis.with_store(|s| s.config.set_initial(name, value.as_bytes())) {
            eprintln!("emu: --{name}: {why}");
            std::process::exit(2);
        }
    }
    let disable_thp = redis
        .with_store(|s| {
            emu::config::lookup(b"disable-thp")
                .is_some_and(|(spec, _)| spec.get(&s.config) == "yes")
        })
        .unwrap_or(false);
    if disable_thp {
        alloc_ffi::disable_thp();
    }
    // Redis's start applies `oom-score-adj` (from the config file or flags) at once.
    if let Ok(Err(why)) = redis.with_store(|s| emu::config::oom::apply(&s.config)) {
        eprintln!("emu: {why}");
    }
    let mut server = emu::server::Server::new(redis)
        .bind(a.bind.clone())
        .port(a.port)
        .threads(a.threads)
        .tcp_backlog(a.tcp_backlog)
        .release_memory(alloc_ffi::collect)
        .handle_signals(true);
    if let Some(p) = &a.requirepass {
        server = server.requirepass(p);
    }
    if let Some(f) = &a.aclfile {
        // Redis runs in its `dir` (it chdirs there), so a relative ACL file is found there.
        let f = match &a.dir {
            Some(d) if f.is_relative() => std::path::Path::new(d).join(f),
            _ => f.clone(),
        };
        server = match server.aclfile(&f) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("emu: Aborting startup because of ACL errors: {e}");
                std::process::exit(1);
            }
        };
    }
    if let Some(u) = &a.unixsocket {
        server = server.unixsocket(u.clone());
    }
    if let Some(d) = &a.dir {
        server = server.dir(d.clone());
    }
    let running = match server.start() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("emu: cannot listen on {}:{}: {e}", a.bind, a.port);
            std::process::exit(1);
        }
    };
    if let Some(addr) = running.addr() {
        println!("emu {} listening on {addr}", env!("CARGO_PKG_VERSION"));
    }
    if let Some(p) = running.unix_path() {
        println!("emu listening on unix socket {}", p.display());
    }
    if let Some(d) = &a.dir {
        println!("emu: data directory {d} (appendfsync {appendfsync})");
        if let Some(note) = &load_note {
            println!("{note}");
        }
    } else {
        println!("emu: in-memory store (no --dir): data is lost when the server stops");
    }
    // Redis's words: scripts and test harnesses written for redis-server wait for them.
    println!("emu: server PID: {}", std::process::id());
    println!("emu: Ready to accept connections");
    // SIGTERM / SIGINT: acted on within a second even while a command runs (Redis exits at
    // once too); a command still holding the store after that is not waited for.
    if !running.wait_or_abandon(std::time::Duration::from_millis(800)) {
        println!("emu: stopped (a command was still running)");
        std::process::exit(0);
    }
    println!("emu: stopped");
}
