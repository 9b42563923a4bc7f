import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, UniqueConstraint, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime


class Doorverwijzing(Base):
    """A stored referral. `bericht` holds the personal data; everything else is safe to count."""

    __tablename__ = "doorverwijzingen"
    __table_args__ = (
        UniqueConstraint("schuldeiser_id", "bericht_id"),
        # one open referral per creditor dossier, enforced by the database
        Index(
            "uq_doorverwijzingen_open_referentie",
            "schuldeiser_id",
            "referentie",
            unique=True,
            sqlite_where=text("is_open"),
            postgresql_where=text("is_open"),
        ),
        Index("ix_doorverwijzingen_uitvoerder_ontvangen", "uitvoerder_id", "ontvangen_op"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    schuldeiser_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisaties.id"))
    bericht_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    inhoud_hash: Mapped[str] = mapped_column(String(64))
    referentie: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(30))
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    gemeentecode: Mapped[str] = mapped_column(String(4), index=True)
    uitvoerder_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisaties.id"))
    ontvangen_op: Mapped[datetime] = mapped_column(UTCDateTime)
    incassostop_tot: Mapped[date] = mapped_column(Date)
    contact_uiterlijk: Mapped[date] = mapped_column(Date)
    crisissignaal: Mapped[bool] = mapped_column(Boolean)
    routering: Mapped[dict[str, Any]] = mapped_column(JSON)
    bericht: Mapped[dict[str, Any]] = mapped_column(JSON)
    ontvangstbevestiging: Mapped[dict[str, Any]] = mapped_column(JSON)


class Afwijzing(Base):
    """An unroutable referral, kept without personal data so the programme office sees the gaps."""

    __tablename__ = "afwijzingen"
    __table_args__ = (UniqueConstraint("schuldeiser_id", "bericht_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    schuldeiser_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisaties.id"))
    bericht_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    dag: Mapped[date] = mapped_column(Date)
    gemeentecode: Mapped[str | None] = mapped_column(String(4))
    reden: Mapped[str] = mapped_column(String(40))


class Verwerking(Base):
    """Processing log (Logboek Dataverwerkingen): who read or changed personal data, when, why."""

    __tablename__ = "verwerkingen"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tijdstip: Mapped[datetime] = mapped_column(UTCDateTime)
    organisatie_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisaties.id"))
    doorverwijzing_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    actie: Mapped[str] = mapped_column(String(40))
    grondslag: Mapped[str] = mapped_column(String(200))
