"""Routing rules for administrators (HTML; permission ``admin.organisations``).

* ``GET /admin/routing``: the active rules in the order they apply, then the retired ones, with
  the problems ``routing.check_rules`` finds and a warning when there is no active fallback.
* ``GET|POST /admin/routing/new`` and ``GET|POST /admin/routing/{rule_id}``: add and edit.
* ``POST /admin/routing/{rule_id}/retire|restore|move``: stop using a rule, undo that, and move
  it up or down the order.
* ``POST /admin/routing/reroute``: re-route every open triaged report with the current rules
  (nothing is re-routed when a rule changes).

Each change goes through ``triage.routing_rules`` (audited in the same transaction) and
redirects to the list with a notice; errors re-show the form (400) with each message at its
field. As for the themes, the rules are partnership-wide set-up, so ``admin.organisations``.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.auth.csrf import require_csrf
from beacon.auth.deps import Principal, require_permission
from beacon.auth.models import Organisation
from beacon.auth.permissions import Permission
from beacon.triage import routing_rules as rules_service
from beacon.triage.models import RouteRule
from beacon.triage.routing import RULE_LEVELS
from beacon.triage.service import catalogue
from beacon.web.deps import get_session
from beacon.web.templating import render

MAX_BODY_BYTES = 16 * 1024
router = APIRouter(include_in_schema=False, max_body_size=MAX_BODY_BYTES)

ADMIN = Depends(require_permission(Permission.ADMIN_ORGANISATIONS))
CSRF = [Depends(require_csrf)]
Text = Annotated[str, Form()]
NO_STORE = {"Cache-Control": "no-store"}
LEVEL_LABELS = {
    "lsoa": "LSOA",
    "ward": "Ward",
    "district": "District",
    "force": "Force area",
    "any": "Any area",
}
NOTICES = {
    "created": "Added rule {position}.",
    "saved": "Saved rule {position}.",
    "retired": "Retired rule {position}: it no longer routes reports.",
    "restored": "Restored rule {position}: it routes reports again.",
    "moved": "Moved rule {position}.",
}


def _rule_or_404(db: Session, rule_id: int) -> RouteRule:
    if not 0 < rule_id < 2**31:  # beyond the column's range: no such rule, not a DB error
        raise HTTPException(status_code=404, detail="No such routing rule.")
    try:
        return rules_service.get_rule(db, rule_id)
    except rules_service.RuleNotFound:
        raise HTTPException(status_code=404, detail="No such routing rule.") from None


def _to_list(done: str, rule: RouteRule | None = None, **extra: Any) -> RedirectResponse:
    query: dict[str, Any] = {"done": done, **extra}
    if rule is not None:
        query["rule"] = rule.id
    return RedirectResponse("/admin/routing?" + urlencode(query), status_code=303)


def _notice(
    db: Session, done: str | None, rule_id: int | None, changed: int | None, checked: int | None
) -> dict[str, Any] | None:
    if done == "rerouted" and changed is not None and checked is not None:
        reports = "report" if checked == 1 else "reports"
        owners = "report changed owner" if changed == 1 else "reports changed owner"
        return {"text": f"Re-routed {checked} open {reports}: {changed} {owners}.", "undo": False}
    if done not in NOTICES or rule_id is None:
        return None
    rule = db.get(RouteRule, rule_id)
    if rule is None:
        return None
    return {
        "text": NOTICES[done].format(position=rule.position)
        + " Reports already routed keep their owner until you re-route them.",
        "undo": done == "retired" and not rule.active,
        "rule_id": rule.id,
    }


@router.get("/admin/routing", response_class=HTMLResponse, dependencies=[ADMIN])
def admin_routing(
    request: Request,
    done: str | None = None,
    rule: int | None = None,
    changed: int | None = None,
    checked: int | None = None,
    db: Session = Depends(get_session),
) -> HTMLResponse:
    views = rules_service.list_rules(db)
    active = [v for v in views if v.rule.active]
    labels = catalogue(db)
    return render(
        request,
        "triage/routing.html",
        {
            "active_rules": active,
            "retired_rules": [v for v in views if not v.rule.active],
            "has_fallback": any(v.rule.fallback for v in active),
            "problems": rules_service.problems(db),
            "theme_label": labels.label,
            "level_labels": LEVEL_LABELS,
            "notice": _notice(db, done, rule, changed, checked),
            "nav": "admin",
            "admin_section": "routing",
        },
        headers=NO_STORE,
    )


def _form_page(
    request: Request,
    db: Session,
    *,
    rule: RouteRule | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    labels = catalogue(db)
    themes = [("", "Any theme"), *labels.offered()]
    if rule is not None and rule.theme_key and rule.theme_key not in labels.active:
        themes.append((rule.theme_key, f"{labels.label(rule.theme_key)} (retired)"))
    organisations = db.execute(
        select(Organisation.id, Organisation.name, Organisation.active).order_by(Organisation.name)
    ).all()
    owner_options = [
        (str(oid), name if active else f"{name} (inactive)")
        for oid, name, active in organisations
        if active or (rule is not None and rule.owner_organisation_id == oid)
    ]
    return render(
        request,
        "triage/routing_form.html",
        {
            "rule": rule,
            "values": values,
            "errors": errors or {},
            "levels": [(level, LEVEL_LABELS[level]) for level in RULE_LEVELS],
            "themes": themes,
            "organisations": owner_options,
            "nav": "admin",
            "admin_section": "routing",
        },
        status_code=status_code,
        headers=NO_STORE,
    )


def _values(rule: RouteRule) -> dict[str, Any]:
    return {
        "position": str(rule.position),
        "area_level": rule.area_level,
        "area_code": rule.area_code or "",
        "theme": rule.theme_key or "",
        "organisation": str(rule.owner_organisation_id),
        "team": rule.team or "",
        "fallback": rule.fallback,
    }


def _input(
    position: str,
    area_level: str,
    area_code: str,
    theme: str,
    organisation: str,
    team: str,
    fallback: str,
) -> tuple[rules_service.RuleInput, dict[str, str], dict[str, Any]]:
    errors: dict[str, str] = {}
    number = rules_service.parse_position(position, errors)
    organisation = organisation.strip()
    org_id = int(organisation) if organisation.isascii() and organisation.isdigit() else None
    if org_id is not None and org_id > 2**31:
        org_id = None
    data = rules_service.RuleInput(
        area_level=area_level,
        area_code=area_code,
        theme=theme,
        organisation_id=org_id,
        team=team,
        fallback=bool(fallback),
        position=number,
    )
    values = {
        "position": position,
        "area_level": area_level,
        "area_code": area_code,
        "theme": theme,
        "organisation": organisation,
        "team": team,
        "fallback": bool(fallback),
    }
    return data, errors, values


def _save(
    request: Request,
    db: Session,
    principal: Principal,
    rule: RouteRule | None,
    form: tuple[str, str, str, str, str, str, str],
) -> Response:
    data, errors, values = _input(*form)
    try:
        if errors:  # the position is not a number: show every other problem with it
            _, found = rules_service.check_rule(db, data, existing=rule)
            raise rules_service.RuleErrors(found | errors)
        if rule is None:
            saved = rules_service.create_rule(db, actor=principal.actor(), data=data)
        else:
            saved = rules_service.update_rule(
                db, actor=principal.actor(), rule_id=rule.id, data=data
            )
    except rules_service.RuleErrors as error:
        db.rollback()
        return _form_page(
            request, db, rule=rule, values=values, errors=error.errors, status_code=400
        )
    db.commit()
    return _to_list("created" if rule is None else "saved", saved)


@router.get("/admin/routing/new", response_class=HTMLResponse, dependencies=[ADMIN])
def admin_routing_new(request: Request, db: Session = Depends(get_session)) -> HTMLResponse:
    return _form_page(request, db, rule=None, values={"area_level": "any", "fallback": False})


@router.post("/admin/routing/new", response_class=HTMLResponse, dependencies=CSRF)
def admin_routing_create(
    request: Request,
    position: Text = "",
    area_level: Text = "",
    area_code: Text = "",
    theme: Text = "",
    organisation: Text = "",
    team: Text = "",
    fallback: Text = "",
    principal: Principal = ADMIN,
    db: Session = Depends(get_session),
) -> Response:
    form = (position, area_level, area_code, theme, organisation, team, fallback)
    return _save(request, db, principal, None, form)


@router.post("/admin/routing/reroute", dependencies=CSRF)
def admin_routing_reroute(
    principal: Principal = ADMIN, db: Session = Depends(get_session)
) -> Response:
    result = rules_service.reroute_open(db, actor=principal.actor())
    db.commit()
    return _to_list("rerouted", changed=result.changed, checked=result.checked)


@router.get("/admin/routing/{rule_id}", response_class=HTMLResponse, dependencies=[ADMIN])
def admin_routing_edit(
    request: Request, rule_id: int, db: Session = Depends(get_session)
) -> HTMLResponse:
    rule = _rule_or_404(db, rule_id)
    return _form_page(request, db, rule=rule, values=_values(rule))


@router.post("/admin/routing/{rule_id}", response_class=HTMLResponse, dependencies=CSRF)
def admin_routing_update(
    request: Request,
    rule_id: int,
    position: Text = "",
    area_level: Text = "",
    area_code: Text = "",
    theme: Text = "",
    organisation: Text = "",
    team: Text = "",
    fallback: Text = "",
    principal: Principal = ADMIN,
    db: Session = Depends(get_session),
) -> Response:
    rule = _rule_or_404(db, rule_id)
    form = (position, area_level, area_code, theme, organisation, team, fallback)
    return _save(request, db, principal, rule, form)


@router.post("/admin/routing/{rule_id}/retire", dependencies=CSRF)
def admin_routing_retire(
    rule_id: int, principal: Principal = ADMIN, db: Session = Depends(get_session)
) -> Response:
    rule = _rule_or_404(db, rule_id)
    rules_service.retire_rule(db, actor=principal.actor(), rule_id=rule.id)
    db.commit()
    return _to_list("retired", rule)


@router.post("/admin/routing/{rule_id}/restore", dependencies=CSRF)
def admin_routing_restore(
    rule_id: int, principal: Principal = ADMIN, db: Session = Depends(get_session)
) -> Response:
    rule = _rule_or_404(db, rule_id)
    try:
        rules_service.restore_rule(db, actor=principal.actor(), rule_id=rule.id)
    except rules_service.RuleErrors as error:  # refused before anything changed
        raise HTTPException(status_code=409, detail=str(error)) from None
    db.commit()
    return _to_list("restored", rule)


@router.post("/admin/routing/{rule_id}/move", dependencies=CSRF)
def admin_routing_move(
    rule_id: int,
    direction: Text = "",
    principal: Principal = ADMIN,
    db: Session = Depends(get_session),
) -> Response:
    rule = _rule_or_404(db, rule_id)
    if direction not in ("up", "down"):
        raise HTTPException(status_code=400, detail="Move a rule up or down.")
    rules_service.move_rule(db, actor=principal.actor(), rule_id=rule.id, direction=direction)
    db.commit()
    return _to_list("moved", rule)
