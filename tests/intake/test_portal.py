"""The resident portal through the web app (TestClient), on SQLite and PostgreSQL: the report
form, validation, photos, hostile input, rate limits, and keep-in-contact."""

from __future__ import annotations

import datetime as dt
import html
import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shapely
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beacon.app import create_app
from beacon.audit.models import AuditEvent
from beacon.geography.models import Area, AreaBoundary
from beacon.intake import portal, service
from beacon.intake.models import IntelMessage, IntelPhoto, IntelRawSubmission, IntelReport
from beacon.intake.ratelimit import RotatingClientLimiter
from beacon.runtime import Runtime

from .factories import Person, organisation, person
from .portal_support import (
    FORM,
    animated_png,
    codes_in,
    jpeg_with_metadata,
    png_bomb,
    zip_file,
)

SUMMARY_LINK = re.compile(r'<li><a href="#([^"]+)">([^<]+)</a></li>')


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    return create_app(runtime=runtime)


@pytest.fixture
def supervisor(runtime: Runtime) -> Person:
    """The intelligence supervisor whose organisation receives residents' reports."""
    with runtime.sessions() as session:
        found = person(
            session, organisation(session, "Receiving Police"), "intelligence_supervisor"
        )
        session.commit()
    return found


@pytest.fixture
def client(app: FastAPI, supervisor: Person) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client


def post_report(
    client: TestClient,
    form: dict[str, Any] | None = None,
    *,
    photos: list[bytes] | None = None,
    headers: dict[str, str] | None = None,
    **changes: Any,
) -> Any:
    """The form as a browser sends it: multipart, with an empty file part when no photo."""
    data = {**FORM, **(form or {}), **changes}
    data = {k: v for k, v in data.items() if v is not None}
    files: list[tuple[str, tuple[str, bytes, str]]]
    if photos:
        files = [("photo", (f"IMG_{i}.jpg", body, "image/jpeg")) for i, body in enumerate(photos)]
    else:
        files = [("photo", ("", b"", "application/octet-stream"))]
    return client.post("/report", data=data, files=files, headers=headers or {})


def counts(runtime: Runtime) -> dict[str, int]:
    with runtime.sessions() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (IntelReport, IntelRawSubmission, IntelPhoto, IntelMessage)
        }


def photo_files(runtime: Runtime) -> list[Path]:
    directory = runtime.settings.data_dir / "uploads" / "photos"
    return sorted(directory.iterdir()) if directory.exists() else []


def assert_nothing_stored(runtime: Runtime) -> None:
    assert counts(runtime) == {
        "intel_report": 0,
        "intel_raw_submission": 0,
        "intel_photo": 0,
        "intel_message": 0,
    }
    assert photo_files(runtime) == []


def only_report(session: Session) -> tuple[IntelReport, IntelRawSubmission]:
    report = session.scalars(select(IntelReport)).one()
    raw = session.scalars(
        select(IntelRawSubmission).where(IntelRawSubmission.report_id == report.id)
    ).one()
    return report, raw


def midnight(value: dt.datetime) -> bool:
    return value.time() == dt.time(0, 0)


# ---------------------------------------------------------------------------------------------
# The form


def test_form_page_has_every_field_and_sets_no_cookie(client: TestClient) -> None:
    response = client.get("/report")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "set-cookie" not in response.headers
    page = response.text
    for element_id in (
        "narrative",
        "location_mode",
        "location_mode-street",
        "location_mode-point",
        "location_mode-withheld",
        "postcode",
        "location_text",
        "area_text",
        "latitude",
        "longitude",
        "when_mode",
        "when_mode-range",
        "when_mode-ongoing",
        "when_mode-unknown",
        "occurred_from_day",
        "occurred_from_month",
        "occurred_from_year",
        "occurred_to_day",
        "occurred_time",
        "hints",
        "photo",
        "contact_choice",
        "contact_choice-yes",
        "contact_name",
        "contact_email",
        "contact_phone",
        "contact_preference",
    ):
        assert f'id="{element_id}"' in page, element_id
    # Anonymous is the default choice; the form posts multipart to /report without any token.
    assert re.search(
        r'id="contact_choice" name="contact_choice" type="radio" value="no" checked', page
    )
    assert 'action="/report" enctype="multipart/form-data"' in page
    assert "csrf" not in page.lower()
    assert "Receiving Police" in page
    # No staff navigation and no sign-in link on the residents' pages.
    assert "/login" not in page and "/audit" not in page and "/api/docs" not in page
    assert "We do not record your IP address" in page


def test_not_ready_without_a_receiving_organisation(app: FastAPI, runtime: Runtime) -> None:
    with TestClient(app, base_url="https://testserver") as client:
        page = client.get("/report")
        assert page.status_code == 503
        assert "cannot take reports yet" in page.text
        response = post_report(client)
        assert response.status_code == 503
        assert "nothing was stored" in response.text
        assert codes_in(response.text) == []
    assert_nothing_stored(runtime)


# ---------------------------------------------------------------------------------------------
# A report


def test_report_is_stored_and_the_code_opens_it(
    client: TestClient, runtime: Runtime, supervisor: Person
) -> None:
    response = post_report(
        client,
        hints=["drug_dealing", "exploited"],
        when_mode="range",
        occurred_from_day="1",
        occurred_from_month="3",
        occurred_from_year=str(service.today().year - 1),
        occurred_to_day="3",
        occurred_to_month="3",
        occurred_to_year=str(service.today().year - 1),
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert "set-cookie" not in response.headers
    found = codes_in(response.text)
    assert len(found) == 1
    code = found[0]
    assert "we cannot show it again" in response.text.lower()
    assert "What happens next" in response.text
    assert code not in str(response.url) and code not in response.headers.get("location", "")

    with runtime.sessions() as session:
        report, raw = only_report(session)
        assert report.channel == "resident"
        assert report.state == "received"
        assert report.received_on == service.today()
        assert report.owning_organisation_id == supervisor.organisation_id
        assert report.location_mode == "street"
        assert report.theme_hints == "drug_dealing exploited"
        assert report.occurred_from == dt.date(service.today().year - 1, 3, 1)
        assert report.occurred_to == dt.date(service.today().year - 1, 3, 3)
        assert report.occurred_time == "most evenings"
        assert report.narrative is None  # the working copy waits for a supervisor
        assert raw.narrative == FORM["narrative"]
        assert raw.location_text == "Albion Street"
        # Only a hash of the code's secret half is stored.
        assert report.contact_secret_hash and code.replace("-", "")[8:] not in (
            report.contact_secret_hash
        )
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.event == "intel.resident_report_received")
        ).one()
        assert event.actor_label == "resident portal"
        assert event.occurred_at.date() == service.today() and midnight(event.occurred_at)
        assert service.find_by_code(session, code.lower().replace("-", " ")) is not None

    opened = client.post("/report/contact", data={"code": code})
    assert opened.status_code == 200
    assert "There are no questions about your report yet" in opened.text
    assert "Received: waiting to be looked at" in opened.text


def test_anonymous_is_the_default(client: TestClient, runtime: Runtime) -> None:
    form = {k: v for k, v in FORM.items() if k != "contact_choice"}
    response = client.post("/report", data=form)  # url-encoded works too
    assert response.status_code == 200
    with runtime.sessions() as session:
        _, raw = only_report(session)
        assert (raw.contact_name, raw.contact_email, raw.contact_phone, raw.contact_preference) == (
            None,
            None,
            None,
            None,
        )


def test_contact_details_need_the_explicit_choice(client: TestClient, runtime: Runtime) -> None:
    response = post_report(client, contact_email="me@example.org", contact_phone="07700 900123")
    assert response.status_code == 422
    assert dict((a, m) for a, m in SUMMARY_LINK.findall(response.text)).keys() == {"contact_choice"}
    assert "chose to stay anonymous" in response.text
    assert_nothing_stored(runtime)


def test_contact_details_are_kept_only_in_the_raw_record(
    client: TestClient, runtime: Runtime
) -> None:
    details = {
        "contact_choice": "yes",
        "contact_name": "Pat Resident",
        "contact_email": "pat.resident@example.org",
        "contact_phone": "07700 900123",
        "contact_preference": "email only, evenings",
    }
    response = post_report(client, details)
    assert response.status_code == 200, response.text
    assert "You also gave contact details" in response.text
    with runtime.sessions() as session:
        report, raw = only_report(session)
        assert (raw.contact_name, raw.contact_email, raw.contact_phone, raw.contact_preference) == (
            "Pat Resident",
            "pat.resident@example.org",
            "07700 900123",
            "email only, evenings",
        )
        working = " ".join(str(getattr(report, c.key)) for c in IntelReport.__table__.columns)
        audit = " ".join(e.details_json for e in session.scalars(select(AuditEvent)))
        for value in ("Pat Resident", "pat.resident@example.org", "07700 900123"):
            assert value not in working
            assert value not in audit


# ---------------------------------------------------------------------------------------------
# Validation: every error names its field, and the summary links to it

CASES: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    "empty description": ({"narrative": ""}, {"narrative": "Tell us what happened"}),
    "short description": ({"narrative": "drugs"}, {"narrative": "at least 10 characters"}),
    "long description": (
        {"narrative": "x" * 10_001},
        {"narrative": "Your description must be at most 10,000 characters"},
    ),
    "bad postcode": (
        {"location_mode": "postcode", "postcode": "NOT A POSTCODE"},
        {"postcode": "The postcode is not a valid UK postcode"},
    ),
    "missing postcode": ({"location_mode": "postcode"}, {"postcode": "Enter the postcode"}),
    "missing street": (
        {"location_mode": "street", "location_text": ""},
        {"location_text": "Enter the street or place"},
    ),
    "long area": (
        {"location_mode": "withheld", "area_text": "a" * 301},
        {"area_text": "The general area must be at most 300 characters"},
    ),
    "map without a point": (
        {"location_mode": "point"},
        {"location_mode-point": "Choose a point on the map"},
    ),
    "point outside the UK": (
        {"location_mode": "point", "latitude": "48.85", "longitude": "2.35"},
        {"location_mode-point": "The point on the map is outside the UK"},
    ),
    "unknown way of saying where": ({"location_mode": "moon"}, {"location_mode": "Choose how"}),
    "missing date": ({"when_mode": "date"}, {"occurred_from_day": "Enter the date"}),
    "impossible date": (
        {
            "when_mode": "date",
            "occurred_from_day": "31",
            "occurred_from_month": "2",
            "occurred_from_year": "2025",
        },
        {"occurred_from_day": "The date must be a real date, for example 27 3 2026"},
    ),
    "date with letters": (
        {
            "when_mode": "date",
            "occurred_from_day": "1st",
            "occurred_from_month": "March",
            "occurred_from_year": "2025",
        },
        {"occurred_from_day": "The date must be a real date, for example 27 3 2026"},
    ),
    "date without a month": (
        {"when_mode": "date", "occurred_from_day": "4", "occurred_from_year": "2025"},
        {"occurred_from_day": "The date must include a month"},
    ),
    "last date not real": (
        {
            "when_mode": "range",
            "occurred_from_day": "1",
            "occurred_from_month": "1",
            "occurred_from_year": "2025",
            "occurred_to_day": "40",
            "occurred_to_month": "1",
            "occurred_to_year": "2025",
        },
        {"occurred_to_day": "The last date must be a real date, for example 30 3 2026"},
    ),
    "future date": (
        {
            "when_mode": "date",
            "occurred_from_day": "1",
            "occurred_from_month": "1",
            "occurred_from_year": str(dt.date.today().year + 2),
        },
        {"occurred_from_day": "The date cannot be in the future"},
    ),
    "range backwards": (
        {
            "when_mode": "range",
            "occurred_from_day": "5",
            "occurred_from_month": "1",
            "occurred_from_year": "2025",
            "occurred_to_day": "1",
            "occurred_to_month": "1",
            "occurred_to_year": "2025",
        },
        {"occurred_to_day": "The last date must be on or after the first date"},
    ),
    "unknown when": ({"when_mode": "yesterday"}, {"when_mode": "Choose when it happened"}),
    "long time": ({"occurred_time": "t" * 61}, {"occurred_time": "The time must be at most 60"}),
    "unknown hint": ({"hints": ["drug_dealing", "aliens"]}, {"hints": "Choose from the listed"}),
    "contact without a way": (
        {"contact_choice": "yes", "contact_name": "Pat"},
        {"contact_email": "Give an email address or a phone number"},
    ),
    "bad email and phone": (
        {"contact_choice": "yes", "contact_email": "pat-at-home", "contact_phone": "call me"},
        {
            "contact_email": "Enter an email address like",
            "contact_phone": "Enter a phone number like",
        },
    ),
    "several at once": (
        {"narrative": "", "location_mode": "postcode", "postcode": "", "hints": ["nope"]},
        {
            "narrative": "Tell us what happened",
            "postcode": "Enter the postcode",
            "hints": "Choose from the listed",
        },
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_error_names_its_field_and_is_linked(
    client: TestClient, runtime: Runtime, case: str
) -> None:
    changes, expected = CASES[case]
    response = post_report(client, changes)
    assert response.status_code == 422, response.text[:500]
    page = response.text
    assert "<title>Error: " in page
    assert 'class="govuk-error-summary"' in page and 'role="alert"' in page
    links = {anchor: html.unescape(message) for anchor, message in SUMMARY_LINK.findall(page)}
    assert set(links) == set(expected), links
    for anchor, words in expected.items():
        assert words in links[anchor], (anchor, links[anchor])
        assert f'id="{anchor}"' in page, anchor  # the link has somewhere to go
    # Inline messages sit with their fields, and the fields are marked as in error.
    assert page.count('class="govuk-error-message"') >= len(set(links.values()))
    assert "govuk-form-group--error" in page
    # What the resident typed is kept.
    narrative = changes.get("narrative", FORM["narrative"])
    assert f">{html.escape(narrative)}</textarea>" in page
    assert_nothing_stored(runtime)


def test_date_hints_and_errors_give_the_same_example(client: TestClient) -> None:
    form = client.get("/report").text
    assert 'id="occurred_from-hint" class="govuk-hint">For example, 27 3 2026<' in form
    assert 'id="occurred_to-hint" class="govuk-hint">For example, 30 3 2026<' in form
    assert "2026-03-31" not in form
    refused = post_report(
        client,
        when_mode="range",
        occurred_from_day="31",
        occurred_from_month="2",
        occurred_from_year="2025",
        occurred_to_day="x",
        occurred_to_month="3",
        occurred_to_year="2025",
    )
    assert refused.status_code == 422
    messages = dict(SUMMARY_LINK.findall(refused.text))
    assert messages == {
        "occurred_from_day": "The date must be a real date, for example 27 3 2026",
        "occurred_to_day": "The last date must be a real date, for example 30 3 2026",
    }
    assert "2026-03-31" not in refused.text and "like 20" not in refused.text


@pytest.mark.parametrize("when", ["ongoing", "unknown"])
def test_date_boxes_are_ignored_when_still_happening_or_not_known(
    client: TestClient, runtime: Runtime, when: str
) -> None:
    """Without JavaScript the date boxes stay visible; for these answers what they hold is
    ignored (even if it is not a date), as the page says."""
    page = client.get("/report").text
    assert 'data-portal-show="when_mode:date,range"' in page
    assert "Give dates only if you chose" in page
    response = post_report(
        client,
        when_mode=when,
        occurred_from_day="31",
        occurred_from_month="2",
        occurred_from_year="2025",
        occurred_to_day="1",
        occurred_to_month="1",
        occurred_to_year="1900",
    )
    assert response.status_code == 200, response.text[:800]
    with runtime.sessions() as session:
        report, _ = only_report(session)
        assert (report.occurred_from, report.occurred_to) == (None, None)
        assert report.occurred_ongoing is (when == "ongoing")


def test_the_description_shows_and_enforces_its_limit(client: TestClient, runtime: Runtime) -> None:
    page = client.get("/report").text
    assert 'data-module="govuk-character-count" data-maxlength="10000"' in page
    assert 'id="narrative-info" class="govuk-hint govuk-character-count__message">' in page
    assert "You can enter up to 10,000 characters" in page
    assert 'aria-describedby="narrative-info narrative-hint"' in page
    over = post_report(client, narrative="y" * 10_001)
    assert over.status_code == 422
    assert "Your description must be at most 10,000 characters (it has 10,001)" in over.text
    assert_nothing_stored(runtime)
    # Line breaks count once, as the browser's counter counts them (it sees "\n", the
    # form sends "\r\n").
    exactly = post_report(client, narrative=("z" * 99 + "\r\n") * 100)
    assert exactly.status_code == 200, exactly.text[:500]


def test_the_partnership_keeps_its_name_after_an_error(client: TestClient) -> None:
    first = client.get("/report").text
    assert "Use this form to tell Receiving Police about" in " ".join(first.split())
    again = post_report(client, narrative="")
    assert again.status_code == 422
    text = " ".join(again.text.split())
    assert "Use this form to tell Receiving Police about" in text
    assert "the community safety partnership" not in text


def test_the_code_page_offers_copy_and_print_and_says_it_cannot_be_recovered(
    client: TestClient,
) -> None:
    response = post_report(client)
    assert response.status_code == 200
    page = response.text
    [code] = codes_in(page)
    assert f'id="reference-code"><code>{code}</code></p>' in page
    # Progressive enhancement: the buttons are hidden until the script shows them.
    assert (
        'class="govuk-button-group beacon-no-print govuk-!-display-none" id="code-actions"' in page
    )
    assert 'id="copy-code">Copy the code</button>' in page
    assert 'id="print-code">Print this page</button>' in page
    assert "report-code.js" in page
    assert "This code cannot be recovered." in " ".join(page.split())
    assert "print this page with your browser’s Print command" in " ".join(page.split())
    # Still nothing that could link the resident to the report: no cookie, no URL with it.
    assert "set-cookie" not in response.headers
    assert code not in str(response.url)
    script = client.get("/static/report-code.js")
    assert script.status_code == 200
    for call in ("fetch(", "XMLHttpRequest", "localStorage", "sessionStorage", "document.cookie"):
        assert call not in script.text, call


def test_photo_must_be_chosen_again_after_an_error(client: TestClient, runtime: Runtime) -> None:
    response = post_report(client, {"narrative": "short"}, photos=[jpeg_with_metadata()])
    assert response.status_code == 422
    assert "Your photos were not kept: choose them again." in response.text
    assert_nothing_stored(runtime)


def test_without_javascript_the_way_of_saying_where_is_inferred(
    client: TestClient, runtime: Runtime
) -> None:
    # No radio ticked, but a postcode typed: a postcode report (there is no postcode directory
    # here, so the report is kept without area codes rather than refused).
    response = post_report(client, location_mode=None, location_text=None, postcode="ls1 4ap")
    assert response.status_code == 200, response.text
    # "I'd rather not say precisely": a street typed earlier is not kept, the area is.
    response = post_report(
        client, location_mode="withheld", location_text="12 Exact Road", area_text="Harehills"
    )
    assert response.status_code == 200
    with runtime.sessions() as session:
        rows = {
            r.location_mode: (r, raw)
            for r, raw in session.execute(
                select(IntelReport, IntelRawSubmission).join(
                    IntelRawSubmission, IntelRawSubmission.report_id == IntelReport.id
                )
            ).all()
        }
        assert rows["postcode"][0].postcode == "LS1 4AP"
        assert rows["postcode"][0].lsoa_code is None
        assert rows["withheld"][1].location_text == "Harehills"
        assert "Exact Road" not in str(rows["withheld"][1].location_text)


def test_html_and_script_are_stored_as_text_and_shown_escaped(
    client: TestClient, runtime: Runtime
) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"'
    # With an error elsewhere the page shows the description back: escaped.
    response = post_report(client, narrative=hostile, location_mode="postcode", postcode="")
    assert response.status_code == 422
    assert "<script>alert" not in response.text and "<img src=x" not in response.text
    assert "&lt;script&gt;alert(" in response.text
    response = post_report(client, narrative=hostile)
    assert response.status_code == 200
    with runtime.sessions() as session:
        _, raw = only_report(session)
        assert raw.narrative == hostile


# ---------------------------------------------------------------------------------------------
# Photos


def test_photo_metadata_is_removed_and_orientation_applied(
    client: TestClient, runtime: Runtime
) -> None:
    original = jpeg_with_metadata(size=(40, 20), orientation=6, marker="gps-canary-31337")
    for part in (b"gps-canary-31337-xmp", b"gps-canary-31337-icc", b"gps-canary-31337-comment"):
        assert part in original
    opened = Image.open(io.BytesIO(original))
    assert opened.getexif().get_ifd(0x8825)  # the original does carry GPS
    response = post_report(client, photos=[original])
    assert response.status_code == 200, response.text
    files = photo_files(runtime)
    assert len(files) == 1
    stored = files[0].read_bytes()
    assert b"gps-canary-31337" not in stored
    assert b"Exif" not in stored
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}
    assert not image.getexif().get_ifd(0x8825)
    for key in ("exif", "comment", "xmp", "icc_profile", "photoshop"):
        assert key not in image.info, key
    assert image.size == (20, 40)  # orientation 6 (rotate 90) applied to the pixels
    with runtime.sessions() as session:
        photo = session.scalars(select(IntelPhoto)).one()
        assert (photo.width, photo.height) == (20, 40)
        assert photo.storage_name == files[0].name
        assert photo.size_bytes == len(stored)
        assert not photo.released


def test_empty_file_inputs_are_not_photos(client: TestClient, runtime: Runtime) -> None:
    empty = ("photo", ("", b"", "application/octet-stream"))
    photo = ("photo", ("IMG_1.jpg", jpeg_with_metadata(), "image/jpeg"))
    response = client.post("/report", data=FORM, files=[empty] * 5 + [photo, empty])
    assert response.status_code == 200, response.text[:300]
    assert len(photo_files(runtime)) == 1
    assert counts(runtime)["intel_photo"] == 1


HOSTILE_PHOTOS: dict[str, tuple[list[bytes], str]] = {
    "text file": ([b"this is not an image at all, just text" * 10], "not a photo"),
    "zip archive": ([zip_file()], "not a photo"),
    "decompression bomb": ([png_bomb(50_000, 50_000)], "too large when opened"),
    "pixel flood": ([png_bomb(8_000, 6_250)], "too many pixels"),
    "animated image": ([animated_png()], "Animated images are not accepted"),
    "truncated jpeg": ([jpeg_with_metadata()[:200]], "could not be read"),
    "too many photos": ([jpeg_with_metadata()] * 4, "Choose up to 3 photos"),
    "too large": ([b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024)], "too large"),
}


@pytest.mark.parametrize("case", list(HOSTILE_PHOTOS))
def test_hostile_photos_are_refused_and_nothing_is_stored(
    client: TestClient, runtime: Runtime, case: str
) -> None:
    photos, words = HOSTILE_PHOTOS[case]
    response = post_report(client, photos=photos)
    assert response.status_code == 422, response.text[:300]
    links = dict(SUMMARY_LINK.findall(response.text))
    assert set(links) == {"photo"}
    assert words.lower() in html.unescape(links["photo"]).lower(), links["photo"]
    assert_nothing_stored(runtime)


# ---------------------------------------------------------------------------------------------
# Oversized and malformed requests


def test_huge_text_is_refused_with_413(client: TestClient, runtime: Runtime) -> None:
    response = post_report(client, narrative="x" * (300 * 1024))
    assert response.status_code == 413
    assert "too large" in response.text and "Nothing was stored" in response.text
    response = client.post("/report", data={**FORM, "narrative": "y" * (300 * 1024)})
    assert response.status_code == 413
    assert_nothing_stored(runtime)


def test_oversized_body_is_refused_before_parsing(
    client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(portal, "MAX_BODY_BYTES", 256 * 1024)
    photo = jpeg_with_metadata() + b"\x00" * (300 * 1024)
    response = post_report(client, photos=[photo])
    assert response.status_code == 413
    assert "Nothing was stored" in response.text

    # A body that does not say how long it is (chunked) is counted as it arrives.
    def chunks() -> Iterator[bytes]:
        yield b'--b\r\nContent-Disposition: form-data; name="narrative"\r\n\r\n'
        for _ in range(100):
            yield b"z" * 4096

    response = client.post(
        "/report", content=chunks(), headers={"content-type": "multipart/form-data; boundary=b"}
    )
    assert response.status_code == 413
    assert_nothing_stored(runtime)


def _multipart(fields: list[tuple[bytes, bytes]], boundary: bytes = b"XyZ") -> bytes:
    body = b""
    for name, value in fields:
        body += b"--" + boundary + b"\r\n"
        body += b'Content-Disposition: form-data; name="' + name + b'"\r\n\r\n' + value + b"\r\n"
    return body + b"--" + boundary + b"--\r\n"


def test_invalid_utf8_is_refused_with_400(client: TestClient, runtime: Runtime) -> None:
    fields = [(k.encode(), v.encode()) for k, v in FORM.items() if k != "narrative"]
    body = _multipart([(b"narrative", b"Dealing at the \xff\xfe corner shop every night"), *fields])
    response = client.post(
        "/report", content=body, headers={"content-type": "multipart/form-data; boundary=XyZ"}
    )
    assert response.status_code == 400
    assert "not valid UTF-8" in response.text and "Nothing was stored" in response.text
    # URL-encoded: an invalid percent-escape, and a raw byte that browsers would have escaped.
    for body in (
        b"narrative=Dealing+at+the+%FF%FE+corner+shop&location_mode=withheld",
        b"narrative=Dealing at the \xe9 corner shop&location_mode=withheld",
    ):
        response = client.post(
            "/report",
            content=body,
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 400, body
    # The keep-in-contact forms too.
    response = client.post(
        "/report/contact",
        content=b"code=%C0%AF",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert_nothing_stored(runtime)


def test_malformed_requests_get_400(client: TestClient, runtime: Runtime) -> None:
    for content_type, body in (
        ("multipart/form-data; boundary=XyZ", b"--XyZ\r\nbroken headers without end"),
        (
            "multipart/form-data; boundary=XyZ",
            b"--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--",
        ),
        ("multipart/form-data", b"no boundary"),
        ("application/json", b'{"narrative": "json is not a form"}'),
    ):
        response = client.post("/report", content=body, headers={"content-type": content_type})
        assert response.status_code == 400, (content_type, body, response.status_code)
        assert "Nothing was stored" in response.text
    assert_nothing_stored(runtime)


def test_control_characters_are_removed(client: TestClient, runtime: Runtime) -> None:
    response = post_report(client, narrative="Dealing\x00 at\x1b the\x07 corner shop, nightly")
    assert response.status_code == 200
    with runtime.sessions() as session:
        assert only_report(session)[1].narrative == "Dealing at the corner shop, nightly"


# ---------------------------------------------------------------------------------------------
# Cross-site posts, rate limits, failures


@pytest.mark.parametrize(
    "headers",
    [
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},
        {"origin": "https://evil.example"},
    ],
)
def test_cross_site_posts_are_refused(
    client: TestClient, runtime: Runtime, headers: dict[str, str]
) -> None:
    response = post_report(client, headers=headers)
    assert response.status_code == 403
    assert "from another website" in response.text
    assert client.post("/report/contact", data={"code": "x"}, headers=headers).status_code == 403
    assert (
        client.post("/report/contact/answer", data={"code": "x"}, headers=headers).status_code
        == 403
    )
    assert_nothing_stored(runtime)


@pytest.mark.parametrize(
    "headers",
    [
        {"sec-fetch-site": "same-origin", "origin": "null"},
        {"origin": "null"},  # Referrer-Policy: no-referrer makes browsers send this
        {"origin": "https://testserver"},
        {"sec-fetch-site": "none"},
    ],
)
def test_same_site_posts_are_accepted(client: TestClient, headers: dict[str, str]) -> None:
    assert post_report(client, headers=headers).status_code == 200


def test_reports_are_rate_limited_per_client(
    app: FastAPI, client: TestClient, runtime: Runtime
) -> None:
    app.state.portal_report_limiter = RotatingClientLimiter(limit=2, window_seconds=600)
    assert post_report(client).status_code == 200
    assert post_report(client).status_code == 200
    response = post_report(client)
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert "Please wait before trying again" in response.text
    assert "Nothing from this attempt was stored" in response.text
    assert codes_in(response.text) == []
    assert counts(runtime)["intel_report"] == 2


def test_storage_failure_says_not_received_and_leaves_nothing(
    client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = service.create_resident_report

    def fails_after_writing(session: Session, **kwargs: Any) -> Any:
        real(session, **kwargs)  # rows and photo file written...
        raise RuntimeError("disk on fire: " + kwargs["data"].narrative)  # ...then it fails

    monkeypatch.setattr(service, "create_resident_report", fails_after_writing)
    response = post_report(client, photos=[jpeg_with_metadata()])
    assert response.status_code == 503
    assert "was NOT stored" in response.text
    assert codes_in(response.text) == []
    assert_nothing_stored(runtime)


def test_nothing_about_the_request_is_logged(
    client: TestClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    canaries = {
        "x-forwarded-for": "198.51.100.201",
        "user-agent": "CanaryAgent/9.9 ua-canary-5521",
        "referer": "https://referrer.example/ref-canary-7781",
        "x-real-ip": "192.0.2.202",
        "forwarded": "for=203.0.113.203;proto=https",
        "cookie": "tracker=cookie-canary-6123",
    }
    caplog.set_level(logging.DEBUG)
    assert post_report(client, photos=[jpeg_with_metadata()], headers=canaries).status_code == 200
    assert post_report(client, {"narrative": "short"}, headers=canaries).status_code == 422
    monkeypatch.setattr(service, "create_resident_report", _raise_with_content)
    assert post_report(client, headers=canaries).status_code == 503
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    for value in (*canaries.values(), "testclient", FORM["narrative"]):
        assert value not in logged, value
    assert "could not be stored (RuntimeError)" in logged


def _raise_with_content(session: Session, **kwargs: Any) -> Any:
    raise RuntimeError(f"INSERT failed with narrative={kwargs['data'].narrative}")


# ---------------------------------------------------------------------------------------------
# Keep in contact


def _ask(runtime: Runtime, supervisor: Person, question: str) -> None:
    with runtime.sessions() as session:
        report = session.scalars(select(IntelReport)).one()
        service.ask_reporter(
            session,
            report=report,
            principal=supervisor.principal,
            actor=supervisor.actor,
            question=question,
        )
        session.commit()


def test_keep_in_contact_question_and_answer(
    client: TestClient, runtime: Runtime, supervisor: Person
) -> None:
    code = codes_in(post_report(client).text)[0]
    _ask(runtime, supervisor, "What colour was the car? <b>not bold</b>")

    page = client.post("/report/contact", data={"code": f"  {code.lower()} "})
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "Question from the officer" in page.text
    assert "What colour was the car? &lt;b&gt;not bold&lt;/b&gt;" in page.text
    assert 'action="/report/contact/answer"' in page.text
    assert code not in str(page.url)

    empty = client.post("/report/contact/answer", data={"code": code, "answer": "  "})
    assert empty.status_code == 422
    assert dict(SUMMARY_LINK.findall(empty.text)) == {"answer": "Write your answer"}

    answer = 'A silver estate <script>alert("x")</script>, partly "AB12"'
    done = client.post("/report/contact/answer", data={"code": code, "answer": answer})
    assert done.status_code == 200
    assert "Answer received" in done.text
    assert codes_in(done.text) == []

    with runtime.sessions() as session:
        report = session.scalars(select(IntelReport)).one()
        messages = service.messages_for(session, report.id)
        assert [m.direction for m in messages] == ["to_reporter", "from_reporter"]
        stored = messages[1]
        assert stored.body == answer  # raw, as typed
        assert stored.sanitised_body is None  # staff see it only once a supervisor sanitised it
        assert stored.created_on == service.today()
        assert stored.author_user_id is None
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.event == "intel.reporter_answered")
        ).one()
        assert midnight(event.occurred_at)

    again = client.post("/report/contact", data={"code": code})
    assert "Your answer" in again.text
    assert "&lt;script&gt;" in again.text and "<script>alert" not in again.text


def test_closed_reports_take_no_more_answers(
    client: TestClient, runtime: Runtime, supervisor: Person
) -> None:
    code = codes_in(post_report(client).text)[0]
    _ask(runtime, supervisor, "Is it still happening?")
    with runtime.sessions() as session:
        report = session.scalars(select(IntelReport)).one()
        service.close(
            session,
            report=report,
            principal=supervisor.principal,
            actor=supervisor.actor,
            reason="Dealt with",
        )
        session.commit()
    page = client.post("/report/contact", data={"code": code})
    assert "This report is closed" in page.text
    assert 'action="/report/contact/answer"' not in page.text
    client.post("/report/contact/answer", data={"code": code, "answer": "Yes it is"})
    assert counts(runtime)["intel_message"] == 1


def test_wrong_codes_get_one_generic_message(client: TestClient, runtime: Runtime) -> None:
    code = codes_in(post_report(client).text)[0]
    wrong_secret = code[:10] + ("A" if code[10] != "A" else "B") + code[11:]
    pages = []
    for attempt in (wrong_secret, "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ", "not a code", "1234"):
        response = client.post("/report/contact", data={"code": attempt})
        assert response.status_code == 422
        pages.append(response.text.replace(html.escape(attempt), "<code>"))
        answer = client.post("/report/contact/answer", data={"code": attempt, "answer": "hello"})
        assert answer.status_code == 422
        assert "We could not find a report with that code" in answer.text
    assert len(set(pages)) == 1  # the same page whatever was wrong
    assert "We could not find a report with that code" in pages[0]
    assert counts(runtime)["intel_message"] == 0


def test_wrong_codes_are_rate_limited(app: FastAPI, client: TestClient) -> None:
    code = codes_in(post_report(client).text)[0]
    app.state.portal_code_limiter = RotatingClientLimiter(limit=3, window_seconds=600)
    for _ in range(3):
        assert client.post("/report/contact", data={"code": "A" * 24}).status_code == 422
    blocked = client.post("/report/contact", data={"code": code})  # even the right one, now
    assert blocked.status_code == 429
    assert "several attempts" in blocked.text
    assert client.post("/report/contact/answer", data={"code": code}).status_code == 429


# ---------------------------------------------------------------------------------------------
# The map: Beacon's own boundaries, and points placed in them


def test_areas_geojson_and_a_point_on_the_map(
    client: TestClient, runtime: Runtime, db: Session
) -> None:
    assert client.get("/report/areas.geojson").json() == {
        "type": "FeatureCollection",
        "features": [],
    }
    square = shapely.Polygon(
        [(-1.55, 53.79), (-1.54, 53.79), (-1.54, 53.80), (-1.5400001, 53.80005), (-1.55, 53.80)]
    )
    district = Area(level="district", code="E08000035", vintage="2019", name="Leeds")
    db.add(district)
    db.flush()
    lsoa = Area(
        level="lsoa", code="E01011365", vintage="2011", name="Leeds 111A", parent_id=district.id
    )
    db.add(lsoa)
    db.flush()
    db.add(
        AreaBoundary(
            area_id=lsoa.id,
            geometry_wkb=shapely.to_wkb(square),
            min_lon=-1.55,
            min_lat=53.79,
            max_lon=-1.54,
            max_lat=53.80005,
        )
    )
    db.commit()
    response = client.get("/report/areas.geojson")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    document = response.json()
    assert [f["properties"] for f in document["features"]] == [
        {"code": "E01011365", "name": "Leeds 111A"}
    ]
    ring = document["features"][0]["geometry"]["coordinates"][0]
    assert len(ring) <= 5  # simplified: the near-duplicate corner is gone

    stored = post_report(client, location_mode="point", latitude="53.795", longitude="-1.545")
    assert stored.status_code == 200
    outside = post_report(client, location_mode="point", latitude="51.5", longitude="-0.12")
    assert outside.status_code == 200  # outside every loaded area: kept, without area codes
    with runtime.sessions() as session:
        reports = {r.latitude: r for r in session.scalars(select(IntelReport))}
        assert reports[53.795].lsoa_code == "E01011365"
        assert reports[53.795].district_code == "E08000035"
        assert reports[51.5].lsoa_code is None
