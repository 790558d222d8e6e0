"""Entity mentions and links in the database: what ``linking`` computes, stored and kept current.

Each report's mentions are stored when it is triaged (from its sanitised text, with spans, and
from a partner's structured subjects). Every mention carries its *block* (``linking.block_of``):
fuzzy matching only ever compares keys within one block, so linking one new report re-resolves
only the blocks its mentions fall in, plus the blocks analysts' decisions join to them, and gets
the same entities as resolving everything. ``relink_all`` resolves everything (``beacon triage
link``), for a changed rule or a restored backup.

An entity is named by its canonical value key (``EntityMention.entity_key``); pages address an
entity by any of its value keys, so a link keeps working when the canonical member changes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from beacon.audit.models import AuditAction
from beacon.audit.service import AuditActor, record_event
from beacon.intake.models import IntelReport, IntelSubject, SubjectKind
from beacon.triage import linking
from beacon.triage.entities import (
    ENTITY_TYPES,
    EntityType,
    extract_entities,
    normalise_address,
    normalise_phone,
    normalise_vehicle,
)
from beacon.triage.models import EntityMatch, EntityMention, LinkDecision

RECORD_TYPE = "triage_entity"
# The parts of a report whose sanitised text is searched for entities, in page order.
TEXT_PARTS = ("summary", "narrative", "assessment", "location_text")
MAX_VALUE = 300


class LinkError(ValueError):
    """A link decision that cannot be stored; the message says why."""


@dataclass(frozen=True)
class FoundMention:
    entity_type: EntityType
    value: str
    text: str
    source: str  # "text" | "subject"
    part: str | None
    start: int | None
    end: int | None

    @property
    def value_key(self) -> str:
        return linking.value_key(self.entity_type, self.value)


def _subject_mention(subject: IntelSubject) -> FoundMention | None:
    """A partner's structured subject as a mention, normalised as the extractor would."""
    raw = " ".join(subject.value.split())
    if not raw:
        return None
    value: str | None
    kind: EntityType
    if subject.kind == SubjectKind.PHONE:
        kind, value = "phone", normalise_phone(raw)
    elif subject.kind == SubjectKind.VEHICLE:
        kind, value = "vehicle", normalise_vehicle(raw)
    elif subject.kind == SubjectKind.ADDRESS:
        kind, value = "address", normalise_address(raw) or raw
    elif subject.kind == SubjectKind.PERSON:
        kind, value = "person", raw
    elif subject.kind == SubjectKind.ONLINE_ACCOUNT:
        kind, value = "handle", "@" + raw.lstrip("@").lower()
    else:  # organisations are not entities the extractor knows
        return None
    if not value:
        return None
    return FoundMention(kind, value[:MAX_VALUE], raw[:MAX_VALUE], "subject", None, None, None)


def find_mentions(report: IntelReport, subjects: Iterable[IntelSubject]) -> list[FoundMention]:
    """Every entity in the report's sanitised text and structured subjects (text first)."""
    found: list[FoundMention] = []
    for part in TEXT_PARTS:
        text = getattr(report, part) or ""
        for entity in extract_entities(text):
            found.append(
                FoundMention(
                    entity.type,
                    entity.value[:MAX_VALUE],
                    entity.text[:MAX_VALUE],
                    "text",
                    part,
                    entity.start,
                    entity.end,
                )
            )
    for subject in subjects:
        mention = _subject_mention(subject)
        if mention is not None:
            found.append(mention)
    return found


def store_mentions(session: Session, report: IntelReport) -> set[str]:
    """Replace the report's stored mentions with what its text and subjects hold now, and
    return every block touched (old and new), for ``relink``."""
    old_blocks = set(
        session.scalars(select(EntityMention.block).where(EntityMention.report_id == report.id))
    )
    session.execute(delete(EntityMention).where(EntityMention.report_id == report.id))
    subjects = session.scalars(select(IntelSubject).where(IntelSubject.report_id == report.id))
    new_blocks: set[str] = set()
    for mention in find_mentions(report, subjects):
        key = mention.value_key
        block = linking.block_of(key)
        new_blocks.add(block)
        session.add(
            EntityMention(
                report_id=report.id,
                entity_type=mention.entity_type,
                value=mention.value,
                value_key=key,
                block=block,
                entity_key=key,  # until relink says otherwise
                source=mention.source,
                part=mention.part,
                text=mention.text,
                start=mention.start,
                end=mention.end,
            )
        )
    session.flush()
    return old_blocks | new_blocks


def _active_decisions(session: Session, keys: Collection[str]) -> list[LinkDecision]:
    if not keys:
        return []
    found: list[LinkDecision] = []
    chunk = list(keys)
    for start in range(0, len(chunk), 500):
        part = chunk[start : start + 500]
        found.extend(
            session.scalars(
                select(LinkDecision).where(
                    LinkDecision.withdrawn_at.is_(None),
                    or_(LinkDecision.key_a.in_(part), LinkDecision.key_b.in_(part)),
                )
            )
        )
    return list({d.id: d for d in found}.values())


def _rows_in(session: Session, blocks: Collection[str]) -> list[EntityMention]:
    rows: list[EntityMention] = []
    listed = sorted(blocks)
    for start in range(0, len(listed), 500):
        rows.extend(
            session.scalars(
                select(EntityMention).where(EntityMention.block.in_(listed[start : start + 500]))
            )
        )
    return rows


def relink(session: Session, blocks: Collection[str]) -> int:
    """Resolve the mentions in ``blocks`` (and in every block an analyst's decision joins to
    them) again, and store each mention's entity and the reasons for each match. Returns the
    number of mentions looked at."""
    todo = set(blocks)
    done: set[str] = set()
    rows: list[EntityMention] = []
    decisions: dict[int, LinkDecision] = {}
    while todo - done:
        fresh = todo - done
        done |= fresh
        new_rows = _rows_in(session, fresh)
        rows.extend(new_rows)
        for decision in _active_decisions(session, {r.value_key for r in new_rows}):
            decisions[decision.id] = decision
            todo.add(linking.block_of(decision.key_a))
            todo.add(linking.block_of(decision.key_b))
    session.execute(delete(EntityMatch).where(EntityMatch.block.in_(sorted(done))))
    if not rows:
        return 0
    resolution = linking.resolve(
        (linking.Mention(r.report_id, r.entity_type, r.value) for r in rows),  # type: ignore[arg-type]
        decisions=[linking.Decision(d.kind, d.key_a, d.key_b) for d in decisions.values()],  # type: ignore[arg-type]
    )
    for row in rows:
        entity_key = resolution.entity_of_key.get(row.value_key, row.value_key)
        if row.entity_key != entity_key:
            row.entity_key = entity_key
    for entity in resolution.entities:
        for reason in entity.reasons:
            session.add(
                EntityMatch(
                    entity_key=entity.id,
                    block=linking.block_of(reason.a),
                    rule=reason.rule,
                    score=reason.score,
                    key_a=reason.a,
                    key_b=reason.b,
                )
            )
    session.flush()
    return len(rows)


def relink_all(session: Session, *, batch: int = 5000) -> int:
    """Resolve every stored mention again (``beacon triage link``). Returns the number of
    mentions resolved."""
    blocks = sorted(set(session.scalars(select(EntityMention.block).distinct())))
    total = 0
    for start in range(0, len(blocks), batch):
        total += relink(session, blocks[start : start + batch])
    return total


# ---------------------------------------------------------------------------------------------
# Reading


def entity_key_for(session: Session, key: str) -> str | None:
    """The entity a value key belongs to now (any member's key names the entity)."""
    kind, _, value = key.partition(":")
    if kind not in ENTITY_TYPES or not value:
        return None
    normal = linking.value_key(kind, value)
    return session.scalar(
        select(EntityMention.entity_key).where(EntityMention.value_key == normal).limit(1)
    ) or session.scalar(
        select(EntityMention.entity_key).where(EntityMention.entity_key == normal).limit(1)
    )


def entity_mentions(session: Session, entity_key: str) -> list[EntityMention]:
    return list(
        session.scalars(
            select(EntityMention)
            .where(EntityMention.entity_key == entity_key)
            .order_by(EntityMention.value_key, EntityMention.report_id, EntityMention.id)
        )
    )


def entity_matches(session: Session, entity_key: str) -> list[EntityMatch]:
    return list(
        session.scalars(
            select(EntityMatch)
            .where(EntityMatch.entity_key == entity_key)
            .order_by(EntityMatch.key_a, EntityMatch.key_b)
        )
    )


def report_mentions(session: Session, report_id: str) -> list[EntityMention]:
    return list(
        session.scalars(
            select(EntityMention)
            .where(EntityMention.report_id == report_id)
            .order_by(EntityMention.part, EntityMention.start, EntityMention.id)
        )
    )


def linked_reports(session: Session, report_id: str) -> dict[str, list[str]]:
    """Other reports sharing an entity with this one: {report id: [entity keys shared]}."""
    keys = {m.entity_key for m in report_mentions(session, report_id)}
    found: dict[str, set[str]] = defaultdict(set)
    for chunk in _chunks(sorted(keys)):
        for other, key in session.execute(
            select(EntityMention.report_id, EntityMention.entity_key).where(
                EntityMention.entity_key.in_(chunk), EntityMention.report_id != report_id
            )
        ):
            found[other].add(key)
    return {other: sorted(shared) for other, shared in sorted(found.items())}


def decisions_about(session: Session, keys: Collection[str]) -> list[LinkDecision]:
    return sorted(_active_decisions(session, keys), key=lambda d: d.decided_at)


def _chunks(items: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------------------------------------
# Analysts' decisions


def decide(
    session: Session,
    *,
    kind: str,
    key_a: str,
    key_b: str,
    reason: str,
    actor: AuditActor,
    user_id: int | None,
) -> LinkDecision:
    """Confirm (always one entity) or split (never one entity) two value keys, audited, and
    relink what it touches."""
    reason = " ".join(reason.split())
    if not reason:
        raise LinkError("say why: the reason is kept with the decision")
    try:
        checked = linking.Decision(kind, key_a, key_b)  # type: ignore[arg-type]
    except ValueError as error:
        raise LinkError(str(error)) from error
    known = set(
        session.scalars(
            select(EntityMention.value_key).where(
                EntityMention.value_key.in_((checked.a, checked.b))
            )
        )
    )
    missing = [k for k in (checked.a, checked.b) if k not in known]
    if missing:
        raise LinkError(f"no report mentions {', '.join(missing)}")
    for earlier in _active_decisions(session, (checked.a,)):
        if {earlier.key_a, earlier.key_b} == {checked.a, checked.b}:
            earlier.withdrawn_at = dt.datetime.now(dt.UTC)
    decision = LinkDecision(
        kind=checked.kind,
        key_a=checked.a,
        key_b=checked.b,
        reason=reason[:2000],
        decided_by_user_id=user_id,
    )
    session.add(decision)
    session.flush()
    record_event(
        session,
        action=AuditAction.COMBINATION,
        event=f"triage.link_{'confirmed' if checked.kind == 'confirm' else 'split'}",
        actor=actor,
        record_type=RECORD_TYPE,
        record_id=checked.a,
        justification=reason[:2000],
        details={"decision": decision.id, "a": checked.a, "b": checked.b},
    )
    relink(session, {linking.block_of(checked.a), linking.block_of(checked.b)})
    return decision


def withdraw(session: Session, *, decision_id: int, actor: AuditActor, reason: str) -> LinkDecision:
    """Withdraw a decision (undo), audited; the fuzzy rules decide again."""
    decision = session.get(LinkDecision, decision_id)
    if decision is None or decision.withdrawn_at is not None:
        raise LinkError(f"no current link decision {decision_id}")
    reason = " ".join(reason.split())
    if not reason:
        raise LinkError("say why the decision is withdrawn")
    decision.withdrawn_at = dt.datetime.now(dt.UTC)
    record_event(
        session,
        action=AuditAction.COMBINATION,
        event="triage.link_withdrawn",
        actor=actor,
        record_type=RECORD_TYPE,
        record_id=decision.key_a,
        justification=reason[:2000],
        details={"decision": decision.id, "kind": decision.kind, "b": decision.key_b},
    )
    relink(session, {linking.block_of(decision.key_a), linking.block_of(decision.key_b)})
    return decision


def forget_report(session: Session, report_id: str) -> bool:
    """Erase what triage stored about a report's contents (its mentions, the matches they
    made, its duplicate pairs) and relink the blocks it was in. Called by the report eraser:
    an erased report links nothing. Returns whether anything was stored."""
    from beacon.triage.models import DuplicateLink

    blocks = set(
        session.scalars(select(EntityMention.block).where(EntityMention.report_id == report_id))
    )
    session.execute(delete(EntityMention).where(EntityMention.report_id == report_id))
    pairs = session.execute(
        delete(DuplicateLink).where(
            or_(DuplicateLink.report_a == report_id, DuplicateLink.report_b == report_id)
        )
    )
    if blocks:
        relink(session, blocks)
    return bool(blocks) or bool(getattr(pairs, "rowcount", 0))
