"""Jinja2 templates for the pages, with Dutch formatting of dates, amounts and statuses."""

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.clocks import AMSTERDAM

TEMPLATES = Path(__file__).parent / "templates"

# pages allow nothing from elsewhere, no inline script or style, and no framing
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)

MAANDEN = [
    *("januari", "februari", "maart", "april", "mei", "juni"),
    *("juli", "augustus", "september", "oktober", "november", "december"),
]
DAGEN = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]

STATUS_LABELS = {
    "ontvangen": "Ontvangen",
    "afgeleverd": "Afgeleverd bij de uitvoerder",
    "opgepakt": "Opgepakt",
    "contact_gelegd": "Contact gelegd",
    "hulp_aangeboden": "Hulp aangeboden",
    "hulp_geaccepteerd": "Hulp geaccepteerd",
    "hulp_geweigerd": "Hulp geweigerd",
    "afgesloten": "Afgesloten",
    "niet_opgepakt": "Niet opgepakt",
    "niet_bereikt": "Niet bereikt",
    "ingetrokken": "Ingetrokken",
}

GEBEURTENIS_LABELS = {
    "ontvangen": "Doorverwijzing ontvangen",
    "status-gewijzigd": "Status gewijzigd",
    "contactpoging": "Contactpoging",
    "heringedeeld": "Naar een andere gemeente doorgestuurd",
    "ingetrokken": "Ingetrokken door de schuldeiser",
    "betalingsherstel": "Betalingsherstel gemeld",
    "verlenging-gevraagd": "Verlenging van de incassostop gevraagd",
    "verlenging-beantwoord": "Verzoek om verlenging beantwoord",
    "contacttermijn-verstreken": "Contacttermijn verstreken",
    "incassostop-verloopt-binnenkort": "Incassostop verloopt binnenkort",
    "incassostop-verlopen": "Incassostop verlopen",
}

DOOR_LABELS = {"schuldeiser": "schuldeiser", "uitvoerder": "uitvoerder", "dienst": "de dienst"}


def datum(value: date | str | None, *, weekday: bool = False) -> str:
    """3 december 2026 (or donderdag 3 december 2026)."""
    if value is None or value == "":
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    text = f"{day.day} {MAANDEN[day.month - 1]} {day.year}"
    return f"{DAGEN[day.weekday()]} {text}" if weekday else text


def moment(value: datetime | None) -> str:
    """A moment in Amsterdam time: 3 december 2026, 14:05."""
    if value is None:
        return ""
    local = value.astimezone(AMSTERDAM)
    return f"{datum(local.date())}, {local:%H:%M}"


def bedrag(value: Any) -> str:
    """€ 1.312,75"""
    if value is None or value == "":
        return ""
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    whole, cents = f"{amount:,.2f}".split(".")
    return f"€ {whole.replace(',', '.')},{cents}"


templates = Jinja2Templates(directory=str(TEMPLATES))
templates.env.filters.update(
    datum=datum,
    datum_lang=lambda value: datum(value, weekday=True),
    moment=moment,
    bedrag=bedrag,
    status=lambda value: STATUS_LABELS.get(str(value), str(value)),
    gebeurtenis=lambda value: GEBEURTENIS_LABELS.get(str(value), str(value)),
    door=lambda value: DOOR_LABELS.get(str(value), str(value)),
    opties=lambda values: [(str(value), str(value)) for value in values],
)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """A page. Who is logged in (`wie`, for the menu) and the session's CSRF token come from the
    request, so every template can show the menu and protect its forms."""
    context = dict(context or {})
    context.setdefault("wie", getattr(request.state, "wie", None))
    context.setdefault("csrf_token", getattr(request.state, "csrf_token", ""))
    response = templates.TemplateResponse(
        request, template, context, status_code=status_code, headers=headers
    )
    response.headers["content-security-policy"] = PAGE_CSP
    return response
