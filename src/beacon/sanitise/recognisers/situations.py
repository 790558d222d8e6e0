"""Self-descriptions the phrase-by-phrase cues miss (round 3): a reporter saying their
description gives them away ("so he'll know this came from me", "it's always me who sees
them"), dialect "am the ..." for "I'm the ...", a former office ("As a former magistrate"), a
group the reporter leads at a named place ("I lead prayers at the Jamia Masjid") and where to
write to them ("you may write to me at 3 Esplanade Mews").

Each function returns ``(start, end, kind, flag)`` spans for the self-reference recogniser.
The patterns run only when a cheap ``str`` test finds their cue word."""

from __future__ import annotations

import re

from beacon.sanitise.recognisers.clauses import statement_end
from beacon.sanitise.recognisers.duties import duties
from beacon.sanitise.recognisers.vocabulary import NATIONALITY, PERSON, ROLE_VOCAB

Span = tuple[int, int, str, bool]

# The reporter says the text would point at them: the sentence holds what identifies them.
GIVES_AWAY_RE = re.compile(
    r"\b(?:(?:he|she|they|everyone|everybody|the\s+\w+)\s*(?:['’]ll|will|would|['’]d|"
    r"can|could|['’]re\s+going\s+to|are\s+going\s+to|is\s+going\s+to)\s+"
    r"(?:know|clock|guess|work\s+out|figure\s+out)\s+(?:(?:straight\s+away|right\s+away|"
    r"instantly)\s+)?(?:it['’]?s|it\s+(?:is|was)|this\s+(?:is|came\s+from|was)|that\s+"
    r"(?:it['’]?s|this\s+came\s+from)|it\s+came\s+from|who)\s+(?:from\s+)?(?:me|us|"
    r"(?:['’]s\s+|is\s+)?grass\w*)"
    r"|\bit['’]?s\s+(?:always|only|just|obviously|clearly)\s+(?:me|us)\s+(?:who|that)\b"
    r"|\bit['’]?s\s+(?:obvious|clear)\s+(?:who|that\s+it['’]?s\s+(?:me|us))\b"
    r"|\bthere['’]?s\s+no\s+hiding\s+(?:it['’]?s|that\s+it['’]?s)\s+(?:me|us)\b)",
    re.IGNORECASE,
)
_GIVES_AWAY_CUES = ("know", "clock", "guess", "work out", "figure out", " me who", " us who")
_GIVES_AWAY_CUES2 = ("obvious", "no hiding", " me that", "clear who")
# "am the lollipop lady on Coast Road", "Pet, am the only Sikh fella": "am" for "I'm" at the
# start of a clause, as in Geordie and Scots (tried only where "am the" starts a clause).
DIALECT_AM_RE = re.compile(
    r"am\s+the\s+(?:only\b|(?:[\w'’-]+\s+){0,2}?"
    r"(?:" + PERSON + r"|" + ROLE_VOCAB + r")\b\s+(?:with|wi|who|that|on|at|in|of|for|by|"
    r"next|opposite|above|below)\b)",
    re.IGNORECASE,
)
_CLAUSE_BEFORE_RE = re.compile(r"(?:^|[,.!?;:\n])[ \t]*$")
# "As a former magistrate I ...", "as a retired headteacher".
FORMER_OFFICE_RE = re.compile(
    r"\bas\s+an?\s+(?:former|retired|serving|sitting|local)\s+(?:magistrate|jp|justice\s+of\s+"
    r"the\s+peace|councillor|mayor|alderman|governor|school\s+governor|headteacher|head\s+"
    r"teacher|headmaster|headmistress|police\s+officer|officer|vicar|priest|imam|rabbi|"
    r"minister|mp|judge|coroner|solicitor)\b",
    re.IGNORECASE,
)
_SENTENCE_END_RE = re.compile(r"[.!?\n]")
# "I am the Ukrainian who works at the car wash": the one person of that nationality there.
_I_AM_THE = (
    "i'm the ",
    "i’m the ",
    "im the ",
    "i am the ",
    "we're the ",
    "we’re the ",
    "we are the ",
)
_ONLY_RE = re.compile(r"only\s+", re.IGNORECASE)
NATIONALITY_ONE_RE = re.compile(
    r"(?:" + NATIONALITY + r")\s+(?:who|that|with|wi|at|in|on)\b", re.IGNORECASE
)
_FIRST_PERSON_RE = re.compile(r"\b(?:i|i['’]m|im|my|me|we|our)\b", re.IGNORECASE)
_SUBJECT_RE = re.compile(
    r"\b(?:i|i['’]m|im|we|we['’]re|ah['’]?m|me\s+and|my\s+\w+\s+and\s+i)\b|(?:^|(?<=,)\s*)am\b",
    re.IGNORECASE,
)
# "I lead prayers at the Jamia Masjid", "I coach the under-12s at Farsley Celtic", "I chair
# the residents' group for Oakfield".
LEADS_RE = re.compile(
    r"\b(?:i|we)\s+(?:lead|chair|coach|run|host|organise|organize|take)\s+(?:the\s+)?"
    r"(?:[\w'’-]+\s+){0,2}?(?:prayers|services?|mass|worship|assembly|classes|class|sessions?|"
    r"group|club|team|choir|under-?\d+s|youth\s+club|scouts|brownies|guides|cubs|bible\s+study|"
    r"madrasa|madrassa|sunday\s+school|meetings?)\s+(?:at|for|in)\s+(?:the\s+)?(?-i:[A-Z])",
    re.IGNORECASE,
)
_LEADS_CUES = (
    "i lead",
    "i chair",
    "i coach",
    "i run",
    "i host",
    "i organise",
    "i organize",
    "i take",
    "we lead",
    "we run",
)
# "you may write to me at 3 Esplanade Mews", "post it to me at 14 ...".
WRITE_TO_ME_RE = re.compile(
    r"\b(?:write|post\s+it|send\s+it|come\s+round|call\s+round|pop\s+round)\s+to\s+(?:me|us)\s+"
    r"at\s+\d{1,4}[a-z]?,?\s+(?-i:[A-Z][\w'’]+)(?:\s+(?-i:[A-Z][\w'’]+)){0,3}",
    re.IGNORECASE,
)


def _near(
    pattern: re.Pattern[str], text: str, lowered: str, cues: tuple[str, ...]
) -> list[re.Match[str]]:
    """Matches of ``pattern`` in windows around its cue words (found with str.find)."""
    found: dict[tuple[int, int], re.Match[str]] = {}
    for cue in cues:
        position = lowered.find(cue)
        while position >= 0:
            low, high = max(0, position - 80), min(len(text), position + len(cue) + 40)
            for match in pattern.finditer(text, low, high):
                found.setdefault(match.span(), match)
            position = lowered.find(cue, position + 1)
    return [found[span] for span in sorted(found)]


def _sentence_start(text: str, position: int) -> int:
    start = max(text.rfind(". ", 0, position), text.rfind("! ", 0, position))
    start = max(start, text.rfind("? ", 0, position), text.rfind("\n", 0, position))
    return start + 1


def situations(text: str) -> list[Span]:
    """Spans about the reporter from the patterns above (see the module docstring)."""
    lowered = text.lower()
    out: list[Span] = []
    for match in _near(GIVES_AWAY_RE, text, lowered, _GIVES_AWAY_CUES + _GIVES_AWAY_CUES2):
        # From the reporter's first "I" in the sentence (what they say about themselves),
        # not from a greeting or a name before it.
        low = _sentence_start(text, match.start())
        subject = _SUBJECT_RE.search(text, low, match.start())
        if subject is None:
            continue  # the description is in another clause, found by its own cue
        start = subject.start()
        out.append((start, statement_end(text, match.end()), "trait", False))
    position = lowered.find("am the ")
    while position >= 0:
        if position == 0 or not lowered[position - 1].isalnum():
            hit = DIALECT_AM_RE.match(text, position)
            if hit is not None and _CLAUSE_BEFORE_RE.search(text, max(0, position - 4), position):
                out.append((hit.start(), statement_end(text, hit.end()), "trait", False))
        position = lowered.find("am the ", position + 1)
    position = lowered.find("as a")
    while position >= 0:
        hit = FORMER_OFFICE_RE.match(text, position)
        position = lowered.find("as a", position + 1)
        if hit is not None:
            stop = _SENTENCE_END_RE.search(text, hit.end())
            sentence_end = stop.start() if stop is not None else len(text)
            if _FIRST_PERSON_RE.search(text, hit.end(), sentence_end):
                out.append((hit.start(), hit.end(), "role", False))
    for cue in _LEADS_CUES:
        position = lowered.find(cue)
        while position >= 0:
            hit = LEADS_RE.match(text, position)
            if hit is not None:
                out.append((hit.start(), statement_end(text, hit.end()), "role", False))
            position = lowered.find(cue, position + 1)
    for cue in _I_AM_THE:
        position = lowered.find(cue)
        while position >= 0:
            after = position + len(cue)
            only = _ONLY_RE.match(text, after)
            hit = NATIONALITY_ONE_RE.match(text, only.end() if only else after)
            if hit is not None and (position == 0 or not lowered[position - 1].isalnum()):
                end = statement_end(text, hit.end())
                out.append((position, end, "trait", False))
            position = lowered.find(cue, position + 1)
    if " to me at" in lowered or " to us at" in lowered:
        for match in WRITE_TO_ME_RE.finditer(text):
            out.append((match.start(), match.end(), "address", False))
    out.extend(duties(text))  # round 4: duties, roles in apposition, homes (duties.py)
    return out
