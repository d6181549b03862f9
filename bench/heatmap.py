"""The 34-province heatmap's data (产业链 page, 全国): chain status of every province, computed
one region at a time (two queries per region, as before) and batched (two queries in all,
``gaps.chain_status_many``), in the same run, medians over several runs, and the floor: DuckDB's
bare sum of talents per province × node. Not a test: run it by hand.

    python3 bench/heatmap.py /tmp/medium.duckdb --runs 7
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics import gaps  # noqa: E402
from analytics import queries as q  # noqa: E402
from analytics.filters import Thresholds  # noqa: E402
from store.reader import Reader  # noqa: E402

FLOOR = """SELECT adcode, node_id, sum(talents) FROM mart_talent_supply
           WHERE level = 'province' AND year <= $year GROUP BY ALL"""


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("db", type=Path)
    ap.add_argument("--runs", type=int, default=7)
    a = ap.parse_args()
    r = Reader(a.db)
    year, th = q.years(r)[-1], Thresholds()
    provinces = r.df("SELECT adcode FROM region WHERE level = 'province' ORDER BY adcode")
    codes = provinces["adcode"].tolist()
    ways = {
        "per region": lambda: [gaps.chain_status(r, c, year, th) for c in codes],
        "batched": lambda: gaps.chain_status_many(r, codes, year, th),
        "floor": lambda: r.df(FLOOR, {"year": year}),
    }
    for fn in ways.values():  # warm up
        fn()
    times = {k: [] for k in ways}
    for _ in range(a.runs):  # interleaved, so that noise hits every way alike
        for k, fn in ways.items():
            times[k].append(timed(fn))
    floor = statistics.median(times["floor"])
    print(f"{len(codes)} provinces, year {year}, {a.runs} runs (median)")
    for k, v in times.items():
        m = statistics.median(v)
        print(f"{k:>11}: {m * 1000:8.1f} ms  ({m / floor:5.1f}× the floor)")


if __name__ == "__main__":
    main()
