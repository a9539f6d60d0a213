"""The share site's pages: home, one page per audience, videos, next steps, and each again on an
advocate's attributed link (from/<advocate>/...)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coffeerun.markdown_text import plain_text
from coffeerun.models import Campaign
from coffeerun.render import media
from coffeerun.render.context import Builder, Catalogue, Common, ContactItem, Person, ResourceItem, clean, md, short
from coffeerun.tokens import FROM


def _slugs(taken: set[str], *wanted: str) -> list[str]:
    """Page folder names that do not collide with audience ids."""
    out = []
    for name in wanted:
        slug, n = name, 1
        while slug in taken:
            n += 1
            slug = f"{name}-{n}"
        taken.add(slug)
        out.append(slug)
    return out


def for_audience(items: list, audience_id: str | None) -> list:
    """Items meant for an audience: those without `audiences` are for every audience."""
    if audience_id is None:
        return list(items)
    return [item for item in items if not item.audiences or audience_id in item.audiences]


@dataclass
class SharePage:
    """One page of the share site: docs path, title, template and what it shows."""

    docs_path: str
    root: str  # relative prefix from the page to the site root
    title: str
    template: str
    current: str  # nav key
    data: dict[str, Any]
    og_title: str = ""
    og_description: str = ""


def share_pages(b: Builder, common: Common) -> tuple[list[SharePage], dict[str, str]]:
    """The share site: home, one page per audience, videos, next steps. No talk track, no kit."""
    c, t = b.c, b.t
    people = common.people
    taken = {a.id for a in c.audiences}
    videos_slug, next_slug = _slugs(taken, "videos", "next-steps")
    nav = {"home": "", "videos": f"{videos_slug}/", "next": f"{next_slug}/"}
    resources = []
    for r in c.resources:
        if r.file:
            source = b.path(r.file)
            href = b.copy("files", source)
            resources.append(ResourceItem(clean(r.title), r.kind, md(r.description), href, False,
                                          source.suffix.lstrip(".").upper(),
                                          media.human_size(source.stat().st_size, b.lang),
                                          b.audience_names(r.audiences), list(r.audiences or [])))
        else:
            resources.append(ResourceItem(clean(r.title), r.kind, md(r.description), r.url, True,
                                          audiences=b.audience_names(r.audiences),
                                          audience_ids=list(r.audiences or [])))
    contacts = [ContactItem(clean(p.name), clean(p.role), p.email, p.booking, media.initials(clean(p.name)),
                            media.avatar_color("contact:" + p.email)) for p in c.contacts]
    departments: dict[str, list[Person]] = {}
    for person in people.values():
        departments.setdefault(person.department, []).append(person)
    count = len(people)
    intro = t("intro" if count > 1 else "intro_one", count=count, account=common.brand.account,
              product=common.brand.product)
    pages = [SharePage("index.md", "./", common.title, "share/home.html", "home", {
        "intro": intro,
        "metrics": common.metrics[:4],
        "quote": common.quotes[0] if common.quotes else None,
        "video": common.videos[0] if common.videos else None,
        "departments": departments,
        "people_count": count,
    }, common.title, intro)]
    for audience in common.audiences:
        own = [p for p in people.values() if p.department_id == audience.id]
        others = [p for p in people.values() if p.department_id != audience.id]
        own_ids = {p.id for p in own}
        quotes = for_audience(common.quotes, audience.id)
        quotes.sort(key=lambda q: q.person.id not in own_ids)  # stable: the audience's own advocates first
        audience_resources = [r for r in resources if not r.audience_ids or audience.id in r.audience_ids]
        pages.append(SharePage(f"{audience.id}/index.md", "../", f"{audience.name} · {common.title}",
                               "share/audience.html", audience.id, {
                                   "audience": audience,
                                   "own": own,
                                   "others": others,
                                   "quotes": quotes,
                                   "metrics": for_audience(common.metrics, audience.id),
                                   "videos": for_audience(common.videos, audience.id),
                                   "resources": audience_resources,
                                   "contacts": contacts,
                               }, t("og_audience", audience=audience.name, title=common.title),
                               short(plain_text(c_audience_pitch(c, audience.id)), 200) or t(
                                   "og_audience_description", account=common.brand.account,
                                   product=common.brand.product, audience=audience.name)))
    if common.videos:
        pages.append(SharePage(f"{videos_slug}/index.md", "../", f"{t('videos_title')} · {common.title}",
                               "share/videos.html", "videos", {"videos": common.videos},
                               f"{t('videos_title')} · {common.title}", intro))
    if resources or contacts:
        pages.append(SharePage(f"{next_slug}/index.md", "../", f"{t('next_title')} · {common.title}",
                               "share/next.html", "next", {"resources": resources, "contacts": contacts},
                               f"{t('next_title')} · {common.title}", intro))
    return pages, nav


def c_audience_pitch(c: Campaign, audience_id: str) -> str:
    return next((clean(a.pitch) for a in c.audiences if a.id == audience_id and a.pitch), "")


def attributed(page: SharePage, person: Person, t: Catalogue, account: str, product: str) -> SharePage:
    """The same page on an advocate's attributed link: from/<advocate>/<page>; its links stay inside."""
    role = person.title or person.department
    description = (f"“{person.line}” — {person.name}, {role}" if person.line else
                   t("og_shared_description", name=person.name, role=role, product=product, account=account))
    root = "../../" + ("" if page.root == "./" else page.root)
    return SharePage(f"{FROM}/{person.id}/{page.docs_path}", root, page.title, page.template,
                     page.current, {**page.data, "sharer": person, "base": page.root},
                     t("og_shared", name=person.name, title=page.og_title), description)
