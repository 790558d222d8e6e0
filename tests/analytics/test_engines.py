"""One set of expressions, two engines: DuckDB and Spark give identical results.

Also checks that the SQL DuckDB runs (``compiled_sql.json``) is exactly what Ibis compiles
from ``queries.py`` today, so the fast path can never drift from the written-once analyses.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from beacon.analytics.compile_sql import COMPILED, compile_all
from beacon.analytics.selection import area_choice, period_choice
from beacon.analytics.service import analysis, run_counts
from beacon.config import Settings

from .conftest import DERBY


def test_compiled_sql_matches_the_ibis_expressions() -> None:
    shipped = json.loads(COMPILED.read_text(encoding="utf-8"))["queries"]
    assert shipped == compile_all(), (
        "compiled_sql.json is stale: run `python -m beacon.analytics.compile_sql`"
    )


CASES = [
    ("crime", "lsoa,month,crime-type", {"lad": DERBY}),
    ("crime", "district,month", {"force": "sussex"}),
    ("crime", "ward,crime-type", {"lad": DERBY}),
    ("crime", "force,month,crime-type", {}),
    ("crime", "", {"force": "derbyshire"}),
    ("crime", "lsoa", {"lad": "E06000043"}),
    ("partner", "district,month,category", {}),
    ("intelligence", "lsoa,theme", {}),
]


@pytest.mark.slow
def test_duckdb_and_spark_agree(snapshot_settings: Settings) -> None:
    if not snapshot_settings.is_sqlite:
        pytest.skip("engine parity is checked once, on the SQLite-built snapshot")
    from beacon.analytics.concentration import concentration
    from beacon.analytics.trends import monthly_series

    results: dict[str, list[object]] = {"duckdb": [], "spark": []}
    for engine in results:
        with analysis(snapshot_settings, engine=engine) as context:
            for source, by, areas in CASES:
                result = run_counts(
                    context,
                    source=source,
                    choice=area_choice(**areas),
                    asked=period_choice(start="2018-10", end="2018-12"),
                    by=by,
                )
                results[engine].append([dict(r) for r in result.rows])
            # Trend inputs and concentration, from each engine's own counts.
            lsoa_months = run_counts(
                context,
                source="crime",
                choice=area_choice(lad=DERBY),
                asked=period_choice(start="2018-10", end="2018-12"),
                by="lsoa,month",
                include_zeros=True,
            )
            series = monthly_series(
                [(r["lsoa"], r["month"], r["count"], r["harm"]) for r in lsoa_months.rows],
                months=list(lsoa_months.period.months),
                keys=("lsoa",),
            )
            results[engine].append({k: v.to_dict() for k, v in series.items()})
            per_lsoa = run_counts(
                context,
                source="crime",
                choice=area_choice(lad=DERBY),
                asked=period_choice(start="2018-10", end="2018-12"),
                by="lsoa",
                include_zeros=True,
            )
            codes = [r["lsoa"] for r in per_lsoa.rows]
            results[engine].append(
                concentration(codes, [r["count"] for r in per_lsoa.rows]).to_dict()
            )
            results[engine].append(
                concentration(codes, [r["harm"] for r in per_lsoa.rows]).to_dict()
            )
    assert results["duckdb"] == results["spark"]
    assert all(results["duckdb"][:6])  # the crime cases found rows: the comparison is not empty


@pytest.fixture(scope="module")
def spark_connect_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Spark Connect server on this machine, started from the pyspark wheel."""
    import socket

    import pyspark

    home = Path(pyspark.__file__).parent
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path_factory.mktemp("spark-connect") / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [
                str(home / "bin" / "spark-submit"),
                "--class",
                "org.apache.spark.sql.connect.service.SparkConnectServer",
                "--master",
                "local[2]",
                "--conf",
                f"spark.connect.grpc.binding.port={port}",
                "--conf",
                "spark.connect.grpc.binding.address=127.0.0.1",
                "--conf",
                "spark.ui.enabled=false",
                "--conf",
                "spark.driver.host=127.0.0.1",
                "spark-internal",
            ],
            env={**os.environ, "SPARK_HOME": str(home)},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 180
        while "Spark Connect server started" not in log.read_text(errors="replace"):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Spark Connect server did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield f"sc://127.0.0.1:{port}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


@pytest.mark.slow
def test_spark_connect_url_in_configuration_gives_the_same_rows(
    snapshot_settings: Settings, spark_connect_url: str
) -> None:
    if not snapshot_settings.is_sqlite:
        pytest.skip("checked once, on the SQLite-built snapshot")
    env = {
        **os.environ,
        "BEACON_DATABASE_URL": snapshot_settings.database_url,
        "BEACON_DATA_DIR": str(snapshot_settings.data_dir),
        "BEACON_SPARK_CONNECT_URL": spark_connect_url,
    }
    outputs = {}
    for engine in ("duckdb", "spark"):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "beacon",
                "analyse",
                "counts",
                "--lad",
                DERBY,
                "--from",
                "2018-10",
                "--to",
                "2018-12",
                "--by",
                "ward,month,crime-type",
                "--engine",
                engine,
                "--json",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        outputs[engine] = json.loads(result.stdout)
    assert outputs["duckdb"] and outputs["spark"] == outputs["duckdb"]
