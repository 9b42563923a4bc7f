"""Lists of referrals for the portal, without personal data: the creditor's sent referrals
(through the creditor's projection) and the uitvoerder's work queue. Reading only."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clocks
from app.organisations.models import Dekking, Organisatie
from app.referrals import projection, views
from app.referrals.contact_promise import ContactTermijn
from app.referrals.lifecycle import Status
from app.referrals.models import Doorverwijzing
from app.routing.models import Gemeente

MAX_ROWS = 500


@dataclass(frozen=True)
class Verstuurd:
    """A row of the creditor's list: what the creditor may know (DESIGN §7)."""

    id: uuid.UUID
    referentie: str
    ontvangen_op: datetime
    gemeente: str
    uitvoerder: str
    status: str  # partner-visible
    status_sinds: datetime
    incassostop_tot: date
    contact_uiterlijk: date
    contact_termijn: ContactTermijn


async def sent_by(
    session: AsyncSession, schuldeiser: Organisatie, *, referentie: str = "", today: date, limit: int = 100
) -> list[Verstuurd]:
    """The creditor's referrals, newest first; `referentie` narrows to dossier numbers containing it."""
    query = select(Doorverwijzing).where(Doorverwijzing.schuldeiser_id == schuldeiser.id)
    if referentie.strip():
        query = query.where(
            func.lower(Doorverwijzing.referentie).contains(referentie.strip().lower(), autoescape=True)
        )
    rows = await session.scalars(query.order_by(Doorverwijzing.ontvangen_op.desc()).limit(limit))
    return [
        Verstuurd(
            id=referral.id,
            referentie=referral.referentie,
            ontvangen_op=referral.ontvangen_op,
            # where the creditor referred to, as it was told (a re-routing would say the person moved)
            gemeente=referral.ontvangstbevestiging["gemeente"]["naam"],
            uitvoerder=referral.ontvangstbevestiging["uitvoerder"]["naam"],
            status=projection.partner_status(referral.status),
            status_sinds=referral.status_sinds,
            incassostop_tot=referral.incassostop_tot,
            contact_uiterlijk=referral.contact_uiterlijk,
            contact_termijn=views.contact_termijn(referral, today),
        )
        for referral in rows
    ]


def werkdagen_over(today: date, deadline: date) -> int:
    """Working days left until the deadline: 0 on the day itself, negative once it passed."""
    if today <= deadline:
        return clocks.werkdagen_tussen(today, deadline)
    return -clocks.werkdagen_tussen(deadline, today)


@dataclass(frozen=True)
class Werk:
    """A row of the uitvoerder's work queue."""

    id: uuid.UUID
    ontvangen_op: datetime
    gemeentecode: str
    gemeentenaam: str
    schuldeiser: str
    referentie: str
    status: str
    status_sinds: datetime
    crisissignaal: bool
    meerderheid: bool  # routed by majority: check the gemeente
    contact_uiterlijk: date
    eerste_contactpoging_op: date | None
    werkdagen_over: int

    @property
    def urgentie(self) -> str:
        """te-laat or vandaag while no contact attempt was made; otherwise empty."""
        if self.eerste_contactpoging_op is not None:
            return ""
        if self.werkdagen_over < 0:
            return "te-laat"
        return "vandaag" if self.werkdagen_over == 0 else ""


async def work_queue(
    session: AsyncSession,
    uitvoerder: Organisatie,
    *,
    today: date,
    gemeentecode: str | None = None,
    status: str | None = None,
) -> list[Werk]:
    """Referrals routed to the uitvoerder, the ones still waiting for a contact attempt first,
    each group by contact deadline. Without `status`: the open ones."""
    query = (
        select(Doorverwijzing, Organisatie.naam)
        .join(Organisatie, Organisatie.id == Doorverwijzing.schuldeiser_id)
        .where(Doorverwijzing.uitvoerder_id == uitvoerder.id)
    )
    if status:
        query = query.where(Doorverwijzing.status == Status(status).value)
    else:
        query = query.where(Doorverwijzing.is_open.is_(True))
    if gemeentecode:
        query = query.where(Doorverwijzing.gemeentecode == gemeentecode)
    query = query.order_by(
        Doorverwijzing.eerste_contactpoging_op.is_not(None),
        Doorverwijzing.contact_uiterlijk,
        Doorverwijzing.ontvangen_op,
    ).limit(MAX_ROWS)
    return [
        Werk(
            id=referral.id,
            ontvangen_op=referral.ontvangen_op,
            gemeentecode=referral.gemeentecode,
            gemeentenaam=str(referral.routering.get("gemeentenaam") or referral.gemeentecode),
            schuldeiser=schuldeiser,
            referentie=referral.referentie,
            status=referral.status,
            status_sinds=referral.status_sinds,
            crisissignaal=referral.crisissignaal,
            meerderheid=bool(referral.routering.get("meerderheid")),
            contact_uiterlijk=referral.contact_uiterlijk,
            eerste_contactpoging_op=referral.eerste_contactpoging_op,
            werkdagen_over=werkdagen_over(today, referral.contact_uiterlijk),
        )
        for referral, schuldeiser in (await session.execute(query)).all()
    ]


async def gemeenten_of(session: AsyncSession, uitvoerder: Organisatie) -> list[tuple[str, str]]:
    """(code, naam) of the gemeenten the uitvoerder serves or has referrals from, by name."""
    served = select(Dekking.gemeentecode).where(Dekking.uitvoerder_id == uitvoerder.id)
    referred = select(Doorverwijzing.gemeentecode).where(Doorverwijzing.uitvoerder_id == uitvoerder.id)
    rows = await session.execute(
        select(Gemeente.code, Gemeente.naam)
        .where(or_(Gemeente.code.in_(served), Gemeente.code.in_(referred)))
        .order_by(Gemeente.naam)
    )
    return [(code, naam) for code, naam in rows.all()]
