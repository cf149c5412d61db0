#!/usr/bin/env bash
# Issue 17's performance figures, side by side in one run:
#
#   * `emu load DIR dump.rdb` of a 1,000,000-key RDB file written by redis-server vs
#     redis-server loading the same file at start (wall time from launching it until
#     INFO says `loading:0`), alternating emu / redis, best of REPEAT each; ratio = emu/redis;
#   * `emu dump DIR --format rdb`, `emu check DIR` and `emu compact DIR` on the loaded
#     directory vs redis-server's SAVE and BGSAVE of the same data (best of REPEAT).
#
#   benches/rdb_load_compare.sh            # N=1000000, REPEAT=3
#   N=200000 REPEAT=1 benches/rdb_load_compare.sh
#
# Data: N keys, a mix like a cache/session store: 70% strings (int and 20-60 byte text),
# 10% small hashes (5 fields), 10% small lists (8 elements), 5% intsets (6 members),
# 5% small sorted sets (6 members); 20% of the keys have a TTL. redis-server receives it
# over `redis-cli --pipe` and SAVEs; that dump.rdb is the input of both loads.
# emu's times are wall times of the CLI process (start, parse, write + fsync its snapshot,
# exit); redis's load time is measured the same way (process start to `loading:0`), and
# its own "DB loaded from disk" log figure is printed next to it.
# These machines are shared and noisy: the ratio of one run is the figure, not the times.
set -euo pipefail

cd "$(dirname "$0")/.."
N=${N:-1000000}
REPEAT=${REPEAT:-3}
TARGET=${CARGO_TARGET_DIR:-target}
for tool in redis-server redis-cli python3; do
  command -v "$tool" >/dev/null || { echo "error: $tool not on PATH" >&2; exit 1; }
done
# (the example is built too: the same feature set as the other release builds, no rebuild)
cargo build --release --features cli,server --bin emu --example rdb_time >&2
EMU="$TARGET/release/emu"

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
rm -f "$WORK/data.resp"
[ "$(redis-cli -p "$PORT" dbsize)" = "$N" ] || { echo "redis has $(redis-cli -p "$PORT" dbsize) keys" >&2; exit 1; }
redis-cli -p "$PORT" save >/dev/null
redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1 || true
while redis-cli -p "$PORT" ping >/dev/null 2>&1; do sleep 0.05; done

python3 - "$EMU" "$WORK" "$PORT" "$N" "$REPEAT" <<'PY'
import os, re, shutil, socket, subprocess, sys, time
emu, work, port, n, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rdb = os.path.join(work, "redis", "dump.rdb")
emudir = os.path.join(work, "emu")

def call(sock, *args):
    """One command on a raw socket; returns the reply's bytes (bulk or status)."""
    msg = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)
    sock.sendall(msg)
    f = sock.makefile("rb")
    line = f.readline()
    if line[:1] == b"$":
        n = int(line[1:])
        return f.read(n + 2)[:-2] if n >= 0 else b""
    return line

def redis_start(logname):
    """Launches redis-server on dump.rdb; returns (process, wall s until loading:0)."""
    log = os.path.join(work, "redis", logname)
    t0 = time.perf_counter()
    p = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                          "--save", "", "--appendonly", "no", "--dir", os.path.join(work, "redis"),
                          "--dbfilename", "dump.rdb", "--logfile", log],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=120)  # SAVE of 1M keys on a busy machine
        except OSError:
            time.sleep(0.002)
            continue
        try:
            while b"\r\nloading:0\r\n" not in call(s, b"INFO", b"persistence"):
                time.sleep(0.002)
            return p, time.perf_counter() - t0, s, log
        except OSError:
            s.close()
            time.sleep(0.002)

def redis_stop(p, s):
    try:
        call(s, b"SHUTDOWN", b"NOSAVE")
    except OSError:
        pass
    s.close()
    p.wait()

def timed(argv):
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0

best = {}
def keep(name, v):
    best[name] = min(best.get(name, v), v)

loaded_log = []
for i in range(repeat):
    # emu load and redis load alternate.
    shutil.rmtree(emudir, ignore_errors=True)
    keep("emu load", timed([emu, "load", emudir, rdb]))
    p, secs, s, log = redis_start("load%d.log" % i)
    keep("redis load", secs)
    m = re.search(r"DB loaded from disk: ([0-9.]+) seconds", open(log).read())
    if m:
        loaded_log.append(float(m.group(1)))
    # redis SAVE (synchronous) and BGSAVE (fork; until rdb_bgsave_in_progress:0).
    t0 = time.perf_counter(); call(s, b"SAVE"); keep("redis SAVE", time.perf_counter() - t0)
    t0 = time.perf_counter(); call(s, b"BGSAVE")
    while True:
        info = call(s, b"INFO", b"persistence")
        if b"rdb_bgsave_in_progress:0" in info and b"rdb_last_bgsave_status:ok" in info \
           and time.perf_counter() - t0 > 0.001:
            break
        time.sleep(0.002)
    keep("redis BGSAVE", time.perf_counter() - t0)
    redis_stop(p, s)
    out = os.path.join(work, "out.rdb")
    keep("emu dump --format rdb", timed([emu, "dump", emudir, "--format", "rdb", "-o", out]))
    keep("emu check", timed([emu, "check", emudir]))
    keep("emu compact", timed([emu, "compact", emudir]))

print("keys:                         %d" % n)
print("redis dump.rdb bytes:         %d" % os.path.getsize(rdb))
snap = [f for f in os.listdir(emudir) if f.endswith(".snap")]
print("emu snapshot bytes:           %d" % os.path.getsize(os.path.join(emudir, snap[0])))
print("emu dump --format rdb bytes:  %d" % os.path.getsize(os.path.join(work, "out.rdb")))
print("(best of %d, wall ms)" % repeat)
for k in ["redis load", "emu load", "redis SAVE", "redis BGSAVE",
          "emu dump --format rdb", "emu check", "emu compact"]:
    print("%-29s %8.0f" % (k + ":", best[k] * 1000))
if loaded_log:
    print("redis log 'DB loaded' (best): %8.0f" % (min(loaded_log) * 1000))
print("ratio emu/redis load:         %8.2f" % (best["emu load"] / best["redis load"]))
print("ratio emu dump/redis SAVE:    %8.2f" % (best["emu dump --format rdb"] / best["redis SAVE"]))
PY
