"""The generated demo months: deterministic, importable, seasonal, with the planted rise."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

from beacon.demo.months import (
    MANIFEST,
    PLANTED_LSOAS,
    PLANTED_STEPS,
    generated_file_name,
    generated_months,
    month_csv,
    month_range,
    planted_months,
    read_real_months,
    write_generated_months,
)
from beacon.demo.sources import DemoSources, find_sources
from beacon.ingest.police_import import import_police_files
from beacon.runtime import Runtime

# A subset keeps the tests quick (each month is generated on its own, so these are the same
# bytes as in the full demo): winter and summer of both years, and both ends of the planted rise.
SAMPLE = ("2017-01", "2017-06", "2017-09", "2017-10", "2018-01", "2018-02", "2018-06")
REAL_MONTHS = ("2016-07", "2017-07", "2018-07")


@pytest.fixture(scope="session")
def sources() -> DemoSources:
    return find_sources()


@pytest.fixture(scope="session")
def sample(sources: DemoSources, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("generated")
    paths = write_generated_months(sources, folder, SAMPLE)
    return {path.name[:7]: path for path in paths}


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_generated_months_fill_the_gaps_between_the_real_julys() -> None:
    months = generated_months(REAL_MONTHS)
    assert len(months) == 22
    assert months[0] == "2016-08" and months[-1] == "2018-06"
    assert not set(months) & set(REAL_MONTHS)
    assert planted_months(REAL_MONTHS) == month_range("2017-10", "2018-06")


def test_generation_is_deterministic(
    sources: DemoSources, sample: dict[str, Path], tmp_path: Path
) -> None:
    # Same bytes from a fresh read of the real files, and from a second write in another folder.
    real = read_real_months(sources.street_csvs)
    assert month_csv(real, "2017-06") == sample["2017-06"].read_bytes()
    again = write_generated_months(sources, tmp_path, ["2018-02", "2017-01"])
    assert [p.read_bytes() for p in again] == [
        sample["2017-01"].read_bytes(),
        sample["2018-02"].read_bytes(),
    ]


def test_a_changed_file_is_generated_again(sources: DemoSources, tmp_path: Path) -> None:
    [path] = write_generated_months(sources, tmp_path, ["2017-01"])
    original = path.read_bytes()
    path.write_bytes(original[:1000])
    write_generated_months(sources, tmp_path, ["2017-01"])
    assert path.read_bytes() == original
    (tmp_path / MANIFEST).write_text("not json", encoding="utf-8")
    write_generated_months(sources, tmp_path, ["2017-01"])
    assert path.read_bytes() == original


def test_an_unknown_month_is_refused_by_name(sources: DemoSources, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="2017-07 is not a generated demo month"):
        write_generated_months(sources, tmp_path, ["2017-07"])


def test_rows_look_like_data_police_uk(sources: DemoSources, sample: dict[str, Path]) -> None:
    with open(sources.street_csvs[0], newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle))
    hex64 = re.compile(r"^[0-9a-f]{64}$")
    for month, path in sample.items():
        assert path.name == generated_file_name(month)
        with open(path, newline="", encoding="utf-8") as handle:
            assert next(csv.reader(handle)) == header
        rows = _rows(path)
        assert 20_000 < len(rows) < 35_000
        assert {r["Month"] for r in rows} == {month}
        assert {(r["Reported by"], r["Falls within"]) for r in rows} == {
            ("West Yorkshire Police", "West Yorkshire Police")
        }
        ids = [r["Crime ID"] for r in rows if r["Crime type"] != "Anti-social behaviour"]
        assert all(hex64.match(i) for i in ids) and len(set(ids)) == len(ids)
        assert not any(r["Crime ID"] for r in rows if r["Crime type"] == "Anti-social behaviour")
        located = [r for r in rows if r["Longitude"]]
        assert all(53.0 < float(r["Latitude"]) < 54.5 for r in located)
        assert all(r["LSOA code"] for r in located)


def test_generated_files_import_without_rejections(
    runtime: Runtime, sample: dict[str, Path]
) -> None:
    paths = [sample["2017-01"], sample["2018-06"]]
    report = import_police_files(runtime.engine, paths)
    assert report.ok
    assert [f.rejected for f in report.files] == [0, 0]
    assert sum(f.imported for f in report.files) == sum(len(_rows(p)) for p in paths)


def test_the_seasonal_table_is_applied(sample: dict[str, Path]) -> None:
    counts = {
        month: Counter(r["Crime type"] for r in _rows(path)) for month, path in sample.items()
    }
    for year in ("2017", "2018"):
        winter, summer = counts[f"{year}-01"], counts[f"{year}-06"]
        assert winter["Burglary"] > summer["Burglary"]
        assert winter["Violence and sexual offences"] < summer["Violence and sexual offences"]
        assert winter["Anti-social behaviour"] < summer["Anti-social behaviour"]


def test_the_planted_rise_is_there(sample: dict[str, Path]) -> None:
    planted = set(PLANTED_LSOAS)

    def counts(month: str) -> Counter[str]:
        return Counter(
            r["Crime type"]
            for r in _rows(sample[month])
            if r["LSOA code"] in planted and r["Crime type"] in PLANTED_STEPS
        )

    before, start, middle, end = (counts(m) for m in ("2017-09", "2017-10", "2018-02", "2018-06"))
    for crime_type in PLANTED_STEPS:
        assert before[crime_type] < middle[crime_type] < end[crime_type]
        assert start[crime_type] < end[crime_type]
    # Drugs: 9 extra rows in each of the 5 LSOAs by the last planted month.
    assert end["Drugs"] - before["Drugs"] >= 30
