"""A second look for where reporters identify themselves: broad patterns that only flag.

The recognisers before this one are precise: each redacts (or flags) a detail only when the
words round it say whose it is. Five blind sets, each by a new author, showed that precision
bought with narrow cue lists: "Assalamu alaikum, I'm Hodan Abdi" was missed because the
greeting was spelled another way, "hi im Jade Mills 2nd yr at uni" because "2nd" was not in
the list of words that may follow a name. The patterns here drop those conditions and keep
only the shape of the statement:

- **names** after "I'm", "it's", "this is", "call me", "sent by", "Caller:", before "here", as
  the sender of a forwarded chat line, or as the addressee of a quoted reply to the reporter;
- **sign-offs**: the text's last segment when it is nothing but a name (with a role,
  organisation or place after it: "- Bez", "— J.T.", "Gemma Lowe, Sheffield City Council
  Housing"), and every short line after a closing ("Best wishes", "Cheers");
- **who the reporter is**: their age, a household or trait ("I'm a widow", "a single dad with
  triplets"), a condition of theirs or their family's ("our son is autistic"), a job at a
  named place ("I work at the Costa in the Grand Arcade", "im head girl at St Bede's");
- **their address** next to their own introduction, and "my house (no. 6)";
- **staff numbers** after an identifier's label ("HCPC PA 38812", "call sign Whiskey 4-2",
  "emp. no. WL0551") or a role ("CEO 118", "Officer 2871").

Every span is flagged, never redacted: a broad pattern may catch the subject's details, and
the human sanitiser decides (issue 11: "when in doubt, flag"). ``detect.Sanitiser`` adds them
only where no other finding overlaps, as it does for the learnt reader's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from beacon.sanitise.recognisers.names import NAME_CORE, name_ok
from beacon.sanitise.recognisers.second_look_base import (
    CUT_RE,
    FIRST_PERSON_RE,
    NAME_GROUP,
    NAME_RE,
    THIRD_PERSON_RE,
    Look,
    matches_at,
    opener_positions,
    quoted,
)
from beacon.sanitise.recognisers.second_look_staff import staff_ids
from beacon.sanitise.recognisers.vocabulary import NATIONALITY, ROLE_VOCAB, STREET_WORDS, TITLE

STREET = "|".join(w.capitalize() for w in STREET_WORDS.split("|"))


# -- names ------------------------------------------------------------------------------------

# "I'm Hodan Abdi", "hi im Jade Mills 2nd yr": the reporter's own name, whatever greets it.
_I_AM_NAME_RE = re.compile(
    r"\b(?:i['’]m|(?-i:im|Im)|i\s+am|ah['’]?m)\s+" + NAME_GROUP, re.IGNORECASE
)
# "it's Franny, I do the paper round", "This is the Patel family at ...": near the start only,
# since "it's Tyler again" later in a text is as often the subject.
_ITS_NAME_RE = re.compile(
    r"\b(?:it['’]?s|its|this\s+is|here['’]s)\s+(?:me,\s+)?(?:(?P<family>the\s+(?-i:[A-Z])"
    r"[\w'’-]+\s+family)|" + NAME_GROUP + r")",
    re.IGNORECASE,
)
# "calls me Nana Pat", "I post as Shirebrook Lass", "Sent by ...", "Caller: Mr Dilan Hassan".
_CALLED_NAME_RE = re.compile(
    r"\b(?:(?:everyone|everybody|they|people|folk|kids|the\s+kids)\s+(?:(?:round|on|in|at|"
    r"from)\s+(?:the\s+|here\s+)?\w*\s*)?"
    r"(?:calls?|know)\s+me(?:\s+as)?|call\s+me|(?:i\s+)?(?:post|go|comment|write)\s+as|"
    r"(?:(?<=\n)|(?<=^)|(?<=[—–-]\s))(?:sent|reported)\s+by|reporting(?:\s+officer)?\s*:|"
    r"caller\s*:|informant\s*:|ask\s+for|"
    r"crew\s*:\s*(?:[A-Z][a-z]+\s+)?)\s*" + NAME_GROUP,
    re.IGNORECASE,
)
# "From PCSO Amira Siddiqui, badge number ...": a titled writer. ("rom" first: a literal the
# engine finds fast.)
_FROM_TITLE_RE = re.compile(
    r"rom\s+(?=(?:PCSO|PC|Sgt|DC|DS|Cllr|Dr|Mrs|Mr|Ms|Miss|Rev)\b)" + NAME_GROUP
)
# "Hi, Mohammed here from Carlisle Road": a name just before "here".
_NAME_HERE_RE = re.compile(
    r"(?:^|[,.!?\n]|\b(?:hi|hey|hiya|hello))[ \t]*,?[ \t]*(?P<name>(?-i:"
    + NAME_CORE
    + r"|"
    + TITLE
    + r"\s+[A-Z]\b))(?:\s+from\s+(?:the\s+)?(?:no\.?\s*|number\s+)?(?:\d{1,4}[a-z]?,?\s+)?"
    r"(?:(?-i:[A-Z][\w'’-]+)(?:\s+(?-i:[A-Z])[\w'’-]+){0,3}|[\w'’-]+(?:\s+[\w'’-]+)?))?\s+here\b",
    re.IGNORECASE | re.MULTILINE,
)
# "Traffic Wales Officer 2871 here, Gareth.": a name after "here,".
_HERE_NAME_RE = re.compile(r"\bhere,\s+(?P<name>(?-i:" + NAME_CORE + r"))\s*[.!\n]")
# "Hi, Eleni Papadopoulos, I spoke with ...": a greeting, a name, then the reporter's "I".
_GREETED_NAME_RE = re.compile(
    r"^\s*(?:hi|hello|hiya|hey|good\s+(?:morning|afternoon|evening)|morning|evening)"
    r"[,!.]?\s+(?P<name>(?-i:" + NAME_CORE + r"))\s*,\s*(?:i|i['’]m|im|i['’]ve|my)\b",
    re.IGNORECASE,
)
# "Obi, Chinedu (Mr) – 07700 900277": a surname, a forename and a title, as on a form.
_SURNAME_FIRST_RE = re.compile(
    r"^\s*(?P<name>[A-Z][a-z'’-]+,?\s*[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+)?\s*\((?:Mr|Mrs|Ms|Miss|"
    r"Mx|Dr)\.?\))",
    re.MULTILINE,
)
# "Chris here (Chris Doyle, 27 Moss Lane)": who they are, in brackets after the introduction.
_INTRO_BRACKET_RE = re.compile(
    r"\b(?:here|speaking|calling|it['’]s\s+me|that['’]s\s+me)\s*\((?P<inside>[^()\n]{3,80})\)",
    re.IGNORECASE,
)
# "[19:42, 03/06/2024] Lisa Kent: ...": the sender of a chat the reporter forwards.
_CHAT_SENDER_RE = re.compile(
    r"^\s*\[[^\]\n]{4,30}\]\s*" + NAME_GROUP + r"\s*:", re.MULTILINE | re.IGNORECASE
)
# "> Dear Ms Sharma, thank you for your report": a quoted reply to the reporter.
_QUOTED_DEAR_RE = re.compile(r"^[> \t]*Dear\s+" + NAME_GROUP + r"\s*[,\n]", re.MULTILINE)
_AFTER_NAME_OK_RE = re.compile(
    r"\s*(?:$|[,.!;:()\n—–-]|\s+(?:here|from|at|of|in|on|and|i|im|i['’]m|x+|again|"
    r"speaking|calling|\d)|\s+the\s+(?:[\w-]+\s+){0,2}?(?:" + ROLE_VOCAB + r")\b"
    r"|\s+(?-i:[A-Z])(?=\s|$))",
    re.IGNORECASE,
)
_SOMEONE_ELSE_RE = re.compile(
    r"\s*(?:['’]s\b|,?\s+(?:he|she|they|him|her|who|has|is|was|lives|deals|keeps|hes|shes|"
    r"again\s+\w+ing)\b)",
    re.IGNORECASE,
)
HEAD = 160  # "it's NAME" and "NAME here" only open a text
# Capitalised words that open sentences and are never a sign-off or a name on their own.
_NOT_NAMES = frozenset(
    [
        "so",
        "lads",
        "flat",
        "bye",
        "love",
        "nothing",
        "help",
        "please",
        "sorry",
        "ta",
        "thanks",
        "cheers",
        "regards",
        "tel",
        "mob",
        "mobile",
        "fax",
        "email",
        "direct",
        "dial",
        "phone",
        "kind",
        "best",
        "many",
        "yours",
        "sent",
        "screenshot",
        "photo",
        "attached",
        "update",
        "urgent",
        "note",
        "nb",
        "ps",
        "re",
        "fw",
        "fwd",
    ]
)
_CALLED_GATE = (
    "call",
    "know",
    " as ",
    "sent by",
    "reported by",
    "reporting",
    "caller",
    "informant",
    "crew",
)


def _names(text: str, lowered: str, openers: Sequence[int]) -> list[Look]:
    out: list[Look] = []

    def add(start: int, end: int, reason: str, kind: str = "REPORTER_NAME") -> None:
        name = text[start:end]
        if name.isupper() and len(name) > 3:
            return
        if name.lower() in _NOT_NAMES or quoted(text, start):
            return
        if kind == "REPORTER_NAME" and not name_ok(name):
            return
        out.append(Look(kind, start, end, reason))

    if "i'm " in lowered or "i’m " in lowered or "im " in lowered or "i am " in lowered:
        for match in matches_at(_I_AM_NAME_RE, text, openers):
            end = match.end("name")
            if _SOMEONE_ELSE_RE.match(text, end) or not _AFTER_NAME_OK_RE.match(text, end):
                # "hi im Jade Mills 2nd yr": a digit after the name is allowed above.
                continue
            add(match.start("name"), end, "the reporter gives their name")
    for match in _ITS_NAME_RE.finditer(text, 0, min(len(text), HEAD + 40)):
        if match.start() > HEAD:
            break
        if match.group("family"):
            out.append(Look("REPORTER_NAME", *match.span("family"), "the reporter's household"))
            continue
        end = match.end("name")
        if _SOMEONE_ELSE_RE.match(text, end) or not _AFTER_NAME_OK_RE.match(text, end):
            continue
        # "It's Connor Platt at number 8, he keeps revving": the subject, placed.
        if THIRD_PERSON_RE.search(CUT_RE.split(text[end : end + 60], 1)[0]):
            continue
        add(match.start("name"), end, "the reporter gives their name")
    for match in _CALLED_NAME_RE.finditer(text) if any(g in lowered for g in _CALLED_GATE) else ():
        add(match.start("name"), match.end("name"), "the name the reporter goes by")
    for match in _FROM_TITLE_RE.finditer(text):
        if (
            text[match.start() - 1 : match.start()] in ("F", "f")
            and not text[match.start() - 2 : match.start() - 1].isalpha()
        ):
            add(match.start("name"), match.end("name"), "the name the reporter goes by")
    for match in _NAME_HERE_RE.finditer(text, 0, min(len(text), HEAD)):
        add(match.start("name"), match.end("name"), "the reporter gives their name")
    for pattern in (_HERE_NAME_RE, _GREETED_NAME_RE, _SURNAME_FIRST_RE):
        for match in pattern.finditer(text, 0, min(len(text), HEAD)):
            add(match.start("name"), match.end("name"), "the reporter gives their name")
    for match in _INTRO_BRACKET_RE.finditer(text, 0, min(len(text), HEAD + 80)):
        first = match.group("inside").split(",")[0].strip()
        if NAME_RE.fullmatch(first) and name_ok(first):
            out.append(Look("REPORTER_NAME", *match.span("inside"), "who the reporter is"))
    if "[" in text:
        for match in _CHAT_SENDER_RE.finditer(text):
            line_end = text.find("\n", match.end())
            line = text[match.end() : line_end if line_end >= 0 else len(text)]
            if FIRST_PERSON_RE.search(line):
                add(*match.span("name"), "the sender of a forwarded message")
    if "dear" in lowered and ">" in text:
        for match in _QUOTED_DEAR_RE.finditer(text):
            add(*match.span("name"), "the reporter, addressed in a quoted reply")
    return out


# -- sign-offs --------------------------------------------------------------------------------

# The text's last segment: after the last sentence end, line break or dash.
_BOUNDARY_RE = re.compile(r"[.!?]\s+|\n\s*|\s[-—–]+\s*|^\s*", re.MULTILINE)
_QUOTED_REPLY_RE = re.compile(
    r"^[> \t]*(?:On\s[^\n]{3,80}\swrote:|-{2,}\s*(?:Original|Forwarded)\s+Message)",
    re.MULTILINE | re.IGNORECASE,
)
_SIGN_OFF_RE = re.compile(
    r"\s*(?:[-—–]+\s*|(?:sent\s+by|from|signed|thanks|thank\s+you|cheers|regards|ta)[,:]?\s+)?"
    r"(?P<name>(?-i:" + NAME_CORE + r")|(?-i:[A-Z]\.\s*[A-Z]\.(?:\s*[A-Z]\.)?|[A-Z]{2,3}))"
    # What may follow: a place, a role or organisation, a bracket, kisses, a phone number.
    r"(?P<rest>(?:\s*,\s*(?:(?-i:[A-Z0-9])(?:(?!\b(?:he|she|they|him|her|his)\b)[^,\n]){1,60}|"
    r"[\w.]+(?:\s+dot\s+[\w.]+)*\s*(?:@|\s+at\s+)[^,\n]{3,40})){0,3}(?:\s*\([^()\n]{1,80}\))?"
    r"(?:\s*(?-i:[A-Z])[A-Za-z]{2,10}(?-i:[A-Z][A-Za-z]*)?)?\s*(?:x+)?\s*[.!]?)\s*\Z",
    re.IGNORECASE,
)
_CLOSING_LINE_RE = re.compile(
    r"^[ \t]*(?:many\s+thanks|thanks(?:\s+again)?|thank\s+you|best(?:\s+wishes)?|kind\s+regards|"
    r"warm\s+regards|regards|cheers|yours(?:\s+(?:sincerely|faithfully|truly|in\s+\w+(?:\s+\w+)?))?|"
    r"all\s+the\s+best|"
    r"with\s+thanks|ta|respectfully)[ \t]*[,.!]?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_TITLE_START_RE = re.compile(TITLE + r"\s")
_SIGNED_WORD_RE = re.compile(r"\s*(?:[-—–]|sent|from|signed|thanks|cheers|regards)", re.I)
_PHONE_TAIL_RE = re.compile(r"[\s,|]*(?:(?:tel|t|m|mob|direct\s+dial)[:.]?\s*)?[+\d][\d\s()-]{8,}$")
SIGN_OFF_CHARS = 140
CLOSING_LINES = 6


def _own_part(text: str) -> str:
    """The text up to a quoted reply ("On Tue, 9 Apr, ... wrote:", "-----Original Message"),
    where the reporter's own message, and its sign-off, ends."""
    quoted = _QUOTED_REPLY_RE.search(text)
    return text[: quoted.start()] if quoted is not None else text


def _sign_off_segment(body: str) -> Look | None:
    """The text's closing words when they are nothing but a name (with its parts): tried from
    the earliest boundary in the last ``SIGN_OFF_CHARS`` so "Mrs E. Jones (Edna)" is read whole."""
    low = max(0, len(body) - SIGN_OFF_CHARS)
    for boundary in _BOUNDARY_RE.finditer(body, low):
        start = boundary.end()
        segment = body[start:]
        sign = _SIGN_OFF_RE.match(segment)
        shouted = segment.strip().isupper() and sum(c.isalpha() for c in segment) > 3
        if sign is None or not segment.strip() or shouted:
            continue
        name = sign.group("name")
        if (
            name.lower() in _NOT_NAMES
            or re.match(r"I\b|I['’]", name)  # "I'm Sam, I've logged this": a sentence
            # "in the name of D. Ross.": an initial's full stop is no segment end.
            or re.search(r"(?:^|[\s.])[A-Z]\.\s+$", body[max(0, start - 4) : start])
            or quoted(body, start)
            # "... and the main one is\nJohn Smith": a sentence running on.
            or re.search(r"[a-z]\n\s*$", body[max(0, start - 3) : start])
        ):
            continue
        # After a plain full stop a bare word or two may be the town ("... Ashby"): a name
        # there needs a title, a bracket, kisses or a part after it.
        # (A name alone on the last line is a sign-off whatever ended the line before.)
        plain_stop = re.search(r"[.!?][ \t]*\Z", body[max(0, start - 3) : start]) is not None
        if plain_stop and not (
            sign.group("rest").strip(" .!")
            or _SIGNED_WORD_RE.match(segment)
            or _TITLE_START_RE.match(name)
        ):
            continue
        if not (name_ok(name) or re.fullmatch(r"(?:[A-Z]\.\s*){2,3}|[A-Z]{2,3}", name)):
            continue
        kind = "SIGNATURE" if sign.group("rest").strip(" x.!") else "REPORTER_NAME"
        end = start + len(segment.rstrip(" .!\t"))
        return Look(kind, start + sign.start("name"), end, "the text's sign-off")
    return None


def _sign_offs(text: str) -> list[Look]:
    out: list[Look] = []
    body = _own_part(text).rstrip()
    tail = _PHONE_TAIL_RE.search(body[-40:])
    if tail is not None:
        body = body[: len(body) - 40 + tail.start()] if len(body) > 40 else body[: tail.start()]
    # The end of a quotation is not a sign-off.
    sign_off = _sign_off_segment(body) if body[-1:] not in "'\"’”" else None
    if sign_off is not None:
        out.append(sign_off)
    closings = list(_CLOSING_LINE_RE.finditer(text))
    if closings:
        last = closings[-1]
        rest = text[last.end() :]
        lines = [line for line in rest.split("\n") if line.strip()]
        if 0 < len(lines) <= CLOSING_LINES and all(len(line) <= 100 for line in lines):
            position = last.end()
            for line in rest.split("\n"):
                stripped = line.strip()
                line_start = text.find(line, position) if line else position
                position = line_start + len(line) + 1
                if not stripped or not any(c.isupper() for c in stripped):
                    continue
                if _PHONE_TAIL_RE.fullmatch(stripped) or not _signed_line(stripped):
                    continue
                lead = len(line) - len(line.lstrip())
                out.append(
                    Look(
                        "SIGNATURE",
                        line_start + lead,
                        line_start + lead + len(stripped),
                        "a line signed after the closing",
                    )
                )
    return out


_DISCLAIMER_RE = re.compile(
    r"\b(?:confidential|intended|registered|regulated|virus|viruses|environment|printing|"
    r"privileged|recipient|disclaimer|unsubscribe|authorised)\b",
    re.IGNORECASE,
)


def _signed_line(line: str) -> bool:
    """Whether a line after the closing starts with a person's name ("Joanne Fairclough",
    "Jo", "Nadia Hussain MRPharmS"), not a team, a label or a disclaimer."""
    if _DISCLAIMER_RE.search(line) or len(line.split()) > 10:
        return False
    match = NAME_RE.match(line)
    if match is None:
        return False
    name = match.group(0)
    words = name.split()
    if len(words) == 1 and re.match(r"\s+[a-z]", line[match.end() :]):
        return False  # "Youth worker, east Leeds": a job, not a name
    if words[0].lower() in ("a", "an", "the") or name.lower() in _NOT_NAMES:
        return False
    return name_ok(name)


# -- who the reporter is ----------------------------------------------------------------------

# A household few others have: how many children, fostering, an ethnicity or faith.
_HOUSEHOLD = (
    r"(?:single|lone)\s+(?:mum|mam|mom|dad|parent|mother|father)\s+(?:of|with|to)\s+(?:\d+|"
    r"two|three|four|five|six|seven|eight|nine|ten|twins|triplets|quads)\b[^.!?\n,]{0,20}|"
    r"foster\s+(?:carer|parent|mum|dad|mam)|wheelchair\s+user|blue\s+badge\s+holder|"
    r"refugee|asylum\s+seeker|amputee|(?:" + NATIONALITY + r")(?:\s+(?:woman|man|lady|lad|"
    r"girl|family|mum|dad|mother|father|household|couple))"
)
_I_AM_A_RE = re.compile(
    r"\b(?:i['’]m|(?-i:im)|i\s+am|we['’]re|we\s+are|as)\s+(?:a|an|the\s+only)\s+(?:\w+\s+)?"
    r"(?:" + _HOUSEHOLD + r")\b",
    re.IGNORECASE,
)
_CONDITION = (
    r"autis\w*|asperger\w*|deaf|blind|disabled|disability|wheelchair|mobility\s+scooter|"
    r"dementia|alzheimer\w*|parkinson\w*|down['’]?s(?:\s+syndrome)?|cerebral\s+palsy|"
    r"learning\s+disabilit\w+|adhd|epilep\w+|sight\s+impair\w*|hearing\s+impair\w*|"
    r"partially\s+sighted|registered\s+blind|oxygen|dialysis|heart\s+condition|terminal\w*|"
    r"cancer|multiple\s+sclerosis|stroke|housebound|bed-?bound|ptsd|non-?verbal|"
    r"special\s+needs|sen\b"
)
_RELATION = (
    r"son|daughter|boy|girl|lad|lass|kid|kids|child|children|husband|wife|partner|mum|mam|mom|"
    r"dad|nan|gran|grandson|granddaughter|brother|sister|grandad|twins|triplets"
)
_CONDITION_RE = re.compile(
    r"\b(?:i\s+(?:have|use|need)|i['’]ve\s+got|"
    r"(?:my|our)\s+(?:(?:little|eldest|oldest|youngest|older|younger|teenage|\w+-year-old)\s+)?"
    r"(?:" + _RELATION + r")(?:\s+(?-i:[A-Z])[\w'’-]+)?(?:\s+(?:is|has|uses|needs|was|['’]s))|"
    r"(?:he|she)['’]?s\s+(?:\d{1,2}\s+and\s+(?:he|she)\s+(?:has|is)\s+))"
    r"[^.!?\n]{0,40}?\b(?:" + _CONDITION + r")\b",
    re.IGNORECASE,
)
_SENTENCE_HAS_RELATION_RE = re.compile(r"\b(?:my|our)\s+(?:" + _RELATION + r")\b", re.IGNORECASE)
# "I work at the Costa in the Grand Arcade", "I farm at Tŷ Isaf", "I do the paper round on
# Breck Road": a job at a named place.
_WORK_RE = re.compile(
    r"\b(?:i|we|me)\s+(?:work|works|worked|volunteer|help\s+out|teach|taught|farm|run|own|"
    r"manage|clean|cook|serve|coach|do\s+the\s+[\w-]+(?:\s+round)?|drive\s+the\s+[\w-]+|"
    r"look\s+after\s+the\s+[\w-]+)\s+(?:(?:nights|days|weekends|part[\s-]time|full[\s-]time|"
    r"shifts)\s+)?(?:at|in|for|on|round)\s+(?:the\s+)?(?-i:[A-Z])[\w'’&-]+"
    r"(?:\s+(?:(?-i:[A-Z])[\w'’&-]+|in|on|at|the|of))*",
    re.IGNORECASE,
)
_LARGE_PLACE_RE = re.compile(
    r"\b(?:a&e|hospital|infirmary|university|uni|college|council|jobcentre|airport|nhs|police|"
    r"prison|amazon|tesco|asda|sainsbury['’]?s|morrisons|co-?op|aldi|lidl|royal\s+mail|army|navy)\b",
    re.IGNORECASE,
)
_NOT_A_ROLE = (
    r"sick|fed|tired|worried|scared|afraid|concerned|writing|reporting|calling|not|so|really|"
    r"getting|going|sure|glad|happy|sorry|aware|frightened|terrified|disgusted|angry|upset|"
    r"livid|told|stuck|trying|sat|stood|living|outside|inside|back|out|still|just|always|"
    r"never|here|there|now|on|in|at|with|by|from|about|over|looking|waiting|done|made|all"
)
# "im head girl at St Bede's", "I'm the shammes at the Stamford Hill shul".
_I_AM_ROLE_AT_RE = re.compile(
    r"\b(?:i['’]m|(?-i:im)|i\s+am)\s+(?:the\s+)?(?!(?:a|an|" + _NOT_A_ROLE + r")\b)"
    r"(?:(?!(?:" + _NOT_A_ROLE + r")\b)[\w'’-]+\s+){0,3}?(?:at|for|of|in)\s+(?:the\s+)?"
    r"(?-i:[A-Z])[\w'’&-]+(?:\s+(?:(?-i:[A-Z])[\w'’&-]+|of|on))*",
    re.IGNORECASE,
)
_ING_ED_RE = re.compile(r"\b\w+(?:ing|ed)\b", re.IGNORECASE)
# "me and the other dinner ladies at Moor End Primary".
_ME_AND_OTHERS_RE = re.compile(
    r"\b(?:me|us|we)\s+and\s+the\s+other\s+(?:[\w-]+\s+){1,3}?(?:at|from|in)\s+(?:the\s+)?"
    r"(?-i:[A-Z])[\w'’&-]+(?:\s+(?-i:[A-Z])[\w'’&-]+)*",
    re.IGNORECASE,
)
# A text opening with the reporter's job: "Head doorman at Pryzm", "Duty manager, Waterside
# Leisure Centre (emp. no. ...)", "Store manager".
_ROLE_FIRST_RE = re.compile(
    r"\A\s*(?:From\s+the\s+)?(?!The\b|A\b)(?:[A-Z][\w-]*\s+){0,2}(?i:manager|doorman|"
    r"supervisor|officer|warden|marshal|caretaker|steward|lead|coordinator|co-ordinator|keeper|"
    r"receptionist|head|chair|secretary)(?:\s*,\s*|\s+(?:at|of|for)\s+(?:the\s+)?)[A-Z][\w'’&-]+"
    r"(?:\s+[A-Z][\w'’&-]+)*(?:\s*\([^()\n]{3,40}\))?(?=\s*[,.(\n:–—-]|\s+here\b)"
)
# A text opening with the writer's signature: "PC Sophie Barnes, collar number 1187",
# "Crew Manager Davies, Station 21 Blue Watch, service no. 30917", "Health Visitor: Bethan
# Morgan-Price, 0-19 Team, Ystrad Mynach Clinic", "Prevention Officer Siân Hughes, Mid and
# West Wales FRS" on a line of its own.
_ROLE_WORDS = (
    r"(?i:officer|manager|visitor|worker|nurse|lead|teacher|warden|marshal|coordinator|"
    r"co-ordinator|inspector|constable|sergeant|pcso|paramedic|technician|practitioner|"
    r"adviser|advisor|consultant|midwife|gp|doctor|councillor|cllr|chair|secretary|clerk|"
    r"caretaker|supervisor|driver)"
)
_SIGNATURE_FIRST_RE = re.compile(
    r"\A\s*(?:From\s+)?(?P<sig>(?:(?:[A-Z][\w-]*\s+){0,2}" + _ROLE_WORDS + r"\s*:?\s+)?"
    r"(?-i:" + NAME_CORE + r")(?P<parts>(?:\s*,\s*[^,.\n]{2,50}){1,4}|[ \t]*(?=\n)))"
)
_STAFF_LABEL_RE = re.compile(
    r"\b(?:collar|badge|warrant|service|staff|employee|emp|payroll|id)\b", re.IGNORECASE
)


# "my son Alfie", "Our son Raj", "My 16-year-old, Ellie-Mae": the reporter's family by name.
_FAMILY_NAME_RE = re.compile(
    r"\b(?:my|our)\s+(?:(?:little|eldest|oldest|youngest|older|younger|teenage)\s+)?"
    r"(?:son|daughter|boy|girl|husband|wife|grandson|granddaughter|\d{1,2}-year-old|"
    r"step-?(?:son|daughter)|twins|kids|children)\s*,?\s+(?P<name>(?-i:[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)?"
    r"(?:\s+and\s+[A-Z][a-z'’]+)?))\b",
    re.IGNORECASE,
)
# "As ward councillor for Abbey I've had ...": an office for a named place.
_AS_OFFICE_RE = re.compile(
    r"\bAs\s+(?:the\s+)?(?!a\b|an\b)(?:[\w-]+\s+){0,2}?(?:" + ROLE_VOCAB + r"|councillor|mp|"
    r"chair|chairman|clerk)\s+(?:for|of|at|in)\s+(?:the\s+)?(?-i:[A-Z])[\w'’&-]+"
    r"(?:\s+(?-i:[A-Z])[\w'’&-]+)*",
    re.IGNORECASE,
)
# "I live in the refuge": a home few people share.
_SHELTER_RE = re.compile(
    r"\b(?:i|we)\s+(?:live|am\s+living|['’]m\s+living|am\s+staying|['’]m\s+staying|are\s+staying)"
    r"\s+(?:in|at)\s+(?:the|a)\s+(?:women['’]?s\s+)?(?:refuge|hostel|safe\s+house|care\s+home|"
    r"sheltered\s+(?:housing|flats?|accommodation)|halfway\s+house|hotel|b&b)\b",
    re.IGNORECASE,
)
# After the reporter's own name, where they are from: "It's Mandy from Mandy's Cafe on the
# front", "This is the Patel family at Oakfield Post Office", "Its Stan the allotment
# secretary at Hollins Lane allotments", "it's Deano again, the mechanic from Dean's Autos".
_AFTER_OWN_NAME_RE = re.compile(
    r"(?:\s+again)?,?\s+(?:(?:from|at)\s+(?:the\s+)?(?-i:[A-Z])[\w'’&-]+(?:\s+(?:(?-i:[A-Z])"
    r"[\w'’&-]+|on|in|at|of|the|by))*|the\s+(?:[\w-]+\s+){0,2}?(?:" + ROLE_VOCAB + r")\b"
    r"[^.!?\n]{0,50}?(?=[.!?\n,]|$)"
    r")",
    re.IGNORECASE,
)


def _who(
    text: str, lowered: str, openers: Sequence[int], name_ends: Sequence[int] = ()
) -> list[Look]:
    out: list[Look] = []
    for match in matches_at(_FAMILY_NAME_RE, text, openers):
        if name_ok(match.group("name")) and not quoted(text, match.start()):
            out.append(Look("SELF_REFERENCE", *match.span("name"), "the reporter's family"))
    for pattern in (_AS_OFFICE_RE, _SHELTER_RE):
        for match in matches_at(pattern, text, openers):
            out.append(Look("SELF_REFERENCE", *match.span(), "who the reporter is"))
    for end in name_ends:
        if end > HEAD:
            continue
        after = _AFTER_OWN_NAME_RE.match(text, end)
        if after is not None:
            start = after.start() + len(after.group(0)) - len(after.group(0).lstrip(" ,"))
            out.append(Look("SELF_REFERENCE", start, after.end(), "who the reporter is"))
    for match in matches_at(_I_AM_A_RE, text, openers):
        out.append(Look("SELF_REFERENCE", *match.span(), "who the reporter is"))
    for match in matches_at(_CONDITION_RE, text, openers):
        head = match.group(0)[:6].lower()
        if head.startswith(("he", "she")) and not _SENTENCE_HAS_RELATION_RE.search(
            text, max(0, match.start() - 200), match.start()
        ):
            continue  # "she's 10 and has autism": whose child, only if the reporter's
        out.append(Look("SELF_REFERENCE", *match.span(), "a condition in the household"))
    for match in matches_at(_WORK_RE, text, openers):
        if _LARGE_PLACE_RE.search(match.group(0)):
            continue  # one of hundreds who work there
        out.append(Look("SELF_REFERENCE", *match.span(), "where the reporter works"))
    for match in matches_at(_I_AM_ROLE_AT_RE, text, openers):
        words = match.group(0).split()
        if any(_ING_ED_RE.fullmatch(w) for w in words[1:-1]):
            continue
        out.append(Look("SELF_REFERENCE", *match.span(), "the reporter's role at a named place"))
    for match in matches_at(_ME_AND_OTHERS_RE, text, openers):
        out.append(Look("SELF_REFERENCE", *match.span(), "where the reporter works"))
    signature = _SIGNATURE_FIRST_RE.match(text)
    if signature is not None:
        sig = signature.group("sig")
        head = sig.split(",")[0]
        has_role = re.search(_ROLE_WORDS + r"\b", head) is not None
        name = NAME_RE.search(head.split(":")[-1])
        if (
            (has_role or _STAFF_LABEL_RE.search(signature.group("parts")))
            and name is not None
            and name_ok(name.group(0))
        ):
            out.append(Look("SIGNATURE", *signature.span("sig"), "the writer's signature, opening"))
    first = _ROLE_FIRST_RE.match(text)
    if first is not None:
        out.append(
            Look(
                "SIGNATURE",
                first.start() + len(first.group(0)) - len(first.group(0).lstrip()),
                first.end(),
                "the reporter's job, opening the text",
            )
        )
    return out


# "oh-seven-seven-oh-oh, nine-oh-oh, four-four-one": a phone number read out in a transcript.
_DIGIT_WORD = r"(?:oh|o|zero|nought|one|two|three|four|five|six|seven|eight|nine)"
_SPELLED_PHONE_RE = re.compile(
    r"\b(?:(?:double|triple)[\s-]+)?"
    + _DIGIT_WORD
    + r"(?:[\s,.-]+(?:(?:double|triple)[\s-]+)?"
    + _DIGIT_WORD
    + r"){8,14}\b",
    re.IGNORECASE,
)
_REPEATS = {"double": 2, "triple": 3}


def _spelled_phones(text: str, lowered: str) -> list[Look]:
    """Phone numbers read out in words (ten digits or more, "double"/"triple" counted)."""
    if "seven" not in lowered and "one" not in lowered:
        return []
    out: list[Look] = []
    for match in _SPELLED_PHONE_RE.finditer(text):
        words = re.findall(r"[a-z]+", match.group(0).lower())
        digits, repeat = 0, 1
        for word in words:
            if word in _REPEATS:
                repeat = _REPEATS[word]
                continue
            digits += repeat
            repeat = 1
        if 10 <= digits <= 13:
            out.append(Look("PHONE", *match.span(), "a phone number read out in words"))
    return out


# -- the reporter's address -------------------------------------------------------------------

_ADDRESS = (
    r"(?:(?:top|bottom|ground[\s-]floor|first[\s-]floor|upstairs|downstairs)\s+flat\s+(?:at\s+)?|"
    r"flat\s+\d+[a-z]?,?\s+|room\s+\d+[a-z]?,?\s+(?:block\s+\w+\s+(?:of\s+)?)?)?"
    r"(?:no\.?\s*|number\s+)?\d{1,4}[a-z]?,?\s+(?:(?-i:[A-Z])[\w'’-]+\s+){0,3}(?-i:" + STREET + r")"
    r"\b(?:,\s*(?-i:[A-Z])[a-z]+(?:\s+(?-i:[A-Z])[a-z]+)?)?"
)
_OWN_ADDRESS_RE = re.compile(
    r"\b(?:i\s+live\s+(?:at|in|on)|(?:i['’]m|(?-i:im)|i\s+am)\s+(?:at|in|from)|living\s+at|"
    r"(?:have|has|we['’]ve|i['’]ve)\s+lived\s+at|my\s+(?:address|house|home|flat)\s+is|"
    r"here\s+from)\s+(?P<address>"
    # "I live at Bramble End": a house with a name and no number.
    r"(?<=live\sat\s)(?-i:[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+){0,2})(?=[,.\s])|"
    + _ADDRESS
    + r"|(?-i:[A-Z])[\w'’-]+(?:\s+(?-i:[A-Z])"
    r"[\w'’-]+)?\s+(?-i:" + STREET + r")\b|room\s+\d+[^.!?\n]{0,50})",
    re.IGNORECASE,
)
_MY_HOUSE_NUMBER_RE = re.compile(
    r"\b(?:my|our)\s+(?:house|home|flat|door|place)\s*\((?P<address>(?:no\.?\s*|number\s+)?"
    r"\d{1,4}[a-z]?)\)",
    re.IGNORECASE,
)
_ADDRESS_AFTER_NAME_RE = re.compile(
    r"(?:\s*[,(]|\s+from)\s*(?P<address>" + _ADDRESS + r")", re.IGNORECASE
)


def _addresses(text: str, openers: Sequence[int], name_ends: list[int]) -> list[Look]:
    out: list[Look] = []
    for match in matches_at(_OWN_ADDRESS_RE, text, openers):
        out.append(Look("REPORTER_ADDRESS", *match.span("address"), "the reporter's address"))
    for match in matches_at(_MY_HOUSE_NUMBER_RE, text, openers):
        out.append(Look("REPORTER_ADDRESS", *match.span("address"), "the reporter's address"))
    for name_end in name_ends:
        address = _ADDRESS_AFTER_NAME_RE.match(text, name_end)
        if address is not None:
            out.append(Look("REPORTER_ADDRESS", *address.span("address"), "the reporter's address"))
    return out


def second_look(text: str, name_ends: Sequence[int] = ()) -> list[Look]:
    """Every span the broad patterns above flag, possibly overlapping (the caller keeps the
    parts no other finding covers). ``name_ends``: where names the rules found as the
    reporter's end (an address straight after one is the reporter's too)."""
    lowered = text.lower()
    openers = opener_positions(text, lowered)
    names = _names(text, lowered, openers)
    ends = [*name_ends, *(n.end for n in names)]
    return [
        *names,
        *_sign_offs(text),
        *_who(text, lowered, openers, ends),
        *_addresses(text, openers, ends),
        *staff_ids(text, ends),
        *_spelled_phones(text, lowered),
    ]
