"""`coffeerun serve` in a browser: the open page reloads itself on save, and shows build errors in the page."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.test_serve import free_port, start_serve, stop_serve, wait_for

CHROMIUM = Path("/usr/bin/chromium")
CAMPAIGN = "northwind-procurement-requests"


@pytest.fixture
def served(example_project, tmp_path):
    process, log = start_serve(example_project, tmp_path, free_port())
    try:
        share = wait_for(lambda: re.search(r"share: (http://127\.0\.0\.1:\d+/\w+/)", log.read_text()))
        wait_for(lambda: "serving" in log.read_text())
        yield share.group(1), example_project / "campaigns" / f"{CAMPAIGN}.yaml", log
    finally:
        stop_serve(process)
    assert list((tmp_path / "tmp").iterdir()) == []  # its build folder is gone


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        yield browser.new_page(viewport={"width": 390, "height": 844})
        browser.close()


def heading_becomes(page, text: str, seconds: float = 60.0) -> None:
    """Waits, without touching the page, until its h1 reads `text` (the page may reload meanwhile)."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if page.locator("h1").first.inner_text(timeout=2000) == text:
                return
        except Error:
            pass  # reloading
        time.sleep(0.3)
    raise AssertionError(f"the page never showed {text!r}")


def test_the_open_page_reloads_when_the_yaml_is_saved_and_shows_a_build_error_in_the_page(served, page):
    url, campaign, log = served
    page.goto(url)
    page.evaluate("window.__notReloaded = true")
    text = campaign.read_text(encoding="utf-8")
    title = re.search(r"^title: (.*)$", text, flags=re.M).group(1).strip().strip("\"'")
    assert page.locator("h1").inner_text() == title

    campaign.write_text(text.replace(title, "Changed while the page was open", 1), encoding="utf-8")
    heading_becomes(page, "Changed while the page was open")
    assert page.evaluate("window.__notReloaded === undefined")  # the page reloaded itself: nobody pressed F5

    broken = text.replace(f"title: {title}", f'title: "{title}', 1)
    campaign.write_text(broken, encoding="utf-8")
    line = next(n for n, text in enumerate(broken.split("\n"), 1) if text.startswith('title: "'))
    alert = page.locator("#coffeerun-problems")
    alert.wait_for(timeout=60_000)
    assert f"campaigns/{CAMPAIGN}.yaml:{line}:8: error: not valid YAML: unclosed quote" in alert.inner_text()
    assert page.locator("h1").inner_text() == "Changed while the page was open"  # the last good build stays

    campaign.write_text(text, encoding="utf-8")
    heading_becomes(page, title)
    assert page.locator("#coffeerun-problems").count() == 0
    assert "not rebuilt" in log.read_text()
