#!/usr/bin/env bash
# Memory per workload: loads the same data through RESP into a fresh `emu serve` and a fresh
# `redis-server` 7.0 (each in its own process, no persistence), and prints each process's
# RSS growth (RSS after loading minus RSS before) and the ratio emu/redis; then the same data
# loaded in process into `emu::Redis::new()` (examples/memory_load.rs). Then the accuracy of
# each server's INFO `used_memory` (issue 11): its growth over the same load against the RSS
# growth (used/RSS), and its total against the process's RSS.
# Usage: benches/memory.sh [WORKLOAD ...]   (default: all; names below)
# Knobs: RPORT / EPORT (ports of the two servers), CARGO_TARGET_DIR.
# Workloads: strings hashes lists intsets strsets zsets_small zsets_large ttl biglist
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
# Ports can be overridden (several checkouts may run this at once on one machine).
RPORT=${MEMORY_REDIS_PORT:-6419}
EPORT=${MEMORY_EMU_PORT:-6429}
cleanup() {
  redis-cli -p "$RPORT" shutdown nosave >/dev/null 2>&1 || true
  [ -n "${EMU_PID:-}" ] && kill "$EMU_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
cd "$ROOT"
cargo build --release --features cli,server -q
cargo build --release --example memory_load -q
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
EMU="$TARGET/release/emu"
LOADER="$TARGET/release/examples/memory_load"

# RESP for one workload on stdout.
gen() {
  python3 - "$1" <<'PY'
import sys
w = sys.argv[1]
out = sys.stdout.buffer
def cmd(*a):
    parts = [b"*%d\r\n" % len(a)]
    for x in a:
        x = x if isinstance(x, bytes) else str(x).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(x), x))
    out.write(b"".join(parts))
if w == "strings":
    for i in range(1_000_000): cmd("SET", "key:%08d" % i, "value-%08d" % i)
elif w == "hashes":
    for i in range(200_000):
        a = ["HSET", "hash:%08d" % i]
        for f in range(10): a += ["field%d" % f, "value-%06d" % (i % 1000000)]
        cmd(*a)
elif w == "lists":
    for i in range(10_000): cmd("RPUSH", "list:%06d" % i, *["item-%d" % j for j in range(100)])
elif w == "intsets":
    for i in range(10_000): cmd("SADD", "iset:%06d" % i, *[str(i * 100 + j) for j in range(100)])
elif w == "strsets":
    for i in range(10_000): cmd("SADD", "sset:%06d" % i, *["m-%d" % j for j in range(100)])
elif w == "zsets_small":
    for i in range(10_000):
        a = ["ZADD", "zset:%06d" % i]
        for j in range(100): a += [str(j), "member-%d" % j]
        cmd(*a)
elif w == "zsets_large":
    for i in range(10):
        for b in range(0, 100_000, 1000):
            a = ["ZADD", "bigz:%d" % i]
            for j in range(b, b + 1000): a += [str(j), "member-%d" % j]
            cmd(*a)
elif w == "ttl":
    for i in range(1_000_000): cmd("SET", "key:%08d" % i, "value-%08d" % i, "EX", "100000")
elif w == "biglist":
    for b in range(0, 5_000_000, 1000): cmd("RPUSH", "biglist", *["e%d" % j for j in range(b, b + 1000)])
else:
    sys.exit("unknown workload " + w)
PY
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# INFO used_memory in KiB of the server on port $1.
used_kb() { redis-cli -p "$1" info memory | awk -F: '/^used_memory:/ {printf "%d", $2 / 1024}'; }

# The workload's first command on a scratch key, then its deletion (RESP on stdout): each
# server runs it before its first reading, so the growth measured is the data's and not
# the code pages a process faults in the first time it runs a command (about 0.5 MiB of
# emu's larger binary against a few KiB of redis-server's). examples/memory_load.rs does
# the same in process.
warmup() {
  python3 - "$1" <<'PY'
import sys
buf = open(sys.argv[1], "rb").read()
def number(at):
    end = buf.index(b"\r\n", at)
    return int(buf[at + 1:end]), end + 2
n, at = number(0)
args = []
for _ in range(n):
    ln, at = number(at)
    args.append(buf[at:at + ln])
    at += ln + 2
if len(args) > 1:
    args[1] = b"__warmup__"
out = sys.stdout.buffer
for a in (args, [b"DEL", b"__warmup__"]):
    out.write(b"*%d\r\n" % len(a) + b"".join(b"$%d\r\n%s\r\n" % (len(x), x) for x in a))
PY
}

measure_redis() {
  redis-server --port "$RPORT" --daemonize yes --save '' --appendonly no \
    --dir "$WORK" --logfile "$WORK/redis.log" >/dev/null
  until redis-cli -p "$RPORT" ping 2>/dev/null | grep -q PONG; do sleep 0.05; done
  local pid; pid=$(redis-cli -p "$RPORT" info server | awk -F: '/^process_id/ {print $2}' | tr -d '\r')
  redis-cli -p "$RPORT" --pipe < "$WORK/warmup.resp" >/dev/null
  local before; before=$(rss_kb "$pid")
  local ubefore; ubefore=$(used_kb "$RPORT")
  redis-cli -p "$RPORT" --pipe < "$1" >/dev/null
  sleep 1
  local after; after=$(rss_kb "$pid")
  local uafter; uafter=$(used_kb "$RPORT")
  redis-cli -p "$RPORT" shutdown nosave >/dev/null 2>&1 || true
  sleep 0.3
  echo $((after - before)) $((uafter - ubefore)) "$uafter" "$after"
}

measure_emu() {
  "$EMU" serve --port "$EPORT" >/dev/null 2>&1 &
  EMU_PID=$!
  until redis-cli -p "$EPORT" ping 2>/dev/null | grep -q PONG; do sleep 0.05; done
  redis-cli -p "$EPORT" --pipe < "$WORK/warmup.resp" >/dev/null
  local before; before=$(rss_kb "$EMU_PID")
  local ubefore; ubefore=$(used_kb "$EPORT")
  redis-cli -p "$EPORT" --pipe < "$1" >/dev/null
  sleep 1.5
  local after; after=$(rss_kb "$EMU_PID")
  local uafter; uafter=$(used_kb "$EPORT")
  kill "$EMU_PID"; wait "$EMU_PID" 2>/dev/null || true
  EMU_PID=
  echo $((after - before)) $((uafter - ubefore)) "$uafter" "$after"
}

WORKLOADS=("$@")
[ ${#WORKLOADS[@]} -eq 0 ] && WORKLOADS=(strings hashes lists intsets strsets zsets_small zsets_large ttl biglist)
printf '%-12s %12s %12s %8s %14s %8s\n' workload "redis KiB" "emu KiB" "ratio" "embedded KiB" "ratio"
ACC=""
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{if (b == 0) print "-"; else printf "%.2f", a/b}'; }
for w in "${WORKLOADS[@]}"; do
  gen "$w" > "$WORK/$w.resp"
  warmup "$WORK/$w.resp" > "$WORK/warmup.resp"
  read -r r ru rut rrss < <(measure_redis "$WORK/$w.resp")
  read -r e eu eut erss < <(measure_emu "$WORK/$w.resp")
  m=$("$LOADER" "$WORK/$w.resp")
  printf '%-12s %12d %12d %8s %14d %8s\n' "$w" "$r" "$e" "$(ratio "$e" "$r")" "$m" "$(ratio "$m" "$r")"
  ACC+=$(printf '%-12s %10d %10d %6s %10d %10d %6s | %10d %10d %6s %10d %10d %6s' "$w" \
    "$ru" "$r" "$(ratio "$ru" "$r")" "$rut" "$rrss" "$(ratio "$rut" "$rrss")" \
    "$eu" "$e" "$(ratio "$eu" "$e")" "$eut" "$erss" "$(ratio "$eut" "$erss")")$'\n'
  rm -f "$WORK/$w.resp"
done
echo
echo "used_memory accuracy (KiB): growth over the load vs RSS growth, and totals after it"
printf '%-12s %10s %10s %6s %10s %10s %6s | %10s %10s %6s %10s %10s %6s\n' workload \
  "r.used+" "r.rss+" "ratio" "r.used" "r.rss" "ratio" "e.used+" "e.rss+" "ratio" "e.used" "e.rss" "ratio"
printf '%s' "$ACC"
