"""Distinctive personal data (fictitious) to look for where it must never be: log lines, the
database's stored bytes, the processing log."""

from typing import Any

from tests.support.messages import referral

PERSONAL = {
    "bsn": "271828183",
    "voorletters": "Q.X.",
    "achternaam": "Zwanenburg-Quixotevelt",
    "straatnaam": "Kwispelsteeg",
    "telefoonnummer": "06 98765 4321",
    "email": "q.zwanenburg@quixotevelt.example",
    "bereikbaarheid": "Alleen op dinsdag na de xylofoonles",
    "toelichting": "Sprak over de achterstand bij de Zeppelinverhuur",
    "klantnummer": "KLANT-QX-8842",
}


def distinctive_referral(**changes: Any) -> dict[str, Any]:
    """A valid referral carrying every value of PERSONAL."""
    message = referral(**changes)
    inwoner = message["inwoner"]
    inwoner |= {
        "burgerservicenummer": PERSONAL["bsn"],
        "voorletters": PERSONAL["voorletters"],
        "achternaam": PERSONAL["achternaam"],
    }
    inwoner["adres"]["straatnaam"] = PERSONAL["straatnaam"]
    inwoner["contact"] = {
        "telefoonnummer": PERSONAL["telefoonnummer"],
        "email": PERSONAL["email"],
        "bereikbaarheid": PERSONAL["bereikbaarheid"],
    }
    message["toelichting"] = PERSONAL["toelichting"]
    message["achterstand"]["klantnummer"] = PERSONAL["klantnummer"]
    return message
