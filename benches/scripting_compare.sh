#!/usr/bin/env bash
# EVALSHA through `emu serve` vs redis-server, side by side in one run (issue 12's target:
# ratio >= 1.0 at -P 1 and -P 16). For each script and pipeline depth, redis-benchmark runs
# `-n N EVALSHA <sha> 1 <key> [arg]` against each server REPEAT times, alternating which
# server goes first (emu, redis / redis, emu / ...), after one unmeasured warm-up run each.
# Two ratios are printed:
#   best   — best emu run / best redis run (the least disturbed run of each);
#   paired — the median of the REPEAT ratios of runs made back to back (each pair shares
#            the machine's load of the moment, so a burst of load hits both).
# When the two disagree much, the machine was not quiet: run again. Every run's figures and
# the load average go to stderr; the script warns when the load average exceeds the number
# of CPUs.
#
#   benches/scripting_compare.sh          # builds target/release/emu first
#   N=300000 CLIENTS=50 REPEAT=5 PIPELINES="1 16" benches/scripting_compare.sh
#   EMU=/path/to/other/emu benches/scripting_compare.sh
#
# N is the request count at -P 1; at -P n it is N * n / 2 (pipelined runs are faster and
# need as long a run to be measured as well).
#
# Scripts: get (`return redis.call('GET', KEYS[1])` on a set key), lock-release (redis-py
# Lock's release script with a token that does not match, so the key stays: the compare
# path), 10-incr (ten INCRs per call).
# Needs redis-server, redis-cli and redis-benchmark on PATH (Debian package redis-server).
# This is a benchmark, not a test.
set -euo pipefail

cd "$(dirname "$0")/.."
N=${N:-300000}
CLIENTS=${CLIENTS:-50}
THREADS=${THREADS:-1}
REPEAT=${REPEAT:-5}
PIPELINES=${PIPELINES:-"1 16"}
CASES=${CASES:-"get lock-release 10-incr"}

for tool in redis-server redis-cli redis-benchmark; do
  command -v "$tool" >/dev/null || { echo "error: $tool not on PATH (apt-get install redis-server)" >&2; exit 1; }
done

# EMU=path/to/emu runs that binary instead of building one (e.g. to measure a baseline).
if [[ -z "${EMU:-}" ]]; then
  cargo build --release --features cli,server --bin emu >&2
  EMU=${CARGO_TARGET_DIR:-target}/release/emu
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
EMU_PORT=$(free_port)
REDIS_PORT=$(free_port)

"$EMU" serve --port "$EMU_PORT" --threads "$THREADS" >/dev/null &
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

script_of() {
  case "$1" in
    get) echo "return redis.call('GET', KEYS[1])" ;;
    lock-release) echo 'if redis.call("get",KEYS[1]) == ARGV[1] then return redis.call("del",KEYS[1]) else return 0 end' ;;
    10-incr) echo "for i = 1, 10 do redis.call('INCR', KEYS[1]) end return 10" ;;
  esac
}
args_of() {
  case "$1" in
    get) echo "1 key:42" ;;
    lock-release) echo "1 lock other-token" ;;
    10-incr) echo "1 counter" ;;
  esac
}

rps() { # port sha args pipeline requests
  # shellcheck disable=SC2086
  redis-benchmark -p "$1" -c "$CLIENTS" -n "$5" -P "$4" --csv EVALSHA "$2" $3 2>/dev/null \
    | tail -n +2 | tr -d '"' | awk -F, '{ print $2 }'
}

cpus=$(nproc 2>/dev/null || echo 1)
load_now() { cut -d' ' -f1 /proc/loadavg; }
if awk -v l="$(load_now)" -v c="$cpus" 'BEGIN { exit !(l > c) }'; then
  echo "warning: load average $(load_now) on $cpus CPUs: the ratios will be noisy" >&2
fi

printf '%-14s %4s %12s %12s %7s %7s\n' script P emu_rps redis_rps best paired
for port in "$EMU_PORT" "$REDIS_PORT"; do
  redis-cli -p "$port" set key:42 value >/dev/null
  redis-cli -p "$port" set lock token >/dev/null
done
for P in $PIPELINES; do
  n=$(( P > 1 ? N * P / 2 : N ))
  for c in $CASES; do
    body=$(script_of "$c")
    sha_e=$(redis-cli -p "$EMU_PORT" script load "$body")
    sha_r=$(redis-cli -p "$REDIS_PORT" script load "$body")
    [[ "$sha_e" == "$sha_r" ]] || { echo "error: SHA differs ($sha_e vs $sha_r)" >&2; exit 1; }
    args=$(args_of "$c")
    # Warm-up (not measured): caches, the servers' buffers, the CPU's frequency.
    rps "$EMU_PORT" "$sha_e" "$args" "$P" "$(( n / 4 ))" >/dev/null
    rps "$REDIS_PORT" "$sha_r" "$args" "$P" "$(( n / 4 ))" >/dev/null
    e=0; r=0
    runs=""; ratios=""
    for i in $(seq "$REPEAT"); do
      if (( i % 2 )); then
        x=$(rps "$EMU_PORT" "$sha_e" "$args" "$P" "$n")
        y=$(rps "$REDIS_PORT" "$sha_r" "$args" "$P" "$n")
      else
        y=$(rps "$REDIS_PORT" "$sha_r" "$args" "$P" "$n")
        x=$(rps "$EMU_PORT" "$sha_e" "$args" "$P" "$n")
      fi
      for v in "$x" "$y"; do
        [[ "$v" =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "error: redis-benchmark gave '$v' ($c P=$P)" >&2; exit 1; }
      done
      e=$(awk -v a="$e" -v b="$x" 'BEGIN { print (b > a ? b : a) }')
      r=$(awk -v a="$r" -v b="$y" 'BEGIN { print (b > a ? b : a) }')
      runs="$runs ${x}/${y}"
      ratios="$ratios $(awk -v a="$x" -v b="$y" 'BEGIN { if (b > 0) printf "%.4f", a / b; else print 0 }')"
    done
    # Every run (emu/redis requests per second) and the load average, on stderr.
    echo "runs $c P=$P n=$n emu/redis:$runs; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    best=$(awk -v e="$e" -v r="$r" 'BEGIN { if (r > 0) printf "%.2f", e / r; else print "n/a" }')
    # shellcheck disable=SC2086
    paired=$(printf '%s\n' $ratios | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f", m }')
    printf '%-14s %4s %12s %12s %7s %7s\n' "$c" "$P" "$e" "$r" "$best" "$paired"
  done
done
