"""What people enter for an assessment, and reading it back as a ``spec.Judgement``.

Entries are append-only rows with who and when (``models``): the latest capacity rating per
(theme, organisation), the latest override per (theme, component) unless withdrawn, the latest
narrative per theme and every horizon item not withdrawn make the judgement a run uses. Each
function here checks its input first and raises ``JudgementError(field, reason)`` naming the
field at fault, writes the row and its audit event in the caller's transaction, and never
commits. Nothing may change once the assessment is approved: it is reopened as a new version
first (``workflow.reopen``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.assessment.config import COMPONENTS
from beacon.assessment.models import (
    RECORD_TYPE,
    Assessment,
    CapacityRating,
    HorizonItem,
    Narrative,
    ScoreOverride,
    Status,
)
from beacon.assessment.spec import (
    CapacityEntry,
    HorizonEntry,
    Judgement,
    NarrativeEntry,
    OverrideEntry,
)
from beacon.audit.models import AuditAction
from beacon.audit.service import record_event
from beacon.auth.models import Organisation, User
from beacon.auth.service import user_actor

CATEGORIES = {
    "political": "Political",
    "economic": "Economic",
    "social": "Social",
    "technological": "Technological",
    "environmental": "Environmental",
    "legal": "Legal",
    "organisational": "Organisational",
}
RATINGS = {
    1: "1: strong, able to respond fully",
    2: "2: good, able to respond to most of it",
    3: "3: partial, able to respond to some of it",
    4: "4: weak, little capacity to respond",
    5: "5: none, no capacity to respond",
}
SUMMARY = "summary"  # the narrative of the executive summary
MAX_COMMENT = 2_000
MAX_TITLE = 200
MAX_DESCRIPTION = 5_000
MIN_JUSTIFICATION = 20
MAX_JUSTIFICATION = 5_000
MAX_NARRATIVE = 10_000
APPROVED_REASON = (
    "this assessment is approved, so nothing entered for it can change: reopen it as a new "
    "version first"
)


class JudgementError(ValueError):
    """An entry that cannot be accepted: the form field at fault and why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


# --- the assessment's parameters --------------------------------------------------------------


def parameters_of(assessment: Assessment) -> dict[str, Any]:
    try:
        found = json.loads(assessment.parameters or "{}")
    except json.JSONDecodeError:
        return {}
    return found if isinstance(found, dict) else {}


def themes_of(assessment: Assessment) -> list[str]:
    """The theme keys in play (stored explicitly when the assessment was created)."""
    return [str(t) for t in parameters_of(assessment).get("themes") or []]


def ensure_open(assessment: Assessment) -> None:
    if assessment.status == Status.APPROVED.value:
        raise JudgementError("status", APPROVED_REASON)


def _iso(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:  # SQLite hands back naive datetimes; Beacon stores UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _whole(value: Any, field: str, low: int, high: int, what: str) -> int:
    text = str(value).strip() if value is not None else ""
    if not text:
        raise JudgementError(field, f"choose {what} from {low} to {high}")
    if not text.isdigit() or not low <= int(text) <= high:
        raise JudgementError(field, f"{what} must be a whole number from {low} to {high}")
    return int(text)


def _text(value: Any, field: str, limit: int, what: str, *, required: bool) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise JudgementError(field, f"enter {what}")
    if len(text) > limit:
        raise JudgementError(field, f"{what} must be {limit:,} characters or fewer")
    return text


def _theme(assessment: Assessment, theme: Any, field: str = "theme") -> str:
    key = str(theme or "").strip()
    if not key:
        raise JudgementError(field, "choose a theme")
    if key not in themes_of(assessment):
        raise JudgementError(field, f"{key[:60]!r} is not one of this assessment's themes")
    return key


_Entry = TypeVar("_Entry", CapacityRating, HorizonItem, ScoreOverride, Narrative)
_Withdrawable = TypeVar("_Withdrawable", HorizonItem, ScoreOverride)


def record_assessment_event(
    session: Session,
    assessment: Assessment,
    user: User,
    event: str,
    details: dict[str, Any],
    action: AuditAction,
) -> None:
    """An audit event on the assessment record, in the caller's transaction."""
    record_event(
        session,
        action=action,
        event=event,
        actor=user_actor(user),
        record_type=RECORD_TYPE,
        record_id=assessment.id,
        details=details,
    )


def _enter(
    session: Session,
    assessment: Assessment,
    user: User,
    row: _Entry,
    event: str,
    details: Callable[[_Entry], dict[str, Any]],
    action: AuditAction = AuditAction.COLLECTION,
) -> _Entry:
    """Stores a checked ``row`` for ``assessment`` as entered by ``user``, with its audit event
    (``details`` reads the row once flushed, so that the event can name its id)."""
    row.assessment_id = assessment.id
    row.entered_by_user_id = user.id
    row.entered_by = user.display_name
    session.add(row)
    session.flush()
    record_assessment_event(session, assessment, user, event, details(row), action)
    return row


def _withdraw(
    session: Session,
    assessment: Assessment,
    user: User,
    model: type[_Withdrawable],
    row_id: int,
    *,
    what: str,
    event: str,
    details: Callable[[_Withdrawable], dict[str, Any]],
) -> _Withdrawable:
    """Marks an entry withdrawn (kept on record); ``what`` names its kind in the messages."""
    ensure_open(assessment)
    row = session.get(model, row_id)
    if row is None or row.assessment_id != assessment.id:
        raise LookupError(f"there is no such {what}")
    if row.withdrawn_at is not None:
        raise JudgementError("item", f"this {what} is already withdrawn")
    row.withdrawn_at = dt.datetime.now(dt.UTC)
    session.flush()
    record_assessment_event(session, assessment, user, event, details(row), AuditAction.ALTERATION)
    return row


# --- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entered:
    """What counts now, as rows (with their ids, for withdrawing) and organisation names."""

    capacity: list[tuple[CapacityRating, str]]
    horizon: list[HorizonItem]
    overrides: list[ScoreOverride]
    narratives: list[Narrative]


def _latest(rows: Iterable[Any], key: Any) -> dict[Any, Any]:
    found: dict[Any, Any] = {}
    for row in rows:  # in id order: a later row replaces an earlier one
        found[key(row)] = row
    return found


def entered(session: Session, assessment: Assessment) -> Entered:
    order = {t: i for i, t in enumerate([SUMMARY, *themes_of(assessment)])}

    def theme_order(theme: str) -> int:
        return order.get(theme, len(order))

    capacity_rows = session.execute(
        select(CapacityRating, Organisation.name)
        .join(Organisation, Organisation.id == CapacityRating.organisation_id)
        .where(CapacityRating.assessment_id == assessment.id)
        .order_by(CapacityRating.id)
    ).all()
    capacity = list(
        _latest(((r, n) for r, n in capacity_rows), lambda p: (p[0].theme, p[1])).values()
    )
    capacity.sort(key=lambda p: (theme_order(p[0].theme), p[1]))
    horizon = list(
        session.scalars(
            select(HorizonItem)
            .where(HorizonItem.assessment_id == assessment.id, HorizonItem.withdrawn_at.is_(None))
            .order_by(HorizonItem.id)
        )
    )
    categories = list(CATEGORIES)
    horizon.sort(key=lambda h: (categories.index(h.category), h.id))
    override_rows = session.scalars(
        select(ScoreOverride)
        .where(ScoreOverride.assessment_id == assessment.id)
        .order_by(ScoreOverride.id)
    )
    # The latest entry per key counts; a withdrawn latest entry means no override.
    overrides = [
        o
        for o in _latest(override_rows, lambda o: (o.theme, o.component)).values()
        if o.withdrawn_at is None
    ]
    overrides.sort(key=lambda o: (theme_order(o.theme), COMPONENTS.index(o.component)))
    narrative_rows = session.scalars(
        select(Narrative).where(Narrative.assessment_id == assessment.id).order_by(Narrative.id)
    )
    narratives = [n for n in _latest(narrative_rows, lambda n: n.theme).values() if n.text]
    narratives.sort(key=lambda n: theme_order(n.theme))
    return Entered(capacity, horizon, overrides, narratives)


def load(session: Session, assessment: Assessment) -> Judgement:
    """The judgement a run of ``assessment`` takes, as the manifest records it."""
    found = entered(session, assessment)
    return Judgement(
        capacity=tuple(
            CapacityEntry(
                theme=row.theme,
                organisation=name,
                rating=row.rating,
                comment=row.comment,
                entered_by=row.entered_by,
                entered_at=_iso(row.entered_at),
            )
            for row, name in found.capacity
        ),
        horizon=tuple(
            HorizonEntry(
                category=item.category,
                title=item.title,
                description=item.description,
                themes=tuple(json.loads(item.themes or "[]")),
                entered_by=item.entered_by,
                entered_at=_iso(item.entered_at),
            )
            for item in found.horizon
        ),
        overrides=tuple(
            OverrideEntry(
                theme=o.theme,
                component=o.component,
                value=o.value,
                justification=o.justification,
                entered_by=o.entered_by,
                entered_at=_iso(o.entered_at),
            )
            for o in found.overrides
        ),
        narratives=tuple(
            NarrativeEntry(
                theme=n.theme, text=n.text, entered_by=n.entered_by, entered_at=_iso(n.entered_at)
            )
            for n in found.narratives
        ),
        assessment_id=assessment.id,
    )


# --- capacity ---------------------------------------------------------------------------------


def check_capacity(
    assessment: Assessment, *, theme: Any, rating: Any, comment: Any, field_suffix: str = ""
) -> tuple[str, int, str]:
    """(theme, rating, comment) checked; ``field_suffix`` names a row of a form of several."""
    ensure_open(assessment)
    key = _theme(assessment, theme, "theme" + field_suffix)
    value = _whole(rating, "rating" + field_suffix, 1, 5, "the rating")
    text = _text(comment, "comment" + field_suffix, MAX_COMMENT, "the comment", required=False)
    return key, value, text


def add_capacity(
    session: Session,
    assessment: Assessment,
    user: User,
    *,
    theme: Any,
    rating: Any,
    comment: Any = "",
    organisation_id: int | None = None,
    field_suffix: str = "",
) -> CapacityRating:
    """A rating of the entering user's own organisation's capacity for one theme (a partner
    may rate only for their own organisation)."""
    if organisation_id is not None and organisation_id != user.organisation_id:
        raise JudgementError("organisation", "you can rate only your own organisation's capacity")
    key, value, text = check_capacity(
        assessment, theme=theme, rating=rating, comment=comment, field_suffix=field_suffix
    )
    return _enter(
        session,
        assessment,
        user,
        CapacityRating(theme=key, organisation_id=user.organisation_id, rating=value, comment=text),
        "assessment.capacity_entered",
        lambda row: {
            "theme": key,
            "organisation_id": user.organisation_id,
            "rating": value,
            "id": row.id,
        },
    )


# --- horizon scan -----------------------------------------------------------------------------


def add_horizon(
    session: Session,
    assessment: Assessment,
    user: User,
    *,
    category: Any,
    title: Any,
    description: Any,
    themes: Sequence[Any] = (),
) -> HorizonItem:
    ensure_open(assessment)
    heading = str(category or "").strip()
    if heading not in CATEGORIES:
        raise JudgementError(
            "category", "choose a PESTELO heading (political, economic, social, technological, "
            "environmental, legal or organisational)",
        )  # fmt: skip
    name = _text(title, "title", MAX_TITLE, "a title", required=True)
    text = _text(description, "description", MAX_DESCRIPTION, "a description", required=True)
    keys: list[str] = []
    for theme in themes:
        key = _theme(assessment, theme, "themes")
        if key not in keys:
            keys.append(key)
    return _enter(
        session,
        assessment,
        user,
        HorizonItem(category=heading, title=name, description=text, themes=json.dumps(keys)),
        "assessment.horizon_added",
        lambda item: {"id": item.id, "category": heading, "title": name, "themes": keys},
    )


def withdraw_horizon(
    session: Session, assessment: Assessment, user: User, item_id: int
) -> HorizonItem:
    return _withdraw(
        session,
        assessment,
        user,
        HorizonItem,
        item_id,
        what="horizon-scan item",
        event="assessment.horizon_withdrawn",
        details=lambda item: {"id": item.id, "title": item.title},
    )


# --- overrides --------------------------------------------------------------------------------


def add_override(
    session: Session,
    assessment: Assessment,
    user: User,
    *,
    theme: Any,
    component: Any,
    value: Any,
    justification: Any,
) -> ScoreOverride:
    ensure_open(assessment)
    key = _theme(assessment, theme)
    part = str(component or "").strip()
    if part not in COMPONENTS:
        raise JudgementError("component", f"choose one of {', '.join(COMPONENTS)}")
    score = _whole(value, "value", 1, 5, "the score")
    reason = _text(
        justification, "justification", MAX_JUSTIFICATION, "the justification", required=True
    )
    if len(reason) < MIN_JUSTIFICATION:
        raise JudgementError(
            "justification",
            f"explain the override in at least {MIN_JUSTIFICATION} characters: readers of the "
            "assessment must be able to see why the computed score was replaced",
        )
    return _enter(
        session,
        assessment,
        user,
        ScoreOverride(theme=key, component=part, value=score, justification=reason),
        "assessment.override_added",
        lambda row: {"id": row.id, "theme": key, "component": part, "value": score},
    )


def withdraw_override(
    session: Session, assessment: Assessment, user: User, override_id: int
) -> ScoreOverride:
    return _withdraw(
        session,
        assessment,
        user,
        ScoreOverride,
        override_id,
        what="override",
        event="assessment.override_withdrawn",
        details=lambda row: {"id": row.id, "theme": row.theme, "component": row.component},
    )


# --- narratives -------------------------------------------------------------------------------


def set_narrative(
    session: Session, assessment: Assessment, user: User, *, theme: Any, text: Any
) -> Narrative:
    """The narrative of one theme (or ``summary``); an empty text clears it."""
    ensure_open(assessment)
    key = str(theme or "").strip()
    if key != SUMMARY:
        key = _theme(assessment, key)
    body = _text(text, "text", MAX_NARRATIVE, "the narrative", required=False)
    return _enter(
        session,
        assessment,
        user,
        Narrative(theme=key, text=body),
        "assessment.narrative_set",
        lambda row: {"id": row.id, "theme": key, "characters": len(body)},
        AuditAction.ALTERATION,
    )
