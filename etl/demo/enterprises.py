"""Enterprise records: city, chain node and district, size, Qingdao's anchors, then the text."""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.demo.calibration import ANCHORS, FIRM_LAYERS
from etl.demo.constants import SNAPSHOT
from etl.demo.credit_codes import credit_codes
from etl.demo.defects import ENTERPRISE_DEFECTS, break_enterprises, defect_rows
from etl.demo.geography import (
    ADDR_STYLE_W,
    ADDR_STYLES,
    Geo,
    render_places,
    sample_places,
    sample_units,
)
from etl.demo.nodes import cap_qingdao_gaps, layer_probs, sample_nodes
from etl.demo.sampling import (
    choose_weighted,
    concat,
    int_text,
    iso_dates,
    normalized,
    one_decimal,
    top_k,
    ymd,
)
from etl.demo.vocabulary import (
    BRAND,
    BUILDINGS,
    FIRM_SUFFIX,
    FIRM_WORDS,
    NODE_FIRM_WORDS,
    SCOPE_GENERIC,
    SCOPE_PATTERNS,
    STREETS,
)


def make_enterprises(rng: np.random.Generator, n: int, geo: Geo, nodes: pd.DataFrame
                     ) -> pd.DataFrame:
    """Enterprise records: latent columns (unit_i, place_i, node_i, good …) and file columns."""
    units = sample_units(rng, geo, n, "firm")
    node_i = sample_nodes(rng, units, layer_probs(geo, nodes, FIRM_LAYERS))
    place = sample_places(rng, geo, units, nodes["node_id"].to_numpy()[node_i], "firm")
    df = pd.DataFrame({"unit_i": units, "node_i": node_i, "place_i": place})
    cap_qingdao_gaps(rng, df, geo, nodes, np.ones(n, dtype=bool))
    _firm_size(rng, df)
    anchors = _place_anchors(rng, df, geo, nodes)
    _choose_leaders(rng, df, anchors)
    defects = defect_rows(rng, n, ENTERPRISE_DEFECTS, anchors)
    df["good"] = True
    for rows in defects.values():
        df.loc[rows, "good"] = False
    _firm_text(rng, df, geo, nodes)
    break_enterprises(rng, df, defects)
    df.attrs["defects"] = defects
    return df


def _firm_size(rng: np.random.Generator, df: pd.DataFrame) -> None:
    """Employees, registered capital, founding date and listing (2%, biased to large)."""
    n = len(df)
    emp = np.clip(np.exp(rng.normal(np.log(25), 1.3, n)), 1, 60_000).round().astype(int)
    cap = emp * np.exp(rng.normal(np.log(15), 0.9, n))
    nice = np.array([50, 100, 200, 300, 500, 800, 1000, 2000, 3000, 5000, 10000, 20000, 50000])
    snapped = nice[np.abs(np.log(cap)[:, None] - np.log(nice)[None, :]).argmin(axis=1)]
    df["employees"] = emp
    df["capital"] = np.where(rng.random(n) < 0.6, snapped, np.round(cap, 1))
    age = np.clip(rng.lognormal(np.log(6) + 0.12 * np.log(emp / 25), 0.6), 0.05, 29.9)
    df["founded"] = np.datetime64(SNAPSHOT) - (age * 365.25).astype("timedelta64[D]")
    df["listed"] = False
    df.loc[choose_weighted(rng, emp.astype(float) ** 1.2, max(1, round(n * 0.02))),
           "listed"] = True


def _place_anchors(rng: np.random.Generator, df: pd.DataFrame, geo: Geo,
                   nodes: pd.DataFrame) -> np.ndarray:
    """Overwrite donor rows (from the biggest unit) with Qingdao's anchor firms."""
    biggest = np.bincount(df["unit_i"]).argmax()
    rows = np.sort(rng.choice(np.flatnonzero(df["unit_i"].to_numpy() == biggest), len(ANCHORS),
                              replace=False))
    place_pos = {p: i for i, p in enumerate(geo.places["place"])}
    node_pos = {nid: i for i, nid in enumerate(nodes["node_id"])}
    qd = geo.unit_index("青岛市")
    df["leader"] = False
    for row, (place, node, leader, listed) in zip(rows, ANCHORS, strict=True):
        size = rng.integers(2_000, 20_000) if leader else rng.integers(80, 600)
        df.loc[row, ["unit_i", "place_i", "node_i", "employees"]] = [
            qd, place_pos[place], node_pos[node], size]
        df.loc[row, ["listed", "leader"]] = [listed, leader]
        df.loc[row, "capital"] = float(size * rng.integers(20, 60))
    return rows


def _choose_leaders(rng: np.random.Generator, df: pd.DataFrame, anchors: np.ndarray) -> None:
    """About 1% chain leaders, biased to large listed firms (anchors already included)."""
    want = max(round(len(df) * 0.01) - int(df["leader"].sum()), 0)
    w = df["employees"].to_numpy(float) * np.where(df["listed"], 10.0, 1.0)
    w[anchors] = 0.0
    w[df["leader"].to_numpy()] = 0.0
    df.loc[choose_weighted(rng, w, want), "leader"] = True


def _firm_text(rng: np.random.Generator, df: pd.DataFrame, geo: Geo, nodes: pd.DataFrame) -> None:
    """The file's columns: code, name, address, scope, dates, capital, flags."""
    n = len(df)
    adcodes = geo.places["place"].to_numpy()[df["place_i"]]
    df["统一社会信用代码"] = credit_codes(rng, adcodes)
    df["企业名称"] = _firm_names(rng, df, geo, nodes)
    df["注册地址"] = _addresses(rng, geo, df["place_i"].to_numpy())
    df["经营范围"] = _scopes(rng, df["node_i"].to_numpy(), nodes)
    df["成立日期"] = _mixed_dates(rng, df["founded"].to_numpy().astype("datetime64[D]"))
    df["注册资本(万元)"] = np.where(rng.random(n) < 0.03, "", one_decimal(df["capital"].to_numpy()))
    df["参保人数"] = np.where(rng.random(n) < 0.05, "", int_text(df["employees"]))
    df["是否上市"] = np.where(df["listed"], "是", "否")
    df["链主企业"] = np.where(df["leader"], "是", "否")
    df["数据日期"] = SNAPSHOT


def _firm_names(rng: np.random.Generator, df: pd.DataFrame, geo: Geo,
                nodes: pd.DataFrame) -> np.ndarray:
    """'青岛海澜智能科技有限公司', '海澜智能（青岛）科技有限公司' … unique within the file."""
    n = len(df)
    layer = nodes["layer"].to_numpy()[df["node_i"]]
    node_id = nodes["node_id"].to_numpy()[df["node_i"]]
    words = np.empty(n, dtype=object)
    for lay, options in FIRM_WORDS.items():
        rows = np.flatnonzero(layer == lay)
        words[rows] = np.array(options, dtype=object)[rng.integers(0, len(options), len(rows))]
    own = rng.random(n) < 0.5
    for node, options in NODE_FIRM_WORDS.items():
        rows = np.flatnonzero(own & (node_id == node))
        words[rows] = np.array(options, dtype=object)[rng.integers(0, len(options), len(rows))]
    suffix = np.where(df["listed"], "科技股份有限公司",
                      np.array(FIRM_SUFFIX, dtype=object)[rng.integers(0, 5, n)])
    city = geo.units["short"].to_numpy(dtype=object)[df["unit_i"]]
    style = rng.choice(3, n, p=[0.75, 0.15, 0.10])
    brand = _brands(rng, n)
    while True:
        names = np.choose(style, [concat(city, brand, words, suffix),
                                  concat(brand, words, "（", city, "）", suffix),
                                  concat(brand, words, suffix)])
        dup = pd.Series(names).duplicated().to_numpy()
        if not dup.any():
            return names
        brand[dup] = _brands(rng, int(dup.sum()))


def _brands(rng: np.random.Generator, n: int) -> np.ndarray:
    """Invented two-character brands."""
    chars = np.array(list(BRAND), dtype=object)
    return concat(chars[rng.integers(0, len(chars), n)], chars[rng.integers(0, len(chars), n)])


def _addresses(rng: np.random.Generator, geo: Geo, places: np.ndarray) -> np.ndarray:
    """Registered address: place text in varied styles + street, number, building."""
    n = len(places)
    head = render_places(geo, places, ADDR_STYLES,
                         rng.choice(4, n, p=normalized(ADDR_STYLE_W)), rng.integers(0, 3, n))
    street = np.array(STREETS, dtype=object)[rng.integers(0, len(STREETS), n)]
    number = int_text(rng.integers(1, 400, n))
    extra_kind = rng.choice(3, n, p=[0.5, 0.3, 0.2])
    building = np.array(BUILDINGS, dtype=object)[rng.integers(0, len(BUILDINGS), n)]
    room = int_text(rng.integers(1, 30, n) * 100 + rng.integers(1, 20, n))
    extra = np.where(extra_kind == 1,
                     concat(int_text(rng.integers(1, 12, n)), "号楼", room, "室"),
                     np.where(extra_kind == 2, concat(building, room, "室"), ""))
    return concat(head, street, number, "号", extra)


def _scopes(rng: np.random.Generator, node_i: np.ndarray, nodes: pd.DataFrame) -> np.ndarray:
    """经营范围: generic technical services plus 1-3 of the node's (Chinese) keywords."""
    n = len(node_i)
    kw = np.full((n, 3), "", dtype=object)
    for ni in np.unique(node_i):
        rows = np.flatnonzero(node_i == ni)
        words = np.array(nodes.at[ni, "kw_zh"] or nodes.at[ni, "kw"], dtype=object)
        kw[rows] = words[top_k(rng, len(rows), np.ones(len(words)), 3)]
    n_kw = rng.integers(1, 4, n)
    pattern = rng.integers(0, len(SCOPE_PATTERNS), (n, 3))
    generic = np.sort(top_k(rng, n, np.ones(len(SCOPE_GENERIC)), 5), axis=1)
    n_gen = rng.integers(3, 6, n)
    prefix = rng.random(n) < 0.7
    suffix = rng.random(n) < 0.5
    out = np.empty(n, dtype=object)
    for i in range(n):
        node_part = "；".join(SCOPE_PATTERNS[pattern[i, j]].format(kw=kw[i, j])
                             for j in range(n_kw[i]))
        gen = "、".join(SCOPE_GENERIC[j] for j in np.sort(generic[i, :n_gen[i]]))
        out[i] = (("一般项目：" if prefix[i] else "") + f"{gen}；{node_part}"
                  + ("。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）" if suffix[i] else ""))
    return out


def _mixed_dates(rng: np.random.Generator, d: np.ndarray) -> np.ndarray:
    """'2015-03-02', '2015/3/2' or '2015年3月2日'."""
    y, m, day = (int_text(a) for a in ymd(d))
    style = rng.choice(3, len(d), p=[0.5, 0.3, 0.2])
    return np.where(style == 0, iso_dates(d),
                    np.where(style == 1, concat(y, "/", m, "/", day),
                             concat(y, "年", m, "月", day, "日")))
