"""The demo loads real data shipped in PyPI packages through Beacon's own importers."""

from __future__ import annotations

import csv
from collections import Counter

from sqlalchemy import func, select

from beacon.demo.load import load_demo
from beacon.demo.months import GENERATED_FOLDER, generated_file_name, month_range
from beacon.demo.sources import find_sources
from beacon.geography.models import Area, AreaBoundary
from beacon.geography.service import locate
from beacon.ingest.models import StreetCrime
from beacon.ingest.stats import count_crimes
from beacon.runtime import Runtime


def test_demo_loads_west_yorkshire_and_is_safe_to_run_twice(runtime: Runtime) -> None:
    """The whole demo: 3 real Julys and 22 generated months, every month 2016-07..2018-07."""
    sources = find_sources()
    with open(sources.force_lsoa_csv, newline="", encoding="utf-8-sig") as handle:
        lsoas = {
            r["LSOA Code"] for r in csv.DictReader(handle) if r["Police_force"] == "West Yorkshire"
        }

    first = load_demo(runtime)
    folder = runtime.settings.data_dir / GENERATED_FOLDER
    generated = [folder / generated_file_name(m) for m in first.generated["months"]]
    street_files = [*sources.street_csvs, *generated]
    expected_rows = 0
    by_month: Counter[str] = Counter()
    for path in street_files:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                expected_rows += 1
                by_month[row["Month"]] += 1
    assert len(generated) == 22
    assert first.police["imported"] == expected_rows
    assert first.police["rejected"] == 0
    assert len(first.police["files"]) == 25

    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(StreetCrime)) == expected_rows
        assert session.scalar(
            select(func.count()).select_from(Area).where(Area.level == "lsoa")
        ) == len(lsoas)
        assert session.scalar(select(func.count()).select_from(AreaBoundary)) == len(lsoas)
        months = count_crimes(session, by="month", force="west-yorkshire")
        counted = {str(r.key): r.count for r in months.rows}
        assert counted == dict(by_month)
        # Every month from July 2016 to July 2018, none missing: what trend tests need.
        assert sorted(counted) == month_range("2016-07", "2018-07")
        districts = count_crimes(session, by="district")
        assert {r.name for r in districts.rows} >= {"Leeds", "Bradford", "Wakefield"}
        # A point in Leeds city centre falls in a Leeds LSOA.
        found = locate(session, 53.7997, -1.5492)
        assert found.lsoa is not None and found.lsoa.name.startswith("Leeds")

    before = [path.read_bytes() for path in generated]
    second = load_demo(runtime)
    assert second.police == {}
    assert len(second.skipped) == len(street_files) + 1
    assert [path.read_bytes() for path in generated] == before
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(StreetCrime)) == expected_rows


def test_demo_accounts_sign_in_and_are_refused_in_production(runtime: Runtime) -> None:
    import pytest

    from beacon.auth.service import LoginFailed, authenticate
    from beacon.demo.accounts import DemoAccountsRefused, ensure_demo_accounts

    with runtime.sessions() as session, session.begin():
        first = ensure_demo_accounts(session, environment="development")
    with runtime.sessions() as session, session.begin():
        second = ensure_demo_accounts(session, environment="development")
    assert [login.email for login in first] == [login.email for login in second]
    with runtime.sessions() as session, session.begin():
        for login in second:
            assert authenticate(session, email=login.email, password=login.password).active
        with pytest.raises(LoginFailed):  # the first run's passwords no longer work
            authenticate(session, email=first[0].email, password=first[0].password)
    with runtime.sessions() as session, pytest.raises(DemoAccountsRefused):
        ensure_demo_accounts(session, environment="production")


def test_demo_intelligence_is_created_once_and_owned_by_the_hub(runtime: Runtime) -> None:
    """Without demo accounts nothing is worked through: every report waits as received."""
    from beacon.auth.service import get_organisation_by_name
    from beacon.demo.intake import PARTNER_EMAIL, seed_demo_intake
    from beacon.demo.stories import STORIES
    from beacon.intake.models import IntelRawSubmission, IntelReport
    from beacon.intake.schemas import ResidentReportIn
    from beacon.notify.models import OutboxMessage
    from beacon.triage.models import RouteRule

    load_demo(runtime, generated_months=())  # the real months are enough here
    with runtime.sessions() as session, session.begin():
        hub = create_hub_and_partner(session)
    residents = [s for s in STORIES if isinstance(s.report, ResidentReportIn)]
    with runtime.sessions() as session, session.begin():
        seeded = seed_demo_intake(
            session, runtime.settings.model_copy(update={"intake_organisation": hub})
        )
    assert len(seeded.created) == len(STORIES)
    with runtime.sessions() as session, session.begin():
        assert not seed_demo_intake(session, runtime.settings).created
    with runtime.sessions() as session:
        reports = session.scalars(select(IntelReport)).all()
        organisation = get_organisation_by_name(session, hub)
        assert organisation is not None
        assert {r.owning_organisation_id for r in reports} == {organisation.id}
        assert all(r.state == "received" for r in reports)
        assert sum(r.channel == "resident" for r in reports) == len(residents)
        assert session.scalar(select(func.count()).select_from(RouteRule)) == 0
        # Points in West Yorkshire got their LSOA from the demo boundaries.
        located = [r for r in reports if r.location_mode == "point"]
        assert located and all(r.lsoa_code and r.lsoa_code.startswith("E01") for r in located)
        raws = session.scalars(select(IntelRawSubmission)).all()
        assert len(raws) == len(reports)
        # The immediate-risk partner report queued an alert for the hub's supervisor.
        alerts = session.scalars(select(OutboxMessage)).all()
        assert [m.recipient for m in alerts] == ["duty@hub.example"]
    assert PARTNER_EMAIL.endswith("@demo.beacon.example")


def create_hub_and_partner(session) -> str:  # type: ignore[no-untyped-def]
    """A hub with a supervisor who is not the demo's (so nothing is worked through) and the
    demo's partner account."""
    from beacon.audit.service import AuditActor
    from beacon.auth.service import create_organisation, create_user
    from beacon.demo.intake import PARTNER_EMAIL

    actor = AuditActor.system("test")
    hub = create_organisation(session, name="Test hub", org_type="police_force", actor=actor)
    partner = create_organisation(session, name="Housing", org_type="housing_provider", actor=actor)
    for org, email, role in (
        (hub, "duty@hub.example", "intelligence_supervisor"),
        (partner, PARTNER_EMAIL, "partner_contributor"),
    ):
        create_user(
            session,
            organisation_id=org.id,
            email=email,
            display_name=email,
            password="lantern-quartz-harbour-58",
            roles=(role,),
            actor=actor,
        )
    return hub.name


def test_demo_partner_feeds_import_cleanly_once(runtime: Runtime) -> None:
    import datetime as dt

    from beacon.demo.accounts import ensure_demo_accounts
    from beacon.demo.feeds import load_demo_feeds

    load_demo(runtime, generated_months=())
    with runtime.sessions() as session, session.begin():
        ensure_demo_accounts(session, environment="development")
    day = dt.date(2026, 11, 24)
    with runtime.sessions() as session:
        first = load_demo_feeds(session, today=day)
    assert set(first) == {"asb", "deliberate-fires", "assault-admissions"}
    for figures in first.values():
        assert figures["imported"] > 0 and figures["rejected"] == 0
    with runtime.sessions() as session:
        second = load_demo_feeds(session, today=day)
    for kind, figures in second.items():
        assert figures["imported"] == 0
        assert figures["duplicates"] == first[kind]["rows_read"]
