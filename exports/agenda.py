"""产才对接会: a printable one-page agenda per enterprise (HTML, A4, prints as is), from the
invitation list of ``analytics.matching``. Every text from the data is HTML-escaped."""

from __future__ import annotations

import html

import pandas as pd

STYLE = """@page { size: A4; margin: 14mm; }
body { font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; font-size: 11pt; }
h1 { font-size: 16pt; margin: 0 0 4pt; } .meta { color: #555; margin-bottom: 10pt; }
table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #bbb;
padding: 3pt 5pt; text-align: left; vertical-align: top; } th { background: #eef2f7; }
section { page-break-after: always; } section:last-child { page-break-after: auto; }"""


def _section(event: str, firm: str, rows: pd.DataFrame, when: str) -> str:
    e = html.escape
    posts = "、".join(dict.fromkeys(e(str(t)) for t in rows["title"]))
    body = "".join(
        f"<tr><td>{int(r.rank)}</td><td>{e(str(r.talent_id))}</td>"
        f"<td>{e(str(r.contact_name or '—'))}</td><td>{e(str(r.place or '—'))}</td>"
        f"<td>{r.score:.0f}</td><td>{e(str(r.why))}</td><td></td></tr>"
        for r in rows.itertuples())
    return (f"<section><h1>{e(event)} · {e(firm)}</h1>"
            f"<div class='meta'>对接岗位: {posts} · 生成于 {e(when)}</div>"
            "<table><thead><tr><th>序</th><th>人才编号</th><th>姓名</th><th>所在地</th><th>匹配分</th>"
            "<th>匹配理由</th><th>洽谈记录</th></tr></thead>"
            f"<tbody>{body}</tbody></table></section>")


def agenda_html(event: str, invitations: pd.DataFrame, when: str) -> str:
    """One section (one printed page) per enterprise, in the invitation list's order."""
    parts = [_section(event, firm, rows, when)
             for firm, rows in invitations.groupby("firm", sort=False)]
    return ("<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
            f"<title>{html.escape(event)} · 企业日程</title><style>{STYLE}</style></head><body>"
            + "".join(parts) + "</body></html>")
