"""The 产业链 page's tables as shown (pure pandas): a node by sub-area and by job title, the
local enterprises, the 招引清单 (target regions, enterprises, talent pools) and the talent-flow
counterparts and routes — Chinese headers, counts of people under disclosure control
(``analytics.disclosure``: '<k' / '保密' where withheld). ``unknown`` is the text of a missing
value (the page passes its language's).
"""

from __future__ import annotations

import pandas as pd

from analytics import disclosure

FIRM_COLUMNS = {"name": "企业名称", "district": "所在地区", "employees": "参保人数",
                "registered_capital_wan": "注册资本 (万元)", "founded_on": "成立日期",
                "is_listed": "上市", "is_chain_leader": "链主企业", "region": "所在区县",
                "city": "所在城市", "credit_code": "统一社会信用代码"}
POOL_COLUMNS = {"talent": "人才数", "high_level": "高层次人才 (A–D)", "returnees": "海归",
                "willing_to_relocate": "愿意流动", "expecting_here": "期望来本地"}


def fmt_ratio(v, digits: int = 2, unknown: str = "—") -> str:
    """A quotient (LQ, supply/demand) as text."""
    return unknown if v is None or pd.isna(v) else f"{v:.{digits}f}"


def _people(unknown: str):
    return lambda v: disclosure.fmt_count(v, unknown=unknown)


def area_table(area: pd.DataFrame, k: int | None, unknown: str = "—") -> pd.DataFrame:
    """``flows.node_by_area``: the node's talent by sub-area adds up to the node's count."""
    ctl = disclosure.apply(area, k, disclosure.AREAS)
    return pd.DataFrame({
        "地区": area["name"], "人才": ctl.text("talent", _people(unknown)),
        "企业": area["enterprises"].astype(int), "链主企业": area["leaders"].astype(int),
        "招聘岗位": area["postings"].astype(int)})


def title_table(titles: pd.DataFrame) -> pd.DataFrame:
    """``flows.demand_by_title``: postings and salaries by job title (no people counted)."""
    return pd.DataFrame({
        "职位": titles["title"], "岗位数": titles["postings"].astype(int),
        "平均月薪 (元)": titles["mean_salary"].round(0),
        "月薪中位数 (元)": titles["median_salary"].round(0)})


def local_firms_table(firms: pd.DataFrame) -> pd.DataFrame:
    """``flows.local_enterprises`` with Chinese headers."""
    return firms.rename(columns=FIRM_COLUMNS)


def regions_table(df: pd.DataFrame, k: int | None, unknown: str = "—") -> pd.DataFrame:
    """招引清单 · 目标地区 (``gaps.source_regions``)."""
    ctl = disclosure.apply(df, k, disclosure.SOURCES)
    return pd.DataFrame({
        "地区代码": df["adcode"], "地区": df["name"],
        "该环节人才": ctl.text("talent", _people(unknown)),
        "企业数": df["enterprises"].astype(int), "链主企业": df["leaders"].astype(int),
        "区位商": ctl.text("lq", lambda v: f"{v:.2f}"),
        # the order, explained: 招引分 = 该环节人才 × 区位商权重 (LQ capped at 3; 1 on a small base)
        "区位商权重": ctl.text("lq_weight", lambda v: f"{v:.2f}"),
        "招引分": ctl.text("score", lambda v: f"{v:,.1f}")})


def pools_table(df: pd.DataFrame, k: int | None, unknown: str = "—") -> pd.DataFrame:
    """招引清单 · 人才池 (``gaps.source_talent_pools``)."""
    out = pd.DataFrame({"地区代码": df["adcode"], "地区": df["name"]})
    ctl = disclosure.apply(df, k, disclosure.POOLS)
    for col, label in POOL_COLUMNS.items():
        out[label] = ctl.text(col, _people(unknown))
    return out


def firms_table(df: pd.DataFrame) -> pd.DataFrame:
    """招引清单 · 目标企业 (``gaps.source_enterprises``): 是/否 for the flags."""
    out = df.rename(columns=FIRM_COLUMNS)
    for col in ("上市", "链主企业"):
        out[col] = out[col].map(lambda v: "是" if v is True else ("否" if v is False else ""))
    return out


def counterpart_table(df: pd.DataFrame, k: int | None, unknown: str = "—") -> pd.DataFrame:
    """Region, people and share (``flows.origins`` / ``flows.destinations``); the share of a
    suppressed count is not shown either (with the total on screen it would give the count
    away)."""
    ctl = disclosure.apply(df, k, disclosure.COUNTERPARTS)
    return pd.DataFrame({"地区": df["name"], "人数": ctl.text("moves", _people(unknown)),
                         "占比": ctl.text("share", lambda v: f"{v * 100:.1f}%")})


def routes_table(routes: pd.DataFrame, k: int | None, unknown: str = "—") -> pd.DataFrame:
    """``flows.top_routes`` as a list (the country: moves between provinces)."""
    return pd.DataFrame({"流出地": routes["from_name"], "流入地": routes["to_name"],
                         "人数": routes["moves"].map(
                             lambda v: disclosure.fmt_count(v, k, unknown=unknown))})
