"""The partner intelligence form (HTML; permission ``intel.submit``).

* ``GET /intake/new``: the structured form: summary, facts and assessment in separate boxes
  (DPA 2018 s.38), source, where, when, theme, subjects with their roles (repeated rows that
  work without JavaScript: "Add more rows" re-renders the form with more), indicator checklists
  per theme, 3x5x2 grading and the immediate-risk flag.
* ``POST /intake/new`` (CSRF): parsed by ``schemas.parse_partner_submission`` (422 with an error
  summary linked to the fields, every value kept); stored by ``service.create_partner_report``;
  committed; then, for an immediate risk, the outbox is delivered at once so the alert leaves
  before the confirmation page is shown.
* ``GET /intake/new/done?ref=...``: the reference, what became of the alert, what happens next
  (only for the person who submitted that report).
* ``POST /intake/new/place`` (CSRF): a postcode or street looked up for the form's map picker
  (JSON; ``places.find_places``). Without JavaScript the form's "Find" and "Use this place"
  buttons post the whole form instead, which comes back with every value kept.

The form's sections fold away (``<details>``): those with required questions start open, the
optional ones (subjects, indicators) closed unless they hold something; any section with an
error opens. The map (Leaflet, drawing Beacon's own LSOA boundaries) sets the point; without
JavaScript the coordinates are typed.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from beacon.auth.csrf import require_csrf
from beacon.auth.deps import Principal, require_permission
from beacon.auth.permissions import Permission
from beacon.config import Settings
from beacon.intake import service
from beacon.intake.models import IntelIndicator, IntelReport, SubjectKind, SubjectRole
from beacon.intake.places import Found, find_places, place_from_choice
from beacon.intake.schemas import MAX_SUBJECTS, FormErrors, clean_text, parse_partner_submission
from beacon.intake.views import MAX_BODY_BYTES, alert_status, deliver_now, unencodable_fields
from beacon.triage.service import catalogue
from beacon.web.deps import get_session
from beacon.web.templating import render

router = APIRouter(include_in_schema=False, max_body_size=MAX_BODY_BYTES)

SUBMIT = Depends(require_permission(Permission.INTEL_SUBMIT))
FIRST_ROWS = 6
MORE_ROWS = 4
OTHER_SOURCE = "other"
# The kinds of partner source most reports come from; anything else is "Other" in words.
SOURCE_TYPES = (
    "Housing officer visit",
    "Social care",
    "School or college",
    "Health service",
    "Youth service or youth work",
    "Police",
    "Council enforcement or licensing",
    "Drug and alcohol service",
    "Probation or youth justice",
    "Fire and rescue",
    "Voluntary or community organisation",
    "Partner case system or database",
)
SUBJECT_KINDS = {
    SubjectKind.PERSON: "Person",
    SubjectKind.ADDRESS: "Address",
    SubjectKind.VEHICLE: "Vehicle",
    SubjectKind.PHONE: "Phone number",
    SubjectKind.ORGANISATION: "Organisation or business",
    SubjectKind.ONLINE_ACCOUNT: "Online account",
}
SUBJECT_ROLES = {
    SubjectRole.SUSPECT: "Suspect",
    SubjectRole.VICTIM: "Victim",
    SubjectRole.WITNESS: "Witness",
    SubjectRole.OTHER: "Other or not known",
}
LOCATION_MODES = (
    ("postcode", "A postcode"),
    ("street", "A street or place, in words"),
    ("point", "A point on the map, or its coordinates"),
    ("withheld", "I'd rather not say precisely (give the area below if you can)"),
)
WHEN_MODES = (
    ("date", "On one day"),
    ("range", "Over a range of days"),
    ("ongoing", "It is ongoing (give the day it started if you know it)"),
    ("unknown", "I don't know"),
)
SOURCE_EVALUATIONS = (
    ("1", "1 – Reliable", "The source has proved reliable, or this comes from a system or record."),
    ("2", "2 – Untested", "The source has not been tested, or reliability is not known."),
    ("3", "3 – Not reliable", "There are doubts about the source's reliability."),
)
INTELLIGENCE_ASSESSMENTS = (
    ("A", "A – Known directly to the source", "They saw, heard or found it themselves."),
    ("B", "B – Known indirectly, corroborated", "Heard from someone else, and checked."),
    ("C", "C – Known indirectly", "Heard from someone else; not checked."),
    ("D", "D – Not known", "The source does not know how it is known."),
    ("E", "E – Suspected to be false or malicious", "Recorded because it may still matter."),
)
HANDLING_CODES = (
    ("P", "P – May be shared", "Lawful sharing with partners, no conditions."),
    ("C", "C – Conditions apply", "Say below who may see it and how it must be handled."),
)
LABELS = {
    "summary": "The summary",
    "narrative": "The facts",
    "assessment": "Your assessment",
    "source_type": "The source type",
    "source_type_other": "The source type",
    "source_details": "How the information was obtained",
    "location_mode": "Where",
    "postcode": "The postcode",
    "location_text": "The street, place or area",
    "latitude": "The latitude",
    "longitude": "The longitude",
    "when_mode": "When",
    "occurred_from": "The date",
    "occurred_to": "The last date",
    "occurred_time": "The time",
    "theme": "The theme",
    "source_evaluation": "The source evaluation",
    "intelligence_assessment": "The intelligence assessment",
    "handling_code": "The handling code",
    "handling_conditions": "The handling conditions",
    "indicators": "The indicators",
    "subjects": "The subjects",
}
# Where the error summary's link for a field goes (its first input).
ANCHORS = {
    "occurred_from": "occurred_from_day",
    "occurred_to": "occurred_to_day",
    "subjects": "subject-rows",
    "indicators": "indicators",
}
_SUBJECT_ERROR = re.compile(r"^subjects\[(\d+)\]\.(kind|role|value|details)$")
_SUBJECT_FIELD = re.compile(r"^subjects-(\d{1,4})-(kind|role|value|details)$")
_TEXT_FIELDS = (
    "summary",
    "narrative",
    "assessment",
    "source_type",
    "source_type_other",
    "source_details",
    "location_mode",
    "postcode",
    "location_text",
    "latitude",
    "longitude",
    "when_mode",
    "occurred_from_day",
    "occurred_from_month",
    "occurred_from_year",
    "occurred_to_day",
    "occurred_to_month",
    "occurred_to_year",
    "occurred_time",
    "theme",
    "source_evaluation",
    "intelligence_assessment",
    "handling_code",
    "handling_conditions",
    "immediate_risk",
    "place_query",
)
# The form's folding sections, the fields each holds, and those open when the form is new.
SECTIONS: dict[str, tuple[str, ...]] = {
    "about": ("summary", "theme"),
    "facts": ("narrative", "assessment"),
    "source": ("source_type", "source_type_other", "source_details"),
    "where": (
        "place_query",
        "place_choice",
        "location_mode",
        "postcode",
        "location_text",
        "latitude",
        "longitude",
    ),
    "when": ("when_mode", "occurred_from", "occurred_to", "occurred_time"),
    "subjects": ("subjects",),
    "indicators": ("indicators",),
    "grading": (
        "source_evaluation",
        "intelligence_assessment",
        "handling_code",
        "handling_conditions",
    ),
}
OPEN_SECTIONS = frozenset({"about", "facts", "source", "where", "when", "grading"})


async def _form(request: Request) -> FormData:
    return await request.form()


def _first(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def anchor(name: str) -> str:
    match = _SUBJECT_ERROR.match(name)
    if match:
        return f"subjects-{match.group(1)}-{match.group(2)}"
    return ANCHORS.get(name, name)


def web_message(name: str, message: str) -> str:
    """A full sentence for the page from parse's message fragment."""
    match = _SUBJECT_ERROR.match(name)
    if match:
        return f"Subject {int(match.group(1)) + 1}: {message[:1].upper()}{message[1:]}"
    first = message.split(" ", 1)[0]
    if first in ("must", "is", "cannot", "are"):
        return f"{LABELS.get(name, name.replace('_', ' ').capitalize())} {message}"
    return message[:1].upper() + message[1:]


# ---------------------------------------------------------------------------------------------
# Reading the form


def _subject_rows(form: FormData) -> tuple[list[dict[str, str]], bool]:
    """The subject rows as posted (empty ones included, so errors keep their row numbers), and
    whether there were more than MAX_SUBJECTS filled rows."""
    highest = -1
    for key in form:
        match = _SUBJECT_FIELD.match(key)
        if match:
            highest = max(highest, int(match.group(1)))
    wanted = _first(form, "subject_rows")
    shown = int(wanted) if wanted.isdigit() and len(wanted) < 4 else FIRST_ROWS
    count = max(highest + 1, min(shown, MAX_SUBJECTS))
    rows = [
        {
            part: _first(form, f"subjects-{i}-{part}")
            for part in ("kind", "role", "value", "details")
        }
        for i in range(count)
    ]
    too_many = any(r["value"].strip() or r["kind"] for r in rows[MAX_SUBJECTS:])
    return rows[:MAX_SUBJECTS], too_many


def _values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {name: _first(form, name) for name in _TEXT_FIELDS}
    values["indicators"] = [v for v in form.getlist("indicators") if isinstance(v, str)]
    return values


def _source_type(values: dict[str, Any]) -> tuple[str, str | None]:
    """(source type to store, error) from the select and the "other" box."""
    chosen = values["source_type"].strip()
    if chosen == OTHER_SOURCE:
        return values["source_type_other"], None
    if chosen and chosen not in SOURCE_TYPES:
        return "", "Choose a source type from the list, or choose Other and describe it"
    return chosen, None


# ---------------------------------------------------------------------------------------------
# The page


def _indicator_groups(db: Session) -> list[dict[str, Any]]:
    groups: dict[str, list[IntelIndicator]] = {}
    for indicator in service.list_indicators(db):
        groups.setdefault(indicator.theme, []).append(indicator)
    themes = catalogue(db)
    # Only checklists of current themes: a retired theme is not offered for new reports.
    ordered = [key for key in themes.ordered(groups) if themes.is_active(key)]
    return [{"theme": key, "label": themes.label(key), "items": groups[key]} for key in ordered]


def _open_sections(
    values: dict[str, Any], rows: list[dict[str, str]], errors: dict[str, str]
) -> set[str]:
    """The sections shown open: the required ones, those holding something, those in error."""
    opened = set(OPEN_SECTIONS) | set(values.get("open_sections", ()))
    if any(row["value"].strip() or row["kind"] or row["details"].strip() for row in rows):
        opened.add("subjects")
    if values.get("indicators"):
        opened.add("indicators")
    for name in errors:
        base = "subjects" if name.startswith("subjects") else name
        opened.update(key for key, fields in SECTIONS.items() if base in fields)
    return opened


def _page(
    request: Request,
    db: Session,
    *,
    values: dict[str, Any] | None = None,
    rows: list[dict[str, str]] | None = None,
    errors: dict[str, str] | None = None,
    place: Found | None = None,
    place_used: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    values = values or {name: "" for name in _TEXT_FIELDS} | {"indicators": []}
    if not values.get("when_mode"):
        values["when_mode"] = "date"
    rows = rows or [{"kind": "", "role": "", "value": "", "details": ""}] * FIRST_ROWS
    errors = errors or {}
    settings: Settings = request.app.state.settings
    return render(
        request,
        "intake/partner_new.html",
        {
            "nav": "intake_new",
            "values": values,
            "rows": rows,
            "max_rows": MAX_SUBJECTS,
            "errors": errors,
            "summary_errors": [(anchor(name), message) for name, message in errors.items()],
            "themes": catalogue(db).offered(),
            "source_types": SOURCE_TYPES,
            "subject_kinds": [(k.value, label) for k, label in SUBJECT_KINDS.items()],
            "subject_roles": [(r.value, label) for r, label in SUBJECT_ROLES.items()],
            "location_modes": LOCATION_MODES,
            "when_modes": WHEN_MODES,
            "source_evaluations": SOURCE_EVALUATIONS,
            "intelligence_assessments": INTELLIGENCE_ASSESSMENTS,
            "handling_codes": HANDLING_CODES,
            "indicator_groups": _indicator_groups(db),
            "email_configured": settings.smtp_host is not None,
            "open_sections": _open_sections(values, rows, errors),
            "place": place,
            "place_used": place_used,
        },
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


@router.get("/intake/new", response_class=HTMLResponse, name="partner_report_form")
def partner_report_form(
    request: Request, principal: Principal = SUBMIT, db: Session = Depends(get_session)
) -> HTMLResponse:
    return _page(request, db)


@router.post(
    "/intake/new",
    response_class=HTMLResponse,
    name="partner_report_submit",
    dependencies=[Depends(require_csrf)],
)
def partner_report_submit(
    request: Request,
    form: FormData = Depends(_form),
    principal: Principal = SUBMIT,
    db: Session = Depends(get_session),
) -> Response:
    values = _values(form)
    rows, too_many = _subject_rows(form)
    action = _first(form, "action")
    # Not submissions: the same form again, every value kept.
    if action == "more_rows":
        more = [{"kind": "", "role": "", "value": "", "details": ""}] * MORE_ROWS
        rows = (rows + more)[: max(len(rows), MAX_SUBJECTS)]
        return _page(request, db, values=values | {"open_sections": ["subjects"]}, rows=rows)
    if action == "find_place":
        found = find_places(db, values["place_query"])
        return _page(request, db, values=values, rows=rows, place=found)
    if action == "use_place":
        chosen = place_from_choice(_first(form, "place_choice"))
        if chosen is None:
            found = find_places(db, values["place_query"])
            problem = {"place_choice": "Choose one of the places found, or look for another"}
            return _page(
                request, db, values=values, rows=rows, place=found, errors=problem, status_code=422
            )
        values.update(chosen)
        used = chosen.get("postcode") or chosen.get("location_text") or "the point"
        return _page(request, db, values=values, rows=rows, place_used=used)
    errors = _check(request, db, principal, values, rows, too_many)
    if isinstance(errors, Response):
        return errors
    return _page(request, db, values=values, rows=rows, errors=errors, status_code=422)


def _check(
    request: Request,
    db: Session,
    principal: Principal,
    values: dict[str, Any],
    rows: list[dict[str, str]],
    too_many: bool,
) -> dict[str, str] | Response:
    """Parse and store; the redirect to the confirmation, or the errors (in form order)."""
    settings: Settings = request.app.state.settings
    source_type, source_error = _source_type(values)
    data = dict(values, source_type=source_type)
    if clean_text(values["handling_code"]).upper() == "P":
        # Conditions go with code C; without JavaScript their box shows whatever is chosen.
        data["handling_conditions"] = ""
    bad = unencodable_fields({**data, "subjects": rows})
    if bad:
        return {"summary": "The form contains characters that are not text; check what you pasted"}
    try:
        parsed = parse_partner_submission(
            data,
            subjects=rows,
            indicator_ids=values["indicators"],
            today=service.today(),
            themes=catalogue(db),
        )
    except FormErrors as exc:
        found = dict(exc.errors)
    else:
        found = {}
    if source_error:
        found["source_type"] = source_error
    elif "source_type" in found and values["source_type"] == OTHER_SOURCE:
        found["source_type_other"] = found.pop("source_type")
    if too_many:
        found["subjects"] = f"at most {MAX_SUBJECTS} subjects per report"
    if not found:
        try:
            submitted = service.create_partner_report(
                db,
                principal=principal.access(),
                actor=principal.actor(),
                data=parsed,
                settings=settings,
            )
        except service.NotReady:
            db.rollback()
            raise HTTPException(
                status_code=503,
                detail="Beacon cannot take intelligence yet: no organisation receives it. "
                "Tell your Beacon administrator.",
            ) from None
        except service.IntakeError as exc:
            db.rollback()
            found["indicators"] = str(exc)
        else:
            db.commit()
            if parsed.immediate_risk:
                deliver_now(db, settings)
            return RedirectResponse(f"/intake/new/done?ref={submitted.reference}", status_code=303)
    order = [*_TEXT_FIELDS, "subjects", "indicators"]

    def position(item: tuple[str, str]) -> tuple[int, int, str]:
        name = item[0]
        row = _SUBJECT_ERROR.match(name)
        base = "subjects" if name.startswith("subjects") else name
        base = f"{base}_day" if base in ("occurred_from", "occurred_to") else base
        index = order.index(base) if base in order else len(order)
        return (index, int(row.group(1)) if row else -1, name)

    return {
        name: web_message(name, message) for name, message in sorted(found.items(), key=position)
    }


@router.get("/intake/new/done", response_class=HTMLResponse, name="partner_report_done")
def partner_report_done(
    request: Request,
    ref: str = "",
    principal: Principal = SUBMIT,
    db: Session = Depends(get_session),
) -> HTMLResponse:
    report = None
    if principal.user is not None and 0 < len(ref) <= 20:
        report = db.scalar(
            select(IntelReport).where(
                IntelReport.reference == ref,
                IntelReport.submitted_by_user_id == principal.user.id,
            )
        )
    if report is None:
        raise HTTPException(status_code=404)
    settings: Settings = request.app.state.settings
    return render(
        request,
        "intake/partner_done.html",
        {
            "nav": "intake_new",
            "report": report,
            "alerts": alert_status(db, report) if report.immediate_risk else None,
            "email_configured": settings.smtp_host is not None,
        },
        headers={"Cache-Control": "no-store"},
    )


@router.post(
    "/intake/new/place",
    name="partner_report_place",
    dependencies=[Depends(require_csrf)],
)
def partner_report_place(
    form: FormData = Depends(_form),
    principal: Principal = SUBMIT,
    db: Session = Depends(get_session),
) -> JSONResponse:
    """Places matching a postcode or street name, for the form's map picker (JSON). The text
    looked for arrives in the POST body, so it is in no URL or log."""
    found = find_places(db, _first(form, "place_query"))
    return JSONResponse(
        {
            "message": found.message,
            "places": [place.to_dict() | {"choice": place.choice} for place in found.places],
        },
        headers={"Cache-Control": "no-store"},
    )
