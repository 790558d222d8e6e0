"""Snapshot refresh and counts at scale: 5 million street crimes in SQLite.

Goals (issue 8): snapshot refresh from SQLite of 5 million rows <=10 s; counts by area x month
x type from the snapshot <=0.5 s as a whole process; memory <=1 GB.

Set-up (not timed): a Beacon SQLite database with 300 districts, 3,000 wards and 33,000 LSOAs,
and 5,000,000 street crimes over 12 months spread over the LSOAs (skewed, like real data),
written by DuckDB through its SQLite scanner. Then, each as a whole ``beacon`` process:

* ``beacon analyse snapshot --full`` (every month written), with its peak memory;
* ``beacon analyse snapshot`` after one more month is added (incremental: 1 month written);
* ``beacon analyse counts --lad <district> --by lsoa,month,crime-type --json`` (one district,
  every LSOA x month x type; DuckDB still scans every month file of the period);
* ``beacon analyse counts --by district,month,crime-type --json`` over everything.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROWS = 5_000_000
DISTRICTS, WARDS_PER_DISTRICT, LSOAS_PER_WARD = 300, 10, 11
TYPES = [
    "Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson", "Drugs",
    "Other crime", "Other theft", "Possession of weapons", "Public order", "Robbery",
    "Shoplifting", "Theft from the person", "Vehicle crime", "Violence and sexual offences",
]  # fmt: skip


def build(database: Path, rows: int, months: int = 12) -> None:
    from beacon.config import Settings
    from beacon.db.migrate import upgrade

    settings = Settings(environment="test", database_url=f"sqlite:///{database}")
    upgrade(settings)
    con = sqlite3.connect(database)
    try:
        area_id = 0
        records = []
        for d in range(DISTRICTS):
            area_id += 1
            district_id = area_id
            records.append((district_id, "district", f"E07{d:06d}", "2019", f"District {d}", None))
            for w in range(WARDS_PER_DISTRICT):
                area_id += 1
                ward_id = area_id
                code = f"E05{d * WARDS_PER_DISTRICT + w:06d}"
                records.append((ward_id, "ward", code, "2019", f"Ward {code}", district_id))
                for s in range(LSOAS_PER_WARD):
                    area_id += 1
                    n = (d * WARDS_PER_DISTRICT + w) * LSOAS_PER_WARD + s
                    records.append((area_id, "lsoa", f"E01{n:06d}", "2011", f"LSOA {n}", ward_id))
        con.executemany(
            "INSERT INTO area (id, level, code, vintage, name, parent_id) VALUES (?,?,?,?,?,?)",
            records,
        )
        con.commit()
    finally:
        # Closed before DuckDB writes the same file: two SQLite libraries in one process must
        # not hold it open at once.
        con.close()
    add_crimes(database, rows, first_month=0, months=months, first_id=1)


def add_crimes(database: Path, rows: int, *, first_month: int, months: int, first_id: int) -> None:
    from beacon.analytics import duck

    lsoas = DISTRICTS * WARDS_PER_DISTRICT * LSOAS_PER_WARD
    types = "[" + ",".join("'" + t + "'" for t in TYPES) + "]"
    con = duck.connect(memory_limit="2GB")
    duck.load_extension(con, "sqlite")
    con.execute(f"ATTACH '{database.as_posix()}' AS db (TYPE sqlite)")
    # Skewed places (a few LSOAs carry much of the crime) and types, seeded by the row number.
    con.execute(
        f"""
        INSERT INTO db.police_street_crime (id, record_key, occurrence, month, reported_by,
            falls_within, longitude, latitude, location, lsoa_code, lsoa_name, crime_type,
            first_import_id, last_import_id, source_line)
        SELECT {first_id} + i, sha256(CAST({first_id} + i AS VARCHAR))[:16]::BLOB, 0,
            DATE '2024-01-01' + INTERVAL ({first_month} + i % {months}) MONTH,
            'Bench Police', 'Bench Police', -1.5 + (i % 1000) / 10000.0,
            52.9 + (i % 997) / 10000.0, 'On or near Bench Street',
            printf('E01%06d', CAST(floor(pow(hash(i) % 1000000 / 1000000.0, 2) * {lsoas}) AS INT)),
            'LSOA', {types}[1 + CAST(hash(i * 7) % 14 AS INT)], 1, 1, i + 2
        FROM range({rows}) t(i)
        """
    )
    con.close()


def run(*args: str, env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "beacon", *args], capture_output=True, text=True, env=env
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"beacon {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return elapsed, result


def best(times: int, *args: str, env: dict[str, str]) -> tuple[float, str]:
    results = [run(*args, env=env) for _ in range(times)]
    return min(r[0] for r in results), results[-1][1].stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rows", type=int, default=ROWS)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="beacon-bench-snapshot-") as folder:
        root = Path(folder)
        database = root / "beacon.db"
        started = time.perf_counter()
        build(database, options.rows)
        setup = time.perf_counter() - started
        env = {
            **os.environ,
            "BEACON_DATABASE_URL": f"sqlite:///{database}",
            "BEACON_DATA_DIR": str(root / "var"),
        }
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        full, _ = run("analyse", "snapshot", "--full", env=env)
        peak_mb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
        one_more = options.rows // 12
        add_crimes(database, one_more, first_month=12, months=1, first_id=options.rows + 1)
        incremental, output = run("analyse", "snapshot", "--json", env=env)
        manifest = json.loads(output.stdout)
        district_counts, out = best(
            5,
            "analyse", "counts", "--lad", "E07000001", "--from", "2024-01", "--to", "2024-12",
            "--by", "lsoa,month,crime-type", "--json",
            env=env,
        )  # fmt: skip
        groups_district = len(json.loads(out))
        all_counts, out = best(
            3,
            "analyse", "counts", "--from", "2024-01", "--to", "2024-12",
            "--by", "district,month,crime-type", "--json",
            env=env,
        )  # fmt: skip
        groups_all = len(json.loads(out))
        start_up, _ = best(5, "--help", env=env)
        # The anchor: DuckDB alone grouping the same Parquet files, as a whole process.
        from beacon.analytics.snapshot import open_snapshot
        from beacon.config import Settings

        snapshot = open_snapshot(Settings(data_dir=root / "var"))
        files = [p.as_posix() for p in snapshot.files("street_crime")]
        bare = (
            'import duckdb; duckdb.sql("SELECT ym, crime_type, count(*) '
            f'FROM read_parquet({files!r}) GROUP BY ALL").fetchall()'
        )
        bare_times = []
        for _ in range(5):
            begun = time.perf_counter()
            subprocess.run([sys.executable, "-c", bare], check=True)
            bare_times.append(time.perf_counter() - begun)
    figures = {
        "rows": options.rows,
        "setup_s (not a goal)": round(setup, 1),
        "snapshot_full_s (goal <=10)": round(full, 2),
        "snapshot_full_rows_per_s": round(options.rows / full),
        "snapshot_peak_rss_mb (goal <=1024)": round(peak_mb),
        "snapshot_incremental_s": round(incremental, 2),
        "incremental_months_written": len(manifest["written_months"]),
        "incremental_months_reused": len(manifest["reused_months"]),
        "counts_district_lsoa_month_type_s (goal <=0.5)": round(district_counts, 3),
        "counts_district_groups": groups_district,
        "counts_all_district_month_type_s": round(all_counts, 3),
        "counts_all_groups": groups_all,
        "bare_duckdb_groupby_process_s (anchor)": round(min(bare_times), 3),
        "beacon_help_s": round(start_up, 3),
    }
    if options.json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name:50} {value}")


if __name__ == "__main__":
    main()
