"""Time to the drawn national map: from the README's run command on a fresh clone, or (``--db``)
the first session on a server already started with a published warehouse.

    python3 bench/first_run.py
    python3 bench/first_run.py --db /tmp/dl.duckdb --runs 5 [--wait-warm-up] [--no-warm-up]

With no ``--db``: clones the repository (committed files only) into a temporary folder — no
warehouse, no boundary cache — starts `python3 -m streamlit run dashboard.py` there (dependencies
are assumed installed), opens the app in Chromium and waits until the map has loaded. The first
run builds the small demo (generate + ETL) and the boundary caches it needs, with progress on
screen.

With ``--db`` (issue 18's "first full render, warm": server started, DB published): ``--runs``
fresh servers from this repository on that warehouse; as soon as each answers its health check
(``--wait-warm-up``: once it has logged the end of its warm-up), a first browser session opens
the app and is timed from navigation to the map drawn (READY), then a second session. Each
session is a new browser context: nothing cached in the browser. Medians are printed.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the national map drawn: by plotly (its MapLibre map loaded) or by the SVG renderer (its
# regions drawn), whichever the setting map_renderer chose
READY = """() => { const gd = document.querySelector('.js-plotly-plot');
    const plotly = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot
           && gd._fullLayout.map._subplot.map.loaded();
    const svg = document.querySelector('.tm-svgmap[data-drawn] path[data-loc]');
    return (plotly || svg) && document.body.innerText.includes('人才地图 · 全国'); }"""
WARM_UP_DONE = "warm-up done"  # dashboard.py's log line at the end of its warm-up
INDEXES_BUILT = "in-memory indexes) built"  # views/state.py's, when the version's indexes are
CHROMIUM = {"executable_path": "/usr/bin/chromium", "args": ["--no-sandbox", "--disable-gpu"]}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(base: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            urllib.request.urlopen(f"{base}/_stcore/health", timeout=1)
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("streamlit did not start")


def _render(browser, base: str) -> float:
    """Seconds from navigation to the national map drawn, in a new browser context."""
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    try:
        t0 = time.perf_counter()
        page.goto(base)
        page.wait_for_function(READY, timeout=300_000, polling=50)
        return time.perf_counter() - t0
    finally:
        page.close()


def first_renders(db: Path, runs: int = 5, wait_warm_up: bool = False,
                  warm_up: bool = True, extra_env: dict[str, str] | None = None,
                  wait_indexes: bool = False) -> dict[str, list[float]]:
    """For each of ``runs`` fresh servers on ``db``: seconds to health, to the end of the
    warm-up (when logged), and to the map drawn in the first and in a second session.
    ``extra_env``: more settings for the servers (``TALENTMAP_…`` variables);
    ``wait_indexes``: the first session opens once the in-memory indexes of the other pages
    are built too (the server has nothing left to do in the background)."""
    from playwright.sync_api import sync_playwright

    out: dict[str, list[float]] = {"up_s": [], "warm_up_s": [], "first_s": [], "second_s": []}
    env = {**os.environ, "TALENTMAP_DB_PATH": str(db),
           "TALENTMAP_WARM_UP": "true" if warm_up else "false", **(extra_env or {})}
    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        browser = p.chromium.launch(**CHROMIUM)
        for i in range(runs):
            port, log = _free_port(), Path(tmp) / f"server-{i}.log"
            t0 = time.perf_counter()
            with open(log, "w") as sink:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port",
                     str(port), "--server.address", "127.0.0.1", "--server.headless", "true"],
                    cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
            base = f"http://127.0.0.1:{port}"
            try:
                _wait_healthy(base, proc)
                out["up_s"].append(time.perf_counter() - t0)
                while wait_warm_up and warm_up and WARM_UP_DONE not in log.read_text("utf-8"):
                    time.sleep(0.05)
                deadline = time.monotonic() + 300
                while wait_indexes and warm_up and INDEXES_BUILT not in log.read_text("utf-8") \
                        and time.monotonic() < deadline:
                    time.sleep(0.05)
                out["first_s"].append(_render(browser, base))
                out["second_s"].append(_render(browser, base))
                if WARM_UP_DONE in log.read_text("utf-8"):
                    line = next(x for x in log.read_text("utf-8").splitlines()
                                if WARM_UP_DONE in x)
                    out["warm_up_s"].append(float(line.split(") in ")[1].split(" s")[0]))
            finally:
                proc.terminate()
                proc.wait(10)
        browser.close()
    return out


def fresh_clone() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "talentmap"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("TALENTMAP_")}
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "dashboard.py",
                                 "--server.port", str(port)], cwd=clone, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_healthy(base, proc, timeout=600)
            up = time.perf_counter() - t0
            with sync_playwright() as p:
                b = p.chromium.launch(**CHROMIUM)
                page = b.new_page(viewport={"width": 1500, "height": 1000})
                page.goto(base)
                page.wait_for_function(READY, timeout=300_000, polling=200)
                drawn = time.perf_counter() - t0
                page.screenshot(path=str(ROOT / "bench" / "results" / "first-run.png"))
                b.close()
        finally:
            proc.terminate()
            proc.wait(10)
        print(f"server up {up:.1f} s; national map drawn {drawn:.1f} s after the run command "
              f"(fresh clone: demo built, boundaries cached on the way)")


def compare(db: Path, runs: int, wait_warm_up: bool, setting: str,
            wait_indexes: bool = False) -> None:
    """``runs`` fresh servers with the defaults and ``runs`` with ``setting``, alternating;
    medians of each, and their ratio."""
    name, _, value = setting.partition("=")
    env = {f"TALENTMAP_{name.strip().upper()}": value.strip()}
    with_default: dict[str, list[float]] = {"first_s": [], "second_s": []}
    with_setting: dict[str, list[float]] = {"first_s": [], "second_s": []}
    for _ in range(runs):
        for out, extra in ((with_default, None), (with_setting, env)):
            r = first_renders(db, 1, wait_warm_up, True, extra, wait_indexes)
            for k in out:
                out[k] += r[k]
    for k in ("first_s", "second_s"):
        d, s = statistics.median(with_default[k]), statistics.median(with_setting[k])
        print(f"{k}: defaults median {d:.2f} s ({', '.join(f'{x:.2f}' for x in with_default[k])}); "
              f"{setting} median {s:.2f} s ({', '.join(f'{x:.2f}' for x in with_setting[k])}); "
              f"defaults ÷ {setting} = {d / s:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", help="a published warehouse: time the first session on a started "
                                 "server instead of the fresh clone's first run")
    ap.add_argument("--runs", type=int, default=5, help="fresh servers (with --db)")
    ap.add_argument("--wait-warm-up", action="store_true",
                    help="open the first session once the server's warm-up has ended")
    ap.add_argument("--no-warm-up", action="store_true", help="TALENTMAP_WARM_UP=false")
    ap.add_argument("--wait-indexes", action="store_true",
                    help="open the first session once the other pages' in-memory indexes are "
                         "built too (nothing left running in the background)")
    ap.add_argument("--compare", metavar="NAME=VALUE",
                    help="with --db: also servers with this setting (e.g. preload_charts=false), "
                         "alternating with the default ones: the same noise for both")
    a = ap.parse_args()
    if not a.db:
        fresh_clone()
        return
    if a.compare:
        compare(Path(a.db), a.runs, a.wait_warm_up, a.compare, a.wait_indexes)
        return
    r = first_renders(Path(a.db), a.runs, a.wait_warm_up, not a.no_warm_up,
                      wait_indexes=a.wait_indexes)
    med = {k: statistics.median(v) for k, v in r.items() if v}
    print(f"{a.db} · {a.runs} fresh servers (warm-up {'off' if a.no_warm_up else 'on'}"
          f"{', first session after it' if a.wait_warm_up else ''}"
          f"{', and after the indexes' if a.wait_indexes else ''}): first session "
          f"{', '.join(f'{x:.2f}' for x in r['first_s'])} s; second "
          f"{', '.join(f'{x:.2f}' for x in r['second_s'])} s")
    print(f"first full render: median {med['first_s']:.2f} s (second session "
          f"{med['second_s']:.2f} s; server up {med['up_s']:.2f} s"
          + (f"; warm-up {med['warm_up_s']:.2f} s" if "warm_up_s" in med else "") + ")")


if __name__ == "__main__":
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    main()
