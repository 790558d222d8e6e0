"""The three partner feeds shared under SI 2007/1831: their columns and row validation.

No database here: a parser turns one CSV row into a validated record or raises
``FeedRowError`` naming the field and the reason (docs/DATA.md, "Partner feeds"). Headers are
matched after normalisation (``normalise_header``: case, spaces and punctuation do not matter);
unknown columns are ignored, missing required columns refuse the whole file.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from hashlib import blake2b
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from beacon.geography.postcodes import POSTCODE_AREAS, PostcodeError, normalise_postcode

# Kinds as the command line names them.
ASB = "asb"
DELIBERATE_FIRES = "deliberate-fires"
ASSAULT_ADMISSIONS = "assault-admissions"
FEED_KINDS: tuple[str, ...] = (ASB, DELIBERATE_FIRES, ASSAULT_ADMISSIONS)
# partner_incident.feed_kind of each incident feed.
INCIDENT_FEED_KIND: dict[str, str] = {ASB: "asb", DELIBERATE_FIRES: "deliberate_fire"}

ASB_CATEGORIES: tuple[str, ...] = ("personal", "nuisance", "environmental")
FIRE_CATEGORIES: tuple[str, ...] = ("primary", "secondary")
SEXES: dict[str, str] = {
    "male": "male",
    "m": "male",
    "female": "female",
    "f": "female",
    "other": "other",
    "unknown": "unknown",
    "u": "unknown",
    "not known": "unknown",
    "not specified": "unknown",
}

# The box the police importer uses: England, Wales, Scotland and Northern Ireland.
LAT_MIN, LAT_MAX = 49.0, 61.5
LON_MIN, LON_MAX = -11.0, 3.0
EARLIEST = dt.date(2000, 1, 1)
MAX_TEXT = 100  # incident reference, sub-type, property type
MAX_COUNT = 1_000_000

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_LSOA = re.compile(r"[EW]01\d{6}")
_OUTWARD = re.compile(r"(?P<area>[A-Z]{1,2})[0-9][0-9A-Z]?")
_WHOLE = re.compile(r"[+-]?\d+")
_SUPPRESSED = re.compile(r"<\s*(\d+)")
_AGE_RANGE = re.compile(r"(\d{1,3})-(\d{1,3})")
_AGE_OVER = re.compile(r"(\d{1,3})\+")
_HEADER_JUNK = re.compile(r"[^0-9a-z]+")
_SEP = "\x1f"


class FeedRowError(ValueError):
    """A row that cannot be imported: ``field`` is the column at fault (None for the row)."""

    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


class FeedHeaderError(ValueError):
    """The header lacks required columns (or repeats one): the whole file is refused."""


def normalise_header(name: str) -> str:
    """'Incident Reference' -> 'incident_reference', ' LSOA-code ' -> 'lsoa_code'."""
    return _HEADER_JUNK.sub("_", name.strip().lower()).strip("_")


def uk_today() -> dt.date:
    """Today's date in the UK (dates after it are in the future)."""
    try:
        return dt.datetime.now(ZoneInfo("Europe/London")).date()
    except ZoneInfoNotFoundError:  # no time zone data: UTC+1 never refuses a UK "today"
        return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).date()


def digest(*parts: object) -> bytes:
    text = _SEP.join("" if part is None else str(part) for part in parts)
    return blake2b(text.encode("utf-8"), digest_size=16).digest()


# --- formats ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedFormat:
    """The columns of one feed (normalised names)."""

    kind: str
    title: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    # Groups of which at least one must be complete (location, or the period).
    alternatives: tuple[tuple[str, ...], ...]
    needs: str  # the header requirement in words, for error messages

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


ASB_FORMAT = FeedFormat(
    kind=ASB,
    title="an anti-social behaviour feed",
    required=("incident_reference", "date", "category"),
    optional=("time", "sub_type", "latitude", "longitude", "postcode", "lsoa_code"),
    alternatives=(("latitude", "longitude"), ("postcode",)),
    needs="incident_reference, date, category, and latitude and longitude or postcode",
)
FIRE_FORMAT = FeedFormat(
    kind=DELIBERATE_FIRES,
    title="a deliberate fires feed",
    required=("incident_reference", "date", "category", "property_type"),
    optional=("time", "latitude", "longitude", "postcode", "lsoa_code"),
    alternatives=(("latitude", "longitude"), ("postcode",)),
    needs="incident_reference, date, category, property_type, and latitude and longitude or "
    "postcode",
)
ADMISSIONS_FORMAT = FeedFormat(
    kind=ASSAULT_ADMISSIONS,
    title="an assault admissions feed",
    required=("outward_postcode", "count"),
    optional=("month", "period_start", "period_end", "age_band", "sex"),
    alternatives=(("month",), ("period_start", "period_end")),
    needs="outward_postcode, count, and month or period_start and period_end",
)
FORMATS: dict[str, FeedFormat] = {f.kind: f for f in (ASB_FORMAT, FIRE_FORMAT, ADMISSIONS_FORMAT)}


def header_index(fmt: FeedFormat, header: Sequence[str]) -> dict[str, int]:
    """Position of each known column in ``header``; raises FeedHeaderError when required
    columns are missing or a known column appears twice. Unknown columns are ignored."""
    index: dict[str, int] = {}
    for position, raw in enumerate(header):
        name = normalise_header(raw)
        if name not in fmt.columns:
            continue
        if name in index:
            raise FeedHeaderError(
                f"column {name} appears twice in the header (columns {index[name] + 1} and "
                f"{position + 1})"
            )
        index[name] = position
    missing = [name for name in fmt.required if name not in index]
    if not any(all(name in index for name in group) for group in fmt.alternatives):
        missing.append(" or ".join(" and ".join(group) for group in fmt.alternatives))
    for group in fmt.alternatives:
        present = [name for name in group if name in index]
        if present and len(present) < len(group):
            absent = [name for name in group if name not in index]
            missing.append(f"{', '.join(absent)} (given {', '.join(present)})")
    if missing:
        found = ", ".join(repr(h.strip()) for h in header[:20]) + (
            ", ..." if len(header) > 20 else ""
        )
        raise FeedHeaderError(
            f"missing required column(s): {'; '.join(missing)}. "
            f"{fmt.title[0].upper()}{fmt.title[1:]} needs {fmt.needs} (found: {found})"
        )
    return index


# --- field validators ------------------------------------------------------------------------


class _Dates:
    """Parses dates (YYYY-MM-DD or DD/MM/YYYY), caching the texts seen."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self._cache: dict[str, dt.date] = {}

    def parse(self, text: str, field: str) -> dt.date:
        value = self._cache.get(text)
        if value is not None:
            return value
        day: dt.date | None = None
        match = _ISO_DATE.fullmatch(text)
        try:
            if match:
                day = dt.date(int(match[1]), int(match[2]), int(match[3]))
            else:
                match = _UK_DATE.fullmatch(text)
                if match:
                    day = dt.date(int(match[3]), int(match[2]), int(match[1]))
        except ValueError:
            day = None
        if day is None:
            if not text:
                raise FeedRowError(field, f"{field} is empty")
            raise FeedRowError(
                field, f"{field} {text!r} is not a date (expected YYYY-MM-DD or DD/MM/YYYY)"
            )
        if day < EARLIEST:
            raise FeedRowError(field, f"{field} {day.isoformat()} is before 2000")
        if day > self.today:
            raise FeedRowError(field, f"{field} {day.isoformat()} is in the future")
        self._cache[text] = day
        return day


def _time(text: str) -> dt.time | None:
    if not text:
        return None
    match = _TIME.fullmatch(text)
    if not match:
        raise FeedRowError("time", f"time {text!r} is not a time of day as HH:MM (00:00 to 23:59)")
    return dt.time(int(match[1]), int(match[2]))


def _text(text: str, field: str, *, required: bool) -> str | None:
    value = " ".join(text.split())
    if not value:
        if required:
            raise FeedRowError(field, f"{field} is empty")
        return None
    if len(value) > MAX_TEXT:
        raise FeedRowError(field, f"{field} is longer than {MAX_TEXT} characters")
    return value


def _category(text: str, allowed: tuple[str, ...]) -> str:
    value = text.strip().lower()
    if value not in allowed:
        if not value:
            raise FeedRowError("category", "category is empty")
        raise FeedRowError("category", f"category {text!r} is not one of {', '.join(allowed)}")
    return value


def _coordinate(text: str, field: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise FeedRowError(field, f"{field} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise FeedRowError(field, f"{field} {text!r} is not a number")
    return value


def coordinates(lat_text: str, lon_text: str) -> tuple[float | None, float | None]:
    """Both empty, or both numbers inside the UK box; raises FeedRowError otherwise."""
    if not lat_text and not lon_text:
        return None, None
    if not lat_text or not lon_text:
        absent, given = ("latitude", "longitude") if not lat_text else ("longitude", "latitude")
        raise FeedRowError(absent, f"{absent} is empty but {given} is given: give both, or neither")
    lat = _coordinate(lat_text, "latitude")
    lon = _coordinate(lon_text, "longitude")
    swapped = LAT_MIN <= lon <= LAT_MAX and LON_MIN <= lat <= LON_MAX
    hint = "; are latitude and longitude swapped?" if swapped else ""
    if not LAT_MIN <= lat <= LAT_MAX:
        raise FeedRowError(
            "latitude",
            f"latitude {lat_text} is outside the United Kingdom ({LAT_MIN:g} to {LAT_MAX:g})"
            + hint,
        )
    if not LON_MIN <= lon <= LON_MAX:
        raise FeedRowError(
            "longitude",
            f"longitude {lon_text} is outside the United Kingdom ({LON_MIN:g} to {LON_MAX:g})"
            + hint,
        )
    return lat, lon


def _postcode(text: str) -> str | None:
    if not text:
        return None
    try:
        return normalise_postcode(text)
    except PostcodeError as exc:
        raise FeedRowError("postcode", f"postcode {exc}") from None


def _lsoa(text: str) -> str | None:
    if not text:
        return None
    code = text.upper()
    if not _LSOA.fullmatch(code):
        raise FeedRowError(
            "lsoa_code",
            f"lsoa_code {text!r} is not an English or Welsh LSOA code (E01 or W01 and 6 "
            "digits, e.g. E01013453)",
        )
    return code


def outward_postcode(text: str) -> str:
    """A UK outward code ("BN2", "SW1A") in upper case; raises FeedRowError otherwise."""
    field = "outward_postcode"
    compact = "".join(text.split()).upper()
    if not compact:
        raise FeedRowError(field, f"{field} is empty")
    if 5 <= len(compact) <= 7:
        try:
            full = normalise_postcode(compact)
        except PostcodeError:
            pass
        else:
            raise FeedRowError(
                field,
                f"{field} {text!r} is a full postcode: give only its outward part "
                f"({full.split()[0]}), as the feed is depersonalised",
            )
    match = _OUTWARD.fullmatch(compact)
    if not match:
        raise FeedRowError(
            field,
            f"{field} {text!r} is not a UK outward postcode: expected one or two letters, a "
            "digit, then an optional digit or letter (e.g. BN2, DE1, SW1A)",
        )
    if match["area"] not in POSTCODE_AREAS:
        raise FeedRowError(
            field,
            f"{field} {text!r} is not a UK outward postcode: {match['area']!r} is not a UK "
            "postcode area",
        )
    return compact


def admission_count(text: str) -> tuple[int | None, str | None]:
    """(count, None) for a whole number, (None, marker) for a suppressed count ("*", "<5")."""
    value = text.strip()
    if not value:
        raise FeedRowError(
            "count", "count is empty (give a whole number, or * or <5 when the count is suppressed)"
        )
    if value == "*":
        return None, "*"
    match = _SUPPRESSED.fullmatch(value)
    if match and int(match[1]) > 0:
        return None, f"<{int(match[1])}"
    if not _WHOLE.fullmatch(value):
        raise FeedRowError(
            "count",
            f"count {value!r} is not a whole number (or * or <5 when the count is suppressed)",
        )
    count = int(value)
    if count < 0:
        raise FeedRowError("count", f"count {value} is negative")
    if count > MAX_COUNT:
        raise FeedRowError("count", f"count {value} is more than {MAX_COUNT:,}")
    return count, None


def age_band(text: str) -> str | None:
    value = "".join(text.split()).lower().replace("\u2013", "-").replace("\u2014", "-")
    if not value:
        return None
    if value == "unknown":
        return value
    match = _AGE_RANGE.fullmatch(value)
    if match and int(match[1]) <= int(match[2]) <= 130:
        return f"{int(match[1])}-{int(match[2])}"
    match = _AGE_OVER.fullmatch(value)
    if match and int(match[1]) <= 130:
        return f"{int(match[1])}+"
    raise FeedRowError(
        "age_band", f"age_band {text!r} is not an age band such as 18-24, 65+ or unknown"
    )


def sex(text: str) -> str | None:
    value = " ".join(text.split()).lower()
    if not value:
        return None
    found = SEXES.get(value)
    if found is None:
        raise FeedRowError(
            "sex", f"sex {text!r} is not one of male, female, other, unknown (or M, F, U)"
        )
    return found


# --- records ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    """A validated row of the ASB or deliberate fires feed."""

    reference: str
    occurred_on: dt.date
    occurred_time: dt.time | None
    category: str
    sub_type: str | None
    latitude: float | None
    longitude: float | None
    postcode: str | None
    given_lsoa_code: str | None
    digest: bytes

    def content(self, sub_type_column: str) -> dict[str, object]:
        """The values the digest covers, by feed column name (to say what differs)."""
        return {
            "date": self.occurred_on,
            "time": self.occurred_time,
            "category": self.category,
            sub_type_column: self.sub_type,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "postcode": self.postcode,
            "lsoa_code": self.given_lsoa_code,
        }


@dataclass(frozen=True, slots=True)
class AdmissionRecord:
    """A validated row of the assault admissions feed."""

    period_start: dt.date
    period_end: dt.date
    outward_postcode: str
    age_band: str | None
    sex: str | None
    count: int | None
    suppression_marker: str | None
    key: bytes
    digest: bytes

    @property
    def suppressed(self) -> bool:
        return self.count is None

    def describe_key(self) -> str:
        parts = [
            f"period {self.period_start.isoformat()} to {self.period_end.isoformat()}",
            self.outward_postcode,
            f"age band {self.age_band or '(all)'}",
            f"sex {self.sex or '(all)'}",
        ]
        return ", ".join(parts)

    def count_text(self) -> str:
        return str(self.count) if self.count is not None else str(self.suppression_marker)


class IncidentParser:
    """Validates rows of the ASB or deliberate fires feed (one header's column positions)."""

    def __init__(self, fmt: FeedFormat, index: Mapping[str, int], today: dt.date) -> None:
        self.fmt = fmt
        self.dates = _Dates(today)
        self.fire = fmt.kind == DELIBERATE_FIRES
        self.categories = FIRE_CATEGORIES if self.fire else ASB_CATEGORIES
        self.sub_type_column = "property_type" if self.fire else "sub_type"
        names = (
            "incident_reference",
            "date",
            "time",
            "category",
            self.sub_type_column,
            "latitude",
            "longitude",
            "postcode",
            "lsoa_code",
        )
        self.positions = [index.get(name) for name in names]

    def __call__(self, row: Sequence[str]) -> IncidentRecord:
        (ref_t, date_t, time_t, category_t, sub_t, lat_t, lon_t, postcode_t, lsoa_t) = (
            row[i].strip() if i is not None else "" for i in self.positions
        )
        reference = _text(ref_t, "incident_reference", required=True)
        assert reference is not None
        occurred_on = self.dates.parse(date_t, "date")
        occurred_time = _time(time_t)
        category = _category(category_t, self.categories)
        sub_type = _text(sub_t, self.sub_type_column, required=self.fire)
        latitude, longitude = coordinates(lat_t, lon_t)
        postcode = _postcode(postcode_t)
        given_lsoa = _lsoa(lsoa_t)
        if latitude is None and postcode is None:
            raise FeedRowError(
                "location", "no location: give latitude and longitude, or a postcode"
            )
        return IncidentRecord(
            reference=reference,
            occurred_on=occurred_on,
            occurred_time=occurred_time,
            category=category,
            sub_type=sub_type,
            latitude=latitude,
            longitude=longitude,
            postcode=postcode,
            given_lsoa_code=given_lsoa,
            digest=digest(
                occurred_on.isoformat(),
                occurred_time.strftime("%H:%M") if occurred_time else None,
                category,
                sub_type,
                repr(latitude) if latitude is not None else None,
                repr(longitude) if longitude is not None else None,
                postcode,
                given_lsoa,
            ),
        )


class AdmissionParser:
    """Validates rows of the assault admissions feed."""

    def __init__(self, index: Mapping[str, int], today: dt.date) -> None:
        self.today = today
        self.dates = _Dates(today)
        names = ("month", "period_start", "period_end", "outward_postcode", "count", "age_band")
        self.positions = [index.get(name) for name in (*names, "sex")]
        self._months: dict[str, tuple[dt.date, dt.date]] = {}

    def _month(self, text: str) -> tuple[dt.date, dt.date]:
        known = self._months.get(text)
        if known is not None:
            return known
        match = _MONTH.fullmatch(text)
        if not match or not 1 <= int(match[2]) <= 12:
            raise FeedRowError("month", f"month {text!r} is not a month as YYYY-MM")
        year, month = int(match[1]), int(match[2])
        start = dt.date(year, month, 1)
        end = (start + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1)
        if start < EARLIEST:
            raise FeedRowError("month", f"month {text} is before 2000")
        if end > self.today:
            raise FeedRowError(
                "month", f"month {text} has not ended yet (it ends {end.isoformat()})"
            )
        self._months[text] = (start, end)
        return start, end

    def __call__(self, row: Sequence[str]) -> AdmissionRecord:
        (month_t, start_t, end_t, outward_t, count_t, age_t, sex_t) = (
            row[i].strip() if i is not None else "" for i in self.positions
        )
        if month_t:
            if start_t or end_t:
                raise FeedRowError(
                    "month", "give either month, or period_start and period_end, not both"
                )
            start, end = self._month(month_t)
        else:
            if not start_t and not end_t:
                field = "month" if self.positions[0] is not None else "period_start"
                raise FeedRowError(field, "no period: give month, or period_start and period_end")
            start = self.dates.parse(start_t, "period_start")
            end = self.dates.parse(end_t, "period_end")
            if end < start:
                raise FeedRowError(
                    "period_end",
                    f"period_end {end.isoformat()} is before period_start {start.isoformat()}",
                )
        outward = outward_postcode(outward_t)
        count, marker = admission_count(count_t)
        band = age_band(age_t)
        sex_value = sex(sex_t)
        return AdmissionRecord(
            period_start=start,
            period_end=end,
            outward_postcode=outward,
            age_band=band,
            sex=sex_value,
            count=count,
            suppression_marker=marker,
            key=digest(start.isoformat(), end.isoformat(), outward, band, sex_value),
            digest=digest(count, marker),
        )
