"""The multi-label theme classifier: which threat themes a report is about.

A scikit-learn pipeline: TF-IDF over words (1-3 grams) and over characters within words (2-5
grams, robust to misspellings and text-speak), then one logistic regression per theme. Each
theme has its own decision threshold, chosen on cross-validated predictions of the training
set to maximise that theme's F1, so rare themes are not drowned by common ones. A report
always gets at least its best-scoring theme.

Trained on the labelled corpus shipped in ``data/corpus/*.jsonl`` (see
``scripts/extend_triage_corpus.py``) plus analysts' corrections. The held-out split is chosen
by a hash of each example's id, so it stays the same as the corpus grows and a text never moves
from the test side to the training side.

The model file (``<data dir>/triage/themes-model.joblib``) records its format version, the
scikit-learn version and the themes; a missing or outdated file is refused with the command
that rebuilds it. The file is written by Beacon only, under its own data directory (a joblib
file is a pickle: never load one from elsewhere).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

MODEL_FORMAT = 1  # bump when the features, thresholds or file layout change
HELD_OUT_SHARE = 0.2
WORD_PATTERN = r"(?u)\b\w[\w']*\b"  # words keep their apostrophes: "dont", "don't"
SECONDARY_SHARE = 0.3  # a further theme needs at least this share of the best one's score
MIN_EXAMPLES = 10  # a theme needs this many labelled examples to be learnt
MAX_TEXT_CHARS = 20_000
REBUILD_COMMAND = "beacon triage retrain"
# How much a resident's own hint and the ticked indicator checklists add to a theme's score
# (model probabilities are 0..1). A hint is a suggestion, never a decision: it lifts a theme
# the text already points at over its threshold, but cannot alone outweigh the text.
HINT_BOOST = 0.15
INDICATOR_BOOST_PER_WEIGHT = 0.05
INDICATOR_BOOST_CAP = 0.25


class CorpusError(ValueError):
    """A corpus file is malformed; the message names the file, the line and the reason."""


class ModelUnavailable(RuntimeError):
    """No usable model file; the message says why and which command rebuilds it."""


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    themes: tuple[str, ...]
    origin: str = "corpus"  # "corpus" or "correction"


# The audit log of relabelled corpus examples (docs/TRIAGE_LABELLING.md) sits beside the corpus
# files but holds no texts: it is not part of the corpus.
RELABEL_LOG = "relabelled.jsonl"


def corpus_paths() -> list[Path]:
    folder = Path(str(resources.files("beacon.triage") / "data" / "corpus"))
    return sorted(p for p in folder.glob("*.jsonl") if p.name != RELABEL_LOG)


def load_corpus(paths: Iterable[Path] | None = None, *, themes: Iterable[str]) -> list[Example]:
    """Every labelled example in ``paths`` (default: the shipped corpus), checked line by line."""
    known = set(themes)
    examples: list[Example] = []
    seen: dict[str, str] = {}
    errors: list[str] = []
    for path in corpus_paths() if paths is None else list(paths):
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                where = f"{path.name}, line {number}"
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as error:
                    errors.append(f"{where}: not JSON ({error.msg})")
                    continue
                problem = _check_record(record, known)
                if problem:
                    errors.append(f"{where}: {problem}")
                    continue
                ident = str(record["id"])
                if ident in seen:
                    errors.append(f"{where}: id {ident!r} is also in {seen[ident]}")
                    continue
                seen[ident] = where
                examples.append(Example(ident, record["text"], tuple(record["themes"])))
    if errors:
        shown = "; ".join(errors[:10])
        more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
        raise CorpusError(f"{shown}{more}")
    return examples


def _check_record(record: Any, known: set[str]) -> str | None:
    if not isinstance(record, dict):
        return "not a JSON object"
    if not isinstance(record.get("id"), str | int):
        return 'no "id"'
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        return 'no "text" string'
    if len(text) > MAX_TEXT_CHARS:
        return f'"text" is longer than {MAX_TEXT_CHARS:,} characters'
    labels = record.get("themes")
    if not isinstance(labels, list) or not labels or not all(isinstance(t, str) for t in labels):
        return '"themes" must be a non-empty list of theme keys'
    unknown = sorted(set(labels) - known)
    if unknown:
        return f"unknown theme key(s) {', '.join(unknown)}"
    return None


def is_held_out(example_id: str) -> bool:
    """Whether an example belongs to the held-out split (stable: a hash of its id)."""
    digest = hashlib.sha256(example_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < HELD_OUT_SHARE


def split(examples: Sequence[Example]) -> tuple[list[Example], list[Example]]:
    """(training, held out). Corrections always train: they are analysts' labels of real
    reports, and the held-out split measures the model on the corpus's own distribution."""
    train = [e for e in examples if e.origin == "correction" or not is_held_out(e.id)]
    test = [e for e in examples if e.origin != "correction" and is_held_out(e.id)]
    return train, test


# --- the model ---------------------------------------------------------------------------------


@dataclass
class ThemeModel:
    themes: tuple[str, ...]
    pipeline: Any  # sklearn Pipeline: text -> one probability per theme
    thresholds: dict[str, float]
    meta: dict[str, Any] = field(default_factory=dict)

    def probabilities(self, texts: Sequence[str]) -> Any:
        import numpy as np

        if not texts:
            return np.zeros((0, len(self.themes)))
        return np.asarray(self.pipeline.predict_proba(list(texts)))

    def classify(
        self,
        texts: Sequence[str],
        *,
        hints: Sequence[Iterable[str]] | None = None,
        indicators: Sequence[Mapping[str, int]] | None = None,
        active: Iterable[str] | None = None,
    ) -> list[Classification]:
        """Themes and scores per text. ``active``: the themes that may be chosen (a theme
        retired since training is never offered)."""
        probabilities = self.probabilities(texts)
        allowed = set(self.themes) if active is None else set(active) & set(self.themes)
        results = []
        for i, row in enumerate(probabilities):
            scores = {t: float(row[j]) for j, t in enumerate(self.themes) if t in allowed}
            combined = combine(
                scores,
                hints=hints[i] if hints is not None else (),
                indicators=indicators[i] if indicators is not None else {},
            )
            results.append(Classification(select(combined, self.thresholds), combined))
        return results


@dataclass(frozen=True)
class Classification:
    themes: list[str]  # selected, best first
    scores: dict[str, float]  # every theme's combined score


def combine(
    scores: Mapping[str, float], *, hints: Iterable[str] = (), indicators: Mapping[str, int]
) -> dict[str, float]:
    """The model's probabilities lifted by the reporter's hint and the ticked indicators."""
    combined = dict(scores)
    for theme in set(hints):
        if theme in combined:
            combined[theme] = min(1.0, combined[theme] + HINT_BOOST)
    for theme, weight in indicators.items():
        if theme in combined and weight > 0:
            lift = min(INDICATOR_BOOST_CAP, INDICATOR_BOOST_PER_WEIGHT * weight)
            combined[theme] = min(1.0, combined[theme] + lift)
    return {theme: round(value, 4) for theme, value in combined.items()}


def select(scores: Mapping[str, float], thresholds: Mapping[str, float]) -> list[str]:
    """Every theme over its threshold and within reach of the best one, best first; the best
    one when none is. (A second theme scoring under a third of the first was, on the held-out
    split, more often a neighbouring theme's echo than a real second label.)"""
    ranked = sorted(scores, key=lambda t: (-scores[t], t))
    if not ranked:
        return []
    floor = SECONDARY_SHARE * scores[ranked[0]]
    chosen = [t for t in ranked if scores[t] >= max(thresholds.get(t, 0.5), floor)]
    return chosen or ranked[:1]


def build_pipeline(seed: int = 0) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import FeatureUnion, Pipeline

    words = TfidfVectorizer(
        lowercase=True, ngram_range=(1, 3), min_df=1, sublinear_tf=True,
        token_pattern=WORD_PATTERN, strip_accents="unicode",
    )  # fmt: skip
    characters = TfidfVectorizer(
        lowercase=True, analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True,
        strip_accents="unicode",
    )  # fmt: skip
    model = OneVsRestClassifier(LogisticRegression(C=16.0, solver="liblinear", random_state=seed))
    return Pipeline(
        [("features", FeatureUnion([("words", words), ("characters", characters)])),
         ("model", model)]
    )  # fmt: skip


def _targets(examples: Sequence[Example], themes: Sequence[str]) -> Any:
    import numpy as np

    index = {t: i for i, t in enumerate(themes)}
    y = np.zeros((len(examples), len(themes)), dtype=np.int8)
    for row, example in enumerate(examples):
        for theme in example.themes:
            if theme in index:
                y[row, index[theme]] = 1
    return y


def train(
    examples: Sequence[Example], themes: Sequence[str], *, seed: int = 0, folds: int = 5
) -> ThemeModel:
    """Fit the pipeline and choose each theme's threshold on out-of-fold predictions."""
    import numpy as np
    import sklearn
    from sklearn.model_selection import KFold

    # A theme with too few examples (one an admin has just added) is left out of the model
    # and named in its metadata, rather than learnt from a handful of texts.
    counts = {t: sum(1 for e in examples if t in e.themes) for t in themes}
    untrained = [t for t in themes if counts[t] < MIN_EXAMPLES]
    themes = tuple(t for t in themes if counts[t] >= MIN_EXAMPLES)
    if len(themes) < 2:
        raise CorpusError(
            f"too few labelled examples: at least two themes need {MIN_EXAMPLES} or more"
        )
    examples = [e for e in examples if set(e.themes) & set(themes)]
    texts = [e.text for e in examples]
    y = _targets(examples, themes)
    out_of_fold = np.zeros(y.shape, dtype=np.float64)
    for fit_rows, test_rows in KFold(folds, shuffle=True, random_state=seed).split(texts):
        pipeline = build_pipeline(seed)
        pipeline.fit([texts[i] for i in fit_rows], y[fit_rows])
        out_of_fold[test_rows] = pipeline.predict_proba([texts[i] for i in test_rows])
    thresholds = {t: _best_threshold(y[:, j], out_of_fold[:, j]) for j, t in enumerate(themes)}
    pipeline = build_pipeline(seed)
    pipeline.fit(texts, y)
    corpus_hash = hashlib.sha256(
        "\n".join(f"{e.id}\t{e.text}\t{','.join(e.themes)}" for e in examples).encode()
    ).hexdigest()
    meta = {
        "format": MODEL_FORMAT,
        "sklearn": sklearn.__version__,
        "examples": len(examples),
        "corrections": sum(1 for e in examples if e.origin == "correction"),
        "training_sha256": corpus_hash,
        "untrained": untrained,
        "seed": seed,
    }
    return ThemeModel(themes, pipeline, thresholds, meta)


def _best_threshold(truth: Any, scores: Any) -> float:
    """The cut-off in 0.10..0.90 that gives the best F1 on out-of-fold scores (ties: the
    middle of the best run, so a threshold is not balanced on one example)."""
    candidates = [round(0.1 + 0.025 * k, 3) for k in range(33)]
    f1s = []
    for cut in candidates:
        predicted = scores >= cut
        tp = int((predicted & (truth == 1)).sum())
        fp = int((predicted & (truth == 0)).sum())
        fn = int((~predicted & (truth == 1)).sum())
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    best = max(f1s)
    run = [c for c, f in zip(candidates, f1s, strict=True) if f >= best - 1e-9]
    return run[len(run) // 2]


# --- scores ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeScore:
    theme: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Evaluation:
    examples: int
    macro_f1: float
    per_theme: tuple[ThemeScore, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "examples": self.examples,
            "macro_f1": round(self.macro_f1, 4),
            "themes": {
                s.theme: {
                    "precision": round(s.precision, 4),
                    "recall": round(s.recall, 4),
                    "f1": round(s.f1, 4),
                    "support": s.support,
                }
                for s in self.per_theme
            },
        }


def evaluate(
    model: ThemeModel, examples: Sequence[Example], *, active: Iterable[str] | None = None
) -> Evaluation:
    """Macro-F1 over the themes that occur in ``examples``, and each theme's precision and
    recall (a theme that is predicted but never true counts against precision only)."""
    predicted = model.classify([e.text for e in examples], active=active)
    scores = []
    for theme in model.themes:
        truth = [theme in e.themes for e in examples]
        guess = [theme in p.themes for p in predicted]
        tp = sum(1 for t, g in zip(truth, guess, strict=True) if t and g)
        fp = sum(1 for t, g in zip(truth, guess, strict=True) if g and not t)
        fn = sum(1 for t, g in zip(truth, guess, strict=True) if t and not g)
        support = sum(truth)
        if support == 0 and fp == 0:
            continue
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores.append(ThemeScore(theme, precision, recall, f1, support))
    with_support = [s for s in scores if s.support]
    macro = math.fsum(s.f1 for s in with_support) / len(with_support) if with_support else 0.0
    return Evaluation(len(examples), macro, tuple(scores))


# --- the model file ----------------------------------------------------------------------------


def model_path(data_dir: Path) -> Path:
    return data_dir / "triage" / "themes-model.joblib"


def save(model: ThemeModel, path: Path) -> None:
    """Write atomically (a crash never leaves half a model), readable by Beacon's user only."""
    import os

    import joblib

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_suffix(".tmp")
    joblib.dump(
        {"meta": model.meta, "themes": model.themes, "thresholds": model.thresholds,
         "pipeline": model.pipeline},
        temporary,
    )  # fmt: skip
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def load(path: Path) -> ThemeModel:
    """The model in ``path``; :class:`ModelUnavailable` (naming the rebuild command) when it is
    missing, unreadable, or from another model format or scikit-learn version."""
    import joblib
    import sklearn

    if not path.exists():
        raise ModelUnavailable(f"no theme classifier at {path}: build it with `{REBUILD_COMMAND}`")
    try:
        stored = joblib.load(path)
        meta = dict(stored["meta"])
    except Exception as error:  # any unreadable file gets the same advice
        raise ModelUnavailable(
            f"the theme classifier at {path} cannot be read ({type(error).__name__}): rebuild "
            f"it with `{REBUILD_COMMAND}`"
        ) from error
    if meta.get("format") != MODEL_FORMAT or meta.get("sklearn") != sklearn.__version__:
        raise ModelUnavailable(
            f"the theme classifier at {path} was built by an older Beacon (model format "
            f"{meta.get('format')}, scikit-learn {meta.get('sklearn')}; this one needs format "
            f"{MODEL_FORMAT}, scikit-learn {sklearn.__version__}): rebuild it with "
            f"`{REBUILD_COMMAND}`"
        )
    model = ThemeModel(
        tuple(stored["themes"]), stored["pipeline"], dict(stored["thresholds"]), meta
    )
    return model
