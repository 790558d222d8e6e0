"""Entity pages, the network view and its exports, the ready questions (``triage.web_entities``,
``triage.graph_store``) and ``beacon triage link``. SQLite and, when configured, PostgreSQL.

The data set: four partner reports in two districts. R1 (Leeds), R2 (Bradford) and R4 (Leeds)
are disseminated, so analysts may open them; R3 (Leeds) is only sanitised, so only the
supervisors see it. A phone is in R1, R2 and R3; "14 Mill Lane, Leeds" in R1, R3 and R4, where
R1 has a cuckooing indicator ticked and R4 the cuckooing theme.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

import networkx as nx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from beacon.audit.models import AuditAction
from beacon.geography.models import Area
from beacon.intake.models import IntelIndicator, IntelReport, IntelReportIndicator
from beacon.triage import link_store
from beacon.triage.models import EntityMention, LinkDecision
from triage.test_flow import _sanitise
from triage.test_themes import World, _token
from triage.test_themes import world as world

LEEDS, BRADFORD = "E08000035", "E08000032"
PHONE = "phone:+447700900123"
ADDRESS = "address:14 Mill Lane, Leeds"
TEXTS = {
    "r1": "Lads use a deal line 07700 900123 and a grey Golf AB12 CDE outside 14 Mill Lane, "
    "Leeds. Jordan Reilly runs it.",
    "r2": "A man sells from a flat; his number is 07700 900123 and he drives a Golf AB12 CDF. "
    "Jordan Reily visits.",
    "r3": "Visitors at 14 Mill Lane, Leeds every night; deal line 07700 900123.",
    "r4": "Visitors at 14 Mill Lane, Leeds every night, curtains always closed.",
}
PLACES = {
    "r1": (LEEDS, dt.date(2026, 1, 10), "disseminated"),
    "r2": (BRADFORD, dt.date(2026, 2, 20), "disseminated"),
    "r3": (LEEDS, dt.date(2026, 3, 1), "sanitised"),
    "r4": (LEEDS, dt.date(2026, 3, 15), "disseminated"),
}


@dataclass
class Data:
    world: World
    ids: dict[str, str]
    refs: dict[str, str]


def url(key: str) -> str:
    return "/triage/entities/" + quote(key, safe="")


@pytest.fixture
def data(world: World) -> Data:
    ids = {name: _sanitise(world, text) for name, text in TEXTS.items()}
    refs: dict[str, str] = {}
    with world.runtime.sessions() as session:
        session.add_all(
            [
                Area(level="district", code=LEEDS, vintage="2023", name="Leeds"),
                Area(level="district", code=BRADFORD, vintage="2023", name="Bradford"),
            ]
        )
        for name, (district, received, state) in PLACES.items():
            report = session.get(IntelReport, ids[name])
            assert report is not None
            report.district_code, report.received_on, report.state = district, received, state
            refs[name] = report.reference
        session.get(IntelReport, ids["r4"]).theme = "cuckooing"  # type: ignore[union-attr]
        indicator = session.scalars(
            select(IntelIndicator).where(IntelIndicator.theme == "cuckooing")
        ).first()
        assert indicator is not None
        session.add(IntelReportIndicator(report_id=ids["r1"], indicator_id=indicator.id, weight=3))
        session.commit()
    return Data(world, ids, refs)


def _events(world: World, name: str) -> list[dict[str, object]]:
    return [
        {"action": e.action, "record": e.record_id, "details": json.loads(e.details_json or "{}")}
        for e in world.events(name)
    ]


def _post(client: TestClient, path: str, form: dict[str, str]) -> object:
    return client.post(path, data={"csrf_token": _token(client), **form}, follow_redirects=False)


# ---------------------------------------------------------------------------------------------
# The entity page


def test_entity_page_lists_only_the_reports_the_user_may_view(data: Data) -> None:
    analyst = data.world.client("analyst")
    page = analyst.get(url(PHONE))
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    text = page.text
    for name in ("r1", "r2"):
        assert f'href="/intake/{data.ids[name]}">{data.refs[name]}</a>' in text
    assert data.refs["r3"] not in text and data.ids["r3"] not in text
    assert "1 more report you cannot open." in text
    # Area by name with its code, the mention as written, the month chart's data.
    assert "Leeds (E08000035)" in text and "Bradford (E08000032)" in text
    assert '“07700 900123” <span class="beacon-muted">(narrative)</span>' in text
    assert '"labels": ["Jan 2026", "Feb 2026"]' in text
    events = _events(data.world, "triage.entity_viewed")
    assert events[-1]["action"] == AuditAction.CONSULTATION
    assert events[-1]["record"] == PHONE
    assert events[-1]["details"] == {"reports": [data.ids["r1"], data.ids["r2"]], "hidden": 1}

    supervisor = data.world.client("supervisor").get(url(PHONE)).text
    assert all(data.refs[name] in supervisor for name in ("r1", "r2", "r3"))
    assert "you cannot open" not in supervisor


def test_a_member_key_redirects_to_the_canonical_entity(data: Data) -> None:
    client = data.world.client("analyst")
    with data.world.runtime.sessions() as session:
        canonical = link_store.entity_key_for(session, "person:jordan reily")
    assert canonical == "person:jordan reilly"  # linked by the person-name rule
    moved = client.get(url("person:Jordan Reily"), follow_redirects=False)
    assert moved.status_code == 302
    assert unquote(moved.headers["location"]) == "/triage/entities/person:jordan reilly"
    page = client.get(moved.headers["location"])
    assert page.status_code == 200
    assert "jordan reily" in page.text and "Names alike" in page.text


def test_an_unknown_or_hidden_key_is_not_found(data: Data) -> None:
    client = data.world.client("analyst")
    for key in ("phone:+447700000000", "nonsense", "vehicle:"):
        page = client.get(url(key))
        assert page.status_code == 404, key
        assert "Entity not found" in page.text
    with data.world.runtime.sessions() as session:
        session.get(IntelReport, data.ids["r2"]).state = "sanitised"  # type: ignore[union-attr]
        session.commit()
    # AB12CDF is only in R2, which the analyst may no longer open: the same answer as unknown.
    assert client.get(url("vehicle:AB12CDF")).status_code == 404
    assert data.world.client("supervisor").get(url("vehicle:AB12CDF")).status_code == 200


# ---------------------------------------------------------------------------------------------
# Decisions through the web


def test_confirm_split_and_withdraw_are_audited(data: Data) -> None:
    client = data.world.client("analyst")
    form = {"kind": "confirm", "key_a": "vehicle:AB12CDE", "key_b": "vehicle:AB12CDF",
            "reason": "Cloned plates on one car", "back": "vehicle:AB12CDE"}  # fmt: skip
    done = _post(client, "/triage/entities/links", form)
    assert done.status_code == 303  # type: ignore[attr-defined]
    assert "done=confirm" in done.headers["location"]  # type: ignore[attr-defined]
    with data.world.runtime.sessions() as session:
        keys = {
            m.entity_key
            for m in session.scalars(
                select(EntityMention).where(EntityMention.entity_type == "vehicle")
            )
        }
    assert len(keys) == 1
    page = client.get(done.headers["location"])  # type: ignore[attr-defined]
    assert "Confirmed: the two values are one entity." in page.text
    assert "Cloned plates on one car" in page.text
    (confirmed,) = _events(data.world, "triage.link_confirmed")
    assert confirmed["action"] == AuditAction.COMBINATION

    split = _post(client, "/triage/entities/links", form | {"kind": "split", "reason": "Two cars"})
    assert split.status_code == 303  # type: ignore[attr-defined]
    assert len(_events(data.world, "triage.link_split")) == 1
    with data.world.runtime.sessions() as session:
        current = session.scalars(
            select(LinkDecision).where(LinkDecision.withdrawn_at.is_(None))
        ).one()
        assert current.kind == "split"
        assert link_store.entity_key_for(session, "vehicle:AB12CDF") == "vehicle:AB12CDF"
        decision_id = current.id

    gone = _post(
        client,
        f"/triage/entities/links/{decision_id}/withdraw",
        {"reason": "Entered on the wrong car", "back": "vehicle:AB12CDE"},
    )
    assert gone.status_code == 303  # type: ignore[attr-defined]
    (withdrawn,) = _events(data.world, "triage.link_withdrawn")
    assert withdrawn["details"]["decision"] == decision_id  # type: ignore[index]
    with data.world.runtime.sessions() as session:
        decision = session.get(LinkDecision, decision_id)
        assert decision is not None and decision.withdrawn_at is not None


def test_refused_decisions_show_the_message_at_the_field(data: Data) -> None:
    client = data.world.client("analyst")
    base = {"kind": "confirm", "key_a": "vehicle:AB12CDE", "back": "vehicle:AB12CDE"}
    no_reason = _post(client, "/triage/entities/links", base | {"key_b": "vehicle:AB12CDF"})
    assert no_reason.status_code == 400  # type: ignore[attr-defined]
    assert re.search(r'id="reason-error"[^>]*>.*Say why', no_reason.text)  # type: ignore[attr-defined]
    other_type = _post(client, "/triage/entities/links", base | {"key_b": PHONE, "reason": "Same"})
    assert other_type.status_code == 400  # type: ignore[attr-defined]
    assert 'id="key_b-error"' in other_type.text  # type: ignore[attr-defined]
    assert "one type" in html.unescape(other_type.text)  # type: ignore[attr-defined]
    # AB12CDF's only report is hidden from the analyst: they may not decide about it.
    with data.world.runtime.sessions() as session:
        session.get(IntelReport, data.ids["r2"]).state = "sanitised"  # type: ignore[union-attr]
        session.commit()
    hidden = _post(
        client, "/triage/entities/links", base | {"key_b": "vehicle:AB12CDF", "reason": "Same"}
    )
    assert hidden.status_code == 400  # type: ignore[attr-defined]
    assert "No report you may link mentions vehicle:AB12CDF" in hidden.text  # type: ignore[attr-defined]
    bad_withdraw = _post(
        client, "/triage/entities/links/999/withdraw", {"reason": "x", "back": PHONE}
    )
    assert bad_withdraw.status_code == 400  # type: ignore[attr-defined]
    assert 'id="withdraw-999-error"' not in bad_withdraw.text  # type: ignore[attr-defined]
    assert "No current link decision 999" in bad_withdraw.text  # type: ignore[attr-defined]
    assert not data.world.events("triage.link_confirmed")


@pytest.mark.parametrize("who", ["partner", "admin"])
def test_roles_without_the_permissions_are_refused(data: Data, who: str) -> None:
    client = data.world.client(who)
    for path in (url(PHONE), "/triage/network", "/triage/network.json",
                 "/triage/network.graphml", "/triage/questions",
                 "/triage/questions/vehicle?registration=AB12CDE"):  # fmt: skip
        assert client.get(path, follow_redirects=False).status_code == 403, path
    form = {"kind": "confirm", "key_a": "vehicle:AB12CDE", "key_b": "vehicle:AB12CDF",
            "reason": "Same car"}  # fmt: skip
    assert _post(client, "/triage/entities/links", form).status_code == 403  # type: ignore[attr-defined]
    assert _post(client, "/triage/entities/links/1/withdraw", {"reason": "x"}).status_code == 403  # type: ignore[attr-defined]
    assert not data.world.events("triage.link_confirmed")
    assert not data.world.events("triage.entity_viewed")


def test_anonymous_visitors_are_sent_to_sign_in(data: Data) -> None:
    client = data.world.client(None)
    for path in (url(PHONE), "/triage/network", "/triage/network.json", "/triage/questions"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login")
    token = _token(client, "/login")
    posted = client.post(
        "/triage/entities/links",
        data={
            "csrf_token": token,
            "kind": "confirm",
            "key_a": "vehicle:AB12CDE",
            "key_b": "vehicle:AB12CDF",
            "reason": "x",
        },
        follow_redirects=False,
    )
    assert posted.status_code == 303 and posted.headers["location"].startswith("/login")
    assert not data.world.events("triage.link_confirmed")


def test_posts_need_the_csrf_token(data: Data) -> None:
    client = data.world.client("analyst")
    response = client.post(
        "/triage/entities/links",
        data={
            "kind": "confirm",
            "key_a": "vehicle:AB12CDE",
            "key_b": "vehicle:AB12CDF",
            "reason": "x",
        },
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert not data.world.events("triage.link_confirmed")


# ---------------------------------------------------------------------------------------------
# The network view and its exports


def test_network_json_for_a_district(data: Data) -> None:
    client = data.world.client("analyst")
    response = client.get(f"/triage/network.json?district={BRADFORD}")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    graph = response.json()
    r2 = f"report:{data.ids['r2']}"
    assert [n["id"] for n in graph["nodes"]] == sorted(
        [PHONE, "person:jordan reily", r2, "vehicle:AB12CDF", f"district:{BRADFORD}"]
    )
    assert {(link["source"], link["target"], link["kind"]) for link in graph["links"]} == {
        (PHONE, r2, "mention"),
        ("person:jordan reily", r2, "mention"),
        (r2, "vehicle:AB12CDF", "mention"),
        (f"district:{BRADFORD}", r2, "place"),
    }
    (event,) = _events(data.world, "triage.network_exported")
    assert event["action"] == AuditAction.DISCLOSURE
    assert event["details"] == {
        "format": "json",
        "filters": {"district": BRADFORD},
        "reports": [data.ids["r2"]],
        "nodes": 5,
        "edges": 4,
    }


def test_network_around_an_entity_and_graphml(data: Data) -> None:
    client = data.world.client("analyst")
    around = client.get("/triage/network.json?entity=vehicle:AB12CDE&depth=1").json()
    assert [n["id"] for n in around["nodes"]] == sorted(
        ["vehicle:AB12CDE", f"report:{data.ids['r1']}"]
    )
    two = client.get("/triage/network.json?entity=vehicle:AB12CDE&depth=2").json()
    ids = {n["id"] for n in two["nodes"]}
    # R1's other entities and places; R3 (hidden) is not reached through the phone.
    assert {PHONE, ADDRESS, "person:jordan reilly", f"district:{LEEDS}"} <= ids
    assert f"report:{data.ids['r3']}" not in ids and f"report:{data.ids['r2']}" not in ids
    response = client.get("/triage/network.graphml?entity_type=phone")
    assert response.status_code == 200
    graph = nx.read_graphml(io.BytesIO(response.content))
    reports = {n for n, kind in graph.nodes(data="kind") if kind == "report"}
    assert reports == {f"report:{data.ids[name]}" for name in ("r1", "r2")}
    assert set(graph.adj[PHONE]) == reports
    assert graph.nodes[PHONE]["label"] == "+447700900123"
    assert client.get("/triage/network.json?received_from=yesterday").status_code == 400


def test_network_page_draws_from_a_json_island(data: Data) -> None:
    client = data.world.client("supervisor")
    page = client.get("/triage/network")
    assert page.status_code == 200
    island = re.search(
        r'<script type="application/json" id="network-data">(.*?)</script>', page.text, re.S
    )
    assert island is not None
    drawn = json.loads(html.unescape(island[1]))
    reports = {n["label"] for n in drawn["nodes"] if n["kind"] == "report"}
    assert reports == set(data.refs.values())
    phone = next(n for n in drawn["nodes"] if n["id"] == PHONE)
    assert phone["href"] == url(PHONE)
    assert f"Leeds ({LEEDS})" in {n["label"] for n in drawn["nodes"]}
    assert 'id="top-degree"' in page.text and 'id="network-table"' in page.text
    assert "<script>" not in page.text  # nothing inline (CSP)
    (event,) = _events(data.world, "triage.network_viewed")
    assert event["action"] == AuditAction.CONSULTATION and event["details"]["reports"] == 4  # type: ignore[index]
    unknown = client.get("/triage/network?entity=phone:+440000")
    assert unknown.status_code == 400
    assert "No report you may open in this selection mentions that value" in unknown.text


def test_a_selection_too_big_to_draw_asks_for_a_filter(
    data: Data, monkeypatch: pytest.MonkeyPatch
) -> None:
    from beacon.triage import web_entities

    monkeypatch.setattr(web_entities, "MAX_NODES", 5)
    page = data.world.client("supervisor").get("/triage/network")
    assert 'id="network-too-big"' in page.text and 'id="network-data"' not in page.text
    small = data.world.client("supervisor").get(f"/triage/network?district={BRADFORD}")
    assert 'id="network-data"' in small.text


# ---------------------------------------------------------------------------------------------
# Ready questions and the CLI


def _rows(page: str, table: str) -> list[str]:
    body = re.search(rf'<table[^>]*id="{table}".*?<tbody[^>]*>(.*?)</tbody>', page, re.S)
    assert body is not None
    return [
        " ".join(re.sub(r"<[^>]+>", " ", row).split())
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body[1], re.S)
    ]


def test_ready_questions(data: Data) -> None:
    client = data.world.client("analyst")
    page = client.get("/triage/questions")
    assert page.status_code == 200
    refs = data.refs
    assert _rows(page.text, "deal-lines") == [
        f"+447700900123 Bradford ({BRADFORD}); Leeds ({LEEDS}) {refs['r1']} , {refs['r2']}"
    ]
    assert _rows(page.text, "cuckooing") == [
        f"14 Mill Lane, Leeds 2026-01-10 to 2026-03-15 {refs['r1']} , {refs['r4']} 2"
    ]
    assert f'href="{url(PHONE)}"' in page.text
    assert _events(data.world, "triage.questions_viewed")[-1]["action"] == (
        AuditAction.CONSULTATION
    )
    moved = client.get("/triage/questions/vehicle?registration=ab12 cde", follow_redirects=False)
    assert moved.status_code == 303
    assert unquote(moved.headers["location"]) == "/triage/network?entity=vehicle:AB12CDE&depth=2"
    wrong = client.get("/triage/questions/vehicle?registration=!!")
    assert wrong.status_code == 400 and 'id="registration-error"' in wrong.text


def test_cli_link_relinks_every_mention(data: Data, cli: Any) -> None:
    with data.world.runtime.sessions() as session:
        for mention in session.scalars(select(EntityMention)):
            mention.entity_key = mention.value_key  # as if the links were lost
        session.commit()
    result = cli("triage", "link", "--json")
    counts = json.loads(result.stdout)
    assert counts["reports"] == 4
    assert counts["mentions"] == 10
    assert (counts["values"], counts["entities"]) == (6, 5)  # Jordan Reilly, twice
    assert counts["fuzzy_matches"] == 1 and counts["decisions"] == 0
    with data.world.runtime.sessions() as session:
        assert link_store.entity_key_for(session, "person:jordan reily") == "person:jordan reilly"
    text = cli("triage", "link").stdout
    assert "linked 10 mentions in 4 reports" in text
