"""Independent readings of data.police.uk files, for tests to compare Beacon's figures with."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

STREET_HEADER = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
]
OUTCOMES_HEADER = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Outcome type",
]
STOP_SEARCH_HEADER = [
    "Type",
    "Date",
    "Part of a policing operation",
    "Policing operation",
    "Latitude",
    "Longitude",
    "Gender",
    "Age range",
    "Self-defined ethnicity",
    "Officer-defined ethnicity",
    "Legislation",
    "Object of search",
    "Outcome",
    "Outcome linked to object of search",
    "Removal of more than just outer clothing",
]


@dataclass
class StreetFacts:
    rows: int
    by_type: Counter[str]
    by_lsoa: Counter[str]
    no_location: int
    no_lsoa: int
    conflict_lines: list[int]
    force: str
    month: str


def read_street(path: Path) -> StreetFacts:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    seen: set[str] = set()
    conflict_lines = []
    for line, row in enumerate(rows, start=2):  # the shared files have no multi-line fields
        crime_id = row["Crime ID"]
        if crime_id:
            if crime_id in seen:
                conflict_lines.append(line)
            seen.add(crime_id)
    return StreetFacts(
        rows=len(rows),
        by_type=Counter(r["Crime type"] for r in rows),
        by_lsoa=Counter(r["LSOA code"] for r in rows if r["LSOA code"]),
        no_location=sum(1 for r in rows if not r["Longitude"]),
        no_lsoa=sum(1 for r in rows if not r["LSOA code"]),
        conflict_lines=conflict_lines,
        force=rows[0]["Falls within"],
        month=rows[0]["Month"],
    )


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        next(reader)
        return list(reader)
