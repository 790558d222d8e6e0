"""Analysts' theme corrections (``triage.corrections``): stored as a history with an audit event,
refused for retired themes or too many, and read back as training examples (the newest
correction of each report, never an erased report). SQLite and, when configured, PostgreSQL.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from beacon.intake.models import IntelReport
from beacon.triage import service
from beacon.triage.corrections import CorrectionError, correct_themes, correction_examples
from beacon.triage.models import ThemeCorrection
from triage.test_themes import SYSTEM, World
from triage.test_themes import world as world

NARRATIVE = "Three young men arrive by taxi most nights."


def _correct(world: World, report_id: str, themes: list[str], previous: list[str] = []) -> None:
    user_id, _, _, actor = world.people["analyst"]
    with world.runtime.sessions() as session:
        report = session.get(IntelReport, report_id)
        assert report is not None
        correct_themes(
            session, actor=actor, user_id=user_id, report=report, themes=themes, previous=previous
        )
        session.commit()


def test_a_correction_is_stored_with_its_history_and_audit_event(world: World) -> None:
    report_id = world.sanitised("drugs")
    _correct(world, report_id, ["county_lines", "drugs", " county_lines "], previous=["drugs"])
    _correct(world, report_id, ["cuckooing"], previous=["county_lines", "drugs"])
    with world.runtime.sessions() as session:
        rows = session.scalars(
            select(ThemeCorrection)
            .where(ThemeCorrection.report_id == report_id)
            .order_by(ThemeCorrection.id)
        ).all()
        assert [(r.themes, r.previous) for r in rows] == [
            (("county_lines", "drugs"), ("drugs",)),  # repeats dropped, order kept
            (("cuckooing",), ("county_lines", "drugs")),
        ]
        assert {r.corrected_by_user_id for r in rows} == {world.people["analyst"][0]}
        report = session.get(IntelReport, report_id)
        assert report is not None and report.theme == "cuckooing"  # the first is the main theme
    events = world.events("triage.themes_corrected")
    assert len(events) == 2
    assert events[0].record_type == "intel_report" and events[0].record_id == report_id
    assert events[0].actor_label == "analyst@hub.example"
    assert json.loads(events[0].details_json) == {
        "themes": ["county_lines", "drugs"],
        "previous": ["drugs"],
    }


@pytest.mark.parametrize(
    ("themes", "message"),
    [
        ([], "choose at least one theme"),
        (["  "], "choose at least one theme"),
        (["drugs", "asb", "cce", "cse", "other", "cuckooing"], "choose at most 5 themes"),
        (["drugs", "no_such_theme"], "not an active theme: no_such_theme"),
    ],
)
def test_bad_themes_are_refused_and_nothing_is_stored(
    world: World, themes: list[str], message: str
) -> None:
    report_id = world.sanitised("drugs")
    with pytest.raises(CorrectionError, match=message):
        _correct(world, report_id, themes)
    with world.runtime.sessions() as session:
        assert session.scalars(select(ThemeCorrection)).all() == []
        report = session.get(IntelReport, report_id)
        assert report is not None and report.theme == "drugs"
    assert world.events("triage.themes_corrected") == []


def test_a_retired_theme_is_refused(world: World) -> None:
    report_id = world.sanitised("drugs")
    with world.runtime.sessions() as session:
        service.retire_theme(session, actor=SYSTEM, key="cuckooing")
        session.commit()
    with pytest.raises(CorrectionError, match="not an active theme: cuckooing"):
        _correct(world, report_id, ["cuckooing"])
    _correct(world, report_id, ["county_lines", "drugs", "asb", "cce", "cse"])  # five is fine


def test_examples_use_the_newest_correction_and_skip_erased_reports(world: World) -> None:
    first = world.sanitised("drugs")
    second = world.sanitised("drugs")
    erased = world.sanitised("drugs")
    _correct(world, first, ["drugs"])
    _correct(world, first, ["county_lines", "cuckooing"])  # the newest wins
    _correct(world, second, ["asb"])
    _correct(world, erased, ["cse"])
    with world.runtime.sessions() as session:
        report = session.get(IntelReport, erased)
        assert report is not None
        report.erased = True
        session.commit()
    with world.runtime.sessions() as session:
        examples = correction_examples(session)
    by_id = {e.id: e for e in examples}
    assert sorted(by_id) == sorted([f"correction-{first}", f"correction-{second}"])
    newest = by_id[f"correction-{first}"]
    assert newest.text == NARRATIVE
    assert newest.themes == ("county_lines", "cuckooing")
    assert by_id[f"correction-{second}"].themes == ("asb",)
    assert all(e.origin == "correction" for e in examples)


def test_a_theme_retired_after_the_correction_is_dropped_from_its_example(world: World) -> None:
    report_id = world.sanitised("drugs")
    other = world.sanitised("drugs")
    _correct(world, report_id, ["cuckooing", "drugs"])
    _correct(world, other, ["cuckooing"])
    with world.runtime.sessions() as session:
        service.retire_theme(session, actor=SYSTEM, key="cuckooing")
        session.commit()
    with world.runtime.sessions() as session:
        examples = correction_examples(session)
    assert [(e.id, e.themes) for e in examples] == [
        (f"correction-{report_id}", ("drugs",))  # the other has no theme left: skipped
    ]
