"""Street files read a block at a time with pyarrow: the same records as the row path, faster.

A street file whose header is the published layout in order is read in blocks of whole lines.
pyarrow parses each block into columns, the rules of ``police_formats.street_parser`` are
checked on whole columns (distinct months and LSOA codes once), and keys and occurrence numbers
are made for the whole block. What comes out is a ``ColumnBatch``: the row path's records
(``record_key, occurrence, *values, line``) held as columns.

The row path stays the reference. Anything this reader cannot vouch for goes back to it:

- a block with a rejected row (or a row with the wrong number of fields) is read again by the
  row path, so errors keep their exact line and message, and the next block is fast again;
- a block whose lines are not one record each (a quoted field spanning lines, a lone carriage
  return, a NUL byte, or a quoted line pyarrow and ``csv`` read differently) hands the rest of
  the file to the row path, which starts at the block's first line.

Line numbers are exact because every block starts at a record boundary: the first one after the
header, and each next one after a block whose lines were all checked to be one record each.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from hashlib import blake2b
from typing import TYPE_CHECKING, Any, BinaryIO

from beacon.ingest.police_formats import (
    CRIME_TYPES,
    LAT_MAX,
    LAT_MIN,
    LON_MAX,
    LON_MIN,
    STREET,
    Caches,
    RowError,
)

if TYPE_CHECKING:
    import pyarrow as pa

_BOM = b"\xef\xbb\xbf"
_HEX_ID = r"^[0-9a-fA-F]{64}$"


# Coordinates as numbers, added to a block's table once it is validated.
_LONGITUDE, _LATITUDE = "longitude (number)", "latitude (number)"
# Where a batch is cut so that these stay constant within it.
_RUN_COLUMNS = ("Reported by", "Falls within", "Month")

# Turns a csv reader over some lines into row-path batches; the int is added to line_num.
RowBatches = Callable[[Any, int], Iterator[list[tuple[Any, ...]]]]
# Opens a text stream over these pending bytes followed by the rest of the file.
RestOfFile = Callable[[bytes], io.TextIOBase]


class ColumnBatch:
    """Records held as columns: ``[record_keys, occurrences, *values, lines]``.

    ``constants`` maps the position of each column that holds one text (or None) on every row
    to that value: the SQLite loader writes those as literals instead of binding them per row.
    """

    __slots__ = ("columns", "constants")

    def __init__(self, columns: list[list[Any]], constants: dict[int, Any] | None = None) -> None:
        self.columns = columns
        self.constants = constants or {}

    def __len__(self) -> int:
        return len(self.columns[0])

    def rows(self) -> list[tuple[Any, ...]]:
        return list(zip(*self.columns, strict=True))


def plain_street_header(first_line: bytes) -> list[str] | None:
    """The header's names if it is the street layout in published order with nothing unusual
    (no quotes, no lone carriage return, valid UTF-8); otherwise None (use the row path)."""
    line = first_line[len(_BOM) :] if first_line.startswith(_BOM) else first_line
    if not line.endswith(b"\n"):
        return None
    body = line[:-2] if line.endswith(b"\r\n") else line[:-1]
    if b'"' in body or b"\r" in body or b"\x00" in body:
        return None
    try:
        names = body.decode("utf-8").split(",")
    except UnicodeDecodeError:
        return None
    if [n.strip() for n in names] != list(STREET.header):
        return None
    return names


class StreetReader:
    """Yields the batches of one street file, after its header line has been read."""

    def __init__(
        self,
        raw: BinaryIO,
        *,
        caches: Caches,
        claim: Callable[[list[bytes]], list[int]],
        batch_rows: int,
        row_batches: RowBatches,
        rest_of_file: RestOfFile,
    ) -> None:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        self.raw = raw
        self.caches = caches
        self.claim = claim
        self.batch_rows = batch_rows
        self.row_batches = row_batches
        self.rest_of_file = rest_of_file
        # About 200 bytes per published row. Blocks of at most 2 MB: larger ones were no
        # faster and kept more memory (the allocators hold on to freed blocks).
        self.block_bytes = min(max(batch_rows * 128, 1 << 16), 1 << 21)
        self.carry = b""
        # Month text -> (stored value, key prefix), as in street_parser.
        self.months: dict[str, tuple[Any, bytes]] = {}
        self.crime_types = pa.array(sorted(CRIME_TYPES))
        # One thread: as fast for blocks this size, and each extra thread keeps its own
        # allocator arenas (measured: about 45 MB more peak memory).
        self.read_options = pacsv.ReadOptions(column_names=list(STREET.header), use_threads=False)
        # A blank line is an error here, so that a quote-free block has one record per line.
        self.parse_options = pacsv.ParseOptions(newlines_in_values=False, ignore_empty_lines=False)
        self.convert_options = pacsv.ConvertOptions(
            column_types={name: pa.string() for name in STREET.header},
            strings_can_be_null=True,
            null_values=[""],
            quoted_strings_can_be_null=True,
        )

    def batches(self) -> Iterator[ColumnBatch | list[tuple[Any, ...]]]:
        import pyarrow as pa

        pool = pa.default_memory_pool()
        line = 2  # the first record's line
        for block in self._blocks():
            table, how = self._check(block)
            if how == "rest":
                rest = self.rest_of_file(block + self.carry)
                yield from self.row_batches(csv.reader(rest), line - 1)
                return
            if table is None:
                text = block.decode("utf-8")
                yield from self.row_batches(csv.reader(io.StringIO(text, newline="")), line - 1)
                line += _lines(block)
                continue
            for start, stop, constant in self._runs(table):
                yield self._records(table.slice(start, stop - start), line + start, constant)
            line += table.num_rows
            del table
            pool.release_unused()  # measured: 20 MB less peak memory, no slower

    # -- reading --

    def _blocks(self) -> Iterator[bytes]:
        """Whole lines of the file, about ``block_bytes`` at a time (``carry`` holds the rest)."""
        while True:
            chunk = self.raw.read(self.block_bytes)
            if not chunk:
                if self.carry:
                    block, self.carry = self.carry, b""
                    yield block
                return
            data = self.carry + chunk if self.carry else chunk
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                self.carry = data  # a line longer than a block: read on
                continue
            self.carry = data[cut:]
            yield data[:cut]

    def _check(self, block: bytes) -> tuple[pa.Table | None, str]:
        """Parse a block: (table, "fast"), (None, "rows") for the row path, or (None, "rest")."""
        import pyarrow as pa
        import pyarrow.csv as pacsv

        if (
            b"\x00" in block
            or (b"\r" in block and block.count(b"\r") != block.count(b"\r\n"))
            or block.startswith(_BOM)  # pyarrow would drop it; csv keeps it
        ):
            return None, "rest"
        quoted = b'"' in block
        try:
            table = pacsv.read_csv(
                pa.py_buffer(block),
                read_options=self.read_options,
                parse_options=self.parse_options,
                convert_options=self.convert_options,
            )
        except pa.ArrowInvalid:  # also invalid UTF-8: the row path then says where
            table = None
        # Without quotes every line is one record (pyarrow refuses blank lines here), so the
        # row path can take just this block. With quotes, records and lines must be counted.
        if table is None or (quoted and table.num_rows != _lines(block)):
            return None, "rest" if quoted else "rows"
        if quoted and not self._quoted_lines_agree(block, table):
            return None, "rest"
        valid = self._valid(table)
        if valid is None:
            return None, "rows"
        return valid, "fast"

    def _quoted_lines_agree(self, block: bytes, table: pa.Table) -> bool:
        """Each line with a quote, read alone by ``csv``, gives pyarrow's record."""
        at = block.find(b'"')
        row = 0
        counted = 0
        while at != -1:
            start = block.rfind(b"\n", 0, at) + 1
            end = block.find(b"\n", at) + 1 or len(block)
            row += block.count(b"\n", counted, start)
            counted = start
            parsed = list(csv.reader(io.StringIO(block[start:end].decode("utf-8"), newline="")))
            record = [value or "" for value in table.slice(row, 1).to_pylist()[0].values()]
            if parsed != [record]:
                return False
            at = block.find(b'"', end)
        return True

    def _valid(self, table: pa.Table) -> pa.Table | None:
        """The table with the coordinates as numbers if every row passes street_parser's
        checks; None if any row may not."""
        import pyarrow as pa
        import pyarrow.compute as pc

        column = table.column
        for name in ("Month", "Reported by", "Falls within", "Crime type"):
            if column(name).null_count:
                return None
        if not pc.all(pc.is_in(column("Crime type"), value_set=self.crime_types)).as_py():
            return None
        months = self.months
        try:
            for month in pc.unique(column("Month")).to_pylist():
                if month not in months:
                    months[month] = (self.caches.month(month), f"S{month}".encode())
            lsoas = self.caches.lsoas
            for lsoa in pc.unique(column("LSOA code")).to_pylist():
                if lsoa is not None and lsoa not in lsoas:
                    self.caches.lsoa(lsoa)
        except RowError:
            return None
        if pc.all(pc.match_substring_regex(column("Crime ID"), _HEX_ID)).as_py() is False:
            return None
        lon, lat = column("Longitude"), column("Latitude")
        if pc.any(pc.xor(lon.is_null(), lat.is_null())).as_py():
            return None
        try:
            x = pc.cast(lon, pa.float64())
            y = pc.cast(lat, pa.float64())
        except pa.ArrowInvalid:
            return None
        # Written so NaN fails too (every comparison with NaN is false).
        inside = pc.and_(
            pc.and_(pc.greater_equal(x, LON_MIN), pc.less_equal(x, LON_MAX)),
            pc.and_(pc.greater_equal(y, LAT_MIN), pc.less_equal(y, LAT_MAX)),
        )
        if pc.all(inside).as_py() is False:
            return None
        # csv refuses fields over its limit (in characters; UTF-8 bytes are never fewer).
        limit = csv.field_size_limit()
        for name in STREET.header:
            if (pc.max(pc.binary_length(column(name))).as_py() or 0) > limit:
                return None
        return table.append_column(_LONGITUDE, x).append_column(_LATITUDE, y)

    # -- records --

    def _runs(self, table: pa.Table) -> Iterator[tuple[int, int, bool]]:
        """Cut a block into batches of at most ``batch_rows`` rows, also where the force or
        month changes (a file is usually one force and month), so that those are constant in
        a batch (the bool). Not when they change too often for that to pay."""
        import pyarrow.compute as pc

        n = table.num_rows
        changed = None
        for name in _RUN_COLUMNS:
            values = table.column(name).combine_chunks()
            differs = pc.not_equal(values.slice(1), values.slice(0, n - 1))
            changed = differs if changed is None else pc.or_(changed, differs)
        cuts: list[int] = []
        if changed is not None and n > 1:
            cuts = [int(at) + 1 for at in pc.indices_nonzero(changed).to_pylist()]
        constant = len(cuts) <= n // 1000
        start = 0
        for cut in [*cuts, n] if constant else [n]:
            while start < cut:
                stop = min(cut, start + self.batch_rows)
                yield start, stop, constant
                start = stop

    def _records(self, table: pa.Table, first_line: int, constant: bool) -> ColumnBatch:
        """The batch's records; ``constant``: force and month are the same on every row."""
        import pyarrow as pa
        import pyarrow.compute as pc

        column = table.column
        n = table.num_rows
        months = self.months
        crime_ids = column("Crime ID").to_pylist()
        fromhex = bytes.fromhex
        constants: dict[int, Any] = {}
        # Crime IDs are SHA-256 digests: 8 of their bytes after the month make the key.
        keys: list[Any]
        if constant:
            month, prefix = months[column("Month")[0].as_py()]
            keys = [prefix + fromhex(c[:16]) if c else None for c in crime_ids]
            month_values = [month] * n
            constants[4] = column("Reported by")[0].as_py()
            constants[5] = column("Falls within")[0].as_py()
            if isinstance(month, str):  # not a date object (PostgreSQL)
                constants[3] = month
        else:
            texts = column("Month").to_pylist()
            prefixes = {m: known[1] for m, known in months.items()}
            keys = [
                prefixes[m] + fromhex(c[:16]) if c else None
                for m, c in zip(texts, crime_ids, strict=True)
            ]
            stored = {m: known[0] for m, known in months.items()}
            month_values = [stored[m] for m in texts]
        if column("Crime ID").null_count:
            # Anti-social behaviour: a digest of every field as published, as street_parser
            # makes it.
            positions = pc.indices_nonzero(column("Crime ID").is_null())
            published = table.select(list(STREET.header)).take(positions)
            joined = pc.binary_join_element_wise(
                "A",
                *published.columns,
                "\x1f",
                null_handling="replace",
                null_replacement="",
            ).cast(pa.binary())
            for at, text in zip(positions.to_pylist(), joined.to_pylist(), strict=True):
                keys[at] = blake2b(text, digest_size=16).digest()
        if column("Context").null_count == n:
            constants[13] = None

        def values_of(at: int, name: str) -> list[Any]:
            if at in constants:
                return [constants[at]] * n
            return column(name).to_pylist()

        columns = [
            keys,
            self.claim(keys),
            crime_ids,
            month_values,
            values_of(4, "Reported by"),
            values_of(5, "Falls within"),
            column(_LONGITUDE).to_pylist(),
            column(_LATITUDE).to_pylist(),
            pc.fill_null(column("Location"), "").to_pylist(),
            column("LSOA code").to_pylist(),
            column("LSOA name").to_pylist(),
            column("Crime type").to_pylist(),
            column("Last outcome category").to_pylist(),
            values_of(13, "Context"),
            list(range(first_line, first_line + n)),
        ]
        return ColumnBatch(columns, constants)


def _lines(block: bytes) -> int:
    return block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
