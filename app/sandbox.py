"""Sandbox organisations for integration testers: a few creditors, a few uitvoerders, coverage.

All names and numbers are fictitious. Rivierenland covers Tiel and West Betuwe so testers can see
a majority routing (PC4 4062 and 4197 cross municipal borders). The health insurer sends through
the Schuldenknooppunt and Rotterdam works in Vroegsignalering (see `wdv simulate`).
"""

from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import passwords
from app.accounts import service as accounts
from app.accounts.models import Lidmaatschap
from app.accounts.models import Rol as AccountRol
from app.config import get_settings
from app.organisations import service as organisations
from app.organisations.models import Kanaal, Organisatie, Rol
from app.peers.channels import set_channel

SANDBOX_START = date(2024, 1, 1)

SCHULDEISERS = [
    {"naam": "Waterbedrijf Voorbeeld", "oin": "00000001234567890000", "signaalpartner": "Water"},
    {"naam": "Energieleverancier Voorbeeld", "kvk_nummer": "12345678", "signaalpartner": "Energie"},
    {"naam": "Woningcorporatie Voorbeeld", "kvk_nummer": "87654321", "signaalpartner": "Huur"},
    {"naam": "Zorgverzekeraar Voorbeeld", "kvk_nummer": "11223344", "signaalpartner": "Zorg"},
]
# who exchanges messages through a peer system: (name, channel, address there)
KANALEN = [
    ("Zorgverzekeraar Voorbeeld", Kanaal.SCHULDENKNOOPPUNT, "ZVV-001"),
    ("Schuldhulp Rotterdam Voorbeeld", Kanaal.VROEGSIGNALERING, "GM0599"),
]
UITVOERDERS = [
    ("Kredietbank Amsterdam Voorbeeld", ["0363"]),
    ("Schuldhulp Rotterdam Voorbeeld", ["0599"]),
    ("Kredietbank Rivierenland Voorbeeld", ["0281", "1960"]),
]


async def set_up(session: AsyncSession) -> list[tuple[Organisatie, str]]:
    """Create the sandbox organisations with a key each; nothing when any organisation exists."""
    if await session.scalar(select(func.count()).select_from(Organisatie)):
        return []
    created = []
    for spec in SCHULDEISERS:
        organisatie = await organisations.add_organisatie(session, rol=Rol.SCHULDEISER, **spec)
        created.append(organisatie)
    for naam, gemeenten in UITVOERDERS:
        organisatie = await organisations.add_organisatie(session, naam=naam, rol=Rol.UITVOERDER)
        for code in gemeenten:
            await organisations.set_coverage(
                session, uitvoerder=organisatie, gemeentecode=code, geldig_vanaf=SANDBOX_START
            )
        created.append(organisatie)
    return [
        (
            organisatie,
            await organisations.create_key(session, organisatie_id=organisatie.id, omschrijving="sandbox"),
        )
        for organisatie in created
    ]


async def connect_peers(session: AsyncSession) -> list[str]:
    """Put the sandbox's peer organisations on their channel once the peer is configured
    (SCHULDENKNOOPPUNT_URL, VROEGSIGNALERING_URL); until then they use the API like the others."""
    settings = get_settings()
    configured = {
        Kanaal.SCHULDENKNOOPPUNT: settings.schuldenknooppunt_url,
        Kanaal.VROEGSIGNALERING: settings.vroegsignalering_url,
    }
    connected = []
    for naam, kanaal, adres in KANALEN:
        organisatie = await session.scalar(select(Organisatie).where(Organisatie.naam == naam))
        if organisatie is None or not configured[kanaal] or organisatie.kanaal == kanaal.value:
            continue
        await set_channel(
            session,
            organisatie=organisatie,
            kanaal=kanaal,
            adres=adres,
            settings=settings,
            now=datetime.now(UTC),
        )
        connected.append(f"{naam} on {kanaal.value} as {adres}")
    return connected


def sandbox_email(organisatie: Organisatie) -> str:
    """The login of an organisation's sandbox user, e.g. waterbedrijf-voorbeeld@sandbox.example."""
    return organisatie.naam.lower().replace(" ", "-") + "@sandbox.example"


async def set_up_users(session: AsyncSession) -> list[tuple[Organisatie, str, str]]:
    """One portal user (beheerder) for each sandbox organisation that has none yet, with a
    generated password: (organisation, login, password)."""
    names = [spec["naam"] for spec in SCHULDEISERS] + [naam for naam, _ in UITVOERDERS]
    created = []
    for organisatie in await session.scalars(select(Organisatie).where(Organisatie.naam.in_(names))):
        if await session.scalar(select(Lidmaatschap.id).where(Lidmaatschap.organisatie_id == organisatie.id)):
            continue
        password = passwords.generate()
        added = await accounts.add_user(
            session,
            email=sandbox_email(organisatie),
            naam=f"Sandbox {organisatie.naam}",
            wachtwoord=password,
            organisatie=organisatie,
            rol=AccountRol.BEHEERDER,
            now=datetime.now(UTC),
        )
        created.append((organisatie, added.gebruiker.email, password))
    return created
