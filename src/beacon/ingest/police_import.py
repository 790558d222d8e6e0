"""Import data.police.uk CSV files (street, outcomes, stop-and-search).

One file is imported in one transaction (a crash leaves the database as it was), streaming in
batches so memory stays flat whatever the file size.

Every row has a key (see ``police_formats``) and an occurrence: 0 for the first row with that key
in its file, 1 for the next, ... ``(record_key, occurrence)`` is unique in the table, so a
re-import or an overlapping file matches stored rows one to one, and identical published rows
are both kept.

Reading: a street file with the published header goes to ``police_fast`` (pyarrow parses and
checks a block of lines at a time, falling back to the row path below wherever it cannot vouch
for the result); other files, and those blocks, go through ``csv`` and the row parsers of
``police_formats``. Both give the same records, in ``ColumnBatch`` or list form.

Fast path: a batch whose keys are all new is inserted with one ``executemany`` (SQLite; a
repeated key stops it and the rows it got in are deleted) or ``COPY`` (PostgreSQL, inside a
savepoint); the unique index rejects the batch if any key already exists. Careful path (that
batch only): look the batch's keys up, number repeats after the ones this import already
claimed, then insert new rows, update rows whose content a newer publication changed, and count
unchanged rows as duplicates. Rows this import matched are stamped with its ``last_import_id``,
so the import never has to remember keys in memory.

Measured choices (docs/PERFORMANCE.md): no savepoint per batch on SQLite, text constant in a
batch (force, month) written as SQL literals instead of bound per row, keys bound as
bytearray, secondary indexes of an empty or small table rebuilt after the load.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, insert, update

from beacon.ingest.forces import force_from_file_name, resolve_force_name
from beacon.ingest.models import ImportRun
from beacon.ingest.police_fast import ColumnBatch, StreetReader, plain_street_header
from beacon.ingest.police_formats import (
    STOP_AND_SEARCH,
    STREET,
    Caches,
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
_CACHE_KIB = 32_768  # SQLite page cache during an import
# Secondary indexes are rebuilt when the table holds no more rows than the file has bytes / this.
_BYTES_PER_ROW = 250
# Keys remembered per generation to number repeats without a database lookup (~100 bytes each).
_RECENT_KEYS = 100_000

# progress(file_index, bytes_done, bytes_total): see import_police_files.
ProgressHook = Callable[[int, int, int], None]


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
    progress: ProgressHook | None = None,
) -> ImportReport:
    """Import each file in its own transaction and report what happened to each.

    ``progress``, if given, is called as ``progress(file_index, bytes_done, bytes_total)``:
    ``file_index`` is the file's position in ``paths``, ``bytes_done`` how many bytes of it
    have been read, ``bytes_total`` its size. It is called after every batch, and once more
    when the file is finished (imported or not) with ``bytes_done == bytes_total``. An
    exception it raises undoes that file's transaction and propagates.
    """
    report = ImportReport(files=[])
    for index, path in enumerate(paths):
        summary = FileSummary(file=str(path))
        tracker = _Progress(progress, index, path)
        started = time.perf_counter()
        try:
            with engine.begin() as connection:
                _import_file(
                    connection, path, summary, force=force, batch_rows=batch_rows, tracker=tracker
                )
        except UnreadableFile as exc:
            summary = FileSummary(file=str(path), kind=summary.kind, readable=False)
            summary.errors.append({"file": str(path), "line": None, "reason": str(exc)})
        summary.seconds = round(time.perf_counter() - started, 3)
        report.files.append(summary)
        tracker.finish()
    return report


class _Progress:
    """Counts the bytes of one file read so far and reports them to the caller's hook."""

    def __init__(self, hook: ProgressHook | None, index: int, path: Path) -> None:
        self.hook = hook
        self.index = index
        try:
            self.total = path.stat().st_size if path.is_file() else 0
        except OSError:
            self.total = 0
        self.done = 0

    def read(self, chunk: Any) -> None:
        self.done += len(chunk)

    def report(self) -> None:
        if self.hook is not None:
            self.hook(self.index, min(self.done, self.total), self.total)

    def finish(self) -> None:
        if self.hook is not None:
            self.hook(self.index, self.total, self.total)


# --- one file -------------------------------------------------------------------------------


def _import_file(
    connection: Connection,
    path: Path,
    summary: FileSummary,
    *,
    force: str | None,
    batch_rows: int,
    tracker: _Progress,
) -> None:
    if not path.is_file():
        raise UnreadableFile("no such file" if not path.exists() else "not a regular file")
    sha = hashlib.sha256()
    postgres = connection.dialect.name == "postgresql"

    def on_bytes(chunk: Any) -> None:
        sha.update(chunk)
        tracker.read(chunk)

    try:
        with open_text_with_progress(path, path.name, on_bytes=on_bytes) as handle:
            raw: Any = handle.buffer  # type: ignore[attr-defined]
            # A plain street header (the usual case) sends the file to the block reader.
            head = raw.peek(1 << 16)
            end = head.find(b"\n")
            names = plain_street_header(head[: end + 1]) if end >= 0 else None
            if names is not None:
                raw.readline()
                header: list[str] = names
                reader = None
            else:
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

            def row_batches(rows: Any, line_offset: int) -> Iterator[list[tuple[Any, ...]]]:
                return _parse_batches(rows, parse, summary, batch_rows, line_offset)

            batches: Iterable[ColumnBatch | list[tuple[Any, ...]]]
            if reader is None:
                street = StreetReader(
                    raw,
                    caches=Caches(_month_value(postgres)),
                    claim=loader.recent.claim,
                    batch_rows=batch_rows,
                    row_batches=row_batches,
                    rest_of_file=lambda pending: _text_after(pending, raw),
                )
                batches = street.batches()
            else:
                batches = row_batches(reader, 0)
            loader.prepare(path.stat().st_size)
            for batch in batches:
                if isinstance(batch, ColumnBatch):
                    summary.rows_read += len(batch)  # the row path counts its own
                loader.load(batch)
                tracker.report()
            loader.finish()
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            f"not UTF-8 text (byte {exc.start} of a chunk could not be decoded); "
            "data.police.uk files are UTF-8"
        ) from None
    except (OSError, csv.Error) as exc:
        raise UnreadableFile(str(exc)) from None
    summary.rejected = len(summary.errors)
    summary.sha256 = sha.hexdigest()
    _finish_run(connection, run_id, summary)


class _Pending(io.RawIOBase):
    """Bytes already read from a file, then the rest of it."""

    def __init__(self, pending: bytes, rest: Any) -> None:
        self.pending = memoryview(pending)
        self.rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.pending:
            n = min(len(buffer), len(self.pending))
            buffer[:n] = self.pending[:n]
            self.pending = self.pending[n:]
            return n
        return int(self.rest.readinto(buffer))


def _text_after(pending: bytes, rest: Any) -> io.TextIOBase:
    """Text of ``pending`` and then of the rest of the file, for the row path to read on."""
    raw = io.BufferedReader(_Pending(pending, rest), buffer_size=1 << 16)
    return io.TextIOWrapper(raw, encoding="utf-8", newline="")


def _month_value(postgres: bool) -> Callable[[dt.date], Any]:
    # SQLite stores dates as ISO text (what SQLAlchemy's Date reads back); psycopg takes objects.
    def month_value(day: dt.date) -> Any:
        return day if postgres else day.isoformat()

    return month_value


def _parser_for(
    fmt: PoliceFormat,
    header: Sequence[str],
    path: Path,
    force: str | None,
    postgres: bool,
    next_occurrence: Callable[[bytes], int],
) -> RowParser:
    month_value = _month_value(postgres)

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


def _parse_batches(
    reader: Any, parse: RowParser, summary: FileSummary, batch_rows: int, line_offset: int
) -> Iterator[list[tuple[Any, ...]]]:
    """Validate every row and yield batches of (record_key, occurrence, *values, line).

    ``line_offset`` is added to the reader's line numbers (for a reader that starts mid-file).
    """
    file_name = summary.file
    errors = summary.errors
    batch: list[tuple[Any, ...]] = []
    append = batch.append
    rows_read = 0
    try:
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                rows_read += 1
                line = reader.line_num + line_offset
                errors.append({"file": file_name, "line": line, "reason": str(exc)})
                continue
            if not row:
                continue  # blank line
            rows_read += 1
            line = reader.line_num + line_offset
            try:
                append(parse(row, line))
            except RowError as exc:
                errors.append({"file": file_name, "line": line, "reason": str(exc)})
                continue
            if len(batch) >= batch_rows:
                yield batch
                batch = []
                append = batch.append
        if batch:
            yield batch
    finally:
        summary.rows_read += rows_read


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

    def claim(self, keys: list[bytes]) -> list[int]:
        """``next_occurrence`` of each key in turn, for a whole block at once (same counts)."""
        young, old = self.young, self.old
        counts = dict.fromkeys(keys, 0)
        seen_before = False
        for generation in (old, young):  # young last: its counts are the later ones
            if generation:
                for key in counts.keys() & generation.keys():
                    counts[key] = generation[key]
                    seen_before = True
        if len(counts) == len(keys) and not seen_before:
            occurrences = [0] * len(keys)  # the usual case: every key new
            counts = dict.fromkeys(keys, 1)
        else:
            occurrences = []
            append = occurrences.append
            for key in keys:
                seen = counts[key]
                append(seen)
                counts[key] = seen + 1
        if len(young) + len(counts) > self.size:
            self._rotate()
        young.update(counts)
        return occurrences

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
            # A larger page cache keeps the unique index's random inserts in memory. 32 MiB:
            # 64 MiB was no faster at 600,000 or 1,200,000 rows and cost 45 MB of peak memory.
            self.cursor.execute(f"PRAGMA cache_size=-{_CACHE_KIB}")
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
        self.deferred: list[str] = []

    # -- per file --

    def prepare(self, file_bytes: int) -> None:
        """On SQLite, drop the table's secondary indexes while a file at least about as large
        as the table loads; ``finish`` builds them again in the same transaction.

        Building an index once from sorted rows is cheaper than updating it row by row. The
        unique (record_key, occurrence) index always stays: it is what catches repeats.
        """
        if self.postgres:
            return  # DROP INDEX would lock readers out of the table until the commit
        table = self.fmt.table
        stored = self.cursor.execute(f"SELECT max(id) FROM {table}").fetchone()[0] or 0
        if stored > file_bytes // _BYTES_PER_ROW:
            return
        found = self.cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL",
            (table,),
        ).fetchall()
        for name, sql in found:
            if sql.upper().startswith("CREATE INDEX"):
                self.cursor.execute(f'DROP INDEX "{name}"')
                self.deferred.append(sql)

    def finish(self) -> None:
        for sql in self.deferred:
            self.cursor.execute(sql)
        self.deferred.clear()

    # -- per batch --

    def load(self, batch: ColumnBatch | list[tuple[Any, ...]]) -> None:
        self._count_locations(batch)
        if self._insert_all(batch):
            self.summary.imported += len(batch)
            if self.crime_id_at is not None:
                self._record_conflicts(batch)
            return
        rows = batch.rows() if isinstance(batch, ColumnBatch) else batch
        self._careful(rows)
        if self.crime_id_at is not None:
            self._record_conflicts(rows)

    def _count_locations(self, batch: ColumnBatch | list[tuple[Any, ...]]) -> None:
        lon_at, lsoa_at = self.lon_at, self.lsoa_at
        if isinstance(batch, ColumnBatch):
            self.summary.no_location += batch.columns[lon_at].count(None)
            if lsoa_at is not None:
                self.summary.no_lsoa += batch.columns[lsoa_at].count(None)
            return
        self.summary.no_location += sum(1 for r in batch if r[lon_at] is None)
        if lsoa_at is not None:
            self.summary.no_lsoa += sum(1 for r in batch if r[lsoa_at] is None)

    def _insert_all(self, batch: ColumnBatch | list[tuple[Any, ...]]) -> bool:
        """Insert the whole batch if none of its (key, occurrence) pairs exist yet."""
        cursor = self.cursor
        sql = self.insert_sql
        records: Iterable[tuple[Any, ...]]
        if not isinstance(batch, ColumnBatch):
            records = batch
        else:
            columns = batch.columns
            if not self.postgres:
                if batch.constants:
                    sql = self._insert_with_literals(batch.constants)
                    columns = [c for i, c in enumerate(columns) if i not in batch.constants]
                # sqlite3 binds a bytearray directly; a bytes value first goes through its
                # adapter lookup (measured: about 0.3 µs a row).
                columns = [list(map(bytearray, columns[0])), *columns[1:]]
            # zip() hands executemany one tuple it can reuse row after row.
            records = zip(*columns, strict=True)
        if not self.postgres:
            # No savepoint: inside one, SQLite first copies every page the batch changes (most
            # of the unique index's pages) to a sub-journal; measured 0.4 s of 600,000 rows.
            # Rowids only grow here (one writer, INTEGER PRIMARY KEY), so the rows the batch
            # got in before a repeated key stopped it are those above the highest id before.
            table = self.fmt.table
            before = cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
            try:
                cursor.executemany(sql, records)
            except self.integrity_error:
                cursor.execute(f"DELETE FROM {table} WHERE id > ?", (before,))
                return False
            return True
        # PostgreSQL: an error aborts the whole transaction unless inside a savepoint.
        cursor.execute("SAVEPOINT police_batch")
        try:
            with cursor.copy(self.copy_sql) as copy:
                run = self.run_id
                for record in records:
                    copy.write_row((*record, run, run))
        except self.integrity_error:
            cursor.execute("ROLLBACK TO SAVEPOINT police_batch")
            cursor.execute("RELEASE SAVEPOINT police_batch")
            return False
        cursor.execute("RELEASE SAVEPOINT police_batch")
        return True

    def _insert_with_literals(self, constants: dict[int, Any]) -> str:
        """The insert statement with the batch's constant columns written in as literals.

        Binding a value costs sqlite3 more than parsing it once per batch (measured: a
        quarter of a row's insert time for three text columns). Only text and NULL are
        written this way; text is quoted the SQL way (' doubled), and the fast reader never
        passes text with a NUL character.
        """
        names = [n for i, n in enumerate(self.columns) if i not in constants]
        literals = []
        for at, value in constants.items():
            names.append(self.columns[at])
            if value is None:
                literals.append("NULL")
            elif isinstance(value, str):
                literals.append("'" + value.replace("'", "''") + "'")
            else:
                raise TypeError(f"no literal for {type(value).__name__}")
        run = self.run_id
        values = ["?"] * (len(self.columns) - len(constants)) + literals + [str(run), str(run)]
        return (
            f"INSERT INTO {self.fmt.table} ({', '.join(names)}, first_import_id, "
            f"last_import_id) VALUES ({', '.join(values)})"
        )

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

    def _record_conflicts(self, batch: ColumnBatch | list[tuple[Any, ...]]) -> None:
        """Report street rows whose Crime ID an earlier line of the file already had."""
        crime_id_at = self.crime_id_at
        assert crime_id_at is not None
        if isinstance(batch, ColumnBatch):
            columns = batch.columns
            occurrences = columns[1]
            if occurrences.count(0) == len(occurrences):
                return
            crime_ids = columns[crime_id_at]
            at = [i for i, occurrence in enumerate(occurrences) if occurrence and crime_ids[i]]
            batch = [tuple(column[i] for column in columns) for i in at]
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
