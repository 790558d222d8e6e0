"""The group-commit writer: batches, per-unit failure, answers only after commit."""

from __future__ import annotations

import threading
from concurrent.futures import Future

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from beacon.intake.writer import SubmissionWriter, WriterStopped
from beacon.runtime import Runtime


@pytest.fixture
def scratch(runtime: Runtime) -> Runtime:
    with runtime.engine.begin() as connection:
        connection.execute(text("CREATE TABLE scratch (n INTEGER PRIMARY KEY)"))
    return runtime


def _insert(n: int):  # type: ignore[no-untyped-def]
    def work(session: Session) -> int:
        session.execute(text("INSERT INTO scratch (n) VALUES (:n)"), {"n": n})
        return n

    return work


def _count(runtime: Runtime) -> int:
    with runtime.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM scratch")).scalar_one())


def test_units_are_batched_and_answered_after_commit(scratch: Runtime) -> None:
    writer = SubmissionWriter(scratch.sessions, max_batch=50)
    gate = threading.Event()

    def blocker(session: Session) -> None:
        gate.wait(5)

    writer.start()
    try:
        first = writer.submit(blocker)
        futures = [writer.submit(_insert(n)) for n in range(40)]
        assert not any(f.done() for f in futures)
        gate.set()
        assert [f.result(10) for f in futures] == list(range(40))
        first.result(10)
    finally:
        writer.stop()
    assert _count(scratch) == 40
    # 41 units in far fewer transactions than units.
    assert writer.units == 41 and writer.batches <= 3


def test_one_failing_unit_does_not_sink_the_batch(scratch: Runtime) -> None:
    writer = SubmissionWriter(scratch.sessions)
    gate = threading.Event()
    writer.start()
    try:
        writer.submit(lambda session: gate.wait(5))
        good = writer.submit(_insert(1))
        bad = writer.submit(_insert(1))  # duplicate primary key
        also_good = writer.submit(_insert(2))
        gate.set()
        assert good.result(10) == 1 and also_good.result(10) == 2
        with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
            bad.result(10)
    finally:
        writer.stop()
    assert _count(scratch) == 2


def test_a_stopped_writer_refuses_work(scratch: Runtime) -> None:
    writer = SubmissionWriter(scratch.sessions)
    with pytest.raises(WriterStopped):
        writer.submit(_insert(1))
    writer.start()
    pending: Future[int] = writer.submit(_insert(7))
    writer.stop()
    assert pending.result(10) == 7  # queued work is finished before the thread ends
    assert _count(scratch) == 1


def test_sqlite_checkpoints_happen_outside_the_writer(scratch: Runtime) -> None:
    if scratch.engine.dialect.name != "sqlite":
        pytest.skip("WAL checkpoints are SQLite's")
    import time

    writer = SubmissionWriter(scratch.sessions)
    writer.start()
    try:
        for n in range(20):
            writer.submit(_insert(n)).result(10)
        deadline = time.monotonic() + 5
        while writer.checkpoints == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        writer.stop()
    assert writer.checkpoints >= 1
    assert _count(scratch) == 20
