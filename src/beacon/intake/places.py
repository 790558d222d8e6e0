"""Finding a place for the partner intelligence form: a postcode, or a street by name.

A postcode is looked up in the loaded postcode directory (``geography.lookup_postcode``). Any
other text is matched against the street names of the loaded data.police.uk rows ("On or near
Albion Street"), which come with anonymised map points (a point near the street, never an
address); one result per street and LSOA, at the street's most used point there, busiest first.
Nothing is written, logged or audited: the text looked for is intelligence, and the answer is
reference data the partner could read on data.police.uk.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beacon.geography.models import Area, AreaLevel
from beacon.geography.postcodes import normalise_postcode
from beacon.geography.service import (
    GeographyError,
    NotFoundError,
    NotLoadedError,
    PostcodeError,
    lookup_postcode,
)
from beacon.ingest.models import StreetCrime

MAX_QUERY = 100
MIN_STREET_QUERY = 3
MAX_RESULTS = 10
_POINTS_SCANNED = 200  # (street, LSOA, point) groups read to pick MAX_RESULTS streets
_STREET_PREFIX = "On or near "


@dataclass(frozen=True)
class Place:
    """One place found: ``kind`` is "postcode" (use the postcode) or "point" (use the point,
    with ``location_text`` naming the street)."""

    kind: str
    label: str
    detail: str
    latitude: float | None
    longitude: float | None
    postcode: str = ""
    location_text: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def choice(self) -> str:
        """The value a no-JavaScript form posts to use this place (checked again on use)."""
        if self.kind == "postcode":
            return f"postcode|{self.postcode}"
        return f"point|{self.latitude:.6f}|{self.longitude:.6f}|{self.location_text}"


@dataclass(frozen=True)
class Found:
    places: list[Place]
    message: str  # what was found, or why nothing was


def find_places(session: Session, query: str) -> Found:
    text = " ".join(query.split())[:MAX_QUERY]
    if not text:
        return Found([], "Enter a postcode or a street name to look for")
    try:
        postcode = normalise_postcode(text)
    except PostcodeError:
        postcode = None
    if postcode is not None:
        return _postcode(session, postcode)
    if len(text) < MIN_STREET_QUERY:
        return Found([], f"Enter at least {MIN_STREET_QUERY} letters of the street name")
    return _streets(session, text)


def _postcode(session: Session, postcode: str) -> Found:
    try:
        result = lookup_postcode(session, postcode)
    except NotLoadedError:
        return Found(
            [],
            "Postcodes are not loaded in this Beacon, so they cannot be looked up: choose "
            "“A postcode” below and type it, or look for the street",
        )
    except NotFoundError:
        return Found([], f"{postcode} is not in the loaded postcode directory")
    except GeographyError:
        return Found([], f"{postcode} could not be looked up")
    areas = [
        f"{info.name or info.code}"
        for info in (result.lsoa, result.ward, result.district)
        if info is not None
    ]
    detail = ", ".join(areas) if areas else "no areas recorded for it"
    place = Place(
        kind="postcode",
        label=result.postcode,
        detail=detail,
        latitude=result.latitude,
        longitude=result.longitude,
        postcode=result.postcode,
    )
    return Found([place], f"{result.postcode} is in the loaded postcode directory")


def _streets(session: Session, text: str) -> Found:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = session.execute(
        select(
            StreetCrime.location,
            StreetCrime.lsoa_code,
            StreetCrime.latitude,
            StreetCrime.longitude,
            func.count().label("rows"),
        )
        .where(
            StreetCrime.location.ilike(f"%{escaped}%", escape="\\"),
            StreetCrime.latitude.is_not(None),
            StreetCrime.longitude.is_not(None),
        )
        .group_by(
            StreetCrime.location,
            StreetCrime.lsoa_code,
            StreetCrime.latitude,
            StreetCrime.longitude,
        )
        .order_by(func.count().desc(), StreetCrime.location)
        .limit(_POINTS_SCANNED)
    ).all()
    chosen: dict[tuple[str, str | None], tuple[float, float]] = {}
    for location, lsoa_code, latitude, longitude, _ in rows:
        key = (location, lsoa_code)
        if key not in chosen and len(chosen) < MAX_RESULTS:
            assert latitude is not None and longitude is not None  # filtered in the query
            chosen[key] = (float(latitude), float(longitude))
    if not chosen:
        return Found([], f"No street matching “{text}” in the loaded police data")
    names = _lsoa_names(session, {code for _, code in chosen if code})
    places = []
    for (location, lsoa_code), (latitude, longitude) in chosen.items():
        street = location.removeprefix(_STREET_PREFIX).strip() or location
        area = names.get(lsoa_code or "", lsoa_code or "area not recorded")
        places.append(
            Place(
                kind="point",
                label=street,
                detail=f"near a point in {area}",
                latitude=round(float(latitude), 6),
                longitude=round(float(longitude), 6),
                location_text=street,
            )
        )
    count = len(places)
    return Found(places, f"{count} street{'s' if count != 1 else ''} matching “{text}”")


def _lsoa_names(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = session.execute(
        select(Area.code, Area.name).where(
            Area.level == AreaLevel.LSOA.value, Area.code.in_(sorted(codes))
        )
    ).all()
    return {code: f"{name} ({code})" if name else code for code, name in rows}


def place_from_choice(value: str) -> dict[str, str] | None:
    """The form values a posted choice sets (None when it is not one of ours). The values are
    checked again like typed ones when the report is submitted."""
    parts = value.split("|")
    if len(parts) == 2 and parts[0] == "postcode":
        try:
            return {"location_mode": "postcode", "postcode": normalise_postcode(parts[1])}
        except PostcodeError:
            return None
    if len(parts) == 4 and parts[0] == "point":
        try:
            latitude, longitude = float(parts[1]), float(parts[2])
        except ValueError:
            return None
        return {
            "location_mode": "point",
            "latitude": f"{latitude:.6f}",
            "longitude": f"{longitude:.6f}",
            "location_text": parts[3][:200],
        }
    return None
