"""Serve the dashboard from several processes behind one address (docs/deploy.md).

    python3 -m serve --workers 2 --port 8501 [-- extra streamlit options]

One Streamlit process carries about one core of Python; on a machine with more cores, more
processes of the same app on the same read-only warehouse carry more sessions. This starts
``--workers`` processes of ``dashboard.py`` on local ports and the sticky front
(``serve/proxy.py``) on ``--address:--port``. With no published warehouse it builds the demo
one first (the workers would otherwise each start the build). A worker that exits is started
again on its port (its sessions reconnect to it); Ctrl-C or SIGTERM stops them all.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from serve.proxy import StickyProxy, log  # noqa: E402

HEALTH_WAIT_S = 180.0
# Every worker: sign-in counters shared by the processes (N workers must not give N times the
# attempts). The client's address needs nothing: the front connects from 127.0.0.1 with its own
# X-Forwarded-For, which Streamlit's server believes from there (tests/test_serve_main.py).
WORKER_ENV = {"TALENTMAP_SIGNIN_LIMITS_SHARED": "true"}
RESTART_PAUSE_S = 2.0


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def ensure_warehouse() -> None:
    """Build the demo warehouse first when none is published (as the dashboard would)."""
    import settings

    db = settings.path("db_path")
    if db.exists():
        return
    from etl.demo import build

    print(f"没有已发布的数据库: 先构建演示数据 → {db}", file=sys.stderr, flush=True)
    job = build.start(db, settings.path("raw_dir"), settings.get("demo_scale"), seed=42)
    last = None
    while not job.done:
        if job.message != last:
            print(f"  {job.fraction:4.0%} {job.message}", file=sys.stderr, flush=True)
            last = job.message
        time.sleep(0.5)
    if job.error:
        raise SystemExit(f"演示数据构建失败: {job.error}")


class Worker:
    """One ``streamlit run dashboard.py`` on a local port."""

    def __init__(self, index: int, port: int, extra: list[str]):
        self.index, self.port, self.extra = index, port, extra
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py",
             "--server.port", str(self.port), "--server.address", "127.0.0.1",
             "--server.headless", "true", *self.extra],
            cwd=ROOT, env={**os.environ, **WORKER_ENV})

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stcore/health",
                                        timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def wait_healthy(self, seconds: float = HEALTH_WAIT_S) -> None:
        deadline = time.monotonic() + seconds
        while not self.healthy():
            if self.proc.poll() is not None:
                raise SystemExit(f"工作进程 {self.index} 启动失败 (退出码 {self.proc.returncode})")
            if time.monotonic() > deadline:
                raise SystemExit(f"工作进程 {self.index} 在 {seconds:.0f} 秒内未就绪")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


async def supervise(workers: list[Worker], address: str, port: int) -> None:
    proxy = StickyProxy([("127.0.0.1", w.port) for w in workers])
    server = await proxy.serve(address, port)
    shown = "localhost" if address in ("0.0.0.0", "::") else address
    print(f"人才地图: http://{shown}:{port} ({len(workers)} 个工作进程)", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with server:
        while not stop.is_set():
            for w in workers:
                if w.proc.poll() is not None:
                    log.warning("worker %d exited (%s): starting it again", w.index,
                                w.proc.returncode)
                    await asyncio.sleep(RESTART_PAUSE_S)
                    w.start()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m serve", description=__doc__.split("\n\n")[0])
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                    help="dashboard processes (default: one per core)")
    ap.add_argument("--port", type=int, default=8501)
    ap.add_argument("--address", default="0.0.0.0", help="where the front listens")
    ap.add_argument("extra", nargs="*", help="after --: options for every streamlit run")
    args = ap.parse_args(argv)
    if args.workers < 1:
        ap.error("--workers must be at least 1")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    import settings

    if code := settings.invalid_for_cli():
        raise SystemExit(code)
    ensure_warehouse()
    workers = [Worker(i, free_port(), args.extra) for i in range(args.workers)]
    try:
        for w in workers:
            w.start()
        for w in workers:
            w.wait_healthy()
        asyncio.run(supervise(workers, args.address, args.port))
    finally:
        for w in workers:
            w.stop()


if __name__ == "__main__":
    main()
