"""Traits a reporter gives in passing, outside the "I'm the ..." patterns:

- "As the lady with the mobility scooter at the top of the hill I can't chase them": who the
  reporter is, said as the reason for what follows (but not "as the man at number 9 was
  leaving, I saw ...", where "as" means "while");
- ", only one round here" after a first-person clause: "I keep the pigeon loft at the bottom
  of Slack Lane, only one round 'ere", "my van, the yellow camper on Fern Street, the only one
  like it round here", "I volunteer on the door at the mosque, the only sister who does".

Each function returns ``(start, end)`` spans for ``SelfReferenceRecognizer``, which redacts
them (or flags them when they may name someone else).
"""

from __future__ import annotations

import re

from beacon.sanitise.recognisers.vocabulary import PERSON

AS_TRAIT_RE = re.compile(
    r"\bas\s+the\s+(?:[\w'’-]+\s+){0,2}?(?:" + PERSON + r")\s+(?:with|wi|who|that|at|in|on|"
    r"from|next|opposite|across|above|below|whose)\b(?P<rest>[^.!?\n]{0,80}?)"
    r"(?=[,\s]+(?:i|i['’]m|im|i\s+am|we|we['’]re|ah)\b)",
    re.IGNORECASE,
)
# Between "as the ..." and the reporter's "I": no verb saying "as" means "while".
_VERB_RE = re.compile(
    r"\b(?:was|were|is|are|came|come|comes|went|goes|walked|left|leaves|drove|drives|got|gets|"
    r"had|has|did|does|ran|runs|shouted|parked|arrived|pulled|turned|said|says|"
    r"\w+ed)\b",
    re.IGNORECASE,
)
ONLY_TAIL_RE = re.compile(
    r",\s*(?:the\s+)?only\s+(?:one|wan|ane|ones|yins?|house|family|person|place|shop|household)\b"
    r"[^.!?\n,]{0,30}?\b(?:round|roon|around|on|in|like|left|for|about|o['’]|of)\b"
    r"[^.!?\n,]{0,30}"
    # "I volunteer on the door at the mosque ..., the only sister who does"
    r"|,\s*(?:the\s+)?only\s+(?:[\w'’-]+\s+){1,2}?(?:who|that)\s+(?:does|do|is|works|goes|has)\b",
    re.IGNORECASE,
)
_FIRST_PERSON_RE = re.compile(
    r"\b(?:i|i['’]m|im|we|we['’]re|my|our|me|ah(?=\s+(?:keep|live|bide|stay|run|work|own)\b))"
    r"\b",
    re.IGNORECASE,
)
_THIRD_PERSON_SUBJECT_RE = re.compile(r"\b(?:he|she|he['’]s|she['’]s|his|her)\b", re.IGNORECASE)


def _sentence_start(text: str, position: int) -> int:
    return (
        max(
            text.rfind(".", 0, position),
            text.rfind("!", 0, position),
            text.rfind("?", 0, position),
            text.rfind("\n", 0, position),
        )
        + 1
    )


def as_traits(text: str) -> list[tuple[int, int]]:
    """ "As the lady with the mobility scooter at the top of the hill I ..." """
    out: list[tuple[int, int]] = []
    for match in AS_TRAIT_RE.finditer(text):
        if _VERB_RE.search(match.group("rest")):
            continue
        out.append(match.span())
    return out


def only_tails(text: str) -> list[tuple[int, int]]:
    """A first-person clause ending ", only one round here": from the first-person word."""
    out: list[tuple[int, int]] = []
    for match in ONLY_TAIL_RE.finditer(text):
        start = _sentence_start(text, match.start())
        mentions = list(_FIRST_PERSON_RE.finditer(text, start, match.start()))
        if not mentions or _THIRD_PERSON_SUBJECT_RE.search(text, start, match.start()):
            continue
        # From the clause of the last "I" ("I'm Brian, I keep the loft ..., only one round
        # here"), else from the first "my" ("my van, the yellow camper ..., the only one").
        subjects = [m for m in mentions if m.group(0).lower() not in ("my", "our", "me")]
        first = subjects[-1] if subjects else mentions[0]
        out.append((first.start(), match.end()))
    return out
