#!/usr/bin/env python3
"""Generates src/admin/command_meta.resp: Redis 7.0's own command descriptions, as a
running redis-server 7.0 publishes them (COMMAND INFO and COMMAND DOCS under RESP3).

Usage: start a stock redis-server 7.0 (Debian ships 7.0.15), then
    python3 tools/gen_command_meta.py PORT > src/admin/command_meta.resp

The output is one RESP3 array; each element is a 3-element array
    [name (bulk), COMMAND INFO entry, COMMAND DOCS entry]
for every top-level command, sorted by name. Subcommands are inside their container's
entries (INFO element 10, DOCS "subcommands"), exactly as Redis nests them. emu parses this
file once (src/admin/command.rs) and answers COMMAND from it, leaving out the commands it
does not implement. Only the standard library is needed (a raw socket, no client library).
"""
import socket
import sys


def read_reply(f):
    """Reads one RESP3 reply from the file object; returns (raw bytes, parsed tree)."""
    line = f.readline()
    if not line.endswith(b"\r\n"):
        raise SystemExit("short read")
    tag, head = line[:1], line[1:-2]
    raw = [line]
    if tag in (b"$", b"=", b"!"):
        n = int(head)
        if n < 0:
            return line, None
        data = f.read(n + 2)
        raw.append(data)
        return b"".join(raw), data[:-2]
    if tag in (b"*", b"~", b"%", b">"):
        n = int(head)
        if n < 0:
            return line, None
        items = []
        for _ in range(2 * n if tag == b"%" else n):
            r, t = read_reply(f)
            raw.append(r)
            items.append((r, t))
        return b"".join(raw), items
    if tag == b"-":
        raise SystemExit("server error: " + head.decode())
    return line, head


def command(sock, f, *args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    sock.sendall(out)
    return read_reply(f)


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 6379
    sock = socket.create_connection(("127.0.0.1", port))
    f = sock.makefile("rb")
    command(sock, f, "HELLO", "3")
    _, version = command(sock, f, "INFO", "server")
    if b"redis_version:7.0." not in version:
        raise SystemExit("need a redis-server 7.0")
    _, infos = command(sock, f, "COMMAND", "INFO")
    _, docs = command(sock, f, "COMMAND", "DOCS")
    info_by_name = {}
    for raw, entry in infos:
        info_by_name[entry[0][1]] = raw
    docs_by_name = {}
    for i in range(0, len(docs), 2):
        docs_by_name[docs[i][1]] = docs[i + 1][0]
    names = sorted(info_by_name)
    out = sys.stdout.buffer
    out.write(b"*%d\r\n" % len(names))
    for name in names:
        out.write(b"*3\r\n$%d\r\n%s\r\n" % (len(name), name))
        out.write(info_by_name[name])
        out.write(docs_by_name[name])


if __name__ == "__main__":
    main()
