"""注册资本 as registries write it (etl/normalize/capital.py): amount in units of one of the
currency, ISO currency, CNY equivalent in 万元 at the dated rates of data/fx_rates.csv."""

from __future__ import annotations

import csv
import datetime as dt
import math

import pytest

from etl.normalize import capital
from etl.normalize.capital import parse_capital, parse_capital_series, to_cny_wan

RANGE = "超出合理范围 (0–10,000,000,000)"


@pytest.mark.parametrize("text, expected", [
    # 企查查 / 天眼查 spellings
    ("5000万元人民币", (50_000_000.0, "CNY", None)),
    ("2亿元人民币", (200_000_000.0, "CNY", None)),
    ("1000万人民币", (10_000_000.0, "CNY", None)),
    ("1.5亿元", (150_000_000.0, "CNY", None)),
    ("300万美元", (3_000_000.0, "USD", None)),
    ("500万欧元", (5_000_000.0, "EUR", None)),
    ("1,000万元", (10_000_000.0, "CNY", None)),
    ("100万港元", (1_000_000.0, "HKD", None)),
    ("100万港币", (1_000_000.0, "HKD", None)),
    ("50万日元", (500_000.0, "JPY", None)),
    ("10万英镑", (100_000.0, "GBP", None)),
    ("20万澳元", (200_000.0, "AUD", None)),
    ("1000.000000万人民币", (10_000_000.0, "CNY", None)),
    ("5000万元整", (50_000_000.0, "CNY", None)),
    ("5000万(元)", (50_000_000.0, "CNY", None)),
    # currency first, ISO codes, symbols
    ("人民币1000万元", (10_000_000.0, "CNY", None)),
    ("USD 300万", (3_000_000.0, "USD", None)),
    ("300万USD", (3_000_000.0, "USD", None)),
    ("RMB 50万", (500_000.0, "CNY", None)),
    ("¥5000万", (50_000_000.0, "CNY", None)),
    # multipliers: 千 万 亿 and their combinations
    ("3千元", (3_000.0, "CNY", None)),
    ("1千万元", (10_000_000.0, "CNY", None)),
    ("2百万美元", (2_000_000.0, "USD", None)),
    ("1.2万亿元", (1_200_000_000_000.0, "CNY", None)),
    ("1.1万元", (11_000.0, "CNY", None)),   # not 11000.000000000002
    # full-width digits, commas and decimals
    ("１，０００万元", (10_000_000.0, "CNY", None)),
    ("５０００万元人民币", (50_000_000.0, "CNY", None)),
    ("３００．５万美元", (3_005_000.0, "USD", None)),
    # a bare number is 万元 of CNY (the 注册资本(万元) column); a currency alone means units of one
    ("5000", (50_000_000.0, "CNY", None)),
    ("2,000", (20_000_000.0, "CNY", None)),
    ("0", (0.0, "CNY", None)),
    ("5000元", (5_000.0, "CNY", None)),
    ("300美元", (300.0, "USD", None)),
    # a stated absence: nothing, and no reason
    ("-", (None, None, None)),
    ("--", (None, None, None)),
    ("暂无", (None, None, None)),
    ("未公开", (None, None, None)),
    ("", (None, None, None)),
    ("   ", (None, None, None)),
    (None, (None, None, None)),
    # garbage: reasons
    ("注册资本待定", (None, None, "不是有效数字")),
    ("很多", (None, None, "不是有效数字")),
    ("-500万", (None, None, "不是有效数字")),
    ("100万卢布", (None, None, "币种无法识别")),
    ("美元100万欧元", (None, None, "不是有效数字")),
    ("inf", (None, None, "不是有限数值")),
    ("nan万元", (None, None, "不是有限数值")),
    ("1e309", (None, None, RANGE)),
    ("9" * 5000, (None, None, RANGE)),
    ("1.1万亿亿元", (None, None, RANGE)),
])
def test_parse_capital(text, expected):
    assert parse_capital(text) == expected


def test_the_cny_equivalent_uses_the_dated_rate_table():
    rates = capital.fx_rates()
    assert rates["CNY"] == 1.0
    assert to_cny_wan(3_000_000.0, "USD") == pytest.approx(3_000_000 * rates["USD"] / 10_000)
    assert to_cny_wan(50_000_000.0, "CNY") == 5000.0
    assert to_cny_wan(None, None) is None
    fake = {"CNY": 1.0, "USD": 7.0}
    assert parse_capital("300万美元", fake) == (3_000_000.0, "USD", None)
    assert parse_capital("500万欧元", fake) == (None, None, "币种无法识别")  # no rate: no currency
    assert to_cny_wan(3_000_000.0, "USD", fake) == 2100.0


def test_the_rate_table_is_dated_and_sourced():
    with open(capital.FX_CSV, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["currency", "rate_to_cny", "as_of", "source"]
    codes = [r["currency"] for r in rows]
    assert len(codes) == len(set(codes))
    assert {"CNY", "USD", "EUR", "HKD", "JPY", "GBP"} <= set(codes)
    assert set(codes) == set(capital.CURRENCIES)  # every currency word has a rate, and back
    for r in rows:
        assert dt.date.fromisoformat(r["as_of"]) == dt.date(2024, 12, 31)
        assert math.isfinite(float(r["rate_to_cny"])) and float(r["rate_to_cny"]) > 0
        assert r["source"].strip()
    rates = capital.fx_rates()
    assert 6 < rates["USD"] < 8 and rates["HKD"] < 1 and rates["JPY"] < 0.1  # sane magnitudes


def test_the_series_parses_each_distinct_value_once_and_keeps_the_index():
    import pandas as pd

    s = pd.Series(["300万美元", None, "注册资本待定", "5000", "300万美元"], index=[10, 11, 12, 13, 14],
                  dtype=object)
    out = parse_capital_series(s)
    assert list(out.index) == [10, 11, 12, 13, 14]
    assert out["amount"].isna().tolist() == [False, True, True, False, False]
    assert out.loc[10, "amount"] == out.loc[14, "amount"] == 3_000_000.0
    assert out.loc[13, "wan"] == 5000.0 and out.loc[13, "currency"] == "CNY"
    assert out.loc[10, "wan"] == pytest.approx(300 * capital.fx_rates()["USD"])
    assert out.loc[12, "capital_error"] == "不是有效数字"
    assert out["capital_error"].isna().tolist() == [True, True, False, True, True]
