"""Disclosure control (analytics/disclosure.py) and the attacker (tests/disclosure_attacker.py):
the cases of issue #16 with their exact outcomes, then random tables and random filters on the
demo warehouse, where the attacker must never pin down a count in 1..k−1."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import disclosure as d
from tests import disclosure_attacker as attack


def shown(ctl: d.Controlled, col: str) -> list[str]:
    return ctl.text(col, d.fmt_count).tolist()


# --- the rules, one case each ---------------------------------------------------------------

def test_primary_withholds_one_to_k_minus_one_and_shows_zero():
    ctl = d.control(pd.DataFrame({"n": [0, 1, 4, 5, 120]}), 5, counts=["n"])
    assert shown(ctl, "n") == ["0", "<5", "<5", "5", "120"]
    assert ctl.values["n"].isna().tolist() == [False, True, True, False, False]


def test_no_k_no_rule():
    df = pd.DataFrame({"n": [1, 2], "share": [0.1, 0.2]})
    ctl = d.control(df, None, counts=["n"], derived={"share": ["n"]}, totals={"n": 3})
    assert shown(ctl, "n") == ["1", "2"]
    assert ctl.values["share"].tolist() == [0.1, 0.2]


def test_share_of_a_withheld_count_is_withheld():
    # 济南市 <5 beside 占全国比重 1.0 % of a visible national 206 gave 2 people back.
    df = pd.DataFrame({"talents": [2, 204], "share": [2 / 206, 204 / 206],
                       "density": [0.01, 0.9]})
    ctl = d.control(df, 5, counts=["talents"], derived={"share": ["talents"],
                                                         "density": ["talents"]})
    assert ctl.values["share"].isna().tolist() == [True, False]
    assert ctl.text("share", lambda v: f"{v:.1%}").tolist() == ["保密", "99.0%"]
    assert ctl.values["density"].isna().tolist() == [True, False]


def test_a_lone_small_cell_takes_the_smallest_visible_one_with_it():
    # Parent 28 = 3 + 5 + 20 + 0: with only the 3 withheld, 28 − 25 = 3.
    ctl = d.control(pd.DataFrame({"n": [3, 5, 20, 0]}), 5, counts=["n"], totals={"n": 28})
    assert shown(ctl, "n") == ["<5", "保密", "20", "0"]


def test_two_small_cells_that_are_both_one_are_not_left_alone():
    # 11 − 9 = 2 = 1 + 1: both ones would be pinned, so the 9 goes too.
    ctl = d.control(pd.DataFrame({"n": [1, 1, 9]}), 5, counts=["n"], totals={"n": 11})
    assert shown(ctl, "n") == ["<5", "<5", "保密"]


def test_two_small_cells_with_room_to_move_need_nothing_more():
    ctl = d.control(pd.DataFrame({"n": [1, 3, 9]}), 5, counts=["n"], totals={"n": 13})
    assert shown(ctl, "n") == ["<5", "<5", "9"]


def test_when_nothing_visible_is_left_every_withheld_cell_reads_the_same():
    # 6 = 1 + 5: '<5' and '保密 (≥ 5)' would leave 1 and 5; all read 保密 (≥ 0): 1+5, 2+4, …
    ctl = d.control(pd.DataFrame({"n": [1, 5, 0]}), 5, counts=["n"], totals={"n": 6})
    assert shown(ctl, "n") == ["保密", "保密", "保密"]
    # Three people in three districts: with the zeros shown, 3 = 1 + 1 + 1 would be forced.
    ctl = d.control(pd.DataFrame({"n": [1, 1, 1, 0]}), 3, counts=["n"], totals={"n": 3})
    assert shown(ctl, "n") == ["保密"] * 4


def test_a_small_total_is_not_a_known_total():
    ctl = d.control(pd.DataFrame({"n": [1, 1, 20]}), 5, counts=["n"], totals={"n": 4})
    assert shown(ctl, "n") == ["<5", "<5", "20"]


def test_a_part_of_a_withheld_whole_is_withheld_with_it():
    df = pd.DataFrame({"talents": [3, 6, 40], "high_level": [0, 6, 12]})
    ctl = d.control(df, 5, counts=["talents", "high_level"], within={"high_level": "talents"},
                    totals={"talents": 49})
    assert shown(ctl, "talents") == ["<5", "保密", "40"]
    assert shown(ctl, "high_level") == ["0", "保密", "12"]


def test_growth_goes_with_either_year():
    df = pd.DataFrame({"talents": [9, 2], "talents_prev": [3, 2], "growth": [2.0, 0.0]})
    ctl = d.control(df, 5, counts=["talents", "talents_prev"],
                    derived={"growth": ["talents", "talents_prev"]})
    assert ctl.values["growth"].isna().tolist() == [True, True]
    assert ctl.why["growth"].tolist() == ["talents_prev", "talents"]


def test_flows_net_goes_with_either_side():
    # 流入 17 / 流出 18 beside 净流入 <5: the net is not small-count data, the sides are.
    assert d.flows(17, 18, 5) == {"arrivals": 17, "departures": 18, "net": -1,
                                  "net_per_10k": None, "why": {}}
    out = d.flows(3, 18, 5, per_10k=-0.2)
    assert (out["arrivals"], out["departures"], out["net"], out["net_per_10k"]) == \
        (None, 18, None, None)
    assert d.flows(3, 18, None)["net"] == -15


def test_formatters():
    assert [d.fmt_count(v, 5) for v in (None, 0, 1, 4.4, 5, 12345.6)] == \
        ["—", "0", "<5", "<5", "5", "12,346"]
    assert [d.fmt_signed(v, 5) for v in (-3, 3, -12, 12, 0)] == ["<5", "<5", "-12", "+12", "+0"]
    assert d.fmt_count(3) == "3"


def test_pinned_sees_what_the_attacker_sees():
    assert d.pinned([3, 20], [d.SMALL, None], 23, 5)
    assert not d.pinned([3, 20], [d.SMALL, d.PROTECTING], 23, 5)
    assert d.pinned([1, 1], [d.SMALL, d.SMALL], 2, 5)
    assert d.pinned([4, 4], [d.SMALL, d.SMALL], 8, 5)
    assert not d.pinned([4, 3], [d.SMALL, d.SMALL], 7, 5)
    assert not d.pinned([3, 20], [None, None], 23, 5)


# --- random tables: the attacker never wins ---------------------------------------------------

cells = st.lists(st.one_of(st.integers(0, 6), st.integers(0, 14)), min_size=1, max_size=5)


@settings(max_examples=400, deadline=None)
@given(values=cells, k=st.sampled_from([3, 5]), unassigned=st.integers(0, 2))
def test_parent_minus_children_never_pins_a_small_count(values, k, unassigned):
    total = sum(values) + unassigned
    ctl = d.control(pd.DataFrame({"n": values}), k, counts=["n"], totals={"n": total})
    if 0 < total < k:  # the parent's own count is withheld: the attacker has no total
        return
    pinned = attack.parent_minus_children(shown(ctl, "n"), total, k)
    assert pinned == attack.brute_force(shown(ctl, "n"), total, k)
    recovered = {i: v for i, v in pinned.items() if 0 < values[i] < k and v == values[i]}
    assert recovered == {}, (values, total, shown(ctl, "n"))


@settings(max_examples=200, deadline=None)
@given(values=cells, k=st.sampled_from([3, 5]))
def test_derived_figures_never_give_a_small_count_back(values, k):
    national = max(sum(values), 1) * 3
    df = pd.DataFrame({"n": values, "share": [v / national for v in values],
                       "density": [v / 2.5 for v in values]})
    ctl = d.control(df, k, counts=["n"], derived={"share": ["n"], "density": ["n"]},
                    totals={"n": sum(values)})
    shown_n = shown(ctl, "n")
    for col, scale in (("share", national), ("density", 2.5)):
        text = ctl.text(col, lambda v: f"{v:.6f}").tolist()
        got = [attack.from_derived(c, x, scale) for c, x in zip(shown_n, text, strict=True)]
        assert got == [None] * len(values)


def test_the_attacker_does_win_against_the_old_rule():
    # The control: primary suppression alone (the rule before this module) is beaten.
    total = 28
    old = ["<5", "5", "20", "0"]
    assert attack.parent_minus_children(old, total, 5) == {0: 3} == \
        attack.brute_force(old, total, 5)
    assert attack.parent_minus_children(["<5", "<5", "9"], 11, 5) == {0: 1, 1: 1}
    assert attack.from_derived("<5", "1.0%", 206) == pytest.approx(2.06)
    assert attack.from_flows("17", "18", "<5") is None
    assert attack.from_flows("<5", "18", "-15") == ("arrivals", 3)


# --- the other tables of issue #16 --------------------------------------------------------------

def test_chain_node_with_a_small_count_hides_its_lq_and_what_quotes_it():
    # The chain diagram showed '供 <5 · LQ 0.52': LQ × region total × national share gave 3.
    df = pd.DataFrame({"node_id": ["T01", "T02", "T03"], "talent": [3, 40, 25],
                       "lq_talent": [0.52, 1.3, 0.9], "sd_ratio": [0.3, 1.1, 0.8],
                       "sd_band": ["严重紧缺", "平衡", "紧缺"], "gap_score": [61.0, 5.0, 20.0],
                       "reason": ["LQ 0.52 ≥ 0.5", "LQ 1.30", "LQ 0.90"]})
    out = d.nodes_shown(df, 5)
    assert out["talent_text"].tolist() == ["<5", "40", "保密"]  # 68 − 65 would give the 3
    assert out["lq_text"].tolist() == ["保密", "1.30", "保密"]
    assert out["reason"].tolist() == ["保密", "LQ 1.30", "保密"]
    assert out["gap_score"].isna().tolist() == [True, False, True]
    assert d.nodes_shown(df, None)["lq_text"].tolist() == ["0.52", "1.30", "0.90"]


def test_brief_flow_bars_show_no_small_count():
    from figures.flows import counterparts_figure

    origins = d.apply(pd.DataFrame({"name": ["北京市", "上海市"], "moves": [12, 1],
                                    "share": [0.9, 0.1]}), 5, d.COUNTERPARTS)
    dests = d.apply(pd.DataFrame({"name": ["深圳市"], "moves": [2], "share": [1.0]}), 5,
                    d.COUNTERPARTS)
    fig = counterparts_figure(origins, dests)
    bars = {tr.y[i]: (tr.x[i], tr.text[i]) for tr in fig.data for i in range(len(tr.y))}
    assert bars["北京市"] == (12, "12")
    assert pd.isna(bars["上海市"][0]) and bars["上海市"][1] == "<5"
    assert pd.isna(bars["深圳市"][0]) and bars["深圳市"][1] == "<5"


def test_children_rank_by_the_chosen_metric_with_withheld_rows_last():
    df = pd.DataFrame({"adcode": ["3", "1", "2", "4"], "name": list("cabd"),
                       "talents": [50, 3, 20, 30], "high_level": [0, 0, 0, 0],
                       "talents_prev": [40, 3, 10, 30], "arrivals": [0] * 4, "departures": [0] * 4,
                       "density": [1.0, 0.2, 4.0, None], "share": [0.5, 0.03, 0.2, 0.3],
                       "lq": [None] * 4, "growth": [0.25, 0.0, 1.0, 0.0], "net_inflow": [0] * 4,
                       # no known total here (with 103, 103 − 50 − 30 − 20 would give the 3:
                       # the 20 would be withheld too, as the secondary tests show)
                       "parent_talents": [None] * 4, "parent_high_level": [None] * 4,
                       "parent_talents_prev": [None] * 4})
    by_density = d.children(df, 5, "density").values
    # b (density 4.0) first, c, then d (no population: unknown) and a ('<5') by code
    assert by_density["name"].tolist() == ["b", "c", "a", "d"]
    assert by_density["rank"].tolist()[:2] == [1.0, 2.0]
    assert by_density["rank"].isna().tolist()[2:] == [True, True]
    by_talents = d.children(df, None, "talents").values
    assert by_talents["name"].tolist() == ["c", "d", "b", "a"]
    assert by_talents["rank"].tolist() == [1.0, 2.0, 3.0, 4.0]


# --- the helpers every caller uses ---------------------------------------------------------------

def test_is_small_and_the_formatters_on_missing_values():
    assert [d.is_small(v, 5) for v in (None, float("nan"), pd.NA, 0, -3, 3, 5)] == \
        [False, False, False, False, True, True, False]
    assert d.is_small(3, None) is False and d.is_small(3, 0) is False
    for fmt in (d.fmt_count, d.fmt_signed):
        assert [fmt(v, 5) for v in (None, float("nan"), pd.NA)] == ["—"] * 3
        assert fmt(None, 5, unknown="未知") == "未知"
    assert d.label_for(d.SMALL, 5) == "<5" and d.label_for("talents", 5) == "保密"


def test_withheld_and_label_of_columns_with_and_without_a_rule():
    ctl = d.control(pd.DataFrame({"n": [2, 9], "name": ["a", "b"], "share": [0.1, 0.9]}), 5,
                    counts=["n"], derived={"share": ["n"]})
    assert ctl.withheld("n").tolist() == [True, False]
    assert ctl.withheld("share").tolist() == [True, False]
    assert ctl.withheld("name").tolist() == [False, False]  # a column without a rule
    assert ctl.label("name").tolist() == [None, None]
    assert ctl.label("share").tolist() == ["保密", None]
    assert ctl.why["share"].tolist()[0] == "n"
    assert ctl.text("name", str).tolist() == ["a", "b"]


def test_record_gives_a_row_with_withheld_values_none_and_the_reasons():
    kp = {"talents": 3.0, "high_level": 0.0, "active": 2.0, "enterprises": 4.0, "postings": 8.0,
          "sd_ratio": 0.25, "arrivals": 12.0, "departures": 2.0, "net_inflow": 10.0}
    values, why = d.record(kp, 5, d.KPIS)
    assert values == {"talents": None, "high_level": 0.0, "active": None, "enterprises": 4.0,
                      "postings": 8.0, "sd_ratio": None, "arrivals": 12.0, "departures": None,
                      "net_inflow": None}
    assert why == {"talents": d.SMALL, "active": d.SMALL, "sd_ratio": "talents",
                   "departures": d.SMALL, "net_inflow": "departures"}
    assert d.record(kp, None, d.KPIS) == (kp, {})


def test_apply_groups_by_a_column_each_with_its_own_total():
    df = pd.DataFrame({"adcode": ["a", "a", "b", "b", "b"], "talent": [3, 9, 3, 4, 20],
                       "lq": [0.1, 1.0, 0.2, 0.3, 1.1]})
    ctl = d.apply(df, 5, d.NODES, by="adcode")
    # a: 12 − 9 gives the 3 → the 9 goes too; b: 3 + 4 = 7 leaves each two values or more
    assert ctl.text("talent", d.fmt_count).tolist() == ["<5", "保密", "<5", "<5", "20"]
    assert ctl.values.index.tolist() == df.index.tolist()
    whole = d.apply(df, 5, d.NODES)  # one group: 39 − 20 = 19 = 3 + 9 + 3 + 4, no pin
    assert whole.text("talent", d.fmt_count).tolist() == ["<5", "9", "<5", "<5", "20"]
    assert d.apply(df, None, d.NODES, by="adcode").values.equals(df)
    empty = d.apply(df.iloc[:0], 5, d.NODES, by="adcode")
    assert empty.values.empty


def test_specs_name_what_goes_with_what():
    pools = pd.DataFrame({"talent": [3, 40], "high_level": [0, 6], "returnees": [1, 7],
                          "willing_to_relocate": [2, 5], "expecting_here": [0, 9]})
    ctl = d.apply(pools, 5, d.POOLS)
    assert ctl.text("returnees", d.fmt_count).tolist() == ["<5", "7"]
    assert ctl.text("high_level", d.fmt_count).tolist() == ["0", "6"]
    areas = d.apply(pd.DataFrame({"talent": [2, 30]}), 5, d.AREAS)  # 32 − 30 would give the 2
    assert areas.text("talent", d.fmt_count).tolist() == ["<5", "保密"]
    src = d.apply(pd.DataFrame({"talent": [2, 30], "lq": [9.0, 1.0], "score": [6.0, 30.0],
                                "lq_weight": [3.0, 1.0]}), 5, d.SOURCES)
    assert [src.withheld(c).tolist() for c in ("lq", "score", "lq_weight")] == [[True, False]] * 3


def test_nodes_shown_texts():
    df = pd.DataFrame({"talent": [0, 40, 25], "active": [0, 10, 8], "lq_talent": [0.0, 1.3, None],
                       "sd_ratio": [None, 1.1, 0.8], "sd_band": ["无需求数据", "平衡", "紧缺"],
                       "gap_score": [70.0, 5.0, 20.0], "reason": ["x", "y", "z"],
                       "lq_credible": [False, True, True]})
    out = d.nodes_shown(df, 5, unknown="未知")
    assert out["lq_text"].tolist() == ["(0.00)", "1.30", "未知"]
    assert out["sd_text"].tolist() == ["未知", "1.10", "0.80"]
    assert out["gap_text"].tolist() == ["70", "5", "20"]
    assert out["talent_text"].tolist() == ["0", "40", "25"]


def test_children_take_the_parents_own_counts_as_the_known_totals():
    base = pd.DataFrame({"adcode": ["1", "2"], "name": ["a", "b"], "talents": [3, 20],
                         "high_level": [0, 0], "share": [0.1, 0.6], "density": [1.0, 2.0]})
    # without the parent's count: primary only
    assert d.children(base, 5).text("talents", d.fmt_count).tolist() == ["20", "<5"]
    # with it (23 = 3 + 20): the 20 would give the 3 away, so it is withheld too
    known = base.assign(parent_talents=23, parent_high_level=0, parent_talents_prev=0)
    ctl = d.children(known, 5)
    assert sorted(ctl.text("talents", d.fmt_count).tolist()) == ["<5", "保密"]
    assert "parent_talents" not in ctl.values.columns
    assert d.children(known.iloc[:0], 5).values.empty


def test_flows_say_which_side_withheld_the_net():
    assert d.flows(3, 18, 5)["why"] == {"arrivals": d.SMALL, "net": "arrivals",
                                        "net_per_10k": "arrivals"}
    assert d.flows(18, 3, 5)["why"] == {"departures": d.SMALL, "net": "departures",
                                        "net_per_10k": "departures"}


# --- edges the mutation run (bench/mutate.py) found unchecked --------------------------------

def test_apply_by_keeps_rows_whose_group_is_unknown():
    df = pd.DataFrame({"g": ["a", "a", None], "talent": [3, 10, 2]})
    ctl = d.apply(df, 5, d.AREAS, by="g")
    assert ctl.values.index.tolist() == [0, 1, 2]
    assert ctl.why["talent"].tolist() == [d.SMALL, d.PROTECTING, d.SMALL]


def test_apply_by_with_a_single_group():
    df = pd.DataFrame({"g": ["a", "a"], "talent": [3, 10]})
    assert d.apply(df, 5, d.AREAS, by="g").why["talent"].tolist() == [d.SMALL, d.PROTECTING]


def test_an_unknown_total_is_not_a_known_total():
    # With k = 2 a '<2' pins itself: a known total would withhold the visible cell too.
    df = pd.DataFrame({"n": [1, 7]})
    assert d.control(df, 2, counts=["n"], totals={"n": float("nan")}).why["n"].tolist() == [
        d.SMALL, None]
    assert d.control(df, 2, counts=["n"], totals={"n": 8.0}).why["n"].tolist() == [
        d.PROTECTING, d.PROTECTING]


def test_an_unknown_part_of_a_withheld_whole_tells_nothing_and_stays():
    df = pd.DataFrame({"talents": [3, 3], "high_level": [float("nan"), 0]})
    ctl = d.control(df, 5, counts=["talents", "high_level"], within={"high_level": "talents"})
    assert ctl.why["high_level"].tolist() == [None, None]


def test_children_of_a_parent_with_one_child():
    values = pd.DataFrame({"adcode": ["370212"], "talents": [12], "high_level": [3],
                           "parent_talents": [12], "parent_high_level": [3]})
    ctl = d.children(values, 5)
    assert ctl.values["talents"].tolist() == [12]
    assert ctl.label("high_level").tolist() == ["<5"]


def test_pinned_counts_only_withheld_small_cells():
    P, S = d.PROTECTING, d.SMALL
    # a visible small value (never left by the rules) is not a withheld one
    assert not d.pinned([3, 10, 2, 2], [None, None, S, S], 17, 5)
    # a withheld zero, or a withheld k, pinned to one value gives no small count away
    assert not d.pinned([0, 7], [P, None], 7, 5)
    assert not d.pinned([5, 7], [P, None], 12, 5)
    assert d.pinned([2, 7], [P, None], 9, 5)
    # an unknown cell (NaN) counts as zero
    assert not d.pinned([0, 12, 12, float("nan")], [P, None, None, P], 24, 5)
    assert d.pinned([2, float("nan"), float("nan"), 12, 4], [S, None, P, None, S], 19, 5)
