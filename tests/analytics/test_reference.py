"""Reference data: LSOA population and harm weights (importers, editions, defaults, CLI).

Every test runs on SQLite, and on PostgreSQL when BEACON_TEST_POSTGRES_URL is set. Expected
figures are read from the files here with the csv module, independently of the importers.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import typer
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, inspect, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from beacon.analytics.errors import AnalysisInputError
from beacon.analytics.models import AreaPopulation, HarmWeight, ReferenceEdition
from beacon.analytics.reference import (
    DEFAULT_HARM_EDITION,
    HARM_WEIGHTS,
    POPULATION,
    ReferenceImportError,
    activate_edition,
    active_edition,
    import_harm_weights,
    import_population,
    load_harm_weight_table,
    load_harm_weights,
    load_population,
)
from beacon.analytics.reference_cli import register
from beacon.config import Settings, get_settings
from beacon.db.engine import normalise_url
from beacon.db.migrate import alembic_config, upgrade
from beacon.ingest.models import ImportRun
from beacon.ingest.police_formats import CRIME_TYPES

DATA = Path(str(resources.files("beacon.analytics"))) / "data"
CENSUS = (
    Path(str(resources.files("crime_sim_toolkit")))
    / "src"
    / "LSOA_data"
    / "census_2011_population_hh.csv"
)
PRC_2017_18 = CENSUS.parents[1] / "prc-pfa-201718_new.csv"


def _write(path: Path, rows: list[list[Any]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _count(db: Session, model: Any, **where: Any) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return int(db.scalar(query) or 0)


def _census_figures() -> dict[str, int]:
    """Total persons per LSOA, read straight from crime-sim-toolkit's census table."""
    with open(CENSUS, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        code, persons = header.index("LSOA Code"), header.index("Persons")
        return {row[code]: int(row[persons].replace(",", "")) for row in reader}


# ---------------------------------------------------------------------------------------------
# Population


def test_plain_layout_imports_exact_figures_and_reimport_adds_nothing(
    db: Session, tmp_path: Path
) -> None:
    rows = [["lsoa_code", "population"], ["E01010568", "1523"], ["W01000001", "0"]]
    rows += [["e01010569", "2,041"]]  # lower case code, thousands separator
    path = _write(tmp_path / "pop.csv", rows)
    first = import_population(db, path, edition="mye2020")
    db.commit()
    assert (first.layout, first.inserted, first.unchanged, first.active) == ("plain", 3, 0, True)
    assert load_population(db) == {"E01010568": 1523, "W01000001": 0, "E01010569": 2041}

    second = import_population(db, path, edition="mye2020")
    db.commit()
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 3)
    assert _count(db, AreaPopulation) == 3
    assert _count(db, ReferenceEdition, kind=POPULATION) == 1
    runs = db.scalars(select(ImportRun).where(ImportRun.kind == POPULATION)).all()
    assert [(r.imported, r.duplicates) for r in runs] == [(3, 0), (0, 3)]

    rows[1][1] = "1600"
    third = import_population(db, _write(tmp_path / "pop.csv", rows), edition="mye2020")
    db.commit()
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, 2)
    stored = db.scalars(select(AreaPopulation).where(AreaPopulation.lsoa_code == "E01010568"))
    row = stored.one()
    assert (row.population, row.import_run_id, row.source_line) == (1600, third.import_run_id, 2)


def test_census_table_from_crime_sim_toolkit_imports_every_lsoa(db: Session) -> None:
    expected = _census_figures()
    summary = import_population(db, CENSUS)
    db.commit()
    assert (summary.layout, summary.edition) == ("census2011-lsoa", "census2011")
    assert summary.inserted == len(expected) == 34_753
    loaded = load_population(db)
    assert loaded == expected
    assert sum(loaded.values()) == summary.details["population_total"] == 56_075_912


def test_ons_mid_year_sheet_with_title_rows_and_aggregate_rows(db: Session, tmp_path: Path) -> None:
    ages = [str(age) for age in range(90)] + ["90+"]
    rows: list[list[Any]] = [
        ["Mid-2020 Population Estimates for Lower Layer Super Output Areas in England and Wales"],
        ["All persons"],
        [],
        ["Area Codes", "LSOA", "", "All Ages", *ages],
        ["E92000001", "England", "", "56,550,138", *["1"] * 91],
        ["E08000035", "Leeds", "", "798,786", *["1"] * 91],
        ["E01011229", "Leeds 111B", "", "1,702", *["1"] * 91],
        ["E01011230", "Leeds 111C", "", "1,583", *["1"] * 91],
    ]
    path = _write(tmp_path / "sape23dt2.csv", rows)
    summary = import_population(db, path)
    db.commit()
    assert (summary.layout, summary.edition, summary.skipped) == ("ons-mye", "mye2020", 2)
    assert load_population(db, edition="mye2020") == {"E01011229": 1702, "E01011230": 1583}

    # The unformatted sheet: LSOA Code ... All Ages, edition from --edition.
    header = ["LSOA Code", "LSOA Name", "LA Code (2021 boundaries)", "All Ages", *ages]
    plain = [header, ["E01010570", "Bradford 001A", "E08000032", "1650", *["0"] * 91]]
    summary = import_population(db, _write(tmp_path / "x.csv", plain), edition="mye2019")
    assert load_population(db, edition="mye2019") == {"E01010570": 1650}


def test_bad_rows_are_all_reported_and_nothing_is_imported(db: Session, tmp_path: Path) -> None:
    good = _write(tmp_path / "good.csv", [["lsoa_code", "population"], ["E01010568", "10"]])
    import_population(db, good, edition="mye2020")
    db.commit()
    rows = [
        ["lsoa_code", "population"],
        ["E01010569", "1500"],  # line 2: fine
        ["E0101056", "1500"],  # 3: too short
        ["E01010570", "-4"],  # 4
        ["E01010571", "12.5"],  # 5
        ["E01010569", "7"],  # 6: repeat of line 2
        ["", "3"],  # 7
        ["E01010572", ""],  # 8
        ["S01006506", "800"],  # 9: Scottish data zone, not an English/Welsh LSOA
    ]
    path = _write(tmp_path / "bad.csv", rows)
    runs_before = _count(db, ImportRun)
    with pytest.raises(ReferenceImportError) as caught:
        import_population(db, path, edition="mye2020")
    db.rollback()
    error = caught.value
    assert error.rejected == 7 and error.file == str(path) and error.line == 3
    assert [(e.file, e.line) for e in error.errors] == [(str(path), n) for n in range(3, 10)]
    reasons = [e.reason for e in error.errors]
    assert "is not an LSOA code" in reasons[0]
    assert reasons[1] == "the population -4 is negative"
    assert reasons[2] == "the population '12.5' is not a whole number"
    assert reasons[3] == "LSOA E01010569 appears again (first on line 2)"
    assert reasons[4] == "the LSOA code is empty"
    assert reasons[5] == "the population is empty"
    assert "nothing was imported" in str(error) and f"{path}, line 3" in str(error)
    # The earlier import is untouched and the refused file left no trace.
    assert load_population(db) == {"E01010568": 10}
    assert _count(db, ImportRun) == runs_before


def test_file_level_problems(db: Session, tmp_path: Path) -> None:
    with pytest.raises(AnalysisInputError, match="no such file"):
        import_population(db, tmp_path / "missing.csv", edition="x")
    header_only = _write(tmp_path / "header.csv", [["lsoa_code", "population"]])
    with pytest.raises(AnalysisInputError, match="no LSOA rows"):
        import_population(db, header_only, edition="x")
    plain = _write(tmp_path / "p.csv", [["lsoa_code", "population"], ["E01010568", "1"]])
    with pytest.raises(AnalysisInputError, match="--edition") as caught:
        import_population(db, plain)
    assert caught.value.option == "--edition"
    with pytest.raises(AnalysisInputError, match="edition 'bad edition'"):
        import_population(db, plain, edition="bad edition")
    other = _write(tmp_path / "o.csv", [["code", "people"], ["E01010568", "1"]])
    with pytest.raises(AnalysisInputError, match="no header row found"):
        import_population(db, other, edition="x")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("lsoa_code,population\nE01010568,1\n£\n".encode("latin-1"))
    with pytest.raises(AnalysisInputError, match="not UTF-8"):
        import_population(db, latin, edition="x")


def test_active_population_edition(db: Session, tmp_path: Path) -> None:
    assert load_population(db) == {}
    a = _write(tmp_path / "a.csv", [["lsoa_code", "population"], ["E01010568", "100"]])
    b = _write(tmp_path / "b.csv", [["lsoa_code", "population"], ["E01010568", "200"]])
    # The first edition is always activated, even when asked not to.
    assert import_population(db, a, edition="census2011", activate=False).active
    assert import_population(db, b, edition="mye2020").active
    assert load_population(db) == {"E01010568": 200}
    assert not import_population(db, a, edition="census2011", activate=False).active
    assert active_edition(db, POPULATION) == "mye2020"
    activate_edition(db, POPULATION, "census2011")
    assert load_population(db) == {"E01010568": 100}
    assert load_population(db, edition="mye2020") == {"E01010568": 200}
    flags = dict(db.execute(select(ReferenceEdition.edition, ReferenceEdition.active)).all())
    assert flags == {"census2011": True, "mye2020": False}
    with pytest.raises(AnalysisInputError, match="known: census2011, mye2020"):
        load_population(db, edition="mye1999")


# ---------------------------------------------------------------------------------------------
# Harm weights


def _default_table() -> dict[str, float]:
    with open(DATA / "harm_weights_ons_css.csv", newline="", encoding="utf-8") as handle:
        return {row["crime_type"]: float(row["weight"]) for row in csv.DictReader(handle)}


def _mapping() -> dict[str, dict[str, str]]:
    with open(DATA / "ho_offence_to_policeuk.csv", newline="", encoding="utf-8") as handle:
        return {row["offence_code"]: row for row in csv.DictReader(handle)}


def test_shipped_defaults_load_when_nothing_is_imported(db: Session) -> None:
    expected = _default_table()
    assert set(expected) == CRIME_TYPES
    assert load_harm_weights(db) == expected
    table = load_harm_weight_table(db)
    assert table.edition == DEFAULT_HARM_EDITION
    assert table.weights["Anti-social behaviour"] == 0
    assert "2017/18" in table.basis["Burglary"]
    assert load_harm_weights(db, edition=DEFAULT_HARM_EDITION) == expected
    with pytest.raises(AnalysisInputError, match="ons-css-2016 \\(shipped\\)"):
        load_harm_weights(db, edition="nope")


def test_mapping_covers_every_street_category_with_2017_18_volumes() -> None:
    mapping = _mapping()
    categories = {row["policeuk_category"] for row in mapping.values()}
    assert categories == (CRIME_TYPES - {"Anti-social behaviour"}) | {""}
    for row in mapping.values():
        assert row["volume_key"] in mapping  # a shared volume is carried by a listed code
    # The volumes are the Home Office's police recorded crime open data for England and Wales,
    # year ending March 2018, as shipped in crime-sim-toolkit: totals per code must match.
    published: dict[str, int] = {}
    with open(PRC_2017_18, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = row["Offence_Code"].strip()
            published[code] = published.get(code, 0) + int(row["Number_of_Offences"])
    ours = {c: int(r["recorded_2017_18"]) for c, r in mapping.items() if r["recorded_2017_18"]}
    assert {c: v for c, v in ours.items() if v or c in published} == published
    fraud = {c for c, r in mapping.items() if not r["policeuk_category"]}
    assert fraud == {"AF", "CIFAS", "FFA UK", "UK Finance"}


def test_shipped_defaults_are_the_documented_derivation(db: Session) -> None:
    """Importing the shipped offence weights in the ONS layout reproduces the default table."""
    summary = import_harm_weights(db, DATA / "css_offence_weights_2016.csv", layout="ons")
    db.commit()
    assert summary.details["unmapped"] == [] and summary.skipped == 0
    default = load_harm_weight_table(db, edition=DEFAULT_HARM_EDITION)
    imported = load_harm_weight_table(db, edition="css_offence_weights_2016")
    assert imported.weights == _default_table()
    # Check one category by hand: burglary, from the offence weights and 2017/18 volumes.
    mapping = _mapping()
    with open(DATA / "css_offence_weights_2016.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[3:]
    weights = {row[0]: float(row[2]) for row in rows}
    burglary = [c for c, r in mapping.items() if r["policeuk_category"] == "Burglary"]
    volume = {c: int(mapping[c]["recorded_2017_18"]) for c in burglary}
    mean = sum(weights[c] * volume[c] for c in burglary) / sum(volume.values())
    assert imported.weights["Burglary"] == round(mean, 2) == 357.78
    assert default.weights == imported.weights


def test_ons_layout_maps_aggregates_and_reports_unmapped_codes(db: Session, tmp_path: Path) -> None:
    mapping = _mapping()
    # One offence per category, so each weight is that offence's; violence gets two offences
    # weighted by volume, and the homicide codes given separately count once, at their mean.
    per_category = {
        "Bicycle theft": ("44", 10.0),
        "Burglary": ("28E", 400.0),
        "Criminal damage and arson": ("58A", 8.0),
        "Drugs": ("92E", 3.0),
        "Other crime": ("59", 120.0),
        "Other theft": ("49", 30.0),
        "Possession of weapons": ("10D", 50.0),
        "Public order": ("9A", 9.0),
        "Robbery": ("34B", 900.0),
        "Shoplifting": ("46", 12.0),
        "Theft from the person": ("39", 80.0),
        "Vehicle crime": ("45", 20.0),
    }
    rows: list[list[Any]] = [
        ["Crime Severity Score: list of weights"],
        [],
        ["Offence code", "Offence", "Weight"],
    ]
    rows += [[code, mapping[code]["offence_description"], w] for code, w in per_category.values()]
    rows += [
        ["8N", "Assault with injury", "200"],
        ["1", "Murder", "8,000"],
        ["4.1", "Manslaughter", "6000"],
        ["ZZ9", "Not a Home Office code", "5"],  # line 19: unmapped, reported
        ["AF", "Fraud (Action Fraud)", "50"],  # excluded: not in street-level data
        ["", "Note: weights are in days", ""],  # not an offence row
    ]
    path = _write(tmp_path / "css.csv", rows)
    summary = import_harm_weights(db, path, edition="css-test", asb_weight=2.5)
    db.commit()
    assert (summary.layout, summary.edition, summary.skipped, summary.inserted) == (
        "ons",
        "css-test",
        1,
        14,
    )
    assert summary.details["unmapped"] == [{"code": "ZZ9", "line": 19}]
    assert summary.details["excluded_not_in_street_data"] == ["AF"]
    weights = load_harm_weights(db)
    for category, (_, weight) in per_category.items():
        assert weights[category] == weight
    assert weights["Anti-social behaviour"] == 2.5
    v_8n = int(mapping["8N"]["recorded_2017_18"])
    v_homicide = int(mapping["1/4.1/4.10/4.2"]["recorded_2017_18"])
    violence = (200 * v_8n + 7000 * v_homicide) / (v_8n + v_homicide)
    assert weights["Violence and sexual offences"] == round(violence, 2)

    again = import_harm_weights(db, path, edition="css-test", asb_weight=2.5)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 14)
    assert _count(db, HarmWeight) == 14

    # Without an offence for every category, nothing is imported.
    short = _write(tmp_path / "short.csv", rows[:5])
    with pytest.raises(AnalysisInputError, match=r"no weight for .*Robbery.*nothing was imported"):
        import_harm_weights(db, short, edition="short")
    db.rollback()
    assert _count(db, HarmWeight, edition="short") == 0


def test_beacon_layout_rows_and_replacement(db: Session, tmp_path: Path) -> None:
    table = [["crime_type", "weight", "notes"]]
    table += [[name, str(float(i)), f"note {i}"] for i, name in enumerate(sorted(CRIME_TYPES))]
    path = _write(tmp_path / "local.csv", table)
    summary = import_harm_weights(db, path)
    db.commit()
    assert (summary.layout, summary.edition, summary.inserted) == ("beacon", "local", 14)
    expected = {name: float(i) for i, name in enumerate(sorted(CRIME_TYPES))}
    assert load_harm_weights(db) == expected
    assert load_harm_weight_table(db).basis["Burglary"] == "note 2"

    table[3][1] = "99"  # Burglary is the third category alphabetically
    changed = import_harm_weights(db, _write(tmp_path / "local.csv", table))
    assert (changed.updated, changed.unchanged) == (1, 13)
    assert load_harm_weights(db)["Burglary"] == 99
    assert _count(db, HarmWeight) == 14

    bad = [
        ["crime_type", "weight"],
        ["Fraud", "1"],
        ["burglary", "-1"],
        ["Robbery", "lots"],
        ["Robbery", "3"],
        ["Drugs", "2"],
        ["drugs", "2"],
    ]
    with pytest.raises(ReferenceImportError) as caught:
        import_harm_weights(db, _write(tmp_path / "bad.csv", bad))
    assert [(e.line, e.reason) for e in caught.value.errors] == [
        (2, "crime type 'Fraud' is not one of the 14 data.police.uk categories"),
        (3, "the weight -1 is negative"),
        (4, "the weight 'lots' is not a number"),
        (7, "Drugs appears again (first on line 6)"),
    ]
    partial = _write(tmp_path / "partial.csv", [["crime_type", "weight"], ["Robbery", "3"]])
    with pytest.raises(AnalysisInputError, match="must cover all 14"):
        import_harm_weights(db, partial)


def test_active_harm_edition_and_no_activate(db: Session, tmp_path: Path) -> None:
    table = [["crime_type", "weight"]] + [[name, "1"] for name in sorted(CRIME_TYPES)]
    ones = _write(tmp_path / "ones.csv", table)
    twos = _write(tmp_path / "twos.csv", [table[0]] + [[n, "2"] for n, _ in table[1:]])
    import_harm_weights(db, ones)
    assert not import_harm_weights(db, twos, activate=False).active
    assert set(load_harm_weights(db).values()) == {1.0}
    assert set(load_harm_weights(db, edition="twos").values()) == {2.0}
    activate_edition(db, HARM_WEIGHTS, "twos")
    assert set(load_harm_weights(db).values()) == {2.0}
    # The shipped table stays reachable by name.
    assert load_harm_weights(db, edition=DEFAULT_HARM_EDITION) == _default_table()


# ---------------------------------------------------------------------------------------------
# Command line (a throwaway app: beacon's own CLI registers these commands elsewhere)


@pytest.fixture
def run_cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    app = typer.Typer()
    import_app = typer.Typer()
    app.add_typer(import_app, name="import")
    register(import_app)
    monkeypatch.setenv("BEACON_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("BEACON_ENVIRONMENT", "test")
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        get_settings.cache_clear()
        try:
            return runner.invoke(app, ["import", *args], catch_exceptions=False)
        finally:
            get_settings.cache_clear()

    yield invoke


def test_cli_imports_print_json_and_refuse_bad_files(run_cli: Any, tmp_path: Path) -> None:
    good = _write(tmp_path / "pop.csv", [["lsoa_code", "population"], ["E01011229", "1702"]])
    result = run_cli("population", str(good), "--edition", "mye2020", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["kind"], out["edition"], out["inserted"], out["active"]) == (
        "population",
        "mye2020",
        1,
        True,
    )
    text = run_cli("population", str(good), "--edition", "mye2020")
    assert text.exit_code == 0 and "0 inserted, 0 updated, 1 unchanged" in text.stdout

    bad = _write(tmp_path / "bad.csv", [["lsoa_code", "population"], ["E01011229", "x"]])
    refused = run_cli("population", str(bad), "--edition", "mye2020", "--json")
    assert refused.exit_code == 1
    body = json.loads(refused.stdout)["refused"]
    assert body["rejected"] == 1 and body["errors"][0] == {
        "file": str(bad),
        "line": 2,
        "reason": "the population 'x' is not a whole number",
    }
    assert "line 2: the population 'x' is not a whole number" in refused.stderr

    weights = run_cli("harm-weights", str(DATA / "css_offence_weights_2016.csv"), "--json")
    assert weights.exit_code == 0, weights.output
    assert json.loads(weights.stdout)["details"]["weights"] == _default_table()
    wrong = run_cli("harm-weights", str(good), "--asb-weight", "-1")
    assert wrong.exit_code == 2 and "--asb-weight" in wrong.stderr


# ---------------------------------------------------------------------------------------------
# Migration


def test_migration_upgrades_downgrades_and_matches_the_models(settings: Settings) -> None:
    engine = create_engine(normalise_url(settings.database_url))
    try:
        upgrade(settings, revision="0006_partner_feeds")
        mine = {"area_population", "harm_weight", "reference_edition"}
        assert not mine & set(inspect(engine).get_table_names())
        upgrade(settings)
        assert mine <= set(inspect(engine).get_table_names())
        from beacon.db.base import Base

        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert [d for d in diff if _table_of(d) in mine] == []
        command.downgrade(alembic_config(settings), "0006_partner_feeds")
        assert not mine & set(inspect(engine).get_table_names())
        upgrade(settings)
        assert mine <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _table_of(diff: Any) -> str | None:
    """The table an Alembic autogenerate difference is about."""
    item = diff[0] if isinstance(diff, list) else diff
    kind, target = item[0], item[1]
    if kind in ("add_table", "remove_table"):
        return str(target.name)
    if kind in ("add_index", "remove_index", "add_constraint", "remove_constraint"):
        return str(target.table.name)
    if kind in ("add_fk", "remove_fk"):
        return str(target.parent.name)
    return str(item[2])  # add_column / modify_*: (kind, schema, table, ...)
