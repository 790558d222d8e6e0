"""Figures: importing the 2011 census population of every LSOA (34,753 rows) into SQLite.

Times ``import_population`` on the census table shipped in crime-sim-toolkit into a new,
migrated SQLite database (first import: every row inserted), then the same file again (every
row unchanged). Best of three runs each.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from importlib import resources
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from beacon.analytics.reference import import_population
    from beacon.config import Settings
    from beacon.runtime import open_runtime

    census = (
        Path(str(resources.files("crime_sim_toolkit")))
        / "src"
        / "LSOA_data"
        / "census_2011_population_hh.csv"
    )
    first: list[float] = []
    again: list[float] = []
    rows = 0
    for attempt in range(3):
        with tempfile.TemporaryDirectory() as folder:
            runtime = open_runtime(Settings(database_url=f"sqlite:///{folder}/p{attempt}.db"))
            try:
                for times in (first, again):
                    with runtime.sessions() as session, session.begin():
                        start = time.perf_counter()
                        summary = import_population(session, census)
                    times.append(time.perf_counter() - start)
                    rows = summary.rows_read
            finally:
                runtime.close()
    figures = {
        "census_rows": rows,
        "first_import_seconds": round(min(first), 2),
        "first_import_rows_per_second": round(rows / min(first)),
        "reimport_seconds": round(min(again), 2),
    }
    if args.json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name:32} {value}")


if __name__ == "__main__":
    main()
