"""Records of the same people in several sources, with the noise real exports have, and the
truth: for measuring record linkage (bench/linkage.py, docs/linkage.md).

Each person appears in one to three sources: an HR workbook (Han name, phone, birth month,
school), a job board (pinyin name in either order, +86 phone, full birth date, employer) and a
人社 list (Han name, sometimes traditional; birth month, school, major). Noise per record: a
changed phone (15%), a new employer (20%), a move to another city (10%), no birth date (8%), no
school (15%), a mistyped character of the given name (3%). Names are drawn with realistic
collisions: surnames by frequency, given names from a few hundred characters.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红鹏辉玲建国宇浩然欣怡子涵梓轩"
         "思雨嘉怡俊杰文博天佑晨阳一鸣志强海燕晓东雪梅丹丹凯旭东亮斌峰琳颖婷倩雯晶莉璐瑶佳琪慧婧")
TRADITIONAL = {"张": "張", "刘": "劉", "陈": "陳", "杨": "楊", "黄": "黃", "赵": "趙", "吴": "吳",
               "郑": "鄭", "谢": "謝", "冯": "馮", "伟": "偉", "丽": "麗", "军": "軍", "华": "華"}
SCHOOLS = ["山东大学", "中国海洋大学", "青岛大学", "青岛科技大学", "清华大学", "北京大学", "浙江大学",
           "哈尔滨工业大学", "山东科技大学", "中国石油大学(华东)", "复旦大学", "上海交通大学"]
MAJORS = ["计算机科学与技术", "软件工程", "人工智能", "自动化", "电子信息工程", "机械工程", "海洋科学",
          "数学与应用数学", "通信工程", "金融学"]
EMPLOYERS = ["海尔集团", "海信集团", "歌尔股份", "青岛幻境科技", "中车四方", "浪潮集团", "华为技术",
             "腾讯科技", "科大讯飞", "百度在线", "青岛智能产业技术研究院", "阿里云"]
CITIES = ["370212", "370202", "370203", "370211", "370214", "370102", "110108", "310115",
          "440305", "330106", "320106", "420111"]
SOURCES = ("人才集团", "猎聘", "人社")


def _pinyin(name: str, rng: np.random.Generator) -> str:
    from pypinyin import lazy_pinyin

    syl = lazy_pinyin(name)
    surname, given = syl[0].capitalize(), "".join(syl[1:]).capitalize()
    style = rng.integers(3)
    return (f"{surname} {given}" if style == 0 else f"{given} {surname}" if style == 1
            else f"{surname.upper()} {given}")


def generate(persons: int, seed: int = 7) -> pd.DataFrame:
    """One row per record: talent_id, person (the truth), source, name, phone, email,
    birth_month, birth_year, university, major, employer_name, adcode, observed_on."""
    rng = np.random.default_rng(seed)
    weights = 1 / np.arange(1, len(SURNAMES) + 1) ** 0.9
    sur = rng.choice(list(SURNAMES), size=persons, p=weights / weights.sum())
    g1 = rng.choice(list(GIVEN), size=persons)
    g2 = np.where(rng.random(persons) < 0.7, rng.choice(list(GIVEN), size=persons), "")
    names = np.char.add(np.char.add(sur, g1), g2)
    birth = rng.integers(0, 30 * 365, size=persons)
    phones = 13000000000 + rng.choice(10**9 * 9, size=persons, replace=False)
    base = pd.DataFrame({
        "person": np.arange(persons), "name": names,
        "born": [dt.date(1965, 1, 1) + dt.timedelta(days=int(d)) for d in birth],
        "phone": phones.astype(str), "school": rng.choice(SCHOOLS, size=persons),
        "major": rng.choice(MAJORS, size=persons), "employer": rng.choice(EMPLOYERS, size=persons),
        "adcode": rng.choice(CITIES, size=persons)})
    copies = rng.choice([1, 2, 3], size=persons, p=[0.5, 0.35, 0.15])
    rows = base.loc[base.index.repeat(copies)].reset_index(drop=True)
    # each copy of a person in a different source
    offset = rng.integers(3, size=persons).repeat(copies)
    rank = rows.groupby("person").cumcount().to_numpy()
    rows["source"] = np.array(SOURCES)[(offset + rank) % 3]
    n = len(rows)
    noise = rng.random((6, n))
    out = []
    for k, r in enumerate(rows.itertuples(index=False)):
        name = r.name
        if noise[5, k] < 0.03:  # a mistyped given-name character
            name = name[:-1] + GIVEN[rng.integers(len(GIVEN))]
        phone = r.phone if noise[0, k] >= 0.15 else str(13000000000 + rng.integers(9 * 10**9))
        employer = r.employer if noise[1, k] >= 0.2 else EMPLOYERS[rng.integers(len(EMPLOYERS))]
        adcode = r.adcode if noise[2, k] >= 0.1 else CITIES[rng.integers(len(CITIES))]
        born = None if noise[3, k] < 0.08 else r.born
        school = None if noise[4, k] < 0.15 else r.school
        email = major = None
        if r.source == "人才集团":
            shown = name
        elif r.source == "猎聘":
            shown, phone = _pinyin(name, rng), "+86 " + phone
            email = f"u{r.person}@example.com" if rng.random() < 0.3 else None
            school = school if rng.random() < 0.6 else None
        else:
            shown = "".join(TRADITIONAL.get(c, c) for c in name) if rng.random() < 0.1 else name
            phone, major = (phone if rng.random() < 0.5 else None), r.major
        out.append((f"T{k:09d}", r.person, r.source, shown, phone, email,
                    born.strftime("%Y-%m") if born else None, born.year if born else None,
                    school, major, employer if r.source != "人社" else None, adcode,
                    dt.date(2024, 6, 30)))
    return pd.DataFrame(out, columns=[
        "talent_id", "person", "source", "name", "phone", "email", "birth_month", "birth_year",
        "university", "major", "employer_name", "adcode", "observed_on"])
