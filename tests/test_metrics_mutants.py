"""analytics/metrics.py pinned by the mutation audit (docs/testing.md, "Mutation testing"): which
figures are head counts (withheld when small), a metric's name, unit and definition in each
language, and the lookup by id."""

from __future__ import annotations

import pytest

from analytics import metrics

# Every head count of the registry: exactly these are withheld as '<k' when small.
HEAD_COUNTS = ["talents", "high_level", "talents_prev", "active", "arrivals", "departures",
               "moves", "talent", "returnees", "willing_to_relocate", "expecting_here"]


def test_exactly_these_metrics_count_people():
    assert [m.id for m in metrics.REGISTRY if m.counts_people] == HEAD_COUNTS


@pytest.mark.parametrize("metric_id", ["enterprises", "postings", "density", "share", "lq",
                                       "growth", "sd_ratio", "net_inflow", "net", "net_per_10k",
                                       "lq_talent", "sd_band", "gap_score", "lq_weight", "score"])
def test_figures_that_are_not_head_counts(metric_id):
    assert metrics.get(metric_id).counts_people is False


def test_a_head_count_made_by_the_shorthand_is_people_in_both_languages():
    m = metrics.get("returnees")
    assert (m.id, m.zh, m.en, m.unit, m.unit_en, m.counts_people, m.fmt, m.derived_from) == (
        "returnees", "海归人才", "Returnees", "人", "people", True, "count", ())


@pytest.mark.parametrize(("lang", "label", "unit"), [
    ("zh", "每万人人才数", "人/万人"),
    ("en", "Talent per 10,000 residents", "per 10k residents"),
    ("fr", "每万人人才数", "人/万人"),      # any other language: the Chinese default
])
def test_label_and_unit_in_each_language(lang, label, unit):
    m = metrics.get("density")
    assert m.label(lang) == label
    assert m.unit_of(lang) == unit


def test_label_and_unit_default_to_chinese():
    m = metrics.get("moves")
    assert (m.label(), m.unit_of()) == ("流动人次", "人次")


def test_the_definition_is_the_registrys_text():
    assert metrics.get("growth").definition == "本年人才数量 ÷ 上年人才数量 − 1。"
    assert [m.id for m in metrics.REGISTRY if not m.definition] == []


def test_get_returns_the_metric_of_the_id():
    assert metrics.get("gap_score") is metrics.BY_ID["gap_score"]
    assert metrics.get("gap_score").unit == "分 (0–100)"
    with pytest.raises(KeyError, match="未知指标 'nope'; 可选: talents, high_level"):
        metrics.get("nope")
