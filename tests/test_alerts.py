"""风险预警 on a hand-made warehouse (home region 崂山区): a normal load raises no alert; a
planted outflow spike, a status drop and a deregistered chain leader each raise exactly one, with
its reason; an alert stays open while true and resolves when it is not; aggregate roles see no
alert about fewer than k people; the CLI lists them.

The base: 崂山区 has 8 VR (T14) and 8 深度学习框架 (T01) talents, 2 of each per year 2021–2024; 北京
海淀 has 4 T14 and 28 T01 and 20 智能机器人 (A01). 崂山 has a chain-leader VR firm, a second VR
firm and a T01 firm: T14 is 固链 (LQ (8/16)/(12/68) ≈ 2.8), T01 强链 (LQ (8/16)/(36/68) ≈ 0.94). Moves: 2 in and 2 out of 崂山
every year (net 0, so the usual range is 0 ± max(2σ, 5))."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from access import alert_store
from analytics import alerts as al
from analytics.filters import Thresholds
from etl.load import load_files
from store.reader import Reader
from tests import fixtures

HOME = "370212"
TH = Thresholds(lq_min_base=5)
LIM = al.Limits()
T_HEADER = ["人才编号", "姓名", "所在地", "人才层次", "产业链环节", "数据日期"]
E_HEADER = ["统一社会信用代码", "企业名称", "注册地址", "产业链环节", "链主企业", "登记状态", "成立日期"]
LEADER = ["91370212MA3C000101", "青岛幻境虚拟现实科技有限公司", "青岛市崂山区", "T14", "是", "存续",
          "2015-03-02"]
FIRMS = [LEADER,
         ["91370212MA3C00110N", "青岛东方视觉有限公司", "青岛市崂山区", "T14", "否", "存续", "2012-12-12"],
         ["91370214MA3C000704", "青岛海智机器人有限公司", "青岛市崂山区", "T01", "否", "存续", "2019-06-18"]]


def _talents(prefix, place, node, n, years=(2021, 2022, 2023, 2024), tier=""):
    return [[f"{prefix}{i:03d}", f"人{prefix}{i}", place, tier, node, f"{years[i % len(years)]}-06-30"]
            for i in range(n)]


TALENTS = (_talents("LV", "青岛市崂山区", "T14", 8) + _talents("LD", "青岛市崂山区", "T01", 8)
           + _talents("BV", "北京市海淀区", "T14", 4) + _talents("BD", "北京市海淀区", "T01", 28)
           + _talents("BR", "北京市海淀区", "A01", 20))
MOVES = [row for y in (2021, 2022, 2023, 2024) for row in (
    [f"LV00{y - 2021}", "青岛市市南区", "青岛市崂山区", f"{y}-03-01"],
    [f"LD00{y - 2021}", "青岛市市南区", "青岛市崂山区", f"{y}-04-01"],
    [f"LV00{y - 2017}", "青岛市崂山区", "青岛市市南区", f"{y}-05-01"],
    [f"LD00{y - 2017}", "青岛市崂山区", "青岛市市南区", f"{y}-06-01"])]


def _load(db, folder, **files):
    paths = []
    for name, (header, rows) in files.items():
        paths.append(fixtures.write_csv(folder / f"{name}.csv", header, rows))
    report = load_files(paths, db_path=db, source="hr")  # one source: moves find their talent
    assert report.ok, report
    return Reader(db)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    folder = tmp_path_factory.mktemp("base")
    db = folder / "w.duckdb"
    _load(db, folder, talents=(T_HEADER, TALENTS), firms=(E_HEADER, FIRMS),
          moves=(fixtures.MOVES_HEADER, MOVES))
    return db


@pytest.fixture
def world(base, tmp_path):
    """A private copy of the base, evaluated once (its baseline)."""
    db = tmp_path / "w.duckdb"
    shutil.copyfile(base, db)
    app = tmp_path / "app.duckdb"
    assert al.evaluate(Reader(db), app, HOME, TH, LIM)
    return db, app


def _new(app) -> list[tuple[str, str]]:
    df = alert_store.alerts(app)
    return [(r.rule, r.reason) for r in df.itertuples() if r.state == "新"]


def _after(world, tmp_path, **files):
    db, app = world
    folder = tmp_path / "more"
    folder.mkdir()
    reader = _load(db, folder, **files)
    assert al.evaluate(reader, app, HOME, TH, LIM)
    return _new(app)


def test_the_base_is_as_described(base):
    snap = al.chain_snapshot(Reader(base), [HOME], 2024, TH)
    assert snap[f"{HOME}|T14"]["status"] == "固链" and snap[f"{HOME}|T01"]["status"] == "强链"


def test_the_baseline_raises_nothing_and_a_normal_load_raises_none(world, tmp_path):
    assert alert_store.alerts(world[1]).empty
    more = _talents("LW", "青岛市崂山区", "T14", 2, years=(2024,))
    assert _after(world, tmp_path, talents=(T_HEADER, more)) == []


def test_an_outflow_spike_raises_one_alert(world, tmp_path):
    # 8 of the 崂山 深度学习框架 talents leave for 北京 in 2024 (their node: T01)
    out = [[f"LD00{i}", "青岛市崂山区", "北京市海淀区", f"2024-08-{10 + i:02d}"] for i in range(8)]
    new = _after(world, tmp_path, moves=(fixtures.MOVES_HEADER, out))
    assert [r for r, _ in new] == ["outflow"]
    assert new[0][1].startswith("崂山区: 2024 年净流出 8 人 (流入 2, 流出 10); 往年净流入均值 +0.0, "
                                "标准差 0.0, 低于常态下限 -5.0")
    assert "净流出最多: 深度学习框架 8" in new[0][1]


def test_a_status_drop_raises_one_alert(world, tmp_path):
    # 50 robot talents in 崂山 dilute 深度学习框架: LQ (8/66)/(36/118) = 0.40 < 0.5 → 补链
    more = _talents("LR", "青岛市崂山区", "A01", 50, years=(2024,))
    new = _after(world, tmp_path, talents=(T_HEADER, more))
    assert [r for r, _ in new] == ["status_drop"]
    assert new[0][1].startswith("崂山区 · 深度学习框架: 状态由强链转为补链 (与上一发布版本相比); LQ 0.40 < 0.5")


def test_a_deregistered_chain_leader_raises_one_alert(world, tmp_path):
    gone = [[*LEADER[:5], "注销", LEADER[6]]]
    new = _after(world, tmp_path, firms=(E_HEADER, gone))
    assert new == [("leader_gone", "链主企业 青岛幻境虚拟现实科技有限公司: 登记状态为注销")]


def test_a_leader_moving_away_is_seen_against_the_last_version(world, tmp_path):
    moved = [[LEADER[0], LEADER[1], "上海市浦东新区", *LEADER[3:]]]
    new = _after(world, tmp_path, firms=(E_HEADER, moved))
    assert new == [("leader_gone", "链主企业 青岛幻境虚拟现实科技有限公司: 注册地由崂山区迁至浦东新区")]


def test_an_alert_stays_open_while_true_and_resolves_after(world, tmp_path):
    db, app = world
    gone = [[*LEADER[:5], "注销", LEADER[6]]]
    _after(world, tmp_path, firms=(E_HEADER, gone))
    (tmp_path / "more").rename(tmp_path / "first")
    _after(world, tmp_path, talents=(T_HEADER, _talents("LX", "青岛市崂山区", "T14", 1, (2024,))))
    df = alert_store.alerts(app)
    assert df["state"].tolist() == ["持续"]
    (tmp_path / "more").rename(tmp_path / "second")
    _after(world, tmp_path, firms=(E_HEADER, [LEADER]))  # registered again: 存续
    assert alert_store.alerts(app)["state"].tolist() == ["已解除"]


def test_each_version_is_evaluated_once(world):
    db, app = world
    assert al.evaluate(Reader(db), app, HOME, TH, LIM) is False


def test_aggregate_roles_see_no_alert_about_fewer_than_k_people():
    import pandas as pd

    df = pd.DataFrame({"key": ["a", "b", "c"],
                       "people": [{"leaving": 2}, {"arrivals": 0, "departures": 9}, {}]})
    assert al.visible(df, 5)["key"].tolist() == ["b", "c"]
    assert al.visible(df, None)["key"].tolist() == ["a", "b", "c"]


def test_high_level_talent_leaving_and_postings_collapse_are_worded():
    import pandas as pd

    leaving = al.leaving_alerts(pd.DataFrame({"adcode": [HOME], "leaving": [3]}),
                                {HOME: "崂山区"}, 2024)
    assert [(a.key, a.reason, a.people) for a in leaving] == [
        ("talent_leaving|370212|2024", "崂山区: 2024 年有 3 名 A–C 层次人才迁出", {"leaving": 3})]
    posts = pd.DataFrame({"adcode": [HOME, HOME, HOME], "node_id": ["T14", "T01", "A01"],
                          "now": [5, 6, 0], "before": [10, 10, 9]})
    found = al.postings_alerts(posts, {HOME: "崂山区"}, {"T14": "VR"}, 2024, LIM)
    # T14 10 → 5 is a 50% drop (the threshold); T01 10 → 6 is not; A01 had fewer than 10
    assert [(a.node_id, a.reason) for a in found] == [
        ("T14", "崂山区 · VR: 2024 年招聘岗位 5 个, 上年 10 个 (降幅 50%, 阈值 50%)")]


def test_the_cli_lists_alerts_for_scheduled_jobs(world, tmp_path):
    db, app = world
    folder = tmp_path / "more"
    folder.mkdir()
    _load(db, folder, firms=(E_HEADER, [[*LEADER[:5], "吊销", LEADER[6]]]))
    env = {"TALENTMAP_HOME_REGION": HOME, "TALENTMAP_LQ_MIN_BASE": "5"}
    cmd = [sys.executable, "-m", "analytics", "alerts", "--db", str(db), "--app-db", str(app),
           "--format", "json"]
    import os

    out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                         env={**os.environ, **env}, cwd=Path(__file__).resolve().parent.parent)
    rows = json.loads(out.stdout)
    assert [(r["规则"], r["状态"], r["原因"]) for r in rows] == [
        ("链主/重点企业注销或迁出", "新", "链主企业 青岛幻境虚拟现实科技有限公司: 登记状态为吊销")]
    assert rows[0]["查看"] == "supply_chain?region=370212&node=T14"


def test_outflow_needs_enough_departures_and_a_net_below_the_usual_range():
    import pandas as pd

    def flows(now_arr, now_dep):
        rows = [(HOME, "T14", y, a, d) for y, a, d in
                ((2021, 3, 1), (2022, 5, 1), (2023, 4, 2), (2024, now_arr, now_dep))]
        return pd.DataFrame(rows, columns=["adcode", "node_id", "year", "arrivals", "departures"])

    years = [2021, 2022, 2023, 2024]
    # earlier nets +2, +4, +2: mean +2.67, σ 1.15 → floor = 2.67 − max(2.31, 5) = −2.33
    run = lambda a, d: al.outflow_alerts(flows(a, d), {HOME: "崂山区"}, {}, 2024, years, LIM)  # noqa: E731
    assert run(0, 5)[0].severity == "中"           # net −5 < −2.33, 5 departures
    assert run(1, 4) == []                          # net −3 but only 4 departures
    assert run(3, 5) == []                          # net −2 ≥ −2.33
    assert run(0, 12)[0].severity == "高"          # net −12 < 2.67 − 2×5
    assert al.outflow_alerts(flows(0, 9), {}, {}, 2024, [2023, 2024], LIM) == []  # 1 earlier year


def test_the_store_stamp_changes_with_every_write_that_changes_the_alerts(world, tmp_path):
    """views/state caches the alert table on this stamp: an evaluation or an acknowledgement
    must change it, a repeated acknowledgement (ignored) and a read must not."""
    assert alert_store.stamp(tmp_path / "nowhere" / "app.duckdb") is None
    db, app = world
    first = alert_store.stamp(app)
    assert first == alert_store.stamp(app)
    alert_store.alerts(app)
    assert alert_store.stamp(app) == first
    gone = [[*LEADER[:5], "注销", LEADER[6]]]
    _after(world, tmp_path, firms=(E_HEADER, gone))
    evaluated = alert_store.stamp(app)
    assert evaluated != first
    row = alert_store.alerts(app).iloc[0]
    alert_store.acknowledge(app, row["key"], row["first_version"], "planner1")
    acked = alert_store.stamp(app)
    assert acked != evaluated
    alert_store.acknowledge(app, row["key"], row["first_version"], "planner1")  # again: ignored
    assert alert_store.stamp(app) == acked
