from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime


class TabelStatus(StrEnum):
    """A table is loaded, then made the active one in the same transaction; the one it replaces
    is kept, to explain the referrals routed with it."""

    LADEN = "laden"
    ACTIEF = "actief"
    VERVANGEN = "vervangen"


class Routeringstabel(Base):
    """One imported version of the routing table; exactly one is `actief` once data is loaded."""

    __tablename__ = "routeringstabellen"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    versie: Mapped[str] = mapped_column(String(80), unique=True)
    peildatum: Mapped[date] = mapped_column(Date)
    bron: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))  # a TabelStatus
    aantal_regels: Mapped[int] = mapped_column(Integer, default=0)
    aangemaakt_op: Mapped[datetime] = mapped_column(UTCDateTime)


class Routeringsregel(Base):
    __tablename__ = "routeringsregels"

    tabel_id: Mapped[int] = mapped_column(
        ForeignKey("routeringstabellen.id", ondelete="CASCADE"), primary_key=True
    )
    sleutel: Mapped[str] = mapped_column(String(16), primary_key=True)
    gemeentecode: Mapped[str] = mapped_column(String(4))
    aandeel: Mapped[float] = mapped_column(Float)


class Gemeente(Base):
    __tablename__ = "gemeenten"

    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    naam: Mapped[str] = mapped_column(String(100))
    provincie: Mapped[str] = mapped_column(String(40))


class Herindeling(Base):
    """A gemeente merged away (or split) on `datum`; routing maps its code to the successor."""

    __tablename__ = "herindelingen"

    oude_code: Mapped[str] = mapped_column(String(4), primary_key=True)
    nieuwe_code: Mapped[str] = mapped_column(String(4), primary_key=True)
    datum: Mapped[date] = mapped_column(Date)
    oude_naam: Mapped[str] = mapped_column(String(100))
    adressen: Mapped[int] = mapped_column(Integer, default=0)
