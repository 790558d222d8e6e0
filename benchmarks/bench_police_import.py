"""Figure: data.police.uk street import throughput into SQLite, and peak memory.

Builds a street file of N distinct real rows (default 600,000) from the shared CSVs, imports
it into a new SQLite database with full validation in a child process, and reports rows/s and
the child's peak resident memory. Also imports a file twice as large, to show memory does not
grow with the file (every buffer and cache in the import has a fixed bound).

    python benchmarks/bench_police_import.py [--rows 600000] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from police_data import build_street_file  # noqa: E402


def child(path: Path, database: Path) -> None:
    from beacon.config import Settings
    from beacon.ingest.police_import import import_police_files
    from beacon.runtime import open_runtime

    runtime = open_runtime(Settings(database_url=f"sqlite:///{database}"))
    started = time.perf_counter()
    report = import_police_files(runtime.engine, [path])
    seconds = time.perf_counter() - started
    summary = report.to_dict()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "imported": summary["imported"],
                "rejected": summary["rejected"],
                "rows_read": summary["rows_read"],
            }
        )
    )


def measure(path: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.db"
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(path), str(database)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = json.loads(out.strip().splitlines()[-1])
    # ru_maxrss of children is the largest child so far: measure the smaller file first.
    result["peak_mb"] = max(peak_kb, before) / 1024
    result["rows_per_s"] = result["rows_read"] / result["seconds"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=600_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("CSV", "DB"))
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]))
        return
    out_dir = Path(os.environ.get("BEACON_BENCH_DIR", HERE / "out"))
    main_file = build_street_file(out_dir / f"street-{args.rows}.csv", args.rows)
    double_file = build_street_file(out_dir / f"street-{args.rows * 2}.csv", args.rows * 2)
    result = measure(main_file)
    double = measure(double_file)
    figures = {
        "police_import_rows_per_s": round(result["rows_per_s"]),
        "police_import_seconds": round(result["seconds"], 2),
        "police_import_rows": result["rows_read"],
        "police_import_peak_mb": round(result["peak_mb"], 1),
        "police_import_peak_mb_double_file": round(double["peak_mb"], 1),
        "police_import_rows_per_s_double_file": round(double["rows_per_s"]),
    }
    if args.json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name:40} {value}")


if __name__ == "__main__":
    main()
