"""redis-py transactions against `emu serve`: pipeline(transaction=True), WATCH / MULTI /
EXEC with WatchError, the transaction() helper, and queue-time errors.

Usage: tx_redis_py.py PORT PROTOCOL   (prints "tx ok PROTOCOL")
"""
import sys
import threading

import redis
from redis.exceptions import ResponseError, WatchError

port, proto = int(sys.argv[1]), int(sys.argv[2])


def client():
    return redis.Redis(port=port, protocol=proto, decode_responses=True)


r = client()
r.flushall()

# A transactional pipeline (the default).
with r.pipeline() as p:
    p.set("a", 1).incr("a").hset("h", "f", "v").hgetall("h")
    assert p.execute() == [True, 2, 1, {"f": "v"}], "pipeline"

# Runtime errors come back in place (raise_on_error=False) and the rest applies.
r.rpush("l", "x")
with r.pipeline() as p:
    p.incr("a").incr("l").incr("a")
    out = p.execute(raise_on_error=False)
    assert out[0] == 3 and out[2] == 4, out
    assert isinstance(out[1], ResponseError) and str(out[1]).startswith("WRONGTYPE"), out

# A queue-time error aborts the transaction.
with r.pipeline() as p:
    p.set("b", 1).execute_command("NOSUCH", "x")
    try:
        p.execute()
        raise AssertionError("expected an error")
    except ResponseError as e:
        assert "unknown command" in str(e), e
assert r.exists("b") == 0

# WATCH / MULTI / EXEC with another client writing in between.
other = client()
with r.pipeline() as p:
    p.watch("a")
    v = int(p.get("a"))
    other.set("a", v)  # same value still invalidates
    p.multi()
    p.set("a", v + 1)
    try:
        p.execute()
        raise AssertionError("expected WatchError")
    except WatchError:
        pass
assert r.get("a") == "4"


# The transaction() helper under contention: every increment lands once.
def incr(pipe):
    v = int(pipe.get("counter") or 0)
    pipe.multi()
    pipe.set("counter", v + 1)


def worker():
    c = client()
    for _ in range(50):
        c.transaction(incr, "counter")


threads = [threading.Thread(target=worker) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert r.get("counter") == "200", r.get("counter")

print(f"tx ok {proto}")
