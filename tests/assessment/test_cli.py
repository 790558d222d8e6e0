"""`beacon assess` as a whole process on the shared reference database: the PDF, annex and
manifest of Derby's strategic assessment, its reproduction from the manifest, the shared HTML
version, and bad input (exit 2, one line naming the fix, no file written)."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from beacon.config import Settings

from .conftest import PERIOD

DERBY_CODE = "E06000015"
SECTIONS = (
    "Executive summary",
    "Data and method",
    "Current picture per theme",
    "Emerging risks",
    "Communities of focus",
    "Partnership capacity and capability",
    "Prioritisation matrix",
    "Recommended priorities and themes",
    "Horizon scan",
    "Appendix",
)


def assess(settings: Settings, *args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "BEACON_DATABASE_URL": settings.database_url,
        "BEACON_DATA_DIR": str(settings.data_dir),
    }
    return subprocess.run(
        [sys.executable, "-m", "beacon", "assess", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )


@dataclass(frozen=True)
class Run:
    folder: Path
    result: subprocess.CompletedProcess[str]

    @property
    def summary(self) -> dict[str, Any]:
        assert self.result.returncode == 0, self.result.stderr[-3000:]
        data = json.loads(self.result.stdout)
        assert isinstance(data, dict)
        return data

    def manifest(self, name: str) -> dict[str, Any]:
        data = json.loads((self.folder / name).read_text(encoding="utf-8"))
        assert isinstance(data, dict)
        return data


@pytest.fixture(scope="module")
def strategic(snapshot_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Derby's strategic assessment, 2018-10 to 2018-12, as PDF with an XLSX annex."""
    folder = tmp_path_factory.mktemp("assess-strategic")
    result = assess(
        snapshot_settings,
        "--lad",
        DERBY_CODE,
        "--from",
        PERIOD[0],
        "--to",
        PERIOD[1],
        "--out",
        folder / "x.pdf",
        "--annex",
        folder / "a.xlsx",
        "--json",
    )
    return Run(folder, result)


@pytest.fixture(scope="module")
def reproduced(
    snapshot_settings: Settings, strategic: Run, tmp_path_factory: pytest.TempPathFactory
) -> Run:
    folder = tmp_path_factory.mktemp("assess-reproduced")
    assert strategic.summary["run_key"]  # the first run worked
    result = assess(
        snapshot_settings,
        "--manifest",
        strategic.folder / "x.manifest.json",
        "--out",
        folder / "y.html",
    )
    return Run(folder, result)


def true_total(settings: Settings) -> int:
    from beacon.analytics.selection import area_choice
    from beacon.analytics.service import analysis, run_counts

    with analysis(settings) as context:
        result = run_counts(
            context, source="crime", choice=area_choice(lad=DERBY_CODE), asked=PERIOD, by=""
        )
    assert len(result.rows) == 1
    return int(result.rows[0]["count"])


def pdf_text(path: Path) -> str:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def test_strategic_pdf_has_every_section_and_the_true_total(
    strategic: Run, snapshot_settings: Settings
) -> None:
    summary = strategic.summary
    text = pdf_text(strategic.folder / "x.pdf")
    flat = re.sub(r"\s+", " ", text)
    for heading in SECTIONS:
        assert heading in flat, heading
    total = true_total(snapshot_settings)
    assert total > 1000  # Derby has thousands of crimes a quarter: the count is real
    assert f"{total:,}" in flat
    assert summary["total_crimes"] == total
    assert summary["scope"] == f"lad:{DERBY_CODE}"
    assert summary["period"] == {"from": PERIOD[0], "to": PERIOD[1]}
    assert "Derby" in flat


def test_annex_and_manifest_are_written(strategic: Run, snapshot_settings: Settings) -> None:
    from beacon.analytics.snapshot import open_snapshot
    from beacon.assessment.manifest import figures_sha256

    summary = strategic.summary
    book = load_workbook(strategic.folder / "a.xlsx", read_only=True)
    assert book.sheetnames[0] == "About"
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True) if row[0]}
    assert about["Run"] == summary["run_key"]
    assert about["Snapshot"] == summary["snapshot"]
    assert len(book.sheetnames) > 5  # a sheet per table
    manifest = strategic.manifest("x.manifest.json")
    assert manifest["run_key"] == summary["run_key"]
    assert manifest["snapshot"]["id"] == open_snapshot(snapshot_settings).id
    assert manifest["figures"]["total.count"] == summary["total_crimes"]
    assert manifest["figures_sha256"] == figures_sha256(manifest["figures"])
    assert summary["priorities"] == manifest["priorities"]
    assert summary["files"] == {
        "document": str(strategic.folder / "x.pdf"),
        "annex": str(strategic.folder / "a.xlsx"),
        "manifest": str(strategic.folder / "x.manifest.json"),
    }
    # Only the three files: no temporary file is left beside them.
    assert sorted(p.name for p in strategic.folder.iterdir()) == [
        "a.xlsx",
        "x.manifest.json",
        "x.pdf",
    ]


def test_the_run_is_stored_in_the_database(strategic: Run, snapshot_settings: Settings) -> None:
    from beacon.assessment.service import document_of, run_by_key
    from beacon.runtime import open_runtime

    summary = strategic.summary
    runtime = open_runtime(snapshot_settings, migrate=False)
    try:
        with runtime.sessions() as session:
            run = run_by_key(session, summary["run_key"])
            assert run is not None
            assert run.created_by == "command line"
            assert run.assessment_id is None
            assert (run.kind, run.scope) == ("strategic", f"lad:{DERBY_CODE}")
            assert (run.period_from, run.period_to) == PERIOD
            assert run.figures_sha256 == summary["figures_sha256"]
            assert document_of(run).figures["total.count"] == summary["total_crimes"]
    finally:
        runtime.close()


def test_reproduction_from_the_manifest_gives_identical_figures(
    reproduced: Run, strategic: Run
) -> None:
    assert reproduced.result.returncode == 0, reproduced.result.stderr[-3000:]
    first = strategic.manifest("x.manifest.json")
    again = reproduced.manifest("y.manifest.json")  # the default: --out's .manifest.json
    assert f"figures identical to the manifest (sha256 {first['figures_sha256']})" in (
        reproduced.result.stdout
    )
    assert again["figures_sha256"] == first["figures_sha256"]
    assert again["figures"] == first["figures"]
    assert again["spec"] == first["spec"]
    assert again["snapshot"]["id"] == first["snapshot"]["id"]
    assert again["run_key"] != first["run_key"]  # a new run, stored as such


def test_figures_that_do_not_match_the_manifest_exit_1_and_are_listed(
    strategic: Run, snapshot_settings: Settings, tmp_path: Path
) -> None:
    """A manifest whose recorded total is not what its snapshot gives (edited here) is not
    reproduced: exit 1, naming the figure, its recorded and its computed value."""
    from beacon.assessment.manifest import figures_sha256

    manifest = strategic.manifest("x.manifest.json")
    true = manifest["figures"]["total.count"]
    manifest["figures"]["total.count"] = true + 1
    manifest["figures_sha256"] = figures_sha256(manifest["figures"])
    edited = tmp_path / "edited.manifest.json"
    edited.write_text(json.dumps(manifest), encoding="utf-8")
    result = assess(
        snapshot_settings,
        "--manifest",
        edited,
        "--out",
        tmp_path / "again.html",
        "--json",
    )
    assert result.returncode == 1, result.stderr[-3000:]
    summary = json.loads(result.stdout)
    assert summary["reproduced"] is False
    assert summary["differences"] == [
        {
            "what": "figure: total.count",
            "before": str(true + 1),
            "after": str(true),
            "why": "no input differs: investigate (a change in a library's numbers?)",
        }
    ]


def test_html_is_self_contained(reproduced: Run) -> None:
    assert reproduced.result.returncode == 0, reproduced.result.stderr[-3000:]
    html = (reproduced.folder / "y.html").read_text(encoding="utf-8")
    assert "Current picture per theme" in html
    assert not re.search(r"""src\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert not re.search(r"<link[^>]+href\s*=\s*[\"']?\s*(https?:)?//", html, re.IGNORECASE)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", html, re.IGNORECASE)
    assert html.count('src="data:image/png;base64,') >= 3  # charts and maps embedded


def test_shared_html_with_csv_annex_and_what_changed(
    strategic: Run, snapshot_settings: Settings, tmp_path: Path
) -> None:
    assert strategic.summary["run_key"]  # the first run worked
    result = assess(
        snapshot_settings,
        "--lad",
        DERBY_CODE,
        "--from",
        PERIOD[0],
        "--to",
        PERIOD[1],
        "--theme",
        "asb",
        "--theme",
        "violence,drugs",
        "--shared",
        "--out",
        tmp_path / "sia.html",
        "--annex",
        tmp_path / "sia.zip",
        "--manifest-out",
        tmp_path / "run.json",
        "--compare",
        strategic.folder / "x.manifest.json",
        "--json",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout)
    assert summary["audience"] == "shared"
    manifest = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert manifest["spec"]["themes"] == ["asb", "violence", "drugs"]
    assert manifest["spec"]["audience"] == "shared"
    html = (tmp_path / "sia.html").read_text(encoding="utf-8")
    assert not re.search(r"""src\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    with zipfile.ZipFile(tmp_path / "sia.zip") as archive:
        names = archive.namelist()
        assert "index.csv" in names and len(names) > 5
        first = archive.read(names[0]).decode("utf-8-sig")
        assert "shared" in first  # the provenance names the audience
    changes = {row["what"]: row for row in summary["changes"]}
    assert changes["request: audience"]["before"] == "analysts"
    assert changes["request: audience"]["after"] == "shared"
    assert "request: themes" in changes
    assert not any(k.startswith("snapshot") for k in changes)  # same data


def _nothing_written(folder: Path) -> None:
    assert list(folder.iterdir()) == []


def test_a_period_outside_the_data_exits_2_naming_the_months_and_the_import(
    snapshot_settings: Settings, tmp_path: Path
) -> None:
    result = assess(
        snapshot_settings,
        "--lad",
        DERBY_CODE,
        "--from",
        "2017-01",
        "--to",
        "2017-03",
        "--out",
        tmp_path / "x.pdf",
        "--annex",
        tmp_path / "a.xlsx",
    )
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    for month in ("2017-01", "2017-02", "2017-03"):
        assert month in result.stderr
    assert "beacon import police" in result.stderr
    _nothing_written(tmp_path)


def test_an_unknown_district_exits_2(snapshot_settings: Settings, tmp_path: Path) -> None:
    result = assess(
        snapshot_settings,
        "--lad",
        "E06000999",
        "--from",
        PERIOD[0],
        "--to",
        PERIOD[1],
        "--out",
        tmp_path / "x.pdf",
    )
    assert result.returncode == 2, result.stderr
    assert "error: --lad: unknown district code E06000999" in result.stderr
    assert "lookup" in result.stderr  # says what to load
    _nothing_written(tmp_path)


def test_the_products_scope_errors_name_the_area_option_given(
    snapshot_settings: Settings, tmp_path: Path
) -> None:
    """The products' checks name the web form's ``--scope``; the command names its option."""
    area = ("--lad", DERBY_CODE, "--from", PERIOD[0], "--to", PERIOD[1])
    result = assess(
        snapshot_settings, *area, "--kind", "neighbourhood", "--out", tmp_path / "n.html"
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: --lad: ")
    assert "--scope" not in result.stderr
    assert "ward" in result.stderr  # a neighbourhood profile is of a ward or an LSOA
    _nothing_written(tmp_path)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--lad", DERBY_CODE, "--lsoa", "E01013482", "--from", "2018-10", "--to", "2018-12"],
            "give exactly one of --lad, --force, --ward or --lsoa",
        ),
        (["--from", "2018-10", "--to", "2018-12"], "give exactly one of --lad"),
        (["--lad", DERBY_CODE, "--from", "2018-12", "--to", "2018-10"], "--from: the first"),
        (["--lad", DERBY_CODE, "--from", "2018-13", "--to", "2018-12"], "--from: '2018-13'"),
        (["--lad", DERBY_CODE, "--from", "2018-10"], "--to: give the last month"),
        (
            ["--lad", DERBY_CODE, "--from", "2018-10", "--to", "2018-12", "--kind", "problem"],
            "--theme: a problem profile is about exactly one theme",
        ),
        (
            ["--lad", DERBY_CODE, "--from", "2018-10", "--to", "2018-12", "--incident", "x"],
            "--incident: only for --kind community_impact",
        ),
        (
            ["--force", "derbyshire", "--from", "2018-10", "--to", "2018-12", "--link-force"],
            "--link-force: only a district's",
        ),
        (
            ["--lad", DERBY_CODE, "--from", "2018-10", "--to", "2018-12", "--kind", "weekly"],
            "--kind: 'weekly' is not a kind",
        ),
        (["--manifest", "m.json", "--lad", DERBY_CODE], "--lad: the request comes from"),
        (["--manifest", "missing.json"], "--manifest: missing.json: cannot read it"),
    ],
)
def test_bad_options_exit_2_before_computing(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from beacon.cli import app

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        app, ["assess", *args, "--out", "x.pdf"], prog_name="beacon", catch_exceptions=False
    )
    assert result.exit_code == 2, result.output
    assert f"error: {message}" in result.output
    _nothing_written(tmp_path)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "x.docx"], "--out: 'x.docx' must end in .pdf or .html"),
        (["--out", "x.pdf", "--annex", "a.csv"], "--annex: 'a.csv' must end in .xlsx or .zip"),
        (["--out", "nowhere/x.pdf"], "--out: the folder nowhere does not exist"),
        (["--out", "x.pdf", "--manifest-out", "x.pdf"], "--manifest-out: x.pdf is also --out"),
    ],
)
def test_bad_file_names_exit_2(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from beacon.cli import app

    monkeypatch.chdir(tmp_path)
    area = ["--lad", DERBY_CODE, "--from", "2018-10", "--to", "2018-12"]
    result = CliRunner().invoke(app, ["assess", *area, *args], prog_name="beacon")
    assert result.exit_code == 2, result.output
    assert f"error: {message}" in result.output
    _nothing_written(tmp_path)


def test_files_are_moved_into_place_only_when_everything_worked(tmp_path: Path) -> None:
    from beacon.assessment.cli import _write_all

    (tmp_path / "old.pdf").write_bytes(b"the previous document")

    def refuse() -> None:
        raise RuntimeError("storing the run failed")

    contents = [(tmp_path / "old.pdf", b"new"), (tmp_path / "a.xlsx", b"annex")]
    with pytest.raises(RuntimeError):
        _write_all(contents, refuse)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.pdf"]
    assert (tmp_path / "old.pdf").read_bytes() == b"the previous document"
    stored: list[str] = []
    _write_all(contents, lambda: stored.append("stored"))
    assert stored == ["stored"]
    assert (tmp_path / "old.pdf").read_bytes() == b"new"
    assert (tmp_path / "a.xlsx").read_bytes() == b"annex"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx", "old.pdf"]
