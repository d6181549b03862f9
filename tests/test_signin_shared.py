"""Sign-in counters shared by the processes of one deployment (access/signin_store.py; issue
18's ``python -m serve`` runs several): failures made through one process count in another,
a lockout holds in all of them and after a restart, and a place reserved by a process that
died is given back. (tests/test_signin_limits.py runs every limit rule on this store too.)"""

from __future__ import annotations

import subprocess
import sys

from access import signin_store, users

LIMITS = users.Limits(max_failures=5, client_max_failures=20, window_s=900.0,
                      lockout_s=900.0, hash_wait_s=10.0)


def _fail(lim, name="wang", client="10.0.0.1") -> str:
    keys = LIMITS.keys(name, client)
    status, _ = lim.begin(keys, LIMITS)
    if status != "ok":
        return status
    return "locked-now" if lim.end(keys, False, LIMITS) else "wrong"


def test_failures_through_two_processes_add_up(tmp_path):
    path = tmp_path / "app.signin.sqlite"
    a, b = signin_store.SharedSignInLimiter(path), signin_store.SharedSignInLimiter(path)
    assert [_fail(lim) for lim in (a, b, a, b)] == ["wrong"] * 4
    assert _fail(b) == "locked-now"  # the fifth, wherever it came from, locks the name
    assert a.begin(LIMITS.keys("wang", "10.0.0.9"), LIMITS)[0] == "locked"
    # a restart: a new limiter on the same file still sees the lockout
    assert signin_store.SharedSignInLimiter(path).begin(
        LIMITS.keys("wang", "10.0.0.9"), LIMITS)[0] == "locked"
    # what the process-local limiter would have done: each process counts alone
    p, q = users.SignInLimiter(), users.SignInLimiter()
    assert [_fail(lim) for lim in (p, q, p, q, p, q, p, q)] == ["wrong"] * 8


def test_failures_made_by_another_interpreter_count_here(tmp_path):
    path = tmp_path / "app.signin.sqlite"
    code = ("import sys; from access import signin_store, users; "
            "from tests.test_signin_shared import LIMITS, _fail; "
            "lim = signin_store.SharedSignInLimiter(sys.argv[1]); "
            "print([_fail(lim) for _ in range(3)])")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "['wrong', 'wrong', 'wrong']"
    here = signin_store.SharedSignInLimiter(path)
    assert here.failures(("user", "wang")) == 3
    assert [_fail(here), _fail(here)] == ["wrong", "locked-now"]


def test_a_place_held_by_a_process_that_died_is_given_back(tmp_path):
    path = tmp_path / "app.signin.sqlite"
    t = [1_000_000.0]
    dead = signin_store.SharedSignInLimiter(path, clock=lambda: t[0])
    keys = users.Limits(1, 0, 900.0, 900.0, 10.0).keys("li", "x")  # cap 1 per name
    one = users.Limits(1, 0, 900.0, 900.0, 10.0)
    assert dead.begin(keys, one) == ("ok", 0.0)  # ... and its process never ends the attempt
    alive = signin_store.SharedSignInLimiter(path, clock=lambda: t[0])
    assert alive.begin(keys, one)[0] == "busy"  # the place is taken while it may still run
    t[0] += signin_store.STALE_S + 1
    assert alive.begin(keys, one) == ("ok", 0.0)
    alive.end(keys, True, one)
    assert alive.failures(("user", "li")) == 0


def test_the_store_lives_beside_the_app_database(tmp_path, monkeypatch):
    monkeypatch.setenv("TALENTMAP_SIGNIN_LIMITS_SHARED", "true")
    monkeypatch.setenv("TALENTMAP_APP_DB_PATH", str(tmp_path / "app" / "app.duckdb"))
    lim = users.limiter()
    assert lim.path == tmp_path / "app" / "app.signin.sqlite"
    _fail(lim)
    assert lim.path.exists() and lim.failures(("client", "10.0.0.1")) == 1

