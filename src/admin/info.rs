//! INFO: Redis's sections and field names, filled from the store and (when served) the
//! server's registry and counters.

use std::sync::atomic::Ordering;

use super::{last_save_secs, REDIS_VERSION};
use crate::engine::Ctx;
use crate::error::Result;
use crate::value::Value;

/// Every section, in the order Redis 7.0 prints them (`INFO everything`).
const ALL_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "commandstats",
    "errorstats",
    "latencystats",
    "cluster",
    "keyspace",
];

/// `INFO` without arguments and `INFO default`: all but commandstats and latencystats.
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

/// CPU time of this process and of its waited-for children, seconds (getrusage).
fn cpu_times() -> [f64; 4] {
    #[allow(unsafe_code)]
    fn usage(who: libc::c_int) -> (f64, f64) {
        // SAFETY: `rusage` is plain old data (all-zero is a valid value), and getrusage
        // only writes the struct it is given a pointer to.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: as above; `ru` outlives the call.
        if unsafe { libc::getrusage(who, &mut ru) } != 0 {
            return (0.0, 0.0);
        }
        let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
        (t(ru.ru_stime), t(ru.ru_utime))
    }
    let (sys, user) = usage(libc::RUSAGE_SELF);
    let (csys, cuser) = usage(libc::RUSAGE_CHILDREN);
    [sys, user, csys, cuser]
}

/// Total memory of the machine (/proc/meminfo), bytes.
fn total_system_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("MemTotal:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

/// `os` as Redis prints it (`uname -s -r -m`).
fn os_line() -> String {
    let read = |p: &str| std::fs::read_to_string(p).map(|s| s.trim().to_string());
    match read("/proc/sys/kernel/osrelease") {
        Ok(rel) => format!("Linux {rel} {}", std::env::consts::ARCH),
        Err(_) => std::env::consts::OS.to_string(),
    }
}

fn section(
    ctx: &Ctx,
    name: &str,
    scripts: &crate::scripting::MemoryReport,
    out: &mut String,
) -> bool {
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
                    l.server.tcp_port(),
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
            f("os", &os_line());
            f("arch_bits", &(usize::BITS));
            f("monotonic_clock", &"POSIX clock_gettime");
            f("multiplexing_api", &"epoll");
            f("atomicvar_api", &"c11-builtin");
            f("gcc_version", &"0.0.0");
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
                "lru_clock",
                &crate::keyspace::memory::lru_clock(store.clock.now_ms()),
            );
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
            let maxclients = store.config.maxclients;
            f("connected_clients", &connected);
            f("cluster_connections", &0);
            f("maxclients", &maxclients);
            let (recent_in, recent_out) = link
                .map(|l| l.server.recent_max_buffers())
                .unwrap_or((0, 0));
            f("client_recent_max_input_buffer", &recent_in);
            f("client_recent_max_output_buffer", &recent_out);
            f("blocked_clients", &store.blocking.blocked_clients());
            f(
                "tracking_clients",
                &super::tracking::info_fields(store)[0].1,
            );
            f("clients_in_timeout_table", &0);
        }
        "memory" => {
            let rss = rss_bytes();
            let maxmemory = store.config.maxmemory;
            let policy = store.config.maxmemory_policy.name();
            // Redis's figure in parts (see `engine::memory`): the one maxmemory and
            // eviction work with.
            let mem = store.memory_report();
            let used = mem.used;
            let peak = (store.memory_peak() as u64).max(used);
            let overhead = mem.overhead();
            let dataset = mem.dataset;
            let perc = |part: u64, whole: u64| {
                if whole == 0 {
                    "0.00%".to_string()
                } else {
                    format!("{:.2}%", part as f64 * 100.0 / whole as f64)
                }
            };
            let ratio = |a: u64, b: u64| {
                if b == 0 {
                    "0.00".to_string()
                } else {
                    format!("{:.2}", a as f64 / b as f64)
                }
            };
            let total = total_system_memory();
            f("used_memory", &used);
            f("used_memory_human", &human(used));
            f("used_memory_rss", &rss);
            f("used_memory_rss_human", &human(rss));
            f("used_memory_peak", &peak);
            f("used_memory_peak_human", &human(peak));
            f("used_memory_peak_perc", &perc(used, peak));
            f("used_memory_overhead", &overhead);
            f("used_memory_startup", &mem.startup);
            f("used_memory_dataset", &dataset);
            f("used_memory_dataset_perc", &perc(dataset, used));
            // Without an allocator of its own to ask, the allocator figures are the
            // store's estimate (allocated/active) and the process RSS (resident).
            f("allocator_allocated", &used);
            f("allocator_active", &used);
            f("allocator_resident", &rss);
            f("total_system_memory", &total);
            f("total_system_memory_human", &human(total));
            let sc = scripts;
            let vm_total = sc.vm_eval + sc.vm_functions;
            let scripts_total = sc.scripts_eval + sc.functions_bytes;
            f("used_memory_lua", &sc.vm_eval);
            f("used_memory_vm_eval", &sc.vm_eval);
            f("used_memory_lua_human", &human(sc.vm_eval));
            f("used_memory_scripts_eval", &sc.scripts_eval);
            f("number_of_cached_scripts", &sc.cached_scripts);
            f("number_of_functions", &sc.functions);
            f("number_of_libraries", &sc.libraries);
            f("used_memory_vm_functions", &sc.vm_functions);
            f("used_memory_vm_total", &vm_total);
            f("used_memory_vm_total_human", &human(vm_total));
            f("used_memory_functions", &sc.functions_bytes);
            f("used_memory_scripts", &scripts_total);
            f("used_memory_scripts_human", &human(scripts_total));
            f("maxmemory", &maxmemory);
            f("maxmemory_human", &human(maxmemory));
            f("maxmemory_policy", &policy);
            f("allocator_frag_ratio", &"1.00");
            f("allocator_frag_bytes", &0);
            f("allocator_rss_ratio", &ratio(rss, used));
            f("allocator_rss_bytes", &rss.saturating_sub(used));
            f("rss_overhead_ratio", &"1.00");
            f("rss_overhead_bytes", &0);
            f("mem_fragmentation_ratio", &ratio(rss, used));
            f("mem_fragmentation_bytes", &(rss as i64 - used as i64));
            f("mem_not_counted_for_evict", &mem.not_counted_for_evict());
            f("mem_replication_backlog", &mem.backlog);
            f(
                "mem_total_replication_buffers",
                &(mem.backlog + mem.clients_replicas),
            );
            f("mem_clients_slaves", &mem.clients_replicas);
            f("mem_clients_normal", &mem.clients_normal);
            f("mem_cluster_links", &0);
            f("mem_aof_buffer", &0);
            f("mem_allocator", &"libc");
            f("active_defrag_running", &0);
            f("lazyfree_pending_objects", &store.lazyfree.pending());
            f("lazyfreed_objects", &store.lazyfree.freed());
        }
        "persistence" => {
            f("loading", &(store.loading as u8));
            f("async_loading", &0);
            f("current_cow_peak", &0);
            f("current_cow_size", &0);
            f("current_cow_size_age", &0);
            f("current_fork_perc", &"0.00");
            f("current_save_keys_processed", &0);
            f("current_save_keys_total", &0);
            // Compactions (emu's one kind is Redis's BGSAVE and BGREWRITEAOF both).
            let durable = store.durability();
            let changes = durable.map_or(store.dirty, |d| d.changes_since_save(store.dirty));
            f("rdb_changes_since_last_save", &changes);
            let bg = match durable {
                Some(d) => d.bg_report(),
                None => crate::engine::BgReport {
                    saves: link.map_or(0, |l| l.server.memory_saves.load(Ordering::Relaxed)),
                    ..Default::default()
                },
            };
            let status = |ok: bool| if ok { "ok" } else { "err" };
            f("rdb_bgsave_in_progress", &u8::from(bg.save_in_progress));
            f("rdb_last_save_time", &last_save_secs(ctx));
            f("rdb_last_bgsave_status", &status(bg.last_save_ok));
            f("rdb_last_bgsave_time_sec", &bg.last_save_secs);
            f("rdb_current_bgsave_time_sec", &bg.current_save_secs);
            f("rdb_saves", &bg.saves);
            f("rdb_last_cow_size", &0);
            f("rdb_last_load_keys_expired", &0);
            f("rdb_last_load_keys_loaded", &0);
            // A store opened on a data directory appends every write to its log, which is
            // what Redis's AOF is: report it as enabled, and a failed log write (writes
            // then get MISCONF) as `err`.
            let logged = store.durability().is_some();
            let write_status = if store.disk_error().is_some() {
                "err"
            } else {
                "ok"
            };
            f("aof_enabled", &u8::from(logged));
            f("aof_rewrite_in_progress", &u8::from(bg.rewrite_in_progress));
            f("aof_rewrite_scheduled", &u8::from(bg.rewrite_scheduled));
            f("aof_last_rewrite_time_sec", &bg.last_rewrite_secs);
            f("aof_current_rewrite_time_sec", &bg.current_rewrite_secs);
            f("aof_last_bgrewrite_status", &status(bg.last_rewrite_ok));
            f("aof_rewrites", &bg.rewrites);
            f(
                "aof_rewrites_consecutive_failures",
                &bg.rewrite_failures_in_a_row,
            );
            f("aof_last_write_status", &write_status);
            f("aof_last_cow_size", &0);
            f("module_fork_in_progress", &0);
            f("module_fork_last_cow_size", &0);
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
            let (ops, kin, kout) = link.map_or((0, 0.0, 0.0), |l| l.server.instantaneous());
            f("total_commands_processed", &store.commands_processed);
            f("instantaneous_ops_per_sec", &ops);
            f("total_net_input_bytes", &g(st.map(|s| &s.net_input_bytes)));
            f(
                "total_net_output_bytes",
                &g(st.map(|s| &s.net_output_bytes)),
            );
            f("total_net_repl_input_bytes", &0);
            f("total_net_repl_output_bytes", &0);
            f("instantaneous_input_kbps", &format!("{kin:.2}"));
            f("instantaneous_output_kbps", &format!("{kout:.2}"));
            f("instantaneous_input_repl_kbps", &"0.00");
            f("instantaneous_output_repl_kbps", &"0.00");
            f(
                "rejected_connections",
                &g(st.map(|s| &s.rejected_connections)),
            );
            f("sync_full", &0);
            f("sync_partial_ok", &0);
            f("sync_partial_err", &0);
            f("expired_keys", &store.expired_keys);
            f("expired_stale_perc", &"0.00");
            f("expired_time_cap_reached_count", &0);
            f("expire_cycle_cpu_milliseconds", &0);
            f("evicted_keys", &store.evicted_keys());
            f("evicted_clients", &g(st.map(|s| &s.evicted_clients)));
            f("total_eviction_exceeded_time", &0);
            f("current_eviction_exceeded_time", &0);
            f("keyspace_hits", &store.keyspace_hits);
            f("keyspace_misses", &store.keyspace_misses);
            let (channels, patterns, shard) = store.pubsub.sizes();
            f("pubsub_channels", &channels);
            f("pubsub_patterns", &patterns);
            f("pubsubshard_channels", &shard);
            f("latest_fork_usec", &0);
            f("total_forks", &0);
            f("migrate_cached_sockets", &store.migrate_sockets.len());
            f("slave_expires_tracked_keys", &0);
            f("active_defrag_hits", &0);
            f("active_defrag_misses", &0);
            f("active_defrag_key_hits", &0);
            f("active_defrag_key_misses", &0);
            f("total_active_defrag_time", &0);
            f("current_active_defrag_time", &0);
            for (name, n) in &super::tracking::info_fields(store)[1..] {
                f(name, n);
            }
            f("unexpected_error_replies", &0);
            // Errors of commands (counted by the dispatcher) and the front end's own
            // (protocol errors, -BUSY, failed durability).
            f(
                "total_error_replies",
                &(store.observer.total_error_replies + g(st.map(|s| &s.error_replies))),
            );
            f("dump_payload_sanitizations", &0);
            f("total_reads_processed", &g(st.map(|s| &s.reads_processed)));
            f(
                "total_writes_processed",
                &g(st.map(|s| &s.writes_processed)),
            );
            f("io_threaded_reads_processed", &0);
            f("io_threaded_writes_processed", &0);
            f("reply_buffer_shrinks", &0);
            f("reply_buffer_expands", &0);
        }
        "replication" => {
            let repl = &store.repl;
            if let Some(fo) = &repl.follow {
                // Redis 7.0 `genRedisInfoString`, replica part.
                let secs = |t: Option<std::time::Instant>| {
                    t.map(|t| t.elapsed().as_secs() as i64).unwrap_or(-1)
                };
                f("role", &"slave");
                f("master_host", &fo.host);
                f("master_port", &fo.port);
                f(
                    "master_link_status",
                    &if fo.is_up() { "up" } else { "down" },
                );
                f(
                    "master_last_io_seconds_ago",
                    &if fo.is_up() { secs(fo.last_io) } else { -1 },
                );
                let syncing = fo.phase == crate::engine::repl::FollowPhase::Sync;
                f("master_sync_in_progress", &u8::from(syncing));
                let off = fo.offset.unwrap_or(0);
                f("slave_read_repl_offset", &off);
                f("slave_repl_offset", &off);
                if syncing {
                    let total = fo.sync_total.map(|t| t as i64).unwrap_or(-1);
                    f("master_sync_total_bytes", &total);
                    f("master_sync_read_bytes", &fo.sync_read);
                    let left = if total < 0 {
                        -1
                    } else {
                        total - fo.sync_read as i64
                    };
                    f("master_sync_left_bytes", &left);
                    let perc = if total > 0 {
                        fo.sync_read as f64 * 100.0 / total as f64
                    } else {
                        0.0
                    };
                    f("master_sync_perc", &format!("{perc:.2}"));
                    f("master_sync_last_io_seconds_ago", &secs(fo.last_io));
                }
                if !fo.is_up() {
                    f("master_link_down_since_seconds", &secs(fo.down_since));
                }
                f(
                    "slave_priority",
                    &crate::engine::repl::config_int(&store.config, "replica-priority", 100),
                );
                f("slave_read_only", &u8::from(store.config.replica_read_only));
                f("replica_announced", &1);
            } else {
                f("role", &"master");
            }
            let online: Vec<_> = repl.replicas.iter().filter(|r| !r.is_closed()).collect();
            f("connected_slaves", &online.len());
            for (i, r) in online.iter().enumerate() {
                let st = r.state();
                let ip = st.announced_ip.clone().unwrap_or_else(|| r.ip.clone());
                f(
                    &format!("slave{i}"),
                    &format!(
                        "ip={ip},port={},state={},offset={},lag={}",
                        st.listening_port,
                        st.phase.name(),
                        st.ack_offset,
                        st.ack_time.elapsed().as_secs()
                    ),
                );
            }
            f("master_failover_state", &repl.failover_state_name());
            let replid = if repl.is_active() {
                Some(repl.replid.clone())
            } else {
                link.map(|l| l.server.repl_id())
            };
            // A replica shows its master's history (id and offset processed).
            let replid = match repl.follow.as_ref().and_then(|fo| fo.replid.clone()) {
                Some(id) => Some(id),
                None => replid,
            };
            f("master_replid", &replid.unwrap_or_else(|| "0".repeat(40)));
            f("master_replid2", &"0".repeat(40));
            let offset = match repl.follow.as_ref().and_then(|fo| fo.offset) {
                Some(o) => o,
                None => repl.offset,
            };
            f("master_repl_offset", &offset);
            f("second_repl_offset", &-1);
            match repl.backlog_info() {
                Some((size, first, histlen)) => {
                    f("repl_backlog_active", &1);
                    f("repl_backlog_size", &size);
                    f("repl_backlog_first_byte_offset", &first);
                    f("repl_backlog_histlen", &histlen);
                }
                None => {
                    f("repl_backlog_active", &0);
                    f("repl_backlog_size", &1048576);
                    f("repl_backlog_first_byte_offset", &0);
                    f("repl_backlog_histlen", &0);
                }
            }
        }
        "cpu" => {
            let [sys, user, csys, cuser] = cpu_times();
            f("used_cpu_sys", &format!("{sys:.6}"));
            f("used_cpu_user", &format!("{user:.6}"));
            f("used_cpu_sys_children", &format!("{csys:.6}"));
            f("used_cpu_user_children", &format!("{cuser:.6}"));
            // emu runs commands on several threads under one lock: the process's figures.
            f("used_cpu_sys_main_thread", &format!("{sys:.6}"));
            f("used_cpu_user_main_thread", &format!("{user:.6}"));
        }
        "modules" => {}
        "commandstats" => {
            let mut names: Vec<(&String, &crate::engine::observe::CommandStat)> =
                store.observer.commands.iter().collect();
            names.sort_by(|a, b| a.0.cmp(b.0));
            for (name, c) in names {
                if c.calls == 0 && c.failed_calls == 0 && c.rejected_calls == 0 {
                    continue;
                }
                let per = if c.calls == 0 {
                    0.0
                } else {
                    c.usec as f64 / c.calls as f64
                };
                f(
                    &format!("cmdstat_{name}"),
                    &format!(
                        "calls={},usec={},usec_per_call={per:.2},rejected_calls={},failed_calls={}",
                        c.calls, c.usec, c.rejected_calls, c.failed_calls
                    ),
                );
            }
        }
        "errorstats" => {
            for (code, n) in &store.observer.errors {
                f(&format!("errorstat_{code}"), &format!("count={n}"));
            }
        }
        "latencystats" => {
            let ps = &store.config.latency_tracking_info_percentiles;
            let mut names: Vec<(&String, &crate::engine::observe::CommandStat)> =
                store.observer.commands.iter().collect();
            names.sort_by(|a, b| a.0.cmp(b.0));
            for (name, c) in names {
                if c.latency.count == 0 {
                    continue;
                }
                let parts: Vec<String> = ps
                    .iter()
                    .map(|&p| {
                        format!(
                            "p{}={:.3}",
                            crate::config::format_percentile(p),
                            c.latency.percentile(p) / 1000.0
                        )
                    })
                    .collect();
                f(
                    &format!("latency_percentiles_usec_{name}"),
                    &parts.join(","),
                );
            }
        }
        "cluster" => f("cluster_enabled", &u8::from(store.config.cluster_enabled)),
        "keyspace" => {
            let now = store.clock.now_ms();
            for (i, db) in store.dbs.iter().enumerate() {
                let keys = db.len();
                if keys == 0 {
                    continue;
                }
                let expires = db.expires_len();
                let avg_ttl = if expires == 0 {
                    0
                } else {
                    let sum: u128 = db
                        .deadlines()
                        .map(|at| at.saturating_sub(now) as u128)
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
/// modules commandstats errorstats latencystats cluster keyspace, or `default`, `all`,
/// `everything` (Redis 7.0's `genInfoSectionDict`: names are case-insensitive, unknown
/// ones are ignored, and the sections come out in Redis's order whatever the order asked).
pub fn info(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    ctx.store.note_memory_peak();
    let mut wanted: Vec<&str> = Vec::new();
    if argv.len() == 1 {
        wanted.extend(DEFAULT_SECTIONS);
    }
    for a in &argv[1..] {
        let s = String::from_utf8_lossy(a).to_ascii_lowercase();
        match s.as_str() {
            "default" => wanted.extend(DEFAULT_SECTIONS),
            "all" | "everything" => wanted.extend(ALL_SECTIONS),
            other => {
                if let Some(n) = ALL_SECTIONS.iter().find(|n| **n == other) {
                    wanted.push(n);
                }
            }
        }
    }
    // The Lua states' figures (made on demand) for the memory section.
    let scripts = if wanted.contains(&"memory") {
        crate::scripting::memory_report(ctx.store)
    } else {
        Default::default()
    };
    let mut out = String::new();
    let mut first = true;
    for name in ALL_SECTIONS {
        if !wanted.contains(name) {
            continue;
        }
        let mut body = String::new();
        if !section(ctx, name, &scripts, &mut body) {
            continue;
        }
        if !first {
            out.push_str("\r\n");
        }
        first = false;
        out.push_str(&format!("# {}\r\n", title(name)));
        out.push_str(&body);
    }
    // `errorstat_<code>` names keep a code's raw bytes (`crate::util::text`).
    let out = match crate::util::text::raw(&out) {
        std::borrow::Cow::Borrowed(_) => out.into_bytes(),
        std::borrow::Cow::Owned(bytes) => bytes,
    };
    Ok(Value::Verbatim("txt".into(), out))
}
