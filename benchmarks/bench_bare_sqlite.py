"""Reference figure: a bare csv.reader + executemany load of the same file, no validation.

Gives the machine's ceiling for loading this file into SQLite from Python, so the police
import's throughput can be read against it on any machine. ``bench_police_import.py`` runs
``bare_load`` beside the import in the same run; this script gives the figure on its own.

    python benchmarks/bench_bare_sqlite.py [--rows 600000] [--json]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from police_data import build_street_file  # noqa: E402


def bare_load(path: Path, database: Path) -> tuple[float, int]:
    """Load ``path``'s rows as raw strings into a plain table (WAL, synchronous=FULL, no
    index), one transaction; returns (seconds, rows)."""
    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute(f"CREATE TABLE street ({', '.join(f'c{i}' for i in range(12))})")
        connection.commit()
        started = time.perf_counter()
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            next(reader)
            connection.executemany(f"INSERT INTO street VALUES ({', '.join('?' * 12)})", reader)
        connection.commit()
        seconds = time.perf_counter() - started
        rows = connection.execute("SELECT count(*) FROM street").fetchone()[0]
    finally:
        connection.close()
    return seconds, rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=600_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    out_dir = Path(os.environ.get("BEACON_BENCH_DIR", HERE / "out"))
    path = build_street_file(out_dir / f"street-{args.rows}.csv", args.rows)
    with tempfile.TemporaryDirectory() as folder:
        seconds, rows = bare_load(path, Path(folder) / "bare.db")
    figures = {"bare_csv_executemany_rows_per_s": round(rows / seconds)}
    print(
        json.dumps(figures)
        if args.json
        else f"{'bare_csv_executemany_rows_per_s':40} {figures['bare_csv_executemany_rows_per_s']}"
    )


if __name__ == "__main__":
    main()
