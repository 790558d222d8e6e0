"""Error responses: a page in Beacon's layout for people, JSON for programs and ``/api`` paths."""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from beacon.web.landing import landing_url
from beacon.web.security import apply_security_headers
from beacon.web.templating import render

logger = logging.getLogger("beacon.web")

API_PREFIX = "/api"

_MESSAGES = {
    404: "The page you asked for is not here. Check the address, or start again from your "
    "start page.",
    405: "This address does not accept that kind of request.",
    500: "Something went wrong on our side. The problem has been logged; please try again later.",
}


def wants_json(request: Request) -> bool:
    """``/api`` paths always get JSON; elsewhere, clients that ask only for JSON get it."""
    path = request.url.path
    if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _title(status_code: int) -> str:
    if status_code == 404:
        return "Page not found"
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return "Error"


def _signed_in_permissions(request: Request) -> frozenset[str] | None:
    """The signed-in person's permissions when the request got as far as loading them."""
    principal = getattr(request.state, "principal", None)
    if principal is None or getattr(principal, "kind", None) != "user":
        return None
    return frozenset(principal.permissions)


def _error_page(request: Request, status_code: int, detail: str | None = None) -> Response:
    message = _MESSAGES.get(status_code) or detail or _title(status_code)
    permissions = _signed_in_permissions(request)
    return render(
        request,
        "error.html",
        {
            "status_code": status_code,
            "title": _title(status_code),
            "message": message,
            # A way back that opens for this person: their start page, never a 403.
            "home": landing_url(permissions) if permissions is not None else "/",
        },
        status_code=status_code,
    )


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 403 and request.url.path == "/" and request.method in ("GET", "HEAD"):
        # "/" is the workspace; whoever may not read it starts on a page they may open.
        permissions = _signed_in_permissions(request)
        if permissions is not None and not wants_json(request):
            return RedirectResponse(landing_url(permissions), status_code=303, headers=headers)
    if wants_json(request):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)
    response = _error_page(request, exc.status_code, str(exc.detail))
    response.headers.update(headers)
    return response


async def server_error_handler(request: Request, exc: Exception) -> Response:
    """Unhandled exceptions. Starlette calls this outside every middleware, so the security
    headers are added here; it re-raises afterwards, so the traceback is still logged."""
    response: Response
    if wants_json(request):
        response = JSONResponse({"detail": "Internal Server Error"}, status_code=500)
    else:
        try:
            response = _error_page(request, 500)
        except Exception:  # the layout itself failed: fall back to plain HTML
            logger.exception("error page failed to render")
            response = HTMLResponse(
                '<!DOCTYPE html><html lang="en-GB"><title>Server error - Beacon</title>'
                "<h1>Sorry, something went wrong</h1></html>",
                status_code=500,
            )
    apply_security_headers(response.headers)
    return response


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, http_exception_handler)
    app.add_exception_handler(Exception, server_error_handler)
