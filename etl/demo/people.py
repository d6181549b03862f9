"""Talent records (résumé pool): place, node, identity, education, work, mobility.

Also the job titles and skill tags postings share with talents.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from etl.demo.calibration import (
    CITIES,
    COUNTRIES,
    EDU_MIX,
    GRAD_AGE,
    RESEARCH_NODES,
    RETURNEE_P,
    TALENT_LAYERS,
    TIER_P,
    YEAR_GROWTH,
)
from etl.demo.constants import YEARS
from etl.demo.defects import TALENT_DEFECTS, break_talents, defect_rows
from etl.demo.geography import (
    LOC_STYLE_W,
    LOC_STYLES,
    Geo,
    render_places,
    sample_places,
    sample_units,
    unit_text,
    unit_weights,
)
from etl.demo.nodes import cap_qingdao_gaps, layer_probs, sample_nodes
from etl.demo.sampling import (
    concat,
    int_text,
    iso_dates,
    join_first,
    normalized,
    pick_rows,
    random_dates,
    top_k,
    ymd,
)
from etl.demo.vocabulary import (
    COLLEGES,
    EDU_VARIANT_W,
    EDU_VARIANTS,
    FOREIGN_UNIS,
    GENERIC_SKILL_W,
    GENERIC_SKILLS,
    GIVEN,
    MAJORS,
    NODE_MAJORS,
    SURNAMES,
    TITLES,
    UNIVERSITIES,
)

EDUCATION = ("博士", "硕士", "本科", "大专", "其他")  # the order of EDU_MIX's shares
LAOSHAN = "370212"
LAOSHAN_VR_MIN_LQ = 3.0  # built-in floor; the product needs ≥ 2 (固链 stronghold)


def make_talents(rng: np.random.Generator, n: int, geo: Geo, nodes: pd.DataFrame,
                 firms: pd.DataFrame) -> pd.DataFrame:
    """Talent records: latent columns (unit_i, place_i, node_i, good …) and file columns."""
    units = sample_units(rng, geo, n, "talent")
    node_i = sample_nodes(rng, units, layer_probs(geo, nodes, TALENT_LAYERS))
    node_ids = nodes["node_id"].to_numpy()
    place = sample_places(rng, geo, units, node_ids[node_i], "talent")
    style = rng.choice(len(LOC_STYLES), n, p=normalized(LOC_STYLE_W))
    df = pd.DataFrame({"unit_i": units, "node_i": node_i, "place_i": place, "style": style,
                       "prov": geo.units["prov"].to_numpy()[units]})
    defects = defect_rows(rng, n, TALENT_DEFECTS)
    df["good"] = True
    for rows in defects.values():
        df.loc[rows, "good"] = False
    cap_qingdao_gaps(rng, df, geo, nodes, df["good"].to_numpy())
    _ensure_laoshan_vr(rng, df, geo, nodes)
    df["所在地"] = render_places(geo, df["place_i"].to_numpy(), LOC_STYLES, style,
                               rng.integers(0, 3, n))
    _talent_person(rng, df, nodes)
    _talent_work(rng, df, geo, nodes, firms)
    break_talents(rng, df, defects)
    df.attrs["defects"] = defects
    return df


def _ensure_laoshan_vr(rng: np.random.Generator, df: pd.DataFrame, geo: Geo,
                       nodes: pd.DataFrame) -> None:
    """Make VR (T14) a Laoshan stronghold: its talent LQ there ≥ LAOSHAN_VR_MIN_LQ."""
    vr = int(np.flatnonzero(nodes["node_id"].to_numpy() == "T14")[0])
    laoshan = int(np.flatnonzero(geo.places["place"].to_numpy() == LAOSHAN)[0])
    in_district = df["style"].to_numpy() < 4  # styles that name the district
    good = df["good"].to_numpy()
    local = np.flatnonzero(good & in_district & (df["place_i"].to_numpy() == laoshan))
    node_i = df["node_i"].to_numpy().copy()
    national = (node_i[good] == vr).mean()
    need = max(2, math.ceil(LAOSHAN_VR_MIN_LQ * national * len(local)))
    have = int((node_i[local] == vr).sum())
    if have < need and len(local):
        others = local[node_i[local] != vr]
        node_i[rng.choice(others, min(need - have, len(others)), replace=False)] = vr
    df["node_i"] = node_i


def _talent_person(rng: np.random.Generator, df: pd.DataFrame, nodes: pd.DataFrame) -> None:
    """Identity and background: id, name, contact, education, school, experience, tier."""
    n = len(df)
    node_ids = nodes["node_id"].to_numpy()[df["node_i"]]
    df["人才编号"] = concat("R", int_text(10_000_000 + np.cumsum(rng.integers(1, 20, n))))
    sur = rng.choice(len(SURNAMES), n, p=normalized([s[2] for s in SURNAMES]))
    given = np.array(list(GIVEN), dtype=object)
    two = rng.random(n) < 0.7
    first = given[rng.integers(0, len(given), n)]
    second = np.where(two, given[rng.integers(0, len(given), n)], "")
    df["姓名"] = concat(np.array([s[0] for s in SURNAMES], dtype=object)[sur], first, second)
    nine = (pd.Series(int_text(rng.integers(0, 10**9, n) + 10**9)).str.slice(1)
            .to_numpy(dtype=object))
    df["手机"] = concat("1", int_text(rng.integers(3, 10, n)), nine)
    df["邮箱"] = _emails(rng, sur)
    edu = _education(rng, node_ids)
    df["edu"] = edu
    df["最高学历"] = _edu_text(rng, edu)
    df["years"] = _experience(rng, edu)
    df["工作年限"] = _years_text(rng, df["years"].to_numpy())
    observed = random_dates(rng, n, [YEAR_GROWTH**i for i in range(len(YEARS))])
    df["observed"] = observed
    obs_year = ymd(observed)[0]
    age = np.array([GRAD_AGE[e] for e in edu]) + df["years"].to_numpy() + rng.integers(0, 3, n)
    df["出生年份"] = obs_year - age
    df["人才层次"] = _tiers(rng, edu)
    returnee = rng.random(n) < np.array([RETURNEE_P[e] for e in edu])
    country = np.array(list(COUNTRIES), dtype=object)[
        rng.choice(len(COUNTRIES), n, p=normalized(list(COUNTRIES.values())))]
    df["是否海归"] = np.where(returnee, "是", "否")
    df["留学国家"] = np.where(returnee, country, "")
    df["毕业院校"] = _universities(rng, df, edu, returnee, country)
    df["专业"] = _majors(rng, node_ids)


def _emails(rng: np.random.Generator, sur: np.ndarray) -> np.ndarray:
    """QQ-number mail, pinyin-ish mail, or empty (10%)."""
    n = len(sur)
    pinyin = np.array([s[1] for s in SURNAMES], dtype=object)[sur]
    letters = np.array(list("abcdefghjklmnpqrstwxyz"), dtype=object)
    tag = concat(letters[rng.integers(0, 22, n)], letters[rng.integers(0, 22, n)])
    domain = np.array(["@163.com", "@126.com", "@gmail.com", "@outlook.com", "@foxmail.com",
                       "@sina.com"], dtype=object)[rng.integers(0, 6, n)]
    kind = rng.choice(3, n, p=[0.4, 0.5, 0.1])
    qq = concat(int_text(rng.integers(10**5, 10**10, n)), "@qq.com")
    named = concat(pinyin, tag, int_text(rng.integers(1, 1000, n)), domain)
    return np.where(kind == 0, qq, np.where(kind == 1, named, ""))


def node_profile(node_ids: np.ndarray) -> np.ndarray:
    """'research' (RESEARCH_NODES), 'labour' (data labelling, F08) or 'normal' per row."""
    return np.where(np.isin(node_ids, list(RESEARCH_NODES)), "research",
                    np.where(node_ids == "F08", "labour", "normal"))


def _education(rng: np.random.Generator, node_ids: np.ndarray) -> np.ndarray:
    """Highest education level per row by node profile (EDU_MIX)."""
    out = np.empty(len(node_ids), dtype=object)
    profile = node_profile(node_ids)
    for name, mix in EDU_MIX.items():
        rows = np.flatnonzero(profile == name)
        out[rows] = np.array(EDUCATION, dtype=object)[rng.choice(5, len(rows), p=normalized(mix))]
    return out


def _edu_text(rng: np.random.Generator, edu: np.ndarray) -> np.ndarray:
    """Education as written: '硕士研究生', '统招本科' … (variants the ETL must fold)."""
    out = np.empty(len(edu), dtype=object)
    for level, variants in EDU_VARIANTS.items():
        rows = np.flatnonzero(edu == level)
        out[rows] = np.array(variants, dtype=object)[
            rng.choice(len(variants), len(rows), p=normalized(EDU_VARIANT_W[level]))]
    return out


def _experience(rng: np.random.Generator, edu: np.ndarray) -> np.ndarray:
    """Whole years of experience: 8% fresh graduates, else a right-skewed spread (≤ 35)."""
    n = len(edu)
    years = np.clip(np.round(rng.gamma(2.0, 3.2, n)), 1, 35).astype(int)
    years = np.where(edu == "博士", np.maximum(years - 2, 0), years)
    return np.where(rng.random(n) < 0.08, 0, years)


def _years_text(rng: np.random.Generator, years: np.ndarray) -> np.ndarray:
    """'5年', '5', '10年以上', '应届'."""
    n = len(years)
    style = rng.random(n)
    text = np.where(style < 0.65, concat(int_text(years), "年"), int_text(years))
    text = np.where((years >= 10) & (style > 0.8), "10年以上", text)
    fresh = np.array(["应届", "应届生", "无经验"], dtype=object)[rng.choice(3, n, p=[0.6, 0.3, 0.1])]
    return np.where(years == 0, fresh, text)


def _tiers(rng: np.random.Generator, edu: np.ndarray) -> np.ndarray:
    """人才层次 A-E or '' by education (TIER_P)."""
    u = rng.random(len(edu))
    out = np.full(len(edu), "", dtype=object)
    for level, probs in TIER_P.items():
        rows = np.flatnonzero(edu == level)
        edges = np.cumsum(probs)
        pick = np.searchsorted(edges, u[rows], side="right")
        out[rows] = np.array(list("ABCDE") + [""], dtype=object)[pick]
    return out


def _universities(rng: np.random.Generator, df: pd.DataFrame, edu: np.ndarray,
                  returnee: np.ndarray, country: np.ndarray) -> np.ndarray:
    """Domestic (local ones boosted), vocational for 大专, foreign for half the returnees."""
    n = len(df)
    names = np.array([u[0] for u in UNIVERSITIES], dtype=object)
    uni_prov = np.array([u[1] for u in UNIVERSITIES])
    base = np.array([u[2] for u in UNIVERSITIES], float)
    out = names[rng.choice(len(names), n, p=normalized(base))]
    local_first = rng.random(n) < 0.3
    for p in np.unique(uni_prov):
        cand = np.flatnonzero(uni_prov == p)
        rows = np.flatnonzero(local_first & (df["prov"].to_numpy() == p))
        out[rows] = names[cand[rng.choice(len(cand), len(rows), p=normalized(base[cand]))]]
    college = np.array(COLLEGES, dtype=object)[rng.integers(0, len(COLLEGES), n)]
    out = np.where(np.isin(edu, ["大专", "其他"]), college, out)
    abroad = returnee & (rng.random(n) < 0.5) & np.isin(edu, ["博士", "硕士"])
    for c, unis in FOREIGN_UNIS.items():
        rows = np.flatnonzero(abroad & (country == c))
        out[rows] = np.array(unis, dtype=object)[rng.integers(0, len(unis), len(rows))]
    return np.where(edu == "其他", "", out)


def _majors(rng: np.random.Generator, node_ids: np.ndarray) -> np.ndarray:
    """Node-specific major half the time (when the node has one), else a CS-like major."""
    n = len(node_ids)
    out = np.array(MAJORS, dtype=object)[rng.integers(0, len(MAJORS), n)]
    own = rng.random(n) < 0.5
    for node, majors in NODE_MAJORS.items():
        rows = np.flatnonzero(own & (node_ids == node))
        out[rows] = np.array(majors, dtype=object)[rng.integers(0, len(majors), len(rows))]
    return out


def skill_matrix(rng: np.random.Generator, node_i: np.ndarray, nodes: pd.DataFrame,
                 k_node: np.ndarray, k_gen: np.ndarray) -> np.ndarray:
    """Object matrix: the node's keywords first (weighted to the list's head), then generic."""
    n = len(node_i)
    width = int(k_node.max() + k_gen.max())
    cols = np.full((n, width), "", dtype=object)
    for ni in np.unique(node_i):
        rows = np.flatnonzero(node_i == ni)
        kws = np.array(nodes.at[ni, "kw"], dtype=object)
        k = min(int(k_node.max()), len(kws))
        cols[rows, :k] = kws[top_k(rng, len(rows), nodes.at[ni, "kw_w"], k)]
    gen = np.array(GENERIC_SKILLS, dtype=object)[top_k(rng, n, GENERIC_SKILL_W, int(k_gen.max()))]
    for j in range(int(k_gen.max())):
        at = k_node + j
        take = j < k_gen
        cols[np.flatnonzero(take), at[take]] = gen[take, j]
    return cols


def _talent_work(rng: np.random.Generator, df: pd.DataFrame, geo: Geo, nodes: pd.DataFrame,
                 firms: pd.DataFrame) -> None:
    """Skills, title, employer (same city, same node when possible), mobility, snapshot date."""
    n = len(df)
    node_i = df["node_i"].to_numpy()
    k_node = rng.integers(2, 5, n)
    k_gen = np.minimum(rng.integers(0, 3, n), 6 - k_node)
    k_gen = np.maximum(k_gen, 3 - k_node)
    cols = skill_matrix(rng, node_i, nodes, k_node, k_gen)
    sep = np.array(["、", ",", "/"], dtype=object)[rng.choice(3, n, p=[0.5, 0.3, 0.2])]
    df["技能标签"] = join_first(cols, k_node + k_gen, sep)
    df["职位"] = job_titles(rng, nodes["node_id"].to_numpy()[node_i], df["years"].to_numpy())
    emp = _employers(rng, df, firms, len(nodes))
    has = emp >= 0
    fnames = firms["企业名称"].to_numpy()
    fcodes = firms["统一社会信用代码"].to_numpy()
    df["现任单位"] = np.where(has, fnames[np.maximum(emp, 0)], "")
    show_code = has & (rng.random(n) < 0.85)
    df["单位信用代码"] = np.where(show_code, fcodes[np.maximum(emp, 0)], "")
    _mobility(rng, df, geo)
    df["数据日期"] = iso_dates(df["observed"].to_numpy())


def job_titles(rng: np.random.Generator, node_ids: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Node title with a seniority prefix by experience."""
    n = len(node_ids)
    out = np.empty(n, dtype=object)
    for node, titles in TITLES.items():
        rows = np.flatnonzero(node_ids == node)
        out[rows] = np.array(titles, dtype=object)[rng.integers(0, len(titles), len(rows))]
    u = rng.random(n)
    prefix = np.where(years >= 10, np.where(u < 0.3, "资深", np.where(u < 0.4, "首席", "高级")),
                      np.where((years >= 4) & (u < 0.45), "高级", ""))
    return concat(prefix, out)


def _employers(rng: np.random.Generator, df: pd.DataFrame, firms: pd.DataFrame,
               n_nodes: int) -> np.ndarray:
    """Row of the employing firm (good firms only), -1 for none: same unit and node 70%."""
    good = np.flatnonzero(firms["good"].to_numpy())
    f_unit = firms["unit_i"].to_numpy()[good]
    f_key = f_unit * n_nodes + firms["node_i"].to_numpy()[good]
    t_key = df["unit_i"].to_numpy() * n_nodes + df["node_i"].to_numpy()
    same_node = pick_rows(rng, f_key, t_key)
    same_unit = pick_rows(rng, f_unit, df["unit_i"].to_numpy())
    u = rng.random(len(df))
    pick = np.where((u < 0.7) & (same_node >= 0), same_node, same_unit)
    pick = np.where(u > 0.85, -1, pick)
    return np.where(pick >= 0, good[np.maximum(pick, 0)], -1)


def _mobility(rng: np.random.Generator, df: pd.DataFrame, geo: Geo) -> None:
    """是否愿意流动 (35% yes) and 期望城市: own city, 青岛 for some, or a big city."""
    n = len(df)
    willing = rng.random(n) < 0.35
    units = df["unit_i"].to_numpy()
    big = unit_weights(geo, "talent", home=False)  # where people want to go: not oversampled
    big[~geo.units["name"].isin(CITIES).to_numpy()] = 0
    target = rng.choice(len(big), n, p=normalized(big))
    u = rng.random(n)
    qd = geo.unit_index("青岛市")
    target = np.where(u < 0.10, qd, np.where(u < 0.40, units, target))
    styles = rng.choice(2, n, p=[0.4, 0.6])
    text = unit_text(geo, target, styles)
    own = unit_text(geo, units, np.ones(n, dtype=int))
    df["是否愿意流动"] = np.where(willing, "是", "否")
    df["期望城市"] = np.where(willing, text, np.where(rng.random(n) < 0.6, own, ""))
