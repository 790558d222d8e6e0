"""The engines an analysis runs on: DuckDB in-process (default) or Apache Spark.

Both read the same snapshot and answer the same questions with the same expressions
(``queries.py``): DuckDB runs the SQL Ibis compiled for them (``compiled_sql.json``), Spark
runs the Ibis expressions through Ibis's PySpark backend, locally (``local[2]``) or on a cluster
through Spark Connect (``BEACON_SPARK_CONNECT_URL``). See docs/SCALING.md.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from beacon.analytics.snapshot import Snapshot

if TYPE_CHECKING:
    from beacon.config import Settings

ENGINES = ("duckdb", "spark")
# Snapshot tables every engine exposes under these names.
TABLES = (
    "street_crime",
    "street_crime_cube",
    "partner_incident",
    "assault_admission",
    "intelligence",
    "areas",
    "lsoa_neighbours",
    "imd",
    "population",
    "harm_weights",
)
_SELECTION_COLUMNS = (
    "lsoa_code, lsoa_name, ward_code, ward_name, district_code, district_name, police_force"
)


@cache
def compiled_queries() -> dict[str, str]:
    data = json.loads(Path(__file__).with_name("compiled_sql.json").read_text(encoding="utf-8"))
    return dict(data["queries"])


class Engine(Protocol):
    name: str

    def use(self, *, lsoas: list[str], months: list[str]) -> None:
        """Fix the selected LSOAs and months for the queries that follow."""

    def counts(
        self, source: str, *, area: str, by_month: bool, by_type: bool
    ) -> list[dict[str, Any]]:
        """Rows of the counts expression (unordered, unrounded)."""

    def close(self) -> None: ...


def _quote(path: Path) -> str:
    return "'" + path.as_posix().replace("'", "''") + "'"


class DuckDBEngine:
    """DuckDB in this process, with the snapshot's Parquet files as views."""

    name = "duckdb"

    def __init__(self, snapshot: Snapshot) -> None:
        from beacon.analytics import duck

        self.snapshot = snapshot
        self.con = duck.connect()
        self._views: set[str] = set()
        self._using: tuple[tuple[str, ...], tuple[str, ...]] | None = None

    def _ensure_views(self, sql: str) -> None:
        """Create the views a statement names, on first use: each view reads its files'
        footers when created, and most commands touch two or three of the tables."""
        import re

        for table in TABLES:
            if table in self._views or not re.search(rf"\b{table}\b", sql):
                continue
            files = self.snapshot.files(table)
            if files:
                listing = ", ".join(_quote(p) for p in files)
                self.con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet([{listing}])")
            else:  # a snapshot with no street crime at all: an empty table of the right shape
                from beacon.analytics.queries_schema import empty_table_sql

                self.con.execute(empty_table_sql(table))
            self._views.add(table)

    def use(self, *, lsoas: list[str], months: list[str]) -> None:
        from beacon.analytics.duck import string_list

        # Pages run several measures over one selection: rebuilding the same two temporary
        # tables each time cost about a tenth of an overview.
        key = (tuple(lsoas), tuple(months))
        if key == self._using:
            return
        self._using = key
        self._ensure_views("areas")
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE selection AS SELECT {_SELECTION_COLUMNS} FROM areas "
            f"WHERE lsoa_code IN (SELECT unnest({string_list(lsoas)}))"
        )
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE period AS "
            f"SELECT unnest({string_list(months)}) AS ym ORDER BY ym"
        )

    def counts(
        self, source: str, *, area: str, by_month: bool, by_type: bool
    ) -> list[dict[str, Any]]:
        from beacon.analytics.queries_schema import variant_key

        return self.query(compiled_queries()[variant_key(source, area, by_month, by_type)])

    def query(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        self._ensure_views(sql)
        cursor = self.con.execute(sql, params)
        names = [d[0] for d in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def close(self) -> None:
        self.con.close()


class SparkEngine:
    """Apache Spark through Ibis: ``local[2]`` by default, or a Spark Connect URL."""

    name = "spark"

    def __init__(self, snapshot: Snapshot, settings: Settings | None = None) -> None:
        import ibis

        self.snapshot = snapshot
        self.session = spark_session(settings)
        self.ibis = ibis.pyspark.connect(self.session)
        for table in TABLES:
            files = [p.as_posix() for p in snapshot.files(table)]
            if files:
                self.session.read.parquet(*files).createOrReplaceTempView(table)
        self._tables: dict[str, Any] = {}

    def use(self, *, lsoas: list[str], months: list[str]) -> None:
        from pyspark.sql import functions as F

        areas = self.session.table("areas")
        areas.where(F.col("lsoa_code").isin(lsoas)).select(
            *[c.strip() for c in _SELECTION_COLUMNS.split(",")]
        ).createOrReplaceTempView("selection")
        self.session.createDataFrame([(m,) for m in months], "ym string").createOrReplaceTempView(
            "period"
        )
        self._tables = {name: self.ibis.table(name) for name in (*TABLES, "selection", "period")}

    def counts(
        self, source: str, *, area: str, by_month: bool, by_type: bool
    ) -> list[dict[str, Any]]:
        from beacon.analytics.queries import build_counts

        expr = build_counts(source, self._tables, area=area, by_month=by_month, by_type=by_type)
        rows: list[dict[str, Any]] = expr.to_pyarrow().to_pylist()
        return rows

    def close(self) -> None:
        # The session is shared by the process (Spark allows one per JVM); keep it for reuse.
        return None


_SPARK: dict[str, Any] = {}


def spark_session(settings: Settings | None = None) -> Any:
    """One Spark session per process: Spark Connect when configured, else ``local[2]``."""
    from pyspark.sql import SparkSession

    url = getattr(settings, "spark_connect_url", None) if settings else None
    key = url or "local"
    if key in _SPARK:
        return _SPARK[key]
    if url:
        session = SparkSession.builder.remote(url).getOrCreate()
    else:
        master = getattr(settings, "spark_master", None) or "local[2]"
        session = (
            SparkSession.builder.master(master)
            .appName("beacon")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "4")
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
    _SPARK[key] = session
    return session


def open_engine(name: str, snapshot: Snapshot, settings: Settings | None = None) -> Engine:
    if name == "duckdb":
        return DuckDBEngine(snapshot)
    if name == "spark":
        return SparkEngine(snapshot, settings)
    from beacon.analytics.errors import AnalysisInputError

    raise AnalysisInputError(f"unknown engine {name!r} (choose duckdb or spark)", option="--engine")
