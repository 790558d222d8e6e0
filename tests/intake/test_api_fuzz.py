"""Fuzzing Beacon's JSON API with schemathesis: every operation of /api/openapi.json, with valid
and invalid generated inputs, sent with a valid API token that holds every intelligence scope
(and data.read), must never answer with a 5xx (check ``not_a_server_error``).

Schemathesis' own test builder runs its three phases per operation: the documented examples
(so valid reports are stored too), coverage (boundary, missing and wrong-typed values, wrong
methods and media types) and fuzzing (positive and negative, ``MAX_EXAMPLES`` each), which
keeps a run to seconds per backend. Reports exist beforehand so the read operations have data.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.pytest.lazy import get_all_tests

from beacon.app import create_app
from beacon.auth.tokens import create_api_token
from beacon.config import Settings
from beacon.intake import service
from beacon.runtime import Runtime

from . import factories as f

HUB = "Fuzz Police"
SCOPES = [
    "intel.submit",
    "intel.read_own",
    "intel.read",
    "intel.link",
    "intel.sanitise",
    "intel.grade",
    "intel.disseminate",
    "data.read",
]

pytestmark = pytest.mark.slow


@pytest.fixture
def fuzz_target(runtime: Runtime, settings: Settings) -> Iterator[tuple[FastAPI, str]]:
    with runtime.sessions() as session:
        hub = f.organisation(session, HUB)
        supervisor = f.person(session, hub, "intelligence_supervisor")
        hub_settings = settings.model_copy(update={"intake_organisation": HUB})
        for handling in ("C", "P"):
            service.create_partner_report(
                session,
                principal=supervisor.principal,
                actor=supervisor.actor,
                data=f.partner_report(handling=handling, immediate_risk=handling == "C"),
                settings=hub_settings,
            )
        _, token = create_api_token(
            session,
            organisation_id=hub,
            name="fuzzer",
            scopes=SCOPES,
            expires_in_days=1,
            created_by=None,
            actor=f.SYSTEM,
        )
        session.commit()
    app = create_app(runtime=runtime)
    app.state.settings = hub_settings
    yield app, token


MAX_EXAMPLES = 30


def test_no_server_errors(fuzz_target: tuple[FastAPI, str]) -> None:
    app, token = fuzz_target
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=MAX_EXAMPLES,
        deterministic=True,
    )
    seen: dict[str, dict[int, int]] = {}

    def check(case: schemathesis.Case) -> None:
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        statuses = seen.setdefault(case.operation.label, {})
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        case.validate_response(response, checks=[not_a_server_error])

    hypothesis_settings = settings(
        deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    problems: list[str] = []
    # The same builder schemathesis' pytest plugin uses: the examples, coverage (boundary and
    # malformed values) and fuzzing phases for each operation.
    for result in get_all_tests(
        schema=schema, test_func=check, settings=hypothesis_settings, given_kwargs=None
    ):
        if isinstance(result, Err):
            problems.append(f"the schema: {result.err()}")
            continue
        operation, test = result.ok()
        try:
            test()
        except Exception as error:
            problems.append(f"{operation.label}: {error}")
    assert not problems, "\n\n".join(problems)
    assert {
        "POST /api/intel/reports",
        "GET /api/intel/reports",
        "GET /api/intel/reports/{report_id}",
        "GET /api/intel/indicators",
        "GET /api/intel/themes",
    } <= set(seen)
    # The documented example is accepted, so the storing path was fuzzed too.
    assert seen["POST /api/intel/reports"].get(201, 0) > 0, seen
    assert all(status < 500 for statuses in seen.values() for status in statuses), seen
