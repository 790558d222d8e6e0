"""A working day for every demo role: the theme model, routing rules, and reports in every
state, triaged as a supervisor's acceptance triages them.

* ``ensure_theme_model`` builds the classifier as ``beacon triage retrain`` does (the shipped
  corpus plus analysts' corrections, the same split, ``classifier.train`` and ``save`` to
  ``model_path(data_dir)``) when there is none, or the one there is unusable.
* ``ensure_demo_rules`` gives the partnership its routing rules (once: none are added when any
  rule exists): exploitation themes to an exploitation team, anti-social behaviour to the
  council's ASB team, domestic abuse to a DA team, Bradford to its neighbourhood team, and a
  fallback to the hub.
* ``work_through`` takes each new demo report as far as its story says, through the real
  services (sanitise then ``flow.triage_report``, grade then ``flow.refresh``, disseminate,
  close). The hate crime story is triaged before the fallback rule is added, so it is left
  unroutable and the triage queue shows its banner until someone routes it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.access.policy import Principal
from beacon.audit.service import AuditActor
from beacon.auth import service as auth
from beacon.auth.models import Organisation, OrganisationType
from beacon.config import Settings
from beacon.demo.stories import (
    BRADFORD,
    CLOSED,
    DISSEMINATED,
    GRADED,
    RECEIVED,
    STORIES,
    Story,
)
from beacon.intake import service
from beacon.intake.models import IntelReport
from beacon.triage import flow, routing_rules
from beacon.triage.models import RouteRule
from beacon.triage.routing_rules import RuleInput

if TYPE_CHECKING:
    from beacon.demo.intake import SeededIntake

ACTOR = AuditActor.system("demo")
SUPERVISOR_EMAIL = "supervisor@demo.beacon.example"
COUNCIL = "Demo city council"
EXPLOITATION_TEAM = "Exploitation team"
ASB_TEAM = "ASB team"
DA_TEAM = "Domestic abuse team"
BRADFORD_TEAM = "Bradford neighbourhood team"
HUB_TEAM = "Intelligence hub"


def ensure_theme_model(
    session: Session, data_dir: Path, say: Callable[[str], None] = lambda _m: None
) -> dict[str, Any]:
    """Build the theme model if it is missing or unusable; says what it did and how long it
    took. The same steps as ``beacon triage retrain`` (without its before/after scores)."""
    from beacon.triage import classifier
    from beacon.triage.corrections import correction_examples
    from beacon.triage.service import catalogue

    path = classifier.model_path(data_dir)
    try:
        classifier.load(path)
        return {"model": str(path), "built": False}
    except classifier.ModelUnavailable:
        pass
    started = time.perf_counter()
    themes = list(catalogue(session).active)
    try:
        corpus = classifier.load_corpus(themes=themes)
    except classifier.CorpusError as error:
        # The demo still loads: reports are themed from hints, and their pages say so.
        say(f"theme model: NOT built, the corpus is unreadable ({str(error)[:200]})")
        return {"model": str(path), "built": False, "error": str(error)[:500]}
    examples = corpus + correction_examples(session)
    train_set, held_out = classifier.split(examples)
    say(
        f"theme model: training on {len(train_set):,} examples ({len(held_out):,} held out); "
        "this takes a minute or so"
    )
    model = classifier.train(train_set, themes)
    classifier.save(model, path)
    seconds = round(time.perf_counter() - started, 1)
    say(f"theme model: written to {path} in {seconds} s")
    return {"model": str(path), "built": True, "seconds": seconds, "examples": len(train_set)}


def _organisation(session: Session, name: str, kind: OrganisationType) -> Organisation:
    found = auth.get_organisation_by_name(session, name)
    if found is not None:
        return found
    return auth.create_organisation(session, name=name, org_type=kind, actor=ACTOR)


def ensure_demo_rules(session: Session, hub: Organisation, *, fallback: bool = True) -> int:
    """The demo partnership's rules, when there are none; returns how many were added.
    ``fallback`` False leaves the fallback out (``add_fallback`` adds it later)."""
    if session.scalar(select(RouteRule.id).limit(1)) is not None:
        return 0
    council = _organisation(session, COUNCIL, OrganisationType.DISTRICT_COUNCIL)
    rules = [
        RuleInput("any", None, theme, hub.id, EXPLOITATION_TEAM, False, position)
        for position, theme in ((10, "county_lines"), (20, "cuckooing"), (30, "cce"))
    ]
    rules += [
        RuleInput("any", None, "asb", council.id, ASB_TEAM, False, 40),
        RuleInput("any", None, "domestic_abuse", hub.id, DA_TEAM, False, 50),
        RuleInput("district", BRADFORD, None, hub.id, BRADFORD_TEAM, False, 60),
    ]
    for data in rules:
        routing_rules.create_rule(session, actor=ACTOR, data=data)
    if fallback:
        add_fallback(session, hub)
    return len(rules) + int(fallback)


def add_fallback(session: Session, hub: Organisation) -> None:
    if routing_rules.active_fallback(session) is None:
        routing_rules.create_rule(
            session,
            actor=ACTOR,
            data=RuleInput("any", None, None, hub.id, HUB_TEAM, True, 1000),
        )


def work_through(
    session: Session, settings: Settings, hub: Organisation, seeded: SeededIntake
) -> None:
    """Take each new report to its story's state as the demo supervisor."""
    supervisor = auth.get_user_by_email(session, SUPERVISOR_EMAIL)
    if supervisor is None:  # no demo accounts: the reports wait in the queue as received
        seeded.states = {RECEIVED: len(seeded.created)}
        return
    principal = Principal.for_user(
        supervisor.id, supervisor.organisation_id, auth.user_roles(session, supervisor.id)
    )
    actor = auth.user_actor(supervisor)
    seeded.rules = ensure_demo_rules(session, hub, fallback=False)
    stories = sorted(STORIES, key=lambda s: not s.before_fallback)  # the gap first
    for story in stories:
        if story.key not in seeded.created:
            continue
        if not story.before_fallback and seeded.rules:
            add_fallback(session, hub)
        report = session.get(IntelReport, seeded.created[story.key])
        assert report is not None
        _advance(session, settings, report, story, principal, actor)
        seeded.states[story.state] = seeded.states.get(story.state, 0) + 1
    if seeded.rules:
        add_fallback(session, hub)
        seeded.rules += 1
    seeded.unroutable = flow.unroutable_count(session)


def _advance(
    session: Session,
    settings: Settings,
    report: IntelReport,
    story: Story,
    principal: Principal,
    actor: AuditActor,
) -> None:
    if story.state == RECEIVED:
        return
    if story.state == CLOSED:
        service.close(
            session,
            report=report,
            principal=principal,
            actor=actor,
            reason=story.closed_reason or "Closed in the demo",
        )
        return
    narrative = story.sanitised or story.report.narrative
    service.sanitise(
        session,
        report=report,
        principal=principal,
        actor=actor,
        narrative=narrative,
        assessment=getattr(story.report, "assessment", None),
        location_text=None,
        summary=getattr(story.report, "summary", None) or _summary(narrative),
    )
    flow.triage_report(session, report, data_dir=settings.data_dir)
    if story.state not in (GRADED, DISSEMINATED):
        return
    assert story.grading is not None
    service.grade(
        session,
        report=report,
        principal=principal,
        actor=actor,
        grading=story.grading,
        theme=report.theme,
    )
    flow.refresh(session, report)
    if story.state == DISSEMINATED:
        service.disseminate(session, report=report, principal=principal, actor=actor)


def _summary(narrative: str) -> str:
    first = narrative.split(". ")[0].strip().rstrip(".")
    return first if len(first) <= 80 else first[:77].rsplit(" ", 1)[0] + "…"
