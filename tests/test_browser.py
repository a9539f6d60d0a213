"""The rendered sites in a real browser (Debian chromium via Playwright): layout, privacy, copy, axe-core."""

from __future__ import annotations

import functools
import http.server
import importlib.util
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from coffeerun.plan import CampaignJob

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
AXE = REPO / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
PHONE, LAPTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 800}


def _pages_helpers():
    """tests/test_pages.py's project builders, loaded by path (whatever pytest's import mode)."""
    spec = importlib.util.spec_from_file_location("coffeerun_test_pages", Path(__file__).with_name("test_pages.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> tuple[Path, dict[str, CampaignJob]]:
    """The example's live campaigns and a hostile one (light brand color, markup in every text,
    long unbreakable words), rendered into one folder like the publish root."""
    helpers = _pages_helpers()
    base = tmp_path_factory.mktemp("browser")
    out = base / "out"
    jobs = helpers.render_project(helpers.copy_example(base / "example"), out, states=("publish",))
    jobs.update(helpers.render_project(helpers.hostile_project(base / "hostile"), out, states=("publish",)))
    return out, jobs


@pytest.fixture(scope="module")
def server(sites):
    """http://127.0.0.1:<port>/ serving the rendered output from a thread."""
    out, _ = sites

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(out)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); "
                    "the browser tests never skip themselves", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def open_page(browser, viewport, **context_options):
    """A page whose requests are recorded; anything not on 127.0.0.1 is aborted, never sent."""
    context = browser.new_context(viewport=viewport, **context_options)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    def guard(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            route.abort()

    context.route("**/*", guard)
    return context, page, requests


def scroll_through(page) -> None:
    """Scroll to the end and back so lazy images load, as a reader would."""
    page.evaluate("""async () => {
        for (let y = 0; y <= document.documentElement.scrollHeight; y += 300) {
            window.scrollTo(0, y); await new Promise(r => setTimeout(r, 20));
        }
        window.scrollTo(0, 0);
    }""")
    page.wait_for_load_state("networkidle")


def urls(server, job: CampaignJob) -> dict[str, str]:
    share, kit = server + job.links.share_token + "/", server + job.links.kit_token + "/"
    audiences = [a.id for a in job.campaign.model.audiences]
    return {"home": share, "audience": share + audiences[-1] + "/", "videos": share + "videos/",
            "next": share + "next-steps/", "kit": kit}


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_no_horizontal_scrolling(browser, server, sites, viewport):
    _, jobs = sites
    context, page, _ = open_page(browser, viewport)
    try:
        for campaign_id, job in jobs.items():
            for name, url in urls(server, job).items():
                page.goto(url, wait_until="networkidle")
                width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                assert width <= inner, f"{campaign_id} {name} at {viewport['width']}px scrolls sideways: {width}"
    finally:
        context.close()


def test_no_request_leaves_the_host_until_a_video_is_clicked(browser, server, sites):
    _, jobs = sites
    job = jobs["northwind-treasury-close"]
    context, page, requests = open_page(browser, PHONE)
    try:
        for url in urls(server, job).values():
            page.goto(url, wait_until="networkidle")
            scroll_through(page)
        outside = [u for u in requests if urlsplit(u).hostname != "127.0.0.1"]
        assert not outside, f"requests to other hosts before any click: {outside}"
        page.goto(urls(server, job)["home"], wait_until="networkidle")
        assert page.locator("iframe").count() == 0
        facade = page.locator("button[data-cr-video='iframe']").first
        facade.scroll_into_view_if_needed()
        facade.click()
        frame = page.locator("iframe.cr-player")
        frame.wait_for(state="attached")
        assert frame.get_attribute("src").startswith("https://www.youtube-nocookie.com/embed/")
        assert frame.get_attribute("referrerpolicy") == "strict-origin"
        page.wait_for_timeout(200)
        assert any(urlsplit(u).hostname == "www.youtube-nocookie.com" for u in requests)
    finally:
        context.close()


def test_direct_video_file_plays_only_after_a_click_with_captions(browser, server, sites):
    _, jobs = sites
    job = jobs["northwind-treasury-close"]
    context, page, _ = open_page(browser, LAPTOP)
    try:
        page.goto(server + job.links.share_token + "/it/", wait_until="networkidle")
        assert page.locator("video").count() == 0
        page.locator("button[data-cr-video='file']").first.click()
        video = page.locator("video.cr-player")
        video.wait_for(state="attached")
        assert video.get_attribute("preload") == "none" and video.get_attribute("controls") is not None
        assert page.locator("video.cr-player track").get_attribute("src").startswith("../media/")
    finally:
        context.close()


def test_kit_copy_button_puts_the_share_link_on_the_clipboard(browser, server, sites):
    _, jobs = sites
    job = jobs["northwind-treasury-close"]
    context, page, _ = open_page(browser, PHONE, permissions=["clipboard-read", "clipboard-write"])
    try:
        page.goto(urls(server, job)["kit"], wait_until="networkidle")
        button = page.locator("button[data-cr-copy='link-share']")
        button.click()
        page.wait_for_function("document.querySelector(\"[data-cr-copy='link-share'] .cr-copy__label\")"
                               ".textContent === 'Copied'")
        assert page.evaluate("navigator.clipboard.readText()") == job.links.share_url
        # The message switches to another advocate's signature and copies that version.
        page.select_option("#cr-signer", "marcus-okafor")
        version = page.locator("[data-cr-version='marcus-okafor']").first
        assert version.is_visible()
        version.locator("button[data-cr-copy$='-body']").click()
        page.wait_for_timeout(100)
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.rstrip().endswith("Marcus Okafor") and job.links.share_url in copied
    finally:
        context.close()


@pytest.mark.parametrize("name", ["home", "audience", "videos", "next", "kit"])
def test_axe_finds_no_serious_or_critical_violation(browser, server, sites, name):
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci --prefix tests/browser`", pytrace=False)
    _, jobs = sites
    for campaign_id, job in jobs.items():
        for viewport in (PHONE, LAPTOP):
            context, page, _ = open_page(browser, viewport)
            try:
                page.goto(urls(server, job)[name], wait_until="networkidle")
                scroll_through(page)
                page.add_script_tag(path=str(AXE))
                result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
                bad = [f"{v['id']} ({v['impact']}): {v['help']} at "
                       f"{[n['target'] for n in v['nodes']][:3]}"
                       for v in result["violations"] if v["impact"] in ("serious", "critical")]
                assert not bad, f"{campaign_id} {name} at {viewport['width']}px: {bad}"
            finally:
                context.close()
