"""产业链 page interactions: chain status, node detail with its 招引清单, and flows, p50/p95
against the bare aggregate floor. Not a test: run it by hand.

    python3 bench/chain.py /tmp/medium/w.duckdb --runs 40 [--json out.json] [--before | --scan]

Each interaction picks (seeded) a region among the country, provinces, cities and districts of
the demo's hot spots, a threshold set and a node, then computes what the page computes for a
new selection: chain_status, the three source lists for the node, the flow summary and routes.
The floor is DuckDB's bare per-node sum of talents for the region. The counts kept in memory
per published version (analytics/chain_index.py) are built by the first, untimed interaction;
``--scan`` times the SQL alone (chain_index.ENABLED off), ``--before`` the functions as they
were before issue 18 (tests/chain_before.py, the equivalence test's reference).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics import chain_index, flows, gaps  # noqa: E402
from analytics.filters import Thresholds  # noqa: E402
from store.reader import Reader  # noqa: E402

REGIONS = ["100000", "370000", "370200", "370212", "110100", "440300", "330100", "320500",
           "340100", "370100"]


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def interaction(r: Reader, region: str, node: str, th: Thresholds, year: int,
                g=gaps, f=flows) -> None:
    g.chain_status(r, region, year, th)
    if region != "100000":
        g.source_regions(r, region, node, year)
        g.source_enterprises(r, region, node)
        g.source_talent_pools(r, region, node, year)
    f.summary(r, region, (year, year), ())
    f.origins(r, region, (year, year), ())
    f.top_routes(r, region, (year, year), ())


def floor(r: Reader, region: str, year: int) -> float:
    t0 = time.perf_counter()
    r.df("SELECT node_id, sum(talents) FROM mart_talent_supply WHERE adcode = ? AND year <= ? "
         "GROUP BY node_id", [region, year])
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--json", default=None, help="also write the figures here (bench/all.py)")
    how = ap.add_mutually_exclusive_group()
    how.add_argument("--scan", action="store_true", help="the SQL only: no counts in memory")
    how.add_argument("--before", action="store_true", help="the functions before issue 18")
    args = ap.parse_args()
    chain_index.ENABLED = not args.scan
    fns = {}
    if args.before:
        from tests import chain_before
        fns = {"g": chain_before, "f": chain_before}
    r = Reader(args.db)
    nodes = list(r.df("SELECT node_id FROM chain_node")["node_id"])
    year = int(r.df("SELECT max(year) AS y FROM mart_talent_supply")["y"].iloc[0])
    rng = random.Random(11)
    times, floors = [], []
    interaction(r, "370200", "T14", Thresholds(), year, **fns)  # warm
    for _ in range(args.runs):
        region, node = rng.choice(REGIONS), rng.choice(nodes)
        th = Thresholds(lq_missing=rng.choice([0.4, 0.5, 0.6]),
                        lq_stronghold=rng.choice([1.1, 1.2, 1.5]))
        t0 = time.perf_counter()
        interaction(r, region, node, th, year, **fns)
        times.append(time.perf_counter() - t0)
        floors.append(floor(r, region, year))
    ms = 1000
    print(f"{args.db}: {args.runs} interactions: p50 {pct(times, 50) * ms:.0f} ms, "
          f"p95 {pct(times, 95) * ms:.0f} ms; floor p50 {pct(floors, 50) * ms:.1f} ms, "
          f"p95 {pct(floors, 95) * ms:.1f} ms; ratio p50 {pct(times, 50) / pct(floors, 50):.1f}x")
    r.close()
    if args.json:
        Path(args.json).write_text(json.dumps({
            "db": str(args.db), "runs": args.runs, "p50_ms": pct(times, 50) * ms,
            "p95_ms": pct(times, 95) * ms, "floor_p50_ms": pct(floors, 50) * ms,
            "floor_p95_ms": pct(floors, 95) * ms}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
