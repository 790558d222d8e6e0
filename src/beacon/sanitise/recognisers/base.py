"""The building blocks of Beacon's recognisers: result metadata, the digit windows that
let rules scan only around a text's digits, and the rule-based recogniser."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import tldextract
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

REASON_KEY = "beacon_reason"
REPORTER_KEY = "beacon_reporter"
# A recogniser that is unsure whether a finding is about the reporter sets this to "flag": the
# human sanitiser decides instead of the detail being redacted silently.
ACTION_KEY = "beacon_action"

# tldextract's default extractor fetches the public suffix list over the network the first
# time it is used, and caches it on disk. Beacon uses the snapshot bundled with tldextract:
# no URLs to fetch, no disk cache.
OFFLINE_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


def has_public_suffix(domain: str) -> bool:
    """True when ``domain`` (or an address ending in it) ends in a known public suffix."""
    return OFFLINE_TLD(domain).suffix != ""


# --------------------------------------------------------------------------------------------
# The rule-based recogniser every Beacon recogniser is built from
# --------------------------------------------------------------------------------------------

Verdict = tuple[float, str] | None


@dataclass(frozen=True)
class Rule:
    """One pattern; ``check(match, text)`` returns ``(score, reason)`` or None to reject."""

    name: str
    pattern: re.Pattern[str]
    check: Callable[[re.Match[str], str], Verdict]
    group: int | str = 0
    # Cheap tests before the (slower) pattern runs: ``hint`` is a tuple of substrings one of
    # which the lower-cased text must contain; ``near_digits`` runs the pattern only in small
    # windows around the text's digits (every phone, postcode, NINO, NHS number and
    # registration has some), found once per text by one fast scan.
    hint: tuple[str, ...] = ()
    near_digits: bool = False


_DIGITS_RE = re.compile(r"\d+")
_WINDOW_BEFORE = 6  # the most characters an identifier has before its first digit ("+44 (", "ABC ")
_WINDOW_AFTER = 6  # ... and after its last ("2AB", "12 CDE")


def _is_word(text: str, index: int) -> bool:
    return 0 <= index < len(text) and (text[index].isalnum() or text[index] == "_")


@lru_cache(maxsize=4)  # shared by the recognisers analysing one text
def digit_windows(text: str) -> tuple[tuple[int, int], ...]:
    """Spans around the text's digit clusters, widened so no identifier containing those
    digits is cut, and widened to whole words at both ends (so ``\\b`` or
    ``(?![A-Za-z0-9])`` at a window's edge means the same as in the whole text)."""
    windows: list[list[int]] = []
    for match in _DIGITS_RE.finditer(text):
        lo = max(0, match.start() - _WINDOW_BEFORE)
        hi = min(len(text), match.end() + _WINDOW_AFTER)
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], hi)
        else:
            windows.append([lo, hi])
    out: list[tuple[int, int]] = []
    for lo, hi in windows:
        while _is_word(text, hi):
            hi += 1
        while _is_word(text, lo - 1):
            lo -= 1
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return tuple(out)


def make_result(
    recognizer: EntityRecognizer,
    entity: str,
    start: int,
    end: int,
    score: float,
    reason: str,
    **extra: Any,
) -> RecognizerResult:
    metadata: dict[str, Any] = {
        RecognizerResult.RECOGNIZER_NAME_KEY: recognizer.name,  # type: ignore[has-type]
        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id,
        REASON_KEY: reason,
    }
    metadata.update(extra)
    return RecognizerResult(
        entity_type=entity, start=start, end=end, score=score, recognition_metadata=metadata
    )


class RuleRecognizer(EntityRecognizer):
    """Runs a fixed list of precompiled rules for one entity type."""

    def __init__(self, entity: str, rules: Sequence[Rule], name: str) -> None:
        self.entity = entity
        self.rules = tuple(rules)
        super().__init__(supported_entities=[entity], name=name, supported_language="en")

    def load(self) -> None:
        """Nothing to load: the rules are compiled at import."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        seen: set[tuple[int, int]] = set()
        lowered: str | None = None
        for rule in self.rules:
            if rule.hint:
                lowered = lowered if lowered is not None else text.lower()
                if not any(h in lowered for h in rule.hint):
                    continue
            spans = digit_windows(text) if rule.near_digits else ((0, len(text)),)
            for lo, hi in spans:
                for match in rule.pattern.finditer(text, lo, hi):
                    verdict = rule.check(match, text)
                    if verdict is None:
                        continue
                    score, reason = verdict
                    start, end = match.span(rule.group)
                    if start < end and (start, end) not in seen:
                        seen.add((start, end))
                        results.append(make_result(self, self.entity, start, end, score, reason))
        return results


def before(text: str, start: int, width: int) -> str:
    return text[max(0, start - width) : start]


def after(text: str, end: int, width: int) -> str:
    return text[end : end + width]


# Quoted material: a line of an e-mail reply ("> ..."), or text inside a quotation opened
# earlier on the same line (a message the reporter copies in: the builder wrote "...").
_QUOTED_LINE_RE = re.compile(r"^[ \t]*>", re.MULTILINE)
_SINGLE_OPEN_RE = re.compile(r"[ \t]*['‘](?=[A-Za-z])")
# A closing single quote: after a non-space, before a space, punctuation or the line's end
# (an apostrophe sits between letters: "dont", "it's").
_SINGLE_CLOSE_RE = re.compile(r"(?<=\S)['’](?=[\s.,;:!?)]|$)")


def quoted(text: str, position: int) -> bool:
    """Whether ``position`` is in quoted material: someone else's words, or a forwarded
    original, whose owner the human sanitiser should judge."""
    line_start = text.rfind("\n", 0, position) + 1
    if _QUOTED_LINE_RE.match(text, line_start):
        return True
    head = text[line_start:position]
    if _SINGLE_OPEN_RE.match(head) and not _SINGLE_CLOSE_RE.search(head, 1):
        return True  # a line opening with a single quote not yet closed: 'yo its Reggie ...
    return head.count('"') % 2 == 1 or head.count("“") > head.count("”")
