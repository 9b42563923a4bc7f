"""The portal as people use it, in a real browser: a collector refers a customer during a phone
call with the keyboard only, the case worker finds the referral at the top of the queue, and
what must be refused is refused. Every page passes axe-core without serious violations."""

import re
from typing import Any

from sqlalchemy import select

from app import clocks
from app.referrals.models import Doorverwijzing, Verwerking
from app.web.templating import datum
from tests.browser.conftest import Person, Portal
from tests.browser.helpers import (
    accessibility_violations,
    active,
    assert_accessible,
    log_in,
    log_out,
    screenshot,
    tab_to,
)

REFERENTIE = "WV-2026-0502"


def test_a_collector_refers_a_customer_with_the_keyboard_and_the_case_worker_finds_it_first(
    page: Any, portal: Portal
) -> None:
    log_in(page, portal.people["incasso"])
    assert page.url.endswith("/meldpunt")
    assert_accessible(page)

    page.goto("/meldpunt/nieuw")
    assert active(page) == "postcode"
    assert_accessible(page)
    screenshot(page, "meldpunt-adres")
    page.keyboard.type("1012 lg")
    page.keyboard.press("Tab")
    page.keyboard.type("1")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # before anything personal: where the customer goes, and the sentence to read out
    status = page.get_by_role("status")
    assert "Gemeente Amsterdam: de schuldhulp doet Kredietbank Amsterdam Voorbeeld." in status.inner_text()
    assert "doorgeven aan Kredietbank Amsterdam Voorbeeld" in page.locator("#toestemmingszin").inner_text()
    assert active(page) == "toestemming"
    assert_accessible(page)
    page.keyboard.press("Space")
    tab_to(page, "toestemming_kanaal")
    tab_to(page, "voorletters")
    page.keyboard.type("P.")
    tab_to(page, "achternaam", at_most=2)
    page.keyboard.type("Bos")
    tab_to(page, "telefoonnummer")
    page.keyboard.type("06-98765432")
    tab_to(page, "bereikbaarheid", at_most=2)
    page.keyboard.type("werkdagen na 17.00 uur")
    tab_to(page, "bedrag")
    page.keyboard.type("1.312,75")
    tab_to(page, "referentie", at_most=6)  # past the kind of cost and the date's day, month and year
    page.keyboard.type(REFERENTIE)
    tab_to(page, "toelichting", at_most=2)
    page.keyboard.type("Heeft ook een huurachterstand; wil graag hulp.")
    screenshot(page, "meldpunt-gegevens")
    tab_to(page, "crisissignaal")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Doorverwijzing versturen"
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # the confirmation: the dates to tell the customer
    assert "verstuurd=true" in page.url
    today = clocks.vandaag()
    confirmation = page.get_by_role("status").inner_text()
    assert "De doorverwijzing is verstuurd" in confirmation
    assert (
        f"neemt uiterlijk {datum(clocks.contact_uiterlijk(today), weekday=True)} contact op" in confirmation
    )
    assert f"tot en met {datum(clocks.incassostop_tot(today), weekday=True)}" in confirmation
    assert_accessible(page)
    screenshot(page, "meldpunt-bevestiging")

    # the creditor's list, with the partner status, found by dossier number
    page.goto("/meldpunt")
    page.get_by_label("Zoek op uw dossiernummer").fill(REFERENTIE)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    assert "Ontvangen" in rows.first.inner_text()
    page.goto("/meldpunt")
    assert_accessible(page)
    screenshot(page, "meldpunt-lijst")
    log_out(page)

    # the case worker: the new referral is the first one to call
    log_in(page, portal.people["amsterdam"])
    assert page.url.endswith("/werkvoorraad")
    first = page.locator("tbody tr").first
    assert REFERENTIE in first.inner_text()
    assert "3" in first.locator("td").first.inner_text()
    assert "contactpoging gedaan" in page.locator("tbody tr").nth(1).inner_text()
    assert_accessible(page)
    with page.expect_navigation():
        first.get_by_role("link").click()
    assert page.get_by_role("heading", level=1).inner_text() == "P. Bos"
    text = page.locator("main").inner_text()
    for expected in (
        "06-98765432",
        "werkdagen na 17.00 uur",
        "€ 1.312,75",
        "Heeft ook een huurachterstand",
        REFERENTIE,
    ):
        assert expected in text
    assert "Doorverwijzing ontvangen" in text
    assert_accessible(page)
    screenshot(page, "werkvoorraad-doorverwijzing")
    referral = portal.query(select(Doorverwijzing).where(Doorverwijzing.referentie == REFERENTIE))[0]
    reads = portal.query(select(Verwerking).where(Verwerking.doorverwijzing_id == referral.id))
    assert ("lezen", portal.organisations["amsterdam"]) in [(r.actie, r.organisatie_id) for r in reads]


def test_the_queue_marks_what_is_overdue_or_due_today(page: Any, portal: Portal) -> None:
    log_in(page, portal.people["rivierenland"])

    rows = page.locator("tbody tr")
    assert re.search(r"Crisis\s+\d+ werkdagen te laat", rows.nth(0).inner_text())
    assert "Vandaag" in rows.nth(1).inner_text()
    assert "wdv-queue--te-laat" in (rows.nth(0).get_attribute("class") or "")
    assert_accessible(page)
    screenshot(page, "werkvoorraad")

    page.get_by_label("Gemeente").select_option(label="West Betuwe")
    with page.expect_navigation():
        page.get_by_role("button", name="Filteren").click()
    assert page.locator("tbody tr").count() == 1
    with page.expect_download() as download:
        page.get_by_role("link", name="Download als CSV").click()
    lines = download.value.path().read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("doorverwijzingId,ontvangenOp,gemeentecode")
    assert len(lines) == 2
    assert ",1960,West Betuwe," in lines[1]


def test_a_wrong_password_is_refused(page: Any, portal: Portal) -> None:
    log_in(page, Person(portal.people["incasso"].email, "niet het wachtwoord"))

    assert page.url.endswith("/inloggen")
    assert page.get_by_role("alert").inner_text() == "Het e-mailadres of het wachtwoord klopt niet."
    assert_accessible(page)
    page.goto("/meldpunt")
    assert "/inloggen" in page.url


def test_a_form_without_or_with_a_wrong_csrf_token_is_refused(page: Any, portal: Portal) -> None:
    log_in(page, portal.people["incasso"])
    for tamper in ("el => el.remove()", "el => { el.value = 'geraden'; }"):
        page.goto("/meldpunt/nieuw")
        page.locator("form[action='/meldpunt/nieuw'] input[name=csrf_token]").evaluate(tamper)
        page.locator("#postcode").fill("1012LG")
        page.locator("#huisnummer").fill("1")
        with page.expect_navigation() as navigation:
            page.get_by_role("button", name="Zoek gemeente").click()

        assert navigation.value.status == 403
        assert page.get_by_role("heading", level=1).inner_text() == "Geen toegang"
        assert "Het formulier is verlopen of hoort niet bij uw sessie." in page.locator("main").inner_text()
    assert_accessible(page)
    screenshot(page, "fout-csrf")


def test_a_user_of_another_organisation_is_refused(page: Any, portal: Portal) -> None:
    amsterdam_referral = portal.query(
        select(Doorverwijzing).where(Doorverwijzing.referentie == "WV-2026-0399")
    )[0]
    log_in(page, portal.people["rivierenland"])

    response = page.goto(f"/werkvoorraad/doorverwijzingen/{amsterdam_referral.id}")

    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Niet gevonden"
    assert "Vermeulen" not in page.content()
    log_out(page)
    log_in(page, portal.people["incasso"])
    refused = page.goto("/werkvoorraad")
    assert refused.status == 403
    assert "Deze pagina is voor een ander soort organisatie." in page.locator("main").inner_text()


def test_the_other_pages_pass_the_accessibility_check(page: Any, portal: Portal) -> None:
    page.goto("/")
    assert_accessible(page)
    screenshot(page, "start")
    page.goto("/inloggen")
    assert_accessible(page)
    screenshot(page, "inloggen")

    log_in(page, portal.people["beheer-water"])
    page.goto("/meldpunt/nieuw")
    page.locator("#postcode").fill("3011 AA")
    page.locator("#huisnummer").fill("5")
    with page.expect_navigation():
        page.get_by_role("button", name="Zoek gemeente").click()
    assert "0800-8115" in page.get_by_role("status").inner_text()  # Rotterdam has no uitvoerder here
    assert_accessible(page)
    screenshot(page, "meldpunt-geen-uitvoerder")

    page.locator("#postcode").fill("1012 LG")
    page.locator("#huisnummer").fill("1")
    with page.expect_navigation():
        page.get_by_role("button", name="Zoek gemeente").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Doorverwijzing versturen").click()
    assert page.get_by_role("alert").get_by_role("link").count() == 5
    assert active(page) == "toestemming"
    assert_accessible(page)
    screenshot(page, "meldpunt-fouten")

    page.goto("/beheer/gebruikers")
    page.get_by_label("Naam").fill("Karin de Vries")
    page.get_by_label("E-mailadres").fill("karin@voorbeeld.example")
    with page.expect_navigation():
        page.get_by_role("button", name="Toevoegen").click()
    assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", page.locator("#tijdelijk-wachtwoord").inner_text())
    assert_accessible(page)
    page.goto("/beheer/gebruikers")
    screenshot(page, "beheer-gebruikers")

    page.goto("/beheer/api-sleutels")
    page.get_by_label("Omschrijving").fill("incassosysteem")
    with page.expect_navigation():
        page.get_by_role("button", name="Sleutel aanmaken").click()
    assert page.locator("#nieuwe-sleutel").inner_text().startswith("wdv_")
    assert_accessible(page)

    page.goto("/beheer/webhooks")
    page.get_by_label("Adres (https)").fill("http://127.0.0.1:9/webhooks")
    page.get_by_label("Status gewijzigd").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Abonnement aanmaken").click()
    assert page.locator("#webhook-geheim").inner_text().startswith("whsec_")
    assert_accessible(page)
    page.goto("/beheer/webhooks")
    screenshot(page, "beheer-webhooks")

    page.goto("/wachtwoord")
    assert_accessible(page)
    page.goto("/bestaat-niet")
    assert page.get_by_role("heading", level=1).inner_text() == "Niet gevonden"
    assert_accessible(page)


def test_the_accessibility_check_finds_serious_violations_where_there_are(page: Any) -> None:
    page.set_content('<html><body><img src="/static/geen.png"><input type="text"></body></html>')

    found = {violation["id"] for violation in accessibility_violations(page)}

    assert {"image-alt", "label", "html-has-lang"} <= found
