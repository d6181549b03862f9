"""A horizontal bar chart as the SVG renderer draws it (setting ``map_renderer=svg``: the charts
of the talent map page; issue 18).

The overseas pool beside the map is a plotly figure of grouped horizontal bars
(``figures.overseas``; exports print it). Drawn by st.plotly_chart it made the landing page load
and evaluate plotly.js (4.7 MB) while the map was being drawn; ``views/svg_bars.py`` draws the
same bars from this payload: the categories top to bottom, each series' name, colour, values and
the labels at the bars' ends (``'<5'`` / ``保密`` for a withheld figure, whose bar is 0), the
axis title, the hovers. Only what is shown travels.
"""

from __future__ import annotations

from figures.svg_map import as_list, hover_text


def payload(fig) -> dict:
    """What the SVG bar renderer needs of a figure of horizontal bars (a plotly Figure or its
    dict). Categories are the first trace's ``y`` from the top (plotly draws the first category
    at the bottom)."""
    d = fig if isinstance(fig, dict) else fig.to_plotly_json()
    layout = d.get("layout") or {}
    bars = [tr for tr in d.get("data") or [] if tr.get("type") == "bar"
            and tr.get("orientation") == "h"]
    categories = [str(c) for c in as_list(bars[0].get("y"))][::-1] if bars else []
    series = []
    for tr in bars:
        at = {str(c): i for i, c in enumerate(as_list(tr.get("y")))}
        x, text = as_list(tr.get("x")), as_list(tr.get("text"))
        name = tr.get("name") or ""
        rows = [at.get(c) for c in categories]
        series.append({
            "name": name, "color": (tr.get("marker") or {}).get("color", "#1f77b4"),
            "values": [float(x[i]) if i is not None and x[i] is not None else 0.0
                       for i in rows],
            "text": [str(text[i]) if i is not None and i < len(text) else "" for i in rows],
            "hover": [_hover(tr.get("hovertemplate"), c, text[i] if i is not None and
                             i < len(text) else "", name) for c, i in zip(categories, rows,
                                                                          strict=True)]})
    axis = ((layout.get("xaxis") or {}).get("title") or {})
    return {"height": int(layout.get("height") or 300), "categories": categories,
            "series": series, "x_title": axis.get("text", "") if isinstance(axis, dict)
            else str(axis), "background": layout.get("plot_bgcolor", "#f4f6f9")}


def _hover(template: str | None, category: str, text: str, name: str) -> str:
    if not template:
        return f"{category} · {name}: {text}"
    return hover_text(template.replace("%{y}", category), text, None, category, name)
