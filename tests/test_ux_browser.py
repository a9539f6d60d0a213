"""What a colleague on a phone and an advocate printing the kit see (Debian chromium via Playwright, 390 px)."""

from __future__ import annotations

import io
import re

import pytest

from coffeerun.markdown_text import plain_text
from tests.test_browser import LAPTOP, PHONE, browser, open_page, server, sites

__all__ = ["browser", "server", "sites"]


def share_urls(server, job) -> dict[str, str]:
    """Every page of a campaign's share site: home, each audience, videos, next steps."""
    share = server + job.links.share_token + "/"
    pages = {"home": share}
    pages.update({a.id: f"{share}{a.id}/" for a in job.campaign.model.audiences})
    if job.campaign.model.videos:
        pages["videos"] = share + "videos/"
    pages["next"] = share + "next-steps/"
    return pages


def in_view(page, selector: str) -> bool:
    return page.evaluate("""(sel) => {
        const el = document.querySelector(sel);
        if (!el) return false;
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 &&
               r.bottom <= window.innerHeight && r.right <= window.innerWidth;
    }""", selector)


def test_the_next_step_is_on_screen_without_scrolling_on_every_share_page(browser, server, sites):
    _, jobs = sites
    context, page, _ = open_page(browser, PHONE)
    try:
        for campaign_id, job in jobs.items():
            contact = job.campaign.model.contacts[0]
            for name, url in share_urls(server, job).items():
                page.goto(url, wait_until="networkidle")
                where = f"{campaign_id} {name}"
                assert in_view(page, ".cr-next-step .cr-next-step__main"), f"{where}: next step not on screen"
                main = page.locator(".cr-next-step .cr-next-step__main")
                expected = contact.booking or f"mailto:{contact.email}"
                assert main.get_attribute("href") == expected, where
                assert page.locator(".cr-next-step a[href^='mailto:']").count() == 1, where
                # Still there at the end of the page, and it hides nothing: the footer ends above it.
                page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
                assert in_view(page, ".cr-next-step .cr-next-step__main"), f"{where}: gone after scrolling"
                footer_bottom, bar_top = page.evaluate("""[
                    document.querySelector('.cr-footer').getBoundingClientRect().bottom,
                    document.querySelector('.cr-next-step').getBoundingClientRect().top]""")
                assert footer_bottom <= bar_top + 1, f"{where}: the bar covers the footer"
    finally:
        context.close()


def test_the_share_home_says_who_to_ask_and_how(browser, server, sites):
    _, jobs = sites
    job = jobs["northwind-treasury-close"]
    context, page, _ = open_page(browser, PHONE)
    try:
        page.goto(share_urls(server, job)["home"], wait_until="networkidle")
        ask = page.locator("#ask")
        for contact in job.campaign.model.contacts:
            assert contact.name in ask.inner_text()
            assert ask.locator(f"a[href='mailto:{contact.email}']").count() == 1
        assert ask.locator("a[href^='https://cal.']").count() >= 1
        assert job.campaign.model.advocates[0].name in ask.inner_text()
    finally:
        context.close()


def test_colleagues_you_can_ask_offers_a_way_to_ask(browser, server, sites):
    _, jobs = sites
    job = jobs["northwind-treasury-close"]
    audience = job.campaign.model.audiences[0]
    context, page, _ = open_page(browser, PHONE)
    try:
        page.goto(share_urls(server, job)[audience.id], wait_until="networkidle")
        ask = page.locator("section[aria-labelledby='people-title'] a[href^='mailto:']")
        href = ask.get_attribute("href")
        assert href.startswith(f"mailto:{job.campaign.model.contacts[0].email}?subject=Introduction%20to%20")
        assert "body=" in href and "%0D%0A" in href
    finally:
        context.close()


def tab_row_problem(page) -> str:
    """'' when the tab row shows every tab, or scrolls and shows that it does (a chevron and a fade at
    the edge: phones show no scrollbar until one scrolls); else what is wrong."""
    return page.evaluate("""() => {
        const row = document.querySelector('.cr-nav__inner');
        if (!row) return '';
        const links = [...row.querySelectorAll('a')];
        const box = row.getBoundingClientRect();
        const shown = a => {
            const r = a.getBoundingClientRect();
            return r.left >= box.left - 1 && r.right <= box.right + 1;
        };
        if (links.every(shown)) return '';
        const style = getComputedStyle(row);
        if (!['auto', 'scroll'].includes(style.overflowX)) return 'tabs cut off and the row does not scroll';
        const more = document.querySelector('.cr-nav__more');
        if (!more || more.hidden || more.getBoundingClientRect().width === 0) {
            return 'nothing shows that more tabs hide';
        }
        if (!row.classList.contains('cr-nav__inner--more')) return 'no fade at the edge';
        return '';
    }""")


def last_tab_reached_by_the_chevron(page) -> bool:
    for _ in range(12):  # a reader taps the chevron until it goes
        if not page.locator(".cr-nav__more").is_visible():
            break
        page.locator(".cr-nav__more").click()
        page.wait_for_timeout(500)
    return page.evaluate("""() => {
        const row = document.querySelector('.cr-nav__inner'), links = row.querySelectorAll('a');
        const r = links[links.length - 1].getBoundingClientRect(), box = row.getBoundingClientRect();
        return r.right <= box.right + 1 && document.querySelector('.cr-nav__more').hidden;
    }""")


def test_the_tab_row_shows_every_tab_or_scrolls_visibly(browser, server, sites):
    _, jobs = sites
    context, page, _ = open_page(browser, PHONE)
    try:
        for campaign_id, job in jobs.items():
            pages = {**share_urls(server, job), "kit": server + job.links.kit_token + "/"}
            for name, url in pages.items():
                page.goto(url, wait_until="networkidle")
                problem = tab_row_problem(page)
                assert not problem, f"{campaign_id} {name}: {problem}"
                if page.locator(".cr-nav__link[aria-current='page']").count():
                    assert in_view(page, ".cr-nav__link[aria-current='page']"), f"{campaign_id} {name}"
                if page.locator(".cr-nav__more").is_visible():
                    assert last_tab_reached_by_the_chevron(page), f"{campaign_id} {name}"
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_the_404_page_has_margins_a_way_back_and_no_sideways_scroll(browser, server, sites, viewport):
    _, jobs = sites
    context, page, _ = open_page(browser, viewport)
    try:
        for job in jobs.values():
            page.goto(server + job.links.share_token + "/404.html", wait_until="networkidle")
            left = page.evaluate("document.querySelector('.cr-404 h1').getBoundingClientRect().left")
            assert left >= 16
            back = page.locator(".cr-404 a.cr-button")
            assert back.get_attribute("href") == job.links.share_url
            width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert width <= inner
    finally:
        context.close()


def pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text)


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_the_printed_kit_is_the_briefing_with_every_objection_answered(browser, server, sites):
    _, jobs = sites
    job = jobs["northwind-treasury-close"]
    track = job.campaign.model.talk_track
    context, page, _ = open_page(browser, LAPTOP)
    try:
        page.goto(server + job.links.kit_token + "/", wait_until="networkidle")
        assert page.locator("details.cr-objection[open]").count() == 0  # folded on screen
        page.emulate_media(media="print")
        for objection in track.objections:  # print emulation: every answer shows
            start = words(plain_text(objection.answer))[:40]
            answer = page.locator("details.cr-objection .cr-prose").filter(has_text=start)
            assert answer.first.is_visible(), objection.question
        assert not page.locator(".cr-nav").is_visible() and not page.locator("button.cr-copy").first.is_visible()
        text = pdf_text(page.pdf(format="A4", print_background=True))
        for objection in track.objections:
            assert words(objection.question)[:40] in text
            assert words(plain_text(objection.answer))[:60] in text, objection.question
        assert words(plain_text(track.opener))[:60] in text
        assert job.campaign.model.owner.email in text
        for contact in job.campaign.model.contacts:  # whom colleagues talk to next
            assert contact.email in text
        assert "Copy link" not in text and "Copy message" not in text
        assert page.locator("details.cr-objection[open]").count() == 0  # folded again after printing
    finally:
        context.close()


def test_a_printed_share_page_has_no_bars_or_buttons_and_shows_where_links_go(browser, server, sites):
    _, jobs = sites
    job = jobs["northwind-treasury-close"]
    contact = job.campaign.model.contacts[0]
    context, page, _ = open_page(browser, LAPTOP)
    try:
        page.goto(share_urls(server, job)["next"], wait_until="networkidle")
        page.emulate_media(media="print")
        assert not page.locator(".cr-next-step").is_visible() and not page.locator(".cr-nav").is_visible()
        text = pdf_text(page.pdf(format="Letter"))
        assert "Book a time with" not in text
        assert contact.email in text
        assert "https://vendor.example" in text or "https://" in text
    finally:
        context.close()
