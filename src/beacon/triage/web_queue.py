"""The triage queue (HTML, ``/triage``; permission ``intel.read``).

* ``GET /triage``: the triaged reports the signed-in user may view, highest priority first
  (base score plus the ageing bonus, ``flow.current_priority``), then the longest waiting.
  Filters (text, area, theme, band, workflow state, route state, "mine", received dates),
  four sort orders, 50 a page. A bad value re-shows the page with the message next to its
  field (400). A banner points at the unroutable reports while there are any. Audited as a
  CONSULTATION (``triage.queue_viewed``) with the filters and the references shown.
* ``GET /triage/export.csv``: the filtered list whole, without any narrative text (reference,
  dates, band, themes, area, owner, states, handling code and conditions), in the workspace's
  CSV form. Audited as a DISCLOSURE (``triage.queue_exported``).

Filtering happens in SQL; the access decision (``intake.service.visible_decision``, VIEW: the
owning organisation's supervisors, the organisation it is routed to, everyone allowed once it is
disseminated) and the ageing bonus are computed in Python over the filtered rows, then the
page's rows get their names, counts of linked reports and of suggested duplicates in a few
batched queries.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from beacon.access.policy import Action
from beacon.access.policy import Principal as AccessPrincipal
from beacon.audit.models import AuditAction
from beacon.audit.service import record_event
from beacon.auth.deps import Principal, require_permission
from beacon.auth.models import Organisation
from beacon.auth.permissions import Permission
from beacon.geography.models import Area
from beacon.intake.models import IntelReport, State
from beacon.intake.service import visible_decision
from beacon.triage import flow
from beacon.triage.models import ROUTE_STATES, DuplicateLink, EntityMention, TriageResult
from beacon.triage.priority import DEFAULT_AGEING
from beacon.triage.schemas import ThemeCatalogue
from beacon.triage.service import catalogue
from beacon.web.deps import get_session
from beacon.web.templating import render

router = APIRouter(include_in_schema=False)

READ = Depends(require_permission(Permission.INTEL_READ))
NO_STORE = {"Cache-Control": "no-store"}
LONDON = ZoneInfo("Europe/London")
PAGE_SIZE = 50
MAX_TEXT = 200
MAX_PAGE_DIGITS = 6
RECORD_TYPE = "intel_report"
_AREA_CODE = re.compile(r"^[A-Z][0-9]{8}$")
_CHUNK = 500

SORTS: tuple[tuple[str, str], ...] = (
    ("priority", "Priority (highest first)"),
    ("received", "Received (newest first)"),
    ("triaged", "Triaged (newest first)"),
    ("reference", "Reference (A to Z)"),
)
BANDS = ("P1", "P2", "P3", "P4")
BAND_TAGS = {
    "P1": "govuk-tag--red",
    "P2": "govuk-tag--orange",
    "P3": "govuk-tag--yellow",
    "P4": "govuk-tag--grey",
}
ROUTE_LABELS = {
    "routed": "Routed",
    "fallback": "Fallback owner",
    "unroutable": "Unroutable",
    "pending": "Not yet routed",
}
STATE_LABELS = {state.value: state.value.capitalize() for state in State}
FILTER_FIELDS = (
    "q",
    "area",
    "theme",
    "band",
    "state",
    "route",
    "mine",
    "received_from",
    "received_to",
    "sort",
)


# ---------------------------------------------------------------------------------------------
# Filters from the URL, checked per field


@dataclass(frozen=True)
class Filters:
    q: str = ""
    area: str = ""
    theme: str = ""
    band: str = ""
    state: str = ""
    route: str = ""
    mine: bool = False
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    sort: str = "priority"

    def as_params(self) -> dict[str, str]:
        """The non-default filters as URL parameters (and as the audit event's details)."""
        values = {
            "q": self.q,
            "area": self.area,
            "theme": self.theme,
            "band": self.band,
            "state": self.state,
            "route": self.route,
            "mine": "yes" if self.mine else "",
            "received_from": self.received_from.isoformat() if self.received_from else "",
            "received_to": self.received_to.isoformat() if self.received_to else "",
            "sort": "" if self.sort == "priority" else self.sort,
        }
        return {key: value for key, value in values.items() if value}


def _date(value: str) -> dt.date:
    if len(value) != 10:
        raise ValueError(value)
    return dt.date.fromisoformat(value)


def parse_filters(
    params: Mapping[str, str], themes: ThemeCatalogue
) -> tuple[Filters, dict[str, str], dict[str, str]]:
    """(filters, errors by field, the raw values to re-show). Unknown values are errors."""
    raw = {name: (params.get(name) or "").strip() for name in (*FILTER_FIELDS, "page")}
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    q = " ".join(raw["q"].split())
    if len(q) > MAX_TEXT:
        errors["q"] = f"Search for at most {MAX_TEXT} characters"
    values["q"] = q
    area = raw["area"].upper()
    if area in ("", "ANY"):
        area = ""
    elif not _AREA_CODE.match(area):
        errors["area"] = "Enter a district or ward code such as E08000035, or choose any area"
    values["area"] = area
    if raw["theme"] and raw["theme"] not in themes.labels:
        errors["theme"] = "Choose a theme from the list"
    values["theme"] = raw["theme"]
    if raw["band"] and raw["band"] not in BANDS:
        errors["band"] = "Choose a priority band from P1 to P4"
    values["band"] = raw["band"]
    if raw["state"] and raw["state"] not in STATE_LABELS:
        errors["state"] = "Choose a workflow state from the list"
    values["state"] = raw["state"]
    if raw["route"] and raw["route"] not in ROUTE_STATES:
        errors["route"] = "Choose a route state from the list"
    values["route"] = raw["route"]
    if raw["mine"] not in ("", "yes"):
        errors["mine"] = "Tick the box to show only reports assigned to your organisation"
    values["mine"] = raw["mine"] == "yes"
    for name, words in (("received_from", "from"), ("received_to", "to")):
        try:
            values[name] = _date(raw[name]) if raw[name] else None
        except ValueError:
            errors[name] = f"Enter the received {words} date as a real date, like 2026-03-31"
            values[name] = None
    first, last = values["received_from"], values["received_to"]
    if first and last and first > last:
        errors["received_to"] = "The received to date must be the same as or after the from date"
    sort = raw["sort"] or "priority"
    if sort not in dict(SORTS):
        errors["sort"] = "Choose how to sort from the list"
        sort = "priority"
    values["sort"] = sort
    return Filters(**values), errors, raw


def parse_page(value: str) -> int | None:
    """A page number from 1 (None when it is not one: letters, zero, huge numbers)."""
    if not value:
        return 1
    if len(value) > MAX_PAGE_DIGITS or not value.isdigit() or int(value) < 1:
        return None
    return int(value)


# ---------------------------------------------------------------------------------------------
# Finding the rows


@dataclass
class Row:
    """One triaged report as the queue shows it (no narrative text)."""

    id: str
    reference: str
    state: str
    received_on: dt.date
    owning_organisation_id: int
    assigned_organisation_id: int | None
    assigned_team: str | None
    handling_code: str
    handling_conditions: str | None
    submitted_by_user_id: int | None
    restricted: bool
    ward_code: str | None
    district_code: str | None
    lsoa_code: str | None
    themes_json: str = "[]"
    priority_base: float = 0.0
    priority_band: str = ""
    route_state: str = ""
    triaged_at: dt.datetime | None = None
    ageing: float = 0.0
    total: float = 0.0
    linked: int = 0
    duplicates: int = 0

    @property
    def themes(self) -> list[str]:
        return list(json.loads(self.themes_json or "[]"))


_REPORT_COLUMNS = (
    IntelReport.id,
    IntelReport.reference,
    IntelReport.state,
    IntelReport.received_on,
    IntelReport.owning_organisation_id,
    IntelReport.assigned_organisation_id,
    IntelReport.assigned_team,
    IntelReport.handling_code,
    IntelReport.handling_conditions,
    IntelReport.submitted_by_user_id,
    IntelReport.restricted,
    IntelReport.ward_code,
    IntelReport.district_code,
    IntelReport.lsoa_code,
)
_RESULT_COLUMNS = (
    TriageResult.themes_json,
    TriageResult.priority_base,
    TriageResult.priority_band,
    TriageResult.route_state,
    TriageResult.triaged_at,
)


def _row(values: Sequence[Any], columns: Sequence[Any] = _REPORT_COLUMNS) -> Row:
    return Row(**{column.key: value for column, value in zip(columns, values, strict=True)})


_ALL_COLUMNS = (*_REPORT_COLUMNS, *_RESULT_COLUMNS)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _query(filters: Filters, access: AccessPrincipal) -> Select[*tuple[Any, ...]]:
    query: Select[*tuple[Any, ...]] = (
        select(*_REPORT_COLUMNS, *_RESULT_COLUMNS)
        .join(TriageResult, TriageResult.report_id == IntelReport.id)
        .where(IntelReport.erased.is_(False))
    )
    # The access rule's outline in SQL (decide() has the last word per row): readers see
    # P-coded reports, their own organisation's and those routed to it; supervisors all.
    if Permission.INTEL_DISSEMINATE not in access.permissions:
        query = query.where(
            or_(
                IntelReport.handling_code == "P",
                IntelReport.owning_organisation_id == access.organisation_id,
                IntelReport.assigned_organisation_id == access.organisation_id,
            )
        )
    if filters.q:
        pattern = _like(filters.q)
        query = query.where(
            or_(
                func.lower(IntelReport.reference).like(pattern, escape="\\"),
                func.lower(IntelReport.summary).like(pattern, escape="\\"),
                func.lower(IntelReport.narrative).like(pattern, escape="\\"),
            )
        )
    if filters.area:
        query = query.where(
            or_(IntelReport.district_code == filters.area, IntelReport.ward_code == filters.area)
        )
    if filters.theme:
        # Themes are a JSON list of keys: '"asb"' matches the key whole, never a prefix.
        query = query.where(TriageResult.themes_json.like(_like(f'"{filters.theme}"'), escape="\\"))
    if filters.band:
        query = query.where(TriageResult.priority_band == filters.band)
    if filters.state:
        query = query.where(IntelReport.state == filters.state)
    if filters.route:
        query = query.where(TriageResult.route_state == filters.route)
    if filters.mine:
        query = query.where(IntelReport.assigned_organisation_id == access.organisation_id)
    if filters.received_from:
        query = query.where(IntelReport.received_on >= filters.received_from)
    if filters.received_to:
        query = query.where(IntelReport.received_on <= filters.received_to)
    return query


def _sort(rows: list[Row], sort: str) -> None:
    if sort == "received":
        rows.sort(key=lambda r: r.reference)
        rows.sort(key=lambda r: r.received_on, reverse=True)
    elif sort == "triaged":
        rows.sort(key=lambda r: r.reference)
        rows.sort(key=lambda r: _utc(r.triaged_at) if r.triaged_at else _EPOCH, reverse=True)
    elif sort == "reference":
        rows.sort(key=lambda r: r.reference)
    else:  # the longest waiting first among equal totals
        rows.sort(key=lambda r: (-r.total, r.received_on, r.reference))


def _may_view(access: AccessPrincipal, row: Row) -> bool:
    # A Row carries every column the decision reads (state, owners, handling, submitter).
    return visible_decision(access, cast(IntelReport, row), Action.VIEW).allowed


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def find_rows(
    db: Session, filters: Filters, access: AccessPrincipal, *, now: dt.datetime
) -> list[Row]:
    """Every triaged report matching ``filters`` that ``access`` may view, in order."""
    rows: list[Row] = []
    # Plain columns, not ORM objects (loading 10,000 of those was most of the page's time).
    for values in db.execute(_query(filters, access)):
        row = _row(values, _ALL_COLUMNS)
        if not _may_view(access, row):
            continue
        received = dt.datetime.combine(row.received_on, dt.time(), tzinfo=dt.UTC)
        row.ageing, row.total = flow.current_priority(row.priority_base, now=now, received=received)
        rows.append(row)
    _sort(rows, filters.sort)
    return rows


# ---------------------------------------------------------------------------------------------
# What the page's rows need besides themselves (batched: a few queries per page)


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _viewable(db: Session, access: AccessPrincipal, ids: Iterable[str]) -> set[str]:
    """Which of ``ids`` (other reports) ``access`` may view: counts never reveal the rest."""
    wanted = sorted(set(ids))
    allowed: set[str] = set()
    for chunk in _chunks(wanted):
        for columns in db.execute(
            select(*_REPORT_COLUMNS).where(IntelReport.id.in_(chunk), IntelReport.erased.is_(False))
        ):
            row = _row(columns)
            if _may_view(access, row):
                allowed.add(row.id)
    return allowed


def _linked(db: Session, ids: Sequence[str]) -> dict[str, set[str]]:
    """{report id: other reports sharing an entity}, as ``link_store.linked_reports`` says."""
    keys_of: dict[str, set[str]] = defaultdict(set)
    for report_id, key in db.execute(
        select(EntityMention.report_id, EntityMention.entity_key).where(
            EntityMention.report_id.in_(ids)
        )
    ):
        keys_of[report_id].add(key)
    reports_of: dict[str, set[str]] = defaultdict(set)
    for chunk in _chunks(sorted(set().union(*keys_of.values()) if keys_of else set())):
        for report_id, key in db.execute(
            select(EntityMention.report_id, EntityMention.entity_key).where(
                EntityMention.entity_key.in_(chunk)
            )
        ):
            reports_of[key].add(report_id)
    return {
        report_id: set().union(*(reports_of[key] for key in keys)) - {report_id}
        for report_id, keys in keys_of.items()
    }


def _duplicates(db: Session, ids: Sequence[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for a, b in db.execute(
        select(DuplicateLink.report_a, DuplicateLink.report_b).where(
            DuplicateLink.state == "suggested",
            or_(DuplicateLink.report_a.in_(ids), DuplicateLink.report_b.in_(ids)),
        )
    ):
        found[a].add(b)
        found[b].add(a)
    return found


def area_names(db: Session, codes: Iterable[str | None]) -> dict[str, str]:
    """{code: name} for ward and district codes (the newest vintage's name)."""
    wanted = sorted({code for code in codes if code})
    names: dict[str, str] = {}
    for chunk in _chunks(wanted):
        for code, name in db.execute(
            select(Area.code, Area.name)
            .where(Area.code.in_(chunk), Area.level.in_(("ward", "district")))
            .order_by(Area.code, Area.vintage)
        ):
            if name:
                names[code] = name
    return names


def _area(row: Row, names: Mapping[str, str]) -> dict[str, str] | None:
    code = row.ward_code or row.district_code or row.lsoa_code
    if not code:
        return None
    level = "ward" if row.ward_code else "district" if row.district_code else "LSOA"
    return {"code": code, "name": names.get(code, ""), "level": level}


def _area_text(area: dict[str, str] | None) -> str:
    if area is None:
        return ""
    return f"{area['name']} ({area['code']})" if area["name"] else area["code"]


def _organisations(db: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    return {
        org_id: name
        for org_id, name in db.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(wanted))
        )
    }


def _owner_text(row: Row, organisations: Mapping[int, str]) -> str:
    if row.assigned_organisation_id is None:
        return ""
    owner = row.assigned_organisation_id
    name = organisations.get(owner, f"organisation {owner}")
    return f"{name} ({row.assigned_team})" if row.assigned_team else name


def london(moment: dt.datetime | None) -> str:
    """A stored (UTC) moment in Europe/London: "5 Dec 2026 14:03"."""
    if moment is None:
        return ""
    local = _utc(moment).astimezone(LONDON)
    return f"{local.day} {local:%b %Y %H:%M}"


def describe(
    db: Session, access: AccessPrincipal, rows: Sequence[Row], themes: ThemeCatalogue
) -> list[dict[str, Any]]:
    """The page's rows with names, labels and visible counts."""
    ids = [row.id for row in rows]
    linked = _linked(db, ids) if ids else {}
    duplicates = _duplicates(db, ids) if ids else {}
    others = set().union(*linked.values(), *duplicates.values()) if ids else set()
    visible = _viewable(db, access, others)
    names = area_names(db, [r.ward_code or r.district_code for r in rows])
    organisations = _organisations(db, [r.assigned_organisation_id for r in rows])
    items = []
    for row in rows:
        area = _area(row, names)
        triaged = london(row.triaged_at)
        items.append(
            {
                "row": row,
                "themes": [(key, themes.label(key)) for key in row.themes],
                "area": area,
                "owner": _owner_text(row, organisations),
                "triaged_day": triaged[: triaged.rfind(" ")],
                "triaged_time": triaged[triaged.rfind(" ") + 1 :],
                "linked": len(linked.get(row.id, set()) & visible),
                "duplicates": len(duplicates.get(row.id, set()) & visible),
            }
        )
    return items


# ---------------------------------------------------------------------------------------------
# Choice lists


def area_choices(db: Session, access: AccessPrincipal) -> list[tuple[str, str]]:
    """The districts and wards of triaged reports, by name with the code beside it."""
    codes: set[str] = set()
    for ward, district in db.execute(
        select(IntelReport.ward_code, IntelReport.district_code)
        .join(TriageResult, TriageResult.report_id == IntelReport.id)
        .distinct()
    ):
        codes.update(code for code in (ward, district) if code)
    names = area_names(db, codes)
    labelled = [(code, f"{names[code]} ({code})" if code in names else code) for code in codes]
    return sorted(labelled, key=lambda item: (item[1].lower(), item[0]))


# ---------------------------------------------------------------------------------------------
# Routes


def _url(filters: Filters, **extra: str | int) -> str:
    params: dict[str, str | int] = {**filters.as_params(), **extra}
    return "/triage" + ("?" + urlencode(params) if params else "")


@router.get("/triage", response_class=HTMLResponse, name="triage_queue")
def triage_queue(
    request: Request, principal: Principal = READ, db: Session = Depends(get_session)
) -> HTMLResponse:
    themes = catalogue(db)
    access = principal.access()
    filters, errors, raw = parse_filters(request.query_params, themes)
    page = parse_page(raw["page"])
    if page is None:
        errors["page"] = "Enter a page number: a whole number from 1"
        page = 1
    context: dict[str, Any] = {
        "nav": "triage",
        "errors": errors,
        "raw": raw,
        "filters": filters,
        "sorts": SORTS,
        "bands": BANDS,
        "band_tags": BAND_TAGS,
        "route_labels": ROUTE_LABELS,
        "route_states": ROUTE_STATES,
        "state_labels": STATE_LABELS,
        "theme_choices": [(key, label) for key, label in themes.labels.items()],
        "area_choices": area_choices(db, access),
        "ageing": DEFAULT_AGEING,
        "unroutable": flow.unroutable_count(db),
        "unroutable_url": "/triage?route=unroutable",
        "items": [],
        "total": 0,
        "page": page,
        "pages": 1,
        "first": 0,
        "last": 0,
        "previous_url": None,
        "next_url": None,
        "export_url": "/triage/export.csv"
        + ("?" + urlencode(filters.as_params()) if filters.as_params() else ""),
    }
    if not errors:
        rows = find_rows(db, filters, access, now=dt.datetime.now(dt.UTC))
        pages = max(1, math.ceil(len(rows) / PAGE_SIZE))
        if page > pages:
            errors["page"] = f"There {'is' if pages == 1 else 'are'} only {pages} page" + (
                "" if pages == 1 else "s"
            )
        else:
            shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
            context.update(
                items=describe(db, access, shown, themes),
                total=len(rows),
                pages=pages,
                first=(page - 1) * PAGE_SIZE + 1 if shown else 0,
                last=(page - 1) * PAGE_SIZE + len(shown),
                previous_url=_url(filters, page=page - 1) if page > 1 else None,
                next_url=_url(filters, page=page + 1) if page < pages else None,
            )
            db.commit()  # end the reads before writing (see intake.web_shared.end_reads)
            record_event(
                db,
                action=AuditAction.CONSULTATION,
                event="triage.queue_viewed",
                actor=principal.actor(),
                record_type=RECORD_TYPE,
                details={
                    "filters": filters.as_params(),
                    "page": page,
                    "total": len(rows),
                    "references": [row.reference for row in shown],
                },
            )
            db.commit()
    status = 400 if errors else 200
    return render(request, "triage/queue.html", context, status_code=status, headers=NO_STORE)


EXPORT_COLUMNS = (
    ("reference", "Reference"),
    ("received", "Received"),
    ("triaged", "Triaged (Europe/London)"),
    ("band", "Priority band"),
    ("themes", "Themes"),
    ("area", "Area"),
    ("owner", "Owner"),
    ("route", "Route state"),
    ("state", "Workflow state"),
    ("handling", "Handling code"),
    ("conditions", "Handling conditions"),
)


@router.get("/triage/export.csv", name="triage_queue_export")
def triage_export(
    request: Request, principal: Principal = READ, db: Session = Depends(get_session)
) -> Response:
    from beacon.workspace.tables import Column, Table, to_csv

    themes = catalogue(db)
    access = principal.access()
    filters, errors, _ = parse_filters(request.query_params, themes)
    if errors:
        reasons = "; ".join(f"{name}: {message}" for name, message in errors.items())
        return Response(f"Nothing to export: {reasons}", status_code=400, media_type="text/plain")
    now = dt.datetime.now(dt.UTC)
    rows = find_rows(db, filters, access, now=now)
    names = area_names(db, [r.ward_code or r.district_code for r in rows])
    organisations = _organisations(db, [r.assigned_organisation_id for r in rows])
    table = Table(
        id="triage",
        title="Triage queue",
        columns=[Column(key, label) for key, label in EXPORT_COLUMNS],
        rows=[
            {
                "reference": row.reference,
                "received": row.received_on.isoformat(),
                "triaged": london(row.triaged_at),
                "band": row.priority_band,
                "themes": "; ".join(themes.label(key) for key in row.themes),
                "area": _area_text(_area(row, names)),
                "owner": _owner_text(row, organisations),
                "route": ROUTE_LABELS.get(row.route_state, row.route_state),
                "state": STATE_LABELS.get(row.state, row.state),
                # Handling travels with whatever is exported (access.policy).
                "handling": row.handling_code,
                "conditions": row.handling_conditions or "",
            }
            for row in rows
        ],
    )
    described = "; ".join(f"{k}={v}" for k, v in filters.as_params().items()) or "none"
    preamble = [
        ("Page", "Triage queue"),
        ("Filters", described),
        ("Reports", str(len(rows))),
        ("Exported", london(now)),
        ("Exported by", principal.label),
        ("Link", str(request.base_url).rstrip("/") + _url(filters)),
        ("Contents", "No narrative text: open each report in Beacon to read it."),
    ]
    body = to_csv(table, preamble=preamble)
    db.commit()  # end the reads before writing
    record_event(
        db,
        action=AuditAction.DISCLOSURE,
        event="triage.queue_exported",
        actor=principal.actor(),
        record_type=RECORD_TYPE,
        details={
            "filters": filters.as_params(),
            "total": len(rows),
            "references": [row.reference for row in rows],
        },
    )
    db.commit()
    name = f"beacon-triage-{now:%Y-%m-%d}.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', **NO_STORE},
    )
