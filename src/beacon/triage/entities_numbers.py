"""Phone numbers, postcodes and vehicle registrations: the identifiers with digits in them,
searched only in the digit windows of a ``Scan``. See ``entities`` for the values each gives.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers

from beacon.triage.entities_base import Entity, Scan, make_entity, starts_word
from beacon.triage.entities_names import word_set

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


def _phone_context_ok(scan: Scan, start: int, end: int, surface: str) -> bool:
    if _DATE_INSIDE_RE.search(surface):
        return False
    if _NOT_PHONE_AFTER_RE.match(scan.text, end):
        return False
    if _NOT_PHONE_BEFORE_RE.search(scan.before(start, 4)):
        return False
    return _REFERENCE_CUE_RE.search(scan.before(start, 30)) is None


def phones(scan: Scan) -> Iterator[Entity]:
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
        yield make_entity("phone", value, text, start, end)
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
            yield make_entity("phone", value, text, start, end)


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


def postcodes(scan: Scan) -> Iterator[Entity]:
    for match in scan.finditer(POSTCODE_RE):
        value = _postcode_match_value(match)
        if value is not None:
            yield make_entity("postcode", value, scan.text, match.start(), match.end())


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


def _has_plate_cue(scan: Scan, start: int) -> bool:
    return PLATE_CUE_RE.search(scan.before(start, 30)) is not None


def _has_vehicle_context(scan: Scan, start: int, end: int) -> bool:
    return bool(
        VEHICLE_CONTEXT_RE.search(scan.before(start, 45))
        or VEHICLE_CONTEXT_RE.search(scan.after(end, 30))
    )


def _capitals(scan: Scan, surface: str) -> bool:
    """Written in capitals in a text that is not all capitals."""
    return surface.isupper() and not scan.shouting


def vehicles(scan: Scan) -> Iterator[Entity]:
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
        yield make_entity("vehicle", normalise_vehicle(surface), text, start, end)
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
        yield make_entity("vehicle", normalise_vehicle(surface), text, start, end)
    lowered = scan.lowered
    if "reg" not in lowered and "plate" not in lowered and "vrm" not in lowered:
        return
    for plate_cue in PLATE_CUE_FORWARD_RE.finditer(lowered):
        if not starts_word(lowered, plate_cue.start()):
            continue
        mark = VEHICLE_DATELESS_RE.match(text, plate_cue.end())
        if mark is None or not _has_plate_cue(scan, mark.start()):
            continue
        letters = _NOT_LETTERS_RE.sub("", mark.group(0)).upper()
        if letters not in _STOP3 and letters not in _DATELESS_NOT_LETTERS:
            yield make_entity("vehicle", normalise_vehicle(mark.group(0)), text, *mark.span())
