"""data.police.uk files uploaded in the browser (HTML, ``/imports/police``; ``data.import``).

* ``GET /imports/police``: the upload form (several CSV files at once, an optional force for
  stop-and-search files whose name does not say, "import again anyway"), what each format
  must contain, and the last 20 police import runs.
* ``POST /imports/police`` (multipart): refused before the body is read when nobody is signed
  in (403), the user lacks ``data.import`` (403) or the declared length is over the limit (413).
  Files are streamed into a private folder under the data directory (``police_upload``); the
  CSRF token must come before them. A file over ``BEACON_POLICE_UPLOAD_MAX_MB`` (per file) is
  413, an interrupted or damaged body 400, no file chosen 422; in each case nothing is imported
  and nothing is kept. Otherwise a background job starts (``police_jobs``) and the answer is a
  303 to the job's page.
* ``GET /imports/police/jobs/{job_id}``: progress while the job runs (refreshed by htmx polling
  ``.../progress``, or by a meta refresh without JavaScript), then the report: the CLI's
  figures per file, rejected rows and conflicts with file, line and reason.
* ``GET /imports/police/jobs/{job_id}/report.json``: the report as ``beacon import police
  --json`` prints it.

A job is visible to the user who started it, or to an administrator (``admin.users``) who also
holds ``data.import``; anyone else gets 404, exactly as for a job that does not exist.
"""

from __future__ import annotations

import json
import threading
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from python_multipart.multipart import parse_options_header
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from beacon.auth.csrf import CSRF_FAILED_MESSAGE, session_csrf_token
from beacon.auth.deps import Principal, require_permission
from beacon.auth.permissions import Permission
from beacon.ingest import police_jobs
from beacon.ingest.forces import FORCES
from beacon.ingest.models import ImportRun
from beacon.ingest.police_jobs import Job, JobRegistry
from beacon.ingest.police_upload import (
    CSRF_REFUSED,
    MAX_FILES,
    UploadRefused,
    discard,
    megabytes,
    private_folder,
    receive_upload,
    sweep_stale_folders,
    token_matches,
)
from beacon.ingest.web import refuse_without_session
from beacon.runtime import Runtime
from beacon.web.deps import get_session
from beacon.web.templating import render

router = APIRouter(include_in_schema=False)

IMPORT = Depends(require_permission(Permission.DATA_IMPORT))
PAGE = "/imports/police"
RECENT_RUNS = 20
MAX_FORM_BYTES = 64 * 1024  # a form posted without files (urlencoded)
KIND_LABELS = {
    "police-street": "Street-level crime",
    "police-outcomes": "Outcomes",
    "police-stop-and-search": "Stop and search",
    "street": "Street-level crime",
    "outcomes": "Outcomes",
    "stop-and-search": "Stop and search",
}
NO_FILES = "Choose one or more data.police.uk CSV files to upload"
_registry_lock = threading.Lock()


def jobs(request: Request) -> JobRegistry:
    """This app's jobs (kept on the app, so each app built in one process has its own)."""
    with _registry_lock:
        registry: JobRegistry | None = getattr(request.app.state, "police_jobs", None)
        if registry is None:
            registry = request.app.state.police_jobs = JobRegistry()
    return registry


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _max_file_bytes(runtime: Runtime) -> int:
    return runtime.settings.police_upload_max_mb * 1024 * 1024


def _recent_runs(db: Session) -> list[dict[str, Any]]:
    runs = db.scalars(
        select(ImportRun)
        .where(ImportRun.kind.in_(police_jobs.POLICE_RUN_KINDS))
        .order_by(ImportRun.started_at.desc(), ImportRun.id.desc())
        .limit(RECENT_RUNS)
    )
    return [{"run": run, "kind": KIND_LABELS.get(run.kind, run.kind)} for run in runs]


def _form_page(
    request: Request,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    runtime = _runtime(request)
    with runtime.sessions() as db:
        runs = _recent_runs(db)
    return render(
        request,
        "imports/police.html",
        {
            "nav": "imports",
            "subnav": "police",
            "values": values or {"force": "", "reimport": ""},
            "errors": errors or {},
            "forces": sorted(FORCES.items(), key=lambda item: item[1]),
            "max_file_bytes": _max_file_bytes(runtime),
            "max_megabytes": runtime.settings.police_upload_max_mb,
            "max_files": MAX_FILES,
            "runs": runs,
        },
        status_code=status_code,
    )


async def _page(request: Request, **kwargs: Any) -> HTMLResponse:
    return await run_in_threadpool(lambda: _form_page(request, **kwargs))


@router.get(PAGE, response_class=HTMLResponse, name="police_upload_form")
def police_upload_form(request: Request, principal: Principal = IMPORT) -> HTMLResponse:
    return _form_page(request)


def _values(fields: dict[str, str]) -> dict[str, str]:
    return {
        "force": fields.get("force", "").strip(),
        "reimport": "yes" if fields.get("reimport") == "yes" else "",
    }


def _field_errors(values: dict[str, str], has_files: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not has_files:
        errors["files"] = NO_FILES
    if values["force"] and values["force"] not in FORCES:
        errors["force"] = "Choose a police force from the list, or leave it as it is"
    return errors


@router.post(
    PAGE,
    response_class=HTMLResponse,
    name="police_upload",
    dependencies=[Depends(refuse_without_session)],
)
async def police_upload(
    request: Request, principal: Principal = IMPORT, db: Session = Depends(get_session)
) -> Response:
    runtime = _runtime(request)
    assert principal.user is not None and principal.user_session is not None
    expected = session_csrf_token(request, principal.user_session)
    owner_id = principal.user.id
    actor = principal.actor()
    # Hold no database transaction open while the files arrive. Closing (unlike a rollback)
    # keeps the loaded user for the page layout.
    db.close()
    if request.headers.get("sec-fetch-site", "").lower() == "cross-site":
        raise HTTPException(status_code=403, detail=CSRF_FAILED_MESSAGE)
    max_file = _max_file_bytes(runtime)
    max_body = max_file * MAX_FILES + 1024 * 1024
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > max_body):
        status = 413 if declared.isdigit() else 400
        message = (
            f"The upload is larger than Beacon takes in one go ({MAX_FILES} files of at most "
            f"{megabytes(max_file)} each). Upload the files in smaller groups."
            if status == 413
            else "The request's length was not a number."
        )
        return await _page(request, errors={"files": message}, status_code=status)
    content_type, params = parse_options_header(request.headers.get("content-type"))
    if content_type == b"application/x-www-form-urlencoded":
        return await _form_without_files(request, expected)
    if not content_type:
        # No form at all, so no CSRF token either: refused like any form without one.
        raise HTTPException(status_code=403, detail=CSRF_FAILED_MESSAGE)
    if content_type != b"multipart/form-data" or not params.get(b"boundary"):
        return await _page(
            request,
            errors={
                "files": "The form was not sent as a file upload. Reload the page and try again."
            },
            status_code=400,
        )
    folder = await run_in_threadpool(private_folder, runtime.settings.data_dir)
    try:
        upload = await receive_upload(
            request.stream(),
            params[b"boundary"],
            folder,
            max_file_bytes=max_file,
            max_body_bytes=max_body,
            token_ok=lambda sent: token_matches(sent, expected),
        )
    except UploadRefused as exc:
        await run_in_threadpool(discard, folder)
        if exc.message == CSRF_REFUSED:
            raise HTTPException(status_code=403, detail=CSRF_FAILED_MESSAGE) from None
        return await _page(request, errors={"files": exc.message}, status_code=exc.status)
    except ClientDisconnect:
        # The browser went away mid-upload: nobody reads this answer, but nothing is kept.
        await run_in_threadpool(discard, folder)
        return Response(status_code=400)
    except BaseException:
        await run_in_threadpool(discard, folder)
        raise
    values = _values(upload.fields)
    errors = _field_errors(values, bool(upload.files))
    if errors:
        await run_in_threadpool(discard, folder)
        return await _page(request, values=values, errors=errors, status_code=422)
    registry = jobs(request)
    job = police_jobs.new_job(
        owner_id,
        upload.files,
        folder,
        reimport=values["reimport"] == "yes",
        force=FORCES[values["force"]] if values["force"] else None,
    )
    try:
        await run_in_threadpool(sweep_stale_folders, runtime.settings.data_dir, registry.folders())
        await run_in_threadpool(police_jobs.audit_received, runtime, job, actor)
        registry.add(job)
        police_jobs.start(job, runtime, actor)
    except BaseException:
        await run_in_threadpool(discard, folder)
        raise
    return RedirectResponse(f"{PAGE}/jobs/{job.id}", status_code=303)


async def _form_without_files(request: Request, expected: str) -> Response:
    """A form posted without any file part (urlencoded): check its token, then say what is
    missing."""
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_FORM_BYTES:
            return await _page(
                request, errors={"files": "The form was far larger than expected."}, status_code=413
            )
    fields: dict[str, str] = {}
    for name, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True):
        fields.setdefault(name, value)
    if not token_matches(fields.get("csrf_token", ""), expected):
        raise HTTPException(status_code=403, detail=CSRF_FAILED_MESSAGE)
    values = _values(fields)
    return await _page(request, values=values, errors=_field_errors(values, False), status_code=422)


# --- jobs -------------------------------------------------------------------------------------


def _find_job(request: Request, principal: Principal, db: Session, job_id: str) -> Job:
    assert principal.user is not None
    user_id = principal.user.id
    admin = principal.can(Permission.ADMIN_USERS)

    def may_see(owner_id: int | None) -> bool:
        return owner_id == user_id or admin

    missing = HTTPException(status_code=404, detail="There is no such import.")
    if len(job_id) > 64:
        raise missing
    job = jobs(request).get(job_id)
    if job is not None:
        if not may_see(job.owner_id):
            raise missing
        return job
    found = police_jobs.stored_job(db, job_id, may_see) or police_jobs.received_job(
        db, job_id, may_see
    )
    if found is None:
        raise missing
    return found


def _job_context(job: Job) -> dict[str, Any]:
    errors = job.errors()
    conflicts = job.conflicts_list()
    problems = [f for f in job.files if f.status in (police_jobs.NOT_IMPORTED, police_jobs.FAILED)]
    return {
        "nav": "imports",
        "subnav": "police",
        "job": job,
        "kinds": KIND_LABELS,
        "problems": problems,
        "skipped": [f for f in job.files if f.status == police_jobs.SKIPPED],
        "imported": [f for f in job.files if f.status == police_jobs.IMPORTED],
        "errors": errors[: police_jobs.SHOWN],
        "errors_total": sum(f.rejected for f in job.files),
        "conflicts": conflicts[: police_jobs.SHOWN],
        "conflicts_total": sum(f.conflicts for f in job.files),
        "progress_url": f"{PAGE}/jobs/{job.id}/progress",
        "report_url": f"{PAGE}/jobs/{job.id}/report.json",
    }


@router.get(f"{PAGE}/jobs/{{job_id}}", response_class=HTMLResponse, name="police_job")
def police_job(
    request: Request, job_id: str, principal: Principal = IMPORT, db: Session = Depends(get_session)
) -> HTMLResponse:
    job = _find_job(request, principal, db, job_id)
    return render(request, "imports/police_job.html", _job_context(job))


@router.get(
    f"{PAGE}/jobs/{{job_id}}/progress", response_class=HTMLResponse, name="police_job_progress"
)
def police_job_progress(
    request: Request, job_id: str, principal: Principal = IMPORT, db: Session = Depends(get_session)
) -> HTMLResponse:
    """The progress block alone, for htmx; once the job is done, htmx reloads the whole page
    (``HX-Refresh``) to show the report."""
    job = _find_job(request, principal, db, job_id)
    headers = {"HX-Refresh": "true"} if job.done else None
    return render(request, "imports/_police_progress.html", _job_context(job), headers=headers)


@router.get(f"{PAGE}/jobs/{{job_id}}/report.json", name="police_job_report")
def police_job_report(
    request: Request, job_id: str, principal: Principal = IMPORT, db: Session = Depends(get_session)
) -> Response:
    job = _find_job(request, principal, db, job_id)
    if not job.done:
        raise HTTPException(
            status_code=409, detail="The import is still running: its report is not ready yet."
        )
    stamp = (job.finished_at or job.created_at).strftime("%Y%m%d-%H%M%S")
    return JSONResponse(
        json.loads(json.dumps(job.report(), default=str)),
        headers={"Content-Disposition": f'attachment; filename="police-import-{stamp}.json"'},
    )
