"""The second look at staff and officer numbers: a number after any label ("HCPC PA 38812",
"call sign Whiskey 4-2", "emp. no. WL0551") or a role ("CEO 118", "Officer 2871"), flagged only
when the sentence or the text's opening makes it the reporter's own (not "PC 2091 came round",
"Spoke to PCSO ..."). Labels are looked for only near runs of three or more digits."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from beacon.sanitise.recognisers.names import name_ok
from beacon.sanitise.recognisers.second_look_base import Look
from beacon.sanitise.recognisers.vocabulary import TITLE

_CODE = (
    r"(?P<code>(?-i:[A-Z]{1,6}(?:-[A-Z]{1,3})?)[\s-]?\d{3,8}|(?-i:[A-Z]{2})\d{4,8}|"
    r"\d{3,8}(?:[\s-]?(?-i:[A-Z]{1,2}))?)"
)
_LABELLED_ID_RE = re.compile(
    r"\b(?:id|i\.d\.|emp(?:loyee)?\.?\s*(?:no|number|#)\.?|service\s+(?:no|number)\.?|"
    r"staff\s+(?:no|number|id|code)\.?|payroll\s+(?:no|number)\.?|hcpc(?:\s+(?:no|number))?|"
    r"gphc(?:\s+(?:no|number))?|nmc(?:\s+pin)?|gmc(?:\s+(?:no|number))?|trn|warrant\s+(?:no|number)\.?|"
    r"badge(?:\s+(?:no|number))?\.?|collar(?:\s+(?:no|number))?\.?|shoulder\s+(?:no|number)\.?|"
    r"operative\s+(?:no|number)\.?|sia(?:\s+licen[cs]e)?(?:\s+(?:no|number))?\.?|"
    r"licen[cs]e\s+(?:no|number)\.?|pin|running\s+(?:no|number)\.?|urn|"
    r"gas\s+safe(?:\s+reg(?:istration)?)?\.?(?:\s+(?:no|number))?\.?)\s*(?:is\s+|:\s*|#\s*|=\s*)?"
    + _CODE
    + r"\b",
    re.IGNORECASE,
)
_CALL_SIGN_RE = re.compile(
    r"\bcall\s*sign\s*:?\s*(?P<code>(?-i:[A-Z])[a-z]+\s+\d{1,2}(?:-\d{1,2})?|[A-Z0-9]{2,8})",
    re.IGNORECASE,
)
# The rest of the text holds another sentence: the number is not in its closing one.
_CUT_LAST_RE = re.compile(r"[.!?]\s+\S")
_ROLE_NUMBER_RE = re.compile(
    r"\b(?P<code>(?:PCSO|PC|CEO|(?i:officer|inspector|warden|marshal|operative|special|constable|"
    r"sergeant|steward|driver|attendant|loader|ranger|engineer|vendor|colleague|volunteer|"
    r"member))\s+(?:no\.?\s*)?\d{3,6})\b"
)
# "operative 3342 (D. Fairclough)": the name of the number's holder, in brackets after it.
_NAME_AFTER_CODE_RE = re.compile(
    r"\s*\((?P<name>(?:"
    + TITLE
    + r"\s+)?[A-Z]\.?\s+[A-Z][a-z'’-]+|"
    + TITLE
    + r"\s+[A-Z][a-z'’-]+)\)"
)
_ID_IS_RE = re.compile(r"\bID\b[^.\n]{0,30}?\bis\s+" + _CODE + r"\b")
_I_AM_CODE_RE = re.compile(
    r"\b(?:i['’]m|(?-i:im)|i\s+am)\s+an?\s+[\w\s]{1,30}?\(\s*" + _CODE + r"\b", re.IGNORECASE
)


_OTHER_TITLE_RE = re.compile(
    r"\b(?:PC|PCSO|Sgt|DC|DS|DI|Mr|Mrs|Ms|Miss|Dr|Officer|Inspector|Constable)\b|\b(?:and|to|with)\s"
)
_OWN_CODE_CUE_RE = re.compile(
    r"\b(?:my|i['’]m|(?-i:im)|i\s+am|that['’]s\s+me|logged\s+by|reported\s+by|submitted\s+by)\b",
    re.IGNORECASE,
)
_OTHERS_CODE_RE = re.compile(
    r"\b(?:to|with|by|spoke|told|pass|came|said|saw|seen|visited|who|has|was|is|on\s+the|"
    r"he|she|his|her|they|interpreter)\b",
    re.IGNORECASE,
)
_PRONOUN_RE = re.compile(r"\b(?:he|she|her|his|him|they|them)\b", re.IGNORECASE)
# "PC 2091 came round", "PCSO 6633 Patel has seen": the number's owner does something.
_OTHERS_AFTER_RE = re.compile(
    r"\)?,?\s*(?:(?-i:[A-Z][a-z]+)\s+)?(?:came|comes|said|says|told|who|has|have|had|was|is|"
    r"he|she|his|her|they|visited|attended\s+(?:my|our)|(?:on|of)\s+(?:the|a|his|her))\b",
    re.IGNORECASE,
)


_ABBREVIATIONS = frozenset(
    ["no", "emp", "ref", "tel", "reg", "st", "dr", "mr", "mrs", "ms", "sgt", "insp", "approx"]
)
_WORD_BEFORE_RE = re.compile(r"\b\w+$")
_SENTENCE_END_RE = re.compile(r"[.!?]+\s+(?=[A-Z\"'‘“(])|\n")


def _sentence_start(text: str, position: int) -> int:
    """Where the sentence holding ``position`` starts (abbreviations such as "emp. no." do not
    end one)."""
    start = 0
    for match in _SENTENCE_END_RE.finditer(text, max(0, position - 300), position + 1):
        word = _WORD_BEFORE_RE.search(text, max(0, match.start() - 12), match.start())
        if match.end() <= position and (
            word is None or word.group(0).lower() not in _ABBREVIATIONS
        ):
            start = match.end()
    return start


def _own_code(text: str, start: int, end: int, name_ends: Sequence[int]) -> bool:
    """Whether a staff number is the reporter's: just after their own name (in the same
    sentence), after "my", "I'm a ... (" or "that's me", or in the text's first sentence
    when nothing there says it is someone else's ("PC 2091 came round", "Spoke to PCSO ...")."""
    sentence_start = _sentence_start(text, start)
    if any(
        sentence_start <= n <= start
        and start - n <= 70
        and not _OTHER_TITLE_RE.search(text, n, start)  # "My name is Sue and PC Reid (badge"
        for n in name_ends
    ):
        return True
    cues = list(_OWN_CODE_CUE_RE.finditer(text, max(sentence_start, start - 80), start))
    if cues and not _OTHER_TITLE_RE.search(text, cues[-1].end(), start):
        return True
    closing = text.find("\n", end) < 0 and _CUT_LAST_RE.search(text, end) is None
    if sentence_start > 0 and not closing:
        return False  # neither the opening nor the closing sentence
    after = text[end : end + 30]
    return not (
        _OTHERS_CODE_RE.search(text, sentence_start, start)
        or _OTHERS_AFTER_RE.match(after)
        or _PRONOUN_RE.search(after)
    )


_DIGIT_RUN_RE = re.compile(r"\d{3,}")  # a staff number has three digits or more
_LABEL_REACH = 60  # the most a label ("I'm a ... (", "ID on my jacket is") stands before its digits


def _code_windows(text: str) -> list[tuple[int, int]]:
    """Stretches of text where a staff number and its label may stand: before and around each
    run of digits, merged."""
    windows: list[list[int]] = []
    for run in _DIGIT_RUN_RE.finditer(text):
        low, high = max(0, run.start() - _LABEL_REACH), min(len(text), run.end() + 3)
        while high < len(text) and text[high].isalnum():
            high += 1
        if windows and low <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], high)
        else:
            windows.append([low, high])
    return [(low, high) for low, high in windows]


def staff_ids(text: str, name_ends: Sequence[int]) -> list[Look]:
    out: list[Look] = []
    if not any(c.isdigit() for c in text):
        return out
    windows = _code_windows(text)
    lowered = text.lower()
    patterns = [_LABELLED_ID_RE, _ROLE_NUMBER_RE]
    if "call" in lowered:
        patterns.append(_CALL_SIGN_RE)
    if "ID" in text:
        patterns.append(_ID_IS_RE)
    if "(" in text and ("i'm" in lowered or "i’m" in lowered or "i am" in lowered):
        patterns.append(_I_AM_CODE_RE)
    for pattern in patterns:
        seen: set[tuple[int, int]] = set()
        if pattern is _CALL_SIGN_RE:  # "Whiskey 4-2": too few digits for the windows
            matches: Iterator[re.Match[str]] = pattern.finditer(text)
        else:
            matches = (m for low, high in windows for m in pattern.finditer(text, low, high))
        for match in matches:
            if match.span() in seen:
                continue
            seen.add(match.span())
            start, end = match.span("code")
            if _own_code(text, start, end, name_ends):
                out.append(Look("STAFF_ID", start, end, "a staff or officer number"))
                holder = _NAME_AFTER_CODE_RE.match(text, end)
                if holder is not None and name_ok(holder.group("name")):
                    out.append(Look("REPORTER_NAME", *holder.span("name"), "the number's holder"))
    return out
