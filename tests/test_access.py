"""The access layer on its own: masking of contacts, the users file and OIDC roles, the users
CLI, and the audit log's exact rows and concurrent writers (pages by role: tests/test_roles.py).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pytest

from access import appdb, users
from analytics import talent as tl

ROOT = Path(__file__).resolve().parent.parent

# -- masking ------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn, value, expected", [
    (tl.mask_name, "张三", "张**"), (tl.mask_name, "欧阳娜娜", "欧**"), (tl.mask_name, "张", "*"),
    (tl.mask_name, None, None), (tl.mask_name, "  ", None),
    (tl.mask_phone, "13800000001", "138****0001"), (tl.mask_phone, "138 0000 0001", "138****0001"),
    (tl.mask_phone, "+8613800000001", "+86****0001"), (tl.mask_phone, "0532888", "05****88"),
    (tl.mask_phone, "12345", "****"), (tl.mask_phone, float("nan"), None),
    (tl.mask_email, "a@example.com", "a***@example.com"),
    (tl.mask_email, "zhoupk577@163.com", "z***@163.com"), (tl.mask_email, "no-at-sign", "***"),
    (tl.mask_email, "@x.com", "***"), (tl.mask_email, None, None),
])
def test_masking(fn, value, expected):
    assert fn(value) == expected


# -- users file and OIDC identities ----------------------------------------------------------------
def test_users_file_round_trip(tmp_path):
    path = tmp_path / "users.toml"
    users.add_user(path, "zhang", "recruiter", "correct horse")
    users.add_user(path, "li.admin@x", "admin", "battery staple")
    users.add_user(path, "zhang", "analyst", "new password")  # replaces
    loaded = users.load_users(path)
    assert {n: u.role for n, u in loaded.items()} == {"zhang": "analyst", "li.admin@x": "admin"}
    assert loaded["zhang"].password_hash.startswith("$argon2id$")
    assert "new password" not in path.read_text("utf-8")
    assert users.authenticate(path, "zhang", "new password").role == "analyst"
    assert users.authenticate(path, "zhang", "correct horse") is None
    assert users.authenticate(path, "nobody", "x") is None
    with pytest.raises(ValueError):
        users.add_user(path, "bad name", "admin", "long enough")
    with pytest.raises(ValueError):
        users.add_user(path, "ok", "root", "long enough")
    with pytest.raises(ValueError):
        users.add_user(path, "ok", "admin", "short")


def test_users_file_ignores_unknown_roles_and_reads_oidc_roles(tmp_path):
    path = tmp_path / "users.toml"
    path.write_text('[users.x]\nrole = "root"\npassword_hash = "h"\n\n'
                    '[oidc_roles]\n"Li@Example.gov.cn" = "admin"\n"w@x" = "boss"\n', "utf-8")
    assert users.load_users(path) == {}
    assert users.oidc_roles(path) == {"li@example.gov.cn": "admin", "w@x": "planner"}


def test_users_cli_prompts_for_the_password(tmp_path, monkeypatch, capsys):
    path = tmp_path / "u.toml"
    answers = iter(["s3cret-pass", "s3cret-pass"])
    monkeypatch.setattr(users.getpass, "getpass", lambda _p="": next(answers))
    assert users.main(["add", "wang", "recruiter", "--file", str(path)]) == 0
    assert users.authenticate(path, "wang", "s3cret-pass").role == "recruiter"
    answers = iter(["one-password", "another-one"])
    assert users.main(["add", "zhao", "admin", "--file", str(path)]) == 1
    assert "zhao" not in users.load_users(path)


# -- audit log ------------------------------------------------------------------------------------
def test_audit_rows_exact(tmp_path):
    import datetime as dt

    db = tmp_path / "app" / "app.duckdb"  # the folder and the file are created on first use
    at = dt.datetime(2024, 5, 1, 9, 30)
    appdb.record(db, "张**", "recruiter", "export", "人才候选名单.csv",
                 filters={"skills": ["VR"]}, at=at)
    appdb.record(db, "张**", "recruiter", "unmask", "T0123456789abcdef012", "电话邀约面试",
                 at=at + dt.timedelta(minutes=1))
    rows = appdb.audit_rows(db)
    assert rows.drop(columns="at").values.tolist() == [
        ["张**", "recruiter", "unmask", "T0123456789abcdef012", "电话邀约面试", "{}"],
        ["张**", "recruiter", "export", "人才候选名单.csv", None, '{"skills": ["VR"]}']]
    assert rows["at"].tolist() == [pd.Timestamp(at + dt.timedelta(minutes=1)), pd.Timestamp(at)]
    with pytest.raises(ValueError):
        appdb.record(db, "x", "admin", "delete")


def test_audit_many_writers(tmp_path):
    db = tmp_path / "app.duckdb"
    threads = [threading.Thread(target=lambda i=i: [appdb.record(db, f"u{i}", "admin", "export",
                                                                  str(j)) for j in range(10)])
               for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(appdb.audit_rows(db)) == 40
