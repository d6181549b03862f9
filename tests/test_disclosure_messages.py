"""Messages on 数据 carry reasons and field names, never row values, for every role but admin:
a headerless file's "columns found" are its first row, a quarantine reason quotes the cell."""

from __future__ import annotations

import pytest
import streamlit as st

from etl.load import load_files
from tests import fixtures
from tests.test_roles import content

SECRET_NAME, SECRET_PHONE = "张秘密", "13912345678"


@pytest.fixture
def leaky_db(fresh_db, tmp_path):
    headerless = tmp_path / "people.csv"  # no header row: its first row is read as one
    headerless.write_text(f"R9001,{SECRET_NAME},{SECRET_PHONE},zhang.mimi@example.com\n",
                          encoding="utf-8")
    talents = fixtures.write_csv(tmp_path / "t.csv", ["人才编号", "所在地", "数据日期"],
                                 [["R9002", f"赵隐私{SECRET_PHONE[:-1]}2火星基地", "2024-01-15"]])
    report = load_files([headerless, talents], db_path=fresh_db)
    assert [f.status for f in report.files] == ["failed", "loaded"]
    assert SECRET_NAME in report.files[0].message  # the admin's message keeps what was found
    return fresh_db


@pytest.fixture
def data_page(leaky_db, tmp_path, monkeypatch):
    monkeypatch.setenv("TALENTMAP_DB_PATH", str(leaky_db))
    monkeypatch.setenv("TALENTMAP_APP_DB_PATH", str(tmp_path / "app.duckdb"))
    monkeypatch.delenv("TALENTMAP_USERS_FILE", raising=False)

    def open_as(role: str):
        st.cache_data.clear()
        st.cache_resource.clear()  # the reader of another test's warehouse
        monkeypatch.setenv("TALENTMAP_ROLE", role)
        return fixtures.open_app("views/data_page.py")
    return open_as


@pytest.mark.parametrize("role", ["planner", "analyst", "recruiter"])
def test_aggregate_roles_see_reasons_not_values(data_page, role):
    blob = content(data_page(role))["blob"]
    assert SECRET_NAME not in blob and "赵隐私" not in blob and "1391234567" not in blob
    assert "找到的列: (含原始数据, 仅管理员可见)" in blob
    assert "无法识别地区" in blob  # the reason itself is shown


def test_the_admin_sees_the_values(data_page):
    blob = content(data_page("admin"))["blob"]
    assert SECRET_NAME in blob and "赵隐私" in blob
