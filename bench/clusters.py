"""Cluster computation time (what the 人才集群 page computes) over 20 varied filter sets.

    python3 bench/clusters.py /tmp/medium/w.duckdb [--json out.json] [--scan]

Prints p50/p95/max over the cases, the floor (DuckDB's bare GROUP BY of the matching persons
per place × node, the same filters, measured in the same run) and the ratio p50 / floor p50,
and the 1,000-row talent table of the biggest cluster. Each case is timed as the median of
``--repeat`` runs (the machine's 2 cores are shared). The in-memory index
(analytics.talent_index) is built once per published version, before the cases: its time is
printed apart. ``--scan`` times the SQL scans of talent_person instead (the index off).
Not a test: run it by hand.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics import clusters as cl  # noqa: E402
from analytics import queries as q  # noqa: E402
from analytics import talent as tl  # noqa: E402
from analytics import talent_aggregates as ta  # noqa: E402
from analytics import talent_index as ti  # noqa: E402
from analytics.filters import Filters  # noqa: E402
from store.reader import Reader  # noqa: E402

T = tl.TalentFilters


def cases(r: Reader) -> list[tuple]:
    """(global filters, cluster-page filters, eps km, min talents, cluster nodes apart)."""
    def skills(text: str, **kw) -> T:
        terms, groups = tl.resolve_skills(r, text)
        return T(skills=groups, skill_terms=terms, **kw)

    return [
        (Filters(), T(), 25.0, 5, True),
        (Filters(), T(), 50.0, 10, False),
        (Filters(region="370200"), T(), 25.0, 5, True),
        (Filters(region="110000"), T(), 10.0, 3, True),
        (Filters(tiers=("A", "B")), T(), 25.0, 5, True),
        (Filters(), skills("VR"), 25.0, 5, True),
        (Filters(), skills("VR", exp_min=5.0, relocate_only=True, expected="370200"), 25.0, 5, True),
        (Filters(), skills("Python, PyTorch"), 25.0, 5, True),
        (Filters(tiers=("A", "B", "C", "D")), skills("大模型"), 25.0, 5, True),
        (Filters(nodes=("T04", "T11")), T(education=("博士", "硕士")), 25.0, 5, True),
        (Filters(layer="应用层"), T(exp_min=10.0), 25.0, 5, True),
        (Filters(), T(universities=("清华大学", "北京大学", "山东大学")), 25.0, 5, True),
        (Filters(), T(age_bands=("<30",), relocate_only=True), 25.0, 5, True),
        (Filters(returnees_only=True), T(), 100.0, 5, False),
        (Filters(region="440300"), T(tiers=("E", "N")), 5.0, 2, True),
        (Filters(), skills("机器人", expected="310100"), 25.0, 5, True),
        (Filters(education=("本科",)), T(exp_min=3.0, exp_max=8.0), 25.0, 5, True),
        (Filters(), skills("自动驾驶, C++"), 25.0, 3, True),
        (Filters(year=2022), T(), 25.0, 5, True),
        (Filters(region="320000"), T(relocate_only=True), 40.0, 5, False),
    ]


def run(r: Reader, f, tf, eps, min_talents, by_node) -> int:
    cells = cl.label_cells(tl.cluster_cells(r, f, tf), eps, min_talents, by_node)
    cl.summarise(cells)
    tl.cluster_stats(r, f, tf, cells)
    tl.cluster_tops(r, f, tf, cells)
    return len(cells)


FLOOR = f"""SELECT t.adcode, t.node_id, count(*) AS talents FROM talent_person t
             WHERE {ta.WHERE} GROUP BY ALL"""  # noqa: S608 - constant fragments only


def floor(r: Reader, f, tf, *_how) -> int:
    """The bare aggregate the page cannot beat: matching persons per place × node."""
    return len(r.df(q.on_persons(r, FLOOR), ta.params(r, f, tf)))


def timed(fn, *args, repeat: int = 1) -> float:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(*args)
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main(path: str, json_path: str | None = None, repeat: int = 1, scan: bool = False) -> None:
    ti.ENABLED = not scan
    r = Reader(path)
    all_cases = cases(r)
    t0 = time.perf_counter()
    built = ti.get(r) is not None  # once per published version and process
    build_ms = (time.perf_counter() - t0) * 1000
    run(r, *all_cases[0])  # warm the connection
    times, floors = [], []
    for case in all_cases:  # interleaved: the page's computation, then its floor
        times.append(timed(run, r, *case, repeat=repeat))
        floors.append(timed(floor, r, *case, repeat=repeat))
    f, tf = Filters(), T()
    cells = cl.label_cells(tl.cluster_cells(r, f, tf), 25, 5, True)
    pairs = list(zip(*(cells.loc[cells.cluster == 1, c].tolist() for c in ("adcode", "node_id")),
                     strict=True))
    table = []
    for _ in range(5):
        t0 = time.perf_counter()
        tl.cluster_talents(r, f, tf, pairs, "recruiter")
        table.append(time.perf_counter() - t0)
    ratio = pct(times, 50) / pct(floors, 50)
    ratios = sorted(t / fl for t, fl in zip(times, floors, strict=True))
    print(f"{path}: {len(times)} cases, clusters p50 {pct(times, 50) * 1000:.0f} ms, "
          f"p95 {pct(times, 95) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms; "
          f"floor p50 {pct(floors, 50) * 1000:.0f} ms, p95 {pct(floors, 95) * 1000:.0f} ms; "
          f"ratio p50/floor p50 {ratio:.1f}x (per case: median {pct(ratios, 50):.1f}x, "
          f"max {ratios[-1]:.1f}x)")
    print(f"talent table of the biggest cluster: median {statistics.median(table) * 1000:.0f} ms")
    print(f"in-memory index: {f'built in {build_ms:.0f} ms' if built else 'off (SQL scans)'}")
    r.close()
    if json_path:
        Path(json_path).write_text(json.dumps({
            "db": path, "cases": len(times), "p50_ms": pct(times, 50) * 1000,
            "p95_ms": pct(times, 95) * 1000, "max_ms": max(times) * 1000,
            "floor_p50_ms": pct(floors, 50) * 1000, "floor_p95_ms": pct(floors, 95) * 1000,
            "ratio_p50": ratio, "table_median_ms": statistics.median(table) * 1000,
            "index_build_ms": build_ms if built else None},
            indent=2), encoding="utf-8")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("--json", default=None, help="also write the figures here (bench/all.py)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per case (their median)")
    ap.add_argument("--scan", action="store_true",
                    help="the SQL scans of talent_person instead of the in-memory index")
    a = ap.parse_args()
    main(a.db, a.json, a.repeat, a.scan)
