"""Command-line interface of the geography domain.

``beacon import lookup|force-lookup|boundaries|imd|postcodes FILE...`` and
``beacon geo locate|postcode|status``. Exit codes: 0 success; 1 the job could not be done (a
file unreadable or with the wrong header — the other files are still imported —, nothing
loaded, nothing found); 2 invalid input (a postcode or coordinates that cannot be valid).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from beacon.cli_support import fail, print_json

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from beacon.geography.service import (
        AreaInfo,
        DeprivationInfo,
        ImportSummary,
        LocateResult,
        PostcodeResult,
    )

_SHOWN_ERRORS = 10

FilesArgument = Annotated[
    list[Path], typer.Argument(help="Files to import.", show_default=False, metavar="FILE")
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print a JSON summary on stdout instead of text.")
]


class BoundaryLevel(StrEnum):
    lsoa = "lsoa"
    ward = "ward"


# ---------------------------------------------------------------------------------------------
# Imports


def _run_imports(
    kind: str,
    files: list[Path],
    json_output: bool,
    importer: Callable[[Session, Path], ImportSummary],
) -> None:
    from beacon.geography.service import ImportFileError
    from beacon.runtime import open_runtime

    runtime = open_runtime()
    summaries: list[ImportSummary] = []
    failures: list[dict[str, str]] = []
    try:
        for path in files:
            with runtime.sessions() as session:
                try:
                    summary = importer(session, path)
                except ImportFileError as exc:
                    failures.append({"file": str(path), "error": str(exc)})
                    typer.echo(f"error: {exc}", err=True)
                    continue
            summaries.append(summary)
            if not json_output:
                _echo_summary(summary)
    finally:
        runtime.close()
    totals = {
        key: sum(getattr(summary, key) for summary in summaries)
        for key in ("rows_read", "inserted", "updated", "unchanged", "rejected")
    }
    if json_output:
        print_json(
            {
                "kind": kind,
                "files": [summary.to_dict() for summary in summaries],
                "failed": failures,
                "totals": totals,
            }
        )
    elif len(summaries) > 1:
        typer.echo(
            f"total: {len(summaries)} files, {totals['rows_read']:,} rows read; "
            f"{totals['inserted']:,} inserted, {totals['updated']:,} updated, "
            f"{totals['unchanged']:,} unchanged, {totals['rejected']:,} rejected"
        )
    if failures:
        raise typer.Exit(1)


def _echo_summary(summary: ImportSummary) -> None:
    vintages = ", ".join(f"{level} {vintage}" for level, vintage in summary.vintages.items())
    typer.echo(
        f"{summary.file}: {summary.rows_read:,} rows read; {summary.inserted:,} inserted, "
        f"{summary.updated:,} updated, {summary.unchanged:,} unchanged, "
        f"{summary.rejected:,} rejected" + (f" ({vintages})" if vintages else "")
    )
    for error in summary.errors[:_SHOWN_ERRORS]:
        where = f"feature {error.feature}" if error.feature is not None else f"line {error.line}"
        typer.echo(f"  {where}: {error.reason}")
    if summary.rejected > _SHOWN_ERRORS:
        typer.echo(f"  ... and {summary.rejected - _SHOWN_ERRORS:,} more (see --json)")
    for note in _notes(summary):
        typer.echo(f"  note: {note}")


def _notes(summary: ImportSummary) -> list[str]:
    details: dict[str, Any] = dict(summary.details)
    notes: list[str] = []
    if details.get("districts_without_force"):
        notes.append(
            f"{details['districts_without_force']:,} stored districts have no force area "
            f"(e.g. {', '.join(details['districts_without_force_sample'][:5])})"
        )
    if details.get("districts_matched_in_other_vintage"):
        notes.append(
            f"{details['districts_matched_in_other_vintage']:,} districts matched stored "
            "districts of another vintage by code"
        )
    if details.get("areas_created"):
        notes.append(
            f"{details['areas_created']:,} {details.get('level', 'areas')} areas were not "
            "loaded before and were created from the boundaries"
        )
    if details.get("repaired"):
        notes.append(f"{details['repaired']:,} invalid geometries were repaired (make_valid)")
    if details.get("lsoas_not_in_areas"):
        notes.append(
            f"{details['lsoas_not_in_areas']:,} LSOAs are not among the loaded areas "
            "(import an LSOA lookup to name and group them)"
        )
    for key in ("lsoa", "ward", "district"):
        missing = details.get(f"{key}_codes_not_in_areas")
        if missing:
            notes.append(f"{missing:,} distinct {key} codes are not among the loaded areas")
    return notes


def import_lookup_command(files: FilesArgument, json_output: JsonOption = False) -> None:
    """Import ONS LSOA -> ward -> district lookups (e.g. LSOA11CD, WD19CD, LAD19CD columns)."""
    from beacon.geography.service import import_lookup

    _run_imports("lookup", files, json_output, lambda s, p: import_lookup(s, p))


def import_force_lookup_command(files: FilesArgument, json_output: JsonOption = False) -> None:
    """Import ONS district -> police force area lookups (LADxxCD/NM, PFAxxCD/NM columns)."""
    from beacon.geography.service import import_force_lookup

    _run_imports("force-lookup", files, json_output, lambda s, p: import_force_lookup(s, p))


def import_boundaries_command(
    files: FilesArgument,
    level: Annotated[
        BoundaryLevel,
        typer.Option("--level", help="Which areas the GeoJSON features are.", case_sensitive=False),
    ],
    json_output: JsonOption = False,
) -> None:
    """Import LSOA or ward boundaries from GeoJSON in WGS84 (LSOAyyCD / WDyyCD properties)."""
    from beacon.geography.service import import_boundaries

    _run_imports(
        "boundaries",
        files,
        json_output,
        lambda s, p: import_boundaries(s, p, level=level.value),
    )


def import_imd_command(
    files: FilesArgument,
    edition: Annotated[
        str, typer.Option("--edition", help="Edition the ranks belong to.")
    ] = "IMD2019",
    json_output: JsonOption = False,
) -> None:
    """Import English Indices of Deprivation ranks and deciles per LSOA."""
    from beacon.geography.service import import_imd

    _run_imports("imd", files, json_output, lambda s, p: import_imd(s, p, edition=edition))


def import_postcodes_command(
    files: FilesArgument,
    lsoa_column: Annotated[
        str | None,
        typer.Option(
            "--lsoa-column",
            help="LSOA column to use when the file has several (default lsoa11, else lsoa21).",
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Import the ONS Postcode Directory or NSPL (pcds, lat, long, lsoa11, ward, laua, pfa)."""
    from beacon.config import get_settings
    from beacon.geography.service import import_postcodes

    batch_rows = get_settings().import_batch_rows
    _run_imports(
        "postcodes",
        files,
        json_output,
        lambda s, p: import_postcodes(s, p, lsoa_column=lsoa_column, batch_rows=batch_rows),
    )


# ---------------------------------------------------------------------------------------------
# beacon geo ...


def _area_line(label: str, info: AreaInfo | None, how: str = "") -> str | None:
    if info is None:
        return None
    name = info.name if info.name is not None else "(not among the loaded areas)"
    extra = ", ".join(part for part in (info.vintage, how) if part)
    return f"{label:<14}{info.code:<11} {name}" + (f" ({extra})" if extra else "")


def _deprivation_line(info: DeprivationInfo | None) -> str | None:
    if info is None:
        return None
    return (
        f"{info.edition:<14}rank {info.rank:,}, decile {info.decile} "
        "(rank 1 / decile 1 = most deprived)"
    )


def _echo_lines(lines: list[str | None]) -> None:
    for line in lines:
        if line is not None:
            typer.echo(line)


def _locate_lines(result: LocateResult) -> list[str | None]:
    return [
        _area_line("LSOA", result.lsoa),
        _area_line("ward", result.ward, "the LSOA's ward"),
        _area_line("ward", result.boundary_ward, "from ward boundaries"),
        _area_line("district", result.district),
        _area_line("force area", result.force),
        _deprivation_line(result.deprivation),
    ]


def _with_session(work: Callable[[Session], Any]) -> Any:
    from beacon.geography.service import (
        GeographyError,
        NotFoundError,
        NotLoadedError,
    )
    from beacon.runtime import open_runtime

    runtime = open_runtime()
    try:
        with runtime.sessions() as session:
            return work(session)
    except (NotFoundError, NotLoadedError) as exc:
        fail(str(exc), code=1)
    except GeographyError as exc:
        fail(str(exc))
    finally:
        runtime.close()


def geo_locate(
    lat: Annotated[float, typer.Option("--lat", help="Latitude (WGS84).")],
    lon: Annotated[float, typer.Option("--lon", help="Longitude (WGS84).")],
    json_output: JsonOption = False,
) -> None:
    """Show the LSOA, wards, district, force area and IMD at a point."""
    from beacon.geography.service import locate

    result: LocateResult = _with_session(lambda session: locate(session, lat, lon))
    if json_output:
        print_json(result.to_dict())
        return
    _echo_lines(
        [f"{'point':<14}{result.latitude:.6f}, {result.longitude:.6f}", *_locate_lines(result)]
    )


def geo_postcode(
    postcode: Annotated[str, typer.Argument(help="A UK postcode, e.g. 'DE1 2FS'.")],
    json_output: JsonOption = False,
) -> None:
    """Show a postcode's location, areas and IMD from the loaded postcode directory."""
    from beacon.geography.service import lookup_postcode

    result: PostcodeResult = _with_session(lambda session: lookup_postcode(session, postcode))
    if json_output:
        print_json(result.to_dict())
        return
    where = (
        f"{result.latitude:.6f}, {result.longitude:.6f}"
        if result.latitude is not None and result.longitude is not None
        else "no location"
    )
    _echo_lines(
        [
            f"{'postcode':<14}{result.postcode}",
            f"{'point':<14}{where}",
            f"{'terminated':<14}{result.terminated}" if result.terminated else None,
            _area_line("LSOA", result.lsoa),
            _area_line("ward", result.ward, "the LSOA's ward"),
            _area_line("ward", result.directory_ward, "postcode directory"),
            _area_line("ward", result.boundary_ward, "from ward boundaries"),
            _area_line("district", result.district),
            _area_line("force area", result.force),
            _deprivation_line(result.deprivation),
            *(f"note: {note}" for note in result.notes),
        ]
    )


def geo_status(json_output: JsonOption = False) -> None:
    """Show what geography data is loaded."""
    from beacon.geography.service import geography_status

    status: dict[str, Any] = _with_session(geography_status)
    if json_output:
        print_json(status)
        return
    if not status["areas"]:
        typer.echo("no areas loaded: run `beacon import lookup FILE`")
    for level, vintages in status["areas"].items():
        for vintage, counts in vintages.items():
            typer.echo(
                f"{level:<10}{vintage:<6}{counts['areas']:>8,} areas, "
                f"{counts['with_parent']:,} with a parent"
            )
    for level, vintages in status["boundaries"].items():
        for vintage, count in vintages.items():
            typer.echo(f"{level:<10}{vintage:<6}{count:>8,} boundaries")
    for edition, counts in status["deprivation"].items():
        typer.echo(f"{edition:<16}{counts['lsoas']:>8,} LSOAs with deprivation ranks")
    typer.echo(f"{'postcodes':<16}{status['postcodes']:>8,}")


def register(app: typer.Typer, import_app: typer.Typer | None = None) -> None:
    """Add this domain's commands to ``beacon``."""
    geo_app = typer.Typer(
        help="Areas at a point or postcode, and what geography is loaded.",
        no_args_is_help=True,
    )
    geo_app.command("locate")(geo_locate)
    geo_app.command("postcode")(geo_postcode)
    geo_app.command("status")(geo_status)
    app.add_typer(geo_app, name="geo")
    if import_app is not None:
        import_app.command("lookup")(import_lookup_command)
        import_app.command("force-lookup")(import_force_lookup_command)
        import_app.command("boundaries")(import_boundaries_command)
        import_app.command("imd")(import_imd_command)
        import_app.command("postcodes")(import_postcodes_command)
