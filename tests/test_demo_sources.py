"""The demo's same people in other sources (etl/demo/sources.py) and what linkage makes of them.

The small demo writes some of its talents again in a 人社 list and a 猎聘 export, written the way
those sources write (traditional names, pinyin, +86 phones, 1988.05 births, 哈工大), older than
the résumé pool, with the truth aside. Loaded through the ETL, the links must find them: each
person counted once on the map, scored against the truth.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

import settings
from etl.demo import SOURCES
from etl.demo.sources import TRUTH, pair_scores, read_truth
from etl.normalize.university import canonical_university


@pytest.fixture(scope="module")
def raw(demo_db) -> Path:
    return demo_db.parent / "raw"


@pytest.fixture(scope="module")
def files(raw) -> dict[str, pd.DataFrame]:
    return {
        "talents": pd.read_excel(raw / "talents.xlsx", header=1, dtype=str, engine="openpyxl"),
        "人社": pd.read_csv(raw / "renshe_talents.csv", encoding="gbk", dtype=str),
        "猎聘": pd.read_csv(raw / "liepin_resumes.csv", encoding="utf-8-sig", dtype=str),
        "truth": pd.read_csv(raw / TRUTH, dtype=str),
    }


def test_the_copies_are_written_the_way_other_sources_write(files):
    rs, lp = files["人社"], files["猎聘"]
    assert set(SOURCES.values()) == {"人社", "猎聘"}
    assert 500 < len(rs) < 1000 and 300 < len(lp) < 800
    assert rs["出生年月"].str.fullmatch(r"\d{4}\.\d{2}").sum() > 100  # 1988.05
    assert rs["出生年月"].str.fullmatch(r"\d{4}年\d{1,2}月").sum() > 100  # 1988年5月
    assert rs["联系电话"].str.fullmatch(r"\+86 1\d{2} \d{4} \d{4}").sum() > 100
    assert lp["手机"].str.startswith("+86").sum() > 100
    assert lp["姓名"].str.fullmatch(r"[A-Za-z]+ [A-Za-z]+").sum() > 80  # pinyin on English CVs
    trad = rs["姓名"].str.contains("[張劉陳楊黃趙吳鄭謝馮偉麗軍華韓馬孫東]", regex=True)
    assert trad.sum() > 20
    short = rs["毕业院校"].dropna()
    assert (short.map(canonical_university) != short).sum() > 50  # 哈工大, 北航 …
    assert set(rs["毕业院校"].dropna()).isdisjoint({"交大", "海大"})  # never an ambiguous alias


def test_every_copy_is_older_than_its_persons_resume(files):
    t = files["talents"].drop_duplicates("人才编号").set_index("人才编号")
    truth = files["truth"]
    for source, id_col, date_col in (("人社", "人员编号", "登记日期"), ("猎聘", "简历编号", "简历更新时间")):
        df = files[source]
        person = truth[truth["source"] == source].set_index("id")["person"]
        resume = pd.to_datetime(t.loc[person.loc[df[id_col]].to_numpy(), "数据日期"]).to_numpy()
        assert (pd.to_datetime(df[date_col]).to_numpy() < resume).all(), source


def test_the_truth_names_every_record_once(files):
    truth = files["truth"]
    assert set(truth["source"]) == {"demo", "人社", "猎聘"}
    for source, id_col in (("人社", "人员编号"), ("猎聘", "简历编号")):
        ids = truth.loc[truth["source"] == source, "id"]
        assert ids.is_unique and set(ids) == set(files[source][id_col])
    assert set(truth.loc[truth["source"] == "demo", "id"]) == set(files["talents"]["人才编号"])
    assert set(truth["person"]) <= set(files["talents"]["人才编号"])


def _published(demo_db) -> pd.DataFrame:
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        return con.execute("SELECT talent_id, person_id, source FROM talent").df()
    finally:
        con.close()


def test_linkage_finds_the_same_people(demo_db, raw):
    truth = read_truth(raw, settings.get("pseudonym_key"))
    got = _published(demo_db)
    assert set(got["source"]) == {"demo", "人社", "猎聘"}
    merged = truth.merge(got, on="talent_id", suffixes=("_truth", ""))
    assert len(merged) == len(got)  # every published record is in the truth
    s = pair_scores(merged["person"], merged["person_id"])
    assert s["true_pairs"] > 1000
    assert s["precision"] >= 0.99 and s["recall"] >= 0.97, s
    # without linkage (every record its own person) the recall would be 0
    assert pair_scores(merged["person"], merged["talent_id"])["recall"] == 0


def test_each_person_counts_once_on_the_map(demo_db, raw):
    """The 全国 total of the talent mart is the number of persons, not of records: within the
    linkage's few misses of the truth's persons, and far from the record count."""
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        mart = con.execute("SELECT sum(talents) FROM mart_talent_supply WHERE level = 'country'"
                           ).fetchone()[0]
        china = con.execute("SELECT talent_id, person_id FROM talent WHERE adcode IN (SELECT "
                            "adcode FROM region_ancestor WHERE ancestor_level = 'country')").df()
    finally:
        con.close()
    truth = read_truth(raw, settings.get("pseudonym_key"))
    true_persons = china.merge(truth, on="talent_id")["person"].nunique()
    assert mart == china["person_id"].nunique()
    assert len(china) - mart > 1000  # the records of the other sources are not counted again
    assert abs(mart - true_persons) / true_persons < 0.01, (mart, true_persons)
