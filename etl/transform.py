"""Normalise and validate mapped rows of each kind into the warehouse's fact tables.

Each ``transform_<kind>`` (``etl.transform_kinds``, ``etl.transform_talent``) takes the mapped
text table (columns = canonical field names) and returns the rows for the fact table(s); every
problem found is recorded once per (row, field) with a reason in words. A problem with a field
the row needs (``NEEDED``: its key, its place, the date a fact cannot stand without) is an
error: the row is quarantined whole. A problem with any other field costs only that field: the
row loads with the field empty (NULL) and a field warning (reason and raw value) is recorded.
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
from etl.normalize import dates, flags, number, skills, text
from maps.resolver import default_resolver
from reference.taxonomy import default_classifier

SKILL_SEP = "\x1f"  # skills travel to DuckDB joined, and are split there
MAX_FIELD_CHARS = 10_000  # a longer cell is a broken export (a whole file in one field …)
BIRTH_YEAR_RANGE = (1930, 2010)
# Sane bounds of the plain numbers: beyond them a cell is broken, not a fact, and is never
# inserted (employees is an INTEGER column, and inf or 1e308 would poison every sum): the row is
# quarantined when it needs the field (an indicator's value), else the field is left empty.
EMPLOYEES_MAX = 10_000_000  # the largest employers anywhere have 2–3 million staff
INDICATOR_ABS_MAX = 1e15    # 千万亿 in any unit: China's GDP in 元 is ~1.3×10¹⁴, people ~1.4×10⁹
RAW_SHOWN_CHARS = 1_000     # a field warning keeps the raw value up to this length
SCAN_BATCH_ROWS = 50_000    # rows per Arrow batch handed to DuckDB: one thread scans one batch
# Cells that state an absence in registry and job-board exports (企查查 writes - for an unknown
# 参保人数): empty, and no problem, in a field the row does not need.
ABSENT_MARKERS = frozenset({"-", "--", "---", "—", "——", "/", "暂无", "未公开", "不公开", "n/a",
                            "N/A"})
# The fields a row cannot do without: its key, its place, the date its fact describes. Their
# problems quarantine the row; any other field's problem is a field warning (the field left
# empty). A talent file without an id column derives its key from 姓名 and 手机 (or 出生年月 and
# 毕业院校): there those fields are the key (see etl.transform_talent).
NEEDED = {
    "enterprise": frozenset({"credit_code", "name", "address"}),
    "talent": frozenset({"source_id", "region"}),
    "posting": frozenset({"source_id", "title", "region", "posted_on"}),
    "move": frozenset({"source_id", "from_region", "to_region", "moved_on"}),
    "indicator": frozenset({"region", "indicator", "year", "value"}),
}


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
    # index (row label), field, reason, raw: problems of fields the kept rows could do without
    warnings: pd.DataFrame | None = None

    @property
    def warned_rows(self) -> int:
        return 0 if self.warnings is None else self.warnings.index.nunique()


class Rows:
    """The mapped text table of one file, with the errors and field warnings found so far."""

    def __init__(self, df: pd.DataFrame, kind: str, seen: SeenKeys | None = None,
                 needed: frozenset[str] | None = None):
        self.df = df
        self.kind = kind
        self.seen = SeenKeys() if seen is None else seen  # key → first row, across chunks
        self.needed = NEEDED[kind] if needed is None else needed
        self.labels = {f.name: f.label for f in FIELDS[kind]}
        self._errors: list[pd.DataFrame] = []
        self._warnings: list[pd.DataFrame] = []
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

    def blank(self, name: str, where: pd.Series) -> None:
        """Treat the column as empty on the rows ``where`` is true (a value already warned)."""
        where = where.reindex(self.df.index, fill_value=False)
        self._cols[name] = self.col(name).mask(where, None)

    def fail(self, name: str, reasons: pd.Series) -> None:
        """Record an error (the row is quarantined) for each row where ``reasons`` is not null."""
        bad = reasons.dropna()
        if len(bad):
            self._errors.append(pd.DataFrame({"field": self.labels.get(name, name),
                                              "reason": bad.astype(str)}, index=bad.index))

    def warn(self, name: str, reasons: pd.Series) -> None:
        """Record a field warning (the row loads, the field empty) for each row where
        ``reasons`` is not null, with the cell as read."""
        bad = reasons.dropna()
        if not len(bad):
            return
        raw = (self.df[name].loc[bad.index] if name in self.df.columns
               else pd.Series(None, index=bad.index, dtype=object))
        self._warnings.append(pd.DataFrame({
            "field": self.labels.get(name, name), "reason": bad.astype(str),
            "raw": [masked(v) if name in SECRET_FIELDS else _shown_raw(v) for v in raw]},
            index=bad.index))

    def check(self, name: str, reasons: pd.Series) -> pd.Series:
        """An error when the row needs the field, else a field warning; returns where a reason
        was given (the values to leave empty)."""
        (self.fail if name in self.needed else self.warn)(name, reasons)
        return reasons.notna()

    def require(self, name: str, values: pd.Series) -> None:
        self.fail(name, values.isna().map({True: f"缺少{self.labels.get(name, name)}",
                                           False: None}).astype(object))

    def unique(self, name: str, keys: pd.Series, row_numbers: pd.Series) -> None:
        """Rows repeating a key seen earlier in the same file — in this chunk or an earlier
        one of a streamed file — are errors (the first is kept)."""
        earlier = self.seen.first_rows(name, keys)
        within = keys.notna() & keys.duplicated(keep="first")
        dup = keys.notna() & (earlier.notna() | within)
        if dup.any():
            repeated = keys.duplicated(keep=False)  # the rows of keys met twice in this chunk
            lowest = row_numbers[repeated].groupby(keys[repeated]).transform("min")
            first = earlier.where(earlier.notna(), lowest.reindex(keys.index))
            self.fail(name, pd.Series(
                [f"文件内重复 (与第 {int(n)} 行相同)" for n in first[dup]], index=keys[dup].index))
        new = keys.notna() & earlier.isna() & ~within
        self.seen.add(name, keys[new], row_numbers[new])

    def errors(self) -> pd.DataFrame:
        return _frame(self._errors, ["field", "reason"])

    def warnings(self) -> pd.DataFrame:
        return _frame(self._warnings, ["field", "reason", "raw"])


def _frame(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.concat(parts)


# Fields whose text is never stored as read, not even in a warning or the quarantine: a 身份证号
# is kept only as its keyed hash (etl/normalize/id_number.py); shown, it keeps its first 6
# characters (the region of issue) and its length.
SECRET_FIELDS = frozenset({"id_number"})


def masked(value) -> str | None:
    raw = text.to_str(value)
    return None if raw is None else raw[:6] + "*" * max(len(raw) - 6, 0)


def _shown_raw(value) -> str | None:
    """A warned cell as read (text), cut at RAW_SHOWN_CHARS."""
    raw = text.to_str(value)
    if raw is None or len(raw) <= RAW_SHOWN_CHARS:
        return raw
    return f"{raw[:RAW_SHOWN_CHARS]}… ({len(raw):,} 字符)"


# -- helpers shared by the kinds --------------------------------------------------------------
def _parsed(rows: Rows, name: str, parsed: pd.DataFrame, value_col: str, error_col: str):
    """The parsed values, empty where the parser gave a reason (an error or a warning)."""
    bad = rows.check(name, parsed[error_col].astype(object).where(parsed[error_col].notna(),
                                                                   None))
    return parsed[value_col].mask(bad, None)


def _region(rows: Rows, name: str, required: bool = True) -> pd.Series:
    res = default_resolver().resolve_series(rows.col(name))
    reasons = res["region_error"].astype(object).where(res["region_error"].notna(), None)
    if not required:  # a blank optional region is fine; only text that fails is an error
        reasons = reasons.where(rows.col(name).notna(), None)
    return res["adcode"].mask(rows.check(name, reasons), None)


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
    """A date: parsed, and impossible when after the load date or before the data could exist
    (``min_fact_year``) — an error for the date a fact needs, else a warning (left empty)."""
    day = _parsed(rows, name, dates.parse_date_series(rows.col(name)), "date", "date_error")
    low = pd.Timestamp(ctx.min_fact_year, 1, 1)
    impossible = day.notna() & ((day > pd.Timestamp(ctx.as_of)) | (day < low))
    if impossible.any():
        label = rows.labels.get(name, name)
        table = {d: fact_date_reason(label, d.date(), ctx.as_of, ctx.min_fact_year)
                 for d in day[impossible].drop_duplicates()}
        day = day.mask(rows.check(name, day[impossible].map(table).astype(object))
                       .reindex(day.index, fill_value=False))
    return day


def _observed(rows: Rows, ctx: Context) -> pd.Series:
    """Snapshot date: the file's own, else (absent, or warned) the load's as-of date (a
    snapshot is of some day)."""
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
    rows.check(name, pd.Series([f"{label}{r}: {number.shown(v)}" for r, v in
                                zip(parsed["number_error"][bad], raw[bad], strict=True)],
                               index=raw[bad].index, dtype=object))
    return parsed["value"].mask(bad, None)


def _skills_and_node(rows: Rows, *parts: str, with_skills: bool = True
                     ) -> tuple[pd.Series | None, pd.Series]:
    """Skills split into a list (joined by SKILL_SEP for the load) and the chain node, in one
    in-memory DuckDB pass: each skill and each text part (title, major, business scope …) is
    scored once per distinct value, and a row's node is the best total (ties: the earlier node
    along the chain). A node given explicitly (产业链环节) wins."""
    clf = default_classifier()
    n = len(rows.df)
    # Arrow strings: DuckDB scans them in parallel, Python str objects one at a time; and it
    # gives each record batch to one thread, so the table goes in batches (a 200k-row chunk in
    # one batch took twice as long on two cores).
    columns = {"s": rows.col("skills") if with_skills else pd.Series([None] * n, dtype=object),
               **{f"p{i}": rows.col(c) for i, c in enumerate(parts)}}
    src = pa.table({"rid": np.arange(n), **{k: pa.array(v.to_numpy(), type=pa.string(),
                                                        from_pandas=True)
                                            for k, v in columns.items()}})
    src = pa.Table.from_batches(src.to_batches(max_chunksize=SCAN_BATCH_ROWS), src.schema)
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
    names, codes = text.map_unique(rows.col("node"), clf.node_of_name)  # each value once
    explicit = pd.Series(text.take_column(names, codes, "object"), index=rows.df.index,
                         dtype=object)
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


def pseudonym_list(key: str, source: str, ids) -> list[str]:
    """``[pseudonym(key, source, v) for v in ids]``, the keyed hash's state after the key and
    the source computed once (a copy of it per id, not a keyed start per id)."""
    start = hashlib.blake2b(f"{source}\x1f".encode(), key=key.encode()[:64], digest_size=10)
    out = []
    for v in ids:
        h = start.copy()
        h.update(f"{v}".encode())
        out.append("T" + h.hexdigest()[:19])
    return out


def _pseudonyms(ctx: Context, ids: pd.Series) -> pd.Series:
    key, source = ctx.pseudonym_key, ctx.source
    codes, uniques = pd.factorize(ids, use_na_sentinel=True)
    table = np.array([*pseudonym_list(key, source, uniques), None], dtype=object)
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


def _check_lengths(rows: Rows) -> None:
    """A cell over MAX_FIELD_CHARS is a broken export: an error in a field the row needs, else
    a warning, and the field is read as empty."""
    for name in rows.df.columns:
        length = rows.df[name].astype("string").str.len()
        long = (length > MAX_FIELD_CHARS).fillna(False).astype(bool)
        if long.any():
            rows.check(name, pd.Series([f"字段过长 ({int(n):,} 字符, 上限 {MAX_FIELD_CHARS:,})"
                                        for n in length[long]], index=length[long].index))
            if name not in rows.needed:
                rows.blank(name, long)


def _blank_stated_absence(rows: Rows) -> None:
    for name in rows.df.columns:
        if name not in rows.needed:
            marked = rows.col(name).isin(ABSENT_MARKERS)
            if marked.any():
                rows.blank(name, marked)


def _transforms() -> dict:
    from etl import transform_kinds, transform_talent  # they build on the helpers above

    return {"enterprise": transform_kinds.transform_enterprise,
            "talent": transform_talent.transform_talent,
            "posting": transform_kinds.transform_posting,
            "move": transform_kinds.transform_move,
            "indicator": transform_kinds.transform_indicator}


def needed_fields(kind: str, columns) -> frozenset[str]:
    """The fields rows of this file need: ``NEEDED``, and for a talent file without an id
    column the fields its key is derived from."""
    if kind == "talent" and "source_id" not in columns:
        return NEEDED[kind] | {"name", "phone"}
    return NEEDED[kind]


def transform(kind: str, mapped: pd.DataFrame, numbers: pd.Series, ctx: Context) -> Transformed:
    """Normalise and validate one file's mapped rows. Errors name the row's field and reason
    and quarantine the row; warnings (of the rows kept only) name the field, reason and raw
    value of a field left empty."""
    rows = Rows(mapped, kind, ctx.seen, needed_fields(kind, mapped.columns))
    _check_lengths(rows)
    _blank_stated_absence(rows)
    tables = _transforms()[kind](rows, ctx, numbers)
    errors = rows.errors()
    bad = set(errors.index)
    warnings = rows.warnings()
    if bad:
        tables = {t: df[~df.index.isin(list(bad))] for t, df in tables.items()}
        warnings = warnings[~warnings.index.isin(list(bad))]
    return Transformed(tables, errors, len(mapped), bad, warnings)
