"""Beacon's own Presidio recognisers for UK resident reports.

Each recogniser is a Presidio ``EntityRecognizer`` whose rules are precompiled regular
expressions plus a check that sees the whole text (checksums, context words), so a rule can
accept a weak form only when the words around it say what it is (a 3-3-4 number that fails the
NHS checksum next to "NHS", a dateless registration after "reg"). Results carry Beacon's type
names (``PHONE``, ``POSTCODE``...) and a short human reason in their recognition metadata.

The self-reference recogniser finds first-person location and relationship cues ("I live
at ...", "from my window", "my son told me", "I work at ...") and the reporter's own name
when they give it ("my name is ...", a sign-off). ``ReporterRecognizer`` matches the details
the reporter typed into the form's optional contact fields wherever they appear in the text.

Only the standard library ``re`` is used here: the patterns are simple and it is faster than
``regex`` for them.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

import tldextract
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    NhsRecognizer,
    PhoneRecognizer,
    UkDrivingLicenceRecognizer,
    UkNinoRecognizer,
    UkPassportRecognizer,
    UkPostcodeRecognizer,
    UkVehicleRegistrationRecognizer,
)

REASON_KEY = "beacon_reason"
REPORTER_KEY = "beacon_reporter"

# tldextract's default extractor fetches the public suffix list over the network the first
# time it is used, and caches it on disk. Beacon uses the snapshot bundled with tldextract:
# no URLs to fetch, no disk cache.
OFFLINE_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


def has_public_suffix(domain: str) -> bool:
    """True when ``domain`` (or an address ending in it) ends in a known public suffix."""
    return OFFLINE_TLD(domain).suffix != ""


# --------------------------------------------------------------------------------------------
# Presidio's own recognisers, each behind a cheap gate
# --------------------------------------------------------------------------------------------


class _Gated:
    """Runs a Presidio recogniser only when a cheap test says its entity could be in the text
    (a substring of the lower-cased text, or a pattern starting with a digit, which the regex
    engine scans for quickly). The recogniser itself is unchanged."""

    gate: str | re.Pattern[str]

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        gate = self.gate
        if isinstance(gate, str):
            if gate not in text.lower():
                return []
        elif gate.search(text) is None:
            return []
        results: list[RecognizerResult] = super().analyze(  # type: ignore[misc]
            text, entities, nlp_artifacts
        )
        return results


class _DigitWindowed:
    """Runs a Presidio pattern recogniser once over the text's digit windows joined by NUL
    (no pattern matches NUL or crosses it: ``\\s``, ``[- ]`` and ``\\w`` exclude it), then maps
    the offsets back. The recogniser sees every identifier that contains a digit, in well
    under half of a typical text."""

    SEPARATOR = "\x00"

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        windows = digit_windows(text)
        if not windows:
            return []
        starts: list[int] = []  # where each window starts in the joined text
        position = 0
        for lo, hi in windows:
            starts.append(position)
            position += hi - lo + 1
        joined = self.SEPARATOR.join(text[lo:hi] for lo, hi in windows)
        results: list[RecognizerResult] = super().analyze(  # type: ignore[misc]
            joined, entities, nlp_artifacts
        )
        mapped: list[RecognizerResult] = []
        for result in results:
            index = bisect_right(starts, result.start) - 1
            lo, hi = windows[index]
            start = lo + result.start - starts[index]
            end = lo + result.end - starts[index]
            if end <= hi:
                result.start, result.end = start, end
                mapped.append(result)
        return mapped


class OfflineEmailRecognizer(_Gated, EmailRecognizer):  # type: ignore[misc]
    """Presidio's e-mail recogniser, validated against tldextract's bundled suffix list."""

    gate = "@"

    def validate_result(self, pattern_text: str) -> bool:
        return bool(OFFLINE_TLD(pattern_text).fqdn)


class PresidioUkPostcode(_DigitWindowed, _Gated, UkPostcodeRecognizer):  # type: ignore[misc]
    gate = re.compile(r"\d[ABD-HJLNP-UW-Zabd-hjlnp-uw-z]{2}(?![A-Za-z0-9])")


class PresidioUkNino(_DigitWindowed, _Gated, UkNinoRecognizer):  # type: ignore[misc]
    gate = re.compile(r"\d\d[ \t]?\d\d[ \t]?\d\d")


class PresidioNhs(_DigitWindowed, _Gated, NhsRecognizer):  # type: ignore[misc]
    gate = re.compile(r"\d{3}[ \-]?\d{3}[ \-]?\d{4}")


class PresidioUkVehicleRegistration(_DigitWindowed, _Gated, UkVehicleRegistrationRecognizer):  # type: ignore[misc]
    gate = re.compile(r"\d[ \-]?[A-Z]")

    def __init__(self) -> None:
        super().__init__()
        self.global_regex_flags = re.DOTALL | re.MULTILINE  # case-sensitive: not "M62 and"


class PresidioUkDrivingLicence(_DigitWindowed, _Gated, UkDrivingLicenceRecognizer):  # type: ignore[misc]
    gate = re.compile(r"\d[A-Z9]{2}[A-Z0-9][A-Z]{2}")

    def __init__(self) -> None:
        super().__init__()
        self.global_regex_flags = re.DOTALL | re.MULTILINE


class PresidioUkPassport(_Gated, UkPassportRecognizer):  # type: ignore[misc]
    gate = "passport"

    def __init__(self) -> None:
        super().__init__()
        self.global_regex_flags = re.DOTALL | re.MULTILINE


class PresidioCreditCard(_DigitWindowed, _Gated, CreditCardRecognizer):  # type: ignore[misc]
    gate = re.compile(r"\d{4}[ \-]?\d{3,4}[ \-]?\d{3,4}")


# A number in international format that is not +44: only then is `phonenumbers` needed.
_FOREIGN_PREFIX_RE = re.compile(r"(?:\+|\b00)[ \t]?(?!44)[1-9]\d{0,2}[ \t\-.]?\(?\d{2}")


class ForeignPhoneRecognizer(PhoneRecognizer):
    """Presidio's ``phonenumbers`` recogniser, run only on texts with a non-UK international
    number (+48 ..., 0033 ...): Beacon's own recogniser covers every UK form, including the
    drama ranges ``phonenumbers`` rejects, and ``phonenumbers`` is the slowest recogniser."""

    def __init__(self) -> None:
        super().__init__(supported_regions=("GB",), name="PresidioPhoneForeign")

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if _FOREIGN_PREFIX_RE.search(text) is None:
            return []
        results: list[RecognizerResult] = super().analyze(
            text, entities, cast(NlpArtifacts, nlp_artifacts)
        )
        return results


# --------------------------------------------------------------------------------------------
# The rule-based recogniser every Beacon recogniser is built from
# --------------------------------------------------------------------------------------------

Verdict = tuple[float, str] | None


@dataclass(frozen=True)
class Rule:
    """One pattern; ``check(match, text)`` returns ``(score, reason)`` or None to reject."""

    name: str
    pattern: re.Pattern[str]
    check: Callable[[re.Match[str], str], Verdict]
    group: int | str = 0
    # Cheap tests before the (slower) pattern runs: ``hint`` is a tuple of substrings one of
    # which the lower-cased text must contain; ``near_digits`` runs the pattern only in small
    # windows around the text's digits (every phone, postcode, NINO, NHS number and
    # registration has some), found once per text by one fast scan.
    hint: tuple[str, ...] = ()
    near_digits: bool = False


_DIGITS_RE = re.compile(r"\d+")
_WINDOW_BEFORE = 6  # the most characters an identifier has before its first digit ("+44 (", "ABC ")
_WINDOW_AFTER = 6  # ... and after its last ("2AB", "12 CDE")


def _is_word(text: str, index: int) -> bool:
    return 0 <= index < len(text) and (text[index].isalnum() or text[index] == "_")


@lru_cache(maxsize=4)  # shared by the recognisers analysing one text
def digit_windows(text: str) -> tuple[tuple[int, int], ...]:
    """Spans around the text's digit clusters, widened so no identifier containing those
    digits is cut, and widened to whole words at both ends (so ``\\b`` or
    ``(?![A-Za-z0-9])`` at a window's edge means the same as in the whole text)."""
    windows: list[list[int]] = []
    for match in _DIGITS_RE.finditer(text):
        lo = max(0, match.start() - _WINDOW_BEFORE)
        hi = min(len(text), match.end() + _WINDOW_AFTER)
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], hi)
        else:
            windows.append([lo, hi])
    out: list[tuple[int, int]] = []
    for lo, hi in windows:
        while _is_word(text, hi):
            hi += 1
        while _is_word(text, lo - 1):
            lo -= 1
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return tuple(out)


def make_result(
    recognizer: EntityRecognizer,
    entity: str,
    start: int,
    end: int,
    score: float,
    reason: str,
    **extra: Any,
) -> RecognizerResult:
    metadata: dict[str, Any] = {
        RecognizerResult.RECOGNIZER_NAME_KEY: recognizer.name,  # type: ignore[has-type]
        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id,
        REASON_KEY: reason,
    }
    metadata.update(extra)
    return RecognizerResult(
        entity_type=entity, start=start, end=end, score=score, recognition_metadata=metadata
    )


class RuleRecognizer(EntityRecognizer):
    """Runs a fixed list of precompiled rules for one entity type."""

    def __init__(self, entity: str, rules: Sequence[Rule], name: str) -> None:
        self.entity = entity
        self.rules = tuple(rules)
        super().__init__(supported_entities=[entity], name=name, supported_language="en")

    def load(self) -> None:
        """Nothing to load: the rules are compiled at import."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        seen: set[tuple[int, int]] = set()
        lowered: str | None = None
        for rule in self.rules:
            if rule.hint:
                lowered = lowered if lowered is not None else text.lower()
                if not any(h in lowered for h in rule.hint):
                    continue
            spans = digit_windows(text) if rule.near_digits else ((0, len(text)),)
            for lo, hi in spans:
                for match in rule.pattern.finditer(text, lo, hi):
                    verdict = rule.check(match, text)
                    if verdict is None:
                        continue
                    score, reason = verdict
                    start, end = match.span(rule.group)
                    if start < end and (start, end) not in seen:
                        seen.add((start, end))
                        results.append(make_result(self, self.entity, start, end, score, reason))
        return results


def before(text: str, start: int, width: int) -> str:
    return text[max(0, start - width) : start]


def after(text: str, end: int, width: int) -> str:
    return text[end : end + width]


# --------------------------------------------------------------------------------------------
# Phone numbers
# --------------------------------------------------------------------------------------------

# +44 / 0044 (optionally "(0)"), or the trunk 0 (optionally inside brackets), then 9 or 10
# digits separated by at most a few spaces, dots, dashes or brackets. Validation of the
# national number's length and leading digit is done in code, not by `phonenumbers`, so the
# Ofcom drama ranges (07700 900xxx, 020 7946 0xxx, 01632 960xxx...) are caught too.
PHONE_RE = re.compile(
    r"(?<![\w+/])"
    r"(?:(?P<intl>(?:\+|\b00)[ \t]?44[ \t]?(?:\([ \t]?0[ \t]?\)[ \t]?)?\(?)|(?P<trunk>\(?0))"
    r"(?P<rest>[ \t.\-()]{0,3}[1-9](?:[ \t.\-()/]{0,3}\d){8,9})"
    r"(?!\d)"
)
_SEP_RE = re.compile(r"[^\d]")
_DATE_INSIDE_RE = re.compile(r"(?<!\d)\d{1,2}([./\-])\d{1,2}\1\d{2,4}(?!\d)")
# National significant number: leading digit -> allowed lengths.
_NSN_LENGTHS = {
    "1": (9, 10),
    "2": (10,),
    "3": (10,),
    "5": (9, 10),
    "7": (10,),
    "8": (9, 10),
    "9": (10,),
}


def normalise_phone(value: str) -> str | None:
    """The national form ("07700900123") of a UK number written any common way."""
    digits = _SEP_RE.sub("", value)
    if digits.startswith("0044"):
        digits = "0" + digits[4:]
    elif digits.startswith("44") and value.lstrip().startswith("+"):
        digits = "0" + digits[2:]
    if digits.startswith("440") and value.lstrip().startswith("+"):
        digits = digits[2:]
    if digits.startswith("00"):
        digits = digits[1:]
    if not digits.startswith("0"):
        return None
    nsn = digits[1:]
    if nsn[:1] not in _NSN_LENGTHS or len(nsn) not in _NSN_LENGTHS[nsn[:1]]:
        return None
    return digits


def _check_phone(match: re.Match[str], text: str) -> Verdict:
    surface = match.group(0)
    rest = match.group("rest")
    nsn = _SEP_RE.sub("", rest)
    if nsn[:1] not in _NSN_LENGTHS or len(nsn) not in _NSN_LENGTHS[nsn[:1]]:
        return None
    if _DATE_INSIDE_RE.search(surface):
        return None
    if "/" in surface:
        # "07700 900/567" is a phone number; "01/123456/24" is a crime reference.
        head = surface.split("/", 1)[0]
        if surface.count("/") > 1 or len(_SEP_RE.sub("", head)) < 5:
            return None
    if surface.count("(") != surface.count(")") and not surface.startswith("("):
        return None
    # Many separators in a short number usually means a list of small numbers, not a phone.
    separators = len(re.findall(r"[ \t.\-()]+", rest.strip(" \t.-()")))
    if separators > 5:
        return None
    kind = {
        "7": "mobile",
        "1": "geographic",
        "2": "geographic",
        "3": "non-geographic",
        "8": "freephone/special",
        "9": "premium",
        "5": "corporate",
    }[nsn[0]]
    return 0.85, f"UK {kind} number"


class UkPhoneRecognizer(RuleRecognizer):
    """UK phone numbers in every common written form, drama ranges included."""

    def __init__(self) -> None:
        super().__init__(
            "PHONE", [Rule("uk phone", PHONE_RE, _check_phone, near_digits=True)], "BeaconUkPhone"
        )

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts)
        # A match may start with "(" or end in ")" / separators that belong to the sentence.
        for result in results:
            while result.start < result.end and text[result.start] in " \t.-":
                result.start += 1
            while result.end > result.start and text[result.end - 1] in " \t.-(":
                result.end -= 1
            if text[result.end - 1] == ")" and text.count("(", result.start, result.end) < (
                text.count(")", result.start, result.end)
            ):
                result.end -= 1
        return results


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


# --------------------------------------------------------------------------------------------
# E-mail, social media handles, URLs, dates of birth
# --------------------------------------------------------------------------------------------

EMAIL_RE = re.compile(
    r"(?<![\w.+\-])[A-Za-z0-9][A-Za-z0-9._%+'\-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
    r"\.)+[A-Za-z]{2,24}(?![\w\-])"
)
_OBFUSCATED_DOMAINS = (
    r"gmail|googlemail|hotmail|yahoo|outlook|btinternet|icloud|sky|live|aol|protonmail|"
    r"virginmedia|talktalk|mail"
)
EMAIL_OBFUSCATED_RE = re.compile(
    r"(?<![\w.])[A-Za-z0-9][A-Za-z0-9._\-]{0,40}\s*(?:\[at\]|\(at\)|\{at\}|\s+at\s+)\s*"
    r"(?:" + _OBFUSCATED_DOMAINS + r"|[a-z0-9\-]+(?=\s*(?:\[dot\]|\(dot\))))"
    r"\s*(?:\[dot\]|\(dot\)|\{dot\}|\s+dot\s+|\.)\s*(?:com|co\s*(?:\[dot\]|\(dot\)|\s+dot\s+|\.)"
    r"\s*uk|org|net|uk)\b",
    re.IGNORECASE,
)


def _check_email(match: re.Match[str], text: str) -> Verdict:
    surface = match.group(0)
    if not has_public_suffix(surface.rsplit("@", 1)[1]):
        return None
    return 0.9, "e-mail address"


def _check_obfuscated_email(match: re.Match[str], text: str) -> Verdict:
    return 0.7, "e-mail address written with 'at'/'dot'"


class BeaconEmailRecognizer(RuleRecognizer):
    def __init__(self) -> None:
        super().__init__(
            "EMAIL",
            [
                Rule("email", EMAIL_RE, _check_email, hint=("@",)),
                Rule(
                    "email obfuscated",
                    EMAIL_OBFUSCATED_RE,
                    _check_obfuscated_email,
                    hint=("[at]", "(at)", "{at}", " dot "),
                ),
            ],
            "BeaconEmail",
        )


HANDLE_RE = re.compile(
    r"(?<![\w@.])@(?=[A-Za-z0-9_.]*[A-Za-z])[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}"
    r"[A-Za-z0-9_])?(?![\w@])"
)


def _check_handle(match: re.Match[str], text: str) -> Verdict:
    if len(match.group(0)) < 4:
        return None
    return 0.7, "social media handle"


URL_RE = re.compile(
    r"(?:\bhttps?://|\bwww\.)[^\s<>\"']+"
    r"|(?<![@\w.\-])(?:[a-z0-9\-]+\.)+(?:com|co\.uk|org|org\.uk|net|uk|io|me|tv|gg|app|info|ly)"
    r"/[^\s<>\"']*",
    re.IGNORECASE,
)


def _check_url(match: re.Match[str], text: str) -> Verdict:
    return 0.8, "web address"


class UrlRecognizer(RuleRecognizer):
    def __init__(self) -> None:
        super().__init__(
            "URL", [Rule("url", URL_RE, _check_url, hint=("://", "www.", "/"))], "BeaconUrl"
        )

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts)
        for result in results:
            while result.end > result.start and text[result.end - 1] in ".,;:!?)'\"":
                result.end -= 1
        return results


class SocialHandleRecognizer(RuleRecognizer):
    def __init__(self) -> None:
        super().__init__(
            "SOCIAL_HANDLE",
            [Rule("handle", HANDLE_RE, _check_handle, hint=("@",))],
            "BeaconSocialHandle",
        )


_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
DOB_RE = re.compile(
    r"\b(?:d\.?o\.?b\.?|date\s+of\s+birth|born(?:\s+on)?|birthday\s+is)\s*(?:is\s*)?[:\-]?\s*"
    r"(?P<date>\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?"
    + _MONTH
    + r"\.?,?\s+\d{4})(?!\d)",
    re.IGNORECASE,
)


def _check_dob(match: re.Match[str], text: str) -> Verdict:
    return 0.85, "date of birth"


class DateOfBirthRecognizer(RuleRecognizer):
    def __init__(self) -> None:
        super().__init__(
            "DATE_OF_BIRTH",
            [Rule("dob", DOB_RE, _check_dob, group="date", hint=("dob", "d.o.b", "birth", "born"))],
            "BeaconDateOfBirth",
        )


# --------------------------------------------------------------------------------------------
# Self-references and the reporter's own name
# --------------------------------------------------------------------------------------------

RELATIONS = (
    r"son|sons|daughter|daughters|husband|hubby|wife|partner|mum|mam|mom|mother|dad|father|"
    r"nan|nana|nanna|gran|granny|grandma|grandad|grandpa|grandmother|grandfather|grandson|"
    r"granddaughter|grandchild|grandchildren|grandkids|brother|sister|boyfriend|girlfriend|"
    r"fianc[eé]e?|ex|ex-partner|ex-husband|ex-wife|ex-boyfriend|ex-girlfriend|child|children|"
    r"kids?|lad|lads|lass|boy|boys|girl|girls|baby|eldest|youngest|step-?son|step-?daughter|"
    r"step-?dad|step-?mum|niece|nephew|uncle|aunt|auntie|aunty|cousin|in-laws|"
    r"mother-in-law|father-in-law|son-in-law|daughter-in-law|family|friend|friends|mate|mates|"
    r"next\s+door\s+neighbours?|neighbours?|neighbors?|carer|lodger|landlord|landlady|"
    r"flatmate|housemate|colleague|missus|fella|bairn|little\s+ones?|"
    r"\d+\s*(?:-\s*)?(?:yo|y/o|year[\s-]+old|yr[\s-]+old)"
)
PLACES = (
    r"flat|house|home|bungalow|maisonette|cottage|apartment|property|address|front\s+door|"
    r"back\s+door|door|doorstep|bedroom\s+window|kitchen\s+window|front\s+window|back\s+window|"
    r"windows?|front\s+garden|back\s+garden|garden|yard|back\s+yard|street|road|close|avenue|"
    r"cul-de-sac|block|building|balcony|drive|driveway|gate|fence|back\s+fence|garage|shed|"
    r"landing|stairwell|hallway|porch|doorbell(?:\s+camera)?|ring\s+doorbell|cctv|camera|"
    r"letterbox|wall|hedge|path|kitchen|bedroom|living\s+room|lounge|terrace|end\s+of\s+the\s+"
    r"(?:street|road)|estate|car\s+park|bins?"
)
_PLACE_PREPOSITIONS = (
    r"(?:(?:right|just|directly)\s+)?(?:from|outside|in\s+front\s+of|behind|near|at|on|over|"
    r"in|through|into|past|opposite|by|under|above|below|next\s+to|round|around|across|up|"
    r"down|along|onto|against|to)\s+"
)
ROLES = (
    r"caretaker|manager|owner|landlord|landlady|licensee|proprietor|shopkeeper|nurse|teacher|"
    r"teaching\s+assistant|ta|head|headteacher|head\s+teacher|youth\s+worker|support\s+worker|"
    r"social\s+worker|worker|warden|chair|chairman|chairwoman|chairperson|secretary|treasurer|"
    r"member|governor|vicar|priest|imam|rabbi|doctor|gp|pharmacist|cleaner|driver|postman|"
    r"postwoman|security\s+guard|guard|receptionist|councillor|volunteer|coach|leader|officer|"
    r"pcso|employee|assistant|supervisor|carer|midwife|paramedic|firefighter|"
    r"lollipop\s+(?:lady|man)|dinner\s+lady|janitor|concierge|tenant\s+rep|leaseholder|"
    r"homeowner|resident|tenant|chef|barman|barmaid|bar\s+staff|bouncer|door\s+supervisor|"
    r"student|pupil|parent|school\s+crossing\s+patrol|crossing\s+patrol|patrol|regular|customer|"
    r"member\s+of\s+staff|staff|porter|handyman|gardener|groundsman|steward|mentor|tutor"
)
_I_AM = r"(?:i'?m|i’m|im|i\s+am|i\s+was|we'?re|we\s+are)"


@dataclass(frozen=True)
class SelfPattern:
    """A first-person cue. Every cue contains a first-person word (I, we, my, our, me, mine,
    us, ours): the recogniser finds those words with one fast scan and tries each pattern only
    there. ``at="start"`` patterns must match starting at the word; ``at="end"`` patterns are
    anchored with ``$`` and must end just before it (``next door to`` + ``me``). ``lead`` is
    tried on the text just before the match and extends the span back when it ends there
    ("the flat" + "above me"); when ``lead_required`` the cue only counts with it."""

    kind: str
    pattern: re.Pattern[str]
    at: str = "start"
    words: frozenset[str] = frozenset()
    lead: re.Pattern[str] | None = None
    lead_required: bool = False


_TRAILING_WORDS = frozenset({"me", "us", "mine", "ours"})
FIRST_PERSON_WORD_RE = re.compile(r"\b(?:i|im|we|my|our|ours|me|mine|us)\b", re.IGNORECASE)

SELF_PATTERNS: tuple[SelfPattern, ...] = (
    # "I live at ...", "we've lived on ...", "I'm living at ..."
    SelfPattern(
        "residence",
        re.compile(
            r"(?:i|we)(?:'ve|’ve|'d|\s+have|\s+had)?\s+(?:(?:just|recently|currently|also|now|"
            r"still|both|all|actually|been|always)\s+){0,2}(?:live|lived|living|stay|staying|"
            r"reside|residing)\b"
            r"|" + _I_AM + r"\s+(?:living|staying|based|residing)\b",
            re.IGNORECASE,
        ),
    ),
    # "I'm at number 14", "im in flat 12"
    SelfPattern(
        "residence",
        re.compile(
            _I_AM + r"\s+(?:at|in|from)\s+(?:number|no\.?|num|flat|apartment|apt|house|"
            r"unit)\s*\d+[a-z]?\b",
            re.IGNORECASE,
        ),
    ),
    # "I'm the one at no.7", "we're the bungalow at the end", "I'm next door but one"
    SelfPattern(
        "residence",
        re.compile(
            _I_AM + r"\s+(?:(?:in|at)\s+)?the\s+(?:\w+\s+)?(?:one|house|flat|bungalow|"
            r"maisonette|cottage|terrace|semi|property|top\s+flat|ground\s+floor|first\s+floor|"
            r"basement)\b"
            r"|" + _I_AM + r"\s+(?:next\s+door|opposite|across\s+the\s+(?:road|street|way)|"
            r"over\s+the\s+road|upstairs|downstairs|directly\s+(?:above|below|opposite)|"
            r"round\s+the\s+corner)\b",
            re.IGNORECASE,
        ),
    ),
    # "I've got a little girl at Parklands", "we have two kids at the school"
    SelfPattern(
        "residence",
        re.compile(
            r"(?:i|we)(?:'ve|’ve|\s+have)?\s+(?:got\s+)?(?:a|an|two|three|four|\d+)\s+"
            r"(?:[\w'-]+\s+)?(?:kids?|children|sons?|daughters?|girls?|boys?|lads?|grandkids|"
            r"grandchildren|grandsons?|granddaughters?|little\s+ones?)\s+(?:at|in|who|that)\b",
            re.IGNORECASE,
        ),
    ),
    # "round the back of mine", "at mine"
    SelfPattern(
        "phrase",
        re.compile(
            r"\b(?:(?:(?:round|at|from|to|by|in|near)\s+)?(?:the\s+)?(?:back|front|side)\s+of|at|"
            r"to|round|near|outside|behind|by|past|from)\s+$",
            re.IGNORECASE,
        ),
        at="end",
        words=frozenset({"mine", "ours"}),
    ),
    # "me and the kids", "on my way to work"
    SelfPattern(
        "phrase",
        re.compile(
            r"me\s+and\s+(?:the|my)\s+(?:kids|children|family|wife|husband|partner|missus|"
            r"lads|girls|grandkids|son|daughter|mum|dad)\b"
            r"|(?:my|our)\s+(?:way|walk|route|commute|journey|school\s+run)\s*(?:to|home|"
            r"back|from|into)?(?:\s+(?:work|school|town|the\s+\w+))?\b",
            re.IGNORECASE,
        ),
    ),
    # "near where I live", "the estate where we live"
    SelfPattern(
        "phrase",
        re.compile(r"(?:i|we)\s+(?:live|stay)\b", re.IGNORECASE),
        lead=re.compile(
            r"(?:\b(?:near|outside|round|around|by|opposite|behind|next\s+to|close\s+to)|"
            r"\b(?:the\s+)?(?:street|road|estate|block|flats|area|close|avenue|lane|terrace|"
            r"building|house|park|village))\s+where\s+$",
            re.IGNORECASE,
        ),
        lead_required=True,
    ),
    # "I work at ...", "I'm the caretaker at ...", "I run the chip shop ..."
    SelfPattern(
        "work",
        re.compile(
            r"(?:i|we)\s+(?:\w+\s+)?(?:work|worked|volunteer|volunteered)\s+(?:\w+\s+)?"
            r"(?:at|in|for|on)\b"
            r"|"
            + _I_AM
            + r"\s+(?:the|a|an|one\s+of\s+the)?\s*(?:[\w'’-]+\s+){0,2}?(?:"
            + ROLES
            + r")s?\b"
            r"|(?:i|we)\s+(?:run|manage)\s+(?:the|a)\b"
            r"|(?:i|we)\s+own\s+(?:the|a)\s+(?:shop|pub|cafe|café|business|salon|garage|"
            r"takeaway|chippy)\b",
            re.IGNORECASE,
        ),
    ),
    # "next door to me", "the flat above mine", "across the road from us"
    SelfPattern(
        "phrase",
        re.compile(
            r"\b(?:next\s+door\s+to|next\s+to|opposite|above|below|beneath|underneath|under|over|"
            r"beside|across\s+(?:the\s+(?:road|street|way)\s+)?from|upstairs\s+from|"
            r"downstairs\s+from|behind|facing|round\s+the\s+corner\s+from|(?:a\s+few|two|three|"
            r"four|some|a\s+couple\s+of)\s+doors?\s+(?:down|up|along)\s+from|directly\s+(?:above|"
            r"below|opposite))\s+$",
            re.IGNORECASE,
        ),
        at="end",
        words=_TRAILING_WORDS,
        lead=re.compile(
            r"\b(?:the\s+)?(?:[\w'-]+\s+){0,2}?(?:flat|house|home|property|bungalow|maisonette|"
            r"people|family|lads?|man|woman|couple|neighbours?)\s+$",
            re.IGNORECASE,
        ),
    ),
    # "my son", "our neighbours", "me mam"
    SelfPattern(
        "relation",
        re.compile(
            r"(?:my|our|me(?=\s+(?:mam|mum|dad|nan|lad|lass|missus|fella|bairn)\b))\s+"
            r"(?:(?:own|eldest|youngest|little|older|younger|teenage|\d+\s*(?:yo|year\s+old)|"
            r"best|elderly|disabled|grown\s+up|two|three)\s+)?(?:" + RELATIONS + r")(?:'s|’s)?"
            r"(?![\w-])",
            re.IGNORECASE,
        ),
    ),
    # "our Kelly" (a family member, in northern English)
    SelfPattern(
        "relation",
        re.compile(
            r"(?-i:our)\s+(?!(?:Lady|Lord|Council|Councillor|MP|Street|Road|Town|City|"
            r"Community|Police|School|Church|Estate)\b)(?-i:[A-Z][a-z]{2,})\b"
        ),
    ),
    # "from my window", "outside our block", "my flat"
    SelfPattern(
        "place",
        re.compile(
            r"(?:my|our)\s+(?:own\s+|new\s+|old\s+)?(?:" + PLACES + r")(?![\w-])",
            re.IGNORECASE,
        ),
        lead=re.compile(r"\b" + _PLACE_PREPOSITIONS + r"$", re.IGNORECASE),
    ),
)

# Where a first-person clause stops.
CLAUSE_STOP_RE = re.compile(
    r"[.!?](?=\s|$|[\"')])|[;:\n\r]|\s[-–—]\s|&|,|\s\+\s"
    r"|\b(?:and|but|so|because|cos|coz|cuz|where|which|who|whom|whose|when|while|whilst|as|if|"
    r"then|until|till|though|although|since|that|i|we|he|she|they|you|it|there|theres|"
    r"there's|this|these|those|please|pls|plz|can|could|would|will|have|has|had|was|were|is|"
    r"are|with|every|each|its|it's|but|or)\b",
    re.IGNORECASE,
)
_ABBREVIATIONS = frozenset(
    {"no", "st", "rd", "ave", "dr", "tce", "cres", "nr", "opp", "apt", "approx", "mr", "mrs", "ms"}
)
_CONTINUATION_RE = re.compile(
    r"^\s*(?:(?:flat|no\.?|number|apt|unit)\s*)?\d+[a-zA-Z]?\b|^\s*[A-Z][\w'’\-]*(?:\s+[A-Z0-9]"
    r"[\w'’\-]*){0,3}\s*$"
)
_PRONOUN_START_RE = re.compile(
    r"^\s*(?:i|we|he|she|they|it|there|the|this|please|and|but|so|im|i'm|its|it's)\b",
    re.IGNORECASE,
)
MAX_CLAUSE = 80
_WHERE_BEFORE_RE = re.compile(r"\bwhere\s+$", re.IGNORECASE)
_BARE_VERB_RE = re.compile(r"(?:live|lived|living|stay|staying|reside|residing|based)$", re.I)

_RELATION_TAIL_RE = re.compile(
    r"(?:\s+(?-i:[A-Z][a-z]+)(?=[\s,.;!?]|$))?"  # a name: "my son Jake"
    r"(?P<verb>\s+(?:(?:has|had|have|was|were)\s+)?(?:told|tells|said|says|showed|shows|saw|"
    r"sees|seen|noticed|notices|heard|hears|mentioned|reckons|thinks|reported|witnessed|"
    r"watched|spotted)(?:\s+(?:me|us|them))?\b)?",
    re.IGNORECASE,
)
_RELATION_CLAUSE_RE = re.compile(
    r"(?:\s+(?-i:[A-Z][a-z]+))?,?\s+(?:who\s+|that\s+)?(?:lives|lived|living|works|worked|"
    r"working|goes|went|attends|attended|stays|stayed|is\s+at|is\s+in|was\s+at|is\s+a\s+\w+\s+"
    r"at|is\s+the\s+\w+\s+at)\b"
    r"|\s+(?:at|from|in)\s+(?:number|no\.?|num|flat|#)\s*\d+[a-z]?\b",
    re.IGNORECASE,
)
_PLACE_TAIL_RE = re.compile(
    r"\s*\([^()\n]{1,40}\)"
    r"|,?\s+(?:at|on|in|of|off|near|opposite)\s+(?:the\s+)?(?:number|no\.?|flat|\d|[A-Z])"
    r"|,\s*(?:flat\s+)?\d+[a-zA-Z]?\s+[A-Z]"
    r"|\s+(?:overlooks|overlooking|faces|facing|backs\s+on(?:to)?|looks\s+(?:onto|over|out\s+"
    r"on(?:to)?)|is\s+(?:opposite|next\s+to|above|below|near|on|at|in|right\s+by))\b",
)
_ADDRESS_TAIL_RE = re.compile(r"\s*(?:is|:|-)\s*", re.IGNORECASE)

NAME = r"(?:(?:mr|mrs|ms|miss|dr)\.?\s+)?[A-Z][a-zA-Z'’\-]+(?:\s+[A-Z][a-zA-Z'’\-]+){0,2}"
NAME_INTRO_RE = re.compile(
    r"(?:my\s+name\s+is|my\s+name's|my\s+name’s|(?-i:[Mm])y\s+names|i'?m\s+called|"
    r"i\s+am\s+called)\s+(?P<name>(?-i:" + NAME + r"))",
    re.IGNORECASE,
)
GREETING_NAME_RE = re.compile(
    r"(?:^|\b(?:hi|hello|hiya|hey|morning|evening|afternoon|dear\s+\w+)(?:\s+there)?[,!.]?\s+)"
    r"(?:this\s+is|it'?s|it’s|its)\s+(?P<name>(?-i:" + NAME + r"))",
    re.IGNORECASE,
)
NAME_INTRO_LOWER_RE = re.compile(
    r"(?:my\s+name\s+is|my\s+name's|i'?m\s+called|i\s+am\s+called)\s+(?P<name>[a-z][a-z'\-]+)"
    r"(?:\s+(?P<name2>(?!and\b|i\b|im\b|from\b|here\b|the\b)[a-z][a-z'\-]+))?",
)
SIGN_OFF_RE = re.compile(
    r"(?:\b(?:thanks|thank\s+you|many\s+thanks|thx|ta|cheers|regards|kind\s+regards|"
    r"best\s+regards|best\s+wishes|yours\s+(?:sincerely|faithfully|truly)|sincerely|"
    r"from)\s*[,.!\-–]*\s+|\n\s*[\-–]\s*)(?P<name>(?-i:" + NAME + r"))\s*[.!]?\s*$",
    re.IGNORECASE,
)
_FROM_AFTER_NAME_RE = re.compile(r"\s*,?\s+(from|at)\s+(?:the\s+)", re.IGNORECASE)
_NOT_NAMES = frozenset(
    {
        "from",
        "i",
        "the",
        "a",
        "an",
        "me",
        "it",
        "this",
        "that",
        "there",
        "police",
        "council",
        "leeds",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "anonymous",
        "a resident",
        "resident",
        "worried",
        "concerned",
        "again",
        "in",
        "on",
        "here",
        "all",
    }
)


def clause_end(text: str, position: int, limit: int = MAX_CLAUSE) -> int:
    """Where the clause that continues at ``position`` ends (see the module docstring)."""
    hard_limit = min(len(text), position + limit)
    scan = position
    while True:
        match = CLAUSE_STOP_RE.search(text, scan, hard_limit)
        if match is None:
            end = hard_limit
            if end < len(text) and not text[end].isspace():
                space = text.rfind(" ", position, end)
                end = space if space > position else end
            return end
        stop = match.group(0)
        if stop == "." and match.start() + 1 < len(text):
            word = re.search(r"(\w+)$", text[max(position, match.start() - 8) : match.start()])
            following = text[match.start() + 1 : match.start() + 3].lstrip()
            if word and word.group(1).lower() in _ABBREVIATIONS and following[:1].isdigit():
                scan = match.end()
                continue
        if stop == ",":
            nxt = CLAUSE_STOP_RE.search(text, match.end(), hard_limit)
            chunk_end = nxt.start() if nxt else hard_limit
            chunk = text[match.end() : chunk_end]
            if (
                chunk.strip()
                and _CONTINUATION_RE.match(chunk)
                and not _PRONOUN_START_RE.match(chunk)
                and len(chunk.split()) <= 4
            ):
                scan = chunk_end
                if nxt is None:
                    return chunk_end
                continue
            return match.start()
        if stop.lower() == "and":
            prev_word = re.search(r"(\S+)\s*$", text[position : match.start()])
            next_word = re.match(r"\s*(\S+)", text[match.end() : match.end() + 30])
            if (
                prev_word
                and next_word
                and prev_word.group(1)[:1].isupper()
                and next_word.group(1)[:1].isupper()
            ):
                scan = match.end()
                continue
        return match.start()


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while end > start and text[end - 1] in " \t,;:-–(\n\r":
        end -= 1
    while start < end and text[start] in " \t,;:-–(\n\r":
        start += 1
    return start, end


class SelfReferenceRecognizer(EntityRecognizer):
    """First-person cues that identify the reporter, and the name they introduce themselves
    with ("my name is ...", "Hi, it's ...", a sign-off)."""

    def __init__(self) -> None:
        super().__init__(
            supported_entities=["SELF_REFERENCE", "REPORTER_NAME"],
            name="BeaconSelfReference",
            supported_language="en",
        )

    def load(self) -> None:
        """Nothing to load."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        words = list(FIRST_PERSON_WORD_RE.finditer(text))
        for word in words:
            lowered = word.group(0).lower()
            for cue in SELF_PATTERNS:
                if cue.words and lowered not in cue.words:
                    continue
                if cue.at == "end":
                    match = cue.pattern.search(text, max(0, word.start() - 50), word.start())
                else:
                    match = cue.pattern.match(text, word.start())
                if match is None:
                    continue
                span = self._extend(text, cue.kind, match)
                if span is None:
                    continue
                start, end = span
                if cue.at == "end":
                    end = max(end, word.end())
                if cue.lead is not None:
                    lead = cue.lead.search(text, max(0, start - 40), start)
                    if lead is not None:
                        start = lead.start()
                    elif cue.lead_required:
                        continue
                start, end = _strip_span(text, start, end)
                if end - start < 3:
                    continue
                words_of_cue = " ".join(text[start:end].split()[:5])
                results.append(
                    make_result(
                        self,
                        "SELF_REFERENCE",
                        start,
                        end,
                        0.85,
                        f"first-person {cue.kind}: '{words_of_cue}'",
                    )
                )
        results.extend(self._names(text, words))
        return results

    def _extend(self, text: str, kind: str, match: re.Match[str]) -> tuple[int, int] | None:
        start, end = match.span()
        if kind in ("residence", "work"):
            if kind == "residence" and _WHERE_BEFORE_RE.search(before(text, start, 8)):
                return None
            stop = clause_end(text, end)
            if not text[end:stop].strip(" \t,.;:-"):
                # A bare "I live" / "where I stay" says nothing about where.
                if kind == "residence" and _BARE_VERB_RE.search(match.group(0)):
                    return None
                return start, end
            return start, stop
        if kind == "relation":
            clause = _RELATION_CLAUSE_RE.match(text, end)
            if clause is not None:
                return start, clause_end(text, clause.end())
            tail = _RELATION_TAIL_RE.match(text, end)
            if tail is not None and tail.end() > end:
                # "my son Jake" (a capitalised name) and/or "told me", "said", "saw".
                return start, tail.end()
            return start, end
        if kind == "place":
            if re.search(r"address$", match.group(0), re.IGNORECASE):
                address = _ADDRESS_TAIL_RE.match(text, end)
                if address is not None:
                    return start, clause_end(text, address.end())
            tail = _PLACE_TAIL_RE.match(text, end)
            if tail is not None:
                if tail.group(0).lstrip().startswith("("):
                    return start, tail.end()
                return start, clause_end(text, end + 1 if text[end : end + 1] == "," else end)
            return start, end
        return start, end

    def _names(self, text: str, words: list[re.Match[str]]) -> list[RecognizerResult]:
        """Names the reporter gives: "my name is ...", "Hi, it's ..." near the start, and a
        sign-off at the end."""
        found: list[tuple[re.Match[str], str, bool]] = []
        lower_text = text == text.lower()
        for word in words:
            if word.group(0).lower() not in ("my", "i", "im"):
                continue
            intro = NAME_INTRO_RE.match(text, word.start())
            if intro is not None:
                found.append((intro, "the reporter introduces themselves", True))
            elif lower_text:
                lower = NAME_INTRO_LOWER_RE.match(text, word.start())
                if lower is not None:
                    found.append((lower, "the reporter introduces themselves", False))
        greeting = GREETING_NAME_RE.search(text, 0, min(len(text), 120))
        if greeting is not None:
            found.append((greeting, "the reporter introduces themselves", True))
        sign_off = SIGN_OFF_RE.search(text, max(0, len(text) - 80))
        if sign_off is not None:
            found.append((sign_off, "sign-off name", False))

        results: list[RecognizerResult] = []
        for hit, reason, introduced in found:
            start = hit.start("name")
            if "name2" in hit.re.groupindex and hit.group("name2"):
                end = hit.end("name2")
                results.append(make_result(self, "REPORTER_NAME", start, end, 0.7, reason))
                continue
            name = hit.group("name")
            # Trim trailing words that are not part of a name ("Shaz from ...").
            kept = name.split()
            while kept and kept[-1].lower() in _NOT_NAMES:
                kept.pop()
            if not kept or " ".join(kept).lower() in _NOT_NAMES:
                continue
            end = start + _prefix_length(name, kept)
            results.append(make_result(self, "REPORTER_NAME", start, end, 0.8, reason))
            follow = _FROM_AFTER_NAME_RE.match(text, end)
            if introduced and follow is not None:
                cue_start = follow.start(1)
                stop = clause_end(text, follow.end())
                s, e = _strip_span(text, cue_start, stop)
                results.append(
                    make_result(self, "SELF_REFERENCE", s, e, 0.8, "where the reporter is from")
                )
        return results


def _prefix_length(name: str, words: list[str]) -> int:
    """Length of the part of ``name`` made of its first ``len(words)`` words."""
    position = 0
    for word in words:
        found = name.find(word, position)
        position = found + len(word)
    return position


# --------------------------------------------------------------------------------------------
# The reporter's own details
# --------------------------------------------------------------------------------------------

_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "sir"})
_STREET_ABBREVIATIONS = {
    "road": "rd",
    "street": "st",
    "avenue": "ave|av",
    "close": "cl",
    "drive": "dr",
    "lane": "ln",
    "court": "ct",
    "crescent": "cres|cresc",
    "gardens": "gdns",
    "terrace": "tce|terr",
    "place": "pl",
    "grove": "gr|gro",
    "square": "sq",
    "mount": "mt",
    "approach": "app",
}


def _flexible_digits(digits: str) -> str:
    return r"[\s.\-()]*".join(digits)


def reporter_patterns(
    name: str | None,
    email: str | None,
    phone: str | None,
    address: str | None,
    postcode: str | None,
) -> list[tuple[str, re.Pattern[str], str]]:
    """(entity, compiled pattern, what it matches) for each detail the reporter gave."""
    patterns: list[tuple[str, re.Pattern[str], str]] = []
    if phone:
        national = normalise_phone(phone)
        if national is None:
            digits = _SEP_RE.sub("", phone)
            if len(digits) >= 6:
                patterns.append(
                    (
                        "PHONE",
                        re.compile(r"(?<!\d)" + _flexible_digits(digits) + r"(?!\d)"),
                        "phone",
                    )
                )
        else:
            nsn = national[1:]
            patterns.append(
                (
                    "PHONE",
                    re.compile(
                        r"(?<![\d+])(?:(?:\+|00)[\s]*44[\s]*(?:\(\s*0\s*\)\s*)?\(?"
                        + _flexible_digits(nsn)
                        + r"|\(?0"
                        + r"[\s.\-()]*"
                        + _flexible_digits(nsn)
                        + r")(?!\d)"
                    ),
                    "phone",
                )
            )
    if email and "@" in email:
        patterns.append(
            (
                "EMAIL",
                re.compile(r"(?<![\w.+\-])" + re.escape(email.strip()) + r"(?![\w\-])", re.I),
                "e-mail",
            )
        )
    if postcode:
        compact = re.sub(r"\s+", "", postcode).upper()
        if len(compact) >= 5:
            outward, inward = compact[:-3], compact[-3:]
            patterns.append(
                (
                    "POSTCODE",
                    re.compile(
                        r"(?<![A-Za-z0-9])"
                        + re.escape(outward)
                        + r"[ \t]{0,2}"
                        + re.escape(inward)
                        + r"(?![A-Za-z0-9])",
                        re.I,
                    ),
                    "postcode",
                )
            )
    if address:
        first_line = address.split(",")[0].strip()
        words = re.findall(r"[\w'’]+", first_line)
        if len(words) >= 2 or (words and any(c.isdigit() for c in words[0])):
            parts = []
            for word in words:
                alternatives = [re.escape(word)]
                abbreviation = _STREET_ABBREVIATIONS.get(word.lower())
                if abbreviation:
                    alternatives.extend(abbreviation.split("|"))
                parts.append("(?:" + "|".join(alternatives) + r")\.?")
            patterns.append(
                (
                    "REPORTER_ADDRESS",
                    re.compile(r"\b" + r"[\s,]+".join(parts) + r"(?!\w)", re.I),
                    "address",
                )
            )
    if name:
        tokens = [t for t in re.findall(r"[\w'’\-]+", name) if t.lower() not in _TITLES]
        if len(tokens) >= 2:
            patterns.append(
                (
                    "REPORTER_NAME",
                    re.compile(r"\b" + r"\s+".join(map(re.escape, tokens)) + r"\b", re.I),
                    "name",
                )
            )
        for token in tokens:
            if len(token) < 2:
                continue
            # Single name words must look like a name: capitalised (or all capitals).
            head, tail = token[0], token[1:]
            patterns.append(
                (
                    "REPORTER_NAME",
                    re.compile(
                        r"(?<![\w'’\-])(?:"
                        + re.escape(head.upper())
                        + "(?i:"
                        + re.escape(tail)
                        + r"))(?![\w'’\-])"
                    ),
                    "name",
                )
            )
            patterns.append(
                (
                    "REPORTER_NAME_LOWER",
                    re.compile(r"(?<![\w'’\-])" + re.escape(token) + r"(?![\w'’\-])", re.I),
                    "name",
                )
            )
    return patterns


class ReporterRecognizer(EntityRecognizer):
    """The reporter's own details (the form's optional contact fields) wherever they appear:
    phone, e-mail and postcode whatever the spacing or case, the first line of the address,
    the full name and each name word."""

    def __init__(self, patterns: Sequence[tuple[str, re.Pattern[str], str]]) -> None:
        self.patterns = tuple(patterns)
        entities = sorted({e.replace("_LOWER", "") for e, _, _ in self.patterns}) or ["PHONE"]
        super().__init__(supported_entities=entities, name="BeaconReporter")

    def load(self) -> None:
        """Nothing to load."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        lower_text = text == text.lower()
        for entity, pattern, what in self.patterns:
            if entity == "REPORTER_NAME_LOWER":
                if not lower_text:
                    continue
                entity = "REPORTER_NAME"
            for match in pattern.finditer(text):
                results.append(
                    make_result(
                        self,
                        entity,
                        match.start(),
                        match.end(),
                        1.0,
                        f"matches the reporter's {what}",
                        **{REPORTER_KEY: True},
                    )
                )
        return results
