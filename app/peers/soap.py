"""SOAP 1.1 envelopes of the proposed Schuldenknooppunt contract (schemas/peers/schuldenknooppunt)."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree

from app.clocks import utc_text
from app.messages import xml
from app.messages.specs import MessageKind, spec

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SKN = "urn:nld:warme-doorverwijzing:schuldenknooppunt:v1"
SOAP_ACTION = SKN + "/{operation}"
CONTENT_TYPE = "text/xml; charset=utf-8"
MAX_DEPTH = 48
# a mailbox answer carries many messages at once, from a peer on mutual TLS: wider bounds than
# one message from the API has
MAX_ELEMENTS = 200_000
MAX_ATTRIBUTES = 20_000

BERICHTSOORT = {
    MessageKind.DOORVERWIJZING: "doorverwijzing",
    MessageKind.ONTVANGSTBEVESTIGING: "ontvangstbevestiging",
    MessageKind.FOUTBERICHT: "foutbericht",
    MessageKind.TERUGMELDING: "terugmelding",
    MessageKind.INTREKKING: "intrekking",
    MessageKind.BETALINGSHERSTEL: "betalingsherstel",
    MessageKind.INGRIJPENDE_MAATREGEL: "ingrijpendeMaatregel",
}
KIND_OF = {value: kind for kind, value in BERICHTSOORT.items()}


class SoapFault(Exception):
    """The peer answered with a SOAP Fault."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(f"SOAP Fault {code}: {text}")
        self.code, self.text = code, text


class MalformedReply(Exception):
    """The peer's answer is not the SOAP message the contract describes."""


@dataclass(frozen=True)
class Berichtkop:
    afzender: str
    ontvanger: str
    berichtsoort: str
    bericht_id: uuid.UUID
    conversatie_id: uuid.UUID
    verzonden_op: datetime

    def element(self, tag: str = "berichtkop") -> etree._Element:
        kop = etree.Element(etree.QName(SKN, tag), nsmap={"skn": SKN})
        for name, value in (
            ("afzender", self.afzender),
            ("ontvanger", self.ontvanger),
            ("berichtsoort", self.berichtsoort),
            ("berichtId", str(self.bericht_id)),
            ("conversatieReferentienummer", str(self.conversatie_id)),
            ("verzondenOp", utc_text(self.verzonden_op)),
        ):
            etree.SubElement(kop, etree.QName(SKN, name)).text = value
        return kop

    @classmethod
    def parse(cls, element: etree._Element) -> "Berichtkop":
        def text(name: str) -> str:
            value = element.findtext(f"{{{SKN}}}{name}")
            if not value:
                raise MalformedReply(f"berichtkop without {name}")
            return str(value).strip()

        try:
            verzonden_op = datetime.fromisoformat(text("verzondenOp").replace("Z", "+00:00"))
            if verzonden_op.tzinfo is None:
                raise ValueError("verzondenOp needs Z or an offset")
            return cls(
                afzender=text("afzender"),
                ontvanger=text("ontvanger"),
                berichtsoort=text("berichtsoort"),
                bericht_id=uuid.UUID(text("berichtId")),
                conversatie_id=uuid.UUID(text("conversatieReferentienummer")),
                verzonden_op=verzonden_op,
            )
        except ValueError as exc:
            raise MalformedReply(f"berichtkop: {exc}") from exc


def envelope(body: etree._Element, header: etree._Element | None = None) -> bytes:
    root = etree.Element(etree.QName(SOAP_ENV, "Envelope"), nsmap={"soap": SOAP_ENV, "skn": SKN})
    if header is not None:
        etree.SubElement(root, etree.QName(SOAP_ENV, "Header")).append(header)
    etree.SubElement(root, etree.QName(SOAP_ENV, "Body")).append(body)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def message_element(kind: MessageKind, data: dict[str, Any]) -> etree._Element:
    return etree.fromstring(xml.to_xml(spec(kind), data))


def verstuur(kop: Berichtkop, kind: MessageKind, data: dict[str, Any]) -> bytes:
    body = etree.Element(etree.QName(SKN, "verstuurBericht"))
    body.append(message_element(kind, data))
    return envelope(body, kop.element())


def fault(code: str, text: str) -> bytes:
    body = etree.Element(etree.QName(SOAP_ENV, "Fault"))
    etree.SubElement(body, "faultcode").text = f"soap:{code}"
    etree.SubElement(body, "faultstring").text = text
    return envelope(body)


def parse(body: bytes) -> tuple[etree._Element | None, etree._Element]:
    """(header block or None, the body's element); a SOAP Fault raises SoapFault."""
    try:
        root = xml.parse_xml(
            body, max_depth=MAX_DEPTH, max_elements=MAX_ELEMENTS, max_attributes=MAX_ATTRIBUTES
        )
    except (xml.MalformedXml, xml.UnsafeXml) as exc:
        raise MalformedReply(f"not acceptable XML: {exc}") from exc
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise MalformedReply("not a SOAP 1.1 envelope")
    soap_body = root.find(f"{{{SOAP_ENV}}}Body")
    if soap_body is None or len(soap_body) != 1:
        raise MalformedReply("a SOAP Body with exactly one element is expected")
    content = soap_body[0]
    if content.tag == f"{{{SOAP_ENV}}}Fault":
        raise SoapFault(
            (content.findtext("faultcode") or "").strip(), (content.findtext("faultstring") or "").strip()
        )
    header = root.find(f"{{{SOAP_ENV}}}Header")
    return (header[0] if header is not None and len(header) else None), content
