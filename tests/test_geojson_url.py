"""The map's shapes by URL (views/state.geojson_url): the URL follows the content, so shapes
rebuilt differently (new boundaries, another simplification setting) are never served stale
from the static folder or the browser's cache."""

from __future__ import annotations

import os

import pytest

from maps import geometry
from views import state


@pytest.fixture
def shapes(tmp_path, monkeypatch):
    src = tmp_path / "cache" / "370200.json"
    src.parent.mkdir()
    src.write_text('{"type":"FeatureCollection","features":[]}', encoding="utf-8")
    calls = []

    def path(parent):
        calls.append(parent)
        return src
    monkeypatch.setattr(geometry, "children_geojson_path", path)
    monkeypatch.setattr(state, "STATIC_GEOJSON", tmp_path / "static")
    monkeypatch.setattr(state, "_GEOJSON_URLS", {})
    return src, tmp_path / "static" / "370200.json", calls


def test_the_url_carries_the_content_and_the_file_is_served(shapes):
    src, served, calls = shapes
    url = state.geojson_url("370200")
    assert url.startswith("app/static/geojson/370200.json?v=")
    assert served.read_bytes() == src.read_bytes()
    assert state.geojson_url("370200") == url and calls == ["370200"]  # looked up once


def test_rebuilt_shapes_get_a_new_url_and_replace_the_served_file(shapes):
    src, served, _ = shapes
    first = state.geojson_url("370200")
    src.write_text('{"type":"FeatureCollection","features":[{"id":"370212"}]}',
                   encoding="utf-8")
    second = state.geojson_url("370200")
    assert second != first
    assert served.read_bytes() == src.read_bytes()


def test_a_stale_served_file_from_an_earlier_run_is_replaced(shapes):
    src, served, _ = shapes
    served.parent.mkdir(parents=True)
    served.write_text("old shapes", encoding="utf-8")
    os.utime(served, (1, 1))
    state.geojson_url("370200")
    assert served.read_bytes() == src.read_bytes()
    assert not list(served.parent.glob(".*.tmp"))  # written atomically, nothing left over
