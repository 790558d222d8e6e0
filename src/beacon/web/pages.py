"""The web domain's HTML pages: ``/data``, what is loaded (the analysis workspace is ``/``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from beacon.auth.deps import require_permission
from beacon.auth.permissions import Permission
from beacon.ingest.overview import loaded_overview
from beacon.web.deps import get_session
from beacon.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get(
    "/data",
    response_class=HTMLResponse,
    name="loaded_data",
    dependencies=[Depends(require_permission(Permission.DATA_READ))],
)
def loaded_data(request: Request, session: Session = Depends(get_session)) -> HTMLResponse:
    """What is loaded; the same data as JSON is at ``/api/overview``."""
    return render(
        request,
        "data.html",
        {"overview": loaded_overview(session), "nav": "data", "json_url": "/api/overview"},
    )
