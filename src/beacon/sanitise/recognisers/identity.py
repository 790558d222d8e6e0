"""Identifiers with a fixed shape: postcodes, National Insurance numbers, NHS numbers and
vehicle registrations."""

from __future__ import annotations

import re
from functools import lru_cache

from beacon.sanitise.recognisers.base import Rule, RuleRecognizer, Verdict, after, before

# --------------------------------------------------------------------------------------------
# Postcodes
# --------------------------------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


POSTCODE_AREAS = _words(
    "AB AL B BA BB BD BF BH BL BN BR BS BT BX CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN "
    "DT DY E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L "
    "LA LD LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE "
    "SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO "
    "ZE"
)
# Districts with a trailing letter (EC1A, SW1A, W1D, WC2N, E1W, N1C, NW1W, SE1P) are central
# London only.
LETTER_DISTRICT_AREAS = frozenset({"E", "EC", "N", "NW", "SE", "SW", "W", "WC"})
POSTCODE_RE = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    r"(?P<out>[A-Za-z]{1,2}\d[A-Za-z\d]?)[ \t]{0,2}(?P<in>\d[ABD-HJLNP-UW-Zabd-hjlnp-uw-z]{2})"
    r"|(?P<spaced>[A-Z]{1,2}) (?P<sdist>\d[A-Z\d]?)[ \t]{1,2}(?P<sin>\d[ABD-HJLNP-UW-Z]{2})"
    r"|(?P<gir>[Gg][Ii][Rr][ \t]?0[Aa][Aa])"
    r")(?![A-Za-z0-9])"
)


def valid_outward(outward: str) -> bool:
    outward = outward.upper()
    letters = re.match(r"[A-Z]+", outward)
    if letters is None:
        return False
    area = letters.group(0)
    district = outward[len(area) :]
    if area not in POSTCODE_AREAS:
        return False
    if re.fullmatch(r"\d{1,2}", district):
        return True
    return bool(re.fullmatch(r"\d[A-Z]", district)) and area in LETTER_DISTRICT_AREAS


def normalise_postcode(value: str) -> str | None:
    """``"LS6 2AB"`` for any spacing or case, or None when it is not a valid postcode."""
    match = POSTCODE_RE.fullmatch(value.strip())
    if match is None:
        return None
    if match.group("gir"):
        return "GIR 0AA"
    if match.group("spaced"):
        outward = match.group("spaced") + match.group("sdist")
        return f"{outward} {match.group('sin')}" if valid_outward(outward) else None
    if not valid_outward(match.group("out")):
        return None
    return f"{match.group('out').upper()} {match.group('in').upper()}"


def _check_postcode(match: re.Match[str], text: str) -> Verdict:
    if match.group("gir"):
        return 0.85, "UK postcode (GIR 0AA)"
    if match.group("spaced"):
        if not valid_outward(match.group("spaced") + match.group("sdist")):
            return None
        return 0.7, "UK postcode written with a space inside the outward code"
    if not valid_outward(match.group("out")):
        return None
    return 0.85, "UK postcode with a valid outward code"


class UkPostcodeStrongRecognizer(RuleRecognizer):
    """All postcode formats (no space, lower case, GIR 0AA) with outward-code validation."""

    def __init__(self) -> None:
        super().__init__(
            "POSTCODE",
            [Rule("uk postcode", POSTCODE_RE, _check_postcode, near_digits=True)],
            "BeaconUkPostcode",
        )


# --------------------------------------------------------------------------------------------
# National Insurance numbers
# --------------------------------------------------------------------------------------------

NINO_RE = re.compile(
    r"(?<![A-Za-z0-9])(?P<prefix>[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])[ \t.\-]?"
    r"(?P<d1>\d{2})[ \t.\-]?(?P<d2>\d{2})[ \t.\-]?(?P<d3>\d{2})"
    r"(?:[ \t.\-]?(?P<suffix>[A-D]))?(?![A-Za-z0-9])",
    re.IGNORECASE,
)
NINO_BAD_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
NINO_CONTEXT_RE = re.compile(
    r"national\s+insurance|\bn\.?\s?i\.?\s*(?:no|num|number)?\b|\bnino\b", re.IGNORECASE
)


def _check_nino(match: re.Match[str], text: str) -> Verdict:
    if match.group("prefix").upper() in NINO_BAD_PREFIXES:
        return None
    context = NINO_CONTEXT_RE.search(before(text, match.start(), 40)) is not None
    if match.group("suffix") is None:
        if not context:
            return None
        return 0.6, "National Insurance number without suffix, after 'NI'"
    return (0.95 if context else 0.85), "National Insurance number format"


class UkNinoStrongRecognizer(RuleRecognizer):
    def __init__(self) -> None:
        super().__init__(
            "NINO", [Rule("nino", NINO_RE, _check_nino, near_digits=True)], "BeaconUkNino"
        )


# --------------------------------------------------------------------------------------------
# NHS numbers
# --------------------------------------------------------------------------------------------

NHS_RE = re.compile(r"(?<![\w\-])(\d{3})([ \t\-]?)(\d{3})([ \t\-]?)(\d{4})(?![\w\-])")
NHS_CONTEXT_RE = re.compile(
    r"\bn\.?h\.?s\b|health\s+service|\bchi\s+(?:no|number)|hospital\s+(?:no|number)|patient\s+"
    r"(?:no|number)",
    re.IGNORECASE,
)


def nhs_checksum_ok(digits: str) -> bool:
    """The NHS number modulus-11 check on ten digits."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _check_nhs(match: re.Match[str], text: str) -> Verdict:
    digits = match.group(1) + match.group(3) + match.group(5)
    spaced = bool(match.group(2) or match.group(4))
    context = NHS_CONTEXT_RE.search(before(text, match.start(), 50)) is not None
    if nhs_checksum_ok(digits):
        if context:
            return 0.95, "NHS number (checksum valid, 'NHS' nearby)"
        if spaced or digits[0] in "467":
            return 0.8, "NHS number (checksum valid)"
        return None
    if context:
        return 0.5, "NHS number format after 'NHS' (checksum fails)"
    return None


class NhsNumberRecognizer(RuleRecognizer):
    def __init__(self) -> None:
        super().__init__(
            "NHS_NUMBER", [Rule("nhs", NHS_RE, _check_nhs, near_digits=True)], "BeaconNhsNumber"
        )


# --------------------------------------------------------------------------------------------
# Vehicle registrations
# --------------------------------------------------------------------------------------------

VEHICLE_CONTEXT_RE = re.compile(
    r"\b(?:reg|regs|registration|reg\s+no|plates?|number\s+plate|vrm|car|cars|van|vans|vehicle|"
    r"motor|bike|motorbike|moped|scooter|truck|lorry|taxi|cab|4x4|suv|pick-?up|flatbed|"
    r"audi|bmw|merc|mercedes|ford|vauxhall|corsa|astra|golf|polo|fiesta|focus|transit|"
    r"range\s+rover|land\s+rover|evoque|toyota|prius|nissan|qashqai|juke|skoda|octavia|kia|"
    r"hyundai|seat|fiat|peugeot|renault|honda|civic|mini|volvo|jaguar|lexus|tesla|citroen|"
    r"sprinter|kawasaki|yamaha|suzuki|mazda|berlingo|caddy|hilux|vw|volkswagen|drives|driving|"
    r"driven|parked|parks)\b",
    re.IGNORECASE,
)
PLATE_CUE_RE = re.compile(
    r"\b(?:reg|registration|reg\s+no|plates?|number\s+plate|vrm)\b[\s:.\-]*(?:no\.?\s*|number\s*)?"
    r"(?:is\s+|was\s+)?$",
    re.IGNORECASE,
)
# Three-letter words that make "M62 AND" or "NOT 2 B" look like a registration.
STOP_WORDS_3 = _words(
    "AND THE FOR BUT NOT YOU ARE WAS HAS HAD HIS HER ITS OUR ONE TWO SIX TEN OFF OUT ALL ANY "
    "CAN DID GET GOT HIM HOW LET MAY NEW NOW OLD SAW SAY SEE SHE TOO USE WAY WHO WHY YES YET AGO "
    "AGE BAD BIG BOX BUS CAR DAY END FEW MAN MEN PUT RAN RUN SAT SET TOP VAN WAR WON MPH KPH "
    "JAN FEB MAR APR JUN JUL AUG SEP OCT NOV DEC MON TUE WED THU FRI SUN HRS MIN "
    "AM PM"
)
VRM_CURRENT_RE = re.compile(
    r"(?<![A-Za-z0-9])(?P<area>[A-Za-z]{2})(?P<sp1>[ \t\-]?)(?P<age>\d{2})(?P<sp2>[ \t\-]?)"
    r"(?P<random>[A-Za-z]{3})(?![A-Za-z0-9])"
)
VRM_PREFIX_RE = re.compile(
    r"(?<![A-Za-z0-9])(?P<year>[A-Za-z])(?P<digits>\d{1,3})[ \t\-]?(?P<letters>[A-Za-z]{3})"
    r"(?![A-Za-z0-9])"
)
VRM_SUFFIX_RE = re.compile(
    r"(?<![A-Za-z0-9])(?P<letters>[A-Za-z]{3})[ \t\-]?(?P<digits>\d{1,3})[ \t\-]?(?P<year>[A-Za-z])"
    r"(?![A-Za-z0-9])"
)
VRM_DATELESS_RE = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Z]{1,3}[ \t]?\d{1,4}|\d{1,4}[ \t]?[A-Z]{1,3}|[A-Z]{2}[IZ][ \t]?"
    r"\d{1,4})(?![A-Za-z0-9])"
)


def _plate_cue(text: str, start: int) -> bool:
    return PLATE_CUE_RE.search(before(text, start, 30)) is not None


_UPPER_RE = re.compile(r"[A-Z]")
_LOWER_RE = re.compile(r"[a-z]")


@lru_cache(maxsize=4)
def _shouting(text: str) -> bool:
    """Whether the text is written mostly in capitals (computed once per text)."""
    upper = len(_UPPER_RE.findall(text))
    lower = len(_LOWER_RE.findall(text))
    return upper + lower >= 20 and upper > 0.6 * (upper + lower)


def _vehicle_context(text: str, start: int, end: int) -> bool:
    return bool(
        VEHICLE_CONTEXT_RE.search(before(text, start, 45))
        or VEHICLE_CONTEXT_RE.search(after(text, end, 25))
    )


def _case_ok(surface: str, text: str, start: int, end: int, *, compact: bool) -> bool:
    """Upper case (in a text that is not all capitals), or compact, or after vehicle words."""
    if surface.isupper() and not _shouting(text):
        return True
    if compact and surface.isupper():
        return True
    if compact and surface.islower():
        return True
    return _vehicle_context(text, start, end)


def _check_current(match: re.Match[str], text: str) -> Verdict:
    area = match.group("area").upper()
    random_part = match.group("random").upper()
    age = int(match.group("age"))
    if not (2 <= age <= 29 or 51 <= age <= 79):
        return None
    if not re.fullmatch(r"[A-HK-PR-SVWY][A-HJ-PR-Y]", area):
        return None
    if not re.fullmatch(r"[A-HJ-PR-Z]{3}", random_part):
        return None
    compact = not match.group("sp1") and match.group("sp2") in ("", " ")
    surface = match.group(0)
    context = _vehicle_context(text, match.start(), match.end())
    if not _case_ok(surface, text, match.start(), match.end(), compact=compact):
        return None
    if random_part in STOP_WORDS_3 and not _plate_cue(text, match.start()):
        return None
    return (0.9 if context else 0.8), "UK registration (current format)"


def _check_prefix(match: re.Match[str], text: str) -> Verdict:
    year = match.group("year").upper()
    letters = match.group("letters").upper()
    if not re.fullmatch(r"[A-HJ-NPR-TV-Y]", year) or not re.fullmatch(
        r"[A-HJ-PR-Y][A-HJ-PR-Z]{2}", letters
    ):
        return None
    context = _vehicle_context(text, match.start(), match.end())
    surface = match.group(0)
    upper = surface.isupper() and not _shouting(text)
    if not (upper or context):
        return None
    if letters in STOP_WORDS_3 and not _plate_cue(text, match.start()):
        return None
    return (0.8 if context else 0.6), "UK registration (prefix format)"


def _check_suffix(match: re.Match[str], text: str) -> Verdict:
    letters = match.group("letters").upper()
    year = match.group("year").upper()
    if not re.fullmatch(r"[A-HJ-PR-Y]{3}", letters) or not re.fullmatch(r"[A-HJ-NPR-TV-Y]", year):
        return None
    context = _vehicle_context(text, match.start(), match.end())
    surface = match.group(0)
    upper = surface.isupper() and not _shouting(text)
    if not (upper or context):
        return None
    if letters in STOP_WORDS_3 and not _plate_cue(text, match.start()):
        return None
    return (0.75 if context else 0.55), "UK registration (suffix format)"


def _check_dateless(match: re.Match[str], text: str) -> Verdict:
    if not _plate_cue(text, match.start()):
        return None
    letters = re.sub(r"[^A-Z]", "", match.group(0))
    if letters in STOP_WORDS_3 or letters in {"AM", "PM", "A", "I"}:
        return None
    return 0.6, "dateless or Northern Ireland registration after 'reg'/'plate'"


class UkVrmRecognizer(RuleRecognizer):
    """UK registrations: current (AB12 CDE), prefix (A123 BCD), suffix (ABC 123D) and
    dateless/Northern Irish marks after a plate cue."""

    def __init__(self) -> None:
        super().__init__(
            "VEHICLE_REGISTRATION",
            [
                Rule("vrm current", VRM_CURRENT_RE, _check_current, near_digits=True),
                Rule("vrm prefix", VRM_PREFIX_RE, _check_prefix, near_digits=True),
                Rule("vrm suffix", VRM_SUFFIX_RE, _check_suffix, near_digits=True),
                Rule(
                    "vrm dateless",
                    VRM_DATELESS_RE,
                    _check_dateless,
                    hint=("reg", "plate", "vrm"),
                    near_digits=True,
                ),
            ],
            "BeaconUkVrm",
        )


def plausible_vrm(surface: str, text: str, start: int, end: int) -> bool:
    """Whether a registration found by another recogniser passes Beacon's checks."""
    for pattern, check in (
        (VRM_CURRENT_RE, _check_current),
        (VRM_PREFIX_RE, _check_prefix),
        (VRM_SUFFIX_RE, _check_suffix),
    ):
        match = pattern.fullmatch(text, start, end)
        if match is not None and check(match, text) is not None:
            return True
    return False
