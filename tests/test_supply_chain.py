"""产业链 page (views/supply_chain.py) in Streamlit's AppTest, on the small demo (seed 42) built
through the ETL, and its export helpers."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analytics import gaps
from analytics import queries as q
from analytics.filters import Thresholds
from store.reader import Reader
from tests import fixtures
from tests.test_roles import values
from views import state
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
    # 崂山区 has 12 talents on the small demo, below the default lq_min_base of 20.
    monkeypatch.delenv("TALENTMAP_LQ_MIN_BASE")
    at = app({"region": "370212"})
    colors = node_colors(at)
    assert gaps.STATUS_COLORS["固链"] not in colors.values() and len(colors) == 39
    bars = [tr for tr in chain_spec(at)["data"] if tr["type"] == "bar"]
    hover = " ".join(str(h) for tr in bars for h in tr.get("hovertext", []))
    assert "人才基数 12 &lt; 20" in hover or "人才基数 12 < 20" in hover


def test_raising_the_stronghold_threshold_removes_every_stronghold(app, reader):
    at = app({"region": "370200"})
    before = node_colors(at)
    assert gaps.STATUS_COLORS["固链"] in before.values()
    by_label(at.number_input, "固链: LQ 不低于").set_value(99.0).run()
    assert not at.exception
    after = node_colors(at)
    assert gaps.STATUS_COLORS["固链"] not in after.values()
    assert after != before
    th = Thresholds(lq_stronghold=99.0, lq_min_base=0)
    assert after == expected_colors(reader, "370200", th)
    assert any("固链: LQ ≥ 99 且有链主企业" in c.value for c in at.caption)
    # A stricter missing-link threshold turns more nodes red.
    by_label(at.number_input, "补链: LQ 低于").set_value(2.0).run()
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
    assert picker.value == sc.top_gap_node(df), "default: the largest gap"
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


# -- export helpers ----------------------------------------------------------------------------
def test_safe_cells_neutralises_formulas():
    df = pd.DataFrame({"name": ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "正常", "\tx"],
                       "n": [1, -2, 3, 4, 5, 6]})
    out = sc.safe_cells(df)
    assert out["name"].tolist() == ["'=HYPERLINK(\"x\")", "'+1", "'-2", "'@SUM(A1)", "正常", "'\tx"]
    assert out["n"].tolist() == [1, -2, 3, 4, 5, 6], "numbers stay numbers"
    assert df["name"].iloc[0].startswith("="), "the input is not changed"


def test_csv_has_a_bom_and_xlsx_reads_back():
    df = pd.DataFrame({"地区": ["北京市", "=cmd"], "人才数": ["<5", "12"]})
    data = sc.to_csv(df)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines() == ["地区,人才数", "北京市,<5", "'=cmd,12"]
    book = pd.read_excel(io.BytesIO(sc.to_xlsx(df, {"地区": "青岛市"})), sheet_name=None,
                         engine="openpyxl")
    assert book["清单"]["地区"].tolist() == ["北京市", "'=cmd"]
    assert book["说明"].values.tolist() == [["地区", "青岛市"]]


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
    assert sc.pools_table(pools, 5).iloc[0].tolist()[2:] == ["12", "<5", "0", "<5", "<5"]
    assert sc.pools_table(pools, None).iloc[0].tolist()[2:] == ["12", "3", "0", "4", "1"]
    moves = pd.DataFrame({"name": ["北京市", "上海市"], "moves": [30, 3], "share": [0.9, 0.1]})
    table = sc.counterpart_table(moves, 5)
    assert table["人数"].tolist() == ["30", "<5"] and table["占比"].tolist() == ["90.0%", "保密"]
    ret = pd.DataFrame({"country": ["美国", "英国", "日本", "法国"], "talent": [9, 3, 2, 1]})
    bars = sc.returnee_figure(ret, 5).data[0]
    assert list(bars.y) == ["其他 (各不足 5 人)", "美国"] and list(bars.x) == [6, 9]
    assert list(sc.returnee_figure(ret, None).data[0].x) == [1, 2, 3, 9]
    assert sc.returnee_figure(ret.iloc[1:], 10) is None, "everything below k: nothing drawn"


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


def test_a_heatmap_of_uncoloured_cells_is_not_blank():
    # Every LQ on a small base (and a withheld count) is uncoloured: its cell is grey with its
    # text in the layer underneath, so the grid never renders empty.
    matrix = pd.DataFrame({
        "adcode": ["a", "a", "b", "b"], "name": ["甲区", "甲区", "乙区", "乙区"],
        "node_id": ["T01", "T02"] * 2, "name_zh": ["深度学习框架", "开发平台"] * 2,
        "sequence": [1, 2] * 2, "talent": [6, 0, 30, 9], "lq_talent": [3.0, 0.0, 1.1, 0.4],
        "lq_credible": [False, False, True, True], "sd_ratio": [None] * 4, "sd_band": ["—"] * 4,
        "gap_score": [10.0, 60.0, 5.0, 40.0], "reason": ["r"] * 4, "postings": [1, 1, 1, 1]})
    grey, valued = sc.heatmap_figure(matrix, "lq_talent", None).data
    assert grey.text.tolist() == [["(3.00)", ""], ["(0.00)", ""]]
    assert valued.text.tolist() == [["", "1.10"], ["", "0.40"]]
    assert np.isnan(valued.z[0][0]) and valued.z[0][1] == pytest.approx(1.1)
    # 甲区 has 6 + 2: the 2 is '<5' and, its total known, the 6 is withheld too (保密)
    grey, valued = sc.heatmap_figure(matrix.assign(talent=[6, 2, 30, 9]), "talent", 5).data
    assert grey.text.tolist() == [["保密", ""], ["<5", ""]]
    assert valued.text.tolist() == [["", "30"], ["", "9"]]
