//! The `emu` command-line tool: `emu serve` runs a Redis-compatible RESP2/RESP3 server;
//! `emu dump`, `emu load`, `emu check` and `emu compact` work on data directories.

use clap::{Parser, Subcommand};

// Replies allocate many small buffers; mimalloc serves them much faster than glibc malloc
// (Redis itself ships with jemalloc for the same reason).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Serve the store over RESP2/RESP3 (TCP and optionally a Unix socket).
    Serve(ServeArgs),
    /// Write every key of a data directory as JSON Lines or RESP commands.
    Dump(DumpArgs),
    /// Replace the data of a directory with a dump (JSON Lines or RESP), atomically.
    Load(LoadArgs),
    /// Verify a data directory (checksums, decoding, replay); --repair fixes it.
    Check(CheckArgs),
    /// Write a fresh snapshot and start an empty log.
    Compact(DirArg),
}

#[derive(clap::Args)]
struct DumpArgs {
    /// Data directory.
    dir: std::path::PathBuf,
    /// jsonl (default) or resp (for `redis-cli --pipe`).
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
    /// jsonl or resp (default: detected from the first byte).
    #[arg(long)]
    format: Option<String>,
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
    /// Number of databases.
    #[arg(long, default_value_t = 16)]
    databases: usize,
    /// Also listen on this Unix socket path.
    #[arg(long)]
    unixsocket: Option<std::path::PathBuf>,
    /// Data directory: the keyspace is loaded from it and every write is logged there.
    #[arg(long)]
    dir: Option<String>,
    /// fsync policy of the log: always, everysec or no.
    #[arg(long, default_value = "everysec")]
    appendfsync: String,
    /// Worker threads (1 = one event loop, like Redis).
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

fn main() {
    let cli = Cli::parse();
    match cli.cmd {
        Command::Serve(a) => serve(a),
        Command::Dump(a) => dump(a),
        Command::Load(a) => load(a),
        Command::Check(a) => check(a),
        Command::Compact(a) => or_exit(emu::persist::tools::compact(&a.dir)),
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
        eprintln!("emu: unknown format '{s}' (use jsonl or resp)");
        std::process::exit(2);
    })
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
    or_exit(emu::persist::tools::dump(&a.dir, format, &mut out));
}

fn load(a: LoadArgs) {
    let format = a.format.as_deref().map(format_arg);
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
    let n = or_exit(emu::persist::tools::load(&a.dir, &mut input, format));
    println!("loaded {n} keys into {}", a.dir.display());
}

fn check(a: CheckArgs) {
    let rep = or_exit(emu::persist::tools::check(&a.dir, a.repair));
    for l in &rep.lines {
        println!("{l}");
    }
    if !rep.ok && !a.repair {
        std::process::exit(1);
    }
}

fn serve(a: ServeArgs) {
    if a.databases == 0 {
        eprintln!("emu: --databases must be at least 1");
        std::process::exit(2);
    }
    let builder = emu::Redis::builder().databases(a.databases);
    let redis = match &a.dir {
        None => builder.build(),
        Some(d) => {
            let Some(policy) = emu::persist::AppendFsync::parse(&a.appendfsync) else {
                eprintln!("emu: --appendfsync must be always, everysec or no");
                std::process::exit(2);
            };
            match builder.appendfsync(policy).open(d) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("emu: {}", e.message());
                    std::process::exit(1);
                }
            }
        }
    };
    let mut server = emu::server::Server::new(redis)
        .bind(a.bind.clone())
        .port(a.port)
        .threads(a.threads)
        .handle_signals(true);
    if let Some(p) = &a.requirepass {
        server = server.requirepass(p);
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
        println!("emu: data directory {d} (appendfsync {})", a.appendfsync);
    } else {
        println!("emu: in-memory store (no --dir): data is lost when the server stops");
    }
    running.wait();
    println!("emu: stopped");
}
