"""Trends and emerging-risk flags, checked against independent computations and real data."""

from __future__ import annotations

import csv
import json
import math
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from beacon.analytics.emerging import RULE_KEYS, EmergingRules, emerging_risks
from beacon.analytics.errors import AnalysisInputError
from beacon.analytics.trends import (
    MonthlySeries,
    mann_kendall,
    monthly_series,
    trend_summary,
)


def months_from(start: str, n: int) -> list[str]:
    year, month = int(start[:4]), int(start[5:])
    out = []
    for k in range(n):
        index = year * 12 + month - 1 + k
        out.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
    return out


# --- independent Mann–Kendall (direct O(n^2) sums, textbook formulas) -------------------------


def direct_s(x: list[float]) -> int:
    return sum((x[j] > x[i]) - (x[j] < x[i]) for i in range(len(x)) for j in range(i + 1, len(x)))


def direct_var(x: list[float]) -> float:
    n = len(x)
    ties = Counter(x).values()
    return (n * (n - 1) * (2 * n + 5) - sum(t * (t - 1) * (2 * t + 5) for t in ties)) / 18


def direct_z(s: float, var: float) -> float:
    if s == 0:
        return 0.0
    return (s - math.copysign(1, s)) / math.sqrt(var)


def normal_two_sided(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


SERIES = {
    "no ties": [3, 7, 1, 9, 4, 12, 8, 15, 11, 14, 20, 17, 19, 22],
    "with ties": [5, 5, 6, 4, 5, 8, 8, 8, 7, 9, 9, 12, 5, 10, 11],
    "falling": [30, 28, 29, 25, 26, 22, 20, 23, 18, 15, 16, 12],
    "flat with ties": [4, 4, 5, 4, 4, 5, 4, 4, 5, 4, 4],
}


@pytest.mark.parametrize("name", sorted(SERIES))
def test_mann_kendall_matches_direct_computation(name: str) -> None:
    x = SERIES[name]
    result = trend_summary(months_from("2020-01", len(x)), x).trend
    assert result.computed and result.test == "original"
    s, var = direct_s(x), direct_var(x)
    z = direct_z(s, var)
    assert result.s == s
    assert result.var_s == pytest.approx(var)
    assert result.tau == pytest.approx(s / (len(x) * (len(x) - 1) / 2))
    assert result.z == pytest.approx(z)
    assert result.p == pytest.approx(normal_two_sided(z), rel=1e-9, abs=1e-12)
    expected = "no trend" if result.p >= 0.05 else ("increasing" if s > 0 else "decreasing")
    assert result.trend == expected


@pytest.mark.parametrize("name", sorted(SERIES))
def test_sens_slope_matches_scipy_theilslopes(name: str) -> None:
    x = SERIES[name]
    result = trend_summary(months_from("2020-01", len(x)), x).trend
    theil = stats.theilslopes(x, np.arange(len(x)))
    assert result.slope_per_month == pytest.approx(theil.slope)
    assert result.intercept == pytest.approx(theil.intercept)


def test_seasonal_test_on_36_month_seasonal_series_with_trend() -> None:
    season = [30, 25, 28, 35, 40, 48, 55, 52, 42, 38, 33, 45]
    x = [season[m % 12] + 2 * (m // 12) + (m * 7 % 3) for m in range(36)]
    result = trend_summary(months_from("2021-01", 36), x).trend
    assert result.test == "seasonal" and "seasonal_test" in result.to_dict()["method"]
    # Independent: Mann–Kendall within each calendar month, summed over the 12 months.
    columns = [[x[year * 12 + m] for year in range(3)] for m in range(12)]
    s = sum(direct_s(c) for c in columns)
    var = sum(direct_var(c) for c in columns)
    z = direct_z(s, var)
    assert result.s == s
    assert result.var_s == pytest.approx(var)
    assert result.z == pytest.approx(z)
    assert result.p == pytest.approx(normal_two_sided(z))
    assert result.trend == "increasing"
    # Seasonal Sen's slope: median of within-month slopes per year, reported per month.
    slopes = [(c[j] - c[i]) / (j - i) for c in columns for i in range(3) for j in range(i + 1, 3)]
    assert result.slope_per_month == pytest.approx(float(np.median(slopes)) / 12)
    # The plain test on the same data sees the season as noise and is weaker.
    plain = mann_kendall(x, seasonal_period=None)
    assert plain.test == "original" and plain.p > result.p


def test_which_test_runs_depends_on_length() -> None:
    rng = np.random.default_rng(7)
    for n, expected in ((23, "original"), (24, "seasonal"), (10, "original")):
        result = trend_summary(months_from("2020-01", n), rng.poisson(10, n)).trend
        assert result.test == expected and result.n_months == n
    short = trend_summary(months_from("2020-01", 9), [1] * 9).trend
    assert not short.computed and short.test is None
    assert short.reason is not None and "at least 10 months" in short.reason
    assert short.to_dict()["method"] == "not computed"


def test_empty_and_bad_series_are_input_errors() -> None:
    with pytest.raises(AnalysisInputError, match="empty"):
        trend_summary([], [])
    with pytest.raises(AnalysisInputError, match="2 months but 3 counts"):
        trend_summary(["2020-01", "2020-02"], [1, 2, 3])
    with pytest.raises(AnalysisInputError, match="whole number"):
        trend_summary(["2020-01", "2020-02"], [1, -2])
    with pytest.raises(AnalysisInputError, match="whole number"):
        trend_summary(["2020-01", "2020-02"], [1, float("nan")])
    with pytest.raises(AnalysisInputError, match="consecutive"):
        trend_summary(["2020-01", "2020-03"], [1, 2])
    with pytest.raises(AnalysisInputError, match="not a month"):
        trend_summary(["2020-13"], [1])
    with pytest.raises(AnalysisInputError) as error:
        trend_summary(["2020-01"], [1], alpha=1.5)
    assert error.value.option == "alpha"
    with pytest.raises(AnalysisInputError) as error:
        trend_summary(["2020-01"], [1], year_basis="fiscal")  # type: ignore[arg-type]
    assert error.value.option == "year_basis"


def test_changes_month_on_month_rolling_year_on_year() -> None:
    months = months_from("2022-01", 15)  # 2022-01 .. 2023-03
    counts = [10, 12, 8, 9, 11, 10, 13, 14, 9, 10, 12, 16, 20, 0, 24]
    harm = [c * 2.5 for c in counts]
    result = trend_summary(months, counts, harm=harm)
    assert result.latest_month == "2023-03" and result.latest_count == 24
    assert result.total == sum(counts) and result.total_harm == pytest.approx(sum(harm))
    mom = result.month_on_month
    assert mom.recent_months == ("2023-03",) and mom.base_months == ("2023-02",)
    assert (mom.recent_count, mom.base_count, mom.change) == (24, 0, 24)
    assert mom.pct_change is None and mom.harm_pct_change is None  # base 0
    rolling = result.rolling
    assert rolling.recent_months == ("2023-01", "2023-02", "2023-03")
    assert rolling.base_months == ("2022-10", "2022-11", "2022-12")
    assert (rolling.recent_count, rolling.base_count) == (44, 38)
    assert rolling.pct_change == pytest.approx(100 * 6 / 38)
    assert rolling.harm_change == pytest.approx(6 * 2.5)
    yoy = result.year_on_year
    assert yoy.base_months == ("2022-03",) and (yoy.recent_count, yoy.base_count) == (24, 8)
    assert yoy.pct_change == pytest.approx(200.0)
    ytd = result.year_to_date
    assert ytd.recent_months == ("2023-01", "2023-02", "2023-03")
    assert ytd.base_months == ("2022-01", "2022-02", "2022-03")
    assert (ytd.recent_count, ytd.base_count) == (44, 30)


def test_binomial_test_of_two_counts() -> None:
    months = months_from("2023-01", 13)
    counts = [10] * 12 + [25]
    yoy = trend_summary(months, counts).year_on_year
    assert yoy.test is not None
    # Same month a year apart: equal days, so the null share is one half.
    assert yoy.test.null_share == 0.5 and yoy.test.recent_days == yoy.test.base_days == 31
    assert yoy.test.p_two_sided == pytest.approx(stats.binomtest(25, 35, 0.5).pvalue)
    greater = stats.binomtest(25, 35, 0.5, alternative="greater").pvalue
    less = stats.binomtest(25, 35, 0.5, alternative="less").pvalue
    assert yoy.test.p_increase == pytest.approx(greater)
    assert yoy.test.p_decrease == pytest.approx(less)
    # February (28 days) against January (31): the null share follows the days.
    feb = trend_summary(["2023-01", "2023-02"], [31, 28]).month_on_month
    assert feb.test is not None and feb.test.null_share == pytest.approx(28 / 59)
    assert feb.pct_change == pytest.approx(100 * (28 - 31) / 31)
    assert feb.test.p_two_sided == pytest.approx(1.0)  # same daily rate
    none = trend_summary(["2023-01", "2023-02"], [0, 0]).month_on_month
    assert none.test is not None and none.test.p_two_sided is None and none.test.reason


def test_year_to_date_calendar_and_financial() -> None:
    months = months_from("2022-01", 18)  # up to 2023-06
    counts = list(range(1, 19))
    calendar = trend_summary(months, counts).year_to_date
    assert calendar.recent_months == tuple(months_from("2023-01", 6))
    assert calendar.base_months == tuple(months_from("2022-01", 6))
    assert calendar.recent_count == sum(range(13, 19)) and calendar.base_count == sum(range(1, 7))
    financial = trend_summary(months, counts, year_basis="financial").year_to_date
    assert financial.recent_months == ("2023-04", "2023-05", "2023-06")
    assert financial.base_months == ("2022-04", "2022-05", "2022-06")
    assert financial.recent_count == 16 + 17 + 18 and financial.base_count == 4 + 5 + 6
    assert "financial year (April)" in financial.description
    # Financial year to date in 2023-02 starts 2022-04; the base 2021-04.. is not in the series.
    short = trend_summary(months_from("2022-01", 14), list(range(14)), year_basis="financial")
    assert not short.year_to_date.computed
    assert short.year_to_date.reason is not None and "2021-04" in short.year_to_date.reason


def test_short_series_reports_what_is_not_computed() -> None:
    result = trend_summary(["2018-10", "2018-11", "2018-12"], [5, 6, 7])
    assert result.month_on_month.computed
    assert not result.rolling.computed and not result.year_on_year.computed
    assert result.year_on_year.reason is not None and "2017-12" in result.year_on_year.reason
    assert not result.trend.computed
    data = result.to_dict()
    json.dumps(data)
    assert data["parameters"]["window"] == 3 and data["trend"]["computed"] is False


# --- monthly series --------------------------------------------------------------------------


def test_monthly_series_fills_zeros_sums_repeats_and_keeps_harm() -> None:
    rows = [
        {"area": "E01", "theme": "burglary", "month": "2024-01", "count": 2, "harm": 10.0},
        {"area": "E01", "theme": "burglary", "month": "2024-03", "count": 1, "harm": 5.0},
        {"area": "E01", "theme": "burglary", "month": "2024-03", "count": 4, "harm": 20.0},
        {"area": "E02", "theme": "arson", "month": "2024-02", "count": 3, "harm": 1.5},
    ]
    series = monthly_series(rows, months=["2024-01", "2024-02", "2024-03", "2024-04"])
    assert list(series) == [("E01", "burglary"), ("E02", "arson")]
    first = series[("E01", "burglary")]
    assert first.counts == (2, 0, 5, 0) and first.harm == (10.0, 0.0, 25.0, 0.0)
    assert first.group == (("area", "E01"), ("theme", "burglary"))
    assert first.label == "area=E01, theme=burglary"
    assert series[("E02", "arson")].counts == (0, 3, 0, 0)
    assert json.loads(json.dumps(first.to_dict()))["group"] == {"area": "E01", "theme": "burglary"}


def test_monthly_series_from_tuples() -> None:
    rows = [("A", "2024-01", 1), ("B", "2024-02", 2), ("A", "2024-02", 3)]
    series = monthly_series(rows, months=["2024-01", "2024-02"], keys=["lsoa"])
    assert series[("A",)].counts == (1, 3) and series[("B",)].counts == (0, 2)
    assert series[("A",)].harm is None


@pytest.mark.parametrize(
    ("rows", "keys", "message"),
    [
        ([{"area": "A", "month": "2024-05", "count": 1}], None, "outside the period"),
        ([{"area": "A", "month": "2024-01"}], None, "missing count"),
        ([{"area": "A", "month": "2024-01", "count": -1}], None, "whole number"),
        ([{"area": "A", "month": "2024-01", "count": 1.5}], None, "whole number"),
        ([{"area": "A", "month": "Jan", "count": 1}], None, "not a month"),
        ([("A", "2024-01", 1)], None, "pass keys="),
        ([("A", "2024-01")], ["area"], "expected 3 or 4 values"),
        (
            [("A", "2024-01", 1, 2.0), ("A", "2024-02", 1)],
            ["area"],
            "harm must be given on every row",
        ),
    ],
)
def test_monthly_series_errors(rows: list, keys: list[str] | None, message: str) -> None:
    with pytest.raises(AnalysisInputError, match=message):
        monthly_series(rows, months=["2024-01", "2024-02"], keys=keys)


def test_monthly_series_on_real_police_data(shared_data: Path) -> None:
    # Sparse (crime type, month, count) rows from three Derbyshire files; September has none.
    counted: Counter[tuple[str, str]] = Counter()
    for month in ("2018-10", "2018-11", "2018-12"):
        path = shared_data / "police" / f"{month}-derbyshire-street.csv"
        with path.open(newline="", encoding="utf-8") as handle:
            for record in csv.DictReader(handle):
                counted[(record["Crime type"], record["Month"])] += 1
    rows = [{"crime_type": t, "month": m, "count": c} for (t, m), c in counted.items()]
    random.Random(3).shuffle(rows)
    months = ["2018-09", "2018-10", "2018-11", "2018-12"]
    series = monthly_series(rows, months=months)
    assert sum(sum(s.counts) for s in series.values()) == 8194 + 7745 + 7603
    assert all(s.counts[0] == 0 for s in series.values())
    burglary = series[("Burglary",)]
    assert burglary.counts[1:] == tuple(counted[("Burglary", m)] for m in months[1:])
    result = trend_summary(burglary.months, burglary.counts)
    assert result.month_on_month.recent_count == counted[("Burglary", "2018-12")]
    assert not result.trend.computed  # four months: reported, not raised
    assert emerging_risks(series) == []  # too short for any rule to trip


# --- emerging risks --------------------------------------------------------------------------


def series(name: str, counts: list[int], start: str = "2021-01") -> MonthlySeries:
    return MonthlySeries(
        group=(("area", name), ("theme", "asb")),
        months=tuple(months_from(start, len(counts))),
        counts=tuple(counts),
    )


def flagged(flags: list, name: str) -> set[str]:
    return {f.rule for f in flags if dict(f.group)["area"] == name}


def built_series() -> dict[str, list[int]]:
    rng = np.random.default_rng(20240601)
    return {
        "flat": [12] * 36,
        "noisy": [int(v) for v in rng.poisson(12, 36)],
        "rising": [int(v) for v in rng.poisson(np.linspace(4, 30, 36))],
        "surge": [10, 11, 9, 10, 12, 9, 10, 11, 10, 9, 11, 10] * 2
        + [10, 11, 9, 10, 12, 9, 10, 11, 10, 30, 33, 36],
        "year_on_year": [10, 11, 9, 10, 12, 9, 10, 11, 10, 9, 11, 10] * 2
        + [10, 11, 9, 10, 12, 9, 10, 11, 10, 9, 11, 24],  # last 3 only +47%
        "new": [0] * 33 + [2, 1, 3],
    }


def test_each_rule_fires_on_a_series_built_to_trip_it() -> None:
    data = built_series()
    flags = emerging_risks([series(name, counts) for name, counts in data.items()])
    assert flagged(flags, "flat") == set()
    assert flagged(flags, "noisy") == set()
    assert "rising_trend" in flagged(flags, "rising")
    assert "recent_surge" in flagged(flags, "surge")
    assert flagged(flags, "year_on_year") == {"year_on_year_rise"}
    assert flagged(flags, "new") == {"newly_appearing"}
    by_key = {(dict(f.group)["area"], f.rule): f for f in flags}
    surge = by_key[("surge", "recent_surge")]
    assert surge.evidence["recent_count"] == 99 and surge.evidence["base_count"] == 31
    assert surge.evidence["recent_months"] == ["2023-10", "2023-11", "2023-12"]
    assert surge.evidence["pct_change"] == pytest.approx(100 * 68 / 31)
    days_recent, days_base = 31 + 30 + 31, 31 + 31 + 30
    p = stats.binomtest(99, 130, days_recent / (days_recent + days_base), "greater").pvalue
    assert surge.evidence["p_increase"] == pytest.approx(p)
    assert surge.thresholds["surge_min_pct"] == 50.0 and "recent surge" in surge.description
    yoy = by_key[("year_on_year", "year_on_year_rise")]
    assert (yoy.evidence["recent_count"], yoy.evidence["base_count"]) == (24, 10)
    assert yoy.evidence["p_increase"] == pytest.approx(
        stats.binomtest(24, 34, 0.5, "greater").pvalue
    )
    rising = by_key[("rising", "rising_trend")]
    assert rising.evidence["test"] == "seasonal" and rising.evidence["slope_per_month"] > 0
    assert rising.evidence["p"] < 0.05
    new = by_key[("new", "newly_appearing")]
    assert new.evidence["lookback_months"] == ["2022-10", "2023-09"]
    assert new.evidence["recent_count"] == 6
    json.dumps([f.to_dict() for f in flags])


def test_thresholds_hold_flags_back() -> None:
    data = built_series()
    built = [series(name, counts) for name, counts in data.items()]
    strict = EmergingRules(surge_min_pct=300, yoy_min_events=40, new_min_events=7)
    flags = emerging_risks(built, rules=strict)
    assert "recent_surge" not in flagged(flags, "surge")
    assert "year_on_year_rise" not in flagged(flags, "year_on_year")
    assert "newly_appearing" not in flagged(flags, "new")
    # Too little history before the new events: 4 months of zeros, fewer than the 6 required.
    short = emerging_risks([series("new", [0, 0, 0, 0, 2, 2, 2])])
    assert short == []
    whole = EmergingRules(new_lookback_months=None, new_min_history_months=4)
    assert [
        f.rule for f in emerging_risks([series("new", [0, 0, 0, 0, 2, 2, 2])], rules=whole)
    ] == ["newly_appearing"]
    # Surge needs enough recent events: 3 -> 9 is +200% but only 9 events.
    few = [5] * 12 + [1, 1, 1, 3, 3, 3]
    assert "recent_surge" not in flagged(emerging_risks([series("few", few)]), "few")
    only = EmergingRules(rules=("newly_appearing",))
    assert {f.rule for f in emerging_risks(built, rules=only)} == {"newly_appearing"}


def test_fdr_correction_is_stricter_and_reported() -> None:
    rng = np.random.default_rng(11)
    built = [series(f"n{i:03d}", [int(v) for v in rng.poisson(10, 36)]) for i in range(150)]
    built.append(series("rising", built_series()["rising"]))
    chosen = ("rising_trend", "recent_surge")
    raw = emerging_risks(built, rules=EmergingRules(rules=chosen))
    fdr = emerging_risks(built, rules=EmergingRules(rules=chosen, correction="fdr_bh"))
    # At alpha 0.05 some of 150 pure-noise series trip by chance; the correction removes them.
    assert len(flagged(raw, "rising")) and len(raw) > len(flagged(raw, "rising"))
    assert [dict(f.group)["area"] for f in fdr] == ["rising"]
    strong = fdr[0]
    assert strong.rule == "rising_trend" and strong.thresholds["correction"] == "fdr_bh"
    assert strong.evidence["p_used"] > strong.evidence["p"]
    assert strong.evidence["p_used"] < 0.05


def test_flags_are_sorted_deterministically() -> None:
    data = built_series()
    built = [series(name, counts) for name, counts in data.items()]
    first = [f.to_dict() for f in emerging_risks(built)]
    random.Random(5).shuffle(built)
    assert [f.to_dict() for f in emerging_risks(built)] == first
    keys = [(f["group"]["area"], RULE_KEYS.index(f["rule"])) for f in first]
    assert keys == sorted(keys)


def test_series_must_share_months() -> None:
    with pytest.raises(AnalysisInputError, match="same months"):
        emerging_risks([series("a", [1, 2, 3]), series("b", [1, 2, 3], start="2021-02")])
    assert emerging_risks([]) == []


def test_rules_from_configuration() -> None:
    rules = EmergingRules.from_mapping(
        {"alpha": 0.01, "surge_min_pct": 25, "rules": ["recent_surge"], "new_lookback_months": None}
    )
    assert rules.alpha == 0.01 and rules.surge_min_pct == 25.0
    assert rules.rules == ("recent_surge",) and rules.new_lookback_months is None
    data = rules.to_dict()
    assert data["descriptions"]["recent_surge"].startswith("recent surge: latest 3 months up")
    json.dumps(data)
    with pytest.raises(AnalysisInputError) as error:
        EmergingRules.from_mapping({"surge_pct": 20}, file="beacon.toml")
    assert error.value.option == "surge_pct" and error.value.file == "beacon.toml"
    with pytest.raises(AnalysisInputError, match="not a whole number"):
        EmergingRules.from_mapping({"surge_min_events": 2.5})
    with pytest.raises(AnalysisInputError, match="not a number"):
        EmergingRules.from_mapping({"alpha": "high"})
    with pytest.raises(AnalysisInputError) as error:
        EmergingRules.from_mapping({"rules": ["hotspot"]})
    assert error.value.option == "rules"
    with pytest.raises(AnalysisInputError) as error:
        EmergingRules.from_mapping({"alpha": 2})
    assert error.value.option == "alpha"
