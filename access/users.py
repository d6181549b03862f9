"""Roles, what each may see, and the local users file (argon2 password hashes).

Add a user (prompts for the password twice)::

    python -m access.users add NAME ROLE [--file users.toml]

The users file (TOML)::

    [users.zhang]
    role = "recruiter"
    password_hash = "$argon2id$v=19$m=65536,t=3,p=4$…"

    [oidc_roles]          # optional: role of an OIDC (st.login) user by e-mail
    "li@example.gov.cn" = "admin"

Sign-in limits (``attempt_sign_in``), process-wide so that opening a new browser session resets
nothing: a user name or client address with too many failures is locked for a while (a locked
attempt runs no argon2), and at most ``signin_max_concurrent_hashes`` password checks (64 MiB of
argon2 memory each) run at once; the others wait up to ``signin_hash_wait_s``.
"""

from __future__ import annotations

import argparse
import getpass
import json
import math
import os
import re
import sys
import threading
import time
import tomllib
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

import settings

ROLES = ("planner", "recruiter", "analyst", "admin")
ROLE_LABELS = {"planner": "规划 (planner)", "recruiter": "招聘 (recruiter)",
               "analyst": "分析 (analyst)", "admin": "管理员 (admin)"}
DEFAULT_ROLE = "planner"  # least privilege: anything unknown falls back to it
_NAME = re.compile(r"^[\w.@-]{1,64}$")
_HASHER = PasswordHasher()
# Verifying against a dummy hash for unknown names keeps sign-in time the same for every name.
_DUMMY_HASH = _HASHER.hash("not-a-password")


# -- what each role may see --------------------------------------------------------------------
def parse_role(value, default: str = DEFAULT_ROLE) -> str:
    """A known role name, or the default for anything else."""
    v = str(value or "").strip().lower()
    return v if v in ROLES else default


def can_see_individuals(role: str) -> bool:
    """Individual talent records (masked contacts) and profiles."""
    return role in ("recruiter", "admin")


def can_export(role: str) -> bool:
    return role in ("recruiter", "analyst", "admin")


def can_see_raw(role: str) -> bool:
    """Raw quarantined rows (they hold names and phone numbers as loaded)."""
    return role == "admin"


def can_load_data(role: str) -> bool:
    return role == "admin"


def small_cell_k(role: str, k: int) -> int | None:
    """k for roles that see aggregates only; None for roles that may see individuals."""
    return None if can_see_individuals(role) else int(k)


# -- the users file ----------------------------------------------------------------------------
@dataclass(frozen=True)
class User:
    name: str
    role: str
    password_hash: str


def hash_password(password: str) -> str:
    with hash_slot():
        return _HASHER.hash(password)


def _argon2_verify(password_hash: str, password: str) -> bool:
    """The expensive part (argon2id: 64 MiB, 0.1-1 s of CPU); only ever called in a hash slot."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_password(password_hash: str, password: str, wait_s: float | None = None) -> bool:
    """Check a password in one of the process's hash slots (HashBusy when none frees up)."""
    with hash_slot(wait_s):
        return _argon2_verify(password_hash, password)


def read_file(path: Path | str) -> dict:
    """The parsed users file; an empty one when it does not exist."""
    p = Path(path)
    return tomllib.loads(p.read_text(encoding="utf-8")) if p.exists() else {}


def load_users(path: Path | str) -> dict[str, User]:
    """Name → User; entries with an unknown role are ignored (never silently promoted)."""
    out = {}
    for name, entry in read_file(path).get("users", {}).items():
        role = str(entry.get("role", "")).lower()
        if role in ROLES and entry.get("password_hash"):
            out[name] = User(name, role, str(entry["password_hash"]))
    return out


def oidc_roles(path: Path | str | None) -> dict[str, str]:
    """E-mail (lower case) → role, from the users file's [oidc_roles] table."""
    if not path:
        return {}
    table = read_file(path).get("oidc_roles", {})
    return {str(k).lower(): parse_role(v) for k, v in table.items()}


def role_from_identity(info: dict, claim: str, mapping: dict[str, str]) -> tuple[str, str]:
    """(name, role) of an OIDC identity: the role claim (a list: its strongest known role),
    else the e-mail's entry in ``mapping``, else the least privileged role."""
    name = str(info.get("email") or info.get("name") or info.get("sub") or "")
    value = info.get(claim)
    if isinstance(value, (list, tuple)):
        value = next((r for r in reversed(ROLES) if r in value), None)
    role = parse_role(value, "")
    return name, role or mapping.get(name.lower(), DEFAULT_ROLE)


def authenticate(path: Path | str, name: str, password: str,
                 wait_s: float | None = None) -> User | None:
    """The user when name and password match, else None (no rate limit: see attempt_sign_in)."""
    return _check(path, name, password, wait_s)[0]


def _check(path, name: str, password: str, wait_s: float | None) -> tuple[User | None, bool]:
    """(the user when the password matches, whether the name is a known user)."""
    user = load_users(path).get(str(name).strip())
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password, wait_s)
    return (user if user and ok else None), user is not None


# -- bounded password hashing --------------------------------------------------------------------
class HashBusy(RuntimeError):
    """No password-check slot freed up in time."""


_SLOTS_LOCK = threading.Lock()
_SLOTS: tuple[int, threading.BoundedSemaphore] | None = None


def _slots() -> threading.BoundedSemaphore:
    """The process-wide semaphore of hash slots (replaced when the setting changes; holders
    release the one they acquired)."""
    global _SLOTS
    n = max(1, settings.get("signin_max_concurrent_hashes"))
    with _SLOTS_LOCK:
        if _SLOTS is None or _SLOTS[0] != n:
            _SLOTS = (n, threading.BoundedSemaphore(n))
        return _SLOTS[1]


@contextmanager
def hash_slot(wait_s: float | None = None) -> Iterator[None]:
    """Hold one of the ``signin_max_concurrent_hashes`` slots; HashBusy after ``wait_s``
    (default: the setting ``signin_hash_wait_s``)."""
    sem = _slots()
    wait = settings.get("signin_hash_wait_s") if wait_s is None else wait_s
    if not sem.acquire(timeout=max(0.0, wait)):
        raise HashBusy(f"no password-check slot within {wait:g} s")
    try:
        yield
    finally:
        sem.release()


# -- sign-in limits --------------------------------------------------------------------------------
MSG_WRONG = "用户名或密码不正确"
MSG_LOCKED = "登录失败次数过多, 已暂时锁定, 请 {minutes} 分钟后再试。"
MSG_BUSY = "登录请求过多, 请稍后再试。"
KEY_CHARS = 128  # longer names and addresses are cut (they are keys, not identities)


@dataclass(frozen=True)
class Limits:
    """Sign-in limits from the settings (a cap of 0 turns that limit off)."""
    max_failures: int         # per user name
    client_max_failures: int  # per client address, whatever the names
    window_s: float
    lockout_s: float
    hash_wait_s: float

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(settings.get("signin_max_failures"),
                   settings.get("signin_client_max_failures"),
                   settings.get("signin_window_s"), settings.get("signin_lockout_s"),
                   settings.get("signin_hash_wait_s"))

    def keys(self, name: str, client: str) -> list[tuple[tuple[str, str], int]]:
        """(key, cap) of the counters one attempt touches."""
        out = [(("user", name[:KEY_CHARS]), self.max_failures),
               (("client", client[:KEY_CHARS]), self.client_max_failures)]
        return [(k, cap) for k, cap in out if cap > 0]


@dataclass
class _Counter:
    failures: deque = field(default_factory=deque)  # clock times of recent failures
    locked_until: float = 0.0
    in_flight: int = 0  # attempts between begin() and end()


class SignInLimiter:
    """Failure counters per user name and per client, shared by every session of the process
    (``access/signin_store.py`` keeps them in a file for every process on the machine).

    An attempt reserves a place on each counter before its password is checked, so attempts
    running at the same time cannot together make more than ``cap`` checks in a window.
    """

    MAX_COUNTERS = 20_000  # beyond it, idle counters are dropped, oldest first

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._lock = threading.Lock()
        self._counters: dict[tuple[str, str], _Counter] = {}

    @contextmanager
    def _state(self, keys: list[tuple[str, str]]) -> Iterator[dict[tuple[str, str], _Counter]]:
        """The counters (at least those of ``keys`` that exist), to read and change, held
        exclusively until the block ends."""
        with self._lock:
            yield self._counters

    def reset(self) -> None:
        with self._lock:
            self._counters.clear()

    def begin(self, keys, limits: Limits) -> tuple[str, float]:
        """('ok', 0) with a place reserved, ('locked', seconds left) or ('busy', 0) when the
        reserved and failed attempts already reach a cap."""
        now = self.clock()
        with self._state([k for k, _ in keys]) as state:
            counters = [(state.get(k), cap) for k, cap in keys]
            wait = max([c.locked_until - now for c, _ in counters if c] + [0.0])
            if wait > 0:
                return "locked", wait
            for c, cap in counters:
                if c:
                    self._trim(c, now, limits)
                    if len(c.failures) + c.in_flight >= cap:
                        return "busy", 0.0
            if len(state) >= self.MAX_COUNTERS:
                self._prune(state, now, limits)
            for k, _ in keys:
                state.setdefault(k, _Counter()).in_flight += 1
            return "ok", 0.0

    def cancel(self, keys) -> None:
        """Give back the places of an attempt whose password was not checked."""
        with self._state([k for k, _ in keys]) as state:
            for k, _ in keys:
                state[k].in_flight -= 1

    def end(self, keys, success: bool, limits: Limits) -> list[tuple[str, str]]:
        """Count the outcome; the keys this failure locked."""
        now = self.clock()
        locked = []
        with self._state([k for k, _ in keys]) as state:
            for k, cap in keys:
                c = state[k]
                c.in_flight -= 1
                if success:
                    if k[0] == "user":  # a client's failures stand: it may be trying many names
                        c.failures.clear()
                    continue
                self._trim(c, now, limits)
                c.failures.append(now)
                if len(c.failures) >= cap:
                    c.locked_until = now + limits.lockout_s
                    c.failures.clear()
                    locked.append(k)
        return locked

    def failures(self, key: tuple[str, str]) -> int:
        with self._state([key]) as state:
            c = state.get(key)
            return len(c.failures) if c else 0

    @staticmethod
    def _trim(c: _Counter, now: float, limits: Limits) -> None:
        while c.failures and c.failures[0] <= now - limits.window_s:
            c.failures.popleft()

    def _prune(self, state: dict, now: float, limits: Limits) -> None:
        for k, c in list(state.items()):
            self._trim(c, now, limits)
            if not c.failures and not c.in_flight and c.locked_until <= now:
                del state[k]
        idle = [k for k, c in state.items() if not c.in_flight and c.locked_until <= now]
        for k in idle[:max(0, len(state) - self.MAX_COUNTERS // 2)]:
            del state[k]


LIMITER = SignInLimiter()


def limiter() -> SignInLimiter:
    """The limiter sign-ins go through: this process's (``LIMITER``), or with the setting
    ``signin_limits_shared`` the one every dashboard process on the machine shares."""
    if settings.get("signin_limits_shared"):
        from access import signin_store

        return signin_store.shared(settings.path("app_db_path"))
    return LIMITER


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    status: str  # ok | wrong | locked | busy
    message: str = ""


# on_failure(action, name, client, reason): 'signin_failed' for each failed check and
# 'signin_locked' when a failure locks a name or a client. Never given the password.
FailureHook = Callable[[str, str, str, str], None]


def attempt_sign_in(path: Path | str, name: str, password: str, client: str = "local",
                    on_failure: FailureHook | None = None) -> SignInResult:
    """Sign in through the process-wide limits: refused without any password check while the
    name or the client is locked or a hash slot does not free up in time."""
    name, client = str(name or "").strip(), str(client or "local")
    limits = Limits.from_settings()
    keys = limits.keys(name, client)
    lim = limiter()
    status, wait = lim.begin(keys, limits)
    if status == "locked":
        return SignInResult(None, "locked", MSG_LOCKED.format(minutes=max(1, math.ceil(wait / 60))))
    if status == "busy":
        return SignInResult(None, "busy", MSG_BUSY)
    try:
        user, known = _check(path, name, password, limits.hash_wait_s)
    except HashBusy:
        lim.cancel(keys)
        return SignInResult(None, "busy", MSG_BUSY)
    except BaseException:
        lim.cancel(keys)
        raise
    locked = lim.end(keys, user is not None, limits)
    if user is not None:
        return SignInResult(user, "ok")
    if on_failure:
        on_failure("signin_failed", name, client, "密码错误" if known else "无此用户")
        for kind, _ in locked:
            cap = limits.max_failures if kind == "user" else limits.client_max_failures
            on_failure("signin_locked", name, client,
                       f"{'用户名' if kind == 'user' else '客户端'}在 {limits.window_s / 60:g} 分钟内"
                       f"失败 {cap} 次, 锁定 {limits.lockout_s / 60:g} 分钟")
    if locked:
        minutes = max(1, math.ceil(limits.lockout_s / 60))
        return SignInResult(None, "wrong", f"{MSG_WRONG}。{MSG_LOCKED.format(minutes=minutes)}")
    return SignInResult(None, "wrong", MSG_WRONG)


def add_user(path: Path | str, name: str, role: str, password: str) -> None:
    """Add or replace a user in the file (created when missing), keeping the other entries."""
    if not _NAME.match(name):
        raise ValueError(f"用户名只能包含字母、数字、_ . @ -: {name!r}")
    if role not in ROLES:
        raise ValueError(f"未知角色 {role!r}; 可选: {', '.join(ROLES)}")
    if len(password) < 8:
        raise ValueError("密码至少 8 个字符")
    data = read_file(path)
    data.setdefault("users", {})[name] = {"role": role, "password_hash": hash_password(password)}
    write_file(path, data)


def write_file(path: Path | str, data: dict) -> None:
    """Write the users file atomically (JSON strings are valid TOML basic strings)."""
    q = lambda s: json.dumps(str(s), ensure_ascii=False)  # noqa: E731
    lines = ["# 人才地图 users (python -m access.users add NAME ROLE)", ""]
    for name, entry in sorted(data.get("users", {}).items()):
        lines += [f"[users.{q(name)}]", f"role = {q(entry['role'])}",
                  f"password_hash = {q(entry['password_hash'])}", ""]
    if data.get("oidc_roles"):
        lines.append("[oidc_roles]")
        lines += [f"{q(k)} = {q(v)}" for k, v in sorted(data["oidc_roles"].items())]
        lines.append("")
    p = Path(path)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    os.chmod(tmp, 0o600)  # hashes are not passwords, but nobody else needs to read them
    tmp.replace(p)


def main(argv: list[str] | None = None) -> int:
    """CLI: add a user, prompting for the password."""
    ap = argparse.ArgumentParser(prog="python -m access.users")
    sub = ap.add_subparsers(dest="cmd", required=True)
    add = sub.add_parser("add", help="add or replace a user (prompts for the password)")
    add.add_argument("name")
    add.add_argument("role", choices=ROLES)
    add.add_argument("--file", default=str(settings.get("users_file") or "users.toml"))
    args = ap.parse_args(argv)
    if code := settings.invalid_for_cli():
        return code
    password = getpass.getpass("密码: ")
    if password != getpass.getpass("再次输入密码: "):
        print("两次输入的密码不一致", file=sys.stderr)
        return 1
    try:
        add_user(args.file, args.name, args.role, password)
    except ValueError as e:
        print(e, file=sys.stderr)
        return 1
    print(f"已写入 {args.file}: {args.name} ({args.role})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
