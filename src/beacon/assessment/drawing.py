"""Charts and maps for the printed assessment, drawn server-side with matplotlib.

They draw the same specs as the workspace pages (``workspace.figures``; ``workspace.js`` draws
them in the browser), so the printed figure shows what the staff page shows. Everything must
read in greyscale: series differ by line style, marker and hatching as well as colour, and hot
and cold spots carry different hatching.

Each call builds its own ``matplotlib.figure.Figure`` (no pyplot, so no state shared between
threads) with the Agg canvas.

Measured on the 2-core build machine (real LSOA boundaries of Sussex and Derbyshire):
a hot-spot map of 1,400 LSOAs at 160 x 120 mm takes 0.4-0.55 s as PNG at 200 dpi (0.28 s when
the same areas were just drawn: their simplified paths are kept), and 0.42 s as SVG, but that
SVG is 1.2-1.8 MB; a chart takes 0.2-0.35 s. A 37-page PDF with 10 such maps, 15 charts and
~720 table rows renders in ~17.5 s with PNG charts (drawing ~7.5 s, WeasyPrint ~10 s) against
23-25 s with SVG charts (WeasyPrint draws SVG itself, text as glyph outlines): so both maps
and charts are PNG. Hatching is laid over a class as one compound path: hatching each area on
its own took 3 s a map.
"""

from __future__ import annotations

import hashlib
import io
import math
import textwrap
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from beacon.workspace.figures import HOTSPOT_FILLS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

MM_PER_INCH = 25.4
INK = "#0b0c0c"
SECONDARY = "#505a5f"
EDGE = "#8a8f92"  # area borders: visible, but lighter than any class boundary in the legend
GRID = "#dfe1e2"
FONT_SIZE = 7.5  # points, at the size the figure is printed

# Chart.js point styles as matplotlib markers.
MARKERS = {
    "circle": "o",
    "triangle": "^",
    "rectRot": "D",
    "rect": "s",
    "rectRounded": "s",
    "cross": "P",
    "crossRot": "X",
    "star": "*",
    "line": "_",
    "dash": "_",
}
# Line series after the first also differ by dash pattern and marker, so they can be told apart
# on a greyscale print.
LINE_STYLES: tuple[Any, ...] = ("-", (0, (1, 1.2)), (0, (6, 2, 1, 2)), (0, (10, 3)))
LINE_MARKERS = ("o", "s", "^", "D")
BAR_HATCHES = ("", "////", "....", "xxxx")
DASHED = (0, (6, 4))  # the spec's ``dash: true`` (as workspace.js's [6, 4])

# Hot and cold Gi* classes print as similar greys (hot 95% ~ cold 99%, hot 90% ~ cold 90%):
# diagonal lines on hot spots and dots on cold spots keep them apart without colour.
HOT_FILLS = frozenset(v.lower() for k, v in HOTSPOT_FILLS.items() if k.startswith("hot"))
COLD_FILLS = frozenset(v.lower() for k, v in HOTSPOT_FILLS.items() if k.startswith("cold"))
HOT_HATCH = "//////"
COLD_HATCH = "...."

# Boundaries are simplified to about this fraction of a millimetre on the page: below what the
# eye or a 200 dpi image resolves, and it cuts vertices (and drawing time) several-fold.
SIMPLIFY_MM = 0.25


def _figure(
    width_mm: float, height_mm: float, layout: Literal["constrained"] | None = "constrained"
) -> Figure:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width_mm / MM_PER_INCH, height_mm / MM_PER_INCH), layout=layout)
    FigureCanvasAgg(figure)
    return figure


def _save(figure: Figure, fmt: str, dpi: float) -> bytes:
    if fmt not in ("png", "svg"):
        raise ValueError(f"unknown image format {fmt!r} (png or svg)")
    buffer = io.BytesIO()
    if fmt == "svg":
        # No timestamp, so the same spec draws the same bytes.
        figure.savefig(buffer, format="svg", metadata={"Date": None}, facecolor="white")
        return buffer.getvalue()
    from PIL import Image

    # An opaque RGB PNG, not matplotlib's RGBA: WeasyPrint splits an alpha channel off and
    # re-encodes both halves, which costs more than drawing the image.
    figure.set_dpi(dpi)
    figure.patch.set_facecolor("white")
    figure.canvas.draw()
    rgba = figure.canvas.buffer_rgba()  # type: ignore[attr-defined]
    image = Image.frombuffer("RGBA", (rgba.shape[1], rgba.shape[0]), rgba, "raw", "RGBA", 0, 1)
    image.convert("RGB").save(buffer, format="PNG", dpi=(dpi, dpi), compress_level=6)
    return buffer.getvalue()


def _number(format: str | None) -> Any:
    """A tick formatter as workspace.js shows numbers (en-GB grouping)."""

    def trim(text: str) -> str:
        return text.rstrip("0").rstrip(".") if "." in text else text

    def show(value: float, _position: Any = None) -> str:
        if format == "integer":
            return f"{value:,.0f}"
        if format == "percent":
            return trim(f"{value * 100:.1f}") + "%"
        return trim(f"{value:,.2f}")

    return show


def _values(data: Sequence[Any]) -> list[float]:
    return [math.nan if v is None or isinstance(v, str) else float(v) for v in data]


def _luminance(colour: str) -> float:
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return 0.299 * r + 0.587 * g + 0.114 * b


# --- charts -----------------------------------------------------------------------------------


def draw_chart(
    spec: Mapping[str, Any],
    *,
    width_mm: float = 160,
    height_mm: float = 80,
    fmt: str = "svg",
    notes: bool = True,
    dpi: float = 200,
) -> bytes:
    """A workspace chart spec (``workspace.figures``: kind "line" or "bar"; series "line",
    "points" or "bar") as SVG or PNG bytes. Bar charts with long category names are drawn
    sideways, as tall as their bars need (``height_mm`` is then ignored). ``notes=False``
    leaves the spec's notes out (the printed page sets them as text under the figure)."""
    series = list(spec.get("series") or [])
    if not series:
        raise ValueError("the chart has no series")
    x_spec = dict(spec.get("x") or {})
    y_spec = dict(spec.get("y") or {})
    categorical = x_spec.get("type", "category") == "category"
    labels = [str(label) for label in spec.get("labels") or []]
    if categorical and not labels:
        labels = [str(i + 1) for i in range(max(len(s.get("data") or []) for s in series))]
    sideways = (
        categorical
        and all(s.get("type") == "bar" for s in series)
        and max((len(label) for label in labels), default=0) > 12
    )
    if sideways:
        # Sized to its bars (a few bars are not stretched to fat blocks, many get room).
        height_mm = min(max(24 + 6 * len(labels) * len(series) ** 0.5, 40), 220)

    figure = _figure(width_mm, height_mm)
    ax = figure.add_subplot()
    _style_axes(ax)
    bars = [s for s in series if s.get("type") == "bar"]
    width = 0.8 / max(1, len(bars))
    line_index = 0
    for s in series:
        kind = s.get("type") or "line"
        colour = s.get("colour") or INK
        label = s.get("label") or ""
        if categorical:
            xs: list[float] = list(range(len(labels)))
            ys = _values(list(s.get("data") or [])[: len(labels)])
            xs = xs[: len(ys)]
        else:
            points = [p for p in s.get("data") or [] if isinstance(p, Mapping)]
            xs = _values([p.get("x") for p in points])
            ys = _values([p.get("y") for p in points])
        if kind == "bar":
            k = bars.index(s)
            offsets = [x + (k - (len(bars) - 1) / 2) * width for x in xs]
            draw = ax.barh if sideways else ax.bar
            draw(
                offsets,
                [0 if math.isnan(v) else v for v in ys],
                width,
                color=colour,
                edgecolor=INK if len(bars) > 1 else colour,
                linewidth=0.4,
                hatch=BAR_HATCHES[k % len(BAR_HATCHES)] or None,
                label=label,
                zorder=2,
            )
        elif kind == "points":
            radius = s.get("point_radius")
            ax.plot(
                xs,
                ys,
                linestyle="none",
                marker=MARKERS.get(s.get("point_style") or "circle", "o"),
                markersize=max(3.0, float(6 if radius is None else radius)),
                markerfacecolor=colour,
                markeredgecolor=INK,
                markeredgewidth=0.6,
                label=label,
                zorder=4,
            )
        else:
            radius = s.get("point_radius")
            radius = 3 if radius is None else float(radius)
            style = DASHED if s.get("dash") else LINE_STYLES[line_index % len(LINE_STYLES)]
            # A marker tells solid lines apart in grey; a dashed line is distinct already.
            marker = None
            if radius > 0 or (line_index > 0 and not s.get("dash") and len(xs) > 1):
                marker = LINE_MARKERS[line_index % len(LINE_MARKERS)]
            ax.plot(
                xs,
                ys,
                color=colour,
                linestyle=style,
                linewidth=1.4,
                marker=marker,
                markersize=max(2.5, radius * 1.2) if marker else 0,
                markevery=max(1, len(xs) // 12),
                label=label,
                zorder=3,
            )
            if not s.get("dash"):
                line_index += 1

    _axes(ax, x_spec, y_spec, labels, categorical=categorical, sideways=sideways)
    if len(series) > 1:
        # As many columns as fit across: about 1.5 mm a character plus the key's sample.
        longest = max(len(str(s.get("label") or "")) for s in series)
        columns = max(1, min(len(series), int(width_mm // (longest * 1.5 + 14))))
        figure.legend(
            loc="outside upper center",
            ncols=columns,
            fontsize=FONT_SIZE,
            frameon=False,
            handlelength=3,
        )
    if notes and spec.get("notes"):
        chars = max(40, int(width_mm / 1.45))
        text = "\n".join(textwrap.fill(str(n), chars) for n in spec["notes"] if n)
        if text:
            figure.supxlabel(text, x=0.01, ha="left", fontsize=FONT_SIZE - 0.5, color=SECONDARY)
    return _save(figure, fmt, dpi)


def _style_axes(ax: Axes) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(SECONDARY)
        ax.spines[side].set_linewidth(0.6)
    ax.tick_params(labelsize=FONT_SIZE, colors=INK, width=0.6, length=3)
    ax.set_axisbelow(True)


def _axes(
    ax: Axes,
    x_spec: Mapping[str, Any],
    y_spec: Mapping[str, Any],
    labels: Sequence[str],
    *,
    categorical: bool,
    sideways: bool,
) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    value_axis, category_axis = (ax.xaxis, ax.yaxis) if sideways else (ax.yaxis, ax.xaxis)
    value_axis.set_major_formatter(FuncFormatter(_number(y_spec.get("format"))))
    if y_spec.get("format") == "integer":
        value_axis.set_major_locator(MaxNLocator(integer=True))
    value_axis.grid(True, color=GRID, linewidth=0.6)
    low, high = y_spec.get("min"), y_spec.get("max")
    set_limits = ax.set_xlim if sideways else ax.set_ylim
    if low is not None or high is not None:
        set_limits(low, high)
    label_size = FONT_SIZE + 0.5
    if sideways:
        ax.set_xlabel(y_spec.get("label") or "", fontsize=label_size)
        ax.set_ylabel(x_spec.get("label") or "", fontsize=label_size)
    else:
        ax.set_ylabel(y_spec.get("label") or "", fontsize=label_size)
        ax.set_xlabel(x_spec.get("label") or "", fontsize=label_size)

    if categorical:
        n = len(labels)
        # At most about a dozen category names on a horizontal axis, so they never overlap.
        step = 1 if sideways else max(1, math.ceil(n / 12))
        ticks = list(range(0, n, step))
        category_axis.set_ticks(ticks, [labels[i] for i in ticks])
        if sideways:
            ax.invert_yaxis()  # the first category at the top, as in the table
            ax.set_ylim(n - 0.5, -0.5)
        else:
            ax.set_xlim(-0.6, n - 0.4)
            longest = max((len(labels[i]) for i in ticks), default=0)
            if len(ticks) * (longest + 2) > 90:
                for tick in ax.get_xticklabels():
                    tick.set_rotation(40)
                    tick.set_horizontalalignment("right")
                    tick.set_rotation_mode("anchor")
    else:
        ax.xaxis.set_major_formatter(FuncFormatter(_number(x_spec.get("format"))))
        if x_spec.get("min") is not None or x_spec.get("max") is not None:
            ax.set_xlim(x_spec.get("min"), x_spec.get("max"))


# --- maps -------------------------------------------------------------------------------------


def missing_boundaries(spec: Mapping[str, Any], boundaries: Mapping[str, bytes]) -> list[str]:
    """Codes of the map's areas that have no stored boundary (they are left off the drawing)."""
    return sorted(code for code in spec.get("areas") or {} if not boundaries.get(code))


def hatch_for(fill: str) -> str | None:
    """The hatching a fill carries so it reads in greyscale: hot and cold Gi* classes only."""
    key = fill.lower()
    if key in HOT_FILLS:
        return HOT_HATCH
    if key in COLD_FILLS:
        return COLD_HATCH
    return None


def _hatch_colour(fill: str) -> str:
    return "#ffffff" if _luminance(fill) < 0.5 else INK


def draw_map(
    spec: Mapping[str, Any],
    boundaries: Mapping[str, bytes],
    *,
    width_mm: float = 160,
    height_mm: float = 120,
    fmt: str = "png",
    dpi: int = 200,
) -> bytes:
    """A workspace map spec (``{"areas": {code: {"fill", "label", "value"}}, "legend"}``) over
    the areas' boundaries (WKB, longitude/latitude) as PNG or SVG bytes. Areas without a
    boundary are left off (``missing_boundaries`` names them). The legend sits to the right;
    a wide area gets a shorter image (at most ``height_mm``) rather than a band of white."""
    areas: Mapping[str, Mapping[str, Any]] = spec.get("areas") or {}
    shapes = _shapes(tuple(c for c in areas if boundaries.get(c)), boundaries, width_mm)
    # Laid out by hand, not by the constrained layout engine: that draws the figure twice,
    # and the areas are most of the drawing time.
    figure = _figure(width_mm, height_mm, layout=None)
    legend_mm = _map_legend(figure, spec.get("legend") or {})
    if shapes.paths:
        map_mm = width_mm - legend_mm[0] - 4
        height_mm = min(height_mm, max(map_mm * shapes.aspect + 4, legend_mm[1] + 4, 40))
        figure.set_size_inches(width_mm / MM_PER_INCH, height_mm / MM_PER_INCH)
    right = 1 - (legend_mm[0] + 3) / width_mm
    ax = figure.add_axes((0.005, 0.01, right - 0.01, 0.98))
    ax.set_axis_off()
    if not shapes.paths:
        ax.text(
            0.5,
            0.5,
            "No boundaries are stored for the areas on this map.",
            ha="center",
            va="center",
            fontsize=FONT_SIZE + 1,
            color=SECONDARY,
            transform=ax.transAxes,
        )
        return _save(figure, fmt, dpi)

    from matplotlib.collections import PathCollection
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    groups: dict[str, list[Any]] = {}
    for code, path in zip(shapes.codes, shapes.paths, strict=True):
        groups.setdefault(str(areas[code].get("fill") or "#ffffff"), []).append(path)
    edge_width = 0.25 if len(shapes.paths) < 400 else 0.15
    for fill, paths in groups.items():
        ax.add_collection(
            PathCollection(paths, facecolors=fill, edgecolors=EDGE, linewidths=edge_width),
            autolim=False,
        )
        hatch = hatch_for(fill)
        if hatch:
            # Hatching is laid over each class as one compound path: Agg hatches path by path,
            # and hatching 1,400 separate areas takes seconds.
            ax.add_artist(
                PathPatch(
                    Path.make_compound_path(*paths),
                    facecolor="none",
                    edgecolor="none",
                    linewidth=0,
                    hatch=hatch,
                    hatchcolor=_hatch_colour(fill),
                    hatch_linewidth=0.5,
                )
            )
    west, south, east, north = shapes.bounds
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect("equal", anchor="C")
    _scale_bar(figure, ax, shapes.extent, right)
    return _save(figure, fmt, dpi)


def _map_legend(figure: Figure, legend: Mapping[str, Any]) -> tuple[float, float]:
    """The legend at the top right; returns its width and height in millimetres."""
    from matplotlib.patches import Patch

    handles = [
        Patch(
            facecolor=item.get("fill"),
            edgecolor=INK,
            linewidth=0.4,
            hatch=hatch_for(str(item.get("fill") or "")),
            hatchcolor=_hatch_colour(str(item.get("fill") or "#ffffff")),
            label=textwrap.fill(str(item.get("label") or ""), 30),
        )
        for item in legend.get("items") or []
    ]
    if not handles:
        return (0.0, 0.0)
    box = figure.legend(
        handles=handles,
        title=textwrap.fill(str(legend.get("title") or ""), 30) or None,
        loc="upper right",
        bbox_to_anchor=(1, 1),
        borderaxespad=0.2,
        fontsize=FONT_SIZE,
        title_fontsize=FONT_SIZE + 0.5,
        frameon=True,
        edgecolor=SECONDARY,
        fancybox=False,
        handlelength=2.2,
        handleheight=1.6,
        alignment="left",
    ).get_window_extent(figure.canvas.get_renderer())  # type: ignore[attr-defined]
    return (box.width / figure.dpi * MM_PER_INCH, box.height / figure.dpi * MM_PER_INCH)


class _Shapes:
    """Areas' boundaries ready to draw: projected, simplified, one matplotlib path each."""

    def __init__(
        self,
        codes: Sequence[str],
        paths: Sequence[Any],
        bounds: tuple[float, float, float, float],
    ) -> None:
        self.codes = list(codes)
        self.paths = list(paths)
        self.bounds = bounds
        west, south, east, north = bounds
        self.extent = max(east - west, north - south, 1e-9)
        self.aspect = (north - south) / max(east - west, 1e-9)


# The maps of one document draw the same areas again and again: their prepared paths are kept
# for the next map (keyed by the boundaries' bytes, so a changed boundary is never reused).
_PREPARED: dict[tuple[Any, ...], _Shapes] = {}
_PREPARED_SIZE = 8
_PREPARED_LOCK = threading.Lock()


def _shapes(codes: tuple[str, ...], boundaries: Mapping[str, bytes], width_mm: float) -> _Shapes:
    digest = hashlib.blake2b(digest_size=16)
    for code in codes:
        digest.update(code.encode())
        digest.update(bytes(boundaries[code]))
    key = (digest.digest(), width_mm)
    with _PREPARED_LOCK:
        found = _PREPARED.get(key)
    if found is not None:
        return found
    shapes = _prepare(codes, boundaries, width_mm)
    with _PREPARED_LOCK:
        if len(_PREPARED) >= _PREPARED_SIZE:
            _PREPARED.pop(next(iter(_PREPARED)))
        _PREPARED[key] = shapes
    return shapes


def _prepare(codes: Sequence[str], boundaries: Mapping[str, bytes], width_mm: float) -> _Shapes:
    import numpy as np
    import shapely
    from matplotlib.path import Path

    if not codes:
        return _Shapes([], [], (0.0, 0.0, 1.0, 1.0))
    geometries = shapely.from_wkb(np.array([bytes(boundaries[c]) for c in codes], dtype=object))
    keep = np.isin(shapely.get_type_id(geometries), (3, 6)) & ~shapely.is_empty(geometries)
    codes = [c for c, k in zip(codes, keep, strict=True) if k]
    geometries = geometries[keep]
    if not codes:
        return _Shapes([], [], (0.0, 0.0, 1.0, 1.0))
    west, south, east, north = shapely.total_bounds(geometries)
    # Plate carrée with longitude shrunk by cos(latitude): true shape at the map's middle,
    # which for a district or county in the UK is within a fraction of a per cent everywhere.
    shrink = math.cos(math.radians((south + north) / 2))
    geometries = shapely.transform(geometries, lambda xy: xy * np.array([shrink, 1.0]))
    extent = max((east - west) * shrink, north - south, 1e-9)
    geometries = shapely.orient_polygons(
        shapely.simplify(geometries, extent / width_mm * SIMPLIFY_MM, preserve_topology=True),
        exterior_cw=False,
    )
    coords, (ring_offsets, polygon_offsets, shape_offsets) = _multipolygons(geometries)
    # One compound path per area: MOVETO at each ring's start, CLOSEPOLY at its end, so holes
    # (wound the other way) stay open.
    path_codes = np.full(len(coords), Path.LINETO, dtype=Path.code_type)
    path_codes[ring_offsets[:-1]] = Path.MOVETO
    path_codes[ring_offsets[1:] - 1] = Path.CLOSEPOLY
    starts = ring_offsets[polygon_offsets[shape_offsets]]
    kept: list[str] = []
    paths: list[Any] = []
    for i, code in enumerate(codes):
        a, b = starts[i], starts[i + 1]
        if b - a >= 3:
            kept.append(code)
            paths.append(Path(coords[a:b], path_codes[a:b]))
    x0, y0, x1, y1 = shapely.total_bounds(geometries)
    # A little room around the edge, so the outermost borders are not cut.
    pad = extent * 0.01
    return _Shapes(kept, paths, (x0 - pad, y0 - pad, x1 + pad, y1 + pad))


def _multipolygons(shapes: Any) -> tuple[Any, tuple[Any, Any, Any]]:
    import shapely

    # A mix of polygons and multipolygons comes back as multipolygons: three levels of offsets.
    _, coords, offsets = shapely.to_ragged_array(shapes)
    if len(offsets) == 2:  # polygons only
        import numpy as np

        offsets = (*offsets, np.arange(len(shapes) + 1))
    return coords, offsets


def _scale_bar(figure: Figure, ax: Axes, extent: float, right: float) -> None:
    """A scale bar under the legend, about a fifth of the map's width, in round kilometres."""
    from matplotlib.font_manager import FontProperties
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    km_per_unit = 111.32  # a degree of latitude; longitude was shrunk to the same scale
    target = extent * km_per_unit / 5
    nice = [n for n in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200) if n <= target]
    if not nice:
        return
    km = nice[-1]
    label = f"{km:g} km" if km >= 1 else f"{km * 1000:g} m"
    ax.add_artist(
        AnchoredSizeBar(
            ax.transData,
            km / km_per_unit,
            label,
            loc="lower left",
            bbox_to_anchor=(right + 0.01, 0.02),
            bbox_transform=figure.transFigure,
            frameon=False,
            size_vertical=0,
            color=INK,
            fontproperties=FontProperties(size=FONT_SIZE),
            borderpad=0.2,
        )
    )
