"""The ``beacon`` command. Each domain adds its own sub-commands here.

Start-up rule: ``beacon --help`` (and ``beacon version``) must not pay for SQLAlchemy, pandas,
Presidio, pydantic-settings... so

* this module and every domain's ``cli.py`` import only typer, the standard library and other
  light modules at module top; heavy imports go **inside the command bodies**;
* domains are registered **lazily**: add your command or sub-app to ``COMMANDS`` (or to
  ``IMPORT_COMMANDS`` for ``beacon import ...``) below — one line: its name, the module whose
  ``register`` adds it, and the first paragraph of its help (what ``--help`` lists). The module
  is imported only when that command runs or its own ``--help`` is asked for.

``register(app, import_app)`` receives both apps; a ``register`` with one parameter receives the
app its entries are listed under. tests/test_cli_startup.py checks every entry against the
module and that ``beacon --help`` imports nothing heavy.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import typer
from typer.core import TyperCommand, TyperGroup
from typer.main import get_command

from beacon import __version__

if TYPE_CHECKING:
    from typer._click import Command, Context, HelpFormatter
    from typer._click.shell_completion import CompletionItem


class LazyCommand(NamedTuple):
    """A command or sub-app whose module is imported only when it is used."""

    name: str
    module: str
    help: str  # the help's first paragraph, exactly as the enclosing group's --help lists it
    group: bool = False  # a sub-app (listed after the plain commands, as typer does)


COMMANDS: tuple[LazyCommand, ...] = (
    LazyCommand("serve", "beacon.web.cli", "Run Beacon's web app (migrates the database first)."),
    LazyCommand(
        "sanitise",
        "beacon.sanitise.cli",
        "Find what identifies the reporter in each text and print one JSON object per line:\n"
        "redactions, flags (details about others, left in place) and the redacted text. Exits\n"
        "with 1, naming the file and line, when the input is not valid UTF-8, a JSON Lines line "
        'has\nno "text", or a line is longer than 20,000 characters.',
    ),
    LazyCommand(
        "sanitise-eval",
        "beacon.sanitise.cli",
        "Precision, recall and F1 of the sanitiser per identifier type on its evaluation set.",
    ),
    LazyCommand(
        "geo",
        "beacon.geography.cli",
        "Areas at a point or postcode, and what geography is loaded.",
        group=True,
    ),
    LazyCommand("stats", "beacon.ingest.cli", "Figures from the loaded data.", group=True),
    LazyCommand(
        "demo", "beacon.demo.cli", "Demo data from PyPI packages (West Yorkshire).", group=True
    ),
    LazyCommand("orgs", "beacon.auth.cli", "Partner organisations.", group=True),
    LazyCommand("users", "beacon.auth.cli", "User accounts and their roles.", group=True),
    LazyCommand("tokens", "beacon.auth.cli", "API tokens for partner systems.", group=True),
    LazyCommand("audit", "beacon.audit.cli", "Check, search and export the audit log.", group=True),
    LazyCommand(
        "retention",
        "beacon.retention.cli",
        "Review records on their review date: keep or dispose (MoPI-style retention).",
        group=True,
    ),
    LazyCommand(
        "outbox",
        "beacon.notify.cli",
        "The e-mail outbox: what is waiting, and sending it.",
        group=True,
    ),
    LazyCommand(
        "triage",
        "beacon.triage.cli",
        "Triage: themes and entities of reports; the theme classifier.",
        group=True,
    ),
    LazyCommand(
        "analyse",
        "beacon.analytics.cli",
        "Analyse crime, partner data and intelligence: counts, rates, harm, hotspots, "
        "near-repeat, trends, concentration, profiles.",
        group=True,
    ),
    LazyCommand(
        "assess",
        "beacon.assessment.cli",
        "Compute an assessment and write it as a PDF or HTML file, with its data annex and "
        "manifest.",
    ),
)

IMPORT_COMMANDS: tuple[LazyCommand, ...] = (
    LazyCommand(
        "lookup",
        "beacon.geography.cli",
        "Import ONS LSOA -> ward -> district lookups (e.g. LSOA11CD, WD19CD, LAD19CD columns).",
    ),
    LazyCommand(
        "force-lookup",
        "beacon.geography.cli",
        "Import ONS district -> police force area lookups (LADxxCD/NM, PFAxxCD/NM columns).",
    ),
    LazyCommand(
        "boundaries",
        "beacon.geography.cli",
        "Import LSOA or ward boundaries from GeoJSON in WGS84 (LSOAyyCD / WDyyCD properties).",
    ),
    LazyCommand(
        "imd",
        "beacon.geography.cli",
        "Import English Indices of Deprivation ranks and deciles per LSOA.",
    ),
    LazyCommand(
        "postcodes",
        "beacon.geography.cli",
        "Import the ONS Postcode Directory or NSPL (pcds, lat, long, lsoa11, ward, laua, pfa).",
    ),
    LazyCommand(
        "police",
        "beacon.ingest.cli",
        "Import data.police.uk street, outcomes and stop-and-search CSV files (detected from\n"
        "their header). Re-importing a file, or a newer publication of a month, adds nothing "
        "twice.\nExits with 1 when any file could not be read.",
    ),
    LazyCommand(
        "partner-feed",
        "beacon.ingest.cli",
        "Import partner data shared under SI 2007/1831: anti-social behaviour incidents,\n"
        "deliberate fires or hospital admissions for assault (docs/DATA.md). Re-importing a "
        "file,\nor an overlapping one, adds nothing twice; changed records are updated in place. "
        "Exits\nwith 1 when any file could not be read.",
    ),
    LazyCommand(
        "population",
        "beacon.analytics.reference_cli",
        "Import population per LSOA: lsoa_code,population; an ONS LSOA mid-year estimates sheet\n"
        "saved as CSV; or the census 2011 table shipped in crime-sim-toolkit.",
    ),
    LazyCommand(
        "harm-weights",
        "beacon.analytics.reference_cli",
        "Import crime harm weights per data.police.uk category (Beacon's layout), or derive "
        "them\nfrom the ONS Crime Severity Score offence weights (ONS layout).",
    ),
)

_LISTING = "beacon.cli.listing"  # set in ctx.meta while a group lists its sub-commands
_LOADED: dict[str, TyperGroup] = {}  # module -> a scratch group holding what it registered


def _load_module(module_path: str, listed_under: str) -> TyperGroup:
    """Import a domain's CLI module once per process and run its ``register`` on scratch apps
    (a root with an ``import`` sub-app), returning them as a click group to pick commands
    from."""
    if module_path not in _LOADED:
        module = importlib.import_module(module_path)
        scratch = typer.Typer()
        scratch_import = typer.Typer()
        scratch.add_typer(scratch_import, name="import")
        register = module.register
        if len(inspect.signature(register).parameters) >= 2:
            register(scratch, scratch_import)
        else:
            register(scratch_import if listed_under == "import" else scratch)
        group = get_command(scratch)
        assert isinstance(group, TyperGroup)
        _LOADED[module_path] = group
    return _LOADED[module_path]


def load_command(entry: LazyCommand, listed_under: str = "") -> Command:
    """The real command behind a registry entry (``listed_under`` is "" or "import")."""
    group = _load_module(entry.module, listed_under)
    if listed_under:
        parent = group.commands[listed_under]
        assert isinstance(parent, TyperGroup)
        group = parent
    command = group.commands.get(entry.name)
    if command is None:
        where = f"beacon {listed_under} {entry.name}".replace("  ", " ")
        raise RuntimeError(
            f"{entry.module}.register did not add `{where}`: fix its entry in beacon/cli.py"
        )
    return command


_UNSET_FLAGS = ("help", "install_completion", "show_completion")


def _default_flags_to_false(command: Command, ctx: Context) -> None:
    """Give ``--help`` (and the completion flags) the default False in ``command`` and below.

    typer (0.29) declares them with the default None and, on every run, coerces a None flag
    through a pydantic TypeAdapter: importing pydantic costs each ``beacon <command>`` ~0.15 s.
    False means the same to their callbacks, needs no coercion and changes nothing in --help.
    Placeholders of commands not loaded yet are skipped (they are fixed when loaded).
    """
    if "help_option_names" not in command.context_settings:  # else ctx's names may not apply
        help_option = command.get_help_option(ctx)  # created once, then cached by click
        params = [*command.params, *([help_option] if help_option is not None else [])]
    else:
        params = list(command.params)
    for param in params:
        if (
            param.name in _UNSET_FLAGS
            and getattr(param, "is_flag", False)
            and param.default is None
        ):
            param.default = False
    if isinstance(command, TyperGroup):
        pending = getattr(command, "_pending", {})
        for name, sub in command.commands.items():
            if name not in pending:
                _default_flags_to_false(sub, ctx)


@contextmanager
def _listing(ctx: Context) -> Iterator[None]:
    before = ctx.meta.get(_LISTING, False)
    ctx.meta[_LISTING] = True
    try:
        yield
    finally:
        ctx.meta[_LISTING] = before


class LazyGroup(TyperGroup):
    """A typer group that also offers the ``lazy`` entries. Listing them (``--help``, shell
    completion) uses placeholders carrying the registry's help; running one, or asking for its
    own ``--help``, imports its module and swaps in the real command."""

    lazy: ClassVar[tuple[LazyCommand, ...]] = ()
    listed_under: ClassVar[str] = ""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        eager = dict(self.commands)  # commands defined in this module (or added by tests)
        self._pending = {e.name: e for e in self.lazy if e.name not in eager}
        everything: dict[str, Command] = {
            **eager,
            **{
                e.name: (TyperGroup if e.group else TyperCommand)(name=e.name, help=e.help)
                for e in self._pending.values()
            },
        }
        # As typer does: plain commands before sub-apps, each in the order they were added
        # (a registry entry at its place in the registry, even when already added eagerly).
        place = {e.name: len(eager) + i for i, e in enumerate(self.lazy)}
        place = {**{n: i for i, n in enumerate(eager) if n not in place}, **place}
        self.commands = dict(
            sorted(
                everything.items(),
                key=lambda item: (isinstance(item[1], TyperGroup), place[item[0]]),
            )
        )

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        entry = self._pending.get(cmd_name)
        if entry is not None and not ctx.meta.get(_LISTING, False):
            command = load_command(entry, self.listed_under)
            _default_flags_to_false(command, ctx)
            self.commands[cmd_name] = command
            del self._pending[cmd_name]
        return super().get_command(ctx, cmd_name)

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        with _listing(ctx):
            super().format_help(ctx, formatter)

    def shell_complete(self, ctx: Context, incomplete: str) -> list[CompletionItem]:
        with _listing(ctx):
            return super().shell_complete(ctx, incomplete)


class RootGroup(LazyGroup):
    lazy = COMMANDS

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        _default_flags_to_false(self, ctx)
        return super().parse_args(ctx, args)


class ImportGroup(LazyGroup):
    lazy = IMPORT_COMMANDS
    listed_under = "import"


app = typer.Typer(
    help="Beacon: community intelligence and strategic assessment for Community Safety "
    "Partnerships.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=RootGroup,
)
db_app = typer.Typer(help="Create and migrate the database.", no_args_is_help=True)
import_app = typer.Typer(
    help="Load data: police.uk files, geography lookups, boundaries, deprivation, postcodes.",
    no_args_is_help=True,
    cls=ImportGroup,
)
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")


@app.command()
def version() -> None:
    """Print Beacon's version."""
    typer.echo(__version__)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Create the database if needed and apply every migration."""
    from beacon.config import get_settings
    from beacon.db.migrate import upgrade

    settings = get_settings()
    upgrade(settings, revision=revision)
    typer.echo(f"database at {revision}: {settings.database_url}")
