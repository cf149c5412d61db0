"""redis-py's RedisCluster against `emu serve` in cluster mode (tests/cluster/clients.rs).

Usage: cluster.py PORT PROTOCOL. Prints "ok" when every check passes.
"""
import sys

import redis
from redis.cluster import RedisCluster

port, proto = int(sys.argv[1]), int(sys.argv[2])
rc = RedisCluster(host="127.0.0.1", port=port, protocol=proto, decode_responses=True)
rc.flushall()
assert rc.set("a", "1") is True
assert rc.get("a") == "1"
assert rc.keyslot("{user1}:x") == 8106
rc.mset({"{u}a": "1", "{u}b": "2"})
assert rc.mget("{u}a", "{u}b") == ["1", "2"]
# redis-py splits MGET by slot on the client side: still works across slots.
assert rc.mget_nonatomic("a", "{u}a") == ["1", "1"]
# A raw multi-slot command reaches the server and gets Redis Cluster's error.
try:
    rc.execute_command("MSET", "x", "1", "y", "2", target_nodes=RedisCluster.PRIMARIES)
    raise AssertionError("MSET across slots succeeded")
except redis.exceptions.ResponseError as e:
    assert "hash to the same slot" in str(e), e
pipe = rc.pipeline()
pipe.set("p1", "v1").get("p1").incr("n")
assert pipe.execute() == [True, "v1", 1]
assert len(rc.get_nodes()) == 1
assert rc.cluster_info()["cluster_state"] == "ok"
assert rc.dbsize() == 5
print("ok")
