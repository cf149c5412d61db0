# Shared set-up of the side-by-side scripts (bits_compare.sh, geo_compare.sh,
# sort_compare.sh), sourced after the script has set its default N: checks the tools,
# builds the release `emu`, starts `emu serve` and `redis-server` on free ports (EMU_PORT,
# REDIS_PORT, both stopped on exit with SCRATCH removed), waits until both answer, and
# defines `rps PORT COMMAND…` (redis-benchmark's requests per second).
# Knobs: N, CLIENTS (default 1), REPEAT (default 3), CARGO_TARGET_DIR.
CLIENTS=${CLIENTS:-1}
REPEAT=${REPEAT:-3}
TARGET=${CARGO_TARGET_DIR:-target}

for tool in redis-server redis-benchmark redis-cli python3; do
  command -v "$tool" >/dev/null || { echo "error: $tool not on PATH (apt-get install redis-server)" >&2; exit 1; }
done

cargo build --release --features cli,server --bin emu >&2

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
EMU_PORT=$(free_port)
REDIS_PORT=$(free_port)
SCRATCH=$(mktemp -d)

"$TARGET/release/emu" serve --port "$EMU_PORT" >/dev/null &
EMU_PID=$!
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --logfile '' >/dev/null &
REDIS_PID=$!
cleanup() { kill "$EMU_PID" "$REDIS_PID" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$SCRATCH"; }
trap cleanup EXIT

for port in "$EMU_PORT" "$REDIS_PORT"; do
  for _ in $(seq 100); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.05
  done
done

rps() { # port command...
  local port=$1; shift
  redis-benchmark -p "$port" -c "$CLIENTS" -n "$N" --csv "$@" 2>/dev/null \
    | tail -n 1 | tr -d '"' | awk -F, '{ print $2 }'
}
