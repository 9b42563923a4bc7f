"""Translations between this service's messages and Vroegsignalering's DDAS vocabulary (pure)."""

import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.messages.types import pick
from app.referrals.lifecycle import Eindresultaat, Status
from app.routing.postcode import normalise

OPGEPAKT = "Opgepakt"
NOG_NIET_OPGEPAKT = "Nog niet opgepakt"
GEEN_CONTACT = Eindresultaat.GEEN_CONTACT.value
UPDATE_NAMESPACE = uuid.UUID("0b7f3c6e-5d1a-4f0e-9c2b-8a4d6e1f7a93")


def signaal(
    *,
    doorverwijzing_id: uuid.UUID,
    bericht: dict[str, Any],
    adres: dict[str, Any],
    gemeentecode: str,
    signaaldatum: str,
    callback: str,
) -> dict[str, Any]:
    """The warm referral as a Vroegsignalering signal (DDAS names, warmeOverdracht = true)."""
    inwoner, achterstand = bericht["inwoner"], bericht["achterstand"]
    client: dict[str, Any] = {
        key: inwoner[key]
        for key in (
            "burgerservicenummer",
            "geslachtsaanduiding",
            "geboortedatum",
            "voorletters",
            "voorvoegsel",
        )
        if key in inwoner
    }
    client["achternaam"] = inwoner["achternaam"]
    client["postcode"] = normalise(adres["postcode"])
    client["huisnummer"] = str(adres["huisnummer"])  # DDAS carries it as text
    client |= {
        key: adres[key]
        for key in ("huisletter", "huisnummertoevoeging", "straatnaam", "woonplaats")
        if key in adres
    }
    client |= {key: value for key, value in inwoner.get("contact", {}).items()}
    signal: dict[str, Any] = {
        "ID": str(doorverwijzing_id),
        "warmeOverdracht": True,
        "crisissignaal": bericht["crisissignaal"],
        # DDAS counts whole euros
        "bedrag": int(Decimal(str(achterstand["bedrag"])).quantize(Decimal(1), rounding=ROUND_HALF_UP)),
        "signaaldatum": signaaldatum,
        "signaalpartner": {"type": bericht["schuldeiser"]["soort"], "naam": bericht["schuldeiser"]["naam"]},
        "gemeentecode": gemeentecode,
        "client": client,
        "statusCallback": callback,
    }
    if "ontstaansdatum" in achterstand:
        signal["ontstaansdatum"] = achterstand["ontstaansdatum"]
    if "toelichting" in bericht:
        signal["toelichting"] = bericht["toelichting"]
    return signal


def statusmeldingen(
    update: dict[str, Any], *, verzonden_op: str, contact_gelegd: bool = False
) -> list[dict[str, Any]]:
    """A Vroegsignalering status update as Statusmeldingen, in the order of the lifecycle: taken
    up (with the day it was), contact attempts, not taken up, the end result (the internal note
    goes with the last). Their berichtIds derive from the update's id, so a pushed-again update is
    recognised.

    "Definitief geen contact kunnen krijgen" means niet_bereikt only for someone never reached;
    once the person was reached (`contact_gelegd`, or an attempt in this update), losing them is
    "Geen reactie na eerder contact", as the lifecycle allows after contact."""
    update_id = update["updateId"]
    messages: list[dict[str, Any]] = []

    def add(**content: Any) -> None:
        bericht_id = uuid.uuid5(UPDATE_NAMESPACE, f"{update_id}:{len(messages)}")
        messages.append({"berichtId": str(bericht_id), "verzondenOp": verzonden_op, **content})

    status = update.get("status")
    if status == OPGEPAKT:  # taking a signal up comes before contacting the person
        add(status=Status.OPGEPAKT.value, **pick(update, "datumOpgepakt"))
    for attempt in update.get("contactpogingen", []):
        add(contactpoging=pick(attempt, "soort", "bereikt", "datum", "dagdeel"))
        contact_gelegd = contact_gelegd or attempt["bereikt"]
    if status and status not in (OPGEPAKT, NOG_NIET_OPGEPAKT):
        add(status=Status.NIET_OPGEPAKT.value, reden=status)
    resultaat = update.get("resultaat")
    if resultaat == GEEN_CONTACT and contact_gelegd:
        add(status=Status.AFGESLOTEN.value, eindresultaat=Eindresultaat.GEEN_REACTIE.value)
    elif resultaat == GEEN_CONTACT:
        add(status=Status.NIET_BEREIKT.value)
    elif resultaat:
        add(status=Status.AFGESLOTEN.value, eindresultaat=resultaat)
    if messages and update.get("toelichting"):
        messages[-1]["interneToelichting"] = update["toelichting"]
    return messages
