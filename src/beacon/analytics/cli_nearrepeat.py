"""``beacon analyse near-repeat``: the Knox test of Ratcliffe's Near Repeat Calculator.

Events come either from a Calculator CSV (``--input FILE``: x, y in metres, date) or from the
analysis snapshot (``--source partner-feeds|intelligence`` with area and period options).
Only typer and the standard library are imported here: numpy and the analysis are imported
inside the command, so ``beacon --help`` stays fast.
"""

from __future__ import annotations

import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

# The area and period options every analyse command shares (help texts in one place).
from beacon.analytics.cli import Force, From, Lad, Lsoa, Month, To, Ward

if TYPE_CHECKING:
    from beacon.analytics.nearrepeat import KnoxResult

# A bar is drawn only once a run has taken this long (and only on a terminal).
PROGRESS_AFTER_S = 0.5


class Metric(StrEnum):
    manhattan = "manhattan"
    euclidean = "euclidean"


class Source(StrEnum):
    partner_feeds = "partner-feeds"
    intelligence = "intelligence"


def register(analyse_app: typer.Typer) -> None:
    """Add ``near-repeat`` to the ``beacon analyse`` group."""
    analyse_app.command("near-repeat")(near_repeat)


def near_repeat(
    input_file: Annotated[
        Path | None,
        typer.Option(
            "--input",
            help="Near Repeat Calculator CSV: x, y (projected metres), date (YYYY-MM-DD).",
            dir_okay=False,
        ),
    ] = None,
    source: Annotated[
        Source | None, typer.Option("--source", help="Dated events from the analysis snapshot.")
    ] = None,
    lad: Lad = None,
    ward: Ward = None,
    lsoa: Lsoa = None,
    force: Force = None,
    month: Month = None,
    date_from: From = None,
    date_to: To = None,
    distance_band: Annotated[
        float, typer.Option("--distance-band", help="Width of a distance band in metres.")
    ] = 100.0,
    distance_bands: Annotated[
        int, typer.Option("--distance-bands", help="Distance bands before 'more than'.")
    ] = 3,
    time_band: Annotated[
        int, typer.Option("--time-band", help="Width of a time band in days.")
    ] = 7,
    time_bands: Annotated[
        int, typer.Option("--time-bands", help="Time bands before 'more than'.")
    ] = 3,
    metric: Annotated[
        Metric, typer.Option("--metric", help="Distance measure.")
    ] = Metric.manhattan,
    iterations: Annotated[
        int, typer.Option("--iterations", help="Monte Carlo permutations (99 gives p >= 0.01).")
    ] = 99,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the permutations.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Knox test for near repeats: pairs of events by distance band x time band, compared
    with random permutations of the dates over the places (as the Near Repeat Calculator)."""
    from beacon.analytics.errors import AnalysisInputError
    from beacon.cli_support import fail, print_json

    selection = {"lad": lad, "ward": ward, "lsoa": lsoa, "force": force, "month": month}
    selection.update({"from": date_from, "to": date_to})
    if (input_file is None) == (source is None):
        fail("give exactly one of --input FILE or --source partner-feeds|intelligence")
    if input_file is not None and any(value is not None for value in selection.values()):
        used = ", ".join(f"--{name}" for name, value in selection.items() if value is not None)
        fail(f"{used}: these choose events from the snapshot and need --source, not --input")
    try:
        selection_options = _selection_options(lad, ward, lsoa, force, month, date_from, date_to)
        from beacon.analytics.nearrepeat import check_knox_options, knox_test

        check_knox_options(
            distance_band=distance_band,
            distance_bands=distance_bands,
            time_band=time_band,
            time_bands=time_bands,
            metric=metric.value,
            iterations=iterations,
        )
        if input_file is not None:
            from beacon.analytics.nearrepeat import read_calculator_csv

            events = read_calculator_csv(input_file)
        else:
            assert source is not None
            from beacon.analytics.events import load_dated_events
            from beacon.config import get_settings

            events = load_dated_events(
                source=source.value, selection_options=selection_options, settings=get_settings()
            )
        with _LazyProgress(iterations) as progress:
            result = knox_test(
                events,
                distance_band=distance_band,
                distance_bands=distance_bands,
                time_band=time_band,
                time_bands=time_bands,
                metric=metric.value,
                iterations=iterations,
                seed=seed,
                progress=progress,
            )
    except AnalysisInputError as exc:
        fail(str(exc), 1)
    if as_json:
        print_json(result.to_dict())
    else:
        sys.stdout.write(format_result(result))


def _selection_options(
    lad: str | None,
    ward: str | None,
    lsoa: str | None,
    force: str | None,
    month: str | None,
    date_from: str | None,
    date_to: str | None,
) -> dict[str, str | None]:
    """The snapshot selection as given, after the checks every ``analyse`` command makes."""
    from beacon.analytics.selection import area_choice, period_choice

    area_choice(force=force, lad=lad, ward=ward, lsoa=lsoa)
    period_choice(month=month, start=date_from, end=date_to)
    return {
        "force": force,
        "lad": lad,
        "ward": ward,
        "lsoa": lsoa,
        "month": month,
        "from": date_from,
        "to": date_to,
    }


class _LazyProgress:
    """Progress callback that draws a rich bar on stderr only once the run has been slow."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.started = time.perf_counter()
        self.enabled = sys.stderr.isatty()
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> _LazyProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def __call__(self, done: int) -> None:
        if not self.enabled or done >= self.total:
            return
        if self.bar is None:
            if time.perf_counter() - self.started < PROGRESS_AFTER_S:
                return
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                TextColumn("[bold]permutations"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task("permutations", total=self.total)
        self.bar.update(self.task, completed=done)


def format_result(result: KnoxResult) -> str:
    """The observed, expected, Knox ratio and p-value tables as plain text."""
    params = result.parameters
    lines = [
        f"Knox test: {result.events:,} events, {result.pairs:,} pairs "
        f"({result.close_pairs:,} within {result.distance_edges[-1]:g} m), "
        f"{params['metric']} distance, {params['iterations']} permutations, seed {params['seed']}",
    ]
    if params.get("source"):
        lines.append(f"source: {params['source']}")
    tables = (
        ("Observed pairs", result.observed, "{:,.0f}"),
        ("Expected pairs (mean of the permutations)", result.expected_mean, "{:,.1f}"),
        ("Knox ratio (observed / expected)", result.knox_ratio, "{:.2f}"),
        ("p-value", result.p_value, "{:.3f}"),
    )
    for title, values, number in tables:
        lines += ["", title]
        cells = [
            ["" if v != v else number.format(v) for v in row]  # NaN (nothing expected): blank
            for row in values.tolist()
        ]
        label_width = max(len(label) for label in result.row_labels)
        widths = [
            max(len(result.column_labels[c]), *(len(row[c]) for row in cells))
            for c in range(len(result.column_labels))
        ]
        header = " " * label_width + "".join(
            f"  {label:>{w}}" for label, w in zip(result.column_labels, widths, strict=True)
        )
        lines.append(header)
        for label, row in zip(result.row_labels, cells, strict=True):
            lines.append(
                f"{label:<{label_width}}"
                + "".join(f"  {cell:>{w}}" for cell, w in zip(row, widths, strict=True))
            )
    lines += [
        "",
        "Rows are distances [from, to) in metres ('same location' is under 1 m); columns are "
        "whole days apart [from, to).",
    ]
    return "\n".join(lines) + "\n"
