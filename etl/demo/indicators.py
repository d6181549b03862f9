"""Region indicators: the census population table (population.csv)."""

from __future__ import annotations

import pandas as pd

from etl.demo.calibration import CITY_POP, PROVINCE_POP, QINGDAO_DISTRICT_POP, QINGDAO_POP_2010


def population_table() -> pd.DataFrame:
    """常住人口 (2020 census) of the provinces, peer cities, Qingdao and its districts."""
    census = ("常住人口", 2020, "人", "第七次全国人口普查")
    rows = [(name, *census[:2], pop, *census[2:]) for name, pop in PROVINCE_POP.items()]
    rows += [(name, *census[:2], pop, *census[2:]) for name, pop in CITY_POP.items()]
    rows += [(name, *census[:2], pop, *census[2:]) for name, pop in QINGDAO_DISTRICT_POP.items()]
    rows.append(("青岛市", "常住人口", 2010, QINGDAO_POP_2010, "人", "第六次全国人口普查"))
    df = pd.DataFrame(rows, columns=["地区", "指标", "年份", "数值", "单位", "来源"])
    df.attrs["defects"] = {}
    return df
