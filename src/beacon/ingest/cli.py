"""``beacon import police`` and ``beacon stats crimes``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from beacon.cli_support import fail, print_json

if TYPE_CHECKING:
    from beacon.ingest.police_import import ImportReport

# beacon.ingest.stats.GROUPINGS, copied so that `--help` need not import SQLAlchemy
# (tests/test_cli_startup.py checks the two are equal).
GROUPINGS: tuple[str, ...] = ("crime_type", "lsoa", "ward", "district", "month")

stats_app = typer.Typer(help="Figures from the loaded data.", no_args_is_help=True)


def register(app: typer.Typer, import_app: typer.Typer | None = None) -> None:
    """Add ``import police``, ``import partner-feed`` and the ``stats`` group to ``beacon``."""
    from beacon.ingest.partner_cli import register as register_partner_feeds

    assert import_app is not None
    import_app.command("police")(import_police)
    register_partner_feeds(import_app, stats_app)
    app.add_typer(stats_app, name="stats")


def import_police(
    files: Annotated[
        list[Path], typer.Argument(help="data.police.uk CSV files, or folders of them.")
    ],
    force: Annotated[
        str | None,
        typer.Option(help="Force of stop-and-search files whose name does not say (e.g. sussex)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Import data.police.uk street, outcomes and stop-and-search CSV files (detected from
    their header). Re-importing a file, or a newer publication of a month, adds nothing twice.
    Exits with 1 when any file could not be read."""
    from beacon.ingest.police_import import import_police_files, iter_files
    from beacon.runtime import open_runtime

    paths = iter_files(files)
    if not paths:
        fail("no CSV files found in the paths given")
    runtime = open_runtime()
    try:
        report = import_police_files(
            runtime.engine, paths, force=force, batch_rows=runtime.settings.import_batch_rows
        )
    finally:
        runtime.close()
    if as_json:
        print_json(report.to_dict())
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def _print_report(report: ImportReport) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title="data.police.uk import")
    for heading in (
        "file",
        "kind",
        "rows",
        "imported",
        "updated",
        "duplicates",
        "conflicts",
        "rejected",
        "no location",
    ):
        table.add_column(heading, justify="left" if heading in ("file", "kind") else "right")
    for f in report.files:
        table.add_row(
            Path(f.file).name,
            f.kind or "unreadable",
            str(f.rows_read),
            str(f.imported),
            str(f.updated),
            str(f.duplicates),
            str(len(f.conflicts)),
            str(f.rejected),
            str(f.no_location),
        )
    console.print(table)
    summary = report.to_dict()
    shown = 5
    for error in summary["errors"][:shown]:
        where = f"{error['file']}:{error['line']}" if error["line"] else error["file"]
        console.print(f"[red]rejected[/red] {where}: {error['reason']}", highlight=False)
    if len(summary["errors"]) > shown:
        console.print(f"... and {len(summary['errors']) - shown} more (use --json for all)")
    for conflict in summary["conflicts"][:shown]:
        console.print(
            f"[yellow]conflict[/yellow] {conflict['file']}:{conflict['line']}: "
            f"{conflict['reason']}",
            highlight=False,
        )
    if len(summary["conflicts"]) > shown:
        console.print(f"... and {len(summary['conflicts']) - shown} more (use --json for all)")


@stats_app.command("crimes")
def stats_crimes(
    by: Annotated[str, typer.Option(help="Group by: " + ", ".join(GROUPINGS) + ".")] = "crime_type",
    force: Annotated[
        str | None, typer.Option(help="Only this force (name or id, e.g. derbyshire).")
    ] = None,
    month: Annotated[str | None, typer.Option(help="Only this month (YYYY-MM).")] = None,
    crime_type: Annotated[
        str | None, typer.Option("--crime-type", help="Only this data.police.uk category.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Count street-level crime and anti-social behaviour rows."""
    from rich.console import Console
    from rich.table import Table

    from beacon.ingest.stats import StatsError, count_crimes
    from beacon.runtime import open_runtime

    runtime = open_runtime()
    try:
        with runtime.sessions() as session:
            counts = count_crimes(session, by=by, force=force, month=month, crime_type=crime_type)
    except StatsError as exc:
        fail(str(exc))
    finally:
        runtime.close()
    if as_json:
        print_json(counts.to_dict())
        return
    console = Console()
    title = f"Street crime by {by}" + "".join(f", {k}={v}" for k, v in counts.filters.items())
    table = Table(title=title)
    table.add_column(by)
    if by not in ("crime_type", "month"):
        table.add_column("name")
    table.add_column("count", justify="right")
    for row in counts.rows:
        cells = [row.key or ""]
        if by not in ("crime_type", "month"):
            cells.append(row.name or "")
        table.add_row(*cells, str(row.count))
    console.print(table)
    console.print(f"total rows: {counts.total}")
    if counts.geography:
        console.print(f"geography: {counts.geography}")
    if counts.unmatched:
        rows = sum(r.count for r in counts.unmatched)
        console.print(
            f"[yellow]{rows} rows in {len(counts.unmatched)} LSOA codes the lookup does not "
            "place[/yellow] (use --json for the codes)"
        )
    if counts.no_lsoa:
        console.print(f"{counts.no_lsoa} rows have no LSOA (no location published)")
