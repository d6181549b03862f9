"""The house rules of docs/ARCHITECTURE.md, checked on the source: which layer may import which,
Streamlit only in the app, and no source file over 500 lines (the demo generator's data aside).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Each layer and the project layers it may import (its own always allowed). Bottom first.
ALLOWED = {
    "settings": set(),
    "store": {"settings"},
    "reference": {"settings"},
    "maps": {"settings", "reference"},
    "access": {"settings", "store"},
    "etl": {"settings", "store", "reference", "maps"},
    "analytics": {"settings", "store", "reference", "maps", "access"},
    "figures": {"settings", "reference", "maps", "analytics"},
    "exports": {"settings", "store", "reference", "maps", "access", "analytics", "figures"},
    "views": {"settings", "store", "reference", "maps", "access", "analytics", "figures",
              "exports"},
}
LAYERS = set(ALLOWED)
STREAMLIT_OK = {"views", "dashboard"}
MAX_LINES = 500


def sources() -> list[Path]:
    return sorted(p for layer in LAYERS - {"settings"} for p in (ROOT / layer).rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Top-level names of every module the file imports (at any depth in the file)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_layers_are_found():
    found = {p.relative_to(ROOT).parts[0] for p in sources()}
    assert found == LAYERS - {"settings"}
    assert len(sources()) > 80


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_layer_imports_only_what_is_below_it(path):
    layer = path.relative_to(ROOT).parts[0]
    wrong = (imported(path) & LAYERS) - ALLOWED[layer] - {layer}
    assert not wrong, f"{layer} may not import {sorted(wrong)}"
    if layer not in STREAMLIT_OK:
        assert "streamlit" not in imported(path)


def test_the_import_check_sees_a_violation(tmp_path):
    bad = tmp_path / "x.py"
    bad.write_text("def f():\n    from etl.load import load_files\n    import streamlit\n",
                   encoding="utf-8")
    assert {"etl", "streamlit"} <= imported(bad)


def test_no_source_file_is_over_500_lines():
    tracked = [p for p in ROOT.rglob("*.py")
               if not {".git", ".venv", "node_modules"} & set(p.parts)
               and "demo" not in p.relative_to(ROOT).parts[:2]]
    long = {str(p.relative_to(ROOT)): n for p in tracked
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long
