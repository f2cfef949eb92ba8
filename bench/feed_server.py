"""The feeds bench's web server: many loopback hosts, each serving its feeds from a folder, with ETags.

    python bench/feed_server.py --dir DIR --hosts 250 --port 0

Binds 127.0.1.1 ... 127.0.1.N (all of 127/8 is loopback on Linux) on one port, so a poller sees
N distinct hosts (politeness is per host). GET /<name> answers DIR/<name> with an ETag; a
request naming that ETag in If-None-Match gets a 304. HTTP/1.1 keep-alive, asyncio, one process.
Prints "ready <port>" when it listens.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import socket
from pathlib import Path


def host_addresses(count: int) -> list[str]:
    return [f"127.0.{1 + n // 250}.{1 + n % 250}" for n in range(count)]


class Files:
    def __init__(self, folder: Path):
        self.bodies = {f"/{p.name}": p.read_bytes() for p in folder.iterdir() if p.is_file()}
        self.etags = {name: '"' + hashlib.sha1(body).hexdigest()[:16] + '"' for name, body in self.bodies.items()}


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, files: Files) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
            body = files.bodies.get(path)
            if body is None:
                status, extra, payload = "404 Not Found", "", b"not found"
            elif headers.get("if-none-match") == files.etags[path]:
                status, extra, payload = "304 Not Modified", f"ETag: {files.etags[path]}\r\n", b""
            else:
                status, extra, payload = "200 OK", f"ETag: {files.etags[path]}\r\nContent-Type: application/rss+xml\r\n", body
            writer.write(f"HTTP/1.1 {status}\r\n{extra}Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
            await writer.drain()
            if headers.get("connection", "").lower() == "close":
                break
    except (asyncio.IncompleteReadError, ConnectionResetError, IndexError):
        pass
    finally:
        writer.close()


async def main(folder: Path, hosts: int, port: int) -> None:
    files = Files(folder)
    if port == 0:
        with socket.socket() as probe:
            probe.bind(("127.0.1.1", 0))
            port = probe.getsockname()[1]
    server = await asyncio.start_server(lambda r, w: handle(r, w, files), host=host_addresses(hosts), port=port,
                                        backlog=1024)
    print(f"ready {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--hosts", type=int, default=250)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    asyncio.run(main(args.dir, args.hosts, args.port))
