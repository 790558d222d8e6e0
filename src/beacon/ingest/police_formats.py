"""The three data.police.uk CSV layouts: how each is recognised, validated and keyed.

Each format turns one CSV row into one tuple for the staging table, or raises ``RowError``
with a reason a person can act on. The hot loop runs for every row of files with millions
of rows, so validators cache what repeats (months, LSOA codes) and avoid regexes per row.

Keys (see docs/DATA.md): a row's ``record_key`` is a 16-byte BLAKE2b digest of
- street rows with a Crime ID: the month and the Crime ID;
- street rows without one (anti-social behaviour): every field of the row;
- outcome rows: the Crime ID, the month and the outcome type;
- stop-and-search rows: the force and every field of the row.
Rows sharing a key within one file are told apart by their occurrence index (0, 1, ...), so
identical published rows are both kept, and re-importing the file matches them one to one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from hashlib import blake2b
from typing import Any, NoReturn

CRIME_TYPES: frozenset[str] = frozenset(
    {
        "Anti-social behaviour",
        "Bicycle theft",
        "Burglary",
        "Criminal damage and arson",
        "Drugs",
        "Other crime",
        "Other theft",
        "Possession of weapons",
        "Public order",
        "Robbery",
        "Shoplifting",
        "Theft from the person",
        "Vehicle crime",
        "Violence and sexual offences",
    }
)
ASB = "Anti-social behaviour"

SEARCH_TYPES = frozenset({"Person search", "Vehicle search", "Person and Vehicle search"})
GENDERS = frozenset({"Male", "Female", "Other"})
AGE_RANGES = frozenset({"under 10", "10-17", "18-24", "25-34", "over 34"})

# A generous box around the UK (data.police.uk covers England, Wales and Northern Ireland).
LAT_MIN, LAT_MAX = 49.0, 61.5
LON_MIN, LON_MAX = -11.0, 3.0

_LSOA = re.compile(r"^[EW]0[12]\d{6}$")
_CRIME_ID = re.compile(r"^[0-9a-fA-F]{64}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_SEP = "\x1f"


class RowError(ValueError):
    """A row that cannot be imported; the message says why."""


@dataclass(frozen=True)
class Column:
    name: str  # staging/target column name
    kind: str  # "str", "float", "date", "datetime", "bool", "int", "bytes"


def digest(text: str) -> bytes:
    return blake2b(text.encode("utf-8"), digest_size=16).digest()


class Caches:
    """Per-import caches of values that repeat on almost every row."""

    def __init__(self, month_value: Callable[[dt.date], Any]) -> None:
        self.months: dict[str, Any] = {}
        self.lsoas: set[str] = set()
        self._month_value = month_value

    def month(self, text: str, field: str = "Month") -> Any:
        value = self.months.get(text)
        if value is not None:
            return value
        match = _MONTH.match(text)
        if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
            raise RowError(f"{field} {text!r} is not a month in the form YYYY-MM")
        value = self._month_value(dt.date(int(match[1]), int(match[2]), 1))
        self.months[text] = value
        return value

    def lsoa(self, text: str) -> str | None:
        if not text:
            return None
        if text in self.lsoas:
            return text
        if not _LSOA.match(text):
            raise RowError(f"LSOA code {text!r} is not an English or Welsh LSOA code (E01/W01...)")
        self.lsoas.add(text)
        return text


def _coordinates(lon_text: str, lat_text: str) -> tuple[float | None, float | None]:
    if not lon_text and not lat_text:
        return None, None
    if not lon_text or not lat_text:
        raise RowError("only one of Longitude and Latitude is given")
    try:
        lon = float(lon_text)
        lat = float(lat_text)
    except ValueError:
        raise RowError(f"coordinates ({lon_text!r}, {lat_text!r}) are not numbers") from None
    if not (LON_MIN <= lon <= LON_MAX and LAT_MIN <= lat <= LAT_MAX):
        raise RowError(f"coordinates ({lon}, {lat}) are outside the United Kingdom")
    return lon, lat


def _reject_coordinates(lon_text: str, lat_text: str) -> NoReturn:
    """Raise the RowError that says what is wrong with these coordinates."""
    _coordinates(lon_text, lat_text)
    raise RowError(f"coordinates ({lon_text!r}, {lat_text!r}) are not valid")


def _bool(text: str, field: str) -> bool | None:
    if text == "":
        return None
    if text in ("True", "true", "TRUE"):
        return True
    if text in ("False", "false", "FALSE"):
        return False
    raise RowError(f"{field} {text!r} is not True or False")


@dataclass(frozen=True)
class PoliceFormat:
    """One data.police.uk layout."""

    kind: str  # "street", "outcomes", "stop-and-search"
    header: tuple[str, ...]
    optional: frozenset[str]
    table: str
    columns: tuple[Column, ...]  # target columns, in tuple order after (line, key)
    # Columns an import may overwrite when a newer publication of the same record arrives.
    updatable: tuple[str, ...]

    def matches(self, header: Sequence[str]) -> bool:
        present = set(header)
        required = set(self.header) - self.optional
        return required <= present and present <= set(self.header)


STREET = PoliceFormat(
    kind="street",
    header=(
        "Crime ID",
        "Month",
        "Reported by",
        "Falls within",
        "Longitude",
        "Latitude",
        "Location",
        "LSOA code",
        "LSOA name",
        "Crime type",
        "Last outcome category",
        "Context",
    ),
    optional=frozenset(),
    table="police_street_crime",
    columns=(
        Column("crime_id", "str"),
        Column("month", "date"),
        Column("reported_by", "str"),
        Column("falls_within", "str"),
        Column("longitude", "float"),
        Column("latitude", "float"),
        Column("location", "str"),
        Column("lsoa_code", "str"),
        Column("lsoa_name", "str"),
        Column("crime_type", "str"),
        Column("last_outcome_category", "str"),
        Column("context", "str"),
    ),
    updatable=(
        "reported_by",
        "falls_within",
        "longitude",
        "latitude",
        "location",
        "lsoa_code",
        "lsoa_name",
        "crime_type",
        "last_outcome_category",
        "context",
    ),
)

OUTCOMES = PoliceFormat(
    kind="outcomes",
    header=(
        "Crime ID",
        "Month",
        "Reported by",
        "Falls within",
        "Longitude",
        "Latitude",
        "Location",
        "LSOA code",
        "LSOA name",
        "Outcome type",
    ),
    optional=frozenset(),
    table="police_outcome",
    columns=(
        Column("crime_id", "str"),
        Column("month", "date"),
        Column("reported_by", "str"),
        Column("falls_within", "str"),
        Column("longitude", "float"),
        Column("latitude", "float"),
        Column("location", "str"),
        Column("lsoa_code", "str"),
        Column("lsoa_name", "str"),
        Column("outcome_type", "str"),
    ),
    updatable=(
        "reported_by",
        "falls_within",
        "longitude",
        "latitude",
        "location",
        "lsoa_code",
        "lsoa_name",
    ),
)

STOP_AND_SEARCH = PoliceFormat(
    kind="stop-and-search",
    header=(
        "Type",
        "Date",
        "Part of a policing operation",
        "Policing operation",
        "Latitude",
        "Longitude",
        "Gender",
        "Age range",
        "Self-defined ethnicity",
        "Officer-defined ethnicity",
        "Legislation",
        "Object of search",
        "Outcome",
        "Outcome linked to object of search",
        "Removal of more than just outer clothing",
    ),
    # Older publications lack some columns; they are stored as unknown.
    optional=frozenset(
        {
            "Policing operation",
            "Part of a policing operation",
            "Outcome linked to object of search",
            "Removal of more than just outer clothing",
        }
    ),
    table="police_stop_search",
    columns=(
        Column("force", "str"),
        Column("search_type", "str"),
        Column("occurred_at", "datetime"),
        Column("month", "date"),
        Column("part_of_operation", "bool"),
        Column("operation_name", "str"),
        Column("latitude", "float"),
        Column("longitude", "float"),
        Column("gender", "str"),
        Column("age_range", "str"),
        Column("self_defined_ethnicity", "str"),
        Column("officer_defined_ethnicity", "str"),
        Column("legislation", "str"),
        Column("object_of_search", "str"),
        Column("outcome", "str"),
        Column("outcome_linked_to_object", "bool"),
        Column("removal_of_outer_clothing", "bool"),
    ),
    updatable=(),
)

FORMATS = (STREET, OUTCOMES, STOP_AND_SEARCH)


def detect_format(header: Sequence[str]) -> PoliceFormat | None:
    cleaned = [h.strip() for h in header]
    for fmt in FORMATS:
        if fmt.matches(cleaned):
            return fmt
    return None


def describe_header_mismatch(header: Sequence[str]) -> str:
    """Why a header is none of the three layouts, naming the closest one's missing columns."""
    cleaned = {h.strip() for h in header}
    best = max(FORMATS, key=lambda f: len(cleaned & set(f.header)))
    missing = [h for h in best.header if h not in cleaned and h not in best.optional]
    unknown = sorted(cleaned - set(best.header))
    parts = [f"closest is the data.police.uk {best.kind} layout"]
    if missing:
        parts.append("missing column(s): " + ", ".join(repr(m) for m in missing))
    if unknown:
        parts.append("unexpected column(s): " + ", ".join(repr(u) for u in unknown))
    return "header is not a data.police.uk street, outcomes or stop-and-search layout (" + (
        "; ".join(parts) + ")"
    )


# A row parser takes the CSV fields and the line number and returns the staging record
# (record_key, occurrence, *values, line), or raises RowError.
RowParser = Callable[[list[str], int], tuple[Any, ...]]
# Numbers repeats of a key within the file (see police_import._RecentKeys).
NextOccurrence = Callable[[bytes], int]


class _NoCache:
    """Stands in for the recent-keys cache when a parser is given a plain function."""

    young: dict[bytes, int] = {}  # noqa: RUF012 - always empty: never written through


def _check_length(row: list[str], expected: int) -> None:
    if len(row) != expected:
        raise RowError(f"expected {expected} fields, found {len(row)}")


def street_parser(
    header: Sequence[str], month_value: Callable[[dt.date], Any], next_occurrence: NextOccurrence
) -> RowParser:
    caches = Caches(month_value)
    index = {name.strip(): i for i, name in enumerate(header)}
    order = [index[name] for name in STREET.header]
    width = len(header)
    in_order = order == list(range(12)) and width == 12
    # Month text -> (stored value, key prefix), filled on first sight of each month.
    months: dict[str, tuple[Any, bytes]] = {}
    lsoas = caches.lsoas
    crime_types = CRIME_TYPES
    fromhex = bytes.fromhex
    young: dict[bytes, int] = getattr(next_occurrence, "__self__", _NoCache).young
    young_get = young.get

    def parse(row: list[str], line: int) -> tuple[Any, ...]:
        if len(row) != width:
            _check_length(row, width)
        fields = row if in_order else [row[i] for i in order]
        (crime_id, month, reported_by, falls_within, lon, lat, location, lsoa, lsoa_name,
         crime_type, outcome, context) = fields  # fmt: skip
        if crime_type not in crime_types:
            raise RowError(
                f"Crime type {crime_type!r} is not one of the 14 data.police.uk categories"
            )
        known = months.get(month)
        if known is None:
            known = months[month] = (caches.month(month), f"S{month}".encode())
        if not reported_by or not falls_within:
            raise RowError("'Reported by' and 'Falls within' must name a force")
        longitude: float | None = None
        latitude: float | None = None
        if lon and lat:
            try:
                longitude = float(lon)
                latitude = float(lat)
            except ValueError:
                _reject_coordinates(lon, lat)
            # Written so NaN fails too (every comparison with NaN is false).
            if not (LON_MIN <= longitude <= LON_MAX and LAT_MIN <= latitude <= LAT_MAX):
                _reject_coordinates(lon, lat)
        elif lon or lat:
            _reject_coordinates(lon, lat)
        if lsoa and lsoa not in lsoas:
            caches.lsoa(lsoa)
        if crime_id:
            # Crime IDs are SHA-256 digests: 8 of their bytes after the month make the key
            # (fromhex also rejects anything that is not hexadecimal).
            try:
                if len(crime_id) != 64:
                    raise ValueError
                key = known[1] + fromhex(crime_id[:16])
            except ValueError:
                raise RowError(
                    f"Crime ID {crime_id!r} is not a 64-character hexadecimal id"
                ) from None
        else:
            key = blake2b(("A" + _SEP + _SEP.join(fields)).encode(), digest_size=16).digest()
        # The common case of next_occurrence, inlined: a key this file has just seen.
        seen = young_get(key)
        if seen is None:
            seen = next_occurrence(key)
        else:
            young[key] = seen + 1
        return (
            key,
            seen,
            crime_id or None,
            known[0],
            reported_by,
            falls_within,
            longitude,
            latitude,
            location,
            lsoa or None,
            lsoa_name or None,
            crime_type,
            outcome or None,
            context or None,
            line,
        )

    return parse


def outcomes_parser(
    header: Sequence[str], month_value: Callable[[dt.date], Any], next_occurrence: NextOccurrence
) -> RowParser:
    caches = Caches(month_value)
    index = {name.strip(): i for i, name in enumerate(header)}
    order = [index[name] for name in OUTCOMES.header]
    width = len(header)
    crime_id_ok = _CRIME_ID.match

    def parse(row: list[str], line: int) -> tuple[Any, ...]:
        _check_length(row, width)
        (
            crime_id,
            month,
            reported_by,
            falls_within,
            lon,
            lat,
            location,
            lsoa,
            lsoa_name,
            outcome_type,
        ) = (row[i] for i in order)
        if not crime_id_ok(crime_id):
            raise RowError(f"Crime ID {crime_id!r} is not a 64-character hexadecimal id")
        month_v = caches.month(month)
        if not reported_by or not falls_within:
            raise RowError("'Reported by' and 'Falls within' must name a force")
        if not outcome_type:
            raise RowError("Outcome type is empty")
        if len(outcome_type) > 120:
            raise RowError("Outcome type is longer than 120 characters")
        longitude, latitude = _coordinates(lon, lat)
        key = digest(f"O{_SEP}{crime_id}{_SEP}{month}{_SEP}{outcome_type}")
        return (
            key,
            next_occurrence(key),
            crime_id,
            month_v,
            reported_by,
            falls_within,
            longitude,
            latitude,
            location,
            caches.lsoa(lsoa),
            lsoa_name or None,
            outcome_type,
            line,
        )

    return parse


def stop_and_search_parser(
    header: Sequence[str],
    month_value: Callable[[dt.date], Any],
    force: str,
    datetime_value: Callable[[dt.datetime], Any],
    next_occurrence: NextOccurrence,
) -> RowParser:
    caches = Caches(month_value)
    index = {name.strip(): i for i, name in enumerate(header)}
    width = len(header)
    positions = [index.get(name) for name in STOP_AND_SEARCH.header]

    def parse(row: list[str], line: int) -> tuple[Any, ...]:
        _check_length(row, width)
        (
            search_type,
            date_text,
            part_of_op,
            op_name,
            lat,
            lon,
            gender,
            age,
            self_eth,
            officer_eth,
            legislation,
            obj,
            outcome,
            linked,
            removal,
        ) = (row[i].strip() if i is not None else "" for i in positions)
        if search_type not in SEARCH_TYPES:
            raise RowError(
                f"Type {search_type!r} is not one of: " + ", ".join(sorted(SEARCH_TYPES))
            )
        try:
            occurred = dt.datetime.fromisoformat(date_text)
        except ValueError:
            raise RowError(f"Date {date_text!r} is not an ISO 8601 date and time") from None
        if occurred.tzinfo is None:
            occurred = occurred.replace(tzinfo=dt.UTC)
        if gender and gender not in GENDERS:
            raise RowError(f"Gender {gender!r} is not Male, Female or Other")
        if age and age not in AGE_RANGES:
            raise RowError(f"Age range {age!r} is not one of: " + ", ".join(sorted(AGE_RANGES)))
        longitude, latitude = _coordinates(lon, lat)
        month_v = caches.month(f"{occurred.year:04d}-{occurred.month:02d}", "Date")
        key = digest(
            "X"
            + _SEP
            + force
            + _SEP
            + _SEP.join(row[i] if i is not None else "" for i in positions)
        )
        return (
            key,
            next_occurrence(key),
            force,
            search_type,
            datetime_value(occurred.astimezone(dt.UTC)),
            month_v,
            _bool(part_of_op, "Part of a policing operation"),
            op_name or None,
            latitude,
            longitude,
            gender or None,
            age or None,
            self_eth or None,
            officer_eth or None,
            legislation or None,
            obj or None,
            outcome or None,
            _bool(linked, "Outcome linked to object of search"),
            _bool(removal, "Removal of more than just outer clothing"),
            line,
        )

    return parse
