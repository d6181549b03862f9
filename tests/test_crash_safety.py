"""Crash safety: a load killed with SIGKILL at any point leaves a published warehouse that opens
read-only, passes the integrity checks, and is either the old or the new version — never a mix.

Kill points: every named crash point along reading, transforming, upserting, committing, mart
build, checks and publish (armed from the tests' side by tests/faults.py, which wraps the
functions a load passes through), plus seeded random moments of a load in flight. After each kill a normal load runs again and succeeds (lock released, staging cleaned).
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from etl import warehouse
from store import connection
from store import status as store_status
from tests import faults, fixtures

ROOT = Path(__file__).resolve().parent.parent
NAMED = ["locked", "staging-copied", "dimensions-loaded", "reading-enterprises",
         "transformed-enterprises", "upserted-talents", "committed-talents", "reading-postings",
         "transformed-moves", "upserted-population", "committed-population", "before-marts",
         "marts-built", "checks-passed", "staging-closed", "before-replace", "after-replace"]
RANDOM_KILLS = 6
COUNTED = ("enterprise", "talent", "job_posting", "talent_move", "region_indicator",
           "load_batch", "quarantine", "mart_talent_supply")


def _snapshot(db: Path) -> tuple[str, dict]:
    con = connection.connect(db, read_only=True)
    try:
        failed = [(n, c) for n, c in warehouse.run_checks(con) if c]
        assert not failed, f"integrity checks failed: {failed}"
        counts = {t: connection.fetch_one(con, f"SELECT count(*) FROM {t}")[0]  # noqa: S608
                  for t in COUNTED}
        version = connection.fetch_one(con, "SELECT value FROM meta WHERE key = 'version'")[0]
        return version, counts
    finally:
        con.close()


def _load_cmd(db: Path, files: list[Path], point: str | None = None) -> list[str]:
    return [*faults.command(point), "--db", str(db), "load", *map(str, files), "--source", "crash"]


@pytest.fixture(scope="module")
def setup(tmp_path_factory, loaded_db):
    root = tmp_path_factory.mktemp("crash")
    new = root / "new"
    new.mkdir()
    rows = [list(r) for r in fixtures.ENTERPRISES] + [
        ["91370200MA3C00060R", "新公司", "青岛市市南区", "智慧海洋", "2020-01-01", "1", "1", "否",
         "否", "2024-12-31"]]
    files = [fixtures.write_csv(new / "enterprises.csv", fixtures.ENTERPRISE_HEADER, rows, "gbk"),
             # every file differs from the ones already loaded, so that none is skipped
             fixtures.write_xlsx(new / "talents.xlsx", fixtures.TALENT_HEADER, fixtures.TALENTS + [
                 ["R0099", "新人", "", "", "青岛市崂山区", "1990", "硕士", "", "", "3", "", "VR", "",
                  "", "", "否", "", "是", "", "2024-02-01"]], "导出"),
             fixtures.write_jsonl(new / "postings.jsonl", fixtures.POSTINGS + [
                 {"职位编号": "J9", "职位名称": "VR工程师", "工作地点": "青岛", "发布日期": "2024-06-01"}]),
             fixtures.write_csv(new / "moves.csv", fixtures.MOVES_HEADER, fixtures.MOVES + [
                 ["R0099", "北京市", "青岛市", "2024-01-10"]]),
             fixtures.write_csv(new / "population.csv", fixtures.POPULATION_HEADER,
                                fixtures.POPULATION + [["青岛市市南区", "常住人口", "2020", "486643",
                                                        "人", "七普"]])]
    old_version, old_counts = _snapshot(loaded_db)
    ref = root / "reference.duckdb"
    shutil.copyfile(loaded_db, ref)
    t0 = time.perf_counter()
    subprocess.run(_load_cmd(ref, files), cwd=ROOT, check=True, capture_output=True)
    duration = time.perf_counter() - t0
    _, new_counts = _snapshot(ref)
    assert new_counts != old_counts
    return {"root": root, "files": files, "old": (old_version, old_counts),
            "new_counts": new_counts, "duration": duration, "base": loaded_db}


def _kill_and_check(setup, tag: str, point: str | None, delay: float | None) -> str:
    db_dir = setup["root"] / tag
    db_dir.mkdir()
    db = db_dir / "warehouse.duckdb"
    shutil.copyfile(setup["base"], db)
    proc = subprocess.Popen(_load_cmd(db, setup["files"], point), cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if delay is not None:
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
    code = proc.wait(120)
    version, counts = _snapshot(db)
    old_version, old_counts = setup["old"]
    if version == old_version:
        assert counts == old_counts, f"{tag}: old version but changed rows"
        outcome = "old"
    else:
        assert counts == setup["new_counts"], f"{tag}: new version but not the whole load"
        outcome = "new"
    if point is not None:
        assert code == -signal.SIGKILL, f"{tag}: the load was not killed at {point}"
    # The next load works: the dead writer's lock is gone and its staging file is cleaned up.
    rerun = subprocess.run(_load_cmd(db, setup["files"]), cwd=ROOT, capture_output=True)
    assert rerun.returncode == 0, rerun.stderr.decode()
    assert not list(db_dir.glob("*.staging-*"))
    assert _snapshot(db)[1]["enterprise"] == setup["new_counts"]["enterprise"]
    return outcome


def test_killed_loads_leave_old_or_new_never_a_mix(setup):
    rng = random.Random(20261126)
    plans = [(f"named-{p}", p, None) for p in NAMED]
    plans += [(f"random-{i}", None, rng.uniform(0.3, setup["duration"]))
              for i in range(RANDOM_KILLS)]
    assert len(plans) >= 20
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = dict(zip([p[0] for p in plans],
                            pool.map(lambda p: _kill_and_check(setup, *p), plans), strict=True))
    # Killed before the swap → old; killed after the swap → new.
    assert outcomes["named-before-replace"] == "old"
    assert outcomes["named-after-replace"] == "new"
    assert all(outcomes[f"named-{p}"] == "old" for p in NAMED[:-1])


def test_publish_error_is_clear_and_leaves_the_old_version(fresh_db, tmp_path, monkeypatch):
    before = store_status.published_version(fresh_db)
    path = fixtures.write_csv(tmp_path / "e.csv", fixtures.ENTERPRISE_HEADER,
                              [["91370200MA3C00060R", "新公司", "青岛市市南区", "智慧海洋",
                                "2020-01-01", "1", "1", "否", "否", "2024-12-31"]], "gbk")

    def disk_full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(warehouse.os, "replace", disk_full)
    from etl.load import load_files

    with pytest.raises(warehouse.PublishError) as err:
        load_files([path], db_path=fresh_db)
    assert str(err.value) == (f"{fresh_db}: 无法替换已发布的数据库: "
                              "[Errno 28] No space left on device")
    monkeypatch.undo()
    assert store_status.published_version(fresh_db) == before
    assert not list(fresh_db.parent.glob("*.staging-*"))


def test_an_unknown_fault_point_is_an_error_not_a_silent_no_op():
    with pytest.raises(ValueError, match="unknown fault point 'nowhere'"):
        faults.install("nowhere")
