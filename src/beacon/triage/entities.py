"""Entities in intelligence reports: phones, vehicles, postcodes, e-mails, handles, addresses,
nicknames and people, each with a normalised value so the same thing written two ways links.

``extract_entities(text)`` is pure (no I/O, no model, no Presidio): precompiled regular
expressions, the word lists in ``entities_names`` and small checks in code. Every result
satisfies ``text[start:end] == entity.text``; results are in text order and never overlap.

Values:

- ``phone``: E.164 (``+447700900123``). UK numbers in any common written form (spaces, dashes,
  dots, brackets, +44, 0044, "(0)") are checked by shape here, not by ``phonenumbers``, which
  rejects Ofcom's drama ranges (07700 900xxx, 020 7946 0xxx, 0113 496 0xxx ...): the national
  number must start 1, 2, 3, 5, 7, 8 or 9 and have a length that prefix allows. A number
  without its leading 0 or +44 is not taken. Numbers from abroad (+33 ..., 00353 ...) are
  validated and formatted by ``phonenumbers``. Not phones: dates ("07.12.2026"), times,
  money, crime references ("13/123456/26") and numbers right after "ref", "log", "incident".
- ``vehicle``: upper case without spaces (``BD19XKF``). The current format (AB12 CDE with a
  real memory tag and age identifier) is taken when written in capitals, or in lower case next
  to a vehicle word ("car", "reg", "plate", makes and models). Prefix (A123 BCD) and suffix
  (ABC 123D) formats need capitals and a vehicle word, or a plate cue ("reg", "plate");
  dateless marks (AB 1234, 1234 AB) need a plate cue right before them.
- ``postcode``: ``LS6 1AB`` (upper case, one space), in any case and spacing, with the postcode
  area and the letters of the outward and inward codes checked. Lower-case "b4 2nd" (text-speak)
  is not a postcode.
- ``email``: lower case; "jo at gmail dot com" is read as ``jo@gmail.com`` for the big
  providers only.
- ``handle``: lower case, ``platform:@name`` when the text names the platform (``instagram``,
  ``snapchat``, ``tiktok``, ``x``, ``telegram``), otherwise ``@name``. The platform is part of
  the value because one name on two platforms may be two people. The span is the name only
  (with its "@" if written), never the platform word. "@ the park" and "@5pm" are not handles.
- ``address``: "Flat 3, 14 Mill Lane, Leeds": a house number (12, 12a, 12-14), optionally
  after "flat/apartment/unit N", one to three name words and a street type, plus a town that
  follows after a comma or is a known town. Words are title-cased, spaces single and
  abbreviations expanded (Rd -> Road, St -> Street, Ln -> Lane, Ave -> Avenue ...), so
  "14 mill ln" and "14 Mill Lane" have the same value. Street types that are ordinary words too
  (Close, Drive, Way, Walk, Hill, View ...) need a capitalised street name or an address cue
  ("lives at", "flat", "number") in lower case. A street without a house number is not an
  address. "flat 14 Elm Court" is "Flat 14, Elm Court" (a flat in a block).
- ``nickname``: the name after "known as", "goes by", "calls himself", "aka", "they call him",
  "nicknamed", or a quoted name after "a lad called"; the value is as written (quotes and
  spaces trimmed) and ``Entity.key`` its case-folded form for comparison.
- ``person``: precision over recall. Taken: a title and a name ("Mr Okafor", "mrs patel", "PC
  Jones"); a capitalised given name from ``entities_names.GIVEN_NAMES`` and a capitalised
  family name ("Jordan Reilly"); a name after a cue ("a lad called Tyler", "her boyfriend Dean",
  "his name is Kyle"), capitalised, or in lower case when it is a known given name; a known
  given name after "called"/"named". Not taken: a lone capitalised word without a cue, two
  capitalised words whose first is not a known given name ("Oluwaseun Adeyemi" without a cue),
  names written in capitals ("DEAN SMITH": in capitals case says nothing), and candidates whose
  second word is a street type, day, month, town, brand, premises or common word. Value: title
  case.

Overlaps: when two candidates share characters, the more specific type wins, in the order
email > phone > postcode > vehicle > handle > address > nickname > person (strictly checked
formats before cue-based readings: "LS6 2AB" after "reg" stays a postcode, "Tyler Reilly" after
"known as" is a nickname, not a person); between candidates of one type the longer wins. The
loser is dropped, not trimmed.

Speed: the digit-bearing types are searched only in small windows around the text's digits,
the cue-based types only after a substring test says their cue words are there, and cue
patterns run on a lower-cased copy of the same length (no ``re.IGNORECASE`` over the whole
text). A 1,000-character report takes well under a millisecond.

Layout: ``entities_base`` has ``Entity`` and what the extractors share; ``entities_numbers``
finds phones, postcodes and vehicles, ``entities_text`` e-mails, handles and addresses,
``entities_people`` nicknames and people; ``entities_names`` holds the word lists. Everything
public is re-exported here, so ``from beacon.triage.entities import X`` works whichever module
defines ``X``.
"""

from __future__ import annotations

from beacon.triage.entities_base import Entity, EntityType, Scan
from beacon.triage.entities_numbers import (
    FOREIGN_PHONE_RE,
    PLATE_CUE_FORWARD_RE,
    PLATE_CUE_RE,
    POSTCODE_AREAS,
    POSTCODE_RE,
    UK_PHONE_RE,
    VEHICLE_CONTEXT_RE,
    VEHICLE_CURRENT_RE,
    VEHICLE_DATELESS_RE,
    VEHICLE_OLD_RE,
    normalise_phone,
    normalise_postcode,
    normalise_vehicle,
    phones,
    postcodes,
    vehicles,
)
from beacon.triage.entities_people import (
    CALLED_RE,
    FULL_NAME_RE,
    LOWER_TITLE_RE,
    NAME_IS_RE,
    NICKNAME_CUE_RE,
    RELATION_RE,
    TITLE_RE,
    nicknames,
    people,
)
from beacon.triage.entities_text import (
    ADDRESS_RE,
    EMAIL_DOMAIN_RE,
    EMAIL_SPELT_RE,
    HANDLE_AT_RE,
    HANDLE_CUE_RE,
    HANDLE_ON_RE,
    addresses,
    emails,
    handles,
)

__all__ = [
    "ADDRESS_RE",
    "CALLED_RE",
    "EMAIL_DOMAIN_RE",
    "EMAIL_SPELT_RE",
    "ENTITY_TYPES",
    "FOREIGN_PHONE_RE",
    "FULL_NAME_RE",
    "HANDLE_AT_RE",
    "HANDLE_CUE_RE",
    "HANDLE_ON_RE",
    "LOWER_TITLE_RE",
    "NAME_IS_RE",
    "NICKNAME_CUE_RE",
    "PLATE_CUE_FORWARD_RE",
    "PLATE_CUE_RE",
    "POSTCODE_AREAS",
    "POSTCODE_RE",
    "RELATION_RE",
    "SPECIFICITY",
    "TITLE_RE",
    "UK_PHONE_RE",
    "VEHICLE_CONTEXT_RE",
    "VEHICLE_CURRENT_RE",
    "VEHICLE_DATELESS_RE",
    "VEHICLE_OLD_RE",
    "Entity",
    "EntityType",
    "extract_entities",
    "normalise_address",
    "normalise_phone",
    "normalise_postcode",
    "normalise_vehicle",
]

ENTITY_TYPES: tuple[EntityType, ...] = (
    "phone",
    "vehicle",
    "postcode",
    "email",
    "handle",
    "address",
    "nickname",
    "person",
)
# Which type keeps a span claimed by two (higher wins); see the module docstring.
SPECIFICITY: dict[str, int] = {
    "email": 8,
    "phone": 7,
    "postcode": 6,
    "vehicle": 5,
    "handle": 4,
    "address": 3,
    "nickname": 2,
    "person": 1,
}


def extract_entities(text: str) -> list[Entity]:
    """Every entity in ``text``, in text order, without overlaps."""
    if not text:
        return []
    scan = Scan(text)
    candidates: list[Entity] = []
    if scan.windows:
        candidates.extend(phones(scan))
        candidates.extend(postcodes(scan))
        candidates.extend(vehicles(scan))
        candidates.extend(addresses(scan))
    candidates.extend(emails(scan))
    candidates.extend(handles(scan))
    candidates.extend(nicknames(scan))
    candidates.extend(people(scan))
    return _resolve(candidates)


def _resolve(candidates: list[Entity]) -> list[Entity]:
    if not candidates:
        return []
    ranked = sorted(candidates, key=lambda e: (-SPECIFICITY[e.type], e.start - e.end, e.start))
    taken = bytearray(max(e.end for e in candidates))  # 1 where a chosen entity lies
    chosen: list[Entity] = []
    for candidate in ranked:
        if taken.find(1, candidate.start, candidate.end) == -1:
            taken[candidate.start : candidate.end] = b"\x01" * (candidate.end - candidate.start)
            chosen.append(candidate)
    chosen.sort(key=lambda e: e.start)
    return chosen


def normalise_address(value: str) -> str | None:
    """The normalised form of one address ("14 mill ln" -> "14 Mill Lane"), or None."""
    found = [e for e in extract_entities(value) if e.type == "address"]
    return found[0].value if len(found) == 1 else None
