"""The block reader for street files gives exactly what the row path gives, whatever the file.

Each test imports a file twice into the same empty database: once as ``beacon import police``
does (block reader, falling back to the row path where it must), once with the block reader
switched off. Stored rows (keys, occurrences, values, lines), counts, errors and conflicts
must be identical.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, delete, inspect, select

from beacon.ingest import police_fast, police_import
from beacon.ingest.models import CrimeOutcome, ImportRun, StreetCrime
from beacon.ingest.police_formats import STREET as STREET_LAYOUT
from beacon.ingest.police_import import import_police_files
from beacon.runtime import Runtime

from .police_files import OUTCOMES_HEADER, STREET_HEADER, read_rows, write_csv

STREET: Table = StreetCrime.__table__  # type: ignore[assignment]
GOOD = [
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


class Paths:
    """Counts what each import did: fast batches, row-path blocks, rest-of-file hand-overs."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.fast = 0
        self.rest = 0
        records = police_fast.StreetReader._records
        text_after = police_import._text_after

        def counted_records(reader: Any, *args: Any) -> Any:
            self.fast += 1
            return records(reader, *args)

        def counted_rest(*args: Any) -> Any:
            self.rest += 1
            return text_after(*args)

        monkeypatch.setattr(police_fast.StreetReader, "_records", counted_records)
        monkeypatch.setattr(police_import, "_text_after", counted_rest)


def _stored(runtime: Runtime) -> list[tuple[Any, ...]]:
    """(record_key, occurrence, crime_id, month, ..., context, source_line) of every row."""
    names = ["record_key", "occurrence", *(c.name for c in STREET_LAYOUT.columns), "source_line"]
    columns = [STREET.c[name] for name in names]
    with runtime.engine.connect() as connection:
        rows = connection.execute(
            select(*columns).order_by(STREET.c.source_line, STREET.c.occurrence)
        ).all()
    return [(bytes(r[0]), *r[1:]) for r in rows]


def _report(report: dict[str, Any]) -> dict[str, Any]:
    for file in report["files"]:
        file.pop("seconds")
        file.pop("import_run_id")
    return report


def _both_ways(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, path: Path, batch_rows: int = 500
) -> tuple[dict[str, Any], list[tuple[Any, ...]], Paths]:
    """Import with the block reader, then (emptied) with the row path only; compare."""
    paths = Paths(monkeypatch)
    fast = _report(import_police_files(runtime.engine, [path], batch_rows=batch_rows).to_dict())
    fast_rows = _stored(runtime)
    with runtime.engine.begin() as connection:
        connection.execute(delete(STREET))
        connection.execute(delete(ImportRun.__table__))  # type: ignore[arg-type]
    with monkeypatch.context() as patch:
        patch.setattr(police_import, "plain_street_header", lambda _line: None)
        slow = _report(import_police_files(runtime.engine, [path], batch_rows=batch_rows).to_dict())
    assert fast == slow
    assert fast_rows == _stored(runtime)
    return fast, fast_rows, paths


@pytest.mark.parametrize("name", ["2018-10-derbyshire-street.csv", "2018-11-sussex-street.csv"])
def test_real_files_take_the_block_reader_and_match_the_row_path(
    runtime: Runtime, shared_data: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    report, rows, paths = _both_ways(runtime, monkeypatch, shared_data / "police" / name)
    assert paths.fast > 10 and paths.rest == 0
    assert report["imported"] == len(rows) == report["rows_read"]
    # Identical anti-social behaviour rows and repeated Crime IDs are numbered alike.
    assert any(r[1] > 0 for r in rows)


def test_bad_rows_are_read_by_the_row_path_with_their_own_lines(
    runtime: Runtime, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = read_rows(shared_data / "police" / "2018-10-sussex-street.csv")[:3000]
    odd = {
        400: [*GOOD[:1], "2018-13", *GOOD[2:]],  # not a month
        900: GOOD[:5],  # too few fields
        1500: [*GOOD[:4], "1_0", "50.8", *GOOD[6:]],  # Python reads 1_0 as 10: outside the UK
        1501: [*GOOD[:4], "nan", "50.8", *GOOD[6:]],
        1502: [*GOOD[:4], " -0.1", "50.8", *GOOD[6:]],  # float() allows spaces; kept
        2000: ["ab" * 8 + "zz" * 24, *GOOD[1:]],  # hex where the key is taken from: kept
        2001: ["zz" * 32, *GOOD[1:]],
        2500: [*GOOD[:9], "Fraud", *GOOD[10:]],
    }
    mixed = [odd.get(i, row) for i, row in enumerate(rows)]
    path = write_csv(tmp_path / "mixed.csv", STREET_HEADER, mixed)

    report, stored, paths = _both_ways(runtime, monkeypatch, path)

    assert paths.fast >= 3 and paths.rest == 0
    assert [e["line"] for e in report["errors"]] == [402, 902, 1502, 1503, 2003, 2502]
    kept = {r[-1] for r in stored}
    assert {1504, 2002} <= kept


def test_quotes_blank_lines_and_odd_bytes_fall_back_without_changing_anything(
    runtime: Runtime, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = read_rows(shared_data / "police" / "2018-12-derbyshire-street.csv")[:4000]
    lines = [",".join(STREET_HEADER)] + [",".join(r) for r in rows]
    lines[300] = ",".join([*GOOD[:6], '"On or near ""The Street"", Lewes"', *GOOD[7:]])
    lines[301] = ",".join([*GOOD[:6], '"On or near "X"', *GOOD[7:]])
    lines[1200] = ""  # blank line
    lines[2000] = ",".join([*GOOD[:6], "On or near\rX", *GOOD[7:]])  # lone carriage return
    lines[2500] = ",".join([*GOOD[:6], '"On or near\nTwo lines"', *GOOD[7:]])
    if runtime.engine.dialect.name == "sqlite":  # PostgreSQL text cannot hold NUL at all
        lines[3000] = ",".join([*GOOD[:6], "On or near \x00", *GOOD[7:]])
    path = tmp_path / "odd.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")

    report, stored, paths = _both_ways(runtime, monkeypatch, path)

    assert paths.fast >= 3 and paths.rest == 1
    assert report["rows_read"] == len(stored) + report["rejected"]
    assert any(r[8] == 'On or near "The Street", Lewes' for r in stored)


def test_a_field_longer_than_csv_allows_is_rejected_as_before(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [GOOD] * 50 + [[*GOOD[:6], "x" * (csv.field_size_limit() + 1), *GOOD[7:]]] + [GOOD]
    path = write_csv(tmp_path / "long.csv", STREET_HEADER, rows)
    report, stored, _paths = _both_ways(runtime, monkeypatch, path)
    assert [e["line"] for e in report["errors"]] == [52]
    assert len(stored) == 51


def test_force_names_with_quotes_are_stored_exactly(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    force = "O'Neill's Police; DROP TABLE x --"
    rows = [
        [f"{i:064x}", "2018-10", force, force, *GOOD[4:9], "Burglary", "", ""] for i in range(300)
    ]
    path = write_csv(tmp_path / "quote.csv", STREET_HEADER, rows)
    _, stored, paths = _both_ways(runtime, monkeypatch, path)
    assert paths.fast >= 1
    assert {(r[4], r[5]) for r in stored} == {(force, force)}


def test_a_file_read_by_one_path_is_all_duplicates_for_the_other(
    runtime: Runtime, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = shared_data / "police" / "2018-11-derbyshire-street.csv"
    with monkeypatch.context() as patch:
        patch.setattr(police_import, "plain_street_header", lambda _line: None)
        first = import_police_files(runtime.engine, [path]).to_dict()
    again = import_police_files(runtime.engine, [path], batch_rows=700).to_dict()
    assert (again["imported"], again["updated"]) == (0, 0)
    assert again["duplicates"] == first["imported"]
    assert len(again["conflicts"]) == len(first["conflicts"]) == 37


def test_indexes_dropped_for_a_bulk_load_are_back_after_it_or_after_a_failure(
    runtime: Runtime, tmp_path: Path
) -> None:
    def outcome_indexes() -> set[str]:
        names = inspect(runtime.engine).get_indexes(CrimeOutcome.__tablename__)
        return {i["name"] for i in names if i["name"]}

    before = outcome_indexes()
    assert "ix_police_outcome_force_month" in before
    base = ["Derbyshire Constabulary", "Derbyshire Constabulary", "-1.47", "52.92", "X"]
    rows = [
        [f"{i:064x}", "2018-11", *base, "E01013453", "Derby 013A", "Local resolution"]
        for i in range(2000)
    ]
    path = write_csv(tmp_path / "2018-11-derbyshire-outcomes.csv", OUTCOMES_HEADER, rows)

    def fail(_index: int, done: int, total: int) -> None:
        if done < total:
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        import_police_files(runtime.engine, [path], batch_rows=500, progress=fail)
    assert outcome_indexes() == before
    report = import_police_files(runtime.engine, [path], batch_rows=500).to_dict()
    assert report["imported"] == 2000
    assert outcome_indexes() == before
