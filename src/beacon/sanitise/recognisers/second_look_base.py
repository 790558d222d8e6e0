"""What the second look's modules share: the ``Look`` they return, the first-person openers
their patterns are tried at, and tests for quotations and pronouns."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from beacon.sanitise.recognisers.names import NAME_CORE


class Look(NamedTuple):
    type: str  # SELF_REFERENCE, REPORTER_NAME, SIGNATURE, REPORTER_ADDRESS or STAFF_ID
    start: int
    end: int
    reason: str


NAME_GROUP = r"(?P<name>(?-i:" + NAME_CORE + r"))"
# Most patterns below open with a first-person word (or "as", "he's"): they are tried only
# where one stands, found by one scan, instead of at every character of the text.
_OPENER_RE = re.compile(
    r"\b(?:i|i['’]m|im|ah['’]?m|i['’]ve|my|our|we|we['’]re|we['’]ve|me|us|as|he|she|he['’]s|"
    r"she['’]s|hes|shes|living|have|has|here)\b",
    re.IGNORECASE,
)
_OPENER_LOWER_RE = re.compile(_OPENER_RE.pattern)


def opener_positions(text: str, lowered: str) -> list[int]:
    # On the lower-cased text (case-sensitive matching is faster) when it keeps the offsets.
    if len(lowered) == len(text):
        return [m.start() for m in _OPENER_LOWER_RE.finditer(lowered)]
    return [m.start() for m in _OPENER_RE.finditer(text)]


def matches_at(
    pattern: re.Pattern[str], text: str, positions: Sequence[int]
) -> list[re.Match[str]]:
    """``pattern`` tried at each of ``positions``, keeping matches that do not overlap the
    one before (as ``finditer`` would)."""
    out: list[re.Match[str]] = []
    for position in positions:
        if out and position < out[-1].end():
            continue
        match = pattern.match(text, position)
        if match is not None:
            out.append(match)
    return out


NAME_RE = re.compile(NAME_CORE)
CUT_RE = re.compile(r"[.!?](?=\s|$)|\n")
FIRST_PERSON_RE = re.compile(r"\b(?:i|i['’]m|im|i['’]ve|my|me|we|our)\b", re.IGNORECASE)


THIRD_PERSON_RE = re.compile(r"\b(?:he|she|they|hes|shes|he['’]s|she['’]s|his|him|her)\b", re.I)
_QUOTE_CLOSE_RE = re.compile(r"['’](?![A-Za-z])|[\"”]")
_QUOTE_OPEN_RE = re.compile(r"(?:^|[\s:(])['\"‘“]")


# What may stand before a quotation that wraps a whole message: nothing, or a label such as
# "Voicemail transcription:".
_WRAPPER_RE = re.compile(r"\s*(?:\[[^\]\n]{1,40}\]\s*)?(?:[\w ()/-]{1,40}:)?\s*")


def quoted(text: str, position: int) -> bool:
    """Whether ``position`` sits inside a quotation opened earlier on its line ("he said
    'I'm Tommo, tell your dad'"): someone else's words."""
    line_start = text.rfind("\n", 0, position) + 1
    low = max(line_start, position - 120)
    before = text[low:position]
    opened = list(_QUOTE_OPEN_RE.finditer(before))
    if not opened or _WRAPPER_RE.fullmatch(text[: low + opened[-1].end() - 1]):
        # A quotation opened at the very start wraps the whole message (a voicemail
        # transcription): the reporter's own words.
        return False
    after_open = before[opened[-1].end() :]
    return _QUOTE_CLOSE_RE.search(after_open) is None
