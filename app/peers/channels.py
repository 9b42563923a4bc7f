"""Putting an organisation on a channel: its address there and the subscription that carries
its events to the peer (delivered, retried and replayed like a webhook)."""

import uuid
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.delivery.models import Abonnement
from app.delivery.subscriptions import new_secret
from app.delivery.webhook import WEBHOOK
from app.organisations.models import Kanaal, Organisatie, Rol
from app.peers.outbound import subscription_defaults

ALLOWED = {
    Rol.UITVOERDER: {Kanaal.API, Kanaal.VROEGSIGNALERING},
    Rol.SCHULDEISER: {Kanaal.API, Kanaal.SCHULDENKNOOPPUNT},
}


async def set_channel(
    session: AsyncSession,
    *,
    organisatie: Organisatie,
    kanaal: Kanaal,
    adres: str | None,
    settings: Settings,
    now: datetime,
) -> None:
    rol = Rol(organisatie.rol)
    if kanaal not in ALLOWED[rol]:
        raise ValueError(f"a {rol.value} can use {', '.join(sorted(k.value for k in ALLOWED[rol]))}")
    if kanaal is not Kanaal.API and not adres:
        raise ValueError(f"the {kanaal.value} channel needs the organisation's address there (--adres)")
    organisatie.kanaal = kanaal.value
    organisatie.kanaal_adres = adres if kanaal is not Kanaal.API else None
    # the same channel again keeps its subscription, and with it what is still on its way
    await session.execute(
        delete(Abonnement).where(
            Abonnement.organisatie_id == organisatie.id,
            Abonnement.kanaal.not_in((WEBHOOK, kanaal.value)),
        )
    )
    if kanaal is not Kanaal.API:
        url, event_types = subscription_defaults(kanaal, settings)
        existing = await session.scalar(
            select(Abonnement).where(
                Abonnement.organisatie_id == organisatie.id, Abonnement.kanaal == kanaal.value
            )
        )
        if existing is not None:
            existing.url, existing.event_types, existing.actief = url, event_types, True
            await session.flush()
            return
        session.add(
            Abonnement(
                id=uuid.uuid4(),
                organisatie_id=organisatie.id,
                kanaal=kanaal.value,
                url=url,
                event_types=event_types,
                secret=new_secret(),
                actief=True,
                aangemaakt_op=now,
            )
        )
    await session.flush()
