"""The web application: ``create_app(settings)`` builds it; ``beacon serve`` runs it.

JSON API routers are mounted under ``/api`` (OpenAPI at ``/api/openapi.json``, Swagger UI at
``/api/docs``); HTML pages at ``/``; static files at ``/static``.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from anyio import to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from beacon import __version__
from beacon.analytics import views as analytics_views
from beacon.assessment import web as assessment_web
from beacon.assessment import web_entries as assessment_entries
from beacon.audit import web as audit_web
from beacon.auth import web as auth_web
from beacon.config import Settings, get_settings
from beacon.ingest import police_web
from beacon.ingest import web as ingest_web
from beacon.intake import admin_web as intake_admin_web
from beacon.intake import partner_web as intake_partner_web
from beacon.intake import portal as intake_portal
from beacon.intake import views as intake_views
from beacon.intake import web as intake_web
from beacon.intake.service import configure_photo_directory
from beacon.intake.writer import SubmissionWriter
from beacon.notify import web as notify_web
from beacon.retention import web as retention_web
from beacon.runtime import Runtime, open_runtime
from beacon.triage import web as triage_web
from beacon.triage import web_actions as triage_actions
from beacon.triage import web_entities as triage_entities
from beacon.triage import web_queue as triage_queue
from beacon.triage import web_routing as triage_routing
from beacon.web import docs, health, pages, views
from beacon.web.assets import STATIC_DIR, STATIC_PREFIX, StaticAssets
from beacon.web.errors import API_PREFIX, install_error_handlers
from beacon.web.security import SecurityHeadersMiddleware
from beacon.workspace import web as workspace_web

OPENAPI_URL = f"{API_PREFIX}/openapi.json"


@contextmanager
def _intake_writer(app: FastAPI, runtime: Runtime) -> Iterator[None]:
    """Resident submissions go through one group-committing writer (see intake/writer.py)."""
    writer = SubmissionWriter(runtime.sessions)
    writer.start()
    # Everything loaded at start-up (routes, templates, mappers) lives as long as the process:
    # moving it out of the collector's sight keeps full collections short under load.
    gc.collect()
    gc.freeze()
    app.state.intake_writer = writer
    try:
        yield
    finally:
        writer.stop()


def _warm_analytics() -> None:
    import importlib

    for module in (
        "beacon.workspace.measures",
        "beacon.analytics.hotspots",
        "beacon.analytics.emerging",
        "beacon.analytics.engine",
        "beacon.geography.shapes",
        "esda",
        "shapely",
    ):
        try:
            importlib.import_module(module)
        except ImportError:  # an optional part missing: its pages will say so when used
            continue


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """Build Beacon's web app.

    Without ``runtime`` the app opens one from ``settings`` (migrating the database) when it
    starts and closes it when it stops. A ``runtime`` passed in is used as is and left open:
    its owner closes it.
    """
    if runtime is not None:
        settings = runtime.settings
    resolved: Settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if runtime is not None:
            app.state.runtime = runtime
            with _intake_writer(app, runtime):
                yield
            return
        opened = await to_thread.run_sync(
            lambda: open_runtime(resolved, migrate=resolved.migrate_on_start)
        )
        app.state.runtime = opened
        # A served app (not a test's injected runtime) loads the analytics libraries in the
        # background, so the first analyst to open the workspace does not wait ~2 s for them.
        threading.Thread(target=_warm_analytics, name="beacon-warm-analytics", daemon=True).start()
        try:
            with _intake_writer(app, opened):
                yield
        finally:
            opened.close()

    app = FastAPI(
        title="Beacon",
        version=__version__,
        summary="Community intelligence and strategic assessment for Community Safety "
        "Partnerships.",
        lifespan=lifespan,
        openapi_url=OPENAPI_URL,
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.settings = resolved
    configure_photo_directory(resolved)
    if runtime is not None:
        app.state.runtime = runtime
    app.state.assets = StaticAssets(STATIC_DIR)
    app.state.assets.check_vendor()

    app.add_middleware(SecurityHeadersMiddleware)
    install_error_handlers(app)
    # Sign-in, account and admin pages; Cache-Control: no-store; login redirects.
    auth_web.install(app)

    # The resident portal first: the busiest public route is matched before the others.
    app.include_router(intake_portal.router)
    app.include_router(health.router)
    app.include_router(views.router, prefix=API_PREFIX)
    app.include_router(docs.router, prefix=API_PREFIX)
    app.include_router(pages.router)
    app.include_router(workspace_web.router)
    app.include_router(assessment_web.router)
    app.include_router(assessment_entries.router)
    app.include_router(audit_web.router)
    app.include_router(retention_web.router)
    app.include_router(ingest_web.router)
    app.include_router(police_web.router)
    # /intake/new before /intake/{report_id}: the first matching route wins.
    app.include_router(intake_partner_web.router)
    app.include_router(intake_web.router)
    app.include_router(intake_admin_web.router)
    app.include_router(triage_web.router)
    app.include_router(triage_queue.router)
    app.include_router(triage_actions.router)
    app.include_router(triage_entities.router)
    app.include_router(triage_routing.router)
    app.include_router(intake_views.router, prefix=API_PREFIX)
    app.include_router(analytics_views.router, prefix=API_PREFIX)
    app.include_router(notify_web.router)
    app.mount(STATIC_PREFIX, StaticFiles(directory=STATIC_DIR), name="static")
    return app
