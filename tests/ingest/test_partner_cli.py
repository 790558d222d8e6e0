"""`beacon import partner-feed` and `beacon stats partner-feeds`, the sample generator, and
migration 0006 (down and up again)."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from beacon.db.base import Base
from beacon.db.migrate import alembic_config, current_revision, upgrade
from beacon.geography.service import import_boundaries, import_lookup, import_postcodes
from beacon.ingest.partner_samples import write_sample_feeds
from beacon.ingest.partner_stats import PartnerStatsError, count_partner_feeds
from beacon.runtime import Runtime

from .partner_files import ADMISSIONS_HEADER, ASB_HEADER, make_organisation, run_import, write_feed

NSPL_SAMPLE = Path(__file__).parents[1] / "geography" / "data" / "nspl_derby_sample.csv"
DERBY = "E06000015"
# The NSPL sample's live postcodes that have an LSOA.
DERBY_POSTCODES = ["DE1 1AN", "DE22 1BE", "DE22 2AB", "DE24 0AB", "DE23 6DE", "DE21 7AB"]
MONTHS = ["2024-01", "2024-02", "2024-03"]


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def org(runtime: Runtime) -> int:
    return make_organisation(runtime, "Derby City Council", "unitary_council")


# --- import partner-feed ---------------------------------------------------------------------


def test_cli_json_summary(cli: Any, org: int, tmp_path: Path) -> None:
    rows = [
        ["A1", "2024-03-01", "21:15", "nuisance", "noise", "52.92", "-1.47", "", ""],
        ["A2", "2024-03-02", "", "graffiti", "", "52.92", "-1.47", "", ""],
        ["A3", "2024-03-03", "", "personal", "", "", "", "DE1 1AN", ""],
    ]
    path = write_feed(tmp_path / "asb.csv", ASB_HEADER, rows)
    result = cli(
        "import",
        "partner-feed",
        str(path),
        "--kind",
        "asb",
        "--source",
        "derby city council",
        "--json",
    )
    summary = json.loads(result.stdout)
    assert set(summary) == {
        "kind",
        "files",
        "rows_read",
        "imported",
        "updated",
        "duplicates",
        "rejected",
        "unlocated",
        "relocated",
        "errors",
    }
    assert (summary["kind"], summary["rows_read"], summary["imported"]) == ("asb", 3, 2)
    assert summary["errors"] == [
        {
            "file": str(path),
            "line": 3,
            "field": "category",
            "reason": "category 'graffiti' is not one of personal, nuisance, environmental",
        }
    ]
    file = summary["files"][0]
    assert file["source_organisation"] == "Derby City Council"
    assert file["source_organisation_id"] == org
    assert (file["rejected"], file["unlocated"], file["readable"]) == (1, 2, True)
    assert file["errors_truncated"] is False
    assert isinstance(file["import_run_id"], int) and len(file["sha256"]) == 64

    again = json.loads(
        cli(
            "import", "partner-feed", str(path), "--kind", "asb", "--source", str(org), "--json"
        ).stdout
    )
    assert (again["imported"], again["duplicates"], again["rejected"]) == (0, 2, 1)


def test_cli_human_output(cli: Any, org: int, tmp_path: Path) -> None:
    rows = [
        ["2024-01", "", "", "DE1", "18-24", "male", "4"],
        ["2024-01", "", "", "DE1", "18-24", "female", "-1"],
    ]
    path = write_feed(tmp_path / "admissions.csv", ADMISSIONS_HEADER, rows)
    result = cli(
        "import",
        "partner-feed",
        str(tmp_path),  # a folder: its CSV files
        "--kind",
        "assault-admissions",
        "--source",
        "Derby City Council",
    )
    assert "admissions.csv" in result.stdout
    assert "Partner feed: assault-admissions from Derby City Council" in result.stdout
    assert f"rejected {path}:3 [count]: count -1 is negative" in result.stdout


def test_cli_unknown_source_and_unreadable_files(cli: Any, org: int, tmp_path: Path) -> None:
    path = write_feed(tmp_path / "asb.csv", ASB_HEADER, [])
    result = cli(
        "import", "partner-feed", str(path), "--kind", "asb", "--source", "Nope", expect_exit=2
    )
    assert "no organisation 'Nope'" in result.stderr
    assert "'Derby City Council'" in result.stderr

    bad = write_feed(tmp_path / "bad.csv", ["incident_reference", "date"], [["A1", "2024-01-01"]])
    result = cli(
        "import",
        "partner-feed",
        str(bad),
        str(path),
        "--kind",
        "asb",
        "--source",
        "Derby City Council",
        "--json",
        expect_exit=1,
    )
    summary = json.loads(result.stdout)
    assert [f["readable"] for f in summary["files"]] == [False, True]
    assert summary["errors"][0]["line"] == 1
    assert summary["errors"][0]["reason"].startswith("missing required column(s): category;")

    result = cli(
        "import", "partner-feed", str(path), "--source", "Derby City Council", expect_exit=2
    )  # --kind is required


# --- stats -----------------------------------------------------------------------------------


@pytest.fixture
def samples(tmp_path: Path) -> dict[str, Path]:
    areas = [("E01013479", 52.921656, -1.476346), ("E01013453", 52.920378, -1.496514)]
    return write_sample_feeds(
        tmp_path / "feeds", seed=7, months=MONTHS, areas=areas, postcodes=DERBY_POSTCODES
    )


def _expected_months(rows: list[dict[str, str]]) -> dict[str, int]:
    return dict(Counter(r["date"][:7] for r in rows))


def test_stats_counts_match_the_files(
    runtime: Runtime, org: int, samples: dict[str, Path], cli: Any
) -> None:
    for kind, path in samples.items():
        assert run_import(runtime, [path], kind, org).to_dict()["rejected"] == 0
    asb = _rows(samples["asb"])
    fires = _rows(samples["deliberate-fires"])
    admissions = _rows(samples["assault-admissions"])

    with runtime.sessions() as session:
        by_month = count_partner_feeds(session, by="month").to_dict()
        by_category = count_partner_feeds(session, by="category", kind="asb").to_dict()
        everything = count_partner_feeds(session, by="category").to_dict()
        with pytest.raises(PartnerStatsError, match="no category"):
            count_partner_feeds(session, by="category", kind="assault-admissions")
    feeds = {f["kind"]: f for f in by_month["feeds"]}
    assert {r["key"]: r["count"] for r in feeds["asb"]["rows"]} == _expected_months(asb)
    assert feeds["asb"]["total"] == len(asb)
    assert {r["key"]: r["count"] for r in feeds["deliberate-fires"]["rows"]} == (
        _expected_months(fires)
    )
    known = [r for r in admissions if r["count"].isdigit()]
    assert feeds["assault-admissions"]["total"] == sum(int(r["count"]) for r in known)
    assert feeds["assault-admissions"]["records"] == len(admissions)
    assert feeds["assault-admissions"]["suppressed_records"] == len(admissions) - len(known)
    month_rows = {r["key"]: r for r in feeds["assault-admissions"]["rows"]}
    assert set(month_rows) == set(MONTHS)
    assert month_rows["2024-02"]["count"] == sum(
        int(r["count"]) for r in known if r["month"] == "2024-02"
    )
    assert {r["key"]: r["count"] for r in by_category["feeds"][0]["rows"]} == dict(
        Counter(r["category"] for r in asb)
    )
    assert [f["kind"] for f in everything["feeds"]] == ["asb", "deliberate-fires"]
    assert everything["notes"] == ["assault admissions have no category and are not shown"]

    result = cli("stats", "partner-feeds", "--kind", "asb", "--by", "category", "--json")
    assert json.loads(result.stdout) == by_category
    result = cli("stats", "partner-feeds")
    assert "asb by month" in result.stdout and "total admissions:" in result.stdout
    cli("stats", "partner-feeds", "--kind", "assault-admissions", "--by", "category", expect_exit=2)


def test_stats_by_district_names_districts_and_keeps_unlocated(
    runtime: Runtime, org: int, shared_data: Path, tmp_path: Path, samples: dict[str, Path]
) -> None:
    geography = shared_data / "geography"
    with open(geography / "lsoa11_ward19_lad19_lookup.csv", newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [row for row in reader if DERBY in row]
    lookup = tmp_path / "derby_lookup.csv"
    with open(lookup, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    with runtime.sessions() as session:
        import_lookup(session, lookup)
        import_boundaries(session, geography / "lsoa11" / f"{DERBY}.geojson", level="lsoa")
        import_postcodes(session, NSPL_SAMPLE)
    outside = write_feed(
        tmp_path / "outside.csv",
        ASB_HEADER,
        [["OUT-1", "2024-01-05", "", "nuisance", "", "50.6", "-0.5", "", ""]],
    )
    for kind, path in samples.items():
        report = run_import(runtime, [path], kind, org).to_dict()
        assert (report["rejected"], report["unlocated"]) == (0, 0)
    assert run_import(runtime, [outside], "asb", org).to_dict()["unlocated"] == 1
    with runtime.sessions() as session:
        counts = count_partner_feeds(session, by="district").to_dict()
    feeds = {f["kind"]: f for f in counts["feeds"]}
    asb_total = len(_rows(samples["asb"]))
    assert feeds["asb"]["rows"] == [
        {"key": DERBY, "name": "Derby", "count": asb_total},
        {"key": None, "name": None, "count": 1},
    ]
    assert [r["key"] for r in feeds["assault-admissions"]["rows"]] == [DERBY]


# --- the sample generator --------------------------------------------------------------------


def test_samples_are_seeded_and_realistic(tmp_path: Path) -> None:
    areas = [("E01013479", 52.921656, -1.476346), ("E01013453", 52.920378, -1.496514)]
    one = write_sample_feeds(
        tmp_path / "a", seed=1, months=MONTHS, areas=areas, postcodes=["DE1 1AN"]
    )
    two = write_sample_feeds(
        tmp_path / "b", seed=1, months=MONTHS, areas=areas, postcodes=["DE1 1AN"]
    )
    three = write_sample_feeds(
        tmp_path / "c", seed=2, months=MONTHS, areas=areas, postcodes=["DE1 1AN"]
    )
    assert set(one) == {"asb", "deliberate-fires", "assault-admissions"}
    for kind in one:
        assert one[kind].read_bytes() == two[kind].read_bytes()
    assert one["asb"].read_bytes() != three["asb"].read_bytes()
    asb = _rows(one["asb"])
    assert list(asb[0]) == ASB_HEADER
    categories = Counter(r["category"] for r in asb)
    assert categories["nuisance"] > categories["environmental"]
    assert {r["lsoa_code"] for r in asb if r["latitude"]} <= {"E01013479", "E01013453"}
    assert {r["postcode"] for r in asb if not r["latitude"]} == {"DE1 1AN"}
    fires = _rows(one["deliberate-fires"])
    assert {r["category"] for r in fires} <= {"primary", "secondary"}
    admissions = _rows(one["assault-admissions"])
    assert {r["outward_postcode"] for r in admissions} == {"DE1"}
    assert len(admissions) == len(MONTHS) * 2 * 6  # months x sexes x age bands
    suppressed = [r for r in admissions if not r["count"].isdigit()]
    assert suppressed and {r["count"] for r in suppressed} <= {"*", "<5"}
    assert all(
        int(r["count"]) == 0 or int(r["count"]) >= 5 for r in admissions if r["count"].isdigit()
    )

    with pytest.raises(ValueError, match="areas"):
        write_sample_feeds(tmp_path / "d", seed=1, months=MONTHS)
    with pytest.raises(ValueError, match="outward_codes"):
        write_sample_feeds(tmp_path / "e", seed=1, months=MONTHS, areas=areas)
    only_areas = write_sample_feeds(
        tmp_path / "f", seed=1, months=MONTHS, areas=areas, outward_codes=["DE1", "DE22"]
    )
    assert {r["outward_postcode"] for r in _rows(only_areas["assault-admissions"])} == {
        "DE1",
        "DE22",
    }


# --- migration -------------------------------------------------------------------------------

_TABLES = {"partner_incident", "assault_admission"}


def _mentions_partner_tables(diff: Any) -> bool:
    return any(name in repr(diff) for name in _TABLES)


def test_migration_matches_the_models_and_downgrades(runtime: Runtime) -> None:
    with runtime.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = [d for d in compare_metadata(context, Base.metadata) if _mentions_partner_tables(d)]
    assert diffs == []
    config = alembic_config(runtime.settings)
    with runtime.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005_intake")
    assert current_revision(runtime.engine) == "0005_intake"
    assert not _TABLES & set(inspect(runtime.engine).get_table_names())
    upgrade(runtime.settings, runtime.engine)
    assert set(inspect(runtime.engine).get_table_names()) >= _TABLES
    indexes = {i["name"] for i in inspect(runtime.engine).get_indexes("partner_incident")}
    assert {"ix_partner_incident_kind_occurred_on", "ix_partner_incident_lsoa_code"} <= indexes
