"""Personal data is encrypted at rest: the database's stored bytes hold none of a referral's
distinctive values, while every party reads them as before; rows stored before encryption stay
readable; the data keys come from the settings, and only a sandbox may do without."""

import os
import stat
from pathlib import Path

import httpx
import pytest
from sqlalchemy import JSON, bindparam, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.models import Base, Doorverwijzing, Verlengingsverzoek
from app.privacy import crypto, keys
from app.referrals.lifecycle import Status
from tests.conftest import Parties
from tests.support.lifecycle import (
    GEEN_INWONER,
    contactpoging,
    history,
    message,
    moved,
    post,
    referral_id,
    report,
    report_status,
    withdraw,
)
from tests.support.personal import PERSONAL, distinctive_referral

ATTEMPT_NOTE = "Buurvrouw Xandrijntje zegt dat hij overdag werkt"
MOVE_NOTE = "Verhuisd naar zijn zus in de Betuwe"
MOTIVATION = "Wacht op de uitslag van de Quirijnse bewindvoering"
WITHDRAWAL_NOTE = "Regeling getroffen met de heer Zwanenburg"
NEW_STREET = "Zonnebloemhofje"
NIEUW_ADRES = {"straatnaam": NEW_STREET, "huisnummer": 12, "postcode": "4062 AB", "woonplaats": "Tiel"}

DISTINCTIVE = [
    *PERSONAL.values(),
    ATTEMPT_NOTE,
    MOVE_NOTE,
    MOTIVATION,
    WITHDRAWAL_NOTE,
    NEW_STREET,
    "1012 LG",
    "1012LG",
    "4062 AB",
    "4062AB",
]


async def _a_referral_with_a_life(client: httpx.AsyncClient, parties: Parties) -> str:
    """Sent with every kind of personal data, then notes, a motivation, a move and a withdrawal."""
    response = await client.post(
        "/v1/doorverwijzingen", json=distinctive_referral(), headers=parties.water.auth
    )
    assert response.status_code == 201, response.text
    path = str(response.headers["location"])
    attempt = contactpoging(bereikt=False) | {"interneToelichting": ATTEMPT_NOTE}
    moved(await report(client, parties.amsterdam, path, attempt))
    extension = await post(
        client,
        parties.amsterdam,
        f"{path}/verlengingsverzoeken",
        message(gevraagdTot="2099-01-01", motivering=MOTIVATION),
    )
    assert extension.status_code == 201, extension.text
    moved(
        await report_status(
            client,
            parties.amsterdam,
            path,
            Status.NIET_OPGEPAKT,
            reden=GEEN_INWONER,
            nieuwAdres=NIEUW_ADRES,
            interneToelichting=MOVE_NOTE,
        )
    )
    moved(await withdraw(client, parties.water, path, toelichting=WITHDRAWAL_NOTE))
    return path


async def _every_stored_value(sessionmaker: async_sessionmaker[AsyncSession]) -> str:
    """Every row of every table, as the database returns it to plain SQL."""
    async with sessionmaker() as session:
        dumped = []
        for table in Base.metadata.sorted_tables:
            rows = await session.execute(text(f"SELECT * FROM {table.name}"))  # noqa: S608 - our table names
            dumped += [repr(tuple(row)) for row in rows]
    return "\n".join(dumped)


async def test_the_stored_bytes_hold_none_of_a_referrals_personal_data(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await _a_referral_with_a_life(client, parties)

    stored = await _every_stored_value(sessionmaker)

    assert [value for value in DISTINCTIVE if value in stored] == []
    async with sessionmaker() as session:
        raw = await session.scalar(
            text("SELECT CAST(bericht AS TEXT) FROM doorverwijzingen WHERE id = :id").bindparams(
                id=referral_id(path)
            )
        )
    assert str(raw).startswith('"wdv1:test:')


async def test_the_parties_and_the_services_read_the_personal_data_as_it_was_sent(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await _a_referral_with_a_life(client, parties)

    seen = await client.get(path, headers=parties.rivierenland.auth)
    timeline = await client.get(f"{path}/tijdlijn", headers=parties.rivierenland.auth)
    entries = await history(sessionmaker, path)

    assert seen.status_code == 200
    body = seen.json()
    assert body["bericht"]["inwoner"]["burgerservicenummer"] == PERSONAL["bsn"]
    assert body["bericht"]["toelichting"] == PERSONAL["toelichting"]
    assert body["actueelAdres"]["straatnaam"] == NEW_STREET
    assert WITHDRAWAL_NOTE in timeline.text
    notes = [entry.gegevens.get("interneToelichting") for entry in entries]
    assert ATTEMPT_NOTE in notes
    assert MOVE_NOTE in notes


async def test_a_referral_stored_in_plain_text_before_encryption_still_reads(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await _a_referral_with_a_life(client, parties)
    plain = distinctive_referral()
    async with sessionmaker() as session, session.begin():
        await session.execute(
            text("UPDATE doorverwijzingen SET bericht = :bericht WHERE id = :id").bindparams(
                bindparam("bericht", plain, type_=JSON), id=referral_id(path)
            )
        )
        await session.execute(
            text(
                "UPDATE verlengingsverzoeken SET motivering = 'oud, leesbaar' WHERE doorverwijzing_id = :id"
            ).bindparams(id=referral_id(path))
        )

    seen = await client.get(path, headers=parties.water.auth)
    async with sessionmaker() as session:
        motivering = await session.scalar(select(Verlengingsverzoek.motivering))

    assert seen.status_code == 200
    assert seen.json()["bericht"]["referentie"] == plain["referentie"]
    assert motivering == "oud, leesbaar"


async def test_a_value_moved_into_another_column_does_not_decrypt(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await _a_referral_with_a_life(client, parties)
    async with sessionmaker() as session, session.begin():
        await session.execute(
            text("UPDATE doorverwijzingen SET actueel_adres = bericht WHERE id = :id").bindparams(
                id=referral_id(path)
            )
        )

    async with sessionmaker() as session:
        with pytest.raises(crypto.UnreadableValue, match=r"doorverwijzingen\.actueel_adres"):
            await session.scalar(select(Doorverwijzing.actueel_adres))


async def test_an_erased_message_is_stored_as_json_null_in_its_column(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await _a_referral_with_a_life(client, parties)
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Doorverwijzing).where(Doorverwijzing.id == referral_id(path)).values(bericht=None)
        )

    async with sessionmaker() as session:
        stored = await session.scalar(text("SELECT CAST(bericht AS TEXT) FROM doorverwijzingen"))
        read = await session.scalar(select(Doorverwijzing.bericht))

    assert (stored, read) == ("null", None)


# --- the keys -----------------------------------------------------------------------------------

KEY = keys.generate("k1").split(":", 1)[1]


def test_a_keyring_encrypts_under_its_first_key_and_opens_with_any() -> None:
    old = keys.parse(f"old:{KEY}", source="DATA_KEYS")
    both = keys.parse(f"new:{keys.generate().split(':', 1)[1]}, old:{KEY}", source="DATA_KEYS")

    sealed_before = crypto.seal(old, b"Jansen", context="t.c")
    sealed_now = crypto.seal(both, b"Jansen", context="t.c")

    assert crypto.key_id_of(sealed_before) == "old"
    assert crypto.key_id_of(sealed_now) == "new"
    assert crypto.unseal(both, sealed_before, context="t.c") == b"Jansen"
    assert crypto.unseal(both, sealed_now, context="t.c") == b"Jansen"
    assert b"Jansen" not in sealed_now.encode()


def test_a_value_under_a_key_that_is_no_longer_set_names_that_key() -> None:
    sealed = crypto.seal(keys.parse(f"retired:{KEY}", source="DATA_KEYS"), b"x", context="t.c")

    with pytest.raises(crypto.UnreadableValue, match=r"'retired'.*add it to DATA_KEYS"):
        crypto.unseal(keys.parse(f"k1:{KEY}", source="DATA_KEYS"), sealed, context="t.c")


def test_an_altered_value_does_not_decrypt() -> None:
    keyring = keys.parse(f"k1:{KEY}", source="DATA_KEYS")
    sealed = crypto.seal(keyring, b"Jansen", context="t.c")
    altered = sealed[:-3] + ("A" if sealed[-3] != "A" else "B") + sealed[-2:]

    with pytest.raises(crypto.UnreadableValue, match="does not decrypt"):
        crypto.unseal(keyring, altered, context="t.c")


@pytest.mark.parametrize(
    ("setting", "complaint"),
    [
        ("", "holds no key"),
        ("k1", "write each key as <id>:<key>"),
        ("k_1:" + KEY, "a key id is 1-32 letters"),
        (f"k1:{KEY},k1:{KEY}", "'k1' is given twice"),
        ("k1:c2hvcnQ", "must be 32 bytes, not 5"),
        ("k1:!!!", "is not base64"),
    ],
)
def test_an_unusable_data_keys_setting_says_what_is_wrong(setting: str, complaint: str) -> None:
    with pytest.raises(keys.DataKeyError, match=f"^DATA_KEYS.*{complaint}"):
        keys.load(Settings(data_keys=setting or " ", data_keys_file=None, data_keys_sandbox=False))


def test_without_data_keys_outside_the_sandbox_there_is_no_keyring(tmp_path: Path) -> None:
    with pytest.raises(keys.DataKeyError, match=r"DATA_KEYS is not set.*wdv keys generate"):
        keys.load(Settings(data_keys=None, data_keys_file=None), sandbox_file=tmp_path / "data-keys")

    assert not (tmp_path / "data-keys").exists()


def test_the_sandbox_makes_its_local_key_once_readable_by_its_owner_only(tmp_path: Path) -> None:
    sandbox = Settings(data_keys=None, data_keys_file=None, data_keys_sandbox=True)
    key_file = tmp_path / "var" / "data-keys"

    first = keys.load(sandbox, sandbox_file=key_file)
    again = keys.load(sandbox, sandbox_file=key_file)

    assert first == again
    assert first.ids == ["sandbox"]
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_data_keys_may_come_from_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "data-keys"
    key_file.write_text(f"# rotated 2027-01-01\n{keys.generate('k2')}\nk1:{KEY}\n", encoding="utf-8")

    keyring = keys.load(Settings(data_keys=None, data_keys_file=key_file))

    assert keyring.ids == ["k2", "k1"]


def test_a_data_keys_file_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    with pytest.raises(keys.DataKeyError, match=r"DATA_KEYS_FILE .*missing"):
        keys.load(Settings(data_keys=None, data_keys_file=tmp_path / "missing"))
