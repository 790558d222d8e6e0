"""Triage of one report, after it is sanitised: themes, entities and links, duplicates, priority
and owner, stored in the caller's transaction with an audit event.

``triage_report`` runs when a supervisor accepts the sanitised text (and again if they change
it); ``refresh`` re-scores priority and re-routes when the grading or the themes change. Only
the sanitised text is read: the original never reaches the classifier, the entity store or the
duplicate finder.

An owner is told when a report is routed to them (in the app and by e-mail through the outbox).
A report no rule routes and no fallback catches is ``unroutable``: the owning organisation's
supervisors and every administrator are told at once, and the triage queue shows it in a banner
until someone routes it by hand.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beacon.audit.models import AuditAction
from beacon.audit.service import AuditActor, record_event
from beacon.auth.models import Organisation, User, UserRole
from beacon.auth.permissions import Role
from beacon.intake.models import IntelReport
from beacon.notify.service import notify_users
from beacon.triage import duplicates as duplicate_finder
from beacon.triage import link_store, priority, routing
from beacon.triage.models import DuplicateLink, RouteRule, ThemeCorrection, TriageResult
from beacon.triage.service import catalogue

RECORD_TYPE = "intel_report"
SYSTEM = AuditActor.system("triage")
REPEAT_DAYS = 90  # "other recent reports about the same place"


class TriageError(ValueError):
    """A triage action that cannot be done; the message says why."""


# ---------------------------------------------------------------------------------------------
# The classifier, loaded once per process and again when the file changes

_model_lock = threading.Lock()
_model_cache: dict[Path, tuple[float, Any]] = {}


def theme_model(data_dir: Path) -> Any:
    """The trained theme model, or raise ``ModelUnavailable`` (naming the rebuild command)."""
    from beacon.triage.classifier import load, model_path

    path = model_path(data_dir)
    with _model_lock:
        mtime = path.stat().st_mtime if path.exists() else -1.0
        cached = _model_cache.get(path)
        if cached is not None and cached[0] == mtime:
            return cached[1]
        model = load(path)
        _model_cache[path] = (mtime, model)
        return model


def _hints(report: IntelReport) -> list[str]:
    return [h for h in (report.theme_hints or "").split() if h]


def classify(
    session: Session, report: IntelReport, data_dir: Path
) -> tuple[list[str], dict[str, float], str, str | None]:
    """(themes, scores, source, model version) for the report's sanitised text."""
    from beacon.intake.service import indicator_scores
    from beacon.triage.classifier import ModelUnavailable

    text = " ".join(filter(None, (report.summary, report.narrative, report.assessment)))
    active = catalogue(session).active
    indicators = indicator_scores(session, report.id)
    try:
        model = theme_model(data_dir)
    except ModelUnavailable:
        # No model: the reporter's hint and the ticked indicators still say something, and
        # the report page says the themes were not classified.
        hinted = [t for t in _hints(report) if t in active]
        ticked = sorted((t for t in indicators if t in active), key=lambda t: -indicators[t])
        themes = list(dict.fromkeys(hinted + ticked))[:3]
        return themes, {}, "hints", None
    result = model.classify([text], hints=[_hints(report)], indicators=[indicators], active=active)[
        0
    ]
    version = str(model.meta.get("training_sha256", ""))[:12] or None
    return result.themes, result.scores, "model", version


# ---------------------------------------------------------------------------------------------
# The whole flow


def triage_report(
    session: Session, report: IntelReport, *, data_dir: Path, now: dt.datetime | None = None
) -> TriageResult:
    """Classify, extract and link, look for duplicates, score and route ``report`` (sanitised).
    Everything is written in the caller's transaction."""
    now = now or dt.datetime.now(dt.UTC)
    themes, scores, source, version = classify(session, report, data_dir)
    corrected = session.scalars(
        select(ThemeCorrection)
        .where(ThemeCorrection.report_id == report.id)
        .order_by(ThemeCorrection.id.desc())
        .limit(1)
    ).first()
    if corrected is not None:
        themes, source = list(corrected.themes), "analyst"
    result = session.get(TriageResult, report.id)
    if result is None:
        result = TriageResult(report_id=report.id, route_state="pending")
        session.add(result)
    result.themes_json = json.dumps(themes)
    result.scores_json = json.dumps(dict(sorted(scores.items(), key=lambda kv: -kv[1])))
    result.theme_source = source
    result.model_version = version
    result.triaged_at = now
    if report.theme is None and themes:
        report.theme = themes[0]

    blocks = link_store.store_mentions(session, report)
    link_store.relink(session, blocks)
    suggested = suggest_duplicates(session, report)
    _score(session, report, result, now)
    _route(session, report, result)
    session.flush()
    record_event(
        session,
        action=AuditAction.COMBINATION,
        event="intel.triaged",
        actor=SYSTEM,
        record_type=RECORD_TYPE,
        record_id=report.id,
        details={
            "themes": themes,
            "theme_source": source,
            "band": result.priority_band,
            "route": result.route_state,
            "owner": report.assigned_organisation_id,
            "duplicates_suggested": suggested,
        },
    )
    return result


def refresh(session: Session, report: IntelReport, *, now: dt.datetime | None = None) -> None:
    """Re-score and re-route after a regrade or a theme correction (no reclassification)."""
    result = session.get(TriageResult, report.id)
    if result is None:
        return
    corrected = session.scalars(
        select(ThemeCorrection)
        .where(ThemeCorrection.report_id == report.id)
        .order_by(ThemeCorrection.id.desc())
        .limit(1)
    ).first()
    if corrected is not None:
        result.themes_json = json.dumps(list(corrected.themes))
        result.theme_source = "analyst"
    _score(session, report, result, now or dt.datetime.now(dt.UTC))
    _route(session, report, result)
    session.flush()


# ---------------------------------------------------------------------------------------------
# Duplicates


def suggest_duplicates(session: Session, report: IntelReport) -> int:
    """Store suggested duplicate pairs involving ``report``; decided pairs are left alone.
    Returns how many new suggestions were stored."""
    window = dt.timedelta(days=duplicate_finder.DEFAULT_MAX_DAYS)
    rows = session.scalars(
        select(IntelReport).where(
            IntelReport.erased.is_(False),
            IntelReport.narrative.is_not(None),
            IntelReport.received_on >= report.received_on - window,
            IntelReport.received_on <= report.received_on + window,
        )
    ).all()
    candidates = [
        duplicate_finder.Candidate(
            report_id=r.id,
            text=r.narrative or "",
            received_on=r.received_on,
            lsoa_code=r.lsoa_code,
            ward_code=r.ward_code,
            district_code=r.district_code,
            latitude=r.latitude if r.longitude is not None else None,
            longitude=r.longitude if r.latitude is not None else None,
        )
        for r in rows
    ]
    found = duplicate_finder.find_duplicates(candidates, involving=[report.id])
    added = 0
    for suggestion in found:
        existing = session.scalar(
            select(DuplicateLink).where(
                DuplicateLink.report_a == suggestion.a, DuplicateLink.report_b == suggestion.b
            )
        )
        if existing is None:
            session.add(
                DuplicateLink(
                    report_a=suggestion.a,
                    report_b=suggestion.b,
                    similarity=suggestion.similarity,
                    reason=suggestion.reason,
                )
            )
            added += 1
        elif existing.state == "suggested":
            existing.similarity = suggestion.similarity
            existing.reason = suggestion.reason
    session.flush()
    return added


# ---------------------------------------------------------------------------------------------
# Priority


def _repeat_count(session: Session, report: IntelReport) -> int:
    if not report.lsoa_code:
        return 0
    since = report.received_on - dt.timedelta(days=REPEAT_DAYS)
    return int(
        session.scalar(
            select(func.count())
            .select_from(IntelReport)
            .where(
                IntelReport.lsoa_code == report.lsoa_code,
                IntelReport.id != report.id,
                IntelReport.erased.is_(False),
                IntelReport.received_on >= since,
                IntelReport.received_on <= report.received_on,
            )
        )
        or 0
    )


def received_at(report: IntelReport) -> dt.datetime:
    """Reports keep only the day they arrived (a time could help identify a reporter)."""
    return dt.datetime.combine(report.received_on, dt.time(), tzinfo=dt.UTC)


def priority_input(
    session: Session, report: IntelReport, themes: Sequence[str]
) -> priority.PriorityInput:
    return priority.PriorityInput(
        report_id=report.id,
        received_at=received_at(report),
        text=" ".join(filter(None, (report.summary, report.narrative, report.assessment))),
        themes=tuple(themes),
        immediate_risk=report.immediate_risk,
        source_evaluation=report.source_evaluation,
        intelligence_assessment=report.intelligence_assessment,
        handling_code=report.handling_code,
        occurred_on=report.occurred_to or report.occurred_from,
        ongoing=report.occurred_ongoing,
        repeat_location_count=_repeat_count(session, report),
        reporter_contactable=bool(report.contact_locator) or report.channel == "partner",
        reporter_willing=bool(report.contact_locator) or report.channel == "partner",
    )


def _score(session: Session, report: IntelReport, result: TriageResult, now: dt.datetime) -> None:
    scored = priority.score(priority_input(session, report, result.themes), now=now)
    result.priority_base = scored.base
    result.priority_band = scored.band.split()[0]  # "P2" of "P2 high"; the label is in the JSON
    result.priority_json = json.dumps(
        {
            "base": scored.base,
            "band": scored.band,
            "floor": scored.floor,
            "components": [asdict(c) for c in scored.components],
        }
    )


def current_priority(
    base: float, *, now: dt.datetime, received: dt.datetime
) -> tuple[float, float]:
    """(ageing bonus, total) at ``now`` for a stored base score: the queue orders by the
    total."""
    ageing = priority.DEFAULT_AGEING
    waited_days = max(0.0, (now - received).total_seconds() / 86400)
    bonus = min(ageing.cap, ageing.points_per_day * waited_days)
    return round(bonus, 1), round(base + bonus, 1)


# ---------------------------------------------------------------------------------------------
# Routing


def _owner_label(organisation: Organisation, team: str | None) -> str:
    return f"{organisation.name} ({team})" if team else organisation.name


def routing_rules(session: Session) -> tuple[list[routing.Rule], dict[str, RouteRule], str | None]:
    """The active rules as ``routing`` takes them, the rule row behind each owner label, and
    the fallback owner's label (None when there is no fallback)."""
    rows = session.execute(
        select(RouteRule, Organisation)
        .join(Organisation, Organisation.id == RouteRule.owner_organisation_id)
        .where(RouteRule.active.is_(True))
        .order_by(RouteRule.position, RouteRule.id)
    ).all()
    rules: list[routing.Rule] = []
    by_owner: dict[str, RouteRule] = {}
    fallback: str | None = None
    for rule, organisation in rows:
        label = _owner_label(organisation, rule.team)
        by_owner.setdefault(label, rule)
        if rule.fallback:
            fallback = fallback or label
            by_owner[label] = rule
            continue
        rules.append(
            routing.Rule(
                area_level=rule.area_level,
                area_code=rule.area_code if rule.area_level != routing.ANY_AREA else None,
                theme=rule.theme_key,
                owner=label,
                position=rule.position,
            )
        )
    return rules, by_owner, fallback


def _route(session: Session, report: IntelReport, result: TriageResult) -> None:
    rules, by_owner, fallback = routing_rules(session)
    areas = {
        "lsoa": report.lsoa_code,
        "ward": report.ward_code,
        "district": report.district_code,
        "force": report.force_code,
    }
    decision = routing.route(areas, list(result.themes), rules, fallback)
    before = (report.assigned_organisation_id, report.assigned_team, result.route_state)
    if isinstance(decision, routing.Unroutable):
        result.route_state = "unroutable"
        result.route_why = decision.reason
        result.route_rule_id = None
        report.assigned_organisation_id = None
        report.assigned_team = None
        if before[2] != "unroutable":  # told once, not on every refresh
            _alert_unroutable(session, report, decision.reason)
        return
    rule = by_owner[decision.owner]
    result.route_state = "fallback" if decision.fallback_used else "routed"
    result.route_why = decision.why
    result.route_rule_id = rule.id
    result.alert_acknowledged_at = None
    result.alert_acknowledged_by_user_id = None
    report.assigned_organisation_id = rule.owner_organisation_id
    report.assigned_team = rule.team
    if (report.assigned_organisation_id, report.assigned_team) != before[:2]:
        _tell_owner(session, report, decision.owner, decision.why)


def _readers_of(session: Session, organisation_id: int) -> list[User]:
    roles = (Role.ANALYST.value, Role.INTELLIGENCE_SUPERVISOR.value)
    return list(
        session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                User.organisation_id == organisation_id,
                User.active.is_(True),
                UserRole.role.in_(roles),
            )
            .distinct()
            .order_by(User.id)
        )
    )


def _tell_owner(session: Session, report: IntelReport, owner: str, why: str) -> None:
    assert report.assigned_organisation_id is not None
    users = _readers_of(session, report.assigned_organisation_id)
    told = notify_users(
        session,
        users,
        purpose="triage_routed",
        title=f"Intelligence {report.reference} routed to {owner}",
        body=f"Intelligence {report.reference} has been routed to {owner}: {why}.",
        link=f"/intake/{report.id}",
    )
    record_event(
        session,
        action=AuditAction.DISCLOSURE,
        event="intel.routed",
        actor=SYSTEM,
        record_type=RECORD_TYPE,
        record_id=report.id,
        details={
            "owner_organisation": report.assigned_organisation_id,
            "team": report.assigned_team,
            "why": why,
            "told": told,
        },
    )


def _alert_unroutable(session: Session, report: IntelReport, reason: str) -> None:
    from beacon.intake.service import supervisors_of

    supervisors = supervisors_of(session, report.owning_organisation_id)
    admins = list(
        session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.active.is_(True), UserRole.role == Role.ADMIN.value)
            .distinct()
        )
    )
    users = {u.id: u for u in supervisors + admins}.values()
    told = notify_users(
        session,
        users,
        purpose="triage_unroutable",
        title=f"Intelligence {report.reference} cannot be routed",
        body=(
            f"No routing rule matches intelligence {report.reference} and there is no fallback "
            "owner. Route it by hand from the triage queue, and add a rule or a fallback owner "
            "at /admin/routing."
        ),
        link=f"/intake/{report.id}",
    )
    record_event(
        session,
        action=AuditAction.SECURITY,
        event="intel.unroutable",
        actor=SYSTEM,
        record_type=RECORD_TYPE,
        record_id=report.id,
        details={"reason": reason, "told": told},
    )


def route_by_hand(
    session: Session,
    *,
    report: IntelReport,
    organisation_id: int,
    team: str | None,
    reason: str,
    actor: AuditActor,
    user_id: int | None,
) -> None:
    """A supervisor routes a report themselves (an unroutable one, or to overrule a rule)."""
    reason = " ".join(reason.split())
    if not reason:
        raise TriageError("say why the report is routed by hand")
    organisation = session.get(Organisation, organisation_id)
    if organisation is None or not organisation.active:
        raise TriageError(f"no active organisation {organisation_id}")
    result = session.get(TriageResult, report.id)
    if result is None:
        raise TriageError(f"{report.reference} has not been triaged yet: sanitise it first")
    team = (team or "").strip()[:120] or None
    result.route_state = "routed"
    result.route_rule_id = None
    result.route_why = f"routed by hand: {reason}"[:2000]
    result.alert_acknowledged_at = dt.datetime.now(dt.UTC)
    result.alert_acknowledged_by_user_id = user_id
    report.assigned_organisation_id = organisation.id
    report.assigned_team = team
    record_event(
        session,
        action=AuditAction.ALTERATION,
        event="intel.routed_by_hand",
        actor=actor,
        record_type=RECORD_TYPE,
        record_id=report.id,
        justification=reason[:2000],
        details={"owner_organisation": organisation.id, "team": team},
    )
    _tell_owner(session, report, _owner_label(organisation, team), f"routed by hand: {reason}")


def unroutable_count(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(TriageResult)
            .where(TriageResult.route_state == "unroutable")
        )
        or 0
    )
