"""How a referral is shown to each party: the uitvoerder in full, the creditor through the projection."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clocks
from app.delivery.models import Uitgaand
from app.organisations.models import Organisatie
from app.referrals import projection
from app.referrals.models import Doorverwijzing, Gebeurtenis, Verlengingsverzoek
from app.schemas import (
    DoorverwijzingView,
    GemeenteRef,
    Klokken,
    OrganisatieRef,
    RouteringUitleg,
    Tijdlijn,
    TijdlijnRegel,
    VerlengingsverzoekView,
)

TERUGMELDING_NAMESPACE = uuid.UUID("6f1e9a52-3c1d-4f57-9b0e-2d6a8c4e7b10")


def contact_termijn_gehaald(referral: Doorverwijzing, today: date) -> bool | None:
    if referral.eerste_contactpoging_op is not None:
        return referral.eerste_contactpoging_op <= referral.contact_uiterlijk
    if today > referral.contact_uiterlijk:
        return False
    return None


def klokken(referral: Doorverwijzing, today: date) -> Klokken:
    start = clocks.ontvangstdag(referral.ontvangen_op)

    def werkdagen(day: date | None) -> int | None:
        return clocks.werkdagen_tussen(start, day) if day else None

    return Klokken(
        contact_termijn_gehaald=contact_termijn_gehaald(referral, today),
        werkdagen_tot_eerste_contactpoging=werkdagen(referral.eerste_contactpoging_op),
        werkdagen_tot_contact=werkdagen(referral.contact_gelegd_op),
        werkdagen_tot_hulp_aangeboden=werkdagen(referral.hulp_aangeboden_op),
        werkdagen_tot_hulp_geaccepteerd=werkdagen(referral.hulp_geaccepteerd_op),
    )


def is_creditor(organisation: Organisatie, referral: Doorverwijzing) -> bool:
    return organisation.id == referral.schuldeiser_id


async def referral_view(
    session: AsyncSession, organisation: Organisatie, referral: Doorverwijzing
) -> DoorverwijzingView:
    schuldeiser = await session.get(Organisatie, referral.schuldeiser_id)
    assert schuldeiser is not None
    creditor = is_creditor(organisation, referral)
    ack: dict[str, Any] = referral.ontvangstbevestiging
    if creditor:
        # the creditor keeps seeing where it referred to: a re-routing would tell it the person moved
        gemeente = GemeenteRef.model_validate(ack["gemeente"])
        uitvoerder_ref = OrganisatieRef.model_validate(ack["uitvoerder"])
        routering: dict[str, Any] = ack["routering"]
    else:
        uitvoerder = await session.get(Organisatie, referral.uitvoerder_id)
        assert uitvoerder is not None
        routering = referral.routering
        naam = routering.get("gemeentenaam") or ack["gemeente"]["naam"]
        gemeente = GemeenteRef(code=referral.gemeentecode, naam=naam)
        uitvoerder_ref = OrganisatieRef(id=uitvoerder.id, naam=uitvoerder.naam)
    clocks_now = klokken(referral, clocks.vandaag())
    if creditor:  # when the person was contacted is not the creditor's to know; the promise is
        clocks_now = Klokken(contact_termijn_gehaald=clocks_now.contact_termijn_gehaald)
    return DoorverwijzingView(
        id=referral.id,
        status=projection.partner_status(referral.status) if creditor else referral.status,
        status_sinds=referral.status_sinds,
        ontvangen_op=referral.ontvangen_op,
        schuldeiser=OrganisatieRef(id=schuldeiser.id, naam=schuldeiser.naam),
        referentie=referral.referentie,
        gemeente=gemeente,
        uitvoerder=uitvoerder_ref,
        incassostop_tot=referral.incassostop_tot,
        contact_uiterlijk=referral.contact_uiterlijk,
        crisissignaal=referral.crisissignaal,
        routering=RouteringUitleg.model_validate(
            {
                k: routering[k]
                for k in ("methode", "meerderheid", "aandeel", "peildatum", "tabelversie")
                if k in routering
            }
        ),
        klokken=clocks_now,
        betalingsherstel_op=referral.betalingsherstel_op,
        bericht=referral.bericht,
        actueel_adres=None if creditor else referral.actueel_adres,
    )


def _door(entry: Gebeurtenis, referral: Doorverwijzing) -> str:
    if entry.actor_id is None:
        return "dienst"
    return "schuldeiser" if entry.actor_id == referral.schuldeiser_id else "uitvoerder"


async def timeline(session: AsyncSession, organisation: Organisatie, referral: Doorverwijzing) -> Tijdlijn:
    """The history; the creditor's through the projection, an uitvoerder's without the internal
    notes of another uitvoerder (one that had the referral before a re-routing)."""
    entries = await session.scalars(
        select(Gebeurtenis)
        .where(Gebeurtenis.doorverwijzing_id == referral.id)
        .order_by(Gebeurtenis.volgnummer)
    )
    creditor = is_creditor(organisation, referral)
    regels = []
    for entry in entries:
        if creditor and not projection.creditor_sees(entry.soort):
            continue
        gegevens: dict[str, Any] = entry.gegevens
        if creditor:
            gegevens = projection.creditor_gegevens(entry.soort, gegevens)
        elif entry.actor_id not in (organisation.id, referral.schuldeiser_id, None):
            gegevens = {k: v for k, v in gegevens.items() if k != "interneToelichting"}

        def shown(status: str | None) -> str | None:
            return projection.partner_status(status) if creditor and status else status

        regels.append(
            TijdlijnRegel(
                volgnummer=entry.volgnummer,
                tijdstip=entry.tijdstip,
                soort=entry.soort,
                door=_door(entry, referral),
                status_van=shown(entry.status_van),
                status_naar=shown(entry.status_naar),
                gegevens=gegevens,
            )
        )
    return Tijdlijn(doorverwijzing_id=referral.id, gebeurtenissen=regels)


def terugmelding(
    referral: Doorverwijzing, *, event: Uitgaand | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """The Terugmelding message: the creditor's view (JSON form) of the current state, or of the
    state an event reported. For an event it is the same message every time it is sent (id,
    moment, status), so a retry is recognised by the receiver."""
    current = projection.partner_status(referral.status)
    if event is not None:
        status = str(event.data.get("status") or current)
        moment = event.aangemaakt_op
        bericht_id = uuid.uuid5(TERUGMELDING_NAMESPACE, str(event.id))
        status_sinds = referral.status_sinds if status == current else event.aangemaakt_op
    else:
        status, moment = current, now or datetime.now(UTC)
        # the same state always has the same message id, so receivers can deduplicate
        bericht_id = uuid.uuid5(TERUGMELDING_NAMESPACE, f"{referral.id}:{referral.laatste_volgnummer}")
        status_sinds = referral.status_sinds
    message: dict[str, Any] = {
        "berichtId": str(bericht_id),
        "verzondenOp": clocks.utc_text(moment),
        "doorverwijzingId": str(referral.id),
        "referentie": referral.referentie,
        "status": status,
        "statusSinds": clocks.utc_text(status_sinds),
        "incassostopTot": referral.incassostop_tot.isoformat(),
        "contactUiterlijk": referral.contact_uiterlijk.isoformat(),
    }
    gehaald = contact_termijn_gehaald(referral, clocks.ontvangstdag(moment))
    if gehaald is not None:
        message["contactTermijnGehaald"] = gehaald
    return message


def extension_view(request: Verlengingsverzoek) -> VerlengingsverzoekView:
    return VerlengingsverzoekView(
        id=request.id,
        status=request.status,
        gevraagd_tot=request.gevraagd_tot,
        motivering=request.motivering,
        gevraagd_op=request.gevraagd_op,
        nieuwe_einddatum=request.nieuwe_einddatum,
        beantwoord_op=request.beantwoord_op,
    )
