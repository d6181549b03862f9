"""etl/warehouse.py edge cases found by the mutation audit (docs/testing.md, "Mutation testing"):
each test pins a behaviour that a surviving mutant of the module got wrong — the storage error's
one line, the clean-up of a crashed load's staging files, the lock's folder, the publish's version,
what ``discard`` closes, which error a failed check raises and how a reconciliation failure is
described. Small fixtures, exact values."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from etl import warehouse
from store import status as store_status
from tests import fixtures
from tests.test_checks import PLANTS

q = fixtures.query
TAIL = "; 请检查磁盘空间和目录权限, 已发布的数据库未改变"


# -- the storage error: the first line of the error, or its type when it says nothing ----------
@pytest.mark.parametrize(("error", "shown"), [
    (OSError(28, "No space left on device"), "[Errno 28] No space left on device"),
    (duckdb.IOException("  Could not write file\nmore detail\nlast line "), "Could not write file"),
    (OSError(), "OSError"),
    (duckdb.IOException("  \n "), "IOException"),
])
def test_the_storage_error_is_one_line_naming_the_path(error, shown):
    e = warehouse.storage_error(Path("/data/wh.duckdb.staging-1"), error)
    assert type(e) is warehouse.StorageError
    assert str(e) == f"/data/wh.duckdb.staging-1: 无法写入暂存数据库 ({shown}){TAIL}"


# -- a crashed load's leftovers: files, folders, a link (unlinked, never followed) -------------
def test_stale_staging_files_folders_and_links_are_removed(tmp_path):
    db = tmp_path / "wh.duckdb"
    db.write_bytes(b"published")
    (tmp_path / "wh.duckdb.staging-aaaa").write_bytes(b"half a copy")
    (tmp_path / "wh.duckdb.staging-aaaa.wal").write_bytes(b"wal")
    inputs = tmp_path / "wh.duckdb.staging-aaaa.inputs" / "1"
    inputs.mkdir(parents=True)
    (inputs / "talents.csv").write_text("x", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("keep", encoding="utf-8")
    (tmp_path / "wh.duckdb.staging-bbbb").symlink_to(elsewhere, target_is_directory=True)
    (tmp_path / "other.duckdb.staging-cccc").write_bytes(b"another warehouse's")

    removed = warehouse.remove_stale_staging(db)

    assert sorted(p.name for p in removed) == [
        "wh.duckdb.staging-aaaa", "wh.duckdb.staging-aaaa.inputs",
        "wh.duckdb.staging-aaaa.wal", "wh.duckdb.staging-bbbb"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "elsewhere", "other.duckdb.staging-cccc", "wh.duckdb"]
    assert (elsewhere / "keep.txt").read_text(encoding="utf-8") == "keep"  # link not followed
    assert db.read_bytes() == b"published"


def test_nothing_stale_removes_nothing(tmp_path):
    (tmp_path / "wh.duckdb").write_bytes(b"published")
    assert warehouse.remove_stale_staging(tmp_path / "wh.duckdb") == []


# -- the writer lock makes the folder it needs, however deep -----------------------------------
def test_the_writer_lock_creates_missing_folders(tmp_path):
    db = tmp_path / "a" / "b" / "wh.duckdb"
    with warehouse.writer_lock(db):
        assert (tmp_path / "a" / "b" / "wh.duckdb.lock").is_file()
        with pytest.raises(warehouse.PublishError, match="另一个加载进程正在写入"), \
                warehouse.writer_lock(db):
            pass


# -- the region dimension: one row per region, numbered afresh (no repeated index labels) -----
def test_the_region_dimension_has_a_fresh_index():
    d = warehouse.region_dimension()
    assert d.index.equals(pd.RangeIndex(len(d)))
    assert d["adcode"].is_unique
    assert {"100000", "370212", "900000", "982600"} <= set(d["adcode"])


# -- the abroad upgrade: only a region table without 'abroad' is dropped -----------------------
def test_the_abroad_upgrade_leaves_a_current_region_table_and_a_bare_database_alone():
    con = duckdb.connect()
    try:
        warehouse._allow_abroad(con)  # no region table at all: nothing to upgrade, no error
        assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchone() == (0,)
        warehouse.init_schema(con)
        con.execute("INSERT INTO region (adcode, name, level) VALUES ('900000', '海外', 'abroad')")
        warehouse._allow_abroad(con)  # already knows 'abroad': kept with its rows
        assert con.execute("SELECT adcode, name, level FROM region").fetchall() == [
            ("900000", "海外", "abroad")]
    finally:
        con.close()


# -- private copies of inputs: each in a folder of its own, under the staging's inputs folder --
def test_input_copies_of_files_with_the_same_name_do_not_collide(tmp_path):
    stage = warehouse.Staging(tmp_path / "wh.duckdb")
    first = stage.input_copy(Path("/x/talents.csv"))
    second = stage.input_copy(Path("/y/talents.csv"))
    assert first != second
    assert first.name == second.name == "talents.csv"
    assert first.parent.parent == second.parent.parent == stage.inputs
    assert stage.inputs.name == stage.path.name + ".inputs"


# -- publish returns the version it stamped, and the load reports it --------------------------
def test_publish_returns_the_version_it_stamped(fresh_db):
    stage = warehouse.Staging(fresh_db)
    stage.open()
    try:
        version = stage.publish()
    finally:
        stage.discard()
    assert version == store_status.published_version(fresh_db)
    assert q(fresh_db, "SELECT value FROM meta WHERE key = 'version'") == [(version,)]
    assert len(version) == len("20261130T120000.123456Z") and version.endswith("Z")


def test_a_load_reports_the_published_version(tmp_path, raw_files):
    from etl.load import load_files

    db = tmp_path / "wh.duckdb"
    report = load_files([raw_files["move"]], db_path=db)
    assert report.version == store_status.published_version(db)
    assert report.version[:8].isdigit()


# -- discard closes the staging connection and removes its files ------------------------------
def test_discard_closes_the_staging_connection(fresh_db):
    stage = warehouse.Staging(fresh_db)
    con = stage.open()
    assert stage.path.exists()
    stage.discard()
    assert stage.con is None
    with pytest.raises(duckdb.ConnectionException):
        con.execute("SELECT 1")
    assert not stage.path.exists()
    assert [p.name for p in fresh_db.parent.iterdir() if ".staging-" in p.name] == []


# -- a failed check that is not a reconciliation: IntegrityError itself, naming the check -----
def test_a_failed_check_with_every_batch_reconciled_is_an_integrity_error(fresh_db):
    name = "talent_contact belongs to a talent"
    stage = warehouse.Staging(fresh_db)
    con = stage.open()
    try:
        warehouse.build_marts(con)
        con.execute(PLANTS[name])
        assert len(warehouse.unreconciled(con)) == 0
        with pytest.raises(warehouse.IntegrityError) as e:
            warehouse.check_integrity(con)
    finally:
        stage.discard()
    assert type(e.value) is warehouse.IntegrityError
    assert str(e.value) == f"完整性检查未通过, 未发布: {name}: 1 行"


def test_a_failed_check_with_a_batch_short_is_a_reconciliation_error(fresh_db, raw_files):
    stage = warehouse.Staging(fresh_db)
    con = stage.open()
    try:
        con.execute("DELETE FROM talent_move WHERE rowid IN (SELECT min(rowid) FROM talent_move)")
        warehouse.build_marts(con)
        with pytest.raises(warehouse.ReconciliationError) as e:
            warehouse.check_integrity(con)
    finally:
        stage.discard()
    assert str(e.value) == ("完整性检查未通过, 未发布: every batch's rows are present in its fact "
                            f"tables: 1 行; {raw_files['move']} (批次 4) 写入 talent_move 3 行, 表中现有 2 行")


# -- how unreconciled batches are described: five at most, then how many in all --------------
def _bad(n: int, replaced: int = 0) -> pd.DataFrame:
    return pd.DataFrame({
        "batch_id": list(range(1, n + 1)),
        "table_name": ["talent"] * n,
        "file": [f"f{i}.csv" for i in range(1, n)] + [None],
        "rows_written": [1234] * n,
        "rows_replaced": [replaced] * n,
        "rows_present": [1000] * n,
    })


def _part(i: int, last: bool = False, replaced: str = "") -> str:
    name = "(无加载记录)" if last else f"f{i}.csv"
    return f"{name} (批次 {i}) 写入 talent 1,234 行{replaced}, 表中现有 1,000 行"


@pytest.mark.parametrize(("n", "expected"), [
    (1, _part(1, last=True)),
    (2, f"{_part(1)}; {_part(2, last=True)}"),
    (5, "; ".join([*(_part(i) for i in range(1, 5)), _part(5, last=True)])),
    (6, "; ".join(_part(i) for i in range(1, 6)) + " 等 6 处"),
    (7, "; ".join(_part(i) for i in range(1, 6)) + " 等 7 处"),
])
def test_unreconciled_batches_are_described_five_at_most(n, expected):
    assert warehouse._describe(_bad(n)) == expected


def test_replaced_rows_are_described_when_there_are_any():
    assert warehouse._describe(_bad(1, replaced=2345)) == _part(
        1, last=True, replaced=", 之后被替换 2,345 行")


def test_a_reconciliation_failure_after_publish_names_the_batch(fresh_db, raw_files):
    stage = warehouse.Staging(fresh_db)
    con = stage.open()
    try:
        con.execute("UPDATE batch_rows SET rows_written = rows_written + 1 "
                    "WHERE table_name = 'talent_move'")
        with pytest.raises(warehouse.ReconciliationError) as e:
            warehouse.check_reconciled(con)
    finally:
        stage.discard()
    assert str(e.value) == (f"行数核对未通过, 未发布: {raw_files['move']} (批次 4) 写入 "
                            "talent_move 4 行, 表中现有 3 行")
