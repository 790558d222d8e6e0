"""Scheduling reviews, listing those due, recording keep-or-dispose, and managing the rules.

Everything runs in the caller's transaction: these functions flush but never commit, so a
decision, the erasure it causes and its audit event commit or roll back together.

Who may decide is for the caller to check (web routes require ``Permission.RETENTION_REVIEW``;
the command line is for the server's operators).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from beacon.audit.models import AuditAction, AuditEvent
from beacon.audit.service import AuditActor, record_event
from beacon.db.base import utcnow
from beacon.retention.erasers import eraser_for
from beacon.retention.models import ANY, GRADES, RetentionReview, RetentionRule, ReviewStatus

Decision = Literal["keep", "dispose"]
DECISIONS: tuple[str, ...] = ("keep", "dispose")
MAX_REVIEW_AFTER_DAYS = 100 * 366  # a longer period is a typing mistake, not a policy
DEFAULT_DUE_LIMIT = 500
RULE_RECORD_TYPE = "retention_rule"

_THEME_KEY = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,59}$")


class RetentionError(ValueError):
    """Invalid input or a state that does not allow the operation."""


class ReasonRequired(RetentionError):
    """A keep-or-dispose decision needs a stated reason."""


class ReviewNotFound(LookupError):
    """No review with that id."""


class RuleNotFound(LookupError):
    """No rule for that theme and grade."""


class RuleLike(Protocol):
    @property
    def theme(self) -> str: ...
    @property
    def grade(self) -> str: ...
    @property
    def review_after_days(self) -> int: ...


R = TypeVar("R", bound=RuleLike)


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def normalise_theme(theme: str | None, *, allow_any: bool) -> str | None:
    """A theme key in lower case; ``None`` for a record without a theme; "*" only in rules."""
    if theme is None:
        if allow_any:
            raise RetentionError("a rule needs a theme key, or * for any theme")
        return None
    key = theme.strip().lower()
    if key == ANY:
        if not allow_any:
            raise RetentionError("a record's theme cannot be *")
        return ANY
    if not _THEME_KEY.match(key):
        raise RetentionError(
            f"theme {theme!r} is not a theme key (lower-case letters, digits, _ . -; "
            "at most 60 characters)"
        )
    return key


def normalise_grade(grade: str | None, *, allow_any: bool) -> str | None:
    """An intelligence assessment letter A-E; ``None`` for an ungraded record; "*" in rules."""
    if grade is None:
        if allow_any:
            raise RetentionError("a rule needs a grade A-E, or * for any grade")
        return None
    letter = grade.strip().upper()
    if letter == ANY and allow_any:
        return ANY
    if letter not in GRADES:
        allowed = "A-E or *" if allow_any else "A-E"
        raise RetentionError(f"grade must be {allowed}, not {grade!r}")
    return letter


# ---------------------------------------------------------------------------------------------
# Rules


def pick_rule(rules: Iterable[R], theme: str | None, grade: str | None) -> R | None:
    """The most specific rule for (theme, grade): (theme, grade) > (theme, *) > (*, grade) >
    (*, *). ``None`` theme or grade (unthemed, ungraded) matches only "*" rules."""
    best: R | None = None
    best_rank = -1
    for rule in rules:
        theme_exact = theme is not None and rule.theme == theme
        grade_exact = grade is not None and rule.grade == grade
        if not (theme_exact or rule.theme == ANY) or not (grade_exact or rule.grade == ANY):
            continue
        rank = 2 * theme_exact + grade_exact
        if rank > best_rank:
            best, best_rank = rule, rank
    return best


def resolve_rule(session: Session, theme: str | None, grade: str | None) -> RetentionRule:
    """The rule that sets the review period for a record of ``theme`` and ``grade``."""
    themes = [ANY] if theme is None else [ANY, theme]
    grades = [ANY] if grade is None else [ANY, grade]
    candidates = session.scalars(
        select(RetentionRule).where(
            RetentionRule.theme.in_(themes), RetentionRule.grade.in_(grades)
        )
    ).all()
    rule = pick_rule(candidates, theme, grade)
    if rule is None:
        raise RetentionError(
            "no retention rule applies: the default (*, *) rule is missing; "
            "set one with `beacon retention set-rule --theme '*' --grade '*' --days N`"
        )
    return rule


def list_rules(session: Session) -> list[RetentionRule]:
    """Every rule, "*" first, then by theme and grade."""
    return list(
        session.scalars(select(RetentionRule).order_by(RetentionRule.theme, RetentionRule.grade))
    )


def get_rule(session: Session, *, theme: str, grade: str) -> RetentionRule | None:
    theme_key = normalise_theme(theme, allow_any=True)
    letter = normalise_grade(grade, allow_any=True)
    return session.scalar(
        select(RetentionRule).where(RetentionRule.theme == theme_key, RetentionRule.grade == letter)
    )


def set_rule(
    session: Session,
    *,
    theme: str,
    grade: str,
    review_after_days: int,
    actor: AuditActor,
    reason: str | None = None,
) -> RetentionRule:
    """Create or change the rule for (theme, grade); audited as ``retention.rule_set``.

    Reviews already scheduled keep their date; the new period applies when a record is next
    scheduled (created, re-themed or re-graded) or kept at review."""
    theme_key = normalise_theme(theme, allow_any=True)
    letter = normalise_grade(grade, allow_any=True)
    if isinstance(review_after_days, bool) or not isinstance(review_after_days, int):
        raise RetentionError("review_after_days must be a whole number of days")
    if not 0 < review_after_days <= MAX_REVIEW_AFTER_DAYS:
        raise RetentionError(
            f"review_after_days must be between 1 and {MAX_REVIEW_AFTER_DAYS}, "
            f"not {review_after_days}"
        )
    assert theme_key is not None and letter is not None
    rule = session.scalar(
        select(RetentionRule)
        .where(RetentionRule.theme == theme_key, RetentionRule.grade == letter)
        .with_for_update()
    )
    previous = None if rule is None else rule.review_after_days
    if rule is None:
        rule = RetentionRule(theme=theme_key, grade=letter, review_after_days=review_after_days)
        session.add(rule)
    else:
        rule.review_after_days = review_after_days
    session.flush()
    record_event(
        session,
        action=AuditAction.ALTERATION,
        event="retention.rule_set",
        actor=actor,
        record_type=RULE_RECORD_TYPE,
        record_id=rule.id,
        justification=reason,
        details={
            "theme": theme_key,
            "grade": letter,
            "review_after_days": review_after_days,
            "previous_review_after_days": previous,
        },
    )
    return rule


def delete_rule(
    session: Session, *, theme: str, grade: str, actor: AuditActor, reason: str | None = None
) -> None:
    """Remove the rule for (theme, grade); audited as ``retention.rule_deleted``. The (*, *)
    default cannot be deleted (change its period instead)."""
    theme_key = normalise_theme(theme, allow_any=True)
    letter = normalise_grade(grade, allow_any=True)
    if theme_key == ANY and letter == ANY:
        raise RetentionError("the default (*, *) rule cannot be deleted; change its period")
    rule = get_rule(session, theme=theme, grade=grade)
    if rule is None:
        raise RuleNotFound(f"no retention rule for theme {theme_key!r} and grade {letter!r}")
    rule_id, days = rule.id, rule.review_after_days
    session.delete(rule)
    session.flush()
    record_event(
        session,
        action=AuditAction.ALTERATION,
        event="retention.rule_deleted",
        actor=actor,
        record_type=RULE_RECORD_TYPE,
        record_id=rule_id,
        justification=reason,
        details={"theme": theme_key, "grade": letter, "review_after_days": days},
    )


def rule_to_dict(rule: RetentionRule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "theme": rule.theme,
        "grade": rule.grade,
        "review_after_days": rule.review_after_days,
    }


# ---------------------------------------------------------------------------------------------
# Reviews


def get_review(session: Session, review_id: int) -> RetentionReview | None:
    return session.get(RetentionReview, review_id)


def review_for(session: Session, record_type: str, record_id: str | int) -> RetentionReview | None:
    return session.scalar(
        select(RetentionReview).where(
            RetentionReview.record_type == record_type,
            RetentionReview.record_id == str(record_id),
        )
    )


def schedule_review(
    session: Session,
    *,
    record_type: str,
    record_id: str | int,
    theme: str | None,
    grade: str | None,
    created_on: dt.date,
) -> RetentionReview:
    """Give a record its review date from the rules; call it when a record is created and again
    whenever its theme or grade changes (it updates the record's one schedule row).

    The period runs from ``created_on``, or from the last keep decision once a record has been
    kept at review. A disposed record cannot be rescheduled."""
    if not record_type or not record_type.strip():
        raise RetentionError("record_type must not be blank")
    record_key = str(record_id)
    if not record_key.strip():
        raise RetentionError("record_id must not be blank")
    theme_key = normalise_theme(theme, allow_any=False)
    letter = normalise_grade(grade, allow_any=False)
    rule = resolve_rule(session, theme_key, letter)
    review = session.scalar(
        select(RetentionReview)
        .where(RetentionReview.record_type == record_type, RetentionReview.record_id == record_key)
        .with_for_update()
    )
    if review is not None and review.status == ReviewStatus.DISPOSED:
        raise RetentionError(
            f"{record_type}:{record_key} was disposed of and cannot be rescheduled"
        )
    kept_on = None if review is None or review.decided_at is None else review.decided_at.date()
    review_due = (kept_on or created_on) + dt.timedelta(days=rule.review_after_days)
    if review is None:
        review = RetentionReview(
            record_type=record_type,
            record_id=record_key,
            status=ReviewStatus.PENDING,
        )
        session.add(review)
    review.theme = theme_key
    review.grade = letter
    review.created_on = created_on
    review.review_due = review_due
    session.flush()
    return review


_REVIEWS: Table = RetentionReview.__table__  # type: ignore[assignment]
_RULES: Table = RetentionRule.__table__  # type: ignore[assignment]
_DEFAULT_RULE_DAYS = select(_RULES.c.review_after_days).where(
    _RULES.c.theme == ANY, _RULES.c.grade == ANY
)
_INSERT_REVIEW = insert(_REVIEWS)


def schedule_first_review(
    session: Session, *, record_type: str, record_id: str, created_on: dt.date
) -> dt.date:
    """``schedule_review`` for a record created in this transaction with no theme or grade yet
    (a resident's report): the default rule applies and no schedule can exist. Pre-built
    statements, because this runs once per submission in the intake writer."""
    connection = session.connection()
    days = connection.execute(_DEFAULT_RULE_DAYS).scalar()
    if days is None:
        raise RetentionError(
            "no retention rule applies: the default (*, *) rule is missing; "
            "set one with `beacon retention set-rule --theme '*' --grade '*' --days N`"
        )
    review_due = created_on + dt.timedelta(days=int(days))
    connection.execute(
        _INSERT_REVIEW,
        {
            "record_type": record_type,
            "record_id": record_id,
            "theme": None,
            "grade": None,
            "created_on": created_on,
            "review_due": review_due,
            "status": ReviewStatus.PENDING.value,
        },
    )
    return review_due


def due_reviews(
    session: Session, *, on: dt.date | None = None, limit: int = DEFAULT_DUE_LIMIT
) -> list[RetentionReview]:
    """Pending reviews due on or before ``on`` (today, UTC, by default), oldest due first."""
    if limit < 1:
        raise RetentionError("limit must be at least 1")
    day = on or today()
    return list(
        session.scalars(
            select(RetentionReview)
            .where(
                RetentionReview.status == ReviewStatus.PENDING, RetentionReview.review_due <= day
            )
            .order_by(RetentionReview.review_due, RetentionReview.id)
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class DecisionOutcome:
    review: RetentionReview
    decision: Decision
    audit_event: AuditEvent
    next_due: dt.date | None = None  # keep: the new review date
    erased_fields: Sequence[str] = field(default_factory=tuple)  # dispose: what was erased


def _decision_time(on: dt.date | None) -> tuple[dt.date, dt.datetime]:
    now = utcnow()
    if on is None or on == now.date():
        return now.date(), now
    return on, dt.datetime.combine(on, dt.time(0), tzinfo=dt.UTC)


def decide(
    session: Session,
    *,
    review_id: int,
    decision: str,
    reason: str,
    actor: AuditActor,
    decided_by_user_id: int | None = None,
    on: dt.date | None = None,
) -> DecisionOutcome:
    """Record a supervisor's keep-or-dispose decision, with its reason, and audit it.

    * keep: the record is reviewed again ``review_after_days`` (from today's rules) after the
      decision date; audited as ALTERATION ``retention.kept``.
    * dispose: the record type's eraser erases the record's personal content; the review is
      marked disposed; audited as ERASURE ``retention.disposed`` with the reason as the
      justification and the erased field names in the details.

    ``on`` is the decision date (today, UTC, by default). Flushes, never commits: when anything
    fails the caller must roll back, which undoes a partial erasure too."""
    if not isinstance(reason, str) or not reason.strip():
        raise ReasonRequired("a keep-or-dispose decision needs a stated reason")
    reason = reason.strip()
    choice = decision.strip().lower() if isinstance(decision, str) else decision
    if choice not in DECISIONS:
        raise RetentionError(f"decision must be keep or dispose, not {decision!r}")
    review = session.get(RetentionReview, review_id, with_for_update=True, populate_existing=True)
    if review is None:
        raise ReviewNotFound(f"no retention review {review_id}")
    if review.status == ReviewStatus.DISPOSED:
        raise RetentionError(
            f"review {review_id} ({review.record_type}:{review.record_id}) was already disposed of"
        )
    if decided_by_user_id is None and actor.kind == "user":
        decided_by_user_id = actor.id
    decision_date, decided_at = _decision_time(on)
    previous_due = review.review_due
    record_type, record_id = review.record_type, review.record_id

    if choice == "keep":
        rule = resolve_rule(session, review.theme, review.grade)
        next_due = decision_date + dt.timedelta(days=rule.review_after_days)
        review.decided_by_user_id = decided_by_user_id
        review.decided_at = decided_at
        review.decision_reason = reason
        # Kept means "review again later": the row goes straight back to pending with the new
        # date (ReviewStatus.KEPT is never left standing; the audit event records the keep).
        review.status = ReviewStatus.PENDING
        review.review_due = next_due
        session.flush()
        event = record_event(
            session,
            action=AuditAction.ALTERATION,
            event="retention.kept",
            actor=actor,
            justification=reason,
            require_justification=True,
            details={
                "review_id": review.id,
                "decision_date": decision_date.isoformat(),
                "previous_due": previous_due.isoformat(),
                "next_due": next_due.isoformat(),
                "rule": rule_to_dict(rule),
                "decided_by_user_id": decided_by_user_id,
            },
            record_type=record_type,
            record_id=record_id,
        )
        return DecisionOutcome(review=review, decision="keep", audit_event=event, next_due=next_due)

    eraser = eraser_for(review.record_type)  # unknown type: an error before anything changes
    erased = eraser(session, review.record_id)
    if not isinstance(erased, list) or not all(isinstance(name, str) for name in erased):
        raise RetentionError(
            f"the eraser for {review.record_type!r} must return the list of erased field names"
        )
    review.status = ReviewStatus.DISPOSED
    review.decided_by_user_id = decided_by_user_id
    review.decided_at = decided_at
    review.decision_reason = reason
    session.flush()
    event = record_event(
        session,
        action=AuditAction.ERASURE,
        event="retention.disposed",
        actor=actor,
        justification=reason,
        require_justification=True,
        details={
            "review_id": review.id,
            "decision_date": decision_date.isoformat(),
            "review_due": previous_due.isoformat(),
            "theme": review.theme,
            "grade": review.grade,
            "erased_fields": list(erased),
            "decided_by_user_id": decided_by_user_id,
        },
        record_type=record_type,
        record_id=record_id,
    )
    return DecisionOutcome(
        review=review, decision="dispose", audit_event=event, erased_fields=tuple(erased)
    )


def review_to_dict(review: RetentionReview, *, on: dt.date | None = None) -> dict[str, Any]:
    day = on or today()
    return {
        "id": review.id,
        "record_type": review.record_type,
        "record_id": review.record_id,
        "theme": review.theme,
        "grade": review.grade,
        "created_on": review.created_on.isoformat(),
        "review_due": review.review_due.isoformat(),
        "days_overdue": max(0, (day - review.review_due).days),
        "status": review.status,
        "decided_by_user_id": review.decided_by_user_id,
        "decided_at": None if review.decided_at is None else review.decided_at.isoformat(),
        "decision_reason": review.decision_reason,
    }
