"""Two bugs in maps/resolver.py found by the second mutation audit (docs/testing.md), fixed, and
these tests guard them (they failed before the fix)."""

from __future__ import annotations

import pytest

from maps.resolver import Resolution, default_resolver


# -- FIXED (MAX_LATIN_WORDS = 16): a name written syllable by syllable is
#    joined over at most 8 words (resolver.py, `j - i < 8` in _latin_tokens), so a county of
#    nine syllables or more is read from its first syllables as another place: 靖州苗族侗族
#    自治县 as 荆州市, 大通回族土族自治县 as 大同市. Joined into fewer words they resolve. ------
@pytest.mark.parametrize(("text", "expected"), [
    ("Jing Zhou Miao Zu Dong Zu Zi Zhi Xian", Resolution("431229", "district")),
    ("Da Tong Hui Zu Tu Zu Zi Zhi Xian", Resolution("630121", "district")),
    ("Jingzhou Miaozu Dongzu Zizhixian", Resolution("431229", "district")),
    # the longest name in the index: 15 syllables
    ("Shuang Jiang La Hu Zu Wa Zu Bu Lang Zu Dai Zu Zi Zhi Xian", Resolution("530925", "district")),
])
def test_a_name_of_more_than_eight_syllables_written_apart_is_read(text, expected):
    assert default_resolver().resolve(text) == expected


# -- FIXED (the country is named by its name): an ambiguity between 中国 itself and a place abroad lists the
#    country as an empty option ('地名有歧义: 中国美国 可能是 美国、'): resolver.py _choose joins
#    full_name(c) for the tied codes, and full_name('100000') is '' (it leaves the country out
#    of every full name) ------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["中国美国", "中国驻美国大使馆"])
def test_an_ambiguity_never_lists_an_empty_option(text):
    reason = default_resolver().resolve(text).reason
    options = reason.split(" 可能是 ", 1)[1].split("、")
    assert "" not in options, reason
    assert "美国" in options, reason
