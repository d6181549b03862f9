"""Places abroad: the countries of the world as regions, for 海外引才 (talent abroad and returns).

Countries come from pycountry (ISO 3166-1) with their Chinese names from its zh_CN catalogue;
``data/abroad_places.csv`` adds the usual short and other names, and the cities, states and
regions abroad that talent most often comes from, each mapped to its country.

Code scheme (fits ``region.adcode``, six digits like an AMap code, none of which starts with 9):
``9`` + the ISO 3166-1 numeric code (three digits) + ``00`` — GB (826) → ``982600``, US (840) →
``984000``; ``900000`` is 海外, abroad with the country unknown. Level ``abroad``. A country's
parent is ``900000`` (so that counts roll up to 海外 and 海外英国 is 英国); 900000 has none.
China itself and its Hong Kong, Macao and Taiwan are not abroad: they are regions of the index.
"""

from __future__ import annotations

import csv
import gettext
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import pandas as pd

from reference.regions import latin_key

ABROAD_ADCODE = "900000"
ABROAD_LEVEL = "abroad"
ABROAD_NAME = "海外"
PLACES_FILE = Path(__file__).resolve().parent.parent / "data" / "abroad_places.csv"
# Part of China: regions of the boundary index, never abroad.
NOT_ABROAD = frozenset({"CN", "HK", "MO", "TW"})
KINDS = ("name", "short", "alias", "place", "abroad")
COLUMNS = ["adcode", "name", "short_name", "level", "parent_adcode", "province_adcode",
           "city_adcode"]


def country_adcode(numeric: str | int) -> str:
    """Region code of a country from its ISO 3166-1 numeric code: 826 → ``982600``."""
    n = int(numeric)
    if not 0 < n < 1000:
        raise ValueError(f"ISO 3166-1 numeric code out of range: {numeric!r}")
    return f"9{n:03d}00"


def read_places(path: Path | None = None) -> list[dict[str, str]]:
    """Rows of the places file (alias, iso, kind, note); ``#`` lines are comments."""
    path = PLACES_FILE if path is None else path
    with open(path, encoding="utf-8") as f:
        lines = [line for line in f if not line.startswith("#")]
    rows = list(csv.DictReader(lines))
    for r in rows:
        if r["kind"] not in KINDS:
            raise ValueError(f"{path.name}: unknown kind {r['kind']!r} for {r['alias']!r}")
    return rows


@lru_cache(maxsize=1)
def _countries() -> tuple[tuple[str, str, str, str, tuple[str, ...]], ...]:
    """(alpha_2, adcode, Chinese name, Chinese short name, other names) for every country."""
    import pycountry

    zh = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"],
                             fallback=True).gettext
    fixes = defaultdict(dict)
    for r in read_places():
        if r["kind"] in ("name", "short"):
            fixes[r["iso"]][r["kind"]] = r["alias"]
    out = []
    for c in pycountry.countries:
        if c.alpha_2 in NOT_ABROAD:
            continue
        english = [n for n in (c.name, getattr(c, "common_name", None),
                               getattr(c, "official_name", None)) if n]
        chinese = {n: zh(n) for n in english if zh(n) != n}   # untranslated: no Chinese name
        # The common name first (韩国, not 大韩民国), then the ISO name.
        name = (fixes[c.alpha_2].get("name") or chinese.get(getattr(c, "common_name", ""))
                or chinese.get(c.name) or c.name)
        short = fixes[c.alpha_2].get("short") or name
        others = tuple(dict.fromkeys([*chinese.values(), *english]))
        out.append((c.alpha_2, country_adcode(c.numeric), name, short, others))
    return tuple(out)


@lru_cache(maxsize=1)
def abroad_regions() -> pd.DataFrame:
    """Region rows for places abroad, with the columns of ``reference.regions.region_index()``.

    One row for 海外 (900000, abroad with no country) and one per country (9 + ISO numeric + 00),
    level ``abroad``; ``name`` is the Chinese name, ``short_name`` the short Chinese name;
    a country's ``parent_adcode`` is 900000; ``province_adcode`` and ``city_adcode`` are empty.
    """
    rows = [(ABROAD_ADCODE, ABROAD_NAME, ABROAD_NAME, ABROAD_LEVEL, None, None, None)]
    rows += [(code, name, short, ABROAD_LEVEL, ABROAD_ADCODE, None, None)
             for _, code, name, short, _ in _countries()]
    return pd.DataFrame.from_records(rows, columns=COLUMNS).sort_values("adcode",
                                                                        ignore_index=True)


@lru_cache(maxsize=1)
def abroad_names() -> dict[str, frozenset[str]]:
    """Every name of a place abroad → its codes (a country's code; 900000 for abroad unknown).

    Chinese names as written; Latin names (English, ``USA``, ``U.K.``) as ``latin_key`` strings,
    so that the resolver matches them regardless of case, spaces and dots. A name of places in
    two countries (剑桥) has both codes.
    """
    by_iso = {}
    names: dict[str, set[str]] = defaultdict(set)
    for iso, code, name, short, others in _countries():
        by_iso[iso] = code
        for n in (name, short, *others):
            names[_key(n)].add(code)
    for r in read_places():
        if r["kind"] == "abroad":
            names[_key(r["alias"])].add(ABROAD_ADCODE)
        elif r["kind"] != "name":
            if r["iso"] not in by_iso:
                raise ValueError(f"{PLACES_FILE.name}: unknown country {r['iso']!r}")
            names[_key(r["alias"])].add(by_iso[r["iso"]])
    names.pop("", None)
    return {n: frozenset(c) for n, c in names.items()}


def is_chinese(name: str) -> bool:
    """Written in Chinese characters (else a Latin name: English, pinyin, ``U.S.A.``)."""
    return any("\u3400" <= ch <= "\u9fff" for ch in name)


def _key(name: str) -> str:
    """Latin names by their letters only (``U.S.A.`` → ``usa``); Chinese names without spaces."""
    return name.replace(" ", "") if is_chinese(name) else latin_key(name)
