"""Blocking commands through redis-py against `emu serve`, in RESP2 and RESP3.

Usage: python3 redis_py_blocking.py PORT PROTOCOL
Prints "redis-py blocking ok" when every check passes; any failure raises.
"""

import sys
import threading
import time

import redis


def main() -> None:
    port = int(sys.argv[1])
    proto = int(sys.argv[2])

    def client():
        return redis.Redis(host="127.0.0.1", port=port, protocol=proto, decode_responses=True)

    r = client()
    r.flushall()

    # Immediate paths.
    r.rpush("l", "a", "b", "c")
    assert r.blpop(["none", "l"], timeout=1) in (["l", "a"], ("l", "a"))
    assert r.brpop("l", timeout=1) in (["l", "c"], ("l", "c"))
    assert r.blmove("l", "d", 1, "LEFT", "RIGHT") == "b"
    assert r.brpoplpush("d", "e", 1) == "b"
    r.zadd("z", {"m": 1, "n": 2.5})
    got = r.bzpopmin("z", 1)
    assert list(got) == ["z", "m", 1.0], got
    got = r.bzpopmax("z", 1)
    assert list(got) == ["z", "n", 2.5], got
    r.rpush("m", "1", "2", "3")
    got = r.blmpop(1, 1, "m", direction="LEFT", count=2)
    assert list(got) == ["m", ["1", "2"]], got

    # Timeouts (fractional).
    t = time.monotonic()
    assert r.blpop("none", timeout=0.2) is None
    assert time.monotonic() - t >= 0.19
    assert r.bzpopmin("none", 0.1) is None
    assert r.blmove("none", "x", 0.1, "LEFT", "LEFT") is None

    # The seed's message queue: a consumer thread BRPOPs with a timeout.
    results = []

    def consumer():
        c = client()
        while True:
            item = c.brpop("queue:tasks", timeout=1)
            if item is None:
                break
            results.append(item[1])

    th = threading.Thread(target=consumer)
    th.start()
    for i in range(50):
        r.lpush("queue:tasks", f"task-{i}")
        if i % 10 == 0:
            time.sleep(0.01)
    th.join()
    assert results == [f"task-{i}" for i in range(50)], results

    # Woken by another connection, FIFO among waiters.
    order = []

    def waiter(name):
        c = client()
        order.append((name, c.blpop("fifo", timeout=5)[1]))

    threads = []
    for name in ("w1", "w2", "w3"):
        th = threading.Thread(target=waiter, args=(name,))
        th.start()
        threads.append(th)
        deadline = time.monotonic() + 5
        while r.info("clients")["blocked_clients"] != len(threads):
            assert time.monotonic() < deadline
            time.sleep(0.005)
    r.rpush("fifo", "x", "y", "z")
    for th in threads:
        th.join()
    assert sorted(order) == [("w1", "x"), ("w2", "y"), ("w3", "z")], order
    print("redis-py blocking ok")


if __name__ == "__main__":
    main()
