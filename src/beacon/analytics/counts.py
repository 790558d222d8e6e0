"""Counts, rates and harm per area x period x type (crime type, partner category or theme).

Method: events (street crimes, partner incidents or intelligence reports) in the chosen months
whose LSOA is in the chosen areas are counted per group. ``rate`` is the count per 1,000
residents of the group's area (the sum of its selected LSOAs' population; the whole selection
when the grouping has no area). ``harm`` is the sum of the events' harm weights (street crime
only: the Crime Severity Score weight of each police.uk category); ``harm_rate`` is harm per
1,000 residents. Figures are rounded to 6 decimal places so every engine prints the same digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from beacon.analytics.errors import AnalysisInputError
from beacon.analytics.selection import Period, Selection

# --by words -> (kind, value). Area levels and the type column per source.
_BY_WORDS = {
    "lsoa": ("area", "lsoa"),
    "ward": ("area", "ward"),
    "district": ("area", "district"),
    "lad": ("area", "district"),
    "force": ("area", "force"),
    "month": ("month", "month"),
    "crime-type": ("type", "crime_type"),
    "crime_type": ("type", "crime_type"),
    "type": ("type", None),
    "theme": ("type", "theme"),
    "category": ("type", "category"),
}
TYPE_KEY = {"crime": "crime_type", "partner": "category", "intelligence": "theme"}
_AREA_OUTPUT = {
    "lsoa": ("lsoa_code", "lsoa_name", "lsoa"),
    "ward": ("ward_code", "ward_name", "ward"),
    "district": ("district_code", "district_name", "district"),
    "force": ("police_force", None, "force"),
}


@dataclass(frozen=True)
class Grouping:
    area: str  # "none" or an area level
    by_month: bool
    by_type: bool
    words: tuple[str, ...]

    def keys(self, source: str) -> list[str]:
        keys = [] if self.area == "none" else [_AREA_OUTPUT[self.area][2]]
        if self.by_month:
            keys.append("month")
        if self.by_type:
            keys.append(TYPE_KEY[source])
        return keys


def parse_by(value: str | None, source: str) -> Grouping:
    """``--by lsoa,crime-type,month`` -> a Grouping; at most one area level."""
    words = tuple(w.strip().lower() for w in (value or "").split(",") if w.strip())
    area, by_month, by_type = "none", False, False
    for word in words:
        if word not in _BY_WORDS:
            known = ", ".join(sorted(_BY_WORDS))
            raise AnalysisInputError(
                f"cannot group by {word!r} (choose from {known})", option="--by"
            )
        kind, detail = _BY_WORDS[word]
        if kind == "area":
            if area != "none" and area != detail:
                raise AnalysisInputError("group by one area level at a time", option="--by")
            area = str(detail)
        elif kind == "month":
            by_month = True
        else:
            if detail is not None and detail != TYPE_KEY[source]:
                raise AnalysisInputError(
                    f"{word!r} does not apply to {source} (use {TYPE_KEY[source]!r})", option="--by"
                )
            by_type = True
    return Grouping(area, by_month, by_type, words)


@dataclass(frozen=True)
class CountsResult:
    snapshot: dict[str, Any]
    engine: str
    source: str
    selection: Selection
    period: Period
    grouping: Grouping
    rows: tuple[dict[str, Any], ...]
    quality: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "measure": "counts",
            "snapshot": self.snapshot,
            "engine": self.engine,
            "source": self.source,
            "areas": self.selection.to_dict(),
            "period": self.period.to_dict(),
            "by": self.grouping.keys(self.source),
            "method": {
                "description": __doc__.split("\n\n")[1].replace("\n", " ") if __doc__ else "",
                "rate_per": 1000,
                "harm": "Crime Severity Score weights" if self.source == "crime" else None,
                "rounding": 6,
            },
            "quality": self.quality,
            "rows": list(self.rows),
        }


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 6)


def shape_rows(
    raw: list[dict[str, Any]],
    *,
    source: str,
    grouping: Grouping,
    selection_rows: list[dict[str, Any]],
    months: tuple[str, ...],
    include_zeros: bool,
    population_by_area: dict[str | None, int | None],
) -> list[dict[str, Any]]:
    """Engine rows -> output rows: named keys, rates, rounding, zeros, a stable order."""
    type_key = TYPE_KEY[source]
    code_col, name_col, out_key = (
        _AREA_OUTPUT[grouping.area] if grouping.area != "none" else (None, None, None)
    )
    shaped: dict[tuple[Any, ...], dict[str, Any]] = {}
    keys = grouping.keys(source)
    for row in raw:
        out: dict[str, Any] = {}
        if code_col:
            out[str(out_key)] = row[code_col]
            if name_col:
                out[f"{out_key}_name"] = row[name_col]
        if grouping.by_month:
            out["month"] = row["ym"]
        if grouping.by_type:
            out[type_key] = row["type"]
        out.update(_figures(int(row["count"]), row["harm"], row["population"], source))
        shaped[tuple(out.get(k) for k in keys)] = out
    if include_zeros:
        if grouping.by_type:
            raise AnalysisInputError(
                "--include-zeros works with area and month groupings only", option="--include-zeros"
            )
        areas: list[tuple[Any, Any]] = [(None, None)]
        if code_col:
            seen: dict[Any, Any] = {}
            for area in selection_rows:
                seen.setdefault(area.get(code_col), area.get(name_col) if name_col else None)
            areas = sorted(seen.items(), key=lambda item: (item[0] is None, item[0] or ""))
        for code, name in areas:
            for month in months if grouping.by_month else (None,):
                key = tuple(
                    x for x, use in ((code, bool(code_col)), (month, grouping.by_month)) if use
                )
                if key in shaped:
                    continue
                out = {}
                if code_col:
                    out[str(out_key)] = code
                    if name_col:
                        out[f"{out_key}_name"] = name
                if grouping.by_month:
                    out["month"] = month
                out.update(_figures(0, 0.0, population_by_area.get(code), source))
                shaped[key] = out
    return sorted(
        shaped.values(),
        key=lambda r: tuple((r.get(k) is None, str(r.get(k) or "")) for k in keys),
    )


def _figures(count: int, harm: Any, population: Any, source: str) -> dict[str, Any]:
    people = int(population) if population else None
    harm_value = _round(harm or 0.0) if source == "crime" else None
    return {
        "count": count,
        "population": people,
        "rate": _round(count * 1000.0 / people) if people else None,
        "harm": harm_value,
        "harm_rate": _round((harm_value or 0.0) * 1000.0 / people)
        if people and harm_value is not None
        else None,
    }
