"""Parses `emu serve`'s INFO with redis-py's `info()` (the parser exporters and clients use).

Usage: python3 redis_py_info.py PORT PROTOCOL   (PROTOCOL is 2 or 3)
Prints "info ok" when every check passes; any failure raises.
"""

import sys

import redis


def main() -> None:
    port = int(sys.argv[1])
    proto = int(sys.argv[2])
    r = redis.Redis(host="127.0.0.1", port=port, protocol=proto, decode_responses=True)
    r.set("k", "v", ex=100)
    try:
        r.execute_command("GET")
    except redis.ResponseError:
        pass
    everything = r.info("everything")
    for key, kind in [
        ("redis_version", str),
        ("uptime_in_seconds", int),
        ("connected_clients", int),
        ("used_memory", int),
        ("used_memory_human", str),
        ("mem_fragmentation_ratio", float),
        ("rdb_changes_since_last_save", int),
        ("total_commands_processed", int),
        ("total_error_replies", int),
        ("role", str),
        ("used_cpu_sys", float),
        ("used_cpu_user_children", float),
        ("cluster_enabled", int),
    ]:
        assert isinstance(everything[key], kind), (key, everything[key])
    assert everything["cmdstat_set"]["calls"] >= 1, everything["cmdstat_set"]
    assert everything["cmdstat_get"]["rejected_calls"] >= 1, everything["cmdstat_get"]
    assert everything["errorstat_ERR"]["count"] >= 1
    assert everything["db0"]["keys"] == 1 and everything["db0"]["expires"] == 1
    assert "p50" in everything["latency_percentiles_usec_set"]
    default = r.info()
    assert "cmdstat_set" not in default and "used_memory" in default
    stats = r.info("commandstats")
    assert set(stats) >= {"cmdstat_set", "cmdstat_info"}, stats
    both = r.info("server", "clients")
    assert "redis_version" in both and "connected_clients" in both
    assert "used_memory" not in both
    print("info ok")


if __name__ == "__main__":
    main()
