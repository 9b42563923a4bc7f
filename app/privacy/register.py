"""The register of processing activities (verwerkingsactiviteiten) the processing log refers to
(pure): why the service processes a referral's personal data, and on which legal ground.

Each entry of the processing log names one of these (the Logboek Dataverwerkingen attribute
`dpl.core.processing_activity_id`) next to the operation it was (`actie`).
"""

from dataclasses import dataclass
from enum import StrEnum


class Verwerkingsactiviteit(StrEnum):
    DOORVERWIJZEN = "warme-doorverwijzing"
    SCHULDHULP = "schuldhulpverlening"
    AFLEVEREN = "aflevering-aan-uitvoerder"
    BEWAARTERMIJN = "bewaartermijn"


@dataclass(frozen=True)
class Activiteit:
    naam: str
    doel: str
    grondslag: str


REGISTER: dict[Verwerkingsactiviteit, Activiteit] = {
    Verwerkingsactiviteit.DOORVERWIJZEN: Activiteit(
        naam="Warme doorverwijzing door de schuldeiser",
        doel="de inwoner met een betalingsachterstand in contact brengen met de schuldhulp van de "
        "gemeente, en de schuldeiser laten weten wat de incassobeslissing nodig heeft",
        grondslag="toestemming van de inwoner voor de warme doorverwijzing",
    ),
    Verwerkingsactiviteit.SCHULDHULP: Activiteit(
        naam="Oppakken van de doorverwijzing door de uitvoerder",
        doel="contact opnemen met de inwoner en schuldhulp aanbieden",
        grondslag="Wet gemeentelijke schuldhulpverlening",
    ),
    Verwerkingsactiviteit.AFLEVEREN: Activiteit(
        naam="Aflevering aan het systeem van de uitvoerder",
        doel="de doorverwijzing bezorgen in het systeem waarin de uitvoerder werkt",
        grondslag="Wet gemeentelijke schuldhulpverlening",
    ),
    Verwerkingsactiviteit.BEWAARTERMIJN: Activiteit(
        naam="Wissen na de bewaartermijn",
        doel="persoonsgegevens niet langer bewaren dan nodig; de anonieme mijlpalen blijven voor de "
        "monitoring",
        grondslag="AVG artikel 5 lid 1 onder e (opslagbeperking)",
    ),
}
