#!/usr/bin/env bash
# Runs redis-benchmark against `emu serve` and against redis-server on this machine, in one
# run, and prints emu/redis requests-per-second ratios per test (>= 1.0: emu is as fast).
#
#   benches/redis_benchmark.sh            # builds target/release/emu first
#   N=100000 CLIENTS=50 THREADS=1 REPEAT=3 benches/redis_benchmark.sh
#
# Each test runs REPEAT times per server, alternating, and the best run of each counts
# (the machine is shared; the best run is the least disturbed one).
#
# Needs redis-server and redis-benchmark on PATH (Debian package redis-server).
# This is a benchmark, not a test: numbers depend on the machine; run it on an idle one.
set -euo pipefail

cd "$(dirname "$0")/.."
N=${N:-100000}
CLIENTS=${CLIENTS:-50}
THREADS=${THREADS:-1}
TESTS=${TESTS:-set,get,incr,lpush,rpop,sadd,hset,zadd,lrange_100}
PIPELINES=${PIPELINES:-"1 16"}
REPEAT=${REPEAT:-3}

for tool in redis-server redis-benchmark; do
  command -v "$tool" >/dev/null || { echo "error: $tool not on PATH (apt-get install redis-server)" >&2; exit 1; }
done

cargo build --release --features cli,server --bin emu >&2

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
EMU_PORT=$(free_port)
REDIS_PORT=$(free_port)

target/release/emu serve --port "$EMU_PORT" --threads "$THREADS" >/dev/null &
EMU_PID=$!
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --logfile '' >/dev/null &
REDIS_PID=$!
cleanup() { kill "$EMU_PID" "$REDIS_PID" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT

for port in "$EMU_PORT" "$REDIS_PORT"; do
  for _ in $(seq 100); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.05
  done
done

# "NAME|rps" lines for one redis-benchmark test.
csv() { # port test pipeline
  redis-benchmark -p "$1" -t "$2" -c "$CLIENTS" -n "$N" -P "$3" --csv 2>/dev/null \
    | tail -n +2 | tr -d '"' | awk -F, '{ print $1 "|" $2 }'
}

printf '%-36s %4s %14s %14s %8s\n' test P emu_rps redis_rps ratio
for P in $PIPELINES; do
  redis-cli -p "$EMU_PORT" flushall >/dev/null
  redis-cli -p "$REDIS_PORT" flushall >/dev/null
  # Interleave the two servers test by test so machine noise hits both alike.
  declare -A E R
  ORDER=()
  for t in ${TESTS//,/ }; do
    # REPEAT rounds, alternating servers; keep each one's best (least disturbed) run.
    for _ in $(seq "$REPEAT"); do
      while IFS='|' read -r name rps; do
        [[ -v "E[$name]" || -v "R[$name]" ]] || ORDER+=("$name")
        E[$name]=$(awk -v a="${E[$name]:-0}" -v b="$rps" 'BEGIN { print (b > a ? b : a) }')
      done < <(csv "$EMU_PORT" "$t" "$P")
      while IFS='|' read -r name rps; do
        [[ -v "E[$name]" || -v "R[$name]" ]] || ORDER+=("$name")
        R[$name]=$(awk -v a="${R[$name]:-0}" -v b="$rps" 'BEGIN { print (b > a ? b : a) }')
      done < <(csv "$REDIS_PORT" "$t" "$P")
    done
  done
  for name in "${ORDER[@]}"; do
    e=${E[$name]:-0}; r=${R[$name]:-0}
    ratio=$(awk -v e="$e" -v r="$r" 'BEGIN { if (r > 0) printf "%.2f", e / r; else print "n/a" }')
    printf '%-36s %4s %14s %14s %8s\n' "$name" "$P" "$e" "$r" "$ratio"
  done
  unset E R ORDER
done
