"""The dashboard's reader: picks up a new publish, and queries running on the old version
finish undisturbed."""

from __future__ import annotations

import pytest

from etl.load import load_files
from store.reader import NoWarehouse, Reader, version_alias
from tests import fixtures

NEW_FIRM = [["91370200MA3C00060R", "新公司", "青岛市市南区", "智慧海洋", "2020-01-01", "1", "1",
             "否", "否", "2024-12-31"]]


def test_reader_follows_new_versions_without_breaking_running_queries(fresh_db, tmp_path):
    reader = Reader(fresh_db)
    v1 = reader.refresh()
    assert reader.df("SELECT count(*) AS n FROM enterprise")["n"].iloc[0] == 4
    old_cursor = reader._con.cursor()  # a query of another session, still running on v1
    path = fixtures.write_csv(tmp_path / "new.csv", fixtures.ENTERPRISE_HEADER, NEW_FIRM, "gbk")
    assert load_files([path], db_path=fresh_db).ok
    assert reader.df("SELECT count(*) AS n FROM enterprise")["n"].iloc[0] == 5
    assert reader.version != v1
    assert old_cursor.execute("SELECT count(*) FROM enterprise").fetchall() == [(4,)]
    old_cursor.close()
    aliases = list(fresh_db.parent.glob(f".{fresh_db.name}.r*"))
    assert len(aliases) == 2  # the old version stays open for its grace period
    reader.close()
    assert not list(fresh_db.parent.glob(f".{fresh_db.name}.r*"))


def test_reader_without_a_warehouse(tmp_path):
    with pytest.raises(NoWarehouse, match="尚未发布数据库"):
        Reader(tmp_path / "none.duckdb").refresh()


def test_alias_name(tmp_path):
    assert version_alias(tmp_path / "w.duckdb", 42).name == ".w.duckdb.r42"
