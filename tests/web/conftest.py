"""Fixtures for the web tests: an app on the test database, a client, and sample rows
(inserted through the ORM; tests derive the expected figures from them)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import count

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from beacon.app import create_app
from beacon.audit.service import AuditActor
from beacon.auth.service import create_organisation, create_user
from beacon.geography.models import Area, AreaBoundary, Deprivation, Postcode
from beacon.ingest.models import CrimeOutcome, ImportRun, StopSearch, StreetCrime
from beacon.runtime import Runtime


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    return create_app(runtime=runtime)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """Anonymous: nobody signed in."""
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client


SIGN_IN_PASSWORD = "quartz-orchard-beacon-58"


def sign_in(client: TestClient, runtime: Runtime, *, roles: tuple[str, ...] = ("analyst",)) -> None:
    """Create an organisation and a user with ``roles``, and sign ``client`` in as them (the
    client needs base_url "https://...": the session cookie is Secure)."""
    actor = AuditActor.system("test")
    with runtime.sessions() as session:
        organisation = create_organisation(
            session, name=f"Test Council {next(_keys)}", org_type="district_council", actor=actor
        )
        user = create_user(
            session,
            organisation_id=organisation.id,
            email=f"user{organisation.id}@example.org",
            display_name="Test Analyst",
            password=SIGN_IN_PASSWORD,
            roles=roles,
            actor=actor,
        )
        email = user.email
        session.commit()
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, form.text
    response = client.post(
        "/login",
        data={"email": email, "password": SIGN_IN_PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


@pytest.fixture
def signed_in() -> Callable[..., None]:
    """``signed_in(client, runtime)`` signs a client in as a new analyst."""
    return sign_in


@pytest.fixture
def user_client(app: FastAPI, runtime: Runtime) -> Iterator[TestClient]:
    """Signed in as an analyst (who may read data)."""
    with TestClient(app, base_url="https://testserver") as test_client:
        sign_in(test_client, runtime)
        yield test_client


ASB = "Anti-social behaviour"
_keys: Iterator[int] = count()


def _key() -> bytes:
    return hashlib.md5(str(next(_keys)).encode(), usedforsecurity=False).digest()


@dataclass
class Loaded:
    street: list[StreetCrime] = field(default_factory=list)
    outcomes: list[CrimeOutcome] = field(default_factory=list)
    searches: list[StopSearch] = field(default_factory=list)
    areas: list[Area] = field(default_factory=list)
    boundaries: list[AreaBoundary] = field(default_factory=list)
    postcodes: list[Postcode] = field(default_factory=list)
    deprivation: list[Deprivation] = field(default_factory=list)
    runs: list[ImportRun] = field(default_factory=list)


def load_sample(session: Session) -> Loaded:
    """Two forces over a few months, some ASB and unlocated rows, geography, 12 import runs."""
    loaded = Loaded()
    base = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
    for i in range(12):
        run = ImportRun(
            kind="police-street" if i % 3 else "geography-lookup",
            source_name=f"file-{i:02d}.csv",
            sha256=f"{i:064d}",
            started_at=base + dt.timedelta(hours=i),
            finished_at=base + dt.timedelta(hours=i, minutes=1),
            rows_read=100 + i,
            imported=90 + i,
            updated=i,
            duplicates=2 * i,
            conflicts=0,
            rejected=i % 2,
        )
        loaded.runs.append(run)
    session.add_all(loaded.runs)
    session.flush()

    plan = {
        # force: [(month, crimes, asb, unlocated, without lsoa)]
        "Sussex Police": [
            (dt.date(2018, 10, 1), 7, 3, 1, 0),
            (dt.date(2018, 11, 1), 5, 2, 0, 1),
            (dt.date(2018, 12, 1), 4, 0, 2, 2),
        ],
        "Derbyshire Constabulary": [(dt.date(2018, 11, 1), 6, 4, 0, 0)],
    }
    for force, months in plan.items():
        for month, crimes, asb, unlocated, no_lsoa in months:
            for n in range(crimes + asb):
                located = n >= unlocated
                loaded.street.append(
                    StreetCrime(
                        record_key=_key(),
                        crime_id=None if n >= crimes else f"c{n}-{month:%Y%m}-{force[:3]}",
                        month=month,
                        reported_by=force,
                        falls_within=force,
                        longitude=-0.1 if located else None,
                        latitude=50.8 if located else None,
                        location="On or near Test Street" if located else "No Location",
                        lsoa_code=None if n < no_lsoa else "E01000001",
                        crime_type=ASB if n >= crimes else "Burglary",
                        first_import_id=loaded.runs[1].id,
                    )
                )
    for i in range(5):
        loaded.outcomes.append(
            CrimeOutcome(
                record_key=_key(),
                crime_id=f"o{i}",
                month=dt.date(2019, 1, 1) if i == 0 else dt.date(2018, 12, 1),
                reported_by="Sussex Police",
                falls_within="Sussex Police",
                outcome_type="Investigation complete; no suspect identified",
            )
        )
    # A force with stop and search only.
    for i in range(3):
        loaded.searches.append(
            StopSearch(
                record_key=_key(),
                force="Kent Police",
                search_type="Person search",
                occurred_at=dt.datetime(2018, 9, 3 + i, 12, tzinfo=dt.UTC),
                month=dt.date(2018, 9, 1),
            )
        )
    session.add_all(loaded.street + loaded.outcomes + loaded.searches)

    district = Area(level="district", code="E06000043", vintage="2019", name="Brighton and Hove")
    session.add(district)
    session.flush()
    for i in range(4):
        loaded.areas.append(
            Area(level="lsoa", code=f"E0100000{i}", vintage="2011", parent_id=district.id)
        )
    loaded.areas.append(Area(level="ward", code="E05000001", vintage="2025"))
    loaded.areas.append(Area(level="ward", code="E05000002", vintage="2019"))
    session.add_all(loaded.areas)
    loaded.areas.append(district)
    session.flush()
    for area in loaded.areas[:3]:
        loaded.boundaries.append(
            AreaBoundary(
                area_id=area.id,
                geometry_wkb=b"\x01",
                min_lon=0.0,
                min_lat=0.0,
                max_lon=1.0,
                max_lat=1.0,
            )
        )
    loaded.postcodes = [Postcode(postcode=f"BN1 {i}AA") for i in range(7)]
    for lsoa in ("E01000001", "E01000002"):
        for domain in ("imd", "income", "crime"):
            loaded.deprivation.append(
                Deprivation(edition="IMD2019", domain=domain, lsoa_code=lsoa, rank=1, decile=1)
            )
    session.add_all(loaded.boundaries + loaded.postcodes + loaded.deprivation)
    session.commit()
    return loaded


@pytest.fixture
def sample(db: Session) -> Loaded:
    return load_sample(db)


@pytest.fixture
def sample_loader() -> object:
    """``load_sample(session)`` for tests that build their own database."""
    return load_sample
