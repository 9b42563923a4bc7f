"""A Schuldenknooppunt simulator: participants' mailboxes behind the proposed SOAP contract.

SOAP on POST /soap (verstuurBericht, haalBerichtenOp, bevestigOntvangst). Unconfirmed messages
expire after 5 working days. Control for testers, in JSON under /_sim: `POST /_sim/berichten`
puts a message in a participant's mailbox as if a creditor sent it, `GET /_sim/postbus/{deelnemer}`
shows a mailbox (confirmed ones too), `POST /_sim/storing` makes the next requests fail.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml import etree
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app import clocks
from app.peers import soap
from app.peers.simulators.faults import Storing, configure

VERVAL_WERKDAGEN = 5


@dataclass
class Bericht:
    kop: soap.Berichtkop
    inhoud: bytes
    ontvangen_op: datetime
    bevestigd: bool = False

    def verlopen(self, now: datetime) -> bool:
        return (
            clocks.werkdagen_tussen(clocks.ontvangstdag(self.ontvangen_op), clocks.ontvangstdag(now))
            > VERVAL_WERKDAGEN
        )


@dataclass
class Knooppunt:
    postbussen: dict[str, list[Bericht]] = field(default_factory=dict)
    storing: Storing = field(default_factory=Storing)

    def bezorg(self, bericht: Bericht) -> None:
        self.postbussen.setdefault(bericht.kop.ontvanger, []).append(bericht)

    def open_berichten(self, deelnemer: str, now: datetime) -> list[Bericht]:
        return [b for b in self.postbussen.get(deelnemer, []) if not b.bevestigd and not b.verlopen(now)]


def _text(element: etree._Element, name: str) -> str:
    return (element.findtext(f"{{{soap.SKN}}}{name}") or "").strip()


def _ok(body: etree._Element) -> Response:
    return Response(soap.envelope(body), media_type=soap.CONTENT_TYPE)


def _fault(code: str, text: str) -> Response:
    return Response(soap.fault(code, text), status_code=500, media_type=soap.CONTENT_TYPE)


def _verstuur(
    state: Knooppunt, header: etree._Element | None, content: etree._Element, now: datetime
) -> Response:
    if header is None or len(content) != 1:
        return _fault("Client", "verstuurBericht needs a berichtkop header and one message")
    try:
        kop = soap.Berichtkop.parse(header)
    except soap.MalformedReply as exc:
        return _fault("Client", str(exc))
    state.bezorg(Bericht(kop, etree.tostring(content[0]), now))
    answer = etree.Element(etree.QName(soap.SKN, "verstuurBerichtAntwoord"))
    etree.SubElement(answer, etree.QName(soap.SKN, "berichtId")).text = str(kop.bericht_id)
    etree.SubElement(answer, etree.QName(soap.SKN, "geaccepteerd")).text = "true"
    return _ok(answer)


def _haal_op(
    state: Knooppunt, header: etree._Element | None, content: etree._Element, now: datetime
) -> Response:
    maximum = int(_text(content, "maximum") or 100)
    answer = etree.Element(etree.QName(soap.SKN, "haalBerichtenOpAntwoord"))
    for bericht in state.open_berichten(_text(content, "deelnemer"), now)[:maximum]:
        item = etree.SubElement(answer, etree.QName(soap.SKN, "bericht"))
        item.append(bericht.kop.element())
        etree.SubElement(item, etree.QName(soap.SKN, "inhoud")).append(etree.fromstring(bericht.inhoud))
    return _ok(answer)


def _bevestig(
    state: Knooppunt, header: etree._Element | None, content: etree._Element, now: datetime
) -> Response:
    ids = {_text_of(e) for e in content.findall(f"{{{soap.SKN}}}berichtId")}
    count = 0
    for bericht in state.postbussen.get(_text(content, "deelnemer"), []):
        if str(bericht.kop.bericht_id) in ids and not bericht.bevestigd:
            bericht.bevestigd, count = True, count + 1
    answer = etree.Element(etree.QName(soap.SKN, "bevestigOntvangstAntwoord"))
    etree.SubElement(answer, etree.QName(soap.SKN, "bevestigd")).text = str(count)
    return _ok(answer)


OPERATIONS: dict[str, Callable[[Knooppunt, etree._Element | None, etree._Element, datetime], Response]] = {
    "verstuurBericht": _verstuur,
    "haalBerichtenOp": _haal_op,
    "bevestigOntvangst": _bevestig,
}


def create_app(knooppunt: Knooppunt | None = None) -> Starlette:
    state = knooppunt or Knooppunt()

    async def endpoint(request: Request) -> Response:
        if soort := state.storing.next():
            return await state.storing.apply(soort, soap.fault("Server", "simulated fault"))
        try:
            header, content = soap.parse(await request.body())
        except (soap.MalformedReply, soap.SoapFault) as exc:
            return _fault("Client", str(exc))
        operation = etree.QName(content).localname
        if operation not in OPERATIONS:
            return _fault("Client", f"unknown operation {operation}")
        return OPERATIONS[operation](state, header, content, datetime.now(UTC))

    async def inject(request: Request) -> Response:
        """{"afzender", "ontvanger", "berichtsoort", "xml", "berichtId"?, "conversatieReferentienummer"?}"""
        body = await request.json()
        try:
            inhoud = etree.fromstring(body["xml"].encode())
            kop = soap.Berichtkop(
                afzender=body["afzender"],
                ontvanger=body["ontvanger"],
                berichtsoort=body.get("berichtsoort", "doorverwijzing"),
                bericht_id=uuid.UUID(body.get("berichtId") or str(uuid.uuid4())),
                conversatie_id=uuid.UUID(body.get("conversatieReferentienummer") or str(uuid.uuid4())),
                verzonden_op=datetime.now(UTC),
            )
        except (KeyError, ValueError, etree.XMLSyntaxError) as exc:
            return JSONResponse({"fout": str(exc)}, status_code=400)
        state.bezorg(Bericht(kop, etree.tostring(inhoud), datetime.now(UTC)))
        return JSONResponse(
            {"berichtId": str(kop.bericht_id), "conversatieReferentienummer": str(kop.conversatie_id)},
            status_code=201,
        )

    async def mailbox(request: Request) -> Response:
        return JSONResponse(
            [
                {
                    "berichtId": str(b.kop.bericht_id),
                    "berichtsoort": b.kop.berichtsoort,
                    "afzender": b.kop.afzender,
                    "conversatieReferentienummer": str(b.kop.conversatie_id),
                    "bevestigd": b.bevestigd,
                    "xml": b.inhoud.decode(),
                }
                for b in state.postbussen.get(request.path_params["deelnemer"], [])
            ]
        )

    async def storing(request: Request) -> Response:
        return await configure(state.storing, request)

    app = Starlette(
        routes=[
            Route("/soap", endpoint, methods=["POST"]),
            Route("/_sim/berichten", inject, methods=["POST"]),
            Route("/_sim/postbus/{deelnemer}", mailbox, methods=["GET"]),
            Route("/_sim/storing", storing, methods=["POST"]),
        ]
    )
    app.state.knooppunt = state
    return app


def _text_of(element: etree._Element) -> str:
    return (element.text or "").strip()
