"""Response models shared by the API (camelCase on the wire, as in the message specification)."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt
from pydantic.alias_generators import to_camel

from app.referrals.contact_promise import ContactTermijn
from app.routing.service import Routering


class KlokkenVanafReden(StrEnum):
    ONTVANGST = "ontvangst"
    HERROUTERING = "herroutering"


class ApiModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class GemeenteRef(ApiModel):
    code: str = Field(pattern=r"^[0-9]{4}$", examples=["0363"])
    naam: str = Field(examples=["Amsterdam"])


class OrganisatieRef(ApiModel):
    id: uuid.UUID
    naam: str


class RouteringUitleg(ApiModel):
    """How an address was routed: which rule, and whether it was a majority routing."""

    methode: str = Field(description="pc4, pc6 or pc6-huisnummer: the most specific rule that matched")
    meerderheid: bool = Field(
        description="True when the postcode area crosses a municipal border and was routed to "
        "the gemeente holding most of its addresses"
    )
    aandeel: float | None = Field(default=None, description="That gemeente's share of the addresses")
    peildatum: date
    tabelversie: str

    @classmethod
    def of(cls, routering: Routering) -> "RouteringUitleg":
        return cls(
            methode=routering.methode.value,
            meerderheid=routering.meerderheid,
            aandeel=round(routering.aandeel, 4) if routering.meerderheid else None,
            peildatum=routering.peildatum,
            tabelversie=routering.tabelversie,
        )


class Ontvangstbevestiging(ApiModel):
    """Acknowledgement of a stored referral (the Ontvangstbevestiging message of specification v1)."""

    bericht_id: uuid.UUID
    verzonden_op: datetime
    in_reactie_op: uuid.UUID
    doorverwijzing_id: uuid.UUID
    status: str
    gemeente: GemeenteRef
    uitvoerder: OrganisatieRef
    incassostop_tot: date = Field(description="Last day of the 30-day collection hold")
    contact_uiterlijk: date = Field(description="End of the 3rd working day after receipt")
    routering: RouteringUitleg


class Klokken(ApiModel):
    """The pilot's promises for this referral, in working days from the moment the clocks started:
    the receipt, or the last re-routing."""

    contact_termijn: ContactTermijn = Field(
        description="gehaald: the first contact attempt that is contact with the resident (not "
        "Administratief or Onbekend), or the report that the person was reached, was on or before "
        "contactUiterlijk; niet_gehaald: it was later, or the deadline passed (or the referral closed) "
        "without one; niet_van_toepassing: withdrawn, or closed for a reason that owes no contact "
        "(already known, died, moved, wrong or repeated signal), on or before the deadline and before "
        "any attempt; open: it can still be kept"
    )
    # for the uitvoerder only
    klokken_vanaf: datetime | None = Field(
        default=None, description="The moment contactUiterlijk and the working days count from"
    )
    klokken_vanaf_reden: KlokkenVanafReden | None = Field(
        default=None,
        description="ontvangst: the receipt; herroutering: the last re-routing to this uitvoerder",
    )
    werkdagen_tot_opgepakt: int | None = None
    werkdagen_tot_eerste_contactpoging: int | None = None
    werkdagen_tot_contact: int | None = None
    werkdagen_tot_hulp_aangeboden: int | None = None
    werkdagen_tot_hulp_geaccepteerd: int | None = None


class BetalingsherstelRegel(ApiModel):
    """One Betalingsherstel report of the creditor."""

    soort: str = Field(description="betalingen-hervat, achterstand-ingelopen or betalingen-niet-hervat")
    datum: date
    gemeld_op: datetime


class MaatregelRegel(ApiModel):
    """One drastic collection measure the creditor reported."""

    maatregel: str = Field(
        description="afsluiting, beperking, ontruiming-aangekondigd, ontruiming-uitgevoerd, "
        "overdracht-deurwaarder or overdracht-incassobureau"
    )
    datum: date
    gemeld_op: datetime
    tijdens_incassostop: bool = Field(description="Taken while the collection hold ran: a breach of the hold")


class DoorverwijzingView(ApiModel):
    """A referral as its creditor and its uitvoerder see it, personal data included.

    The creditor sees the partner-visible status and never the address an uitvoerder reported.
    """

    id: uuid.UUID
    status: str
    status_sinds: datetime
    ontvangen_op: datetime
    schuldeiser: OrganisatieRef
    referentie: str
    gemeente: GemeenteRef
    uitvoerder: OrganisatieRef
    incassostop_tot: date
    contact_uiterlijk: date
    crisissignaal: bool
    routering: RouteringUitleg
    klokken: Klokken
    betalingsherstel_op: date | None = Field(
        default=None, description="The first day the creditor reported payments resumed or arrears cleared"
    )
    betalingsherstel: list[BetalingsherstelRegel] = Field(
        default_factory=list, description="Every Betalingsherstel report, oldest first"
    )
    ingrijpende_maatregelen: list[MaatregelRegel] = Field(
        default_factory=list, description="Every drastic collection measure reported, oldest first"
    )
    bericht: dict[str, Any] | None = Field(
        description="The Doorverwijzing message as received (JSON form); null once erased (gewistOp)"
    )
    actueel_adres: dict[str, Any] | None = Field(
        default=None, description="For the uitvoerder: the new address reported when the resident had moved"
    )
    gewist_op: datetime | None = Field(
        default=None,
        description="When the personal data was erased, the retention period after closing having "
        "passed; what remains is the referral's anonymous course",
    )


class TijdlijnRegel(ApiModel):
    volgnummer: int
    tijdstip: datetime
    soort: str
    door: str = Field(description="schuldeiser, uitvoerder or dienst (a timer of the service)")
    status_van: str | None = None
    status_naar: str | None = None
    gegevens: dict[str, Any] = Field(
        default_factory=dict, description="Details; for the creditor only the partner-visible ones"
    )


class Tijdlijn(ApiModel):
    doorverwijzing_id: uuid.UUID
    gebeurtenissen: list[TijdlijnRegel]


class VerlengingsverzoekView(ApiModel):
    id: uuid.UUID
    status: str = Field(description="open, akkoord or afgewezen")
    gevraagd_tot: date
    motivering: str | None = None
    gevraagd_op: datetime
    nieuwe_einddatum: date | None = None
    beantwoord_op: datetime | None = None


POSTCODE_FORM = r"^[1-9][0-9]{3} ?[A-Za-z]{2}$"
POSTCODE_ISSUED = r"^[1-9][0-9]{3} ?(?:[A-RT-Za-rt-z][A-Za-z]|[Ss][BCE-RT-Zbce-rt-z])$"


class Adres(ApiModel):
    """An address to route. Sent in the body so it never appears in URLs or access logs."""

    # the document also leaves out the letters never issued (SA, SD, SS); the service refuses those
    # with the clearer violation code `postcode`
    postcode: str = Field(
        examples=["1012 LG"],
        pattern=POSTCODE_FORM,
        json_schema_extra={"pattern": POSTCODE_ISSUED},
    )
    huisnummer: StrictInt = Field(ge=1, le=99999, examples=[1])
    huisletter: str | None = Field(default=None, pattern=r"^[A-Za-z]$")
    huisnummertoevoeging: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]{1,4}$")


class RouteringAntwoord(ApiModel):
    gemeente: GemeenteRef
    uitvoerder: OrganisatieRef | None = Field(
        description="The participating debt-help organisation, or null when the gemeente has none"
    )
    routering: RouteringUitleg
