"""The JSON form of the v1 messages the services read, as types (schemas/json is the source).

A message reaches a service only after validation against its schema and rules, so these shapes
hold; dates and date-times are ISO 8601 text as on the wire, amounts are exact (Decimal or int).
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NotRequired, TypedDict


class Bericht(TypedDict):
    berichtId: str
    verzondenOp: str


class Adres(TypedDict):
    straatnaam: NotRequired[str]
    huisnummer: int
    huisletter: NotRequired[str]
    huisnummertoevoeging: NotRequired[str]
    postcode: str
    woonplaats: NotRequired[str]


class Schuldeiser(TypedDict):
    oin: NotRequired[str]
    kvkNummer: NotRequired[str]
    naam: str
    soort: str


class Toestemming(TypedDict):
    gegeven: bool
    datum: str
    kanaal: str


class Contact(TypedDict, total=False):
    telefoonnummer: str
    email: str
    bereikbaarheid: str


class Inwoner(TypedDict):
    burgerservicenummer: NotRequired[str]
    voorletters: NotRequired[str]
    voorvoegsel: NotRequired[str]
    achternaam: str
    geslachtsaanduiding: NotRequired[str]
    geboortedatum: NotRequired[str]
    adres: Adres
    contact: Contact


class Achterstand(TypedDict):
    bedrag: Decimal | int | float
    ontstaansdatum: NotRequired[str]
    soortVasteLast: str
    klantnummer: NotRequired[str]


class Doorverwijzing(Bericht):
    schuldeiser: Schuldeiser
    referentie: str
    toestemming: Toestemming
    inwoner: Inwoner
    achterstand: Achterstand
    toelichting: NotRequired[str]
    crisissignaal: bool


class Contactpoging(TypedDict):
    soort: str
    bereikt: bool
    datum: str
    dagdeel: NotRequired[str]


class Statusmelding(Bericht):
    status: NotRequired[str]
    datumOpgepakt: NotRequired[str]
    reden: NotRequired[str]
    eindresultaat: NotRequired[str]
    contactpoging: NotRequired[Contactpoging]
    nieuwAdres: NotRequired[Adres]
    interneToelichting: NotRequired[str]


class Intrekking(Bericht):
    reden: str
    toelichting: NotRequired[str]


class Betalingsherstel(Bericht):
    soort: str
    datum: str
    toelichting: NotRequired[str]


class IngrijpendeMaatregel(Bericht):
    maatregel: str
    datum: str
    toelichting: NotRequired[str]


class Verlengingsverzoek(Bericht):
    gevraagdTot: str
    motivering: NotRequired[str]


class Verlengingsantwoord(Bericht):
    akkoord: bool
    nieuweEinddatum: NotRequired[str]
    toelichting: NotRequired[str]


def pick(message: Mapping[str, object], *keys: str) -> dict[str, Any]:
    """The members of a message named by `keys` that are present (for history details)."""
    return {key: message[key] for key in keys if key in message}
