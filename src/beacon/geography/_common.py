"""Pieces shared by the geography importers: errors, summaries, code formats, CSV reading."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import bindparam
from sqlalchemy.orm import Session

from beacon.geography.models import AreaLevel
from beacon.progress import open_text_with_progress

# At most this many rejected rows are listed in a summary (the count is always exact).
MAX_REPORTED_ERRORS = 1000
# How many values go into one ``IN (...)`` list (well under SQLite's and psycopg's limits).
IN_CHUNK = 5000


class GeographyError(Exception):
    """Base class of the geography domain's errors; the message is meant for the user."""


class ImportFileError(GeographyError):
    """A whole file cannot be imported: unreadable, not the expected format, wrong header."""


class NotLoadedError(GeographyError):
    """The data a question needs has not been imported yet (no boundaries, no postcodes)."""


class NotFoundError(GeographyError):
    """Nothing loaded matches the question (a point outside every boundary, unknown postcode)."""


# ONS GSS code formats per level (England and Wales).
CODE_PATTERNS: dict[str, re.Pattern[str]] = {
    AreaLevel.LSOA: re.compile(r"[EW]01\d{6}"),
    AreaLevel.WARD: re.compile(r"[EW]05\d{6}"),
    AreaLevel.DISTRICT: re.compile(r"[EW]0[6-9]\d{6}"),
    AreaLevel.FORCE: re.compile(r"(?:E23|W15)\d{6}"),
}
CODE_EXAMPLES: dict[str, str] = {
    AreaLevel.LSOA: "E01 or W01 and 6 digits, e.g. E01013453",
    AreaLevel.WARD: "E05 or W05 and 6 digits, e.g. E05015507",
    AreaLevel.DISTRICT: "E06, E07, E08, E09 or W06 and 6 digits, e.g. E06000015",
    AreaLevel.FORCE: "E23 or W15 and 6 digits, e.g. E23000018",
}
LEVEL_WORDS: dict[str, str] = {
    AreaLevel.LSOA: "LSOA",
    AreaLevel.WARD: "ward",
    AreaLevel.DISTRICT: "district",
    AreaLevel.FORCE: "police force area",
}
# Levels from the smallest area to the largest; a parent is always further along.
LEVEL_RANK: dict[str, int] = {
    AreaLevel.LSOA: 0,
    AreaLevel.WARD: 1,
    AreaLevel.DISTRICT: 2,
    AreaLevel.FORCE: 3,
}


def code_problem(level: str, code: str) -> str | None:
    """Why ``code`` is not a valid code of ``level`` (None when it is)."""
    if not code:
        return f"the {LEVEL_WORDS[level]} code is empty"
    if not CODE_PATTERNS[level].fullmatch(code):
        return (
            f"{code!r} is not a valid {LEVEL_WORDS[level]} code (expected {CODE_EXAMPLES[level]})"
        )
    return None


def vintage_from_yy(yy: str) -> str:
    """The year a two-digit column suffix stands for: '11' -> '2011', '98' -> '1998'."""
    n = int(yy)
    return str(1900 + n if n >= 70 else 2000 + n)


def vintage_key(vintage: str) -> tuple[int, str]:
    """Sort key putting newer vintages last ('2025' after '2019'; non-years first)."""
    return (int(vintage) if vintage.isdigit() else -1, vintage)


@dataclass(frozen=True)
class YearColumns:
    """Where a ``<PREFIX><yy>CD`` / ``<PREFIX><yy>NM`` column pair sits in a header."""

    vintage: str
    code_name: str
    code_index: int
    name_name: str | None
    name_index: int | None


def find_year_columns(header: Sequence[str], prefix: str, *, file: str) -> YearColumns | None:
    """Find ``LSOA11CD``/``LSOA11NM`` style columns (any case); None when there is no code column.

    Raises ImportFileError when several years are present for the same prefix.
    """
    pattern = re.compile(rf"{prefix}(\d\d)(CD|NM)", re.IGNORECASE)
    codes: dict[str, tuple[str, int]] = {}
    names: dict[str, tuple[str, int]] = {}
    for index, column in enumerate(header):
        match = pattern.fullmatch(column.strip())
        if match:
            target = codes if match.group(2).upper() == "CD" else names
            target[match.group(1)] = (column, index)
    if not codes:
        return None
    if len(codes) > 1:
        found = ", ".join(column for column, _ in codes.values())
        raise ImportFileError(
            f"{file}: several {prefix}xxCD columns ({found}); keep one vintage per file"
        )
    yy, (code_name, code_index) = next(iter(codes.items()))
    name_name, name_index = names.get(yy, (None, None))
    return YearColumns(vintage_from_yy(yy), code_name, code_index, name_name, name_index)


@dataclass(frozen=True)
class RowError:
    """A rejected row (CSV, ``line`` is the 1-based line number) or feature (GeoJSON, ``feature``
    is the 0-based index in ``features``)."""

    file: str
    reason: str
    line: int | None = None
    feature: int | None = None

    def to_dict(self) -> dict[str, Any]:
        if self.feature is not None:
            return {"file": self.file, "feature": self.feature, "reason": self.reason}
        return {"file": self.file, "line": self.line, "reason": self.reason}


@dataclass(frozen=True)
class ImportSummary:
    """What one import of one file did.

    ``rows_read`` counts data rows (CSV) or features (GeoJSON); ``rejected`` those refused, with
    the reasons in ``errors`` (the first ``MAX_REPORTED_ERRORS``). ``inserted``/``updated``/
    ``unchanged`` count the records written: areas for lookups, boundaries for boundary files,
    one deprivation record per LSOA and domain for IMD, postcodes for the postcode directory.
    """

    kind: str
    file: str
    source_name: str
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    errors: tuple[RowError, ...] = ()
    vintages: Mapping[str, str] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file": self.file,
            "source_name": self.source_name,
            "rows_read": self.rows_read,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "errors": [error.to_dict() for error in self.errors],
            "errors_truncated": self.rejected > len(self.errors),
            "vintages": dict(self.vintages),
            "details": dict(self.details),
        }


class ErrorLog:
    """Collects rejected rows of one file, keeping the first ``MAX_REPORTED_ERRORS``."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.count = 0
        self.errors: list[RowError] = []

    def line(self, line: int, reason: str) -> None:
        self._add(RowError(self.file, reason, line=line))

    def feature(self, index: int, reason: str) -> None:
        self._add(RowError(self.file, reason, feature=index))

    def _add(self, error: RowError) -> None:
        self.count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(error)


@dataclass
class Tally:
    """Mutable insert/update/unchanged counter."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: Tally) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged

    def to_dict(self) -> dict[str, int]:
        return {"inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged}


@contextmanager
def open_source(path: Path, description: str) -> Iterator[IO[str]]:
    """Open a text file with a progress bar, turning read errors into ImportFileError."""
    if not path.exists():
        raise ImportFileError(f"cannot read {path}: no such file")
    if path.is_dir():
        raise ImportFileError(f"cannot read {path}: it is a directory")
    try:
        with open_text_with_progress(path, description) as handle:
            yield handle
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{path} is not UTF-8 text ({exc.reason}); re-save it as UTF-8"
        ) from exc
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from exc


class CsvRows:
    """A CSV file's header and its data rows with line numbers; rows of the wrong width are
    reported to ``errors`` and skipped, blank lines are skipped silently."""

    def __init__(self, handle: IO[str], path: Path, errors: ErrorLog) -> None:
        self.path = path
        self._reader = csv.reader(handle)
        self._errors = errors
        self.rows_read = 0
        try:
            header = next(self._reader)
        except StopIteration:
            raise ImportFileError(f"{path}: the file is empty (no header row)") from None
        except csv.Error as exc:
            raise ImportFileError(f"{path}: cannot parse the header row: {exc}") from exc
        self.header = [column.strip() for column in header]
        self.index = {column.lower(): i for i, column in enumerate(self.header)}

    def column(self, *names: str) -> str | None:
        """The first of ``names`` present in the header (case-insensitive), as spelt there."""
        for name in names:
            index = self.index.get(name.lower())
            if index is not None:
                return self.header[index]
        return None

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        width = len(self.header)
        reader = self._reader
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                self.rows_read += 1
                self._errors.line(reader.line_num, f"cannot parse the row: {exc}")
                continue
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            self.rows_read += 1
            if len(row) != width:
                self._errors.line(
                    reader.line_num, f"the row has {len(row)} values, the header has {width}"
                )
                continue
            yield reader.line_num, [value.strip() for value in row]


def missing_columns_error(
    path: Path, missing: Sequence[str], expected: str, found: Sequence[str]
) -> ImportFileError:
    shown = ", ".join(found[:20]) + (", ..." if len(found) > 20 else "")
    return ImportFileError(
        f"{path}: missing column(s) {', '.join(missing)}; expected {expected} (found: {shown})"
    )


def chunks(values: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def bulk_insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """INSERT many rows (all with the same keys) in the session's transaction.

    PostgreSQL gets ``COPY ... FROM STDIN`` (an executemany costs a round trip per row there),
    SQLite a driver-level executemany: both far faster than ORM or Core bulk inserts.
    """
    if not rows:
        return
    table = model.__table__
    connection = session.connection()
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    columns = list(rows[0])
    names = ", ".join(quote(column) for column in columns)
    if dialect.name == "sqlite":
        # Straight to the driver: SQLAlchemy's per-row parameter processing costs more than
        # SQLite's insert itself, and these columns need no type conversion.
        placeholders = ", ".join("?" for _ in columns)
        connection.exec_driver_sql(
            f"INSERT INTO {quote(table.name)} ({names}) VALUES ({placeholders})",
            [tuple(row[column] for column in columns) for row in rows],
        )
    elif dialect.name == "postgresql":
        driver_connection: Any = connection.connection.driver_connection
        statement = f"COPY {quote(table.name)} ({names}) FROM STDIN"
        with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[column] for column in columns])
    else:
        connection.execute(table.insert(), rows)


def bulk_update(session: Session, model: Any, key: str, rows: list[dict[str, Any]]) -> None:
    """UPDATE many rows by primary key ``key``; rows are grouped by the columns they set."""
    table = model.__table__
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        columns = tuple(sorted(name for name in row if name != key))
        groups.setdefault(columns, []).append({f"b_{k}": v for k, v in row.items()})
    connection = session.connection()
    for columns, batch in groups.items():
        statement = (
            table.update()
            .where(table.c[key] == bindparam(f"b_{key}"))
            .values({name: bindparam(f"b_{name}") for name in columns})
        )
        connection.execute(statement, batch)
