//! The `emu` command-line tool: `emu serve` runs a Redis-compatible RESP2/RESP3 server.

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
    /// Data directory. Persistence is not implemented yet: the store is memory-only.
    #[arg(long)]
    dir: Option<String>,
    /// Worker threads (1 = one event loop, like Redis).
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

fn main() {
    let cli = Cli::parse();
    match cli.cmd {
        Command::Serve(a) => serve(a),
    }
}

fn serve(a: ServeArgs) {
    if a.databases == 0 {
        eprintln!("emu: --databases must be at least 1");
        std::process::exit(2);
    }
    let redis = emu::Redis::builder().databases(a.databases).build();
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
        println!(
            "emu: NOTE --dir {d} accepted, but persistence is not implemented yet: \
             nothing is saved there and all data is lost when the server stops"
        );
    } else {
        println!("emu: in-memory store (no --dir): data is lost when the server stops");
    }
    running.wait();
    println!("emu: stopped");
}
