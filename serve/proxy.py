"""A sticky front for several Streamlit processes of the same app (``python -m serve``).

A Streamlit process runs its sessions' script runs as threads under one interpreter lock, so it
carries about one core of Python (docs/ARCHITECTURE.md, "Where one machine stops"). More
processes of the same app on the same read-only warehouse carry more sessions, if everything a
browser asks for reaches the process that holds its session: the websocket (one connection),
and the files that process keeps in memory — ``/media/…`` (images, downloads) and
``/_stcore/upload_file/…`` (uploads on 数据管理).

So the front works on connections, not requests: it reads the head of a connection's first
request, picks the worker named by the ``tm_worker`` cookie (a browser that has been here) or
the next one in turn (a new browser), and from then on copies bytes both ways, websocket frames
included. When it picked the worker, it adds ``Set-Cookie: tm_worker=N`` to the head of that
connection's first response, so the browser's later connections (the websocket, the media) come
back to the same process. A worker that does not accept the connection is skipped for the next.
The first request also gets ``X-Forwarded-For`` with the client's address, replacing any the
client sent: Streamlit's server (uvicorn) takes the client's address from that header when the
connection comes from 127.0.0.1, as the front's do, so the sign-in limits count each client.

Plain library (asyncio only): no Streamlit, no HTTP parsing beyond finding the head's end and
its Cookie header. Production deployments may put nginx or a cloud balancer here instead, with
the same rule (docs/deploy.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import re
from collections.abc import Sequence

COOKIE = "tm_worker"
HEAD_LIMIT = 64 * 1024  # a request or response head longer than this is refused / passed as is
CHUNK = 256 * 1024
_COOKIE_VALUE = re.compile(rb"(?:^|;)\s*" + COOKIE.encode() + rb"=(\d{1,3})\s*(?:;|$)")
_BAD_REQUEST = (b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
_UNAVAILABLE = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                b"Content-Length: 29\r\nConnection: close\r\n\r\nno dashboard worker answers\n")

log = logging.getLogger("talentmap.serve")


def cookie_worker(head: bytes, workers: int) -> int | None:
    """The worker a request head's ``tm_worker`` cookie names, if it is one of ``workers``."""
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"cookie":
            m = _COOKIE_VALUE.search(value)
            if m and int(m.group(1)) < workers:
                return int(m.group(1))
    return None


def forwarded_for(head: bytes, client: str) -> bytes:
    """A request head with one ``X-Forwarded-For`` naming the client (any the client sent is
    dropped: the workers believe this header from the front, so it must be the front's own)."""
    lines = head[:-4].split(b"\r\n")
    kept = [ln for ln in lines[1:] if ln.partition(b":")[0].strip().lower() != b"x-forwarded-for"]
    return b"\r\n".join([lines[0], *kept, b"X-Forwarded-For: " + client.encode()]) + b"\r\n\r\n"


def with_cookie(head: bytes, worker: int) -> bytes:
    """A response head (ending in the blank line) with the worker's cookie added."""
    cookie = f"Set-Cookie: {COOKIE}={worker}; Path=/; HttpOnly; SameSite=Lax\r\n".encode()
    return head[:-2] + cookie + b"\r\n"


async def read_head(reader: asyncio.StreamReader) -> bytes | None:
    """Bytes up to and including the blank line that ends an HTTP head; None when the peer
    closed first or the head is longer than HEAD_LIMIT."""
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return None


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        with contextlib.suppress(Exception):
            if writer.can_write_eof():
                writer.write_eof()


async def _close(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception, asyncio.CancelledError):  # closing: nothing to report
        writer.close()
        await writer.wait_closed()


class StickyProxy:
    """Connections to ``listen`` go to one of ``backends`` (host, port), sticky by cookie."""

    def __init__(self, backends: Sequence[tuple[str, int]]):
        if not backends:
            raise ValueError("no backends")
        self.backends = list(backends)
        self._turn = itertools.cycle(range(len(self.backends)))
        self.connections = [0] * len(self.backends)  # open connections per worker

    def next_worker(self) -> int:
        return next(self._turn)

    async def handle(self, c_reader: asyncio.StreamReader, c_writer: asyncio.StreamWriter):
        try:
            head = await read_head(c_reader)
            if head is None:
                if c_reader.at_eof():
                    return
                c_writer.write(_BAD_REQUEST)
                await c_writer.drain()
                return
            chosen = cookie_worker(head, len(self.backends))
            order = [chosen] if chosen is not None else []
            first = self.next_worker()
            order += [(first + i) % len(self.backends) for i in range(len(self.backends))]
            for worker in dict.fromkeys(order):
                try:
                    b_reader, b_writer = await asyncio.open_connection(
                        *self.backends[worker], limit=HEAD_LIMIT)
                    break
                except OSError:
                    log.warning("worker %d (%s:%d) does not accept connections", worker,
                                *self.backends[worker])
            else:
                c_writer.write(_UNAVAILABLE)
                await c_writer.drain()
                return
            peer = c_writer.get_extra_info("peername")
            head = forwarded_for(head, str(peer[0]) if peer else "unknown")
            await self._relay(head, worker, worker != chosen, c_reader, c_writer,
                              b_reader, b_writer)
        except (asyncio.CancelledError, ConnectionError):
            pass  # the front is stopping, or the client went away: nothing to report
        finally:
            await _close(c_writer)

    async def _relay(self, head, worker, set_cookie, c_reader, c_writer, b_reader, b_writer):
        self.connections[worker] += 1
        try:
            b_writer.write(head)
            up = asyncio.create_task(_pipe(c_reader, b_writer))
            if set_cookie:  # the first response tells the browser where it lives
                try:
                    resp = with_cookie(await b_reader.readuntil(b"\r\n\r\n"), worker)
                except asyncio.IncompleteReadError as e:  # the worker closed: pass what it sent
                    resp = e.partial
                except asyncio.LimitOverrunError:  # an odd head: passed on as it is
                    resp = b""
                c_writer.write(resp)
                await c_writer.drain()
            down = asyncio.create_task(_pipe(b_reader, c_writer))
            await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
            # one side closed: let the other finish what it has in flight, then end both
            _, pending = await asyncio.wait({up, down}, timeout=5)
            for task in pending:
                task.cancel()
        finally:
            self.connections[worker] -= 1
            await _close(b_writer)

    async def serve(self, host: str, port: int) -> asyncio.Server:
        return await asyncio.start_server(self.handle, host, port, limit=HEAD_LIMIT)
