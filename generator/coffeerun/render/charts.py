"""Charts of the program report as static SVG, drawn at build time by vl-convert from Vega-Lite specs.

Drawing costs about half a second for the first chart of a process (vl-convert starts its engine) and
tens of milliseconds for each next one, so each SVG is cached by a digest of its spec and the
vl-convert version: a nightly build whose figures did not change draws nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

from coffeerun.atomic import write_text_atomic

WIDTH, HEIGHT = 320, 170  # drawn for a phone; the page scales them up to its column on a wide screen
PALETTE = ["#2563eb", "#d97706", "#059669", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d", "#475569",
           "#ca8a04"]


def weekly_bars(rows: list[dict[str, Any]], series_title: str) -> dict[str, Any]:
    """A stacked bar per week (rows: {"week": YYYY-MM-DD, "series": name, "visits": n})."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": WIDTH, "height": HEIGHT, "background": "#ffffff", "padding": 4,
        "data": {"values": rows},
        "mark": {"type": "bar"},
        "encoding": {
            "x": {"field": "week", "type": "ordinal", "title": None,
                  "axis": {"labelExpr": "utcFormat(toDate(datum.value), '%d %b')", "labelAngle": 0,
                           "labelOverlap": "greedy", "grid": False}},
            "y": {"field": "visits", "type": "quantitative", "aggregate": "sum", "title": "visits",
                  "axis": {"tickMinStep": 1}},
            "color": {"field": "series", "type": "nominal", "title": series_title,
                      "scale": {"range": PALETTE},
                      "legend": {"orient": "bottom", "columns": 1, "labelLimit": 300}},
            "order": {"field": "series"},
        },
        "config": {"font": "system-ui, sans-serif", "axis": {"labelFontSize": 11, "titleFontSize": 11},
                   "legend": {"labelFontSize": 11, "titleFontSize": 11}, "view": {"stroke": None}},
    }


def _responsive(svg: str) -> str:
    """Keep the viewBox, drop the fixed size: the page decides how wide a chart is."""
    return re.sub(r'^<svg([^>]*?) width="[\d.]+" height="[\d.]+"', r"<svg\1", svg, count=1)


def draw(spec: dict[str, Any], cache_dir: Path | None) -> str:
    """The SVG of a Vega-Lite spec: from the cache, else drawn (and cached when there is a cache)."""
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    key = hashlib.sha256(f"{version('vl-convert-python')}\x00{text}".encode()).hexdigest()
    entry = cache_dir / "charts" / key[:2] / f"{key}.svg" if cache_dir else None
    if entry is not None:
        try:
            svg = entry.read_text(encoding="utf-8")
            if hashlib.sha256(f"{key}\x00{svg}".encode()).hexdigest() == _sealed(entry):
                return svg
        except OSError:
            pass
    import vl_convert

    svg = _responsive(vl_convert.vegalite_to_svg(spec))
    if entry is not None:
        try:
            write_text_atomic(entry, svg)
            write_text_atomic(entry.with_suffix(".sha256"), hashlib.sha256(f"{key}\x00{svg}".encode()).hexdigest())
        except OSError:
            pass  # a cache that cannot be written only makes the next build slower
    return svg


def _sealed(entry: Path) -> str:
    return entry.with_suffix(".sha256").read_text(encoding="utf-8").strip()
