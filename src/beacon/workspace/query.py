"""What a workspace page was asked for: area, period and the measure's own options.

Pages take plain query parameters (``?area=lad:E07000223&from=2018-01&to=2018-12``), so every
view is a link that can be bookmarked, shared and exported. Anything malformed is reported per
field (the page answers 400 with a GOV.UK error summary), never passed on to a query.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

AREA_LEVELS = {"force": "force", "lad": "district", "ward": "ward", "lsoa": "lsoa"}
SOURCES = {"crime": "Street crime", "partner": "Partner feeds", "intelligence": "Intelligence"}
SIGNIFICANCE = {
    "normal": "Normal approximation (as ArcGIS Hot Spot Analysis)",
    "permutation": "999 permutations (conditional randomisation)",
}
SHADES = {"rate": "Rate per 1,000 residents", "count": "Count", "harm": "Harm (severity-weighted)"}
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_CODE = re.compile(r"^[EWSN]\d{8}$")
_FORCE = re.compile(r"^[a-z0-9][a-z0-9\- ]{0,60}$")
_TYPE = re.compile(r"^[A-Za-z0-9 ,:_\-'&/()]{1,100}$")


class QueryError(ValueError):
    """Fields of the query that cannot be used, with the reason for each."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class WorkspaceQuery:
    area: str | None = None  # "lad:E07000223", "force:sussex", ...; None: the default area
    start: str | None = None
    end: str | None = None
    source: str = "crime"
    crime_type: str | None = None
    shade: str = "rate"
    value: str = "count"  # hotspots: count or harm
    # Gi* significance: the normal approximation (as ArcGIS's Hot Spot Analysis) by default,
    # because 999 permutations cannot reach the p-values a false-discovery-rate correction
    # needs over more than a few hundred areas (a force-year found no hot spot at all).
    significance: str = "normal"
    snapshot: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def level(self) -> str | None:
        return AREA_LEVELS[self.area.split(":", 1)[0]] if self.area else None

    @property
    def code(self) -> str | None:
        return self.area.split(":", 1)[1] if self.area else None

    def area_options(self) -> dict[str, str | None]:
        """Keyword arguments for ``analytics.selection.area_choice``."""
        if not self.area:
            return {}
        prefix, code = self.area.split(":", 1)
        return {prefix: code}

    def asked(self) -> tuple[str, str] | None:
        return (self.start, self.end) if self.start and self.end else None

    def params(self, **changes: Any) -> dict[str, str]:
        """The query as URL parameters (defaults left out), with ``changes`` applied."""
        query = replace(self, **changes) if changes else self
        out: dict[str, str] = {}
        if query.area:
            out["area"] = query.area
        if query.start and query.end:
            out["from"], out["to"] = query.start, query.end
        if query.source != "crime":
            out["source"] = query.source
        if query.crime_type:
            out["type"] = query.crime_type
        if query.shade != "rate":
            out["shade"] = query.shade
        if query.value != "count":
            out["value"] = query.value
        if query.significance != "normal":
            out["significance"] = query.significance
        if query.snapshot:
            out["snapshot"] = query.snapshot
        return out

    def url(self, path: str, **changes: Any) -> str:
        params = self.params(**changes)
        return f"{path}?{urlencode(params)}" if params else path


def _one(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def parse_query(
    params: Mapping[str, Any], *, sources: tuple[str, ...] = ("crime",)
) -> WorkspaceQuery:
    """Check the page's query parameters; raise ``QueryError`` naming each bad field."""
    errors: dict[str, str] = {}
    area = _one(params, "area")
    if area is not None:
        prefix, _, code = area.partition(":")
        if prefix not in AREA_LEVELS or not code:
            errors["area"] = (
                "Choose an area from the list (force:NAME, lad:CODE, ward:CODE or lsoa:CODE)"
            )
        elif prefix == "force":
            if not _FORCE.match(code):
                errors["area"] = f"{code[:60]!r} is not a police force name"
        elif not _CODE.match(code.upper()):
            errors["area"] = f"{code[:20]!r} is not an ONS area code (a letter and 8 digits)"
        else:
            area = f"{prefix}:{code.upper()}"
    start, end = _one(params, "from"), _one(params, "to")
    for name, value in (("from", start), ("to", end)):
        if value is not None and not _MONTH.match(value):
            errors[name] = f"{value[:20]!r} is not a month: use YYYY-MM, e.g. 2018-10"
    if "from" not in errors and "to" not in errors:
        if (start is None) != (end is None):
            errors["to" if end is None else "from"] = "Give both the first and the last month"
        elif start and end and start > end:
            errors["from"] = f"The first month ({start}) is after the last ({end})"
    source = _one(params, "source") or sources[0]
    if source not in sources:
        allowed = ", ".join(SOURCES[s].lower() for s in sources)
        errors["source"] = f"This page analyses {allowed}"
    crime_type = _one(params, "type")
    if crime_type is not None and not _TYPE.match(crime_type):
        errors["type"] = "Choose a type from the list"
    shade = _one(params, "shade") or "rate"
    if shade not in SHADES:
        errors["shade"] = "Shade the map by rate, count or harm"
    value = _one(params, "value") or "count"
    if value not in ("count", "harm"):
        errors["value"] = "Find hotspots of count or of harm"
    significance = _one(params, "significance") or "normal"
    if significance not in SIGNIFICANCE:
        errors["significance"] = "Judge significance by the normal approximation or permutations"
    snapshot = _one(params, "snapshot")
    if snapshot is not None and not re.match(r"^[A-Za-z0-9_\-]{1,80}$", snapshot):
        errors["snapshot"] = "Not a snapshot id"
    if errors:
        raise QueryError(errors)
    return WorkspaceQuery(
        area=area,
        start=start,
        end=end,
        source=source,
        crime_type=crime_type,
        shade=shade,
        value=value,
        significance=significance,
        snapshot=snapshot,
    )
