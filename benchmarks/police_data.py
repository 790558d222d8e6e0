"""Builds the benchmark's large data.police.uk street file from real published rows.

Rows come from the shared street CSVs (or any street CSVs given); each further copy shifts
the month forward by one year and re-derives Crime IDs, so every row of the result is a
distinct record (a file of repeated rows would measure duplicate detection, not import).
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

SHARED_POLICE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "police"


def build_street_file(out: Path, rows: int, sources: list[Path] | None = None) -> Path:
    sources = sources or sorted(SHARED_POLICE.glob("*-street.csv"))
    if not sources:
        raise SystemExit(f"no street CSVs found in {SHARED_POLICE}")
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists() and _count_rows(out) == rows:
        return out
    written = 0
    copy = 0
    with open(out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        header_done = False
        while written < rows:
            for source in sources:
                with open(source, newline="", encoding="utf-8-sig") as src:
                    reader = csv.reader(src)
                    header = next(reader)
                    if not header_done:
                        writer.writerow(header)
                        header_done = True
                    for row in reader:
                        if written >= rows:
                            break
                        if copy:
                            year, month = row[1].split("-")
                            row[1] = f"{int(year) + copy:04d}-{month}"
                            if row[0]:
                                row[0] = hashlib.sha256(f"{copy}:{row[0]}".encode()).hexdigest()
                        writer.writerow(row)
                        written += 1
            copy += 1
    return out


def _count_rows(path: Path) -> int:
    with open(path, "rb") as handle:
        return sum(1 for _ in handle) - 1
