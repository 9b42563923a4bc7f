"""The peers' vocabularies, without network or database: a referral as a Vroegsignalering signal,
a Vroegsignalering status update as Statusmeldingen, and the Schuldenknooppunt's SOAP envelopes."""

import copy
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
import xmlschema
from lxml import etree

from app.config import PROJECT_ROOT
from app.messages import rules
from app.messages.specs import MessageKind
from app.messages.validation import data_violations, parse_json
from app.peers import mapping, soap
from app.peers.simulators import schuldenknooppunt
from tests.conftest import EXAMPLES

PEERS = PROJECT_ROOT / "schemas" / "peers"
SKN_EXAMPLES = PEERS / "schuldenknooppunt" / "v1" / "examples"
VS_EXAMPLES = PEERS / "vroegsignalering" / "v1" / "examples"
CALLBACK = "https://warme-doorverwijzing.example.nl/v1/vroegsignalering/statusupdates"
UPDATE_ID = "5f0c2b9e-1d7a-4c3e-8b6f-2a9d4e7c1b05"
SENT = "2026-11-20T10:00:00Z"
GEEN_INWONER = "Persoon is geen inwoner (meer) in de gemeente"
NIET_OPGEPAKT_REDENEN = [
    "Inwoner al bekend bij schuldhulpverlening",
    "Inwoner is overleden",
    "Niet opgepakt: andere reden",
    "Niet opgepakt: herhaalde melding",
    "Niet opgepakt: onterecht signaal",
    GEEN_INWONER,
]


def example_json(message: str, name: str) -> dict[str, Any]:
    """A message example in its JSON form, numbers as Decimal (as the service reads them)."""
    return parse_json((EXAMPLES / message / name).read_bytes(), max_depth=32)


def volledig() -> dict[str, Any]:
    return example_json("doorverwijzing", "valid-volledig.json")


def signal_for(bericht: dict[str, Any], adres: dict[str, Any] | None = None) -> dict[str, Any]:
    return mapping.signaal(
        doorverwijzing_id=uuid.UUID("d1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6"),
        bericht=bericht,
        adres=adres or bericht["inwoner"]["adres"],
        gemeentecode="0363",
        signaaldatum="2026-11-27",
        callback=CALLBACK,
    )


def update(**fields: Any) -> dict[str, Any]:
    return {"updateId": UPDATE_ID, "signaalId": str(uuid.uuid4()), "tijdstip": SENT, **fields}


def attempt(bereikt: bool, datum: str = "2026-11-18", **extra: Any) -> dict[str, Any]:
    return {"soort": "Telefoon", "bereikt": bereikt, "datum": datum, **extra}


def meldingen(*, contact_gelegd: bool = False, **fields: Any) -> list[dict[str, Any]]:
    return mapping.statusmeldingen(update(**fields), verzonden_op=SENT, contact_gelegd=contact_gelegd)


def content(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages without their ids and send moments."""
    return [{k: v for k, v in m.items() if k not in ("berichtId", "verzondenOp")} for m in messages]


# --- Doorverwijzing -> Signaal ---------------------------------------------------------------


def test_the_complete_example_referral_becomes_the_example_signal() -> None:
    expected = json.loads((VS_EXAMPLES / "signaal.json").read_text("utf-8"))

    assert signal_for(volledig()) == expected


def test_a_signal_is_always_a_warm_transfer() -> None:
    bericht = example_json("doorverwijzing", "valid-minimaal.json")

    assert signal_for(bericht)["warmeOverdracht"] is True


@pytest.mark.parametrize(
    ("bedrag", "euros"),
    [("245.50", 246), ("1312.75", 1313), ("2.50", 3), ("244.49", 244), ("0.49", 0), ("2150", 2150)],
)
def test_the_amount_is_whole_euros_rounded_half_up(bedrag: str, euros: int) -> None:
    bericht = volledig()
    bericht["achterstand"]["bedrag"] = Decimal(bedrag)

    assert signal_for(bericht)["bedrag"] == euros


def test_the_house_number_travels_as_text_and_the_postcode_normalised() -> None:
    bericht = volledig()
    bericht["inwoner"]["adres"] |= {"huisnummer": 117, "postcode": "1012 lg"}

    client = signal_for(bericht)["client"]

    assert client["huisnummer"] == "117"
    assert client["postcode"] == "1012LG"


def test_a_rerouted_referral_is_signalled_at_its_new_address() -> None:
    bericht = volledig()
    nieuw = {"straatnaam": "Coolsingel", "huisnummer": 40, "postcode": "3011 ad", "woonplaats": "Rotterdam"}

    client = signal_for(bericht, adres=nieuw)["client"]

    assert {k: client[k] for k in ("straatnaam", "huisnummer", "postcode", "woonplaats")} == {
        "straatnaam": "Coolsingel",
        "huisnummer": "40",
        "postcode": "3011AD",
        "woonplaats": "Rotterdam",
    }
    assert "huisletter" not in client  # nothing of the old address is left


def test_what_vroegsignalering_does_not_need_is_not_sent() -> None:
    signal = json.dumps(signal_for(volledig()))

    for private in ("WV-2026-000124", "K-0047118", "Huisbezoek", "1312.75"):
        assert private not in signal


def test_optional_fields_absent_from_the_referral_are_absent_from_the_signal() -> None:
    signal = signal_for(example_json("doorverwijzing", "valid-minimaal.json"))

    assert "ontstaansdatum" not in signal
    assert "toelichting" not in signal
    assert set(signal["client"]) == {"achternaam", "postcode", "huisnummer", "telefoonnummer"}


# --- Statusupdate -> Statusmeldingen ---------------------------------------------------------


def test_opgepakt_becomes_opgepakt_on_the_day_vroegsignalering_gives() -> None:
    assert content(meldingen(status="Opgepakt", datumOpgepakt="2026-11-18")) == [
        {"status": "opgepakt", "datumOpgepakt": "2026-11-18"}
    ]


def test_opgepakt_without_a_day_becomes_opgepakt_on_the_day_of_the_report() -> None:
    assert content(meldingen(status="Opgepakt")) == [{"status": "opgepakt"}]


def test_a_pick_up_day_without_status_opgepakt_is_not_passed_on() -> None:
    assert meldingen(datumOpgepakt="2026-11-18") == []


def test_nog_niet_opgepakt_becomes_nothing() -> None:
    assert meldingen(status="Nog niet opgepakt") == []


@pytest.mark.parametrize("reden", NIET_OPGEPAKT_REDENEN)
def test_every_other_signal_status_becomes_niet_opgepakt_with_that_reden(reden: str) -> None:
    assert content(meldingen(status=reden)) == [{"status": "niet_opgepakt", "reden": reden}]


def test_contact_attempts_keep_their_ddas_names() -> None:
    produced = meldingen(
        contactpogingen=[attempt(False, "2026-11-17", dagdeel="Middag"), attempt(True, "2026-11-18")]
    )

    assert content(produced) == [
        {
            "contactpoging": {
                "soort": "Telefoon",
                "bereikt": False,
                "datum": "2026-11-17",
                "dagdeel": "Middag",
            }
        },
        {"contactpoging": {"soort": "Telefoon", "bereikt": True, "datum": "2026-11-18"}},
    ]


def test_opgepakt_comes_before_the_attempts_of_the_same_update() -> None:
    produced = meldingen(status="Opgepakt", contactpogingen=[attempt(True)])

    assert [m.get("status", "contactpoging") for m in produced] == ["opgepakt", "contactpoging"]


def test_definitively_no_contact_becomes_niet_bereikt_for_someone_never_reached() -> None:
    assert content(meldingen(resultaat="Definitief geen contact kunnen krijgen")) == [
        {"status": "niet_bereikt"}
    ]


def test_definitively_no_contact_after_earlier_contact_is_no_response_after_contact() -> None:
    assert content(meldingen(resultaat="Definitief geen contact kunnen krijgen", contact_gelegd=True)) == [
        {"status": "afgesloten", "eindresultaat": "Geen reactie na eerder contact"}
    ]


def test_a_reached_attempt_in_the_same_update_counts_as_earlier_contact() -> None:
    produced = meldingen(contactpogingen=[attempt(True)], resultaat="Definitief geen contact kunnen krijgen")

    assert content(produced)[-1] == {
        "status": "afgesloten",
        "eindresultaat": "Geen reactie na eerder contact",
    }


def test_an_attempt_that_did_not_reach_the_person_is_no_earlier_contact() -> None:
    produced = meldingen(contactpogingen=[attempt(False)], resultaat="Definitief geen contact kunnen krijgen")

    assert content(produced)[-1] == {"status": "niet_bereikt"}


def test_any_other_result_closes_the_referral_with_that_eindresultaat() -> None:
    assert content(meldingen(resultaat="Vervolghulp en/of verwijzing financieel")) == [
        {"status": "afgesloten", "eindresultaat": "Vervolghulp en/of verwijzing financieel"}
    ]


def test_status_then_attempts_then_result_within_one_update() -> None:
    produced = meldingen(
        status="Opgepakt",
        contactpogingen=[attempt(False), attempt(True)],
        resultaat="(Budget)advies en/of quick fix",
    )

    assert [m.get("status", "contactpoging") for m in produced] == [
        "opgepakt",
        "contactpoging",
        "contactpoging",
        "afgesloten",
    ]


def test_the_internal_note_goes_with_the_last_message_only() -> None:
    produced = meldingen(status="Opgepakt", contactpogingen=[attempt(True)], toelichting="Intern: bellen")

    assert [m.get("interneToelichting") for m in produced] == [None, "Intern: bellen"]


def test_a_note_without_any_change_produces_nothing() -> None:
    assert meldingen(toelichting="Alleen een notitie") == []


def test_the_same_update_gives_the_same_berichtids() -> None:
    fields: dict[str, Any] = {"status": "Opgepakt", "contactpogingen": [attempt(True)]}

    first = mapping.statusmeldingen(update(**fields), verzonden_op=SENT)
    again = mapping.statusmeldingen(update(**fields), verzonden_op=SENT)

    assert [m["berichtId"] for m in first] == [m["berichtId"] for m in again]
    assert len({m["berichtId"] for m in first}) == len(first)


def test_another_update_gives_other_berichtids() -> None:
    first = mapping.statusmeldingen(update(status="Opgepakt"), verzonden_op=SENT)
    other = mapping.statusmeldingen(
        update(status="Opgepakt") | {"updateId": str(uuid.uuid4())}, verzonden_op=SENT
    )

    assert first[0]["berichtId"] != other[0]["berichtId"]


def test_mapping_does_not_change_the_update() -> None:
    original = update(status="Opgepakt", contactpogingen=[attempt(True)], toelichting="x")
    kept = copy.deepcopy(original)

    mapping.statusmeldingen(original, verzonden_op=SENT)

    assert original == kept


UPDATES: list[dict[str, Any]] = [
    {"status": "Opgepakt", "datumOpgepakt": "2026-11-18"},
    *({"status": reden} for reden in NIET_OPGEPAKT_REDENEN),
    {"contactpogingen": [attempt(False, dagdeel="Ochtend"), attempt(True, dagdeel="Avond")]},
    {"resultaat": "Definitief geen contact kunnen krijgen", "toelichting": "drie keer gebeld"},
    {"resultaat": "Inwoner regelt het zelf/hoeft geen hulp vanuit vroegsignalering"},
    {"status": "Opgepakt", "contactpogingen": [attempt(True)], "resultaat": "Vervolghulp en/of verwijzing"},
]


@pytest.mark.parametrize("fields", UPDATES, ids=lambda f: "+".join(sorted(f)))
def test_every_produced_message_is_a_valid_statusmelding(fields: dict[str, Any]) -> None:
    produced = meldingen(**fields)

    assert produced
    for message in produced:
        assert data_violations(MessageKind.STATUSMELDING, message) == []


@pytest.mark.parametrize("path", sorted(VS_EXAMPLES.glob("statusupdate-*.json")), ids=lambda p: p.stem)
def test_each_example_status_update_maps_to_valid_statusmeldingen(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the examples follow one referral into December 2026: judge them after the last one
    monkeypatch.setattr(rules, "vandaag", lambda now=None: date(2026, 12, 18))
    example = json.loads(path.read_text("utf-8"))

    produced = mapping.statusmeldingen(example, verzonden_op=example["tijdstip"])

    assert produced
    for message in produced:
        assert data_violations(MessageKind.STATUSMELDING, message) == []


# --- SOAP envelopes --------------------------------------------------------------------------


def kop(**changes: Any) -> soap.Berichtkop:
    fields: dict[str, Any] = {
        "afzender": "WDV",
        "ontvanger": "ZVV-001",
        "berichtsoort": "terugmelding",
        "bericht_id": uuid.UUID("9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"),
        "conversatie_id": uuid.UUID("0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"),
        "verzonden_op": datetime(2026, 11, 27, 13, 20, 45, tzinfo=UTC),
    }
    return soap.Berichtkop(**(fields | changes))


def skn(name: str) -> str:
    return f"{{{soap.SKN}}}{name}"


def test_an_envelope_parses_back_into_its_header_and_body() -> None:
    body = etree.Element(skn("haalBerichtenOp"))
    etree.SubElement(body, skn("deelnemer")).text = "WDV"

    header, content_ = soap.parse(soap.envelope(body, kop().element()))

    assert header is not None
    assert soap.Berichtkop.parse(header) == kop()
    assert content_.tag == skn("haalBerichtenOp")
    assert content_.findtext(skn("deelnemer")) == "WDV"


def test_an_envelope_without_header_parses_with_none() -> None:
    header, _ = soap.parse(soap.envelope(etree.Element(skn("bevestigOntvangst"))))

    assert header is None


def test_a_berichtkop_with_an_offset_is_read_as_the_same_moment() -> None:
    element = kop().element()
    element.find(skn("verzondenOp")).text = "2026-11-27T14:20:45+01:00"

    assert soap.Berichtkop.parse(element).verzonden_op == kop().verzonden_op


def test_the_berichtkop_is_sent_in_utc() -> None:
    element = kop(verzonden_op=datetime.fromisoformat("2026-11-27T14:20:45+01:00")).element()

    assert element.findtext(skn("verzondenOp")) == "2026-11-27T13:20:45Z"


KOP_FIELDS = [
    "afzender",
    "ontvanger",
    "berichtsoort",
    "berichtId",
    "conversatieReferentienummer",
    "verzondenOp",
]


@pytest.mark.parametrize("field", KOP_FIELDS)
def test_a_berichtkop_missing_a_field_is_malformed(field: str) -> None:
    element = kop().element()
    element.remove(element.find(skn(field)))

    with pytest.raises(soap.MalformedReply, match=field):
        soap.Berichtkop.parse(element)


@pytest.mark.parametrize(
    ("field", "garbled"),
    [
        ("berichtId", "not-a-uuid"),
        ("conversatieReferentienummer", "1234"),
        ("verzondenOp", "gisteren"),
    ],
)
def test_a_berichtkop_with_a_garbled_field_is_malformed(field: str, garbled: str) -> None:
    element = kop().element()
    element.find(skn(field)).text = garbled

    with pytest.raises(soap.MalformedReply):
        soap.Berichtkop.parse(element)


def test_a_berichtkop_sent_without_time_zone_is_malformed() -> None:
    element = kop().element()
    element.find(skn("verzondenOp")).text = "2026-11-27T13:20:45"

    with pytest.raises(soap.MalformedReply):
        soap.Berichtkop.parse(element)


def test_a_fault_raises_soapfault_with_its_code_and_text() -> None:
    with pytest.raises(soap.SoapFault) as raised:
        soap.parse(soap.fault("Server", "the hub is being maintained"))

    assert raised.value.code == "soap:Server"
    assert raised.value.text == "the hub is being maintained"


@pytest.mark.parametrize(
    "reply",
    [
        b"<html>proxy error",
        b"",
        b"<answer>ok</answer>",
        b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"/>',
        b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        b"<a/><b/></soap:Body></soap:Envelope>",
        b'<!DOCTYPE x [<!ENTITY e "boom">]><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
        b"<soap:Body><a>&e;</a></soap:Body></soap:Envelope>",
    ],
    ids=["html", "empty", "not-soap", "no-body", "two-body-elements", "entity"],
)
def test_what_is_not_a_soap_message_is_malformed(reply: bytes) -> None:
    with pytest.raises(soap.MalformedReply):
        soap.parse(reply)


ENVELOPES = sorted(SKN_EXAMPLES.glob("*.xml"))


@pytest.mark.parametrize("path", [p for p in ENVELOPES if p.stem != "soap-fault"], ids=lambda p: p.stem)
def test_every_example_envelope_parses(path: Path) -> None:
    header, content_ = soap.parse(path.read_bytes())

    assert etree.QName(content_).namespace == soap.SKN
    if header is not None:
        assert soap.Berichtkop.parse(header).berichtsoort in soap.KIND_OF


def test_the_example_fault_parses_as_a_client_fault() -> None:
    with pytest.raises(soap.SoapFault) as raised:
        soap.parse((SKN_EXAMPLES / "soap-fault.xml").read_bytes())

    assert raised.value.code == "soap:Client"
    assert "client certificate" in raised.value.text


def test_every_berichtkop_in_the_fetch_example_parses() -> None:
    _, answer = soap.parse((SKN_EXAMPLES / "haalBerichtenOpAntwoord.xml").read_bytes())

    koppen = [soap.Berichtkop.parse(k) for k in answer.iterfind(f"{skn('bericht')}/{skn('berichtkop')}")]

    assert [k.berichtsoort for k in koppen] == ["intrekking", "doorverwijzing"]


# --- the envelopes against the contract's XSD ------------------------------------------------


@cache
def contract() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(PEERS / "schuldenknooppunt" / "v1" / "schuldenknooppunt.xsd"))


def contract_errors(envelope: bytes) -> list[str]:
    """Why the header block and the body element of an envelope are not valid (empty if they are)."""
    root = etree.fromstring(envelope)
    parts = root.findall(f"{{{soap.SOAP_ENV}}}Header/*") + root.findall(f"{{{soap.SOAP_ENV}}}Body/*")
    assert parts
    return [str(error.reason) for part in parts for error in contract().iter_errors(part)]


@pytest.mark.parametrize("path", [p for p in ENVELOPES if p.stem != "soap-fault"], ids=lambda p: p.stem)
def test_the_example_envelopes_are_valid_against_the_contract(path: Path) -> None:
    assert contract_errors(path.read_bytes()) == []


def test_the_contract_check_finds_an_invalid_berichtkop() -> None:
    element = kop().element()
    element.find(skn("berichtsoort")).text = "brief"

    assert contract_errors(soap.envelope(etree.Element(skn("verstuurBericht")), element)) != []


OUTGOING = [
    (MessageKind.DOORVERWIJZING, "doorverwijzing", "valid-volledig.json"),
    (MessageKind.ONTVANGSTBEVESTIGING, "ontvangstbevestiging", "valid-meerderheid.json"),
    (MessageKind.FOUTBERICHT, "foutbericht", "valid-gemeente-neemt-niet-deel.json"),
    (MessageKind.FOUTBERICHT, "foutbericht", "valid-validatiefout-xpath.json"),
    (MessageKind.TERUGMELDING, "terugmelding", "valid-contact-gelegd.json"),
    (MessageKind.INTREKKING, "intrekking", "valid-overig-toelichting.json"),
    (MessageKind.BETALINGSHERSTEL, "betalingsherstel", "valid-betalingen-hervat.json"),
    (MessageKind.BETALINGSHERSTEL, "betalingsherstel", "valid-betalingen-niet-hervat.json"),
    (MessageKind.INGRIJPENDE_MAATREGEL, "ingrijpendeMaatregel", "valid-ontruiming-aangekondigd.json"),
]


@pytest.mark.parametrize(("kind", "folder", "name"), OUTGOING, ids=lambda v: str(v))
def test_verstuurbericht_for_each_message_kind_is_valid_against_the_contract(
    kind: MessageKind, folder: str, name: str
) -> None:
    envelope = soap.verstuur(kop(berichtsoort=soap.BERICHTSOORT[kind]), kind, example_json(folder, name))

    assert contract_errors(envelope) == []


async def simulator_call(operation: etree._Element, header: etree._Element | None = None) -> bytes:
    app = schuldenknooppunt.create_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as hub:
        injected = await hub.post(
            "/_sim/berichten",
            json={
                "afzender": "ZVV-001",
                "ontvanger": "WDV",
                "xml": (EXAMPLES / "doorverwijzing" / "valid-minimaal.xml").read_text("utf-8"),
                "berichtId": "3f2b8c1e-6d4a-4b7e-9a21-5c0d8e7f1a23",
            },
        )
        assert injected.status_code == 201
        return (await hub.post("/soap", content=soap.envelope(operation, header))).content


def request(name: str, **children: str) -> etree._Element:
    element = etree.Element(skn(name))
    for child, text in children.items():
        etree.SubElement(element, skn(child)).text = text
    return element


async def test_the_simulators_fetch_answer_is_valid_against_the_contract() -> None:
    reply = await simulator_call(request("haalBerichtenOp", deelnemer="WDV"))

    assert contract_errors(reply) == []
    _, answer = soap.parse(reply)
    assert len(answer.findall(skn("bericht"))) == 1


async def test_the_simulators_confirm_answer_is_valid_against_the_contract() -> None:
    reply = await simulator_call(
        request("bevestigOntvangst", deelnemer="WDV", berichtId="3f2b8c1e-6d4a-4b7e-9a21-5c0d8e7f1a23")
    )

    assert contract_errors(reply) == []
    _, answer = soap.parse(reply)
    assert answer.findtext(skn("bevestigd")) == "1"


async def test_the_simulators_send_answer_is_valid_against_the_contract() -> None:
    body = request("verstuurBericht")
    body.append(
        soap.message_element(MessageKind.INTREKKING, example_json("intrekking", "valid-betaald.json"))
    )

    reply = await simulator_call(body, kop(berichtsoort="intrekking").element())

    assert contract_errors(reply) == []
    _, answer = soap.parse(reply)
    assert answer.findtext(skn("geaccepteerd")) == "true"


async def test_the_simulator_answers_an_invalid_request_with_a_client_fault() -> None:
    reply = await simulator_call(request("verstuurBericht"))  # no berichtkop, no message

    with pytest.raises(soap.SoapFault) as raised:
        soap.parse(reply)
    assert raised.value.code == "soap:Client"
