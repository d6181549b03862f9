"""The global filters and their round trip through (untrusted) URL query params."""

from __future__ import annotations

import pytest

from analytics.filters import (
    COUNTRY,
    EDUCATION,
    EXPERIENCE_BANDS,
    LAYERS,
    METRICS,
    TIERS,
    Filters,
    Thresholds,
)

REGIONS = {"100000", "370000", "370200", "370212"}
NODES = {"T14", "T11", "A07"}


def parse(qp, regions=REGIONS, nodes=NODES, years=(2015, 2025)) -> Filters:
    return Filters.from_query_params(qp, known_regions=regions, known_nodes=nodes, years=years)


def test_defaults_from_nothing():
    assert parse({}) == Filters()
    assert Filters.from_query_params({}) == Filters()
    assert Filters() == Filters(region="100000", layer=None, nodes=(), tiers=(), education=(),
                                experience=(), returnees_only=False, year=None, metric="talents")


def test_every_field_round_trips():
    f = Filters(region="370212", layer="技术层", nodes=("T14", "A07"), tiers=("A", "D"),
                education=("博士", "硕士"), experience=("10+", "0-3"), returnees_only=True,
                year=2024, metric="lq")
    qp = f.to_query_params()
    assert qp == {"region": "370212", "layer": "技术层", "nodes": "T14,A07", "tiers": "A,D",
                  "education": "博士,硕士", "experience": "10+,0-3", "returnees_only": "1",
                  "year": "2024", "metric": "lq"}
    assert parse(qp) == f
    assert Filters().to_query_params() == {}


@pytest.mark.parametrize("year", [2015, 2016, 2020, 2024, 2025])
def test_every_year_in_the_range_is_kept(year):
    assert parse({"year": str(year)}).year == year


@pytest.mark.parametrize("year", ["2014", "2026", "0", "-2020", "20x4", "", "2024.0", "²⁰²⁴",
                                  "9" * 300])
def test_years_outside_the_range_or_malformed_are_dropped(year):
    assert parse({"year": year}).year is None


def test_the_default_year_range():
    assert Filters.from_query_params({"year": "2000"}).year == 2000
    assert Filters.from_query_params({"year": "2100"}).year == 2100
    assert Filters.from_query_params({"year": "1999"}).year is None
    assert Filters.from_query_params({"year": "2101"}).year is None


@pytest.mark.parametrize("layer", LAYERS)
def test_each_layer_is_kept(layer):
    assert parse({"layer": layer}).layer == layer


@pytest.mark.parametrize("layer", ["", "全部", "技术", "技术层 ", "x"])
def test_unknown_layers_are_dropped(layer):
    assert parse({"layer": layer}).layer is None


@pytest.mark.parametrize(("region", "expected"), [
    ("370212", "370212"), ("370200", "370200"), ("100000", "100000"),
    ("999999", COUNTRY),       # well formed, not a known region
    ("37021", COUNTRY), ("3702120", COUNTRY), ("37021a", COUNTRY), ("", COUNTRY),
    ("370212\n", COUNTRY), ("../etc", COUNTRY),
])
def test_region_must_be_known_and_well_formed(region, expected):
    assert parse({"region": region}).region == expected


def test_without_a_region_list_any_well_formed_code_is_kept():
    assert Filters.from_query_params({"region": "999999"}).region == "999999"
    assert Filters.from_query_params({"region": "99999"}).region == COUNTRY


def test_nodes_must_be_known_and_well_formed():
    f = parse({"nodes": "T14,X99,t11,T1,T111,A07,T14,,A07"})
    assert f.nodes == ("T14", "A07")          # X99 unknown, the rest malformed, no repeats
    assert parse({"nodes": "X99"}).nodes == ()
    # Without a node list, every well-formed id is kept.
    assert Filters.from_query_params({"nodes": "X99,T1,B01"}).nodes == ("X99", "B01")
    assert Filters.from_query_params({"nodes": "X99"}, known_nodes=set()).nodes == ()


@pytest.mark.parametrize(("key", "allowed"), [
    ("tiers", TIERS), ("education", EDUCATION), ("experience", EXPERIENCE_BANDS)])
def test_multi_value_whitelists(key, allowed):
    raw = ",".join([allowed[-1], "bogus", allowed[0], allowed[-1], ""])
    assert getattr(parse({key: raw}), key) == (allowed[-1], allowed[0])
    assert getattr(parse({key: ",".join(allowed)}), key) == tuple(allowed)
    assert getattr(parse({key: "bogus"}), key) == ()


@pytest.mark.parametrize("metric", METRICS)
def test_each_metric_is_kept(metric):
    assert parse({"metric": metric}).metric == metric


def test_unknown_metric_falls_back_to_talents():
    assert parse({"metric": "drop table"}).metric == "talents"
    assert parse({"metric": ""}).metric == "talents"


@pytest.mark.parametrize(("value", "expected"), [
    ("1", True), ("0", False), ("true", False), ("", False), ("11", False)])
def test_returnees_only_is_exactly_1(value, expected):
    assert parse({"returnees_only": value}).returnees_only is expected


def test_list_values_take_the_last_and_long_values_are_cut():
    assert parse({"region": ["370000", "370200", "370212"],
                  "year": ["2015", "2016", "2024"]}) == Filters(region="370212", year=2024)
    assert parse({"region": []}).region == COUNTRY
    # 200 characters at most: a value is cut after its 200th character.
    nodes = "T14," * 49 + ",A07"                   # A07 ends at the 200th character
    assert len(nodes) == 200
    assert parse({"nodes": nodes}).nodes == ("T14", "A07")
    assert parse({"nodes": nodes + "X"}).nodes == ("T14", "A07")   # the X is cut off
    assert parse({"nodes": nodes[1:] + "X"}).nodes == ("T14",)     # A07X: not a node id
    assert parse({"year": 2024}).year == 2024      # not a string: still read


def test_params_for_the_mart_query():
    f = Filters(nodes=("T14",), tiers=("A",), education=("博士",), experience=("10+",),
                returnees_only=True, year=2020)
    assert f.params(2023) == {"nodes": ["T14"], "tiers": ["A"], "education": ["博士"],
                              "experience": ["10+"], "returnees_only": True, "year": 2023}
    assert Filters().with_(region="370200", year=2024) == Filters(region="370200", year=2024)


def test_to_query_params_writes_only_what_differs():
    assert Filters(returnees_only=True).to_query_params() == {"returnees_only": "1"}
    assert Filters(metric="talents", year=None).to_query_params() == {}
    assert Filters(nodes=("T14",)).to_query_params() == {"nodes": "T14"}


def test_threshold_defaults():
    t = Thresholds()
    assert (t.small_cell_k, t.lq_missing, t.lq_stronghold, t.sd_bands) == (
        5, 0.5, 1.2, (0.59, 0.90, 1.20))


@pytest.mark.parametrize(("qp", "field", "expected"), [
    ({"year": "²⁰²⁴"}, "year", None),          # isdigit() but not int(): once crashed the page
    ({"year": "２０２４"}, "year", None),        # full-width digits
    ({"year": "2024\n"}, "year", None),
    ({"region": "٣٧٠٢١٢"}, "region", COUNTRY),  # Arabic-Indic digits
    ({"region": "370212\n"}, "region", COUNTRY),
    ({"nodes": "T14\n,B٠١"}, "nodes", ()),
])
def test_only_ascii_digits_and_whole_values(qp, field, expected):
    assert getattr(Filters.from_query_params(qp), field) == expected
