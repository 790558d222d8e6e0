"""Concentration and deprivation measures over every LSOA in England (32,844 areas).

Area codes and IMD 2019 deciles come from the shared IMD file, populations from the 2011
census file shipped by the crime-sim-toolkit package; counts are seeded Poisson draws whose
mean rises with deprivation. Reports the time of one `concentration` call (top 5%/10% shares,
Gini, Lorenz curve and its 200-point drawing) and one `rates_by_decile` call.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import sys
import time
from pathlib import Path

import numpy as np

from beacon.analytics.concentration import concentration, rates_by_decile

SHARED_GEOGRAPHY = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "geography"


def load_areas() -> list[tuple[str, int, int]]:
    imd = SHARED_GEOGRAPHY / "imd2019_england_lsoa.csv"
    if not imd.exists():
        sys.exit(f"shared IMD file not found at {imd}")
    with imd.open(newline="", encoding="utf-8-sig") as handle:
        deciles = {r["lsoa_code"]: int(r["IMD_decile"]) for r in csv.DictReader(handle)}
    spec = importlib.util.find_spec("crime_sim_toolkit")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("crime-sim-toolkit is not installed (it ships the census population file)")
    root = Path(next(iter(spec.submodule_search_locations)))
    census = root / "src" / "LSOA_data" / "census_2011_population_hh.csv"
    population: dict[str, int] = {}
    with census.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        code_at, people_at = header.index("LSOA Code"), header.index("Persons")
        for row in reader:
            population[row[code_at]] = int(row[people_at].replace(",", ""))
    return [(code, decile, population[code]) for code, decile in sorted(deciles.items())]


def best_of(rounds: int, call: object) -> float:
    assert callable(call)
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return min(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    areas = load_areas()
    rng = np.random.default_rng(19)
    counts = rng.poisson([(12 - decile) * 2.0 for _, decile, _ in areas])
    codes = [code for code, _, _ in areas]
    rows = [
        {"code": code, "decile": decile, "count": int(c), "population": people}
        for (code, decile, people), c in zip(areas, counts, strict=True)
    ]
    result = concentration(codes, counts)
    figures = {
        "concentration_ms_all_lsoas": round(
            best_of(args.rounds, lambda: concentration(codes, counts)), 1
        ),
        "rates_by_decile_ms_all_lsoas": round(
            best_of(args.rounds, lambda: rates_by_decile(rows)), 1
        ),
        "areas": len(codes),
        "lorenz_points_drawn": len(result.lorenz_drawn),
        "to_dict_kb": round(len(json.dumps(result.to_dict())) / 1024, 1),
    }
    if args.json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name:40} {value}")


if __name__ == "__main__":
    main()
