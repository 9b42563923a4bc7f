"""Re-encrypting personal data under the current data key (`wdv keys rotate-data-key`), and a
census of which key each stored value is under (`wdv keys status`).

Every column of an encrypted type is visited in batches of rows not yet under the current key
(rows stored in plain text before encryption was introduced included); each batch is its own
transaction, so the work can be interrupted and started again where it stopped. A row is written
back only if it is still as it was read: a change or an erasure made meanwhile is never undone.
"""

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, ColumnElement, MetaData, Table, Text, and_, cast, func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.privacy import crypto, keys
from app.privacy.columns import ENCRYPTED_TYPES, EncryptedJSON, EncryptedText

BATCH = 500
PLAIN = "(plain)"
HEAD = 48  # enough of the stored text to hold the version and any key id


@dataclass(frozen=True)
class EncryptedColumn:
    table: Table
    column: Column[Any]

    @property
    def name(self) -> str:
        return f"{self.table.name}.{self.column.name}"

    @property
    def type(self) -> EncryptedJSON | EncryptedText:
        found = self.column.type
        assert isinstance(found, ENCRYPTED_TYPES)
        return found

    @property
    def key(self) -> Column[Any]:
        (primary,) = self.table.primary_key.columns
        return primary

    def stored(self) -> ColumnElement[str]:
        """The text the database holds (not decrypted)."""
        return cast(self.column, Text)

    def holds_data(self) -> ColumnElement[bool]:
        return and_(self.column.is_not(None), self.stored() != "null")

    def _head(self, key_id: str) -> tuple[ColumnElement[str], str]:
        wanted = self.type.raw_prefix(key_id)
        return func.substr(self.stored(), 1, len(wanted)), wanted

    def under(self, key_id: str) -> ColumnElement[bool]:
        head, wanted = self._head(key_id)
        return and_(self.holds_data(), head == wanted)

    def not_under(self, key_id: str) -> ColumnElement[bool]:
        head, wanted = self._head(key_id)
        return and_(self.holds_data(), head != wanted)


def encrypted_columns(metadata: MetaData) -> list[EncryptedColumn]:
    return [
        EncryptedColumn(table, column)
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, ENCRYPTED_TYPES)
    ]


def key_of(stored: str) -> str:
    """The key id stored text is under, or PLAIN (written before encryption)."""
    found = crypto.SEALED_HEAD.match(stored.removeprefix('"'))
    return found.group(1) if found else PLAIN


async def census(session: AsyncSession, metadata: MetaData) -> dict[str, Counter[str]]:
    """Per column, how many values are under each key id (PLAIN: not encrypted yet)."""
    current = keys.installed().current.id
    result: dict[str, Counter[str]] = {}
    for found in encrypted_columns(metadata):
        counts: Counter[str] = Counter()
        on_current = await session.scalar(
            select(func.count()).select_from(found.table).where(found.under(current))
        )
        if on_current:
            counts[current] = int(on_current)
        rest = await session.scalars(
            select(func.substr(found.stored(), 1, HEAD)).where(found.not_under(current))
        )
        counts.update(key_of(head) for head in rest)
        result[found.name] = counts
    return result


def unknown_keys(counts: dict[str, Counter[str]]) -> dict[str, list[str]]:
    """Per column, the key ids values are under that the keyring does not hold."""
    known = set(keys.installed().ids) | {PLAIN}
    return {name: sorted(set(found) - known) for name, found in counts.items() if set(found) - known}


Progress = Callable[[str, int, int], Awaitable[None] | None]


async def _count(sessionmaker: async_sessionmaker[AsyncSession], found: EncryptedColumn, key_id: str) -> int:
    async with sessionmaker() as session:
        total = await session.scalar(
            select(func.count()).select_from(found.table).where(found.not_under(key_id))
        )
    return int(total or 0)


async def rotate(
    sessionmaker: async_sessionmaker[AsyncSession],
    metadata: MetaData,
    *,
    batch: int = BATCH,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Re-encrypt every value not under the current key; returns how many per column. Resumable:
    each batch commits, and a new run starts from whatever is left."""
    current = keys.installed().current.id
    done: dict[str, int] = {}
    for found in encrypted_columns(metadata):
        total = await _count(sessionmaker, found, current)
        done[found.name] = 0
        after: Any = None
        while True:
            async with sessionmaker() as session, session.begin():
                query = select(found.key, found.stored()).where(found.not_under(current))
                if after is not None:
                    query = query.where(found.key > after)
                rows = (await session.execute(query.order_by(found.key).limit(batch))).all()
                for ident, stored in rows:
                    written = await session.execute(
                        update(found.table)
                        .where(found.key == ident, found.stored() == stored)
                        .values({found.column.name: found.type.from_stored(stored)})
                    )
                    assert isinstance(written, CursorResult)
                    done[found.name] += written.rowcount
            if progress is not None and rows:
                reported = progress(found.name, done[found.name], total)
                if reported is not None:
                    await reported
            if len(rows) < batch:
                break
            after = rows[-1][0]
    return done
