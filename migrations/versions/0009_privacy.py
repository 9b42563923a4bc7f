"""privacy: when a referral closed and was erased, what the figures keep of it, encrypted free text,
the processing log's activity and trace, API key expiry and last use

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:00:00.000000

Personal data already stored stays readable as it is (plain JSON and text); `wdv keys
rotate-data-key` encrypts it (README, "Personal data"). A downgrade leaves encrypted values as they
are: code from before this revision cannot read them.
"""

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
BANDS = (0, 500, 1000, 2500, 5000)


def _band(bedrag: Any) -> str | None:
    """As app/privacy/anonymous.py `bedrag_klasse` (a migration keeps its own copy)."""
    try:
        amount = max(Decimal(str(bedrag)), Decimal(0))
    except ArithmeticError:
        return None
    lower = max(bound for bound in BANDS if bound <= amount)
    higher = [bound for bound in BANDS if bound > lower]
    return f"{lower}-{higher[0] - 1}" if higher else f"{lower}+"


def _fill_anonymous_columns() -> None:
    """The kind of fixed charge and the amount band of referrals stored before (plain JSON)."""
    connection = op.get_bind()
    referrals = sa.table(
        "doorverwijzingen",
        sa.column("id", sa.Uuid),
        sa.column("bericht", sa.Text),
        sa.column("soort_vaste_last", sa.String),
        sa.column("bedrag_klasse", sa.String),
    )
    stored = sa.cast(referrals.c.bericht, sa.Text)
    after: Any = None
    while True:
        query = sa.select(referrals.c.id, stored).where(referrals.c.soort_vaste_last.is_(None))
        if after is not None:
            query = query.where(referrals.c.id > after)
        rows = connection.execute(query.order_by(referrals.c.id).limit(BATCH)).all()
        for ident, text in rows:
            try:
                bericht = json.loads(text)
                achterstand = bericht["achterstand"]
            except (TypeError, ValueError, KeyError):
                continue
            connection.execute(
                referrals.update()
                .where(referrals.c.id == ident)
                .values(
                    soort_vaste_last=achterstand.get("soortVasteLast"),
                    bedrag_klasse=_band(achterstand.get("bedrag")),
                )
            )
        if len(rows) < BATCH:
            return
        after = rows[-1][0]


def upgrade() -> None:
    # in place, not in batch mode: on SQLite a batch copies the table, and dropping the old copy
    # fails on the rows that refer to it
    op.add_column("doorverwijzingen", sa.Column("soort_vaste_last", sa.String(length=40), nullable=True))
    op.add_column("doorverwijzingen", sa.Column("bedrag_klasse", sa.String(length=12), nullable=True))
    op.add_column(
        "doorverwijzingen", sa.Column("gewist_op", app.db.UTCDateTime(timezone=True), nullable=True)
    )
    _fill_anonymous_columns()

    # a sealed motivation is longer than the text it holds
    with op.batch_alter_table("verlengingsverzoeken", schema=None) as batch_op:
        batch_op.alter_column(
            "motivering", existing_type=sa.String(length=1000), type_=sa.Text(), existing_nullable=True
        )

    with op.batch_alter_table("verwerkingen", schema=None) as batch_op:
        batch_op.alter_column("organisatie_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.add_column(
            sa.Column("verwerkingsactiviteit", sa.String(length=60), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("trace_id", sa.String(length=128), nullable=True))
    # entries written before: the activity follows from the action and who acted
    op.execute(
        "UPDATE verwerkingen SET verwerkingsactiviteit = CASE "
        "WHEN actie = 'ontvangen' THEN 'warme-doorverwijzing' "
        "WHEN actie = 'doorgeven aan vroegsignalering' THEN 'aflevering-aan-uitvoerder' "
        "WHEN (SELECT rol FROM organisaties WHERE organisaties.id = verwerkingen.organisatie_id) = 'uitvoerder' "
        "THEN 'schuldhulpverlening' ELSE 'warme-doorverwijzing' END "
        "WHERE verwerkingsactiviteit = ''"
    )

    with op.batch_alter_table("api_sleutels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("geldig_tot", app.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("laatst_gebruikt_op", app.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_sleutels", schema=None) as batch_op:
        batch_op.drop_column("laatst_gebruikt_op")
        batch_op.drop_column("geldig_tot")

    op.execute("DELETE FROM verwerkingen WHERE organisatie_id IS NULL")
    with op.batch_alter_table("verwerkingen", schema=None) as batch_op:
        batch_op.drop_column("trace_id")
        batch_op.drop_column("verwerkingsactiviteit")
        batch_op.alter_column("organisatie_id", existing_type=sa.Uuid(), nullable=False)

    with op.batch_alter_table("verlengingsverzoeken", schema=None) as batch_op:
        batch_op.alter_column(
            "motivering", existing_type=sa.Text(), type_=sa.String(length=1000), existing_nullable=True
        )

    for column in ("gewist_op", "bedrag_klasse", "soort_vaste_last"):
        op.drop_column("doorverwijzingen", column)
