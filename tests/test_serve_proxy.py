"""The sticky front of ``python -m serve`` (serve/proxy.py): a new browser is given the next
worker and a cookie naming it, a browser with the cookie always reaches that worker (its
websocket and its media), a worker that is down is skipped, and the bytes of an upgraded
connection pass both ways untouched."""

from __future__ import annotations

import asyncio

import pytest

from serve.proxy import COOKIE, StickyProxy, cookie_worker, forwarded_for, with_cookie


def test_cookie_worker_reads_only_its_own_cookie_and_only_known_workers():
    head = b"GET / HTTP/1.1\r\nHost: x\r\nCookie: a=1; tm_worker=1; b=2\r\n\r\n"
    assert cookie_worker(head, 2) == 1
    assert cookie_worker(head.replace(b"tm_worker=1", b"tm_worker=7"), 2) is None
    assert cookie_worker(head.replace(b"tm_worker=1", b"xtm_worker=1"), 2) is None
    assert cookie_worker(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 2) is None
    assert cookie_worker(b"GET / HTTP/1.1\r\ncookie:tm_worker=0\r\n\r\n", 2) == 0


def test_with_cookie_adds_a_header_inside_the_head():
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"
    out = with_cookie(head, 1)
    assert out.startswith(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n")
    assert out.endswith(b"\r\nSet-Cookie: tm_worker=1; Path=/; HttpOnly; SameSite=Lax\r\n\r\n")


async def _backend(name: str):
    """An HTTP/1.1 server that answers every request with its name and the request's path;
    ``GET /upgrade`` switches to echoing raw bytes, upper-cased, as a websocket would."""
    async def handle(reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ")[1]
                if path == b"/upgrade":
                    writer.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n")
                    while data := await reader.read(1024):
                        writer.write(data.upper())
                        await writer.drain()
                    break
                body = name.encode() + b" " + path
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def _get(port: int, path: str = "/", cookie: str | None = None) -> tuple[bytes, bytes]:
    """One request on a new connection: (response head, body)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    extra = f"Cookie: {cookie}\r\n" if cookie else ""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: t\r\n{extra}\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
    body = await reader.readexactly(length)
    writer.close()
    return head, body


@pytest.fixture
def front():
    """Run a coroutine against a front over two named backends (one of them may be down)."""
    def run(scenario, down: bool = False):
        async def main():
            a, pa = await _backend("A")
            b, pb = await _backend("B")
            if down:
                b.close()
                await b.wait_closed()
            proxy = StickyProxy([("127.0.0.1", pa), ("127.0.0.1", pb)])
            server = await proxy.serve("127.0.0.1", 0)
            try:
                return await scenario(server.sockets[0].getsockname()[1], proxy)
            finally:
                for s in (server, a, b):
                    s.close()
        return asyncio.run(main())
    return run


def test_new_browsers_take_turns_and_are_told_their_worker(front):
    async def scenario(port, _proxy):
        return [await _get(port, f"/p{i}") for i in range(4)]

    got = front(scenario)
    assert [body for _, body in got] == [b"A /p0", b"B /p1", b"A /p2", b"B /p3"]
    assert [f"Set-Cookie: {COOKIE}={i % 2};".encode() in head for i, (head, _) in
            enumerate(got)] == [True] * 4


def test_a_browser_with_the_cookie_always_reaches_its_worker(front):
    async def scenario(port, _proxy):
        return [await _get(port, f"/media/{i}", cookie=f"x=1; {COOKIE}=1") for i in range(3)]

    got = front(scenario)
    assert [body for _, body in got] == [b"B /media/0", b"B /media/1", b"B /media/2"]
    assert not any(b"Set-Cookie" in head for head, _ in got), "a cookie it has is set again"


def test_a_worker_that_is_down_is_skipped(front):
    async def scenario(port, _proxy):
        return [await _get(port, "/a"), await _get(port, "/b"),
                await _get(port, "/c", cookie=f"{COOKIE}=1")]

    got = front(scenario, down=True)
    assert [body for _, body in got] == [b"A /a", b"A /b", b"A /c"]
    # the browser whose worker went away is moved, and told so
    assert f"Set-Cookie: {COOKIE}=0;".encode() in got[2][0]


def test_an_upgraded_connection_passes_bytes_both_ways(front):
    async def scenario(port, proxy):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET /upgrade HTTP/1.1\r\nHost: t\r\nCookie: {COOKIE}=1\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        echoed = []
        for msg in (b"hello", b"\x00\x81binary\xff" * 1000):
            writer.write(msg)
            await writer.drain()
            echoed.append(await reader.readexactly(len(msg)))
        open_now = list(proxy.connections)
        writer.close()
        await writer.wait_closed()
        for _ in range(50):  # the front lets go of the worker's side too
            if proxy.connections == [0, 0]:
                break
            await asyncio.sleep(0.02)
        return head, echoed, open_now, list(proxy.connections)

    head, echoed, open_now, after = front(scenario)
    assert head.startswith(b"HTTP/1.1 101")
    assert echoed == [b"HELLO", b"\x00\x81BINARY\xff" * 1000]
    assert open_now == [0, 1] and after == [0, 0]


def test_a_request_head_that_never_ends_is_refused(front):
    async def scenario(port, _proxy):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nX: " + b"a" * (70 * 1024))
        await writer.drain()
        return await reader.read(200)

    assert front(scenario).startswith(b"HTTP/1.1 400")


def test_the_front_names_the_client_and_drops_what_the_client_claimed():
    head = (b"GET /_stcore/stream HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 6.6.6.6\r\n"
            b"x-forwarded-for: 7.7.7.7\r\nUpgrade: websocket\r\n\r\n")
    out = forwarded_for(head, "10.1.2.3")
    assert out == (b"GET /_stcore/stream HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\n"
                   b"X-Forwarded-For: 10.1.2.3\r\n\r\n")
