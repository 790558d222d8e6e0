"""Cross-site request forgery protection for HTML forms.

Every form carries a hidden ``csrf_token`` (the ``csrf_field()`` Jinja global writes it); every
state-changing form route depends on ``require_csrf``, which refuses the request with 403 when
the token is missing or wrong.

* Signed in (or half-way, before the second factor): the token is an HMAC, under the app's
  secret key, of the session's random ``csrf_secret``, so it changes with every session.
* Not signed in (the login form): the token is an HMAC of a random nonce kept in the
  ``__Host-beacon_login`` cookie (login CSRF: nobody can sign a victim into their own account).

The session cookie is also ``SameSite=Strict``, and a request the browser marks
``Sec-Fetch-Site: cross-site`` is refused outright: two more layers, not a replacement.

JSON API routes authenticated by ``Authorization: Bearer`` need no token; they never accept the
session cookie for a state-changing request (see ``beacon.auth.deps.api_principal``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import jinja2
from fastapi import Depends, HTTPException, Request
from markupsafe import Markup, escape

from beacon.auth.deps import request_session
from beacon.auth.models import UserSession

CSRF_FIELD = "csrf_token"
LOGIN_NONCE_COOKIE = "__Host-beacon_login"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FAILED_MESSAGE = (
    "The form could not be accepted because it did not come from a page Beacon showed you in "
    "this session (it may have been open too long, or you signed out in another tab). Go back, "
    "reload the page and try again."
)


def _secret_key(request: Request) -> bytes:
    return str(request.app.state.settings.secret_key.get_secret_value()).encode("utf-8")


def _sign(request: Request, purpose: str, value: str) -> str:
    return hmac.new(
        _secret_key(request), f"beacon-csrf:{purpose}:{value}".encode(), hashlib.sha256
    ).hexdigest()


def session_csrf_token(request: Request, user_session: UserSession) -> str:
    return _sign(request, "session", user_session.csrf_secret)


def login_csrf_token(request: Request, nonce: str) -> str:
    return _sign(request, "login", nonce)


def new_login_nonce() -> str:
    return secrets.token_urlsafe(32)


def csrf_token_for(request: Request) -> str:
    """The token a form on this page must carry ("" when the page has neither a session nor a
    login nonce: such a form would be refused)."""
    user_session: UserSession | None = getattr(request.state, "user_session", None)
    if user_session is not None:
        return session_csrf_token(request, user_session)
    nonce: str | None = getattr(request.state, "login_nonce", None)
    if nonce:
        return login_csrf_token(request, nonce)
    return ""


@jinja2.pass_context
def csrf_field(context: jinja2.runtime.Context) -> Markup:
    """``{{ csrf_field() }}``: the hidden input every form must contain."""
    request: Request = context["request"]
    token = csrf_token_for(request)
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, escape(token))


def _matches(sent: str, expected: str) -> bool:
    return bool(sent) and bool(expected) and hmac.compare_digest(sent, expected)


async def verify_csrf(request: Request, user_session: UserSession | None) -> None:
    """Raise 403 unless the form carries the token of ``user_session`` or of the login nonce."""
    if request.method in SAFE_METHODS:
        return
    if request.headers.get("sec-fetch-site", "").lower() == "cross-site":
        raise HTTPException(status_code=403, detail=CSRF_FAILED_MESSAGE)
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    sent_text = sent if isinstance(sent, str) else ""
    candidates: list[str] = []
    if user_session is not None:
        candidates.append(session_csrf_token(request, user_session))
    nonce = request.cookies.get(LOGIN_NONCE_COOKIE)
    if nonce:
        candidates.append(login_csrf_token(request, nonce))
    # Compare against every candidate, so timing does not tell which one was close.
    results = [_matches(sent_text, expected) for expected in candidates]
    if not any(results):
        raise HTTPException(status_code=403, detail=CSRF_FAILED_MESSAGE)


async def require_csrf(
    request: Request, user_session: UserSession | None = Depends(request_session)
) -> None:
    """Dependency: refuse (403) a state-changing form request without the right token."""
    await verify_csrf(request, user_session)
