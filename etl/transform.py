"""Normalise and validate mapped rows of each kind into the warehouse's fact tables.

Each ``transform_<kind>`` takes the mapped text table (columns = canonical field names) and
returns the rows for the fact table(s) plus every error found, one per (row, field), with a
reason in words. A row with any error is quarantined whole; the good rows of the file load.
Bulk work is vectorised and every distinct value is parsed once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

import settings
from etl.mapping import FIELDS
from etl.normalize import (
    credit_code,
    dates,
    education,
    experience,
    flags,
    number,
    salary,
    skills,
    text,
)
from maps.resolver import default_resolver
from reference.taxonomy import default_classifier, parse_tier

SKILL_SEP = "\x1f"  # skills travel to DuckDB joined, and are split there
MAX_FIELD_CHARS = 10_000  # a longer cell is a broken export (a whole file in one field …)
BIRTH_YEAR_RANGE = (1930, 2010)
# Sane bounds of the plain numbers: beyond them a cell is broken, not a fact, and is quarantined
# (never inserted: employees is an INTEGER column, and inf or 1e308 would poison every sum).
EMPLOYEES_MAX = 10_000_000  # the largest employers anywhere have 2–3 million staff
CAPITAL_WAN_MAX = 1e10      # 万元, i.e. 100 万亿元: above China's GDP; the largest is ~1 万亿元
INDICATOR_ABS_MAX = 1e15    # 千万亿 in any unit: China's GDP in 元 is ~1.3×10¹⁴, people ~1.4×10⁹


@dataclass
class Context:
    source: str
    pseudonym_key: str
    as_of: dt.date = field(default_factory=dt.date.today)  # the load date: no fact is later
    seen: SeenKeys | None = None  # per file: keys already met in earlier chunks
    # No fact is earlier (founding, snapshot, posting, move dates; indicator years).
    min_fact_year: int = field(default_factory=lambda: settings.get("min_fact_year"))


class SeenKeys:
    """The keys met so far in one file, with the row each was first met on: the in-memory
    version. A loader may pass one that keeps them on disk, so a huge file's keys do not have
    to fit in memory (see ``etl.load.Pending``)."""

    def __init__(self):
        self._keys: dict[str, dict] = {}

    def first_rows(self, name: str, keys: pd.Series) -> pd.Series:
        """For each key, the row it was first met on in an earlier chunk (NaN if none)."""
        seen = self._keys.get(name)
        return keys.map(seen) if seen else pd.Series(np.nan, index=keys.index)

    def add(self, name: str, keys: pd.Series, row_numbers: pd.Series) -> None:
        self._keys.setdefault(name, {}).update(zip(keys, row_numbers, strict=True))


@dataclass
class Transformed:
    tables: dict[str, pd.DataFrame]   # fact table → rows to upsert
    errors: pd.DataFrame              # index (row label), field, reason
    rows_read: int
    bad_rows: set = field(default_factory=set)


class Rows:
    """The mapped text table of one file, with the errors found so far."""

    def __init__(self, df: pd.DataFrame, kind: str, seen: SeenKeys | None = None):
        self.df = df
        self.kind = kind
        self.seen = SeenKeys() if seen is None else seen  # key → first row, across chunks
        self.labels = {f.name: f.label for f in FIELDS[kind]}
        self._errors: list[pd.DataFrame] = []
        self._cols: dict[str, pd.Series] = {}

    def col(self, name: str) -> pd.Series:
        """The column as cleaned text (None where missing or blank); computed once."""
        if name not in self._cols:
            if name not in self.df.columns:
                self._cols[name] = pd.Series([None] * len(self.df), index=self.df.index,
                                             dtype=object)
            else:
                self._cols[name] = text.clean_series(self.df[name])
        return self._cols[name]

    def fail(self, name: str, reasons: pd.Series) -> None:
        """Record a reason for each row where ``reasons`` is not null."""
        bad = reasons.dropna()
        if len(bad):
            self._errors.append(pd.DataFrame({"field": self.labels.get(name, name),
                                              "reason": bad.astype(str)}, index=bad.index))

    def require(self, name: str, values: pd.Series) -> None:
        self.fail(name, values.isna().map({True: f"缺少{self.labels.get(name, name)}",
                                           False: None}).astype(object))

    def unique(self, name: str, keys: pd.Series, row_numbers: pd.Series) -> None:
        """Rows repeating a key seen earlier in the same file — in this chunk or an earlier
        one of a streamed file — are errors (the first is kept)."""
        earlier = self.seen.first_rows(name, keys)
        within = keys.notna() & keys.duplicated(keep="first")
        first = earlier.where(earlier.notna(), row_numbers.groupby(keys).transform("min"))
        dup = keys.notna() & (earlier.notna() | within)
        if dup.any():
            self.fail(name, pd.Series(
                [f"文件内重复 (与第 {int(n)} 行相同)" for n in first[dup]], index=keys[dup].index))
        new = keys.notna() & earlier.isna() & ~within
        self.seen.add(name, keys[new], row_numbers[new])

    def errors(self) -> pd.DataFrame:
        if not self._errors:
            return pd.DataFrame({"field": pd.Series(dtype=object),
                                 "reason": pd.Series(dtype=object)})
        return pd.concat(self._errors)


# -- helpers shared by the kinds --------------------------------------------------------------
def _parsed(rows: Rows, name: str, parsed: pd.DataFrame, value_col: str, error_col: str):
    rows.fail(name, parsed[error_col].astype(object).where(parsed[error_col].notna(), None))
    return parsed[value_col]


def _region(rows: Rows, name: str, required: bool = True) -> pd.Series:
    res = default_resolver().resolve_series(rows.col(name))
    reasons = res["region_error"].astype(object).where(res["region_error"].notna(), None)
    if not required:  # a blank optional region is fine; only text that fails is an error
        reasons = reasons.where(rows.col(name).notna(), None)
    rows.fail(name, reasons)
    return res["adcode"]


def fact_date_reason(label: str, day: dt.date, as_of: dt.date, min_year: int) -> str | None:
    """Why a fact's date cannot be: after the load date, or before ``min_year``; else None."""
    if day > as_of:
        return f"{label}晚于载入日期 ({day.isoformat()} 晚于 {as_of.isoformat()})"
    if day.year < min_year:
        return f"{label}早于数据起始年份 ({day.isoformat()} 早于 {min_year} 年)"
    return None


def fact_year_reason(label: str, year: int, as_of: dt.date, min_year: int) -> str | None:
    """Why a fact's year cannot be: after the load's year, or before ``min_year``; else None."""
    if year > as_of.year:
        return f"{label}晚于载入年份 ({year} 晚于 {as_of.year})"
    if year < min_year:
        return f"{label}早于数据起始年份 ({year} 早于 {min_year} 年)"
    return None


def _date(rows: Rows, name: str, ctx: Context) -> pd.Series:
    """A fact's date: parsed, and quarantined when after the load date or before the data
    could exist (``min_fact_year``)."""
    day = _parsed(rows, name, dates.parse_date_series(rows.col(name)), "date", "date_error")
    low = pd.Timestamp(ctx.min_fact_year, 1, 1)
    impossible = day.notna() & ((day > pd.Timestamp(ctx.as_of)) | (day < low))
    if impossible.any():
        label = rows.labels.get(name, name)
        table = {d: fact_date_reason(label, d.date(), ctx.as_of, ctx.min_fact_year)
                 for d in day[impossible].drop_duplicates()}
        rows.fail(name, day[impossible].map(table).astype(object))
    return day


def _observed(rows: Rows, ctx: Context) -> pd.Series:
    """Snapshot date: the file's own, else the load's as-of date (a snapshot is of some day)."""
    observed = _date(rows, "observed_on", ctx)
    return observed.fillna(pd.Timestamp(ctx.as_of))


def _bool(rows: Rows, name: str) -> pd.Series:
    return _parsed(rows, name, flags.parse_bool_series(rows.col(name)), "value", "error")


def _number(rows: Rows, name: str, minimum: float = 0, maximum: float = float("inf"),
            integer: bool = False) -> pd.Series:
    """A plain number: finite, within [minimum, maximum], whole when ``integer``; anything else
    is an error naming the field and the value (a long cell is cut)."""
    raw = rows.col(name)
    parsed = number.parse_number_series(raw, minimum, maximum, integer)
    bad = parsed["number_error"].notna()
    label = rows.labels.get(name, name)
    rows.fail(name, pd.Series([f"{label}{r}: {number.shown(v)}" for r, v in
                               zip(parsed["number_error"][bad], raw[bad], strict=True)],
                              index=raw[bad].index, dtype=object))
    return parsed["value"]


def _skills_and_node(rows: Rows, *parts: str, with_skills: bool = True
                     ) -> tuple[pd.Series | None, pd.Series]:
    """Skills split into a list (joined by SKILL_SEP for the load) and the chain node, in one
    in-memory DuckDB pass: each skill and each text part (title, major, business scope …) is
    scored once per distinct value, and a row's node is the best total (ties: the earlier node
    along the chain). A node given explicitly (产业链环节) wins."""
    clf = default_classifier()
    n = len(rows.df)
    # Arrow strings: DuckDB scans them in parallel, Python str objects one at a time.
    text = {"s": rows.col("skills") if with_skills else pd.Series([None] * n, dtype=object),
            **{f"p{i}": rows.col(c) for i, c in enumerate(parts)}}
    src = pa.table({"rid": np.arange(n), **{k: pa.array(v.to_numpy(), type=pa.string(),
                                                        from_pandas=True)
                                            for k, v in text.items()}})
    con = duckdb.connect()
    try:
        con.register("src", src)
        con.execute(f"CREATE TEMP TABLE k AS {skills.skills_query('src', 's')}")
        texts = " UNION ALL ".join(
            ["SELECT rid, unnest(skills) AS text FROM k"] +
            [f"SELECT rid, p{i} FROM src WHERE p{i} IS NOT NULL"  # noqa: S608 - constants
             for i in range(len(parts))])
        con.execute(f"CREATE TEMP TABLE parts AS {texts}")  # noqa: S608 - constants only
        distinct = con.execute("SELECT DISTINCT text FROM parts").df()["text"]
        con.register("scores", clf.score_table(distinct))
        best = con.execute("""
            SELECT rid, arg_max(node_id, score * 1000 - sequence) AS node_id FROM (
                SELECT rid, node_id, sum(score) AS score, min(sequence) AS sequence
                FROM parts JOIN scores USING (text) GROUP BY rid, node_id)
            GROUP BY rid""").df()
        joined = con.sql(f"SELECT CASE WHEN len(skills) > 0 THEN "  # noqa: S608 - constants
                         f"array_to_string(skills, chr({ord(SKILL_SEP)})) END AS j "
                         "FROM k ORDER BY rid").to_arrow_table()["j"] if with_skills else None
    finally:
        con.close()
    node = np.full(n, None, dtype=object)
    node[best["rid"].to_numpy()] = best["node_id"].to_numpy(dtype=object)
    node = pd.Series(node, index=rows.df.index, dtype=object)
    explicit = rows.col("node").map(clf.node_of_name)
    node = explicit.where(explicit.notna(), node)
    if joined is not None:
        joined = pd.Series(joined.to_numpy(zero_copy_only=False).astype(object),
                           index=rows.df.index, dtype=object)
    return joined, node


def pseudonym(key: str, source: str, source_id: str) -> str:
    """Stable pseudonymous id: a keyed hash (BLAKE2b MAC) of source and source id — never the
    id itself, and not reversible without the key."""
    digest = hashlib.blake2b(f"{source}\x1f{source_id}".encode(), key=key.encode()[:64],
                             digest_size=10)
    return "T" + digest.hexdigest()[:19]


def _pseudonyms(ctx: Context, ids: pd.Series) -> pd.Series:
    key, source = ctx.pseudonym_key, ctx.source
    codes, uniques = pd.factorize(ids, use_na_sentinel=True)
    table = np.array([pseudonym(key, source, v) for v in uniques] + [None], dtype=object)
    return pd.Series(table[codes], index=ids.index, dtype=object)


def _key(*parts: pd.Series) -> pd.Series:
    """Columns joined into one text key (vectorised; missing parts count as empty)."""
    out = parts[0].astype("string").fillna("")
    for p in parts[1:]:
        out = out + "\x1f" + p.astype("string").fillna("")
    return out.astype(object)


def _row_hash(df: pd.DataFrame, prefix: str) -> pd.Series:
    joined = _key(*(df[c] for c in df.columns))
    table = {v: prefix + hashlib.sha1(v.encode()).hexdigest()[:19] for v in pd.unique(joined)}
    return joined.map(table)


# -- the kinds --------------------------------------------------------------------------------
def transform_enterprise(rows: Rows, ctx: Context, numbers: pd.Series) -> dict[str, pd.DataFrame]:
    code = _parsed(rows, "credit_code", credit_code.check_credit_code_series(rows.col("credit_code")),
                   "credit_code", "credit_code_error")
    rows.unique("credit_code", code, numbers)
    name = rows.col("name")
    rows.require("name", name)
    out = pd.DataFrame({
        "credit_code": code, "name": name, "adcode": _region(rows, "address"),
        "address": rows.col("address"),
        "node_id": _skills_and_node(rows, "business_scope", "name", with_skills=False)[1],
        "founded_on": _date(rows, "founded_on", ctx),
        "registered_capital_wan": _number(rows, "registered_capital_wan",
                                          maximum=CAPITAL_WAN_MAX),
        "employees": _number(rows, "employees", maximum=EMPLOYEES_MAX, integer=True),
        "is_listed": _bool(rows, "is_listed"), "is_chain_leader": _bool(rows, "is_chain_leader"),
        "observed_on": _observed(rows, ctx), "source": ctx.source,
    })
    return {"enterprise": out}


def transform_talent(rows: Rows, ctx: Context, numbers: pd.Series) -> dict[str, pd.DataFrame]:
    sid = rows.col("source_id")
    rows.require("source_id", sid)
    rows.unique("source_id", sid, numbers)
    tid = _pseudonyms(ctx, sid)
    birth = _parsed(rows, "birth_year", dates.parse_year_series(rows.col("birth_year")),
                    "year", "year_error")
    lo, hi = BIRTH_YEAR_RANGE
    out_of_range = birth.notna() & ((birth < lo) | (birth > hi))
    rows.fail("birth_year", pd.Series(f"出生年份超出 {lo}–{hi}", index=birth[out_of_range].index))
    tier_parsed = rows.col("tier").map(parse_tier)
    rows.fail("tier", tier_parsed.map(lambda t: t[1]).astype(object))
    employer_code = credit_code.check_credit_code_series(rows.col("employer_credit_code"))
    employer_code["credit_code_error"] = employer_code["credit_code_error"].where(
        rows.col("employer_credit_code").notna(), None)
    observed = _observed(rows, ctx)
    skill_lists, node = _skills_and_node(rows, "title", "major")
    facts = pd.DataFrame({
        "talent_id": tid, "adcode": _region(rows, "region"), "node_id": node,
        "tier": tier_parsed.map(lambda t: t[0]).astype(object),
        "education": _parsed(rows, "education", education.parse_education_series(
            rows.col("education")), "education", "education_error"),
        "university": rows.col("university"), "major": rows.col("major"),
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
    contact = pd.DataFrame({"talent_id": tid, "name": rows.col("name"),
                            "phone": rows.col("phone"), "email": rows.col("email")})
    has_contact = contact[["name", "phone", "email"]].notna().any(axis=1)
    return {"talent": facts, "talent_contact": contact[has_contact]}


def transform_posting(rows: Rows, ctx: Context, numbers: pd.Series) -> dict[str, pd.DataFrame]:
    title = rows.col("title")
    rows.require("title", title)
    rows.require("posted_on", rows.col("posted_on"))
    posted = _date(rows, "posted_on", ctx)
    sal = salary.parse_salary_series(rows.col("salary"))
    rows.fail("salary", sal["salary_error"].astype(object).where(sal["salary_error"].notna(), None))
    code = credit_code.check_credit_code_series(rows.col("credit_code"))
    code["credit_code_error"] = code["credit_code_error"].where(rows.col("credit_code").notna(),
                                                                None)
    sid = rows.col("source_id")
    fallback = _row_hash(rows.df, "H")
    posting_id = "P" + _pseudonyms(ctx, sid.where(sid.notna(), fallback)).str[1:]
    rows.unique("source_id", posting_id, numbers)
    edu = education.parse_education_series(rows.col("education_req"))
    skill_lists, node = _skills_and_node(rows, "title")
    out = pd.DataFrame({
        "posting_id": posting_id,
        "credit_code": _parsed(rows, "credit_code", code, "credit_code", "credit_code_error"),
        "company_name": rows.col("company_name"), "adcode": _region(rows, "region"),
        "node_id": node, "title": title, "skills": skill_lists,
        "salary_min": sal["salary_min"], "salary_max": sal["salary_max"],
        "salary_months": sal["salary_months"],
        "education_req": _parsed(rows, "education_req", edu, "education", "education_error"),
        "experience_min": _parsed(rows, "experience_req", experience.parse_years_series(
            rows.col("experience_req")), "years", "years_error"),
        "posted_on": posted, "source": ctx.source,
    })
    return {"job_posting": out}


def transform_move(rows: Rows, ctx: Context, numbers: pd.Series) -> dict[str, pd.DataFrame]:
    sid = rows.col("source_id")
    rows.require("source_id", sid)
    rows.require("moved_on", rows.col("moved_on"))
    moved = _date(rows, "moved_on", ctx)
    out = pd.DataFrame({
        "talent_id": _pseudonyms(ctx, sid), "from_adcode": _region(rows, "from_region"),
        "to_adcode": _region(rows, "to_region"), "moved_on": moved, "source": ctx.source,
    })
    key = _key(out["talent_id"], out["from_adcode"], out["to_adcode"], out["moved_on"])
    rows.unique("source_id", key.where(out["talent_id"].notna() & moved.notna()), numbers)
    return {"talent_move": out}


def transform_indicator(rows: Rows, ctx: Context, numbers: pd.Series) -> dict[str, pd.DataFrame]:
    name = rows.col("indicator")
    rows.require("indicator", name)
    year = _parsed(rows, "year", dates.parse_year_series(rows.col("year")), "year", "year_error")
    impossible = year.notna() & ((year > ctx.as_of.year) | (year < ctx.min_fact_year))
    if impossible.any():
        label = rows.labels.get("year", "year")
        rows.fail("year", year[impossible].map(
            lambda y: fact_year_reason(label, int(y), ctx.as_of, ctx.min_fact_year)).astype(object))
    rows.require("value", rows.col("value"))
    value = _number(rows, "value", minimum=-INDICATOR_ABS_MAX, maximum=INDICATOR_ABS_MAX)
    src = rows.col("source")
    out = pd.DataFrame({
        "adcode": _region(rows, "region"), "indicator": name, "year": year, "value": value,
        "unit": rows.col("unit"), "source": src.where(src.notna(), ctx.source),
    })
    key = _key(out["adcode"], name, year)
    # A row without a place or year is an error already, not a repeat of another one.
    rows.unique("indicator", key.where(out["adcode"].notna() & year.notna()), numbers)
    return {"region_indicator": out}


def _check_lengths(rows: Rows) -> None:
    for name in rows.df.columns:
        length = rows.df[name].astype("string").str.len()
        long = length > MAX_FIELD_CHARS
        if long.any():
            rows.fail(name, pd.Series([f"字段过长 ({int(n):,} 字符, 上限 {MAX_FIELD_CHARS:,})"
                                       for n in length[long]], index=length[long].index))


TRANSFORMS = {"enterprise": transform_enterprise, "talent": transform_talent,
              "posting": transform_posting, "move": transform_move,
              "indicator": transform_indicator}


def transform(kind: str, mapped: pd.DataFrame, numbers: pd.Series, ctx: Context) -> Transformed:
    """Normalise and validate one file's mapped rows; errors name the row's field and reason."""
    rows = Rows(mapped, kind, ctx.seen)
    _check_lengths(rows)
    tables = TRANSFORMS[kind](rows, ctx, numbers)
    errors = rows.errors()
    bad = set(errors.index)
    if bad:
        tables = {t: df[~df.index.isin(list(bad))] for t, df in tables.items()}
    return Transformed(tables, errors, len(mapped), bad)
