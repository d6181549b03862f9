"""The 34-province heatmap's data (产业链 page, 全国): chain status of every province computed
three ways in the same run — one region at a time (``gaps.chain_status``: two queries per
region), the former batch (two queries for all, then ``gaps.assess`` per region in pandas; kept
here as it was, for the comparison) and the one query of ``gaps.chain_status_all`` that the
heatmap uses — against the floor: DuckDB's bare sum of talents per province × node. Medians
over several interleaved runs (the machine is shared and noisy). Not a test: run it by hand.

    python3 bench/heatmap.py /tmp/medium.duckdb --runs 7
    python3 bench/heatmap.py /tmp/large.duckdb --runs 5 --json /tmp/heatmap.json
    python3 bench/heatmap.py /tmp/large.duckdb --parent 370000   # a province's cities

The warehouse is opened read-only (through ``store.reader.Reader``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd  # noqa: E402

from analytics import gaps  # noqa: E402
from analytics import queries as q  # noqa: E402
from analytics.filters import COUNTRY, Thresholds  # noqa: E402
from store.reader import Reader  # noqa: E402

FLOOR = """SELECT adcode, node_id, sum(talents) FROM mart_talent_supply
           WHERE level = 'province' AND year <= $year GROUP BY ALL"""
FLOOR_CHILDREN = """SELECT m.adcode, m.node_id, sum(m.talents) FROM mart_talent_supply m
                    JOIN region r ON r.adcode = m.adcode AND r.parent_adcode = $parent
                    WHERE m.year <= $year GROUP BY ALL"""

# -- the former batch (until the one query), for the comparison only --------------------------
NODE_FACTS_MANY = """
WITH nodes AS (SELECT node_id, name_zh, layer, segment, sequence FROM chain_node),
regs AS (SELECT DISTINCT unnest($regions::VARCHAR[]) AS region),
t AS (SELECT adcode, node_id, sum(talents) AS talents,
             sum(talents) FILTER (WHERE year = $year) AS active
      FROM mart_talent_supply
      WHERE (adcode IN (SELECT region FROM regs) OR adcode = $bench) AND year <= $year
      GROUP BY ALL),
e AS (SELECT adcode, node_id, sum(enterprises) AS enterprises, sum(chain_leaders) AS leaders
      FROM mart_enterprise
      WHERE (adcode IN (SELECT region FROM regs) OR adcode = $bench) AND year <= $year
      GROUP BY ALL),
p AS (SELECT adcode, node_id, sum(postings) AS postings,
             sum(salary_sum) / nullif(sum(salaried_postings), 0) AS mean_salary
      FROM mart_posting_demand
      WHERE adcode IN (SELECT region FROM regs) AND year = $year GROUP BY ALL)
SELECT g.region AS _region, n.*,
       coalesce(tl.talents, 0) AS talent, coalesce(tl.active, 0) AS active,
       coalesce(tb.talents, 0) AS bench_talent,
       coalesce(el.enterprises, 0) AS enterprises, coalesce(el.leaders, 0) AS leaders,
       coalesce(eb.enterprises, 0) AS bench_enterprises,
       coalesce(pl.postings, 0) AS postings, pl.mean_salary
FROM regs g CROSS JOIN nodes n
LEFT JOIN t tl ON tl.node_id = n.node_id AND tl.adcode = g.region
LEFT JOIN t tb ON tb.node_id = n.node_id AND tb.adcode = $bench
LEFT JOIN e el ON el.node_id = n.node_id AND el.adcode = g.region
LEFT JOIN e eb ON eb.node_id = n.node_id AND eb.adcode = $bench
LEFT JOIN p pl ON pl.node_id = n.node_id AND pl.adcode = g.region
ORDER BY g.region, n.sequence
"""
TOTALS_MANY = """
SELECT r.adcode,
       coalesce((SELECT sum(talents) FROM mart_talent_supply m
                 WHERE m.adcode = r.adcode AND year <= $year), 0) AS talent,
       coalesce((SELECT sum(enterprises) FROM mart_enterprise m
                 WHERE m.adcode = r.adcode AND year <= $year), 0) AS enterprises
FROM region r WHERE r.adcode IN (SELECT unnest($regions::VARCHAR[])) OR r.adcode = $bench
"""


def old_batched(reader: Reader, regions: list[str], year: int, th: Thresholds,
                bench: str = COUNTRY) -> dict[str, pd.DataFrame]:
    """The former ``gaps.chain_status_many``: two queries, then ``assess`` per region."""
    params = {"regions": list(regions), "bench": bench, "year": year}
    facts = reader.df(NODE_FACTS_MANY, params)
    totals = reader.df(TOTALS_MANY, params).set_index("adcode")
    out = {}
    for code, part in facts.groupby("_region", sort=False):
        bases = gaps.Bases(gaps._total(totals, code, "talent"),
                           gaps._total(totals, bench, "talent"),
                           gaps._total(totals, code, "enterprises"),
                           gaps._total(totals, bench, "enterprises"))
        out[code] = gaps.assess(part.drop(columns="_region").reset_index(drop=True), bases, th)
    return out


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("db", type=Path)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--parent", default=None,
                    help="the children of this region instead of the 34 provinces")
    ap.add_argument("--skip-per-region", action="store_true",
                    help="leave out the slow one-region-at-a-time way")
    ap.add_argument("--json", type=Path, default=None, help="also write the medians here")
    a = ap.parse_args()
    r = Reader(a.db)
    year, th = q.years(r)[-1], Thresholds()
    if a.parent:
        codes = r.df("SELECT adcode FROM region WHERE parent_adcode = ? ORDER BY adcode",
                     [a.parent])["adcode"].tolist()
        floor_sql, floor_params = FLOOR_CHILDREN, {"year": year, "parent": a.parent}
    else:
        codes = r.df("SELECT adcode FROM region WHERE level = 'province' "
                     "ORDER BY adcode")["adcode"].tolist()
        floor_sql, floor_params = FLOOR, {"year": year}
    ways = {
        "per region": lambda: [gaps.chain_status(r, c, year, th) for c in codes],
        "old batched": lambda: old_batched(r, codes, year, th),
        "one query": lambda: gaps.chain_status_all(r, codes, year, th),
        "floor": lambda: r.df(floor_sql, floor_params),
    }
    if a.skip_per_region:
        del ways["per region"]
    for fn in ways.values():  # warm up
        fn()
    times = {k: [] for k in ways}
    for _ in range(a.runs):  # interleaved, so that noise hits every way alike
        for k, fn in ways.items():
            times[k].append(timed(fn))
    r.close()
    floor = statistics.median(times["floor"])
    what = f"children of {a.parent}" if a.parent else "provinces"
    print(f"{a.db}: {len(codes)} {what}, year {year}, {a.runs} runs (median; p95 by nearest "
          f"rank: the slowest run below 20 runs)")
    result = {"db": str(a.db), "regions": len(codes), "scope": what, "year": year,
              "runs": a.runs, "ways": {}}
    for k, v in times.items():
        m = statistics.median(v)
        p95 = sorted(v)[min(len(v) - 1, round(0.95 * (len(v) - 1)))]
        print(f"{k:>12}: {m * 1000:8.1f} ms  p95 {p95 * 1000:8.1f} ms  "
              f"({m / floor:5.1f}× the floor)")
        result["ways"][k] = {"p50_ms": m * 1000, "p95_ms": p95 * 1000,
                             "ratio_p50": m / floor, "runs_ms": [x * 1000 for x in v]}
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
