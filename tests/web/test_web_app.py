"""The app factory: health, OpenAPI, security headers, error pages, missing vendor assets."""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from beacon import __version__
from beacon.app import create_app
from beacon.config import Settings
from beacon.db.engine import session_factory
from beacon.runtime import Runtime
from beacon.web import assets as web_assets
from beacon.web.security import CONTENT_SECURITY_POLICY

TEMPLATES = Path(web_assets.__file__).parent / "templates"

EXPECTED_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def test_csp_forbids_inline_script_and_style() -> None:
    directives = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


def test_health(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "version": __version__}
    assert response.headers["cache-control"] == "no-store"


def test_health_when_the_database_is_unreachable(tmp_path: Path) -> None:
    settings = Settings(environment="test", database_url=f"sqlite:///{tmp_path}/a.db")
    # A SQLite file in a directory that does not exist cannot be opened.
    engine = create_engine(f"sqlite:///{tmp_path / 'missing' / 'beacon.db'}")
    broken = Runtime(settings=settings, engine=engine, sessions=session_factory(engine))
    with TestClient(create_app(runtime=broken)) as client:
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error", "version": __version__}
    assert str(tmp_path) not in response.text


def test_lifespan_opens_migrates_and_closes_the_runtime(
    settings: Settings, signed_in: Callable[..., None]
) -> None:
    app = create_app(settings)
    with TestClient(app, base_url="https://testserver") as client:
        runtime = app.state.runtime
        assert isinstance(runtime, Runtime)
        assert client.get("/health").json()["database"] == "ok"
        signed_in(client, runtime)
        assert client.get("/api/overview").json()["is_empty"] is True
    # Closed: the engine's pool was disposed and is replaced on next use.
    assert runtime.engine.pool.checkedout() == 0


def test_openapi_and_swagger_ui(client: TestClient) -> None:
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/overview" in paths and "/health" in paths
    assert "/" not in paths  # HTML pages are not part of the API
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert 'id="swagger-ui"' in docs.text
    assert 'data-openapi-url="/api/openapi.json"' in docs.text
    assert "<script>" not in docs.text  # started by a static file, not inline
    assert "cdn." not in docs.text
    for default in ("/docs", "/redoc", "/openapi.json"):
        assert client.get(default).status_code == 404


ROUTES = [
    "/",
    "/health",
    "/api/overview",
    "/api/docs",
    "/api/openapi.json",
    "/static/beacon.css",
    "/no-such-page",
    "/api/no-such-thing",
    "/boom",
    "/api/boom",
]


@pytest.fixture
def failing_app(app: FastAPI) -> FastAPI:
    def boom() -> None:
        raise RuntimeError("kaboom")

    app.add_api_route("/boom", boom, include_in_schema=False)
    app.add_api_route("/api/boom", boom, include_in_schema=False)
    return app


def test_security_headers_on_every_route(failing_app: FastAPI) -> None:
    with TestClient(failing_app, raise_server_exceptions=False) as client:
        for path in ROUTES:
            response = client.get(path)
            for name, value in EXPECTED_HEADERS.items():
                assert response.headers.get(name) == value, (path, name)
            assert response.headers.get("permissions-policy"), path


def test_404_page_in_the_layout(client: TestClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "Page not found" in html
    assert 'lang="en-GB"' in html and 'href="#main-content"' in html
    assert '<main class="govuk-main-wrapper beacon-main" id="main-content"' in html


def test_404_is_json_for_the_api_and_for_json_clients(client: TestClient) -> None:
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_500_page_and_json(failing_app: FastAPI) -> None:
    with TestClient(failing_app, raise_server_exceptions=False) as client:
        page = client.get("/boom")
        api = client.get("/api/boom")
    assert page.status_code == 500
    assert page.headers["content-type"].startswith("text/html")
    assert "Internal Server Error" in page.text and 'href="#main-content"' in page.text
    assert "kaboom" not in page.text
    assert api.status_code == 500
    assert api.json() == {"detail": "Internal Server Error"}


def test_405_uses_the_error_page(client: TestClient) -> None:
    response = client.post("/")
    assert response.status_code == 405
    assert "Method Not Allowed" in response.text


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_templates_have_no_inline_script_or_style(template: str) -> None:
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    text = re.sub(r"\{#.*?#\}", "", text, flags=re.DOTALL)  # Jinja comments
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>"
    assert not re.search(r"\sstyle\s*=", text), 'style="" attribute'
    assert "<style" not in text
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler"


def test_base_layout_landmarks(user_client: TestClient) -> None:
    html = user_client.get("/").text
    assert '<html lang="en-GB"' in html
    assert html.index('href="#main-content"') < html.index("<header")
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in html
    assert 'name="viewport"' in html
    assert 'aria-current="page"' in html
    assert "GOV.UK" not in html and "govuk-header__logo" not in html


def test_page_renders_without_vendor_assets(
    runtime: Runtime,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    signed_in: Callable[..., None],
) -> None:
    static = tmp_path / "static"
    static.mkdir()
    shutil.copy(web_assets.STATIC_DIR / "beacon.css", static / "beacon.css")
    monkeypatch.setattr("beacon.app.STATIC_DIR", static)
    with caplog.at_level(logging.WARNING, logger="beacon.web"):
        app = create_app(runtime=runtime)
        with TestClient(app, base_url="https://testserver") as client:
            signed_in(client, runtime)
            first = client.get("/")
            second = client.get("/")
            docs = client.get("/api/docs")
            css = client.get("/static/beacon.css")
    assert first.status_code == second.status_code == docs.status_code == css.status_code == 200
    assert "What is loaded" in first.text
    assert "/static/beacon.css?v=" in first.text
    assert "vendor/" not in first.text
    assert "not been built" in docs.text
    warnings = [r for r in caplog.records if "vendor files missing" in r.getMessage()]
    assert len(warnings) == 1


def test_a_domain_can_add_its_own_template_folder(tmp_path: Path) -> None:
    from beacon.web.templating import add_template_dir, templates

    (tmp_path / "domain_page.html").write_text(
        '{% extends "base.html" %}{% block content %}<p>from a domain</p>{% endblock %}',
        encoding="utf-8",
    )
    add_template_dir(tmp_path)
    add_template_dir(tmp_path)  # idempotent
    assert templates.env.get_template("domain_page.html") is not None
