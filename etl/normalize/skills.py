"""Split free-text skill lists ('Python、C/C++；TensorFlow') into de-duplicated tokens."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from etl.normalize.text import as_series, clean, map_unique, take_column

MAX_SKILL_LEN = 50
MAX_SKILLS = 50

# Full-width forms are listed too although clean() already folds most of them to ASCII.
_SEP = r",，、;；|/／\s·・•"
# '/' is a separator, but these names contain it: their slash is hidden before splitting.
PROTECTED = ("C/C++", "AR/VR", "VR/AR", "TCP/IP")
_HIDDEN = "\x02"
_PROTECTED_RE = re.compile(
    rf"(?<![^{_SEP}])(?:{'|'.join(re.escape(p) for p in PROTECTED)})(?![^{_SEP}])", re.I)
_SPLIT_RE = re.compile(rf"[{_SEP}]+")
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
    for raw in _tokens(t):
        skill = raw.strip(_STRIP)[:MAX_SKILL_LEN].strip()
        key = skill.casefold()
        if not skill or key in seen or _PUNCT_ONLY_RE.match(skill):
            continue
        seen.add(key)
        skills.append(skill)
        if len(skills) == MAX_SKILLS:
            break
    return skills


def _tokens(text: str) -> list[str]:
    hidden = _PROTECTED_RE.sub(lambda m: m.group().replace("/", _HIDDEN), text)
    return [t.replace(_HIDDEN, "/") for t in _SPLIT_RE.split(hidden)]


def _hide_sql(expr: str) -> str:
    """SQL hiding the slash of each protected whole token, case-insensitively, as _tokens
    does. RE2 has no look-around, so the separators are captured, and each name is replaced in
    two passes (two names side by side share one separator)."""
    for name in PROTECTED:
        left, right = (re.escape(x) for x in name.split("/"))
        pattern = f"(?i)(^|[{_SEP}])({left})/({right})([{_SEP}]|$)"
        for _ in range(2):
            expr = (f"regexp_replace({expr}, '{pattern}', "
                    f"'\\1\\2' || chr(2) || '\\3\\4', 'g')")
    return expr


# The same rules in DuckDB SQL, row by row on lists (no grouping): ~1 s per million rows.
def skills_query(table: str, column: str) -> str:
    """SQL selecting (rid, skills) from ``table``: the list split_skills would give for the
    cleaned text in ``column`` (table and column are constants of the caller)."""
    hidden = f"CASE WHEN regexp_matches(s, '[/／]') THEN {_hide_sql('s')} ELSE s END"
    strip = _STRIP.replace("'", "''")
    tokens = (f"list_transform(regexp_split_to_array({hidden}, '[{_SEP}]+'), "
              f"lambda t: trim(left(trim(replace(t, chr(2), '/'), '{strip}'), {MAX_SKILL_LEN})))")
    kept = (f"list_filter({tokens}, lambda t: t <> '' AND "
            f"NOT regexp_matches(t, '^[^\\p{{L}}\\p{{N}}]+$'))")
    return f"""
        SELECT rid, list_filter(l, lambda x, i: list_position(lower_l, lower(x)) = i)[1:{MAX_SKILLS}]
               AS skills
        FROM (SELECT rid, l, list_transform(l, lambda y: lower(y)) AS lower_l
              FROM (SELECT rid, {kept} AS l FROM (SELECT rid, {column} AS s FROM {table})))
    """  # noqa: S608 - table and column are the caller's constants


def split_skills_sql(cleaned: pd.Series) -> pd.Series:
    """split_skills for a whole column of already-cleaned text, in DuckDB; returns lists
    aligned with the input (empty list where there is nothing)."""
    import duckdb

    src = pd.DataFrame({"rid": np.arange(len(cleaned)), "s": cleaned.astype(object).to_numpy()})
    con = duckdb.connect()
    try:
        con.register("_skills_src", src)
        query = skills_query("_skills_src", "s")
        got = con.execute(f"SELECT coalesce(skills, []) AS k FROM ({query}) ORDER BY rid"  # noqa: S608
                          ).df()
    finally:
        con.close()
    return pd.Series([list(x) for x in got["k"]], index=cleaned.index, dtype=object)


def split_skills_series(s: Any) -> pd.Series:
    """Vectorised split_skills over distinct values (rows with equal input share one list)."""
    s = as_series(s)
    results, codes = map_unique(s, split_skills)
    # Sharing is deliberate: copying a list per row costs ~0.6 s per million rows.
    # Callers that mutate rows in place must copy first.
    return pd.Series(take_column(results, codes, "object"), index=s.index, name=s.name)
