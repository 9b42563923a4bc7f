"""domain rules: the moment the clocks count from, the pick-up and closing milestones, every
payment recovery report, drastic collection measures

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 10:00:00.000000

Existing referrals are brought in line from their history: the clocks of a re-routed referral
count from its last re-routing; the first contact attempt counts only attempts that are contact
with the resident (not Administratief or Onbekend) or a report that the person was reached; a
closed referral gets the day it closed and its reason; every Betalingsherstel in the history
becomes a report, and betalingsherstel_op the first day payments were reported resumed.
"""

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import app.db
from app.privacy.columns import EncryptedJSON

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# as app/referrals/contact_promise.py CONTACT_MET_INWONER on the day of this migration
CONTACT_MET_INWONER = {
    "Afspraak op locatie",
    "Brief",
    "Huisbezoek",
    "Kaartje",
    "Mail",
    "Overige",
    "SMS/Whatsapp",
    "Telefoon",
}
HERSTEL = {"betalingen-hervat", "achterstand-ingelopen"}
OPGEPAKT_OF_VERDER = {"opgepakt", "contact_gelegd", "hulp_aangeboden", "hulp_geaccepteerd", "hulp_geweigerd"}
GESLOTEN = {"afgesloten", "niet_opgepakt", "niet_bereikt", "ingetrokken"}

doorverwijzingen = sa.table(
    "doorverwijzingen",
    sa.column("id", sa.Uuid()),
    sa.column("status", sa.String()),
    sa.column("ontvangen_op", app.db.UTCDateTime(timezone=True)),
    sa.column("status_sinds", app.db.UTCDateTime(timezone=True)),
    sa.column("klokken_vanaf", app.db.UTCDateTime(timezone=True)),
    sa.column("opgepakt_op", sa.Date()),
    sa.column("eerste_contactpoging_op", sa.Date()),
    sa.column("betalingsherstel_op", sa.Date()),
    sa.column("gesloten_op", sa.Date()),
    sa.column("sluitreden", sa.String()),
)
gebeurtenissen = sa.table(
    "gebeurtenissen",
    sa.column("doorverwijzing_id", sa.Uuid()),
    sa.column("volgnummer", sa.Integer()),
    sa.column("tijdstip", app.db.UTCDateTime(timezone=True)),
    sa.column("soort", sa.String()),
    sa.column("status_naar", sa.String()),
    # read through the service's column type: rows written after encryption came (a database taken
    # back below this revision and up again) are decrypted, plain rows are read as they are
    sa.column("gegevens", EncryptedJSON("gebeurtenissen.gegevens")),
)
betalingsherstelmeldingen = sa.table(
    "betalingsherstelmeldingen",
    sa.column("id", sa.Uuid()),
    sa.column("doorverwijzing_id", sa.Uuid()),
    sa.column("soort", sa.String()),
    sa.column("datum", sa.Date()),
    sa.column("gemeld_op", app.db.UTCDateTime(timezone=True)),
)


# Columns of doorverwijzingen are added and dropped in place, not in batch mode: on SQLite a batch
# would copy the table, and dropping the old copy fails on the rows that refer to it. For the same
# reason klokken_vanaf stays nullable in the schema (the service always sets it).
NEW_COLUMNS = ("klokken_vanaf", "opgepakt_op", "gesloten_op", "sluitreden")


def upgrade() -> None:
    op.add_column(
        "doorverwijzingen", sa.Column("klokken_vanaf", app.db.UTCDateTime(timezone=True), nullable=True)
    )
    op.add_column("doorverwijzingen", sa.Column("opgepakt_op", sa.Date(), nullable=True))
    op.add_column("doorverwijzingen", sa.Column("gesloten_op", sa.Date(), nullable=True))
    op.add_column("doorverwijzingen", sa.Column("sluitreden", sa.String(length=80), nullable=True))
    op.create_index("ix_doorverwijzingen_gesloten_op", "doorverwijzingen", ["gesloten_op"], unique=False)

    op.create_table(
        "betalingsherstelmeldingen",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("doorverwijzing_id", sa.Uuid(), nullable=False),
        sa.Column("soort", sa.String(length=40), nullable=False),
        sa.Column("datum", sa.Date(), nullable=False),
        sa.Column("gemeld_op", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["doorverwijzing_id"],
            ["doorverwijzingen.id"],
            name=op.f("fk_betalingsherstelmeldingen_doorverwijzing_id_doorverwijzingen"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_betalingsherstelmeldingen")),
    )
    with op.batch_alter_table("betalingsherstelmeldingen", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_betalingsherstelmeldingen_doorverwijzing_id"), ["doorverwijzing_id"], unique=False
        )

    op.create_table(
        "ingrijpende_maatregelen",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("doorverwijzing_id", sa.Uuid(), nullable=False),
        sa.Column("maatregel", sa.String(length=40), nullable=False),
        sa.Column("datum", sa.Date(), nullable=False),
        sa.Column("gemeld_op", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tijdens_incassostop", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["doorverwijzing_id"],
            ["doorverwijzingen.id"],
            name=op.f("fk_ingrijpende_maatregelen_doorverwijzing_id_doorverwijzingen"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingrijpende_maatregelen")),
    )
    with op.batch_alter_table("ingrijpende_maatregelen", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ingrijpende_maatregelen_doorverwijzing_id"), ["doorverwijzing_id"], unique=False
        )

    _bring_existing_referrals_in_line(op.get_bind())


def _day(moment: datetime) -> date:
    return moment.astimezone(AMSTERDAM).date()


def _bring_existing_referrals_in_line(connection: sa.Connection) -> None:
    referrals = connection.execute(sa.select(doorverwijzingen)).mappings().all()
    for referral in referrals:
        history = connection.execute(
            sa.select(gebeurtenissen)
            .where(gebeurtenissen.c.doorverwijzing_id == referral["id"])
            .order_by(gebeurtenissen.c.volgnummer)
        ).mappings()
        replay = _Replay(referral)
        for entry in history:
            replay.step(entry)
        for report in replay.reports:
            connection.execute(sa.insert(betalingsherstelmeldingen).values(**report))
        connection.execute(
            sa.update(doorverwijzingen)
            .where(doorverwijzingen.c.id == referral["id"])
            .values(**replay.columns())
        )


class _Replay:
    """The new columns of one referral, and its payment recovery reports, from its history."""

    def __init__(self, referral: Any) -> None:
        self.referral = referral
        self.klokken_vanaf: datetime = referral["ontvangen_op"]
        self.opgepakt_op: date | None = None
        self.eerste_contact: date | None = None
        self.herstel_op: date | None = None
        self.sluitreden: str | None = None
        self.attempt_at: datetime | None = None  # a status in the same message follows its attempt
        self.reports: list[dict[str, Any]] = []

    def step(self, entry: Any) -> None:
        gegevens, soort = entry["gegevens"] or {}, entry["soort"]
        if soort == "heringedeeld":
            self.klokken_vanaf, self.opgepakt_op, self.eerste_contact = entry["tijdstip"], None, None
        elif soort == "contactpoging":
            self.attempt_at = entry["tijdstip"]
            if gegevens.get("soort") in CONTACT_MET_INWONER:
                self._contact(date.fromisoformat(gegevens["datum"]))
        elif soort == "status-gewijzigd":
            self._status(entry, gegevens)
        elif soort == "ingetrokken":
            self.sluitreden = gegevens.get("reden")
        elif soort == "betalingsherstel":
            self._betalingsherstel(entry, gegevens)

    def _contact(self, day: date) -> None:
        self.eerste_contact = min(self.eerste_contact or day, day)

    def _status(self, entry: Any, gegevens: dict[str, Any]) -> None:
        day, naar = _day(entry["tijdstip"]), entry["status_naar"]
        if naar in OPGEPAKT_OF_VERDER:
            given = gegevens.get("datumOpgepakt")
            self.opgepakt_op = date.fromisoformat(given) if given else self.opgepakt_op or day
        if naar == "contact_gelegd" and self.attempt_at != entry["tijdstip"]:
            self.eerste_contact = self.eerste_contact or day
        if naar in GESLOTEN:
            self.sluitreden = gegevens.get("reden") or gegevens.get("eindresultaat")

    def _betalingsherstel(self, entry: Any, gegevens: dict[str, Any]) -> None:
        datum = date.fromisoformat(gegevens["datum"])
        self.reports.append(
            {
                "id": uuid.uuid4(),
                "doorverwijzing_id": self.referral["id"],
                "soort": gegevens["soort"],
                "datum": datum,
                "gemeld_op": entry["tijdstip"],
            }
        )
        if gegevens["soort"] in HERSTEL:
            self.herstel_op = min(self.herstel_op or datum, datum)

    def columns(self) -> dict[str, Any]:
        closed = self.referral["status"] in GESLOTEN
        return {
            "klokken_vanaf": self.klokken_vanaf,
            "opgepakt_op": self.opgepakt_op,
            "eerste_contactpoging_op": self.eerste_contact,
            "betalingsherstel_op": self.herstel_op,
            "gesloten_op": _day(self.referral["status_sinds"]) if closed else None,
            "sluitreden": self.sluitreden if closed else None,
        }


def downgrade() -> None:
    with op.batch_alter_table("ingrijpende_maatregelen", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ingrijpende_maatregelen_doorverwijzing_id"))
    op.drop_table("ingrijpende_maatregelen")
    with op.batch_alter_table("betalingsherstelmeldingen", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_betalingsherstelmeldingen_doorverwijzing_id"))
    op.drop_table("betalingsherstelmeldingen")
    op.drop_index("ix_doorverwijzingen_gesloten_op", table_name="doorverwijzingen")
    for column in reversed(NEW_COLUMNS):
        op.drop_column("doorverwijzingen", column)
