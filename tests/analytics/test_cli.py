"""`beacon analyse ...` as whole processes: JSON for programs, exit 1 with one line for bad
input, and the Gi* figures checked end to end against esda run in the test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import numpy as np
import pandas as pd
import pytest

from beacon.config import Settings

from .conftest import DERBY, shared


def beacon(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "BEACON_DATABASE_URL": settings.database_url,
        "BEACON_DATA_DIR": str(settings.data_dir),
    }
    return subprocess.run(
        [sys.executable, "-m", "beacon", "analyse", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_counts_json_is_a_list_of_groups_naming_the_snapshot(snapshot_settings: Settings) -> None:
    from beacon.analytics.snapshot import open_snapshot

    rows = as_json(
        beacon(
            snapshot_settings,
            "counts",
            "--lad",
            DERBY,
            "--from",
            "2018-10",
            "--to",
            "2018-12",
            "--by",
            "lsoa,crime-type",
            "--json",
        )
    )
    assert isinstance(rows, list) and rows
    assert {"lsoa", "crime_type", "count", "rate", "harm"} <= set(rows[0])
    assert {r["snapshot"] for r in rows} == {open_snapshot(snapshot_settings).id}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["counts", "--lad", "E06999999", "--month", "2018-10"], "--lad: unknown district"),
        (["counts", "--lad", DERBY, "--month", "2030-01"], "--month: no street crime"),
        (["hotspots", "--lad", DERBY, "--month", "2018-10", "--transform", "X"], "transform"),
        (["counts", "--snapshot", "nope"], "--snapshot: no snapshot 'nope'"),
        (["trends", "--lad", DERBY, "--by", "colour"], "--by: cannot group by"),
    ],
)
def test_bad_input_exits_1_with_one_line_and_nothing_on_stdout(
    snapshot_settings: Settings, args: list[str], message: str
) -> None:
    result = beacon(snapshot_settings, *args)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert message in result.stderr
    assert result.stderr.startswith("error: ")


def test_hotspots_match_esda_on_the_derby_boundaries_and_police_data(
    snapshot_settings: Settings,
) -> None:
    import geopandas as gpd
    from esda.getisord import G_Local
    from libpysal.weights import Queen

    rows = as_json(
        beacon(snapshot_settings, "hotspots", "--lad", DERBY, "--month", "2018-10", "--json")
    )
    boundaries = gpd.read_file(shared(f"geography/lsoa11/{DERBY}.geojson"))
    code_column = next(
        c for c in boundaries.columns if c.upper().startswith("LSOA") and c.upper().endswith("CD")
    )
    boundaries = boundaries.sort_values(code_column).reset_index(drop=True)
    crimes = pd.read_csv(shared("police/2018-10-derbyshire-street.csv"), dtype=str)
    counts = crimes["LSOA code"].value_counts()
    y = np.array([counts.get(code, 0) for code in boundaries[code_column]], dtype=float)
    weights = Queen.from_dataframe(boundaries, use_index=False)
    expected = G_Local(y, weights, transform="B", star=True, permutations=999, seed=12345)

    assert [r["area"] for r in rows] == list(boundaries[code_column])  # every LSOA, zeros too
    assert [r["count"] for r in rows] == [int(v) for v in y]
    assert np.allclose([r["z"] for r in rows], expected.Zs, atol=1e-6, rtol=0)
    assert [r["p"] for r in rows] == pytest.approx(list(expected.p_sim))
    assert {r["class"] for r in rows} <= {
        "hot 99%", "hot 95%", "hot 90%", "cold 99%", "cold 95%", "cold 90%", "not significant"
    }  # fmt: skip
    hot = [r for r in rows if r["class"].startswith("hot")]
    assert hot and all(r["z"] > 0 for r in hot)


def test_near_repeat_on_the_calculator_file_as_a_whole_process(
    snapshot_settings: Settings,
) -> None:
    body = as_json(
        beacon(
            snapshot_settings,
            "near-repeat",
            "--input",
            str(shared("nearrepeat/chicago_be_month1.csv")),
            "--distance-band",
            "100",
            "--distance-bands",
            "3",
            "--time-band",
            "7",
            "--time-bands",
            "3",
            "--metric",
            "manhattan",
            "--iterations",
            "19",
            "--seed",
            "1",
            "--json",
        )
    )
    observed = body["observed"]
    values = observed["values"] if isinstance(observed, dict) else observed
    assert values[-1] == [182194, 146149, 95237, 45879]
    assert values[0] == [28, 5, 5, 2]


def test_trends_concentration_and_profile_answer_in_json(snapshot_settings: Settings) -> None:
    trends = as_json(
        beacon(snapshot_settings, "trends", "--lad", DERBY, "--by", "crime-type", "--json")
    )
    assert trends["measure"] == "trends" and len(trends["rows"]) == 14
    assert {"emerging", "parameters", "snapshot"} <= set(trends)
    concentration = as_json(
        beacon(snapshot_settings, "concentration", "--lad", DERBY, "--month", "2018-11", "--json")
    )
    assert concentration["count"]["n_areas"] == 151
    assert sum(d["count"] for d in concentration["deprivation"]["deciles"]) == sum(
        r["count"] for r in concentration["rows"]
    )
    profile = as_json(
        beacon(snapshot_settings, "profile", "--lsoa", "E01013453", "--month", "2018-10", "--json")
    )
    assert profile["area"]["code"] == "E01013453"
    assert profile["deprivation"]["domains"]["IMD"]["decile"] == 2
