"""THE CANARY TEST: nothing about a resident's connection is written anywhere.

A real ``beacon serve`` (SQLite in WAL mode, its data directory and logs all under tmp_path)
receives reports, a photo, contact details and a keep-in-contact answer, each request carrying
unique canary values in X-Forwarded-For, X-Real-IP, Forwarded, User-Agent, Referer and Cookie,
from the client address 127.0.0.1 (the server listens on 127.0.0.2, so that address is the
client's alone). Every byte Beacon wrote is then searched: the database, its -wal and -shm
files (copied while the server still runs, before anything is checkpointed or closed), the
server's stdout/stderr and the stored photos. None of the canaries may be there; a control
written deliberately (in a report's text) must be, so the search is known to work.
"""

from __future__ import annotations

import re
import secrets
import shutil
from pathlib import Path

import httpx
import pytest
from sqlalchemy import DateTime, inspect, select

from beacon.access.policy import Principal
from beacon.audit.models import AuditEvent
from beacon.auth.models import User
from beacon.auth.service import user_actor
from beacon.config import Settings
from beacon.intake import service
from beacon.intake.models import IntelReport
from beacon.runtime import open_runtime

from .portal_support import (
    FORM,
    SUPERVISOR_EMAIL,
    beacon_server,
    codes_in,
    jpeg_with_metadata,
    prepare_database,
)

CLIENT_ADDRESS = "127.0.0.1"
SERVER_ADDRESS = "127.0.0.2"


def _octet() -> int:
    return secrets.randbelow(250) + 3


def make_canaries() -> dict[str, str]:
    token = secrets.token_hex(6)
    return {
        "xff_ip": f"198.51.100.{_octet()}",
        "xff_ip_2": f"203.0.113.{_octet()}",
        "real_ip": f"192.0.2.{_octet()}",
        "forwarded_ip": f"2001:db8::{secrets.token_hex(2)}",
        "forwarded_by": f"fwd-canary-{token}",
        "user_agent": f"ua-canary-{token}",
        "referer": f"ref-canary-{token}",
        "cookie": f"cookie-canary-{token}",
    }


def headers_for(canaries: dict[str, str]) -> dict[str, str]:
    return {
        "X-Forwarded-For": f"{canaries['xff_ip']}, {canaries['xff_ip_2']}",
        "X-Real-IP": canaries["real_ip"],
        "Forwarded": f'for="[{canaries["forwarded_ip"]}]";by={canaries["forwarded_by"]}',
        "User-Agent": f"Mozilla/5.0 (X11; Linux x86_64) {canaries['user_agent']}",
        "Referer": f"https://referrer.example/page?{canaries['referer']}",
        "Cookie": f"tracker={canaries['cookie']}",
    }


def every_file(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def where_found(files: list[Path], needle: str) -> list[str]:
    """The files containing ``needle`` (as UTF-8, or as UTF-16 in case anything wrote it so)."""
    forms = {needle.encode("utf-8"), needle.encode("utf-16-le")}
    return [str(path) for path in files if any(form in path.read_bytes() for form in forms)]


def test_the_search_finds_what_is_there(tmp_path: Path) -> None:
    """The control for the search function itself: each canary, deliberately written into
    files like Beacon's, is found."""
    canaries = make_canaries()
    for name, value in canaries.items():
        (tmp_path / f"{name}.bin").write_bytes(b"\x00header\x00" + value.encode() + b"\x00tail")
    files = every_file(tmp_path)
    for name, value in canaries.items():
        assert where_found(files, value) == [str(tmp_path / f"{name}.bin")], name
    assert where_found(files, CLIENT_ADDRESS) == []


@pytest.mark.slow
def test_no_canary_reaches_any_file_beacon_wrote(tmp_path: Path) -> None:
    data_dir = tmp_path / "beacon"  # everything Beacon writes lives under here
    logs = data_dir / "logs"
    logs.mkdir(parents=True)
    database_url = f"sqlite:///{data_dir / 'beacon.db'}"
    prepare_database(database_url, data_dir)

    canaries = make_canaries()
    control = f"control-canary-{secrets.token_hex(6)}"
    exif_marker = f"exif-canary-{secrets.token_hex(6)}"
    snapshot = tmp_path / "snapshot"

    with beacon_server(
        database_url=database_url, data_dir=data_dir, log_dir=logs, host=SERVER_ADDRESS
    ) as base:
        transport = httpx.HTTPTransport(local_address=CLIENT_ADDRESS)
        with httpx.Client(
            base_url=base, transport=transport, headers=headers_for(canaries), timeout=30
        ) as client:
            form_page = client.get("/report")
            assert form_page.status_code == 200
            assert "set-cookie" not in form_page.headers

            # Anonymous, with a photo carrying EXIF and GPS.
            anonymous = client.post(
                "/report",
                data={**FORM, "narrative": f"{FORM['narrative']} {control}"},
                files=[
                    (
                        "photo",
                        ("IMG_0001.jpg", jpeg_with_metadata(marker=exif_marker), "image/jpeg"),
                    )
                ],
            )
            assert anonymous.status_code == 200, anonymous.text[:500]
            code = codes_in(anonymous.text)[0]

            # With contact details, url-encoded.
            named = client.post(
                "/report",
                data={
                    **FORM,
                    "contact_choice": "yes",
                    "contact_email": "resident@example.org",
                    "hints": ["drug_dealing"],
                },
            )
            assert named.status_code == 200

            # A form with errors, a wrong code, and the map data: every portal path.
            assert client.post("/report", data={"narrative": "short"}).status_code == 422
            assert client.post("/report/contact", data={"code": "A" * 24}).status_code == 422
            assert client.get("/report/areas.geojson").status_code == 200
            assert client.get("/report/contact").status_code == 200

            # Keep in contact: the officer asks (through the service, as the staff page
            # will), the resident reads and answers.
            _ask_question(database_url, data_dir)
            messages = client.post("/report/contact", data={"code": code})
            assert "Is the car there every night?" in messages.text
            answered = client.post(
                "/report/contact/answer", data={"code": code, "answer": "Yes, from about 10pm."}
            )
            assert answered.status_code == 200
            for response in (anonymous, named, messages, answered):
                assert "set-cookie" not in response.headers

        # Copy every file while the server still holds the database open: the -wal and -shm
        # files exactly as they are, before a shutdown checkpoint could fold them away.
        shutil.copytree(data_dir, snapshot)

    wal_files = [p for p in every_file(snapshot) if p.name.endswith("-wal")]
    assert wal_files, "the snapshot should hold the WAL of a running server"
    files = every_file(snapshot) + every_file(data_dir)
    names = {p.name for p in files}
    assert {"server.stdout.log", "server.stderr.log", "beacon.db"} <= names
    photos = [p for p in every_file(data_dir / "uploads") if p.suffix in (".jpg", ".png")]
    assert len(photos) == 1

    # The control: the search sees the database, including what is only in the WAL so far.
    assert where_found(files, control), "the control canary should be found"
    assert any(path.endswith("-wal") for path in where_found(wal_files, control))
    assert where_found(files, "resident@example.org")  # contact details, as chosen

    # Nothing from the connection, anywhere.
    for name, value in canaries.items():
        assert where_found(files, value) == [], f"{name} canary {value!r} was written"
    # Nor the client's address, nor the photo's metadata.
    assert where_found(files, CLIENT_ADDRESS) == []
    assert where_found(photos, exif_marker) == []
    assert where_found(photos, "2026:03:27 21:14:05") == []
    assert all(b"Exif" not in photo.read_bytes() for photo in photos)

    # The access log was off: no request lines.
    log_text = "".join(p.read_text(errors="replace") for p in every_file(logs))
    assert not re.search(r'"(GET|POST) /', log_text), log_text
    assert "/report" not in log_text

    _assert_only_dates(database_url, data_dir)


def _ask_question(database_url: str, data_dir: Path) -> None:
    runtime = open_runtime(
        Settings(environment="test", database_url=database_url, data_dir=data_dir)
    )
    try:
        with runtime.sessions() as session:
            user = session.scalars(select(User).where(User.email == SUPERVISOR_EMAIL)).one()
            report = session.scalars(
                select(IntelReport).where(IntelReport.contact_locator.is_not(None))
            ).first()
            assert report is not None
            service.ask_reporter(
                session,
                report=report,
                principal=Principal.for_user(
                    user.id, user.organisation_id, ["intelligence_supervisor"]
                ),
                actor=user_actor(user),
                question="Is the car there every night?",
            )
            session.commit()
    finally:
        runtime.close()


def _assert_only_dates(database_url: str, data_dir: Path) -> None:
    """No precise time for anything a resident did: the portal's audit events are dated at
    midnight, and no intake table has a date-time value."""
    runtime = open_runtime(
        Settings(environment="test", database_url=database_url, data_dir=data_dir)
    )
    try:
        with runtime.sessions() as session:
            events = session.scalars(
                select(AuditEvent).where(AuditEvent.actor_label == "resident portal")
            ).all()
            assert {e.event for e in events} == {
                "intel.resident_report_received",
                "intel.reporter_answered",
            }
            assert len(events) == 3
            for event in events:
                assert event.occurred_at.date() == service.today()
                assert (event.occurred_at.hour, event.occurred_at.minute) == (0, 0)
                assert (event.occurred_at.second, event.occurred_at.microsecond) == (0, 0)
            inspector = inspect(runtime.engine)
            intake_tables = [t for t in inspector.get_table_names() if t.startswith("intel_")]
            assert {"intel_report", "intel_raw_submission", "intel_photo", "intel_message"} <= set(
                intake_tables
            )
            for table in intake_tables:
                for column in inspector.get_columns(table):
                    if isinstance(column["type"], DateTime):
                        name = column["name"]
                        query = f'SELECT COUNT(*) FROM "{table}" WHERE "{name}" IS NOT NULL'
                        filled = session.connection().exec_driver_sql(query).scalar()
                        assert filled == 0, (table, name)
    finally:
        runtime.close()
