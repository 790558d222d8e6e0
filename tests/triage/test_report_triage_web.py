"""Triage on the staff report page (``/intake/{id}``) and its actions (``triage.web_actions``):
highlighted entities (escaped), themes with confidence, the correction form, priority, owner
and routing by hand, linked reports and duplicate decisions; who may do each, and the audit
events. SQLite and, when configured, PostgreSQL.
"""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from beacon.access.policy import Principal
from beacon.auth.models import User
from beacon.auth.service import user_actor
from beacon.intake import service as intake
from beacon.intake.models import IntelReport
from beacon.intake.schemas import Grading
from beacon.triage.models import DuplicateLink, ThemeCorrection, TriageResult
from beacon.triage.service import theme_label
from triage.test_flow import PHONE_TEXT, _org, _rule, _sanitise
from triage.test_themes import World, _token
from triage.test_themes import world as world

HOSTILE = "<script>alert(1)</script>"
DUPLICATE_TEXT = (
    "Every night around 11pm a silver car parks outside the flats on Elm Road and two "
    "teenagers go into the stairwell for five minutes, then the car drives off fast."
)
DECISIONS = ("triage.duplicate_merged", "triage.duplicate_reopened", "triage.duplicate_dismissed")


def _published(world: World, narrative: str, *, code: str = "P", **changes: object) -> str:
    """A partner's report, sanitised, triaged, graded and disseminated (analysts see it)."""
    grading = Grading(
        source_evaluation="2",
        intelligence_assessment="B",
        handling_code=code,
        handling_conditions="Police only" if code == "C" else None,
    )
    report_id = _sanitise(world, narrative, grading=grading, **changes)
    _, _, principal, actor = world.people["supervisor"]
    with world.runtime.sessions() as session:
        report = session.get(IntelReport, report_id)
        assert report is not None
        intake.grade(
            session, report=report, principal=principal, actor=actor, grading=grading, theme=None
        )
        intake.disseminate(session, report=report, principal=principal, actor=actor)
        session.commit()
    return report_id


def _outsider(world: World) -> None:
    """An analyst of another organisation, signed in as "outsider"."""
    org = _org(world, "Lakeside Council")
    with world.runtime.sessions() as session:
        user = session.scalars(select(User).where(User.organisation_id == org)).one()
        world.people["outsider"] = (
            user.id,
            user.email,
            Principal.for_user(user.id, org, ("analyst",)),
            user_actor(user),
        )


def _post(client: TestClient, report_id: str, path: str, data: dict[str, object]) -> object:
    token = _token(client, f"/intake/{report_id}")
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def _page(client: TestClient, report_id: str) -> str:
    response = client.get(f"/intake/{report_id}")
    assert response.status_code == 200, response.text
    return response.text


# ---------------------------------------------------------------------------------------------
# The page


def test_entities_are_highlighted_and_every_piece_of_text_is_escaped(world: World) -> None:
    narrative = (
        f"{HOSTILE} said call 07700 900123 now.\nThe grey Golf AB12 CDE waits <b>outside</b>."
    )
    report_id = _published(world, narrative)
    html = _page(world.client("analyst"), report_id)
    body = html[html.index('id="narrative"') :]
    body = body[: body.index("</div>")]
    assert HOSTILE not in html and "<b>outside</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; said call " in body
    assert "waits &lt;b&gt;outside&lt;/b&gt;." in body
    phone = re.search(r'<mark class="entity entity-phone"[^>]*>(.*?)</mark>', body)
    assert phone is not None
    assert 'href="/triage/entities/phone:%2B447700900123"' in phone[1]
    assert phone[1].endswith(">07700 900123</a>")
    vehicle = re.search(r'<mark class="entity entity-vehicle"[^>]*>(.*?)</mark>', body)
    assert vehicle is not None and vehicle[1].endswith(">AB12 CDE</a>")
    assert "now.<br>" in body  # the line break is kept between the pieces
    # The entities table lists the normalised values.
    assert '<code class="beacon-inline-code">+447700900123</code>' in html


def test_themes_priority_and_an_unroutable_owner_are_shown(world: World) -> None:
    report_id = _published(world, PHONE_TEXT, theme="county_lines")
    html = _page(world.client("supervisor"), report_id)
    with world.runtime.sessions() as session:
        result = session.get(TriageResult, report_id)
        assert result is not None
        components = json.loads(result.priority_json)["components"]
        selected = [theme_label(session, t) for t in result.themes]
    assert "reporter's hint and indicators only: no classifier model is built; run <code" in html
    assert "beacon triage retrain" in html
    themes = html[html.index('id="triage-themes"') :]
    themes = themes[: themes.index("</ul>")]
    for label in selected:
        assert f'<strong class="govuk-tag govuk-tag--blue">{label}</strong>' in themes
    if not selected:  # a partner's report without hints or indicators: nothing to go on
        assert "No theme" in themes
    table = html[html.index('id="triage-components"') :]
    table = table[: table.index("</table>")]
    assert table.count('<tr class="govuk-table__row">') == len(components) + 1
    for c in components:
        assert f"{c['value']}/{c['max']}" in table
    assert 'id="triage-unroutable"' in html
    assert 'id="triage-route-form"' in html  # the owning organisation's supervisor may route
    # An analyst sees the triage but not the route form; the history reads in words.
    analyst = _page(world.client("analyst"), report_id)
    assert 'id="triage-themes"' in analyst and 'id="triage-route-form"' not in analyst
    assert "Triaged: themes, priority and owner worked out" in analyst
    assert "Could not be routed: supervisors and administrators told" in analyst


def test_the_report_s_own_partner_sees_no_triage(world: World) -> None:
    report_id = _published(world, PHONE_TEXT)
    html = _page(world.client("partner"), report_id)
    assert 'id="triage"' not in html and "entity-phone" not in html
    assert "07700 900123" in html


# ---------------------------------------------------------------------------------------------
# Theme corrections


def test_an_analyst_corrects_the_themes_and_the_owner_follows(world: World) -> None:
    council = _org(world, "Lakeside Council")
    team = _org(world, "Exploitation Team")
    _rule(world, position=1, area_level="any", area_code=None, theme_key=None,
          owner_organisation_id=council, team=None, fallback=True)  # fmt: skip
    _rule(world, position=2, area_level="any", area_code=None, theme_key="cuckooing",
          owner_organisation_id=team, team="Exploitation", fallback=False)  # fmt: skip
    report_id = _published(world, PHONE_TEXT)
    client = world.client("analyst")
    response = _post(
        client, report_id, f"/triage/{report_id}/themes", {"themes": ["cuckooing", "drugs"]}
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/intake/{report_id}?done=themes#triage"
    with world.runtime.sessions() as session:
        result = session.get(TriageResult, report_id)
        report = session.get(IntelReport, report_id)
        assert result is not None and report is not None
        assert result.themes == ("cuckooing", "drugs") and result.theme_source == "analyst"
        assert report.assigned_organisation_id == team and report.theme == "cuckooing"
        correction = session.scalars(select(ThemeCorrection)).one()
        assert correction.corrected_by_user_id == world.people["analyst"][0]
    event = world.events("triage.themes_corrected")[-1]
    assert event.actor_label == "analyst@hub.example" and event.record_id == report_id
    html = client.get(f"/intake/{report_id}?done=themes").text
    assert "The themes were corrected" in html
    assert "corrected by an analyst (Analyst, " in html
    assert "Themes corrected" in html and "Now: Cuckooing, Drugs" in html
    assert re.search(r'value="cuckooing" checked', html)


def test_theme_corrections_are_refused_at_the_field(world: World) -> None:
    report_id = _published(world, PHONE_TEXT)
    client = world.client("analyst")
    too_many = ["drugs", "asb", "cce", "cse", "other", "cuckooing"]
    for themes, message in (
        ([], "Choose at least one theme"),
        (too_many, "Choose at most 5 themes"),
        (["nonsense"], "Not an active theme: nonsense"),
    ):
        response = _post(client, report_id, f"/triage/{report_id}/themes", {"themes": themes})
        assert response.status_code == 400
        assert 'id="themes-error"' in response.text and message in response.text
    assert world.events("triage.themes_corrected") == []


def test_theme_corrections_are_denied_without_the_permission(world: World) -> None:
    report_id = _published(world, PHONE_TEXT, code="C")
    _outsider(world)
    anonymous = world.client(None)
    response = anonymous.post(f"/triage/{report_id}/themes", data={"themes": ["drugs"]},
                              follow_redirects=False)  # fmt: skip
    assert response.status_code in (303, 403)
    partner = world.client("partner")  # the report's own submitter: no intel.link
    token = _token(partner, "/account/password")
    response = partner.post(f"/triage/{report_id}/themes",
                            data={"themes": ["drugs"], "csrf_token": token})  # fmt: skip
    assert response.status_code == 403
    outsider = world.client("outsider")  # C-coded, another organisation: not found
    token = _token(outsider, "/account/password")
    response = outsider.post(f"/triage/{report_id}/themes",
                             data={"themes": ["drugs"], "csrf_token": token})  # fmt: skip
    assert response.status_code == 404
    assert world.events("triage.themes_corrected") == []


def test_anonymous_is_sent_to_sign_in(world: World) -> None:
    report_id = _published(world, PHONE_TEXT)
    client = world.client(None)
    for path in (f"/triage/{report_id}/themes", f"/triage/{report_id}/route",
                 "/triage/duplicates/1/merge"):  # fmt: skip
        response = client.post(path, data={}, follow_redirects=False)
        assert response.status_code in (303, 403), path
        if response.status_code == 303:
            assert response.headers["location"].startswith("/login")


# ---------------------------------------------------------------------------------------------
# Route by hand


def test_a_supervisor_routes_by_hand_and_an_analyst_may_not(world: World) -> None:
    council = _org(world, "Lakeside Council")
    report_id = _published(world, PHONE_TEXT)
    supervisor = world.client("supervisor")
    response = _post(supervisor, report_id, f"/triage/{report_id}/route",
                     {"organisation": str(council), "team": "ASB team", "reason": ""})  # fmt: skip
    assert response.status_code == 400 and 'id="route_reason-error"' in response.text
    response = _post(supervisor, report_id, f"/triage/{report_id}/route",
                     {"organisation": "", "reason": "Council case"})  # fmt: skip
    assert response.status_code == 400 and 'id="route_organisation-error"' in response.text
    response = _post(supervisor, report_id, f"/triage/{report_id}/route",
                     {"organisation": str(council), "team": "ASB team",
                      "reason": "Council case officer"})  # fmt: skip
    assert response.status_code == 303
    with world.runtime.sessions() as session:
        report = session.get(IntelReport, report_id)
        result = session.get(TriageResult, report_id)
        assert report is not None and result is not None
        assert (report.assigned_organisation_id, report.assigned_team) == (council, "ASB team")
        assert result.route_state == "routed"
    event = world.events("intel.routed_by_hand")[-1]
    assert event.justification == "Council case officer"
    html = supervisor.get(f"/intake/{report_id}?done=routed").text
    assert 'id="triage-owner-organisation">Lakeside Council<' in html
    assert "routed by hand: Council case officer" in html and "Routed by hand" in html

    analyst = world.client("analyst")
    token = _token(analyst, f"/intake/{report_id}")
    response = analyst.post(f"/triage/{report_id}/route",
                            data={"organisation": str(council), "reason": "x",
                                  "csrf_token": token})  # fmt: skip
    assert response.status_code == 403
    assert len(world.events("intel.routed_by_hand")) == 1


# ---------------------------------------------------------------------------------------------
# Linked reports and duplicates


def _pair(world: World, code: str = "P") -> tuple[str, str, int]:
    """Two reports and a suggested pair (stored as the duplicate finder stores one: the finder
    itself is tested in test_duplicates and test_flow)."""
    first = _published(world, DUPLICATE_TEXT, code=code)
    second = _published(world, DUPLICATE_TEXT.replace("Every night", "Most nights"), code=code)
    with world.runtime.sessions() as session:
        a, b = sorted((first, second))
        pair = DuplicateLink(report_a=a, report_b=b, similarity=0.91,
                             reason="text similarity 0.91; received on the same day")  # fmt: skip
        session.add(pair)
        session.commit()
        return first, second, pair.id


def test_merge_dismiss_and_undo_a_duplicate_pair(world: World) -> None:
    first, second, pair_id = _pair(world)
    client = world.client("analyst")
    html = _page(client, second)
    with world.runtime.sessions() as session:
        first_ref = session.get(IntelReport, first).reference  # type: ignore[union-attr]
    assert f"Merge (this is a duplicate of {first_ref})" in html
    response = _post(client, second, f"/triage/duplicates/{pair_id}/merge",
                     {"report": second, "primary": first})  # fmt: skip
    assert response.status_code == 303
    assert response.headers["location"] == f"/intake/{second}?done=merged#triage-duplicates"
    with world.runtime.sessions() as session:
        pair = session.get(DuplicateLink, pair_id)
        assert pair is not None and pair.state == "merged" and pair.primary_id == first
        assert pair.decided_by_user_id == world.people["analyst"][0] and pair.decided_at
        both = [session.get(IntelReport, r) for r in (first, second)]
        assert all(r is not None and r.state == "disseminated" and not r.erased for r in both)
    html = _page(client, second)
    assert 'id="duplicate-of"' in html and f">{first_ref}</a>" in html
    assert "Marked as a duplicate" in html and "This report is the duplicate" in html
    assert "Marked as a duplicate" in _page(client, first)  # on both histories
    # Merging again is a conflict, shown at the pair.
    response = _post(client, second, f"/triage/duplicates/{pair_id}/merge",
                     {"report": second, "primary": first})  # fmt: skip
    assert response.status_code == 409 and f'id="duplicate-{pair_id}-error"' in response.text
    assert _post(client, second, f"/triage/duplicates/{pair_id}/undo",
                 {"report": second}).status_code == 303  # type: ignore[attr-defined]  # fmt: skip
    with world.runtime.sessions() as session:
        pair = session.get(DuplicateLink, pair_id)
        assert pair is not None and (pair.state, pair.primary_id) == ("suggested", None)
    assert _post(client, first, f"/triage/duplicates/{pair_id}/dismiss",
                 {"report": first}).status_code == 303  # type: ignore[attr-defined]  # fmt: skip
    with world.runtime.sessions() as session:
        pair = session.get(DuplicateLink, pair_id)
        assert pair is not None and pair.state == "dismissed"
    events = [
        (e.event, e.record_type, e.record_id, e.actor_label)
        for name in DECISIONS
        for e in world.events(name)
    ]
    assert events == [
        ("triage.duplicate_merged", "triage_duplicate", str(pair_id), "analyst@hub.example"),
        ("triage.duplicate_reopened", "triage_duplicate", str(pair_id), "analyst@hub.example"),
        ("triage.duplicate_dismissed", "triage_duplicate", str(pair_id), "analyst@hub.example"),
    ]
    details = json.loads(world.events("triage.duplicate_merged")[0].details_json)
    assert (details["primary"], details["duplicate"]) == (first, second)


def test_duplicate_decisions_are_denied_to_others(world: World) -> None:
    first, second, pair_id = _pair(world, code="C")
    _outsider(world)
    path = f"/triage/duplicates/{pair_id}/merge"
    data = {"report": second, "primary": first}
    outsider = world.client("outsider")
    token = _token(outsider, "/account/password")
    assert outsider.post(path, data={**data, "csrf_token": token}).status_code == 404
    partner = world.client("partner")
    token = _token(partner, "/account/password")
    assert partner.post(path, data={**data, "csrf_token": token}).status_code == 403
    anonymous = world.client(None)
    response = anonymous.post(path, data=data, follow_redirects=False)
    assert response.status_code in (303, 403)
    # A report that is not one of the pair cannot be used to reach it.
    analyst = world.client("analyst")
    third = _published(world, PHONE_TEXT)
    response = _post(analyst, third, path, {"report": third, "primary": first})
    assert response.status_code == 404  # type: ignore[attr-defined]
    with world.runtime.sessions() as session:
        pair = session.get(DuplicateLink, pair_id)
        assert pair is not None and pair.state == "suggested"
    assert world.events("triage.duplicate_merged") == []


def test_linked_reports_list_only_those_the_user_may_open(world: World) -> None:
    shown = _published(world, PHONE_TEXT)
    hidden = _sanitise(world, PHONE_TEXT.replace("Jordan Reilly", "someone"))  # not disseminated
    third = _published(world, "Call 07700 900123 for anything, they said.")
    with world.runtime.sessions() as session:
        refs = {r: session.get(IntelReport, r).reference for r in (shown, hidden)}  # type: ignore[union-attr]
    html = _page(world.client("analyst"), third)
    section = html[html.index('id="triage-linked"') :]
    section = section[: section.index("</section>")]
    assert f">{refs[shown]}</a>" in section
    assert refs[hidden] not in html
    assert "1 more you cannot open." in section
    assert 'href="/triage/entities/phone:%2B447700900123">+447700900123</a>' in section
    # The owning organisation's supervisor may open both.
    html = _page(world.client("supervisor"), third)
    section = html[html.index('id="triage-linked"') :]
    section = section[: section.index("</section>")]
    assert f">{refs[shown]}</a>" in section and f">{refs[hidden]}</a>" in section
    assert "cannot open" not in section
    assert len(world.events("intel.report_viewed")) >= 2  # every view is audited
