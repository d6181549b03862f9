"""Time from the README's run command to the drawn national map, on a fresh clone.

    python3 bench/first_run.py

Clones the repository (committed files only) into a temporary folder — no warehouse, no
boundary cache — starts `python3 -m streamlit run dashboard.py` there (dependencies are assumed
installed), opens the app in Chromium and waits until the map has loaded. The first run builds
the small demo (generate + ETL) and the boundary caches it needs, with progress on screen.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READY = """() => { const gd = document.querySelector('.js-plotly-plot');
    return gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot
           && gd._fullLayout.map._subplot.map.loaded()
           && document.body.innerText.includes('人才地图 · 全国'); }"""


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "talentmap"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("TALENTMAP_")}
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "dashboard.py",
                                 "--server.port", str(port)], cwd=clone, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            while True:
                try:
                    urllib.request.urlopen(f"{base}/_stcore/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            up = time.perf_counter() - t0
            with sync_playwright() as p:
                b = p.chromium.launch(executable_path="/usr/bin/chromium",
                                      args=["--no-sandbox", "--disable-gpu"])
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


if __name__ == "__main__":
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    main()
