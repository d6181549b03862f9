"""Registered capital (注册资本) as registries and their resellers write it. Never raises.

企查查 writes ``5000万元人民币``, 天眼查 ``1000万人民币``; others ``1.5亿元``, ``300万美元``,
``500万欧元``, ``1,000万元``, ``100万港元``, ``50万日元``, ``人民币1000万元``, full-width digits
and commas included. Each value becomes an amount in units of one of its currency (``300万美元``
→ 3,000,000 USD) and the currency's ISO code, and — for comparisons — the CNY equivalent in 万元
at the dated rate of ``data/fx_rates.csv``.

- A bare number (``5000``, ``2,000``) is 万元 of CNY: the unit of the 注册资本(万元) column.
- A multiplier (十 百 千 万 亿, combined: 百万, 千万, 万亿) scales the number; a currency word
  without one means units of one (``5000元`` is 5,000 CNY, ``300美元`` 300 USD).
- 元 and 人民币 are CNY; 美元/美金, 欧元, 港元/港币, 日元, 英镑, 澳元, 加元, 新加坡元, 瑞士法郎,
  韩元, 新台币, 澳门元 and the ISO codes (USD …) their currencies. The currency may come first
  (``人民币1000万元``, ``USD 300万``).
- ``-``, ``--``, ``暂无``, ``无``, ``未公开``, ``不公开`` and an empty cell state an absence: no value
  and no reason.
- Anything else is a reason in words: 不是有效数字 (text, a negative amount), 不是有限数值
  (inf, nan), 超出合理范围 (0–10,000,000,000) (万元 CNY-equivalent, above 100 万亿元), 币种无法识别
  (a currency without a rate, e.g. 卢布).
"""

from __future__ import annotations

import csv
import functools
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd

from etl.normalize.number import BAD_FORMAT, NOT_FINITE, range_reason
from etl.normalize.text import as_series, clean, map_unique, take_column

FX_CSV = Path(__file__).resolve().parent.parent.parent / "data" / "fx_rates.csv"
CAPITAL_WAN_MAX = 1e10  # 万元, i.e. 100 万亿元: above China's GDP; the largest is ~1 万亿元
UNKNOWN_CURRENCY = "币种无法识别"

ABSENT = frozenset({"-", "--", "---", "—", "——", "/", "暂无", "无", "未公开", "不公开", "未知",
                    "空", "n/a", "na", "null", "none"})
CURRENCIES = {
    "CNY": ("元", "人民币", "元人民币", "人民币元", "rmb", "cny", "¥"),
    "USD": ("美元", "美金", "usd", "us$", "$"),
    "EUR": ("欧元", "eur", "€"),
    "HKD": ("港元", "港币", "港幣", "hkd", "hk$"),
    "JPY": ("日元", "日圆", "jpy"),
    "GBP": ("英镑", "gbp", "£"),
    "AUD": ("澳元", "澳大利亚元", "aud"),
    "CAD": ("加元", "加拿大元", "cad"),
    "SGD": ("新加坡元", "新币", "sgd"),
    "CHF": ("瑞士法郎", "瑞郎", "chf"),
    "KRW": ("韩元", "krw"),
    "TWD": ("新台币", "台币", "twd"),
    "MOP": ("澳门元", "澳门币", "mop"),
}
_CURRENCY_OF = {word: iso for iso, words in CURRENCIES.items() for word in words}
_MULTIPLIER = {"十": 10, "百": 100, "千": 1_000, "万": 10_000, "亿": 100_000_000}
_RE = re.compile(r"(?P<pre>[^\d+\-.]*)(?P<num>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)"
                 r"(?P<unit>[十百千万亿]*)(?P<cur>.*)", re.ASCII | re.IGNORECASE)
_NON_FINITE = re.compile(r"[+-]?(?:inf(?:inity)?|nan)", re.IGNORECASE)
_DROP = re.compile(r"[\s,()（）\[\]【】]")
# A currency's name (卢布, 卢比, 比索, 里拉, 雷亚尔, 兰特, 泰铢, 越南盾, 克朗 …) or ISO code.
_WORD = re.compile(r"[\u4e00-\u9fff]{0,5}[元币镑郎布比索拉尔特铢盾朗提]|[a-z]{3}")

CapitalResult = tuple[float | None, str | None, str | None]  # amount, ISO currency, reason


@functools.cache
def fx_rates(path: Path = FX_CSV) -> dict[str, float]:
    """CNY per one unit of each currency, from ``data/fx_rates.csv`` (dated; see its source)."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        return {row["currency"].strip(): float(row["rate_to_cny"]) for row in csv.DictReader(f)}


def _currency(word: str) -> str | None:
    return _CURRENCY_OF.get(word) if word else None


def parse_capital(value: Any, rates: dict[str, float] | None = None) -> CapitalResult:
    """One cell → (amount in units of its currency, ISO code, None), (None, None, None) when
    empty or a stated absence, or (None, None, reason)."""
    rates = fx_rates() if rates is None else rates
    text = clean(value)
    if text is None:
        return None, None, None
    t = _DROP.sub("", text.lower())
    if not t or t in ABSENT:
        return None, None, None
    if _NON_FINITE.fullmatch(t.rstrip("万亿元")):
        return None, None, NOT_FINITE
    m = _RE.fullmatch(t)
    if not m:
        return None, None, BAD_FORMAT
    pre, post = m["pre"], m["cur"].removesuffix("整")  # 5000万元整: "exactly"
    before, after = _currency(pre), _currency(post)
    if (pre and not before) or (post and not after):
        # A currency word without a rate (卢布, 万卢布) differs from text that is no amount.
        word = (pre if pre and not before else post).removesuffix("元")
        return None, None, UNKNOWN_CURRENCY if _WORD.fullmatch(word) else BAD_FORMAT
    if before and after and before != after and after != "CNY":
        return None, None, BAD_FORMAT  # 美元100万欧元: which one?
    currency = before or after or "CNY"
    if currency not in rates:
        return None, None, UNKNOWN_CURRENCY
    number = float(m["num"])
    if m["num"].startswith("-"):
        return None, None, BAD_FORMAT
    if m["unit"]:
        number *= math.prod(_MULTIPLIER[c] for c in m["unit"])
    elif not pre and not post:
        number *= 10_000  # a bare number is 万元, the column's own unit
    if not math.isfinite(number) or number * rates[currency] / 10_000 > CAPITAL_WAN_MAX:
        return None, None, range_reason(0, CAPITAL_WAN_MAX)
    return round(number, 2), currency, None  # 1.1万 is 11,000, not 11,000.000000000002


def to_cny_wan(amount: float | None, currency: str | None,
               rates: dict[str, float] | None = None) -> float | None:
    """The CNY equivalent of an amount, in 万元 (None when there is no amount)."""
    if amount is None or currency is None:
        return None
    rates = fx_rates() if rates is None else rates
    return round(amount * rates[currency] / 10_000, 6)


def parse_capital_series(s: Any, rates: dict[str, float] | None = None) -> pd.DataFrame:
    """Vectorised parse_capital over distinct values: amount (Float64, units of the currency),
    currency (ISO), wan (Float64, CNY-equivalent 万元), capital_error."""
    s = as_series(s)
    rates = fx_rates() if rates is None else rates
    results, codes = map_unique(s, lambda v: parse_capital(v, rates))
    wan = [to_cny_wan(a, c, rates) for a, c, _ in results]
    return pd.DataFrame(
        {
            "amount": take_column([a for a, _, _ in results], codes, "Float64"),
            "currency": take_column([c for _, c, _ in results], codes, "object"),
            "wan": take_column(wan, codes, "Float64"),
            "capital_error": take_column([r for _, _, r in results], codes, "object"),
        },
        index=s.index,
    )
