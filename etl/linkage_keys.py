"""The keys talent records are compared on in record linkage (etl/linkage.py): names as Han
characters (simplified) and as pinyin (surname first, whatever order a Latin name is written in),
and schools, majors and employers as one spelling (no spaces, simplified, lower case)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa

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


def factorize(col) -> tuple[np.ndarray, list]:
    """(codes, distinct values) of a column: a pandas Series, or an Arrow array as DuckDB
    returns it (dictionary-encoded in Arrow, not turned into a million Python objects first);
    code -1 where the value is missing, the values as Python objects in order of appearance."""
    if isinstance(col, (pa.Array, pa.ChunkedArray)):
        arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
        if pa.types.is_dictionary(arr.type):
            arr = arr.cast(arr.type.value_type)
        enc = arr.dictionary_encode()
        codes = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.intp)
        return codes, enc.dictionary.to_pylist()
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    return codes, list(uniques)


def per_value(col, fn) -> np.ndarray:
    """``fn`` of each distinct value of the column (computed once), spread over the rows as
    an object array; None where the column is missing."""
    codes, uniques = factorize(col)
    return spread(codes, [fn(v) for v in uniques])


def spread(codes: np.ndarray, values: list) -> np.ndarray:
    table = np.empty(len(values) + 1, dtype=object)
    table[:len(values)] = values
    return table[np.asarray(codes)]  # code -1 (missing) takes the last slot: None


def _pinyin_table(texts: list[str]) -> dict[int, str]:
    """For ``str.translate``: each character of ``texts`` as a name's pinyin key writes it —
    a Han character as its pinyin, another letter lower case, anything else dropped."""
    table = {}
    for c in set("".join(texts)):
        if _HAN.match(c):
            table[ord(c)] = _char_pinyin(c)
        else:
            table[ord(c)] = c.lower() if c.isalpha() else ""
    return table


def name_keys(names: pd.Series) -> pd.DataFrame:
    """Per name: ``name_zh`` (Han names, simplified, no spaces) and ``name_py`` (pinyin letters,
    surname first), each None when there is nothing to key on. Computed once per distinct name
    (OpenCC once for all of them, the pinyin once per distinct character)."""
    zh, py = name_key_arrays(names)
    return pd.DataFrame({"name_zh": zh, "name_py": py}, index=names.index, dtype=object)


def name_key_arrays(names) -> tuple[np.ndarray, np.ndarray]:
    """``name_keys`` of a Series or an Arrow array, as two object arrays (name_zh, name_py)."""
    codes, uniq = factorize(names)
    zh: list = [None] * len(uniq)
    py: list = [None] * len(uniq)
    han = [i for i, v in enumerate(uniq) if isinstance(v, str) and _HAN.search(v)]
    simplified = _converter().convert("\n".join(
        _SPACE_DOT.sub("", uniq[i]) for i in han)).split("\n") if han else []
    table = _pinyin_table(simplified)
    for i, s in zip(han, simplified, strict=True):
        zh[i] = s or None
        py[i] = s.translate(table) or None
    surnames = _surname_keys()
    done = set(han)
    for i, v in enumerate(uniq):
        if i in done or not isinstance(v, str):
            continue
        tokens = latin_tokens(v)
        if len(tokens) >= 2 and tokens[-1] in surnames and tokens[0] not in surnames:
            tokens = [tokens[-1], *tokens[:-1]]
        py[i] = "".join(tokens) or None
    return spread(codes, zh), spread(codes, py)


_SPACES = re.compile(r"\s+")


def text_key(col: pd.Series) -> pd.Series:
    """Schools, majors, employers: no spaces, simplified, lower case (None where missing)."""
    return pd.Series(text_key_array(col), index=col.index, dtype=object)


def text_key_array(col) -> np.ndarray:
    """``text_key`` of a Series or an Arrow array, as an object array."""
    codes, uniq = factorize(col)
    out: list = [None] * len(uniq)
    strs = [i for i, v in enumerate(uniq) if isinstance(v, str)]
    if strs:
        conv = _converter().convert("\n".join(_SPACES.sub("", uniq[i]) for i in strs)).split("\n")
        for i, c in zip(strs, conv, strict=True):
            out[i] = c.lower() or None
    return spread(codes, out)


def int64s(col) -> pd.api.extensions.ExtensionArray:
    """An Arrow integer column as pandas' nullable Int64 (no Python int per row on the way)."""
    return col.cast(pa.int64()).to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get).array


def objects(col) -> np.ndarray:
    """An Arrow column as an object array of Python values, None where missing."""
    return col.to_numpy(zero_copy_only=False).astype(object)


_PHONE_AS_STORED = r"^[0-9]{5,}$"  # digits only: _norm_phone's quick path
_PHONE_COUNTRY = r"^(?:0086|86)(1[0-9]{10})$"  # +86 / 0086 before a mobile number


def phone_key_arrays(col) -> tuple[np.ndarray, np.ndarray]:
    """(phone, its last four characters) per row of an Arrow column, as object arrays:
    ``_norm_phone`` of each value. The values stored as digits (nearly all: the load normalised
    them) are keyed in Arrow at once, with no Python object per distinct phone on the way; the
    others one by one, once per distinct value."""
    import pyarrow.compute as pc

    from etl.transform_talent import _norm_phone

    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    arr = arr.cast(pa.string())
    quick = pc.fill_null(pc.match_substring_regex(arr, _PHONE_AS_STORED), False)
    stripped = pc.if_else(quick, pc.replace_substring_regex(arr, _PHONE_COUNTRY, r"\1"), None)
    phone = np.asarray(stripped.to_numpy(zero_copy_only=False), dtype=object)
    tail = np.asarray(pc.utf8_slice_codeunits(stripped, -4).to_numpy(zero_copy_only=False),
                      dtype=object)
    slow = np.flatnonzero(pc.and_(pc.invert(quick), arr.is_valid()).to_numpy(
        zero_copy_only=False))
    if len(slow):
        values = arr.take(pa.array(slow)).to_pylist()
        keyed = {v: _norm_phone(v) for v in set(values)}
        phone[slow] = [keyed[v] for v in values]
        tail[slow] = [None if keyed[v] is None else keyed[v][-4:] for v in values]
    return phone, tail
