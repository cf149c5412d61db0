//! The tokio network layer: listeners (TCP, Unix socket), one task per connection, clean
//! shutdown.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{watch, Notify};

use super::conn::{Conn, Flow};
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

/// Binds the listeners and starts the server thread.
pub fn start(redis: Redis, opts: Options) -> io::Result<Running> {
    let mut builder = if opts.threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(opts.threads);
        b
    };
    let rt = builder.enable_all().build()?;
    // Bind synchronously so errors reach the caller and the port is known.
    let (tcp, unix) = rt.block_on(async {
        let tcp = match &opts.bind {
            Some(bind) => {
                let l = tokio::net::TcpListener::bind((bind.as_str(), opts.port)).await?;
                Some(l)
            }
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
    let (stop_tx, stop_rx) = watch::channel(false);
    let st = state.clone();
    let unix_path = opts.unixsocket.clone();
    let handle_signals = opts.handle_signals;
    let stop_for_signals = stop_tx.clone();
    let thread = std::thread::Builder::new()
        .name("emu-server".into())
        .spawn(move || {
            rt.block_on(async move {
                if handle_signals {
                    tokio::spawn(signals(stop_for_signals));
                }
                let mut tasks = Vec::new();
                if let Some(l) = tcp {
                    tasks.push(tokio::spawn(accept_tcp(
                        l,
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

async fn signals(stop: watch::Sender<bool>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    let _ = stop.send(true);
}

async fn accept_tcp(
    l: tokio::net::TcpListener,
    redis: Redis,
    state: Arc<ServerState>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            r = l.accept() => r,
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
            false,
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
        spawn_conn(
            sock,
            format!("{path}:0"),
            path.clone(),
            fd,
            true,
            redis.clone(),
            state.clone(),
        );
    }
}

fn spawn_conn<S>(
    sock: S,
    addr: String,
    laddr: String,
    fd: i64,
    unix: bool,
    redis: Redis,
    state: Arc<ServerState>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
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
    if state.connected() >= state.maxclients {
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
    let r = serve_loop(&mut sock, store, &link, killed, pushed, mailbox.clone()).await;
    crate::pubsub::disconnect(store, &mailbox);
    r
}

async fn serve_loop<S>(
    sock: &mut S,
    store: &crate::engine::Shared,
    link: &Link,
    killed: Arc<Notify>,
    pushed: Arc<Notify>,
    mailbox: Arc<crate::pubsub::Mailbox>,
) -> io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut conn = {
        let guard = store.lock();
        let session = Session {
            id: link.me.id,
            authenticated: guard.config.requirepass().is_none(),
            link: Some(link.clone()),
            pubsub: Some(mailbox.clone()),
            ..Session::default()
        };
        let mut conn = Conn::new(session);
        conn.refresh_limits(&guard);
        conn
    };
    let stats = &link.server.stats;
    use std::sync::atomic::Ordering::Relaxed;
    loop {
        if link.me.is_killed() {
            return Ok(());
        }
        // Pub/Sub pushes queued while we were busy (their wake-up may have been used).
        if mailbox.pending() > 0 || mailbox.is_closed() {
            if !push_out(sock, &mut conn, stats, &pushed, &mailbox).await? {
                let _ = sock.shutdown().await;
                return Ok(());
            }
            continue;
        }
        let idle = conn.idle_timeout_secs;
        let input = conn.input();
        if input.capacity() - input.len() < 4096 {
            input.reserve(16 * 1024);
        }
        let read = sock.read_buf(input);
        // Redis never times out a client in Pub/Sub mode.
        let idle = if mailbox.subscribed() { 0 } else { idle };
        let n = if idle == 0 {
            tokio::select! {
                r = read => Some(r?),
                _ = killed.notified() => return Ok(()),
                _ = pushed.notified() => None,
            }
        } else {
            // CONFIG timeout: idle clients are closed, as Redis does.
            tokio::select! {
                r = tokio::time::timeout(std::time::Duration::from_secs(idle), read) => match r {
                    Ok(r) => Some(r?),
                    Err(_) => return Ok(()),
                },
                _ = killed.notified() => return Ok(()),
                _ = pushed.notified() => None,
            }
        };
        let Some(n) = n else {
            // Woken by a Pub/Sub push: send what is queued.
            if !push_out(sock, &mut conn, stats, &pushed, &mailbox).await? {
                // client-output-buffer-limit pubsub: close, as Redis does.
                let _ = sock.shutdown().await;
                return Ok(());
            }
            continue;
        };
        if n == 0 {
            return Ok(());
        }
        stats.net_input_bytes.fetch_add(n as u64, Relaxed);
        let mut flow = conn.process(store);
        loop {
            // client-output-buffer-limit pubsub disconnected this client meanwhile.
            if mailbox.is_closed() {
                flow = Flow::Close;
            }
            if conn.errors > 0 {
                stats.error_replies.fetch_add(conn.errors, Relaxed);
                conn.errors = 0;
            }
            conn.sync_registry(link);
            if !conn.out.is_empty() {
                stats
                    .net_output_bytes
                    .fetch_add(conn.out.len() as u64, Relaxed);
                if !write_or_dead(sock, &conn.out, &pushed, &mailbox).await? {
                    let _ = sock.shutdown().await;
                    return Ok(());
                }
                conn.out.clear();
                if conn.out.capacity() > 1024 * 1024 {
                    conn.out.shrink_to(64 * 1024);
                }
            }
            if flow == Flow::Close {
                let _ = sock.shutdown().await;
                return Ok(());
            }
            let Some(waiter) = conn.blocked.take() else {
                break;
            };
            // Blocked (BLPOP & co.): wait for the reply without holding a thread; keep
            // reading so a disconnect is noticed (input is buffered, as Redis does).
            let reply = loop {
                let input = conn.input();
                if input.capacity() - input.len() < 4096 {
                    input.reserve(16 * 1024);
                }
                tokio::select! {
                    _ = waiter.ready() => break waiter.finish(&mut store.lock()),
                    r = sock.read_buf(input) => match r {
                        Ok(0) | Err(_) => {
                            waiter.abandon(&mut store.lock());
                            return Ok(());
                        }
                        Ok(n) => {
                            stats.net_input_bytes.fetch_add(n as u64, Relaxed);
                        }
                    },
                    _ = killed.notified() => {
                        waiter.abandon(&mut store.lock());
                        return Ok(());
                    }
                }
            };
            if reply.is_err() {
                stats.error_replies.fetch_add(1, Relaxed);
            }
            conn.finish_blocked(reply);
            flow = conn.process(store);
        }
    }
}

/// Writes `buf`, unless this client is disconnected by the Pub/Sub output buffer limit
/// meanwhile (a subscriber that stopped reading blocks the write forever): false then.
async fn write_or_dead<S>(
    sock: &mut S,
    buf: &[u8],
    pushed: &Notify,
    mailbox: &crate::pubsub::Mailbox,
) -> io::Result<bool>
where
    S: AsyncWrite + Unpin,
{
    let dead = async {
        loop {
            if mailbox.is_closed() {
                return;
            }
            pushed.notified().await;
        }
    };
    tokio::select! {
        r = sock.write_all(buf) => r.map(|_| true),
        _ = dead => Ok(false),
    }
}

/// Sends every queued Pub/Sub push; false if the client must be closed (output buffer
/// limit).
async fn push_out<S>(
    sock: &mut S,
    conn: &mut Conn,
    stats: &crate::admin::Stats,
    pushed: &Notify,
    mailbox: &crate::pubsub::Mailbox,
) -> io::Result<bool>
where
    S: AsyncWrite + Unpin,
{
    let alive = conn.deliver_pushes();
    if !conn.out.is_empty() {
        stats
            .net_output_bytes
            .fetch_add(conn.out.len() as u64, std::sync::atomic::Ordering::Relaxed);
        let written = write_or_dead(sock, &conn.out, pushed, mailbox).await?;
        conn.out.clear();
        if !written {
            return Ok(false);
        }
    }
    Ok(alive)
}
