"""Who is asking, and may they: request dependencies for HTML pages and the JSON API.

* ``current_user``: the signed-in person (cookie session, second factor done). Anonymous HTML
  requests are sent to ``/login?next=...``; ``/api`` requests get 401 JSON.
* ``api_principal``: an API token (``Authorization: Bearer``), or, for GET/HEAD only, a
  signed-in person. The session cookie is never accepted for a state-changing API request.
* ``require_permission(*permissions)``: a dependency that refuses (403) a principal lacking
  any of ``permissions``; routes declare it, e.g.
  ``dependencies=[Depends(require_permission(Permission.ADMIN_USERS))]``. Refusals on
  ``/admin`` are written to the audit log (``access.denied``).

Deny by default: a route with neither is public, and the route x role matrix test fails for any
route it has not classified.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from beacon.access.policy import Principal as AccessPrincipal
from beacon.audit.models import AuditAction
from beacon.audit.service import AuditActor, record_event
from beacon.auth.models import ApiToken, Organisation, User, UserSession
from beacon.auth.permissions import Permission
from beacon.auth.service import user_actor, user_permissions
from beacon.auth.sessions import SESSION_COOKIE, load_session
from beacon.auth.tokens import token_actor, token_permissions, verify_api_token
from beacon.web.deps import get_session
from beacon.web.errors import API_PREFIX, wants_json

ADMIN_PREFIX = "/admin"
ADMIN_PERMISSIONS = (
    Permission.ADMIN_ORGANISATIONS,
    Permission.ADMIN_USERS,
    Permission.ADMIN_API_TOKENS,
)
# Pages under these paths are never cached, whoever asks.
NO_STORE_PREFIXES = ("/login", "/logout", "/account", ADMIN_PREFIX)
FORBIDDEN_MESSAGE = (
    "Your account does not have permission to see this page. If you need it for your work, ask "
    "your organisation's Beacon administrator."
)
_SAFE_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class Principal:
    """Who is making the request: a signed-in person or a partner system's API token."""

    kind: str  # "user" or "api_token"
    permissions: frozenset[Permission]
    organisation_id: int
    user: User | None = None
    user_session: UserSession | None = None
    token: ApiToken | None = None

    def can(self, permission: Permission | str) -> bool:
        return Permission(permission) in self.permissions

    def can_any(self, *permissions: Permission | str) -> bool:
        return any(self.can(permission) for permission in permissions)

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.display_name
        return self.token.name if self.token is not None else ""

    def access(self) -> AccessPrincipal:
        """The same principal as ``beacon.access`` sees it (for record-level decisions)."""
        if self.user is not None:
            return AccessPrincipal(
                kind="user",
                user_id=self.user.id,
                organisation_id=self.organisation_id,
                permissions=self.permissions,
            )
        assert self.token is not None
        return AccessPrincipal(
            kind="api_token",
            token_id=self.token.id,
            organisation_id=self.organisation_id,
            permissions=self.permissions,
        )

    def actor(self) -> AuditActor:
        if self.user is not None:
            return user_actor(self.user)
        assert self.token is not None
        return token_actor(self.token)

    @property
    def admin_url(self) -> str | None:
        """The first admin page this principal may open (for the navigation), or None."""
        for permission, url in (
            (Permission.ADMIN_USERS, "/admin/users"),
            (Permission.ADMIN_ORGANISATIONS, "/admin/organisations"),
            (Permission.ADMIN_API_TOKENS, "/admin/tokens"),
        ):
            if self.can(permission):
                return url
        return None


class LoginRequired(Exception):
    """Nobody is signed in (or the second factor is still to come)."""

    def __init__(self, next_url: str | None, *, second_factor_pending: bool = False) -> None:
        super().__init__("login required")
        self.next_url = next_url
        self.second_factor_pending = second_factor_pending


def safe_next(value: str | None) -> str | None:
    """``value`` when it is a path on this site (``/...``), else None: no open redirects."""
    if not value or len(value) > 2000:
        return None
    if any(ch in value for ch in "\\\r\n\t") or not value.isprintable():
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return None
    return value


def login_url(next_url: str | None, *, totp: bool = False) -> str:
    base = "/login/totp" if totp else "/login"
    target = safe_next(next_url)
    if target is None or target == "/":
        return base
    return f"{base}?next={quote(target, safe='/')}"


def _requested_path(request: Request) -> str:
    path = request.url.path
    return f"{path}?{request.url.query}" if request.url.query else path


def _mark_no_store(request: Request) -> None:
    request.state.no_store = True


# ---------------------------------------------------------------------------------------------
# Loading the session and the principal (each at most once per request)


def load_request_session(request: Request, db: Session) -> UserSession | None:
    """The live session of the cookie, whatever its second-factor state, with its user (in
    ``request.state.user``); None when there is none or the user is disabled."""
    if hasattr(request.state, "user_session"):
        cached: UserSession | None = request.state.user_session
        return cached
    user_session: UserSession | None = None
    user: User | None = None
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        _mark_no_store(request)
        user_session = load_session(db, token)
        if user_session is not None:
            user = db.get(User, user_session.user_id)
            organisation = None if user is None else db.get(Organisation, user.organisation_id)
            if user is None or not user.active or organisation is None or not organisation.active:
                user_session, user = None, None
        db.commit()  # keep the last-seen time
    request.state.user_session = user_session
    request.state.user = user
    return user_session


def request_session(request: Request, db: Session = Depends(get_session)) -> UserSession | None:
    """Dependency: the cookie's live session, second factor done or not (or None)."""
    return load_request_session(request, db)


def _session_principal(request: Request, db: Session) -> Principal:
    user_session = load_request_session(request, db)
    if user_session is None:
        raise LoginRequired(_requested_path(request))
    if not user_session.second_factor_done:
        raise LoginRequired(_requested_path(request), second_factor_pending=True)
    user: User = request.state.user
    principal = Principal(
        kind="user",
        permissions=user_permissions(db, user),
        organisation_id=user.organisation_id,
        user=user,
        user_session=user_session,
    )
    request.state.principal = principal
    _mark_no_store(request)
    return principal


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer":
        return ""
    return credentials.strip()


def _unauthorised(detail: str) -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def _api_principal(request: Request, db: Session) -> Principal:
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    _mark_no_store(request)
    plaintext = _bearer(request)
    if plaintext is not None:
        token = verify_api_token(db, plaintext)
        db.commit()  # keep last_used_at
        if token is None:
            raise _unauthorised("The API token is not valid: unknown, expired or revoked.")
        principal = Principal(
            kind="api_token",
            permissions=token_permissions(token),
            organisation_id=token.organisation_id,
            token=token,
        )
        request.state.principal = principal
        return principal
    if request.method in _SAFE_METHODS:
        try:
            return _session_principal(request, db)
        except LoginRequired:
            pass
    raise _unauthorised("Authentication required: send an API token as 'Authorization: Bearer'.")


def _principal_for(request: Request, db: Session) -> Principal:
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    path = request.url.path
    if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
        return _api_principal(request, db)
    return _session_principal(request, db)


def current_user(request: Request, db: Session = Depends(get_session)) -> Principal:
    """Dependency: the signed-in person (cookie session, second factor done)."""
    return _session_principal(request, db)


def api_principal(request: Request, db: Session = Depends(get_session)) -> Principal:
    """Dependency: an API token, or a signed-in person for GET/HEAD."""
    return _api_principal(request, db)


def current_principal(request: Request, db: Session = Depends(get_session)) -> Principal:
    """Dependency: ``api_principal`` under ``/api``, ``current_user`` elsewhere."""
    return _principal_for(request, db)


def _audit_denied(
    request: Request, db: Session, principal: Principal, missing: frozenset[Permission]
) -> None:
    route = request.scope.get("route")
    record_event(
        db,
        action=AuditAction.SECURITY,
        event="access.denied",
        actor=principal.actor(),
        record_type="route",
        record_id=getattr(route, "path", request.url.path),
        details={
            "method": request.method,
            "path": request.url.path,
            "missing": sorted(p.value for p in missing),
        },
    )
    db.commit()


def require_permission(*permissions: Permission) -> Callable[..., Principal]:
    """A dependency refusing (403) anyone without every one of ``permissions``.

    The returned function carries ``required_permissions`` so tests (and docs) can read what a
    route declares.
    """
    needed = frozenset(permissions)
    if not needed:
        raise ValueError("require_permission needs at least one permission")

    def dependency(request: Request, db: Session = Depends(get_session)) -> Principal:
        principal = _principal_for(request, db)
        missing = needed - principal.permissions
        if missing:
            path = request.url.path
            if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
                _audit_denied(request, db, principal, frozenset(missing))
            raise HTTPException(
                status_code=403,
                detail=FORBIDDEN_MESSAGE,
                headers={"Cache-Control": "no-store"},
            )
        return principal

    dependency.required_permissions = needed  # type: ignore[attr-defined]
    dependency.__name__ = "require_" + "_and_".join(sorted(p.name.lower() for p in needed))
    return dependency


def declared_permissions(dependency: Any) -> frozenset[Permission] | None:
    """The permissions a ``require_permission`` dependency demands (None for anything else)."""
    found: frozenset[Permission] | None = getattr(dependency, "required_permissions", None)
    return found


# ---------------------------------------------------------------------------------------------
# Responses


async def login_required_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    headers = {"Cache-Control": "no-store"}
    if wants_json(request):
        return JSONResponse(
            {"detail": "Authentication required."},
            status_code=401,
            headers={**headers, "WWW-Authenticate": "Bearer"},
        )
    return RedirectResponse(
        login_url(exc.next_url, totp=exc.second_factor_pending), status_code=303, headers=headers
    )


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response to a signed-in request or an API token, and
    on the login, account and admin pages (pure ASGI: streaming-safe)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        by_path = any(path == p or path.startswith(p + "/") for p in NO_STORE_PREFIXES)

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                state = scope.get("state") or {}
                if by_path or state.get("no_store"):
                    headers = MutableHeaders(scope=message)
                    headers["Cache-Control"] = "no-store"
                    if "Pragma" not in headers:
                        headers["Pragma"] = "no-cache"
            await send(message)

        await self.app(scope, receive, send_with_header)
