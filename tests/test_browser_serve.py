"""``python -m serve --workers 2`` in Chromium (issue 18: more sessions than one process
carries): two browsers are given different workers by the front's cookie, each draws the
landing map through it (websocket included), a reload keeps a browser on its worker, and a
download — a file only the browser's own worker holds in memory — arrives through the front.
Fails, not skips, when CI is set and Chromium is missing."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request

import pytest

from serve.proxy import COOKIE
from tests.test_browser import (  # noqa: F401 - fixtures and the CI rule
    ARTIFACTS,
    ROOT,
    _free_port,
    _wait_map,
    browser,
    idle,
    watched_page,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def front(demo_db, tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {**os.environ, "TALENTMAP_DB_PATH": str(demo_db), "TALENTMAP_ROLE": "analyst"}
    with open(log, "w") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "serve", "--workers", "2", "--port",
                                 str(port), "--address", "127.0.0.1"],
                                cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:  # the front listens once both workers answer
            try:
                urllib.request.urlopen(f"{base}/_stcore/health", timeout=1)
                break
            except OSError:
                assert proc.poll() is None, log.read_text("utf-8")[-3000:]
                assert time.monotonic() < deadline, log.read_text("utf-8")[-3000:]
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(30)


def _worker(page) -> str | None:
    return next((c["value"] for c in page.context.cookies() if c["name"] == COOKIE), None)


def test_two_browsers_two_workers_each_sticky_with_its_downloads(browser, front):  # noqa: F811
    with contextlib.ExitStack() as stack:
        pages = [stack.enter_context(watched_page(browser, front)) for _ in range(2)]
        for page in pages:
            page.goto(f"{front}/")
            _wait_map(page, "人才地图 · 全国")
        seen = [_worker(p) for p in pages]
        assert sorted(seen) == ["0", "1"], f"the two browsers' workers: {seen}"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pages[1].screenshot(path=ARTIFACTS / "serve-second-browser.png")

        first = pages[0]
        first.goto(f"{front}/supply_chain?region=370200")
        first.get_by_role("heading", name="招引清单", exact=False).first.wait_for(timeout=60_000)
        idle(first)
        assert _worker(first) == seen[0], "a reload moved the browser to another worker"
        with first.expect_download(timeout=60_000) as info:
            first.get_by_role("button", name="下载 CSV").first.click()
        data = open(info.value.path(), "rb").read()
        assert data.startswith(b"\xef\xbb\xbf") and len(data.splitlines()) > 1, data[:200]
