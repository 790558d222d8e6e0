"""Synthetic graded intelligence for the force-year benchmark (issue 10: "about 150,000 crimes,
10,000 intelligence items").

``add_intelligence`` writes graded (some disseminated) reports straight into ``intel_report``
and ``intel_raw_submission`` with SQLAlchemy Core, in batches: going through the intake
services one report at a time (audit, retention review, place lookup) would take minutes and
is not what is being measured. Values follow what the services would store: the intake hub
owns every report, partner reports name their source organisation, themes are the intake's
theme keys, grading is 3x5x2, and each place is a random point inside a real West Yorkshire
LSOA with that LSOA's ward, district and force codes. Nothing personal: the narratives are
generic sentences and no contact details are stored.

Deterministic for a given seed and database (the ids and references come from the seeded
generator too).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from beacon.config import Settings

SEED = 20180731
BATCH = 2_000
FORCE_CODE = "west-yorkshire"
ASSESSED = (dt.date(2017, 8, 1), dt.date(2018, 7, 31))
PREVIOUS = (dt.date(2016, 8, 1), dt.date(2017, 7, 31))

# Relative volumes per intake theme key: the everyday themes dominate, the serious and rare
# ones (exploitation, extremism) are a thin tail. The previous year leans a little less on
# county lines and cuckooing, so the assessment sees some themes rise.
THEME_WEIGHTS: dict[str, float] = {
    "drugs": 22,
    "asb": 16,
    "acquisitive_crime": 13,
    "violence_weapons": 10,
    "domestic_abuse": 8,
    "county_lines": 7,
    "organised_crime": 5,
    "cuckooing": 4,
    "youth_crime": 4,
    "hate_crime": 3,
    "cyber_crime": 3,
    "community_tension": 2,
    "cse": 1.5,
    "modern_slavery": 1.5,
    "radicalisation": 0.5,
    "other": 2,
}
PREVIOUS_FACTOR: dict[str, float] = {"county_lines": 0.7, "cuckooing": 0.75, "cyber_crime": 0.8}

SOURCE_EVALUATION = {"1": 25, "2": 60, "3": 15}
INTELLIGENCE_ASSESSMENT = {"A": 10, "B": 35, "C": 35, "D": 15, "E": 5}
HANDLING = {"P": 65, "C": 35}
STATES = {"graded": 70, "disseminated": 30}

# Partner source types by the demo's organisation names (anything else: a general one).
SOURCE_TYPES = {
    "housing": ("housing officer visit", "tenancy enforcement", "estate walkabout"),
    "fire": ("home fire safety visit", "crew observation"),
    "hospital": ("emergency department", "safeguarding referral"),
}

NARRATIVES: dict[str, str] = {
    "drugs": "Frequent short visits to an address and suspected street dealing nearby.",
    "asb": "Groups gathering in the evenings, noise, litter and damage reported.",
    "acquisitive_crime": "Suspected handling of stolen goods and vehicles checked at night.",
    "violence_weapons": "Reports of a knife being carried and fights near licensed premises.",
    "domestic_abuse": "Repeated arguments heard and concerns for a resident's safety.",
    "county_lines": "Young people not from the area seen running packages to cars.",
    "organised_crime": "A business thought to be a front for laundering cash.",
    "cuckooing": "A vulnerable tenant's home appears to be used by others for dealing.",
    "youth_crime": "Teenagers involved in thefts and intimidation near the shops.",
    "hate_crime": "Abuse aimed at a family because of their religion.",
    "cyber_crime": "Older residents targeted by telephone and online investment scams.",
    "community_tension": "Rising friction between groups after an incident in the park.",
    "cse": "A young person seen being picked up late at night by older adults.",
    "modern_slavery": "Workers housed in poor conditions and driven to work early each day.",
    "radicalisation": "Concern that a young person is being drawn into extremist views.",
    "other": "General concern passed on for awareness.",
}
ASSESSMENT_TEXT = "The source believes the activity is ongoing."
CONDITIONS = "Police and named partners only; not to be shared further without approval."
REFERENCE_CHARACTERS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # as beacon.intake.codes


@dataclass(frozen=True)
class Place:
    lsoa_code: str
    ward_code: str | None
    district_code: str | None
    geometry: Any  # a shapely (multi)polygon
    weight: float


def add_intelligence(
    settings: Settings, *, assessed: int = 10_000, previous: int = 8_500, seed: int = SEED
) -> dict[str, int]:
    """Add ``assessed`` reports received in the assessed year and ``previous`` in the year
    before, across West Yorkshire; returns how many went into each year."""
    from beacon.intake.service import intake_organisation
    from beacon.runtime import open_runtime

    rng = random.Random(seed)
    runtime = open_runtime(settings, migrate=False)
    try:
        with runtime.sessions() as session:
            places = west_yorkshire_places(session)
            owner = intake_organisation(session, settings).id
            sources = _partner_sources(session, owner)
            taken = _existing_references(session)
            rows = [
                *_reports(rng, places, owner, sources, taken, assessed, ASSESSED, {}),
                *_reports(rng, places, owner, sources, taken, previous, PREVIOUS, PREVIOUS_FACTOR),
            ]
            _insert(session, rows)
            session.commit()
    finally:
        runtime.close()
    return {"assessed": assessed, "previous": previous}


def west_yorkshire_places(session: Session) -> list[Place]:
    """The force's LSOAs that have a boundary, each weighted by its recorded street crime
    (intelligence gathers where crime does), with ward and district from the area lookup."""
    import shapely

    from beacon.geography.areas import lsoa_hierarchy
    from beacon.geography.models import Area, AreaBoundary, AreaLevel
    from beacon.ingest.models import StreetCrime

    force = session.scalar(
        select(Area.id).where(Area.level == AreaLevel.FORCE.value, Area.code == FORCE_CODE)
    )
    if force is None:
        raise SystemExit(f"no {FORCE_CODE} force area: load the demo first")
    # The force's districts (the lookup re-parents LSOAs to newer wards and districts, which
    # carry no force: match on the district codes the demo placed under the force).
    districts = set(
        session.scalars(
            select(Area.code).where(Area.level == AreaLevel.DISTRICT.value, Area.parent_id == force)
        )
    )
    hierarchy = lsoa_hierarchy(session)
    crimes: dict[str, int] = dict(
        session.execute(
            select(StreetCrime.lsoa_code, func.count()).group_by(StreetCrime.lsoa_code)
        ).all()
    )
    boundaries = session.execute(
        select(Area.code, AreaBoundary.geometry_wkb)
        .join(AreaBoundary, AreaBoundary.area_id == Area.id)
        .where(Area.level == AreaLevel.LSOA.value)
        .order_by(Area.code, Area.vintage)
    )
    places: dict[str, Place] = {}
    for code, wkb in boundaries:
        place = hierarchy.get(code)
        if place is None or place.district_code not in districts:
            continue
        geometry = shapely.from_wkb(bytes(wkb))
        shapely.prepare(geometry)
        places[code] = Place(
            code, place.ward_code, place.district_code, geometry, 1.0 + crimes.get(code, 0)
        )
    if not places:
        raise SystemExit("no West Yorkshire LSOA boundaries: load the demo first")
    return sorted(places.values(), key=lambda p: p.lsoa_code)


def _partner_sources(session: Session, owner: int) -> list[tuple[int, tuple[str, ...]]]:
    from beacon.auth.models import Organisation

    found = []
    for organisation_id, name in session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id != owner)
    ):
        kinds = next(
            (v for k, v in SOURCE_TYPES.items() if k in name.lower()), ("partner observation",)
        )
        found.append((organisation_id, kinds))
    return sorted(found) or [(owner, ("partner observation",))]


def _existing_references(session: Session) -> set[str]:
    from beacon.intake.models import IntelReport

    return set(session.scalars(select(IntelReport.reference)))


def _pick(rng: random.Random, weights: Mapping[str, float], k: int) -> list[str]:
    return rng.choices(list(weights), weights=list(weights.values()), k=k)


def _point(rng: random.Random, place: Place) -> tuple[float, float]:
    """A random point inside the LSOA (rejection sampling in its bounding box)."""
    import shapely

    west, south, east, north = place.geometry.bounds
    for _ in range(50):
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        if shapely.contains_xy(place.geometry, lon, lat):
            return round(lat, 5), round(lon, 5)
    inside = place.geometry.representative_point()
    return round(inside.y, 5), round(inside.x, 5)


def _reference(rng: random.Random, taken: set[str]) -> str:
    while True:
        reference = "BCN-" + "".join(rng.choices(REFERENCE_CHARACTERS, k=8))
        if reference not in taken:
            taken.add(reference)
            return reference


def _reports(
    rng: random.Random,
    places: Sequence[Place],
    owner: int,
    sources: Sequence[tuple[int, tuple[str, ...]]],
    taken: set[str],
    count: int,
    period: tuple[dt.date, dt.date],
    factor: dict[str, float],
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(report row, raw submission row) pairs: received on days spread over ``period`` (the
    analytics count intelligence by receipt), about activity that began a few days earlier."""
    weights = {k: v * factor.get(k, 1.0) for k, v in THEME_WEIGHTS.items()}
    themes = _pick(rng, weights, count)
    chosen = rng.choices(places, weights=[p.weight for p in places], k=count)
    days = (period[1] - period[0]).days
    for theme, place in zip(themes, chosen, strict=True):
        received_on = period[0] + dt.timedelta(days=rng.randint(0, days))
        occurred_from = received_on - dt.timedelta(days=min(int(rng.expovariate(0.25)), 60))
        ongoing = rng.random() < 0.15
        occurred_to = (
            None
            if ongoing or rng.random() < 0.6
            else occurred_from + dt.timedelta(days=rng.randint(1, 21))
        )
        partner = rng.random() < 0.55
        source = rng.choice(sources) if partner else None
        handling = _pick(rng, HANDLING, 1)[0]
        latitude, longitude = _point(rng, place)
        report_id = f"{rng.getrandbits(128):032x}"
        narrative = NARRATIVES[theme]
        assessment = ASSESSMENT_TEXT if rng.random() < 0.3 else None
        yield (
            {
                "id": report_id,
                "reference": _reference(rng, taken),
                "channel": "partner" if partner else "resident",
                "state": _pick(rng, STATES, 1)[0],
                "owning_organisation_id": owner,
                "submitted_by_user_id": None,
                "received_on": received_on,
                "state_changed_on": received_on + dt.timedelta(days=rng.randint(0, 10)),
                "source_organisation_id": source[0] if source else None,
                "source_type": rng.choice(source[1]) if source else None,
                "source_details": None,
                "occurred_from": occurred_from,
                "occurred_to": occurred_to,
                "occurred_time": None,
                "occurred_ongoing": ongoing,
                "location_mode": "point",
                "latitude": latitude,
                "longitude": longitude,
                "postcode": None,
                "location_text": None,
                "lsoa_code": place.lsoa_code,
                "ward_code": place.ward_code,
                "district_code": place.district_code,
                "force_code": FORCE_CODE,
                "theme_hints": "" if partner else theme,
                "theme": theme,
                "summary": narrative[:80],
                "narrative": narrative,
                "assessment": assessment,
                "source_evaluation": _pick(rng, SOURCE_EVALUATION, 1)[0],
                "intelligence_assessment": _pick(rng, INTELLIGENCE_ASSESSMENT, 1)[0],
                "handling_code": handling,
                "handling_conditions": CONDITIONS if handling == "C" else None,
                "immediate_risk": rng.random() < 0.02,
                "restricted": True,
                "closed_reason": None,
                "contact_locator": None,
                "contact_secret_hash": None,
                "erased": False,
            },
            {
                "id": f"{rng.getrandbits(128):032x}",
                "report_id": report_id,
                "narrative": narrative,
                "assessment": assessment,
                "location_text": None,
                "contact_name": None,
                "contact_email": None,
                "contact_phone": None,
                "contact_preference": None,
                "proposed_json": "[]",
            },
        )


def _insert(session: Session, rows: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    from beacon.intake.models import IntelRawSubmission, IntelReport

    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        session.execute(insert(IntelReport), [report for report, _ in batch])
        session.execute(insert(IntelRawSubmission), [raw for _, raw in batch])
