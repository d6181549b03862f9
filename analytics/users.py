"""Roles, what each may see, and the local users file (argon2 password hashes).

Add a user (prompts for the password twice)::

    python -m analytics.users add NAME ROLE [--file users.toml]

The users file (TOML)::

    [users.zhang]
    role = "recruiter"
    password_hash = "$argon2id$v=19$m=65536,t=3,p=4$…"

    [oidc_roles]          # optional: role of an OIDC (st.login) user by e-mail
    "li@example.gov.cn" = "admin"
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

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
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


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


def authenticate(path: Path | str, name: str, password: str) -> User | None:
    """The user when name and password match, else None."""
    user = load_users(path).get(str(name).strip())
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    return user if user and ok else None


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
    lines = ["# 人才地图 users (python -m analytics.users add NAME ROLE)", ""]
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
    import settings

    ap = argparse.ArgumentParser(prog="python -m analytics.users")
    sub = ap.add_subparsers(dest="cmd", required=True)
    add = sub.add_parser("add", help="add or replace a user (prompts for the password)")
    add.add_argument("name")
    add.add_argument("role", choices=ROLES)
    add.add_argument("--file", default=str(settings.get("users_file") or "users.toml"))
    args = ap.parse_args(argv)
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
