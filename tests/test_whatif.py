"""What-if (analytics/whatif.py) on the small demo (seed 42): the scenario's counts land in the
node, the region's base and — inside it — the benchmark, and the chain is assessed again by
analytics.gaps' own rules. The expected values are computed here from the marts by hand, not
through analytics.gaps; the pipeline's scenarios (analytics/pipeline.py) and what may be shown."""

from __future__ import annotations

import datetime as dt

import pytest

from access import targets as tg
from analytics import gaps, whatif
from analytics import pipeline as pl
from analytics.filters import Thresholds
from store.reader import Reader

TH = Thresholds()  # the defaults: lq_missing 0.5, lq_stronghold 1.2, bands 0.59/0.9/1.2, base 20
YEAR = 2024


@pytest.fixture(scope="module")
def reader(demo_db):
    r = Reader(demo_db)
    yield r
    r.close()


@pytest.fixture(scope="module")
def laoshan(reader):
    return gaps.chain_status(reader, "370212", YEAR, TH)


def counts(reader, region: str, node: str) -> dict:
    """The counts the rules use, straight from the marts."""
    def one(sql, params):
        v = reader.df(sql, params).iloc[0, 0]
        return 0.0 if v is None or v != v else float(v)  # no row: 0

    sup = "SELECT sum(talents) FROM mart_talent_supply WHERE adcode = ? AND year <= ?"
    ent = "SELECT sum({c}) FROM mart_enterprise WHERE adcode = ? AND node_id = ? AND year <= ?"
    return {
        "t": one(sup + " AND node_id = ?", [region, YEAR, node]),
        "T": one(sup, [region, YEAR]),
        "b": one(sup + " AND node_id = ?", ["100000", YEAR, node]),
        "B": one(sup, ["100000", YEAR]),
        "active": one("SELECT sum(talents) FROM mart_talent_supply WHERE adcode = ? AND "
                      "node_id = ? AND year = ?", [region, node, YEAR]),
        "postings": one("SELECT sum(postings) FROM mart_posting_demand WHERE adcode = ? AND "
                        "node_id = ? AND year = ?", [region, node, YEAR]),
        "firms": one(ent.format(c="enterprises"), [region, node, YEAR]),
        "leaders": one(ent.format(c="chain_leaders"), [region, node, YEAR]),
    }


def test_twenty_talents_turn_a_missing_link_of_laoshan_into_a_link_to_strengthen(reader, laoshan):
    # A13 智能客服与营销 in 崂山: 1 talent, 4 local firms, no chain leader → 补链 on its LQ.
    c = counts(reader, "370212", "A13")
    assert (c["t"], c["firms"], c["leaders"], c["postings"]) == (1, 4, 0, 0)
    lq_today = (c["t"] / c["T"]) / (c["b"] / c["B"])
    assert lq_today < 0.5 and c["T"] >= 20
    lq_after = ((c["t"] + 20) / (c["T"] + 20)) / ((c["b"] + 20) / (c["B"] + 20))
    assert 1.2 <= lq_after  # on the rules: ≥ lq_stronghold but no chain leader → 强链

    out = whatif.what_if(laoshan, "A13", whatif.Scenario.of({"N": 20}), TH, bench_contains=True)
    assert (out.today["status"], out.after["status"]) == ("补链", "强链")
    assert out.today["lq_talent"] == pytest.approx(lq_today, rel=1e-12)
    assert out.after["lq_talent"] == pytest.approx(lq_after, rel=1e-12)
    assert out.after["talent"] == c["t"] + 20 and out.after["active"] == c["active"] + 20
    assert out.after["reason"] == f"LQ {lq_after:.2f} ≥ 1.2 但无本地链主企业"
    assert out.after["sd_band"] == "无需求数据"  # no postings: no ratio, before and after
    assert out.today["gap_score"] == round(50 * (1 - lq_today), 1)  # + 0 shortage, firms here
    assert out.after["gap_score"] == 0.0
    assert out.status_changed and out.changed_elsewhere.empty


def test_talents_and_a_chain_leader_make_a_stronghold_where_nothing_was(reader, laoshan):
    # T12 生物特征识别: no talent, no firm, one posting in 2024 → 补链, gap 100.
    c = counts(reader, "370212", "T12")
    assert (c["t"], c["firms"], c["postings"]) == (0, 0, 1)
    sc = whatif.Scenario.of({"A": 2, "D": 3, "N": 15}, firms=2, leaders=1)
    out = whatif.what_if(laoshan, "T12", sc, TH, bench_contains=True)
    lq_after = (20 / (c["T"] + 20)) / ((c["b"] + 20) / (c["B"] + 20))
    assert out.today["status"] == "补链" and out.today["gap_score"] == 100.0
    assert out.after["lq_talent"] == pytest.approx(lq_after, rel=1e-12)
    assert (out.after["enterprises"], out.after["leaders"]) == (2, 1)
    assert out.after["status"] == "固链"
    assert out.after["sd_ratio"] == pytest.approx((c["active"] + 20) / 1)
    assert out.after["sd_band"] == "过剩" and out.after["gap_score"] == 0.0
    assert (sc.total, sc.high_level) == (20, 5)
    # Without the leader it is 强链; without firms it stays 补链 (no local enterprise).
    assert whatif.what_if(laoshan, "T12", whatif.Scenario.of({"N": 20}, firms=2), TH,
                          True).after["status"] == "强链"
    assert whatif.what_if(laoshan, "T12", whatif.Scenario.of({"N": 20}), TH,
                          True).after["status"] == "补链"


def test_tiers_change_no_status(laoshan):
    a = whatif.what_if(laoshan, "A13", whatif.Scenario.of({"A": 20}), TH, True).after
    n = whatif.what_if(laoshan, "A13", whatif.Scenario.of({"N": 20}), TH, True).after
    assert a.equals(n)


def test_a_bigger_base_can_change_other_nodes(reader, laoshan):
    # 200 talents in A13 raise 崂山's base: T02's LQ (1 talent) falls below 0.5 → 补链.
    c = counts(reader, "370212", "T02")
    lq_t02 = (c["t"] / (c["T"] + 200)) / (c["b"] / (c["B"] + 200))
    assert lq_t02 < 0.5
    out = whatif.what_if(laoshan, "A13", whatif.Scenario.of({"N": 200}), TH, True)
    moved = out.changed_elsewhere.set_index("node_id")
    assert moved.at["T02", "status"] == "强链" and moved.at["T02", "status_after"] == "补链"
    after = whatif.land(laoshan, {"A13": whatif.Scenario.of({"N": 200})}, TH, True)
    assert after.set_index("node_id").at["T02", "lq_talent"] == pytest.approx(lq_t02)


def test_outside_the_benchmark_the_benchmark_does_not_move(reader):
    chain = gaps.chain_status(reader, "370212", YEAR, TH, bench="110100")  # 北京 as benchmark
    c = counts(reader, "370212", "A13")
    bj = counts(reader, "110100", "A13")
    out = whatif.what_if(chain, "A13", whatif.Scenario.of({"N": 20}), TH, bench_contains=False)
    assert out.after["lq_talent"] == pytest.approx(
        ((c["t"] + 20) / (c["T"] + 20)) / (bj["t"] / bj["T"]), rel=1e-12)
    assert not pl.bench_contains(reader, "370212", "110100")
    assert pl.bench_contains(reader, "370212", "370200")
    assert pl.bench_contains(reader, "370212", "100000")


def test_an_empty_scenario_changes_nothing(laoshan):
    same = whatif.land(laoshan, {}, TH, True)
    cols = ["node_id", "talent", "lq_talent", "sd_ratio", "sd_band", "status", "reason",
            "gap_score"]
    assert same[cols].equals(laoshan[cols])


@pytest.mark.parametrize("args, message", [
    (({"N": -1},), "N 类人才数 须为非负整数"), (({"N": 1.5},), "须为非负整数"),
    (({"Z": 1},), "未知人才层次"), (({}, 1, 2), "链主企业数不能多于企业数"),
    (({"N": True},), "须为非负整数"), (({"N": 100_001},), "最多 100000")])
def test_impossible_scenarios_are_refused(args, message):
    with pytest.raises(whatif.ScenarioError, match=message):
        whatif.Scenario.of(*args)


def test_unknown_node_is_refused(laoshan):
    with pytest.raises(whatif.ScenarioError, match="未知环节"):
        whatif.land(laoshan, {"X99": whatif.Scenario.of({"N": 1})}, TH, True)


def test_what_is_withheld_today_stays_withheld_in_the_scenario(laoshan):
    out = whatif.what_if(laoshan, "A13", whatif.Scenario.of({"N": 20}), TH, True)
    planner = whatif.shown(out, 5).set_index("metric")
    assert planner.loc["talent"].tolist() == ["<5", "<5 + 20"]  # 1 + 20 would give the 1 away
    for m in ("lq_talent", "sd_ratio", "gap_score"):
        assert planner.at[m, "after"] == planner.at[m, "today"] == "保密"
    assert planner.loc["status"].tolist() == ["补链", "强链"]
    full = whatif.shown(out, None).set_index("metric")
    assert full.loc["talent"].tolist() == ["1", "21"]
    assert full.at["lq_talent", "after"] == f"{out.after['lq_talent']:.2f}"


def _target(i, node, stage, expected=0, kind="talent_pool", leader=False, scenario=None):
    return tg.Target(i, "370212", node, kind, "370200" if kind != "enterprise" else "X" * 18,
                     "x", leader, "王", stage, None, None, expected, 0.0, "", None, "", scenario,
                     None, "王", "", "王", "", 1)


def test_signed_and_landed_targets_make_the_projection(laoshan):
    targets = [_target(1, "A13", "已签约", 12), _target(2, "A13", "已落地", 8),
               _target(3, "A13", "洽谈中", 500), _target(4, "T12", "已落地", 20,
                                                      kind="enterprise", leader=True),
               _target(5, "T14", "已签约", 3, scenario={"talents": {"B": 1}, "firms": 0,
                                                        "leaders": 0}),
               _target(6, "A13", "已放弃", 99)]
    sc = pl.landing_scenarios(targets, "370212")
    assert sc["A13"] == whatif.Scenario.of({"N": 20})  # 洽谈中 and 已放弃 do not count
    assert sc["T12"] == whatif.Scenario.of({"N": 20}, firms=1, leaders=1)
    assert sc["T14"] == whatif.Scenario.of({"B": 1})  # the saved scenario wins
    proj = whatif.projection(laoshan, sc, TH, True).set_index("node_id")
    assert list(proj.index) == ["T12", "T14", "A13"]  # chain order
    assert proj.at["A13", "status"] == "补链" and proj.at["A13", "status_after"] == "强链"
    assert proj.at["T12", "status_after"] == "固链"
    landed_together = whatif.land(laoshan, sc, TH, True).set_index("node_id")
    assert proj.at["A13", "lq_talent_after"] == landed_together.at["A13", "lq_talent"]
    shown = whatif.projection_shown(proj.reset_index(), laoshan, 5)
    assert shown.set_index("name_zh").at["智能客服与营销", "lq_after"] == "保密"


def test_funnel_counts_reached_stages(laoshan):
    targets = [_target(1, "A13", "线索"), _target(2, "A13", "洽谈中"), _target(3, "T12", "已落地"),
               tg.Target(**{**_target(4, "T12", "已放弃").__dict__, "abandoned_from": "已接洽"})]
    df = pl.frame(targets, {}, {"A13": "客服", "T12": "识别"}, today=dt.date(2025, 1, 1))
    f = pl.funnel(df).set_index("stage")
    assert f["reached"].to_dict() == {"线索": 4, "已接洽": 3, "洽谈中": 2, "已签约": 1,
                                      "已落地": 1, "已放弃": 1}
    assert f["at"].to_dict() == {"线索": 1, "已接洽": 0, "洽谈中": 1, "已签约": 0, "已落地": 1,
                                 "已放弃": 1}
    m = pl.by_node(df, ["T12", "A13"]).set_index("node")
    assert list(m.index) == ["T12", "A13"]
    assert m.loc["T12", ["已落地", "已放弃", "合计"]].tolist() == [1, 1, 2]
