"""Plumbing shared by the reference-data importers (``reference.py``, ``harm_weights.py``):
reading CSV files with title rows above the header, the refusal error, the import summary,
and the editions of each kind (which one the analyses use)."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from beacon.analytics.errors import AnalysisInputError
from beacon.analytics.models import ReferenceEdition
from beacon.geography._common import RowError

POPULATION = "population"
HARM_WEIGHTS = "harm-weights"
DATA_DIR = Path(__file__).parent / "data"
DEFAULT_HARM_EDITION = "ons-css-2016"
EDITION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
WHOLE_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")
NUMBER = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+")
HEADER_SEARCH_ROWS = 30


class ReferenceImportError(AnalysisInputError):
    """The file has rejected rows, so nothing of it was imported; ``errors`` lists them (the
    first 1,000) and ``rejected`` counts them all."""

    def __init__(self, file: str, errors: Sequence[RowError], rejected: int) -> None:
        first = errors[0]
        more = f" (and {rejected - 1:,} more rejected rows)" if rejected > 1 else ""
        super().__init__(f"{first.reason}{more}; nothing was imported", file=file, line=first.line)
        self.errors = tuple(errors)
        self.rejected = rejected

    def as_dict(self) -> dict[str, object]:
        return {
            **super().as_dict(),
            "rejected": self.rejected,
            "errors": [error.to_dict() for error in self.errors],
        }


@dataclass(frozen=True)
class ReferenceImportSummary:
    """What one import did. ``rows_read`` counts data rows; ``skipped`` rows that are not data
    (ONS aggregate rows for countries, regions, districts; rows without an offence code)."""

    kind: str
    file: str
    source_name: str
    edition: str
    layout: str
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    skipped: int
    active: bool
    import_run_id: int
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file": self.file,
            "source_name": self.source_name,
            "edition": self.edition,
            "layout": self.layout,
            "rows_read": self.rows_read,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "active": self.active,
            "import_run_id": self.import_run_id,
            "details": dict(self.details),
        }


# ---------------------------------------------------------------------------------------------
# Reading files


@dataclass
class Table:
    path: Path
    header: list[str]  # stripped, as spelt in the file
    header_line: int
    preamble: list[str]  # text of the rows above the header
    rows: list[tuple[int, list[str]]]

    def index(self, *names: str) -> int | None:
        lowered = [column.lower() for column in self.header]
        for name in names:
            if name in lowered:
                return lowered.index(name)
        return None


def read_table(path: Path, is_header: Any, expected: str) -> Table:
    """Read a CSV whose header row may sit below a few title rows (as in ONS workbooks saved
    as CSV): the header is the first of the top rows that ``is_header`` accepts."""
    if not path.is_file():
        raise AnalysisInputError(
            "no such file" if not path.exists() else "not a file", file=str(path)
        )
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            records = [(number, row) for number, row in _numbered(csv.reader(handle))]
    except UnicodeDecodeError as exc:
        raise AnalysisInputError(
            f"not UTF-8 text ({exc.reason}); save it from the spreadsheet as 'CSV UTF-8'",
            file=str(path),
        ) from exc
    except (OSError, csv.Error) as exc:
        raise AnalysisInputError(f"cannot read the file: {exc}", file=str(path)) from exc
    if not records:
        raise AnalysisInputError("the file is empty", file=str(path))
    for position, (line, row) in enumerate(records[:HEADER_SEARCH_ROWS]):
        header = [cell.strip() for cell in row]
        if is_header([cell.lower() for cell in header]):
            preamble = [" ".join(cell for cell in r if cell) for _, r in records[:position]]
            return Table(path, header, line, preamble, records[position + 1 :])
    shown = ", ".join(cell.strip() for cell in records[0][1][:12] if cell.strip())
    raise AnalysisInputError(
        f"no header row found in the first {HEADER_SEARCH_ROWS} rows; expected {expected} "
        f"(first row: {shown or 'empty'})",
        file=str(path),
    )


def _numbered(reader: Any) -> Iterator[tuple[int, list[str]]]:
    for row in reader:
        yield reader.line_num, row


def blank(row: Sequence[str]) -> bool:
    return not any(cell.strip() for cell in row)


def cell(row: Sequence[str], index: int) -> str:
    return row[index].strip() if index < len(row) else ""


def check_edition(edition: str) -> str:
    if not EDITION.fullmatch(edition):
        raise AnalysisInputError(
            f"edition {edition!r} must be 1-40 letters, digits, '.', '_' or '-' "
            "(e.g. census2011, mye2020, ons-css-2016)",
            option="--edition",
        )
    return edition


# ---------------------------------------------------------------------------------------------
# Editions


def active_edition(session: Session, kind: str) -> str | None:
    """The edition of ``kind`` the analyses use (None when none is imported)."""
    return session.scalar(
        select(ReferenceEdition.edition).where(
            ReferenceEdition.kind == kind, ReferenceEdition.active.is_(True)
        )
    )


def list_editions(session: Session, kind: str | None = None) -> list[dict[str, Any]]:
    """Every imported edition (of ``kind``), with its source, layout, rows and active flag."""
    query = select(ReferenceEdition).order_by(ReferenceEdition.kind, ReferenceEdition.edition)
    if kind is not None:
        query = query.where(ReferenceEdition.kind == kind)
    return [
        {
            "kind": e.kind,
            "edition": e.edition,
            "source": e.source_name,
            "layout": e.layout,
            "rows": e.rows,
            "active": e.active,
            "import_run_id": e.import_run_id,
            "updated_at": e.updated_at.isoformat(),
        }
        for e in session.scalars(query)
    ]


def activate_edition(session: Session, kind: str, edition: str) -> None:
    """Make ``edition`` the one of ``kind`` the analyses use (it must have been imported)."""
    if not edition_exists(session, kind, edition):
        raise unknown_edition(session, kind, edition)
    session.execute(
        update(ReferenceEdition)
        .where(ReferenceEdition.kind == kind)
        .values(active=ReferenceEdition.edition == edition)
    )
    session.flush()


def edition_exists(session: Session, kind: str, edition: str) -> bool:
    found = session.scalar(
        select(ReferenceEdition.id).where(
            ReferenceEdition.kind == kind, ReferenceEdition.edition == edition
        )
    )
    return found is not None


def unknown_edition(session: Session, kind: str, edition: str) -> AnalysisInputError:
    known = [e["edition"] for e in list_editions(session, kind)]
    if kind == HARM_WEIGHTS:
        known.append(f"{DEFAULT_HARM_EDITION} (shipped)")
    return AnalysisInputError(
        f"no {kind} edition {edition!r} (known: {', '.join(known) or 'none'})", option="--edition"
    )


def record_edition(
    session: Session,
    kind: str,
    edition: str,
    source: str,
    layout: str,
    run_id: int,
    rows: int,
    activate: bool,
) -> bool:
    """Create or update the edition's row; activate it when asked or when none is active.
    Returns whether it is active."""
    row = session.scalar(
        select(ReferenceEdition).where(
            ReferenceEdition.kind == kind, ReferenceEdition.edition == edition
        )
    )
    if row is None:
        row = ReferenceEdition(kind=kind, edition=edition, active=False)
        session.add(row)
    row.source_name = source
    row.layout = layout
    row.import_run_id = run_id
    row.rows = rows
    row.updated_at = dt.datetime.now(dt.UTC)
    session.flush()
    if activate or active_edition(session, kind) is None:
        activate_edition(session, kind, edition)
        return True
    return bool(row.active)
