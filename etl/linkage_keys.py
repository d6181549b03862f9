"""The keys talent records are compared on in record linkage (etl/linkage.py): names as Han
characters (simplified) and as pinyin (surname first, whatever order a Latin name is written in),
and schools, majors and employers as one spelling (no spaces, simplified, lower case)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pandas as pd

# -- names --------------------------------------------------------------------------------------
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_NOT_LATIN = re.compile(r"[^a-z]+")
_SPACE_DOT = re.compile(r"[\s•・．·.]+")
# Common surnames (their pinyin): a Latin name written given-name first (San Zhang) is turned
# round when its last word is one of these and its first is not.
_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
             "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶"
             "黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def _char_pinyin(c: str) -> str:
    from pypinyin import Style, lazy_pinyin

    # ü as u: passports and résumés write 吕 as LV, LU or LÜ alike
    return "".join(lazy_pinyin(c, style=Style.NORMAL, errors="ignore")).replace("v", "u")


@lru_cache(maxsize=1)
def _surname_keys() -> frozenset[str]:
    return frozenset(_char_pinyin(c) for c in _SURNAMES)


def latin_tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return [t for t in _NOT_LATIN.split(text) if t]


def name_keys(names: pd.Series) -> pd.DataFrame:
    """Per name: ``name_zh`` (Han names, simplified, no spaces) and ``name_py`` (pinyin letters,
    surname first), each None when there is nothing to key on. Computed once per distinct name."""
    uniq = [v for v in pd.unique(names.dropna()) if isinstance(v, str)]
    han = [v for v in uniq if _HAN.search(v)]
    simplified = dict(zip(han, _converter().convert("\n".join(
        _SPACE_DOT.sub("", v) for v in han)).split("\n"), strict=True)) if han else {}
    zh, py = {}, {}
    for v in uniq:
        if v in simplified:
            s = simplified[v]
            zh[v] = s or None
            py[v] = "".join(_char_pinyin(c) if _HAN.match(c) else c.lower() for c in s
                            if _HAN.match(c) or c.isalpha()) or None
        else:
            tokens = latin_tokens(v)
            surnames = _surname_keys()
            if len(tokens) >= 2 and tokens[-1] in surnames and tokens[0] not in surnames:
                tokens = [tokens[-1], *tokens[:-1]]
            py[v] = "".join(tokens) or None
    return pd.DataFrame({"name_zh": names.map(zh), "name_py": names.map(py)},
                        index=names.index).astype(object).where(lambda d: d.notna(), None)


def text_key(col: pd.Series) -> pd.Series:
    """Schools, majors, employers: no spaces, simplified, lower case."""
    table = {}
    uniq = [v for v in pd.unique(col.dropna()) if isinstance(v, str)]
    if uniq:
        conv = _converter().convert("\n".join(re.sub(r"\s+", "", v) for v in uniq)).split("\n")
        table = {v: (c.lower() or None) for v, c in zip(uniq, conv, strict=True)}
    return col.map(table).astype(object).where(col.notna(), None)
