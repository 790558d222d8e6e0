"""An assessment's life: asked for, run, reviewed, approved (issued), reopened.

draft -> reviewed -> approved. Reviewing and approving are done by someone other than the
assessment's author, on the latest run, and only when that run used the judgement entered now
(an entry made after the run must be run first). Approval renders the latest run once for each
audience (analysts: small numbers shown; shared: suppressed) as PDF, standalone HTML and the
data annex (XLSX), and stores those bytes with their SHA-256 as ``AssessmentIssue`` rows,
numbered version 1, 2, ... Issued rows are never changed: there is no function here that
updates one, and the ORM refuses to (``_refuse_change``). Reopening an approved assessment makes
it a draft again for its next version; the files already issued stay as they were.

Every transition writes its audit event in the caller's transaction; nothing here commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beacon.assessment.config import AssessmentConfig
from beacon.assessment.document import KINDS, Document
from beacon.assessment.judgement import load, parameters_of, record_assessment_event
from beacon.assessment.models import (
    RECORD_TYPE,
    Assessment,
    AssessmentIssue,
    AssessmentRun,
    Status,
)
from beacon.assessment.spec import AssessmentSpec, Judgement
from beacon.audit.models import AuditAction
from beacon.audit.service import record_event
from beacon.auth.models import User
from beacon.auth.permissions import Permission
from beacon.auth.service import user_actor, user_permissions

AUDIENCES = ("analysts", "shared")
FILES = ("pdf", "html", "annex_xlsx")
MAX_MONTHS = 36
MAX_INCIDENT = 300
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_CODE = re.compile(r"^[EWSN]\d{8}$")
_FORCE = re.compile(r"^[a-z0-9][a-z0-9\-]{0,60}$")
_LEVELS = {"force": "police force", "lad": "district", "ward": "ward", "lsoa": "LSOA"}


class WorkflowError(ValueError):
    """A request or transition refused: the field (or action) at fault and why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class RequestErrors(ValueError):
    """Every field of an assessment request that cannot be used, with the reason for each."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


# --- asking for an assessment -----------------------------------------------------------------


def _one(values: Mapping[str, Any], name: str) -> str:
    value = values.get(name)
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value or "").strip()


def _many(values: Mapping[str, Any], name: str) -> list[str]:
    value = values.get(name)
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    return [str(v).strip() for v in items if str(v).strip()]


def check_scope(text: str) -> str:
    """A scope written like the workspace's area keys, normalised; raises WorkflowError."""
    level, _, codes = text.strip().partition(":")
    level = level.strip().lower()
    if level not in _LEVELS or not codes.strip():
        raise WorkflowError(
            "scope",
            "write the area as force:NAME, lad:CODE (several districts: lad:CODE,CODE), "
            "ward:CODE or lsoa:CODE, or choose it from the list",
        )
    if level == "force":
        name = codes.strip().lower()
        if not _FORCE.match(name):
            raise WorkflowError("scope", f"{name[:60]!r} is not a police force's name")
        return f"force:{name}"
    parts = [c.strip().upper() for c in codes.split(",") if c.strip()]
    if len(parts) > 1 and level != "lad":
        raise WorkflowError("scope", f"give one {_LEVELS[level]} code (several only for districts)")
    bad = [c for c in parts if not _CODE.match(c)]
    if bad:
        raise WorkflowError(
            "scope", f"{bad[0][:20]!r} is not an ONS area code (a letter and 8 digits)"
        )
    key = f"{level}:{','.join(dict.fromkeys(parts))}"
    if len(key) > 400:
        raise WorkflowError("scope", "too many districts in one assessment")
    return key


def _month_index(text: str) -> int:
    return int(text[:4]) * 12 + int(text[5:7]) - 1


def _date(text: str, field: str, what: str) -> str:
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    raise WorkflowError(field, f"{what} must be a real date, for example 2026-03-27")


def check_request(values: Mapping[str, Any], config: AssessmentConfig) -> AssessmentSpec:
    """The spec the form (or any mapping of its fields) asks for. Fields: kind, scope (or
    scope_typed, which wins when given), from, to, themes (several), link_force ("yes"), theme
    (a problem profile's), incident, incident_on, review_on (a community impact assessment's).
    Raises ``RequestErrors`` naming every bad field."""
    errors: dict[str, str] = {}
    kind = _one(values, "kind")
    if kind not in KINDS:
        errors["kind"] = "Choose the kind of assessment"
    scope = ""
    typed = _one(values, "scope_typed")
    try:
        scope = check_scope(typed or _one(values, "scope"))
    except WorkflowError as error:
        errors["scope_typed" if typed else "scope"] = error.reason[:1].upper() + error.reason[1:]
    start, end = _one(values, "from"), _one(values, "to")
    for name, value in (("from", start), ("to", end)):
        if not value:
            errors[name] = f"Enter the {'first' if name == 'from' else 'last'} month (YYYY-MM)"
        elif not _MONTH.match(value):
            errors[name] = f"{value[:20]!r} is not a month: use YYYY-MM, for example 2018-10"
    if "from" not in errors and "to" not in errors:
        if start > end:
            errors["from"] = f"The first month ({start}) is after the last ({end})"
        elif _month_index(end) - _month_index(start) >= MAX_MONTHS:
            errors["from"] = f"An assessment covers at most {MAX_MONTHS} months"
    known = [t.key for t in config.themes]
    theme: str | None = None
    themes = list(dict.fromkeys(_many(values, "themes")))
    if kind == "problem":
        theme = _one(values, "theme") or None
        if theme is None:
            errors["theme"] = "Choose the theme the problem profile is about"
        elif theme not in known:
            errors["theme"] = "Choose a theme from the list"
        else:
            themes = [theme]
    else:
        unknown = [t for t in themes if t not in known]
        if unknown:
            errors["themes"] = f"{unknown[0][:60]!r} is not a configured theme"
        elif not themes:
            errors["themes"] = "Choose at least one theme"
    link_force = _one(values, "link_force") == "yes"
    if link_force and (kind != "strategic" or not scope.startswith("lad:")):
        errors["link_force"] = (
            "Only a district's strategic assessment can be shown against its force's priorities"
        )
    incident = incident_on = review_on = None
    if kind == "community_impact":
        incident = _one(values, "incident") or None
        if incident is None:
            errors["incident"] = "Describe the incident in a line"
        elif len(incident) > MAX_INCIDENT:
            errors["incident"] = f"Describe the incident in {MAX_INCIDENT} characters or fewer"
        for name, what in (
            ("incident_on", "The incident's date"),
            ("review_on", "The review date"),
        ):
            text = _one(values, name)
            if not text:
                errors[name] = f"{what} is needed for a community impact assessment"
                continue
            try:
                if name == "incident_on":
                    incident_on = _date(text, name, what)
                else:
                    review_on = _date(text, name, what)
            except WorkflowError as error:
                errors[name] = error.reason
        if incident_on and review_on and review_on < incident_on:
            errors["review_on"] = "The review date is before the incident"
    if errors:
        raise RequestErrors(errors)
    return AssessmentSpec(
        kind=kind,
        scope=scope,
        period_from=start,
        period_to=end,
        themes=tuple(themes),
        link_force=link_force,
        theme=theme,
        incident=incident,
        incident_on=incident_on,
        review_on=review_on,
    )


def title_for(spec: AssessmentSpec, area_label: str, config: AssessmentConfig) -> str:
    period = f"{spec.period_from} to {spec.period_to}"
    if spec.kind == "problem" and spec.theme:
        return f"{KINDS['problem']}: {config.theme(spec.theme).label}, {area_label}, {period}"
    return f"{KINDS[spec.kind]}: {area_label}, {period}"[:300]


def create(session: Session, spec: AssessmentSpec, user: User, *, title: str) -> Assessment:
    """A new draft assessment of ``spec`` (checked by ``check_request``)."""
    parameters = {
        "themes": list(spec.themes),
        "link_force": spec.link_force,
        "theme": spec.theme,
        "incident": spec.incident,
        "incident_on": spec.incident_on,
        "review_on": spec.review_on,
    }
    assessment = Assessment(
        kind=spec.kind,
        title=title[:300],
        scope=spec.scope,
        period_from=spec.period_from,
        period_to=spec.period_to,
        parameters=json.dumps(parameters, sort_keys=True),
        status=Status.DRAFT.value,
        review_on=dt.date.fromisoformat(spec.review_on) if spec.review_on else None,
        created_by_user_id=user.id,
    )
    session.add(assessment)
    session.flush()
    record_assessment_event(
        session,
        assessment,
        user,
        "assessment.created",
        {"title": assessment.title, "spec": spec.to_dict()},
        AuditAction.COLLECTION,
    )
    return assessment


def spec_of(assessment: Assessment) -> AssessmentSpec:
    parameters = parameters_of(assessment)
    return AssessmentSpec(
        kind=assessment.kind,
        scope=assessment.scope,
        period_from=assessment.period_from,
        period_to=assessment.period_to,
        themes=tuple(parameters.get("themes") or ()),
        link_force=bool(parameters.get("link_force")),
        theme=parameters.get("theme"),
        incident=parameters.get("incident"),
        incident_on=parameters.get("incident_on"),
        review_on=parameters.get("review_on"),
    )


# --- runs and transitions ---------------------------------------------------------------------


def runs_of(session: Session, assessment_id: int) -> list[Any]:
    """The assessment's runs, newest first, without their documents (rows of run_key,
    created_at, created_by, snapshot_id, figures_sha256)."""
    return list(
        session.execute(
            select(
                AssessmentRun.id,
                AssessmentRun.run_key,
                AssessmentRun.created_at,
                AssessmentRun.created_by,
                AssessmentRun.snapshot_id,
                AssessmentRun.figures_sha256,
            )
            .where(AssessmentRun.assessment_id == assessment_id)
            .order_by(AssessmentRun.id.desc())
        )
    )


def latest_run(session: Session, assessment_id: int) -> AssessmentRun | None:
    return session.scalars(
        select(AssessmentRun)
        .where(AssessmentRun.assessment_id == assessment_id)
        .order_by(AssessmentRun.id.desc())
        .limit(1)
    ).first()


def judgement_of_run(run: AssessmentRun) -> Judgement:
    return Judgement.from_dict(json.loads(run.manifest).get("judgement"))


def run_is_current(session: Session, assessment: Assessment, run: AssessmentRun) -> bool:
    """Did ``run`` use the judgement entered now? (Which assessment it was entered for does
    not matter: only what was entered.)"""
    used = judgement_of_run(run).to_dict()
    now = load(session, assessment).to_dict()
    used.pop("assessment_id", None)
    now.pop("assessment_id", None)
    return bool(used == now)


def ensure_can_run(assessment: Assessment) -> None:
    if assessment.status == Status.APPROVED.value:
        raise WorkflowError(
            "run", "this assessment is approved: reopen it as a new version before running it"
        )


def run_stored(
    session: Session,
    assessment: Assessment,
    run: AssessmentRun,
    user: User | None,
    *,
    job_id: str | None = None,
) -> None:
    """After a run of ``assessment`` was stored: a reviewed assessment goes back to draft (the
    review was of another run), and the run is audited."""
    if assessment.status == Status.APPROVED.value:
        raise WorkflowError("run", "the assessment was approved while it ran")
    was = assessment.status
    if was == Status.REVIEWED.value:
        assessment.status = Status.DRAFT.value
        assessment.reviewed_by_user_id = None
        assessment.reviewed_at = None
    session.flush()
    record_event(
        session,
        action=AuditAction.COMBINATION,
        event="assessment.run",
        actor=user_actor(user) if user is not None else _system(),
        record_type=RECORD_TYPE,
        record_id=assessment.id,
        details={
            "run_key": run.run_key,
            "snapshot": run.snapshot_id,
            "figures_sha256": run.figures_sha256,
            "status_before": was,
            "status": assessment.status,
            "job": job_id,
        },
    )


def _system() -> Any:
    from beacon.audit.service import AuditActor

    return AuditActor.system("assessment")


def _current_run(session: Session, assessment: Assessment, action: str) -> AssessmentRun:
    run = latest_run(session, assessment.id)
    if run is None:
        raise WorkflowError(action, "run the assessment first: there is nothing to " + action)
    if not run_is_current(session, assessment, run):
        raise WorkflowError(
            action,
            "what was entered (capacity, horizon scan, overrides or narratives) has changed "
            "since the latest run: run the assessment again first",
        )
    return run


def _not_author(assessment: Assessment, user: User, action: str) -> None:
    if assessment.created_by_user_id is not None and assessment.created_by_user_id == user.id:
        raise WorkflowError(action, f"someone other than the assessment's author must {action} it")


def review(session: Session, assessment: Assessment, user: User) -> AssessmentRun:
    """Mark the latest run reviewed (draft -> reviewed)."""
    if Permission.ASSESSMENT_WRITE not in user_permissions(session, user):
        raise WorkflowError("review", "your account may not review assessments")
    if assessment.status != Status.DRAFT.value:
        raise WorkflowError("review", f"the assessment is {assessment.status}, not a draft")
    _not_author(assessment, user, "review")
    run = _current_run(session, assessment, "review")
    assessment.status = Status.REVIEWED.value
    assessment.reviewed_by_user_id = user.id
    assessment.reviewed_at = dt.datetime.now(dt.UTC)
    session.flush()
    record_assessment_event(
        session, assessment, user, "assessment.reviewed", {"run_key": run.run_key},
        AuditAction.ALTERATION,
    )  # fmt: skip
    return run


Renderer = Callable[[Session, Document], dict[str, bytes]]


def render_files(session: Session, document: Document) -> dict[str, bytes]:
    """PDF, standalone HTML and the data annex of ``document``, as issued."""
    from beacon.assessment import annex, render
    from beacon.assessment.service import boundaries_for

    boundaries = boundaries_for(session, document)
    return {
        "pdf": render.pdf(document, boundaries),
        "html": render.standalone_html(document, boundaries).encode("utf-8"),
        "annex_xlsx": annex.to_xlsx(document),
    }


def audience_version(document: Document, audience: str) -> Document:
    """The document as ``audience`` reads it (the shared version has small numbers
    suppressed)."""
    if audience == "shared":
        from beacon.assessment.suppress import shared_version

        return shared_version(document)
    return document


def approve(
    session: Session,
    assessment: Assessment,
    user: User,
    *,
    renderer: Renderer = render_files,
) -> list[AssessmentIssue]:
    """Approve the reviewed assessment and issue its latest run as the next version."""
    from beacon.assessment.service import document_of

    if Permission.ASSESSMENT_APPROVE not in user_permissions(session, user):
        raise WorkflowError("approve", "your account may not approve assessments")
    if assessment.status != Status.REVIEWED.value:
        raise WorkflowError(
            "approve",
            "only a reviewed assessment can be approved"
            if assessment.status == Status.DRAFT.value
            else "the assessment is already approved",
        )
    _not_author(assessment, user, "approve")
    run = _current_run(session, assessment, "approve")
    version = _max_version(session, assessment.id) + 1
    issued: list[AssessmentIssue] = []
    digests: dict[str, dict[str, str]] = {}
    for audience in AUDIENCES:
        document = audience_version(document_of(run), audience)
        document.status = Status.APPROVED.value
        files = renderer(session, document)
        sha = {name: hashlib.sha256(files[name]).hexdigest() for name in FILES}
        digests[audience] = sha
        issue = AssessmentIssue(
            assessment_id=assessment.id,
            run_id=run.id,
            version=version,
            audience=audience,
            pdf=files["pdf"],
            html=files["html"],
            annex_xlsx=files["annex_xlsx"],
            sha256=json.dumps(sha, sort_keys=True),
            issued_by_user_id=user.id,
        )
        session.add(issue)
        issued.append(issue)
    assessment.status = Status.APPROVED.value
    assessment.approved_by_user_id = user.id
    assessment.approved_at = dt.datetime.now(dt.UTC)
    session.flush()
    record_assessment_event(
        session,
        assessment,
        user,
        "assessment.approved",
        {"run_key": run.run_key, "version": version, "sha256": digests},
        AuditAction.ALTERATION,
    )
    return issued


def reopen(session: Session, assessment: Assessment, user: User) -> int:
    """Make an approved assessment a draft again, for its next version; returns that version.
    The versions issued stay exactly as they were."""
    if assessment.status != Status.APPROVED.value:
        raise WorkflowError("reopen", "only an approved assessment can be reopened")
    issued = _max_version(session, assessment.id)
    assessment.status = Status.DRAFT.value
    assessment.reviewed_by_user_id = assessment.reviewed_at = None
    assessment.approved_by_user_id = assessment.approved_at = None
    session.flush()
    record_assessment_event(
        session, assessment, user, "assessment.reopened", {"issued_version": issued},
        AuditAction.ALTERATION,
    )  # fmt: skip
    return issued + 1


# --- issued versions --------------------------------------------------------------------------


def _max_version(session: Session, assessment_id: int) -> int:
    found = session.scalar(
        select(func.max(AssessmentIssue.version)).where(
            AssessmentIssue.assessment_id == assessment_id
        )
    )
    return int(found or 0)


def issued_versions(
    session: Session, assessment_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    """Per assessment, its issued versions newest first: {"version", "issued_at", "audiences":
    {audience: {"sha256": {...}}}} (the files themselves are not loaded)."""
    found: dict[int, dict[int, dict[str, Any]]] = {}
    if not assessment_ids:
        return {}
    rows = session.execute(
        select(
            AssessmentIssue.assessment_id,
            AssessmentIssue.version,
            AssessmentIssue.audience,
            AssessmentIssue.issued_at,
            AssessmentIssue.sha256,
        )
        .where(AssessmentIssue.assessment_id.in_(list(assessment_ids)))
        .order_by(AssessmentIssue.version.desc(), AssessmentIssue.audience)
    )
    for assessment_id, version, audience, issued_at, sha in rows:
        entry = found.setdefault(assessment_id, {}).setdefault(
            version, {"version": version, "issued_at": issued_at, "audiences": {}}
        )
        entry["audiences"][audience] = {"sha256": json.loads(sha or "{}")}
    return {
        key: sorted(versions.values(), key=lambda e: -int(e["version"]))
        for key, versions in found.items()
    }


def issue(
    session: Session, assessment_id: int, version: int, audience: str
) -> AssessmentIssue | None:
    return session.scalars(
        select(AssessmentIssue).where(
            AssessmentIssue.assessment_id == assessment_id,
            AssessmentIssue.version == version,
            AssessmentIssue.audience == audience,
        )
    ).first()


def issue_digests(found: AssessmentIssue) -> dict[str, str]:
    data = json.loads(found.sha256 or "{}")
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def issue_bytes(found: AssessmentIssue, file: str) -> bytes:
    if file not in FILES:
        raise KeyError(file)
    return bytes(getattr(found, file))
