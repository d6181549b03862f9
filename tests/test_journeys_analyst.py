"""Issue 17, the analyst's journey: exported images carry their title and filter line clear of
the figure's own legend and top labels; spreadsheets hold figures as numbers (text still
neutralised); the metric definitions are Chinese, for users, one text in the registry and the
docs. No browser: the figures are checked as data."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from analytics import disclosure, metrics
from exports import ExportMeta, brief, charts, tables
from figures import chain as chain_figs
from figures import heatmap as heat_figs

ROOT = Path(__file__).resolve().parent.parent
META = ExportMeta(title="产业链图谱 · 青岛市", filters_text="地区 青岛市 · 2024 年 · 对标基准 全国",
                  unit="状态")


def _chain():
    df = pd.DataFrame({
        "node_id": ["F01", "T01"], "name_zh": ["AI芯片", "框架"], "layer": ["基础层", "技术层"],
        "segment": ["算力硬件", "框架与平台"], "sequence": [1, 2], "talent": [40, 25],
        "active": [10, 5], "postings": [12, 4], "lq_talent": [1.5, 0.9],
        "lq_enterprise": [1.0, 0.5], "sd_ratio": [0.8, 1.2], "sd_band": ["紧缺", "平衡"],
        "gap_score": [10.0, 20.0], "reason": ["r1", "r2"], "status": ["固链", "强链"],
        "mean_salary": [20000.0, 15000.0], "enterprises": [3, 2], "leaders": [1, 0]})
    return disclosure.nodes_shown(df, 5)


def _notes(fig):
    return {a.name: a for a in fig.layout.annotations if a.name}


def test_the_chain_diagram_export_keeps_its_title_and_filter_line():
    fig = chain_figs.chain_figure(_chain())
    assert fig.layout.annotations, "the diagram has annotations of its own (layer heads)"
    out = charts.decorate(fig, META, width=1200)
    notes = _notes(out)
    assert "产业链图谱 · 青岛市" in notes["export_title"].text
    assert "地区 青岛市 · 2024 年 · 对标基准 全国" in notes["export_subtitle"].text
    # the layer heads are still there, after the header
    assert {"<b>基础层</b>", "<b>技术层</b>"} <= {a.text for a in out.layout.annotations}
    # the legend sits on top of the plot: the header is lifted above it
    legend_px = charts.top_decoration_px(out, 1200 - 32)
    assert legend_px > 30 and notes["export_subtitle"].yshift >= charts.GAP + legend_px
    assert out.layout.margin.t >= legend_px + 40


def _matrix():
    rows = [{"adcode": c, "name": n, "node_id": "T01", "name_zh": "深度学习框架", "sequence": 1,
             "talent": t, "lq_talent": lq, "sd_ratio": None, "sd_band": "—", "gap_score": 0.0,
             "reason": "r", "postings": 1}
            for c, n, t, lq in (("150000", "内蒙古自治区", 30, 1.2), ("370000", "山东省", 40, 0.8))]
    return pd.DataFrame(rows)


def test_the_heatmap_export_sets_its_header_above_the_region_labels():
    fig = heat_figs.heatmap_figure(_matrix(), "lq_talent", None)
    assert fig.layout.xaxis.side == "top" and fig.layout.xaxis.tickangle == 0
    out = charts.decorate(fig, ExportMeta(title="热力图", filters_text="地区 全国",
                                          unit=heat_figs.unit_text("lq_talent")), width=1200)
    labels = charts.top_decoration_px(fig, 1000)
    assert labels > 12
    assert _notes(out)["export_subtitle"].yshift >= charts.GAP + labels
    assert "单位: 比值 (无单位)" in _notes(out)["export_subtitle"].text
    assert "lq_talent" not in _notes(out)["export_subtitle"].text


def test_figures_as_text_are_numbers_in_the_spreadsheet_and_text_stays_neutralised():
    df = pd.DataFrame({"地区": ["青岛市", "=1+1", "-5"], "人才数量": ["1,214", "<5", "151"],
                       "净流入": ["+12", "-3", "保密"], "区位商": ["0.47", "(3.00)", "未知"],
                       "占全国比重": ["12.5%", "3.0%", "—"], "地区代码": ["370200", "370212", "1"],
                       "n": [1, 2, 3]})
    ws = load_workbook(io.BytesIO(tables.xlsx_bytes(df, ["标题"]))).active
    head = next(r for r in range(1, 10) if ws.cell(r, 1).value == "地区")
    cells = {ws.cell(head, j).value: [ws.cell(head + i, j) for i in (1, 2, 3)]
             for j in range(1, 8)}
    assert [c.value for c in cells["人才数量"]] == [1214, "<5", 151]
    assert cells["人才数量"][0].data_type == "n" and cells["人才数量"][0].number_format == "#,##0"
    assert [c.value for c in cells["净流入"]] == [12, -3, "保密"]
    assert cells["净流入"][0].number_format.startswith("+")
    assert [c.value for c in cells["区位商"]] == [0.47, "(3.00)", "未知"]
    assert cells["占全国比重"][0].value == pytest.approx(0.125)
    assert cells["占全国比重"][0].number_format == "0.0%"
    # a name column with a formula and a '-5' is text, neutralised; codes stay text
    assert [c.value for c in cells["地区"]] == ["青岛市", "'=1+1", "'-5"]
    assert all(c.data_type == "s" for c in cells["地区"])
    assert [c.value for c in cells["地区代码"]] == ["370200", "370212", "1"]
    assert [c.value for c in cells["n"]] == [1, 2, 3]
    # CSV is written as before (text as shown)
    assert "\"1,214\"" in tables.csv_bytes(df, []).decode("utf-8-sig")


@pytest.mark.parametrize(("text", "number"), [
    ("1,214", 1214), ("151", 151), ("0", 0), ("-3", -3), ("+12", 12), ("0.47", 0.47),
    ("12.5%", 0.125), ("1,234.50", 1234.5), ("370200", None), ("007", None), ("1.2.3", None),
    ("13800000001", None), ("=1", None), ("", None), ("1e5", None)])
def test_what_counts_as_a_number(text, number):
    got = tables._number(text)
    assert (got[0] if got else None) == (pytest.approx(number) if number is not None else None)


def _doc_rows() -> dict[str, dict]:
    """The rows of the metric table of docs/metrics.md by 列名 (the metric id)."""
    lines = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| 指标 | 定义 | 计算 |"))
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    out = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        row = dict(zip(header, (c.strip() for c in line.strip("|").split("|")), strict=True))
        out[row["列名"].strip("`")] = row
    return out


def test_every_metric_has_a_chinese_definition_for_users_in_the_registry_and_the_docs():
    rows = _doc_rows()
    for m in metrics.REGISTRY:
        row = rows[m.id]
        assert row["定义"] == m.definition, m.id  # one text: the tooltip and the docs
        assert row["计算"] and row["注意"], m.id
        assert not re.search(r"[A-Za-z]{3,}", m.definition), m.id  # no English words
        if m.counts_people:
            assert "<5" in row["注意"], m.id
        elif m.derived_from:
            assert "保密" in row["注意"], m.id


def test_the_users_part_of_the_metrics_page_has_no_sql():
    text = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    users, appendix = text.split("## 附录", 1)
    assert "SELECT" not in users and "mart_" not in users
    assert "SELECT" in appendix
    assert "<details>" not in text  # st.markdown shows raw HTML as text


def test_the_brief_lists_the_metrics_not_the_command_line_table():
    defs = dict(brief.metric_definitions())
    assert {"人才数量", "区位商 LQ", "供需比", "人才净流入", "平均月薪"} <= set(defs)
    assert not {"`map`", "map", "视图", "view"} & set(defs)
    assert defs["供需比"] == metrics.get("sd_ratio").definition


def test_the_brief_defines_the_metrics_it_shows():
    shown = dict(brief.metric_definitions(only=brief.BRIEF_METRICS))
    assert len(shown) == len(brief.BRIEF_METRICS)
    assert shown["人才区位商 LQ"] == metrics.get("lq_talent").definition
    assert "流动人次" not in shown and "流动人次" in dict(brief.metric_definitions())
