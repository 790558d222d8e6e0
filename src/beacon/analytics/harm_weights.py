"""Crime harm weights: a weight per data.police.uk category, imported or derived from the ONS
Crime Severity Score offence weights (docs/DATA.md, "Harm weights").

``import_harm_weights`` accepts Beacon's layout (``crime_type,weight[,notes]``) or ONS's weights
per Home Office offence code, turned into category weights by ``derive_category_weights``
(volume-weighted by the offences recorded in 2017/18, with the shipped offence mapping). With
nothing imported, ``load_harm_weights`` returns the table shipped in
``data/harm_weights_ons_css.csv``.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from beacon.analytics.errors import AnalysisInputError
from beacon.analytics.models import HarmWeight
from beacon.analytics.reference_common import (
    DATA_DIR,
    DEFAULT_HARM_EDITION,
    HARM_WEIGHTS,
    NUMBER,
    ReferenceImportError,
    ReferenceImportSummary,
    Table,
    active_edition,
    blank,
    cell,
    check_edition,
    read_table,
    record_edition,
    unknown_edition,
)
from beacon.geography._common import ErrorLog
from beacon.ingest.police_formats import ASB, CRIME_TYPES
from beacon.ingest.runs import record_import_run

DEFAULT_HARM_FILE = DATA_DIR / "harm_weights_ons_css.csv"
OFFENCE_MAPPING_FILE = DATA_DIR / "ho_offence_to_policeuk.csv"
DEFAULT_HARM_SOURCE = (
    "Beacon's default, derived from the ONS Crime Severity Score offence weights (2016) "
    "weighted by Home Office recorded offences 2017/18 (docs/DATA.md)"
)
_CRIME_TYPE_BY_LOWER = {name.lower(): name for name in CRIME_TYPES}


@dataclass(frozen=True)
class OffenceMapping:
    """A Home Office offence code, its data.police.uk category (empty: not in street-level
    data, e.g. fraud) and the offences recorded in England and Wales in 2017/18 under its
    ``volume_key`` (codes published together share one key and one volume)."""

    code: str
    description: str
    category: str
    volume_key: str
    volume: int | None


@dataclass(frozen=True)
class DerivedWeight:
    crime_type: str
    weight: float
    basis: str


@dataclass(frozen=True)
class Derivation:
    """Weights per police.uk category from offence weights; ``unmapped`` offence codes are not
    in the mapping, ``excluded`` ones map to no police.uk category, ``missing`` categories got
    no offence weight (only ever non-empty for categories other than anti-social behaviour)."""

    weights: dict[str, DerivedWeight]
    unmapped: list[str]
    excluded: list[str]
    missing: list[str]


def normalise_offence_code(code: str) -> str:
    """'8n ' -> '8N'; '1 / 4.1' -> '1/4.1': spaces removed, letters upper-cased."""
    return re.sub(r"\s+", "", code).upper()


def load_offence_mapping(path: Path = OFFENCE_MAPPING_FILE) -> dict[str, OffenceMapping]:
    """The shipped Home Office offence code -> police.uk category mapping, by code."""
    mapping: dict[str, OffenceMapping] = {}
    with open(path, newline="", encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            code = normalise_offence_code(record["offence_code"])
            category = record["policeuk_category"].strip()
            if category and category not in CRIME_TYPES:
                raise ValueError(f"{path}: {category!r} is not a police.uk category")
            volume = record["recorded_2017_18"].strip()
            mapping[code] = OffenceMapping(
                code,
                record["offence_description"].strip(),
                category,
                normalise_offence_code(record["volume_key"]),
                int(volume) if volume else None,
            )
    return mapping


def derive_category_weights(
    offence_weights: Mapping[str, float],
    mapping: Mapping[str, OffenceMapping] | None = None,
    *,
    asb_weight: float = 0.0,
) -> Derivation:
    """Weight per police.uk category from weights per Home Office offence code.

    Method: offences are grouped by category; offences published together (one volume key,
    e.g. the homicide codes) count once, at the mean of their weights; the category's weight
    is the mean of those weights weighted by the offences recorded in England and Wales in
    2017/18. A category whose offences have no recorded volume gets the unweighted mean.
    Anti-social behaviour is not a notifiable offence and has no CSS weight: it gets
    ``asb_weight``.
    """
    mapping = mapping if mapping is not None else load_offence_mapping()
    volumes = {m.volume_key: m.volume for m in mapping.values() if m.code == m.volume_key}
    grouped: dict[str, dict[str, list[float]]] = {}
    unmapped: list[str] = []
    excluded: list[str] = []
    for raw_code, weight in offence_weights.items():
        code = normalise_offence_code(raw_code)
        entry = mapping.get(code)
        if entry is None:
            unmapped.append(code)
        elif not entry.category:
            excluded.append(code)
        else:
            keys = grouped.setdefault(entry.category, {})
            keys.setdefault(entry.volume_key, []).append(float(weight))
    category_volume: dict[str, int] = {}
    for entry in mapping.values():
        if entry.category and entry.code == entry.volume_key:
            category_volume[entry.category] = category_volume.get(entry.category, 0) + (
                entry.volume or 0
            )
    derived = {
        ASB: DerivedWeight(
            ASB,
            float(asb_weight),
            "not a notifiable offence, so no Crime Severity Score weight; set by choice "
            f"(asb_weight={asb_weight:g})",
        )
    }
    for category, keys in grouped.items():
        derived[category] = _category_weight(category, keys, volumes, category_volume)
    missing = sorted(CRIME_TYPES - set(derived))
    return Derivation(derived, sorted(unmapped), sorted(excluded), missing)


def _category_weight(
    category: str,
    keys: Mapping[str, list[float]],
    volumes: Mapping[str, int | None],
    category_volume: Mapping[str, int],
) -> DerivedWeight:
    means = {key: sum(ws) / len(ws) for key, ws in keys.items()}
    weighted = {key: volumes.get(key) or 0 for key in means}
    total = sum(weighted.values())
    codes = sorted(means)
    shown = ", ".join(codes[:15]) + (f" and {len(codes) - 15} more" if len(codes) > 15 else "")
    plural = "codes" if len(codes) > 1 else "code"
    if total > 0:
        value = sum(means[key] * weighted[key] for key in means) / total
        share = 100.0 * total / category_volume[category] if category_volume.get(category) else 0
        basis = (
            f"mean of the CSS weights of offence {plural} {shown}, weighted by the offences "
            f"recorded in England and Wales in 2017/18 ({share:.1f}% of the category's)"
        )
    else:
        value = sum(means.values()) / len(means)
        basis = (
            f"unweighted mean of the CSS weights of offence {plural} {shown}: none has a "
            "2017/18 recorded volume to weight by"
        )
    return DerivedWeight(category, round(value, 2), basis)


@dataclass(frozen=True)
class HarmWeightTable:
    """A weights table: edition, where it came from, and weight and basis per category."""

    edition: str
    source: str
    weights: dict[str, float]
    basis: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "edition": self.edition,
            "source": self.source,
            "weights": [
                {"crime_type": name, "weight": self.weights[name], "basis": self.basis[name]}
                for name in sorted(self.weights)
            ],
        }


def _harm_header(header: list[str]) -> bool:
    has_weight = any("weight" in cell for cell in header)
    return has_weight and ("crime_type" in header or any("code" in cell for cell in header))


_HARM_EXPECTED = (
    "crime_type,weight[,notes] (Beacon's layout) or the ONS Crime Severity Score weights "
    "sheet saved as CSV (offence code, offence, weight)"
)


def _parse_weight(text: str, what: str) -> tuple[float | None, str | None]:
    if not text:
        return None, f"the {what} is empty"
    if text.startswith("-") and NUMBER.fullmatch(text[1:]):
        return None, f"the {what} {text} is negative"
    if not NUMBER.fullmatch(text):
        return None, f"the {what} {text!r} is not a number"
    value = float(text.replace(",", ""))
    if not math.isfinite(value):
        return None, f"the {what} {text!r} is not a finite number"
    return value, None


def _beacon_rows(table: Table, errors: ErrorLog) -> tuple[dict[str, DerivedWeight], int]:
    type_index = table.index("crime_type")
    weight_index = table.index("weight")
    notes_index = table.index("notes", "basis")
    if type_index is None or weight_index is None:
        raise AnalysisInputError(f"expected {_HARM_EXPECTED}", file=str(table.path))
    found: dict[str, tuple[DerivedWeight, int]] = {}
    rows_read = 0
    for line, row in table.rows:
        if blank(row):
            continue
        rows_read += 1
        text = cell(row, type_index)
        name = _CRIME_TYPE_BY_LOWER.get(text.lower())
        if name is None:
            errors.line(line, f"crime type {text!r} is not one of the 14 data.police.uk categories")
            continue
        weight, problem = _parse_weight(cell(row, weight_index), "weight")
        if problem is None and name in found:
            problem = f"{name} appears again (first on line {found[name][1]})"
        if problem is not None or weight is None:
            errors.line(line, problem or "no weight")
            continue
        notes = cell(row, notes_index) if notes_index is not None else ""
        found[name] = (DerivedWeight(name, weight, notes), line)
    return {name: value for name, (value, _) in found.items()}, rows_read


def _ons_rows(table: Table, errors: ErrorLog) -> tuple[dict[str, float], dict[str, int], int, int]:
    """Offence code -> weight (and its line) from an ONS weights sheet."""
    lowered = [column.lower() for column in table.header]
    code_index = next(i for i, c in enumerate(lowered) if "code" in c)
    weight_index = next(i for i, c in enumerate(lowered) if "weight" in c)
    weights: dict[str, float] = {}
    lines: dict[str, int] = {}
    rows_read = skipped = 0
    for line, row in table.rows:
        if blank(row):
            continue
        code = normalise_offence_code(cell(row, code_index))
        if not code:
            skipped += 1  # notes, totals, blank separators
            continue
        rows_read += 1
        weight, problem = _parse_weight(cell(row, weight_index), f"weight of offence {code}")
        if problem is None and code in weights:
            problem = f"offence code {code} appears again (first on line {lines[code]})"
        if problem is not None or weight is None:
            errors.line(line, problem or "no weight")
            continue
        weights[code] = weight
        lines[code] = line
    return weights, lines, rows_read, skipped


def import_harm_weights(
    session: Session,
    path: str | Path,
    *,
    edition: str | None = None,
    layout: str = "auto",
    asb_weight: float = 0.0,
    activate: bool = True,
    source_name: str | None = None,
) -> ReferenceImportSummary:
    """Import a harm weights table as ``edition`` (default: the file's name without suffix).

    ``layout`` ``beacon``: ``crime_type,weight[,notes]`` with every one of the 14 categories.
    ``ons``: the ONS Crime Severity Score weights per Home Office offence code (columns found
    by the words "code" and "weight"; title rows above the header are skipped), turned into
    category weights by ``derive_category_weights`` (anti-social behaviour gets
    ``asb_weight``); offence codes not in the shipped mapping are reported in the summary.
    ``auto`` picks ``beacon`` when there is a ``crime_type`` column. The edition's table is
    replaced by the file's.
    """
    path = Path(path)
    source = source_name or path.name
    edition = check_edition(edition or path.stem)
    if layout not in ("auto", "beacon", "ons"):
        raise AnalysisInputError("layout must be auto, beacon or ons", option="--layout")
    if asb_weight < 0 or not math.isfinite(asb_weight):
        raise AnalysisInputError("must be a number >= 0", option="--asb-weight")
    table = read_table(path, _harm_header, _HARM_EXPECTED)
    if layout == "auto":
        layout = "beacon" if table.index("crime_type") is not None else "ons"
    errors = ErrorLog(str(path))
    details: dict[str, Any] = {"edition": edition}
    skipped = 0
    if layout == "beacon":
        weights, rows_read = _beacon_rows(table, errors)
    else:
        if not any("code" in c.lower() for c in table.header):
            raise AnalysisInputError(
                f"no offence code column; expected {_HARM_EXPECTED}", file=str(path)
            )
        offence, lines, rows_read, skipped = _ons_rows(table, errors)
        derivation = derive_category_weights(offence, asb_weight=asb_weight)
        weights = derivation.weights
        details.update(
            offences=len(offence),
            unmapped=[{"code": c, "line": lines[c]} for c in derivation.unmapped],
            excluded_not_in_street_data=derivation.excluded,
            asb_weight=asb_weight,
        )
    if errors.count:
        raise ReferenceImportError(str(path), errors.errors, errors.count)
    missing = sorted(CRIME_TYPES - set(weights))
    if missing:
        raise AnalysisInputError(
            f"no weight for {', '.join(missing)}: the table must cover all 14 data.police.uk "
            "categories (0 is allowed); nothing was imported",
            file=str(path),
        )
    return _write_harm_weights(
        session, path, source, edition, layout, weights, rows_read, skipped, activate, details
    )


def _write_harm_weights(
    session: Session,
    path: Path,
    source: str,
    edition: str,
    layout: str,
    weights: Mapping[str, DerivedWeight],
    rows_read: int,
    skipped: int,
    activate: bool,
    details: dict[str, Any],
) -> ReferenceImportSummary:
    existing = {
        row.crime_type: row
        for row in session.scalars(select(HarmWeight).where(HarmWeight.edition == edition))
    }
    new = [name for name in weights if name not in existing]
    changed = [
        name
        for name in weights
        if name in existing
        and (existing[name].weight, existing[name].basis)
        != (weights[name].weight, weights[name].basis)
    ]
    unchanged = len(weights) - len(new) - len(changed)
    details["weights"] = {name: weights[name].weight for name in sorted(weights)}
    run = record_import_run(
        session,
        kind=HARM_WEIGHTS,
        path=path,
        source_name=source,
        rows_read=rows_read,
        imported=len(new),
        updated=len(changed),
        duplicates=unchanged,
        rejected=0,
        details={"layout": layout, "skipped": skipped, **details},
    )
    session.flush()
    stale = [name for name in existing if name not in weights]
    if stale:
        session.execute(
            delete(HarmWeight).where(
                HarmWeight.edition == edition, HarmWeight.crime_type.in_(stale)
            )
        )
    for name in changed:
        row = existing[name]
        row.weight, row.basis = weights[name].weight, weights[name].basis
        row.source, row.import_run_id = source, run.id
    for name in new:
        session.add(
            HarmWeight(
                edition=edition,
                crime_type=name,
                weight=weights[name].weight,
                basis=weights[name].basis,
                source=source,
                import_run_id=run.id,
            )
        )
    session.flush()
    active = record_edition(
        session, HARM_WEIGHTS, edition, source, layout, run.id, len(weights), activate
    )
    return ReferenceImportSummary(
        HARM_WEIGHTS, str(path), source, edition, layout, rows_read, len(new), len(changed),
        unchanged, skipped, active, run.id, details,
    )  # fmt: skip


def default_harm_weight_table() -> HarmWeightTable:
    """The table shipped with Beacon (``data/harm_weights_ons_css.csv``)."""
    table = read_table(DEFAULT_HARM_FILE, _harm_header, _HARM_EXPECTED)
    errors = ErrorLog(str(DEFAULT_HARM_FILE))
    weights, _ = _beacon_rows(table, errors)
    if errors.count or set(weights) != CRIME_TYPES:  # a broken package, not a user's error
        raise RuntimeError(f"{DEFAULT_HARM_FILE} is damaged: reinstall Beacon")
    return HarmWeightTable(
        DEFAULT_HARM_EDITION,
        DEFAULT_HARM_SOURCE,
        {name: w.weight for name, w in weights.items()},
        {name: w.basis for name, w in weights.items()},
    )


def load_harm_weight_table(session: Session, *, edition: str | None = None) -> HarmWeightTable:
    """The weights of ``edition`` (default: the active edition, else the shipped table)."""
    if edition is None:
        edition = active_edition(session, HARM_WEIGHTS)
        if edition is None:
            return default_harm_weight_table()
    rows = list(session.scalars(select(HarmWeight).where(HarmWeight.edition == edition)))
    if not rows:
        if edition == DEFAULT_HARM_EDITION:
            return default_harm_weight_table()
        raise unknown_edition(session, HARM_WEIGHTS, edition)
    return HarmWeightTable(
        edition,
        rows[0].source,
        {row.crime_type: float(row.weight) for row in rows},
        {row.crime_type: row.basis for row in rows},
    )


def load_harm_weights(session: Session, *, edition: str | None = None) -> dict[str, float]:
    """Harm weight per data.police.uk crime type (all 14), for the snapshot writer."""
    return dict(load_harm_weight_table(session, edition=edition).weights)
