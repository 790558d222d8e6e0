"""The web domain's JSON API (mounted under ``/api``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from beacon.auth.deps import require_permission
from beacon.auth.permissions import Permission
from beacon.ingest.overview import loaded_overview
from beacon.web.deps import get_session
from beacon.web.schemas import OverviewOut

router = APIRouter(tags=["overview"])


@router.get(
    "/overview",
    response_model=OverviewOut,
    summary="What is loaded",
    dependencies=[Depends(require_permission(Permission.DATA_READ))],
    responses={
        401: {"description": "No valid API token (or signed-in session, for GET)."},
        403: {"description": "The token or user lacks the `data.read` permission."},
    },
)
def overview(session: Session = Depends(get_session)) -> OverviewOut:
    """Police data by force, geography, and the last 10 import runs (the home page's data)."""
    return OverviewOut.model_validate(loaded_overview(session))
