"""Near-duplicate detection and merge plans (report texts are fictional; area codes and, in the
blocking tests, places and dates come from the real Derbyshire street-level files)."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from beacon.triage.duplicates import (
    DEFAULT_MAX_DAYS,
    DEFAULT_MAX_METRES,
    DEFAULT_MIN_SIMILARITY,
    Candidate,
    DuplicateSuggestion,
    candidate_pairs,
    find_duplicates,
    merge_plan,
    metres_between,
    normalise,
    text_similarity,
)

# Derby: Abbey ward (E05001767) holds LSOAs E01013456 and E01013457; Allestree ward
# (E05001768) holds E01013466.
ABBEY_C, ABBEY_D, ABBEY = "E01013456", "E01013457", "E05001767"
ALLESTREE_B, ALLESTREE = "E01013466", "E05001768"
DERBY = "E06000015"

CL_FULL = (
    "Lads from London dealing drugs outside the Co-op on Station Road every night around 9pm, "
    "a kid on a bike brings the bags to them."
)
CL_SPEAK = (
    "every nite bout 9 ppl dealin outside co-op station rd, kid on bike brings them the bags, "
    "london lads"
)
BINS_FULL = (
    "A group of youths set fire to the wheelie bins behind Kestrel Court flats on Tuesday and "
    "again on Wednesday night."
)
BINS_SPEAK = "youths setting bins on fire again behind kestrel ct flats tues n weds nite"
KNIFE_FULL = (
    "A man with a knife chased another man down Albert Street outside the chip shop, about 11pm."
)
KNIFE_SPEAK = "saw a bloke chasing someone with a knife outside the chippy on albert st bout 11"
SHOUTING = "man shouting and swearing at people outside the chip shop on albert street most nights"
FOOTBALL = "youths kicking footballs at cars behind the shops on kestrel way on tuesday"


def report(
    report_id: str,
    text: str,
    received_on: date,
    *,
    lsoa: str | None = ABBEY_C,
    ward: str | None = ABBEY,
    district: str | None = DERBY,
    pin: tuple[float, float] | None = None,
    themes: tuple[str, ...] = (),
) -> Candidate:
    return Candidate(
        report_id=report_id,
        text=text,
        received_on=received_on,
        lsoa_code=lsoa,
        ward_code=ward,
        district_code=district,
        latitude=pin[0] if pin else None,
        longitude=pin[1] if pin else None,
        themes=themes,
    )


MONDAY = date(2026, 3, 2)


def pairs_of(suggestions: list[DuplicateSuggestion]) -> set[tuple[str, str]]:
    return {(s.a, s.b) for s in suggestions}


# --- text -----------------------------------------------------------------------------------


def test_normalise_expands_text_speak_and_abbreviations() -> None:
    assert normalise("Every NITE u c ppl on Station Rd, dont @ me") == (
        "every night you c people on station road dont me"
    )
    assert normalise("Don\u2019t go to the Café on St Mary's Ct") == (
        "dont go to the cafe on street marys court"
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [(CL_FULL, CL_SPEAK), (BINS_FULL, BINS_SPEAK), (KNIFE_FULL, KNIFE_SPEAK)],
)
def test_rewrites_of_one_incident_are_similar(first: str, second: str) -> None:
    assert text_similarity(first, second) >= DEFAULT_MIN_SIMILARITY


@pytest.mark.parametrize(
    ("first", "second"),
    [(KNIFE_FULL, SHOUTING), (BINS_SPEAK, FOOTBALL), (CL_FULL, BINS_FULL)],
)
def test_different_incidents_in_one_street_are_not(first: str, second: str) -> None:
    assert text_similarity(first, second) < DEFAULT_MIN_SIMILARITY


def test_word_order_barely_matters() -> None:
    shuffled = "on albert st outside the chippy, bout 11, a bloke with a knife chasing someone"
    assert text_similarity(KNIFE_SPEAK, shuffled) > 0.9


def test_identical_and_empty_texts() -> None:
    assert text_similarity(CL_FULL, CL_FULL) == pytest.approx(1.0)
    assert text_similarity("", CL_FULL) == 0.0


# --- finding pairs --------------------------------------------------------------------------


def test_text_speak_rewrite_in_the_same_lsoa_days_later_is_suggested() -> None:
    suggestions = find_duplicates(
        [
            report("R-0002", CL_SPEAK, MONDAY + timedelta(days=3), themes=("county_lines",)),
            report("R-0001", CL_FULL, MONDAY, themes=("county_lines", "drugs")),
            report("R-0003", BINS_FULL, MONDAY + timedelta(days=1)),
        ]
    )
    assert len(suggestions) == 1
    found = suggestions[0]
    assert (found.a, found.b) == ("R-0001", "R-0002")
    assert found.similarity == pytest.approx(text_similarity(CL_FULL, CL_SPEAK), abs=1e-3)
    assert found.days_apart == 3
    assert found.same_area == ("lsoa", ABBEY_C)
    assert found.metres_apart is None
    assert found.shared_themes == ("county_lines",)
    assert found.first_received == "R-0001"
    assert "same LSOA E01013456" in found.reason
    assert "3 days apart" in found.reason
    assert "shared themes: county_lines" in found.reason


def test_not_across_areas() -> None:
    suggestions = find_duplicates(
        [
            report("R-1", CL_FULL, MONDAY),
            report("R-2", CL_SPEAK, MONDAY, lsoa=ALLESTREE_B, ward=ALLESTREE),
            # Same ward, different LSOA and no pins: a different place.
            report("R-3", CL_SPEAK, MONDAY, lsoa=ABBEY_D),
            # Same district only: too coarse to pair.
            report("R-4", CL_FULL, MONDAY, lsoa=None, ward=None),
        ]
    )
    assert suggestions == []


def test_not_months_apart() -> None:
    candidates = [
        report("R-1", CL_FULL, MONDAY),
        report("R-2", CL_SPEAK, MONDAY + timedelta(days=91)),
        report("R-3", CL_SPEAK, MONDAY + timedelta(days=DEFAULT_MAX_DAYS + 1)),
    ]
    assert find_duplicates(candidates) == []
    # The window is inclusive: exactly max_days apart is still the same period.
    edge = [report("R-1", CL_FULL, MONDAY), report("R-2", CL_SPEAK, MONDAY + timedelta(14))]
    assert pairs_of(find_duplicates(edge)) == {("R-1", "R-2")}


def test_different_incidents_in_the_same_street_and_week_are_not_suggested() -> None:
    candidates = [
        report("R-1", KNIFE_FULL, MONDAY),
        report("R-2", SHOUTING, MONDAY + timedelta(days=1)),
        report("R-3", BINS_SPEAK, MONDAY),
        report("R-4", FOOTBALL, MONDAY + timedelta(days=2)),
    ]
    assert find_duplicates(candidates) == []


def test_close_pins_pair_across_an_lsoa_boundary_and_far_pins_do_not() -> None:
    here = (52.913430, -1.486369)
    near = (52.914800, -1.487300)  # about 165 m away, in the next LSOA
    far = (52.946333, -1.495206)  # about 3.7 km away
    assert 150 < metres_between(*here, *near) < 200
    suggestions = find_duplicates(
        [
            report("R-1", KNIFE_FULL, MONDAY, pin=here),
            report("R-2", KNIFE_SPEAK, MONDAY, lsoa=ABBEY_D, pin=near),
            report("R-3", KNIFE_SPEAK, MONDAY, lsoa=ALLESTREE_B, ward=ALLESTREE, pin=far),
        ]
    )
    assert pairs_of(suggestions) == {("R-1", "R-2")}
    assert suggestions[0].metres_apart == pytest.approx(metres_between(*here, *near), abs=0.1)
    assert suggestions[0].same_area == ("ward", ABBEY)
    assert "pins 165 m apart" in suggestions[0].reason
    assert "on the same day" in suggestions[0].reason
    # A tighter radius drops it.
    tight = find_duplicates(
        [
            report("R-1", KNIFE_FULL, MONDAY, pin=here),
            report("R-2", KNIFE_SPEAK, MONDAY, lsoa=ABBEY_D, pin=near),
        ],
        max_metres=100,
    )
    assert tight == []


def test_one_lsoa_is_enough_even_when_the_pins_are_far_apart() -> None:
    suggestions = find_duplicates(
        [
            report("R-1", BINS_FULL, MONDAY, pin=(52.9130, -1.4860)),
            report("R-2", BINS_SPEAK, MONDAY, pin=(52.9180, -1.4900)),
        ]
    )
    assert pairs_of(suggestions) == {("R-1", "R-2")}
    assert suggestions[0].metres_apart is not None and suggestions[0].metres_apart > 500


def test_a_report_known_only_to_its_ward_pairs_within_the_ward() -> None:
    suggestions = find_duplicates(
        [
            report("R-1", BINS_FULL, MONDAY, lsoa=ABBEY_C),
            report("R-2", BINS_SPEAK, MONDAY, lsoa=None),
            report("R-3", BINS_SPEAK, MONDAY, lsoa=None, ward=ALLESTREE),
        ]
    )
    assert pairs_of(suggestions) == {("R-1", "R-2")}
    assert suggestions[0].same_area == ("ward", ABBEY)


def test_output_is_ordered_and_independent_of_input_order() -> None:
    candidates = [
        report("R-1", CL_FULL, MONDAY),
        report("R-2", CL_SPEAK, MONDAY + timedelta(days=2)),
        report("R-3", BINS_FULL, MONDAY, lsoa=ABBEY_D),
        report("R-4", BINS_SPEAK, MONDAY + timedelta(days=1), lsoa=ABBEY_D),
        report("R-5", CL_FULL, MONDAY + timedelta(days=5)),
    ]
    expected = find_duplicates(candidates)
    assert pairs_of(expected) == {("R-1", "R-2"), ("R-3", "R-4"), ("R-1", "R-5"), ("R-2", "R-5")}
    assert expected[0] == DuplicateSuggestion(
        a="R-1",
        b="R-5",
        similarity=1.0,
        days_apart=5,
        metres_apart=None,
        same_area=("lsoa", ABBEY_C),
        shared_themes=(),
        first_received="R-1",
        reason="text similarity 1.00; received 5 days apart; same LSOA E01013456",
    )
    keys = [(-s.similarity, s.a, s.b) for s in expected]
    assert keys == sorted(keys)
    for seed in range(3):
        shuffled = candidates[:]
        random.Random(seed).shuffle(shuffled)
        assert find_duplicates(shuffled) == expected


def test_involving_limits_the_pairs_to_the_given_reports() -> None:
    candidates = [
        report("R-1", CL_FULL, MONDAY),
        report("R-2", CL_SPEAK, MONDAY + timedelta(days=2)),
        report("R-3", BINS_FULL, MONDAY, lsoa=ABBEY_D),
        report("R-4", BINS_SPEAK, MONDAY + timedelta(days=1), lsoa=ABBEY_D),
    ]
    assert pairs_of(find_duplicates(candidates, involving=["R-4"])) == {("R-3", "R-4")}
    assert pairs_of(find_duplicates(candidates, involving=["R-9"])) == set()
    assert len(find_duplicates(candidates, involving=["R-1", "R-3"])) == 2


def test_a_pairs_score_does_not_depend_on_the_rest_of_the_batch() -> None:
    pair = [report("R-1", KNIFE_FULL, MONDAY), report("R-2", KNIFE_SPEAK, MONDAY)]
    alone = find_duplicates(pair)
    crowd = [report(f"X-{i}", KNIFE_FULL + f" number {i}", MONDAY, lsoa=ABBEY_D) for i in range(30)]
    in_crowd = [s for s in find_duplicates(pair + crowd) if s.a == "R-1" and s.b == "R-2"]
    assert in_crowd == alone


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="R-1 is in the candidates twice"):
        find_duplicates([report("R-1", CL_FULL, MONDAY), report("R-1", CL_SPEAK, MONDAY)])
    with pytest.raises(ValueError, match="latitude and longitude go together"):
        Candidate("R-1", "x", MONDAY, latitude=52.9)
    with pytest.raises(ValueError, match="is not a latitude and longitude"):
        Candidate("R-1", "x", MONDAY, latitude=152.9, longitude=-1.4)
    with pytest.raises(ValueError, match="min_similarity"):
        find_duplicates([], min_similarity=1.5)


# --- merge plans ----------------------------------------------------------------------------


def test_a_merge_plan_keeps_both_originals() -> None:
    later_first = [
        report("R-0009", CL_FULL, MONDAY + timedelta(days=4)),
        report("R-0010", CL_SPEAK, MONDAY),
    ]
    (suggestion,) = find_duplicates(later_first)
    assert suggestion.first_received == "R-0010"
    plan = merge_plan(suggestion)
    assert plan.primary == "R-0010"  # the report received first
    assert plan.duplicate == "R-0009"
    assert set(plan.keep) == {"R-0009", "R-0010"}
    assert plan.link == ("R-0009", "duplicate_of", "R-0010")
    assert plan.similarity == suggestion.similarity
    assert "Both originals are kept" in plan.description

    chosen = merge_plan(suggestion, primary="R-0009")
    assert (chosen.primary, chosen.duplicate) == ("R-0009", "R-0010")
    assert chosen.link == ("R-0010", "duplicate_of", "R-0009")
    assert set(chosen.keep) == {"R-0009", "R-0010"}
    with pytest.raises(ValueError, match="not one of the pair"):
        merge_plan(suggestion, primary="R-0001")


# --- blocking on real places and volumes ----------------------------------------------------


def _derbyshire(shared_data: Path, months: tuple[str, ...]) -> list[Candidate]:
    """Street-level rows as candidates: the month's real place, a day spread over the month
    by row, the crime type and street as text."""
    ward_of: dict[str, str] = {}
    with open(shared_data / "geography" / "lsoa11_ward19_lad19_lookup.csv", newline="") as f:
        for row in csv.DictReader(f):
            ward_of[row["LSOA11CD"]] = row["WD19CD"]
    candidates = []
    for month in months:
        path = shared_data / "police" / f"{month}-derbyshire-street.csv"
        first = date.fromisoformat(f"{month}-01")
        with open(path, newline="") as f:
            for number, row in enumerate(csv.DictReader(f)):
                lsoa = row["LSOA code"] or None
                candidates.append(
                    Candidate(
                        report_id=f"{month}-{number:05d}",
                        text=f"{row['Crime type']} {row['Location']}",
                        received_on=first + timedelta(days=(number * 7) % 28),
                        lsoa_code=lsoa,
                        ward_code=ward_of.get(lsoa) if lsoa else None,
                        latitude=float(row["Latitude"]) if row["Latitude"] else None,
                        longitude=float(row["Longitude"]) if row["Longitude"] else None,
                    )
                )
    return candidates


def _brute_force_pairs(candidates: list[Candidate], max_days: int, max_metres: float) -> set:
    """Every pair in the same place and period, by comparing all pairs (numpy)."""
    n = len(candidates)
    days = np.array([c.received_on.toordinal() for c in candidates])
    within = np.abs(days[:, None] - days[None, :]) <= max_days
    lat = np.radians([c.latitude if c.latitude is not None else np.nan for c in candidates])
    lon = np.radians([c.longitude if c.longitude is not None else np.nan for c in candidates])
    h = (
        np.sin((lat[:, None] - lat[None, :]) / 2) ** 2
        + np.cos(lat[:, None])
        * np.cos(lat[None, :])
        * np.sin((lon[:, None] - lon[None, :]) / 2) ** 2
    )
    with np.errstate(invalid="ignore"):
        close = 2 * 6_371_008.8 * np.arcsin(np.sqrt(np.minimum(h, 1.0))) <= max_metres
    lsoa = np.array([c.lsoa_code or f"none-{i}" for i, c in enumerate(candidates)])
    ward = np.array([c.ward_code or f"none-{i}" for i, c in enumerate(candidates)])
    has_lsoa = np.array([c.lsoa_code is not None for c in candidates])
    same_ward = (ward[:, None] == ward[None, :]) & ~(has_lsoa[:, None] & has_lsoa[None, :])
    place = close | (lsoa[:, None] == lsoa[None, :]) | same_ward
    i, j = np.nonzero(np.triu(within & place, k=1))
    assert n == len(candidates)
    return set(zip(i.tolist(), j.tolist(), strict=True))


def test_blocking_finds_every_pair_in_the_same_place_and_period(shared_data: Path) -> None:
    everything = _derbyshire(shared_data, ("2018-10",))
    rng = random.Random(11)
    sample = rng.sample(everything, 2500)
    # Some reports lose their LSOA (ward only) or their pin, as residents' reports do.
    sample = [
        Candidate(
            c.report_id,
            c.text,
            c.received_on,
            lsoa_code=None if k % 9 == 0 else c.lsoa_code,
            ward_code=c.ward_code,
            latitude=None if k % 5 == 0 else c.latitude,
            longitude=None if k % 5 == 0 else c.longitude,
        )
        for k, c in enumerate(sample)
    ]
    for max_days, max_metres in [(DEFAULT_MAX_DAYS, DEFAULT_MAX_METRES), (3, 600.0)]:
        expected = _brute_force_pairs(sample, max_days, max_metres)
        got = candidate_pairs(sample, max_days=max_days, max_metres=max_metres)
        assert expected, "the sample should hold some pairs"
        assert expected <= got, sorted(expected - got)[:5]


def test_blocking_compares_a_small_share_of_all_pairs(shared_data: Path) -> None:
    candidates = _derbyshire(shared_data, ("2018-10", "2018-11", "2018-12"))
    n = len(candidates)
    assert n > 23_000
    pairs = candidate_pairs(candidates)
    # All pairs would be about 276 million; blocking leaves well under 1% of them.
    assert len(pairs) < 0.01 * n * (n - 1) / 2
    # And the real search on the same rows runs and keeps only pairs that qualify.
    october = [c for c in candidates if c.report_id.startswith("2018-10")]
    suggestions = find_duplicates(october)
    by_id = {c.report_id: c for c in october}
    assert suggestions
    for s in suggestions[:2000]:
        a, b = by_id[s.a], by_id[s.b]
        assert s.a < s.b
        assert abs((a.received_on - b.received_on).days) == s.days_apart <= DEFAULT_MAX_DAYS
        assert s.similarity >= DEFAULT_MIN_SIMILARITY
        assert s.same_area == ("lsoa", a.lsoa_code) or (
            s.metres_apart is not None and s.metres_apart <= DEFAULT_MAX_METRES
        )
