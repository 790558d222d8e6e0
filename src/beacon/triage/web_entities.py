"""Entity pages, the network view and its exports, and the analysts' ready questions (HTML).

* ``GET /triage/entities/{value_key}`` (``intel.read``): one entity, addressed by any member's
  value key (redirected, 302, to its canonical key): its spellings, why they are linked, the
  reports mentioning it that the principal may view (the others only counted), a map and a
  timeline. Audited as CONSULTATION ``triage.entity_viewed``; 404 when no report the
  principal may view mentions it (the same answer as an unknown key, so keys leak nothing).
* ``POST /triage/entities/links`` and ``POST /triage/entities/links/{id}/withdraw``
  (``intel.link``, CSRF): confirm or split two value keys, or withdraw such a decision; the
  principal must be allowed to link (``Action.LINK``) a report mentioning each key. Audited by
  ``link_store``; a refused decision re-shows the entity page with the message at its field
  (400).
* ``GET /triage/network`` (``intel.read``): reports, entities and places of a selection as an
  interactive graph (``static/network.js``, Cytoscape) with a table alternative, components,
  communities and the most central nodes. CONSULTATION ``triage.network_viewed``.
* ``GET /triage/network.graphml`` and ``/triage/network.json`` (``intel.read``): the same
  selection as a file; DISCLOSURE ``triage.network_exported``.
* ``GET /triage/questions`` (``intel.read``): possible deal lines (phones in reports from
  several districts) and addresses with repeated cuckooing reports; CONSULTATION
  ``triage.questions_viewed``. ``GET /triage/questions/vehicle`` sends a registration to the
  network view around it.

Every report shown is one ``intake.service.visible_decision`` allows the principal to VIEW.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.access.policy import Action
from beacon.audit.models import AuditAction
from beacon.audit.service import record_event
from beacon.auth.csrf import require_csrf
from beacon.auth.deps import Principal, require_permission
from beacon.auth.permissions import Permission
from beacon.geography.models import Area
from beacon.intake.models import IntelReport
from beacon.intake.service import visible_decision
from beacon.triage import graph_store, link_store, linking
from beacon.triage.entities import ENTITY_TYPES, normalise_vehicle
from beacon.triage.models import LinkDecision
from beacon.triage.service import catalogue
from beacon.web.deps import get_session
from beacon.web.templating import render

router = APIRouter(include_in_schema=False, max_body_size=64 * 1024)

READ = Depends(require_permission(Permission.INTEL_READ))
LINK = Depends(require_permission(Permission.INTEL_LINK))
CSRF = [Depends(require_csrf)]
Field = Annotated[str, Form()]
NO_STORE = {"Cache-Control": "no-store"}
LONDON = ZoneInfo("Europe/London")
RECORD_TYPE = link_store.RECORD_TYPE
MAX_NODES = 2000  # above this the graph is not drawn: a narrower filter is asked for
TOP = 10
MAX_DEPTH = 4
MAX_MONTHS = 120
PARTS = {
    "summary": "Summary",
    "narrative": "Narrative",
    "assessment": "Assessment",
    "location_text": "Location",
    None: "Structured subject",
}
TYPE_LABELS = {
    "phone": "Phone number",
    "vehicle": "Vehicle",
    "postcode": "Postcode",
    "email": "E-mail address",
    "handle": "Online handle",
    "address": "Address",
    "nickname": "Nickname",
    "person": "Person",
}
RULE_LABELS = {
    "person-name": "Names alike",
    "nickname-compact": "Same nickname written differently",
    "nickname-name": "Nicknames alike",
    "address-fuzzy": "Addresses alike",
    "address-town-missing": "Same address, one without its town",
    "confirmed": "Confirmed by an analyst",
}


# ---------------------------------------------------------------------------------------------
# Shared helpers


def entity_url(key: str) -> str:
    return "/triage/entities/" + quote(key, safe="")


def _may(principal: Principal, action: Action) -> Any:
    access = principal.access()
    return lambda report: visible_decision(access, report, action).allowed


def area_names(db: Session, codes: set[str]) -> dict[str, str]:
    """code -> name of the loaded areas (the newest vintage's name)."""
    names: dict[str, str] = {}
    listed = sorted(c for c in codes if c)
    if not listed:
        return names
    for code, name, _ in db.execute(
        select(Area.code, Area.name, Area.vintage)
        .where(Area.code.in_(listed))
        .order_by(Area.vintage)
    ):
        if name:
            names[code] = name
    return names


def place_label(names: dict[str, str], code: str | None) -> str:
    if not code:
        return ""
    name = names.get(code)
    return f"{name} ({code})" if name else code


def _london(value: dt.datetime | None) -> str:
    if value is None:
        return "–"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    local = value.astimezone(LONDON)
    return f"{local.day} {local:%b %Y %H:%M}"


def _audit(db: Session, principal: Principal, action: AuditAction, event: str, **kw: Any) -> None:
    db.commit()  # end the reading transaction before writing (SQLite: see intake's end_reads)
    record_event(db, action=action, event=event, actor=principal.actor(), **kw)
    db.commit()


def _not_found(request: Request, key: str) -> HTMLResponse:
    return render(
        request,
        "error.html",
        {
            "status_code": 404,
            "title": "Entity not found",
            "message": f"No report you may open mentions {key[:120]!r}. Check the value, or look "
            "for it in the network view.",
        },
        status_code=404,
        headers=NO_STORE,
    )


# ---------------------------------------------------------------------------------------------
# The entity page


def _timeline(dates: list[dt.date]) -> dict[str, Any]:
    """Reports per month from the first to the last, as a workspace chart spec and rows."""
    if not dates:
        return {"rows": [], "spec": None}
    counts = Counter((d.year, d.month) for d in dates)
    first, last = min(counts), max(counts)
    months: list[tuple[int, int]] = []
    year, month = first
    while (year, month) <= last and len(months) < MAX_MONTHS:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    labels = [dt.date(y, m, 1).strftime("%b %Y") for y, m in months]
    values = [counts.get(m, 0) for m in months]
    spec = {
        "kind": "bar",
        "labels": labels,
        "x": {"label": "Month received"},
        "y": {"label": "Reports", "format": "integer", "min": 0},
        "series": [{"label": "Reports", "type": "bar", "data": values}],
    }
    rows = [(label, value) for label, value in zip(labels, values, strict=True) if value]
    return {"rows": rows, "spec": spec}


def _entity_context(db: Session, principal: Principal, entity_key: str) -> dict[str, Any] | None:
    mentions = link_store.entity_mentions(db, entity_key)
    if not mentions:
        return None
    report_ids = sorted({m.report_id for m in mentions})
    reports = {
        r.id: r for r in db.scalars(select(IntelReport).where(IntelReport.id.in_(report_ids)))
    }
    may_view = _may(principal, Action.VIEW)
    viewable = {rid: r for rid, r in reports.items() if may_view(r)}
    if not viewable:
        return None
    shown = [m for m in mentions if m.report_id in viewable]
    members: dict[str, dict[str, Any]] = {}
    for m in shown:
        member = members.setdefault(
            m.value_key, {"key": m.value_key, "value": m.value, "count": 0, "reports": set()}
        )
        member["count"] += 1
        member["reports"].add(m.report_id)
    hidden_members = len({m.value_key for m in mentions} - set(members))
    shown_keys = set(members)
    matches = [
        {"rule": RULE_LABELS.get(x.rule, x.rule), "score": x.score, "a": x.key_a, "b": x.key_b}
        for x in link_store.entity_matches(db, entity_key)
        if x.key_a in shown_keys and x.key_b in shown_keys
    ]
    decisions = [
        {
            "id": d.id,
            "kind": d.kind,
            "a": d.key_a,
            "b": d.key_b,
            "reason": d.reason,
            "at": _london(d.decided_at),
        }
        for d in link_store.decisions_about(db, shown_keys)
        if d.key_a in shown_keys or d.key_b in shown_keys
    ]
    themes = graph_store.report_themes(db, viewable.values())
    names = area_names(db, {r.district_code or "" for r in viewable.values()})
    labels = catalogue(db)
    by_report: dict[str, list[Any]] = defaultdict(list)
    for m in shown:
        by_report[m.report_id].append(m)
    rows = []
    points = []
    for report in sorted(viewable.values(), key=lambda r: (r.received_on, r.reference)):
        rows.append(
            {
                "report": report,
                "themes": [labels.label(t) for t in themes.get(report.id, ())],
                "area": place_label(names, report.district_code),
                "mentions": [
                    {"part": PARTS.get(m.part, m.part or ""), "text": m.text}
                    for m in by_report[report.id]
                ],
            }
        )
        if report.latitude is not None and report.longitude is not None:
            points.append(
                {
                    "lat": round(report.latitude, 5),
                    "lng": round(report.longitude, 5),
                    "label": f"{report.reference}, received {report.received_on.isoformat()}",
                    "href": f"/intake/{report.id}",
                }
            )
    canonical = next((m for m in mentions if m.value_key == entity_key), mentions[0])
    return {
        "entity_key": entity_key,
        "entity_type": canonical.entity_type,
        "type_label": TYPE_LABELS.get(canonical.entity_type, canonical.entity_type),
        "value": canonical.value,
        "members": sorted(members.values(), key=lambda m: (-m["count"], m["key"])),
        "hidden_members": hidden_members,
        "matches": matches,
        "decisions": decisions,
        "rows": rows,
        "hidden": len(reports) - len(viewable),
        "points": points,
        "timeline": _timeline([r.received_on for r in viewable.values()]),
        "can_link": principal.can(Permission.INTEL_LINK),
        "network_url": "/triage/network?" + urlencode({"entity": entity_key, "depth": 2}),
        "nav": "triage",
    }


def _entity_page(
    request: Request,
    db: Session,
    principal: Principal,
    entity_key: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = _entity_context(db, principal, entity_key)
    if context is None:
        return _not_found(request, entity_key)
    _audit(
        db,
        principal,
        AuditAction.CONSULTATION,
        "triage.entity_viewed",
        record_type=RECORD_TYPE,
        record_id=entity_key,
        details={
            "reports": [row["report"].id for row in context["rows"]],
            "hidden": context["hidden"],
        },
    )
    notices = {
        "confirm": "Confirmed: the two values are one entity.",
        "split": "Split: the two values are kept apart.",
        "withdrawn": "Withdrawn: the matching rules decide again.",
    }
    context |= {
        "errors": errors or {},
        "values": values or {},
        "notice": notices.get(done or ""),
    }
    return render(request, "triage/entity.html", context, status_code=status_code, headers=NO_STORE)


@router.get("/triage/entities/{value_key:path}", response_class=HTMLResponse)
def entity_page(
    request: Request,
    value_key: str,
    done: str | None = None,
    principal: Principal = READ,
    db: Session = Depends(get_session),
) -> Response:
    key = value_key[:400]
    canonical = link_store.entity_key_for(db, key)
    if canonical is None:
        return _not_found(request, key)
    if canonical != key:
        suffix = "?" + urlencode({"done": done}) if done else ""
        return RedirectResponse(entity_url(canonical) + suffix, status_code=302)
    return _entity_page(request, db, principal, canonical, done=done)


def _field_for(message: str) -> str:
    return "reason" if "why" in message or "reason" in message else "key_b"


def _check_linkable(db: Session, principal: Principal, keys: tuple[str, ...]) -> str | None:
    """Why the principal may not decide about these keys (None when they may)."""
    may_link = _may(principal, Action.LINK)
    mentioned = graph_store.reports_mentioning(db, keys)
    for key in keys:
        ids = sorted(mentioned.get(key, ()))
        found = list(db.scalars(select(IntelReport).where(IntelReport.id.in_(ids))))
        if not any(may_link(report) for report in found):
            return f"no report you may link mentions {key}"
    return None


def _back(db: Session, back: str) -> str | None:
    return link_store.entity_key_for(db, back[:400]) if back else None


@router.post("/triage/entities/links", response_class=HTMLResponse, dependencies=CSRF)
def decide_link(
    request: Request,
    kind: Field = "",
    key_a: Field = "",
    key_b: Field = "",
    reason: Field = "",
    back: Field = "",
    principal: Principal = LINK,
    db: Session = Depends(get_session),
) -> Response:
    values = {"kind": kind, "key_a": key_a, "key_b": key_b, "reason": reason}
    page = _back(db, back) or link_store.entity_key_for(db, key_a[:400])
    error: str | None = None
    if kind not in ("confirm", "split"):
        error = "Choose whether the two values are one entity or not"
        field = "kind"
    else:
        try:
            checked = linking.Decision(kind, key_a.strip(), key_b.strip())  # type: ignore[arg-type]
        except ValueError as problem:
            error, field = str(problem), "key_b"
        else:
            error = _check_linkable(db, principal, (checked.a, checked.b))
            field = "key_b"
    if error is None:
        try:
            link_store.decide(
                db,
                kind=kind,
                key_a=key_a.strip(),
                key_b=key_b.strip(),
                reason=reason,
                actor=principal.actor(),
                user_id=principal.user.id if principal.user else None,
            )
        except link_store.LinkError as problem:
            db.rollback()
            error, field = str(problem), _field_for(str(problem))
        else:
            db.commit()
            target = link_store.entity_key_for(db, checked.a) or page or checked.a
            return RedirectResponse(
                entity_url(target) + "?" + urlencode({"done": kind}), status_code=303
            )
    return _refused(request, db, principal, page, {field: _capitalised(error)}, values)


def _capitalised(message: str) -> str:
    return message[:1].upper() + message[1:]


def _refused(
    request: Request,
    db: Session,
    principal: Principal,
    page: str | None,
    errors: dict[str, str],
    values: dict[str, str],
) -> HTMLResponse:
    if page is None:
        return render(
            request,
            "error.html",
            {"status_code": 400, "title": "Not saved", "message": next(iter(errors.values()))},
            status_code=400,
            headers=NO_STORE,
        )
    return _entity_page(request, db, principal, page, errors=errors, values=values, status_code=400)


@router.post(
    "/triage/entities/links/{decision_id}/withdraw",
    response_class=HTMLResponse,
    dependencies=CSRF,
)
def withdraw_link(
    request: Request,
    decision_id: int,
    reason: Field = "",
    back: Field = "",
    principal: Principal = LINK,
    db: Session = Depends(get_session),
) -> Response:
    decision = db.get(LinkDecision, decision_id)
    page = _back(db, back) or (link_store.entity_key_for(db, decision.key_a) if decision else None)
    field = f"withdraw-{decision_id}"
    values = {field: reason}
    error = (
        _check_linkable(db, principal, (decision.key_a, decision.key_b))
        if decision is not None
        else f"no current link decision {decision_id}"
    )
    if error is None:
        try:
            link_store.withdraw(db, decision_id=decision_id, actor=principal.actor(), reason=reason)
        except link_store.LinkError as problem:
            db.rollback()
            error = str(problem)
        else:
            db.commit()
            assert decision is not None
            target = _back(db, back) or link_store.entity_key_for(db, decision.key_a)
            return RedirectResponse(
                entity_url(target or decision.key_a) + "?" + urlencode({"done": "withdrawn"}),
                status_code=303,
            )
    return _refused(request, db, principal, page, {field: _capitalised(error)}, values)


# ---------------------------------------------------------------------------------------------
# The network view and its exports


def _date(text: str, name: str, errors: dict[str, str]) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        errors[name] = "Enter a date as YYYY-MM-DD, for example 2026-03-31"
        return None


def _filters(
    db: Session, request: Request
) -> tuple[graph_store.Scope, str | None, int, dict[str, str], dict[str, str]]:
    """The selection from the query string: scope, entity to centre on, depth, the values as
    given and errors by field."""
    params = request.query_params
    values = {
        name: (params.get(name) or "").strip()[:400]
        for name in ("entity_type", "district", "theme", "received_from", "received_to", "entity")
    }
    values["depth"] = (params.get("depth") or "2").strip()[:2]
    errors: dict[str, str] = {}
    entity_type = values["entity_type"] or None
    if entity_type is not None and entity_type not in ENTITY_TYPES:
        errors["entity_type"] = "Choose an entity type from the list"
        entity_type = None
    start = _date(values["received_from"], "received_from", errors)
    end = _date(values["received_to"], "received_to", errors)
    if start and end and end < start:
        errors["received_to"] = "The end date must be on or after the start date"
    depth = int(values["depth"]) if values["depth"].isdigit() else 0
    if not 1 <= depth <= MAX_DEPTH:
        errors["depth"] = f"Choose a depth from 1 to {MAX_DEPTH}"
        depth = 2
    entity = values["entity"] or None
    if entity is not None:
        kind, sep, value = entity.partition(":")
        if not sep or kind not in ENTITY_TYPES or not value.strip():
            errors["entity"] = "Enter a value key such as phone:+447700900123"
            entity = None
    scope = graph_store.Scope(
        entity_type=entity_type,
        district=values["district"] or None,
        theme=values["theme"] or None,
        received_from=start,
        received_to=end,
    )
    return scope, entity, depth, values, errors


def _selection(
    db: Session, principal: Principal, request: Request
) -> tuple[graph_store.ScopedNetwork, Any, str | None, dict[str, str], dict[str, str]]:
    scope, entity, depth, values, errors = _filters(db, request)
    scoped = graph_store.resolution_for(db, scope, may_view=_may(principal, Action.VIEW))
    try:
        graph, start = graph_store.graph_of(scoped, around=entity, depth=depth)
    except KeyError:
        errors["entity"] = "No report you may open in this selection mentions that value"
        graph, start = graph_store.graph_of(scoped)
        graph = graph.subgraph(()).copy()
    return scoped, graph, start, values, errors


def _filters_in_audit(values: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in values.items() if v and not (k == "depth" and not values["entity"])}


@router.get("/triage/network", response_class=HTMLResponse)
def network_page(
    request: Request, principal: Principal = READ, db: Session = Depends(get_session)
) -> HTMLResponse:
    scoped, graph, start, values, errors = _selection(db, principal, request)
    districts = sorted({r.district_code for r in scoped.reports.values() if r.district_code})
    place_codes = {str(d["label"]) for _, d in graph.nodes(data=True) if d["kind"] == "place"}
    names = area_names(db, place_codes | set(districts) | {values["district"]})
    view = graph_store.network_view(
        scoped,
        graph,
        start=start,
        max_nodes=MAX_NODES,
        top=TOP,
        report_href=lambda rid: f"/intake/{rid}",
        entity_href=entity_url,
        place_names=names,
    )
    labels = catalogue(db)
    _audit(
        db,
        principal,
        AuditAction.CONSULTATION,
        "triage.network_viewed",
        record_type="triage_network",
        details={
            "filters": _filters_in_audit(values),
            "reports": sum(1 for _, k in graph.nodes(data="kind") if k == "report"),
            "nodes": graph.number_of_nodes(),
        },
    )
    query = urlencode({k: v for k, v in values.items() if v})
    return render(
        request,
        "triage/network.html",
        {
            "view": view,
            "values": values,
            "errors": errors,
            "nodes": graph.number_of_nodes(),
            "edges": graph.number_of_edges(),
            "reports": sum(1 for _, k in graph.nodes(data="kind") if k == "report"),
            "hidden": scoped.hidden,
            "max_nodes": MAX_NODES,
            "type_options": [(t, TYPE_LABELS[t]) for t in ENTITY_TYPES],
            "district_options": [(c, place_label(names, c)) for c in districts],
            "theme_options": [(k, labels.label(k)) for k in labels.active],
            "depths": [(str(d), str(d)) for d in range(1, MAX_DEPTH + 1)],
            "query": query,
            "nav": "triage",
        },
        status_code=400 if errors else 200,
        headers=NO_STORE,
    )


def _export(request: Request, db: Session, principal: Principal, fmt: str) -> Response:
    from beacon.triage import network

    _, graph, _, values, errors = _selection(db, principal, request)
    if errors:
        return Response(
            "; ".join(errors.values()), status_code=400, media_type="text/plain", headers=NO_STORE
        )
    _audit(
        db,
        principal,
        AuditAction.DISCLOSURE,
        "triage.network_exported",
        record_type="triage_network",
        details={
            "format": fmt,
            "filters": _filters_in_audit(values),
            "reports": sorted(
                n.partition(":")[2] for n, k in graph.nodes(data="kind") if k == "report"
            ),
            "nodes": graph.number_of_nodes(),
            "edges": graph.number_of_edges(),
        },
    )
    stamp = dt.datetime.now(LONDON).strftime("%Y%m%d-%H%M")
    headers = NO_STORE | {
        "Content-Disposition": f'attachment; filename="beacon-network-{stamp}.{fmt}"'
    }
    if fmt == "json":
        import json

        body = json.dumps(network.to_json(graph), ensure_ascii=False, indent=1)
        return Response(body, media_type="application/json", headers=headers)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "network.graphml"
        network.to_graphml(graph, path)
        data = path.read_bytes()
    return Response(data, media_type="application/graphml+xml", headers=headers)


@router.get("/triage/network.graphml")
def network_graphml(
    request: Request, principal: Principal = READ, db: Session = Depends(get_session)
) -> Response:
    return _export(request, db, principal, "graphml")


@router.get("/triage/network.json")
def network_json(
    request: Request, principal: Principal = READ, db: Session = Depends(get_session)
) -> Response:
    return _export(request, db, principal, "json")


# ---------------------------------------------------------------------------------------------
# Ready questions


def _questions_page(
    request: Request,
    db: Session,
    principal: Principal,
    *,
    errors: dict[str, str] | None = None,
    registration: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    from beacon.triage import network

    scoped = graph_store.resolution_for(
        db, graph_store.Scope(), may_view=_may(principal, Action.VIEW)
    )
    reports = scoped.reports
    deal_lines = network.shared_across_districts(scoped.resolution, "phone", 2)
    cuckooing = network.repeated_at_address(
        scoped.resolution, theme=graph_store.CUCKOOING, within_days=90, min_reports=2
    )
    names = area_names(db, {d for s in deal_lines for d in s.districts})

    def linked(ids: tuple[str, ...]) -> list[dict[str, str]]:
        return [
            {"href": f"/intake/{rid}", "reference": reports[rid].reference}
            for rid in sorted(ids, key=lambda r: (reports[r].received_on, reports[r].reference))
        ]

    _audit(
        db,
        principal,
        AuditAction.CONSULTATION,
        "triage.questions_viewed",
        record_type="triage_network",
        details={
            "deal_lines": [s.entity_id for s in deal_lines],
            "cuckooing": [a.entity_id for a in cuckooing],
        },
    )
    return render(
        request,
        "triage/questions.html",
        {
            "deal_lines": [
                {
                    "href": entity_url(s.entity_id),
                    "value": s.value,
                    "districts": [place_label(names, d) for d in s.districts],
                    "reports": linked(s.report_ids),
                }
                for s in deal_lines
            ],
            "cuckooing": [
                {
                    "href": entity_url(a.entity_id),
                    "value": a.value,
                    "first": a.first,
                    "last": a.last,
                    "reports": linked(a.report_ids),
                    "in_all": a.reports_with_theme,
                }
                for a in cuckooing
            ],
            "errors": errors or {},
            "registration": registration,
            "hidden": scoped.hidden,
            "nav": "triage",
        },
        status_code=status_code,
        headers=NO_STORE,
    )


@router.get("/triage/questions", response_class=HTMLResponse)
def questions_page(
    request: Request, principal: Principal = READ, db: Session = Depends(get_session)
) -> HTMLResponse:
    return _questions_page(request, db, principal)


@router.get("/triage/questions/vehicle", response_class=HTMLResponse)
def vehicle_question(
    request: Request,
    registration: str = "",
    principal: Principal = READ,
    db: Session = Depends(get_session),
) -> Response:
    text = " ".join(registration.split())[:40]
    value = normalise_vehicle(text) if text else ""
    if not (value.isalnum() and 2 <= len(value) <= 8):
        message = (
            "Enter a vehicle registration, for example AB12 CDE"
            if not text
            else "Enter a registration in a UK format, for example AB12 CDE"
        )
        return _questions_page(
            request,
            db,
            principal,
            errors={"registration": message},
            registration=text,
            status_code=400,
        )
    query = urlencode({"entity": linking.value_key("vehicle", value), "depth": 2})
    return RedirectResponse(f"/triage/network?{query}", status_code=303)
