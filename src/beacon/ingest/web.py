"""Partner feed uploads in the browser (HTML, ``/imports/partner-feeds``; ``data.import``).

* ``GET /imports/partner-feeds``: the upload form (feed kind, source organisation, one CSV
  file) and the last 20 partner feed imports recorded in ``import_run``.
* ``POST /imports/partner-feeds`` (CSRF, multipart): bodies over ``MAX_UPLOAD_BYTES`` are
  refused with 413 before they are read; a missing kind, source or file is a 422 with a linked
  error summary. The file is copied to a temporary folder under its own name (so the import
  run and audit event name it), imported by ``partner_import.import_partner_files`` in a
  worker thread with its own session (the event loop is never blocked), and the folder is
  removed. The result page lists the counts and the first ``SHOWN_ERRORS`` rejected rows; a
  file that cannot be read at all is shown as an error naming the reason (422).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import IO, Any, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.types import Message

from beacon.audit.service import AuditActor
from beacon.auth.csrf import CSRF_FAILED_MESSAGE, require_csrf
from beacon.auth.deps import Principal, request_session, require_permission
from beacon.auth.models import Organisation, UserSession
from beacon.auth.permissions import Permission
from beacon.ingest.models import ImportRun
from beacon.ingest.partner_formats import ASB, ASSAULT_ADMISSIONS, DELIBERATE_FIRES
from beacon.ingest.partner_import import FeedFileSummary, import_partner_files
from beacon.runtime import Runtime
from beacon.web.deps import get_session
from beacon.web.templating import render

router = APIRouter(include_in_schema=False)

IMPORT = Depends(require_permission(Permission.DATA_IMPORT))
MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # the whole request: the file and the form fields
SHOWN_ERRORS = 200
RECENT_RUNS = 20
KINDS: dict[str, str] = {
    ASB: "Anti-social behaviour",
    DELIBERATE_FIRES: "Deliberate fires",
    ASSAULT_ADMISSIONS: "Assault admissions",
}
RUN_KINDS = {f"partner-{kind}": label for kind, label in KINDS.items()}
DEFAULT_NAME = "upload.csv"
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:]")

T = TypeVar("T")


def _too_large() -> HTTPException:
    return HTTPException(
        status_code=413,
        detail=f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB, the most Beacon "
        "accepts in one upload. Split it into smaller files (for example one per month) and "
        "upload each.",
    )


async def refuse_without_session(
    user_session: UserSession | None = Depends(request_session),
) -> None:
    """Nobody signed in: refuse before a byte of a possibly huge body is read (the CSRF check
    would refuse it anyway, but only after reading the whole form)."""
    if user_session is None:
        raise HTTPException(status_code=403, detail=CSRF_FAILED_MESSAGE)


async def limit_upload(request: Request) -> None:
    """Refuse a body over ``MAX_UPLOAD_BYTES``: at once when its declared length says so, else
    as soon as that many bytes have arrived (before the form parser spools any more)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise HTTPException(status_code=400, detail="The request's length was not a number.")
        if int(declared) > MAX_UPLOAD_BYTES:
            raise _too_large()
    receive = request._receive
    received = 0

    async def counted() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > MAX_UPLOAD_BYTES:
                raise _too_large()
        return message

    request._receive = counted


def _with_session(runtime: Runtime, work: Callable[[Session], T]) -> T:
    with runtime.sessions() as session:
        return work(session)


def _organisations(db: Session) -> list[tuple[int, str]]:
    rows = db.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.active.is_(True))
        .order_by(Organisation.name)
    )
    return [(row.id, row.name) for row in rows]


def _is_active_organisation(db: Session, organisation_id: int) -> bool:
    found = db.get(Organisation, organisation_id)
    return found is not None and found.active


def _recent_runs(db: Session) -> list[dict[str, Any]]:
    runs = db.scalars(
        select(ImportRun)
        .where(ImportRun.kind.in_(list(RUN_KINDS)))
        .order_by(ImportRun.started_at.desc(), ImportRun.id.desc())
        .limit(RECENT_RUNS)
    )
    recent = []
    for run in runs:
        try:
            summary = json.loads(run.summary_json or "{}")
        except ValueError:
            summary = {}
        source = summary.get("source_organisation") if isinstance(summary, dict) else None
        recent.append(
            {
                "run": run,
                "kind": RUN_KINDS.get(run.kind, run.kind),
                "source": source if isinstance(source, str) else None,
            }
        )
    return recent


def _form_context(db: Session) -> dict[str, Any]:
    return {"organisations": _organisations(db), "runs": _recent_runs(db)}


def _page(
    request: Request,
    context: dict[str, Any],
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "imports/partner_feeds.html",
        {
            "nav": "imports",
            "kinds": list(KINDS.items()),
            "values": values or {"kind": "", "source": ""},
            "errors": errors or {},
            "max_megabytes": MAX_UPLOAD_BYTES // (1024 * 1024),
            **context,
        },
        status_code=status_code,
    )


def upload_name(filename: str | None) -> str:
    """The uploaded file's own name, without any folder, safe to create in a temporary folder."""
    name = PurePosixPath((filename or "").replace("\\", "/")).name
    name = _UNSAFE.sub("_", name).strip()
    if name in ("", ".", ".."):
        return DEFAULT_NAME
    if len(name) > 200:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[:190] + dot + suffix[:9]) if dot and len(suffix) < 10 else name[:200]
    return name


def _import_upload(
    runtime: Runtime,
    upload: IO[bytes],
    name: str,
    *,
    kind: str,
    source_id: int,
    actor: AuditActor,
) -> FeedFileSummary | None:
    """Copy the upload to a temporary folder under its own name and import it (None: the
    organisation is not there, or no longer active)."""
    with tempfile.TemporaryDirectory(prefix="beacon-partner-feed-") as folder:
        path = Path(folder) / name
        upload.seek(0)
        with path.open("wb") as out:
            shutil.copyfileobj(upload, out, 1024 * 1024)
        with runtime.sessions() as session:
            source = session.get(Organisation, source_id)
            if source is None or not source.active:
                return None
            report = import_partner_files(session, [path], kind=kind, source=source, actor=actor)
    return report.files[0]


@router.get("/imports/partner-feeds", response_class=HTMLResponse, name="partner_feed_form")
def partner_feed_form(
    request: Request, principal: Principal = IMPORT, db: Session = Depends(get_session)
) -> HTMLResponse:
    return _page(request, _form_context(db))


@router.post(
    "/imports/partner-feeds",
    response_class=HTMLResponse,
    name="partner_feed_upload",
    dependencies=[Depends(refuse_without_session), Depends(limit_upload), Depends(require_csrf)],
)
async def partner_feed_upload(request: Request, principal: Principal = IMPORT) -> HTMLResponse:
    form = await request.form()
    runtime: Runtime = request.app.state.runtime
    kind = form.get("kind")
    kind = kind if isinstance(kind, str) else ""
    source = form.get("source")
    source = source.strip() if isinstance(source, str) else ""
    upload = form.get("file")
    errors: dict[str, str] = {}
    if kind not in KINDS:
        errors["kind"] = "Choose which feed the file is"
    if not source:
        errors["source"] = "Choose the organisation that sent the file"
    elif (
        not source.isdigit()
        or len(source) > 12
        or not await run_in_threadpool(
            _with_session, runtime, lambda db: _is_active_organisation(db, int(source))
        )
    ):
        errors["source"] = "Choose an organisation from the list"
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["file"] = "Choose the CSV file to upload"
    values = {"kind": kind, "source": source}
    summary: FeedFileSummary | None = None
    name = ""
    if not errors:
        assert isinstance(upload, UploadFile)
        name = upload_name(upload.filename)
        summary = await run_in_threadpool(
            _import_upload,
            runtime,
            upload.file,
            name,
            kind=kind,
            source_id=int(source),
            actor=principal.actor(),
        )
        if summary is None:
            errors["source"] = "Choose an organisation from the list"
    if summary is None:
        context = await run_in_threadpool(_with_session, runtime, _form_context)
        return _page(request, context, values=values, errors=errors, status_code=422)
    shown = summary.errors[:SHOWN_ERRORS] if summary.readable else []
    return render(
        request,
        "imports/partner_feeds_result.html",
        {
            "nav": "imports",
            "summary": summary,
            "file_name": name,
            "kind_label": KINDS[kind],
            "problem": None if summary.readable else summary.errors[0],
            "errors": shown,
            "more": summary.rejected - len(shown) if summary.readable else 0,
        },
        status_code=200 if summary.readable else 422,
    )
