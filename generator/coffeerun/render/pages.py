"""Render one campaign's share site and kit: our templates make each page, MkDocs + Material build the site."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FunctionLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from coffeerun import store
from coffeerun.plan import CampaignJob
from coffeerun.project import ProjectPaths, defaults_dir
from coffeerun.render import engine
from coffeerun.render.context import Builder, Common, Person
from coffeerun.render.kit_site import kit_sites
from coffeerun.render.mksite import Site, as_written, csp, docs_name, page_facts, write_files
from coffeerun.render.share import SharePage, attributed, share_pages
from coffeerun.render.shared import SharedTheme, shared_theme
from coffeerun.render.variants import Copies

PAGES = "pages"  # theme/pages: our page templates


@lru_cache(maxsize=8)
def template_env(paths: ProjectPaths) -> Environment:
    """Our page templates, each from the project's theme/pages/ if it has it, else the bundled one;
    one environment per process, so each template compiles once (and again only when its file changes)."""

    def load(name: str) -> tuple[str, str, Any] | None:
        if ".." in Path(name).parts:
            return None
        file = paths.theme_file(f"{PAGES}/{name}")
        if not file.is_file():
            return None
        mtime = file.stat().st_mtime
        return file.read_text(encoding="utf-8"), str(file), lambda: file.stat().st_mtime == mtime

    env = Environment(loader=FunctionLoader(load), undefined=StrictUndefined, keep_trailing_newline=True,
                      autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
                      bytecode_cache=engine.template_cache())
    return env


def compile_templates(paths: ProjectPaths) -> None:
    """Compile every page template of the project now (a worker warming up): each is then ready for its
    first campaign. One that does not compile is left for the render, which reports it."""
    env = template_env(paths)
    names = set()
    for folder in (defaults_dir() / "theme" / PAGES, paths.root / "theme" / PAGES):
        if folder.is_dir():
            names |= {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    for name in sorted(names):
        try:
            env.get_template(name)
        except Exception:  # noqa: BLE001, S112 - a broken template is the render's to report, at its line
            continue


def _og(job: CampaignJob, title: str, description: str) -> dict[str, Any]:
    """Link-preview tags of a page (og:title, og:description, og:image), in the campaign's language."""
    front = {"og_title": title, "og_description": " ".join(description.split())}
    if job.preview_image.is_file():
        front["og_image"] = job.links.share_url + job.preview_image.name
    return front


class _Marks:
    """Stand-ins for a page's paths and its sharer, replaced after rendering: a share page is rendered once
    and written once plainly and once per advocate (from/<advocate>/), with that advocate's banner and
    paths two folders deeper. Random per process, so no text of a campaign can hold them; none is left
    in a page written."""

    def __init__(self) -> None:
        nonce = secrets.token_hex(8)
        self.root, self.base, self.slot = (f"\x01{name}{nonce}\x01" for name in ("root", "base", "sharer"))

    def fill(self, body: str, banner: str, root: str, base: str) -> str:
        return body.replace(self.slot, banner).replace(self.root, root).replace(self.base, base)


_MARKS = _Marks()


def _share(job: CampaignJob, env: Environment, builder: Builder, common: Common, theme: SharedTheme) -> None:
    """The share site: its pages, and the same pages once more under from/<advocate>/ for each advocate's
    attributed link, saying on every page who shared it (copies of one pattern page where they can be:
    see variants)."""
    pages, nav_paths = share_pages(builder, common)
    t = common.t
    present = {p.current for p in pages}
    nav = [{"key": key, "label": t(label), "href": nav_paths[key]}
           for key, label in (("home", "nav_overview"), ("videos", "nav_videos"), ("next", "nav_next"))
           if key in present]
    account, product = common.brand.account, common.brand.product
    people = list(common.people.values())
    banners: dict[str, str] = {}
    stock, copies_ok = page_facts(job)
    filled: dict[str, bool] = {}  # template -> filling its stand-ins gives what rendering each variant gives
    site = Site(job, env, common, "share", theme)

    def banner(person: Person | None) -> str:
        if person is None:
            return ""
        if person.id not in banners:
            banners[person.id] = site.render("share/_sharer.html", root=_MARKS.root, sharer=person)
        return banners[person.id]

    def whole(v: SharePage, person: Person | None, page_nav: list[dict[str, str]]) -> str:
        """A variant rendered as it is, its banner (made by our own template) given as the slot."""
        banner_html = Markup(_MARKS.fill(banner(person), "", v.root, v.data.get("base", v.root)))  # noqa: S704
        return site.render(v.template, root=v.root, nav=page_nav, current=v.current, sharer_slot=banner_html, **v.data)

    rendered = []
    for p in pages:
        page_nav = nav
        if p.template == "share/audience.html":
            audience = p.data["audience"]
            page_nav = [nav[0], {"key": audience.id, "label": audience.name, "href": audience.path}, *nav[1:]]
        variants = [(p, None), *((attributed(p, person, t, account, product), person) for person in people)]
        slot = Markup(_MARKS.slot)  # noqa: S704 - our own stand-in, no text of the campaign
        body = site.render(p.template, root=_MARKS.root, base=_MARKS.base, sharer_slot=slot, nav=page_nav,
                           current=p.current, **p.data)
        if p.template not in filled:  # a project's own templates may test `sharer` or `root`, not only show them
            filled[p.template] = _MARKS.slot in body and (stock or all(
                _MARKS.fill(body, banner(person), v.root, v.data.get("base", v.root)) == whole(v, person, page_nav)
                for v, person in variants[:2]))
        rendered.append((p, page_nav, body, variants))
    copyable = {person.id for person in people if as_written(banner(person))}

    def write(copies: Copies | None) -> None:
        for p, page_nav, body, variants in rendered:
            for variant, person in variants:
                base = variant.data.get("base", variant.root)
                front: dict[str, Any] = {"title": variant.title, **_og(job, variant.og_title, variant.og_description)}
                if copies is not None and person is not None and person.id in copyable and filled[p.template]:
                    pattern = copies.pattern(p.docs_path)
                    if docs_name(pattern) not in site.written:
                        site.write_page(pattern, {**front, **_og(job, copies.og_title, copies.og_description)},
                                        _MARKS.fill(body, _MARKS.slot, variant.root, base))
                    check = not copies.check
                    copies.add(p.docs_path, person.id, front["og_title"], front["og_description"],
                               _MARKS.fill(banner(person), "", variant.root, base), check=check)
                    if not check:
                        continue
                site.write_page(variant.docs_path, front, _MARKS.fill(body, banner(person), variant.root, base)
                                if filled[p.template] else whole(variant, person, page_nav))

    before = set(os.listdir(job.share_dir)) if job.share_dir.is_dir() else set()
    copies = pattern_copies(frozenset(p.id for p in people), len(copyable) if stock and copies_ok
                            else 0)
    write(copies)
    target = site.build(job.links.share_url, csp(common), job.share_dir)
    if copies is not None and not copies.write(target, (_MARKS.root, _MARKS.base)):
        for name in set(os.listdir(target)) - before:  # built again, every page as it is
            if (target / name).is_dir():
                shutil.rmtree(target / name)
            else:
                (target / name).unlink()
        site = Site(job, env, common, "share", theme)
        write(None)
        target = site.build(job.links.share_url, csp(common), job.share_dir)
    write_files(builder.files, target)


def pattern_copies(advocates: frozenset[str], copyable: int) -> Copies | None:
    """Copies of pattern pages for a share site (None: MkDocs builds every page): worth it from two
    advocates whose pages can be copies on (one of them is also built as it is)."""
    return Copies(_MARKS.slot, advocates) if copyable > 1 else None


def render_pages(job: CampaignJob, before_kits: Callable[[], None] = lambda: None) -> None:
    """Write the complete share site into job.share_dir, the owner's kit into job.kit_dir and each
    advocate's kit into theirs, and (unless the build does) the theme folder they share into the folder
    above them.

    Files already there (the kit's downloads/, the share site's preview.png) are kept and listed; the kits
    list their downloads: `before_kits` returns when all are there (made by another worker meanwhile).
    """
    env = template_env(job.project)
    theme = shared_theme(job.project)
    if not job.theme_by_build:
        theme.ensure(job.share_dir.parent)
    with store.reading_for(job.cache_dir):  # encoded photos and logos (see media.cached)
        builder = Builder(job)
        common = builder.common()
        _share(job, env, builder, common, theme)
        before_kits()
        kit_sites(job, env, builder, common, theme)
