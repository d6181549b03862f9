"""Job postings: per-node counts from the supply/demand targets, city, firm, salary, dates."""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.demo.calibration import (
    AI_SALARY,
    BOOM_NODES,
    BOOM_YEAR_W,
    CITIES,
    CITY_NODE_BOOST,
    EDU_REQ,
    EDU_REQ_W,
    EXP_REQ,
    EXP_REQ_MIN,
    EXP_REQ_W,
    EXP_SALARY,
    NODE_SALARY,
    POSTING_YEAR_W,
    SUPPLY_DEMAND,
    TAIL_SALARY,
    TALENT_LAYERS,
    YEAR_GROWTH,
)
from etl.demo.constants import YEARS
from etl.demo.defects import POSTING_DEFECTS, break_postings, defect_rows
from etl.demo.geography import (
    POST_STYLE_W,
    POST_STYLES,
    Geo,
    render_places,
    sample_places,
    unit_weights,
)
from etl.demo.nodes import layer_probs
from etl.demo.people import job_titles, node_profile, skill_matrix
from etl.demo.sampling import (
    concat,
    int_text,
    iso_dates,
    join_first,
    normalized,
    one_decimal,
    pick_rows,
    quota,
    random_dates,
    ymd,
)


def _latest_share(weights) -> float:
    """The latest year's share of records drawn with these year weights."""
    return float(weights[-1]) / float(sum(weights))


def posting_counts(talents: pd.DataFrame, n: int, nodes: pd.DataFrame) -> np.ndarray:
    """Postings per node so that the dashboard's supply/demand in the latest year — talent
    active (observed) in the year ÷ postings published in it — follows SUPPLY_DEMAND (C1/C3/C4).
    Postings of the boom nodes crowd into the last years (BOOM_YEAR_W), talent snapshots grow by
    YEAR_GROWTH a year: each node's count is set for its own latest-year share."""
    good = talents["good"].to_numpy()
    supply = np.bincount(talents["node_i"].to_numpy()[good], minlength=len(nodes)).astype(float)
    ratio = nodes["node_id"].map(SUPPLY_DEMAND).to_numpy(float)
    talent_share = _latest_share([YEAR_GROWTH**i for i in range(len(YEARS))])
    posting_share = np.where(nodes["node_id"].isin(BOOM_NODES).to_numpy(),
                             _latest_share(BOOM_YEAR_W), _latest_share(POSTING_YEAR_W))
    return quota(np.maximum(supply, 1.0) * talent_share / posting_share / ratio, n)


def make_postings(rng: np.random.Generator, n: int, geo: Geo, nodes: pd.DataFrame,
                  firms: pd.DataFrame, talents: pd.DataFrame) -> pd.DataFrame:
    """Job postings: node counts from the supply/demand targets, city given the node."""
    node_ids = nodes["node_id"].to_numpy()
    counts = posting_counts(talents, n, nodes)
    node_i = np.repeat(np.arange(len(nodes)), counts)
    node_i = node_i[rng.permutation(n)]
    units = _posting_units(rng, geo, nodes, node_i)
    place = sample_places(rng, geo, units, node_ids[node_i], "posting")
    df = pd.DataFrame({"unit_i": units, "node_i": node_i, "place_i": place})
    defects = defect_rows(rng, n, POSTING_DEFECTS)
    _posting_fields(rng, df, geo, nodes, firms)
    break_postings(rng, df, defects)
    df.attrs["defects"] = defects
    return df


def _posting_units(rng: np.random.Generator, geo: Geo, nodes: pd.DataFrame,
                   node_i: np.ndarray) -> np.ndarray:
    """Unit per posting: P(unit | node) ∝ posting weight × the city's node specialism."""
    probs = layer_probs(geo, nodes, TALENT_LAYERS)
    plain = np.flatnonzero(~geo.units["name"].isin(CITY_NODE_BOOST).to_numpy())[0]
    rel = probs / probs[plain][None, :]  # the city's specialism relative to the national mix
    joint = unit_weights(geo, "posting")[:, None] * rel
    out = np.empty(len(node_i), dtype=int)
    for ni in np.unique(node_i):
        rows = np.flatnonzero(node_i == ni)
        out[rows] = rng.choice(len(geo.units), len(rows), p=normalized(joint[:, ni]))
    return out


def _posting_fields(rng: np.random.Generator, df: pd.DataFrame, geo: Geo, nodes: pd.DataFrame,
                    firms: pd.DataFrame) -> None:
    """All file columns of the postings."""
    n = len(df)
    node_ids = nodes["node_id"].to_numpy()[df["node_i"]]
    df["职位编号"] = concat("JD", int_text(3_000_000_000 + np.cumsum(rng.integers(1, 50, n))))
    exp = rng.choice(len(EXP_REQ), n, p=normalized(EXP_REQ_W))
    exp = np.where((node_ids == "F08") & (rng.random(n) < 0.5), 0, exp)
    df["职位名称"] = job_titles(rng, node_ids, np.where(EXP_REQ_MIN[exp] >= 5, 4, 0))
    firm = _posting_firms(rng, df, firms, len(nodes))
    df["公司名称"] = firms["企业名称"].to_numpy()[firm]
    codes = firms["统一社会信用代码"].to_numpy()[firm]
    df["统一社会信用代码"] = np.where(rng.random(n) < 0.7, codes, None)
    style = rng.choice(len(POST_STYLES), n, p=normalized(POST_STYLE_W))
    df["工作地点"] = render_places(geo, df["place_i"].to_numpy(), POST_STYLES, style)
    posted = _posting_dates(rng, node_ids)
    df["薪资"] = _salaries(rng, geo, df, node_ids, exp, ymd(posted)[0])
    profile = node_profile(node_ids)
    edu = np.empty(n, dtype=object)
    for name, w in EDU_REQ_W.items():
        rows = np.flatnonzero(profile == name)
        edu[rows] = np.array(EDU_REQ, dtype=object)[
            rng.choice(len(EDU_REQ), len(rows), p=normalized(w))]
    df["学历要求"] = edu
    df["经验要求"] = np.array(EXP_REQ, dtype=object)[exp]
    k_node = rng.integers(2, 6, n)
    k_gen = np.minimum(rng.integers(0, 3, n), 6 - k_node)
    k_gen = np.maximum(k_gen, 3 - k_node)
    df["技能标签"] = join_first(skill_matrix(rng, df["node_i"].to_numpy(), nodes, k_node, k_gen),
                            k_node + k_gen, ",")
    df["发布日期"] = iso_dates(posted)


def _posting_firms(rng: np.random.Generator, df: pd.DataFrame, firms: pd.DataFrame,
                   n_nodes: int) -> np.ndarray:
    """Hiring firm: same unit and node (75%), same unit, same node anywhere, any firm."""
    good = np.flatnonzero(firms["good"].to_numpy())
    f_unit = firms["unit_i"].to_numpy()[good]
    f_node = firms["node_i"].to_numpy()[good]
    units, node_i = df["unit_i"].to_numpy(), df["node_i"].to_numpy()
    same = pick_rows(rng, f_unit * n_nodes + f_node, units * n_nodes + node_i)
    unit_only = pick_rows(rng, f_unit, units)
    node_only = pick_rows(rng, f_node, node_i)
    anyone = rng.integers(0, len(good), len(df))
    pick = np.where(rng.random(len(df)) < 0.75, same, -1)
    for fallback in (unit_only, node_only, anyone):
        pick = np.where(pick >= 0, pick, fallback)
    return good[pick]


def _posting_dates(rng: np.random.Generator, node_ids: np.ndarray) -> np.ndarray:
    """发布日期 2021-2024, growing; model nodes boom from 2023."""
    out = np.empty(len(node_ids), dtype="datetime64[D]")
    boom = np.isin(node_ids, list(BOOM_NODES))
    for mask, w in ((boom, BOOM_YEAR_W), (~boom, POSTING_YEAR_W)):
        rows = np.flatnonzero(mask)
        out[rows] = random_dates(rng, len(rows), w)
    return out


def _salaries(rng: np.random.Generator, geo: Geo, df: pd.DataFrame, node_ids: np.ndarray,
              exp: np.ndarray, year: np.ndarray) -> np.ndarray:
    """Salary strings in job-board styles around a calibrated monthly midpoint (D1/D3/D4)."""
    n = len(df)
    city = geo.units["name"].map(lambda c: CITIES[c][3] if c in CITIES else TAIL_SALARY)
    mid = (AI_SALARY * city.to_numpy()[df["unit_i"].to_numpy()]
           * pd.Series(node_ids).map(NODE_SALARY).to_numpy() * EXP_SALARY[exp]
           * (1 + 0.03 * (year - 2023)) * rng.lognormal(0, 0.18, n))
    lo = mid * rng.uniform(0.7, 0.85, n)
    hi = mid * rng.uniform(1.15, 1.4, n)
    return _salary_text(rng, lo, hi, low_paid=(mid < 9000) | (exp == 1))


def _salary_text(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray,
                 low_paid: np.ndarray) -> np.ndarray:
    """'15-25K·14薪', '1.5-3万/月', '20-40万/年', '8000-12000元/月', '200-300元/天', '面议'."""
    n = len(lo)
    style = rng.choice(5, n, p=[0.42, 0.15, 0.1, 0.28, 0.05])
    style = np.where(low_paid & (rng.random(n) < 0.3), 5, style)
    months = rng.choice([12, 13, 14, 15, 16], n, p=[0.6, 0.1, 0.18, 0.07, 0.05])
    lk = np.maximum(np.round(lo / 1000), 1).astype(int)
    hk = np.maximum(np.round(hi / 1000), lk + 1).astype(int)
    k = concat(int_text(lk), "-", int_text(hk), "K",
               np.where(months > 12, concat("·", int_text(months), "薪"), ""))
    lw, hw = np.round(lo / 1000) / 10, np.round(hi / 1000) / 10
    hw = np.where(hw <= lw, lw + 0.5, hw)
    wan = concat(one_decimal(lw), "-", one_decimal(hw), "万/月")
    ly = np.maximum(np.round(lo * 12 / 10000), 1).astype(int)
    year = concat(int_text(ly), "-", int_text(np.maximum(np.round(hi * 12 / 10000), ly + 1)), "万/年")
    l5, h5 = np.round(lo / 500) * 500, np.round(hi / 500) * 500
    yuan = concat(int_text(np.maximum(l5, 500)), "-", int_text(np.maximum(h5, l5 + 500)), "元/月")
    ld = np.round(lo / 21.75 / 10) * 10
    hd = np.maximum(np.round(hi / 21.75 / 10) * 10, ld + 20)
    day = concat(int_text(np.maximum(ld, 50)), "-", int_text(hd), "元/天")
    choices = [k, wan, year, yuan, np.full(n, "面议", dtype=object), day]
    return np.choose(style, choices)
