"""Deliberately broken rows: where they go (``BAD_ROW_SHARE`` of each file) and what breaks.

Every ``*_DEFECTS`` tuple names the kinds of one file, in the order the manifest lists them; the
``break_*`` functions apply them in place (moves insert copies of good rows instead).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.demo.constants import BAD_ROW_SHARE
from etl.demo.sampling import concat, int_text, quota
from etl.normalize.credit_code import CHARSET

BAD_PLACES = ("火星基地1号", "N/A", "地址不详", "未知")
ENTERPRISE_DEFECTS = ("wrong_check_char", "duplicate_credit_code", "unresolvable_address",
                      "empty_name")
TALENT_DEFECTS = ("negative_experience", "implausible_birth_year", "unresolvable_region",
                  "empty_id", "duplicate_id")
POSTING_DEFECTS = ("garbage_salary", "empty_title", "unparseable_date")
MOVE_DEFECTS = ("unknown_region", "unparseable_date")


def defect_rows(rng: np.random.Generator, n: int, kinds: tuple[str, ...],
                protected: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Row positions to break, BAD_ROW_SHARE of n split evenly across the kinds."""
    total = round(n * BAD_ROW_SHARE)
    eligible = np.setdiff1d(np.arange(n), protected if protected is not None else [])
    eligible = eligible[eligible >= min(50, n // 10)]  # duplicates need an earlier original
    rows = rng.choice(eligible, total, replace=False)
    counts = quota(np.ones(len(kinds)), total)
    edges = np.concatenate([[0], np.cumsum(counts)])
    return {k: np.sort(rows[edges[i]:edges[i + 1]]) for i, k in enumerate(kinds)}


def _earlier_good(rng: np.random.Generator, rows: np.ndarray, good: np.ndarray) -> np.ndarray:
    """For each row a random good row before it (the original of a duplicate)."""
    before = np.searchsorted(good, rows)
    return good[np.floor(rng.random(len(rows)) * before).astype(int)]


def break_enterprises(rng: np.random.Generator, df: pd.DataFrame,
                      defects: dict[str, np.ndarray]) -> None:
    """Apply the enterprise defects in place."""
    codes = df["统一社会信用代码"].to_numpy().copy()
    for r in defects["wrong_check_char"]:
        right = CHARSET.index(codes[r][-1])
        codes[r] = codes[r][:-1] + CHARSET[(right + rng.integers(1, 31)) % 31]
    df["统一社会信用代码"] = codes
    good = np.flatnonzero(df["good"].to_numpy())
    dup = defects["duplicate_credit_code"]
    originals = _earlier_good(rng, dup, good)
    for col in ("统一社会信用代码", "企业名称", "注册地址", "经营范围", "成立日期", "注册资本(万元)",
                "是否上市", "链主企业", "unit_i", "place_i", "node_i"):
        df.loc[dup, col] = df.loc[originals, col].to_numpy()
    bad = defects["unresolvable_address"]
    df.loc[bad, "注册地址"] = np.array(BAD_PLACES, dtype=object)[rng.integers(0, 4, len(bad))]
    df.loc[defects["empty_name"], "企业名称"] = ""


def break_talents(rng: np.random.Generator, df: pd.DataFrame,
                  defects: dict[str, np.ndarray]) -> None:
    """Apply the talent defects in place."""
    neg = defects["negative_experience"]
    df.loc[neg, "工作年限"] = concat("-", int_text(rng.integers(1, 6, len(neg))))
    by = defects["implausible_birth_year"]
    df.loc[by, "出生年份"] = np.where(rng.random(len(by)) < 0.5, 1900, 2015)
    bad = defects["unresolvable_region"]
    df.loc[bad, "所在地"] = np.array(BAD_PLACES, dtype=object)[rng.integers(0, 4, len(bad))]
    df.loc[defects["empty_id"], "人才编号"] = ""
    dup = defects["duplicate_id"]
    good = np.flatnonzero(df["good"].to_numpy())
    df.loc[dup, "人才编号"] = df.loc[_earlier_good(rng, dup, good), "人才编号"].to_numpy()


def break_postings(rng: np.random.Generator, df: pd.DataFrame,
                   defects: dict[str, np.ndarray]) -> None:
    """Apply the posting defects in place."""
    sal = defects["garbage_salary"]
    df.loc[sal, "薪资"] = np.array(["薪资保密啦", "待遇从优", "工资看能力"], dtype=object)[
        rng.integers(0, 3, len(sal))]
    df.loc[defects["empty_title"], "职位名称"] = ""
    bad = defects["unparseable_date"]
    df.loc[bad, "发布日期"] = np.array(["昨天", "3天前", "刚刚"], dtype=object)[
        rng.integers(0, 3, len(bad))]


def insert_bad_moves(rng: np.random.Generator, df: pd.DataFrame,
                     defects: dict[str, np.ndarray]) -> pd.DataFrame:
    """Insert broken rows (copies of random good ones) at the defect positions."""
    n = len(df) + sum(len(v) for v in defects.values())
    slots = np.setdiff1d(np.arange(n), np.concatenate(list(defects.values())))
    out = pd.DataFrame(index=np.arange(n), columns=["人才编号", "原所在地", "现所在地", "流动日期"],
                       dtype=object)
    out.loc[slots] = df[out.columns].to_numpy()
    for kind, rows in defects.items():
        src = df.loc[rng.integers(0, len(df), len(rows)), out.columns].to_numpy().copy()
        if kind == "unknown_region":
            col = rng.integers(1, 3, len(rows))
            src[np.arange(len(rows)), col] = np.array(BAD_PLACES, dtype=object)[
                rng.integers(0, 4, len(rows))]
        else:
            src[:, 3] = np.array(["上个月", "2023-02-30", "去年"], dtype=object)[
                rng.integers(0, 3, len(rows))]
        out.loc[rows] = src
    return out
