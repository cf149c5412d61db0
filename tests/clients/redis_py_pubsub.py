"""redis-py Pub/Sub against emu serve: the seed's example, patterns, keyspace events,
run_in_thread, RESP2 and RESP3. Usage: redis_py_pubsub.py PORT PROTO"""
import sys
import threading
import time

import redis

port = int(sys.argv[1])
proto = int(sys.argv[2])
r = redis.Redis(port=port, decode_responses=True, protocol=proto)

assert r.publish("news", "Breaking news!") == 0

p = r.pubsub()
p.subscribe("news", "updates", "alerts")
p.psubscribe("user:*:notifications")
subs = [p.get_message(timeout=2) for _ in range(4)]
assert [m["type"] for m in subs] == ["subscribe"] * 3 + ["psubscribe"], subs
assert [m["data"] for m in subs] == [1, 2, 3, 4], subs
assert subs[0]["channel"] == "news"

assert r.publish("news", "Breaking news!") == 1
assert r.publish("user:7:notifications", "hi") == 1
m = p.get_message(timeout=2)
assert m == {"type": "message", "pattern": None, "channel": "news", "data": "Breaking news!"}, m
m = p.get_message(timeout=2)
assert m == {"type": "pmessage", "pattern": "user:*:notifications",
             "channel": "user:7:notifications", "data": "hi"}, m
assert p.get_message(timeout=0.05) is None

assert r.pubsub_numsub("news", "zzz") == [("news", 1), ("zzz", 0)]
assert r.pubsub_numpat() == 1
assert sorted(r.pubsub_channels()) == ["alerts", "news", "updates"]

p.unsubscribe("news")
p.punsubscribe("user:*:notifications")
m = p.get_message(timeout=2)
assert m["type"] == "unsubscribe" and m["channel"] == "news" and m["data"] == 3, m
m = p.get_message(timeout=2)
assert m["type"] == "punsubscribe" and m["data"] == 2, m

# listen() with a publisher thread: all messages, in order.
def publisher():
    time.sleep(0.05)
    for i in range(500):
        r.publish("updates", str(i))
    r.publish("alerts", "stop")

t = threading.Thread(target=publisher)
t.start()
got = []
for m in p.listen():
    if m["type"] != "message":
        continue
    if m["channel"] == "alerts":
        break
    got.append(int(m["data"]))
t.join()
assert got == list(range(500)), got[:10]

# run_in_thread with a handler.
received = []
done = threading.Event()
def handler(m):
    received.append(m["data"])
    if len(received) == 3:
        done.set()
q = r.pubsub(ignore_subscribe_messages=True)
q.subscribe(**{"jobs": handler})
worker = q.run_in_thread(sleep_time=0.01)
time.sleep(0.05)
for j in ["a", "b", "c"]:
    r.publish("jobs", j)
assert done.wait(5), received
worker.stop()
worker.join(5)
assert received == ["a", "b", "c"], received

# Keyspace notifications.
r.config_set("notify-keyspace-events", "KEA")
k = r.pubsub(ignore_subscribe_messages=True)
k.psubscribe("__keyevent@0__:*")
k.get_message(timeout=0.1)
r.set("kk", "v")
r.lpush("ll", "x")
r.delete("kk")
evs = []
for _ in range(3):
    m = k.get_message(timeout=2)
    evs.append((m["channel"], m["data"]))
assert evs == [("__keyevent@0__:set", "kk"), ("__keyevent@0__:lpush", "ll"),
               ("__keyevent@0__:del", "kk")], evs
r.config_set("notify-keyspace-events", "")

p.close()
k.close()
print("redis-py pubsub ok", proto)
