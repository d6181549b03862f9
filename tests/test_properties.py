"""Property tests (hypothesis): the normalizers never raise on arbitrary text, and round-trip
where a round trip is defined."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import clusters
from etl.normalize import credit_code, dates, salary, skills
from etl.normalize.text import clean
from maps.resolver import _GENERIC, default_resolver
from reference.regions import region_index

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Arbitrary text, plus text built from the characters these parsers care about.
TEXTY = st.one_of(
    st.text(),
    st.text(alphabet="0123456789-~.kK万千元月年天时薪·/以上下面议 ", max_size=30),
    st.text(alphabet="省市区县自治州盟旗新区青岛崂山北京朝阳鼓楼中山西安", max_size=20),
    # places however written: pinyin and English, traditional, roads, abroad
    st.text(alphabet="QingdoLasBjXi'n ,.-üÜßİ路街道号大厦广场东中臺灣嶗區乾縣美英国海外旧金山蒙古",
            max_size=30),
)
CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@FAST
@given(TEXTY)
def test_resolver_never_raises(text):
    res = default_resolver().resolve(text)
    assert (res.adcode is None) == (res.level is None)
    assert res.adcode is None or res.reason is None
    assert res.abroad == (res.adcode is not None and res.adcode.startswith("9"))


@FAST
@given(TEXTY)
def test_salary_never_raises_and_is_ordered(text):
    s = salary.parse_salary(text)
    if s.min_yuan is not None and s.max_yuan is not None:
        assert 0 < s.min_yuan <= s.max_yuan


@FAST
@given(st.one_of(TEXTY, st.integers(), st.floats(allow_nan=True)))
def test_dates_never_raise(value):
    d, reason = dates.parse_date(value)
    assert d is None or 1900 <= d.year <= 2100
    assert d is None or reason is None


@FAST
@given(TEXTY)
def test_credit_code_check_never_raises(text):
    code, reason = credit_code.check_credit_code(text)
    assert (code is None) != (reason is None)


@FAST
@given(st.text(alphabet=CODE_CHARS, min_size=17, max_size=17))
def test_credit_code_round_trip(body):
    code = credit_code.make_credit_code(body)
    assert credit_code.check_credit_code(code) == (code, None)
    wrong = CODE_CHARS[(CODE_CHARS.index(code[-1]) + 1) % len(CODE_CHARS)]
    assert credit_code.check_credit_code(body + wrong) == (None, "校验位错误")


@FAST
@given(st.integers(1, 200), st.integers(0, 200), st.sampled_from([12, 13, 14, 15, 16]))
def test_salary_round_trip(low, extra, months):
    text = f"{low}-{low + extra}K·{months}薪"
    s = salary.parse_salary(text)
    assert (s.min_yuan, s.max_yuan, s.months) == (low * 1000, (low + extra) * 1000, months)


@FAST
@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_date_round_trip(d):
    for text in (d.isoformat(), f"{d.year}/{d.month}/{d.day}", f"{d.year}年{d.month}月{d.day}日",
                 d.strftime("%Y%m%d")):
        assert dates.parse_date(text) == (d, None), text


@FAST
@given(st.lists(st.text(alphabet="abcdefgXYZ机器学习深度视觉+#", min_size=1, max_size=8),
                min_size=1, max_size=6, unique_by=str.casefold))
def test_skills_round_trip(words):
    words = [w for w in (clean(w) for w in words) if w and w.strip("+#")]
    if len({w.casefold() for w in words}) != len(words):
        return
    assert skills.split_skills("、".join(words)) == words


# A province with a single city (the municipalities 北京, 天津, 上海) resolves to that city:
# it is as certain and is where the map's districts hang.
ONLY_CITY = {"110000": "110100", "120000": "120100", "310000": "310100"}


@pytest.mark.parametrize("level", ["province", "city", "district"])
def test_resolver_round_trip_on_every_full_name(level):
    r = default_resolver()
    codes = sorted(region_index().query("level == @level")["adcode"])
    wrong = [(code, r.full_name(code), r.resolve(r.full_name(code)))
             for code in codes if r.resolve(r.full_name(code)).adcode != ONLY_CITY.get(code, code)]
    assert wrong == []
    assert len(codes) > {"province": 33, "city": 360, "district": 2800}[level]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(region_index().query("level != 'country'")["adcode"])))
def test_resolver_round_trip_on_full_names(code):
    r = default_resolver()
    res = r.resolve(r.full_name(code))
    assert (res.adcode, res.reason) == (ONLY_CITY.get(code, code), None)
    assert res.level == r.level[res.adcode]


def _shared_across_parents(names: dict) -> dict:
    r = default_resolver()
    return {n: cs for n, cs in names.items()
            if len({r.parent[c] for c in cs}) > 1 and not r._is_abroad(cs)}


def _bare_answer(codes) -> str | None:
    """A bare name shared across parents: ambiguous, unless one of its shallowest regions is
    a province or a city (中山 is the city, not 大连's 中山区) — the depth of districts decides
    nothing (江北区 of 宁波 and 江北区 directly under 重庆 tie)."""
    r = default_resolver()
    depth = min(len(r.path(c)) for c in codes)
    shallow = [c for c in codes if len(r.path(c)) == depth]
    return shallow[0] if len(shallow) == 1 and r.level[shallow[0]] in ("province", "city") else None


def test_a_name_shared_across_parents_is_ambiguous_until_a_parent_is_named():
    r = default_resolver()
    index = region_index().set_index("adcode")
    own = set(index["name"]) | set(index["short_name"].dropna())
    shared = _shared_across_parents({n: cs for n, cs in r.names.items() if n in own})
    wrong = []
    for name, codes in sorted(shared.items()):
        res = r.resolve(name)
        # a plain word that is also a name (东区, 长安) names nothing alone
        reason = "无法识别地区: " if name in _GENERIC else f"地名有歧义: {name} 可能是 "
        if res.adcode != _bare_answer(codes) or (res.adcode is None
                                                 and not res.reason.startswith(reason)):
            wrong.append((name, res))
        for c in codes:
            for parent in index.loc[r.parent[c], ["name", "short_name"]]:
                if r.resolve(parent + name).adcode != c:
                    wrong.append((parent + name, c, r.resolve(parent + name)))
    assert wrong == []
    assert {"江北区", "江北", "鼓楼区", "朝阳区", "大埔"} <= set(shared) and len(shared) > 100


def test_a_latin_name_shared_across_parents_is_ambiguous_until_a_parent_is_named():
    r = default_resolver()
    latin, _ = r._latin
    readings = _readings()
    shared = _shared_across_parents({k: cs for k, cs in latin.items() if cs != {"100000"}})
    wrong = [(k, r.resolve(k)) for k, codes in sorted(shared.items())
             if r.resolve(k).adcode != _bare_answer(codes)]
    wrong += [(f"{k}, {readings[r.parent[c]]}", c) for k, codes in sorted(shared.items())
              for c in codes if r.resolve(f"{k}, {readings[r.parent[c]]}").adcode != c]
    assert wrong == []
    assert {"jiangbei", "jiangbeiqu", "jiangbeidistrict", "suzhou", "fuzhou"} <= set(shared)


def _readings() -> dict[str, str]:
    """The shortest Latin name of every region (of its province where all are the province's:
    天津市 the city is read as the province)."""
    r = default_resolver()
    latin, _ = r._latin
    best: dict[str, str] = {}
    for k, codes in latin.items():
        for c in codes:
            if c not in best or (len(k), k) < (len(best[c]), best[c]):
                best[c] = k
    for c in r.level:
        node = c
        while node not in best and r.parent.get(node):
            node = r.parent[node]
        best.setdefault(c, best.get(node, ""))
    return best


def test_every_district_read_in_latin_with_its_parent():
    # "Laoshan, Qingdao" is 崂山区; a reading two districts of one parent share (云安 and 郁南:
    # Yunan) stops at the parent.
    r = default_resolver()
    latin, _ = r._latin
    readings = _readings()
    districts = region_index().query("level == 'district'")
    wrong = []
    for code, parent in zip(districts["adcode"], districts["parent_adcode"], strict=True):
        key = readings[code]
        siblings = [c for c in latin[key] if c != code and r.parent[c] == parent]
        expected = r._finish(parent).adcode if siblings else code
        got = r.resolve(f"{key.capitalize()}, {readings[parent].capitalize()}").adcode
        if got != expected:
            wrong.append((key, readings[parent], code, got))
    assert wrong == []
    assert len(districts) > 2800


@pytest.mark.parametrize("config", ["s2t", "s2tw", "s2hk"])
def test_resolver_round_trip_on_traditional_full_names(config):
    import opencc

    r = default_resolver()
    to_traditional = opencc.OpenCC(config).convert
    codes = sorted(region_index().query("level != 'country'")["adcode"])
    wrong = [(code, to_traditional(r.full_name(code))) for code in codes
             if r.resolve(to_traditional(r.full_name(code))).adcode != ONLY_CITY.get(code, code)]
    assert wrong == []


def test_a_street_or_building_named_after_any_city_is_no_place():
    r = default_resolver()
    cities = region_index().query("level == 'city' and adcode != '370200'")
    wrong = []
    for name in sorted(set(cities["name"]) | set(cities["short_name"])):
        for text, expected in ((f"青岛市{name}路1号", "370200"), (f"青岛市{name}东路", "370200"),
                               (f"青岛市{name}中路", "370200"), (f"青岛{name}大道", "370200"),
                               (f"{name}大厦", None), (f"{name}广场", None)):
            if r.resolve(text).adcode != expected:
                wrong.append((text, r.resolve(text)))
    assert wrong == []


# -- clusters: the summary of labelled cells ---------------------------------------------------
CELL = st.tuples(st.sampled_from(["370212", "370202", "370203", "440305", "110108"]),
                 st.floats(70, 135), st.floats(18, 53), st.sampled_from(["T14", "T11"]),
                 st.integers(1, 50), st.integers(1, 3))


def _cells(rows) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["adcode", "lon", "lat", "node_id", "talents", "cluster"])
    df["place"] = "地" + df["adcode"]
    df["node_name"] = "环节" + df["node_id"]
    return df


@FAST
@given(st.lists(CELL, min_size=1, max_size=12))
def test_cluster_centre_is_the_talent_weighted_mean(rows):
    cells = _cells(rows)
    out = clusters.summarise(cells).set_index("cluster")
    assert sorted(out.index) == sorted(cells["cluster"].unique())
    for c, g in cells.groupby("cluster"):
        w = g["talents"]
        assert out.loc[c, "talents"] == w.sum()
        assert out.loc[c, "lon"] == pytest.approx((g["lon"] * w).sum() / w.sum())
        assert out.loc[c, "lat"] == pytest.approx((g["lat"] * w).sum() / w.sum())
        assert g["lon"].min() - 1e-9 <= out.loc[c, "lon"] <= g["lon"].max() + 1e-9
        assert out.loc[c, "n_places"] == g["adcode"].nunique() == len(out.loc[c, "places"])


def test_cluster_summary_exactly():
    cells = _cells([("370212", 120.0, 36.0, "T14", 3, 1), ("370203", 121.0, 37.0, "T14", 1, 1),
                    ("370202", 122.0, 36.5, "T11", 2, 1), ("440305", 114.0, 22.5, "T11", 4, 2),
                    ("110108", 116.3, 40.0, "T14", 9, -1),
                    # a tie on both counts: the lower adcode, the lower node id
                    ("440304", 114.1, 22.6, "T14", 2, 3), ("440303", 114.2, 22.5, "T11", 2, 3)])
    out = clusters.summarise(cells)
    assert out["cluster"].tolist() == [1, 2, 3]
    assert out["talents"].tolist() == [6, 4, 4]
    assert out["lon"].tolist() == pytest.approx([(360 + 121 + 244) / 6, 114.0, 114.15])
    assert out["lat"].tolist() == pytest.approx([(108 + 37 + 73) / 6, 22.5, 22.55])
    assert out["places"].tolist() == [["370212", "370202", "370203"], ["440305"],
                                      ["440303", "440304"]]
    assert out["n_places"].tolist() == [3, 1, 2]
    assert out["place"].tolist() == ["地370212", "地440305", "地440303"]   # the biggest place
    assert out["node_id"].tolist() == ["T14", "T11", "T11"]              # 4 T14 against 2 T11
    assert out["node_name"].tolist() == ["环节T14", "环节T11", "环节T11"]
    labels = [clusters.label(r) for r in out.itertuples()]
    assert labels == ["#1 地370212 等 3 地 · 环节T14", "#2 地440305 · 环节T11",
                      "#3 地440303 等 2 地 · 环节T11"]


def test_cluster_summary_of_noise_only_is_empty_with_columns():
    out = clusters.summarise(_cells([("370212", 120.0, 36.0, "T14", 3, -1)]))
    assert out.empty
    assert list(out.columns) == ["cluster", "talents", "lon", "lat", "places", "n_places",
                                 "place", "node_id", "node_name"]


@FAST
@given(st.lists(st.tuples(st.floats(100, 101), st.floats(30, 31), st.integers(1, 9)),
                min_size=1, max_size=30), st.floats(1, 80), st.integers(1, 20))
def test_dbscan_labels_are_numbered_by_weight(points, eps, min_weight):
    lon, lat, w = (np.array(x, dtype=float) for x in zip(*points, strict=True))
    labels = clusters.dbscan_weighted(lon, lat, w, eps, min_weight)
    found = sorted(set(labels.tolist()) - {-1})
    assert found == list(range(len(found)))
    totals = [w[labels == k].sum() for k in found]
    assert totals == sorted(totals, reverse=True)
    core = clusters.neighbours(lon, lat, eps).astype(float) @ w >= min_weight
    assert all(core[labels == k].any() for k in found)   # every cluster holds a core
    assert not core[labels == -1].any()                  # and no core is noise


@pytest.mark.parametrize(("lon2", "lat"), [(1.0, 0.0), (2.0, 36.1), (7.1, 36.1), (10.0, 36.1),
                                           (90.0, 0.0), (90.0, 30.0), (90.0, 60.0)])
def test_places_exactly_eps_apart_are_neighbours(lon2, lat):
    # The matrix product and the haversine round differently in the last bit: a pair exactly
    # eps apart must still count (the 1e-12 allowance), and one a metre further must not.
    eps = float(clusters.haversine_km(0, lat, lon2, lat))
    lon, la = np.array([0.0, lon2]), np.array([lat, lat])
    assert clusters.neighbours(lon, la, eps).all()
    assert clusters.neighbours(lon, la, eps - 0.001).tolist() == [[True, False], [False, True]]


def test_label_cells_clusters_each_node_on_its_own_by_default():
    # Two nodes at one place, each under the threshold alone, over it together.
    cells = pd.DataFrame({"adcode": ["370212", "370212"], "lon": [120.6, 120.6],
                          "lat": [36.2, 36.2], "node_id": ["T14", "T11"], "talents": [2, 2]})
    assert clusters.label_cells(cells, 10, 3)["cluster"].tolist() == [-1, -1]
    assert clusters.label_cells(cells, 10, 3, by_node=False)["cluster"].tolist() == [1, 1]


def test_a_node_without_clusters_does_not_shift_the_next_nodes_ids():
    cells = pd.DataFrame({"adcode": ["370212", "370212", "440305"], "lon": [120.6, 120.6, 113.9],
                          "lat": [36.2, 36.2, 22.5], "node_id": ["A01", "T14", "T14"],
                          "talents": [1, 5, 4]})
    out = clusters.label_cells(cells, 10, 3)
    assert out["cluster"].tolist() == [-1, 1, 2]


@FAST
@given(st.floats(-180, 180), st.floats(-89, 89))
def test_haversine_of_antipodes_is_half_the_circumference(lon, lat):
    d = clusters.haversine_km(lon, lat, lon + 180, -lat)
    assert d == pytest.approx(np.pi * clusters.EARTH_RADIUS_KM)
    assert clusters.haversine_km(lon, lat, lon, lat) == 0
