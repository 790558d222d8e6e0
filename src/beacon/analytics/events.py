"""Dated point events from a snapshot (partner feeds, intelligence) for near-repeat and surfaces.

Coordinates are stored as WGS84 longitude/latitude; the Knox test needs metres, so they are
projected to the British National Grid (EPSG:27700) with pyproj. pyproj's wheels carry no
OSTN15 grid, so the transformation is the Helmert fallback: metre-level error, far below the
100 m bands near-repeat analysis uses (docs/DATA.md).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from beacon.analytics.errors import AnalysisInputError

if TYPE_CHECKING:
    from beacon.analytics.nearrepeat import DatedEvents
    from beacon.analytics.selection import AreaChoice
    from beacon.analytics.service import Context
    from beacon.config import Settings

# The command's --source names -> the sources of service.DATED_SOURCES.
_SOURCES = {"partner-feeds": "partner", "intelligence": "intelligence"}
MIN_EVENTS = 10


def _project(longitudes: Any, latitudes: Any) -> tuple[Any, Any]:
    from pyproj import Transformer

    transformer = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    return transformer.transform(longitudes, latitudes)


def load_dated_events(
    *, source: str, selection_options: dict[str, str | None], settings: Settings
) -> DatedEvents:
    """The located events of ``source`` in the chosen areas and months, in metres and days.

    Events without coordinates cannot enter a distance test; how many were left out is
    named in the result's ``source`` text. Fewer than ``MIN_EVENTS`` is an error.
    """
    from beacon.analytics.selection import area_choice, period_choice
    from beacon.analytics.service import analysis

    if source not in _SOURCES:
        raise AnalysisInputError(
            f"unknown source {source!r} (choose {', '.join(_SOURCES)})", option="--source"
        )
    measure_source = _SOURCES[source]
    choice = area_choice(
        force=selection_options.get("force"),
        lad=selection_options.get("lad"),
        ward=selection_options.get("ward"),
        lsoa=selection_options.get("lsoa"),
    )
    asked = period_choice(
        month=selection_options.get("month"),
        start=selection_options.get("from"),
        end=selection_options.get("to"),
    )
    with analysis(settings, engine="duckdb") as context:
        return dated_events(context, measure_source, choice, asked, label=source)


def dated_events(
    context: Context,
    source: str,
    choice: AreaChoice,
    asked: tuple[str, str] | None,
    *,
    label: str | None = None,
    types: tuple[str, ...] | None = None,
) -> DatedEvents:
    """The located events of a dated ``source`` ("partner" or "intelligence") in an open
    analysis, in metres (British National Grid) and days; ``types`` keeps only events of those
    types (intelligence themes, or partner ``feed:category`` values)."""
    import numpy as np

    from beacon.analytics.nearrepeat import DatedEvents
    from beacon.analytics.service import DATED_SOURCES, resolve

    name = label or source
    dated = DATED_SOURCES[source]
    selection, period = resolve(context, choice, asked, source)
    context.use(selection, period)
    type_filter = ""
    if types is not None:
        from beacon.analytics.duck import string_list

        type_filter = f"AND {dated.type_sql} IN (SELECT unnest({string_list(list(types))})) "
    rows = context.reader.query(
        f"SELECT {dated.happened} AS day, longitude, latitude FROM {dated.table} "
        "WHERE lsoa_code IN (SELECT lsoa_code FROM selection) "
        f"AND strftime({dated.happened}, '%Y-%m') IN (SELECT ym FROM period) "
        f"{type_filter}ORDER BY id"
    )
    located = [r for r in rows if r["longitude"] is not None and r["latitude"] is not None]
    left_out = len(rows) - len(located)
    if len(located) < MIN_EVENTS:
        raise AnalysisInputError(
            f"only {len(located)} located {name} event(s) in {period.first} to {period.last} "
            f"for the chosen areas ({left_out} without coordinates): a Knox test needs at "
            f"least {MIN_EVENTS}",
            option="--source",
        )
    x, y = _project(
        np.array([r["longitude"] for r in located], dtype=float),
        np.array([r["latitude"] for r in located], dtype=float),
    )
    days = np.array([_ordinal(r["day"]) for r in located], dtype=np.int64)
    text = (
        f"{name}, {period.first} to {period.last}, {len(located)} events"
        + (f" ({left_out} without coordinates left out)" if left_out else "")
        + f", snapshot {context.snapshot.id}"
    )
    return DatedEvents(x=np.asarray(x), y=np.asarray(y), days=days, source=text)


def _ordinal(value: Any) -> int:
    if isinstance(value, dt.datetime):
        return value.date().toordinal()
    if isinstance(value, dt.date):
        return value.toordinal()
    return dt.date.fromisoformat(str(value)[:10]).toordinal()
