"""In-app notifications (HTML; anyone signed in, their own notifications only).

* ``GET /notifications``: the signed-in user's notifications, newest first, each with its link
  (what it points at keeps its own permission checks).
* ``POST /notifications/read`` (CSRF): marks them read, all of them or the ``id`` values
  posted; another user's ids are ignored, never an error that would confirm they exist.

``unread_for_nav(request)`` gives the navigation its "Notifications (3)" count: one indexed
count (``ix_app_notification_user_unread``) per page, remembered for the rest of the request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from beacon.auth.csrf import require_csrf
from beacon.auth.deps import Principal, current_user
from beacon.notify import service
from beacon.web.deps import get_session
from beacon.web.templating import render

router = APIRouter(include_in_schema=False, max_body_size=64 * 1024)

SIGNED_IN = Depends(current_user)
CSRF = [Depends(require_csrf)]
NO_STORE = {"Cache-Control": "no-store"}
LIMIT = 200
MAX_IDS = 500


def _user_id(principal: Principal) -> int:
    assert principal.user is not None  # current_user is always a person
    return principal.user.id


@router.get("/notifications", response_class=HTMLResponse, name="notifications")
def notifications(
    request: Request,
    done: str = "",
    principal: Principal = SIGNED_IN,
    db: Session = Depends(get_session),
) -> HTMLResponse:
    me = _user_id(principal)
    items = service.notifications_for(db, me, limit=LIMIT)
    unread = service.unread_count(db, me)
    request.state.unread_notifications = unread
    marked = done[:6] if done.isdigit() else None
    return render(
        request,
        "notify/list.html",
        {
            "nav": "notifications",
            "items": items,
            "unread": unread,
            "limit": LIMIT,
            "marked": int(marked) if marked is not None else None,
        },
        headers=NO_STORE,
    )


@router.post("/notifications/read", name="notifications_read", dependencies=CSRF)
def notifications_read(
    ids: Annotated[list[str] | None, Form(alias="id")] = None,
    principal: Principal = SIGNED_IN,
    db: Session = Depends(get_session),
) -> Response:
    chosen: list[int] | None = None
    if ids:
        if len(ids) > MAX_IDS or not all(v.isdigit() and len(v) <= 12 for v in ids):
            raise HTTPException(status_code=400, detail="Choose notifications from the list.")
        chosen = sorted({int(v) for v in ids})
    count = service.mark_read(db, _user_id(principal), chosen)
    db.commit()
    return RedirectResponse(f"/notifications?done={count}", status_code=303)


def unread_for_nav(request: Request) -> int | None:
    """The signed-in person's unread count for the navigation (None when nobody is)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None or principal.kind != "user" or principal.user is None:
        return None
    cached: int | None = getattr(request.state, "unread_notifications", None)
    if cached is not None:
        return cached
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is None:
        return None
    with runtime.sessions() as session:
        count = service.unread_count(session, principal.user.id)
    request.state.unread_notifications = count
    return count
