"""`wdv`: the operator's command line (database, reference data, organisations, routing, clocks)."""

import asyncio
import csv
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clocks
from app.config import PROJECT_ROOT, get_settings
from app.db import create_engine, create_sessionmaker
from app.delivery import service as delivery
from app.organisations import service as organisations
from app.organisations.models import Kanaal, Organisatie, Rol
from app.routing import service as routing
from app.routing import sources
from app.routing.models import Gemeente, Routeringstabel
from app.routing.postcode import InvalidPostcode, normalise

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


def _in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one committed transaction (the command line owns its session)."""

    async def run() -> T:
        engine = create_engine(get_settings().database_url)
        try:
            async with create_sessionmaker(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


async def _organisation(session: AsyncSession, ident: str) -> Organisatie:
    organisation = await organisations.find_organisation(session, ident)
    if organisation is None:
        _fail(f"no organisation {ident!r} (give its id, OIN, KvK-nummer or exact name)")
    assert organisation is not None
    return organisation


# --- database --------------------------------------------------------------------------------


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
    loaded = _in_transaction(routing.load_reference_data)
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
        _fail(f"--peildatum must be YYYY-MM-DD, not {peildatum!r}")

    async def work(session: AsyncSession) -> Routeringstabel:
        return await routing.import_file(
            session, path=file, peildatum=reference_date, versie=versie, formaat=formaat, force=force
        )

    try:
        tabel = _in_transaction(work)
    except sources.SourceError as exc:
        _fail(str(exc))
    typer.echo(
        f"active routing table {tabel.versie}: {tabel.aantal_regels} rules, peildatum {tabel.peildatum}"
    )


@routing_cli.command("status")
def routing_status() -> None:
    """List the routing tables."""

    async def work(session: AsyncSession) -> list[Routeringstabel]:
        return list(await session.scalars(select(Routeringstabel).order_by(Routeringstabel.id)))

    for tabel in _in_transaction(work):
        typer.echo(
            f"{tabel.status:10} {tabel.versie:40} peildatum {tabel.peildatum} {tabel.aantal_regels} rules"
        )


@cli.command("route")
def route(
    as_csv: Annotated[bool, typer.Option("--csv", help="Read postcode,huisnummer lines on stdin")] = False,
) -> None:
    """Route addresses: `postcode,huisnummer` in, `postcode,huisnummer,gemeentecode` out."""
    if not as_csv:
        _fail("only --csv is supported: wdv route --csv < addresses.csv")

    async def work(session: AsyncSession) -> routing.Snapshot | None:
        return await routing.load_snapshot(session)

    snapshot = _in_transaction(work)
    if snapshot is None:
        _fail("no routing table is loaded (wdv routing load-default)")
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
        _fail(f"not a date or date-time: {moment!r}")
    typer.echo(f"ontvangen:        {day.isoformat()}")
    typer.echo(f"incassostopTot:   {clocks.incassostop_tot(day).isoformat()}")
    typer.echo(f"contactUiterlijk: {clocks.contact_uiterlijk(day).isoformat()}")


# --- organisations, keys, coverage -----------------------------------------------------------


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
        return await organisations.add_organisation(
            session, naam=naam, rol=rol, oin=oin, kvk_nummer=kvk, soort=soort
        )

    try:
        organisation = _in_transaction(work)
    except ValueError as exc:
        _fail(str(exc))
    typer.echo(f"{organisation.id} {organisation.rol} {organisation.naam}")


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
        organisation = await _organisation(session, organisatie)
        await set_channel(
            session,
            organisatie=organisation,
            kanaal=kanaal,
            adres=adres,
            settings=get_settings(),
            now=datetime.now(UTC),
        )
        return organisation.naam

    try:
        naam = _in_transaction(work)
    except ValueError as exc:
        _fail(str(exc))
    typer.echo(f"{naam} now uses {kanaal.value}" + (f" as {adres}" if adres else ""))


@org_cli.command("list")
def org_list() -> None:
    """List organisations."""

    async def work(session: AsyncSession) -> list[Organisatie]:
        return list(await session.scalars(select(Organisatie).order_by(Organisatie.rol, Organisatie.naam)))

    for o in _in_transaction(work):
        typer.echo(f"{o.id} {o.rol:12} {o.oin or o.kvk_nummer or '-':20} {o.naam}")


@key_cli.command("create")
def key_create(
    organisatie: Annotated[str, typer.Argument(help="Id, OIN, KvK-nummer or exact name")],
    omschrijving: Annotated[str, typer.Option()] = "",
) -> None:
    """Create an API key. It is shown once; only its hash is stored."""

    async def work(session: AsyncSession) -> str:
        organisation = await _organisation(session, organisatie)
        return await organisations.create_key(
            session, organisatie_id=organisation.id, omschrijving=omschrijving
        )

    typer.echo(_in_transaction(work))


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
        _fail(str(exc))

    async def work(session: AsyncSession) -> str:
        organisation = await _organisation(session, uitvoerder)
        if await session.get(Gemeente, code) is None:
            raise ValueError(f"no gemeente {code} in the gemeente list")
        await organisations.set_coverage(
            session, uitvoerder=organisation, gemeentecode=code, geldig_vanaf=start, geldig_tot=end
        )
        return organisation.naam

    try:
        naam = _in_transaction(work)
    except ValueError as exc:
        _fail(str(exc))
    typer.echo(f"{naam} serves {code} from {start}" + (f" until {end}" if end else ""))


@cli.command("sandbox")
def sandbox() -> None:
    """Load reference data and, once, the sandbox organisations with one API key each."""
    from app.sandbox import connect_peers, set_up

    async def work(session: AsyncSession) -> tuple[list[tuple[Organisatie, str]], list[str]]:
        await routing.load_reference_data(session)
        created = await set_up(session)
        return created, await connect_peers(session)

    created, connected = _in_transaction(work)
    if created:
        typer.echo("Sandbox organisations and their API keys (shown once, keep them):")
        for organisation, key in created:
            typer.echo(f"  {organisation.rol:11} {organisation.naam:40} {key}")
    else:
        typer.echo("sandbox organisations exist already; make a new key with: wdv key create <naam>")
    for line in connected:
        typer.echo(f"peer channel: {line}")


@deliveries_cli.command("failed")
def deliveries_failed() -> None:
    """List webhook deliveries that failed after every retry."""

    async def work(session: AsyncSession) -> list[str]:
        return [
            f"{d.id} {found.organisatie_id} {found.url} attempts={d.pogingen} {d.laatste_fout or ''}"
            for d, found in await delivery.failed(session, None)
        ]

    lines = _in_transaction(work)
    typer.echo("\n".join(lines) if lines else "no failed deliveries")


@deliveries_cli.command("replay")
def deliveries_replay(
    ids: Annotated[list[str] | None, typer.Argument(help="Delivery ids; none with --all")] = None,
    replay_all: Annotated[bool, typer.Option("--all", help="Replay every failed delivery")] = False,
) -> None:
    """Try failed deliveries again from the start of the schedule (re-enables their subscriptions)."""
    if not ids and not replay_all:
        _fail("give delivery ids, or --all")

    async def work(session: AsyncSession) -> int:
        now = datetime.now(UTC)
        failed = {str(d.id): d for d, _ in await delivery.failed(session, None)}
        if unknown := sorted(set(ids or []) - set(failed)):
            raise ValueError(f"not failed deliveries: {', '.join(unknown)}")
        chosen = list(failed.values()) if replay_all else [failed[i] for i in ids or []]
        for item in chosen:
            await delivery.replay(session, item, now=now)
        return len(chosen)

    try:
        typer.echo(f"replaying {_in_transaction(work)} deliveries")
    except ValueError as exc:
        _fail(str(exc))


@cli.command("worker")
def worker(once: Annotated[bool, typer.Option(help="Run the timers once and stop")] = False) -> None:
    """Run the periodic timers (contact deadline, collection hold); several may run at once."""
    import signal

    from app.worker import run_forever, run_once

    settings = get_settings()

    async def run() -> None:
        engine = create_engine(settings.database_url)
        sessionmaker = create_sessionmaker(engine)
        try:
            if once:
                typer.echo(f"timers fired: {await run_once(sessionmaker, settings)}")
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
            await run_forever(sessionmaker, settings, stop)
        finally:
            await engine.dispose()

    asyncio.run(run())


@cli.command("simulate")
def simulate(
    peer: Annotated[str, typer.Argument(help="schuldenknooppunt or vroegsignalering")],
    port: Annotated[int, typer.Option()] = 0,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    callback_key: Annotated[
        str | None, typer.Option(help="Vroegsignalering: the uitvoerder's API key for status updates")
    ] = None,
    cert: Annotated[Path | None, typer.Option(help="Server certificate (PEM): serve https")] = None,
    key: Annotated[Path | None, typer.Option(help="Its private key (PEM)")] = None,
    client_ca: Annotated[
        Path | None, typer.Option(help="Require client certificates issued by this CA (mutual TLS)")
    ] = None,
) -> None:
    """Run a peer simulator (sandbox and integration tests)."""
    import ssl

    import uvicorn

    from app.peers.simulators import schuldenknooppunt, vroegsignalering

    if peer == "schuldenknooppunt":
        app: Any = schuldenknooppunt.create_app()
        port = port or 8101
    elif peer == "vroegsignalering":
        app = vroegsignalering.create_app(callback_key=callback_key)
        port = port or 8102
    else:
        _fail("simulate schuldenknooppunt or vroegsignalering")
    tls: dict[str, Any] = {}
    if cert:
        tls = {"ssl_certfile": str(cert), "ssl_keyfile": str(key) if key else None}
        if client_ca:
            tls |= {"ssl_ca_certs": str(client_ca), "ssl_cert_reqs": ssl.CERT_REQUIRED}
    uvicorn.run(app, host=host, port=port, log_level="info", **tls)


@cli.command("openapi")
def openapi() -> None:
    """Print the OpenAPI document of /v1."""
    from app.main import create_v1

    document: dict[str, Any] = create_v1().openapi()
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False))


def main() -> None:
    cli()
