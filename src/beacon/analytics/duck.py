"""DuckDB connections: offline extension loading and attaching the operational database.

DuckDB's ``INSTALL`` downloads from DuckDB's own host, which deployments often cannot reach.
The scanner extensions ship as PyPI packages pinned to the DuckDB release
(``duckdb-extension-sqlite-scanner``, ``duckdb-extension-postgres-scanner``); we ``LOAD`` the
file from site-packages, so nothing is fetched at run time.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

from beacon.analytics.errors import AnalysisInputError

if TYPE_CHECKING:
    import duckdb

# Keeps a snapshot refresh of millions of rows inside the 1 GB budget (docs/PERFORMANCE.md).
DEFAULT_MEMORY_LIMIT = "700MB"


def connect(*, memory_limit: str = DEFAULT_MEMORY_LIMIT) -> duckdb.DuckDBPyConnection:
    import duckdb

    con = duckdb.connect(config={"memory_limit": memory_limit, "threads": 2})
    # Figures must not depend on the order threads finish in.
    con.execute("SET preserve_insertion_order = true")
    return con


def string_list(values: list[str] | tuple[str, ...]) -> str:
    """A DuckDB ``VARCHAR[]`` literal. Used instead of a bound list parameter because binding a
    Python list makes DuckDB import pandas (0.5-1 s), which short commands cannot afford."""
    quoted = ",".join("'" + str(v).replace("'", "''") + "'" for v in values)
    return f"[{quoted}]::VARCHAR[]"


def _extension_file(package: str, name: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the {name} extension package {package!r} is not installed")
    root = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(root.rglob(f"{name}.duckdb_extension"))
    if not found:
        raise RuntimeError(f"{package} holds no {name}.duckdb_extension file")
    return found[-1]


def load_extension(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    """Load the sqlite or postgres scanner from its PyPI package."""
    package, name = {
        "sqlite": ("duckdb_extension_sqlite_scanner", "sqlite_scanner"),
        "postgresql": ("duckdb_extension_postgres_scanner", "postgres_scanner"),
    }[kind]
    path = _extension_file(package, name)
    con.execute(f"LOAD '{path.as_posix()}'")


def attach_operational(con: duckdb.DuckDBPyConnection, database_url: str) -> str:
    """Attach Beacon's database read-only as ``db``; returns the backend name.

    SQLite is read through the sqlite scanner; PostgreSQL through the postgres scanner with the
    same host, user, database and ``search_path`` the SQLAlchemy URL names.
    """
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise AnalysisInputError(
                "an in-memory SQLite database cannot be snapshotted", option="BEACON_DATABASE_URL"
            )
        load_extension(con, "sqlite")
        path = Path(url.database).as_posix().replace("'", "''")
        con.execute(f"ATTACH '{path}' AS db (TYPE sqlite, READ_ONLY)")
        return "sqlite"
    if backend == "postgresql":
        load_extension(con, "postgresql")
        schema = _search_path_schema(database_url)
        options = "TYPE postgres, READ_ONLY"
        if schema:
            options += ", SCHEMA '" + schema.replace("'", "''") + "'"
        conninfo = libpq_conninfo(database_url).replace("'", "''")  # inside a SQL literal
        con.execute(f"ATTACH '{conninfo}' AS db ({options})")
        return "postgresql"
    raise AnalysisInputError(
        f"snapshots read SQLite or PostgreSQL, not {backend}", option="BEACON_DATABASE_URL"
    )


def libpq_conninfo(database_url: str) -> str:
    """A libpq key=value string for a SQLAlchemy PostgreSQL URL (quotes escaped)."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    parts: dict[str, str] = {}
    if url.host:
        parts["host"] = url.host
    if url.port:
        parts["port"] = str(url.port)
    if url.username:
        parts["user"] = url.username
    if url.password:
        parts["password"] = str(url.password)
    if url.database:
        parts["dbname"] = url.database
    for key, value in url.query.items():
        if key in {"options", "sslmode", "application_name", "connect_timeout"}:
            parts[key] = value if isinstance(value, str) else value[0]

    def quote(value: str) -> str:
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"

    return " ".join(f"{key}={quote(value)}" for key, value in parts.items())


def _search_path_schema(database_url: str) -> str | None:
    """The first schema of a ``-csearch_path=...`` option in the URL, if any."""
    import re

    from sqlalchemy.engine import make_url

    options = make_url(database_url).query.get("options")
    if options is None:
        return None
    text = options if isinstance(options, str) else " ".join(options)
    match = re.search(r"-c\s*search_path\s*=\s*([^\s,]+)", text)
    return match.group(1).strip('"') if match else None
