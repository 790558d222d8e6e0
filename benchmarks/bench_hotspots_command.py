"""The whole `beacon analyse hotspots` command over 32,844 areas, beside esda's G_Local alone.

Goal (issue 8): Gi* with 999 permutations over 32,844 areas (all English LSOAs; a generated
lattice of that size is fine) as a whole command in at most twice the time esda's `G_Local`
alone takes on the same counts and neighbours, measured in the same run.

Set-up (not timed): a Beacon SQLite database whose 32,844 LSOAs are the squares of a 204 x 161
lattice (stored as boundaries like real ones), grouped into 161 districts, with one month of
street crime whose counts follow a few smooth hot areas plus noise; then a snapshot (which
finds the queen neighbours from the boundaries). Timed, best of 3, each as its own process:

* ``beacon analyse hotspots --month 2024-01 --json`` (every area: no area option);
* ``python -c`` that loads the same counts and neighbour pairs, builds the libpysal weights and
  runs ``esda.G_Local(star=True, permutations=999)``: the ``G_Local`` call alone is the anchor
  (the goal's "esda's G_Local alone"); the whole process is reported too.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COLUMNS, ROWS = 204, 161  # 32,844 areas
SIZE = 0.01  # degrees per square


def build(database: Path) -> None:
    from shapely.geometry import box

    from beacon.config import Settings
    from beacon.db.migrate import upgrade

    upgrade(Settings(environment="test", database_url=f"sqlite:///{database}"))
    rng = random.Random(8)
    centres = [(rng.uniform(0, COLUMNS), rng.uniform(0, ROWS)) for _ in range(12)]
    areas, boundaries, crimes = [], [], []
    area_id = 0
    crime_id = 0
    for row in range(ROWS):
        area_id += 1
        district_id = area_id
        areas.append((district_id, "district", f"E07{row:06d}", "2019", f"District {row}", None))
        for column in range(COLUMNS):
            area_id += 1
            code = f"E01{row * COLUMNS + column:06d}"
            areas.append((area_id, "lsoa", code, "2011", f"LSOA {code}", district_id))
            # Corners from the integer grid, so neighbours share exactly equal vertices (as
            # real boundaries do; queen contiguity compares vertices exactly).
            lon, lat = -2.0 + column * SIZE, 52.0 + row * SIZE
            east, north = -2.0 + (column + 1) * SIZE, 52.0 + (row + 1) * SIZE
            square = box(lon, lat, east, north)
            boundaries.append((area_id, square.wkb, lon, lat, east, north))
            heat = sum(math.exp(-((column - x) ** 2 + (row - y) ** 2) / 60.0) for x, y in centres)
            count = 1 + int(20 * heat) + rng.randint(0, 3)
            for _ in range(count):
                crime_id += 1
                crimes.append(
                    (
                        crime_id,
                        crime_id.to_bytes(16, "big"),
                        "2024-01-01",
                        lon + SIZE / 2,
                        lat + SIZE / 2,
                        code,
                        "Burglary",
                    )
                )
    con = sqlite3.connect(database)
    try:
        con.executemany(
            "INSERT INTO area (id, level, code, vintage, name, parent_id) VALUES (?,?,?,?,?,?)",
            areas,
        )
        con.executemany(
            "INSERT INTO area_boundary (area_id, geometry_wkb, min_lon, min_lat, max_lon, "
            "max_lat) VALUES (?,?,?,?,?,?)",
            boundaries,
        )
        con.executemany(
            "INSERT INTO police_street_crime (id, record_key, occurrence, month, reported_by, "
            "falls_within, longitude, latitude, location, lsoa_code, lsoa_name, crime_type, "
            "first_import_id, last_import_id) "
            "VALUES (?, ?, 0, ?, 'Bench Police', 'Bench Police', ?, ?, 'On or near Bench', ?, "
            "'LSOA', ?, 1, 1)",
            crimes,
        )
        con.commit()
    finally:
        con.close()


ESDA_ALONE = """
import sys, json
import duckdb
from esda.getisord import G_Local
from libpysal.weights import W
counts_file, pairs_file = sys.argv[1], sys.argv[2]
rows = duckdb.sql(f"SELECT area, count FROM read_json('{counts_file}') ORDER BY area").fetchall()
codes = [r[0] for r in rows]
index = {c: i for i, c in enumerate(codes)}
neighbours = {c: [] for c in codes}
for a, b in duckdb.sql(f"SELECT * FROM read_parquet('{pairs_file}')").fetchall():
    if a in index and b in index:
        neighbours[a].append(b)
        neighbours[b].append(a)
w = W(neighbours, id_order=codes, silence_warnings=True)
import time
y = [r[1] for r in rows]
begun = time.perf_counter()
G_Local(y, w, transform="B", star=True, permutations=999, seed=12345)
print(time.perf_counter() - begun)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="beacon-bench-hotspots-") as folder:
        root = Path(folder)
        database = root / "beacon.db"
        build(database)
        env = {
            **os.environ,
            "BEACON_DATABASE_URL": f"sqlite:///{database}",
            "BEACON_DATA_DIR": str(root / "var"),
        }
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "beacon", "analyse", "snapshot"],
            env=env,
            check=True,
            capture_output=True,
        )
        snapshot_s = time.perf_counter() - started
        command = [sys.executable, "-m", "beacon", "analyse", "hotspots", "--month", "2024-01"]
        command_times, output = [], ""
        for _ in range(3):
            begun = time.perf_counter()
            done = subprocess.run(
                [*command, "--json"], env=env, check=True, capture_output=True, text=True
            )
            command_times.append(time.perf_counter() - begun)
            output = done.stdout
        rows = json.loads(output)
        counts_file = root / "counts.json"
        counts_file.write_text(json.dumps([{"area": r["area"], "count": r["count"]} for r in rows]))
        snapshot = next(p for p in (root / "var" / "snapshots").iterdir() if p.name[0].isdigit())
        pairs_file = snapshot / "lsoa_neighbours.parquet"
        esda_times, g_local_times = [], []
        for _ in range(3):
            begun = time.perf_counter()
            alone = subprocess.run(
                [sys.executable, "-c", ESDA_ALONE, str(counts_file), str(pairs_file)],
                check=True,
                capture_output=True,
                text=True,
            )
            esda_times.append(time.perf_counter() - begun)
            g_local_times.append(float(alone.stdout.strip().splitlines()[-1]))
    classes: dict[str, int] = {}
    for row in rows:
        classes[row["class"]] = classes.get(row["class"], 0) + 1
    best_command, best_esda, best_g_local = min(command_times), min(esda_times), min(g_local_times)
    figures = {
        "areas": len(rows),
        "snapshot_s (set-up, includes queen contiguity)": round(snapshot_s, 2),
        "hotspots_command_s": round(best_command, 2),
        "g_local_call_s (anchor)": round(best_g_local, 2),
        "command_over_g_local (goal <=2)": round(best_command / best_g_local, 2),
        "esda_alone_whole_process_s": round(best_esda, 2),
        "command_over_esda_process": round(best_command / best_esda, 2),
        "classes": classes,
    }
    if options.json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name:50} {value}")


if __name__ == "__main__":
    main()
