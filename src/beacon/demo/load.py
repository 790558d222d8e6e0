"""Load the demo: West Yorkshire's geography and 25 months of its street crime.

Street crime is the three real July files (2016, 2017, 2018) and the 22 months between them,
which ``demo/months.py`` generates from the real ones into ``<data_dir>/demo/generated-street``.
Everything goes through Beacon's own importers (areas, boundaries, police CSVs), so the demo
shows exactly what a partnership loading its own files would see. Loading twice is safe:
files already imported (same SHA-256) are skipped, and the importers are idempotent anyway.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from beacon.demo.months import GENERATED_FOLDER, write_generated_months
from beacon.demo.sources import DemoSources, find_sources
from beacon.geography.service import AreaRow, import_boundaries, upsert_areas
from beacon.ingest.forces import FORCES
from beacon.ingest.models import ImportRun
from beacon.ingest.police_import import import_police_files
from beacon.ingest.runs import file_sha256
from beacon.runtime import Runtime

DEMO_FORCE = "West Yorkshire"  # as named in crime-sim-toolkit's LSOA table
DEMO_FORCE_ID = "west-yorkshire"
# crime-sim-toolkit's table uses 2011 census geography (LSOA 2011 and the districts of then).
DEMO_VINTAGE = "2011"


@dataclass
class DemoReport:
    areas: dict[str, Any] = field(default_factory=dict)
    boundaries: dict[str, Any] = field(default_factory=dict)
    police: dict[str, Any] = field(default_factory=dict)
    population: dict[str, Any] = field(default_factory=dict)
    generated: dict[str, Any] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "areas": self.areas,
            "boundaries": self.boundaries,
            "police": self.police,
            "population": self.population,
            "generated": self.generated,
            "skipped": self.skipped,
        }


def load_demo(
    runtime: Runtime,
    *,
    sources: DemoSources | None = None,
    generated_months: Sequence[str] | None = None,
    say: Callable[[str], None] = lambda _message: None,
) -> DemoReport:
    """``generated_months`` limits which generated months are written and imported (None: all
    22; tests that need no trend pass a few or none)."""
    sources = sources or find_sources()
    report = DemoReport()

    say("areas: West Yorkshire LSOAs, districts and force area")
    rows, lsoa_codes = _west_yorkshire_areas(sources.force_lsoa_csv)
    with runtime.sessions() as session, session.begin():
        counts = upsert_areas(session, rows, source=sources.force_lsoa_csv.name)
    report.areas = {"lsoas": len(lsoa_codes), **_as_dict(counts)}

    if _already_imported(runtime, "geo-boundaries", sources.lsoa_boundaries):
        report.skipped.append(sources.lsoa_boundaries.name)
    else:
        say(f"boundaries: {len(lsoa_codes)} LSOA polygons")
        with tempfile.TemporaryDirectory() as folder:
            subset = Path(folder) / "west-yorkshire-lsoa11.geojson"
            _write_boundary_subset(sources.lsoa_boundaries, lsoa_codes, subset)
            with runtime.sessions() as session:
                summary = import_boundaries(
                    session, subset, level="lsoa", source_name=sources.lsoa_boundaries.name
                )
        report.boundaries = summary.to_dict()

    report.population = load_demo_population(runtime, sources.census_population, say)

    generated_folder = runtime.settings.data_dir / GENERATED_FOLDER
    if generated_months is None or generated_months:
        say(f"street crime: the months between the real ones, generated in {generated_folder}")
    generated = write_generated_months(sources, generated_folder, generated_months)
    report.generated = {
        "folder": str(generated_folder),
        "months": [p.name[:7] for p in generated],
    }
    street = sorted([*sources.street_csvs, *generated], key=lambda p: p.name)
    to_import = [p for p in street if not _already_imported(runtime, "police-street", p)]
    report.skipped.extend(p.name for p in street if p not in to_import)
    if to_import:
        real = sum(p in sources.street_csvs for p in to_import)
        say(
            f"street crime: importing {len(to_import)} files ({real} real, "
            f"{len(to_import) - real} generated)"
        )
        police = import_police_files(
            runtime.engine, to_import, batch_rows=runtime.settings.import_batch_rows
        )
        report.police = police.to_dict()
        report.police.pop("errors", None)
        report.police["conflicts"] = len(report.police["conflicts"])
    return report


def load_demo_population(
    runtime: Runtime, path: Path, say: Callable[[str], None] = lambda _message: None
) -> dict[str, Any]:
    """The 2011 census population of every LSOA in England and Wales, through the real
    importer (``beacon import population``), so rates per 1,000 residents work in the demo.
    Skipped (and said so) when that file was imported before."""
    from beacon.analytics.reference import POPULATION, import_population

    if _already_imported(runtime, POPULATION, path):
        return {"already_loaded": path.name}
    say("population: 2011 census, every LSOA in England and Wales")
    with runtime.sessions() as session, session.begin():
        summary = import_population(session, path, edition="census2011")
    result = summary.to_dict()
    result["details"].pop("lsoas_not_in_areas_sample", None)
    return result


def _west_yorkshire_areas(path: Path) -> tuple[list[AreaRow], set[str]]:
    force_name = FORCES[DEMO_FORCE_ID]
    rows: list[AreaRow] = [AreaRow("force", DEMO_FORCE_ID, DEMO_VINTAGE, force_name)]
    districts: dict[str, str] = {}
    lsoas: set[str] = set()
    with open(path, newline="", encoding="utf-8-sig") as handle:
        for record in csv.DictReader(handle):
            if record["Police_force"] != DEMO_FORCE:
                continue
            district = record["Local authority code"]
            districts[district] = record["Local authority name"]
            lsoas.add(record["LSOA Code"])
            rows.append(
                AreaRow(
                    "lsoa",
                    record["LSOA Code"],
                    DEMO_VINTAGE,
                    record["LSOA Name"],
                    parent_level="district",
                    parent_code=district,
                    parent_vintage=DEMO_VINTAGE,
                )
            )
    if not lsoas:
        raise RuntimeError(f"no {DEMO_FORCE} rows in {path}: the package's table has changed")
    district_rows = [
        AreaRow(
            "district",
            code,
            DEMO_VINTAGE,
            name,
            parent_level="force",
            parent_code=DEMO_FORCE_ID,
            parent_vintage=DEMO_VINTAGE,
        )
        for code, name in sorted(districts.items())
    ]
    return [rows[0], *district_rows, *rows[1:]], lsoas


def _write_boundary_subset(source: Path, codes: set[str], out: Path) -> None:
    with open(source, encoding="utf-8") as handle:
        collection = json.load(handle)
    features = [f for f in collection["features"] if f["properties"].get("LSOA11CD") in codes]
    collection["features"] = features
    out.write_text(json.dumps(collection), encoding="utf-8")


def _already_imported(runtime: Runtime, kind: str, path: Path) -> bool:
    """Whether an import run of ``kind`` already took this file (by name; police files also
    by content, since their runs record the file's own SHA-256)."""
    condition = ImportRun.source_name == path.name
    if kind.startswith("police"):
        condition = ImportRun.sha256 == file_sha256(path)
    with runtime.sessions() as session:
        found = session.scalar(
            select(ImportRun.id).where(condition, ImportRun.kind == kind).limit(1)
        )
    return found is not None


def _as_dict(value: Any) -> dict[str, Any]:
    if hasattr(value, "to_dict"):
        return dict(value.to_dict())
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(value)
    return {"result": str(value)}
