"""``beacon sanitise FILE`` (plain text and JSON Lines) and ``beacon sanitise-eval``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from beacon.cli import app
from beacon.sanitise.cli import MAX_LINE_CHARS


def run(*args: str, stdin: bytes | None = None, expect: int = 0):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(app, list(args), input=stdin, catch_exceptions=False)
    assert result.exit_code == expect, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result


def lines_of(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines()]


def test_plain_text_one_report_per_line(tmp_path: Path) -> None:
    source = tmp_path / "reports.txt"
    source.write_text(
        "Call me on 07700 900123 please.\n"
        "\n"
        "The dealer drives AB12 CDE, his number is 07700 900456.\n"
        "Nothing to see: £2,000 and the number 42 bus.\n",
        encoding="utf-8",
    )
    out = lines_of(run("sanitise", str(source)).stdout)
    assert out == [
        {
            "line": 1,
            "redactions": [{"start": 11, "end": 23, "type": "PHONE", "text": "07700 900123"}],
            "flags": [],
            "redacted_text": "Call me on [PHONE REMOVED] please.",
        },
        {
            "line": 3,
            "redactions": [],
            "flags": [
                {"start": 18, "end": 26, "type": "VEHICLE_REGISTRATION", "text": "AB12 CDE"},
                {"start": 42, "end": 54, "type": "PHONE", "text": "07700 900456"},
            ],
            "redacted_text": "The dealer drives AB12 CDE, his number is 07700 900456.",
        },
        {
            "line": 4,
            "redactions": [],
            "flags": [],
            "redacted_text": "Nothing to see: £2,000 and the number 42 bus.",
        },
    ]


def test_jsonl_keeps_ids_and_uses_reporter_details(tmp_path: Path) -> None:
    source = tmp_path / "reports.jsonl"
    rows = [
        {
            "id": "r-1",
            "text": "Jo here. I live at 14 Acacia Avenue, LS6 2AB.",
            "reporter": {"name": "Jo Bloggs", "phone": "07700900999"},
        },
        {"id": 2, "text": "ring 07700 900 999 about the lads"},
        {"text": "no id on this one, they use 07700 900111"},
    ]
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    out = lines_of(run("sanitise", str(source)).stdout)
    assert [o.get("id", "-") for o in out] == ["r-1", 2, "-"]
    assert out[0]["redacted_text"] == (
        "[REPORTER NAME REMOVED] here. [SELF REFERENCE REMOVED], [POSTCODE REMOVED]."
    )
    assert [r["type"] for r in out[0]["redactions"]] == [  # type: ignore[union-attr]
        "REPORTER_NAME",
        "SELF_REFERENCE",
        "POSTCODE",
    ]
    assert out[1]["redactions"] == [
        {"start": 5, "end": 18, "type": "PHONE", "text": "07700 900 999"}
    ]
    assert out[2]["flags"] == [{"start": 28, "end": 40, "type": "PHONE", "text": "07700 900111"}]


def test_stdin(tmp_path: Path) -> None:
    out = lines_of(run("sanitise", "-", stdin=b"email me at jo@example.org\n").stdout)
    assert out[0]["redacted_text"] == "email me at [EMAIL REMOVED]"


def test_empty_input_prints_nothing(tmp_path: Path) -> None:
    source = tmp_path / "empty.txt"
    source.write_text("\n  \n", encoding="utf-8")
    assert run("sanitise", str(source)).stdout == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"fine\n\xff\xfe not utf-8\n", "reports.in:2: invalid UTF-8 (byte 0xff at column 1)"),
        (
            b'{"id": 1, "text": "ok"}\n{"id": 2}\n',
            'reports.in:2: JSON object without a "text" string',
        ),
        (b'{"text": "ok"}\nplain words\n', "reports.in:2: not a JSON object (line 1 is"),
        (b'{"text": "ok", "reporter": "Jo"}\n', 'reports.in:1: "reporter" must be an object'),
        (b'{"text": "ok", "reporter": {"nickname": "Jo"}}\n', "unknown field(s) nickname"),
        (b'{"text": "ok", "reporter": {"phone": 7700}}\n', "must be a string"),
        (b"ok\n" + b"x" * (MAX_LINE_CHARS + 1) + b"\n", "reports.in:2: line is 20,001 characters"),
    ],
)
def test_bad_input_names_file_line_and_reason(tmp_path: Path, content: bytes, message: str) -> None:
    source = tmp_path / "reports.in"
    source.write_bytes(content)
    result = run("sanitise", str(source), expect=1)
    assert message in result.stderr
    assert result.stdout == ""  # nothing printed before the input is known to be good
    assert "Traceback" not in result.stderr + result.stdout


def test_missing_file_and_folder(tmp_path: Path) -> None:
    assert "no such file" in run("sanitise", str(tmp_path / "nope.txt"), expect=1).stderr
    assert "is a folder" in run("sanitise", str(tmp_path), expect=1).stderr


def test_evaluate_command_table_and_json() -> None:
    table = run("sanitise-eval").stdout
    assert "precision" in table and "PHONE" in table and "SELF_REFERENCE" in table
    report = json.loads(run("sanitise-eval", "--json", "--check").stdout)
    assert report["texts"] >= 320
    types = {row["type"]: row for row in report["per_type"]}
    assert types["PHONE"]["recall"] >= 0.97
    holdout = json.loads(run("sanitise-eval", "--json", "--set", "holdout").stdout)
    assert holdout["texts"] == 60
    assert "error" in run("sanitise-eval", "--set", "other", expect=2).stderr


def test_workers_share_a_large_input_and_keep_its_order(tmp_path: Path) -> None:
    """A large input is shared among worker processes; the output is the same, line for line
    and in input order, as one process gives."""
    from beacon.sanitise.cli import PARALLEL_FROM

    texts = [
        f"Report {n}: call me on 07700 900{n % 1000:03d}, the lads at {n} Hope Street deal."
        if n % 3
        else f"My name is Sam Carter and the car is AB{n % 90 + 10} CDE."
        for n in range(PARALLEL_FROM + 40)
    ]
    source = tmp_path / "many.txt"
    source.write_text("\n".join(texts) + "\n", encoding="utf-8")
    one = run("sanitise", "--workers", "1", str(source)).stdout
    two = run("sanitise", "--workers", "2", str(source)).stdout
    assert two == one
    out = lines_of(two)
    assert [o["line"] for o in out] == list(range(1, len(texts) + 1))
    assert "[REPORTER NAME REMOVED]" in out[0]["redacted_text"]  # type: ignore[operator]
