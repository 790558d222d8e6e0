"""Where a first-person statement stops: the end of a clause naming an address ("I live at
5 Oakwood Drive, LS8 2QT and ...") and of a statement of who the reporter is ("I'm the only
one on the street with a guide dog so ..."), and the trimming of a span's edges."""

from __future__ import annotations

import re

from beacon.sanitise.recognisers.vocabulary import STREET_WORDS

MAX_CLAUSE = 80
MAX_STATEMENT = 130
# Where a residence clause stops.
CLAUSE_STOP_RE = re.compile(
    r"[.!?](?=\s|$|[\"')])|[;:\n\r]|\s[-–—]\s|&|,|\s\+\s"
    r"|\b(?:and|but|so|because|cos|coz|cuz|where|which|who|whom|whose|when|while|whilst|as|if|"
    r"then|until|till|though|although|since|that|i|we|he|she|they|you|it|there|theres|"
    r"there's|this|these|those|please|pls|plz|can|could|would|will|have|has|had|was|were|is|"
    r"are|with|every|each|its|it's|but|or)\b",
    re.IGNORECASE,
)
# Where a statement of who the reporter is stops (longer: "I'm the only one on the street
# with a guide dog", "I'm the woman with the twins in the pram you'll see every morning").
STATEMENT_STOP_RE = re.compile(
    r"[.!?](?=\s|$|[\"')])|[;:\n\r]|\s[-–—]\s"
    r"|,?\s+(?:so|but|because|cos|coz|if|although|though|yet|that|and|i|we|when|while|whilst|"
    r"to\s+(?:report|say|tell|let|ask|raise|inform|complain|bring|flag|make|pass))\b"
    r"|,",
    re.IGNORECASE,
)
_ABBREVIATIONS = frozenset(
    {"no", "st", "rd", "ave", "dr", "tce", "cres", "nr", "opp", "apt", "approx", "mr", "mrs", "ms"}
)
_POSTCODE_LIKE = r"[A-Z]{1,2}\d[A-Z\d]?(?:\s*\d[A-Z]{2})?"
_POSITION_CONTINUATION_RE = re.compile(
    r"^\s*(?:under|above|below|opposite|next\s+to|behind|directly|right|beneath|underneath)\b"
    r"|^\s*(?-i:" + _POSTCODE_LIKE + r")\s*$",
    re.IGNORECASE,
)
# After a comma, more of an address: a number, a flat, or words naming a street or building.
# A capitalised word alone may be a person ("..., Kelly"), so it ends the span.
_ADDRESS_CONTINUATION_RE = re.compile(
    r"^\s*(?:(?:flat|no\.?|number|apt|unit)\s*)?\d+[a-zA-Z]?\b"
    r"|^\s*(?:[A-Z][\w'’\-]*\s+){0,3}(?-i:"
    + "|".join(w.capitalize() for w in STREET_WORDS.split("|"))
    + r")\b"
)
_PRONOUN_START_RE = re.compile(
    r"^\s*(?:i|we|he|she|they|it|there|the|this|please|and|but|so|im|i'm|its|it's)\b",
    re.IGNORECASE,
)
# "I live with my family in the flat next to the shop": the company is not where.
_WITH_COMPANY_RE = re.compile(
    r"\s+with\s+(?:my|our|me|the)\s+(?:[\w'’-]+\s+){0,2}?(?:family|kids|children|childrens|"
    r"wife|husband|partner|son|daughter|mum|dad|parents|mam|girlfriend|boyfriend|missus|"
    r"nan|gran|grandchildren|grandkids|dog|dogs|cat|cats)\b",
    re.IGNORECASE,
)


def clause_end(text: str, position: int, limit: int = MAX_CLAUSE) -> int:
    """Where the clause that continues at ``position`` ends: at a sentence end or a
    conjunction, pronoun or comma, except that a comma followed by more of an address ("5
    Oakwood Drive, LS8 2QT", "flat 3, under them") and "and" between two capitalised words
    ("Fox and Hounds") do not stop it."""
    hard_limit = min(len(text), position + limit)
    scan = position
    while True:
        match = CLAUSE_STOP_RE.search(text, scan, hard_limit)
        if match is None:
            end = hard_limit
            if end < len(text) and not text[end].isspace():
                space = text.rfind(" ", position, end)
                end = space if space > position else end
            return end
        stop = match.group(0)
        if stop == "." and match.start() + 1 < len(text):
            word = re.search(r"(\w+)$", text[max(position, match.start() - 8) : match.start()])
            following = text[match.start() + 1 : match.start() + 3].lstrip()
            if word and word.group(1).lower() in _ABBREVIATIONS and following[:1].isdigit():
                scan = match.end()
                continue
        if stop == ",":
            nxt = CLAUSE_STOP_RE.search(text, match.end(), hard_limit)
            chunk_end = nxt.start() if nxt else hard_limit
            chunk = text[match.end() : chunk_end]
            if (
                chunk.strip()
                and (
                    _ADDRESS_CONTINUATION_RE.match(chunk) or _POSITION_CONTINUATION_RE.match(chunk)
                )
                and not _PRONOUN_START_RE.match(chunk)
                and len(chunk.split()) <= 5
            ):
                scan = chunk_end
                if nxt is None:
                    return chunk_end
                continue
            return match.start()
        if stop.lower() == "with":
            company = _WITH_COMPANY_RE.match(text, match.start() - 1)
            if company is not None:
                scan = company.end()
                continue
        if stop.lower() == "and" and _names_joined(text, position, match):
            scan = match.end()
            continue
        return match.start()


def statement_end(text: str, position: int, limit: int = MAX_STATEMENT) -> int:
    """Where a statement of who the reporter is ends (the sentence, cut at a new clause)."""
    hard_limit = min(len(text), position + limit)
    scan = position
    while True:
        match = STATEMENT_STOP_RE.search(text, scan, hard_limit)
        if match is None:
            end = hard_limit
            if end < len(text) and not text[end].isspace():
                space = text.rfind(" ", position, end)
                end = space if space > position else end
            return end
        stop = match.group(0)
        if stop == "." and match.start() + 1 < len(text):
            word = re.search(r"(\w+)$", text[max(position, match.start() - 8) : match.start()])
            if word and word.group(1).lower() in _ABBREVIATIONS:
                scan = match.end()
                continue
        if stop.strip().lower() == "and" and _names_joined(text, position, match):
            scan = match.end()
            continue
        if stop == ",":
            # "..., Hughendon" or "..., 7b Moor View Court" go on; ", men deal" does not.
            nxt = re.search(r"[,.;:!?\n]", text[match.end() : hard_limit])
            chunk_end = match.end() + nxt.start() if nxt else hard_limit
            chunk = text[match.end() : chunk_end]
            if chunk.strip() and _ADDRESS_CONTINUATION_RE.match(chunk) and len(chunk.split()) <= 5:
                scan = chunk_end
                continue
            return match.start()
        return match.start()


def _names_joined(text: str, position: int, match: re.Match[str]) -> bool:
    """ "Fox and Hounds", "Mr and Mrs Begum": "and" between two capitalised words that are not
    pronouns."""
    prev_word = re.search(r"(\S+)\s*$", text[position : match.start()])
    next_word = re.match(r"\s*(\S+)", text[match.end() : match.end() + 30])
    return bool(
        prev_word
        and next_word
        and prev_word.group(1)[:1].isupper()
        and next_word.group(1)[:1].isupper()
        and not _PRONOUN_START_RE.match(next_word.group(1))
    )


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while end > start and text[end - 1] in " \t,;:-–(\n\r":
        end -= 1
    while start < end and text[start] in " \t,;:-–(\n\r":
        start += 1
    return start, end
