#!/usr/bin/env bash
# Issue 14's SORT figures, side by side in one run: SORT of a 10,000-element list through
# `emu serve` and through redis-server (same client, redis-benchmark).
#
#   benches/sort_compare.sh                  # builds target/release/emu first
#   N=200 CLIENTS=1 REPEAT=3 benches/sort_compare.sh
#
# The list holds 10,000 random integers (the same RESP stream on both servers), with a
# weight key `w_<n>` per element; the replies are checked equal before timing. Measured:
#   SORT big                          numeric, whole list (the 10,000-element reply included)
#   SORT big ALPHA LIMIT 0 10         string order, first ten
#   SORT big BY w_* LIMIT 0 10        numeric by weight keys (10,000 lookups)
#   SORT big LIMIT 0 10 STORE dst     numeric, stored
# Each test runs REPEAT times per server, alternating; the best run of each counts.
# Ratio = emu/redis requests per second (>= 1.0: emu is as fast).
set -euo pipefail

cd "$(dirname "$0")/.."
N=${N:-200}
source benches/compare_lib.sh

python3 - "$SCRATCH/load.resp" <<'PY'
import random, sys
def cmd(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out
rng = random.Random(14)
items = [rng.randrange(-10**9, 10**9) for _ in range(10000)]
with open(sys.argv[1], "wb") as f:
    for start in range(0, len(items), 1000):
        f.write(cmd(b"RPUSH", b"big", *items[start:start + 1000]))
    for i in items:
        f.write(cmd(b"SET", b"w_%d" % i, rng.randrange(10**6)))
PY
for port in "$EMU_PORT" "$REDIS_PORT"; do
  redis-cli -p "$port" --pipe < "$SCRATCH/load.resp" >/dev/null
done
TESTS=("SORT big" "SORT big ALPHA LIMIT 0 10" "SORT big BY w_* LIMIT 0 10" "SORT big LIMIT 0 10 STORE dst")
for c in "${TESTS[@]}"; do
  a=$(redis-cli -p "$EMU_PORT" $c | md5sum); b=$(redis-cli -p "$REDIS_PORT" $c | md5sum)
  [ "$a" = "$b" ] || { echo "error: $c: replies differ" >&2; exit 1; }
done
echo "# replies equal on both servers"


printf '%-32s %12s %12s %8s\n' command emu_rps redis_rps ratio
for c in "${TESTS[@]}"; do
  best_e=0; best_r=0
  for _ in $(seq "$REPEAT"); do
    e=$(rps "$EMU_PORT" $c); r=$(rps "$REDIS_PORT" $c)
    best_e=$(awk -v a="$best_e" -v b="$e" 'BEGIN { print (b > a ? b : a) }')
    best_r=$(awk -v a="$best_r" -v b="$r" 'BEGIN { print (b > a ? b : a) }')
  done
  ratio=$(awk -v e="$best_e" -v r="$best_r" 'BEGIN { if (r > 0) printf "%.2f", e / r; else print "n/a" }')
  printf '%-32s %12s %12s %8s\n' "$c" "$best_e" "$best_r" "$ratio"
done
