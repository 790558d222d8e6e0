"""Realistic sample partner feeds (seeded), for tests, benchmarks and the demo.

``write_sample_feeds`` writes one CSV of each kind in the exact format ``beacon import
partner-feed`` accepts (docs/DATA.md, "Partner feeds"). Volumes and mixes are plausible for a
district over a month, not real figures: anti-social behaviour is mostly nuisance and peaks in
summer evenings and at weekends; deliberate fires are mostly secondary (refuse, grassland);
assault admissions are small counts per outward postcode, suppressed below five.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from collections.abc import Sequence
from pathlib import Path

from beacon.ingest.partner_formats import ASB, ASSAULT_ADMISSIONS, DELIBERATE_FIRES

ASB_HEADER = [
    "incident_reference",
    "date",
    "time",
    "category",
    "sub_type",
    "latitude",
    "longitude",
    "postcode",
    "lsoa_code",
]
FIRE_HEADER = [
    "incident_reference",
    "date",
    "time",
    "category",
    "property_type",
    "latitude",
    "longitude",
    "postcode",
]
ADMISSIONS_HEADER = ["month", "outward_postcode", "age_band", "sex", "count"]

_ASB_TYPES: dict[str, tuple[float, tuple[str, ...]]] = {
    "nuisance": (
        0.68,
        ("rowdy or inconsiderate behaviour", "noise", "vehicle nuisance", "street drinking"),
    ),
    "personal": (0.22, ("harassment", "intimidation", "neighbour dispute")),
    "environmental": (0.10, ("fly-tipping", "graffiti", "littering", "abandoned vehicle")),
}
_FIRE_TYPES: dict[str, tuple[float, tuple[str, ...]]] = {
    "secondary": (0.78, ("Refuse", "Grassland", "Wheelie bin", "Derelict vehicle", "Scrub")),
    "primary": (0.22, ("Vehicle", "Dwelling", "Outbuilding", "Other building")),
}
_AGE_BANDS = ("0-17", "18-24", "25-34", "35-44", "45-64", "65+")
_AGE_WEIGHTS = (0.10, 0.27, 0.27, 0.18, 0.15, 0.03)
# Hours of the day, weighted towards the evening (anti-social behaviour and fires alike).
_HOUR_WEIGHTS = tuple(1.0 + 3.0 * math.exp(-(((h - 20) % 24) ** 2) / 18) for h in range(24))
# Seasonal factor by month (1-12): more in summer, and fires around Bonfire Night.
_ASB_SEASON = (0.8, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.3, 1.1, 1.0, 1.0, 0.8)
_FIRE_SEASON = (0.7, 0.7, 0.9, 1.2, 1.2, 1.1, 1.2, 1.2, 1.0, 1.1, 1.6, 0.8)


def write_sample_feeds(
    directory: Path,
    *,
    seed: int,
    months: Sequence[str],
    areas: Sequence[tuple[str, float, float]] = (),
    postcodes: Sequence[str] = (),
    outward_codes: Sequence[str] = (),
    asb_per_area_month: float = 3.0,
    fires_per_area_month: float = 0.6,
    admissions_per_outward_month: float = 30.0,
    scatter: float = 0.0,
    postcode_share: float = 0.2,
) -> dict[str, Path]:
    """Write ``asb.csv``, ``deliberate-fires.csv`` and ``assault-admissions.csv`` in
    ``directory`` and return their paths by kind.

    ``areas`` are (LSOA code, latitude, longitude) points, e.g. each LSOA's representative point;
    ``postcodes`` full postcodes. Incidents are placed at an area's point (moved at random by up
    to ``scatter`` degrees, 0 keeps them exactly there) or, for ``postcode_share`` of them when
    postcodes are given (all of them when no areas are), at a postcode only. ASB rows carry the
    area's LSOA code. Admissions cover ``outward_codes``, or the outward parts of ``postcodes``.
    ``months`` are ``YYYY-MM`` texts; the same arguments always write the same files.
    """
    if not areas and not postcodes:
        raise ValueError("give areas (LSOA code, latitude, longitude) or postcodes, or both")
    outwards = sorted(set(outward_codes) or {p.split()[0].upper() for p in postcodes})
    if not outwards:
        raise ValueError("give postcodes or outward_codes for the assault admissions feed")
    parsed = [_month(m) for m in months]
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    places = _Places(rng, areas, postcodes, scatter, postcode_share)
    paths = {
        ASB: directory / "asb.csv",
        DELIBERATE_FIRES: directory / "deliberate-fires.csv",
        ASSAULT_ADMISSIONS: directory / "assault-admissions.csv",
    }
    sites = max(len(areas), len(postcodes))
    asb_rows: list[list[str]] = []
    fire_rows: list[list[str]] = []
    admission_rows: list[list[str]] = []
    for year, month in parsed:
        asb_mean = asb_per_area_month * sites * _ASB_SEASON[month - 1]
        for n in range(_poisson(rng, asb_mean)):
            category, sub_type = _pick_type(rng, _ASB_TYPES)
            day, clock = _when(rng, year, month, weekend_boost=1.4)
            lat, lon, postcode, lsoa = places.pick()
            asb_rows.append(
                [
                    f"ASB-{year}{month:02d}-{n + 1:05d}",
                    day,
                    clock,
                    category,
                    sub_type if rng.random() < 0.9 else "",
                    lat,
                    lon,
                    postcode,
                    lsoa,
                ]
            )
        fire_mean = fires_per_area_month * sites * _FIRE_SEASON[month - 1]
        for n in range(_poisson(rng, fire_mean)):
            category, property_type = _pick_type(rng, _FIRE_TYPES)
            day, clock = _when(rng, year, month, weekend_boost=1.2)
            lat, lon, postcode, _lsoa = places.pick()
            fire_rows.append(
                [
                    f"DF{year % 100:02d}{month:02d}{n + 1:04d}",
                    day,
                    clock,
                    category,
                    property_type,
                    lat,
                    lon,
                    postcode,
                ]
            )
        for outward in outwards:
            for sex, share in (("male", 0.72), ("female", 0.28)):
                for band, weight in zip(_AGE_BANDS, _AGE_WEIGHTS, strict=True):
                    count = _poisson(rng, admissions_per_outward_month * share * weight)
                    shown = str(count) if count == 0 or count >= 5 else rng.choice(("*", "<5"))
                    admission_rows.append([f"{year}-{month:02d}", outward, band, sex, shown])
    _write(paths[ASB], ASB_HEADER, asb_rows)
    _write(paths[DELIBERATE_FIRES], FIRE_HEADER, fire_rows)
    _write(paths[ASSAULT_ADMISSIONS], ADMISSIONS_HEADER, admission_rows)
    return paths


class _Places:
    def __init__(
        self,
        rng: random.Random,
        areas: Sequence[tuple[str, float, float]],
        postcodes: Sequence[str],
        scatter: float,
        postcode_share: float,
    ) -> None:
        self.rng = rng
        self.areas = list(areas)
        self.postcodes = list(postcodes)
        self.scatter = scatter
        self.postcode_share = postcode_share if areas else 1.0

    def pick(self) -> tuple[str, str, str, str]:
        """(latitude, longitude, postcode, lsoa code) as CSV texts."""
        rng = self.rng
        if self.postcodes and rng.random() < self.postcode_share:
            return "", "", rng.choice(self.postcodes), ""
        code, lat, lon = rng.choice(self.areas)
        if self.scatter:
            lat += rng.uniform(-self.scatter, self.scatter)
            lon += rng.uniform(-self.scatter, self.scatter)
        return f"{lat:.6f}", f"{lon:.6f}", "", code


def _month(text: str) -> tuple[int, int]:
    year, month = text.split("-")
    return int(year), int(month)


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (normal approximation for large means)."""
    if mean <= 0:
        return 0
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _pick_type(
    rng: random.Random, types: dict[str, tuple[float, tuple[str, ...]]]
) -> tuple[str, str]:
    categories = list(types)
    category = rng.choices(categories, weights=[types[c][0] for c in categories])[0]
    return category, rng.choice(types[category][1])


def _when(rng: random.Random, year: int, month: int, *, weekend_boost: float) -> tuple[str, str]:
    """A date in the month (weekends more likely) and a time (evenings more likely)."""
    first = dt.date(year, month, 1)
    days = ((first + dt.timedelta(days=31)).replace(day=1) - first).days
    candidates = [first + dt.timedelta(days=d) for d in range(days)]
    weights = [weekend_boost if d.weekday() >= 5 else 1.0 for d in candidates]
    day = rng.choices(candidates, weights=weights)[0]
    hour = rng.choices(range(24), weights=_HOUR_WEIGHTS)[0]
    clock = f"{hour:02d}:{rng.randrange(60):02d}" if rng.random() < 0.85 else ""
    return day.isoformat(), clock


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
