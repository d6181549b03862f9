"""``python -m analytics map|chain|flows|kpis``: the numbers a page shows to a role, from the same
functions and the same disclosure rules, as CSV or JSON."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from analytics import disclosure
from analytics import queries as q
from analytics.__main__ import main
from analytics.filters import Filters
from store.reader import Reader
from tests import disclosure_attacker as attack


def run(capsys, *args) -> tuple[int, str, str]:
    rc = main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


def csv_rows(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def test_map_for_a_planner_is_what_the_page_shows(capsys, demo_db):
    from views.talent_map import ranking_table

    rc, out, _ = run(capsys, "map", "--region", "370000", "--db", str(demo_db))
    assert rc == 0
    cli = csv_rows(out)
    truth = q.children_metrics(Reader(demo_db), Filters(region="370000"), "370000")
    page = ranking_table(disclosure.children(truth, 5), "talents")
    # Same regions, same order, same people counts as the page's ranking table.
    assert cli["name"].tolist() == page["地区"].tolist()
    assert cli["talents"].tolist() == page["人才数量"].tolist()
    small = dict(zip(truth["name"], truth["talents"], strict=True))
    for r in cli.itertuples():
        if 0 < small[r.name] < 5:
            assert r.talents in ("<5", "保密") and r.share == "保密" and r.density == "保密"
    # Shandong's small cities on the small demo: each '<5', none shown
    assert (cli["talents"] == "<5").sum() == sum(0 < v < 5 for v in small.values()) == 6
    # The attacker, from the CLI's output and the province's own count, pins nothing.
    total = float(truth["parent_talents"].iloc[0])
    pinned = attack.parent_minus_children(cli["talents"].tolist(), total, 5)
    true = [small[n] for n in cli["name"]]
    assert {i: v for i, v in pinned.items() if 0 < true[i] < 5 and v == true[i]} == {}


def test_admin_sees_the_counts(capsys, demo_db):
    rc, out, _ = run(capsys, "map", "--region", "370000", "--role", "admin", "--format", "json",
                     "--db", str(demo_db))
    assert rc == 0
    rows = json.loads(out)
    truth = q.children_metrics(Reader(demo_db), Filters(region="370000"), "370000")
    assert {r["name"]: r["talents"] for r in rows} == dict(zip(
        truth["name"], truth["talents"].astype(int), strict=True))
    assert rows[0]["rank"] == 1 and isinstance(rows[0]["talents"], int)


def test_map_sorted_by_the_chosen_metric(capsys, demo_db):
    rc, out, _ = run(capsys, "map", "--region", "370000", "--metric", "share", "--role",
                     "admin", "--format", "json", "--db", str(demo_db))
    shares = [r["share"] for r in json.loads(out)]
    assert rc == 0 and shares == sorted(shares, reverse=True)


def test_kpis_flows_and_chain(capsys, demo_db):
    rc, out, _ = run(capsys, "kpis", "--region", "370200", "--db", str(demo_db))
    kp = csv_rows(out)
    assert rc == 0 and kp["year"].tolist() == ["2024", "2023"]
    raw = q.kpis(Reader(demo_db), Filters(region="370200"), "370200")
    assert kp["talents"].tolist() == [str(int(raw["now"]["talents"])),
                                      str(int(raw["prev"]["talents"]))]
    # 2024: 43 arrivals, 44 departures, both shown: so is the net (淄博's is withheld below)
    assert (kp.at[0, "arrivals"], kp.at[0, "departures"], kp.at[0, "net_inflow"]) == \
        ("43", "44", "-1")
    rc, out, _ = run(capsys, "flows", "--region", "370300", "--format", "json",
                     "--db", str(demo_db))
    fl = json.loads(out)[0]
    assert rc == 0 and fl["departures"] == "<5" and fl["net"] == "保密" \
        and fl["net_per_10k"] == "保密"
    rc, out, _ = run(capsys, "chain", "--region", "370212", "--db", str(demo_db))
    chain = csv_rows(out)
    assert rc == 0 and len(chain) == 39
    small = chain[chain["talent"].isin(["<5"])]
    assert len(small) and set(small["lq_talent"]) == {"保密"}


@pytest.mark.parametrize("args, message", [
    (["map", "--region", "999999"], "未知地区代码: 999999"),
    (["map", "--metric", "nonsense"], "未知指标"),
])
def test_clear_errors(capsys, demo_db, args, message):
    rc, _, err = run(capsys, *args, "--db", str(demo_db))
    assert rc == 1 and message in err


def test_no_warehouse(capsys, tmp_path):
    rc, _, err = run(capsys, "kpis", "--db", str(tmp_path / "none.duckdb"))
    assert rc == 1 and "尚未发布数据库" in err


def test_unknown_role_is_refused(capsys, demo_db):
    with pytest.raises(SystemExit) as e:
        main(["map", "--role", "boss", "--db", str(demo_db)])
    assert e.value.code == 2


def test_lq_is_zero_with_talent_but_none_in_the_node_and_flagged_on_a_small_base(demo_db):
    # One rule with the chain page: talent in the region but none in the node → LQ 0; no
    # talent at all → unknown; fewer talents than lq_min_base (20) → lq_credible false.
    r = Reader(demo_db)
    df = q.children_metrics(r, Filters(region="370000", nodes=("T14",)), "370000")
    everyone = q.children_metrics(r, Filters(region="370000"), "370000").set_index("adcode")
    for row in df.itertuples():
        base = everyone.at[row.adcode, "talents"]
        if base == 0:
            assert pd.isna(row.lq), row.name
        elif row.talents == 0:
            assert row.lq == 0.0, row.name
        assert bool(row.lq_credible) is bool(base >= 20), row.name
    assert (df["talents"] == 0).sum() and (everyone["talents"] > 0).sum()
