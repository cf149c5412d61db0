#!/usr/bin/env bash
# Issue 17's performance figures, in one run: `emu load` of a 1,000,000-key RDB file
# written by redis-server vs redis-server loading the same file at start, and the
# throughput of `emu dump --format rdb` on the loaded directory.
#
#   benches/rdb_load_compare.sh            # N=1000000, REPEAT=3
#   N=200000 REPEAT=1 benches/rdb_load_compare.sh
#
# Data: N keys, a mix like a cache/session store: 70% strings (int and 20-60 byte text),
# 10% small hashes (5 fields), 10% small lists (8 elements), 5% intsets (6 members),
# 5% small sorted sets (6 members); 20% of the keys have a TTL. redis-server receives it
# over `redis-cli --pipe` and SAVEs; that dump.rdb is the input of both loads.
# Redis's time is the "DB loaded from disk" figure of its log; emu's is the wall time of
# `emu load DIR dump.rdb` (parse, build the store, write and fsync its snapshot). Each load
# runs REPEAT times; the best counts. Ratio = emu/redis time (<= 1.0: emu is as fast).
set -euo pipefail

cd "$(dirname "$0")/.."
N=${N:-1000000}
REPEAT=${REPEAT:-3}
TARGET=${CARGO_TARGET_DIR:-target}
for tool in redis-server redis-cli python3; do
  command -v "$tool" >/dev/null || { echo "error: $tool not on PATH" >&2; exit 1; }
done
cargo build --release --features cli,server --bin emu --example rdb_time >&2
EMU="$TARGET/release/emu"
PHASES="$TARGET/release/examples/rdb_time"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
WORK=$(mktemp -d)
trap 'redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

python3 - "$N" > "$WORK/data.resp" <<'PY'
import sys, random
n = int(sys.argv[1]); r = random.Random(17); out = sys.stdout.buffer
def cmd(*a):
    b = [b"*%d\r\n" % len(a)]
    for x in a:
        x = x if isinstance(x, bytes) else str(x).encode()
        b.append(b"$%d\r\n%s\r\n" % (len(x), x))
    out.write(b"".join(b))
for i in range(n):
    k = b"key:%d" % i
    t = r.random()
    if t < 0.35:
        cmd(b"SET", k, r.randrange(10**9))
    elif t < 0.70:
        cmd(b"SET", k, b"value-%d-" % i + b"x" * r.randrange(10, 50))
    elif t < 0.80:
        cmd(b"HSET", k, *sum(([b"f%d" % j, b"v%d" % r.randrange(1000)] for j in range(5)), []))
    elif t < 0.90:
        cmd(b"RPUSH", k, *[b"item-%d" % r.randrange(10**6) for _ in range(8)])
    elif t < 0.95:
        cmd(b"SADD", k, *[r.randrange(10**6) for _ in range(6)])
    else:
        cmd(b"ZADD", k, *sum(([r.randrange(1000), b"m%d" % j] for j in range(6)), []))
    if r.random() < 0.2:
        cmd(b"PEXPIREAT", k, 4102444800000 + r.randrange(10**6))
PY

mkdir -p "$WORK/redis"
redis-server --port "$PORT" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
  --dir "$WORK/redis" --logfile "$WORK/redis/build.log" >/dev/null
until redis-cli -p "$PORT" ping >/dev/null 2>&1; do sleep 0.05; done
redis-cli -p "$PORT" --pipe < "$WORK/data.resp" >/dev/null
[ "$(redis-cli -p "$PORT" dbsize)" = "$N" ] || { echo "redis has $(redis-cli -p "$PORT" dbsize) keys" >&2; exit 1; }
redis-cli -p "$PORT" save >/dev/null
redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1 || true
while redis-cli -p "$PORT" ping >/dev/null 2>&1; do sleep 0.05; done
RDB="$WORK/redis/dump.rdb"
RDB_BYTES=$(stat -c %s "$RDB")

best() { if [ -z "$1" ] || awk -v a="$2" -v b="$1" 'BEGIN{exit !(a<b)}'; then echo "$2"; else echo "$1"; fi; }
redis_best=""; emu_best=""; dump_best=""
for i in $(seq "$REPEAT"); do
  log="$WORK/redis/load$i.log"
  redis-server --port "$PORT" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
    --dir "$WORK/redis" --dbfilename dump.rdb --logfile "$log" >/dev/null
  until redis-cli -p "$PORT" ping 2>/dev/null | grep -q PONG; do sleep 0.05; done
  secs=$(grep -o 'DB loaded from disk: [0-9.]* seconds' "$log" | grep -o '[0-9.]*' | head -1)
  redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1 || true
  while redis-cli -p "$PORT" ping >/dev/null 2>&1; do sleep 0.05; done
  redis_best=$(best "$redis_best" "$(awk -v s="$secs" 'BEGIN{printf "%.1f", s*1000}')")

  rm -rf "$WORK/emu"
  t0=$(date +%s%N)
  "$EMU" load "$WORK/emu" "$RDB" >/dev/null 2>&1
  t1=$(date +%s%N)
  emu_best=$(best "$emu_best" "$(( (t1 - t0) / 1000000 ))")

  t0=$(date +%s%N)
  "$EMU" dump "$WORK/emu" --format rdb -o "$WORK/out.rdb" 2>/dev/null
  t1=$(date +%s%N)
  dump_best=$(best "$dump_best" "$(( (t1 - t0) / 1000000 ))")
done
OUT_BYTES=$(stat -c %s "$WORK/out.rdb")
PHASE_LINE=$("$PHASES" "$RDB")

echo "keys:                          $N"
echo "redis dump.rdb bytes:          $RDB_BYTES"
echo "redis load at start (best):    ${redis_best} ms"
echo "emu load DIR dump.rdb (best):  ${emu_best} ms"
awk -v e="$emu_best" -v r="$redis_best" 'BEGIN{printf "ratio emu/redis load time:     %.2f\n", e/r}'
echo "emu in-process phases:         $PHASE_LINE"
echo "emu dump --format rdb (best):  ${dump_best} ms, $OUT_BYTES bytes"
awk -v n="$N" -v b="$OUT_BYTES" -v ms="$dump_best" \
  'BEGIN{printf "emu dump throughput:           %.0f keys/s, %.1f MB/s\n", n/(ms/1000), b/1e6/(ms/1000)}'
