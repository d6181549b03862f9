"""ETL integration on the tiny fixtures: exact rows loaded, exact quarantine, idempotency,
upserts, atomic publish."""

from __future__ import annotations

import os
import shutil

import pytest

import settings
from etl import warehouse
from etl.load import load_files
from store import connection
from store import status as store_status
from tests import fixtures

q = fixtures.query


def test_every_kind_loads_with_exact_counts(loaded_db):
    batches = q(loaded_db, "SELECT kind, status, rows_read, rows_loaded, rows_quarantined "
                          "FROM load_batch ORDER BY kind")
    assert batches == [
        ("enterprise", "loaded", 7, 4, 3),
        ("indicator", "loaded", 3, 3, 0),
        ("move", "loaded", 3, 3, 0),  # R0007 came from 英国伦敦: a place abroad
        ("posting", "loaded", 5, 3, 2),
        ("talent", "loaded", 7, 5, 2),  # R0004's 工作年限 -3 is a field warning, not a reason
    ]


def test_quarantine_names_row_field_and_reason(loaded_db):
    rows = q(loaded_db, "SELECT regexp_extract(file, '[^/]+$'), row_number, field, reason "
                        "FROM quarantine ORDER BY batch_id, row_number, field")
    by_file = {}
    for f, n, field, reason in rows:
        by_file.setdefault(f, []).append((n, field, reason))
    assert by_file["enterprises.csv"] == [
        (5, "统一社会信用代码", "校验位错误"),
        (6, "统一社会信用代码", "文件内重复 (与第 2 行相同)"),
        (7, "注册地址", "无法识别地区: 火星基地1号"),
    ]
    assert "moves.csv" not in by_file  # 英国伦敦 is a place abroad (982600), not a bad row
    assert "population.csv" not in by_file
    assert by_file["talents.xlsx"] == [  # row 7's 出生年份 1900 would only warn: not listed
        (7, "所在地", "无法识别地区: 月球"),
        (8, "人才编号", "文件内重复 (与第 3 行相同)"),
    ]
    assert by_file["postings.jsonl"] == [  # row 5's 薪资保密啦 would only warn: not listed
        (4, "职位名称", "缺少职位名称"),
        (5, "发布日期", "无法解析日期"),
    ]


def test_quarantine_keeps_the_raw_row(loaded_db):
    raw = q(loaded_db, "SELECT raw FROM quarantine WHERE reason = '校验位错误'")[0][0]
    assert '"企业名称": "校验位错误公司"' in raw


def test_normalised_values(loaded_db):
    ent = dict(q(loaded_db, "SELECT credit_code, adcode || '/' || node_id FROM enterprise"))
    assert ent == {"91370212MA3C000101": "370212/T14", "91440300MA5F000209": "440305/F01",
                   "91110108MA0X000308": "110108/T11", "91370214MA3C000502": "370214/A07"}
    post = q(loaded_db, "SELECT title, adcode, salary_min, salary_max, salary_months, "
                        "education_req, experience_min, posted_on::VARCHAR FROM job_posting "
                        "ORDER BY title")
    assert post == [
        ("NLP算法工程师", "110100", 15000, 30000, 12, "硕士", 0.0, "2023-11-20"),
        ("VR开发工程师", "370212", 15000, 25000, 14, "本科", 3.0, "2024-03-01"),
        ("芯片验证工程师", "440305", None, None, None, None, 0.0, "2024-05-06"),
    ]
    talent = q(loaded_db, "SELECT adcode, node_id, tier, education, years_experience, skills, "
                          "expected_adcode FROM talent ORDER BY adcode")
    assert talent[0] == ("110108", "T04", "N", "本科", 0.0, ["NLP", "大模型", "Python"], None)
    assert ("370212", "T14", "D", "硕士", 8.0, ["VR", "Unity", "三维引擎"], "370200") in talent


def test_talent_ids_are_pseudonyms_and_contacts_kept_apart(loaded_db):
    ids = [r[0] for r in q(loaded_db, "SELECT talent_id FROM talent")]
    assert all(i.startswith("T") and len(i) == 20 and "R000" not in i for i in ids)
    cols = [r[0] for r in q(loaded_db, "SELECT column_name FROM information_schema.columns "
                                       "WHERE table_name = 'talent'")]
    assert not {"name", "phone", "email"} & set(cols)
    assert q(loaded_db, "SELECT count(*) FROM talent_contact WHERE phone = '13800000001'") == [(1,)]


def test_marts_roll_up_through_every_level(loaded_db):
    def talents(code):
        return q(loaded_db, "SELECT sum(talents) FROM mart_talent_supply WHERE adcode = ?",
                 [code])[0][0]
    assert talents("370212") == 1
    assert talents("370202") == 1
    assert talents("370211") == 1  # R0004 (青岛黄岛), loaded with its 工作年限 left empty
    assert talents("370200") == 3
    assert talents("370000") == 3
    assert talents("100000") == 5
    ent = q(loaded_db, "SELECT level, sum(enterprises) FROM mart_enterprise GROUP BY level "
                       "ORDER BY level")
    assert ent == [("city", 4), ("country", 4), ("district", 4), ("province", 4)]
    moves = q(loaded_db, "SELECT from_adcode, to_adcode, moves FROM mart_moves "
                         "WHERE level = 'province' ORDER BY from_adcode")
    assert moves == [("110000", "370000", 1), ("310000", "440000", 1),
                     ("982600", "370000", 1)]  # from 英国 (abroad stands for itself)


def test_integrity_checks_pass_on_published_file(loaded_db):
    con = connection.connect(loaded_db, read_only=True)
    try:
        assert all(n == 0 for _, n in warehouse.run_checks(con))
    finally:
        con.close()


def test_loading_the_same_files_again_changes_nothing(fresh_db, raw_files):
    before = store_status.published_version(fresh_db)
    counts = q(fresh_db, "SELECT (SELECT count(*) FROM talent), (SELECT count(*) FROM load_batch)")
    report = load_files(list(raw_files.values()), db_path=fresh_db, source="fixture")
    assert [f.status for f in report.files] == ["skipped"] * 5
    assert store_status.published_version(fresh_db) == before
    assert q(fresh_db, "SELECT (SELECT count(*) FROM talent), "
                       "(SELECT count(*) FROM load_batch)") == counts


def test_a_newer_export_updates_rows(fresh_db, tmp_path):
    rows = [list(r) for r in fixtures.ENTERPRISES]
    rows[0][1] = "青岛幻境虚拟现实科技股份有限公司"
    rows[0][6] = "400"
    path = fixtures.write_csv(tmp_path / "enterprises-2025.csv", fixtures.ENTERPRISE_HEADER,
                              rows, "gbk")
    report = load_files([path], db_path=fresh_db, source="fixture")
    assert report.ok
    assert q(fresh_db, "SELECT name, employees FROM enterprise "
                       "WHERE credit_code = '91370212MA3C000101'") == [
        ("青岛幻境虚拟现实科技股份有限公司", 400)]
    assert q(fresh_db, "SELECT count(*) FROM enterprise") == [(4,)]


def test_failure_mid_load_publishes_nothing(fresh_db, tmp_path):
    before = store_status.published_version(fresh_db)
    path = fixtures.write_csv(tmp_path / "new.csv", fixtures.ENTERPRISE_HEADER,
                              [["91370200MA3C00060R", "新公司", "青岛市市南区", "智慧海洋", "2020-01-01",
                                "1", "1", "否", "否", "2024-12-31"]], "gbk")
    from etl import load

    def fail(*_a, **_k):
        raise RuntimeError("injected failure")

    real_one = load.load_one

    def after_the_file(*a, **k):  # the file loads into staging, then the load fails
        real_one(*a, **k)
        fail()

    for target, name, replacement in ((load, "load_one", after_the_file),
                                      (warehouse.Staging, "publish", fail)):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(target, name, replacement)
            with pytest.raises(RuntimeError, match="injected failure"):
                load_files([path], db_path=fresh_db)
        assert store_status.published_version(fresh_db) == before
        assert q(fresh_db, "SELECT count(*) FROM enterprise WHERE name = '新公司'") == [(0,)]
    assert not list(fresh_db.parent.glob("*.staging-*"))


def test_a_reader_holding_the_file_open_never_blocks_a_load(fresh_db, tmp_path):
    reader = connection.connect(fresh_db, read_only=True)
    try:
        path = fixtures.write_csv(tmp_path / "new.csv", fixtures.ENTERPRISE_HEADER,
                                  [["91370200MA3C00060R", "新公司", "青岛市市南区", "智慧海洋",
                                    "2020-01-01", "1", "1", "否", "否", "2024-12-31"]], "gbk")
        report = load_files([path], db_path=fresh_db)
        assert report.ok and report.version
        # The open reader still sees the version it opened ...
        assert reader.execute("SELECT count(*) FROM enterprise").fetchall() == [(4,)]
    finally:
        reader.close()
    # ... and once it lets go (DuckDB shares one instance per path within a process), a new
    # connection reads the new version.
    assert q(fresh_db, "SELECT count(*) FROM enterprise") == [(5,)]


def test_a_bad_file_fails_alone(fresh_db, tmp_path, raw_files):
    bad = tmp_path / "bad.csv"
    bad.write_text("foo,bar\n1,2\n", encoding="utf-8")
    good = fixtures.write_csv(tmp_path / "new.csv", fixtures.ENTERPRISE_HEADER,
                              [["91370200MA3C00060R", "新公司", "青岛市市南区", "智慧海洋",
                                "2020-01-01", "1", "1", "否", "否", "2024-12-31"]], "gbk")
    report = load_files([bad, good], db_path=fresh_db)
    assert [f.status for f in report.files] == ["failed", "loaded"]
    assert report.files[0].message == (
        f"{bad}: 无法从列名判断数据类型; 找到的列: foo、bar; "
        "请用 --kind 指定 (enterprise|talent|posting|move|indicator) 并用 --mapping 提供列名映射")
    assert q(fresh_db, "SELECT status, message IS NOT NULL FROM load_batch "
                       "WHERE file = ?", [str(bad)]) == [("failed", True)]
    assert q(fresh_db, "SELECT count(*) FROM enterprise") == [(5,)]


def test_writer_lock_refuses_a_second_writer(fresh_db):
    with warehouse.writer_lock(fresh_db):
        with pytest.raises(warehouse.PublishError, match="另一个加载进程正在写入"):
            with warehouse.writer_lock(fresh_db):
                pass


def test_first_load_creates_the_warehouse(tmp_path, raw_files):
    db = tmp_path / "new" / "w.duckdb"
    report = load_files([raw_files["indicator"]], db_path=db)
    assert report.ok and db.exists()
    assert q(db, "SELECT value FROM region_indicator WHERE adcode = '370212'") == [(502370.0,)]
    assert not [p for p in os.listdir(db.parent) if ".staging-" in p]
    shutil.rmtree(db.parent)


def test_a_streamed_csv_loads_exactly_like_a_whole_one(tmp_path, raw_files, monkeypatch):
    """Chunks of 2 rows: duplicates across chunks, row numbers and quarantine all agree."""
    def load(db, **env):
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        report = load_files([raw_files["enterprise"]], db_path=db, source="fixture")
        for k in env:
            monkeypatch.delenv(k)
        rows = q(db, "SELECT credit_code, name, adcode, node_id FROM enterprise ORDER BY 1")
        bad = q(db, "SELECT row_number, field, reason FROM quarantine ORDER BY 1, 2")
        return report.files[0], rows, bad

    whole = load(tmp_path / "a.duckdb")
    streamed = load(tmp_path / "b.duckdb", TALENTMAP_STREAM_THRESHOLD_MB="0",
                    TALENTMAP_CHUNK_ROWS="2")
    assert streamed[1:] == whole[1:]
    assert (streamed[0].rows_read, streamed[0].rows_loaded, streamed[0].rows_quarantined) == \
        (7, 4, 3)
    assert (6, "统一社会信用代码", "文件内重复 (与第 2 行相同)") in streamed[2]


def _new_enterprises(n: int, start: int = 100) -> list[list[str]]:
    from etl.normalize.credit_code import make_credit_code
    return [[make_credit_code(f"91370200MA3C{start + i:05d}"), f"流式公司{i}", "青岛市崂山区", "智慧海洋",
             "2020-01-01", "1", "1", "否", "否", "2024-12-31"] for i in range(n)]


def test_a_streamed_file_broken_in_a_later_chunk_leaves_nothing(fresh_db, tmp_path, monkeypatch,
                                                               raw_files):
    """Chunks are committed one by one to pending tables; a bad byte on line 9 (the fourth
    chunk) must still keep none of the file's rows, name the real line, and leave the other
    file of the same command loaded and no pending table in the published file."""
    pad = "x" * 150_000  # an unmapped column: lines 1–8 fill more than the 1 MB encoding sniff
    path = fixtures.write_csv(tmp_path / "stream.csv", [*fixtures.ENTERPRISE_HEADER, "备注"],
                              [[*r, pad] for r in _new_enterprises(10)], "utf-8")
    lines = path.read_bytes().split(b"\n")
    lines[8] = lines[8].replace("流式公司7".encode(), b"\xff\xfe bad")
    path.write_bytes(b"\n".join(lines))
    good = fixtures.write_csv(tmp_path / "good.csv", fixtures.ENTERPRISE_HEADER,
                              [["91370200MA3C00060R", "新公司", "青岛市市南区", "智慧海洋",
                                "2020-01-01", "1", "1", "否", "否", "2024-12-31"]], "gbk")
    before = q(fresh_db, "SELECT count(*) FROM enterprise")
    monkeypatch.setenv("TALENTMAP_STREAM_THRESHOLD_MB", "0")
    monkeypatch.setenv("TALENTMAP_CHUNK_ROWS", "2")
    report = load_files([path, good], db_path=fresh_db)
    assert [f.status for f in report.files] == ["failed", "loaded"]
    assert report.files[0].message.startswith(f"{path}: 第 9 行附近编码错误 (按 utf-8 解码失败)")
    assert q(fresh_db, "SELECT count(*) FROM enterprise WHERE name LIKE '流式公司%'") == [(0,)]
    assert q(fresh_db, "SELECT count(*) FROM enterprise") == [(before[0][0] + 1,)]
    assert q(fresh_db, "SELECT count(*) FROM quarantine WHERE file = ?", [str(path)]) == [(0,)]
    assert q(fresh_db, "SELECT count(*) FROM duckdb_tables() "
                       "WHERE table_name LIKE '%pending%'") == [(0,)]


def test_a_streamed_file_replaces_older_rows_only_when_whole(fresh_db, tmp_path, monkeypatch):
    """Upserts happen at the end, in one transaction: a newer export streamed in chunks
    updates the row it shares a key with, and its new rows arrive, all together."""
    rows = [list(r) for r in fixtures.ENTERPRISES] + _new_enterprises(5)
    rows[0][1] = "青岛幻境虚拟现实科技股份有限公司"
    path = fixtures.write_csv(tmp_path / "stream.csv", fixtures.ENTERPRISE_HEADER, rows, "gbk")
    monkeypatch.setenv("TALENTMAP_STREAM_THRESHOLD_MB", "0")
    monkeypatch.setenv("TALENTMAP_CHUNK_ROWS", "3")
    report = load_files([path], db_path=fresh_db)
    assert report.ok, report.files
    assert q(fresh_db, "SELECT name FROM enterprise WHERE credit_code = '91370212MA3C000101'") \
        == [("青岛幻境虚拟现实科技股份有限公司",)]
    assert q(fresh_db, "SELECT count(*) FROM enterprise") == [(4 + 5,)]
    assert q(fresh_db, "SELECT count(DISTINCT credit_code) = count(*) FROM enterprise") == [(True,)]


def test_a_bad_memory_limit_is_named_and_publishes_nothing(fresh_db, tmp_path, monkeypatch,
                                                         raw_files):
    before = store_status.published_version(fresh_db)
    monkeypatch.setenv("TALENTMAP_ETL_MEMORY_LIMIT", "lots")
    with pytest.raises(settings.SettingError,
                       match=r"^TALENTMAP_ETL_MEMORY_LIMIT='lots': 格式不对, 应为 a size such as 1GB"):
        load_files([raw_files["indicator"]], db_path=fresh_db)
    assert store_status.published_version(fresh_db) == before
