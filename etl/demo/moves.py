"""Talent moves: movers, hop counts, origins set by the net-inflow targets (F4), dated rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.demo.calibration import MOVE_YEAR_W, MOVES_PER_MOVER, NET_INFLOW
from etl.demo.constants import BAD_ROW_SHARE
from etl.demo.defects import MOVE_DEFECTS, defect_rows, insert_bad_moves
from etl.demo.geography import CITY_STYLE_W, Geo, unit_text, unit_weights
from etl.demo.sampling import iso_dates, normalized, quota, random_dates


def make_moves(rng: np.random.Generator, n: int, geo: Geo, talents: pd.DataFrame) -> pd.DataFrame:
    """Move records whose net flows follow F4; a mover's last move ends in its 所在地 city."""
    n_good = n - round(n * BAD_ROW_SHARE)
    hops = _hops(rng, n_good)
    cand = np.flatnonzero(talents["good"].to_numpy())
    movers = np.sort(rng.choice(cand, len(hops), replace=False))
    finals = talents["unit_i"].to_numpy()[movers]
    origins = _origins(rng, geo, finals)
    chains = _chains(rng, geo, origins, finals, hops)
    df = _move_rows(rng, geo, talents, movers, chains, hops)
    defects = defect_rows(rng, n, MOVE_DEFECTS)  # as many as n - n_good
    df = insert_bad_moves(rng, df, defects)
    df.attrs["defects"] = defects
    return df


def _hops(rng: np.random.Generator, total: int) -> np.ndarray:
    """Moves per mover (1-3) summing exactly to total."""
    m = max(1, round(total / np.dot([1, 2, 3], MOVES_PER_MOVER)))
    hops = 1 + rng.choice(3, m, p=MOVES_PER_MOVER)
    while hops.sum() != total:
        diff = total - hops.sum()
        can = np.flatnonzero(hops < 3) if diff > 0 else np.flatnonzero(hops > 1)
        pick = rng.choice(can, min(abs(diff), len(can)), replace=False)
        hops[pick] += int(np.sign(diff))
    return hops


def _origins(rng: np.random.Generator, geo: Geo, finals: np.ndarray) -> np.ndarray:
    """First origin of each mover: counts set so that arrivals − departures = F4 × movers."""
    m = len(finals)
    arrivals = np.bincount(finals, minlength=len(geo.units)).astype(float)
    net = np.zeros(len(geo.units))
    for name, share in NET_INFLOW.items():
        net[geo.unit_index(name)] = share / 100 * m
    others = np.array([n not in NET_INFLOW for n in geo.units["name"]])
    spread = arrivals * others + 0.05 * unit_weights(geo, "talent") * others
    net[others] = -net.sum() * spread[others] / spread[others].sum()
    origins = np.repeat(np.arange(len(geo.units)), quota(np.maximum(arrivals - net, 0), m))
    origins = origins[rng.permutation(m)]
    for _ in range(50):  # nobody moves from a city to itself: swap origins until none does
        clash = np.flatnonzero(origins == finals)
        if not len(clash):
            break
        for a, b in zip(clash, rng.integers(0, m, len(clash)), strict=True):
            if origins[b] != finals[a] and origins[a] != finals[b]:
                origins[a], origins[b] = origins[b], origins[a]
    return origins


def _chains(rng: np.random.Generator, geo: Geo, origins: np.ndarray, finals: np.ndarray,
            hops: np.ndarray) -> np.ndarray:
    """Unit sequence per mover, (m, 4) padded with -1: origin, stops …, final."""
    m = len(finals)
    chain = np.full((m, 4), -1)
    chain[:, 0] = origins
    chain[np.arange(m), hops] = finals
    big = unit_weights(geo, "talent")
    for j in (1, 2):
        rows = np.flatnonzero(hops > j)
        stops = rng.choice(len(big), len(rows), p=normalized(big))
        for _ in range(20):
            same = (stops == chain[rows, j - 1]) | (stops == chain[rows, j + 1])
            if not same.any():
                break
            stops[same] = rng.choice(len(big), int(same.sum()), p=normalized(big))
        chain[rows, j] = stops
    return chain


def _move_rows(rng: np.random.Generator, geo: Geo, talents: pd.DataFrame, movers: np.ndarray,
               chains: np.ndarray, hops: np.ndarray) -> pd.DataFrame:
    """One row per hop: id, from text, to text, date (sorted by date)."""
    mover_rep = np.repeat(np.arange(len(movers)), hops)
    step = np.concatenate([np.arange(h) for h in hops])
    src, dst = chains[mover_rep, step], chains[mover_rep, step + 1]
    n = len(step)
    src_text = unit_text(geo, src, rng.choice(3, n, p=normalized(CITY_STYLE_W)))
    dst_text = unit_text(geo, dst, rng.choice(3, n, p=normalized(CITY_STYLE_W)))
    last = step == hops[mover_rep] - 1
    own = talents["所在地"].to_numpy()[movers][mover_rep]
    dst_text = np.where(last & (rng.random(n) < 0.5), own, dst_text)
    # Moves grow year on year like postings; a mover's hops are in date order.
    draws = random_dates(rng, 3 * len(movers), MOVE_YEAR_W).reshape(len(movers), 3)
    unused = np.arange(3)[None, :] >= hops[:, None]
    draws[unused] = np.datetime64("2100-01-01")  # sorts after the k dates a k-hop mover uses
    dates = np.sort(draws, axis=1)[mover_rep, step]
    df = pd.DataFrame({"人才编号": talents["人才编号"].to_numpy()[movers][mover_rep],
                       "原所在地": src_text, "现所在地": dst_text, "date": dates})
    df = df.sort_values(["date", "人才编号"], kind="stable", ignore_index=True)
    df["流动日期"] = iso_dates(df["date"].to_numpy())
    return df
