"""The kinds other than talent (``etl.transform_talent``): enterprise, posting, move, indicator.

Each takes the mapped rows of one file and returns its fact table's rows; problems are errors
(the row is quarantined) in the fields ``etl.transform.NEEDED`` names for the kind, warnings
(the field left empty) in all others.
"""

from __future__ import annotations

import pandas as pd

from etl.normalize import capital, credit_code, dates, education, experience, reg_status, salary
from etl.normalize.number import shown
from etl.transform import (
    EMPLOYEES_MAX,
    INDICATOR_ABS_MAX,
    Context,
    Rows,
    _bool,
    _date,
    _key,
    _number,
    _observed,
    _parsed,
    _pseudonyms,
    _region,
    _row_hash,
    _skills_and_node,
    fact_year_reason,
)


def _capital(rows: Rows) -> pd.DataFrame:
    """注册资本 as written (5000万元人民币, 300万美元, a bare number in 万元): the amount in units of
    its currency, the currency (ISO) and the CNY equivalent in 万元 (data/fx_rates.csv)."""
    raw = rows.col("registered_capital_wan")
    parsed = capital.parse_capital_series(raw)
    bad = parsed["capital_error"].notna()
    label = rows.labels["registered_capital_wan"]
    rows.check("registered_capital_wan", pd.Series(
        [f"{label}{r}: {shown(v)}" for r, v in zip(parsed["capital_error"][bad], raw[bad],
                                                   strict=True)],
        index=raw[bad].index, dtype=object))
    return parsed


def transform_enterprise(rows: Rows, ctx: Context, numbers: pd.Series) -> dict[str, pd.DataFrame]:
    code = _parsed(rows, "credit_code", credit_code.check_credit_code_series(rows.col("credit_code")),
                   "credit_code", "credit_code_error")
    rows.unique("credit_code", code, numbers)
    name = rows.col("name")
    rows.require("name", name)
    cap = _capital(rows)
    out = pd.DataFrame({
        "credit_code": code, "name": name, "adcode": _region(rows, "address"),
        "address": rows.col("address"),
        "node_id": _skills_and_node(rows, "business_scope", "name", with_skills=False)[1],
        "founded_on": _date(rows, "founded_on", ctx),
        "registered_capital": cap["amount"], "capital_currency": cap["currency"],
        "registered_capital_wan": cap["wan"],
        "employees": _number(rows, "employees", maximum=EMPLOYEES_MAX, integer=True),
        "is_listed": _bool(rows, "is_listed"), "is_chain_leader": _bool(rows, "is_chain_leader"),
        "reg_status": _parsed(rows, "reg_status",
                              reg_status.parse_reg_status_series(rows.col("reg_status")),
                              "value", "error"),
        "observed_on": _observed(rows, ctx), "source": ctx.source,
    })
    return {"enterprise": out}


def _optional_code(rows: Rows, name: str) -> pd.DataFrame:
    """An optional credit code: checked when given, blank is fine."""
    code = credit_code.check_credit_code_series(rows.col(name))
    code["credit_code_error"] = code["credit_code_error"].where(rows.col(name).notna(), None)
    return code


def transform_posting(rows: Rows, ctx: Context, numbers: pd.Series) -> dict[str, pd.DataFrame]:
    title = rows.col("title")
    rows.require("title", title)
    rows.require("posted_on", rows.col("posted_on"))
    posted = _date(rows, "posted_on", ctx)
    sal = salary.parse_salary_series(rows.col("salary"))
    no_salary = rows.check("salary", sal["salary_error"].astype(object).where(
        sal["salary_error"].notna(), None))
    sal = pd.DataFrame({c: sal[c].mask(no_salary, None)  # 薪资保密啦: loads, salary unknown
                        for c in ("salary_min", "salary_max", "salary_months")})
    sid = rows.col("source_id")
    fallback = _row_hash(rows.df, "H")
    posting_id = "P" + _pseudonyms(ctx, sid.where(sid.notna(), fallback)).str[1:]
    rows.unique("source_id", posting_id, numbers)
    edu = education.parse_education_series(rows.col("education_req"))
    skill_lists, node = _skills_and_node(rows, "title")
    out = pd.DataFrame({
        "posting_id": posting_id,
        "credit_code": _parsed(rows, "credit_code", _optional_code(rows, "credit_code"),
                               "credit_code", "credit_code_error"),
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
