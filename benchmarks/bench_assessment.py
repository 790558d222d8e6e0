"""Figures: the whole `beacon assess` command (compute, PDF, data annex, manifest, stored run)
for a district-quarter and a force-year, beside a plain analytics command on the same data.

Goals (issue 10): a district-quarter in at most 10 s, a force-year in at most 60 s, each with
its PDF.

Set-up (not timed), in temporary folders:

* district-quarter: a database loaded as the tests load the shared reference data (the ONS
  lookup, 22 districts' LSOA boundaries, IMD 2019, census population, Sussex and Derbyshire
  street crime 2018-10..12), and its snapshot. Timed, best of 2, each a process:
  ``beacon assess --lad E06000015 --from 2018-10 --to 2018-12 --out x.pdf --annex a.xlsx``
  (Derby, 151 LSOAs);
* force-year: ``beacon demo load`` (West Yorkshire, about 1,400 LSOAs, street crime 2016-07 to
  2018-07), then from the shared data IMD 2019 and the ONS LSOA -> ward -> district lookup
  (the demo has neither; the communities of focus rank wards and their deprivation), 10,000
  graded intelligence reports received across the force in the assessed year and 8,500 in the
  year before (``intelligence_data.py``: the demo holds only a handful), and a fresh snapshot.
  The intelligence and street crime (anti-social behaviour included) counted for the force
  and year, and the snapshot's totals, are printed with the figures. Timed, best of
  ``--force-runs`` (default 1): ``beacon assess --force west-yorkshire --from 2017-08 --to
  2018-07 --out x.pdf --annex a.xlsx``;
* the anchor, in the same run: ``beacon analyse counts ... --by crime-type --json`` for the
  same area and period (a plain analytics command: process start, snapshot, one query).

    python benchmarks/bench_assessment.py [--json] [--force-runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from beacon.config import Settings

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(HERE))

DISTRICT = ("--lad", "E06000015", "--from", "2018-10", "--to", "2018-12")
FORCE = ("--force", "west-yorkshire", "--from", "2017-08", "--to", "2018-07")


def environment(folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "BEACON_DATABASE_URL": f"sqlite:///{folder / 'beacon.db'}",
        "BEACON_DATA_DIR": str(folder),
        "BEACON_ENVIRONMENT": "test",
    }


def run_beacon(env: dict[str, str], *args: str) -> tuple[float, str]:
    """Run ``beacon ARGS`` as its own process; its wall time and standard output (a failure
    stops the benchmark)."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "beacon", *args], env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"beacon {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return elapsed, result.stdout


def beacon(env: dict[str, str], *args: str) -> float:
    return run_beacon(env, *args)[0]


def settings_for(folder: Path) -> Settings:
    from beacon.config import Settings

    return Settings(
        environment="test", database_url=f"sqlite:///{folder / 'beacon.db'}", data_dir=folder
    )


def build_reference(folder: Path) -> dict[str, str]:
    from beacon.analytics.snapshot import refresh_snapshot
    from reference_data import load_reference_data

    settings = settings_for(folder)
    load_reference_data(settings)
    refresh_snapshot(settings)
    return environment(folder)


def build_demo(folder: Path) -> dict[str, str]:
    from intelligence_data import add_intelligence

    env = environment(folder)
    beacon(env, "demo", "load")
    geography = SHARED / "geography"
    beacon(env, "import", "imd", str(geography / "imd2019_england_lsoa.csv"))
    beacon(env, "import", "lookup", str(geography / "lsoa11_ward19_lad19_lookup.csv"))
    # After the lookup, so each report carries the ward and district the assessment ranks.
    add_intelligence(settings_for(folder))
    beacon(env, "analyse", "snapshot")
    return env


def counted(env: dict[str, str], area: tuple[str, ...], *source: str) -> int:
    """Events the snapshot holds for the area and period, as ``beacon analyse counts`` counts
    them (intelligence by the day it was received)."""
    _, out = run_beacon(env, "analyse", "counts", *area, *source, "--json")
    return sum(int(row["count"]) for row in json.loads(out))


def assess(env: dict[str, str], folder: Path, area: tuple[str, ...], runs: int) -> float:
    times = []
    for run in range(runs):
        out = folder / f"run{run}"
        out.mkdir()
        times.append(
            beacon(
                env,
                "assess",
                *area,
                "--out",
                str(out / "x.pdf"),
                "--annex",
                str(out / "a.xlsx"),
                "--json",
            )
        )
    return min(times)


def anchor(env: dict[str, str], area: tuple[str, ...]) -> float:
    return min(
        beacon(env, "analyse", "counts", *area, "--by", "crime-type", "--json") for _ in "12"
    )


def measure(force_runs: int) -> dict[str, float]:
    from beacon.analytics.snapshot import open_snapshot

    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        env = build_reference(folder)
        figures["district_quarter_assess_pdf_s"] = round(assess(env, folder, DISTRICT, 2), 2)
        figures["district_quarter_anchor_counts_s"] = round(anchor(env, DISTRICT), 2)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        env = build_demo(folder)
        figures["force_year_intelligence_items"] = counted(
            env, FORCE, "--source", "intelligence", "--by", "theme"
        )
        figures["force_year_crimes"] = counted(env, FORCE, "--by", "crime-type")
        snapshot = open_snapshot(settings_for(folder))
        figures["snapshot_intelligence_items"] = snapshot.table_rows("intelligence")
        figures["snapshot_crimes"] = snapshot.table_rows("street_crime")
        figures["force_year_assess_pdf_s"] = round(assess(env, folder, FORCE, force_runs), 2)
        figures["force_year_anchor_counts_s"] = round(anchor(env, FORCE), 2)
    figures["load_average_1m"] = round(os.getloadavg()[0], 2)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--force-runs", type=int, default=1, choices=(1, 2))
    args = parser.parse_args()
    figures = measure(args.force_runs)
    from run import report

    report(
        figures,
        as_json=args.json,
        goal="goals: district-quarter <= 10 s, force-year <= 60 s (each with its PDF)",
    )


if __name__ == "__main__":
    main()
