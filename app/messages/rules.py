"""Semantic rules of the v1 messages that a schema cannot express. Pure: data in, violations out.

Each rule reads the JSON form of a schema-valid message and yields violations located by JSON
Pointer; the validator turns those into XPaths for XML messages.
"""

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from stdnum.nl import bsn

from app.clocks import vandaag
from app.errors import Violation
from app.messages.specs import MessageKind
from app.routing.postcode import InvalidPostcode, normalise

Rule = Callable[[dict[str, Any]], Iterator[Violation]]
# a sender's clock may run this far ahead before verzondenOp counts as "in the future"
CLOCK_SKEW = timedelta(minutes=5)


def _burgerservicenummer(data: dict[str, Any]) -> Iterator[Violation]:
    number = data["inwoner"].get("burgerservicenummer")
    if number is not None and not bsn.is_valid(number):
        yield Violation("/inwoner/burgerservicenummer", "fails the elfproef", "elfproef")


def _postcode(data: dict[str, Any]) -> Iterator[Violation]:
    try:
        normalise(data["inwoner"]["adres"]["postcode"])
    except InvalidPostcode:
        yield Violation(
            "/inwoner/adres/postcode",
            "is not a postcode that can exist (letters SA, SD and SS are never issued)",
            "postcode",
        )


_PAST_DATES = (
    ("/toestemming/datum", ("toestemming", "datum")),
    ("/inwoner/geboortedatum", ("inwoner", "geboortedatum")),
    ("/achterstand/ontstaansdatum", ("achterstand", "ontstaansdatum")),
)


def _not_in_future(data: dict[str, Any]) -> Iterator[Violation]:
    today = vandaag()
    for pointer, (outer, inner) in _PAST_DATES:
        value = data.get(outer, {}).get(inner)
        if value is not None and date.fromisoformat(value) > today:
            yield Violation(pointer, "lies in the future", "toekomst")
    try:
        sent = datetime.fromisoformat(data["verzondenOp"].replace("Z", "+00:00"))
    except ValueError:  # the XSD allows 24:00:00, which names no moment of its own
        yield Violation(
            "/verzondenOp",
            "is not a date-time this service accepts (use 00:00 of the next day)",
            "datum-tijd",
        )
        return
    if sent > datetime.now(UTC) + CLOCK_SKEW:
        yield Violation("/verzondenOp", "lies in the future", "toekomst")


def _cents(data: dict[str, Any]) -> Iterator[Violation]:
    amount = Decimal(str(data["achterstand"]["bedrag"]))
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        yield Violation("/achterstand/bedrag", "has more than two decimals (cents)", "centen")


GEEN_INWONER = "Persoon is geen inwoner (meer) in de gemeente"


def _status_details(data: dict[str, Any]) -> Iterator[Violation]:
    status = data.get("status")
    if status == "niet_opgepakt" and "reden" not in data:
        yield Violation("/reden", "is required with status niet_opgepakt", "reden")
    if status == "afgesloten" and "eindresultaat" not in data:
        yield Violation("/eindresultaat", "is required with status afgesloten", "eindresultaat")
    if "reden" in data and status != "niet_opgepakt":
        yield Violation("/reden", "belongs only with status niet_opgepakt", "reden")
    if "eindresultaat" in data and status != "afgesloten":
        yield Violation("/eindresultaat", "belongs only with status afgesloten", "eindresultaat")
    if "nieuwAdres" in data:
        if data.get("reden") != GEEN_INWONER:
            yield Violation("/nieuwAdres", f"is only allowed with reden '{GEEN_INWONER}'", "nieuw-adres")
        try:
            normalise(data["nieuwAdres"]["postcode"])
        except InvalidPostcode:
            yield Violation("/nieuwAdres/postcode", "is not a postcode that can exist", "postcode")
    attempt = data.get("contactpoging")
    if attempt and date.fromisoformat(attempt["datum"]) > vandaag():
        yield Violation("/contactpoging/datum", "lies in the future", "toekomst")


def _datum_opgepakt(data: dict[str, Any]) -> Iterator[Violation]:
    if "datumOpgepakt" not in data:
        return
    if data.get("status") != "opgepakt":
        yield Violation("/datumOpgepakt", "belongs only with status opgepakt", "datum-opgepakt")
    elif date.fromisoformat(data["datumOpgepakt"]) > vandaag():
        yield Violation("/datumOpgepakt", "lies in the future", "toekomst")


def _datum_not_in_future(data: dict[str, Any]) -> Iterator[Violation]:
    if date.fromisoformat(data["datum"]) > vandaag():
        yield Violation("/datum", "lies in the future", "toekomst")


def _einddatum_with_akkoord(data: dict[str, Any]) -> Iterator[Violation]:
    if "nieuweEinddatum" in data and not data["akkoord"]:
        yield Violation("/nieuweEinddatum", "belongs only with akkoord true", "nieuwe-einddatum")


RULES: dict[MessageKind, list[Rule]] = {
    MessageKind.DOORVERWIJZING: [_burgerservicenummer, _postcode, _not_in_future, _cents],
    MessageKind.STATUSMELDING: [_status_details, _datum_opgepakt],
    MessageKind.BETALINGSHERSTEL: [_datum_not_in_future],
    MessageKind.INGRIJPENDE_MAATREGEL: [_datum_not_in_future],
    MessageKind.VERLENGINGSANTWOORD: [_einddatum_with_akkoord],
}
