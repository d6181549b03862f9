"""Shared fixtures: the tiny raw files and a warehouse loaded from them once per session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from etl.load import load_files
from tests import fixtures

# Loads by `python -m etl` in tests do not evaluate 风险预警 in a child after each publish (a
# test that wants it sets the variable itself; tests/test_alerts.py).
os.environ.setdefault("TALENTMAP_ALERT_AFTER_PUBLISH", "false")


@pytest.fixture(scope="session")
def raw_files(tmp_path_factory) -> dict[str, Path]:
    return fixtures.write_all(tmp_path_factory.mktemp("raw"))


@pytest.fixture(scope="session")
def loaded_db(tmp_path_factory, raw_files) -> Path:
    """A warehouse published from the tiny fixtures (read it, never write it)."""
    db = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    report = load_files(list(raw_files.values()), db_path=db, source="fixture")
    assert report.ok, report
    return db


@pytest.fixture
def fresh_db(tmp_path, loaded_db) -> Path:
    """A private copy of the fixture warehouse that a test may load into."""
    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(loaded_db, db)
    return db


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """The small demo, generated and loaded through the ETL like real data (seed 42)."""
    from etl.demo import demo_sources, generate

    root = tmp_path_factory.mktemp("demo")
    files = generate(root / "raw", scale="small", seed=42)
    db = root / "warehouse.duckdb"
    report = load_files(files, db_path=db, source="demo", sources=demo_sources(files))
    assert report.ok, report
    return db


@pytest.fixture(scope="module")
def export_browser():
    """One warm Chromium for a module's static exports (closed at the module's end). Missing
    Chromium fails under CI (``.ci/run`` installs it) and skips elsewhere."""
    from exports import charts

    if not charts.static_available():
        if os.environ.get("CI"):
            pytest.fail("Chromium missing: CI must install chromium fonts-wqy-microhei (.ci/run)")
        pytest.skip("Chromium not installed (apt-get install chromium fonts-wqy-microhei)")
    with charts.browser_session():
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """When a browser test fails, keep a picture of each of its pages as they were at the
    failure (tests/artifacts/FAILED-<test>-<fixture>.png; CI's log names the files)."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    for name, value in getattr(item, "funcargs", {}).items():
        if not hasattr(value, "screenshot") or not hasattr(value, "goto"):
            continue  # not a Playwright page
        path = Path(__file__).parent / "artifacts" / f"FAILED-{item.name}-{name}.png"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            value.screenshot(path=str(path), full_page=True)
            report.sections.append(("failure screenshot", str(path)))
        except Exception as e:  # noqa: BLE001 - a closed page: the failure itself matters
            report.sections.append(("failure screenshot", f"none: {e}"))
