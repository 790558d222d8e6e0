"""What the staff report page (``/intake/{id}``) shows of triage, as plain data for its template.

``report_triage`` gathers a triaged report's themes with their confidence, its priority with
every component, its owner and how it was routed, the entities found (with the spans that
highlight them in the sanitised text), the reports linked through a shared entity and the
duplicate pairs, and what the user may do about each. Text is returned as lines of pieces
that the template escapes one by one: nothing here is marked safe.

Linked and duplicate reports are listed only when the user may view them (the same decision
the report page itself takes); the others are counted, never named.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from beacon.access.policy import Action
from beacon.access.policy import Principal as AccessPrincipal
from beacon.auth.models import Organisation, User
from beacon.geography.models import Area, AreaLevel
from beacon.intake.models import IntelReport
from beacon.triage import flow, link_store
from beacon.triage.corrections import MAX_THEMES
from beacon.triage.models import DuplicateLink, EntityMention, ThemeCorrection, TriageResult
from beacon.triage.service import catalogue

LONDON = ZoneInfo("Europe/London")
TEXT_PARTS = ("summary", "narrative", "assessment", "location_text")
ENTITY_LABELS = {
    "phone": "Phone",
    "vehicle": "Vehicle",
    "postcode": "Postcode",
    "email": "E-mail",
    "handle": "Online handle",
    "address": "Address",
    "nickname": "Nickname",
    "person": "Person",
}
PART_LABELS = {
    "summary": "summary",
    "narrative": "facts",
    "assessment": "assessment",
    "location_text": "place",
}
SOURCE_WORDS = {
    "model": "classifier",
    "analyst": "corrected by an analyst",
    "hints": (
        "reporter's hint and indicators only: no classifier model is built; "
        "run `beacon triage retrain`"
    ),
}
ROUTE_STATES = {
    "routed": "Routed by a rule",
    "fallback": "Routed to the fallback owner",
    "unroutable": "Unroutable",
    "pending": "Not yet routed",
}
DUPLICATE_STATES = {"suggested": "Suggested", "merged": "Merged", "dismissed": "Not a duplicate"}
COMPONENT_LABELS = {
    "threat": "Threat",
    "harm": "Harm",
    "risk": "Risk",
    "investigation": "Investigative opportunity",
    "vulnerability": "Vulnerability",
    "engagement": "Reporter engagement",
    "immediacy": "Immediacy",
}
OTHER_SCORES = 5


def london(moment: dt.datetime | None) -> str:
    """A stored (UTC) moment as people here read it: "5 Dec 2026 14:03"."""
    if moment is None:
        return "–"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    local = moment.astimezone(LONDON)
    return f"{local.day} {local:%b %Y %H:%M}"


def entity_href(value_key: str) -> str:
    return "/triage/entities/" + quote(value_key, safe=":")


def entity_label(kind: str) -> str:
    return ENTITY_LABELS.get(kind, kind.capitalize())


# ---------------------------------------------------------------------------------------------
# Text with its entities marked


def _piece(text: str) -> dict[str, str]:
    return {"kind": "text", "text": text}


def text_lines(text: str, mentions: Sequence[EntityMention]) -> list[list[dict[str, str]]]:
    """``text`` as lines of pieces: plain text, and each mention whose span still reads as it
    did when it was found (a later edit leaves stale spans unmarked rather than misplaced)."""
    spans = sorted(
        (m for m in mentions if m.start is not None and m.end is not None),
        key=lambda m: (m.start or 0, -(m.end or 0)),
    )
    pieces: list[dict[str, str]] = []
    at = 0
    for mention in spans:
        start, end = int(mention.start or 0), int(mention.end or 0)
        if start < at or end <= start or end > len(text) or text[start:end] != mention.text:
            continue  # overlapping, empty or stale
        if start > at:
            pieces.append(_piece(text[at:start]))
        pieces.append(
            {
                "kind": "entity",
                "text": text[start:end],
                "type": mention.entity_type,
                "label": entity_label(mention.entity_type),
                "value": mention.value,
                "href": entity_href(mention.entity_key or mention.value_key),
            }
        )
        at = end
    if at < len(text):
        pieces.append(_piece(text[at:]))
    # Split at line breaks (a mention never spans one) so the template can put <br> between.
    lines: list[list[dict[str, str]]] = [[]]
    for piece in pieces:
        parts = piece["text"].split("\n")
        for index, part in enumerate(parts):
            if index:
                lines.append([])
            if part:
                lines[-1].append({**piece, "text": part})
    return lines


# ---------------------------------------------------------------------------------------------
# Places


def area_names(session: Session, report: IntelReport) -> list[dict[str, str]]:
    """The report's LSOA, ward and district, each by name with its code (newest name held)."""
    wanted = [
        (AreaLevel.LSOA.value, "LSOA", report.lsoa_code),
        (AreaLevel.WARD.value, "Ward", report.ward_code),
        (AreaLevel.DISTRICT.value, "District", report.district_code),
    ]
    found: dict[tuple[str, str], tuple[str, str]] = {}
    codes = [code for _, _, code in wanted if code]
    if codes:
        for level, code, vintage, name in session.execute(
            select(Area.level, Area.code, Area.vintage, Area.name).where(Area.code.in_(codes))
        ):
            held = found.get((level, code))
            if name and (held is None or (len(vintage), vintage) > (len(held[0]), held[0])):
                found[(level, code)] = (vintage, name)
    return [
        {"level": label, "code": code, "name": found.get((level, code), ("", ""))[1]}
        for level, label, code in wanted
        if code
    ]


def map_data(session: Session, report: IntelReport) -> dict[str, Any] | None:
    """The small map: the pin (when the reporter gave one) over the report's LSOA boundary
    (when boundaries are imported). None when there is nothing to draw."""
    pin = report.latitude is not None and report.longitude is not None
    outline = ""
    if report.lsoa_code:
        from beacon.workspace.geometry import lsoa_geojson

        body = lsoa_geojson(session, [report.lsoa_code])
        if b'"features":[]' not in body:
            outline = body.decode("utf-8")
    if not pin and not outline:
        return None
    return {
        "latitude": f"{report.latitude:.6f}" if pin else "",
        "longitude": f"{report.longitude:.6f}" if pin else "",
        "outline": outline,
    }


# ---------------------------------------------------------------------------------------------
# The panel


def _themes(session: Session, result: TriageResult) -> dict[str, Any]:
    themes = catalogue(session)
    scores = result.scores
    selected = [
        {"key": key, "label": themes.label(key), "percent": _percent(scores.get(key))}
        for key in result.themes
    ]
    others = [
        {"key": key, "label": themes.label(key), "percent": _percent(score)}
        for key, score in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        if key not in result.themes
    ][:OTHER_SCORES]
    corrected = session.scalars(
        select(ThemeCorrection)
        .where(ThemeCorrection.report_id == result.report_id)
        .order_by(ThemeCorrection.id.desc())
        .limit(1)
    ).first()
    corrected_by = None
    if corrected is not None and corrected.corrected_by_user_id is not None:
        user = session.get(User, corrected.corrected_by_user_id)
        corrected_by = user.display_name if user else None
    return {
        "selected": selected,
        "others": others,
        "source": result.theme_source,
        "source_words": SOURCE_WORDS.get(result.theme_source, result.theme_source),
        "model_version": result.model_version,
        "corrected_at": london(corrected.corrected_at) if corrected else None,
        "corrected_by": corrected_by,
        "options": themes.offered(),
        "current": list(result.themes),
        "max": MAX_THEMES,
    }


def _percent(score: float | None) -> str:
    return "–" if score is None else f"{round(score * 100):d}%"


def _priority(result: TriageResult, report: IntelReport, now: dt.datetime) -> dict[str, Any]:
    stored: dict[str, Any] = result.priority
    bonus, total = flow.current_priority(
        result.priority_base, now=now, received=flow.received_at(report)
    )
    components = []
    for item in stored.get("components", []) or []:
        assert isinstance(item, dict)
        name = str(item.get("name", ""))
        components.append(
            {
                "name": COMPONENT_LABELS.get(name, name.capitalize()),
                "value": item.get("value", 0),
                "max": item.get("max", 0),
                "weight": item.get("weight", 0),
                "points": item.get("points", 0),
                "evidence": list(item.get("evidence", []) or []),
            }
        )
    return {
        "band": result.priority_band,
        "band_label": str(stored.get("band") or result.priority_band),
        "base": round(result.priority_base, 1),
        "ageing": bonus,
        "total": total,
        "floor": stored.get("floor"),
        "components": components,
    }


def _owner(session: Session, report: IntelReport, result: TriageResult) -> dict[str, Any]:
    organisation = (
        session.get(Organisation, report.assigned_organisation_id)
        if report.assigned_organisation_id is not None
        else None
    )
    return {
        "organisation": organisation.name if organisation else None,
        "team": report.assigned_team,
        "state": result.route_state,
        "state_label": ROUTE_STATES.get(result.route_state, result.route_state),
        "why": result.route_why,
        "unroutable": result.route_state == "unroutable",
    }


def _reports(session: Session, ids: Iterable[str]) -> dict[str, IntelReport]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {
        r.id: r
        for r in session.scalars(
            select(IntelReport).where(IntelReport.id.in_(wanted), IntelReport.erased.is_(False))
        )
    }


def _linked(
    session: Session, access: AccessPrincipal, report: IntelReport, may: Any
) -> dict[str, Any]:
    shared = link_store.linked_reports(session, report.id)
    others = _reports(session, shared)
    shown, hidden = [], 0
    for other_id, keys in shared.items():
        other = others.get(other_id)
        if other is None or not may(access, other, Action.VIEW):
            hidden += 1
            continue
        shown.append(
            {
                "id": other.id,
                "reference": other.reference,
                "received": other.received_on.isoformat(),
                "entities": [
                    {
                        "key": key,
                        "kind": entity_label(key.partition(":")[0]),
                        "label": key.partition(":")[2],
                        "href": entity_href(key),
                    }
                    for key in keys
                ],
            }
        )
    shown.sort(key=lambda item: (item["received"], item["reference"]), reverse=True)
    return {"reports": shown, "hidden": hidden}


def _duplicates(
    session: Session, access: AccessPrincipal, report: IntelReport, may: Any
) -> dict[str, Any]:
    pairs = list(
        session.scalars(
            select(DuplicateLink)
            .where(or_(DuplicateLink.report_a == report.id, DuplicateLink.report_b == report.id))
            .order_by(DuplicateLink.similarity.desc(), DuplicateLink.id)
        )
    )
    others = _reports(
        session, [p.report_b if p.report_a == report.id else p.report_a for p in pairs]
    )
    deciders = {
        u.id: u.display_name
        for u in session.scalars(
            select(User).where(
                User.id.in_({p.decided_by_user_id for p in pairs if p.decided_by_user_id})
            )
        )
    }
    can_link_here = may(access, report, Action.LINK)
    shown, hidden, duplicate_of = [], 0, None
    for pair in pairs:
        other = others.get(pair.report_b if pair.report_a == report.id else pair.report_a)
        if other is None or not may(access, other, Action.VIEW):
            hidden += 1
            continue
        item = {
            "id": pair.id,
            "other_id": other.id,
            "other_reference": other.reference,
            "other_received": other.received_on.isoformat(),
            "similarity": f"{pair.similarity:.2f}",
            "reason": pair.reason,
            "state": pair.state,
            "state_label": DUPLICATE_STATES.get(pair.state, pair.state),
            "this_is_duplicate": pair.state == "merged" and pair.primary_id == other.id,
            "decided_by": deciders.get(pair.decided_by_user_id or 0),
            "decided_at": london(pair.decided_at) if pair.decided_at else None,
            "can_decide": bool(can_link_here and may(access, other, Action.LINK)),
        }
        if item["this_is_duplicate"] and duplicate_of is None:
            duplicate_of = {"id": other.id, "reference": other.reference}
        shown.append(item)
    return {"pairs": shown, "hidden": hidden, "duplicate_of": duplicate_of}


def _entities(mentions: Sequence[EntityMention]) -> list[dict[str, str]]:
    rows: dict[tuple[str, str, str], dict[str, str]] = {}
    for m in mentions:
        where = "structured form" if m.source == "subject" else PART_LABELS.get(m.part or "", "")
        key = (m.value_key, m.text, where)
        rows.setdefault(
            key,
            {
                "type": entity_label(m.entity_type),
                "text": m.text,
                "value": m.value,
                "where": where,
                "href": entity_href(m.entity_key or m.value_key),
                "source": m.source,
            },
        )
    return sorted(rows.values(), key=lambda r: (r["source"] != "subject", r["type"], r["value"]))


def report_triage(
    session: Session,
    *,
    access: AccessPrincipal,
    report: IntelReport,
    may: Any,
    now: dt.datetime | None = None,
) -> dict[str, Any] | None:
    """Everything the report page shows of triage, or None when the report is not triaged.
    ``may(access, report, action) -> bool`` is the page's access decision (intake's rule on
    undisseminated reports included)."""
    result = session.get(TriageResult, report.id)
    if result is None or report.erased:
        return None
    now = now or dt.datetime.now(dt.UTC)
    mentions = link_store.report_mentions(session, report.id)
    by_part: dict[str, list[EntityMention]] = {}
    for m in mentions:
        if m.source == "text" and m.part:
            by_part.setdefault(m.part, []).append(m)
    texts = {
        part: text_lines(getattr(report, part), by_part.get(part, []))
        for part in TEXT_PARTS
        if getattr(report, part, None)
    }
    can_route = may(access, report, Action.DISSEMINATE)
    organisations: list[tuple[int, str]] = []
    if can_route:
        organisations = [
            (o.id, o.name)
            for o in session.scalars(
                select(Organisation)
                .where(Organisation.active.is_(True))
                .order_by(Organisation.name)
            )
        ]
    return {
        "triaged_at": london(result.triaged_at),
        "themes": _themes(session, result),
        "priority": _priority(result, report, now),
        "owner": _owner(session, report, result),
        "texts": texts,
        "entities": _entities(mentions),
        "linked": _linked(session, access, report, may),
        "duplicates": _duplicates(session, access, report, may),
        "can_correct": may(access, report, Action.LINK),
        "can_route": can_route,
        "organisations": organisations,
    }
