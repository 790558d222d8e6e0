"""Concentration (top-k shares, Gini, Lorenz) and rates by IMD decile, on known values,
independent formulas and real Sussex data."""

from __future__ import annotations

import csv
import importlib.util
import json
import math
from collections import Counter
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from beacon.analytics.concentration import concentration, gini, rates_by_decile
from beacon.analytics.errors import AnalysisInputError

BRIGHTON = "E06000043"


def gini_mean_difference(x: list[float]) -> float:
    """Independent: Gini = sum_i sum_j |x_i - x_j| / (2 n^2 mean)."""
    n = len(x)
    return sum(abs(a - b) for a in x for b in x) / (2 * n * n * (sum(x) / n))


def top_share_by_sorting(values: list[float], percent: float) -> tuple[int, float]:
    n = len(values)
    k = max(1, math.ceil(Fraction(str(percent)) * n / 100))
    ranked = sorted(values, reverse=True)
    return k, sum(ranked[:k]) / sum(values)


# --- Gini and Lorenz -------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 7, 100])
def test_gini_known_values(n: int) -> None:
    assert gini([5.0] * n) == pytest.approx(0.0, abs=1e-12)
    assert gini([0.0] * (n - 1) + [9.0]) == pytest.approx((n - 1) / n)


def test_gini_against_mean_difference_formula() -> None:
    rng = np.random.default_rng(42)
    for size in (3, 10, 57, 200):
        x = [float(v) for v in rng.negative_binomial(1, 0.1, size)]
        x[0] += 1  # a positive total
        assert gini(x) == pytest.approx(gini_mean_difference(x))
    assert gini([1, 2, 3, 4]) == pytest.approx(0.25)


def test_lorenz_curve_and_gini_agree() -> None:
    rng = np.random.default_rng(8)
    values = [float(v) for v in rng.poisson(3, 500)]
    codes = [f"E{i:08d}" for i in range(500)]
    result = concentration(codes, values)
    curve = np.array(result.lorenz)
    assert len(curve) == 501 and tuple(curve[0]) == (0.0, 0.0)
    assert curve[-1] == pytest.approx([1.0, 1.0])
    assert (np.diff(curve[:, 1]) >= 0).all() and (np.diff(curve[:, 1], 2) >= -1e-12).all()
    # Gini = 1 - 2 * area under the Lorenz curve (trapezoids are exact for a polyline).
    area = float(np.trapezoid(curve[:, 1], curve[:, 0]))
    assert result.gini == pytest.approx(1 - 2 * area)
    drawn = result.lorenz_drawn
    assert len(drawn) <= 200 and drawn[0] == (0.0, 0.0) and drawn[-1] == result.lorenz[-1]
    assert set(drawn) <= set(result.lorenz)
    small = concentration(codes[:50], values[:50])
    assert small.lorenz_drawn == small.lorenz
    data = result.to_dict()
    assert "lorenz" not in data and len(data["lorenz_drawn"]) == len(drawn)
    assert len(result.to_dict(full_curve=True)["lorenz"]) == 501
    json.dumps(result.to_dict(full_curve=True))


# --- top-k shares ----------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 7, 20, 100, 150, 333])
def test_top_shares_against_sorting(n: int) -> None:
    rng = np.random.default_rng(n)
    values = [float(v) for v in rng.poisson(2, n)]
    values[-1] += 1
    codes = [f"A{i:04d}" for i in range(n)]
    result = concentration(codes, values)
    for top, percent in zip(result.top, (5, 10), strict=True):
        k, share = top_share_by_sorting(values, percent)
        assert top.areas == k and top.share == pytest.approx(share)
        assert len(top.codes) == k


def test_ceil_rounding_and_ties_at_boundary() -> None:
    # 150 areas: the top 5% is ceil(7.5) = 8 areas, the top 10% is 15.
    values = [10.0] * 5 + [4.0] * 6 + [1.0] * 139
    codes = [f"C{i:03d}" for i in range(150)][::-1]
    result = concentration(codes, values)
    five, ten = result.top
    assert (five.areas, ten.areas) == (8, 15)
    assert five.share == pytest.approx((50 + 12) / 213)
    # Areas 6..8 of the ranking are three of six tied at 4: three tied areas are left out,
    # and the ones kept are the lowest codes among the tied.
    assert five.boundary_value == 4.0 and five.ties_at_boundary == 3
    tied_codes = sorted(codes[5:11])
    assert five.codes[5:] == tuple(tied_codes[:3])
    assert ten.ties_at_boundary == 139 - 4
    # Half of 213 is 106.5: 5 x 10 + 6 x 4 = 74, then 33 areas of 1 reach 107.
    assert result.areas_for_half == pytest.approx((5 + 6 + 33) / 150)
    assert result.zero_areas == 0 and result.n_areas == 150


def test_zero_total_is_reported_not_raised() -> None:
    result = concentration(["a", "b", "c"], [0, 0, 0], weights_label="harm")
    assert not result.defined and result.gini is None and result.lorenz == ()
    assert result.reason is not None and "harm" in result.reason
    assert all(t.share is None for t in result.top)
    assert result.to_dict()["parameters"]["weights_label"] == "harm"


@pytest.mark.parametrize(
    ("codes", "values", "message"),
    [
        (["a", "b"], [1.0], "2 area codes but 1 values"),
        ([], [], "no areas"),
        (["a", "b"], [1.0, -1.0], "area b"),
        (["a", "b"], [1.0, float("nan")], "area b"),
        (["a", "a"], [1.0, 2.0], "appears twice"),
    ],
)
def test_concentration_errors(codes: list[str], values: list[float], message: str) -> None:
    with pytest.raises(AnalysisInputError, match=message):
        concentration(codes, values)


def test_concentration_option_errors() -> None:
    with pytest.raises(AnalysisInputError) as error:
        concentration(["a"], [1.0], top_percents=(0,))
    assert error.value.option == "top_percents"


# --- real data: Brighton and Hove, October-December 2018 -------------------------------------


def brighton_areas(shared_data: Path) -> list[str]:
    lookup = shared_data / "geography" / "lsoa11_ward19_lad19_lookup.csv"
    with lookup.open(newline="", encoding="utf-8-sig") as handle:
        return sorted({r["LSOA11CD"] for r in csv.DictReader(handle) if r["LAD19CD"] == BRIGHTON})


def sussex_counts(shared_data: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for month in ("2018-10", "2018-11", "2018-12"):
        path = shared_data / "police" / f"{month}-sussex-street.csv"
        with path.open(newline="", encoding="utf-8") as handle:
            for record in csv.DictReader(handle):
                counts[record["LSOA code"]] += 1
    return counts


def imd_deciles(shared_data: Path, codes: set[str]) -> dict[str, int]:
    path = shared_data / "geography" / "imd2019_england_lsoa.csv"
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return {
            r["lsoa_code"]: int(r["IMD_decile"])
            for r in csv.DictReader(handle)
            if r["lsoa_code"] in codes
        }


def census_population(codes: set[str]) -> dict[str, int]:
    """2011 census usual residents per LSOA, as shipped by the crime-sim-toolkit package."""
    spec = importlib.util.find_spec("crime_sim_toolkit")
    assert spec is not None and spec.submodule_search_locations
    root = Path(next(iter(spec.submodule_search_locations)))
    path = root / "src" / "LSOA_data" / "census_2011_population_hh.csv"
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        code_at, people_at = header.index("LSOA Code"), header.index("Persons")
        return {
            row[code_at]: int(row[people_at].replace(",", ""))
            for row in reader
            if row[code_at] in codes
        }


def test_concentration_on_real_data(shared_data: Path) -> None:
    areas = brighton_areas(shared_data)
    assert len(areas) == 165
    counts = sussex_counts(shared_data)
    values = [float(counts.get(code, 0)) for code in areas]
    result = concentration(areas, values)
    assert result.n_areas == 165 and result.total == sum(values)
    for top, percent in zip(result.top, (5, 10), strict=True):
        k, share = top_share_by_sorting(values, percent)
        assert top.areas == k and top.share == pytest.approx(share)
    assert [top.areas for top in result.top] == [9, 17]  # ceil(8.25), ceil(16.5)
    assert result.gini == pytest.approx(gini_mean_difference(values))
    # Crime is concentrated: the top 10% of neighbourhoods hold far more than 10% of it.
    assert result.top[1].share is not None and result.top[1].share > 0.2


def test_rates_by_decile_on_real_data(shared_data: Path) -> None:
    areas = brighton_areas(shared_data)
    counts = sussex_counts(shared_data)
    deciles = imd_deciles(shared_data, set(areas))
    population = census_population(set(areas))
    assert len(deciles) == len(population) == 165
    rows: list[dict] = [
        {
            "code": code,
            "decile": deciles[code],
            "count": counts.get(code, 0),
            "population": population[code],
            "harm": 1.5 * counts.get(code, 0),
        }
        for code in areas
    ]
    # Two areas lose their decile / population: they must be listed, not dropped.
    rows[0]["decile"] = None
    rows[1]["population"] = float("nan")
    result = rates_by_decile(rows)
    total = sum(counts.get(code, 0) for code in areas)
    assert result.count + result.excluded_count == total
    assert sum(d.count for d in result.deciles) == result.count
    assert sum(d.areas for d in result.deciles) == result.areas == 163
    assert [e.code for e in result.excluded] == sorted(areas[:2])
    assert {e.reason for e in result.excluded} == {"no IMD decile", "no population"}
    assert result.population == pytest.approx(sum(population[c] for c in areas[2:]))
    assert sum(d.share_of_count or 0 for d in result.deciles) == pytest.approx(1.0)
    # One decile by hand.
    most = [r for r in rows[2:] if r["decile"] == 1]
    row = result.deciles[0]
    assert row.decile == 1 and row.areas == len(most)
    expected = 1000 * sum(r["count"] for r in most) / sum(r["population"] for r in most)
    assert row.rate_per_1000 == pytest.approx(expected)
    assert row.harm_per_1000 == pytest.approx(1.5 * expected)
    # Spearman against ranks computed here (average ranks for ties, Pearson on the ranks).
    kept = rows[2:]
    deciles_kept = np.array([r["decile"] for r in kept], dtype=float)
    rates = np.array([1000 * r["count"] / r["population"] for r in kept])
    rho = np.corrcoef(stats.rankdata(deciles_kept), stats.rankdata(rates))[0, 1]
    assert result.association.computed and result.association.rho == pytest.approx(rho)
    assert result.association.n_areas == 163
    # More deprived neighbourhoods have more recorded crime per resident in Brighton and Hove.
    assert result.association.rho < 0 and result.association.p_value is not None
    assert result.association.p_value < 0.05
    assert result.harm_association is not None and result.harm_association.rho == pytest.approx(rho)
    data = result.to_dict()
    json.dumps(data)
    assert data["excluded_areas"] == 2 and len(data["deciles"]) == 10


def test_rates_by_decile_from_tuples_and_empty_deciles() -> None:
    result = rates_by_decile([("a", 1, 10, 1000), ("b", 10, 2, 500), ("c", 10, 0, 0)])
    assert [d.areas for d in result.deciles] == [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    assert result.deciles[1].rate_per_1000 is None and result.deciles[1].count == 0
    assert result.rate_ratio_most_to_least == pytest.approx(10.0 / 4.0)
    assert result.harm is None and result.deciles[0].harm is None
    assert result.excluded[0].reason == "population is 0"
    assert not result.association.computed and "at least 3" in (result.association.reason or "")


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("a", 11, 1, 100)], "decile 11 must be 1 to 10"),
        ([("a", 0, 1, 100)], "decile 0 must be 1 to 10"),
        ([("a", 1, 1, 100), ("a", 2, 1, 100)], "appears twice"),
        ([("a", 1, -1, 100)], "count"),
        ([("a", 1, 1.5, 100)], "whole number"),
        ([("a", 1, 1, -5)], "population"),
        ([("a", 1, 1, 100, 2.0), ("b", 1, 1, 100)], "harm must be given on every row"),
        ([(None, 1, 1, 100)], "no area code"),
    ],
)
def test_rates_by_decile_errors(rows: list, message: str) -> None:
    with pytest.raises(AnalysisInputError, match=message):
        rates_by_decile(rows)
