"""UI text: Chinese first, with an English switch. Keys are English; unknown keys show as is."""

from __future__ import annotations

import streamlit as st

TEXT = {
    "app_title": ("人才地图 · 人工智能产业", "AI-industry talent map"),
    "overview": ("总览", "Overview"),
    "talent_map": ("人才地图", "Talent map"),
    "data": ("数据", "Data"),
    "filters": ("筛选条件", "Filters"),
    "region": ("地区范围", "Region"),
    "drill": ("下钻到", "Drill down to"),
    "layer": ("产业链层级", "Chain layer"),
    "nodes": ("产业链环节", "Chain nodes"),
    "tier": ("人才层次", "Talent tier"),
    "education": ("学历", "Education"),
    "experience": ("工作年限", "Years of experience"),
    "returnees": ("仅海归人才", "Returnees only"),
    "year": ("年份", "Year"),
    "metric": ("指标", "Metric"),
    "all": ("全部", "All"),
    "choose": ("不限 (可多选)", "Any (choose one or more)"),
    "reset": ("重置筛选", "Reset filters"),
    "language": ("语言", "Language"),
    "talents": ("人才数量", "Talent"),
    "high_level": ("高层次人才 (A–D)", "High-level talent (A–D)"),
    "density": ("每万人人才数", "Talent per 10,000 residents"),
    "share": ("占全国比重", "Share of national total"),
    "lq": ("区位商 LQ (所选环节)", "Location quotient (selected nodes)"),
    "growth": ("同比增长", "Year-on-year growth"),
    "net_inflow": ("人才净流入", "Net inflow"),
    "enterprises": ("企业数量", "Enterprises"),
    "postings": ("招聘岗位", "Open postings"),
    "sd_ratio": ("供需比", "Supply/demand ratio"),
    "rank": ("同级排名", "Rank"),
    "name": ("地区", "Region"),
    "population": ("常住人口", "Population"),
    "freshness": ("数据更新", "Data as of"),
    "sources": ("来源", "Sources"),
    "unknown": ("未知", "unknown"),
    "peers": ("与对标城市比较", "Compared with peer cities"),
    "by_layer": ("人才按产业链层级", "Talent by chain layer"),
    "ranking": ("地区排名", "Ranking"),
    "enterprise_layer": ("显示企业图层", "Show enterprise layer"),
    "lq_needs_nodes": ("区位商需要先在左侧选择产业链环节或层级。",
                       "Pick chain nodes or a layer on the left to compute the location quotient."),
    "no_data": ("当前筛选条件下没有数据。", "No data for these filters."),
    "batches": ("加载批次", "Load batches"),
    "row_counts": ("表行数", "Row counts"),
    "quarantine": ("隔离记录", "Quarantined rows"),
    "dictionary": ("数据字典", "Data dictionary"),
    "definitions": ("指标定义", "Metric definitions"),
    "building_demo": ("首次运行: 正在生成并加载演示数据 …", "First run: building the demo data …"),
}

UNITS = {
    "talents": ("人", "people"), "high_level": ("人", "people"),
    "density": ("人/万人", "per 10k residents"), "share": ("%", "%"), "lq": ("", ""),
    "growth": ("%", "%"), "net_inflow": ("人", "people"),
}


def t(key: str) -> str:
    """The text for ``key`` in the session's language."""
    pair = TEXT.get(key)
    if pair is None:
        return key
    return pair[1] if st.session_state.get("lang") == "en" else pair[0]


def unit(metric: str) -> str:
    pair = UNITS.get(metric, ("", ""))
    return pair[1] if st.session_state.get("lang") == "en" else pair[0]
