"""Drives an `emu serve` instance with redis-py, in RESP2 and RESP3.

Usage: python3 redis_py_check.py PORT PROTOCOL   (PROTOCOL is 2 or 3)
Exits 0 and prints "redis-py ok" when every check passes; any failure raises.
"""

import sys

import redis


def main() -> None:
    port = int(sys.argv[1])
    proto = int(sys.argv[2])
    r = redis.Redis(host="127.0.0.1", port=port, protocol=proto, decode_responses=True)
    assert r.ping() is True
    r.flushall()

    # Strings.
    assert r.set("s", "v") is True
    assert r.get("s") == "v"
    assert r.get("missing") is None
    assert r.incr("n") == 1
    assert r.incrby("n", 10) == 11
    assert r.mset({"a": "1", "b": "2"}) is True
    assert r.mget(["a", "b", "zz"]) == ["1", "2", None]
    assert r.set("ex", "1", ex=100) is True
    assert 0 < r.ttl("ex") <= 100
    assert r.set("s", "w", nx=True) is None

    # Hashes (a map in RESP3, a flat array in RESP2: redis-py gives a dict either way).
    assert r.hset("h", mapping={"f1": "v1", "f2": "v2"}) == 2
    assert r.hgetall("h") == {"f1": "v1", "f2": "v2"}
    assert r.hget("h", "f1") == "v1"
    assert sorted(r.hkeys("h")) == ["f1", "f2"]

    # Lists.
    assert r.rpush("l", "a", "b", "c") == 3
    assert r.lrange("l", 0, -1) == ["a", "b", "c"]
    assert r.lpop("l") == "a"

    # Sets.
    assert r.sadd("st", "x", "y") == 2
    assert r.smembers("st") == {"x", "y"}
    assert r.sismember("st", "x") in (True, 1)

    # Errors keep Redis's text.
    try:
        r.lpush("s", "x")
        raise AssertionError("expected WRONGTYPE")
    except redis.ResponseError as e:
        assert str(e).startswith("WRONGTYPE Operation against a key"), str(e)
    try:
        r.execute_command("NOSUCHCMD", "a")
        raise AssertionError("expected unknown command")
    except redis.ResponseError as e:
        assert "unknown command 'NOSUCHCMD'" in str(e), str(e)

    # Pipelines, transactional or not (MULTI/EXEC may not exist yet: non-transactional).
    p = r.pipeline(transaction=False)
    p.set("p1", "1").incr("p1").get("p1")
    assert p.execute() == [True, 2, "2"]

    # Server and connection commands.
    info = r.info()
    assert info["redis_version"] == "7.0.15"
    assert "connected_clients" in info
    assert r.info("keyspace")["db0"]["keys"] >= 1
    assert r.config_get("maxmemory") == {"maxmemory": "0"}
    assert r.config_set("maxmemory", "1mb") is True
    assert r.config_get("maxmemory") == {"maxmemory": "1048576"}
    r.config_set("maxmemory", "0")
    assert r.client_setname("pyclient") is True
    assert r.client_getname() == "pyclient"
    assert isinstance(r.client_id(), int)
    assert any(c.get("name") == "pyclient" for c in r.client_list())
    assert r.dbsize() >= 1
    t = r.time()
    assert isinstance(t[0], int) and t[0] > 1_600_000_000
    assert isinstance(r.lastsave(), object)
    assert r.echo("hi") == "hi"

    # Per-connection db selection.
    r2 = redis.Redis(host="127.0.0.1", port=port, protocol=proto, db=5, decode_responses=True)
    r2.set("only5", "yes")
    assert r.get("only5") is None
    assert r2.get("only5") == "yes"

    # Binary values round-trip.
    rb = redis.Redis(host="127.0.0.1", port=port, protocol=proto)
    blob = bytes(range(256)) * 4
    rb.set(b"bin\x00key", blob)
    assert rb.get(b"bin\x00key") == blob

    # RESP3-specific shapes arrive as such.
    if proto == 3:
        raw = r.execute_command("HELLO", "3")
        assert raw["proto"] == 3, raw
    print("redis-py ok", proto)


if __name__ == "__main__":
    main()
