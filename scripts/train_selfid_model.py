"""Train the sanitiser's learnt self-identification reader (``beacon.sanitise.learnt``).

    python scripts/train_selfid_model.py [--check]

Learns from every annotated set ``tests/sanitise/data/selfid_tuning*.jsonl`` (never from a
``selfid_blind*`` set: those stay unseen until their one run). Before training on all of them it
cross-validates leave-one-set-out: for each set, a model trained on the others tags it, its flags
join the rules' findings, and recall and the false-flag share are measured at each candidate
threshold. The threshold kept is the one with the best pooled recall whose pooled false-flag
share stays within the goal (``evaluate_selfid.FALSE_FLAG_GOAL``); the table goes into the model
card so ``docs/`` can quote it. Training is deterministic, so ``--check`` retrains into a
temporary directory and fails when the shipped card no longer matches the sets.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SETS_DIR = ROOT / "tests" / "sanitise" / "data"
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)
CRF_PARAMS = {
    "c1": 0.05,  # L1: keeps few features, so the model generalises past its authors' words
    "c2": 0.5,
    "max_iterations": 150,
    "feature.possible_transitions": True,
}


def training_sets() -> list[Path]:
    return sorted(SETS_DIR.glob("selfid_tuning*.jsonl"))


def _train(items: list[Any], path: Path) -> None:
    import pycrfsuite

    from beacon.sanitise import learnt

    trainer = pycrfsuite.Trainer(verbose=False)
    for item in items:
        spans = [(g.start, g.end) for g in item.identifying]
        text = learnt.reading_text(item.text)
        lay = learnt.layout(text)
        for tokens in learnt.sequences(text, lay):
            trainer.append(
                learnt.token_features(text, tokens, lay), learnt.token_labels(tokens, spans)
            )
    trainer.set_params(CRF_PARAMS)
    trainer.train(str(path))


def _score(items: list[Any], rule_findings: list[list[Any]], tagger: Any) -> dict[str, Any]:
    """Recall and false flags of rules + learnt flags at every threshold."""
    from beacon.sanitise.detect import Finding
    from beacon.sanitise.evaluate_selfid import _Tally, score_selfid_item

    spans_by_item = [tagger.spans(item.text) for item in items]
    out: dict[str, Any] = {}
    for threshold in THRESHOLDS:
        tally = _Tally()
        for item, findings, spans in zip(items, rule_findings, spans_by_item, strict=True):
            combined = list(findings)
            for span in spans:
                if span.probability < threshold:
                    continue
                if any(f.start < span.end and span.start < f.end for f in findings):
                    continue
                combined.append(
                    Finding(span.start, span.end, "SELF_REFERENCE", "", 0.0, "flag", "learnt")
                )
            score_selfid_item(item, combined, tally)
        support = sum(k.support for k in tally.per_kind.values())
        found = sum(k.found for k in tally.per_kind.values())
        out[f"{threshold:.2f}"] = {
            "support": support,
            "found": found,
            "self_findings": tally.self_findings,
            "false_flags": tally.false_flags,
            "subject_redacted": tally.subject_redacted,
        }
    return out


def cross_validate(sets: list[Path], workdir: Path) -> dict[str, Any]:
    from beacon.sanitise import learnt
    from beacon.sanitise.detect import Sanitiser
    from beacon.sanitise.evaluate_selfid import load_selfid_items

    sanitiser = Sanitiser(with_learnt=False)
    loaded = {path.name: load_selfid_items(path) for path in sets}
    per_set: dict[str, Any] = {}
    for name, items in loaded.items():
        others = [item for other, its in loaded.items() if other != name for item in its]
        model = workdir / f"cv_{name}.crfsuite"
        _train(others, model)
        tagger = learnt.SelfIdTagger(model, threshold=0.0, card={"threshold": 0.0})
        rules = [sanitiser.analyse(item.text, learnt=False) for item in items]
        per_set[name] = _score(items, rules, tagger)
        print(f"cross-validated {name}", file=sys.stderr)
    pooled: dict[str, Any] = {}
    for threshold in (f"{t:.2f}" for t in THRESHOLDS):
        sums = {k: sum(per_set[s][threshold][k] for s in per_set) for k in per_set[name][threshold]}
        sums["recall"] = round(sums["found"] / sums["support"], 4)
        sums["false_flag_share"] = round(sums["false_flags"] / max(1, sums["self_findings"]), 4)
        pooled[threshold] = sums
    return {"per_set": per_set, "pooled": pooled}


def choose_threshold(pooled: dict[str, Any], goal: float) -> float:
    within = [t for t, s in pooled.items() if s["false_flag_share"] <= goal]
    if not within:
        return max(THRESHOLDS)
    return float(max(within, key=lambda t: (pooled[t]["recall"], float(t))))


def build(out_dir: Path) -> dict[str, Any]:

    from beacon.sanitise import learnt
    from beacon.sanitise.evaluate_selfid import FALSE_FLAG_GOAL, load_selfid_items

    sets = training_sets()
    if not sets:
        raise SystemExit(f"error: no selfid_tuning*.jsonl sets in {SETS_DIR}")
    with tempfile.TemporaryDirectory() as scratch:
        validation = cross_validate(sets, Path(scratch))
    threshold = choose_threshold(validation["pooled"], FALSE_FLAG_GOAL)
    items = [item for path in sets for item in load_selfid_items(path)]
    out_dir.mkdir(parents=True, exist_ok=True)
    _train(items, out_dir / learnt.MODEL_FILE.name)
    card = {
        "feature_version": learnt.FEATURE_VERSION,
        "python_crfsuite": version("python-crfsuite"),
        "crf_params": CRF_PARAMS,
        "threshold": threshold,
        "trained_on": [
            {
                "file": path.name,
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "texts": len(load_selfid_items(path)),
            }
            for path in sets
        ],
        "cross_validation": validation,
    }
    (out_dir / learnt.CARD_FILE.name).write_text(
        json.dumps(card, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    return card


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="retrain and compare the card")
    args = parser.parse_args()
    from beacon.sanitise import learnt

    if args.check:
        with tempfile.TemporaryDirectory() as scratch:
            card = build(Path(scratch))
        shipped = learnt.model_card()
        if card != shipped:
            print("error: the shipped model card differs from a fresh build", file=sys.stderr)
            return 1
        print("the shipped self-identification model matches its training sets")
        return 0
    card = build(learnt.MODEL_DIR)
    pooled = card["cross_validation"]["pooled"]
    print(f"{'threshold':>9} {'recall':>7} {'false flags':>12}")
    for threshold, scores in pooled.items():
        mark = "  <- kept" if float(threshold) == card["threshold"] else ""
        print(
            f"{threshold:>9} {scores['recall']:7.3f} {scores['false_flag_share']:12.3f}"
            f" ({scores['false_flags']} of {scores['self_findings']}){mark}"
        )
    print(f"model written: {learnt.MODEL_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
