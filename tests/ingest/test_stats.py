"""`beacon stats crimes`: counts by type, month, LSOA, ward and district, checked against an
independent reading of the files and of the ONS lookup."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from beacon.geography.service import import_lookup
from beacon.ingest.police_import import import_police_files
from beacon.ingest.stats import StatsError, count_crimes
from beacon.runtime import Runtime

from .police_files import read_street, write_csv

DERBYSHIRE = [f"2018-{m}-derbyshire-street.csv" for m in ("10", "11", "12")]


@pytest.fixture
def derbyshire(runtime: Runtime, shared_data: Path) -> list[Path]:
    paths = [shared_data / "police" / name for name in DERBYSHIRE]
    import_police_files(runtime.engine, paths)
    return paths


def _lookup_rows(shared_data: Path) -> list[dict[str, str]]:
    with open(
        shared_data / "geography" / "lsoa11_ward19_lad19_lookup.csv",
        newline="",
        encoding="utf-8-sig",
    ) as handle:
        return list(csv.DictReader(handle))


def test_counts_by_type_and_month_match_the_files(runtime: Runtime, derbyshire: list[Path]) -> None:
    facts = [read_street(p) for p in derbyshire]
    with runtime.sessions() as session:
        by_month = count_crimes(session, by="month", force="derbyshire")
        by_type = count_crimes(session, by="crime_type", month="2018-11")
    assert {r.key: r.count for r in by_month.rows} == {f.month: f.rows for f in facts}
    assert {r.key: r.count for r in by_type.rows} == dict(facts[1].by_type)
    assert by_type.total == facts[1].rows


def test_counts_by_lsoa_match_the_file(runtime: Runtime, derbyshire: list[Path]) -> None:
    facts = read_street(derbyshire[0])
    with runtime.sessions() as session:
        counts = count_crimes(session, by="lsoa", month="2018-10")
    assert {r.key: r.count for r in counts.rows} == dict(facts.by_lsoa)
    assert counts.no_lsoa == facts.no_lsoa


def test_counts_by_district_and_ward_use_the_lookup_and_report_what_it_cannot_place(
    runtime: Runtime, derbyshire: list[Path], shared_data: Path, tmp_path: Path
) -> None:
    lookup = _lookup_rows(shared_data)
    # Load only the Derbyshire districts' rows, so crimes in neighbouring forces' LSOAs
    # (which the real files contain) stay unplaced and must be reported, not dropped.
    derbyshire_districts = {"E06000015", *(f"E070000{n}" for n in range(32, 40))}
    kept = [r for r in lookup if r["LAD19CD"] in derbyshire_districts]
    partial = write_csv(
        tmp_path / "lookup.csv", list(kept[0].keys()), [list(r.values()) for r in kept]
    )
    with runtime.sessions() as session:
        import_lookup(session, partial)

    place = {r["LSOA11CD"]: (r["WD19CD"], r["LAD19CD"]) for r in kept}
    expected_ward: Counter[str] = Counter()
    expected_district: Counter[str] = Counter()
    expected_unmatched: Counter[str] = Counter()
    total = 0
    for path in derbyshire:
        for code, n in read_street(path).by_lsoa.items():
            total += n
            if code in place:
                expected_ward[place[code][0]] += n
                expected_district[place[code][1]] += n
            else:
                expected_unmatched[code] += n
    assert expected_unmatched  # the real files do reach over the force boundary

    with runtime.sessions() as session:
        by_district = count_crimes(session, by="district")
        by_ward = count_crimes(session, by="ward", force="Derbyshire Constabulary")
    assert {r.key: r.count for r in by_district.rows} == dict(expected_district)
    assert {r.key: r.count for r in by_ward.rows} == dict(expected_ward)
    for counts in (by_district, by_ward):
        assert {r.key: r.count for r in counts.unmatched} == dict(expected_unmatched)
        assert counts.total == total
        assert sum(r.count for r in counts.rows) + sum(r.count for r in counts.unmatched) == total
    names = {r.key: r.name for r in by_district.rows}
    assert names["E06000015"] == "Derby"
    assert "ward 2019" in (by_ward.geography or "")


def test_clear_errors(runtime: Runtime, derbyshire: list[Path]) -> None:
    with runtime.sessions() as session:
        with pytest.raises(StatsError, match="loaded: Derbyshire Constabulary"):
            count_crimes(session, by="crime_type", force="kent")
        with pytest.raises(StatsError, match="YYYY-MM"):
            count_crimes(session, by="crime_type", month="Oct 2018")
        with pytest.raises(StatsError, match="beacon import lookup"):
            count_crimes(session, by="ward")
        with pytest.raises(StatsError, match="cannot group by"):
            count_crimes(session, by="street")


def test_cli_stats_json_and_text(cli, derbyshire: list[Path]) -> None:
    facts = read_street(derbyshire[2])
    result = cli(
        "stats",
        "crimes",
        "--by",
        "crime_type",
        "--force",
        "derbyshire",
        "--month",
        "2018-12",
        "--json",
    )
    data = json.loads(result.stdout)
    assert data["filters"] == {"force": "Derbyshire Constabulary", "month": "2018-12"}
    assert {r["key"]: r["count"] for r in data["rows"]} == dict(facts.by_type)
    text = cli("stats", "crimes", "--by", "month")
    assert "2018-12" in text.stdout and str(facts.rows) in text.stdout
    bad = cli("stats", "crimes", "--by", "month", "--force", "nowhere", expect_exit=2)
    assert "no street crime loaded for force 'nowhere'" in bad.stderr
