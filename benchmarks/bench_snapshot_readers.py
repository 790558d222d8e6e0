"""How the analysis snapshot should read the operational database: measured, route by route.

Issue 8 asks to choose by measurement between DuckDB's SQLite/PostgreSQL scanner extensions
(what ``beacon.analytics.snapshot`` uses today) and ADBC drivers. This script writes the
street-crime columns a snapshot writes (``id, month, ym, crime_type, lsoa_code, falls_within,
longitude, latitude, last_outcome_category``, ordered by id) to one zstd Parquet file, from
the same 600,000 rows held in SQLite and in PostgreSQL, by each route:

* ``duckdb_scanner``: ``duck.connect`` + ``duck.attach_operational`` + ``COPY (...) TO``,
  with the snapshot's own column list, as ``snapshot.py`` does;
* ``adbc``: the ADBC driver (``adbc-driver-sqlite`` / ``adbc-driver-postgresql``) streaming
  Arrow record batches into ``pyarrow.parquet.ParquetWriter``;
* ``stdlib`` (SQLite): the ``sqlite3`` cursor in chunks -> pyarrow -> ParquetWriter;
* ``psycopg_copy`` (PostgreSQL): psycopg 3 ``COPY (...) TO STDOUT (FORMAT csv)`` streamed
  into pyarrow's CSV reader -> ParquetWriter.

Every run is a process of its own (so its peak RSS is its own); ``--repeat`` rounds take the
routes in turn, so a burst of other work on the machine hits them alike, and the best time
counts. The time includes connecting (and loading the extension) but not importing modules,
which is reported apart. The Arrow routes buffer batches into row groups of 122,880 rows (DuckDB's
size), cast to one schema and use zstd level 3 (DuckDB's default), so files are comparable.
Each file is then checked against the others: row count, a hash of every value (cast to one
type per column), and ids strictly increasing. A mismatch is printed to stderr and the script
exits 1.

Data: ``bench_snapshot.build`` (Beacon's migrations, 36,300 areas, skewed places and types),
then made more like data.police.uk: no outcome for anti-social behaviour nor for the first
2,000 rows (so a reader that guesses types from its first rows sees only NULLs there), and
no location for one row in 97. PostgreSQL gets the same rows in a fresh schema (Beacon's
migrations run with ``search_path``), copied by DuckDB's postgres scanner and VACUUM ANALYZEd;
the schema is dropped at the end, whatever happens. When PostgreSQL cannot be reached its
routes are skipped and the reason reported.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq

ROWS = 600_000
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
ROW_GROUP = 122_880  # DuckDB's default Parquet row group
ZSTD_LEVEL = 3  # DuckDB's default zstd level
COLUMNS = (
    "id",
    "month",
    "ym",
    "crime_type",
    "lsoa_code",
    "falls_within",
    "longitude",
    "latitude",
    "last_outcome_category",
)
ROUTES = {
    "sqlite": ("duckdb_scanner", "adbc", "stdlib"),
    "postgresql": ("duckdb_scanner", "adbc", "psycopg_copy"),
}
_TABLE_SQL = {
    "sqlite": "substr(month, 1, 7)",  # SQLAlchemy stores a Date as 'YYYY-MM-DD' text
    "postgresql": "to_char(month, 'YYYY-MM')",
}


def _query(backend: str) -> str:
    return (
        f"SELECT id, month, {_TABLE_SQL[backend]} AS ym, crime_type, lsoa_code, falls_within, "
        "longitude, latitude, last_outcome_category FROM police_street_crime ORDER BY id"
    )


def _schema() -> pa.Schema:
    """The one schema every Arrow route writes: what the SQLite scanner writes today."""
    import pyarrow as pa

    string = pa.string()
    return pa.schema(
        [
            ("id", pa.int64()),
            ("month", pa.date32()),
            ("ym", string),
            ("crime_type", string),
            ("lsoa_code", string),
            ("falls_within", string),
            ("longitude", pa.float64()),
            ("latitude", pa.float64()),
            ("last_outcome_category", string),
        ]
    )


class _RowGroupWriter:
    """Casts incoming batches to ``_schema()`` and writes row groups of ``ROW_GROUP`` rows.

    Drivers hand over small batches (ADBC SQLite: 1,024 rows by default); writing each as its
    own row group would make a slow, bloated file, so batches are held until a group is full.
    Memory stays at about one row group whatever the table's size.
    """

    def __init__(self, path: Path) -> None:
        import pyarrow.parquet as pq

        self.schema = _schema()
        self._writer: pq.ParquetWriter = pq.ParquetWriter(
            path, self.schema, compression="zstd", compression_level=ZSTD_LEVEL
        )
        self._held: list[pa.RecordBatch] = []
        self._rows = 0

    def write(self, batch: pa.RecordBatch) -> None:
        if batch.schema != self.schema:
            batch = batch.cast(self.schema)
        self._held.append(batch)
        self._rows += batch.num_rows
        if self._rows >= ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self._held:
            table = pa.Table.from_batches(self._held, schema=self.schema)
            self._writer.write_table(table, row_group_size=ROW_GROUP)
        self._held, self._rows = [], 0

    def close(self) -> None:
        self._flush()
        self._writer.close()


# --- the routes (each run in a child process) -------------------------------------------


def _duckdb_scanner(database_url: str, out: Path) -> str:
    from beacon.analytics import duck
    from beacon.analytics.snapshot import _STREET_COLUMNS, _copy

    con = duck.connect()
    try:
        duck.attach_operational(con, database_url)
        _copy(con, f"SELECT {_STREET_COLUMNS} FROM db.police_street_crime ORDER BY id", out)
        return ""
    finally:
        con.close()


def _sqlite_path(database_url: str) -> str:
    from sqlalchemy.engine import make_url

    database = make_url(database_url).database
    assert database
    return database


def _sqlite_adbc(database_url: str, out: Path) -> str:
    """ADBC SQLite guesses each column's type from the first batch it reads; a column that is
    NULL throughout that batch becomes int64 and the first text later fails the whole read.
    A typed first row (dropped again) pins the types: the fix a snapshot would need."""
    import adbc_driver_sqlite.dbapi

    path = Path(_sqlite_path(database_url)).resolve().as_posix()
    pinned = (
        "SELECT 0 AS k, 0 AS id, '0000-00-00' AS month, '' AS ym, '' AS crime_type, "
        "'' AS lsoa_code, '' AS falls_within, 0.5 AS longitude, 0.5 AS latitude, "
        "'' AS last_outcome_category UNION ALL SELECT * FROM (SELECT 1, "
        + _query("sqlite").removeprefix("SELECT ")
        + ")"
    )
    writer = _RowGroupWriter(out)
    with adbc_driver_sqlite.dbapi.connect(f"file:{path}?mode=ro") as con, con.cursor() as cur:
        cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": "65536"})
        cur.execute(pinned)
        reader = cur.fetch_record_batch()
        native = _describe(reader.schema)
        first = True
        for batch in reader:
            if first:
                batch, first = batch.slice(1), False
            writer.write(batch.drop_columns(["k"]))
    writer.close()
    return native


def _sqlite_stdlib(database_url: str, out: Path) -> str:
    import pyarrow as pa

    schema = _schema()
    writer = _RowGroupWriter(out)
    con = sqlite3.connect(f"file:{_sqlite_path(database_url)}?mode=ro", uri=True)
    try:
        cur = con.execute(_query("sqlite"))
        while rows := cur.fetchmany(ROW_GROUP // 2):
            columns = list(zip(*rows, strict=True))
            arrays = [
                # Dates arrive as 'YYYY-MM-DD' text: Arrow parses them when casting.
                pa.array(values, pa.string()).cast(field.type)
                if field.name == "month"
                else pa.array(values, field.type)
                for values, field in zip(columns, schema, strict=True)
            ]
            writer.write(pa.RecordBatch.from_arrays(arrays, schema=schema))
    finally:
        con.close()
    writer.close()
    return "Python objects (types chosen by the reader)"


def _libpq_url(database_url: str) -> str:
    """``postgresql+psycopg://...`` -> the libpq URL both ADBC and psycopg take."""
    return database_url.replace("postgresql+psycopg://", "postgresql://", 1)


def _postgresql_adbc(database_url: str, out: Path) -> str:
    import adbc_driver_postgresql.dbapi

    writer = _RowGroupWriter(out)
    with (
        adbc_driver_postgresql.dbapi.connect(_libpq_url(database_url)) as con,
        con.cursor() as cur,
    ):
        cur.execute(_query("postgresql"))
        reader = cur.fetch_record_batch()
        native = _describe(reader.schema)
        for batch in reader:
            writer.write(batch)
    writer.close()
    return native


class _CopyStream(io.RawIOBase):
    """A readable file over a psycopg ``Copy`` (libpq hands over one row per call)."""

    def __init__(self, copy: Any) -> None:
        self._copy = copy
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        filled = 0
        while filled < len(view):
            if not self._pending:
                data = self._copy.read()
                if not data:
                    break
                self._pending = memoryview(data)
            take = min(len(self._pending), len(view) - filled)
            view[filled : filled + take] = self._pending[:take]
            self._pending = self._pending[take:]
            filled += take
        return filled


def _postgresql_psycopg_copy(database_url: str, out: Path) -> str:
    import psycopg
    import pyarrow.csv as csv

    schema = _schema()
    writer = _RowGroupWriter(out)
    with psycopg.connect(_libpq_url(database_url)) as con, con.cursor() as cur:
        statement = f"COPY ({_query('postgresql')}) TO STDOUT (FORMAT csv)"
        with cur.copy(statement) as copy:
            stream = io.BufferedReader(_CopyStream(copy), buffer_size=1 << 20)
            reader = csv.open_csv(
                stream,
                read_options=csv.ReadOptions(column_names=list(COLUMNS), block_size=4 << 20),
                # PostgreSQL's CSV writes NULL as nothing and an empty string as "".
                convert_options=csv.ConvertOptions(
                    column_types=schema,
                    null_values=[""],
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=False,
                ),
            )
            for batch in reader:
                writer.write(batch)
    writer.close()
    return "CSV text (types given to pyarrow's CSV reader)"


_IMPORTS: dict[str, tuple[str, ...]] = {
    "duckdb_scanner": ("duckdb", "beacon.analytics.duck", "beacon.analytics.snapshot"),
    "adbc": ("pyarrow.parquet",),
    "stdlib": ("pyarrow.parquet",),
    "psycopg_copy": ("psycopg", "pyarrow.csv", "pyarrow.parquet"),
}
_DRIVER = {"sqlite": "adbc_driver_sqlite.dbapi", "postgresql": "adbc_driver_postgresql.dbapi"}
_RUN: dict[tuple[str, str], Callable[[str, Path], str]] = {
    ("sqlite", "duckdb_scanner"): _duckdb_scanner,
    ("sqlite", "adbc"): _sqlite_adbc,
    ("sqlite", "stdlib"): _sqlite_stdlib,
    ("postgresql", "duckdb_scanner"): _duckdb_scanner,
    ("postgresql", "adbc"): _postgresql_adbc,
    ("postgresql", "psycopg_copy"): _postgresql_psycopg_copy,
}


def _describe(schema: pa.Schema) -> str:
    return " ".join(f"{field.name}:{field.type}" for field in schema)


def _rss_mb(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process in MB, from /proc (Linux); the
    peak from getrusage elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(backend: str, route: str, database_url: str, out: Path) -> None:
    """Run one route once; print its time, import time and peak RSS as JSON."""
    import importlib

    started = time.perf_counter()
    modules = _IMPORTS[route] + ((_DRIVER[backend],) if route == "adbc" else ())
    try:
        for module in modules:
            importlib.import_module(module)
    except ImportError as error:  # an optional driver not installed: skip, do not fail
        print(json.dumps({"skipped": f"{error.name} is not installed"}))
        return
    imported = time.perf_counter() - started
    after_imports_mb = _rss_mb("VmRSS")
    out.unlink(missing_ok=True)
    started = time.perf_counter()
    native = _RUN[backend, route](database_url, out)
    elapsed = time.perf_counter() - started
    peak_mb = _rss_mb("VmHWM")
    figures = {"s": elapsed, "import_s": imported, "peak_mb": peak_mb, "native": native}
    print(json.dumps({**figures, "growth_mb": peak_mb - after_imports_mb}))


# --- set-up, checks and the report (parent process) ---------------------------------------


def _make_realistic(database: Path) -> None:
    """Outcomes and missing locations as data.police.uk has them (see the module docstring)."""
    # Closed, not just committed: the last connection to close folds the WAL back into the
    # file, which read-only readers (the scanner, ADBC) otherwise trip over.
    with closing(sqlite3.connect(database)) as con, con:
        con.execute(
            "UPDATE police_street_crime SET last_outcome_category = CASE id % 3 "
            "WHEN 0 THEN 'Investigation complete; no suspect identified' "
            "WHEN 1 THEN 'Unable to prosecute suspect' ELSE 'Under investigation' END "
            "WHERE crime_type <> 'Anti-social behaviour' AND id > 2000"
        )
        con.execute(
            "UPDATE police_street_crime SET longitude = NULL, latitude = NULL, lsoa_code = NULL "
            "WHERE id % 97 = 0"
        )
        check = con.execute("PRAGMA quick_check").fetchone()
    if not check or check[0] != "ok":
        raise SystemExit(f"the benchmark's SQLite database is damaged: {check}")


def _build(database: Path, rows: int) -> None:
    """The SQLite database, built in a process of its own.

    ``bench_snapshot.build`` writes through Python's sqlite3 and then DuckDB's own copy of
    SQLite while the first connection is still open. Two SQLite libraries in one process do
    not see each other's locks (POSIX locks are per process): DuckDB's close deleted the WAL
    and shared-memory files under the open connection, and a later reader in the same process
    found "file is not a database" (page 1 overwritten). Ending the process ends that.
    """
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_snapshot import build

    build(database, rows)


def _schema_url(server: str, schema: str) -> str:
    url = server.replace("postgresql://", "postgresql+psycopg://", 1)
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


def _fill_postgresql(sqlite_db: Path, server: str, schema: str) -> None:
    """Beacon's migrations in ``schema``, then the SQLite rows copied over by DuckDB."""
    import psycopg

    from beacon.analytics import duck
    from beacon.config import Settings
    from beacon.db.migrate import upgrade

    upgrade(Settings(environment="test", database_url=_schema_url(server, schema)))
    con = duck.connect(memory_limit="1GB")
    try:
        duck.load_extension(con, "sqlite")
        duck.load_extension(con, "postgresql")
        con.execute(f"ATTACH '{sqlite_db.as_posix()}' AS src (TYPE sqlite, READ_ONLY)")
        conninfo = duck.libpq_conninfo(server.replace("postgresql://", "postgresql+psycopg://"))
        conninfo = conninfo.replace("'", "''")  # inside a SQL literal
        con.execute(f"ATTACH '{conninfo}' AS pg (TYPE postgres, SCHEMA '{schema}')")
        columns = (
            "id, record_key, occurrence, crime_id, month, reported_by, falls_within, longitude, "
            "latitude, location, lsoa_code, lsoa_name, crime_type, last_outcome_category, "
            "context, first_import_id, last_import_id, source_line"
        )
        con.execute(
            f"INSERT INTO pg.police_street_crime ({columns}) "
            f"SELECT {columns} FROM src.police_street_crime"
        )
    finally:
        con.close()
    # Fresh rows make the first scan set hint bits (writes): settle that before timing.
    with psycopg.connect(server, autocommit=True) as pg:
        pg.execute(f'VACUUM ANALYZE "{schema}".police_street_crime')


def _fingerprint(path: Path) -> tuple[Any, ...]:
    """Rows, id sum, distinct types, and a hash of every value cast to one type per column;
    plus whether ids strictly increase in file order."""
    import duckdb
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    file = path.as_posix()
    row = duckdb.sql(
        "SELECT count(*), sum(id), count(DISTINCT crime_type), count(last_outcome_category), "
        "count(lsoa_code), min(month)::VARCHAR, max(month)::VARCHAR, count(DISTINCT ym), "
        "sum(hash(id::BIGINT, month::DATE, ym::VARCHAR, crime_type::VARCHAR, "
        "lsoa_code::VARCHAR, falls_within::VARCHAR, longitude::DOUBLE, latitude::DOUBLE, "
        f"last_outcome_category::VARCHAR)::HUGEINT)::VARCHAR FROM read_parquet('{file}')"
    ).fetchone()
    assert row is not None
    ids = pq.read_table(path, columns=["id"]).column("id").combine_chunks()
    ordered = len(ids) < 2 or bool(pc.all(pc.greater(ids[1:], ids[:-1])).as_py())
    return (*row, ordered)


def _parquet_types(path: Path) -> dict[str, str]:
    import pyarrow.parquet as pq

    schema = pq.ParquetFile(path).schema.to_arrow_schema()
    return {field.name: str(field.type) for field in schema}


def _run_route(backend: str, route: str, database_url: str, out: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", f"{backend}:{route}"]
    command += ["--url", database_url, "--out", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1] if result.stderr else "failed"}
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def _measure(
    urls: dict[str, str], folder: Path, rows: int, repeat: int
) -> tuple[dict[str, Any], dict[str, Path], dict[str, str]]:
    """Every route of every backend in ``urls``, ``repeat`` rounds taken in turn (so a burst
    of load from other work hits all routes alike); the best time and the highest peak RSS."""
    runs: dict[str, list[dict[str, Any]]] = {}
    errors: dict[str, str] = {}
    for _ in range(repeat):
        for backend, url in urls.items():
            for route in ROUTES[backend]:
                name = f"{backend}_{route}"
                if name in errors:
                    continue
                result = _run_route(backend, route, url, folder / f"{name}.parquet")
                if "skipped" in result:
                    errors[name] = "skipped: " + result["skipped"]
                elif "error" in result:
                    errors[name] = result["error"]
                    print(f"{name} FAILED: {result['error']}", file=sys.stderr)
                else:
                    runs.setdefault(name, []).append(result)
    figures: dict[str, Any] = {}
    outputs: dict[str, Path] = {}
    notes: dict[str, str] = {}
    for backend in urls:
        timed: dict[str, float] = {}
        for route in ROUTES[backend]:
            name = f"{backend}_{route}"
            if name in errors:
                skipped = errors[name].startswith("skipped: ")
                figures[f"{name}_{'skipped' if skipped else 'error'}"] = errors[name]
                continue
            best = min(r["s"] for r in runs[name])
            timed[route] = best
            out = folder / f"{name}.parquet"
            figures[f"{name}_s"] = round(best, 3)
            figures[f"{name}_rows_per_s"] = round(rows / best)
            figures[f"{name}_peak_rss_mb"] = round(max(r["peak_mb"] for r in runs[name]))
            # What reading and writing added on top of the imported modules.
            figures[f"{name}_rss_growth_mb"] = round(max(r["growth_mb"] for r in runs[name]))
            figures[f"{name}_import_s"] = round(min(r["import_s"] for r in runs[name]), 3)
            figures[f"{name}_file_mb"] = round(out.stat().st_size / 1e6, 1)
            outputs[name] = out
            if runs[name][-1]["native"]:
                notes[f"{name} driver types"] = runs[name][-1]["native"]
        if timed:
            figures[f"{backend}_fastest"] = min(timed, key=lambda r: timed[r])
    return figures, outputs, notes


def _adbc_guess(database: Path) -> str:
    """What the plain ADBC SQLite read (no typed first row) does with the NULL-led column."""
    try:
        import adbc_driver_sqlite.dbapi
    except ImportError:
        return "adbc-driver-sqlite not installed"
    try:
        with (
            adbc_driver_sqlite.dbapi.connect(f"file:{database.as_posix()}?mode=ro") as con,
            con.cursor() as cur,
        ):
            cur.execute(_query("sqlite"))
            cur.fetch_arrow_table()
    except Exception as error:  # the failure itself is the figure
        return f"fails: {error}".splitlines()[0]
    return "reads"


def _postgres_reachable(server: str) -> str | None:
    try:
        import psycopg

        with psycopg.connect(server, connect_timeout=3) as con:
            con.execute("SELECT 1")
    except Exception as error:  # any failure means: skip PostgreSQL, say why
        return f"{type(error).__name__}: {error}".strip().splitlines()[0]
    return None


def _check(outputs: dict[str, Path], figures: dict[str, Any]) -> bool:
    """Every file must hold the same rows as the current route's (SQLite scanner) file."""
    if not outputs:
        return True
    prints = {name: _fingerprint(path) for name, path in outputs.items()}
    reference_name = next(iter(prints))
    reference = prints[reference_name]
    bad = [name for name, value in prints.items() if value != reference]
    unordered = [name for name, value in prints.items() if not value[-1]]
    expected = {field.name: str(field.type) for field in _schema()}
    differ = [
        f"{name}: {column} {kind} (not {expected.get(column)})"
        for name, path in outputs.items()
        for column, kind in _parquet_types(path).items()
        if expected.get(column) != kind
    ]
    figures["rows_checked"] = int(reference[0])
    figures["content_matches"] = not bad and not unordered
    # Same values, different Parquet types: e.g. PostgreSQL's integer id arrives as int32.
    figures["parquet_types_differing"] = differ
    for name in bad:
        print(
            f"CONTENT MISMATCH: {name} {prints[name]} != {reference_name} {reference}",
            file=sys.stderr,
        )
    for name in unordered:
        print(f"ORDER MISMATCH: {name} ids are not strictly increasing", file=sys.stderr)
    return not bad and not unordered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BEACON_TEST_POSTGRES_URL", POSTGRES_URL),
        help="server for the PostgreSQL routes (a schema is created there and dropped)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        backend, route = options.child.split(":")
        child(backend, route, options.url, options.out)
        return

    if options.build:
        _build(options.build, options.rows)
        return

    load = [round(x, 2) for x in os.getloadavg()]
    figures: dict[str, Any] = {"rows": options.rows}
    with tempfile.TemporaryDirectory(prefix="beacon-bench-readers-") as name:
        folder = Path(name)
        database = folder / "beacon.db"
        started = time.perf_counter()
        command = [sys.executable, __file__, "--build", str(database), "--rows", str(options.rows)]
        subprocess.run(command, check=True, capture_output=True)
        _make_realistic(database)
        figures["setup_sqlite_s"] = round(time.perf_counter() - started, 1)
        figures["sqlite_adbc_without_typed_first_row"] = _adbc_guess(database)
        urls = {"sqlite": f"sqlite:///{database}"}
        unreachable = _postgres_reachable(options.postgres_url)
        schema = f"bench_readers_{uuid.uuid4().hex[:10]}"
        if unreachable:
            figures["postgresql_skipped"] = unreachable
        else:
            import psycopg

            with psycopg.connect(options.postgres_url, autocommit=True) as pg:
                pg.execute(f'CREATE SCHEMA "{schema}"')
            urls["postgresql"] = _schema_url(options.postgres_url, schema)
        try:
            if "postgresql" in urls:
                started = time.perf_counter()
                _fill_postgresql(database, options.postgres_url, schema)
                figures["setup_postgresql_s"] = round(time.perf_counter() - started, 1)
            measured, outputs, notes = _measure(urls, folder, options.rows, options.repeat)
            figures.update(measured)
        finally:
            if "postgresql" in urls:
                with psycopg.connect(options.postgres_url, autocommit=True) as pg:
                    pg.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        matches = _check(outputs, figures)
    figures["load_average_1_5_15_at_start"] = load
    figures["load_average_1min_at_end"] = round(os.getloadavg()[0], 2)
    if options.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:45} {value}")
        for key, value in notes.items():
            print(f"note: {key}: {value}")
    if not matches or any(key.endswith("_error") for key in figures):
        sys.exit(1)


if __name__ == "__main__":
    main()
