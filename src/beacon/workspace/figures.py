"""Map and chart descriptions for the workspace pages (drawn by ``static/workspace.js``).

The server decides every colour, class and label, so what a figure shows is testable here and
the browser only draws it. A map is ``{"areas": {code: {fill, label, value, href}}, "legend"}``
with the geometry fetched separately (cached); a chart is a small spec mapped onto Chart.js.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

# GOV.UK palette: red for hot and rising, blue for cold and falling, greys for the rest.
HOTSPOT_FILLS = {
    "hot 99%": "#b10e1e",
    "hot 95%": "#d4351c",
    "hot 90%": "#f499be",
    "not significant": "#f3f2f1",
    "cold 90%": "#9ed0f0",
    "cold 95%": "#5694ca",
    "cold 99%": "#1d70b8",
}
HOTSPOT_LABELS = {
    "hot 99%": "Hot spot, 99% confidence",
    "hot 95%": "Hot spot, 95% confidence",
    "hot 90%": "Hot spot, 90% confidence",
    "not significant": "Not significant",
    "cold 90%": "Cold spot, 90% confidence",
    "cold 95%": "Cold spot, 95% confidence",
    "cold 99%": "Cold spot, 99% confidence",
}
# Five sequential classes, light to dark (colour-blind safe, prints in greyscale).
SEQUENTIAL = ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000")
NO_DATA = "#ffffff"
BLUE, RED, GREEN, ORANGE, GREY, PURPLE = (
    "#1d70b8",
    "#d4351c",
    "#00703c",
    "#f47738",
    "#505a5f",
    "#4c2c92",
)


def hotspot_map(
    areas: Sequence[dict[str, Any]],
    href: Callable[[str], str],
    value_text: Callable[[dict[str, Any]], str],
) -> dict[str, Any]:
    """Gi* classes per area: fills and legend in the order hot to cold."""
    present = {a["class"] for a in areas}
    return {
        "areas": {
            a["area"]: {
                "fill": HOTSPOT_FILLS.get(a["class"], NO_DATA),
                "label": HOTSPOT_LABELS.get(a["class"], a["class"]),
                "value": value_text(a),
                "href": href(a["area"]),
            }
            for a in areas
        },
        "legend": {
            "title": "Gi* hot and cold spots",
            "items": [
                {"fill": fill, "label": HOTSPOT_LABELS[key]}
                for key, fill in HOTSPOT_FILLS.items()
                if key in present
            ],
        },
    }


def quantile_breaks(values: Sequence[float], classes: int = len(SEQUENTIAL)) -> list[float]:
    """Upper bounds of equal-count classes (the last is the maximum), duplicates removed so a
    skewed distribution gets fewer, honest classes rather than empty ones."""
    ordered = sorted(v for v in values if v is not None and math.isfinite(v))
    if not ordered:
        return []
    breaks: list[float] = []
    for k in range(1, classes + 1):
        position = math.ceil(k * len(ordered) / classes) - 1
        value = ordered[min(position, len(ordered) - 1)]
        if not breaks or value > breaks[-1]:
            breaks.append(value)
    return breaks


def sequential_map(
    rows: Sequence[dict[str, Any]],
    *,
    code_key: str,
    value_key: str,
    title: str,
    show: Callable[[float], str],
    value_text: Callable[[dict[str, Any]], str],
    href: Callable[[str], str],
) -> dict[str, Any]:
    """Quantile classes of one value per area (rate, count or harm)."""
    numbers = [r[value_key] for r in rows if isinstance(r.get(value_key), int | float)]
    breaks = quantile_breaks(numbers)
    fills = SEQUENTIAL[-len(breaks) :] if breaks else ()
    areas: dict[str, Any] = {}
    for row in rows:
        value = row.get(value_key)
        if isinstance(value, int | float) and breaks:
            k = next(i for i, upper in enumerate(breaks) if value <= upper)
            fill, label = fills[k], _class_label(breaks, k, show)
        else:
            fill, label = NO_DATA, "No figure (no population, or withheld)"
        areas[row[code_key]] = {
            "fill": fill,
            "label": label,
            "value": value_text(row),
            "href": href(row[code_key]),
        }
    items = [{"fill": fills[k], "label": _class_label(breaks, k, show)} for k in range(len(breaks))]
    return {"areas": areas, "legend": {"title": title, "items": items[::-1]}}


def _class_label(breaks: Sequence[float], k: int, show: Callable[[float], str]) -> str:
    if k == 0:
        return f"up to {show(breaks[0])}"
    return f"over {show(breaks[k - 1])} to {show(breaks[k])}"


# --- charts -----------------------------------------------------------------------------------


def trend_chart(
    months: Sequence[str],
    counts: Sequence[int],
    changes: Sequence[dict[str, Any]],
    *,
    label: str,
    sen_slope: float | None = None,
    trend_note: str | None = None,
) -> dict[str, Any]:
    """Monthly counts with significant month-on-month rises (red) and falls (blue) marked, and
    Sen's slope line when a Mann–Kendall trend was computed."""
    rises: list[int | None] = [None] * len(months)
    falls: list[int | None] = [None] * len(months)
    for change in changes:
        target = rises if change["direction"] == "rise" else falls
        target[change["index"]] = change["count"]
    series: list[dict[str, Any]] = [
        {"label": label, "type": "line", "data": list(counts), "colour": BLUE, "point_radius": 2}
    ]
    if any(v is not None for v in rises):
        series.append(_points("Significant rise on the month before", rises, RED, "triangle"))
    if any(v is not None for v in falls):
        series.append(_points("Significant fall on the month before", falls, GREEN, "rectRot"))
    if sen_slope is not None and len(counts) > 1:
        middle = (len(counts) - 1) / 2
        median = sorted(counts)[len(counts) // 2]
        line = [round(median + sen_slope * (i - middle), 2) for i in range(len(counts))]
        series.append(
            {
                "label": "Trend (Sen's slope)",
                "type": "line",
                "data": line,
                "colour": GREY,
                "dash": True,
                "point_radius": 0,
            }
        )
    notes = [trend_note] if trend_note else []
    return {
        "kind": "line",
        "x": {"label": "Month", "type": "category"},
        "y": {"label": label, "min": 0, "format": "integer"},
        "labels": list(months),
        "series": series,
        "notes": notes,
    }


def _points(label: str, data: list[int | None], colour: str, style: str) -> dict[str, Any]:
    return {
        "label": label,
        "type": "points",
        "data": data,
        "colour": colour,
        "point_style": style,
        "point_radius": 7,
    }


def lorenz_chart(curves: Sequence[tuple[str, Sequence[Sequence[float]], str]]) -> dict[str, Any]:
    """Lorenz curves (share of areas against share of the total) with the line of equality."""
    series = [
        {
            "label": label,
            "type": "line",
            "data": [{"x": round(x, 6), "y": round(y, 6)} for x, y in points],
            "colour": colour,
            "point_radius": 0,
        }
        for label, points, colour in curves
    ]
    series.append(
        {
            "label": "Equal shares",
            "type": "line",
            "data": [{"x": 0, "y": 0}, {"x": 1, "y": 1}],
            "colour": GREY,
            "dash": True,
            "point_radius": 0,
        }
    )
    return {
        "kind": "line",
        "x": {
            "label": "Share of areas (lowest first)",
            "type": "linear",
            "min": 0,
            "max": 1,
            "format": "percent",
        },
        "y": {"label": "Share of the total", "min": 0, "max": 1, "format": "percent"},
        "series": series,
    }


def decile_chart(deciles: Sequence[dict[str, Any]], *, label: str, key: str) -> dict[str, Any]:
    """A value per IMD decile (1 = most deprived) as bars."""
    return {
        "kind": "bar",
        "x": {
            "label": "IMD 2019 decile (1 = most deprived 10% of LSOAs in England)",
            "type": "category",
        },
        "y": {"label": label, "min": 0, "format": "decimal"},
        "labels": [str(d["decile"]) for d in deciles],
        "series": [
            {"label": label, "type": "bar", "data": [d.get(key) for d in deciles], "colour": PURPLE}
        ],
    }


def bar_chart(
    labels: Sequence[str], values: Sequence[float | None], *, label: str, format: str = "integer"
) -> dict[str, Any]:
    return {
        "kind": "bar",
        "x": {"label": "", "type": "category"},
        "y": {"label": label, "min": 0, "format": format},
        "labels": list(labels),
        "series": [{"label": label, "type": "bar", "data": list(values), "colour": BLUE}],
    }
