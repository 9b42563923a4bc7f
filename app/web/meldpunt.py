"""Pages for a creditor's collection staff: refer a customer during the phone call, see what
became of the referrals. The form goes through the same validation and intake as the API."""

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from app import clocks
from app.accounts.dependencies import Aanmelding, require
from app.db import SessionDep
from app.errors import DuplicateBerichtId, DuplicateReferral, GemeenteNotParticipating, NotRoutable
from app.messages import types
from app.messages.jsonform import content_hash
from app.messages.specs import MessageKind
from app.messages.validation import data_violations
from app.organisations.models import Organisatie
from app.organisations.models import Rol as OrganisatieRol
from app.referrals import access, intake, lists, views
from app.referrals.models import Doorverwijzing
from app.routing.destination import Bestemming, destination
from app.routing.postcode import InvalidPostcode, normalise
from app.routing.service import RoutingCache
from app.web import referral_form
from app.web.templating import render

router = APIRouter(include_in_schema=False)
Medewerker = Annotated[Aanmelding, Depends(require(organisatie_rol=OrganisatieRol.SCHULDEISER))]
Formulier = Annotated[Aanmelding, Depends(require(organisatie_rol=OrganisatieRol.SCHULDEISER, csrf=True))]


def _organisatie(aanmelding: Aanmelding) -> Organisatie:
    assert aanmelding.organisatie is not None  # require() admitted only people of a creditor
    return aanmelding.organisatie


@router.get("/meldpunt")
async def sent_list(
    request: Request, session: SessionDep, aanmelding: Medewerker, referentie: str = ""
) -> Response:
    rows = await lists.sent_by(
        session, _organisatie(aanmelding), referentie=referentie[:64], today=clocks.vandaag()
    )
    return render(
        request,
        "meldpunt/lijst.html",
        {"title": "Doorverwijzingen", "nav": "meldpunt", "rijen": rows, "referentie": referentie[:64]},
    )


@router.get("/meldpunt/nieuw")
async def new_form(request: Request, aanmelding: Medewerker) -> Response:
    return _form_page(request, aanmelding, fields=referral_form.default_fields(_organisatie(aanmelding)))


def _form_page(
    request: Request,
    aanmelding: Aanmelding,
    *,
    fields: dict[str, str],
    bestemming: Bestemming | None = None,
    adres_onbekend: bool = False,
    fouten: dict[str, str] | None = None,
    algemeen: list[str] | None = None,
    lopende_id: str | None = None,
    status_code: int = 200,
) -> Response:
    fouten = referral_form.ordered(fouten or {})
    stap = 2 if bestemming is not None and bestemming.uitvoerder is not None else 1
    # the cursor goes where the person continues: the first error, else the next step
    focus = next(iter(fouten), None) or ("toestemming" if stap == 2 else "postcode")
    context: dict[str, Any] = {
        "title": "Nieuwe doorverwijzing",
        "nav": "nieuw",
        "stap": stap,
        "velden": fields,
        "bestemming": bestemming,
        "adres_onbekend": adres_onbekend,
        "fouten": fouten,
        "algemeen": algemeen or [],
        "lopende_id": lopende_id,
        "focus": focus,
        "bsn": referral_form.bsn_allowed(_organisatie(aanmelding)),
        "kanalen": referral_form.TOESTEMMINGSKANALEN,
        "soorten": referral_form.SOORTEN_VASTE_LAST,
        "bericht_id": fields.get("bericht_id") or str(uuid.uuid4()),
    }
    return render(request, "meldpunt/nieuw.html", context, status_code=status_code)


def _address(fields: dict[str, str]) -> tuple[str, int] | dict[str, str]:
    """The normalised postcode and house number, or the Dutch errors at their fields."""
    fouten = {}
    postcode = ""
    try:
        postcode = normalise(fields.get("postcode", ""))
    except InvalidPostcode:
        fouten["postcode"] = (
            "Vul een postcode in zoals 1234 AB." if fields.get("postcode") else "Vul de postcode in."
        )
    huisnummer = fields.get("huisnummer", "")
    if not (huisnummer.isdigit() and 1 <= int(huisnummer) <= 99999):
        fouten["huisnummer"] = (
            "Vul het huisnummer in cijfers in; een letter of toevoeging heeft een eigen veld."
            if huisnummer
            else "Vul het huisnummer in."
        )
    return fouten or (postcode, int(huisnummer))


async def _lookup(
    request: Request, session: SessionDep, aanmelding: Aanmelding, fields: dict[str, str]
) -> Response:
    defaults = referral_form.default_fields(_organisatie(aanmelding))
    fields = defaults | {name: value for name, value in fields.items() if value}
    found = _address(fields)
    if isinstance(found, dict):
        return _form_page(request, aanmelding, fields=fields, fouten=found, status_code=400)
    postcode, huisnummer = found
    cache: RoutingCache = request.app.state.routing
    bestemming = await destination(
        session, cache, postcode=postcode, huisnummer=huisnummer, on=clocks.vandaag()
    )
    fields["postcode"] = f"{postcode[:4]} {postcode[4:]}"
    return _form_page(
        request, aanmelding, fields=fields, bestemming=bestemming, adres_onbekend=bestemming is None
    )


@router.post("/meldpunt/nieuw")
async def new_post(request: Request, session: SessionDep, aanmelding: Formulier) -> Response:
    """One form, three buttons: look the address up, send the referral, or start over with
    another address."""
    form = await request.form()
    fields = {name: str(form.get(name, ""))[:4100] for name in (*referral_form.VELDEN, "bericht_id", "actie")}
    actie = fields.pop("actie")
    if actie == "versturen":
        return await _send(request, session, aanmelding, fields)
    if actie == "ander-adres":
        kept = {name: fields[name] for name in referral_form.ADRESVELDEN}
        return _form_page(
            request, aanmelding, fields=referral_form.default_fields(_organisatie(aanmelding)) | kept
        )
    return await _lookup(request, session, aanmelding, fields)


async def _send(
    request: Request, session: SessionDep, aanmelding: Aanmelding, fields: dict[str, str]
) -> Response:
    schuldeiser = _organisatie(aanmelding)
    try:
        bericht_id = uuid.UUID(fields.get("bericht_id", ""))
    except ValueError:
        bericht_id = uuid.uuid4()
    fields["bericht_id"] = str(bericht_id)
    now = datetime.now(UTC)
    message = referral_form.build_message(fields, schuldeiser=schuldeiser, bericht_id=bericht_id, now=now)
    cache: RoutingCache = request.app.state.routing

    async def again(
        fouten: dict[str, str],
        algemeen: list[str] | None = None,
        status: int = 400,
        lopende_id: str | None = None,
    ) -> Response:
        found = _address(fields)
        bestemming = (
            await destination(session, cache, postcode=found[0], huisnummer=found[1], on=clocks.vandaag(now))
            if isinstance(found, tuple)
            else None
        )
        return _form_page(
            request,
            aanmelding,
            fields=fields,
            bestemming=bestemming,
            adres_onbekend=bestemming is None,
            fouten=fouten,
            algemeen=algemeen,
            lopende_id=lopende_id,
            status_code=status,
        )

    if violations := data_violations(MessageKind.DOORVERWIJZING, message):
        explained = referral_form.explain(violations)
        return await again(explained.per_veld, explained.algemeen)
    try:
        outcome = await intake.receive(
            session,
            schuldeiser=schuldeiser,
            message=cast(types.Doorverwijzing, message),
            routing=cache,
            now=now,
        )
    except DuplicateReferral as exc:
        return await again(
            {"referentie": "Voor dit dossiernummer loopt al een doorverwijzing."},
            status=409,
            lopende_id=str(exc.extra["doorverwijzingId"]),
        )
    except DuplicateBerichtId as exc:
        earlier = await session.get(Doorverwijzing, uuid.UUID(exc.extra["doorverwijzingId"]))
        if earlier is not None and _same_but_for_time(message, earlier):
            # the form was sent twice (a double click, or the back button): the first one counts
            return RedirectResponse(
                f"/meldpunt/doorverwijzingen/{earlier.id}?verstuurd=true", status_code=303
            )
        fields["bericht_id"] = str(uuid.uuid4())
        return await again(
            {}, ["Dit formulier was al verstuurd. Controleer de gegevens en verstuur opnieuw."], 409
        )
    if isinstance(outcome, intake.Rejected):
        # the anonymous count of the refusal is kept: answer without raising
        error = outcome.error
        if isinstance(error, NotRoutable | GemeenteNotParticipating):
            return await again({}, status=422)
        return await again({}, [str(error.detail)], error.status)
    return RedirectResponse(
        f"/meldpunt/doorverwijzingen/{outcome.doorverwijzing.id}?verstuurd=true", status_code=303
    )


def _same_but_for_time(message: dict[str, Any], earlier: Doorverwijzing) -> bool:
    sent_at = earlier.bericht.get("verzondenOp") if earlier.bericht else None  # None once erased
    return bool(sent_at) and content_hash({**message, "verzondenOp": sent_at}) == earlier.inhoud_hash


@router.get("/meldpunt/doorverwijzingen/{doorverwijzing_id}")
async def sent_referral(
    request: Request,
    session: SessionDep,
    aanmelding: Medewerker,
    doorverwijzing_id: uuid.UUID,
    verstuurd: bool = False,
) -> Response:
    organisatie = _organisatie(aanmelding)
    doorverwijzing = await access.get_visible(
        session, organisatie=organisatie, doorverwijzing_id=doorverwijzing_id
    )
    return render(
        request,
        "meldpunt/doorverwijzing.html",
        {
            "title": f"Doorverwijzing {doorverwijzing.referentie}",
            "nav": "meldpunt",
            "verstuurd": verstuurd,
            "d": await views.doorverwijzing_view(session, organisatie, doorverwijzing),
            "tijdlijn": await views.timeline(session, organisatie, doorverwijzing),
        },
    )
