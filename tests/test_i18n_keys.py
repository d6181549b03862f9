"""Every UI text of views/i18n.py is used somewhere (a key nobody asks for is a string that
drifted away from the page it was written for)."""

from __future__ import annotations

import re
from pathlib import Path

from views import i18n

ROOT = Path(__file__).resolve().parent.parent


def _sources() -> str:
    skip = {ROOT / "views" / "i18n.py"}
    dirs = ("views", "analytics", "exports", "figures", "access")
    files = [ROOT / "dashboard.py", *(p for d in dirs for p in (ROOT / d).rglob("*.py"))]
    return "\n".join(p.read_text(encoding="utf-8") for p in files if p not in skip)


def test_every_text_key_is_used():
    src = _sources()
    unused = [k for k in i18n.TEXT if not re.search(rf"[\"']{re.escape(k)}[\"']", src)]
    assert len(i18n.TEXT) > 100
    assert not unused, f"unused UI texts in views/i18n.py: {unused}"
