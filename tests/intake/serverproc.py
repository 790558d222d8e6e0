"""Run ``beacon serve`` as a real process on a free port (crash tests and benchmarks)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from beacon.audit.service import AuditActor
from beacon.auth.service import create_organisation, create_user
from beacon.config import Settings
from beacon.runtime import open_runtime

PORTAL_FORM = {
    "narrative": "Cars pull up outside number 9 every few minutes after dark and leave again.",
    "location_mode": "street",
    "location_text": "Albion Street",
    "when_mode": "ongoing",
    "contact_choice": "no",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare_database(database_url: str, data_dir: Path) -> None:
    """Migrate and create the organisation and supervisor that receive residents' reports."""
    settings = Settings(environment="test", database_url=database_url, data_dir=data_dir)
    runtime = open_runtime(settings)
    actor = AuditActor.system("test")
    try:
        with runtime.sessions() as session:
            organisation = create_organisation(
                session, name="Receiving Police", org_type="police_force", actor=actor
            )
            create_user(
                session,
                organisation_id=organisation.id,
                email="supervisor@example.org",
                display_name="Supervisor",
                password="harbour-violet-quartz-93",
                roles=["intelligence_supervisor"],
                actor=actor,
            )
            session.commit()
    finally:
        runtime.close()


class ServerProcess:
    """``beacon serve`` in a child process with its output in ``log_path``."""

    def __init__(
        self, database_url: str, data_dir: Path, log_path: Path, *, workers: int = 1
    ) -> None:
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {
            **os.environ,
            "BEACON_ENVIRONMENT": "test",
            "BEACON_DATABASE_URL": database_url,
            "BEACON_DATA_DIR": str(data_dir),
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "beacon"),
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
            ],
            env=self.env,
            stdout=log,
            stderr=log,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server exited with {self.process.returncode}:\n"
                    + self.log_path.read_text(errors="replace")[-3000:]
                )
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not start:\n" + self.log_path.read_text()[-3000:])

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
