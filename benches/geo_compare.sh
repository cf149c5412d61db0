#!/usr/bin/env bash
# Issue 14's geo performance figure: GEOSEARCH … BYRADIUS over a 100,000-member geo set,
# through `emu serve` and through redis-server in the same run (same client,
# redis-benchmark, same data loaded from one RESP stream).
#
#   benches/geo_compare.sh                  # builds the release emu first
#   N=2000 CLIENTS=1 REPEAT=3 benches/geo_compare.sh
#
# The set: 100,000 points uniformly in a 10°×10° square around (0, 45). Searches: radius
# 10 km (≈ 30 results), 50 km (≈ 700) and 50 km with COUNT 10 ASC, all from one centre;
# the replies are checked equal between the servers before timing. Each test runs REPEAT
# times per server, alternating; the best run counts. Ratio = redis/emu time per request
# (= emu rps / redis rps); the issue's target is emu's time ≤ 1.5× Redis's, i.e. ratio ≥ 0.67.
set -euo pipefail

cd "$(dirname "$0")/.."
N=${N:-2000}
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
with open(sys.argv[1], "wb") as f:
    for start in range(0, 100000, 1000):
        args = [b"GEOADD", b"places"]
        for i in range(start, start + 1000):
            args += [b"%.6f" % rng.uniform(-5, 5), b"%.6f" % rng.uniform(40, 50), b"p%d" % i]
        f.write(cmd(*args))
PY
for port in "$EMU_PORT" "$REDIS_PORT"; do
  redis-cli -p "$port" --pipe < "$SCRATCH/load.resp" >/dev/null
done
TESTS=(
  "GEOSEARCH places FROMLONLAT 0.1 45.2 BYRADIUS 10 km"
  "GEOSEARCH places FROMLONLAT 0.1 45.2 BYRADIUS 50 km"
  "GEOSEARCH places FROMLONLAT 0.1 45.2 BYRADIUS 50 km ASC COUNT 10 WITHDIST"
)
for c in "ZCARD places" "${TESTS[@]}"; do
  a=$(redis-cli -p "$EMU_PORT" $c | md5sum); b=$(redis-cli -p "$REDIS_PORT" $c | md5sum)
  [ "$a" = "$b" ] || { echo "error: $c differs between emu and redis" >&2; exit 1; }
  echo "# $c -> $(redis-cli -p "$REDIS_PORT" $c | wc -l) lines (both equal)"
done


printf '%-72s %10s %10s %8s\n' command emu_rps redis_rps ratio
for c in "${TESTS[@]}"; do
  best_e=0; best_r=0
  for _ in $(seq "$REPEAT"); do
    e=$(rps "$EMU_PORT" $c); r=$(rps "$REDIS_PORT" $c)
    best_e=$(awk -v a="$best_e" -v b="$e" 'BEGIN { print (b > a ? b : a) }')
    best_r=$(awk -v a="$best_r" -v b="$r" 'BEGIN { print (b > a ? b : a) }')
  done
  ratio=$(awk -v e="$best_e" -v r="$best_r" 'BEGIN { if (r > 0) printf "%.2f", e / r; else print "n/a" }')
  printf '%-72s %10s %10s %8s\n' "$c" "$best_e" "$best_r" "$ratio"
done
