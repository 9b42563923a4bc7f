"""Personal data: the data keys and their rotation, erasure after the retention period, and the
processing log of a referral (who saw it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from app.cli import cli, fail, in_transaction, keys_cli, require_data_keys, retention_cli, with_sessionmaker

if TYPE_CHECKING:
    from collections import Counter

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from app.privacy.retention import Due
    from app.referrals.access import Inzage


@keys_cli.command("generate")
def keys_generate(
    key_id: Annotated[str | None, typer.Option("--id", help="The key's id (default: a random one)")] = None,
) -> None:
    """Print a new data key as a DATA_KEYS entry (<id>:<key>).

    Put it first in DATA_KEYS to encrypt under it from then on, keep the old keys after it, and
    run `wdv keys rotate-data-key`.
    """
    from app.privacy import keys

    try:
        typer.echo(keys.generate(key_id))
    except keys.DataKeyError as exc:
        fail(f"--id: {exc}")


@keys_cli.command("status")
def keys_status() -> None:
    """How many stored values are under each data key, per column ((plain): not encrypted yet)."""
    require_data_keys()

    async def work(session: AsyncSession) -> dict[str, Counter[str]]:
        from app.models import Base
        from app.privacy import rotation

        return await rotation.census(session, Base.metadata)

    from app.privacy import keys

    current = keys.installed().current.id
    for column, counts in in_transaction(work).items():
        found = ", ".join(f"{key_id}: {count}" for key_id, count in sorted(counts.items())) or "empty"
        typer.echo(f"{column:36} {found}")
    typer.echo(f"current key: {current}")


@keys_cli.command("rotate-data-key")
def keys_rotate(
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="Rows per transaction")] = 500,
) -> None:
    """Re-encrypt every stored value under the current (first) data key.

    Also encrypts rows stored in plain text before encryption was introduced. It works in batches,
    each committed: interrupt it and run it again to continue. Keep the old keys in DATA_KEYS
    until it reports nothing left.
    """
    require_data_keys()
    from app.models import Base
    from app.privacy import keys, rotation

    def report(column: str, done: int, total: int) -> None:
        typer.echo(f"{column}: {done}/{total}")

    async def work(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, int]:
        async with sessionmaker() as session:
            unknown = rotation.unknown_keys(await rotation.census(session, Base.metadata))
        if unknown:
            missing = sorted({key_id for ids in unknown.values() for key_id in ids})
            fail(
                f"values are encrypted under data key(s) {', '.join(missing)}, which DATA_KEYS does not "
                f"hold: add them after the current key and run again"
            )
        return await rotation.rotate(sessionmaker, Base.metadata, batch=batch, progress=report)

    try:
        done = with_sessionmaker(work)
    except keys.DataKeyError as exc:
        fail(str(exc))
    typer.echo(f"re-encrypted under {keys.installed().current.id}: {sum(done.values())} values")


@retention_cli.command("run")
def retention_run(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be erased; change nothing")
    ] = False,
) -> None:
    """Erase the personal data of referrals closed longer ago than RETENTION_MONTHS.

    The worker does this by itself; this runs it now. Open referrals are never erased.
    """
    require_data_keys()
    from datetime import UTC, datetime

    from app.config import get_settings

    months = get_settings().retention_months
    now = datetime.now(UTC)

    async def preview(session: AsyncSession) -> list[Due]:
        from app.privacy import retention

        return await retention.due(session, now=now, months=months)

    if dry_run:
        found = in_transaction(preview)
        _show_due(found, months)
        return

    async def work(sessionmaker: async_sessionmaker[AsyncSession]) -> list[str]:
        from app import logs
        from app.privacy import retention

        logs.bind_request_id(logs.new_request_id())
        erased: list[str] = []
        while True:
            async with sessionmaker() as session, session.begin():
                batch = await retention.erase_due(session, now=now, months=months)
            erased += [str(ident) for ident in batch]
            if len(batch) < retention.BATCH:
                return erased

    erased = with_sessionmaker(work)
    for ident in erased:
        typer.echo(ident)
    typer.echo(f"erased the personal data of {len(erased)} referrals closed {months} months ago or longer")


def _show_due(found: list[Due], months: int) -> None:
    from collections import Counter

    for item in found:
        typer.echo(f"{item.id} {item.status:14} closed {item.gesloten_op:%Y-%m-%d}")
    by_status = Counter(item.status for item in found)
    summary = ", ".join(f"{status} {count}" for status, count in sorted(by_status.items()))
    typer.echo(
        f"would erase the personal data of {len(found)} referrals closed {months} months ago or longer"
        + (f" ({summary})" if summary else "")
    )


@cli.command("log")
def processing_log(
    doorverwijzing: Annotated[str, typer.Argument(help="The referral's id")],
) -> None:
    """Who read, changed, passed on or erased a referral's personal data: when, what and why."""
    import uuid

    try:
        ident = uuid.UUID(doorverwijzing)
    except ValueError:
        fail(f"DOORVERWIJZING must be a referral id (a UUID), not {doorverwijzing!r}")

    async def work(session: AsyncSession) -> list[Inzage] | None:
        from sqlalchemy import select

        from app.referrals import access
        from app.referrals.models import Doorverwijzing

        entries = await access.processing_log(session, ident)
        if (
            not entries
            and await session.scalar(select(Doorverwijzing.id).where(Doorverwijzing.id == ident)) is None
        ):
            return None
        return entries

    entries = in_transaction(work)
    if entries is None:
        fail(f"no referral {ident}")
    for entry in entries:
        typer.echo(
            f"{entry.tijdstip:%Y-%m-%dT%H:%M:%SZ}  {entry.organisatie:30}  {entry.actie:32}  "
            f"{entry.verwerkingsactiviteit:26}  {entry.grondslag}  trace={entry.trace_id or '-'}"
        )
    typer.echo(f"{len(entries)} processing entries")
