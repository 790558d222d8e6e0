"""Assessments in the browser (HTML, ``/assessments``).

* ``GET /assessments``: the assessments (``assessment.read_shared``): everything for analysts;
  for partners the approved ones (shared version) and those waiting for their capacity ratings.
* ``GET|POST /assessments/new``: ask for one (``assessment.write``).
* ``GET /assessments/{id}``: the interactive view of the latest run, drawn from the stored
  document (never recomputed), with the actions this user may take (``assessment.read``).
* ``POST /assessments/{id}/run`` starts a background run; ``GET .../run/{job}`` shows its
  progress (htmx, or a meta refresh without JavaScript) and then the view, or why it failed.
* ``/capacity`` (``assessment.capacity``: the user's own organisation only), ``/horizon``,
  ``/overrides``, ``/narrative`` (``assessment.write``): what people enter (``web_entries``).
* ``POST /review``, ``/reopen`` (``assessment.write``), ``/approve`` (``assessment.approve``).
* ``GET /draft.{pdf,html,xlsx,zip}``: the latest run rendered now, marked draft (the shared
  version for users without ``assessment.read``); ``GET /issued/{version}/{audience}.{pdf,
  html,xlsx}``: the bytes exactly as issued (the analysts' version needs ``assessment.read``).
* ``GET /compare?run=KEY&with=KEY``: what changed between two runs, and why.

Views and comparisons are audited as consultations, downloads as disclosures, entries and
transitions as collection or alteration, all with record type ``assessment`` and the id.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from beacon.analytics.errors import AnalysisInputError
from beacon.assessment import jobs, judgement, workflow
from beacon.assessment.config import AssessmentConfig
from beacon.assessment.document import KINDS, Document
from beacon.assessment.models import RECORD_TYPE, Assessment, AssessmentRun, Status
from beacon.audit.models import AuditAction
from beacon.audit.service import record_event
from beacon.auth.csrf import require_csrf
from beacon.auth.deps import Principal, require_permission
from beacon.auth.models import User
from beacon.auth.permissions import Permission
from beacon.runtime import Runtime
from beacon.web.deps import get_runtime, get_session
from beacon.web.templating import render

router = APIRouter(include_in_schema=False)
CSRF = [Depends(require_csrf)]
BASE = "/assessments"
STATUS_LABELS = {"draft": "Draft", "reviewed": "Reviewed", "approved": "Approved"}
DRAFT_TYPES = {
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}
ISSUED_FILES = {"pdf": "pdf", "html": "html", "xlsx": "annex_xlsx"}
NOTICES = {
    "created": "The assessment was created. Run it to see its figures.",
    "reviewed": "The assessment is marked reviewed. It can now be approved.",
    "approved": "The assessment is approved: its versions were issued and can be downloaded.",
    "reopened": "The assessment is a draft again, for its next version. Issued files stay.",
    "saved": "Saved.",
    "withdrawn": "Withdrawn.",
}
_registry_lock = threading.Lock()


@dataclass
class Visit:
    request: Request
    principal: Principal
    session: Session
    runtime: Runtime

    @property
    def user(self) -> User:
        assert self.principal.user is not None
        return self.principal.user


def _visit(permission: Permission) -> Any:
    needed = Depends(require_permission(permission))

    def visit(
        request: Request,
        principal: Principal = needed,
        session: Session = Depends(get_session),
        runtime: Runtime = Depends(get_runtime),
    ) -> Visit:
        return Visit(request, principal, session, runtime)

    visit.__name__ = f"visit_{permission.name.lower()}"
    return Depends(visit)


SHARED = _visit(Permission.ASSESSMENT_READ_SHARED)
READ = _visit(Permission.ASSESSMENT_READ)
WRITE = _visit(Permission.ASSESSMENT_WRITE)
APPROVE = _visit(Permission.ASSESSMENT_APPROVE)
CAPACITY = _visit(Permission.ASSESSMENT_CAPACITY)


async def form_data(request: Request) -> FormData:
    """The posted form (already parsed by the CSRF check, which Starlette caches)."""
    return await request.form()


FORM = Depends(form_data)


def jobs_of(request: Request) -> jobs.RunRegistry:
    with _registry_lock:
        registry: jobs.RunRegistry | None = getattr(request.app.state, "assessment_jobs", None)
        if registry is None:
            registry = request.app.state.assessment_jobs = jobs.RunRegistry()
    return registry


def assessment_config(runtime: Runtime) -> AssessmentConfig:
    from beacon.assessment.service import config_for

    return config_for(runtime.settings)


def find_assessment(v: Visit, assessment_id: int) -> Assessment:
    # End the request's read transaction (the principal's): a run stored meanwhile by a
    # background thread would otherwise leave this session a stale reader on SQLite.
    v.session.commit()
    found = v.session.get(Assessment, assessment_id)
    if found is None:
        raise HTTPException(status_code=404, detail="There is no such assessment.")
    return found


def audit_visit(
    v: Visit, assessment_id: int, event: str, action: AuditAction, details: dict[str, Any]
) -> None:
    v.session.commit()  # see find_assessment
    record_event(
        v.session,
        action=action,
        event=event,
        actor=v.principal.actor(),
        record_type=RECORD_TYPE,
        record_id=assessment_id,
        details=details,
    )
    v.session.commit()


def _names(session: Session, user_ids: list[int | None]) -> dict[int, str]:
    wanted = [i for i in user_ids if i is not None]
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
    return {int(i): str(n) for i, n in rows}


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def common_context(v: Visit, assessment: Assessment | None = None) -> dict[str, Any]:
    from beacon.workspace.tables import show

    return {
        "nav": "assessments",
        "kinds": KINDS,
        "status_labels": STATUS_LABELS,
        "assessment": assessment,
        "can": v.principal.can,
        "show_cell": show,
        "export_query": "",
        "base": BASE,
    }


# --- the list ---------------------------------------------------------------------------------


@router.get(BASE, response_class=HTMLResponse, name="assessments")
def assessments(v: Visit = SHARED) -> HTMLResponse:
    analyst = v.principal.can(Permission.ASSESSMENT_READ)
    capacity = v.principal.can(Permission.ASSESSMENT_CAPACITY)
    query = select(Assessment).order_by(Assessment.created_at.desc(), Assessment.id.desc())
    if not analyst:
        shown = [Status.APPROVED.value] + (
            [Status.DRAFT.value, Status.REVIEWED.value] if capacity else []
        )
        query = query.where(Assessment.status.in_(shown))
    found = list(v.session.scalars(query.limit(500)))
    ids = [a.id for a in found]
    latest: dict[int, Any] = {}
    if ids:
        newest = (
            select(AssessmentRun.assessment_id, func.max(AssessmentRun.id).label("run_id"))
            .where(AssessmentRun.assessment_id.in_(ids))
            .group_by(AssessmentRun.assessment_id)
            .subquery()
        )
        for row in v.session.execute(
            select(
                AssessmentRun.assessment_id, AssessmentRun.run_key, AssessmentRun.created_at
            ).join(newest, newest.c.run_id == AssessmentRun.id)
        ):
            latest[int(row.assessment_id)] = row
    issued = workflow.issued_versions(v.session, ids)
    return render(
        v.request,
        "assessment/list.html",
        {
            **common_context(v),
            "rows": [
                {"assessment": a, "run": latest.get(a.id), "versions": issued.get(a.id, [])}
                for a in found
            ],
            "analyst": analyst,
        },
    )


# --- asking for one ---------------------------------------------------------------------------


def _menu(runtime: Runtime) -> tuple[list[dict[str, Any]], list[str]]:
    from beacon.analytics.service import analysis
    from beacon.workspace.service import area_menu

    try:
        with analysis(runtime.settings, engine="duckdb") as ctx:
            return area_menu(ctx), list(ctx.snapshot.months)
    except (AnalysisInputError, FileNotFoundError):
        return [], []


def _new_page(
    v: Visit,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    menu, months = _menu(v.runtime)
    config = assessment_config(v.runtime)
    return render(
        v.request,
        "assessment/new.html",
        {
            **common_context(v),
            "menu": menu,
            "months": months,
            "themes": config.themes,
            "values": values,
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.get(f"{BASE}/new", response_class=HTMLResponse, name="assessment_new")
def assessment_new(v: Visit = WRITE) -> HTMLResponse:
    config = assessment_config(v.runtime)
    values = {"kind": "strategic", "themes": [t.key for t in config.themes]}
    return _new_page(v, values)


def _area_label(runtime: Runtime, scope: str, start: str, end: str) -> str:
    """The scope's name, checked against the latest snapshot (raises RequestErrors)."""
    from beacon.analytics.selection import area_choice
    from beacon.analytics.service import analysis, resolve
    from beacon.workspace.service import area_label

    level, _, codes = scope.partition(":")
    try:
        with analysis(runtime.settings, engine="duckdb") as ctx:
            selection, _period = resolve(ctx, area_choice(**{level: codes}), (start, end), "crime")
    except FileNotFoundError:
        raise workflow.RequestErrors(
            {"scope": "Nothing is loaded to assess yet: import police data and the ONS lookup"}
        ) from None
    except AnalysisInputError as error:
        option = (error.option or "").lstrip("-")
        field = option if option in ("from", "to") else "scope"
        if option == "month":
            field = "from"
        raise workflow.RequestErrors({field: capitalised(error.reason)}) from None
    return area_label(selection)


@router.post(
    f"{BASE}/new", response_class=HTMLResponse, name="assessment_create", dependencies=CSRF
)
def assessment_create(v: Visit = WRITE, form: FormData = FORM) -> Response:
    values: dict[str, Any] = {k: form.get(k) for k in form if k != "themes"}
    values["themes"] = [str(t) for t in form.getlist("themes")]
    config = assessment_config(v.runtime)
    try:
        spec = workflow.check_request(values, config)
        v.session.commit()
        label = _area_label(v.runtime, spec.scope, spec.period_from, spec.period_to)
    except workflow.RequestErrors as error:
        return _new_page(v, values, error.errors, status_code=400)
    created = workflow.create(
        v.session, spec, v.user, title=workflow.title_for(spec, label, config)
    )
    v.session.commit()
    return RedirectResponse(f"{BASE}/{created.id}?done=created", status_code=303)


# --- the view ---------------------------------------------------------------------------------


def _actions(v: Visit, assessment: Assessment, run: AssessmentRun | None, current: bool) -> Any:
    """What this user may do now, and why not where it is refused."""
    can = v.principal.can
    approved = assessment.status == Status.APPROVED.value
    author = (
        assessment.created_by_user_id is not None and assessment.created_by_user_id == v.user.id
    )
    found: dict[str, Any] = {
        "run": can(Permission.ASSESSMENT_WRITE) and not approved,
        "capacity": can(Permission.ASSESSMENT_CAPACITY) and not approved,
        "enter": can(Permission.ASSESSMENT_WRITE) and not approved,
        "reopen": can(Permission.ASSESSMENT_WRITE) and approved,
        "review": False,
        "approve": False,
        "why_not": [],
    }
    if assessment.status == Status.DRAFT.value and can(Permission.ASSESSMENT_WRITE):
        if run is None:
            found["why_not"].append("It can be reviewed once it has been run.")
        elif author:
            found["why_not"].append("You created this assessment: someone else must review it.")
        elif not current:
            found["why_not"].append(
                "Entries changed since the latest run: run it again before it is reviewed."
            )
        else:
            found["review"] = True
    if assessment.status == Status.REVIEWED.value and can(Permission.ASSESSMENT_APPROVE):
        if author:
            found["why_not"].append("You created this assessment: someone else must approve it.")
        elif not current:
            found["why_not"].append(
                "Entries changed since the latest run: run it again before it is approved."
            )
        else:
            found["approve"] = True
    return found


def _view(
    v: Visit,
    assessment: Assessment,
    *,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    from beacon.assessment.service import document_of

    session = v.session
    run = workflow.latest_run(session, assessment.id)
    document = document_of(run) if run is not None else None
    current = workflow.run_is_current(session, assessment, run) if run is not None else True
    found = judgement.entered(session, assessment)
    people = _names(
        session,
        [
            assessment.created_by_user_id,
            assessment.reviewed_by_user_id,
            assessment.approved_by_user_id,
        ],
    )
    config = assessment_config(v.runtime)
    context = {
        **common_context(v, assessment),
        "run": run,
        "document": document,
        "current": current,
        "entered": found,
        "theme_labels": {t.key: t.label for t in config.themes} | {"summary": "Summary"},
        "categories": judgement.CATEGORIES,
        "people": people,
        "runs": workflow.runs_of(session, assessment.id),
        "versions": workflow.issued_versions(session, [assessment.id]).get(assessment.id, []),
        "actions": _actions(v, assessment, run, current),
        "geometry_url": (
            f"{BASE}/{assessment.id}/areas.geojson?run={run.run_key}" if run is not None else ""
        ),
        "errors": errors or {},
        "notice": notice,
        "parameters": judgement.parameters_of(assessment),
    }
    audit_visit(
        v,
        assessment.id,
        "assessment.viewed",
        AuditAction.CONSULTATION,
        {"run_key": run.run_key if run else None},
    )
    return render(v.request, "assessment/view.html", context, status_code=status_code)


@router.get(f"{BASE}/{{assessment_id}}", response_class=HTMLResponse, name="assessment")
def assessment_view(assessment_id: int, done: str = "", v: Visit = READ) -> HTMLResponse:
    return _view(v, find_assessment(v, assessment_id), notice=NOTICES.get(done))


@router.get(f"{BASE}/{{assessment_id}}/areas.geojson", name="assessment_areas")
def assessment_areas(assessment_id: int, run: str = "", v: Visit = READ) -> Response:
    """The boundaries of the LSOAs the run's maps draw (no figures in them)."""
    from beacon.assessment.service import document_of, run_by_key
    from beacon.workspace.geometry import lsoa_geojson

    find_assessment(v, assessment_id)
    found = run_by_key(v.session, run[:40]) if run else None
    if found is None or found.assessment_id != assessment_id:
        found = workflow.latest_run(v.session, assessment_id)
    if found is None:
        raise HTTPException(status_code=404, detail="This assessment has not been run yet.")
    body = lsoa_geojson(v.session, document_of(found).map_lsoas)
    return Response(
        body, media_type="application/geo+json", headers={"Cache-Control": "private, max-age=3600"}
    )


# --- running it -------------------------------------------------------------------------------


@router.post(
    f"{BASE}/{{assessment_id}}/run", response_class=HTMLResponse, name="assessment_run",
    dependencies=CSRF,
)  # fmt: skip
def assessment_run(assessment_id: int, v: Visit = WRITE) -> Response:
    assessment = find_assessment(v, assessment_id)
    registry = jobs_of(v.request)
    running = registry.running_for(assessment.id)
    if running is not None:
        return RedirectResponse(f"{BASE}/{assessment.id}/run/{running.id}", status_code=303)
    try:
        workflow.ensure_can_run(assessment)
    except workflow.WorkflowError as error:
        return _view(v, assessment, errors={"run": capitalised(error.reason)}, status_code=400)
    spec = workflow.spec_of(assessment)
    entered = judgement.load(v.session, assessment)
    v.session.commit()
    job = jobs.new_job(assessment.id, v.user.id)
    registry.add(job)
    jobs.start(job, v.runtime, spec, entered, v.principal.actor())
    return RedirectResponse(f"{BASE}/{assessment.id}/run/{job.id}", status_code=303)


def _job(v: Visit, assessment_id: int, job_id: str) -> jobs.RunJob:
    missing = HTTPException(status_code=404, detail="There is no such run.")
    if len(job_id) > 64:
        raise missing
    job = jobs_of(v.request).get(job_id)
    if job is None:
        job = jobs.stored_job(v.session, assessment_id, job_id)
    if job is None or job.assessment_id != assessment_id:
        raise missing
    return job


def _job_context(v: Visit, assessment: Assessment, job: jobs.RunJob) -> dict[str, Any]:
    return {
        **common_context(v, assessment),
        "job": job,
        "progress_url": f"{BASE}/{assessment.id}/run/{job.id}/progress",
        "job_url": f"{BASE}/{assessment.id}/run/{job.id}",
    }


@router.get(
    f"{BASE}/{{assessment_id}}/run/{{job_id}}", response_class=HTMLResponse, name="assessment_job"
)
def assessment_job(assessment_id: int, job_id: str, v: Visit = WRITE) -> Response:
    assessment = find_assessment(v, assessment_id)
    job = _job(v, assessment_id, job_id)
    if job.state == jobs.DONE:
        return RedirectResponse(f"{BASE}/{assessment.id}", status_code=303)
    status = 400 if job.state == jobs.FAILED else 200
    return render(
        v.request, "assessment/run.html", _job_context(v, assessment, job), status_code=status
    )


@router.get(
    f"{BASE}/{{assessment_id}}/run/{{job_id}}/progress",
    response_class=HTMLResponse,
    name="assessment_job_progress",
)
def assessment_job_progress(assessment_id: int, job_id: str, v: Visit = WRITE) -> HTMLResponse:
    """The progress block alone, for htmx; once the run has ended the page reloads."""
    assessment = find_assessment(v, assessment_id)
    job = _job(v, assessment_id, job_id)
    headers = {"HX-Refresh": "true"} if job.finished else None
    return render(
        v.request, "assessment/_progress.html", _job_context(v, assessment, job), headers=headers
    )


# --- review, approval, new versions -----------------------------------------------------------


def _transition(v: Visit, assessment_id: int, action: str) -> Response:
    assessment = find_assessment(v, assessment_id)
    try:
        if action == "review":
            workflow.review(v.session, assessment, v.user)
        elif action == "approve":
            workflow.approve(v.session, assessment, v.user)
        else:
            workflow.reopen(v.session, assessment, v.user)
    except workflow.WorkflowError as error:
        v.session.rollback()
        v.session.refresh(assessment)
        return _view(v, assessment, errors={action: capitalised(error.reason)}, status_code=400)
    v.session.commit()
    done = {"review": "reviewed", "approve": "approved", "reopen": "reopened"}[action]
    return RedirectResponse(f"{BASE}/{assessment.id}?done={done}", status_code=303)


@router.post(
    f"{BASE}/{{assessment_id}}/review", response_class=HTMLResponse,
    name="assessment_review", dependencies=CSRF,
)  # fmt: skip
def assessment_review(assessment_id: int, v: Visit = WRITE) -> Response:
    return _transition(v, assessment_id, "review")


@router.post(
    f"{BASE}/{{assessment_id}}/approve", response_class=HTMLResponse,
    name="assessment_approve", dependencies=CSRF,
)  # fmt: skip
def assessment_approve(assessment_id: int, v: Visit = APPROVE) -> Response:
    return _transition(v, assessment_id, "approve")


@router.post(
    f"{BASE}/{{assessment_id}}/reopen", response_class=HTMLResponse,
    name="assessment_reopen", dependencies=CSRF,
)  # fmt: skip
def assessment_reopen(assessment_id: int, v: Visit = WRITE) -> Response:
    return _transition(v, assessment_id, "reopen")


# --- downloads --------------------------------------------------------------------------------


def _download(body: bytes, media_type: str, name: str) -> Response:
    import hashlib

    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
            "ETag": f'"{hashlib.sha256(body).hexdigest()}"',
        },
    )


def draft_file(session: Session, document: Document, format: str) -> bytes:
    from beacon.assessment import annex, render
    from beacon.assessment.service import boundaries_for

    if format == "xlsx":
        return annex.to_xlsx(document)
    if format == "zip":
        return annex.to_csv_zip(document)
    boundaries = boundaries_for(session, document)
    if format == "pdf":
        return render.pdf(document, boundaries)
    return render.standalone_html(document, boundaries).encode("utf-8")


@router.get(f"{BASE}/{{assessment_id}}/draft.{{format}}", name="assessment_draft")
def assessment_draft(assessment_id: int, format: str, v: Visit = SHARED) -> Response:
    from beacon.assessment.service import document_of

    if format not in DRAFT_TYPES:
        raise HTTPException(
            status_code=404, detail="Download a draft as .pdf, .html, .xlsx or .zip."
        )
    assessment = find_assessment(v, assessment_id)
    analyst = v.principal.can(Permission.ASSESSMENT_READ)
    if not analyst and assessment.status == Status.APPROVED.value:
        # Partners read what was issued, not a re-rendering of it.
        raise HTTPException(
            status_code=404, detail="This assessment is approved: download its issued version."
        )
    run = workflow.latest_run(v.session, assessment.id)
    if run is None:
        raise HTTPException(status_code=404, detail="This assessment has not been run yet.")
    audience = "analysts" if analyst else "shared"
    document = workflow.audience_version(document_of(run), audience)
    document.status = Status.DRAFT.value
    body = draft_file(v.session, document, format)
    audit_visit(
        v,
        assessment.id,
        "assessment.downloaded",
        AuditAction.DISCLOSURE,
        {"file": f"draft.{format}", "audience": audience, "run_key": run.run_key},
    )
    name = f"beacon-assessment-{assessment.id}-draft-{run.run_key[:8]}-{audience}.{format}"
    return _download(body, DRAFT_TYPES[format], name)


@router.get(
    f"{BASE}/{{assessment_id}}/issued/{{version}}/{{audience}}.{{format}}",
    name="assessment_issued",
)
def assessment_issued(
    assessment_id: int, version: int, audience: str, format: str, v: Visit = SHARED
) -> Response:
    if format not in ISSUED_FILES or audience not in workflow.AUDIENCES:
        raise HTTPException(status_code=404, detail="There is no such issued file.")
    if audience == "analysts" and not v.principal.can(Permission.ASSESSMENT_READ):
        raise HTTPException(
            status_code=403,
            detail="The analysts' version shows small numbers: your account may download the "
            "shared version.",
        )
    assessment = find_assessment(v, assessment_id)
    found = workflow.issue(v.session, assessment.id, version, audience)
    if found is None:
        raise HTTPException(status_code=404, detail="There is no such issued version.")
    file = ISSUED_FILES[format]
    body = workflow.issue_bytes(found, file)
    digest = workflow.issue_digests(found).get(file)
    audit_visit(
        v,
        assessment.id,
        "assessment.downloaded",
        AuditAction.DISCLOSURE,
        {"file": f"{audience}.{format}", "version": version, "sha256": digest},
    )
    name = f"beacon-assessment-{assessment.id}-v{version}-{audience}.{format}"
    return _download(body, DRAFT_TYPES[format], name)


# --- comparing runs ---------------------------------------------------------------------------


@router.get(
    f"{BASE}/{{assessment_id}}/compare", response_class=HTMLResponse, name="assessment_compare"
)
def assessment_compare(assessment_id: int, request: Request, v: Visit = READ) -> HTMLResponse:
    import json

    from beacon.assessment.manifest import compare
    from beacon.assessment.service import run_by_key

    assessment = find_assessment(v, assessment_id)
    runs = workflow.runs_of(v.session, assessment.id)
    old_key = request.query_params.get("run", "")[:40]
    new_key = request.query_params.get("with", "")[:40]
    if not new_key and runs:
        new_key = runs[0].run_key
    if not old_key and len(runs) > 1:
        old_key = runs[1].run_key
    errors: dict[str, str] = {}
    old = run_by_key(v.session, old_key) if old_key else None
    new = run_by_key(v.session, new_key) if new_key else None
    if old is None:
        errors["run"] = (
            f"There is no run {old_key!r}" if old_key else "Choose the earlier run to compare"
        )
    if new is None:
        errors["with"] = (
            f"There is no run {new_key!r}" if new_key else "Choose the later run to compare"
        )
    rows: list[dict[str, Any]] = []
    if old is not None and new is not None:
        rows = compare(json.loads(old.manifest), json.loads(new.manifest))
        audit_visit(
            v,
            assessment.id,
            "assessment.compared",
            AuditAction.CONSULTATION,
            {"run": old.run_key, "with": new.run_key},
        )
    return render(
        v.request,
        "assessment/compare.html",
        {
            **common_context(v, assessment),
            "runs": runs,
            "old": old,
            "new": new,
            "old_key": old_key,
            "new_key": new_key,
            "rows": rows,
            "errors": errors,
        },
        status_code=400 if errors and runs else 200,
    )
