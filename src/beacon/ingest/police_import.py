"""Import data.police.uk CSV files (street, outcomes, stop-and-search).

One file is imported in one transaction (a crash leaves the database as it was), streaming in
batches so memory stays flat whatever the file size.

Every row has a key (see ``police_formats``) and an occurrence: 0 for the first row with that key
in its file, 1 for the next, ... ``(record_key, occurrence)`` is unique in the table, so a
re-import or an overlapping file matches stored rows one to one, and identical published rows
are both kept.

Fast path: a batch whose keys are all new is inserted with one ``executemany`` (SQLite) or
``COPY`` (PostgreSQL) inside a savepoint; the unique index rejects the batch if any key already
exists. Careful path (that batch only): look the batch's keys up, number repeats after the ones
this import already claimed, then insert new rows, update rows whose content a newer
publication changed, and count unchanged rows as duplicates. Rows this import matched are
stamped with its ``last_import_id``, so the import never has to remember keys in memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, insert, update

from beacon.ingest.forces import force_from_file_name, resolve_force_name
from beacon.ingest.models import ImportRun
from beacon.ingest.police_formats import (
    STOP_AND_SEARCH,
    STREET,
    PoliceFormat,
    RowError,
    RowParser,
    describe_header_mismatch,
    detect_format,
    outcomes_parser,
    stop_and_search_parser,
    street_parser,
)
from beacon.progress import open_text_with_progress

# Rows compared to say what differs when a street row repeats a Crime ID.
_COMPARED = (
    "location",
    "longitude",
    "latitude",
    "lsoa_code",
    "crime_type",
    "last_outcome_category",
)
_LOOKUP_CHUNK = 500  # keys per IN (...) lookup; well under SQLite's variable limit
# A stored row as _Loader._lookup returns it: these columns, then the format's content columns.
_STORED_COLUMNS = ("id", "record_key", "occurrence", "last_import_id", "source_line")
_ID, _KEY, _OCCURRENCE, _LAST_IMPORT, _LINE = range(len(_STORED_COLUMNS))
# Keys remembered per generation to number repeats without a database lookup (~100 bytes each).
_RECENT_KEYS = 100_000


@dataclass
class FileSummary:
    """What happened to one file."""

    file: str
    kind: str | None = None
    sha256: str | None = None
    import_run_id: int | None = None
    rows_read: int = 0
    imported: int = 0
    updated: int = 0
    duplicates: int = 0
    rejected: int = 0
    no_location: int = 0
    no_lsoa: int = 0
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    readable: bool = True
    seconds: float = 0.0

    def counts(self) -> dict[str, Any]:
        data = asdict(self)
        data["conflicts"] = len(self.conflicts)
        data["errors"] = len(self.errors)
        return data


@dataclass
class ImportReport:
    """The summary printed by ``beacon import police --json``."""

    files: list[FileSummary]

    @property
    def ok(self) -> bool:
        return all(f.readable for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        def total(name: str) -> int:
            return sum(getattr(f, name) for f in self.files)

        return {
            "files": [f.counts() for f in self.files],
            "rows_read": total("rows_read"),
            "imported": total("imported"),
            "updated": total("updated"),
            "duplicates": total("duplicates"),
            "conflicts": [c for f in self.files for c in f.conflicts],
            "rejected": total("rejected"),
            "no_location": total("no_location"),
            "no_lsoa": total("no_lsoa"),
            "errors": [e for f in self.files for e in f.errors],
        }


class UnreadableFile(Exception):
    """The file as a whole cannot be imported (missing, not CSV, unknown header, bad encoding)."""


def import_police_files(
    engine: Engine,
    paths: Sequence[Path],
    *,
    force: str | None = None,
    batch_rows: int = 20_000,
) -> ImportReport:
    """Import each file in its own transaction and report what happened to each."""
    report = ImportReport(files=[])
    for path in paths:
        summary = FileSummary(file=str(path))
        started = time.perf_counter()
        try:
            with engine.begin() as connection:
                _import_file(connection, path, summary, force=force, batch_rows=batch_rows)
        except UnreadableFile as exc:
            summary = FileSummary(file=str(path), kind=summary.kind, readable=False)
            summary.errors.append({"file": str(path), "line": None, "reason": str(exc)})
        summary.seconds = round(time.perf_counter() - started, 3)
        report.files.append(summary)
    return report


# --- one file -------------------------------------------------------------------------------


def _import_file(
    connection: Connection,
    path: Path,
    summary: FileSummary,
    *,
    force: str | None,
    batch_rows: int,
) -> None:
    if not path.is_file():
        raise UnreadableFile("no such file" if not path.exists() else "not a regular file")
    sha = hashlib.sha256()
    postgres = connection.dialect.name == "postgresql"
    try:
        with open_text_with_progress(path, path.name, on_bytes=sha.update) as handle:
            reader = csv.reader(handle)
            try:
                header = next(reader)
            except StopIteration:
                raise UnreadableFile("file is empty: expected a CSV header") from None
            fmt = detect_format(header)
            if fmt is None:
                raise UnreadableFile(describe_header_mismatch(header))
            summary.kind = fmt.kind
            run_id = _start_run(connection, fmt, path)
            summary.import_run_id = run_id
            loader = _Loader(connection, fmt, run_id, summary)
            parse = _parser_for(fmt, header, path, force, postgres, loader.recent.next_occurrence)
            _read_rows(reader, parse, loader, summary, batch_rows)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            f"not UTF-8 text (byte {exc.start} of a chunk could not be decoded); "
            "data.police.uk files are UTF-8"
        ) from None
    except (OSError, csv.Error) as exc:
        raise UnreadableFile(str(exc)) from None
    summary.sha256 = sha.hexdigest()
    _finish_run(connection, run_id, summary)


def _parser_for(
    fmt: PoliceFormat,
    header: Sequence[str],
    path: Path,
    force: str | None,
    postgres: bool,
    next_occurrence: Callable[[bytes], int],
) -> RowParser:
    # SQLite stores dates as ISO text (what SQLAlchemy's Date reads back); psycopg takes objects.
    def month_value(day: dt.date) -> Any:
        return day if postgres else day.isoformat()

    def datetime_value(moment: dt.datetime) -> Any:
        return moment if postgres else moment.replace(tzinfo=None).isoformat(" ", "microseconds")

    if fmt is STREET:
        return street_parser(header, month_value, next_occurrence)
    if fmt is STOP_AND_SEARCH:
        force_name = resolve_force_name(force) if force else force_from_file_name(path.name)
        if not force_name:
            raise UnreadableFile(
                "stop-and-search files do not name their force: pass --force NAME, or keep "
                "data.police.uk's file name (YYYY-MM-<force>-stop-and-search.csv)"
            )
        return stop_and_search_parser(
            header, month_value, force_name, datetime_value, next_occurrence
        )
    return outcomes_parser(header, month_value, next_occurrence)


def _read_rows(
    reader: Any, parse: RowParser, loader: _Loader, summary: FileSummary, batch_rows: int
) -> None:
    # Measured: parsing in a second thread did not help (sqlite3 holds the GIL while binding
    # parameters, so the threads took turns); see docs/PERFORMANCE.md.
    for batch in _parse_batches(reader, parse, summary, batch_rows):
        loader.load(batch)


def _parse_batches(
    reader: Any, parse: RowParser, summary: FileSummary, batch_rows: int
) -> Iterator[list[tuple[Any, ...]]]:
    """Validate every row and yield batches of (record_key, occurrence, *values, line)."""
    file_name = summary.file
    errors = summary.errors
    batch: list[tuple[Any, ...]] = []
    append = batch.append
    rows_read = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rows_read += 1
            errors.append({"file": file_name, "line": reader.line_num, "reason": str(exc)})
            continue
        if not row:
            continue  # blank line
        rows_read += 1
        try:
            append(parse(row, reader.line_num))
        except RowError as exc:
            errors.append({"file": file_name, "line": reader.line_num, "reason": str(exc)})
            continue
        if len(batch) >= batch_rows:
            yield batch
            batch = []
            append = batch.append
    if batch:
        yield batch
    summary.rows_read = rows_read
    summary.rejected = len(errors)


class _RecentKeys:
    """How many times each recently seen key occurred so far in this file, in bounded memory.

    Two generations of at most ``size`` keys each: when the young one fills up, its keys become
    the old generation and the previous old keys are forgotten. A forgotten key that comes back
    is not a mistake: its (key, 0) row is already stored, the fast insert fails, and the careful
    path counts the occurrences from the database and tells this cache (``remember``).

    Counts never exceed the truth (they start at the first sighting since the key entered the
    cache, or at the database's count), so a number it hands out is either right or already
    taken, which the fast insert detects.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        # The two dicts are never replaced, so parsers may hold them (see next_occurrence).
        self.young: dict[bytes, int] = {}
        self.old: dict[bytes, int] = {}

    def next_occurrence(self, key: bytes) -> int:
        young = self.young
        seen = young.get(key)
        if seen is None:
            seen = self.old.get(key, 0)
            if len(young) >= self.size:
                self._rotate()
        young[key] = seen + 1
        return seen

    def remember(self, key: bytes, count: int) -> None:
        if len(self.young) >= self.size:
            self._rotate()
        self.young[key] = count

    def _rotate(self) -> None:
        self.old.clear()
        self.old.update(self.young)
        self.young.clear()


class _Loader:
    """Writes validated batches of one file into the target table."""

    def __init__(
        self, connection: Connection, fmt: PoliceFormat, run_id: int, summary: FileSummary
    ) -> None:
        self.fmt = fmt
        self.run_id = run_id
        self.recent = _RecentKeys(_RECENT_KEYS)
        self.summary = summary
        self.postgres = connection.dialect.name == "postgresql"
        self.integrity_error = connection.dialect.dbapi.IntegrityError  # type: ignore[union-attr]
        self.driver = connection.connection.driver_connection
        self.cursor = self.driver.cursor()  # type: ignore[union-attr]
        if not self.postgres:
            # A larger page cache keeps the unique index's random inserts in memory.
            self.cursor.execute("PRAGMA cache_size=-65536")
        self.content = [c.name for c in fmt.columns]
        self.columns = ["record_key", "occurrence", *self.content, "source_line"]
        p = "%s" if self.postgres else "?"
        table = fmt.table
        all_columns = [*self.columns, "first_import_id", "last_import_id"]
        self.insert_sql = (
            f"INSERT INTO {table} ({', '.join(all_columns)}) "
            f"VALUES ({', '.join(p for _ in self.columns)}, {run_id}, {run_id})"
        )
        self.copy_sql = f"COPY {table} ({', '.join(all_columns)}) FROM STDIN"
        self.lookup_columns = [*_STORED_COLUMNS, *self.content]
        self.lookup_sql = (
            f"SELECT {', '.join(self.lookup_columns)} FROM {table} WHERE record_key IN ({{}})"
        )
        self.param = p
        updatable = fmt.updatable
        self.update_sql = (
            f"UPDATE {table} SET "
            + "".join(f"{name} = {p}, " for name in updatable)
            + f"last_import_id = {run_id}, source_line = {p} WHERE id = {p}"
        )
        self.touch_sql = (
            f"UPDATE {table} SET last_import_id = {run_id}, source_line = {p} WHERE id = {p}"
        )
        index = {name: i + 2 for i, name in enumerate(self.content)}
        self.value_at = index
        self.lon_at = index["longitude"]
        self.lsoa_at = index.get("lsoa_code")
        self.crime_id_at = index["crime_id"] if fmt is STREET else None

    # -- per batch --

    def load(self, batch: list[tuple[Any, ...]]) -> None:
        self._count_locations(batch)
        if self._insert_all(batch):
            self.summary.imported += len(batch)
        else:
            self._careful(batch)
        if self.crime_id_at is not None:
            self._record_conflicts(batch)

    def _count_locations(self, batch: list[tuple[Any, ...]]) -> None:
        lon_at, lsoa_at = self.lon_at, self.lsoa_at
        self.summary.no_location += sum(1 for r in batch if r[lon_at] is None)
        if lsoa_at is not None:
            self.summary.no_lsoa += sum(1 for r in batch if r[lsoa_at] is None)

    def _insert_all(self, batch: list[tuple[Any, ...]]) -> bool:
        """Insert the whole batch if none of its (key, occurrence) pairs exist yet."""
        cursor = self.cursor
        cursor.execute("SAVEPOINT police_batch")
        try:
            if self.postgres:
                with cursor.copy(self.copy_sql) as copy:
                    run = self.run_id
                    for record in batch:
                        copy.write_row((*record, run, run))
            else:
                cursor.executemany(self.insert_sql, batch)
        except self.integrity_error:
            cursor.execute("ROLLBACK TO SAVEPOINT police_batch")
            cursor.execute("RELEASE SAVEPOINT police_batch")
            return False
        cursor.execute("RELEASE SAVEPOINT police_batch")
        return True

    def _careful(self, batch: list[tuple[Any, ...]]) -> None:
        """Number, match and write a batch some of whose rows are already stored.

        Renumbers ``batch`` in place, so conflicts are reported with final occurrences.
        """
        existing = self._lookup({record[0] for record in batch})
        run = self.run_id
        # Occurrences of each key this import already wrote or matched in earlier batches:
        # they carry this import's id. Rows of this batch then number on from there.
        claimed: dict[bytes, int] = {}
        for (key, _occurrence), row in existing.items():
            if row[_LAST_IMPORT] == run:
                claimed[key] = claimed.get(key, 0) + 1
        in_batch: dict[bytes, int] = {}
        to_insert: list[tuple[Any, ...]] = []
        to_update: list[tuple[Any, ...]] = []
        to_touch: list[tuple[Any, ...]] = []
        updatable_at = [self.value_at[name] for name in self.fmt.updatable]
        stored_at = [self._stored_at(name) for name in self.fmt.updatable]
        for position, record in enumerate(batch):
            key = record[0]
            occurrence = claimed.get(key, 0) + in_batch.get(key, 0)
            in_batch[key] = in_batch.get(key, 0) + 1
            if occurrence != record[1]:
                record = batch[position] = (key, occurrence, *record[2:])
            line = record[-1]
            stored = existing.get((key, occurrence))
            if stored is None:
                to_insert.append(record)
            elif any(record[i] != stored[j] for i, j in zip(updatable_at, stored_at, strict=True)):
                to_update.append((*(record[i] for i in updatable_at), line, stored[_ID]))
            else:
                to_touch.append((line, stored[_ID]))
        for key, count in in_batch.items():
            self.recent.remember(key, claimed.get(key, 0) + count)
        if to_insert:
            self.cursor.executemany(self.insert_sql, to_insert)
        if to_update:
            self.cursor.executemany(self.update_sql, to_update)
        if to_touch:
            self.cursor.executemany(self.touch_sql, to_touch)
        self.summary.imported += len(to_insert)
        self.summary.updated += len(to_update)
        self.summary.duplicates += len(to_touch)

    def _stored_at(self, column: str) -> int:
        """Position of a content column in a row returned by ``_lookup``."""
        return len(_STORED_COLUMNS) + self.content.index(column)

    def _lookup(self, keys: set[bytes]) -> dict[tuple[bytes, int], tuple[Any, ...]]:
        found: dict[tuple[bytes, int], tuple[Any, ...]] = {}
        ordered = list(keys)
        for start in range(0, len(ordered), _LOOKUP_CHUNK):
            chunk = ordered[start : start + _LOOKUP_CHUNK]
            sql = self.lookup_sql.format(", ".join(self.param for _ in chunk))
            self.cursor.execute(sql, chunk)
            for row in self.cursor.fetchall():
                found[(bytes(row[_KEY]), row[_OCCURRENCE])] = tuple(row)
        return found

    # -- conflicts (street rows repeating a Crime ID) --

    def _record_conflicts(self, batch: list[tuple[Any, ...]]) -> None:
        """Report street rows whose Crime ID an earlier line of the file already had."""
        crime_id_at = self.crime_id_at
        assert crime_id_at is not None
        repeated = [r for r in batch if r[1] > 0 and r[crime_id_at]]
        if not repeated:
            return
        # The first occurrence is stored by now (this batch or an earlier one).
        first_rows = {
            key: row
            for (key, occurrence), row in self._lookup({r[0] for r in repeated}).items()
            if occurrence == 0
        }
        compared_at = [self._stored_at(name) for name in _COMPARED]
        for record in repeated:
            first = first_rows[record[0]]
            differs = [
                name
                for name, at in zip(_COMPARED, compared_at, strict=True)
                if record[self.value_at[name]] != first[at]
            ]
            what = ", ".join(n.replace("_", " ") for n in differs) or "nothing (identical row)"
            self.summary.conflicts.append(
                {
                    "file": self.summary.file,
                    "line": record[-1],
                    "crime_id": record[crime_id_at],
                    "first_line": first[_LINE],
                    "differs": differs,
                    "reason": f"Crime ID already on line {first[_LINE]}; differs in {what}; "
                    "both rows kept",
                }
            )


# --- import runs ----------------------------------------------------------------------------


def _start_run(connection: Connection, fmt: PoliceFormat, path: Path) -> int:
    table: Table = ImportRun.__table__  # type: ignore[assignment]
    result = connection.execute(
        insert(table)
        .values(kind=f"police-{fmt.kind}", source_name=path.name, sha256="", rows_read=0)
        .returning(table.c.id)
    )
    return int(result.scalar_one())


def _finish_run(connection: Connection, run_id: int, summary: FileSummary) -> None:
    table: Table = ImportRun.__table__  # type: ignore[assignment]
    details = {
        "no_location": summary.no_location,
        "no_lsoa": summary.no_lsoa,
        "errors": summary.errors[:100],
        "conflicts": summary.conflicts[:100],
    }
    connection.execute(
        update(table)
        .where(table.c.id == run_id)
        .values(
            sha256=summary.sha256 or "",
            finished_at=dt.datetime.now(dt.UTC),
            rows_read=summary.rows_read,
            imported=summary.imported,
            updated=summary.updated,
            duplicates=summary.duplicates,
            conflicts=len(summary.conflicts),
            rejected=summary.rejected,
            summary_json=json.dumps(details),
        )
    )


def iter_files(paths: Iterable[Path]) -> list[Path]:
    """Expand directories to the CSV files inside them (sorted), keep files as given."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*.csv") if p.is_file()))
        else:
            out.append(path)
    return out
