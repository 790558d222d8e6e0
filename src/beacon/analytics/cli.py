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
from dataclasses import dataclass
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


@analyse_app.callback()
def _short_lived_process() -> None:
    """Analyse Beacon's data (see the commands below)."""
    import gc

    # An analysis command is a short process that builds tens of thousands of small acyclic
    # rows: the cyclic garbage collector only costs time here (about 10% of `counts`), and
    # reference counting still frees everything.
    gc.disable()


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


def note(text: str) -> None:
    """A line on stderr (stdout stays clean for --json)."""
    typer.echo(f"note: {text}", err=True)


def status(message: str) -> Callable[[str], None]:
    """A progress line on stderr (only on a terminal)."""

    def say(text: str) -> None:
        if sys.stderr.isatty():
            typer.echo(f"{message}: {text}", err=True)

    return say


def print_json_rows(rows: list[dict[str, Any]]) -> None:
    """A JSON list, one object per line: json's C encoder (indent forces the slow Python one)
    writes 10,000 rows in milliseconds, and each line is still readable."""
    import json

    out = sys.stdout
    out.write("[\n")
    last = len(rows) - 1
    for index, row in enumerate(rows):
        out.write("  " + json.dumps(row, ensure_ascii=False, default=str))
        out.write(",\n" if index < last else "\n")
    out.write("]\n")


def print_table(rows: list[dict[str, Any]], columns: list[str], title: str = "") -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title or None, show_lines=False)
    for column in columns:
        table.add_column(column, justify="right" if _numeric(rows, column) else "left")
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    # On a terminal rich fits the table to the window; piped output gets room to stay readable.
    Console(width=None if sys.stdout.isatty() else 200).print(table)


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
    from beacon.analytics.service import run_counts

    result = _run_measure(
        run_counts,
        Where(force, lad, ward, lsoa, month, start, end, engine, snapshot),
        source=source,
        by=by,
        include_zeros=include_zeros,
    )
    if as_json:
        print_json_rows([row | {"snapshot": result.snapshot["id"]} for row in result.rows])
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


SourceOpt = Annotated[
    str, typer.Option("--source", help="crime (default), partner or intelligence.")
]
TypesOpt = Annotated[
    str | None,
    typer.Option("--type", help="Only these crime types / categories / themes (comma-separated)."),
]


@dataclass(frozen=True)
class Where:
    """The options every measure shares: areas, months, engine and snapshot."""

    force: str | None
    lad: str | None
    ward: str | None
    lsoa: str | None
    month: str | None
    start: str | None
    end: str | None
    engine: str | None
    snapshot: str | None


def _run_measure(run: Callable[..., Any], where: Where, **options: Any) -> Any:
    from beacon.analytics.selection import area_choice, period_choice
    from beacon.analytics.service import analysis

    with input_errors(), working(run.__name__.removeprefix("run_")):
        choice = area_choice(force=where.force, lad=where.lad, ward=where.ward, lsoa=where.lsoa)
        asked = period_choice(month=where.month, start=where.start, end=where.end)
        with analysis(
            settings(), snapshot_id=where.snapshot, engine=where.engine, say=note
        ) as context:
            return run(context, choice=choice, asked=asked, **options)


@contextmanager
def working(what: str) -> Iterator[None]:
    """A spinner on stderr while a measure runs (only on a terminal: pipes stay clean)."""
    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(f"computing {what}..."):
        yield


def _title(result: Any) -> str:
    return (
        f"{result.measure} of {result.source}: {result.period.first} to {result.period.last} "
        f"(snapshot {result.snapshot['id']}, {result.engine})"
    )


@analyse_app.command("hotspots")
def hotspots_command(
    source: SourceOpt = "crime",
    types: TypesOpt = None,
    value: Annotated[
        str, typer.Option("--value", help="count, or harm (street crime weighted by harm).")
    ] = "count",
    transform: Annotated[
        str, typer.Option("--transform", help="Weights: B binary (default) or R row-standardised.")
    ] = "B",
    permutations: Annotated[int, typer.Option("--permutations", help="Permutations.")] = 999,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the permutations.")] = 12345,
    significance: Annotated[
        str,
        typer.Option(
            "--significance",
            help="permutation (default; FDR-corrected) or normal (z's normal approximation).",
        ),
    ] = "permutation",
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
    """Getis-Ord Gi* hot and cold spots per LSOA (queen contiguity, FDR-corrected)."""
    from beacon.analytics.measures import run_hotspots

    result = _run_measure(
        run_hotspots,
        Where(force, lad, ward, lsoa, month, start, end, engine, snapshot),
        source=source,
        value=value,
        types=types,
        transform=transform,
        permutations=permutations,
        seed=seed,
        significance=significance,
    )
    if as_json:
        print_json_rows(result.rows)
        return
    body = result.to_dict()
    ranked = sorted(result.rows, key=lambda r: -(r["z"] if r["z"] is not None else -1e9))
    print_table(ranked, ["area", "name", "count", "z", "p", "p_adjusted", "class"], _title(result))
    typer.echo(", ".join(f"{k}: {v}" for k, v in body["summary"].items()))
    for warning in body.get("warnings", []):
        typer.echo(f"note: {warning}", err=True)


@analyse_app.command("surface")
def surface_command(
    source: Annotated[
        str, typer.Option("--source", help="partner or intelligence (dated points).")
    ] = "partner",
    resolution: Annotated[int, typer.Option("--resolution", help="H3 resolution (8).")] = 8,
    engine: EngineOpt = None,
    permutations: Annotated[int, typer.Option("--permutations", help="Permutations.")] = 999,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the permutations.")] = 12345,
    force: Force = None,
    lad: Lad = None,
    ward: Ward = None,
    lsoa: Lsoa = None,
    month: Month = None,
    start: From = None,
    end: To = None,
    snapshot: SnapshotOpt = None,
    as_json: Json = False,
) -> None:
    """Gi* hot and cold spots on H3 hexagons from dated points (partner feeds, intelligence)."""
    from beacon.analytics.measures import run_surface
    from beacon.cli_support import print_json

    result = _run_measure(
        run_surface,
        Where(force, lad, ward, lsoa, month, start, end, engine, snapshot),
        source=source,
        resolution=resolution,
        permutations=permutations,
        seed=seed,
    )
    if as_json:
        print_json(result.to_dict())
        return
    shown = [r for r in result.rows if r.get("count")]
    print_table(shown, ["area", "count", "z", "p_adjusted", "class"], _title(result))


@analyse_app.command("trends")
def trends_command(
    by: Annotated[
        str,
        typer.Option("--by", help="Series per: lsoa|ward|district|force and/or crime-type."),
    ] = "district",
    source: SourceOpt = "crime",
    year_basis: Annotated[
        str, typer.Option("--year", help="Year to date by calendar or financial year.")
    ] = "calendar",
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
    """Monthly trends (month on month, 3 v 3 months, year on year, year to date, Mann-Kendall
    with Sen's slope) and emerging-risk flags naming the rule and evidence."""
    from beacon.analytics.measures import run_trends
    from beacon.cli_support import print_json

    if year_basis not in ("calendar", "financial"):
        typer.echo("error: --year: choose calendar or financial", err=True)
        raise typer.Exit(1)
    result = _run_measure(
        run_trends,
        Where(force, lad, ward, lsoa, month, start, end, engine, snapshot),
        source=source,
        by=by,
        year_basis=year_basis,
    )
    if as_json:
        print_json(result.to_dict())
        return
    keys = result.parameters["by"]
    columns = [
        *keys,
        "total",
        "latest_count",
        "month_on_month_pct",
        "rolling_pct",
        "year_on_year_pct",
        "trend",
        "trend_p",
        "sen_slope_per_month",
    ]
    print_table(result.rows, columns, _title(result))
    flags = result.body["emerging"]
    typer.echo(f"emerging-risk flags: {len(flags)}")
    for flag in flags:
        typer.echo(f"  {flag['group_label']}: {flag['rule']} - {flag['description']}")


@analyse_app.command("concentration")
def concentration_command(
    level: Annotated[
        str, typer.Option("--level", help="Areas to rank: lsoa (default) or ward.")
    ] = "lsoa",
    source: SourceOpt = "crime",
    types: TypesOpt = None,
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
    """Share of crime and harm in the top 5% and 10% of areas, Gini, Lorenz curve, and rates by
    IMD 2019 decile."""
    from beacon.analytics.measures import run_concentration
    from beacon.cli_support import print_json

    if level not in ("lsoa", "ward"):
        typer.echo("error: --level: choose lsoa or ward", err=True)
        raise typer.Exit(1)
    result = _run_measure(
        run_concentration,
        Where(force, lad, ward, lsoa, month, start, end, engine, snapshot),
        source=source,
        level=level,
        types=types,
    )
    if as_json:
        print_json(result.to_dict())
        return
    typer.echo(_title(result))
    for label in ("count", "harm"):
        part = result.body.get(label)
        if not part:
            continue
        tops = ", ".join(f"top {t['percent']:g}%: {t['share']:.1%}" for t in part["top"])
        gini = part.get("gini")
        typer.echo(
            f"{label}: {part['n_areas']} areas, total {_cell(part['total'])}; {tops}; "
            f"Gini {gini:.3f}"
            if gini is not None
            else f"{label}: {part.get('reason')}"
        )
    deprivation = result.body.get("deprivation")
    if deprivation and deprivation.get("excluded"):
        reasons: dict[str, int] = {}
        for item in deprivation["excluded"]:
            reasons[item["reason"]] = reasons.get(item["reason"], 0) + 1
        listed = "; ".join(f"{n}: {reason}" for reason, n in reasons.items())
        typer.echo(f"IMD deciles: {len(deprivation['excluded'])} areas left out ({listed})")
    if deprivation and deprivation.get("areas"):
        print_table(
            deprivation["deciles"],
            ["decile", "areas", "count", "population", "rate_per_1000", "harm_per_1000"],
            "By IMD 2019 decile (1 = most deprived)",
        )


@analyse_app.command("profile")
def profile_command(
    ward_code: Annotated[str | None, typer.Option("--ward", help="The ward's code.")] = None,
    lsoa_code: Annotated[str | None, typer.Option("--lsoa", help="The LSOA's code.")] = None,
    month: Month = None,
    start: From = None,
    end: To = None,
    suppress: Annotated[
        bool,
        typer.Option(
            "--suppress-small", help="Show counts of 1-4 as 'fewer than 5' (as partners see)."
        ),
    ] = False,
    engine: EngineOpt = None,
    snapshot: SnapshotOpt = None,
    as_json: Json = False,
) -> None:
    """A neighbourhood profile of one ward or LSOA: crime by type, rates, harm, trend, hotspot
    class, IMD, and intelligence and partner-feed volume by theme."""
    from beacon.analytics.profiles import run_profile
    from beacon.analytics.selection import period_choice
    from beacon.analytics.service import analysis
    from beacon.cli_support import print_json

    with input_errors():
        if (ward_code is None) == (lsoa_code is None):
            from beacon.analytics.errors import AnalysisInputError

            raise AnalysisInputError("give exactly one of --ward or --lsoa", option="--ward")
        asked = period_choice(month=month, start=start, end=end)
        with analysis(settings(), snapshot_id=snapshot, engine=engine, say=note) as context:
            result = run_profile(
                context,
                level="ward" if ward_code else "lsoa",
                code=str(ward_code or lsoa_code),
                asked=asked,
                suppress=suppress,
            )
    body = result.to_dict()
    if as_json:
        print_json(body)
        return
    area = body["area"]
    typer.echo(f"{area['name']} ({area['code']}), {area['district_name']}: {_title(result)}")
    totals = body["totals"]
    typer.echo(
        f"street crime: {_cell(totals.get('count'))}, rate {_cell(totals.get('rate'))} per "
        f"1,000, harm {_cell(totals.get('harm'))}; population {_cell(area['population'])}"
    )
    print_table(body["crime_types"], ["crime_type", "count", "rate", "harm"], "By crime type")
    trend = body["trend"].get("trend") or {}
    typer.echo(
        f"trend: {trend.get('trend') or 'not computed'} ({trend.get('reason') or 'Mann-Kendall'})"
    )
    hotspot = body["hotspot"]
    typer.echo(f"hotspot classes: {hotspot.get('classes') or hotspot.get('reason')}")
    deprivation = body["deprivation"]
    if deprivation.get("computed"):
        typer.echo(f"IMD deciles by LSOA: {deprivation['imd_decile_by_lsoa']}")
    for label in ("intelligence", "partner_feeds"):
        part = body[label]
        typer.echo(f"{label}: {part.get('rows') if part.get('computed') else part.get('reason')}")


@analyse_app.command("repeats")
def repeats_command(
    source: SourceOpt = "crime",
    window: Annotated[
        int | None,
        typer.Option(
            "--window",
            help="Months (street crime, default 1) or days (partner, intelligence; default 28).",
        ),
    ] = None,
    any_type: Annotated[
        bool, typer.Option("--any-type", help="Repeats of any type, not only the same type.")
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
    """Repeat locations: map points with another event of the same type within the window."""
    from beacon.analytics.measures import run_repeats
    from beacon.cli_support import print_json

    result = _run_measure(
        run_repeats,
        Where(force, lad, ward, lsoa, month, start, end, engine, snapshot),
        source=source,
        window=window,
        by_type=not any_type,
    )
    if as_json:
        print_json(result.to_dict())
        return
    body = result.body
    typer.echo(
        f"{_title(result)}\n{body['events']:,} located events at {body['locations']:,} places; "
        f"{body['repeat_locations']:,} repeat locations, {body['repeat_events']:,} repeat events "
        f"(window {result.parameters['window']} {result.parameters['unit']})"
    )
    print_table(body["by_type"], list(body["by_type"][0]) if body["by_type"] else [], "By type")
    top = sorted(result.rows, key=lambda r: -r["events"])[:20]
    print_table(top, ["lsoa", "latitude", "longitude", "type", "events", "repeats"], "Top places")
