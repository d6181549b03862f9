"""Concurrent users without browsers: N sessions speaking Streamlit's own websocket protocol to
one app, acting like bench/concurrent_users.py's planners. Not a test: run it by hand.

    python3 bench/protocol_users.py --db /tmp/large.duckdb --sessions 20 --seconds 120

bench/concurrent_users.py drives 20 Chromiums; on this 2-core machine they take the cores from
the server they measure (software WebGL for every map), so its server times say more about the
browsers than about the app. Here each session is a websocket client that does what the page's
JavaScript does and nothing more: it sends a rerun with the widget value a person would pick
(a metric, a talent tier, a place to drill into, a breadcrumb to go back up; widgets inside a
fragment rerun only their fragment, as the browser asks), reads the run's messages until the
server's ``script_finished``, and waits 1–3 s before the next interaction, like the browser
bench. A new load publishes mid-run, as there.

Reported: server time per script run (the dashboard's ``run_log``, as the browser bench), the
client's wait from sending the change to ``script_finished`` (the server's work plus queueing
behind other sessions), the same for one session alone on the same server first (the baseline),
and errors — which must be 0: exceptions the app showed, runs that ended in an exception,
interactions that did not finish within the timeout, sessions left on the old version.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import websockets  # noqa: E402 - Streamlit's own dependency
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from bench.concurrent_users import (  # noqa: E402
    COUNTRY,
    TIER_OPTION,
    outcomes,
    pct,
    peak_rss_mb,
    private_app_store,
    publish_later,
)
from serve.__main__ import free_port  # noqa: E402

TIMEOUT_S = 120
VERSION = re.compile(r"版本 (\S+)")


class Session:
    """One user's websocket: ``rerun`` sends a change and reads that run's messages."""

    def __init__(self, base: str, i: int):
        self.url = base.replace("http://", "ws://") + "/_stcore/stream"
        self.origin, self.i = base, i
        self.ws = None
        self.page_hash = ""
        self.widgets: dict[str, tuple[str, object, str]] = {}  # id → (kind, proto, fragment)
        self.errors: list[str] = []
        self.version = ""
        self.tiers: list[str] = []

    async def open(self) -> float:
        self.ws = await websockets.connect(self.url, subprotocols=["streamlit"],
                                           origin=self.origin, max_size=None)
        return await self.rerun()

    async def rerun(self, *states, fragment: str = "") -> float:
        """Send a rerun with ``states`` (WidgetState protos); seconds until its results."""
        msg = BackMsg()
        rerun = msg.rerun_script
        rerun.page_script_hash = self.page_hash
        rerun.fragment_id = fragment
        for s in states:
            rerun.widget_states.widgets.append(s)
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        if not fragment:
            self.widgets = {}
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), TIMEOUT_S)
            if isinstance(raw, str):
                continue
            f = ForwardMsg.FromString(raw)
            kind = f.WhichOneof("type")
            if kind == "navigation":
                self.page_hash = f.navigation.page_script_hash or self.page_hash
            elif kind == "delta" and f.delta.WhichOneof("type") == "new_element":
                self._element(f.delta.new_element, f.delta.fragment_id)
            elif kind == "script_finished" and \
                    f.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                return time.perf_counter() - t0

    def _element(self, el, fragment: str) -> None:
        kind = el.WhichOneof("type")
        inner = getattr(el, kind)
        if kind == "exception":
            self.errors.append(f"s{self.i} app exception: {inner.message[:200]}")
        elif kind == "markdown" and (m := VERSION.search(inner.body)):
            self.version = m.group(1)
        wid = getattr(inner, "id", "") if kind != "markdown" else ""
        if wid:
            self.widgets[wid] = (kind, inner, fragment)

    def find(self, kind: str, key: str = "", label: str = "") -> list[tuple[str, object, str]]:
        return [(wid, p, frag) for wid, (k, p, frag) in self.widgets.items() if k == kind
                and (not key or wid.rsplit("-", 1)[-1].startswith(key))
                and (not label or getattr(p, "label", "") == label)]

    async def act(self, rng: random.Random) -> tuple[str, float]:
        """One interaction a planner makes (bench/concurrent_users.py's mix)."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        choice = rng.choice(["tier", "metric", "metric", "drill", "drill", "up"])
        crumbs = [c for c in self.find("button", "crumb_") if not c[1].disabled]
        at_country = not any(c[0].endswith(f"crumb_{COUNTRY}") for c in crumbs)
        drills = [d for d in self.find("selectbox", "drill_") if len(d[1].options) > 1]
        if choice == "up" and at_country or choice == "drill" and not drills:
            choice = "drill" if at_country and drills else "up" if crumbs else "metric"
        if choice == "tier":
            box = self.find("multiselect", label="人才层次")
            if not box or len(self.tiers) >= 3:  # narrow enough: start over
                reset = self.find("button", label="重置筛选")
                self.tiers = []
                return "reset", await self.rerun(WidgetState(id=reset[0][0], trigger_value=True),
                                                 fragment=reset[0][2])
            wid, p, frag = box[0]
            free = [o for o in p.options if TIER_OPTION.match(o) and o not in self.tiers]
            self.tiers.append(rng.choice(free))
            state = WidgetState(id=wid)
            state.string_array_value.data.extend(self.tiers)
            return "tier", await self.rerun(state, fragment=frag)
        if choice == "metric":
            wid, p, frag = self.find("button_group", "metric_choice")[0]
            state = WidgetState(id=wid)
            state.string_array_value.data.append(rng.choice(p.options).content)
            return "metric", await self.rerun(state, fragment=frag)
        if choice == "drill":
            wid, p, frag = drills[0]
            return "drill", await self.rerun(
                WidgetState(id=wid, string_value=p.options[rng.randint(1, len(p.options) - 1)]),
                fragment=frag)
        wid, _p, frag = rng.choice(crumbs)
        return "up", await self.rerun(WidgetState(id=wid, trigger_value=True), fragment=frag)


async def session(base: str, i: int, until: float, out: dict, arrive: float) -> None:
    rng = random.Random(i)
    await asyncio.sleep(arrive)  # people arrive over time
    s = Session(base, i)
    try:
        await s.open()
        while time.monotonic() < until:
            try:
                name, secs = await s.act(rng)
            except Exception as e:  # noqa: BLE001 - every failure counts as an error
                out["errors"].append(f"s{i} at {time.monotonic() - out['t0']:.0f} s: "
                                     f"{type(e).__name__}: {str(e)[:300]}")
                await s.ws.close()
                await s.open()
                continue
            out["latency"].append(secs)
            out["moves"].append(name)
            await asyncio.sleep(rng.uniform(1.0, 3.0))  # a person reads the map
        if out.get("pub") is not None:  # the mid-run publish has ended (it may outlast the run)
            await asyncio.shield(out["pub"])
        await s.rerun()  # the page as it stands now: which version it shows
        out["versions"][i] = s.version
    finally:
        out["errors"] += s.errors
        if s.ws is not None:
            await s.ws.close()


INDEXES_BUILT = "in-memory indexes) built"  # views/state.py's line once a version's are built


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def start_servers(db: Path, log: Path, folder: Path, workers: int, front: bool
                  ) -> tuple[list[subprocess.Popen], list[str]]:
    """The app under test, each process's output in ``folder``: ``workers`` Streamlit processes
    (the sessions spread over them by the bench), or with ``front`` ``python -m serve`` (its
    workers behind its sticky front, every session through the front). Returns once every
    process has built the published version's in-memory indexes (the server's warm-up, which
    runs in the background after the port opens): the bench measures the steady state."""
    env = {**os.environ, "TALENTMAP_DB_PATH": str(db), "TALENTMAP_RUN_LOG": str(log)}
    streamlit = ["--server.address", "127.0.0.1", "--server.headless", "true"]
    procs, bases, outs = [], [], []
    for i in range(1 if front else workers):
        port = free_port()
        cmd = ([sys.executable, "-m", "serve", "--workers", str(workers), "--port", str(port),
                "--address", "127.0.0.1"] if front else
               [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port",
                str(port), *streamlit])
        outs.append(folder / f"server-{i}.log")
        with open(outs[-1], "w") as sink:
            procs.append(subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=sink,
                                          stderr=subprocess.STDOUT))
        bases.append(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 300
    for base in bases:
        while True:
            try:
                urllib.request.urlopen(f"{base}/_stcore/health", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                    raise RuntimeError(f"server did not start: see {folder}") from None
                time.sleep(0.2)
    while sum(o.read_text("utf-8").count(INDEXES_BUILT) for o in outs) < workers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the servers did not build their indexes in 300 s: {folder}")
        time.sleep(0.2)
    return procs, bases


async def run(db: Path, log: Path, sessions: int, seconds: float, baseline: float,
              publish: bool = True, workers: int = 1, front: bool = False) -> dict:
    """``workers`` > 1: that many server processes of the same app on the same warehouse; the
    bench spreads the sessions over them in turn, or with ``front`` the sticky front of
    ``python -m serve`` does (measured with it)."""
    out = {"errors": [], "latency": [], "moves": [], "publish": None, "versions": {}}
    procs, bases = start_servers(db, log, log.parent, workers, front)
    base = bases[0]
    try:
        if baseline:  # one session alone first: the same server's uncontended run times
            alone = {"errors": out["errors"], "latency": [], "moves": [], "versions": {},
                     "t0": time.monotonic()}
            await session(base, 99, alone["t0"] + baseline, alone, 0)
            out["baseline_latency"] = alone["latency"]
        out["baseline_runs"] = sum(1 for _ in open(log, encoding="utf-8")) if log.exists() else 0
        out["t0"] = time.monotonic()
        until = out["t0"] + seconds
        if publish:
            out["pub"] = asyncio.get_running_loop().run_in_executor(
                None, publish_later, db, seconds / 2, out)
        await asyncio.gather(*(session(bases[i % len(bases)], i, until, out, i * 1.0)
                               for i in range(sessions)))
        if publish:
            await out["pub"]
        out["server_peak_rss_mb"] = sum(peak_rss_mb(pid) for p in procs
                                        for pid in (p.pid, *_children(p.pid)))
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(10)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--baseline-seconds", type=float, default=30,
                    help="one session alone first, for the same run's baseline (0: none)")
    ap.add_argument("--no-publish", action="store_true",
                    help="no load mid-run: the steady state of one published version")
    ap.add_argument("--workers", type=int, default=1,
                    help="server processes on the same warehouse, sessions spread over them")
    ap.add_argument("--front", action="store_true",
                    help="run python -m serve --workers N: every session through its front")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:  # publish into a copy, not the original
        db, log = Path(tmp) / "warehouse.duckdb", Path(tmp) / "runs.jsonl"
        shutil.copyfile(args.db, db)
        alerts = private_app_store(Path(tmp) / "app")
        print(f"alert store: a private copy with {alerts} alerts")
        from store.status import published_version

        before = published_version(db)
        out = asyncio.run(run(db, log, args.sessions, args.seconds, args.baseline_seconds,
                              not args.no_publish, args.workers, args.front))
        after = published_version(db)
        every = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    runs, base, done, errors, stale = outcomes(every, out, before, after, not args.no_publish)
    lat = [x * 1000 for x in out["latency"]]
    alone_lat = [x * 1000 for x in out.get("baseline_latency", [])]
    moves = {m: out["moves"].count(m) for m in sorted(set(out["moves"]))}
    figures = {
        "sessions": args.sessions, "workers": args.workers, "front": args.front,
        "seconds": args.seconds, "interactions": len(lat),
        "moves": moves, "errors": len(errors),
        "server_p50_ms": statistics.median(done), "server_p95_ms": pct(done, 0.95),
        "alone_server_p50_ms": statistics.median(base) if base else None,
        "alone_server_p95_ms": pct(base, 0.95) if base else None,
        "wait_p50_ms": statistics.median(lat) if lat else None,
        "wait_p95_ms": pct(lat, 0.95) if lat else None,
        "alone_wait_p50_ms": statistics.median(alone_lat) if alone_lat else None,
        "alone_wait_p95_ms": pct(alone_lat, 0.95) if alone_lat else None,
        "server_peak_rss_mb": out.get("server_peak_rss_mb"),
    }
    print(f"{args.sessions} protocol sessions × {args.seconds:.0f} s on {args.db} "
          f"({args.workers} server process{'es' if args.workers > 1 else ''}"
          f"{', through python -m serve' if args.front else ''}): {len(lat)} "
          f"interactions {moves}, {len(errors)} errors")
    print(f"server script runs: {len(done)} finished, "
          f"{sum(r['outcome'] == 'RerunException' for r in runs)} replaced by a newer one; "
          f"p50 {figures['server_p50_ms']:.0f} ms, p95 {figures['server_p95_ms']:.0f} ms, "
          f"max {max(done):.0f} ms")
    if base:
        print(f"baseline, one session alone on the same server: {len(base)} runs, "
              f"p50 {figures['alone_server_p50_ms']:.0f} ms, "
              f"p95 {figures['alone_server_p95_ms']:.0f} ms → under {args.sessions} sessions "
              f"×{figures['server_p50_ms'] / figures['alone_server_p50_ms']:.1f} at p50, "
              f"×{figures['server_p95_ms'] / figures['alone_server_p95_ms']:.1f} at p95")
    if lat:
        print(f"client wait (change sent → results received): p50 {figures['wait_p50_ms']:.0f} "
              f"ms, p95 {figures['wait_p95_ms']:.0f} ms"
              + (f"; alone p50 {figures['alone_wait_p50_ms']:.0f} ms, "
                 f"p95 {figures['alone_wait_p95_ms']:.0f} ms" if alone_lat else ""))
    code, secs, err = out["publish"] or (None, 0, "did not run")
    print(f"mid-run publish: exit {code}, {secs:.1f} s; version {before} → {after}; "
          f"sessions on the new version at the end: {len(out['versions']) - len(stale)}"
          f"/{args.sessions}" + (f"\n  {err}" if code else ""))
    print(f"server peak memory {out.get('server_peak_rss_mb', 0):.0f} MB"
          + (" (all processes)" if args.workers > 1 else ""))
    pages = {p: sum(r["page"] == p for r in runs) for p in sorted({r["page"] for r in runs})}
    print(f"script runs by page (a fragment's own rerun: page#fragment): {pages}")
    for e in errors[:30]:
        print("  ", e)
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
