"""redis-py's ACL helpers against `emu serve`: acl_setuser, acl_getuser, acl_list,
acl_dryrun, auth(username=...), Redis(username=..., password=...), acl_log, acl_deluser.

Usage: acl_redis_py.py PORT PROTOCOL   (prints "acl ok PROTOCOL")
"""
import sys

import redis
from redis.exceptions import AuthenticationError, NoPermissionError, ResponseError

port, proto = int(sys.argv[1]), int(sys.argv[2])
r = redis.Redis(port=port, protocol=proto, decode_responses=True)
r.acl_deluser("app")
r.acl_log_reset()

assert r.acl_setuser(
    "app", enabled=True, passwords=["+s3cret"], keys=["app:*"], commands=["+get", "+set", "+acl|whoami"]
), "setuser"
u = r.acl_getuser("app")
assert "on" in u["flags"], u
assert u["keys"] == ["~app:*"], u
assert u["commands"] == ["+get", "+set", "+acl|whoami"], u
assert any(line.startswith("user app on #") for line in r.acl_list()), r.acl_list()
assert r.acl_dryrun("app", "get", "app:1") == "OK"
assert "no permissions" in r.acl_dryrun("app", "del", "app:1")

c = redis.Redis(port=port, protocol=proto, decode_responses=True, username="app", password="s3cret")
assert c.acl_whoami() == "app"
c.set("app:1", "v")
assert c.get("app:1") == "v"
try:
    c.get("other")
    raise AssertionError("key permission not enforced")
except NoPermissionError as e:
    assert "no permissions to access one of the keys" in str(e), e
try:
    c.delete("app:1")
    raise AssertionError("command permission not enforced")
except NoPermissionError as e:
    assert "'del' command" in str(e), e

d = redis.Redis(port=port, protocol=proto, decode_responses=True)
try:
    d.auth("wrong", username="app")
    raise AssertionError("wrong password accepted")
except AuthenticationError:
    pass
assert d.auth("s3cret", username="app")
assert d.acl_whoami() == "app"

log = r.acl_log()
reasons = sorted(e["reason"] for e in log)
assert reasons == ["auth", "command", "key"], log
assert r.acl_deluser("app") == 1
print("acl ok", proto)
