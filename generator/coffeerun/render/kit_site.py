"""The kits of one campaign: the owner's view at the campaign's kit link and each advocate's own kit at their
own link, with the campaign's downloads and only their own photo (copies of one pattern page: variants)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from jinja2 import Environment

from coffeerun.plan import CampaignJob
from coffeerun.render.context import Builder, Common, Person
from coffeerun.render.engine import EngineError
from coffeerun.render.kit import kit_context
from coffeerun.render.mksite import PALETTE, Site, as_written, csp, page_facts, page_html, write_files
from coffeerun.render.shared import SharedTheme
from coffeerun.render.variants import KitPattern

KIT_FILES = ("img/logo-", "img/favicon")  # what every kit shows of the campaign's pictures
Kit = tuple[Path, str, tuple[str, ...], dict[str, str], str]  # folder, link, its files, front matter, body


def _kit_sections(kit: Any, t: Any) -> list[dict[str, str]]:
    sections = [("advocates", "kit_nav_advocates", bool(kit.advocates)), ("links", "kit_nav_links", True),
                ("messages", "kit_nav_messages", bool(kit.messages)), ("talk", "kit_nav_talk", kit.has_talk),
                ("downloads", "kit_nav_downloads", True),
                ("about", "kit_nav_about" if kit.advocate else "kit_nav_about_all", True),
                ("contact", "kit_nav_contact", True)]
    return [{"key": key, "label": t(label), "href": f"#{key}"} for key, label, shown in sections if shown]


def _link_tree(source: Path, target: Path) -> None:
    """A copy of a folder made of hard links (the same bytes, no new file to write); copies where the
    file system has no links."""
    for folder, _, names in os.walk(source):
        dest = target / Path(folder).relative_to(source)
        dest.mkdir(parents=True, exist_ok=True)
        for name in sorted(names):
            try:
                os.link(Path(folder) / name, dest / name)
            except OSError:
                shutil.copyfile(Path(folder) / name, dest / name)


def kit_sites(job: CampaignJob, env: Environment, builder: Builder, common: Common, theme: SharedTheme) -> None:
    """Every kit of the campaign into its folder: as copies of one pattern page from three kits on (see
    KitPattern), else each built by MkDocs."""
    t = common.t
    sites: list[tuple[Person | None, Path, str, tuple[str, ...]]] = [
        (None, job.kit_dir, job.links.kit_url, (*KIT_FILES, "img/p-"))]
    sites += [(person, job.advocate_dir(person.id), job.links.advocate_kit_url(person.id),
               (*KIT_FILES, f"img/p-{person.id}.")) for person in common.people.values()
              if job.links.has_kit(person.id)]
    sep = t("sep_meta")
    pages = Site(job, env, common, "kit", theme)  # renders the kit template of every kit
    kits: list[Kit] = []
    for person, folder, url, keep in sites:
        if person is not None and job.downloads_dir.is_dir():
            _link_tree(job.downloads_dir, folder / "downloads")
        kit = kit_context(builder, common, folder, person)
        title = t("kit_for", name=person.name) if person is not None else t("kit_owner_title")
        front = {"title": f"{title}{sep}{common.title}", "og_title": f"{title}{sep}{common.title}",
                 "og_description": t("kit_eyebrow", account=common.brand.account)}
        body = pages.render("kit/index.html", root="./", nav=_kit_sections(kit, t), current="", kit=kit)
        kits.append((folder, url, keep, front, body))
    copied = _copies(job, env, common, theme, kits)
    for folder, url, keep, front, body in kits:
        if not copied:
            site = Site(job, env, common, "kit", theme)
            site.write_page("index.md", front, body)
            site.build(url, csp(None), folder)
        write_files(builder.files, folder, keep=keep, same_as=job.share_dir)


def kit_pattern(kits: int) -> KitPattern | None:
    """Stand-ins for the kits' pattern page (None: MkDocs builds every kit): worth it from three kits on,
    since the pattern and one advocate's kit are built."""
    return KitPattern() if kits >= 3 else None


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def _token(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def _copies(job: CampaignJob, env: Environment, common: Common, theme: SharedTheme, kits: list[Kit]) -> bool:
    """The kits as copies of the pattern, built at the owner's link; False (the folders as they were) when
    a body would not come out as written or the advocate's kit built as it is differs from its copy."""
    pattern = kit_pattern(len(kits))
    if pattern is None or not page_facts(job)[1] or not all(as_written(page_html(body)) for *_, body in kits):
        return False
    (owner, owner_url, *_), (check, check_url, _, check_front, check_body) = kits[0], kits[1]
    before = {folder: set(os.listdir(folder)) if folder.is_dir() else set() for folder in (owner, check)}
    try:
        for folder, url, front, body in ((owner, owner_url, pattern.front, pattern.body),
                                         (check, check_url, check_front, check_body)):
            site = Site(job, env, common, "kit", theme)
            site.write_page("index.md", front, body)
            site.build(url, csp(None), folder)
        page, not_found = _read(owner / "index.html"), _read(owner / "404.html")
        built = (_read(check / "index.html"), _read(check / "404.html"))
    except (EngineError, OSError, UnicodeDecodeError):  # the kits built as they are say what is wrong
        page = None
    made = {folder: (pattern.fill(page, front, page_html(body)), not_found.replace(_token(owner_url), _token(url)))
            for folder, url, _keep, front, body in kits} if page is not None else {}
    if not made or made[check] != built or any(text is None for text, _ in made.values()):
        for folder, names in before.items():  # as they were: every kit is then built as it is
            for name in set(os.listdir(folder)) - names if folder.is_dir() else ():
                if (folder / name).is_dir():
                    shutil.rmtree(folder / name)
                else:
                    (folder / name).unlink()
        return False
    for folder, (text, missing) in made.items():
        if folder == check:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "index.html").write_bytes(str(text).encode("utf-8"))
        if folder != owner:
            (folder / "404.html").write_bytes(missing.encode("utf-8"))
            try:
                os.link(owner / PALETTE, folder / PALETTE)
            except OSError:  # a file system without links
                shutil.copyfile(owner / PALETTE, folder / PALETTE)
    return True
