"""disclosure.control runs its rules on lists (issue 18: pandas per cell was most of a map's
rerun). It must withhold exactly what the pandas version withheld: that version is frozen here
and both are run on generated tables (counts with zeros, NaN, small and large values; parts of
wholes; totals; derived figures, numeric and text)."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import disclosure as d


# -- the pandas version, as it was (frozen reference) --------------------------------------------
def _secondary_old(cells: pd.Series, why: pd.Series, total: float, k: int) -> pd.Series:
    why = why.copy()
    while d.pinned(cells.tolist(), why.tolist(), total, k):
        visible = [(float(v), i) for i, (v, w) in enumerate(zip(cells, why, strict=True))
                   if w is None and not pd.isna(v) and v > 0]
        if not visible:
            why = pd.Series(d.PROTECTING, index=why.index, dtype=object)
            break
        _, pos = min(visible)
        why.iloc[pos] = d.PROTECTING
    return why


def control_old(df, k, *, counts, derived=None, totals=None, within=None):
    values = df.copy()
    if not k:
        return d.Controlled(values=values, why={}, k=None)
    why = {}
    for col in counts:
        why[col] = pd.Series([d.SMALL if d.is_small(v, k) else None for v in df[col]],
                             index=df.index, dtype=object)
    within, totals = within or {}, totals or {}
    for col in counts:
        if col in within:
            w, v = why[col], df[col].fillna(0)
            why[col] = w.where(w.notna() | why[within[col]].isna() | (v == 0),
                               other=d.PROTECTING)
        total = totals.get(col)
        if total is not None and not pd.isna(total) and not d.is_small(total, k):
            why[col] = _secondary_old(df[col], why[col], float(total), k)
    for col, sources in (derived or {}).items():
        if col not in df.columns:
            continue
        reason = pd.Series(None, index=df.index, dtype=object)
        for src in sources:
            if src in why:
                reason = reason.where(reason.notna() | why[src].isna(), other=src)
        why[col] = reason
    for col, w in why.items():
        if pd.api.types.is_numeric_dtype(values[col]):
            values[col] = values[col].astype(float).where(w.isna())
        else:
            values[col] = values[col].astype(object).where(w.isna(), None)
    return d.Controlled(values=values, why=why, k=k)


# -- generated tables ----------------------------------------------------------------------------
count = st.one_of(st.integers(0, 12), st.integers(13, 400), st.just(None))


@st.composite
def tables(draw):
    n = draw(st.integers(1, 9))
    whole = draw(st.lists(count, min_size=n, max_size=n))
    part = [None if w is None else draw(st.integers(0, w)) for w in whole]
    prev = draw(st.lists(count, min_size=n, max_size=n))
    df = pd.DataFrame({
        "adcode": [f"{370201 + i}" for i in range(n)],
        "talents": pd.array(whole, dtype="Int64") if draw(st.booleans())
        else pd.Series(whole, dtype=float),
        "high_level": pd.Series(part, dtype=float),
        "talents_prev": pd.Series(prev, dtype=float),
        "share": [draw(st.floats(0, 1)) for _ in range(n)],
        "reason": [f"LQ {i}" for i in range(n)],
    })
    if draw(st.booleans()):  # integer counts with no NaN: the dtype changes to float
        df["talents"] = [draw(st.integers(0, 40)) for _ in range(n)]
    total = draw(st.one_of(st.none(), st.just(float(df["talents"].fillna(0).sum())),
                           st.integers(0, 500).map(float)))
    return df, draw(st.sampled_from([None, 0, 3, 5, 10])), total


def _same(a: d.Controlled, b: d.Controlled) -> None:
    pd.testing.assert_frame_equal(a.values, b.values)
    assert a.why.keys() == b.why.keys() and a.k == b.k
    for col in a.why:  # a kept cell: None (lists) or NaN (pandas' where), the same to readers
        assert [None if pd.isna(x) else x for x in a.why[col]] == \
            [None if pd.isna(x) else x for x in b.why[col]], col
        assert (a.why[col].index == b.why[col].index).all() and a.why[col].dtype == object


@settings(max_examples=400, deadline=None)
@given(tables())
def test_the_list_rules_withhold_exactly_what_the_pandas_rules_did(case):
    df, k, total = case
    kwargs = {"counts": ["talents", "high_level", "talents_prev"],
              "within": {"high_level": "talents"},
              "totals": {"talents": total, "high_level": None if total is None else total / 3},
              "derived": {"share": ("talents",), "reason": ("talents", "talents_prev"),
                          "gone": ("talents",)}}
    _same(d.control(df, k, **kwargs), control_old(df, k, **kwargs))


def test_the_map_children_under_the_rules_are_unchanged():
    """The talent map's own call (children: totals from the parent, ranks) on a hand-made
    province with small cells, a part of a small whole and a pinned pair."""
    df = pd.DataFrame({"adcode": ["1", "2", "3", "4"], "talents": [3, 40, 2, 0],
                       "high_level": [1, 12, 0, 0], "talents_prev": [2, 30, 0, 1],
                       "share": [.1, .8, .05, 0], "parent_talents": [45] * 4,
                       "parent_high_level": [13] * 4, "parent_talents_prev": [33] * 4})
    got = d.children(df, 5)
    want_values = control_old(
        df.drop(columns=list(d.CHILD_TOTALS.values())), 5, counts=list(d.CHILD_COUNTS[:3]),
        within=d.CHILD_WITHIN, totals={"talents": 45, "high_level": 13, "talents_prev": 33},
        derived=d.CHILD_DERIVED)
    assert got.why["talents"].loc[[0, 2]].tolist() == [d.SMALL, d.SMALL]
    assert got.why["high_level"].loc[1] == d.PROTECTING  # protects the small 1 of 13
    for col, w in want_values.why.items():
        assert [None if pd.isna(x) else x for x in got.why[col].sort_index()] == \
            [None if pd.isna(x) else x for x in w], col
