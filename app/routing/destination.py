"""Where would a referral for an address go today: gemeente and participating uitvoerder.
Shared by POST /v1/routering and the meldpunt's referral form; stores nothing."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.organisations.models import Organisatie
from app.organisations.service import uitvoerder_for
from app.routing.service import Routering, RoutingCache


@dataclass(frozen=True)
class Bestemming:
    routering: Routering
    uitvoerder: Organisatie | None  # None: the gemeente has no participating uitvoerder


async def destination(
    session: AsyncSession, routing: RoutingCache, *, postcode: str, huisnummer: int, on: date
) -> Bestemming | None:
    """For a normalised postcode; None when no gemeente is known for the address."""
    snapshot = await routing.snapshot(session)
    routering = snapshot.route(postcode, huisnummer, on=on) if snapshot else None
    if routering is None:
        return None
    return Bestemming(routering, await uitvoerder_for(session, gemeentecode=routering.gemeentecode, on=on))
