"""School names as one spelling (etl/normalize/university.py, data/university_aliases.csv)."""

from __future__ import annotations

import pandas as pd
import pytest

from etl.normalize.university import aliases, canonical_university, canonical_university_series


@pytest.mark.parametrize(("written", "canonical"), [
    ("哈工大", "哈尔滨工业大学"), (" 哈 工 大 ", "哈尔滨工业大学"), ("北航", "北京航空航天大学"),
    ("中国石油大学(华东)", "中国石油大学（华东）"), ("中国石油大学（华东）", "中国石油大学（华东）"),
    ("清华大学", "清华大学"), ("西电", "西安电子科技大学"), ("国科大", "中国科学院大学"),
    ("交大", "交大"), ("海大", "海大"),  # ambiguous: left as written, not guessed
    ("北大荒职业学院", "北大荒职业学院"),  # only the whole cell is looked up
    ("Stanford University", "StanfordUniversity"), ("", None), ("  ", None), (None, None),
])
def test_canonical_university(written, canonical):
    assert canonical_university(written) == canonical


def test_every_alias_names_a_school_in_full_and_ambiguous_ones_none():
    table = aliases()
    assert "交大" not in table and "东大" not in table
    assert all(v.endswith(("大学", "学院", "研究生院", "（华东）")) for v in table.values())
    assert table["哈尔滨工业大学"] == "哈尔滨工业大学"  # the full names themselves


def test_series_keeps_missing_values():
    out = canonical_university_series(pd.Series(["哈工大", None, "浙大", "哈工大"], dtype=object))
    assert out.tolist() == ["哈尔滨工业大学", None, "浙江大学", "哈尔滨工业大学"]
