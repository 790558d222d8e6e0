"""The analytics JSON API (under ``/api/analytics``), for signed-in analysts and API tokens.

Each route needs ``data.read``, runs the same service function as ``beacon analyse``, answers
with the whole result (snapshot, areas, period, method, quality, rows) so a page can draw it
without recomputing, and writes one audit event (a consultation) naming what was asked.
Bad options answer 422 with ``{"detail": [{"field": ..., "message": ...}]}``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from beacon.audit.models import AuditAction
from beacon.audit.service import record_event
from beacon.auth.deps import Principal, require_permission
from beacon.auth.permissions import Permission
from beacon.web.deps import get_runtime, get_session

router = APIRouter(prefix="/analytics", tags=["analytics"])
READ = Depends(require_permission(Permission.DATA_READ))
_CODE = r"^[A-Za-z0-9,\- ]{1,2000}$"
_MONTH = r"^\d{4}-\d{2}$"

RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in, and no valid API token."},
    403: {"description": "The user or token lacks the `data.read` permission."},
    422: {"description": "An option is invalid: `detail` names the field and the reason."},
}


@dataclass
class AreaPeriod:
    force: str | None
    lad: str | None
    ward: str | None
    lsoa: str | None
    month: str | None
    start: str | None
    end: str | None
    snapshot: str | None

    def choice(self) -> Any:
        from beacon.analytics.selection import area_choice

        return area_choice(force=self.force, lad=self.lad, ward=self.ward, lsoa=self.lsoa)

    def asked(self) -> Any:
        from beacon.analytics.selection import period_choice

        return period_choice(month=self.month, start=self.start, end=self.end)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def area_period(
    force: Annotated[str | None, Query(max_length=100, description="Police force id.")] = None,
    lad: Annotated[str | None, Query(pattern=_CODE, description="District code(s).")] = None,
    ward: Annotated[str | None, Query(pattern=_CODE, description="Ward code(s).")] = None,
    lsoa: Annotated[str | None, Query(pattern=_CODE, description="LSOA code(s).")] = None,
    month: Annotated[str | None, Query(pattern=_MONTH, description="YYYY-MM.")] = None,
    start: Annotated[
        str | None, Query(alias="from", pattern=_MONTH, description="First month.")
    ] = None,
    end: Annotated[str | None, Query(alias="to", pattern=_MONTH, description="Last month.")] = None,
    snapshot: Annotated[
        str | None, Query(max_length=80, description="Snapshot id (default: latest).")
    ] = None,
) -> AreaPeriod:
    return AreaPeriod(force, lad, ward, lsoa, month, start, end, snapshot)


AREA_PERIOD = Depends(area_period)


def _invalid(error: Any) -> JSONResponse:
    field = (error.option or error.file or "query").lstrip("-")
    return JSONResponse(
        status_code=422, content={"detail": [{"field": field, "message": str(error)}]}
    )


def answer(
    request_runtime: Any,
    session: Session,
    principal: Principal,
    *,
    measure: str,
    parameters: dict[str, Any],
    snapshot_id: str | None,
    run: Callable[[Any], Any],
) -> Any:
    """Run ``run(context)`` on the snapshot, audit the consultation, return the result dict."""
    from beacon.analytics.errors import AnalysisInputError
    from beacon.analytics.service import analysis

    try:
        with analysis(request_runtime.settings, snapshot_id=snapshot_id, engine="duckdb") as ctx:
            result = run(ctx).to_dict()
    except AnalysisInputError as error:
        return _invalid(error)
    record_event(
        session,
        action=AuditAction.CONSULTATION,
        event=f"analytics.{measure}",
        actor=principal.actor(),
        record_type="analysis",
        record_id=result.get("snapshot", {}).get("id"),
        details={"via": "api", "parameters": parameters, "rows": len(result.get("rows", []))},
    )
    session.commit()
    return result


@router.get("/counts", summary="Counts, rates and harm", responses=RESPONSES)
def counts(
    by: Annotated[str, Query(max_length=100, description="lsoa|ward|district|force,month,type")] = (
        "district"
    ),
    source: Annotated[str, Query(pattern="^(crime|partner|intelligence)$")] = "crime",
    include_zeros: bool = False,
    where: AreaPeriod = AREA_PERIOD,
    principal: Principal = READ,
    session: Session = Depends(get_session),
    runtime: Any = Depends(get_runtime),
) -> Any:
    """Counts, rates per 1,000 residents and harm per area x month x type, as `beacon analyse
    counts` prints them, with the snapshot, method and data-quality notes."""
    from beacon.analytics.service import run_counts

    return answer(
        runtime,
        session,
        principal,
        measure="counts",
        parameters={"by": by, "source": source, **where.to_dict()},
        snapshot_id=where.snapshot,
        run=lambda ctx: run_counts(
            ctx,
            source=source,
            choice=where.choice(),
            asked=where.asked(),
            by=by,
            include_zeros=include_zeros,
        ),
    )


@router.get("/snapshots", summary="Analysis snapshots", responses=RESPONSES)
def snapshots(principal: Principal = READ, runtime: Any = Depends(get_runtime)) -> Any:
    """Every snapshot with its creation time, row counts and months (newest last)."""
    from beacon.analytics.snapshot import list_snapshots

    return [
        {
            "id": s.id,
            "created_at": s.manifest["created_at"],
            "tables": {k: v["rows"] for k, v in s.manifest["tables"].items()},
            "months": s.months,
        }
        for s in list_snapshots(runtime.settings)
    ]


_SOURCE = Query(pattern="^(crime|partner|intelligence)$", description="What to analyse.")
_TYPES = Query(max_length=500, description="Only these types, comma-separated.")


@router.get("/hotspots", summary="Gi* hot and cold spots per LSOA", responses=RESPONSES)
def hotspots(
    source: Annotated[str, _SOURCE] = "crime",
    value: Annotated[str, Query(pattern="^(count|harm)$")] = "count",
    types: Annotated[str | None, _TYPES] = None,
    transform: Annotated[str, Query(pattern="^[BR]$")] = "B",
    permutations: Annotated[int, Query(ge=99, le=9999)] = 999,
    seed: Annotated[int, Query(ge=0, le=2**31 - 1)] = 12345,
    significance: Annotated[str, Query(pattern="^(permutation|normal)$")] = "permutation",
    where: AreaPeriod = AREA_PERIOD,
    principal: Principal = READ,
    session: Session = Depends(get_session),
    runtime: Any = Depends(get_runtime),
) -> Any:
    """Getis-Ord Gi* per LSOA of the selection, with z, p, FDR-adjusted p and class."""
    from beacon.analytics.measures import run_hotspots

    options: dict[str, Any] = {
        "source": source,
        "value": value,
        "types": types,
        "transform": transform,
        "significance": significance,
    }
    return answer(
        runtime,
        session,
        principal,
        measure="hotspots",
        parameters={**options, "permutations": permutations, "seed": seed, **where.to_dict()},
        snapshot_id=where.snapshot,
        run=lambda ctx: run_hotspots(
            ctx,
            choice=where.choice(),
            asked=where.asked(),
            permutations=permutations,
            seed=seed,
            **options,
        ),
    )


@router.get("/surface", summary="Gi* on H3 hexagons from dated points", responses=RESPONSES)
def surface(
    source: Annotated[str, Query(pattern="^(partner|intelligence)$")] = "partner",
    resolution: Annotated[int, Query(ge=5, le=11)] = 8,
    permutations: Annotated[int, Query(ge=99, le=9999)] = 999,
    seed: Annotated[int, Query(ge=0, le=2**31 - 1)] = 12345,
    where: AreaPeriod = AREA_PERIOD,
    principal: Principal = READ,
    session: Session = Depends(get_session),
    runtime: Any = Depends(get_runtime),
) -> Any:
    """Counts per H3 cell with Gi* classes and each cell's boundary, for a map."""
    from beacon.analytics.measures import run_surface

    return answer(
        runtime,
        session,
        principal,
        measure="surface",
        parameters={"source": source, "resolution": resolution, **where.to_dict()},
        snapshot_id=where.snapshot,
        run=lambda ctx: run_surface(
            ctx,
            source=source,
            choice=where.choice(),
            asked=where.asked(),
            resolution=resolution,
            permutations=permutations,
            seed=seed,
        ),
    )


@router.get("/trends", summary="Monthly trends and emerging risks", responses=RESPONSES)
def trends(
    by: Annotated[str, Query(max_length=100)] = "district",
    source: Annotated[str, _SOURCE] = "crime",
    year: Annotated[str, Query(pattern="^(calendar|financial)$")] = "calendar",
    where: AreaPeriod = AREA_PERIOD,
    principal: Principal = READ,
    session: Session = Depends(get_session),
    runtime: Any = Depends(get_runtime),
) -> Any:
    """Per series: changes with tests, Mann-Kendall with Sen's slope; emerging-risk flags."""
    from beacon.analytics.measures import run_trends

    return answer(
        runtime,
        session,
        principal,
        measure="trends",
        parameters={"by": by, "source": source, "year": year, **where.to_dict()},
        snapshot_id=where.snapshot,
        run=lambda ctx: run_trends(
            ctx,
            source=source,
            choice=where.choice(),
            asked=where.asked(),
            by=by,
            year_basis=year,
        ),
    )


@router.get("/concentration", summary="Concentration and deprivation", responses=RESPONSES)
def concentration(
    level: Annotated[str, Query(pattern="^(lsoa|ward)$")] = "lsoa",
    source: Annotated[str, _SOURCE] = "crime",
    types: Annotated[str | None, _TYPES] = None,
    where: AreaPeriod = AREA_PERIOD,
    principal: Principal = READ,
    session: Session = Depends(get_session),
    runtime: Any = Depends(get_runtime),
) -> Any:
    """Top 5% / 10% shares, Gini, Lorenz curve (count and harm); rates by IMD decile."""
    from beacon.analytics.measures import run_concentration

    return answer(
        runtime,
        session,
        principal,
        measure="concentration",
        parameters={"level": level, "source": source, "types": types, **where.to_dict()},
        snapshot_id=where.snapshot,
        run=lambda ctx: run_concentration(
            ctx, source=source, choice=where.choice(), asked=where.asked(), level=level, types=types
        ),
    )


@router.get(
    "/profiles/{level}/{code}",
    summary="Neighbourhood profile of a ward or LSOA",
    responses=RESPONSES,
)
def profile(
    level: Annotated[str, Path(pattern="^(ward|lsoa)$")],
    code: Annotated[str, Path(pattern=r"^[A-Za-z]\d{8}$")],
    month: Annotated[str | None, Query(pattern=_MONTH)] = None,
    start: Annotated[str | None, Query(alias="from", pattern=_MONTH)] = None,
    end: Annotated[str | None, Query(alias="to", pattern=_MONTH)] = None,
    snapshot: Annotated[str | None, Query(max_length=80)] = None,
    principal: Principal = READ,
    session: Session = Depends(get_session),
    runtime: Any = Depends(get_runtime),
) -> Any:
    """Crime by type, rates, harm, trend, hotspot class, IMD and intelligence/partner volume.
    Without `data.small_numbers`, counts of 1-4 read "fewer than 5"."""
    from beacon.analytics.profiles import run_profile
    from beacon.analytics.selection import period_choice

    suppress = not principal.can(Permission.DATA_SMALL_NUMBERS)
    return answer(
        runtime,
        session,
        principal,
        measure="profile",
        parameters={"level": level, "code": code, "month": month, "from": start, "to": end},
        snapshot_id=snapshot,
        run=lambda ctx: run_profile(
            ctx,
            level=level,
            code=code,
            asked=period_choice(month=month, start=start, end=end),
            suppress=suppress,
        ),
    )


@router.get("/near-repeat", summary="Knox near-repeat test on dated events", responses=RESPONSES)
def near_repeat(
    source: Annotated[str, Query(pattern="^(partner-feeds|intelligence)$")],
    distance_band: Annotated[float, Query(gt=1, le=10_000)] = 100.0,
    distance_bands: Annotated[int, Query(ge=1, le=20)] = 3,
    time_band: Annotated[int, Query(ge=1, le=365)] = 7,
    time_bands: Annotated[int, Query(ge=1, le=20)] = 3,
    metric: Annotated[str, Query(pattern="^(manhattan|euclidean)$")] = "manhattan",
    iterations: Annotated[int, Query(ge=19, le=999)] = 99,
    seed: Annotated[int, Query(ge=0, le=2**31 - 1)] = 1,
    where: AreaPeriod = AREA_PERIOD,
    principal: Principal = READ,
    session: Session = Depends(get_session),
    runtime: Any = Depends(get_runtime),
) -> Any:
    """Observed, expected, Knox ratio and p-value tables in the Near Repeat Calculator's layout."""
    from beacon.analytics.errors import AnalysisInputError
    from beacon.analytics.events import load_dated_events
    from beacon.analytics.nearrepeat import knox_test

    parameters: dict[str, Any] = {
        "source": source,
        "distance_band": distance_band,
        "distance_bands": distance_bands,
        "time_band": time_band,
        "time_bands": time_bands,
        "metric": metric,
        "iterations": iterations,
        "seed": seed,
    }
    try:
        events = load_dated_events(
            source=source,
            selection_options={
                "force": where.force,
                "lad": where.lad,
                "ward": where.ward,
                "lsoa": where.lsoa,
                "month": where.month,
                "from": where.start,
                "to": where.end,
            },
            settings=runtime.settings,
        )
        result = knox_test(events, **{k: v for k, v in parameters.items() if k != "source"})
    except AnalysisInputError as error:
        return _invalid(error)
    body = result.to_dict()
    record_event(
        session,
        action=AuditAction.CONSULTATION,
        event="analytics.near_repeat",
        actor=principal.actor(),
        record_type="analysis",
        details={"via": "api", "parameters": {**parameters, **where.to_dict()}},
    )
    session.commit()
    return body


@router.get("/repeats", summary="Repeat locations", responses=RESPONSES)
def repeats(
    source: Annotated[str, _SOURCE] = "crime",
    window: Annotated[int | None, Query(ge=0, le=3650)] = None,
    any_type: bool = False,
    where: AreaPeriod = AREA_PERIOD,
    principal: Principal = READ,
    session: Session = Depends(get_session),
    runtime: Any = Depends(get_runtime),
) -> Any:
    """Places with another event (of the same type) within the window, by type and place."""
    from beacon.analytics.measures import run_repeats

    return answer(
        runtime,
        session,
        principal,
        measure="repeats",
        parameters={"source": source, "window": window, "any_type": any_type, **where.to_dict()},
        snapshot_id=where.snapshot,
        run=lambda ctx: run_repeats(
            ctx,
            source=source,
            choice=where.choice(),
            asked=where.asked(),
            window=window,
            by_type=not any_type,
        ),
    )
