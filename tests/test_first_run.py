"""The README's first command on a fresh machine: no warehouse yet, so the dashboard builds the
demo one (generated and loaded in a child process, once per server process) and opens on the
national map; a toast says the data is ready, and no box is left behind on the map page."""

from __future__ import annotations

import sys
import threading

import duckdb
import pytest

from etl.demo import build
from tests import fixtures


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_first_run_builds_the_demo_warehouse_and_opens_the_map(tmp_path, monkeypatch):
    db = tmp_path / "data" / "warehouse.duckdb"
    monkeypatch.setenv("TALENTMAP_DB_PATH", str(db))
    monkeypatch.setenv("TALENTMAP_RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.setenv("TALENTMAP_APP_DB_PATH", str(tmp_path / "app" / "app.duckdb"))
    monkeypatch.setenv("TALENTMAP_DEMO_SCALE", "small")
    at = fixtures.open_app(timeout=380)
    assert db.exists()
    assert at.title[0].value == "人才地图 · 全国"
    [toast] = [x.value for x in at.toast]
    assert toast.startswith("演示数据已就绪 (用时 ") and toast.endswith(" 秒)")
    assert not at.status  # the progress box is gone with the build …
    shown = [*(e.label for e in at.expander), *(x.value for x in at.success),
             *(x.value for x in at.caption), *(x.value for x in at.markdown)]
    assert not [x for x in shown if "演示" in x]  # … and nothing else says so on the map page
    at.run()
    assert not at.toast  # read once, gone on the next rerun
    assert at.title[0].value == "人才地图 · 全国"
    con = duckdb.connect(str(db), read_only=True)
    try:
        loaded = con.execute("SELECT kind, rows_loaded FROM load_batch WHERE status = 'loaded' "
                             "ORDER BY batch_id").fetchall()
        unreconciled = con.execute("SELECT count(*) FROM batch_reconciliation WHERE NOT ok"
                                   ).fetchone()[0]
        talents = con.execute("SELECT count(*) FROM talent").fetchone()[0]
    finally:
        con.close()
    assert [k for k, _ in loaded] == ["enterprise", "talent", "posting", "move", "indicator",
                                      "talent", "talent"]  # 人社 and 猎聘 copies of some people
    assert unreconciled == 0
    assert talents == sum(n for k, n in loaded if k == "talent") > 0


def test_the_build_reports_progress_from_the_command_lines():
    job = build.DemoBuild(db=None)
    job.follow("生成  55% 生成招聘岗位")
    assert (job.fraction, job.message) == (pytest.approx(0.2475), "生成演示数据: 生成招聘岗位")
    job.follow("[2/5] /tmp/raw/demo-small-42/talents.xlsx")
    assert (job.fraction, job.message) == (pytest.approx(0.549), "加载第 2/5 个文件: talents.xlsx")
    job.follow("构建汇总表并检查完整性 …")
    assert job.fraction == 0.95


def test_sessions_arriving_during_a_build_follow_the_same_one(tmp_path, monkeypatch):
    """One build per database and process; a failed one says why and is started again."""
    gate = threading.Event()
    calls = []

    def fake(db, raw_dir, scale, seed):
        calls.append(db)
        gate.wait(10)
        return [sys.executable, "-c", "import sys; print('生成  20% 生成人才', file=sys.stderr);"
                "print('错误: 磁盘已满', file=sys.stderr); sys.exit(1)"]
    monkeypatch.setattr(build, "command", fake)
    db = tmp_path / "w.duckdb"
    first = build.start(db, tmp_path / "raw")
    second = build.start(db, tmp_path / "raw")
    assert first is second and len(calls) == 1
    gate.set()
    assert first.wait(30) and first.error == "演示数据构建失败 (退出码 1): 错误: 磁盘已满"
    again = build.start(db, tmp_path / "raw")
    assert again is not first and again.wait(30) and len(calls) == 2
