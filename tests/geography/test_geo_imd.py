"""IMD 2019 import."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beacon.geography.models import Deprivation
from beacon.geography.service import IMD_DOMAINS, ImportFileError, import_imd, import_lookup

from .conftest import write_csv

COLUMNS = [
    "lsoa_code",
    *(f"{d}_decile" for d in IMD_DOMAINS),
    *(f"{d}_rank" for d in IMD_DOMAINS),
]


def _stored(db: Session, code: str) -> dict[str, tuple[int, int]]:
    rows = db.execute(
        select(Deprivation.domain, Deprivation.rank, Deprivation.decile).where(
            Deprivation.edition == "IMD2019", Deprivation.lsoa_code == code
        )
    ).all()
    return {domain: (rank, decile) for domain, rank, decile in rows}


def test_full_imd_import(
    db: Session, imd_csv: Path, imd_rows: dict[str, dict[str, str]], lookup_csv: Path
) -> None:
    import_lookup(db, lookup_csv)
    summary = import_imd(db, imd_csv)

    assert summary.rows_read == len(imd_rows) == 32_844
    assert summary.inserted == 32_844 * 8
    assert summary.rejected == 0
    assert summary.details["domains"] == list(IMD_DOMAINS)
    # The lookup covers England and Wales 2011 LSOAs, so every English LSOA matches.
    assert summary.details["lsoas_not_in_areas"] == 0
    total = db.execute(select(func.count()).select_from(Deprivation)).scalar_one()
    assert total == 32_844 * 8

    most_deprived = min(imd_rows.values(), key=lambda r: int(r["IMD_rank"]))
    for code in ("E01000001", "E01013453", "E01013479", most_deprived["lsoa_code"]):
        row = imd_rows[code]
        assert _stored(db, code) == {
            domain: (int(row[f"{domain}_rank"]), int(row[f"{domain}_decile"]))
            for domain in IMD_DOMAINS
        }
    assert _stored(db, most_deprived["lsoa_code"])["IMD"] == (1, 1)

    again = import_imd(db, imd_csv)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 32_844 * 8)


def test_imd_bad_rows(db: Session, tmp_path: Path) -> None:
    good = ["E01000001", *["5"] * 8, *["100"] * 8]

    def variant(**changes: str) -> list[str]:
        row = list(good)
        for column, value in changes.items():
            row[COLUMNS.index(column)] = value
        return row

    path = write_csv(
        tmp_path / "imd_bad.csv",
        COLUMNS,
        [
            good,  # line 2
            variant(lsoa_code="E01000002", IMD_rank="0"),  # 3
            variant(lsoa_code="E01000003", Income_rank="32845"),  # 4
            variant(lsoa_code="E01000004", Crime_decile="11"),  # 5
            variant(lsoa_code="E01000005", Health_rank="12.5"),  # 6
            variant(lsoa_code="E0100000"),  # 7
            good,  # 8: duplicate
            variant(lsoa_code="E01000009", Environment_decile=""),  # 9
            variant(lsoa_code="e01000010"),  # 10: lower case is accepted
        ],
    )
    summary = import_imd(db, path, batch_rows=16)  # two LSOAs per batch
    reasons = {e.line: e.reason for e in summary.errors}
    assert reasons == {
        3: "IMD_rank is 0, outside 1..32844",
        4: "Income_rank is 32845, outside 1..32844",
        5: "Crime_decile is 11, outside 1..10",
        6: "Health_rank is '12.5', not a whole number",
        7: "'E0100000' is not a valid LSOA code (expected E01 or W01 and 6 digits, e.g. E01013453)",
        8: "LSOA E01000001 appears again (first on line 2)",
        9: "Environment_decile is empty, not a whole number",
    }
    assert (summary.inserted, summary.rejected) == (16, 7)
    assert summary.details["lsoas_not_in_areas"] == 2
    assert _stored(db, "E01000010")["IMD"] == (100, 5)


def test_imd_updates_changed_ranks(db: Session, tmp_path: Path) -> None:
    row = ["E01000001", *["5"] * 8, *["100"] * 8]
    import_imd(db, write_csv(tmp_path / "v1.csv", COLUMNS, [row]))
    row[COLUMNS.index("Crime_rank")] = "200"
    summary = import_imd(db, write_csv(tmp_path / "v2.csv", COLUMNS, [row]))
    assert (summary.inserted, summary.updated, summary.unchanged) == (0, 1, 7)
    assert _stored(db, "E01000001")["Crime"] == (200, 5)


def test_imd_only_the_overall_index_is_required(db: Session, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "imd_only.csv",
        ["lsoa_code", "IMD_rank", "IMD_decile"],
        [["E01000001", "7", "1"]],
    )
    summary = import_imd(db, path)
    assert summary.details["domains"] == ["IMD"]
    assert summary.inserted == 1


def test_imd_header_errors(db: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "imd_half.csv", ["lsoa_code", "IMD_rank", "Income_decile"], [])
    with pytest.raises(ImportFileError) as caught:
        import_imd(db, path)
    assert str(path) in str(caught.value)
    assert "missing column(s) IMD_decile, Income_rank" in str(caught.value)
