"""One neutralisation rule (store/spreadsheet.py) for every file the product writes: whole cells and
cells a spreadsheet splits on another separator; the quarantine export uses it."""

from __future__ import annotations

import pandas as pd
import pytest

from etl.__main__ import main
from etl.load import load_files
from exports import tables
from store import spreadsheet
from tests import fixtures


@pytest.mark.parametrize(("value", "expected"), [
    ("x;=HYPERLINK(\"http://e.vil\")", "x;'=HYPERLINK(\"http://e.vil\")"),
    ("a,+1", "a,'+1"), ("a|@SUM(A1)", "a|'@SUM(A1)"), ("a\t-2", "a\t'-2"),
    ("a; =1+1", "a; '=1+1"), ("a;\"=1\"", "a;\"'=1\""), ("a\n=1", "a\n'=1"),
    ("=1;=2", "'=1;'=2"),
    # no separator before it: not a cell start
    ("2024-01-15", "2024-01-15"), ("a=1;b", "a=1;b"), ("青岛市;崂山区", "青岛市;崂山区"),
    ("x; y", "x; y"), ("", ""), (5, 5), (None, None)])
def test_split_cells_are_neutralised(value, expected):
    assert spreadsheet.neutralise(value) == expected


def test_exports_use_the_same_rule():
    assert tables.neutralise is spreadsheet.neutralise
    assert tables.neutralise_frame is spreadsheet.neutralise_frame


def test_the_quarantine_export_is_neutralised(tmp_path, fresh_db, capsys):
    bad = fixtures.write_csv(tmp_path / "bad.csv", ["人才编号", "所在地", "数据日期"], [
        ["R9101", "=1+1科技;=HYPERLINK(\"http://e.vil\")", "2024-01-15"],
        ["R9102", "x;@SUM(A1)火星", "2024-01-15"]])
    report = load_files([bad], db_path=fresh_db)
    assert report.files[0].rows_quarantined == 2
    for suffix in ("csv", "xlsx"):
        out = tmp_path / f"q.{suffix}"
        assert main(["--db", str(fresh_db), "quarantine", "--export", str(out)]) == 0
        df = (pd.read_csv(out, encoding="utf-8-sig", dtype=str) if suffix == "csv"
              else pd.read_excel(out, dtype=str))
        cells = [v for v in df.to_numpy().ravel().tolist() if isinstance(v, str)]
        raw = [c for c in cells if "HYPERLINK" in c or "SUM(A1)" in c]
        assert len(raw) >= 2, cells
        assert [c for c in raw if c.startswith(spreadsheet.FORMULA_START)
                or ";=" in c or ";@" in c] == [], raw
