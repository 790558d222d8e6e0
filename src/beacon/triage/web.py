"""The theme taxonomy for administrators (HTML; permission ``admin.organisations``).

* ``GET /admin/themes``: every theme, retired ones included, with its data.police.uk
  categories and state; after a change, a notice (after a retirement, with an undo button).
* ``GET|POST /admin/themes/new``: add a theme (key, label, description, categories, position).
* ``GET|POST /admin/themes/{theme_key}``: edit one (everything but the key, which is permanent).
* ``POST /admin/themes/{theme_key}/retire`` and ``.../restore``: stop offering it for new
  reports, and undo that.

Every POST carries the CSRF token; each change goes through ``triage.service`` (audited as
``triage.theme_created|updated|retired|restored`` in the same transaction) and redirects to the
list with a notice. Errors re-show the form (400), each message next to its field.

Permission: ``admin.organisations``, as for the indicator checklists: the taxonomy is
partnership-wide reference data. Refusals are audited as for every admin page.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from beacon.auth.csrf import require_csrf
from beacon.auth.deps import Principal, require_permission
from beacon.auth.permissions import Permission
from beacon.triage import service
from beacon.triage.models import Theme
from beacon.triage.schemas import (
    MAX_DESCRIPTION,
    MAX_KEY,
    MAX_LABEL,
    ThemeErrors,
    ThemeNotFound,
    parse_position,
)
from beacon.triage.taxonomy import POLICE_CATEGORIES
from beacon.web.deps import get_session
from beacon.web.templating import render

MAX_BODY_BYTES = 64 * 1024
router = APIRouter(include_in_schema=False, max_body_size=MAX_BODY_BYTES)

ADMIN = Depends(require_permission(Permission.ADMIN_ORGANISATIONS))
CSRF = [Depends(require_csrf)]
Text = Annotated[str, Form()]
Categories = Annotated[list[str] | None, Form()]
NO_STORE = {"Cache-Control": "no-store"}
FIELDS = ("key", "label", "description", "police_categories", "position")


def _theme_or_404(db: Session, theme_key: str) -> Theme:
    try:
        return service.get_theme(db, theme_key[:100])
    except ThemeNotFound:
        raise HTTPException(status_code=404, detail="No such theme.") from None


def _to_list(done: str, theme: Theme) -> RedirectResponse:
    return RedirectResponse(
        "/admin/themes?" + urlencode({"done": done, "theme": theme.key}), status_code=303
    )


def _notice(db: Session, done: str | None, key: str | None) -> dict[str, Any] | None:
    if not done or not key or len(key) > 100:
        return None
    try:
        theme = service.get_theme(db, key)
    except ThemeNotFound:
        return None
    texts = {
        "created": f"Added the theme “{theme.label}”: it is offered for new reports now.",
        "saved": f"Saved the theme “{theme.label}”.",
        "retired": f"Retired the theme “{theme.label}”: it is no longer offered for new "
        "reports. Reports that have it keep it.",
        "restored": f"Restored the theme “{theme.label}”: it is offered for new reports again.",
    }
    if done not in texts:
        return None
    return {"text": texts[done], "undo": done == "retired" and not theme.active, "key": theme.key}


@router.get("/admin/themes", response_class=HTMLResponse, dependencies=[ADMIN])
def admin_themes(
    request: Request,
    done: str | None = None,
    theme: str | None = None,
    db: Session = Depends(get_session),
) -> HTMLResponse:
    themes = service.list_themes(db, include_retired=True)
    return render(
        request,
        "admin/themes.html",
        {
            "themes": themes,
            "active_count": sum(1 for t in themes if t.active),
            "category_names": POLICE_CATEGORIES,
            "notice": _notice(db, done, theme),
            "nav": "admin",
            "admin_section": "themes",
        },
        headers=NO_STORE,
    )


def _form_page(
    request: Request,
    *,
    theme: Theme | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "admin/theme_form.html",
        {
            "theme": theme,
            "values": values,
            "errors": errors or {},
            "categories": list(POLICE_CATEGORIES.items()),
            "max_key": MAX_KEY,
            "max_label": MAX_LABEL,
            "max_description": f"{MAX_DESCRIPTION:,}",
            "nav": "admin",
            "admin_section": "themes",
        },
        status_code=status_code,
        headers=NO_STORE,
    )


def _values(theme: Theme) -> dict[str, Any]:
    return {
        "key": theme.key,
        "label": theme.label,
        "description": theme.description,
        "police_categories": list(theme.police_categories),
        "position": str(theme.position),
    }


def _ordered(errors: dict[str, str]) -> dict[str, str]:
    """Errors in form order, so the summary reads top to bottom."""
    return {name: errors[name] for name in FIELDS if name in errors} | {
        name: message for name, message in errors.items() if name not in FIELDS
    }


@router.get("/admin/themes/new", response_class=HTMLResponse, dependencies=[ADMIN])
def admin_theme_new(request: Request) -> HTMLResponse:
    return _form_page(request, theme=None, values={"police_categories": []})


@router.post("/admin/themes/new", response_class=HTMLResponse, dependencies=CSRF)
def admin_theme_create(
    request: Request,
    key: Text = "",
    label: Text = "",
    description: Text = "",
    position: Text = "",
    police_categories: Categories = None,
    principal: Principal = ADMIN,
    db: Session = Depends(get_session),
) -> Response:
    values = {
        "key": key,
        "label": label,
        "description": description,
        "police_categories": police_categories or [],
        "position": position,
    }
    errors: dict[str, str] = {}
    number = parse_position(position, errors)
    categories = police_categories or []
    try:
        if errors:  # the position is not a number: show every other problem with it
            found = service.check_theme(
                db,
                key=key,
                label=label,
                description=description,
                police_categories=categories,
                position=None,
            )
            raise ThemeErrors(found | errors)
        theme = service.create_theme(
            db,
            actor=principal.actor(),
            key=key,
            label=label,
            description=description,
            police_categories=categories,
            position=number,
        )
    except ThemeErrors as error:
        db.rollback()
        return _form_page(
            request, theme=None, values=values, errors=_ordered(error.errors), status_code=400
        )
    db.commit()
    return _to_list("created", theme)


@router.get("/admin/themes/{theme_key}", response_class=HTMLResponse, dependencies=[ADMIN])
def admin_theme_edit(
    request: Request, theme_key: str, db: Session = Depends(get_session)
) -> HTMLResponse:
    theme = _theme_or_404(db, theme_key)
    return _form_page(request, theme=theme, values=_values(theme))


@router.post("/admin/themes/{theme_key}", response_class=HTMLResponse, dependencies=CSRF)
def admin_theme_update(
    request: Request,
    theme_key: str,
    label: Text = "",
    description: Text = "",
    position: Text = "",
    police_categories: Categories = None,
    principal: Principal = ADMIN,
    db: Session = Depends(get_session),
) -> Response:
    theme = _theme_or_404(db, theme_key)
    values = {
        "key": theme.key,
        "label": label,
        "description": description,
        "police_categories": police_categories or [],
        "position": position,
    }
    errors: dict[str, str] = {}
    number = parse_position(position, errors)
    categories = police_categories or []
    try:
        if errors:  # the position is not a number: show every other problem with it
            found = service.check_theme(
                db,
                key=theme.key,
                label=label,
                description=description,
                police_categories=categories,
                position=None,
                existing=theme,
            )
            raise ThemeErrors(found | errors)
        # An emptied position keeps the theme where it is.
        service.update_theme(
            db,
            actor=principal.actor(),
            key=theme.key,
            label=label,
            description=description,
            police_categories=categories,
            position=number,
        )
    except ThemeErrors as error:
        db.rollback()
        return _form_page(
            request, theme=theme, values=values, errors=_ordered(error.errors), status_code=400
        )
    db.commit()
    return _to_list("saved", theme)


@router.post("/admin/themes/{theme_key}/retire", dependencies=CSRF)
def admin_theme_retire(
    request: Request,
    theme_key: str,
    principal: Principal = ADMIN,
    db: Session = Depends(get_session),
) -> Response:
    theme = _theme_or_404(db, theme_key)
    service.retire_theme(db, actor=principal.actor(), key=theme.key)
    db.commit()
    return _to_list("retired", theme)


@router.post("/admin/themes/{theme_key}/restore", dependencies=CSRF)
def admin_theme_restore(
    request: Request,
    theme_key: str,
    principal: Principal = ADMIN,
    db: Session = Depends(get_session),
) -> Response:
    theme = _theme_or_404(db, theme_key)
    service.restore_theme(db, actor=principal.actor(), key=theme.key)
    db.commit()
    return _to_list("restored", theme)
