"""A creditor on the Schuldenknooppunt refers a Rotterdam resident; Rotterdam works in
Vroegsignalering. Both peer simulators and the service run on real loopback ports; the tests drive
the hub poll and the delivery worker themselves and look at what each peer holds."""

import uuid
from collections.abc import AsyncIterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import clocks
from app.config import Settings
from app.delivery.models import Abonnement, Bezorging, Bezorgpoging
from app.delivery.worker import deliver_round
from app.main import create_app
from app.messages import xml
from app.messages.specs import MessageKind, spec
from app.messages.validation import parse_json
from app.models import Afwijzing, Doorverwijzing, IngrijpendeMaatregel
from app.organisations import service as organisations
from app.organisations.models import Kanaal, Rol
from app.peers import hub, soap
from app.peers.channels import set_channel
from app.peers.clients import Schuldenknooppunt, peer_http_client
from app.peers.simulators import schuldenknooppunt, vroegsignalering
from app.routing.service import RoutingCache
from app.worker import delivery_channels
from tests.conftest import EXAMPLES
from tests.support.loopback import serving

CREDITOR = "ZVV-001"
KVK = "11223344"
DEELNEMER = "WDV"
NOTE = "Intern: schuldenpositie rond 14.000 euro, partner weet van niets"
RESULTAAT = "Vervolghulp en/of verwijzing financieel"
REDEN = "Niet opgepakt: andere reden"


@dataclass(frozen=True)
class Org:
    id: uuid.UUID
    key: str


@dataclass(frozen=True)
class Sent:
    """A message a creditor put in the hub for the service."""

    bericht_id: uuid.UUID
    conversatie_id: uuid.UUID
    xml: str


@dataclass(frozen=True)
class HubMessage:
    """A message in a participant's hub mailbox, its content in JSON form."""

    berichtsoort: str
    bericht_id: str
    conversatie_id: str
    bevestigd: bool
    xml: str
    data: dict[str, Any]


@dataclass
class World:
    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    hub: httpx.AsyncClient  # the Schuldenknooppunt simulator's control API
    vs: httpx.AsyncClient  # the Vroegsignalering simulator (API and control)
    service: httpx.AsyncClient
    peer: httpx.AsyncClient  # the service's mutual-TLS client to the peers
    creditor: Org
    uitvoerder: Org

    async def refer(
        self,
        *,
        postcode: str = "3011 AD",
        bericht_id: uuid.UUID | None = None,
        conversatie_id: uuid.UUID | None = None,
        body: str | None = None,
    ) -> Sent:
        """The creditor sends a doorverwijzing through the hub."""
        bericht_id = bericht_id or uuid.uuid4()
        body = body or referral_xml(bericht_id, postcode)
        answer = await self.hub.post(
            "/_sim/berichten",
            json={
                "afzender": CREDITOR,
                "ontvanger": DEELNEMER,
                "xml": body,
                "berichtId": str(bericht_id),
                "conversatieReferentienummer": str(conversatie_id or uuid.uuid4()),
            },
        )
        assert answer.status_code == 201, answer.text
        return Sent(bericht_id, uuid.UUID(answer.json()["conversatieReferentienummer"]), body)

    def knooppunt(self) -> Schuldenknooppunt:
        assert self.settings.schuldenknooppunt_url
        return Schuldenknooppunt(self.peer, self.settings.schuldenknooppunt_url, DEELNEMER)

    async def poll(self) -> int:
        return await hub.poll(self.sessionmaker, self.settings, self.knooppunt(), RoutingCache(0))

    async def deliver(self, *, later: timedelta = timedelta(0)) -> int:
        async with httpx.AsyncClient() as webhooks:
            return await deliver_round(
                self.sessionmaker,
                self.settings,
                delivery_channels(self.settings, webhooks, self.peer),
                now=datetime.now(UTC) + later,
            )

    async def mailbox(self, deelnemer: str = CREDITOR) -> list[HubMessage]:
        answer = await self.hub.get(f"/_sim/postbus/{deelnemer}")
        assert answer.status_code == 200
        messages = []
        for item in answer.json():
            root = etree.fromstring(item["xml"].encode())
            kind_spec = spec(soap.KIND_OF[item["berichtsoort"]])
            kind_spec.xsd.validate(root)  # what the creditor gets is valid per specification v1
            messages.append(
                HubMessage(
                    berichtsoort=item["berichtsoort"],
                    bericht_id=item["berichtId"],
                    conversatie_id=item["conversatieReferentienummer"],
                    bevestigd=item["bevestigd"],
                    xml=item["xml"],
                    data=xml.to_data(kind_spec, root),
                )
            )
        return messages

    async def signal(self, referral_id: uuid.UUID) -> dict[str, Any] | None:
        answer = await self.vs.get(f"/api/v1/signalen/{referral_id}")
        if answer.status_code == 404:
            return None
        assert answer.status_code == 200
        found: dict[str, Any] = answer.json()
        return found

    async def push(self, referral_id: uuid.UUID, **update: Any) -> dict[str, Any]:
        """Vroegsignalering pushes a status update to the service; its answer to Vroegsignalering."""
        pushed = await self.vs.post(f"/_sim/signalen/{referral_id}/statusupdate", json=update)
        assert pushed.status_code == 200, pushed.text
        antwoord: dict[str, Any] = pushed.json()["antwoord"]
        return antwoord

    async def storing(self, peer: httpx.AsyncClient, soort: str, aantal: int = 1, **extra: Any) -> None:
        answer = await peer.post("/_sim/storing", json={"soort": soort, "aantal": aantal, **extra})
        assert answer.status_code == 200

    async def referrals(self) -> list[Doorverwijzing]:
        async with self.sessionmaker() as session:
            return list(await session.scalars(select(Doorverwijzing)))

    async def referral(self) -> Doorverwijzing:
        (only,) = await self.referrals()
        return only

    async def hub_attempts(self) -> list[Bezorgpoging]:
        async with self.sessionmaker() as session:
            return list(
                await session.scalars(
                    select(Bezorgpoging)
                    .join(Bezorging, Bezorging.id == Bezorgpoging.bezorging_id)
                    .join(Abonnement, Abonnement.id == Bezorging.abonnement_id)
                    .where(Abonnement.kanaal == Kanaal.SCHULDENKNOOPPUNT.value)
                    .order_by(Bezorgpoging.tijdstip)
                )
            )


def referral_xml(bericht_id: uuid.UUID, postcode: str) -> str:
    """The complete example referral, from the health insurer, for an address at `postcode`."""
    data = parse_json((EXAMPLES / "doorverwijzing" / "valid-volledig.json").read_bytes(), max_depth=32)
    data |= {
        "berichtId": str(bericht_id),
        "verzondenOp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "schuldeiser": {"kvkNummer": KVK, "naam": "Zorgverzekeraar Voorbeeld", "soort": "Zorg"},
        "referentie": f"ZVV-{uuid.uuid4().hex[:10]}",
    }
    data["toestemming"]["datum"] = clocks.vandaag().isoformat()
    data["inwoner"]["adres"] = {
        "straatnaam": "Coolsingel",
        "huisnummer": 40,
        "postcode": postcode,
        "woonplaats": "Rotterdam",
    }
    data["achterstand"]["soortVasteLast"] = "Zorgverzekering"
    return xml.to_xml(spec(MessageKind.DOORVERWIJZING), data).decode()


def settings_for(database_url: str, *, service: str, hub_url: str, vs_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        worker_in_process=False,
        webhook_allow_local=True,
        schuldenknooppunt_url=f"{hub_url}/soap",
        vroegsignalering_url=f"{vs_url}/api/v1",
        public_base_url=service,
        routing_refresh_seconds=0,
        peer_timeout_seconds=1.0,
    )


@pytest.fixture
async def organisations_on_peers(sessionmaker: async_sessionmaker[AsyncSession]) -> tuple[Org, Org]:
    """The health insurer on the hub as ZVV-001; Rotterdam's uitvoerder in Vroegsignalering."""
    settings = Settings(routing_refresh_seconds=0)
    now = datetime.now(UTC)
    async with sessionmaker() as session, session.begin():
        creditor = await organisations.add_organisatie(
            session,
            naam="Zorgverzekeraar Voorbeeld",
            rol=Rol.SCHULDEISER,
            kvk_nummer=KVK,
            signaalpartner="Zorg",
        )
        await set_channel(
            session,
            organisatie=creditor,
            kanaal=Kanaal.SCHULDENKNOOPPUNT,
            adres=CREDITOR,
            settings=settings,
            now=now,
        )
        uitvoerder = await organisations.add_organisatie(
            session, naam="Schuldhulp Rotterdam Voorbeeld", rol=Rol.UITVOERDER
        )
        await organisations.set_coverage(
            session, uitvoerder=uitvoerder, gemeentecode="0599", geldig_vanaf=date(2024, 1, 1)
        )
        await set_channel(
            session,
            organisatie=uitvoerder,
            kanaal=Kanaal.VROEGSIGNALERING,
            adres="GM0599",
            settings=settings,
            now=now,
        )
        return (
            Org(creditor.id, await organisations.create_key(session, organisatie_id=creditor.id)),
            Org(uitvoerder.id, await organisations.create_key(session, organisatie_id=uitvoerder.id)),
        )


@pytest.fixture
async def world(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    organisations_on_peers: tuple[Org, Org],
) -> AsyncIterator[World]:
    creditor, uitvoerder = organisations_on_peers
    with ExitStack() as servers:
        hub_url = servers.enter_context(serving(lambda _: schuldenknooppunt.create_app()))
        vs_url = servers.enter_context(
            serving(lambda _: vroegsignalering.create_app(callback_key=uitvoerder.key))
        )
        holder: list[Settings] = []

        def service_app(url: str) -> Any:
            holder.append(settings_for(database_url, service=url, hub_url=hub_url, vs_url=vs_url))
            return create_app(holder[0])

        service_url = servers.enter_context(serving(service_app, lifespan="on"))
        settings = holder[0]
        async with (
            httpx.AsyncClient(base_url=hub_url) as hub_client,
            httpx.AsyncClient(base_url=vs_url) as vs_client,
            httpx.AsyncClient(base_url=service_url) as service_client,
            peer_http_client(settings) as peer,
        ):
            yield World(
                settings, sessionmaker, hub_client, vs_client, service_client, peer, creditor, uitvoerder
            )


async def delivered_referral(world: World) -> tuple[Sent, Doorverwijzing]:
    """A referral taken in from the hub and delivered to Vroegsignalering, the creditor told."""
    sent = await world.refer()
    assert await world.poll() == 1
    await world.deliver()  # ontvangstbevestiging to the hub, the signal to Vroegsignalering
    await world.deliver()  # terugmelding afgeleverd to the hub
    return sent, await world.referral()


def statuses(mailbox: list[HubMessage]) -> list[tuple[str, str | None]]:
    return [(m.berichtsoort, m.data.get("status")) for m in mailbox]


# --- the way in: referral, acknowledgement, signal ---------------------------------------------


async def test_a_referral_from_the_hub_is_stored_and_then_confirmed_at_the_hub(world: World) -> None:
    sent = await world.refer()

    assert await world.poll() == 1

    referral = await world.referral()
    assert referral.conversatie_id == sent.conversatie_id
    assert referral.gemeentecode == "0599"
    assert [m.bevestigd for m in await world.mailbox(DEELNEMER)] == [True]


async def test_the_creditor_finds_an_ontvangstbevestiging_for_rotterdam_in_its_mailbox(
    world: World,
) -> None:
    sent = await world.refer()
    await world.poll()

    await world.deliver()

    (answer,) = await world.mailbox()
    referral = await world.referral()
    assert answer.berichtsoort == "ontvangstbevestiging"
    assert answer.conversatie_id == str(sent.conversatie_id)
    assert answer.data["inReactieOp"] == str(sent.bericht_id)
    assert answer.data["doorverwijzingId"] == str(referral.id)
    assert answer.data["gemeente"] == {"code": "0599", "naam": "Rotterdam"}
    assert answer.data["uitvoerder"]["naam"] == "Schuldhulp Rotterdam Voorbeeld"


async def test_vroegsignalering_holds_the_referral_as_a_warm_signal(world: World) -> None:
    await world.refer()
    await world.poll()

    await world.deliver()

    referral = await world.referral()
    signal = await world.signal(referral.id)
    assert signal is not None
    assert signal["warmeOverdracht"] is True
    assert signal["gemeentecode"] == "0599"
    assert signal["bedrag"] == 1313
    assert signal["signaalpartner"] == {"type": "Zorg", "naam": "Zorgverzekeraar Voorbeeld"}
    assert signal["client"] == {
        "burgerservicenummer": "999993653",
        "geslachtsaanduiding": "Vrouw",
        "geboortedatum": "1984-03-15",
        "voorletters": "J.A.",
        "voorvoegsel": "van der",
        "achternaam": "Berg",
        "postcode": "3011AD",
        "huisnummer": "40",
        "straatnaam": "Coolsingel",
        "woonplaats": "Rotterdam",
        "telefoonnummer": "+31 6 1234 5678",
        "email": "j.vanderberg@example.nl",
        "bereikbaarheid": "werkdagen na 17:00",
    }
    assert signal["statusCallback"] == f"{world.service.base_url}/v1/vroegsignalering/statusupdates"


async def test_once_vroegsignalering_has_it_the_referral_is_afgeleverd_and_the_creditor_told(
    world: World,
) -> None:
    sent, referral = await delivered_referral(world)

    assert referral.status == "afgeleverd"
    mailbox = await world.mailbox()
    assert statuses(mailbox) == [("ontvangstbevestiging", "ontvangen"), ("terugmelding", "afgeleverd")]
    assert {m.conversatie_id for m in mailbox} == {str(sent.conversatie_id)}
    assert mailbox[1].data["referentie"] == referral.referentie


# --- the way back: status updates from Vroegsignalering ----------------------------------------


async def test_status_updates_reach_the_creditor_as_statuses_only(world: World) -> None:
    _, referral = await delivered_referral(world)
    today = clocks.vandaag().isoformat()

    contact = await world.push(
        referral.id, contactpogingen=[{"soort": "Telefoon", "bereikt": True, "datum": today}]
    )
    await world.deliver()
    closed = await world.push(referral.id, resultaat=RESULTAAT, toelichting=NOTE)
    await world.deliver()

    assert contact["status"] == 200
    assert contact["body"]["status"] == "contact_gelegd"
    assert closed["status"] == 200
    assert closed["body"]["status"] == "afgesloten"
    mailbox = await world.mailbox()
    assert statuses(mailbox) == [
        ("ontvangstbevestiging", "ontvangen"),
        ("terugmelding", "afgeleverd"),
        ("terugmelding", "contact_gelegd"),
        ("terugmelding", "afgesloten"),
    ]
    for message in mailbox:
        assert NOTE not in message.xml
        assert RESULTAAT not in message.xml
        assert "Telefoon" not in message.xml


async def test_niet_opgepakt_reaches_the_creditor_without_its_reason(world: World) -> None:
    _, referral = await delivered_referral(world)

    await world.push(referral.id, status=REDEN, toelichting=NOTE)
    await world.deliver()

    assert (await world.referral()).status == "niet_opgepakt"
    mailbox = await world.mailbox()
    assert statuses(mailbox)[-1] == ("terugmelding", "niet_opgepakt")
    assert all(REDEN not in m.xml and NOTE not in m.xml for m in mailbox)


async def test_a_status_update_pushed_twice_changes_nothing_the_second_time(world: World) -> None:
    _, referral = await delivered_referral(world)
    update = {
        "updateId": str(uuid.uuid4()),
        "tijdstip": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "status": "Opgepakt",
    }
    first = await world.push(referral.id, **update)
    await world.deliver()
    before = await world.mailbox()

    again = await world.push(referral.id, **update)
    await world.deliver()

    assert first["body"]["toegepast"] == 1
    assert again["status"] == 200
    assert again["body"] == first["body"] | {"toegepast": 0}
    assert (await world.referral()).status == "opgepakt"
    assert len(await world.mailbox()) == len(before)


async def test_the_status_callback_answers_what_it_applied_as_the_contract_says(world: World) -> None:
    _, referral = await delivered_referral(world)

    answer = await world.service.post(
        "/v1/vroegsignalering/statusupdates",
        json={
            "updateId": str(uuid.uuid4()),
            "signaalId": str(referral.id),
            "tijdstip": datetime.now(UTC).isoformat(),
            "status": "Opgepakt",
        },
        headers={"Authorization": f"Bearer {world.uitvoerder.key}"},
    )

    assert answer.status_code == 200
    assert answer.json() == {
        "doorverwijzingId": str(referral.id),
        "status": "opgepakt",
        "toegepast": 1,
        "overgeslagen": [],
    }


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("postcode", "problem"),
    [("1000 AA", "postcode-onbekend"), ("9711 AA", "gemeente-neemt-niet-deel")],
    ids=["unknown-postcode", "gemeente-without-uitvoerder"],
)
async def test_a_referral_that_cannot_be_routed_gets_a_foutbericht_and_nothing_is_stored(
    world: World, postcode: str, problem: str
) -> None:
    sent = await world.refer(postcode=postcode)

    assert await world.poll() == 1
    await world.deliver()

    assert await world.referrals() == []
    (answer,) = await world.mailbox()
    assert answer.berichtsoort == "foutbericht"
    assert answer.conversatie_id == str(sent.conversatie_id)
    assert answer.data["status"] == 422
    assert answer.data["type"].endswith(problem)
    assert "Berg" not in answer.xml
    assert "Coolsingel" not in answer.xml
    assert [m.bevestigd for m in await world.mailbox(DEELNEMER)] == [True]
    assert (await world.vs.get("/_sim/signalen")).json() == []


async def test_a_refused_referral_is_counted_anonymously_per_gemeente(world: World) -> None:
    await world.refer(postcode="9711 AA")

    await world.poll()

    async with world.sessionmaker() as session:
        rows = list(await session.scalars(select(Afwijzing)))
    assert [(r.gemeentecode, r.reden) for r in rows] == [("0014", "gemeente-neemt-niet-deel")]


async def test_the_foutbericht_names_the_refused_message(world: World) -> None:
    sent = await world.refer(postcode="1000 AA")
    await world.poll()

    await world.deliver()

    (answer,) = await world.mailbox()
    assert answer.data["instance"] == f"urn:uuid:{sent.bericht_id}"


# --- at least once from the hub ---------------------------------------------------------------


async def test_the_same_message_offered_twice_makes_one_referral_and_one_answer(world: World) -> None:
    sent = await world.refer()
    await world.refer(bericht_id=sent.bericht_id, conversatie_id=sent.conversatie_id, body=sent.xml)

    await world.poll()
    await world.deliver()

    assert len(await world.referrals()) == 1
    assert [m.berichtsoort for m in await world.mailbox()] == ["ontvangstbevestiging"]
    assert [m.bevestigd for m in await world.mailbox(DEELNEMER)] == [True, True]


async def test_a_crash_between_storing_and_confirming_stores_and_answers_once(world: World) -> None:
    sent = await world.refer()
    (fetched,) = await world.knooppunt().haal_op()
    async with world.sessionmaker() as session, session.begin():
        assert await hub.take_in(session, fetched, routing=RoutingCache(0))
    # ... and the process dies before bevestigOntvangst

    assert await world.poll() == 1
    await world.deliver()

    assert len(await world.referrals()) == 1
    assert [m.berichtsoort for m in await world.mailbox()] == ["ontvangstbevestiging"]
    (offered,) = await world.mailbox(DEELNEMER)
    assert offered.bericht_id == str(sent.bericht_id)
    assert offered.bevestigd


async def test_a_message_from_an_unknown_participant_stays_unconfirmed(world: World) -> None:
    answer = await world.hub.post(
        "/_sim/berichten",
        json={"afzender": "ONBEKEND-9", "ontvanger": DEELNEMER, "xml": referral_xml(uuid.uuid4(), "3011 AD")},
    )
    assert answer.status_code == 201

    assert await world.poll() == 0

    assert await world.referrals() == []
    assert [m.bevestigd for m in await world.mailbox(DEELNEMER)] == [False]


OUTAGES = [
    ("500", soap.MalformedReply),
    ("timeout", httpx.TimeoutException),
    ("fault", soap.SoapFault),
    ("onzin", soap.MalformedReply),
]


@pytest.mark.parametrize(("soort", "error"), OUTAGES, ids=[s for s, _ in OUTAGES])
async def test_a_hub_outage_during_poll_raises_and_loses_nothing(
    world: World, soort: str, error: type[Exception]
) -> None:
    await world.refer()
    await world.storing(world.hub, soort, vertraging=2.5)

    with pytest.raises(error):
        await world.poll()

    assert await world.referrals() == []
    assert [m.bevestigd for m in await world.mailbox(DEELNEMER)] == [False]
    assert await world.poll() == 1
    assert len(await world.referrals()) == 1
    assert [m.bevestigd for m in await world.mailbox(DEELNEMER)] == [True]


async def test_a_plain_server_error_from_the_hub_is_reported_with_its_status(world: World) -> None:
    await world.storing(world.hub, "500")

    with pytest.raises(soap.MalformedReply, match="500"):
        await world.poll()


# --- the way out: retries ---------------------------------------------------------------------


async def test_a_vroegsignalering_outage_is_retried_until_the_signal_arrives(world: World) -> None:
    await world.refer()
    await world.poll()
    await world.storing(world.vs, "500", aantal=2)

    await world.deliver()
    referral = await world.referral()
    assert await world.signal(referral.id) is None
    await world.deliver(later=timedelta(seconds=10))
    assert await world.signal(referral.id) is None
    assert (await world.referral()).status == "ontvangen"

    await world.deliver(later=timedelta(minutes=10))

    assert await world.signal(referral.id) is not None
    assert (await world.referral()).status == "afgeleverd"


async def test_a_2xx_without_the_signal_id_is_not_a_delivery(world: World) -> None:
    await world.refer()
    await world.poll()
    await world.storing(world.vs, "onzin")

    await world.deliver()

    assert (await world.referral()).status == "ontvangen"


async def test_a_soap_fault_on_verstuurbericht_is_kept_with_the_attempt_and_retried(world: World) -> None:
    await world.refer()
    await world.poll()
    await world.storing(world.hub, "fault")

    await world.deliver()
    assert await world.mailbox() == []
    (failed,) = await world.hub_attempts()
    assert failed.statuscode == 500
    assert "simulated fault" in (failed.antwoord or "")

    await world.deliver(later=timedelta(seconds=10))

    assert [m.berichtsoort for m in await world.mailbox()][:1] == ["ontvangstbevestiging"]


async def test_a_soap_fault_on_verstuurbericht_is_named_in_the_attempts_error(world: World) -> None:
    await world.refer()
    await world.poll()
    await world.storing(world.hub, "fault")

    await world.deliver()

    (failed,) = await world.hub_attempts()
    assert "simulated fault" in (failed.fout or "")


async def test_a_hub_reply_that_is_not_an_acceptance_is_a_failed_attempt(world: World) -> None:
    await world.refer()
    await world.poll()
    await world.storing(world.hub, "onzin")

    await world.deliver()

    (failed,) = await world.hub_attempts()
    assert failed.fout is not None
    assert "not acceptable XML" in failed.fout
    await world.deliver(later=timedelta(seconds=10))
    assert [m.berichtsoort for m in await world.mailbox()][:1] == ["ontvangstbevestiging"]


# --- withdrawal -------------------------------------------------------------------------------


async def test_a_withdrawal_by_the_creditor_reaches_vroegsignalering_as_intrekking(world: World) -> None:
    _, referral = await delivered_referral(world)

    withdrawn = await world.service.post(
        f"/v1/doorverwijzingen/{referral.id}/intrekking",
        json={
            "berichtId": str(uuid.uuid4()),
            "verzondenOp": datetime.now(UTC).isoformat(),
            "reden": "betalingsregeling",
            "toelichting": "Regeling getroffen",
        },
        headers={"Authorization": f"Bearer {world.creditor.key}"},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    await world.deliver()

    signal = await world.signal(referral.id)
    assert signal is not None
    assert signal["ingetrokken"] == "betalingsregeling"


async def test_a_withdrawal_through_the_hub_reaches_vroegsignalering_and_is_answered(world: World) -> None:
    sent, referral = await delivered_referral(world)
    intrekking = (EXAMPLES / "intrekking" / "valid-betaald.xml").read_bytes()
    root = etree.fromstring(intrekking)
    root.find(f"{{{spec(MessageKind.INTREKKING).namespace}}}berichtId").text = str(uuid.uuid4())
    answer = await world.hub.post(
        "/_sim/berichten",
        json={
            "afzender": CREDITOR,
            "ontvanger": DEELNEMER,
            "berichtsoort": "intrekking",
            "xml": etree.tostring(root).decode(),
            "conversatieReferentienummer": str(sent.conversatie_id),
        },
    )
    assert answer.status_code == 201

    await world.poll()
    await world.deliver()

    signal = await world.signal(referral.id)
    assert signal is not None
    assert signal["ingetrokken"] == "betaald"
    assert statuses(await world.mailbox())[-1] == ("terugmelding", "ingetrokken")


async def test_several_waiting_referrals_are_taken_in_and_confirmed_in_one_poll(
    world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    for _ in range(3):
        await world.refer()

    assert await world.poll() == 3

    async with sessionmaker() as session:
        stored = await session.scalar(select(func.count()).select_from(Doorverwijzing))
    assert stored == 3
    assert [m.bevestigd for m in await world.mailbox(DEELNEMER)] == [True, True, True]


async def test_a_drastic_measure_through_the_hub_is_applied_and_not_answered(world: World) -> None:
    sent, referral = await delivered_referral(world)
    before = len(await world.mailbox())
    maatregel = (EXAMPLES / "ingrijpendeMaatregel" / "valid-afsluiting.xml").read_bytes()
    root = etree.fromstring(maatregel)
    root.find(
        f"{{{spec(MessageKind.INGRIJPENDE_MAATREGEL).namespace}}}datum"
    ).text = clocks.vandaag().isoformat()
    answer = await world.hub.post(
        "/_sim/berichten",
        json={
            "afzender": CREDITOR,
            "ontvanger": DEELNEMER,
            "berichtsoort": "ingrijpendeMaatregel",
            "xml": etree.tostring(root).decode(),
            "conversatieReferentienummer": str(sent.conversatie_id),
        },
    )
    assert answer.status_code == 201

    assert await world.poll() == 1
    await world.deliver()

    async with world.sessionmaker() as session:
        [stored] = await session.scalars(
            select(IngrijpendeMaatregel).where(IngrijpendeMaatregel.doorverwijzing_id == referral.id)
        )
    assert (stored.maatregel, stored.tijdens_incassostop) == ("afsluiting", True)
    assert len(await world.mailbox()) == before


# --- DDAS names in the status updates ----------------------------------------------------------


async def test_the_pick_up_day_from_vroegsignalering_is_kept_as_the_milestone(world: World) -> None:
    _, referral = await delivered_referral(world)
    today = clocks.vandaag().isoformat()

    answer = await world.push(referral.id, status="Opgepakt", datumOpgepakt=today)

    assert answer["body"]["status"] == "opgepakt"
    assert (await world.referral()).opgepakt_op == clocks.vandaag()
    timeline = await world.service.get(
        f"/v1/doorverwijzingen/{referral.id}/tijdlijn",
        headers={"Authorization": f"Bearer {world.uitvoerder.key}"},
    )
    assert timeline.json()["gebeurtenissen"][-1]["gegevens"] == {"datumOpgepakt": today}


async def test_a_contact_attempt_under_its_old_name_succesvol_is_refused_naming_the_field(
    world: World,
) -> None:
    _, referral = await delivered_referral(world)

    answer = await world.push(
        referral.id,
        contactpogingen=[{"soort": "Telefoon", "succesvol": True, "datum": clocks.vandaag().isoformat()}],
    )

    assert answer["status"] == 400
    pointers = [error["pointer"] for error in answer["body"]["errors"]]
    assert "/contactpogingen/0/succesvol" in pointers
    assert (await world.referral()).status == "afgeleverd"


async def test_losing_someone_already_reached_closes_the_referral_as_no_response_after_contact(
    world: World,
) -> None:
    _, referral = await delivered_referral(world)
    today = clocks.vandaag().isoformat()
    await world.push(referral.id, contactpogingen=[{"soort": "Telefoon", "bereikt": True, "datum": today}])

    answer = await world.push(referral.id, resultaat="Definitief geen contact kunnen krijgen")

    assert answer["body"]["status"] == "afgesloten"
    assert answer["body"]["overgeslagen"] == []
    assert (await world.referral()).sluitreden == "Geen reactie na eerder contact"
