"""Every talent count and list counts persons (docs/linkage.md, "Counting"): the same people in
a 人社 list and a 人才集团 workbook (two shapes, linked by their phone) are each one talent in the
mart, the map, cluster lists, search, matching, trends, flows, gaps and the overseas pool, all
read from ``talent_person`` (one row per person: the latest record, a field it lacks filled from
an older one). Every figure below is worked out by hand from the rows listed here.

The records (人社 2023-06-30, 人才集团 2024-06-30, so the workbook's record is each person's latest):

| person | 人社 (2023)                          | 人才集团 (2024)                    | talent_person (2024)          |
|--------|--------------------------------------|------------------------------------|-------------------------------|
| 张伟   | 崂山区, VR (T14), B, 硕士, 愿意→青岛 | 崂山区, no node, no tier            | 崂山区, T14, B, 硕士 (filled)  |
| 李娜   | 市南区, 大模型 (T04), C, 海归 英国    | 市南区, no node, 海归 英国          | 市南区, T04, C, 海归 英国       |
| 王芳   | 美国, VR (T14), A, 愿意→青岛          | 美国, no node                       | 美国, T14, A, 愿意→青岛        |
| 陈静   | 海淀区, VR (T14), D, 愿意→青岛        | 海淀区, VR开发工程师, VR (T14)      | 海淀区, T14, D, 愿意→青岛      |
| 周杰   | 黄岛区, VR (T14), C, 愿意→青岛        | 南山区 (深圳), VR开发工程师, D       | 南山区, T14, D, 愿意→青岛      |
| 赵六   | 崂山区, VR (T14), E                  | —                                   | 2023                          |
| 钱七   | 海淀区, NLP (T11), 愿意→青岛          | —                                   | 2023                          |
| 孙八   | —                                    | 市南区, no node                     | 未分类                        |

13 records, 8 persons (7 in China, 1 abroad). 青岛市 (370200) in 2024: 张伟, 李娜, 赵六, 孙八 (周杰
has left for 深圳: a person is where their latest record says); its records: 7.
"""

from __future__ import annotations

import shutil

import pytest

from analytics import flows, gaps, matching, overseas, persons, trends
from analytics import queries as q
from analytics import talent as tl
from analytics.alerts import LEAVING
from analytics.filters import Filters
from etl.load import load_files
from store.connection import connect
from store.reader import Reader
from tests import fixtures

QINGDAO, LAOSHAN, VR, LLM = "370200", "370212", "T14", "T04"
ROLE = "recruiter"  # may see individuals


def _rs(sid, name, phone, place, skills, tier="", edu="本科", returnee="否", country="",
        willing="否", expected="", uni="山东大学"):
    return [sid, name, phone, "", place, "1990", edu, uni, "", "5", tier, skills, "工程师", "", "",
            returnee, country, willing, expected, "2023-06-30"]


RENSHE = [  # a 人社 list: fixtures.TALENT_HEADER, an id column, skills, tiers
    _rs("S01", "张伟", "13800001111", "青岛市崂山区", "VR、Unity", tier="B", edu="硕士", willing="是",
        expected="青岛", uni="上海交通大学"),
    _rs("S02", "李娜", "13900002222", "青岛市市南区", "大模型、NLP", tier="C", returnee="是",
        country="英国"),
    _rs("S03", "王芳", "13700003333", "美国", "VR、Unity", tier="A", willing="是", expected="青岛"),
    _rs("S04", "陈静", "13600004444", "北京市海淀区", "VR、三维引擎", tier="D", willing="是",
        expected="青岛"),
    _rs("S07", "周杰", "13200008888", "青岛市黄岛区", "VR", tier="C", willing="是", expected="青岛"),
    _rs("S05", "赵六", "13500005555", "青岛市崂山区", "VR", tier="E", uni="中国海洋大学"),
    _rs("S06", "钱七", "13400006666", "北京市海淀区", "NLP", willing="是", expected="青岛",
        uni="中国海洋大学"),
]
MOVES = [["S07", "青岛市黄岛区", "深圳市南山区", "2024-03-01"]]  # 周杰 leaves 青岛
HR_HEADER = ["姓名", "手机号码", "出生年月", "毕业院校", "专业", "职位", "技能标签", "人才层次",
             "工作单位", "所在地", "是否海归", "留学国家", "数据日期"]
HR = [  # a 人才集团 workbook: no id column (keyed by 姓名+手机), mostly no skills and no tier
    ["张伟", "138 0000 1111", "1990.05", "上海交通大学", "", "", "", "", "青岛幻境科技",
     "青岛市崂山区", "", "", "2024-06-30"],
    ["李娜", "13900002222", "1990-03", "山东大学", "", "", "", "", "", "青岛市市南区", "是", "英国",
     "2024-06-30"],
    ["王芳", "13700003333", "1990-07", "", "", "", "", "", "", "美国", "", "", "2024-06-30"],
    ["陈静", "13600004444", "1990-01", "山东大学", "", "VR开发工程师", "VR、三维引擎", "", "",
     "北京市海淀区", "", "", "2024-06-30"],
    ["周杰", "13200008888", "1990-02", "山东大学", "", "VR开发工程师", "", "D", "", "深圳市南山区",
     "", "", "2024-06-30"],
    ["孙八", "13300007777", "1985-01", "青岛大学", "", "", "", "", "", "青岛市市南区", "", "",
     "2024-06-30"],
]
POSTINGS = [{"职位编号": "J1", "职位名称": "VR开发工程师", "公司名称": "青岛幻境虚拟现实科技有限公司",
             "工作地点": "青岛-崂山区", "薪资": "15-25K", "学历要求": "本科", "经验要求": "3-5年",
             "技能标签": ["VR", "Unity"], "发布日期": "2024-03-01"}]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("persons")
    with pytest.MonkeyPatch.context() as mp:  # link decisions beside a private app database
        mp.setenv("TALENTMAP_APP_DB_PATH", str(folder / "app" / "app.duckdb"))
        path = folder / "w.duckdb"
        renshe = [fixtures.write_csv(folder / "renshe.csv", fixtures.TALENT_HEADER, RENSHE),
                  fixtures.write_csv(folder / "moves.csv", fixtures.MOVES_HEADER, MOVES),
                  fixtures.write_jsonl(folder / "postings.jsonl", POSTINGS)]
        report = load_files(renshe, db_path=path, source="人社")
        assert [(f.status, f.rows_loaded) for f in report.files] == [
            ("loaded", 7), ("loaded", 1), ("loaded", 1)]
        hr = fixtures.write_xlsx(folder / "人才集团.xlsx", HR_HEADER, HR, None)
        report = load_files([hr], db_path=path, source="人才集团")
        assert [(f.status, f.rows_loaded) for f in report.files] == [("loaded", 6)]
    return path


@pytest.fixture(scope="module")
def reader(db):
    r = Reader(db)
    yield r
    r.close()


@pytest.fixture(scope="module")
def ids(db) -> dict[tuple[str, str], str]:
    """(name, source) → talent_id."""
    con = connect(db, read_only=True)
    try:
        rows = con.execute("SELECT c.name, t.source, t.talent_id FROM talent t "
                           "JOIN talent_contact c USING (talent_id)").fetchall()
    finally:
        con.close()
    return {(name, source): tid for name, source, tid in rows}


def _latest(ids, *names) -> set[str]:
    """The talent_id of each person's latest record (the 人才集团 one when they have it)."""
    return {ids.get((n, "人才集团")) or ids[(n, "人社")] for n in names}


Y2024 = Filters(year=2024)
QD2024 = Filters(region=QINGDAO, year=2024)


# -- the warehouse ---------------------------------------------------------------------------------
def test_the_fixture_links_the_two_shapes_into_persons(db, ids):
    rows = fixtures.query(db, "SELECT count(*), count(DISTINCT person_id) FROM talent")
    assert rows == [(13, 8)]
    pid = dict(fixtures.query(db, "SELECT talent_id, person_id FROM talent"))
    for name in ("张伟", "李娜", "王芳", "陈静", "周杰"):
        assert pid[ids[(name, "人社")]] == pid[ids[(name, "人才集团")]], name


def test_talent_person_is_each_persons_latest_record_filled(db, ids):
    cols = ("talent_id", "adcode", "node_id", "tier", "education", "willing_to_relocate",
            "expected_adcode", "skills", "is_returnee", "overseas_country", "source")
    rows = fixtures.query(db, f"SELECT {', '.join(cols)} FROM talent_person")  # noqa: S608
    got = {r[0]: dict(zip(cols, r, strict=True)) for r in rows}
    assert set(got) == _latest(ids, "张伟", "李娜", "王芳", "陈静", "周杰", "赵六", "钱七", "孙八")
    zw = got[ids[("张伟", "人才集团")]]
    # the latest record (人才集团) has no node, tier (N), education, skills: the 人社 one's fill
    # them; the place, date, source and id stay the latest record's own
    assert (zw["adcode"], zw["node_id"], zw["tier"], zw["education"], zw["source"]) == (
        LAOSHAN, VR, "B", "硕士", "人才集团")
    assert (zw["willing_to_relocate"], zw["expected_adcode"], zw["skills"]) == (
        True, QINGDAO, ["VR", "Unity"])
    zj = got[ids[("周杰", "人才集团")]]
    assert (zj["adcode"], zj["tier"]) == ("440305", "D")  # its own tier wins over the older C
    ln = got[ids[("李娜", "人才集团")]]
    assert (ln["node_id"], ln["is_returnee"], ln["overseas_country"]) == (LLM, True, "英国")
    sb = got[ids[("孙八", "人才集团")]]
    assert (sb["node_id"], sb["tier"], sb["education"]) == (None, "N", None)  # nothing to fill
    # the same columns as talent, in the same order
    assert fixtures.query(db, "SELECT list(column_name ORDER BY column_index) FROM duckdb_columns() "
                              "WHERE table_name = 'talent_person'") == fixtures.query(
        db, "SELECT list(column_name ORDER BY column_index) FROM duckdb_columns() "
            "WHERE table_name = 'talent'")


def test_the_integrity_check_holds_and_catches_a_second_row(db, tmp_path):
    from etl.warehouse import run_checks

    name = "talent_person has each person once, as one of its records"
    copy = tmp_path / "w.duckdb"
    shutil.copyfile(db, copy)
    con = connect(copy)
    try:
        assert dict(run_checks(con))[name] == 0
        con.execute("INSERT INTO talent_person SELECT * FROM talent_person LIMIT 1")
        assert dict(run_checks(con))[name] == 2  # one row too many, one person twice
        con.execute("DELETE FROM talent_person")
        con.execute("INSERT INTO talent_person SELECT * REPLACE ('P0' AS person_id) FROM talent "
                    "QUALIFY row_number() OVER (PARTITION BY person_id ORDER BY talent_id) = 1")
        # 8 rows of one person id, none a record of that person: 7 duplicates + 8 strangers
        assert dict(run_checks(con))[name] == 15
    finally:
        con.close()


# -- the mart and the map --------------------------------------------------------------------------
def test_the_mart_counts_persons_where_their_latest_record_is(db):
    rows = dict(fixtures.query(db, "SELECT adcode, sum(talents) FROM mart_talent_supply "
                                   "WHERE adcode IN ('100000', '900000', '370200', '440300') "
                                   "GROUP BY adcode"))
    assert rows == {"100000": 7, "900000": 1, QINGDAO: 4, "440300": 1}
    # 张伟's latest record has no node: he counts in his older record's node, in 2024
    assert fixtures.query(db, "SELECT year, sum(talents) FROM mart_talent_supply WHERE adcode = $a "
                              "AND node_id = $n GROUP BY year ORDER BY year",
                          {"a": QINGDAO, "n": VR}) == [(2023, 1), (2024, 1)]


def test_the_maps_counts_are_persons(reader):
    k = q.kpis(reader, QD2024, QINGDAO)["now"]
    assert (k["talents"], k["high_level"], k["active"]) == (4, 2, 3)  # 张伟 B (filled), 李娜 C
    vr = q.kpis(reader, Filters(region=QINGDAO, year=2024, nodes=(VR,)), QINGDAO)["now"]
    assert (vr["talents"], vr["high_level"]) == (2, 1)  # 张伟 (filled node) and 赵六
    kids = q.children_metrics(reader, Y2024, "370000").set_index("adcode")
    assert int(kids.loc[QINGDAO, "talents"]) == 4


# -- the recruiter's pages -------------------------------------------------------------------------
def test_cluster_cells_and_members_list_each_person_once(reader, ids):
    cells = tl.cluster_cells(reader, QD2024, tl.TalentFilters())
    assert {(r.adcode, r.node_id): r.talents for r in cells.itertuples()} == {
        (LAOSHAN, VR): 2, ("370202", LLM): 1, ("370202", "未分类"): 1}
    people = tl.cluster_talents(reader, QD2024, tl.TalentFilters(), [(LAOSHAN, VR)], ROLE)
    assert set(people["talent_id"]) == _latest(ids, "张伟", "赵六") and len(people) == 2
    assert set(people["tier"]) == {"B", "E"}
    abroad = tl.cluster_cells(reader, QD2024, tl.TalentFilters(abroad_only=True))
    assert int(abroad["talents"].sum()) == 1  # 王芳, in two sources


def test_cluster_statistics_count_persons(reader):
    cells = tl.cluster_cells(reader, QD2024, tl.TalentFilters()).assign(cluster=0)
    stats = tl.cluster_stats(reader, QD2024, tl.TalentFilters(), cells).iloc[0]
    assert (stats["talents"], stats["high"], stats["returnees"], stats["relocatable"]) == (
        4, 2, 1, 1)
    tops = tl.cluster_tops(reader, QD2024, tl.TalentFilters(), cells)
    skills = dict(zip(tops.loc[tops["kind"] == "skill", "value"],
                      tops.loc[tops["kind"] == "skill", "n"], strict=True))
    assert skills["VR"] == 2 and skills["NLP"] == 1  # 张伟 (filled) and 赵六; 李娜


def test_search_lists_and_counts_each_person_once(reader, ids):
    found = tl.search_talents(reader, "VR", ROLE)
    assert set(found["talent_id"]) == _latest(ids, "张伟", "王芳", "陈静", "周杰", "赵六")
    assert len(found) == 5
    counts = tl.search_talent_counts(reader, "VR").set_index("kind")["talents"].to_dict()
    assert counts == {"skill": 5, "employer": 0, "university": 0, "node": 5}
    vocab = tl.skill_vocabulary(reader).set_index("skill")["talents"].to_dict()
    assert vocab["VR"] == 5 and vocab["三维引擎"] == 1  # 陈静 lists both in both sources
    # by persons: 山东大学 4, 中国海洋大学 2 (赵六, 钱七), 上海交通大学 1 (张伟, in both
    # sources: 2 records), 青岛大学 1; by records 上海交通大学 would tie 中国海洋大学 and come first
    assert tl.universities(reader) == ["山东大学", "中国海洋大学", "上海交通大学", "青岛大学"]


def test_similar_talents_are_other_persons(reader, ids):
    sim = tl.similar_talents(reader, ids[("张伟", "人社")], ROLE)
    assert set(sim["talent_id"]) == _latest(ids, "王芳", "陈静", "周杰", "赵六")


def test_a_profile_still_opens_on_any_record_with_all_its_provenance(reader, ids):
    for source in ("人社", "人才集团"):
        tid = ids[("张伟", source)]
        record = tl.talent_record(reader, tid, ROLE)
        assert list(record["talent_id"]) == [tid]
        assert len(persons.records(reader, tid, ROLE)) == 2


def test_matching_candidates_are_persons_with_filled_fields(reader, ids):
    pairs = matching.best_pairs(reader, QINGDAO, 2024, [VR])
    # outside 青岛, in VR, willing or expecting 青岛: 王芳 and 陈静 (their latest record says
    # nothing of it: filled from 人社), 周杰 (now in 深圳)
    assert set(pairs["talent_id"]) == _latest(ids, "王芳", "陈静", "周杰")
    assert len(pairs) == 3


# -- trends, flows, gaps, overseas -----------------------------------------------------------------
def test_trends_count_persons(reader):
    df = trends.trends(reader, Filters(nodes=(VR,)), QINGDAO).set_index("year")
    assert df.loc[2023, "talents"] == 1 and df.loc[2024, "talents"] == 2  # 赵六; + 张伟 (filled)
    assert df.loc[2024, "high_level"] == 1 and df.loc[2024, "active"] == 1
    everyone = trends.trends(reader, Filters(), QINGDAO).set_index("year")
    assert list(everyone["talents"]) == [1, 4]


def test_returnees_count_persons(reader):
    df = flows.returnee_countries(reader, QINGDAO, 2024)
    assert dict(zip(df["country"], df["talent"], strict=True)) == {"英国": 1}  # 李娜, twice loaded


def test_gap_source_pools_count_persons(reader):
    df = gaps.source_talent_pools(reader, QINGDAO, VR, 2024).set_index("name")
    cols = ["talent", "high_level", "willing_to_relocate", "expecting_here"]
    assert df.loc["北京市", cols].tolist() == [1, 1, 1, 1]  # 陈静: VR in both records
    assert df.loc["深圳市", cols].tolist() == [1, 1, 1, 1]  # 周杰: D now, willing (filled)
    assert len(df) == 2


def test_the_overseas_pool_counts_persons_with_filled_fields(reader):
    df = overseas.pool_by_country(reader, Y2024)
    assert overseas.totals(df) == {"talents": 1, "high_level": 1, "willing_to_relocate": 1,
                                   "expecting_here": 1}
    by_node = overseas.pool_by_node(reader, Y2024)
    assert dict(zip(by_node["node_id"], by_node["talents"], strict=True)) == {VR: 1}


def test_leaving_counts_persons_by_their_tier_now(reader):
    # 周杰 left 青岛 in 2024; his 人社 record (the move's) says C, his latest says D: not A–C
    df = reader.df(q.on_persons(reader, LEAVING), {"regions": [QINGDAO], "year": 2024})
    assert df.empty


# -- a warehouse published before talent_person --------------------------------------------------
def test_an_older_warehouse_reads_the_latest_records(db, tmp_path):
    old = tmp_path / "old.duckdb"
    shutil.copyfile(db, old)
    con = connect(old)
    con.execute("DROP TABLE talent_person")
    con.close()
    r = Reader(old)
    try:
        assert q.talent_table(r) == q.LATEST_RECORDS
        cells = tl.cluster_cells(r, QD2024, tl.TalentFilters())
        assert int(cells["talents"].sum()) == 4  # persons, though not filled: 张伟 未分类
        assert ((cells["adcode"] == LAOSHAN) & (cells["node_id"] == "未分类")).any()
        assert overseas.totals(overseas.pool_by_country(r, Y2024))["talents"] == 1
    finally:
        r.close()
    older = tmp_path / "older.duckdb"
    shutil.copyfile(old, older)
    con = connect(older)
    con.execute("ALTER TABLE talent DROP COLUMN person_id")
    con.close()
    r = Reader(older)
    try:
        assert q.talent_table(r) == q.RECORDS
        assert int(tl.cluster_cells(r, QD2024, tl.TalentFilters())["talents"].sum()) == 7
    finally:
        r.close()


def test_a_profile_is_the_persons_whichever_record_opens_it(reader, ids):
    """Opened on the 人社 record of 周杰, the profile shows his latest (人才集团) record, filled,
    and the move that 人社 recorded; a person of one record opens on itself."""
    old, latest = ids[("周杰", "人社")], ids[("周杰", "人才集团")]
    assert tl.person_view_id(reader, old, ROLE) == latest
    assert tl.person_view_id(reader, latest, ROLE) == latest
    single = ids[("钱七", "人社")] if ("钱七", "人社") in ids else ids[("钱七", "人才集团")]
    assert tl.person_view_id(reader, single, ROLE) == single
    assert tl.person_view_id(reader, "Tnobody", ROLE) == "Tnobody"
    moves = tl.moves(reader, latest, ROLE)
    assert len(moves) == 1 and "深圳" in moves["to_place"].iloc[0]
    assert tl.moves(reader, single, ROLE).empty
