"""Putting an organisation on a peer channel from the command line (`wdv org channel`), and the
sandbox's peer set-up (`wdv sandbox`)."""

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import get_settings
from app.delivery.models import Abonnement
from app.delivery.subscriptions import subscribe
from app.organisations.models import Organisatie
from app.outbox import EventType
from app.peers.outbound import SCHULDENKNOOPPUNT_EVENTS, VROEGSIGNALERING_EVENTS
from tests.conftest import Parties
from tests.support.cli import wdv_async

VS_URL = "https://vroegsignalering.test/api/v1"
HUB_URL = "https://schuldenknooppunt.test/soap"


@pytest.fixture(autouse=True)
def peers_configured(wdv_database: str, environment: pytest.MonkeyPatch) -> None:
    """The command line on the test database, with the peers' addresses configured."""
    environment.setenv("VROEGSIGNALERING_URL", VS_URL)
    environment.setenv("SCHULDENKNOOPPUNT_URL", HUB_URL)


async def organisation(sessionmaker: async_sessionmaker[AsyncSession], ident: uuid.UUID | str) -> Organisatie:
    async with sessionmaker() as session:
        query = select(Organisatie).where(
            Organisatie.id == ident if isinstance(ident, uuid.UUID) else Organisatie.naam == ident
        )
        found = await session.scalar(query)
    assert found is not None
    return found


async def subscriptions(
    sessionmaker: async_sessionmaker[AsyncSession], organisatie_id: uuid.UUID
) -> list[Abonnement]:
    async with sessionmaker() as session:
        return list(
            await session.scalars(select(Abonnement).where(Abonnement.organisatie_id == organisatie_id))
        )


async def test_an_uitvoerder_goes_on_vroegsignalering_with_its_address_and_a_subscription(
    wdv_database: str, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    result = await wdv_async(
        "org", "channel", "Kredietbank Amsterdam", "--kanaal", "vroegsignalering", "--adres", "GM0363"
    )

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Kredietbank Amsterdam now uses vroegsignalering as GM0363"
    found = await organisation(sessionmaker, parties.amsterdam.id)
    assert (found.kanaal, found.kanaal_adres) == ("vroegsignalering", "GM0363")
    (subscription,) = await subscriptions(sessionmaker, parties.amsterdam.id)
    assert subscription.kanaal == "vroegsignalering"
    assert subscription.url == VS_URL
    assert sorted(subscription.event_types) == sorted(VROEGSIGNALERING_EVENTS)
    assert subscription.actief


async def test_a_creditor_goes_on_the_schuldenknooppunt_for_answers_and_terugmeldingen(
    wdv_database: str, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    result = await wdv_async(
        "org", "channel", "Waterbedrijf Voorbeeld", "--kanaal", "schuldenknooppunt", "--adres", "WV-01"
    )

    assert result.exit_code == 0, result.output
    found = await organisation(sessionmaker, parties.water.id)
    assert (found.kanaal, found.kanaal_adres) == ("schuldenknooppunt", "WV-01")
    (subscription,) = await subscriptions(sessionmaker, parties.water.id)
    assert (subscription.kanaal, subscription.url) == ("schuldenknooppunt", HUB_URL)
    assert {"ontvangstbevestiging", "foutbericht", "status-gewijzigd"} <= set(subscription.event_types)
    assert sorted(subscription.event_types) == SCHULDENKNOOPPUNT_EVENTS


async def test_choosing_the_same_channel_again_keeps_one_subscription(
    wdv_database: str, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    for adres in ("GM0363", "GM0363-B"):
        result = await wdv_async(
            "org", "channel", "Kredietbank Amsterdam", "--kanaal", "vroegsignalering", "--adres", adres
        )
        assert result.exit_code == 0, result.output

    assert len(await subscriptions(sessionmaker, parties.amsterdam.id)) == 1
    assert (await organisation(sessionmaker, parties.amsterdam.id)).kanaal_adres == "GM0363-B"


@pytest.mark.parametrize(
    ("naam", "kanaal", "allowed"),
    [
        ("Kredietbank Amsterdam", "schuldenknooppunt", "api, vroegsignalering"),
        ("Waterbedrijf Voorbeeld", "vroegsignalering", "api, schuldenknooppunt"),
    ],
    ids=["schuldenknooppunt-for-an-uitvoerder", "vroegsignalering-for-a-creditor"],
)
async def test_a_channel_the_role_cannot_use_is_refused(
    wdv_database: str,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    naam: str,
    kanaal: str,
    allowed: str,
) -> None:
    result = await wdv_async("org", "channel", naam, "--kanaal", kanaal, "--adres", "X-1")

    assert result.exit_code == 1
    assert allowed in result.stderr
    found = await organisation(sessionmaker, naam)
    assert (found.kanaal, found.kanaal_adres) == ("api", None)
    assert await subscriptions(sessionmaker, found.id) == []


async def test_a_peer_channel_without_an_address_is_refused(
    wdv_database: str, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    result = await wdv_async("org", "channel", "Kredietbank Amsterdam", "--kanaal", "vroegsignalering")

    assert result.exit_code == 1
    assert "--adres" in result.stderr
    assert (await organisation(sessionmaker, parties.amsterdam.id)).kanaal == "api"
    assert await subscriptions(sessionmaker, parties.amsterdam.id) == []


async def test_back_to_api_removes_the_peer_subscription_and_keeps_webhooks(
    wdv_database: str, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker() as session, session.begin():
        found = await session.get(Organisatie, parties.amsterdam.id)
        assert found is not None
        await subscribe(
            session,
            organisatie=found,
            url="https://kredietbank.test/webhooks",
            event_types=[EventType.ONTVANGEN],
            now=datetime.now(UTC),
        )
    await wdv_async(
        "org", "channel", "Kredietbank Amsterdam", "--kanaal", "vroegsignalering", "--adres", "GM0363"
    )

    result = await wdv_async("org", "channel", "Kredietbank Amsterdam", "--kanaal", "api")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Kredietbank Amsterdam now uses api"
    found = await organisation(sessionmaker, parties.amsterdam.id)
    assert (found.kanaal, found.kanaal_adres) == ("api", None)
    assert [s.kanaal for s in await subscriptions(sessionmaker, parties.amsterdam.id)] == ["webhook"]


async def test_an_unknown_organisation_is_refused(wdv_database: str, parties: Parties) -> None:
    result = await wdv_async("org", "channel", "Kredietbank Nergens", "--kanaal", "api")

    assert result.exit_code == 1
    assert "no organisation" in result.stderr


async def test_the_sandbox_puts_the_health_insurer_on_the_hub_and_rotterdam_in_vroegsignalering(
    wdv_database: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    result = await wdv_async("sandbox")

    assert result.exit_code == 0, result.output
    insurer = await organisation(sessionmaker, "Zorgverzekeraar Voorbeeld")
    rotterdam = await organisation(sessionmaker, "Schuldhulp Rotterdam Voorbeeld")
    assert (insurer.kanaal, insurer.kanaal_adres) == ("schuldenknooppunt", "ZVV-001")
    assert (rotterdam.kanaal, rotterdam.kanaal_adres) == ("vroegsignalering", "GM0599")
    assert [s.kanaal for s in await subscriptions(sessionmaker, insurer.id)] == ["schuldenknooppunt"]
    assert [s.kanaal for s in await subscriptions(sessionmaker, rotterdam.id)] == ["vroegsignalering"]
    others = await organisation(sessionmaker, "Kredietbank Amsterdam Voorbeeld")
    assert others.kanaal == "api"


async def test_without_peers_configured_the_sandbox_keeps_everyone_on_the_api(
    wdv_database: str, sessionmaker: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VROEGSIGNALERING_URL")
    monkeypatch.delenv("SCHULDENKNOOPPUNT_URL")
    get_settings.cache_clear()

    result = await wdv_async("sandbox")

    assert result.exit_code == 0, result.output
    for naam in ("Zorgverzekeraar Voorbeeld", "Schuldhulp Rotterdam Voorbeeld"):
        assert (await organisation(sessionmaker, naam)).kanaal == "api"
    assert "peer channel" not in result.output
