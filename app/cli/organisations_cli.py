"""Organisations, their keys, coverage and channels."""

from datetime import UTC, date, datetime
from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clocks
from app.cli import coverage_cli, fail, in_transaction, key_cli, org_cli, organisatie_named
from app.config import get_settings
from app.organisations import service as organisations
from app.organisations.models import Kanaal, Organisatie, Rol
from app.routing import sources
from app.routing.models import Gemeente


@org_cli.command("add")
def org_add(
    naam: Annotated[str, typer.Option()],
    rol: Annotated[Rol, typer.Option()],
    oin: Annotated[str | None, typer.Option()] = None,
    kvk: Annotated[str | None, typer.Option(help="KvK-nummer")] = None,
    soort: Annotated[str | None, typer.Option(help="Signaalpartner soort, for a schuldeiser")] = None,
) -> None:
    """Add a schuldeiser or uitvoerder."""

    async def work(session: AsyncSession) -> Organisatie:
        return await organisations.add_organisatie(
            session, naam=naam, rol=rol, oin=oin, kvk_nummer=kvk, signaalpartner=soort
        )

    try:
        added = in_transaction(work)
    except ValueError as exc:
        fail(str(exc))
    typer.echo(f"{added.id} {added.rol} {added.naam}")


@org_cli.command("channel")
def org_channel(
    organisatie: Annotated[str, typer.Argument(help="Id, OIN, KvK-nummer or exact name")],
    kanaal: Annotated[
        Kanaal, typer.Option(help="api, vroegsignalering (uitvoerder) or schuldenknooppunt (schuldeiser)")
    ],
    adres: Annotated[
        str | None, typer.Option(help="Its address on that channel (participant / organisation code)")
    ] = None,
) -> None:
    """Put an organisation on a channel: events then travel to that peer system."""
    from app.peers.channels import set_channel

    async def work(session: AsyncSession) -> str:
        found = await organisatie_named(session, organisatie)
        await set_channel(
            session,
            organisatie=found,
            kanaal=kanaal,
            adres=adres,
            settings=get_settings(),
            now=datetime.now(UTC),
        )
        return found.naam

    try:
        naam = in_transaction(work)
    except ValueError as exc:
        fail(str(exc))
    typer.echo(f"{naam} now uses {kanaal.value}" + (f" as {adres}" if adres else ""))


@org_cli.command("list")
def org_list() -> None:
    """List organisations."""

    async def work(session: AsyncSession) -> list[Organisatie]:
        return list(await session.scalars(select(Organisatie).order_by(Organisatie.rol, Organisatie.naam)))

    for o in in_transaction(work):
        typer.echo(f"{o.id} {o.rol:12} {o.oin or o.kvk_nummer or '-':20} {o.naam}")


@key_cli.command("create")
def key_create(
    organisatie: Annotated[str, typer.Argument(help="Id, OIN, KvK-nummer or exact name")],
    omschrijving: Annotated[str, typer.Option()] = "",
) -> None:
    """Create an API key. It is shown once; only its hash is stored."""

    async def work(session: AsyncSession) -> str:
        found = await organisatie_named(session, organisatie)
        return await organisations.create_key(session, organisatie_id=found.id, omschrijving=omschrijving)

    typer.echo(in_transaction(work))


@coverage_cli.command("set")
def coverage_set(
    uitvoerder: Annotated[str, typer.Argument(help="Id, OIN, KvK-nummer or exact name")],
    gemeentecode: Annotated[str, typer.Argument(help="CBS code, e.g. 0363 or GM0363")],
    vanaf: Annotated[str, typer.Option(help="First day (YYYY-MM-DD); default today")] = "",
    tot: Annotated[str, typer.Option(help="Last day (YYYY-MM-DD); default open-ended")] = "",
) -> None:
    """Let UITVOERDER serve GEMEENTECODE from a date (earlier coverage ends the day before)."""
    try:
        code = sources.gemeentecode(gemeentecode)
        start = date.fromisoformat(vanaf) if vanaf else clocks.vandaag()
        end = date.fromisoformat(tot) if tot else None
    except ValueError as exc:
        fail(str(exc))

    async def work(session: AsyncSession) -> str:
        organisatie = await organisatie_named(session, uitvoerder)
        if await session.get(Gemeente, code) is None:
            raise ValueError(f"no gemeente {code} in the gemeente list")
        await organisations.set_coverage(
            session, uitvoerder=organisatie, gemeentecode=code, geldig_vanaf=start, geldig_tot=end
        )
        return organisatie.naam

    try:
        naam = in_transaction(work)
    except ValueError as exc:
        fail(str(exc))
    typer.echo(f"{naam} serves {code} from {start}" + (f" until {end}" if end else ""))
