"""webhook delivery and mailbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 09:09:45.673450
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "webhook_abonnementen",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisatie_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("soorten", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("vorig_secret", sa.String(length=100), nullable=True),
        sa.Column("vorig_secret_tot", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("actief", sa.Boolean(), nullable=False),
        sa.Column("uitgeschakeld_reden", sa.String(length=300), nullable=True),
        sa.Column("falend_sinds", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("aangemaakt_op", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisatie_id"],
            ["organisaties.id"],
            name=op.f("fk_webhook_abonnementen_organisatie_id_organisaties"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_abonnementen")),
    )
    with op.batch_alter_table("webhook_abonnementen", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_abonnementen_organisatie_id"), ["organisatie_id"], unique=False
        )

    op.create_table(
        "bezorgingen",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("uitgaand_id", sa.Uuid(), nullable=False),
        sa.Column("abonnement_id", sa.Uuid(), nullable=False),
        sa.Column("doorverwijzing_id", sa.Uuid(), nullable=True),
        sa.Column("volgnummer", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("pogingen", sa.Integer(), nullable=False),
        sa.Column("volgende_poging_op", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("geclaimd_tot", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("laatste_fout", sa.String(length=500), nullable=True),
        sa.Column("aangemaakt_op", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("afgeleverd_op", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["abonnement_id"],
            ["webhook_abonnementen.id"],
            name=op.f("fk_bezorgingen_abonnement_id_webhook_abonnementen"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uitgaand_id"], ["outbox.id"], name=op.f("fk_bezorgingen_uitgaand_id_outbox")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bezorgingen")),
        sa.UniqueConstraint(
            "uitgaand_id", "abonnement_id", name=op.f("uq_bezorgingen_uitgaand_id_abonnement_id")
        ),
    )
    with op.batch_alter_table("bezorgingen", schema=None) as batch_op:
        batch_op.create_index("ix_bezorgingen_te_doen", ["status", "volgende_poging_op"], unique=False)
        batch_op.create_index(
            "ix_bezorgingen_volgorde", ["abonnement_id", "doorverwijzing_id", "volgnummer"], unique=False
        )

    op.create_table(
        "bezorgpogingen",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("bezorging_id", sa.Uuid(), nullable=False),
        sa.Column("tijdstip", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("statuscode", sa.Integer(), nullable=True),
        sa.Column("duur_ms", sa.Integer(), nullable=False),
        sa.Column("antwoord", sa.Text(), nullable=True),
        sa.Column("fout", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["bezorging_id"],
            ["bezorgingen.id"],
            name=op.f("fk_bezorgpogingen_bezorging_id_bezorgingen"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bezorgpogingen")),
    )
    with op.batch_alter_table("bezorgpogingen", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bezorgpogingen_bezorging_id"), ["bezorging_id"], unique=False)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dataref", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("verdeeld", sa.Boolean(), server_default=sa.text("(false)"), nullable=False)
        )
        batch_op.add_column(sa.Column("bevestigd_op", app.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.alter_column("doorverwijzing_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.drop_index(batch_op.f("ix_outbox_ontvanger_aangemaakt"))
        batch_op.create_index(
            "ix_outbox_ontvanger_open", ["ontvanger_id", "aangemaakt_op", "id"], unique=False
        )
        batch_op.create_index(
            "ix_outbox_te_verdelen",
            ["verdeeld"],
            unique=False,
            sqlite_where=sa.text("NOT verdeeld"),
            postgresql_where=sa.text("NOT verdeeld"),
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_outbox_te_verdelen",
            sqlite_where=sa.text("NOT verdeeld"),
            postgresql_where=sa.text("NOT verdeeld"),
        )
        batch_op.drop_index("ix_outbox_ontvanger_open")
        batch_op.create_index(
            batch_op.f("ix_outbox_ontvanger_aangemaakt"), ["ontvanger_id", "aangemaakt_op"], unique=False
        )
        batch_op.alter_column("doorverwijzing_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.drop_column("bevestigd_op")
        batch_op.drop_column("verdeeld")
        batch_op.drop_column("dataref")

    with op.batch_alter_table("bezorgpogingen", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bezorgpogingen_bezorging_id"))

    op.drop_table("bezorgpogingen")
    with op.batch_alter_table("bezorgingen", schema=None) as batch_op:
        batch_op.drop_index("ix_bezorgingen_volgorde")
        batch_op.drop_index("ix_bezorgingen_te_doen")

    op.drop_table("bezorgingen")
    with op.batch_alter_table("webhook_abonnementen", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_abonnementen_organisatie_id"))

    op.drop_table("webhook_abonnementen")
