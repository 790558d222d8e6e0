"""``beacon --help`` and short commands start without importing heavy libraries.

A check of what is imported, not of timings: ``beacon --help`` (a real process, under
``python -X importtime``), every group's and command's ``--help`` and ``beacon version`` must
not import any module of ``HEAVY``. The lazy registry in beacon/cli.py must match what the
domain modules register, so the listing cannot drift from the real commands.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from typing import Any

import pytest
import typer
from typer.core import TyperGroup
from typer.main import get_command
from typer.testing import CliRunner

from beacon import cli
from beacon.cli import COMMANDS, IMPORT_COMMANDS, LazyCommand, app, load_command

HEAVY = (
    "sqlalchemy",
    "alembic",
    "pandas",
    "numpy",
    "scipy",
    "pyarrow",
    "shapely",
    "presidio_analyzer",
    "spacy",
    "duckdb",
    "ibis",
    "pyspark",
    "esda",
    "libpysal",
    "h3",
    "sklearn",
    "PIL",
    "fastapi",
    "starlette",
    "uvicorn",
    "pydantic_settings",
    # typer imports pydantic only to coerce parameters; beacon/cli.py keeps --help out of it.
    "pydantic",
)

# What `beacon --help` listed before the commands were loaded lazily, in that order.
TOP_LEVEL = [
    "version",
    "serve",
    "sanitise",
    "sanitise-eval",
    "assess",
    "db",
    "import",
    "geo",
    "stats",
    "demo",
    "orgs",
    "users",
    "tokens",
    "audit",
    "retention",
    "outbox",
    "triage",
    "analyse",
]
IMPORTS = [
    "lookup",
    "force-lookup",
    "boundaries",
    "imd",
    "postcodes",
    "police",
    "partner-feed",
    "population",
    "harm-weights",
]

runner = CliRunner()


def _heavy(modules: list[str]) -> list[str]:
    return sorted({m for m in modules if m.split(".")[0] in HEAVY or m == "beacon.config"})


def _listed(command: Any) -> str:
    """The text a group's --help lists for a command: its help's first paragraph."""
    return inspect.cleandoc(command.short_help or command.help or "").split("\n\n")[0]


def _root() -> TyperGroup:
    group = get_command(app)
    assert isinstance(group, TyperGroup)
    return group


def _walk(group: TyperGroup, path: list[str]) -> list[list[str]]:
    """Every command path below ``group``, loading the lazy ones."""
    ctx = typer.Context(group, info_name="beacon")
    paths: list[list[str]] = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        paths.append([*path, name])
        if isinstance(command, TyperGroup):
            paths.extend(_walk(command, [*path, name]))
    return paths


def test_beacon_help_imports_nothing_heavy() -> None:
    """A real process (the console script's entry point) under ``python -X importtime``."""
    result = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-c",
            "from beacon.cli import app; app(prog_name='beacon')",
            "--help",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    imported = [
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    ]
    assert "beacon.cli" in imported
    assert _heavy(imported) == [], "imported by `beacon --help`; import them inside commands"
    for name in TOP_LEVEL:
        assert f" {name} " in result.stdout


# Runs in a fresh interpreter: every group's and command's --help, `beacon version` and
# `beacon` with no arguments, then reports which modules were imported.
_EVERY_HELP = """
import json, sys
from typer.testing import CliRunner
from beacon.cli import app
runner = CliRunner()
paths = json.loads(sys.argv[1])
codes = {}
for path in [[], ["version"], *[[*p, "--help"] for p in paths]]:
    result = runner.invoke(app, path, prog_name="beacon")
    codes[" ".join(path)] = [result.exit_code, result.output[-500:]]
print(json.dumps({"codes": codes, "modules": sorted(sys.modules)}))
"""


def test_every_help_and_version_import_nothing_heavy() -> None:
    paths = [[], *_walk(_root(), [])]
    result = subprocess.run(
        [sys.executable, "-c", _EVERY_HELP, json.dumps(paths)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    codes = report["codes"]
    assert codes["version"][0] == 0 and codes["version"][1].strip() == cli.__version__
    assert codes[""][0] == 2 and "analyse" in codes[""][1]  # no arguments: the help
    failed = {k: v for k, v in codes.items() if k and k != "version" and v[0] != 0}
    assert failed == {}
    assert len(codes) == len(paths) + 2 > 50  # every command of every domain, and version
    assert _heavy(report["modules"]) == [], "imported by a --help; import them inside commands"


def test_help_lists_the_same_commands_in_the_same_order() -> None:
    root = _root()
    ctx = typer.Context(root, info_name="beacon")
    assert root.list_commands(ctx) == TOP_LEVEL
    imports = root.get_command(ctx, "import")
    assert isinstance(imports, TyperGroup)
    listed = imports.list_commands(typer.Context(imports, info_name="import"))
    assert listed == IMPORTS


@pytest.mark.parametrize(
    ("entry", "listed_under"),
    [(e, "") for e in COMMANDS] + [(e, "import") for e in IMPORT_COMMANDS],
    ids=[e.name for e in COMMANDS] + [f"import {e.name}" for e in IMPORT_COMMANDS],
)
def test_registry_entry_matches_its_module(entry: LazyCommand, listed_under: str) -> None:
    command = load_command(entry, listed_under)
    assert _listed(command) == entry.help, f"update {entry.name!r}'s help in beacon/cli.py"
    assert isinstance(command, TyperGroup) == entry.group


def test_every_registered_command_is_in_the_registry() -> None:
    """A domain that adds a command must add its registry line (else --help would hide it)."""
    registered: set[tuple[str, str]] = set()
    for entry, listed_under in [(e, "") for e in COMMANDS] + [
        (e, "import") for e in IMPORT_COMMANDS
    ]:
        scratch = cli._load_module(entry.module, listed_under)
        registered |= {("", n) for n in scratch.commands if n != "import"}
        imports = scratch.commands["import"]
        assert isinstance(imports, TyperGroup)
        registered |= {("import", n) for n in imports.commands}
    listed = {("", e.name) for e in COMMANDS} | {("import", e.name) for e in IMPORT_COMMANDS}
    assert registered == listed


def _render(root: TyperGroup, args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        root.main(args, prog_name="beacon")
    assert exited.value.code == 0
    return capsys.readouterr().out


def test_lazy_listing_renders_exactly_like_the_loaded_commands(
    capsys: pytest.CaptureFixture[str],
) -> None:
    lazy_root = _root()
    lazy = [_render(lazy_root, args, capsys) for args in (["--help"], ["import", "--help"])]
    # Nothing was loaded (other tests may have added a domain to `app` eagerly).
    eager = {group.name for group in app.registered_groups}
    assert set(getattr(lazy_root, "_pending", {})) == {e.name for e in COMMANDS} - eager
    loaded_root = _root()
    _walk(loaded_root, [])  # loads every command
    assert getattr(loaded_root, "_pending", None) == {}
    loaded = [_render(loaded_root, args, capsys) for args in (["--help"], ["import", "--help"])]
    assert loaded == lazy
    assert "Import data.police.uk street" in lazy[1]


def test_unknown_commands_still_get_suggestions() -> None:
    result = runner.invoke(app, ["audt"], prog_name="beacon")
    assert result.exit_code == 2 and "Did you mean 'audit'?" in result.output
    result = runner.invoke(app, ["import", "polic"], prog_name="beacon")
    assert result.exit_code == 2 and "Did you mean 'police'?" in result.output


def test_stats_groupings_copy_matches_the_service() -> None:
    from beacon.ingest.cli import GROUPINGS
    from beacon.ingest.stats import GROUPINGS as SERVICE_GROUPINGS

    assert GROUPINGS == SERVICE_GROUPINGS
