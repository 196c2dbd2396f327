"""End to end: `trialwatch serve` in a subprocess, driven by headless Chromium through Playwright.

Uses the system's Chromium (Debian's `chromium` package, installed by .ci/run), never a browser Playwright downloads.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
START_TIMEOUT = 60.0


def trialwatch_command() -> list[str]:
    script = Path(sys.executable).with_name("trialwatch")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from trialwatch.cli import main; main()"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `trialwatch serve` over an empty data dir (it loads the bundled snapshot), on a port it picks; one for
    the module, since starting it (snapshot, index) takes most of a test's time."""
    tmp_path = tmp_path_factory.mktemp("serve")
    log = (tmp_path / "serve.log").open("w+")
    env = {**os.environ, "TRIALWATCH_DATA": str(tmp_path / "data")}
    process = subprocess.Popen([*trialwatch_command(), "serve", "--port", "0"],
                               stdout=log, stderr=subprocess.STDOUT, env=env)
    url = ""
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            log.seek(0)
            output = log.read()
            if process.poll() is not None:
                pytest.fail(f"trialwatch serve exited with {process.returncode}:\n{output}")
            if not url and (match := re.search(r"serving on (http://127\.0\.0\.1:\d+)/", output)):
                url = match.group(1)
            if url:
                try:
                    if httpx.get(url + "/", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
            if time.monotonic() > deadline:
                pytest.fail(f"trialwatch serve did not answer within {START_TIMEOUT:.0f} s:\n{output}")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.seek(0)
        output = log.read()
        log.close()
        assert "Traceback" not in output, output
        assert "loaded the bundled snapshot" in output


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("no Chromium binary on PATH (Debian: apt-get install chromium); the browser test needs one")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def test_search_a_drug_open_the_trial_and_read_its_checklists(server, browser, tmp_path):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1100, "height": 900})
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    # the home page: keyboard users get a skip link first
    page.goto(server + "/")
    expect(page).to_have_title("Find a clinical trial · trialwatch")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0, "the focused skip link should be on screen"
    expect(page.get_by_label("Status")).to_have_value("open")

    # a drug search with the default status: only trials open to enrolment
    page.get_by_label("Drug or treatment").fill("carboplatin")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search?**drug=carboplatin**")
    expect(page.get_by_role("heading", level=2, name="1 trial found")).to_be_visible()
    hit = page.locator("li.hit", has=page.get_by_role("link", name="Testing the Addition of a Type of Drug"))
    expect(hit.locator(".badge")).to_have_text("recruiting")
    expect(hit.locator("mark").first).to_have_text("Carboplatin")

    # change the search: another drug, any status
    page.get_by_text("Change this search").click()
    page.get_by_label("Drug or treatment").fill("remdesivir")
    page.get_by_label("Status").select_option(label="Any status")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search?**drug=remdesivir**")
    hit = page.locator("li.hit").first
    expect(hit.locator(".badge")).to_have_text("completed")
    expect(hit).to_contain_text("Gilead Sciences")

    # the trial page
    hit.get_by_role("link").click()
    page.wait_for_url("**/trials/NCT04431453")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Study of Remdesivir in Participants Below 18 Years Old With COVID-19")
    expect(page.locator(".trial-status .badge")).to_have_text("completed")
    inclusion = page.locator("section", has=page.get_by_role("heading", name="Who can join", exact=True))
    top_level = inclusion.locator(":scope > ul.checklist--inclusion > li")
    expect(top_level).to_have_count(3)
    nested = top_level.first.locator("ul.checklist > li")
    expect(nested).to_have_count(6)
    expect(nested.first).to_contain_text("Cohort 1:")
    exclusion = page.locator("section", has=page.get_by_role("heading", name="Who cannot join", exact=True))
    expect(exclusion.locator(":scope > ul.checklist--exclusion > li")).to_have_count(6)
    expect(exclusion).to_contain_text("Positive pregnancy test at Screening")
    history = page.locator("table.history")
    expect(history.locator("tbody tr")).to_have_count(1)
    expect(history.locator(".badge")).to_have_text("completed")
    expect(page.get_by_role("link", name="NCT04431453 on ClinicalTrials.gov")).to_have_attribute(
        "href", "https://clinicaltrials.gov/study/NCT04431453")
    # the checklist marks come from the stylesheet, so it loaded (the CSP allows it)
    mark = top_level.first.evaluate(
        "item => getComputedStyle(item, '::before').content")
    assert mark == '"✓"'

    screenshot = tmp_path / "trial-NCT04431453.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000

    # on a phone: nothing wider than the screen
    phone = browser.new_page(viewport={"width": 360, "height": 740}, is_mobile=True)
    phone.goto(server + "/trials/NCT04431453")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    phone.screenshot(path=str(tmp_path / "trial-NCT04431453-phone.png"))

    assert problems == []

    # errors are pages too
    response = page.goto(server + "/trials/NCT00000000")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    response = page.goto(server + "/search?age=abc")
    assert response.status == 400
    expect(page.locator(".error-message")).to_contain_text("Age must be a number")
    print(f"screenshots: {screenshot} and {tmp_path / 'trial-NCT04431453-phone.png'}")


def test_changes_page_feed_link_and_phone_width(server, browser, tmp_path):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 360, "height": 740}, is_mobile=True)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(server + "/")
    page.get_by_role("link", name="Changes").click()
    page.wait_for_url("**/changes")
    expect(page.get_by_role("heading", level=1)).to_have_text("Changes")
    expect(page.locator("p.count")).to_contain_text("newest first")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.get_by_label("Since").fill("all")
    page.get_by_label("Watch").select_option("lupus")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/changes?since=all&watch=lupus**")
    expect(page.get_by_role("heading", level=1)).to_have_text("Changes to lupus trials")
    screenshot = tmp_path / "changes-phone.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 5_000

    feed_link = page.get_by_role("link", name="Atom feed")
    href = feed_link.get_attribute("href")
    assert href == "/changes.atom?since=all&watch=lupus"
    assert page.locator('link[rel="alternate"][type="application/atom+xml"]').get_attribute("href") == href
    response = page.request.get(server + href)
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    assert "<feed xmlns=\"http://www.w3.org/2005/Atom\"" in response.text()
    again = page.request.get(server + href, headers={"If-None-Match": response.headers["etag"]})
    assert again.status == 304
    assert problems == []


def test_near_me_search_at_phone_width(server, browser, tmp_path):
    from playwright.sync_api import expect

    phone = browser.new_page(viewport={"width": 360, "height": 740}, is_mobile=True)
    problems: list[str] = []
    phone.on("pageerror", lambda error: problems.append(str(error)))
    phone.goto(server + "/")
    phone.get_by_label("Near").fill("Boston")
    phone.get_by_label("Within").fill("50mi")
    phone.get_by_label("Order").select_option(label="Nearest site first")
    phone.get_by_label("Status").select_option(label="Any status")
    phone.get_by_role("button", name="Search").click()
    phone.wait_for_url("**/search?**near=Boston**")
    expect(phone.locator("p.near")).to_contain_text("Near Boston, MA, United States")
    distances = phone.locator("li.hit .nearest-site dd")
    expect(distances.first).to_contain_text("< 1 mi · ")
    assert distances.count() >= 3
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot = tmp_path / "near-boston-phone.png"
    phone.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 5_000

    # a trial found near Boston: its page measures from Boston, the nearest site's contacts first, as links
    phone.goto(server + "/search?q=craniospinal&near=Boston&status=any")
    phone.get_by_role("link", name="Proton Craniospinal Irradiation With Bone Sparing").click()
    phone.wait_for_url("**/trials/NCT03281889?near=Boston")
    contacts = phone.locator("section.contacts")
    expect(contacts.locator(".contact-site")).to_contain_text("Massachusetts General Hospital")
    expect(contacts.locator(".contact-site")).to_contain_text("from Boston, MA, United States")
    phone_link = contacts.locator("a.contact-phone").first
    assert re.fullmatch(r"tel:[0-9+\-.()]+(;ext=\d+)?", phone_link.get_attribute("href"))
    mail_link = contacts.locator("a.contact-email").first
    assert mail_link.get_attribute("href") == "mailto:" + mail_link.inner_text()
    assert phone_link.bounding_box()["height"] >= 24, "a phone link should be easy to tap"
    expect(phone.locator("ol.sites-nearest li").first).to_contain_text("Boston")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    trial_shot = tmp_path / "trial-NCT03281889-near-boston-phone.png"
    phone.screenshot(path=str(trial_shot), full_page=True)
    # printed: the checklists and the contacts, without the site's header, forms and status history
    phone.emulate_media(media="print")
    expect(contacts).to_be_visible()
    expect(phone.locator("ul.checklist--inclusion").first).to_be_visible()
    expect(phone.locator(".site-header")).to_be_hidden()
    expect(phone.locator("form.near-form")).to_be_hidden()
    expect(phone.locator("table.history")).to_be_hidden()
    printed_shot = tmp_path / "trial-NCT03281889-printed.png"
    phone.screenshot(path=str(printed_shot), full_page=True)
    phone.emulate_media(media="screen")

    # an unknown place: the form again, with close names
    phone.goto(server + "/search?near=Bostn")
    expect(phone.locator(".error-message")).to_have_text("Unknown place 'Bostn'.")
    expect(phone.locator(".error-hint")).to_contain_text("Boston")
    expect(phone.get_by_label("Near")).to_have_value("Bostn")
    assert problems == []
    print(f"screenshots: {screenshot}, {trial_shot} and {printed_shot}")
