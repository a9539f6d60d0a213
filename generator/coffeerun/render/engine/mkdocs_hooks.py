"""MkDocs hooks named by every generated mkdocs.yml: pages pass through as written, theme files are shared.

A plain `mkdocs build -f <generated mkdocs.yml>` loads this file too, so it writes the same pages as
coffeerun's in-process build. It imports nothing from coffeerun.
"""

from __future__ import annotations

from markdown import Extension
from markdown.preprocessors import Preprocessor

# Rendered by MkDocs from its own templates: a sitemap names every page, and so every private link.
SKIPPED_TEMPLATES = ("sitemap.xml",)


class _WholePage(Preprocessor):
    """The page body is one block of HTML made by coffeerun's templates: stash it whole.

    Runs after whitespace normalisation and before every HTML parser, so a page costs no parsing and
    comes out exactly as the template made it.
    """

    def run(self, lines: list[str]) -> list[str]:
        html = "\n".join(lines).strip("\n")
        return [self.md.htmlStash.store(html)] if html.strip() else []


class PassThrough(Extension):
    def extendMarkdown(self, md) -> None:  # noqa: N802, ANN001 - Python-Markdown's API
        md.preprocessors.register(_WholePage(md), "coffeerun_whole_page", 25)


def on_config(config):  # noqa: ANN001, ANN201 - MkDocs' hook signature
    # A page is one block of HTML: no Markdown extension (MkDocs adds toc, tables and fenced_code) would
    # find anything to do in it, and each is set up again for every page.
    config.markdown_extensions[:] = [PassThrough()]
    config.mdx_configs = {}
    for name in SKIPPED_TEMPLATES:
        config.theme.static_templates.discard(name)
    return config


def on_files(files, config):  # noqa: ANN001, ANN201
    """Drop the theme's static files: they are published once, shared by every site."""
    theme = set(config.theme.dirs)  # MkDocs names a theme file's folder as it names the theme's folders
    for file in [f for f in files if f.src_dir in theme]:
        files.remove(file)
    return files
