"""Where the subject lives as seen from the reporter's home, said with no first-person word:
"the lad next door", "our next-door neighbours", "the flat above", "the house with the white
Range Rover across the road". These place the subject as much as the reporter, so the
self-reference recogniser flags them for the human sanitiser."""

from __future__ import annotations

import re

# Third-person positions with no first-person word: "the lad next door", "our next-door
# neighbours", "the lad from next door but one", "the house ... across the road".
NEXT_DOOR_RE = re.compile(
    r"\b(?:(?:the|our|my|me|their)\s+(?:[\w'’-]+\s+){0,2}?)?(?:from\s+)?(?:next|nxt)[\s-]?do+r"
    r"(?:['’]s\b)?"
    r"(?:\s+but\s+(?:one|two))?(?:\s+neighbou?rs?)?(?!\s+to\s+(?!me\b|us\b))"
    r"(?:\s+(?:to|2)\s+(?:me|us))?",
    re.IGNORECASE,
)
# "the flat above", "the people upstairs", "the house opposite" with nothing after naming
# another place: above or opposite the reporter.
RELATIVE_RE = re.compile(
    r"\b(?:the|their)\s+(?:[\w'’-]+\s+){0,1}?(?:flat|house|home|bungalow|maisonette|people|"
    r"family|lads?|man|woman|couple|neighbours?|bloke|tenants?|lot)\s+(?P<where>upstairs|"
    r"downstairs|above|below|beneath|underneath|opposite|over\s+the\s+road|(?:a\s+few|two|three|"
    r"four|five|\d)\s+doors?\s+(?:down|up|along))\b"
    r"(?!\s+(?:the|a|an|from|of|to|number|no|his|her|their|them|him|that|this|those|"
    r"\w+['’]s)\b|\s+(?-i:[A-Z0-9]))",
    re.IGNORECASE,
)
_DETERMINER_RE = re.compile(r"\b(?:the|our|my|me|their|from)\b", re.IGNORECASE)
_HOUSEHOLD_VERB_RE = re.compile(r"\s+(?:is|are|has|have|had|was|were|keep|keeps)\b", re.I)
_RELATIVE_CUES = (
    "upstairs",
    "downstairs",
    "above",
    "below",
    "beneath",
    "opposite",
    "over the",
    "doors ",
    "door down",
    "door up",
)
ACROSS_RE = re.compile(
    r"\b(?:house|flat|home|bungalow|property|people|family|lads?|man|woman|couple|neighbours?|"
    r"lot)\b(?:\s+[\w'’-]+){0,6}?\s+(?P<where>(?:across|over)\s+the\s+(?:road|street|way))\b",
    re.IGNORECASE,
)
_FIRST_PERSON_PLACE_BEFORE = re.compile(r"\b(?:my|our|me)\s+$", re.IGNORECASE)


def third_person_positions(text: str) -> list[tuple[int, int]]:
    """ "The lad next door", "our next-door neighbours", "the house with the white Range
    Rover across the road": the subject lives next to the reporter. Flagged."""
    results: list[tuple[int, int]] = []
    lowered = text.lower()
    for match in _in_windows(NEXT_DOOR_RE, text, lowered, ("next", "nxt"), 40, 40):
        start, end = match.span()
        possessive = match.group(0).endswith(("'s", "’s"))
        # Bare "next door" only when it stands for a household ("next door is a student
        # house", "next door have ...").
        if (
            not possessive
            and not _DETERMINER_RE.search(match.group(0))
            and not _HOUSEHOLD_VERB_RE.match(text, end)
        ):
            continue
        results.append((start, end))
    for match in _in_windows(RELATIVE_RE, text, lowered, _RELATIVE_CUES, 40, 30):
        results.append(match.span())
    across = ("the road", "the street", "the way")
    for match in _in_windows(ACROSS_RE, text, lowered, across, 80, 20):
        if _FIRST_PERSON_PLACE_BEFORE.search(text, max(0, match.start() - 6), match.start()):
            continue
        start, end = match.span("where")
        results.append((start, end))
    return results


def _in_windows(
    pattern: re.Pattern[str],
    text: str,
    lowered: str,
    cues: tuple[str, ...],
    before: int,
    after: int,
) -> list[re.Match[str]]:
    """Matches of ``pattern`` near its cue words only (found with str.find: much faster than
    running the pattern over the whole text)."""
    windows: list[list[int]] = []
    for cue in cues:
        position = lowered.find(cue)
        while position >= 0:
            windows.append([max(0, position - before), min(len(text), position + len(cue) + after)])
            position = lowered.find(cue, position + 1)
    if not windows:
        return []
    windows.sort()
    merged = [windows[0]]
    for low, high in windows[1:]:
        if low <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    found: list[re.Match[str]] = []
    for low, high in merged:
        found.extend(pattern.finditer(text, low, high))
    return found
