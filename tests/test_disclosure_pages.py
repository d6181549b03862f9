"""The small-count rule where an aggregate-only user meets it: the talent-map page (its ranking
table and the figure sent to the browser) and the brief, on the demo warehouse, as a planner.
The attacker (tests/disclosure_attacker.py) works from what is shown only."""

from __future__ import annotations

import json

import pytest
import streamlit as st

from analytics import queries as q
from analytics.filters import COUNTRY, Filters
from exports import brief
from figures.classed_map import KINDS
from store.reader import Reader
from tests import disclosure_attacker as attack
from tests import fixtures
from tests.test_map_component import figure_specs
from tests.test_roles import values
from views import svg_map

K = 5
# The small demo: Shandong's cities (12 of 16 below 5), Qingdao's districts (6 of 10), the
# provinces under one tier (7 of 34), all provinces (1 of 34).
CASES = [
    ({"region": "370000", "metric": "share"}, "370000"),
    # 青岛's districts all reach 5 on the small demo (its home region is sampled densely): the
    # small counts are in one node (A04: 55 talents, seven districts, four of them below 5)
    ({"region": "370200", "metric": "density", "nodes": "A04"}, "370200"),
    ({"tiers": "B", "metric": "talents"}, COUNTRY),
    ({"metric": "share"}, COUNTRY),
]


@pytest.fixture
def planner_app(demo_db, monkeypatch):
    monkeypatch.setenv("TALENTMAP_DB_PATH", str(demo_db))
    monkeypatch.setenv("TALENTMAP_ROLE", "planner")
    monkeypatch.setenv("TALENTMAP_SMALL_CELL_K", str(K))
    monkeypatch.setenv("TALENTMAP_GEOJSON_MODE", "url")
    monkeypatch.delenv("TALENTMAP_USERS_FILE", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()

    def make(query, renderer: str = "plotly_chart"):
        monkeypatch.setenv("TALENTMAP_MAP_RENDERER", renderer)
        return fixtures.open_app("views/talent_map.py", query)
    return make


def _filters(query: dict) -> Filters:
    split = lambda key: tuple(query[key].split(",")) if key in query else ()  # noqa: E731
    return Filters(region=query.get("region", COUNTRY), tiers=split("tiers"),
                   nodes=split("nodes"), metric=query.get("metric", "talents"))


@pytest.mark.parametrize("renderer", ["svg", "plotly_chart"])
@pytest.mark.parametrize("query, parent", CASES)
def test_the_talent_map_gives_no_small_count_away(planner_app, demo_db, query, parent,
                                                  renderer):
    at = planner_app(query, renderer)
    truth = q.children_metrics(Reader(demo_db), _filters(query), parent)
    small = {n for n, v in zip(truth["name"], truth["talents"], strict=True) if 0 < v < K}
    table = at.dataframe[0].value
    metric_col = table.columns[2]  # rank, name, the chosen metric, …
    shown = dict(zip(table["地区"] if "地区" in table else table.iloc[:, 1],
                     table["人才数量"], strict=True))
    # Every small count reads '<5' or '保密', and so does the metric computed from it.
    assert small and {n for n in small if shown[n] not in ("<5", "保密")} == set()
    derived = dict(zip(table.iloc[:, 1], table[metric_col], strict=True))
    assert {n for n in small if derived[n] not in ("保密", "<5")} == set()
    # Parent − visible children pins nothing (the parent's count is on its own card).
    total = float(truth["parent_talents"].iloc[0])
    cells = [shown[n] for n in truth["name"]]
    pinned = attack.parent_minus_children(cells, total, K)
    true = truth["talents"].tolist()
    assert {i: v for i, v in pinned.items() if 0 < true[i] < K and v == true[i]} == {}
    codes = dict(zip(truth["name"], truth["adcode"], strict=True))
    if renderer == "svg":
        # What the SVG map is sent: their fill is a withheld kind's, not a class's; their
        # hover has the label, not the count.
        [data] = [json.loads(c.proto.json) for c in at.get("bidi_component")
                  if c.proto.component_name == svg_map.NAME]
        regions = {r[0]: r for sh in data["shapes"] for r in sh["regions"]}
        for n in small:
            assert regions[codes[n]][1] in (KINDS["small"][0], KINDS["hidden"][0]), n
            assert regions[codes[n]][3].endswith(f"人才数量: {shown[n]}"), regions[codes[n]]
        return
    # The figure sent to the browser carries no value and no count for them.
    spec = figure_specs(at)[0]
    layers = [tr for tr in spec["data"] if tr.get("type") == "choroplethmap"]
    valued = [tr for tr in layers if tr.get("name") != "无数据"]
    assert len(layers) == 2 and len(valued) == 1
    located = dict(zip(valued[0]["locations"], values(valued[0]["z"]), strict=True))
    assert {codes[n] for n in small} & set(located) == set()
    grey = next(tr for tr in layers if tr.get("name") == "无数据")
    assert {codes[n] for n in small} <= set(grey["locations"])
    # Their hover says why they are grey, with the label and not the count.
    notes = dict(zip(grey["locations"], (c[0] for c in grey["customdata"]), strict=True))
    for n in small:
        assert notes[codes[n]].endswith(f"人才数量: {shown[n]}"), notes[codes[n]]


@pytest.mark.parametrize("region", ["320000", "330000"])  # provinces with small cities listed
def test_the_brief_gives_no_small_count_away(demo_db, region):
    ctx = brief.context(Reader(demo_db), region, k=K)
    html = brief.map_section(ctx)
    parent = q.map_parent(ctx.reader, ctx.region)
    truth = q.children_metrics(ctx.reader, ctx.f, parent)
    rows = _table_rows(html)
    for name, talents, _high, density, share in rows:
        true = int(truth.set_index("name").at[name, "talents"])
        if 0 < true < K:
            assert talents in ("<5", "保密") and density == "保密" and share == "保密", name
        if talents in ("<5", "保密"):
            assert density == share == "保密", name
    assert any(r[1] in ("<5", "保密") for r in rows)  # the case has small counts to protect


def _table_rows(html: str) -> list[list[str]]:
    """Rows of the last table of a brief section (cells as text)."""
    import re

    body = html.rsplit("<table", 1)[1]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", r, flags=re.S) for r in rows]
    return [[c.replace("&lt;", "<") for c in r] for r in cells if r]
