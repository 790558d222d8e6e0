"""Server-side drawing of the workspace's chart and map specs (matplotlib), for the PDF."""

from __future__ import annotations

import io

import numpy as np
import shapely
from PIL import Image

from beacon.assessment.drawing import draw_chart, draw_map, hatch_for, missing_boundaries
from beacon.workspace.figures import HOTSPOT_FILLS, bar_chart, hotspot_map, trend_chart

PNG = b"\x89PNG\r\n\x1a\n"


def squares(count: int, *, size: float = 0.02) -> dict[str, bytes]:
    """``count`` squares in a row near Brighton, as the WKB the database stores."""
    return {
        f"E0100000{i}": shapely.to_wkb(
            shapely.box(-0.2 + i * size, 50.82, -0.2 + (i + 1) * size, 50.82 + size)
        )
        for i in range(1, count + 1)
    }


def gi_map(classes: dict[str, str]) -> dict:
    return hotspot_map(
        [{"area": code, "class": c} for code, c in classes.items()],
        href=lambda code: f"/areas/{code}",
        value_text=lambda a: a["class"],
    )


def rgb(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.convert("RGB")


def pixels_near(image: Image.Image, colour: str, tolerance: int = 12) -> list[tuple[int, int]]:
    """(x, y) of the pixels within ``tolerance`` of ``colour`` on every channel."""
    target = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    close = (np.abs(np.asarray(image, dtype=int) - target) <= tolerance).all(axis=2)
    ys, xs = np.nonzero(close)
    return list(zip(xs.tolist(), ys.tolist(), strict=True))


def trend() -> dict:
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    counts = [40, 42, 38, 61, 44, 41, 39, 37, 45, 43, 20, 41]
    changes = [
        {"direction": "rise", "index": 3, "count": 61},
        {"direction": "fall", "index": 10, "count": 20},
    ]
    return trend_chart(months, counts, changes, label="Crimes", sen_slope=0.2, trend_note="n")


def test_charts_draw_as_svg_and_png() -> None:
    bars = bar_chart(["Burglary", "Robbery", "Shoplifting"], [12, 3, 40], label="Crimes")
    for spec in (trend(), bars):
        svg = draw_chart(spec)
        assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg[:2000]
        png = draw_chart(spec, fmt="png")
        assert png.startswith(PNG)
        width, height = Image.open(io.BytesIO(png)).size  # 160 x 80 mm at 200 dpi
        assert abs(width - 1260) <= 1 and abs(height - 630) <= 1


def test_bars_with_long_names_lie_sideways_and_fit_their_bars() -> None:
    def size(count: int) -> tuple[int, int]:
        names = [f"Violence and sexual offences {i}" for i in range(count)]
        spec = bar_chart(names, list(range(count)), label="Crimes")
        return Image.open(io.BytesIO(draw_chart(spec, fmt="png"))).size

    few, many = size(3), size(15)
    assert few[0] == many[0]
    assert few[1] < 630 < many[1]


def test_chart_marks_rises_and_falls_with_their_own_colours() -> None:
    spec = trend()
    plain = dict(spec, series=spec["series"][:1])
    marked = rgb(draw_chart(spec, fmt="png"))
    unmarked = rgb(draw_chart(plain, fmt="png"))
    rise, fall = spec["series"][1]["colour"], spec["series"][2]["colour"]
    assert len(pixels_near(marked, rise)) > 50
    assert len(pixels_near(marked, fall)) > 50
    assert pixels_near(unmarked, rise) == []
    assert pixels_near(unmarked, fall) == []


def test_map_draws_png_and_svg() -> None:
    boundaries = squares(3)
    spec = gi_map(dict.fromkeys(boundaries, "not significant"))
    assert draw_map(spec, boundaries).startswith(PNG)
    assert b"<svg" in draw_map(spec, boundaries, fmt="svg")[:2000]


def test_a_hot_spot_changes_the_drawing() -> None:
    boundaries = squares(4)
    quiet = dict.fromkeys(boundaries, "not significant")
    hot = dict(quiet, E01000002="hot 99%")
    with_hot = rgb(draw_map(gi_map(hot), boundaries))
    without = rgb(draw_map(gi_map(quiet), boundaries))
    assert with_hot.histogram() != without.histogram()
    red = HOTSPOT_FILLS["hot 99%"]
    assert len(pixels_near(with_hot, red)) > 5_000  # a whole square, less its hatching
    assert pixels_near(without, red) == []


def test_missing_boundaries_names_the_areas_not_drawn() -> None:
    boundaries = squares(2)
    spec = gi_map({"E01000001": "hot 95%", "E01000002": "cold 95%", "E01000999": "hot 99%"})
    assert missing_boundaries(spec, boundaries) == ["E01000999"]
    assert missing_boundaries(spec, {**boundaries, "E01000999": boundaries["E01000001"]}) == []
    # The map is still drawn, without the area it cannot place.
    assert draw_map(spec, boundaries).startswith(PNG)
    assert draw_map(gi_map({"E01000999": "hot 99%"}), boundaries).startswith(PNG)


def _patch(image: Image.Image, grey: Image.Image, colour: str, half: int = 40) -> np.ndarray:
    """Grey levels of a square window at the middle of the area filled with ``colour``."""
    found = pixels_near(image, colour)
    xs = sorted(x for x, _ in found)
    ys = sorted(y for _, y in found)
    x, y = xs[len(xs) // 2], ys[len(ys) // 2]
    return np.asarray(grey.crop((x - half, y - half, x + half, y + half)))


def test_hot_and_cold_differ_in_greyscale() -> None:
    # Hot 95% and cold 99% print as almost the same grey: hatching must tell them apart.
    hot, cold = HOTSPOT_FILLS["hot 95%"], HOTSPOT_FILLS["cold 99%"]
    grey_of = [Image.new("RGB", (1, 1), c).convert("L").getpixel((0, 0)) for c in (hot, cold)]
    assert abs(grey_of[0] - grey_of[1]) < 5

    boundaries = squares(3, size=0.03)
    spec = gi_map({"E01000001": "hot 95%", "E01000002": "not significant", "E01000003": "cold 99%"})
    image = rgb(draw_map(spec, boundaries))
    grey = image.convert("L")
    hot_patch, cold_patch = _patch(image, grey, hot), _patch(image, grey, cold)

    hot_light, cold_light = hot_patch > 160, cold_patch > 160  # the white hatching
    # Both areas carry hatching (without it each window would be one flat grey) ...
    assert hot_light.mean() > 0.05 and cold_light.mean() > 0.02
    # ... of different patterns: diagonal lines cross every pixel row of the window, while
    # rows of dots leave rows between them empty.
    assert hot_light.any(axis=1).mean() > 0.95
    assert cold_light.any(axis=1).mean() < 0.7
    assert hatch_for(hot) != hatch_for(cold)
    assert hatch_for(HOTSPOT_FILLS["not significant"]) is None
