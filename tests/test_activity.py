"""views/activity.py: background work waits for the runs in progress (the index build yields
to sessions), and never longer than its cap."""

from __future__ import annotations

import threading
import time

import pytest

from views import activity
from views.activity import Activity


def _hold(act: Activity, seconds: float, stamps: dict) -> threading.Thread:
    entered = threading.Event()

    def run():
        with act.busy():
            entered.set()
            time.sleep(seconds)
            stamps["ended"] = time.monotonic()
    th = threading.Thread(target=run)
    th.start()
    entered.wait(5)
    return th


def test_nothing_running_means_no_wait():
    act = Activity()
    assert act.active() == 0
    assert act.wait_quiet(settle=5.0, longest=30.0) < 1.0  # never ran: quiet already


def test_a_waiter_resumes_only_after_the_run_ended_and_a_quiet_moment():
    act = Activity()
    stamps: dict = {}
    th = _hold(act, 0.4, stamps)
    assert act.active() == 1
    waited = act.wait_quiet(settle=0.2, longest=30.0)
    resumed = time.monotonic()
    th.join()
    assert "ended" in stamps and resumed - stamps["ended"] >= 0.2 - 1e-3
    assert waited >= 0.4 and act.active() == 0


def test_a_run_ending_and_another_starting_within_the_settle_time_keeps_it_waiting():
    act = Activity()
    stamps: dict = {}
    first = _hold(act, 0.2, stamps)
    out: dict = {}
    waiter = threading.Thread(target=lambda: out.setdefault(
        "at", (act.wait_quiet(settle=0.5, longest=30.0), time.monotonic())))
    waiter.start()
    first.join()
    second = _hold(act, 0.3, stamps)  # the follow-up rerun, within the settle time
    second.join()
    waiter.join(10)
    assert out["at"][1] - stamps["ended"] >= 0.5 - 1e-3  # after the second run, plus settle


def test_steady_traffic_still_lets_it_go_after_the_cap():
    act = Activity()
    release = threading.Event()

    def run():
        with act.busy():
            release.wait(10)
    th = threading.Thread(target=run)
    th.start()
    try:
        waited = act.wait_quiet(settle=0.1, longest=0.3)
        assert waited >= 0.3 and act.active() == 1  # went ahead with the run in progress
    finally:
        release.set()
        th.join()


def test_a_failing_run_still_counts_as_ended():
    act = Activity()
    with pytest.raises(RuntimeError), act.busy():
        raise RuntimeError("boom")
    assert act.active() == 0


def test_the_index_build_waits_before_each_step(monkeypatch, tmp_path):
    """analytics/indexes.build calls ``between`` before every step and reports what it waited."""
    from analytics import chain_index, indexes, map_index, overseas, talent_index

    order = []
    for mod, name in ((map_index, "get"), (talent_index, "get"), (overseas, "persons_abroad"),
                      (chain_index, "places"), (chain_index, "persons"), (chain_index, "moves"),
                      (chain_index, "year_facts")):
        monkeypatch.setattr(mod, name, lambda *_a, _n=name, **_k: order.append(_n))
    monkeypatch.setattr(chain_index, "ENABLED", True)
    report = indexes.build(object(), year=2024, between=lambda: order.append("wait") or 0.25)
    assert order == [x for n in ["get", "get", "persons_abroad", "places", "persons", "moves",
                                 "year_facts"] for x in ("wait", n)]
    assert report["waited"] == pytest.approx(7 * 0.25)
    assert "waited" not in indexes.build(object(), year=2024)


def test_the_dashboards_background_build_waits_for_a_session_in_progress(monkeypatch):
    """views/state.py builds a new version's indexes only once no script run is in progress."""
    from views import state

    fresh = Activity()
    monkeypatch.setattr(activity, "_process", fresh)
    monkeypatch.setattr(activity, "FIRST_SETTLE_S", 0.5)  # the first step after a longer quiet
    monkeypatch.setattr(activity, "SETTLE_S", 0.01)
    steps = []
    monkeypatch.setattr(state.indexes, "build", lambda _r, between=None: (
        between(), steps.append(time.monotonic()), between(), steps.append(time.monotonic()),
        {})[-1])
    monkeypatch.setattr(state, "reader", lambda: None)
    monkeypatch.setattr(state, "_warmed", set())
    monkeypatch.setattr(activity, "_first_build", True)
    stamps: dict = {}
    session = _hold(fresh, 0.5, stamps)
    builder = state.warm_indexes("v-test")
    builder.join(10)
    session.join()
    assert len(steps) == 2 and steps[0] - stamps["ended"] >= 0.5 - 1e-3
    assert steps[1] - steps[0] < 0.5  # the next step: the short settle
    # a version published later, while a session is served, is built at once (no wait)
    monkeypatch.setattr(state.indexes, "build", lambda _r, between=None: (
        steps.append(between), {})[-1])
    with fresh.busy():
        state.warm_indexes("v-test-2").join(10)
        assert steps[-1] is None and fresh.active() == 1


def test_the_first_step_waits_longer_for_quiet_than_the_next(monkeypatch):
    """yielding(): the first step after the warm-up waits for first_settle seconds of quiet (a
    visitor who opened the page meanwhile starts a run in that time), the next for settle."""
    fresh = Activity()
    monkeypatch.setattr(activity, "_process", fresh)
    stamps: dict = {}
    _hold(fresh, 0.05, stamps).join()
    wait = activity.yielding(first_settle=0.6, settle=0.05, longest=30.0)
    first = wait()
    ended_to_first = time.monotonic() - stamps["ended"]
    _hold(fresh, 0.05, stamps).join()
    wait()
    assert ended_to_first >= 0.6 - 1e-3 and first >= 0.4
    assert time.monotonic() - stamps["ended"] < 0.6  # the second waited settle, not first_settle
