"""Text cleaning shared by all normalizers, plus the parse-distinct-values-once helpers."""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

T = TypeVar("T")

# Traditional -> simplified pairs for characters common in place and company names.
# A full OpenCC conversion is overkill here; these cover what shows up in HR exports.
_T2S_PAIRS = (
    "臺台 灣湾 廣广 東东 華华 區区 縣县 門门 陽阳 蘇苏 雲云 龍龙 島岛 濟济 寧宁 漢汉 貴贵 遼辽 "
    "內内 陝陕 廈厦 機机 電电 國国 學学 術术 業业 發发 開开 數数 據据 資资 產产 車车 計计 網网 "
    "絡络 與与 醫医 療疗 慶庆 陸陆 鐵铁 軌轨 際际 萬万 億亿 質质 務务 場场 長长 興兴 連连 鄭郑 "
    "義义 張张 劉刘 陳陈 楊杨 趙赵 黃黄 吳吴 貿贸 經经 訊讯 號号 樂乐 廠厂 庫库 層层 師师 員员 "
    "職职 齊齐 濱滨 溫温 瀋沈 蘭兰 烏乌 魯鲁 閩闽 贛赣 滬沪 澤泽 豐丰 寶宝 橋桥 莊庄 鎮镇 鄉乡 "
    "視视 聯联 軟软 體体 導导 設设 備备 處处 應应 創创 製制 裝装 實实 驗验 檢检 測测 證证 協协 "
    "會会 團团 總总 環环 衛卫 藥药 財财 險险 銀银 錢钱 價价 進进 關关 級级 歷历 屆届 畢毕 碩硕 "
    "虛虚 擬拟 現现 專专 語语 標标 準准 類类 圖图 書书 話话 構构 築筑 線线 儀仪 為为 維维 護护 營营 銷销 傳传 動动 農农 氣气 運运 輸输 訓训"
)
T2S = {pair[0]: pair[1] for pair in _T2S_PAIRS.split() if pair[0] != pair[1]}
_T2S_TABLE = str.maketrans(T2S)

_WS_RE = re.compile(r"\s+")
# Zero-width marks and C0/C1 controls (NUL included) survive NFKC and break equality checks.
_INVISIBLE_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2060\ufeff]")


def is_missing(value: Any) -> bool:
    """True for None, NaN, pd.NA and NaT; False for everything else (never raises)."""
    if value is None:
        return True
    if isinstance(value, str | bytes | list | tuple | dict | set | np.ndarray):
        return False
    try:
        return bool(pd.isna(value))
    except Exception:  # e.g. Decimal('sNaN') raises InvalidOperation inside pandas
        return False


def to_float(value: Any) -> float | None:
    """Finite float of a number, or None (huge ints overflow, NaN/inf are not values)."""
    try:
        f = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return f if math.isfinite(f) else None


def to_str(value: Any) -> str | None:
    """Best-effort str of any cell value; None when missing (integral floats lose '.0')."""
    if is_missing(value):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, numbers.Real) and not isinstance(value, bool | numbers.Integral):
        # Excel hands numbers over as floats: 8000.0 should read as '8000'.
        f = to_float(value)
        if f is not None and f.is_integer():
            value = int(f)
    try:
        return str(value)
    except Exception:  # broken __str__, or an int past Python's 4300-digit str limit
        return f"<{type(value).__name__}>"


def to_simplified(s: Any) -> str | None:
    """Map common traditional characters to simplified ones."""
    text = to_str(s)
    return None if text is None else text.translate(_T2S_TABLE)


def clean(s: Any) -> str | None:
    """NFKC, drop invisibles, collapse whitespace, simplify; None when nothing is left."""
    text = to_str(s)
    if text is None:
        return None
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE_RE.sub("", text)
    text = _WS_RE.sub(" ", text).strip()
    return text.translate(_T2S_TABLE) or None


def map_unique(values: Iterable[Any], parse: Callable[[Any], T]) -> tuple[list[T], np.ndarray]:
    """Parse each distinct value once; results[codes] lines up with values (missing -> last)."""
    try:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    except Exception:  # unhashable cells (lists, dicts, sNaN): parse row by row instead
        results = [parse(v) for v in values]
        return results, np.arange(len(results))
    results = [parse(v) for v in uniques]
    results.append(parse(None))  # code -1 (missing) picks this last slot via negative indexing
    return results, np.asarray(codes)


def take_column(values: list[Any], codes: np.ndarray, dtype: str = "str") -> Any:
    """Build an array of the per-unique values and spread it over the rows by codes."""
    # Text columns default to pandas' own "str" dtype (missing = NaN), which is what
    # pandas 3 would infer anyway; passing it explicitly keeps all-missing columns consistent.
    if dtype == "object":
        arr = np.empty(len(values), dtype=object)
        arr[:] = values
        return arr[codes]
    return pd.array(values, dtype=dtype).take(codes)


def as_series(values: Any) -> pd.Series:
    """Accept a Series (kept as is, so the index is preserved) or any list-like."""
    return values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)


def _needs_clean_pattern() -> str:
    """A character class of everything clean() would change: characters NFKC maps to something
    else, invisibles, whitespace other than a plain space, and the traditional characters."""
    chars = {c for c in map(chr, range(0x10000))
             if not 0xD800 <= ord(c) <= 0xDFFF and unicodedata.normalize("NFKC", c) != c}
    chars |= set(T2S) | {chr(c) for c in range(0x20) if c != 0x20} | {"\x7f", "\u00a0"}
    chars |= {chr(c) for c in range(0x80, 0xA0)} | {chr(c) for c in range(0x200B, 0x2010)}
    chars |= {"\u2060", "\ufeff", "\u3000", "\u2028", "\u2029", "\u0085"}
    chars |= {chr(c) for c in range(0x2000, 0x200B)}
    # Marks that NFKC composes with the letter before them (a + U+0301 → á), and every other
    # character _WS_RE treats as whitespace (U+1680 …): alone each looks unchanged.
    chars |= {c for c in map(chr, range(0x10000)) if not 0xD800 <= ord(c) <= 0xDFFF
              and (unicodedata.category(c).startswith("M") or (c.isspace() and c != " "))}
    ordered = sorted(ord(c) for c in chars)
    ranges, start = [], ordered[0]
    prev = start
    for c in ordered[1:]:
        if c != prev + 1:
            ranges.append((start, prev))
            start = c
        prev = c
    ranges.append((start, prev))
    body = "".join(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}"
                   for a, b in ranges)
    # RE2 syntax (pyarrow's regex engine): astral characters go the slow way too.
    return rf"[{body}\x{{10000}}-\x{{10FFFF}}]|^ | $|  "


_NEEDS_CLEAN = _needs_clean_pattern()


def arrow_strings(values: pd.Series):
    """The column as an Arrow string array, taken as it is when pandas already keeps it in
    Arrow (the ``str`` dtype of a CSV read): no detour through a million Python objects.
    None for any other dtype (object columns go through ``pa.array``)."""
    import pyarrow as pa

    dtype = values.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return None
    arr = pa.array(values.array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa.string()) if arr.type != pa.string() else arr


def clean_series(values: pd.Series) -> pd.Series:
    """clean() over a column, fast: text that clean() would leave unchanged is kept as is (a
    vectorised regex finds it), only the rest goes through clean() — one call per distinct
    value. A column of few distinct values (a place, a degree, a flag) is cleaned through its
    Arrow dictionary: each distinct value becomes one Python string, shared by its rows.
    Returns an object Series with None for missing."""
    import pyarrow as pa

    arr = arrow_strings(values)
    if arr is None:
        try:
            arr = pa.array(values.astype(object).to_numpy(), type=pa.string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # numbers, bytes …: the careful way
            return values.map(clean).astype(object).where(lambda x: x.notna(), None)
    return pd.Series(_clean_arrow(arr), index=values.index, dtype=object)


# Below this share of distinct values (estimated on a sample) a column goes the dictionary way.
_FEW_DISTINCT = 0.3
_SAMPLE = 2000


def _few_distinct(arr) -> bool:
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(arr) < 4 * _SAMPLE:
        return False
    sample = arr.take(pa.array(np.linspace(0, len(arr) - 1, _SAMPLE).astype(np.int64)))
    return len(pc.unique(sample)) <= _FEW_DISTINCT * _SAMPLE


def _clean_arrow(arr) -> np.ndarray:
    """clean() over an Arrow string array: an object array, None where missing or empty."""
    import pyarrow.compute as pc

    if _few_distinct(arr):
        encoded = pc.dictionary_encode(arr)
        codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        return take_column([*_clean_arrow(encoded.dictionary), None], codes, "object")  # -1: None
    dirty = pc.fill_null(pc.match_substring_regex(arr, _NEEDS_CLEAN), False).to_numpy(
        zero_copy_only=False)
    out = np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object)
    if dirty.any():
        sub = out[dirty]
        table = {v: clean(v) for v in pd.unique(sub)}
        out[dirty] = [table[v] for v in sub]
    out[out == ""] = None
    return out
