"""maps/resolver.py after its rewrite (issue #13): edge cases found by the second mutation audit
(docs/testing.md, "Mutation testing"). Each test pins a behaviour that a surviving mutant got
wrong, on a made-up country where one rule at a time can be isolated."""

from __future__ import annotations

import pandas as pd
import pytest

from maps.resolver import RegionResolver, Resolution

COLUMNS = ["adcode", "name", "short_name", "level", "parent_adcode"]
TOY = [("100000", "中国", "中国", "country", None),
       ("900000", "甲省", "甲", "province", "100000"),
       ("900100", "乙市", "乙", "city", "900000"),
       ("900200", "丙市", "丙", "city", "900000")]


def _resolver(tmp_path, rows, aliases="", abroad=False):
    path = tmp_path / "aliases.csv"
    path.write_text("alias,adcode,kind,note\n" + aliases, encoding="utf-8")
    return RegionResolver(pd.DataFrame(rows, columns=COLUMNS), path, abroad=abroad)


# -- 国际 is no place (完美国际), but only after a name that ends in 国 ---------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("乙市际", Resolution("900100", "city")),
    ("戊国际", Resolution(None, None, "无法识别地区: 戊国际")),
    ("乙市戊国际", Resolution("900100", "city")),
    ("戊国", Resolution("990100", "city")),              # the name itself is a place
])
def test_only_a_name_ending_in_guo_is_swallowed_by_ji(tmp_path, text, expected):
    rows = [*TOY, ("990000", "己省", "己", "province", "100000"),
            ("990100", "戊国", "戊国", "city", "990000")]
    assert _resolver(tmp_path, rows).resolve(text) == expected


# -- the country's own row is no name, in characters or in letters: its fixed names are -------
@pytest.mark.parametrize(("text", "expected"), [
    ("甲国", Resolution(None, None, "无法识别地区: 甲国")),
    ("Jiaguo", Resolution(None, None, "无法识别地区: Jiaguo")),
    ("中国", Resolution("100000", "country")),
    ("China", Resolution("100000", "country")),
    ("Jiasheng", Resolution("900000", "province")),
])
def test_the_country_rows_own_name_is_no_name_in_any_script(tmp_path, text, expected):
    rows = [("100000", "甲国", "甲国", "country", None), *TOY[1:]]
    assert _resolver(tmp_path, rows).resolve(text) == expected


# -- a region without a name is skipped in letters as it is in characters ----------------------
def test_a_region_without_a_name_is_skipped_when_reading_letters(tmp_path):
    rows = [*TOY, ("900300", None, None, "city", "900000")]
    r = _resolver(tmp_path, rows)
    assert r.resolve("Yishi") == Resolution("900100", "city")
    assert r.resolve("乙市") == Resolution("900100", "city")


# -- a pinyin name of a place in China is not taken over by a country spelled the same: Mali is
#    马里区 here, as 马里 in characters is; a country no Chinese name spells is still found ---
@pytest.mark.parametrize(("text", "expected"), [
    ("Mali", Resolution("900101", "district")),
    ("马里", Resolution("900101", "district")),
    ("Mali Qu", Resolution("900101", "district")),
    ("Laos", Resolution("941800", "abroad")),
])
def test_a_pinyin_name_in_china_beats_a_country_spelled_the_same(tmp_path, text, expected):
    rows = [*TOY, ("900101", "马里区", "马里", "district", "900100")]
    assert _resolver(tmp_path, rows, abroad=True).resolve(text) == expected


# -- a one-letter alias is left out of the name table altogether (not only never matched) -----
def test_a_one_letter_alias_is_not_a_name(tmp_path):
    r = _resolver(tmp_path, TOY, aliases="丁,900200,,\n乙城新区,900100,,\n")
    assert r.aliases == {"乙城新区"}
    assert set(r.names) == {"中华人民共和国", "中国", "丙市", "乙城新区", "乙市", "全国", "甲省"}


# -- a country's name in letters is read as a word, never found inside another word -----------
@pytest.mark.parametrize(("text", "expected"), [
    ("Xmali", Resolution(None, None, "无法识别地区: Xmali")),
    ("xmali", Resolution(None, None, "无法识别地区: xmali")),
    ("mali", Resolution("946600", "abroad")),
])
def test_a_latin_country_name_inside_a_word_names_nothing(tmp_path, text, expected):
    assert _resolver(tmp_path, TOY, abroad=True).resolve(text) == expected


# -- a pinyin suffix after a name is skipped, and only that word: the next name still counts --
@pytest.mark.parametrize(("text", "expected"), [
    ("Yishi Shi Dingqu", Resolution("900101", "district")),
    ("Yishi Shi, Dingqu", Resolution("900101", "district")),
    ("Yishi Shi", Resolution("900100", "city")),
])
def test_the_word_after_a_skipped_suffix_is_read(tmp_path, text, expected):
    rows = [*TOY, ("900101", "丁区", None, "district", "900100")]
    assert _resolver(tmp_path, rows).resolve(text) == expected



# -- a generic word (白云, 新区 …) counts only beside a real name, in letters as in characters --
@pytest.mark.parametrize(("text", "expected"), [
    ("白云", Resolution(None, None, "无法识别地区: 白云")),
    ("Baiyun", Resolution(None, None, "无法识别地区: Baiyun")),
    ("Yishi Baiyun", Resolution("900101", "district")),
    ("Baiyun Qu", Resolution("900101", "district")),     # the full name is no generic word
])
def test_a_generic_word_in_letters_counts_only_beside_a_name(tmp_path, text, expected):
    rows = [*TOY, ("900101", "白云区", "白云", "district", "900100")]
    assert _resolver(tmp_path, rows).resolve(text) == expected


# -- letters straddle two names only when they start inside one and end inside the other: a
#    name ending where an enclosing name ends (寅卯 in 子丑寅卯) or followed right after its end
#    by another name (省乙 before 丙市) is no straddler ----------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("子丑寅卯辰巳午", Resolution("920101", "district")),   # 子丑寅卯 | 寅卯 | 卯辰巳午
    ("子丑寅卯", Resolution("910000", "province")),
    ("甲省乙丙市", Resolution("900201", "district")),       # 甲省 | 省乙 | 丙市
])
def test_a_name_is_no_straddler_unless_it_ends_inside_another(tmp_path, text, expected):
    rows = [*TOY, ("900201", "省乙区", "省乙", "district", "900200"),
            ("910000", "子丑寅卯", "子丑寅卯", "province", "100000"),
            ("920000", "辰省", "辰", "province", "100000"),
            ("920100", "卯辰巳午", "卯辰巳午", "city", "920000"),
            ("920101", "寅卯区", "寅卯", "district", "920100")]
    assert _resolver(tmp_path, rows).resolve(text) == expected


# -- a glued word is split into the fewest names, not the first split found: Abcdefgh is
#    Abcde + Fgh (乙市's 丁区), not Ab + Cd + Efgh (three names of 丙市) ------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("Abcdefgh", Resolution("900101", "district")),
    ("Abcd", Resolution("900200", "city")),
])
def test_a_glued_word_is_split_into_the_fewest_names(tmp_path, text, expected):
    aliases = "".join(f"{a},{c},english,\n" for a, c in [
        ("Ab", "900200"), ("Cd", "900200"), ("Efgh", "900200"), ("Abcde", "900100"),
        ("Fgh", "900101")])
    rows = [*TOY, ("900101", "丁区", None, "district", "900100")]
    assert _resolver(tmp_path, rows, aliases).resolve(text) == expected


# -- 中国 beside a place abroad does not make the text a place in China (only a place in China
#    does: 新加坡国立大学苏州研究院 is in 苏州); the two stay tied ------------------------------
def test_china_itself_beside_a_place_abroad_keeps_the_place_abroad(tmp_path):
    r = _resolver(tmp_path, TOY, abroad=True)
    res = r.resolve("中国美国")
    assert (res.adcode, res.level) == (None, None)
    assert res.reason.startswith("地名有歧义: 中国美国 可能是 美国")
    assert r.resolve("乙市美国") == Resolution("900100", "city")


# -- names in letters are joined over up to 8 words, wherever they start in the text ----------
@pytest.mark.parametrize(("text", "expected"), [
    ("Jia Yi Bing Ding Wu Ji Geng Qu", Resolution("900101", "district")),   # 8 words
    ("No Such Place At Yi Shi", Resolution("900100", "city")),             # from the 5th word
    ("Room One Block Two Jia Yi Bing Ding Wu Ji Geng Qu", Resolution("900101", "district")),
])
def test_words_are_joined_into_a_name_of_up_to_eight_anywhere(tmp_path, text, expected):
    rows = [*TOY, ("900101", "甲乙丙丁戊己庚区", None, "district", "900100")]
    assert _resolver(tmp_path, rows).resolve(text) == expected


# -- between two splits of a glued word into as many names, the first found stands (the one
#    whose last name is longest): Abcdef is Ab + Cdef, not Abcd + Ef -------------------------
def test_a_tie_between_two_splits_keeps_the_first(tmp_path):
    aliases = "".join(f"{a},{c},english,\n" for a, c in [
        ("Ab", "900200"), ("Cdef", "900200"), ("Abcd", "900100"), ("Ef", "900101")])
    rows = [*TOY, ("900101", "丁区", None, "district", "900100")]
    assert _resolver(tmp_path, rows, aliases).resolve("Abcdef") == Resolution("900200", "city")


# -- a name of 40 letters is still a part of a glued word ---------------------------------------
def test_a_name_of_forty_letters_is_a_part_of_a_glued_word(tmp_path):
    long = "Abcdefghij" + "abcdefghij" * 3
    rows = [*TOY, ("900101", "丁区", None, "district", "900100")]
    r = _resolver(tmp_path, rows, f"{long},900100,english,\n")
    assert r.resolve(long + "dingqu") == Resolution("900101", "district")
    assert r.resolve(long) == Resolution("900100", "city")


# -- the names a glued word is split into cover all its letters, and a road word after the
#    glued word makes all of them a street ----------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("Bingshi Yishidingqu", Resolution("900101", "district")),   # 5 + 6 letters beat 7
    ("Yishidingqu Road, Bingshi", Resolution("900200", "city")),  # a street named Yishi Dingqu
    ("Yishidingqu", Resolution("900101", "district")),
])
def test_the_parts_of_a_glued_word_cover_it_and_share_its_road(tmp_path, text, expected):
    rows = [*TOY, ("900101", "丁区", None, "district", "900100")]
    assert _resolver(tmp_path, rows).resolve(text) == expected


# -- each part of a glued word covers exactly its own letters: Yishi + Dingqu cover 11, a tie
#    with Shanghaishi (the shallower city wins) and more than Beijingshi's 10 -------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("Shanghaishi Yishidingqu", Resolution("910100", "city")),
    ("Beijingshi Yishidingqu", Resolution("900101", "district")),
])
def test_the_parts_of_a_glued_word_cover_exactly_its_letters(tmp_path, text, expected):
    rows = [*TOY, ("900101", "丁区", None, "district", "900100"),
            ("910000", "己省", "己", "province", "100000"),
            ("910100", "上海市", "上海", "city", "910000"),
            ("910200", "北京市", "北京", "city", "910000")]
    assert _resolver(tmp_path, rows).resolve(text) == expected


# -- a pinyin suffix right after the last name read is skipped, however many names came before
#    it: Lanling Xian is 兰陵区 written with the wrong suffix, not 兰陵 + a place called 西安 ----
@pytest.mark.parametrize(("text", "expected"), [
    ("Bingshi, Lanling Xian", Resolution("900201", "district")),
    ("Lanling Xian", Resolution("900201", "district")),
    ("Lanling Xi'an", Resolution("900202", "district")),    # written Xi'an it is the name
])
def test_a_suffix_after_the_last_name_is_skipped_after_earlier_names(tmp_path, text, expected):
    rows = [*TOY, ("900201", "兰陵区", "兰陵", "district", "900200"),
            ("900202", "西安镇", "西安", "district", "900201")]
    assert _resolver(tmp_path, rows).resolve(text) == expected


# -- a street name only hides the names inside it, not a place named after it -----------------
@pytest.mark.parametrize(("text", "expected"), [
    ("乙市路丙市", Resolution("900200", "city")),       # 乙市路 is a street in 丙市
    ("乙市路", Resolution(None, None, "无法识别地区: 乙市路")),
])
def test_a_street_hides_only_the_names_inside_it(tmp_path, text, expected):
    assert _resolver(tmp_path, TOY).resolve(text) == expected
