"""`wdv keys rotate-data-key` re-encrypts every stored value under the current data key, rows
stored in plain text before encryption included; it works in committed batches, so an
interrupted run is continued by running it again; `wdv keys status` counts values per key."""

import base64
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy import JSON, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import get_settings
from app.models import Base, Doorverwijzing, Gebeurtenis, Verlengingsverzoek
from app.privacy import keys, rotation
from tests.conftest import Parties
from tests.support.cli import lines, one_line_error, wdv, wdv_async
from tests.support.lifecycle import (
    contactpoging,
    later,
    message,
    moved,
    post,
    referral_id,
    report,
    send_referral,
)
from tests.support.personal import distinctive_referral

TEST_KEYS = keys.installed()


@pytest.fixture
def data_keys(environment: pytest.MonkeyPatch, wdv_database: str) -> Iterator[Callable[[str], None]]:
    """Sets DATA_KEYS for `wdv`; afterwards the session's own key is back."""

    def set_to(value: str) -> None:
        environment.setenv("DATA_KEYS", value)
        get_settings.cache_clear()

    yield set_to
    keys.install(TEST_KEYS)


def entry_of(keyring: keys.Keyring) -> str:
    """The keyring as a DATA_KEYS setting."""
    return ",".join(
        f"{key.id}:{base64.urlsafe_b64encode(key.secret).decode().rstrip('=')}" for key in keyring.keys
    )


async def _referrals(client: httpx.AsyncClient, parties: Parties, count: int) -> list[str]:
    """Referrals with a history note and an extension request each."""
    paths = []
    for _ in range(count):
        path = await send_referral(client, parties.water)
        attempt = contactpoging(bereikt=False) | {"interneToelichting": "belt morgen terug"}
        moved(await report(client, parties.amsterdam, path, attempt))
        asked = message(gevraagdTot=later(44), motivering="wacht op de bewindvoerder")
        assert (
            await post(client, parties.amsterdam, f"{path}/verlengingsverzoeken", asked)
        ).status_code == 201
        paths.append(path)
    return paths


async def _stored_in_plain_text(
    sessionmaker: async_sessionmaker[AsyncSession], path: str
) -> dict[str, object]:
    """Make one referral's values as a database from before encryption holds them."""
    plain = distinctive_referral()
    async with sessionmaker() as session, session.begin():
        await session.execute(
            text("UPDATE doorverwijzingen SET bericht = :bericht WHERE id = :id").bindparams(
                bindparam("bericht", plain, type_=JSON), id=referral_id(path)
            )
        )
        await session.execute(
            text("UPDATE gebeurtenissen SET gegevens = :gegevens WHERE doorverwijzing_id = :id").bindparams(
                bindparam("gegevens", {"interneToelichting": "oude notitie"}, type_=JSON),
                id=referral_id(path),
            )
        )
        await session.execute(
            text(
                "UPDATE verlengingsverzoeken SET motivering = 'oude motivering' WHERE doorverwijzing_id = :id"
            ).bindparams(id=referral_id(path))
        )
    return plain


async def _census(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, dict[str, int]]:
    async with sessionmaker() as session:
        return {
            name: dict(counts) for name, counts in (await rotation.census(session, Base.metadata)).items()
        }


async def test_rotation_encrypts_rows_stored_in_plain_text_before_encryption(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    data_keys: Callable[[str], None],
) -> None:
    paths = await _referrals(client, parties, 2)
    plain = await _stored_in_plain_text(sessionmaker, paths[0])
    before = await _census(sessionmaker)

    result = await wdv_async("keys", "rotate-data-key")

    assert result.exit_code == 0, result.output
    assert before["doorverwijzingen.bericht"] == {"test": 1, rotation.PLAIN: 1}
    assert before["verlengingsverzoeken.motivering"] == {"test": 1, rotation.PLAIN: 1}
    after = await _census(sessionmaker)
    assert after["doorverwijzingen.bericht"] == {"test": 2}
    assert after["verlengingsverzoeken.motivering"] == {"test": 2}
    assert rotation.PLAIN not in after["gebeurtenissen.gegevens"]
    async with sessionmaker() as session:
        bericht = await session.scalar(
            select(Doorverwijzing.bericht).where(Doorverwijzing.id == referral_id(paths[0]))
        )
        motivering = await session.scalar(
            select(Verlengingsverzoek.motivering).where(
                Verlengingsverzoek.doorverwijzing_id == referral_id(paths[0])
            )
        )
        notes = await session.scalars(
            select(Gebeurtenis.gegevens).where(Gebeurtenis.doorverwijzing_id == referral_id(paths[0]))
        )
        assert (bericht, motivering) == (plain, "oude motivering")
        assert {note.get("interneToelichting") for note in notes} == {"oude notitie"}


async def test_rotation_moves_every_value_to_the_new_key_after_which_the_old_one_can_go(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    data_keys: Callable[[str], None],
) -> None:
    paths = await _referrals(client, parties, 3)
    new = keys.parse(keys.generate("k2"), source="test")
    data_keys(f"{entry_of(new)},{entry_of(TEST_KEYS)}")

    result = await wdv_async("keys", "rotate-data-key", "--batch", "2")

    assert result.exit_code == 0, result.output
    assert lines(result)[-1] == "re-encrypted under k2: 15 values"
    census = await _census(sessionmaker)
    assert {name: set(counts) for name, counts in census.items()} == {
        "doorverwijzingen.bericht": {"k2"},
        "doorverwijzingen.actueel_adres": set(),
        "gebeurtenissen.gegevens": {"k2"},
        "verlengingsverzoeken.motivering": {"k2"},
    }
    keys.install(new)  # the old key removed from DATA_KEYS
    answer = await client.get(paths[0], headers=parties.water.auth)
    assert answer.status_code == 200
    assert answer.json()["bericht"]["referentie"]


async def test_an_interrupted_rotation_continues_where_it_stopped(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    data_keys: Callable[[str], None],
) -> None:
    await _referrals(client, parties, 3)
    keys.install(keys.parse(f"{keys.generate('k2')},{entry_of(TEST_KEYS)}", source="test"))

    class Interrupted(Exception):
        pass

    def interrupt(column: str, done: int, total: int) -> None:
        raise Interrupted(f"{column} {done}/{total}")

    with pytest.raises(Interrupted, match=r"^doorverwijzingen\.bericht 1/3$"):
        await rotation.rotate(sessionmaker, Base.metadata, batch=1, progress=interrupt)
    halfway = await _census(sessionmaker)
    reported: list[tuple[str, int, int]] = []
    done = await rotation.rotate(
        sessionmaker, Base.metadata, batch=1, progress=lambda *step: reported.append(step)
    )

    assert halfway["doorverwijzingen.bericht"] == {"k2": 1, "test": 2}
    assert done["doorverwijzingen.bericht"] == 2
    assert [step for step in reported if step[0] == "doorverwijzingen.bericht"] == [
        ("doorverwijzingen.bericht", 1, 2),
        ("doorverwijzingen.bericht", 2, 2),
    ]
    assert (await _census(sessionmaker))["doorverwijzingen.bericht"] == {"k2": 3}


async def test_rotation_refuses_values_under_a_key_data_keys_no_longer_holds(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    data_keys: Callable[[str], None],
) -> None:
    await _referrals(client, parties, 1)
    data_keys(keys.generate("k2"))

    error = one_line_error(await wdv_async("keys", "rotate-data-key"))

    assert error == (
        "values are encrypted under data key(s) test, which DATA_KEYS does not hold: "
        "add them after the current key and run again"
    )


async def test_keys_status_counts_the_values_under_each_key(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    data_keys: Callable[[str], None],
) -> None:
    paths = await _referrals(client, parties, 2)
    await _stored_in_plain_text(sessionmaker, paths[1])

    result = await wdv_async("keys", "status")

    assert result.exit_code == 0, result.output
    assert [line.split() for line in lines(result)] == [
        ["doorverwijzingen.bericht", "(plain):", "1,", "test:", "1"],
        ["doorverwijzingen.actueel_adres", "empty"],
        ["gebeurtenissen.gegevens", "(plain):", "3,", "test:", "3"],
        ["verlengingsverzoeken.motivering", "(plain):", "1,", "test:", "1"],
        ["current", "key:", "test"],
    ]


def test_keys_generate_prints_a_data_keys_entry(environment: pytest.MonkeyPatch) -> None:
    result = wdv("keys", "generate", "--id", "2027-01")

    assert result.exit_code == 0, result.output
    assert keys.parse(result.stdout, source="printed").ids == ["2027-01"]


def test_keys_generate_refuses_an_id_that_cannot_be_one(environment: pytest.MonkeyPatch) -> None:
    assert one_line_error(wdv("keys", "generate", "--id", "k 1")) == (
        "--id: a key id is 1-32 letters, digits or '-', not 'k 1'"
    )
