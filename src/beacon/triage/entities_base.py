"""What every entity extractor shares: the ``Entity`` record, ``Scan`` (one text with its
lower-cased copy, digit runs and digit windows), and small helpers for word starts, title case
and word spans. The extractors are in ``entities_numbers``, ``entities_text`` and
``entities_people``; ``entities`` gathers them and is the public API.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

EntityType = Literal[
    "phone", "vehicle", "postcode", "email", "handle", "address", "nickname", "person"
]


@dataclass(frozen=True, slots=True)
class Entity:
    type: EntityType
    value: str
    text: str
    start: int
    end: int

    @property
    def key(self) -> str:
        """What two mentions of one entity share: the value, case-folded for nicknames and
        people (a nickname's value keeps the writer's spelling)."""
        if self.type in ("nickname", "person"):
            return " ".join(self.value.casefold().split())
        return self.value

    def to_dict(self) -> dict[str, str | int]:
        return {
            "type": self.type,
            "value": self.value,
            "text": self.text,
            "start": self.start,
            "end": self.end,
        }


# --------------------------------------------------------------------------------------------
# One text and what several extractors ask of it
# --------------------------------------------------------------------------------------------

_DIGITS_RE = re.compile(r"[0-9]+")
# Characters an identifier may have before or after its digits ("+44 (", "12 CDE").
_WINDOW_MARGIN = 7
_ASCII_UPPER = bytes(range(ord("A"), ord("Z") + 1))
_ASCII_LOWER = bytes(range(ord("a"), ord("z") + 1))
_NOT_UPPER = bytes(b for b in range(256) if b not in _ASCII_UPPER)
_NOT_LOWER = bytes(b for b in range(256) if b not in _ASCII_LOWER)


class Scan:
    __slots__ = ("_shouting", "digit_runs", "lowered", "text", "windows")

    def __init__(self, text: str) -> None:
        self.text = text
        lowered = text.lower()
        if len(lowered) != len(text):  # "İ" lowers to two characters: keep offsets aligned
            lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
        # Cue patterns run on this copy: same offsets, no re.IGNORECASE over the whole text.
        self.lowered = lowered
        self.digit_runs = [m.span() for m in _DIGITS_RE.finditer(text)]
        self.windows = self._windows()
        self._shouting: bool | None = None

    def _windows(self) -> list[tuple[int, int]]:
        """Spans around the digit runs, merged, widened to whole words and one character more
        (so a lookahead at a window's end sees the real next character). When they would
        cover most of the text, the whole text is one window."""
        text, size = self.text, len(self.text)
        merged: list[list[int]] = []
        for lo, hi in self.digit_runs:
            lo, hi = lo - _WINDOW_MARGIN, hi + _WINDOW_MARGIN
            if merged and lo <= merged[-1][1] + 8:
                merged[-1][1] = hi
            else:
                merged.append([lo, hi])
        windows: list[tuple[int, int]] = []
        covered = 0
        for lo, hi in merged:
            lo, hi = max(0, lo), min(size, hi)
            while lo > 0 and (text[lo - 1].isalnum() or text[lo - 1] == "_"):
                lo -= 1
            while hi < size and (text[hi].isalnum() or text[hi] == "_"):
                hi += 1
            hi = min(size, hi + 1)
            if windows and lo <= windows[-1][1]:
                lo = windows.pop()[0]
            windows.append((lo, hi))
            covered += hi - lo
        if covered > size // 2:
            return [(0, size)] if windows else []
        return windows

    @property
    def shouting(self) -> bool:
        """Whether the text is written mostly in capitals (then case says nothing)."""
        if self._shouting is None:
            ascii_text = self.text.encode("ascii", "ignore")
            upper = len(ascii_text.translate(None, _NOT_UPPER))
            lower = len(ascii_text.translate(None, _NOT_LOWER))
            self._shouting = upper + lower >= 12 and upper > 0.6 * (upper + lower)
        return self._shouting

    def finditer(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        """``pattern``'s matches in the digit windows (the pattern must contain a digit)."""
        for lo, hi in self.windows:
            yield from pattern.finditer(self.text, lo, hi)

    def before(self, start: int, width: int) -> str:
        return self.lowered[max(0, start - width) : start]

    def after(self, end: int, width: int) -> str:
        return self.lowered[end : end + width]


def make_entity(kind: EntityType, value: str, text: str, start: int, end: int) -> Entity:
    return Entity(kind, value, text[start:end], start, end)


def starts_word(text: str, index: int) -> bool:
    return index == 0 or not (text[index - 1].isalnum() or text[index - 1] == "_")


_WORD_PART_RE = re.compile(r"([\-'’])")
_WORDS_RE = re.compile(r"\S+")


def title_word(word: str) -> str:
    """Title case that keeps "St John's" and "O'Brien" right (``str.title`` gives "John'S")."""
    parts = _WORD_PART_RE.split(word.lower())
    out: list[str] = []
    for i, part in enumerate(parts):
        after_apostrophe = i > 0 and parts[i - 1] in ("'", "’")
        if part and (not after_apostrophe or len(part) > 1):
            part = part[0].upper() + part[1:]
        out.append(part)
    return "".join(out)


_LOWER_INSIDE_NAMES = frozenset({"upon", "on", "under", "in", "le", "by", "of", "the", "and"})


def title_case(words: str) -> str:
    """Title case, with "on", "upon", "of" ... lower case inside a name ("Stoke on Trent")."""
    return " ".join(
        w.lower() if i and w.lower() in _LOWER_INSIDE_NAMES else title_word(w)
        for i, w in enumerate(words.split())
    )


def span_len(words: str, count: int) -> int:
    """Characters of ``words`` up to the end of its ``count``-th word."""
    end = 0
    for index, word in enumerate(_WORDS_RE.finditer(words)):
        if index == count:
            break
        end = word.end()
    return end
