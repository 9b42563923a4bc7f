"""The transactional outbox: the one table every outgoing event is written to, the vocabulary of
event types, and `enqueue()`, through which referrals and peers write in the caller's transaction.

One convention for what an event carries: `data` is thin. An event about a referral carries the
referral's id, the status the receiver may see, the gemeentecode and the volgnummer of the history
entry it reports; never a name, BSN, address or free text. The receiver fetches details behind
`dataref` with its own credentials, and a peer channel builds the peer's message from the referral
when it sends. An answer to a message that came in through the Schuldenknooppunt also carries the
conversation and the message it answers (`conversatieReferentienummer`, `inReactieOp`); a
Foutbericht carries its problem details, since no referral exists to build it from (problems never
hold personal data).
"""

import uuid
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Uuid, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime
from app.logs import current_request_id

EVENT_TYPE_PREFIX = "nl.schuldhulp.warme-doorverwijzing."


class EventType(StrEnum):
    """Kinds of history entries, which are also the event types sent out."""

    ONTVANGEN = "ontvangen"
    STATUS_GEWIJZIGD = "status-gewijzigd"
    CONTACTPOGING = "contactpoging"
    HERINGEDEELD = "heringedeeld"
    INGETROKKEN = "ingetrokken"
    BETALINGSHERSTEL = "betalingsherstel"
    INGRIJPENDE_MAATREGEL = "ingrijpende-maatregel"
    VERLENGING_GEVRAAGD = "verlenging-gevraagd"
    VERLENGING_BEANTWOORD = "verlenging-beantwoord"
    CONTACTTERMIJN_VERSTREKEN = "contacttermijn-verstreken"
    INCASSOSTOP_VERLOOPT_BINNENKORT = "incassostop-verloopt-binnenkort"
    INCASSOSTOP_VERLOPEN = "incassostop-verlopen"

    @property
    def type(self) -> str:
        """The CloudEvents `type` (reverse DNS, no organisation names)."""
        return EVENT_TYPE_PREFIX + self.value


class AnswerType(StrEnum):
    """Events that report no history entry: the answers a creditor at the Schuldenknooppunt is
    sent for the messages it sent there, and the test event of a webhook subscription."""

    ONTVANGSTBEVESTIGING = "ontvangstbevestiging"
    FOUTBERICHT = "foutbericht"
    TERUGMELDING = "terugmelding"
    TEST = "test"

    @property
    def type(self) -> str:
        return EVENT_TYPE_PREFIX + self.value


def kind_of(event_type: str) -> EventType | AnswerType:
    """The vocabulary entry of a CloudEvents type written by this service."""
    name = event_type.removeprefix(EVENT_TYPE_PREFIX)
    try:
        return EventType(name)
    except ValueError:
        return AnswerType(name)


class Uitgaand(Base):
    """One event for one receiving organisation, written in the transaction of the change.

    The row is the organisation's mailbox entry until it is confirmed, and the source of its
    webhook and peer deliveries once the worker has fanned it out.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_ontvanger_open", "ontvanger_id", "aangemaakt_op", "id"),
        Index(
            "ix_outbox_te_verdelen",
            "verdeeld",
            sqlite_where=text("NOT verdeeld"),
            postgresql_where=text("NOT verdeeld"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    ontvanger_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisaties.id"))
    # None for an event that belongs to no referral (a test event, a refused referral's Foutbericht)
    doorverwijzing_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("doorverwijzingen.id"))
    volgnummer: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(120))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # the path the receiver fetches details from, with its own credentials
    dataref: Mapped[str | None] = mapped_column(String(200))
    aangemaakt_op: Mapped[datetime] = mapped_column(UTCDateTime)
    verdeeld: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    bevestigd_op: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the request that wrote the event, so the worker's log lines about it can be traced back
    request_id: Mapped[str | None] = mapped_column(String(128), default=current_request_id)

    @property
    def kind(self) -> EventType | AnswerType:
        return kind_of(self.type)


def enqueue(
    session: AsyncSession,
    *,
    ontvanger_id: uuid.UUID,
    soort: EventType | AnswerType,
    now: datetime,
    doorverwijzing_id: uuid.UUID | None = None,
    volgnummer: int = 0,
    status: str | None = None,
    gemeentecode: str | None = None,
    dataref: str | None = None,
    extra: Mapping[str, Any] | None = None,
    event_id: uuid.UUID | None = None,
) -> Uitgaand:
    """Write one event for one receiver in the caller's transaction (see the module's convention).

    `extra` is for the answers to hub messages only (conversation, answered message, problem)."""
    data: dict[str, Any] = {}
    if doorverwijzing_id is not None:
        data["doorverwijzingId"] = str(doorverwijzing_id)
    if status is not None:
        data["status"] = status
    if gemeentecode is not None:
        data["gemeentecode"] = gemeentecode
    if doorverwijzing_id is not None:
        data["volgnummer"] = volgnummer
    data |= dict(extra or {})
    event = Uitgaand(
        id=event_id or uuid.uuid4(),
        ontvanger_id=ontvanger_id,
        doorverwijzing_id=doorverwijzing_id,
        volgnummer=volgnummer,
        type=soort.type,
        data=data,
        dataref=dataref,
        aangemaakt_op=now,
        verdeeld=False,
    )
    session.add(event)
    return event


def confirm(event: Uitgaand, *, now: datetime) -> bool:
    """Mark an event as received by its receiver; True the first time."""
    if event.bevestigd_op is not None:
        return False
    event.bevestigd_op = now
    return True
