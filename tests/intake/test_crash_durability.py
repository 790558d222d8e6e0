"""Acknowledged means durable: kill the server (SIGKILL) again and again during a stream of
resident submissions; every reference code a resident was shown must still open its report,
and the database must pass its integrity check."""

from __future__ import annotations

import random
import re
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from beacon.audit.verify import verify_chain
from beacon.config import Settings
from beacon.intake import service
from beacon.intake.models import IntelReport
from beacon.runtime import open_runtime

from .serverproc import PORTAL_FORM, ServerProcess, prepare_database

CODE = re.compile(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){5}\b")
ROUNDS = 5
CLIENTS = 6


def _submitter(url: str, stop: threading.Event, acknowledged: list[str], errors: list[str]) -> None:
    with httpx.Client(timeout=5) as client:
        while not stop.is_set():
            try:
                response = client.post(f"{url}/report", data=PORTAL_FORM)
            except httpx.HTTPError:
                return  # the server died under us: that request was never acknowledged
            if response.status_code == 200:
                found = CODE.findall(response.text)
                if len(found) != 1:
                    errors.append(f"200 without exactly one code: {response.text[:300]}")
                    return
                acknowledged.append(found[0])
            elif response.status_code >= 500:
                # Acceptable only as "not received" (e.g. the writer stopping); never a code.
                if CODE.search(response.text):
                    errors.append("an error page showed a reference code")
                return
            else:
                errors.append(f"unexpected {response.status_code}: {response.text[:300]}")
                return


@pytest.mark.slow
def test_every_acknowledged_report_survives_sigkill(tmp_path: Path) -> None:
    database = tmp_path / "beacon.db"
    url = f"sqlite:///{database}"
    data_dir = tmp_path / "var"
    prepare_database(url, data_dir)
    server = ServerProcess(url, data_dir, tmp_path / "server.log")
    acknowledged: list[str] = []
    errors: list[str] = []
    rng = random.Random(20261124)
    try:
        for _ in range(ROUNDS):
            server.start()
            stop = threading.Event()
            threads = [
                threading.Thread(target=_submitter, args=(server.url, stop, acknowledged, errors))
                for _ in range(CLIENTS)
            ]
            for thread in threads:
                thread.start()
            time.sleep(rng.uniform(0.8, 2.0))
            server.kill()  # mid-stream, no warning, no shutdown hooks
            stop.set()
            for thread in threads:
                thread.join(10)
    finally:
        server.kill()
    assert not errors, errors[:3]
    assert len(acknowledged) >= ROUNDS * 5, "the stream hardly ran; the test proves nothing"

    settings = Settings(environment="test", database_url=url, data_dir=data_dir)
    runtime = open_runtime(settings)
    try:
        with runtime.engine.connect() as connection:
            assert connection.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        with runtime.sessions() as session:
            missing = [code for code in acknowledged if service.find_by_code(session, code) is None]
            assert missing == []
            stored = session.query(IntelReport).count()
            assert stored >= len(acknowledged)  # unacknowledged ones may have landed too
            assert verify_chain(session).ok
    finally:
        runtime.close()
