"""etl's main gives way to the dashboard (setting etl_nice): its nice increment, before any work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from etl import __main__ as cli

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("value", "expected"), [(None, [10]), ("0", []), ("19", [19])])
def test_main_lowers_its_priority_by_the_setting(monkeypatch, tmp_path, value, expected):
    calls = []
    monkeypatch.setattr(os, "nice", lambda n: calls.append(n) or 0)
    if value is None:
        monkeypatch.delenv("TALENTMAP_ETL_NICE", raising=False)
    else:
        monkeypatch.setenv("TALENTMAP_ETL_NICE", value)
    cli.main(["--db", str(tmp_path / "none.duckdb"), "status"])
    assert calls == expected


def test_a_value_out_of_range_stops_the_cli_before_any_work(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(os, "nice", lambda n: pytest.fail("gave way with a bad setting"))
    monkeypatch.setenv("TALENTMAP_ETL_NICE", "20")
    assert cli.main(["--db", str(tmp_path / "none.duckdb"), "status"]) == 2
    assert "TALENTMAP_ETL_NICE" in capsys.readouterr().err


def test_a_real_child_runs_at_the_lower_priority(tmp_path):
    """The process itself (and so its children) ends up niced: read back from the OS."""
    code = ("import os, sys; from etl import __main__ as m; m.give_way(7); "
            "print(os.nice(0))")
    before = os.nice(0)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert int(out.stdout) == min(19, before + 7)
