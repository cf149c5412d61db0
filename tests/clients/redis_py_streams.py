"""Drives an `emu serve` instance with redis-py's stream API, in RESP2 and RESP3.

Usage: python3 redis_py_streams.py PORT PROTOCOL   (PROTOCOL is 2 or 3)
Exits 0 and prints "redis-py streams ok" when every check passes; any failure raises.
"""

import sys
import threading
import time

import redis


def main() -> None:
    port = int(sys.argv[1])
    proto = int(sys.argv[2])
    r = redis.Redis(host="127.0.0.1", port=port, protocol=proto, decode_responses=True)
    r.flushall()

    i1 = r.xadd("s", {"type": "login", "user": "ada"}, id="1-1")
    assert i1 == "1-1", i1
    r.xadd("s", {"type": "click"}, id="1-2")
    r.xadd("s", {"type": "logout"}, id="2-0")
    assert r.xlen("s") == 3
    assert r.xrange("s") == [
        ("1-1", {"type": "login", "user": "ada"}),
        ("1-2", {"type": "click"}),
        ("2-0", {"type": "logout"}),
    ]
    assert r.xrevrange("s", count=1) == [("2-0", {"type": "logout"})]
    assert r.xrange("s", min="(1-1", max="+") == [("1-2", {"type": "click"}), ("2-0", {"type": "logout"})]
    assert r.xadd("s", {"a": "b"}, id="3-0", maxlen=3, approximate=False) == "3-0"
    assert r.xlen("s") == 3
    assert r.xadd("nope", {"a": "b"}, nomkstream=True) is None

    read = r.xread({"s": "1-2"}, count=10)
    if proto == 3:
        assert read == {"s": [[("2-0", {"type": "logout"}), ("3-0", {"a": "b"})]]}, read
    else:
        assert read == [["s", [("2-0", {"type": "logout"}), ("3-0", {"a": "b"})]]], read

    assert r.xgroup_create("s", "g", id="0") is True
    assert r.xgroup_createconsumer("s", "g", "idle") == 1
    got = r.xreadgroup("g", "c1", {"s": ">"}, count=2)
    entries = got["s"][0] if proto == 3 else got[0][1]
    assert [e[0] for e in entries] == ["1-2", "2-0"], got
    p = r.xpending("s", "g")
    assert p["pending"] == 2 and p["min"] == "1-2" and p["max"] == "2-0", p
    assert p["consumers"] == [{"name": "c1", "pending": 2}], p
    rng = r.xpending_range("s", "g", min="-", max="+", count=10)
    assert [x["message_id"] for x in rng] == ["1-2", "2-0"], rng
    assert rng[0]["consumer"] == "c1" and rng[0]["times_delivered"] == 1
    claimed = r.xclaim("s", "g", "c2", min_idle_time=0, message_ids=["1-2"])
    assert claimed == [("1-2", {"type": "click"})], claimed
    assert r.xclaim("s", "g", "c2", 0, ["2-0"], justid=True) == ["2-0"]
    ac = r.xautoclaim("s", "g", "c3", 0, start_id="0-0", count=1)
    assert ac[0] == "2-0" and ac[1] == [("1-2", {"type": "click"})], ac
    assert r.xack("s", "g", "1-2", "2-0") == 2
    info = r.xinfo_stream("s")
    assert info["length"] == 3 and info["entries-added"] == 4, info
    assert info["first-entry"] == ("1-2", {"type": "click"}), info
    groups = r.xinfo_groups("s")
    assert groups[0]["name"] == "g" and groups[0]["pending"] == 0, groups
    assert groups[0]["entries-read"] == 3 and groups[0]["lag"] == 1, groups
    consumers = r.xinfo_consumers("s", "g")
    assert [c["name"] for c in consumers] == ["c1", "c2", "c3", "idle"], consumers
    assert r.xdel("s", "3-0") == 1
    assert r.xtrim("s", maxlen=1, approximate=False) == 1
    assert r.xgroup_delconsumer("s", "g", "idle") == 0
    assert r.xgroup_destroy("s", "g") == 1
    assert r.type("s") == "stream"

    # A blocking read woken by another connection.
    out = {}

    def reader():
        c = redis.Redis(host="127.0.0.1", port=port, protocol=proto, decode_responses=True)
        out["v"] = c.xread({"q": "$"}, block=5000)

    t = threading.Thread(target=reader)
    t.start()
    time.sleep(0.2)
    r.xadd("q", {"k": "v"}, id="9-0")
    t.join(5)
    v = out["v"]
    got = v["q"][0] if proto == 3 else v[0][1]
    assert got == [("9-0", {"k": "v"})], v
    assert r.xread({"q": "$"}, block=50) in (None, [], {})
    print("redis-py streams ok")


if __name__ == "__main__":
    main()
