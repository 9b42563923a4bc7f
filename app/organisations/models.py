import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime


class Rol(StrEnum):
    SCHULDEISER = "schuldeiser"
    UITVOERDER = "uitvoerder"


class Kanaal(StrEnum):
    """How an organisation exchanges messages: an uitvoerder receives referrals by webhook or
    mailbox (both always available through the API), or in Vroegsignalering or through the
    Schuldenknooppunt; a creditor sends through the API or the Schuldenknooppunt."""

    API = "api"
    VROEGSIGNALERING = "vroegsignalering"
    SCHULDENKNOOPPUNT = "schuldenknooppunt"


class Organisatie(Base):
    __tablename__ = "organisaties"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    naam: Mapped[str] = mapped_column(String(200))
    rol: Mapped[str] = mapped_column(String(20))
    oin: Mapped[str | None] = mapped_column(String(20), unique=True)
    kvk_nummer: Mapped[str | None] = mapped_column(String(8), unique=True)
    # the kind of creditor (DDAS EnumSignaalpartner: Water, Energie, Huur, Zorg, ...)
    signaalpartner: Mapped[str | None] = mapped_column(String(40))
    aangemaakt_op: Mapped[datetime] = mapped_column(UTCDateTime)
    kanaal: Mapped[str] = mapped_column(String(20), default=Kanaal.API.value, server_default=Kanaal.API.value)
    # the organisation's address on its channel: participant code at the hub, or its
    # organisation code in Vroegsignalering
    kanaal_adres: Mapped[str | None] = mapped_column(String(40), unique=True)


class ApiSleutel(Base):
    """An API key, stored only as its SHA-256; the prefix lets an operator tell keys apart. A key
    is refused once revoked or from `geldig_tot` on."""

    __tablename__ = "api_sleutels"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organisatie_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisaties.id"), index=True)
    sleutel_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    omschrijving: Mapped[str] = mapped_column(String(200), default="")
    aangemaakt_op: Mapped[datetime] = mapped_column(UTCDateTime)
    ingetrokken_op: Mapped[datetime | None] = mapped_column(UTCDateTime)
    geldig_tot: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # recorded at most once a minute, so a busy key does not write on every request
    laatst_gebruikt_op: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Dekking(Base):
    """Coverage register: this uitvoerder does debt help for this gemeente in this period."""

    __tablename__ = "dekking"
    __table_args__ = (Index("ix_dekking_gemeente_vanaf", "gemeentecode", "geldig_vanaf"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    uitvoerder_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisaties.id"), index=True)
    gemeentecode: Mapped[str] = mapped_column(String(4))
    geldig_vanaf: Mapped[date] = mapped_column(Date)
    geldig_tot: Mapped[date | None] = mapped_column(Date)
