"""Helpers of the partner feed tests: headers, a CSV writer and an import runner."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import func, select

from beacon.audit.service import AuditActor
from beacon.auth.models import Organisation
from beacon.ingest.partner_import import DEFAULT_BATCH_ROWS, FeedReport, import_partner_files
from beacon.runtime import Runtime

TODAY = dt.date(2026, 11, 24)
ACTOR = AuditActor.system("cli:tester")

ASB_HEADER = [
    "incident_reference",
    "date",
    "time",
    "category",
    "sub_type",
    "latitude",
    "longitude",
    "postcode",
    "lsoa_code",
]
FIRE_HEADER = [
    "incident_reference",
    "date",
    "time",
    "category",
    "property_type",
    "latitude",
    "longitude",
    "postcode",
]
ADMISSIONS_HEADER = [
    "month",
    "period_start",
    "period_end",
    "outward_postcode",
    "age_band",
    "sex",
    "count",
]


def write_feed(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    bom: bool = False,
    newline: str = "\n",
) -> Path:
    """A CSV file; values are quoted only when they contain a comma, quote or line break."""

    def cell(value: str) -> str:
        if any(c in value for c in ',"\r\n'):
            return '"' + value.replace('"', '""') + '"'
        return value

    text = newline.join(",".join(cell(v) for v in row) for row in [header, *rows]) + newline
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def make_organisation(runtime: Runtime, name: str, org_type: str = "police_force") -> int:
    with runtime.sessions() as session:
        organisation = Organisation(name=name, org_type=org_type)
        session.add(organisation)
        session.commit()
        return organisation.id


def run_import(
    runtime: Runtime,
    paths: Sequence[Path],
    kind: str,
    source_id: int,
    *,
    today: dt.date = TODAY,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> FeedReport:
    with runtime.sessions() as session:
        organisation = session.get(Organisation, source_id)
        assert organisation is not None
        return import_partner_files(
            session,
            list(paths),
            kind=kind,
            source=organisation,
            actor=ACTOR,
            today=today,
            batch_rows=batch_rows,
        )


def count_rows(runtime: Runtime, model: type, *where: object) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0
