"""The names reporters give, their signatures and their staff numbers.

- ``REPORTER_NAME``: the name in an introduction ("my name is ...", "Hi, I'm Janet, Kyle's
  nan", "it's Leanne from no 7", "This is Kev at 19", "happy to be contacted: Martin Shaw,
  07700 ..."), in a sign-off ("Thanks, Derek", "Yours faithfully,\\nMrs P. Okafor (retired
  teacher)", a name alone on the last line, "Miss Violet Adair, Flat 1, Alder Court"), and in
  a form's referrer fields ("Your name:", "Referrer:", a "Name:" outside a section about
  someone else);
- ``SIGNATURE``: a professional signature block, a title and name followed by a role,
  organisation or practice and a phone number, one finding per run of lines (a staff number
  or a line of bare contact details splits it); "Organisation:" and "Role:" fields;
- ``STAFF_ID``: collar, badge, staff, employee, officer, driver, warrant, SIA licence or
  professional registration numbers the reporter gives as their own: in the signature, after
  "my", or in a first-person sentence ("I'm a security guard at ..., SIA licence number
  ..."). Another officer's number in the body ("PC 2091 came round", "PCSO Reid (badge
  5521)") is not the reporter's and is left alone, like incident and reference numbers.

A name given on a line of its own with no closing word before it ("...\\nSue") is flagged,
not redacted: it is probably the reporter, but it could be anyone's. So is a sign-off inside
quoted material (a "> " line, or a message copied in quotes): someone else's, or a forwarded
original's. By-lines ("Concern logged by ...") and a name after a closing at the very end of a
run-on text are found by ``attribution``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from beacon.sanitise.recognisers.attribution import (
    by_lines,
    by_roles,
    end_sign_off,
    sentence_intros,
)
from beacon.sanitise.recognisers.base import ACTION_KEY, REASON_KEY, make_result, quoted
from beacon.sanitise.recognisers.clauses import statement_end, strip_span
from beacon.sanitise.recognisers.forms import (
    EMPTY_VALUE_RE,
    FIELD_RE,
    NEXT_FIELD_RE,
    VALUE_END_RE,
    inline_fields,
    section_owner,
)
from beacon.sanitise.recognisers.names import NAME_CORE, NAME_CORE_RE, name_ok
from beacon.sanitise.recognisers.openings import openings
from beacon.sanitise.recognisers.staff_id import (
    DIGIT_RE,
    I_AM_BEFORE_RE,
    NOT_ID_LABEL_RE,
    RANK_ID_RE,
    REGISTRATION_RE,
    STAFF_ID_RE,
    after_owner,
    first_person_number,
    in_closing_lines,
    opening_number,
    rank_in_apposition,
    staff_id_matches,
    third_person_before,
)
from beacon.sanitise.recognisers.vocabulary import (
    NOT_NAME_WORDS,
    RELATIONS,
    ROLES_AFTER_NAME,
    word_set,
)

_AFTER_NAME = (
    r"(?=\s*(?:[,.!;:)(—–\-]|$|\n|\s+(?:from|fae|frae|frm|at|here|and|of|in|on|im|i['’]m|"
    r"x+|calling|speaking|ringing|again|btw|by\s+the\s+way|badge|collar|shoulder|warrant|an|fra|"
    r"n)\b"
    r"|\s+the\s+(?:guy|lad|man|woman|lady|girl|bloke|fella|one)\s+(?:from|at)\b))"
)
# Spoken fillers in voicemail transcripts: "Hi, um, it's, er, Janet".
_FILLER = r"(?:(?:um+|uh+|er+|erm+|ah+|yeah|yes|oh|right|ok|okay|well|so)[,.]?\s+)*"
INTRO_RE = re.compile(
    r"\b(?:my\s+name\s+is|my\s+name['’]?s|my\s+names|(?:me|ma|mah)\s+name['’]?s|"
    r"(?:me|ma|mah)\s+names|my\s+name|(?<!his\s)(?<!her\s)(?<!['’]is\s)(?<!their\s)"
    r"(?:the\s+)?name['’]s|i\s+am\s+called|"
    r"i['’]?m\s+called|im\s+called)\s*:?\s+(?P<name>(?-i:" + NAME_CORE + r"))"
    # After "my name is", a name may run straight on: "my names Paula Greaves if you need
    # me", "Roberta Keyes K E Y E S" (spelled out in a transcript).
    r"(?:" + _AFTER_NAME + r"|(?=\s+(?-i:[a-z])|(?:\s+(?-i:[A-Z])\b){2}))",
    re.IGNORECASE,
)
GREETING_INTRO_RE = re.compile(
    r"(?:\b(?:hi|hello|hiya|hey|morning|evening|afternoon|good\s+(?:morning|afternoon|"
    r"evening)|ey\s+up|alright|awright|howay|now\s+then|aye|bore\s+da|noswaith\s+dda|"
    r"salaam|salam|as-?salaam?u\s+alaikum|shalom|namaste|yeah|yes)(?:\s+(?:there|all|team|"
    r"mate|love|pet|bab))?[,!.]?\s+"
    + _FILLER
    + r"(?:this\s+is|it['’]?s|its|i['’]?m|im|i\s+am|ah['’]?m)[,.]?\s+"
    + _FILLER
    + r"(?:me[,.]?\s+)?"
    r"|^[ \t]*(?:\[[^\]\n]{1,40}\][ \t]*)?(?:this\s+is|i['’]?m|im|i\s+am|ah['’]?m|"
    r"(?P<bare>it['’]?s|its))\s+"
    + _FILLER
    + r"(?:me[,.]?\s+)?)(?P<name>(?-i:"
    + NAME_CORE
    + r"))"
    + _AFTER_NAME,
    re.IGNORECASE | re.MULTILINE,
)
HERE_INTRO_RE = re.compile(
    r"^[ \t]*(?:(?:hi|hello|hiya|hey|alright|awright|morning|afternoon|evening|now\s+then|"
    r"ey\s+up|howay|aye|salaam|good\s+(?:morning|afternoon|evening))[,!.]?\s+)?"
    r"(?:it['’]?s\s+|its\s+)?(?P<name>(?-i:" + NAME_CORE + r"))"
    r"\s+here\b",
    re.IGNORECASE,
)
# Anywhere: "Off duty, but it's PC Hannah Cole here", "this is Dai Jones speaking".
HERE_ANYWHERE_RE = re.compile(
    r"\b(?:it['’]?s|its|this\s+is)\s+" + _FILLER + r"(?P<name>(?-i:" + NAME_CORE + r"))"
    r"\s+(?:here|speaking|calling)\b",
    re.IGNORECASE,
)
GREETING_LOWER_RE = re.compile(
    r"\b(?:hi|hiya|hey|hello|heya|alright)[,!.]?\s+(?:its|it's|im|i'm|this\s+is)\s+"
    r"(?:me[,.]?\s+)?(?P<name>[a-z][a-z'\-]{1,20})(?=\s+(?:from|at|here|frm|fae|of)\b|\s*[,(])",
)
CONTACT_NAME_RE = re.compile(
    r"\b(?:contacted|contact\s+me|reach\s+me|call\s+me|ring\s+me|ask\s+for)\s*(?:on|at|:|-|–)?"
    r"\s*(?P<name>(?-i:" + NAME_CORE + r"))(?=\s*[,(]?\s*(?:\+?\d|on\b|at\b))",
    re.IGNORECASE,
)
# "I'm Kyle's nan, Janet": a relation, then the name.
RELATION_INTRO_RE = re.compile(
    r"\b(?:i['’]?m|im|i\s+am|this\s+is|it['’]?s)\s+(?P<relation>(?:our\s+|wor\s+)?"
    r"(?-i:[A-Z][a-z]+)['’]s\s+(?:"
    + RELATIONS
    + r"))\s*,?\s+(?P<name>(?-i:"
    + NAME_CORE
    + r"))"
    + _AFTER_NAME,
    re.IGNORECASE,
)
# "thx jade x" at the end of a text written in lower case: probably a name, flagged.
LOWER_SIGN_OFF_RE = re.compile(
    r"(?:^|[.!?\n]\s*|\s)(?:thanks|thank\s+you|thx|ta|cheers|love|from)[ \t]*[,.!\-]*[ \t]+"
    r"(?P<name>(?!x+\b)[a-z][a-z'\-]{1,15})[ \t]*x*[ \t]*[.!]?[ \t]*$"
)
_OWNER_TYPES = frozenset({"REPORTER_NAME", "SIGNATURE"})
_ME_RE = re.compile(r"\b(?:it['’]?s|its)\s+me\b", re.IGNORECASE)  # "its me Darren": no doubt
_NOT_LOWER_NAMES = word_set(
    "mate hun babe bye again you lol guys all officer officers so much lots loads very ra ok "
    "ya ye u2 m8 her him them me us it you there here now too that this theirs his hers ours "
    "yours mine"
    "everyone anyone team police council in advance for advice"
)
_GREETINGS = ("hi", "hello", "hey", "i'm", "i’m", "im ", "i am", "this is", "it's", "its ")
_CONTACT_NAME_CUES = ("contacted", "contact me", "reach me", "call me", "ring me", "ask for")
INTRO_LOWER_RE = re.compile(
    r"(?:my\s+name\s+is|my\s+name's|my\s+names|i'?m\s+called|i\s+am\s+called)\s+"
    r"(?P<name>[a-z][a-z'\-]+)(?:\s+(?P<name2>(?!and\b|i\b|im\b|from\b|here\b|the\b)"
    r"[a-z][a-z'\-]+))?",
)
# What may follow a name in an introduction and still say who the reporter is.
_NAME_TAIL_RE = re.compile(
    r"(?:,?\s*(?-i:[A-Z][a-z]+)['’]s\s+(?:" + RELATIONS + r")\b"  # "Janet, Kyle's nan"
    r"|\s+(?:from|at|of)\s+(?:no\.?\s*|number\s+|num\s+|flat\s+|#)?\d+[a-z]?\b"  # "at 19"
    r"|(?:\s+here)?,\s*(?:no\.?\s*|number\s+)?\d{1,4}[a-z]?\s+(?-i:[A-Z][\w'’-]+)(?:\s+(?-i:[A-Z][\w'’-]+)){0,2}"
    r"|\s*\([^()\n]{1,80}\)"  # "Jade (the girl from the bakery counter at greggs)"
    r"|,\s*the\s+(?:house|flat|one|bungalow|home)\s+(?:with|at|on|opposite|next|by)\b[^.!?\n]*"
    r"|,?\s+the\s+(?:guy|lad|man|woman|lady|girl|bloke|fella|one)\s+(?:from|at)\b[^.!?\n,]*"
    r"|,\s*(?:the\s+)?(?:(?!(?:i|i['’]m|im|we|we['’]re|my|our)\b)[\w'’-]+\s+){0,2}?"
    r"(?:" + ROLES_AFTER_NAME + r")\s+(?:of|at|for)\b"
    r"[^.!?\n]*)+",
    re.IGNORECASE,
)
# After "it's NAME" opening a text, words that make it an introduction: "it's Pat here",
# "it's Sergeant Price badge number ...".
_SPEAKING_RE = re.compile(
    r",?\s+(?:here|calling|speaking|ringing|badge|collar|shoulder|warrant|staff\s+(?:no|number|id))\b",
    re.IGNORECASE,
)
# (Not a stretch of a street many live on: "from the top end of Ropner Avenue".)
_FROM_PLACE_RE = re.compile(
    r"\s*,?\s+(from|fae|frae|at)\s+(?:the|a|t['’])\s+(?!(?:top|bottom|far|other)\s+(?:end|side)\s+"
    r"of\b|middle\s+of\b)",
    re.IGNORECASE,
)
# After an introduction, a third-person pronoun means the name was someone else's: "This is
# Reece Dolan, he deals from the flat".
_SOMEONE_ELSE_AFTER_RE = re.compile(
    r"\s*(?:['’]s\b|,?\s+(?:he|she|they|him|her|who|has|is|was|lives|deals|keeps)\b)",
    re.IGNORECASE,
)

# -- sign-offs and signature blocks ----------------------------------------------------------

CLOSINGS = (
    r"kind(?:est)?\s+regards|best\s+regards|warm(?:est)?\s+regards|many\s+thanks|thanks\s+again|"
    r"thanks\s+very\s+much|thank\s+you(?:\s+very\s+much)?|with\s+(?:many\s+)?thanks|"
    r"with\s+(?:best|kind(?:est)?|warm(?:est)?)\s+(?:wishes|regards)|best\s+wishes|"
    r"all\s+the\s+best|yours\s+(?:sincerely|faithfully|truly)|yours\s+in\s+(?:christ|faith|"
    r"friendship|service)|yours\s+(?:ever|aye)|yours|regards|sincerely|"
    r"respectfully|thanks\s+so\s+much|thanks\s+a\s+lot|thank\s+u|thanku|thanks|thanx|thx|ty|"
    r"cheers|ta-ra|ta|ta\s+ra|tara|best|love|signed|take\s+care|speak\s+soon|god\s+bless|bless|"
    r"warmly|much\s+appreciated|from"
)
CLOSING_RE = re.compile(
    r"(?P<closing>" + CLOSINGS + r")\b(?!:)[ \t]*[,.!\-–—]*[ \t]*(?P<rest>[^\n]*)$",
    re.IGNORECASE | re.MULTILINE,
)
# Where a closing may start: a line's start or a sentence's end (tried only there: much
# faster than running CLOSING_RE at every position).
_CLAUSE_START_RE = re.compile(r"\n[ \t]*|[.!?][)\"']?[ \t]+")
_YOURS_AFTER_WORDS_RE = re.compile(
    r"[,;][ \t]+(?=yours\s+(?:sincerely|faithfully|truly)[ \t]*[,.]?[ \t]*$)",
    re.IGNORECASE | re.MULTILINE,
)
_CLOSING_INITIALS = frozenset("kbwmtyrscglfKBWMTYRSCGLF")


def _closings(text: str) -> list[re.Match[str]]:
    starts = [len(text) - len(text.lstrip(" \t"))]
    starts.extend(m.end() for m in _CLAUSE_START_RE.finditer(text))
    if "yours " in text or "Yours " in text:
        # "I remain, Sir, yours faithfully,": a closing after words on its line.
        starts.extend(m.end() for m in _YOURS_AFTER_WORDS_RE.finditer(text))
    found = []
    for start in starts:
        if start < len(text) and text[start] in _CLOSING_INITIALS:
            match = CLOSING_RE.match(text, start)
            if match is not None:
                found.append(match)
    return found


_DASH_SIGN_OFF_RE = re.compile(r"\n[ \t]*[-–—][ \t]*(?P<rest>[^\n]+)$")
_TRAILER_RE = re.compile(
    r"^\s*(?:sent\s+from\s+my|get\s+outlook|p\.\s?s\b|ps\b(?!\.?\s*\d))", re.IGNORECASE
)
_CONTACT_LINE_RE = re.compile(
    r"^\s*(?:(?:tel(?:ephone)?|phone|mob(?:ile)?|m|t|e|w|email|e-mail|direct\s+(?:line|dial)|"
    r"ddi|fax|work|office|landline|contact)\s*[:.]?\s*)?"
    r"(?:\+?[\d()][\d\s().\-]{8,}\d|[\w.+'\-]+@[\w\-]+(?:\.[\w\-]+)+|(?:https?://|www\.)\S+)"
    r"(?:\s*[|,/;]\s*(?:(?:tel(?:ephone)?|phone|mob(?:ile)?|m|t|e|email)\s*[:.]?\s*)?"
    r"(?:\+?[\d()][\d\s().\-]{8,}\d|[\w.+'\-]+@[\w\-]+(?:\.[\w\-]+)+))*\s*$",
    re.IGNORECASE,
)
# What may follow a sign-off name on its line and still be just the person: post-nominals, a
# note in brackets, their address ("Miss Violet Adair, Flat 1, Alder Court").
_PERSONAL_REST_RE = re.compile(
    r"(?:\s*,?\s*(?:[A-Z]{2,5}\b|\([^()\n]{1,60}\)))*"
    r"(?:\s*,\s*(?:flat|apartment|no\.?|number|\d)[^\n]*)?\s*[.!x]*\s*$",
    re.IGNORECASE,
)
_TEAM_RE = re.compile(r"\bteam\b|\bhelpline\b|\bvolunteer\b|^\s*an?\s", re.IGNORECASE)
_ROLE_ONLY_RE = re.compile(
    r"\s*(?:[A-Z][\w&'’-]*\s+){0,2}(?:manager|head|chair|director|proprietor|owner|"
    r"headteacher|coordinator|co-ordinator|lead|warden|caretaker|secretary|clerk|licensee)"
    r"\s*,\s*[A-Z]",
    re.IGNORECASE,
)


@dataclass
class _Line:
    start: int
    end: int  # without the newline

    def text(self, source: str) -> str:
        return source[self.start : self.end]


def _lines(text: str) -> list[_Line]:
    out: list[_Line] = []
    position = 0
    for raw in text.split("\n"):
        out.append(_Line(position, position + len(raw)))
        position += len(raw) + 1
    return out


_SENTENCE_INSIDE_RE = re.compile(
    r"\b(?!(?:reg|no|tel|mob|dept|st|rd|ave|ltd|co|inc|approx|insp|sgt|supt|rev|revd|cllr)"
    r"[.!?])[a-z]{2,}[.!?]\s+[A-Za-z]",
    re.IGNORECASE,
)


def _block_like(line: str) -> bool:
    """A short line that is not a sentence (a name, a role, an organisation, a number)."""
    stripped = line.strip()
    if not stripped or len(stripped) > 100:
        return False
    words = [w for w in stripped.split() if not w.isdigit() and w not in "|-–/&"]
    if len(words) > 12:
        return False
    if _SENTENCE_INSIDE_RE.search(stripped):
        return False
    return not (stripped[-1] in ".!?" and len(words) > 3)


class SignOffRecognizer(EntityRecognizer):
    """Names, signatures and staff numbers the reporter gives (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__(
            supported_entities=["REPORTER_NAME", "SIGNATURE", "STAFF_ID", "REPORTER_ADDRESS"],
            name="BeaconSignOff",
            supported_language="en",
        )

    def load(self) -> None:
        """Nothing to load."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        results.extend(self._introductions(text))
        signed = self._sign_off(text)
        results.extend(signed)
        results.extend(self._fields(text))
        for entity, start, end, reason, flag in (
            *by_lines(text),
            *end_sign_off(text),
            *sentence_intros(text),
            *openings(text),
            *by_roles(text),
        ):
            results.extend(self._result(text, entity, start, end, reason, flag=flag))
        results.extend(self._staff_ids(text, signed, results))
        return results

    def _result(
        self, text: str, entity: str, start: int, end: int, reason: str, *, flag: bool = False
    ) -> list[RecognizerResult]:
        start, end = strip_span(text, start, end)
        while end > start and text[end - 1] in ".!":
            end -= 1
        if end - start < 2:
            return []
        extra = {ACTION_KEY: "flag"} if flag else {}
        return [make_result(self, entity, start, end, 0.8, reason, **extra)]

    # -- introductions --------------------------------------------------------------------

    def _introductions(self, text: str) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        found: list[re.Match[str]] = []
        lowered = text.lower()
        for cue in ("name", "called"):
            # The pattern runs only around its cue words (much faster than a full scan).
            position = lowered.find(cue)
            while position >= 0:
                intro = INTRO_RE.search(text, max(0, position - 12), position + len(cue) + 90)
                if intro is not None and all(intro.span() != f.span() for f in found):
                    found.append(intro)
                position = lowered.find(cue, position + 1)
        head = min(len(text), 200)
        greeted = any(word in lowered[:head] for word in _GREETINGS)
        found.extend(GREETING_INTRO_RE.finditer(text, 0, head))
        here = HERE_INTRO_RE.match(text)
        if here is not None:
            found.append(here)
        for cue in (" here", " speaking", " calling"):
            position = lowered.find(cue)
            while position >= 0:
                here_match = HERE_ANYWHERE_RE.search(
                    text, max(0, position - 70), position + len(cue) + 1
                )
                if here_match is not None and all(here_match.span() != f.span() for f in found):
                    found.append(here_match)
                position = lowered.find(cue, position + 1)
        if any(cue in lowered for cue in _CONTACT_NAME_CUES):
            found.extend(CONTACT_NAME_RE.finditer(text))
        if greeted and ("'s " in text or "’s " in text):
            for relation in RELATION_INTRO_RE.finditer(text, 0, head):
                start, end = relation.start("relation"), relation.end("name")
                results.extend(
                    self._result(
                        text, "REPORTER_NAME", start, end, "the reporter introduces themselves"
                    )
                )
        lower = LOWER_SIGN_OFF_RE.search(text, max(0, len(text) - 40))
        if lower is not None and lower.group("name") not in _NOT_LOWER_NAMES:
            results.extend(
                self._result(
                    text,
                    "REPORTER_NAME",
                    lower.start("name"),
                    lower.end("name"),
                    "probably a sign-off name",
                    flag=True,
                )
            )
        for hit in found:
            start, end = hit.span("name")
            name = text[start:end]
            kept = name.split()
            while kept and kept[-1].lower() in NOT_NAME_WORDS:
                kept.pop()
            if not kept or not name_ok(" ".join(kept)):
                continue
            end = start + _prefix_length(name, kept)
            if hit.re is not INTRO_RE and _SOMEONE_ELSE_AFTER_RE.match(text, end):
                continue  # "This is Reece Dolan, he deals ...": not the reporter
            # "This is X" with no greeting may be about someone else: the human decides.
            unsure = hit.re is GREETING_INTRO_RE and hit.group(0).lstrip()[:4].lower() == "this"
            tail = _NAME_TAIL_RE.match(text, end)
            if tail is not None:
                end = tail.end()
            if hit.re is GREETING_INTRO_RE and hit.group("bare") and not _ME_RE.search(hit[0]):
                # "its Shona from 14 again" opens a text, but so does "It's Tyler again dealing
                # from the shelter": only with words placing the name, and never redacted.
                if (tail is None and not _SPEAKING_RE.match(text, end)) or (
                    _SOMEONE_ELSE_AFTER_RE.match(text, end)
                ):
                    continue
                unsure = True
            results.extend(
                self._result(
                    text,
                    "REPORTER_NAME",
                    start,
                    end,
                    "the reporter introduces themselves",
                    flag=unsure,
                )
            )
            place = _FROM_PLACE_RE.match(text, end)
            if place is not None:
                s, e = strip_span(text, place.start(1), statement_end(text, place.end()))
                results.append(
                    make_result(self, "SELF_REFERENCE", s, e, 0.8, "where the reporter is from")
                )
        for greeting in GREETING_LOWER_RE.finditer(text, 0, head) if greeted else ():
            start, end = greeting.span("name")
            if text[start:end].lower() in NOT_NAME_WORDS:
                continue
            tail = _NAME_TAIL_RE.match(text, end)
            results.extend(
                self._result(
                    text,
                    "REPORTER_NAME",
                    start,
                    tail.end() if tail else end,
                    "the reporter introduces themselves",
                )
            )
        if text == lowered:
            for lower in INTRO_LOWER_RE.finditer(text):
                end = lower.end("name2") if lower.group("name2") else lower.end("name")
                results.extend(
                    self._result(
                        text,
                        "REPORTER_NAME",
                        lower.start("name"),
                        end,
                        "the reporter introduces themselves",
                    )
                )
        return results

    # -- sign-offs ------------------------------------------------------------------------

    def _sign_off(self, text: str) -> list[RecognizerResult]:
        lines = _lines(text)
        results: list[RecognizerResult] = []
        closed = False
        for closing in _closings(text):
            rest_start = closing.start("rest")
            word = closing.group("closing").lower()
            rest = closing.group("rest")
            if rest.strip():
                if word == "from" and not re.fullmatch(r"[^\n]*", text[rest_start:].rstrip()):
                    continue
                block = self._block_from(text, lines, rest_start, same_line=True)
            else:
                if word == "from":
                    continue
                block = self._block_from(text, lines, closing.end() + 1, same_line=False)
            found = self._parse_block(text, block, closed_by=word)
            if found:
                closed = True
                if quoted(text, closing.start()):
                    # A sign-off inside a message the reporter copies in is someone else's
                    # (or a forwarded original's): the human sanitiser decides.
                    found = [_as_flag(r) for r in found]
                results.extend(found)
        dash = _DASH_SIGN_OFF_RE.search(text)
        if dash is not None and not closed:
            found = self._parse_block(text, [(dash.start("rest"), dash.end("rest"))], "dash")
            closed = bool(found)
            results.extend(found)
        if not closed:
            results.extend(self._trailing_block(text, lines))
        return results

    @staticmethod
    def _block_from(
        text: str, lines: list[_Line], position: int, *, same_line: bool
    ) -> list[tuple[int, int]]:
        """The lines of a signature starting at ``position`` (up to a blank line, a P.S. or
        the end of the text)."""
        block: list[tuple[int, int]] = []
        for line in lines:
            if line.end < position:
                continue
            start = max(line.start, position)
            content = text[start : line.end]
            if not content.strip():
                if block:
                    break
                continue  # blank lines between the closing and the name
            if _TRAILER_RE.match(content) or (block and not _block_like(content)):
                break
            block.append((start, line.end))
            if len(block) >= 8:
                break
        return block

    def _trailing_block(self, text: str, lines: list[_Line]) -> list[RecognizerResult]:
        """A signature at the end with no closing word: the last run of short lines, when
        the text has a body before it and the run starts with a name."""
        kept = [line for line in lines if line.text(text).strip()]
        while kept and _TRAILER_RE.match(kept[-1].text(text)):
            kept.pop()
        block: list[_Line] = []
        for line in reversed(kept):
            content = line.text(text)
            if not _block_like(content):
                break
            if ":" in content and not (
                STAFF_ID_RE.match(content.strip()) or _CONTACT_LINE_RE.match(content)
            ):
                break
            block.insert(0, line)
        # The signature starts at the first line that is a name (short body lines such as
        # "Please call." may come before it); the text's first line is never a signature.
        for index, line in enumerate(block):
            if line is kept[0]:
                continue
            previous = kept[kept.index(line) - 1].text(text).rstrip()
            if not previous or (previous[-1] not in ".!?)\"'’x" and previous != "--"):
                continue  # "The main one is\nJohn Smith": the name ends a sentence
            if self._name_line(text, line.start, line.end) and len(block) - index <= 6:
                return self._parse_block(
                    text, [(ln.start, ln.end) for ln in block[index:]], closed_by=None
                )
        return []

    @staticmethod
    def _name_line(text: str, start: int, end: int) -> bool:
        # (a line of a quoted e-mail starts with "> ")
        position = start + len(text[start:end]) - len(text[start:end].lstrip(" \t>"))
        rank = RANK_ID_RE.match(text, position, end)
        if rank is not None:
            return True
        name = NAME_CORE_RE.match(text, position, end)
        return name is not None and name_ok(name.group(0)) and ":" not in text[start:end]

    def _parse_block(
        self, text: str, block: list[tuple[int, int]], closed_by: str | None
    ) -> list[RecognizerResult]:
        if not block:
            return []
        first_start, first_end = block[0]
        results: list[RecognizerResult] = []
        position = (
            first_start
            + len(text[first_start:first_end])
            - len(text[first_start:first_end].lstrip(" \t>"))
        )
        rank = RANK_ID_RE.match(text, position, first_end)
        if rank is not None:
            results.extend(
                self._result(text, "STAFF_ID", rank.start(), rank.end(), "the reporter's number")
            )
            position = rank.end()
            while position < first_end and text[position] in " \t,":
                position += 1
        name = NAME_CORE_RE.match(text, position, first_end)
        named = (
            name is not None and name_ok(name.group(0)) and ":" not in text[first_start:first_end]
        )
        if named and name is not None:
            following = text[name.end() : first_end]
            # "Thanks, Derek" but not "Thanks to the lads ..." or "Thanks Officer, you ...".
            # (post-nominals are capitals: "for" after "Thanks Gary" is not one; a staff
            # number may follow: "Royal Mail staff no. 884120")
            if (
                following.strip()
                and not re.match(
                    r"\s*(?:[,(|]|(?-i:[A-Z]{2,})\b|x+\b|\d{2,6}\b|$)", following, re.IGNORECASE
                )
                and not STAFF_ID_RE.match(following.lstrip())
            ):
                named = False
            if re.match(r"\s*,\s*(?:for|to|and|as|again|so|but|i|we)\b", following, re.I):
                named = False  # "Thanks, Inspector Hall, for your help": someone addressed
        if not named:
            if rank is not None and position < first_end:
                results.extend(
                    self._result(text, "SIGNATURE", position, first_end, "the reporter's team")
                )
                return results + self._runs(text, block[1:], None)
            if (
                closed_by
                and closed_by != "from"
                and _ROLE_ONLY_RE.match(text, position, first_end)
                and not _TEAM_RE.search(text, position, first_end)
            ):
                return self._result(
                    text,
                    "SIGNATURE",
                    position,
                    first_end,
                    "a role and organisation in the sign-off",
                    flag=True,
                )
            return results
        single = name is not None and len(name.group(0).split()) == 1
        flag = closed_by is None and single
        results.extend(self._runs(text, [(position, first_end), *block[1:]], name, flag=flag))
        return results

    def _runs(
        self,
        text: str,
        block: list[tuple[int, int]],
        name: re.Match[str] | None,
        *,
        flag: bool = False,
    ) -> list[RecognizerResult]:
        """One finding per run of signature lines; staff-number lines and lines of bare
        contact details split the runs (the contact recognisers find those)."""
        results: list[RecognizerResult] = []
        run: list[tuple[int, int]] = []

        def close() -> None:
            if not run:
                return
            only_name = (
                name is not None
                and len(block) == 1
                and len(run) == 1
                and run[0][0] <= name.start()
                and _PERSONAL_REST_RE.match(text, name.end(), run[0][1]) is not None
            )
            entity = "REPORTER_NAME" if only_name else "SIGNATURE"
            reason = "sign-off name" if entity == "REPORTER_NAME" else "the reporter's signature"
            results.extend(self._result(text, entity, run[0][0], run[-1][1], reason, flag=flag))
            run.clear()

        for start, end in block:
            line = text[start:end]
            staff = STAFF_ID_RE.match(text, start + len(line) - len(line.lstrip()), end)
            rank = RANK_ID_RE.match(text, start + len(line) - len(line.lstrip()), end)
            hit = (
                staff if staff is not None and not NOT_ID_LABEL_RE.search(staff.group(0)) else rank
            )
            if hit is not None:
                close()
                results.extend(
                    self._result(text, "STAFF_ID", hit.start(), hit.end(), "the reporter's number")
                )
                remainder = text[hit.end() : end].strip(" \t|,;")
                if remainder and not _CONTACT_LINE_RE.match(remainder):
                    results.extend(
                        self._result(text, "SIGNATURE", hit.end(), end, "the reporter's signature")
                    )
                continue
            if _CONTACT_LINE_RE.match(line):
                close()
                continue
            run.append((start, end))
        close()
        return results

    # -- form fields ----------------------------------------------------------------------

    def _fields(self, text: str) -> list[RecognizerResult]:
        if ":" not in text:
            return []
        results: list[RecognizerResult] = []
        inline = [f for f in inline_fields(text) if f.group("owner")]
        for field in [*FIELD_RE.finditer(text), *inline]:
            owner = (field.group("owner") or "").lower()
            what = (field.group("what") or "").lower()
            if not owner and not what:
                continue
            if (owner == "my" and not what) or (what == "details" and not owner):
                continue
            value = field.group("value")
            if EMPTY_VALUE_RE.match(value.strip()):
                continue
            flag = False
            if not owner:
                section = section_owner(text, field.start())
                if section == "other":
                    continue  # "Name:" under "Section B - Child/young person"
                # A bare "Name:" with nothing saying whose: probably the person filling in
                # the form, but the human sanitiser decides.
                flag = section == "unknown"
            start, end = field.span("value")
            more = NEXT_FIELD_RE.search(text, start, end)
            if more is not None:  # "Agency: Adult Social Care. Concern: ..." on one line
                end = more.start()
                value = text[start:end]
            if "address" in what:
                entity = "REPORTER_ADDRESS"
            elif "name" in what or not what:
                sentence = VALUE_END_RE.search(value)
                if sentence is not None:
                    end = start + sentence.end() - 1
                    value = text[start:end]
                first = re.split(r"[,(<]", value)[0].strip()
                # "From: parish office": a name starts with a capital.
                if not first[:1].isupper() or not name_ok(first):
                    continue
                entity = "SIGNATURE" if "," in value else "REPORTER_NAME"
            else:
                entity = "SIGNATURE"
            results.extend(
                self._result(text, entity, start, end, "the referrer's details", flag=flag)
            )
        return results

    # -- staff numbers --------------------------------------------------------------------

    def _staff_ids(
        self, text: str, signed: list[RecognizerResult], owners: list[RecognizerResult]
    ) -> list[RecognizerResult]:
        """Staff numbers that are the reporter's: said in the first person, after a name or
        signature of theirs on the same line, or on a line of their own at the end or in the
        referrer's section. A registration or licence number with nobody else named before
        it is flagged; other numbers ("PC 2091 came round") are left alone."""
        taken = [(r.start, r.end) for r in signed]
        mine = [(r.start, r.end) for r in owners if r.entity_type in _OWNER_TYPES]
        results: list[RecognizerResult] = []
        for match in staff_id_matches(text):
            start, end = match.span()
            if any(s < end and start < e for s, e in taken):
                continue
            label = match.group("label")
            if NOT_ID_LABEL_RE.search(label):
                continue
            if not DIGIT_RE.search(match.group("value")) and "code" not in label.lower():
                continue
            at_line_start = start == 0 or text[start - 1] == "\n"
            if (
                first_person_number(text, start, label)
                or (at_line_start and section_owner(text, start) == "reporter")
                or after_owner(text, start, mine)
                or in_closing_lines(text, start)
                or opening_number(text, start, end)
            ):
                results.extend(self._result(text, "STAFF_ID", start, end, "the reporter's number"))
            elif REGISTRATION_RE.match(label) and not third_person_before(text, start):
                results.extend(
                    self._result(text, "STAFF_ID", start, end, "a registration number", flag=True)
                )
        for match in RANK_ID_RE.finditer(text):
            start, end = match.span()
            if any(s < end and start < e for s, e in taken):
                continue
            if (
                I_AM_BEFORE_RE.search(text, max(0, start - 8), start)
                or opening_number(text, start, end, rank=True)
                or rank_in_apposition(text, start, end)
            ):
                results.extend(self._result(text, "STAFF_ID", start, end, "the reporter's number"))
        return results


def _as_flag(result: RecognizerResult) -> RecognizerResult:
    metadata = dict(result.recognition_metadata or {})
    metadata[ACTION_KEY] = "flag"
    metadata[REASON_KEY] = f"{metadata.get(REASON_KEY, '')} in quoted material"
    return RecognizerResult(
        result.entity_type, result.start, result.end, result.score, recognition_metadata=metadata
    )


def _prefix_length(name: str, words: list[str]) -> int:
    """Length of the part of ``name`` made of its first ``len(words)`` words."""
    position = 0
    for word in words:
        found = name.find(word, position)
        position = found + len(word)
    return position
