"""The published figures the demo is tuned to, read once from the data files in ``data/``.

- ``cities.csv``: each named city's share of firms (B2), talent (A9) and postings (A5, A10) and
  its salary factor (D3).
- ``nodes.csv``: each chain node's weight inside its layer, supply/demand target (C1, C4) and
  salary factor (D1, D4).
- ``calibration.json``: the other tables — long tail, layer shares (A18), city specialisms,
  Qingdao's districts, gaps, emphases and anchor firms (E5, E11, E14), net inflow (F4), salary
  base, year growth, education and tier mixes.
- ``census.json``: 2020 census population of provinces, peer cities and Qingdao's districts.

Row ids (B2, E5 …) are those of /work/shared/reference/calibration.tsv; every table in the JSON
files carries a ``note`` saying what it follows (see docs/demo-data.md). The constants below keep
the names the generator has always used; their values are exactly those of the files.
"""

from __future__ import annotations

import csv
import io
import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

DATA_DIR = Path(__file__).resolve().parent / "data"


@cache
def read_json(name: str) -> dict[str, Any]:
    """Tables of a JSON data file: {table: its "data"} (each table's "note" stays in the file)."""
    tables = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
    return {key: table["data"] for key, table in tables.items()}


@cache
def read_csv(name: str) -> tuple[dict[str, str], ...]:
    """Rows of a CSV data file; lines starting with '#' are comments."""
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines(keepends=True) if not line.startswith("#")]
    return tuple(csv.DictReader(io.StringIO("".join(lines))))


def as_tuples(table: dict[str, list]) -> dict[str, tuple]:
    """{key: list} → {key: tuple}."""
    return {key: tuple(values) for key, values in table.items()}


_CAL = read_json("calibration.json")
_CENSUS = read_json("census.json")

# -- geography ----------------------------------------------------------------------------------
# name: (firm %, talent %, posting %, salary factor vs the 38-city average)
CITIES: dict[str, tuple[float, float, float, float]] = {
    r["city"]: (float(r["firm_pct"]), float(r["talent_pct"]), float(r["posting_pct"]),
                float(r["salary_factor"]))
    for r in read_csv("cities.csv")
}
TAIL: dict[str, float] = _CAL["tail_shares"]  # % of firms, talent, postings in all other cities
TAIL_SALARY: float = _CAL["tail_salary_factor"]
HOME_MIN_TALENTS: int = _CAL["home_region_density"]["min_talents"]
TOP_DISTRICTS: dict[str, tuple[str, ...]] = as_tuples(_CAL["top_districts"])

# -- chain layers and nodes ---------------------------------------------------------------------
FIRM_LAYERS: dict[str, float] = _CAL["layer_shares"]["firm"]
TALENT_LAYERS: dict[str, float] = _CAL["layer_shares"]["talent"]
_NODES = read_csv("nodes.csv")
NODE_WEIGHT = {r["node_id"]: float(r["weight"]) for r in _NODES}
SUPPLY_DEMAND = {r["node_id"]: float(r["supply_demand"]) for r in _NODES}
NODE_SALARY = {r["node_id"]: float(r["salary_factor"]) for r in _NODES}
CITY_NODE_BOOST: dict[str, dict[str, float]] = _CAL["city_node_boost"]

# -- Qingdao ------------------------------------------------------------------------------------
QD_FIRM: dict[str, float] = _CAL["qingdao_firm_districts"]
QD_TALENT: dict[str, float] = _CAL["qingdao_talent_districts"]
QD_NODE_DISTRICTS: dict[str, dict[str, float]] = _CAL["qingdao_node_districts"]
QD_GAPS: tuple[str, ...] = tuple(_CAL["qingdao_gaps"])
QD_EMPHASES: tuple[str, ...] = tuple(_CAL["qingdao_emphases"])
# (place, node, chain leader, listed)
ANCHORS: tuple[tuple[str, str, bool, bool], ...] = tuple(
    (a["place"], a["node"], a["leader"], a["listed"]) for a in _CAL["qingdao_anchor_firms"])

# -- salaries, postings, growth, moves ----------------------------------------------------------
AI_SALARY: int = _CAL["ai_base_salary"]
_EXP = _CAL["experience_requirements"]
EXP_REQ: tuple[str, ...] = tuple(e["label"] for e in _EXP)
EXP_REQ_W: tuple[float, ...] = tuple(e["weight"] for e in _EXP)
EXP_REQ_MIN = np.array([e["min_years"] for e in _EXP])
EXP_SALARY = np.array([e["salary_factor"] for e in _EXP])
EDU_REQ: tuple[str, ...] = tuple(_CAL["education_requirements"]["labels"])
EDU_REQ_W: dict[str, tuple[float, ...]] = as_tuples(
    _CAL["education_requirements"]["weights"])
YEAR_GROWTH: float = _CAL["talent_year_growth"]
POSTING_YEAR_W: tuple[float, ...] = tuple(_CAL["posting_year_weights"])
BOOM_YEAR_W: tuple[float, ...] = tuple(_CAL["boom_year_weights"])
BOOM_NODES = frozenset(_CAL["boom_nodes"])
NET_INFLOW: dict[str, float] = _CAL["net_inflow_pct"]
MOVE_YEAR_W: tuple[float, ...] = tuple(_CAL["move_year_weights"])
MOVES_PER_MOVER: tuple[float, ...] = tuple(_CAL["moves_per_mover"])

# -- people -------------------------------------------------------------------------------------
EDU_MIX: dict[str, tuple[float, ...]] = as_tuples(_CAL["education_mix"])
RESEARCH_NODES = frozenset(_CAL["research_nodes"])
GRAD_AGE: dict[str, int] = _CAL["graduation_age"]
TIER_P: dict[str, tuple[float, ...]] = as_tuples(_CAL["tier_probabilities"])
RETURNEE_P: dict[str, float] = _CAL["returnee_probability"]
COUNTRIES: dict[str, float] = _CAL["study_countries"]

# -- census -------------------------------------------------------------------------------------
PROVINCE_POP: dict[str, int] = _CENSUS["provinces"]
CITY_POP: dict[str, int] = _CENSUS["cities"]
QINGDAO_DISTRICT_POP: dict[str, int] = _CENSUS["qingdao_districts"]
QINGDAO_POP_2010: int = _CENSUS["qingdao_2010"]
