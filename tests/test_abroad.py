"""Places abroad (reference/abroad.py) and how the resolver reads them (海外引才)."""

from __future__ import annotations

import pandas as pd
import pycountry
import pytest

from maps.resolver import RegionResolver, Resolution, default_resolver
from reference.abroad import (
    ABROAD_ADCODE,
    KINDS,
    NOT_ABROAD,
    PLACES_FILE,
    abroad_names,
    abroad_regions,
    country_adcode,
    read_places,
)
from reference.regions import region_index


def test_the_code_scheme():
    assert country_adcode(826) == "982600"
    assert country_adcode("004") == "900400"
    assert country_adcode(894) == "989400"
    for bad in (0, 1000, -5):
        with pytest.raises(ValueError):
            country_adcode(bad)


def test_abroad_regions_fit_the_region_table():
    df = abroad_regions()
    assert list(df.columns) == list(region_index().columns)
    assert df["adcode"].is_unique and df["adcode"].str.fullmatch(r"9\d{3}00").all()
    assert not set(df["adcode"]) & set(region_index()["adcode"])
    assert (df["level"] == "abroad").all()
    top = df[df["adcode"] == ABROAD_ADCODE].iloc[0]
    assert (top["name"], top["short_name"]) == ("海外", "海外")
    assert pd.isna(top["parent_adcode"])
    assert (df.loc[df["adcode"] != ABROAD_ADCODE, "parent_adcode"] == ABROAD_ADCODE).all()
    assert df[["province_adcode", "city_adcode"]].isna().all().all()
    assert 240 < len(df) < 260


@pytest.mark.parametrize(("code", "name", "short"), [
    ("982600", "英国", "英国"), ("984000", "美国", "美国"), ("941000", "韩国", "韩国"),
    ("939200", "日本", "日本"), ("970200", "新加坡", "新加坡"), ("968200", "沙特阿拉伯", "沙特"),
    ("911600", "柬埔寨", "柬埔寨"),    # pycountry's zh_CN has 柬埔塞: fixed by the places file
    ("932000", "危地马拉", "危地马拉"),
])
def test_country_names(code, name, short):
    row = abroad_regions().set_index("adcode").loc[code]
    assert (row["name"], row["short_name"]) == (name, short)


def test_china_is_not_abroad():
    names = abroad_names()
    codes = set(abroad_regions()["adcode"])
    for iso_numeric in ("156", "344", "446", "158"):        # CN, HK, MO, TW
        assert f"9{iso_numeric}00" not in codes
    for n in ("中国", "香港", "澳门", "台湾", "china", "hongkong", "taiwan"):
        assert n not in names
    assert NOT_ABROAD == {"CN", "HK", "MO", "TW"}


def test_the_places_file():
    with open(PLACES_FILE, encoding="utf-8") as f:
        head = f.read(400)
    assert head.startswith("#") and "pycountry" in head     # says where the list comes from
    rows = read_places()
    assert {r["kind"] for r in rows} == set(KINDS)
    assert len([r for r in rows if r["kind"] == "place"]) > 100
    codes = set(abroad_regions()["adcode"])
    for r in rows:
        if r["kind"] == "abroad":
            assert r["iso"] == "", r
        else:
            assert country_adcode(pycountry.countries.get(alpha_2=r["iso"]).numeric) in codes, r
    assert len({(r["alias"], r["iso"]) for r in rows}) == len(rows)


def test_a_bad_kind_or_country_is_refused(tmp_path, monkeypatch):
    import reference.abroad as abroad

    bad = tmp_path / "places.csv"
    bad.write_text("# x\nalias,iso,kind,note\n月球,XX,place,\n", encoding="utf-8")
    monkeypatch.setattr(abroad, "PLACES_FILE", bad)
    abroad.abroad_names.cache_clear()
    abroad._countries.cache_clear()
    try:
        with pytest.raises(ValueError, match="unknown country 'XX'"):
            abroad.abroad_names()
        bad.write_text("alias,iso,kind,note\n月球,US,moon,\n", encoding="utf-8")
        with pytest.raises(ValueError, match="unknown kind 'moon'"):
            abroad.read_places(bad)
    finally:
        abroad.abroad_names.cache_clear()
        abroad._countries.cache_clear()


@pytest.mark.parametrize(("name", "codes"), [
    ("英国", {"982600"}), ("大不列颠及北爱尔兰联合王国", {"982600"}), ("unitedkingdom", {"982600"}),
    ("usa", {"984000"}), ("加州", {"984000"}), ("剑桥", {"982600", "984000"}),
    ("海外", {ABROAD_ADCODE}), ("overseas", {ABROAD_ADCODE}), ("southkorea", {"941000"}),
    ("cotedivoire", {"938400"}),                              # accents and apostrophes dropped
])
def test_abroad_names(name, codes):
    assert abroad_names()[name] == codes


@pytest.mark.parametrize(("text", "expected"), [
    ("英国", Resolution("982600", "abroad")),
    ("英国爱丁堡大学", Resolution("982600", "abroad")),
    ("海外", Resolution(ABROAD_ADCODE, "abroad")),
    ("海外英国", Resolution("982600", "abroad")),            # the country under 海外
    ("U.S.A.", Resolution("984000", "abroad")),
    ("New York, NY", Resolution("984000", "abroad")),
    ("剑桥", Resolution(None, None, "地名有歧义: 剑桥 可能是 英国、美国")),
    ("Cambridge", Resolution(None, None, "地名有歧义: Cambridge 可能是 英国、美国")),
    ("英国剑桥", Resolution("982600", "abroad")),
    ("旧金山", Resolution("984000", "abroad")),              # not 金山区 of 上海
    ("上海金山", Resolution("310116", "district")),
    ("黑山", Resolution("210726", "district")),              # 黑山县 before Montenegro
    ("Montenegro", Resolution("949900", "abroad")),
    ("德州", Resolution("371400", "city")),                  # 德州市, not Texas
    ("内蒙古", Resolution("150000", "province")),            # not 蒙古 (Mongolia)
    ("太原万柏林", Resolution("140109", "district")),        # not 柏林 (Berlin)
    ("新加坡国立大学苏州研究院", Resolution("320500", "city")),  # a place in China wins
    ("美国 青岛", Resolution("370200", "city")),
    ("982600", Resolution("982600", "abroad")),              # a code typed as text
])
def test_the_resolver_abroad(text, expected):
    assert default_resolver().resolve(text) == expected


def test_a_resolution_says_it_is_abroad():
    r = default_resolver()
    assert r.resolve("美国加州").abroad and r.resolve("海外").abroad
    assert not r.resolve("香港").abroad and not r.resolve("台湾").abroad
    assert not r.resolve("青岛").abroad and not r.resolve("xyz").abroad
    assert r.full_name("982600") == "英国" and r.full_name(ABROAD_ADCODE) == "海外"
    assert r.path("982600") == ["982600", ABROAD_ADCODE]


def test_abroad_is_only_added_over_the_boundary_index(tmp_path):
    # A made-up region table gets no countries unless asked (its codes may start with 9 too).
    rows = pd.DataFrame([("100000", "中国", "中国", "country", None),
                         ("900000", "甲省", "甲", "province", "100000")],
                        columns=["adcode", "name", "short_name", "level", "parent_adcode"])
    aliases = tmp_path / "a.csv"
    aliases.write_text("alias,adcode\n", encoding="utf-8")
    assert RegionResolver(rows, aliases).resolve("英国").adcode is None
    assert RegionResolver(rows.iloc[:1], aliases, abroad=True).resolve("英国").adcode == "982600"
    with open(PLACES_FILE, encoding="utf-8") as f:   # comments skipped, every row read
        assert sum(1 for line in f if not line.startswith("#")) == len(read_places()) + 1
