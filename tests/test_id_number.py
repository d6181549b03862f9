"""身份证号: checked (GB 11643-1999), kept only as a keyed hash, the strongest link between records
of one person and the surest sign of two (etl/normalize/id_number.py, etl/linkage.py)."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from etl.load import load_files
from etl.normalize.id_number import (
    BAD_CHARS,
    BAD_CHECK,
    BAD_DATE,
    BAD_LENGTH,
    birth_month,
    check_digit,
    check_id_number,
)


def num(body17: str) -> str:
    return body17 + check_digit(body17)


A = num("37021219880512123")  # 370212198805121234? the check digit is computed, not assumed
B = num("37021219900101456")
C = num("11010519800101001")


# -- the check ------------------------------------------------------------------------------------
def test_check_digit_of_the_standards_example():
    # GB 11643-1999's worked example: 11010519491231002 → X
    assert check_digit("11010519491231002") == "X"
    assert check_digit("44052418800101001") == "4"


@pytest.mark.parametrize(("written", "expected"), [
    ("11010519491231002X", ("11010519491231002X", None)),
    ("11010519491231002x", ("11010519491231002X", None)),
    ("110105 1949 1231 002X", ("11010519491231002X", None)),
    ("110105-19491231-002X", ("11010519491231002X", None)),
    ("１１０１０５１９４９１２３１００２Ｘ", ("11010519491231002X", None)),
    ("110105491231002", ("11010519491231002X", None)),  # the old 15-digit form, widened
    ("110105194912310020", (None, BAD_CHECK)),
    ("11010519491231002", (None, BAD_LENGTH)),
    ("1101051949123100X2", (None, BAD_CHARS)),
    ("110105194902300021", (None, BAD_DATE)),  # 30 February
    ("110105180001010011", (None, BAD_DATE)),  # before 1900
    ("", (None, None)), ("  ", (None, None)), (None, (None, None)),
])
def test_check_id_number(written, expected):
    assert check_id_number(written) == expected


def test_birth_month_of_a_number():
    assert birth_month("11010519491231002X") == "1949-12"


# -- loading and linking --------------------------------------------------------------------------
HEADER = ["人才编号", "姓名", "手机", "所在地", "出生年月", "毕业院校", "身份证号", "数据日期"]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("idnum")
    hr = _write(d / "hr.csv", [
        # one person: different phones, simplified and traditional name — one ID number
        ["A1", "张伟", "13800000001", "青岛市崂山区", "", "山东大学", A, "2024-01-01"],
        # two people who share a phone and a name (a family's phone), told apart by their IDs
        ["A2", "王芳", "13800000002", "青岛市崂山区", "1990-01", "山东大学", B, "2024-01-01"],
        # a bad check digit: a field warning, the row loads without a number
        ["A3", "李四", "13800000003", "青岛市", "", "", A[:-1] + ("0" if A[-1] != "0" else "1"),
         "2024-01-01"],
        # no region: quarantined — the number must not be kept as written there either
        ["A4", "赵六", "13800000004", "", "", "", C, "2024-01-01"],
        # same name, birth month, school and city as A6, no phone: the model would link them;
        # their different numbers keep them apart
        ["A5", "刘洋", "", "青岛市崂山区", "1991-03", "中国海洋大学", num("37021219910301555"),
         "2024-01-01"],
        ["A6", "刘洋", "", "青岛市崂山区", "1991-03", "中国海洋大学", num("37021219910302666"),
         "2024-01-01"],
        # without numbers this pair would wait in the review queue (p ≈ 0.87: same name, birth
        # year and city); with two numbers there is nothing to review
        ["A7", "孙磊", "", "青岛市崂山区", "1992", "", num("37021219920405777"), "2024-01-01"],
        ["A8", "孙磊", "", "青岛市", "1992", "山东大学", num("37021219920917888"), "2024-01-01"],
    ])
    rs = _write(d / "rs.csv", [
        ["R1", "張偉", "+86 139 0000 0009", "青岛", "", "", A[:6] + " " + A[6:], "2023-01-01"],
        ["R2", "王芳", "138-0000-0002", "青岛", "1990-01", "山东大学", num("37021219900101999"),
         "2023-01-01"],
    ])
    report = load_files([hr, rs], db_path=d / "w.duckdb", sources={hr: "HR", rs: "人社"})
    assert report.ok, report
    assert [f.rows_loaded for f in report.files] == [7, 2]
    return d / "w.duckdb"


def _persons(db: Path) -> dict[str, str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT c.name || '/' || t.source, t.person_id FROM talent t "
                           "JOIN talent_contact c USING (talent_id)").fetchall()
    finally:
        con.close()
    return dict(rows)


def test_one_number_is_one_person_across_sources(db):
    p = _persons(db)
    # (text.clean writes 張 simplified on load; 偉 stays: linkage compares pinyin)
    assert p["张伟/HR"] == p["张偉/人社"]  # phones differ: the number links them
    assert len(set(p.values())) == len(p) - 1  # no other link


def test_different_numbers_are_different_people_whatever_else_agrees(db):
    p = _persons(db)
    assert p["王芳/HR"] != p["王芳/人社"]  # same name and phone, different numbers
    con = duckdb.connect(str(db), read_only=True)
    try:
        liu, sun = (con.execute("SELECT count(DISTINCT t.person_id) FROM talent t JOIN "
                                "talent_contact c USING (talent_id) WHERE c.name = ?", [n]
                                ).fetchone()[0] for n in ("刘洋", "孙磊"))
        queued = con.execute("SELECT count(*) FROM link_review").fetchone()[0]
    finally:
        con.close()
    assert liu == 2 and sun == 2
    assert queued == 0  # two numbers: nothing for a reviewer to decide


def test_the_number_is_kept_only_as_a_hash(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        hashes = con.execute("SELECT count(id_hash), count(DISTINCT id_hash) FROM talent_contact"
                             ).fetchone()
        months = dict(con.execute("SELECT c.name || '/' || t.source, c.birth_month FROM talent t "
                                  "JOIN talent_contact c USING (talent_id)").fetchall())
        warning = con.execute("SELECT field, reason, raw FROM field_warning").fetchall()
        quarantined = con.execute("SELECT raw FROM quarantine WHERE reason <> ''").fetchall()
        texts = []
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
            cols = [c for c, t in con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ?",
                [table]).fetchall() if t == "VARCHAR"]
            for c in cols:
                texts += [v for (v,) in con.execute(f'SELECT "{c}" FROM "{table}"').fetchall()  # noqa: S608 - catalog names
                          if v]
    finally:
        con.close()
    assert hashes == (8, 7)  # 张伟 and 張偉 share one; the bad number has none
    assert months["张伟/HR"] == A[6:10] + "-" + A[10:12]  # the birth month the number states
    assert months["王芳/HR"] == "1990-01"  # a written birth month is kept
    assert warning == [("身份证号", BAD_CHECK, A[:6] + "*" * 12)]
    assert quarantined and all(C not in q and C[:6] + "*" * 12 in q for (q,) in quarantined)
    digits = {A, B, C, A[:-1] + ("0" if A[-1] != "0" else "1")}
    assert texts and not [t for t in texts if any(n in t for n in digits)]
