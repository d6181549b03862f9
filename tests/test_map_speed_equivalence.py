"""Issue 18, the talent map made faster without changing what it shows: the children query in
one scan of the mart equals the query it replaced (every column, dtype and row, under filters of
every kind); the figure built from plain dicts without plotly's validation is a valid figure,
equal to the validated one; the class ranges and colour steps computed with numpy equal the
pandas ones; the inset's land, cut once per shapes, stays within a fifth of a pixel of the exact
cut; a metric switch or a leaf of the same map reads the same cached query."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
import shapely
import shapely.geometry

import settings
from analytics import disclosure
from analytics import queries as q
from analytics.filters import Filters
from analytics.queries import HIGH, NODE_WHERE, POPULATION, TALENT_WHERE
from figures import classed_map as cm
from maps import figures, geometry
from reference.regions import COUNTRY_ADCODE
from store.reader import Reader

# analytics.queries.CHILDREN_METRICS as it was before issue 18 (three scans of the mart, two of
# the moves): the reference the one-scan query must equal.
OLD_CHILDREN_METRICS = f"""
    WITH kids AS (SELECT adcode, name, level FROM region WHERE parent_adcode = $parent),
    base AS (
        SELECT m.adcode, m.node_id, m.tier, m.year, m.talents
        FROM mart_talent_supply m JOIN kids USING (adcode)
        WHERE m.year <= $year AND {TALENT_WHERE}
    ),
    nat AS (
        SELECT sum(talents) AS total,
               sum(talents) FILTER (WHERE {NODE_WHERE}) AS in_nodes
        FROM mart_talent_supply WHERE adcode = '100000' AND year <= $year AND {TALENT_WHERE}
    ),
    agg AS (
        SELECT adcode,
               sum(talents) FILTER (WHERE {NODE_WHERE}) AS talents,
               sum(talents) FILTER (WHERE {NODE_WHERE} AND year <= $year - 1) AS talents_prev,
               sum(talents) FILTER (WHERE {NODE_WHERE} AND {HIGH}) AS high_level,
               sum(talents) AS all_nodes
        FROM base GROUP BY adcode
    ),
    flows AS (
        SELECT adcode, sum(arrivals) AS arrivals, sum(departures) AS departures FROM (
            SELECT to_adcode AS adcode, moves AS arrivals, 0 AS departures, node_id
            FROM mart_moves JOIN kids ON kids.adcode = to_adcode AND kids.level = mart_moves.level
            WHERE year = $year
            UNION ALL
            SELECT from_adcode, 0, moves, node_id
            FROM mart_moves JOIN kids ON kids.adcode = from_adcode
                 AND kids.level = mart_moves.level
            WHERE year = $year
        ) WHERE {NODE_WHERE} GROUP BY adcode
    ),
    pop AS ({POPULATION}),
    par AS (
        SELECT coalesce(sum(talents) FILTER (WHERE {NODE_WHERE}), 0) AS talents,
               coalesce(sum(talents) FILTER (WHERE {NODE_WHERE} AND {HIGH}), 0) AS high_level,
               coalesce(sum(talents) FILTER (WHERE {NODE_WHERE} AND year <= $year - 1), 0)
                   AS talents_prev
        FROM mart_talent_supply WHERE adcode = $parent AND year <= $year AND {TALENT_WHERE}
    )
    SELECT k.adcode, k.name, k.level,
           coalesce(a.talents, 0) AS talents, coalesce(a.high_level, 0) AS high_level,
           coalesce(a.talents_prev, 0) AS talents_prev,
           p.population,
           coalesce(a.talents, 0) / (p.population / 10000.0) AS density,
           coalesce(a.talents, 0) / nullif(nat.in_nodes, 0) AS share,
           CASE WHEN $has_nodes THEN (coalesce(a.talents, 0) / nullif(a.all_nodes, 0))
                / nullif(nat.in_nodes / nullif(nat.total, 0), 0) END AS lq,
           coalesce(a.all_nodes, 0) >= $min_base AS lq_credible,
           a.talents / nullif(a.talents_prev, 0) - 1 AS growth,
           coalesce(fl.arrivals, 0) - coalesce(fl.departures, 0) AS net_inflow,
           coalesce(fl.arrivals, 0) AS arrivals, coalesce(fl.departures, 0) AS departures,
           par.talents AS parent_talents, par.high_level AS parent_high_level,
           par.talents_prev AS parent_talents_prev
    FROM kids k LEFT JOIN agg a USING (adcode) LEFT JOIN pop p USING (adcode)
    LEFT JOIN flows fl USING (adcode) CROSS JOIN nat CROSS JOIN par
    ORDER BY talents DESC, k.adcode
    """  # noqa: S608 - constant fragments only


@pytest.fixture(scope="module")
def demo(demo_db):
    r = Reader(demo_db)
    yield r
    r.close()


def _old(r: Reader, f: Filters, parent: str) -> pd.DataFrame:
    f = q.layer_nodes(r, f)
    year = q.resolve_year(r, f)
    params = f.params(year) | {"parent": parent, "has_nodes": bool(f.nodes),
                               "min_base": settings.get("lq_min_base")}
    df = r.df(OLD_CHILDREN_METRICS, params)
    df["rank"] = df["talents"].rank(ascending=False, method="min").astype(int)
    return df


def _filters(r: Reader) -> list[Filters]:
    nodes = q.chain_nodes(r)["node_id"].tolist()
    years = q.years(r)
    return [Filters(), Filters(nodes=tuple(nodes[:2]), tiers=("A", "B")),
            Filters(education=("博士", "硕士"), returnees_only=True), Filters(layer="基础层"),
            Filters(year=years[0], experience=("5-10年",)), Filters(nodes=(nodes[-1],)),
            Filters(year=1999), Filters(tiers=("Z",))]


@pytest.mark.parametrize("parent", [COUNTRY_ADCODE, "370000", "370200", "110100", "460000",
                                    "999999"])
def test_the_one_scan_query_equals_the_old_one(demo, parent):
    for f in _filters(demo):
        pd.testing.assert_frame_equal(q.children_metrics(demo, f, parent), _old(demo, f, parent),
                                      check_exact=True, obj=f"{parent} {f}")


def test_the_year_is_looked_up_once_per_version(demo, monkeypatch):
    q.resolve_year(demo, Filters())
    calls = []
    monkeypatch.setattr(q, "years", lambda r: calls.append(1) or [])
    assert q.resolve_year(demo, Filters(year=2022)) in (2022, q.default_year(demo))
    assert not calls, "a second filter change reads the memo, not the mart"


def test_a_metric_switch_or_a_leaf_reads_the_same_query(demo):
    from views.talent_map import query_filters

    f = Filters(region="370212", metric="share", tiers=("A",))
    parent = q.map_parent(demo, f.region)
    assert query_filters(f, parent) == query_filters(f.with_(metric="lq", region=parent), parent)
    pd.testing.assert_frame_equal(q.children_metrics(demo, query_filters(f, parent), parent),
                                  q.children_metrics(demo, f, parent))


# -- the figure ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def national(tmp_path_factory):
    return geometry.children_geojson(COUNTRY_ADCODE, tmp_path_factory.getbasetemp() / "geo_eq")


def _rows(geo):
    feats = geo["features"]
    rows = pd.DataFrame({"adcode": [f["id"] for f in feats],
                         "name": [f["properties"]["name"] for f in feats]})
    rows["value"] = np.arange(1, len(rows) + 1, dtype=float) ** 1.7
    rows["kind"] = "value"
    for code, kind in (("540000", "small"), ("650000", "hidden"), ("710000", "none"),
                       ("460000", "weak")):
        rows.loc[rows["adcode"] == code, ["value", "kind"]] = [np.nan, kind]
    rows["hover_text"] = "<b>" + rows["name"] + "</b><br>人才数量: x"
    return rows


def _untemplated(fig: go.Figure) -> dict:
    """The figure's JSON without its template (validating an empty one fills in a stub)."""
    spec = json.loads(fig.to_json())
    spec["layout"].pop("template", None)
    return spec


@pytest.mark.parametrize("inset", [False, True])
def test_the_unvalidated_figure_is_the_validated_one(national, inset):
    fig = cm.classed_map(_rows(national), "app/static/geojson/100000.json", shapes=national,
                         legend_title="人才数量 (人)", maritime=geometry.maritime_lines(),
                         inset=inset, width_px=620, height=560)
    assert _untemplated(go.Figure(fig.to_dict())) == _untemplated(fig)  # validation raises
    assert fig.layout.template.to_plotly_json() == {}, "no template travels with the map"
    for tr in fig.data:
        if tr.type == "choroplethmap":
            assert tr.text is None, "names travel once, in the hover"


def test_class_ranges_and_steps_equal_the_pandas_ones():
    rng = np.random.default_rng(3)
    for n in (1, 2, 5, 7, 40):
        values = pd.Series(rng.integers(0, 50, n).astype(float))
        values[rng.random(n) < 0.2] = np.nan
        for method in cm.METHODS:
            cls = cm.classify(values, cm.MapClasses(method, 5))
            if cls.isna().all():
                continue
            want = []
            for c in range(int(cls.max()) + 1):
                v = values[cls == c]
                lo, hi = f"{v.min():,.1f}", f"{v.max():,.1f}"
                want.append(lo if lo == hi else f"{lo} – {hi}")
            assert cm.class_labels(values, cls, lambda x: f"{x:,.1f}") == want
            colors = cm.class_colors(len(want))
            v = values[cls.notna()].astype(float)
            got = cm.stepped_scale(values, cls, colors)
            assert (got["zmin"], got["zmax"]) == (float(v.min()), float(v.max())) or \
                got["zmax"] == got["zmin"] + 1
            if v.max() > v.min():
                steps = [(float(v[cls == c - 1].max()) + float(v[cls == c].min())) / 2
                         for c in range(1, len(colors))]
                ts = [(s - v.min()) / (v.max() - v.min()) for s in steps]
                assert [t for t, _ in got["colorscale"][1:-1:2]] == ts


def test_the_inset_land_is_cut_once_and_stays_within_a_fifth_of_a_pixel(national):
    land = cm.inset_land(national)
    assert cm.inset_land(national) is land, "cached by the shapes"
    assert {code for code, _ in land} == {
        str(f["id"]) for f in national["features"]
        if str(f["id"]) in figures.SCS_PROVINCES and f.get("geometry")}
    box = shapely.box(*figures.SCS_BOUNDS)
    exact = {str(f["id"]): shapely.intersection(shapely.geometry.shape(f["geometry"]), box)
             for f in national["features"] if str(f["id"]) in figures.SCS_PROVINCES}
    for code, geo in land:
        pts = shapely.points([xy for f in geo["features"] for poly in f["geometry"]["coordinates"]
                              for ring in poly for xy in ring])
        assert len(pts) > 3
        # every point drawn lies within the tolerance (and the rounding) of the true shape
        assert float(shapely.distance(pts, exact[code]).max()) <= \
            cm.INSET_TOLERANCE + 10 ** -cm.INSET_DECIMALS
    # the inset's scale: SCS_BOUNDS' width in about a fifth of the 620-px map
    px_deg = (figures.SCS_BOUNDS[2] - figures.SCS_BOUNDS[0]) / (0.2 * 620)
    assert cm.INSET_TOLERANCE < px_deg / 4


def test_the_page_figure_equals_the_validated_one_on_the_demo(demo, national):
    from views.talent_map import map_figure

    values = disclosure.children(q.children_metrics(demo, Filters(), COUNTRY_ADCODE), 5)
    fig = map_figure(values, COUNTRY_ADCODE, "talents", national, 5,
                     geojson="app/static/geojson/100000.json",
                     maritime=geometry.maritime_lines())
    spec = _untemplated(fig)
    assert _untemplated(go.Figure(fig.to_dict())) == spec
    hovers = [h[0] for t in spec["data"] if t["type"] == "choroplethmap" for h in t["customdata"]]
    assert len(hovers) == 34 and all(re.match(r"<b>.+</b><br>", h) for h in hovers)
