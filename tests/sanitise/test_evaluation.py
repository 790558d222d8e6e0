"""The evaluation sets (offsets, size, reproducibility) and the goals the sanitiser must meet."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from beacon.sanitise.detect import FINDING_TYPES, Finding
from beacon.sanitise.evaluate import (
    RECALL_GOALS,
    EvalItem,
    EvaluationReport,
    GoldSpan,
    Miss,
    TypeScore,
    default_path,
    evaluate,
    load_items,
    score_item,
)

REPO = Path(__file__).resolve().parents[2]
MAIN = default_path()
HOLDOUT = MAIN.with_name("holdout_set.jsonl")


def rows(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.parametrize("path", [MAIN, HOLDOUT], ids=["main", "holdout"])
def test_every_span_offset_matches_its_surface_form(path: Path) -> None:
    for row in rows(path):
        text = row["text"]
        assert isinstance(text, str)
        previous_end = 0
        for span in row["spans"]:  # type: ignore[attr-defined]
            assert text[span["start"] : span["end"]] == span["text"], (row["id"], span)
            assert span["type"] in FINDING_TYPES
            assert span["action"] in ("redact", "flag")
            assert span["start"] >= previous_end, f"overlapping gold spans in {row['id']}"
            previous_end = span["end"]


def test_main_set_size_and_mix() -> None:
    data = rows(MAIN)
    assert len(data) >= 320
    assert sum(1 for r in data if r["source"] == "hand") >= 80
    assert sum(1 for r in data if not r["spans"]) >= 20  # negatives, so precision means something
    assert len({r["id"] for r in data}) == len(data)
    counts: dict[str, int] = {}
    for row in data:
        for span in row["spans"]:  # type: ignore[attr-defined]
            counts[span["type"]] = counts.get(span["type"], 0) + 1
    for kind in RECALL_GOALS:
        assert counts.get(kind, 0) >= 20, kind


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_eval", REPO / "scripts/make_sanitise_eval.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_sets_are_what_the_generator_writes() -> None:
    generator = _generator()
    assert generator.build() == rows(MAIN)
    assert generator.build_holdout() == rows(HOLDOUT)


def _identifiers(report: EvaluationReport) -> TypeScore:
    """Every type but SELF_REFERENCE, pooled (see RECALL_GOALS on why self-references are
    measured apart)."""
    total = TypeScore("IDENTIFIERS")
    for kind, score in report.per_type.items():
        if kind == "SELF_REFERENCE":
            continue
        total.support += score.support
        total.predicted += score.predicted
        total.true_positives += score.true_positives
        total.matched_gold += score.matched_gold
        total.action_agreed += score.action_agreed
    return total


def test_recall_goals_and_precision_floor_on_the_main_set() -> None:
    report = evaluate(MAIN)
    for kind, goal in RECALL_GOALS.items():
        score = report.per_type[kind]
        assert score.recall >= goal, (kind, score.to_dict())
        # Measured 1.000 for every goal type; the floor leaves room, not slack for regressions.
        assert score.precision >= 0.95, (kind, score.to_dict())
    identifiers = _identifiers(report)
    assert identifiers.precision >= 0.95 and identifiers.recall >= 0.97
    overall = report.overall
    assert overall.precision >= 0.95
    assert overall.action_accuracy >= 0.95
    # Issue 11: ordinary first-person mentions ("my son told me", "our street") are no longer
    # self-references, and this set labels 129 of them and the identifying kind alike.
    # Measured after issue 11: precision 1.000, recall 0.512; floors, not goals (the goal is in
    # test_selfid.py, on text the team did not write). Round 4 (0.543 -> 0.450): a vantage
    # alone ("from my kitchen window I can see them") and one of many at a big place ("I'm a
    # nurse at Jimmy's") are ordinary mentions, as two independent authors labelled them.
    self_refs = report.per_type["SELF_REFERENCE"]
    assert self_refs.precision >= 0.95, self_refs.to_dict()
    assert self_refs.recall >= 0.42, self_refs.to_dict()
    table = report.table()
    assert "precision" in table and "support" in table


def test_held_out_texts_floor() -> None:
    """The held-out texts were not written against the engine. First run, before the fixes
    they prompted: precision 0.963, recall 0.776 (self-references 0.50). These floors guard
    against regressions; they are not a fresh estimate any more. Since issue 11 most of its
    26 self-references ("my missus", "our street", "I'm a driver for Arriva") are ordinary
    mentions that are no longer found (recall 0.308 measured; 0.269 after round 4, which
    drops "from my flat window I saw ..."), so identifiers and self-references have separate
    floors."""
    report = evaluate(HOLDOUT)
    identifiers = _identifiers(report)
    assert identifiers.recall >= 0.95
    assert report.overall.precision >= 0.90
    assert report.per_type["SELF_REFERENCE"].recall >= 0.24


def test_scoring_matches_each_gold_span_once() -> None:
    item = EvalItem(
        id="x",
        text="07700 900123 07700 900124 AB12 CDE",
        reporter=None,
        spans=(
            GoldSpan(0, 12, "PHONE", "redact"),
            GoldSpan(13, 25, "PHONE", "flag"),
            GoldSpan(26, 34, "VEHICLE_REGISTRATION", "flag"),
        ),
    )
    findings = [
        Finding(0, 25, "PHONE", item.text[0:25], 1.0, "redact", "one span over both"),
        Finding(26, 34, "POSTCODE", "AB12 CDE", 1.0, "flag", "wrong type"),
    ]
    per_type: dict[str, TypeScore] = {}
    misses: list[Miss] = []
    score_item(item, findings, per_type, misses)
    assert per_type["PHONE"].true_positives == 1 and per_type["PHONE"].support == 2
    assert per_type["PHONE"].recall == 0.5 and per_type["PHONE"].precision == 1.0
    assert per_type["VEHICLE_REGISTRATION"].recall == 0.0
    assert per_type["POSTCODE"].precision == 0.0
    assert sorted(m.kind for m in misses) == ["false_negative", "false_negative", "false_positive"]


def test_load_items_reports_bad_lines(tmp_path: Path) -> None:
    from beacon.sanitise.evaluate import EvalSetError

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok", "spans": []}\n{"spans": []}\n', encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"bad\.jsonl:2"):
        load_items(bad)
