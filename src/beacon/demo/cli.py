"""``beacon demo load``."""

from __future__ import annotations

from typing import Annotated

import typer

from beacon.cli_support import fail, print_json

demo_app = typer.Typer(help="Demo data from PyPI packages (West Yorkshire).", no_args_is_help=True)


def register(app: typer.Typer, import_app: typer.Typer | None = None) -> None:
    app.add_typer(demo_app, name="demo")


@demo_app.command("load")
def demo_load(
    as_json: Annotated[bool, typer.Option("--json", help="Print what was loaded as JSON.")] = False,
) -> None:
    """Load West Yorkshire's LSOAs, districts, LSOA boundaries and street crime for every month
    from July 2016 to July 2018: the three Julys are real data.police.uk files shipped in the
    crime-sim-toolkit package, the 22 months between them are generated from those (see
    docs/DATA.md). Also demo sign-ins, the theme model (built when missing), routing rules and
    invented intelligence reports in every state, triaged."""
    from beacon.analytics.snapshot import refresh_snapshot
    from beacon.demo.accounts import DemoAccountsRefused, ensure_demo_accounts
    from beacon.demo.feeds import load_demo_feeds
    from beacon.demo.intake import seed_demo_intake
    from beacon.demo.load import load_demo
    from beacon.demo.sources import DemoDataMissing
    from beacon.demo.workday import ensure_theme_model
    from beacon.runtime import open_runtime

    runtime = open_runtime()
    try:
        report = load_demo(runtime, say=lambda m: typer.echo(f"demo: {m}", err=True))
        with runtime.sessions() as session, session.begin():
            logins = ensure_demo_accounts(session, environment=runtime.settings.environment)
        with runtime.sessions() as session:
            model = ensure_theme_model(
                session, runtime.settings.data_dir, lambda m: typer.echo(f"demo: {m}", err=True)
            )
        with runtime.sessions() as session, session.begin():
            seeded = seed_demo_intake(session, runtime.settings)
        with runtime.sessions() as session:
            feeds = load_demo_feeds(session)
        typer.echo("demo: writing the analysis snapshot", err=True)
        snapshot = refresh_snapshot(runtime.settings)
    except (DemoDataMissing, DemoAccountsRefused) as exc:
        fail(str(exc))
    finally:
        runtime.close()
    if as_json:
        print_json(
            {
                **report.to_dict(),
                "theme_model": model,
                "intelligence_reports": seeded.states,
                "routing_rules": seeded.rules,
                "unroutable": seeded.unroutable,
                "partner_feeds": feeds,
                "snapshot": snapshot.id,
                "logins": [vars(login) for login in logins],
            }
        )
        return
    police = report.police
    if police:
        typer.echo(
            f"demo: {police['imported']} street rows imported, {police['duplicates']} already "
            f"there, {police['rejected']} rejected"
        )
    street = [n for n in report.skipped if n.endswith(("-street.csv", "-street-generated.csv"))]
    if street:
        generated = sum(n.endswith("-generated.csv") for n in street)
        typer.echo(
            f"demo: {len(street)} street crime files already loaded ({len(street) - generated} "
            f"real, {generated} generated)"
        )
    for name in report.skipped:
        if name not in street:
            typer.echo(f"demo: {name} already loaded")
    if "error" in model:
        typer.echo("demo: no theme model: reports are themed from the reporters' hints")
    elif not model["built"]:
        typer.echo(f"demo: theme model already built ({model['model']})")
    if seeded.created:
        states = ", ".join(f"{count} {state}" for state, count in seeded.states.items())
        typer.echo(f"demo: {len(seeded.created)} intelligence reports ({states})")
        typer.echo(
            f"demo: {seeded.rules} routing rules; {seeded.unroutable} unroutable report(s) "
            "waiting to be routed by hand"
        )
    else:
        typer.echo("demo: intelligence reports already loaded")
    for kind, figures in feeds.items():
        typer.echo(
            f"demo: partner feed {kind}: {figures['imported']} imported, "
            f"{figures['duplicates']} already there, {figures['rejected']} rejected"
        )
    typer.echo(
        f"demo: analysis snapshot {snapshot.id}; try `beacon analyse counts --month 2018-07 "
        "--by district,crime-type`, `beacon analyse hotspots --lad E08000035 --month 2018-07` "
        "or `beacon analyse trends --by district,crime-type`"
    )
    typer.echo("demo: sign in with one of these (new passwords at every `beacon demo load`):")
    for login in logins:
        typer.echo(f"  {login.email:34} {login.password}   ({', '.join(login.roles)})")
