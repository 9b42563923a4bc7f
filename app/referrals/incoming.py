"""What a handler of an incoming message is given (see `inbound.apply`)."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.organisations.models import Organisatie
from app.referrals.models import Doorverwijzing
from app.routing.service import RoutingCache

M = TypeVar("M")


@dataclass(frozen=True)
class Incoming(Generic[M]):
    """A validated message from `organisatie` about `doorverwijzing` (locked), seen for the first time."""

    session: AsyncSession
    organisatie: Organisatie
    doorverwijzing: Doorverwijzing
    message: M
    is_xml: bool  # violations found while applying it are located the way it arrived
    now: datetime
    routing: RoutingCache
    # the resource of the referral the message is addressed to (the extension request an answer is for)
    target_id: uuid.UUID | None = None
