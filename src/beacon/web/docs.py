"""Swagger UI at ``/api/docs``, served from Beacon's own static files.

FastAPI's built-in page loads Swagger UI from a CDN and starts it with an inline script, which
the Content-Security-Policy forbids; this page loads the npm-built copy and a static start-up
script instead.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from beacon.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse, name="api_docs")
def api_docs(request: Request) -> HTMLResponse:
    openapi_url = request.app.openapi_url or "/api/openapi.json"
    return render(request, "api_docs.html", {"openapi_url": openapi_url, "nav": "api"})
