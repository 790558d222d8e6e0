"""Nicknames and people: names found by their cue words, titles and the given-name list, with
precision over recall. See ``entities`` for the values each gives.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from beacon.triage.entities_base import Entity, Scan, make_entity, span_len, starts_word, title_case
from beacon.triage.entities_names import (
    GIVEN_NAMES,
    NOT_NAMES,
    NOT_SURNAMES,
    STOP_WORDS,
    STREET_ABBREVIATIONS,
    STREET_TYPES_AMBIGUOUS,
    STREET_TYPES_PLAIN,
    TOWNS,
    word_set,
)

# --------------------------------------------------------------------------------------------
# Nicknames
# --------------------------------------------------------------------------------------------

# Run on the lower-cased text; each alternative starts with its key word (the word's start is
# checked in code) and the match ends where the nickname may begin.
NICKNAME_CUE_RE = re.compile(
    r"(?:known\s+(?:(?:locally|round\s+here|around\s+here|on\s+the\s+streets?|"
    r"to\s+(?:everyone|all|us))\s+)?as"
    r"|(?:goes|going|went)\s+by(?:\s+the\s+name(?:\s+of)?)?"
    r"|call(?:s|ed|ing)?\s+(?:him|her|them)sel(?:f|ves)"
    r"|(?P<call>call(?:s|ed)?\s+(?:him|her|them))"
    r"|aka|a\.k\.a\.?|a/k/a"
    r"|nick-?named|nickname(?:\s+is|'s)?"
    r"|street\s+name(?:\s+is|'s)?"
    r"|(?P<called>called|named)(?=\s*[\"“‘']))"
    r"(?![\w'])[\s:,\-]*"
)
# "they call him X" needs its subject; "call him on 07700..." is an instruction.
_CALL_SUBJECT_RE = re.compile(
    r"\b(?:they|people|everyone|everybody|all|mates|friends|lads|kids|we|i|some|most)\s+$"
)
# 'a lad called "Smokey"': the quotes say it is a nickname; "a line called 'Tommy'" is not one.
_CALLED_PERSON_RE = re.compile(
    r"\b(?:lad|man|bloke|guy|fella|boy|girl|woman|kid|someone|somebody|dealer|youth|one|"
    r"male|female|person|he|she)\s+$"
)
_QUOTED_RE = re.compile(r"[\"'“‘](?P<q>[^\"'“”‘’\n]{1,40})[\"'”’]")
_TOKEN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*(?<!['’\-])")
_GAP_RE = re.compile(r"[ \t]+")
_NICKNAME_PREFIXES = word_set(
    "big little lil lil' young yung mad baby fat tall wee old skinny small"
)
_NICKNAME_GATES = ("known", " by", "call", "aka", "a.k.a", "a/k/a", "nick", "street name", "named")


def _nickname_span(text: str, pos: int) -> tuple[int, int] | None:
    quoted = _QUOTED_RE.match(text, pos)
    if quoted is not None:
        inner = quoted["q"]
        lo = quoted.start("q") + (len(inner) - len(inner.lstrip()))
        hi = quoted.end("q") - (len(inner) - len(inner.rstrip()))
        return (lo, hi) if hi > lo else None
    first = _TOKEN_RE.match(text, pos)
    if first is None:
        return None
    word = first.group(0)
    lowered = word.lower()
    if lowered in STOP_WORDS and lowered not in _NICKNAME_PREFIXES:
        return None  # "known as well", "they call him names"
    if len(word) == 1 and not word.isupper():
        return None
    end = first.end()
    count, previous = 1, lowered
    while count < 3:
        # More words while they are capitalised like the first ("Big Dee"), or follow a
        # nickname prefix ("lil t", "big man").
        space = _GAP_RE.match(text, end)
        following = _TOKEN_RE.match(text, space.end()) if space is not None else None
        if following is None:
            break
        next_word = following.group(0)
        if next_word.lower() in STOP_WORDS or next_word.lower() in NOT_SURNAMES:
            break
        if not (next_word[0].isupper() and word[0].isupper()) and (
            previous not in _NICKNAME_PREFIXES
        ):
            break
        end, count, previous = following.end(), count + 1, next_word.lower()
    if count == 1 and lowered in _NICKNAME_PREFIXES:
        return None  # "known as big" and nothing usable after it
    return first.start(), end


def nicknames(scan: Scan) -> Iterator[Entity]:
    lowered = scan.lowered
    if not any(g in lowered for g in _NICKNAME_GATES):
        return
    text = scan.text
    for match in NICKNAME_CUE_RE.finditer(lowered):
        if not starts_word(lowered, match.start()):
            continue
        if match["call"] and not _CALL_SUBJECT_RE.search(scan.before(match.start(), 20)):
            continue
        if match["called"] and not _CALLED_PERSON_RE.search(scan.before(match.start(), 20)):
            continue
        span = _nickname_span(text, match.end())
        if span is not None:
            start, end = span
            yield make_entity("nickname", " ".join(text[start:end].split()), text, start, end)


# --------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------

_TITLES = {
    "mr": "Mr",
    "mrs": "Mrs",
    "ms": "Ms",
    "miss": "Miss",
    "mx": "Mx",
    "dr": "Dr",
    "prof": "Prof",
    "sgt": "Sgt",
    "insp": "Insp",
    "cllr": "Cllr",
    "rev": "Rev",
    "pc": "PC",
    "pcso": "PCSO",
    "dc": "DC",
    "ds": "DS",
    "di": "DI",
}
_CAP_NAME = r"(?:Mc|Mac|O['’])?[A-Z][a-z]+(?:[\-'’][A-Z][a-z]+)?"
# A capitalised title and one or two capitalised names; the title's start is checked in code.
TITLE_RE = re.compile(
    r"(?P<title>Mrs|Mr|Ms|Miss|Mx|Dr|Prof|Sgt|Insp|Cllr|Rev|PCSO|PC|DC|DS|DI)\.?[ \t]+"
    r"(?P<name>" + _CAP_NAME + r"(?:[ \t]+" + _CAP_NAME + r")?)(?![\w'’])"
)
# "mr okafor", "mrs patel": only these titles, which are nothing else in lower case.
LOWER_TITLE_RE = re.compile(r"(?P<title>mrs|mr|ms)\.?[ \t]+(?P<name>[a-z][a-z'’\-]+)(?![\w'’])")
# A capitalised word not preceded by a letter (so the search can skip to capitals quickly),
# then one or two capitalised names.
FULL_NAME_RE = re.compile(
    r"[A-Z](?<![\w'’][A-Z])(?P<given>[a-z]+)(?P<rest>(?:[ \t]+" + _CAP_NAME + r"){1,2})"
    r"(?![\w'’\-])"
)
_RELATIONS = (
    "boyfriend|girlfriend|partner|husband|wife|ex|son|daughter|brother|sister|mate|friend|pal|"
    "cousin|uncle|aunt|auntie|aunty|neighbour|neighbor|dad|father|mum|mam|mom|mother|"
    "step-?dad|step-?mum|step-?son|step-?daughter|nephew|niece|carer|landlord|landlady|lodger|"
    "grandson|granddaughter|fella|missus"
)
# On the lower-cased text: "her boyfriend Dean", "my neighbour Sandra".
RELATION_RE = re.compile(
    r"(?:his|her|their|my|your|our|the)\s+"
    r"(?:(?:new|older|younger|big|little|eldest|youngest|oldest|ex)[\s\-]+)?"
    r"(?:" + _RELATIONS + r")[ \t,:]+"
)
_RELATION_GATE_RE = re.compile(_RELATIONS)
# Before "called"/"named": a person noun makes any capitalised name a person ("a lad called
# Tyler"); otherwise only a known given name is ("saw Kyle, called Kyle").
CALLED_RE = re.compile(r"(?:called|named)[ \t]+")
_CALLED_CUE_RE = re.compile(
    r"\b(?:(?:a|an|some|this|that|the|one|another)\s+(?:young\s+|older\s+|old\s+)?"
    r"(?:lad|man|bloke|guy|fella|fellow|boy|girl|woman|lass|kid|teenager|teen|youth|person|"
    r"lady|chap|dealer|geezer|driver)|someone|somebody|"
    r"(?:he|she|one\s+of\s+them)(?:'s|’s|\s+is|\s+was))\s+$"
)
NAME_IS_RE = re.compile(r"(?:his|her)\s+(?:real\s+)?name(?:'s|’s|\s+is|\s+was)[ \t,:]+")
_CAP_TOKEN_RE = re.compile(_CAP_NAME + r"(?![\w'’\-])")
_LOWER_TOKEN_RE = re.compile(r"[a-z]+(?![\w'’\-])")


def _surname_ok(word: str) -> bool:
    lowered = word.lower()
    return not (
        lowered in NOT_SURNAMES
        or lowered in NOT_NAMES
        or lowered in TOWNS
        or lowered in STREET_TYPES_PLAIN
        or lowered in STREET_TYPES_AMBIGUOUS
        or lowered in STREET_ABBREVIATIONS
    )


def people(scan: Scan) -> Iterator[Entity]:
    text, lowered = scan.text, scan.lowered
    yield from _titled(scan)
    position = 0
    while (match := FULL_NAME_RE.search(text, position)) is not None:
        # "Saw Jordan Reilly": when the first word is not a given name, look again from the
        # second, so the search does not step over the real name.
        position = match.start("rest")
        given = text[match.start() : match.end("given")]
        if given.lower() not in GIVEN_NAMES:
            continue
        rest = match["rest"].split()
        kept = 0
        for word in rest:
            if not _surname_ok(word):
                break
            kept += 1
        if kept == 0:
            continue
        end = match.start("rest") + span_len(match["rest"], kept)
        position = end
        yield make_entity(
            "person", title_case(" ".join([given, *rest[:kept]])), text, match.start(), end
        )
    if _RELATION_GATE_RE.search(lowered):
        for match in RELATION_RE.finditer(lowered):
            if starts_word(lowered, match.start()):
                yield from _cued_person(text, match.end(), known_only=False)
    if "called" in lowered or "named" in lowered:
        for match in CALLED_RE.finditer(lowered):
            if starts_word(lowered, match.start()):
                cue = _CALLED_CUE_RE.search(scan.before(match.start(), 30))
                yield from _cued_person(text, match.end(), known_only=cue is None)
    if "name" in lowered:
        for match in NAME_IS_RE.finditer(lowered):
            if starts_word(lowered, match.start()):
                yield from _cued_person(text, match.end(), known_only=False)


def _titled(scan: Scan) -> Iterator[Entity]:
    text = scan.text
    for match in TITLE_RE.finditer(text):
        if not starts_word(text, match.start()):
            continue
        words = match["name"].split()
        if not _surname_ok(words[0]):
            continue
        kept = 2 if len(words) > 1 and _surname_ok(words[1]) else 1
        end = match.start("name") + span_len(match["name"], kept)
        value = f"{_TITLES[match['title'].lower()]} {title_case(' '.join(words[:kept]))}"
        yield make_entity("person", value, text, match.start(), end)
    if "mr" not in text and "ms" not in text:
        return
    for match in LOWER_TITLE_RE.finditer(text):
        name = match["name"]
        if starts_word(text, match.start()) and _surname_ok(name):
            value = f"{_TITLES[match['title']]} {title_case(name)}"
            yield make_entity("person", value, text, match.start(), match.end())


def _cued_person(text: str, pos: int, *, known_only: bool) -> Iterator[Entity]:
    """A name right after a cue: capitalised words, or one known given name in lower case.
    With ``known_only`` the first word must be a known given name even when capitalised."""
    first = _CAP_TOKEN_RE.match(text, pos)
    if first is None:
        lower = _LOWER_TOKEN_RE.match(text, pos)
        if lower is not None and lower.group(0) in GIVEN_NAMES:
            yield make_entity("person", title_case(lower.group(0)), text, *lower.span())
        return
    word = first.group(0).lower()
    if word in NOT_NAMES or word in TOWNS or word in NOT_SURNAMES:
        return
    if known_only and word not in GIVEN_NAMES:
        return
    end = first.end()
    space = _GAP_RE.match(text, end)
    if space is not None:
        following = _CAP_TOKEN_RE.match(text, space.end())
        if following is not None and _surname_ok(following.group(0)):
            end = following.end()
    yield make_entity("person", title_case(text[first.start() : end]), text, first.start(), end)
