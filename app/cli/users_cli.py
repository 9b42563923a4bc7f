"""People who log in to the portal: `wdv user add | list | password`."""

from datetime import UTC, datetime
from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import passwords
from app.accounts import service as accounts
from app.accounts.models import Gebruiker, Lidmaatschap, Rol
from app.cli import cli, fail, in_transaction, organisatie_named
from app.organisations.models import Organisatie

user_cli = typer.Typer(help="People who log in to the portal (systems use API keys).", no_args_is_help=True)
cli.add_typer(user_cli, name="user")


def _password(generate: bool) -> str:
    if generate:
        return passwords.generate()
    password: str = typer.prompt("Wachtwoord", hide_input=True, confirmation_prompt=True)
    return password


@user_cli.command("add")
def user_add(
    email: Annotated[str, typer.Argument(help="The login name")],
    naam: Annotated[str, typer.Option(help="Full name (ignored when the account exists)")] = "",
    organisatie: Annotated[
        str | None, typer.Option(help="Id, OIN, KvK-nummer or exact name; none for an evaluator")
    ] = None,
    rol: Annotated[Rol, typer.Option(help="medewerker, beheerder, or evaluator (programme office)")] = (
        Rol.MEDEWERKER
    ),
    genereer: Annotated[
        bool, typer.Option("--genereer", help="Generate a password and print it once instead of asking")
    ] = False,
) -> None:
    """Give a person a role at an organisation, creating the account when it does not exist."""

    async def exists(session: AsyncSession) -> bool:
        return await accounts.find_user(session, email) is not None

    known = in_transaction(exists)
    password = "" if known else _password(genereer)

    async def work(session: AsyncSession) -> accounts.Added:
        found = await organisatie_named(session, organisatie) if organisatie else None
        return await accounts.add_user(
            session,
            email=email,
            naam=naam or email,
            wachtwoord=password,
            organisatie=found,
            rol=rol,
            now=datetime.now(UTC),
        )

    try:
        added = in_transaction(work)
    except accounts.AccountError as exc:
        fail(str(exc))
    where = organisatie or "the programme office"
    if added.new_account:
        typer.echo(f"{added.gebruiker.email} ({rol.value}) at {where}")
        if genereer:
            typer.echo(f"password (shown once): {password}")
    else:
        typer.echo(f"{added.gebruiker.email} already had an account; now also {rol.value} at {where}")


@user_cli.command("list")
def user_list(
    organisatie: Annotated[str | None, typer.Option(help="Only this organisation")] = None,
) -> None:
    """List people with their roles (inactive roles marked)."""

    async def work(session: AsyncSession) -> list[str]:
        query = (
            select(Gebruiker, Lidmaatschap, Organisatie)
            .join(Lidmaatschap, Lidmaatschap.gebruiker_id == Gebruiker.id)
            .outerjoin(Organisatie, Organisatie.id == Lidmaatschap.organisatie_id)
            .order_by(Gebruiker.email, Organisatie.naam)
        )
        if organisatie:
            found = await organisatie_named(session, organisatie)
            query = query.where(Lidmaatschap.organisatie_id == found.id)
        return [
            f"{g.email:40} {lid.rol:11} {org.naam if org else '(programmabureau)'}"
            + ("" if lid.actief and g.actief else "  [inactief]")
            for g, lid, org in (await session.execute(query)).all()
        ]

    rows = in_transaction(work)
    typer.echo("\n".join(rows) if rows else "no users")


@user_cli.command("password")
def user_password(
    email: Annotated[str, typer.Argument()],
    genereer: Annotated[bool, typer.Option("--genereer", help="Generate one and print it once")] = False,
) -> None:
    """Set a new password (every session of the person ends)."""
    password = _password(genereer)

    async def work(session: AsyncSession) -> str:
        gebruiker = await accounts.find_user(session, email)
        if gebruiker is None:
            raise accounts.AccountError(f"no account {email}")
        await accounts.set_password(session, gebruiker, password)
        return gebruiker.email

    try:
        login = in_transaction(work)
    except accounts.AccountError as exc:
        fail(str(exc))
    typer.echo(f"new password set for {login}" + (f": {password}" if genereer else ""))
