"""招引 targets (access/targets.py, rules in access/target_rules.py): stored beside the app
database (never the warehouse), every value checked, stage moves as the rules say, writes for
planners/recruiters/admins only, every change in the history table and the audit log, stale
writes refused, nothing lost by concurrent writers (threads and processes), and a process killed
with SIGKILL mid-loop leaves the last committed state."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from access import appdb
from access import targets as tg

ROOT = Path(__file__).resolve().parent.parent
FIRM = "91140105MAK5NN7F3P"
LANDING = {"version": "v1", "year": 2024, "talent": 1, "lq_talent": 0.19, "status": "补链",
           "sd_ratio": None, "sd_band": "无需求数据"}


@pytest.fixture
def store(tmp_path):
    return tmp_path / "app" / "app.duckdb"  # what the setting app_db_path names


def new(store, user="王", role="planner", **kw):
    args = {"region": "370212", "node": "A13", "kind": "enterprise", "entry_key": FIRM,
            "entry_name": "太原博瑞智慧科技股份有限公司"} | kw
    return tg.create(store, user, role, **args)


def audit(store) -> list[dict]:
    rows = appdb.audit_rows(store).iloc[::-1]  # oldest first
    return [{**r, "filters": json.loads(r["filters"])} for r in rows.to_dict("records")]


def test_the_store_lies_beside_the_app_database(store):
    assert tg.store_path(store) == store.parent / "app.targets.sqlite"
    new(store)
    assert tg.store_path(store).exists() and not store.exists()
    con = sqlite3.connect(tg.store_path(store))
    try:
        assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        con.close()


def test_create_records_history_and_audit(store):
    t = new(store, expected_talents=5, next_date="2025-03-01", notes="第一次\n联系")
    assert (t.id, t.stage, t.version, t.owner, t.created_by) == (1, "线索", 1, "王", "王")
    assert (t.expected_talents, t.next_date, t.notes) == (5, "2025-03-01", "第一次\n联系")
    [h] = tg.history(store, t.id)
    assert (h["version"], h["user"], h["role"], h["action"]) == (1, "王", "planner", "create")
    assert h["changes"]["stage"] == [None, "线索"]
    assert h["changes"]["expected_talents"] == [None, 5]
    [a] = audit(store)
    assert (a["user"], a["role"], a["action"]) == ("王", "planner", "target_create")
    assert a["target"] == f"招引目标 #1 370212/A13 enterprise:{FIRM}"
    assert a["filters"]["version"] == 1 and a["filters"]["changes"]["stage"] == [None, "线索"]
    assert appdb.verify_chain(store)[0]


def test_update_changes_only_what_changed_and_says_so(store):
    t = new(store)
    t2 = tg.update(store, "李", "recruiter", t.id, 1,
                   {"owner": "李", "expected_talents": 20, "investment_wan": "1500.5",
                    "next_step": "拜访", "next_date": "2025-04-01", "notes": ""})
    assert (t2.version, t2.owner, t2.expected_talents, t2.investment_wan) == (2, "李", 20, 1500.5)
    assert t2.updated_by == "李" and t2.created_by == "王"
    h = tg.history(store, t.id)[-1]
    assert h["changes"] == {"owner": ["王", "李"], "expected_talents": [0, 20],
                            "investment_wan": [0.0, 1500.5], "next_step": ["", "拜访"],
                            "next_date": [None, "2025-04-01"]}
    a = audit(store)[-1]
    assert (a["user"], a["role"], a["action"]) == ("李", "recruiter", "target_update")
    assert a["filters"] == {"changes": h["changes"], "version": 2}
    same = tg.update(store, "李", "recruiter", t.id, 2, {"owner": "李"})  # nothing changes
    assert same.version == 2 and len(tg.history(store, t.id)) == 2 and len(audit(store)) == 2


@pytest.mark.parametrize("kw, message", [
    ({"region": "37021"}, "地区代码不正确"),
    ({"region": "370212; DROP"}, "地区代码不正确"),
    ({"node": "X01"}, "产业链环节不正确"),
    ({"kind": "person"}, "未知的目标类型"),
    ({"entry_key": "123"}, "条目的代码不正确"),
    ({"kind": "region", "entry_key": FIRM}, "条目的代码不正确"),
    ({"entry_name": "  "}, "请填写条目名称"),
    ({"entry_name": "x" * 121}, "条目名称最多 120 个字"),
    ({"owner": ""}, "请填写负责人"),
    ({"owner": "x" * 41}, "负责人最多 40 个字"),
    ({"owner": "a\u202eb"}, "负责人含有不可见字符"),
    ({"notes": "a\x00b"}, "备注含有不可见字符"),
    ({"notes": "x" * 2001}, "备注最多 2000 个字"),
    ({"next_step": "x" * 201}, "下一步最多 200 个字"),
    ({"expected_talents": -1}, "预计引进人才须为 0 或正整数"),
    ({"expected_talents": 2.5}, "预计引进人才须为 0 或正整数"),
    ({"expected_talents": True}, "预计引进人才须为 0 或正整数"),
    ({"expected_talents": "二十"}, "预计引进人才须为 0 或正整数"),
    ({"expected_talents": 100_001}, "预计引进人才最多 100000 人"),
    ({"investment_wan": -0.01}, "预计投资须为不小于 0 的数"),
    ({"investment_wan": float("nan")}, "预计投资须为不小于 0 的数"),
    ({"investment_wan": float("inf")}, "预计投资须为不小于 0 的数"),
    ({"next_date": "2025-02-30"}, "下一步日期须为有效日期"),
    ({"next_date": "明天"}, "下一步日期须为有效日期"),
    ({"next_date": "1999-12-31"}, "下一步日期须在 2000-01-01 与 2100-12-31 之间"),
])
def test_bad_values_are_refused_and_nothing_is_written(store, kw, message):
    with pytest.raises(tg.TargetError, match=message):
        new(store, **kw)
    assert tg.list_targets(store) == [] and audit(store) == []


def test_bad_values_in_an_update_are_refused(store):
    t = new(store)
    for changes, message in [({"expected_talents": -3}, "预计引进人才"),
                             ({"next_date": "2025-13-01"}, "下一步日期"),
                             ({"version": 9}, "不能修改的字段: version"),
                             ({"scenario": {"talents": {"Z": 1}}}, "情景的人才层次"),
                             ({"scenario": {"firms": 1, "leaders": 2}}, "链主企业数")]:
        with pytest.raises(tg.TargetError, match=message):
            tg.update(store, "王", "planner", t.id, 1, changes)
    assert tg.get(store, t.id).version == 1 and len(tg.history(store, t.id)) == 1


def test_allowed_moves():
    assert tg.allowed_moves("线索") == ("已接洽", "洽谈中", "已签约", "已放弃")
    assert tg.allowed_moves("已接洽") == ("洽谈中", "已签约", "线索", "已放弃")
    assert tg.allowed_moves("洽谈中") == ("已签约", "已接洽", "已放弃")
    assert tg.allowed_moves("已签约") == ("已落地", "洽谈中", "已放弃")
    assert tg.allowed_moves("已落地") == ()
    assert tg.allowed_moves("已放弃") == ("线索",)


def test_stage_moves_follow_the_rules(store):
    t = new(store)
    with pytest.raises(tg.TargetError, match="不能从 线索 改为 已落地"):
        tg.move(store, "王", "planner", t.id, 1, "已落地", landing=LANDING)
    with pytest.raises(tg.TargetError, match="未知的阶段"):
        tg.move(store, "王", "planner", t.id, 1, "成交")
    with pytest.raises(tg.TargetError, match="请填写放弃原因"):
        tg.move(store, "王", "planner", t.id, 1, "已放弃")
    t = tg.move(store, "王", "planner", t.id, 1, "洽谈中")
    t = tg.move(store, "王", "planner", t.id, t.version, "已放弃", reason="对方已落户他地")
    assert (t.stage, t.abandon_reason, t.abandoned_from) == ("已放弃", "对方已落户他地", "洽谈中")
    with pytest.raises(tg.TargetError, match="不能从 已放弃 改为 已签约"):
        tg.move(store, "王", "planner", t.id, t.version, "已签约")
    t = tg.move(store, "王", "planner", t.id, t.version, "线索")  # reopened
    assert (t.stage, t.abandon_reason, t.abandoned_from) == ("线索", None, None)
    t = tg.move(store, "王", "planner", t.id, t.version, "已签约")
    with pytest.raises(tg.TargetError, match="落地时须记录环节当时的指标"):
        tg.move(store, "王", "planner", t.id, t.version, "已落地")
    with pytest.raises(tg.TargetError, match="落地时须记录"):
        tg.move(store, "王", "planner", t.id, t.version, "已落地", landing={"version": "v"})
    t = tg.move(store, "王", "planner", t.id, t.version, "已落地", landing=LANDING,
                expected_talents=20)
    assert (t.stage, t.expected_talents, t.landing) == ("已落地", 20, LANDING)
    with pytest.raises(tg.TargetError, match="已落地为终态"):
        tg.move(store, "王", "planner", t.id, t.version, "已签约")
    with pytest.raises(tg.TargetError, match="只能修改负责人与备注"):
        tg.update(store, "王", "planner", t.id, t.version, {"expected_talents": 30})
    t = tg.update(store, "王", "planner", t.id, t.version, {"notes": "已入驻"})
    actions = [h["action"] for h in tg.history(store, t.id)]
    assert actions == ["create", "stage", "stage", "stage", "stage", "stage", "update"]
    assert [a["action"] for a in audit(store)] == ["target_create"] + ["target_update"] * 6
    assert audit(store)[2]["reason"] == "对方已落户他地"  # the abandon reason, audited


@pytest.mark.parametrize("role", ["analyst", "guest", ""])
def test_read_only_roles_cannot_write(store, role):
    t = new(store)
    with pytest.raises(tg.NotAllowed, match="只能查看"):
        new(store, role=role, entry_key="91310115MATK2JJ87K")
    with pytest.raises(tg.NotAllowed):
        tg.update(store, "赵", role, t.id, 1, {"notes": "x"})
    with pytest.raises(tg.NotAllowed):
        tg.move(store, "赵", role, t.id, 1, "已接洽")
    assert [x.id for x in tg.list_targets(store)] == [1]
    assert tg.get(store, 1).version == 1 and len(audit(store)) == 1
    assert tg.can_write(role) is False
    assert all(tg.can_write(r) for r in ("planner", "recruiter", "admin"))


def test_one_target_per_entry(store):
    new(store)
    with pytest.raises(tg.TargetError, match="该条目已在招引跟踪中"):
        new(store, user="李")
    other = new(store, node="T12")  # the same firm for another node is another target
    assert other.id == 2  # the refused insert took no id
    assert len(tg.list_targets(store)) == 2 and len(audit(store)) == 2


def test_a_stale_write_is_refused_not_overwritten(store):
    t = new(store)
    seen_by_li, seen_by_wang = tg.get(store, t.id), tg.get(store, t.id)
    tg.update(store, "李", "recruiter", t.id, seen_by_li.version, {"notes": "李的备注"})
    with pytest.raises(tg.StaleTarget, match=r"已被 李 于 .* 修改 \(版本 2, 您看到的是版本 1\)"):
        tg.update(store, "王", "planner", t.id, seen_by_wang.version, {"notes": "王的备注"})
    assert tg.get(store, t.id).notes == "李的备注"
    assert len(tg.history(store, t.id)) == 2 and len(audit(store)) == 2


def test_a_failed_audit_write_rolls_the_change_back(store, monkeypatch):
    t = new(store)

    def broken(*a, **kw):
        raise appdb.AuditError("审计日志无法写入: disk full")

    monkeypatch.setattr(appdb, "record", broken)
    with pytest.raises(appdb.AuditError):
        tg.update(store, "王", "planner", t.id, 1, {"notes": "x"})
    with pytest.raises(appdb.AuditError):
        new(store, node="T12")
    assert tg.get(store, t.id).version == 1 and tg.get(store, t.id).notes == ""
    assert len(tg.list_targets(store)) == 1 and len(tg.history(store, t.id)) == 1


def test_two_sessions_writing_at_once(store):
    """Two threads read the same version and write at the same moment, 25 rounds: each round
    exactly one write lands and the other is refused as stale; then both retry their refused
    notes on the fresh version — every note is there, in a history row of its own."""
    t = new(store)
    barrier = threading.Barrier(2)
    results: dict[str, list] = {"王": [], "李": []}
    errors = []

    def session(user: str) -> None:
        try:
            for i in range(25):
                seen = tg.get(store, t.id)
                barrier.wait(10)
                try:
                    tg.update(store, user, "planner", t.id, seen.version,
                              {"notes": f"{seen.notes}|{user}{i}"})
                    results[user].append("ok")
                except tg.StaleTarget:
                    results[user].append("stale")
                    while True:  # read again and retry: nothing is lost
                        fresh = tg.get(store, t.id)
                        try:
                            tg.update(store, user, "planner", t.id, fresh.version,
                                      {"notes": f"{fresh.notes}|{user}{i}"})
                            break
                        except tg.StaleTarget:
                            continue
                barrier.wait(10)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=session, args=(u,)) for u in results]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert errors == []
    for i in range(25):  # one winner per round
        assert sorted([results["王"][i], results["李"][i]]) == ["ok", "stale"]
    final = tg.get(store, t.id)
    notes = final.notes.split("|")[1:]
    assert sorted(notes) == sorted(f"{u}{i}" for u in results for i in range(25))
    assert final.version == 51 and len(tg.history(store, t.id)) == 51
    assert len(audit(store)) == 51 and appdb.verify_chain(store)[0]


WORKER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from access import targets as tg
    store, user, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    i = 0
    while n < 0 or i < n:
        t = tg.get(store, 1)
        try:
            tg.update(store, user, "recruiter", 1, t.version,
                      {{"expected_talents": t.expected_talents + 1}})
            i += 1
            print(i, flush=True)
        except tg.StaleTarget:
            pass
""")


def _worker(store: Path, user: str, n: int) -> subprocess.Popen:
    code = WORKER.format(root=str(ROOT))
    return subprocess.Popen([sys.executable, "-c", code, str(store), user, str(n)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_processes_incrementing_lose_nothing(store):
    new(store)
    procs = [_worker(store, u, 20) for u in ("甲", "乙")]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    t = tg.get(store, 1)
    assert t.expected_talents == 40 and t.version == 41
    assert len(tg.history(store, 1)) == 41 and len(audit(store)) == 41


def _consistent(store: Path) -> tg.Target:
    con = sqlite3.connect(tg.store_path(store))
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        con.close()
    t = tg.get(store, 1)
    history = tg.history(store, 1)
    assert [h["version"] for h in history] == list(range(1, t.version + 1))
    assert t.expected_talents == t.version - 1  # each committed change is one increment
    for h in history[1:]:
        old, new_ = h["changes"]["expected_talents"]
        assert new_ == old + 1
    return t


@pytest.mark.parametrize("delay", [0.21, 0.34, 0.47, 0.62, 0.83, 1.09, 1.3, 1.52])
def test_a_writer_killed_mid_loop_leaves_the_last_committed_state(store, delay):
    new(store)
    proc = _worker(store, "甲", -1)  # increments until killed
    proc.stdout.readline()  # it has committed at least once
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    before = _consistent(store)
    assert before.version >= 2
    after = tg.update(store, "王", "planner", 1, before.version,
                      {"expected_talents": before.expected_talents + 1})  # the lock is free
    assert after.version == before.version + 1
    _consistent(store)
    # The audit log may hold one row more than the store (written, then killed before the
    # commit), never fewer; its chain stays valid.
    assert len(audit(store)) in (after.version, after.version + 1)
    assert appdb.verify_chain(store)[0]


def test_observations_are_kept_once_per_version_for_landed_targets(store):
    t = new(store)
    assert tg.observe(store, t.id, "v2", {"talent": 3}) is False  # not landed: nothing kept
    t = tg.move(store, "王", "planner", t.id, 1, "已签约")
    t = tg.move(store, "王", "planner", t.id, t.version, "已落地", landing=LANDING)
    assert tg.observe(store, t.id, "v2", {"talent": 3}) is True
    assert tg.observe(store, t.id, "v2", {"talent": 4}) is False  # the first kept stays
    assert tg.observe(store, t.id, "v3", {"talent": 5}) is True
    assert [(o["wh_version"], o["talent"]) for o in tg.observations(store, t.id)] == [
        ("v2", 3), ("v3", 5)]
    assert tg.get(store, t.id).version == 3  # observations change no target


def test_overdue_only_for_open_targets(store):
    import datetime as dt

    t = new(store, next_date="2025-01-10")
    assert t.overdue(dt.date(2025, 1, 11)) and not t.overdue(dt.date(2025, 1, 10))
    t = tg.move(store, "王", "planner", t.id, 1, "已放弃", reason="无意向")
    assert not t.overdue(dt.date(2030, 1, 1))
