"""Request dependencies: the runtime built at start-up and one database session per request."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session

from beacon.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime | None = getattr(request.app.state, "runtime", None)
    if runtime is None:  # pragma: no cover - only when the lifespan did not run
        raise RuntimeError("Beacon's runtime is not open: run the app with its lifespan")
    return runtime


def get_session(request: Request) -> Iterator[Session]:
    """A session for this request, closed afterwards.

    Nothing is committed implicitly: a service that changes data commits its own transaction
    (and writes its audit event in it); anything left uncommitted is rolled back on close.
    """
    runtime = get_runtime(request)
    with runtime.sessions() as session:
        yield session
