"""``beacon analyse ...``: every measure from the command line.

This module is imported when any ``beacon`` command runs, so its top imports only typer and the
standard library; each command imports the analytics it needs inside its body. Without
``--json`` a command prints a readable table; with it, JSON for programs. Bad input prints
``error: <option or file>: <reason>`` on stderr and exits 1, having written nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

analyse_app = typer.Typer(
    help="Analyse crime, partner data and intelligence: counts, rates, harm, hotspots, "
    "near-repeat, trends, concentration, profiles.",
    no_args_is_help=True,
)

# Options every measure shares.
Force = Annotated[
    str | None, typer.Option("--force", help="Police force (data.police.uk id, e.g. sussex).")
]
Lad = Annotated[
    str | None, typer.Option("--lad", help="District code(s), comma-separated (E06000015).")
]
Ward = Annotated[str | None, typer.Option("--ward", help="Ward code(s), comma-separated.")]
Lsoa = Annotated[str | None, typer.Option("--lsoa", help="LSOA code(s), comma-separated.")]
Month = Annotated[str | None, typer.Option("--month", help="One month, YYYY-MM.")]
From = Annotated[str | None, typer.Option("--from", help="First month, YYYY-MM.")]
To = Annotated[str | None, typer.Option("--to", help="Last month, YYYY-MM.")]
EngineOpt = Annotated[
    str | None,
    typer.Option("--engine", help="duckdb or spark (default: BEACON_ANALYTICS_ENGINE)."),
]
SnapshotOpt = Annotated[
    str | None, typer.Option("--snapshot", help="Snapshot id (default: the latest).")
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]


def register(app: typer.Typer) -> None:
    app.add_typer(analyse_app, name="analyse")
    from beacon.analytics.cli_nearrepeat import register as register_near_repeat

    register_near_repeat(analyse_app)


@contextmanager
def input_errors() -> Iterator[None]:
    """``AnalysisInputError`` -> one line on stderr and exit 1."""
    from beacon.analytics.errors import AnalysisInputError

    try:
        yield
    except AnalysisInputError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None


def status(message: str) -> Callable[[str], None]:
    """A progress line on stderr (only on a terminal)."""

    def say(text: str) -> None:
        if sys.stderr.isatty():
            typer.echo(f"{message}: {text}", err=True)

    return say


def print_table(rows: list[dict[str, Any]], columns: list[str], title: str = "") -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title or None, show_lines=False)
    for column in columns:
        table.add_column(column, justify="right" if _numeric(rows, column) else "left")
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    Console().print(table)


def _numeric(rows: list[dict[str, Any]], column: str) -> bool:
    return any(isinstance(r.get(column), int | float) for r in rows[:20])


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def settings() -> Any:
    from beacon.config import get_settings

    return get_settings()


@analyse_app.command("snapshot")
def snapshot_command(
    full: Annotated[
        bool, typer.Option("--full", help="Rewrite every month, ignoring the last snapshot.")
    ] = False,
    show: Annotated[
        bool, typer.Option("--list", help="List snapshots instead of writing one.")
    ] = False,
    as_json: Json = False,
) -> None:
    """Write a new analysis snapshot from the database (only changed months are rewritten)."""
    from beacon.analytics.snapshot import list_snapshots, refresh_snapshot
    from beacon.cli_support import print_json

    config = settings()
    with input_errors():
        if show:
            found = [
                {
                    "id": s.id,
                    "created_at": s.manifest["created_at"],
                    "street_crime": s.table_rows("street_crime"),
                    "months": f"{s.months[0]} to {s.months[-1]}" if s.months else "-",
                }
                for s in list_snapshots(config)
            ]
            if as_json:
                print_json(found)
            else:
                print_table(found, ["id", "created_at", "street_crime", "months"], "Snapshots")
            return
        snapshot = refresh_snapshot(config, full=full, progress=status("snapshot"))
    manifest = snapshot.manifest
    if as_json:
        print_json(manifest | {"path": str(snapshot.path)})
        return
    typer.echo(f"snapshot {snapshot.id} at {snapshot.path}")
    for name, table in manifest["tables"].items():
        typer.echo(f"  {name:18} {table['rows']:>12,} rows  sha256 {table['sha256'][:16]}")
    typer.echo(
        f"  street crime months: {len(manifest['street_crime_months'])} "
        f"({len(manifest['written_months'])} written, {len(manifest['reused_months'])} reused)"
    )


@analyse_app.command("counts")
def counts_command(
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="Group by, comma-separated: lsoa|ward|district|force, month, "
            "crime-type (crime), category (partner), theme (intelligence).",
        ),
    ] = "district",
    source: Annotated[
        str, typer.Option("--source", help="crime (default), partner or intelligence.")
    ] = "crime",
    include_zeros: Annotated[
        bool,
        typer.Option("--include-zeros", help="List areas/months with no events too."),
    ] = False,
    force: Force = None,
    lad: Lad = None,
    ward: Ward = None,
    lsoa: Lsoa = None,
    month: Month = None,
    start: From = None,
    end: To = None,
    engine: EngineOpt = None,
    snapshot: SnapshotOpt = None,
    as_json: Json = False,
) -> None:
    """Counts, rates per 1,000 residents and harm per area x month x type."""
    from beacon.analytics.selection import area_choice, period_choice
    from beacon.analytics.service import analysis, run_counts
    from beacon.cli_support import print_json

    with input_errors():
        choice = area_choice(force=force, lad=lad, ward=ward, lsoa=lsoa)
        asked = period_choice(month=month, start=start, end=end)
        with analysis(settings(), snapshot_id=snapshot, engine=engine) as context:
            result = run_counts(
                context,
                source=source,
                choice=choice,
                asked=asked,
                by=by,
                include_zeros=include_zeros,
            )
    if as_json:
        print_json([row | {"snapshot": result.snapshot["id"]} for row in result.rows])
        return
    keys = result.grouping.keys(result.source)
    names = [f"{k}_name" for k in keys if f"{k}_name" in (result.rows[0] if result.rows else {})]
    columns = [*keys, *names, "count", "rate", "harm"]
    print_table(
        list(result.rows),
        columns,
        f"{result.source}: {result.period.first} to {result.period.last} "
        f"(snapshot {result.snapshot['id']}, {result.engine})",
    )
