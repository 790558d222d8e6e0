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

from fastapi import APIRouter, Depends, Query
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
