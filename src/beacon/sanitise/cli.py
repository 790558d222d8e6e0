"""``beacon sanitise FILE`` and ``beacon sanitise-eval [--selfid FILE]``.

``beacon sanitise FILE`` reads one text per line, or JSON Lines with a ``text`` field (and
optionally ``id`` and ``reporter``), and prints one JSON object per input line: the redactions,
the flags and the redacted text. ``-`` reads standard input. The whole input is read and
checked before anything is printed, so bad input gives errors and no partial output.

The detector (Presidio) is imported inside the commands: ``beacon --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO, NoReturn

import typer

if TYPE_CHECKING:
    from beacon.sanitise.detect import Finding, ReporterDetails

MAX_LINE_CHARS = 20_000
MAX_ERRORS_SHOWN = 20
REPORTER_FIELDS = ("name", "email", "phone", "address", "postcode")
PARALLEL_FROM = 200  # fewer texts than this: starting workers costs more than it saves
CHUNK = 32


def register(app: typer.Typer, import_app: typer.Typer | None = None) -> None:
    """Add ``sanitise`` and ``sanitise-eval`` to ``beacon``."""
    app.command("sanitise")(sanitise)
    app.command("sanitise-eval")(sanitise_eval)


@dataclass(frozen=True)
class InputText:
    line: int
    text: str
    id: Any = None
    has_id: bool = False
    reporter: ReporterDetails | None = None


class InputError(Exception):
    """The input file cannot be sanitised; ``errors`` are (line or None, reason)."""

    def __init__(self, errors: list[tuple[int | None, str]]) -> None:
        super().__init__(errors[0][1] if errors else "bad input")
        self.errors = errors


def _raw_lines(stream: BinaryIO) -> Iterator[tuple[int, bytes]]:
    for number, raw in enumerate(stream, start=1):
        yield number, raw.rstrip(b"\r\n")


def _decode(
    lines: list[tuple[int, bytes]],
) -> tuple[list[tuple[int, str]], list[tuple[int | None, str]]]:
    decoded: list[tuple[int, str]] = []
    errors: list[tuple[int | None, str]] = []
    for number, raw in lines:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            errors.append(
                (number, f"invalid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})")
            )
            continue
        if number == 1 and text.startswith("\ufeff"):
            text = text[1:]  # a byte-order mark from Windows editors
        if not text.strip():
            continue
        if len(text) > MAX_LINE_CHARS:
            errors.append(
                (number, f"line is {len(text):,} characters long; the limit is {MAX_LINE_CHARS:,}")
            )
            continue
        decoded.append((number, text))
    return decoded, errors


def _as_object(text: str) -> dict[str, Any] | None:
    stripped = text.strip()
    if not stripped.startswith("{"):
        return None
    try:
        value = json.loads(stripped)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def parse_input(stream: BinaryIO) -> list[InputText]:
    """Read and check the whole input. Plain text: one text per non-blank line. JSON Lines
    when every non-blank line is a JSON object (each needs a ``text`` string; ``id`` is kept;
    ``reporter`` is an optional object with the contact fields). A file whose first line is a
    JSON object but a later line is not is reported as broken JSON Lines, not read as text."""
    from beacon.sanitise.detect import ReporterDetails

    lines, errors = _decode(list(_raw_lines(stream)))
    objects = [_as_object(text) for _, text in lines]
    jsonl = bool(lines) and objects[0] is not None
    items: list[InputText] = []
    for (number, text), obj in zip(lines, objects, strict=True):
        if not jsonl:
            items.append(InputText(line=number, text=text))
            continue
        if obj is None:
            errors.append((number, "not a JSON object (line 1 is, so this is read as JSON Lines)"))
            continue
        value = obj.get("text")
        if not isinstance(value, str):
            errors.append((number, 'JSON object without a "text" string'))
            continue
        if len(value) > MAX_LINE_CHARS:
            errors.append(
                (
                    number,
                    f'"text" is {len(value):,} characters long; the limit is {MAX_LINE_CHARS:,}',
                )
            )
            continue
        reporter = None
        raw_reporter = obj.get("reporter")
        if raw_reporter is not None:
            if not isinstance(raw_reporter, dict):
                errors.append((number, '"reporter" must be an object'))
                continue
            unknown = sorted(set(raw_reporter) - set(REPORTER_FIELDS))
            if unknown:
                errors.append(
                    (
                        number,
                        f'"reporter" has unknown field(s) {", ".join(unknown)}; allowed: '
                        f"{', '.join(REPORTER_FIELDS)}",
                    )
                )
                continue
            try:
                reporter = ReporterDetails.from_mapping(raw_reporter)
            except ValueError as exc:
                errors.append((number, str(exc)))
                continue
        items.append(
            InputText(
                line=number, text=value, id=obj.get("id"), has_id="id" in obj, reporter=reporter
            )
        )
    if errors:
        raise InputError(sorted(errors, key=lambda e: e[0] or 0))
    return items


def _span(finding: Finding) -> dict[str, Any]:
    return {"start": finding.start, "end": finding.end, "type": finding.type, "text": finding.text}


def result_object(item: InputText, findings: list[Finding], redacted: str) -> dict[str, Any]:
    payload: dict[str, Any] = {"line": item.line}
    if item.has_id:
        payload["id"] = item.id
    payload["redactions"] = [_span(f) for f in findings if f.action == "redact"]
    payload["flags"] = [_span(f) for f in findings if f.action == "flag"]
    payload["redacted_text"] = redacted
    return payload


def _fail_input(name: str, errors: list[tuple[int | None, str]]) -> NoReturn:
    for line, reason in errors[:MAX_ERRORS_SHOWN]:
        where = f"{name}:{line}" if line else name
        typer.echo(f"error: {where}: {reason}", err=True)
    if len(errors) > MAX_ERRORS_SHOWN:
        typer.echo(f"error: ... and {len(errors) - MAX_ERRORS_SHOWN} more", err=True)
    raise typer.Exit(1)


def read_texts(file: str) -> list[InputText]:
    """Every text of ``file`` (``-``: standard input), checked; on bad input the errors are
    printed with the file and line, and the command exits with 1 having written nothing."""
    name = "<stdin>" if file == "-" else file
    try:
        if file == "-":
            return parse_input(sys.stdin.buffer)
        path = Path(file)
        if path.is_dir():
            _fail_input(name, [(None, "is a folder, not a file")])
        with path.open("rb") as stream:
            return parse_input(stream)
    except FileNotFoundError:
        _fail_input(name, [(None, "no such file")])
    except PermissionError:
        _fail_input(name, [(None, "permission denied")])
    except InputError as exc:
        _fail_input(name, exc.errors)


def _sanitised_line(item: InputText) -> str:
    from beacon.sanitise.detect import get_sanitiser

    sanitiser = get_sanitiser()
    findings = sanitiser.analyse(item.text, item.reporter)
    redacted = sanitiser.redact(item.text, findings)
    return json.dumps(result_object(item, findings, redacted), ensure_ascii=False) + "\n"


def sanitised_lines(items: list[InputText], workers: int) -> Iterator[str]:
    """One JSON line per item, in input order. Large inputs are shared among ``workers``
    processes forked after the sanitiser is built, so each starts with it ready."""
    import multiprocessing

    from beacon.sanitise.detect import get_sanitiser

    get_sanitiser()  # built once here; forked workers inherit it
    if (
        workers <= 1
        or len(items) < PARALLEL_FROM
        or "fork" not in (multiprocessing.get_all_start_methods())
    ):
        yield from map(_sanitised_line, items)
        return
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(_sanitised_line, items, chunksize=CHUNK)


def sanitise(
    file: Annotated[
        str,
        typer.Argument(
            help='Text file (one report per line) or JSON Lines with a "text" field; - for '
            "standard input."
        ),
    ],
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=0,
            max=64,
            help="Processes sharing a large input; 0 (the default): one per CPU core.",
        ),
    ] = 0,
) -> None:
    """Find what identifies the reporter in each text and print one JSON object per line:
    redactions, flags (details about others, left in place) and the redacted text. Exits
    with 1, naming the file and line, when the input is not valid UTF-8, a JSON Lines line has
    no "text", or a line is longer than 20,000 characters."""
    import os

    items = read_texts(file)
    out = sys.stdout
    for line in sanitised_lines(items, workers or os.cpu_count() or 1):
        out.write(line)
    out.flush()


def sanitise_eval(
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    which: Annotated[
        str,
        typer.Option(
            "--set", help="main (the evaluation set) or holdout (texts never used for tuning)."
        ),
    ] = "main",
    file: Annotated[
        Path | None, typer.Option("--file", help="Another evaluation file (same format).")
    ] = None,
    misses: Annotated[
        bool, typer.Option("--misses", help="Also list missed, spurious and wrong-action spans.")
    ] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Exit with 1 when a recall goal is not met.")
    ] = False,
    selfid: Annotated[
        Path | None,
        typer.Option(
            "--selfid",
            help="A self-identification file (identifying / not_identifying spans): report "
            "recall per kind, the share of findings about the reporter that point at nothing "
            "identifying, and subject details redacted.",
        ),
    ] = None,
) -> None:
    """Precision, recall and F1 of the sanitiser per identifier type on its evaluation set.

    With --selfid FILE: how well it finds where reporters identify themselves (recall per
    kind, findings about the reporter that point at nothing identifying, subject details
    redacted)."""
    if selfid is not None:
        _selfid_eval(selfid, as_json=as_json, misses=misses, check=check)
        return
    from beacon.sanitise.evaluate import RECALL_GOALS, EvalSetError, default_path, evaluate

    if file is not None:
        path = file
    elif which == "main":
        path = default_path()
    elif which == "holdout":
        path = default_path().with_name("holdout_set.jsonl")
    else:
        typer.echo("error: --set must be main or holdout", err=True)
        raise typer.Exit(2)
    if not path.is_file():
        typer.echo(f"error: {path}: no such file", err=True)
        raise typer.Exit(1)
    try:
        report = evaluate(path)
    except EvalSetError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(with_misses=misses), indent=2) + "\n")
    else:
        typer.echo(report.table())
        if misses:
            for miss in report.misses:
                typer.echo(
                    f"{miss.kind:15} {miss.type:22} {miss.id:14} {miss.text!r} {miss.detail}"
                )
    if check:
        below = [
            kind
            for kind, goal in RECALL_GOALS.items()
            if kind in report.per_type and report.per_type[kind].recall < goal
        ]
        if below:
            typer.echo(f"error: recall below goal for {', '.join(below)}", err=True)
            raise typer.Exit(1)


def _selfid_eval(path: Path, *, as_json: bool, misses: bool, check: bool) -> None:
    from beacon.sanitise.evaluate_selfid import SelfIdSetError, evaluate_selfid

    if not path.is_file():
        typer.echo(f"error: {path}: no such file", err=True)
        raise typer.Exit(1)
    try:
        report = evaluate_selfid(path)
    except SelfIdSetError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(with_misses=misses), indent=2) + "\n")
    else:
        typer.echo(report.table())
        if misses:
            for miss in report.misses:
                detail = f" {miss.detail}" if miss.detail else ""
                typer.echo(f"{miss.kind:16} {miss.type:16} {miss.id:12} {miss.text!r}{detail}")
    if check and not report.meets_goals():
        typer.echo("error: self-identification goals not met", err=True)
        raise typer.Exit(1)
