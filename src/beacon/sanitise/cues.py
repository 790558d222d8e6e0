"""Whose a contact detail, postcode, registration or date of birth is, from the words around
it: the cue patterns and the contact-detail rule (rule 3 of ``detect.py``'s docstring)."""

from __future__ import annotations

import re
from typing import Literal

from beacon.sanitise.recognisers import (
    organisation_address,
    quoted,
    section_owner,
    subject_contact,
)

Action = Literal["redact", "flag"]


# --------------------------------------------------------------------------------------------
# Context cues
# --------------------------------------------------------------------------------------------

_CONTACT_NOUN = (
    r"(?:number|no\.?|num|phone|mobile|mob|cell|landline|line|tel|telephone|contact(?:\s+details)?"
    r"|details|e-?mail(?:\s+address)?|address|whats\s?app|snap(?:chat)?|insta(?:gram)?|handle|"
    r"account|profile|page|facebook|fb|tiktok|website|site|burner)s?"
)
# Filler words between a possessive and its noun, never another possessive ("my dad his number").
_FILLER = r"(?:(?!(?:his|her|their|my|our)\b)[\w'’]+\s+){0,2}?"
FIRST_PERSON_CONTACT_RE = re.compile(
    r"\b(?:my|our)\s+" + _FILLER + _CONTACT_NOUN + r"(?:'s|’s)?\b"
    r"|\b(?:call|ring|phone|text|txt|contact|reach|email|e-mail|message|msg|whatsapp|dm|"
    r"get\s+hold\s+of|get|find|reply\s+to|write\s+to)\s+(?:me|us)\b"
    r"|\b(?:i'?m|i’m|im|i\s+am|we'?re|we\s+are)\s+on\b"
    r"|\bme\s+on\b|\bi\s+can\s+be\s+(?:reached|contacted|called)\b|\(\s*(?:mine|me|home|work)\s*\)"
    r"|\bmine\b|\b(?:home|work)\s+(?:number|phone|tel|no)\b|\bmy\s+details\b",
    re.IGNORECASE,
)
# Verbs of someone using or handing out a number ("the lad gives out", "Tyler uses").
_THIRD_PARTY_VERBS = (
    r"(?:uses|using|used|use|gives?\s+out|gave\s+out|giving\s+out|hands?\s+out|handed\s+out|"
    r"handing\s+out|advertis\w*|promot\w*|sells\s+(?:on|from|through)|posts|posted|operates|"
    r"operating|runs|running|trades?\s+(?:on|as)|deals\s+(?:on|from)|goes\s+by)"
)
THIRD_PARTY_CONTACT_RE = re.compile(
    r"\b(?:his|her|their|hes|he's|she's|theyre|they're|them|dealers?'?s?|dealers’|"
    r"the\s+[\w\-]+(?:'s|’s|s')|(?<!\bmy\s)(?<!\bour\s)(?-i:[A-Z][a-z]+)(?:'s|’s))\s+"
    + _FILLER
    + _CONTACT_NOUN
    + r"\b"
    r"|(?<!\bi\s)(?<!\bwe\s)(?<!\bi'll\s)\b" + _THIRD_PARTY_VERBS + r"\b"
    r"|\b(?:he|she|they)\s*(?:'s|’s|is|are|'re|’re|was|were)\s+(?:on|using|always\s+on)\b"
    r"|\b(?:call|ring|text|phone|message)\s+(?:him|her|them)\b"
    r"|\btext\s+(?:this|the|that)\s+number\b|\bnumber\s+to\s+(?:buy|order|text|call|ring)\b"
    r"|\bto\s+(?:buy|order|score)\b|\bfor\s+['\"‘]?(?:orders|deliveries|drops|food|bits|weed|"
    r"drugs|work)\b"
    r"|\b(?:got|get|getting|received|receiving|had|sent|been\s+getting)\s+(?:a\s+|some\s+|"
    r"loads\s+of\s+)?(?:texts?|messages?|calls?|e-?mails?|threats?|threatening\s+messages)\s+"
    r"from\b"
    r"|\b(?:messages?|texts?|calls?|e-?mails?)\s+(?:all\s+)?(?:come\s+|came\s+)?from\b"
    r"|\bfrom\s+the\s+number\b|\bnumber\s+(?:he|she|they|his|her|their)\b"
    r"|\b(?:county\s+line|deal\s+line|burner|line\s+(?:number|is|called))\b"
    # An organisation's number: "I rang the council on ...", "the helpline number is ..."
    r"|\b(?:rang|rung|called|phoned|contacted|ring|call|phone|contact|emailed|e-mailed|"
    r"messaged|tried)\s+(?:the\s+)?(?:council|"
    r"helpline|crimestoppers|police|housing(?:\s+office)?|office|surgery|school|nhs|samaritans|"
    r"asb\s+team|switchboard|reception|letting\s+agents?|agency)\b"
    r"|\b(?:council|helpline|crimestoppers|housing|switchboard|reception|office|nhs|samaritans|"
    r"non-emergency)(?:['’]s)?\s+(?:number|line|phone|hotline|no)\b"
    r"|\b(?:cards?|flyers?|leaflets?|sprayed|graffiti|written\s+on|adverts?|ads?|scam|scams|"
    r"scammers?|dealers?|dealer's|plug|account|fake|pretend\w*|impersonat\w*|phishing|bogus|"
    r"dodgy|suspicious)\b",
    re.IGNORECASE,
)
# "There's also a second phone ...": the same owner as the number before it.
CONTINUATION_RE = re.compile(
    r"\b(?:second|another|other|2nd|third|new|also|too)\b[^.!?\n]{0,20}$", re.IGNORECASE
)
FIRST_PERSON_VEHICLE_RE = re.compile(
    r"\b(?:my|our|me)\s+(?:own\s+|new\s+|old\s+|\w+\s+)?(?:car|van|vehicle|motor|bike|motorbike|"
    r"moped|scooter|truck|lorry|campervan|caravan|reg|registration|plate|number\s+plate)"
    r"(?:'s|’s)?\b[^.!?\n]{0,30}$",
    re.IGNORECASE,
)
FIRST_PERSON_POSTCODE_RE = re.compile(
    r"\b(?:my|our)\s+(?:[\w'’]+\s+)?(?:post\s?code|postal\s+code|address|house|flat|home)\b"
    r"[^.!?\n]{0,25}$|\b(?:i|we)\s+(?:live|stay|am|'m|’m|are|'re)\b[^.!?\n]{0,40}$",
    re.IGNORECASE,
)
THIRD_PARTY_DOB_RE = re.compile(r"\b(?:his|her|their|he|she|they)\b[^.!?\n]{0,25}$", re.I)
# "Mr Stephen Crabtree (DOB 04/02/1961)", "Jason Reeve, DOB ...": someone named in the report.
NAMED_DOB_RE = re.compile(
    r"(?-i:[A-Z][a-z'’\-]+)\s*[(,\-–]\s*(?:d\.?o\.?b\.?|date\s+of\s+birth|born)\s*[:\-]?\s*$",
    re.IGNORECASE,
)
SENTENCE_BREAK_RE = re.compile(r"[.!?]+\s+(?=[A-Za-z])|\n")
PASSPORT_CONTEXT_RE = re.compile(r"passport", re.IGNORECASE)


def sentence_left(text: str, start: int, width: int) -> str:
    window = text[max(0, start - width) : start]
    breaks = list(SENTENCE_BREAK_RE.finditer(window))
    return window[breaks[-1].end() :] if breaks else window


def sentence_right(text: str, end: int, width: int) -> str:
    window = text[end : end + width]
    found = SENTENCE_BREAK_RE.search(window)
    return window[: found.start() + 1] if found else window


def nearest_cue(window: str, *, from_right: bool) -> tuple[str, str] | None:
    """The cue nearest the detail in ``window``: ('first'|'third', cue text)."""
    best: tuple[int, int, str, str] | None = None
    for kind, pattern in (("first", FIRST_PERSON_CONTACT_RE), ("third", THIRD_PARTY_CONTACT_RE)):
        for match in pattern.finditer(window):
            # Distance to the detail: from the cue's end (left window) or start (right window).
            distance = match.start() if from_right else len(window) - match.end()
            length = match.end() - match.start()
            key = (distance, -length, kind, match.group(0))
            if best is None or key[:2] < best[:2]:
                best = key
    if best is None:
        return None
    return best[2], best[3].strip()


# A form field about someone else: "Subject of concern: ...", "Suspect's phone: ...".
OTHER_FIELD_RE = re.compile(
    r"^[ \t]*[^:\n]{0,40}\b(?:concern|subject|suspect|perpetrator|offender|alleged|nominal|"
    r"child|young\s+person|victim|client|patient|pupil|service\s+user|person\s+of)\b[^:\n]{0,30}:"
    r"[^\n]*$",
    re.IGNORECASE,
)


# An e-mail header naming who received the message, not who wrote it.
RECIPIENT_LINE_RE = re.compile(
    r"^[ \t>]*(?:to|cc|bcc|sent\s+to)[ \t]*:", re.IGNORECASE | re.MULTILINE
)


# The form's or message's own contact field ("Tel:", "From:", "Your email:"): the sender's.
OWN_FIELD_RE = re.compile(
    r"^[ \t]*(?:your\s+)?(?:tel(?:ephone)?|phone|mob(?:ile)?|contact(?:\s+(?:number|no\.?|"
    r"details))?|e-?mail(?:\s+address)?|from|sender)(?:\s+(?:number|no\.?))?[ \t]*[:.\-][ \t]*"
    # ... and another number given on the same field: "Tel: 07700 900123 / 07700 900124".
    r"(?:[\d+() \t/,&-]|\bor\b)*$",
    re.IGNORECASE,
)
# The reader asked to get in touch, the detail straight after: "Ring 07700 ... if they come
# back" (the reporter's number; "text this number to buy" has words between).
IMPERATIVE_CONTACT_RE = re.compile(
    r"(?:^|[.!?\n]\s*|\b(?:please|pls|plz|just|so)\s+)(?:ring|call|phone|text|whatsapp|"
    r"contact|reach)(?:\s+(?:on|me))?\s*:?\s*$",
    re.IGNORECASE,
)


def _own_field(text: str, start: int) -> str | None:
    """Why a contact detail with no cue is the reporter's: the form's own contact field, or
    the reader asked to ring it."""
    line_start = text.rfind("\n", 0, start) + 1
    if OWN_FIELD_RE.match(text[line_start:start]) and section_owner(text, line_start) != "other":
        return "the form's or message's own contact field"
    if IMPERATIVE_CONTACT_RE.search(text[max(0, start - 40) : start]):
        return "the reader is asked to get in touch on it"
    return None


def _field_owner(text: str, start: int, end: int) -> str | None:
    """Why a contact detail with no cue may be someone else's: a form field or section about
    another person, a recipient line, quoted material, or ``ownership.subject_contact``."""
    line_start = text.rfind("\n", 0, start) + 1
    if OTHER_FIELD_RE.match(text[line_start:start]):
        return "in a form field about someone else"
    if RECIPIENT_LINE_RE.match(text, line_start):
        return "on a message's recipient line"
    if organisation_address(text, line_start, start):
        return "an automated or organisation's address, not a person's"
    if quoted(text, start):
        return "in quoted material: for the human sanitiser to decide"
    if ":" in text[line_start:start] and section_owner(text, line_start) == "other":
        return "in a form section about someone else"
    return subject_contact(text, start, end)


NO_CUE = "no cue whose it is: for the human sanitiser to decide"
REPORTER_NEIGHBOURHOOD = 150  # characters either side: a sign-off block's name and number


def contact_action(
    text: str, start: int, end: int, previous: tuple[int, Action] | None = None
) -> tuple[Action, str]:
    """Redact or flag a phone number, e-mail, handle or URL from the words around it.

    ``previous`` is the end and action of the contact detail just before this one, if any: a
    detail with no cue of its own that continues a flagged one ("... also a second phone X",
    within 120 characters) is flagged too."""
    left_window = sentence_left(text, start, 80)
    left = nearest_cue(left_window, from_right=False)
    cue = left or nearest_cue(sentence_right(text, end, 60), from_right=True)
    if cue is None:
        if (
            previous is not None
            and previous[1] == "flag"
            and start - previous[0] <= 120
            and CONTINUATION_RE.search(text[max(previous[0], start - 40) : start])
        ):
            return "flag", "continues a third-party detail before it"
        owner = _field_owner(text, start, end)
        if owner is not None:
            return "flag", owner
        own = _own_field(text, start)
        if own is not None:
            return "redact", own
        return "flag", NO_CUE
    kind, words = cue
    if kind == "first":
        return "redact", f"first-person context: '{words}'"
    return "flag", f"third-party context: '{words}'"
