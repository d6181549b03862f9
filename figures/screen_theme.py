"""The 大屏's palette: one dark theme for a summit screen (views/screen.py, figures/screen.py).

Dark blue-black ground, light text, one accent; the chain statuses keep the colours the whole
product uses (``analytics.gaps.STATUS_COLORS``, as on the 产业链 page and in the brief), and
the map classes run from the ground's blue to a bright cyan so that the lightest class still
stands out from a region without data. Sizes are in units of the stage (``U``: 1/100 of the
16:9 stage's width, i.e. 19.2 px at 1920×1080 and 38.4 px at 3840×2160).
"""

from __future__ import annotations

from analytics.gaps import STATUS_COLORS

BACKGROUND = "#07111f"     # the ground
PANEL = "#0e1d33"          # cards and panels
PANEL_EDGE = "#1d3557"     # their outline
TEXT = "#e8eef7"           # body text
MUTED = "#9fb3cc"          # captions, axis words
ACCENT = "#35c2ff"         # the home region, inflow arcs, sparklines
UP, DOWN = "#3ddc97", "#ff6b6b"   # a rise, a fall (year on year)
WITHHELD = "#7f8ea3"       # '<k' and '保密'
NO_DATA = "#1a2638"        # a region without a figure (map)
BORDER = "#2c4266"         # region outlines on the maps
HOME_EDGE = "#ffd166"      # the home region's outline on the national map
STATUS = dict(STATUS_COLORS)  # 固链 / 强链 / 补链 / 延链: the product's colours
# Map classes, light to dark on white become dim to bright on the dark ground.
CLASS_SCALE = [[0.0, "#16406b"], [0.5, "#1f7fbf"], [1.0, "#7fe3ff"]]
# Target stages (招引): from a lead to landed, abandoned greyed.
STAGE_COLORS = {"线索": "#5b7aa6", "已接洽": "#4f9bd9", "洽谈中": "#35c2ff",
                "已签约": "#3ddc97", "已落地": "#1a7f37", "已放弃": "#596579"}
FONT = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"

STAGE_W, STAGE_H = 1920, 1080  # the design size; everything else is in stage units
BODY_U = 1.4    # body text in stage units: 26.9 px at 1920 (≥ 24 px from five metres)
