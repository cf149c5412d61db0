#!/usr/bin/env bash
# Opens a 1,000,000-key emu directory (snapshot) and has redis-server load an RDB of the
# same data, in the same run, and prints both times and the ratio.
# Usage: benches/rdb_compare.sh [PORT] [N]     (default port 6409, N 1000000)
set -euo pipefail
PORT=${1:-6409}
N=${2:-1000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
cd "$ROOT"
cargo build --release --example persist_open -q
BIN="$ROOT/target/release/examples/persist_open"
"$BIN" build "$WORK/emu" "$WORK/data.resp" "$N"
mkdir -p "$WORK/redis"
cd "$WORK/redis"
redis-server --port "$PORT" --daemonize yes --save '' --appendonly no --dir "$WORK/redis" \
  --logfile "$WORK/redis/log1" >/dev/null
until redis-cli -p "$PORT" ping >/dev/null 2>&1; do sleep 0.1; done
redis-cli -p "$PORT" --pipe < "$WORK/data.resp" >/dev/null
[ "$(redis-cli -p "$PORT" dbsize)" = "$N" ] || { echo "redis has $(redis-cli -p "$PORT" dbsize) keys"; exit 1; }
redis-cli -p "$PORT" save >/dev/null
redis-cli -p "$PORT" shutdown nosave >/dev/null || true
sleep 0.5
best_redis=""
for i in 1 2 3; do
  redis-server --port "$PORT" --daemonize yes --save '' --appendonly no --dir "$WORK/redis" \
    --dbfilename dump.rdb --logfile "$WORK/redis/log$((i+1))" >/dev/null
  until redis-cli -p "$PORT" ping 2>/dev/null | grep -q PONG; do sleep 0.05; done
  secs=$(grep -o 'DB loaded from disk: [0-9.]* seconds' "$WORK/redis/log$((i+1))" | grep -o '[0-9.]*' | head -1)
  redis-cli -p "$PORT" shutdown nosave >/dev/null || true
  sleep 0.3
  ms=$(awk -v s="$secs" 'BEGIN{printf "%.1f", s*1000}')
  if [ -z "$best_redis" ] || awk -v a="$ms" -v b="$best_redis" 'BEGIN{exit !(a<b)}'; then best_redis=$ms; fi
done
emu_ms=$("$BIN" open "$WORK/emu" 3)
snap=$(ls -l "$WORK"/emu/*.snap | awk '{print $5}')
rdb=$(ls -l "$WORK/redis/dump.rdb" | awk '{print $5}')
echo "keys:                    $N"
echo "emu snapshot bytes:      $snap"
echo "redis RDB bytes:         $rdb"
echo "emu open (best of 3):    ${emu_ms} ms"
echo "redis RDB load (best 3): ${best_redis} ms"
awk -v e="$emu_ms" -v r="$best_redis" 'BEGIN{printf "ratio emu/redis:         %.2f\n", e/r}'
