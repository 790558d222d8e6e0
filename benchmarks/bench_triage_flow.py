"""Figures: triaging one report as a supervisor accepts its sanitised text, on a database that
already holds many triaged reports; and linking every stored mention again (`beacon triage link`).

Triage runs inside the sanitising request (``flow.triage_report``: classify, extract, store and
link the mentions of the blocks they touch, look for duplicates in a 14-day window, score,
route), so its latency is what a supervisor waits for on top of the sanitising itself.

Set-up (not timed): a fresh SQLite database (the embedded default) with 20,000 reports and
60,000 stored mentions drawn as ``bench_triage_linking`` draws them (hot values, recurring
values, typos), resolved once; the theme classifier trained on the corpus; a catch-all routing
rule. Timed: ``relink_all`` over the 60,000 mentions, then ``triage_report`` for 100 new partner
reports (created and sanitised through the intake services, each committed), p50 and p95.

    python benchmarks/bench_triage_flow.py [--json] [--reports N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_triage_linking as mentions_data  # noqa: E402
from run import report  # noqa: E402

NARRATIVES = (
    "Lads from the city using a deal line {phone} and a grey Golf {plate} outside {number} "
    "{street}, {town}. One goes by {nick}.",
    "Since last week strangers at {number} {street} day and night, the tenant looks scared. "
    "Someone called {person} has moved in. Number on the door card {phone}.",
    "Kids on bikes collecting packages from a car {plate} near the park, {person} seen with them.",
    "Youths shouting and throwing bottles by the shops on {street} most evenings.",
)


def _fill(rng: random.Random) -> str:
    template = rng.choice(NARRATIVES)
    return template.format(
        phone=f"07700 9{rng.randrange(10**5):05d}",
        plate=f"{rng.choice('ABCDEFGHKLMN')}{rng.choice('ABCDEFGHKLMN')}{rng.randrange(10, 70)} "
        f"{''.join(rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ') for _ in range(3))}",
        number=rng.randrange(1, 200),
        street=f"{mentions_data.word(rng, True)} {rng.choice(mentions_data.STREET_TYPES)}",
        town=rng.choice(mentions_data.TOWNS),
        nick=f"Lil {mentions_data.word(rng, False)}",
        person=f"{mentions_data.word(rng, False)} {mentions_data.word(rng, True)}",
    )


def measure(reports: int, new_reports: int) -> dict[str, object]:
    from beacon.access.policy import Principal
    from beacon.audit.service import AuditActor
    from beacon.auth.service import create_organisation, create_user
    from beacon.config import Settings
    from beacon.db.migrate import upgrade
    from beacon.intake import service as intake
    from beacon.intake.models import IntelReport, LocationMode
    from beacon.intake.schemas import Grading, PartnerReportIn, When, Where
    from beacon.runtime import open_runtime
    from beacon.triage import classifier, flow, link_store, linking
    from beacon.triage.models import EntityMention, RouteRule
    from beacon.triage.service import catalogue

    mentions_data.REPORTS = reports
    mentions_data.MENTIONS = reports * 3
    base = Path(tempfile.mkdtemp(prefix="beacon-bench-triage-"))
    settings = Settings(
        environment="test", database_url=f"sqlite:///{base}/beacon.db", data_dir=base / "var"
    )
    upgrade(settings)
    runtime = open_runtime(settings)
    system = AuditActor.system("bench")
    with runtime.sessions() as session:
        hub = create_organisation(session, name="Hub", org_type="police_force", actor=system)
        supervisor = create_user(
            session, organisation_id=hub.id, email="s@hub.example", display_name="S",
            password="lantern-quartz-harbour-58", roles=("intelligence_supervisor",),
            actor=system,
        )  # fmt: skip
        partner = create_user(
            session, organisation_id=hub.id, email="p@hub.example", display_name="P",
            password="lantern-quartz-harbour-58", roles=("partner_contributor",), actor=system,
        )  # fmt: skip
        session.add(
            RouteRule(position=1, area_level="any", area_code=None, theme_key=None,
                      owner_organisation_id=hub.id, team="Intelligence hub", fallback=True)
        )  # fmt: skip
        session.commit()
        hub_id, supervisor_id, partner_id = hub.id, supervisor.id, partner.id
        active = catalogue(session).active

    drawn = mentions_data.generate()
    ids = sorted({m.report_id for m in drawn})
    today = dt.date.today()
    with runtime.engine.begin() as connection:
        for start in range(0, len(ids), 5000):
            connection.execute(
                insert(IntelReport),
                [
                    {
                        "id": f"r{n:031d}",
                        "reference": f"B{n:09d}",
                        "channel": "partner",
                        "state": "graded",
                        "owning_organisation_id": hub_id,
                        "received_on": today - dt.timedelta(days=30 + n % 700),
                        "state_changed_on": today,
                        "location_mode": "withheld",
                        "theme_hints": "",
                        "narrative": "Generated report.",
                        "handling_code": "P",
                        "immediate_risk": False,
                        "restricted": False,
                        "occurred_ongoing": False,
                        "erased": False,
                    }
                    for n in range(start, min(start + 5000, len(ids)))
                ],
            )
        number = {report_id: f"r{n:031d}" for n, report_id in enumerate(ids)}
        rows = []
        for m in drawn:
            key = m.key
            rows.append(
                {
                    "report_id": number[m.report_id],
                    "entity_type": m.entity_type,
                    "value": m.value[:300],
                    "value_key": key,
                    "block": linking.block_of(key),
                    "entity_key": key,
                    "source": "text",
                    "text": m.value[:300],
                }
            )
        for start in range(0, len(rows), 10000):
            connection.execute(insert(EntityMention), rows[start : start + 10000])

    started = time.perf_counter()
    train_examples = classifier.load_corpus(themes=active)
    model = classifier.train(train_examples, tuple(active))
    classifier.save(model, classifier.model_path(settings.data_dir))
    train_s = time.perf_counter() - started

    with runtime.sessions() as session:
        started = time.perf_counter()
        resolved = link_store.relink_all(session)
        session.commit()
        relink_s = time.perf_counter() - started

    rng = random.Random(mentions_data.SEED)
    supervisor_p = Principal.for_user(supervisor_id, hub_id, ("intelligence_supervisor",))
    partner_p = Principal.for_user(partner_id, hub_id, ("partner_contributor",))
    timings: list[float] = []
    for i in range(new_reports):
        text = _fill(rng)
        with runtime.sessions() as session:
            submitted = intake.create_partner_report(
                session,
                principal=partner_p,
                actor=system,
                data=PartnerReportIn(
                    summary="Report",
                    narrative=text,
                    assessment=None,
                    source_type="Housing officer",
                    source_details=None,
                    where=Where(mode=LocationMode.WITHHELD, text="Estate"),
                    when=When(occurred_from=today),
                    theme=None,
                    grading=Grading("2", "B", "P"),
                ),
                settings=settings,
            )
            report = session.get(IntelReport, submitted.report_id)
            assert report is not None
            intake.sanitise(
                session, report=report, principal=supervisor_p, actor=system, narrative=text,
                assessment=None, location_text=None, summary="Report",
            )  # fmt: skip
            started = time.perf_counter()
            flow.triage_report(session, report, data_dir=settings.data_dir)
            session.commit()
            if i >= 5:  # the first few warm the model and the caches
                timings.append(time.perf_counter() - started)
    runtime.close()
    timings.sort()
    return {
        "triage_stored_reports": len(ids),
        "triage_stored_mentions": resolved,
        "triage_relink_all_s": round(relink_s, 2),
        "triage_one_report_p50_ms": round(statistics.median(timings) * 1000, 1),
        "triage_one_report_p95_ms": round(timings[int(len(timings) * 0.95) - 1] * 1000, 1),
        "triage_model_training_s": round(train_s, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--reports", type=int, default=20_000)
    parser.add_argument("--new", type=int, default=100)
    args = parser.parse_args()
    figures = measure(args.reports, args.new)
    report(
        figures,
        as_json=args.json,
        goal="(no goal in the issue: the latency a supervisor waits for on top of sanitising)",
    )


if __name__ == "__main__":
    main()
