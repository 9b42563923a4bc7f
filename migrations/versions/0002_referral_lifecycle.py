"""referral lifecycle

Revision ID: 0002
Revises: cccb9a40801e
Create Date: 2026-11-29 09:04:25.367183
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0002"
down_revision: str | None = "cccb9a40801e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gebeurtenissen",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("doorverwijzing_id", sa.Uuid(), nullable=False),
        sa.Column("volgnummer", sa.Integer(), nullable=False),
        sa.Column("tijdstip", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("soort", sa.String(length=40), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("status_van", sa.String(length=30), nullable=True),
        sa.Column("status_naar", sa.String(length=30), nullable=True),
        sa.Column("gegevens", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["organisaties.id"], name=op.f("fk_gebeurtenissen_actor_id_organisaties")
        ),
        sa.ForeignKeyConstraint(
            ["doorverwijzing_id"],
            ["doorverwijzingen.id"],
            name=op.f("fk_gebeurtenissen_doorverwijzing_id_doorverwijzingen"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gebeurtenissen")),
        sa.UniqueConstraint(
            "doorverwijzing_id", "volgnummer", name=op.f("uq_gebeurtenissen_doorverwijzing_id_volgnummer")
        ),
    )
    op.create_table(
        "ontvangen_berichten",
        sa.Column("organisatie_id", sa.Uuid(), nullable=False),
        sa.Column("bericht_id", sa.Uuid(), nullable=False),
        sa.Column("soort", sa.String(length=40), nullable=False),
        sa.Column("inhoud_hash", sa.String(length=64), nullable=False),
        sa.Column("doorverwijzing_id", sa.Uuid(), nullable=False),
        sa.Column("ontvangen_op", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resultaat_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["doorverwijzing_id"],
            ["doorverwijzingen.id"],
            name=op.f("fk_ontvangen_berichten_doorverwijzing_id_doorverwijzingen"),
        ),
        sa.ForeignKeyConstraint(
            ["organisatie_id"],
            ["organisaties.id"],
            name=op.f("fk_ontvangen_berichten_organisatie_id_organisaties"),
        ),
        sa.PrimaryKeyConstraint("organisatie_id", "bericht_id", name=op.f("pk_ontvangen_berichten")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ontvanger_id", sa.Uuid(), nullable=False),
        sa.Column("doorverwijzing_id", sa.Uuid(), nullable=False),
        sa.Column("volgnummer", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=120), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("aangemaakt_op", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["doorverwijzing_id"],
            ["doorverwijzingen.id"],
            name=op.f("fk_outbox_doorverwijzing_id_doorverwijzingen"),
        ),
        sa.ForeignKeyConstraint(
            ["ontvanger_id"], ["organisaties.id"], name=op.f("fk_outbox_ontvanger_id_organisaties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_ontvanger_aangemaakt", ["ontvanger_id", "aangemaakt_op"], unique=False
        )

    op.create_table(
        "verlengingsverzoeken",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("doorverwijzing_id", sa.Uuid(), nullable=False),
        sa.Column("gevraagd_tot", sa.Date(), nullable=False),
        sa.Column("motivering", sa.String(length=1000), nullable=True),
        sa.Column("gevraagd_op", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("nieuwe_einddatum", sa.Date(), nullable=True),
        sa.Column("beantwoord_op", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["doorverwijzing_id"],
            ["doorverwijzingen.id"],
            name=op.f("fk_verlengingsverzoeken_doorverwijzing_id_doorverwijzingen"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verlengingsverzoeken")),
    )
    with op.batch_alter_table("verlengingsverzoeken", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_verlengingsverzoeken_doorverwijzing_id"), ["doorverwijzing_id"], unique=False
        )

    with op.batch_alter_table("doorverwijzingen", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actueel_adres", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("status_sinds", app.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("laatste_volgnummer", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("eerste_contactpoging_op", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("contact_gelegd_op", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("hulp_aangeboden_op", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("hulp_geaccepteerd_op", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("betalingsherstel_op", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("contacttermijn_verstreken_op", app.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("incassostop_herinnerd_op", app.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("incassostop_verlopen_op", app.db.UTCDateTime(timezone=True), nullable=True)
        )

    # referrals stored before this revision: their status dates from their receipt
    op.execute("UPDATE doorverwijzingen SET status_sinds = ontvangen_op WHERE status_sinds IS NULL")
    with op.batch_alter_table("doorverwijzingen", schema=None) as batch_op:
        batch_op.alter_column("status_sinds", existing_type=app.db.UTCDateTime(timezone=True), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("doorverwijzingen", schema=None) as batch_op:
        batch_op.drop_column("incassostop_verlopen_op")
        batch_op.drop_column("incassostop_herinnerd_op")
        batch_op.drop_column("contacttermijn_verstreken_op")
        batch_op.drop_column("betalingsherstel_op")
        batch_op.drop_column("hulp_geaccepteerd_op")
        batch_op.drop_column("hulp_aangeboden_op")
        batch_op.drop_column("contact_gelegd_op")
        batch_op.drop_column("eerste_contactpoging_op")
        batch_op.drop_column("laatste_volgnummer")
        batch_op.drop_column("status_sinds")
        batch_op.drop_column("actueel_adres")

    with op.batch_alter_table("verlengingsverzoeken", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verlengingsverzoeken_doorverwijzing_id"))

    op.drop_table("verlengingsverzoeken")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_ontvanger_aangemaakt")

    op.drop_table("outbox")
    op.drop_table("ontvangen_berichten")
    op.drop_table("gebeurtenissen")
