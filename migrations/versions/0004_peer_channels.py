"""peer channels

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 09:23:46.071497
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("doorverwijzingen", schema=None) as batch_op:
        batch_op.add_column(sa.Column("conversatie_id", sa.Uuid(), nullable=True))

    with op.batch_alter_table("organisaties", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kanaal", sa.String(length=20), server_default="api", nullable=False))
        batch_op.add_column(sa.Column("kanaal_adres", sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_organisaties_kanaal_adres"), ["kanaal_adres"])

    with op.batch_alter_table("webhook_abonnementen", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("soort", sa.String(length=20), server_default="webhook", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_abonnementen", schema=None) as batch_op:
        batch_op.drop_column("soort")

    with op.batch_alter_table("organisaties", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_organisaties_kanaal_adres"), type_="unique")
        batch_op.drop_column("kanaal_adres")
        batch_op.drop_column("kanaal")

    with op.batch_alter_table("doorverwijzingen", schema=None) as batch_op:
        batch_op.drop_column("conversatie_id")
