"""Form fields in referrals and logs: which "Name:" or "Carer:" field is the reporter's, and
whose section of a form a field is in ("Section A - Referrer", "Section B - Child")."""

from __future__ import annotations

import re
from collections.abc import Iterator

_FIELD_BODY = (
    r"(?P<label>(?P<owner>your|referrer(?:['’]s)?|referring|reporter(?:['’]s)?|my|"
    r"informant(?:['’]s)?|caller(?:['’]s)?|submitted\s+by|reported\s+by|completed\s+by|"
    r"(?:logged|recorded|raised|written|sent|prepared|compiled)\s+by|"
    r"(?:reporting|case|investigating|attending)\s+officer|officer|author|contact|"
    r"lead\s+professional|case\s*worker|key\s*worker|allocated\s+worker|oic|from|"
    # The writer of a visit log or licensing report: "Carer: Ruth Ingham", "DPS: ...".
    r"carer|support\s+worker|practitioner|clinician|staff\s+member|dps|licensee)?[ \t]*"
    r"(?P<what>(?:full\s+|first\s+|last\s+|given\s+|family\s+|sur|fore)?name|surname|forename|"
    r"address|organi[sz]ation|agency|role|job\s+title|team|service|position|details)?)"
    r"(?:[ \t]*\([^()\n]{0,20}\))?[ \t]*:[ \t]*(?P<value>[^\n]*\S)"
)
FIELD_RE = re.compile(r"^[ \t]*" + _FIELD_BODY, re.IGNORECASE | re.MULTILINE)
# The same after a sentence on the same line ("Visit notes. Carer: Ruth Ingham, ..."), where
# only a label naming the writer counts.
INLINE_FIELD_RE = re.compile(r"(?<=[.;])[ \t]+" + _FIELD_BODY, re.IGNORECASE)
# Where a name field's value ends: the end of its sentence ("Ruth Ingham, employee 22981.
# Client says ..."), not after an initial or a title ("Dr J. Okoro").
# (Not an abbreviation before a number or code: "staff no. HO-4471".)
VALUE_END_RE = re.compile(
    r"(?:\b(?!(?:no|nr|ref|tel|ext|dept|approx)\.)[a-z]{2,}|\d)[.!?](?=\s+[A-Z])"
)
NEXT_FIELD_RE = re.compile(r"[.;|]\s+(?=[A-Z][\w /'’-]{0,30}:)")
EMPTY_VALUE_RE = re.compile(
    r"^\(?\s*(?:not\s+given|n/?a|none|nil|anonymous|withheld|prefer\s+not(?:\s+to\s+say)?|"
    r"-+|unknown|not\s+known|\?+)\s*\)?\.?$",
    re.IGNORECASE,
)
_REPORTER_HEADING_RE = re.compile(
    r"referrer|reporter|your\s+details|about\s+you|contact\s+details|informant|"
    r"section\s+a\b|person\s+(?:making|completing)",
    re.IGNORECASE,
)
_OTHER_HEADING_RE = re.compile(
    r"child|young\s+person|subject|concern|victim|suspect|perpetrator|offender|alleged|"
    r"person\s+of|nominal|service\s+user|client|patient|pupil|problem|location|incident",
    re.IGNORECASE,
)


def inline_fields(text: str) -> list[re.Match[str]]:
    """Fields after a sentence on the same line, tried only just after the ". " or "; "
    before each colon."""
    found: list[re.Match[str]] = []
    colon = text.find(":")
    while colon >= 0:
        low = max(0, colon - 45)
        stop = max(text.rfind(". ", low, colon), text.rfind("; ", low, colon))
        if stop >= 0 and "\n" not in text[stop:colon]:
            match = INLINE_FIELD_RE.match(text, stop + 1)
            if match is not None:
                found.append(match)
        colon = text.find(":", colon + 1)
    return found


def section_owner(text: str, position: int) -> str:
    """Whose a bare "Name:" field is: "reporter" when the last heading or field label
    before it is about the referrer, "other" when it is about someone else (a child, the
    person of concern), "unknown" when nothing before it says."""
    last_reporter = last_other = -1
    for line_start, line in _iter_lines_before(text, position):
        label = line.split(":", 1)[0] if ":" in line else line
        if _REPORTER_HEADING_RE.search(label):
            last_reporter = max(last_reporter, line_start)
        if _OTHER_HEADING_RE.search(label):
            last_other = max(last_other, line_start)
    if last_reporter < 0 and last_other < 0:
        return "unknown"
    return "reporter" if last_reporter > last_other else "other"


def _iter_lines_before(text: str, position: int) -> Iterator[tuple[int, str]]:
    start = 0
    while start < position:
        end = text.find("\n", start)
        if end < 0 or end > position:
            end = position
        yield start, text[start:end]
        start = end + 1
