"""Staff, officer and professional numbers (``STAFF_ID``): the patterns and the test of
whether a number is the reporter's own. ``SignOffRecognizer`` (signature.py) runs them."""

from __future__ import annotations

import re

RANK_ID_RE = re.compile(r"(?:PCSO|PC|DC|DS|DI|DCI|PS|Sgt|SC)\.?\s?\d{2,6}\b")

_ID_NOUN = r"(?:number|no\.?|num|id|code|#)"
STAFF_ID_RE = re.compile(
    r"\b(?P<label>(?:my[ \t]+)?"
    r"(?:(?:staff|employee|officer|driver|payroll|personnel|works|member|fleet|taxi|cab|"
    r"radio|vehicle|unit|operator|agent|service|pcso|police|locker)[ \t]*" + _ID_NOUN + r""
    r"|call[ \t-]?sign"
    r"|(?:collar|shoulder|warrant(?:[ \t]+card)?|badge|sia(?:[ \t]+licen[cs]e)?|licen[cs]e|bleep|"
    r"pager|id(?:[ \t]+(?:card|badge))?|smart[ \t]*card)(?:[ \t]*" + _ID_NOUN + r")?"
    r"|(?:hcpc|nmc|gmc|gphc|swe)(?:[ \t]+(?:reg(?:istration)?\.?|number|no\.?|pin))?"
    r"(?:[ \t]+(?:number|no\.?))?"
    r"|social[ \t]+work[ \t]+england[ \t]+(?:reg(?:istration)?\.?|number|no\.?|pin)"
    r"(?:[ \t]+(?:number|no\.?))?))"
    r"[ \t]*(?:is[ \t]+|:[ \t]*|-[ \t]*|#[ \t]*)?"
    r"(?P<value>(?-i:(?=[A-Z0-9/-]*\d)[A-Z0-9][A-Z0-9/-]{1,15})(?:[ ]\d{2,6}){0,3}(?![\w-])"
    r"|(?-i:[A-Z]{2,5})(?=[ \t]*(?:$|[|,;\n])))"
    r"(?![ \t]*(?:times?|years?|yrs?|months?|weeks?|days?|hours?|mins?|minutes?|people|kids|"
    r"of|am|pm|%)\b)",
    re.IGNORECASE | re.MULTILINE,
)
# The words a staff-number label starts with: the pattern runs only where one of them is
# (found with str.find, much faster than running the pattern at every position).
_STAFF_ID_HEADS = (
    "staff",
    "employee",
    "officer",
    "driver",
    "payroll",
    "personnel",
    "works",
    "member",
    "fleet",
    "taxi",
    "cab",
    "radio",
    "vehicle",
    "unit",
    "operator",
    "agent",
    "service",
    "pcso",
    "police",
    "locker",
    "call",
    "collar",
    "shoulder",
    "warrant",
    "badge",
    "sia",
    "licen",
    "bleep",
    "pager",
    "id",
    "smart",
    "hcpc",
    "nmc",
    "gmc",
    "gphc",
    "swe",
    "social",
)
_MY_BEFORE_RE = re.compile(r"\bmy[ \t]+$", re.IGNORECASE)
I_AM_BEFORE_RE = re.compile(
    r"\b(?:i['’]?m|im|i\s+am|this\s+is|it['’]?s|it\s+is)\s+$", re.IGNORECASE
)
DIGIT_RE = re.compile(r"\d")


def staff_id_matches(text: str) -> list[re.Match[str]]:
    """Every staff-number label with its value, tried only where a label word starts."""
    lowered = text.lower()
    starts: set[int] = set()
    for head in _STAFF_ID_HEADS:
        position = lowered.find(head)
        while position >= 0:
            if position == 0 or not lowered[position - 1].isalnum():
                mine = _MY_BEFORE_RE.search(text, max(0, position - 4), position)
                starts.add(mine.start() if mine else position)
            position = lowered.find(head, position + 1)
    found: list[re.Match[str]] = []
    end = -1
    for start in sorted(starts):
        if start < end:
            continue
        match = STAFF_ID_RE.match(text, start)
        if match is not None:
            found.append(match)
            end = match.end()
    return found


_THIRD_PERSON_RE = re.compile(r"\b(?:his|her|their|him|them|he|she|they)\b", re.IGNORECASE)
_FIRST_PERSON_RE = re.compile(r"\b(?:i|i'm|im|i’m|my|me)\b", re.IGNORECASE)
NOT_ID_LABEL_RE = re.compile(r"\b(?:ref|reference|incident|crime|case|log|cad)\b", re.IGNORECASE)


def first_person_number(text: str, start: int, label: str) -> bool:
    """The number is the reporter's: "my driver number", or a first-person sentence with
    nobody else named between the reporter and the number."""
    if label.lower().startswith("my"):
        return True
    sentence_start = max(
        text.rfind(".", 0, start), text.rfind("\n", 0, start), text.rfind("!", 0, start)
    )
    window = text[sentence_start + 1 : start]
    mentions = list(_FIRST_PERSON_RE.finditer(window))
    if not mentions:
        return False
    return _THIRD_PERSON_RE.search(window, mentions[-1].end()) is None
