"""Jinja2 templates shared by every domain's HTML pages, with Beacon's filters and globals.

Render with ``render(request, "page.html", {...})`` (Starlette 1.x ``TemplateResponse``
signature). Templates must not contain inline ``<script>`` or ``style=""``: the
Content-Security-Policy forbids them. A domain with its own templates adds its folder with
``add_template_dir``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from beacon import __version__
from beacon.web.assets import (
    CHART_JS,
    GOVUK_CSS,
    HTMX_JS,
    LEAFLET_CSS,
    LEAFLET_JS,
    SWAGGER_CSS,
    SWAGGER_JS,
    StaticAssets,
)
from beacon.web.landing import landing_url, navigation

TEMPLATES_DIR = Path(__file__).parent / "templates"
LONDON = ZoneInfo("Europe/London")

AREA_LEVEL_LABELS = {
    "lsoa": "LSOA",
    "ward": "Ward",
    "district": "District",
    "force": "Police force area",
}

# Searched in order; ChoiceLoader keeps this list, so add_template_dir can extend it.
_loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(TEMPLATES_DIR)]
_loader = jinja2.ChoiceLoader(_loaders)


def _number(value: int | float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,}"


def _month(value: dt.date | None) -> str:
    return value.strftime("%b %Y") if value else "–"


def _as_utc(value: dt.datetime) -> dt.datetime:
    # SQLite returns naive datetimes; Beacon stores UTC.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _datetime(value: dt.datetime | None) -> str:
    if value is None:
        return "–"
    value = _as_utc(value)
    return f"{value.day} {value:%b %Y %H:%M}"


def _london(value: dt.datetime | None) -> str:
    """A stored (UTC) moment as people here read it: "5 Dec 2026 14:03" UK time."""
    if value is None:
        return "–"
    value = _as_utc(value).astimezone(LONDON)
    return f"{value.day} {value:%b %Y %H:%M}"


def _unread_notifications(request: Request) -> int | None:
    """The navigation's unread count (None when nobody is signed in): one indexed count."""
    from beacon.notify.web import unread_for_nav  # the notify pages import this module

    return unread_for_nav(request)


def _isoformat(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return _as_utc(value).isoformat(timespec="seconds")
    return value.isoformat()


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    word = singular if count == 1 else (plural or singular + "s")
    return f"{count:,} {word}"


def _context(request: Request) -> dict[str, Any]:
    assets: StaticAssets = request.app.state.assets
    return {
        "assets": assets,
        "static_url": assets.url,
        "version": __version__,
        "GOVUK_CSS": GOVUK_CSS,
        "HTMX_JS": HTMX_JS,
        "SWAGGER_CSS": SWAGGER_CSS,
        "SWAGGER_JS": SWAGGER_JS,
        "LEAFLET_CSS": LEAFLET_CSS,
        "LEAFLET_JS": LEAFLET_JS,
        "CHART_JS": CHART_JS,
    }


_env = jinja2.Environment(
    loader=_loader,
    autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    # Templates ship inside the package: no need to stat every file on every render (that
    # cost showed up in the intake benchmark). `beacon serve --reload` restarts the process.
    auto_reload=False,
)
_env.filters.update(
    number=_number,
    month=_month,
    datetime=_datetime,
    london=_london,
    isoformat=_isoformat,
    plural=_plural,
    level_label=lambda level: AREA_LEVEL_LABELS.get(level, str(level).title()),
)

_env.globals.update(
    nav_links=navigation,
    unread_notifications=_unread_notifications,
    # Anonymous visitors' "home" is "/", which sends them to sign in.
    home_url=lambda permissions: landing_url(permissions) if permissions is not None else "/",
)

templates = Jinja2Templates(env=_env, context_processors=[_context])


def add_template_dir(directory: Path) -> None:
    """Let a domain keep its templates in its own folder (searched after web/templates)."""
    if not any(
        isinstance(loader, jinja2.FileSystemLoader) and str(directory) in loader.searchpath
        for loader in _loaders
    ):
        _loaders.append(jinja2.FileSystemLoader(directory))


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    return templates.TemplateResponse(
        request, name, context or {}, status_code=status_code, headers=headers
    )
