"""The core aggregations, written once as Ibis expressions.

Every function here takes Ibis tables and returns an Ibis expression, so the same code runs on
DuckDB (the default engine) and on Apache Spark. The tables an expression reads are:

``street_crime_cube``   street crime counted per month x LSOA x crime type (``n``)
``partner_incident``, ``intelligence``   the other dated sources
``harm_weights``   crime_type -> weight
``population``     lsoa_code -> population
``selection``      the areas chosen for this run (the snapshot's ``areas`` rows, filtered)
``period``         the months chosen for this run (``ym`` strings, ``YYYY-MM``)

``events_*`` turn each source into one shape, ``(ym, type, lsoa_code, weight)``, so a single
``counts`` expression serves crime types, partner-feed categories and intelligence themes.

DuckDB does not import Ibis at run time: short commands would pay its 0.8 s import. The SQL
Ibis compiles for each expression is kept in ``compiled_sql.json`` (written by
``python -m beacon.analytics.compile_sql``), and a test fails when that file and these
expressions disagree.
"""

from __future__ import annotations

from typing import Any

import ibis
from ibis import _
from ibis.expr.types import Table

from beacon.analytics.queries_schema import AREA_KEYS, SCHEMAS, SOURCES, variant_key


def unbound(name: str) -> Table:
    """A table of the given name and schema, bound to no backend (for compiling SQL)."""
    return ibis.table(SCHEMAS[name], name=name)


def events_crime(street_crime_cube: Table, harm_weights: Table) -> Table:
    """Street crime as events, from the snapshot's cube (rows counted per month x LSOA x type);
    weight = the crime type's harm weight (0 when it has none), ``n`` = crimes in the cell."""
    cube = street_crime_cube
    joined = cube.left_join(harm_weights, cube.crime_type == harm_weights.crime_type)
    return joined.select(
        ym=joined.ym,
        type=joined.crime_type,
        lsoa_code=joined.lsoa_code,
        n=joined.n,
        weight=joined.weight.fill_null(0.0),
    )


def events_partner(partner_incident: Table) -> Table:
    """Partner incidents as events; type = feed kind and category ("asb:personal")."""
    t = partner_incident
    return t.select(
        ym=t.occurred_on.strftime("%Y-%m"),
        type=t.feed_kind.concat(":", t.category),
        lsoa_code=t.lsoa_code,
        n=ibis.literal(1, type="int64"),
        weight=ibis.literal(0.0, type="float64"),
    )


def events_intelligence(intelligence: Table) -> Table:
    """Intelligence reports as events, dated by receipt; type = theme ("unclassified")."""
    t = intelligence
    return t.select(
        ym=t.received_on.strftime("%Y-%m"),
        type=t.theme.fill_null("unclassified"),
        lsoa_code=t.lsoa_code,
        n=ibis.literal(1, type="int64"),
        weight=ibis.literal(0.0, type="float64"),
    )


def counts(
    events: Table,
    selection: Table,
    period: Table,
    population: Table,
    *,
    area: str,
    by_month: bool,
    by_type: bool,
) -> Table:
    """Count and harm per group, with the group's population.

    Events are kept when their month is in ``period`` and their LSOA is in ``selection``.
    Groups: the area level's code and name (``area``), then ``ym``, then ``type``. Population is
    the sum over the selected LSOAs of the group's area (over the whole selection when the
    grouping has no area). Rates are left to the caller, which also rounds and orders.
    """
    area_keys = list(AREA_KEYS[area])
    inside = events.filter(events.ym.isin(period.ym))
    joined = inside.inner_join(selection, inside.lsoa_code == selection.lsoa_code)
    keys = [*area_keys, *(["ym"] if by_month else []), *(["type"] if by_type else [])]
    aggregate = {"count": _.n.sum(), "harm": (_.n * _.weight).sum()}
    grouped = (
        joined.group_by(keys).aggregate(**aggregate) if keys else joined.aggregate(**aggregate)
    )

    people = selection.left_join(population, selection.lsoa_code == population.lsoa_code)
    if area_keys:
        totals = people.group_by(area_keys[0]).aggregate(population=_.population.sum())
        result = grouped.left_join(totals, grouped[area_keys[0]] == totals[area_keys[0]])
    else:
        totals = people.aggregate(population=_.population.sum())
        result = grouped.cross_join(totals)
    return result.select(*keys, "count", "harm", "population")


def events_for(source: str, tables: dict[str, Table]) -> Table:
    if source == "crime":
        return events_crime(tables["street_crime_cube"], tables["harm_weights"])
    if source == "partner":
        return events_partner(tables["partner_incident"])
    if source == "intelligence":
        return events_intelligence(tables["intelligence"])
    raise ValueError(f"unknown source {source!r}")


def build_counts(
    source: str, tables: dict[str, Table], *, area: str, by_month: bool, by_type: bool
) -> Table:
    """The counts expression for one source and grouping, over the given tables."""
    return counts(
        events_for(source, tables),
        tables["selection"],
        tables["period"],
        tables["population"],
        area=area,
        by_month=by_month,
        by_type=by_type,
    )


def all_variants() -> dict[str, Any]:
    """Every (source, grouping) the engine serves, as unbound expressions."""
    tables = {name: unbound(name) for name in SCHEMAS}
    return {
        variant_key(source, area, by_month, by_type): build_counts(
            source, tables, area=area, by_month=by_month, by_type=by_type
        )
        for source in SOURCES
        for area in AREA_KEYS
        for by_month in (False, True)
        for by_type in (False, True)
    }
