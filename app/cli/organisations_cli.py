"""Organisations, their keys, coverage and channels.

Names are unique among organisations (any case), as are OINs, KvK-nummers and channel addresses:
an operator can then name an organisation in every command. The id always works too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from app.cli import coverage_cli, fail, in_transaction, key_cli, options, org_cli, organisatie_named
from app.cli.options import KanaalKeuze, RolKeuze

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from app.organisations.models import ApiSleutel, Organisatie


@org_cli.command("add")
def org_add(
    naam: Annotated[str, typer.Option(help="Unique among organisations")],
    rol: Annotated[RolKeuze, typer.Option()],
    oin: Annotated[str | None, typer.Option(help="OIN, 20 digits")] = None,
    kvk: Annotated[str | None, typer.Option(help="KvK-nummer, 8 digits")] = None,
    soort: Annotated[
        str | None,
        typer.Option(help="Signaalpartner soort (DDAS EnumSignaalpartner), for a schuldeiser"),
    ] = None,
) -> None:
    """Add a schuldeiser or uitvoerder."""
    naam = naam.strip()
    if not naam:
        fail("--naam must not be empty")
    oin = options.oin(oin) if oin is not None else None
    kvk = options.kvk_nummer(kvk) if kvk is not None else None
    if soort is not None:
        if rol is not RolKeuze.SCHULDEISER:
            fail("--soort is for a schuldeiser (the kind of creditor)")
        soort = options.soort(soort)

    async def work(session: AsyncSession) -> Organisatie:
        from sqlalchemy import func, select
        from sqlalchemy.exc import IntegrityError

        from app.organisations import service as organisations
        from app.organisations.models import Organisatie, Rol

        taken = [
            (f"the name {naam!r}", func.lower(Organisatie.naam) == naam.lower()),
            *([(f"OIN {oin}", Organisatie.oin == oin)] if oin else []),
            *([(f"KvK-nummer {kvk}", Organisatie.kvk_nummer == kvk)] if kvk else []),
        ]
        for what, condition in taken:
            if (other := await session.scalar(select(Organisatie).where(condition))) is not None:
                fail(f"{what} is taken by {other.naam} ({other.id})")
        try:
            return await organisations.add_organisatie(
                session, naam=naam, rol=Rol(rol.value), oin=oin, kvk_nummer=kvk, signaalpartner=soort
            )
        except IntegrityError:  # added at the same moment by someone else
            fail("the name, OIN or KvK-nummer was taken while adding: list them with `wdv org list`")
        except ValueError as exc:
            fail(str(exc))

    found = in_transaction(work)
    typer.echo(f"{found.id} {found.rol} {found.naam}")


@org_cli.command("channel")
def org_channel(
    organisatie: Annotated[str, typer.Argument(help="Id, OIN, KvK-nummer or exact name")],
    kanaal: Annotated[
        KanaalKeuze,
        typer.Option(help="api, vroegsignalering (uitvoerder) or schuldenknooppunt (schuldeiser)"),
    ],
    adres: Annotated[
        str | None, typer.Option(help="Its address on that channel (participant / organisation code)")
    ] = None,
) -> None:
    """Put an organisation on a channel (a peer system).

    Its events then travel to that peer system; api puts it back on webhooks and the mailbox.
    """
    adres = adres.strip() if adres is not None else None

    async def work(session: AsyncSession) -> str:
        from datetime import UTC, datetime

        from sqlalchemy import select

        from app.config import get_settings
        from app.organisations.models import Kanaal, Organisatie
        from app.peers.channels import set_channel

        found = await organisatie_named(session, organisatie)
        if adres and kanaal is not KanaalKeuze.API:
            other = await session.scalar(
                select(Organisatie).where(Organisatie.kanaal_adres == adres, Organisatie.id != found.id)
            )
            if other is not None:
                fail(f"--adres {adres} is already the channel address of {other.naam} ({other.id})")
        try:
            await set_channel(
                session,
                organisatie=found,
                kanaal=Kanaal(kanaal.value),
                adres=adres,
                settings=get_settings(),
                now=datetime.now(UTC),
            )
        except ValueError as exc:
            fail(str(exc))
        return found.naam

    naam = in_transaction(work)
    typer.echo(f"{naam} now uses {kanaal.value}" + (f" as {adres}" if adres else ""))


@org_cli.command("list")
def org_list() -> None:
    """List organisations."""

    async def work(session: AsyncSession) -> list[Organisatie]:
        from sqlalchemy import select

        from app.organisations.models import Organisatie

        return list(await session.scalars(select(Organisatie).order_by(Organisatie.rol, Organisatie.naam)))

    for o in in_transaction(work):
        typer.echo(f"{o.id} {o.rol:12} {o.oin or o.kvk_nummer or '-':20} {o.naam}")


@key_cli.command("create")
def key_create(
    organisatie: Annotated[str, typer.Argument(help="Id, OIN, KvK-nummer or exact name")],
    omschrijving: Annotated[str, typer.Option()] = "",
    geldig_tot: Annotated[
        str | None,
        typer.Option(help="Last day the key works (YYYY-MM-DD, Amsterdam time); default: until revoked"),
    ] = None,
) -> None:
    """Create an API key. It is shown once; only its hash is stored."""
    from datetime import UTC, datetime, time, timedelta

    from app import clocks

    end: datetime | None = None
    if geldig_tot is not None:
        last_day = options.datum("--geldig-tot", geldig_tot)
        if last_day < clocks.vandaag():
            fail(f"--geldig-tot {last_day} has passed")
        # refused from the start of the next day in Amsterdam
        end = datetime.combine(last_day + timedelta(days=1), time(), clocks.AMSTERDAM).astimezone(UTC)

    async def work(session: AsyncSession) -> str:
        from app.organisations import service as organisations

        found = await organisatie_named(session, organisatie)
        return await organisations.create_key(
            session, organisatie_id=found.id, omschrijving=omschrijving, geldig_tot=end
        )

    typer.echo(in_transaction(work))


def _local(moment: datetime | None) -> str:
    from app import clocks

    return moment.astimezone(clocks.AMSTERDAM).strftime("%Y-%m-%d %H:%M") if moment else "-"


@key_cli.command("list")
def key_list(
    organisatie: Annotated[
        str | None, typer.Argument(help="Id, OIN, KvK-nummer or exact name; default: every organisation")
    ] = None,
) -> None:
    """List API keys: id, prefix, status, created, valid until, last used (Amsterdam time).

    The key itself cannot be shown: only its hash is stored.
    """
    from datetime import UTC, datetime, timedelta

    from app import clocks

    async def work(session: AsyncSession) -> list[tuple[ApiSleutel, Organisatie]]:
        from app.organisations import service as organisations

        found = await organisatie_named(session, organisatie) if organisatie else None
        return await organisations.list_keys(session, found.id if found else None)

    from app.organisations.service import key_status

    now = datetime.now(UTC)
    rows = in_transaction(work)
    if not rows:
        typer.echo("no API keys")
    for sleutel, owner in rows:
        last_day = (
            (sleutel.geldig_tot.astimezone(clocks.AMSTERDAM) - timedelta(days=1)).strftime("%Y-%m-%d")
            if sleutel.geldig_tot
            else "-"
        )
        typer.echo(
            f"{sleutel.id} {sleutel.prefix}… {key_status(sleutel, now):11} "
            f"aangemaakt {_local(sleutel.aangemaakt_op)}  geldig t/m {last_day:10}  "
            f"laatst gebruikt {_local(sleutel.laatst_gebruikt_op)}  {owner.naam}"
            + (f"  ({sleutel.omschrijving})" if sleutel.omschrijving else "")
        )


@key_cli.command("revoke")
def key_revoke(
    sleutel: Annotated[str, typer.Argument(help="The key's id, or its prefix as `wdv key list` shows it")],
) -> None:
    """Revoke an API key: from now on it is refused (401)."""
    from datetime import UTC, datetime

    ident = sleutel.strip().removesuffix("…")

    async def work(session: AsyncSession) -> tuple[str, bool]:
        from app.organisations import service as organisations

        found = await organisations.keys_named(session, ident)
        if not found:
            fail(f"no API key {ident!r} (give its id or prefix, see `wdv key list`)")
        if len(found) > 1:
            ids = ", ".join(str(k.id) for k in found)
            fail(f"{ident!r} is the prefix of {len(found)} keys: give the id of one of {ids}")
        (chosen,) = found
        return f"{chosen.id} ({chosen.prefix}…)", organisations.revoke_key(chosen, now=datetime.now(UTC))

    which, revoked = in_transaction(work)
    typer.echo(f"revoked {which}" if revoked else f"{which} was revoked before")


@coverage_cli.command("set")
def coverage_set(
    uitvoerder: Annotated[str, typer.Argument(help="Id, OIN, KvK-nummer or exact name")],
    gemeentecode: Annotated[str, typer.Argument(help="CBS code, e.g. 0363 or GM0363")],
    vanaf: Annotated[str, typer.Option(help="First day (YYYY-MM-DD); default today")] = "",
    tot: Annotated[str, typer.Option(help="Last day (YYYY-MM-DD); default open-ended")] = "",
) -> None:
    """Let UITVOERDER serve GEMEENTECODE from a date (earlier coverage ends the day before)."""
    from app import clocks
    from app.routing import sources

    try:
        code = sources.gemeentecode(gemeentecode)
    except sources.SourceError:
        fail(f"GEMEENTECODE must be a CBS code such as 0363 or GM0363, not {gemeentecode!r}")
    start = options.datum("--vanaf", vanaf) if vanaf else clocks.vandaag()
    end = options.datum("--tot", tot) if tot else None
    if end is not None and end < start:
        fail(f"--tot {end} lies before --vanaf {start}")

    async def work(session: AsyncSession) -> str:
        from app.organisations import service as organisations
        from app.routing.models import Gemeente

        found = await organisatie_named(session, uitvoerder)
        if await session.get(Gemeente, code) is None:
            fail(f"no gemeente {code} in the gemeente list")
        try:
            await organisations.set_coverage(
                session, uitvoerder=found, gemeentecode=code, geldig_vanaf=start, geldig_tot=end
            )
        except ValueError as exc:
            fail(str(exc))
        return found.naam

    naam = in_transaction(work)
    typer.echo(f"{naam} serves {code} from {start}" + (f" until {end}" if end else ""))
