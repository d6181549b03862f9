"""Issue 18, first render: what the first session on the landing page computes is computed when
the server starts (dashboard.py's st.App lifespan runs its warm_landing in a thread), so
the first visitor finds every cache entry of the national map filled. No timing here: what the
first session computes is counted, as the reads a cache miss makes (the warehouse through
``state.reader``, the boundaries through ``maps.geometry``)."""

from __future__ import annotations

import os
import re
import runpy
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import streamlit as st

from maps import geometry
from tests import fixtures
from views import state

ROOT = Path(__file__).resolve().parent.parent
SHAPES = ("children_geojson", "children_geojson_path", "maritime_lines")


def _dashboard() -> dict:
    """dashboard.py's functions, loaded without running the app or serving it."""
    return runpy.run_path(str(ROOT / "dashboard.py"), run_name="dashboard_under_test")


def warm_landing() -> dict:
    return _dashboard()["warm_landing"]()


@pytest.fixture
def warehouse(loaded_db, tmp_path, monkeypatch):
    monkeypatch.setenv("TALENTMAP_DB_PATH", str(loaded_db))
    monkeypatch.setenv("TALENTMAP_APP_DB_PATH", str(tmp_path / "app" / "app.duckdb"))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield loaded_db
    st.cache_data.clear()
    st.cache_resource.clear()


def computed(monkeypatch) -> list[str]:
    """The cached functions computed from now on (each miss reads the warehouse or shapes)."""
    done: list[str] = []
    computing: list = []  # the frames of the computations seen (one may read twice)
    real_reader = state.reader

    def reader():
        frame = sys._getframe(1)
        # every run asks for the version: not a computation
        if frame.f_code.co_name != "version" and not any(frame is f for f in computing):
            computing.append(frame)
            done.append(frame.f_code.co_name)
        return real_reader()

    monkeypatch.setattr(state, "reader", reader)
    for name in SHAPES:
        monkeypatch.setattr(geometry, name, _counted(getattr(geometry, name), name, done))
    # the page's shared views (computed from cached results: no warehouse read)
    from analytics import disclosure
    from analytics import overseas as ov

    monkeypatch.setattr(disclosure, "children",
                        _counted(disclosure.children, "disclosure.children", done))
    monkeypatch.setattr(ov, "controlled", _counted(ov.controlled, "overseas.controlled", done))
    return done


def _counted(real, name: str, done: list[str]):
    def spy(*args, **kwargs):
        done.append(name)
        return real(*args, **kwargs)
    return spy


@pytest.mark.parametrize("mode", ["url", "inline"])
def test_after_the_warm_up_the_first_session_computes_nothing(mode, warehouse, monkeypatch):
    monkeypatch.setenv("TALENTMAP_GEOJSON_MODE", mode)
    report = warm_landing()
    assert report and all(isinstance(v, float) for v in report.values()), report
    done = computed(monkeypatch)
    at = fixtures.open_app()
    assert at.title[0].value == "人才地图 · 全国"
    assert done == []


def test_without_it_the_first_session_computes_the_landing_page(warehouse, monkeypatch):
    """The control: the counting sees what a cold first session computes."""
    done = computed(monkeypatch)
    at = fixtures.open_app()
    assert at.title[0].value == "人才地图 · 全国"
    assert {"reference", "alerts_evaluated", "map_parent", "children_metrics", "overseas_pool",
            "children_geojson", "maritime_lines", "disclosure.children"} <= set(done)


def test_a_session_arriving_during_the_warm_up_waits_for_it_rather_than_computing_again(
        warehouse, monkeypatch):
    done = computed(monkeypatch)
    warm = threading.Thread(target=warm_landing)
    warm.start()
    at = fixtures.open_app()
    warm.join(60)
    assert not warm.is_alive()
    assert at.title[0].value == "人才地图 · 全国"
    assert "children_metrics" in done
    assert sorted(done) == sorted(set(done)), done  # each entry computed once, by either


def test_without_a_warehouse_it_only_imports(tmp_path, monkeypatch):
    """Before the first run's demo is built (by the first session, after sign-in), the warm-up
    opens nothing and writes nothing."""
    db = tmp_path / "none" / "warehouse.duckdb"
    monkeypatch.setenv("TALENTMAP_DB_PATH", str(db))
    opened = []
    monkeypatch.setattr(state, "reader", lambda: opened.append(1))
    report = warm_landing()
    assert list(report) == ["imports", "warehouse"] and isinstance(report["imports"], float)
    assert opened == [] and not db.parent.exists()


def test_a_failing_step_is_reported_and_ends_the_warm_up(warehouse, monkeypatch):
    """What it could not compute, the first session computes (and shows its error)."""
    def broken(ver):
        raise RuntimeError("盘坏了")
    monkeypatch.setattr(state, "reference", broken)
    report = warm_landing()
    assert list(report) == ["imports", "warehouse", "reference"]
    assert report["reference"] == "RuntimeError: 盘坏了"


@pytest.mark.parametrize(("value", "starts"), [(None, True), ("false", False)])
def test_the_server_start_starts_the_warm_up_unless_it_is_turned_off(value, starts,
                                                                      monkeypatch):
    import asyncio

    if value is None:
        monkeypatch.delenv("TALENTMAP_WARM_UP", raising=False)
    else:
        monkeypatch.setenv("TALENTMAP_WARM_UP", value)
    monkeypatch.setattr(state, "WARM_INDEXES", False)
    ns = _dashboard()
    ran = threading.Event()
    monkeypatch.setitem(ns["start_warm_up"].__globals__, "warm_up", ran.set)

    async def serve():
        async with ns["lifespan"](None):
            pass
    asyncio.run(serve())
    assert ran.wait(5 if starts else 0.2) is starts
    assert state.WARM_INDEXES is starts  # and each new version's indexes in the background


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_streamlit_run_warms_the_landing_page_before_anyone_opens_it(loaded_db, tmp_path):
    """The README's command serves dashboard.py's st.App: its lifespan runs the warm-up at server
    start, every step of it, with no browser and no session."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "TALENTMAP_DB_PATH": str(loaded_db),
           "TALENTMAP_APP_DB_PATH": str(tmp_path / "app" / "app.duckdb")}
    env.pop("TALENTMAP_WARM_UP", None)
    log = tmp_path / "streamlit.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 90
        while not all(x in log.read_text(encoding="utf-8") for x in (
                "warm-up done", "in-memory indexes")) and time.time() < deadline:
            assert proc.poll() is None, log.read_text(encoding="utf-8")
            time.sleep(0.2)
        urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5)
    finally:
        proc.terminate()
        proc.wait(10)
    lines = log.read_text(encoding="utf-8").splitlines()
    [line] = [x for x in lines if "warm-up done" in x]
    steps = dict(re.findall(r"(\w[\w ]*?) ([\d.]+) s", line.split(": ", 1)[1]))
    assert {"main imports", "imports", "warehouse", "reference", "children", "shapes",
            "figure"} <= set(steps), line
    assert ":" not in line.split(": ", 1)[1], line  # no step failed
    [built] = [x for x in lines if "in-memory indexes" in x]  # the version the warm-up opened
    assert {"map_index", "talent_index", "overseas pool", "chain places", "chain persons",
            "chain moves", "chain year"} <= set(
        dict(re.findall(r"(\w[\w ]*?) ([\d.]+) s", built.split(" s: ", 1)[1]))), built
    assert ":" not in built.split(" s: ", 1)[1], built  # no step failed


def test_a_new_version_starts_one_background_build_of_its_indexes(warehouse, monkeypatch):
    """The 人才集群 and 产业链 pages' in-memory counts (analytics/indexes.py) are built once per
    published version, in a thread, by the first run that sees it (server only: the warm-up
    turns it on); the requests after it find them built."""
    from analytics import chain_index, map_index, overseas, talent_index

    monkeypatch.setattr(state, "WARM_INDEXES", True)
    monkeypatch.setattr(state, "_warmed", set())
    started = []
    real = state.warm_indexes
    monkeypatch.setattr(state, "warm_indexes", lambda ver: started.append(real(ver)))
    ver = state.version()
    assert state.version() == ver and state.version() == ver
    assert len(started) == 1 and started[0].name == state.INDEX_THREAD
    started[0].join(60)
    r = state.reader()

    def never(*_a, **_k):
        raise AssertionError("built again")
    monkeypatch.setattr(talent_index, "build", never)
    monkeypatch.setattr(map_index, "_build", never)
    monkeypatch.setattr(chain_index, "_persons", never)
    monkeypatch.setattr(chain_index, "_moves", never)
    monkeypatch.setattr(chain_index, "_places", never)
    monkeypatch.setattr(overseas, "_coded", never)
    assert talent_index.get(r) is not None and map_index.get(r) is not None
    assert overseas.persons_abroad(r) is not None
    assert chain_index.persons(r) is not None and chain_index.moves(r) is not None
    assert chain_index.places(r) is not None


def test_index_build_reports_each_step_and_survives_a_failing_one(warehouse, monkeypatch):
    from analytics import chain_index, indexes
    from store.reader import Reader

    r = Reader(warehouse)
    try:
        report = indexes.build(r)
        assert list(report) == ["map_index", "talent_index", "overseas pool", "chain places",
                                "chain persons", "chain moves", "chain year"]
        assert all(isinstance(v, float) for v in report.values()), report
        r2 = Reader(warehouse)
        monkeypatch.setattr(chain_index, "_moves", lambda _r: 1 / 0)
        report = indexes.build(r2)
        assert report["chain moves"] == "ZeroDivisionError: division by zero"
        assert isinstance(report["chain year"], float)  # the steps after it still ran
        r2.close()
    finally:
        r.close()
