"""Whose is a contact detail nobody claims? A phone number or address with neither a
first-person cue ("call me on") nor a third-party one ("his number") used to be redacted as
the reporter's. It is flagged instead when the words around it point at someone else, since a
subject's number removed silently is intelligence lost: the human sanitiser decides (issue 11,
round 4).

The signs, each general rather than tied to one phrasing:

- a possessive of any case before it ("jayden's number is", "KELLY'S PHONE IS");
- "the number for the one selling ...", "number of the lad";
- "... ask for Smurf" after it (you ask for someone else; "call me and ask for Barry" has a
  first-person cue and never gets here);
- a person's name just before it in the body of the text ("Jermaine 'JJ' Johnson, 07700 ...",
  a list of names), not in the closing lines and not after a closing word ("cheers Nadia");
- a sentence about other people: a third-person word around it and no first-person one (but
  not a number given to call: "Ring 07700 900123 if they come back").
"""

from __future__ import annotations

import re

_SENTENCE_BREAK_RE = re.compile(r"[.!?]+\s+|\n")
_CONTACT_WORDS = (
    r"(?:number|no\.?|num|phone|mobile|mob|moby|fone|digits|contact|e-?mail|snap(?:chat)?|"
    r"insta(?:gram)?|whats\s?app|handle|account|tel)s?"
)
_NOT_POSSESSIVE = (
    r"(?:it|that|what|there|here|he|she|who|let|where|how|one|everyone|someone|somebody|"
    r"nobody|anyone|today|tonight|tomorrow|yesterday|week|year|month|day|night|i|we|you)"
)
# "jayden's number is", "KELLY'S PHONE IS", "the lads' snap:" at the end of the left window.
_POSSESSIVE_RE = re.compile(
    r"\b(?!" + _NOT_POSSESSIVE + r"['’]s\b)[A-Za-z][A-Za-z\-]+(?:['’]s|s['’])\s+"
    r"(?:[\w'’]+\s+){0,2}?" + _CONTACT_WORDS + r"\b[^.!?\n]{0,20}$",
    re.IGNORECASE,
)
# "number for the one sellin the bikes is", "the number of the lad who ...".
_NUMBER_FOR_RE = re.compile(
    r"\b" + _CONTACT_WORDS + r"\s+(?:for|of)\s+(?:the|that|this|him|her|them|whoever|"
    r"one|his|their)\b[^.!?\n]{0,60}$",
    re.IGNORECASE,
)
# "ring 07700 900303 ask for Smurf" (right after the detail).
_ASK_FOR_RE = re.compile(r"^[\s,.;:-]*(?:and\s+)?ask\s+(?:for|4)\b", re.IGNORECASE)
# A name, perhaps with a nickname, just before the detail: "Jermaine 'JJ' Johnson, ".
_LABEL_WORDS = (
    r"(?:tel|telephone|phone|mobile|mob|contact|e-?mail|number|no|fax|home|work|office|direct|"
    r"landline|ring|call|text|whatsapp|m|t|e|p|h|w|reply|snap|insta|ref|reference|from|to|cc|"
    r"bcc|sender|sent|subject|date)\b"
)
_NAME_BEFORE_RE = re.compile(
    r"(?:^|[:;(]|[.!?]\s)[ \t]*(?P<name>(?!(?i:"
    + _LABEL_WORDS
    + r"))(?-i:[A-Z][a-z'’\-]+)(?:[ \t]+(?:['‘\"][^'’\"\n]{1,15}"
    r"['’\"]|(?-i:[A-Z][a-z'’\-]+))){0,3})[ \t]*(?:\([^)\n]{0,30}\))?[ \t]*[,:\-–][ \t]*$"
)
_CLOSING_BEFORE_RE = re.compile(
    r"\b(?:cheers|thanks|thank\s+you|regards|ta|from|yours|wishes|love|best|sincerely|"
    r"faithfully|contact(?:ed)?|me|i'?m|i\s+am|called|name)\b",
    re.IGNORECASE,
)
_CALL_BEFORE_RE = re.compile(
    r"\b(?:call|ring|phone|text|contact|reach|tel)\b[ \t]*(?:on|:|-)?[ \t]*$", re.IGNORECASE
)
_THIRD_RE = re.compile(
    r"\b(?:he|she|they|his|her|their|him|them|hes|shes|theyre|they['’]re|he['’]s|she['’]s)\b",
    re.IGNORECASE,
)
_FIRST_RE = re.compile(
    r"\b(?:i|i['’]m|im|i['’]ve|ive|me|my|we|us|our|we['’]re|mine|myself)\b", re.IGNORECASE
)


def _left(text: str, start: int, width: int) -> str:
    window = text[max(0, start - width) : start]
    breaks = list(_SENTENCE_BREAK_RE.finditer(window))
    return window[breaks[-1].end() :] if breaks else window


def _right(text: str, end: int, width: int) -> str:
    window = text[end : end + width]
    found = _SENTENCE_BREAK_RE.search(window)
    return window[: found.start()] if found else window


def _in_body(text: str, end: int) -> bool:
    """More of the report follows the detail (not a sign-off at the end): another line or
    sentence with some words in it."""
    rest = text[end:]
    return sum(ch.isalpha() for ch in rest) >= 12


def subject_contact(text: str, start: int, end: int) -> str | None:
    """Why a contact detail with no cue of its own may well be someone else's (so it is
    flagged, not redacted), or None."""
    left = _left(text, start, 80)
    if _POSSESSIVE_RE.search(left):
        return "someone else's by the possessive before it: for the human sanitiser to decide"
    if _NUMBER_FOR_RE.search(left):
        return "the number of someone described: for the human sanitiser to decide"
    if _ASK_FOR_RE.match(text, end):
        return "asking for someone else at it: for the human sanitiser to decide"
    line_start = text.rfind("\n", 0, start) + 1
    head = text[line_start:start]
    name = _NAME_BEFORE_RE.search(head)
    if (
        name is not None
        and not _CLOSING_BEFORE_RE.search(head, max(0, name.start() - 25), name.start("name"))
        and _in_body(text, end)
    ):
        return "after a person's name in the body of the report: for the human sanitiser to decide"
    around = left + " " + _right(text, end, 60)
    # ("Ring 07700 900123 if they come back": a number given to call, the reporter's.)
    if (
        _THIRD_RE.search(around)
        and not _FIRST_RE.search(around)
        and not _CALL_BEFORE_RE.search(left)
    ):
        return "in a sentence about other people: for the human sanitiser to decide"
    return None
