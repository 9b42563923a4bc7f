"""one name per concept: a subscription's channel and event types, an organisation's signaalpartner kind

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 21:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_abonnementen", schema=None) as batch_op:
        batch_op.alter_column("soort", new_column_name="kanaal")
        batch_op.alter_column("soorten", new_column_name="event_types")

    with op.batch_alter_table("organisaties", schema=None) as batch_op:
        batch_op.alter_column("soort", new_column_name="signaalpartner")


def downgrade() -> None:
    with op.batch_alter_table("organisaties", schema=None) as batch_op:
        batch_op.alter_column("signaalpartner", new_column_name="soort")

    with op.batch_alter_table("webhook_abonnementen", schema=None) as batch_op:
        batch_op.alter_column("event_types", new_column_name="soorten")
        batch_op.alter_column("kanaal", new_column_name="soort")
