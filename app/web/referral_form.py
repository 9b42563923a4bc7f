"""The meldpunt's referral form (pure): form fields to a Doorverwijzing message, and the
violations the message specification finds back to Dutch texts next to the fields."""

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from app import clocks
from app.errors import Violation
from app.organisations.models import Organisatie

# creditors with a legal basis to pass a BSN (DESIGN §7): health insurers and public creditors
BSN_SOORTEN = frozenset(
    {"Zorg", "CAK Zorgverzekeringen", "CAK Eigen bijdrage", "DUO", "Belastingdienst", "Dienst Toeslagen"}
)
TOESTEMMINGSKANALEN = ("Telefoon", "Balie", "Huisbezoek", "Brief", "E-mail", "Chat", "Overige")
SOORTEN_VASTE_LAST = ("Water", "Energie", "Huur", "Hypotheek", "Zorgverzekering", "Overige")
VASTE_LAST_VAN_SOORT = {
    "Water": "Water",
    "Energie": "Energie",
    "Huur": "Huur",
    "Hypotheek": "Hypotheek",
    "Zorg": "Zorgverzekering",
    "CAK Zorgverzekeringen": "Zorgverzekering",
}
ADRESVELDEN = ("postcode", "huisnummer", "huisletter", "huisnummertoevoeging")
VELDEN = (  # in the order of the form: the error summary and the cursor follow it
    *ADRESVELDEN,
    "toestemming",
    "toestemming_kanaal",
    "voorletters",
    "voorvoegsel",
    "achternaam",
    "burgerservicenummer",
    "telefoonnummer",
    "email",
    "bereikbaarheid",
    "bedrag",
    "soort_vaste_last",
    "ontstaansdatum",
    "referentie",
    "klantnummer",
    "toelichting",
    "crisissignaal",
)


@dataclass(frozen=True)
class Veldtekst:
    """What to tell the person when a field is missing or not acceptable."""

    ontbreekt: str
    ongeldig: str
    per_code: dict[str, str] = field(default_factory=dict)


TOEKOMST = {"toekomst": "Deze datum ligt in de toekomst."}
TEKSTEN: dict[str, tuple[str, Veldtekst]] = {
    "/inwoner/adres/postcode": (
        "postcode",
        Veldtekst(
            "Vul de postcode in.",
            "Vul een postcode in zoals 1234 AB.",
            {"postcode": "Deze postcode bestaat niet. Controleer hem met de klant."},
        ),
    ),
    "/inwoner/adres/huisnummer": (
        "huisnummer",
        Veldtekst(
            "Vul het huisnummer in.",
            "Vul het huisnummer in cijfers in; een letter of toevoeging heeft een eigen veld.",
        ),
    ),
    "/inwoner/adres/huisletter": ("huisletter", Veldtekst("", "Een huisletter is één letter.")),
    "/inwoner/adres/huisnummertoevoeging": (
        "huisnummertoevoeging",
        Veldtekst("", "Een toevoeging is 1 tot 4 letters of cijfers."),
    ),
    "/referentie": (
        "referentie",
        Veldtekst("Vul uw dossiernummer in.", "Een dossiernummer is hoogstens 64 tekens."),
    ),
    "/toestemming/gegeven": (
        "toestemming",
        Veldtekst(
            "Lees de zin over toestemming voor en vink aan dat de klant toestemming geeft.",
            "Lees de zin over toestemming voor en vink aan dat de klant toestemming geeft.",
        ),
    ),
    "/toestemming/kanaal": (
        "toestemming_kanaal",
        Veldtekst("Kies hoe de klant toestemming gaf.", "Kies hoe de klant toestemming gaf."),
    ),
    "/inwoner/voorletters": ("voorletters", Veldtekst("", "Voorletters zijn hoogstens 20 tekens.")),
    "/inwoner/voorvoegsel": ("voorvoegsel", Veldtekst("", "Een voorvoegsel is hoogstens 10 tekens.")),
    "/inwoner/achternaam": (
        "achternaam",
        Veldtekst("Vul de achternaam in.", "Een achternaam is hoogstens 200 tekens."),
    ),
    "/inwoner/burgerservicenummer": (
        "burgerservicenummer",
        Veldtekst(
            "",
            "Een burgerservicenummer heeft 9 cijfers.",
            {"elfproef": "Dit burgerservicenummer bestaat niet (het voldoet niet aan de elfproef)."},
        ),
    ),
    "/inwoner/contact": (
        "telefoonnummer",
        Veldtekst(
            "Vul een telefoonnummer of een e-mailadres in.", "Vul een telefoonnummer of een e-mailadres in."
        ),
    ),
    "/inwoner/contact/telefoonnummer": (
        "telefoonnummer",
        Veldtekst("", "Vul een telefoonnummer in zoals 06-12345678 of +31 6 1234 5678."),
    ),
    "/inwoner/contact/email": (
        "email",
        Veldtekst("", "Vul een e-mailadres in zoals naam@voorbeeld.nl."),
    ),
    "/inwoner/contact/bereikbaarheid": ("bereikbaarheid", Veldtekst("", "Hoogstens 500 tekens.")),
    "/achterstand/bedrag": (
        "bedrag",
        Veldtekst(
            "Vul het bedrag van de achterstand in.",
            "Vul een bedrag in euro's in, groter dan 0, zoals 245,50.",
            {"centen": "Vul het bedrag in met hoogstens twee cijfers achter de komma."},
        ),
    ),
    "/achterstand/soortVasteLast": (
        "soort_vaste_last",
        Veldtekst("Kies de soort vaste last.", "Kies de soort vaste last."),
    ),
    "/achterstand/ontstaansdatum": (
        "ontstaansdatum",
        Veldtekst("", "Vul een datum in zoals 2026-11-01.", TOEKOMST),
    ),
    "/achterstand/klantnummer": ("klantnummer", Veldtekst("", "Een klantnummer is hoogstens 64 tekens.")),
    "/toelichting": ("toelichting", Veldtekst("", "Een toelichting is hoogstens 4000 tekens.")),
}


def bsn_allowed(schuldeiser: Organisatie) -> bool:
    return (schuldeiser.signaalpartner or "") in BSN_SOORTEN


def default_fields(schuldeiser: Organisatie) -> dict[str, str]:
    return {
        "toestemming_kanaal": "Telefoon",
        "soort_vaste_last": VASTE_LAST_VAN_SOORT.get(schuldeiser.signaalpartner or "", "Overige"),
    }


def parse_bedrag(text: str) -> Decimal | str:
    """Dutch or plain notation: 1.312,75 / 1312,75 / 1312.75 / € 245; the text as typed when it is
    no amount (the specification then says what is wrong)."""
    cleaned = text.replace("€", "").replace(" ", "").replace("\u00a0", "")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(\.\d{3})+", cleaned):
        cleaned = cleaned.replace(".", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return text
    return amount if amount.is_finite() else text


def _whole_number(text: str) -> int | str:
    return int(text) if text.isdigit() and len(text) <= 6 else text


def schuldeiser_block(schuldeiser: Organisatie) -> dict[str, str]:
    block = {"oin": schuldeiser.oin} if schuldeiser.oin else {"kvkNummer": schuldeiser.kvk_nummer or ""}
    return block | {"naam": schuldeiser.naam, "soort": schuldeiser.signaalpartner or "Overige"}


def build_message(
    fields: Mapping[str, str], *, schuldeiser: Organisatie, bericht_id: uuid.UUID, now: datetime
) -> dict[str, Any]:
    """The Doorverwijzing (JSON form) for the filled-in form. Empty optional fields are left out;
    the specification, not this function, decides what is acceptable."""

    def value(name: str) -> str:
        return fields.get(name, "").strip()

    def put(target: dict[str, Any], key: str, name: str) -> None:
        if value(name):
            target[key] = value(name)

    adres: dict[str, Any] = {}
    put(adres, "postcode", "postcode")
    if value("huisnummer"):
        adres["huisnummer"] = _whole_number(value("huisnummer"))
    put(adres, "huisletter", "huisletter")
    put(adres, "huisnummertoevoeging", "huisnummertoevoeging")
    contact: dict[str, Any] = {}
    put(contact, "telefoonnummer", "telefoonnummer")
    put(contact, "email", "email")
    put(contact, "bereikbaarheid", "bereikbaarheid")
    inwoner: dict[str, Any] = {}
    if bsn_allowed(schuldeiser):
        put(inwoner, "burgerservicenummer", "burgerservicenummer")
    put(inwoner, "voorletters", "voorletters")
    put(inwoner, "voorvoegsel", "voorvoegsel")
    put(inwoner, "achternaam", "achternaam")
    inwoner |= {"adres": adres, "contact": contact}
    achterstand: dict[str, Any] = {}
    if value("bedrag"):
        achterstand["bedrag"] = parse_bedrag(value("bedrag"))
    put(achterstand, "ontstaansdatum", "ontstaansdatum")
    put(achterstand, "soortVasteLast", "soort_vaste_last")
    put(achterstand, "klantnummer", "klantnummer")
    message: dict[str, Any] = {
        "berichtId": str(bericht_id),
        "verzondenOp": clocks.utc_text(now),
        "schuldeiser": schuldeiser_block(schuldeiser),
        "toestemming": {
            "gegeven": value("toestemming") == "ja",
            "datum": clocks.vandaag(now).isoformat(),
            "kanaal": value("toestemming_kanaal"),
        },
        "inwoner": inwoner,
        "achterstand": achterstand,
        "crisissignaal": value("crisissignaal") == "ja",
    }
    put(message, "referentie", "referentie")
    put(message, "toelichting", "toelichting")
    return message


@dataclass(frozen=True)
class Fouten:
    per_veld: dict[str, str]
    algemeen: list[str]


def explain(violations: list[Violation]) -> Fouten:
    """Each violation as a Dutch text at its field (the first per field), the rest in general."""
    per_veld: dict[str, str] = {}
    algemeen: list[str] = []
    for violation in violations:
        known = TEKSTEN.get(violation.location)
        if known is None:
            algemeen.append(f"Het bericht is niet geldig bij {violation.location or 'het geheel'}.")
            continue
        veld, tekst = known
        if violation.code and violation.code in tekst.per_code:
            melding = tekst.per_code[violation.code]
        elif violation.detail.startswith("is required") and tekst.ontbreekt:
            melding = tekst.ontbreekt
        else:
            melding = tekst.ongeldig
        per_veld.setdefault(veld, melding)
    return Fouten(per_veld, algemeen)


def ordered(fouten: dict[str, str]) -> dict[str, str]:
    """The errors in the order of the form, for the summary at the top."""
    return {name: fouten[name] for name in VELDEN if name in fouten}
