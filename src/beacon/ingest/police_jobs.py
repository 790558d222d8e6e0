"""Police imports started from the browser: background jobs in the server process.

A job imports the files of one upload, one after the other, each with
``police_import.import_police_files`` (one transaction per file), in a thread of the server
process; one police import runs at a time per process (the others wait), so two uploads never
fight over SQLite's write lock. Before each file, a finished police import run with the same
SHA-256 means the file was imported already: it is skipped (and reported) unless the upload asked
to import again anyway. The upload folder is removed when the job ends, whatever happens.

Jobs stay in memory for ``KEEP_SECONDS`` after they finish. The report also survives them: the
job's "police_upload.finished" audit event lists every file's outcome and import run, and the
runs hold the counts and the first 100 errors and conflicts, so ``stored_view`` rebuilds the page
from the database (another worker process, or after a restart).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.audit.models import AuditAction, AuditEvent
from beacon.audit.service import AuditActor, record_event
from beacon.ingest.forces import force_from_file_name
from beacon.ingest.models import ImportRun
from beacon.ingest.police_import import FileSummary, ImportReport, import_police_files
from beacon.ingest.police_upload import ReceivedFile, discard
from beacon.runtime import Runtime

logger = logging.getLogger("beacon.ingest.police_jobs")

KEEP_SECONDS = 6 * 3600
MAX_KEPT = 200  # finished jobs kept in memory, newest first
SHOWN = 200  # rejected rows and conflicts listed on the page (the JSON has them all)
POLICE_RUN_KINDS = ("police-street", "police-outcomes", "police-stop-and-search")
RECORD_TYPE = "police_upload"
RECEIVED_EVENT = "police_upload.received"
FINISHED_EVENT = "police_upload.finished"

# File states, in the words the page uses.
WAITING = "waiting"
IMPORTING = "importing"
IMPORTED = "imported"
NOT_IMPORTED = "not imported"
SKIPPED = "skipped"
FAILED = "failed"

_IMPORTS = threading.Lock()  # one police import at a time in this process


@dataclass
class FileJob:
    """One file of a job, and what happened to it."""

    index: int  # 1-based, in the order the browser sent the files
    name: str
    size: int
    sha256: str
    path: Path | None = None
    problem: str | None = None
    status: str = WAITING
    bytes_done: int = 0
    summary: FileSummary | None = None
    reason: str | None = None
    previous_run_id: int | None = None
    previous_on: dt.datetime | None = None
    # Exact totals (a rebuilt report holds only the first 100 errors and conflicts).
    rejected: int = 0
    conflicts: int = 0

    @property
    def progress_text(self) -> str:
        if self.status == IMPORTING:
            return f"{size_text(self.bytes_done)} of {size_text(self.size)} read"
        return size_text(self.size)

    @property
    def percent(self) -> int:
        if self.status != IMPORTING:
            return 100 if self.status != WAITING else 0
        return min(100, self.bytes_done * 100 // self.size) if self.size else 100


@dataclass
class Job:
    id: str
    owner_id: int
    files: list[FileJob]
    reimport: bool = False
    force: str | None = None
    folder: Path | None = None
    state: str = "queued"  # queued (waiting for another import), running, done
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    finished_at: dt.datetime | None = None
    from_records: bool = False  # rebuilt from the database, not the live job
    _finished_mono: float | None = None
    _done: threading.Event = field(default_factory=threading.Event)

    @property
    def done(self) -> bool:
        return self.state == "done"

    @property
    def current(self) -> FileJob | None:
        return next((f for f in self.files if f.status == IMPORTING), None)

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def finish(self) -> None:
        self.finished_at = dt.datetime.now(dt.UTC)
        self._finished_mono = time.monotonic()
        self.state = "done"
        self._done.set()

    # -- the report --

    def summaries(self) -> list[FileSummary]:
        return [f.summary for f in self.files if f.summary is not None]

    def report(self) -> dict[str, Any]:
        """The JSON ``beacon import police --json`` prints, for the files handed to the importer
        (plus files refused before it, as unreadable), and the files skipped as already imported
        under ``skipped``."""
        data = ImportReport(files=self.summaries()).to_dict()
        for entry, file in zip(data["files"], (f for f in self.files if f.summary), strict=True):
            if entry["readable"]:  # exact even when the lists were cut to 100 (rebuilt report)
                entry["conflicts"] = file.conflicts
                entry["errors"] = file.rejected
        skipped = [
            {
                "file": f.name,
                "sha256": f.sha256,
                "reason": f.reason,
                "import_run_id": f.previous_run_id,
                "imported_at": f.previous_on.isoformat() if f.previous_on else None,
            }
            for f in self.files
            if f.status == SKIPPED
        ]
        if skipped:
            data["skipped"] = skipped
        if self.from_records:
            data["from_import_records"] = True
        return data

    def errors(self) -> list[dict[str, Any]]:
        return [e for s in self.summaries() if s.readable for e in s.errors]

    def conflicts_list(self) -> list[dict[str, Any]]:
        return [c for s in self.summaries() for c in s.conflicts]


class JobRegistry:
    """The jobs of this process, by id (ids are unguessable: ``secrets.token_urlsafe``)."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def add(self, job: Job) -> None:
        with self._lock:
            self._prune()
            self._jobs[job.id] = job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            self._prune()
            return self._jobs.get(job_id)

    def folders(self) -> set[Path]:
        with self._lock:
            return {job.folder for job in self._jobs.values() if job.folder and not job.done}

    def _prune(self) -> None:
        now = time.monotonic()
        finished = sorted(
            (j for j in self._jobs.values() if j._finished_mono is not None),
            key=lambda j: j._finished_mono or 0.0,
            reverse=True,
        )
        for position, job in enumerate(finished):
            assert job._finished_mono is not None
            if position >= MAX_KEPT or now - job._finished_mono > KEEP_SECONDS:
                del self._jobs[job.id]


def new_job(
    owner_id: int, files: list[ReceivedFile], folder: Path, *, reimport: bool, force: str | None
) -> Job:
    return Job(
        id=secrets.token_urlsafe(24),
        owner_id=owner_id,
        files=[
            FileJob(
                index=i,
                name=f.name,
                size=f.size,
                sha256=f.sha256,
                path=f.path,
                problem=f.problem,
            )
            for i, f in enumerate(files, start=1)
        ],
        reimport=reimport,
        force=force,
        folder=folder,
    )


def start(job: Job, runtime: Runtime, actor: AuditActor) -> None:
    """Run ``job`` in a thread of this process (the folder goes whatever happens)."""
    thread = threading.Thread(
        target=run, args=(job, runtime, actor), name=f"police-import-{job.id[:8]}", daemon=True
    )
    try:
        thread.start()
    except BaseException:
        discard(job.folder)
        job.finish()
        raise


def run(job: Job, runtime: Runtime, actor: AuditActor) -> None:
    try:
        with _IMPORTS:
            job.state = "running"
            for file in job.files:
                _import_one(job, file, runtime)
    except BaseException:
        logger.exception("police import job stopped")
        for file in job.files:
            if file.status in (WAITING, IMPORTING):
                _failed(file, "Beacon stopped the import before this file was finished")
    finally:
        discard(job.folder)
        try:
            _audit_finished(runtime, job, actor)
        except Exception:
            logger.exception("could not record the end of a police import job")
        job.finish()


def _import_one(job: Job, file: FileJob, runtime: Runtime) -> None:
    if file.problem:
        file.status = NOT_IMPORTED
        file.reason = file.problem
        file.summary = _unreadable(file.name, file.problem)
        return
    if not job.reimport:
        previous = previous_run(runtime, file.sha256)
        if previous is not None:
            file.status = SKIPPED
            file.previous_run_id, file.previous_on = previous
            file.reason = (
                f"already imported on {_day(file.previous_on)} as import run "
                f"#{file.previous_run_id}; skipped"
            )
            return
    assert file.path is not None
    file.status = IMPORTING

    def progress(_index: int, done: int, total: int) -> None:
        file.bytes_done = done
        if total:
            file.size = total

    # The force chosen on the form is for stop-and-search files whose name does not say.
    force = job.force if job.force and not force_from_file_name(file.name) else None
    try:
        report = import_police_files(
            runtime.engine,
            [file.path],
            force=force,
            batch_rows=runtime.settings.import_batch_rows,
            progress=progress,
        )
    except Exception as exc:
        logger.exception("police import of an uploaded file failed")
        detail = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        _failed(file, f"the import stopped and was undone ({detail})")
        return
    summary = _named(report.files[0], file.name)
    file.summary = summary
    file.bytes_done = file.size
    file.rejected = summary.rejected
    file.conflicts = len(summary.conflicts)
    if summary.readable:
        file.status = IMPORTED
    else:
        file.status = NOT_IMPORTED
        file.reason = summary.errors[0]["reason"] if summary.errors else "the file is unreadable"


def _failed(file: FileJob, reason: str) -> None:
    file.status = FAILED
    file.reason = (
        reason + "; nothing from this file was stored. Upload it again on its own to retry"
    )
    file.summary = _unreadable(file.name, file.reason)


def _unreadable(name: str, reason: str) -> FileSummary:
    summary = FileSummary(file=name, readable=False)
    summary.errors.append({"file": name, "line": None, "reason": reason})
    return summary


def _named(summary: FileSummary, name: str) -> FileSummary:
    """The summary with the server's temporary path replaced by the file's own name."""

    def rename(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**entry, "file": name} for entry in entries]

    return replace(
        summary, file=name, errors=rename(summary.errors), conflicts=rename(summary.conflicts)
    )


def size_text(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(size, 0) / 1024:,.0f} KB" if size >= 1024 else f"{size:,} bytes"
    return f"{size / (1024 * 1024):,.1f} MB"


def _day(moment: dt.datetime | None) -> str:
    if moment is None:
        return "an earlier date"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return f"{moment.day} {moment:%B %Y}"


def previous_run(runtime: Runtime, sha256: str) -> tuple[int, dt.datetime | None] | None:
    """The latest finished police import run of a file with this content, or None."""
    with runtime.sessions() as session:
        row = session.execute(
            select(ImportRun.id, ImportRun.finished_at)
            .where(
                ImportRun.kind.in_(POLICE_RUN_KINDS),
                ImportRun.sha256 == sha256,
                ImportRun.finished_at.is_not(None),
            )
            .order_by(ImportRun.id.desc())
            .limit(1)
        ).first()
    return None if row is None else (int(row.id), row.finished_at)


# --- audit ------------------------------------------------------------------------------------


def audit_received(runtime: Runtime, job: Job, actor: AuditActor) -> None:
    """The upload arrived: who sent which files (written before the import starts)."""
    with runtime.sessions() as session:
        record_event(
            session,
            action=AuditAction.COLLECTION,
            event=RECEIVED_EVENT,
            actor=actor,
            record_type=RECORD_TYPE,
            record_id=job.id,
            details={
                "files": [{"file": f.name, "bytes": f.size, "sha256": f.sha256} for f in job.files],
                "import_again": job.reimport,
                "force": job.force,
            },
        )
        session.commit()


def _audit_finished(runtime: Runtime, job: Job, actor: AuditActor) -> None:
    with runtime.sessions() as session:
        record_event(
            session,
            action=AuditAction.COLLECTION,
            event=FINISHED_EVENT,
            actor=actor,
            record_type=RECORD_TYPE,
            record_id=job.id,
            details={"files": [_file_record(f) for f in job.files]},
        )
        session.commit()


def _file_record(file: FileJob) -> dict[str, Any]:
    summary = file.summary
    record: dict[str, Any] = {
        "file": file.name,
        "bytes": file.size,
        "sha256": file.sha256,
        "status": file.status,
        "reason": file.reason,
        "previous_run_id": file.previous_run_id,
        "previous_on": file.previous_on.isoformat() if file.previous_on else None,
    }
    if summary is not None and summary.readable:
        record.update(
            kind=summary.kind,
            import_run_id=summary.import_run_id,
            rows_read=summary.rows_read,
            imported=summary.imported,
            updated=summary.updated,
            duplicates=summary.duplicates,
            rejected=summary.rejected,
            no_location=summary.no_location,
            no_lsoa=summary.no_lsoa,
            conflicts=len(summary.conflicts),
            seconds=summary.seconds,
        )
    return record


# --- a finished job, from the database ---------------------------------------------------------


def stored_job(session: Session, job_id: str, may_see: Callable[[int | None], bool]) -> Job | None:
    """The finished job ``job_id`` rebuilt from its audit event and import runs (None when
    there is none, or ``may_see(owner_id)`` says no)."""
    event = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.record_type == RECORD_TYPE,
            AuditEvent.record_id == job_id,
            AuditEvent.event == FINISHED_EVENT,
        )
        .limit(1)
    ).first()
    if event is None or event.actor_kind != "user" or not may_see(event.actor_id):
        return None
    details = json.loads(event.details_json or "{}")
    files: list[FileJob] = []
    for index, record in enumerate(details.get("files", []), start=1):
        files.append(_stored_file(session, index, record))
    job = Job(id=job_id, owner_id=event.actor_id or 0, files=files, from_records=True)
    job.finished_at = event.occurred_at
    job.state = "done"
    return job


def _stored_file(session: Session, index: int, record: dict[str, Any]) -> FileJob:
    name = str(record.get("file", ""))
    previous_on = record.get("previous_on")
    file = FileJob(
        index=index,
        name=name,
        size=int(record.get("bytes") or 0),
        sha256=str(record.get("sha256") or ""),
        status=str(record.get("status") or NOT_IMPORTED),
        reason=record.get("reason"),
        previous_run_id=record.get("previous_run_id"),
        previous_on=dt.datetime.fromisoformat(previous_on) if previous_on else None,
    )
    run_id = record.get("import_run_id")
    run = session.get(ImportRun, run_id) if isinstance(run_id, int) else None
    if run is None:
        if file.status in (NOT_IMPORTED, FAILED):
            file.summary = _unreadable(name, file.reason or "not imported")
        return file
    stored = json.loads(run.summary_json or "{}")
    summary = FileSummary(
        file=name,
        kind=record.get("kind"),
        sha256=run.sha256,
        import_run_id=run.id,
        rows_read=run.rows_read,
        imported=run.imported,
        updated=run.updated,
        duplicates=run.duplicates,
        rejected=run.rejected,
        no_location=int(stored.get("no_location", 0)),
        no_lsoa=int(stored.get("no_lsoa", 0)),
        errors=[{**e, "file": name} for e in stored.get("errors", [])],
        conflicts=[{**c, "file": name} for c in stored.get("conflicts", [])],
        seconds=float(record.get("seconds") or 0.0),
    )
    file.summary = summary
    file.rejected = run.rejected
    file.conflicts = run.conflicts
    return file


def received_job(
    session: Session, job_id: str, may_see: Callable[[int | None], bool]
) -> Job | None:
    """A job that arrived (its "received" event exists) but that this process does not hold and
    that has not finished: run by another worker process, or stopped by a restart."""
    event = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.record_type == RECORD_TYPE,
            AuditEvent.record_id == job_id,
            AuditEvent.event == RECEIVED_EVENT,
        )
        .limit(1)
    ).first()
    if event is None or event.actor_kind != "user" or not may_see(event.actor_id):
        return None
    details = json.loads(event.details_json or "{}")
    files = [
        FileJob(
            index=i,
            name=str(f.get("file", "")),
            size=int(f.get("bytes") or 0),
            sha256=str(f.get("sha256") or ""),
        )
        for i, f in enumerate(details.get("files", []), start=1)
    ]
    job = Job(id=job_id, owner_id=event.actor_id or 0, files=files, from_records=True)
    job.created_at = event.occurred_at
    job.state = "elsewhere"
    return job
