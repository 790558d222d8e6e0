"""Indicator checklists for administrators (HTML; permission ``admin.organisations``).

* ``GET /admin/indicators``: every theme's checklist, retired indicators included, each row
  editable (label, weight 0-10, active), and a form to add an indicator to any theme.
* ``POST /admin/indicators`` (CSRF): ``action=save`` changes one indicator, ``action=add`` adds
  one, both through ``service.save_indicator`` (audited as ``intel.indicator_saved`` in the same
  transaction). Reports keep the weights they were submitted with.

Permission: ``admin.organisations`` (no new permission): the checklists are partnership-wide
reference data, like the list of organisations. Refusals are audited as for every admin page.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.auth.csrf import require_csrf
from beacon.auth.deps import Principal, require_permission
from beacon.auth.permissions import Permission
from beacon.intake import service
from beacon.intake.models import IntelIndicator
from beacon.intake.views import MAX_BODY_BYTES
from beacon.triage.service import catalogue
from beacon.web.deps import get_session
from beacon.web.templating import render

router = APIRouter(include_in_schema=False, max_body_size=MAX_BODY_BYTES)

ADMIN = Depends(require_permission(Permission.ADMIN_ORGANISATIONS))
OptionalField = Annotated[str, Form()]
MAX_WEIGHT = 10
_NOT_CODE = re.compile(r"[^a-z0-9]+")


def _code_from(label: str) -> str:
    return _NOT_CODE.sub("_", label.lower()).strip("_")[:40].strip("_")


def _weight(text: str) -> int | None:
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 2:
        return None
    value = int(text)
    return value if 0 <= value <= MAX_WEIGHT else None


def _page(
    request: Request,
    db: Session,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    groups: dict[str, list[IntelIndicator]] = {}
    for indicator in service.list_indicators(db, include_retired=True):
        groups.setdefault(indicator.theme, []).append(indicator)
    themes = catalogue(db)
    errors = errors or {}
    return render(
        request,
        "admin/indicators.html",
        {
            "groups": [
                {
                    "theme": key,
                    "label": themes.label(key),
                    "retired": not themes.is_active(key),
                    "items": groups[key],
                }
                for key in themes.ordered(groups)
            ],
            "themes": themes.offered(),
            "max_weight": MAX_WEIGHT,
            "errors": errors,
            "values": values or {},
            "notice": notice,
            "nav": "admin",
            "admin_section": "indicators",
        },
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


@router.get("/admin/indicators", response_class=HTMLResponse, dependencies=[ADMIN])
def admin_indicators(
    request: Request,
    saved: str | None = None,
    db: Session = Depends(get_session),
) -> HTMLResponse:
    notice = None
    if saved and saved.isascii() and saved.isdigit() and len(saved) < 10:
        indicator = db.get(IntelIndicator, int(saved))
        if indicator is not None:
            notice = f"Saved “{indicator.label}” ({catalogue(db).label(indicator.theme)})."
    return _page(request, db, notice=notice)


@router.post("/admin/indicators", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def admin_save_indicator(
    request: Request,
    action: OptionalField = "",
    indicator_id: OptionalField = "",
    label: OptionalField = "",
    weight: OptionalField = "",
    active: OptionalField = "",
    add_theme: Annotated[str, Form(alias="add-theme")] = "",
    add_code: Annotated[str, Form(alias="add-code")] = "",
    add_label: Annotated[str, Form(alias="add-label")] = "",
    add_weight: Annotated[str, Form(alias="add-weight")] = "",
    principal: Principal = ADMIN,
    db: Session = Depends(get_session),
) -> Response:
    """One row of the checklists (``action=save``: label, weight, active) or a new indicator
    (``action=add``: the ``add-*`` fields)."""
    if action == "save":
        return _save(request, db, principal, indicator_id, label, weight, active)
    if action == "add":
        return _add(request, db, principal, add_theme, add_code, add_label, add_weight)
    return _page(
        request,
        db,
        errors={"add-theme": "Choose a theme and fill in the indicator to add"},
        status_code=400,
    )


def _save(
    request: Request,
    db: Session,
    principal: Principal,
    indicator_id: str,
    label: str,
    weight: str,
    active: str,
) -> Response:
    indicator = None
    if indicator_id.isascii() and indicator_id.isdigit() and len(indicator_id) < 10:
        indicator = db.get(IntelIndicator, int(indicator_id))
    if indicator is None:
        return _page(
            request,
            db,
            errors={"indicators": "That indicator no longer exists; reload the page"},
            status_code=400,
        )
    row = indicator.id
    values = {"row": row, "label": label, "weight": weight, "active": bool(active)}
    errors: dict[str, str] = {}
    number = _weight(weight)
    which = f"({catalogue(db).label(indicator.theme)}: {indicator.code})"
    if not " ".join(label.split()):
        errors[f"label-{row}"] = f"Enter the indicator's wording {which}"
    elif len(" ".join(label.split())) > 300:
        errors[f"label-{row}"] = f"The wording must be 300 characters or fewer {which}"
    if number is None:
        errors[f"weight-{row}"] = f"Enter a weight from 0 to {MAX_WEIGHT} {which}"
    if not errors:
        assert number is not None
        try:
            service.save_indicator(
                db,
                actor=principal.actor(),
                theme=indicator.theme,
                code=indicator.code,
                label=label,
                weight=number,
                active=bool(active),
            )
        except service.IntakeError as error:
            db.rollback()
            errors[f"label-{row}"] = str(error)[:1].upper() + str(error)[1:]
        else:
            db.commit()
            return RedirectResponse(f"/admin/indicators?saved={row}", status_code=303)
    return _page(request, db, errors=errors, values=values, status_code=400)


def _add(
    request: Request,
    db: Session,
    principal: Principal,
    theme: str,
    code: str,
    label: str,
    weight: str,
) -> Response:
    label_text = " ".join(label.split())
    code_text = code.strip().lower() or _code_from(label_text)
    values = {"add": True, "theme": theme, "code": code, "label": label, "weight": weight}
    errors: dict[str, str] = {}
    themes = catalogue(db)
    if not themes.is_active(theme):
        errors["add-theme"] = "Choose the theme the indicator belongs to"
    if not label_text:
        errors["add-label"] = "Enter the indicator's wording"
    elif len(label_text) > 300:
        errors["add-label"] = "The wording must be 300 characters or fewer"
    if code.strip() and (
        len(code_text) > 60 or not code_text.isascii() or not code_text.replace("_", "").isalnum()
    ):
        errors["add-code"] = "The code may have only letters, digits and underscores (at most 60)"
    number = _weight(weight)
    if number is None:
        errors["add-weight"] = f"Enter a weight from 0 to {MAX_WEIGHT}"
    if not errors and db.scalar(
        select(IntelIndicator.id).where(
            IntelIndicator.theme == theme, IntelIndicator.code == code_text
        )
    ):
        errors["add-code"] = (
            f"{themes.label(theme)} already has an indicator with the code “{code_text}”: "
            "change it in the list above, or choose another code"
        )
    if not errors:
        assert number is not None
        try:
            indicator = service.save_indicator(
                db,
                actor=principal.actor(),
                theme=theme,
                code=code_text,
                label=label_text,
                weight=number,
            )
        except service.IntakeError as error:
            db.rollback()
            message = str(error)
            field = "add-code" if message.startswith("code") else "add-label"
            errors[field] = message[:1].upper() + message[1:]
        else:
            db.commit()
            return RedirectResponse(f"/admin/indicators?saved={indicator.id}", status_code=303)
    return _page(request, db, errors=errors, values=values, status_code=400)
