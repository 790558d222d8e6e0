"""Generates a city's worth of dated, projected events for the near-repeat benchmark.

The layout imitates data.police.uk street-level data: events sit on a fixed set of snapped
map points (so many events share exact coordinates), the points cluster around neighbourhood
centres, some places are far busier than others, and a share of events are near repeats
(a later event at or near an earlier one within days), so the Knox test has something to find.
Everything is drawn from one seeded generator: the same arguments give the same file.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import numpy as np

# A city of about 12 km x 10 km in British National Grid metres (roughly where Derby is).
ORIGIN_X, ORIGIN_Y = 430_000.0, 330_000.0
WIDTH_M, HEIGHT_M = 12_000.0, 10_000.0


def generate_events(
    count: int = 12_334,
    *,
    centres: int = 150,
    points_per_centre: int = 20,
    spread_m: float = 200.0,
    near_repeat_share: float = 0.1,
    start: date = date(2024, 1, 1),
    days: int = 366,
    seed: int = 2024,
) -> tuple[np.ndarray, np.ndarray, list[date]]:
    """``count`` events as (x, y, dates): x and y in metres, dates over ``days`` days."""
    rng = np.random.default_rng(seed)
    centre_xy = rng.uniform([0.0, 0.0], [WIDTH_M, HEIGHT_M], size=(centres, 2))
    centre_weight = rng.lognormal(0.0, 1.0, size=centres)
    # Snap points scattered around each centre, rounded to the metre like published points.
    owner = np.repeat(np.arange(centres), points_per_centre)
    points = centre_xy[owner] + rng.normal(0.0, spread_m, size=(owner.size, 2))
    points = np.round(points)
    point_weight = centre_weight[owner] * rng.lognormal(0.0, 0.8, size=owner.size)
    point_weight /= point_weight.sum()

    base = int(count * (1.0 - near_repeat_share))
    chosen = rng.choice(owner.size, size=base, p=point_weight)
    # Dates over the period with a mild summer peak.
    day = rng.uniform(0, days, size=base * 2)
    keep = rng.uniform(0, 1.3, size=day.size) < 1.0 + 0.3 * np.sin(2 * np.pi * day / days)
    day_numbers = day[keep][:base].astype(np.int64)

    # Near repeats: a later event within a few days at the same or a neighbouring point.
    follow = count - base
    source = rng.integers(0, base, size=follow)
    lag = rng.geometric(0.2, size=follow)
    same_point = rng.uniform(size=follow) < 0.5
    nearby = points[chosen[source]] + np.round(rng.normal(0.0, 60.0, size=(follow, 2)))
    follow_xy = np.where(same_point[:, None], points[chosen[source]], nearby)
    follow_day = np.minimum(day_numbers[source] + lag, days - 1)

    xy = np.concatenate([points[chosen], follow_xy])
    all_days = np.concatenate([day_numbers, follow_day])
    order = np.argsort(all_days, kind="stable")
    x = xy[order, 0] + ORIGIN_X
    y = xy[order, 1] + ORIGIN_Y
    dates = [start + timedelta(days=int(d)) for d in all_days[order]]
    return x, y, dates


def write_calculator_csv(path: Path, count: int = 12_334, *, seed: int = 2024) -> Path:
    """Write the events as the Near Repeat Calculator's CSV (x, y, YYYY-MM-DD; no header)."""
    x, y, dates = generate_events(count, seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for xi, yi, di in zip(x, y, dates, strict=True):
            writer.writerow([f"{xi:.1f}", f"{yi:.1f}", di.isoformat()])
    return path
