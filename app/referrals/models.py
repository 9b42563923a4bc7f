import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime
from app.privacy.columns import EncryptedJSON, EncryptedText


class Doorverwijzing(Base):
    """A stored referral. `bericht` and `actueel_adres` hold the personal data, encrypted at rest,
    and are erased (None) once the retention period after closing has passed (`gewist_op`);
    everything else is safe to count and stays."""

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
        Index("ix_doorverwijzingen_gesloten_op", "gesloten_op"),
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
    # the Doorverwijzing as received (JSON form); None once erased
    bericht: Mapped[dict[str, Any] | None] = mapped_column(
        EncryptedJSON("doorverwijzingen.bericht"), nullable=False
    )
    ontvangstbevestiging: Mapped[dict[str, Any]] = mapped_column(JSON)
    # the Schuldenknooppunt conversation the referral arrived in (answers go back in it)
    conversatie_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # the address reported by an uitvoerder when the resident had moved (re-routing)
    actueel_adres: Mapped[dict[str, Any] | None] = mapped_column(
        EncryptedJSON("doorverwijzingen.actueel_adres")
    )
    # what the figures keep of the message once it is erased (app/privacy/anonymous.py)
    soort_vaste_last: Mapped[str | None] = mapped_column(String(40))
    bedrag_klasse: Mapped[str | None] = mapped_column(String(12))

    status_sinds: Mapped[datetime] = mapped_column(UTCDateTime)
    # the moment its personal data was erased
    gewist_op: Mapped[datetime | None] = mapped_column(UTCDateTime)
    laatste_volgnummer: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # the moment the contact deadline and the working-day clocks count from: the receipt, or the
    # last re-routing (the collection hold always counts from the receipt). Always set; nullable in
    # the schema only because SQLite cannot tighten a column of a referenced table in place.
    klokken_vanaf: Mapped[datetime] = mapped_column(UTCDateTime, nullable=True)
    # milestones (Amsterdam dates) that the pilot's evaluation measures in working days
    opgepakt_op: Mapped[date | None] = mapped_column(Date)
    # the first contact attempt that keeps the contact promise (contact_promise.CONTACT_MET_INWONER)
    eerste_contactpoging_op: Mapped[date | None] = mapped_column(Date)
    contact_gelegd_op: Mapped[date | None] = mapped_column(Date)
    hulp_aangeboden_op: Mapped[date | None] = mapped_column(Date)
    hulp_geaccepteerd_op: Mapped[date | None] = mapped_column(Date)
    # the first day payments were reported resumed (every report: Betalingsherstelmelding)
    betalingsherstel_op: Mapped[date | None] = mapped_column(Date)
    # the day the referral closed or was withdrawn (the retention period runs from it), and the
    # reden (niet_opgepakt) or eindresultaat (afgesloten) it closed with: whether the contact
    # promise applied depends on them
    gesloten_op: Mapped[date | None] = mapped_column(Date)
    sluitreden: Mapped[str | None] = mapped_column(String(80))
    # timers: set once, by whichever worker claims them first
    contacttermijn_verstreken_op: Mapped[datetime | None] = mapped_column(UTCDateTime)
    incassostop_herinnerd_op: Mapped[datetime | None] = mapped_column(UTCDateTime)
    incassostop_verlopen_op: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def verwezen_gemeentecode(self) -> str:
        """The gemeente the creditor referred to (a re-routing does not change what it sees)."""
        return str(self.ontvangstbevestiging["gemeente"]["code"])


class Gebeurtenis(Base):
    """Append-only history of a referral: who did what, when. `gegevens` may be internal."""

    __tablename__ = "gebeurtenissen"
    __table_args__ = (UniqueConstraint("doorverwijzing_id", "volgnummer"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    doorverwijzing_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("doorverwijzingen.id"))
    volgnummer: Mapped[int] = mapped_column(Integer)
    tijdstip: Mapped[datetime] = mapped_column(UTCDateTime)
    soort: Mapped[str] = mapped_column(String(40))
    # None when the service itself acted (a timer)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisaties.id"))
    status_van: Mapped[str | None] = mapped_column(String(30))
    status_naar: Mapped[str | None] = mapped_column(String(30))
    # details, notes included: encrypted at rest, reduced to the anonymous ones once erased
    gegevens: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("gebeurtenissen.gegevens"), default=dict)


class Betalingsherstelmelding(Base):
    """One Betalingsherstel report of the creditor: payments resumed, arrears cleared, or not."""

    __tablename__ = "betalingsherstelmeldingen"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    doorverwijzing_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("doorverwijzingen.id"), index=True)
    soort: Mapped[str] = mapped_column(String(40))
    datum: Mapped[date] = mapped_column(Date)
    gemeld_op: Mapped[datetime] = mapped_column(UTCDateTime)


class IngrijpendeMaatregel(Base):
    """A drastic collection measure the creditor reported (disconnection, eviction, bailiff…)."""

    __tablename__ = "ingrijpende_maatregelen"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    doorverwijzing_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("doorverwijzingen.id"), index=True)
    maatregel: Mapped[str] = mapped_column(String(40))
    datum: Mapped[date] = mapped_column(Date)
    gemeld_op: Mapped[datetime] = mapped_column(UTCDateTime)
    # taken while the collection hold ran: accepted, and flagged as a breach of the hold
    tijdens_incassostop: Mapped[bool] = mapped_column(Boolean)


class VerzoekStatus(StrEnum):
    """An extension request waits for the creditor's answer, then is agreed or refused."""

    OPEN = "open"
    AKKOORD = "akkoord"
    AFGEWEZEN = "afgewezen"


class Verlengingsverzoek(Base):
    """An uitvoerder asks the creditor to extend the collection hold; the creditor answers."""

    __tablename__ = "verlengingsverzoeken"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    doorverwijzing_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("doorverwijzingen.id"), index=True)
    gevraagd_tot: Mapped[date] = mapped_column(Date)
    motivering: Mapped[str | None] = mapped_column(EncryptedText("verlengingsverzoeken.motivering"))
    gevraagd_op: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20))  # a VerzoekStatus
    nieuwe_einddatum: Mapped[date | None] = mapped_column(Date)
    beantwoord_op: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OntvangenBericht(Base):
    """Idempotency of lifecycle messages: the first answer to each (sender, berichtId)."""

    __tablename__ = "ontvangen_berichten"

    organisatie_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisaties.id"), primary_key=True)
    bericht_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    soort: Mapped[str] = mapped_column(String(40))
    inhoud_hash: Mapped[str] = mapped_column(String(64))
    doorverwijzing_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("doorverwijzingen.id"))
    ontvangen_op: Mapped[datetime] = mapped_column(UTCDateTime)
    # what the message created (an extension request), to answer a repeat with the same resource
    resultaat_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


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
    """Processing log (in the spirit of the Logboek Dataverwerkingen): who read, changed, passed
    on or erased a referral's personal data, when, and why. It holds ids and names of actions and
    activities only, never personal data itself."""

    __tablename__ = "verwerkingen"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)  # operation id
    tijdstip: Mapped[datetime] = mapped_column(UTCDateTime)
    # who: the organisation; None when the service itself acted (erasure after the retention period)
    organisatie_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisaties.id"))
    # the data subject link: one referral is about one resident
    doorverwijzing_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    actie: Mapped[str] = mapped_column(String(40))  # the operation (lezen, status melden, wissen, …)
    # why: the processing activity in the register (app/privacy/register.py) and its legal ground
    verwerkingsactiviteit: Mapped[str] = mapped_column(String(60), default="", server_default="")
    grondslag: Mapped[str] = mapped_column(String(200))
    # the request id (trace) of the work it was part of, as in the service's log lines
    trace_id: Mapped[str | None] = mapped_column(String(128))
