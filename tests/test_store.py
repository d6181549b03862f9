"""The store's shared read queries: one definition for the CLI's status and the data page."""

from __future__ import annotations

import duckdb
import pytest

from store import connection
from store import status as published
from store.tables import DIMENSION_TABLES, FACT_TABLES, MART_TABLES


@pytest.fixture
def con(loaded_db):
    c = connection.connect(loaded_db, read_only=True)
    yield c
    c.close()


def run_on(con):
    return lambda sql, params=None: con.execute(sql, params or []).df()


def test_count_sql_takes_published_tables_only():
    assert published.count_sql("talent") == "SELECT count(*) AS n FROM talent"
    for bad in ("talent; DROP TABLE talent", "meta", "quarantine", ""):
        with pytest.raises(ValueError, match="not a published table"):
            published.count_sql(bad)


def test_status_counts_rows_where_they_are(con):
    st = published.status(con)
    for table in DIMENSION_TABLES + FACT_TABLES + MART_TABLES:
        assert st["counts"][table] == con.execute(
            f"SELECT count(*) FROM {table}").fetchone()[0], table  # noqa: S608
    assert st["counts"]["talent"] > 0
    b = st["batches"]
    assert list(b.columns) == ["batch_id", "file", "kind", "status", "rows_read", "rows_loaded",
                               "rows_present", "rows_replaced", "rows_quarantined",
                               "finished_at", "message"]
    loaded = b[b["status"] == "loaded"]
    assert len(loaded) and (loaded["rows_present"] == loaded["rows_loaded"]
                            - loaded["rows_replaced"].fillna(0)).all()


def test_batches_mask_the_first_row_a_message_quotes(tmp_path):
    db = tmp_path / "w.duckdb"
    c = duckdb.connect(str(db))
    c.execute("CREATE TABLE load_batch (batch_id INT, file VARCHAR, kind VARCHAR, "
              "source VARCHAR, status VARCHAR, rows_read INT, rows_loaded INT, "
              "rows_quarantined INT, finished_at TIMESTAMP, message VARCHAR)")
    c.execute("INSERT INTO load_batch VALUES (1, '/x/a.csv', NULL, 's', 'failed', 0, 0, 0, NULL, "
              "'无法识别: 找到的列: 张三, 13800000000; 请检查表头')")
    run = run_on(c)
    assert not published.reconciled(run)
    masked = run(published.batches_sql(reconciled=False, mask_found_columns=True))
    assert masked["message"].tolist() == ["无法识别: 找到的列: (含原始数据, 仅管理员可见); 请检查表头"]
    plain = run(published.batches_sql(reconciled=False, limit=1))
    assert plain["message"].tolist() == ["无法识别: 找到的列: 张三, 13800000000; 请检查表头"]
    assert plain["rows_present"].isna().all()
    c.close()


def test_quarantine_rows_show_raw_values_only_when_asked(con):
    run = run_on(con)
    reasons = run(published.REASONS)
    assert len(reasons) and reasons["rows"].sum() == con.execute(
        "SELECT count(*) FROM quarantine").fetchone()[0]
    kind = reasons["reason"].iloc[0]
    plain = run(published.quarantine_rows_sql(raw=False), [kind, kind])
    assert "raw" not in plain.columns and set(plain["reason"]) == {kind}
    assert len(plain) == reasons.loc[reasons["reason"] == kind, "rows"].sum()
    full = run(published.quarantine_rows_sql(raw=True), ["", ""])
    assert "raw" in full.columns and len(full) == reasons["rows"].sum()
