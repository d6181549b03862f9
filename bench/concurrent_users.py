"""Concurrent users: N browser sessions on one app, each changing filters and drilling down,
while a new load publishes in the middle. Not a test: run it by hand.

    python3 bench/concurrent_users.py --db /tmp/medium/w.duckdb --sessions 20 --seconds 180

Each session is a Playwright context in Debian's Chromium (loopback only) acting like a planner:
pick a metric, add a talent tier, drill down through the region box, go back up with the
breadcrumb, reading the map for a second or two in between. Two latencies are reported:

- server: how long the app's script run took (the dashboard's ``run_log`` setting writes one
  line per run; runs replaced by a newer interaction of the same user are not counted);
- browser: from the click until the run's results have reached the page (the server's
  ``script_finished`` message on the page's websocket): the server's work, plus queueing
  behind other sessions and the browser's own delay in sending the change.

Errors — which must be 0 — are exceptions shown by the app, page errors, console errors
other than Streamlit's own 404 probes, script runs that ended in an exception, and
interactions that did not finish within the timeout. Server memory is the streamlit process's
peak (VmHWM). The publish loads a small enterprise file into the warehouse mid-run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
COUNTRY = "100000"
TIMEOUT_MS = 120_000
TIER_OPTION = re.compile(r"^([A-E] |无层次)")  # a tier, not the list's "select all" entry


class RunWatch:
    """Listens to a page's Streamlit websocket and notes when each script run's results have
    arrived (the server's ``script_finished`` message), on the harness's clock. The page's
    ``data-test-script-state`` attribute is no timer: a busy browser handles a run's start and
    end in one batch and React never shows the "running" state."""

    def __init__(self, page):
        self.finished: list[float] = []
        self.event = asyncio.Event()
        page.on("websocket", self._attach)

    def _attach(self, ws) -> None:
        ws.on("framereceived", self._frame)

    def _frame(self, payload) -> None:
        if isinstance(payload, str):
            return
        msg = ForwardMsg.FromString(payload)
        if msg.WhichOneof("type") == "script_finished" and \
                msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            self.finished.append(time.perf_counter())
            self.event.set()

    async def after(self, t0: float, timeout: float) -> float:
        """Seconds from t0 until the first run that finished after t0."""
        deadline = time.perf_counter() + timeout
        while True:
            done = [t for t in self.finished if t > t0]
            if done:
                return done[0] - t0
            self.event.clear()
            await asyncio.wait_for(self.event.wait(), max(0.0, deadline - time.perf_counter()))


def start_server(db: Path, log: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "dashboard.py",
                             "--server.port", str(port), "--server.address", "127.0.0.1"],
                            cwd=ROOT, env={**os.environ, "TALENTMAP_DB_PATH": str(db),
                                 "TALENTMAP_RUN_LOG": str(log)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{base}/_stcore/health", timeout=1)
            return proc, base
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def open_list(page, box):
    """Open a select box's list and return its options. A click on a busy page sometimes only
    focuses the box, so the keyboard opens it then."""
    await box.click()
    for attempt in range(3):
        ctrl = await box.get_attribute("aria-controls")  # set while this box's list is open
        if ctrl:
            options = page.locator(f"[id='{ctrl}']").get_by_role("option")
            try:
                await options.first.wait_for(timeout=3000)
                return options
            except Exception:  # noqa: BLE001 - still opening
                pass
        await page.wait_for_timeout(500)
        if attempt:
            await box.press("ArrowDown")
    ctrl = await box.get_attribute("aria-controls")
    options = page.locator(f"[id='{ctrl}']").get_by_role("option")
    await options.first.wait_for()
    return options


async def pick(page, option) -> None:
    """Click an option of an open list; on a busy page the list may still be moving under the
    pointer, so click again (as a person would) while it stays open."""
    for _ in range(3):
        await option.click()
        try:
            await page.get_by_role("listbox").wait_for(state="hidden", timeout=2000)
            return
        except Exception:  # noqa: BLE001 - still open: the click missed
            if not await option.is_visible():
                return


async def act(page, rng: random.Random) -> str:
    """One interaction a planner makes; returns its name."""
    choice = rng.choice(["tier", "metric", "metric", "drill", "drill", "up"])
    detail = page.last_action = ""
    await page.keyboard.press("Escape")  # no list left open by the previous interaction
    drill = page.locator("[class*='st-key-drill_'] input")
    at_country = await page.locator(f".st-key-crumb_{COUNTRY} button").is_disabled()
    if choice == "up" and at_country or choice == "drill" and not await drill.count():
        choice = "drill" if at_country else "up"
    if choice == "tier":
        box = page.get_by_test_id("stMultiSelect").filter(has_text="人才层次")
        if await box.locator("[data-tag]").count() >= 3:  # narrow enough: start over
            await page.get_by_role("button", name="重置筛选").click()
            return "reset"
        for _ in range(3):  # a busy page may redraw the list under the pointer: try again
            options = (await open_list(page, box.locator("input"))).filter(has_text=TIER_OPTION)
            await options.first.wait_for()
            option = options.nth(rng.randrange(await options.count()))
            detail = await option.inner_text()
            try:
                await option.click(timeout=10_000)  # the list stays open after a pick
                await box.locator(f"[data-tag][aria-label='{detail}']").wait_for(timeout=5000)
                break
            except Exception:  # noqa: BLE001 - missed: the tag did not appear
                await page.keyboard.press("Escape")
        await page.keyboard.press("Escape")
    elif choice == "metric":
        buttons = page.locator(".st-key-metric_choice button")
        await buttons.first.wait_for()
        button = buttons.nth(rng.randrange(await buttons.count()))
        detail = await button.inner_text()
        await button.click()
    elif choice == "drill":
        options = await open_list(page, drill)
        await options.nth(1).wait_for()  # option 0 is "—"; the places come with it
        option = options.nth(rng.randint(1, await options.count() - 1))  # option 0 is "—"
        detail = await option.inner_text()
        await pick(page, option)
    else:
        crumbs = page.locator("[class*='st-key-crumb_'] button:not([disabled])")
        crumb = crumbs.nth(rng.randrange(await crumbs.count()))
        detail = await crumb.inner_text()
        await crumb.click()
    page.last_action = f"{choice} {detail}"
    return choice


async def session(browser, base: str, i: int, until: float, out: dict,
                  arrive: float | None = None) -> None:
    rng = random.Random(i)
    await asyncio.sleep(i * 1.0 if arrive is None else arrive)  # people arrive over time
    ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await ctx.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.on("pageerror", lambda e: out["errors"].append(
        f"s{i} pageerror after {getattr(page, 'last_action', '') or 'loading'} at "
        f"{time.monotonic() - out['t0']:.0f} s: {e} {(e.stack or '')[:300]}"))
    page.on("console", lambda m: m.type == "error" and "404" not in m.text
            and out["errors"].append(f"s{i} console {m.text[:200]}"))

    watch = RunWatch(page)

    async def open_app() -> None:
        await page.goto(base + "/")
        await open_app_ready(page)

    await open_app()
    while time.monotonic() < until:
        name = "?"
        try:
            t0 = time.perf_counter()
            name = await act(page, rng)
            out["latency"].append(await watch.after(t0, TIMEOUT_MS / 1000))
            await page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)  # drawn, before reading it
        except Exception as e:  # noqa: BLE001 - every failure counts as an error
            name = getattr(page, "last_action", "") or name
            out["errors"].append(f"s{i} {name} at {time.monotonic() - out['t0']:.0f} s: "
                                 f"{type(e).__name__}: {str(e)[:300]}")
            await page.screenshot(path=f"/tmp/cu-error-s{i}-{len(out['errors'])}.png")
            await open_app()
            continue
        out["moves"].append(name)
        if await page.locator("[data-testid='stException']").count():
            out["errors"].append(f"s{i} app exception after {name}")
        await page.wait_for_timeout(rng.randint(1000, 3000))  # a person reads the map
    if out.get("pub") is not None:  # the mid-run publish has ended (it may outlast the run)
        await asyncio.shield(out["pub"])
        await page.reload()  # the page as it stands now: which version it shows
        await open_app_ready(page)
    caption = await page.get_by_text("版本 ").last.inner_text()
    out["versions"][i] = caption.rsplit("版本 ", 1)[-1].strip()
    await ctx.close()


async def open_app_ready(page) -> None:
    """Until the page has run and its map is drawn (plotly's graph or the SVG map)."""
    await page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)
    await page.wait_for_selector(".js-plotly-plot, .tm-svgmap[data-drawn]", timeout=TIMEOUT_MS)


def publish_later(db: Path, delay: float, out: dict) -> None:
    """Mid-run: load one file under a new name, publishing a new version."""
    time.sleep(delay)
    from tests import fixtures

    with tempfile.TemporaryDirectory() as tmp:
        f = fixtures.write_csv(Path(tmp) / "mid-run.csv", fixtures.ENTERPRISE_HEADER,
                               fixtures.ENTERPRISES, "gbk")
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "etl", "--db", str(db), "load", str(f)],
                           cwd=ROOT, capture_output=True, text=True)
        out["publish"] = (r.returncode, time.perf_counter() - t0, r.stderr[-500:])


async def run(db: Path, log: Path, sessions: int, seconds: float, baseline: float) -> dict:
    from playwright.async_api import async_playwright

    out = {"errors": [], "latency": [], "moves": [], "publish": None, "versions": {}}
    proc, base = start_server(db, log)
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                      "--disable-background-networking", "--disable-component-update",
                      "--disable-sync"])
            if baseline:  # one session alone first: the same server's uncontended run times
                alone = {"errors": out["errors"], "latency": [], "moves": [], "versions": {},
                         "t0": time.monotonic()}
                await session(browser, base, 99, alone["t0"] + baseline, alone, arrive=0)
                out["baseline_latency"] = alone["latency"]
            out["baseline_runs"] = sum(1 for _ in open(log, encoding="utf-8")) if log.exists() else 0
            out["t0"] = time.monotonic()
            until = out["t0"] + seconds
            loop = asyncio.get_running_loop()
            out["pub"] = loop.run_in_executor(None, publish_later, db, seconds / 2, out)
            await asyncio.gather(*(session(browser, base, i, until, out)
                                   for i in range(sessions)))
            await out["pub"]
            await browser.close()
        out["server_peak_rss_mb"] = peak_rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)
    return out


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[round(q * (len(values) - 1))] if values else float("nan")


def outcomes(every: list[dict], out: dict, before: str, after: str, published: bool = True
             ) -> tuple[list[dict], list[float], list[float], list[str], list[int]]:
    """From the run log (``every``) and a run's ``out``: the runs after the baseline, the
    baseline's and the run's finished server times (ms), every error, and the sessions left on
    the old version. ``published``: a load was meant to publish mid-run."""
    alone, runs = every[:out["baseline_runs"]], every[out["baseline_runs"]:]
    base = [r["ms"] for r in alone if r["outcome"] == "ok"]
    done = [r["ms"] for r in runs if r["outcome"] == "ok"]
    failed = [r for r in every if r["outcome"] not in ("ok", "RerunException", "StopException")]
    errors = out["errors"] + [f"server run {r['page']} ended in {r['outcome']}" for r in failed]
    if published and before == after:
        errors.append("the mid-run load did not publish a new version")
    stale = sorted(i for i, v in out["versions"].items() if v != after)
    errors += [f"s{i} still shows version {out['versions'][i]} at the end" for i in stale]
    return runs, base, done, errors, stale


def private_app_store(folder: Path) -> int:
    """Point the server and the mid-run load at a copy of the app's own database and alert
    store (``app_db_path``): the run sees the alerts a deployment has gathered (every page run
    counts them for the navigation's badge) but adds none to it. Returns how many it holds."""
    import os
    import sqlite3

    import settings
    from access import alert_store

    src = settings.path("app_db_path")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / src.name
    for f in (src, alert_store.store_path(src)):
        if f.exists():
            shutil.copyfile(f, folder / f.name)
    os.environ["TALENTMAP_APP_DB_PATH"] = str(target)
    store = alert_store.store_path(target)
    if not store.exists():
        return 0
    with sqlite3.connect(store) as con:
        return con.execute("SELECT count(*) FROM alert").fetchone()[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=180)
    ap.add_argument("--baseline-seconds", type=float, default=60,
                    help="one session alone first, for the same run's baseline (0: none)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:  # publish into a copy, not the original
        db, log = Path(tmp) / "warehouse.duckdb", Path(tmp) / "runs.jsonl"
        shutil.copyfile(args.db, db)
        print(f"alert store: a private copy with {private_app_store(Path(tmp) / 'app')} alerts")
        from store.status import published_version

        before = published_version(db)
        out = asyncio.run(run(db, log, args.sessions, args.seconds, args.baseline_seconds))
        after = published_version(db)
        every = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    runs, base, done, errors, stale = outcomes(every, out, before, after)
    lat = [x * 1000 for x in out["latency"]]
    moves = {m: out["moves"].count(m) for m in sorted(set(out["moves"]))}
    print(f"{args.sessions} sessions × {args.seconds:.0f} s on {args.db}: {len(lat)} interactions "
          f"{moves}, {len(errors)} errors")
    print(f"server script runs: {len(done)} finished, "
          f"{sum(r['outcome'] == 'RerunException' for r in runs)} replaced by a newer one; "
          f"p50 {statistics.median(done):.0f} ms, p95 {pct(done, 0.95):.0f} ms, "
          f"max {max(done):.0f} ms")
    if base:
        print(f"baseline, one session alone on the same server: {len(base)} runs, "
              f"p50 {statistics.median(base):.0f} ms, p95 {pct(base, 0.95):.0f} ms → under "
              f"{args.sessions} sessions ×{statistics.median(done) / statistics.median(base):.1f}"
              f" at p50, ×{pct(done, 0.95) / pct(base, 0.95):.1f} at p95")
    if lat:
        print(f"browser (click → results received): p50 {statistics.median(lat):.0f} ms, "
              f"p95 {pct(lat, 0.95):.0f} ms")
    if out.get("baseline_latency"):
        alone_lat = [x * 1000 for x in out["baseline_latency"]]
        print(f"  alone: p50 {statistics.median(alone_lat):.0f} ms, "
              f"p95 {pct(alone_lat, 0.95):.0f} ms")
    code, secs, err = out["publish"] or (None, 0, "did not run")
    print(f"mid-run publish: exit {code}, {secs:.1f} s; version {before} → {after}; "
          f"sessions on the new version at the end: {len(out['versions']) - len(stale)}"
          f"/{args.sessions}" + (f"\n  {err}" if code else ""))
    print(f"server peak memory {out.get('server_peak_rss_mb', 0):.0f} MB")
    for e in errors[:30]:
        print("  ", e)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
