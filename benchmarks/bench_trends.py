"""Emerging-risk screening throughput: `emerging_risks` over many monthly series.

Builds N seeded synthetic series of 36 months (so the seasonal Mann–Kendall test runs; counts
drawn as Poisson with gamma-distributed means, like LSOA x crime-type counts: many small, a few
large) and applies the default rules. Reports series per second (wall and per CPU-second),
the flags found, and the cost of one full `trend_summary` (changes, binomial tests, trend).
Nearly all the time is the seasonal Mann–Kendall test in pymannkendall.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from beacon.analytics.emerging import emerging_risks
from beacon.analytics.trends import MonthlySeries, trend_summary

MONTHS = tuple(f"{y}-{m:02d}" for y in (2022, 2023, 2024) for m in range(1, 13))


def build_series(count: int, seed: int = 2024) -> list[MonthlySeries]:
    rng = np.random.default_rng(seed)
    means = rng.gamma(0.8, 4.0, count)
    return [
        MonthlySeries(
            group=(("lsoa", f"E01{i:06d}"), ("crime_type", "Burglary")),
            months=MONTHS,
            counts=tuple(int(v) for v in rng.poisson(mean, len(MONTHS))),
        )
        for i, mean in enumerate(means)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=3_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    series = build_series(args.series)
    emerging_risks(series[:50])  # warm imports and caches
    wall: list[float] = []
    cpu: list[float] = []
    flags = 0
    for _ in range(args.rounds):
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        flags = len(emerging_risks(series))
        wall.append(len(series) / (time.perf_counter() - wall_start))
        cpu.append(len(series) / (time.process_time() - cpu_start))
    sample = series[:300]
    started = time.perf_counter()
    for one in sample:
        trend_summary(one.months, one.counts)
    summary_ms = (time.perf_counter() - started) / len(sample) * 1000

    figures = {
        "emerging_series_per_s": round(max(wall)),
        "emerging_series_per_cpu_s": round(max(cpu)),
        "emerging_flags": flags,
        "emerging_series": len(series),
        "trend_summary_ms_36_months": round(summary_ms, 2),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    if args.json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name:40} {value}")


if __name__ == "__main__":
    main()
