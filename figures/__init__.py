"""Plotly figures of the product, drawn once for the dashboard and for the exports (plain
library: plotly, pandas, analytics and maps only — no Streamlit).

- ``figures.chain``: the chain diagram (interactive on the 产业链 page, static in the brief);
- ``figures.gaps``: the largest gaps and the national shortage bars;
- ``figures.heatmap``: regions × chain nodes;
- ``figures.flows``: talent-flow routes on the map, returnees by country, origins/destinations;
- ``figures.regions``: a region's map with itself outlined, and the peer-city bars.

Map primitives (choropleths, bubble layers, fitting the view) stay in ``maps.figures``.
Every text from the data is HTML-escaped here (plotly renders a subset of HTML), and counts of
people arrive already under disclosure control (``analytics.disclosure``): a withheld figure
draws no bar or colour and reads '<k' / '保密'.
"""

HIGHLIGHT = "#d1495b"  # the region itself among others
BASE = "#1f5fa8"       # the others
