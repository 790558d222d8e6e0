"""Assessment runs started from the browser: ``service.compute`` and ``store_run`` in a thread of
the server process, with their progress (step i of n, and what it is doing) for the status page.

One run computes at a time per process (the others wait): a run holds the analysis snapshot
open and can use a good deal of memory. A run that cannot be computed keeps the reason as the
page shows it (``AnalysisInputError`` names what is missing and the command that loads it).
Jobs stay in memory for ``KEEP_SECONDS`` after they finish; their end is also an audit event
(``assessment.run`` when stored, ``assessment.run_failed`` when not), so ``stored_job``
rebuilds a finished job's page from the database (another worker process, or after a restart).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.assessment.models import RECORD_TYPE, Assessment
from beacon.assessment.spec import AssessmentSpec, Judgement
from beacon.audit.models import AuditAction, AuditEvent
from beacon.audit.service import AuditActor, record_event
from beacon.auth.models import User
from beacon.runtime import Runtime

logger = logging.getLogger("beacon.assessment.jobs")

KEEP_SECONDS = 6 * 3600
MAX_KEPT = 200
FAILED_EVENT = "assessment.run_failed"
STORED_EVENT = "assessment.run"

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"

_COMPUTE = threading.Lock()  # one assessment computed at a time in this process


@dataclass
class RunJob:
    id: str
    assessment_id: int
    owner_id: int | None
    state: str = QUEUED
    step: int = 0
    total: int = 0
    message: str = "waiting to start"
    error: str | None = None
    run_key: str | None = None
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    finished_at: dt.datetime | None = None
    from_records: bool = False
    _finished_mono: float | None = None
    _done: threading.Event = field(default_factory=threading.Event)

    @property
    def finished(self) -> bool:
        return self.state in (DONE, FAILED)

    @property
    def percent(self) -> int:
        if self.state == DONE:
            return 100
        return min(99, self.step * 100 // self.total) if self.total else 0

    def progress(self, step: int, total: int, message: str) -> None:
        self.step, self.total, self.message = step, total, message

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def finish(self, state: str) -> None:
        self.state = state
        self.finished_at = dt.datetime.now(dt.UTC)
        self._finished_mono = time.monotonic()
        self._done.set()


class RunRegistry:
    """The runs of this process, by id (unguessable: ``secrets.token_urlsafe``)."""

    def __init__(self) -> None:
        self._jobs: dict[str, RunJob] = {}
        self._lock = threading.Lock()

    def add(self, job: RunJob) -> None:
        with self._lock:
            self._prune()
            self._jobs[job.id] = job

    def get(self, job_id: str) -> RunJob | None:
        with self._lock:
            self._prune()
            return self._jobs.get(job_id)

    def running_for(self, assessment_id: int) -> RunJob | None:
        """A run of this assessment not finished yet (a second one would only wait for it)."""
        with self._lock:
            return next(
                (
                    j
                    for j in self._jobs.values()
                    if j.assessment_id == assessment_id and not j.finished
                ),
                None,
            )

    def _prune(self) -> None:
        now = time.monotonic()
        finished = sorted(
            (j for j in self._jobs.values() if j._finished_mono is not None),
            key=lambda j: j._finished_mono or 0.0,
            reverse=True,
        )
        for position, job in enumerate(finished):
            if position >= MAX_KEPT or now - (job._finished_mono or now) > KEEP_SECONDS:
                del self._jobs[job.id]


def new_job(assessment_id: int, owner_id: int | None) -> RunJob:
    return RunJob(id=secrets.token_urlsafe(24), assessment_id=assessment_id, owner_id=owner_id)


def start(
    job: RunJob,
    runtime: Runtime,
    spec: AssessmentSpec,
    judgement: Judgement,
    actor: AuditActor,
) -> threading.Thread:
    thread = threading.Thread(
        target=run,
        args=(job, runtime, spec, judgement, actor),
        name=f"assessment-run-{job.id[:8]}",
        daemon=True,
    )
    thread.start()
    return thread


def run(
    job: RunJob,
    runtime: Runtime,
    spec: AssessmentSpec,
    judgement: Judgement,
    actor: AuditActor,
) -> None:
    """Compute and store one run (the job's state says how it ended; nothing is raised)."""
    from beacon.analytics.errors import AnalysisInputError
    from beacon.assessment.service import compute
    from beacon.assessment.workflow import WorkflowError

    try:
        with _COMPUTE:
            job.state = RUNNING
            job.message = "starting"
            outcome = compute(runtime.settings, spec, judgement, progress=job.progress)
            job.progress(job.total, job.total, "storing the run")
            job.run_key = _store(runtime, job, outcome)
        job.finish(DONE)
    except AnalysisInputError as error:
        job.error = error.reason
        _failed(runtime, job, actor)
    except WorkflowError as error:
        job.error = error.reason[:1].upper() + error.reason[1:]
        _failed(runtime, job, actor)
    except Exception as error:
        logger.exception("an assessment run stopped")
        detail = (str(error).splitlines() or [type(error).__name__])[0][:300]
        job.error = f"Beacon could not finish the run ({type(error).__name__}: {detail})"
        _failed(runtime, job, actor)


def _store(runtime: Runtime, job: RunJob, outcome: Any) -> str:
    from beacon.assessment.service import store_run
    from beacon.assessment.workflow import run_stored

    with runtime.sessions() as session:
        assessment = session.get(Assessment, job.assessment_id)
        if assessment is None:
            raise LookupError("the assessment was deleted while it ran")
        user = session.get(User, job.owner_id) if job.owner_id is not None else None
        stored = store_run(
            session,
            outcome,
            assessment_id=assessment.id,
            user_id=user.id if user else None,
            created_by=user.display_name if user else "Beacon",
        )
        # The job id goes in the audit event, so another process can say how the run ended.
        run_stored(session, assessment, stored, user, job_id=job.id)
        session.commit()
        return stored.run_key


def _failed(runtime: Runtime, job: RunJob, actor: AuditActor) -> None:
    job.finish(FAILED)
    try:
        with runtime.sessions() as session:
            record_event(
                session,
                action=AuditAction.COMBINATION,
                event=FAILED_EVENT,
                actor=actor,
                record_type=RECORD_TYPE,
                record_id=job.assessment_id,
                details={"job": job.id, "error": job.error},
            )
            session.commit()
    except Exception:
        logger.exception("could not record a failed assessment run")


def stored_job(session: Session, assessment_id: int, job_id: str) -> RunJob | None:
    """A finished run job of another process (or before a restart), from its audit event."""
    events = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.record_type == RECORD_TYPE,
            AuditEvent.record_id == str(assessment_id),
            AuditEvent.event.in_((STORED_EVENT, FAILED_EVENT)),
        )
        .order_by(AuditEvent.id.desc())
        .limit(200)
    )
    for found in events:
        details = json.loads(found.details_json or "{}")
        if details.get("job") != job_id:
            continue
        job = RunJob(id=job_id, assessment_id=assessment_id, owner_id=found.actor_id)
        job.from_records = True
        job.created_at = found.occurred_at
        if found.event == FAILED_EVENT:
            job.error = str(details.get("error") or "the run failed")
            job.finish(FAILED)
        else:
            job.run_key = str(details.get("run_key") or "")
            job.finish(DONE)
        job.finished_at = found.occurred_at
        return job
    return None
