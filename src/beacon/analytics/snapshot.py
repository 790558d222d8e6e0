"""Analysis snapshots: the data every analysis reads, frozen as Parquet with a manifest.

A snapshot is a directory under ``<data dir>/snapshots/<id>/``::

    manifest.json            id, creation time, source, tables (files, rows, SHA-256),
                             import runs, months covered, what was reused from the parent
    street_crime/ym=YYYY-MM/data_0.parquet   one file per month (police street crime)
    street_crime_cube/ym=YYYY-MM/data_0.parquet   the month counted per LSOA x crime type
    partner_incident.parquet assault_admission.parquet intelligence.parquet
    areas.parquet            LSOA -> ward -> district -> force, with names
    lsoa_neighbours.parquet  queen contiguity pairs from the stored LSOA boundaries
    imd.parquet population.parquet harm_weights.parquet

It is immutable. A refresh writes a new one into ``.tmp-<id>`` beside the others and renames
it into place only when complete, so a crash never leaves half a snapshot; ``LATEST`` then
names it (replaced atomically). A refresh reuses (hard-links) the parent's monthly street-crime
files whose rows have not changed, so new months cost only their own rows.

The operational database is read through DuckDB's SQLite or PostgreSQL scanner (``duck.py``):
one scan per table, written straight to Parquet without passing rows through Python.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from beacon.analytics.errors import AnalysisInputError

if TYPE_CHECKING:
    import duckdb

    from beacon.config import Settings

# 2: street-crime cube, per-month quality and the database fingerprint in the manifest.
SNAPSHOT_FORMAT = 2
# Part of the key under which neighbour pairs are reused: change it when the method changes.
NEIGHBOURS_METHOD = "libpysal queen contiguity v1"
LATEST = "LATEST"
MANIFEST = "manifest.json"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class TableEntry:
    name: str
    files: tuple[str, ...]
    rows: int
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {"files": list(self.files), "rows": self.rows, "sha256": self.sha256}


@dataclass(frozen=True)
class Snapshot:
    """An opened snapshot: its directory and manifest."""

    path: Path
    manifest: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.manifest["id"])

    def table_rows(self, name: str) -> int:
        return int(self.manifest["tables"][name]["rows"])

    def files(self, name: str) -> list[Path]:
        return [self.path / f for f in self.manifest["tables"][name]["files"]]

    @property
    def months(self) -> list[str]:
        return list(self.manifest.get("street_crime_months", []))

    def describe(self) -> dict[str, Any]:
        """What a result carries to name the data it came from."""
        return {"id": self.id, "created_at": self.manifest["created_at"]}


@dataclass
class _Plan:
    """What a refresh does for street crime, month by month."""

    reuse: dict[str, dict[str, Any]] = field(default_factory=dict)  # ym -> parent's entry
    write: list[str] = field(default_factory=list)
    fingerprints: dict[str, list[int]] = field(default_factory=dict)


def snapshots_root(settings: Settings) -> Path:
    return Path(settings.data_dir) / "snapshots"


def _read_manifest(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    return data


def list_snapshots(settings: Settings) -> list[Snapshot]:
    """Every complete snapshot, oldest first (temporary directories are ignored)."""
    root = snapshots_root(settings)
    if not root.is_dir():
        return []
    found = [
        Snapshot(path, _read_manifest(path))
        for path in root.iterdir()
        if path.is_dir() and not path.name.startswith(".") and (path / MANIFEST).is_file()
    ]
    return sorted(found, key=lambda s: (s.manifest["created_at"], s.id))


def current_snapshot(settings: Settings, *, say: Progress | None = None) -> Snapshot:
    """The latest snapshot, refreshed first when the database has changed since it was written
    (or written first when there is none). See ``freshness.py``."""
    from beacon.analytics.freshness import source_fingerprint

    try:
        latest: Snapshot | None = open_snapshot(settings, allow_old_format=True)
    except AnalysisInputError:
        latest = None
    if (
        latest is not None
        and latest.manifest.get("format") == SNAPSHOT_FORMAT
        and latest.manifest.get("source_fingerprint") == source_fingerprint(settings.database_url)
    ):
        return latest
    if say is not None:
        say(
            "no analysis snapshot yet: writing one"
            if latest is None
            else f"the data (or the snapshot format) changed since snapshot {latest.id}: "
            "refreshing it"
        )
    return refresh_snapshot(settings)


def open_snapshot(
    settings: Settings, snapshot_id: str | None = None, *, allow_old_format: bool = False
) -> Snapshot:
    """The named snapshot, or the latest; a clear error when there is none."""
    root = snapshots_root(settings)
    if snapshot_id is None:
        pointer = root / LATEST
        if not pointer.is_file():
            raise AnalysisInputError(
                "no analysis snapshot yet: run `beacon analyse snapshot` first", option="--snapshot"
            )
        snapshot_id = pointer.read_text(encoding="utf-8").strip()
    path = root / snapshot_id
    if "/" in snapshot_id or snapshot_id.startswith(".") or not (path / MANIFEST).is_file():
        known = ", ".join(s.id for s in list_snapshots(settings)[-5:]) or "none"
        raise AnalysisInputError(
            f"no snapshot {snapshot_id!r} (latest: {known})", option="--snapshot"
        )
    snapshot = Snapshot(path, _read_manifest(path))
    if snapshot.manifest.get("format") != SNAPSHOT_FORMAT and not allow_old_format:
        raise AnalysisInputError(
            f"snapshot {snapshot_id} was written by an older Beacon (format "
            f"{snapshot.manifest.get('format')}, now {SNAPSHOT_FORMAT}): write a new one with "
            "`beacon analyse snapshot`",
            option="--snapshot",
        )
    return snapshot


def _sha256(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def _count_parquet(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> int:
    if not paths:
        return 0
    listing = ", ".join("'" + p.as_posix().replace("'", "''") + "'" for p in paths)
    row = con.execute(f"SELECT count(*) FROM read_parquet([{listing}])").fetchone()
    return int(row[0]) if row else 0


def _copy(con: duckdb.DuckDBPyConnection, query: str, target: Path, params: Any = None) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    path = target.as_posix().replace("'", "''")
    con.execute(f"COPY ({query}) TO '{path}' (FORMAT parquet, COMPRESSION zstd)", params)


# Columns copied for each table. Text that could identify anyone (report narratives, partner
# references, contact details) is never copied: analyses need places, dates and categories.
_STREET_COLUMNS = (
    "CAST(id AS BIGINT) AS id, month, strftime(month, '%Y-%m') AS ym, crime_type, lsoa_code, "
    "falls_within, longitude, latitude, last_outcome_category"
)
_PARTNER_INCIDENT = (
    "SELECT CAST(id AS BIGINT) AS id, feed_kind, category, sub_type, occurred_on, "
    "CAST(source_organisation_id AS BIGINT) AS source_organisation_id, "
    "latitude, longitude, lsoa_code, ward_code, district_code, force_code "
    "FROM db.partner_incident ORDER BY id"
)
_ASSAULT_ADMISSION = (
    "SELECT CAST(id AS BIGINT) AS id, period_start, period_end, outward_postcode, age_band, "
    "sex, admissions, suppressed, district_code, force_code, "
    "CAST(source_organisation_id AS BIGINT) AS source_organisation_id "
    "FROM db.assault_admission ORDER BY id"
)
_INTELLIGENCE = (
    "SELECT id, channel, state, received_on, occurred_from, occurred_to, theme, "
    "latitude, longitude, lsoa_code, ward_code, district_code, force_code, "
    "source_evaluation, intelligence_assessment, handling_code, immediate_risk "
    "FROM db.intel_report WHERE NOT erased ORDER BY id"
)
_IMD = (
    "SELECT lsoa_code, edition, domain, rank, decile FROM db.area_deprivation "
    "ORDER BY edition, domain, lsoa_code"
)


def _street_fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, list[int]]:
    """Per month: rows, highest id, highest last import: changes whenever a month's rows do."""
    rows = con.execute(
        "SELECT strftime(month, '%Y-%m') AS ym, count(*), max(id), "
        "coalesce(max(last_import_id), 0), coalesce(sum(last_import_id), 0) "
        "FROM db.police_street_crime GROUP BY 1 ORDER BY 1"
    ).fetchall()
    return {str(r[0]): [int(r[1]), int(r[2]), int(r[3]), int(r[4])] for r in rows}


def _plan_street(fingerprints: dict[str, list[int]], parent: Snapshot | None) -> _Plan:
    plan = _Plan(fingerprints=fingerprints)
    previous = (parent.manifest.get("street_crime_fingerprints") or {}) if parent else {}
    parent_files: dict[str, dict[str, Any]] = (
        parent.manifest.get("street_crime_files") or {} if parent else {}
    )
    for ym, fingerprint in fingerprints.items():
        unchanged = previous.get(ym) == fingerprint and ym in parent_files
        if (
            unchanged
            and parent is not None
            and "cube" in parent_files[ym]
            and all(
                (parent.path / f).is_file()
                for f in [*parent_files[ym]["files"], parent_files[ym]["cube"]]
            )
        ):
            plan.reuse[ym] = parent_files[ym]
            continue
        plan.write.append(ym)
    return plan


def _write_small_tables(settings: Settings) -> dict[str, list[dict[str, Any]]]:
    """Areas, population and harm weights come through the service functions (Python)."""
    from beacon.analytics.reference import load_harm_weights, load_population
    from beacon.geography.areas import lsoa_hierarchy
    from beacon.runtime import open_runtime

    runtime = open_runtime(settings, migrate=False)
    try:
        with runtime.sessions() as session:
            places = lsoa_hierarchy(session)
            population = load_population(session)
            weights = load_harm_weights(session)
            runs = _import_runs(session)
            boundaries = _lsoa_boundaries(session)
    finally:
        runtime.close()
    areas = [
        {
            "lsoa_code": p.lsoa_code,
            "lsoa_name": p.lsoa_name,
            "ward_code": p.ward_code,
            "ward_name": p.ward_name,
            "district_code": p.district_code,
            "district_name": p.district_name,
            "force_code": p.force_code,
            "force_name": p.force_name,
            "has_boundary": p.lsoa_code in boundaries,
        }
        for p in sorted(places.values(), key=lambda p: p.lsoa_code)
    ]
    return {
        "areas": areas,
        "population": [
            {"lsoa_code": code, "population": int(value)}
            for code, value in sorted(population.items())
        ],
        "harm_weights": [
            {"crime_type": name, "weight": float(value)} for name, value in sorted(weights.items())
        ],
        "import_runs": runs,
        "boundaries": [{"lsoa_code": code, "wkb": wkb} for code, wkb in sorted(boundaries.items())],
    }


def _import_runs(session: Any) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from beacon.ingest.models import ImportRun

    rows = session.execute(
        select(
            ImportRun.id,
            ImportRun.kind,
            ImportRun.source_name,
            ImportRun.sha256,
            ImportRun.finished_at,
        ).order_by(ImportRun.id)
    )
    return [
        {
            "id": r.id,
            "kind": r.kind,
            "source": r.source_name,
            "sha256": r.sha256,
            "finished_at": r.finished_at.isoformat() if r.finished_at else None,
        }
        for r in rows
    ]


def _lsoa_boundaries(session: Any) -> dict[str, bytes]:
    from sqlalchemy import select

    from beacon.geography.models import Area, AreaBoundary, AreaLevel

    rows = session.execute(
        select(Area.code, AreaBoundary.geometry_wkb)
        .join(AreaBoundary, AreaBoundary.area_id == Area.id)
        .where(Area.level == AreaLevel.LSOA.value)
        .order_by(Area.code, Area.vintage)
    )
    return {code: bytes(wkb) for code, wkb in rows}


_ARROW_TYPES = {"VARCHAR": "string", "BIGINT": "int64", "DOUBLE": "float64", "BOOLEAN": "bool_"}


def _write_rows(
    con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]], schema: dict[str, str], path: Path
) -> None:
    """Write Python rows to Parquet with pyarrow.

    Not through DuckDB: binding Python lists or registering Arrow tables makes DuckDB import
    pandas (about 1 s), which a refresh need not pay.
    """
    import pyarrow as pa

    arrow_schema = pa.schema(
        [(name, getattr(pa, _ARROW_TYPES[kind])()) for name, kind in schema.items()]
    )
    table = pa.table(
        {name: [row.get(name) for row in rows] for name in schema}, schema=arrow_schema
    )
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd")


def _neighbour_pairs(
    boundaries: list[dict[str, Any]], parent: Snapshot | None, boundary_digest: str
) -> list[dict[str, str]] | None:
    """Queen contiguity pairs; reused from the parent when the boundaries are unchanged."""
    if parent is not None and parent.manifest.get("boundary_digest") == boundary_digest:
        return None  # reuse the parent's file
    if not boundaries:
        return []
    from beacon.analytics.contiguity import queen_neighbours

    codes = [b["lsoa_code"] for b in boundaries]
    wkbs = [b["wkb"] for b in boundaries]
    pairs = queen_neighbours(codes, wkbs) if codes else []
    return [{"lsoa_code": a, "neighbour_code": b} for a, b in pairs]


def refresh_snapshot(
    settings: Settings,
    *,
    full: bool = False,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> Snapshot:
    """Write a new snapshot of the operational database and make it the latest.

    ``full`` ignores the parent snapshot (every month is rewritten). Returns the new snapshot.
    """
    say = progress or (lambda _message: None)
    root = snapshots_root(settings)
    root.mkdir(parents=True, exist_ok=True)
    # Snapshots hold intelligence locations: only Beacon's own user may enter the folder.
    root.chmod(0o700)
    with _refresh_lock(root):
        return _refresh_locked(settings, root, full=full, say=say, now=now)


def _refresh_locked(
    settings: Settings,
    root: Path,
    *,
    full: bool,
    say: Progress,
    now: dt.datetime | None,
) -> Snapshot:
    from beacon.analytics import duck

    _remove_stale_temporaries(root)
    from beacon.analytics.freshness import source_fingerprint

    # Taken before reading: a change made during the refresh makes the next run refresh again.
    fingerprint = source_fingerprint(settings.database_url)
    parent: Snapshot | None = None
    if not full and (root / LATEST).is_file():
        try:
            parent = open_snapshot(settings, allow_old_format=True)
        except AnalysisInputError:
            parent = None
    created = now or dt.datetime.now(dt.UTC)
    work = root / f".tmp-{created:%Y%m%dT%H%M%S%fZ}-{os.getpid()}"
    work.mkdir()
    try:
        con = duck.connect()
        backend = duck.attach_operational(con, settings.database_url)
        say("reading areas, population, harm weights and boundaries")
        small = _write_small_tables(settings)
        boundary_digest = hashlib.sha256(
            NEIGHBOURS_METHOD.encode()
            + b"".join(b["lsoa_code"].encode() + b["wkb"] for b in small["boundaries"])
        ).hexdigest()

        say("comparing street crime month by month with the previous snapshot")
        plan = _plan_street(_street_fingerprints(con), parent)
        street_files: dict[str, dict[str, Any]] = {}
        for ym, entry in plan.reuse.items():
            for name in [*entry["files"], entry["cube"]]:
                target = work / name
                target.parent.mkdir(parents=True, exist_ok=True)
                assert parent is not None
                os.link(parent.path / name, target)
            street_files[ym] = entry
        if plan.write:
            say(f"writing street crime for {len(plan.write)} month(s)")
            staging = work / "_street"
            # SQLite hands rows over in id (rowid) order already; sorting 5 million rows would
            # cost most of the memory budget. PostgreSQL scans come in no set order.
            order = "ORDER BY id" if backend == "postgresql" else ""
            path = staging.as_posix().replace("'", "''")
            con.execute(
                f"COPY (SELECT {_STREET_COLUMNS} FROM db.police_street_crime "
                "WHERE strftime(month, '%Y-%m') IN "
                f"(SELECT unnest({duck.string_list(plan.write)})) "
                f"{order}) TO '{path}' (FORMAT parquet, COMPRESSION zstd, "
                "PARTITION_BY (ym), WRITE_PARTITION_COLUMNS true)"
            )
            for ym in plan.write:
                folder = staging / f"ym={ym}"
                files = sorted(folder.glob("*.parquet"))
                final = work / "street_crime" / f"ym={ym}"
                final.mkdir(parents=True, exist_ok=True)
                names = []
                for index, file in enumerate(files):
                    name = f"street_crime/ym={ym}/data_{index}.parquet"
                    file.rename(work / name)
                    names.append(name)
                street_files[ym] = {
                    "files": names,
                    "rows": _count_parquet(con, [work / n for n in names]),
                    "sha256": _sha256([work / n for n in names]),
                    "cube": _write_cube(con, work, ym, [work / n for n in names]),
                }
            shutil.rmtree(staging, ignore_errors=True)

        say("writing partner feeds, intelligence and deprivation")
        _copy(con, _PARTNER_INCIDENT, work / "partner_incident.parquet")
        _copy(con, _ASSAULT_ADMISSION, work / "assault_admission.parquet")
        _copy(con, _INTELLIGENCE, work / "intelligence.parquet")
        _copy(con, _IMD, work / "imd.parquet")
        _write_areas(con, small["areas"], work / "areas.parquet", work / "street_crime")
        _write_rows(
            con,
            small["population"],
            {"lsoa_code": "VARCHAR", "population": "BIGINT"},
            work / "population.parquet",
        )
        _write_rows(
            con,
            small["harm_weights"],
            {"crime_type": "VARCHAR", "weight": "DOUBLE"},
            work / "harm_weights.parquet",
        )
        say("finding neighbouring areas (queen contiguity)")
        pairs = _neighbour_pairs(small["boundaries"], parent, boundary_digest)
        if pairs is None and parent is not None:
            os.link(parent.path / "lsoa_neighbours.parquet", work / "lsoa_neighbours.parquet")
        else:
            _write_rows(
                con,
                pairs or [],
                {"lsoa_code": "VARCHAR", "neighbour_code": "VARCHAR"},
                work / "lsoa_neighbours.parquet",
            )

        say("measuring data quality month by month")
        quality = _street_quality(con, work)

        tables: dict[str, TableEntry] = {}
        ordered = sorted(street_files)
        street_names = [n for ym in ordered for n in street_files[ym]["files"]]
        tables["street_crime"] = TableEntry(
            "street_crime",
            tuple(street_names),
            sum(int(street_files[ym]["rows"]) for ym in ordered),
            hashlib.sha256(
                "".join(street_files[ym]["sha256"] for ym in ordered).encode()
            ).hexdigest(),
        )
        cube_names = [street_files[ym]["cube"] for ym in ordered]
        tables["street_crime_cube"] = TableEntry(
            "street_crime_cube",
            tuple(cube_names),
            _count_parquet(con, [work / n for n in cube_names]),
            _sha256([work / n for n in cube_names]),
        )
        for name in (
            "partner_incident",
            "assault_admission",
            "intelligence",
            "imd",
            "areas",
            "population",
            "harm_weights",
            "lsoa_neighbours",
        ):
            file = work / f"{name}.parquet"
            tables[name] = TableEntry(
                name, (file.name,), _count_parquet(con, [file]), _sha256([file])
            )
        con.close()

        content = hashlib.sha256(
            json.dumps({k: v.sha256 for k, v in sorted(tables.items())}).encode()
        ).hexdigest()
        snapshot_id = f"{created:%Y%m%dT%H%M%SZ}-{content[:10]}"
        manifest = {
            "id": snapshot_id,
            "format": SNAPSHOT_FORMAT,
            "created_at": created.isoformat(),
            "content_sha256": content,
            "source": {"backend": backend},
            "parent": parent.id if parent else None,
            "tables": {k: v.to_dict() for k, v in sorted(tables.items())},
            "street_crime_months": ordered,
            "street_crime_files": street_files,
            "street_crime_fingerprints": plan.fingerprints,
            "reused_months": sorted(plan.reuse),
            "written_months": sorted(plan.write),
            "boundary_digest": boundary_digest,
            "import_runs": small["import_runs"],
            "source_fingerprint": fingerprint,
            "street_crime_quality": quality,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _fsync_tree(work)
        final_path = root / snapshot_id
        if final_path.exists():
            # Same second, same content: the snapshot already exists and is identical.
            shutil.rmtree(work)
        else:
            os.replace(work, final_path)
        _point_latest(root, snapshot_id)
        return Snapshot(final_path, manifest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


_AREA_SCHEMA = {
    "lsoa_code": "VARCHAR",
    "lsoa_name": "VARCHAR",
    "ward_code": "VARCHAR",
    "ward_name": "VARCHAR",
    "district_code": "VARCHAR",
    "district_name": "VARCHAR",
    "force_code": "VARCHAR",
    "force_name": "VARCHAR",
    "has_boundary": "BOOLEAN",
}


def _write_areas(
    con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]], path: Path, street: Path
) -> None:
    """The LSOA hierarchy plus ``police_force``: the force whose data covers each district.

    ``police_force`` is the force area's name where the ONS force lookup is loaded; otherwise
    the force (data.police.uk "Falls within") that recorded crime in at least half of the
    district's LSOAs (most crime wins a tie), so ``--force`` works with police data alone.
    ``police_force_source`` says which rule placed it.
    """
    _write_rows(con, rows, _AREA_SCHEMA, path.with_suffix(".base.parquet"))
    base = path.with_suffix(".base.parquet").as_posix().replace("'", "''")
    # Read back from the snapshot's own Parquet (written just before): far faster than a second
    # scan of the database. No street crime yet: an empty table of the same shape.
    files = sorted(street.glob("*/*.parquet"))
    crimes = (
        "read_parquet(["
        + ", ".join("'" + f.as_posix().replace("'", "''") + "'" for f in files)
        + "])"
        if files
        else "(SELECT NULL::VARCHAR AS lsoa_code, NULL::VARCHAR AS falls_within WHERE false)"
    )
    query = f"""
        WITH base AS (SELECT * FROM read_parquet('{base}')),
        recorded AS (
            SELECT b.district_code, c.falls_within, count(DISTINCT c.lsoa_code) AS lsoas,
                   count(*) AS n
            FROM {crimes} c JOIN base b ON b.lsoa_code = c.lsoa_code
            WHERE b.district_code IS NOT NULL
            GROUP BY ALL
        ),
        district_size AS (
            SELECT district_code, count(*) AS lsoas FROM base GROUP BY district_code
        ),
        majority AS (
            -- A force's data covers a district when it recorded crime in at least half of the
            -- district's LSOAs: neighbouring forces' odd rows across the border do not count.
            SELECT r.district_code, arg_max(r.falls_within, (r.n, r.falls_within)) AS falls_within
            FROM recorded r JOIN district_size d USING (district_code)
            WHERE r.lsoas * 2 >= d.lsoas
            GROUP BY r.district_code
        )
        SELECT base.*,
               coalesce(base.force_name, majority.falls_within) AS police_force,
               CASE WHEN base.force_name IS NOT NULL THEN 'force lookup'
                    WHEN majority.falls_within IS NOT NULL THEN 'street crime majority'
               END AS police_force_source
        FROM base LEFT JOIN majority USING (district_code)
        ORDER BY lsoa_code
    """
    _copy(con, query, path)
    path.with_suffix(".base.parquet").unlink()


def _write_cube(con: duckdb.DuckDBPyConnection, work: Path, ym: str, files: list[Path]) -> str:
    """One month of street crime counted per LSOA x crime type: what counts, rates, harm,
    trends and hotspots read (far fewer rows than the crimes, so short commands stay short).
    Crimes without an LSOA are left out here; the quality figures count them. Returns the
    file's name in the snapshot (reused with its month)."""
    name = f"street_crime_cube/ym={ym}/data_0.parquet"
    listing = ", ".join("'" + f.as_posix().replace("'", "''") + "'" for f in files)
    _copy(
        con,
        "SELECT ym, lsoa_code, crime_type, count(*)::BIGINT AS n "
        f"FROM read_parquet([{listing}]) WHERE lsoa_code IS NOT NULL "
        "GROUP BY ALL ORDER BY lsoa_code, crime_type",
        work / name,
    )
    return name


def _street_quality(con: duckdb.DuckDBPyConnection, work: Path) -> dict[str, dict[str, int]]:
    """Per month: rows without an LSOA, with an LSOA the lookup lacks, without a harm weight.

    Counted once here so every analysis can report them without scanning the month files.
    """
    files = sorted((work / "street_crime").glob("*/*.parquet"))
    if not files:
        return {}
    listing = ", ".join("'" + f.as_posix().replace("'", "''") + "'" for f in files)
    areas = (work / "areas.parquet").as_posix().replace("'", "''")
    weights = (work / "harm_weights.parquet").as_posix().replace("'", "''")
    rows = con.execute(
        f"""
        SELECT c.ym, count(*) AS rows,
               count(*) FILTER (WHERE c.lsoa_code IS NULL) AS without_lsoa,
               count(*) FILTER (WHERE c.lsoa_code IS NOT NULL AND a.lsoa_code IS NULL)
                   AS lsoa_not_in_lookup,
               count(*) FILTER (WHERE w.crime_type IS NULL) AS without_harm_weight
        FROM read_parquet([{listing}]) c
        LEFT JOIN read_parquet('{areas}') a ON a.lsoa_code = c.lsoa_code
        LEFT JOIN read_parquet('{weights}') w ON w.crime_type = c.crime_type
        GROUP BY c.ym ORDER BY c.ym
        """
    ).fetchall()
    return {
        str(r[0]): {
            "rows": int(r[1]),
            "without_lsoa": int(r[2]),
            "lsoa_not_in_lookup": int(r[3]),
            "without_harm_weight": int(r[4]),
        }
        for r in rows
    }


def _fsync_tree(path: Path) -> None:
    """Flush every file and directory so the rename publishes data that is on disk."""
    for folder, _dirs, files in os.walk(path):
        for name in files:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _point_latest(root: Path, snapshot_id: str) -> None:
    temporary = root / f".{LATEST}.tmp"
    temporary.write_text(snapshot_id + "\n", encoding="utf-8")
    os.replace(temporary, root / LATEST)


@contextmanager
def _refresh_lock(root: Path) -> Iterator[None]:
    """One refresh at a time per data directory (a second waits for the first)."""
    import fcntl

    with (root / ".refresh.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_stale_temporaries(root: Path) -> None:
    """Leftovers of a refresh that crashed: never read, safe to delete."""
    for path in root.glob(".tmp-*"):
        shutil.rmtree(path, ignore_errors=True)
