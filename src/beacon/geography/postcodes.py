"""UK postcode normalisation and validation (no database)."""

from __future__ import annotations

import re

from beacon.geography._common import GeographyError

# Postcode areas in use (Royal Mail), plus the Crown Dependencies ONS directories include.
POSTCODE_AREAS = frozenset(
    re.findall(
        r"[A-Z]+",
        """
        AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT
        DY E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA
        LD LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE
        SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV
        YO ZE
        """,
    )
)

_OUTWARD = re.compile(r"(?P<area>[A-Z]{1,2})(?P<district>[0-9][0-9A-Z]?)")
_INWARD = re.compile(r"[0-9][A-Z]{2}")
_INWARD_FORBIDDEN = set("CIKMOV")


class PostcodeError(GeographyError, ValueError):
    """A text that is not a valid UK postcode; the message says why."""


def normalise_postcode(text: str) -> str:
    """Return ``text`` as a UK postcode in its standard form ("DE1 1AA").

    Accepts any case and missing, repeated or misplaced spaces ("de11aa", "DE1  1AA").
    Raises PostcodeError with the reason when ``text`` is not a valid UK postcode.
    """
    compact = "".join(str(text).split()).upper()

    def bad(reason: str) -> PostcodeError:
        return PostcodeError(f"{text!r} is not a valid UK postcode: {reason}")

    if not compact:
        raise bad("it is empty")
    if not compact.isascii() or not compact.isalnum():
        raise bad("it may contain only letters, digits and spaces")
    if compact == "GIR0AA":
        return "GIR 0AA"
    if len(compact) < 5:
        raise bad(f"it is too short ({len(compact)} letters and digits; a postcode has 5 to 7)")
    if len(compact) > 7:
        raise bad(f"it is too long ({len(compact)} letters and digits; a postcode has 5 to 7)")
    outward, inward = compact[:-3], compact[-3:]
    parts = str(text).split()
    if len(parts) == 2 and parts[1].upper() != inward:
        # The user's own split says where the inward part is: judge that part.
        inward = parts[1].upper()
    if not _INWARD.fullmatch(inward):
        raise bad("the inward part must be a digit and two letters")
    forbidden = sorted(set(inward[1:]) & _INWARD_FORBIDDEN)
    if forbidden:
        raise bad(
            f"the inward part {inward!r} contains {', '.join(forbidden)}; "
            "the letters C, I, K, M, O and V are never used there"
        )
    match = _OUTWARD.fullmatch(outward)
    if not match:
        raise bad(
            f"the outward part {outward!r} must be one or two letters, a digit, then an "
            "optional digit or letter (e.g. 'M1', 'DE22', 'SW1A')"
        )
    if match.group("area") not in POSTCODE_AREAS:
        raise bad(f"{match.group('area')!r} is not a UK postcode area")
    return f"{outward} {inward}"


def is_postcode(text: str) -> bool:
    """True when ``text`` normalises to a valid UK postcode."""
    try:
        normalise_postcode(text)
    except PostcodeError:
        return False
    return True
