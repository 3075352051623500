"""A newcomer's first minute, in a real browser: sample leads arrive, sales accepts and rejects.

Headless Chromium (Debian's, at ``/usr/bin/chromium``; Playwright's own
browser download is not used) drives the sandbox page of a real server in
sandbox mode. Everything between the page and the database is the
production code: the page's signed requests, Bolt's signature check, the
handlers, the outbox and the Web API stand-in.
"""

from __future__ import annotations

import re
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, FloatRect, Locator, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from bot.app import create_app
from bot.config.settings import Settings
from bot.demo.leads import sample_leads, send_demo
from bot.runtime.serving import ThreadedServer
from tests.support.ci import IN_CI
from tests.support.qualification import rules_with_questions

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
SCREENSHOT = ARTIFACTS / "sandbox.png"
#: a phone held upright
PHONE = {"width": 420, "height": 860}
#: cards are posted at Slack's pace of about one a second per channel
CARD_TIMEOUT_MS = 30_000


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"no Chromium at {CHROMIUM}: apt-get install chromium"
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: the browser test must run)")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def server(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[tuple[str, Settings]]:
    """``leadbot serve`` in sandbox mode on a free port, with a fresh database.

    A test parametrizing ``server`` (indirectly) with YAML runs with that rules file.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    database = shutil.copy(sqlite_template, tmp_path / "leadbot.db")
    rules: str | None = getattr(request, "param", None)
    config_path = None
    if rules is not None:
        config_path = tmp_path / "rules.yaml"
        config_path.write_text(rules)
    settings = Settings(database_url=f"sqlite:///{database}", port=port, config_path=config_path)
    with ThreadedServer(create_app(settings), port=port) as running:
        yield running.url, settings


@pytest.fixture(params=[{"width": 1280, "height": 800}, PHONE], ids=["desktop", "phone"])
def viewport(request: pytest.FixtureRequest) -> dict[str, int]:
    return dict(request.param)


@pytest.fixture
def page(
    browser: Browser, server: tuple[str, Settings], viewport: dict[str, int]
) -> Iterator[Page]:
    """A tab of ``viewport``'s size, closed before the server stops (its live stream would hold
    it up)."""
    tab = browser.new_page(viewport=viewport)
    yield tab
    tab.close()


def test_sales_accepts_and_rejects_demo_leads_in_the_sandbox(
    page: Page, server: tuple[str, Settings], viewport: dict[str, int]
) -> None:
    url, settings = server
    problems = open_sales_channel(page, url, "U0ALICE")
    with httpx.Client(timeout=10) as client:
        send_demo(client, url, settings.effective_webhook_secret())
    cards = page.locator("#messages > article")
    mqls = [lead for lead in sample_leads() if lead.expect == "mql"]
    expect(cards).to_have_count(len(mqls), timeout=CARD_TIMEOUT_MS)

    # Slack's date tokens show as local dates and times, never as their UTC fallback
    since = card(page, "Maria Schmidt").locator(".b-context time").first
    expect(since).to_have_text(re.compile(r"^(today|yesterday) \d{1,2}:\d{2}"))
    expect(card(page, "Maria Schmidt")).not_to_contain_text("UTC")
    assert_fits(page, viewport["width"], card(page, "Maria Schmidt"))

    accept(page, "Maria Schmidt")
    reject(page, "James O'Connor", reason="Not a fit", note="Healthcare is not our market yet")

    page.get_by_label("Slash command").fill("/leads pending")
    page.get_by_label("Slash command").press("Enter")
    reply = page.locator("#messages > article.ephemeral")
    expect(reply).to_contain_text("Only visible to you")
    expect(reply).to_contain_text("Aiko Tanaka")
    expect(reply).not_to_contain_text("Maria Schmidt")
    expect(reply).to_be_in_viewport()

    assert_fits(page, viewport["width"], page.get_by_role("button", name="Send"))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOT if viewport != PHONE else ARTIFACTS / "sandbox-phone.png")
    assert problems == []


def assert_fits(page: Page, width: int, *shown: Locator) -> None:
    """Nothing runs off the side: no sideways scrolling, and each of ``shown`` fully visible."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for locator in shown:
        box = _settled_box(locator)
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
        expect(locator).to_be_in_viewport(ratio=1)


def _settled_box(locator: Locator, attempts: int = 10) -> FloatRect:
    """The element's box once scrolled into view; a card redrawn meanwhile is looked up again.

    Cards follow their lead's score, so the live page may replace one while it is measured.
    """
    for _ in range(attempts - 1):
        try:
            locator.scroll_into_view_if_needed()
            box = locator.bounding_box()
        except PlaywrightError:
            continue
        if box is not None:
            return box
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box is not None
    return box


def open_sales_channel(page: Page, url: str, user: str) -> list[str]:
    """Open the sandbox as ``user`` on #sales; the list collects the page's script errors."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{url}/sandbox")
    expect(page.locator("#connection")).to_have_text("live")
    page.get_by_label("Acting as").select_option(user)
    page.locator('#channels button[data-channel="C0SALES"]').click()
    return problems


def card(page: Page, name: str) -> Locator:
    return page.locator("#messages > article").filter(has_text=f"MQL: {name}")


def accept(page: Page, name: str) -> None:
    card(page, name).get_by_role("button", name="Accept").click()
    expect(card(page, name)).to_contain_text("Accepted by @Alice Martin")
    expect(card(page, name).get_by_role("button", name="Accept")).to_have_count(0)


def reject(page: Page, name: str, *, reason: str, note: str) -> None:
    button = card(page, name).get_by_role("button", name="Reject")
    assert_fits(page, page.viewport_size["width"] if page.viewport_size else 0, button)
    button.click()
    dialog = page.get_by_role("dialog", name="Reject lead")
    dialog.get_by_label("Reason").select_option(label=reason)
    dialog.get_by_label("Note").fill(note)
    dialog.get_by_role("button", name="Reject").click()
    expect(dialog).to_have_count(0)
    expect(card(page, name)).to_contain_text("Rejected by @Alice Martin")
    expect(card(page, name)).to_contain_text(reason)


@pytest.mark.parametrize("server", [rules_with_questions()], ids=["questions"], indirect=True)
def test_accept_asks_the_qualification_questions_in_a_modal(
    page: Page, server: tuple[str, Settings]
) -> None:
    url, settings = server
    problems = open_sales_channel(page, url, "U0BOB")
    maria = next(lead for lead in sample_leads() if lead.expect == "mql")
    with httpx.Client(timeout=10) as client:
        send_demo(client, url, settings.effective_webhook_secret(), leads=[maria])
    expect(card(page, "Maria Schmidt")).to_have_count(1, timeout=CARD_TIMEOUT_MS)

    card(page, "Maria Schmidt").get_by_role("button", name="Accept").click()
    dialog = page.get_by_role("dialog", name="Accept lead")
    expect(dialog).to_contain_text("Accepting Maria Schmidt (Northwind Analytics)")
    dialog.get_by_label("Budget").select_option(label="Being discussed")
    dialog.get_by_label("Talking to the decision maker?").select_option(label="Yes")
    dialog.get_by_label("Need").fill("Attribution across <b>four</b> regions")
    dialog.get_by_role("button", name="Accept").click()
    expect(dialog).to_have_count(0)

    expect(card(page, "Maria Schmidt")).to_contain_text("Accepted by @Bob Chen")
    thread = card(page, "Maria Schmidt").locator(".thread")
    expect(thread).to_contain_text("Being discussed")
    expect(thread).to_contain_text("Attribution across <b>four</b> regions")
    assert problems == []
