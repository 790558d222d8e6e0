"""The partner feed upload page (/imports/partner-feeds), driven as a browser would, on both
backends: counts on the result page match what is stored; re-uploading adds nothing; rejected
lines and unreadable files are reported; missing fields are a 422 with a linked error summary;
only ``data.import`` may upload, and only with the form's CSRF token."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from beacon.app import create_app
from beacon.audit.models import AuditEvent
from beacon.audit.service import AuditActor
from beacon.auth.service import create_organisation, create_user
from beacon.ingest import web as ingest_web
from beacon.ingest.models import ImportRun
from beacon.ingest.partner_models import PartnerIncident
from beacon.runtime import Runtime

from .partner_files import ASB_HEADER, count_rows

BASE = "https://testserver"
PAGE = "/imports/partner-feeds"
PASSWORD = "amber-kestrel-harbour-93"
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
SYSTEM = AuditActor.system("test")

GOOD_ROWS = [
    ["ASB-1", "2024-03-01", "21:15", "nuisance", "noise", "50.8225", "-0.1372", "", ""],
    ["ASB-2", "02/03/2024", "", "Personal", "", "", "", "bn21aa", ""],
    ["ASB-3", "2024-03-03", "09:00", "environmental", "litter", "50.83", "-0.14", "", "E01000001"],
]


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    return ("\n".join(",".join(row) for row in [header, *rows]) + "\n").encode("utf-8")


@dataclass
class World:
    app: FastAPI
    runtime: Runtime
    police: int
    emails: dict[str, str]
    clients: list[TestClient]

    def client(self, who: str | None) -> TestClient:
        client = TestClient(self.app, base_url=BASE)
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


@pytest.fixture
def world(runtime: Runtime) -> Iterator[World]:
    with runtime.sessions() as session:
        home = create_organisation(
            session, name="Home Council", org_type="unitary_council", actor=SYSTEM
        )
        police = create_organisation(
            session, name="Sussex Police", org_type="police_force", actor=SYSTEM
        )
        emails = {}
        for role in ("analyst", "partner_contributor"):
            user = create_user(
                session,
                organisation_id=home.id,
                email=f"{role}@home.example",
                display_name=role,
                password=PASSWORD,
                roles=(role,),
                actor=SYSTEM,
            )
            emails[role] = user.email
        session.commit()
        police_id = police.id
    clients: list[TestClient] = []
    yield World(create_app(runtime=runtime), runtime, police_id, emails, clients)
    for client in clients:
        client.__exit__(None, None, None)


def token(client: TestClient) -> str:
    match = _CSRF.search(client.get(PAGE).text)
    assert match
    return match[1]


def upload(
    client: TestClient,
    content: bytes | None,
    *,
    kind: str = "asb",
    source: str | int = "",
    name: str = "q1-asb.csv",
    csrf: str | None = None,
) -> httpx.Response:
    data = {
        "kind": kind,
        "source": str(source),
        "csrf_token": token(client) if csrf is None else csrf,
    }
    files = {"file": (name, content, "text/csv")} if content is not None else None
    return client.post(PAGE, data=data, files=files, follow_redirects=False)


def count(text: str, name: str) -> int:
    match = re.search(rf'id="count-{name}">([\d,]+)<', text)
    assert match, (name, text)
    return int(match[1].replace(",", ""))


def test_form_lists_kinds_organisations_and_recent_runs(world: World) -> None:
    client = world.client("analyst")
    page = client.get(PAGE)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    text = page.text
    assert 'enctype="multipart/form-data"' in text
    for kind in ("asb", "deliberate-fires", "assault-admissions"):
        assert f'value="{kind}"' in text
    assert f'<option value="{world.police}">Sussex Police</option>' in text
    assert 'href="/imports/police" aria-current="page">Imports<' in text
    assert 'href="/imports/partner-feeds" aria-current="page">Partner feeds<' in text
    assert "No partner feeds have been imported yet." in text
    assert "<script>" not in text and "style=" not in text

    upload(client, csv_bytes(ASB_HEADER, GOOD_ROWS), source=world.police)
    text = client.get(PAGE).text
    assert "No partner feeds have been imported yet." not in text
    assert '<td class="govuk-table__cell">q1-asb.csv</td>' in text
    assert "Anti-social behaviour" in text


def test_upload_imports_then_reupload_is_all_duplicates(world: World) -> None:
    client = world.client("analyst")
    content = csv_bytes(ASB_HEADER, GOOD_ROWS)
    response = upload(client, content, source=world.police)
    assert response.status_code == 200, response.text
    text = response.text
    assert "q1-asb.csv" in text
    assert (count(text, "rows_read"), count(text, "imported"), count(text, "updated")) == (3, 3, 0)
    assert (count(text, "duplicates"), count(text, "rejected"), count(text, "unlocated")) == (
        0,
        0,
        2,  # no boundaries or postcodes loaded: only ASB-3, by the LSOA code it gives
    )
    assert 'id="rejected-table"' not in text
    with world.runtime.sessions() as session:
        references = set(session.scalars(select(PartnerIncident.partner_reference)))
        assert references == {"ASB-1", "ASB-2", "ASB-3"}
        run = session.scalars(select(ImportRun)).one()
        assert (run.kind, run.source_name, run.imported) == ("partner-asb", "q1-asb.csv", 3)
        assert json.loads(run.summary_json or "{}")["source_organisation"] == "Sussex Police"
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.event == "partner_feed.imported")
        ).one()
        assert event.actor_label == world.emails["analyst"]

    again = upload(client, content, source=world.police)
    assert again.status_code == 200
    assert (count(again.text, "imported"), count(again.text, "duplicates")) == (0, 3)
    assert count_rows(world.runtime, PartnerIncident) == 3


def test_bad_row_is_listed_and_good_rows_imported(world: World) -> None:
    client = world.client("analyst")
    rows = [*GOOD_ROWS[:2], ["ASB-9", "2024-13-01", "", "nuisance", "", "50.8", "-0.1", "", ""]]
    response = upload(client, csv_bytes(ASB_HEADER, rows), source=world.police)
    assert response.status_code == 200
    text = html.unescape(response.text)
    assert (count(text, "imported"), count(text, "rejected")) == (2, 1)
    table = text.split('id="rejected-table"', 1)[1]
    assert ">4<" in table  # the header is line 1
    assert ">date<" in table
    assert "date '2024-13-01' is not a date" in table
    assert 'id="rejected-more"' not in text
    assert count_rows(world.runtime, PartnerIncident) == 2


def test_many_rejected_rows_are_truncated(world: World) -> None:
    client = world.client("analyst")
    rows = [[f"R{i}", "2024-13-01", "", "nuisance", "", "50.8", "-0.1", "", ""] for i in range(205)]
    response = upload(client, csv_bytes(ASB_HEADER, rows), source=world.police)
    assert response.status_code == 200
    assert count(response.text, "rejected") == 205
    assert response.text.count("is not a date") == ingest_web.SHOWN_ERRORS
    assert "5 more rejected rows not listed here." in response.text


def test_missing_column_or_bad_text_stores_nothing(world: World) -> None:
    client = world.client("analyst")
    header = [h for h in ASB_HEADER if h != "category"]
    rows = [
        [v for h, v in zip(ASB_HEADER, row, strict=True) if h != "category"] for row in GOOD_ROWS
    ]
    response = upload(client, csv_bytes(header, rows), source=world.police)
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert "The file could not be imported" in text
    assert "Line 1: missing required column(s): category" in text
    assert 'id="counts"' not in text

    latin = csv_bytes(
        ASB_HEADER, GOOD_ROWS[:1]
    ) + "ASB-2,2024-03-02,,nuisance,café,,,BN2 1AA,\n".encode("latin-1")
    response = upload(client, latin, source=world.police, name="latin.csv")
    assert response.status_code == 422
    assert "not UTF-8 text: line 3" in html.unescape(response.text)
    assert count_rows(world.runtime, PartnerIncident) == 0
    assert count_rows(world.runtime, ImportRun) == 0


def test_missing_fields_are_422_with_error_summary(world: World) -> None:
    client = world.client("analyst")
    response = upload(client, None, kind="", source="")
    assert response.status_code == 422
    text = response.text
    assert "govuk-error-summary" in text
    for anchor in ("#kind", "#source", "#file"):
        assert f'href="{anchor}"' in text
    assert 'id="file-error"' in text
    assert "Choose the CSV file to upload" in text

    response = upload(client, csv_bytes(ASB_HEADER, GOOD_ROWS), kind="burglary", source="999999")
    assert response.status_code == 422
    assert 'href="#kind"' in response.text
    assert 'href="#source"' in response.text and 'href="#file"' not in response.text
    # The chosen values are kept.
    response = upload(client, None, kind="deliberate-fires", source=world.police)
    assert response.status_code == 422
    assert 'value="deliberate-fires" checked' in response.text
    assert f'<option value="{world.police}" selected>' in response.text
    assert count_rows(world.runtime, ImportRun) == 0


def test_file_name_is_reduced_to_its_own_name(world: World) -> None:
    assert ingest_web.upload_name("C:\\Users\\me\\q1 asb.csv") == "q1 asb.csv"
    assert ingest_web.upload_name("../../etc/passwd") == "passwd"
    assert ingest_web.upload_name("..") == "upload.csv"
    assert ingest_web.upload_name("") == "upload.csv"
    assert len(ingest_web.upload_name("a" * 500 + ".csv")) <= 200
    client = world.client("analyst")
    response = upload(
        client, csv_bytes(ASB_HEADER, GOOD_ROWS), source=world.police, name="../x.csv"
    )
    assert response.status_code == 200
    with world.runtime.sessions() as session:
        assert session.scalars(select(ImportRun.source_name)).one() == "x.csv"


def test_body_over_the_limit_is_413(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    client = world.client("analyst")
    csrf = token(client)
    monkeypatch.setattr(ingest_web, "MAX_UPLOAD_BYTES", 2000)
    response = upload(client, b"x" * 5000, source=world.police, csrf=csrf)
    assert response.status_code == 413
    assert "larger than" in response.text
    assert count_rows(world.runtime, ImportRun) == 0


def test_only_data_import_may_upload_and_csrf_is_needed(world: World) -> None:
    content = csv_bytes(ASB_HEADER, GOOD_ROWS)
    anonymous = world.client(None)
    assert anonymous.get(PAGE, follow_redirects=False).status_code == 303
    response = anonymous.post(
        PAGE,
        data={"kind": "asb", "source": str(world.police)},
        files={"file": ("a.csv", content, "text/csv")},
        follow_redirects=False,
    )
    assert response.status_code == 403  # the CSRF check comes first, as on every form route
    # Even with the login page's token: without a session the upload is refused before its
    # body is read, so nobody signed out can make the server spool a large file.
    login_token = _CSRF.search(anonymous.get("/login").text)
    assert login_token
    response = upload(anonymous, content, source=world.police, csrf=login_token[1])
    assert response.status_code == 403

    partner = world.client("partner_contributor")
    assert partner.get(PAGE).status_code == 403
    assert 'href="/imports/partner-feeds"' not in partner.get("/account/password").text
    csrf = _CSRF.search(partner.get("/account/password").text)
    assert csrf
    response = upload(partner, content, source=world.police, csrf=csrf[1])
    assert response.status_code == 403

    analyst = world.client("analyst")
    assert upload(analyst, content, source=world.police, csrf="").status_code == 403
    assert upload(analyst, content, source=world.police, csrf="forged").status_code == 403
    assert count_rows(world.runtime, PartnerIncident) == 0
