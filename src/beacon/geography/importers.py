"""Importers of geography files: ONS lookups, boundaries, IMD 2019, the postcode directory.

Each importer streams its file, validates every row (rejected rows are reported with their line
number, or feature index for GeoJSON), is idempotent (a second import inserts nothing; changed
values are updated), writes one file in one transaction (it commits on success and rolls back
on a file-level error) and returns an ``ImportSummary``.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.geography._common import (
    LEVEL_WORDS,
    CsvRows,
    ErrorLog,
    GeographyError,
    ImportFileError,
    ImportSummary,
    Tally,
    YearColumns,
    bulk_insert,
    bulk_update,
    chunks,
    code_problem,
    find_year_columns,
    missing_columns_error,
    open_source,
    vintage_from_yy,
)
from beacon.geography.areas import (
    areas_by_code,
    pick_vintage,
    write_level,
)
from beacon.geography.models import Area, AreaBoundary, AreaLevel, Deprivation, Postcode
from beacon.geography.postcodes import PostcodeError, normalise_postcode
from beacon.ingest.runs import record_import_run

DEFAULT_BATCH_ROWS = 20_000

# ---------------------------------------------------------------------------------------------
# Shared plumbing


def _in_transaction(
    session: Session, work: Callable[[], ImportSummary], path: Path
) -> ImportSummary:
    """Run ``work``, record the run in ``import_run`` and commit; roll back everything it wrote
    when it raises."""
    try:
        result = work()
        record_import_run(
            session,
            kind=f"geo-{result.kind}",
            path=path,
            source_name=result.source_name,
            rows_read=result.rows_read,
            imported=result.inserted,
            updated=result.updated,
            duplicates=result.unchanged,
            rejected=result.rejected,
            details={"vintages": dict(result.vintages), "details": dict(result.details)},
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return result


def _require(path: Path, rows: CsvRows, columns: dict[str, Any], expected: str) -> None:
    missing = [label for label, found in columns.items() if found is None]
    if missing:
        raise missing_columns_error(path, missing, expected, rows.header)


def _name_of(cols: YearColumns, row: list[str]) -> str:
    return row[cols.name_index] if cols.name_index is not None else ""


# ---------------------------------------------------------------------------------------------
# LSOA -> ward -> district lookup

_LOOKUP_EXPECTED = (
    "an ONS LSOA to ward to local authority district lookup with columns like "
    "LSOA11CD, LSOA11NM, WD19CD, WD19NM, LAD19CD, LAD19NM"
)


def import_lookup(
    session: Session, path: str | Path, *, source_name: str | None = None
) -> ImportSummary:
    """Import an ONS LSOA -> ward -> LAD lookup CSV (columns ``LSOAyyCD/NM``, ``WDyyCD/NM``,
    ``LADyyCD/NM``; the vintage of each level is read from its two-digit year).

    Creates or updates LSOA, ward and district areas and links LSOA -> ward -> district.
    """
    path = Path(path)
    source = source_name or path.name
    errors = ErrorLog(str(path))

    def work() -> ImportSummary:
        with open_source(path, f"lookup {path.name}") as handle:
            rows = CsvRows(handle, path, errors)
            file = str(path)
            lsoa_cols = find_year_columns(rows.header, "LSOA", file=file)
            ward_cols = find_year_columns(rows.header, "WD", file=file)
            lad_cols = find_year_columns(rows.header, "LAD", file=file)
            _require(
                path,
                rows,
                {
                    "LSOAxxCD": lsoa_cols,
                    "LSOAxxNM": lsoa_cols and lsoa_cols.name_index,
                    "WDxxCD": ward_cols,
                    "WDxxNM": ward_cols and ward_cols.name_index,
                    "LADxxCD": lad_cols,
                    "LADxxNM": lad_cols and lad_cols.name_index,
                },
                _LOOKUP_EXPECTED,
            )
            assert lsoa_cols and ward_cols and lad_cols
            lsoas: dict[str, tuple[str, str, int]] = {}
            wards: dict[str, tuple[str, str, int]] = {}
            districts: dict[str, tuple[str, int]] = {}
            for line, row in rows:
                lsoa_code = row[lsoa_cols.code_index].upper()
                ward_code = row[ward_cols.code_index].upper()
                lad_code = row[lad_cols.code_index].upper()
                lsoa_name = _name_of(lsoa_cols, row)
                ward_name = _name_of(ward_cols, row)
                lad_name = _name_of(lad_cols, row)
                problem = (
                    code_problem(AreaLevel.LSOA, lsoa_code)
                    or code_problem(AreaLevel.WARD, ward_code)
                    or code_problem(AreaLevel.DISTRICT, lad_code)
                    or _empty_name(
                        (lsoa_cols, lsoa_name), (ward_cols, ward_name), (lad_cols, lad_name)
                    )
                )
                if problem is None and lsoa_code in lsoas:
                    problem = (
                        f"LSOA {lsoa_code} appears again (first on line {lsoas[lsoa_code][2]})"
                    )
                if problem is None and ward_code in wards:
                    name, parent, first = wards[ward_code]
                    if (name, parent) != (ward_name, lad_code):
                        problem = (
                            f"ward {ward_code} is {ward_name!r} in {lad_code} here but "
                            f"{name!r} in {parent} on line {first}"
                        )
                if problem is None and lad_code in districts:
                    name, first = districts[lad_code]
                    if name != lad_name:
                        problem = (
                            f"district {lad_code} is named {lad_name!r} here but {name!r} "
                            f"on line {first}"
                        )
                if problem is not None:
                    errors.line(line, problem)
                    continue
                lsoas[lsoa_code] = (lsoa_name, ward_code, line)
                wards.setdefault(ward_code, (ward_name, lad_code, line))
                districts.setdefault(lad_code, (lad_name, line))

        district_tally, district_ids = write_level(
            session,
            AreaLevel.DISTRICT,
            lad_cols.vintage,
            {code: (name, None) for code, (name, _) in districts.items()},
            source,
        )
        ward_tally, ward_ids = write_level(
            session,
            AreaLevel.WARD,
            ward_cols.vintage,
            {code: (name, district_ids[lad]) for code, (name, lad, _) in wards.items()},
            source,
        )
        lsoa_tally, _ = write_level(
            session,
            AreaLevel.LSOA,
            lsoa_cols.vintage,
            {code: (name, ward_ids[ward]) for code, (name, ward, _) in lsoas.items()},
            source,
        )
        total = Tally()
        for tally in (lsoa_tally, ward_tally, district_tally):
            total.add(tally)
        return ImportSummary(
            kind="lookup",
            file=str(path),
            source_name=source,
            rows_read=rows.rows_read,
            inserted=total.inserted,
            updated=total.updated,
            unchanged=total.unchanged,
            rejected=errors.count,
            errors=tuple(errors.errors),
            vintages={
                AreaLevel.LSOA: lsoa_cols.vintage,
                AreaLevel.WARD: ward_cols.vintage,
                AreaLevel.DISTRICT: lad_cols.vintage,
            },
            details={
                "columns": {
                    "lsoa": lsoa_cols.code_name,
                    "ward": ward_cols.code_name,
                    "district": lad_cols.code_name,
                },
                "distinct": {
                    AreaLevel.LSOA: len(lsoas),
                    AreaLevel.WARD: len(wards),
                    AreaLevel.DISTRICT: len(districts),
                },
                "areas": {
                    AreaLevel.LSOA: lsoa_tally.to_dict(),
                    AreaLevel.WARD: ward_tally.to_dict(),
                    AreaLevel.DISTRICT: district_tally.to_dict(),
                },
            },
        )

    return _in_transaction(session, work, path)


def _empty_name(*pairs: tuple[YearColumns, str]) -> str | None:
    for cols, name in pairs:
        if cols.name_name is not None and not name:
            return f"{cols.name_name} is empty"
    return None


# ---------------------------------------------------------------------------------------------
# LAD -> (CSP ->) police force area lookup

_FORCE_EXPECTED = (
    "an ONS local authority district to Community Safety Partnership to police force area "
    "lookup with columns like LAD23CD, LAD23NM, PFA23CD, PFA23NM (CSP23CD, CSP23NM optional)"
)


def import_force_lookup(
    session: Session, path: str | Path, *, source_name: str | None = None
) -> ImportSummary:
    """Import an ONS LAD -> CSP -> PFA lookup CSV (``LADyyCD/NM``, ``PFAyyCD/NM``, optional
    ``CSPyyCD/NM``, which are checked but not stored).

    Creates or updates force areas (vintage from the PFA year) and makes each district's force
    its parent. A district code already stored in any vintage gets the force as parent in every
    vintage it has; an unknown district is created at the lookup's LAD vintage.
    """
    path = Path(path)
    source = source_name or path.name
    errors = ErrorLog(str(path))

    def work() -> ImportSummary:
        with open_source(path, f"force lookup {path.name}") as handle:
            rows = CsvRows(handle, path, errors)
            file = str(path)
            lad_cols = find_year_columns(rows.header, "LAD", file=file)
            pfa_cols = find_year_columns(rows.header, "PFA", file=file)
            csp_cols = find_year_columns(rows.header, "CSP", file=file)
            _require(
                path,
                rows,
                {
                    "LADxxCD": lad_cols,
                    "LADxxNM": lad_cols and lad_cols.name_index,
                    "PFAxxCD": pfa_cols,
                    "PFAxxNM": pfa_cols and pfa_cols.name_index,
                },
                _FORCE_EXPECTED,
            )
            assert lad_cols and pfa_cols
            districts: dict[str, tuple[str, str, int]] = {}
            forces: dict[str, tuple[str, int]] = {}
            for line, row in rows:
                lad_code = row[lad_cols.code_index].upper()
                pfa_code = row[pfa_cols.code_index].upper()
                lad_name = _name_of(lad_cols, row)
                pfa_name = _name_of(pfa_cols, row)
                problem = (
                    code_problem(AreaLevel.DISTRICT, lad_code)
                    or code_problem(AreaLevel.FORCE, pfa_code)
                    or _empty_name((lad_cols, lad_name), (pfa_cols, pfa_name))
                )
                if problem is None and csp_cols is not None and not row[csp_cols.code_index]:
                    problem = f"{csp_cols.code_name} is empty"
                if problem is None and lad_code in districts:
                    problem = (
                        f"district {lad_code} appears again (first on line "
                        f"{districts[lad_code][2]})"
                    )
                if problem is None and pfa_code in forces and forces[pfa_code][0] != pfa_name:
                    name, first = forces[pfa_code]
                    problem = (
                        f"force area {pfa_code} is named {pfa_name!r} here but {name!r} on "
                        f"line {first}"
                    )
                if problem is not None:
                    errors.line(line, problem)
                    continue
                districts[lad_code] = (lad_name, pfa_code, line)
                forces.setdefault(pfa_code, (pfa_name, line))

        force_tally, force_ids = write_level(
            session,
            AreaLevel.FORCE,
            pfa_cols.vintage,
            {code: (name, None) for code, (name, _) in forces.items()},
            source,
        )
        stored = areas_by_code(session, AreaLevel.DISTRICT, districts)
        per_vintage: dict[str, dict[str, tuple[str, int | None]]] = defaultdict(dict)
        other_vintage: list[str] = []
        for code, (name, pfa_code, _) in districts.items():
            vintages = stored.get(code)
            if vintages:
                if lad_cols.vintage not in vintages:
                    other_vintage.append(code)
                for vintage in vintages:
                    # Keep the stored name: the force lookup's LAD vintage may differ.
                    per_vintage[vintage][code] = ("", force_ids[pfa_code])
            else:
                per_vintage[lad_cols.vintage][code] = (name, force_ids[pfa_code])
        district_tally = Tally()
        for vintage, wanted in per_vintage.items():
            tally, _ = write_level(session, AreaLevel.DISTRICT, vintage, wanted, source)
            district_tally.add(tally)
        session.flush()
        orphans = sorted(
            session.execute(
                select(Area.code, Area.vintage).where(
                    Area.level == AreaLevel.DISTRICT, Area.parent_id.is_(None)
                )
            ).all()
        )
        total = Tally()
        total.add(force_tally)
        total.add(district_tally)
        return ImportSummary(
            kind="force-lookup",
            file=str(path),
            source_name=source,
            rows_read=rows.rows_read,
            inserted=total.inserted,
            updated=total.updated,
            unchanged=total.unchanged,
            rejected=errors.count,
            errors=tuple(errors.errors),
            vintages={AreaLevel.DISTRICT: lad_cols.vintage, AreaLevel.FORCE: pfa_cols.vintage},
            details={
                "columns": {
                    "district": lad_cols.code_name,
                    "force": pfa_cols.code_name,
                    "csp": csp_cols.code_name if csp_cols else None,
                },
                "distinct": {AreaLevel.DISTRICT: len(districts), AreaLevel.FORCE: len(forces)},
                "areas": {
                    AreaLevel.FORCE: force_tally.to_dict(),
                    AreaLevel.DISTRICT: district_tally.to_dict(),
                },
                "districts_matched_in_other_vintage": len(other_vintage),
                "districts_matched_in_other_vintage_sample": other_vintage[:20],
                "districts_without_force": len(orphans),
                "districts_without_force_sample": [f"{c} ({v})" for c, v in orphans[:20]],
            },
        )

    return _in_transaction(session, work, path)


# ---------------------------------------------------------------------------------------------
# Boundaries (GeoJSON)

_BOUNDARY_PREFIX: dict[str, str] = {AreaLevel.LSOA: "LSOA", AreaLevel.WARD: "WD"}
_WGS84_NAMES = ("CRS84", "EPSG::4326", "EPSG:4326", "4326")


@dataclass(frozen=True)
class _Feature:
    index: int
    code: str
    name: str
    vintage: str
    wkb: bytes
    bounds: tuple[float, float, float, float]
    district_code: str | None
    district_name: str
    district_vintage: str | None


def _property_keys(
    properties: dict[str, Any], prefix: str
) -> tuple[str | None, str | None, str | None]:
    """(code key, name key, yy) for ``<prefix>yyCD`` / ``<prefix>yyNM`` in ``properties``."""
    code_key = name_key = yy = None
    for key in properties:
        upper = key.upper()
        if (
            upper.startswith(prefix)
            and len(upper) == len(prefix) + 4
            and upper[len(prefix) : len(prefix) + 2].isdigit()
        ):
            suffix = upper[len(prefix) + 2 :]
            if suffix == "CD" and code_key is None:
                code_key, yy = key, upper[len(prefix) : len(prefix) + 2]
            elif suffix == "NM" and name_key is None:
                name_key = key
    return code_key, name_key, yy


def _check_crs(path: Path, document: dict[str, Any]) -> None:
    crs = document.get("crs")
    if not isinstance(crs, dict):
        return
    name = str((crs.get("properties") or {}).get("name", ""))
    if name and not any(name.upper().endswith(w) for w in _WGS84_NAMES):
        hint = " (British National Grid)" if name.endswith("27700") else ""
        raise ImportFileError(
            f"{path}: coordinates are in {name}{hint}; Beacon needs WGS84 longitude/latitude "
            "(e.g. `ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson`)"
        )


def _load_features(path: Path) -> tuple[dict[str, Any], list[Any]]:
    with open_source(path, f"boundaries {path.name}") as handle:
        try:
            document = json.load(handle)
        except json.JSONDecodeError as exc:
            raise ImportFileError(
                f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            ) from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise ImportFileError(f"{path} is not a GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list):
        raise ImportFileError(f"{path}: the FeatureCollection has no 'features' list")
    return document, features


def _geometry(raw: Any) -> tuple[Any | None, str | None, bool]:
    """(valid polygonal geometry, problem, repaired?) of a GeoJSON geometry object."""
    if not isinstance(raw, dict):
        return None, "the feature has no geometry", False
    kind = raw.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        return None, f"geometry type is {kind!r}; expected Polygon or MultiPolygon", False
    try:
        geometry = shape(raw)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        return None, f"malformed {kind} coordinates: {exc}", False
    if geometry.is_empty:
        return None, "the geometry is empty", False
    min_x, min_y, max_x, max_y = geometry.bounds
    if not all(math.isfinite(v) for v in (min_x, min_y, max_x, max_y)):
        return None, "coordinates are not finite numbers", False
    if min_x < -180 or max_x > 180 or min_y < -90 or max_y > 90:
        return (
            None,
            f"coordinates out of longitude/latitude range (bounds {min_x:.6g}, {min_y:.6g}, "
            f"{max_x:.6g}, {max_y:.6g}); is the file in British National Grid? "
            "Convert it to WGS84 (EPSG:4326)",
            False,
        )
    repaired = False
    if not geometry.is_valid:
        reason = shapely.is_valid_reason(geometry)
        geometry = shapely.make_valid(geometry)
        repaired = True
        if geometry.geom_type == "GeometryCollection":
            polygons = [
                part for part in geometry.geoms if part.geom_type in ("Polygon", "MultiPolygon")
            ]
            geometry = shapely.union_all(polygons) if polygons else None
        if (
            geometry is None
            or geometry.is_empty
            or geometry.geom_type
            not in (
                "Polygon",
                "MultiPolygon",
            )
        ):
            return None, f"invalid geometry ({reason}) that cannot be repaired", False
    return geometry, None, repaired


def import_boundaries(
    session: Session,
    path: str | Path,
    *,
    level: str,
    source_name: str | None = None,
) -> ImportSummary:
    """Import LSOA or ward boundaries from a GeoJSON FeatureCollection in WGS84.

    Codes, names and vintage come from ``LSOAyyCD``/``LSOAyyNM`` (level "lsoa") or
    ``WDyyCD``/``WDyyNM`` (level "ward") properties; ward features may carry ``LADyyCD``/
    ``LADyyNM``, which become the ward's parent district. Areas not yet stored are created.
    Geometries must be (Multi)Polygons within longitude/latitude ranges; invalid ones are
    repaired with ``shapely.make_valid``.
    """
    path = Path(path)
    level = str(level).lower()
    if level not in _BOUNDARY_PREFIX:
        raise GeographyError(f"boundaries can be imported for lsoa or ward, not {level!r}")
    source = source_name or path.name
    errors = ErrorLog(str(path))
    prefix = _BOUNDARY_PREFIX[level]

    def work() -> ImportSummary:
        document, raw_features = _load_features(path)
        _check_crs(path, document)
        keys = None
        for raw in raw_features:
            if isinstance(raw, dict) and isinstance(raw.get("properties"), dict):
                keys = _property_keys(raw["properties"], prefix)
                if keys[0] is not None:
                    break
        if keys is None or keys[0] is None:
            sample = next(
                (
                    ", ".join(list(raw["properties"])[:15])
                    for raw in raw_features
                    if isinstance(raw, dict) and isinstance(raw.get("properties"), dict)
                ),
                "none",
            )
            example = f"{prefix}{'11' if level == AreaLevel.LSOA else '25'}CD"
            raise ImportFileError(
                f"{path}: no feature has a {prefix}xxCD property, so this is not a "
                f"{LEVEL_WORDS[level]} boundary file (expected e.g. {example}); "
                f"properties found: {sample}"
            )
        features: list[_Feature] = []
        seen: dict[str, int] = {}
        repaired = 0
        for index, raw in enumerate(raw_features):
            feature, problem, was_repaired = _parse_feature(index, raw, level, prefix)
            if feature is not None and feature.code in seen:
                problem = f"{feature.code} appears again (first as feature {seen[feature.code]})"
                feature = None
            if feature is None:
                errors.feature(index, problem or "invalid feature")
                continue
            seen[feature.code] = index
            repaired += was_repaired
            features.append(feature)
        raw_features.clear()
        document.clear()
        area_tallies, area_ids, districts_created = _boundary_areas(
            session, level, features, source
        )
        tally = _write_boundaries(session, features, area_ids)
        vintages = sorted({f.vintage for f in features})
        district_vintages = sorted({f.district_vintage for f in features if f.district_vintage})
        summary_vintages = {level: ", ".join(vintages)} if vintages else {}
        if district_vintages:
            summary_vintages[AreaLevel.DISTRICT] = ", ".join(district_vintages)
        return ImportSummary(
            kind="boundaries",
            file=str(path),
            source_name=source,
            rows_read=len(seen) + errors.count,
            inserted=tally.inserted,
            updated=tally.updated,
            unchanged=tally.unchanged,
            rejected=errors.count,
            errors=tuple(errors.errors),
            vintages=summary_vintages,
            details={
                "level": level,
                "repaired": repaired,
                "areas": {lv: t.to_dict() for lv, t in area_tallies.items()},
                "areas_created": area_tallies[level].inserted,
                "districts_created": districts_created,
            },
        )

    try:
        return _in_transaction(session, work, path)
    finally:
        from beacon.geography.locate import invalidate_boundary_cache

        invalidate_boundary_cache()


def _parse_feature(
    index: int, raw: Any, level: str, prefix: str
) -> tuple[_Feature | None, str | None, bool]:
    if not isinstance(raw, dict) or raw.get("type") != "Feature":
        return None, "not a GeoJSON Feature", False
    properties = raw.get("properties")
    if not isinstance(properties, dict):
        return None, "the feature has no properties", False
    code_key, name_key, yy = _property_keys(properties, prefix)
    if code_key is None or yy is None:
        return None, f"the feature has no {prefix}xxCD property", False
    code = str(properties.get(code_key) or "").strip().upper()
    problem = code_problem(level, code)
    if problem:
        return None, f"{code_key}: {problem}", False
    name = str(properties.get(name_key) or "").strip() if name_key else ""
    lad_key, lad_name_key, lad_yy = _property_keys(properties, "LAD")
    district_code = None
    district_name = ""
    if level == AreaLevel.WARD and lad_key is not None:
        district_code = str(properties.get(lad_key) or "").strip().upper() or None
        if district_code is not None:
            problem = code_problem(AreaLevel.DISTRICT, district_code)
            if problem:
                return None, f"{lad_key}: {problem}", False
            district_name = str(properties.get(lad_name_key) or "").strip() if lad_name_key else ""
    geometry, problem, repaired = _geometry(raw.get("geometry"))
    if geometry is None:
        return None, problem, False
    return (
        _Feature(
            index=index,
            code=code,
            name=name,
            vintage=vintage_from_yy(yy),
            wkb=shapely.to_wkb(geometry),
            bounds=tuple(geometry.bounds),
            district_code=district_code,
            district_name=district_name,
            district_vintage=vintage_from_yy(lad_yy) if district_code and lad_yy else None,
        ),
        None,
        repaired,
    )


def _boundary_areas(
    session: Session, level: str, features: list[_Feature], source: str
) -> tuple[dict[str, Tally], dict[tuple[str, str], int], int]:
    """Create or update the areas of boundary features; returns (code, vintage) -> area id."""
    tallies: dict[str, Tally] = {level: Tally()}
    districts_created = 0
    district_ids: dict[str, int] = {}
    if level == AreaLevel.WARD:
        wanted_districts = {f.district_code: f for f in features if f.district_code}
        stored = areas_by_code(session, AreaLevel.DISTRICT, wanted_districts)
        to_create: dict[str, dict[str, tuple[str, int | None]]] = defaultdict(dict)
        for code, feature in wanted_districts.items():
            if code in stored:
                district_ids[code] = pick_vintage(stored[code], feature.district_vintage)[1].id
            else:
                vintage = feature.district_vintage or feature.vintage
                to_create[vintage][code] = (feature.district_name, None)
        district_tally = Tally()
        for vintage, wanted in to_create.items():
            tally, ids = write_level(session, AreaLevel.DISTRICT, vintage, wanted, source)
            district_tally.add(tally)
            district_ids.update(ids)
        districts_created = district_tally.inserted
        tallies[AreaLevel.DISTRICT] = district_tally
    by_vintage: dict[str, dict[str, tuple[str, int | None]]] = defaultdict(dict)
    for feature in features:
        parent = district_ids.get(feature.district_code) if feature.district_code else None
        by_vintage[feature.vintage][feature.code] = (feature.name, parent)
    area_ids: dict[tuple[str, str], int] = {}
    for vintage, wanted in by_vintage.items():
        tally, ids = write_level(session, level, vintage, wanted, source)
        tallies[level].add(tally)
        area_ids.update({(code, vintage): id_ for code, id_ in ids.items()})
    return tallies, area_ids, districts_created


def _write_boundaries(
    session: Session, features: list[_Feature], area_ids: dict[tuple[str, str], int]
) -> Tally:
    tally = Tally()
    wanted = {area_ids[(f.code, f.vintage)]: f for f in features}
    existing: dict[int, bytes] = {}
    for part in chunks(list(wanted)):
        existing.update(
            session.execute(
                select(AreaBoundary.area_id, AreaBoundary.geometry_wkb).where(
                    AreaBoundary.area_id.in_(part)
                )
            ).all()
        )
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for area_id, feature in wanted.items():
        row = {
            "area_id": area_id,
            "geometry_wkb": feature.wkb,
            "min_lon": feature.bounds[0],
            "min_lat": feature.bounds[1],
            "max_lon": feature.bounds[2],
            "max_lat": feature.bounds[3],
        }
        old = existing.get(area_id)
        if old is None:
            inserts.append(row)
        elif bytes(old) != feature.wkb:
            updates.append(row)
        else:
            tally.unchanged += 1
    if inserts:
        bulk_insert(session, AreaBoundary, inserts)
    if updates:
        bulk_update(session, AreaBoundary, "area_id", updates)
    tally.inserted = len(inserts)
    tally.updated = len(updates)
    return tally


# ---------------------------------------------------------------------------------------------
# English Indices of Deprivation 2019

IMD_DOMAINS = (
    "IMD",
    "Income",
    "Employment",
    "Education",
    "Health",
    "Crime",
    "Housing_and_Access",
    "Environment",
)
# Number of LSOAs ranked in each edition (rank 1 = most deprived).
IMD_LSOA_COUNT = {"IMD2019": 32_844}


def import_imd(
    session: Session,
    path: str | Path,
    *,
    edition: str = "IMD2019",
    source_name: str | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> ImportSummary:
    """Import IMD ranks and deciles per LSOA (columns ``lsoa_code``, ``IMD_rank``,
    ``IMD_decile`` and, optionally, ``<Domain>_rank``/``<Domain>_decile`` for the 7 domains).

    Each LSOA and domain becomes one Deprivation row of ``edition``. Ranks must be within
    1..(LSOAs ranked in the edition: 32,844 for IMD2019), deciles within 1..10.
    """
    path = Path(path)
    source = source_name or path.name
    errors = ErrorLog(str(path))
    max_rank = IMD_LSOA_COUNT.get(edition)

    def work() -> ImportSummary:
        with open_source(path, f"IMD {path.name}") as handle:
            rows = CsvRows(handle, path, errors)
            code_column = rows.column("lsoa_code", "LSOA11CD", "LSOA code (2011)")
            columns: dict[str, Any] = {"lsoa_code": code_column}
            domains: list[tuple[str, int, int]] = []
            for domain in IMD_DOMAINS:
                rank_column = rows.column(f"{domain}_rank")
                decile_column = rows.column(f"{domain}_decile")
                if domain == "IMD" or rank_column or decile_column:
                    columns[f"{domain}_rank"] = rank_column
                    columns[f"{domain}_decile"] = decile_column
                if rank_column and decile_column:
                    domains.append(
                        (
                            domain,
                            rows.index[rank_column.lower()],
                            rows.index[decile_column.lower()],
                        )
                    )
            _require(
                path,
                rows,
                columns,
                "an IMD file with columns lsoa_code, IMD_rank, IMD_decile and optionally "
                "<Domain>_rank, <Domain>_decile for Income, Employment, Education, Health, "
                "Crime, Housing_and_Access, Environment",
            )
            assert code_column is not None
            code_index = rows.index[code_column.lower()]
            seen: dict[str, int] = {}
            tally = Tally()
            # Nothing stored for the edition yet: no need to look for rows to update.
            first_load = (
                session.execute(
                    select(Deprivation.id).where(Deprivation.edition == edition).limit(1)
                ).first()
                is None
            )
            batch: dict[str, list[tuple[str, int, int]]] = {}
            batch_limit = max(1, batch_rows // len(domains))
            for line, row in rows:
                code = row[code_index].upper()
                problem = code_problem(AreaLevel.LSOA, code)
                if problem is None and code in seen:
                    problem = f"LSOA {code} appears again (first on line {seen[code]})"
                values: list[tuple[str, int, int]] = []
                if problem is None:
                    for domain, rank_index, decile_index in domains:
                        rank, why = _int_in(row[rank_index], 1, max_rank, f"{domain}_rank")
                        decile, why2 = _int_in(row[decile_index], 1, 10, f"{domain}_decile")
                        problem = why or why2
                        if problem is not None:
                            break
                        assert rank is not None and decile is not None
                        values.append((domain, rank, decile))
                if problem is not None:
                    errors.line(line, problem)
                    continue
                seen[code] = line
                batch[code] = values
                if len(batch) >= batch_limit:
                    tally.add(_write_deprivation(session, edition, batch, first_load=first_load))
                    batch = {}
            if batch:
                tally.add(_write_deprivation(session, edition, batch, first_load=first_load))

        stored_lsoas = set(
            session.execute(
                select(Area.code).where(Area.level == AreaLevel.LSOA).distinct()
            ).scalars()
        )
        unmatched = sorted(code for code in seen if code not in stored_lsoas)
        return ImportSummary(
            kind="imd",
            file=str(path),
            source_name=source,
            rows_read=rows.rows_read,
            inserted=tally.inserted,
            updated=tally.updated,
            unchanged=tally.unchanged,
            rejected=errors.count,
            errors=tuple(errors.errors),
            vintages={"edition": edition},
            details={
                "edition": edition,
                "domains": [domain for domain, _, _ in domains],
                "lsoas": len(seen),
                "lsoa_areas_loaded": len(stored_lsoas),
                "lsoas_not_in_areas": len(unmatched),
                "lsoas_not_in_areas_sample": unmatched[:20],
            },
        )

    return _in_transaction(session, work, path)


def _int_in(text: str, low: int, high: int | None, column: str) -> tuple[int | None, str | None]:
    try:
        value = int(text)
    except ValueError:
        shown = repr(text) if text else "empty"
        return None, f"{column} is {shown}, not a whole number"
    if value < low or (high is not None and value > high):
        limit = f"{low}..{high}" if high is not None else f"at least {low}"
        return None, f"{column} is {value}, outside {limit}"
    return value, None


def _write_deprivation(
    session: Session,
    edition: str,
    batch: dict[str, list[tuple[str, int, int]]],
    *,
    first_load: bool,
) -> Tally:
    tally = Tally()
    existing: dict[tuple[str, str], tuple[int, int, int]] = {}
    for part in [] if first_load else chunks(list(batch)):
        for id_, domain, code, rank, decile in session.connection().execute(
            select(
                Deprivation.id,
                Deprivation.domain,
                Deprivation.lsoa_code,
                Deprivation.rank,
                Deprivation.decile,
            ).where(Deprivation.edition == edition, Deprivation.lsoa_code.in_(part))
        ):
            existing[(domain, code)] = (id_, rank, decile)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for code, values in batch.items():
        for domain, rank, decile in values:
            old = existing.get((domain, code))
            if old is None:
                inserts.append(
                    {
                        "edition": edition,
                        "domain": domain,
                        "lsoa_code": code,
                        "rank": rank,
                        "decile": decile,
                    }
                )
            elif (old[1], old[2]) != (rank, decile):
                updates.append({"id": old[0], "rank": rank, "decile": decile})
            else:
                tally.unchanged += 1
    if inserts:
        bulk_insert(session, Deprivation, inserts)
    if updates:
        bulk_update(session, Deprivation, "id", updates)
    tally.inserted = len(inserts)
    tally.updated = len(updates)
    return tally


# ---------------------------------------------------------------------------------------------
# ONS Postcode Directory / National Statistics Postcode Lookup

NO_LOCATION_LATITUDE = 99.999999


def _first_matching(
    rows: CsvRows, names: tuple[str, ...], pattern: str | None = None
) -> str | None:
    found = rows.column(*names)
    if found is None and pattern is not None:
        regex = re.compile(pattern, re.IGNORECASE)
        found = next((column for column in rows.header if regex.fullmatch(column)), None)
    return found


def _area_code(value: str) -> str | None:
    """A directory area code, or None for blanks and ONS pseudo-codes (``E99999999``)."""
    value = value.strip().upper()
    if not value or value.endswith("99999999"):
        return None
    return value


@dataclass(frozen=True)
class _PostcodeColumns:
    postcode: str
    latitude: str
    longitude: str
    lsoa: str
    ward: str
    district: str
    force: str | None
    terminated: str | None


def import_postcodes(
    session: Session,
    path: str | Path,
    *,
    source_name: str | None = None,
    lsoa_column: str | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> ImportSummary:
    """Import an ONS Postcode Directory (ONSPD) or NSPL CSV, columns found by name.

    Postcode: ``pcds`` or ``pcd``; coordinates: ``lat``/``long`` (latitude 99.999999 means
    "no location" and is stored as null); LSOA: ``lsoa11`` or ``lsoa21`` (``lsoa11`` when both
    are present, unless ``lsoa_column`` names one); ward: ``osward`` or ``ward``; district:
    ``oslaua`` or ``laua``; optional ``pfa`` (force area) and ``doterm`` (termination YYYYMM).
    ONS pseudo-codes such as ``E99999999`` are stored as null.
    """
    path = Path(path)
    source = source_name or path.name
    errors = ErrorLog(str(path))

    def work() -> ImportSummary:
        with open_source(path, f"postcodes {path.name}") as handle:
            rows = CsvRows(handle, path, errors)
            if lsoa_column is not None:
                lsoa = rows.column(lsoa_column)
                if lsoa is None:
                    raise missing_columns_error(
                        path, [lsoa_column], "the LSOA column given", rows.header
                    )
            else:
                lsoa = _first_matching(
                    rows, ("lsoa11", "lsoa21", "lsoa11cd", "lsoa21cd"), r"lsoa\d\dcd"
                )
            found = {
                "pcds or pcd": _first_matching(rows, ("pcds", "pcd", "pcd7", "pcd8")),
                "lat": rows.column("lat"),
                "long": rows.column("long"),
                "lsoa11 or lsoa21": lsoa,
                "osward or ward": _first_matching(rows, ("osward", "ward"), r"wd\d\dcd"),
                "oslaua or laua": _first_matching(rows, ("oslaua", "laua"), r"lad\d\dcd"),
            }
            _require(
                path,
                rows,
                found,
                "an ONS Postcode Directory or NSPL file (pcds, lat, long, lsoa11, osward or "
                "ward, oslaua or laua, optionally pfa, doterm)",
            )
            columns = _PostcodeColumns(
                postcode=found["pcds or pcd"] or "",
                latitude=found["lat"] or "",
                longitude=found["long"] or "",
                lsoa=found["lsoa11 or lsoa21"] or "",
                ward=found["osward or ward"] or "",
                district=found["oslaua or laua"] or "",
                force=_first_matching(rows, ("pfa",), r"pfa\d\dcd"),
                terminated=rows.column("doterm"),
            )
            stats = {"no_location": 0, "terminated": 0}
            codes: dict[str, set[str]] = {"lsoa": set(), "ward": set(), "district": set()}
            tally = Tally()
            accepted = 0
            # Duplicates are caught within a batch (memory stays bounded for the 2.7 million
            # rows of a full directory); ONS files have none, and a repeat in a later batch
            # simply updates the earlier one.
            seen: dict[str, int] = {}
            first_load = session.execute(select(Postcode.postcode).limit(1)).first() is None
            batch: dict[str, dict[str, Any]] = {}
            for line, record in _postcode_records(rows, columns, errors, seen, stats, source):
                for key in ("lsoa", "ward", "district"):
                    if record[f"{key}_code"] is not None:
                        codes[key].add(record[f"{key}_code"])
                batch[record["postcode"]] = record
                seen[record["postcode"]] = line
                accepted += 1
                if len(batch) >= batch_rows:
                    tally.add(_write_postcodes(session, batch, first_load=first_load))
                    first_load = False
                    batch = {}
                    seen.clear()
            if batch:
                tally.add(_write_postcodes(session, batch, first_load=first_load))

        lsoa_vintage = "".join(ch for ch in columns.lsoa if ch.isdigit())
        return ImportSummary(
            kind="postcodes",
            file=str(path),
            source_name=source,
            rows_read=rows.rows_read,
            inserted=tally.inserted,
            updated=tally.updated,
            unchanged=tally.unchanged,
            rejected=errors.count,
            errors=tuple(errors.errors),
            vintages={AreaLevel.LSOA: vintage_from_yy(lsoa_vintage)}
            if len(lsoa_vintage) == 2
            else {},
            details={
                "columns": {
                    "postcode": columns.postcode,
                    "latitude": columns.latitude,
                    "longitude": columns.longitude,
                    "lsoa": columns.lsoa,
                    "ward": columns.ward,
                    "district": columns.district,
                    "force": columns.force,
                    "terminated": columns.terminated,
                },
                "postcodes": accepted,
                "no_location": stats["no_location"],
                "terminated": stats["terminated"],
                **_unmatched_codes(session, codes),
            },
        )

    return _in_transaction(session, work, path)


def _postcode_records(
    rows: CsvRows,
    columns: _PostcodeColumns,
    errors: ErrorLog,
    seen: dict[str, int],
    stats: dict[str, int],
    source: str,
) -> Iterator[tuple[int, dict[str, Any]]]:
    index = rows.index
    i_postcode = index[columns.postcode.lower()]
    i_lat = index[columns.latitude.lower()]
    i_lon = index[columns.longitude.lower()]
    i_lsoa = index[columns.lsoa.lower()]
    i_ward = index[columns.ward.lower()]
    i_district = index[columns.district.lower()]
    i_force = index[columns.force.lower()] if columns.force else None
    i_term = index[columns.terminated.lower()] if columns.terminated else None
    source = source[:300]
    for line, row in rows:
        try:
            postcode = normalise_postcode(row[i_postcode])
        except PostcodeError as exc:
            errors.line(line, str(exc))
            continue
        if postcode in seen:
            errors.line(line, f"postcode {postcode} appears again (first on line {seen[postcode]})")
            continue
        latitude, longitude, problem = _coordinates(row[i_lat], row[i_lon])
        terminated = row[i_term] if i_term is not None else ""
        if (
            problem is None
            and terminated
            and not (
                len(terminated) == 6 and terminated.isdigit() and 1 <= int(terminated[4:]) <= 12
            )
        ):
            problem = f"doterm {terminated!r} is not a year and month (YYYYMM)"
        if problem is not None:
            errors.line(line, problem)
            continue
        if latitude is None:
            stats["no_location"] += 1
        if terminated:
            stats["terminated"] += 1
        yield (
            line,
            {
                "postcode": postcode,
                "latitude": latitude,
                "longitude": longitude,
                "lsoa_code": _area_code(row[i_lsoa]),
                "ward_code": _area_code(row[i_ward]),
                "district_code": _area_code(row[i_district]),
                "force_code": _area_code(row[i_force]) if i_force is not None else None,
                "terminated": terminated or None,
                "source": source,
            },
        )


def _coordinates(lat_text: str, lon_text: str) -> tuple[float | None, float | None, str | None]:
    if not lat_text and not lon_text:
        return None, None, None
    try:
        latitude = float(lat_text)
        longitude = float(lon_text)
    except ValueError:
        return None, None, f"lat/long {lat_text!r}, {lon_text!r} are not numbers"
    if abs(latitude - NO_LOCATION_LATITUDE) < 1e-9:
        return None, None, None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None, None, f"lat/long {lat_text}, {lon_text} are outside the valid range"
    return latitude, longitude, None


_POSTCODE_FIELDS = (
    "latitude",
    "longitude",
    "lsoa_code",
    "ward_code",
    "district_code",
    "force_code",
    "terminated",
)


def _write_postcodes(
    session: Session, batch: dict[str, dict[str, Any]], *, first_load: bool
) -> Tally:
    tally = Tally()
    existing: dict[str, tuple[Any, ...]] = {}
    columns = [getattr(Postcode, name) for name in _POSTCODE_FIELDS]
    for part in [] if first_load else chunks(list(batch)):
        for row in session.connection().execute(
            select(Postcode.postcode, *columns).where(Postcode.postcode.in_(part))
        ):
            existing[row[0]] = tuple(row[1:])
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for postcode, record in batch.items():
        old = existing.get(postcode)
        if old is None:
            inserts.append(record)
        elif old != tuple(record[name] for name in _POSTCODE_FIELDS):
            updates.append(record)
        else:
            tally.unchanged += 1
    if inserts:
        bulk_insert(session, Postcode, inserts)
    if updates:
        bulk_update(session, Postcode, "postcode", updates)
    tally.inserted = len(inserts)
    tally.updated = len(updates)
    return tally


def _unmatched_codes(session: Session, codes: dict[str, set[str]]) -> dict[str, Any]:
    """How many distinct LSOA, ward and district codes of the file are not stored areas."""
    result: dict[str, Any] = {}
    for key, level in (
        ("lsoa", AreaLevel.LSOA),
        ("ward", AreaLevel.WARD),
        ("district", AreaLevel.DISTRICT),
    ):
        known = set(
            session.execute(select(Area.code).where(Area.level == level).distinct()).scalars()
        )
        unmatched = sorted(codes[key] - known)
        result[f"{key}_codes"] = len(codes[key])
        result[f"{key}_codes_not_in_areas"] = len(unmatched)
        result[f"{key}_codes_not_in_areas_sample"] = unmatched[:10]
    return result
