"""Check docs/deploy.md's nginx configuration as written (not a test: needs nginx).

    python3 bench/nginx_check.py --db /tmp/small.duckdb

Starts two dashboard workers on 127.0.0.1:8511/8512 (each with its own run log), nginx with
the ``nginx`` block of docs/deploy.md (listening on 8590 instead of 80), then six Chromium
browsers one after another: each opens the landing page and the 产业链 page and downloads a
招引清单 CSV. Prints, per browser, its cookie, the worker its pages ran on (the run log that
grew) and the download's size; every browser must stay on one worker and the six must use both.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
ap = argparse.ArgumentParser()
ap.add_argument("--db", required=True)
DB = ap.parse_args().db
TMP = Path(tempfile.mkdtemp(prefix="nginx-check-"))
doc = (ROOT / "docs" / "deploy.md").read_text("utf-8")
site = doc[doc.index("```nginx") + len("```nginx\n"):]
(TMP / "site.conf").write_text(site[:site.index("```")].replace("listen 80;", "listen 8590;"))
(TMP / "nginx.conf").write_text(f"""worker_processes 1; error_log {TMP}/error.log;
pid {TMP}/nginx.pid; events {{ worker_connections 1024; }}
http {{ access_log {TMP}/access.log; client_body_temp_path {TMP}/body;
proxy_temp_path {TMP}/proxy; fastcgi_temp_path {TMP}/fcgi; uwsgi_temp_path {TMP}/uwsgi;
scgi_temp_path {TMP}/scgi; include {TMP}/site.conf; }}""")

PORTS = (8511, 8512)
BASE = "http://127.0.0.1:8590"


def lines(path: Path) -> int:
    return len(path.read_text("utf-8").splitlines())


def ran_on(logs: list[Path], before: list[int]) -> list[int]:
    """The workers whose run log grew since ``before``."""
    return [k for k, (log, n) in enumerate(zip(logs, before, strict=True)) if lines(log) > n]


def main() -> None:
    logs = [TMP / f"runs{i}.jsonl" for i in range(len(PORTS))]
    procs = []
    for i, port in enumerate(PORTS):
        logs[i].write_text("")
        env = {**os.environ, "TALENTMAP_DB_PATH": DB, "TALENTMAP_RUN_LOG": str(logs[i]),
               "TALENTMAP_ROLE": "analyst", "TALENTMAP_SIGNIN_LIMITS_SHARED": "true"}
        with open(TMP / f"w{i}.log", "w") as sink:
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port",
                 str(port), "--server.address", "127.0.0.1", "--server.headless", "true"],
                cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT))
    conf = str(TMP / "nginx.conf")
    try:
        for port in PORTS:
            deadline = time.monotonic() + 120
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise SystemExit(f"worker on {port} did not start: {TMP}") from None
                    time.sleep(0.3)
        subprocess.run(["nginx", "-c", conf], check=True)
        used, moved = set(), 0
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--no-sandbox", "--disable-gpu"])
            for i in range(6):
                ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
                pg = ctx.new_page()
                before = [lines(log) for log in logs]
                pg.goto(BASE + "/")
                pg.get_by_role("heading", name=re.compile("人才地图 · 全国")).wait_for(
                    timeout=60_000)
                pg.wait_for_timeout(1500)
                landing = ran_on(logs, before)
                cookie = [c["value"] for c in ctx.cookies() if c["name"] == "tm_worker"]
                before = [lines(log) for log in logs]
                pg.goto(BASE + "/supply_chain?region=370200")
                pg.get_by_role("heading", name="招引清单", exact=False).first.wait_for(
                    timeout=60_000)
                pg.wait_for_timeout(1500)
                chain = ran_on(logs, before)
                with pg.expect_download(timeout=60_000) as info:
                    pg.get_by_role("button", name="下载 CSV").first.click()
                size = Path(info.value.path()).stat().st_size
                print(f"browser {i}: cookie {cookie}, landing on worker {landing}, 产业链 on "
                      f"{chain}, download {size} bytes")
                used.update(landing)
                moved += landing != chain or len(landing) != 1
                ctx.close()
        print(f"workers used: {sorted(used)}; browsers that changed worker: {moved}")
        sys.exit(0 if len(used) == len(PORTS) and not moved else 1)
    finally:
        subprocess.run(["nginx", "-c", conf, "-s", "stop"], check=False)
        for proc in procs:
            proc.terminate()


if __name__ == "__main__":
    main()
