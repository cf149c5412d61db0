"""redis-py 8's client-side cache (RESP3, CLIENT TRACKING) against a server: reads are
served from the cache until another client's write, an expiry or FLUSHALL invalidates them.

Usage: tracking_cache.py PORT 3   (prints "ok")
"""
import sys
import time

import redis
import redis.connection
from redis.cache import CacheConfig

# redis-py 8 refuses client-side caching below server version 7.4 (a product policy: the
# mechanism — CLIENT TRACKING and RESP3 invalidate pushes — is Redis 6's, and emu reports
# 7.0.15 as Redis 7.0 does). Lower the gate to test the mechanism.
if hasattr(redis.connection, "CacheProxyConnection"):
    redis.connection.CacheProxyConnection.MIN_ALLOWED_VERSION = "7.0.0"

port = int(sys.argv[1])


def eventually(check, what):
    """A write acknowledged on one connection does not order the invalidation sent to
    another (with Redis as with emu: different sockets), so a read right after another
    client's write may still be served from the cache. Poll until the invalidation has
    been processed; a missing invalidation fails after 10 s."""
    deadline = time.time() + 10
    while not check():
        assert time.time() < deadline, what
        time.sleep(0.01)


r = redis.Redis(port=port, protocol=3, cache_config=CacheConfig(), single_connection_client=True)
w = redis.Redis(port=port, protocol=3)
w.flushall()
cache = r.get_cache()

w.set("k", "v1")
assert r.get("k") == b"v1"
assert cache.size == 1, cache.size
info = r.execute_command("CLIENT", "TRACKINGINFO")
flags = info[b"flags"] if b"flags" in info else info["flags"]
assert b"on" in flags or "on" in flags, info

# A write elsewhere: the next read sees the new value (the invalidation emptied the cache).
w.set("k", "v2")
eventually(lambda: r.get("k") == b"v2", "k not invalidated by another client's SET")
w.set("k", "v3")
eventually(lambda: r.get("k") == b"v3", "k not invalidated again")

# Cached while nothing changes: the server answers nothing new.
for _ in range(3):
    assert r.get("k") == b"v3"
assert cache.size == 1, cache.size

# Hashes and several keys.
w.hset("h", mapping={"a": "1"})
assert r.hgetall("h") == {b"a": b"1"}
w.hset("h", "b", "2")
eventually(lambda: r.hgetall("h") == {b"a": b"1", b"b": b"2"}, "h not invalidated by HSET")

# Expiry invalidates too.
w.set("e", "x", px=100)
assert r.get("e") == b"x"
time.sleep(0.3)
w.exists("e")  # lazy expiry, if active expiry has not run yet
eventually(lambda: r.get("e") is None, "e not invalidated by its expiry")

# FLUSHALL: everything goes.
assert r.get("k") == b"v3"
w.flushall()
eventually(lambda: r.get("k") is None, "k not invalidated by FLUSHALL")
assert r.hgetall("h") == {}
print("ok")
