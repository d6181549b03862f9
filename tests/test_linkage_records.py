"""etl.linkage.records — the linkage fields read as Arrow, each key once per distinct value
(issue 18's ETL profile: 12.5 s of a 1M-row publish) — equals the former pandas version
(frozen below) value for value and dtype for dtype, on crafted and on generated records."""

from __future__ import annotations

import random

import duckdb
import pandas as pd
import pytest

from etl import linkage
from etl.linkage import RECORDS_SQL, _norm_phone, name_keys, per_value, spread, text_key


def records_before(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """etl.linkage.records as it was before issue 18's ETL work (the reference)."""
    raw = con.execute(RECORDS_SQL).df()
    out = pd.DataFrame({"unique_id": raw["talent_id"].astype(object)})
    out = out.join(name_keys(raw["name"]))
    codes, uniq = pd.factorize(raw["phone"], use_na_sentinel=True)
    phones = [_norm_phone(v) for v in uniq]
    out["phone"] = spread(codes, phones)
    out["phone_tail"] = spread(codes, [v[-4:] if isinstance(v, str) else None for v in phones])
    out["email"] = per_value(
        raw["email"], lambda v: v.strip().lower() if isinstance(v, str) and "@" in v else None)
    out["birth_year"] = raw["birth_year"].astype("Int64")
    out["birth_month"] = per_value(
        raw["birth_month"], lambda v: v if isinstance(v, str) and len(v) == 7 else None)
    out["school"] = text_key(raw["university"].astype(object))
    out["major"] = text_key(raw["major"].astype(object))
    out["employer"] = text_key(raw["employer_name"].astype(object))
    out["city"] = per_value(raw["adcode"], lambda v: v[:4] if isinstance(v, str) else None)
    out["source"] = raw["source"].astype(object)
    out["id_hash"] = raw["id_hash"].astype(object)
    return out.astype({c: object for c in out.columns if c != "birth_year"}).where(
        out.notna(), None)


NAMES = [None, "", "张三", "張三", "张 三", "Zhang San", "San Zhang", "ZHANG·San", "Lü Wei", "吕伟",
         "李", "O'Brien", "  ", "王小明", "Wáng Xiǎomíng", "欧阳·娜娜"]
PHONES = [None, "", "13800000001", "+86 138-0000-0001", "008613800000001", "8613800000001",
          "86138000000012", "0086238000000", "1380000", "1234", "12345", "１３８００００００００",
          "tel: 138 0000 0002 / 139 0000 0003", "010-88886666", "abc", "861", "０08613800000001",
          "8602800000000", "00861380000000"]
EMAILS = [None, "", "A@B.cn", " a@b.cn ", "ab.cn", "Ｘ@y.com", "@", "hr@firm.com"]
MONTHS = [None, "", "1990-01", "1990", "1990-1", "1990-01-02"]
TEXTS = [None, "", "清华大学", "清 华 大 学", "北京大學", "MIT", "Peking University", "  ", "浙江大学"]
ADCODES = [None, "", "370212", "3702", "37", "110000"]


def warehouse(rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("""CREATE TABLE talent (talent_id VARCHAR, source VARCHAR, observed_on DATE,
        adcode VARCHAR, birth_year INTEGER, university VARCHAR, major VARCHAR,
        employer_name VARCHAR)""")
    con.execute("""CREATE TABLE talent_contact (talent_id VARCHAR, name VARCHAR, phone VARCHAR,
        email VARCHAR, birth_month VARCHAR, id_hash VARCHAR)""")
    if rows:
        con.executemany("INSERT INTO talent VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [r[:8] for r in rows])
        contacts = [(r[0], *r[8:]) for r in rows if r[8:] != (None,) * 5]
        if contacts:  # a record without a contact row: the LEFT JOIN's NULLs
            con.executemany("INSERT INTO talent_contact VALUES (?, ?, ?, ?, ?, ?)", contacts)
    return con


def generated(n: int, seed: int) -> list[tuple]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        contact = rng.random() < 0.9
        out.append((f"T{i:05d}", rng.choice([None, "人社", "猎聘"]),
                    rng.choice([None, "2024-05-01"]), rng.choice(ADCODES),
                    rng.choice([None, 1960, 1990, 2001]), rng.choice(TEXTS), rng.choice(TEXTS),
                    rng.choice(TEXTS),
                    *( (rng.choice(NAMES), rng.choice(PHONES), rng.choice(EMAILS),
                        rng.choice(MONTHS), rng.choice([None, "h1", "h2"])) if contact
                       else (None,) * 5)))
    return out


def crafted() -> list[tuple]:
    """Each odd value once, in every field that takes it."""
    width = max(map(len, (NAMES, PHONES, EMAILS, MONTHS, TEXTS, ADCODES)))
    return [(f"C{i:03d}", "人社", None, ADCODES[i % len(ADCODES)], 1990,
             TEXTS[i % len(TEXTS)], TEXTS[(i + 1) % len(TEXTS)], TEXTS[(i + 2) % len(TEXTS)],
             NAMES[i % len(NAMES)], PHONES[i % len(PHONES)], EMAILS[i % len(EMAILS)],
             MONTHS[i % len(MONTHS)], None) for i in range(width)]


@pytest.mark.parametrize("rows", [crafted(), generated(3000, 1), generated(3000, 2)],
                         ids=["crafted", "generated-1", "generated-2"])
def test_records_equal_the_former_version(rows):
    con = warehouse(rows)
    got, want = linkage.records(con), records_before(con)
    assert len(got) == len(rows)
    pd.testing.assert_frame_equal(got, want, check_dtype=True)


def test_an_empty_warehouse_has_no_records():
    con = warehouse([])
    got, want = linkage.records(con), records_before(con)
    assert got.empty
    assert list(got.columns) == list(want.columns)
    assert list(got.dtypes) == list(want.dtypes)


@pytest.mark.parametrize("value", PHONES[1:])
def test_phones_are_normalised_as_one_by_one(value):
    import pyarrow as pa

    phone, tail = linkage.phone_key_arrays(pa.array([value, None, value], type=pa.string()))
    want = _norm_phone(value)
    four = None if want is None else want[-4:]
    assert phone.tolist() == [want, None, want]
    assert tail.tolist() == [four, None, four]
