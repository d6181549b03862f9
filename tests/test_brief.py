"""区域人才简报: the HTML (escaped, self-contained) and the PDF printed by Chromium (A4, one
section per page, the expected text). No PDF library is installed here, so the PDF's text is
read with a small reader of Chromium's (Skia's) PDFs below: FlateDecode content streams, text
shown with hex glyph codes, and each font's ToUnicode CMap."""

from __future__ import annotations

import re
import zlib

import pytest

from analytics.filters import Thresholds
from exports import ExportUnavailable, brief
from exports.__main__ import main
from store.reader import Reader

REGION = "370212"  # 崂山区: a district whose moves are recorded only at city level


# -- a minimal reader for the PDFs Chromium writes ----------------------------------------------

def pdf_objects(data: bytes) -> dict[int, bytes]:
    return {int(m.group(1)): m.group(2)
            for m in re.finditer(rb"(\d+) 0 obj\s*(.*?)endobj", data, re.S)}


def stream(body: bytes) -> bytes | None:
    """The decoded stream of an object (its /Length bytes after the 'stream' keyword)."""
    m = re.search(rb"stream\r?\n", body)
    length = re.search(rb"/Length\s+(\d+)", body)
    if m is None or length is None:
        return None
    raw = body[m.end():m.end() + int(length.group(1))]
    return zlib.decompress(raw) if b"/FlateDecode" in body[:m.start()] else raw


def cmap(data: bytes) -> tuple[int, dict[int, str]]:
    """(code width in bytes, code → text) of a ToUnicode CMap."""
    text = data.decode("latin-1")
    lo = re.search(r"begincodespacerange\s*<([0-9A-Fa-f]+)>", text)
    width = len(lo.group(1)) // 2 if lo else 2
    out = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[int(src, 16)] = bytes.fromhex(dst).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for a, b, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>",
                                    block):
            start = int(dst, 16)
            for i, code in enumerate(range(int(a, 16), int(b, 16) + 1)):
                out[code] = chr(start + i)
    return width, out


def page_texts(data: bytes) -> list[str]:
    """The text of each page, in drawing order (runs concatenated)."""
    objs = pdf_objects(data)
    pages = [(n, b) for n, b in objs.items() if re.search(rb"/Type\s*/Page\b(?!s)", b)]
    order = re.search(rb"/Type\s*/Pages.*?/Kids\s*\[(.*?)\]", data, re.S).group(1)
    rank = {int(n): i for i, n in enumerate(re.findall(rb"(\d+) 0 R", order))}
    out = []
    for _, body in sorted(pages, key=lambda p: rank.get(p[0], 0)):
        fonts = _page_fonts(objs, body)
        contents = [int(n) for n in re.findall(rb"(\d+) 0 R", _contents(body))]
        text = "".join(_show(stream(objs[c]) or b"", fonts) for c in contents)
        out.append(text)
    return out


def _contents(body: bytes) -> bytes:
    m = re.search(rb"/Contents\s*(\[.*?\]|\d+ 0 R)", body, re.S)
    return m.group(1) if m else b""


def _page_fonts(objs: dict, body: bytes) -> dict[str, tuple[int, dict]]:
    fonts = {}
    m = re.search(rb"/Font\s*<<(.*?)>>", body, re.S)
    for name, ref in re.findall(rb"/(\w+)\s+(\d+) 0 R", m.group(1) if m else b""):
        tu = re.search(rb"/ToUnicode\s+(\d+) 0 R", objs.get(int(ref), b""))
        if tu:
            fonts[name.decode()] = cmap(stream(objs[int(tu.group(1))]))
    return fonts


def _show(content: bytes, fonts: dict) -> str:
    """Decode every <hex> string shown (Tj/TJ) with the current font (Tf)."""
    out, font = [], None
    for tok in re.finditer(rb"/(\w+)\s+[\d.]+\s+Tf|<([0-9A-Fa-f]*)>|\[|\]", content):
        if tok.group(1):
            font = fonts.get(tok.group(1).decode())
        elif tok.group(2) is not None and font:
            width, table = font
            raw = bytes.fromhex(tok.group(2).decode())
            out += [table.get(int.from_bytes(raw[i:i + width], "big"), "")
                    for i in range(0, len(raw), width)]
    return "".join(out)


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


# -- fixtures -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def built(demo_db, export_browser):
    return brief.build(Reader(demo_db), REGION, k=5)


# -- tests --------------------------------------------------------------------------------------

def test_pdf_is_a4_with_one_section_per_page(built):
    pdf = built.pdf
    assert pdf.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert boxes and all(abs(float(w) - 595) < 2 and abs(float(h) - 842) < 2 for w, h in boxes)
    pages = [compact(t) for t in page_texts(pdf)]
    assert 7 <= len(pages) <= 12
    for i, text in enumerate(pages, start=1):  # the page's margin boxes come first
        assert text.startswith(f"区域人才简报·崂山区第{i}页/共{len(pages)}页")
    bodies = [re.sub(r"^.*?第\d+页/共\d+页", "", t) for t in pages]
    assert "区域概况" in bodies[0]
    starts = [[i for i, b in enumerate(bodies) if b.startswith(compact(s))]
              for s in brief.SECTIONS[1:]]
    assert all(len(s) == 1 for s in starts), dict(zip(brief.SECTIONS[1:], starts, strict=True))
    first = [s[0] for s in starts]
    assert first == sorted(first) and first[0] == 1  # in order, each opening a page


def test_pdf_text_names_the_region_and_its_numbers(built):
    text = compact("".join(page_texts(built.pdf)))
    for expected in ("崂山区", "全国›山东省›青岛市›崂山区", "核心指标", "招引目标地区", "招引目标企业",
                     "流动记录只到市级", "人才数量", "区位商LQ", "小样本保护"):
        assert compact(expected) in text, expected
    title = "区域人才简报 · 崂山区".encode("utf-16-be").hex().upper()
    assert re.search(rb"/Title\s*<FEFF" + title.encode(), built.pdf)  # document metadata


def test_html_is_self_contained_and_has_every_section(built):
    page = built.html
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", page, re.I)
    assert page.count('src="data:image/png;base64,') == 1  # the map
    assert page.count('src="data:image/svg+xml;base64,') >= 3  # peers, chain, flows
    for title in brief.SECTIONS:
        assert title in page
    assert page.count('<section class="section') == len(brief.SECTIONS)


def test_data_is_escaped_in_the_html(demo_db, monkeypatch):
    monkeypatch.setattr(brief, "_render", lambda *a, **k: b"<svg/>")
    ctx = brief.context(Reader(demo_db), REGION)
    ctx.name = "<script>alert(1)</script>"
    page = brief.build_html(ctx)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "</style><script" not in page  # the name in the CSS page header is CSS-escaped


def test_thresholds_come_from_the_settings_like_the_page(demo_db, monkeypatch):
    # `python -m exports brief` starts from the configured thresholds (TALENTMAP_LQ_* …), as
    # the 产业链 page does, not from the built-in defaults.
    reader = Reader(demo_db)
    ctx = brief.context(reader, "370200", k=5)
    assert ctx.th == Thresholds.from_settings()
    assert (brief.node_status(ctx)["status"] == "固链").sum() > 0
    monkeypatch.setenv("TALENTMAP_LQ_STRONGHOLD", "99")
    monkeypatch.setenv("TALENTMAP_LQ_MISSING", "2")
    ctx = brief.context(reader, "370200", k=5)
    assert (ctx.th.lq_stronghold, ctx.th.lq_missing) == (99.0, 2.0)
    status = brief.node_status(ctx)
    assert (status["status"] == "固链").sum() == 0
    monkeypatch.setattr(brief, "_render", lambda *a, **k: b"<svg/>")
    text = brief.chain_section(ctx, status)
    assert "补链 LQ &lt; 2 或本地无企业" in text and "固链 LQ ≥ 99" in text
    assert "<td>固链</td><td>0</td>" in text
    given = Thresholds(lq_stronghold=1.0)  # an explicit argument still wins
    assert brief.context(reader, "370200", th=given).th is given


def test_small_counts_are_suppressed():
    assert brief.count(3, 5) == "<5" and brief.count(0, 5) == "0" and brief.count(12, 5) == "12"
    assert brief.signed(-3, 5) == "<5" and brief.signed(7, 5) == "+7"


def test_metric_definitions_come_from_docs():
    defs = dict(brief.metric_definitions())
    assert {"人才数量", "区位商 LQ", "供需比", "人才净流入"} <= set(defs)
    assert "`" not in "".join(defs.values())


def test_unknown_region_is_refused(demo_db):
    with pytest.raises(ValueError, match="未知地区"):
        brief.context(Reader(demo_db), "999999")


def test_pdf_needs_chromium(monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    with pytest.raises(ExportUnavailable, match="apt-get install chromium"):
        brief.html_to_pdf("<html></html>")


def test_cli_writes_pdf_and_html(demo_db, export_browser, tmp_path, capsys):
    pdf, page = tmp_path / "brief.pdf", tmp_path / "brief.html"
    code = main(["brief", "--region", "370200", "--db", str(demo_db), "--out", str(pdf),
                 "--html", str(page)])
    assert code == 0
    assert pdf.read_bytes().startswith(b"%PDF-") and "青岛市" in page.read_text("utf-8")
    assert "用时" in capsys.readouterr().err
    assert main(["brief", "--region", "999999", "--db", str(demo_db), "--html",
                 str(page)]) == 1
