"""The ``beacon`` command. Each domain adds its own sub-commands here."""

from __future__ import annotations

import typer

from beacon import __version__
from beacon.config import get_settings

app = typer.Typer(
    help="Beacon: community intelligence and strategic assessment for Community Safety "
    "Partnerships.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Create and migrate the database.", no_args_is_help=True)
import_app = typer.Typer(
    help="Load data: police.uk files, geography lookups, boundaries, deprivation, postcodes.",
    no_args_is_help=True,
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
    from beacon.db.migrate import upgrade

    settings = get_settings()
    upgrade(settings, revision=revision)
    typer.echo(f"database at {revision}: {settings.database_url}")


def _register_domains() -> None:
    # Imported here so `beacon --help` stays fast and a domain's import errors name the domain.
    from beacon.audit.cli import register as register_audit
    from beacon.auth.cli import register as register_auth
    from beacon.demo.cli import register as register_demo
    from beacon.geography.cli import register as register_geography
    from beacon.ingest.cli import register as register_ingest
    from beacon.notify.cli import register as register_notify
    from beacon.retention.cli import register as register_retention
    from beacon.sanitise.cli import register as register_sanitise
    from beacon.web.cli import register as register_web

    register_geography(app, import_app)
    register_ingest(app, import_app)
    register_web(app)
    register_demo(app)
    register_auth(app)
    register_audit(app)
    register_retention(app)
    register_notify(app)
    register_sanitise(app)


_register_domains()
