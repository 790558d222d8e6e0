"""Names at the opening of a text that the greeting patterns miss (round 3): after any short
interjection ("Ar, this is Sandra Bishop again", "Howay man, it's Gaz, I'm the one ..."), in
texts typed in lower case ("its kayleigh from 22", "this is darren holt my number is ..."),
a name first and then who they are ("Tony Mercer, I run the barber's", "Jim Dawes,
landlord, The Royal Oak") and the author line of a quoted e-mail ("On 2 Feb, Mohammed Iqbal
wrote:").

A name followed by the reporter's own "I'm ..." or "my number" is redacted; one followed only
by a place ("from the flats by the park") or opening a text is flagged for the human
sanitiser, since reports also open with the subject's name."""

from __future__ import annotations

import re

from beacon.sanitise.recognisers.names import NAME_CORE, name_ok
from beacon.sanitise.recognisers.vocabulary import (
    NOT_NAME_WORDS,
    RELATIONS,
    ROLES_AFTER_NAME,
    STREET_WORDS,
)

Found = tuple[str, int, int, str, bool]

STREET = "|".join(w.capitalize() for w in STREET_WORDS.split("|"))

_LOWER_NAME = r"[a-z][a-z'’\-]{1,15}"
# The reporter goes on about themselves: the name before is theirs.
_FIRST_PERSON_NEXT = (
    r"\s*,?\s+(?:i['’]?m|im|i\s+am|ah['’]?m|am\s+the|i\s+(?:live|work|run|own|care|look|keep|help|"
    r"rang|rung|phoned|called|reported|wrote|have|had|just|was)|i['’]ve|my\s+(?:number|no|phone|"
    r"mob|mobile|name|address|house|flat))\b"
)
_PLACE_NEXT = (
    r"\s*,?\s+(?:from|frm|at)\s+(?:no\.?\s*|number\s+|num\s+|flat\s+)?(?:\d{1,4}[a-z]?\b|the\s+"
    r"(?!other\b|same\b)[\w'’-]+|(?-i:[A-Z])[\w'’-]+)"
    # "Sandra Bishop again, 8 Alum Rock Road": an address.
    r"|\s*,\s*(?:no\.?\s*|number\s+|flat\s+)?\d{1,4}[a-z]?,?\s+(?-i:[A-Z])"
)
# "Ar, this is ...", "Howay man, it's ...", "its me again ...": an opening before the name.
OPENING_RE = re.compile(
    r"(?:^|(?<=[.!?])[ \t]+)[ \t]*(?:\[[^\]\n]{1,40}\][ \t]*)?"
    r"(?:[A-Za-z'’]{1,10}(?:[ \t]+[A-Za-z'’]{2,10})?[ \t]*[,!.][ \t]+|(?:hi|hello|hiya|hey|"
    r"morning|evening)[ \t]+)?"
    r"(?:this\s+is|it['’]s|its)\s+(?:me[,.]?\s+(?:again[,.]?\s+)?)?"
    r"(?P<name>(?-i:" + NAME_CORE + r")|" + _LOWER_NAME + r"(?:\s+" + _LOWER_NAME + r")?)"
    r"(?P<again>\s+again)?(?=(?P<first>" + _FIRST_PERSON_NEXT + r")|" + _PLACE_NEXT + r")",
    re.IGNORECASE | re.MULTILINE,
)
# After a name, a street address: "Sian Roberts, Ty Gwyn, Llanfair Road, Ruthin", "Jo Hall,
# 14 Mill Lane".
_ADDRESS_NEXT = (
    r"\s*,\s*(?:\d{1,4}[a-z]?\s+|(?:(?-i:[A-Z])[\w'’-]+\s+){1,2}(?-i:[A-Z])[\w'’-]+,\s*)"
    r"(?:(?-i:[A-Z])[\w'’-]+\s+){0,2}(?-i:" + STREET + r")\b"
)
_ADDRESS_TAIL_RE = re.compile(
    r"(?:\s+again)?\s*,\s*(?:no\.?\s*|number\s+|flat\s+)?\d{1,4}[a-z]?,?\s+"
    r"(?:(?-i:[A-Z])[\w'’-]+\s+){0,3}(?-i:" + STREET + r")\b",
    re.IGNORECASE,
)
# "Tony Mercer, I run the barber's", "Jim Dawes, landlord, The Royal Oak", "Dai Morgan from
# the Red Lion", "Pastor Emmanuel Adeyemi, Living Waters Church": the text's first sentence,
# after at most a short greeting.
NAME_FIRST_RE = re.compile(
    r"[ \t]*(?:[A-Za-z'’]{2,10}(?:[ \t,]+[A-Za-z'’]{2,10})?[ \t]*[,!.][ \t]+)?"
    r"(?P<name>(?-i:" + NAME_CORE + r"))"
    r"(?="
    + _FIRST_PERSON_NEXT
    + r"|\s*,\s+(?:the\s+)?(?:[\w'’-]+\s+){0,2}?(?:"
    + ROLES_AFTER_NAME
    + r"|landlord|landlady|licensee|teacher|class\s+teacher|nurse|manager|owner|driver|officer|"
    r"worker|guard|cleaner|porter|cook|chef|receptionist|pharmacist|doctor|gp|postie|postman|"
    r"operative|volunteer|steward|supervisor)\b"
    r"|\s*,\s+(?-i:[A-Z][\w'’]+(?:\s+[A-Z][\w'’]+)*)\s+(?-i:Church|Chapel|Mosque|Masjid|Temple|"
    r"Gurdwara|Centre|School|Academy|Primary|Surgery|Practice|Pharmacy|Club|Inn|Arms|Hotel)\b"
    r"|\s+(?:from|at)\s+the\s+(?-i:[A-Z])[\w'’-]+"
    r"|" + _ADDRESS_NEXT + r")",
    re.IGNORECASE,
)
# "Hi. Paul at the off-licence, 212 Harehills Lane.": a first name alone, then where.
FIRST_NAME_FIRST_RE = re.compile(
    r"[ \t]*(?:[A-Za-z'’]{2,10}(?:[ \t,]+[A-Za-z'’]{2,10})?[ \t]*[,!.][ \t]+)?"
    r"(?P<name>(?-i:[A-Z][a-z'’]{1,15}))\s+(?:from|at)\s+the\s+[\w'’-]+(?:\s+[\w'’-]+)?"
    r"(?=\s*,\s*\d{1,4}[a-z]?\s+(?-i:[A-Z]))",
)
_PARTS_RE = re.compile(
    r"(?:[ \t]*,[ \t]*(?-i:[A-Z0-9])(?:(?![ \t][-–—][ \t])[^,.;:()\n@]){1,40}(?<![ \t])"
    r"(?=[ \t]*(?:[,.;:()\n]|$))){0,3}"
)
_LICENCE_PART_RE = re.compile(
    r"[ \t]*,[^,\n]*\b(?:licen[cs]e|badge|staff|employee|collar|warrant)\b[^,\n]*\d", re.IGNORECASE
)
# "Reverend Ann Hollis at St Peter's vicarage calling about ...": a transcript that opens
# with the caller's name.
CALLING_RE = re.compile(
    r"[ \t]*(?:\[[^\]\n]{1,40}\][ \t]*)?(?:(?:hi|hello|hiya|yeah|um+|er+|erm)[,.]?\s+)*"
    r"(?P<name>(?-i:" + NAME_CORE + r"))(?P<place>\s+(?:at|from)\s+[^,.\n]{2,40}?)?"
    # (Not "Gang calling themselves 'Southside Youngers'".)
    r"\s+(?:calling|speaking|ringing)\b(?!\s+(?:themselves|himself|herself|itself|him|her|them|"
    r"it|out|round|for|at|on)\b)",
    re.IGNORECASE,
)
# "Hi, I'm the manager at the Costcutter on Dewsbury Road, Amjad.": a role, then the name.
ROLE_THEN_NAME_RE = re.compile(
    r"\b(?:i['’]?m|im|i\s+am|this\s+is)\s+the\s+[^.!?\n]{3,60}?,\s*(?P<name>(?-i:[A-Z][a-z'’]{2,15}"
    r"(?:\s+[A-Z][a-z'’]{2,15})?))\s*(?:[.!]|$)",
    re.IGNORECASE | re.MULTILINE,
)
# "am her man, Alan Storey", "I'm his mum, Lorraine": a relation to someone just named.
PRONOUN_RELATION_RE = re.compile(
    r"\b(?:i['’]?m|im|i\s+am|a['’]?m|am|this\s+is|it['’]s)\s+(?:her|his|their)\s+(?:man|"
    + RELATIONS
    + r")\s*,\s*(?P<name>(?-i:"
    + NAME_CORE
    + r"))",
    re.IGNORECASE,
)
_PRONOUN_CUES = ("m her ", "m his ", "m their ", "s her ", "s his ", "s their ")
# After an introduction, a home nobody else has: "from the end house on Cherry Lane".
FROM_HOME_RE = re.compile(
    r"\bfrom\s+the\s+(?:[\w'’-]+\s+){0,2}?(?:house|farm|farmhouse|flat|flats|bungalow|"
    r"cottage|caravan|boat|corner\s+shop|shop|pub|chippy)\b(?:\s+(?:on|at|in|by|near|"
    r"opposite|behind|next\s+to)\s+(?:the\s+)?(?:(?:top|bottom|end|corner)\s+of\s+the\s+)?"
    r"[\w'’-]+(?:\s+(?-i:[A-Z])[\w'’-]+){0,2})?",
    re.IGNORECASE,
)
_BEFORE_HOME_RE = re.compile(
    r"((?-i:[A-Z])[a-z'’]+|\b(?:" + RELATIONS + r"))(?:\s+here)?\s*,?\s*$", re.IGNORECASE
)
_INTRO_CUE_RE = re.compile(
    r"\b(?:this\s+is|it['’]?s|its|i['’]?m|im|i\s+am|my\s+name)\b", re.IGNORECASE
)
# The author line of a quoted or forwarded e-mail.
QUOTED_AUTHOR_RE = re.compile(
    r"^[> \t]*On\s+[^\n,]{3,40},\s*(?P<name>(?-i:" + NAME_CORE + r"))[ \t]*(?:<[^>\n]*>[ \t]*)?"
    r"wrote:",
    re.MULTILINE,
)
_SOMEONE_ELSE_RE = re.compile(
    r"\s*(?:['’]s\b|,?\s+(?:he|she|they|him|her|who|has|is|was|lives|deals|keeps|hes|shes)\b)",
    re.IGNORECASE,
)

_SENTENCE_STOP_RE = re.compile(r"[.!?](?:\s|$)|\n")
_THIRD_PERSON_RE = re.compile(r"\b(?:he|she|they|hes|shes|he['’]s|she['’]s|his|him)\b", re.I)


_NOT_NAMES = NOT_NAME_WORDS | {"i'm", "i’m", "im", "i've", "i’ve", "i'd", "i’d", "i'll", "i’ll"}


def _name_words_ok(name: str) -> bool:
    words = name.split()
    if not words or any(w.lower().strip("'’") in _NOT_NAMES for w in words):
        return False
    return name_ok(name) if name[:1].isupper() else True


def _openings_near_cues(text: str, lowered: str) -> list[re.Match[str]]:
    """``OPENING_RE`` tried only just before each "it's"/"this is" in the text's head."""
    found: dict[tuple[int, int], re.Match[str]] = {}
    for cue in ("its ", "it's ", "it’s ", "this is "):
        position = lowered.find(cue)
        while position >= 0:
            low, high = max(0, position - 25), min(len(text), position + 120)
            for match in OPENING_RE.finditer(text, low, high):
                found.setdefault(match.span(), match)
            position = lowered.find(cue, position + 1)
    return [found[span] for span in sorted(found)]


def openings(text: str, head: int = 300) -> list[Found]:
    """Names found by the patterns above (see the module docstring)."""
    out: list[Found] = []
    lowered = text[:head].lower()
    if "its " in lowered or "it's " in lowered or "it’s " in lowered or "this is " in lowered:
        for match in _openings_near_cues(text, lowered):
            name = match.group("name")
            if not _name_words_ok(name) or name.isupper():
                continue
            start, end = match.span("name")
            if name[:1].islower() and sum(c.isupper() for c in text[:head]) > 3:
                continue  # a lower-case word in a text with capitals is not a name
            if _SOMEONE_ELSE_RE.match(text, end):
                continue
            # "its tyler from the flats" may be the subject: flagged unless "I'm ..." follows,
            # and left alone when "he ..." follows the place ("It's Connor at 8, he revs").
            flag = match.group("first") is None
            if flag and _THIRD_PERSON_RE.search(text[end : end + 60].split(".")[0]):
                continue
            address = _ADDRESS_TAIL_RE.match(text, end)
            if address is not None:
                end = address.end()  # "Sandra Bishop again, 8 Alum Rock Road"
            out.append(("REPORTER_NAME", start, end, "the reporter introduces themselves", flag))
    first = NAME_FIRST_RE.match(text)
    if first is not None and first.end() <= 80:
        name = first.group("name")
        words = name.split()
        if (
            len(words) >= 2
            and _name_words_ok(name)
            and not _SOMEONE_ELSE_RE.match(text, first.end())
        ):
            start, end = first.span("name")
            # With who they are: "Ms R. Agyeman, Class Teacher, Year 2 (staff code RAG)".
            parts = _PARTS_RE.match(text, end)
            entity = "REPORTER_NAME"
            if parts is not None and parts.group(0).strip(" ,"):
                end, entity = parts.end(), "SIGNATURE"
                # A part with a licence or staff number stops before it (a STAFF_ID, redacted):
                # "Raj Sandhu, Hackney carriage driver, Walsall licence W-HC-0381".
                staff = _LICENCE_PART_RE.search(text, first.end("name"), end)
                if staff is not None:
                    end = staff.start()
            out.append((entity, start, end, "a name opening the text", True))
    single = FIRST_NAME_FIRST_RE.match(text) if first is None else None
    if single is not None and single.end() <= 80 and _name_words_ok(single.group("name")):
        start, end = single.span("name")
        out.append(("REPORTER_NAME", start, end, "a name opening the text", True))
    calling = CALLING_RE.match(text)
    if calling is not None and _name_words_ok(calling.group("name")):
        start, end = calling.span("name")
        end = calling.end("place") if calling.group("place") else end
        out.append(("REPORTER_NAME", start, end, "the caller gives their name", False))
    lowered_head = text[:head].lower()
    if "m the " in lowered_head or "this is the " in lowered_head:
        for match in ROLE_THEN_NAME_RE.finditer(text, 0, head):
            if _name_words_ok(match.group("name")):
                start, end = match.span("name")
                out.append(("REPORTER_NAME", start, end, "a name after the reporter's role", True))
    if any(cue in lowered_head for cue in _PRONOUN_CUES):
        for match in PRONOUN_RELATION_RE.finditer(text, 0, head):
            if name_ok(match.group("name")):
                start, end = match.span("name")
                out.append(
                    ("REPORTER_NAME", start, end, "the reporter introduces themselves", False)
                )
    if " from the " in text[:head] and _INTRO_CUE_RE.search(text, 0, 60):
        for match in FROM_HOME_RE.finditer(text, 0, head):
            # Only in the text's first sentence, with the introduction.
            # Right after a name or a relation ("Debbie, from the end house", "Gwilym's wife
            # from the farm"), not "the lads from the flats"; flagged, as "its Tyler from
            # the flats" may be the subject.
            if _SENTENCE_STOP_RE.search(text, 0, match.start()) is not None:
                continue
            before = _BEFORE_HOME_RE.search(text, max(0, match.start() - 30), match.start())
            if before is None or before.group(1).lower() in NOT_NAME_WORDS:
                continue
            if _THIRD_PERSON_RE.search(text[match.end() : match.end() + 40].split(".")[0]):
                continue
            out.append(("SELF_REFERENCE", *match.span(), "where the reporter is from", True))
    if "wrote:" in text:
        for match in QUOTED_AUTHOR_RE.finditer(text):
            if name_ok(match.group("name")):
                start, end = match.span("name")
                out.append(("REPORTER_NAME", start, end, "the author of a quoted message", True))
    return out
