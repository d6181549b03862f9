"""analytics.persons: a person's records resolved field by field (recency, then source)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analytics import persons


def recs() -> pd.DataFrame:
    d = dt.date
    return pd.DataFrame({
        "talent_id": ["T1", "T2", "T3"],
        "source": ["猎聘", "人才集团", "人社"],
        "observed_on": [d(2024, 5, 1), d(2024, 6, 30), d(2024, 6, 30)],
        "employer_name": ["歌尔股份", "海信集团", None],
        "university": ["山东大学", None, "山东大学 "],
        "major": ["计算机", None, None],
        "skills": [["VR"], [], None],
        "birth_year": [1990, None, 1991],
    })


def test_the_most_recent_value_wins_then_the_source_priority():
    out = persons.resolved(recs()).set_index("field")
    # 2024-06-30 from 人才集团 (人社 that day has no employer)
    assert out.loc["employer_name", "value"] == "海信集团"
    assert out.loc["employer_name", "source"] == "人才集团"
    # the same day in both: 人社 comes before 人才集团 in SOURCE_PRIORITY
    assert out.loc["university", "talent_id"] == "T3"
    assert out.loc["birth_year", "value"] == 1991
    # only the oldest record has these: it is used, and says so
    assert out.loc["major", "talent_id"] == "T1"
    assert out.loc["skills", "value"] == ["VR"]  # an empty list is no value
    assert "tier" not in out.index


def test_another_priority_changes_the_tie_only():
    out = persons.resolved(recs(), priority=("人才集团", "人社")).set_index("field")
    assert out.loc["birth_year", "talent_id"] == "T3"  # 人才集团's record has no birth year
    assert out.loc["university", "talent_id"] == "T3"
    assert persons.source_rank("没听说过") == len(persons.SOURCE_PRIORITY)


def test_conflicts_name_the_fields_the_records_disagree_on():
    assert persons.conflicts(recs()) == ["university", "birth_year", "employer_name"]


def test_records_need_a_role_that_may_see_individuals():
    with pytest.raises(PermissionError):
        persons.records(None, "P1", "planner")


def test_tier_n_is_no_tier_and_a_place_within_another_is_no_conflict():
    d = dt.date
    df = pd.DataFrame({
        "talent_id": ["T1", "T2", "T3"], "source": ["demo", "人社", "猎聘"],
        "observed_on": [d(2024, 11, 15), d(2024, 3, 1), d(2023, 5, 1)],
        "tier": ["N", "C", None],
        "adcode": ["110114", "110000", "110100"],  # 昌平区, 北京市 (province), 北京市 (city)
        "expected_adcode": ["370212", "440300", None],  # 崂山区 and 深圳市: two places
    })
    out = persons.resolved(df).set_index("field")
    assert out.loc["tier", "value"] == "C" and out.loc["tier", "source"] == "人社"
    assert out.loc["adcode", "value"] == "110114"
    assert persons.conflicts(df) == ["expected_adcode"]
    df.loc[1, "adcode"] = "310101"  # 上海 黄浦区: now the places disagree
    df.loc[2, "tier"] = "B"  # C and B: a conflict; N says nothing
    assert persons.conflicts(df) == ["adcode", "tier", "expected_adcode"]


@pytest.mark.parametrize(("inner", "outer", "within"), [
    ("370212", "370200", True), ("370212", "370000", True), ("370200", "370000", True),
    ("370212", "370212", True), ("370212", "370210", False), ("370212", "440300", False),
    ("370000", "370200", False), ("ABROAD", "370000", False), ("370212", "US", False),
])
def test_within(inner, outer, within):
    assert persons._within(inner, outer) is within
