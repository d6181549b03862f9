"""Loads lose nothing: every row a batch records is counted in the published fact tables.

DuckDB 2.0.0 lost whole files: a table created and filled with ≥ 122,880 rows (one row group)
inside one transaction scanned empty in the next, while count(*) still reported the rows — the
path every file takes through its pending tables. These tests load more than one row group of
every kind and count the rows *in the published file*, reopened; the reconciliation that runs
before every publish is tested by planting mismatches.
"""

from __future__ import annotations

import csv
import hashlib
import os
import socket
from pathlib import Path

import duckdb
import pytest

from etl import guard, warehouse
from etl.load import load_files
from etl.normalize.credit_code import make_credit_code
from store import status as store_status
from tests import fixtures

ROW_GROUP = 122_880
N = ROW_GROUP + 7_120  # 130,000: more than one row group


def q(db: Path, sql: str, params=None):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _write(path: Path, header: list[str], rows) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def big_files(folder: Path) -> dict[str, Path]:
    """130,000 valid rows of every kind, each with a distinct natural key."""
    from reference.regions import region_index

    places = ["青岛市崂山区", "深圳市南山区", "北京市海淀区", "上海市浦东新区", "杭州市西湖区"]
    ent = ((make_credit_code(f"91370212MA{i:07d}"), f"大文件公司{i}", places[i % 5], "虚拟现实",
            "2015-03-02", "100", "10", "否", "否", "2024-12-31") for i in range(N))
    tal = ((f"B{i:07d}", places[i % 5], "1990", "硕士", "VR、Unity", "2024-01-15")
           for i in range(N))
    post = ((f"P{i:07d}", "VR开发工程师", places[i % 5], "15-25K", "VR", "2024-03-01")
            for i in range(N))
    moves = ((f"B{i:07d}", places[i % 5], places[(i + 1) % 5], "2023-05-01") for i in range(N))
    codes = region_index()["adcode"].tolist()
    years = range(2015, 2015 + -(-N // (len(codes) * 4)))
    ind = [(c, f"指标{k}", str(y), str(k + 1), "人", "测试") for y in years for k in range(4)
           for c in codes][:N]
    return {
        "enterprise": _write(folder / "ent.csv", fixtures.ENTERPRISE_HEADER, ent),
        "talent": _write(folder / "tal.csv", ["人才编号", "所在地", "出生年份", "最高学历", "技能标签",
                                              "数据日期"], tal),
        "posting": _write(folder / "post.csv", ["职位编号", "职位名称", "工作地点", "薪资", "技能标签",
                                                "发布日期"], post),
        "move": _write(folder / "moves.csv", fixtures.MOVES_HEADER, moves),
        "indicator": _write(folder / "ind.csv", fixtures.POPULATION_HEADER, ind),
    }


TABLE = {"enterprise": "enterprise", "talent": "talent", "posting": "job_posting",
         "move": "talent_move", "indicator": "region_indicator"}


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> dict[str, Path]:
    return big_files(tmp_path_factory.mktemp("big"))


@pytest.mark.slow
def test_more_than_a_row_group_of_every_kind_reaches_the_published_tables(big, tmp_path):
    db = tmp_path / "wh.duckdb"
    report = load_files(list(big.values()), db_path=db, source="big")
    assert [(f.kind, f.status, f.rows_loaded, f.rows_quarantined) for f in report.files] == [
        (k, "loaded", N, 0) for k in big]
    for kind, table in TABLE.items():  # counted by scanning the reopened, published file
        assert q(db, f"SELECT count(*) FROM {table} WHERE batch_id > 0") == [(N,)], kind  # noqa: S608
        assert q(db, f"SELECT count(DISTINCT batch_id) FROM {table}") == [(1,)], kind  # noqa: S608
    assert q(db, "SELECT count(*), sum(rows_loaded) FROM load_batch WHERE status = 'loaded'") \
        == [(5, 5 * N)]
    con = duckdb.connect(str(db), read_only=True)
    try:
        batches = store_status.status(con)["batches"]
        assert warehouse.unreconciled(con).empty
    finally:
        con.close()
    assert batches["rows_present"].tolist() == [N] * 5
    assert batches["rows_replaced"].tolist() == [0] * 5


@pytest.mark.slow
def test_a_streamed_csv_with_chunks_of_more_than_a_row_group(big, tmp_path, monkeypatch):
    monkeypatch.setenv("TALENTMAP_STREAM_THRESHOLD_MB", "0")
    monkeypatch.setenv("TALENTMAP_CHUNK_ROWS", str(ROW_GROUP + 1_000))  # two chunks, both large
    db = tmp_path / "wh.duckdb"
    report = load_files([big["talent"]], db_path=db, source="big")
    assert [(f.status, f.rows_loaded) for f in report.files] == [("loaded", N)]
    assert q(db, "SELECT count(*), count(DISTINCT talent_id) FROM talent") == [(N, N)]


# -- reconciliation --------------------------------------------------------------------------------
def test_a_later_batch_replacing_rows_is_recorded_and_the_counts_still_reconcile(tmp_path):
    db = tmp_path / "wh.duckdb"
    rows = [r[:] for r in fixtures.ENTERPRISES[:3]]
    first = fixtures.write_csv(tmp_path / "a.csv", fixtures.ENTERPRISE_HEADER, rows)
    newer = [rows[0][:1] + ["新名字有限公司"] + rows[0][2:]]
    second = fixtures.write_csv(tmp_path / "b.csv", fixtures.ENTERPRISE_HEADER, newer)
    assert load_files([first], db_path=db).ok
    assert load_files([second], db_path=db).ok
    con = duckdb.connect(str(db), read_only=True)
    try:
        b = store_status.status(con)["batches"].sort_values("batch_id")
        assert warehouse.unreconciled(con).empty
        assert all(n == 0 for _, n in warehouse.run_checks(con))
    finally:
        con.close()
    assert b[["rows_loaded", "rows_present", "rows_replaced"]].values.tolist() == [[3, 2, 1],
                                                                                  [1, 1, 0]]
    assert q(db, "SELECT name FROM enterprise WHERE credit_code = ?", [rows[0][0]]) == [
        ("新名字有限公司",)]


@pytest.mark.parametrize("plant, named", [
    ("DELETE FROM enterprise WHERE rowid IN (SELECT min(rowid) FROM enterprise)",
     ["enterprises.csv (批次 1) 写入 enterprise 4 行, 表中现有 3 行"]),
    ("UPDATE batch_rows SET rows_written = rows_written + 1 WHERE table_name = 'talent'",
     ["talents.xlsx (批次 2) 写入 talent 6 行, 表中现有 5 行"]),
    ("UPDATE enterprise SET batch_id = 999",
     ["enterprises.csv (批次 1) 写入 enterprise 4 行, 表中现有 0 行",
      "(无加载记录) (批次 999) 写入 enterprise 0 行, 表中现有 4 行"]),
])
def test_a_planted_mismatch_refuses_the_publish_naming_file_and_counts(loaded_db, tmp_path,
                                                                       plant, named):
    import shutil

    stage = warehouse.Staging(tmp_path / "wh.duckdb")
    shutil.copyfile(loaded_db, stage.db_path)
    con = stage.open()
    try:
        con.execute(plant)
        with pytest.raises(warehouse.ReconciliationError) as e:
            stage.publish()
    finally:
        stage.discard()
    message = str(e.value)
    assert message.startswith("完整性检查未通过, 未发布: ")
    assert "every batch's rows are present in its fact tables" in message
    assert [n for n in named if n not in message] == []


def test_reconcile_names_the_file_and_both_counts():
    from etl.load import reconcile

    reconcile(Path("a.csv"), 3, 5, {"talent": 5, "talent_contact": 2})  # contacts not counted
    with pytest.raises(warehouse.ReconciliationError,
                       match=r"a\.csv: 行数核对未通过, 未发布: 批次 3 记录载入 130,000 行, 事实表中实有 0 行"):
        reconcile(Path("a.csv"), 3, 130_000, {"talent": 0})


def test_status_cli_shows_rows_recorded_and_present(loaded_db, capsys):
    from etl.__main__ import main

    assert main(["--db", str(loaded_db), "status"]) == 0
    out = capsys.readouterr().out
    assert "rows_present" in out and "rows_replaced" in out


# -- the bytes that are read -----------------------------------------------------------------------
def test_the_recorded_hash_is_of_the_bytes_parsed_even_if_the_file_is_replaced(tmp_path,
                                                                                monkeypatch):
    """The file is swapped for another version after it was opened: the batch records the
    digest of the version parsed, so the other version still loads later."""
    db = tmp_path / "wh.duckdb"
    path = fixtures.write_csv(tmp_path / "e.csv", fixtures.ENTERPRISE_HEADER,
                              fixtures.ENTERPRISES[:1])
    v1 = path.read_bytes()
    other = fixtures.write_csv(tmp_path / "other.csv", fixtures.ENTERPRISE_HEADER,
                               fixtures.ENTERPRISES[1:3])
    v2 = other.read_bytes()
    real = guard.iter_tables

    def swap_then_read(*args, **kw):
        os.replace(other, path)  # replaced while the load is under way
        yield from real(*args, **kw)

    monkeypatch.setattr(guard, "iter_tables", swap_then_read)
    report = load_files([path], db_path=db)
    monkeypatch.setattr(guard, "iter_tables", real)
    assert report.files[0].rows_loaded == 1
    assert q(db, "SELECT sha256 FROM load_batch") == [(hashlib.sha256(v1).hexdigest(),)]
    again = load_files([path], db_path=db)  # now v2: not skipped as "已加载过"
    assert [(f.status, f.rows_loaded) for f in again.files] == [("loaded", 2)]
    assert q(db, "SELECT sha256 FROM load_batch ORDER BY batch_id")[1] == (
        hashlib.sha256(v2).hexdigest(),)


def test_private_copy_hashes_exactly_what_it_copies(tmp_path):
    src = tmp_path / "x.csv"
    src.write_bytes(b"a,b\n1,2\n" * 100_000)
    dest = tmp_path / "copy" / "x.csv"
    digest = guard.private_copy(src, dest)
    assert dest.read_bytes() == src.read_bytes()
    assert digest == hashlib.sha256(src.read_bytes()).hexdigest()


# -- only regular files ----------------------------------------------------------------------------
def _fifo(p: Path) -> Path:
    os.mkfifo(p)
    return p


def _sock(p: Path) -> Path:
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(p))
    return p


@pytest.mark.timeout(60)
@pytest.mark.parametrize("make, what", [
    (_fifo, "命名管道 (FIFO)"),
    (lambda p: Path("/dev/zero"), "字符设备"),
    (lambda p: (p.mkdir(), p)[1], "目录"),
    (_sock, "套接字"),
])
def test_only_regular_files_are_read_and_the_rest_still_loads(tmp_path, make, what):
    bad = make(tmp_path / "input.csv")
    good = fixtures.write_csv(tmp_path / "good.csv", fixtures.ENTERPRISE_HEADER,
                              fixtures.ENTERPRISES[:1])
    report = load_files([bad, good], db_path=tmp_path / "wh.duckdb")  # the timeout: no hang
    assert [f.status for f in report.files] == ["failed", "loaded"]
    assert report.files[0].message == f"{bad}: 不是普通文件 ({what}), 只能加载普通文件"


# -- loads from a server run in their own process ---------------------------------------------------
def test_an_isolated_load_relays_progress_and_returns_the_report(tmp_path):
    from store.jobs import load_files_isolated

    said: list[str] = []
    path = fixtures.write_csv(tmp_path / "e.csv", fixtures.ENTERPRISE_HEADER,
                              fixtures.ENTERPRISES[:2])
    report = load_files_isolated([path], db_path=tmp_path / "wh.duckdb", progress=said.append)
    assert [(f.status, f.rows_loaded) for f in report.files] == [("loaded", 2)]
    assert said[0] == f"[1/1] {path}" and said[-1].startswith(f"已发布 {tmp_path / 'wh.duckdb'}")
    assert q(tmp_path / "wh.duckdb", "SELECT count(*) FROM enterprise") == [(2,)]


def test_an_isolated_load_that_dies_leaves_the_caller_running_and_the_warehouse_intact(
        loaded_db, tmp_path, monkeypatch):
    import shutil

    from store.jobs import load_files_isolated

    db = tmp_path / "wh.duckdb"
    shutil.copyfile(loaded_db, db)
    before = q(db, "SELECT count(*) FROM enterprise")
    from store import jobs
    from tests import faults

    monkeypatch.setattr(jobs, "ETL_COMMAND", faults.command("dimensions-loaded"))  # SIGKILL
    path = fixtures.write_csv(tmp_path / "e.csv", fixtures.ENTERPRISE_HEADER, [
        ["91370212MA3C000404", "新公司", "青岛市崂山区", "虚拟现实", "2019-01-01", "10", "5", "否",
         "否", "2024-12-31"]])
    with pytest.raises(warehouse.PublishError,
                       match=r"^加载进程意外终止 \(退出码 -9\); 已发布的数据库未改变$"):
        load_files_isolated([path], db_path=db)
    assert q(db, "SELECT count(*) FROM enterprise") == before
    monkeypatch.setattr(jobs, "ETL_COMMAND", faults.command(None))
    assert load_files_isolated([path], db_path=db).ok  # the lock died with the child


def test_an_isolated_load_raises_the_loads_own_errors(tmp_path):
    from etl import mapping
    from store.jobs import load_files_isolated

    bad_map = tmp_path / "map.json"
    bad_map.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(mapping.MappingError, match="映射文件应为 JSON 对象"):
        load_files_isolated([tmp_path / "x.csv"], db_path=tmp_path / "wh.duckdb",
                            mapping_file=bad_map)


# -- a full disk ------------------------------------------------------------------------------------
@pytest.fixture
def tiny_disk(tmp_path):
    """A 3 MB tmpfs (CI runs as root on Linux, where this mount works)."""
    import subprocess

    where = tmp_path / "tiny"
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"cannot mount a tmpfs for the disk-full test: {done.stderr}")
        pytest.skip(f"needs root to mount a tmpfs: {done.stderr.strip()}")
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_full_disk_ends_in_one_clear_line_and_publishes_nothing(tiny_disk, tmp_path, capsys):
    from etl.__main__ import main

    path = fixtures.write_csv(tmp_path / "e.csv", fixtures.ENTERPRISE_HEADER,
                              fixtures.ENTERPRISES[:2])
    db = tiny_disk / "wh.duckdb"
    assert main(["--db", str(db), "load", str(path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith(f"错误: {tiny_disk}/wh.duckdb.staging-")
    assert "No space left on device" in err[-1]
    assert err[-1].endswith("; 请检查磁盘空间和目录权限, 已发布的数据库未改变")
    assert not db.exists()
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["wh.duckdb.lock"]  # nothing left


def test_an_unwritable_staging_copy_is_one_line(loaded_db, tmp_path, monkeypatch):
    import shutil

    db = tmp_path / "wh.duckdb"
    shutil.copyfile(loaded_db, db)

    def full(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shutil, "copyfile", full)
    with pytest.raises(warehouse.StorageError) as e:
        load_files([tmp_path / "x.csv"], db_path=db)
    assert str(e.value).startswith(f"{tmp_path}/wh.duckdb.staging-")
    assert str(e.value).endswith(": 无法写入暂存数据库 ([Errno 28] No space left on device); "
                                 "请检查磁盘空间和目录权限, 已发布的数据库未改变")


def test_a_publish_removes_old_reader_links_no_process_holds(loaded_db, tmp_path):
    import shutil

    from store.reader_links import link_path

    db = tmp_path / "wh.duckdb"
    shutil.copyfile(loaded_db, db)
    stale = link_path(db, os.stat(db).st_ino)
    os.link(db, stale)  # the link a killed dashboard left on this version
    path = fixtures.write_csv(tmp_path / "e.csv", fixtures.ENTERPRISE_HEADER, [
        ["91370212MA3C000404", "新公司", "青岛市崂山区", "虚拟现实", "2019-01-01", "10", "5", "否",
         "否", "2024-12-31"]])
    assert load_files([path], db_path=db).ok
    assert not stale.exists()


def test_columns_that_map_to_nothing_are_listed_in_the_summary(tmp_path, capsys):
    from etl.__main__ import main

    path = fixtures.write_csv(tmp_path / "e.csv", [*fixtures.ENTERPRISE_HEADER, "备注", "内部编号"],
                              [[*fixtures.ENTERPRISES[0], "x", "7"]])
    mapping_file = tmp_path / "map.json"
    mapping_file.write_text('{"企业简称": "name"}', encoding="utf-8")
    report = load_files([path], db_path=tmp_path / "wh.duckdb", mapping_file=mapping_file)
    assert report.files[0].unmapped == ["备注", "内部编号"]
    assert report.files[0].absent == ["企业简称"]
    assert main(["--db", str(tmp_path / "wh2.duckdb"), "load", str(path)]) == 0
    err = capsys.readouterr().err
    assert f"提示: {path}: 未映射的列 (未载入): 备注、内部编号" in err
