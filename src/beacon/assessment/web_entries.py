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

from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse, Response
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
    capitalised,
    common_context,
    find_assessment,
)
from beacon.auth.models import Organisation
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


@router.get(
    f"{BASE}/{{assessment_id}}/capacity", response_class=HTMLResponse, name="assessment_capacity"
)
def capacity_page(assessment_id: int, done: str = "", v: Visit = CAPACITY) -> HTMLResponse:
    assessment = find_assessment(v, assessment_id)
    return _entry_page(v, assessment, "assessment/capacity.html", notice=NOTICES.get(done))


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


@router.get(
    f"{BASE}/{{assessment_id}}/horizon", response_class=HTMLResponse, name="assessment_horizon"
)
def horizon_page(assessment_id: int, done: str = "", v: Visit = WRITE) -> HTMLResponse:
    assessment = find_assessment(v, assessment_id)
    return _entry_page(v, assessment, "assessment/horizon.html", notice=NOTICES.get(done))


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


@router.post(
    f"{BASE}/{{assessment_id}}/horizon", response_class=HTMLResponse,
    name="assessment_horizon_add", dependencies=CSRF,
)  # fmt: skip
def horizon_add(assessment_id: int, v: Visit = WRITE, form: FormData = FORM) -> Response:
    assessment = find_assessment(v, assessment_id)
    values: dict[str, Any] = {k: str(form.get(k) or "") for k in form if k != "themes"}
    values["themes"] = [str(t) for t in form.getlist("themes")]
    try:
        judgement.add_horizon(
            v.session,
            assessment,
            v.user,
            category=values.get("category"),
            title=values.get("title"),
            description=values.get("description"),
            themes=values["themes"],
        )
    except judgement.JudgementError as error:
        return _entry_failed(v, assessment, "assessment/horizon.html", values, error)
    v.session.commit()
    return _saved(assessment, "horizon")


@router.post(
    f"{BASE}/{{assessment_id}}/horizon/{{item_id}}/withdraw", response_class=HTMLResponse,
    name="assessment_horizon_withdraw", dependencies=CSRF,
)  # fmt: skip
def horizon_withdraw(assessment_id: int, item_id: int, v: Visit = WRITE) -> Response:
    assessment = find_assessment(v, assessment_id)
    try:
        judgement.withdraw_horizon(v.session, assessment, v.user, item_id)
    except (judgement.JudgementError, LookupError) as error:
        return _entry_failed(v, assessment, "assessment/horizon.html", {}, error)
    v.session.commit()
    return _saved(assessment, "horizon", "withdrawn")


@router.get(
    f"{BASE}/{{assessment_id}}/overrides", response_class=HTMLResponse,
    name="assessment_overrides",
)  # fmt: skip
def overrides_page(assessment_id: int, done: str = "", v: Visit = WRITE) -> HTMLResponse:
    assessment = find_assessment(v, assessment_id)
    return _entry_page(v, assessment, "assessment/overrides.html", notice=NOTICES.get(done))


@router.post(
    f"{BASE}/{{assessment_id}}/overrides", response_class=HTMLResponse,
    name="assessment_override_add", dependencies=CSRF,
)  # fmt: skip
def override_add(assessment_id: int, v: Visit = WRITE, form: FormData = FORM) -> Response:
    assessment = find_assessment(v, assessment_id)
    values = {k: str(form.get(k) or "") for k in form}
    try:
        judgement.add_override(
            v.session,
            assessment,
            v.user,
            theme=values.get("theme"),
            component=values.get("component"),
            value=values.get("value"),
            justification=values.get("justification"),
        )
    except judgement.JudgementError as error:
        return _entry_failed(v, assessment, "assessment/overrides.html", values, error)
    v.session.commit()
    return _saved(assessment, "overrides")


@router.post(
    f"{BASE}/{{assessment_id}}/overrides/{{item_id}}/withdraw", response_class=HTMLResponse,
    name="assessment_override_withdraw", dependencies=CSRF,
)  # fmt: skip
def override_withdraw(assessment_id: int, item_id: int, v: Visit = WRITE) -> Response:
    assessment = find_assessment(v, assessment_id)
    try:
        judgement.withdraw_override(v.session, assessment, v.user, item_id)
    except (judgement.JudgementError, LookupError) as error:
        return _entry_failed(v, assessment, "assessment/overrides.html", {}, error)
    v.session.commit()
    return _saved(assessment, "overrides", "withdrawn")


@router.get(
    f"{BASE}/{{assessment_id}}/narrative", response_class=HTMLResponse,
    name="assessment_narrative",
)  # fmt: skip
def narrative_page(assessment_id: int, done: str = "", v: Visit = WRITE) -> HTMLResponse:
    assessment = find_assessment(v, assessment_id)
    return _entry_page(v, assessment, "assessment/narrative.html", notice=NOTICES.get(done))


@router.post(
    f"{BASE}/{{assessment_id}}/narrative", response_class=HTMLResponse,
    name="assessment_narrative_save", dependencies=CSRF,
)  # fmt: skip
def narrative_save(assessment_id: int, v: Visit = WRITE, form: FormData = FORM) -> Response:
    assessment = find_assessment(v, assessment_id)
    values = {k: str(form.get(k) or "") for k in form}
    held = {n.theme: n.text for n in judgement.entered(v.session, assessment).narratives}
    try:
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
    except judgement.JudgementError as error:
        return _entry_failed(v, assessment, "assessment/narrative.html", values, error)
    v.session.commit()
    return _saved(assessment, "narrative")
