"""redis-py's Sentinel client discovering the embedded master through `emu serve`: the
master is the server itself, at the address the client connected to (issue 11).

Usage: plumbing_sentinel_py.py PORT PROTO — prints "sentinel ok PROTO" on success.
"""
import sys

from redis.exceptions import ResponseError
from redis.sentinel import MasterNotFoundError
from redis.sentinel import Sentinel

port = int(sys.argv[1])
proto = int(sys.argv[2])

sentinel = Sentinel(
    [("127.0.0.1", port)],
    socket_timeout=2,
    sentinel_kwargs={"protocol": proto, "socket_timeout": 2, "decode_responses": True},
)
got = sentinel.discover_master("mymaster")
assert got == ("127.0.0.1", port), got
slaves = sentinel.discover_slaves("mymaster")
assert slaves == [("127.0.0.1", port)], slaves
try:
    sentinel.discover_master("nope")
    raise AssertionError("discovered a master that does not exist")
except MasterNotFoundError as e:
    assert str(e) == "No master found for 'nope'", str(e)

conn = sentinel.sentinels[0]
addr = conn.sentinel_get_master_addr_by_name("mymaster")
assert tuple(addr) == ("127.0.0.1", port), addr
state = conn.sentinel_master("mymaster")
assert state["is_master"] and state["quorum"] == 2, state
assert state["ip"] == "127.0.0.1" and state["port"] == port, state
masters = conn.sentinel_masters()
assert "mymaster" in masters, masters
assert conn.sentinel_sentinels("mymaster") == [], conn.sentinel_sentinels("mymaster")
replicas = conn.sentinel_slaves("mymaster")
assert len(replicas) == 1 and replicas[0]["is_slave"], replicas
try:
    conn.sentinel_master("nope")
    raise AssertionError("no error for an unknown master")
except ResponseError as e:
    assert str(e) == "No such master with that name", str(e)
print("sentinel ok", proto)
