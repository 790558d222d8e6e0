"""Reference data the analyses need: LSOA population and crime harm weights.

Importers (``import_population``, ``import_harm_weights``) validate every row of a file and
write **all of it or nothing**: one bad row refuses the file, with file, line and reason for
each rejected row (``ReferenceImportError``), because a population edition with holes or a
weights table missing a category would skew every rate and harm total without saying so.
Re-importing a file is idempotent: rows are matched by (edition, LSOA) or (edition, crime
type), changed values are updated, nothing is duplicated. Each import is recorded in
``import_run``. Like every service function they flush but never commit: the caller commits.

The analyses read one *active* edition of each kind (``load_population``,
``load_harm_weights``): the edition imported last, unless the import said ``activate=False``;
the first edition of a kind is always activated. With no harm weights imported, the table
shipped in ``data/harm_weights_ons_css.csv`` is used (derived from the ONS Crime Severity
Score offence weights; docs/DATA.md, "Harm weights", says how).

This module holds the population importer and is the one to import from: the harm weights
live in ``harm_weights.py`` and the shared plumbing (file reading, editions) in
``reference_common.py``; both are re-exported here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.analytics.errors import AnalysisInputError
from beacon.analytics.harm_weights import (
    DEFAULT_HARM_FILE,
    Derivation,
    DerivedWeight,
    HarmWeightTable,
    OffenceMapping,
    default_harm_weight_table,
    derive_category_weights,
    import_harm_weights,
    load_harm_weight_table,
    load_harm_weights,
    load_offence_mapping,
    normalise_offence_code,
)
from beacon.analytics.models import AreaPopulation
from beacon.analytics.reference_common import (
    DEFAULT_HARM_EDITION,
    HARM_WEIGHTS,
    POPULATION,
    WHOLE_NUMBER,
    ReferenceImportError,
    ReferenceImportSummary,
    Table,
    activate_edition,
    active_edition,
    blank,
    cell,
    check_edition,
    edition_exists,
    list_editions,
    read_table,
    record_edition,
    unknown_edition,
)
from beacon.geography._common import ErrorLog, bulk_insert, bulk_update
from beacon.ingest.runs import record_import_run

__all__ = [
    "DEFAULT_HARM_EDITION",
    "DEFAULT_HARM_FILE",
    "HARM_WEIGHTS",
    "POPULATION",
    "Derivation",
    "DerivedWeight",
    "HarmWeightTable",
    "OffenceMapping",
    "ReferenceImportError",
    "ReferenceImportSummary",
    "activate_edition",
    "active_edition",
    "default_harm_weight_table",
    "derive_category_weights",
    "import_harm_weights",
    "import_population",
    "list_editions",
    "load_harm_weight_table",
    "load_harm_weights",
    "load_offence_mapping",
    "load_population",
    "normalise_offence_code",
]

LSOA_CODE = re.compile(r"[EW]01\d{6}")
# Any other ONS area code (country, region, district...): aggregate rows of ONS workbooks.
GSS_CODE = re.compile(r"[EWKNS]\d{8}")
MID_YEAR = re.compile(r"mid[-_ ]?((?:19|20)\d\d)", re.IGNORECASE)
_LSOA_COLUMNS = (
    "lsoa_code",
    "lsoa code",
    "lsoa11cd",
    "lsoa21cd",
    "lsoa 2011 code",
    "lsoa 2021 code",
    "lsoa code (2011)",
    "area codes",
    "area code",
)


def _population_header(header: list[str]) -> bool:
    has_code = any(name in header for name in _LSOA_COLUMNS)
    return has_code and any(n in header for n in ("population", "persons", "all ages", "total"))


_POPULATION_EXPECTED = (
    "lsoa_code,population; an ONS LSOA mid-year estimates sheet (LSOA Code, ..., All Ages); "
    "or the 2011 census table shipped in crime-sim-toolkit (LSOA Code, ..., Persons)"
)


def _population_layout(table: Table, edition: str | None) -> tuple[str, int, int, str]:
    """(layout, LSOA code column, population column, edition) of a population file."""
    code_index = table.index(*_LSOA_COLUMNS)
    assert code_index is not None
    lowered = [column.lower() for column in table.header]
    if "population" in lowered:
        layout, population_index = "plain", lowered.index("population")
    elif "persons" in lowered and "households" in lowered:
        # crime-sim-toolkit's census 2011 table: three "Persons" columns (all usual residents,
        # in households, in communal establishments): the first is the total.
        layout, population_index = "census2011-lsoa", lowered.index("persons")
    else:
        found = table.index("all ages", "total")
        if found is None:
            raise AnalysisInputError(
                f"no population column; expected {_POPULATION_EXPECTED}", file=str(table.path)
            )
        layout, population_index = "ons-mye", found
    if edition is None:
        if layout == "census2011-lsoa":
            edition = "census2011"
        elif layout == "ons-mye":
            match = MID_YEAR.search(" ".join([*table.preamble, table.path.name]))
            edition = f"mye{match.group(1)}" if match else None
        if edition is None:
            raise AnalysisInputError(
                "say which population these are with --edition (e.g. mye2020, census2011)",
                file=str(table.path),
                option="--edition",
            )
    return layout, code_index, population_index, check_edition(edition)


def _parse_population(
    text: str,
) -> tuple[int | None, str | None]:
    if not text:
        return None, "the population is empty"
    if text.startswith("-") and WHOLE_NUMBER.fullmatch(text[1:]):
        return None, f"the population {text} is negative"
    if not WHOLE_NUMBER.fullmatch(text):
        return None, f"the population {text!r} is not a whole number"
    return int(text.replace(",", "")), None


def import_population(
    session: Session,
    path: str | Path,
    *,
    edition: str | None = None,
    activate: bool = True,
    source_name: str | None = None,
) -> ReferenceImportSummary:
    """Import usual resident population per LSOA from ``path`` as ``edition``.

    Layouts (recognised from the header; title rows above it are skipped): ``lsoa_code,
    population``; an ONS LSOA mid-year estimates sheet saved as CSV (``LSOA Code``, ``All
    Ages`` or ``Total``; country/region/district rows are skipped); the census 2011 table in
    crime-sim-toolkit (``LSOA Code``, first ``Persons``). ``edition`` defaults to
    ``census2011`` for that table and ``myeYYYY`` when an ONS sheet names its mid-year.
    Rows of the edition are inserted or updated; stored rows absent from the file are kept.
    """
    path = Path(path)
    source = source_name or path.name
    table = read_table(path, _population_header, _POPULATION_EXPECTED)
    layout, code_index, population_index, edition = _population_layout(table, edition)
    errors = ErrorLog(str(path))
    values: dict[str, tuple[int, int]] = {}  # code -> (population, line)
    skipped = rows_read = 0
    for line, row in table.rows:
        if blank(row):
            continue
        rows_read += 1
        code = cell(row, code_index).upper()
        if not code:
            errors.line(line, "the LSOA code is empty")
            continue
        if not LSOA_CODE.fullmatch(code):
            if layout == "ons-mye" and GSS_CODE.fullmatch(code):
                skipped += 1  # England, a region, a district: not an LSOA row
                continue
            errors.line(
                line, f"{code!r} is not an LSOA code (E01 or W01 and 6 digits, e.g. E01011229)"
            )
            continue
        population, problem = _parse_population(cell(row, population_index))
        if problem is None and code in values:
            problem = f"LSOA {code} appears again (first on line {values[code][1]})"
        if problem is not None or population is None:
            errors.line(line, problem or "no population")
            continue
        values[code] = (population, line)
    if errors.count:
        raise ReferenceImportError(str(path), errors.errors, errors.count)
    if not values:
        raise AnalysisInputError("no LSOA rows in the file", file=str(path))

    existing = {
        code: (id_, population)
        for id_, code, population in session.execute(
            select(AreaPopulation.id, AreaPopulation.lsoa_code, AreaPopulation.population).where(
                AreaPopulation.edition == edition
            )
        )
    }
    new = [code for code in values if code not in existing]
    changed = [code for code in values if code in existing and existing[code][1] != values[code][0]]
    unchanged = len(values) - len(new) - len(changed)
    details = {
        "edition": edition,
        "lsoas": len(values),
        "population_total": sum(population for population, _ in values.values()),
        "stored_not_in_file": len(set(existing) - set(values)),
        **_unknown_lsoas(session, values),
    }
    run = record_import_run(
        session,
        kind=POPULATION,
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
    bulk_insert(
        session,
        AreaPopulation,
        [
            {
                "edition": edition,
                "lsoa_code": code,
                "population": values[code][0],
                "source": source,
                "import_run_id": run.id,
                "source_line": values[code][1],
            }
            for code in new
        ],
    )
    if changed:
        bulk_update(
            session,
            AreaPopulation,
            "id",
            [
                {
                    "id": existing[code][0],
                    "population": values[code][0],
                    "source": source,
                    "import_run_id": run.id,
                    "source_line": values[code][1],
                }
                for code in changed
            ],
        )
    active = record_edition(
        session, POPULATION, edition, source, layout, run.id, len(existing) + len(new), activate
    )
    return ReferenceImportSummary(
        POPULATION, str(path), source, edition, layout, rows_read, len(new), len(changed),
        unchanged, skipped, active, run.id, details,
    )  # fmt: skip


def _unknown_lsoas(session: Session, values: Mapping[str, Any]) -> dict[str, Any]:
    """LSOAs of the file that are not stored areas (still imported: they cannot be named or
    grouped until a lookup is loaded)."""
    from beacon.geography.models import Area, AreaLevel

    stored = set(
        session.execute(select(Area.code).where(Area.level == AreaLevel.LSOA).distinct()).scalars()
    )
    unknown = sorted(code for code in values if code not in stored)
    return {"lsoas_not_in_areas": len(unknown), "lsoas_not_in_areas_sample": unknown[:20]}


def load_population(session: Session, *, edition: str | None = None) -> dict[str, int]:
    """Population per LSOA code of ``edition`` (default: the active edition; an empty dict when
    no population has been imported). An unknown ``edition`` raises AnalysisInputError."""
    if edition is None:
        edition = active_edition(session, POPULATION)
        if edition is None:
            return {}
    elif not edition_exists(session, POPULATION, edition):
        raise unknown_edition(session, POPULATION, edition)
    rows = session.execute(
        select(AreaPopulation.lsoa_code, AreaPopulation.population).where(
            AreaPopulation.edition == edition
        )
    )
    return {code: int(population) for code, population in rows}
