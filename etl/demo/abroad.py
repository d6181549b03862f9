"""Talent abroad (海外人才) and moves across the border, for 海外引才.

Two small additions to the demo, each drawn from its own random stream so that every other file
of a seed stays as it was:

- **Talents living abroad**: ``ABROAD_SHARE`` of the talent count, extra rows after the domestic
  ones (ids from ``R90000000``). Their node comes from a sample of the domestic talent; name,
  education, skills and tier are drawn afresh. 所在地 is a city or country abroad written as the
  sources write it (美国加州, 英国伦敦, Boston, USA, plain 海外); no employer in the registry.
  是否海归 is 否 (they have not come back) and 留学国家 their country. Return intention: 是否愿意
  流动 = 是 for ``RETURN_WILLING`` of them, and 期望城市 is then the home city for a share.
- **Moves across the border**: a share of the domestic returnees arrive from their study country
  (回流), and a share of the talent abroad left from a Chinese city (a departure abroad).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.demo.calibration import COUNTRIES, MOVE_YEAR_W
from etl.demo.geography import Geo, unit_text
from etl.demo.sampling import concat, int_text, iso_dates, normalized, random_dates

ABROAD_SHARE = 0.03
RETURN_WILLING = 0.6
EXPECT_HOME = 0.35  # of the willing: 期望城市 is the home city
ARRIVALS_SHARE = 0.25  # of the domestic returnees who are not movers: an arrival from abroad
DEPARTURES_SHARE = 0.3  # of the talent abroad: a departure from China on record
FIRST_ID = 90_000_000
# Where they are, as written (the resolver's places abroad, data/abroad_places.csv).
PLACES: dict[str, tuple[str, ...]] = {
    "美国": ("美国加州", "美国旧金山", "美国纽约", "美国波士顿", "美国西雅图", "Boston, USA",
           "美国"),
    "英国": ("英国伦敦", "英国爱丁堡", "英国剑桥", "英国曼彻斯特", "英国"),
    "新加坡": ("新加坡",),
    "日本": ("日本东京", "日本大阪", "日本"),
    "澳大利亚": ("澳大利亚悉尼", "澳大利亚墨尔本", "澳洲"),
    "德国": ("德国慕尼黑", "德国柏林", "德国"),
    "加拿大": ("加拿大多伦多", "加拿大温哥华", "加拿大"),
    "法国": ("法国巴黎", "法国"),
    "韩国": ("韩国首尔", "韩国"),
}
UNKNOWN_COUNTRY_P = 0.04  # written only as 海外 / 境外


def make_abroad_talents(rng: np.random.Generator, talents: pd.DataFrame, geo: Geo,
                        nodes: pd.DataFrame, firms: pd.DataFrame, home_city: str = "青岛市"
                        ) -> pd.DataFrame:
    """Talent rows of people living abroad (every column of the talent file, ``good``)."""
    from etl.demo.people import _talent_person, _talent_work

    n = max(5, round(len(talents) * ABROAD_SHARE))
    good = np.flatnonzero(talents["good"].to_numpy())
    src = rng.choice(good, n, replace=False)
    df = talents.loc[src, ["unit_i", "node_i", "place_i", "style", "prov"]].reset_index(drop=True)
    df["good"] = True
    _talent_person(rng, df, nodes)
    _talent_work(rng, df, geo, nodes, firms)
    df["人才编号"] = concat("R", int_text(FIRST_ID + np.cumsum(rng.integers(1, 20, n))))
    names = list(COUNTRIES)
    country = np.array(names, dtype=object)[
        rng.choice(len(names), n, p=normalized(list(COUNTRIES.values())))]
    place = np.array([PLACES[c][int(rng.integers(0, len(PLACES[c])))] for c in country],
                     dtype=object)
    unknown = rng.random(n) < UNKNOWN_COUNTRY_P
    df["所在地"] = np.where(unknown, np.where(rng.random(n) < 0.5, "海外", "境外"), place)
    df["country"] = np.where(unknown, "", country)
    df["现任单位"] = ""
    df["单位信用代码"] = ""
    df["是否海归"] = "否"
    df["留学国家"] = df["country"]
    willing = rng.random(n) < RETURN_WILLING
    home = rng.random(n) < EXPECT_HOME
    df["是否愿意流动"] = np.where(willing, "是", "否")
    df["期望城市"] = np.where(willing, np.where(home, home_city, df["期望城市"]), "")
    return df


def make_border_moves(rng: np.random.Generator, geo: Geo, talents: pd.DataFrame,
                      abroad: pd.DataFrame, moves: pd.DataFrame) -> pd.DataFrame:
    """Move rows (人才编号, 原所在地, 现所在地, 流动日期): returnees arriving from their study
    country, and talent abroad who left from their former city."""
    movers = set(moves["人才编号"])
    ret = talents[talents["good"] & (talents["是否海归"] == "是")
                  & ~talents["人才编号"].isin(movers)]
    back = ret.iloc[np.flatnonzero(rng.random(len(ret)) < ARRIVALS_SHARE)]
    origin = np.array([PLACES[c][int(rng.integers(0, len(PLACES[c])))]
                       if c in PLACES else "海外" for c in back["留学国家"]], dtype=object)
    left = abroad.iloc[np.flatnonzero(rng.random(len(abroad)) < DEPARTURES_SHARE)]
    former = unit_text(geo, left["unit_i"].to_numpy(), rng.integers(0, 3, len(left)))
    n = len(back) + len(left)
    dates = np.minimum(random_dates(rng, n, MOVE_YEAR_W),
                       np.concatenate([back["observed"].to_numpy(), left["observed"].to_numpy()])
                       .astype("datetime64[D]"))
    return pd.DataFrame({
        "人才编号": np.concatenate([back["人才编号"].to_numpy(), left["人才编号"].to_numpy()]),
        "原所在地": np.concatenate([origin, former]),
        "现所在地": np.concatenate([back["所在地"].to_numpy(), left["所在地"].to_numpy()]),
        "流动日期": iso_dates(dates)})
