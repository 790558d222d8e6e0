"""Themes as data: read them (cached for hot paths), and change them with an audit event.

Every change (``create_theme``, ``update_theme``, ``retire_theme``, ``restore_theme``) runs in
the caller's session, flushes but never commits, and records its audit event in the same
transaction (record type ``triage_theme``, the key as record id, before and after values).

Intake consults the taxonomy on every page and submission, so ``catalogue`` (and
``theme_labels``) keep one immutable ``ThemeCatalogue`` per database engine in the process.
A change made in this process drops it when its transaction commits or rolls back; other
processes (another web worker, the CLI) see a change within ``CACHE_SECONDS``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from beacon.audit.models import AuditAction
from beacon.audit.service import AuditActor, record_event
from beacon.triage.models import RECORD_TYPE, Theme
from beacon.triage.schemas import (
    ThemeCatalogue,
    ThemeErrors,
    ThemeNotFound,
    check_position,
    clean_categories,
    clean_description,
    clean_label,
    key_problem,
)

__all__ = [
    "CACHE_SECONDS",
    "ThemeCatalogue",
    "ThemeErrors",
    "ThemeNotFound",
    "catalogue",
    "check_theme",
    "create_theme",
    "get_theme",
    "list_themes",
    "restore_theme",
    "retire_theme",
    "theme_label",
    "theme_labels",
    "update_theme",
]

CACHE_SECONDS = 60.0
_CHANGED = "beacon.triage.themes_changed"  # session.info flag: drop the cache at commit
_lock = threading.Lock()
# Engine -> (loaded at, generation it was loaded in, catalogue); generation -> bumped on change.
_cache: WeakKeyDictionary[Engine, tuple[float, int, ThemeCatalogue]] = WeakKeyDictionary()
_generation: WeakKeyDictionary[Engine, int] = WeakKeyDictionary()


# ---------------------------------------------------------------------------------------------
# Reading


def list_themes(session: Session, *, include_retired: bool = False) -> list[Theme]:
    """Themes in display order (position, then key); only active ones unless asked."""
    query = select(Theme).order_by(Theme.position, Theme.key)
    if not include_retired:
        query = query.where(Theme.active.is_(True))
    return list(session.scalars(query))


def get_theme(session: Session, key: str) -> Theme:
    """The theme with ``key`` (active or retired); ``ThemeNotFound`` if there is none."""
    theme = session.scalar(select(Theme).where(Theme.key == key)) if key else None
    if theme is None:
        raise ThemeNotFound(f"no theme has the key {key[:60]!r}")
    return theme


def catalogue(session: Session) -> ThemeCatalogue:
    """Labels of every theme and the keys offered for new input, cached per engine."""
    engine = _engine(session)
    now = time.monotonic()
    with _lock:
        cached = _cache.get(engine)
        generation = _generation.get(engine, 0)
    if cached is not None and cached[1] == generation and now - cached[0] < CACHE_SECONDS:
        return cached[2]
    loaded = _load(session, engine)
    with _lock:
        # A change that committed while this was loading wins: keep nothing stale.
        if _generation.get(engine, 0) == generation:
            _cache[engine] = (now, generation, loaded)
    return loaded


def theme_labels(session: Session) -> dict[str, str]:
    """key -> label of every theme (retired ones too), in display order."""
    return dict(catalogue(session).labels)


def theme_label(session: Session, key: str | None) -> str:
    """The label to show for a record's theme: "Not yet themed" for none, the key itself for a
    key no theme has."""
    return catalogue(session).label(key)


def _engine(session: Session) -> Engine:
    return session.get_bind().engine


def _load(session: Session, engine: Engine) -> ThemeCatalogue:
    query = select(Theme.key, Theme.label, Theme.active).order_by(Theme.position, Theme.key)
    if session.get_bind() is engine:
        # Read on a connection of its own: the caller's transaction must not begin with a read
        # (on SQLite, a transaction that has read cannot then write once another has committed).
        with engine.connect() as connection:
            rows = connection.execute(query).all()
    else:  # bound to a connection (a migration, a test's outer transaction): read through it
        rows = session.execute(query).all()
    return ThemeCatalogue(
        labels={key: label for key, label, _ in rows},
        active=tuple(key for key, _, active in rows if active),
    )


def _invalidate(engine: Engine) -> None:
    with _lock:
        _generation[engine] = _generation.get(engine, 0) + 1
        _cache.pop(engine, None)


def _changed(session: Session) -> None:
    engine = _engine(session)
    session.info[_CHANGED] = engine
    _invalidate(engine)


@event.listens_for(Session, "after_commit")
def _drop_after_commit(session: Session) -> None:
    engine = session.info.pop(_CHANGED, None)
    if engine is not None:
        _invalidate(engine)


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    engine = session.info.pop(_CHANGED, None)
    if engine is not None:
        _invalidate(engine)


# ---------------------------------------------------------------------------------------------
# Changing


@dataclass(frozen=True)
class _Checked:
    key: str
    label: str
    description: str
    police_categories: tuple[str, ...]
    position: int | None


def check_theme(
    session: Session,
    *,
    key: str,
    label: str,
    description: str,
    police_categories: Iterable[str],
    position: int | None,
    existing: Theme | None = None,
) -> dict[str, str]:
    """Every problem with these values, one message per field (empty: none). ``existing``: the
    theme being edited (its key is not checked: it cannot change); None for a new theme."""
    return _check(
        session,
        key=key,
        label=label,
        description=description,
        police_categories=police_categories,
        position=position,
        existing=existing,
    )[1]


def _check(
    session: Session,
    *,
    key: str,
    label: str,
    description: str,
    police_categories: Iterable[str],
    position: int | None,
    existing: Theme | None,
) -> tuple[_Checked, dict[str, str]]:
    errors: dict[str, str] = {}
    key = key.strip() if existing is None else existing.key
    if existing is None:
        problem = key_problem(key)
        if problem:
            errors["key"] = problem
        else:
            same = session.scalar(select(Theme).where(Theme.key == key))
            if same is not None:
                state = "" if same.active else " (retired: restore it instead)"
                errors["key"] = f"Key “{key}” is already used by the theme “{same.label}”{state}"
    checked = _Checked(
        key=key,
        label=clean_label(label, errors),
        description=clean_description(description, errors),
        police_categories=clean_categories(police_categories, errors),
        position=position,
    )
    check_position(position, errors)
    _check_label_unique(session, checked.label, existing.id if existing else None, errors)
    return checked, errors


def create_theme(
    session: Session,
    *,
    actor: AuditActor,
    key: str,
    label: str,
    description: str = "",
    police_categories: Iterable[str] = (),
    position: int | None = None,
) -> Theme:
    """A new, active theme. Its key is permanent; ``position`` None puts it last."""
    checked, errors = _check(
        session,
        key=key,
        label=label,
        description=description,
        police_categories=police_categories,
        position=position,
        existing=None,
    )
    if errors:
        raise ThemeErrors(errors)
    if position is None:
        position = (session.scalar(select(func.max(Theme.position))) or 0) + 10
    theme = Theme(
        key=checked.key,
        label=checked.label,
        description=checked.description,
        position=position,
        active=True,
    )
    theme.police_categories = checked.police_categories
    session.add(theme)
    session.flush()
    record_event(
        session,
        action=AuditAction.ALTERATION,
        event="triage.theme_created",
        actor=actor,
        record_type=RECORD_TYPE,
        record_id=theme.key,
        details={"after": _state(theme)},
    )
    _changed(session)
    return theme


def update_theme(
    session: Session,
    *,
    actor: AuditActor,
    key: str,
    label: str | None = None,
    description: str | None = None,
    police_categories: Iterable[str] | None = None,
    position: int | None = None,
) -> Theme:
    """Change a theme's label, description, police.uk categories or position (None: leave it).
    The key never changes. No event is recorded when nothing changed."""
    theme = get_theme(session, key)
    before = _state(theme)
    checked, errors = _check(
        session,
        key=theme.key,
        label=theme.label if label is None else label,
        description=theme.description if description is None else description,
        police_categories=(
            theme.police_categories if police_categories is None else police_categories
        ),
        position=theme.position if position is None else position,
        existing=theme,
    )
    if errors:
        raise ThemeErrors(errors)
    after = {
        "label": checked.label,
        "description": checked.description,
        "police_categories": list(checked.police_categories),
        "position": checked.position,
        "active": theme.active,
    }
    changed = sorted(name for name in after if after[name] != before[name])
    if not changed:
        return theme
    theme.label, theme.description = checked.label, checked.description
    theme.police_categories = checked.police_categories
    assert checked.position is not None  # update passes the current one when not given
    theme.position = checked.position
    session.flush()
    record_event(
        session,
        action=AuditAction.ALTERATION,
        event="triage.theme_updated",
        actor=actor,
        record_type=RECORD_TYPE,
        record_id=theme.key,
        details={
            "before": {name: before[name] for name in changed},
            "after": {name: after[name] for name in changed},
        },
    )
    _changed(session)
    return theme


def retire_theme(session: Session, *, actor: AuditActor, key: str) -> Theme:
    """Stop offering a theme for new input. Records that have it keep it (and its label);
    ``restore_theme`` undoes this. Retiring a retired theme changes nothing."""
    return _set_active(session, actor=actor, key=key, active=False)


def restore_theme(session: Session, *, actor: AuditActor, key: str) -> Theme:
    """Offer a retired theme again (the undo of ``retire_theme``)."""
    return _set_active(session, actor=actor, key=key, active=True)


def _set_active(session: Session, *, actor: AuditActor, key: str, active: bool) -> Theme:
    theme = get_theme(session, key)
    if theme.active == active:
        return theme
    theme.active = active
    session.flush()
    record_event(
        session,
        action=AuditAction.ALTERATION,
        event="triage.theme_restored" if active else "triage.theme_retired",
        actor=actor,
        record_type=RECORD_TYPE,
        record_id=theme.key,
        details={
            "label": theme.label,
            "before": {"active": not active},
            "after": {"active": active},
        },
    )
    _changed(session)
    return theme


def _state(theme: Theme) -> dict[str, Any]:
    return {
        "label": theme.label,
        "description": theme.description,
        "police_categories": json.loads(theme.police_categories_json or "[]"),
        "position": theme.position,
        "active": theme.active,
    }


def _check_label_unique(
    session: Session, label: str, own_id: int | None, errors: dict[str, str]
) -> None:
    """Two themes with one label could not be told apart in any list."""
    if "label" in errors or not label:
        return
    query = select(Theme.key).where(func.lower(Theme.label) == label.lower())
    if own_id is not None:
        query = query.where(Theme.id != own_id)
    other = session.scalar(query)
    if other is not None:
        errors["label"] = f"Label “{label}” is already used by the theme with the key {other}"
