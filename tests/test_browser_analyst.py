"""The analyst's journey in Chromium, on the small demo as an analyst (aggregates, exports): the
chain diagram of 青岛市 downloaded as PNG from its 导出 popover carries a title band; the
招引清单 of a 补链 node downloaded as XLSX has its figures as number cells (withheld ones as the
labels '<5' / '保密'); the 区域人才简报 of 青岛市 built on the 导出 page downloads as a PDF and an
HTML that names the region. Files and screenshots in tests/artifacts/. Fails, not skips, when CI
is set and Chromium is missing."""

from __future__ import annotations

import io
import re
import zipfile

import numpy as np
import pytest
from openpyxl import load_workbook
from PIL import Image

from tests.test_browser import ARTIFACTS, browser, idle, page, server  # noqa: F401
from tests.test_browser_chain import CHAIN_JS, PICKED_JS, _nodes, _open

pytestmark = pytest.mark.browser
NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?%?$")


def _ink_rows(png: bytes) -> np.ndarray:
    """Rows of the image with dark pixels (text, lines), as a boolean per row."""
    img = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    return (img < 128).sum(axis=1) > 3


def test_chain_diagram_png_has_a_title_band(page, server):  # noqa: F811
    _open(page, server, "region=370200", "产业链 · 青岛市")
    popover = page.get_by_role("button", name="导出").first
    popover.click()
    page.get_by_text("PNG", exact=True).first.click()
    button = page.get_by_role("button", name="下载 PNG")
    button.wait_for(timeout=30_000)
    idle(page)
    with page.expect_download(timeout=120_000) as info:
        button.click()
    data = info.value.path().read_bytes()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "analyst-chain.png").write_bytes(data)
    assert info.value.suggested_filename.endswith(".png")
    assert "产业链" in info.value.suggested_filename
    assert data.startswith(b"\x89PNG")
    ink = _ink_rows(data)
    top = ink[: max(1, len(ink) * 8 // 100)]
    assert top.any(), "the top of the image (title and filter line) is blank"


def test_recruitment_list_xlsx_has_number_cells(page, server, tmp_path):  # noqa: F811
    _open(page, server, "region=370200", "产业链 · 青岛市")
    nodes = _nodes(page)
    target_id, target = next((n, v) for n, v in nodes.items() if v["status"] == "补链")
    page.mouse.click(target["x"], target["y"])
    page.wait_for_function(f"(name) => ({PICKED_JS})() === name + ' · 补链'",
                           arg=target["name"], timeout=30_000)
    page.get_by_role("heading", name=f"招引清单 · {target['name']}").wait_for(timeout=30_000)
    page.wait_for_function(f"() => {{ const gd = ({CHAIN_JS})(); return gd._fullData.some(t => "
                           f"t.type === 'bar' && t.customdata.some((n, i) => n === "
                           f"'{target_id}' && t.marker.line.width[i] === 3)); }}",
                           timeout=30_000)
    idle(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="下载 XLSX").first.click()
    data = info.value.path().read_bytes()
    (ARTIFACTS / "analyst-recruitment-list.xlsx").write_bytes(data)
    ws = load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and "该环节人才" in r)
    col = rows[header].index("该环节人才")
    cells = [r[col] for r in rows[header + 1:] if r and r[col] is not None]
    assert cells, "the list has rows"
    assert any(isinstance(v, int | float) for v in cells), cells
    for v in cells:  # a figure is a number cell; only the withheld labels are text
        assert isinstance(v, int | float) or v in ("<5", "保密"), v
        assert not (isinstance(v, str) and NUMBER.match(v)), f"a number stored as text: {v!r}"


def test_region_brief_downloads_as_pdf_and_html(page, server):  # noqa: F811
    page.set_viewport_size({"width": 1500, "height": 1600})
    page.goto(f"{server}/export?region=370200")
    page.get_by_role("heading", name="区域人才简报").wait_for(timeout=60_000)
    idle(page)
    page.get_by_role("button", name="生成简报").click()
    page.get_by_text(re.compile("已生成: 区域人才简报 · 青岛市")).wait_for(timeout=240_000)
    idle(page)
    page.screenshot(path=str(ARTIFACTS / "analyst-brief.png"), full_page=True)
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="下载 PDF").click()
    pdf = info.value.path().read_bytes()
    (ARTIFACTS / "analyst-brief.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF") and len(pdf) > 50_000
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="下载 HTML").click()
    html = info.value.path().read_text(encoding="utf-8")
    assert "青岛市" in html and "区域人才简报" in html
    assert not zipfile.is_zipfile(io.BytesIO(pdf))
