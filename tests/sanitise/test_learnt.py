"""The learnt second reader for reporters who identify themselves (``sanitise/learnt.py``):
what it reads, that it only ever flags, that the shipped model is the one its training sets
give, and a clear error when the model is missing or stale."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from beacon.sanitise import learnt
from beacon.sanitise.detect import about_reporter, get_sanitiser
from beacon.sanitise.evaluate_selfid import load_selfid_items
from sanitise import test_selfid, test_selfid_round4

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"


def _training_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "train_selfid_model", ROOT / "scripts" / "train_selfid_model.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_card_names_every_tuning_set_and_no_blind_one() -> None:
    card = learnt.model_card()
    trained = {entry["file"]: entry for entry in card["trained_on"]}
    tuning = sorted(p.name for p in DATA.glob("selfid_tuning*.jsonl"))
    assert sorted(trained) == tuning
    assert not [name for name in trained if "blind" in name]
    for name, entry in trained.items():
        # A set changed without retraining fails here: run scripts/train_selfid_model.py.
        assert entry["sha256"] == hashlib.sha256((DATA / name).read_bytes()).hexdigest(), name
        assert entry["texts"] == len(load_selfid_items(DATA / name))
    assert 0.5 <= card["threshold"] <= 0.95
    pooled = card["cross_validation"]["pooled"][f"{card['threshold']:.2f}"]
    assert pooled["subject_redacted"] == 0


def test_the_shipped_model_is_what_its_training_sets_give(tmp_path: Path) -> None:
    """Training is deterministic: retraining on the same sets with the same features gives
    the same model file, so a change to ``token_features`` without retraining fails here."""
    script = _training_script()
    items = [item for path in script.training_sets() for item in load_selfid_items(path)]
    script._train(items, tmp_path / "selfid.crfsuite")
    assert (tmp_path / "selfid.crfsuite").read_bytes() == learnt.MODEL_FILE.read_bytes()


def test_it_reads_first_person_sentences_sign_offs_and_fields_only() -> None:
    text = (
        "The dealer is Reece Dolan at 14 Hope Street, he drives a black Golf and parks it on "
        "the corner most nights.\n"
        "I live opposite the chippy and see it every night.\n"
        "Name: Pat\n"
        "Thanks\n"
        "Pat Morgan"
    )
    read = [text[s[0].start : s[-1].end] for s in learnt.sequences(text)]
    assert read == [
        "I live opposite the chippy and see it every night.\nName: Pat\nThanks\nPat Morgan"
    ]
    # A short first line is read (a greeting or "From:" line); one sentence about someone
    # else, alone, is not.
    assert learnt.sequences("Hi all\nReece deals from 14 Hope Street.\nThanks")[0][0].text == "Hi"
    assert learnt.sequences("Reece Dolan deals from 14 Hope Street most nights.") == []


def test_it_only_flags_and_never_where_a_rule_found_something() -> None:
    sanitiser = get_sanitiser()
    text = (
        "We run the campsite at the head of the glen, the last one before the road runs out. "
        "Lads have been selling from a silver Corsa, 07700 900 321 is their number."
    )
    rules = sanitiser.analyse(text, learnt=False)
    both = sanitiser.analyse(text)
    added = [f for f in both if f not in rules]
    assert added, both
    for finding in added:
        assert finding.type == "SELF_REFERENCE"
        assert finding.action == "flag"
        assert "learnt reader" in finding.reason
        assert finding.score >= learnt.get_tagger().threshold
        assert not any(r.start < finding.end and finding.start < r.end for r in rules)
    assert any("campsite" in f.text for f in added)
    # The subject's number stays a flag, never a redaction.
    assert [f.action for f in both if f.type == "PHONE"] == ["flag"]
    # Nothing it adds is ever removed from the text.
    assert "campsite" in sanitiser.redact(text, both)


def test_what_it_flags_among_ordinary_mentions_is_measured() -> None:
    """The rules flag none of the hand-written ordinary mentions; the learnt reader flags a
    few ("I'm the only one who seems to care"), a cost the human sanitiser pays in a glance.
    Measured 3 of 34 when it was introduced; more than 5 means it has drifted."""
    texts = [
        *test_selfid.test_ordinary_mentions_are_not_flagged.pytestmark[0].args[1],
        *test_selfid.test_ordinary_mentions_stay_unflagged.pytestmark[0].args[1],
        *test_selfid_round4.test_round_four_what_is_not_the_reporter.pytestmark[0].args[1],
    ]
    sanitiser = get_sanitiser()
    flagged = [t for t in texts if any(about_reporter(f) for f in sanitiser.analyse(t))]
    assert len(texts) == 34
    assert len(flagged) <= 5, flagged


def test_a_missing_model_says_how_to_rebuild_it(tmp_path: Path) -> None:
    with pytest.raises(learnt.SelfIdModelError, match=r"train_selfid_model\.py"):
        learnt.SelfIdTagger(tmp_path / "missing.crfsuite")
    broken = tmp_path / "broken.crfsuite"
    broken.write_bytes(b"not a model")
    with pytest.raises(learnt.SelfIdModelError, match="cannot read"):
        learnt.SelfIdTagger(broken)


def test_a_card_for_other_features_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    card = json.loads(learnt.CARD_FILE.read_text(encoding="utf-8"))
    card["feature_version"] = learnt.FEATURE_VERSION + 1
    stale = tmp_path / "selfid_model.json"
    stale.write_text(json.dumps(card), encoding="utf-8")
    monkeypatch.setattr(learnt, "CARD_FILE", stale)
    with pytest.raises(learnt.SelfIdModelError, match="features version"):
        learnt.model_card()


def test_a_text_in_capitals_is_read_in_lower_case() -> None:
    shouted = "MY KIDS CANT PLAY IN THE GARDEN FOR THE STINK FROM NUMBER 9"
    assert learnt.reading_text(shouted) == shouted.lower()
    # Ordinary capitals (names, a shouted word or two) are left as they are.
    mixed = "Dave Jones at NUMBER 9 keeps dealing from the garages every night"
    assert learnt.reading_text(mixed) == mixed
    assert learnt.reading_text("OK THEN") == "OK THEN"  # too short to tell
