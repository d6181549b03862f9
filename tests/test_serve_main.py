"""``python -m serve`` (serve/__main__.py) without starting anything real: what each worker
is started with, the warehouse built once before any worker, bad arguments refused."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from serve import __main__ as serve


def test_a_worker_runs_the_dashboard_on_loopback_with_shared_sign_in_limits(monkeypatch):
    started = []
    monkeypatch.setattr(serve.subprocess, "Popen",
                        lambda cmd, cwd, env: started.append((cmd, env)) or object())
    serve.Worker(1, 18502, ["--server.maxUploadSize", "500"]).start()
    (cmd, env), = started
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4] == "dashboard.py"
    assert cmd[cmd.index("--server.port") + 1] == "18502"
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"  # never reachable from outside
    assert cmd[-2:] == ["--server.maxUploadSize", "500"]
    assert env["TALENTMAP_SIGNIN_LIMITS_SHARED"] == "true"


def test_no_warehouse_is_built_once_before_the_workers(monkeypatch, tmp_path):
    monkeypatch.setenv("TALENTMAP_DB_PATH", str(tmp_path / "w.duckdb"))
    order = []

    class Job:
        done, error, fraction, message = True, None, 1.0, "done"

    from etl.demo import build

    monkeypatch.setattr(build, "start", lambda *a, **k: order.append("build") or Job())
    monkeypatch.setattr(serve.Worker, "start", lambda self: order.append(f"worker {self.index}"))
    monkeypatch.setattr(serve.Worker, "wait_healthy", lambda self: None)
    monkeypatch.setattr(serve.Worker, "stop", lambda self: None)
    monkeypatch.setattr(serve, "supervise", lambda *a: _done())
    serve.main(["--workers", "2", "--port", "0"])
    assert order == ["build", "worker 0", "worker 1"]


async def _done() -> None:
    return None


def test_zero_workers_is_refused():
    with pytest.raises(SystemExit):
        serve.main(["--workers", "0"])


APP = ('import streamlit as st\n'
       'st.markdown(f"ip=[{st.context.ip_address}]")\n')


async def _ip_seen(url: str, forwarded: str) -> str:
    """The address a Streamlit app sees for a websocket session that sends ``forwarded``."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    async with websockets.connect(url, subprotocols=["streamlit"], origin=url,
                                  additional_headers={"X-Forwarded-For": forwarded}) as ws:
        msg = BackMsg()
        msg.rerun_script.page_script_hash = ""
        await ws.send(msg.SerializeToString())
        while True:
            f = ForwardMsg.FromString(await asyncio.wait_for(ws.recv(), 60))
            if f.WhichOneof("type") == "delta" and \
                    f.delta.new_element.WhichOneof("type") == "markdown":
                return f.delta.new_element.markdown.body


def test_a_worker_counts_the_client_the_front_names_not_one_the_client_claims(tmp_path):
    """Sign-in limits per client (views/auth.client_key reads st.context.ip_address): Streamlit's
    server believes X-Forwarded-For from 127.0.0.1, where the front connects from, and the front
    replaces any the client sent — so behind it the client is itself, and cannot be another."""
    from serve.proxy import StickyProxy

    (tmp_path / "ip.py").write_text(APP)
    port = serve.free_port()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(tmp_path / "ip.py"),
                             "--server.port", str(port), "--server.address", "127.0.0.1",
                             "--server.headless", "true"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        worker = serve.Worker(0, port, [])
        worker.proc = proc
        worker.wait_healthy(60)  # the same health check serve uses

        async def both():
            direct = await _ip_seen(f"ws://127.0.0.1:{port}/_stcore/stream", "203.0.113.7")
            front = await StickyProxy([("127.0.0.1", port)]).serve("127.0.0.1", 0)
            async with front:
                fport = front.sockets[0].getsockname()[1]
                through = await _ip_seen(f"ws://127.0.0.1:{fport}/_stcore/stream",
                                         "203.0.113.7")
            return direct, through

        direct, through = asyncio.run(both())
    finally:
        proc.terminate()
        proc.wait(10)
    assert direct == "ip=[203.0.113.7]", "a proxy on this machine names the client"
    # through the front the header is the front's: the client's real (loopback) address, which
    # Streamlit reports as None; never the address the client claimed
    assert through == "ip=[None]"
