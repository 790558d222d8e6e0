"""What people enter for an assessment, in the browser (HTML; see ``web.py`` for the rest).

* ``GET|POST /assessments/{id}/capacity`` (``assessment.capacity``): one form with a row per
  theme for the signed-in user's own organisation; a form naming another organisation is
  refused, and a row left blank (or unchanged) adds nothing.
* ``GET|POST .../horizon``, ``POST .../horizon/{item}/withdraw``; ``GET|POST .../overrides``,
  ``POST .../overrides/{item}/withdraw``; ``GET|POST .../narrative`` (``assessment.write``).

Each entry goes through ``judgement`` (checks naming the field, the audit event in the same
transaction); a refused form comes back with a GOV.UK error summary (400).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from beacon.assessment import judgement
from beacon.assessment.config import COMPONENTS
from beacon.assessment.models import Assessment, Status
from beacon.assessment.web import (
    BASE,
    CAPACITY,
    CSRF,
    FORM,
    NOTICES,
    WRITE,
    Visit,
    assessment_config,
    audit_visit,
    capitalised,
    common_context,
    find_assessment,
)
from beacon.audit.models import AuditAction
from beacon.auth.models import Organisation, User
from beacon.web.templating import render

router = APIRouter(include_in_schema=False)


def _entry_page(
    v: Visit,
    assessment: Assessment,
    template: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    config = assessment_config(v.runtime)
    labels = {t.key: t.label for t in config.themes}
    themes = [(key, labels.get(key, key)) for key in judgement.themes_of(assessment)]
    found = judgement.entered(v.session, assessment)
    organisation = v.session.get(Organisation, v.principal.organisation_id)
    assert organisation is not None  # a signed-in user's organisation is active
    own = {row.theme: row for row, _ in found.capacity if row.organisation_id == organisation.id}
    return render(
        v.request,
        template,
        {
            **common_context(v, assessment),
            "themes": themes,
            "theme_labels": dict(themes) | {"summary": "Executive summary"},
            "entered": found,
            "own": own,
            "organisation": organisation,
            "categories": judgement.CATEGORIES,
            "ratings": judgement.RATINGS,
            "components": COMPONENTS,
            "narratives": {n.theme: n for n in found.narratives},
            "values": values or {},
            "errors": errors or {},
            "notice": notice,
            "approved": assessment.status == Status.APPROVED.value,
            "limits": {
                "comment": judgement.MAX_COMMENT,
                "title": judgement.MAX_TITLE,
                "description": judgement.MAX_DESCRIPTION,
                "justification": judgement.MIN_JUSTIFICATION,
                "narrative": judgement.MAX_NARRATIVE,
            },
        },
        status_code=status_code,
    )


def _saved(assessment: Assessment, page: str, done: str = "saved") -> RedirectResponse:
    return RedirectResponse(f"{BASE}/{assessment.id}/{page}?done={done}", status_code=303)


def _entry_failed(
    v: Visit, assessment: Assessment, template: str, values: dict[str, Any], error: Exception
) -> HTMLResponse:
    if isinstance(error, LookupError):
        # Raised before anything was written; a rollback here would expire the signed-in user
        # that the error page, rendered after the session closes, still shows.
        raise HTTPException(status_code=404, detail=capitalised(str(error).strip("'\"")))
    v.session.rollback()
    assert isinstance(error, judgement.JudgementError)
    return _entry_page(
        v,
        assessment,
        template,
        values=values,
        errors={error.field: capitalised(error.reason)},
        status_code=400,
    )


def _write(
    v: Visit,
    assessment: Assessment,
    page: str,
    values: dict[str, Any],
    write: Callable[[], object],
    *,
    done: str = "saved",
    refused: tuple[type[Exception], ...] = (judgement.JudgementError,),
) -> Response:
    """Runs ``write`` and commits, then back to ``page`` with the ``done`` notice; a refusal
    shows the page again with the posted ``values`` (or a 404 for an entry that is not there)."""
    try:
        write()
    except refused as error:
        return _entry_failed(v, assessment, f"assessment/{page}.html", values, error)
    v.session.commit()
    return _saved(assessment, page, done)


def _page_route(page: str, name: str, visit: Any = WRITE) -> None:
    """``GET .../{page}``: the entry page, with the notice of what was just done."""
    template = f"assessment/{page}.html"

    @router.get(f"{BASE}/{{assessment_id}}/{page}", response_class=HTMLResponse, name=name)
    def show(assessment_id: int, done: str = "", v: Visit = visit) -> HTMLResponse:
        assessment = find_assessment(v, assessment_id)
        # The page shows partners' own ratings and comments and analysts' entries: audited as
        # the assessment's view is.
        audit_visit(v, assessment.id, "assessment.entries_viewed", AuditAction.CONSULTATION,
                    {"page": page})  # fmt: skip
        return _entry_page(v, assessment, template, notice=NOTICES.get(done))


def _add_route(
    page: str,
    name: str,
    add: Callable[..., object],
    fields: tuple[str, ...],
    *,
    lists: tuple[str, ...] = (),
) -> None:
    """``POST .../{page}``: one entry, each of ``fields`` passed to ``add`` under its form name
    (the name ``add`` gives a refused field, which the error summary links to); ``lists`` are
    the fields that may be posted more than once (checkboxes)."""

    @router.post(
        f"{BASE}/{{assessment_id}}/{page}", response_class=HTMLResponse,
        name=name, dependencies=CSRF,
    )  # fmt: skip
    def add_entry(assessment_id: int, v: Visit = WRITE, form: FormData = FORM) -> Response:
        assessment = find_assessment(v, assessment_id)
        values: dict[str, Any] = {k: str(form.get(k) or "") for k in form if k not in lists}
        values |= {k: [str(t) for t in form.getlist(k)] for k in lists}
        return _write(
            v,
            assessment,
            page,
            values,
            lambda: add(v.session, assessment, v.user, **{f: values.get(f) for f in fields}),
        )


def _withdraw_route(
    page: str, name: str, withdraw: Callable[[Session, Assessment, User, int], object]
) -> None:
    """``POST .../{page}/{item_id}/withdraw``: withdraws one entry listed on ``page``."""

    @router.post(
        f"{BASE}/{{assessment_id}}/{page}/{{item_id}}/withdraw", response_class=HTMLResponse,
        name=name, dependencies=CSRF,
    )  # fmt: skip
    def withdraw_entry(assessment_id: int, item_id: int, v: Visit = WRITE) -> Response:
        assessment = find_assessment(v, assessment_id)
        return _write(
            v,
            assessment,
            page,
            {},
            lambda: withdraw(v.session, assessment, v.user, item_id),
            done="withdrawn",
            refused=(judgement.JudgementError, LookupError),
        )


_page_route("capacity", "assessment_capacity", CAPACITY)


@router.post(
    f"{BASE}/{{assessment_id}}/capacity", response_class=HTMLResponse,
    name="assessment_capacity_save", dependencies=CSRF,
)  # fmt: skip
def capacity_save(assessment_id: int, v: Visit = CAPACITY, form: FormData = FORM) -> Response:
    assessment = find_assessment(v, assessment_id)
    values = {k: str(form.get(k) or "") for k in form}
    errors: dict[str, str] = {}
    posted_org = values.get("organisation_id", "").strip()
    organisation_id = int(posted_org) if posted_org.isdigit() else None
    if posted_org and organisation_id != v.user.organisation_id:
        errors["organisation"] = "You can rate only your own organisation's capacity"
    found = judgement.entered(v.session, assessment)
    own = {r.theme: r for r, _ in found.capacity if r.organisation_id == v.user.organisation_id}
    wanted: list[tuple[str, str, str]] = []
    for key in judgement.themes_of(assessment):
        rating = values.get(f"rating-{key}", "").strip()
        comment = values.get(f"comment-{key}", "")
        if not rating and not comment.strip():
            continue
        try:
            _, value, text = judgement.check_capacity(
                assessment, theme=key, rating=rating, comment=comment, field_suffix=f"-{key}"
            )
        except judgement.JudgementError as error:
            errors[error.field] = capitalised(error.reason)
            continue
        held = own.get(key)
        if held is None or held.rating != value or held.comment != text:
            wanted.append((key, rating, comment))
    if not errors:
        try:
            for key, rating, comment in wanted:
                judgement.add_capacity(
                    v.session,
                    assessment,
                    v.user,
                    theme=key,
                    rating=rating,
                    comment=comment,
                    organisation_id=organisation_id,
                    field_suffix=f"-{key}",
                )
        except judgement.JudgementError as error:
            v.session.rollback()
            errors[error.field] = capitalised(error.reason)
        else:
            v.session.commit()
            return _saved(assessment, "capacity")
    return _entry_page(
        v, assessment, "assessment/capacity.html", values=values, errors=errors, status_code=400
    )


_page_route("horizon", "assessment_horizon")
_add_route(
    "horizon",
    "assessment_horizon_add",
    judgement.add_horizon,
    ("category", "title", "description", "themes"),
    lists=("themes",),
)
_withdraw_route("horizon", "assessment_horizon_withdraw", judgement.withdraw_horizon)
_page_route("overrides", "assessment_overrides")
_add_route(
    "overrides",
    "assessment_override_add",
    judgement.add_override,
    ("theme", "component", "value", "justification"),
)
_withdraw_route("overrides", "assessment_override_withdraw", judgement.withdraw_override)
_page_route("narrative", "assessment_narrative")


@router.post(
    f"{BASE}/{{assessment_id}}/narrative", response_class=HTMLResponse,
    name="assessment_narrative_save", dependencies=CSRF,
)  # fmt: skip
def narrative_save(assessment_id: int, v: Visit = WRITE, form: FormData = FORM) -> Response:
    assessment = find_assessment(v, assessment_id)
    values = {k: str(form.get(k) or "") for k in form}
    held = {n.theme: n.text for n in judgement.entered(v.session, assessment).narratives}

    def write() -> None:
        for key in [judgement.SUMMARY, *judgement.themes_of(assessment)]:
            name = f"text-{key}"
            if name not in values:
                continue
            text = values[name].strip().replace("\r\n", "\n")
            if text == held.get(key, ""):
                continue
            try:
                judgement.set_narrative(v.session, assessment, v.user, theme=key, text=text)
            except judgement.JudgementError as error:
                raise judgement.JudgementError(
                    name if error.field == "text" else error.field, error.reason
                ) from None

    return _write(v, assessment, "narrative", values, write)
