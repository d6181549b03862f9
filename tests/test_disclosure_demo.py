"""Disclosure control on the demo warehouse: children_metrics of random parents under random
filters and k, attacked by tests/disclosure_attacker.py (apart from tests/test_disclosure.py so
that its fast unit tests can serve bench/mutate.py)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import disclosure as d
from analytics.filters import COUNTRY, Filters
from store.reader import Reader
from tests import disclosure_attacker as attack


@pytest.fixture(scope="module")
def demo_reader(demo_db):
    return Reader(demo_db)


@pytest.fixture(scope="module")
def parents(demo_reader):
    kids = demo_reader.df("""SELECT parent_adcode AS p, count(*) AS n FROM region
                             WHERE parent_adcode IS NOT NULL GROUP BY 1 HAVING n > 1""")
    return sorted(kids["p"].tolist())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_children_on_random_filters_give_nothing_away(demo_reader, parents, data):
    from analytics import queries as q

    k = data.draw(st.sampled_from([5, 10, 20]))
    tiers = data.draw(st.lists(st.sampled_from("ABCDE"), max_size=2, unique=True))
    nodes = data.draw(st.lists(st.sampled_from(["T01", "T05", "T14", "A03", "B02"]),
                               max_size=2, unique=True))
    parent = data.draw(st.sampled_from([COUNTRY, "370000", "370200", *parents[:30]]))
    f = Filters(region=parent, tiers=tuple(tiers), nodes=tuple(nodes))
    raw = q.children_metrics(demo_reader, f, parent)
    ctl = d.children(raw, k)
    talents = raw["talents"].tolist()
    shown_t = ctl.text("talents", d.fmt_count).reindex(raw.index).tolist()
    total = float(raw["parent_talents"].iloc[0]) if len(raw) else 0
    if total >= k:
        pinned = attack.parent_minus_children(shown_t, total, k)
        assert {i: v for i, v in pinned.items() if 0 < talents[i] < k and v == talents[i]} == {}
    national = q.children_metrics(demo_reader, f, COUNTRY)["parent_talents"].iloc[0]
    share = ctl.text("share", lambda v: f"{v:.4%}").reindex(raw.index).tolist()
    for c, s, true in zip(shown_t, share, talents, strict=True):
        got = attack.from_derived(c, s, national)
        assert got is None or not (0 < true < k), (c, s)
    # Withheld rows carry no rank and follow the visible ones in code order.
    hidden = ctl.withheld("talents")
    assert ctl.values.loc[hidden, "rank"].isna().all()
    assert ctl.values.loc[hidden, "adcode"].tolist() == sorted(ctl.values.loc[hidden, "adcode"])
    assert "parent_talents" not in ctl.values.columns


