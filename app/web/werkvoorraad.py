"""Pages for the uitvoerder's case workers: the work queue by contact deadline (also as CSV) and
everything about one referral that the uitvoerder may see. Reading personal data is logged."""

import csv
import io
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app import clocks
from app.accounts.dependencies import Aanmelding, require
from app.db import SessionDep
from app.organisations.models import Organisatie
from app.organisations.models import Rol as OrganisatieRol
from app.referrals import access, lists, views
from app.referrals.lifecycle import Status
from app.web.templating import STATUS_LABELS, render

router = APIRouter(include_in_schema=False)
Uitvoerder = Annotated[Aanmelding, Depends(require(organisatie_rol=OrganisatieRol.UITVOERDER))]


def _organisatie(aanmelding: Aanmelding) -> Organisatie:
    assert aanmelding.organisatie is not None  # require() admitted only people of an uitvoerder
    return aanmelding.organisatie


def _filters(gemeente: str, status: str) -> tuple[str | None, str | None]:
    """Unknown filter values are ignored, not an error: they come from a bookmarked URL."""
    code = gemeente if len(gemeente) == 4 and gemeente.isdigit() else None
    known = status if status in {s.value for s in Status} else None
    return code, known


@router.get("/werkvoorraad")
async def queue(
    request: Request, session: SessionDep, aanmelding: Uitvoerder, gemeente: str = "", status: str = ""
) -> Response:
    organisatie = _organisatie(aanmelding)
    code, known = _filters(gemeente, status)
    today = clocks.vandaag()
    rows = await lists.work_queue(session, organisatie, today=today, gemeentecode=code, status=known)
    return render(
        request,
        "werkvoorraad/lijst.html",
        {
            "title": "Werkvoorraad",
            "nav": "werkvoorraad",
            "rijen": rows,
            "vandaag": today,
            "gemeenten": await lists.gemeenten_of(session, organisatie),
            "statussen": list(STATUS_LABELS.items()),
            "gemeente": code or "",
            "status": known or "",
            "max": lists.MAX_ROWS,
        },
    )


CSV_COLUMNS = [
    "doorverwijzingId",
    "ontvangenOp",
    "gemeentecode",
    "gemeente",
    "schuldeiser",
    "referentie",
    "status",
    "crisissignaal",
    "meerderheidsroutering",
    "contactUiterlijk",
    "werkdagenOver",
    "eersteContactpogingOp",
]


@router.get("/werkvoorraad/export.csv")
async def queue_csv(
    session: SessionDep, aanmelding: Uitvoerder, gemeente: str = "", status: str = ""
) -> Response:
    """The queue as on the page (same filters, same order), without personal data."""
    code, known = _filters(gemeente, status)
    today = clocks.vandaag()
    rows = await lists.work_queue(
        session, _organisatie(aanmelding), today=today, gemeentecode=code, status=known
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow(
            [
                r.id,
                clocks.utc_text(r.ontvangen_op),
                r.gemeentecode,
                r.gemeentenaam,
                r.schuldeiser,
                r.referentie,
                r.status,
                str(r.crisissignaal).lower(),
                str(r.meerderheid).lower(),
                r.contact_uiterlijk.isoformat(),
                r.werkdagen_over,
                r.eerste_contactpoging_op.isoformat() if r.eerste_contactpoging_op else "",
            ]
        )
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="werkvoorraad-{today.isoformat()}.csv"'},
    )


@router.get("/werkvoorraad/doorverwijzingen/{doorverwijzing_id}")
async def referral_page(
    request: Request, session: SessionDep, aanmelding: Uitvoerder, doorverwijzing_id: uuid.UUID
) -> Response:
    organisatie = _organisatie(aanmelding)
    doorverwijzing = await access.get_visible(
        session, organisatie=organisatie, doorverwijzing_id=doorverwijzing_id
    )
    view = await views.doorverwijzing_view(session, organisatie, doorverwijzing)
    return render(
        request,
        "werkvoorraad/doorverwijzing.html",
        {
            "title": "Doorverwijzing",  # no name in the title: it stays in the browser's history
            "nav": "werkvoorraad",
            "d": view,
            "werkdagen_over": lists.werkdagen_over(clocks.vandaag(), doorverwijzing.contact_uiterlijk),
            "eerste_contactpoging_op": doorverwijzing.eerste_contactpoging_op,
            "tijdlijn": await views.timeline(session, organisatie, doorverwijzing),
        },
    )
