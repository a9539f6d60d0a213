"""Every MkDocs call lives here: per-site config, the in-process build with shared compiled templates.

Moving to another MkDocs-compatible engine means changing this module only: the rest of coffeerun
hands over a folder of Markdown pages (each one HTML block), a Material custom_dir and a plain
mkdocs.yml, and gets back a built site folder.

Each site is built with MkDocs' own `build()`; what one process reuses from site to site is what
MkDocs would otherwise redo identically for every site: the theme's Jinja environment with its
compiled templates (one per theme folders and locale, all sharing one in-memory bytecode cache) and
the theme's file listing. A plain `mkdocs build -f <generated mkdocs.yml>` writes the same pages;
set COFFEERUN_KEEP_PROJECTS=DIR (or `keep_projects(DIR)`) to keep every generated project. (Where
pages are copies of a pattern page, render/variants.py, the project kept has the pattern page and
its stand-ins, not the copies.)
"""

from __future__ import annotations

import copy
import io
import logging
import os
import re
import shutil
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from coffeerun import langtag, memo
from coffeerun.render.engine.config import (
    ConfigFile,
    config_inputs,
    read_config,
    setting_names,
    settings_digest,
    validate_site_config,
    version_problem,
)

# What the engine writes that must not be published: sitemaps name every page, and so every token;
# the .gz carries a build timestamp. The hooks stop MkDocs writing them; this is the safety net.
DROPPED = ("sitemap.xml", "sitemap.xml.gz")
HOOKS = Path(__file__).resolve().with_name("mkdocs_hooks.py")
__all__ = ["ConfigFile", "EngineError", "build_site", "load_base_config", "project_config", "setting_names",
           "settings_digest", "site_config", "validate_site_config"]
KEEP_ENV = "COFFEERUN_KEEP_PROJECTS"
_keep: Path | None = None


class EngineError(RuntimeError):
    """MkDocs refused the generated project, or warned about it."""


def keep_projects(folder: Path | None) -> None:
    """Copy every generated project (mkdocs.yml and docs/) into folder/<site token>/ (debugging, tests)."""
    global _keep
    _keep = folder


@memo.table("engine.config", 8)
def _read(path: str, state: tuple[object, ...]) -> ConfigFile:
    return read_config(Path(path))


def _stat(path: Path) -> tuple[int, int]:
    try:
        info = path.stat()
    except OSError:
        return (-1, -1)
    return info.st_size, info.st_mtime_ns


@memo.table("engine.config_inputs", 16)
def _chain_read(path: str, files: tuple[str, ...], states: tuple[tuple[int, int], ...]
                ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return config_inputs(Path(path))


def _inputs(path: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """config_inputs, once per state of every file of the INHERIT chain: a parent that gains a parent of its
    own (while `serve` runs) is read again, and so is its new parent."""
    files: tuple[str, ...] = (str(path),)
    for _ in range(16):  # the chain is at most 16 files long (config_inputs)
        found, names = _chain_read(str(path), files, tuple(_stat(Path(file)) for file in files))
        if found == files:
            break
        files = found
    return found, names


def config_dependencies(path: Path) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
    """The files mkdocs.yml is read from (itself, then its INHERIT parents) and the values of the
    environment variables its `!ENV` tags read: with those files' bytes, all its settings depend on."""
    files, names = _inputs(path)
    return files, tuple(os.environ.get(name) for name in names)


def config_state(path: Path) -> tuple[object, ...]:
    """What reading mkdocs.yml depends on: its size and time, its INHERIT parents', and the values of
    the environment variables its `!ENV` tags read."""
    files, names = _inputs(path)
    return (*(_stat(Path(file)) for file in files), *(os.environ.get(name) for name in names))


def project_config(path: Path) -> ConfigFile:
    """The project's (or the bundled) mkdocs.yml as MkDocs reads it, with its problems (read once per
    process, file state and environment: `!ENV` values are part of it)."""
    return _read(str(path), config_state(path))


def load_base_config(path: Path) -> dict[str, Any]:
    """The settings of mkdocs.yml every generated site starts from; EngineError if MkDocs refuses them."""
    config = project_config(path)
    for problem in config.problems:
        if problem.severity == "error":
            raise EngineError(f"{path.name}:{problem.line}:{problem.col}: {problem.message}")
    return copy.deepcopy(config.data)


@memo.table("engine.material_templates", 1)
def _material_templates() -> Path:
    import material

    return Path(material.__file__).resolve().parent / "templates"


@memo.table("engine.theme_languages", 1)
def theme_languages() -> frozenset[str]:
    """Languages Material ships translations for."""
    folder = _material_templates() / "partials" / "languages"
    return frozenset(p.stem for p in folder.glob("*.html"))


def theme_language(tag: str) -> str:
    """Material's language for a BCP-47 tag: the longest prefix it knows, else English."""
    return langtag.best_match(tag, theme_languages()) or "en"


@memo.table("engine.material_static", 1)
def material_static() -> tuple[tuple[str, ...], str, dict[str, Path]]:
    """Material's files our pages load: (stylesheets, favicon, every one by path in a site)."""
    root = _material_templates()
    css = [*sorted(root.glob("assets/stylesheets/main.*.min.css")),
           *sorted(root.glob("assets/stylesheets/palette.*.min.css"))]
    favicon = root / "assets" / "images" / "favicon.png"
    files = {p.relative_to(root).as_posix(): p for p in [*css, favicon]}
    return tuple(p.relative_to(root).as_posix() for p in css), "assets/images/favicon.png", files


def engine_versions() -> dict[str, str]:
    """What the pages also depend on besides our own files."""
    from importlib.metadata import version

    return {name: version(name) for name in ("mkdocs", "mkdocs-material", "Markdown", "Jinja2", "PyYAML")}


def site_config(base: dict[str, Any], *, site_name: str, site_url: str, language: str, custom_dir: Path,
                extra_css: list[str], extra_javascript: list[str], extra: dict[str, Any]) -> dict[str, Any]:
    """The base config plus one site's settings; plain data, written out as that site's mkdocs.yml."""
    config = {k: v for k, v in base.items() if k not in ("docs_dir", "site_dir", "nav", "strict")}
    theme = dict(config.get("theme") or {})
    if isinstance(config.get("theme"), str):
        theme = {"name": config["theme"]}
    theme.update({"name": theme.get("name", "material"), "custom_dir": str(custom_dir),
                  "language": theme_language(language), "font": False})
    theme.setdefault("palette", {"scheme": "default", "primary": "custom", "accent": "custom"})
    features = [f for f in theme.get("features") or [] if not str(f).startswith("navigation.instant")]
    theme["features"] = features
    config.update({
        "site_name": site_name,
        "site_url": site_url,
        "docs_dir": "docs",
        "site_dir": "site",
        "theme": theme,
        "use_directory_urls": True,
        "extra_css": [*(config.get("extra_css") or []), *extra_css],
        "extra_javascript": [*(config.get("extra_javascript") or []), *extra_javascript],
        "extra": {**(config.get("extra") or {}), "coffeerun": extra},
        "hooks": [str(HOOKS), *(h for h in config.get("hooks") or [] if h != str(HOOKS))],
    })
    config.setdefault("plugins", [])
    return config


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def build_site(project: Path, config: dict[str, Any], target: Path, pages: dict[str, str] | None = None) -> Path:
    """Build project/docs, with `pages` (docs path -> text, kept in memory: as if they were files in docs/),
    into target in-process with the settings of `config` (as if read from project/mkdocs.yml); return target.

    What target holds already (the kit's downloads/, the share site's preview.png) stays: MkDocs
    cleans its site folder first, but leaves hidden entries alone, so they are hidden meanwhile.
    The mkdocs.yml written is the generated project's (site_dir: site); here the site goes to target.
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    global _PAGES
    _once_per_process()
    if version_problem():
        raise EngineError(version_problem())
    config_file = project / "mkdocs.yml"
    plain = all(value is not None for value in config.values())
    text = "{}" if plain and not _keeping() else dump_yaml(config)
    (project / "docs").mkdir(exist_ok=True)
    _export(project, text, config, pages or {})
    target.mkdir(parents=True, exist_ok=True)
    kept = [name for name in sorted(os.listdir(target)) if not name.startswith(".")]
    for name in kept:
        os.rename(target / name, target / f".coffeerun-kept-{name}")
    logger = logging.getLogger("mkdocs")
    handler, level = _Collect(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    try:
        # The same settings MkDocs would read from config_file (plain YAML data), without writing or parsing it.
        source = io.StringIO("{}") if plain else io.StringIO(text)
        settings = {**(config if plain else {}), "site_dir": str(target)}
        cfg = load_config(config_file=source, config_file_path=str(config_file), **settings)
        if not cfg.plugins.events.get("env"):  # nothing changes the environment: one per process is safe
            theme, ours = cfg.theme, str(HOOKS) in cfg["hooks"]
            theme.get_env = lambda: _shared_env(theme, ours)  # type: ignore[method-assign]
        cfg.plugins.on_startup(command="build", dirty=False)
        _PAGES = pages or {}
        try:
            build(cfg)
        finally:
            _PAGES = {}
            cfg.plugins.on_shutdown()
    except Exception as exc:  # MkDocs raises many kinds; one message for the caller
        raise EngineError(f"MkDocs could not build {target.name}: {exc}") from exc
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        for name in kept:
            os.rename(target / f".coffeerun-kept-{name}", target / name)
    if handler.messages:
        raise EngineError("MkDocs warned: " + "; ".join(handler.messages))
    for name in DROPPED:
        (target / name).unlink(missing_ok=True)
    return target


def _keeping() -> Path | None:
    return _keep or (Path(os.environ[KEEP_ENV]) if os.environ.get(KEEP_ENV) else None)


def _export(project: Path, text: str, config: dict[str, Any], pages: dict[str, str]) -> None:
    """The generated project (its mkdocs.yml and docs/) into the folder keep_projects names, if any."""
    keep = _keeping()
    if keep is None:
        return
    dest = keep / (str(config["site_url"]).rstrip("/").rsplit("/", 1)[-1] or "site")
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    (dest / "mkdocs.yml").write_text(text, encoding="utf-8")
    shutil.copytree(project / "docs", dest / "docs")
    for rel, text in pages.items():
        (dest / "docs" / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / "docs" / rel).write_bytes(text.encode("utf-8"))


def dump_yaml(data: Any, **options: Any) -> str:
    """YAML as MkDocs reads it back; libyaml's emitter where PyYAML has it (same data, much faster).
    Not the safe dumper: mkdocs.yml may name Python objects (`!!python/name:`), which MkDocs reads."""
    dumper = getattr(yaml, "CDumper", yaml.Dumper)
    return yaml.dump(data, Dumper=dumper, sort_keys=True, allow_unicode=True, **options)


_PAGES: dict[str, str] = {}  # the pages of the site being built, kept in memory (see build_site)


def _walk_order(rel: str) -> tuple[tuple[str, ...], bool, str]:
    """The order MkDocs lists the files of a docs folder in: each folder's files (index first), then its
    subfolders by name."""
    *folders, name = rel.split("/")
    return tuple(folders), os.path.splitext(name)[0] not in ("index", "README"), name


@lru_cache(maxsize=1)
def _once_per_process() -> None:
    """The installed themes are looked up from package metadata for every config MkDocs loads; they
    do not change while this process runs. The docs of a site are its files plus the pages build_site
    was given, which are never written to disk (MkDocs reads them from memory, as it does a plugin's)."""
    import mkdocs.commands.build
    import mkdocs.utils
    from mkdocs.structure.files import File

    mkdocs.utils.get_themes = lru_cache(maxsize=1)(mkdocs.utils.get_themes)
    read = mkdocs.commands.build.get_files

    def get_files(config: Any) -> Any:
        files = read(config)
        for rel in sorted(_PAGES, key=_walk_order):
            files.append(File.generated(config, rel, content=_PAGES[rel]))
        return files

    mkdocs.commands.build.get_files = get_files
    _pass_html_through()


_BLANK_LINE = re.compile(r"\n +(?=\n)")  # NormalizeWhitespace's (?<=\n) +\n, found faster
_FIRST_TAG = re.compile(r"^\<\/?([^ >]+)")  # Python-Markdown's RawHtmlPostprocessor.BLOCK_LEVEL_REGEX


def _pass_html_through() -> None:
    """Our hooks (mkdocs_hooks.py) make each page one stashed HTML block: Python-Markdown then only normalises
    its whitespace (as NormalizeWhitespace does) and puts the block back, with no heading, title, anchor or link
    found in it. Such a page gets that content here without a Markdown instance of its own, which MkDocs makes
    for every page (a tenth of building a site). Anything else is MkDocs' own render; tests pin that both give
    the same bytes."""
    from mkdocs.structure import pages as mkdocs_pages
    from mkdocs.structure.toc import get_toc

    render = mkdocs_pages.Page.render

    def passing(self: Any, config: Any, files: Any) -> None:
        content = _whole_page(self.markdown, config)
        if content is None:
            return render(self, config, files)
        self.content, self.toc, self._title_from_render = content, get_toc([]), None
        self.present_anchor_ids = set()
        if mkdocs_pages.log.getEffectiveLevel() > logging.DEBUG:
            self.links_to_anchors = {}
        return None

    mkdocs_pages.Page.render = passing  # type: ignore[method-assign]


def _whole_page(markdown: str | None, config: Any) -> str | None:
    """What Python-Markdown makes of a page under our PassThrough extension alone (its whitespace normalised, the
    block in <p> unless it starts with a block-level tag), or None when that is not the config."""
    extensions = config["markdown_extensions"]
    if markdown is None or config["mdx_configs"] or len(extensions) != 1 \
            or type(extensions[0]).__name__ != "PassThrough" or type(extensions[0]).__module__ != str(HOOKS):
        return None
    text = markdown.replace("\x02", "").replace("\x03", "").replace("\r\n", "\n").replace("\r", "\n") + "\n\n"
    html = _BLANK_LINE.sub("\n", text.expandtabs(4)).strip("\n")
    if not html.strip():
        return ""
    from markdown.util import BLOCK_LEVEL_ELEMENTS

    tag = _FIRST_TAG.match(html)
    block = tag is not None and (tag.group(1)[0] in "!?@%" or tag.group(1).lower().rstrip("/") in BLOCK_LEVEL_ELEMENTS)
    return (html if block else f"<p>{html}</p>").strip()


# -- one Jinja environment per theme folders and locale, per process -------------------------------

_ENVS = memo.mapping("engine.jinja_envs", 16)  # (theme folders, locale) -> Jinja environment
_BYTECODE: Any = None


def template_cache() -> Any:
    """Compiled template code shared by every Jinja environment of this process: a template is compiled
    once per source text. In memory only: compiled code is never read from the (untrusted) cache."""
    global _BYTECODE
    if _BYTECODE is None:
        import jinja2

        class Shared(jinja2.BytecodeCache):
            def __init__(self) -> None:
                self.memory: dict[str, bytes] = {}

            def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
                data = self.memory.get(bucket.key)
                if data is not None:
                    bucket.bytecode_from_string(data)  # checks the source checksum

            def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
                self.memory[bucket.key] = bucket.bytecode_to_string()

        _BYTECODE = Shared()
    return _BYTECODE


def _listing(dirs: tuple[str, ...]) -> list[str]:
    """FileSystemLoader.list_templates without hidden folders (Material's .icons/ alone holds 14,000
    files): the names MkDocs' theme file filter rejects anyway, since it drops every hidden path."""
    found = set()
    for base in dirs:
        for folder, subdirs, files in os.walk(base, followlinks=True):
            subdirs[:] = [d for d in subdirs if not d.startswith(".")]
            rel = os.path.relpath(folder, base)
            for name in files:
                found.add(name if rel == "." else f"{rel}/{name}".replace(os.path.sep, "/"))
    return sorted(found)


def _shared_env(theme: Any, theme_files_dropped: bool = False) -> Any:
    """MkDocs' Theme.get_env, made once per (theme folders, locale) and reused by every later site.

    MkDocs builds the environment with auto_reload off, so compiled templates stay in it; the theme's
    file listing (walked and filtered for every site otherwise) is kept with it. The listing depends
    only on the theme folders and the static templates, so that is its key. When our hooks drop every
    theme file from the site anyway (theme_files_dropped), the listing is empty: same files, less work.
    """
    key = (tuple(theme.dirs), str(theme.locale))
    env = _ENVS.get(key)
    if env is None:
        env = type(theme).get_env(theme)
        env.bytecode_cache = template_cache()
        listings: dict[Any, list[str]] = {}

        def list_templates(extensions: Any = None, filter_func: Any = None) -> list[str]:
            # MkDocs' only call is Files.add_files_from_theme, with a filter that drops hidden paths
            # and is a function of the static templates alone.
            if extensions is not None or filter_func is None:
                return type(env).list_templates(env, extensions, filter_func)
            if env.coffeerun_dropped:
                return []
            if env.coffeerun_static not in listings:
                names = _listing(tuple(theme.dirs))
                listings[env.coffeerun_static] = [name for name in names if filter_func(name)]
            return list(listings[env.coffeerun_static])

        env.list_templates = list_templates
        _ENVS[key] = env
    env.coffeerun_static = frozenset(theme.static_templates)
    env.coffeerun_dropped = theme_files_dropped
    return env


def live_server(builder: Any, port: int, root: Path, watched: list[Path], decorate: Any) -> Any:
    """MkDocs's own live-reload server on 127.0.0.1:port for the folder root: `builder()` runs after
    every change under `watched`, then every open page reloads. `decorate(html) -> html` runs on
    every page served (serve shows build errors in it); a page that is missing gets decorate("")."""
    from mkdocs.livereload import LiveReloadServer

    class _Server(LiveReloadServer):
        def _inject_js_into_html(self, content: bytes, epoch: int) -> bytes:
            return super()._inject_js_into_html(decorate(content), epoch)

    server = _Server(builder, "127.0.0.1", port, str(root))
    server.error_handler = lambda code: server._inject_js_into_html(b"", server._visible_epoch) \
        if code == 404 else None
    for path in watched:
        server.watch(str(path))
    return server


def run_live_server(server: Any) -> None:
    """Serve until Ctrl+C (the server rebuilds in this thread), then stop watching and serving."""
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
