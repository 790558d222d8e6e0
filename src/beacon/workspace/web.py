"""The analysis workspace in the browser (HTML; every route needs ``data.read``).

* ``GET /``: the overview of the selected area and period (volume, harm, trend, hotspot map,
  emerging flags), from which each measure opens.
* ``GET /workspace/{measure}``: volume, trends, hotspots, concentration, deprivation.
* ``GET /workspace/profile/{ward|lsoa}/{code}``: a neighbourhood profile (from the maps).
* ``GET .../export/{table}.csv|.xlsx``: the table behind a figure, every row, with provenance.
* ``GET /workspace/areas.geojson``: simplified LSOA boundaries of the selection (for the maps).

Views run the analytics service on the latest snapshot (refreshed when the database changed),
in FastAPI's thread pool. Each view writes one audit event (a consultation); each export a
disclosure. Readers without ``data.small_numbers`` see counts of 1 to 4 as "fewer than 5".
Bad parameters re-show the page's form with a GOV.UK error summary (400), never a 5xx.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from beacon.audit.models import AuditAction
from beacon.audit.service import record_event
from beacon.auth.deps import Principal, require_permission
from beacon.auth.permissions import Permission
from beacon.runtime import Runtime
from beacon.web.deps import get_runtime, get_session
from beacon.web.templating import render
from beacon.workspace.query import (
    SHADES,
    SIGNIFICANCE,
    SOURCES,
    QueryError,
    WorkspaceQuery,
    parse_query,
)

router = APIRouter(include_in_schema=False)
READ = Depends(require_permission(Permission.DATA_READ))

# measure -> (builder name, sources it can analyse)
PAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "overview": ("overview_page", ("crime",)),
    "volume": ("volume_page", ("crime", "partner", "intelligence")),
    "trends": ("trends_page", ("crime", "partner", "intelligence")),
    "hotspots": ("hotspots_page", ("crime", "partner", "intelligence")),
    "concentration": ("concentration_page", ("crime", "partner", "intelligence")),
    "deprivation": ("deprivation_page", ("crime", "partner", "intelligence")),
    "repeats": ("repeats_page", ("crime", "partner", "intelligence")),
    # Street crime has no day and no exact point: near-repeat needs dated points.
    "near-repeat": ("near_repeat_page", ("partner", "intelligence")),
}
# The analytics' option names, as the page's fields.
_FIELDS = {
    "lad": "area", "ward": "area", "lsoa": "area", "force": "area", "area": "area", "level": "area",
    "month": "from", "from": "from", "to": "to", "source": "source", "type": "type",
    "value": "value", "shade": "shade", "significance": "significance",
}  # fmt: skip
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _builder(measure: str) -> Callable[..., Any]:
    from beacon.workspace import measures, service

    name = PAGES[measure][0]
    return getattr(service, name, None) or getattr(measures, name)


def _compute(
    runtime: Runtime,
    principal: Principal,
    measure: str,
    params: Any,
    build: Callable[[Any, WorkspaceQuery, bool], Any],
) -> tuple[Any, dict[str, Any]]:
    """Parse, default and run one page: (page or None, template context)."""
    from beacon.analytics.errors import AnalysisInputError
    from beacon.analytics.service import analysis
    from beacon.workspace.service import area_menu, with_defaults

    sources = PAGES.get(measure, ("", ("crime",)))[1]
    small = principal.can(Permission.DATA_SMALL_NUMBERS)
    context: dict[str, Any] = {
        "measure": measure,
        "sources": {k: SOURCES[k] for k in sources},
        "shades": SHADES,
        "significances": SIGNIFICANCE,
        "menu": [],
        "errors": {},
        "values": dict(params),
        "page": None,
        "query": None,
        "months": [],
        "empty": False,
        "problem": None,
    }
    try:
        query = parse_query(params, sources=sources)
    except QueryError as error:
        context["errors"] = error.errors
        query = None
    try:
        with analysis(
            runtime.settings, snapshot_id=query.snapshot if query else None, engine="duckdb"
        ) as ctx:
            context["menu"] = area_menu(ctx)
            context["months"] = list(ctx.snapshot.months)
            # Nothing to analyse yet (no police data or no lookup) is a state, not a mistake.
            context["empty"] = not context["menu"] or not ctx.snapshot.months
            if query is None or context["empty"]:
                return None, context
            query = with_defaults(ctx, query, runtime.settings.workspace_default_area)
            context["query"] = query
            if query.source != "crime":
                from beacon.analytics.service import event_months

                context["months"] = event_months(ctx, query.source)
            page = build(ctx, query, small)
    except AnalysisInputError as error:
        if error.option is None and error.file is None:
            # Not the request's fault: the data cannot be analysed (e.g. a broken boundary).
            context["problem"] = error.reason
            return None, context
        field = _FIELDS.get(error.option.lstrip("-") if error.option else "area", "area")
        context["errors"] = {field: error.reason}
        return None, context
    except FileNotFoundError as error:
        context["errors"] = {"snapshot": f"No analysis snapshot: {error}"}
        return None, context
    context["page"] = page
    return page, context


def _audit(
    session: Session,
    principal: Principal,
    page: Any,
    measure: str,
    params: Any,
    *,
    export: str | None = None,
) -> None:
    details: dict[str, Any] = {"page": measure, "parameters": dict(params)}
    if export:
        details["export"] = export
    record_event(
        session,
        action=AuditAction.DISCLOSURE if export else AuditAction.CONSULTATION,
        event="workspace.exported" if export else "workspace.viewed",
        actor=principal.actor(),
        record_type="analysis",
        record_id=page.snapshot.get("id") if page else None,
        details=details,
    )
    session.commit()


def _show(v: Visit, measure: str, build: Build, template: str) -> HTMLResponse:
    request, session, principal, runtime = v.request, v.session, v.principal, v.runtime
    # End the request's read transaction first: on SQLite a snapshot refresh during the
    # analysis moves the database on, and a stale reader cannot then write the audit event.
    session.commit()
    page, context = _compute(runtime, principal, measure, request.query_params, build)
    context.update(_template_helpers(request, principal, measure))
    context["tab_links"] = _tabs(context.get("query"))
    _audit(session, principal, page, measure, request.query_params)
    status = 200 if page is not None or not context["errors"] else 400
    return render(request, template, context, status_code=status)


def _quality_text(quality: dict[str, Any]) -> str:
    labels = {
        "period_rows_without_lsoa": "rows without an LSOA",
        "period_rows_lsoa_not_in_lookup": "rows with an LSOA the lookup lacks",
        "period_rows_without_harm_weight": "rows without a harm weight",
        "selected_lsoas_without_population": "selected LSOAs without a population",
    }
    return "; ".join(
        f"{value:,} {labels.get(key, key.replace('_', ' '))}" for key, value in quality.items()
    )


TABS = (
    ("overview", "Overview"),
    ("volume", "Volume and rates"),
    ("trends", "Trends"),
    ("hotspots", "Hotspots"),
    ("concentration", "Concentration"),
    ("deprivation", "Deprivation"),
    ("repeats", "Repeats"),
    ("near-repeat", "Near repeat"),
)


def _tabs(query: WorkspaceQuery | None) -> list[tuple[str, str, str]]:
    """(key, label, link) per measure, keeping the area and months, and the data source where
    the page can analyse it."""
    links = []
    for key, label in TABS:
        path = "/" if key == "overview" else f"/workspace/{key}"
        if query is None:
            links.append((key, label, path))
            continue
        sources = PAGES[key][1]
        source = query.source if query.source in sources else sources[0]
        links.append((key, label, query.url(path, source=source)))
    return links


def _template_helpers(request: Request, principal: Principal, measure: str) -> dict[str, Any]:
    from urllib.parse import urlencode

    from beacon.workspace.tables import show

    params = {k: v for k, v in request.query_params.items()}
    path = request.url.path
    return {
        "nav": "workspace",
        "show_cell": show,
        "quality_text": _quality_text,
        "export_query": f"?{urlencode(params)}" if params else "",
        "viewer_can_import": principal.can(Permission.DATA_IMPORT),
        "profile_base": path,
        "back_url": "/?"
        + urlencode({k: v for k, v in params.items() if k in ("area", "from", "to")})
        if params
        else "/",
    }


@dataclass
class Visit:
    """What every workspace route needs: the request, who is asking, the database session
    (for the audit event) and the runtime (settings and sessions)."""

    request: Request
    principal: Principal
    session: Session
    runtime: Runtime


def visit(
    request: Request,
    principal: Principal = READ,
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> Visit:
    return Visit(request, principal, session, runtime)


VISIT = Depends(visit)
Build = Callable[[Any, WorkspaceQuery, bool], Any]


def _measure_builder(measure: str) -> Build:
    def build(ctx: Any, query: WorkspaceQuery, small: bool) -> Any:
        return _builder(measure)(ctx, query, small_numbers=small)

    return build


def _profile_builder(level: str, code: str) -> Build:
    from beacon.analytics.errors import AnalysisInputError

    def build(ctx: Any, query: WorkspaceQuery, small: bool) -> Any:
        from beacon.workspace.measures import profile_page

        if level not in ("ward", "lsoa"):
            raise AnalysisInputError("profiles are for a ward or an LSOA", option="area")
        return profile_page(ctx, query, level=level, code=code[:20], small_numbers=small)

    return build


def _not_found(request: Request, measure: str) -> HTMLResponse:
    return render(
        request,
        "error.html",
        {
            "status_code": 404,
            "title": "Page not found",
            "message": f"There is no workspace page called {measure[:40]!r}.",
        },
        status_code=404,
    )


@router.get("/", response_class=HTMLResponse, name="home")
def overview(v: Visit = VISIT) -> HTMLResponse:
    """The analyst's home page: the overview of an area and period."""
    return _show(v, "overview", _measure_builder("overview"), "workspace/overview.html")


@router.get("/workspace/areas.geojson", name="workspace_areas")
def areas_geojson(
    request: Request,
    principal: Principal = READ,
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    """Simplified LSOA boundaries of the selected area (cached; no figures in it)."""
    from beacon.analytics.errors import AnalysisInputError
    from beacon.analytics.service import analysis
    from beacon.workspace.geometry import lsoa_geojson
    from beacon.workspace.service import choice_of, with_defaults

    try:
        query = parse_query(request.query_params)
    except QueryError as error:
        return Response(str(error), status_code=400, media_type="text/plain")
    try:
        with analysis(runtime.settings, engine="duckdb") as ctx:
            query = with_defaults(ctx, query, runtime.settings.workspace_default_area)
            from beacon.analytics.service import resolve

            selection, _ = resolve(ctx, choice_of(query), None, "crime")
    except AnalysisInputError as error:
        return Response(str(error), status_code=400, media_type="text/plain")
    with runtime.sessions() as db:
        body = lsoa_geojson(db, selection.lsoas)
    return Response(
        body, media_type="application/geo+json", headers={"Cache-Control": "private, max-age=3600"}
    )


@router.get(
    "/workspace/profile/{level}/{code}", response_class=HTMLResponse, name="workspace_profile"
)
def profile(level: str, code: str, v: Visit = VISIT) -> HTMLResponse:
    return _show(v, "profile", _profile_builder(level, code), "workspace/profile.html")


@router.get(
    "/workspace/profile/{level}/{code}/export/{table}.{format}", name="workspace_profile_export"
)
def profile_export(level: str, code: str, table: str, format: str, v: Visit = VISIT) -> Response:
    return _export(v, "profile", _profile_builder(level, code), table, format)


@router.get("/workspace/{measure}", response_class=HTMLResponse, name="workspace_measure")
def measure_page(measure: str, v: Visit = VISIT) -> HTMLResponse:
    if measure not in PAGES or measure == "overview":
        return _not_found(v.request, measure)
    return _show(v, measure, _measure_builder(measure), "workspace/measure.html")


@router.get("/workspace/{measure}/export/{table}.{format}", name="workspace_export")
def measure_export(measure: str, table: str, format: str, v: Visit = VISIT) -> Response:
    if measure not in PAGES:
        return Response(
            f"There is no workspace page called {measure[:40]!r}.",
            status_code=404,
            media_type="text/plain",
        )
    return _export(v, measure, _measure_builder(measure), table, format)


def _export(v: Visit, measure: str, build: Build, table_id: str, format: str) -> Response:
    from beacon.workspace.tables import to_csv, to_xlsx

    request, session, principal, runtime = v.request, v.session, v.principal, v.runtime
    if format not in EXPORT_TYPES:
        return Response("Export as .csv or .xlsx.", status_code=404, media_type="text/plain")
    session.commit()  # see _show
    page, context = _compute(runtime, principal, measure, request.query_params, build)
    if page is None:
        reasons = "; ".join(f"{k}: {v}" for k, v in context["errors"].items())
        return Response(f"Nothing to export: {reasons}", status_code=400, media_type="text/plain")
    table = page.table(table_id)
    if table is None:
        return Response(
            f"This page has no table called {table_id[:40]!r}.",
            status_code=404,
            media_type="text/plain",
        )
    preamble = [
        ("Page", f"{page.title}: {table.title}"),
        ("Area", page.area_label),
        ("Period", f"{page.period.first} to {page.period.last}"),
        ("Source", SOURCES.get(page.query.source, page.query.source)),
        ("Snapshot", str(page.snapshot.get("id"))),
        (
            "Small numbers",
            "shown"
            if principal.can(Permission.DATA_SMALL_NUMBERS)
            else "counts of 1-4 shown as 'fewer than 5'",
        ),
        (
            "Link",
            str(
                request.url.remove_query_params([]).replace(
                    path=request.url.path.split("/export/")[0]
                )
            ),
        ),
    ]
    body = (
        to_csv(table, preamble=preamble) if format == "csv" else to_xlsx(table, preamble=preamble)
    )
    _audit(session, principal, page, measure, request.query_params, export=f"{table_id}.{format}")
    name = f"beacon-{measure}-{table_id}-{page.period.first}-{page.period.last}.{format}"
    return Response(
        body,
        media_type=EXPORT_TYPES[format],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
