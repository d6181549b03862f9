"""``python -m serve`` (serve/__main__.py) without starting anything real: what each worker
is started with, the warehouse built once before any worker, bad arguments refused."""

from __future__ import annotations

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
    assert env["TALENTMAP_TRUST_FORWARDED_FOR"] == "true"


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
