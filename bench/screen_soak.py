"""大屏 soak: does the screen run unattended without growing memory? (issue 21, docs/screen.md)

Starts the dashboard on a copy of a demo warehouse, opens ``/screen`` in Chromium at
1920×1080 with a fast rotation (``--seconds``, default 5), and every ``--sample`` seconds for
``--minutes`` records the server process's RSS (``/proc/<pid>/status`` VmRSS, or psutil when
installed) and the page's JS heap after a garbage collection (CDP ``Performance.getMetrics``
``JSHeapUsedSize``), with DOM nodes and the scene on screen. Prints start, end and the
least-squares slope (MB/hour) of both, the scenes seen and every page error; ``--out`` writes
the samples as JSON.

    python bench/screen_soak.py --minutes 30            # a new small demo in a temp dir
    python bench/screen_soak.py --db data/warehouse.duckdb --minutes 10 --out soak.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def rss_mb(pid: int) -> float:
    try:
        import psutil

        return psutil.Process(pid).memory_info().rss / 2**20
    except ImportError:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def slope_per_hour(ts: list[float], ys: list[float]) -> float:
    """Least-squares slope of ys over ts (seconds), per hour."""
    n = len(ts)
    if n < 2:
        return float("nan")
    mt, my = sum(ts) / n, sum(ys) / n
    var = sum((t - mt) ** 2 for t in ts)
    return sum((t - mt) * (y - my) for t, y in zip(ts, ys, strict=True)) / var * 3600 if var \
        else float("nan")


def demo_copy(db: str | None, work: Path) -> Path:
    target = work / "warehouse.duckdb"
    if db:
        shutil.copyfile(db, target)
        return target
    sys.path.insert(0, str(ROOT))
    from etl.demo import demo_sources, generate
    from etl.load import load_files

    files = generate(work / "raw", scale="small", seed=42)
    report = load_files(files, db_path=target, source="demo", sources=demo_sources(files))
    if not report.ok:
        raise SystemExit(f"demo load failed: {report}")
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--seconds", type=int, default=5, help="screen_seconds of the run")
    ap.add_argument("--sample", type=float, default=30.0, help="seconds between samples")
    ap.add_argument("--db", help="warehouse to copy (default: build the small demo)")
    ap.add_argument("--role", default="admin")
    ap.add_argument("--out", help="write the samples here (JSON)")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="screen_soak_"))
    db = demo_copy(args.db, work)
    port = free_port()
    env = {**os.environ, "TALENTMAP_DB_PATH": str(db), "TALENTMAP_ROLE": args.role,
           "TALENTMAP_SCREEN_SECONDS": str(args.seconds),
           "TALENTMAP_APP_DB_PATH": str(work / "app" / "app.duckdb")}
    log = open(work / "streamlit.log", "w")  # noqa: SIM115 - closed at the end
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    samples, errors, scenes = [], [], {}
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.3)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
            page = ctx.new_page()
            page.on("console", lambda m: m.type == "error" and "404" not in m.text
                    and errors.append(m.text))
            page.on("pageerror", lambda e: errors.append(str(e)))
            cdp = ctx.new_cdp_session(page)
            cdp.send("Performance.enable")
            page.goto(f"{base}/screen")
            page.wait_for_selector(".scr-head", timeout=120_000)
            t0 = time.time()
            end = t0 + args.minutes * 60
            next_sample = t0
            while time.time() < end:
                now = time.time()
                if now >= next_sample:
                    cdp.send("HeapProfiler.collectGarbage")
                    m = {x["name"]: x["value"] for x in cdp.send("Performance.getMetrics")["metrics"]}
                    scene = page.evaluate("() => (document.querySelector('.scr-scene') || "
                                          "{}).textContent || ''")
                    samples.append({"t": round(now - t0, 1), "rss_mb": round(rss_mb(server.pid), 1),
                                    "heap_mb": round(m.get("JSHeapUsedSize", 0) / 2**20, 2),
                                    "nodes": int(m.get("Nodes", 0)), "scene": scene})
                    print(json.dumps(samples[-1], ensure_ascii=False), flush=True)
                    next_sample += args.sample
                scene = page.evaluate("() => (document.querySelector('.scr-scene') || "
                                      "{}).textContent || ''")
                scenes[scene] = scenes.get(scene, 0) + 1
                page.wait_for_timeout(1000)
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
        log.close()
    ts = [s["t"] for s in samples]
    out = {"minutes": args.minutes, "screen_seconds": args.seconds, "samples": samples,
           "errors": errors, "scenes_seen": sorted(k for k in scenes if k)}
    for key in ("rss_mb", "heap_mb"):
        ys = [s[key] for s in samples]
        out[key] = {"start": ys[0] if ys else None, "end": ys[-1] if ys else None,
                    "max": max(ys) if ys else None,
                    "slope_mb_per_hour": round(slope_per_hour(ts, ys), 2)}
    print(f"server RSS: start {out['rss_mb']['start']} MB, end {out['rss_mb']['end']} MB, "
          f"slope {out['rss_mb']['slope_mb_per_hour']} MB/h")
    print(f"JS heap:    start {out['heap_mb']['start']} MB, end {out['heap_mb']['end']} MB, "
          f"slope {out['heap_mb']['slope_mb_per_hour']} MB/h")
    print(f"scenes seen: {', '.join(out['scenes_seen'])}; page errors: {len(errors)}")
    for e in errors[:10]:
        print("  error:", e[:300])
    if args.out:
        Path(args.out).write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
