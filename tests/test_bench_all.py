"""bench/all.py's reading of each bench's figures and its table, fed with sample outputs (no
bench is run here, and nothing is timed)."""

from __future__ import annotations

import copy
import importlib
import json
import time

import pytest

ball = importlib.import_module("bench.all")

DASHBOARD = {"db": "/tmp/dl.duckdb", "runs": 15, "server_ms_p50": 42.0, "server_ms_p95": 80.0,
             "apptest_ms_p50": 300.0, "apptest_ms_p95": 600.0, "floor_ms_p50": 12.0,
             "floor_ms_p95": 20.0, "fact_floor_ms_p50": 12.0, "bytes_p50": 6144, "bytes_max": 16 * 1024,
             "geometry_bytes": {"100000": 500_000}}
CHAIN = {"db": "x", "runs": 10, "p50_ms": 70.0, "p95_ms": 140.0, "floor_p50_ms": 10.0,
         "floor_p95_ms": 14.0}
CLUSTERS = {"db": "x", "cases": 20, "p50_ms": 120.0, "p95_ms": 251.0, "max_ms": 300.0,
            "table_median_ms": 40.0}
HEATMAP = {"db": "x", "regions": 34, "scope": "provinces", "year": 2024, "runs": 5,
           "ways": {"per region": {"p50_ms": 1500.0, "p95_ms": 2000.0},
                    "old batched": {"p50_ms": 260.0, "p95_ms": 300.0},
                    "one query": {"p50_ms": 60.0, "p95_ms": 130.0},
                    "floor": {"p50_ms": 12.0, "p95_ms": 14.0}}}
ETL = {"scale": "large", "generate_s": 90.0, "publish_s": 20.0, "total_s": 120.0, "runs": 1,
       "kinds": [{"kind": "talent", "rows": 1_000_000, "floor_s": 1.5},
                 {"kind": "enterprise", "rows": 60_000, "floor_s": 0.5},
                 {"kind": "abroad", "rows": 10, "floor_s": None}]}
CONCURRENT = """20 sessions × 180 s on /tmp/m.duckdb: 252 interactions {'drill': 80}, 0 errors
server script runs: 240 finished, 12 replaced by a newer one; p50 96 ms, p95 1,300 ms, max 2100 ms
baseline, one session alone on the same server: 40 runs, p50 75 ms, p95 124 ms → under 20 sessions ×1.3 at p50, ×10.5 at p95
browser (click → results received): p50 4700 ms, p95 9000 ms
"""


def by_name(rows):
    return {r.interaction: r for r in rows}


def test_dashboard_rows_ratio_bytes_and_targets():
    rows = by_name(ball.rows_dashboard(DASHBOARD))
    f = rows["talent map: filter change (server work)"]
    assert f.ratio == pytest.approx(3.5) and f.met is False
    b = rows["talent map: bytes per interaction (plotly map)"]
    assert (b.p50, b.max, b.unit) == (6.0, 16.0, "KB") and b.met is False
    assert rows["talent map: Streamlit rerun (AppTest)"].met is None  # no target
    ok = ball.rows_dashboard({**DASHBOARD, "server_ms_p50": 36.0, "bytes_max": 15 * 1024})
    assert [r.met for r in ok] == [True, None, None, True]  # the limits are inclusive
    # the target reads the fact table's floor (the issue's); the mart's sum is shown beside it
    two = by_name(ball.rows_dashboard({**DASHBOARD, "fact_floor_ms_p50": 24.0}))
    assert two["talent map: filter change (server work)"].ratio == pytest.approx(1.75)
    assert two["talent map: filter change vs the mart's bare sum"].ratio == pytest.approx(3.5)
    old = by_name(ball.rows_dashboard({k: v for k, v in DASHBOARD.items()
                                       if k != "fact_floor_ms_p50"}))
    assert not old["talent map: filter change (server work)"].met, "no floor, not met"


def test_the_fact_table_floor_counts_what_the_page_counts(demo_db):
    """The floor answers the page's question (persons per child region under the filters)
    from the fact table: its counts equal the map's, so the ratio compares like with like."""
    from analytics import queries as q
    from analytics.filters import Filters
    from store.reader import Reader

    bench = importlib.import_module("bench.dashboard")
    reader = Reader(demo_db)
    nodes = list(q.chain_nodes(reader)["node_id"])
    cases = [(Filters(), "100000"), (Filters(tiers=("A", "B", "C")), "100000"),
             (Filters(education=("博士",), nodes=tuple(nodes[:3])), "370000"),
             (Filters(layer="应用层", returnees_only=True), "100000"),
             (Filters(experience=("5-10", "10+"), year=q.years(reader)[0]), "370200")]
    try:
        for f, parent in cases:
            page = q.children_metrics(reader, f, parent)
            g = q.layer_nodes(reader, f)
            floor = reader.df(bench._fact_floor_sql(),
                              g.params(q.resolve_year(reader, g)) | {"parent": parent})
            want = page.loc[page["talents"] > 0].set_index("adcode")["talents"]
            got = floor.set_index("adcode")["talents"].reindex(want.index)
            assert len(want) and (got == want).all(), (f, parent)
            assert len(floor) == len(want)
    finally:
        reader.close()


def test_chain_clusters_heatmap_and_etl_rows():
    (chain,) = ball.rows_chain(CHAIN)
    assert chain.ratio == 7.0 and chain.met is True
    clusters = ball.rows_clusters(CLUSTERS)
    assert clusters[0].met is False and clusters[0].ratio is None  # p95 251 > 250, no floor
    heat = ball.rows_heatmap(HEATMAP)
    assert [r.interaction for r in heat] == [
        "heatmap: 34 provinces, one query", "heatmap: 34 provinces, old batched (before)",
        "heatmap: 34 provinces, per region (before)"]
    assert heat[0].met is True and heat[0].ratio == 5.0 and heat[2].ratio == 125.0
    skipped = copy.deepcopy(HEATMAP)
    del skipped["ways"]["per region"]  # --skip-per-region
    assert len(ball.rows_heatmap(skipped)) == 2
    (etl,) = ball.rows_etl(ETL)
    assert etl.interaction == "ETL (large): 1,060,010 rows → published"
    assert (etl.p50, etl.floor_p50, etl.unit, etl.met) == (120.0, 2.0, "s", False)


def test_the_protocol_sessions_rows():
    data = {"sessions": 20, "interactions": 553, "errors": 0, "server_p50_ms": 492.0,
            "server_p95_ms": 1717.0, "alone_server_p50_ms": 127.0, "wait_p50_ms": 739.0,
            "wait_p95_ms": 2441.0, "alone_wait_p50_ms": 146.0}
    server, wait = ball.rows_protocol(data)
    assert (server.p50, server.p95, server.floor_p50) == (492.0, 1717.0, 127.0)
    assert server.met is False and "553 interactions, 0 errors" in server.note
    assert ball.rows_protocol({**data, "server_p95_ms": 280.0})[0].met is True
    assert (wait.p50, wait.p95, wait.floor_p50, wait.met) == (739.0, 2441.0, 146.0, None)


def test_printed_lines_of_the_browser_benches():
    server, click = ball.rows_concurrent(CONCURRENT)
    assert (server.p50, server.p95, server.floor_p50) == (96.0, 1300.0, 75.0)
    assert (click.p50, click.p95) == (4700.0, 9000.0) and "0 errors" in server.note
    (first,) = ball.rows_first_run("server up 2.1 s; national map drawn 41.5 s after the run")
    assert first.p50 == 41.5 and first.unit == "s"
    with pytest.raises(ValueError):
        ball.rows_concurrent("Traceback ...")


def test_a_failed_bench_is_a_row_not_a_crash(tmp_path):
    bench = next(b for b in ball.BENCHES if b.name == "chain")
    started = time.time()
    (row,) = ball.rows_from(bench, 1, "", "Traceback\nduckdb.IOException: no such file",
                            tmp_path / "chain.json", started)
    assert row.error == "exit 1: duckdb.IOException: no such file" and row.met is None
    (row,) = ball.rows_from(bench, 0, "", "", tmp_path / "missing.json", started)
    assert row.error.startswith("figures unreadable: no figures written")
    duck = ("Traceback (most recent call last):\n  File \"bench/etl.py\", line 62\n"
            "_duckdb.InvalidInputException: Invalid Input Error: CSV Error on Line: 200003\n"
            "Original Line: R1,\"Boston, USA\"\n\n  all_varchar = 1\n")
    (row,) = ball.rows_from(bench, 1, "", duck, tmp_path / "chain.json", started)
    assert row.error == ("exit 1: _duckdb.InvalidInputException: Invalid Input Error: CSV "
                         "Error on Line: 200003")
    assert ball.failure_line("") == "no output"
    out = tmp_path / "chain.json"
    out.write_text(json.dumps({"p50_ms": 1.0}), encoding="utf-8")  # a key missing
    (row,) = ball.rows_from(bench, 0, "", "", out, started - 1)
    assert row.error.startswith("figures unreadable")
    out.write_text(json.dumps(CHAIN), encoding="utf-8")
    (row,) = ball.rows_from(bench, 0, "", "", out, started - 1)
    assert row.error is None and row.p50 == 70.0
    # a file left by an earlier run does not count as this run's figures
    (row,) = ball.rows_from(bench, 0, "", "", out, time.time() + 60)
    assert row.error is not None


def test_the_table_has_every_row_aligned_with_failures_shown():
    rows = [*ball.rows_heatmap(HEATMAP), *ball.rows_etl(ETL),
            ball.Row("clusters", error="timed out after 3600 s")]
    text = ball.table(rows)
    lines = text.splitlines()
    assert lines[0].startswith("| interaction") and "ratio p50/floor" in lines[0]
    grid = [line for line in lines if line.startswith("|")]
    assert len(grid) == 2 + len(rows)
    assert len({ball.width(line) for line in grid}) == 1  # aligned, CJK counted double
    assert "| 60.0 ms" in grid[2] and "| 5.0×" in grid[2] and "| yes" in grid[2]
    assert "| 120 s" in text and "| NO" in text
    assert "FAILED: timed out after 3600 s" in grid[-1]
    assert "- ETL (large): 1,060,010 rows → published: median of 1" in text


def test_the_bytes_target_reads_what_the_default_renderer_sends():
    """With the SVG map's bytes measured, the target is theirs; the plotly map's are shown
    beside it without one (its JSON is what map_renderer=plotly_chart sends)."""
    data = {**DASHBOARD, "svg_bytes_p50": 4096, "svg_bytes_max": 10 * 1024}
    rows = by_name(ball.rows_dashboard(data))
    svg = rows["talent map: bytes per interaction (SVG map, default)"]
    assert (svg.p50, svg.max) == (4.0, 10.0) and svg.met is True
    plotly = rows["talent map: bytes per interaction (plotly map)"]
    assert plotly.max == 16.0 and plotly.met is None
    over = by_name(ball.rows_dashboard({**data, "svg_bytes_max": 16 * 1024}))
    assert over["talent map: bytes per interaction (SVG map, default)"].met is False
