"""Signing in and out, the user's own account, and the administration pages (HTML).

Routes are thin: they read the form, call ``beacon.auth.service`` (and ``totp``, ``tokens``),
and commit the transaction when the change succeeded (or, for a refused login, to keep the
failure count and its audit event). Every form carries a CSRF token; every page here is sent
with ``Cache-Control: no-store``.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from beacon.audit.models import AuditAction
from beacon.audit.service import record_event
from beacon.auth.csrf import (
    LOGIN_NONCE_COOKIE,
    csrf_field,
    new_login_nonce,
    require_csrf,
    verify_csrf,
)
from beacon.auth.deps import (
    LoginRequired,
    NoStoreMiddleware,
    Principal,
    current_user,
    load_request_session,
    login_required_handler,
    login_url,
    request_session,
    require_permission,
    safe_next,
)
from beacon.auth.models import Organisation, OrganisationType, User, UserSession
from beacon.auth.passwords import MIN_PASSWORD_LENGTH, PasswordPolicyError, password_problems
from beacon.auth.permissions import Permission, Role
from beacon.auth.service import (
    AuthError,
    DuplicateError,
    InvalidInputError,
    LoginFailed,
    NotFoundError,
    authenticate,
    change_password,
    clear_failures,
    create_organisation,
    create_user,
    disable_user,
    is_locked,
    list_organisations,
    list_users,
    set_organisation_totp,
    totp_required,
    user_actor,
    user_permissions,
    user_roles,
)
from beacon.auth.sessions import SESSION_COOKIE, create_session, revoke_session
from beacon.auth.throttle import ClientThrottle
from beacon.auth.tokens import (
    MAX_DAYS,
    MIN_DAYS,
    ScopeError,
    create_api_token,
    list_api_tokens,
    revoke_api_token,
)
from beacon.auth.totp import (
    InvalidTotpCode,
    enable_totp,
    new_totp_secret,
    provisioning_uri,
    verify_totp,
)
from beacon.web.deps import get_session
from beacon.web.landing import landing_url
from beacon.web.templating import render, templates

router = APIRouter(include_in_schema=False)

LOGIN_ERROR = (
    "The email address or password is wrong, or the account is locked for a while after too "
    "many failed attempts. Check them and try again."
)
TOTP_ERROR = (
    "The code is wrong, has expired or was already used. Enter the code your app shows now."
)
DEFAULT_TOKEN_DAYS = 90

OptionalField = Annotated[str, Form()]

ROLE_LABELS: dict[str, str] = {
    Role.PARTNER_CONTRIBUTOR: "Partner contributor",
    Role.ANALYST: "Analyst",
    Role.INTELLIGENCE_SUPERVISOR: "Intelligence supervisor",
    Role.ENGAGEMENT_OFFICER: "Engagement officer",
    Role.TASKING_MEMBER: "Tasking group member",
    Role.ADMIN: "Administrator",
}


# ---------------------------------------------------------------------------------------------
# Wiring


def signed_in(request: Request) -> Principal | None:
    """The signed-in person, for the page layout (None on public pages and for API tokens)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None or principal.kind != "user":
        return None
    return principal


def install(app: FastAPI) -> None:
    """Add the auth pages, their middleware, handler and template globals to ``app``."""
    templates.env.globals.update(csrf_field=csrf_field, signed_in=signed_in)
    app.state.login_throttle = ClientThrottle()
    app.add_middleware(NoStoreMiddleware)
    app.add_exception_handler(LoginRequired, login_required_handler)
    app.include_router(router)


def _throttle(request: Request) -> ClientThrottle:
    throttle: ClientThrottle = request.app.state.login_throttle
    return throttle


def _client(request: Request) -> str:
    # Used only as the throttle's (HMAC-ed, in-memory) key: never logged or stored.
    return request.client.host if request.client else "unknown"


def _set_cookie(response: Response, name: str, value: str) -> None:
    # __Host- prefix: Secure, Path=/, no Domain. No Max-Age/Expires: gone when the browser closes.
    response.set_cookie(name, value, path="/", secure=True, httponly=True, samesite="strict")


def _clear_cookie(response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", secure=True, httponly=True, samesite="strict")


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _page(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
) -> HTMLResponse:
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return render(
        request,
        template,
        context,
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


def _user(principal: Principal) -> User:
    assert principal.user is not None
    return principal.user


def _landing(db: Session, user: User) -> str:
    """Where a user goes after signing in when no page was asked for: the first page they may
    open (``beacon.web.landing``: the workspace, their intelligence, administration, ...)."""
    return landing_url(user_permissions(db, user))


def _start_session(
    db: Session, response: Response, user: User, *, second_factor_done: bool
) -> UserSession:
    user_session, token = create_session(db, user=user, second_factor_done=second_factor_done)
    _set_cookie(response, SESSION_COOKIE, token)
    return user_session


# ---------------------------------------------------------------------------------------------
# Signing in and out


def _login_page(
    request: Request,
    *,
    next_url: str | None,
    email: str = "",
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    nonce = request.cookies.get(LOGIN_NONCE_COOKIE) or new_login_nonce()
    request.state.login_nonce = nonce
    response = _page(
        request,
        "auth/login.html",
        {
            "next_url": safe_next(next_url) or "",
            "values": {"email": email},
            "errors": errors or {},
            "nav": "login",
        },
        status_code=status_code,
    )
    _set_cookie(response, LOGIN_NONCE_COOKIE, nonce)
    return response


@router.get("/login", response_class=HTMLResponse, name="login")
def login_form(
    request: Request,
    next: str | None = None,
    user_session: UserSession | None = Depends(request_session),
) -> Response:
    if user_session is not None and user_session.second_factor_done:
        return _redirect(safe_next(next) or "/")
    return _login_page(request, next_url=next)


@router.post("/login", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def login(
    request: Request,
    email: OptionalField = "",
    password: OptionalField = "",
    next: OptionalField = "",
    db: Session = Depends(get_session),
) -> Response:
    client = _client(request)
    wait = _throttle(request).check(client)
    if wait is not None:
        minutes = max(1, math.ceil(wait / 60))
        message = (
            "There have been too many failed sign-in attempts from your connection. "
            f"Wait {minutes} minute{'s' if minutes != 1 else ''} and try again."
        )
        return _login_page(
            request,
            next_url=next,
            email=email,
            errors={"email": message},
            status_code=429,
        )
    errors: dict[str, str] = {}
    if not email.strip():
        errors["email"] = "Enter your email address"
    if not password:
        errors["password"] = "Enter your password"  # noqa: S105 - a message
    if errors:
        return _login_page(request, next_url=next, email=email, errors=errors, status_code=400)
    try:
        user = authenticate(db, email=email, password=password)
    except LoginFailed:
        db.commit()  # keep the failure count, any lock and the audit event
        _throttle(request).record_failure(client)
        return _login_page(
            request,
            next_url=next,
            email=email,
            errors={"email": LOGIN_ERROR},
            status_code=400,
        )
    second_factor = totp_required(db, user)
    old = load_request_session(request, db)
    if old is not None:
        revoke_session(db, old)
    target = safe_next(next) or _landing(db, user)
    response = _redirect(login_url(safe_next(next), totp=True) if second_factor else target)
    _start_session(db, response, user, second_factor_done=not second_factor)
    db.commit()
    _clear_cookie(response, LOGIN_NONCE_COOKIE)
    return response


def _pending(request: Request, user_session: UserSession | None) -> tuple[UserSession, User]:
    if user_session is None:
        raise LoginRequired(None)
    user: User = request.state.user
    return user_session, user


def _totp_page(
    request: Request,
    user: User,
    *,
    next_url: str | None,
    secret: str | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    enrol = not user.totp_enabled
    if enrol and not secret:
        secret = new_totp_secret()
    return _page(
        request,
        "auth/login_totp.html",
        {
            "next_url": safe_next(next_url) or "",
            "enrol": enrol,
            "secret": secret or "",
            "otpauth_uri": provisioning_uri(secret=secret, email=user.email) if secret else "",
            "errors": errors or {},
            "nav": "login",
        },
        status_code=status_code,
    )


@router.get("/login/totp", response_class=HTMLResponse, name="login_totp")
def login_totp_form(
    request: Request,
    next: str | None = None,
    user_session: UserSession | None = Depends(request_session),
) -> Response:
    user_session, user = _pending(request, user_session)
    if user_session.second_factor_done:
        return _redirect(safe_next(next) or "/")
    return _totp_page(request, user, next_url=next)


@router.post("/login/totp", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def login_totp(
    request: Request,
    code: OptionalField = "",
    secret: OptionalField = "",
    next: OptionalField = "",
    user_session: UserSession | None = Depends(request_session),
    db: Session = Depends(get_session),
) -> Response:
    user_session, user = _pending(request, user_session)
    target = safe_next(next) or _landing(db, user)
    if user_session.second_factor_done:
        return _redirect(target)
    if not code.strip():
        return _totp_page(
            request,
            user,
            next_url=next,
            secret=secret,
            errors={"code": "Enter the 6-digit code from your authenticator app"},
            status_code=400,
        )
    if user.totp_enabled:
        ok = verify_totp(db, user=user, code=code)
    else:
        try:
            enable_totp(db, user=user, secret=secret, code=code, actor=user_actor(user))
            clear_failures(db, user)
            ok = True
        except InvalidTotpCode:
            ok = False
    if not ok:
        _throttle(request).record_failure(_client(request))
        if is_locked(user):
            revoke_session(db, user_session)
            db.commit()
            response = _login_page(
                request, next_url=next, errors={"email": LOGIN_ERROR}, status_code=400
            )
            _clear_cookie(response, SESSION_COOKIE)
            return response
        db.commit()
        return _totp_page(
            request,
            user,
            next_url=next,
            secret=secret,
            errors={"code": TOTP_ERROR},
            status_code=400,
        )
    # A new token for the fully signed-in session: the half-way one is finished.
    revoke_session(db, user_session)
    redirect = _redirect(target)
    _start_session(db, redirect, user, second_factor_done=True)
    db.commit()
    return redirect


async def _logout_csrf(
    request: Request, user_session: UserSession | None = Depends(request_session)
) -> None:
    # Signing out of a session that has already ended needs no token: there is nothing to end.
    if user_session is not None:
        await verify_csrf(request, user_session)


@router.post("/logout", name="logout", dependencies=[Depends(_logout_csrf)])
def logout(
    request: Request,
    user_session: UserSession | None = Depends(request_session),
    db: Session = Depends(get_session),
) -> Response:
    if user_session is not None:
        user: User = request.state.user
        revoke_session(db, user_session)
        record_event(
            db,
            action=AuditAction.SECURITY,
            event="logout",
            actor=user_actor(user),
            record_type="user",
            record_id=user.id,
            details={"email": user.email},
        )
        db.commit()
    response = _redirect("/login")
    _clear_cookie(response, SESSION_COOKIE)
    return response


# ---------------------------------------------------------------------------------------------
# The user's own account


def _password_page(
    request: Request,
    *,
    errors: dict[str, str] | None = None,
    changed: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    return _page(
        request,
        "auth/account_password.html",
        {
            "errors": errors or {},
            "changed": changed,
            "min_length": MIN_PASSWORD_LENGTH,
            "nav": "account",
        },
        status_code=status_code,
    )


@router.get("/account/password", response_class=HTMLResponse, name="account_password")
def account_password_form(
    request: Request, changed: str | None = None, principal: Principal = Depends(current_user)
) -> HTMLResponse:
    return _password_page(request, changed=changed == "1")


@router.post("/account/password", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def account_password(
    request: Request,
    current_password: OptionalField = "",
    new_password: OptionalField = "",
    confirm_password: OptionalField = "",
    principal: Principal = Depends(current_user),
    db: Session = Depends(get_session),
) -> Response:
    user = _user(principal)
    errors: dict[str, str] = {}
    if not current_password:
        errors["current_password"] = "Enter your current password"  # noqa: S105 - a message
    if not new_password:
        errors["new_password"] = "Enter a new password"  # noqa: S105 - a message
    elif new_password != confirm_password:
        errors["confirm_password"] = "The new passwords do not match"  # noqa: S105 - a message
    if errors:
        return _password_page(request, errors=errors, status_code=400)
    try:
        change_password(
            db,
            user=user,
            current_password=current_password,
            new_password=new_password,
            actor=user_actor(user),
        )
    except PasswordPolicyError as error:
        db.rollback()
        problems = "; ".join(error.problems)
        return _password_page(
            request,
            errors={"new_password": f"The new password {problems}"},
            status_code=400,
        )
    except AuthError:
        db.commit()  # keep the audit event of the failed attempt
        return _password_page(
            request,
            errors={"current_password": "Your current password is wrong"},
            status_code=400,
        )
    # Every session of the user was revoked, this one included: start a new one here.
    response = _redirect("/account/password?changed=1")
    _start_session(db, response, user, second_factor_done=True)
    db.commit()
    return response


def _totp_account_page(
    request: Request,
    user: User,
    *,
    secret: str | None = None,
    errors: dict[str, str] | None = None,
    enabled_now: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    if not user.totp_enabled and not secret:
        secret = new_totp_secret()
    return _page(
        request,
        "auth/account_totp.html",
        {
            "totp_enabled": user.totp_enabled,
            "enabled_now": enabled_now,
            "secret": secret or "",
            "otpauth_uri": provisioning_uri(secret=secret, email=user.email) if secret else "",
            "errors": errors or {},
            "nav": "account",
        },
        status_code=status_code,
    )


@router.get("/account/totp", response_class=HTMLResponse, name="account_totp")
def account_totp_form(
    request: Request, enabled: str | None = None, principal: Principal = Depends(current_user)
) -> HTMLResponse:
    return _totp_account_page(request, _user(principal), enabled_now=enabled == "1")


@router.post("/account/totp", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def account_totp(
    request: Request,
    secret: OptionalField = "",
    code: OptionalField = "",
    principal: Principal = Depends(current_user),
    db: Session = Depends(get_session),
) -> Response:
    user = _user(principal)
    if user.totp_enabled:
        return _redirect("/account/totp")
    if not code.strip():
        return _totp_account_page(
            request,
            user,
            secret=secret,
            errors={"code": "Enter the 6-digit code from your authenticator app"},
            status_code=400,
        )
    try:
        enable_totp(db, user=user, secret=secret, code=code, actor=user_actor(user))
    except InvalidTotpCode as error:
        db.rollback()
        return _totp_account_page(
            request,
            user,
            secret=secret,
            errors={"code": str(error).capitalize()},
            status_code=400,
        )
    db.commit()
    return _redirect("/account/totp?enabled=1")


# ---------------------------------------------------------------------------------------------
# Administration


def _organisation_names(db: Session) -> dict[int, str]:
    return {organisation.id: organisation.name for organisation in list_organisations(db)}


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _organisations_page(
    request: Request,
    db: Session,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return _page(
        request,
        "admin/organisations.html",
        {
            "organisations": list_organisations(db),
            "org_types": [
                (t.value, t.value.replace("_", " ").capitalize()) for t in OrganisationType
            ],
            "errors": errors or {},
            "values": values or {},
            "notice": notice,
            "nav": "admin",
            "admin_section": "organisations",
        },
        status_code=status_code,
    )


ORGANISATIONS = Depends(require_permission(Permission.ADMIN_ORGANISATIONS))
USERS = Depends(require_permission(Permission.ADMIN_USERS))
API_TOKENS = Depends(require_permission(Permission.ADMIN_API_TOKENS))


@router.get("/admin/organisations", response_class=HTMLResponse, dependencies=[ORGANISATIONS])
def admin_organisations(
    request: Request, created: str | None = None, db: Session = Depends(get_session)
) -> HTMLResponse:
    notice = None
    organisation_id = _int(created)
    if organisation_id is not None:
        organisation = db.get(Organisation, organisation_id)
        if organisation is not None:
            notice = f"Organisation “{organisation.name}” created."
    return _organisations_page(request, db, notice=notice)


@router.post(
    "/admin/organisations",
    response_class=HTMLResponse,
    dependencies=[Depends(require_csrf)],
)
def admin_create_organisation(
    request: Request,
    name: OptionalField = "",
    org_type: OptionalField = "",
    require_totp: OptionalField = "",
    principal: Principal = Depends(require_permission(Permission.ADMIN_ORGANISATIONS)),
    db: Session = Depends(get_session),
) -> Response:
    values = {"name": name, "org_type": org_type, "require_totp": bool(require_totp)}
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Enter the organisation's name"
    if not org_type:
        errors["org_type"] = "Choose the type of organisation"
    if not errors:
        try:
            organisation = create_organisation(
                db,
                name=name,
                org_type=org_type,
                require_totp=bool(require_totp),
                actor=principal.actor(),
            )
        except (InvalidInputError, DuplicateError) as error:
            db.rollback()
            field = "org_type" if "type" in str(error) else "name"
            errors[field] = str(error).capitalize()
        else:
            db.commit()
            return _redirect(f"/admin/organisations?created={organisation.id}")
    return _organisations_page(request, db, errors=errors, values=values, status_code=400)


@router.post(
    "/admin/organisations/{organisation_id}/totp",
    dependencies=[Depends(require_csrf)],
)
def admin_organisation_totp(
    organisation_id: int,
    required: OptionalField = "",
    principal: Principal = Depends(require_permission(Permission.ADMIN_ORGANISATIONS)),
    db: Session = Depends(get_session),
) -> Response:
    try:
        set_organisation_totp(
            db,
            organisation_id=organisation_id,
            required=required == "true",
            actor=principal.actor(),
        )
    except NotFoundError:
        raise HTTPException(status_code=404) from None
    db.commit()
    return _redirect("/admin/organisations")


def _users_page(
    request: Request,
    db: Session,
    *,
    organisation_id: int | None,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    users = list_users(db, organisation_id=organisation_id)
    return _page(
        request,
        "admin/users.html",
        {
            "users": users,
            "roles_of": {user.id: sorted(user_roles(db, user.id)) for user in users},
            "organisation_names": _organisation_names(db),
            "organisation_id": organisation_id,
            "roles": [(role.value, ROLE_LABELS.get(role, role.value)) for role in Role],
            "role_labels": ROLE_LABELS,
            "min_length": MIN_PASSWORD_LENGTH,
            "errors": errors or {},
            "values": values or {"roles": []},
            "notice": notice,
            "nav": "admin",
            "admin_section": "users",
        },
        status_code=status_code,
    )


@router.get("/admin/users", response_class=HTMLResponse, dependencies=[USERS])
def admin_users(
    request: Request,
    organisation_id: str | None = None,
    notice: str | None = None,
    db: Session = Depends(get_session),
) -> HTMLResponse:
    messages = {"created": "User created.", "disabled": "User disabled and signed out."}
    return _users_page(
        request,
        db,
        organisation_id=_int(organisation_id),
        notice=messages.get(notice or ""),
    )


@router.post("/admin/users", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def admin_create_user(
    request: Request,
    organisation_id: OptionalField = "",
    email: OptionalField = "",
    display_name: OptionalField = "",
    password: OptionalField = "",
    roles: Annotated[list[str] | None, Form()] = None,
    principal: Principal = Depends(require_permission(Permission.ADMIN_USERS)),
    db: Session = Depends(get_session),
) -> Response:
    chosen = roles or []
    values = {
        "organisation_id": _int(organisation_id),
        "email": email,
        "display_name": display_name,
        "roles": chosen,
    }
    errors: dict[str, str] = {}
    org_id = _int(organisation_id)
    if org_id is None:
        errors["organisation_id"] = "Choose the user's organisation"
    if not email.strip():
        errors["email"] = "Enter the user's email address"
    if not display_name.strip():
        errors["display_name"] = "Enter the user's name"
    if not password:
        errors["password"] = "Enter a first password for the user"  # noqa: S105 - a message
    elif problems := password_problems(password, email=email, display_name=display_name):
        errors["password"] = "The password " + "; ".join(problems)
    if not chosen:
        errors["roles"] = "Choose at least one role"
    if not errors:
        assert org_id is not None
        try:
            create_user(
                db,
                organisation_id=org_id,
                email=email,
                display_name=display_name,
                password=password,
                roles=chosen,
                actor=principal.actor(),
            )
        except PasswordPolicyError as error:
            db.rollback()
            errors["password"] = "The password " + "; ".join(error.problems)
        except NotFoundError:
            db.rollback()
            errors["organisation_id"] = "Choose the user's organisation"
        except (InvalidInputError, DuplicateError) as error:
            db.rollback()
            message = str(error)
            field = "email"
            if "role" in message:
                field = "roles"
            elif message.startswith("name"):
                field = "display_name"
            errors[field] = message[:1].upper() + message[1:]
        else:
            db.commit()
            return _redirect("/admin/users?notice=created")
    return _users_page(
        request, db, organisation_id=None, errors=errors, values=values, status_code=400
    )


@router.post("/admin/users/{user_id}/disable", dependencies=[Depends(require_csrf)])
def admin_disable_user(
    user_id: int,
    principal: Principal = Depends(require_permission(Permission.ADMIN_USERS)),
    db: Session = Depends(get_session),
) -> Response:
    if principal.user is not None and principal.user.id == user_id:
        raise HTTPException(status_code=400, detail="You cannot disable your own account.")
    try:
        disable_user(db, user_id=user_id, actor=principal.actor())
    except NotFoundError:
        raise HTTPException(status_code=404) from None
    db.commit()
    return _redirect("/admin/users?notice=disabled")


def _tokens_page(
    request: Request,
    db: Session,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    created: tuple[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return _page(
        request,
        "admin/tokens.html",
        {
            "tokens": list_api_tokens(db),
            "organisation_names": _organisation_names(db),
            "scopes": [(permission.value, permission.value) for permission in Permission],
            "min_days": MIN_DAYS,
            "max_days": MAX_DAYS,
            "created": created,
            "errors": errors or {},
            "values": values or {"scopes": [], "expires_in_days": DEFAULT_TOKEN_DAYS},
            "notice": notice,
            "nav": "admin",
            "admin_section": "tokens",
        },
        status_code=status_code,
    )


@router.get("/admin/tokens", response_class=HTMLResponse, dependencies=[API_TOKENS])
def admin_tokens(
    request: Request, notice: str | None = None, db: Session = Depends(get_session)
) -> HTMLResponse:
    messages = {"revoked": "Token revoked: it no longer works."}
    return _tokens_page(request, db, notice=messages.get(notice or ""))


@router.post("/admin/tokens", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def admin_create_token(
    request: Request,
    organisation_id: OptionalField = "",
    name: OptionalField = "",
    expires_in_days: OptionalField = "",
    scopes: Annotated[list[str] | None, Form()] = None,
    principal: Principal = Depends(require_permission(Permission.ADMIN_API_TOKENS)),
    db: Session = Depends(get_session),
) -> Response:
    chosen = scopes or []
    values = {
        "organisation_id": _int(organisation_id),
        "name": name,
        "expires_in_days": expires_in_days,
        "scopes": chosen,
    }
    errors: dict[str, str] = {}
    org_id = _int(organisation_id)
    days = _int(expires_in_days)
    if org_id is None:
        errors["organisation_id"] = "Choose the organisation the token belongs to"
    if not name.strip():
        errors["name"] = "Enter a name that says which system uses the token"
    if days is None or not MIN_DAYS <= days <= MAX_DAYS:
        errors["expires_in_days"] = f"Enter a whole number of days from {MIN_DAYS} to {MAX_DAYS}"
    if not chosen:
        errors["scopes"] = "Choose at least one permission"
    if not errors:
        assert org_id is not None and days is not None
        try:
            token, plaintext = create_api_token(
                db,
                organisation_id=org_id,
                name=name,
                scopes=chosen,
                expires_in_days=days,
                created_by=principal.user,
                actor=principal.actor(),
            )
        except NotFoundError:
            db.rollback()
            errors["organisation_id"] = "Choose the organisation the token belongs to"
        except (ScopeError, InvalidInputError) as error:
            db.rollback()
            message = str(error)
            errors["scopes" if "scope" in message or "permission" in message else "name"] = (
                message[:1].upper() + message[1:]
            )
        else:
            db.commit()
            # Shown once, in this response only (never in a URL): no redirect.
            return _tokens_page(request, db, created=(token.name, plaintext))
    return _tokens_page(request, db, errors=errors, values=values, status_code=400)


@router.post("/admin/tokens/{token_id}/revoke", dependencies=[Depends(require_csrf)])
def admin_revoke_token(
    token_id: int,
    principal: Principal = Depends(require_permission(Permission.ADMIN_API_TOKENS)),
    db: Session = Depends(get_session),
) -> Response:
    try:
        revoke_api_token(db, token_id=token_id, actor=principal.actor())
    except NotFoundError:
        raise HTTPException(status_code=404) from None
    db.commit()
    return _redirect("/admin/tokens?notice=revoked")
