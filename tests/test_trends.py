"""analytics/trends.py on the tiny fixture warehouse, values worked out by hand from
tests/fixtures.py, and the trend figure under the small-count rules.

青岛市 (370200) in the fixture: R0007 (市南区, 2021, tier E, node T05, a returnee back from
英国: an arrival in 2021), R0001 (崂山区, 2023, tier D, node T14) and R0004 (黄岛区, 2024, no
tier, node A01); one posting (J1, 崂山区, 2024, T14); moves: 英国 → 青岛市 (2021, T05) and
北京市 → 青岛市 (2023, T14). Talent years in the warehouse: 2021–2024.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analytics import disclosure, queries, trends
from analytics.filters import Filters
from figures import trends as trend_figs
from store.reader import Reader

QINGDAO = "370200"


@pytest.fixture(scope="module")
def reader(loaded_db):
    return Reader(loaded_db)


def rows(df: pd.DataFrame) -> dict[int, dict]:
    return {int(r["year"]): {k: v for k, v in r.items() if k != "year"}
            for r in df.to_dict("records")}


def test_every_year_of_qingdao_by_hand(reader):
    got = rows(trends.trends(reader, Filters(), QINGDAO))
    assert list(got) == [2021, 2022, 2023, 2024]
    expected = {  # talents, high_level, active, postings, arrivals, departures, net_inflow
        2021: (1, 0, 1, 0, 1, 0, 1),
        2022: (1, 0, 0, 0, 0, 0, 0),
        2023: (2, 1, 1, 0, 1, 0, 1),
        2024: (3, 1, 1, 1, 0, 0, 0),
    }
    for year, values in expected.items():
        r = got[year]
        assert (r["talents"], r["high_level"], r["active"], r["postings"], r["arrivals"],
                r["departures"], r["net_inflow"]) == values, year
    # supply/demand: the year's active talent ÷ its postings; unknown without postings
    assert [math.isnan(got[y]["sd_ratio"]) for y in (2021, 2022, 2023)] == [True] * 3
    assert got[2024]["sd_ratio"] == 1.0  # R0004 active in 2024 ÷ J1


def test_each_year_is_that_years_kpi_card(reader):
    df = rows(trends.trends(reader, Filters(), QINGDAO))
    for year in df:
        now = queries.kpis(reader, Filters(year=year), QINGDAO)["now"]
        for col in ("talents", "high_level", "postings", "arrivals", "departures", "net_inflow"):
            assert df[year][col] == now[col], (year, col)


def test_nodes_and_talent_filters(reader):
    vr = rows(trends.trends(reader, Filters(nodes=("T14",)), QINGDAO))
    assert [vr[y]["talents"] for y in vr] == [0, 0, 1, 1]
    # the node's moves only: the 2021 return from 英国 was in T05
    assert [vr[y]["arrivals"] for y in vr] == [0, 0, 1, 0] and vr[2024]["postings"] == 1
    returnees = rows(trends.trends(reader, Filters(returnees_only=True), QINGDAO))
    assert [returnees[y]["talents"] for y in returnees] == [1, 1, 1, 1]  # R0007 only
    assert trends.trends(reader, Filters(), "999999")["talents"].tolist() == [0, 0, 0, 0]


def test_a_small_count_is_withheld_in_its_year_only(reader):
    ctl = trends.controlled(trends.trends(reader, Filters(), QINGDAO), k=2)
    v = ctl.values.set_index("year")
    # talent 1 in 2021 and 2022 (< 2): withheld; 2 and 3 in 2023 and 2024: shown
    assert ctl.label("talents").tolist() == ["<2", "<2", None, None]
    assert v["talents"].isna().tolist() == [True, True, False, False]
    assert v.loc[2023, "talents"] == 2 and v.loc[2024, "talents"] == 3
    # high-level 1 in 2023/2024 withheld; a zero part of a withheld whole stays 0
    assert ctl.label("high_level").tolist() == [None, None, "<2", "<2"]
    assert v.loc[2021, "high_level"] == 0
    # the net inflow of 2021 and 2023 is the one arrival: withheld with it ('保密')
    assert ctl.label("arrivals").tolist() == ["<2", None, "<2", None]
    hidden = disclosure.HIDDEN_LABEL
    assert ctl.label("net_inflow").tolist() == [hidden, None, hidden, None]
    assert math.isnan(v.loc[2023, "net_inflow"]) and v.loc[2022, "net_inflow"] == 0
    # supply/demand of 2024: the one active talent ÷ 1 posting, withheld with that talent
    assert ctl.label("active").tolist() == ["<2", None, "<2", "<2"]
    assert ctl.label("sd_ratio").tolist()[3] == hidden and math.isnan(v.loc[2024, "sd_ratio"])
    assert trends.controlled(trends.trends(reader, Filters(), QINGDAO), None).why == {}


def test_the_spec_covers_every_count_of_the_trend():
    spec = disclosure.TRENDS
    assert set(spec.counts) == {"talents", "high_level", "active", "arrivals", "departures"}
    assert spec.derived["net_inflow"] == ("arrivals", "departures")
    assert "talents" in spec.derived["sd_ratio"] and "active" in spec.derived["sd_ratio"]


def test_the_figure_draws_no_number_for_a_withheld_year(reader):
    ctl = trends.controlled(trends.trends(reader, Filters(), QINGDAO), k=2)
    fig = trend_figs.trend_figure(ctl)
    lines = {t.name: t for t in fig.data}
    talent = lines["人才数量"]
    assert list(talent.x) == [2021, 2022, 2023, 2024]
    assert [None if math.isnan(y) else y for y in talent.y] == [None, None, 2, 3]
    assert talent.connectgaps is False  # a gap, not a line across the withheld years
    assert list(talent.text) == ["<2", "<2", "2", "3"]
    notes = [(a.x, a.text, a.xref) for a in fig.layout.annotations if a.text in ("<2", "保密")]
    assert (2021, "<2", "x") in notes and (2023, "保密", "x4") in notes
    # the download is the figures as shown
    table = trend_figs.trend_table(ctl)
    assert table["人才数量 (人)"].tolist() == ["<2", "<2", "2", "3"]
    assert table["人才净流入 (人)"].tolist() == ["保密", "+0", "保密", "+0"]
