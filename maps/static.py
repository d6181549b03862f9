"""GeoJSON served as static files: the browser fetches each file once and caches it, so a map's
shapes are not sent again with every rerun (issue 18). Streamlit serves ``static/`` at
``app/static/`` (``server.enableStaticServing``). Files are generated artefacts (git-ignored),
named by their content's hash: a changed payload gets a new URL, never a stale cached file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

STATIC_GEOJSON = Path(__file__).resolve().parent.parent / "static" / "geojson"
URL_PREFIX = "app/static/geojson/"
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_URL = re.compile(r"(?:^|/)app/static/geojson/([A-Za-z0-9_.-]+\.json)$")

# payload id → (payload, url): the entry keeps the payload, so its id is not reused while it
# lives (payloads are long-lived cached objects: the shapes of a parent, the maritime line)
_PUBLISHED: dict[int, tuple[dict, str]] = {}


def publish(name: str, payload: dict, root: Path | None = None) -> str:
    """The URL of ``payload`` as ``static/geojson/<name>-<hash>.json`` (written once)."""
    hit = _PUBLISHED.get(id(payload))
    if root is None and hit is not None and hit[0] is payload:
        return hit[1]
    if not _NAME.match(name):
        raise ValueError(f"静态文件名只能含字母、数字、'-'、'_' 和 '.': {name!r}")
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    file = f"{name}-{hashlib.sha256(text.encode()).hexdigest()[:12]}.json"
    target = (root or STATIC_GEOJSON) / file
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{file}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)  # atomic: a reader never sees half a file
    url = URL_PREFIX + file
    if root is None:
        if len(_PUBLISHED) > 64:
            _PUBLISHED.clear()
        _PUBLISHED[id(payload)] = (payload, url)
    return url


def read(url: str, root: Path | None = None) -> dict | None:
    """The payload a static GeoJSON URL serves (for exports, which embed it), or None when the
    URL is not one of ours or its file is gone."""
    match = _URL.search(url)
    if match is None:
        return None
    path = (root or STATIC_GEOJSON) / match.group(1)
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def inline_layers(fig) -> None:
    """Replace the URL sources of a plotly figure's map layers (the maritime line, the 南海诸岛
    inset's land) by their GeoJSON: an export is one self-contained file. Raises ValueError for
    a URL that is not one of ours."""
    for key in fig.layout:
        if not key.startswith("map") or key.startswith("mapbox"):
            continue
        layers = list(fig.layout[key].layers or ())
        changed = False
        for layer in layers:
            if isinstance(layer.source, str):
                payload = read(layer.source)
                if payload is None:
                    raise ValueError(f"无法导出: 地图图层 {layer.source!r} 不是本系统的静态文件")
                layer.source = payload
                changed = True
        if changed:
            fig.layout[key].layers = layers
