"""Import partner data feeds shared under SI 2007/1831 (``beacon import partner-feed``).

Three CSV feeds (``partner_formats``): anti-social behaviour incidents and deliberate fires
(one row per incident, keyed by the partner's own incident reference) and hospital admissions
for assault (aggregated by period and outward postcode). Each file is imported in one
transaction: its rows, its ``import_run`` record and its "collection" audit event commit
together, and a file that cannot be read leaves nothing behind.

Idempotency follows the police importer's content-digest keying: every record has a key (the
source organisation and incident reference, or the source and the admission row's period,
outward postcode, age band and sex) and a digest of its content. A key not stored yet is
inserted; a stored key with the same digest is a duplicate (nothing changes but the row's
provenance); a stored key with a different digest is updated in place. Within one file, a key
repeated with the same content is a duplicate and with different content is rejected.

Geography is computed once, when a record is inserted or updated, and stored as plain codes:
coordinates are placed in an LSOA by the loaded boundaries (``locate_many``), else the postcode
by the loaded postcode directory, else the LSOA code the partner gave; ward, district and force
come from the LSOA's parents (``lsoa_hierarchy``). Assault admissions get the district that
holds most of their outward code's live postcodes in the directory, and its force.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Table,
    Time,
    any_,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from beacon.audit.models import AuditAction
from beacon.audit.service import AuditActor, record_event
from beacon.auth.models import Organisation
from beacon.geography.models import Area, AreaBoundary, AreaLevel, Postcode
from beacon.geography.service import LsoaPlace, locate_many, lsoa_hierarchy
from beacon.ingest.models import ImportRun
from beacon.ingest.partner_formats import (
    ASSAULT_ADMISSIONS,
    FEED_KINDS,
    FORMATS,
    INCIDENT_FEED_KIND,
    AdmissionParser,
    AdmissionRecord,
    FeedHeaderError,
    FeedRowError,
    IncidentParser,
    IncidentRecord,
    header_index,
    uk_today,
)
from beacon.ingest.partner_models import AssaultAdmission, PartnerIncident
from beacon.ingest.runs import record_import_run
from beacon.progress import open_text_with_progress

# At most this many rejected rows are listed per file (``rejected`` is always exact).
MAX_REPORTED_ERRORS = 1000
DEFAULT_BATCH_ROWS = 5000
_IN_CHUNK = 1000  # values per IN (...) list
# Keys per look-up of stored records: one query per batch (SQLite allows 32,766 variables).
_KEY_CHUNK = 5000

_INCIDENTS: Table = PartnerIncident.__table__  # type: ignore[assignment]
_ADMISSIONS: Table = AssaultAdmission.__table__  # type: ignore[assignment]

Record = TypeVar("Record", IncidentRecord, AdmissionRecord)


class FeedFileError(Exception):
    """A file that cannot be imported at all; ``line`` is where, when known."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


class UnknownSourceError(ValueError):
    """``--source`` names no organisation."""


# --- summaries -------------------------------------------------------------------------------


@dataclass
class FeedFileSummary:
    """What happened to one file. ``rows_read = imported + updated + duplicates + rejected``."""

    file: str
    kind: str
    source_organisation_id: int | None = None
    source_organisation: str | None = None
    sha256: str | None = None
    import_run_id: int | None = None
    rows_read: int = 0
    imported: int = 0
    updated: int = 0
    duplicates: int = 0
    rejected: int = 0
    # Accepted records stored without an LSOA (incidents) or a district (admissions).
    unlocated: int = 0
    # Records already stored without geography that this import could place.
    relocated: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    readable: bool = True
    seconds: float = 0.0

    def reject(self, line: int | None, field_name: str | None, reason: str) -> None:
        self.rejected += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(
                {"file": self.file, "line": line, "field": field_name, "reason": reason}
            )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["errors_truncated"] = self.rejected > len(self.errors)
        return data


@dataclass
class FeedReport:
    """The summary printed by ``beacon import partner-feed --json``."""

    kind: str
    files: list[FeedFileSummary]

    @property
    def ok(self) -> bool:
        return all(f.readable for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        def total(name: str) -> int:
            return sum(getattr(f, name) for f in self.files)

        return {
            "kind": self.kind,
            "files": [f.to_dict() for f in self.files],
            **{
                name: total(name)
                for name in (
                    "rows_read",
                    "imported",
                    "updated",
                    "duplicates",
                    "rejected",
                    "unlocated",
                    "relocated",
                )
            },
            "errors": [e for f in self.files for e in f.errors],
        }


# --- entry points ----------------------------------------------------------------------------


def resolve_source(session: Session, text: str) -> Organisation:
    """The organisation named (case-insensitively) or numbered by ``text``."""
    wanted = text.strip()
    found: Organisation | None = None
    if wanted.isdigit():
        found = session.get(Organisation, int(wanted))
    if found is None and wanted:
        found = session.scalars(
            select(Organisation).where(func.lower(Organisation.name) == wanted.lower())
        ).first()
    if found is None:
        names = list(session.scalars(select(Organisation.name).order_by(Organisation.name)))
        known = ", ".join(repr(n) for n in names[:20]) or "none yet: see `beacon orgs create`"
        raise UnknownSourceError(
            f"no organisation {text!r} (give an organisation's name or id; known: {known})"
        )
    return found


def import_partner_files(
    session: Session,
    paths: Sequence[Path],
    *,
    kind: str,
    source: Organisation,
    actor: AuditActor,
    today: dt.date | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> FeedReport:
    """Import each file in its own transaction (committed here) and report on each.

    ``today`` is the last date accepted (default: today in the UK).
    """
    if kind not in FEED_KINDS:
        raise ValueError(f"unknown partner feed kind {kind!r} (expected {', '.join(FEED_KINDS)})")
    source_id, source_name = source.id, source.name
    day = today or uk_today()
    report = FeedReport(kind=kind, files=[])
    for path in paths:
        summary = FeedFileSummary(
            file=str(path),
            kind=kind,
            source_organisation_id=source_id,
            source_organisation=source_name,
        )
        started = time.perf_counter()
        try:
            _import_file(session, Path(path), summary, today=day, actor=actor, batch=batch_rows)
            session.commit()
        except FeedFileError as exc:
            session.rollback()
            summary = FeedFileSummary(
                file=str(path),
                kind=kind,
                source_organisation_id=source_id,
                source_organisation=source_name,
                readable=False,
            )
            summary.errors.append(
                {"file": str(path), "line": exc.line, "field": None, "reason": exc.reason}
            )
        except BaseException:
            session.rollback()
            raise
        summary.seconds = round(time.perf_counter() - started, 3)
        report.files.append(summary)
    return report


# --- one file --------------------------------------------------------------------------------


def _import_file(
    session: Session,
    path: Path,
    summary: FeedFileSummary,
    *,
    today: dt.date,
    actor: AuditActor,
    batch: int,
) -> None:
    if not path.exists():
        raise FeedFileError("no such file")
    if not path.is_file():
        raise FeedFileError("not a regular file")
    kind = summary.kind
    fmt = FORMATS[kind]
    try:
        with open_text_with_progress(path, f"{kind} {path.name}") as handle:
            reader = csv.reader(handle)
            header = _header(reader, fmt.needs)
            try:
                index = header_index(fmt, header)
            except FeedHeaderError as exc:
                raise FeedFileError(str(exc), line=1) from None
            run = record_import_run(
                session,
                kind=f"partner-{kind}",
                path=path,
                source_name=path.name,
                rows_read=0,
                imported=0,
                updated=0,
                duplicates=0,
                rejected=0,
            )
            session.flush()
            summary.import_run_id = run.id
            summary.sha256 = run.sha256
            geography = _Geography(session)
            now = dt.datetime.now(dt.UTC)
            assert summary.source_organisation_id is not None
            if kind == ASSAULT_ADMISSIONS:
                admissions = _AdmissionWriter(
                    session, summary.source_organisation_id, run.id, now, geography, summary
                )
                _read_rows(
                    reader,
                    len(header),
                    AdmissionParser(index, today),
                    lambda r: r.key,
                    _describe_admission_conflict,
                    admissions.write,
                    summary,
                    batch,
                )
            else:
                parser = IncidentParser(fmt, index, today)
                incidents = _IncidentWriter(
                    session,
                    summary.source_organisation_id,
                    run.id,
                    now,
                    geography,
                    summary,
                    feed_kind=INCIDENT_FEED_KIND[kind],
                )
                _read_rows(
                    reader,
                    len(header),
                    parser,
                    lambda r: r.reference,
                    _incident_conflict(parser.sub_type_column),
                    incidents.write,
                    summary,
                    batch,
                )
    except UnicodeDecodeError:
        line, reason = _locate_bad_text(path)
        raise FeedFileError(reason, line=line) from None
    except OSError as exc:
        raise FeedFileError(f"cannot read the file: {exc.strerror or exc}") from None
    _finish(session, run, summary, actor)


def _header(reader: Any, needs: str) -> list[str]:
    try:
        header: list[str] = next(reader)
    except StopIteration:
        raise FeedFileError(
            f"the file is empty: expected a header row with {needs}", line=None
        ) from None
    except csv.Error as exc:
        raise FeedFileError(f"cannot parse the header row: {exc}", line=1) from None
    if not any(cell.strip() for cell in header):
        raise FeedFileError(f"the first line is empty: expected a header row with {needs}", 1)
    return header


def _read_rows(
    reader: Any,
    width: int,
    parse: Callable[[list[str]], Record],
    key_of: Callable[[Record], Any],
    conflict: Callable[[Record, Record, int], tuple[str, str]],
    write: Callable[[list[tuple[int, Record]]], None],
    summary: FeedFileSummary,
    batch_rows: int,
) -> None:
    """Validate every row, drop repeats within the file, and hand batches to ``write``."""
    seen: dict[Any, tuple[int, Record]] = {}
    batch: list[tuple[int, Record]] = []
    last_line = reader.line_num
    rows = iter(reader)
    while True:
        line = last_line + 1  # where the record starts (a quoted field may span lines)
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            last_line = reader.line_num
            summary.rows_read += 1
            summary.reject(line, None, f"cannot parse the row: {exc}")
            continue
        last_line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue  # blank line, or a row of empty cells (spreadsheet artefact)
        summary.rows_read += 1
        if len(row) != width and not (
            len(row) > width and not any(cell.strip() for cell in row[width:])
        ):
            summary.reject(line, None, f"expected {width} fields, found {len(row)}")
            continue
        try:
            record = parse(row)
        except FeedRowError as exc:
            summary.reject(line, exc.field, exc.reason)
            continue
        key = key_of(record)
        first = seen.get(key)
        if first is not None:
            first_line, first_record = first
            if first_record.digest == record.digest:
                summary.duplicates += 1
            else:
                field_name, reason = conflict(record, first_record, first_line)
                summary.reject(line, field_name, reason)
            continue
        seen[key] = (line, record)
        batch.append((line, record))
        if len(batch) >= batch_rows:
            write(batch)
            batch = []
    if batch:
        write(batch)


def _incident_conflict(
    sub_type_column: str,
) -> Callable[[IncidentRecord, IncidentRecord, int], tuple[str, str]]:
    def describe(record: IncidentRecord, first: IncidentRecord, first_line: int) -> tuple[str, str]:
        now, before = record.content(sub_type_column), first.content(sub_type_column)
        differs = [name for name in now if now[name] != before[name]]
        return "incident_reference", (
            f"incident_reference {record.reference!r} is already on line {first_line} with "
            f"different content (differs in {', '.join(differs)})"
        )

    return describe


def _describe_admission_conflict(
    record: AdmissionRecord, first: AdmissionRecord, first_line: int
) -> tuple[str, str]:
    return "count", (
        f"{record.describe_key()} is already on line {first_line} with count "
        f"{first.count_text()} (this row: {record.count_text()})"
    )


def _locate_bad_text(path: Path) -> tuple[int | None, str]:
    """The line and byte of the first text that is not UTF-8, for the error message."""
    try:
        with open(path, "rb") as handle:
            start = handle.read(2)
            if start in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
                return 1, (
                    "the file is UTF-16 text, not UTF-8: save it as CSV UTF-8 (comma delimited)"
                )
            handle.seek(0)
            for number, raw in enumerate(handle, start=1):
                if number == 1 and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[len(codecs.BOM_UTF8) :]
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    return number, (
                        f"not UTF-8 text: line {number}, byte {exc.start + 1} "
                        f"(0x{raw[exc.start]:02X}) cannot be decoded; save the file as "
                        "CSV UTF-8"
                    )
    except OSError as exc:
        return None, f"cannot read the file: {exc.strerror or exc}"
    return None, "not UTF-8 text; save the file as CSV UTF-8"


def _finish(session: Session, run: ImportRun, summary: FeedFileSummary, actor: AuditActor) -> None:
    """Complete the import run's record and audit the collection, in the file's transaction."""
    counts = {
        "rows_read": summary.rows_read,
        "imported": summary.imported,
        "updated": summary.updated,
        "duplicates": summary.duplicates,
        "rejected": summary.rejected,
        "unlocated": summary.unlocated,
        "relocated": summary.relocated,
    }
    run.rows_read = summary.rows_read
    run.imported = summary.imported
    run.updated = summary.updated
    run.duplicates = summary.duplicates
    run.rejected = summary.rejected
    run.finished_at = dt.datetime.now(dt.UTC)
    run.summary_json = json.dumps(
        {
            "source_organisation_id": summary.source_organisation_id,
            "source_organisation": summary.source_organisation,
            "unlocated": summary.unlocated,
            "relocated": summary.relocated,
            "errors": summary.errors[:100],
        },
        default=str,
    )
    session.flush()
    record_event(
        session,
        action=AuditAction.COLLECTION,
        event="partner_feed.imported",
        actor=actor,
        record_type="import_run",
        record_id=run.id,
        details={
            "kind": summary.kind,
            "file": Path(summary.file).name,
            "sha256": summary.sha256,
            "source_organisation_id": summary.source_organisation_id,
            "source_organisation": summary.source_organisation,
            **counts,
        },
    )


# --- geography -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Place:
    """Codes stored on a record; all None when nothing could place it."""

    lsoa_code: str | None = None
    ward_code: str | None = None
    district_code: str | None = None
    force_code: str | None = None
    located_by: str | None = None


UNLOCATED = Place()


class _Geography:
    """Places records with whatever geography is loaded (read once per file, lazily)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._boundaries: bool | None = None
        self._postcodes: bool | None = None
        self._hierarchy: dict[str, LsoaPlace] | None = None
        self._district_forces: dict[str, str] | None = None
        self._outward: dict[str, tuple[str | None, str | None]] = {}
        self._places: dict[tuple[str | None, ...], Place] = {}

    def boundaries_loaded(self) -> bool:
        if self._boundaries is None:
            found = self.session.execute(
                select(AreaBoundary.area_id)
                .join(Area, Area.id == AreaBoundary.area_id)
                .where(Area.level == AreaLevel.LSOA.value)
                .limit(1)
            ).first()
            self._boundaries = found is not None
        return self._boundaries

    def postcodes_loaded(self) -> bool:
        if self._postcodes is None:
            found = self.session.execute(select(Postcode.postcode).limit(1)).first()
            self._postcodes = found is not None
        return self._postcodes

    def hierarchy(self) -> dict[str, LsoaPlace]:
        if self._hierarchy is None:
            self._hierarchy = lsoa_hierarchy(self.session)
        return self._hierarchy

    def district_forces(self) -> dict[str, str]:
        """District code -> its parent force area's code, from the stored areas."""
        if self._district_forces is None:
            area = Area.__table__
            district, force = area.alias("district"), area.alias("force")
            rows = self.session.execute(
                select(district.c.code, force.c.code)
                .join(force, force.c.id == district.c.parent_id)
                .where(
                    district.c.level == AreaLevel.DISTRICT.value,
                    force.c.level == AreaLevel.FORCE.value,
                )
            )
            self._district_forces = {d: f for d, f in rows}
        return self._district_forces

    def _from_lsoa(
        self,
        code: str,
        located_by: str,
        ward: str | None = None,
        district: str | None = None,
        force: str | None = None,
    ) -> Place:
        """The LSOA with its parents from the lookup; the given codes fill what it lacks."""
        key = (code, located_by, ward, district, force)
        known = self._places.get(key)
        if known is not None:
            return known
        place = self.hierarchy().get(code)
        if place is not None:
            ward = place.ward_code or ward
            district = place.district_code or district
            force = place.force_code or force
        if force is None and district is not None:
            force = self.district_forces().get(district)
        result = self._places[key] = Place(code, ward, district, force, located_by)
        return result

    def place_incidents(self, records: Sequence[IncidentRecord]) -> list[Place]:
        places: list[Place | None] = [None] * len(records)
        if self.boundaries_loaded():
            positions = [i for i, r in enumerate(records) if r.latitude is not None]
            points = [(records[i].latitude, records[i].longitude) for i in positions]
            codes = locate_many(self.session, points)  # type: ignore[arg-type]
            for i, code in zip(positions, codes, strict=True):
                if code is not None:
                    places[i] = self._from_lsoa(code, "coordinates")
        wanted = {r.postcode for i, r in enumerate(records) if places[i] is None and r.postcode}
        if wanted and self.postcodes_loaded():
            directory = self._postcode_rows(wanted)
            for i, record in enumerate(records):
                if places[i] is not None or record.postcode is None:
                    continue
                row = directory.get(record.postcode)
                if row is None:
                    continue
                lsoa, ward, district, force = row
                if lsoa is not None:
                    places[i] = self._from_lsoa(lsoa, "postcode", ward, district, force)
                elif district is not None:
                    force = force or self.district_forces().get(district)
                    places[i] = Place(None, ward, district, force, "postcode")
        for i, record in enumerate(records):
            if places[i] is None and record.given_lsoa_code is not None:
                places[i] = self._from_lsoa(record.given_lsoa_code, "lsoa_code")
        return [place or UNLOCATED for place in places]

    def _postcode_rows(
        self, postcodes: set[str]
    ) -> dict[str, tuple[str | None, str | None, str | None, str | None]]:
        found: dict[str, tuple[str | None, str | None, str | None, str | None]] = {}
        ordered = sorted(postcodes)
        for part in _chunks(ordered):
            for postcode, lsoa, ward, district, force in self.session.execute(
                select(
                    Postcode.postcode,
                    Postcode.lsoa_code,
                    Postcode.ward_code,
                    Postcode.district_code,
                    Postcode.force_code,
                ).where(Postcode.postcode.in_(part))
            ):
                found[postcode] = (lsoa, ward, district, force)
        return found

    def place_outward(self, codes: set[str]) -> dict[str, Place]:
        """The district holding most live directory postcodes of each outward code."""
        new = sorted(code for code in codes if code not in self._outward)
        if new:
            for code in new:
                self._outward[code] = (None, None)
            if self.postcodes_loaded():
                self._outward.update(self._predominant_districts(new))
        result: dict[str, Place] = {}
        for code in codes:
            district, force = self._outward[code]
            if district is not None and force is None:
                force = self.district_forces().get(district)
            result[code] = Place(None, None, district, force, None) if district else UNLOCATED
        return result

    def _predominant_districts(self, codes: list[str]) -> dict[str, tuple[str | None, str | None]]:
        # Normalised postcodes are "<outward> <inward>" with a 3-character inward part.
        outward = func.substr(Postcode.postcode, 1, func.length(Postcode.postcode) - 4)
        tallies: dict[str, dict[str, int]] = {}
        forces: dict[tuple[str, str], dict[str, int]] = {}
        for part in _chunks(codes):
            rows = self.session.execute(
                select(outward, Postcode.district_code, Postcode.force_code, func.count())
                .where(
                    outward.in_(part),
                    Postcode.terminated.is_(None),
                    Postcode.district_code.is_not(None),
                )
                .group_by(outward, Postcode.district_code, Postcode.force_code)
            )
            for code, district, force, count in rows:
                by_district = tallies.setdefault(code, {})
                by_district[district] = by_district.get(district, 0) + count
                if force is not None:
                    by_force = forces.setdefault((code, district), {})
                    by_force[force] = by_force.get(force, 0) + count
        result: dict[str, tuple[str | None, str | None]] = {}
        for code, by_district in tallies.items():
            district = min(by_district, key=lambda d: (-by_district[d], d))
            by_force = forces.get((code, district), {})
            force = min(by_force, key=lambda f: (-by_force[f], f)) if by_force else None
            result[code] = (district, self.district_forces().get(district) or force)
        return result


def _key_in(column: Any, keys: list[Any], session: Session) -> Any:
    """``column IN (keys)``; on PostgreSQL ``column = ANY(array)``, one parameter instead of
    thousands (psycopg parses a query with thousands of placeholders on every call)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("keys", keys, type_=postgresql.ARRAY(column.type)))
    return column.in_(keys)


def _chunks(values: Sequence[Any], size: int = _IN_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --- writers ---------------------------------------------------------------------------------


class _Writer(ABC, Generic[Record]):
    """Inserts, updates or matches batches of validated records of one source.

    Subclasses say which table, which columns hold content and geography, how records are
    keyed and placed. ``write`` classifies each record against the stored one with its key:
    none (insert), another digest (update content and geography in place), the same digest
    (a duplicate: only provenance changes, and geography is filled in when the stored row had
    none and this import can place it).
    """

    table: Table
    content_columns: tuple[str, ...]
    place_columns: tuple[str, ...]
    located_column: str  # the geography column that says whether a record is located

    def __init__(
        self,
        session: Session,
        source_id: int,
        run_id: int,
        now: dt.datetime,
        geography: _Geography,
        summary: FeedFileSummary,
    ) -> None:
        self.session = session
        self.source_id = source_id
        self.run_id = run_id
        self.now = now
        self.geography = geography
        self.summary = summary
        table, by_id = self.table, self.table.c.id == bindparam("b_id")
        provenance: dict[str, Any] = {
            "last_import_id": bindparam("b_run"),
            "source_line": bindparam("b_line"),
        }

        def setting(columns: Sequence[str]) -> dict[str, Any]:
            values: dict[str, Any] = {name: bindparam(f"b_{name}") for name in columns}
            return {**values, "updated_at": bindparam("b_now"), **provenance}

        self.update_sql = (
            update(table).where(by_id).values(setting((*self.content_columns, *self.place_columns)))
        )
        self.relocate_sql = update(table).where(by_id).values(setting(self.place_columns))
        self.touch_sql = update(table).where(by_id).values(provenance)

    # What subclasses provide.

    @abstractmethod
    def key(self, record: Record) -> Any: ...

    @abstractmethod
    def places(self, records: Sequence[Record]) -> list[Place]: ...

    @abstractmethod
    def stored_rows(self, keys: list[Any]) -> Iterator[tuple[Any, int, bytes, Any]]:
        """(key, id, content digest, located column) of this source's stored rows with these
        keys. The query filters on the key alone (the leading column of the unique index), so
        PostgreSQL searches the index, or at worst scans once with a hashed IN list, even when
        its statistics are stale (during a table's first import); the other parts of the key
        are checked here."""
        ...

    @abstractmethod
    def identity(self, record: Record) -> dict[str, Any]:
        """The columns set only when the record is inserted (its key)."""
        ...

    @abstractmethod
    def content(self, record: Record) -> dict[str, Any]: ...

    # The shared part.

    def _stored(self, keys: list[Any]) -> dict[Any, tuple[int, bytes, bool]]:
        found: dict[Any, tuple[int, bytes, bool]] = {}
        for part in _chunks(keys, _KEY_CHUNK):
            for key, id_, digest, located in self.stored_rows(list(part)):
                found[bytes(key) if isinstance(key, memoryview) else key] = (
                    id_,
                    bytes(digest),
                    located is not None,
                )
        return found

    def write(self, batch: list[tuple[int, Record]]) -> None:
        records = [record for _, record in batch]
        places = self.places(records)
        stored = self._stored([self.key(r) for r in records])
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        relocations: list[dict[str, Any]] = []
        touches: list[dict[str, Any]] = []
        summary = self.summary
        for (line, record), place in zip(batch, places, strict=True):
            geography = {name: getattr(place, name) for name in self.place_columns}
            located = geography[self.located_column] is not None
            provenance: dict[str, Any] = {"b_id": None, "b_run": self.run_id, "b_line": line}
            found = stored.get(self.key(record))
            if found is None:
                inserts.append(
                    {
                        "source_organisation_id": self.source_id,
                        **self.identity(record),
                        **self.content(record),
                        **geography,
                        "first_import_id": self.run_id,
                        "last_import_id": self.run_id,
                        "source_line": line,
                        "created_at": self.now,
                        "updated_at": self.now,
                    }
                )
                summary.imported += 1
                summary.unlocated += not located
                continue
            stored_id, stored_digest, stored_located = found
            provenance["b_id"] = stored_id
            if stored_digest != record.digest:
                changes = {**self.content(record), **geography}
                updates.append(
                    {"b_now": self.now, **provenance, **{f"b_{k}": v for k, v in changes.items()}}
                )
                summary.updated += 1
                summary.unlocated += not located
                continue
            summary.duplicates += 1
            if not stored_located and located:
                relocations.append(
                    {"b_now": self.now, **provenance, **{f"b_{k}": v for k, v in geography.items()}}
                )
                summary.relocated += 1
            else:
                touches.append(provenance)
                summary.unlocated += not stored_located
        connection = self.session.connection()
        if inserts:
            self._insert(connection, inserts)
        if updates:
            connection.execute(self.update_sql, updates)
        if relocations:
            connection.execute(self.relocate_sql, relocations)
        if touches:
            self._touch(connection, touches)

    def _touch(self, connection: Connection, rows: list[dict[str, Any]]) -> None:
        """Stamp duplicates with this import: one UPDATE per batch on PostgreSQL (an
        executemany there costs a round trip per row), an executemany on SQLite."""
        if connection.dialect.name != "postgresql":
            connection.execute(self.touch_sql, rows)
            return
        connection.exec_driver_sql(
            f"UPDATE {self.table.name} AS t SET last_import_id = %(run)s, "
            "source_line = d.line FROM unnest(%(ids)s::integer[], %(lines)s::integer[]) "
            "AS d(id, line) WHERE t.id = d.id",
            {
                "run": self.run_id,
                "ids": [row["b_id"] for row in rows],
                "lines": [row["b_line"] for row in rows],
            },
        )

    def _insert(self, connection: Connection, rows: list[dict[str, Any]]) -> None:
        """Insert new rows straight through the driver: SQLAlchemy's per-row parameter
        processing cost more than SQLite's insert itself (as in the police import)."""
        columns = list(rows[0])
        names = ", ".join(columns)
        dialect = connection.dialect.name
        if dialect == "postgresql":
            driver: Any = connection.connection.driver_connection
            statement = f"COPY {self.table.name} ({names}) FROM STDIN"
            with driver.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row([row[c] for c in columns])
            return
        if dialect != "sqlite":
            connection.execute(insert(self.table), rows)
            return
        # SQLite keeps dates and times as text, in the formats SQLAlchemy reads back.
        texts = [_SQLITE_TEXT.get(type(self.table.c[name].type)) for name in columns]
        pairs = list(zip(columns, texts, strict=True))
        converted = [
            tuple(
                row[name] if text is None or row[name] is None else text(row[name])
                for name, text in pairs
            )
            for row in rows
        ]
        placeholders = ", ".join("?" for _ in columns)
        connection.exec_driver_sql(
            f"INSERT INTO {self.table.name} ({names}) VALUES ({placeholders})", converted
        )


def _sqlite_datetime(moment: dt.datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.isoformat(" ", "microseconds")


_SQLITE_TEXT: dict[type[Any], Callable[[Any], str]] = {
    Date: dt.date.isoformat,
    Time: lambda moment: moment.isoformat("microseconds"),
    DateTime: _sqlite_datetime,
}


class _IncidentWriter(_Writer[IncidentRecord]):
    table = _INCIDENTS
    content_columns = (
        "occurred_on",
        "occurred_time",
        "category",
        "sub_type",
        "latitude",
        "longitude",
        "postcode",
        "given_lsoa_code",
        "content_digest",
    )
    place_columns = ("lsoa_code", "ward_code", "district_code", "force_code", "located_by")
    located_column = "lsoa_code"

    def __init__(
        self,
        session: Session,
        source_id: int,
        run_id: int,
        now: dt.datetime,
        geography: _Geography,
        summary: FeedFileSummary,
        *,
        feed_kind: str,
    ) -> None:
        self.feed_kind = feed_kind
        super().__init__(session, source_id, run_id, now, geography, summary)

    def key(self, record: IncidentRecord) -> str:
        return record.reference

    def places(self, records: Sequence[IncidentRecord]) -> list[Place]:
        return self.geography.place_incidents(records)

    def stored_rows(self, keys: list[Any]) -> Iterator[tuple[Any, int, bytes, Any]]:
        t = self.table.c
        rows = self.session.execute(
            select(
                t.partner_reference,
                t.id,
                t.content_digest,
                t.lsoa_code,
                t.feed_kind,
                t.source_organisation_id,
            ).where(_key_in(t.partner_reference, keys, self.session))
        )
        for reference, id_, digest, lsoa, feed_kind, source_id in rows:
            if feed_kind == self.feed_kind and source_id == self.source_id:
                yield reference, id_, digest, lsoa

    def identity(self, record: IncidentRecord) -> dict[str, Any]:
        return {"feed_kind": self.feed_kind, "partner_reference": record.reference}

    def content(self, record: IncidentRecord) -> dict[str, Any]:
        return {
            "occurred_on": record.occurred_on,
            "occurred_time": record.occurred_time,
            "category": record.category,
            "sub_type": record.sub_type,
            "latitude": record.latitude,
            "longitude": record.longitude,
            "postcode": record.postcode,
            "given_lsoa_code": record.given_lsoa_code,
            "content_digest": record.digest,
        }


class _AdmissionWriter(_Writer[AdmissionRecord]):
    table = _ADMISSIONS
    content_columns = ("admissions", "suppressed", "suppression_marker", "content_digest")
    place_columns = ("district_code", "force_code")
    located_column = "district_code"

    def key(self, record: AdmissionRecord) -> bytes:
        return record.key

    def places(self, records: Sequence[AdmissionRecord]) -> list[Place]:
        by_code = self.geography.place_outward({r.outward_postcode for r in records})
        return [by_code[r.outward_postcode] for r in records]

    def stored_rows(self, keys: list[Any]) -> Iterator[tuple[Any, int, bytes, Any]]:
        t = self.table.c
        rows = self.session.execute(
            select(
                t.record_key, t.id, t.content_digest, t.district_code, t.source_organisation_id
            ).where(_key_in(t.record_key, keys, self.session))
        )
        for key, id_, digest, district, source_id in rows:
            if source_id == self.source_id:
                yield key, id_, digest, district

    def identity(self, record: AdmissionRecord) -> dict[str, Any]:
        return {
            "record_key": record.key,
            "period_start": record.period_start,
            "period_end": record.period_end,
            "outward_postcode": record.outward_postcode,
            "age_band": record.age_band,
            "sex": record.sex,
        }

    def content(self, record: AdmissionRecord) -> dict[str, Any]:
        return {
            "admissions": record.count,
            "suppressed": record.suppressed,
            "suppression_marker": record.suppression_marker,
            "content_digest": record.digest,
        }
