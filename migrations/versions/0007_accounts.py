"""accounts, memberships, portal sessions and login attempts

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gebruikers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("naam", sa.String(length=200), nullable=False),
        sa.Column("wachtwoord_hash", sa.String(length=200), nullable=False),
        sa.Column("actief", sa.Boolean(), nullable=False),
        sa.Column("aangemaakt_op", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("laatst_ingelogd_op", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gebruikers")),
        sa.UniqueConstraint("email", name=op.f("uq_gebruikers_email")),
    )
    op.create_table(
        "lidmaatschappen",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("gebruiker_id", sa.Uuid(), nullable=False),
        sa.Column("organisatie_id", sa.Uuid(), nullable=True),
        sa.Column("rol", sa.String(length=20), nullable=False),
        sa.Column("actief", sa.Boolean(), nullable=False),
        sa.Column("aangemaakt_op", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("gedeactiveerd_op", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["gebruiker_id"], ["gebruikers.id"], name=op.f("fk_lidmaatschappen_gebruiker_id_gebruikers")
        ),
        sa.ForeignKeyConstraint(
            ["organisatie_id"],
            ["organisaties.id"],
            name=op.f("fk_lidmaatschappen_organisatie_id_organisaties"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lidmaatschappen")),
    )
    with op.batch_alter_table("lidmaatschappen", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lidmaatschappen_gebruiker_id"), ["gebruiker_id"], unique=False)
        batch_op.create_index("ix_lidmaatschappen_organisatie", ["organisatie_id", "actief"], unique=False)

    op.create_table(
        "sessies",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("gebruiker_id", sa.Uuid(), nullable=True),
        sa.Column("lidmaatschap_id", sa.Uuid(), nullable=True),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("aangemaakt_op", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("laatst_gebruikt_op", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("verloopt_op", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["gebruiker_id"], ["gebruikers.id"], name=op.f("fk_sessies_gebruiker_id_gebruikers")
        ),
        sa.ForeignKeyConstraint(
            ["lidmaatschap_id"],
            ["lidmaatschappen.id"],
            name=op.f("fk_sessies_lidmaatschap_id_lidmaatschappen"),
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_sessies")),
    )
    with op.batch_alter_table("sessies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sessies_gebruiker_id"), ["gebruiker_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sessies_lidmaatschap_id"), ["lidmaatschap_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sessies_verloopt_op"), ["verloopt_op"], unique=False)

    op.create_table(
        "inlogpogingen",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tijdstip", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("account", sa.String(length=254), nullable=False),
        sa.Column("adres", sa.String(length=64), nullable=False),
        sa.Column("gelukt", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inlogpogingen")),
    )
    with op.batch_alter_table("inlogpogingen", schema=None) as batch_op:
        batch_op.create_index("ix_inlogpogingen_account", ["account", "tijdstip"], unique=False)
        batch_op.create_index("ix_inlogpogingen_adres", ["adres", "tijdstip"], unique=False)
        batch_op.create_index("ix_inlogpogingen_tijdstip", ["tijdstip"], unique=False)


def downgrade() -> None:
    op.drop_table("inlogpogingen")
    op.drop_table("sessies")
    op.drop_table("lidmaatschappen")
    op.drop_table("gebruikers")
