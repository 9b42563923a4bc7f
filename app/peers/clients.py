"""HTTP clients for the peers: timeouts, and mutual TLS with the configured certificates."""

import logging
import ssl
import uuid
from dataclasses import dataclass

import httpx
from lxml import etree

from app.config import Settings
from app.peers import soap

logger = logging.getLogger("wdv.peers")


def peer_http_client(settings: Settings) -> httpx.AsyncClient:
    """A client presenting our certificate (PKIoverheid in production) and trusting the peers' CA."""
    context = ssl.create_default_context(cafile=settings.peer_ca_bundle)
    if settings.peer_client_cert:
        context.load_cert_chain(settings.peer_client_cert, settings.peer_client_key)
    return httpx.AsyncClient(verify=context, timeout=settings.peer_timeout_seconds, follow_redirects=False)


def soap_headers(operation: str) -> dict[str, str]:
    return {
        "content-type": soap.CONTENT_TYPE,
        "soapaction": f'"{soap.SOAP_ACTION.format(operation=operation)}"',
    }


@dataclass(frozen=True)
class Opgehaald:
    kop: soap.Berichtkop
    inhoud: etree._Element


class Schuldenknooppunt:
    """The mailbox operations this service calls itself (sending goes through the delivery worker)."""

    def __init__(self, client: httpx.AsyncClient, url: str, deelnemer: str) -> None:
        self.client, self.url, self.deelnemer = client, url, deelnemer

    async def _call(self, operation: str, body: etree._Element) -> etree._Element:
        response = await self.client.post(
            self.url, content=soap.envelope(body), headers=soap_headers(operation)
        )
        try:
            _, content = soap.parse(response.content)  # a Fault raises, whatever the status code
        except soap.MalformedReply as exc:
            raise soap.MalformedReply(f"HTTP {response.status_code}: {exc}") from exc
        if response.status_code != 200:
            raise soap.MalformedReply(f"HTTP {response.status_code} without a SOAP Fault")
        if content.tag != f"{{{soap.SKN}}}{operation}Antwoord":
            raise soap.MalformedReply(f"expected {operation}Antwoord, got {etree.QName(content).localname}")
        return content

    async def haal_op(self, maximum: int = 100) -> list[Opgehaald]:
        request = etree.Element(etree.QName(soap.SKN, "haalBerichtenOp"))
        etree.SubElement(request, etree.QName(soap.SKN, "deelnemer")).text = self.deelnemer
        etree.SubElement(request, etree.QName(soap.SKN, "maximum")).text = str(maximum)
        answer = await self._call("haalBerichtenOp", request)
        fetched = []
        for position, bericht in enumerate(answer.findall(f"{{{soap.SKN}}}bericht"), start=1):
            kop = bericht.find(f"{{{soap.SKN}}}berichtkop")
            inhoud = bericht.find(f"{{{soap.SKN}}}inhoud")
            try:
                if kop is None or inhoud is None or len(inhoud) != 1:
                    raise soap.MalformedReply("a bericht needs a berichtkop and one message in its inhoud")
                fetched.append(Opgehaald(soap.Berichtkop.parse(kop), inhoud[0]))
            except soap.MalformedReply as exc:
                # one unreadable message must not hold up the others; it stays at the hub unconfirmed
                logger.warning("hub message %d of this fetch is unreadable: %s", position, exc)
        return fetched

    async def bevestig(self, bericht_ids: list[uuid.UUID]) -> int:
        request = etree.Element(etree.QName(soap.SKN, "bevestigOntvangst"))
        etree.SubElement(request, etree.QName(soap.SKN, "deelnemer")).text = self.deelnemer
        for bericht_id in bericht_ids:
            etree.SubElement(request, etree.QName(soap.SKN, "berichtId")).text = str(bericht_id)
        answer = await self._call("bevestigOntvangst", request)
        try:
            return int(answer.findtext(f"{{{soap.SKN}}}bevestigd") or "")
        except ValueError as exc:
            raise soap.MalformedReply("bevestigOntvangstAntwoord without a count") from exc


def accepted(reply: bytes) -> None:
    """Check a verstuurBericht reply: a Fault or anything but `geaccepteerd` true raises."""
    _, content = soap.parse(reply)
    if content.tag != f"{{{soap.SKN}}}verstuurBerichtAntwoord":
        raise soap.MalformedReply("expected verstuurBerichtAntwoord")
    if (content.findtext(f"{{{soap.SKN}}}geaccepteerd") or "").strip() != "true":
        raise soap.MalformedReply("the hub did not accept the message")
