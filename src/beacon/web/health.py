"""``GET /health``: is the app up and does the database answer."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from beacon import __version__
from beacon.web.deps import get_session
from beacon.web.schemas import HealthOut

logger = logging.getLogger("beacon.web")

router = APIRouter(tags=["meta"])

_NO_STORE = {"Cache-Control": "no-store"}


@router.get(
    "/health",
    response_model=HealthOut,
    summary="Liveness and database check",
    responses={503: {"model": HealthOut, "description": "The database did not answer."}},
)
def health(session: Session = Depends(get_session)) -> JSONResponse:
    try:
        session.execute(text("SELECT 1")).scalar_one()
    except SQLAlchemyError as error:
        # The exception class only: connection errors can carry the database URL.
        logger.warning("health check: database unreachable (%s)", type(error).__name__)
        body = HealthOut(status="error", database="error", version=__version__)
        return JSONResponse(body.model_dump(), status_code=503, headers=_NO_STORE)
    body = HealthOut(status="ok", database="ok", version=__version__)
    return JSONResponse(body.model_dump(), headers=_NO_STORE)
