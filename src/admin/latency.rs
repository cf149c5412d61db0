//! LATENCY LATEST / HISTORY / RESET / GRAPH / DOCTOR / HISTOGRAM / HELP (Redis 7.0's
//! `latency.c`), over what the dispatcher records ([`crate::engine::observe`]).
//!
//! Events: emu records the two per-command events of Redis, `command` and `fast-command`
//! (a command's run time, when at least `latency-monitor-threshold` ms; 0 turns the
//! monitor off). Redis's other events have no counterpart here or are not wired yet:
//! `fork`, `rdb-*`, `aof-*` (emu has no fork and its log is written by the persistence
//! room), `expire-cycle`, `eviction-del`, `eviction-cycle` (not recorded: the active expiry
//! and eviction loops are bounded per command). Each event keeps one sample per second (the
//! highest), the last 160, and its all-time maximum, as Redis does.
//!
//! LATENCY HISTOGRAM reports the per-command histograms `latency-tracking` keeps: calls and
//! the cumulative count at each power-of-two µs bound. Redis's hdr_histogram and emu's
//! histogram ([`crate::engine::observe::Histogram`], ~1.5% relative precision) bucket
//! differently, so the bounds printed are Redis's (1, 2, 4, 8, 16, 33, 66, …) but a value
//! near a bound may fall on the other side.

use crate::engine::observe::{stat_name, LatencyEvent, SUBCOMMANDS};
use crate::engine::spec::{dispatch_sub, help_reply, Sub};
use crate::engine::Ctx;
use crate::error::{Error, Result};
use crate::value::Value;

fn unix_secs() -> u64 {
    super::unix_ms() / 1000
}

/// # Format
/// `LATENCY LATEST` — `[event, time of the latest sample, latest ms, all-time max ms]` each.
fn latest(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(Value::Array(
        ctx.store
            .observer
            .latency
            .iter()
            .map(|(name, ev)| {
                let (t, ms) = ev.samples.back().copied().unwrap_or((0, 0));
                Value::Array(vec![
                    Value::bulk(name.clone()),
                    Value::Int(t as i64),
                    Value::Int(ms as i64),
                    Value::Int(ev.max as i64),
                ])
            })
            .collect(),
    ))
}

/// The event named exactly `name` (HISTORY and GRAPH look events up case-sensitively in
/// Redis; RESET does not).
fn event<'a>(ctx: &'a Ctx, name: &[u8]) -> Option<(&'a String, &'a LatencyEvent)> {
    ctx.store
        .observer
        .latency
        .iter()
        .find(|(n, _)| n.as_bytes() == name)
}

/// # Format
/// `LATENCY HISTORY event` — `[time, ms]` per sample, oldest first.
fn history(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let samples = event(ctx, argv[2])
        .map(|(_, ev)| {
            ev.samples
                .iter()
                .map(|&(t, ms)| Value::Array(vec![Value::Int(t as i64), Value::Int(ms as i64)]))
                .collect()
        })
        .unwrap_or_default();
    Ok(Value::Array(samples))
}

/// # Format
/// `LATENCY RESET [event …]` — the number of events reset.
fn reset(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let events = &mut ctx.store.observer.latency;
    if argv.len() == 2 {
        let n = events.len();
        events.clear();
        return Ok(Value::Int(n as i64));
    }
    let mut n = 0;
    for name in &argv[2..] {
        let found: Vec<String> = events
            .keys()
            .filter(|k| k.as_bytes().eq_ignore_ascii_case(name))
            .cloned()
            .collect();
        for k in found {
            events.remove(&k);
            n += 1;
        }
    }
    Ok(Value::Int(n))
}

/// Redis's `sparklineRender` with 4 rows and the fill charset, for `(value, label)`
/// samples, in chunks of `columns`.
fn sparkline(samples: &[(f64, String)], columns: usize, rows: usize) -> String {
    const CHARS: &[u8] = b"_o#";
    let (min, max) = samples
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), (v, _)| {
            (lo.min(*v), hi.max(*v))
        });
    let mut relmax = max - min;
    if relmax == 0.0 {
        relmax = 1.0;
    }
    let steps = (CHARS.len() * rows) as i64;
    let labels = samples.iter().any(|(_, l)| !l.is_empty());
    let mut out = String::new();
    for (chunk_no, chunk) in samples.chunks(columns).enumerate() {
        if chunk_no > 0 {
            out.push('\n');
        }
        let mut row = 0usize;
        loop {
            let mut more = false;
            let mut line = vec![b' '; chunk.len()];
            for (j, (v, label)) in chunk.iter().enumerate() {
                let relval = v - min;
                let step = (((relval * steps as f64) as i64 as f64) / relmax) as i64;
                let step = step.clamp(0, steps - 1);
                if row < rows {
                    let idx = step - ((rows - row - 1) * CHARS.len()) as i64;
                    more = true;
                    if idx >= 0 && (idx as usize) < CHARS.len() {
                        line[j] = CHARS[idx as usize];
                    } else if idx >= CHARS.len() as i64 {
                        line[j] = b'|';
                    }
                } else {
                    // One blank row between the graph and the labels.
                    if labels && row - rows < 1 {
                        more = true;
                        break;
                    }
                    let at = row - rows - 1;
                    if let Some(&c) = label.as_bytes().get(at) {
                        more = true;
                        line[j] = c;
                    }
                }
            }
            if !more {
                break;
            }
            row += 1;
            out.push_str(&String::from_utf8_lossy(&line));
            out.push('\n');
        }
    }
    out
}

/// # Format
/// `LATENCY GRAPH event` — Redis's ASCII graph of the event's samples.
fn graph(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let Some((name, ev)) = event(ctx, argv[2]) else {
        return Err(Error::err(crate::engine::sanitize(&format!(
            "No samples available for event '{}'",
            String::from_utf8_lossy(argv[2])
        ))));
    };
    let now = unix_secs();
    let samples: Vec<(f64, String)> = ev
        .samples
        .iter()
        .map(|&(t, ms)| {
            let e = now.saturating_sub(t);
            let label = if e < 60 {
                format!("{e}s")
            } else if e < 3600 {
                format!("{}m", e / 60)
            } else if e < 86400 {
                format!("{}h", e / 3600)
            } else {
                format!("{}d", e / 86400)
            };
            (ms as f64, label)
        })
        .collect();
    let hi = ev.samples.iter().map(|s| s.1).max().unwrap_or(0);
    let lo = ev.samples.iter().map(|s| s.1).min().unwrap_or(0);
    let mut out = format!(
        "{name} - high {hi} ms, low {lo} ms (all time high {} ms)\n",
        ev.max
    );
    out.push_str(&"-".repeat(80));
    out.push('\n');
    out.push_str(&sparkline(&samples, 80, 4));
    Ok(Value::Verbatim("txt".into(), out.into_bytes()))
}

/// Anonymous huge pages of this process (Redis's THP advice), kB.
fn anon_huge_pages_kb() -> u64 {
    std::fs::read_to_string("/proc/self/smaps_rollup")
        .ok()
        .and_then(|s| {
            let l = s.lines().find(|l| l.starts_with("AnonHugePages:"))?;
            l.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

/// # Format
/// `LATENCY DOCTOR` — Redis's report (`createLatencyReport`) for the events emu records.
fn doctor(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    let cfg = &ctx.store.config;
    let events = &ctx.store.observer.latency;
    let mut r = String::new();
    if events.is_empty() && cfg.latency_monitor_threshold == 0 {
        r.push_str("I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n");
        return Ok(Value::Verbatim("txt".into(), r.into_bytes()));
    }
    let now = unix_secs();
    let (mut slowlog_enabled, mut slowlog_tuning, mut slowlog_inspect) = (false, false, false);
    let (mut scheduler, mut large_objects) = (false, false);
    let mut advices = 0;
    for (n, (name, ev)) in events.iter().enumerate() {
        if n == 0 {
            r.push_str("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n");
        }
        let samples = ev.samples.len() as u64;
        let sum: u64 = ev.samples.iter().map(|s| s.1).sum();
        let avg = sum.checked_div(samples).unwrap_or(0);
        let oldest = ev.samples.iter().map(|s| s.0).min().unwrap_or(now);
        let period = now.saturating_sub(oldest).max(1);
        let mad = ev
            .samples
            .iter()
            .map(|s| (avg as i64 - s.1 as i64).unsigned_abs())
            .sum::<u64>()
            .checked_div(samples)
            .unwrap_or(0);
        r.push_str(&format!(
            "{}. {name}: {samples} latency spikes (average {avg}ms, mean deviation {mad}ms, period {:.2} sec). Worst all time event {}ms.",
            n + 1,
            period as f64 / samples.max(1) as f64,
            ev.max
        ));
        if name == "command" {
            if cfg.slowlog_log_slower_than < 0 {
                slowlog_enabled = true;
                advices += 1;
            } else if cfg.slowlog_log_slower_than / 1000 > cfg.latency_monitor_threshold {
                slowlog_tuning = true;
                advices += 1;
            }
            slowlog_inspect = true;
            large_objects = true;
            advices += 2;
        }
        if name == "fast-command" {
            scheduler = true;
            advices += 1;
        }
        r.push('\n');
    }
    let thp = anon_huge_pages_kb() > 0;
    if thp {
        advices += 1;
    }
    let threshold_us = cfg.latency_monitor_threshold.max(0) as u64 * 1000;
    if events.is_empty() && advices == 0 {
        r.push_str("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n");
    } else if !events.is_empty() && advices == 0 {
        r.push_str("\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n");
    } else {
        r.push_str("\nI have a few advices for you:\n\n");
        if slowlog_enabled {
            r.push_str(&format!("- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than {threshold_us}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n"));
        }
        if slowlog_tuning {
            r.push_str(&format!("- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than {threshold_us}'.\n"));
        }
        if slowlog_inspect {
            r.push_str("- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n");
        }
        if scheduler {
            r.push_str("- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n  1) Lower the system load.\n  2) Use a computer / VM just for Redis if you are running other software in the same system.\n  3) Check if you have a \"noisy neighbour\" problem.\n  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n");
        }
        if large_objects {
            r.push_str("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n");
        }
        if thp {
            r.push_str("- I detected a non zero amount of anonymous huge pages used by your process. This creates very serious latency events in different conditions, especially when Redis is persisting on disk. To disable THP support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it into /etc/rc.local so that the command will be executed again after a reboot. Note that even if you have already disabled THP, you still need to restart the Redis process to get rid of the huge pages already created.\n");
        }
    }
    Ok(Value::Verbatim("txt".into(), r.into_bytes()))
}

/// One command's histogram entry: `{calls, histogram_usec: {bound: cumulative}}`.
fn histogram_entry(name: &str, c: &crate::engine::observe::CommandStat) -> (Value, Value) {
    let buckets = c
        .latency
        .cumulative_usec()
        .into_iter()
        .map(|(us, n)| (Value::Int(us as i64), Value::Int(n as i64)))
        .collect();
    (
        Value::bulk(name),
        Value::Map(vec![
            (Value::bulk("calls"), Value::Int(c.latency.count as i64)),
            (Value::bulk("histogram_usec"), Value::Map(buckets)),
        ]),
    )
}

/// # Format
/// `LATENCY HISTOGRAM [command …]` — per command (a container names all its subcommands;
/// unknown names and commands without samples are skipped).
fn histogram(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let stats = &ctx.store.observer.commands;
    let mut out = Vec::new();
    let mut push = |name: &str| {
        if let Some(c) = stats.get(name).filter(|c| c.latency.count > 0) {
            out.push(histogram_entry(name, c));
        }
    };
    if argv.len() == 2 {
        let mut names: Vec<&String> = stats.keys().collect();
        names.sort();
        for n in names {
            push(n);
        }
        return Ok(Value::Map(out));
    }
    let table = ctx.store.table();
    for a in &argv[2..] {
        let text = String::from_utf8_lossy(a).to_ascii_lowercase();
        match text.split_once('|') {
            Some((cmd, _)) => {
                let known = SUBCOMMANDS.iter().any(|(c, subs)| {
                    *c == cmd && subs.iter().any(|(s, _)| text == format!("{c}|{s}"))
                });
                if known && table.get(cmd.as_bytes()).is_some() {
                    push(&text);
                }
            }
            None => {
                let Some(spec) = table.get(text.as_bytes()) else {
                    continue;
                };
                if let Some(name) = stat_name(spec, &[a]) {
                    push(&name);
                }
                if let Some((_, subs)) = SUBCOMMANDS.iter().find(|(c, _)| *c == spec.name) {
                    let mut names: Vec<String> = subs
                        .iter()
                        .map(|(s, _)| format!("{}|{s}", spec.name))
                        .collect();
                    names.sort();
                    for n in names {
                        push(&n);
                    }
                }
            }
        }
    }
    Ok(Value::Map(out))
}

fn help(_ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(help_reply(
        "latency",
        &[
            "DOCTOR",
            "    Return a human readable latency analysis report.",
            "GRAPH <event>",
            "    Return an ASCII latency graph for the <event> class.",
            "HISTORY <event>",
            "    Return time-latency samples for the <event> class.",
            "LATEST",
            "    Return the latest latency samples for all events.",
            "RESET [<event> ...]",
            "    Reset latency data of one or more <event> classes.",
            "    (default: reset all data for all event classes)",
            "HISTOGRAM [COMMAND ...]",
            "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
            "    If no commands are specified then all histograms are replied.",
        ],
    ))
}

const SUBS: &[Sub] = &[
    Sub {
        name: "latest",
        arity: 2,
        handler: latest,
    },
    Sub {
        name: "history",
        arity: 3,
        handler: history,
    },
    Sub {
        name: "reset",
        arity: -2,
        handler: reset,
    },
    Sub {
        name: "graph",
        arity: 3,
        handler: graph,
    },
    Sub {
        name: "doctor",
        arity: 2,
        handler: doctor,
    },
    Sub {
        name: "histogram",
        arity: -2,
        handler: histogram,
    },
    Sub {
        name: "help",
        arity: 2,
        handler: help,
    },
];

/// # Format
/// `LATENCY LATEST | HISTORY event | RESET [event …] | GRAPH event | DOCTOR |
/// HISTOGRAM [command …] | HELP`
pub fn latency(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    dispatch_sub("latency", SUBS, ctx, argv)
}

#[cfg(test)]
mod tests {
    use super::sparkline;

    #[test]
    fn sparkline_as_redis() {
        // One sample: the bottom row, a blank row, then the label downwards.
        assert_eq!(
            sparkline(&[(30.0, "0s".into())], 80, 4),
            " \n \n \n_\n \n0\ns\n"
        );
        let g = sparkline(&[(10.0, "2s".into()), (40.0, "1s".into())], 80, 4);
        assert_eq!(g, " #\n |\n |\n_|\n  \n21\nss\n");
    }
}
