"""The triage queue (``GET /triage``, ``GET /triage/export.csv``): order by priority with ageing,
every filter, paging, bad values answered with 400 next to their field, the access rule per
row, the CSV (provenance, no narrative, formula-looking text defused), the audit events and the
refusals. SQLite and, when configured, PostgreSQL.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from beacon.audit.models import AuditAction
from beacon.auth.service import create_organisation
from beacon.geography.models import Area
from beacon.intake.models import IntelReport
from beacon.triage.models import DuplicateLink, EntityMention, TriageResult
from triage.test_flow import PHONE_TEXT, _sanitise
from triage.test_themes import SYSTEM, World
from triage.test_themes import world as world

TODAY = dt.datetime.now(dt.UTC).date()
NARRATIVE = "Secret narrative about a dealer called Zebedee Quux"
_ROW = re.compile(
    r'<th scope="row"[^>]*><a class="govuk-link" href="/intake/([0-9a-z]+)">([^<]+)</a>'
)


def _add(world: World, reference: str, **fields: Any) -> str:
    """A triaged report written straight to the tables (the flow itself is tested elsewhere)."""
    result_fields = {
        key: fields.pop(key)
        for key in ("priority_base", "priority_band", "route_state", "themes_json", "triaged_at")
        if key in fields
    }
    with world.runtime.sessions() as session:
        hub = world.people["analyst"][2].organisation_id
        received = fields.pop("received_on", TODAY)
        report = IntelReport(
            reference=reference,
            channel="partner",
            state=fields.pop("state", "disseminated"),
            owning_organisation_id=fields.pop("owning_organisation_id", hub),
            received_on=received,
            state_changed_on=received,
            location_mode="withheld",
            handling_code=fields.pop("handling_code", "P"),
            summary=fields.pop("summary", f"Summary of {reference}"),
            narrative=fields.pop("narrative", NARRATIVE),
            **fields,
        )
        session.add(report)
        session.flush()
        session.add(
            TriageResult(
                report_id=report.id,
                themes_json=result_fields.get("themes_json", '["asb"]'),
                theme_source="hints",
                priority_base=result_fields.get("priority_base", 30.0),
                priority_band=result_fields.get("priority_band", "P3"),
                route_state=result_fields.get("route_state", "routed"),
                triaged_at=result_fields.get(
                    "triaged_at", dt.datetime(2026, 7, 1, 11, 30, tzinfo=dt.UTC)
                ),
            )
        )
        session.commit()
        return report.id


def _refs(response: Any) -> list[str]:
    return [reference for _, reference in _ROW.findall(response.text)]


@pytest.fixture
def analyst(world: World) -> Iterator[Any]:
    yield world.client("analyst")


# ---------------------------------------------------------------------------------------------
# Order and what a row shows


def test_the_queue_orders_by_total_priority_then_the_longest_waiting(
    world: World, analyst: Any
) -> None:
    _add(world, "TRQ-LOW", priority_base=30.0, priority_band="P3")
    _add(world, "TRQ-HIGH", priority_base=80.0, priority_band="P1")
    # 40 + the ageing cap (20 after a week) = 60, above a fresh 55.
    _add(world, "TRQ-OLD", priority_base=40.0, received_on=TODAY - dt.timedelta(days=30))
    _add(world, "TRQ-FRESH", priority_base=55.0, priority_band="P2")
    # The same total (cap reached): the one waiting longer first.
    _add(world, "TRQ-OLDER", priority_base=40.0, received_on=TODAY - dt.timedelta(days=60))
    response = analyst.get("/triage")
    assert response.status_code == 200
    assert _refs(response) == ["TRQ-HIGH", "TRQ-OLDER", "TRQ-OLD", "TRQ-FRESH", "TRQ-LOW"]
    # Base, ageing and total are shown.
    assert "<strong>60.0</strong>" in response.text
    assert "40.0 + 20.0 ageing" in response.text
    assert "5 reports: 1 to 5 shown" in response.text
    assert "Anti-social behaviour" in response.text  # themes by label
    assert "1 Jul 2026<br>" in response.text and ">12:30<" in response.text  # UK summer time

    by_reference = analyst.get("/triage?sort=reference")
    assert _refs(by_reference) == sorted(_refs(response))
    received = analyst.get("/triage?sort=received")
    assert _refs(received)[-2:] == ["TRQ-OLD", "TRQ-OLDER"]  # newest first


def test_a_row_shows_area_names_owner_and_counts_of_links_and_duplicates(
    world: World, analyst: Any
) -> None:
    with world.runtime.sessions() as session:
        session.add(Area(level="district", code="E08000035", vintage="2023", name="Leeds"))
        session.add(Area(level="ward", code="E05011111", vintage="2023", name="Armley"))
        council = create_organisation(
            session, name="Lakeside Council", org_type="district_council", actor=SYSTEM
        ).id
        session.commit()
    first = _add(
        world,
        "TRQ-ONE",
        ward_code="E05011111",
        district_code="E08000035",
        assigned_organisation_id=council,
        assigned_team="Community safety",
    )
    second = _add(world, "TRQ-TWO", district_code="E08000035")
    hidden = _add(
        world,
        "TRQ-HIDE",
        handling_code="C",
        owning_organisation_id=council,  # C-coded, another organisation: not for the analyst
    )
    with world.runtime.sessions() as session:
        for report_id in (first, second, hidden):
            session.add(
                EntityMention(
                    report_id=report_id,
                    entity_type="phone",
                    value="+447700900123",
                    value_key="phone:+447700900123",
                    block="phone:+4477009",
                    entity_key="phone:+447700900123",
                    source="text",
                )
            )
        session.add(DuplicateLink(report_a=min(first, second), report_b=max(first, second),
                                  similarity=0.9, reason="same words"))  # fmt: skip
        session.add(DuplicateLink(report_a=min(first, hidden), report_b=max(first, hidden),
                                  similarity=0.9, reason="same words"))  # fmt: skip
        session.commit()
    page = analyst.get("/triage").text
    row = page[page.index(f'id="triage-{first}"') :]
    row = row[: row.index("</tr>")]
    assert 'Armley<br><code class="beacon-inline-code beacon-nowrap">E05011111</code>' in row
    assert "Lakeside Council (Community safety)" in row
    assert "Routed" in row and "Disseminated" in row
    # The hidden report is counted neither as a link nor as a duplicate.
    assert f'<span id="linked-{first}">1 linked</span>' in row
    assert f'<span id="duplicates-{first}">1 duplicate</span>' in row
    assert "TRQ-HIDE" not in page
    assert "Leeds (E08000035)" in page  # the area choice, by name with its code


def test_real_triage_links_show_in_the_queue(world: World, analyst: Any) -> None:
    first = _sanitise(world, PHONE_TEXT)
    _sanitise(world, "Another sighting. Deal line 07700 900123 again by the shops.")
    # Sanitised, not yet disseminated or routed: the owning organisation's supervisor sees it.
    page = world.client("supervisor").get("/triage").text
    row = page[page.index(f'id="triage-{first}"') :]
    assert f'<span id="linked-{first}">1 linked</span>' in row[: row.index("</tr>")]
    assert "No triaged reports match" not in page


def test_the_empty_queue_says_so(world: World, analyst: Any) -> None:
    response = analyst.get("/triage")
    assert response.status_code == 200
    assert "No triaged reports match these filters." in response.text
    assert 'id="unroutable-banner"' not in response.text


# ---------------------------------------------------------------------------------------------
# Filters


@pytest.fixture
def varied(world: World) -> dict[str, str]:
    with world.runtime.sessions() as session:
        other = create_organisation(
            session, name="Other Council", org_type="district_council", actor=SYSTEM
        ).id
        session.commit()
    hub = world.people["analyst"][2].organisation_id
    return {
        "A": _add(world, "TRQ-A", district_code="E08000035", ward_code="E05000001",
                  themes_json='["county_lines", "drugs"]', priority_band="P1",
                  priority_base=90.0, state="graded", assigned_organisation_id=hub,
                  received_on=dt.date(2026, 3, 1), summary="Taxi visits at the flat"),
        "B": _add(world, "TRQ-B", district_code="E08000035", ward_code="E05000002",
                  themes_json='["asb"]', priority_band="P3", priority_base=35.0,
                  route_state="unroutable", received_on=dt.date(2026, 3, 10),
                  narrative="Loud parties with a zebra costume"),
        "C": _add(world, "TRQ-C", district_code="E08000036", themes_json='["drugs"]',
                  priority_band="P2", priority_base=60.0, route_state="fallback",
                  state="disseminated", assigned_organisation_id=other,
                  received_on=dt.date(2026, 4, 2)),
    }  # fmt: skip


FILTERS = [
    ({"q": "trq-b"}, ["TRQ-B"]),  # reference
    ({"q": "taxi VISITS"}, ["TRQ-A"]),  # summary
    ({"q": "zebra"}, ["TRQ-B"]),  # sanitised narrative
    ({"q": "100%"}, []),  # LIKE characters are text
    ({"area": "E08000035"}, ["TRQ-A", "TRQ-B"]),  # district
    ({"area": "e05000002"}, ["TRQ-B"]),  # ward, any case
    ({"area": "any"}, ["TRQ-A", "TRQ-C", "TRQ-B"]),
    ({"theme": "drugs"}, ["TRQ-A", "TRQ-C"]),
    ({"theme": "county_lines"}, ["TRQ-A"]),
    ({"theme": "cuckooing"}, []),
    ({"band": "P2"}, ["TRQ-C"]),
    ({"state": "graded"}, ["TRQ-A"]),
    ({"state": "disseminated"}, ["TRQ-C", "TRQ-B"]),
    ({"route": "unroutable"}, ["TRQ-B"]),
    ({"route": "fallback"}, ["TRQ-C"]),
    ({"mine": "yes"}, ["TRQ-A"]),
    ({"received_from": "2026-03-05"}, ["TRQ-C", "TRQ-B"]),
    ({"received_to": "2026-03-10"}, ["TRQ-A", "TRQ-B"]),
    ({"received_from": "2026-03-02", "received_to": "2026-04-01"}, ["TRQ-B"]),
    ({"theme": "drugs", "band": "P1", "mine": "yes"}, ["TRQ-A"]),
]


@pytest.mark.parametrize(("params", "expected"), FILTERS)
def test_each_filter_narrows_the_list(
    world: World, analyst: Any, varied: dict[str, str], params: dict[str, str], expected: list[str]
) -> None:
    response = analyst.get("/triage", params=params)
    assert response.status_code == 200, response.text
    assert _refs(response) == expected
    if not expected:
        assert "No triaged reports match these filters." in response.text


def test_the_unroutable_banner_links_to_the_filtered_list(
    world: World, analyst: Any, varied: dict[str, str]
) -> None:
    page = analyst.get("/triage").text
    banner = page[page.index('id="unroutable-banner"') :]
    banner = banner[: banner.index("</div>\n</div>")]
    assert "1 report is unroutable" in banner
    assert 'href="/triage?route=unroutable"' in banner


# ---------------------------------------------------------------------------------------------
# Paging and bad values


def test_paging_shows_fifty_a_page_with_totals(world: World, analyst: Any) -> None:
    with world.runtime.sessions() as session:
        hub = world.people["analyst"][2].organisation_id
        for number in range(120):
            report = IntelReport(
                reference=f"TRQ-{number:04d}", channel="partner", state="disseminated",
                owning_organisation_id=hub, received_on=TODAY, state_changed_on=TODAY,
                location_mode="withheld", handling_code="P",
            )  # fmt: skip
            session.add(report)
            session.flush()
            session.add(TriageResult(report_id=report.id, themes_json="[]", theme_source="hints",
                                     priority_base=float(number), priority_band="P4",
                                     route_state="routed"))  # fmt: skip
        session.commit()
    first = analyst.get("/triage")
    assert _refs(first) == [f"TRQ-{n:04d}" for n in range(119, 69, -1)]
    assert "120 reports: 1 to 50 shown" in first.text
    assert "Page 1 of 3" in first.text and 'rel="next"' in first.text
    last = analyst.get("/triage", params={"page": "3"})
    assert _refs(last) == [f"TRQ-{n:04d}" for n in range(19, -1, -1)]
    assert "120 reports: 101 to 120 shown" in last.text and 'rel="next"' not in last.text
    assert 'href="/triage?page=2"' in last.text
    filtered = analyst.get("/triage", params={"q": "TRQ-00", "page": "2"})
    assert "100 reports: 51 to 100 shown" in filtered.text
    assert 'href="/triage?q=TRQ-00&amp;page=1"' in filtered.text
    for page in ("4", "0", "-1", "two", "9" * 40, "1e3"):
        response = analyst.get("/triage", params={"page": page})
        assert response.status_code == 400, page
        assert 'id="page-error"' in response.text, page
        assert not _refs(response)


BAD = [
    ("q", "x" * 201),
    ("area", "Leeds"),
    ("area", "E0800003"),
    ("theme", "no_such_theme"),
    ("band", "P9"),
    ("state", "lost"),
    ("route", "pending-ish"),
    ("mine", "maybe"),
    ("received_from", "2026-02-30"),
    ("received_to", "yesterday"),
    ("received_from", "9" * 30),
    ("sort", "colour"),
]


@pytest.mark.parametrize(("name", "value"), BAD)
def test_a_bad_filter_value_is_named_next_to_its_field(
    world: World, analyst: Any, name: str, value: str
) -> None:
    _add(world, "TRQ-ANY")
    response = analyst.get("/triage", params={name: value})
    assert response.status_code == 400
    assert f'id="{name}-error"' in response.text
    assert f'href="#{name}"' in response.text  # the error summary links to it
    assert "TRQ-ANY" not in response.text
    export = analyst.get("/triage/export.csv", params={name: value})
    assert export.status_code == 400


def test_dates_the_wrong_way_round_are_refused(world: World, analyst: Any) -> None:
    response = analyst.get(
        "/triage", params={"received_from": "2026-05-01", "received_to": "2026-04-01"}
    )
    assert response.status_code == 400
    assert 'id="received_to-error"' in response.text


# ---------------------------------------------------------------------------------------------
# Who sees what


def test_c_coded_reports_of_another_organisation_are_not_listed(world: World, analyst: Any) -> None:
    with world.runtime.sessions() as session:
        other = create_organisation(
            session, name="Other Force", org_type="police_force", actor=SYSTEM
        ).id
        session.commit()
    hub = world.people["analyst"][2].organisation_id
    _add(world, "TRQ-OURS-C", handling_code="C")
    _add(world, "TRQ-THEIRS-P", owning_organisation_id=other)
    _add(world, "TRQ-THEIRS-C", owning_organisation_id=other, handling_code="C")
    _add(world, "TRQ-ROUTED-C", owning_organisation_id=other, handling_code="C",
         assigned_organisation_id=hub)  # fmt: skip
    listed = set(_refs(analyst.get("/triage")))
    assert listed == {"TRQ-OURS-C", "TRQ-THEIRS-P", "TRQ-ROUTED-C"}
    exported = analyst.get("/triage/export.csv").text
    assert "TRQ-THEIRS-C" not in exported and "TRQ-ROUTED-C" in exported
    # A supervisor (intel.disseminate) may see C-coded records of any organisation.
    supervisor = world.client("supervisor")
    assert "TRQ-THEIRS-C" in _refs(supervisor.get("/triage"))


def test_undisseminated_reports_show_to_supervisors_and_the_owner_they_are_routed_to(
    world: World, analyst: Any
) -> None:
    with world.runtime.sessions() as session:
        other = create_organisation(
            session, name="Other Force", org_type="police_force", actor=SYSTEM
        ).id
        session.commit()
    hub = world.people["analyst"][2].organisation_id
    _add(world, "TRQ-WAITING", state="graded")
    _add(world, "TRQ-ROUTED-HERE", state="sanitised", owning_organisation_id=other,
         assigned_organisation_id=hub)  # fmt: skip
    _add(world, "TRQ-RECEIVED", state="received", owning_organisation_id=other,
         assigned_organisation_id=hub)  # fmt: skip
    assert set(_refs(analyst.get("/triage"))) == {"TRQ-ROUTED-HERE"}
    supervisor = set(_refs(world.client("supervisor").get("/triage")))
    assert "TRQ-WAITING" in supervisor


def test_refusals_anonymous_partner_and_admin(world: World) -> None:
    _add(world, "TRQ-SECRET")
    anonymous = world.client(None)
    for path in ("/triage", "/triage/export.csv"):
        response = anonymous.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")
    for who in ("partner", "admin"):
        client = world.client(who)
        for path in ("/triage", "/triage/export.csv"):
            response = client.get(path, follow_redirects=False)
            assert response.status_code == 403, (who, path)
            assert "TRQ-SECRET" not in response.text
        assert 'href="/triage"' not in client.get("/account/password").text
    assert 'href="/triage"' in world.client("analyst").get("/account/password").text
    assert not world.events("triage.queue_viewed")
    assert not world.events("triage.queue_exported")


# ---------------------------------------------------------------------------------------------
# Export and audit


def test_the_export_has_provenance_no_narrative_and_defused_formulas(
    world: World, analyst: Any, varied: dict[str, str]
) -> None:
    _add(world, "TRQ-FORMULA", handling_code="P", handling_conditions="=HYPERLINK(\"x\")",
         themes_json='["drugs"]')  # fmt: skip
    response = analyst.get("/triage/export.csv", params={"theme": "drugs"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment;")
    body = response.content
    assert body.startswith("\ufeff".encode())
    text = body.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    provenance = {line[0]: line[1] for line in lines if line and line[0].startswith("# ")}
    assert provenance["# Page"] == "Triage queue"
    assert provenance["# Filters"] == "theme=drugs"
    assert provenance["# Reports"] == "3"
    assert provenance["# Link"] == "https://testserver/triage?theme=drugs"
    header = next(line for line in lines if line and line[0] == "Reference")
    rows = [dict(zip(header, line, strict=True)) for line in lines[lines.index(header) + 1 :]]
    assert [r["Reference"] for r in rows] == ["TRQ-A", "TRQ-C", "TRQ-FORMULA"]
    assert rows[0]["Themes"] == "County lines; Drugs"
    assert rows[0]["Priority band"] == "P1" and rows[0]["Received"] == "2026-03-01"
    assert rows[0]["Workflow state"] == "Graded" and rows[1]["Route state"] == "Fallback owner"
    assert rows[1]["Owner"] == "Other Council"
    assert rows[2]["Handling conditions"] == '\'=HYPERLINK("x")'
    # No narrative or summary text, whatever the filter matched on.
    for secret in ("Zebedee", "Taxi visits", "zebra", "Summary of"):
        assert secret not in text
    exported = world.events("triage.queue_exported")
    assert len(exported) == 1 and exported[0].action == AuditAction.DISCLOSURE.value
    details = json.loads(exported[0].details_json)
    assert details["filters"] == {"theme": "drugs"}
    assert details["references"] == ["TRQ-A", "TRQ-C", "TRQ-FORMULA"]
    assert exported[0].actor_id == world.people["analyst"][0]


def test_viewing_the_queue_is_audited_with_its_filters(
    world: World, analyst: Any, varied: dict[str, str]
) -> None:
    analyst.get("/triage", params={"theme": "drugs", "sort": "reference", "area": "any"})
    analyst.get("/triage", params={"band": "P9"})  # refused: nothing shown, nothing audited
    viewed = world.events("triage.queue_viewed")
    assert len(viewed) == 1
    event = viewed[0]
    assert event.action == AuditAction.CONSULTATION.value
    assert event.actor_id == world.people["analyst"][0]
    details = json.loads(event.details_json)
    assert details["filters"] == {"theme": "drugs", "sort": "reference"}
    assert details["references"] == ["TRQ-A", "TRQ-C"]
    assert details["total"] == 2 and details["page"] == 1


def test_the_queue_rows_carry_no_free_text() -> None:
    from beacon.triage.web_queue import Row

    assert not {"narrative", "summary", "assessment", "location_text"} & set(
        Row.__dataclass_fields__
    )
