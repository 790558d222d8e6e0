"""Entities in intelligence reports: phones, vehicles, postcodes, e-mails, handles, addresses,
nicknames and people, each with a normalised value so the same thing written two ways links.

``extract_entities(text)`` is pure (no I/O, no model, no Presidio): precompiled regular
expressions, the word lists in ``entities_names`` and small checks in code. Every result
satisfies ``text[start:end] == entity.text``; results are in text order and never overlap.

Values:

- ``phone``: E.164 (``+447700900123``). UK numbers in any common written form (spaces, dashes,
  dots, brackets, +44, 0044, "(0)") are checked by shape here, not by ``phonenumbers``, which
  rejects Ofcom's drama ranges (07700 900xxx, 020 7946 0xxx, 0113 496 0xxx ...): the national
  number must start 1, 2, 3, 5, 7, 8 or 9 and have a length that prefix allows. A number
  without its leading 0 or +44 is not taken. Numbers from abroad (+33 ..., 00353 ...) are
  validated and formatted by ``phonenumbers``. Not phones: dates ("07.12.2026"), times,
  money, crime references ("13/123456/26") and numbers right after "ref", "log", "incident".
- ``vehicle``: upper case without spaces (``BD19XKF``). The current format (AB12 CDE with a
  real memory tag and age identifier) is taken when written in capitals, or in lower case next
  to a vehicle word ("car", "reg", "plate", makes and models). Prefix (A123 BCD) and suffix
  (ABC 123D) formats need capitals and a vehicle word, or a plate cue ("reg", "plate");
  dateless marks (AB 1234, 1234 AB) need a plate cue right before them.
- ``postcode``: ``LS6 1AB`` (upper case, one space), in any case and spacing, with the postcode
  area and the letters of the outward and inward codes checked. Lower-case "b4 2nd" (text-speak)
  is not a postcode.
- ``email``: lower case; "jo at gmail dot com" is read as ``jo@gmail.com`` for the big
  providers only.
- ``handle``: lower case, ``platform:@name`` when the text names the platform (``instagram``,
  ``snapchat``, ``tiktok``, ``x``, ``telegram``), otherwise ``@name``. The platform is part of
  the value because one name on two platforms may be two people. The span is the name only
  (with its "@" if written), never the platform word. "@ the park" and "@5pm" are not handles.
- ``address``: "Flat 3, 14 Mill Lane, Leeds": a house number (12, 12a, 12-14), optionally
  after "flat/apartment/unit N", one to three name words and a street type, plus a town that
  follows after a comma or is a known town. Words are title-cased, spaces single and
  abbreviations expanded (Rd -> Road, St -> Street, Ln -> Lane, Ave -> Avenue ...), so
  "14 mill ln" and "14 Mill Lane" have the same value. Street types that are ordinary words too
  (Close, Drive, Way, Walk, Hill, View ...) need a capitalised street name or an address cue
  ("lives at", "flat", "number") in lower case. A street without a house number is not an
  address. "flat 14 Elm Court" is "Flat 14, Elm Court" (a flat in a block).
- ``nickname``: the name after "known as", "goes by", "calls himself", "aka", "they call him",
  "nicknamed", or a quoted name after "a lad called"; the value is as written (quotes and
  spaces trimmed) and ``Entity.key`` its case-folded form for comparison.
- ``person``: precision over recall. Taken: a title and a name ("Mr Okafor", "mrs patel", "PC
  Jones"); a capitalised given name from ``entities_names.GIVEN_NAMES`` and a capitalised
  family name ("Jordan Reilly"); a name after a cue ("a lad called Tyler", "her boyfriend Dean",
  "his name is Kyle"), capitalised, or in lower case when it is a known given name; a known
  given name after "called"/"named". Not taken: a lone capitalised word without a cue, two
  capitalised words whose first is not a known given name ("Oluwaseun Adeyemi" without a cue),
  names written in capitals ("DEAN SMITH": in capitals case says nothing), and candidates whose
  second word is a street type, day, month, town, brand, premises or common word. Value: title
  case.

Overlaps: when two candidates share characters, the more specific type wins, in the order
email > phone > postcode > vehicle > handle > address > nickname > person (strictly checked
formats before cue-based readings: "LS6 2AB" after "reg" stays a postcode, "Tyler Reilly" after
"known as" is a nickname, not a person); between candidates of one type the longer wins. The
loser is dropped, not trimmed.

Speed: the digit-bearing types are searched only in small windows around the text's digits,
the cue-based types only after a substring test says their cue words are there, and cue
patterns run on a lower-cased copy of the same length (no ``re.IGNORECASE`` over the whole
text). A 1,000-character report takes well under a millisecond.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import phonenumbers

from beacon.triage.entities_names import (
    DAYS_MONTHS,
    GIVEN_NAMES,
    NOT_NAMES,
    NOT_SURNAMES,
    STOP_WORDS,
    STREET_ABBREVIATIONS,
    STREET_NAME_STOP_WORDS,
    STREET_TYPES_AMBIGUOUS,
    STREET_TYPES_PLAIN,
    TOWNS,
    word_set,
)

EntityType = Literal[
    "phone", "vehicle", "postcode", "email", "handle", "address", "nickname", "person"
]
ENTITY_TYPES: tuple[EntityType, ...] = (
    "phone",
    "vehicle",
    "postcode",
    "email",
    "handle",
    "address",
    "nickname",
    "person",
)
# Which type keeps a span claimed by two (higher wins); see the module docstring.
SPECIFICITY: dict[str, int] = {
    "email": 8,
    "phone": 7,
    "postcode": 6,
    "vehicle": 5,
    "handle": 4,
    "address": 3,
    "nickname": 2,
    "person": 1,
}


@dataclass(frozen=True, slots=True)
class Entity:
    type: EntityType
    value: str
    text: str
    start: int
    end: int

    @property
    def key(self) -> str:
        """What two mentions of one entity share: the value, case-folded for nicknames and
        people (a nickname's value keeps the writer's spelling)."""
        if self.type in ("nickname", "person"):
            return " ".join(self.value.casefold().split())
        return self.value

    def to_dict(self) -> dict[str, str | int]:
        return {
            "type": self.type,
            "value": self.value,
            "text": self.text,
            "start": self.start,
            "end": self.end,
        }


def extract_entities(text: str) -> list[Entity]:
    """Every entity in ``text``, in text order, without overlaps."""
    if not text:
        return []
    scan = _Scan(text)
    candidates: list[Entity] = []
    if scan.windows:
        candidates.extend(_phones(scan))
        candidates.extend(_postcodes(scan))
        candidates.extend(_vehicles(scan))
        candidates.extend(_addresses(scan))
    candidates.extend(_emails(scan))
    candidates.extend(_handles(scan))
    candidates.extend(_nicknames(scan))
    candidates.extend(_people(scan))
    return _resolve(candidates)


def _resolve(candidates: list[Entity]) -> list[Entity]:
    if not candidates:
        return []
    ranked = sorted(candidates, key=lambda e: (-SPECIFICITY[e.type], e.start - e.end, e.start))
    taken = bytearray(max(e.end for e in candidates))  # 1 where a chosen entity lies
    chosen: list[Entity] = []
    for candidate in ranked:
        if taken.find(1, candidate.start, candidate.end) == -1:
            taken[candidate.start : candidate.end] = b"\x01" * (candidate.end - candidate.start)
            chosen.append(candidate)
    chosen.sort(key=lambda e: e.start)
    return chosen


# --------------------------------------------------------------------------------------------
# One text and what several extractors ask of it
# --------------------------------------------------------------------------------------------

_DIGITS_RE = re.compile(r"[0-9]+")
# Characters an identifier may have before or after its digits ("+44 (", "12 CDE").
_WINDOW_MARGIN = 7
_ASCII_UPPER = bytes(range(ord("A"), ord("Z") + 1))
_ASCII_LOWER = bytes(range(ord("a"), ord("z") + 1))
_NOT_UPPER = bytes(b for b in range(256) if b not in _ASCII_UPPER)
_NOT_LOWER = bytes(b for b in range(256) if b not in _ASCII_LOWER)


class _Scan:
    __slots__ = ("_shouting", "digit_runs", "lowered", "text", "windows")

    def __init__(self, text: str) -> None:
        self.text = text
        lowered = text.lower()
        if len(lowered) != len(text):  # "İ" lowers to two characters: keep offsets aligned
            lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
        # Cue patterns run on this copy: same offsets, no re.IGNORECASE over the whole text.
        self.lowered = lowered
        self.digit_runs = [m.span() for m in _DIGITS_RE.finditer(text)]
        self.windows = self._windows()
        self._shouting: bool | None = None

    def _windows(self) -> list[tuple[int, int]]:
        """Spans around the digit runs, merged, widened to whole words and one character more
        (so a lookahead at a window's end sees the real next character). When they would
        cover most of the text, the whole text is one window."""
        text, size = self.text, len(self.text)
        merged: list[list[int]] = []
        for lo, hi in self.digit_runs:
            lo, hi = lo - _WINDOW_MARGIN, hi + _WINDOW_MARGIN
            if merged and lo <= merged[-1][1] + 8:
                merged[-1][1] = hi
            else:
                merged.append([lo, hi])
        windows: list[tuple[int, int]] = []
        covered = 0
        for lo, hi in merged:
            lo, hi = max(0, lo), min(size, hi)
            while lo > 0 and (text[lo - 1].isalnum() or text[lo - 1] == "_"):
                lo -= 1
            while hi < size and (text[hi].isalnum() or text[hi] == "_"):
                hi += 1
            hi = min(size, hi + 1)
            if windows and lo <= windows[-1][1]:
                lo = windows.pop()[0]
            windows.append((lo, hi))
            covered += hi - lo
        if covered > size // 2:
            return [(0, size)] if windows else []
        return windows

    @property
    def shouting(self) -> bool:
        """Whether the text is written mostly in capitals (then case says nothing)."""
        if self._shouting is None:
            ascii_text = self.text.encode("ascii", "ignore")
            upper = len(ascii_text.translate(None, _NOT_UPPER))
            lower = len(ascii_text.translate(None, _NOT_LOWER))
            self._shouting = upper + lower >= 12 and upper > 0.6 * (upper + lower)
        return self._shouting

    def finditer(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        """``pattern``'s matches in the digit windows (the pattern must contain a digit)."""
        for lo, hi in self.windows:
            yield from pattern.finditer(self.text, lo, hi)

    def before(self, start: int, width: int) -> str:
        return self.lowered[max(0, start - width) : start]

    def after(self, end: int, width: int) -> str:
        return self.lowered[end : end + width]


def _entity(kind: EntityType, value: str, text: str, start: int, end: int) -> Entity:
    return Entity(kind, value, text[start:end], start, end)


def _starts_word(text: str, index: int) -> bool:
    return index == 0 or not (text[index - 1].isalnum() or text[index - 1] == "_")


# --------------------------------------------------------------------------------------------
# Phones
# --------------------------------------------------------------------------------------------

_SEP = r"[ \t.\-\u2013()]"
# +44 / 0044 (then an optional "(0)" or "0"), or the trunk 0 (optionally bracketed), then the
# national number: a non-zero digit and 8 or 9 more, with up to three separators between any
# two digits. Its length for its leading digit is checked in code.
UK_PHONE_RE = re.compile(
    r"(?<![\w+.£$€])"
    r"(?:(?:\+|\b00)[ \t]?44[ \t]?(?:\([ \t]?0[ \t]?\)[ \t]?|0[ \t]?)?\(?|\(?0)"
    r"(?P<nsn>[1-9](?:" + _SEP + r"{0,3}[0-9]){8,9})"
    r"(?![0-9])"
)
_INTERNATIONAL_00_RE = re.compile(r"00(?<![0-9]00)[ \t]?[1-9]")
FOREIGN_PHONE_RE = re.compile(
    r"(?<![\w+.£$€])(?:\+|\b00)[ \t]?(?!44)[1-9](?:" + _SEP + r"{0,3}[0-9]){6,13}(?![0-9])"
)
# National significant number: leading digit -> allowed lengths (01 has some 9-digit areas,
# 08 some 9-digit freephone numbers; 04 and 06 are not in use).
_NSN_LENGTHS = {
    "1": (9, 10),
    "2": (10,),
    "3": (10,),
    "5": (10,),
    "7": (10,),
    "8": (9, 10),
    "9": (10,),
}
_NON_DIGIT_RE = re.compile(r"[^0-9]")
_DATE_INSIDE_RE = re.compile(r"(?<![0-9])[0-9]{1,2}([./\-])[0-9]{1,2}\1[0-9]{2,4}(?![0-9])")
# A time, a decimal or a thousands group straight after: "01234 12:30", "0113.5", "0800,000".
_NOT_PHONE_AFTER_RE = re.compile(r"[:/.][0-9]|,[0-9]{3}(?![0-9])")
# A crime reference's first part ("13/"), or a currency sign, straight before.
_NOT_PHONE_BEFORE_RE = re.compile(r"(?:(?<![0-9])[0-9]{1,2}/|[£$€][ \t]?)$")
_REFERENCE_CUE_RE = re.compile(
    r"\b(?:ref(?:erence)?|crime(?:\s+(?:no|number|ref))?|incident|log|occurrence|urn|cad|"
    r"case|job)\b\W{0,4}(?:(?:no|num|number|is|was)\b\W{0,4})*$"
)


def normalise_phone(value: str) -> str | None:
    """E.164 for a UK number written any common way, or None when it is not one."""
    match = UK_PHONE_RE.fullmatch(value.strip())
    return _uk_e164(match["nsn"]) if match is not None else None


def _uk_e164(national: str) -> str | None:
    nsn = _NON_DIGIT_RE.sub("", national)
    lengths = _NSN_LENGTHS.get(nsn[:1])
    if lengths is None or len(nsn) not in lengths:
        return None
    return "+44" + nsn


def _phone_context_ok(scan: _Scan, start: int, end: int, surface: str) -> bool:
    if _DATE_INSIDE_RE.search(surface):
        return False
    if _NOT_PHONE_AFTER_RE.match(scan.text, end):
        return False
    if _NOT_PHONE_BEFORE_RE.search(scan.before(start, 4)):
        return False
    return _REFERENCE_CUE_RE.search(scan.before(start, 30)) is None


def _phones(scan: _Scan) -> Iterator[Entity]:
    text = scan.text
    for match in scan.finditer(UK_PHONE_RE):
        start, end = match.span()
        surface = match.group(0)
        value = _uk_e164(match["nsn"])
        if value is None or not _phone_context_ok(scan, start, end, surface):
            continue
        # A bracket opening the match belongs to it only when it is closed inside.
        if surface.startswith("(") and ")" not in surface:
            start += 1
        yield _entity("phone", value, text, start, end)
    if "+" not in text and not _INTERNATIONAL_00_RE.search(text):
        return
    for match in scan.finditer(FOREIGN_PHONE_RE):
        start, end = match.span()
        if not _phone_context_ok(scan, start, end, match.group(0)):
            continue
        digits = _NON_DIGIT_RE.sub("", match.group(0))
        if digits.startswith("00"):
            digits = digits[2:]
        try:
            number = phonenumbers.parse("+" + digits, None)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            value = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            yield _entity("phone", value, text, start, end)


# --------------------------------------------------------------------------------------------
# Postcodes
# --------------------------------------------------------------------------------------------

POSTCODE_AREAS = word_set(
    "AB AL B BA BB BD BF BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN "
    "DT DY E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L "
    "LA LD LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE "
    "SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO "
    "ZE"
)
# Districts ending in a letter (SW1A, EC2M, W1D, N1C) exist in central London only.
_LETTER_DISTRICT_AREAS = frozenset({"E", "EC", "N", "NW", "SE", "SW", "W", "WC"})
_INWARD_LETTERS = "ABD-HJLNP-UW-Zabd-hjlnp-uw-z"  # never C, I, K, M, O or V
# One pattern (one pass over the text) for both shapes; the second, "LS 11 5RT" with a space
# inside the outward code too, is accepted in capitals only.
POSTCODE_RE = re.compile(
    r"(?<![\w@/.\-])(?:"
    r"(?P<area>[A-Za-z]{1,2})(?P<district>[0-9][A-Za-z0-9]?)[ \t]?"
    r"(?P<inward>[0-9][" + _INWARD_LETTERS + r"]{2})"
    r"|(?P<s_area>[A-Z]{1,2}) (?P<s_district>[0-9][A-Z0-9]?) (?P<s_inward>[0-9][ABD-HJLNP-UW-Z]{2})"
    r")(?![\w@])"
)
_DISTRICT_RE = re.compile(r"[0-9]{1,2}|[0-9][A-Z]")
_ORDINAL_RE = re.compile(r"1st|2nd|3rd|[0-9]th")


def _postcode_value(area: str, district: str, inward: str) -> str | None:
    area, district = area.upper(), district.upper()
    if area not in POSTCODE_AREAS or not _DISTRICT_RE.fullmatch(district):
        return None
    if district[-1].isalpha() and area not in _LETTER_DISTRICT_AREAS:
        return None
    return f"{area}{district} {inward.upper()}"


def _postcode_match_value(match: re.Match[str]) -> str | None:
    if match["area"] is None:
        return _postcode_value(match["s_area"], match["s_district"], match["s_inward"])
    inward = match["inward"]
    if inward.islower() and _ORDINAL_RE.fullmatch(inward):
        return None  # "b4 2nd", "m62 3rd": text-speak and road numbers
    return _postcode_value(match["area"], match["district"], inward)


def normalise_postcode(value: str) -> str | None:
    """``"LS6 1AB"`` for any case and spacing, or None when it is not a valid postcode."""
    match = POSTCODE_RE.fullmatch(" ".join(value.split()).upper())
    return _postcode_match_value(match) if match is not None else None


def _postcodes(scan: _Scan) -> Iterator[Entity]:
    for match in scan.finditer(POSTCODE_RE):
        value = _postcode_match_value(match)
        if value is not None:
            yield _entity("postcode", value, scan.text, match.start(), match.end())


# --------------------------------------------------------------------------------------------
# Vehicle registrations
# --------------------------------------------------------------------------------------------

# Run on the lower-cased text.
VEHICLE_CONTEXT_RE = re.compile(
    r"\b(?:reg|regs|registration|plates?|vrm|car|cars|van|vans|vehicle|vehicles|motor|motors|"
    r"bike|motorbike|moped|scooter|truck|lorry|taxi|cab|4x4|suv|pick-?up|jeep|hatchback|estate|"
    r"saloon|audi|bmw|beemer|merc|mercedes|ford|vauxhall|corsa|astra|golf|polo|fiesta|focus|"
    r"transit|range\s+rover|rangey|land\s+rover|evoque|toyota|prius|yaris|nissan|qashqai|"
    r"juke|micra|skoda|octavia|kia|hyundai|seat|leon|fiat|peugeot|renault|clio|honda|civic|"
    r"mini|volvo|jaguar|lexus|tesla|citroen|sprinter|kawasaki|yamaha|suzuki|mazda|berlingo|"
    r"caddy|hilux|vw|volkswagen|mondeo|drives|driving|drove|driven|driver|parked|parks|"
    r"reversed|sped|speeding)\b"
)
PLATE_CUE_RE = re.compile(
    r"\b(?:reg|regs|registration|plates?|number\s*plate|private\s+plate|vrm|index)\b"
    r"(?:\s*(?:no\.?|num|number|is|was|of|reads|read|:|#|-|=)\s*)*\s*$"
)
# Three-letter words that make "M62 AND" or "as 25 mph" look like a registration.
_STOP3 = word_set(
    "AND THE FOR BUT NOT YOU ARE WAS HAS HAD HIS HER ITS OUR ONE TWO SIX TEN OFF OUT ALL ANY "
    "CAN DID GET GOT HIM HOW LET MAY NEW NOW OLD SAW SAY SEE SHE TOO USE WAY WHO WHY YES YET AGO "
    "AGE BAD BIG BOX BUS CAR DAY END FEW MAN MEN PUT RAN RUN SAT SET TOP VAN WAR WON MPH KPH "
    "JAN FEB MAR APR JUN JUL AUG SEP OCT NOV DEC MON TUE WED THU FRI SUN HRS MIN YRS LOL OMG "
    "TBH IDK SMH PLS ISH KMH MTH"
)
# Current format: a two-letter memory tag (first letter not I, J, Q, T, U, X or Z; second not
# I, Q or Z), the age identifier, three letters (not I or Q).
VEHICLE_CURRENT_RE = re.compile(
    r"(?<![\w@/.\-])(?P<area>[A-Za-z]{2})(?P<gap>[ \t]?)(?P<age>[0-9]{2})[ \t\-]?"
    r"(?P<letters>[A-Za-z]{3})(?![\w@])"
)
_AREA_RE = re.compile(r"[A-HK-PR-SVWY][A-HJ-PR-Y]")
_RANDOM_RE = re.compile(r"[A-HJ-PR-Z]{3}")
# Prefix (A123 BCD) and suffix (ABC 123D) formats, in one pattern (one pass over the text).
VEHICLE_OLD_RE = re.compile(
    r"(?<![\w@/.\-])(?:"
    r"(?P<p_year>[A-Za-z])[0-9]{1,3}[ \t]?(?P<p_letters>[A-Za-z]{3})"
    r"|(?P<s_letters>[A-Za-z]{3})[ \t]?[0-9]{1,3}[ \t]?(?P<s_year>[A-Za-z])"
    r")(?![\w@])"
)
_YEAR_LETTER_RE = re.compile(r"[A-HJ-NPR-TV-Y]")  # not I, O, Q, U or Z
# Dateless marks are read only right after a plate cue, found on the lower-cased text.
VEHICLE_DATELESS_RE = re.compile(
    r"(?:[A-Za-z]{1,3}[ \t]?[0-9]{1,4}|[0-9]{1,4}[ \t]?[A-Za-z]{1,3})(?![\w@])"
)
PLATE_CUE_FORWARD_RE = re.compile(
    r"(?:reg|regs|registration|plates?|vrm|index)\b"
    r"(?:\s*(?:no\.?|num|number|is|was|of|reads|read|:|#|-|=)\s*)*\s*"
)
_DATELESS_NOT_LETTERS = frozenset({"AM", "PM", "ST", "ND", "RD", "TH", "A", "I", "O", "X"})
_COMMON_2 = word_set(
    "AS AT TO IN ON OF OR IF IT ME MY WE HE BE BY DO GO NO SO UP US AN AM IS HA OH OK"
)
_NOT_LETTERS_RE = re.compile(r"[^A-Za-z]")
_SPACES_DASHES_RE = re.compile(r"[\s\-]")


def normalise_vehicle(value: str) -> str:
    """A registration as compared: upper case, no spaces or dashes."""
    return _SPACES_DASHES_RE.sub("", value).upper()


def _has_plate_cue(scan: _Scan, start: int) -> bool:
    return PLATE_CUE_RE.search(scan.before(start, 30)) is not None


def _has_vehicle_context(scan: _Scan, start: int, end: int) -> bool:
    return bool(
        VEHICLE_CONTEXT_RE.search(scan.before(start, 45))
        or VEHICLE_CONTEXT_RE.search(scan.after(end, 30))
    )


def _capitals(scan: _Scan, surface: str) -> bool:
    """Written in capitals in a text that is not all capitals."""
    return surface.isupper() and not scan.shouting


def _vehicles(scan: _Scan) -> Iterator[Entity]:
    text = scan.text
    for match in scan.finditer(VEHICLE_CURRENT_RE):
        area, letters = match["area"].upper(), match["letters"].upper()
        age = int(match["age"])
        if not (2 <= age <= 29 or 51 <= age <= 79):
            continue
        if not _AREA_RE.fullmatch(area) or not _RANDOM_RE.fullmatch(letters):
            continue
        start, end = match.span()
        surface = match.group(0)
        cue = _has_plate_cue(scan, start)
        if letters in _STOP3 and not cue:
            continue
        if match["gap"]:
            # "AB 12 CDE" needs more than capitals: "AT 25 MPH" has them too.
            if area in _COMMON_2 or not (cue or _has_vehicle_context(scan, start, end)):
                continue
        elif not (
            cue
            or _capitals(scan, surface)
            or (area not in _COMMON_2 and _has_vehicle_context(scan, start, end))
        ):
            continue
        yield _entity("vehicle", normalise_vehicle(surface), text, start, end)
    for match in scan.finditer(VEHICLE_OLD_RE):
        prefix = match["p_year"] is not None
        year = (match["p_year"] if prefix else match["s_year"]).upper()
        letters = (match["p_letters"] if prefix else match["s_letters"]).upper()
        if not _YEAR_LETTER_RE.fullmatch(year) or not _RANDOM_RE.fullmatch(letters):
            continue
        start, end = match.span()
        surface = match.group(0)
        cue = _has_plate_cue(scan, start)
        if letters in _STOP3 and not cue:
            continue
        if not (cue or (_capitals(scan, surface) and _has_vehicle_context(scan, start, end))):
            continue
        yield _entity("vehicle", normalise_vehicle(surface), text, start, end)
    lowered = scan.lowered
    if "reg" not in lowered and "plate" not in lowered and "vrm" not in lowered:
        return
    for plate_cue in PLATE_CUE_FORWARD_RE.finditer(lowered):
        if not _starts_word(lowered, plate_cue.start()):
            continue
        mark = VEHICLE_DATELESS_RE.match(text, plate_cue.end())
        if mark is None or not _has_plate_cue(scan, mark.start()):
            continue
        letters = _NOT_LETTERS_RE.sub("", mark.group(0)).upper()
        if letters not in _STOP3 and letters not in _DATELESS_NOT_LETTERS:
            yield _entity("vehicle", normalise_vehicle(mark.group(0)), text, *mark.span())


# --------------------------------------------------------------------------------------------
# E-mail addresses
# --------------------------------------------------------------------------------------------

_PROVIDERS = (
    "gmail",
    "googlemail",
    "hotmail",
    "yahoo",
    "outlook",
    "btinternet",
    "icloud",
    "live",
    "aol",
    "protonmail",
    "virginmedia",
    "talktalk",
    "sky",
    "ymail",
    "msn",
)
_DOT = r"\s*(?:\[dot\]|\(dot\)|\s+dot\s+|\.)\s*"
# Run on the lower-cased text: "jo at gmail dot com", "kev.oneill[at]gmail.com".
EMAIL_SPELT_RE = re.compile(
    r"(?<![\w.])(?P<local>[a-z0-9][a-z0-9._\-]{0,40}[a-z0-9_])\s*"
    r"(?:\[at\]|\(at\)|\s+at\s+)\s*(?P<domain>" + "|".join(_PROVIDERS) + r")"
    r"(?P<tld>" + _DOT + r"(?:com|net|co" + _DOT + r"uk|org))\b"
)
_DOT_RE = re.compile(_DOT)


_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-_")
EMAIL_DOMAIN_RE = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w\-@])"
)


def _email_at(text: str, at: int) -> tuple[int, int] | None:
    """The e-mail address around the "@" at ``at``: its local part is read backwards from the
    "@" (cheaper than a search with a lookbehind), its domain forwards."""
    start = at
    while start > 0 and text[start - 1] in _LOCAL_CHARS and at - start < 64:
        start -= 1
    if start > 0 and (text[start - 1] in _LOCAL_CHARS or text[start - 1] == "@"):
        return None  # too long, or glued to something else
    while start < at and not text[start].isalnum():
        start += 1
    if start == at or text[at - 1] == ".":
        return None
    domain = EMAIL_DOMAIN_RE.match(text, at + 1)
    return (start, domain.end()) if domain is not None else None


def _emails(scan: _Scan) -> Iterator[Entity]:
    text, lowered = scan.text, scan.lowered
    at = text.find("@")
    while at != -1:
        span = _email_at(text, at)
        if span is not None:
            yield _entity("email", text[span[0] : span[1]].lower(), text, *span)
        at = text.find("@", at + 1)
    if "[at]" not in lowered and "(at)" not in lowered and " at " not in lowered:
        return
    if not any(provider in lowered for provider in _PROVIDERS):
        return
    for match in EMAIL_SPELT_RE.finditer(lowered):
        local = match["local"]
        if local in STOP_WORDS:
            continue  # "he was at hotmail.com" is not an address
        value = f"{local}@{match['domain']}{_DOT_RE.sub('.', match['tld'])}"
        yield _entity("email", value, text, match.start(), match.end())


# --------------------------------------------------------------------------------------------
# Social media handles
# --------------------------------------------------------------------------------------------

_PLATFORMS = {
    "instagram": "instagram",
    "insta": "instagram",
    "ig": "instagram",
    "gram": "instagram",
    "snapchat": "snapchat",
    "snap": "snapchat",
    "sc": "snapchat",
    "tiktok": "tiktok",
    "tik tok": "tiktok",
    "tt": "tiktok",
    "twitter": "x",
    "x": "x",
    "telegram": "telegram",
}
# Abbreviations that are ordinary words or letters too: only with ":" or "=" after them.
_WEAK_PLATFORMS = frozenset({"ig", "sc", "tt", "x", "gram"})
_PLATFORM_ALT = r"instagram|insta|ig|gram|snapchat|snap|sc|tik\s?tok|tt|twitter|x|telegram"
_HANDLE_NAME = r"@?[a-z0-9_][a-z0-9_.]{0,28}[a-z0-9_]"
HANDLE_AT_RE = re.compile(
    r"(?<![\w@.])@(?P<name>[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)(?![\w@]|\.\w)"
)
# These run on the lower-cased text; the platform word's start is checked in code.
HANDLE_CUE_RE = re.compile(
    r"(?P<platform>" + _PLATFORM_ALT + r")"
    r"(?:\s+(?:name|handle|user\s?name|account|acc|id|is\s+called))?"
    r"(?P<sep>\s*[:=]\s*|\s+-\s+|\s+(?:is|was|its|it's)\s+|\.com/|\s*(?=@)|\s+)"
    r"(?P<name>" + _HANDLE_NAME + r")(?![\w@]|\.\w)"
)
HANDLE_ON_RE = re.compile(
    r"on\s+(?P<platform>" + _PLATFORM_ALT + r")\s+(?:as|called|under)\s+"
    r"(?P<name>" + _HANDLE_NAME + r")(?![\w@]|\.\w)"
)
_PLATFORM_BEFORE_RE = re.compile(
    r"\b(?P<platform>" + _PLATFORM_ALT + r")\b(?:\s+(?:name|handle|user\s?name|account|acc|id))?"
    r"(?:\s*[:=\-]\s*|\s+(?:is|was)\s+|\s+|\.com/)$"
)
# The full platform words; the weak abbreviations count only before ":", "=" or ".com/".
_PLATFORM_GATES = ("insta", "snap", "tik", "twitter", "telegram", ":", "=", ".com/")
# "@" used for "at": "meet @ the park", "@home", "@5pm".
_AT_WORDS = word_set(
    "the home school park shop shops station night work mine his hers ours theirs yours my "
    "corner bus church pub maccies mcdonalds college uni gym club party private public "
    "blocked deleted down gone hacked fake dead new broken locked open banned suspended active "
    "full dodgy"
)
_TIME_LIKE_RE = re.compile(r"[0-9]+(?:[.:][0-9]+)?(?:am|pm|ish|th|st|nd|rd)?")
_HANDLE_LIKE_RE = re.compile(r"[0-9_.]")


def _platform(word: str) -> str:
    return _PLATFORMS[" ".join(word.split())]


def _handle_name_ok(name: str) -> bool:
    bare = name.lstrip("@").lower()
    return (
        len(bare) >= 2
        and any(c.isalpha() for c in bare)
        and bare not in _AT_WORDS
        and bare not in STOP_WORDS
        and not _TIME_LIKE_RE.fullmatch(bare)
    )


def _handle_value(platform: str | None, name: str) -> str:
    bare = "@" + name.lstrip("@").lower()
    return f"{platform}:{bare}" if platform else bare


def _handles(scan: _Scan) -> Iterator[Entity]:
    text, lowered = scan.text, scan.lowered
    at = text.find("@")
    while at != -1:
        match = HANDLE_AT_RE.match(text, at)
        if match is not None and _handle_name_ok(match["name"]):
            cue = _PLATFORM_BEFORE_RE.search(scan.before(at, 30))
            platform = _platform(cue["platform"]) if cue else None
            value = _handle_value(platform, match["name"])
            yield _entity("handle", value, text, match.start(), match.end())
        at = text.find("@", at + 1)
    if not any(p in lowered for p in _PLATFORM_GATES):
        return
    for match in HANDLE_CUE_RE.finditer(lowered):
        name, sep = match["name"], match["sep"].strip()
        platform_word = match["platform"]
        if not _starts_word(lowered, match.start()) or name.startswith("@"):
            continue  # "night" is not "ig"; an "@name" was found above with its platform
        if not _handle_name_ok(name):
            continue
        strong_sep = sep in (":", "=", "-", ".com/", "is", "was", "its", "it's")
        if platform_word in _WEAK_PLATFORMS and sep not in (":", "=", ".com/"):
            continue
        # With only a space after the platform, only a name that looks like a handle.
        if not strong_sep and not _HANDLE_LIKE_RE.search(name):
            continue
        value = _handle_value(_platform(platform_word), name)
        yield _entity("handle", value, text, match.start("name"), match.end("name"))
    if "on " not in lowered:
        return
    for match in HANDLE_ON_RE.finditer(lowered):
        name = match["name"]
        if not _starts_word(lowered, match.start()) or name.startswith("@"):
            continue
        if _handle_name_ok(name):
            value = _handle_value(_platform(match["platform"]), name)
            yield _entity("handle", value, text, match.start("name"), match.end("name"))


# --------------------------------------------------------------------------------------------
# Street addresses
# --------------------------------------------------------------------------------------------

_STREET_TYPE_ALT = "|".join(
    sorted(
        STREET_TYPES_PLAIN | STREET_TYPES_AMBIGUOUS | STREET_ABBREVIATIONS.keys(),
        key=len,
        reverse=True,
    )
)
_NAME_WORD = r"[A-Za-z][A-Za-z'’\-]*"
# Matched at the start of each digit run: house number, one to three name words, street type.
ADDRESS_RE = re.compile(
    r"(?<![\w£$€:.,/\-])"
    r"(?P<number>[0-9]{1,4}[A-Za-z]?(?:\s?[-\u2013]\s?[0-9]{1,4}[A-Za-z]?)?)\s+"
    r"(?P<name>" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r"){0,2})\s+"
    r"(?P<type>" + _STREET_TYPE_ALT + r")(?![\w'’\-])",
    re.IGNORECASE,
)
_TOWN_AFTER_RE = re.compile(
    r"(?P<comma>\s*,\s*|[ \t]+)(?P<town>[A-Za-z][a-z'\-]+"
    r"(?:\s+(?:upon|on|under|in|le)\s+[A-Z][a-z]+|(?:[ \t]+[A-Z][a-z]+){1,2})?)(?![\w'’\-])"
)
_TOWN_CONNECTOR_RE = re.compile(r"\s(?:upon|on|under|in|le)\s")
# On the lower-cased text before the house number.
_FLAT_BEFORE_RE = re.compile(
    r"\b(?P<kind>flat|apartment|apt|unit)\.?[ \t]*(?:(?P<flatno>[0-9]{1,4}[a-z]?)"
    r"(?:[ \t]*,[ \t]*|[ \t]+))?$"
)
_ADDRESS_CUE_RE = re.compile(
    r"\b(?:lives?|living|lived|stays?|staying|stayed|address|addy|flat|house|home|property|"
    r"moved|number|no|at|to|from|outside|opposite|next\s+door\s+to)\b\W{0,3}$"
)
_DASH_RE = re.compile(r"\s*[-\u2013]\s*")
_WORD_PART_RE = re.compile(r"([\-'’])")
_WORDS_RE = re.compile(r"\S+")


def _title_word(word: str) -> str:
    """Title case that keeps "St John's" and "O'Brien" right (``str.title`` gives "John'S")."""
    parts = _WORD_PART_RE.split(word.lower())
    out: list[str] = []
    for i, part in enumerate(parts):
        after_apostrophe = i > 0 and parts[i - 1] in ("'", "’")
        if part and (not after_apostrophe or len(part) > 1):
            part = part[0].upper() + part[1:]
        out.append(part)
    return "".join(out)


_LOWER_INSIDE_NAMES = frozenset({"upon", "on", "under", "in", "le", "by", "of", "the", "and"})


def _title(words: str) -> str:
    """Title case, with "on", "upon", "of" ... lower case inside a name ("Stoke on Trent")."""
    return " ".join(
        w.lower() if i and w.lower() in _LOWER_INSIDE_NAMES else _title_word(w)
        for i, w in enumerate(words.split())
    )


def _street_type(word: str) -> str:
    lowered = word.lower()
    return STREET_ABBREVIATIONS.get(lowered) or _title_word(lowered)


def _flat_kind(word: str) -> str:
    return "Apartment" if word == "apt" else word.title()


def _span_len(words: str, count: int) -> int:
    """Characters of ``words`` up to the end of its ``count``-th word."""
    end = 0
    for index, word in enumerate(_WORDS_RE.finditer(words)):
        if index == count:
            break
        end = word.end()
    return end


def normalise_address(value: str) -> str | None:
    """The normalised form of one address ("14 mill ln" -> "14 Mill Lane"), or None."""
    found = [e for e in extract_entities(value) if e.type == "address"]
    return found[0].value if len(found) == 1 else None


def _addresses(scan: _Scan) -> Iterator[Entity]:
    text = scan.text
    for run_start, run_end in scan.digit_runs:
        if run_end - run_start > 4:
            continue
        match = ADDRESS_RE.match(text, run_start)
        if match is None:
            continue
        words = match["name"].split()
        lowered_words = [w.lower() for w in words]
        if any(w in STREET_NAME_STOP_WORDS for w in lowered_words[1:]):
            continue
        if lowered_words[0] in STREET_NAME_STOP_WORDS and words[0] != "The":
            continue
        if any(w in DAYS_MONTHS for w in lowered_words):
            continue
        street_type = match["type"]
        type_lower = street_type.lower()
        capitalised = all(w[0].isupper() for w in words) and street_type[0].isupper()
        if street_type[0].isupper() and not capitalised:
            continue  # "14 properties along Albert Road": the number is not Albert Road's
        start, end = match.span()
        if (
            type_lower not in STREET_TYPES_PLAIN
            and type_lower not in STREET_ABBREVIATIONS
            and not (capitalised and not scan.shouting)
            and not _ADDRESS_CUE_RE.search(scan.before(start, 25))
        ):
            continue  # Close, Drive, Way, Walk, Hill ... in lower case: ordinary words too
        number = _DASH_RE.sub("-", match["number"].upper())
        street = f"{_title(match['name'])} {_street_type(street_type)}"
        value = f"{number} {street}"
        flat = _FLAT_BEFORE_RE.search(scan.before(start, 20))
        if flat is not None:
            kind = _flat_kind(flat["kind"])
            start -= len(flat.group(0))
            if flat["flatno"]:
                value = f"{kind} {flat['flatno'].upper()}, {value}"  # "Flat 3, 14 Mill Lane"
            else:
                value = f"{kind} {number}, {street}"  # "flat 14 Elm Court": flat 14 of a block
        town_match = _TOWN_AFTER_RE.match(text, end)
        if town_match is not None:
            town = _town(town_match["town"], comma="," in town_match["comma"])
            if town is not None:
                value += f", {_title(town)}"
                end = town_match.start("town") + len(town)
        yield _entity("address", value, text, start, end)


def _town(candidate: str, *, comma: bool) -> str | None:
    """The town in the words after a street, if they name one: a known town, or after a comma
    a capitalised word that is not a common word, a day, a premises word or a given name."""
    words = candidate.split()
    first = words[0].lower()
    if first not in TOWNS:
        if not comma or not words[0][0].isupper():
            return None
        if first in NOT_NAMES or first in NOT_SURNAMES or first in GIVEN_NAMES:
            return None
    if _TOWN_CONNECTOR_RE.search(candidate):
        return candidate  # "Newcastle upon Tyne", "Stoke on Trent"
    kept = 1
    for word in words[1:]:
        if word.lower() in NOT_NAMES or word.lower() in NOT_SURNAMES:
            break  # "Leeds City Centre", "Walsall Police"
        kept += 1
    return candidate[: _span_len(candidate, kept)]


# --------------------------------------------------------------------------------------------
# Nicknames
# --------------------------------------------------------------------------------------------

# Run on the lower-cased text; each alternative starts with its key word (the word's start is
# checked in code) and the match ends where the nickname may begin.
NICKNAME_CUE_RE = re.compile(
    r"(?:known\s+(?:(?:locally|round\s+here|around\s+here|on\s+the\s+streets?|"
    r"to\s+(?:everyone|all|us))\s+)?as"
    r"|(?:goes|going|went)\s+by(?:\s+the\s+name(?:\s+of)?)?"
    r"|call(?:s|ed|ing)?\s+(?:him|her|them)sel(?:f|ves)"
    r"|(?P<call>call(?:s|ed)?\s+(?:him|her|them))"
    r"|aka|a\.k\.a\.?|a/k/a"
    r"|nick-?named|nickname(?:\s+is|'s)?"
    r"|street\s+name(?:\s+is|'s)?"
    r"|(?P<called>called|named)(?=\s*[\"“‘']))"
    r"(?![\w'])[\s:,\-]*"
)
# "they call him X" needs its subject; "call him on 07700..." is an instruction.
_CALL_SUBJECT_RE = re.compile(
    r"\b(?:they|people|everyone|everybody|all|mates|friends|lads|kids|we|i|some|most)\s+$"
)
# 'a lad called "Smokey"': the quotes say it is a nickname; "a line called 'Tommy'" is not one.
_CALLED_PERSON_RE = re.compile(
    r"\b(?:lad|man|bloke|guy|fella|boy|girl|woman|kid|someone|somebody|dealer|youth|one|"
    r"male|female|person|he|she)\s+$"
)
_QUOTED_RE = re.compile(r"[\"'“‘](?P<q>[^\"'“”‘’\n]{1,40})[\"'”’]")
_TOKEN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*(?<!['’\-])")
_GAP_RE = re.compile(r"[ \t]+")
_NICKNAME_PREFIXES = word_set(
    "big little lil lil' young yung mad baby fat tall wee old skinny small"
)
_NICKNAME_GATES = ("known", " by", "call", "aka", "a.k.a", "a/k/a", "nick", "street name", "named")


def _nickname_span(text: str, pos: int) -> tuple[int, int] | None:
    quoted = _QUOTED_RE.match(text, pos)
    if quoted is not None:
        inner = quoted["q"]
        lo = quoted.start("q") + (len(inner) - len(inner.lstrip()))
        hi = quoted.end("q") - (len(inner) - len(inner.rstrip()))
        return (lo, hi) if hi > lo else None
    first = _TOKEN_RE.match(text, pos)
    if first is None:
        return None
    word = first.group(0)
    lowered = word.lower()
    if lowered in STOP_WORDS and lowered not in _NICKNAME_PREFIXES:
        return None  # "known as well", "they call him names"
    if len(word) == 1 and not word.isupper():
        return None
    end = first.end()
    count, previous = 1, lowered
    while count < 3:
        # More words while they are capitalised like the first ("Big Dee"), or follow a
        # nickname prefix ("lil t", "big man").
        space = _GAP_RE.match(text, end)
        following = _TOKEN_RE.match(text, space.end()) if space is not None else None
        if following is None:
            break
        next_word = following.group(0)
        if next_word.lower() in STOP_WORDS or next_word.lower() in NOT_SURNAMES:
            break
        if not (next_word[0].isupper() and word[0].isupper()) and (
            previous not in _NICKNAME_PREFIXES
        ):
            break
        end, count, previous = following.end(), count + 1, next_word.lower()
    if count == 1 and lowered in _NICKNAME_PREFIXES:
        return None  # "known as big" and nothing usable after it
    return first.start(), end


def _nicknames(scan: _Scan) -> Iterator[Entity]:
    lowered = scan.lowered
    if not any(g in lowered for g in _NICKNAME_GATES):
        return
    text = scan.text
    for match in NICKNAME_CUE_RE.finditer(lowered):
        if not _starts_word(lowered, match.start()):
            continue
        if match["call"] and not _CALL_SUBJECT_RE.search(scan.before(match.start(), 20)):
            continue
        if match["called"] and not _CALLED_PERSON_RE.search(scan.before(match.start(), 20)):
            continue
        span = _nickname_span(text, match.end())
        if span is not None:
            start, end = span
            yield _entity("nickname", " ".join(text[start:end].split()), text, start, end)


# --------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------

_TITLES = {
    "mr": "Mr",
    "mrs": "Mrs",
    "ms": "Ms",
    "miss": "Miss",
    "mx": "Mx",
    "dr": "Dr",
    "prof": "Prof",
    "sgt": "Sgt",
    "insp": "Insp",
    "cllr": "Cllr",
    "rev": "Rev",
    "pc": "PC",
    "pcso": "PCSO",
    "dc": "DC",
    "ds": "DS",
    "di": "DI",
}
_CAP_NAME = r"(?:Mc|Mac|O['’])?[A-Z][a-z]+(?:[\-'’][A-Z][a-z]+)?"
# A capitalised title and one or two capitalised names; the title's start is checked in code.
TITLE_RE = re.compile(
    r"(?P<title>Mrs|Mr|Ms|Miss|Mx|Dr|Prof|Sgt|Insp|Cllr|Rev|PCSO|PC|DC|DS|DI)\.?[ \t]+"
    r"(?P<name>" + _CAP_NAME + r"(?:[ \t]+" + _CAP_NAME + r")?)(?![\w'’])"
)
# "mr okafor", "mrs patel": only these titles, which are nothing else in lower case.
LOWER_TITLE_RE = re.compile(r"(?P<title>mrs|mr|ms)\.?[ \t]+(?P<name>[a-z][a-z'’\-]+)(?![\w'’])")
# A capitalised word not preceded by a letter (so the search can skip to capitals quickly),
# then one or two capitalised names.
FULL_NAME_RE = re.compile(
    r"[A-Z](?<![\w'’][A-Z])(?P<given>[a-z]+)(?P<rest>(?:[ \t]+" + _CAP_NAME + r"){1,2})"
    r"(?![\w'’\-])"
)
_RELATIONS = (
    "boyfriend|girlfriend|partner|husband|wife|ex|son|daughter|brother|sister|mate|friend|pal|"
    "cousin|uncle|aunt|auntie|aunty|neighbour|neighbor|dad|father|mum|mam|mom|mother|"
    "step-?dad|step-?mum|step-?son|step-?daughter|nephew|niece|carer|landlord|landlady|lodger|"
    "grandson|granddaughter|fella|missus"
)
# On the lower-cased text: "her boyfriend Dean", "my neighbour Sandra".
RELATION_RE = re.compile(
    r"(?:his|her|their|my|your|our|the)\s+"
    r"(?:(?:new|older|younger|big|little|eldest|youngest|oldest|ex)[\s\-]+)?"
    r"(?:" + _RELATIONS + r")[ \t,:]+"
)
_RELATION_GATE_RE = re.compile(_RELATIONS)
# Before "called"/"named": a person noun makes any capitalised name a person ("a lad called
# Tyler"); otherwise only a known given name is ("saw Kyle, called Kyle").
CALLED_RE = re.compile(r"(?:called|named)[ \t]+")
_CALLED_CUE_RE = re.compile(
    r"\b(?:(?:a|an|some|this|that|the|one|another)\s+(?:young\s+|older\s+|old\s+)?"
    r"(?:lad|man|bloke|guy|fella|fellow|boy|girl|woman|lass|kid|teenager|teen|youth|person|"
    r"lady|chap|dealer|geezer|driver)|someone|somebody|"
    r"(?:he|she|one\s+of\s+them)(?:'s|’s|\s+is|\s+was))\s+$"
)
NAME_IS_RE = re.compile(r"(?:his|her)\s+(?:real\s+)?name(?:'s|’s|\s+is|\s+was)[ \t,:]+")
_CAP_TOKEN_RE = re.compile(_CAP_NAME + r"(?![\w'’\-])")
_LOWER_TOKEN_RE = re.compile(r"[a-z]+(?![\w'’\-])")


def _surname_ok(word: str) -> bool:
    lowered = word.lower()
    return not (
        lowered in NOT_SURNAMES
        or lowered in NOT_NAMES
        or lowered in TOWNS
        or lowered in STREET_TYPES_PLAIN
        or lowered in STREET_TYPES_AMBIGUOUS
        or lowered in STREET_ABBREVIATIONS
    )


def _people(scan: _Scan) -> Iterator[Entity]:
    text, lowered = scan.text, scan.lowered
    yield from _titled(scan)
    position = 0
    while (match := FULL_NAME_RE.search(text, position)) is not None:
        # "Saw Jordan Reilly": when the first word is not a given name, look again from the
        # second, so the search does not step over the real name.
        position = match.start("rest")
        given = text[match.start() : match.end("given")]
        if given.lower() not in GIVEN_NAMES:
            continue
        rest = match["rest"].split()
        kept = 0
        for word in rest:
            if not _surname_ok(word):
                break
            kept += 1
        if kept == 0:
            continue
        end = match.start("rest") + _span_len(match["rest"], kept)
        position = end
        yield _entity("person", _title(" ".join([given, *rest[:kept]])), text, match.start(), end)
    if _RELATION_GATE_RE.search(lowered):
        for match in RELATION_RE.finditer(lowered):
            if _starts_word(lowered, match.start()):
                yield from _cued_person(text, match.end(), known_only=False)
    if "called" in lowered or "named" in lowered:
        for match in CALLED_RE.finditer(lowered):
            if _starts_word(lowered, match.start()):
                cue = _CALLED_CUE_RE.search(scan.before(match.start(), 30))
                yield from _cued_person(text, match.end(), known_only=cue is None)
    if "name" in lowered:
        for match in NAME_IS_RE.finditer(lowered):
            if _starts_word(lowered, match.start()):
                yield from _cued_person(text, match.end(), known_only=False)


def _titled(scan: _Scan) -> Iterator[Entity]:
    text = scan.text
    for match in TITLE_RE.finditer(text):
        if not _starts_word(text, match.start()):
            continue
        words = match["name"].split()
        if not _surname_ok(words[0]):
            continue
        kept = 2 if len(words) > 1 and _surname_ok(words[1]) else 1
        end = match.start("name") + _span_len(match["name"], kept)
        value = f"{_TITLES[match['title'].lower()]} {_title(' '.join(words[:kept]))}"
        yield _entity("person", value, text, match.start(), end)
    if "mr" not in text and "ms" not in text:
        return
    for match in LOWER_TITLE_RE.finditer(text):
        name = match["name"]
        if _starts_word(text, match.start()) and _surname_ok(name):
            value = f"{_TITLES[match['title']]} {_title(name)}"
            yield _entity("person", value, text, match.start(), match.end())


def _cued_person(text: str, pos: int, *, known_only: bool) -> Iterator[Entity]:
    """A name right after a cue: capitalised words, or one known given name in lower case.
    With ``known_only`` the first word must be a known given name even when capitalised."""
    first = _CAP_TOKEN_RE.match(text, pos)
    if first is None:
        lower = _LOWER_TOKEN_RE.match(text, pos)
        if lower is not None and lower.group(0) in GIVEN_NAMES:
            yield _entity("person", _title(lower.group(0)), text, *lower.span())
        return
    word = first.group(0).lower()
    if word in NOT_NAMES or word in TOWNS or word in NOT_SURNAMES:
        return
    if known_only and word not in GIVEN_NAMES:
        return
    end = first.end()
    space = _GAP_RE.match(text, end)
    if space is not None:
        following = _CAP_TOKEN_RE.match(text, space.end())
        if following is not None and _surname_ok(following.group(0)):
            end = following.end()
    yield _entity("person", _title(text[first.start() : end]), text, first.start(), end)
