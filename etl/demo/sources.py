"""The same people in other sources (无感档案): a 人社 list and a job-board résumé export.

A city's archive is built from the sources it already has, and the same engineer is in several
of them, written differently each time. The demo writes a share of its domestic talent a second
(and some a third) time, with the noise real exports have:

- ``renshe_talents.csv`` — a 人社 high-level-talent list (GBK): 人员编号, Han name (traditional
  characters in ``TRADITIONAL_P`` of rows, a mistyped given-name character in ``TYPO_P``),
  出生年月 as ``1988.05`` / ``1988年5月`` / ``1988-05``, 联系电话 as ``+86 138 1234 5678`` /
  ``138-1234-5678`` / plain, 毕业院校 by its short name (哈工大) where it has one, 工作单位 (an
  earlier employer for ``OLD_EMPLOYER_P``), 所在地 often city level, 登记日期.
- ``liepin_resumes.csv`` — a job-board export (UTF-8 with BOM): 简历编号, the name in pinyin for
  English CVs (``Zhang Wei`` / ``Wei Zhang`` / ``ZHANG Wei``), 手机 with ``+86``, 出生日期 as a
  full date, 现居住地, 毕业学校 (often empty), 当前公司, 职位, 技能标签, 期望城市, 简历更新时间.

Each copy is **older** than the person's résumé-pool record (talents.xlsx): it was registered or
updated before, so the person is where the résumé pool says and every count stays the same when
the records are linked right. A changed phone (``CHANGED_PHONE_P``), a moved city
(``MOVED_CITY_P``) and a missing school make linking hard for a share of them.

The truth is kept aside, never loaded: ``_truth/linkage_truth.csv`` (file, source, id, person =
the 人才编号 in talents.xlsx), for bench/linkage.py to score the links against. Drawn from random
streams of their own (6 and 7 of the seed), so every other file of a seed is as it was.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from etl.demo.geography import Geo, unit_text
from etl.demo.sampling import concat, int_text

SOURCES = {"renshe_talents.csv": "人社", "liepin_resumes.csv": "猎聘"}
TRUTH = Path("_truth") / "linkage_truth.csv"
RENSHE_TIERED_P, RENSHE_OTHER_P = 0.6, 0.05  # of good domestic talent with / without a tier
LIEPIN_P = 0.1
TRADITIONAL_P = 0.1
TYPO_P = 0.03
PINYIN_P = 0.3
CHANGED_PHONE_P = 0.12
MOVED_CITY_P = 0.08
OLD_EMPLOYER_P = 0.2
ALIAS_P = 0.4
NO_SCHOOL_P = {"人社": 0.05, "猎聘": 0.3}
FIRST = pd.Timestamp("2021-01-01")

RENSHE_COLUMNS = ("人员编号", "姓名", "身份证号", "出生年月", "联系电话", "最高学历", "毕业院校", "专业",
                  "工作单位", "所在地", "人才层次", "登记日期")  # fmt: skip
ID_NUMBER_P = 0.7  # of 人社 rows: a 身份证号 (fake, valid check digit, the person's birth month)
LIEPIN_COLUMNS = ("简历编号", "姓名", "手机", "邮箱", "出生日期", "现居住地", "最高学历", "毕业学校", "专业",
                  "当前公司", "职位", "技能标签", "期望城市", "简历更新时间")  # fmt: skip


def _short_names() -> dict[str, list[str]]:
    """{full school name: its unambiguous short names} from data/university_aliases.csv."""
    from etl.normalize.university import ALIASES_CSV

    out: dict[str, list[str]] = {}
    with ALIASES_CSV.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r["university"]:
                out.setdefault(r["university"], []).append(r["alias"])
    return out


def make_other_sources(rng_renshe: np.random.Generator, rng_liepin: np.random.Generator,
                       talents: pd.DataFrame, everyone: pd.DataFrame, geo: Geo,
                       firms: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(人社 rows, 猎聘 rows, truth rows) for the good domestic talents of ``talents``;
    ``everyone`` is the whole résumé-pool file (each of its records a person of its own in the
    truth unless a copy names it)."""
    good = talents[talents["good"].to_numpy() & (talents["observed"] > FIRST).to_numpy()]
    tiered = good["人才层次"].fillna("").ne("").to_numpy()
    p = np.where(tiered, RENSHE_TIERED_P, RENSHE_OTHER_P)
    rs = good[rng_renshe.random(len(good)) < p].reset_index(drop=True)
    lp = good[rng_liepin.random(len(good)) < LIEPIN_P].reset_index(drop=True)
    month = _birth_months(talents)
    renshe = _renshe(rng_renshe, rs, month, geo, firms)
    liepin = _liepin(rng_liepin, lp, month, geo, firms)
    truth = pd.concat([
        pd.DataFrame({"file": "talents", "source": "demo", "id": everyone["人才编号"],
                      "person": everyone["人才编号"]}),
        pd.DataFrame({"file": "renshe_talents.csv", "source": "人社", "id": renshe["人员编号"],
                      "person": rs["人才编号"]}),
        pd.DataFrame({"file": "liepin_resumes.csv", "source": "猎聘", "id": liepin["简历编号"],
                      "person": lp["人才编号"]}),
    ], ignore_index=True)
    return renshe, liepin, truth


def _birth_months(talents: pd.DataFrame) -> dict[str, int]:
    """One birth month per person (the résumé pool writes only the year), from the person's id
    so that both sources agree without sharing a random stream."""
    ids = talents["人才编号"].astype(str)
    return dict(zip(ids, ids.map(lambda s: (sum(map(ord, s)) * 7) % 12 + 1), strict=True))


def _older(rng: np.random.Generator, observed: pd.Series) -> pd.Series:
    """A date 30–700 days before ``observed``, not before 2021-01-01: always earlier, since
    only people observed after 2021-01-01 are copied."""
    back = pd.to_timedelta(rng.integers(30, 700, len(observed)), unit="D")
    return (observed - back).clip(lower=FIRST)


def _phones(rng: np.random.Generator, phones: pd.Series, styles: tuple[str, ...],
            weights: tuple[float, ...]) -> pd.Series:
    """The phone written in one of ``styles`` (format strings over a, b, c = 3+4+4 digits);
    ``CHANGED_PHONE_P`` of them a new number."""
    n = len(phones)
    new = pd.Series(int_text(13_000_000_000 + rng.integers(0, 6 * 10**9, n)), index=phones.index)
    ph = phones.where(rng.random(n) >= CHANGED_PHONE_P, new)
    pick = rng.choice(len(styles), n, p=np.asarray(weights) / sum(weights))
    return pd.Series([styles[k].format(a=s[:3], b=s[3:7], c=s[7:])
                      for k, s in zip(pick, ph, strict=True)], index=phones.index)


def _school(rng: np.random.Generator, school: pd.Series, source: str) -> pd.Series:
    short = _short_names()
    n = len(school)
    alias = rng.random(n) < ALIAS_P
    pick = rng.integers(0, 8, n)
    out = [(short[s][k % len(short[s])] if a and s in short else s)
           for s, a, k in zip(school, alias, pick, strict=True)]
    return pd.Series(out, index=school.index).where(rng.random(n) >= NO_SCHOOL_P[source], "")


def _employer(rng: np.random.Generator, employer: pd.Series, firms: pd.DataFrame) -> pd.Series:
    names = firms["企业名称"].to_numpy()
    old = names[rng.integers(0, len(names), len(employer))]
    return employer.where(rng.random(len(employer)) >= OLD_EMPLOYER_P, old)


def _place(rng: np.random.Generator, df: pd.DataFrame, geo: Geo, city_p: float) -> pd.Series:
    """The résumé's 所在地, or its city only (``city_p``), or another city (``MOVED_CITY_P``)."""
    n = len(df)
    units = df["unit_i"].to_numpy()
    moved = rng.random(n) < MOVED_CITY_P
    units = np.where(moved, rng.integers(0, len(geo.units), n), units)
    city = pd.Series(unit_text(geo, units, rng.integers(0, 3, n)), index=df.index)
    as_city = moved | (rng.random(n) < city_p)
    return df["所在地"].where(~as_city, city)


def _renshe(rng: np.random.Generator, rs: pd.DataFrame, month: dict[str, int], geo: Geo,
            firms: pd.DataFrame) -> pd.DataFrame:
    from opencc import OpenCC

    n = len(rs)
    s2t = OpenCC("s2t")
    names = rs["姓名"].copy()
    trad = rng.random(n) < TRADITIONAL_P
    names[trad] = [s2t.convert(x) for x in names[trad]]
    typo = (rng.random(n) < TYPO_P) & (names.str.len() >= 2)
    chars = list("伟芳娜敏静丽强磊军洋勇艳杰涛明超霞平刚华玉萍红鹏辉玲宇浩欣怡晨阳")
    names[typo] = [x[:-1] + chars[k] for x, k in zip(names[typo], rng.integers(
        0, len(chars), int(typo.sum())), strict=True)]
    m = rs["人才编号"].map(month)
    year = rs["出生年份"].astype(int).astype(str)
    style = rng.integers(0, 10, n)
    birth = np.where(style < 4, year + "." + m.map("{:02d}".format),
                     np.where(style < 8, year + "年" + m.astype(str) + "月",
                              year + "-" + m.map("{:02d}".format)))
    out = pd.DataFrame({
        "人员编号": concat("RS", int_text(20_000_000 + np.cumsum(rng.integers(1, 9, n)))),
        "姓名": names, "身份证号": _id_numbers(rng, rs, m, geo), "出生年月": birth,
        "联系电话": _phones(rng, rs["手机"], ("+86 {a} {b} {c}", "{a}-{b}-{c}", "{a}{b}{c}"),
                        (3, 2, 5)),
        "最高学历": rs["最高学历"], "毕业院校": _school(rng, rs["毕业院校"], "人社"),
        "专业": rs["专业"], "工作单位": _employer(rng, rs["现任单位"], firms),
        "所在地": _place(rng, rs, geo, 0.5), "人才层次": rs["人才层次"],
        "登记日期": _older(rng, rs["observed"]).dt.strftime("%Y-%m-%d"),
    })
    return out.loc[:, list(RENSHE_COLUMNS)]


def _id_numbers(rng: np.random.Generator, rs: pd.DataFrame, month: pd.Series, geo: Geo
                ) -> pd.Series:
    """Fake 身份证号 for ``ID_NUMBER_P`` of the rows (else empty): the city's code, the birth
    year and month, a day, a sequence and the GB 11643 check digit — written with spaces in 10%."""
    from etl.normalize.id_number import check_digit

    n = len(rs)
    city = geo.units["unit"].to_numpy()[rs["unit_i"].to_numpy()].astype(str)
    day, seq = rng.integers(1, 29, n), rng.integers(0, 1000, n)
    body = [f"{c[:6]}{y:04d}{mm:02d}{d:02d}{q:03d}" for c, y, mm, d, q in
            zip(city, rs["出生年份"].astype(int), month, day, seq, strict=True)]
    spaced = rng.random(n) < 0.1
    nums = [f"{x[:6]} {x[6:14]} {x[14:]}" if sp else x for x, sp in
            zip((b + check_digit(b) for b in body), spaced, strict=True)]
    return pd.Series(nums, index=rs.index).where(rng.random(n) < ID_NUMBER_P, "")


def _pinyin(names: pd.Series, rng: np.random.Generator) -> pd.Series:
    from pypinyin import lazy_pinyin

    style = rng.integers(0, 3, len(names))
    out = []
    for name, k in zip(names, style, strict=True):
        syl = lazy_pinyin(name)
        surname, given = syl[0].capitalize(), "".join(syl[1:]).capitalize()
        out.append(f"{surname} {given}" if k == 0 else f"{given} {surname}" if k == 1
                   else f"{surname.upper()} {given}")
    return pd.Series(out, index=names.index)


def _liepin(rng: np.random.Generator, lp: pd.DataFrame, month: dict[str, int], geo: Geo,
            firms: pd.DataFrame) -> pd.DataFrame:
    n = len(lp)
    names = lp["姓名"].copy()
    py = rng.random(n) < PINYIN_P
    names[py] = _pinyin(names[py], rng)
    m = lp["人才编号"].map(month)
    day = rng.integers(1, 29, n)
    year = lp["出生年份"].astype(int)
    born = [f"{y}-{mm:02d}-{d:02d}" if k else f"{y}/{mm}/{d}"
            for y, mm, d, k in zip(year, m, day, rng.random(n) < 0.6, strict=True)]
    email = lp["邮箱"].where(rng.random(n) < 0.5, "")
    out = pd.DataFrame({
        "简历编号": concat("LP", int_text(300_000_000 + np.cumsum(rng.integers(1, 50, n)))),
        "姓名": names,
        "手机": _phones(rng, lp["手机"], ("+86 {a}{b}{c}", "+86-{a}-{b}-{c}", "{a}{b}{c}"),
                      (4, 2, 4)),
        "邮箱": email, "出生日期": born, "现居住地": _place(rng, lp, geo, 0.6),
        "最高学历": lp["最高学历"], "毕业学校": _school(rng, lp["毕业院校"], "猎聘"),
        "专业": lp["专业"], "当前公司": _employer(rng, lp["现任单位"], firms),
        "职位": lp["职位"], "技能标签": lp["技能标签"].str.replace("、", ",", regex=False),
        "期望城市": lp["期望城市"],
        "简历更新时间": _older(rng, lp["observed"]).dt.strftime("%Y-%m-%d"),
    })
    return out.loc[:, list(LIEPIN_COLUMNS)]


def read_truth(raw_dir: Path, pseudonym_key: str) -> pd.DataFrame:
    """The truth of a demo folder, one row per record (a row repeated in talents.xlsx, an
    injected defect, is one record), with the talent_id the ETL gives each record under the
    pseudonym key: ``file, source, id, person, talent_id``."""
    from etl.transform import pseudonym_list

    truth = pd.read_csv(Path(raw_dir) / TRUTH, dtype=str).drop_duplicates(["source", "id"])
    ids = pd.Series(None, index=truth.index, dtype=object)
    for source, part in truth.groupby("source"):
        ids[part.index] = pseudonym_list(pseudonym_key, source, part["id"])
    return truth.assign(talent_id=ids)


def write_sources(renshe: pd.DataFrame, liepin: pd.DataFrame, truth: pd.DataFrame,
                  out_dir: Path, manifest: dict) -> list[Path]:
    """The two files (their manifest entries name the source) and the truth, aside."""
    paths = []
    for df, name, enc in ((renshe, "renshe_talents.csv", "gbk"),
                          (liepin, "liepin_resumes.csv", "utf-8-sig")):
        path = out_dir / name
        df.to_csv(path, index=False, encoding=enc)
        manifest["files"][name] = {"kind": "talent", "rows": len(df), "first_data_line": 2,
                                   "encoding": enc, "source": SOURCES[name], "bad_rows": 0,
                                   "defects": {}, "defect_rows": {}}
        paths.append(path)
    truth_path = out_dir / TRUTH
    truth_path.parent.mkdir(exist_ok=True)
    truth.to_csv(truth_path, index=False, encoding="utf-8")
    manifest["linkage_truth"] = str(TRUTH)
    return paths


def pair_scores(truth: pd.Series, predicted: pd.Series) -> dict[str, float]:
    """Pairwise precision, recall and F1 of a linkage: a pair of records is predicted linked when
    ``predicted`` gives both one label, truly linked when ``truth`` does (aligned Series, one
    entry per record). For scoring against a planted truth (bench/linkage.py, the tests)."""
    df = pd.DataFrame({"t": truth.to_numpy(), "p": predicted.to_numpy()})

    def pairs(sizes: pd.Series) -> int:
        return int((sizes * (sizes - 1) // 2).sum())

    tp = pairs(df.groupby(["t", "p"]).size())
    pred, true = pairs(df.groupby("p").size()), pairs(df.groupby("t").size())
    precision, recall = tp / max(pred, 1), tp / max(true, 1)
    return {"precision": precision, "recall": recall,
            "f1": 2 * precision * recall / max(precision + recall, 1e-12),
            "true_pairs": true, "predicted_pairs": pred}
