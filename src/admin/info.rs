//! INFO: Redis's sections and field names, filled from the store and (when served) the
//! server's registry and counters.

use std::sync::atomic::Ordering;

use super::{last_save_secs, REDIS_VERSION};
use crate::engine::Ctx;
use crate::error::Result;
use crate::value::Value;

const DEFAULT_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "errorstats",
    "cluster",
    "keyspace",
];

fn human(bytes: u64) -> String {
    let b = bytes as f64;
    if b < 1024.0 {
        format!("{bytes}B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.2}K", b / 1024.0)
    } else if b < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2}M", b / (1024.0 * 1024.0))
    } else {
        format!("{:.2}G", b / (1024.0 * 1024.0 * 1024.0))
    }
}

/// Resident set size of this process, from /proc (0 where unavailable).
fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map(|pages| pages * 4096)
        .unwrap_or(0)
}

fn section(ctx: &Ctx, name: &str, out: &mut String) -> bool {
    let link = ctx.session.link.as_ref();
    let store = &*ctx.store;
    let mut f = |k: &str, v: &dyn std::fmt::Display| {
        out.push_str(k);
        out.push(':');
        out.push_str(&v.to_string());
        out.push_str("\r\n");
    };
    match name {
        "server" => {
            let (uptime, port, run_id) = match link {
                Some(l) => (
                    l.server.started.elapsed().as_secs(),
                    l.server.tcp_port,
                    l.server.run_id.clone(),
                ),
                None => (0, 0, "0".repeat(40)),
            };
            let now_us = store.clock.now_us();
            f("redis_version", &REDIS_VERSION);
            f("redis_git_sha1", &"00000000");
            f("redis_git_dirty", &0);
            f("redis_build_id", &"0");
            f("redis_mode", &super::connection::server_mode(&store.config));
            f("os", &std::env::consts::OS);
            f("arch_bits", &(usize::BITS));
            f("multiplexing_api", &"tokio");
            f("process_id", &std::process::id());
            f("process_supervised", &"no");
            f("run_id", &run_id);
            f("tcp_port", &port);
            f("server_time_usec", &now_us);
            f("uptime_in_seconds", &uptime);
            f("uptime_in_days", &(uptime / 86400));
            f("hz", &store.config.hz);
            f("configured_hz", &store.config.hz);
            f(
                "executable",
                &std::env::current_exe()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            );
            f("config_file", &"");
            f("io_threads_active", &0);
            f("emu_version", &env!("CARGO_PKG_VERSION"));
        }
        "clients" => {
            let connected = link.map(|l| l.server.connected()).unwrap_or(1);
            let maxclients = link.map(|l| l.server.maxclients).unwrap_or(10000);
            f("connected_clients", &connected);
            f("cluster_connections", &0);
            f("maxclients", &maxclients);
            let (recent_in, recent_out) = link
                .map(|l| l.server.recent_max_buffers())
                .unwrap_or((0, 0));
            f("client_recent_max_input_buffer", &recent_in);
            f("client_recent_max_output_buffer", &recent_out);
            f("blocked_clients", &store.blocking.blocked_clients());
            f("tracking_clients", &0);
            f("clients_in_timeout_table", &0);
        }
        "memory" => {
            let rss = rss_bytes();
            let maxmemory = store.config.maxmemory;
            let policy = store.config.maxmemory_policy.name();
            // The store's own estimate (see `keyspace::memory`), not the process's: the
            // figure maxmemory and eviction work with.
            let used = store.used_memory() as u64;
            let peak = (store.memory_peak() as u64).max(used);
            let overhead = (store.memory_overhead() as u64).min(used);
            let dataset = used - overhead;
            let perc = |part: u64, whole: u64| {
                if whole == 0 {
                    "0.00%".to_string()
                } else {
                    format!("{:.2}%", part as f64 * 100.0 / whole as f64)
                }
            };
            f("used_memory", &used);
            f("used_memory_human", &human(used));
            f("used_memory_rss", &rss);
            f("used_memory_rss_human", &human(rss));
            f("used_memory_peak", &peak);
            f("used_memory_peak_human", &human(peak));
            f("used_memory_peak_perc", &perc(used, peak));
            f("used_memory_overhead", &overhead);
            f("used_memory_startup", &0);
            f("used_memory_dataset", &dataset);
            f("used_memory_dataset_perc", &perc(dataset, used));
            f(
                "mem_clients_normal",
                &link.map(|l| l.server.clients_memory()).unwrap_or(0),
            );
            f("maxmemory", &maxmemory);
            f("maxmemory_human", &human(maxmemory));
            f("maxmemory_policy", &policy);
            f("mem_allocator", &"libc");
        }
        "persistence" => {
            f("loading", &(store.loading as u8));
            f("async_loading", &0);
            f("rdb_changes_since_last_save", &store.dirty);
            f("rdb_bgsave_in_progress", &0);
            f("rdb_last_save_time", &last_save_secs(ctx));
            f("rdb_last_bgsave_status", &"ok");
            f("rdb_last_bgsave_time_sec", &-1);
            f("rdb_current_bgsave_time_sec", &-1);
            f("rdb_saves", &0);
            // A store opened on a data directory appends every write to its log, which is
            // what Redis's AOF is: report it as enabled, and a failed log write (writes
            // then get MISCONF) as `err`.
            let logged = store.durability().is_some();
            let write_status = if store.deny_writes().is_some() {
                "err"
            } else {
                "ok"
            };
            f("aof_enabled", &u8::from(logged));
            f("aof_rewrite_in_progress", &0);
            f("aof_rewrite_scheduled", &0);
            f("aof_last_rewrite_time_sec", &-1);
            f("aof_current_rewrite_time_sec", &-1);
            f("aof_last_bgrewrite_status", &"ok");
            f("aof_rewrites", &0);
            f("aof_last_write_status", &write_status);
        }
        "stats" => {
            let st = link.map(|l| &l.server.stats);
            let g = |c: Option<&std::sync::atomic::AtomicU64>| {
                c.map(|c| c.load(Ordering::Relaxed)).unwrap_or(0)
            };
            f(
                "total_connections_received",
                &g(st.map(|s| &s.connections_received)),
            );
            f("total_commands_processed", &store.commands_processed);
            f("instantaneous_ops_per_sec", &0);
            f("total_net_input_bytes", &g(st.map(|s| &s.net_input_bytes)));
            f(
                "total_net_output_bytes",
                &g(st.map(|s| &s.net_output_bytes)),
            );
            f("instantaneous_input_kbps", &"0.00");
            f("instantaneous_output_kbps", &"0.00");
            f(
                "rejected_connections",
                &g(st.map(|s| &s.rejected_connections)),
            );
            f("sync_full", &0);
            f("sync_partial_ok", &0);
            f("sync_partial_err", &0);
            f("expired_keys", &store.expired_keys);
            f("expired_stale_perc", &"0.00");
            f("evicted_keys", &store.evicted_keys());
            f("evicted_clients", &0);
            f("keyspace_hits", &0);
            f("keyspace_misses", &0);
            let (channels, patterns, shard) = store.pubsub.sizes();
            f("pubsub_channels", &channels);
            f("pubsub_patterns", &patterns);
            f("pubsubshard_channels", &shard);
            f("total_error_replies", &g(st.map(|s| &s.error_replies)));
        }
        "replication" => {
            f("role", &"master");
            f("connected_slaves", &0);
            f("master_failover_state", &"no-failover");
            f("master_replid", &"0".repeat(40));
            f("master_repl_offset", &0);
            f("repl_backlog_active", &0);
        }
        "cpu" => {
            f("used_cpu_sys", &"0.000000");
            f("used_cpu_user", &"0.000000");
        }
        "modules" | "errorstats" => {}
        "cluster" => f("cluster_enabled", &u8::from(store.config.cluster_enabled)),
        "keyspace" => {
            let now = store.clock.now_ms();
            for (i, db) in store.dbs.iter().enumerate() {
                let keys = db.len();
                if keys == 0 {
                    continue;
                }
                let expires = db.expires.len();
                let avg_ttl = if expires == 0 {
                    0
                } else {
                    let sum: u128 = db
                        .expires
                        .iter()
                        .map(|(at, _)| at.saturating_sub(now) as u128)
                        .sum();
                    (sum / expires as u128) as u64
                };
                f(
                    &format!("db{i}"),
                    &format!("keys={keys},expires={expires},avg_ttl={avg_ttl}"),
                );
            }
        }
        _ => return false,
    }
    true
}

fn title(name: &str) -> String {
    match name {
        "cpu" => "CPU".into(),
        "errorstats" => "Errorstats".into(),
        _ => {
            let mut c = name.chars();
            match c.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        }
    }
}

/// # Format
/// `INFO [section …]` — sections: server clients memory persistence stats replication cpu
/// modules errorstats cluster keyspace, or `default`, `all`, `everything`.
pub fn info(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    ctx.store.note_memory_peak();
    let mut wanted: Vec<String> = Vec::new();
    if argv.len() == 1 {
        wanted.extend(DEFAULT_SECTIONS.iter().map(|s| s.to_string()));
    }
    for a in &argv[1..] {
        let s = String::from_utf8_lossy(a).to_ascii_lowercase();
        match s.as_str() {
            "default" | "all" | "everything" => {
                wanted.extend(DEFAULT_SECTIONS.iter().map(|s| s.to_string()))
            }
            _ => wanted.push(s),
        }
    }
    // Redis emits sections in its own fixed order, whatever the argument order.
    let mut out = String::new();
    let mut first = true;
    for name in DEFAULT_SECTIONS {
        if !wanted.iter().any(|w| w == name) {
            continue;
        }
        let mut body = String::new();
        if !section(ctx, name, &mut body) {
            continue;
        }
        if !first {
            out.push_str("\r\n");
        }
        first = false;
        out.push_str(&format!("# {}\r\n", title(name)));
        out.push_str(&body);
    }
    Ok(Value::Verbatim("txt".into(), out.into_bytes()))
}
