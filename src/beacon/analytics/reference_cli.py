"""``beacon import population`` and ``beacon import harm-weights``.

Exit codes: 0 imported; 1 the file was refused (unreadable, wrong layout, or rejected rows:
then nothing of it was imported and each rejected row is listed); 2 an invalid option.
Only typer and the standard library are imported here: the importers load inside the command.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

_SHOWN_ERRORS = 10

FileArgument = Annotated[Path, typer.Argument(help="The file to import.", show_default=False)]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print a JSON summary on stdout instead of text.")
]
ActivateOption = Annotated[
    bool,
    typer.Option(
        "--activate/--no-activate",
        help="Make this edition the one analyses use (the first edition always is).",
    ),
]


class HarmLayout(StrEnum):
    auto = "auto"
    beacon = "beacon"
    ons = "ons"


def _run(work: Any, json_output: bool) -> None:
    """Run ``work(session)`` in one transaction; print its summary or the refusal."""
    from beacon.analytics.errors import AnalysisInputError
    from beacon.analytics.reference import ReferenceImportError
    from beacon.runtime import open_runtime

    runtime = open_runtime()
    try:
        with runtime.sessions() as session:
            try:
                summary = work(session)
                session.commit()
            except AnalysisInputError as exc:
                session.rollback()
                _refused(exc, json_output, isinstance(exc, ReferenceImportError))
    finally:
        runtime.close()
    if json_output:
        sys.stdout.write(json.dumps(summary.to_dict(), indent=2, default=str) + "\n")
        return
    _echo_summary(summary.to_dict())


def _refused(exc: Any, json_output: bool, has_rows: bool) -> None:
    if exc.option is not None and exc.file is None:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)
    if json_output:
        sys.stdout.write(json.dumps({"refused": exc.as_dict()}, indent=2) + "\n")
    typer.echo(f"error: {exc}", err=True)
    if has_rows:
        for error in exc.errors[:_SHOWN_ERRORS]:
            typer.echo(f"  line {error.line}: {error.reason}", err=True)
        if exc.rejected > _SHOWN_ERRORS:
            typer.echo(f"  ... and {exc.rejected - _SHOWN_ERRORS:,} more (see --json)", err=True)
    raise typer.Exit(1)


def _echo_summary(summary: dict[str, Any]) -> None:
    state = "active" if summary["active"] else "not active"
    typer.echo(
        f"{summary['file']}: {summary['kind']} edition {summary['edition']} ({summary['layout']}"
        f" layout, {state}): {summary['rows_read']:,} rows read; {summary['inserted']:,} "
        f"inserted, {summary['updated']:,} updated, {summary['unchanged']:,} unchanged"
        + (f", {summary['skipped']:,} non-data rows skipped" if summary["skipped"] else "")
    )
    details = summary["details"]
    if details.get("lsoas_not_in_areas"):
        typer.echo(
            f"  note: {details['lsoas_not_in_areas']:,} LSOAs are not among the loaded areas "
            "(import an LSOA lookup to name and group them)"
        )
    if details.get("stored_not_in_file"):
        typer.echo(
            f"  note: {details['stored_not_in_file']:,} LSOAs of this edition stored earlier "
            "are not in this file (kept)"
        )
    for item in details.get("unmapped", [])[:_SHOWN_ERRORS]:
        typer.echo(
            f"  note: line {item['line']}: offence code {item['code']} is not in Beacon's "
            "Home Office offence mapping, so its weight was not used"
        )
    if len(details.get("unmapped", [])) > _SHOWN_ERRORS:
        typer.echo(f"  ... {len(details['unmapped']):,} unmapped codes in all (see --json)")
    if details.get("excluded_not_in_street_data"):
        codes = ", ".join(details["excluded_not_in_street_data"])
        typer.echo(f"  note: not in police.uk street data, not used: {codes}")
    for name, weight in details.get("weights", {}).items():
        typer.echo(f"  {name:<30} {weight:>10,.2f}")


def import_population_command(
    file: FileArgument,
    edition: Annotated[
        str | None,
        typer.Option(
            "--edition",
            help="Which population this is, e.g. census2011 or mye2020 (found from the file "
            "when it can be).",
        ),
    ] = None,
    activate: ActivateOption = True,
    json_output: JsonOption = False,
) -> None:
    """Import population per LSOA: lsoa_code,population; an ONS LSOA mid-year estimates sheet
    saved as CSV; or the census 2011 table shipped in crime-sim-toolkit."""
    from beacon.analytics.reference import import_population

    _run(lambda s: import_population(s, file, edition=edition, activate=activate), json_output)


def import_harm_weights_command(
    file: FileArgument,
    edition: Annotated[
        str | None,
        typer.Option("--edition", help="Name of this weights table (default: the file's name)."),
    ] = None,
    layout: Annotated[
        HarmLayout,
        typer.Option(
            "--layout",
            help="beacon: crime_type,weight[,notes]; ons: ONS Crime Severity Score weights per "
            "offence code; auto: by the header.",
            case_sensitive=False,
        ),
    ] = HarmLayout.auto,
    asb_weight: Annotated[
        float,
        typer.Option(
            "--asb-weight",
            help="Weight for anti-social behaviour with the ONS layout (no CSS weight exists).",
        ),
    ] = 0.0,
    activate: ActivateOption = True,
    json_output: JsonOption = False,
) -> None:
    """Import crime harm weights per data.police.uk category (Beacon's layout), or derive them
    from the ONS Crime Severity Score offence weights (ONS layout)."""
    from beacon.analytics.reference import import_harm_weights

    _run(
        lambda s: import_harm_weights(
            s,
            file,
            edition=edition,
            layout=layout.value,
            asb_weight=asb_weight,
            activate=activate,
        ),
        json_output,
    )


def register(import_app: typer.Typer) -> None:
    """Add ``population`` and ``harm-weights`` to ``beacon import``."""
    import_app.command("population")(import_population_command)
    import_app.command("harm-weights")(import_harm_weights_command)
