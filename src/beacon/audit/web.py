"""The audit log in the browser: search, check the chain, export (HTML, ``/audit``).

* ``GET /audit`` (``audit.read``): the search form and one page of matching events, newest
  first. Showing results is itself a consultation of the log and is recorded
  (CONSULTATION ``audit.searched``, with the filters).
* ``POST /audit/verify`` (``audit.read``, CSRF): checks the whole chain and shows the result.
* ``GET /audit/export.csv`` and ``/audit/export.jsonl`` (``audit.export``): the matching events
  as a download, in the format ``beacon audit export`` writes. The export is written to a
  spooled temporary file, then recorded as a DISCLOSURE (``audit.exported``) and committed,
  and only then streamed: an export is never sent unaudited.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from beacon.audit.models import AuditAction, AuditEvent
from beacon.audit.query import ExportFormat, export_events, search_events
from beacon.audit.service import record_event
from beacon.audit.verify import VerifyResult, verify_chain
from beacon.auth.csrf import require_csrf
from beacon.auth.deps import Principal, require_permission
from beacon.auth.permissions import Permission
from beacon.web.deps import get_runtime, get_session
from beacon.web.templating import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 100
# Exports up to this size stay in memory; larger ones spill to a temporary file on disk.
SPOOL_MAX_BYTES = 8 * 1024 * 1024
CHUNK_CHARS = 64 * 1024
AUDIT_RECORD_TYPE = "audit_event"
MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
}
ACTION_LABELS: dict[str, str] = {action.value: action.value.capitalize() for action in AuditAction}
# The search form's fields, in the order the error summary lists them.
FIELDS = ("user", "record_type", "record_id", "action", "event", "since", "until")
_MAX_TEXT = 300

READ = Depends(require_permission(Permission.AUDIT_READ))


@dataclass
class Search:
    """The search form as typed (``values``), what it asks for (``filters``) and problems."""

    values: dict[str, str] = field(default_factory=dict)
    filters: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def query_string(self) -> str:
        """The filters as typed, for links (paging, export) that keep them."""
        return urlencode({name: value for name, value in self.values.items() if value})

    def details(self) -> dict[str, Any]:
        """The filters as recorded in the audit log."""
        return {
            name: value.isoformat() if isinstance(value, dt.datetime) else value
            for name, value in self.filters.items()
        }


def _day(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def parse_search(params: Mapping[str, str]) -> Search:
    """Read and check the search fields (as ``beacon audit search`` reads its options)."""
    search = Search(values={name: params.get(name, "").strip() for name in FIELDS})
    values, filters, errors = search.values, search.filters, search.errors
    for name in FIELDS:
        if len(values[name]) > _MAX_TEXT:
            errors[name] = f"Enter at most {_MAX_TEXT} characters"
    if errors:
        return search
    if user := values["user"]:
        if user.isdigit():
            filters["actor_id"] = int(user)
        else:
            filters["actor_label"] = user
    if values["record_type"]:
        filters["record_type"] = values["record_type"]
    if values["record_id"]:
        filters["record_id"] = values["record_id"]
    if action := values["action"]:
        if action.lower() not in ACTION_LABELS:
            errors["action"] = "Choose an action from the list"
        else:
            filters["action"] = action.lower()
    if values["event"]:
        filters["event"] = values["event"]
    since = until = None
    if values["since"]:
        since = _day(values["since"])
        if since is None:
            errors["since"] = "The “from” date must be a real date, for example 2026-03-27"
        else:
            filters["since"] = since
    if values["until"]:
        until = _day(values["until"])
        if until is None:
            errors["until"] = "The “to” date must be a real date, for example 2026-03-27"
        else:
            filters["until"] = until + dt.timedelta(days=1)  # the whole day named
    if since is not None and until is not None and until < since:
        errors["until"] = "The “to” date must be the same as or after the “from” date"
    return search


def _offset(text: str | None) -> int:
    try:
        return max(0, int(text or 0))
    except ValueError:
        return 0


def _utc(moment: dt.datetime) -> dt.datetime:
    # SQLite gives back naive datetimes; Beacon stores UTC.
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _details(details_json: str) -> list[tuple[str, str]]:
    """The event's details as (key, value) lines; the raw text if it is not a JSON object."""
    try:
        parsed = json.loads(details_json)
    except ValueError:
        return [("", details_json)]
    if not isinstance(parsed, dict):
        return [("", details_json)]
    return [
        (str(key), value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        for key, value in parsed.items()
    ]


def _row(event: AuditEvent) -> dict[str, Any]:
    actor = event.actor_label or "–"
    who = event.actor_kind if event.actor_id is None else f"{event.actor_kind} {event.actor_id}"
    record = event.record_type or ""
    if event.record_id is not None:
        record = f"{record} {event.record_id}".strip()
    moment = _utc(event.occurred_at)
    return {
        "seq": event.seq,
        "date": moment.strftime("%Y-%m-%d"),
        "clock": moment.strftime("%H:%M:%S"),
        "time_iso": moment.isoformat(timespec="seconds"),
        "actor": actor,
        "actor_kind": who,
        "action": event.action,
        "event": event.event,
        "record": record,
        "record_type": event.record_type or "",
        "record_id": "" if event.record_id is None else str(event.record_id),
        "justification": event.justification or "",
        "details": _details(event.details_json),
    }


def _page(
    request: Request,
    principal: Principal,
    search: Search,
    *,
    rows: list[dict[str, Any]] | None = None,
    offset: int = 0,
    has_more: bool = False,
    verify: VerifyResult | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    query = search.query_string
    base = f"/audit?{query}&" if query else "/audit?"
    return render(
        request,
        "audit/search.html",
        {
            "nav": "audit",
            "values": search.values,
            "errors": search.errors,
            "actions": list(ACTION_LABELS.items()),
            "rows": rows,
            "offset": offset,
            "page_size": PAGE_SIZE,
            "previous_url": (
                None if offset == 0 else base + urlencode({"offset": max(0, offset - PAGE_SIZE)})
            ),
            "next_url": base + urlencode({"offset": offset + PAGE_SIZE}) if has_more else None,
            "filtered": bool(search.filters),
            "export_query": f"?{query}" if query else "",
            "can_export": principal.can(Permission.AUDIT_EXPORT),
            "verify": verify,
        },
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


@router.get("/audit", response_class=HTMLResponse, name="audit_search")
def audit_search(
    request: Request,
    principal: Principal = READ,
    db: Session = Depends(get_session),
) -> HTMLResponse:
    search = parse_search(request.query_params)
    if search.errors:
        return _page(request, principal, search, status_code=400)
    offset = _offset(request.query_params.get("offset"))
    # One more than a page, to know whether there is a next page.
    events = search_events(db, limit=PAGE_SIZE + 1, offset=offset, **search.filters)
    has_more = len(events) > PAGE_SIZE
    rows = [_row(event) for event in events[:PAGE_SIZE]]
    # Showing events is a consultation of the log: recorded after the search (so it is not
    # among its own results) and committed before the page is sent.
    record_event(
        db,
        action=AuditAction.CONSULTATION,
        event="audit.searched",
        actor=principal.actor(),
        record_type=AUDIT_RECORD_TYPE,
        details={"filters": search.details(), "offset": offset, "results": len(rows)},
    )
    db.commit()
    return _page(request, principal, search, rows=rows, offset=offset, has_more=has_more)


@router.post(
    "/audit/verify",
    response_class=HTMLResponse,
    name="audit_verify",
    dependencies=[Depends(require_csrf)],
)
def audit_verify(request: Request, principal: Principal = READ) -> HTMLResponse:
    # A session of its own: verify_chain reads in one snapshot only when it starts the
    # transaction (the request's session has already read the user and their roles).
    with get_runtime(request).sessions() as session:
        result = verify_chain(session)
    return render(
        request,
        "audit/verify.html",
        {"nav": "audit", "result": result},
        headers={"Cache-Control": "no-store"},
    )


def _chunks(spool: IO[str]) -> Iterator[bytes]:
    try:
        while chunk := spool.read(CHUNK_CHARS):
            yield chunk.encode("utf-8")
    finally:
        spool.close()


def _export(request: Request, principal: Principal, db: Session, format: ExportFormat) -> Response:
    search = parse_search(request.query_params)
    if search.errors:
        raise HTTPException(status_code=400, detail=" ".join(search.errors.values()) + ".")
    spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed by _chunks or below
        max_size=SPOOL_MAX_BYTES, mode="w+", encoding="utf-8", newline=""
    )
    try:
        count = export_events(db, format=format, out=spool, **search.filters)  # type: ignore[arg-type]
        # Recorded and committed before a byte is sent: if it cannot be, nothing is.
        record_event(
            db,
            action=AuditAction.DISCLOSURE,
            event="audit.exported",
            actor=principal.actor(),
            record_type=AUDIT_RECORD_TYPE,
            details={
                "filters": search.details(),
                "format": format,
                "events": count,
                "destination": "web download",
            },
        )
        db.commit()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return StreamingResponse(
        _chunks(spool),
        media_type=MEDIA_TYPES[format],
        headers={
            "Content-Disposition": f'attachment; filename="beacon-audit-{stamp}.{format}"',
            "Cache-Control": "no-store",
            "X-Beacon-Exported-Events": str(count),
        },
    )


EXPORT = Depends(require_permission(Permission.AUDIT_EXPORT))


@router.get("/audit/export.csv", name="audit_export_csv")
def audit_export_csv(
    request: Request, principal: Principal = EXPORT, db: Session = Depends(get_session)
) -> Response:
    return _export(request, principal, db, "csv")


@router.get("/audit/export.jsonl", name="audit_export_jsonl")
def audit_export_jsonl(
    request: Request, principal: Principal = EXPORT, db: Session = Depends(get_session)
) -> Response:
    return _export(request, principal, db, "jsonl")
