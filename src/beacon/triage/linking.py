"""Entity resolution across reports: which mentions in which reports are one phone, one car,
one address, one person.

``resolve(mentions, decisions=...)`` is pure (no database, no I/O): mentions in, a frozen
``Resolution`` out. The service layer stores mentions and analysts' decisions and calls it.

How mentions link:

- **Exact.** Mentions whose *value key* (``value_key(type, value)``: ``"phone:+447700900123"``;
  case-folded for people and nicknames, ``"person:jordan reilly"``) is the same are one entity.
  The extractor already normalises values (E.164 phones, "Rd" -> "Road", title case), so two
  spellings of one number or street meet here. No ``MatchReason`` is kept per mention: an
  entity's ``keys`` are its exact groups.
- **Fuzzy**, for ``person``, ``nickname`` and ``address`` only (the other types are formats;
  a phone one digit off is another phone). Every fuzzy merge keeps a ``MatchReason`` (rule,
  score, the two value keys). Thresholds (rapidfuzz scores, 0-100):

  - ``person-name``: titles ("Mr", "PC" ...) set aside and compared only when both have one
    (they must then be equal); punctuation dropped; names of two or more words only (a lone
    "Tyler" or "Mr Okafor" links exactly or not at all); ``token_sort_ratio`` >= 90
    (``PERSON_THRESHOLD``) and each word, paired in sorted order, ``ratio`` >= 75
    (``PERSON_WORD_THRESHOLD``). "Jordan Reilly" ~ "Jordan Reily" scores 96 and links;
    "Jordan Riley" and "Jordan Kelly" score 88 and do not (often different families), nor
    "Aaron Featherstone" ~ "Alan Featherstone" (91 in all, but "Aaron" ~ "Alan" 67:
    brothers, say).
  - ``nickname-compact``: equal once spaces, dots, dashes and apostrophes are removed ("Lil T",
    "lil-t", "LilT"): score 100. ``nickname-name``: a common prefix ("big", "lil", "young" ...)
    equal or absent on both, and what follows it, compacted, of at least 6 characters
    (``NICKNAME_MIN_LENGTH``) with ``ratio`` >= 90 (``NICKNAME_THRESHOLD``): a letter added or
    dropped in a longer name ("Smokeyy"), never "Smokey" ~ "Smokie" (83) nor "Big Deentham" ~
    "Big Beentham" (88), since nicknames are often near each other on purpose.
  - addresses are read as (flat, house number, street name, street type, town). The flat
    number, the house number and the street type must be equal, always: "14 Mill Lane" and
    "16 Mill Lane" never link, nor "14 Mill Lane" and "14 Mill Road", nor "Flat 3, 14 Mill
    Lane" and "14 Mill Lane" (an analyst can confirm that one). ``address-fuzzy``: street names
    with ``ratio`` >= 85 (``STREET_THRESHOLD``: "Mill" ~ "Mil" 86, not "Mill" ~ "Hill" 75) and
    towns equal or ``ratio`` >= 85 (``TOWN_THRESHOLD``); the score is the lower of the two.
    ``address-town-missing``: an address without a town ("14 Mill Lane", so also "14 mill ln")
    links to the same street with a town only when every such address in the data is in one
    town; with "14 Mill Lane, Leeds" and "14 Mill Lane, Bradford" both present it stays apart.

- **Blocking**, so the work is not quadratic: people are compared only with people whose
  sorted name words start with the same letters ("jordan reilly" and "reilly jordan" both in
  block "jr"); nicknames with the same prefix and the same first letter after it; addresses
  with the same (flat, house number, street type). Within a block rapidfuzz's ``cdist`` scores
  all pairs in C. A block of more than ``MAX_BLOCK`` (2,000) names is split again (people and
  nicknames by the first two letters of each word, addresses by the street name's first
  letter). So a typo in the first letter of a person's or nickname's word is never matched,
  and one in the second letter (first, for street names) only outside crowded blocks.

Analysts' decisions (``Decision``: ``confirm`` or ``split`` of two value keys) are honoured
with union-find and cannot-link sets: splits are applied first, so a split pair is never in
one entity, not through a chain of other matches either; confirmations next (always merged,
unless that would join a split pair: then the split wins and the confirmation is listed in
``Resolution.conflicts``); then the fuzzy matches, strongest first. A fuzzy match that a split
blocks is listed in ``Resolution.refused``.

Entity ids are ``type:canonical value`` (the value key of the member mentioned most, then the
longest, then the first in sort order: ``"person:jordan reilly"``). Output order is sorted
throughout, so the same input gives the same ids and order; an id changes only when the data
makes another member the most mentioned.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, cast

import numpy as np
from rapidfuzz import fuzz, process

from beacon.triage.entities import ENTITY_TYPES, Entity, EntityType

Source = Literal["text", "subject"]
DecisionKind = Literal["confirm", "split"]

FUZZY_TYPES: frozenset[str] = frozenset({"person", "nickname", "address"})
PERSON_THRESHOLD = 90.0
PERSON_WORD_THRESHOLD = 75.0
NICKNAME_THRESHOLD = 90.0
NICKNAME_MIN_LENGTH = 6
STREET_THRESHOLD = 85.0
TOWN_THRESHOLD = 85.0
MAX_BLOCK = 2000
# Rows of a block scored per rapidfuzz call: bounds the score matrix (rows x block, float32).
_CHUNK_ROWS = 256


def value_key(entity_type: str, value: str) -> str:
    """What mentions of one entity share, with its type: ``"phone:+447700900123"``,
    ``"person:jordan reilly"`` (people and nicknames case-folded, as ``Entity.key``)."""
    if entity_type in ("person", "nickname"):
        value = " ".join(value.casefold().split())
    return f"{entity_type}:{value}"


def key_type(key: str) -> str:
    """The entity type of a value key."""
    return key.partition(":")[0]


@dataclass(frozen=True, slots=True)
class Mention:
    """One entity in one report. ``value`` is normalised (as ``extract_entities`` gives it);
    ``text`` is the span as written, kept for the analyst's view and never exported."""

    report_id: str
    entity_type: EntityType
    value: str
    text: str = ""
    district: str | None = None
    themes: tuple[str, ...] = ()
    received_on: date | None = None
    source: Source = "text"
    ward: str | None = None

    def __post_init__(self) -> None:
        if self.entity_type not in ENTITY_TYPES:
            raise ValueError(f"unknown entity type {self.entity_type!r}")
        if self.source not in ("text", "subject"):
            raise ValueError(f"source must be 'text' or 'subject', not {self.source!r}")
        if isinstance(self.themes, str):  # one theme given as a string
            object.__setattr__(self, "themes", (self.themes,))
        elif not isinstance(self.themes, tuple):
            object.__setattr__(self, "themes", tuple(self.themes))

    @property
    def key(self) -> str:
        return value_key(self.entity_type, self.value)

    @classmethod
    def from_entity(
        cls,
        report_id: str,
        entity: Entity,
        *,
        district: str | None = None,
        ward: str | None = None,
        themes: Iterable[str] = (),
        received_on: date | None = None,
        source: Source = "text",
    ) -> Mention:
        return cls(
            report_id=report_id,
            entity_type=entity.type,
            value=entity.value,
            text=entity.text,
            district=district,
            themes=tuple(themes),
            received_on=received_on,
            source=source,
            ward=ward,
        )


@dataclass(frozen=True, slots=True)
class Decision:
    """An analyst's decision on two value keys of one type: ``confirm`` (always one entity) or
    ``split`` (never one entity). Keys are normalised as ``value_key`` does, so
    ``"person:Jordan Reilly"`` and ``"person:jordan reilly"`` are the same key."""

    kind: DecisionKind
    a: str
    b: str

    def __post_init__(self) -> None:
        if self.kind not in ("confirm", "split"):
            raise ValueError(f"decision kind must be 'confirm' or 'split', not {self.kind!r}")
        keys = []
        for key in (self.a, self.b):
            kind, sep, value = key.partition(":")
            if not sep or kind not in ENTITY_TYPES or not value:
                raise ValueError(f"not a value key ('type:value'): {key!r}")
            keys.append(value_key(kind, value))
        a, b = keys
        if key_type(a) != key_type(b):
            raise ValueError(f"a decision links two values of one type, not {a!r} and {b!r}")
        if a == b:
            raise ValueError(f"a decision needs two different values, not {a!r} twice")
        object.__setattr__(self, "a", a)
        object.__setattr__(self, "b", b)


@dataclass(frozen=True, slots=True)
class MatchReason:
    """Why two value keys are one entity (or would have been: ``Resolution.refused``).
    ``a`` sorts before ``b``."""

    rule: str
    score: float
    a: str
    b: str


@dataclass(frozen=True, slots=True)
class ResolvedEntity:
    id: str
    type: EntityType
    value: str  # as most often written for the canonical key
    keys: tuple[str, ...]  # member value keys, sorted
    mentions: tuple[Mention, ...]  # in input order
    reasons: tuple[MatchReason, ...]  # one per merge of two keys (a spanning tree)

    @property
    def report_ids(self) -> tuple[str, ...]:
        return tuple(sorted({m.report_id for m in self.mentions}))

    @property
    def districts(self) -> tuple[str, ...]:
        return tuple(sorted({m.district for m in self.mentions if m.district}))

    @property
    def values(self) -> tuple[str, ...]:
        """Every normalised value the members were written as, sorted."""
        return tuple(sorted({m.value for m in self.mentions}))


@dataclass(frozen=True)
class Resolution:
    entities: tuple[ResolvedEntity, ...]  # sorted by id
    refused: tuple[MatchReason, ...] = ()  # fuzzy matches a split decision blocked
    conflicts: tuple[Decision, ...] = ()  # confirmations that would join a split pair
    ignored: tuple[Decision, ...] = ()  # decisions naming a value no mention has
    entity_of_key: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    _by_id: Mapping[str, ResolvedEntity] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {e.id: e for e in self.entities})

    def get(self, entity_id: str) -> ResolvedEntity:
        return self._by_id[entity_id]

    def entity_for(self, key: str) -> ResolvedEntity:
        """The entity a value key (``"person:Jordan Reily"``) belongs to; KeyError if none."""
        kind, _, value = key.partition(":")
        return self._by_id[self.entity_of_key[value_key(kind, value)]]

    def of_type(self, entity_type: str) -> tuple[ResolvedEntity, ...]:
        return tuple(e for e in self.entities if e.type == entity_type)


# --------------------------------------------------------------------------------------------
# Union-find with cannot-link sets
# --------------------------------------------------------------------------------------------


class _Links:
    """Union-find over value-key indices. ``cannot[root]`` holds the roots it must never join;
    the sets are kept in terms of current roots, so a split binds whole groups."""

    __slots__ = ("cannot", "parent", "size")

    def __init__(self, count: int) -> None:
        self.parent = list(range(count))
        self.size = [1] * count
        self.cannot: dict[int, set[int]] = {}

    def find(self, item: int) -> int:
        parent = self.parent
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def forbid(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.cannot.setdefault(ra, set()).add(rb)
        self.cannot.setdefault(rb, set()).add(ra)
        return True

    def union(self, a: int, b: int) -> Literal["merged", "same", "forbidden"]:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return "same"
        if rb in self.cannot.get(ra, ()):
            return "forbidden"
        if (self.size[ra], -ra) < (self.size[rb], -rb):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        moved = self.cannot.pop(rb, None)
        if moved:
            for other in moved:
                others = self.cannot[other]
                others.discard(rb)
                others.add(ra)
            self.cannot.setdefault(ra, set()).update(moved)
        return "merged"


# --------------------------------------------------------------------------------------------
# Resolution
# --------------------------------------------------------------------------------------------

# (score, rule, a, b) with a < b
_Candidate = tuple[float, str, str, str]


def resolve(mentions: Iterable[Mention], *, decisions: Iterable[Decision] = ()) -> Resolution:
    """Group ``mentions`` into entities: exact on value keys, fuzzy for people, nicknames and
    addresses, with the analysts' ``decisions`` honoured (see the module docstring)."""
    mentions = tuple(mentions)
    members: dict[str, list[int]] = defaultdict(list)
    for index, mention in enumerate(mentions):
        members[mention.key].append(index)
    keys = sorted(members)
    position = {key: i for i, key in enumerate(keys)}
    links = _Links(len(keys))
    merges: list[MatchReason] = []
    refused: list[MatchReason] = []
    conflicts: list[Decision] = []
    ignored: list[Decision] = []

    decided = sorted(set(decisions), key=lambda d: (d.kind != "split", d.a, d.b))
    for decision in decided:
        if decision.a not in position or decision.b not in position:
            ignored.append(decision)
        elif decision.kind == "split":
            links.forbid(position[decision.a], position[decision.b])
    for decision in decided:
        if decision.kind != "confirm" or decision in ignored:
            continue
        a, b = sorted((decision.a, decision.b))
        outcome = links.union(position[a], position[b])
        if outcome == "forbidden":
            conflicts.append(decision)
        elif outcome == "merged":
            merges.append(MatchReason("confirmed", 100.0, a, b))

    by_type: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        by_type[key_type(key)].append(key)
    candidates: list[_Candidate] = []
    candidates.extend(_person_candidates(by_type.get("person", [])))
    candidates.extend(_nickname_candidates(by_type.get("nickname", [])))
    candidates.extend(_address_candidates(by_type.get("address", [])))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2], c[3]))
    for score, rule, a, b in candidates:
        outcome = links.union(position[a], position[b])
        if outcome == "merged":
            merges.append(MatchReason(rule, score, a, b))
        elif outcome == "forbidden":
            refused.append(MatchReason(rule, score, a, b))

    groups: dict[int, list[str]] = defaultdict(list)
    for key in keys:
        groups[links.find(position[key])].append(key)
    reasons_of: dict[int, list[MatchReason]] = defaultdict(list)
    for reason in merges:
        reasons_of[links.find(position[reason.a])].append(reason)

    entities: list[ResolvedEntity] = []
    entity_of_key: dict[str, str] = {}
    for root, group in groups.items():
        canonical = min(group, key=lambda k: (-len(members[k]), -len(k), k))
        written = Counter(mentions[i].value for i in members[canonical])
        value = min(written, key=lambda v: (-written[v], v))
        indices = sorted(i for k in group for i in members[k])
        entity = ResolvedEntity(
            id=canonical,
            type=cast(EntityType, key_type(canonical)),
            value=value,
            keys=tuple(group),
            mentions=tuple(mentions[i] for i in indices),
            reasons=tuple(sorted(reasons_of[root], key=lambda r: (r.a, r.b))),
        )
        entities.append(entity)
        for key in group:
            entity_of_key[key] = canonical
    entities.sort(key=lambda e: e.id)
    return Resolution(
        entities=tuple(entities),
        refused=tuple(refused),
        conflicts=tuple(conflicts),
        ignored=tuple(ignored),
        entity_of_key=entity_of_key,
    )


def block_of(key: str) -> str:
    """The coarse block a value key is compared within: every key it could ever link to by a
    fuzzy rule has the same block. Stored beside each mention so that linking one new report
    re-resolves only the blocks it touches (``resolve`` over a block's mentions gives the same
    entities as over all mentions). Formats link exactly, so their block is the key itself."""
    kind = key_type(key)
    if kind == "person":
        parts = _person_parts(key)
        return key if parts is None else f"person~{_initials(parts[1])}"
    if kind == "nickname":
        # "Lil T" and "LilT" link compacted, so the block is the compacted first letter.
        compact = _COMPACT_RE.sub("", key.partition(":")[2])
        return f"nickname~{compact[:1]}" if compact else key
    if kind == "address":
        parsed = _parse_address(key)
        return key if parsed is None else "address~" + "|".join(parsed.block)
    return key


# --------------------------------------------------------------------------------------------
# Scoring within blocks
# --------------------------------------------------------------------------------------------


def _similar_pairs(
    strings: Sequence[str], threshold: float, scorer: Callable[..., float] = fuzz.ratio
) -> list[tuple[int, int, float]]:
    """(i, j, score) for i < j whose score reaches ``threshold``, scored in C by ``cdist`` a
    chunk of rows at a time."""
    found: list[tuple[int, int, float]] = []
    count = len(strings)
    if count < 2:
        return found
    for lo in range(0, count - 1, _CHUNK_ROWS):
        hi = min(count - 1, lo + _CHUNK_ROWS)
        scores = process.cdist(
            strings[lo:hi], strings[lo:], scorer=scorer, score_cutoff=threshold, dtype=np.float32
        )
        # Keep only columns right of the diagonal (j > i).
        rows, cols = np.nonzero(np.triu(scores, 1))
        for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
            found.append((lo + row, lo + col, round(float(scores[row, col]), 1)))
    return found


def _blocks(
    items: Iterable[str],
    first: Callable[[str], str],
    second: Callable[[str], str],
) -> list[list[str]]:
    """Distinct ``items`` grouped by ``first``; a group above ``MAX_BLOCK`` split by
    ``second``. Sorted, so the result does not depend on input order."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for item in sorted(set(items)):
        grouped[first(item)].append(item)
    blocks: list[list[str]] = []
    for block_key in sorted(grouped):
        block = grouped[block_key]
        if len(block) <= MAX_BLOCK:
            blocks.append(block)
            continue
        finer: dict[str, list[str]] = defaultdict(list)
        for item in block:
            finer[second(item)].append(item)
        blocks.extend(finer[k] for k in sorted(finer))
    return blocks


def _pair(rule: str, score: float, a: str, b: str) -> _Candidate:
    return (score, rule, a, b) if a < b else (score, rule, b, a)


# --------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------

_TITLES = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sgt", "insp", "cllr", "rev", "pc", "pcso"}
    | {"dc", "ds", "di"}
)
_PUNCTUATION_RE = re.compile(r"[^\w\s]")


def _person_parts(key: str) -> tuple[str | None, str] | None:
    """(title, the name's words sorted and joined) for a name of two or more words."""
    words = _PUNCTUATION_RE.sub("", key.partition(":")[2]).split()
    title = None
    if len(words) > 1 and words[0] in _TITLES:
        title, words = words[0], words[1:]
    if len(words) < 2:
        return None
    return title, " ".join(sorted(words))


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split())


def _initials2(name: str) -> str:
    return " ".join(w[:2] for w in name.split())


Named = list[tuple[str | None, str]]  # (title, value key) of people with one name


def _person_candidates(keys: Sequence[str]) -> list[_Candidate]:
    by_name: dict[str, Named] = defaultdict(list)
    for key in keys:
        parts = _person_parts(key)
        if parts is not None:
            by_name[parts[1]].append((parts[0], key))
    found: list[_Candidate] = []

    def add(score: float, left: Named, right: Named) -> None:
        for title_a, a in left:
            for title_b, b in right:
                if a != b and (title_a is None or title_b is None or title_a == title_b):
                    found.append(_pair("person-name", score, a, b))

    for same in by_name.values():  # one name, different titles or punctuation
        if len(same) > 1:
            for i, item in enumerate(same):
                add(100.0, [item], same[i + 1 :])
    for block in _blocks(by_name, _initials, _initials2):
        for i, j, score in _similar_pairs(block, PERSON_THRESHOLD, fuzz.ratio):
            # The words are sorted already: ratio here is token_sort_ratio.
            if _words_alike(block[i], block[j]):
                add(score, by_name[block[i]], by_name[block[j]])
    return found


def _words_alike(a: str, b: str) -> bool:
    """Each word like its counterpart (the block has the same count and initials): one
    surname with two given names, "Aaron" and "Alan", is two people."""
    return all(
        fuzz.ratio(x, y) >= PERSON_WORD_THRESHOLD for x, y in zip(a.split(), b.split(), strict=True)
    )


# --------------------------------------------------------------------------------------------
# Nicknames
# --------------------------------------------------------------------------------------------

_COMPACT_RE = re.compile(r"[\s.\-_'’]")
_NICKNAME_PREFIXES = frozenset(
    {"big", "little", "lil", "young", "yung", "mad", "baby", "fat", "tall", "wee", "old"}
    | {"skinny", "small"}
)


def _nickname_core(value: str) -> tuple[str, str]:
    """(prefix word or "", the rest compacted): "big bee-tham" -> ("big", "beetham")."""
    first, _, rest = value.partition(" ")
    prefix = _COMPACT_RE.sub("", first)
    if rest and prefix in _NICKNAME_PREFIXES:
        return prefix, _COMPACT_RE.sub("", rest)
    return "", _COMPACT_RE.sub("", value)


def _core_block(core: str) -> str:
    prefix, _, rest = core.partition(" ")
    return f"{prefix} {rest[0]}"


def _core_block2(core: str) -> str:
    prefix, _, rest = core.partition(" ")
    return f"{prefix} {rest[:2]}"


def _nickname_candidates(keys: Sequence[str]) -> list[_Candidate]:
    by_compact: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        compact = _COMPACT_RE.sub("", key.partition(":")[2])
        if compact:
            by_compact[compact].append(key)
    found: list[_Candidate] = []
    for same in by_compact.values():
        found.extend(_pair("nickname-compact", 100.0, same[0], other) for other in same[1:])
    # Fuzzy on the part after the prefix, compared only under one prefix (or none). Keys of
    # by_core are "prefix rest" (prefix may be empty; neither has spaces).
    by_core: dict[str, list[str]] = defaultdict(list)
    for same in by_compact.values():
        prefix, rest = _nickname_core(same[0].partition(":")[2])
        if len(rest) >= NICKNAME_MIN_LENGTH:
            by_core[f"{prefix} {rest}"].append(same[0])
    for block in _blocks(by_core, _core_block, _core_block2):
        cores = [c.partition(" ")[2] for c in block]
        for i, j, score in _similar_pairs(cores, NICKNAME_THRESHOLD):
            for a in by_core[block[i]]:
                for b in by_core[block[j]]:
                    found.append(_pair("nickname-name", score, a, b))
    return found


# --------------------------------------------------------------------------------------------
# Addresses
# --------------------------------------------------------------------------------------------

# The extractor's value: "[Flat 3, ]14 Mill Lane[, Leeds]" or "Flat 14, Elm Court[, Leeds]".
ADDRESS_VALUE_RE = re.compile(
    r"(?:(?:Flat|Apartment|Apt|Unit)\s+(?P<flat>[0-9]{1,4}[A-Za-z]?),?\s+)?"
    r"(?:(?P<number>[0-9]{1,4}[A-Za-z]?(?:-[0-9]{1,4}[A-Za-z]?)?)\s+)?"
    r"(?P<name>[^,]+?)\s+(?P<type>[A-Za-z]+)"
    r"(?:\s*,\s*(?P<town>[^,]+?))?\s*",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Address:
    key: str
    block: tuple[str, str, str]  # (flat, number, street type), case-folded
    name: str
    town: str | None


def _parse_address(key: str) -> _Address | None:
    match = ADDRESS_VALUE_RE.fullmatch(key.partition(":")[2])
    if match is None or not (match["flat"] or match["number"]):
        return None
    town = match["town"]
    return _Address(
        key=key,
        block=(
            (match["flat"] or "").casefold(),
            (match["number"] or "").casefold(),
            match["type"].casefold(),
        ),
        name=" ".join(match["name"].casefold().split()),
        town=" ".join(town.casefold().split()) if town else None,
    )


def _address_candidates(keys: Sequence[str]) -> list[_Candidate]:
    blocks: dict[tuple[str, str, str], list[_Address]] = defaultdict(list)
    for key in keys:
        parsed = _parse_address(key)
        if parsed is not None:
            blocks[parsed.block].append(parsed)
    found: list[_Candidate] = []
    for block_key in sorted(blocks):
        found.extend(_address_block(blocks[block_key]))
    return found


def _address_block(addresses: list[_Address]) -> list[_Candidate]:
    if len(addresses) < 2:
        return []
    names = sorted({a.name for a in addresses})
    if len(names) > MAX_BLOCK:  # a crowded block: compare names sharing a first letter only
        similar: list[tuple[int, int, float]] = []
        starts: dict[str, list[int]] = defaultdict(list)
        for i, name in enumerate(names):
            starts[name[0]].append(i)
        for indices in starts.values():
            sub = [names[i] for i in indices]
            similar.extend(
                (indices[i], indices[j], s) for i, j, s in _similar_pairs(sub, STREET_THRESHOLD)
            )
    else:
        similar = _similar_pairs(names, STREET_THRESHOLD)
    # Street-name neighbours of each name, itself included with score 100.
    near: dict[str, dict[str, float]] = {name: {name: 100.0} for name in names}
    for i, j, score in similar:
        near[names[i]][names[j]] = score
        near[names[j]][names[i]] = score
    by_name: dict[str, list[_Address]] = defaultdict(list)
    for address in addresses:
        by_name[address.name].append(address)

    found: list[_Candidate] = []
    for name in names:
        for other, name_score in near[name].items():
            if other < name:
                continue
            for a in by_name[name]:
                for b in by_name[other]:
                    if a.key >= b.key and name == other:
                        continue  # each pair once
                    if a.town is not None and b.town is not None:
                        town_score = 100.0 if a.town == b.town else fuzz.ratio(a.town, b.town)
                        if town_score >= TOWN_THRESHOLD:
                            score = round(min(name_score, town_score), 1)
                            found.append(_pair("address-fuzzy", score, a.key, b.key))
                    elif a.town is None and b.town is None:
                        found.append(_pair("address-fuzzy", name_score, a.key, b.key))
                    else:
                        townless = a if a.town is None else b
                        towns = {
                            t.town
                            for n in near[townless.name]
                            for t in by_name[n]
                            if t.town is not None
                        }
                        if len(towns) == 1:
                            found.append(_pair("address-town-missing", name_score, a.key, b.key))
    return found
