"""A stand-in record type for retention tests: a small table created only in the test database,
with an eraser that blanks its personal fields (no production table is added for it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, select, update
from sqlalchemy.orm import Session

from beacon.retention.erasers import register_eraser, unregister_eraser
from beacon.runtime import Runtime

RECORD_TYPE = "test_note"
ERASED_FIELDS = ["subject_name", "narrative"]

_metadata = MetaData()
NOTES = Table(
    "retention_test_note",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("subject_name", String(200)),
    Column("narrative", Text, nullable=False),
    Column("theme", String(60)),
)


class NoteEraser:
    """Blanks a note's personal fields; remembers which record ids it was called for."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, session: Session, record_id: str) -> list[str]:
        self.calls.append(record_id)
        result = session.execute(
            update(NOTES)
            .where(NOTES.c.id == int(record_id))
            .values(subject_name=None, narrative="[erased at review]")
        )
        if result.rowcount != 1:
            raise LookupError(f"no test note {record_id}")
        return list(ERASED_FIELDS)


@pytest.fixture
def notes(runtime: Runtime) -> Runtime:
    _metadata.create_all(runtime.engine)
    return runtime


@pytest.fixture
def note_eraser(notes: Runtime) -> Iterator[NoteEraser]:
    eraser = NoteEraser()
    register_eraser(RECORD_TYPE, eraser)
    try:
        yield eraser
    finally:
        unregister_eraser(RECORD_TYPE)


def add_note(session: Session, subject_name: str, narrative: str, theme: str | None = None) -> int:
    return session.execute(
        NOTES.insert()
        .values(subject_name=subject_name, narrative=narrative, theme=theme)
        .returning(NOTES.c.id)
    ).scalar_one()


def read_note(session: Session, note_id: int) -> dict[str, object]:
    return dict(session.execute(select(NOTES).where(NOTES.c.id == note_id)).mappings().one())


@pytest.fixture(autouse=True)
def retention_commands() -> None:
    """Until beacon/cli.py registers ``retention`` itself, add it to the app for these tests."""
    from beacon.cli import app
    from beacon.retention.cli import register, retention_app

    if not any(group.typer_instance is retention_app for group in app.registered_groups):
        register(app)
