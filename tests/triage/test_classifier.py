"""The theme classifier: the corpus and its checks, the held-out split, selection, scores on
text it never saw (its own held-out split and a set written apart from the corpus), the model
file, and ``beacon triage classify`` / ``retrain`` as a user runs them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from beacon.config import Settings
from beacon.triage import classifier
from beacon.triage.taxonomy import BUILT_IN_THEMES

THEMES = [t.key for t in BUILT_IN_THEMES]
OTHERS = Path(__file__).parent / "data" / "others_themes.jsonl"
LABELLING_GUIDE = Path(__file__).parents[2] / "docs" / "TRIAGE_LABELLING.md"
# Floors a little under the figures last measured (docs/PERFORMANCE.md): a change that costs
# more than this fails here. The goals are 0.85 on the held-out split (not met: 0.84
# after the O1 audit and part_e) and 0.75 on text written by others (met: 0.85).
HELD_OUT_FLOOR = 0.80
OTHERS_GOAL = 0.75


@pytest.fixture(scope="module")
def corpus() -> list[classifier.Example]:
    return classifier.load_corpus(themes=THEMES)


@pytest.fixture(scope="module")
def model(corpus: list[classifier.Example]) -> classifier.ThemeModel:
    train, _ = classifier.split(corpus)
    return classifier.train(train, THEMES)


def test_the_corpus_covers_every_theme_in_both_writers_voices(
    corpus: list[classifier.Example],
) -> None:
    assert len(corpus) >= 2000
    counts = {t: sum(1 for e in corpus if t in e.themes) for t in THEMES}
    assert min(counts.values()) >= 100, counts
    assert len({e.id for e in corpus}) == len(corpus)
    assert sum(1 for e in corpus if len(e.themes) > 1) > 0.15 * len(corpus)


def test_the_corpus_has_five_parts_and_its_relabelling_log_matches_it(
    corpus: list[classifier.Example],
) -> None:
    parts = {p.name: 0 for p in classifier.corpus_paths()}
    assert list(parts) == [f"part_{p}.jsonl" for p in "abcde"]
    prefixes = {e.id.split("-")[0] for e in corpus}
    assert prefixes == {"a", "b", "c", "d", "e"}
    assert sum(1 for e in corpus if e.id.startswith("c-")) == 303
    assert sum(1 for e in corpus if e.id.startswith("d-")) == 175
    assert sum(1 for e in corpus if e.id.startswith("e-")) == 220
    _, held_out = classifier.split(corpus)
    assert len(corpus) == 3184 and len(held_out) == 609
    # Every relabelling is logged with the guide's rule, and the corpus carries the new labels.
    log = classifier.corpus_paths()[0].parent / classifier.RELABEL_LOG
    entries = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert len(entries) == 233
    guide = LABELLING_GUIDE.read_text(encoding="utf-8")
    by_id = {e.id: e for e in corpus}
    latest: dict[str, list[str]] = {}
    for entry in entries:
        assert set(entry) == {"id", "old_themes", "new_themes", "rule"}
        assert entry["new_themes"] != entry["old_themes"]
        # A report relabelled twice (Y2, then O1) chains: each change starts where the last ended.
        assert latest.get(entry["id"], entry["old_themes"]) == entry["old_themes"], entry
        latest[entry["id"]] = entry["new_themes"]
        rules = re.findall(r"(?:^|; )([A-Z][0-9]): ", entry["rule"])
        assert rules and all(f"**{rule}." in guide for rule in rules), entry["rule"]
    for report_id, themes in latest.items():
        assert list(by_id[report_id].themes) == themes, report_id


def test_corpus_errors_name_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "x1", "text": "dealing from the flat", "themes": ["drugs"]}\n'
        "not json\n"
        '{"id": "x2", "text": "", "themes": ["drugs"]}\n'
        '{"id": "x3", "text": "a scam call", "themes": ["fraud"]}\n'
        '{"id": "x1", "text": "again", "themes": ["drugs"]}\n'
        '{"id": "x4", "text": "no themes", "themes": []}\n',
        encoding="utf-8",
    )
    with pytest.raises(classifier.CorpusError) as caught:
        classifier.load_corpus([bad], themes=THEMES)
    message = str(caught.value)
    assert "bad.jsonl, line 2: not JSON" in message
    assert 'bad.jsonl, line 3: no "text" string' in message
    assert "bad.jsonl, line 4: unknown theme key(s) fraud" in message
    assert "bad.jsonl, line 5: id 'x1' is also in bad.jsonl, line 1" in message
    assert "bad.jsonl, line 6: " in message


def test_the_held_out_split_is_stable_as_the_corpus_grows(
    corpus: list[classifier.Example],
) -> None:
    train, held_out = classifier.split(corpus)
    assert 0.15 < len(held_out) / len(corpus) < 0.25
    grown = [*corpus, classifier.Example("new-1", "extra text", ("drugs",))]
    _, held_again = classifier.split(grown)
    assert {e.id for e in held_out} <= {e.id for e in held_again}
    # Analysts' corrections always train.
    corrections = [classifier.Example(e.id, e.text, e.themes, "correction") for e in held_out]
    assert classifier.split(corrections) == (corrections, [])
    assert not {e.id for e in train} & {e.id for e in held_out}


def test_selection_and_the_hint_and_indicator_lift() -> None:
    thresholds = {"drugs": 0.5, "county_lines": 0.4, "asb": 0.5}
    assert classifier.select({"drugs": 0.9, "county_lines": 0.45, "asb": 0.1}, thresholds) == [
        "drugs", "county_lines",
    ]  # fmt: skip
    # None over its threshold: the best one alone.
    assert classifier.select({"drugs": 0.3, "county_lines": 0.2, "asb": 0.1}, thresholds) == [
        "drugs"
    ]
    # A far weaker second theme is left out even over its own threshold.
    assert classifier.select({"drugs": 0.99, "county_lines": 0.29}, {"county_lines": 0.2}) == [
        "drugs"
    ]
    scores = {"drugs": 0.4, "cuckooing": 0.3, "asb": 0.2}
    lifted = classifier.combine(scores, hints=["cuckooing"], indicators={"drugs": 3, "asb": 0})
    assert lifted == {"drugs": 0.55, "cuckooing": 0.45, "asb": 0.2}
    capped = classifier.combine({"drugs": 0.95}, hints=["drugs"], indicators={"drugs": 50})
    assert capped == {"drugs": 1.0}


def test_scores_on_text_the_model_never_saw(
    model: classifier.ThemeModel, corpus: list[classifier.Example]
) -> None:
    _, held_out = classifier.split(corpus)
    own = classifier.evaluate(model, held_out)
    assert own.macro_f1 >= HELD_OUT_FLOOR, own.to_dict()
    others = classifier.evaluate(model, classifier.load_corpus([OTHERS], themes=THEMES))
    assert others.macro_f1 >= OTHERS_GOAL, others.to_dict()
    # Every theme is found at least half the time on the set written apart.
    weak = {s.theme: round(s.recall, 2) for s in others.per_theme if s.recall < 0.5}
    assert not weak, weak


def test_slang_and_misspellings_reach_the_right_theme(model: classifier.ThemeModel) -> None:
    texts = [
        "lads keep gng in2 the bando on Station rd, think there plugging for a line from brum",
        "someone hacked my mums facebook and messaged all her freinds asking for money",
        "the old fella at no 9 has had 3 young lads staying for weeks, he looks terrified",
    ]
    chosen = [r.themes for r in model.classify(texts)]
    assert "county_lines" in chosen[0]
    assert "cyber_crime" in chosen[1]
    assert "cuckooing" in chosen[2]
    # A retired theme is never offered.
    active = [t for t in THEMES if t != "cuckooing"]
    assert "cuckooing" not in model.classify(texts[2:], active=active)[0].themes


def test_the_model_file_round_trips_and_refuses_what_it_cannot_use(
    model: classifier.ThemeModel, tmp_path: Path
) -> None:
    path = tmp_path / "triage" / "themes-model.joblib"
    with pytest.raises(classifier.ModelUnavailable, match="beacon triage retrain"):
        classifier.load(path)
    classifier.save(model, path)
    assert path.stat().st_mode & 0o777 == 0o600
    again = classifier.load(path)
    text = ["my nan got a call from her bank saying move all her money to a safe account"]
    assert again.classify(text)[0].scores == model.classify(text)[0].scores
    import joblib

    stored = joblib.load(path)
    stored["meta"]["format"] = 0
    joblib.dump(stored, path)
    with pytest.raises(classifier.ModelUnavailable, match=r"older Beacon.*beacon triage retrain"):
        classifier.load(path)
    path.write_bytes(b"not a model")
    with pytest.raises(classifier.ModelUnavailable, match="cannot be read"):
        classifier.load(path)


def test_classify_command_prints_themes_and_entities_in_input_order(
    model: classifier.ThemeModel,
    settings: Settings,
    cli,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("BEACON_DATA_DIR", str(settings.data_dir))
    source = tmp_path / "reports.jsonl"
    source.write_text(
        json.dumps({"id": 7, "text": "dealer on 07700 900123 drives BD19 XKF, goes by Tiny"})
        + "\n\n"
        + json.dumps({"text": "kids setting fire to the bins behind Elm Court every night"})
        + "\n",
        encoding="utf-8",
    )
    missing = cli("triage", "classify", str(source), expect_exit=1)
    assert "no theme classifier" in missing.stderr and "beacon triage retrain" in missing.stderr
    classifier.save(model, classifier.model_path(settings.data_dir))
    out = [json.loads(line) for line in cli("triage", "classify", str(source)).stdout.splitlines()]
    assert [o["line"] for o in out] == [1, 3]
    assert out[0]["id"] == 7 and "id" not in out[1]
    assert out[0]["themes"] and set(out[0]["themes"]) <= set(THEMES)
    assert list(out[0]["scores"]) == sorted(out[0]["scores"], key=lambda t: -out[0]["scores"][t])
    entities = {(e["type"], e["value"]) for e in out[0]["entities"]}
    assert ("phone", "+447700900123") in entities
    assert ("vehicle", "BD19XKF") in entities
    for entity in out[0]["entities"]:
        text = json.loads(source.read_text().splitlines()[0])["text"]
        assert text[entity["start"] : entity["end"]] == entity["text"]


def test_classify_command_refuses_bad_input_naming_the_line(
    settings: Settings,
    cli,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("BEACON_DATA_DIR", str(settings.data_dir))
    source = tmp_path / "bad.jsonl"
    source.write_bytes(
        b'{"text": "fine"}\n{"id": 2}\n{"text": "' + b"x" * 20_001 + b'"}\n\xff\xfe broken\n'
    )
    result = cli("triage", "classify", str(source), expect_exit=1)
    assert f'{source}:2: JSON object without a "text" string' in result.stderr
    assert f"{source}:3: " in result.stderr and "20,000" in result.stderr
    assert f"{source}:4: invalid UTF-8" in result.stderr
    assert result.stdout == ""
