"""Review rules: resolution (most specific wins), the seeded defaults, changing and deleting."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.audit.models import AuditAction, AuditEvent
from beacon.audit.service import AuditActor
from beacon.audit.verify import verify_chain
from beacon.retention.models import RetentionRule
from beacon.retention.service import (
    RetentionError,
    RuleNotFound,
    delete_rule,
    list_rules,
    normalise_grade,
    normalise_theme,
    pick_rule,
    resolve_rule,
    set_rule,
)

ACTOR = AuditActor.system("test")


@dataclass(frozen=True)
class Rule:
    theme: str
    grade: str
    review_after_days: int


RULES = [
    Rule("*", "*", 1),
    Rule("*", "E", 2),
    Rule("cse", "*", 3),
    Rule("cse", "A", 4),
    Rule("asb", "*", 5),
]


@pytest.mark.parametrize(
    ("theme", "grade", "expected"),
    [
        ("cse", "A", 4),  # (theme, grade)
        ("cse", "B", 3),  # (theme, *)
        ("cse", "E", 3),  # (theme, *) beats (*, grade)
        ("asb", "E", 5),  # (theme, *) beats (*, grade)
        ("burglary", "E", 2),  # (*, grade)
        ("burglary", "A", 1),  # (*, *)
        (None, "E", 2),  # unthemed: only * themes match
        (None, None, 1),
        ("cse", None, 3),  # ungraded: only * grades match
        ("asb", "A", 5),
    ],
)
def test_most_specific_rule_wins(theme: str | None, grade: str | None, expected: int) -> None:
    rule = pick_rule(RULES, theme, grade)
    assert rule is not None
    assert rule.review_after_days == expected


def test_rule_order_does_not_matter() -> None:
    for rules in (RULES, list(reversed(RULES))):
        assert pick_rule(rules, "cse", "A") == Rule("cse", "A", 4)


def test_no_rule_without_a_default() -> None:
    assert pick_rule([Rule("cse", "A", 4)], "asb", "A") is None


@pytest.mark.parametrize(
    ("value", "allow_any", "expected"),
    [(" CSE ", False, "cse"), ("*", True, "*"), ("modern_slavery", False, "modern_slavery")],
)
def test_theme_keys_are_normalised(value: str, allow_any: bool, expected: str) -> None:
    assert normalise_theme(value, allow_any=allow_any) == expected


@pytest.mark.parametrize("value", ["*", "", "  ", "has space", "x" * 61])
def test_a_record_theme_must_be_a_key(value: str) -> None:
    with pytest.raises(RetentionError):
        normalise_theme(value, allow_any=False)


@pytest.mark.parametrize("value", ["F", "1", "AB", "", "*"])
def test_a_record_grade_is_a_to_e(value: str) -> None:
    with pytest.raises(RetentionError):
        normalise_grade(value, allow_any=False)
    assert normalise_grade(" c ", allow_any=False) == "C"


def test_migration_seeds_the_defaults(db: Session) -> None:
    rules = {(r.theme, r.grade): r.review_after_days for r in list_rules(db)}
    assert rules[("*", "*")] == 2191  # six years
    assert rules[("cse", "*")] == 3652  # ten years
    assert rules[("modern_slavery", "*")] == 3652
    assert rules[("radicalisation", "*")] == 3652
    assert rules[("*", "E")] == 365
    assert resolve_rule(db, "cse", "E").review_after_days == 3652
    assert resolve_rule(db, "burglary", "E").review_after_days == 365
    assert resolve_rule(db, None, None).review_after_days == 2191


def test_set_rule_creates_then_changes_and_is_audited(db: Session) -> None:
    with db.begin():
        rule = set_rule(db, theme="ASB", grade="b", review_after_days=400, actor=ACTOR)
        assert (rule.theme, rule.grade, rule.review_after_days) == ("asb", "B", 400)
        again = set_rule(
            db, theme="asb", grade="B", review_after_days=500, actor=ACTOR, reason="policy v2"
        )
        assert again.id == rule.id
    assert resolve_rule(db, "asb", "B").review_after_days == 500
    events = db.scalars(
        select(AuditEvent).where(AuditEvent.event == "retention.rule_set").order_by(AuditEvent.seq)
    ).all()
    assert [e.action for e in events] == [AuditAction.ALTERATION] * 2
    assert [json.loads(e.details_json)["previous_review_after_days"] for e in events] == [
        None,
        400,
    ]
    assert events[1].justification == "policy v2"
    assert events[1].record_type == "retention_rule"
    assert events[1].record_id == str(rule.id)
    assert verify_chain(db).ok


@pytest.mark.parametrize("days", [0, -1, 100 * 366 + 1])
def test_set_rule_refuses_a_bad_period(db: Session, days: int) -> None:
    with db.begin(), pytest.raises(RetentionError):
        set_rule(db, theme="asb", grade="*", review_after_days=days, actor=ACTOR)


def test_set_rule_refuses_a_bad_grade(db: Session) -> None:
    with db.begin(), pytest.raises(RetentionError, match="grade"):
        set_rule(db, theme="asb", grade="Z", review_after_days=10, actor=ACTOR)


def test_delete_rule(db: Session) -> None:
    with db.begin():
        delete_rule(db, theme="*", grade="E", actor=ACTOR)
    assert resolve_rule(db, "burglary", "E").review_after_days == 2191
    event = db.scalars(select(AuditEvent).where(AuditEvent.event == "retention.rule_deleted")).one()
    assert json.loads(event.details_json) == {"theme": "*", "grade": "E", "review_after_days": 365}


def test_the_default_rule_cannot_be_deleted(db: Session) -> None:
    with db.begin(), pytest.raises(RetentionError, match="cannot be deleted"):
        delete_rule(db, theme="*", grade="*", actor=ACTOR)
    assert db.scalar(select(RetentionRule).where(RetentionRule.theme == "*")) is not None


def test_deleting_a_missing_rule_is_not_found(db: Session) -> None:
    with db.begin(), pytest.raises(RuleNotFound):
        delete_rule(db, theme="asb", grade="A", actor=ACTOR)


def test_the_database_refuses_a_non_positive_period(db: Session) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), db.begin():
        db.add(RetentionRule(theme="asb", grade="A", review_after_days=0))
