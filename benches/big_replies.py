#!/usr/bin/env python3
"""Issue 10 #8: time and memory of big replies, emu serve vs redis-server in one run.

Usage: benches/big_replies.py [path/to/emu [srandmember|lrange|keys|hgetall ...]]   (default target/release/emu; build it with
`cargo build --release --features cli,server`). Needs redis-server on PATH.

For each server: load a 3-member set, a 5,000,000-element list, 1,000,000 keys or a
1,000,000-field hash, then time `SRANDMEMBER s -10000000`, `LRANGE l 0 -1`, `KEYS *` or
`HGETALL h` (send → last byte of the reply, read raw by
this script) and read the server's peak RSS (VmHWM) and RSS after each reply (VmRSS) from
/proc. Prints one line per server and measurement, and the emu/redis ratios.
"""
import os, socket, subprocess, sys, time

EMU = sys.argv[1] if len(sys.argv) > 1 else "target/release/emu"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def enc(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def mem(pid):
    d = {}
    for line in open(f"/proc/{pid}/status"):
        k, _, v = line.partition(":")
        if k in ("VmHWM", "VmRSS"):
            d[k] = int(v.split()[0]) // 1024
    return d


def read_reply(sock, expect):
    """Reads exactly `expect` bytes; returns the time the last one arrived."""
    got = 0
    buf = bytearray(1 << 20)
    while got < expect:
        n = sock.recv_into(buf)
        if n == 0:
            raise RuntimeError("closed")
        got += n
    return time.perf_counter()


def run(name, argv, port, which):
    """One fresh server per measurement, so VmHWM is that reply's peak."""
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            sock = socket.create_connection(("127.0.0.1", port))
            break
        except OSError:
            time.sleep(0.05)
    sock.settimeout(300)
    pid = proc.pid
    n, batch = 5_000_000, 10_000
    if which == "srandmember":
        sock.sendall(enc("SADD", "s", "a", "b", "c"))
        sock.recv(100)
        count = 10_000_000
        request = enc("SRANDMEMBER", "s", -count)
        # "*10000000\r\n" + 10M x "$1\r\nX\r\n".
        expect = len(b"*%d\r\n" % count) + 7 * count
        label = f"SRANDMEMBER s -{count} (3-member set)"
    elif which in ("keys", "hgetall"):
        m = 1_000_000
        # Small batches: loading must peak below the reply, or VmHWM hides the reply's peak.
        batch = 500
        for start in range(0, m, batch):
            if which == "keys":
                args = ["MSET"]
                for i in range(start, start + batch):
                    args += [f"key:{i}", "v"]
            else:
                args = ["HSET", "h"]
                for i in range(start, start + batch):
                    args += [f"field:{i}", f"value:{i}"]
            sock.sendall(enc(*args))
            data = b""
            while not data.endswith(b"\r\n"):
                data += sock.recv(1024)
        if which == "keys":
            request = enc("KEYS", "*")
            expect = len(b"*%d\r\n" % m) + sum(len(b"$%d\r\nkey:%d\r\n" % (len(f"key:{i}"), i)) for i in range(m))
            label = f"KEYS * ({m} keys)"
        else:
            request = enc("HGETALL", "h")
            expect = len(b"*%d\r\n" % (2 * m)) + sum(
                len(b"$%d\r\nfield:%d\r\n$%d\r\nvalue:%d\r\n" % (len(f"field:{i}"), i, len(f"value:{i}"), i))
                for i in range(m))
            label = f"HGETALL h ({m} fields)"
    else:
        for start in range(0, n, batch):
            sock.sendall(enc("RPUSH", "l", *range(start, start + batch)))
            data = b""
            while not data.endswith(b"\r\n"):
                data += sock.recv(1024)
        request = enc("LRANGE", "l", 0, -1)
        expect = len(b"*%d\r\n" % n) + sum(len(b"$%d\r\n%d\r\n" % (len(str(i)), i)) for i in range(n))
        label = f"LRANGE l 0 -1 ({n} elements)"
    base = mem(pid)
    t0 = time.perf_counter()
    sock.sendall(request)
    t1 = read_reply(sock, expect)
    m = mem(pid)
    # VmHWM only grows: when loading peaked higher than the reply, the reply's own peak is
    # not visible (shown as "<=").
    hidden = "<=" if m["VmHWM"] == base["VmHWM"] else ""
    print(f"{name}: {label}: {t1 - t0:.2f} s, reply {expect / 2**20:.0f} MB, RSS before {base['VmRSS']} MB "
          f"(peak while loading {base['VmHWM']} MB), peak {hidden}{m['VmHWM']} MB "
          f"(+{hidden}{m['VmHWM'] - base['VmRSS']} MB), after {m['VmRSS']} MB")
    proc.kill()
    proc.wait()
    return t1 - t0, m["VmHWM"] - base["VmRSS"], m["VmRSS"]


for which in sys.argv[2:] or ["srandmember", "lrange", "keys", "hgetall"]:
    rp, ep = free_port(), free_port()
    r = run("redis", ["redis-server", "--port", str(rp), "--save", "", "--appendonly", "no"], rp, which)
    e = run("emu  ", [EMU, "serve", "--port", str(ep)], ep, which)
    print(f"ratio emu/redis {which}: time {e[0] / r[0]:.1f}x, peak growth {e[1] / max(r[1], 1):.1f}x")
