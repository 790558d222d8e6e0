"""``beacon import partner-feed`` and ``beacon stats partner-feeds`` (SI 2007/1831 feeds).

Exit codes: 0 success (rejected rows are reported, not fatal); 1 a file could not be read or
lacks required columns (the other files are still imported); 2 invalid input (an unknown
``--source`` organisation, an impossible grouping).
"""

from __future__ import annotations

import getpass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from beacon.cli_support import fail, print_json

if TYPE_CHECKING:
    from beacon.audit.service import AuditActor
    from beacon.ingest.partner_import import FeedReport
    from beacon.ingest.partner_stats import PartnerCounts

_SHOWN_ERRORS = 10


class FeedKind(StrEnum):
    asb = "asb"
    deliberate_fires = "deliberate-fires"
    assault_admissions = "assault-admissions"


class Grouping(StrEnum):
    month = "month"
    district = "district"
    category = "category"


def register(import_app: typer.Typer, stats_app: typer.Typer) -> None:
    import_app.command("partner-feed")(import_partner_feed)
    stats_app.command("partner-feeds")(stats_partner_feeds)


def _cli_actor() -> AuditActor:
    from beacon.audit.service import AuditActor

    try:
        who = getpass.getuser()
    except (OSError, KeyError):
        who = "unknown"
    return AuditActor.system(f"cli:{who}")


def import_partner_feed(
    files: Annotated[
        list[Path],
        typer.Argument(help="Partner CSV files, or folders of them.", metavar="FILE..."),
    ],
    kind: Annotated[
        FeedKind,
        typer.Option("--kind", help="Which feed the files are.", case_sensitive=False),
    ],
    source: Annotated[
        str,
        typer.Option("--source", help="The organisation that sent the files (its name or id)."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Import partner data shared under SI 2007/1831: anti-social behaviour incidents,
    deliberate fires or hospital admissions for assault (docs/DATA.md). Re-importing a file,
    or an overlapping one, adds nothing twice; changed records are updated in place. Exits
    with 1 when any file could not be read."""
    from beacon.ingest.partner_import import (
        UnknownSourceError,
        import_partner_files,
        resolve_source,
    )
    from beacon.ingest.police_import import iter_files
    from beacon.runtime import open_runtime

    paths = iter_files(files)
    if not paths:
        fail("no CSV files found in the paths given")
    runtime = open_runtime()
    try:
        with runtime.sessions() as session:
            try:
                organisation = resolve_source(session, source)
            except UnknownSourceError as exc:
                fail(str(exc))
            report = import_partner_files(
                session,
                paths,
                kind=kind.value,
                source=organisation,
                actor=_cli_actor(),
                batch_rows=runtime.settings.import_batch_rows,
            )
    finally:
        runtime.close()
    if as_json:
        print_json(report.to_dict())
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def _print_report(report: FeedReport) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    source = report.files[0].source_organisation if report.files else ""
    table = Table(title=f"Partner feed: {report.kind} from {source}")
    headings = ("file", "rows", "imported", "updated", "duplicates", "rejected", "unlocated")
    for heading in headings:
        table.add_column(heading, justify="left" if heading == "file" else "right")
    for f in report.files:
        table.add_row(
            Path(f.file).name + ("" if f.readable else " (unreadable)"),
            *(
                str(value)
                for value in (
                    f.rows_read,
                    f.imported,
                    f.updated,
                    f.duplicates,
                    f.rejected,
                    f.unlocated,
                )
            ),
        )
    console.print(table)
    errors = report.to_dict()["errors"]
    for error in errors[:_SHOWN_ERRORS]:
        where = error["file"] + (f":{error['line']}" if error["line"] else "")
        what = f" [{error['field']}]" if error["field"] else ""
        console.print(
            f"[red]rejected[/red] {escape(where + what)}: {escape(error['reason'])}",
            highlight=False,
            soft_wrap=True,
        )
    if len(errors) > _SHOWN_ERRORS:
        console.print(f"... and {len(errors) - _SHOWN_ERRORS} more (use --json for all)")
    relocated = sum(f.relocated for f in report.files)
    if relocated:
        console.print(f"{relocated} records stored without geography were placed this time")


def stats_partner_feeds(
    kind: Annotated[
        FeedKind | None,
        typer.Option("--kind", help="Only this feed.", case_sensitive=False),
    ] = None,
    by: Annotated[Grouping, typer.Option("--by", help="Group by.")] = Grouping.month,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Count imported partner feed records (admissions: the sum of their counts)."""
    from beacon.ingest.partner_stats import PartnerStatsError, count_partner_feeds
    from beacon.runtime import open_runtime

    runtime = open_runtime()
    try:
        with runtime.sessions() as session:
            counts = count_partner_feeds(session, by=by.value, kind=kind.value if kind else None)
    except PartnerStatsError as exc:
        fail(str(exc))
    finally:
        runtime.close()
    if as_json:
        print_json(counts.to_dict())
        return
    _print_counts(counts)


def _print_counts(counts: PartnerCounts) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for feed in counts.feeds:
        unit = "admissions" if feed.kind == FeedKind.assault_admissions else "incidents"
        table = Table(title=f"{feed.kind} by {counts.by}")
        table.add_column(counts.by)
        if counts.by == "district":
            table.add_column("name")
        table.add_column(unit, justify="right")
        for row in feed.rows:
            cells = [row.key or "(unlocated)"]
            if counts.by == "district":
                cells.append(row.name or "")
            table.add_row(*cells, str(row.count))
        console.print(table)
        line = f"total {unit}: {feed.total}"
        if feed.kind == FeedKind.assault_admissions:
            line += f" ({feed.records} rows, {feed.suppressed_records} with a suppressed count)"
        console.print(line)
    for note in counts.notes:
        console.print(f"note: {note}")
