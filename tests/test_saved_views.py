"""Saved views (access/saved_views.py): per user, beside the app database (never the warehouse),
validated, and nothing lost when sessions save at the same moment."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from access import saved_views as sv


@pytest.fixture
def store(tmp_path):
    return tmp_path / "app" / "app.duckdb"  # what the setting app_db_path names


def test_the_store_lies_beside_the_app_database(store):
    assert sv.store_path(store) == store.parent / "app.views.sqlite"
    assert sv.store_path(store.parent / "v.sqlite") == store.parent / "v.sqlite"
    sv.save(store, "王", "崂山 VR", "clusters", "region=370212&c_skills=VR")
    assert sv.store_path(store).exists() and not store.exists()
    con = sqlite3.connect(sv.store_path(store))
    try:
        assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        con.close()


def test_save_list_replace_delete_per_user(store):
    assert sv.list_views(store, "王") == []
    sv.save(store, "王", "崂山 VR", "clusters", {"region": "370212", "c_skills": "VR"})
    sv.save(store, "王", "全国地图", "talent_map", "")
    sv.save(store, "李", "崂山 VR", "overview", "region=370212")
    views = sv.list_views(store, "王")
    assert [(v.name, v.page, v.query) for v in views] == [
        ("全国地图", "talent_map", ""), ("崂山 VR", "clusters", "region=370212&c_skills=VR")]
    assert views[1].params() == {"region": "370212", "c_skills": "VR"}
    assert views[1].url("http://host:8501/") == \
        "http://host:8501/clusters?region=370212&c_skills=VR"
    assert views[0].url() == "/talent_map"
    sv.save(store, "王", "崂山 VR", "clusters", "region=370212&c_skills=NLP")  # same name
    assert [v.query for v in sv.list_views(store, "王")][0] == "region=370212&c_skills=NLP"
    assert len(sv.list_views(store, "王")) == 2
    assert [v.page for v in sv.list_views(store, "李")] == ["overview"]  # 李's own
    assert sv.delete(store, "王", "崂山 VR") and not sv.delete(store, "王", "崂山 VR")
    assert [v.name for v in sv.list_views(store, "王")] == ["全国地图"]
    assert [v.name for v in sv.list_views(store, "李")] == ["崂山 VR"]


@pytest.mark.parametrize("name, page, query, message", [
    ("", "clusters", "", "请填写视图名称。"),
    ("   ", "clusters", "", "请填写视图名称。"),
    ("x" * 61, "clusters", "", "视图名称最多 60 个字。"),
    ("a\x00b", "clusters", "", "视图名称含有不可见字符。"),
    ("a\u202eb", "clusters", "", "视图名称含有不可见字符。"),
    ("ok", "../etc/passwd", "", "无法保存: 未知页面。"),
    ("ok", "Clusters", "", "无法保存: 未知页面。"),
    ("ok", "clusters", "a=" + "x" * 4000, "视图的筛选条件过长 (最多 4000 个字符)。"),
])
def test_bad_values_are_refused(store, name, page, query, message):
    with pytest.raises(sv.SavedViewError, match=message.replace("(", r"\(").replace(")", r"\)")):
        sv.save(store, "王", name, page, query)


def test_the_query_is_stored_normalised(store):
    view = sv.save(store, "王", " 名称 ", "clusters", "?c_skills=VR&c_skills=C%2B%2B&x=")
    assert (view.name, view.query) == ("名称", "c_skills=VR&c_skills=C%2B%2B")
    assert view.params() == {"c_skills": "C++"}  # the last value of a repeated key
    assert sv.clean_query({"a": ["1", "2"], "b": "<x>"}) == "a=2&b=%3Cx%3E"


def test_old_views_beyond_the_limit_are_dropped(store, monkeypatch):
    monkeypatch.setattr(sv, "MAX_PER_USER", 3)
    for i in range(5):
        sv.save(store, "王", f"v{i}", "clusters", f"i={i}")
    assert [v.name for v in sv.list_views(store, "王")] == ["v4", "v3", "v2"]


def test_two_sessions_saving_at_once_lose_nothing(store):
    """Two threads (two sessions of one dashboard) save 60 views each, interleaved, with a
    barrier before every save; every view is there, and an overwrite race keeps one row."""
    barrier = threading.Barrier(2)
    errors = []

    def session(user: str) -> None:
        try:
            for i in range(60):
                barrier.wait(10)
                sv.save(store, user, f"视图 {i}", "clusters", f"c_min={i}")
                barrier.wait(10)
                sv.save(store, "共享", "同名", "clusters", f"by={user}&i={i}")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=session, args=(u,)) for u in ("王", "李")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    for user in ("王", "李"):
        views = sv.list_views(store, user)
        assert sorted(v.name for v in views) == sorted(f"视图 {i}" for i in range(60))
        assert {v.query for v in views} == {f"c_min={i}" for i in range(60)}
    [shared] = sv.list_views(store, "共享")
    assert shared.params()["i"] == "59"


def test_an_unwritable_store_says_so(tmp_path):
    blocker = tmp_path / "app"
    blocker.write_text("a file where the folder should be", "utf-8")
    with pytest.raises(sv.SavedViewError, match="视图存储无法打开"):
        sv.save(blocker / "app.duckdb", "王", "v", "clusters", "")
