"""``beacon retention due | decide | rules | set-rule | delete-rule``.

Each command is one transaction; changes are audited as ``cli:<operating-system user>``.
Exit codes: 0 success; 1 not found; 2 invalid input or a state that forbids the change.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from beacon.cli_support import fail, print_json

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from beacon.audit.service import AuditActor

retention_app = typer.Typer(
    help="Review records on their review date: keep or dispose (MoPI-style retention).",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON on stdout instead of text.")]
ThemeOption = Annotated[str, typer.Option("--theme", help="Theme key, or * for any theme.")]
GradeOption = Annotated[str, typer.Option("--grade", help="Grade A-E, or * for any grade.")]


def register(app: typer.Typer, import_app: typer.Typer | None = None) -> None:
    app.add_typer(retention_app, name="retention")


def cli_actor() -> AuditActor:
    from beacon.audit.service import AuditActor

    try:
        who = getpass.getuser()
    except (OSError, KeyError):
        who = "unknown"
    return AuditActor.system(f"cli:{who}")


def _day(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"{option} must be a date as YYYY-MM-DD, not {text!r}")


@contextmanager
def _transaction() -> Iterator[Session]:
    """One transaction; retention errors become a one-line message and an exit code."""
    from beacon.audit.service import JustificationRequired
    from beacon.retention.erasers import UnknownRecordType
    from beacon.retention.service import RetentionError, ReviewNotFound, RuleNotFound
    from beacon.runtime import open_runtime

    runtime = open_runtime()
    try:
        with runtime.sessions() as session, session.begin():
            yield session
    except (ReviewNotFound, RuleNotFound) as exc:
        fail(str(exc), 1)
    except (RetentionError, JustificationRequired, UnknownRecordType) as exc:
        fail(str(exc), 2)
    finally:
        runtime.close()


@retention_app.command("due")
def retention_due(
    on: Annotated[
        str | None, typer.Option("--on", help="List reviews due on or before YYYY-MM-DD.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 500,
    as_json: JsonOption = False,
) -> None:
    """List records whose review is due (today, UTC, unless --on), oldest first."""
    from beacon.retention.service import due_reviews, review_to_dict, today

    day = _day(on, "--on") or today()
    with _transaction() as session:
        rows = [review_to_dict(r, on=day) for r in due_reviews(session, on=day, limit=limit)]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        typer.echo(
            f"{row['id']:>6} {row['record_type']}:{row['record_id']} "
            f"theme={row['theme'] or '-'} grade={row['grade'] or '-'} "
            f"due={row['review_due']} ({row['days_overdue']} days overdue)"
        )
    typer.echo(f"{len(rows)} reviews due on or before {day.isoformat()}", err=True)


@retention_app.command("decide")
def retention_decide(
    review_id: Annotated[int, typer.Argument(help="The review's id (from `retention due`).")],
    decision: Annotated[str, typer.Argument(help="keep or dispose.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (required; audited).")],
    as_json: JsonOption = False,
) -> None:
    """Keep a record until its next review, or dispose of it (erases its personal content)."""
    from beacon.retention.service import decide, review_to_dict

    with _transaction() as session:
        outcome = decide(
            session,
            review_id=review_id,
            decision=decision,
            reason=reason,
            actor=cli_actor(),
            decided_by_user_id=None,
        )
        payload: dict[str, Any] = {
            "decision": outcome.decision,
            "review": review_to_dict(outcome.review),
            "next_due": None if outcome.next_due is None else outcome.next_due.isoformat(),
            "erased_fields": list(outcome.erased_fields),
            "audit_seq": outcome.audit_event.seq,
        }
    if as_json:
        print_json(payload)
        return
    target = f"{payload['review']['record_type']}:{payload['review']['record_id']}"
    if outcome.decision == "keep":
        typer.echo(f"kept {target}; next review due {payload['next_due']}")
    else:
        erased = ", ".join(payload["erased_fields"]) or "nothing"
        typer.echo(f"disposed of {target}; erased: {erased}")


@retention_app.command("rules")
def retention_rules(as_json: JsonOption = False) -> None:
    """List the review rules (the most specific matching rule sets a record's period)."""
    from beacon.retention.service import list_rules, rule_to_dict

    with _transaction() as session:
        rows = [rule_to_dict(rule) for rule in list_rules(session)]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        years = row["review_after_days"] / 365.25
        typer.echo(
            f"theme={row['theme']:<20} grade={row['grade']}  "
            f"{row['review_after_days']:>6} days (~{years:.1f} years)"
        )


@retention_app.command("set-rule")
def retention_set_rule(
    theme: ThemeOption,
    grade: GradeOption,
    days: Annotated[int, typer.Option("--days", help="Review after this many days.")],
    reason: Annotated[str | None, typer.Option("--reason", help="Why (audited).")] = None,
) -> None:
    """Create or change the review period for a theme and grade."""
    from beacon.retention.service import set_rule

    with _transaction() as session:
        rule = set_rule(
            session,
            theme=theme,
            grade=grade,
            review_after_days=days,
            actor=cli_actor(),
            reason=reason,
        )
        summary = f"theme={rule.theme} grade={rule.grade}: {rule.review_after_days} days"
    typer.echo(f"rule set: {summary}")


@retention_app.command("delete-rule")
def retention_delete_rule(
    theme: ThemeOption,
    grade: GradeOption,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (audited).")] = None,
) -> None:
    """Remove a rule (the default * / * rule cannot be removed)."""
    from beacon.retention.service import delete_rule

    with _transaction() as session:
        delete_rule(session, theme=theme, grade=grade, actor=cli_actor(), reason=reason)
    typer.echo(f"rule deleted: theme={theme} grade={grade}")
