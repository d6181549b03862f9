"""Resolver edge cases found by the mutation audit of maps/resolver.py (docs/testing.md,
"Mutation testing"): each test pins a behaviour that a surviving mutant got wrong. Most use
the made-up country of tests/test_resolver.py (甲省 with 乙市 and 丙市), where one rule at a
time can be isolated."""

from __future__ import annotations

import pandas as pd
import pytest

from maps.resolver import RegionResolver, Resolution
from tests.test_resolver import _toy_resolver

COLUMNS = ["adcode", "name", "short_name", "level", "parent_adcode"]


def _aliases(tmp_path, lines=""):
    path = tmp_path / "aliases.csv"
    path.write_text("alias,adcode\n" + lines, encoding="utf-8")
    return path


def _resolver(tmp_path, rows):
    """A resolver over exactly these regions (adcode, name, short name, level, parent)."""
    return RegionResolver(pd.DataFrame(rows, columns=COLUMNS), _aliases(tmp_path))


# -- the name table: names of two letters or more, the country's own row left out (its three
#    fixed names stand for it), aliases, a name shared with a descendant kept for the ancestor --
def test_the_name_table_of_the_toy_country_exactly(tmp_path):
    r = _toy_resolver(tmp_path, 2)
    assert {n: sorted(c) for n, c in r.names.items()} == {
        "甲省": ["900000"], "乙市": ["900100"], "丙市": ["900200"], "庚区": ["900190"],
        "中心区": ["900101", "900102"], "中心": ["900101", "900102"],
        "乙城新区": ["900100"],
        "中国": ["100000"], "中华人民共和国": ["100000"], "全国": ["100000"]}


# -- a name shared by a region and its own child stands for the region alone, so an ambiguity
#    lists the region once (not also 甲省丁市's district 丁市) ---------------------------------
def test_a_name_shared_with_a_child_is_listed_once_in_an_ambiguity(tmp_path):
    extra = [("910000", "己省", "己", "province", "100000"),
             ("900300", "丁市", "丁", "city", "900000"),
             ("900301", "丁市", "丁", "district", "900300"),
             ("910100", "丁市", "丁", "city", "910000")]
    r = _toy_resolver(tmp_path, 1, extra)
    assert r.resolve("丁市") == Resolution(None, None, "地名有歧义: 丁市 可能是 甲省丁市、己省丁市")


# -- a region table with a column shorter than the others is refused, not silently cut ---------
@pytest.mark.parametrize("short_column", ["parent_adcode", "level", "name", "short_name"])
def test_a_ragged_region_table_is_refused(tmp_path, short_column):
    rows = [("100000", "中国", "中国", "country", None),
            ("900000", "甲省", "甲", "province", "100000"),
            ("900100", "乙市", "乙", "city", "900000")]
    table = {c: [row[i] for row in rows] for i, c in enumerate(COLUMNS)}
    table[short_column] = table[short_column][:-1]
    with pytest.raises(ValueError, match="zip"):
        RegionResolver(table, _aliases(tmp_path))


# -- the letters inside an alias or inside an ancestor's name do not name a place: 城新区 in the
#    alias 乙城新区 does not count for 丙市's 城新区, nor 龙江 in 黑龙江省 as naming 龙江市 (so
#    a tie between its districts falls back to the province the text does name) ---------------
@pytest.mark.parametrize(("text", "expected"), [
    ("丙市乙城新区", Resolution("900100", "city")),
    ("丙市城新区", Resolution("900201", "district")),
    ("黑龙江省中心区", Resolution("920000", "province")),
    ("黑龙江省龙江市中心区", Resolution("920100", "city")),
])
def test_letters_inside_an_alias_or_an_ancestors_name_name_nothing(tmp_path, text, expected):
    extra = [("900201", "城新区", "城新", "district", "900200"),
             ("920000", "黑龙江省", "黑龙江", "province", "100000"),
             ("920100", "龙江市", "龙江", "city", "920000"),
             ("920101", "中心区", "中心", "district", "920100"),
             ("920102", "中心区", "中心", "district", "920100")]
    assert _toy_resolver(tmp_path, 1, extra).resolve(text) == expected


# -- a text that is exactly a code is that code, even with an alias made of digits (as a
#    telephone area code would be). Since the rewrite (issue #13) such an alias is read as a
#    Latin one, whose words are letters only, so no name can sit inside six digits and the
#    `s == code` test of _direct_code is an equivalent mutant (docs/testing.md) --------------
def test_a_bare_code_wins_over_a_digit_alias_inside_it(tmp_path):
    r = _toy_resolver(tmp_path, 1, aliases="乙城新区,900100\n9001,900100\n")
    assert r.resolve("900190") == Resolution("900190", "district")


# -- a one-letter alias is never a name, not even as the last letter of the text ---------------
@pytest.mark.parametrize(("text", "expected"), [
    ("丁", Resolution(None, None, "无法识别地区: 丁")),
    ("甲省丁", Resolution("900000", "province")),     # 甲省 has two cities: stays the province
    ("丁乙市", Resolution("900100", "city")),
])
def test_a_one_letter_alias_never_matches(tmp_path, text, expected):
    r = _toy_resolver(tmp_path, 1, aliases="乙城新区,900100\n丁,900200\n")
    assert r.resolve(text) == expected


# -- a region that covers no more of the text than its ancestor is not picked over it: its
#    name is made of its parents' letters (the bug: 东河市 resolved to its own 河市区 once
#    another 河市区 existed, and 甲省乙市 to a 省乙区 of 乙市) --------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("东河市", Resolution("900400", "city")),
    ("甲省东河市", Resolution("900400", "city")),
    ("东河市河市区", Resolution("900401", "district")),
    ("丙市河市区", Resolution("900201", "district")),
    ("河市区", Resolution(None, None, "地名有歧义: 河市区 可能是 甲省丙市河市区、甲省东河市河市区")),
    ("甲省乙市", Resolution("900100", "city")),          # 省乙 straddles 甲省 and 乙市
    ("乙市省乙区", Resolution("900108", "district")),
])
def test_a_name_made_of_its_parents_letters_does_not_beat_them(tmp_path, text, expected):
    extra = [("900400", "东河市", "东河", "city", "900000"),
             ("900401", "河市区", "河市", "district", "900400"),
             ("900201", "河市区", "河市", "district", "900200"),
             ("900108", "省乙区", "省乙", "district", "900100")]
    assert _toy_resolver(tmp_path, 1, extra).resolve(text) == expected


# -- a tie settled by a named parent answers with that parent's own level --------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("甲省乙市中心区", Resolution("900100", "city")),    # the finest parent named
    ("甲省中心区", Resolution("900000", "province")),
])
def test_a_tie_settled_by_a_parent_has_the_parents_level(tmp_path, text, expected):
    assert _toy_resolver(tmp_path, 4).resolve(text) == expected


# -- full_name drops a name repeated by the level below, at any depth --------------------------
def test_full_name_drops_a_name_repeated_below_the_top(tmp_path):
    extra = [("900110", "乙市", "乙", "district", "900100")]
    r = _toy_resolver(tmp_path, 1, extra)
    assert r.full_name("900110") == "甲省乙市"
    assert r.full_name("900101") == "甲省乙市中心区"


# -- only a province steps down to its only child, and only when that child is a city --------
@pytest.mark.parametrize(("rows", "text", "expected"), [
    # a country whose only child is a city stays the country, and so does a city whose only
    # child is (wrongly) a city too
    ([("990100", "戊市", "戊", "city", "100000")], "中国", Resolution("100000", "country")),
    ([("990100", "戊市", "戊", "city", "100000"),
      ("990101", "己市", "己", "city", "990100")], "戊市", Resolution("990100", "city")),
    # a province whose only child is a district stays the province
    ([("980000", "庚省", "庚", "province", "100000"),
      ("980001", "辛区", "辛", "district", "980000")], "庚省", Resolution("980000", "province")),
    # a province whose only child is a city is that city (北京市 → 110100)
    ([("970000", "壬市", "壬", "province", "100000"),
      ("970100", "壬市", "壬", "city", "970000")], "壬市", Resolution("970100", "city")),
])
def test_only_a_provinces_only_city_stands_for_it(tmp_path, rows, text, expected):
    country = ("100000", "中国", "中国", "country", None)
    assert _resolver(tmp_path, [country, *rows]).resolve(text) == expected


# -- issue #13: pinyin, roads, second mentions, on a made-up country -----------------------------
LATIN_TOY = [("100000", "中国", "中国", "country", None),
             ("900000", "甲省", "甲", "province", "100000"),
             ("900100", "乙市", "乙", "city", "900000"),
             ("900200", "丙市", "丙", "city", "900000"),
             ("900101", "长治区", "长治", "district", "900100"),      # pypinyin: zhangzhi
             ("900201", "常治区", "常治", "district", "900200"),      # changzhi
             ("900102", "路北区", "路北", "district", "900100"),
             ("900103", "乙市", "乙", "district", "900100")]           # named like its city


def _latin_toy(tmp_path, aliases=""):
    path = tmp_path / "aliases.csv"
    path.write_text("alias,adcode,kind,note\n" + aliases, encoding="utf-8")
    return RegionResolver(pd.DataFrame(LATIN_TOY, columns=COLUMNS), path)


@pytest.mark.parametrize(("aliases", "text", "expected"), [
    ("", "Zhangzhi", "900101"),                       # pypinyin's reading, no alias
    ("", "Changzhi", "900201"),
    ("Changzhi,900101,pinyin,\n", "Changzhi", None),  # the right reading: now both
    ("Changzhi,900101,pinyin,\n", "Zhangzhi", None),  # and the wrong one is gone
    ("Changzhi,900101,pinyin,\n", "Changzhi Qu, Yishi", "900101"),   # with its suffix and parent
    ("Changzhi,900101,pinyin,\n", "Changzhi District, Bing City", "900201"),
    ("Changzhi,900101,english,\n", "Zhangzhi", "900101"),         # an english alias only adds
    ("Changzhi,900101,english,\n", "Changzhi", None),
    ("Ghosttown,900100,english,\n", "Ghosttown City", "900100"),
    ("Ghosttown,999999,english,\n", "Ghosttown", None),   # an alias pointing nowhere: dropped
])
def test_latin_aliases(tmp_path, aliases, text, expected):
    assert _latin_toy(tmp_path, aliases).resolve(text).adcode == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Jiasheng Yishi", Resolution("900100", "city")),
    ("JiashengYishi", Resolution("900100", "city")),         # glued: split into names
    ("Jia Sheng Yi Shi", Resolution("900100", "city")),      # syllables joined across spaces
    ("Jiasheng, Yi Shi", Resolution("900100", "city")),
    ("Jiashengx", Resolution(None, None, "无法识别地区: Jiashengx")),   # not a whole word
    ("Jia", Resolution(None, None, "无法识别地区: Jia")),             # one letter: never alone
    ("Jia Province", Resolution("900000", "province")),               # with its suffix
    ("Yishi Lubei", Resolution("900102", "district")),
    ("Lubei Road, Yishi", Resolution("900100", "city")),              # a road word after it
    ("Lubei East Road, Yishi", Resolution("900100", "city")),
    ("Yishi Yishi", Resolution("900103", "district")),               # a second mention
])
def test_latin_words(tmp_path, text, expected):
    assert _latin_toy(tmp_path).resolve(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("乙市路北", Resolution("900102", "district")),        # 路北 is a name, not a road after 乙市
    ("乙市路北路", Resolution("900100", "city")),          # 路北路 is a road
    ("甲省乙市", Resolution("900100", "city")),
    ("乙市乙", Resolution("900100", "city")),              # one letter: never a name
    ("乙市乙市", Resolution("900103", "district")),       # the district named like its city
    ("乙市", Resolution("900100", "city")),
    ("乙市长治大厦", Resolution("900100", "city")),
    ("长治广场", Resolution(None, None, "无法识别地区: 长治广场")),
    ("长治街道", Resolution("900101", "district")),        # a subdistrict, not a street
    ("长治一路", Resolution(None, None, "无法识别地区: 长治一路")),
])
def test_roads_and_second_mentions(tmp_path, text, expected):
    assert _latin_toy(tmp_path).resolve(text) == expected


def test_letters_that_straddle_two_names_name_nothing(tmp_path):
    # 市丙 (a district of 丙市) straddles 乙市 and 丙州: without the rule it would cover more
    # of the text than either.
    extra = [("900202", "市丙区", "市丙", "district", "900200"),
             ("910000", "己省", "己", "province", "100000"),
             ("910100", "丙州市", "丙州", "city", "910000")]
    r = _toy_resolver(tmp_path, 1, extra)
    assert r.resolve("乙市丙州") == Resolution(None, None,
                                            "地名有歧义: 乙市丙州 可能是 甲省乙市、己省丙州市")
    assert r.resolve("丙市市丙区") == Resolution("900202", "district")
    assert r.resolve("市丙区") == Resolution("900202", "district")
