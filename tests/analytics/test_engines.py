"""One set of expressions, two engines: DuckDB and Spark give identical results.

Also checks that the SQL DuckDB runs (``compiled_sql.json``) is exactly what Ibis compiles
from ``queries.py`` today, so the fast path can never drift from the written-once analyses.
"""

from __future__ import annotations

import json

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
