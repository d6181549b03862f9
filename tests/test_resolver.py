"""Region resolver: free text → adcode at the deepest certain level."""

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from maps.resolver import ALIASES_FILE, Resolution, default_resolver
from reference.abroad import is_chinese
from reference.regions import ancestors, region_index, short_name

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
    got = [(text, code, resolver.resolve(text).adcode) for text, code in pairs]
    misses = [g for g in got if g[1] != g[2]]
    assert len(pairs) > 5600
    assert 1 - len(misses) / len(pairs) >= 0.998, misses
    # The misses are short forms that name two places of one parent (临夏临夏: 临夏市 and 临夏县
    # of 临夏州): they stop at that parent, never at a wrong place.
    assert all(found == resolver.parent[code] for _, code, found in misses), misses


def test_resolve_series_resolves_each_distinct_value_once(monkeypatch):
    resolver = default_resolver()
    monkeypatch.setitem(resolver.__dict__, "_resolved", {})  # what earlier tests resolved
    calls = []
    original = resolver.resolve
    monkeypatch.setattr(resolver, "resolve", lambda v: calls.append(v) or original(v))
    s = pd.Series(["青岛崂山", "青岛崂山", "xyz", None, "青岛崂山"])
    out = resolver.resolve_series(s)
    assert list(out["adcode"].fillna("-")) == ["370212", "370212", "-", "-", "370212"]
    assert out["region_error"].iloc[2] == "无法识别地区: xyz"
    assert len(calls) == 3
    # and once per resolver: a later call (the next chunk of a file) resolves only what is new
    again = resolver.resolve_series(pd.Series(["xyz", "青岛崂山", "青岛市"]))
    assert list(again["adcode"].fillna("-")) == ["-", "370212", "370200"]
    assert calls[3:] == ["青岛市"]


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
        rows = list(csv.DictReader(f))
    for row in rows:
        assert row["adcode"] in codes, row
        # Chinese aliases are kind alias; Latin ones say whether they replace pypinyin's reading
        assert row["kind"] == "alias" if is_chinese(row["alias"]) else row["kind"] in (
            "pinyin", "english"), row
    assert len({(r["alias"], r["adcode"]) for r in rows}) == len(rows)


# -- holes found by the mutation audit (docs/testing.md) ----------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("黑龙江省", "230000"),            # not 龙江县, whose short name 龙江 sits inside it
    ("黑龙江", "230000"),
    ("黑龙江省齐齐哈尔市", "230200"),
    ("黑龙江省齐齐哈尔市龙江县", "230221"),
    ("黑龙江省龙江县", "230221"),
    ("齐齐哈尔龙江", "230221"),
    ("龙江", "230221"),
    ("香港南区", "810004"),            # 南区 inside 港南区 (贵港): unrelated, so it stays
    ("信阳新县", "411523"),            # 新县 inside 阳新县 (黄石): likewise
])
def test_a_name_inside_its_ancestors_name_is_not_a_place_of_its_own(text, expected):
    assert default_resolver().resolve(text).adcode == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("410403 某某公司", ("410403", "district")),
    ("地址510502", ("510502", "district")),
    ("邮编 370212 ", ("370212", "district")),
    ("370200", ("370200", "city")),
    ("370000", ("370000", "province")),
    ("370212 北京", ("110100", "city")),     # a name in the text wins over the code
    (370212, ("370212", "district")),          # a number, not a missing value
    (np.int64(370212), ("370212", "district")),
    (370212.0, ("370212", "district")),
])
def test_codes_in_text(text, expected):
    res = default_resolver().resolve(text)
    assert (res.adcode, res.level, res.reason) == (*expected, None)


@pytest.mark.parametrize(("text", "reason"), [
    ("4104031", "无法识别地区: 4104031"),     # seven digits are not a code
    ("1410403", "无法识别地区: 1410403"),
    ("999999", "无法识别地区: 999999"),       # well formed, but no such region
    (999999, "无法识别地区: 999999"),
    (float("nan"), "缺少地区"),
    (np.nan, "缺少地区"),
    (pd.NA, "缺少地区"),
    (pd.NaT, "缺少地区"),
    ("\u3000 \t", "缺少地区"),                 # ideographic space only
    ("东区", "无法识别地区: 东区"),            # plain words that are also names, alone
    ("高新区", "无法识别地区: 高新区"),
    ("白云", "无法识别地区: 白云"),
    ("鼓楼区", "地名有歧义: 鼓楼区 可能是 江苏省南京市鼓楼区、江苏省徐州市鼓楼区、福建省福州市鼓楼区、"
              "河南省开封市鼓楼区"),
    ("山东鼓楼区", "地名有歧义: 山东鼓楼区 可能是 江苏省南京市鼓楼区、江苏省徐州市鼓楼区、"
                  "福建省福州市鼓楼区、河南省开封市鼓楼区"),
    ("x" * 50, "无法识别地区: " + "x" * 40),   # the reason quotes at most 40 characters
])
def test_unresolvable_reasons_exactly(text, reason):
    res = default_resolver().resolve(text)
    assert (res.adcode, res.level, res.reason) == (None, None, reason)


@pytest.mark.parametrize(("text", "expected"), [
    ("北京东区", "110100"),          # a generic word beside a real name
    ("江苏鼓楼区", "320000"),        # tied districts, their named common province
    ("四川市中区", "510000"),
    ("中国", "100000"), ("全国", "100000"), ("中华人民共和国", "100000"),
    ("乌鲁木齐", "650100"),          # the city, not 乌鲁木齐县 (a name it shares with its child)
    ("乌鲁木齐县", "650121"),
    ("重庆", "500000"),              # two cities: the municipality stays a province
    ("天津市", "120100"),            # one city: as certain as the province
])
def test_levels_and_fallbacks(text, expected):
    res = default_resolver().resolve(text)
    levels = {"100000": "country", "650100": "city", "650121": "district", "320000": "province",
              "510000": "province", "500000": "province", "110100": "city", "120100": "city"}
    assert (res.adcode, res.level, res.reason) == (expected, levels[expected], None)


def test_only_the_first_200_characters_are_read():
    r = default_resolver()
    assert r.resolve("x" * 198 + "北京").adcode == "110100"
    assert r.resolve("x" * 199 + "北京").adcode is None  # 北 is the 200th, 京 is cut


def test_resolve_series_reports_missing_values_and_keeps_the_index():
    s = pd.Series([np.nan, pd.NA, "青岛崂山", 370212, "月球"], index=[5, 6, 7, 8, 9])
    out = default_resolver().resolve_series(s)
    assert list(out.index) == [5, 6, 7, 8, 9]
    assert out["adcode"].tolist() == [pd.NA, pd.NA, "370212", "370212", pd.NA]
    assert out["region_error"].tolist() == ["缺少地区", "缺少地区", pd.NA, pd.NA, "无法识别地区: 月球"]
    assert str(out["adcode"].dtype) == "string" and str(out["region_error"].dtype) == "string"


def test_full_name_and_path():
    r = default_resolver()
    assert r.full_name("110101") == "北京市东城区"   # 北京市 once, though province and city
    assert r.full_name("370212") == "山东省青岛市崂山区"
    assert r.full_name("370000") == "山东省"
    assert r.full_name("100000") == ""
    assert r.path("370212") == ["370212", "370200", "370000", "100000"]
    assert r.path("100000") == ["100000"]


def _toy_resolver(tmp_path, districts: int, extra=(), aliases="乙城新区,900100\n"):
    """A resolver over a made-up country: one province, two cities, ``districts`` 中心区."""
    rows = [("100000", "中国", "中国", "country", None),
            ("900000", "甲省", "甲", "province", "100000"),
            ("900100", "乙市", "乙", "city", "900000"),
            ("900200", "丙市", "丙", "city", "900000"),
            ("900190", "庚区", None, "district", "900100")]      # no short name
    rows += [(f"9001{i:02d}", "中心区", "中心", "district", "900100" if i % 2 else "900200")
             for i in range(1, districts + 1)]
    df = pd.DataFrame([*rows, *extra],
                      columns=["adcode", "name", "short_name", "level", "parent_adcode"])
    path = tmp_path / "aliases.csv"
    path.write_text("alias,adcode\n" + aliases, encoding="utf-8")
    from maps.resolver import RegionResolver

    return RegionResolver(df, path)


def test_an_ambiguity_lists_at_most_five_places(tmp_path):
    r = _toy_resolver(tmp_path, 7)
    res = r.resolve("中心区")
    assert res.adcode is None
    assert res.reason == "地名有歧义: 中心区 可能是 " + "、".join(
        r.full_name(c) for c in ["900101", "900102", "900103", "900104", "900105"])
    assert r.resolve("甲省中心区").adcode == "900000"      # the named common parent
    assert r.resolve("乙市中心区").adcode == "900100"      # four 中心区 in 乙市: the city
    assert r.resolve("甲省乙市中心区").adcode == "900100"  # the finest parent named


def test_aliases_resolve_and_their_letters_are_not_names(tmp_path):
    r = _toy_resolver(tmp_path, 1)
    assert r.resolve("乙城新区").adcode == "900100"
    assert r.resolve("乙城新区").level == "city"
    assert r.resolve("丙市").adcode == "900200"
    assert r.resolve("甲省").adcode == "900000"   # two cities: stays the province
    assert r.resolve("甲").reason == "无法识别地区: 甲"  # one letter is never a name
    assert r.resolve("庚区").adcode == "900190"
    assert r.aliases == {"乙城新区"}


@pytest.mark.parametrize(("text", "expected"), [
    ("江北区", "地名有歧义: 江北区 可能是 浙江省宁波市江北区、重庆市江北区"),
    ("江北", "地名有歧义: 江北 可能是 浙江省宁波市江北区、重庆市江北区"),
    ("大埔", "地名有歧义: 大埔 可能是 广东省梅州市大埔县、香港特别行政区大埔区"),
])
def test_a_tie_at_different_depths_is_ambiguous(text, expected):
    # 重庆 and 香港 have no city level: their districts sit one level higher, no less likely.
    assert default_resolver().resolve(text) == Resolution(None, None, expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("重庆江北区", "500105"), ("宁波江北区", "330205"), ("浙江江北", "330205"),
    ("梅州大埔", "441422"), ("香港大埔", "810014"),
])
def test_a_tie_at_different_depths_is_settled_by_a_parent(text, expected):
    assert default_resolver().resolve(text).adcode == expected


def test_tied_cities_are_ambiguous_and_a_single_shallow_district_is_no_answer(tmp_path):
    # Two cities named 丁市 (in 甲省 and in 己省), and 中心区 directly under 甲省 beside two
    # 中心区 of its cities: neither the shallowest nor the deepest may be picked.
    extra = [("910000", "己省", "己", "province", "100000"),
             ("900300", "丁市", "丁", "city", "900000"),
             ("910100", "丁市", "丁", "city", "910000"),
             ("900001", "中心区", "中心", "district", "900000")]
    r = _toy_resolver(tmp_path, 2, extra)
    assert r.resolve("丁市").reason == "地名有歧义: 丁市 可能是 甲省丁市、己省丁市"
    assert r.resolve("己省丁市").adcode == "910100"
    assert r.resolve("中心区").reason == (
        "地名有歧义: 中心区 可能是 甲省乙市中心区、甲省丙市中心区、甲省中心区")
    assert r.resolve("甲省中心区").adcode == "900000"


def test_aliases_never_shadow_a_name_or_point_nowhere(tmp_path):
    r = _toy_resolver(tmp_path, 1, aliases="乙城新区,900100\n乙市,900200\n鬼城,999999\n")
    assert r.aliases == {"乙城新区"}
    assert r.resolve("乙市").adcode == "900100"      # the name, not the alias to 丙市
    assert r.resolve("鬼城").reason == "无法识别地区: 鬼城"


def test_a_name_inside_its_parents_name_is_part_of_it(tmp_path):
    # 河市区 (short 河市) lies in 东河市, whose name contains it: 东河市 is the city.
    extra = [("900400", "东河市", "东河", "city", "900000"),
             ("900401", "河市区", "河市", "district", "900400")]
    r = _toy_resolver(tmp_path, 1, extra)
    assert r.resolve("东河市").adcode == "900400"
    assert r.resolve("东河市河市区").adcode == "900401"


# -- any way a place is written (issue #13) ------------------------------------------------------
MESSY_FILE = Path(__file__).resolve().parent / "data" / "messy_places.csv"


def _outcome(res: Resolution) -> str:
    if res.adcode:
        return res.adcode
    return "ambiguous" if res.reason.startswith("地名有歧义: ") else "unresolved"


def _messy_rows():
    with open(MESSY_FILE, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_messy_places_file_covers_every_class():
    rows = _messy_rows()
    assert len(rows) >= 120
    classes = {r["note"].split(":")[0].split(" ")[0] for r in rows}
    assert {"latin", "traditional", "ambiguous", "road", "abroad", "noise"} <= classes
    assert {r["expected"] for r in rows} >= {"ambiguous", "unresolved", "900000"}


@pytest.mark.parametrize("row", _messy_rows(), ids=lambda r: r["text"])
def test_messy_places_file(row):
    """Each row of tests/data/messy_places.csv (written before the code it tests)."""
    res = default_resolver().resolve(row["text"])
    assert _outcome(res) == row["expected"], (row["note"], res)
    if res.adcode:
        assert res.level == default_resolver().level[res.adcode]
        assert res.abroad == res.adcode.startswith("9")


@pytest.mark.parametrize(("text", "expected"), [
    ("Laoshan", "370212"), ("LAOSHAN", "370212"), ("lao shan", "370212"),
    ("Laoshanqu", "370212"), ("Laoshan Qu", "370212"), ("Laoshan District", "370212"),
    ("Qingdao Shi", "370200"), ("Qingdao City", "370200"), ("Shandong Sheng", "370000"),
    ("Shandong Province", "370000"), ("Lanling Xian", "371324"), ("Lanling County", "371324"),
    ("He Xian", "340523"), ("Hexian", "340523"),               # 和县: one letter and its suffix
    ("Yanbian Korean Autonomous Prefecture", "222400"),
    ("Xinjiang Uygur Autonomous Region", "650000"),
    ("Hong Kong SAR", "810000"), ("Xianggang", "810000"),
    ("ShenzhenNanshan", "440305"), ("Qingdao.Shandong", "370200"),   # glued names
    ("Qingdao 崂山", "370212"), ("370212 Beijing", "110100"),
    ("Xi'an", "610100"), ("Xian", "610100"), ("Shaanxi Xian", "610000"),
    ("Changzhou", "320400"),          # 常州; 长洲区 shares the reading: the city
    ("Zhaoyang", "530602"),           # 昭阳区; 朝阳 is read chao, not pypinyin's zhao
    ("Chaoyang", "211300"),
    ("Yidu", "420581"), ("Changdu", "540300"),   # 宜都, 昌都: 都 read du in the whole name
    ("Lüyuan", "220106"), ("LÜYUAN", "220106"), ("LVYUAN", "220106"),   # 绿园: ü, u, v
    ("Côte d'Ivoire", "938400"), ("München", "927600"),
])
def test_latin_names(text, expected):
    assert default_resolver().resolve(text).adcode == expected


@pytest.mark.parametrize(("text", "reason"), [
    ("Fuzhou", "地名有歧义: Fuzhou 可能是 福建省福州市、江西省抚州市"),
    ("Luhe", "地名有歧义: Luhe 可能是 江苏省南京市六合区、广东省汕尾市陆河县"),
    ("Dean of Engineering", "无法识别地区: Dean of Engineering"),   # 德安 only beside a name
    ("Nanjing Dong Lu", "无法识别地区: Nanjing Dong Lu"),
    ("Room 1203, Building A", "无法识别地区: Room 1203,Building A"),
])
def test_latin_names_that_are_no_answer(text, reason):
    assert default_resolver().resolve(text) == Resolution(None, None, reason)


@pytest.mark.parametrize(("text", "expected"), [
    ("De'an", "360426"), ("Dean, Jiujiang", "360426"), ("Dean, Beijing", "110100"),
])
def test_an_english_word_that_is_a_name_counts_beside_a_name(text, expected):
    assert default_resolver().resolve(text).adcode == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("山東省青島市嶗山區", "370212"), ("乾县", "610424"), ("乾縣", "610424"),
    ("河南省鶴壁市濬縣", "410621"),    # OpenCC leaves 濬: the name is also kept as 濬县
    ("衞輝市", "410781"),              # a Hong Kong variant (衞), read by hk2s
])
def test_traditional_characters(text, expected):
    assert default_resolver().resolve(text).adcode == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("大兴安岭大厦", None),            # a name inside a building's name is no place either
    ("青岛市北京路北京大厦", "370200"),
    ("完美国际大厦", None),            # 美国 inside 完美国际
    ("唐山路北", "130203"), ("哈尔滨道外", "230104"),
    ("青岛市黄岛区黄岛街道", "370211"),
])
def test_roads_and_buildings(text, expected):
    assert default_resolver().resolve(text).adcode == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("承德承德", "130821"), ("吉林吉林", "220200"), ("吉林省吉林", "220200"),
    ("乌鲁木齐乌鲁木齐", "650121"), ("Chengde Chengde", "130821"),
    ("承德", "130800"), ("吉林", "220000"),
])
def test_a_second_mention_of_a_name_shared_with_a_child_is_the_child(text, expected):
    assert default_resolver().resolve(text).adcode == expected
