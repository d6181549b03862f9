"""产业链 page (views/supply_chain.py with views/chain_node.py and views/chain_flows.py) in
Streamlit's AppTest, on the small demo (seed 42) built through the ETL; its 招引清单 files and
tables (analytics/chain_tables.py). The figures themselves: tests/test_figures.py."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analytics import chain_tables as ct
from analytics import disclosure, gaps
from analytics import queries as q
from analytics.filters import Thresholds
from store.reader import Reader
from tests import fixtures
from tests.test_roles import values
from views import chain_node, state
from views import supply_chain as sc

PAGE = "views/supply_chain.py"


@pytest.fixture
def app(demo_db, monkeypatch):
    monkeypatch.setenv("TALENTMAP_DB_PATH", str(demo_db))
    monkeypatch.setenv("TALENTMAP_ROLE", "analyst")  # may export the 招引清单
    monkeypatch.setenv("TALENTMAP_GEOJSON_MODE", "inline")
    # The small demo's districts have a dozen talents: below lq_min_base their LQ decides
    # nothing (tested on its own below); these tests pin the status rules themselves.
    monkeypatch.setenv("TALENTMAP_LQ_MIN_BASE", "0")
    st.cache_data.clear()
    st.cache_resource.clear()

    def make(query: dict | None = None) -> AppTest:
        return fixtures.open_app(PAGE, query, timeout=120)
    return make


@pytest.fixture(scope="module")
def reader(demo_db):
    r = Reader(demo_db)
    yield r
    r.close()


def chain_spec(at) -> dict:
    """The chain diagram: the plotly chart whose bars carry node ids."""
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        bars = [tr for tr in spec["data"] if tr["type"] == "bar" and tr.get("customdata")]
        if bars and all(str(c)[:1] in "FTA" for tr in bars for c in tr["customdata"]):
            return spec
    raise AssertionError("no chain figure")


def node_colors(at) -> dict[str, str]:
    """node id → box colour in the chain diagram (one bar trace per status)."""
    out = {}
    for tr in chain_spec(at)["data"]:
        if tr["type"] == "bar":
            out |= {node: tr["marker"]["color"] for node in tr["customdata"]}
    return out


def expected_colors(reader, region: str, th: Thresholds, bench: str = "100000") -> dict:
    df = gaps.chain_status(reader, region, q.years(reader)[-1], th, bench)
    return {n: gaps.STATUS_COLORS[s] for n, s in zip(df["node_id"], df["status"], strict=True)}


def by_label(widgets, label: str):
    return next(w for w in widgets if w.label == label)


@pytest.mark.parametrize(("query", "title"), [
    ({}, "产业链 · 全国"), ({"region": "370200"}, "产业链 · 青岛市"),
    ({"region": "370212"}, "产业链 · 崂山区")])
def test_page_renders(app, query, title):
    at = app(query)
    assert at.title[0].value == title
    assert any("数据更新" in c.value for c in at.caption), "freshness line"
    assert any("补链: LQ < 0.5 或无本地企业" in c.value for c in at.caption), "thresholds shown"
    assert len(node_colors(at)) == 39
    assert {m.label for m in at.metric} >= {"固链 环节", "强链 环节", "补链 环节", "延链 环节"}


@pytest.mark.parametrize("region", ["370200", "370212", "100000"])
def test_node_colours_follow_the_statuses(app, reader, region):
    at = app({"region": region})
    assert node_colors(at) == expected_colors(reader, region, state.thresholds())
    counts = {m.label: m.value for m in at.metric}
    df = gaps.chain_status(reader, region, q.years(reader)[-1], state.thresholds())
    assert counts["补链 环节"] == f"{(df['status'] == '补链').sum()} 个"


def test_laoshan_vr_is_a_stronghold(app, reader):
    at = app({"region": "370212"})
    assert node_colors(at)["T14"] == gaps.STATUS_COLORS["固链"]
    bars = [tr for tr in chain_spec(at)["data"] if tr["type"] == "bar"]
    stronghold = next(tr for tr in bars if tr["name"].startswith("固链"))
    assert "T14" in stronghold["customdata"]


def test_on_a_small_base_no_node_is_a_stronghold(app, reader, monkeypatch):
    # 崂山区 has 99 talents on the small demo; with lq_min_base 100 its base is small, so T14
    # (LQ far above 1.2, two chain leaders: 固链 on a credible base) is not called 固链.
    assert gaps.chain_status(reader, "370212", 2024, Thresholds(lq_min_base=0)).set_index(
        "node_id").at["T14", "status"] == "固链"
    monkeypatch.setenv("TALENTMAP_LQ_MIN_BASE", "100")
    at = app({"region": "370212"})
    colors = node_colors(at)
    assert gaps.STATUS_COLORS["固链"] not in colors.values() and len(colors) == 39
    bars = [tr for tr in chain_spec(at)["data"] if tr["type"] == "bar"]
    hover = " ".join(str(h) for tr in bars for h in tr.get("hovertext", []))
    assert "人才基数 99 &lt; 100" in hover or "人才基数 99 < 100" in hover


def test_raising_the_stronghold_threshold_removes_every_stronghold(app, reader):
    at = app({"region": "370200"})
    before = node_colors(at)
    assert gaps.STATUS_COLORS["固链"] in before.values()
    by_label(at.number_input, "固链: LQ 不低于").set_value(99.0).run()
    assert node_colors(at) == before, "a value typed is not in force before 应用阈值"
    by_label(at.button, "应用阈值").click().run()
    assert not at.exception
    after = node_colors(at)
    assert gaps.STATUS_COLORS["固链"] not in after.values()
    assert after != before
    th = Thresholds(lq_stronghold=99.0, lq_min_base=0)
    assert after == expected_colors(reader, "370200", th)
    assert any("固链: LQ ≥ 99 且有链主企业" in c.value for c in at.caption)
    # A stricter missing-link threshold turns more nodes red.
    by_label(at.number_input, "补链: LQ 低于").set_value(2.0)
    by_label(at.button, "应用阈值").click().run()
    red = sum(c == gaps.STATUS_COLORS["补链"] for c in node_colors(at).values())
    assert red > sum(c == gaps.STATUS_COLORS["补链"] for c in after.values())
    by_label(at.button, "恢复默认阈值").click().run()
    assert node_colors(at) == before


def test_benchmark_changes_the_quotients(app, reader):
    at = app({"region": "370200"})
    bench = by_label(at.selectbox, "对标基准")
    assert bench.value == "100000"
    bench.set_value("110100").run()
    assert any("对标基准: 北京市" in c.value for c in at.caption)
    assert node_colors(at) == expected_colors(reader, "370200", state.thresholds(), "110100")


def test_node_detail_and_recruitment_downloads(app, reader):
    at = app({"region": "370200"})
    picker = by_label(at.selectbox, "选择环节 (默认: 差距最大的环节)")
    df = gaps.chain_status(reader, "370200", q.years(reader)[-1], state.thresholds())
    # the largest gap the analyst may see: a gap score withheld with its small count ranks last
    shown = disclosure.nodes_shown(df, 5)
    assert picker.value == sc.top_gap_node(shown) != sc.top_gap_node(df), "default: largest gap"
    picker.set_value("T14").run()
    assert any(s.value == "招引清单 · 虚拟现实/增强现实" for s in at.subheader)
    labels = [b.label for b in at.get("download_button") if b.label != "下载 PNG"]
    assert labels == ["下载 CSV", "下载 XLSX"] * 3  # the charts' 导出 popovers default to PNG
    tabs = [tab.label for tab in at.tabs]
    assert tabs[:3] == ["目标地区", "目标企业", "人才池"]
    # The selected box is outlined in the diagram.
    bars = [tr for tr in chain_spec(at)["data"] if tr["type"] == "bar"]
    widths = {n: w for tr in bars for n, w in zip(tr["customdata"], tr["marker"]["line"]["width"],
                                                   strict=True)}
    assert widths["T14"] == 3 and sorted(widths.values())[-2] == 1


def test_heatmap_regions_and_metric(app):
    at = app({"region": "370200"})
    heat = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                if json.loads(c.proto.spec)["data"][0]["type"] == "heatmap")
    assert "崂山区" in heat["data"][0]["x"] and len(heat["data"][0]["x"]) == 10
    assert len(heat["data"][0]["y"]) == 39
    by_label(at.radio, "对比地区").set_value("peers").run()
    by_label(at.selectbox, "指标").set_value("gap_score").run()
    heat = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                if json.loads(c.proto.spec)["data"][0]["type"] == "heatmap")
    assert heat["data"][0]["x"][0] == "青岛市" and "北京市" in heat["data"][0]["x"]
    assert heat["data"][-1]["colorbar"]["title"]["text"] == "差距分"


def test_flows_section(app):
    at = app({"region": "370200"})
    labels = {m.label for m in at.metric}
    assert {"流入人才", "流出人才", "人才净流入", "每万人净流入"} <= labels
    maps = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    routes = next(s for s in maps if any(tr["type"] == "choroplethmap" for tr in s["data"]))
    assert routes["layout"]["map"]["style"] == "white-bg"
    assert any(tr["type"] == "scattermap" and tr.get("name") == "流入" for tr in routes["data"])
    at = app({"region": "370212"})
    assert any("流动记录只到市级" in c.value for c in at.caption)


# -- 招引清单 files (exports.tables writers) -------------------------------------------------
def test_list_files_neutralise_formulas():
    df = pd.DataFrame({"name": ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "正常", "\tx"],
                       "n": [1, -2, 3, 4, 5, 6]})
    lines = chain_node.list_csv(df).decode("utf-8-sig").splitlines()
    assert lines[1:] == ["\"'=HYPERLINK(\"\"x\"\")\",1", "'+1,-2", "'-2,3", "'@SUM(A1),4", "正常,5",
                         "'\tx,6"], "numbers stay numbers"
    assert df["name"].iloc[0].startswith("="), "the input is not changed"


def test_csv_has_a_bom_and_xlsx_reads_back():
    df = pd.DataFrame({"地区": ["北京市", "=cmd"], "人才数": ["<5", "12"]})
    data = chain_node.list_csv(df)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines() == ["地区,人才数", "北京市,<5", "'=cmd,12"]
    meta = {"地区": "=青岛市", "年份": 2024, "清单": "目标地区"}
    book = pd.read_excel(io.BytesIO(chain_node.list_xlsx(df, meta)), sheet_name=None,
                         header=None, engine="openpyxl")
    rows = [[v for v in row if not pd.isna(v)] for row in book["清单"].values.tolist()]
    assert rows[:3] == [["招引清单 · 目标地区"], ["地区: =青岛市"], ["年份: 2024"]]
    assert rows[3:] == [[], ["地区", "人才数"], ["北京市", "<5"], ["'=cmd", 12]]  # a number cell


def test_diagram_layout_stacks_segments_in_chain_order(reader):
    df = gaps.chain_status(reader, "370200", q.years(reader)[-1], Thresholds())
    placed, heads = gaps.chain_positions(df)
    assert [h[2] for h in heads if h[0] == 0] == ["算力硬件", "算力基础设施", "数据服务"]
    f01 = placed.set_index("node_id").loc["F01"]
    assert (f01.col, f01.row) == (0, 1)
    assert placed.groupby("col")["row"].max().tolist() == [11, 17, 17]


def test_language_switch_keeps_the_page_working(app):
    at = app({"region": "370200"})
    at.sidebar.segmented_control[0].set_value("English").run()
    assert not at.exception
    assert at.title[0].value == "Supply chain · 青岛市"
    assert len(node_colors(at)) == 39


def test_people_counts_are_suppressed_and_k_none_shows_them():
    pools = pd.DataFrame({"adcode": ["110100"], "name": ["北京市"], "talent": [12],
                          "high_level": [3], "returnees": [0], "willing_to_relocate": [4],
                          "expecting_here": [1]})
    assert ct.pools_table(pools, 5).iloc[0].tolist()[2:] == ["12", "<5", "0", "<5", "<5"]
    assert ct.pools_table(pools, None).iloc[0].tolist()[2:] == ["12", "3", "0", "4", "1"]
    moves = pd.DataFrame({"name": ["北京市", "上海市"], "moves": [30, 3], "share": [0.9, 0.1]})
    table = ct.counterpart_table(moves, 5)
    assert table["人数"].tolist() == ["30", "<5"] and table["占比"].tolist() == ["90.0%", "保密"]
    routes = pd.DataFrame({"from_name": ["北京市"], "to_name": ["上海市"], "moves": [3]})
    assert ct.routes_table(routes, 5)["人数"].tolist() == ["<5"]
    area = pd.DataFrame({"name": ["甲区", "乙区", "丙区"], "talent": [2, 30, 9],
                         "enterprises": [1, 2, 0], "leaders": [0, 1, 0], "postings": [1, 4, 0]})
    assert ct.area_table(area, 5)["人才"].tolist() == ["<5", "30", "保密"]  # 41 − 30 − 9 = 2


def _sql_blocks() -> list[str]:
    text = (Path(__file__).resolve().parent.parent / "docs" / "supply-chain.md").read_text(
        encoding="utf-8")
    return [b.split("```")[0] for b in text.split("```sql\n")[1:]]


def test_the_docs_sql_reproduces_the_page(reader):
    blocks = _sql_blocks()
    assert len(blocks) >= 8
    results = [reader.df(sql) for sql in blocks]  # every block runs
    df = gaps.chain_status(reader, "370200", 2024, Thresholds()).set_index("node_id")
    facts = results[0].set_index("node_id")
    assert facts["talent"].tolist() == df["talent"].tolist()
    assert facts["postings"].tolist() == df["postings"].tolist()
    assert results[1]["lq_talent"].iloc[0] == pytest.approx(df.loc["T14", "lq_talent"])
    from analytics import flows
    area = flows.node_by_area(reader, "370200", "T14", 2024)
    assert results[2]["talent"].tolist() == area["talent"].tolist()
    s = flows.summary(reader, "370200", 2024)
    flow = next(r for r in results if "arrivals" in r.columns)
    assert (flow["arrivals"].iloc[0], flow["departures"].iloc[0]) == (s["arrivals"],
                                                                      s["departures"])
    ret = results[-1]
    assert ret.values.tolist() == flows.returnee_countries(reader, "370200", 2024).values.tolist()


def test_the_country_shows_supply_and_demand_not_lq_against_itself(app):
    at = app({})
    assert any(h.value == "全国供需最紧缺的 10 个环节" for h in at.subheader)
    assert not any(h.value == "差距最大的 10 个环节" for h in at.subheader)
    bars = [tr for tr in chain_spec(at)["data"] if tr["type"] == "bar"]
    labels = " ".join(str(x) for tr in bars for x in tr.get("text", []))
    assert "供需 " in labels and "LQ " not in labels
    spec = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                if "供需比 (当年活跃人才" in c.proto.spec)
    xs = values(spec["data"][0]["x"])
    assert len(xs) == 10 and xs == sorted(xs, reverse=True)  # drawn bottom-up: tightest on top
    at = app({"region": "370200"})
    assert any(h.value == "差距最大的 10 个环节" for h in at.subheader)


def test_heatmap_compares_children_siblings_or_peers(reader):
    kids = q.compared_regions(reader, "370200", "children", ["110100"])
    assert "370212" in kids and kids == sorted(kids)
    assert q.compared_regions(reader, "370212", "children", []) == kids, "a leaf: its siblings"
    assert q.compared_regions(reader, "370200", "peers", ["110100", "370200"]) == [
        "370200", "110100"]
    assert q.compared_regions(reader, "100000", "peers", ["110100"]) == ["110100"]



@pytest.mark.parametrize(("region", "wording"), [("370212", "同级地区"), ("370200", "下辖地区"),
                                                  ("100000", "下辖地区")])
def test_the_heatmap_offers_siblings_for_a_place_with_nothing_below_it(app, region, wording):
    at = app({"region": region})
    scope = next(r for r in at.radio if r.key.startswith("sc_heat_scope_"))
    assert scope.options[0] == wording
