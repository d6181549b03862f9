"""One person, one archive (issue #14): the same people in an HR workbook and a résumé export
are linked into persons at publish, counted once, and reviewers' decisions survive reloads."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from etl.load import load_files
from store import link_decisions
from store.connection import connect
from tests.fixtures import write_xlsx

HR_HEADER = ["姓名", "手机号码", "出生年月", "毕业院校", "专业", "工作单位", "所在地", "数据日期"]
HR = [  # a 人才集团 workbook: no id column, keys derived from 姓名+手机 / 姓名+出生年月+毕业院校
    ["张伟", "138 0000 1111", "1990.05", "山东大学", "计算机", "青岛幻境科技", "青岛市崂山区",
     "2024-06-30"],
    ["李娜", "13900002222", "1992年3月", "中国海洋大学", "海洋科学", "", "青岛市市南区",
     "2024-06-30"],
    ["王芳", "", "1988-07", "青岛大学", "机械工程", "海尔集团", "青岛市黄岛区", "2024-06-30"],
    ["陈静", "13700004444", "1995-01", "北京大学", "软件工程", "", "北京市海淀区", "2024-06-30"],
    ["刘洋", "13600005555", "1991-09", "青岛科技大学", "自动化", "歌尔股份", "青岛市崂山区",
     "2024-06-30"],
]
RESUME_HEADER = ["简历编号", "姓名", "手机", "邮箱", "出生日期", "学校", "专业", "当前公司",
                 "现居住地", "更新日期"]
RESUMES = [  # a 猎聘-like export: pinyin names (either order), +86 / 0086 phones
    ["LP001", "Zhang Wei", "+86 138-0000-1111", "zw@example.com", "1990-05-12", "山东大学",
     "计算机", "青岛幻境科技", "青岛市崂山区", "2024-05-01"],
    ["LP002", "Na LI", "0086 139 0000 2222", "", "1992-03-08", "中国海洋大学", "海洋科学", "",
     "青岛市市南区", "2024-05-01"],
    ["LP003", "Wang Fang", "", "", "1988-07-03", "青岛大学", "机械工程", "海尔集团",
     "青岛市黄岛区", "2024-05-01"],
    ["LP004", "Chen Jing", "13911119999", "", "1985-02-02", "浙江大学", "金融", "",
     "深圳市南山区", "2024-05-01"],
    ["LP005", "Liu Yang", "13611116666", "", "1991", "", "自动化", "", "青岛市市北区",
     "2024-05-01"],
]
# Pairs of (HR name, résumé id) that are one person, and how they must be found.
EXPECTED_LINKS = {("张伟", "LP001"), ("李娜", "LP002"), ("王芳", "LP003")}
GREY = ("刘洋", "LP005")


def write_sources(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    hr = write_xlsx(folder / "人才集团_人才花名册.xlsx", HR_HEADER, HR, None)
    resume = folder / "liepin_resumes.csv"
    with open(resume, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([RESUME_HEADER, *RESUMES])
    return hr, resume


@pytest.fixture
def decisions_file(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("TALENTMAP_APP_DB_PATH", str(tmp_path / "app" / "app.duckdb"))
    return link_decisions.decisions_path()


@pytest.fixture
def linked(tmp_path, decisions_file):
    hr, resume = write_sources(tmp_path / "raw")
    db = tmp_path / "warehouse.duckdb"
    assert load_files([hr], db_path=db, source="人才集团").ok
    assert load_files([resume], db_path=db, source="猎聘").ok
    return db, hr, resume


def ids(db: Path) -> dict[str, str]:
    """HR name or résumé id → talent_id (résumé rows by their name's position in RESUMES)."""
    con = connect(db, read_only=True)
    try:
        rows = con.execute("SELECT c.name, t.talent_id, t.source FROM talent t "
                           "JOIN talent_contact c USING (talent_id)").fetchall()
    finally:
        con.close()
    by_name = {r[1]: r[0] for r in RESUMES}
    return {(name if source != "猎聘" else by_name.get(name, name)): tid for name, tid, source in rows}


def query(db: Path, sql: str, params=None):
    con = connect(db, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def persons(db: Path) -> dict[str, str]:
    return dict(query(db, "SELECT talent_id, person_id FROM talent"))


def linked_pairs(db: Path) -> set[tuple[str, str]]:
    key = ids(db)
    pid = persons(db)
    names = [r[0] for r in HR]
    return {(a, b) for a in names for b in (r[0] for r in RESUMES)
            if pid[key[a]] == pid[key[b]]}


def qingdao_2024(db: Path) -> int:
    return query(db, "SELECT sum(talents) FROM mart_talent_supply "
                     "WHERE adcode = '370200' AND year = 2024")[0][0]


def test_the_same_people_are_linked_across_sources(linked):
    db, _, _ = linked
    assert linked_pairs(db) == EXPECTED_LINKS
    assert query(db, "SELECT count(*) FROM talent")[0][0] == 10
    assert query(db, "SELECT count(*) FROM person")[0][0] == 7
    # within a source nobody is linked: each person has at most one record per source
    assert query(db, "SELECT max(records) FROM person")[0][0] == 2


def test_a_grey_zone_pair_goes_to_the_review_queue(linked):
    db, _, _ = linked
    key = ids(db)
    rows = query(db, "SELECT talent_id_a, talent_id_b, probability, compared FROM link_review")
    assert [sorted(r[:2]) for r in rows] == [sorted([key[GREY[0]], key[GREY[1]]])]
    probability, compared = rows[0][2], json.loads(rows[0][3])
    assert 0.5 <= probability < 0.95
    assert compared["name"] == "拼音相同" and compared["birth"] == "年份相同"
    assert compared["school"] == "空"


def test_qingdao_counts_each_person_once(linked):
    db, _, _ = linked
    # 8 records in 青岛市 (4 HR + 4 résumés) are 5 persons: 3 linked pairs, 刘洋 / Liu Yang apart
    assert query(db, "SELECT count(*) FROM talent WHERE adcode LIKE '3702%'")[0][0] == 8
    assert qingdao_2024(db) == 5
    # the check holds: the country total is the persons of the year
    assert query(db, "SELECT sum(talents) FROM mart_talent_supply WHERE level = 'country'"
                 )[0][0] == 7


def test_decisions_override_the_model_and_survive_a_reload(linked, decisions_file, tmp_path):
    db, _, resume = linked
    key = ids(db)
    link_decisions.record(key["张伟"], key["LP001"], "reject", decided_by="reviewer")
    link_decisions.record(key[GREY[0]], key[GREY[1]], "confirm", decided_by="reviewer")
    assert decisions_file.exists()
    # a reload: an updated résumé export (one more row) loaded and published again
    updated = tmp_path / "raw" / "liepin_resumes_2.csv"
    with open(updated, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([RESUME_HEADER, *RESUMES,
                                 ["LP006", "Sun Li", "", "", "1993-04-04", "", "", "",
                                  "青岛市城阳区", "2024-05-01"]])
    assert load_files([updated], db_path=db, source="猎聘").ok
    pairs = linked_pairs(db)
    assert ("张伟", "LP001") not in pairs  # rejected although the phones agree
    assert GREY in pairs  # confirmed although the model was unsure
    assert query(db, "SELECT count(*) FROM link_review")[0][0] == 0  # decided pairs leave
    assert qingdao_2024(db) == 6  # 张伟 twice, 刘洋 once, plus Sun Li


def test_person_ids_are_stable_across_reloads_and_new_sources(linked, tmp_path):
    db, hr, _ = linked
    before = persons(db)
    key = ids(db)
    # the HR workbook's updated copy (a changed major) replaces its rows: same talent ids
    rows = [r[:4] + ["人工智能"] + r[5:] if r[0] == "张伟" else r for r in HR]
    updated = write_xlsx(tmp_path / "raw" / "人才集团_v2.xlsx", HR_HEADER, rows, None)
    assert load_files([updated], db_path=db, source="人才集团").ok
    assert persons(db) == before
    # a third source with 王芳 again: she keeps her person id
    third = tmp_path / "raw" / "人社.csv"
    with open(third, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["人员编号", "姓名", "出生年月", "毕业院校", "专业", "所在地",
                                  "数据日期"],
                                 ["RS9", "王芳", "1988-07", "青岛大学", "机械工程",
                                  "青岛市黄岛区", "2024-08-01"]])
    assert load_files([third], db_path=db, source="人社").ok
    after = persons(db)
    assert {t: after[t] for t in before} == before
    new = next(t for t in after if t not in before)
    assert after[new] == before[key["王芳"]]


def test_rejecting_a_pair_is_not_undone_by_a_chain_of_links(tmp_path, decisions_file):
    import pandas as pd

    from etl.linkage import clusters

    edges = pd.DataFrame({"i": [0, 1, 0], "j": [1, 2, 2], "strength": [2.0, 0.99, 0.97]})
    labels = clusters(3, edges, rejected=[(0, 2)])
    assert labels[0] == labels[1] != labels[2]  # the strongest edge wins, 0 and 2 stay apart


def test_names_are_keyed_the_same_in_han_and_pinyin():
    import pandas as pd

    from etl.linkage import name_keys

    keys = name_keys(pd.Series(["张 三", "Zhang San", "San ZHANG", "張三", "Lü Wei", "吕伟", None]))
    assert keys["name_py"].tolist()[:4] == ["zhangsan"] * 4
    assert keys["name_zh"].tolist()[0] == keys["name_zh"].tolist()[3] == "张三"
    assert keys["name_py"][4] == keys["name_py"][5] == "luwei"
    assert keys["name_py"][6] is None


def test_deterministic_links_need_a_rare_key_and_compatible_names():
    import duckdb
    import pandas as pd

    from etl.linkage import MAX_SHARED_KEY, deterministic_pairs

    shared = "13000000000"
    recs = pd.DataFrame({
        "name_py": ["zhangwei", "zhangwei", "lina", "wangfang", "wangfang", *["x"] * 4],
        "phone": ["13800001111", "13800001111", "13800001111", None, None, *[shared] * 4],
        "email": [None, None, None, "wf@x.cn", "wf@x.cn", None, None, None, None],
    }, dtype=object)
    assert MAX_SHARED_KEY < 4
    got = deterministic_pairs(recs, duckdb.connect())
    # 0-1 by phone (李娜 shares it but her name is another), 3-4 by e-mail; the switchboard none
    assert list(zip(got["i"], got["j"], strict=True)) == [(0, 1), (3, 4)]


def test_a_person_keeps_its_id_when_a_record_with_a_smaller_id_joins():
    import numpy as np

    from etl.linkage import person_ids

    ids = np.array(["T1", "T5", "T7", "T8"], dtype=object)
    got = person_ids(ids, np.array([0, 0, 1, 2]), previous={"T5": "P5", "T7": "P5"})
    # T1 joins T5's person: P5 carries on; T7, split from it, becomes its own person
    assert list(got) == ["P5", "P5", "P7", "P8"]


def _person_ids_one_by_one(ids, labels, previous):
    """The reference: person_ids as first written, one cluster at a time."""
    df = pd.DataFrame({"tid": ids, "cluster": labels})
    df["old"] = df["tid"].map(previous)
    claims = (df.dropna(subset=["old"]).groupby(["old", "cluster"]).size()
              .rename("n").reset_index()
              .sort_values(["n", "old", "cluster"], ascending=[False, True, True]))
    given, used = {}, set()
    for old, cluster, _n in claims.itertuples(index=False):
        if cluster not in given and old not in used:
            given[cluster] = old
            used.add(old)
    for cluster, tid in df.groupby("cluster")["tid"].min().items():
        if cluster not in given:
            pid = "P" + tid[1:]
            if pid in used:
                pid = "P" + tid[1:] + "-" + str(cluster)
            given[cluster] = pid
            used.add(pid)
    return df["cluster"].map(given).to_numpy(dtype=object)


@pytest.mark.parametrize("seed", range(30))
def test_person_ids_equal_the_one_by_one_rule(seed):
    """Merges, splits, contested earlier ids, new records, a split-off part whose first record
    founded another person: the same ids as the rule applied cluster by cluster."""
    import numpy as np

    from etl.linkage import person_ids

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    ids = np.array([f"T{k:05d}" for k in rng.choice(100_000, n, replace=False)], dtype=object)
    if seed % 2:  # sorted, as linkage.records gives them (another way to each first id)
        ids = np.sort(ids)
    labels = rng.integers(0, max(1, n // int(rng.integers(1, 6))), n)
    if seed % 3 == 0:  # non-contiguous labels, as after a constrained split
        labels = labels * 7 + 1000
    known = rng.random(n) < rng.choice([0.0, 0.5, 0.95])
    pool = ["P" + t[1:] for t in ids[rng.random(n) < 0.5]] or ["P00000"]
    previous = {t: pool[int(rng.integers(0, len(pool)))] for t in ids[known]}
    got = person_ids(ids, labels, previous)
    assert list(got) == list(_person_ids_one_by_one(ids, labels, previous))
    as_read = pd.Series(list(previous.values()), index=list(previous), dtype=object)
    assert list(person_ids(ids, labels, as_read)) == list(got)  # as link_persons passes them
    per_cluster = pd.Series(got).groupby(labels).nunique()
    assert (per_cluster == 1).all() and pd.Series(got).groupby(got).apply(
        lambda g: len(set(labels[g.index]))).max() == 1  # one id per person, one person per id


def test_the_person_table_sums_up_each_persons_records():
    """person: records, distinct sources (sorted), first and last seen and the first talent id
    per person, as counted from talent one record at a time."""
    import datetime as dt
    import random

    import duckdb
    import numpy as np
    import pandas as pd

    from etl import linkage

    rnd = random.Random(3)
    con = duckdb.connect()
    con.execute("CREATE TABLE talent (talent_id VARCHAR, source VARCHAR NOT NULL, "
                "observed_on DATE, person_id VARCHAR)")
    con.execute("CREATE TABLE person_member (talent_id VARCHAR, person_id VARCHAR)")
    con.execute("CREATE TABLE link_review (talent_id_a VARCHAR, talent_id_b VARCHAR, "
                "probability DOUBLE, compared VARCHAR)")
    rows = [(f"T{k:03d}", rnd.choice(["猎聘", "人社", "人才集团", "demo"]),
             dt.date(2024, 1, 1) + dt.timedelta(days=rnd.randrange(300))) for k in range(200)]
    con.executemany("INSERT INTO talent VALUES (?, ?, ?, NULL)", rows)
    pids = np.array([f"P{rnd.randrange(40)}" for _ in rows], dtype=object)
    review = pd.DataFrame({"i": [], "j": [], "probability": [],
                           **{c: [] for c in linkage.COMPARED}})
    linkage._write(con, pd.DataFrame({"unique_id": [r[0] for r in rows]}), pids, review)
    want = {}
    for (tid, source, day), pid in zip(rows, pids, strict=True):
        want.setdefault(pid, []).append((tid, source, day))
    got = {r[0]: r[1:] for r in con.execute("SELECT * FROM person").fetchall()}
    assert got == {pid: (len(rs), len({s for _, s, _ in rs}), sorted({s for _, s, _ in rs}),
                         min(d for _, _, d in rs), max(d for _, _, d in rs),
                         min(t for t, _, _ in rs)) for pid, rs in want.items()}
    assert any(len(rs) > len({s for _, s, _ in rs}) for rs in want.values())  # repeats a source
