"""Typed settings: a bad value is refused with a message naming its variable, at start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("name", "raw", "value"), [
    ("small_cell_k", " 10 ", 10),
    ("chunk_rows", "200_000", 200_000),
    ("lq_missing", "0.4", 0.4),
    ("allow_role_switch", "off", False),
    ("allow_role_switch", "Yes", True),
    ("role", "Analyst", "analyst"),
    ("geojson_mode", "inline", "inline"),
    ("home_region", "370212", "370212"),
    ("etl_memory_limit", "512MB", "512MB"),
    ("read_timeout_s", "0.001", 0.001),
    ("stream_threshold_mb", "0", 0),
])
def test_values_are_typed(monkeypatch, name, raw, value):
    monkeypatch.setenv(f"TALENTMAP_{name.upper()}", raw)
    got = settings.get(name)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize(("name", "raw", "message"), [
    ("small_cell_k", "five", "TALENTMAP_SMALL_CELL_K='five': 应为 integer 1–100"),
    ("small_cell_k", "0", "TALENTMAP_SMALL_CELL_K='0': 超出范围, 应为 integer 1–100"),
    ("small_cell_k", "101", "TALENTMAP_SMALL_CELL_K='101': 超出范围, 应为 integer 1–100"),
    ("small_cell_k", "2.5", "TALENTMAP_SMALL_CELL_K='2.5': 应为 integer 1–100"),
    ("lq_missing", "abc", "TALENTMAP_LQ_MISSING='abc': 应为 number 0–100"),
    ("lq_missing", "nan", "TALENTMAP_LQ_MISSING='nan': 应为 number 0–100"),
    ("lq_missing", "-0.1", "TALENTMAP_LQ_MISSING='-0.1': 超出范围, 应为 number 0–100"),
    ("chunk_rows", "0", "TALENTMAP_CHUNK_ROWS='0': 超出范围, 应为 integer ≥ 1"),
    ("allow_role_switch", "maybe",
     "TALENTMAP_ALLOW_ROLE_SWITCH='maybe': 应为 true/false (1/0, yes/no, on/off)"),
    ("role", "boss", "TALENTMAP_ROLE='boss': 应为 planner | recruiter | analyst | admin"),
    ("geojson_mode", "tiles", "TALENTMAP_GEOJSON_MODE='tiles': 应为 url | inline"),
    ("home_region", "青岛", "TALENTMAP_HOME_REGION='青岛': 格式不对, 应为 a 6-digit region code"),
    ("etl_memory_limit", "lots",
     "TALENTMAP_ETL_MEMORY_LIMIT='lots': 格式不对, 应为 a size such as 1GB or 512MB"),
])
def test_a_bad_value_names_its_variable(monkeypatch, name, raw, message):
    monkeypatch.setenv(f"TALENTMAP_{name.upper()}", raw)
    with pytest.raises(settings.SettingError) as err:
        settings.get(name)
    assert str(err.value).startswith(message)


def test_bounds_are_inclusive(monkeypatch):
    for raw in ("1", "100"):
        monkeypatch.setenv("TALENTMAP_SMALL_CELL_K", raw)
        assert settings.get("small_cell_k") == int(raw)


def test_check_all_lists_every_problem_and_the_order_of_thresholds(monkeypatch):
    assert settings.check_all() == []
    monkeypatch.setenv("TALENTMAP_LQ_MISSING", "1.5")  # above lq_stronghold (1.2)
    monkeypatch.setenv("TALENTMAP_SD_SHORTAGE", "x")
    assert settings.check_all() == [
        "TALENTMAP_SD_SHORTAGE='x': 应为 number 0–100",
        "阈值顺序不对: 应为 TALENTMAP_LQ_MISSING=1.5 ≤ TALENTMAP_LQ_STRONGHOLD=1.2",
    ]
    monkeypatch.setenv("TALENTMAP_LQ_MISSING", "1.2")  # equal is in order
    monkeypatch.setenv("TALENTMAP_SD_SHORTAGE", "0.5")  # below sd_severe (0.59)
    assert settings.check_all() == [
        "阈值顺序不对: 应为 TALENTMAP_SD_SEVERE=0.59 ≤ TALENTMAP_SD_SHORTAGE=0.5 "
        "≤ TALENTMAP_SD_BALANCED=1.2"]
    with pytest.raises(settings.SettingError, match="^设置有误: 阈值顺序不对"):
        settings.require_valid()


def test_every_setting_default_fits_its_own_rule():
    for s in settings.SETTINGS:
        assert s.parse(str(s.default).lower() if s.kind is bool else str(s.default)) == s.default


@pytest.mark.parametrize("module", ["etl", "analytics", "access.users", "exports"])
def test_each_command_stops_at_start_naming_the_variable(module, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "TALENTMAP_SMALL_CELL_K": "zero",
           "TALENTMAP_DB_PATH": str(tmp_path / "none.duckdb")}
    args = {"etl": ["status"], "analytics": ["kpis"], "access.users": ["add", "x", "planner"],
            "exports": ["map", "--out", str(tmp_path / "m.csv")]}
    proc = subprocess.run([sys.executable, "-m", module, *args[module]], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == \
        "错误: 设置有误: TALENTMAP_SMALL_CELL_K='zero': 应为 integer 1–100"


def test_the_dashboard_stops_at_start_naming_the_variable(monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("TALENTMAP_GEOJSON_MODE", "tiles")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["设置有误, 请修正下列环境变量后重新启动。"]
    assert [c.value for c in at.code] == ["TALENTMAP_GEOJSON_MODE='tiles': 应为 url | inline"]
