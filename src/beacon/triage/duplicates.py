"""Near-duplicate reports: the same incident reported twice, in the same place and period, in
similar words. Pure functions; the database wiring and the review page call them.

A pair is suggested when all three hold:

- **Place**: the pins are at most ``max_metres`` apart (great-circle distance), or both reports
  are in the same LSOA, or one has no LSOA and both are in the same ward. Pins are approximate,
  so one LSOA is enough even when the pins are further apart. A report with only a district (or
  no location at all) is never paired: a district is too large to say "same place".
- **Period**: received at most ``max_days`` days apart.
- **Text**: cosine similarity of the two texts at least ``min_similarity`` (below).

Text similarity: TF-IDF over character 3-5-grams within words (scikit-learn's ``char_wb``
analyser, sublinear term frequency, L2 norm), after a normalisation that lower-cases, drops
apostrophes ("don't" = "dont") and expands common text-speak and street abbreviations
(``TEXT_SPEAK``: "u" -> "you", "nite" -> "night", "rd" -> "road" ...). Character n-grams absorb
misspellings ("dealin"/"dealing") and, being a bag of n-grams, word order ("bins set on fire" /
"setting fire to bins"). Chosen over rapidfuzz's token_set_ratio because the IDF weighting lets
rare words (place names, "machete") count for more than common ones ("the", "outside"), and
because scikit-learn is already what the theme classifier uses.

The n-grams are hashed (``HashingVectorizer``, 2**20 buckets), so a name never seen before
still counts, and the IDF comes from the labelled report corpus shipped with the classifier
(``data/corpus/*.jsonl``; an n-gram absent from it gets the largest IDF). A pair's score
therefore depends only on the two texts, never on which other reports are in the batch.
``DEFAULT_MIN_SIMILARITY`` (0.6) sits between rewrites of one incident (0.69-0.89 on the
examples in the tests) and different incidents in the same street (0.50-0.53). The IDF is
computed once per process (about a second).

Speed: reports are blocked before any text is compared. Each report is compared only with
reports in the same LSOA, in the same or a neighbouring grid cell of ``max_metres`` (when it
has a pin), or in the same ward (when one of the two has no LSOA), and within each block only
with reports received within ``max_days`` (a sorted window, found by bisection). The work is
proportional to the number of reports times the size of their window, not to the square of the
number of reports. ``candidate_pairs`` exposes the blocking step.

A merge (``merge_plan``) never deletes or rewrites a report: it keeps both originals and links
the duplicate to a primary ("duplicate of"), which can be undone by removing the link.
"""

from __future__ import annotations

import bisect
import json
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

DEFAULT_MAX_DAYS = 14
DEFAULT_MAX_METRES = 250.0
DEFAULT_MIN_SIMILARITY = 0.6
NGRAM_RANGE = (3, 5)
HASH_FEATURES = 2**20
EARTH_RADIUS_METRES = 6_371_008.8  # IUGG mean radius
METRES_PER_DEGREE_LATITUDE = 111_320.0
PAIR_CHUNK = 50_000  # pairs scored per sparse product, to bound memory

# Text-speak, abbreviations and a few colloquial words, expanded before comparing. Applied to
# both texts alike, so an ambiguous entry ("st": street or saint) does no harm.
TEXT_SPEAK: Mapping[str, str] = {
    "u": "you",
    "ur": "your",
    "r": "are",
    "n": "and",
    "im": "i am",
    "ppl": "people",
    "pple": "people",
    "nite": "night",
    "nites": "nights",
    "2nite": "tonight",
    "2night": "tonight",
    "tonite": "tonight",
    "2day": "today",
    "2moro": "tomorrow",
    "tmrw": "tomorrow",
    "b4": "before",
    "cos": "because",
    "coz": "because",
    "cuz": "because",
    "bc": "because",
    "wiv": "with",
    "wid": "with",
    "thru": "through",
    "abt": "about",
    "bout": "about",
    "wot": "what",
    "wat": "what",
    "wen": "when",
    "hav": "have",
    "evry": "every",
    "every1": "everyone",
    "sum1": "someone",
    "some1": "someone",
    "any1": "anyone",
    "no1": "no one",
    "m8": "mate",
    "m8s": "mates",
    "l8": "late",
    "l8r": "later",
    "txt": "text",
    "txts": "texts",
    "msg": "message",
    "fone": "phone",
    "fones": "phones",
    "kidz": "kids",
    "skool": "school",
    "hse": "house",
    "frm": "from",
    "bk": "back",
    "ova": "over",
    "gd": "good",
    "rd": "road",
    "st": "street",
    "ln": "lane",
    "ave": "avenue",
    "ct": "court",
    "cres": "crescent",
    "sq": "square",
    "mon": "monday",
    "tue": "tuesday",
    "tues": "tuesday",
    "wed": "wednesday",
    "weds": "wednesday",
    "thu": "thursday",
    "thur": "thursday",
    "thurs": "thursday",
    "fri": "friday",
    "sat": "saturday",
    "sun": "sunday",
    "bloke": "man",
    "fella": "man",
    "geezer": "man",
    "chippy": "chip shop",
}

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Candidate:
    """One report as duplicate detection sees it (sanitised text, codes computed at intake)."""

    report_id: str
    text: str
    received_on: date
    lsoa_code: str | None = None
    ward_code: str | None = None
    district_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    themes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError(f"report {self.report_id}: latitude and longitude go together")
        if (
            self.latitude is not None
            and self.longitude is not None
            and not (-90.0 <= self.latitude <= 90.0 and -180.0 <= self.longitude <= 180.0)
        ):
            raise ValueError(
                f"report {self.report_id}: ({self.latitude}, {self.longitude}) "
                "is not a latitude and longitude"
            )

    @property
    def has_pin(self) -> bool:
        return self.latitude is not None


@dataclass(frozen=True)
class DuplicateSuggestion:
    """Reports ``a`` and ``b`` (``a < b``) look like one incident reported twice."""

    a: str
    b: str
    similarity: float  # 0..1, rounded to 3 places
    days_apart: int
    metres_apart: float | None  # None unless both have a pin
    same_area: tuple[str, str] | None  # ("lsoa" | "ward", code) when they share one
    shared_themes: tuple[str, ...]
    first_received: str  # the id received first (``a`` on the same day)
    reason: str


@dataclass(frozen=True)
class MergePlan:
    """A merge described as data: both originals are kept unchanged; ``duplicate`` gets a
    "duplicate of" link to ``primary``. Nothing is deleted, so the merge can be undone."""

    primary: str
    duplicate: str
    keep: tuple[str, str]  # (primary, duplicate): both originals stay as they are
    link: tuple[str, str, str]  # (duplicate, "duplicate_of", primary)
    similarity: float
    reason: str
    description: str


def normalise(text: str) -> str:
    """Lower-cased words without accents or apostrophes, with ``TEXT_SPEAK`` expanded."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    lowered = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    lowered = lowered.replace("'", "").replace("\u2019", "")
    return " ".join(TEXT_SPEAK.get(word, word) for word in _WORD.findall(lowered))


def _hasher() -> Any:
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        analyzer="char_wb",
        ngram_range=NGRAM_RANGE,
        n_features=HASH_FEATURES,
        alternate_sign=False,
        norm=None,
        preprocessor=normalise,
    )


def _reference_texts() -> list[str]:
    from beacon.triage.classifier import corpus_paths

    texts: list[str] = []
    for path in corpus_paths():
        with open(path, encoding="utf-8") as handle:
            texts.extend(json.loads(line)["text"] for line in handle if line.strip())
    if not texts:
        raise RuntimeError("the shipped report corpus is empty: duplicate detection needs it")
    return texts


@lru_cache(maxsize=1)
def _idf() -> Any:
    """IDF per hashed n-gram from the shipped corpus (smoothed as scikit-learn does)."""
    import numpy as np

    texts = _reference_texts()
    counts = _hasher().transform(texts)
    document_frequency = np.bincount(counts.indices, minlength=HASH_FEATURES)
    return np.log((1 + len(texts)) / (1 + document_frequency)) + 1.0


def vectorise(texts: Sequence[str]) -> Any:
    """One L2-normalised TF-IDF row (scipy CSR) per text."""
    import numpy as np
    from sklearn.preprocessing import normalize

    matrix = _hasher().transform(list(texts)).astype(np.float64)
    matrix.data = 1.0 + np.log(matrix.data)  # sublinear term frequency
    matrix.data *= _idf()[matrix.indices]
    return normalize(matrix, norm="l2", copy=False)


def text_similarity(first: str, second: str) -> float:
    """Cosine similarity of two texts (0..1) as ``find_duplicates`` computes it."""
    matrix = vectorise([first, second])
    return float(matrix[0].multiply(matrix[1]).sum())


def metres_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_METRES * math.asin(min(1.0, math.sqrt(h)))


def _same_place(
    a: Candidate, b: Candidate, max_metres: float
) -> tuple[bool, float | None, tuple[str, str] | None]:
    metres = None
    if a.has_pin and b.has_pin:
        assert a.latitude is not None and a.longitude is not None
        assert b.latitude is not None and b.longitude is not None
        metres = metres_between(a.latitude, a.longitude, b.latitude, b.longitude)
    area: tuple[str, str] | None = None
    if a.lsoa_code and a.lsoa_code == b.lsoa_code:
        area = ("lsoa", a.lsoa_code)
    elif a.ward_code and a.ward_code == b.ward_code:
        area = ("ward", a.ward_code)
    close = metres is not None and metres <= max_metres
    in_lsoa = area is not None and area[0] == "lsoa"
    # A shared ward only counts when one report cannot say which LSOA it is in; two different
    # LSOAs of one ward are different places unless the pins are close.
    in_ward = area is not None and area[0] == "ward" and not (a.lsoa_code and b.lsoa_code)
    return close or in_lsoa or in_ward, metres, area


def _window(dates: list[int], day: int, max_days: int) -> range:
    return range(
        bisect.bisect_left(dates, day - max_days), bisect.bisect_right(dates, day + max_days)
    )


def candidate_pairs(
    candidates: Sequence[Candidate],
    *,
    max_days: int = DEFAULT_MAX_DAYS,
    max_metres: float = DEFAULT_MAX_METRES,
) -> set[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, worth comparing: every pair that is in the same place
    and period (as ``find_duplicates`` defines them) is here, plus some that are not (pins in
    neighbouring cells but further apart); the caller applies the exact tests."""
    if max_days < 0 or max_metres < 0:
        raise ValueError("max_days and max_metres must not be negative")
    days = [c.received_on.toordinal() for c in candidates]
    pairs: set[tuple[int, int]] = set()

    def add(i: int, members: list[int], member_days: list[int]) -> None:
        for k in _window(member_days, days[i], max_days):
            j = members[k]
            if i < j:
                pairs.add((i, j))
            elif j < i:
                pairs.add((j, i))

    def blocks(keys: Iterable[tuple[Any, int]]) -> dict[Any, tuple[list[int], list[int]]]:
        grouped: dict[Any, list[int]] = defaultdict(list)
        for key, i in keys:
            grouped[key].append(i)
        out = {}
        for key, members in grouped.items():
            members.sort(key=lambda i: (days[i], i))
            out[key] = (members, [days[i] for i in members])
        return out

    by_lsoa = blocks((c.lsoa_code, i) for i, c in enumerate(candidates) if c.lsoa_code)
    for members, member_days in by_lsoa.values():
        for i in members:
            add(i, members, member_days)

    by_ward = blocks((c.ward_code, i) for i, c in enumerate(candidates) if c.ward_code)
    for i, c in enumerate(candidates):
        if c.ward_code and not c.lsoa_code:
            add(i, *by_ward[c.ward_code])

    pinned = [i for i, c in enumerate(candidates) if c.has_pin]
    if pinned and max_metres > 0:
        # Cells at least ``max_metres`` wide everywhere in the set: the longitude step uses the
        # highest latitude present, where a degree of longitude is shortest.
        top = max(abs(candidates[i].latitude or 0.0) for i in pinned)
        lat_step = max_metres / METRES_PER_DEGREE_LATITUDE
        lon_step = lat_step / max(math.cos(math.radians(min(top, 89.0))), 1e-6)

        def cell(i: int) -> tuple[int, int]:
            c = candidates[i]
            assert c.latitude is not None and c.longitude is not None
            return math.floor(c.latitude / lat_step), math.floor(c.longitude / lon_step)

        by_cell = blocks((cell(i), i) for i in pinned)
        for i in pinned:
            row, col = cell(i)
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    block = by_cell.get((row + dr, col + dc))
                    if block:
                        add(i, *block)
    return pairs


def find_duplicates(
    candidates: Sequence[Candidate],
    *,
    max_days: int = DEFAULT_MAX_DAYS,
    max_metres: float = DEFAULT_MAX_METRES,
    min_similarity: float = DEFAULT_MIN_SIMILARITY,
    involving: Collection[str] | None = None,
) -> list[DuplicateSuggestion]:
    """Suggested duplicate pairs, most similar first (then by ids), each with ``a < b``.
    With ``involving`` (report ids, e.g. today's arrivals), only pairs that include one of
    them."""
    if not 0.0 <= min_similarity <= 1.0:
        raise ValueError(f"min_similarity must be between 0 and 1, not {min_similarity}")
    seen: dict[str, int] = {}
    for i, c in enumerate(candidates):
        if c.report_id in seen:
            raise ValueError(f"report {c.report_id} is in the candidates twice")
        seen[c.report_id] = i

    wanted = None if involving is None else {seen[r] for r in involving if r in seen}
    checked: list[tuple[int, int, float | None, tuple[str, str] | None]] = []
    for i, j in sorted(candidate_pairs(candidates, max_days=max_days, max_metres=max_metres)):
        if wanted is not None and i not in wanted and j not in wanted:
            continue
        a, b = candidates[i], candidates[j]
        if abs((a.received_on - b.received_on).days) > max_days:
            continue
        place, metres, area = _same_place(a, b, max_metres)
        if place:
            checked.append((i, j, metres, area))
    if not checked:
        return []

    import numpy as np

    used = sorted({i for i, _, _, _ in checked} | {j for _, j, _, _ in checked})
    row = {i: r for r, i in enumerate(used)}
    matrix = vectorise([candidates[i].text for i in used])
    left = np.array([row[i] for i, _, _, _ in checked])
    right = np.array([row[j] for _, j, _, _ in checked])
    similarities = np.empty(len(checked))
    for start in range(0, len(checked), PAIR_CHUNK):
        stop = start + PAIR_CHUNK
        products = matrix[left[start:stop]].multiply(matrix[right[start:stop]])
        similarities[start:stop] = np.asarray(products.sum(axis=1)).ravel()

    suggestions = []
    for (i, j, metres, area), similarity in zip(checked, similarities.tolist(), strict=True):
        similarity = round(min(similarity, 1.0), 3)
        if similarity < min_similarity:
            continue
        suggestions.append(_suggest(candidates[i], candidates[j], similarity, metres, area))
    suggestions.sort(key=lambda s: (-s.similarity, s.a, s.b))
    return suggestions


def _suggest(
    first: Candidate,
    second: Candidate,
    similarity: float,
    metres: float | None,
    area: tuple[str, str] | None,
) -> DuplicateSuggestion:
    a, b = sorted((first, second), key=lambda c: c.report_id)
    days = abs((a.received_on - b.received_on).days)
    shared = tuple(sorted(set(a.themes) & set(b.themes)))
    places = []
    if area is not None:
        places.append(f"same {'LSOA' if area[0] == 'lsoa' else 'ward'} {area[1]}")
    if metres is not None:
        places.append(f"pins {metres:,.0f} m apart")
    when = "on the same day" if days == 0 else f"{days} day{'s' if days != 1 else ''} apart"
    reason = f"text similarity {similarity:.2f}; received {when}; {', '.join(places)}"
    if shared:
        reason += f"; shared themes: {', '.join(shared)}"
    return DuplicateSuggestion(
        a=a.report_id,
        b=b.report_id,
        similarity=similarity,
        days_apart=days,
        metres_apart=None if metres is None else round(metres, 1),
        same_area=area,
        shared_themes=shared,
        first_received=b.report_id if b.received_on < a.received_on else a.report_id,
        reason=reason,
    )


def merge_plan(suggestion: DuplicateSuggestion, *, primary: str | None = None) -> MergePlan:
    """How to merge a suggested pair: ``primary`` (default: the report received first) stays
    the main record and the other is linked to it as a duplicate. Both are kept."""
    chosen = suggestion.first_received if primary is None else primary
    if chosen not in (suggestion.a, suggestion.b):
        raise ValueError(
            f"primary {chosen!r} is not one of the pair ({suggestion.a}, {suggestion.b})"
        )
    duplicate = suggestion.b if chosen == suggestion.a else suggestion.a
    return MergePlan(
        primary=chosen,
        duplicate=duplicate,
        keep=(chosen, duplicate),
        link=(duplicate, "duplicate_of", chosen),
        similarity=suggestion.similarity,
        reason=suggestion.reason,
        description=(
            f"Report {duplicate} is marked as a duplicate of {chosen}. Both originals are kept "
            "unchanged; removing the link undoes the merge."
        ),
    )
