"""Figures: geography import times on the shared files, and locate() cost per point.

Imports the ONS lookup, the 22 LSOA boundary files and the IMD 2019 file into a new SQLite
database, then locates 10,000 points that fall inside an LSOA (seeded, drawn from the loaded
boundaries' extent) one call at a time, and all at once with locate_many.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

SHARED_GEOGRAPHY = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "geography"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--points", type=int, default=10_000)
    args = parser.parse_args()
    if not SHARED_GEOGRAPHY.is_dir():
        sys.exit(f"shared geography data not found at {SHARED_GEOGRAPHY}")

    from beacon.config import Settings
    from beacon.geography import service
    from beacon.geography.locate import boundary_index
    from beacon.runtime import open_runtime

    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        runtime = open_runtime(Settings(database_url=f"sqlite:///{folder}/geo.db"))
        with runtime.sessions() as session:
            started = time.perf_counter()
            service.import_lookup(session, SHARED_GEOGRAPHY / "lsoa11_ward19_lad19_lookup.csv")
            figures["lookup_import_s"] = round(time.perf_counter() - started, 2)
            started = time.perf_counter()
            for path in sorted((SHARED_GEOGRAPHY / "lsoa11").glob("*.geojson")):
                service.import_boundaries(session, path, level="lsoa")
            figures["lsoa_boundaries_import_s"] = round(time.perf_counter() - started, 2)
            started = time.perf_counter()
            service.import_imd(session, SHARED_GEOGRAPHY / "imd2019_england_lsoa.csv")
            figures["imd_import_s"] = round(time.perf_counter() - started, 2)

            index = boundary_index(session)
            rng = random.Random(20261124)
            points: list[tuple[float, float]] = []
            while len(points) < args.points:
                lat, lon = rng.uniform(50.7, 53.6), rng.uniform(-2.1, 0.9)
                if index.hits(lat, lon):
                    points.append((lat, lon))
            started = time.perf_counter()
            for lat, lon in points:
                service.locate(session, lat, lon)
            figures["locate_ms_per_point"] = round(
                (time.perf_counter() - started) / len(points) * 1000, 3
            )
            started = time.perf_counter()
            service.locate_many(session, points)
            figures["locate_many_ms_per_point"] = round(
                (time.perf_counter() - started) / len(points) * 1000, 4
            )
        runtime.close()
    if args.json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name:40} {value}")


if __name__ == "__main__":
    main()
