"""Names the reporter gives in passing rather than in a signature block:

- by-lines near the start of a line or sentence: "Concern logged by Farida Khan (Early Help
  Practitioner, Westside Hub)", "Report submitted by Gavin Moss, Enforcement Officer, Calder
  Council", "Submitted by PC 4412 Jenna Firth, Killingbeck NPT" (the person who wrote or
  passed on the report is the one to protect, whoever typed it);
- a sign-off at the very end of a text written without punctuation: "... same lads again
  cheers Kev 07700 900577", "... thanks jo x" (flagged: probably the reporter, but a run-on
  text may thank someone else);
- "I'm Brian, I keep the pigeon loft": a capitalised name after "I'm" opening a sentence.

Each function returns ``(entity, start, end, reason, flag)`` tuples for
``SignOffRecognizer`` to turn into results.
"""

from __future__ import annotations

import re

from beacon.sanitise.recognisers.names import NAME_CORE, name_ok
from beacon.sanitise.recognisers.staff_id import RANK_ID_RE, STAFF_ID_RE
from beacon.sanitise.recognisers.vocabulary import STREET_WORDS, word_set

_STREET_RE = re.compile(rf"(?:{STREET_WORDS})$")

Found = tuple[str, int, int, str, bool]

# The verb of a by-line opens its line or sentence, after at most a few words naming a
# document ("Safeguarding concern logged by: ...", "Case note extract - recorded by ..."), so
# "Threats sent by Dean Smith have continued" is not taken for one.
_DOCUMENT_WORDS = (
    r"this|the|new|safeguarding|case|visit|welfare|intelligence|intel|report|referral|concern|"
    r"form|note|notes|information|info|email|e-mail|update|log|entry|submission|extract|"
    r"statement|record|details|incident|asb|warden|patrol|[-–—]"
)
BY_LINE_RE = re.compile(
    r"(?:^|(?<=[.!?])[ \t]+|(?<=\n))[ \t]*(?:\[[^\]\n]{1,40}\][ \t]*)?(?:(?:(?:"
    + _DOCUMENT_WORDS
    + r")[ \t]+){0,4}?"
    r"(?:logged|submitted|reported|recorded|written|completed|compiled|prepared|raised|"
    r"referred|signed|authored|sent)\s+by"
    # "Referral from Jenna Fox (...)": only first in its line or sentence.
    r"|(?:new\s+|urgent\s+)?(?:referral|submission|update|report|message|note)"
    r"(?:\s+for\s+(?:the\s+)?[\w'’-]+(?:\s+[\w'’-]+)?)?\s+from)\s*:?\s+"
    r"(?P<who>(?-i:(?:(?:PCSO|PC|DC|DS|PS|Sgt)\.?\s?\d{2,6}\s+)?" + NAME_CORE + r"))"
    r"(?![\w'’])",
    re.IGNORECASE | re.MULTILINE,
)
# After the name, what says who they are: a note in brackets, or up to three comma-separated
# parts that start with a capital ("Enforcement Officer", "Calder Council").
_BRACKETED_RE = re.compile(r"[ \t]*\([^()\n]{1,80}\)")
_PART_RE = re.compile(r"[ \t]*,[ \t]*(?-i:[A-Z0-9])(?:(?![ \t][-–—][ \t])[^,.;:()\n]){1,60}")
_SOMEONE_ELSE_RE = re.compile(
    r"['’]s\b|\s*,?\s+(?:he|she|they|who|has|is|was|were|had|did|said)\b", re.IGNORECASE
)
# "..., the landlord, who refuses": an appositive, then a verb about someone.
_SOMEONE_ELSE_LATER_RE = re.compile(
    r"\s*,\s*(?:the|a|an|our|their|his|her)\s+[^,.;:!?\n]{1,40}?,\s*(?:who|he|she|they|has|"
    r"is|was|refuses|keeps)\b",
    re.IGNORECASE,
)
_NUMBER_PART_RE = re.compile(r",[^,()]*\d{3}")
_CONTACT_OR_NUMBER_RE = re.compile(r"\d{5,}|\d[\d \t]{8,}|@")

# (Not "from": "she is from Albania" ends many reports.)
_CLOSINGS = (
    r"thanks(?:\s+(?:very\s+much|again|a\s+lot))?|thank\s+you(?:\s+very\s+much)?|thanking\s+you|"
    r"many\s+thanks|thx|ta|cheers|ta[\s-]ra|tara|regards|love|diolch(?:\s+yn\s+fawr)?"
)
# The end of a run-on text: a closing (perhaps "from"), a name (perhaps a surname's initial,
# or the full name in brackets: "Thanks from Kev (Kevin Dunn)") and perhaps a phone number,
# nothing after.
END_SIGN_OFF_RE = re.compile(
    r"(?:^|\s)(?:" + _CLOSINGS + r")[ \t]*[,.!\-]*[ \t]+(?:from[ \t]+)?"
    r"(?P<name>(?-i:[A-Z][a-z'’\-]+(?:[ \t]+[A-Z][a-z'’\-]+)?(?:[ \t]+[A-Z]\.?)?"
    r"(?:[ \t]*\([A-Z][^()\n]{1,30}\))?))[ \t,]*x*[ \t,]*"
    r"(?:\+?\d[\d \t\-]{8,14}\d)?[ \t]*[.!]?[ \t]*$",
    re.IGNORECASE,
)
SENTENCE_INTRO_RE = re.compile(
    r"(?:^|(?<=[.!?])[ \t]+|(?<=\n))(?-i:I['’]?m|I\s+am|Im)\s+(?P<name>(?-i:" + NAME_CORE + r"))"
    r"(?=\s*,|\s+(?:from|fae|at|here|and\s+I)\b)",
    re.MULTILINE,
)


def by_lines(text: str) -> list[Found]:
    """Who logged, submitted or wrote the report (see the module docstring)."""
    out: list[Found] = []
    for match in _near_cues(BY_LINE_RE, text, (" by", " from"), 90):
        start, end = match.span("who")
        who = match.group("who")
        if who.endswith(("'s", "’s")):
            continue  # "Report from Dean Marsh's mum": someone else's name
        rank = RANK_ID_RE.match(who)
        name = who[rank.end() :] if rank else who
        # Two words at least ("Referral from: Primary school DSL" names no one).
        if len(name.split()) < 2 or not name_ok(name):
            continue
        if _SOMEONE_ELSE_RE.match(text, end) or _SOMEONE_ELSE_LATER_RE.match(text, end):
            continue  # "Signed by Mr Jason Reid, the landlord, who refuses ..."
        if rank is not None:
            out.append(("STAFF_ID", start, start + rank.end(), "the reporter's number", False))
            start += rank.end()
        described = False
        bracket = _BRACKETED_RE.match(text, end)
        if bracket is not None:
            # "(Social Worker, HCPC SW112233)": the number is a finding of its own.
            inner = bracket.group(0)
            cut = _NUMBER_PART_RE.search(inner)
            end, described = (end + cut.start() if cut else bracket.end()), True
        for _ in range(3):
            part = _PART_RE.match(text, end)
            if part is None or _CONTACT_OR_NUMBER_RE.search(part.group(0)):
                break
            if STAFF_ID_RE.match(part.group(0).lstrip(" \t,")):
                break
            end, described = part.end(), True
        entity = "SIGNATURE" if described else "REPORTER_NAME"
        out.append((entity, start, end, "who logged or submitted the report", False))
    return out


# "Reported by Civil Enforcement Officer CEO 0427, Leeds Parking Services": a job title, an
# optional number and who they work for, in place of a name.
BY_ROLE_RE = re.compile(
    r"(?:^|(?<=[.!?])[ \t]+|(?<=\n))[ \t]*(?:(?:" + _DOCUMENT_WORDS + r")[ \t]+){0,3}?"
    r"(?:logged|submitted|reported|recorded|written|completed|compiled|prepared|raised)\s+by"
    r"\s*:?\s+(?:the\s+|our\s+)?(?P<role>(?-i:(?:[A-Z][a-z]+\s+){0,3}(?:Officer|Warden|Manager|"
    r"Worker|Nurse|Teacher|Guard|Driver|Steward|Caretaker|Co-?ordinator|Lead|Marshal|"
    r"Inspector|Supervisor|Ranger|Visitor|Assistant|Practitioner|Adviser|Advisor)))"
    r"(?:\s+(?P<id>(?-i:[A-Z]{2,5})\s?\d{2,6}))?(?![\w'’])",
    re.IGNORECASE | re.MULTILINE,
)


# "Submitted by PCSO 6218, Stockton South NPT.": a rank and number, then who they work for.
BY_RANK_RE = re.compile(
    r"(?:^|(?<=[.!?])[ \t]+|(?<=\n))[ \t]*(?:(?:" + _DOCUMENT_WORDS + r")[ \t]+){0,3}?"
    r"(?:logged|submitted|reported|recorded|written|completed|compiled|prepared|raised|sent)\s+by"
    r"\s*:?\s+(?P<id>(?-i:(?:PCSO|PC|DC|DS|PS|Sgt|SC)\.?\s?\d{2,6}))(?=\s*,)",
    re.IGNORECASE | re.MULTILINE,
)


def by_roles(text: str) -> list[Found]:
    """A by-line giving a job title (and a number) instead of a name: the reporter's."""
    out: list[Found] = []
    for match in _near_cues(BY_RANK_RE, text, (" by",), 90):
        out.append(("STAFF_ID", *match.span("id"), "the reporter's number", False))
        part = _PART_RE.match(text, match.end())
        if part is not None and not _CONTACT_OR_NUMBER_RE.search(part.group(0)):
            out.append(
                ("SIGNATURE", part.start() + 1, part.end(), "who the reporter works for", False)
            )
    for match in _near_cues(BY_ROLE_RE, text, (" by",), 90):
        start, end = match.span("role")
        out.append(("SIGNATURE", start, end, "who logged or submitted the report", False))
        if match.group("id"):
            out.append(("STAFF_ID", *match.span("id"), "the reporter's number", False))
        for _ in range(2):
            part = _PART_RE.match(text, match.end() if _ == 0 else end)
            if part is None or _CONTACT_OR_NUMBER_RE.search(part.group(0)):
                break
            end = part.end()
            out.append(("SIGNATURE", part.start() + 1, end, "who the reporter works for", False))
    return out


def _near_cues(
    pattern: re.Pattern[str], text: str, cues: tuple[str, ...], before: int
) -> list[re.Match[str]]:
    """Matches of ``pattern`` tried only at the start of a sentence that has a cue within
    ``before`` characters (cues found with str.find: much cheaper than trying the pattern
    at every position)."""
    lowered = text.lower()
    tried: set[int] = set()
    found: list[re.Match[str]] = []
    for cue in cues:
        position = lowered.find(cue)
        while position >= 0:
            start = (
                max(
                    text.rfind(".", 0, position),
                    text.rfind("!", 0, position),
                    text.rfind("?", 0, position),
                    text.rfind("\n", 0, position),
                )
                + 1
            )
            if position - start <= before and start not in tried:
                tried.add(start)
                match = pattern.match(text, start)
                if match is not None:
                    found.append(match)
            position = lowered.find(cue, position + 1)
    return found


# A name alone after the last sentence: "... theyre feart. Big Shug", "... Please contact me
# on ... Mary Rowse", "please dae somethin. wee Shona x".
END_NAME_ALONE_RE = re.compile(
    r"[.!?][ \t]+(?P<whole>(?P<pet>(?:wee|big|lil|auntie|aunty|uncle|nana|nanna|nan)[ \t]+)?"
    r"(?P<name>(?-i:[A-Z][a-z'’\-]+(?:[ \t]+[A-Z][a-z'’\-]+)?)))[ \t]*(?P<kiss>x+)?[ \t]*$",
    re.IGNORECASE,
)
# Reports also end with the place ("... by the flats. Ashford"), so a name alone counts only
# with a sign of a person: a pet name ("wee Shona", "Big Shug"), a kiss, an initial before it
# ("(Miss) E. Gatenby"), or a full name after a request to contact the reporter.
_INITIAL_BEFORE_RE = re.compile(r"(?:^|\s)(?-i:[A-Z])$")
_CONTACT_ME_BEFORE_RE = re.compile(
    r"\b(?:contact|call|ring|phone|text|email|e-mail|reach)\s+(?:me|us)\b|\bmy\s+(?:number|"
    r"mobile|phone|e-?mail)\b",
    re.IGNORECASE,
)
_NOT_END_NAMES = word_set(
    "urgent help asap footage update cctv photos attached thankyou regards anon nothing done "
    "sorted enough"
)
# "Call me on 01632 960448 and ask for Barry."
ASK_FOR_ME_RE = re.compile(
    r"\b(?:call|ring|phone|text|contact)\s+(?:me|us)\b[^.!?\n]{0,60}?\bask\s+for\s+"
    r"(?P<name>(?-i:" + NAME_CORE + r"))(?![\w'’])",
    re.IGNORECASE,
)


def end_sign_off(text: str) -> list[Found]:
    """A closing and a name at the very end of a text with no line break before them, or a
    name alone after its last sentence (flagged: reports also end with a place, so only
    words used nowhere else in lower case, and no street words); and the name to ask for
    when calling the reporter back."""
    out: list[Found] = []
    match = END_SIGN_OFF_RE.search(text, max(0, len(text) - 60))
    if match is not None and name_ok(match.group("name")):
        start, end = match.span("name")
        out.append(("REPORTER_NAME", start, end, "probably a sign-off name", True))
    alone = END_NAME_ALONE_RE.search(text, max(0, len(text) - 40)) if match is None else None
    if (
        alone is not None
        and name_ok(alone.group("name"))
        and (
            alone.group("pet")
            or alone.group("kiss")
            or _INITIAL_BEFORE_RE.search(text, 0, alone.start())
            or (
                len(alone.group("name").split()) == 2
                and _CONTACT_ME_BEFORE_RE.search(text, max(0, alone.start() - 120), alone.start())
            )
        )
    ):
        words = alone.group("name").lower().split()
        lowered = text[: alone.start()].lower()
        if not any(
            w in _NOT_END_NAMES or re.search(rf"\b{re.escape(w)}\b", lowered) or _STREET_RE.match(w)
            for w in words
        ):
            out.append(("REPORTER_NAME", *alone.span("whole"), "a name alone at the end", True))
    if "ask for" in text.lower():
        for hit in ASK_FOR_ME_RE.finditer(text):
            if name_ok(hit.group("name")):
                out.append(("REPORTER_NAME", *hit.span("name"), "the name to ask for", False))
    return out


def sentence_intros(text: str, head: int = 300) -> list[Found]:
    """ "I'm Brian, I keep ...": a name after "I'm" at a sentence start near the top."""
    out: list[Found] = []
    if "I" not in text[: head + 40]:
        return out
    for match in SENTENCE_INTRO_RE.finditer(text, 0, min(len(text), head + 40)):
        if match.start() > head or not name_ok(match.group("name")):
            continue
        start, end = match.span("name")
        out.append(("REPORTER_NAME", start, end, "the reporter introduces themselves", False))
    return out
