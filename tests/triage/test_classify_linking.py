"""``beacon triage classify`` links the entities across its inputs (the issue's "classify +
extract + link"): each entity carries its entity id, each input the lines it shares one with;
``--no-link`` leaves both out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from beacon.config import Settings
from beacon.triage import classifier
from beacon.triage.taxonomy import BUILT_IN_THEMES

THEMES = ("county_lines", "asb", "domestic_abuse")


@pytest.fixture(scope="module")
def small_model() -> classifier.ThemeModel:
    corpus = classifier.load_corpus(themes=[t.key for t in BUILT_IN_THEMES])
    return classifier.train([e for e in corpus if e.themes[0] in THEMES][:240], THEMES)


def test_classify_links_entities_across_lines(
    small_model: classifier.ThemeModel,
    settings: Settings,
    cli,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("BEACON_DATA_DIR", str(settings.data_dir))
    classifier.save(small_model, classifier.model_path(settings.data_dir))
    source = tmp_path / "reports.txt"
    source.write_text(
        "Jordan Reilly is selling from the flat, his line is 07700 900123\n"
        "the lad Jordan Reily was back again tonight\n"
        "ring 07700900123 for the gear they say\n"
        "kids kicking footballs at cars on Elm Road\n",
        encoding="utf-8",
    )
    out = [json.loads(line) for line in cli("triage", "classify", str(source)).stdout.splitlines()]
    assert [o["linked_lines"] for o in out] == [[2, 3], [1], [1], []]
    ids = {(e["type"], e["value"]): e["entity"] for o in out for e in o["entities"]}
    assert ids[("person", "Jordan Reily")] == ids[("person", "Jordan Reilly")]
    assert ids[("phone", "+447700900123")] == "phone:+447700900123"
    plain = [
        json.loads(line)
        for line in cli("triage", "classify", "--no-link", str(source)).stdout.splitlines()
    ]
    assert all("linked_lines" not in o for o in plain)
    assert all("entity" not in e for o in plain for e in o["entities"])
    assert [o["themes"] for o in plain] == [o["themes"] for o in out]
