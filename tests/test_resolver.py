"""Region resolver: free text → adcode at the deepest certain level."""

import csv

import pandas as pd
import pytest

from maps.regions import ancestors, region_index, short_name
from maps.resolver import ALIASES_FILE, default_resolver

# Messy real-world strings with the code a person would give them.
MESSY = [
    ("山东省青岛市崂山区松岭路169号", "370212"),
    ("青岛崂山", "370212"),
    ("青岛市崂山区", "370212"),
    ("崂山区", "370212"),
    ("深圳南山区", "440305"),
    ("广东深圳市南山区科技园", "440305"),
    ("北京", "110100"),
    ("北京市", "110100"),
    ("北京市海淀区中关村大街1号", "110108"),
    ("北京朝阳", "110105"),
    ("内蒙古", "150000"),
    ("内蒙古自治区呼和浩特市", "150100"),
    ("黄岛", "370211"),
    ("西海岸新区", "370211"),
    ("青岛西海岸新区古镇口", "370211"),
    ("山东青岛黄岛区", "370211"),
    ("上海浦东新区张江高科", "310115"),
    ("上海市", "310100"),
    ("杭州市西湖区", "330106"),
    ("浙江省杭州市西湖区南山路1号", "330106"),
    ("江苏省苏州市工业园区星湖街328号", "320500"),
    ("苏州工业园区", "320500"),
    ("南京鼓楼区", "320106"),
    ("福州鼓楼", "350102"),
    ("青岛市北区", "370203"),
    ("青岛市市北区辽宁路", "370203"),
    ("天津南开", "120104"),
    ("重庆渝北", "500112"),
    ("重庆市两江新区", "500000"),
    ("香港", "810000"),
    ("香港南区", "810004"),
    ("澳门", "820000"),
    ("臺灣", "710000"),
    ("台湾省台北市", "710000"),
    ("廣東省廣州市天河區", "440106"),
    ("广州天河", "440106"),
    ("合肥高新区", "340100"),
    ("安徽省合肥市蜀山区", "340104"),
    ("济南历下", "370102"),
    ("山东省济南市市中区", "370103"),
    ("成都天府新区", "510100"),
    ("武汉光谷", "420100"),
    ("湖北省武汉市洪山区", "420111"),
    ("  青 岛 即墨 ", "370215"),
    ("即墨市", "370215"),
    ("胶州", "370281"),
    ("山东", "370000"),
    ("山东省", "370000"),
    ("370212", "370212"),
    ("ＳＨＡＮＤＯＮＧ 山东省 青岛市", "370200"),
    ("雄安新区", "130600"),
    ("信阳新县", "411523"),
    ("新疆乌鲁木齐", "650100"),
    ("广西南宁", "450100"),
    ("西藏拉萨", "540100"),
    ("中山", "442000"),        # the city, not 大连市中山区
    ("西安", "610100"),        # the city, not 西安区 in 牡丹江 or 辽源
    ("大连中山区", "210202"),
]


@pytest.mark.parametrize(("text", "expected"), MESSY)
def test_messy_strings(text, expected):
    res = default_resolver().resolve(text)
    assert res.adcode == expected, res


@pytest.mark.parametrize("text", ["市中区", "鼓楼区", "朝阳区"])
def test_bare_shared_district_name_is_ambiguous(text):
    res = default_resolver().resolve(text)
    assert res.adcode is None
    assert res.reason.startswith(f"地名有歧义: {text} 可能是 ")


def test_ambiguous_district_keeps_the_named_province():
    # 市中区 exists in 济南 and 枣庄: only the province is certain.
    assert default_resolver().resolve("山东市中区").adcode == "370000"


@pytest.mark.parametrize(("text", "reason"), [
    (None, "缺少地区"),
    ("", "缺少地区"),
    ("   ", "缺少地区"),
    ("xyz", "无法识别地区: xyz"),
    ("开发区东区", "无法识别地区: 开发区东区"),
])
def test_unresolvable(text, reason):
    res = default_resolver().resolve(text)
    assert (res.adcode, res.reason) == (None, reason)


def _index_strings():
    df = region_index()
    idx = df.set_index("adcode")
    for row in df[df["level"] == "district"].itertuples():
        prov = idx.loc[row.province_adcode]
        city = idx.loc[row.city_adcode] if isinstance(row.city_adcode, str) else None
        parts = [prov["name"]]
        if city is not None and city["name"] != prov["name"]:
            parts.append(city["name"])
        yield "".join(parts) + row.name, row.adcode
        parent_short = city["short_name"] if city is not None else prov["short_name"]
        yield parent_short + row.short_name, row.adcode


def test_accuracy_on_index_derived_list():
    pairs = list(_index_strings())
    resolver = default_resolver()
    hits = sum(resolver.resolve(text).adcode == code for text, code in pairs)
    accuracy = hits / len(pairs)
    assert len(pairs) > 5600
    assert accuracy >= 0.99, f"{accuracy:.4f}"


def test_resolve_series_resolves_each_distinct_value_once(monkeypatch):
    resolver = default_resolver()
    calls = []
    original = resolver.resolve
    monkeypatch.setattr(resolver, "resolve", lambda v: calls.append(v) or original(v))
    s = pd.Series(["青岛崂山", "青岛崂山", "xyz", None, "青岛崂山"])
    out = resolver.resolve_series(s)
    assert list(out["adcode"].fillna("-")) == ["370212", "370212", "-", "-", "370212"]
    assert out["region_error"].iloc[2] == "无法识别地区: xyz"
    assert len(calls) == 3


def test_region_index_has_every_level_and_the_whole_territory():
    df = region_index()
    counts = df["level"].value_counts()
    assert counts["country"] == 1
    assert counts["province"] == 34
    assert counts["city"] > 360
    assert counts["district"] > 2800
    assert {"710000", "810000", "820000", "460000"} <= set(df["adcode"])
    assert set(df.loc[df["parent_adcode"] == "370200", "adcode"]) == {
        "370202", "370203", "370211", "370212", "370213", "370214", "370215",
        "370281", "370283", "370285"}
    assert df["adcode"].is_unique


def test_ancestors_bridge():
    bridge = ancestors(region_index())
    chain = bridge[bridge["adcode"] == "370212"]
    assert list(chain["ancestor_adcode"]) == ["370212", "370200", "370000", "100000"]


@pytest.mark.parametrize(("name", "short"), [
    ("内蒙古自治区", "内蒙古"), ("崂山区", "崂山"), ("延边朝鲜族自治州", "延边"),
    ("香港特别行政区", "香港"), ("和县", "和县"), ("广西壮族自治区", "广西"),
])
def test_short_name(name, short):
    assert short_name(name) == short


def test_every_alias_points_at_a_region():
    codes = set(region_index()["adcode"])
    with open(ALIASES_FILE, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            assert row["adcode"] in codes, row
