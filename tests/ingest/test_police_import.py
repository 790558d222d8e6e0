"""data.police.uk import: exact figures on the real shared files, idempotency, bad input."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from beacon.ingest import police_import
from beacon.ingest.models import CrimeOutcome, ImportRun, StopSearch, StreetCrime
from beacon.ingest.police_import import import_police_files
from beacon.runtime import Runtime

from .police_files import (
    OUTCOMES_HEADER,
    STOP_SEARCH_HEADER,
    STREET_HEADER,
    read_rows,
    read_street,
    write_csv,
)

STREET_FILES = [
    "2018-10-derbyshire-street.csv",
    "2018-11-derbyshire-street.csv",
    "2018-12-derbyshire-street.csv",
    "2018-10-sussex-street.csv",
    "2018-11-sussex-street.csv",
    "2018-12-sussex-street.csv",
]


def _count(runtime: Runtime, model: type, *where: object) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


@pytest.mark.parametrize("name", STREET_FILES)
def test_street_file_figures_match_an_independent_reading(
    runtime: Runtime, shared_data: Path, name: str
) -> None:
    path = shared_data / "police" / name
    facts = read_street(path)

    report = import_police_files(runtime.engine, [path]).to_dict()

    assert report["rows_read"] == facts.rows
    assert report["imported"] == facts.rows  # every published row is kept, repeats included
    assert report["rejected"] == 0 and report["errors"] == []
    assert report["no_location"] == facts.no_location
    assert report["no_lsoa"] == facts.no_lsoa
    assert [c["line"] for c in report["conflicts"]] == facts.conflict_lines
    with runtime.sessions() as session:
        by_type = dict(
            session.execute(
                select(StreetCrime.crime_type, func.count()).group_by(StreetCrime.crime_type)
            ).all()
        )
        distinct_lsoas = session.scalar(select(func.count(func.distinct(StreetCrime.lsoa_code))))
        forces = session.scalars(select(StreetCrime.falls_within).distinct()).all()
    assert by_type == dict(facts.by_type)
    assert distinct_lsoas == len(facts.by_lsoa)
    assert forces == [facts.force]


def test_derbyshire_repeated_crime_ids_are_kept_and_reported(
    runtime: Runtime, shared_data: Path
) -> None:
    files = [shared_data / "police" / n for n in STREET_FILES[:3]]
    report = import_police_files(runtime.engine, files)
    # The shared README's figures: 27, 37 and 31 extra rows with a repeated Crime ID.
    assert [len(f.conflicts) for f in report.files] == [27, 37, 31]
    conflict = report.files[0].conflicts[0]
    assert set(conflict) == {"file", "line", "crime_id", "first_line", "differs", "reason"}
    rows = read_rows(files[0])
    assert rows[conflict["line"] - 2][0] == conflict["crime_id"]
    assert rows[conflict["first_line"] - 2][0] == conflict["crime_id"]
    # 2018-12 has three repeats that differ only in their outcome.
    outcome_only = [
        c for c in report.files[2].conflicts if c["differs"] == ["last_outcome_category"]
    ]
    assert len(outcome_only) == 3


def test_reimport_adds_nothing_and_reports_the_same_conflicts(
    runtime: Runtime, shared_data: Path
) -> None:
    path = shared_data / "police" / "2018-11-derbyshire-street.csv"
    first = import_police_files(runtime.engine, [path]).to_dict()
    second = import_police_files(runtime.engine, [path]).to_dict()
    assert second["imported"] == 0
    assert second["updated"] == 0
    assert second["duplicates"] == first["rows_read"]
    assert len(second["conflicts"]) == len(first["conflicts"]) == 37
    assert _count(runtime, StreetCrime) == first["rows_read"]
    with runtime.sessions() as session:
        runs = session.scalars(select(ImportRun).order_by(ImportRun.id)).all()
    assert [r.imported for r in runs] == [first["rows_read"], 0]
    assert runs[0].sha256 == runs[1].sha256 and len(runs[0].sha256) == 64


def test_identical_anti_social_behaviour_rows_are_all_kept(
    runtime: Runtime, shared_data: Path
) -> None:
    path = shared_data / "police" / "2018-10-sussex-street.csv"
    rows = read_rows(path)
    asb = [tuple(r) for r in rows if r[9] == "Anti-social behaviour"]
    repeats = sum(n - 1 for n in Counter(asb).values())
    assert repeats > 0  # the real file has genuinely identical ASB rows
    import_police_files(runtime.engine, [path])
    assert _count(runtime, StreetCrime, StreetCrime.crime_type == "Anti-social behaviour") == len(
        asb
    )
    assert _count(runtime, StreetCrime, StreetCrime.occurrence > 0) == repeats


def test_overlapping_file_adds_only_what_is_new(
    runtime: Runtime, shared_data: Path, tmp_path: Path
) -> None:
    october = read_rows(shared_data / "police" / "2018-10-sussex-street.csv")
    november = read_rows(shared_data / "police" / "2018-11-sussex-street.csv")
    first = write_csv(tmp_path / "first.csv", STREET_HEADER, october)
    # A later download covering the end of October and all of November.
    overlap = write_csv(tmp_path / "overlap.csv", STREET_HEADER, october[6000:] + november)
    import_police_files(runtime.engine, [first])
    report = import_police_files(runtime.engine, [overlap]).to_dict()
    assert report["imported"] == len(november)
    assert report["duplicates"] == len(october) - 6000
    assert _count(runtime, StreetCrime) == len(october) + len(november)


def test_newer_publication_updates_outcomes_instead_of_adding_rows(
    runtime: Runtime, shared_data: Path, tmp_path: Path
) -> None:
    rows = read_rows(shared_data / "police" / "2018-10-sussex-street.csv")
    original = write_csv(tmp_path / "2018-10-sussex-street.csv", STREET_HEADER, rows)
    import_police_files(runtime.engine, [original])

    changed_ids = []
    republished = [list(r) for r in rows]
    for row in republished:
        if row[0] and row[10] == "Court result unavailable" and len(changed_ids) < 25:
            row[10] = "Offender sent to prison"
            changed_ids.append(row[0])
    newer = write_csv(tmp_path / "2018-10-sussex-street-newer.csv", STREET_HEADER, republished)
    report = import_police_files(runtime.engine, [newer]).to_dict()

    assert report["updated"] == len(changed_ids) == 25
    assert report["imported"] == 0
    assert report["duplicates"] == len(rows) - 25
    assert _count(runtime, StreetCrime) == len(rows)
    with runtime.sessions() as session:
        outcomes = session.scalars(
            select(StreetCrime.last_outcome_category).where(StreetCrime.crime_id.in_(changed_ids))
        ).all()
    assert outcomes == ["Offender sent to prison"] * 25


def test_careful_path_with_tiny_batches_and_memory_gives_the_same_result(
    runtime: Runtime, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forgetting keys between batches must not change numbering, counts or conflicts."""
    monkeypatch.setattr(police_import, "_RECENT_KEYS", 50)
    path = shared_data / "police" / "2018-12-derbyshire-street.csv"
    facts = read_street(path)
    first = import_police_files(runtime.engine, [path], batch_rows=100).to_dict()
    assert first["imported"] == facts.rows
    assert [c["line"] for c in first["conflicts"]] == facts.conflict_lines
    second = import_police_files(runtime.engine, [path], batch_rows=137).to_dict()
    assert (second["imported"], second["updated"]) == (0, 0)
    assert second["duplicates"] == facts.rows
    assert [c["line"] for c in second["conflicts"]] == facts.conflict_lines
    assert _count(runtime, StreetCrime) == facts.rows


BAD_STREET_ROWS = [
    # (row, expected reason fragment)
    (
        [
            "",
            "2018-13",
            "Sussex Police",
            "Sussex Police",
            "-0.1",
            "50.8",
            "On or near X",
            "E01031349",
            "Adur 001A",
            "Burglary",
            "",
            "",
        ],
        "Month '2018-13'",
    ),
    (
        [
            "",
            "2018-10",
            "Sussex Police",
            "Sussex Police",
            "-0.1",
            "50.8",
            "On or near X",
            "E01031349",
            "Adur 001A",
            "Fraud",
            "",
            "",
        ],
        "Crime type 'Fraud'",
    ),
    (
        [
            "",
            "2018-10",
            "Sussex Police",
            "Sussex Police",
            "abc",
            "50.8",
            "On or near X",
            "E01031349",
            "Adur 001A",
            "Burglary",
            "",
            "",
        ],
        "not numbers",
    ),
    (
        [
            "",
            "2018-10",
            "Sussex Police",
            "Sussex Police",
            "-0.1",
            "",
            "On or near X",
            "E01031349",
            "Adur 001A",
            "Burglary",
            "",
            "",
        ],
        "only one of Longitude and Latitude",
    ),
    (
        [
            "",
            "2018-10",
            "Sussex Police",
            "Sussex Police",
            "40.0",
            "50.8",
            "On or near X",
            "E01031349",
            "Adur 001A",
            "Burglary",
            "",
            "",
        ],
        "outside the United Kingdom",
    ),
    (
        [
            "",
            "2018-10",
            "Sussex Police",
            "Sussex Police",
            "-0.1",
            "50.8",
            "On or near X",
            "E0103134",
            "Adur 001A",
            "Burglary",
            "",
            "",
        ],
        "LSOA code 'E0103134'",
    ),
    (
        [
            "xyz",
            "2018-10",
            "Sussex Police",
            "Sussex Police",
            "-0.1",
            "50.8",
            "On or near X",
            "E01031349",
            "Adur 001A",
            "Burglary",
            "",
            "",
        ],
        "Crime ID 'xyz'",
    ),
    (["", "2018-10", "Sussex Police"], "expected 12 fields, found 3"),
]


def test_bad_rows_are_reported_with_file_line_and_reason_and_good_rows_kept(
    runtime: Runtime, tmp_path: Path
) -> None:
    good = [
        "",
        "2018-10",
        "Sussex Police",
        "Sussex Police",
        "-0.1",
        "50.8",
        "On or near X",
        "E01031349",
        "Adur 001A",
        "Burglary",
        "",
        "",
    ]
    no_location = [
        "a" * 64,
        "2018-10",
        "Sussex Police",
        "Sussex Police",
        "",
        "",
        "No Location",
        "",
        "",
        "Burglary",
        "Under investigation",
        "",
    ]
    rows = [good, *[row for row, _ in BAD_STREET_ROWS], no_location]
    path = write_csv(tmp_path / "mixed.csv", STREET_HEADER, rows)

    report = import_police_files(runtime.engine, [path]).to_dict()

    assert report["rows_read"] == len(rows)
    assert report["imported"] == 2
    assert report["rejected"] == len(BAD_STREET_ROWS)
    assert report["no_location"] == 1 and report["no_lsoa"] == 1
    assert report["rows_read"] == report["imported"] + report["rejected"]
    for error, (_row, reason), line in zip(
        report["errors"], BAD_STREET_ROWS, range(3, 3 + len(BAD_STREET_ROWS)), strict=True
    ):
        assert error["file"] == str(path)
        assert error["line"] == line
        assert reason in error["reason"]
    with runtime.sessions() as session:
        kept = session.scalars(select(StreetCrime).where(StreetCrime.lsoa_code.is_(None))).one()
    assert kept.location == "No Location" and kept.longitude is None


def test_unreadable_files_are_named_and_do_not_stop_the_others(
    runtime: Runtime, shared_data: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("Crime ID,Month,Reported by,Falls within,Longitude,Latitude\n")
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(
        (
            ",".join(STREET_HEADER) + "\n,2018-10,Sussex Police,Sussex Police,-0.1,50.8,"
            "On or near Caf\xe9,E01031349,Adur 001A,Burglary,,\n"
        ).encode("latin-1")
    )
    good = shared_data / "police" / "2018-10-derbyshire-street.csv"
    missing = tmp_path / "missing.csv"

    report = import_police_files(runtime.engine, [empty, wrong, latin1, good, missing])

    assert not report.ok
    reasons = {Path(e["file"]).name: e["reason"] for e in report.to_dict()["errors"]}
    assert "empty" in reasons["empty.csv"]
    assert "missing column(s)" in reasons["wrong.csv"] and "'Crime type'" in reasons["wrong.csv"]
    assert "not UTF-8" in reasons["latin1.csv"]
    assert reasons["missing.csv"] == "no such file"
    # Nothing from the unreadable files, everything from the good one.
    assert _count(runtime, StreetCrime) == read_street(good).rows
    assert _count(runtime, ImportRun) == 1


def _outcome_rows() -> list[list[str]]:
    base = [
        "Derbyshire Constabulary",
        "Derbyshire Constabulary",
        "-1.47",
        "52.92",
        "On or near Friar Gate",
        "E01013453",
        "Derby 013A",
    ]
    return [
        ["b" * 64, "2018-11", *base, "Investigation complete; no suspect identified"],
        ["b" * 64, "2018-11", *base, "Unable to prosecute suspect"],
        ["c" * 64, "2018-11", *base, "Offender given a caution"],
        ["c" * 64, "2018-11", *base, "Offender given a caution"],  # published twice: both kept
        [
            "d" * 64,
            "2018-11",
            "Derbyshire Constabulary",
            "Derbyshire Constabulary",
            "",
            "",
            "No Location",
            "",
            "",
            "Local resolution",
        ],
    ]


def test_outcomes_are_keyed_by_crime_month_and_outcome(runtime: Runtime, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "2018-11-derbyshire-outcomes.csv", OUTCOMES_HEADER, _outcome_rows())
    first = import_police_files(runtime.engine, [path]).to_dict()
    assert first["files"][0]["kind"] == "outcomes"
    assert (first["imported"], first["rejected"], first["no_location"]) == (5, 0, 1)
    again = import_police_files(runtime.engine, [path]).to_dict()
    assert (again["imported"], again["duplicates"]) == (0, 5)
    with runtime.sessions() as session:
        outcomes = session.scalars(
            select(CrimeOutcome.outcome_type).where(CrimeOutcome.crime_id == "b" * 64)
        ).all()
    assert sorted(outcomes) == [
        "Investigation complete; no suspect identified",
        "Unable to prosecute suspect",
    ]
    # A newer publication that moves the location updates the stored outcome row.
    moved = [list(r) for r in _outcome_rows()]
    moved[0][6] = "On or near Iron Gate"
    newer = write_csv(tmp_path / "newer.csv", OUTCOMES_HEADER, moved)
    third = import_police_files(runtime.engine, [newer]).to_dict()
    assert (third["imported"], third["updated"], third["duplicates"]) == (0, 1, 4)


def _stop_search_rows() -> list[list[str]]:
    return [
        [
            "Person search",
            "2018-10-01T00:10:00+00:00",
            "False",
            "",
            "52.92",
            "-1.47",
            "Male",
            "18-24",
            "White - English/Welsh/Scottish/Northern Irish/British",
            "White",
            "Misuse of Drugs Act 1971 (section 23)",
            "Controlled drugs",
            "A no further action disposal",
            "False",
            "False",
        ],
        [
            "Person search",
            "2018-10-01T00:10:00+00:00",
            "False",
            "",
            "52.92",
            "-1.47",
            "Male",
            "18-24",
            "White - English/Welsh/Scottish/Northern Irish/British",
            "White",
            "Misuse of Drugs Act 1971 (section 23)",
            "Controlled drugs",
            "A no further action disposal",
            "False",
            "False",
        ],  # two people searched together: identical published rows
        [
            "Vehicle search",
            "2018-10-02T14:30:00+01:00",
            "True",
            "Operation Test",
            "",
            "",
            "",
            "",
            "",
            "",
            "Police and Criminal Evidence Act 1984 (section 1)",
            "Stolen goods",
            "Arrest",
            "True",
            "",
        ],
        ["Person search", "not a date", "", "", "", "", "", "", "", "", "", "", "", "", ""],
        [
            "Person search",
            "2018-10-03T10:00:00+00:00",
            "",
            "",
            "",
            "",
            "Robot",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
    ]


def test_stop_and_search_force_comes_from_the_file_name(runtime: Runtime, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "2018-10-derbyshire-stop-and-search.csv", STOP_SEARCH_HEADER, _stop_search_rows()
    )
    report = import_police_files(runtime.engine, [path]).to_dict()
    assert report["files"][0]["kind"] == "stop-and-search"
    assert (report["imported"], report["rejected"], report["no_location"]) == (3, 2, 1)
    assert [e["line"] for e in report["errors"]] == [5, 6]
    assert "not an ISO 8601" in report["errors"][0]["reason"]
    assert "Gender 'Robot'" in report["errors"][1]["reason"]
    again = import_police_files(runtime.engine, [path]).to_dict()
    assert (again["imported"], again["duplicates"]) == (0, 3)
    with runtime.sessions() as session:
        searches = session.scalars(select(StopSearch).order_by(StopSearch.source_line)).all()
    assert {s.force for s in searches} == {"Derbyshire Constabulary"}
    vehicle = searches[2]
    assert vehicle.part_of_operation is True and vehicle.operation_name == "Operation Test"
    assert vehicle.occurred_at.replace(tzinfo=None).isoformat() == "2018-10-02T13:30:00"
    assert str(vehicle.month) == "2018-10-01"


def test_stop_and_search_without_a_force_is_refused_clearly(
    runtime: Runtime, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "searches.csv", STOP_SEARCH_HEADER, _stop_search_rows())
    report = import_police_files(runtime.engine, [path]).to_dict()
    assert "pass --force" in report["errors"][0]["reason"]
    ok = import_police_files(runtime.engine, [path], force="west-yorkshire").to_dict()
    assert ok["imported"] == 3
    with runtime.sessions() as session:
        assert session.scalars(select(StopSearch.force).distinct()).all() == [
            "West Yorkshire Police"
        ]


def test_cli_import_prints_the_json_summary_and_fails_on_unreadable_files(
    cli, shared_data: Path, tmp_path: Path
) -> None:
    good = shared_data / "police" / "2018-12-derbyshire-street.csv"
    result = cli("import", "police", str(good), "--json")
    summary = json.loads(result.stdout)
    assert set(summary) >= {
        "files",
        "rows_read",
        "imported",
        "updated",
        "duplicates",
        "conflicts",
        "rejected",
        "errors",
    }
    assert summary["imported"] == read_street(good).rows
    assert len(summary["conflicts"]) == 31

    failed = cli("import", "police", str(tmp_path / "nope.csv"), "--json", expect_exit=1)
    assert json.loads(failed.stdout)["errors"][0]["reason"] == "no such file"

    text = cli("import", "police", str(good))
    assert "2018-12-derbyshire-street.csv" in text.stdout or "street" in text.stdout


def test_memory_stays_flat_as_the_file_grows(
    runtime: Runtime, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Peak Python memory for a file four times larger stays about the same: batches and the
    recent-key cache are bounded (here shrunk so the bound is reached by small files)."""
    import tracemalloc

    monkeypatch.setattr(police_import, "_RECENT_KEYS", 2_000)
    rows = read_rows(shared_data / "police" / "2018-10-sussex-street.csv")

    def peak_for(copies: int, first_year: int) -> int:
        big: list[list[str]] = []
        for copy in range(copies):
            for row in rows[:5000]:
                shifted = list(row)
                shifted[1] = f"{first_year + copy}-{row[1][5:]}"
                big.append(shifted)
        path = write_csv(tmp_path / f"street-{copies}.csv", STREET_HEADER, big)
        del big
        tracemalloc.start()
        tracemalloc.reset_peak()
        import_police_files(runtime.engine, [path], batch_rows=1_000)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak

    small = peak_for(2, first_year=2000)
    large = peak_for(8, first_year=2100)  # distinct months: every row is new in both runs
    assert large < small * 1.5, (small, large)
