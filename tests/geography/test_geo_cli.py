"""The geography commands through the CLI: JSON shapes, text output, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .conftest import DERBY, NSPL_SAMPLE, write_csv

SUMMARY_KEYS = {
    "kind",
    "file",
    "source_name",
    "rows_read",
    "inserted",
    "updated",
    "unchanged",
    "rejected",
    "errors",
    "errors_truncated",
    "vintages",
    "details",
}
AREA_KEYS = {"level", "code", "name", "vintage"}


def _json(result: Any) -> Any:
    return json.loads(result.stdout)


def test_import_commands_print_json_summaries(
    cli: Any, geo_dir: Path, shared_lookup: Path, force_lookup: Path, derby_imd: Path
) -> None:
    out = _json(cli("import", "lookup", str(shared_lookup), "--json"))
    assert set(out) == {"kind", "files", "failed", "totals"}
    assert out["kind"] == "lookup" and out["failed"] == []
    assert len(out["files"]) == 1 and set(out["files"][0]) == SUMMARY_KEYS
    assert out["files"][0]["vintages"] == {"lsoa": "2011", "ward": "2019", "district": "2019"}
    assert out["totals"]["inserted"] == out["files"][0]["inserted"] > 0

    out = _json(cli("import", "force-lookup", str(force_lookup), "--json"))
    assert out["totals"]["inserted"] == 2

    lsoa_files = [str(geo_dir / "lsoa11" / f"{d}.geojson") for d in (DERBY, "E07000032")]
    out = _json(cli("import", "boundaries", *lsoa_files, "--level", "lsoa", "--json"))
    assert [f["file"] for f in out["files"]] == lsoa_files
    assert out["files"][0]["inserted"] == 151
    out = _json(
        cli(
            "import",
            "boundaries",
            str(geo_dir / "ward" / f"{DERBY}.geojson"),
            "--level",
            "ward",
            "--json",
        )
    )
    assert out["files"][0]["vintages"]["ward"] == "2025"

    out = _json(cli("import", "imd", str(derby_imd), "--json"))
    assert out["files"][0]["details"]["edition"] == "IMD2019"
    out = _json(cli("import", "postcodes", str(NSPL_SAMPLE), "--json"))
    assert out["totals"] == {
        "rows_read": 8,
        "inserted": 8,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }

    located = _json(cli("geo", "locate", "--lat", "52.921656", "--lon", "-1.476346", "--json"))
    assert set(located) == {
        "latitude",
        "longitude",
        "lsoa",
        "ward",
        "boundary_ward",
        "district",
        "force",
        "deprivation",
    }
    for key in ("lsoa", "ward", "boundary_ward", "district", "force"):
        assert set(located[key]) == AREA_KEYS
    assert located["lsoa"]["code"] == "E01013479"
    assert located["ward"]["vintage"] == "2019" and located["boundary_ward"]["vintage"] == "2025"
    assert located["force"] == {
        "level": "force",
        "code": "E23000018",
        "name": "Derbyshire",
        "vintage": "2021",
    }
    assert set(located["deprivation"]) == {"edition", "rank", "decile", "domains"}

    postcode = _json(cli("geo", "postcode", "de11an", "--json"))
    assert postcode["postcode"] == "DE1 1AN"
    assert postcode["location"] == located
    assert postcode["lsoa"] == located["lsoa"]
    assert postcode["notes"] == []

    text = cli("geo", "locate", "--lat", "52.921656", "--lon", "-1.476346").stdout
    assert "E01013479" in text and "Derby 013F" in text and "Arboretum" in text
    assert "IMD2019" in text and "decile" in text
    text = cli("geo", "postcode", "DE1 1AN").stdout
    assert "DE1 1AN" in text and "Derbyshire" in text

    status = _json(cli("geo", "status", "--json"))
    assert status["postcodes"] == 8
    assert status["boundaries"]["lsoa"]["2011"] == 151 + len(
        json.loads((geo_dir / "lsoa11" / "E07000032.geojson").read_text())["features"]
    )


def test_cli_errors_and_exit_codes(cli: Any, tmp_path: Path, geo_dir: Path) -> None:
    result = cli("geo", "locate", "--lat", "52.92", "--lon", "-1.476", "--json", expect_exit=1)
    assert "no boundaries loaded: run `beacon import boundaries" in result.stderr
    result = cli("geo", "postcode", "DE1 1AN", expect_exit=1)
    assert "no postcodes loaded" in result.stderr
    result = cli("geo", "postcode", "DE1 1A", expect_exit=2)
    assert "the inward part must be a digit and two letters" in result.stderr

    cli("import", "boundaries", str(geo_dir / "lsoa11" / f"{DERBY}.geojson"), "--level", "lsoa")
    result = cli("geo", "locate", "--lat", "50.6", "--lon", "-0.5", expect_exit=1)
    assert "no loaded boundary contains latitude 50.600000" in result.stderr

    bad = write_csv(tmp_path / "bad_header.csv", ["LSOA11CD", "LSOA11NM"], [])
    good_but_missing = tmp_path / "missing.csv"
    result = cli("import", "lookup", str(bad), str(good_but_missing), "--json", expect_exit=1)
    out = _json(result)
    assert [f["file"] for f in out["failed"]] == [str(bad), str(good_but_missing)]
    assert "missing column(s) WDxxCD, WDxxNM, LADxxCD, LADxxNM" in out["failed"][0]["error"]
    assert str(bad) in result.stderr and "no such file" in result.stderr

    result = cli("import", "boundaries", str(bad), "--level", "county", expect_exit=2)


def test_text_summary_lists_rejected_rows(cli: Any, tmp_path: Path) -> None:
    write: Callable[..., Path] = write_csv
    path = write(
        tmp_path / "lookup.csv",
        ["LSOA11CD", "LSOA11NM", "WD19CD", "WD19NM", "LAD19CD", "LAD19NM"],
        [
            ["E01013453", "Derby 013A", "E05001767", "Abbey", DERBY, "Derby"],
            ["E0101345", "Derby 013B", "E05001767", "Abbey", DERBY, "Derby"],
        ],
    )
    text = cli("import", "lookup", str(path)).stdout
    assert f"{path}: 2 rows read; 3 inserted, 0 updated, 0 unchanged, 1 rejected" in text
    assert "line 3: 'E0101345' is not a valid LSOA code" in text
