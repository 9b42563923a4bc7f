"""The worker, webhook deliveries, the peer simulators and the OpenAPI document."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from app.cli import cli, deliveries_cli, fail, in_transaction, require_data_keys
from app.cli.console import UPGRADE_FIRST

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


@deliveries_cli.command("failed")
def deliveries_failed() -> None:
    """List webhook deliveries that failed after every retry."""

    async def work(session: AsyncSession) -> list[str]:
        from app.delivery import service as delivery

        return [
            f"{d.id} {found.organisatie_id} {found.url} attempts={d.pogingen} {d.laatste_fout or ''}"
            for d, found in await delivery.failed(session, None)
        ]

    lines = in_transaction(work)
    typer.echo("\n".join(lines) if lines else "no failed deliveries")


@deliveries_cli.command("replay")
def deliveries_replay(
    ids: Annotated[list[str] | None, typer.Argument(help="Delivery ids; none with --all")] = None,
    replay_all: Annotated[bool, typer.Option("--all", help="Replay every failed delivery")] = False,
) -> None:
    """Try failed deliveries again from the start of the schedule (re-enables their subscriptions)."""
    if not ids and not replay_all:
        fail("give delivery ids, or --all")

    async def work(session: AsyncSession) -> int:
        from datetime import UTC, datetime

        from app.delivery import service as delivery

        now = datetime.now(UTC)
        failed = {str(d.id): d for d, _ in await delivery.failed(session, None)}
        if unknown := sorted(set(ids or []) - set(failed)):
            raise ValueError(f"not failed deliveries: {', '.join(unknown)}")
        chosen = list(failed.values()) if replay_all else [failed[i] for i in ids or []]
        for item in chosen:
            await delivery.replay(session, item, now=now)
        return len(chosen)

    try:
        typer.echo(f"replaying {in_transaction(work)} deliveries")
    except ValueError as exc:
        fail(str(exc))


def require_migrated_database() -> None:
    """Refuse to start a long-running process on a database not migrated to this version (it would
    fail every round)."""
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from app.config import PROJECT_ROOT

    needed = set(ScriptDirectory.from_config(Config(str(PROJECT_ROOT / "alembic.ini"))).get_heads())

    async def current(session: AsyncSession) -> set[str]:
        connection = await session.connection()
        return set(
            await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_heads())
        )

    found = in_transaction(current)
    if not found:
        fail(UPGRADE_FIRST)
    if found != needed:
        fail(
            f"the database is at revision {', '.join(sorted(found))}, this version needs "
            f"{', '.join(sorted(needed))}: run `wdv db upgrade` first"
        )


@cli.command("worker")
def worker(
    once: Annotated[bool, typer.Option(help="Run the timers and the erasure once and stop")] = False,
) -> None:
    """Run the worker: timers, erasure after the retention period, hub mailbox, deliveries.

    Several workers may run at once, against one PostgreSQL database.
    """
    import asyncio
    import signal

    from app.config import get_settings
    from app.db import create_engine, create_sessionmaker
    from app.ops import worker_process
    from app.worker import erase_due, run_once

    require_migrated_database()
    require_data_keys()
    settings = get_settings()

    async def run() -> None:
        engine = create_engine(settings.database_url)
        sessionmaker = create_sessionmaker(engine)
        try:
            if once:
                typer.echo(f"timers fired: {await run_once(sessionmaker, settings)}")
                typer.echo(f"personal data erased: {await erase_due(sessionmaker, settings)} referrals")
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
            await worker_process.run(sessionmaker, settings, stop)
        finally:
            await engine.dispose()

    asyncio.run(run())


@cli.command("simulate")
def simulate(
    peer: Annotated[str, typer.Argument(help="schuldenknooppunt or vroegsignalering")],
    port: Annotated[int, typer.Option()] = 0,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    callback_key: Annotated[
        str | None,
        typer.Option(
            help="Vroegsignalering: the uitvoerder's API key for status updates",
            envvar="VROEGSIGNALERING_CALLBACK_KEY",
        ),
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
        fail("simulate schuldenknooppunt or vroegsignalering")
    tls: dict[str, Any] = {}
    if cert:
        tls = {"ssl_certfile": str(cert), "ssl_keyfile": str(key) if key else None}
        if client_ca:
            tls |= {"ssl_ca_certs": str(client_ca), "ssl_cert_reqs": ssl.CERT_REQUIRED}
    uvicorn.run(app, host=host, port=port, log_level="info", **tls)


@cli.command("openapi")
def openapi() -> None:
    """Print the OpenAPI document of /v1."""
    import json

    from app.main import create_v1

    document: dict[str, Any] = create_v1().openapi()
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
