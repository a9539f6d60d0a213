"""Render one campaign's share site and kit: our templates make each page, MkDocs + Material build the site."""

from __future__ import annotations

import os
import re
import secrets
import shutil
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FunctionLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from coffeerun import store
from coffeerun.plan import CampaignJob
from coffeerun.project import ProjectPaths, defaults_dir
from coffeerun.render import engine
from coffeerun.render.context import Builder, Common, Person, SiteFiles
from coffeerun.render.kit import kit_context
from coffeerun.render.media import frame_origin
from coffeerun.render.share import SharePage, attributed, share_pages
from coffeerun.render.shared import SharedTheme, shared_theme
from coffeerun.render.textflow import break_phrases
from coffeerun.render.variants import Copies

PAGES = "pages"  # theme/pages: our page templates
CSS, JS = "assets/coffeerun/site.css", "assets/coffeerun/site.js"  # shared by every site
PRINT_CSS = "assets/coffeerun/print.css"  # only in print: @media print
PALETTE = "palette.css"  # the campaign's colors, in each site's root


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


def _page_markdown(front: dict[str, Any], body: str) -> str:
    """A Markdown page that is one HTML block: MkDocs passes it through as written.

    The block is kept exactly as the template made it: message bodies keep their blank lines.
    """
    # \x02 and \x03 delimit Python-Markdown's placeholders; they never belong in a page.
    html = body.strip().replace("\x02", "").replace("\x03", "")
    # Every value double-quoted on one line: no line of the front matter can end it early.
    meta = engine.dump_yaml(front, width=1_000_000, default_style='"')
    return f"---\n{meta}---\n\n{html}\n"


def _csp(common: Common | None) -> str:
    """Nothing from another host; video players only after a click, from their own hosts."""
    frames = sorted({frame_origin(v.embed.src) for v in (common.videos if common else []) if v.embed.kind == "iframe"})
    media = sorted({frame_origin(v.embed.src) for v in (common.videos if common else []) if v.embed.kind == "file"})
    return "; ".join([
        "default-src 'self'", "script-src 'self' 'unsafe-inline'", "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:", "font-src 'self' data:", "connect-src 'self'",
        "media-src " + " ".join(["'self'", *media]), "frame-src " + (" ".join(frames) if frames else "'none'"),
        "object-src 'none'", "base-uri 'none'", "form-action 'none'",
    ])


def _write_files(files: SiteFiles, site: Path, keep: tuple[str, ...] | None = None,
                 same_as: Path | None = None) -> None:
    """The site's own files; those written already into the site `same_as` (the campaign's other
    site, from the same SiteFiles) are hard links to them: same bytes, no new file to write."""
    made: set[Path] = set()
    for rel, content in sorted(files.items.items()):
        if keep is not None and not rel.startswith(keep):
            continue
        dest = site / rel
        if dest.parent not in made:
            dest.parent.mkdir(parents=True, exist_ok=True)
            made.add(dest.parent)
        if same_as is not None:
            try:
                os.link(same_as / rel, dest)
                continue
            except OSError:
                pass
        if isinstance(content, Path):
            shutil.copyfile(content, dest)
        else:
            dest.write_bytes(content)


def _docs_name(docs_path: str) -> str:
    """A page's file in the generated docs/ folder: flat (`it.md` is served as it/, like `it/index.md`),
    so a site needs no folders to build; `index/index.md` stays as it is (`index.md` is the home page)."""
    folder, _, name = docs_path.rpartition("/")
    return f"{folder}.md" if folder and name == "index.md" and "/" not in folder and folder != "index" else docs_path


@lru_cache(maxsize=4)
def _scratch(kind: str, pid: int) -> Path:
    """A folder per site kind and process for the generated project (its mkdocs.yml and an empty docs/:
    the pages stay in memory), reused from site to site; in the process's temporary folder, which goes
    when the process (or the build that forked it) ends."""
    from multiprocessing.util import get_temp_dir

    folder = Path(get_temp_dir()) / f"{kind}-{pid}"
    (folder / "docs").mkdir(parents=True)
    return folder


class _Site:
    """One generated MkDocs project: mkdocs.yml, and one Markdown page per page of the site (in memory)."""

    def __init__(self, job: CampaignJob, env: Environment, common: Common, kind: str, theme: SharedTheme):
        self.job, self.env, self.common, self.kind, self.theme = job, env, common, kind, theme
        self.folder = _scratch(kind, os.getpid())
        self.written: dict[str, str] = {PALETTE: env.get_template("palette.css").render(p=common.brand.colors)}

    def render(self, template: str, **data: Any) -> str:
        body = self.env.get_template(template).render(site=self.common, t=self.common.t, kind=self.kind, **data)
        return break_phrases(body, self.common.lang)

    def write_page(self, docs_path: str, front: dict[str, Any], body: str) -> None:
        self.written[_docs_name(docs_path)] = _page_markdown(front, body)

    def page(self, docs_path: str, template: str, front: dict[str, Any], **data: Any) -> None:
        self.write_page(docs_path, front, self.render(template, **data))

    def build(self, site_url: str, csp: str, target: Path) -> Path:
        theme = self.theme
        base = engine.load_base_config(self.job.project.mkdocs_yml)
        for key in ("extra_css", "extra_javascript"):  # theme files named in mkdocs.yml are shared ones
            base[key] = [theme.mapped(str(rel)) for rel in base.get(key) or []]
        favicon = self.common.brand.favicon.src if self.common.brand.favicon else theme.url(theme.favicon)
        extra = {"language": self.common.lang, "csp": csp, "kind": self.kind, "not_found": self.common.t("not_found"),
                 "not_found_hint": self.common.t("not_found_hint"), "back_home": self.common.t("back_to_site"),
                 "favicon": favicon, "theme_css": [theme.url(rel) for rel in theme.css]}
        config = engine.site_config(
            base, site_name=self.common.title, site_url=site_url, language=self.common.lang,
            custom_dir=theme.overrides, extra_css=[theme.url(CSS), theme.url(PRINT_CSS), PALETTE],
            extra_javascript=[theme.url(JS)],
            extra=extra)
        return engine.build_site(self.folder, config, target, self.written)


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


def _stock_pages(paths: ProjectPaths) -> bool:
    """The page templates are the bundled ones (the project has none of its own, or the same bytes): those
    only show `root`, `base` and `sharer`, so their stand-ins need no check (tests pin it)."""
    own = paths.root / "theme" / PAGES
    stock = defaults_dir() / "theme" / PAGES
    if not own.is_dir() or own.resolve() == stock.resolve():
        return True
    files = sorted((p.relative_to(own).as_posix(), p.stat().st_size, p.stat().st_mtime_ns)
                   for p in own.rglob("*") if p.is_file())
    return _same_as_stock(str(own), str(stock), tuple(files))


@lru_cache(maxsize=8)
def _same_as_stock(own: str, stock: str, files: tuple[tuple[str, int, int], ...]) -> bool:
    return all(Path(stock, rel).is_file() and Path(own, rel).read_bytes() == Path(stock, rel).read_bytes()
               for rel, _size, _mtime in files)


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
    stock = _stock_pages(job.project)
    filled: dict[str, bool] = {}  # template -> filling its stand-ins gives what rendering each variant gives
    site = _Site(job, env, common, "share", theme)

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
    copyable = {person.id for person in people if _as_written(banner(person))}

    def write(copies: Copies | None) -> None:
        for p, page_nav, body, variants in rendered:
            for variant, person in variants:
                base = variant.data.get("base", variant.root)
                front: dict[str, Any] = {"title": variant.title, **_og(job, variant.og_title, variant.og_description)}
                if copies is not None and person is not None and person.id in copyable and filled[p.template]:
                    pattern = copies.pattern(p.docs_path)
                    if _docs_name(pattern) not in site.written:
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
    copies = pattern_copies(frozenset(p.id for p in people), len(copyable))
    write(copies)
    target = site.build(job.links.share_url, _csp(common), job.share_dir)
    if copies is not None and not copies.write(target, (_MARKS.root, _MARKS.base)):
        for name in set(os.listdir(target)) - before:  # built again, every page as it is
            if (target / name).is_dir():
                shutil.rmtree(target / name)
            else:
                (target / name).unlink()
        site = _Site(job, env, common, "share", theme)
        write(None)
        target = site.build(job.links.share_url, _csp(common), job.share_dir)
    _write_files(builder.files, target)


def pattern_copies(advocates: frozenset[str], copyable: int) -> Copies | None:
    """Copies of pattern pages for a share site (None: MkDocs builds every page): worth it from two
    advocates whose pages can be copies on (one of them is also built as it is)."""
    return Copies(_MARKS.slot, advocates) if copyable > 1 else None


def _as_written(html: str) -> bool:
    """MkDocs' whitespace rules leave this HTML as it is (they apply to a page before its copies are filled)."""
    return "\t" not in html and "\r" not in html and re.search(r"\n +\n", html) is None


KIT_FILES = ("img/logo-", "img/favicon")  # what every kit shows of the campaign's pictures


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


def _kit(job: CampaignJob, env: Environment, builder: Builder, common: Common, theme: SharedTheme) -> None:
    """The owner's view at the campaign's kit link, and each advocate's own kit at their own link, with
    the campaign's downloads and only their own photo."""
    t = common.t
    sites: list[tuple[Person | None, Path, str, tuple[str, ...]]] = [
        (None, job.kit_dir, job.links.kit_url, (*KIT_FILES, "img/p-"))]
    sites += [(person, job.advocate_dir(person.id), job.links.advocate_kit_url(person.id),
               (*KIT_FILES, f"img/p-{person.id}.")) for person in common.people.values()
              if job.links.has_kit(person.id)]
    sep = t("sep_meta")
    for person, folder, url, keep in sites:
        if person is not None and job.downloads_dir.is_dir():
            _link_tree(job.downloads_dir, folder / "downloads")
        kit = kit_context(builder, common, folder, person)
        title = t("kit_for", name=person.name) if person is not None else t("kit_owner_title")
        site = _Site(job, env, common, "kit", theme)
        site.page("index.md", "kit/index.html",
                  {"title": f"{title}{sep}{common.title}", "og_title": f"{title}{sep}{common.title}",
                   "og_description": t("kit_eyebrow", account=common.brand.account)},
                  root="./", nav=_kit_sections(kit, t), current="", kit=kit)
        _write_files(builder.files, site.build(url, _csp(None), folder), keep=keep, same_as=job.share_dir)


def render_pages(job: CampaignJob) -> None:
    """Write the complete share site into job.share_dir, the owner's kit into job.kit_dir and each
    advocate's kit into theirs, and (unless the build does) the theme folder they share into the folder
    above them.

    Files already there (the kit's downloads/, the share site's preview.png) are kept and listed.
    """
    env = template_env(job.project)
    theme = shared_theme(job.project)
    if not job.theme_by_build:
        theme.ensure(job.share_dir.parent)
    with store.reading_for(job.cache_dir):  # encoded photos and logos (see media.cached)
        builder = Builder(job)
        common = builder.common()
        _share(job, env, builder, common, theme)
        _kit(job, env, builder, common, theme)
