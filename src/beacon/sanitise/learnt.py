"""A learnt second reader for where reporters identify themselves (issue 11).

The rules in ``recognisers/`` are precise but each blind set written by someone else found
shapes they had never seen (a name in capitals mid-sentence, "Grandma to Tia-Mae", a chat
export's speaker, "operative 3342"). A linear-chain CRF (python-crfsuite) tags each token as
part of a self-identifying detail or not, from the word, its shape and neighbours, where it sits
on its line and in the text, and how far it is from "I"/"my"/"we". It learns from every
annotated self-identification set (``tests/sanitise/data/selfid_tuning*.jsonl``), so what it
knows comes from texts written by several authors rather than from one person's rules.

Its findings are only ever **flags** (``SELF_REFERENCE``, action "flag") for the human
sanitiser, never redactions, and only where no rule found anything: a guess must not remove a
detail of the person reported on. The model file ships in the package beside a JSON card that
names the sets it learnt from (with their SHA-256), the threshold and the cross-validated scores;
``scripts/train_selfid_model.py`` rebuilds both.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from beacon.sanitise.recognisers.vocabulary import NOT_NAME_WORDS, TITLE

FEATURE_VERSION = 2  # bump when ``token_features`` changes: the model must be retrained
MODEL_DIR = Path(__file__).resolve().parent / "data"
MODEL_FILE = MODEL_DIR / "selfid.crfsuite"
CARD_FILE = MODEL_DIR / "selfid_model.json"
REBUILD_COMMAND = "python scripts/train_selfid_model.py"
INSIDE = "SELF"  # the one label besides "O"
MIN_SPAN_CHARS = 2

TOKEN_RE = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")
_TITLE_RE = re.compile(TITLE + r"$", re.IGNORECASE)
_FIRST_PERSON = frozenset(
    [
        "i",
        "i'm",
        "im",
        "i’m",
        "me",
        "my",
        "mine",
        "myself",
        "we",
        "we're",
        "we’re",
        "our",
        "ours",
        "us",
        "i've",
        "ive",
        "i'd",
        "id",
        "am",
    ]
)
_SHAPE_UPPER = re.compile(r"[A-ZÀ-Þ]")
_SHAPE_LOWER = re.compile(r"[a-zß-ÿ]")
_SHAPE_DIGIT = re.compile(r"\d")
_SHAPE_RUN = re.compile(r"(.)\1+")
_CONTEXT = (-3, -2, -1, 1, 2, 3)
_FIRST_PERSON_RE = re.compile(
    r"(?<![\w'’])(?:" + "|".join(re.escape(w) for w in sorted(_FIRST_PERSON)) + r")(?![\w'’])",
    re.IGNORECASE,
)
_SENTENCE_END_RE = re.compile(r"[.!?]+(?=\s)|\n")


class SelfIdModelError(RuntimeError):
    """The learnt model is missing, unreadable or built for other features."""


class Token(NamedTuple):  # a tuple: the sanitiser makes hundreds per report
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class LearntSpan:
    start: int
    end: int
    probability: float  # the highest marginal probability of its tokens


class Layout(NamedTuple):
    """Where a text's lines and sentences end: worked out once per text, read by both
    ``sequences`` and ``token_features``."""

    breaks: list[int]  # offsets of its newlines
    stops: list[int]  # ends of its sentences
    tail: int  # its length without trailing space
    last_line: int  # the number of its last non-blank line


SHOUTING_SHARE = 0.7  # of a text's letters in capitals: it is typed in capitals throughout


def reading_text(text: str) -> str:
    """The text as the reader sees it: lower-cased when it is typed in capitals throughout
    ("MY KIDS CANT PLAY IN THE GARDEN"), where every word would otherwise look like a name.
    Offsets stay the same (not lower-cased when that would change the length)."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 20 or sum(c.isupper() for c in letters) < SHOUTING_SHARE * len(letters):
        return text
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text


def layout(text: str) -> Layout:
    breaks = [m.start() for m in re.finditer("\n", text)]
    tail = len(text.rstrip())
    stops = [m.end() for m in _SENTENCE_END_RE.finditer(text)]
    return Layout(breaks, stops, tail, bisect.bisect_left(breaks, tail))


def _shape(word: str) -> str:
    shape = _SHAPE_DIGIT.sub("9", _SHAPE_LOWER.sub("a", _SHAPE_UPPER.sub("A", word)))
    return _SHAPE_RUN.sub(r"\1\1", shape)


@lru_cache(maxsize=65_536)
def _word_features(word: str) -> tuple[str, ...]:
    """What a word says on its own (cached: reports repeat their words)."""
    low = word.lower()
    out = [f"w={low}", f"shape={_shape(word)}", f"suffix={low[-3:]}"]
    if word[:1].isupper():
        out.append("title")
    if word.isupper() and len(word) > 1:
        out.append("upper")
    if any(c.isdigit() for c in word):
        out.append("digit")
    if low in NOT_NAME_WORDS:
        out.append("not_name")
    if _TITLE_RE.match(word) is not None:
        out.append("title_word")
    return tuple(out)


@lru_cache(maxsize=65_536)
def _neighbour_features(word: str) -> tuple[str, ...]:
    """What a word says about the tokens 1-3 places either side of it."""
    low = word.lower()
    shape = _shape(word)
    return (
        *(f"w{offset:+d}={low}" for offset in _CONTEXT),
        f"shape-1={shape}",
        f"shape+1={shape}",
    )


_EDGE = (*(f"w{offset:+d}=|" for offset in _CONTEXT), "shape-1=|", "shape+1=|")
_POSITIONS = tuple(f"position={k / 10}" for k in range(11))
_NEAREST_FIRST_PERSON = tuple(f"first_person_within={k}" for k in range(7))


def _distances(flags: list[bool]) -> list[int]:
    """For each index, how far the nearest True is (a large number when there is none)."""
    far = 1 << 20
    out = [far] * len(flags)
    last = -far
    for i, flag in enumerate(flags):
        if flag:
            last = i
        out[i] = i - last
    last = far * 2
    for i in range(len(flags) - 1, -1, -1):
        if flags[i]:
            last = i
        out[i] = min(out[i], last - i)
    return out


def token_features(
    text: str, tokens: Sequence[Token], lay: Layout | None = None
) -> list[list[str]]:
    """The features of each token, as python-crfsuite's binary feature names. Built from
    cached per-word parts and per-line facts: the sanitiser runs this on every report."""
    count = len(tokens)
    if not count:
        return []
    breaks, stops, tail, last_line = lay or layout(text)
    first_person = [t.text.lower() in _FIRST_PERSON for t in tokens]
    nearest = _distances(first_person)
    # Which sentences say "I", "my", "we": a self-identifying detail sits in one, or in the
    # text's first line or sign-off.
    sentence_of = [bisect.bisect_right(stops, t.start) for t in tokens]
    first_person_sentences = {sentence_of[i] for i in range(count) if first_person[i]}
    padded = [_EDGE, _EDGE, _EDGE, *(_neighbour_features(t.text) for t in tokens)]
    padded += [_EDGE, _EDGE, _EDGE]
    line_facts: dict[int, tuple[int, int, tuple[str, ...]]] = {}
    out: list[list[str]] = []
    for i, token in enumerate(tokens):
        line_number = bisect.bisect_left(breaks, token.start)
        facts = line_facts.get(line_number)
        if facts is None:
            line_start = breaks[line_number - 1] + 1 if line_number else 0
            line_end = breaks[line_number] if line_number < len(breaks) else len(text)
            opener = text[line_start:line_end].strip().split(" ", 1)[0].lower()[:12]
            colon = text.find(":", line_start, line_end)
            facts = (line_start, colon, (
                f"line_opens={opener}",
                f"line_from_start={min(line_number, 3)}",
                f"line_from_end={min(last_line - line_number, 4)}",
                *(("last_line",) if line_end >= tail else ()),
            ))  # fmt: skip
            line_facts[line_number] = facts
        line_start, colon, line_features = facts
        k = i + 3
        features = [
            "bias",
            *_word_features(token.text),
            *line_features,
            _POSITIONS[i * 10 // count],
            # The neighbours' own words (and the next ones' shapes), seen from this token.
            padded[k - 3][0],
            padded[k - 2][1],
            padded[k - 1][2],
            padded[k - 1][6],
            padded[k + 1][3],
            padded[k + 1][7],
            padded[k + 2][4],
            padded[k + 3][5],
        ]
        if i == 0 or tokens[i - 1].end <= line_start:
            features.append("line_first")
        if i == count - 1 or text.find("\n", token.end, tokens[i + 1].start) >= 0:
            features.append("line_last")
        if sentence_of[i] in first_person_sentences:
            features.append("first_person_sentence")
        if 0 <= colon < token.start:
            features.append(f"field={text[line_start:colon].strip().lower()[-12:]}")
        if nearest[i] <= 6:
            features.append(_NEAREST_FIRST_PERSON[nearest[i]])
        elif nearest[i] > count:
            features.append("no_first_person")
        out.append(features)
    return out


def token_labels(tokens: Sequence[Token], spans: Iterable[tuple[int, int]]) -> list[str]:
    """``INSIDE`` for a token overlapping an identifying span, "O" otherwise."""
    spans = list(spans)
    return [INSIDE if any(t.start < e and s < t.end for s, e in spans) else "O" for t in tokens]


SIGN_OFF_LINES = 4  # the last lines of a text, where names and signatures close it
SHORT_LINE = 80
FIELD_LABEL = 40  # a colon this near a line's start makes it a form field


def sequences(text: str, lay: Layout | None = None) -> list[list[Token]]:
    """The stretches of a text where a reporter says who they are, as token sequences for the
    CRF: sentences that say "I", "my" or "we"; short lines opening a text of several lines or
    among its last ``SIGN_OFF_LINES`` (a greeting, a sign-off, a signature block); form fields
    ("Name: ..."). Adjacent stretches join into one sequence. A capitalised name or address
    anywhere else is far more often the subject's, and reading only these keeps the sanitiser
    fast (training reads the same stretches)."""
    breaks, stops, _, last_line = lay or layout(text)
    several_lines = "\n" in text.strip()
    out: list[list[Token]] = []
    joined = False  # whether the sentence before was kept
    start = 0
    for stop in (*stops, len(text)):
        if stop <= start:
            continue
        if _keep(text, start, stop, breaks, several_lines, last_line):
            tokens = [
                Token(m.start(), m.end(), m.group()) for m in TOKEN_RE.finditer(text, start, stop)
            ]
            if tokens:
                if joined:
                    out[-1].extend(tokens)
                else:
                    out.append(tokens)
                joined = True
        else:
            joined = False
        start = stop
    return out


def _keep(
    text: str, start: int, stop: int, breaks: list[int], several_lines: bool, last_line: int
) -> bool:
    if _FIRST_PERSON_RE.search(text, start, stop) is not None:
        return True
    line_number = bisect.bisect_left(breaks, start)
    line_start = breaks[line_number - 1] + 1 if line_number else 0
    line_end = breaks[line_number] if line_number < len(breaks) else len(text)
    if text.find(":", line_start, min(line_end, line_start + FIELD_LABEL)) >= 0:
        return True
    return (
        several_lines
        and line_end - line_start <= SHORT_LINE
        and (line_number == 0 or last_line - line_number < SIGN_OFF_LINES)
    )


def model_card() -> dict[str, Any]:
    try:
        card: dict[str, Any] = json.loads(CARD_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SelfIdModelError(
            f"the self-identification model card {CARD_FILE} is missing or unreadable ({exc}); "
            f"rebuild it with `{REBUILD_COMMAND}`"
        ) from exc
    if card.get("feature_version") != FEATURE_VERSION:
        raise SelfIdModelError(
            f"the self-identification model was built for features version "
            f"{card.get('feature_version')}, this Beacon uses {FEATURE_VERSION}; rebuild it with "
            f"`{REBUILD_COMMAND}`"
        )
    return card


class SelfIdTagger:
    """The trained CRF, its threshold, and the spans it proposes for one text."""

    def __init__(
        self,
        model_file: Path = MODEL_FILE,
        threshold: float | None = None,
        card: dict[str, Any] | None = None,
    ) -> None:
        import pycrfsuite

        card = model_card() if card is None else card
        self.threshold = float(card["threshold"] if threshold is None else threshold)
        if not model_file.is_file():
            raise SelfIdModelError(
                f"the self-identification model {model_file} is missing; rebuild it with "
                f"`{REBUILD_COMMAND}`"
            )
        self._tagger = pycrfsuite.Tagger()
        try:
            self._tagger.open(str(model_file))
        except (OSError, ValueError) as exc:
            raise SelfIdModelError(
                f"cannot read the self-identification model {model_file} ({exc}); rebuild it "
                f"with `{REBUILD_COMMAND}`"
            ) from exc

    def spans(self, text: str) -> list[LearntSpan]:
        """Runs of tokens tagged as self-identifying in ``sequences(text)`` whose most
        confident token's marginal probability reaches the threshold."""
        out: list[LearntSpan] = []
        text = reading_text(text)
        lay = layout(text)
        for tokens in sequences(text, lay):
            labels = self._tagger.tag(token_features(text, tokens, lay))
            run: list[tuple[Token, float]] = []
            for index, (token, label) in enumerate(zip(tokens, labels, strict=True)):
                if label == INSIDE:
                    run.append((token, self._tagger.marginal(INSIDE, index)))
                    continue
                out.extend(self._close(run))
                run = []
            out.extend(self._close(run))
        return out

    def _close(self, run: list[tuple[Token, float]]) -> list[LearntSpan]:
        if not run:
            return []
        probability = max(p for _, p in run)
        start, end = run[0][0].start, run[-1][0].end
        if probability < self.threshold or end - start < MIN_SPAN_CHARS:
            return []
        return [LearntSpan(start, end, probability)]


@lru_cache(maxsize=1)
def get_tagger() -> SelfIdTagger:
    return SelfIdTagger()
