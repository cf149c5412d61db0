#!/usr/bin/env bash
# Stream figures for emu vs redis-server, measured in one run on this machine:
#
#  1. memory: RSS of each server after 1,000,000 `XADD s * a <i> b <i>` (two small fields),
#     loaded through `redis-cli --pipe`, minus the RSS of the empty server;
#  2. throughput: redis-benchmark `XADD s * f v` at -P 1 and -P 16, and
#     `XRANGE s - + COUNT 100` on a 1,000-entry stream, emu/redis requests-per-second ratio.
#
#   benches/streams.sh                 # builds the release emu first
#   N=200000 N_P16=1000000 CLIENTS=50 ENTRIES=1000000 REPEAT=3 benches/streams.sh
#
# A benchmark, not a test: numbers depend on the machine; the best of REPEAT runs counts.
set -euo pipefail

cd "$(dirname "$0")/.."
N=${N:-200000}
N_P16=${N_P16:-1000000}
CLIENTS=${CLIENTS:-50}
ENTRIES=${ENTRIES:-1000000}
REPEAT=${REPEAT:-3}
TARGET=${CARGO_TARGET_DIR:-target}

cargo build --release --features cli,server --bin emu >&2

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
EMU_PORT=$(free_port)
REDIS_PORT=$(free_port)
"$TARGET/release/emu" serve --port "$EMU_PORT" >/dev/null &
EMU_PID=$!
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --logfile '' >/dev/null &
REDIS_PID=$!
TMP=$(mktemp -d)
cleanup() { kill "$EMU_PID" "$REDIS_PID" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
for port in "$EMU_PORT" "$REDIS_PORT"; do
  for _ in $(seq 100); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.05
  done
done

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

# 1. Memory.
python3 - "$ENTRIES" > "$TMP/xadd.resp" <<'PY'
import sys
n = int(sys.argv[1])
out = sys.stdout
for i in range(n):
    v = str(i)
    out.write(f"*7\r\n$4\r\nXADD\r\n$1\r\ns\r\n$1\r\n*\r\n$1\r\na\r\n${len(v)}\r\n{v}\r\n$1\r\nb\r\n${len(v)}\r\n{v}\r\n")
PY
E0=$(rss_kb "$EMU_PID"); R0=$(rss_kb "$REDIS_PID")
redis-cli -p "$EMU_PORT" --pipe < "$TMP/xadd.resp" >/dev/null
redis-cli -p "$REDIS_PORT" --pipe < "$TMP/xadd.resp" >/dev/null
sleep 1
E1=$(rss_kb "$EMU_PID"); R1=$(rss_kb "$REDIS_PID")
echo "memory after $ENTRIES entries (two small fields):"
printf '  %-6s rss %8d KiB  (empty %6d KiB, entries %8d KiB)  XLEN %s\n' emu "$E1" "$E0" $((E1 - E0)) "$(redis-cli -p "$EMU_PORT" xlen s)"
printf '  %-6s rss %8d KiB  (empty %6d KiB, entries %8d KiB)  XLEN %s\n' redis "$R1" "$R0" $((R1 - R0)) "$(redis-cli -p "$REDIS_PORT" xlen s)"
python3 -c "print('  ratio emu/redis: rss %.2f, entries %.2f' % ($E1/$R1, ($E1-$E0)/max(1,$R1-$R0)))"
redis-cli -p "$EMU_PORT" flushall >/dev/null
redis-cli -p "$REDIS_PORT" flushall >/dev/null
rm -f "$TMP/xadd.resp"

# 2. Throughput.
# Requests per run: -P 16 gets more (N_P16), so that a run lasts long enough (at ~800 K/s,
# 200 K requests are a quarter of a second, mostly the 50 clients connecting).
requests() { if [ "$1" = 16 ]; then echo "$N_P16"; else echo "$N"; fi; }
rps() { # port pipeline command...
  local port=$1 p=$2; shift 2
  redis-benchmark -p "$port" -c "$CLIENTS" -n "$(requests "$p")" -P "$p" --csv "$@" 2>/dev/null | tail -n 1 | tr -d '"' | awk -F, '{ print $2 }'
}
# Alternating runs (emu, redis, emu, …); the best of REPEAT per server counts.
compare() { # label pipeline command...
  local label=$1 p=$2; shift 2
  local e=0 r=0
  for _ in $(seq "$REPEAT"); do
    e=$(python3 -c "print(max($e, float('$(rps "$EMU_PORT" "$p" "$@")')))")
    r=$(python3 -c "print(max($r, float('$(rps "$REDIS_PORT" "$p" "$@")')))")
  done
  printf '%-28s %4s %12.0f %12.0f %7.2f\n' "$label" "$p" "$e" "$r" "$(python3 -c "print($e/$r)")"
}
printf '%-28s %4s %12s %12s %7s\n' test P emu_rps redis_rps ratio
for P in 1 16; do
  compare "XADD s * f v" "$P" XADD s '*' f v
done
for port in "$EMU_PORT" "$REDIS_PORT"; do
  redis-cli -p "$port" del r >/dev/null
  python3 -c "
import sys
for j in range(1000):
    sys.stdout.write('*5\r\n\$4\r\nXADD\r\n\$1\r\nr\r\n\$1\r\n*\r\n\$1\r\nf\r\n\$1\r\nv\r\n')
" | redis-cli -p "$port" --pipe >/dev/null
done
for P in 1 16; do
  N_P16=$N compare "XRANGE r - + COUNT 100" "$P" XRANGE r - + COUNT 100
done
