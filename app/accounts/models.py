import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime


class Rol(StrEnum):
    """What a person may do for an organisation. API keys stay for systems; these are people."""

    MEDEWERKER = "medewerker"  # staff: refers customers (creditor) or works the queue (uitvoerder)
    BEHEERDER = "beheerder"  # administrator: staff work plus users, API keys and webhooks
    # the programme office: aggregate figures only, never a referral; belongs to no organisation
    EVALUATOR = "evaluator"


class Gebruiker(Base):
    """A person with a login. The password is kept only as an argon2 hash."""

    __tablename__ = "gebruikers"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # the login name, stored lower-case
    email: Mapped[str] = mapped_column(String(254), unique=True)
    naam: Mapped[str] = mapped_column(String(200))
    wachtwoord_hash: Mapped[str] = mapped_column(String(200))
    actief: Mapped[bool] = mapped_column(Boolean, default=True)
    aangemaakt_op: Mapped[datetime] = mapped_column(UTCDateTime)
    laatst_ingelogd_op: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Lidmaatschap(Base):
    """A person's role at one organisation (none for the programme office's evaluators)."""

    __tablename__ = "lidmaatschappen"
    __table_args__ = (Index("ix_lidmaatschappen_organisatie", "organisatie_id", "actief"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    gebruiker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("gebruikers.id"), index=True)
    organisatie_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisaties.id"))
    rol: Mapped[str] = mapped_column(String(20))
    actief: Mapped[bool] = mapped_column(Boolean, default=True)
    aangemaakt_op: Mapped[datetime] = mapped_column(UTCDateTime)
    gedeactiveerd_op: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Sessie(Base):
    """A browser session, kept server-side. The cookie holds a random token; only its SHA-256 is
    stored. Before login a session has no person: it carries the login form's CSRF token."""

    __tablename__ = "sessies"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    gebruiker_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("gebruikers.id"), index=True)
    lidmaatschap_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("lidmaatschappen.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    aangemaakt_op: Mapped[datetime] = mapped_column(UTCDateTime)
    laatst_gebruikt_op: Mapped[datetime] = mapped_column(UTCDateTime)
    verloopt_op: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Inlogpoging(Base):
    """A login attempt, for throttling per account and per client address. `account` is the
    typed login name (lower-case), known or not, so a refusal never tells whether it exists."""

    __tablename__ = "inlogpogingen"
    __table_args__ = (
        Index("ix_inlogpogingen_account", "account", "tijdstip"),
        Index("ix_inlogpogingen_adres", "adres", "tijdstip"),
        Index("ix_inlogpogingen_tijdstip", "tijdstip"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tijdstip: Mapped[datetime] = mapped_column(UTCDateTime)
    account: Mapped[str] = mapped_column(String(254))
    adres: Mapped[str] = mapped_column(String(64))
    gelukt: Mapped[bool] = mapped_column(Boolean)
