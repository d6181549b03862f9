"""Split free-text skill lists ('Python、C/C++；TensorFlow') into de-duplicated tokens."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from etl.normalize.text import as_series, clean, map_unique, take_column

MAX_SKILL_LEN = 50
MAX_SKILLS = 50

# Full-width forms are listed too although clean() already folds most of them to ASCII.
_SEP = r",，、;；|/／\s·・•"
# '/' is a separator, but these names contain it; only whole tokens are protected.
PROTECTED = ("C/C++", "AR/VR", "VR/AR", "TCP/IP")
_PROTECTED_PAT = "|".join(re.escape(p) for p in PROTECTED)
_TOKEN_RE = re.compile(rf"(?<![^{_SEP}])(?:{_PROTECTED_PAT})(?![^{_SEP}])|[^{_SEP}]+", re.I)
# Tokens made only of punctuation ('+' from 'A + B', '-' bullets) carry no skill.
_PUNCT_ONLY_RE = re.compile(r"^[\W_]+$")
# Only quotes: brackets can be part of a token, and escaping is the renderer's job.
_STRIP = " \"'“”‘’「」"


def split_skills(text: Any) -> list[str]:
    """Split, strip, cap and case-insensitively de-duplicate skills; never raises."""
    if isinstance(text, list | tuple | set):  # already split upstream: re-split each item
        text = ",".join(str(x) for x in text if clean(x))
    t = clean(text)
    if t is None:
        return []
    seen: set[str] = set()
    skills: list[str] = []
    for match in _TOKEN_RE.finditer(t):
        skill = match.group().strip(_STRIP)[:MAX_SKILL_LEN].strip()
        key = skill.casefold()
        if not skill or key in seen or _PUNCT_ONLY_RE.match(skill):
            continue
        seen.add(key)
        skills.append(skill)
        if len(skills) == MAX_SKILLS:
            break
    return skills


def split_skills_series(s: Any) -> pd.Series:
    """Vectorised split_skills over distinct values (rows with equal input share one list)."""
    s = as_series(s)
    results, codes = map_unique(s, split_skills)
    # Sharing is deliberate: copying a list per row costs ~0.6 s per million rows.
    # Callers that mutate rows in place must copy first.
    return pd.Series(take_column(results, codes, "object"), index=s.index, name=s.name)
