"""The data.police.uk upload page (/imports/police) and its import jobs, driven as a browser
would, on both backends: several files per upload, the CLI's figures on the report page and in
its JSON, and every kind of bad input (wrong header, a file imported before, too large,
interrupted, nothing chosen, not CSV, a file failing part-way) named with its reason, with
nothing half-imported and nothing left on disk. Deny side: anonymous, no ``data.import``, and
another user's job."""

from __future__ import annotations

import asyncio
import html
import io
import json
import re
import stat
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from beacon.app import create_app
from beacon.audit.models import AuditEvent
from beacon.audit.service import AuditActor
from beacon.auth.service import create_organisation, create_user
from beacon.config import Settings
from beacon.ingest.models import ImportRun, StopSearch, StreetCrime
from beacon.runtime import Runtime, open_runtime

from .partner_files import count_rows
from .police_files import STOP_SEARCH_HEADER, read_street, write_csv

BASE = "https://testserver"
PAGE = "/imports/police"
PASSWORD = "amber-kestrel-harbour-93"
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
_JOB = re.compile(r"^/imports/police/jobs/([A-Za-z0-9_-]{20,})$")
SYSTEM = AuditActor.system("test")
USERS = {
    "analyst": ("analyst",),
    "other_analyst": ("analyst",),
    "admin_analyst": ("analyst", "admin"),
    "partner": ("partner_contributor",),
}


@dataclass
class World:
    app: FastAPI
    runtime: Runtime
    emails: dict[str, str]
    clients: list[TestClient] = field(default_factory=list)

    @property
    def uploads(self) -> Path:
        return self.runtime.settings.data_dir / "uploads" / "police"

    def client(self, who: str | None, app: FastAPI | None = None) -> TestClient:
        client = TestClient(app or self.app, base_url=BASE)
        client.__enter__()
        self.clients.append(client)
        if who is None:
            return client
        token = _CSRF.search(client.get("/login").text)
        assert token
        response = client.post(
            "/login",
            data={"email": self.emails[who], "password": PASSWORD, "csrf_token": token[1]},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        return client

    def leftovers(self) -> list[Path]:
        """Anything left in the upload area (nothing, once every upload is over)."""
        return sorted(self.uploads.rglob("*")) if self.uploads.exists() else []


def _setup(runtime: Runtime) -> dict[str, str]:
    emails = {}
    with runtime.sessions() as session:
        home = create_organisation(
            session, name="Home Council", org_type="unitary_council", actor=SYSTEM
        )
        for name, roles in USERS.items():
            user = create_user(
                session,
                organisation_id=home.id,
                email=f"{name.replace('_', '-')}@home.example",
                display_name=name,
                password=PASSWORD,
                roles=roles,
                actor=SYSTEM,
            )
            emails[name] = user.email
        session.commit()
    return emails


@pytest.fixture
def make_world(settings: Settings) -> Iterator[Callable[..., World]]:
    worlds: list[World] = []

    def make(**overrides: Any) -> World:
        runtime = open_runtime(settings.model_copy(update=overrides))
        world = World(create_app(runtime=runtime), runtime, _setup(runtime))
        worlds.append(world)
        return world

    yield make
    for world in worlds:
        for client in world.clients:
            # Let running imports end before the database goes away.
            registry = getattr(client.app.state, "police_jobs", None)  # type: ignore[attr-defined]
            for job in list(getattr(registry, "_jobs", {}).values()):
                job.wait(120)
            client.__exit__(None, None, None)
        world.runtime.close()


@pytest.fixture
def world(make_world: Callable[..., World]) -> World:
    return make_world()


def token(client: TestClient) -> str:
    match = _CSRF.search(client.get(PAGE).text)
    assert match
    return match[1]


def upload(
    client: TestClient,
    files: list[tuple[str, bytes]],
    *,
    force: str = "",
    reimport: bool = False,
    csrf: str | None = None,
) -> httpx.Response:
    data = {"csrf_token": token(client) if csrf is None else csrf, "force": force}
    if reimport:
        data["reimport"] = "yes"
    parts = [("files", (name, content, "text/csv")) for name, content in files]
    if not parts:  # what a browser sends when no file is chosen
        parts = [("files", ("", b"", "application/octet-stream"))]
    return client.post(PAGE, data=data, files=parts, follow_redirects=False)


def finished(client: TestClient, response: httpx.Response) -> tuple[str, str]:
    """Follow the upload's redirect, wait (polling as htmx does) until the job is done, and
    return its id and report page."""
    assert response.status_code == 303, response.text
    match = _JOB.match(response.headers["location"])
    assert match, response.headers["location"]
    job_id = match[1]
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    deadline = time.monotonic() + 120
    while True:
        progress = client.get(f"{PAGE}/jobs/{job_id}/progress")
        assert progress.status_code == 200
        if progress.headers.get("hx-refresh") == "true":
            break
        assert 'hx-trigger="every 1s"' in progress.text
        assert time.monotonic() < deadline, "the import did not finish"
        time.sleep(0.05)
    report = client.get(f"{PAGE}/jobs/{job_id}")
    assert report.status_code == 200
    return job_id, html.unescape(report.text)


def figures(page: str, index: int) -> dict[str, int]:
    row = page.split(f'id="file-{index}"', 1)[1].split("</tr>", 1)[0]
    return {
        name: int(value.replace(",", ""))
        for name, value in re.findall(r'data-count="(\w+)">([\d,]+)<', row)
    }


def file_row(page: str, index: int) -> str:
    return page.split(f'id="file-{index}"', 1)[1].split("</tr>", 1)[0]


def head(path: Path, lines: int) -> bytes:
    with open(path, "rb") as handle:
        return b"".join(handle.readline() for _ in range(lines))


@pytest.fixture
def street_files(shared_data: Path) -> dict[str, bytes]:
    police = shared_data / "police"
    return {
        "2018-10-sussex-street.csv": head(police / "2018-10-sussex-street.csv", 1500),
        "2018-10-derbyshire-street.csv": head(police / "2018-10-derbyshire-street.csv", 1500),
    }


def _search_rows() -> list[list[str]]:
    row = [
        "Person search",
        "2018-10-01T00:10:00+00:00",
        "False",
        "",
        "50.82",
        "-0.14",
        "Male",
        "18-24",
        "White - English/Welsh/Scottish/Northern Irish/British",
        "White",
        "Misuse of Drugs Act 1971 (section 23)",
        "Controlled drugs",
        "A no further action disposal",
        "False",
        "False",
    ]
    return [row, [*row[:1], "2018-10-02T09:00:00+00:00", *row[2:]]]


def search_bytes(tmp_path: Path) -> bytes:
    return write_csv(tmp_path / "s.csv", STOP_SEARCH_HEADER, _search_rows()).read_bytes()


# --- the form -----------------------------------------------------------------------------------


def test_form_explains_the_formats(world: World) -> None:
    client = world.client("analyst")
    page = client.get(PAGE)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    text = html.unescape(page.text)
    assert 'enctype="multipart/form-data"' in text
    assert 'type="file" multiple accept=".csv,text/csv"' in text
    assert 'href="/imports/police" aria-current="page">Imports<' in text
    assert 'aria-current="page">data.police.uk files<' in text
    assert 'href="/imports/partner-feeds"' in text
    assert "/static/police-upload.js" in text
    assert 'id="reimport" name="reimport" type="checkbox" value="yes"' in text
    assert "at most 200 MB (the limit is per file)" in text
    assert 'data-max-file-bytes="209715200"' in text
    for block in ("format-street", "format-outcomes", "format-stop-and-search", "format-checks"):
        assert f'<details class="govuk-details" id="{block}">' in text
    for words in (
        "Custom download",
        "from its first line",
        "Outcome type",
        "Removal of more than just outer clothing",
        "Violence and sexual offences",
        "is skipped",
        "duplicates",
        "conflicts",
    ):
        assert words in text, words
    assert "docs/DATA.md" not in text
    assert "No data.police.uk files have been imported yet." in text
    assert "<script>" not in text and "style=" not in text

    partner = html.unescape(client.get("/imports/partner-feeds").text)
    assert "docs/DATA.md" not in partner
    for block in ("format-asb", "format-deliberate-fires", "format-assault-admissions"):
        assert f'<details class="govuk-details" id="{block}">' in partner
    assert "outward_postcode" in partner and "property_type" in partner


# --- a good upload ------------------------------------------------------------------------------


def test_two_files_import_with_the_clis_figures(
    world: World, street_files: dict[str, bytes], tmp_path: Path, cli: Any
) -> None:
    client = world.client("analyst")
    job_id, page = finished(client, upload(client, list(street_files.items())))
    assert "Import finished" in page
    assert "govuk-error-summary" not in page
    for index, (name, content) in enumerate(street_files.items(), start=1):
        path = tmp_path / name
        path.write_bytes(content)
        facts = read_street(path)
        got = figures(page, index)
        assert name in file_row(page, index)
        assert got["rows_read"] == got["imported"] == facts.rows == 1499
        assert (got["updated"], got["duplicates"], got["rejected"]) == (0, 0, 0)
        assert got["no_location"] == facts.no_location
        assert got["no_lsoa"] == facts.no_lsoa
        assert got["conflicts"] == len(facts.conflict_lines)
        assert "Street-level crime" in file_row(page, index)
    assert figures(page, 2)["conflicts"] == 3  # Derbyshire repeats Crime IDs (lines 215, ...)
    conflicts = page.split('id="conflicts-table"', 1)[1]
    assert "2018-10-derbyshire-street.csv" in conflicts and ">215<" in conflicts
    assert "Crime ID already on line" in conflicts
    assert count_rows(world.runtime, StreetCrime) == 2 * 1499

    # The JSON is the CLI's (files named by their own name, not the server's folder).
    report = client.get(f"{PAGE}/jobs/{job_id}/report.json")
    assert report.status_code == 200
    assert "attachment" in report.headers["content-disposition"]
    web = report.json()
    assert [f["file"] for f in web["files"]] == list(street_files)
    assert web["imported"] == 2 * 1499 and web["rejected"] == 0
    assert len(web["conflicts"]) == 3
    assert {c["file"] for c in web["conflicts"]} == {"2018-10-derbyshire-street.csv"}
    assert str(world.uploads) not in json.dumps(web)
    again = json.loads(cli("import", "police", str(tmp_path / name), "--json").stdout)
    assert set(web) == set(again)
    assert set(web["files"][0]) == set(again["files"][0])
    assert again["duplicates"] == 1499  # the CLI agrees the rows were stored

    with world.runtime.sessions() as session:
        runs = session.scalars(select(ImportRun).order_by(ImportRun.id)).all()
        assert [(r.kind, r.source_name) for r in runs[:2]] == [
            ("police-street", name) for name in street_files
        ]
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.record_type == "police_upload")
        ).all()
        assert [e.event for e in events] == ["police_upload.received", "police_upload.finished"]
        assert {e.actor_label for e in events} == {world.emails["analyst"]}
        assert all(e.record_id == job_id and e.action == "collection" for e in events)
        received = json.loads(events[0].details_json)
        assert [f["file"] for f in received["files"]] == list(street_files)
        outcome = json.loads(events[1].details_json)
        assert [f["import_run_id"] for f in outcome["files"]] == [runs[0].id, runs[1].id]
    assert world.leftovers() == []  # the uploaded copies are gone

    listed = client.get(PAGE).text
    assert f"#{runs[0].id}" in listed and "2018-10-sussex-street.csv" in listed


def test_report_survives_in_the_import_records(
    world: World, street_files: dict[str, bytes]
) -> None:
    client = world.client("analyst")
    name, content = next(iter(street_files.items()))
    bad = content + b"not,a,row\n"
    job_id, live = finished(client, upload(client, [(name, bad)]))
    # Another app on the same database (another worker, or after a restart) has no job in
    # memory: it rebuilds the report from the audit event and the import run.
    other = world.client("analyst", create_app(runtime=world.runtime))
    stored = other.get(f"{PAGE}/jobs/{job_id}")
    assert stored.status_code == 200
    text = html.unescape(stored.text)
    assert "rebuilt from Beacon" in text
    assert figures(text, 1) == figures(live, 1)
    assert figures(text, 1)["rejected"] == 1
    assert "expected 12 fields, found 3" in text.split('id="rejected-table"', 1)[1]
    data = other.get(f"{PAGE}/jobs/{job_id}/report.json").json()
    assert data["from_import_records"] is True
    assert data["files"][0]["errors"] == 1 and data["files"][0]["file"] == name
    progress = other.get(f"{PAGE}/jobs/{job_id}/progress")
    assert progress.headers.get("hx-refresh") == "true"
    # Someone else still gets nothing.
    stranger = world.client("other_analyst", other.app)  # type: ignore[arg-type]
    assert stranger.get(f"{PAGE}/jobs/{job_id}").status_code == 404


# --- bad input ----------------------------------------------------------------------------------


def test_file_imported_before_is_skipped_unless_asked(
    world: World, street_files: dict[str, bytes]
) -> None:
    client = world.client("analyst")
    name, content = next(iter(street_files.items()))
    finished(client, upload(client, [(name, content)]))
    with world.runtime.sessions() as session:
        run = session.scalars(select(ImportRun)).one()
        assert run.finished_at is not None
        day = f"{run.finished_at.day} {run.finished_at:%B %Y}"

    _, page = finished(client, upload(client, [(name, content)]))
    assert "Already imported" in page
    assert f"{name}</a>: already imported on {day} as import run #{run.id}; skipped" in page
    assert "Skipped" in file_row(page, 1)
    assert count_rows(world.runtime, ImportRun) == 1

    job_id, page = finished(client, upload(client, [(name, content)], reimport=True))
    got = figures(page, 1)
    assert (got["imported"], got["duplicates"]) == (0, 1499)
    assert count_rows(world.runtime, ImportRun) == 2
    assert count_rows(world.runtime, StreetCrime) == 1499
    assert "skipped" not in client.get(f"{PAGE}/jobs/{job_id}/report.json").json()
    assert world.leftovers() == []


def test_wrong_header_names_the_file_and_the_layout(
    world: World, street_files: dict[str, bytes]
) -> None:
    client = world.client("analyst")
    good_name, good = next(iter(street_files.items()))
    wrong = b"Crime ID,Month,Reported by,Falls within,Crime type\nx,2018-10,a,b,Burglary\n"
    job_id, page = finished(client, upload(client, [("notes.csv", wrong), (good_name, good)]))
    summary = page.split('class="govuk-error-summary"', 1)[1].split("</div>", 1)[0]
    assert "1 file was not imported" in summary
    assert 'href="#file-1"' in summary
    assert (
        "notes.csv: header is not a data.police.uk street, outcomes or stop-and-search layout "
        "(closest is the data.police.uk street layout; missing column(s): 'Longitude', "
        "'Latitude', 'Location', 'LSOA code', 'LSOA name', 'Last outcome category', 'Context')"
    ) in summary
    assert "Not imported" in file_row(page, 1)
    assert "Imported" in file_row(page, 2) and figures(page, 2)["imported"] == 1499
    assert "the other files were imported" in page
    data = client.get(f"{PAGE}/jobs/{job_id}/report.json").json()
    assert data["files"][0]["readable"] is False
    assert data["errors"][0]["file"] == "notes.csv" and data["errors"][0]["line"] is None
    assert count_rows(world.runtime, ImportRun) == 1
    assert world.leftovers() == []


def test_zip_and_binary_files_are_named_with_the_reason(world: World, tmp_path: Path) -> None:
    client = world.client("analyst")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("2018-10/2018-10-sussex-street.csv", "Crime ID,Month\n")
    files = [
        ("2018-10.zip", archive.getvalue()),
        ("picture.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))),
        ("crimes.xlsx", archive.getvalue()),
    ]
    _, page = finished(client, upload(client, files))
    assert "3 files were not imported" in page
    assert "2018-10.zip: this is a ZIP archive, not a CSV file" in page
    assert "unzip it and upload the CSV files" in page
    assert "picture.csv: this is a binary file, not CSV text" in page
    assert "crimes.xlsx: this is a spreadsheet workbook, not a CSV file" in page
    assert count_rows(world.runtime, ImportRun) == 0
    assert world.leftovers() == []


def test_file_over_the_limit_is_413_and_nothing_is_imported(
    make_world: Callable[..., World], street_files: dict[str, bytes]
) -> None:
    world = make_world(police_upload_max_mb=1)
    client = world.client("analyst")
    small_name, small = next(iter(street_files.items()))
    big = small + small[small.index(b"\n") + 1 :] * 4  # about 1.3 MB
    assert len(big) > 1024 * 1024
    response = upload(client, [(small_name, small), ("2018-11-sussex-street.csv", big)])
    assert response.status_code == 413
    text = html.unescape(response.text)
    assert "govuk-error-summary" in text and 'href="#files"' in text
    assert "Each file can be at most 1 MB; 2018-11-sussex-street.csv is larger." in text
    assert "Nothing from this upload was imported." in text
    assert "at most 1 MB (the limit is per file)" in text
    assert count_rows(world.runtime, ImportRun) == 0
    assert world.leftovers() == []
    # A request whose declared length is over what any upload may hold: refused unread.
    refused = client.post(
        PAGE,
        content=b"x",
        headers={
            "content-type": "multipart/form-data; boundary=b",
            "content-length": str(61 * 1024 * 1024 * 2),
        },
    )
    assert refused.status_code == 413
    assert "Upload the files in smaller groups" in html.unescape(refused.text)
    # The form works again: the small file alone.
    _, page = finished(client, upload(client, [(small_name, small)]))
    assert figures(page, 1)["imported"] == 1499


def test_truncated_upload_is_400_and_leaves_nothing(
    world: World, street_files: dict[str, bytes]
) -> None:
    client = world.client("analyst")
    name, content = next(iter(street_files.items()))
    csrf = token(client)
    body = (
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="csrf_token"\r\n\r\n'
        + csrf.encode()
        + b"\r\n--XyZ\r\n"
        + f'Content-Disposition: form-data; name="files"; filename="{name}"\r\n'.encode()
        + b"Content-Type: text/csv\r\n\r\n"
        + content[:50_000]  # the body stops here: no closing boundary
    )
    response = client.post(
        PAGE,
        content=body,
        headers={"content-type": "multipart/form-data; boundary=XyZ"},
        follow_redirects=False,
    )
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert "The upload was cut short before every file had arrived" in text
    assert "Nothing from it was imported or kept" in text
    assert 'id="police-upload-form"' in text  # the form, ready to send again
    assert count_rows(world.runtime, ImportRun) == 0
    assert world.leftovers() == []
    damaged = client.post(
        PAGE,
        content=b"this is not what a browser sends",
        headers={"content-type": "multipart/form-data; boundary=XyZ"},
    )
    assert damaged.status_code == 400
    assert "The upload arrived damaged" in html.unescape(damaged.text)
    assert world.leftovers() == []
    _, page = finished(client, upload(client, [(name, content)]))
    assert figures(page, 1)["imported"] == 1499


def test_browser_going_away_mid_upload_leaves_nothing(
    world: World, street_files: dict[str, bytes]
) -> None:
    client = world.client("analyst")
    csrf = token(client)
    name, content = next(iter(street_files.items()))
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    first = (
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="csrf_token"\r\n\r\n'
        + csrf.encode()
        + b"\r\n--XyZ\r\n"
        + f'Content-Disposition: form-data; name="files"; filename="{name}"\r\n\r\n'.encode()
        + (content * 4)[:1_200_000]  # over 1 MB: written to disk before the next read
    )
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": first, "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, Any]] = []
    written: list[dict[Path, int]] = []

    async def receive() -> dict[str, Any]:
        if len(messages) == 1:  # the first part has been read: it is on disk by now
            written.append({p: p.stat().st_mode for p in world.leftovers()})
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "https",
        "path": PAGE,
        "raw_path": PAGE.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"multipart/form-data; boundary=XyZ"),
            (b"cookie", cookie.encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 443),
        "state": {},
    }
    asyncio.run(world.app(scope, receive, send))  # type: ignore[arg-type]
    assert any(path.name == name for path in written[0])  # it was being written...
    folders = {path: mode for path, mode in written[0].items() if stat.S_ISDIR(mode)}
    assert len(folders) == 2  # the upload's own folder, and one per file in it
    assert {stat.S_IMODE(mode) for mode in folders.values()} == {0o700}
    assert stat.S_IMODE(world.uploads.stat().st_mode) == 0o700
    assert world.leftovers() == []  # ...and is gone
    assert sent[0]["status"] == 400
    assert count_rows(world.runtime, ImportRun) == 0


def test_nothing_chosen_is_422_with_an_error_summary(world: World) -> None:
    client = world.client("analyst")
    response = upload(client, [], force="sussex", reimport=True)
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert "<title>Error: Upload data.police.uk files – Beacon</title>" in text
    assert 'class="govuk-error-summary"' in text
    assert '<a href="#files">Choose one or more data.police.uk CSV files to upload</a>' in text
    assert 'id="files-error"' in text
    assert '<option value="sussex" selected>' in text  # what was chosen is kept
    assert 'value="yes" aria-describedby="reimport-hint" checked' in text
    # The same without any file part at all (a plain form post).
    plain = client.post(PAGE, data={"csrf_token": token(client)}, follow_redirects=False)
    assert plain.status_code == 422
    assert 'href="#files"' in plain.text
    # A force that is not on the list.
    wrong = upload(client, [("a.csv", b"x")], force="gotham")
    assert wrong.status_code == 422 and 'href="#force"' in wrong.text
    assert world.leftovers() == []


def test_renamed_stop_and_search_file_takes_the_force_from_the_form(
    world: World, tmp_path: Path
) -> None:
    client = world.client("analyst")
    content = search_bytes(tmp_path)
    _, page = finished(client, upload(client, [("searches.csv", content)]))
    assert "searches.csv: stop-and-search files do not name their force" in page
    assert count_rows(world.runtime, StopSearch) == 0
    _, page = finished(client, upload(client, [("searches.csv", content)], force="sussex"))
    assert figures(page, 1)["imported"] == 2
    assert "Stop and search" in file_row(page, 1)
    with world.runtime.sessions() as session:
        assert set(session.scalars(select(StopSearch.force))) == {"Sussex Police"}


def test_file_failing_part_way_is_undone_and_the_others_stand(
    make_world: Callable[..., World], street_files: dict[str, bytes]
) -> None:
    # Small batches: the failing file has written several batches before its bad byte.
    world = make_world(import_batch_rows=100)
    client = world.client("analyst")
    (good_name, good), (bad_name, bad) = street_files.items()
    broken = bad[: len(bad) - 500] + bad[len(bad) - 500 :].replace(b"On or near", b"\xe9", 1)
    assert broken != bad
    _, page = finished(client, upload(client, [(good_name, good), (bad_name, broken)]))
    assert "1 file was not imported" in page
    assert f"{bad_name}: not UTF-8 text" in page
    assert "Imported" in file_row(page, 1) and figures(page, 1)["imported"] == 1499
    assert "Not imported" in file_row(page, 2)
    assert count_rows(world.runtime, StreetCrime) == 1499  # nothing of the failed file
    with world.runtime.sessions() as session:
        assert session.scalars(select(ImportRun.source_name)).all() == [good_name]
    assert world.leftovers() == []
    # Retried alone, corrected: imported.
    _, page = finished(client, upload(client, [(bad_name, bad)]))
    assert figures(page, 1)["imported"] == 1499


# --- who may -------------------------------------------------------------------------------------


def test_only_the_owner_or_an_admin_sees_a_job_and_data_import_is_needed(
    world: World, street_files: dict[str, bytes]
) -> None:
    name, content = next(iter(street_files.items()))
    analyst = world.client("analyst")
    job_id, _ = finished(analyst, upload(analyst, [(name, content)]))
    routes = [f"{PAGE}/jobs/{job_id}", f"{PAGE}/jobs/{job_id}/progress"]
    routes.append(f"{PAGE}/jobs/{job_id}/report.json")

    anonymous = world.client(None)
    assert anonymous.get(PAGE, follow_redirects=False).status_code == 303
    for route in routes:
        response = anonymous.get(route, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    login_token = _CSRF.search(anonymous.get("/login").text)
    assert login_token
    refused = upload(anonymous, [(name, content)], csrf=login_token[1])
    assert refused.status_code == 403

    partner = world.client("partner")
    assert partner.get(PAGE).status_code == 403
    csrf = _CSRF.search(partner.get("/account/password").text)
    assert csrf
    assert upload(partner, [(name, content)], csrf=csrf[1]).status_code == 403
    assert all(partner.get(route).status_code == 403 for route in routes)
    assert 'href="/imports/police"' not in partner.get("/account/password").text

    other = world.client("other_analyst")
    assert all(other.get(route).status_code == 404 for route in routes)
    assert other.get(f"{PAGE}/jobs/not-a-job").status_code == 404

    admin = world.client("admin_analyst")
    assert all(admin.get(route).status_code == 200 for route in routes)

    # CSRF: missing or wrong token, or the token after the files: refused, nothing written.
    assert upload(analyst, [(name, content)], csrf="").status_code == 403
    assert upload(analyst, [(name, content)], csrf="forged").status_code == 403
    late = httpx.Request(
        "POST",
        BASE + PAGE,
        files=[("files", (name, content, "text/csv"))],
        data={"csrf_token": token(analyst)},
    )
    boundary = late.headers["content-type"].split("boundary=")[1].encode()
    parts = late.read().split(b"--" + boundary)  # "", the token, the file, "--\r\n"
    assert b'name="csrf_token"' in parts[1] and b'name="files"' in parts[2]
    body = b"".join(b"--" + boundary + part for part in (parts[2], parts[1], parts[3]))
    response = analyst.post(
        PAGE, content=body, headers={"content-type": late.headers["content-type"]}
    )
    assert response.status_code == 403
    assert count_rows(world.runtime, ImportRun) == 1
    assert world.leftovers() == []
