"""The shared version of an assessment: counts of 1 to 4 shown as "fewer than 5", and what is
derived from them withheld, in every table, headline figure and map label.

Analysts (``data.small_numbers``) read the full version; partners and anything issued beyond
analysts get this one. Zero is not suppressed (it discloses no one), nor are scores and ranks.
"""

from __future__ import annotations

import copy
from typing import Any

from beacon.assessment.document import Document
from beacon.workspace.tables import SMALL

_DERIVED_FORMATS = ("decimal", "percent", "p")


def _small(value: Any, threshold: int) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and 0 < value < threshold
        and float(value).is_integer()
    )


def shared_version(document: Document, threshold: int = 5) -> Document:
    shared = copy.deepcopy(document)
    shared.audience = "shared"
    for section in shared.all_sections():
        for table in section.tables:
            counts = [c.key for c in table.columns if c.format == "integer"]
            derived = [c.key for c in table.columns if c.format in _DERIVED_FORMATS]
            for row in table.rows:
                hit = False
                for key in counts:
                    if _small(row.get(key), threshold):
                        row[key] = SMALL
                        hit = True
                if hit:
                    for key in derived:
                        if key in row:
                            row[key] = None
        for fact in section.facts:
            if fact.format == "integer" and _small(fact.value, threshold):
                fact.value = SMALL
                shared.figures[fact.key] = SMALL
        for figure in section.figures:
            for area in (figure.spec.get("areas") or {}).values():
                label = str(area.get("value") or "")
                number = label.split(" ", 1)[0].replace(",", "")
                if number.isdigit() and 0 < int(number) < threshold:
                    area["value"] = SMALL
            # A chart's points are counts too: a small one becomes a gap (not a fitted line).
            for series in figure.spec.get("series") or []:
                if str(series.get("label", "")).startswith("Trend"):
                    continue
                series["data"] = [
                    None if _small(v, threshold) else v for v in series.get("data") or []
                ]
    return shared
