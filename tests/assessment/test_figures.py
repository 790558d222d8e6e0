"""The document's figures are the analytics engine's figures, and a run reproduces exactly.

Derby (E06000015), 2018-10 to 2018-12, from the shared data.police.uk files: every figure the
strategic assessment quotes is recomputed here through ``beacon.analytics`` directly (not
through the assessment's own code) and compared.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from beacon.analytics.errors import AnalysisInputError
from beacon.analytics.measures import run_hotspots
from beacon.analytics.selection import area_choice
from beacon.analytics.service import analysis, run_counts
from beacon.assessment import manifest as manifests
from beacon.assessment.config import from_mapping, load_config
from beacon.assessment.service import Outcome, compute
from beacon.assessment.spec import AssessmentSpec, Judgement, OverrideEntry
from beacon.assessment.suppress import shared_version
from beacon.config import Settings
from beacon.workspace.tables import SMALL

PERIOD = ("2018-10", "2018-12")
SPEC = AssessmentSpec(
    kind="strategic", scope="lad:E06000015", period_from=PERIOD[0], period_to=PERIOD[1]
)


@pytest.fixture(scope="module")
def outcome(snapshot_settings: Settings) -> Outcome:
    return compute(snapshot_settings, SPEC, previous_run_key=None)


@pytest.fixture(scope="module")
def engine(snapshot_settings: Settings) -> Iterator[Any]:
    with analysis(snapshot_settings, engine="duckdb") as context:
        yield context


def test_totals_equal_the_engine(outcome: Outcome, engine: Any) -> None:
    choice = area_choice(lad="E06000015")
    totals = run_counts(engine, source="crime", choice=choice, asked=PERIOD, by="")
    row = totals.rows[0]
    figures = outcome.document.figures
    assert figures["total.count"] == row["count"] > 8000
    assert figures["total.harm"] == pytest.approx(row["harm"])
    assert figures["total.rate"] == pytest.approx(row["rate"])
    assert figures["method.rows.street_crime"] == row["count"]


def test_theme_counts_equal_the_engine(outcome: Outcome, engine: Any) -> None:
    choice = area_choice(lad="E06000015")
    by_type = {
        r["crime_type"]: r
        for r in run_counts(
            engine, source="crime", choice=choice, asked=PERIOD, by="crime-type"
        ).rows
    }
    config = load_config()
    figures = outcome.document.figures
    counted = 0
    for theme in config.themes:
        if not theme.crime_types:
            assert f"theme.{theme.key}.count" not in figures
            continue
        expected = sum(by_type.get(t, {}).get("count", 0) for t in theme.crime_types)
        harm = sum(by_type.get(t, {}).get("harm") or 0.0 for t in theme.crime_types)
        assert figures[f"theme.{theme.key}.count"] == expected, theme.key
        assert figures[f"theme.{theme.key}.harm"] == pytest.approx(harm)
        counted += expected
    # Every crime type belongs to exactly one theme: the themes add up to the total.
    assert counted == figures["total.count"]


def test_hot_spot_counts_equal_the_engine(outcome: Outcome, engine: Any) -> None:
    choice = area_choice(lad="E06000015")
    hot = run_hotspots(
        engine,
        source="crime",
        choice=choice,
        asked=PERIOD,
        types="Drugs",
        seed=load_config().get("seed"),
        significance="normal",
    )
    expected = sum(v for k, v in (hot.body.get("summary") or {}).items() if k.startswith("hot"))
    assert outcome.document.figures["theme.drugs.hot_spots"] == expected


def test_the_ten_sections_in_order(outcome: Outcome) -> None:
    titles = [s.title for s in outcome.document.sections]
    assert titles == [
        "Executive summary",
        "Data and method",
        "Current picture per theme",
        "Emerging risks",
        "Communities of focus",
        "Partnership capacity and capability",
        "Prioritisation matrix",
        "Recommended priorities and themes",
        "Horizon scan (PESTELO)",
        "Appendix",
    ]
    # Sections that cannot be computed say so (three months: no trend test).
    emerging = outcome.document.section("emerging")
    assert emerging is not None and any("Mann–Kendall" in m for m in emerging.missing)
    # Every figure has a text alternative and a table beside it.
    for section, figure in outcome.document.all_figures():
        assert figure.alt and figure.table in {t.id for t in section.tables}


def test_a_run_reproduces_from_its_manifest(snapshot_settings: Settings, outcome: Outcome) -> None:
    manifest = outcome.manifest
    assert manifest["snapshot"]["id"] == outcome.document.snapshot["id"]
    assert manifest["configuration_sha256"] == load_config().digest
    again = compute(
        snapshot_settings,
        AssessmentSpec.from_dict(manifest["spec"]),
        Judgement.from_dict(manifest["judgement"]),
        snapshot_id=manifest["snapshot"]["id"],
        config=from_mapping(manifest["configuration"]),
        previous_run_key=manifest["previous_run_key"],
        generated_at=manifest["generated_at"],
    )
    assert again.manifest["figures_sha256"] == manifest["figures_sha256"]
    assert again.document.figures == outcome.document.figures
    assert manifests.compare(manifest, again.manifest) == []


def test_an_override_changes_the_score_and_the_comparison_says_why(
    snapshot_settings: Settings, outcome: Outcome
) -> None:
    judgement = Judgement(
        overrides=(
            OverrideEntry(
                theme="cyber",
                component="likelihood",
                value=5,
                justification="Action Fraud reports a sharp local rise not yet in our data",
                entered_by="A. Analyst",
                entered_at="2026-12-05T10:00:00+00:00",
            ),
        )
    )
    changed = compute(
        snapshot_settings,
        SPEC,
        judgement,
        snapshot_id=outcome.manifest["snapshot"]["id"],
        previous_run_key=None,
    )
    before = outcome.document.figures["score.cyber"]
    after = changed.document.figures["score.cyber"]
    assert changed.document.figures["score.cyber.likelihood"] == 5
    assert after > before
    matrix = changed.document.section("matrix")
    assert matrix is not None
    overrides = next(t for t in matrix.tables if t.id == "matrix-overrides")
    assert overrides.rows[0]["justification"].startswith("Action Fraud")
    rows = manifests.compare(outcome.manifest, changed.manifest)
    assert any(r["what"] == "judgement: overrides" for r in rows)
    assert any(r["what"] == "figure: score.cyber" and "overrides" in r["why"] for r in rows)


def test_shared_version_suppresses_small_counts(outcome: Outcome) -> None:
    shared = shared_version(outcome.document)
    assert shared.audience == "shared" and outcome.document.audience == "analysts"
    small = 0
    for _section, table in shared.all_tables():
        for column in table.columns:
            if column.format != "integer":
                continue
            for row in table.rows:
                value = row.get(column.key)
                assert not (isinstance(value, int) and 0 < value < 5), (table.id, column.key)
                small += value == SMALL
    assert small > 0  # Derby has LSOAs with one to four crimes of a kind


def test_missing_period_names_the_months_and_the_command(snapshot_settings: Settings) -> None:
    spec = AssessmentSpec(
        kind="strategic", scope="lad:E06000015", period_from="2017-01", period_to="2017-03"
    )
    with pytest.raises(AnalysisInputError) as error:
        compute(snapshot_settings, spec, previous_run_key=None)
    assert "2017-01" in str(error.value) and "beacon import police" in str(error.value)


def test_a_district_without_police_data_is_refused(snapshot_settings: Settings) -> None:
    # Leeds has an ONS lookup row in the shared file but no police data loaded here.
    spec = AssessmentSpec(
        kind="strategic", scope="lad:E08000035", period_from=PERIOD[0], period_to=PERIOD[1]
    )
    with pytest.raises(AnalysisInputError) as error:
        compute(snapshot_settings, spec, previous_run_key=None)
    assert "beacon import" in str(error.value)


def test_a_bad_configuration_is_named(tmp_path: Any) -> None:
    path = tmp_path / "bad.json"
    raw = load_config().raw | {"weights": {"harm": 1, "likelihood": 1}}
    import json

    path.write_text(json.dumps(raw))
    with pytest.raises(AnalysisInputError) as error:
        load_config(path)
    assert "weights" in str(error.value)
