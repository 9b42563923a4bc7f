import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime
from app.logs import current_request_id


class Uitgaand(Base):
    """One event for one receiving organisation, written in the transaction of the change.

    `data` is thin (ids, type, status, gemeentecode): no name, BSN, address or free text. The row
    is the organisation's mailbox entry until it is confirmed, and the source of its webhook
    deliveries once the worker has fanned it out.
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
    # None for a test event that belongs to no referral
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


class Abonnement(Base):
    """A webhook subscription of an organisation. The secret is kept to sign with (`whsec_…`)."""

    __tablename__ = "webhook_abonnementen"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organisatie_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisaties.id"), index=True)
    # webhook, or a peer channel (vroegsignalering, schuldenknooppunt) delivered the same way
    soort: Mapped[str] = mapped_column(String(20), default="webhook", server_default="webhook")
    url: Mapped[str] = mapped_column(String(2000))
    # event types (the part after the prefix, e.g. "status-gewijzigd"); empty means all
    soorten: Mapped[list[str]] = mapped_column(JSON, default=list)
    secret: Mapped[str] = mapped_column(String(100))
    # during a rotation the previous secret signs too, until `vorig_secret_tot`
    vorig_secret: Mapped[str | None] = mapped_column(String(100))
    vorig_secret_tot: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actief: Mapped[bool] = mapped_column(Boolean, default=True)
    uitgeschakeld_reden: Mapped[str | None] = mapped_column(String(300))
    # first failure since the last success; a subscription failing for days is disabled
    falend_sinds: Mapped[datetime | None] = mapped_column(UTCDateTime)
    aangemaakt_op: Mapped[datetime] = mapped_column(UTCDateTime)


class Bezorging(Base):
    """The delivery of one event to one subscription, retried on a schedule until it succeeds."""

    __tablename__ = "bezorgingen"
    __table_args__ = (
        UniqueConstraint("uitgaand_id", "abonnement_id"),
        Index("ix_bezorgingen_te_doen", "status", "volgende_poging_op"),
        Index("ix_bezorgingen_volgorde", "abonnement_id", "doorverwijzing_id", "volgnummer"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    uitgaand_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outbox.id"))
    abonnement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_abonnementen.id", ondelete="CASCADE")
    )
    # copied from the event, to keep the order per referral cheaply
    doorverwijzing_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    volgnummer: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # wachtend | bezig | afgeleverd | mislukt
    pogingen: Mapped[int] = mapped_column(Integer, default=0)
    volgende_poging_op: Mapped[datetime] = mapped_column(UTCDateTime)
    geclaimd_tot: Mapped[datetime | None] = mapped_column(UTCDateTime)
    laatste_fout: Mapped[str | None] = mapped_column(String(500))
    aangemaakt_op: Mapped[datetime] = mapped_column(UTCDateTime)
    afgeleverd_op: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Bezorgpoging(Base):
    """Every attempt, kept for the operator: status code, duration and a capped excerpt."""

    __tablename__ = "bezorgpogingen"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    bezorging_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("bezorgingen.id", ondelete="CASCADE"), index=True
    )
    tijdstip: Mapped[datetime] = mapped_column(UTCDateTime)
    statuscode: Mapped[int | None] = mapped_column(Integer)
    duur_ms: Mapped[int] = mapped_column(Integer)
    antwoord: Mapped[str | None] = mapped_column(Text)
    fout: Mapped[str | None] = mapped_column(String(500))
