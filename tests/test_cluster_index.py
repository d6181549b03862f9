"""The 人才集群 page's aggregates from the in-memory index (analytics.talent_index,
analytics.cluster_counts; issue 18) are exactly what the three SQL scans of talent_person gave.

The former SQL is frozen below, word for word (the WHERE, cells, statistics, top lists), and
compared with ``tl.cluster_cells`` / ``cluster_stats`` / ``cluster_tops`` on the small demo over
many filter sets (by units and by persons, dense and sparse counting), on hand-made persons
(NULLs everywhere, decimal years, a skill listed twice, places not in `region`), and on
warehouses the index does not serve (no talent_person, a NaN years: the SQL answers).
"""

from __future__ import annotations

import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics import cluster_counts as cc
from analytics import clusters as cl
from analytics import queries as q
from analytics import talent as tl
from analytics import talent_aggregates as ta
from analytics import talent_index as ti
from analytics.filters import Filters
from store.reader import Reader
from tests.test_clusters_speed import old_label_cells

# -- the former SQL (frozen) --------------------------------------------------------------------
OLD_BAND = """CASE WHEN t.years_experience IS NULL THEN '未知'
    WHEN t.years_experience < 3 THEN '0-3' WHEN t.years_experience < 5 THEN '3-5'
    WHEN t.years_experience < 10 THEN '5-10' ELSE '10+' END"""
OLD_AGE = """CASE WHEN t.birth_year IS NULL THEN NULL WHEN $year - t.birth_year < 30 THEN '<30'
    WHEN $year - t.birth_year < 40 THEN '30-39' WHEN $year - t.birth_year < 50 THEN '40-49'
    ELSE '50+' END"""
OLD_WHERE = f"""
    (CASE WHEN $abroad_only THEN t.adcode IN
              (SELECT adcode FROM region_ancestor WHERE ancestor_adcode = '900000')
          WHEN $region = '100000' THEN t.adcode NOT IN
              (SELECT adcode FROM region_ancestor WHERE ancestor_adcode = '900000')
          ELSE t.adcode IN
              (SELECT adcode FROM region_ancestor WHERE ancestor_adcode = $region) END)
    AND year(t.observed_on) <= $year
    AND (len($nodes) = 0 OR list_contains($nodes, coalesce(t.node_id, '未分类')))
    AND (len($tiers) = 0 OR list_contains($tiers, coalesce(t.tier, 'N')))
    AND (len($education) = 0 OR list_contains($education, coalesce(t.education, '其他')))
    AND (len($experience) = 0 OR list_contains($experience, {OLD_BAND}))
    AND (NOT $returnees_only OR coalesce(t.is_returnee, false))
    AND (len($skill_groups::VARCHAR[][]) = 0 OR list_bool_and(list_transform(
        $skill_groups::VARCHAR[][], lambda g: coalesce(list_has_any(t.skills, g), false))))
    AND (len($c_nodes) = 0 OR list_contains($c_nodes, coalesce(t.node_id, '未分类')))
    AND (len($c_tiers) = 0 OR list_contains($c_tiers, coalesce(t.tier, 'N')))
    AND (len($c_education) = 0 OR list_contains($c_education, coalesce(t.education, '其他')))
    AND (len($universities) = 0 OR list_contains($universities, t.university))
    AND ($exp_min::DOUBLE IS NULL OR t.years_experience >= $exp_min::DOUBLE)
    AND ($exp_max::DOUBLE IS NULL OR t.years_experience <= $exp_max::DOUBLE)
    AND (len($age_bands) = 0 OR list_contains($age_bands, {OLD_AGE}))
    AND (NOT $c_returnees OR coalesce(t.is_returnee, false))
    AND (NOT $relocate_only OR coalesce(t.willing_to_relocate, false))
    AND ($expected::VARCHAR IS NULL OR t.expected_adcode IN
        (SELECT adcode FROM region_ancestor WHERE ancestor_adcode = $expected::VARCHAR))
"""  # noqa: S608 - constant fragments only
OLD_PLACE = ("CASE WHEN r.level = 'district' AND c.name IS NOT NULL AND c.name <> r.name "
             "THEN c.name || r.name ELSE r.name END")
OLD_HIGH = "list_contains(['A', 'B', 'C', 'D'], t.tier)"
OLD_CELLS = f"""
        WITH m AS (
            SELECT t.adcode, coalesce(t.node_id, '未分类') AS node_id, count(*) AS talents
            FROM talent_person t WHERE {OLD_WHERE} GROUP BY ALL
        )
        SELECT m.adcode, {OLD_PLACE} AS place, r.level, r.lon, r.lat, m.node_id,
               coalesce(n.name_zh, '未分类') AS node_name, m.talents
        FROM m JOIN region r USING (adcode) LEFT JOIN region c ON c.adcode = r.city_adcode
        LEFT JOIN chain_node n ON n.node_id = m.node_id
        ORDER BY m.talents DESC, m.adcode, m.node_id
    """  # noqa: S608 - constant fragments only
OLD_MAPPED = f"""
    mapping AS (SELECT unnest($m_adcode::VARCHAR[]) AS adcode,
                       unnest($m_node::VARCHAR[]) AS node_id,
                       unnest($m_cluster::INTEGER[]) AS cluster),
    base AS (SELECT mp.cluster, t.* FROM talent_person t
             JOIN mapping mp ON mp.adcode = t.adcode AND mp.node_id = coalesce(t.node_id, '未分类')
             WHERE {OLD_WHERE})
"""  # noqa: S608
OLD_STATS = f"""
        WITH {OLD_MAPPED}
        SELECT cluster, count(*) AS talents, median(years_experience) AS median_experience,
               count(*) FILTER (WHERE {OLD_HIGH}) AS high,
               avg(CASE WHEN {OLD_HIGH} THEN 1.0 ELSE 0.0 END) AS high_share,
               count(*) FILTER (WHERE is_returnee) AS returnees,
               count(*) FILTER (WHERE willing_to_relocate) AS relocatable
        FROM base t GROUP BY cluster ORDER BY cluster
    """  # noqa: S608 - constant fragments only
OLD_TOPS = f"""
        WITH {OLD_MAPPED},
        counted AS (
            SELECT cluster, 'skill' AS kind, s AS value, count(*) AS n
            FROM (SELECT cluster, unnest(list_filter(skills, lambda x, i: x IS NOT NULL
                  AND list_position(skills, x) = i)) AS s FROM base) GROUP BY ALL
            UNION ALL
            SELECT cluster, 'employer', employer_name, count(*) FROM base
            WHERE employer_name IS NOT NULL GROUP BY ALL
            UNION ALL
            SELECT cluster, 'university', university, count(*) FROM base
            WHERE university IS NOT NULL GROUP BY ALL
        )
        SELECT cluster, kind, value, n FROM counted
        QUALIFY row_number() OVER (PARTITION BY cluster, kind ORDER BY n DESC, value) <= $top
        ORDER BY cluster, kind, n DESC, value
    """  # noqa: S608 - constant fragments only


def _mapping(cells: pd.DataFrame) -> dict:
    c = cells[cells["cluster"] >= 0]
    return {"m_adcode": c["adcode"].tolist(), "m_node": c["node_id"].tolist(),
            "m_cluster": [int(x) for x in c["cluster"]]}


def old_cells(r, f, tf):
    return r.df(q.on_persons(r, OLD_CELLS), ta.params(r, f, tf))


def old_stats(r, f, tf, cells):
    return r.df(q.on_persons(r, OLD_STATS), ta.params(r, f, tf) | _mapping(cells))


def old_tops(r, f, tf, cells, top=ta.TOP_N):
    return r.df(q.on_persons(r, OLD_TOPS), ta.params(r, f, tf) | _mapping(cells) | {"top": top})


# -- comparison ---------------------------------------------------------------------------------
T = tl.TalentFilters


def assert_same(r, f, tf, eps=25.0, min_talents=3, by_node=True, tops=(ta.TOP_N, 1)) -> int:
    """The new path gives the frozen SQL's frames for cells, stats and top lists (under the
    clusters found, all cells in one cluster, and half the cells mapped); returns the cells."""
    cells = tl.cluster_cells(r, f, tf)
    pd.testing.assert_frame_equal(cells, old_cells(r, f, tf), check_exact=True)
    labelled = cl.label_cells(cells, eps, min_talents, by_node)
    pd.testing.assert_frame_equal(labelled, old_label_cells(cells, eps, min_talents, by_node))
    half = labelled.assign(cluster=np.where(np.arange(len(labelled)) % 2 == 0, 7, -1))
    for mapped in (labelled, labelled.assign(cluster=0), half):
        pd.testing.assert_frame_equal(tl.cluster_stats(r, f, tf, mapped),
                                      old_stats(r, f, tf, mapped), check_exact=True)
        for top in tops:
            pd.testing.assert_frame_equal(tl.cluster_tops(r, f, tf, mapped, top),
                                          old_tops(r, f, tf, mapped, top), check_exact=True)
    return len(cells)


def demo_cases(r) -> list[tuple]:
    def skills(text: str, **kw) -> T:
        terms, groups = tl.resolve_skills(r, text)
        return T(skills=groups, skill_terms=terms, **kw)

    return [
        (Filters(), T()), (Filters(region="370000"), T()), (Filters(region="370200"), T()),
        (Filters(region="110105"), T()), (Filters(year=2022), T()), (Filters(year=2019), T()),
        (Filters(nodes=("T04", "T11")), T()), (Filters(layer="应用层"), T(nodes=("A04",))),
        (Filters(tiers=("A", "B")), T()), (Filters(), T(tiers=("N",))),
        (Filters(tiers=("A", "B", "C")), T(tiers=("B", "E"))),
        (Filters(education=("本科",)), T(education=("本科", "硕士"))),
        (Filters(experience=("0-3", "未知")), T()), (Filters(experience=("10+",)), T()),
        (Filters(returnees_only=True), T()), (Filters(), T(returnees_only=True)),
        (Filters(), skills("Python")), (Filters(), skills("Python, 视觉")),
        (Filters(), skills("无此技能xyz")), (Filters(), T(skills=((),), skill_terms=("x",))),
        (Filters(), T(universities=("清华大学", "中山大学"))),
        (Filters(), T(exp_min=0.0)), (Filters(), T(exp_min=5.0, exp_max=5.0)),
        (Filters(), T(exp_max=2.0)), (Filters(), T(exp_min=3.5, exp_max=12.0)),
        (Filters(), T(age_bands=("<30",))), (Filters(year=2022), T(age_bands=("30-39", "50+"))),
        (Filters(), T(relocate_only=True)), (Filters(), T(expected="440300")),
        (Filters(), T(expected="370000", relocate_only=True)),
        (Filters(), T(abroad_only=True)),
        (Filters(), T(abroad_only=True, relocate_only=True, expected="370200")),
        (Filters(region="440000"), T(abroad_only=True)),
        (Filters(tiers=("ZZ",)), T()),  # nobody
        (Filters(region="370200", year=2023), skills("VR", exp_min=2.0, tiers=("E", "N"))),
    ]


@pytest.fixture(scope="module")
def demo(demo_db):
    r = Reader(demo_db)
    yield r
    r.close()


def test_every_filter_is_known_to_the_index(demo):
    assert set(ta.params(demo, Filters(), T())) == ti.PARAM_KEYS  # a new filter: add its term


def test_the_demo_under_many_filter_sets(demo):
    assert ti.get(demo) is not None
    seen = sum(assert_same(demo, f, tf) for f, tf in demo_cases(demo))
    assert seen > 1000


def test_the_index_answers_without_scanning_talent_person(demo, monkeypatch):
    assert ti.get(demo) is not None  # built: reading talent_person once is its job
    cases = demo_cases(demo)  # (resolving skill terms reads the vocabulary)
    asked, real = [], demo.df
    monkeypatch.setattr(demo, "df", lambda sql, p=None: asked.append(sql) or real(sql, p))
    demo.df("SELECT count(*) FROM talent_person")  # the spy sees the reader's queries
    assert asked == ["SELECT count(*) FROM talent_person"]
    asked.clear()
    for f, tf in cases:
        cells = cl.label_cells(tl.cluster_cells(demo, f, tf), 25.0, 3)
        tl.cluster_stats(demo, f, tf, cells)
        tl.cluster_tops(demo, f, tf, cells)
    assert not [sql for sql in asked if "talent_person" in sql]
    by_unit = [ti.unit_filter(demo, ta.params(demo, f, tf)) is not None
               for f, tf in demo_cases(demo)]
    assert by_unit[:8] == [True] * 8 and by_unit[8:12] == [False] * 4


@pytest.mark.parametrize("how", ["persons", "sparse", "few", "many", "sorted median"])
def test_every_way_of_counting(demo, monkeypatch, how):
    if how == "persons":  # the unit filters by person as well
        monkeypatch.setattr(ti, "unit_filter", lambda *_a: None)
    elif how == "sparse":  # group × value counts by sorting
        monkeypatch.setattr(cc, "DENSE_BINS", 1)
    elif how in ("few", "many"):
        monkeypatch.setattr(cc, "FEW", 2.0 if how == "few" else 0.0)
    else:
        monkeypatch.setattr(cc, "DENSE_BINS", 1)
        monkeypatch.setattr(ti, "unit_filter", lambda *_a: None)
    for f, tf in demo_cases(demo)[::2]:
        assert_same(demo, f, tf, tops=(ta.TOP_N,))


def test_pooled_and_other_radii(demo):
    for eps, min_talents, by_node in ((5.0, 1, True), (100.0, 5, False), (300.0, 20, True)):
        assert_same(demo, Filters(), T(), eps, min_talents, by_node, tops=(3,))


@pytest.mark.parametrize("limit", [1, 300, 5000])
def test_nodes_clustered_in_batches(demo, monkeypatch, limit):
    monkeypatch.setattr(cl, "MAX_PAIRS", limit)  # a batch per node, or a few nodes per batch
    cells = tl.cluster_cells(demo, Filters(), T())
    for eps, min_talents, by_node in ((25.0, 3, True), (80.0, 2, True), (40.0, 4, False)):
        pd.testing.assert_frame_equal(cl.label_cells(cells, eps, min_talents, by_node),
                                      old_label_cells(cells, eps, min_talents, by_node))


def test_neighbour_pairs_of_a_subset_are_the_same_products(demo):
    cells = tl.cluster_cells(demo, Filters(), T())
    cl.label_cells(cells, 25.0, 3)  # every centre is seen at 25 km
    for region in ("370000", "440300", "110000"):
        sub = tl.cluster_cells(demo, Filters(region=region), T())
        pd.testing.assert_frame_equal(cl.label_cells(sub, 25.0, 3),
                                      old_label_cells(sub, 25.0, 3))
    pts = cells[cells["lon"].notna()][["lon", "lat"]].drop_duplicates().to_numpy(dtype=float)
    pts = pts[np.lexsort((pts[:, 1], pts[:, 0]))]
    for keep in (slice(None, None, 3), slice(5, 60), slice(1, None, 2)):
        got = cl._pairs(pts[keep], 25.0)
        fresh = cl.neighbour_pairs(pts[keep][:, 0], pts[keep][:, 1], 25.0)
        assert sorted(zip(*(a.tolist() for a in got), strict=True)) == \
            sorted(zip(*(a.tolist() for a in fresh), strict=True))


# -- hand-made persons --------------------------------------------------------------------------
PERSON = ("INSERT INTO talent_person (talent_id, person_id, adcode, node_id, tier, education, "
          "university, years_experience, birth_year, employer_name, is_returnee, "
          "willing_to_relocate, expected_adcode, skills, observed_on) VALUES ")
EDGE_ROWS = [
    # decimal years: medians interpolate (3.7 and 4.2); tiers and education NULL
    "('TX01', 'PX01', '370212', 'T14', NULL, NULL, NULL, 3.7, NULL, '', NULL, NULL, NULL, "
    "['VR', 'VR', NULL, 'Unity'], DATE '2023-05-01')",
    "('TX02', 'PX02', '370212', 'T14', 'B', '博士', '山东大学', 4.2, 1990, '', true, true, "
    "'370200', ['Unity'], DATE '2024-01-01')",
    "('TX03', 'PX03', '370212', 'T14', 'N', '本科', '山东大学', NULL, 1971, 'A公司', false, "
    "false, '110105', [], DATE '2022-03-01')",
    "('TX04', 'PX04', '370212', 'T14', 'A', '硕士', '中国海洋大学', 10.0, 1999, 'A公司', NULL, "
    "true, NULL, NULL, DATE '2024-06-30')",
    # a node not in chain_node, years whose median DuckDB gives as (lo + hi) / 2 (0.7 + 1 ulp)
    "('TZ01', 'PZ01', '370212', 'Z01', 'B', '本科', NULL, 0.1, 1995, 'Z', false, false, NULL, "
    "['VR'], DATE '2024-01-01')",
    "('TZ02', 'PZ02', '370212', 'Z01', 'E', '本科', NULL, 1.3, 1994, 'Z', false, false, NULL, "
    "['VR'], DATE '2024-01-01')",
    "('TZ03', 'PZ03', '370211', 'Z01', 'E', '本科', NULL, 7.8, 1994, 'Z', false, false, NULL, "
    "['VR'], DATE '2024-01-01')",
    "('TZ04', 'PZ04', '370211', 'Z01', 'E', '本科', NULL, 19.9, 1994, 'Z', false, false, NULL, "
    "['VR'], DATE '2024-01-01')",
    # a NULL node (未分类), a NULL observed_on (in no year), a place not in `region`, no place
    "('TX05', 'PX05', '370202', NULL, 'E', '其他', NULL, 0.0, 2001, 'B公司', true, true, "
    "'370202', ['Python'], DATE '2021-01-01')",
    "('TX06', 'PX06', '370202', 'T14', 'C', '专科', NULL, 2.0, 1985, 'B公司', false, true, "
    "'440300', ['Python', 'VR'], NULL)",
    "('TX07', 'PX07', '999999', 'T14', 'C', '专科', NULL, 2.0, 1985, 'C公司', false, true, "
    "NULL, ['VR'], DATE '2024-01-01')",
    "('TX08', 'PX08', NULL, 'T14', 'C', '专科', NULL, 2.0, 1985, 'C公司', false, true, NULL, "
    "['VR'], DATE '2024-01-01')",
    # ties in every top list, 5 of each
    *(f"('TY{i}', 'PY{i}', '370203', 'T14', 'D', '硕士', 'U{i % 3}', {i}.5, {1980 + i}, "
      f"'E{i % 4}', {str(i % 2 == 0).lower()}, {str(i % 3 == 0).lower()}, '370200', "
      f"['S{i % 5}', 'S{(i + 1) % 5}'], DATE '2023-01-0{i % 9 + 1}')" for i in range(12)),
]


@pytest.fixture(scope="module")
def edge(tmp_path_factory, demo_db):
    db = tmp_path_factory.mktemp("edge") / "warehouse.duckdb"
    shutil.copyfile(demo_db, db)
    con = duckdb.connect(str(db))
    con.execute(PERSON + ", ".join(EDGE_ROWS))
    con.close()
    r = Reader(db)
    yield r
    r.close()


def test_hand_made_persons(edge):
    assert ti.get(edge) is not None
    cases = [(Filters(region="370200"), T()), (Filters(region="370000", year=2023), T()),
             (Filters(region="370200"), T(exp_min=2.0)), (Filters(region="370200"), T(exp_max=4.2)),
             (Filters(region="370200"), T(tiers=("N",))), (Filters(), T(education=("其他",))),
             (Filters(region="370200"), T(skills=(("VR",), ("Unity", "Python")),
                                          skill_terms=("VR", "U"))),
             (Filters(region="370200"), T(universities=("山东大学",))),
             (Filters(region="370200"), T(age_bands=("<30", "50+"))),
             (Filters(region="370200"), T(expected="370200", relocate_only=True)),
             (Filters(region="370200", nodes=("未分类",)), T()),
             (Filters(region="370200"), T(returnees_only=True)),
             (Filters(region="370200", experience=("未知", "3-5")), T())]
    for f, tf in cases:
        for how in (None, "persons", "sparse"):
            with pytest.MonkeyPatch.context() as mp:
                if how == "persons":
                    mp.setattr(ti, "unit_filter", lambda *_a: None)
                elif how == "sparse":
                    mp.setattr(cc, "DENSE_BINS", 1)
                assert_same(edge, f, tf, eps=5.0, min_talents=1, tops=(ta.TOP_N, 2))


def test_a_median_as_duckdb_computes_it(edge):
    f = Filters(region="370200", nodes=("Z01",))
    cells = tl.cluster_cells(edge, f, T())
    one = cells.assign(cluster=np.arange(len(cells)))
    got = tl.cluster_stats(edge, f, T(), one).set_index("cluster")["median_experience"]
    assert sorted(got.tolist()) == [(0.1 + 1.3) / 2, (7.8 + 19.9) / 2]  # 0.7000000000000001
    assert (0.1 + 1.3) / 2 != 0.1 + (1.3 - 0.1) / 2 and (7.8 + 19.9) / 2 != 7.8 + (19.9 - 7.8) / 2
    pd.testing.assert_frame_equal(tl.cluster_stats(edge, f, T(), one),
                                  old_stats(edge, f, T(), one))


def test_cells_named_twice_or_not_as_text_go_to_the_sql(edge):
    f, tf = Filters(region="370200"), T()
    cells = tl.cluster_cells(edge, f, tf).assign(cluster=1)
    twice = pd.concat([cells, cells.head(1).assign(cluster=2)], ignore_index=True)
    p = ta.params(edge, f, tf)
    assert cc.stats(edge, p, twice) is None and cc.tops(edge, p, twice, 5) is None
    pd.testing.assert_frame_equal(tl.cluster_stats(edge, f, tf, twice),
                                  old_stats(edge, f, tf, twice))
    pd.testing.assert_frame_equal(tl.cluster_tops(edge, f, tf, twice),
                                  old_tops(edge, f, tf, twice))
    empty = cells.iloc[:0]
    pd.testing.assert_frame_equal(tl.cluster_stats(edge, f, tf, empty),
                                  old_stats(edge, f, tf, empty))
    pd.testing.assert_frame_equal(tl.cluster_tops(edge, f, tf, empty),
                                  old_tops(edge, f, tf, empty))


# -- warehouses the index does not serve --------------------------------------------------------
def _copy(src, tmp_path, sql: str):
    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(src, db)
    con = duckdb.connect(str(db))
    con.execute(sql)
    con.close()
    return Reader(db)


@pytest.mark.parametrize("sql", [
    "DROP TABLE talent_person",  # published before the table existed: the SQL on `talent`
    "UPDATE talent_person SET years_experience = 'NaN'::DOUBLE WHERE rowid % 50 = 0",
])
def test_warehouses_the_index_does_not_serve(demo_db, tmp_path, sql):
    r = _copy(demo_db, tmp_path, sql)
    try:
        assert ti.get(r) is None
        for f, tf in [(Filters(), T()), (Filters(region="370000"), T(exp_min=3.0))]:
            assert cc.cells(r, ta.params(r, f, tf)) is None
            assert_same(r, f, tf, tops=(ta.TOP_N,))
    finally:
        r.close()


def test_switched_off_the_sql_answers(demo, monkeypatch):
    monkeypatch.setattr(ti, "ENABLED", False)
    assert cc.cells(demo, ta.params(demo, Filters(), T())) is None
    assert_same(demo, Filters(region="370000"), T(), tops=(ta.TOP_N,))
