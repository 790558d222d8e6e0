"""``beacon audit verify | search | export``."""

from __future__ import annotations

import datetime as dt
import getpass
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer

from beacon.cli_support import fail, print_json

audit_app = typer.Typer(help="Check, search and export the audit log.", no_args_is_help=True)


def register(app: typer.Typer, import_app: typer.Typer | None = None) -> None:
    app.add_typer(audit_app, name="audit")


UserOpt = Annotated[
    str | None, typer.Option("--user", help="Actor: a user id (digits) or label (e.g. e-mail).")
]
RecordOpt = Annotated[str | None, typer.Option("--record", help="TYPE:ID, or TYPE alone.")]
ActionOpt = Annotated[str | None, typer.Option("--action", help="collection, disclosure, ...")]
EventOpt = Annotated[str | None, typer.Option("--event", help="Event name, e.g. intel.viewed.")]
SinceOpt = Annotated[str | None, typer.Option("--since", help="YYYY-MM-DD (UTC), inclusive.")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="YYYY-MM-DD (UTC), inclusive.")]


def _day(text: str, option: str) -> dt.datetime:
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=dt.UTC)
    except ValueError:
        fail(f"{option} must be a date as YYYY-MM-DD, not {text!r}")


def _filters(
    user: str | None,
    record: str | None,
    action: str | None,
    event: str | None,
    since: str | None,
    until: str | None,
) -> dict[str, Any]:
    from beacon.audit.models import AuditAction

    filters: dict[str, Any] = {}
    if user:
        if user.isdigit():
            filters["actor_id"] = int(user)
        else:
            filters["actor_label"] = user
    if record:
        record_type, _, record_id = record.partition(":")
        if not record_type:
            fail("--record must be TYPE:ID or TYPE")
        filters["record_type"] = record_type
        if record_id:
            filters["record_id"] = record_id
    if action:
        valid = {a.value for a in AuditAction}
        if action.lower() not in valid:
            fail(f"--action must be one of {', '.join(sorted(valid))}")
        filters["action"] = action.lower()
    if event:
        filters["event"] = event
    if since:
        filters["since"] = _day(since, "--since")
    if until:  # the whole day named
        filters["until"] = _day(until, "--until") + dt.timedelta(days=1)
    return filters


def _filters_for_details(filters: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in filters.items()}


@audit_app.command("verify")
def audit_verify(
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Check every event's hash, the links between them and the chain head. Exit 0 when the
    chain is intact, 1 at the first broken link (which is printed)."""
    from beacon.audit.verify import verify_chain
    from beacon.runtime import open_runtime

    runtime = open_runtime()
    try:
        with runtime.sessions() as session:
            result = verify_chain(session)
    finally:
        runtime.close()
    if as_json:
        print_json(result.to_dict())
    else:
        typer.echo(result.describe())
    if not result.ok:
        raise typer.Exit(1)


@audit_app.command("search")
def audit_search(
    user: UserOpt = None,
    record: RecordOpt = None,
    action: ActionOpt = None,
    event: EventOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 100,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print events as JSON.")] = False,
) -> None:
    """List matching events, newest first."""
    from beacon.audit.query import event_to_dict, search_events
    from beacon.runtime import open_runtime

    filters = _filters(user, record, action, event, since, until)
    runtime = open_runtime()
    try:
        with runtime.sessions() as session:
            events = search_events(session, limit=limit, offset=offset, **filters)
            rows = [event_to_dict(e) for e in events]
    finally:
        runtime.close()
    if as_json:
        print_json(rows)
        return
    for row in rows:
        target = f" {row['record_type']}:{row['record_id']}" if row["record_type"] else ""
        reason = f" reason={row['justification']!r}" if row["justification"] else ""
        typer.echo(
            f"{row['seq']:>8} {row['occurred_at']} {row['action']:<12} {row['event']}"
            f"{target} by {row['actor_kind']}:{row['actor_id'] or ''}:{row['actor_label']}"
            f"{reason}"
        )
    typer.echo(f"{len(rows)} events", err=True)


@audit_app.command("export")
def audit_export(
    format: Annotated[str, typer.Option("--format", help="csv or jsonl.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (default: standard output).")
    ] = None,
    user: UserOpt = None,
    record: RecordOpt = None,
    action: ActionOpt = None,
    event: EventOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
) -> None:
    """Export matching events with their hashes (an unfiltered export can be re-verified
    offline). The export is itself recorded in the audit log as a disclosure."""
    from beacon.audit.models import AuditAction
    from beacon.audit.query import export_events
    from beacon.audit.service import AuditActor, record_event
    from beacon.runtime import open_runtime

    if format not in ("csv", "jsonl"):
        fail("--format must be csv or jsonl")
    filters = _filters(user, record, action, event, since, until)
    actor = AuditActor.system(f"cli:{getpass.getuser()}")
    runtime = open_runtime()
    try:
        with runtime.sessions() as session, session.begin():
            target: Any = (
                open(out, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed below
                if out
                else nullcontext(sys.stdout)
            )
            try:
                with target as handle:
                    count = export_events(session, format=format, out=handle, **filters)  # type: ignore[arg-type]
                # The disclosure is recorded in the export's transaction. It is written after
                # the rows so the chain head is locked only briefly, not for the whole export;
                # if it cannot be recorded the file is removed and the command fails.
                record_event(
                    session,
                    action=AuditAction.DISCLOSURE,
                    event="audit.exported",
                    actor=actor,
                    record_type="audit_event",
                    details={
                        "filters": _filters_for_details(filters),
                        "format": format,
                        "events": count,
                        "destination": str(out) if out else "stdout",
                    },
                )
            except BaseException:
                if out is not None:
                    out.unlink(missing_ok=True)
                raise
    finally:
        runtime.close()
    typer.echo(f"exported {count} audit events{f' to {out}' if out else ''}", err=True)
