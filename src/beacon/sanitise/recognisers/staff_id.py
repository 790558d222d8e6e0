"""Staff, officer and professional numbers (``STAFF_ID``): the patterns and the test of
whether a number is the reporter's own. ``SignOffRecognizer`` (signature.py) runs them."""

from __future__ import annotations

import re

RANK_ID_RE = re.compile(r"(?:PCSO|PC|DC|DS|DI|DCI|PS|Sgt|SC)\.?\s?\d{2,6}\b")

_ID_NOUN = r"(?:number|no\.?|num|id|code|#)"
# A number read out in a voice-to-text transcript: "collar number four four one two".
_SPOKEN_VALUE = (
    r"(?:(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|double|treble|triple)"
    r"(?:[ \t]+|(?=[,.;)\n]|$))){3,8}"
)
STAFF_ID_RE = re.compile(
    r"\b(?P<label>(?:my[ \t]+)?"
    r"(?:(?:staff|employee|officer|driver|payroll|personnel|works|member|fleet|taxi|cab|"
    r"radio|vehicle|unit|operator|operative|agent|service|pcso|police|locker|colleague|worker|"
    r"carer|practitioner)[ \t]*" + _ID_NOUN + r""
    # "employee 22981", "payroll 88213", "I'm driver 0917": the noun may be left out.
    r"|(?:employee|payroll|colleague|personnel|driver|operative|operator)(?=[ \t]*:?[ \t]*\d)"
    r"|staff(?=[ \t]*:)"
    # "CEO number 114": an acronym for the job (see _ACRONYM_LABEL_RE).
    r"|(?-i:(?!(?:NHS|CAD|PNC|CRN|URN|VRM|NI|MOT|PIN|IMEI|UPRN|ASB|CCTV|ID|PO|GP|UK)\b)[A-Z]{2,5})"
    r"[ \t]+(?:number|no\.?)"
    r"|call[ \t-]?sign"
    r"|(?:collar|shoulder|warrant(?:[ \t]+card)?|badge|sia(?:[ \t]+licen[cs]e)?|licen[cs]e|bleep|"
    r"pager|id(?:[ \t]+(?:card|badge))?|smart[ \t]*card)(?:[ \t]*" + _ID_NOUN + r")?"
    r"|(?:hcpc|nmc|gmc|gphc|swe)(?:[ \t]+(?:reg(?:istration)?\.?|number|no\.?|pin))?"
    r"(?:[ \t]+(?:number|no\.?))?"
    r"|social[ \t]+work[ \t]+england[ \t]+(?:reg(?:istration)?\.?|number|no\.?|pin)"
    r"(?:[ \t]+(?:number|no\.?))?))"
    r"[ \t]*(?:is[ \t]+|:[ \t]*|-[ \t]*|#[ \t]*)?"
    r"(?P<value>(?-i:(?=[A-Z0-9/-]*\d)[A-Z0-9][A-Z0-9/-]{1,15})(?:[ ]\d{2,6}){0,3}(?![\w-])"
    r"|(?-i:[A-Z]{2,5})(?=[ \t]*(?:$|[|,;)\n]))|" + _SPOKEN_VALUE + r")"
    r"(?![ \t]*(?:times?|years?|yrs?|months?|weeks?|days?|hours?|mins?|minutes?|people|kids|"
    r"of|am|pm|%)\b)",
    re.IGNORECASE | re.MULTILINE,
)
# The words a staff-number label starts with: the pattern runs only where one of them is
# (found with str.find, much faster than running the pattern at every position).
_STAFF_ID_HEADS = (
    "staff",
    "employee",
    "officer",
    "driver",
    "payroll",
    "personnel",
    "works",
    "member",
    "fleet",
    "taxi",
    "cab",
    "radio",
    "vehicle",
    "unit",
    "operator",
    "agent",
    "service",
    "pcso",
    "police",
    "locker",
    "call",
    "collar",
    "shoulder",
    "warrant",
    "badge",
    "sia",
    "licen",
    "bleep",
    "pager",
    "id",
    "smart",
    "hcpc",
    "nmc",
    "gmc",
    "gphc",
    "swe",
    "social",
    "colleague",
    "worker",
    "carer",
    "practitioner",
    "operative",
)
# An acronym naming the job before "number" ("CEO number 114"): its start, found from the
# "number"/"no." after it.
_LABEL_PREFIX_RE = re.compile(r"[ \t]*[A-Za-z]{1,12}[ \t]*/[ \t]*")
_ACRONYM_LABEL_RE = re.compile(r"(?<![\w-])[A-Z]{2,5}[ \t]+$")
_MY_BEFORE_RE = re.compile(r"\bmy[ \t]+$", re.IGNORECASE)
I_AM_BEFORE_RE = re.compile(
    r"\b(?:i['’]?m|im|i\s+am|this\s+is|it['’]?s|it\s+is)\s+$", re.IGNORECASE
)
DIGIT_RE = re.compile(
    r"\d|\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)\b", re.IGNORECASE
)
# Registration with a professional body, or a security licence: a number of one person.
REGISTRATION_RE = re.compile(r"\b(?:hcpc|nmc|gmc|gphc|swe|sia|social\s+work\s+england)\b", re.I)


def staff_id_matches(text: str) -> list[re.Match[str]]:
    """Every staff-number label with its value, tried only where a label word starts."""
    lowered = text.lower()
    starts: set[int] = set()
    for head in _STAFF_ID_HEADS:
        position = lowered.find(head)
        while position >= 0:
            if position == 0 or not lowered[position - 1].isalnum():
                mine = _MY_BEFORE_RE.search(text, max(0, position - 4), position)
                starts.add(mine.start() if mine else position)
            position = lowered.find(head, position + 1)
    for noun in (" number", " no"):
        position = text.find(noun)
        while position >= 0:
            acronym = _ACRONYM_LABEL_RE.search(text, max(0, position - 6), position + 1)
            if acronym is not None:
                starts.add(acronym.start())
            position = text.find(noun, position + 1)
    found: list[re.Match[str]] = []
    end = -1
    for start in sorted(starts):
        if start < end:
            continue
        match = STAFF_ID_RE.match(text, start)
        if match is not None:
            found.append(match)
            end = match.end()
    return found


_THIRD_PERSON_RE = re.compile(r"\b(?:his|her|their|him|them|he|she|they)\b", re.IGNORECASE)
_TITLED_PERSON_RE = re.compile(
    r"\b(?:PCSO|PC|DC|DS|Sgt|Sergeant|Insp|Inspector|Officer|Constable|Dr|Mr|Mrs|Ms|Miss|"
    r"Nurse)\.?\s+(?:\d{2,6}\s+)?[A-Z][a-z]"
)
_FIRST_PERSON_RE = re.compile(r"\b(?:i|i'm|im|i’m|my|me)\b", re.IGNORECASE)
# "Bus driver here, ...", "PC Woodward here ...": the writer introducing themselves.
_HERE_INTRO_RE = re.compile(
    r"^\s*(?:(?:it['’]?s|its|this\s+is)\s+)?(?:[\w'’.-]+\s+){1,4}here\b", re.IGNORECASE
)
_THIS_IS_RE = re.compile(
    r"^\s*(?:(?:hi|hello|hiya|morning|afternoon|evening)[,.!]?\s+)?(?:this\s+is|it['’]s)\s+"
    r"(?:the\s+)?(?!about\b|regarding\b|re\b|on\b|in\b|at\b|been\b|not\b|all\b|always\b|"
    r"never\b|just\b|still\b|happening\b|got\b|getting\b|going\b|like\b|so\b|too\b|"
    r"really\b|very\b|now\b|same\b)",
    re.IGNORECASE,
)
# "It's on the CCTV, the bus was fleet number ...": a sentence about a thing, not an
# introduction.
_ABOUT_A_THING_RE = re.compile(r"\b(?:was|were|is|are|has|had)\b", re.IGNORECASE)
NOT_ID_LABEL_RE = re.compile(r"\b(?:ref|reference|incident|crime|case|log|cad)\b", re.IGNORECASE)


def first_person_number(text: str, start: int, label: str) -> bool:
    """The number is the reporter's: "my driver number", or a first-person sentence with
    nobody else named between the reporter and the number."""
    if label.lower().startswith("my"):
        return True
    sentence_start = max(
        text.rfind(".", 0, start), text.rfind("\n", 0, start), text.rfind("!", 0, start)
    )
    window = text[sentence_start + 1 : start]
    if _HERE_INTRO_RE.match(window):
        return True  # "Bus driver here, driver no. 4410"
    intro = _THIS_IS_RE.match(window)
    if intro is not None:
        # "This is the duty manager at Aldi - Kim Oates, colleague no. 55102"
        return (
            _THIRD_PERSON_RE.search(window, intro.end()) is None
            and _TITLED_PERSON_RE.search(window, intro.end()) is None
            and _ABOUT_A_THING_RE.search(window, intro.end()) is None
        )
    mentions = list(_FIRST_PERSON_RE.finditer(window))
    if not mentions:
        return False
    after = mentions[-1].end()
    # "My name is Sue and PC Reid (badge 5521) was rude": another officer in between.
    return (
        _THIRD_PERSON_RE.search(window, after) is None
        and _TITLED_PERSON_RE.search(window, after) is None
    )


# Between the reporter's name and their number: punctuation and a few lower-case words
# ("here,", "(DSL),", "store 314,"), never a sentence break or another person.
_BETWEEN_RE = re.compile(r"[\s,;:()\-–—|]*(?:(?:[a-z'’]+|[A-Z]{2,5}|\d+)[\s,;:()\-–—|]+){0,4}")


def after_owner(text: str, start: int, owners: list[tuple[int, int]]) -> bool:
    """The number follows, on the same line and in the same sentence, a name or signature
    already found to be the reporter's ("Carer: Ruth Ingham, employee 22981", "it's PC
    Hannah Cole here, collar number 2291", "Anika Sharma (DSL), staff no. T40871")."""
    return any(
        owner_end <= start
        and start - owner_end <= 60
        and _BETWEEN_RE.fullmatch(text, owner_end, start) is not None
        and not _THIRD_PERSON_RE.search(text, owner_end, start)
        for _, owner_end in owners
    )


def in_closing_lines(text: str, start: int, lines: int = 3) -> bool:
    """The number starts a line among the text's last few non-blank lines (where a
    signature is, even one with no closing word or name the rules know)."""
    line_start = text.rfind("\n", 0, start) + 1
    # Nothing before it on the line but perhaps a first label ("Ref/staff: BCC-EH-0917").
    if text[line_start:start].strip() and not _LABEL_PREFIX_RE.fullmatch(text, line_start, start):
        return False
    following = [line for line in text[start:].split("\n")[1:] if line.strip()]
    if len(following) >= lines:
        return False
    line_end = text.find("\n", start)
    line_end = len(text) if line_end < 0 else line_end
    # A line of its own, as in a signature: nothing but the number ("Officer number 4412
    # attended" is a sentence about someone).
    match = STAFF_ID_RE.match(text, start)
    rest = text[match.end() if match else start : line_end]
    return not rest.strip(" \t.,;|") and _THIRD_PERSON_RE.search(text, line_start, line_end) is None


def third_person_before(text: str, start: int) -> bool:
    """Someone else between the sentence start and the number: a third-person word ("his
    badge ...") or a titled name ("Dr Hussain (GMC 7011223) prescribed ...")."""
    sentence_start = max(
        text.rfind(".", 0, start), text.rfind("\n", 0, start), text.rfind("!", 0, start)
    )
    return (
        _THIRD_PERSON_RE.search(text, sentence_start + 1, start) is not None
        or _TITLED_PERSON_RE.search(text, sentence_start + 1, start) is not None
    )


# After the number in a header: punctuation, a place in brackets, or the line's end ("Private
# hire badge 0673 (Norwich).", "CEO number 114, Walsall Council"), never a verb ("Officer
# number 4412 attended").
_HEADER_END_RE = re.compile(r"[ \t]*(?:\([^)\n]{0,30}\))?[ \t]*(?:[,.;:|\n]|$)")
_OPENING_SENTENCES_RE = re.compile(r"[.!?]+\s|\n")
_ABOUT_RE = re.compile(r"\b(?:about|regarding|concerning|re)\b(?!:)", re.IGNORECASE)
# "Submitted by PCSO 6218, ...", "Report from PC 4410."
_BY_LINE_RE = re.compile(
    r"(?:^|[.!?\n]\s*)(?:(?:report(?:ed)?|submitted|sent|written|logged|raised|message|"
    r"concern|intel(?:ligence)?)\s+)?(?:by|from)\s+$",
    re.IGNORECASE,
)
# "I'm a Special, SC 3391, and ...": the reporter's rank and number in apposition.
I_AM_ROLE_BEFORE_RE = re.compile(
    r"\b(?:i['’]?m|im|i\s+am)\s+(?:(?:a|an|the)\s+)?[\w-]+(?:\s+[\w-]+)?\s*,\s*$",
    re.IGNORECASE,
)


def opening_number(text: str, start: int, end: int, *, rank: bool = False) -> bool:
    """A staff number in the text's header, its first or second sentence with nobody else
    in it ("Civil enforcement officer, CEO number 114, Walsall Council.", "Bin crew, Tuesday
    round, Bilston. Employee 30442.", "From the Dudley CCTV control room, operator ID 0452."):
    how staff open a report about what they saw at work. A rank and number ("PCSO 6218")
    counts only in a by-line ("Submitted by PCSO 6218,")."""
    prefix = text[:start]
    if len(prefix) > 160 or len(_OPENING_SENTENCES_RE.findall(prefix)) > 1:
        return False
    if _HEADER_END_RE.match(text, end) is None:
        return False
    if (
        _THIRD_PERSON_RE.search(prefix)
        or _TITLED_PERSON_RE.search(prefix)
        or _ABOUT_RE.search(prefix)
    ):
        return False
    return not rank or _BY_LINE_RE.search(prefix) is not None


def rank_in_apposition(text: str, start: int, end: int) -> bool:
    """ "I'm a Special, SC 3391, and I live ...": a rank and number after the reporter's
    role, followed by punctuation."""
    return (
        I_AM_ROLE_BEFORE_RE.search(text, max(0, start - 40), start) is not None
        and _HEADER_END_RE.match(text, end) is not None
    )
