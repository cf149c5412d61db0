"""redis-py's Lua-backed features against a server: the seed's distributed-lock example,
redis-py's Lock (acquire, extend, reacquire, release, contention between threads, a lock
lost to expiry) and register_script (reloading after SCRIPT FLUSH).

Usage: scripting_lock_py.py PORT PROTOCOL   (prints "lock ok PROTOCOL")
"""
import sys
import threading
import time
import uuid

import redis
from redis.exceptions import LockError, LockNotOwnedError, NoScriptError, ResponseError

port, proto = int(sys.argv[1]), int(sys.argv[2])


def client():
    return redis.Redis(port=port, protocol=proto, decode_responses=True)


r = client()
r.flushall()
r.script_flush()

# The seed's example.
def acquire_lock(lock_key, timeout=10):
    identifier = str(uuid.uuid4())
    if r.set(lock_key, identifier, nx=True, ex=timeout):
        return identifier
    return None


def release_lock(lock_key, identifier):
    if r.get(lock_key) == identifier:
        r.delete(lock_key)
        return True
    return False


ident = acquire_lock("seed-lock")
assert ident is not None, "seed acquire"
assert acquire_lock("seed-lock") is None, "seed contention"
assert not release_lock("seed-lock", "someone-else"), "seed foreign release"
assert release_lock("seed-lock", ident), "seed release"
assert acquire_lock("seed-lock") is not None, "seed reacquire"

# redis-py's Lock: every step but acquire is a Lua script.
lock = r.lock("res", timeout=5, blocking=False)
assert lock.acquire(), "acquire"
assert lock.owned() and lock.locked(), "owned"
other = client().lock("res", timeout=5, blocking=False)
assert not other.acquire(), "contention"
assert lock.extend(5), "extend (add)"
assert 5000 < r.pttl("res") <= 10000, "extended ttl"
assert lock.extend(3, replace_ttl=True), "extend (replace)"
assert r.pttl("res") <= 3000, "replaced ttl"
assert lock.reacquire(), "reacquire"
assert 3000 < r.pttl("res") <= 5000, "reacquired ttl"
lock.release()
assert not lock.locked(), "released"
try:
    lock.release()
    raise AssertionError("double release should fail")
except LockError:
    pass
assert other.acquire(), "acquire after release"
try:
    lock.extend(1)
    raise AssertionError("extend of a lock not held should fail")
except LockError:
    pass
other.release()

# A lock lost to expiry cannot be released or extended.
short = r.lock("short", timeout=0.05)
assert short.acquire()
time.sleep(0.2)
try:
    short.release()
    raise AssertionError("release after expiry should fail")
except LockNotOwnedError:
    pass

# Threads serialised by the lock.
counter_key = "counter"
r.set(counter_key, 0)


def worker():
    c = client()
    for _ in range(20):
        with c.lock("crit", timeout=5, sleep=0.001, blocking_timeout=20):
            v = int(c.get(counter_key))
            c.set(counter_key, v + 1)


threads = [threading.Thread(target=worker) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert int(r.get(counter_key)) == 80, "mutual exclusion"

# register_script: EVALSHA, loading on NOSCRIPT.
incr = r.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])")
assert incr(keys=["n"], args=[2]) == 2
r.script_flush()
assert incr(keys=["n"], args=[3]) == 5
assert r.script_exists(incr.sha) == [True]
try:
    r.evalsha("0" * 40, 0)
    raise AssertionError("NOSCRIPT expected")
except NoScriptError:
    pass
try:
    r.eval("return redis.call('nosuch')", 0)
    raise AssertionError("script error expected")
except ResponseError as e:
    assert "Unknown Redis command called from script" in str(e), str(e)
assert r.eval("return {1, 'a', {ok='fine'}}", 0) == [1, "a", "fine"]

print("lock ok", proto)
