//! The tokio network layer: listeners (TCP, Unix socket), one task per connection, clean
//! shutdown.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::{watch, Notify};

use super::conn::{Conn, Flow, READ_CHUNK};
use super::Options;
use crate::admin::{ClientEntry, Link, ServerState};
use crate::client::Redis;
use crate::engine::next_client_id;
use crate::engine::Session;

/// A server running on its own thread (see [`super::Server::start`]).
pub struct Running {
    addr: Option<SocketAddr>,
    unix: Option<PathBuf>,
    state: Arc<ServerState>,
    stop: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
}

impl Running {
    /// The TCP address it listens on (with the real port when 0 was asked).
    pub fn addr(&self) -> Option<SocketAddr> {
        self.addr
    }

    /// The Unix socket path, if any.
    pub fn unix_path(&self) -> Option<&PathBuf> {
        self.unix.as_ref()
    }

    /// Server-wide state (client registry, statistics).
    pub fn state(&self) -> &Arc<ServerState> {
        &self.state
    }

    /// Stops accepting, closes every connection, and waits for the server thread.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    /// Blocks until the server stops (after [`Running::stopper`] was used, or a signal when
    /// `handle_signals` was set).
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// Like [`Running::wait`], but once a stop has been requested (a signal, a
    /// [`Stopper`]) waits at most `grace` for the server to finish: a command that holds the
    /// store longer is not waited for. True if the server stopped cleanly; false if it was
    /// abandoned (its thread is left running: the caller is expected to exit the process).
    pub fn wait_or_abandon(mut self, grace: std::time::Duration) -> bool {
        let Some(t) = self.thread.take() else {
            return true;
        };
        let mut stop_seen: Option<std::time::Instant> = None;
        loop {
            if t.is_finished() {
                let _ = t.join();
                return true;
            }
            match stop_seen {
                None if *self.stop.borrow() => stop_seen = Some(std::time::Instant::now()),
                Some(at) if at.elapsed() >= grace => return false,
                _ => {}
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    /// A handle that stops the server from another thread.
    pub fn stopper(&self) -> Stopper {
        Stopper(self.stop.clone())
    }

    fn stop_and_join(&mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

/// Stops a running server.
#[derive(Clone)]
pub struct Stopper(watch::Sender<bool>);

impl Stopper {
    /// Requests a clean stop.
    pub fn stop(&self) {
        let _ = self.0.send(true);
    }
}

/// Run on the thread of a script that timed out (see [`crate::engine::busy`]): if it is a
/// worker of a multi-threaded runtime, its core moves to another thread, which serves the
/// other connections while the script goes on here (Redis's `processEventsWhileBlocked`).
fn yield_worker() {
    let multi = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if multi {
        // The pause lets the replacement thread take the core before this one could take
        // it back on the way out.
        tokio::task::block_in_place(|| std::thread::sleep(std::time::Duration::from_millis(2)));
    }
}

/// Binds the listeners and starts the server thread.
pub fn start(redis: Redis, opts: Options) -> io::Result<Running> {
    // A multi-threaded runtime even for one worker: a script running past
    // busy-reply-threshold hands the worker to another thread (see `yield_worker`), so the
    // other connections get -BUSY and SCRIPT KILL reaches the script.
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    // Redis's main thread has the system's 8 MiB stack; a script's reply converts nested
    // tables recursively (up to 1000 levels), which overflows tokio's default 2 MiB in a
    // debug build. Stacks are reserved, not committed: unused pages cost no memory.
    builder
        .worker_threads(opts.threads.max(1))
        .thread_stack_size(32 << 20)
        .enable_all();
    // The scheduler's LIFO slot runs the task woken last first: when one reactor tick finds
    // requests on two connections, the later one would be served first. Redis serves them in
    // the order they became readable; so does emu with the slot off (tokio's unstable API,
    // turned on by this repository's .cargo/config.toml).
    #[cfg(tokio_unstable)]
    builder.disable_lifo_slot();
    let rt = builder.build()?;
    crate::engine::busy::set_on_timeout(yield_worker);
    // Bind synchronously so errors reach the caller and the port is known.
    let (tcp, unix) = rt.block_on(async {
        let tcp = match &opts.bind {
            Some(bind) => Some(listen_tcp(bind, opts.port, opts.tcp_backlog.unwrap_or(511)).await?),
            None => None,
        };
        #[cfg(unix)]
        let unix = match &opts.unixsocket {
            Some(path) => {
                let _ = std::fs::remove_file(path);
                Some(tokio::net::UnixListener::bind(path)?)
            }
            None => None,
        };
        #[cfg(not(unix))]
        let unix: Option<()> = None;
        io::Result::Ok((tcp, unix))
    })?;
    let addr = match &tcp {
        Some(l) => Some(l.local_addr()?),
        None => None,
    };
    let state = Arc::new(ServerState::new(
        addr.map(|a| a.port()).unwrap_or(0),
        opts.unixsocket.as_ref().map(|p| p.display().to_string()),
        opts.dir.clone(),
    ));
    // The clients' memory is part of the store's `used_memory` (maxmemory counts it).
    state.set_clients_memory(redis.with_local_store(|s| s.clients_memory.clone()));
    let (stop_tx, stop_rx) = watch::channel(false);
    let st = state.clone();
    let unix_path = opts.unixsocket.clone();
    let release_memory = opts.release_memory;
    if opts.handle_signals {
        spawn_signal_thread(stop_tx.clone())?;
    }
    {
        // SHUTDOWN: save a durable store (unless NOSAVE), then stop as SIGTERM does.
        let stop = stop_tx.clone();
        let process_wide = opts.handle_signals;
        state.set_shutdown_hook(Box::new(move |store, save| {
            if save {
                if let Some(h) = crate::persist::handle_of(store) {
                    if h.compaction_running() {
                        h.wait_compaction().map_err(|e| e.to_string())?;
                    }
                    h.save(store).map_err(|e| e.to_string())?;
                }
            }
            stop_server(&stop, process_wide);
            Ok(())
        }));
    }
    let thread = std::thread::Builder::new()
        .name("emu-server".into())
        .spawn(move || {
            rt.block_on(async move {
                let mut tasks = Vec::new();
                if redis.with_local_store(|s| s.durability().is_some()) {
                    // The timer tick of a persistent store (in-memory ones are on the
                    // process-wide timer, `engine::cron`: expiry, evictions, tracking), on
                    // the server's thread as in Redis's serverCron.
                    let r = redis.clone();
                    tokio::spawn(async move {
                        // (Never blocking the runtime's thread on the lock: see
                        // `super::lock_store`.) The same period as the process-wide timer:
                        // 1/hz, or 1 ms while an eviction cycle goes on.
                        let mut period = crate::engine::cron::period(
                            &*super::lock_store(r.shared_store()).await,
                        );
                        loop {
                            tokio::time::sleep(period).await;
                            let mut batch = super::lock_batch(r.shared_store()).await;
                            batch.store().cron_tick();
                            period = crate::engine::cron::period(batch.store());
                            // A log error reaches the next command.
                            let _ = batch.finish();
                        }
                    });
                }
                {
                    // INFO's instantaneous metrics, sampled every 100 ms as Redis's
                    // serverCron does (the command count only when the store is free).
                    let (r, st) = (redis.clone(), st.clone());
                    tokio::spawn(async move {
                        let mut tick = tokio::time::interval(std::time::Duration::from_millis(100));
                        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                        loop {
                            tick.tick().await;
                            let commands =
                                r.shared_store().try_lock().map(|s| s.commands_processed);
                            st.sample_metrics(commands);
                        }
                    });
                }
                {
                    // Replication, master side, once a second as Redis's replicationCron:
                    // repl-timeout, repl-backlog-ttl, delayed disk-less full syncs (see
                    // `rdb::master::cron`). Skipped while the store is busy.
                    let (r, st) = (redis.clone(), st.clone());
                    tokio::spawn(async move {
                        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
                        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                        loop {
                            tick.tick().await;
                            let freed = r.shared_store().try_lock().is_some_and(|mut s| {
                                if s.cron_paused {
                                    return false;
                                }
                                let now = s.clock.now_ms();
                                crate::rdb::master::cron(&mut s, now)
                            });
                            if freed {
                                st.change_repl_id();
                            }
                        }
                    });
                }
                // Replica side: the link to the master of REPLICAOF / --replicaof (see
                // `follow`).
                tokio::spawn(super::follow::supervise(redis.clone()));
                if let Some(release) = release_memory {
                    // On the runtime's thread(s), where connections allocate and free.
                    tokio::spawn(async move {
                        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
                        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                        loop {
                            tick.tick().await;
                            release();
                        }
                    });
                }
                if let Some(l) = tcp {
                    // CONFIG SET port / bind hand a new listener over (see `listen_on`).
                    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                    st.set_relisten(Box::new(move |l| {
                        let _ = tx.send(l);
                    }));
                    tasks.push(tokio::spawn(accept_tcp(
                        l,
                        rx,
                        redis.clone(),
                        st.clone(),
                        stop_rx.clone(),
                    )));
                }
                #[cfg(unix)]
                if let Some(l) = unix {
                    tasks.push(tokio::spawn(accept_unix(
                        l,
                        redis.clone(),
                        st.clone(),
                        stop_rx.clone(),
                    )));
                }
                let mut rx = stop_rx.clone();
                while !*rx.borrow() {
                    if rx.changed().await.is_err() {
                        break;
                    }
                }
                for t in tasks {
                    let _ = t.await;
                }
                // Close every connection and wait (briefly) for them to go.
                for e in st.snapshot() {
                    e.kill();
                }
                for _ in 0..200 {
                    if st.connected() == 0 {
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
            });
            rt.shutdown_timeout(std::time::Duration::from_millis(500));
            if let Some(p) = unix_path {
                let _ = std::fs::remove_file(p);
            }
        })?;
    Ok(Running {
        addr,
        unix: opts.unixsocket,
        state,
        stop: stop_tx,
        thread: Some(thread),
    })
}

/// Binds a TCP listener with `backlog` pending connections (Redis's `tcp-backlog`; the
/// kernel caps it at `net.core.somaxconn`). Like Redis, every address `bind` resolves to is
/// tried in turn.
async fn listen_tcp(bind: &str, port: u16, backlog: u32) -> io::Result<tokio::net::TcpListener> {
    let mut last = io::Error::new(io::ErrorKind::AddrNotAvailable, "no address to bind");
    for addr in tokio::net::lookup_host((bind, port)).await? {
        let sock = if addr.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        #[cfg(unix)]
        sock.set_reuseaddr(true)?;
        match sock.bind(addr).and_then(|()| sock.listen(backlog)) {
            Ok(l) => return Ok(l),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// How SIGINT/SIGTERM and SHUTDOWN stop the server: raise the process-wide shutdown flag
/// when the server owns the process (`process_wide`: it handles signals), so long commands
/// return early, and ask the server's loop to close every connection and end.
fn stop_server(stop: &watch::Sender<bool>, process_wide: bool) {
    if process_wide {
        crate::util::shutdown::request();
    }
    let _ = stop.send(true);
}

/// Handles SIGINT / SIGTERM on a thread of its own, so a signal is acted on even while a
/// long command occupies the server's threads: it raises [`crate::util::shutdown::request`]
/// (long commands such as DEBUG SLEEP return early on it) and asks the server to stop.
/// Returns once the handlers are installed.
fn spawn_signal_thread(stop: watch::Sender<bool>) -> io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<io::Result<()>>();
    std::thread::Builder::new()
        .name("emu-signals".into())
        .spawn(move || {
            rt.block_on(async move {
                #[cfg(unix)]
                {
                    use tokio::signal::unix::{signal, SignalKind};
                    let (mut term, mut int) = match (
                        signal(SignalKind::terminate()),
                        signal(SignalKind::interrupt()),
                    ) {
                        (Ok(t), Ok(i)) => (t, i),
                        (Err(e), _) | (_, Err(e)) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(()));
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                }
                #[cfg(not(unix))]
                {
                    let _ = ready_tx.send(Ok(()));
                    let _ = tokio::signal::ctrl_c().await;
                }
                stop_server(&stop, true);
            });
        })?;
    ready_rx
        .recv()
        .unwrap_or_else(|_| Err(io::Error::other("signal thread ended")))
}

async fn accept_tcp(
    mut l: tokio::net::TcpListener,
    mut relisten: tokio::sync::mpsc::UnboundedReceiver<std::net::TcpListener>,
    redis: Redis,
    state: Arc<ServerState>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            r = l.accept() => r,
            Some(new) = relisten.recv() => {
                // The old listener closes here; its connections stay.
                match tokio::net::TcpListener::from_std(new) {
                    Ok(new) => l = new,
                    Err(e) => eprintln!("emu: cannot listen on the new address: {e}"),
                }
                continue;
            }
            _ = stop.changed() => return,
        };
        let (sock, peer) = match accepted {
            Ok(x) => x,
            Err(_) => {
                // EMFILE and friends: back off instead of spinning.
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = sock.set_nodelay(true);
        refresh_accept_policy(&redis, &state);
        let keepalive = state
            .tcp_keepalive
            .load(std::sync::atomic::Ordering::Relaxed);
        if keepalive > 0 {
            set_keepalive(&sock, keepalive);
        }
        // Redis `islocalClient`: exactly 127.0.0.1 or ::1.
        let local = match peer.ip() {
            std::net::IpAddr::V4(ip) => ip == std::net::Ipv4Addr::LOCALHOST,
            std::net::IpAddr::V6(ip) => ip == std::net::Ipv6Addr::LOCALHOST,
        };
        let laddr = sock.local_addr().map(|a| a.to_string()).unwrap_or_default();
        #[cfg(unix)]
        let fd = {
            use std::os::fd::AsRawFd;
            sock.as_raw_fd() as i64
        };
        #[cfg(not(unix))]
        let fd = -1;
        spawn_conn(
            sock,
            peer.to_string(),
            laddr,
            fd,
            Origin::Tcp { local },
            redis.clone(),
            state.clone(),
        );
    }
}

#[cfg(unix)]
async fn accept_unix(
    l: tokio::net::UnixListener,
    redis: Redis,
    state: Arc<ServerState>,
    mut stop: watch::Receiver<bool>,
) {
    use std::os::fd::AsRawFd;
    let path = l
        .local_addr()
        .ok()
        .and_then(|a| a.as_pathname().map(|p| p.display().to_string()))
        .unwrap_or_default();
    loop {
        let accepted = tokio::select! {
            r = l.accept() => r,
            _ = stop.changed() => return,
        };
        let Ok((sock, _)) = accepted else {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        let fd = sock.as_raw_fd() as i64;
        refresh_accept_policy(&redis, &state);
        spawn_conn(
            sock,
            format!("{path}:0"),
            path.clone(),
            fd,
            Origin::Unix,
            redis.clone(),
            state.clone(),
        );
    }
}

/// Where an accepted connection comes from.
#[derive(Clone, Copy)]
enum Origin {
    /// A TCP peer; `local`: from 127.0.0.1 or ::1.
    Tcp {
        local: bool,
    },
    Unix,
}

/// Redis's reply to a non-loopback connection in protected mode (`clientAcceptHandler`).
const DENIED: &[u8] = b"-DENIED Redis is running in protected mode because protected mode is \
    enabled and no password is set for the default user. In this mode connections are only \
    accepted from the loopback interface. If you want to connect from external computers to \
    Redis you may adopt one of the following solutions: 1) Just disable protected mode \
    sending the command 'CONFIG SET protected-mode no' from the loopback interface by \
    connecting to Redis from the same host the server is running, however MAKE SURE Redis is \
    not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change \
    permanent. 2) Alternatively you can just disable the protected mode by editing the Redis \
    configuration file, and setting the protected mode option to 'no', and then restarting \
    the server. 3) If you started the server manually just for testing, restart it with the \
    '--protected-mode no' option. 4) Setup a an authentication password for the default \
    user. NOTE: You only need to do one of the above things in order for the server to start \
    accepting connections from the outside.\r\n";

/// Reads `maxclients`, `protected-mode` (with whether `default` has a password) and
/// `tcp-keepalive` for the connection being accepted: CONFIG SET takes effect for the next
/// connection, as in Redis; the last values read serve while the store is busy.
fn refresh_accept_policy(redis: &Redis, state: &ServerState) {
    use std::sync::atomic::Ordering::Relaxed;
    if let Some(s) = redis.shared_store().try_lock() {
        state
            .maxclients
            .store(s.config.maxclients as usize, Relaxed);
        state
            .protected
            .store(s.config.protected_mode && s.acl.default_nopass(), Relaxed);
        state.tcp_keepalive.store(s.config.tcp_keepalive, Relaxed);
    }
}

/// Redis `anetKeepAlive`: probes after `secs` idle seconds, every `secs / 3`, 3 of them.
fn set_keepalive(sock: &tokio::net::TcpStream, secs: i64) {
    let idle = std::time::Duration::from_secs(secs as u64);
    let keepalive = socket2::TcpKeepalive::new().with_time(idle);
    #[cfg(any(target_os = "linux", target_os = "macos", target_os = "freebsd"))]
    let keepalive = keepalive
        .with_interval((idle / 3).max(std::time::Duration::from_secs(1)))
        .with_retries(3);
    let _ = socket2::SockRef::from(sock).set_tcp_keepalive(&keepalive);
}

fn spawn_conn<S>(
    sock: S,
    addr: String,
    laddr: String,
    fd: i64,
    origin: Origin,
    redis: Redis,
    state: Arc<ServerState>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    use std::sync::atomic::Ordering::Relaxed;
    let unix = matches!(origin, Origin::Unix);
    let id = next_client_id();
    let notify = Arc::new(Notify::new());
    let n2 = notify.clone();
    let entry = Arc::new(ClientEntry::new(
        id,
        addr,
        laddr,
        fd,
        unix,
        Box::new(move || n2.notify_one()),
    ));
    if let Origin::Tcp { local } = origin {
        if !local && state.protected.load(Relaxed) {
            state.stats.rejected_connections.fetch_add(1, Relaxed);
            tokio::spawn(async move {
                let mut sock = sock;
                let _ = sock.write_all(DENIED).await;
            });
            return;
        }
    }
    let maxclients = state.maxclients.load(Relaxed);
    if state.connected() >= maxclients {
        state
            .stats
            .rejected_connections
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tokio::spawn(async move {
            let mut sock = sock;
            let _ = sock
                .write_all(b"-ERR max number of clients reached\r\n")
                .await;
        });
        return;
    }
    state.register(entry.clone());
    tokio::spawn(async move {
        let link = Link {
            server: state.clone(),
            me: entry,
        };
        let _ = serve(sock, redis, link.clone(), notify).await;
        state.unregister(id);
    });
}

async fn serve<S>(mut sock: S, redis: Redis, link: Link, killed: Arc<Notify>) -> io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let store = redis.shared_store();
    // Pub/Sub pushes wake the loop while it waits for input.
    let pushed = Arc::new(Notify::new());
    let mailbox = {
        let p = pushed.clone();
        crate::pubsub::Mailbox::with_waker(link.me.id, Box::new(move || p.notify_one()))
    };
    // Set up without waiting behind a script that runs past busy-reply-threshold (it
    // holds the store): the script's thread does it then, and the connection's commands
    // are answered as Redis answers them during a busy script (engine::busy).
    let session = Session {
        id: link.me.id,
        link: Some(link.clone()),
        pubsub: Some(mailbox.clone()),
        postponable: true,
        ..Session::default()
    };
    let mut conn = Box::new(Conn::new(session));
    let mb = mailbox.clone();
    let conn = crate::engine::busy::with_store(store, move |s| {
        // A client-side caching REDIRECT may name this connection.
        s.tracking.register_peer(&mb);
        conn.session.authenticated = !s.acl.needs_auth();
        conn.refresh_limits(s);
        conn
    });
    let r = serve_loop(
        &mut sock,
        store,
        &link,
        conn,
        killed,
        pushed,
        mailbox.clone(),
    )
    .await;
    crate::pubsub::disconnect(store, &mailbox);
    r
}

/// What woke a connection.
pub(super) enum Event {
    /// Bytes were written to the socket.
    Wrote(usize),
    /// Bytes were read (0: the peer closed).
    Read(usize),
    /// Pub/Sub pushes are queued.
    Pushed,
    /// The blocking command's wait is over.
    Unblocked,
}

/// After running this many bytes of requests in one go, a connection yields to the others
/// (Redis serves each client one 16 KiB read per event-loop turn).
const YIELD_AFTER: usize = 16 * 1024;

/// Writes from `out` and, when `read`, reads into `input`, whichever the socket allows
/// first: a connection keeps reading while its replies wait to be sent (a client that
/// writes its whole pipeline before reading any reply would otherwise deadlock with us),
/// and keeps sending while it reads. The read goes through a buffer on the stack so an idle
/// connection holds no buffer at all.
pub(super) async fn io_step<S>(
    sock: &mut S,
    out: &[u8],
    input: &mut Vec<u8>,
    read: bool,
) -> io::Result<Event>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    use std::pin::Pin;
    use std::task::Poll;
    std::future::poll_fn(|cx| {
        if !out.is_empty() {
            match Pin::new(&mut *sock).poll_write(cx, out) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => return Poll::Ready(Ok(Event::Wrote(n))),
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {}
            }
        }
        if read {
            // Not zeroed: a 64 KiB memset on every poll cost more than the command itself.
            let mut chunk = [std::mem::MaybeUninit::<u8>::uninit(); READ_CHUNK];
            let mut buf = tokio::io::ReadBuf::uninit(&mut chunk);
            match Pin::new(&mut *sock).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) => {
                    input.extend_from_slice(buf.filled());
                    return Poll::Ready(Ok(Event::Read(buf.filled().len())));
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {}
            }
        }
        Poll::Pending
    })
    .await
}

/// Waits for a blocked client's wait to end; forever when it is not blocked.
async fn unblocked(waiter: &Option<crate::blocking::Waiter>) {
    match waiter {
        Some(w) => w.ready().await,
        None => std::future::pending().await,
    }
}

/// Waits until `deadline`; forever without one.
async fn idle_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

async fn serve_loop<S>(
    sock: &mut S,
    store: &crate::engine::Shared,
    link: &Link,
    mut conn: Box<Conn>,
    killed: Arc<Notify>,
    pushed: Arc<Notify>,
    mailbox: Arc<crate::pubsub::Mailbox>,
) -> io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let stats = &link.server.stats;
    use std::sync::atomic::Ordering::Relaxed;
    // Flow::Close: send what is queued, read nothing more, then close.
    let mut closing = false;
    // A blocking command's wait (BLPOP & co.): later requests stay in the input buffer.
    let mut waiter: Option<crate::blocking::Waiter> = None;
    let mut last_input = tokio::time::Instant::now();
    // Input arrived that `process` has not seen yet.
    let mut unprocessed = false;
    let result = loop {
        if link.me.is_killed() || mailbox.is_closed() {
            // CLIENT KILL, or the Pub/Sub output limit closed this subscriber: close at
            // once, as Redis does.
            break Ok(());
        }
        if unprocessed && waiter.is_none() && !closing {
            unprocessed = false;
            if conn.over_query_limit() {
                // client-query-buffer-limit: closed without a reply, as Redis does.
                break Ok(());
            }
            let flow = conn.process_up_to(store, YIELD_AFTER);
            if conn.more {
                // A turn's worth ran: let other connections have theirs before the rest
                // (tokio's budget counts socket operations, not the commands they carry).
                unprocessed = true;
                tokio::task::yield_now().await;
            }
            if conn.over_limit {
                // client-output-buffer-limit (or the unauthenticated limit), reached while
                // running the batch: closed at once, as Redis does.
                break Ok(());
            }
            waiter = conn.blocked.take();
            if conn.errors > 0 {
                stats.error_replies.fetch_add(conn.errors, Relaxed);
                conn.errors = 0;
            }
            conn.sync_registry(link);
            if flow == Flow::Close {
                closing = true;
            }
            if conn.replica_attached() {
                // SYNC/PSYNC: from now on this connection carries the replication stream.
                if let Some(replica) = conn.session.replica.clone() {
                    let out = conn.out.take_all();
                    let input = conn.unprocessed_input();
                    break super::replica::serve(sock, store, link, replica, out, input, killed)
                        .await;
                }
            }
        }
        // Pub/Sub pushes go out once earlier output is sent: a subscriber that does not
        // read leaves them in its mailbox, where the `pubsub` limit counts them.
        if conn.out.is_empty() && mailbox.pending() > 0 && !closing && !conn.deliver_pushes() {
            break Ok(());
        }
        // A subscriber over the soft limit that gets no more messages is closed once the
        // limit's time has passed (Redis checks it in `clientsCron`; see the timer below).
        let soft_check = mailbox.pending() > 0 && conn.obuf_limits.pubsub.soft != 0;
        if soft_check && mailbox.over_limit_now(conn.obuf_limits.pubsub) {
            break Ok(());
        }
        let pending = conn.out.pending();
        if conn.output_over_limit(pending, mailbox.subscribed()) {
            // client-output-buffer-limit (or the unauthenticated limit): closed at once.
            break Ok(());
        }
        if pending == 0 && closing {
            let _ = sock.shutdown().await;
            break Ok(());
        }
        let queued = if mailbox.pending() > 0 {
            mailbox.queued_bytes()
        } else {
            0
        };
        link.note_buffers(conn.input_memory(), conn.out.capacity(), pending + queued);
        // maxmemory-clients: this client's growth may push the total over the limit.
        link.server.evict_clients(conn.client_limit);
        if link.me.is_killed() {
            break Ok(());
        }
        // Redis never times out a client in Pub/Sub mode or a blocked one (whose own
        // timeout applies).
        let idle = if mailbox.subscribed() || waiter.is_some() {
            0
        } else {
            conn.idle_timeout_secs
        };
        let deadline = (idle > 0).then(|| last_input + std::time::Duration::from_secs(idle));
        // Requests left for the next turn: write and read what the socket takes now, but
        // do not wait for it. Reading waits until they have run (the input would only grow).
        let again = unprocessed && conn.more && waiter.is_none() && !closing;
        let (out, input) = conn.buffers();
        let ev = tokio::select! {
            biased;
            r = io_step(sock, out, input, !closing && !again) => r,
            _ = killed.notified() => break Ok(()),
            // (Before the pushes: a served blocked client's reply goes out before the
            // invalidations its command caused to itself.)
            _ = unblocked(&waiter) => Ok(Event::Unblocked),
            _ = pushed.notified() => Ok(Event::Pushed),
            _ = idle_until(deadline) => break Ok(()),
            _ = tokio::time::sleep(std::time::Duration::from_millis(500)), if soft_check => {
                Ok(Event::Pushed)
            }
            _ = std::future::ready(()), if again => Ok(Event::Pushed),
        };
        match ev {
            Err(e) => break Err(e),
            Ok(Event::Wrote(n)) => {
                stats.net_output_bytes.fetch_add(n as u64, Relaxed);
                stats.writes_processed.fetch_add(1, Relaxed);
                conn.out.advance(n);
            }
            Ok(Event::Read(0)) => {
                stats.reads_processed.fetch_add(1, Relaxed);
                break Ok(());
            }
            Ok(Event::Read(n)) => {
                stats.net_input_bytes.fetch_add(n as u64, Relaxed);
                stats.reads_processed.fetch_add(1, Relaxed);
                last_input = tokio::time::Instant::now();
                unprocessed = true;
                if waiter.is_some() && conn.over_query_limit() {
                    break Ok(());
                }
            }
            Ok(Event::Pushed) => {}
            Ok(Event::Unblocked) => {
                if store.busy().timed_out() {
                    // The timeout fired while a script runs past busy-reply-threshold:
                    // its reply comes after the script (Redis skips blocked clients'
                    // timeouts while busy), and this task waits for that without
                    // holding its worker on the store's lock.
                    tokio::select! {
                        biased;
                        _ = killed.notified() => break Ok(()),
                        _ = store.busy().not_timed_out() => {}
                    }
                }
                if let Some(w) = waiter.take() {
                    // (Not blocking this thread on the lock: see `super::lock_store`.)
                    let mut batch = super::lock_batch(store).await;
                    let reply = w.finish(batch.store());
                    if conn.is_postponed() {
                        // CLIENT PAUSE ended: the postponed command runs now.
                        if conn.resume_postponed(batch) == Flow::Close {
                            closing = true;
                        }
                        waiter = conn.blocked.take();
                        if conn.errors > 0 {
                            stats.error_replies.fetch_add(conn.errors, Relaxed);
                            conn.errors = 0;
                        }
                        conn.sync_registry(link);
                        unprocessed = true;
                        continue;
                    }
                    drop(batch);
                    // Its error, if any, was counted where it was produced (the re-run
                    // of the served command, or CLIENT UNBLOCK ... ERROR).
                    conn.finish_blocked(reply);
                    // Requests that arrived meanwhile run now.
                    unprocessed = true;
                }
            }
        }
    };
    if let Some(w) = waiter.take() {
        // Gone while blocked: unregistered without waiting behind a busy script (as
        // `pubsub::disconnect`).
        crate::engine::busy::with_store(store, move |s| w.abandon(s));
    }
    link.note_buffers(0, 0, 0);
    result
}
