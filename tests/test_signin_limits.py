"""Sign-in limits (issue 16, part 5): lockout per user name and per client, no argon2 while
locked, a bound on concurrent password hashing, failed sign-ins in the audit log, limits shared
by every session of the process, and sign-in before the first-run demo build."""

from __future__ import annotations

import threading
import time

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from access import appdb, users
from tests import fixtures

RIGHT, WRONG = "s3cret-pass", "wrong-pass"
LOCKED_15 = users.MSG_LOCKED.format(minutes=15)


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture(params=["process", "shared"])
def limiter(request, monkeypatch, tmp_path_factory):
    """A fresh limiter on an injected clock, the default limits: the process's own, or the one
    every process on the machine shares (setting signin_limits_shared, a file beside
    app_db_path; access/signin_store.py) — the same rules either way."""
    for name in ("MAX_FAILURES", "CLIENT_MAX_FAILURES", "WINDOW_S", "LOCKOUT_S",
                 "MAX_CONCURRENT_HASHES", "HASH_WAIT_S"):
        monkeypatch.delenv(f"TALENTMAP_SIGNIN_{name}", raising=False)
    monkeypatch.setenv("TALENTMAP_SIGNIN_LIMITS_SHARED", str(request.param == "shared").lower())
    app = tmp_path_factory.mktemp("app") / "app.duckdb"
    monkeypatch.setenv("TALENTMAP_APP_DB_PATH", str(app))
    lim = users.limiter()
    assert (lim is users.LIMITER) == (request.param == "process")
    clock = Clock()
    monkeypatch.setattr(lim, "clock", clock)
    lim.reset()
    yield clock
    lim.reset()


@pytest.fixture(scope="module")
def users_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("users") / "users.toml"
    users.add_user(path, "wang", "recruiter", RIGHT)
    users.add_user(path, "li", "admin", RIGHT)
    return path


@pytest.fixture
def real_argon2_calls(monkeypatch):
    """Count the real argon2 verifications (about 0.1-1 s each)."""
    calls = []
    real = users._argon2_verify

    def counting(h, p):
        calls.append(p)
        return real(h, p)
    monkeypatch.setattr(users, "_argon2_verify", counting)
    return calls


@pytest.fixture
def argon2_calls(monkeypatch):
    """Count verifications, answered at once (RIGHT is every known user's password)."""
    calls = []

    def counting(h, p):
        calls.append(p)
        return p == RIGHT
    monkeypatch.setattr(users, "_argon2_verify", counting)
    return calls


def _audit_to(db):
    return lambda action, name, client, reason: appdb.record(db, name, "anonymous", action,
                                                             client, reason)


def test_five_failures_lock_the_name_and_a_locked_attempt_runs_no_argon2(
        limiter, users_file, real_argon2_calls, tmp_path):
    argon2_calls = real_argon2_calls
    db = tmp_path / "app.duckdb"
    hook = _audit_to(db)
    results = [users.attempt_sign_in(users_file, "wang", f"{WRONG}-{i}", "10.0.0.1", hook)
               for i in range(5)]
    assert [r.status for r in results] == ["wrong"] * 5
    assert [r.message for r in results[:4]] == [users.MSG_WRONG] * 4
    assert results[4].message == f"{users.MSG_WRONG}。{LOCKED_15}"  # the 5th says it locked
    assert len(argon2_calls) == 5
    # The 6th, with the RIGHT password, is refused without any password check.
    sixth = users.attempt_sign_in(users_file, "wang", RIGHT, "10.0.0.1", hook)
    assert (sixth.user, sixth.status, sixth.message) == (None, "locked", LOCKED_15)
    assert len(argon2_calls) == 5
    # From another client too: the name is locked, not the address.
    other = users.attempt_sign_in(users_file, "wang", RIGHT, "10.0.0.2", hook)
    assert other.status == "locked" and len(argon2_calls) == 5
    # 14 min 59 s later: still locked, with the minutes left rounded up.
    limiter.t += 899
    assert users.attempt_sign_in(users_file, "wang", RIGHT, "10.0.0.1").message == \
        users.MSG_LOCKED.format(minutes=1)
    # After the lockout: the right password works, and argon2 ran once more.
    limiter.t += 1
    ok = users.attempt_sign_in(users_file, "wang", RIGHT, "10.0.0.1", hook)
    assert (ok.status, ok.user.name, ok.user.role) == ("ok", "wang", "recruiter")
    assert len(argon2_calls) == 6
    # The audit: five failures and one lockout, with the name tried; no password anywhere.
    rows = appdb.audit_rows(db).iloc[::-1]
    assert rows[["user", "role", "action", "target", "reason"]].values.tolist() == \
        [["wang", "anonymous", "signin_failed", "10.0.0.1", "密码错误"]] * 5 + \
        [["wang", "anonymous", "signin_locked", "10.0.0.1", "用户名在 15 分钟内失败 5 次, 锁定 15 分钟"]]
    text = appdb.log_path(db).read_text("utf-8")
    assert WRONG not in text and RIGHT not in text
    assert appdb.verify_chain(db)[0]


def test_failures_outside_the_window_do_not_count(limiter, users_file, argon2_calls):
    for _ in range(4):
        assert users.attempt_sign_in(users_file, "wang", WRONG).status == "wrong"
    limiter.t += 900  # the four fall out of the 15-minute window
    for _ in range(4):
        assert users.attempt_sign_in(users_file, "wang", WRONG).status == "wrong"
    assert users.attempt_sign_in(users_file, "wang", RIGHT).status == "ok"
    assert len(argon2_calls) == 9


def test_a_success_clears_the_names_failures(limiter, users_file, argon2_calls):
    for _ in range(4):
        users.attempt_sign_in(users_file, "wang", WRONG)
    assert users.attempt_sign_in(users_file, "wang", RIGHT).status == "ok"
    for _ in range(4):
        users.attempt_sign_in(users_file, "wang", WRONG)
    assert users.attempt_sign_in(users_file, "wang", RIGHT).status == "ok"


def test_unknown_names_lock_like_known_ones(limiter, users_file, argon2_calls, tmp_path):
    db = tmp_path / "app.duckdb"
    for _ in range(5):
        users.attempt_sign_in(users_file, "nobody", WRONG, "c1", _audit_to(db))
    assert users.attempt_sign_in(users_file, "nobody", WRONG, "c1").status == "locked"
    assert len(argon2_calls) == 5  # the dummy hash is checked: same time as a known name
    assert appdb.audit_rows(db)["reason"].tolist()[1:] == ["无此用户"] * 5


def test_one_client_trying_many_names_is_locked(limiter, users_file, argon2_calls, monkeypatch):
    monkeypatch.setenv("TALENTMAP_SIGNIN_CLIENT_MAX_FAILURES", "6")
    for i in range(6):  # two names, three failures each: neither name is locked
        assert users.attempt_sign_in(users_file, ["wang", "li"][i % 2], WRONG, "6.6.6.6").status \
            == "wrong"
    refused = users.attempt_sign_in(users_file, "li", RIGHT, "6.6.6.6")
    assert (refused.status, refused.message) == ("locked", LOCKED_15)
    assert len(argon2_calls) == 6
    # Another client signs in as li: the names were not locked, the address was.
    assert users.attempt_sign_in(users_file, "li", RIGHT, "7.7.7.7").status == "ok"


def test_default_client_limit_is_twenty(limiter, users_file, argon2_calls):
    for i in range(20):
        assert users.attempt_sign_in(users_file, f"guess{i}", WRONG, "9.9.9.9").status == "wrong"
    assert users.attempt_sign_in(users_file, "wang", RIGHT, "9.9.9.9").status == "locked"
    assert len(argon2_calls) == 20


def test_concurrent_wrong_guesses_cannot_exceed_the_cap(limiter, users_file, monkeypatch):
    """50 guesses at once for one name: exactly 5 password checks, however they interleave."""
    calls, lock = [], threading.Lock()

    def slow(h, p):
        with lock:
            calls.append(p)
        time.sleep(0.02)
        return False
    monkeypatch.setattr(users, "_argon2_verify", slow)
    out = []
    threads = [threading.Thread(target=lambda i=i: out.append(
        users.attempt_sign_in(users_file, "wang", f"guess{i}", f"client{i}").status))
        for i in range(50)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(calls) == 5
    assert out.count("wrong") == 5 and len(out) == 50
    assert set(out) <= {"wrong", "busy", "locked"}


def test_at_most_k_password_checks_at_once(limiter, users_file, monkeypatch):
    monkeypatch.setenv("TALENTMAP_SIGNIN_MAX_CONCURRENT_HASHES", "2")
    running, peak, lock = [0], [0], threading.Lock()

    def counting(h, p):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return p == RIGHT
    monkeypatch.setattr(users, "_argon2_verify", counting)
    out = []
    threads = [threading.Thread(target=lambda i=i: out.append(
        users.attempt_sign_in(users_file, f"user{i}", RIGHT, f"client{i}").status))
        for i in range(12)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert peak[0] == 2 and len(out) == 12  # unknown names: 'wrong', but all were checked
    assert out == ["wrong"] * 12


def test_a_sign_in_waits_for_a_slot_then_is_refused_as_busy(limiter, users_file, argon2_calls,
                                                           monkeypatch):
    monkeypatch.setenv("TALENTMAP_SIGNIN_MAX_CONCURRENT_HASHES", "1")
    monkeypatch.setenv("TALENTMAP_SIGNIN_HASH_WAIT_S", "0.3")
    with users.hash_slot():  # the only slot is taken
        t0 = time.monotonic()
        r = users.attempt_sign_in(users_file, "wang", RIGHT)
        waited = time.monotonic() - t0
    assert (r.user, r.status, r.message) == (None, "busy", users.MSG_BUSY)
    assert 0.25 < waited < 2 and argon2_calls == []
    assert users.limiter().failures(("user", "wang")) == 0  # nothing was checked: nothing counted
    assert users.attempt_sign_in(users_file, "wang", RIGHT).status == "ok"  # slot free again


def test_lockout_settings(limiter, users_file, argon2_calls, monkeypatch):
    monkeypatch.setenv("TALENTMAP_SIGNIN_MAX_FAILURES", "2")
    monkeypatch.setenv("TALENTMAP_SIGNIN_LOCKOUT_S", "60")
    users.attempt_sign_in(users_file, "wang", WRONG)
    users.attempt_sign_in(users_file, "wang", WRONG)
    assert users.attempt_sign_in(users_file, "wang", RIGHT).message == \
        users.MSG_LOCKED.format(minutes=1)
    limiter.t += 60
    assert users.attempt_sign_in(users_file, "wang", RIGHT).status == "ok"
    monkeypatch.setenv("TALENTMAP_SIGNIN_MAX_FAILURES", "0")  # off
    for _ in range(8):
        users.attempt_sign_in(users_file, "li", WRONG, "a")
    assert users.attempt_sign_in(users_file, "li", RIGHT, "b").status == "ok"


# -- in the app ---------------------------------------------------------------------------------
@pytest.fixture
def signin_app(limiter, users_file, loaded_db, tmp_path, monkeypatch):
    monkeypatch.setenv("TALENTMAP_DB_PATH", str(loaded_db))
    monkeypatch.setenv("TALENTMAP_APP_DB_PATH", str(tmp_path / "app.duckdb"))
    monkeypatch.setenv("TALENTMAP_USERS_FILE", str(users_file))
    monkeypatch.setenv("TALENTMAP_GEOJSON_MODE", "inline")
    st.cache_data.clear()
    st.cache_resource.clear()

    def session() -> AppTest:
        at = AppTest.from_file(fixtures.DASHBOARD, default_timeout=60)
        at.run()
        return at

    def submit(at: AppTest, name: str, password: str) -> AppTest:
        at.text_input[0].input(name)
        at.text_input[1].input(password)
        return at.button[0].click().run()
    session.submit = submit
    return session


def test_lockout_holds_across_sessions_and_failures_are_audited(signin_app, tmp_path):
    first = signin_app()
    for i in range(5):
        signin_app.submit(first, "wang", f"{WRONG}{i}")
    assert [e.value for e in first.error] == [f"{users.MSG_WRONG}。{LOCKED_15}"]
    fresh = signin_app()  # a new browser session gets no fresh attempts
    signin_app.submit(fresh, "wang", RIGHT)
    assert [e.value for e in fresh.error] == [LOCKED_15]
    assert fresh.title[0].value == "人才地图 · 登录" and not fresh.dataframe
    rows = appdb.audit_rows(tmp_path / "app.duckdb")
    assert rows["action"].value_counts().to_dict() == {"signin_failed": 5, "signin_locked": 1}
    assert set(rows["user"]) == {"wang"} and set(rows["target"]) == {"local"}
    assert not any(WRONG in str(v) or RIGHT in str(v) for v in rows.values.ravel())


def test_sign_in_comes_before_the_first_run_demo_build(limiter, users_file, tmp_path,
                                                        monkeypatch):
    """With sign-in configured and no warehouse, an anonymous visitor builds and writes nothing."""
    db, raw = tmp_path / "wh" / "warehouse.duckdb", tmp_path / "raw"
    monkeypatch.setenv("TALENTMAP_DB_PATH", str(db))
    monkeypatch.setenv("TALENTMAP_RAW_DIR", str(raw))
    monkeypatch.setenv("TALENTMAP_APP_DB_PATH", str(tmp_path / "app" / "app.duckdb"))
    monkeypatch.setenv("TALENTMAP_USERS_FILE", str(users_file))
    at = AppTest.from_file(fixtures.DASHBOARD, default_timeout=120)
    at.run()
    assert not at.exception
    assert at.title[0].value == "人才地图 · 登录"
    assert not db.exists() and not raw.exists() and not (tmp_path / "wh").exists()
    assert list(tmp_path.iterdir()) == []
