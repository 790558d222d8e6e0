"""Command-line administration of organisations, users and API tokens.

``beacon orgs create|list|require-totp``, ``beacon users create|list|disable|enable|set-roles|
set-password`` and ``beacon tokens create|list|revoke``. Each command is one transaction and
is audited as ``cli:<operating-system user>``. Exit codes: 0 success; 1 not found; 2 invalid
input (a duplicate, an unknown role, a password the policy refuses).
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from beacon.cli_support import fail, print_json

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from beacon.audit.service import AuditActor
    from beacon.auth.models import Organisation, User

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON on stdout instead of text.")]
PasswordStdinOption = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from the first line of standard input instead of prompting.",
    ),
]


def cli_actor() -> AuditActor:
    from beacon.audit.service import AuditActor

    try:
        who = getpass.getuser()
    except (OSError, KeyError):
        who = "unknown"
    return AuditActor.system(f"cli:{who}")


@contextmanager
def _transaction() -> Iterator[Session]:
    """One transaction; errors of the auth domain become a one-line message and exit code."""
    from beacon.auth.passwords import PasswordPolicyError
    from beacon.auth.service import AuthError, NotFoundError
    from beacon.runtime import open_runtime

    runtime = open_runtime()
    try:
        with runtime.sessions() as session, session.begin():
            yield session
    except PasswordPolicyError as exc:
        _password_refused(exc.problems)
    except NotFoundError as exc:
        fail(str(exc), 1)
    except AuthError as exc:
        fail(str(exc), 2)
    finally:
        runtime.close()


def _password_refused(problems: list[str]) -> None:
    typer.echo("error: the password was refused. The password:", err=True)
    for problem in problems:
        typer.echo(f"  - {problem}", err=True)
    raise typer.Exit(2)


def _find_organisation(session: Session, name_or_id: str) -> Organisation:
    from beacon.auth.service import NotFoundError, get_organisation, get_organisation_by_name

    organisation = get_organisation_by_name(session, name_or_id)
    if organisation is None and name_or_id.strip().isdigit():
        try:
            organisation = get_organisation(session, int(name_or_id.strip()))
        except NotFoundError:
            organisation = None
    if organisation is None:
        raise NotFoundError(f"no organisation called {name_or_id!r}")
    return organisation


def _find_user(session: Session, email: str) -> User:
    from beacon.auth.service import NotFoundError, get_user_by_email

    user = get_user_by_email(session, email)
    if user is None:
        raise NotFoundError(f"no user with email {email.strip().lower()}")
    return user


def _read_password(from_stdin: bool, *, email: str, display_name: str) -> str:
    from beacon.auth.passwords import password_problems

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            fail("no password on standard input")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    problems = password_problems(password, email=email, display_name=display_name)
    if problems:
        _password_refused(problems)
    return password


def _date(value: object) -> str:
    import datetime as dt

    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return "-" if value is None else str(value)


def register(app: typer.Typer, import_app: typer.Typer | None = None) -> None:
    """Add ``beacon orgs``, ``beacon users`` and ``beacon tokens``."""
    orgs_app = typer.Typer(help="Partner organisations.", no_args_is_help=True)
    users_app = typer.Typer(help="User accounts and their roles.", no_args_is_help=True)
    tokens_app = typer.Typer(help="API tokens for partner systems.", no_args_is_help=True)
    app.add_typer(orgs_app, name="orgs")
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")

    # -- organisations -------------------------------------------------------------------------

    @orgs_app.command("create")
    def orgs_create(
        name: Annotated[str, typer.Argument(help="The organisation's name.")],
        org_type: Annotated[
            str,
            typer.Option(
                "--type",
                help="police_force, county_council, district_council, unitary_council, "
                "social_care, housing_provider, health, drug_alcohol_service, fire_rescue, "
                "neighbourhood_watch, wardens, parish_council or other.",
            ),
        ],
        require_totp: Annotated[
            bool, typer.Option("--require-totp", help="Every user must use a TOTP code.")
        ] = False,
        json_output: JsonOption = False,
    ) -> None:
        """Add a partner organisation."""
        from beacon.auth.schemas import OrganisationOut
        from beacon.auth.service import create_organisation

        with _transaction() as session:
            organisation = create_organisation(
                session,
                name=name,
                org_type=org_type,
                require_totp=require_totp,
                actor=cli_actor(),
            )
            out = OrganisationOut.model_validate(organisation)
        if json_output:
            print_json(out.model_dump(mode="json"))
        else:
            typer.echo(f"created organisation {out.id}: {out.name} ({out.org_type})")

    @orgs_app.command("list")
    def orgs_list(json_output: JsonOption = False) -> None:
        """List organisations."""
        from beacon.auth.schemas import OrganisationOut
        from beacon.auth.service import list_organisations

        with _transaction() as session:
            rows = [OrganisationOut.model_validate(o) for o in list_organisations(session)]
        if json_output:
            print_json([row.model_dump(mode="json") for row in rows])
            return
        if not rows:
            typer.echo("no organisations")
        for row in rows:
            flags = [] if row.active else ["disabled"]
            if row.require_totp:
                flags.append("TOTP required")
            suffix = f" [{', '.join(flags)}]" if flags else ""
            typer.echo(f"{row.id:>4}  {row.name} ({row.org_type}){suffix}")

    @orgs_app.command("require-totp")
    def orgs_require_totp(
        organisation: Annotated[str, typer.Argument(help="Name or id.")],
        off: Annotated[bool, typer.Option("--off", help="Stop requiring TOTP instead.")] = False,
    ) -> None:
        """Require every user of an organisation to log in with a TOTP code."""
        from beacon.auth.service import set_organisation_totp

        with _transaction() as session:
            found = _find_organisation(session, organisation)
            set_organisation_totp(
                session, organisation_id=found.id, required=not off, actor=cli_actor()
            )
            name = found.name
        typer.echo(f"{name}: TOTP {'not ' if off else ''}required")

    # -- users -----------------------------------------------------------------------------

    @users_app.command("create")
    def users_create(
        org: Annotated[str, typer.Option("--org", help="Organisation name or id.")],
        email: Annotated[str, typer.Option("--email", help="Email address (the login).")],
        name: Annotated[str, typer.Option("--name", help="The person's name.")],
        role: Annotated[
            list[str],
            typer.Option(
                "--role",
                help="A role (repeat for several): partner_contributor, analyst, "
                "intelligence_supervisor, engagement_officer, tasking_member, admin.",
            ),
        ],
        password_stdin: PasswordStdinOption = False,
        json_output: JsonOption = False,
    ) -> None:
        """Add a user. Prompts for the password twice unless --password-stdin."""
        from beacon.auth.schemas import UserOut
        from beacon.auth.service import create_user, validate_email, validate_roles

        try:
            normalised = validate_email(email)
            validate_roles(role)
        except ValueError as exc:
            fail(str(exc))
        password = _read_password(password_stdin, email=normalised, display_name=name)
        with _transaction() as session:
            organisation = _find_organisation(session, org)
            user = create_user(
                session,
                organisation_id=organisation.id,
                email=normalised,
                display_name=name,
                password=password,
                roles=role,
                actor=cli_actor(),
            )
            out = UserOut.model_validate(user).model_copy(update={"roles": sorted(set(role))})
        if json_output:
            print_json(out.model_dump(mode="json"))
        else:
            typer.echo(f"created user {out.id}: {out.email} ({', '.join(out.roles)})")

    @users_app.command("list")
    def users_list(
        org: Annotated[
            str | None, typer.Option("--org", help="Only this organisation (name or id).")
        ] = None,
        json_output: JsonOption = False,
    ) -> None:
        """List users and their roles."""
        from beacon.auth.schemas import UserOut
        from beacon.auth.service import list_users, user_roles

        with _transaction() as session:
            organisation_id = None if org is None else _find_organisation(session, org).id
            rows = [
                UserOut.model_validate(user).model_copy(
                    update={"roles": sorted(user_roles(session, user.id))}
                )
                for user in list_users(session, organisation_id=organisation_id)
            ]
        if json_output:
            print_json([row.model_dump(mode="json") for row in rows])
            return
        if not rows:
            typer.echo("no users")
        for row in rows:
            flags = [] if row.active else ["disabled"]
            if row.totp_enabled:
                flags.append("TOTP")
            suffix = f" [{', '.join(flags)}]" if flags else ""
            typer.echo(
                f"{row.id:>4}  {row.email}  {row.display_name}  org {row.organisation_id}  "
                f"{', '.join(row.roles) or '-'}{suffix}"
            )

    @users_app.command("disable")
    def users_disable(email: Annotated[str, typer.Argument(help="The user's email.")]) -> None:
        """Stop a user logging in and end their sessions."""
        from beacon.auth.service import disable_user

        with _transaction() as session:
            user = _find_user(session, email)
            disable_user(session, user_id=user.id, actor=cli_actor())
            address = user.email
        typer.echo(f"disabled {address}")

    @users_app.command("enable")
    def users_enable(email: Annotated[str, typer.Argument(help="The user's email.")]) -> None:
        """Let a disabled user log in again (and clear any lock)."""
        from beacon.auth.service import enable_user

        with _transaction() as session:
            user = _find_user(session, email)
            enable_user(session, user_id=user.id, actor=cli_actor())
            address = user.email
        typer.echo(f"enabled {address}")

    @users_app.command("set-roles")
    def users_set_roles(
        email: Annotated[str, typer.Argument(help="The user's email.")],
        role: Annotated[list[str], typer.Option("--role", help="A role (repeat).")],
    ) -> None:
        """Replace a user's roles."""
        from beacon.auth.service import set_roles

        with _transaction() as session:
            user = _find_user(session, email)
            roles = set_roles(session, user_id=user.id, roles=role, actor=cli_actor())
            address = user.email
        typer.echo(f"{address}: {', '.join(sorted(roles))}")

    @users_app.command("set-password")
    def users_set_password(
        email: Annotated[str, typer.Argument(help="The user's email.")],
        password_stdin: PasswordStdinOption = False,
    ) -> None:
        """Set a user's password, unlock the account and end their sessions."""
        from beacon.auth.service import set_password

        with _transaction() as session:
            user = _find_user(session, email)
            address, display_name, user_id = user.email, user.display_name, user.id
        password = _read_password(password_stdin, email=address, display_name=display_name)
        with _transaction() as session:
            set_password(session, user_id=user_id, new_password=password, actor=cli_actor())
        typer.echo(f"password set for {address}; their sessions were ended")

    # -- API tokens ------------------------------------------------------------------------

    @tokens_app.command("create")
    def tokens_create(
        org: Annotated[str, typer.Option("--org", help="Organisation name or id.")],
        name: Annotated[str, typer.Option("--name", help="What the token is for.")],
        scope: Annotated[
            list[str], typer.Option("--scope", help="A permission, e.g. intel.submit (repeat).")
        ],
        days: Annotated[int, typer.Option("--days", help="Days until it expires (1 to 365).")] = 90,
        json_output: JsonOption = False,
    ) -> None:
        """Create an API token and print it once."""
        from beacon.auth.schemas import ApiTokenOut
        from beacon.auth.tokens import create_api_token

        with _transaction() as session:
            organisation = _find_organisation(session, org)
            token, plaintext = create_api_token(
                session,
                organisation_id=organisation.id,
                name=name,
                scopes=scope,
                expires_in_days=days,
                created_by=None,
                actor=cli_actor(),
            )
            out = ApiTokenOut.model_validate(token)
            org_name = organisation.name
        warning = "this token is shown only once and cannot be shown again: store it safely now"
        if json_output:
            print_json({**out.model_dump(mode="json"), "token": plaintext})
            typer.echo(f"warning: {warning}", err=True)
            return
        typer.echo(f"created API token {out.id} ({out.prefix}…) for {org_name}")
        typer.echo(f"expires {_date(out.expires_at)}; scopes: {' '.join(out.scopes)}")
        typer.echo(f"warning: {warning}", err=True)
        typer.echo(plaintext)

    @tokens_app.command("list")
    def tokens_list(
        org: Annotated[
            str | None, typer.Option("--org", help="Only this organisation (name or id).")
        ] = None,
        json_output: JsonOption = False,
    ) -> None:
        """List API tokens (never the tokens themselves)."""
        from beacon.auth.schemas import ApiTokenOut
        from beacon.auth.tokens import list_api_tokens

        with _transaction() as session:
            organisation_id = None if org is None else _find_organisation(session, org).id
            rows = [
                ApiTokenOut.model_validate(t)
                for t in list_api_tokens(session, organisation_id=organisation_id)
            ]
        if json_output:
            print_json([row.model_dump(mode="json") for row in rows])
            return
        if not rows:
            typer.echo("no API tokens")
        for row in rows:
            state = "revoked" if row.revoked_at else f"expires {_date(row.expires_at)}"
            typer.echo(
                f"{row.id:>4}  {row.prefix}…  {row.name}  org {row.organisation_id}  {state}  "
                f"{' '.join(row.scopes)}"
            )

    @tokens_app.command("revoke")
    def tokens_revoke(token_id: Annotated[int, typer.Argument(help="The token's id.")]) -> None:
        """Revoke an API token at once."""
        from beacon.auth.tokens import revoke_api_token

        with _transaction() as session:
            token = revoke_api_token(session, token_id=token_id, actor=cli_actor())
            label = f"{token.id} ({token.prefix}…)"
        typer.echo(f"revoked API token {label}")
