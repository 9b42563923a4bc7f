"""What a person does in the browser, and the checks every page gets."""

from typing import Any

from tests.browser.conftest import AXE, SCREENSHOTS, Person

SERIOUS = ("serious", "critical")
_AXE_SOURCE = AXE.read_text(encoding="utf-8")


def active(page: Any) -> str:
    """The id of the focused element."""
    focused: str = page.evaluate("() => document.activeElement && document.activeElement.id")
    return focused


def tab_to(page: Any, element_id: str, *, at_most: int = 4) -> None:
    """Press Tab until `element_id` has the focus, as a keyboard user would; fail when the tab
    order takes more than `at_most` presses to get there."""
    for _ in range(at_most):
        page.keyboard.press("Tab")
        if active(page) == element_id:
            return
    raise AssertionError(
        f"{element_id} was not reached with {at_most} presses of Tab (focus: {active(page)})"
    )


def log_in(page: Any, person: Person) -> None:
    """With the keyboard only: the e-mail field has the focus when the page opens."""
    page.goto("/inloggen")
    assert active(page) == "email"
    page.keyboard.type(person.email)
    page.keyboard.press("Tab")
    page.keyboard.type(person.password)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def log_out(page: Any) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Uitloggen").click()


def accessibility_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations of WCAG 2.1 A/AA on the current page. Injected
    through the DevTools protocol: the page's Content-Security-Policy rightly refuses inline scripts."""
    page.evaluate(_AXE_SOURCE)
    violations: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
                resultTypes: ['violations'],
            });
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
            }));
        }"""
    )
    return [violation for violation in violations if violation["impact"] in SERIOUS]


def assert_accessible(page: Any) -> None:
    violations = accessibility_violations(page)
    assert violations == [], f"{page.url}: {violations}"


def screenshot(page: Any, name: str) -> None:
    """Kept as docs/screenshots/<name>.png (linked from the README), rewritten by every run."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
