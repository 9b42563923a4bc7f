"""Database, reference data, routing tables, clocks and the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli import cli, db_cli, fail, in_transaction, options, routing_cli
from app.routing.sources import Formaat

if TYPE_CHECKING:
    from datetime import date

    from sqlalchemy.ext.asyncio import AsyncSession

    from app.organisations.models import Organisatie
    from app.routing.models import Routeringstabel


@db_cli.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Option(help="Target revision; default the newest")] = "head",
) -> None:
    """Apply the migrations (alembic upgrade); on SQLite the database file is created."""
    from alembic import command
    from alembic.config import Config
    from alembic.util import CommandError

    from app.config import PROJECT_ROOT, get_settings

    url = get_settings().database_url
    if url.startswith("sqlite"):
        Path(url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    try:
        command.upgrade(config, revision)
    except CommandError as exc:
        fail(f"--revision {revision}: {str(exc).splitlines()[0]}")
    typer.echo(f"database at {revision}")


# --- reference data and routing tables ---------------------------------------------------------


@routing_cli.command("load-default")
def routing_load_default() -> None:
    """Load the bundled gemeenten, mergers and CBS PC4 table where nothing is loaded yet."""
    from app.routing import service as routing

    loaded = in_transaction(routing.load_reference_data)
    typer.echo("loaded: " + ", ".join(loaded) if loaded else "reference data already loaded")


@routing_cli.command("import")
def routing_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    peildatum: Annotated[str, typer.Option(help="Reference date of the data (YYYY-MM-DD)")],
    formaat: Annotated[Formaat | None, typer.Option(help="Default: recognised from the header")] = None,
    versie: Annotated[str | None, typer.Option(help="Version name; default from file and date")] = None,
    force: Annotated[
        bool, typer.Option(help="Also when it covers far fewer areas than the active table")
    ] = False,
) -> None:
    """Import a routing file; it replaces the active table in one transaction.

    The file is UTF-8 text; its format is recognised by the header line (or given with --formaat):

    cbs: the CBS file "wijk- en buurtcode per postcode-huisnummer", semicolon-separated, header
    PC6;Huisnummer;Buurt…;Wijk…;Gemeente… (the gemeente as GM0518 or 0518). One line per address;
    the service keeps a rule per PC4, and per PC6 or house number only where a PC4 or PC6 crosses
    a municipal border.

    pc4: comma-separated, header pc4,gemeentecode and optionally adressen (more columns are
    ignored). A PC4 on several lines routes to the gemeente with most adressen, recorded as a
    majority routing.

    pc6: comma-separated, header pc6,gemeentecode and optionally adressen. Each PC6 routes to its
    gemeente; a PC4 rule (the majority of its PC6s) covers the PC6s the file does not list.
    """
    from app.routing import service as routing
    from app.routing import sources

    reference_date = options.datum("--peildatum", peildatum)

    async def work(session: AsyncSession) -> Routeringstabel:
        return await routing.import_file(
            session, path=file, peildatum=reference_date, versie=versie, formaat=formaat, force=force
        )

    try:
        tabel = in_transaction(work)
    except sources.SourceError as exc:
        fail(f"{exc} (the accepted formats: wdv routing import --help)")
    typer.echo(
        f"active routing table {tabel.versie}: {tabel.aantal_regels} rules, peildatum {tabel.peildatum}"
    )


@routing_cli.command("status")
def routing_status() -> None:
    """List the routing tables."""

    async def work(session: AsyncSession) -> list[Routeringstabel]:
        from sqlalchemy import select

        from app.routing.models import Routeringstabel

        return list(await session.scalars(select(Routeringstabel).order_by(Routeringstabel.id)))

    for tabel in in_transaction(work):
        typer.echo(
            f"{tabel.status:10} {tabel.versie:40} peildatum {tabel.peildatum} {tabel.aantal_regels} rules"
        )


# --- clocks ------------------------------------------------------------------------------------


def _receipt_day(moment: str) -> date:
    from datetime import date, datetime

    from app import clocks

    moment = moment.strip()
    try:
        if "T" in moment or " " in moment:
            parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
            return clocks.ontvangstdag(parsed.replace(tzinfo=parsed.tzinfo or clocks.AMSTERDAM))
        return date.fromisoformat(moment)
    except ValueError:
        fail(f"MOMENT is not a date or date-time (YYYY-MM-DD, or with a time and offset): {moment!r}")


@cli.command("termijnen")
def termijnen(
    moment: Annotated[str, typer.Argument(help="Date or date-time (with offset) of receipt")],
) -> None:
    """Print the clocks of a referral received at MOMENT.

    incassostopTot and contactUiterlijk; also lists the days on the way that a decree made equal
    to a holiday (art. 3(3) Algemene termijnenwet), and says so when no such decree is on file
    for the period.
    """
    from datetime import timedelta

    from app import clocks

    day = _receipt_day(moment)
    uiterlijk = clocks.contact_uiterlijk(day)
    typer.echo(f"ontvangen:        {day.isoformat()}")
    typer.echo(f"incassostopTot:   {clocks.incassostop_tot(day).isoformat()}")
    typer.echo(f"contactUiterlijk: {uiterlijk.isoformat()}")
    for skipped in clocks.gelijkstellingen_tussen(day, uiterlijk):
        typer.echo(f"gelijkgesteld:    {skipped.datum.isoformat()} ({skipped.besluit})")
    span = (day + timedelta(days=n) for n in range(1, (uiterlijk - day).days + 1))
    if years := sorted({d.year for d in span if not clocks.besluit_bekend(d)}):
        typer.secho(
            f"note: no decree under art. 3(3) Algemene termijnenwet is on file for "
            f"{', '.join(map(str, years))}: contactUiterlijk counts the statutory holidays only "
            f"(the days are kept in app/data/{clocks.GELIJKSTELLINGEN_BESTAND})",
            fg=typer.colors.YELLOW,
            err=True,
        )


# --- sandbox -----------------------------------------------------------------------------------


@cli.command("sandbox")
def sandbox() -> None:
    """Load reference data and the sandbox organisations.

    The organisations are created once, each with an API key and a portal login shown once.
    """
    from app.routing import service as routing
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
        for organisatie, key in created:
            typer.echo(f"  {organisatie.rol:11} {organisatie.naam:40} {key}")
    else:
        typer.echo("sandbox organisations exist already; make a new key with: wdv key create <naam>")
    for line in connected:
        typer.echo(f"peer channel: {line}")
    if users:
        typer.echo("Sandbox users of the portal (log in at /inloggen; passwords shown once, keep them):")
        for organisatie, login, password in users:
            typer.echo(f"  {organisatie.naam:40} {login:50} {password}")
    else:
        typer.echo("sandbox users exist already; a new password: wdv user password <login> --genereer")
