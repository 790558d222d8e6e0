"""Routing rules as administrators edit them: list, check, create, update, retire, restore,
move, and re-route the open reports after a change.

The rules live in ``triage_route_rule`` (``models.RouteRule``); ``routing`` decides which one
wins for a report and ``flow`` applies it. Each change is one audited event in the caller's
transaction (``triage.route_rule_created|updated|retired|restored``); the caller commits.
Nothing is re-routed when a rule changes: ``reroute_open`` does that when an administrator asks.

Checks name their field (``position``, ``area_level``, ``area_code``, ``theme``,
``organisation``, ``team``, ``fallback``), so the admin page can show each message at its input.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beacon.audit.models import AuditAction
from beacon.audit.service import AuditActor, record_event
from beacon.auth.models import Organisation
from beacon.geography.models import Area
from beacon.intake.models import IntelReport
from beacon.triage import routing
from beacon.triage.models import RouteRule, TriageResult
from beacon.triage.schemas import MAX_POSITION
from beacon.triage.service import catalogue

RECORD_TYPE = "triage_route_rule"
FIELDS = ("position", "area_level", "area_code", "theme", "organisation", "team", "fallback")
MAX_TEAM = 120
MAX_AREA_CODE = 40
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_AREA_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


class RuleErrors(ValueError):
    """One message per field, in form order."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        ordered = {f: errors[f] for f in FIELDS if f in errors} | {
            f: m for f, m in errors.items() if f not in FIELDS
        }
        super().__init__("; ".join(ordered.values()))
        self.errors = ordered


class RuleNotFound(LookupError):
    """No routing rule has that id."""


@dataclass(frozen=True)
class RuleInput:
    """What a form or a caller gives for one rule (``position`` None: put it last)."""

    area_level: str
    area_code: str | None
    theme: str | None
    organisation_id: int | None
    team: str | None
    fallback: bool
    position: int | None = None


@dataclass(frozen=True)
class RuleView:
    rule: RouteRule
    organisation: Organisation
    area_name: str | None  # None: any area, or a code the loaded geography does not have

    @property
    def owner(self) -> str:
        return owner_label(self.organisation.name, self.rule.team)


def owner_label(organisation: str, team: str | None) -> str:
    """As ``flow`` names owners (and ``check_rules`` knows them)."""
    return f"{organisation} ({team})" if team else organisation


# ---------------------------------------------------------------------------------------------
# Reading


def get_rule(session: Session, rule_id: int) -> RouteRule:
    rule = session.get(RouteRule, rule_id)
    if rule is None:
        raise RuleNotFound(rule_id)
    return rule


def list_rules(session: Session, *, include_retired: bool = True) -> list[RuleView]:
    """Active rules in the order they apply (position, then id), then the retired ones."""
    query = select(RouteRule, Organisation).join(
        Organisation, Organisation.id == RouteRule.owner_organisation_id
    )
    if not include_retired:
        query = query.where(RouteRule.active.is_(True))
    rows = session.execute(
        query.order_by(RouteRule.active.desc(), RouteRule.position, RouteRule.id)
    ).all()
    names = area_names(session, {(r.area_level, r.area_code) for r, _ in rows if r.area_code})
    return [
        RuleView(rule, organisation, names.get((rule.area_level, rule.area_code or "")))
        for rule, organisation in rows
    ]


def area_names(session: Session, wanted: set[tuple[str, str | None]]) -> dict[tuple[str, str], str]:
    """(level, code) -> the area's name, for the codes the loaded geography has."""
    codes = {code for _, code in wanted if code}
    if not codes:
        return {}
    found: dict[tuple[str, str], str] = {}
    for level, code, name in session.execute(
        select(Area.level, Area.code, Area.name).where(Area.code.in_(codes))
    ):
        if (level, code) in wanted and name:
            found.setdefault((level, code), name)
    return found


def geography_loaded(session: Session) -> bool:
    return session.scalar(select(Area.id).limit(1)) is not None


def active_fallback(session: Session, *, other_than: int | None = None) -> RouteRule | None:
    query = select(RouteRule).where(RouteRule.active.is_(True), RouteRule.fallback.is_(True))
    if other_than is not None:
        query = query.where(RouteRule.id != other_than)
    return session.scalars(query.order_by(RouteRule.position, RouteRule.id).limit(1)).first()


def problems(session: Session) -> list[str]:
    """``routing.check_rules`` on the active rules, against the known owners, themes and (when
    geography is loaded) areas."""
    from beacon.triage.flow import routing_rules

    rules, _, fallback = routing_rules(session)
    owners = {
        owner_label(org.name, rule.team)
        for rule, org in session.execute(
            select(RouteRule, Organisation)
            .join(Organisation, Organisation.id == RouteRule.owner_organisation_id)
            .where(RouteRule.active.is_(True), Organisation.active.is_(True))
        )
    }
    themes = set(catalogue(session).active)
    if geography_loaded(session):
        known_areas: dict[str, set[str]] = {}
        used = {r.area_code for r in rules if r.area_code}
        for level, code in session.execute(
            select(Area.level, Area.code).where(Area.code.in_(used))
        ):
            known_areas.setdefault(level, set()).add(code)
    else:  # nothing to check area codes against: say nothing about them
        known_areas = {}
        for rule in rules:
            if rule.area_code:
                known_areas.setdefault(rule.area_level, set()).add(rule.area_code)
    return routing.check_rules(rules, owners, themes, known_areas, fallback_owner=fallback)


# ---------------------------------------------------------------------------------------------
# Checking


def check_rule(
    session: Session, data: RuleInput, *, existing: RouteRule | None = None
) -> tuple[RuleInput, dict[str, str]]:
    """The rule cleaned, and one message per field that is wrong."""
    errors: dict[str, str] = {}
    level = data.area_level.strip()
    code = _clean(data.area_code) or None
    theme = _clean(data.theme) or None
    team = _clean(data.team) or None
    if level not in routing.RULE_LEVELS:
        errors["area_level"] = "Choose an area level: LSOA, ward, district, force or any area"
    elif level == routing.ANY_AREA:
        if code is not None:
            errors["area_code"] = "Leave the area code empty when the rule is for any area"
    elif code is None:
        errors["area_code"] = f"Enter the {_level_name(level)} code the rule is for"
    elif len(code) > MAX_AREA_CODE or not _AREA_CODE.fullmatch(code):
        errors["area_code"] = "Area code must be letters and digits, for example E08000035"
    elif geography_loaded(session) and not _area_exists(session, level, code):
        errors["area_code"] = f"No {_level_name(level)} has the code {code} in the loaded geography"
    if theme is not None:
        themes = catalogue(session)
        kept = existing is not None and existing.theme_key == theme
        if not themes.is_active(theme) and not kept:
            errors["theme"] = "Choose a theme from the list, or any theme"
    organisation = session.get(Organisation, data.organisation_id) if data.organisation_id else None
    if organisation is None:
        errors["organisation"] = "Choose the organisation that owns the reports"
    elif not organisation.active and (
        existing is None or existing.owner_organisation_id != organisation.id
    ):
        errors["organisation"] = f"{organisation.name} is not active: choose another"
    if team is not None and len(team) > MAX_TEAM:
        errors["team"] = f"Team must be {MAX_TEAM} characters or fewer"
    if data.position is not None and not 0 <= data.position <= MAX_POSITION:
        errors["position"] = f"Position must be a whole number from 0 to {MAX_POSITION:,}"
    if data.fallback:
        if level != routing.ANY_AREA or code is not None or theme is not None:
            errors["fallback"] = (
                "A fallback catches what no other rule matches, so it has no area and no "
                "theme: choose any area and any theme, or untick fallback"
            )
        elif (existing is None or existing.active) and (
            other := active_fallback(session, other_than=existing.id if existing else None)
        ) is not None:
            errors["fallback"] = (
                f"Rule {other.position} is already the fallback: retire it or untick fallback"
            )
    cleaned = RuleInput(
        area_level=level,
        area_code=code if level != routing.ANY_AREA else None,
        theme=theme,
        organisation_id=organisation.id if organisation else None,
        team=team,
        fallback=data.fallback,
        position=data.position,
    )
    return cleaned, errors


def parse_position(text: str, errors: dict[str, str]) -> int | None:
    """A form's position: empty means "last" (new) or "where it is" (edit)."""
    text = text.strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        errors["position"] = f"Position must be a whole number from 0 to {MAX_POSITION:,}"
        return None
    return int(text)


def _clean(text: str | None) -> str:
    return " ".join(_CONTROL.sub(" ", text or "").split())


def _level_name(level: str) -> str:
    return "LSOA" if level == "lsoa" else level


def _area_exists(session: Session, level: str, code: str) -> bool:
    found = session.scalar(select(Area.id).where(Area.level == level, Area.code == code).limit(1))
    return found is not None


# ---------------------------------------------------------------------------------------------
# Changing


def _state(rule: RouteRule) -> dict[str, Any]:
    return {
        "position": rule.position,
        "area_level": rule.area_level,
        "area_code": rule.area_code,
        "theme": rule.theme_key,
        "organisation": rule.owner_organisation_id,
        "team": rule.team,
        "fallback": rule.fallback,
        "active": rule.active,
    }


def _next_position(session: Session) -> int:
    return int(session.scalar(select(func.max(RouteRule.position))) or 0) + 10


def create_rule(session: Session, *, actor: AuditActor, data: RuleInput) -> RouteRule:
    checked, errors = check_rule(session, data)
    if errors:
        raise RuleErrors(errors)
    assert checked.organisation_id is not None
    rule = RouteRule(
        position=_next_position(session) if checked.position is None else checked.position,
        area_level=checked.area_level,
        area_code=checked.area_code,
        theme_key=checked.theme,
        owner_organisation_id=checked.organisation_id,
        team=checked.team,
        fallback=checked.fallback,
        active=True,
    )
    session.add(rule)
    session.flush()
    _record(session, actor, "triage.route_rule_created", rule, {"after": _state(rule)})
    return rule


def update_rule(session: Session, *, actor: AuditActor, rule_id: int, data: RuleInput) -> RouteRule:
    """Change a rule (``position`` None keeps it where it is). No event when nothing changed."""
    rule = get_rule(session, rule_id)
    checked, errors = check_rule(session, data, existing=rule)
    if errors:
        raise RuleErrors(errors)
    assert checked.organisation_id is not None
    before = _state(rule)
    rule.position = rule.position if checked.position is None else checked.position
    rule.area_level, rule.area_code = checked.area_level, checked.area_code
    rule.theme_key, rule.team = checked.theme, checked.team
    rule.owner_organisation_id, rule.fallback = checked.organisation_id, checked.fallback
    after = _state(rule)
    changed = sorted(k for k in after if after[k] != before[k])
    if changed:
        session.flush()
        _record(
            session,
            actor,
            "triage.route_rule_updated",
            rule,
            {"before": {k: before[k] for k in changed}, "after": {k: after[k] for k in changed}},
        )
    return rule


def retire_rule(session: Session, *, actor: AuditActor, rule_id: int) -> RouteRule:
    """Stop using a rule (reports it routed keep their owner until re-routed)."""
    return _set_active(session, actor=actor, rule_id=rule_id, active=False)


def restore_rule(session: Session, *, actor: AuditActor, rule_id: int) -> RouteRule:
    """Use a retired rule again; refused if it is a fallback and another fallback is active."""
    rule = get_rule(session, rule_id)
    if not rule.active and rule.fallback:
        other = active_fallback(session, other_than=rule.id)
        if other is not None:
            raise RuleErrors(
                {
                    "fallback": f"Rule {other.position} is already the fallback: retire it "
                    "before restoring this one"
                }
            )
    return _set_active(session, actor=actor, rule_id=rule_id, active=True)


def _set_active(session: Session, *, actor: AuditActor, rule_id: int, active: bool) -> RouteRule:
    rule = get_rule(session, rule_id)
    if rule.active == active:
        return rule
    rule.active = active
    session.flush()
    _record(
        session,
        actor,
        "triage.route_rule_restored" if active else "triage.route_rule_retired",
        rule,
        {"rule": _state(rule), "before": {"active": not active}, "after": {"active": active}},
    )
    return rule


def move_rule(session: Session, *, actor: AuditActor, rule_id: int, direction: str) -> RouteRule:
    """Swap a rule's position with the active rule before ("up") or after ("down") it; both
    changes are audited as updates. At either end nothing changes."""
    rule = get_rule(session, rule_id)
    if direction not in ("up", "down") or not rule.active:
        return rule
    ordered = [v.rule for v in list_rules(session, include_retired=False)]
    index = ordered.index(rule)
    other_index = index - 1 if direction == "up" else index + 1
    if not 0 <= other_index < len(ordered):
        return rule
    other = ordered[other_index]
    first, second = sorted((rule.position, other.position))
    if first == second:  # shared positions: make room so the order is the table's
        second = first + 1
    new_rule, new_other = (first, second) if direction == "up" else (second, first)
    for target, position in ((rule, new_rule), (other, new_other)):
        if target.position != position:
            before = target.position
            target.position = position
            session.flush()
            _record(
                session,
                actor,
                "triage.route_rule_updated",
                target,
                {"before": {"position": before}, "after": {"position": position}, "moved": True},
            )
    return rule


def _record(
    session: Session, actor: AuditActor, event: str, rule: RouteRule, details: dict[str, Any]
) -> None:
    record_event(
        session,
        action=AuditAction.ALTERATION,
        event=event,
        actor=actor,
        record_type=RECORD_TYPE,
        record_id=str(rule.id),
        details=details,
    )


# ---------------------------------------------------------------------------------------------
# Re-routing


@dataclass(frozen=True)
class Rerouted:
    checked: int
    changed: int  # reports whose owner (organisation or team) changed


def reroute_open(session: Session, *, actor: AuditActor) -> Rerouted:
    """``flow.refresh`` every triaged report that is not closed (or erased), with the current
    rules; one audit event says how many were checked and how many changed owner."""
    from beacon.triage import flow

    reports = session.scalars(
        select(IntelReport)
        .join(TriageResult, TriageResult.report_id == IntelReport.id)
        .where(IntelReport.state != "closed", IntelReport.erased.is_(False))
        .order_by(IntelReport.id)
    ).all()
    changed = 0
    for report in reports:
        before = (report.assigned_organisation_id, report.assigned_team)
        flow.refresh(session, report)
        if (report.assigned_organisation_id, report.assigned_team) != before:
            changed += 1
    record_event(
        session,
        action=AuditAction.ALTERATION,
        event="triage.rerouted",
        actor=actor,
        record_type=RECORD_TYPE,
        record_id="all",
        details={"checked": len(reports), "changed_owner": changed},
    )
    return Rerouted(len(reports), changed)
