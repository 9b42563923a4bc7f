"""`wdv`: the operator's command line (database, reference data, organisations, routing, clocks,
the worker, deliveries and the peer simulators)."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import get_settings
from app.db import create_engine, create_sessionmaker
from app.organisations import service as organisations
from app.organisations.models import Organisatie

T = TypeVar("T")

cli = typer.Typer(help="Warme doorverwijzing: operator commands.", no_args_is_help=True)
db_cli = typer.Typer(help="The database.", no_args_is_help=True)
routing_cli = typer.Typer(help="The routing table.", no_args_is_help=True)
org_cli = typer.Typer(help="Organisations.", no_args_is_help=True)
key_cli = typer.Typer(help="API keys.", no_args_is_help=True)
coverage_cli = typer.Typer(help="Which uitvoerder serves which gemeente.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(routing_cli, name="routing")
cli.add_typer(org_cli, name="org")
cli.add_typer(key_cli, name="key")
cli.add_typer(coverage_cli, name="coverage")
deliveries_cli = typer.Typer(help="Webhook deliveries.", no_args_is_help=True)
cli.add_typer(deliveries_cli, name="deliveries")


def in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one committed transaction (the command line owns its session)."""

    async def run() -> T:
        engine = create_engine(get_settings().database_url)
        try:
            async with create_sessionmaker(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


async def organisation_named(session: AsyncSession, ident: str) -> Organisatie:
    organisation = await organisations.find_organisation(session, ident)
    if organisation is None:
        fail(f"no organisation {ident!r} (give its id, OIN, KvK-nummer or exact name)")
    assert organisation is not None
    return organisation


# --- database --------------------------------------------------------------------------------


def main() -> None:
    cli()


# the command modules register themselves on the apps above
from app.cli import operations, organisations_cli, reference, users_cli  # noqa: E402, F401
