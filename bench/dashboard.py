"""Dashboard benchmark: server time per interaction and bytes sent, against the bare query floor.

    python3 bench/dashboard.py --db /tmp/medium/w.duckdb --runs 60
    python3 bench/dashboard.py --db /tmp/large/w.duckdb --runs 60 --browser

Interactions are a seeded sequence of what a planner does: change a filter (tier, education,
node, layer, year, metric) or drill down / back up. For each one it times, separately:
- server work: what the talent-map page (views/talent_map.py) does on a rerun whose filters are
  new, i.e. with no cache hit: the children query, disclosure control (k=5, a planner), the
  classed map (on the national map with the maritime line and the 南海诸岛 inset) and its JSON,
  the ranking table. Streamlit's warnings about a missing ScriptRunContext are silenced while
  timing (in the app there is one; writing them to stderr cost more than the work);
- the Streamlit rerun of the page through AppTest (script + queries + figure + serialisation);
- the floor: DuckDB's time for the bare aggregate (sum of talents per child region).
Bytes per interaction = the figure JSON (geometry by URL, as served) + the ranking table (as
shown) as Arrow IPC; the one-off geometry file is reported apart. With --browser it also measures the time
to first full render of the landing page (the talent map) in Chromium (navigation → map drawn): the first
session on a fresh server (started, warehouse published) and a second one.
Medians and p95 are printed, with ratios to the floor measured in the same run.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def interactions(n: int, seed: int, nodes: list[str], years: list[int]):
    """A seeded walk through filter changes and drill-downs, as Filters objects."""
    from analytics.filters import EDUCATION, LAYERS, METRICS, TIERS, Filters

    rng = random.Random(seed)
    path = ["100000", "370000", "370200"]
    f = Filters()
    for _ in range(n):
        move = rng.choice(["tier", "edu", "node", "layer", "year", "metric", "drill", "drill"])
        if move == "tier":
            f = f.with_(tiers=tuple(rng.sample(TIERS, rng.randint(0, 3))))
        elif move == "edu":
            f = f.with_(education=tuple(rng.sample(EDUCATION, rng.randint(0, 2))))
        elif move == "node":
            f = f.with_(nodes=tuple(rng.sample(nodes, rng.randint(0, 3))), layer=None)
        elif move == "layer":
            f = f.with_(layer=rng.choice([None, *LAYERS]), nodes=())
        elif move == "year":
            f = f.with_(year=rng.choice(years))
        elif move == "metric":
            f = f.with_(metric=rng.choice(METRICS))
        else:
            f = f.with_(region=rng.choice(path))
        yield move, f


K = 5  # the small-count threshold of a planner (analytics.disclosure)


def server_work(reader, f, geo, sea):
    """What the talent-map page computes for new filters: query, disclosure, figure, table."""
    from analytics import disclosure
    from analytics import queries as q
    from analytics.filters import COUNTRY
    from maps import static
    from views.talent_map import map_figure, ranking_table

    parent = q.map_parent(reader, f.region)
    values = disclosure.children(q.children_metrics(reader, f, parent), K, f.metric)
    fig = map_figure(values, parent, f.metric, geo(parent), K,
                     geojson=f"app/static/geojson/{parent}.json",
                     maritime=sea if parent == COUNTRY else None, publish=static.publish)
    return fig, ranking_table(values, f.metric)


def floor(reader, f, parent) -> float:
    """The stricter floor: the bare sum over the mart the page reads (no filters applied)."""
    t0 = time.perf_counter()
    reader.df("SELECT m.adcode, sum(talents) FROM mart_talent_supply m JOIN region r "
              "USING (adcode) WHERE r.parent_adcode = ? GROUP BY m.adcode", [parent])
    return time.perf_counter() - t0


def _fact_floor_sql() -> str:
    from analytics.queries import NODE_WHERE, TALENT_WHERE
    from analytics.talent_aggregates import EXPERIENCE_BAND

    # the fact table's columns as the filters name them (etl/sql/marts.sql: mart_talent_supply)
    return f"""
        SELECT a.ancestor_adcode AS adcode, count(*) AS talents
        FROM (SELECT t.adcode, coalesce(t.node_id, '未分类') AS node_id,
                     coalesce(t.tier, 'N') AS tier, coalesce(t.education, '其他') AS education,
                     {EXPERIENCE_BAND} AS experience_band,
                     coalesce(t.is_returnee, false) AS is_returnee,
                     year(t.observed_on) AS year
              FROM talent_person t) t
        JOIN region_ancestor a USING (adcode) JOIN region r ON r.adcode = a.ancestor_adcode
        WHERE r.parent_adcode = $parent AND year <= $year AND {NODE_WHERE} AND {TALENT_WHERE}
        GROUP BY 1"""  # noqa: S608 - constant fragments only


def fact_floor(reader, f, parent) -> float:
    """The floor as issue 18 defines it: DuckDB's bare aggregate on the fact table (persons
    per child region, one row per person in talent_person) with the page's filters."""
    from analytics import queries as q

    sql = _fact_floor_sql()
    g = q.layer_nodes(reader, f)
    params = g.params(q.resolve_year(reader, g)) | {"parent": parent}
    t0 = time.perf_counter()
    reader.df(sql, params)
    return time.perf_counter() - t0


def arrow_bytes(df) -> int:
    import pyarrow as pa

    sink = io.BytesIO()
    table = pa.Table.from_pandas(df.astype({c: str for c in df.columns if df[c].dtype == object}))
    with pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table)
    return sink.tell()


def bench_server(db: Path, runs: int, seed: int) -> dict:
    import logging

    from analytics import queries as q
    from maps.geometry import children_geojson, children_geojson_path, maritime_lines
    from store.reader import Reader

    reader = Reader(db)
    nodes = list(q.chain_nodes(reader)["node_id"])
    years = q.years(reader)
    # geometry loaded once, outside the timing (the app keeps it in st.cache_resource)
    shapes = {p: children_geojson(p) for p in ("100000", "370000", "370200")}
    sea = maritime_lines()

    def geo(parent):
        if parent not in shapes:
            shapes[parent] = children_geojson(parent)
        return shapes[parent]

    from figures.svg_map import payload as svg_payload

    server, floors, facts, sizes, svg_sizes, moves = [], [], [], [], [], []
    logging.disable(logging.WARNING)
    try:
        for move, f in interactions(runs, seed, nodes, years):
            t0 = time.perf_counter()
            fig, table = server_work(reader, f, geo, sea)
            payload = fig.to_json()
            server.append(time.perf_counter() - t0)
            floors.append(floor(reader, f, q.map_parent(reader, f.region)))
            facts.append(fact_floor(reader, f, q.map_parent(reader, f.region)))
            table_bytes = arrow_bytes(table)
            sizes.append(len(payload.encode()) + table_bytes)
            # what the default renderer (map_renderer=svg) sends instead of the figure: the
            # component's data as Streamlit serialises it (json.dumps)
            svg_sizes.append(len(json.dumps(svg_payload(fig)).encode()) + table_bytes)
            moves.append(move)
    finally:
        logging.disable(logging.NOTSET)
    geometry = {p: children_geojson_path(p).stat().st_size for p in ("100000", "370000",
                                                                      "370200")}
    reader.close()
    return {"server_s": server, "floor_s": floors, "fact_s": facts, "bytes": sizes,
            "svg_bytes": svg_sizes, "moves": moves, "geometry_bytes": geometry}


def bench_apptest(db: Path, runs: int, seed: int) -> list[float]:
    """Streamlit reruns of the talent-map page through AppTest, one per interaction."""
    os.environ["TALENTMAP_DB_PATH"] = str(db)
    from streamlit.testing.v1 import AppTest

    from analytics import queries as q
    from store.reader import Reader

    reader = Reader(db)
    nodes, years = list(q.chain_nodes(reader)["node_id"]), q.years(reader)
    reader.close()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    at.switch_page("views/talent_map.py").run()
    times = []
    for _, f in interactions(runs, seed, nodes, years):
        at.session_state["filters"] = f
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
        assert not at.exception, at.exception
    return times


def bench_browser(db: Path, repeats: int = 3) -> dict:
    """Time to first full render of the landing page (the talent map) in Chromium, navigation →
    map drawn (``bench/first_run.py``'s READY): the first session on each of ``repeats`` fresh
    servers (started, the warehouse published: issue 18's "warm") and a second session on it."""
    from bench.first_run import first_renders

    r = first_renders(db, runs=repeats)
    return {"first_cold_s": statistics.median(r["first_s"]), "warm_s": r["second_s"],
            "first_s": r["first_s"], "up_s": r["up_s"], "warm_up_s": r["warm_up_s"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--runs", type=int, default=60)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--browser", action="store_true")
    args = ap.parse_args()
    db = Path(args.db)
    res = bench_server(db, args.runs, args.seed)
    app = bench_apptest(db, args.runs, args.seed)
    s, fl, by = res["server_s"], res["floor_s"], res["bytes"]
    ms = 1000
    print(f"{db} · {args.runs} interactions (seed {args.seed})")
    print(f"server work  p50 {statistics.median(s) * ms:7.1f} ms  p95 {pct(s, 95) * ms:7.1f} ms")
    print(f"AppTest rerun p50 {statistics.median(app) * ms:7.1f} ms  p95 {pct(app, 95) * ms:7.1f} ms")
    print(f"bare query   p50 {statistics.median(fl) * ms:7.1f} ms  p95 {pct(fl, 95) * ms:7.1f} ms")
    fa = res["fact_s"]
    print(f"fact table   p50 {statistics.median(fa) * ms:7.1f} ms  p95 {pct(fa, 95) * ms:7.1f} ms"
          "  (persons per child region from talent_person, same filters: the issue's floor)")
    print(f"ratio server/floor (p50): {statistics.median(s) / statistics.median(fl):.1f}x the "
          f"mart's bare sum, {statistics.median(s) / statistics.median(fa):.1f}x the fact table's")
    sv = res["svg_bytes"]
    print(f"bytes per interaction, SVG map (the default) p50 {statistics.median(sv) / 1024:.1f} "
          f"KB, max {max(sv) / 1024:.1f} KB")
    print(f"bytes per interaction, plotly map p50 {statistics.median(by) / 1024:.1f} KB, max "
          f"{max(by) / 1024:.1f} KB; geometry sent once per map: "
          + ", ".join(f"{k} {v / 1024:.0f} KB" for k, v in res["geometry_bytes"].items()))
    result = {"db": str(db), "runs": args.runs, "server_ms_p50": statistics.median(s) * ms,
              "server_ms_p95": pct(s, 95) * ms, "apptest_ms_p50": statistics.median(app) * ms,
              "apptest_ms_p95": pct(app, 95) * ms, "floor_ms_p50": statistics.median(fl) * ms,
              "floor_ms_p95": pct(fl, 95) * ms, "fact_floor_ms_p50": statistics.median(fa) * ms,
              "fact_floor_ms_p95": pct(fa, 95) * ms, "bytes_p50": statistics.median(by),
              "bytes_max": max(by), "svg_bytes_p50": statistics.median(sv),
              "svg_bytes_max": max(sv), "geometry_bytes": res["geometry_bytes"]}
    if args.browser:
        br = bench_browser(db)
        print(f"first full render (first session on a fresh server, median of "
              f"{len(br['first_s'])}): {br['first_cold_s']:.2f} s; second session "
              + ", ".join(f"{x:.2f} s" for x in br["warm_s"]))
        result["browser"] = br
    target = ROOT / "bench" / "results" / f"dashboard-{db.stem}-{db.parent.name}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
