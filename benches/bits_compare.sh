#!/usr/bin/env bash
# Issue 14's performance figures, side by side in one run: BITCOUNT of a 1 MB string and
# PFCOUNT of a dense HyperLogLog, through `emu serve` and through redis-server (same client,
# redis-benchmark), then in-process (`cargo bench --bench bits`).
#
#   benches/bits_compare.sh                  # builds target/release/emu first
#   N=20000 CLIENTS=1 REPEAT=3 benches/bits_compare.sh
#
# Three commands are measured on each server:
#   BITCOUNT big           1 MB of random bytes
#   PFCOUNT dense          cached cardinality (the common case after the first count)
#   PFCOUNT dense dense2   two dense HLLs merged into a temporary and counted (no cache)
# and the HLL bytes are checked equal between the servers before timing. Each test runs
# REPEAT times per server, alternating; the best run of each counts. Ratio = emu/redis
# requests per second (>= 1.0: emu is as fast).
set -euo pipefail

cd "$(dirname "$0")/.."
N=${N:-20000}
source benches/compare_lib.sh

# The data: 1 MB of random bytes; two dense HLLs (20000 and 30000 elements) from the
# same RESP stream on both servers.
head -c 1048576 /dev/urandom > "$SCRATCH/big"
python3 - "$SCRATCH/load.resp" <<'PY'
import sys
def cmd(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out
with open(sys.argv[1], "wb") as f:
    for key, n in ((b"dense", 20000), (b"dense2", 30000)):
        for start in range(0, n, 1000):
            f.write(cmd(b"PFADD", key, *[b"%s:%d" % (key, i) for i in range(start, start + 1000)]))
PY
for port in "$EMU_PORT" "$REDIS_PORT"; do
  redis-cli -p "$port" -x SET big < "$SCRATCH/big" >/dev/null
  redis-cli -p "$port" --pipe < "$SCRATCH/load.resp" >/dev/null
  redis-cli -p "$port" PFCOUNT dense >/dev/null
done
for k in dense dense2; do
  a=$(redis-cli -p "$EMU_PORT" --no-raw GET "$k" | md5sum)
  b=$(redis-cli -p "$REDIS_PORT" --no-raw GET "$k" | md5sum)
  [ "$a" = "$b" ] || { echo "error: HLL $k differs between emu and redis" >&2; exit 1; }
done
for c in "BITCOUNT big" "PFCOUNT dense" "PFCOUNT dense dense2" "PFDEBUG ENCODING dense"; do
  a=$(redis-cli -p "$EMU_PORT" $c); b=$(redis-cli -p "$REDIS_PORT" $c)
  [ "$a" = "$b" ] || { echo "error: $c: emu $a, redis $b" >&2; exit 1; }
  echo "# $c -> $a (both)"
done


printf '%-24s %14s %14s %8s\n' command emu_rps redis_rps ratio
# GET of a short string first: the servers' per-request cost, for reference.
redis-cli -p "$EMU_PORT" SET small v >/dev/null
redis-cli -p "$REDIS_PORT" SET small v >/dev/null
for c in "GET small" "BITCOUNT big" "PFCOUNT dense" "PFCOUNT dense dense2"; do
  best_e=0; best_r=0
  for _ in $(seq "$REPEAT"); do
    e=$(rps "$EMU_PORT" $c); r=$(rps "$REDIS_PORT" $c)
    best_e=$(awk -v a="$best_e" -v b="$e" 'BEGIN { print (b > a ? b : a) }')
    best_r=$(awk -v a="$best_r" -v b="$r" 'BEGIN { print (b > a ? b : a) }')
  done
  ratio=$(awk -v e="$best_e" -v r="$best_r" 'BEGIN { if (r > 0) printf "%.2f", e / r; else print "n/a" }')
  printf '%-24s %14s %14s %8s\n' "$c" "$best_e" "$best_r" "$ratio"
done

echo
echo "# in-process (emu::Redis::execute, no network):"
cargo bench --bench bits 2>/dev/null | grep -E '^(bits|  )' || true
