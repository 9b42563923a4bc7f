"""Database, reference data, routing and clocks."""

import csv
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clocks
from app.cli import cli, db_cli, fail, in_transaction, routing_cli
from app.config import PROJECT_ROOT, get_settings
from app.organisations.models import Organisatie
from app.routing import service as routing
from app.routing import sources
from app.routing.models import Routeringstabel
from app.routing.postcode import InvalidPostcode, normalise


@db_cli.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply the migrations (alembic upgrade)."""
    from alembic import command
    from alembic.config import Config

    url = get_settings().database_url
    if url.startswith("sqlite"):
        Path(url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    command.upgrade(config, revision)
    typer.echo(f"database at {revision}")


# --- reference data and sandbox --------------------------------------------------------------


@routing_cli.command("load-default")
def routing_load_default() -> None:
    """Load the bundled gemeenten, mergers and CBS PC4 table where nothing is loaded yet."""
    loaded = in_transaction(routing.load_reference_data)
    typer.echo("loaded: " + ", ".join(loaded) if loaded else "reference data already loaded")


@routing_cli.command("import")
def routing_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    peildatum: Annotated[str, typer.Option(help="Reference date of the data (YYYY-MM-DD)")],
    formaat: Annotated[sources.Formaat | None, typer.Option(help="Default: from the header")] = None,
    versie: Annotated[str | None, typer.Option(help="Version name; default from file and date")] = None,
    force: Annotated[
        bool, typer.Option(help="Also when it covers far fewer areas than the active table")
    ] = False,
) -> None:
    """Import a CBS postcode-huisnummer file or a PC4/PC6 table; it replaces the active table."""
    try:
        reference_date = date.fromisoformat(peildatum)
    except ValueError:
        fail(f"--peildatum must be YYYY-MM-DD, not {peildatum!r}")

    async def work(session: AsyncSession) -> Routeringstabel:
        return await routing.import_file(
            session, path=file, peildatum=reference_date, versie=versie, formaat=formaat, force=force
        )

    try:
        tabel = in_transaction(work)
    except sources.SourceError as exc:
        fail(str(exc))
    typer.echo(
        f"active routing table {tabel.versie}: {tabel.aantal_regels} rules, peildatum {tabel.peildatum}"
    )


@routing_cli.command("status")
def routing_status() -> None:
    """List the routing tables."""

    async def work(session: AsyncSession) -> list[Routeringstabel]:
        return list(await session.scalars(select(Routeringstabel).order_by(Routeringstabel.id)))

    for tabel in in_transaction(work):
        typer.echo(
            f"{tabel.status:10} {tabel.versie:40} peildatum {tabel.peildatum} {tabel.aantal_regels} rules"
        )


@cli.command("route")
def route(
    as_csv: Annotated[bool, typer.Option("--csv", help="Read postcode,huisnummer lines on stdin")] = False,
) -> None:
    """Route addresses: `postcode,huisnummer` in, `postcode,huisnummer,gemeentecode` out."""
    if not as_csv:
        fail("only --csv is supported: wdv route --csv < addresses.csv")

    async def work(session: AsyncSession) -> routing.Snapshot | None:
        return await routing.load_snapshot(session)

    snapshot = in_transaction(work)
    if snapshot is None:
        fail("no routing table is loaded (wdv routing load-default)")
    assert snapshot is not None
    today = clocks.vandaag()
    writer = csv.writer(sys.stdout, lineterminator="\n")
    for number, row in enumerate(csv.reader(sys.stdin)):
        if not row or (number == 0 and row[0].strip().lower() == "postcode"):
            continue
        code = ""
        try:
            routering = snapshot.route(normalise(row[0]), int(row[1]), on=today)
            code = routering.gemeentecode if routering else ""
        except (InvalidPostcode, IndexError, ValueError):
            pass
        writer.writerow([*row[:2], code])


@cli.command("termijnen")
def termijnen(
    moment: Annotated[str, typer.Argument(help="Date or date-time (with offset) of receipt")],
) -> None:
    """Print incassostopTot and contactUiterlijk for a referral received at MOMENT."""
    moment = moment.strip()
    try:
        if "T" in moment or " " in moment:
            parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
            day = clocks.ontvangstdag(parsed.replace(tzinfo=parsed.tzinfo or clocks.AMSTERDAM))
        else:
            day = date.fromisoformat(moment)
    except ValueError:
        fail(f"not a date or date-time: {moment!r}")
    typer.echo(f"ontvangen:        {day.isoformat()}")
    typer.echo(f"incassostopTot:   {clocks.incassostop_tot(day).isoformat()}")
    typer.echo(f"contactUiterlijk: {clocks.contact_uiterlijk(day).isoformat()}")


# --- organisations, keys, coverage -----------------------------------------------------------


@cli.command("sandbox")
def sandbox() -> None:
    """Load reference data and, once, the sandbox organisations with one API key each."""
    from app.sandbox import connect_peers, set_up, set_up_users

    async def work(
        session: AsyncSession,
    ) -> tuple[list[tuple[Organisatie, str]], list[str], list[tuple[Organisatie, str, str]]]:
        await routing.load_reference_data(session)
        created = await set_up(session)
        return created, await connect_peers(session), await set_up_users(session)

    created, connected, users = in_transaction(work)
    if created:
        typer.echo("Sandbox organisations and their API keys (shown once, keep them):")
        for organisation, key in created:
            typer.echo(f"  {organisation.rol:11} {organisation.naam:40} {key}")
    else:
        typer.echo("sandbox organisations exist already; make a new key with: wdv key create <naam>")
    for line in connected:
        typer.echo(f"peer channel: {line}")
    if users:
        typer.echo("Sandbox users of the portal (log in at /inloggen; passwords shown once, keep them):")
        for organisation, login, password in users:
            typer.echo(f"  {organisation.naam:40} {login:50} {password}")
    else:
        typer.echo("sandbox users exist already; a new password: wdv user password <login> --genereer")
