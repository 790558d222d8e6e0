"""Searching and exporting the audit log, and ``beacon audit verify | search | export``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select, text

from beacon.audit.models import AuditAction, AuditEvent
from beacon.audit.query import EXPORT_COLUMNS, export_events, read_export, search_events
from beacon.audit.service import AuditActor, record_event
from beacon.audit.verify import ChainChecker
from beacon.runtime import Runtime

from .tamper import lift_append_only

ALICE = AuditActor(kind="user", id=11, label="Alice@Example.org", organisation_id=1)
BOB = AuditActor(kind="user", id=12, label="bob@example.org", organisation_id=2)


@pytest.fixture(autouse=True)
def audit_commands() -> None:
    """Until beacon/cli.py registers ``audit`` itself, add it to the app for these tests."""
    from beacon.audit.cli import audit_app, register
    from beacon.cli import app

    if not any(group.typer_instance is audit_app for group in app.registered_groups):
        register(app)


def _seed(runtime: Runtime) -> None:
    with runtime.sessions() as session, session.begin():
        record_event(session, action=AuditAction.SECURITY, event="login.succeeded", actor=ALICE)
        record_event(
            session,
            action=AuditAction.CONSULTATION,
            event="intel.viewed",
            actor=ALICE,
            record_type="intel",
            record_id=42,
            details={"fields": ["narrative"], "note": 'café, "quoted"\nnew line'},
        )
        record_event(
            session,
            action=AuditAction.CONSULTATION,
            event="intel.original_viewed",
            actor=BOB,
            record_type="intel",
            record_id=42,
            justification="safeguarding referral, case 7",
        )
        record_event(
            session,
            action=AuditAction.DISCLOSURE,
            event="intel.disseminated",
            actor=BOB,
            record_type="intel",
            record_id=43,
        )


def _backdate(runtime: Runtime) -> None:
    """Times are part of the hash, so tests that move them only run search, never verify."""
    with runtime.engine.begin() as connection:
        lift_append_only(connection)
        connection.execute(
            text("UPDATE audit_event SET occurred_at = :t WHERE seq <= 2"),
            {"t": dt.datetime(2024, 1, 10, 12, tzinfo=dt.UTC)},
        )


def test_search_filters(runtime: Runtime) -> None:
    _seed(runtime)
    with runtime.sessions() as session:

        def seqs(**filters: object) -> list[int]:
            return [e.seq for e in search_events(session, **filters)]

        assert seqs() == [4, 3, 2, 1]
        assert seqs(actor_id=11) == [2, 1]
        assert seqs(actor_label="alice@example.org") == [2, 1]
        assert seqs(record_type="intel", record_id=42) == [3, 2]
        assert seqs(record_type="intel", record_id="43") == [4]
        assert seqs(action=AuditAction.CONSULTATION) == [3, 2]
        assert seqs(action="disclosure") == [4]
        assert seqs(event="intel.original_viewed") == [3]
        assert seqs(limit=2) == [4, 3]
        assert seqs(limit=2, offset=2) == [2, 1]
        assert seqs(actor_id=12, action="consultation", record_id=42) == [3]
        assert seqs(actor_id=99) == []
        assert [e.seq for e in search_events(session, newest_first=False, limit=2)] == [1, 2]


def test_search_by_time(runtime: Runtime) -> None:
    _seed(runtime)
    _backdate(runtime)
    with runtime.sessions() as session:
        jan = dict(since=dt.datetime(2024, 1, 1, tzinfo=dt.UTC), until=dt.datetime(2024, 2, 1))
        assert [e.seq for e in search_events(session, **jan)] == [2, 1]
        later = search_events(session, since=dt.datetime(2024, 1, 11, tzinfo=dt.UTC))
        assert [e.seq for e in later] == [4, 3]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_carries_hashes_and_verifies_offline(runtime: Runtime, fmt: str) -> None:
    _seed(runtime)
    buffer = io.StringIO()
    with runtime.sessions() as session:
        count = export_events(session, format=fmt, out=buffer)
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert count == 4
    buffer.seek(0)
    rows = list(read_export(buffer, fmt))
    assert [r["seq"] for r in rows] == [1, 2, 3, 4]
    assert [r["hash"] for r in rows] == [e.hash for e in events]
    assert rows[1]["details_json"] == events[1].details_json
    assert rows[2]["justification"] == "safeguarding referral, case 7"
    assert rows[0]["record_type"] is None and rows[0]["justification"] is None
    checker = ChainChecker()
    assert checker.feed_all(rows), checker.broken
    # An edited line in the export is caught offline too.
    rows[2]["justification"] = "something else"
    checker = ChainChecker()
    assert not checker.feed_all(rows)
    assert checker.broken is not None and checker.broken.seq == 3


def test_export_formats_on_the_wire(runtime: Runtime) -> None:
    _seed(runtime)
    with runtime.sessions() as session:
        csv_out, jsonl_out = io.StringIO(), io.StringIO()
        export_events(session, format="csv", out=csv_out, record_type="intel", record_id=42)
        export_events(session, format="jsonl", out=jsonl_out, actor_id=12)
    parsed = list(csv.DictReader(io.StringIO(csv_out.getvalue())))
    assert tuple(parsed[0].keys()) == EXPORT_COLUMNS
    assert [r["seq"] for r in parsed] == ["2", "3"]
    assert parsed[0]["occurred_at"].endswith("Z") and len(parsed[0]["hash"]) == 64
    lines = [json.loads(line) for line in jsonl_out.getvalue().splitlines()]
    assert [line["seq"] for line in lines] == [3, 4]
    assert lines[0]["actor_label"] == "bob@example.org" and lines[0]["organisation_id"] == 2
    with pytest.raises(ValueError, match="format"):
        export_events(session, format="xml", out=io.StringIO())


def test_cli_verify(cli, runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    _seed(runtime)
    result = cli("audit", "verify")
    assert "intact: 4 events" in result.stdout
    payload = json.loads(cli("audit", "verify", "--json").stdout)
    assert payload["ok"] is True and payload["events_checked"] == 4
    with runtime.engine.begin() as connection:
        lift_append_only(connection)
        connection.execute(text("UPDATE audit_event SET actor_label = 'x' WHERE seq = 3"))
    result = cli("audit", "verify", expect_exit=1)
    assert "BROKEN at seq 3" in result.stdout and "hash mismatch: content changed" in result.stdout
    payload = json.loads(cli("audit", "verify", "--json", expect_exit=1).stdout)
    assert payload["ok"] is False and payload["broken"]["seq"] == 3


def test_cli_search(cli, runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    _seed(runtime)
    _backdate(runtime)
    rows = json.loads(cli("audit", "search", "--user", "12", "--json").stdout)
    assert [r["seq"] for r in rows] == [4, 3]
    rows = json.loads(cli("audit", "search", "--user", "alice@example.org", "--json").stdout)
    assert [r["seq"] for r in rows] == [2, 1]
    rows = json.loads(cli("audit", "search", "--record", "intel:42", "--json").stdout)
    assert [r["seq"] for r in rows] == [3, 2]
    rows = json.loads(cli("audit", "search", "--action", "DISCLOSURE", "--json").stdout)
    assert [r["seq"] for r in rows] == [4]
    since = ("--since", "2024-01-10", "--until", "2024-01-10", "--json")
    rows = json.loads(cli("audit", "search", *since).stdout)
    assert [r["seq"] for r in rows] == [2, 1]
    text_out = cli("audit", "search", "--record", "intel:42").stdout
    assert "intel.original_viewed intel:42" in text_out and "safeguarding" in text_out
    cli("audit", "search", "--since", "10/01/2024", expect_exit=2)
    cli("audit", "search", "--action", "peeked", expect_exit=2)


def test_cli_export_is_recorded_as_a_disclosure(  # type: ignore[no-untyped-def]
    cli, runtime: Runtime, tmp_path: Path
) -> None:
    _seed(runtime)
    out = tmp_path / "audit.jsonl"
    cli("audit", "export", "--format", "jsonl", "--out", str(out), "--record", "intel:42")
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["seq"] for line in lines] == [2, 3]
    with runtime.sessions() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert last is not None and last.seq == 5
    assert last.action == "disclosure" and last.event == "audit.exported"
    assert last.actor_kind == "system" and last.actor_label.startswith("cli:")
    details = json.loads(last.details_json)
    assert details["filters"] == {"record_type": "intel", "record_id": "42"}
    assert details["format"] == "jsonl" and details["events"] == 2

    result = cli("audit", "export", "--format", "csv")  # to stdout, unfiltered
    parsed = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["seq"] for r in parsed] == ["1", "2", "3", "4", "5"]
    checker = ChainChecker()
    assert checker.feed_all(read_export(io.StringIO(result.stdout), "csv")), checker.broken
    assert "intact: 6 events" in cli("audit", "verify").stdout
    cli("audit", "export", "--format", "xml", expect_exit=2)
