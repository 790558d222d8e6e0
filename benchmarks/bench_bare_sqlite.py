"""Reference figure: a bare csv.reader + executemany load of the same file, no validation.

Gives the machine's ceiling for loading this file into SQLite from Python, so the police
import's throughput can be read against it on any machine.
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=600_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    out_dir = Path(os.environ.get("BEACON_BENCH_DIR", HERE / "out"))
    path = build_street_file(out_dir / f"street-{args.rows}.csv", args.rows)
    with tempfile.TemporaryDirectory() as folder:
        connection = sqlite3.connect(Path(folder) / "bare.db")
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute(f"CREATE TABLE street ({', '.join(f'c{i}' for i in range(12))})")
        started = time.perf_counter()
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            next(reader)
            connection.executemany(f"INSERT INTO street VALUES ({', '.join('?' * 12)})", reader)
        connection.commit()
        seconds = time.perf_counter() - started
        connection.close()
    figures = {"bare_csv_executemany_rows_per_s": round(args.rows / seconds)}
    print(
        json.dumps(figures)
        if args.json
        else f"{'bare_csv_executemany_rows_per_s':40} {figures['bare_csv_executemany_rows_per_s']}"
    )


if __name__ == "__main__":
    main()
