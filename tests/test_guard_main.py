"""A load in a process whose ``__main__`` is a script (a Streamlit server, a test after AppTest)
must not run that script again in the parsing child."""

from __future__ import annotations

import sys
import types

from etl.load import load_files
from tests import fixtures


def test_a_load_does_not_run_the_main_script_in_its_child(tmp_path, monkeypatch):
    script = tmp_path / "app.py"
    marker = tmp_path / "ran"
    script.write_text(f"open({str(marker)!r}, 'w').close()\nraise SystemExit('the app ran')\n",
                      encoding="utf-8")
    fake = types.ModuleType("__main__")
    fake.__file__ = str(script)
    fake.__spec__ = None
    monkeypatch.setitem(sys.modules, "__main__", fake)
    path = fixtures.write_csv(tmp_path / "e.csv", fixtures.ENTERPRISE_HEADER,
                              fixtures.ENTERPRISES[:2])
    report = load_files([path], db_path=tmp_path / "w.duckdb")
    assert [(f.status, f.rows_loaded) for f in report.files] == [("loaded", 2)]
    assert not marker.exists()
    assert sys.modules["__main__"] is fake  # put back after the child started
