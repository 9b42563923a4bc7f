"""Webhook and peer-channel subscriptions, the deliveries of outbox events to them, and every attempt."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime


class Abonnement(Base):
    """A subscription of an organisation to its events on one channel: a webhook (the secret is kept
    to sign with, `whsec_…`), or the peer system the organisation works in."""

    __tablename__ = "webhook_abonnementen"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organisatie_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisaties.id"), index=True)
    # the delivery channel: webhook, or a peer (vroegsignalering, schuldenknooppunt)
    kanaal: Mapped[str] = mapped_column(String(20), default="webhook", server_default="webhook")
    url: Mapped[str] = mapped_column(String(2000))
    # EventType values (e.g. "status-gewijzigd") to deliver; empty means all
    event_types: Mapped[list[str]] = mapped_column(JSON, default=list)
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
    status: Mapped[str] = mapped_column(String(20))  # a BezorgStatus (app/delivery/states.py)
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
