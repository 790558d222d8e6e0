"""Retention reviews in the browser (HTML, ``/retention``; permission ``retention.review``).

* ``GET /retention``: the reviews due on a day (today, UTC, by default; ``?on=YYYY-MM-DD``),
  each with a form to keep or dispose of the record, and the review rules (read only).
* ``POST /retention/decide`` (CSRF): one decision, with its reason, through
  ``beacon.retention.service.decide``; committed with its erasure and audit event, then back to
  the list with a confirmation. Disposing needs the confirmation box ticked.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from beacon.auth.csrf import require_csrf
from beacon.auth.deps import Principal, require_permission
from beacon.auth.permissions import Permission
from beacon.auth.service import user_actor
from beacon.retention.erasers import UnknownRecordType
from beacon.retention.models import ANY, RetentionReview, ReviewStatus
from beacon.retention.service import (
    DECISIONS,
    RetentionError,
    ReviewNotFound,
    decide,
    due_reviews,
    get_review,
    list_rules,
    today,
)
from beacon.web.deps import get_session
from beacon.web.templating import render

router = APIRouter(include_in_schema=False)

REVIEW = Depends(require_permission(Permission.RETENTION_REVIEW))
OptionalField = Annotated[str, Form()]
MAX_REASON = 2000


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def _list_url(on: str, **extra: str) -> str:
    params = {"on": on} if on else {}
    params.update(extra)
    return "/retention" + (f"?{urlencode(params)}" if params else "")


def _notice(db: Session, decided: str | None, outcome: str | None) -> str | None:
    """The confirmation after a decision, from the review row itself (never from the URL)."""
    if not decided or not decided.isdigit():
        return None
    review = get_review(db, int(decided))
    if review is None or review.decided_at is None:
        return None
    record = f"{review.record_type} {review.record_id}"
    if review.status == ReviewStatus.DISPOSED and outcome == "disposed":
        return f"Disposed of {record}: its personal content has been erased."
    if review.status == ReviewStatus.PENDING and outcome == "kept":
        return f"Kept {record}: it is next reviewed on {review.review_due.isoformat()}."
    return None


def _page(
    request: Request,
    db: Session,
    *,
    on_text: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    errors = errors or {}
    day = today()
    if on_text and "on" not in errors:
        day = _day(on_text) or day
    reviews: list[RetentionReview] = [] if "on" in errors else due_reviews(db, on=day)
    rules = list_rules(db)
    return render(
        request,
        "retention/reviews.html",
        {
            "nav": "retention",
            "errors": errors,
            "values": values or {},
            "notice": notice,
            "on": on_text,
            "day": day,
            "is_today": day == today(),
            "reviews": [
                {
                    "review": review,
                    "overdue": max(0, (day - review.review_due).days),
                }
                for review in reviews
            ],
            "rules": rules,
            "any": ANY,
        },
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


@router.get(
    "/retention", response_class=HTMLResponse, name="retention_reviews", dependencies=[REVIEW]
)
def retention_reviews(
    request: Request,
    on: str = "",
    decided: str | None = None,
    outcome: str | None = None,
    db: Session = Depends(get_session),
) -> HTMLResponse:
    on = on.strip()
    if on and _day(on) is None:
        return _page(
            request,
            db,
            on_text=on,
            errors={"on": "The date must be a real date, for example 2026-03-27"},
            status_code=400,
        )
    return _page(request, db, on_text=on, notice=_notice(db, decided, outcome))


@router.post(
    "/retention/decide",
    response_class=HTMLResponse,
    name="retention_decide",
    dependencies=[Depends(require_csrf)],
)
def retention_decide(
    request: Request,
    review_id: OptionalField = "",
    decision: OptionalField = "",
    reason: OptionalField = "",
    confirm: OptionalField = "",
    on: OptionalField = "",
    principal: Principal = REVIEW,
    db: Session = Depends(get_session),
) -> Response:
    if not review_id.isdigit():
        raise HTTPException(status_code=400, detail="Choose a review from the list.")
    review = get_review(db, int(review_id))
    if review is None:
        raise HTTPException(status_code=404)
    on = on.strip() if _day(on.strip()) is not None else ""
    rid = review.id
    errors: dict[str, str] = {}
    if decision not in DECISIONS:
        errors[f"decision-{rid}"] = "Choose whether to keep or dispose of the record"
    if not reason.strip():
        errors[f"reason-{rid}"] = "Enter the reason for your decision"
    elif len(reason) > MAX_REASON:
        errors[f"reason-{rid}"] = f"The reason must be {MAX_REASON:,} characters or fewer"
    if decision == "dispose" and not confirm:
        errors[f"confirm-{rid}"] = (
            "Tick the box to confirm you understand that disposing erases the record's "
            "personal content"
        )
    if not errors:
        user = principal.user
        assert user is not None
        try:
            decide(
                db,
                review_id=rid,
                decision=decision,
                reason=reason,
                actor=user_actor(user),
                decided_by_user_id=user.id,
            )
        except ReviewNotFound:
            db.rollback()
            raise HTTPException(status_code=404) from None
        except UnknownRecordType:
            db.rollback()
            errors[f"reason-{rid}"] = (
                f"Beacon cannot erase records of type “{review.record_type}” yet, so this one "
                "cannot be disposed of here. Keep it, or ask your Beacon administrator."
            )
        except (RetentionError, LookupError) as error:
            db.rollback()
            message = str(error)
            errors[f"reason-{rid}"] = message[:1].upper() + message[1:]
        else:
            db.commit()
            outcome = "kept" if decision == "keep" else "disposed"
            return RedirectResponse(
                _list_url(on, decided=str(rid), outcome=outcome), status_code=303
            )
    return _page(
        request,
        db,
        on_text=on,
        errors=errors,
        values={"review_id": rid, "reason": reason, "decision": decision, "confirm": bool(confirm)},
        status_code=400,
    )
