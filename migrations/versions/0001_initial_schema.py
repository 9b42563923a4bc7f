"""initial schema

Revision ID: cccb9a40801e
Revises:
Create Date: 2026-11-29 08:50:20.864644
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "cccb9a40801e"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gemeenten",
        sa.Column("code", sa.String(length=4), nullable=False),
        sa.Column("naam", sa.String(length=100), nullable=False),
        sa.Column("provincie", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_gemeenten")),
    )
    op.create_table(
        "herindelingen",
        sa.Column("oude_code", sa.String(length=4), nullable=False),
        sa.Column("nieuwe_code", sa.String(length=4), nullable=False),
        sa.Column("datum", sa.Date(), nullable=False),
        sa.Column("oude_naam", sa.String(length=100), nullable=False),
        sa.Column("adressen", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("oude_code", "nieuwe_code", name=op.f("pk_herindelingen")),
    )
    op.create_table(
        "organisaties",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("naam", sa.String(length=200), nullable=False),
        sa.Column("rol", sa.String(length=20), nullable=False),
        sa.Column("oin", sa.String(length=20), nullable=True),
        sa.Column("kvk_nummer", sa.String(length=8), nullable=True),
        sa.Column("soort", sa.String(length=40), nullable=True),
        sa.Column("aangemaakt_op", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisaties")),
        sa.UniqueConstraint("kvk_nummer", name=op.f("uq_organisaties_kvk_nummer")),
        sa.UniqueConstraint("oin", name=op.f("uq_organisaties_oin")),
    )
    op.create_table(
        "routeringstabellen",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("versie", sa.String(length=80), nullable=False),
        sa.Column("peildatum", sa.Date(), nullable=False),
        sa.Column("bron", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("aantal_regels", sa.Integer(), nullable=False),
        sa.Column("aangemaakt_op", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routeringstabellen")),
        sa.UniqueConstraint("versie", name=op.f("uq_routeringstabellen_versie")),
    )
    op.create_table(
        "afwijzingen",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("schuldeiser_id", sa.Uuid(), nullable=False),
        sa.Column("bericht_id", sa.Uuid(), nullable=False),
        sa.Column("dag", sa.Date(), nullable=False),
        sa.Column("gemeentecode", sa.String(length=4), nullable=True),
        sa.Column("reden", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["schuldeiser_id"],
            ["organisaties.id"],
            name=op.f("fk_afwijzingen_schuldeiser_id_organisaties"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_afwijzingen")),
        sa.UniqueConstraint(
            "schuldeiser_id", "bericht_id", name=op.f("uq_afwijzingen_schuldeiser_id_bericht_id")
        ),
    )
    op.create_table(
        "api_sleutels",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisatie_id", sa.Uuid(), nullable=False),
        sa.Column("sleutel_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("omschrijving", sa.String(length=200), nullable=False),
        sa.Column("aangemaakt_op", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ingetrokken_op", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisatie_id"],
            ["organisaties.id"],
            name=op.f("fk_api_sleutels_organisatie_id_organisaties"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_sleutels")),
        sa.UniqueConstraint("sleutel_hash", name=op.f("uq_api_sleutels_sleutel_hash")),
    )
    with op.batch_alter_table("api_sleutels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_sleutels_organisatie_id"), ["organisatie_id"], unique=False)

    op.create_table(
        "dekking",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("uitvoerder_id", sa.Uuid(), nullable=False),
        sa.Column("gemeentecode", sa.String(length=4), nullable=False),
        sa.Column("geldig_vanaf", sa.Date(), nullable=False),
        sa.Column("geldig_tot", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["uitvoerder_id"],
            ["organisaties.id"],
            name=op.f("fk_dekking_uitvoerder_id_organisaties"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dekking")),
    )
    with op.batch_alter_table("dekking", schema=None) as batch_op:
        batch_op.create_index("ix_dekking_gemeente_vanaf", ["gemeentecode", "geldig_vanaf"], unique=False)
        batch_op.create_index(batch_op.f("ix_dekking_uitvoerder_id"), ["uitvoerder_id"], unique=False)

    op.create_table(
        "doorverwijzingen",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("schuldeiser_id", sa.Uuid(), nullable=False),
        sa.Column("bericht_id", sa.Uuid(), nullable=False),
        sa.Column("inhoud_hash", sa.String(length=64), nullable=False),
        sa.Column("referentie", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("gemeentecode", sa.String(length=4), nullable=False),
        sa.Column("uitvoerder_id", sa.Uuid(), nullable=False),
        sa.Column("ontvangen_op", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("incassostop_tot", sa.Date(), nullable=False),
        sa.Column("contact_uiterlijk", sa.Date(), nullable=False),
        sa.Column("crisissignaal", sa.Boolean(), nullable=False),
        sa.Column("routering", sa.JSON(), nullable=False),
        sa.Column("bericht", sa.JSON(), nullable=False),
        sa.Column("ontvangstbevestiging", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["schuldeiser_id"],
            ["organisaties.id"],
            name=op.f("fk_doorverwijzingen_schuldeiser_id_organisaties"),
        ),
        sa.ForeignKeyConstraint(
            ["uitvoerder_id"],
            ["organisaties.id"],
            name=op.f("fk_doorverwijzingen_uitvoerder_id_organisaties"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_doorverwijzingen")),
        sa.UniqueConstraint(
            "schuldeiser_id",
            "bericht_id",
            name=op.f("uq_doorverwijzingen_schuldeiser_id_bericht_id"),
        ),
    )
    with op.batch_alter_table("doorverwijzingen", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_doorverwijzingen_gemeentecode"), ["gemeentecode"], unique=False)
        batch_op.create_index(
            "ix_doorverwijzingen_uitvoerder_ontvangen",
            ["uitvoerder_id", "ontvangen_op"],
            unique=False,
        )
        batch_op.create_index(
            "uq_doorverwijzingen_open_referentie",
            ["schuldeiser_id", "referentie"],
            unique=True,
            sqlite_where=sa.text("is_open"),
            postgresql_where=sa.text("is_open"),
        )

    op.create_table(
        "routeringsregels",
        sa.Column("tabel_id", sa.Integer(), nullable=False),
        sa.Column("sleutel", sa.String(length=16), nullable=False),
        sa.Column("gemeentecode", sa.String(length=4), nullable=False),
        sa.Column("aandeel", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tabel_id"],
            ["routeringstabellen.id"],
            name=op.f("fk_routeringsregels_tabel_id_routeringstabellen"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tabel_id", "sleutel", name=op.f("pk_routeringsregels")),
    )
    op.create_table(
        "verwerkingen",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tijdstip", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("organisatie_id", sa.Uuid(), nullable=False),
        sa.Column("doorverwijzing_id", sa.Uuid(), nullable=False),
        sa.Column("actie", sa.String(length=40), nullable=False),
        sa.Column("grondslag", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisatie_id"],
            ["organisaties.id"],
            name=op.f("fk_verwerkingen_organisatie_id_organisaties"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verwerkingen")),
    )
    with op.batch_alter_table("verwerkingen", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_verwerkingen_doorverwijzing_id"), ["doorverwijzing_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("verwerkingen", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verwerkingen_doorverwijzing_id"))

    op.drop_table("verwerkingen")
    op.drop_table("routeringsregels")
    with op.batch_alter_table("doorverwijzingen", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_doorverwijzingen_open_referentie",
            sqlite_where=sa.text("is_open"),
            postgresql_where=sa.text("is_open"),
        )
        batch_op.drop_index("ix_doorverwijzingen_uitvoerder_ontvangen")
        batch_op.drop_index(batch_op.f("ix_doorverwijzingen_gemeentecode"))

    op.drop_table("doorverwijzingen")
    with op.batch_alter_table("dekking", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dekking_uitvoerder_id"))
        batch_op.drop_index("ix_dekking_gemeente_vanaf")

    op.drop_table("dekking")
    with op.batch_alter_table("api_sleutels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_sleutels_organisatie_id"))

    op.drop_table("api_sleutels")
    op.drop_table("afwijzingen")
    op.drop_table("routeringstabellen")
    op.drop_table("organisaties")
    op.drop_table("herindelingen")
    op.drop_table("gemeenten")
