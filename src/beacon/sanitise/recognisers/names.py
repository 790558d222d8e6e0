"""What a person's name looks like in a report: capitalised words with an optional title or
rank ("Chief Insp. Lorraine Gibb", "Mr & Mrs Kowalczyk", "Bernard and Joyce Whitley"), and
the test that rules out words that are never names."""

from __future__ import annotations

import re

from beacon.sanitise.recognisers.vocabulary import NATIONALITY, NOT_NAME_WORDS, TITLE

# Letters beyond ASCII too: "Tomasz Wiśniewski", "Zoë", "Łukasz", "Ciarán".
_UP = "A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮİĴĶĹĻĽĿŁŃŅŇŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽ"
_LOW = "a-zß-öø-ÿāăąćĉċčďđēĕėęěĝğġģĥħĩīĭįıĵķĺļľŀłńņňōŏőœŕŗřśŝşšţťŧũūŭůűųŵŷźżž"
NAME_WORD = (
    f"[{_UP}](?:[{_LOW}'’]*[{_LOW}]|['’][{_UP}][{_LOW}]+)(?:[{_UP}][{_LOW}'’]+)?"
    f"(?:-[{_UP}][{_LOW}'’]+)?"
)
INITIAL = r"[A-Z]\.?"
NAME_CORE = (
    r"(?:(?:The\s+)?" + TITLE + r"(?:\s*(?:&|and)\s*" + TITLE + r"|\s+" + TITLE + r")?\s+)?"
    r"(?:(?:"
    + INITIAL
    + r"\s*){1,3}\s*"
    + NAME_WORD
    # A couple signing together: "Bernard and Joyce Whitley".
    + r"|"
    + NAME_WORD
    + r"\s+(?:and|&)\s+"
    + NAME_WORD
    + r"(?:\s+"
    + NAME_WORD
    + r"){1,2}"
    + r"|"
    + NAME_WORD
    + r"(?:\s+(?:"
    + INITIAL
    + r"\s+)?"
    + NAME_WORD
    + r"){0,2}"
    # A surname's initial last: "Fatima H.", "Lil T from the rec".
    + r"(?:\s+[A-Z](?:\.|(?=\s*,|\s+(?:from|at|here|x)\b|\s*$)))?)"
)
_NATIONALITY_RE = re.compile(NATIONALITY, re.IGNORECASE)
CAPS_NAME = r"[A-Z]{2,}(?:['’-][A-Z]+)?(?:\s+[A-Z]{2,}(?:['’-][A-Z]+)?){1,2}"
NAME_CORE_RE = re.compile(NAME_CORE + r"|" + CAPS_NAME)
_TITLED_RE = re.compile(r"(?:The\s+)?" + TITLE + r"\s")
_TITLE_ONLY_RE = re.compile(TITLE)


def name_ok(name: str) -> bool:
    """Whether a capitalised run of words can be a person's name."""
    # Not initials, nor the "and" of a couple ("Bernard and Joyce Whitley").
    words = [w for w in re.findall(r"[A-Za-z'’-]+", name) if len(w) > 1 and w != "and"]
    if not words:
        return False
    titled = _TITLED_RE.match(name + " ") is not None
    if len(words) == 1 and not titled and words[0].lower().endswith("ing"):
        return False  # "Trying ...": not a name
    if len(words) == 1 and not titled and _NATIONALITY_RE.fullmatch(words[0]):
        return False  # "I'm Kurdish": who they are, not their name
    if len(words) == 1 and _TITLE_ONLY_RE.fullmatch(name.strip()):
        return False  # "Forwarded by Cllr": a title with no name
    return all(w.lower().strip("'’") not in NOT_NAME_WORDS for w in words) or (
        titled and len(words) >= 2
    )
