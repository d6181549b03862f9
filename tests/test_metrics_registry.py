"""The metric registry (analytics/metrics.py) is the one place metric names and units live, and it
agrees with the disclosure rules on which figures count people."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from analytics import disclosure, filters, metrics, numbers

ROOT = Path(__file__).resolve().parent.parent
# Columns of the numbers CLI's tables that are keys or text, not metrics.
NOT_METRIC_COLUMNS = {"adcode", "name", "rank", "year", "region", "node_id", "name_zh", "layer",
                      "segment", "status", "lq_credible", "reason"}
# Figures the disclosure rules withhold with a count that are text, not metrics.
NOT_METRIC_DERIVED = {"reason"}


def test_ids_are_unique_and_well_formed():
    ids = [m.id for m in metrics.REGISTRY]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    assert list(metrics.BY_ID) == ids
    for m in metrics.REGISTRY:
        assert m.id.isidentifier() and m.id == m.id.lower(), m.id
        assert m.zh.strip() and m.en.strip(), m.id
        assert m.fmt in metrics.FORMATS, m.id
        assert bool(m.unit) == bool(m.unit_en), m.id  # a unit in both languages or in neither
    zh = [m.zh for m in metrics.REGISTRY]
    assert len(zh) == len(set(zh)), "two metrics share a Chinese name"


def test_head_counts_are_people_and_whole():
    for m in metrics.REGISTRY:
        if m.counts_people:
            assert m.fmt == "count" and m.unit in ("人", "人次") and not m.derived_from, m.id
        for src in m.derived_from:
            assert metrics.get(src).counts_people, (m.id, src)


def test_get_names_unknown_ids():
    assert metrics.get("talents").zh == "人才数量"
    with pytest.raises(KeyError, match="未知指标"):
        metrics.get("bogus")


def test_filter_metrics_are_the_registrys_map_metrics():
    assert filters.METRICS == metrics.MAP
    assert all(m in metrics.BY_ID for m in filters.METRICS)
    assert len(set(filters.METRICS)) == len(filters.METRICS)


def _disclosure_figures() -> tuple[set[str], dict[str, set[str]]]:
    """Every count column the disclosure rules name (specs, children of a region, flows), and
    every figure they withhold with counts → the counts it is withheld with."""
    specs = [v for v in vars(disclosure).values() if isinstance(v, disclosure.Spec)]
    assert len(specs) >= 5  # KPIS, NODES, AREAS, SOURCES, POOLS, COUNTERPARTS …
    counts = set(disclosure.CHILD_COUNTS) | set(disclosure.CHILD_TOTALS) | \
        set(disclosure.CHILD_WITHIN) | set(disclosure.CHILD_WITHIN.values())
    derived: dict[str, set[str]] = {}
    for col, src in disclosure.CHILD_DERIVED.items():
        derived.setdefault(col, set()).update(src)
    for spec in specs:
        counts |= set(spec.counts) | set(spec.add_up) | set(spec.within) | \
            set(spec.within.values())
        for col, src in spec.derived.items():
            derived.setdefault(col, set()).update(src)
    # A region's flows: the net (and per 10k) withheld with a small side.
    why = disclosure.flows(2, 100, 5, per_10k=-0.5)["why"]
    counts |= {c for c, r in why.items() if r == disclosure.SMALL}
    for col in (c for c, r in why.items() if r != disclosure.SMALL):
        derived.setdefault(col, set()).update(("arrivals", "departures"))
    return counts, derived


def test_every_disclosed_count_is_a_head_count_metric():
    counts, derived = _disclosure_figures()
    for col in counts:
        assert col in metrics.BY_ID, f"disclosure counts {col!r}: not in analytics/metrics.py"
        assert metrics.get(col).counts_people, f"{col!r} is withheld as a head count"
    for col, sources in derived.items():
        assert sources <= counts, (col, sources - counts)  # a source that is no count hides nothing
        if col not in NOT_METRIC_DERIVED:
            assert col in metrics.BY_ID, f"disclosure derives {col!r}: not a metric"
            assert not metrics.get(col).counts_people, col


def test_every_head_count_metric_is_under_disclosure_control():
    counts, derived = _disclosure_figures()
    for m in metrics.REGISTRY:
        if m.counts_people:
            assert m.id in counts, f"{m.id} counts people but no disclosure rule withholds it"
        if m.derived_from:
            assert m.id in derived, f"{m.id} is computed from counts but never withheld with them"


def _string_constants(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
            and isinstance(n.value, str)}


@pytest.mark.parametrize("path", ["views/i18n.py", "exports/__main__.py", "analytics/numbers.py",
                                  "analytics/filters.py"])
def test_no_second_list_of_metric_names(path):
    """No module that shows metrics spells a metric's name itself (the Chinese names: English
    ones such as "Talent" or "Moves" are also ordinary words of other UI text)."""
    names = {m.zh for m in metrics.REGISTRY}
    assert not _string_constants(ROOT / path) & names


def test_ui_text_of_each_metric_is_the_registrys():
    from views import i18n

    for m in metrics.REGISTRY:
        assert i18n.UNITS[m.id] == (m.unit, m.unit_en), m.id
        if m.id in i18n.NOT_METRICS:
            continue
        assert i18n.TEXT[m.id] == (m.zh, m.en), m.id
    assert i18n.NOT_METRICS <= set(metrics.BY_ID)  # (else the exception is stale)
    assert i18n.TEXT["sc_m_lq"] == (metrics.get("lq_talent").zh, metrics.get("lq_talent").en)


def test_metrics_the_pages_show_are_registered():
    from views import overview

    for m in (*filters.METRICS, *overview.PEER_METRICS):
        assert m in metrics.BY_ID, m


def test_numbers_cli_columns_are_keys_or_metrics():
    assert numbers.MAP_COLUMNS[3:] == metrics.MAP and numbers.KPI_COLUMNS[1:] == metrics.KPIS
    for col in (*numbers.MAP_COLUMNS, *numbers.CHAIN_COLUMNS, *numbers.KPI_COLUMNS):
        assert col in NOT_METRIC_COLUMNS or col in metrics.BY_ID, col
        if col in metrics.BY_ID:  # counts as integers, nothing else
            whole = metrics.get(col).fmt in ("count", "signed")
            assert (col in numbers.COUNTS) == whole, col


def test_exports_map_offers_the_map_metrics_but_lq():
    from exports.__main__ import METRICS, _parser

    assert METRICS == tuple(m for m in metrics.MAP if m != "lq")
    choices = next(a.choices for a in _parser()._subparsers._group_actions[0].choices["map"]
                   ._actions if a.dest == "metric")
    assert tuple(choices) == METRICS


def test_exported_map_is_titled_with_the_registry_name(loaded_db, tmp_path):
    from exports.__main__ import main

    out = tmp_path / "高层次.csv"
    assert main(["map", "--region", "370200", "--metric", "high_level", "--db", str(loaded_db),
                 "--k", "0", "--out", str(out)]) == 0
    head = out.read_bytes().decode("utf-8-sig").splitlines()[:8]
    m = metrics.get("high_level")
    assert head[0] == f"# 人才地图 · 青岛市 · {m.zh}", head
    assert any(line.endswith(m.unit) and "单位" in line for line in head), head
