"""Browser tests of the 产业链 page: the real app in Debian's Chromium, against the small demo.

A click on a 补链 box in the chain diagram selects it; its 招引清单 downloads as CSV (UTF-8 with
BOM) and XLSX. Screenshots go to tests/artifacts/ (chain-qingdao.png, chain-laoshan.png).
They fail (not skip) when CI is set and Chromium is missing (tests.test_browser does that).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import test_browser as tb

# The fixtures of tests/test_browser.py (importing it also fails the run when CI is set and
# Chromium is missing): a streamlit server on the small demo, Chromium, a checked page.
server, browser, page = tb.server, tb.browser, tb.page
ARTIFACTS = tb.ARTIFACTS

pytestmark = pytest.mark.browser

TALL = {"width": 1500, "height": 2600}  # the whole diagram in view, for clicks and screenshots
CHAIN_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).find(gd =>
    gd.data && gd.data.some(t => t.type === 'bar' && t.customdata
                             && /^[FTA]\\d\\d$/.test(String(t.customdata[0]))))"""
REGIONS_HEADER = "地区代码,地区,该环节人才,企业数,链主企业,区位商,区位商权重,招引分"


def _open(pg, server_url: str, query: str, title: str) -> None:
    pg.set_viewport_size(TALL)
    pg.goto(f"{server_url}/supply_chain?{query}")
    pg.get_by_role("heading", name=re.compile(title)).wait_for(timeout=60_000)
    pg.wait_for_function(f"() => {{ const gd = ({CHAIN_JS})(); "
                         "return gd && gd._fullLayout && gd.querySelector('.bars'); }",
                         timeout=60_000)
    pg.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 4",
                         timeout=60_000)
    pg.wait_for_timeout(800)


def _shot(pg, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _nodes(pg) -> dict[str, dict]:
    """node id → status, name, selected flag and the box centre in page pixels."""
    return pg.evaluate(f"""() => {{
        const gd = ({CHAIN_JS})();
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
        const box = gd.getBoundingClientRect(), out = {{}};
        gd._fullData.filter(t => t.type === 'bar').forEach(t => t.customdata.forEach((n, i) => {{
            out[n] = {{status: t.name.slice(0, 2), name: t.text[i].match(/<b>(.*?)<\\/b>/)[1],
                      selected: t.marker.line.width[i] === 3,
                      x: box.left + xa._offset + xa.l2p(t.base[i] + t.x[i] / 2),
                      y: box.top + ya._offset + ya.l2p(t.y[i])}};
        }}));
        return out; }}""")


PICKED_JS = """() => { const box = Array.from(document.querySelectorAll(
    "[data-testid='stSelectbox']")).find(e => e.textContent.includes('选择环节'));
    return box ? box.querySelector('input').value : null; }"""


def test_click_a_missing_link_and_download_its_recruitment_list(page, server, tmp_path):
    _open(page, server, "region=370200", "产业链 · 青岛市")
    nodes = _nodes(page)
    assert len(nodes) == 39
    target_id, target = next((n, v) for n, v in nodes.items()
                             if v["status"] == "补链" and not v["selected"])
    page.mouse.click(target["x"], target["y"])  # the real click on the box
    page.wait_for_function(f"(name) => ({PICKED_JS})() === name + ' · 补链'",
                           arg=target["name"], timeout=30_000)
    page.get_by_role("heading", name=f"招引清单 · {target['name']}").wait_for(timeout=30_000)
    page.wait_for_function(f"() => {{ const gd = ({CHAIN_JS})(); return gd._fullData.some(t => "
                           f"t.type === 'bar' && t.customdata.some((n, i) => n === "
                           f"'{target_id}' && t.marker.line.width[i] === 3)); }}",
                           timeout=30_000)
    assert _nodes(page)[target_id]["selected"], "the clicked box is outlined"
    page.wait_for_timeout(1500)
    _shot(page, "chain-qingdao")

    with page.expect_download() as info:
        page.get_by_role("button", name="下载 CSV").first.click()
    csv = info.value
    assert csv.suggested_filename.endswith(".csv") and "目标地区" in csv.suggested_filename
    data = Path(csv.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for Excel"
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == REGIONS_HEADER and len(lines) > 1
    with page.expect_download() as info:
        page.get_by_role("button", name="下载 XLSX").first.click()
    assert Path(info.value.path()).read_bytes()[:2] == b"PK", "an XLSX (zip) file"


def test_a_chain_on_a_small_base_decides_nothing_by_lq(page, server):
    # 胶州市 has 15 talents on the small demo, below lq_min_base (20): its LQs (T07: about 3,
    # with a local firm) decide no status; no node is 固链. (Every node
    # there has fewer than 5 talents, so the planner sees each LQ as 保密.)
    _open(page, server, "region=370281", "产业链 · 胶州市")
    nodes = _nodes(page)
    assert nodes["T07"]["status"] == "强链"
    assert "固链" not in {v["status"] for v in nodes.values()}
    label = page.evaluate(f"""() => {{ const gd = ({CHAIN_JS})();
        for (const t of gd._fullData) if (t.type === 'bar')
            for (let i = 0; i < t.customdata.length; i++)
                if (t.customdata[i] === 'T07') return [t.text[i], t.hovertext[i]];
        return null; }}""")
    assert "LQ 保密" in label[0] and "状态: <b>强链</b> — 保密" in label[1], label
    # the heatmap of its sibling districts draws (grey cells with text where a base is small)
    page.locator(".js-plotly-plot .hm").first.wait_for(timeout=30_000)
    page.get_by_text("人才流动", exact=True).wait_for()
    page.wait_for_timeout(1500)
    _shot(page, "chain-laoshan")


# -- issue 17: the planner's 产业链 at 全国 and at a district ---------------------------------------
HEAT_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).find(gd =>
    gd.data && gd.data.some(t => t.type === 'heatmap'))"""


def test_the_national_heatmap_is_legible_and_the_flow_map_shows_all_china(page, server):
    page.set_viewport_size(TALL)
    page.goto(f"{server}/supply_chain")
    page.get_by_role("heading", name=re.compile("产业链 · 全国")).wait_for(timeout=120_000)
    page.wait_for_function(f"() => {{ const gd = ({HEAT_JS})(); return gd && gd._fullLayout; }}",
                           timeout=120_000)
    page.get_by_text("显示地区数", exact=False).first.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    ticks = page.evaluate(f"""() => {{ const gd = ({HEAT_JS})();
        return Array.from(gd.querySelectorAll('.xtick text')).map(t => {{
            const r = t.getBoundingClientRect();
            return {{text: t.textContent, left: r.left, right: r.right, top: r.top,
                     bottom: r.bottom, angle: t.getAttribute('transform') || ''}}; }}); }}""")
    assert len(ticks) == 12, [t["text"] for t in ticks]
    assert all("rotate" not in t["angle"] for t in ticks), "labels are horizontal"
    ordered = sorted(ticks, key=lambda t: t["left"])
    assert all(a["right"] <= b["left"] for a, b in zip(ordered, ordered[1:], strict=False)), \
        "no overlap"
    assert all(len(t["text"]) <= 4 for t in ticks), "short names"
    heat = page.locator(".js-plotly-plot").filter(has=page.locator(".hm")).first
    heat.screenshot(path=str(ARTIFACTS / "chain-national-heatmap.png"))
    # the flow map: fitted to all China (喀什 in the west, 抚远 in the east inside the canvas)
    routes = page.get_by_role("heading", name="主要流动路线")
    assert routes.count() == 1, "one heading for the routes"
    routes.scroll_into_view_if_needed()
    page.wait_for_function("""() => Array.from(document.querySelectorAll('.js-plotly-plot'))
        .some(gd => gd._fullLayout && gd._fullLayout.map && gd.data.some(t => t.mode === 'lines'
              && t.name !== '海上边界线') && gd._fullLayout.map._subplot.map.loaded())""",
                           timeout=60_000)
    inside = page.evaluate("""() => { const gd = Array.from(document.querySelectorAll(
            '.js-plotly-plot')).find(g => g._fullLayout && g._fullLayout.map
            && g.data.some(t => t.mode === 'lines' && t.name !== '海上边界线'));
        const m = gd._fullLayout.map._subplot.map, c = m.getCanvas();
        return [[75.99, 39.47], [134.3, 48.4], [87.6, 48.7]].map(([lon, lat]) => {
            const p = m.project([lon, lat]);
            return p.x >= 0 && p.x <= c.clientWidth && p.y >= 0 && p.y <= c.clientHeight; }); }""")
    assert inside == [True, True, True]
    _shot(page, "chain-national")


def test_a_drill_into_a_district_keeps_a_comparison_chosen(page, server):
    _open(page, server, "region=370200", "产业链 · 青岛市")
    sidebar = page.locator("section[data-testid='stSidebar']")
    sidebar.get_by_text("下钻到").locator("xpath=following::input[1]").click()
    page.get_by_role("option", name="崂山区").click()
    page.get_by_role("heading", name=re.compile("产业链 · 崂山区")).wait_for(timeout=60_000)
    radio = page.locator("[data-testid='stRadio']", has_text="对比地区")
    radio.get_by_text("同级地区").wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    checked = radio.locator("input").evaluate_all("els => els.map(e => e.checked)")
    assert checked == [True, False], "同级地区 chosen, not neither"
    radio.screenshot(path=str(ARTIFACTS / "chain-laoshan-compare.png"))
