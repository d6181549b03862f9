"""The README's first command on a fresh machine: no warehouse yet, so the dashboard builds the
demo one (generated, then loaded in a child process) and opens on the national map."""

from __future__ import annotations

import duckdb
import pytest

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
    con = duckdb.connect(str(db), read_only=True)
    try:
        loaded = con.execute("SELECT kind, rows_loaded FROM load_batch WHERE status = 'loaded' "
                             "ORDER BY batch_id").fetchall()
        unreconciled = con.execute("SELECT count(*) FROM batch_reconciliation WHERE NOT ok"
                                   ).fetchone()[0]
        talents = con.execute("SELECT count(*) FROM talent").fetchone()[0]
    finally:
        con.close()
    assert [k for k, _ in loaded] == ["enterprise", "talent", "posting", "move", "indicator"]
    assert unreconciled == 0
    assert talents == dict(loaded)["talent"] > 0
