import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime


class Uitgaand(Base):
    """One event for one receiving organisation, written in the transaction of the change.

    `data` is thin (ids, type, status, gemeentecode): no name, BSN, address or free text.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_ontvanger_aangemaakt", "ontvanger_id", "aangemaakt_op"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    ontvanger_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisaties.id"))
    doorverwijzing_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("doorverwijzingen.id"))
    volgnummer: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(120))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    aangemaakt_op: Mapped[datetime] = mapped_column(UTCDateTime)
