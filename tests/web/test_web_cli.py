"""``beacon serve``: uvicorn with the app factory, no access log, no proxy headers."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: calls.append((args, kwargs)))
    return calls


def test_serve_defaults(cli: Any, uvicorn_calls: list[Any]) -> None:
    cli("serve")
    [(args, kwargs)] = uvicorn_calls
    assert args == ("beacon.app:create_app",)
    assert kwargs["factory"] is True
    assert (kwargs["host"], kwargs["port"]) == ("127.0.0.1", 8000)
    assert kwargs["reload"] is False
    # Residents' addresses never reach a log, and X-Forwarded-* is not trusted.
    assert kwargs["access_log"] is False
    assert kwargs["proxy_headers"] is False
    assert kwargs["server_header"] is False


def test_serve_reads_host_and_port_from_settings(
    cli: Any, uvicorn_calls: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BEACON_HOST", "0.0.0.0")
    monkeypatch.setenv("BEACON_PORT", "8123")
    cli("serve")
    assert (uvicorn_calls[0][1]["host"], uvicorn_calls[0][1]["port"]) == ("0.0.0.0", 8123)


def test_serve_options_override_settings(
    cli: Any, uvicorn_calls: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BEACON_PORT", "8123")
    cli("serve", "--host", "127.0.0.2", "--port", "9001", "--reload")
    kwargs = uvicorn_calls[0][1]
    assert (kwargs["host"], kwargs["port"], kwargs["reload"]) == ("127.0.0.2", 9001, True)
    assert kwargs["access_log"] is False


def test_serve_rejects_a_bad_port(cli: Any, uvicorn_calls: list[Any]) -> None:
    result = cli("serve", "--port", "70000", expect_exit=2)
    assert uvicorn_calls == []
    assert "65535" in result.output
