"""Figure: `beacon import police` against a bare csv + executemany load, side by side.

Builds a street file of N distinct real rows (default 600,000) from the shared CSVs, then, on
that same file and alternating so that machine noise hits both alike, runs each of these
``--repeat`` times (default 3), every run in a fresh child process and a new database:

- bare: ``csv.reader`` + ``executemany`` of the 12 raw strings into a plain SQLite table
  (WAL, ``synchronous=FULL``, no index, one transaction): ``bench_bare_sqlite.bare_load``;
- import: ``import_police_files`` into a new migrated SQLite database (full validation, keys,
  indexes), with the child's peak resident memory.

It prints the best time of each, every run's time, the ratio of the best times (the goal is
at most 2.0) and the import's peak memory (goal at most 300 MB). It then does one run of
each on a file twice as large, to show that memory does not grow with the file.

    python benchmarks/bench_police_import.py [--rows 600000] [--repeat 3] [--json]
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
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_bare_sqlite import bare_load  # noqa: E402
from police_data import build_street_file  # noqa: E402


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_import(path: Path, database: Path) -> dict[str, Any]:
    from beacon.config import Settings
    from beacon.ingest.police_import import import_police_files
    from beacon.runtime import open_runtime

    runtime = open_runtime(Settings(database_url=f"sqlite:///{database}"))
    # Modules load before the clock starts, as csv and sqlite3 do for the bare loop: pyarrow's
    # one-off import and set-up (about 0.3 s) is not per-import work. Its memory is counted.
    import pyarrow as pa
    import pyarrow.compute
    import pyarrow.csv

    pa.array([""])
    started = time.perf_counter()
    report = import_police_files(runtime.engine, [path])
    seconds = time.perf_counter() - started
    summary = report.to_dict()
    runtime.close()
    if summary["imported"] != summary["rows_read"] or summary["rejected"]:
        raise SystemExit(f"unexpected import result: {summary['files']}")
    return {"seconds": seconds, "rows": summary["imported"], "peak_mb": _peak_mb()}


def child_bare(path: Path, database: Path) -> dict[str, Any]:
    seconds, rows = bare_load(path, database)
    return {"seconds": seconds, "rows": rows, "peak_mb": _peak_mb()}


def run_child(kind: str, path: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        out = subprocess.run(
            [sys.executable, __file__, "--child", kind, str(path), str(Path(folder) / "b.db")],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def side_by_side(path: Path, repeat: int) -> dict[str, Any]:
    bare: list[dict[str, Any]] = []
    imported: list[dict[str, Any]] = []
    for _ in range(repeat):
        bare.append(run_child("bare", path))
        imported.append(run_child("import", path))
    best_bare = min(r["seconds"] for r in bare)
    best_import = min(r["seconds"] for r in imported)
    return {
        "rows": imported[0]["rows"],
        "bare_s": round(best_bare, 2),
        "bare_runs": " ".join(f"{r['seconds']:.2f}" for r in bare),
        "import_s": round(best_import, 2),
        "import_runs": " ".join(f"{r['seconds']:.2f}" for r in imported),
        "ratio": round(best_import / best_bare, 2),
        "peak_mb": round(max(r["peak_mb"] for r in imported), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=600_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "CSV", "DB"))
    args = parser.parse_args()
    if args.child:
        kind, csv_path, db_path = args.child
        run = child_import if kind == "import" else child_bare
        print(json.dumps(run(Path(csv_path), Path(db_path))))
        return
    out_dir = Path(os.environ.get("BEACON_BENCH_DIR", HERE / "out"))
    main_file = build_street_file(out_dir / f"street-{args.rows}.csv", args.rows)
    double_file = build_street_file(out_dir / f"street-{args.rows * 2}.csv", args.rows * 2)
    main_run = side_by_side(main_file, args.repeat)
    double = side_by_side(double_file, 1)
    figures = {
        "police_import_rows": main_run["rows"],
        "bare_csv_executemany_seconds": main_run["bare_s"],
        "bare_csv_executemany_runs": main_run["bare_runs"],
        "police_import_seconds": main_run["import_s"],
        "police_import_runs": main_run["import_runs"],
        "police_import_ratio_to_bare": main_run["ratio"],
        "police_import_rows_per_s": round(main_run["rows"] / main_run["import_s"]),
        "police_import_peak_mb": main_run["peak_mb"],
        "double_file_rows": double["rows"],
        "double_file_bare_seconds": double["bare_s"],
        "double_file_import_seconds": double["import_s"],
        "double_file_ratio_to_bare": double["ratio"],
        "double_file_peak_mb": double["peak_mb"],
    }
    if args.json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name:40} {value}")


if __name__ == "__main__":
    main()
