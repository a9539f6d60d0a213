"""One generated MkDocs project per site: its pages (each one HTML block, kept in memory), its settings and
the build into the site's folder; what the share site (pages.py) and the kits (kit_site.py) both use."""

from __future__ import annotations

import os
import re
import shutil
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment

from coffeerun import memo
from coffeerun.plan import CampaignJob
from coffeerun.project import ProjectPaths, defaults_dir
from coffeerun.render import engine
from coffeerun.render.context import Common, SiteFiles
from coffeerun.render.media import frame_origin
from coffeerun.render.shared import SharedTheme
from coffeerun.render.textflow import break_phrases

CSS, JS = "assets/coffeerun/site.css", "assets/coffeerun/site.js"  # shared by every site
PRINT_CSS = "assets/coffeerun/print.css"  # only in print: @media print
PALETTE = "palette.css"  # the campaign's colors, in each site's root


def page_html(body: str) -> str:
    """A page body as MkDocs is given it: without the two control characters that delimit Python-Markdown's
    placeholders (STX and ETX), which never belong in a page."""
    return body.strip().replace("\x02", "").replace("\x03", "")


def as_written(html: str) -> bool:
    """MkDocs' whitespace rules (tabs, carriage returns, lines of spaces) leave this HTML as it is: it can be
    put into a page MkDocs built, in place of a stand-in, and give what MkDocs would have made of it."""
    return "\t" not in html and "\r" not in html and re.search(r"\n +\n", html) is None


def stock_theme_folder(paths: ProjectPaths, name: str) -> bool:
    """theme/<name> (pages: our page templates; overrides: Material's) is the bundled one: the project has
    none of its own, or the same bytes."""
    own = paths.root / "theme" / name
    stock = defaults_dir() / "theme" / name
    if not own.is_dir() or own.resolve() == stock.resolve():
        return True
    files = sorted((p.relative_to(own).as_posix(), p.stat().st_size, p.stat().st_mtime_ns)
                   for p in own.rglob("*") if p.is_file())
    return _same_as_stock(str(own), str(stock), tuple(files))


@lru_cache(maxsize=8)
def _same_as_stock(own: str, stock: str, files: tuple[tuple[str, int, int], ...]) -> bool:
    return all(Path(stock, rel).is_file() and Path(own, rel).read_bytes() == Path(stock, rel).read_bytes()
               for rel, _size, _mtime in files)


def copies_allowed(paths: ProjectPaths) -> bool:
    """Pages may be copies of a pattern page (render/variants.py): coffeerun's own page templates and Material
    overrides, and an mkdocs.yml without plugins, hooks or excluded pages, so that nothing reads a page's
    address or changes its texts (tests pin that copies are then what MkDocs builds, byte for byte)."""
    if not (stock_theme_folder(paths, "pages") and stock_theme_folder(paths, "overrides")):
        return False
    base = engine.load_base_config(paths.mkdocs_yml)
    theme: dict[str, Any] = base["theme"] if isinstance(base.get("theme"), dict) else {"name": base.get("theme")}
    return theme.get("name") in (None, "material") and not theme.get("static_templates") and not any(
        base.get(name) for name in ("plugins", "hooks", "exclude_docs", "draft_docs", "not_in_nav", "extra_templates"))


@memo.table("mksite.page_facts", 4)
def _page_facts(paths: ProjectPaths, inputs: str) -> tuple[bool, bool]:
    return stock_theme_folder(paths, "pages"), copies_allowed(paths)


def page_facts(job: CampaignJob) -> tuple[bool, bool]:
    """(stock_theme_folder of the page templates, copies_allowed): found once per build inputs and process (a
    changed theme/ or mkdocs.yml is a new inputs key), not walked again for each campaign's sites; found anew
    for a job made outside a build."""
    if not job.inputs:
        return stock_theme_folder(job.project, "pages"), copies_allowed(job.project)
    return _page_facts(job.project, job.inputs)


def page_markdown(front: dict[str, Any], body: str) -> str:
    """A Markdown page that is one HTML block: MkDocs passes it through as written.

    The block is kept exactly as the template made it: message bodies keep their blank lines.
    """
    html = page_html(body)
    # Every value double-quoted on one line: no line of the front matter can end it early.
    meta = engine.dump_yaml(front, width=1_000_000, default_style='"')
    return f"---\n{meta}---\n\n{html}\n"


def csp(common: Common | None) -> str:
    """Nothing from another host; video players only after a click, from their own hosts."""
    frames = sorted({frame_origin(v.embed.src) for v in (common.videos if common else []) if v.embed.kind == "iframe"})
    media = sorted({frame_origin(v.embed.src) for v in (common.videos if common else []) if v.embed.kind == "file"})
    return "; ".join([
        "default-src 'self'", "script-src 'self' 'unsafe-inline'", "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:", "font-src 'self' data:", "connect-src 'self'",
        "media-src " + " ".join(["'self'", *media]), "frame-src " + (" ".join(frames) if frames else "'none'"),
        "object-src 'none'", "base-uri 'none'", "form-action 'none'",
    ])


def write_files(files: SiteFiles, site: Path, keep: tuple[str, ...] | None = None,
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


def docs_name(docs_path: str) -> str:
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


class Site:
    """One generated MkDocs project: mkdocs.yml, and one Markdown page per page of the site (in memory)."""

    def __init__(self, job: CampaignJob, env: Environment, common: Common, kind: str, theme: SharedTheme):
        self.job, self.env, self.common, self.kind, self.theme = job, env, common, kind, theme
        self.folder = _scratch(kind, os.getpid())
        self.written: dict[str, str] = {PALETTE: env.get_template("palette.css").render(p=common.brand.colors)}

    def render(self, template: str, **data: Any) -> str:
        body = self.env.get_template(template).render(site=self.common, t=self.common.t, kind=self.kind, **data)
        return break_phrases(body, self.common.lang)

    def write_page(self, docs_path: str, front: dict[str, Any], body: str) -> None:
        self.written[docs_name(docs_path)] = page_markdown(front, body)

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


