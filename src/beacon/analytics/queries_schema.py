"""Names and shapes the analytics queries share, importable without Ibis.

``queries.py`` builds the Ibis expressions from these; the DuckDB engine needs only the names
(its SQL is precompiled), so it imports this module and never Ibis.
"""

from __future__ import annotations

# Grouping keys by area level; the name column is grouped too (it depends on the code).
AREA_KEYS: dict[str, tuple[str, ...]] = {
    "none": (),
    "lsoa": ("lsoa_code", "lsoa_name"),
    "ward": ("ward_code", "ward_name"),
    "district": ("district_code", "district_name"),
    "force": ("police_force",),
}
SOURCES = ("crime", "partner", "intelligence")

SCHEMAS: dict[str, dict[str, str]] = {
    "street_crime": {
        "id": "int64",
        "month": "date",
        "ym": "string",
        "crime_type": "string",
        "lsoa_code": "string",
        "falls_within": "string",
        "longitude": "float64",
        "latitude": "float64",
        "last_outcome_category": "string",
    },
    "partner_incident": {
        "id": "int64",
        "feed_kind": "string",
        "category": "string",
        "sub_type": "string",
        "occurred_on": "date",
        "source_organisation_id": "int64",
        "latitude": "float64",
        "longitude": "float64",
        "lsoa_code": "string",
        "ward_code": "string",
        "district_code": "string",
        "force_code": "string",
    },
    "intelligence": {
        "id": "string",
        "channel": "string",
        "state": "string",
        "received_on": "date",
        "occurred_from": "date",
        "occurred_to": "date",
        "theme": "string",
        "latitude": "float64",
        "longitude": "float64",
        "lsoa_code": "string",
        "ward_code": "string",
        "district_code": "string",
        "force_code": "string",
        "source_evaluation": "string",
        "intelligence_assessment": "string",
        "handling_code": "string",
        "immediate_risk": "boolean",
    },
    "harm_weights": {"crime_type": "string", "weight": "float64"},
    "population": {"lsoa_code": "string", "population": "int64"},
    "selection": {
        "lsoa_code": "string",
        "lsoa_name": "string",
        "ward_code": "string",
        "ward_name": "string",
        "district_code": "string",
        "district_name": "string",
        "police_force": "string",
    },
    "period": {"ym": "string"},
    "street_crime_cube": {
        "ym": "string",
        "lsoa_code": "string",
        "crime_type": "string",
        "n": "int64",
    },
    "events": {
        "ym": "string",
        "type": "string",
        "lsoa_code": "string",
        "n": "int64",
        "weight": "float64",
    },
}


_DUCKDB_TYPES = {
    "int64": "BIGINT",
    "float64": "DOUBLE",
    "string": "VARCHAR",
    "date": "DATE",
    "boolean": "BOOLEAN",
}
# Tables a snapshot always has but that may hold no file (no street crime loaded yet).
_EXTRA_SCHEMAS: dict[str, dict[str, str]] = {
    "lsoa_neighbours": {"lsoa_code": "string", "neighbour_code": "string"},
}


def variant_key(source: str, area: str, by_month: bool, by_type: bool) -> str:
    return f"counts:{source}:{area}:{'month' if by_month else '-'}:{'type' if by_type else '-'}"


def empty_table_sql(name: str) -> str:
    """``CREATE TABLE`` for an empty table of a snapshot table's shape."""
    schema = SCHEMAS.get(name) or _EXTRA_SCHEMAS[name]
    columns = ", ".join(f'"{c}" {_DUCKDB_TYPES[t]}' for c, t in schema.items())
    return f"CREATE TABLE {name} ({columns})"
