"""``beacon assess``: compute an assessment from the command line and write it as a PDF or a
standalone HTML file, with its data annex and its manifest, and store the run.

Only typer and the standard library are imported at module top (``beacon --help`` stays fast);
the analytics, the renderers and rich come in inside the command. Input a person can fix
(an option, a missing month, boundaries or deprivation not loaded) prints ``error: <why>`` and
exits 2 having written nothing: every file is made in full in memory, written to a temporary
file beside its destination and only then moved into place.

``--manifest FILE`` reproduces a run: the request, the judgement, the configuration and the
snapshot all come from the manifest, and the figures are checked against it (exit 1 when any
differs). ``--compare OLD.manifest.json`` lists what changed between that run and this one.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer

HELP = (
    "Compute an assessment and write it as a PDF or HTML file, with its data annex and "
    "manifest.\n\n"
    "Kinds: strategic (the strategic intelligence assessment), tactical, problem (profile), "
    "community_impact and neighbourhood (profile). A tactical or community impact "
    "assessment needs only --to, the month its last 28 days end in.\n\n"
    "The run is stored in the database. Exits with 2, writing nothing, when an option is "
    "wrong or the data it needs is not loaded (the message names the command that loads "
    "it), and with 1 when --manifest's figures are not reproduced."
)
KIND_NAMES = ("strategic", "tactical", "problem", "community_impact", "neighbourhood")
ONE_MONTH_KINDS = ("tactical", "community_impact")
OUT_SUFFIXES = (".pdf", ".html")
ANNEX_SUFFIXES = (".xlsx", ".zip")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def register(app: typer.Typer) -> None:
    app.command("assess", help=HELP)(assess_command)


class InputProblem(Exception):
    """An option that cannot be used (raised before anything is computed)."""


def assess_command(
    out: Annotated[
        Path, typer.Option("--out", help="The document: FILE.pdf or FILE.html (self-contained).")
    ],
    lad: Annotated[
        str | None, typer.Option("--lad", help="District code(s), comma-separated (E06000015).")
    ] = None,
    force: Annotated[
        str | None, typer.Option("--force", help="Police force (data.police.uk id, e.g. sussex).")
    ] = None,
    ward: Annotated[str | None, typer.Option("--ward", help="One ward code.")] = None,
    lsoa: Annotated[str | None, typer.Option("--lsoa", help="One LSOA code.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First month, YYYY-MM.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last month, YYYY-MM.")] = None,
    annex: Annotated[
        Path | None,
        typer.Option("--annex", help="The data annex: FILE.xlsx, or FILE.zip of CSV files."),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help="strategic (default), tactical, problem, community_impact or neighbourhood.",
        ),
    ] = None,
    theme: Annotated[
        list[str] | None,
        typer.Option(
            "--theme",
            help="Themes in play (repeat, or comma-separated; default: every configured "
            "theme). A problem profile takes exactly one.",
        ),
    ] = None,
    link_force: Annotated[
        bool,
        typer.Option("--link-force", help="Show a district's priorities against its force's."),
    ] = False,
    incident: Annotated[
        str | None,
        typer.Option("--incident", help="Community impact: the incident, in a line."),
    ] = None,
    incident_on: Annotated[
        str | None, typer.Option("--incident-on", help="Community impact: its date, YYYY-MM-DD.")
    ] = None,
    review_on: Annotated[
        str | None,
        typer.Option("--review-on", help="Community impact: next review date, YYYY-MM-DD."),
    ] = None,
    shared: Annotated[
        bool,
        typer.Option("--shared", help="The shared version: counts of 1 to 4 suppressed."),
    ] = False,
    manifest_file: Annotated[
        Path | None,
        typer.Option(
            "--manifest",
            help="Reproduce the run a manifest describes (its request, judgement, "
            "configuration and snapshot); give no area or period options.",
        ),
    ] = None,
    manifest_out: Annotated[
        Path | None,
        typer.Option(
            "--manifest-out", help="Where the manifest goes (default: --out's .manifest.json)."
        ),
    ] = None,
    compare_file: Annotated[
        Path | None,
        typer.Option("--compare", help="An earlier run's manifest: print what changed, and why."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    from beacon.analytics.errors import AnalysisInputError
    from beacon.cli_support import fail

    started = time.perf_counter()
    request: Request | None = None
    try:
        request = _request(
            Area(lad=lad, force=force, ward=ward, lsoa=lsoa),
            start=start,
            end=end,
            kind=kind,
            themes=theme or [],
            link_force=link_force,
            incident=incident,
            incident_on=incident_on,
            review_on=review_on,
            shared=shared,
            manifest_file=manifest_file,
        )
        files = _files(out, annex, manifest_out, manifest_file)
        old = _read(compare_file, "--compare") if compare_file is not None else None
        result = _run(request, files, old, started)
    except InputProblem as problem:
        fail(str(problem), 2)
    except AnalysisInputError as error:
        fail(str(_on_the_command_line(error, request)), 2)
    _report(result, as_json=as_json)
    if result.reproduced is False:
        raise typer.Exit(1)


def _on_the_command_line(error: Any, request: Request | None) -> Any:
    """The assessment's checks name the area ``--scope`` (the web form's field): here it is
    the area option given, or the manifest that gave it."""
    from beacon.analytics.errors import AnalysisInputError

    if error.option != "--scope" or request is None:
        return error
    if request.manifest_path is not None:
        option = "--manifest"
    else:
        option = "--" + request.spec.scope.partition(":")[0]
    return AnalysisInputError(error.reason, file=error.file, line=error.line, option=option)


# --- the request --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    lad: str | None
    force: str | None
    ward: str | None
    lsoa: str | None

    def given(self) -> list[tuple[str, str]]:
        options = (("--lad", self.lad), ("--force", self.force), ("--ward", self.ward))
        return [(o, v) for o, v in (*options, ("--lsoa", self.lsoa)) if v is not None]


@dataclass
class Request:
    spec: Any  # AssessmentSpec
    judgement: Any  # Judgement
    config: Any = None  # AssessmentConfig; None: the configured one
    snapshot_id: str | None = None
    previous_run_key: str | None = "latest"
    generated_at: str | None = None
    manifest: dict[str, Any] | None = None  # the manifest being reproduced
    manifest_path: str | None = None


def _request(
    area: Area,
    *,
    start: str | None,
    end: str | None,
    kind: str | None,
    themes: list[str],
    link_force: bool,
    incident: str | None,
    incident_on: str | None,
    review_on: str | None,
    shared: bool,
    manifest_file: Path | None,
) -> Request:
    from beacon.assessment.spec import AssessmentSpec, Judgement

    if manifest_file is not None:
        given = [option for option, _value in area.given()]
        given += [
            option
            for option, value in (
                ("--from", start),
                ("--to", end),
                ("--kind", kind),
                ("--theme", themes or None),
                ("--link-force", link_force or None),
                ("--incident", incident),
                ("--incident-on", incident_on),
                ("--review-on", review_on),
                ("--shared", shared or None),
            )
            if value is not None
        ]
        if given:
            raise InputProblem(
                f"{given[0]}: the request comes from the manifest with --manifest; give only "
                "--out, --annex, --manifest-out, --compare and --json"
            )
        return _from_manifest(manifest_file)
    scope = _scope(area)
    if (kind or "strategic") in ONE_MONTH_KINDS:
        # These look at the last 28 days (and the month) up to the period's end: one month
        # names it, so --to alone (or --from alone) is enough.
        if start is None and end is None:
            raise InputProblem(f"--to: give the month a {kind} assessment ends in (YYYY-MM)")
        start, end = start or end, end or start
    first, last = _period(start, end)
    kind = (kind or "strategic").strip().lower()
    if kind not in KIND_NAMES:
        raise InputProblem(f"--kind: {kind!r} is not a kind (choose {', '.join(KIND_NAMES)})")
    keys = list(dict.fromkeys(k.strip() for t in themes for k in t.split(",") if k.strip()))
    theme = None
    if kind == "problem":
        if len(keys) != 1:
            raise InputProblem("--theme: a problem profile is about exactly one theme")
        theme = keys[0]
    if link_force and (kind != "strategic" or not scope.startswith("lad:")):
        raise InputProblem(
            "--link-force: only a district's strategic assessment (--lad) can be shown against "
            "its force's priorities"
        )
    _community_impact(kind, incident, incident_on, review_on)
    spec = AssessmentSpec(
        kind=kind,
        scope=scope,
        period_from=first,
        period_to=last,
        themes=tuple(keys),
        link_force=link_force,
        theme=theme,
        incident=incident.strip() if incident else None,
        incident_on=incident_on,
        review_on=review_on,
        audience="shared" if shared else "analysts",
    )
    return Request(spec=spec, judgement=Judgement())


def _scope(area: Area) -> str:
    given = area.given()
    if len(given) != 1:
        named = " and ".join(o for o, _v in given) if given else "none"
        raise InputProblem(
            f"give exactly one of --lad, --force, --ward or --lsoa (or --manifest); given: {named}"
        )
    option, value = given[0]
    if option == "--force":
        name = value.strip().lower()
        if not name:
            raise InputProblem("--force: name the police force (e.g. west-yorkshire)")
        return f"force:{name}"
    codes = list(dict.fromkeys(c.strip().upper() for c in value.split(",") if c.strip()))
    if not codes:
        raise InputProblem(f"{option}: give an area code")
    if len(codes) > 1 and option != "--lad":
        raise InputProblem(f"{option}: give one code (several codes only for --lad)")
    return f"{option.removeprefix('--')}:{','.join(codes)}"


def _period(start: str | None, end: str | None) -> tuple[str, str]:
    from beacon.assessment.workflow import MAX_MONTHS

    for option, value in (("--from", start), ("--to", end)):
        if value is None:
            raise InputProblem(
                f"{option}: give the {'first' if option == '--from' else 'last'} month (YYYY-MM)"
            )
        if not _MONTH.match(value):
            raise InputProblem(f"{option}: {value[:20]!r} is not a month (YYYY-MM, e.g. 2018-10)")
    assert start is not None and end is not None
    if start > end:
        raise InputProblem(f"--from: the first month ({start}) is after the last ({end})")
    months = (int(end[:4]) * 12 + int(end[5:])) - (int(start[:4]) * 12 + int(start[5:])) + 1
    if months > MAX_MONTHS:
        raise InputProblem(f"--from: an assessment covers at most {MAX_MONTHS} months")
    return start, end


def _community_impact(
    kind: str, incident: str | None, incident_on: str | None, review_on: str | None
) -> None:
    import datetime as dt

    given = {"--incident": incident, "--incident-on": incident_on, "--review-on": review_on}
    if kind != "community_impact":
        extra = [o for o, v in given.items() if v is not None]
        if extra:
            raise InputProblem(f"{extra[0]}: only for --kind community_impact")
        return
    for option, value in given.items():
        if value is None or not value.strip():
            raise InputProblem(f"{option}: a community impact assessment needs it")
    for option in ("--incident-on", "--review-on"):
        value = str(given[option])
        try:
            if not _DATE.match(value):
                raise ValueError(value)
            dt.date.fromisoformat(value)
        except ValueError:
            raise InputProblem(f"{option}: {value[:20]!r} is not a date (YYYY-MM-DD)") from None
    if str(review_on) < str(incident_on):
        raise InputProblem("--review-on: the review date is before the incident")


def _from_manifest(path: Path) -> Request:
    from beacon.assessment import config as configs
    from beacon.assessment.spec import AssessmentSpec, Judgement

    manifest = _read(path, "--manifest")
    try:
        spec = AssessmentSpec.from_dict(manifest["spec"])
        judgement = Judgement.from_dict(manifest.get("judgement"))
    except (TypeError, KeyError, AttributeError) as error:
        raise InputProblem(f"{path}: the manifest's request cannot be read ({error})") from None
    return Request(
        spec=spec,
        judgement=judgement,
        config=configs.from_mapping(manifest["configuration"], source=f"manifest {path}"),
        snapshot_id=str(manifest["snapshot"]["id"]),
        previous_run_key=manifest.get("previous_run_key"),
        generated_at=manifest.get("generated_at"),
        manifest=manifest,
        manifest_path=str(path),
    )


def _read(path: Path, option: str) -> dict[str, Any]:
    from beacon.analytics.errors import AnalysisInputError
    from beacon.assessment.manifest import read_manifest

    try:
        return read_manifest(str(path))
    except AnalysisInputError as error:
        raise InputProblem(f"{option}: {error}") from None


# --- the files ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Files:
    out: Path
    annex: Path | None
    manifest: Path


def _files(out: Path, annex: Path | None, manifest_out: Path | None, source: Path | None) -> Files:
    """Where each file goes, checked before anything is computed."""
    if out.suffix.lower() not in OUT_SUFFIXES:
        raise InputProblem(f"--out: {out.name!r} must end in .pdf or .html")
    if annex is not None and annex.suffix.lower() not in ANNEX_SUFFIXES:
        raise InputProblem(f"--annex: {annex.name!r} must end in .xlsx or .zip")
    manifest = manifest_out or out.with_suffix(".manifest.json")
    named = [("--out", out), ("--annex", annex), ("--manifest-out", manifest)]
    seen: dict[Path, str] = {}
    for option, path in named:
        if path is None:
            continue
        if path.exists() and path.is_dir():
            raise InputProblem(f"{option}: {path} is a folder; give a file name")
        if not path.parent.resolve().is_dir():
            raise InputProblem(f"{option}: the folder {path.parent} does not exist")
        key = path.resolve()
        if key in seen:
            raise InputProblem(f"{option}: {path} is also {seen[key]}'s file")
        if source is not None and key == source.resolve():
            raise InputProblem(
                f"{option}: {path} is the manifest being reproduced; write elsewhere"
                + (" (give --manifest-out)" if option == "--manifest-out" else "")
            )
        seen[key] = option
    return Files(out=out, annex=annex, manifest=manifest)


def _write_all(contents: list[tuple[Path, bytes]], before_replace: Callable[[], None]) -> None:
    """Every file to a temporary file beside it, then ``before_replace`` (storing the run), then
    each moved into place: an error on the way leaves no file half-made."""
    written: list[tuple[str, Path]] = []
    try:
        for path, data in contents:
            handle, temporary = tempfile.mkstemp(
                prefix=f".{path.name}.", suffix=".partial", dir=path.parent.resolve()
            )
            written.append((temporary, path))
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, 0o644 & ~_umask())
        before_replace()
        for temporary, path in written:
            os.replace(temporary, path)
        written = []
    finally:
        for temporary, _path in written:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


# --- running it ---------------------------------------------------------------------------------


@dataclass
class Result:
    manifest: dict[str, Any]
    document: Any
    files: Files
    elapsed: float
    reproduced: bool | None = None  # None: not a reproduction
    differences: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] | None = None  # --compare


def _run(request: Request, files: Files, old: dict[str, Any] | None, started: float) -> Result:
    from beacon.assessment import manifest as manifests
    from beacon.assessment.service import boundaries_for, compute, store_run
    from beacon.config import get_settings
    from beacon.runtime import open_runtime

    settings = get_settings()
    # Migrates first (as other commands do), so a new database can store the run.
    runtime = open_runtime(settings)
    try:
        if request.manifest is not None:
            from beacon.analytics.snapshot import open_snapshot

            snapshot = open_snapshot(settings, request.snapshot_id)
            manifests.check_snapshot(request.manifest, snapshot, file=request.manifest_path)
        after = ["rendering " + files.out.suffix[1:].upper()]
        if files.annex is not None:
            after.append("writing the data annex")
        after += ["storing the run", "writing the files"]
        with _Bar(after) as bar:
            outcome = compute(
                settings,
                request.spec,
                request.judgement,
                progress=bar.compute_step,
                say=bar.say,
                snapshot_id=request.snapshot_id,
                config=request.config,
                previous_run_key=request.previous_run_key,
                generated_at=request.generated_at,
            )
            contents = _render(outcome, files, runtime, bar, boundaries_for)

            def store() -> None:
                bar.next("storing the run")
                with runtime.sessions.begin() as session:
                    store_run(
                        session,
                        outcome,
                        assessment_id=None,
                        user_id=None,
                        created_by="command line",
                    )
                bar.next("writing the files")

            _write_all(contents, store)
    finally:
        runtime.close()
    result = Result(
        manifest=outcome.manifest,
        document=outcome.document,
        files=files,
        elapsed=time.perf_counter() - started,
    )
    if request.manifest is not None:
        same = outcome.manifest["figures_sha256"] == request.manifest["figures_sha256"]
        result.reproduced = same
        if not same:
            result.differences = [
                row
                for row in manifests.compare(request.manifest, outcome.manifest)
                if row["what"].startswith("figure")
            ]
    if old is not None:
        result.changes = manifests.compare(old, outcome.manifest)
    return result


def _render(
    outcome: Any, files: Files, runtime: Any, bar: _Bar, boundaries_for: Callable[..., Any]
) -> list[tuple[Path, bytes]]:
    import json

    from beacon.assessment import annex, render

    document = outcome.document
    if outcome.spec.audience == "shared":
        from beacon.assessment.suppress import shared_version

        threshold = int(outcome.manifest.get("configuration", {}).get("small_number_threshold", 5))
        document = shared_version(document, threshold)
    with runtime.sessions() as session:
        boundaries = boundaries_for(session, document)
    bar.next("rendering " + files.out.suffix[1:].upper())
    if files.out.suffix.lower() == ".pdf":
        body = render.pdf(document, boundaries)
    else:
        body = render.standalone_html(document, boundaries).encode("utf-8")
    contents = [(files.out, body)]
    if files.annex is not None:
        bar.next("writing the data annex")
        if files.annex.suffix.lower() == ".xlsx":
            contents.append((files.annex, annex.to_xlsx(document)))
        else:
            contents.append((files.annex, annex.to_csv_zip(document)))
    text = json.dumps(outcome.manifest, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    contents.append((files.manifest, (text + "\n").encode("utf-8")))
    return contents


class _Bar:
    """A rich progress bar on stderr, only on a terminal (pipes and logs stay clean): compute's
    steps, then rendering, the annex, storing and writing."""

    def __init__(self, after: list[str]) -> None:
        self.after = after
        self.enabled = sys.stderr.isatty()
        self.bar: Any = None
        self.task: Any = None
        self.computing = 0  # compute's own step count, once it has said it

    def __enter__(self) -> _Bar:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self.bar = Progress(
                TextColumn("[bold]assess"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.description}"),
                console=Console(stderr=True),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task("starting", total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def compute_step(self, done: int, total: int, message: str) -> None:
        self.computing = total
        if self.bar is not None:
            self.bar.update(
                self.task, completed=done, total=total + len(self.after), description=message
            )

    def next(self, message: str) -> None:
        """A step after compute (compute may skip some of its steps: the bar jumps past them)."""
        if self.bar is not None:
            index = self.after.index(message) if message in self.after else 0
            self.bar.update(
                self.task,
                completed=self.computing + index,
                total=self.computing + len(self.after),
                description=message,
            )

    def say(self, text: str) -> None:
        if self.bar is not None:
            self.bar.console.print(f"note: {text}")
        else:
            typer.echo(f"note: {text}", err=True)


# --- the summary --------------------------------------------------------------------------------


def _summary(result: Result) -> dict[str, Any]:
    manifest = result.manifest
    files = result.files
    return {
        "run_key": manifest["run_key"],
        "kind": manifest["spec"]["kind"],
        "scope": manifest["spec"]["scope"],
        "period": {"from": manifest["spec"]["period_from"], "to": manifest["spec"]["period_to"]},
        "audience": manifest["spec"].get("audience", "analysts"),
        "snapshot": manifest["snapshot"]["id"],
        "total_crimes": result.document.figures.get("total.count"),
        "priorities": manifest.get("priorities", []),
        "previous_run_key": manifest.get("previous_run_key"),
        "figures_sha256": manifest["figures_sha256"],
        "files": {
            "document": str(files.out),
            "annex": str(files.annex) if files.annex else None,
            "manifest": str(files.manifest),
        },
        "reproduced": result.reproduced,
        "differences": result.differences,
        "changes": result.changes,
        "elapsed_s": round(result.elapsed, 2),
    }


def _report(result: Result, *, as_json: bool) -> None:
    summary = _summary(result)
    if as_json:
        from beacon.cli_support import print_json

        print_json(summary)
        return
    echo = typer.echo
    echo(f"document: {summary['files']['document']}")
    if summary["files"]["annex"]:
        echo(f"data annex: {summary['files']['annex']}")
    echo(f"manifest: {summary['files']['manifest']}")
    echo(f"run: {summary['run_key']} (snapshot {summary['snapshot']})")
    total = summary["total_crimes"]
    if isinstance(total, int | float) and not isinstance(total, bool):
        echo(f"total crimes: {total:,.0f}")
    elif total is not None:
        echo(f"total crimes: {total}")
    priorities = summary["priorities"]
    echo(f"recommended priorities: {', '.join(priorities) if priorities else 'none'}")
    if summary["audience"] == "shared":
        echo(
            "note: the document and annex are the shared version; the manifest keeps the full "
            "figures (for analysts only)"
        )
    if result.reproduced is True:
        echo(f"figures identical to the manifest (sha256 {summary['figures_sha256']})")
    elif result.reproduced is False:
        echo("figures differ from the manifest's:")
        _print_rows(result.differences)
    if result.changes is not None:
        if result.changes:
            echo(f"changed since the compared run ({len(result.changes)}):")
            _print_rows(result.changes)
        else:
            echo("nothing changed since the compared run")
    echo(f"elapsed: {result.elapsed:.1f} s")


def _print_rows(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        typer.echo(f"  {row['what']}: {row['before']} -> {row['after']} ({row['why']})")
