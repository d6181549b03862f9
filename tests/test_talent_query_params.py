"""The cluster page's filters in the URL: ``TalentFilters.to_query_params`` and the strict,
whitelisting ``TalentFilters.from_query_params`` (URL params are untrusted), and the clustering
parameters beside them."""

from __future__ import annotations

import pytest

from analytics.filters import (
    Filters,
    clustering_from_query_params,
    clustering_to_query_params,
)
from analytics.talent_aggregates import TalentFilters

NODES = {"T14", "T11", "A04"}
REGIONS = {"100000", "370000", "370200", "370212"}
UNIS = ["山东大学", "中国海洋大学", "Massachusetts Institute of Technology"]
VOCAB = {"VR": ("VR", "VR头显"), "PyTorch": ("PyTorch",), "C++": ("C++",)}
DEFAULT = (25.0, 5, True)


def resolve(text: str):
    """What state.resolve_skills gives: the terms, and per term the skills it matches."""
    terms = tuple(t for t in text.split(",") if t)
    return terms, tuple(VOCAB.get(t, ()) for t in terms)


def parse(qp, **kw) -> TalentFilters:
    args = {"known_nodes": NODES, "known_regions": REGIONS, "universities": UNIS,
            "resolve": resolve} | kw
    return TalentFilters.from_query_params(qp, **args)


FULL = TalentFilters(skills=(("VR", "VR头显"), ("PyTorch",)), skill_terms=("VR", "PyTorch"),
                     nodes=("T14", "A04"), tiers=("B", "D"), education=("硕士", "博士"),
                     universities=("山东大学", "Massachusetts Institute of Technology"),
                     exp_min=5.0, exp_max=20.0, age_bands=("<30", "30-39"),
                     returnees_only=True, relocate_only=True, expected="370200")


def test_every_field_round_trips():
    qp = FULL.to_query_params()
    assert qp == {"c_skills": "VR,PyTorch", "c_nodes": "T14,A04", "c_tiers": "B,D",
                  "c_edu": "硕士,博士", "c_unis": "山东大学,Massachusetts Institute of Technology",
                  "c_age": "<30,30-39", "c_exp_min": "5", "c_exp_max": "20", "c_ret": "1",
                  "c_reloc": "1", "c_expected": "370200"}
    assert parse(qp) == FULL
    assert TalentFilters().to_query_params() == {}
    assert parse({}) == TalentFilters()


def test_keys_do_not_collide_with_the_global_filters():
    f = Filters(region="370200", nodes=("T14",), tiers=("A",), education=("博士",),
                returnees_only=True)
    assert not set(f.to_query_params()) & set(FULL.to_query_params())
    # the global filters' own keys mean nothing here, and the other way round
    assert parse(f.to_query_params()) == TalentFilters()
    assert Filters.from_query_params(FULL.to_query_params()) == Filters()


@pytest.mark.parametrize("qp, expected", [
    # unknown or malformed node ids, tiers, education levels, age bands: dropped one by one
    ({"c_nodes": "T14,T99,t14,T1,../etc,T14"}, TalentFilters(nodes=("T14",))),
    ({"c_tiers": "A,Z,,a,'; DROP TABLE talent; --"}, TalentFilters(tiers=("A",))),
    ({"c_edu": "博士,PhD,博士后"}, TalentFilters(education=("博士",))),
    ({"c_age": "<30,<script>,99+"}, TalentFilters(age_bands=("<30",))),
    # universities: only known ones
    ({"c_unis": "山东大学,野鸡大学,<b>x</b>"}, TalentFilters(universities=("山东大学",))),
    # years: ASCII digits in range; min ≤ max; 0 and 40 are the slider's ends (no filter)
    ({"c_exp_min": "-3", "c_exp_max": "99"}, TalentFilters()),
    ({"c_exp_min": "٣", "c_exp_max": "1e1"}, TalentFilters()),
    ({"c_exp_min": "5.5", "c_exp_max": "nan"}, TalentFilters()),
    ({"c_exp_min": "0", "c_exp_max": "40"}, TalentFilters()),
    ({"c_exp_min": "12", "c_exp_max": "3"}, TalentFilters()),
    ({"c_exp_min": "40"}, TalentFilters(exp_min=40.0)),
    ({"c_exp_max": "0"}, TalentFilters(exp_max=0.0)),
    # flags: exactly "1"
    ({"c_ret": "true", "c_reloc": "yes"}, TalentFilters()),
    ({"c_ret": ["0", "1"]}, TalentFilters(returnees_only=True)),  # the last value counts
    # the expected city: a known six-digit code, not the country
    ({"c_expected": "999999"}, TalentFilters()),
    ({"c_expected": "100000"}, TalentFilters()),
    ({"c_expected": "37020"}, TalentFilters()),
    ({"c_expected": "370200\n"}, TalentFilters()),
    ({"c_expected": "３７０２００"}, TalentFilters()),
    # skills: a term must look like a skill and match the vocabulary
    ({"c_skills": "VR,<script>alert(1)</script>,不存在,C++"},
     TalentFilters(skills=(("VR", "VR头显"), ("C++",)), skill_terms=("VR", "C++"))),
    ({"c_skills": "x" * 41}, TalentFilters()),
    ({"c_skills": "VR"}, None),  # see the test below: no resolver, no skills
    # a list, a number, nothing
    ({"c_nodes": ["T99", "T14"], "c_tiers": 5, "c_edu": None}, TalentFilters(nodes=("T14",))),
])
def test_hostile_values_are_dropped(qp, expected):
    if expected is None:
        assert parse(qp, resolve=None) == TalentFilters()
    else:
        assert parse(qp) == expected


def test_long_values_are_cut_before_parsing():
    many = ",".join(["T14"] * 5000)
    assert parse({"c_nodes": many}).nodes == ("T14",)
    terms = ",".join(f"VR{i}" for i in range(50))
    looked_up = []
    parse({"c_skills": terms}, resolve=lambda text: looked_up.append(text) or resolve(text))
    assert len(looked_up[0].split(",")) == 10  # at most MAX_SKILL_TERMS terms are looked up


def test_without_whitelists_the_shapes_are_checked():
    tf = TalentFilters.from_query_params({"c_nodes": "T14,X99,ZZ", "c_expected": "440300",
                                          "c_unis": "清华大学,<img src=x>,a"})
    assert (tf.nodes, tf.expected, tf.universities) == (("T14", "X99"), "440300", ("清华大学",))


@pytest.mark.parametrize("qp, expected", [
    ({}, DEFAULT),
    ({"c_eps": "50", "c_min": "12", "c_by_node": "0"}, (50.0, 12, False)),
    ({"c_eps": "7"}, DEFAULT),       # not on the slider's 5 km steps
    ({"c_eps": "0"}, DEFAULT),       # below the range
    ({"c_eps": "205"}, DEFAULT),     # above it
    ({"c_eps": "25.0"}, DEFAULT),
    ({"c_min": "0"}, DEFAULT),
    ({"c_min": "1001"}, DEFAULT),
    ({"c_min": "-5"}, DEFAULT),
    ({"c_by_node": "false"}, DEFAULT),
])
def test_clustering_parameters(qp, expected):
    assert clustering_from_query_params(qp, DEFAULT) == expected


def test_clustering_parameters_round_trip():
    assert clustering_to_query_params(DEFAULT, DEFAULT) == {}
    qp = clustering_to_query_params((50.0, 12, False), DEFAULT)
    assert qp == {"c_eps": "50", "c_min": "12", "c_by_node": "0"}
    assert clustering_from_query_params(qp, DEFAULT) == (50.0, 12, False)
