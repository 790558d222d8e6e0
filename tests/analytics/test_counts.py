"""Counts, rates and harm against an independent pandas reading of the shared files."""

from __future__ import annotations

import pandas as pd
import pytest

from beacon.analytics.errors import AnalysisInputError
from beacon.analytics.selection import area_choice, period_choice
from beacon.analytics.service import analysis, run_counts
from beacon.config import Settings

from .conftest import DERBY, POLICE, shared


@pytest.fixture(scope="module")
def crimes() -> pd.DataFrame:
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in POLICE]
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def lookup() -> pd.DataFrame:
    return pd.read_csv(
        shared("geography/lsoa11_ward19_lad19_lookup.csv"), dtype=str, encoding="utf-8-sig"
    )


def _counts(settings: Settings, **options: object) -> list[dict[str, object]]:
    by = options.pop("by")
    source = str(options.pop("source", "crime"))
    zeros = bool(options.pop("include_zeros", False))
    month, start, end = (options.pop(k, None) for k in ("month", "start", "end"))
    with analysis(settings) as context:
        result = run_counts(
            context,
            source=source,
            choice=area_choice(**options),  # type: ignore[arg-type]
            asked=period_choice(month=month, start=start, end=end),  # type: ignore[arg-type]
            by=str(by),
            include_zeros=zeros,
        )
    return [dict(r) for r in result.rows]


def test_counts_by_lsoa_and_type_equal_a_pandas_count(
    snapshot_settings: Settings, crimes: pd.DataFrame, lookup: pd.DataFrame
) -> None:
    derby = set(lookup.loc[lookup["LAD19CD"] == DERBY, "LSOA11CD"])
    expected = (
        crimes[crimes["LSOA code"].isin(derby)]
        .groupby(["LSOA code", "Crime type"])
        .size()
        .to_dict()
    )
    rows = _counts(
        snapshot_settings, lad=DERBY, start="2018-10", end="2018-12", by="lsoa,crime-type"
    )
    assert {(r["lsoa"], r["crime_type"]): r["count"] for r in rows} == expected
    assert len(rows) == len(expected)
    assert {"lsoa", "lsoa_name", "crime_type", "count", "rate", "harm"} <= set(rows[0])


def test_counts_by_district_and_month_for_a_force(
    snapshot_settings: Settings, crimes: pd.DataFrame, lookup: pd.DataFrame
) -> None:
    rows = _counts(
        snapshot_settings, force="sussex", start="2018-10", end="2018-12", by="lad,month"
    )
    sussex_districts = {r["district"] for r in rows}
    lsoas = lookup[lookup["LAD19CD"].isin(sussex_districts)]
    placed = crimes.merge(lsoas, left_on="LSOA code", right_on="LSOA11CD")
    expected = placed.groupby(["LAD19CD", "Month"]).size().to_dict()
    assert {(r["district"], r["month"]): r["count"] for r in rows} == expected
    assert len(sussex_districts) == 13


def test_harm_is_count_times_weight_and_rates_use_population(
    snapshot_settings: Settings, crimes: pd.DataFrame
) -> None:
    from beacon.analytics.reference import load_harm_weights
    from beacon.runtime import open_runtime

    runtime = open_runtime(snapshot_settings, migrate=False)
    try:
        with runtime.sessions() as session:
            weights = load_harm_weights(session)
    finally:
        runtime.close()
    rows = _counts(snapshot_settings, lad=DERBY, month="2018-11", by="crime-type")
    for row in rows:
        assert row["harm"] == pytest.approx(row["count"] * weights.get(row["crime_type"], 0.0))
    total = _counts(snapshot_settings, lad=DERBY, month="2018-11", by="")
    assert total[0]["count"] == sum(r["count"] for r in rows)
    assert total[0]["harm"] == pytest.approx(sum(r["harm"] for r in rows))


def test_zero_areas_are_listed_on_request(snapshot_settings: Settings) -> None:
    rows = _counts(snapshot_settings, lad=DERBY, month="2018-10", by="lsoa", include_zeros=True)
    assert len(rows) == 151  # every Derby LSOA, with or without crime
    sparse = _counts(snapshot_settings, lad=DERBY, month="2018-10", by="lsoa")
    assert {r["lsoa"]: r["count"] for r in sparse} == {
        r["lsoa"]: r["count"] for r in rows if r["count"]
    }


def test_same_snapshot_same_figures(snapshot_settings: Settings) -> None:
    first = _counts(snapshot_settings, lad=DERBY, start="2018-10", end="2018-12", by="ward,month")
    second = _counts(snapshot_settings, lad=DERBY, start="2018-10", end="2018-12", by="ward,month")
    assert first == second


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"lad": "E06999999", "month": "2018-10"}, "--lad: unknown district code E06999999"),
        ({"lad": "Derby", "month": "2018-10"}, "not an ONS area code"),
        (
            {"lad": DERBY, "month": "2019-01"},
            "--month: no street crime in the snapshot for 2019-01",
        ),
        ({"lad": DERBY, "month": "2018-13"}, "is not a month"),
        ({"lad": DERBY, "start": "2018-12", "end": "2018-10"}, "is after --to"),
        ({"lad": DERBY, "ward": "E05000001", "month": "2018-10"}, "give one area level"),
        ({"force": "atlantis", "month": "2018-10"}, "no police force"),
        ({"lad": DERBY, "month": "2018-10", "by": "colour"}, "--by: cannot group by 'colour'"),
    ],
)
def test_bad_options_name_the_option_and_reason(
    snapshot_settings: Settings, options: dict[str, object], message: str
) -> None:
    options = {"by": "lsoa", **options}
    with pytest.raises(AnalysisInputError, match=message):
        _counts(snapshot_settings, **options)


def test_rates_are_per_1000_residents_of_the_census_population(
    snapshot_settings: Settings,
) -> None:
    import csv

    from beacon.demo.sources import find_sources

    with find_sources().census_population.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    header = [h.strip().lower() for h in rows[0]]
    code_at = next(i for i, h in enumerate(header) if "lsoa" in h and "code" in h)
    rows_by_code = {r[code_at]: r for r in rows[1:]}
    result = _counts(snapshot_settings, lad=DERBY, month="2018-10", by="lsoa")
    checked = 0
    for row in result:
        assert row["population"] is not None
        assert row["rate"] == pytest.approx(row["count"] * 1000 / row["population"])
        assert row["lsoa"] in rows_by_code
        checked += 1
    assert checked > 140
    whole = _counts(snapshot_settings, lad=DERBY, month="2018-10", by="")[0]
    lsoas = _counts(snapshot_settings, lad=DERBY, month="2018-10", by="lsoa", include_zeros=True)
    assert whole["population"] == sum(r["population"] for r in lsoas)


def test_repeat_locations_equal_a_pandas_reading(
    snapshot_settings: Settings, crimes: pd.DataFrame, lookup: pd.DataFrame
) -> None:
    from beacon.analytics.measures import run_repeats

    with analysis(snapshot_settings) as context:
        result = run_repeats(
            context,
            source="crime",
            choice=area_choice(lad=DERBY),
            asked=period_choice(start="2018-10", end="2018-12"),
            window=0,
        ).to_dict()
    derby = set(lookup.loc[lookup["LAD19CD"] == DERBY, "LSOA11CD"])
    located = crimes[crimes["LSOA code"].isin(derby) & (crimes["Longitude"] != "")]
    # window 0: a repeat is another event of the same type at the same point in the same month.
    groups = located.groupby(["Longitude", "Latitude", "Crime type", "Month"]).size()
    repeats = int((groups - 1).sum())
    places = groups[groups > 1].reset_index()
    assert result["events"] == len(located)
    assert result["repeat_events"] == repeats
    assert result["repeat_locations"] == len(
        places.drop_duplicates(["Longitude", "Latitude", "Crime type"])
    )
