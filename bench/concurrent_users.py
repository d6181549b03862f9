"""Concurrent users: N browser sessions on one app, each changing filters and drilling down,
while a new load publishes in the middle. Not a test: run it by hand.

    python3 bench/concurrent_users.py --db /tmp/medium/w.duckdb --sessions 20 --seconds 180

Each session is a Playwright context in Debian's Chromium (loopback only). An interaction is
timed from the click until the app's script run has finished (stApp back to notRunning).
Reports errors (exceptions shown by the app, page errors, console errors other than Streamlit's
own 404 probes, timeouts) — which must be 0 — p50/p95 interaction latency, and the server's
peak memory (VmHWM of the streamlit process). The publish copies the warehouse's newest
enterprise file back in under a new name, so the warehouse gets a new version mid-run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
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
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
TIERS = ["A 顶尖人才", "B 国家级领军", "C 省级领军", "D 市级领军", "E 高级/青年"]
METRICS = ["人才数量", "高层次人才 (A–D)", "每万人人才数", "占全国比重", "同比增长"]


def start_server(db: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "dashboard.py",
                             "--server.port", str(port), "--server.address", "127.0.0.1"],
                            cwd=ROOT, env={**os.environ, "TALENTMAP_DB_PATH": str(db)},
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


async def act(page, rng: random.Random) -> str:
    """One interaction a planner makes; returns its name."""
    choice = rng.choice(["tier", "metric", "drill", "drill", "up"])
    side = page.locator("section[data-testid='stSidebar']")
    if choice == "tier":
        await side.get_by_text("人才层次").locator("xpath=following::input[1]").click()
        await page.get_by_role("option", name=rng.choice(TIERS)).first.click(timeout=60_000)
        await page.keyboard.press("Escape")
    elif choice == "metric":
        main = page.locator("section[data-testid='stMain']")
        await main.get_by_text(rng.choice(METRICS), exact=True).first.click()
    elif choice == "drill":
        box = side.get_by_text("下钻到").locator("xpath=following::input[1]")
        await box.click()
        options = page.get_by_role("option")
        n = await options.count()
        if n > 1:
            await options.nth(rng.randint(1, n - 1)).click()
        else:
            await page.keyboard.press("Escape")
    else:
        up = side.get_by_role("button", name="全国")
        if await up.is_disabled():  # already at the country: drill instead
            return await act(page, random.Random(rng.random()))
        await up.click()
    return choice


async def session(browser, base: str, i: int, until: float, out: dict) -> None:
    rng = random.Random(i)
    ctx = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await ctx.new_page()
    page.on("pageerror", lambda e: out["errors"].append(f"s{i} pageerror {e}"))
    page.on("console", lambda m: m.type == "error" and "404" not in m.text
            and out["errors"].append(f"s{i} console {m.text[:200]}"))
    await page.goto(base + "/")
    await page.wait_for_selector(IDLE, timeout=120_000)
    await page.wait_for_selector(".js-plotly-plot", timeout=120_000)
    while time.monotonic() < until:
        t0 = time.perf_counter()
        try:
            name = await act(page, rng)
            await page.wait_for_timeout(50)
            await page.wait_for_selector(IDLE, timeout=60_000)
        except Exception as e:  # noqa: BLE001 - every failure counts as an error
            out["errors"].append(f"s{i} {type(e).__name__}: {str(e)[:200]}")
            await page.goto(base + "/")
            await page.wait_for_selector(IDLE, timeout=120_000)
            continue
        out["latency"].append(time.perf_counter() - t0)
        out["moves"].append(name)
        if await page.locator("[data-testid='stException']").count():
            out["errors"].append(f"s{i} app exception after {name}")
        await page.wait_for_timeout(rng.randint(200, 1200))  # a person reads the map
    await ctx.close()


def publish_later(db: Path, delay: float, out: dict) -> None:
    """Mid-run: load one file under a new name, publishing a new version."""
    time.sleep(delay)
    src = ROOT / "tests" / "fixtures.py"  # the tiny fixtures write a GBK enterprise file
    sys.path.insert(0, str(ROOT))
    from tests import fixtures

    with tempfile.TemporaryDirectory() as tmp:
        f = fixtures.write_csv(Path(tmp) / "mid-run.csv", fixtures.ENTERPRISE_HEADER,
                               fixtures.ENTERPRISES, "gbk")
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "etl", "--db", str(db), "load", str(f)],
                           cwd=ROOT, capture_output=True, text=True)
        out["publish"] = (r.returncode, time.perf_counter() - t0, src.name)


async def run(db: Path, sessions: int, seconds: float) -> dict:
    from playwright.async_api import async_playwright

    out = {"errors": [], "latency": [], "moves": [], "publish": None}
    proc, base = start_server(db)
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                      "--disable-background-networking", "--disable-component-update",
                      "--disable-sync"])
            until = time.monotonic() + seconds
            loop = asyncio.get_running_loop()
            pub = loop.run_in_executor(None, publish_later, db, seconds / 2, out)
            await asyncio.gather(*(session(browser, base, i, until, out)
                                   for i in range(sessions)))
            await pub
            await browser.close()
        out["server_peak_rss_mb"] = peak_rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=180)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:  # publish into a copy, not the original
        db = Path(tmp) / "warehouse.duckdb"
        shutil.copyfile(args.db, db)
        out = asyncio.run(run(db, args.sessions, args.seconds))
    lat = sorted(out["latency"])
    p95 = lat[int(0.95 * (len(lat) - 1))] if lat else float("nan")
    print(f"{args.sessions} sessions × {args.seconds:.0f} s: {len(lat)} interactions, "
          f"{len(out['errors'])} errors")
    if lat:
        print(f"interaction latency p50 {statistics.median(lat) * 1000:.0f} ms, "
              f"p95 {p95 * 1000:.0f} ms")
    print(f"mid-run publish: exit {out['publish'][0]}, {out['publish'][1]:.1f} s"
          if out["publish"] else "mid-run publish: did not run")
    print(f"server peak memory {out.get('server_peak_rss_mb', 0):.0f} MB")
    for e in out["errors"][:20]:
        print("  ", e)


if __name__ == "__main__":
    main()
