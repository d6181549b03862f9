"""Chain nodes: the taxonomy file, P(node | city) and Qingdao's capped gaps."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from etl.demo.calibration import CITY_NODE_BOOST, NODE_WEIGHT, QD_EMPHASES, QD_GAPS
from etl.demo.geography import Geo
from etl.demo.sampling import normalized

REPO_DATA_DIR = Path(__file__).resolve().parents[2] / "data"
QD_GAP_MAX_LQ = 0.4  # Qingdao's location quotient in its gaps (补链 nodes) stays below this


def load_nodes() -> pd.DataFrame:
    """data/chain_nodes.csv: keywords split ('~' marks a generic one), skill weights, scope words.

    kw: keywords usable as skill tags (no spaces); kw_w: their weights (head of the list and
    specific words first, generic '~' words rarely); kw_zh: specific Chinese keywords for 经营范围.
    """
    df = pd.read_csv(REPO_DATA_DIR / "chain_nodes.csv", dtype=str, keep_default_na=False)
    raw = df["keywords"].map(lambda s: [k.strip() for k in s.split(";") if k.strip()])
    df["kw"] = raw.map(lambda ks: [k.lstrip("~") for k in ks if " " not in k])
    df["kw_w"] = raw.map(lambda ks: np.array(
        [(0.3 if k.startswith("~") else 1.0) / math.sqrt(i + 1)
         for i, k in enumerate(k for k in ks if " " not in k)]))
    df["kw_zh"] = raw.map(lambda ks: [k for k in ks if not k.startswith("~")
                                      and re.search(r"[\u4e00-\u9fff]", k)])
    return df.sort_values("sequence", key=lambda s: s.astype(int), ignore_index=True)


def layer_probs(geo: Geo, nodes: pd.DataFrame, layers: dict[str, float]) -> np.ndarray:
    """P(node | unit): layer shares kept in every city, node weights times city boosts."""
    base = nodes["node_id"].map(NODE_WEIGHT).to_numpy(float)
    layer = nodes["layer"].to_numpy()
    probs = np.tile(base, (len(geo.units), 1))
    for name, boost in CITY_NODE_BOOST.items():
        i = geo.unit_index(name)
        probs[i] *= nodes["node_id"].map(boost).fillna(1.0).to_numpy(float)
    for lay, share in layers.items():
        cols = layer == lay
        probs[:, cols] *= share / probs[:, cols].sum(axis=1, keepdims=True)
    return probs


def sample_nodes(rng: np.random.Generator, units: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Node index per row given its unit (P(node | unit) rows of probs)."""
    out = np.empty(len(units), dtype=int)
    for u in np.unique(units):
        rows = np.flatnonzero(units == u)
        out[rows] = rng.choice(probs.shape[1], len(rows), p=normalized(probs[u]))
    return out


def cap_qingdao_gaps(rng: np.random.Generator, df: pd.DataFrame, geo: Geo, nodes: pd.DataFrame,
                     counted: np.ndarray) -> None:
    """Keep Qingdao's LQ in QD_GAPS below QD_GAP_MAX_LQ (over the ``counted`` rows)."""
    ids = nodes["node_id"].to_numpy()
    node_i = df["node_i"].to_numpy().copy()
    local = counted & (df["unit_i"].to_numpy() == geo.unit_index("青岛市"))
    emphases = np.flatnonzero(np.isin(ids, QD_EMPHASES))
    for gap in np.flatnonzero(np.isin(ids, QD_GAPS)):
        allowed = math.floor(QD_GAP_MAX_LQ * (node_i[counted] == gap).mean() * local.sum())
        rows = np.flatnonzero(local & (node_i == gap))
        if len(rows) > allowed:
            extra = rng.choice(rows, len(rows) - allowed, replace=False)
            node_i[extra] = rng.choice(emphases, len(extra))
    df["node_i"] = node_i
