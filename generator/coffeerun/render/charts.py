"""Charts of the program report as static SVG, drawn at build time by vl-convert from Vega-Lite specs.

Drawing costs about half a second for the first chart of a process (vl-convert starts its engine) and
tens of milliseconds for each next one, so each SVG is kept in the content store, keyed by its spec
(the key holds the vl-convert version): a nightly build whose figures did not change draws nothing.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from coffeerun.store import key

if TYPE_CHECKING:
    from coffeerun.store import Store

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


def draw(spec: dict[str, Any], store: Store | None) -> str:
    """The SVG of a Vega-Lite spec: from the store (namespace `charts`, keyed by the spec) when it holds it
    intact, else drawn and kept there."""
    k = key("charts", json.dumps(spec, sort_keys=True, separators=(",", ":")))
    entry = store.get("charts", k) if store is not None else None
    if entry is not None and "chart.svg" in entry.files:
        try:
            return entry.read("chart.svg").decode("utf-8")
        except (OSError, UnicodeDecodeError):
            pass
    import vl_convert

    svg = _responsive(vl_convert.vegalite_to_svg(spec))
    if store is not None:  # an object, not meta: purge.py finds a withdrawn advocate's name in it
        store.put("charts", k, {}, {"chart.svg": svg.encode("utf-8")})
    return svg
