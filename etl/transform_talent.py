"""Talent rows: the pseudonymous key (the file's own id, or derived when it has none), the
facts, and the contact kept apart.

A row number (序号) is not an identity. A talent file without an id column (人才编号, 简历编号 …,
typical of HR workbooks) gets each row's key derived from who the row is about: a keyed hash
(``etl.transform.pseudonym``, the ``pseudonym_key`` setting, like every talent id) of

1. the name and the phone number, normalised (姓名+手机), or else
2. the name, the birth month and the school (姓名+出生年月+毕业院校),

so that loading the same workbook again, or an updated copy, replaces the rows instead of adding
them. A row with neither is quarantined (``无法生成人才编号``). Normalised: names without spaces,
simplified, lower case (张 三 = 张三, 張三 = 张三); phone numbers as digits, without +86 / 0086
(+86 138-0000-0001 = 13800000001); the birth month as YYYY-MM (1988.5, 1988年5月, 1988-05-12 →
1988-05; a bare year stays YYYY); schools without spaces.
"""

from __future__ import annotations

import re

import pandas as pd

from etl.normalize import credit_code, dates, education, experience, id_number, text
from etl.normalize.university import canonical_university_series
from etl.transform import (
    BIRTH_YEAR_RANGE,
    Context,
    Rows,
    _bool,
    _observed,
    _parsed,
    _pseudonyms,
    _region,
    _skills_and_node,
    pseudonym_list,
)
from maps.resolver import default_resolver
from reference.taxonomy import parse_tier

ID_SOURCE = "身份证"  # the "source" of an ID number's keyed hash: one for every file
NO_KEY = ("无法生成人才编号: 文件没有人才编号列, 本行也没有 姓名+手机 或 姓名+出生年月+毕业院校")
_NAME_DOTS = re.compile(r"[•・．·]")
_PHONE_NOISE = re.compile(r"[\s\-()（）.]")
_YEAR_ONLY = re.compile(r"\d{4} ?年?")


def _norm_name(value: str | None) -> str | None:
    if value is None:
        return None
    out = _NAME_DOTS.sub("·", re.sub(r"\s+", "", value)).lower()
    return out or None


def _norm_phone(value: str | None) -> str | None:
    """The first number of the cell as digits: +86 138-0000-0001 → 13800000001."""
    if value is None:
        return None
    if len(value) >= 5 and value.isascii() and value.isdigit():  # already digits only
        digits = value
    else:
        runs = re.findall(r"\d{5,}", _PHONE_NOISE.sub("", value))
        if not runs:
            return None
        digits = runs[0]
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11 \
                and digits[len(prefix)] == "1":
            return digits[len(prefix):]
    return digits


def _birth_month(value: str | None) -> str | None:
    """YYYY-MM of a birth date (YYYY when only the year is written); None if not a date."""
    if value is None:
        return None
    if _YEAR_ONLY.fullmatch(value):
        year, reason = dates.parse_year(value)
        return None if reason or year is None else f"{year:04d}"
    day, reason = dates.parse_date(value)
    if day is None:  # 1988.5: a year and a month, no day
        m = re.fullmatch(r"(\d{4})\s*[.年/-]\s*(\d{1,2})\s*月?", value)
        return f"{m[1]}-{int(m[2]):02d}" if m and 1 <= int(m[2]) <= 12 else None
    return f"{day.year:04d}-{day.month:02d}"


def derived_keys(rows: Rows) -> pd.Series:
    """The text each row's key is derived from (姓名+手机, else 姓名+出生年月+毕业院校), None
    where neither is there. Only ever hashed: it never leaves this process."""
    def norm(name, f):
        col = rows.col(name)
        table = {v: f(v) for v in pd.unique(col.dropna())}
        return col.map(table).astype(object).where(col.notna(), None)

    name = norm("name", _norm_name)
    phone = norm("phone", _norm_phone)
    birth = norm("birth_year", _birth_month)
    school = norm("university", lambda v: re.sub(r"\s+", "", v).lower() or None)
    by_phone = name.notna() & phone.notna()
    by_birth = ~by_phone & name.notna() & birth.notna() & school.notna()
    sep = "\x1f"
    out = pd.Series(None, index=rows.df.index, dtype=object)
    out[by_phone] = "姓名+手机" + sep + name[by_phone] + sep + phone[by_phone]
    out[by_birth] = ("姓名+出生年月+毕业院校" + sep + name[by_birth] + sep + birth[by_birth]
                     + sep + school[by_birth])
    return out


def talent_ids(rows: Rows, ctx: Context, numbers: pd.Series) -> pd.Series:
    """Each row's pseudonymous talent id: of the file's id column, or derived (see above);
    missing and repeated keys are errors."""
    if "source_id" in rows.df.columns:
        sid = rows.col("source_id")
        rows.require("source_id", sid)
        rows.unique("source_id", sid, numbers)
        return _pseudonyms(ctx, sid)
    derived = derived_keys(rows)
    rows.fail("source_id", pd.Series(NO_KEY, index=derived.index, dtype=object)
              .where(derived.isna(), None))
    tid = _pseudonyms(ctx, derived)
    rows.unique("source_id", tid, numbers)  # the same person twice in one workbook
    return tid


def _hash_table(key: str, numbers: pd.Series) -> dict[str, str]:
    """{checked 身份证号: its keyed hash} (etl.transform.pseudonym with source ID_SOURCE)."""
    uniq = pd.unique(numbers.dropna())
    return dict(zip(uniq, pseudonym_list(key, ID_SOURCE, uniq), strict=True))


def transform_talent(rows: Rows, ctx: Context, numbers: pd.Series) -> dict[str, pd.DataFrame]:
    tid = talent_ids(rows, ctx, numbers)
    birth = _parsed(rows, "birth_year", dates.parse_year_series(rows.col("birth_year")),
                    "year", "year_error")
    lo, hi = BIRTH_YEAR_RANGE
    out_of_range = birth.notna() & ((birth < lo) | (birth > hi))
    birth = birth.mask(rows.check("birth_year", pd.Series(
        f"出生年份超出 {lo}–{hi}", index=birth[out_of_range].index, dtype=object)).reindex(
        birth.index, fill_value=False), None)
    tiers, codes = text.map_unique(rows.col("tier"), parse_tier)  # each distinct value once
    tier_of = pd.Series(text.take_column([t[0] for t in tiers], codes, "object"),
                        index=rows.df.index, dtype=object)
    rows.check("tier", pd.Series(text.take_column([t[1] for t in tiers], codes, "object"),
                                 index=rows.df.index, dtype=object))
    employer_code = credit_code.check_credit_code_series(rows.col("employer_credit_code"))
    employer_code["credit_code_error"] = employer_code["credit_code_error"].where(
        rows.col("employer_credit_code").notna(), None)
    observed = _observed(rows, ctx)
    skill_lists, node = _skills_and_node(rows, "title", "major")
    facts = pd.DataFrame({
        "talent_id": tid, "adcode": _region(rows, "region"), "node_id": node,
        "tier": tier_of,
        "education": _parsed(rows, "education", education.parse_education_series(
            rows.col("education")), "education", "education_error"),
        "university": canonical_university_series(rows.col("university")), "major": rows.col("major"),
        "title": rows.col("title"),
        "years_experience": _parsed(rows, "years_experience", experience.parse_years_series(
            rows.col("years_experience")), "years", "years_error"),
        "birth_year": birth, "employer_name": rows.col("employer_name"),
        "employer_credit_code": _parsed(rows, "employer_credit_code", employer_code,
                                        "credit_code", "credit_code_error"),
        "is_returnee": _bool(rows, "is_returnee"),
        "overseas_country": rows.col("overseas_country"),
        "willing_to_relocate": _bool(rows, "willing_to_relocate"),
        # An expectation like 不限 or 一线城市 is no place: it stays empty, not an error.
        "expected_adcode": default_resolver().resolve_series(rows.col("expected_region"))["adcode"],
        "skills": skill_lists, "observed_on": observed, "source": ctx.source,
    })
    months = rows.col("birth_year")  # YYYY-MM (or YYYY) as written: for linking (etl.linkage)
    month = months.map({v: _birth_month(v) for v in pd.unique(months.dropna())}).astype(object)
    number = _parsed(rows, "id_number", id_number.check_id_number_series(rows.col("id_number")),
                     "id_number", "id_number_error")
    # the birth month a checked 身份证号 states, where the file gives none
    stated, codes = text.map_unique(
        number, lambda v: id_number.birth_month(v) if isinstance(v, str) else None)
    month = month.where(month.notna() | number.isna(), pd.Series(
        text.take_column(stated, codes, "object"), index=number.index, dtype=object))
    key = ctx.pseudonym_key
    contact = pd.DataFrame({"talent_id": tid, "name": rows.col("name"),
                            "phone": rows.col("phone"), "email": rows.col("email"),
                            "birth_month": month,
                            # one hash for every source: the same number links across them
                            "id_hash": number.map(_hash_table(key, number)).astype(object)})
    has_contact = contact[["name", "phone", "email", "id_hash"]].notna().any(axis=1)
    return {"talent": facts, "talent_contact": contact[has_contact]}

