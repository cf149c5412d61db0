"""Runs redis-cli interactively in a pseudo-terminal against PORT, types commands as a
person would, and prints the screen transcript (the Rust test checks it).

Usage: python3 redis_cli_tty.py REDIS_CLI PORT
"""

import os
import pty
import select
import sys
import time


def read_until(fd, needle, timeout=10.0):
    buf = b""
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
            if needle in buf:
                return buf
    return buf


def main() -> None:
    cli, port = sys.argv[1], sys.argv[2]
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "dumb"
        os.execv(cli, [cli, "-p", port])
    out = b""
    prompt = ("127.0.0.1:%s>" % port).encode()
    out += read_until(fd, prompt)
    for line in [
        'set greeting "hello world"',
        "get greeting",
        "incr counter",
        "rpush l a b",
        "lrange l 0 -1",
        "hgetall nosuch",
        "select 2",
        "get greeting",
        "nosuchcommand x",
    ]:
        os.write(fd, line.encode() + b"\r")
        out += read_until(fd, b">", 10.0)
        # Wait for the full reply and the next prompt.
        out += read_until(fd, prompt, 1.0)
    os.write(fd, b"quit\r")
    out += read_until(fd, b"\x00", 2.0)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    sys.stdout.write(out.decode("utf-8", "replace"))


if __name__ == "__main__":
    main()
