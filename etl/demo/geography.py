"""Mainland cities and districts: loading them, weighting and sampling them, writing them as text.

A record first gets a city ("unit": a prefecture-level city, a city without districts such as
东莞, or 重庆), then a place inside it (a district, or the unit itself). Place text comes in the
styles real exports use (青岛市崂山区, 青岛崂山, 山东省青岛市崂山区 …).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl.demo.calibration import (
    CITIES,
    HOME_MIN_TALENTS,
    PROVINCE_POP,
    QD_FIRM,
    QD_NODE_DISTRICTS,
    QD_TALENT,
    TAIL,
    TOP_DISTRICTS,
)
from etl.demo.sampling import normalized
from reference.regions import region_index

_EXCLUDED_PROVINCES = ("710000", "810000", "820000")  # credit codes and census: mainland only
_MUNICIPALITIES = ("110000", "120000", "310000", "500000")
# Short names that resolve elsewhere or nowhere (bare 中山 is 大连市中山区, 西安 is ambiguous with
# two 西安区) are always written in full.
SHORT_UNSAFE = frozenset({"中山市", "西安市"})

# Location styles ('所在地'): the first four name the district, the last two only the city.
LOC_STYLES = ("{c}{d}", "{cs}{d}", "{cs}{ds}", "{p}{c}{d}", "{c}", "{cs}")
LOC_STYLE_W = (35, 20, 10, 15, 10, 10)
ADDR_STYLES = ("{p}{c}{d}", "{c}{d}", "{cs}{d}", "{ps}{c}{d}")
ADDR_STYLE_W = (40, 35, 15, 10)
POST_STYLES = ("{cs}·{d}", "{cs}-{d}", "{cs}", "{c}{d}")
POST_STYLE_W = (40, 20, 25, 15)
CITY_STYLES = ("{c}", "{cs}", "{ps}{c}")
CITY_STYLE_W = (50, 30, 20)
_ALT_DISTRICT = {"370211": "西海岸新区"}  # realistic alias, resolved via data/region_aliases.csv


@dataclass
class Geo:
    """Mainland cities ('units') and the places (districts, or the unit itself) inside them."""

    units: pd.DataFrame  # unit, name, short, prov, prov_name, prov_short, muni, short_ok
    places: pd.DataFrame  # place, unit_i, dname, dshort
    unit_places: list[np.ndarray]  # places of each unit, adcode order
    prov_pop: dict[str, int]
    boost: np.ndarray | None = None  # per unit: the home region's sampling density (1 elsewhere)

    def unit_index(self, name: str) -> int:
        """Row of a unit by its full name (北京市, 重庆市, 青岛市)."""
        return int(np.flatnonzero(self.units["name"].to_numpy() == name)[0])


def load_geo() -> Geo:
    """Mainland cities and their places from reference.regions.region_index()."""
    reg = region_index()
    reg = reg[~reg["province_adcode"].isin(_EXCLUDED_PROVINCES)]
    prov = reg[reg["level"] == "province"].set_index("adcode")
    units = reg[(reg["level"] == "city") | (reg["adcode"] == "500000")].sort_values("adcode")
    units = pd.DataFrame({
        "unit": units["adcode"].to_numpy(), "name": units["name"].to_numpy(),
        "short": units["short_name"].to_numpy(), "prov": units["province_adcode"].to_numpy(),
    })
    units["prov_name"] = prov.loc[units["prov"], "name"].to_numpy()
    units["prov_short"] = prov.loc[units["prov"], "short_name"].to_numpy()
    units["muni"] = units["prov"].isin(_MUNICIPALITIES)
    units["short_ok"] = units["name"].isin(CITIES) & ~units["name"].isin(SHORT_UNSAFE)
    pos = {u: i for i, u in enumerate(units["unit"])}
    dist = reg[(reg["level"] == "district") & reg["parent_adcode"].isin(pos)]
    dist = dist.sort_values("adcode")
    rows = [(a, pos[p], n, s) for a, p, n, s in zip(dist["adcode"], dist["parent_adcode"],
                                                     dist["name"], dist["short_name"], strict=True)]
    with_kids = {r[1] for r in rows}
    rows += [(u, i, "", "") for u, i in pos.items() if i not in with_kids]
    places = pd.DataFrame(rows, columns=["place", "unit_i", "dname", "dshort"])
    places = places.sort_values("place", ignore_index=True)
    groups = places.groupby("unit_i").indices
    unit_places = [np.sort(groups[i]) for i in range(len(units))]
    prov_pop = {code: PROVINCE_POP[name] for code, name in zip(prov.index, prov["name"],
                                                               strict=True)}
    return Geo(units, places, unit_places, prov_pop)


def unit_weights(geo: Geo, kind: str, home: bool = True) -> np.ndarray:
    """Weight of each unit for firms, talent or postings: named cities plus the tail, times
    the home region's boost (``home=False``: the calibrated weights alone)."""
    col = {"firm": 0, "talent": 1, "posting": 2}[kind]
    named = geo.units["name"].map(lambda n: CITIES[n][col] if n in CITIES else np.nan)
    tail = geo.units.loc[named.isna(), "prov"].map(geo.prov_pop).astype(float)
    tail /= geo.units.loc[named.isna()].groupby("prov")["unit"].transform("size")
    w = named.to_numpy(float).copy()
    w[named.isna().to_numpy()] = (tail / tail.sum() * TAIL[kind]).to_numpy()
    return w * geo.boost if home and geo.boost is not None else w


def home_units(geo: Geo, home: str | None) -> np.ndarray:
    """Mask of the units the home region covers: the unit itself, the unit of a district, or
    every unit of a province (none for the country or an unknown code)."""
    units = geo.units["unit"].to_numpy()
    mask = (units == home) | (geo.units["prov"].to_numpy() == home)
    district = geo.places.loc[geo.places["place"] == home, "unit_i"].to_numpy()
    mask[district] = True
    return mask


def set_home_boost(geo: Geo, home: str | None, n_talents: int,
                   min_talents: int = HOME_MIN_TALENTS) -> float:
    """Sample the home region densely enough to hold ``min_talents`` of ``n_talents``: its
    units' weights for every record kind are multiplied by one factor (≥ 1; 1 when the scale
    gives it enough already). Returns the factor."""
    mask = home_units(geo, home)
    w = unit_weights(geo, "talent", home=False)
    expected = n_talents * w[mask].sum() / w.sum() if mask.any() else 0.0
    factor = max(1.0, min_talents / expected) if expected > 0 else 1.0
    geo.boost = np.where(mask, factor, 1.0)
    return float(factor)


def sample_units(rng: np.random.Generator, geo: Geo, n: int, kind: str) -> np.ndarray:
    """Unit index per row, every province covered (donor rows come from the biggest unit)."""
    units = rng.choice(len(geo.units), n, p=normalized(unit_weights(geo, kind)))
    provs = geo.units["prov"].to_numpy()
    missing = sorted(set(provs) - set(provs[units]))
    if missing:
        donors = rng.choice(np.flatnonzero(units == np.bincount(units).argmax()), len(missing),
                            replace=False)
        for row, prov in zip(donors, missing, strict=True):
            units[row] = rng.choice(np.flatnonzero(provs == prov))
    return units


def _district_weights(geo: Geo, u: int, kind: str, node: str | None) -> np.ndarray:
    """Weights over the places of unit u: Zipf by adcode, leading districts, Qingdao's mix."""
    places = geo.places.loc[geo.unit_places[u]]
    name = geo.units.at[u, "name"]
    if name == "青岛市":
        table = QD_NODE_DISTRICTS.get(node) or (QD_TALENT if kind == "talent" else QD_FIRM)
        return places["place"].map(table).fillna(0.0).to_numpy(float) + 1e-9
    w = 1.0 / np.arange(1, len(places) + 1) ** 1.1
    top = TOP_DISTRICTS.get(name, ())
    return w * np.where(places["dname"].isin(top), 5.0, 1.0)


def sample_places(rng: np.random.Generator, geo: Geo, units: np.ndarray, node_ids: np.ndarray,
                  kind: str) -> np.ndarray:
    """Place index per row (a district of its unit; Qingdao's depend on the node)."""
    out = np.empty(len(units), dtype=int)
    qd = geo.unit_index("青岛市")
    for u in np.unique(units):
        rows = np.flatnonzero(units == u)
        keys = node_ids[rows] if u == qd else np.full(len(rows), "")
        for key in np.unique(keys):
            sub = rows[keys == key]
            w = _district_weights(geo, u, kind, key or None)
            out[sub] = rng.choice(geo.unit_places[u], len(sub), p=normalized(w))
    return out


def _place_text(geo: Geo, place: int, style: str, variant: int = 0) -> str:
    """One place rendered in a style; unsafe short forms fall back to full names."""
    pl, un = _rows(geo)
    code, unit_i, d, dshort = pl[place]
    name, short, short_ok, muni, prov_name, prov_short = un[unit_i]
    if not short_ok:
        style = style.replace("{cs}{ds}", "{c}{d}").replace("{cs}", "{c}")
    if variant % 3 == 1 and code in _ALT_DISTRICT:
        d = _ALT_DISTRICT[code]
    ds = dshort or d
    if ds and ds in name:  # 长沙县 → bare 长沙 would name the city: keep the suffix
        ds = d
    p, ps = ("", "") if muni else (prov_name, prov_short)
    if not d and style in ("{cs}{ds}", "{cs}·{d}", "{cs}-{d}"):
        style = "{cs}" if short_ok else "{c}"
    return style.format(p=p, ps=ps, c=name, cs=short if short_ok else name, d=d, ds=ds)


def _rows(geo: Geo) -> tuple[list[tuple], list[tuple]]:
    """The places and units as plain tuples, made once per Geo (pandas .loc per call cost
    about a second of the small demo)."""
    cached = getattr(geo, "_rows_cache", None)
    if cached is None:
        pl = list(zip(geo.places["place"], geo.places["unit_i"], geo.places["dname"],
                      geo.places["dshort"], strict=True))
        u = geo.units
        un = list(zip(u["name"], u["short"], u["short_ok"].astype(bool), u["muni"].astype(bool),
                      u["prov_name"], u["prov_short"], strict=True))
        cached = (pl, un)
        geo._rows_cache = cached  # type: ignore[attr-defined]
    return cached


def render_places(geo: Geo, places: np.ndarray, styles: tuple[str, ...], style_idx: np.ndarray,
                  variant: np.ndarray | None = None) -> np.ndarray:
    """Place text per row, each distinct (place, style, variant) rendered once."""
    variant = np.zeros(len(places), dtype=int) if variant is None else variant % 3
    key = (places.astype(np.int64) * 16 + style_idx) * 4 + variant
    uniq, inv = np.unique(key, return_inverse=True)
    texts = np.array([_place_text(geo, int(k // 64), styles[int(k // 4 % 16)], int(k % 4))
                      for k in uniq], dtype=object)
    return texts[inv]


def unit_text(geo: Geo, units: np.ndarray, style_idx: np.ndarray) -> np.ndarray:
    """City-level text per row (北京市, 深圳, 山东青岛市)."""
    key = units.astype(np.int64) * 4 + style_idx
    uniq, inv = np.unique(key, return_inverse=True)
    texts = [_place_text(geo, int(geo.unit_places[int(k // 4)][0]), CITY_STYLES[int(k % 4)])
             for k in uniq]
    return np.array(texts, dtype=object)[inv]
