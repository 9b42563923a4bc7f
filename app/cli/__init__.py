"""`wdv`: the operator's command line (database, reference data, organisations, routing, clocks,
the worker, deliveries and the peer simulators).

Start-up is kept short: the command modules import only typer and light modules at the top, and
SQLAlchemy, alembic, FastAPI and the rest of the application inside the commands that need them
(`wdv --help` and `wdv route` do not pay for what they do not use).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import typer

from app.cli.console import OneLineErrors, fail

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from app.organisations.models import Organisatie

T = TypeVar("T")

cli = typer.Typer(
    name="wdv",
    cls=OneLineErrors,
    help="Warme doorverwijzing: operator commands.",
    no_args_is_help=True,
    # plain help text (wrapped paragraphs, no rich import) and, for an unexpected error, a plain
    # traceback without the values of local variables
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _group(help_text: str) -> typer.Typer:
    return typer.Typer(help=help_text, no_args_is_help=True, rich_markup_mode=None)


db_cli = _group("The database.")
routing_cli = _group("The routing table.")
org_cli = _group("Organisations.")
key_cli = _group("API keys.")
coverage_cli = _group("Which uitvoerder serves which gemeente.")
deliveries_cli = _group("Webhook deliveries.")
keys_cli = _group("The data keys personal data is encrypted under.")
retention_cli = _group("Erasing personal data after the retention period.")
cli.add_typer(db_cli, name="db")
cli.add_typer(routing_cli, name="routing")
cli.add_typer(org_cli, name="org")
cli.add_typer(key_cli, name="key")
cli.add_typer(coverage_cli, name="coverage")
cli.add_typer(deliveries_cli, name="deliveries")
cli.add_typer(keys_cli, name="keys")
cli.add_typer(retention_cli, name="retention")

__all__ = [
    "cli",
    "fail",
    "in_transaction",
    "main",
    "organisatie_named",
    "require_data_keys",
    "with_sessionmaker",
]


def in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one committed transaction (the command line owns its session)."""

    async def once(sessionmaker: async_sessionmaker[AsyncSession]) -> T:
        async with sessionmaker() as session, session.begin():
            return await work(session)

    return with_sessionmaker(once)


def with_sessionmaker(work: Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]]) -> T:
    """Run `work`, which opens and commits transactions of its own (a job done in batches)."""
    import asyncio

    from app.config import get_settings
    from app.db import create_engine, create_sessionmaker

    url = get_settings().database_url
    if (missing := _missing_sqlite_file(url)) is not None:
        fail(f"no database at {missing}: run `wdv db upgrade` to create it")

    async def run() -> T:
        engine = create_engine(url)
        try:
            return await work(create_sessionmaker(engine))
        finally:
            await engine.dispose()

    return asyncio.run(run())


def require_data_keys() -> None:
    """Load the data keys from the settings for this command, or stop with what to set."""
    from app.config import get_settings
    from app.privacy import keys

    try:
        keys.load_and_install(get_settings())
    except keys.DataKeyError as exc:
        fail(str(exc))


def _missing_sqlite_file(url: str) -> str | None:
    """The path of an SQLite database file that does not exist (connecting would create an empty one)."""
    from pathlib import Path

    if not url.startswith("sqlite") or "///" not in url:
        return None
    path = url.split("///", 1)[1].split("?", 1)[0]
    if not path or path == ":memory:" or Path(path).exists():
        return None
    return path


async def organisatie_named(session: AsyncSession, ident: str) -> Organisatie:
    """The one organisation with this id, OIN, KvK-nummer or exact name; fails when there is none
    or when a name is shared (then the id decides)."""
    import contextlib
    import uuid

    from sqlalchemy import or_, select

    from app.organisations.models import Organisatie

    conditions = [Organisatie.naam == ident, Organisatie.oin == ident, Organisatie.kvk_nummer == ident]
    with contextlib.suppress(ValueError):  # not an id: a name or number
        conditions.append(Organisatie.id == uuid.UUID(ident))
    found = list(await session.scalars(select(Organisatie).where(or_(*conditions)).order_by(Organisatie.id)))
    if not found:
        fail(f"no organisation {ident!r} (give its id, OIN, KvK-nummer or exact name)")
    if len(found) > 1:
        ids = ", ".join(f"{o.id} ({o.rol})" for o in found)
        fail(f"{ident!r} names {len(found)} organisations: give the id of one of {ids}")
    return found[0]


def main() -> None:
    cli()


# the command modules register themselves on the apps above
from app.cli import operations, organisations_cli, privacy_cli, reference, route, users_cli  # noqa: E402, F401
