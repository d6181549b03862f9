"""Test-only Streamlit app: one chart through ``views.exporting.chart`` and the 导出 page.

Run by tests/test_browser_export.py (``streamlit run tests/apps/export_demo.py``) with
TALENTMAP_DB_PATH pointing at a warehouse and an exporting role (TALENTMAP_ROLE=analyst).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # streamlit puts only this script's folder on the path

import pandas as pd  # noqa: E402
import plotly.graph_objects as go  # noqa: E402
import streamlit as st  # noqa: E402

from views import exporting  # noqa: E402

DATA = pd.DataFrame({"地区": ["青岛市", "济南市", "烟台市", "=HYPERLINK(\"x\")"],
                     "人才数量": [1435, 1086, 512, 7]})


def demo() -> None:
    st.title("导出测试")
    fig = go.Figure(go.Bar(x=DATA["人才数量"], y=DATA["地区"], orientation="h"))
    fig.update_layout(height=360, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      xaxis_title="人才数量")
    exporting.chart(fig, key="demo_chart", title="测试图表 · 山东城市人才数量", data=DATA,
                    unit="人", page="overview")


st.set_page_config(page_title="导出测试", layout="wide")
st.navigation([st.Page(demo, title="图表", url_path="demo", default=True),
               st.Page(ROOT / "views" / "export_page.py", title="导出", url_path="export")]).run()
