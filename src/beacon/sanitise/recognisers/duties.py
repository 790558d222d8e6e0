"""What the reporter does, where, and where they live, said in ways the role cues miss (round
4): a duty at a named place ("I drive the 42 out of Merthyr", "I do the school crossing
outside Whinfield Primary", "I coordinate the Wednesday foodbank at St Aidan's", "I skipper
the Girl Tamsin out of Newlyn"); a role in apposition to the reporter's introduction ("Graham
Lillie here, NHW coordinator for the Thornbury Close scheme", "I'm Wendy Lloyd, head cook at
Coedpenmaen Primary") or opening the text ("Harbourmaster at Port Isaac here."); "It's Brenda
who does the flowers at St Illogan's" (flagged: a cleft sentence may name the subject); a home
nobody else has ("we live in the vicarage", "have lived in the end cottage on Chapel Loke");
working alone ("I'm on my own on that round"); and people round here knowing the reporter by
what they describe ("anyone round here will know me by them", "the drivers will know who I
mean").

``duties`` returns ``(start, end, kind, flag)`` spans for the self-reference recogniser; each
pattern runs only when a cheap ``str`` test finds its cue word."""

from __future__ import annotations

import re

from beacon.sanitise.recognisers.clauses import statement_end
from beacon.sanitise.recognisers.vocabulary import ROLE_VOCAB

Span = tuple[int, int, str, bool]

_DUTY_VERBS = (
    r"drive|drives|skipper|captain|crew|clean|cleans|sweep|patrol|deliver|do|does|coordinate|coordinates|co-ordinate|organise|organize|organises|staff|man|mow|"
    r"mows|open|opens|lock|locks|unlock|tend|look\s+after|looks\s+after|run|runs|own|owns|"
    r"manage|manages"
)
# Objects that are the reporter's own life, not a duty ("I drive the kids to Whinfield
# Primary", "I do the shopping at Tesco").
_OWN_LIFE = (
    r"(?!(?:kids|children|grandkids|grandchildren|school\s+run|shopping|shop|big|weekly|food|washing|"
    r"house|car|dog|dogs|garden|ironing|cooking|dishes|bins|same|rest|most|best|risk|lot|"
    r"thing|things|time|night|nights|day|days|morning|mornings|weekend|weekends)\b)"
)
# A named place, not a day or a month ("I do the big shop on Saturdays").
_WHEN = (
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)days?|january|february|march|april|may|june|"
    r"july|august|september|october|november|december|christmas|easter|weekends?"
)
_PLACE = r"(?:the\s+)?(?!(?:" + _WHEN + r")\b)(?-i:[A-Z][\w'’&-]*)"
_PREPOSITION = (
    r"(?:at|in|on|round|around|out\s+of|outside|from|for|between|near|by|along|across|off)"
)
DUTY_RE = re.compile(
    r"\b(?:i|we|ah)\s+(?:"
    + _DUTY_VERBS
    + r")\s+(?:(?:on|at|with|for)\s+)?(?:the|our)\s+"
    + _OWN_LIFE
    # "the 42", "the Girl Tamsin", "the Norfolk mobile library": a named or numbered object.
    + r"(?:(?-i:[A-Z0-9])[\w'’&-]*(?:\s+[\w'’&-]+){0,3}?\s+"
    + _PREPOSITION
    + r"\s+(?!(?:"
    + _WHEN
    + r")\b)"
    # "the school crossing outside Whinfield Primary", "the door at the mosque on Parkfield
    # Road": a duty, then a named place.
    + r"|(?:[\w'’&-]+\s+){1,5}?"
    + _PREPOSITION
    + r"\s+"
    + _PLACE
    # "the beach huts nearby"
    + r"|(?:[\w'’&-]+\s+){1,3}?(?:nearby|round\s+here|on\s+this\s+estate)\b)",
    re.IGNORECASE,
)
_DUTY_CUES = (
    " drive",
    " skipper",
    " captain",
    " crew",
    " clean",
    " sweep",
    " patrol",
    " deliver",
    " do ",
    " does ",
    " coordinat",
    " co-ordinat",
    " organi",
    " staff",
    " man ",
    " mow",
    " open",
    " lock",
    " unlock",
    " tend",
    " look after",
    " looks after",
    " run",
    " own",
    " manage",
)

_ROLE = r"(?:[\w'’-]+\s+){0,3}?(?:" + ROLE_VOCAB + r")"
# "Graham Lillie here, NHW coordinator for ...", "I'm Wendy Lloyd, head cook at ...", "I am
# Grace, I am nurse from Zimbabwe working in ...".
APPOSITION_RE = re.compile(
    r"(?:\bhere|\b(?:i['’]?m|im|i\s+am)\s+(?-i:[A-Z])[\w'’-]+"
    r"(?:\s+(?-i:[A-Z])[\w'’-]+){0,2})\s*,\s*(?:(?:i['’]?m|i\s+am)\s+)?"
    r"(?P<role>(?:(?:the|a|an)\s+)?" + _ROLE + r"\s+(?:at|for|of|in|from|on)\s+" + _PLACE + r")",
    re.IGNORECASE,
)
# "Harbourmaster at Port Isaac here." opening the text.
ROLE_HERE_RE = re.compile(
    r"^\s*(?:(?:hi|hello|hiya|morning|afternoon|evening|alright)[,.!]?\s+)?(?P<role>"
    + _ROLE
    + r"\s+(?:at|for|of|in|on)\s+(?:the\s+)?(?-i:[A-Z][\w'’&-]*)(?:\s+(?-i:[A-Z])[\w'’&-]*)"
    r"{0,3})\s+here\b",
    re.IGNORECASE,
)
# "It's Brenda who does the flowers at St Illogan's."
CLEFT_RE = re.compile(
    r"^\s*(?:(?:hi|hello|hiya|morning|afternoon|evening|alright)[,.!]?\s+)?(?:it['’]?s|its|this\s+is)"
    r"\s+(?P<name>(?-i:[A-Z][a-z'’-]+)(?:\s+(?-i:[A-Z][a-z'’-]+))?)\s*,?\s+who\s+(?:"
    + _DUTY_VERBS
    + r")\s+"
    r"(?:the|our)\s+" + _OWN_LIFE + r"(?:[\w'’&-]+\s+){1,4}?" + _PREPOSITION + r"\s+" + _PLACE,
    re.IGNORECASE,
)
# A home nobody else has: "we live in the vicarage", "have lived in the end cottage on ...".
HOME_RE = re.compile(
    r"\b(?:live|lived|living|stay|stayed|staying)\s+in\s+the\s+(?:(?:vicarage|rectory|manse|"
    r"presbytery|lodge|gatehouse|gate\s+house|lighthouse|school\s*house|almshouse|lock\s*"
    r"house|mill\s+house|chapel\s+house|farmhouse|flat\s+above\s+the\s+[\w'’-]+)\b"
    r"|(?:end|corner|last|first|only|big|old)\s+(?:house|cottage|bungalow|farm|flat|terrace)"
    r"\s+(?:on|in|at|of)\s+" + _PLACE + r")",
    re.IGNORECASE,
)
_FIRST_PERSON_RE = re.compile(r"\b(?:i|i['’]m|im|we|we['’]re|ah)\b", re.IGNORECASE)
_THIRD_PERSON_RE = re.compile(r"\b(?:he|she|they|his|her|their)\b", re.IGNORECASE)
# "I'm on my own on that round most mornings", "I'm the only one on the door".
ALONE_RE = re.compile(
    r"\b(?:i['’]?m|im|i\s+am|i\s+work)\s+(?:on\s+my\s+own|alone|by\s+myself|the\s+only\s+one)"
    r"\s+on\s+(?:that|the|this|my)\s+(?:round|shift|route|beat|site|door|desk|counter|till|bus)"
    r"\b",
    re.IGNORECASE,
)
# "anyone round here will know me by them", "the drivers will know who I mean".
KNOWN_BY_RE = re.compile(
    r"\b(?:everyone|everybody|anyone|anybody|people|folk|the\s+(?!police|council)\w+)\s+(?:(?:round|around|in)\s+"
    r"(?:here|there)\s+)?(?:(?:['’]ll|will|would|['’]d)\s+)?(?:know|knows|recognise|recognises|"
    r"recognize)\s+(?:me|us|who\s+(?:i|we)\s+(?:am|are|mean))\b",
    re.IGNORECASE,
)


def _sentence_start(text: str, position: int) -> int:
    start = max(text.rfind(". ", 0, position), text.rfind("! ", 0, position))
    start = max(start, text.rfind("? ", 0, position), text.rfind("\n", 0, position))
    return start + 1


def _near(
    pattern: re.Pattern[str], text: str, lowered: str, cues: tuple[str, ...], before: int = 12
) -> list[re.Match[str]]:
    """Matches of ``pattern`` in windows around its cue words (found with str.find)."""
    found: dict[tuple[int, int], re.Match[str]] = {}
    for cue in cues:
        position = lowered.find(cue)
        while position >= 0:
            low, high = max(0, position - before), min(len(text), position + len(cue) + 110)
            for match in pattern.finditer(text, low, high):
                found.setdefault(match.span(), match)
            position = lowered.find(cue, position + 1)
    return [found[span] for span in sorted(found)]


def _at_cues(
    pattern: re.Pattern[str], text: str, lowered: str, cues: tuple[str, ...]
) -> list[re.Match[str]]:
    """Matches of ``pattern`` starting exactly at a cue word (found with str.find)."""
    found: dict[int, re.Match[str]] = {}
    for cue in cues:
        position = lowered.find(cue)
        while position >= 0:
            if position == 0 or not lowered[position - 1].isalnum():
                match = pattern.match(text, position)
                if match is not None:
                    found.setdefault(match.start(), match)
            position = lowered.find(cue, position + 1)
    return [found[start] for start in sorted(found)]


def _after_subject(text: str, lowered: str) -> list[re.Match[str]]:
    """``DUTY_RE`` tried only where a duty verb follows "I", "we" or "ah"."""
    found: dict[int, re.Match[str]] = {}
    for cue in _DUTY_CUES:
        position = lowered.find(cue)
        while position >= 0:
            head = lowered[max(0, position - 3) : position]
            start = -1
            if head.endswith("i") and (len(head) < 2 or not head[-2].isalnum()):
                start = position - 1
            elif head.endswith(("we", "ah")) and (len(head) < 3 or not head[-3].isalnum()):
                start = position - 2
            if start >= 0 and start not in found:
                match = DUTY_RE.match(text, start)
                if match is not None:
                    found[start] = match
            position = lowered.find(cue, position + 1)
    return [found[start] for start in sorted(found)]


def duties(text: str) -> list[Span]:
    """Spans about the reporter from the patterns above (see the module docstring)."""
    lowered = text.lower()
    out: list[Span] = []
    for match in _after_subject(text, lowered):
        out.append((match.start(), statement_end(text, match.end()), "role", False))
    if "," in text:
        for match in _at_cues(APPOSITION_RE, text, lowered, ("here", "i'm", "i’m", "im ", "i am")):
            start = match.start("role")
            out.append((start, statement_end(text, match.end()), "role", False))
    if " here" in lowered[:120]:
        opening = ROLE_HERE_RE.match(text)
        if opening is not None:
            out.append((*opening.span("role"), "role", False))
    if " who " in lowered[:120]:
        cleft = CLEFT_RE.match(text)
        if cleft is not None:
            out.append((cleft.start("name"), statement_end(text, cleft.end()), "role", True))
    if " in the " in lowered:
        for match in _at_cues(HOME_RE, text, lowered, ("live", "stay")):
            low = _sentence_start(text, match.start())
            first = _FIRST_PERSON_RE.search(text, low, match.start())
            if first is None or _THIRD_PERSON_RE.search(text, first.end(), match.start()):
                continue
            out.append((match.start(), statement_end(text, match.end()), "address", False))
    if (
        "on my own on" in lowered
        or " alone on" in lowered
        or "only one on" in lowered
        or ("by myself on" in lowered)
    ):
        for match in ALONE_RE.finditer(text):
            out.append((match.start(), statement_end(text, match.end()), "trait", False))
    if "know" in lowered or "recogni" in lowered:
        cues = ("know me", "knows me", "know us", "know who", "recognise", "recognize")
        for match in _near(KNOWN_BY_RE, text, lowered, cues, before=50):
            low = _sentence_start(text, match.start())
            first = _FIRST_PERSON_RE.search(text, low, match.start())
            if first is not None:
                out.append((first.start(), statement_end(text, match.end()), "trait", False))
    return out
