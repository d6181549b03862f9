"""Map education wording (CVs and job requirements) onto five levels."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from etl.normalize.text import as_series, clean, map_unique, take_column

UNKNOWN = "无法识别学历"

EDUCATION_LEVELS = ("博士", "硕士", "本科", "专科", "其他")
EDUCATION_RANK = {level: rank for rank, level in enumerate(EDUCATION_LEVELS, start=1)}
MAX_LEN = 50

_SYNONYMS = {
    "博士": ("博士", "博士研究生", "博士后", "博士学位", "phd", "ph.d", "ph.d.", "doctor",
             "doctorate", "dr"),
    "硕士": ("硕士", "研究生", "硕士研究生", "硕士学位", "mba", "emba", "master", "masters",
             "master's", "msc", "m.sc", "ms", "ma", "meng", "mphil", "postgraduate"),
    "本科": ("本科", "学士", "大学本科", "大学", "本科学历", "学士学位", "bachelor", "bachelors",
             "bachelor's", "bsc", "b.sc", "bs", "ba", "beng", "undergraduate"),
    "专科": ("大专", "专科", "高职", "大学专科", "高等专科", "associate", "college"),
    "其他": ("高中", "中专", "中技", "技校", "职高", "中职", "初中", "小学", "其他", "其它",
             "high school", "other"),
}  # fmt: skip
_LOOKUP = {word: level for level, words in _SYNONYMS.items() for word in words}
_NO_REQUIREMENT = {"不限", "学历不限", "无要求", "无学历要求", "学历无要求", "any", "none", "n/a"}
# Requirement and degree-type decorations that do not change the level.
_PREFIX_RE = re.compile(r"^(?:统招|全日制|非全日制|普通|国内|海外|留学|211|985|双一流|第一学历)+")
_SUFFIX_RE = re.compile(
    r"(?:及其?以上|或以上|以上|及以下|以下|或同等学力|及同等学力|同等学力|学历|学位|毕业|在读|统招|全日制|及|或)+$"
)
_NOISE_RE = re.compile(r"[\s()（）\[\]【】:：]+|degree$")


def parse_education(text: Any) -> tuple[str | None, str | None]:
    """Map one education string to a level; (None, None) when there is no requirement."""
    t = clean(text)
    if t is None:
        return None, None
    t = t.lower().strip(" .,;")
    if len(t) > MAX_LEN:
        return None, UNKNOWN
    if t in _LOOKUP:  # multi-word English entries such as 'high school'
        return _LOOKUP[t], None
    t = _NOISE_RE.sub("", t)
    if t in _NO_REQUIREMENT:
        return None, None
    t = _SUFFIX_RE.sub("", _PREFIX_RE.sub("", t))
    if t in _LOOKUP:
        return _LOOKUP[t], None
    return (None, None) if t in _NO_REQUIREMENT else (None, UNKNOWN)


def education_rank(level: Any) -> int | None:
    """Rank 1 (博士) .. 5 (其他) of a level or raw education string; None when unknown."""
    parsed, _ = parse_education(level)
    return EDUCATION_RANK.get(parsed) if parsed else None


def parse_education_series(s: Any) -> pd.DataFrame:
    """Vectorised parse_education over distinct values: education, education_error."""
    s = as_series(s)
    results, codes = map_unique(s, parse_education)
    return pd.DataFrame(
        {
            "education": take_column([e for e, _ in results], codes),
            "education_error": take_column([r for _, r in results], codes),
        },
        index=s.index,
    )
