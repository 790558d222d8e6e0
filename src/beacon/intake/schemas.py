"""What intake accepts, checked field by field so every error names its field.

The resident form and the partner form/API are parsed into these frozen dataclasses by
``parse_resident_form`` / ``parse_partner_submission``; each raises ``FormErrors`` with one
message per field (the web pages show them in an error summary linked to the fields, the API
returns them as a 422 body).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from beacon.geography.postcodes import PostcodeError, normalise_postcode
from beacon.intake.models import LocationMode, SubjectKind, SubjectRole
from beacon.intake.themes import RESIDENT_HINTS
from beacon.triage.schemas import ThemeCatalogue

MAX_NARRATIVE = 10_000
MAX_SHORT = 300
MAX_SUBJECTS = 50
MIN_NARRATIVE = 10
SOURCE_EVALUATIONS = ("1", "2", "3")
INTELLIGENCE_ASSESSMENTS = ("A", "B", "C", "D", "E")
HANDLING_CODES = ("P", "C")
# Great Britain and Northern Ireland with a margin (the portal is for UK partnerships).
UK_LATITUDE = (49.8, 60.95)
UK_LONGITUDE = (-8.7, 1.9)
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_PHONE = re.compile(r"^\+?[0-9 ()\-.]{7,20}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FormErrors(ValueError):
    """One message per field, in form order."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


@dataclass(frozen=True)
class ContactDetails:
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    preference: str | None = None


@dataclass(frozen=True)
class Where:
    mode: LocationMode
    latitude: float | None = None
    longitude: float | None = None
    postcode: str | None = None
    text: str | None = None  # street or place in words; or the area a withheld place is in


@dataclass(frozen=True)
class When:
    occurred_from: dt.date | None = None
    occurred_to: dt.date | None = None
    time_text: str | None = None
    ongoing: bool = False


@dataclass(frozen=True)
class ResidentReportIn:
    narrative: str
    where: Where
    when: When
    hints: tuple[str, ...] = ()
    contact: ContactDetails | None = None


@dataclass(frozen=True)
class SubjectIn:
    kind: SubjectKind
    value: str
    role: SubjectRole = SubjectRole.OTHER
    details: str | None = None


@dataclass(frozen=True)
class Grading:
    source_evaluation: str
    intelligence_assessment: str
    handling_code: str
    handling_conditions: str | None = None


@dataclass(frozen=True)
class PartnerReportIn:
    summary: str
    narrative: str  # facts: what was seen, heard or found
    assessment: str | None  # the professional's opinion, kept apart (DPA 2018 s.38)
    source_type: str
    source_details: str | None
    where: Where
    when: When
    theme: str | None
    grading: Grading
    immediate_risk: bool = False
    subjects: tuple[SubjectIn, ...] = ()
    indicator_ids: tuple[int, ...] = ()
    source_organisation_id: int | None = None


@dataclass
class _Collector:
    errors: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise FormErrors(self.errors)


def clean_text(value: Any) -> str:
    """Text as typed, with control characters removed and line endings normalised."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def _optional(value: Any, name: str, limit: int, errors: _Collector) -> str | None:
    text = clean_text(value)
    if len(text) > limit:
        errors.add(name, f"must be at most {limit} characters (it has {len(text)})")
    return text or None


def _date(value: Any, name: str, errors: _Collector, *, today: dt.date) -> dt.date | None:
    text = clean_text(value)
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        errors.add(name, f"must be a date like 2026-03-31 (got {text[:30]!r})")
        return None
    if day > today:
        errors.add(name, "cannot be in the future")
    elif day < today - dt.timedelta(days=366 * 20):
        errors.add(name, "is more than 20 years ago; check the year")
    return day


def _day_parts(data: Mapping[str, Any], prefix: str) -> str:
    """A date from separate day/month/year inputs (the no-JavaScript form) or one ISO field."""
    single = clean_text(data.get(prefix))
    if single:
        return single
    day = clean_text(data.get(f"{prefix}_day"))
    month = clean_text(data.get(f"{prefix}_month"))
    year = clean_text(data.get(f"{prefix}_year"))
    if not (day or month or year):
        return ""
    if not (day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4):
        return f"{year}-{month}-{day}"  # fails ISO parsing with a clear message
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


def parse_where(data: Mapping[str, Any], errors: _Collector) -> Where:
    raw_mode = clean_text(data.get("location_mode")) or "withheld"
    try:
        mode = LocationMode(raw_mode)
    except ValueError:
        errors.add("location_mode", "choose how you want to say where")
        return Where(mode=LocationMode.WITHHELD)
    text = _optional(data.get("location_text"), "location_text", MAX_SHORT, errors)
    if mode is LocationMode.POINT:
        latitude = _coordinate(data.get("latitude"), "latitude", UK_LATITUDE, errors)
        longitude = _coordinate(data.get("longitude"), "longitude", UK_LONGITUDE, errors)
        return Where(mode=mode, latitude=latitude, longitude=longitude, text=text)
    if mode is LocationMode.POSTCODE:
        postcode_text = clean_text(data.get("postcode"))
        if not postcode_text:
            errors.add("postcode", "enter the postcode, or choose another way to say where")
            return Where(mode=mode, text=text)
        try:
            postcode = normalise_postcode(postcode_text)
        except PostcodeError as exc:
            errors.add("postcode", str(exc).replace(repr(postcode_text), "this"))
            return Where(mode=mode, text=text)
        return Where(mode=mode, postcode=postcode, text=text)
    if mode is LocationMode.STREET and not text:
        errors.add("location_text", "enter the street or place, or choose another option")
    return Where(mode=mode, text=text)


def _coordinate(
    value: Any, name: str, bounds: tuple[float, float], errors: _Collector
) -> float | None:
    text = clean_text(value)
    if not text:
        errors.add(name, "choose a point on the map, or choose another way to say where")
        return None
    try:
        number = float(text)
    except ValueError:
        errors.add(name, f"must be a number (got {text[:30]!r})")
        return None
    if not math.isfinite(number) or not bounds[0] <= number <= bounds[1]:
        errors.add(name, "is outside the UK")
        return None
    return round(number, 6)


def parse_when(data: Mapping[str, Any], errors: _Collector, *, today: dt.date) -> When:
    mode = clean_text(data.get("when_mode")) or "date"
    if mode not in ("date", "range", "ongoing", "unknown"):
        errors.add("when_mode", "choose when it happened")
        return When()
    time_text = _optional(data.get("occurred_time"), "occurred_time", 60, errors)
    if mode == "unknown":
        return When(time_text=time_text)
    start = _date(_day_parts(data, "occurred_from"), "occurred_from", errors, today=today)
    end = None
    if mode == "range":
        end = _date(_day_parts(data, "occurred_to"), "occurred_to", errors, today=today)
        if start and end and end < start:
            errors.add("occurred_to", "must be on or after the first date")
    if mode in ("date", "range") and start is None and "occurred_from" not in errors.errors:
        errors.add("occurred_from", "enter the date, or choose 'I don't know'")
    return When(
        occurred_from=start, occurred_to=end, time_text=time_text, ongoing=mode == "ongoing"
    )


def _narrative(value: Any, name: str, errors: _Collector) -> str:
    text = clean_text(value)
    if not text:
        errors.add(name, "tell us what happened or what you noticed")
    elif len(text) < MIN_NARRATIVE:
        errors.add(name, f"add a little more detail (at least {MIN_NARRATIVE} characters)")
    elif len(text) > MAX_NARRATIVE:
        errors.add(name, f"must be at most {MAX_NARRATIVE:,} characters (it has {len(text):,})")
    return text


def _values(data: Mapping[str, Any], name: str) -> list[str]:
    getlist = getattr(data, "getlist", None)
    if getlist is not None:
        return [clean_text(v) for v in getlist(name)]
    value = data.get(name)
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [clean_text(v) for v in value]
    return [clean_text(value)]


def parse_resident_form(data: Mapping[str, Any], *, today: dt.date) -> ResidentReportIn:
    errors = _Collector()
    narrative = _narrative(data.get("narrative"), "narrative", errors)
    where = parse_where(data, errors)
    when = parse_when(data, errors, today=today)
    hints = tuple(dict.fromkeys(h for h in _values(data, "hints") if h))
    unknown = [h for h in hints if h not in RESIDENT_HINTS]
    if unknown:
        errors.add("hints", "choose from the listed options")
    contact = None
    if clean_text(data.get("contact_choice")) == "yes":
        name = _optional(data.get("contact_name"), "contact_name", 200, errors)
        email = _optional(data.get("contact_email"), "contact_email", 254, errors)
        phone = _optional(data.get("contact_phone"), "contact_phone", 40, errors)
        preference = _optional(data.get("contact_preference"), "contact_preference", 300, errors)
        if email and not _EMAIL.match(email):
            errors.add("contact_email", "enter an email address like name@example.com")
        if phone and not _PHONE.match(phone):
            errors.add("contact_phone", "enter a phone number like 07700 900123")
        if not (email or phone):
            errors.add(
                "contact_email",
                "give an email address or a phone number, or choose to stay anonymous",
            )
        contact = ContactDetails(name=name, email=email, phone=phone, preference=preference)
    errors.raise_if_any()
    return ResidentReportIn(
        narrative=narrative, where=where, when=when, hints=hints, contact=contact
    )


def parse_grading(data: Mapping[str, Any], errors: _Collector, *, prefix: str = "") -> Grading:
    source = clean_text(data.get(f"{prefix}source_evaluation"))
    assessment = clean_text(data.get(f"{prefix}intelligence_assessment")).upper()
    handling = clean_text(data.get(f"{prefix}handling_code")).upper()
    conditions = _optional(
        data.get(f"{prefix}handling_conditions"), "handling_conditions", 2000, errors
    )
    if source not in SOURCE_EVALUATIONS:
        errors.add("source_evaluation", "choose 1 (reliable), 2 (untested) or 3 (not reliable)")
    if assessment not in INTELLIGENCE_ASSESSMENTS:
        errors.add("intelligence_assessment", "choose A, B, C, D or E")
    if handling not in HANDLING_CODES:
        errors.add("handling_code", "choose P (may be shared) or C (conditions apply)")
    elif handling == "C" and not conditions:
        errors.add("handling_conditions", "say what the conditions are for handling code C")
    elif handling == "P" and conditions:
        errors.add("handling_conditions", "conditions are recorded only with handling code C")
    return Grading(
        source_evaluation=source,
        intelligence_assessment=assessment,
        handling_code=handling,
        handling_conditions=conditions if handling == "C" else None,
    )


def parse_subjects(items: Sequence[Mapping[str, Any]], errors: _Collector) -> tuple[SubjectIn, ...]:
    if len(items) > MAX_SUBJECTS:
        errors.add("subjects", f"at most {MAX_SUBJECTS} subjects per report")
        return ()
    subjects = []
    for index, item in enumerate(items):
        name = f"subjects[{index}]"
        if not isinstance(item, Mapping):
            errors.add(name, "must be an object with kind, value and role")
            continue
        kind_text = clean_text(item.get("kind"))
        value = clean_text(item.get("value"))
        role_text = clean_text(item.get("role")) or "other"
        if not kind_text and not value:
            continue  # an empty row of the web form
        try:
            kind = SubjectKind(kind_text)
        except ValueError:
            errors.add(f"{name}.kind", "must be one of " + ", ".join(k.value for k in SubjectKind))
            continue
        try:
            role = SubjectRole(role_text)
        except ValueError:
            errors.add(f"{name}.role", "must be suspect, victim, witness or other")
            continue
        if not value:
            errors.add(f"{name}.value", "enter the name, address, registration or number")
            continue
        if len(value) > MAX_SHORT:
            errors.add(f"{name}.value", f"must be at most {MAX_SHORT} characters")
            continue
        details = _optional(item.get("details"), f"{name}.details", 2000, errors)
        subjects.append(SubjectIn(kind=kind, value=value, role=role, details=details))
    return tuple(subjects)


def parse_partner_submission(
    data: Mapping[str, Any],
    *,
    subjects: Sequence[Mapping[str, Any]],
    indicator_ids: Sequence[Any],
    today: dt.date,
    themes: ThemeCatalogue,
) -> PartnerReportIn:
    """``themes``: the taxonomy now (``triage.service.catalogue``); only an active theme is
    accepted."""
    errors = _Collector()
    summary = clean_text(data.get("summary"))
    if not summary:
        errors.add("summary", "give the report a short summary")
    elif len(summary) > 200:
        errors.add("summary", "must be at most 200 characters")
    narrative = _narrative(data.get("narrative"), "narrative", errors)
    assessment = _optional(data.get("assessment"), "assessment", MAX_NARRATIVE, errors)
    source_type = clean_text(data.get("source_type"))
    if not source_type:
        errors.add("source_type", "say what kind of source this is (e.g. housing officer visit)")
    elif len(source_type) > 60:
        errors.add("source_type", "must be at most 60 characters")
    source_details = _optional(data.get("source_details"), "source_details", 2000, errors)
    where = parse_where(data, errors)
    when = parse_when(data, errors, today=today)
    theme = clean_text(data.get("theme")) or None
    refusal = themes.refusal(theme) if theme is not None else None
    if refusal:
        errors.add("theme", refusal)
    grading = parse_grading(data, errors)
    immediate = clean_text(data.get("immediate_risk")).lower() in ("1", "true", "yes", "on")
    parsed_subjects = parse_subjects(subjects, errors)
    ids: list[int] = []
    for value in indicator_ids:
        try:
            number = int(value)
        except (TypeError, ValueError, OverflowError):
            errors.add("indicators", "unknown indicator")
            continue
        if not 0 < number < 2**31:  # beyond any id (and beyond what SQLite can bind)
            errors.add("indicators", "unknown indicator")
            continue
        ids.append(number)
    errors.raise_if_any()
    return PartnerReportIn(
        summary=summary,
        narrative=narrative,
        assessment=assessment,
        source_type=source_type,
        source_details=source_details,
        where=where,
        when=when,
        theme=theme,
        grading=grading,
        immediate_risk=immediate,
        subjects=parsed_subjects,
        indicator_ids=tuple(dict.fromkeys(ids)),
    )
