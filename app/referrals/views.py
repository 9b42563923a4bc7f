"""How a referral is shown to each party: formatting what `projection` lets that party see."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clocks
from app.organisations.models import Organisatie, Rol
from app.outbox import Uitgaand
from app.referrals import contact_promise, projection
from app.referrals.access import side
from app.referrals.contact_promise import ContactTermijn
from app.referrals.lifecycle import Status
from app.referrals.models import (
    Betalingsherstelmelding,
    Doorverwijzing,
    Gebeurtenis,
    IngrijpendeMaatregel,
    Verlengingsverzoek,
)
from app.schemas import (
    BetalingsherstelRegel,
    DoorverwijzingView,
    GemeenteRef,
    Klokken,
    KlokkenVanafReden,
    MaatregelRegel,
    OrganisatieRef,
    RouteringUitleg,
    Tijdlijn,
    TijdlijnRegel,
    VerlengingsverzoekView,
)

TERUGMELDING_NAMESPACE = uuid.UUID("6f1e9a52-3c1d-4f57-9b0e-2d6a8c4e7b10")
ROUTERING_FIELDS = ("methode", "meerderheid", "aandeel", "peildatum", "tabelversie")


def contact_termijn(doorverwijzing: Doorverwijzing, today: date) -> ContactTermijn:
    return contact_promise.contacttermijn(
        eerste_contact=doorverwijzing.eerste_contactpoging_op,
        uiterlijk=doorverwijzing.contact_uiterlijk,
        vandaag=today,
        status=Status(doorverwijzing.status),
        gesloten_op=doorverwijzing.gesloten_op,
        sluitreden=doorverwijzing.sluitreden,
    )


def klokken(doorverwijzing: Doorverwijzing, today: date, *, rol: Rol) -> Klokken:
    """The promises and milestones in working days from the moment the clocks started (the
    receipt, or the last re-routing), as `rol` may see them."""
    start = clocks.ontvangstdag(doorverwijzing.klokken_vanaf)

    def werkdagen(day: date | None) -> int | None:
        return clocks.werkdagen_tussen(start, day) if day else None

    rerouted = doorverwijzing.klokken_vanaf != doorverwijzing.ontvangen_op
    values = {
        "contact_termijn": contact_termijn(doorverwijzing, today),
        "klokken_vanaf": doorverwijzing.klokken_vanaf,
        "klokken_vanaf_reden": KlokkenVanafReden.HERROUTERING if rerouted else KlokkenVanafReden.ONTVANGST,
        "werkdagen_tot_opgepakt": werkdagen(doorverwijzing.opgepakt_op),
        "werkdagen_tot_eerste_contactpoging": werkdagen(doorverwijzing.eerste_contactpoging_op),
        "werkdagen_tot_contact": werkdagen(doorverwijzing.contact_gelegd_op),
        "werkdagen_tot_hulp_aangeboden": werkdagen(doorverwijzing.hulp_aangeboden_op),
        "werkdagen_tot_hulp_geaccepteerd": werkdagen(doorverwijzing.hulp_geaccepteerd_op),
    }
    shown = projection.SIGHT[rol].klokken
    return Klokken.model_validate({key: value for key, value in values.items() if key in shown})


def _viewer(organisatie: Organisatie, doorverwijzing: Doorverwijzing) -> Rol:
    """The side the organisation sees the referral from; an uitvoerder answered right after it
    routed the referral on still gets the answer an uitvoerder gets."""
    return side(organisatie, doorverwijzing) or Rol(organisatie.rol)


async def doorverwijzing_view(
    session: AsyncSession, organisatie: Organisatie, doorverwijzing: Doorverwijzing
) -> DoorverwijzingView:
    rol = _viewer(organisatie, doorverwijzing)
    sight = projection.SIGHT[rol]
    schuldeiser = await session.get(Organisatie, doorverwijzing.schuldeiser_id)
    assert schuldeiser is not None
    ack: dict[str, Any] = doorverwijzing.ontvangstbevestiging
    if sight.current_assignment:
        uitvoerder = await session.get(Organisatie, doorverwijzing.uitvoerder_id)
        assert uitvoerder is not None
        routering = doorverwijzing.routering
        naam = routering.get("gemeentenaam") or ack["gemeente"]["naam"]
        gemeente = GemeenteRef(code=doorverwijzing.gemeentecode, naam=naam)
        uitvoerder_ref = OrganisatieRef(id=uitvoerder.id, naam=uitvoerder.naam)
    else:
        gemeente = GemeenteRef.model_validate(ack["gemeente"])
        uitvoerder_ref = OrganisatieRef.model_validate(ack["uitvoerder"])
        routering = ack["routering"]
    return DoorverwijzingView(
        id=doorverwijzing.id,
        status=sight.status(doorverwijzing.status),
        status_sinds=doorverwijzing.status_sinds,
        ontvangen_op=doorverwijzing.ontvangen_op,
        schuldeiser=OrganisatieRef(id=schuldeiser.id, naam=schuldeiser.naam),
        referentie=doorverwijzing.referentie,
        gemeente=gemeente,
        uitvoerder=uitvoerder_ref,
        incassostop_tot=doorverwijzing.incassostop_tot,
        contact_uiterlijk=doorverwijzing.contact_uiterlijk,
        crisissignaal=doorverwijzing.crisissignaal,
        routering=RouteringUitleg.model_validate(
            {k: routering[k] for k in ROUTERING_FIELDS if k in routering}
        ),
        klokken=klokken(doorverwijzing, clocks.vandaag(), rol=rol),
        betalingsherstel_op=doorverwijzing.betalingsherstel_op,
        betalingsherstel=await _betalingsherstel(session, doorverwijzing),
        ingrijpende_maatregelen=await _maatregelen(session, doorverwijzing),
        bericht=doorverwijzing.bericht,
        actueel_adres=doorverwijzing.actueel_adres if sight.current_assignment else None,
        gewist_op=doorverwijzing.gewist_op,
    )


async def _betalingsherstel(
    session: AsyncSession, doorverwijzing: Doorverwijzing
) -> list[BetalingsherstelRegel]:
    rows = await session.scalars(
        select(Betalingsherstelmelding)
        .where(Betalingsherstelmelding.doorverwijzing_id == doorverwijzing.id)
        .order_by(Betalingsherstelmelding.gemeld_op, Betalingsherstelmelding.datum)
    )
    return [BetalingsherstelRegel(soort=r.soort, datum=r.datum, gemeld_op=r.gemeld_op) for r in rows]


async def _maatregelen(session: AsyncSession, doorverwijzing: Doorverwijzing) -> list[MaatregelRegel]:
    rows = await session.scalars(
        select(IngrijpendeMaatregel)
        .where(IngrijpendeMaatregel.doorverwijzing_id == doorverwijzing.id)
        .order_by(IngrijpendeMaatregel.gemeld_op, IngrijpendeMaatregel.datum)
    )
    return [
        MaatregelRegel(
            maatregel=r.maatregel,
            datum=r.datum,
            gemeld_op=r.gemeld_op,
            tijdens_incassostop=r.tijdens_incassostop,
        )
        for r in rows
    ]


def _door(entry: Gebeurtenis, doorverwijzing: Doorverwijzing) -> str:
    if entry.actor_id is None:
        return "dienst"
    return "schuldeiser" if entry.actor_id == doorverwijzing.schuldeiser_id else "uitvoerder"


async def timeline(
    session: AsyncSession, organisatie: Organisatie, doorverwijzing: Doorverwijzing
) -> Tijdlijn:
    """The history, each entry as `projection.timeline_entry` lets this party see it."""
    rol = _viewer(organisatie, doorverwijzing)
    status = projection.SIGHT[rol].status
    entries = await session.scalars(
        select(Gebeurtenis)
        .where(Gebeurtenis.doorverwijzing_id == doorverwijzing.id)
        .order_by(Gebeurtenis.volgnummer)
    )
    regels = []
    for entry in entries:
        gegevens = projection.timeline_entry(
            rol,
            soort=entry.soort,
            gegevens=entry.gegevens,
            actor_id=entry.actor_id,
            viewer_id=organisatie.id,
            schuldeiser_id=doorverwijzing.schuldeiser_id,
        )
        if gegevens is None:
            continue
        regels.append(
            TijdlijnRegel(
                volgnummer=entry.volgnummer,
                tijdstip=entry.tijdstip,
                soort=entry.soort,
                door=_door(entry, doorverwijzing),
                status_van=status(entry.status_van) if entry.status_van else None,
                status_naar=status(entry.status_naar) if entry.status_naar else None,
                gegevens=gegevens,
            )
        )
    return Tijdlijn(doorverwijzing_id=doorverwijzing.id, gebeurtenissen=regels)


def terugmelding(
    doorverwijzing: Doorverwijzing, *, event: Uitgaand | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """The Terugmelding message: the creditor's view (JSON form) of the current state, or of the
    state an event reported. For an event it is the same message every time it is sent (id,
    moment, status), so a retry is recognised by the receiver."""
    current = projection.partner_status(doorverwijzing.status)
    if event is not None:
        status = str(event.data.get("status") or current)
        moment = event.aangemaakt_op
        bericht_id = uuid.uuid5(TERUGMELDING_NAMESPACE, str(event.id))
        status_sinds = doorverwijzing.status_sinds if status == current else event.aangemaakt_op
    else:
        status, moment = current, now or datetime.now(UTC)
        # the same state always has the same message id, so receivers can deduplicate
        bericht_id = uuid.uuid5(
            TERUGMELDING_NAMESPACE, f"{doorverwijzing.id}:{doorverwijzing.laatste_volgnummer}"
        )
        status_sinds = doorverwijzing.status_sinds
    message: dict[str, Any] = {
        "berichtId": str(bericht_id),
        "verzondenOp": clocks.utc_text(moment),
        "doorverwijzingId": str(doorverwijzing.id),
        "referentie": doorverwijzing.referentie,
        "status": status,
        "statusSinds": clocks.utc_text(status_sinds),
        "incassostopTot": doorverwijzing.incassostop_tot.isoformat(),
        "contactUiterlijk": doorverwijzing.contact_uiterlijk.isoformat(),
        "contactTermijn": contact_termijn(doorverwijzing, clocks.ontvangstdag(moment)).value,
    }
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
