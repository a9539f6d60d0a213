"""A video's poster when it has none: its title, who speaks and how long it runs, drawn in the brand."""

from __future__ import annotations

import hashlib
from pathlib import Path

from coffeerun import store
from coffeerun.project import ProjectPaths, defaults_dir
from coffeerun.render.assets import draw_png
from coffeerun.render.assets.compose import Composer
from coffeerun.render.assets.fonts import FontBook, faces_key
from coffeerun.render.assets.slides import Picture, SlideSpec
from coffeerun.render.assets.theme import LAYOUTS_FILE, Theme, load_theme
from coffeerun.render.colors import slide_palette
from coffeerun.render.media import MEDIA_REVISION, Encoded, stored
from coffeerun.render.media import _webp as webp

LAYOUT = "video_poster"


def _theme(project: ProjectPaths) -> Theme:
    """The project's slide theme; the bundled one when the project's has no poster layout."""
    theme = load_theme(project)
    if LAYOUT in theme.data.get("layouts", {}):
        return theme
    return load_theme(ProjectPaths(defaults_dir())) if (defaults_dir() / "theme" / LAYOUTS_FILE).is_file() else theme


def drawn_poster(project: ProjectPaths, *, title: str, advocate: str, name: str, role: str, duration: str,
                 language: str, colors: tuple[str, str | None, str, str | None], account_logo: Path | None
                 ) -> Encoded:
    """A 1280x720 WebP still; the same inputs give the same bytes (drawn once, then kept: media.stored, whose
    record names `advocate`, the speaker, for a withdrawal's purge)."""
    import PIL

    theme = _theme(project)
    book = FontBook(language)
    logo_digest = hashlib.sha256(account_logo.read_bytes()).hexdigest() if account_logo else ""
    texts = [form for text in (title, name, role, duration) if text for form in (text, text.upper())]
    k = store.key("media", MEDIA_REVISION, LAYOUT, PIL.__version__, theme.digest, title, name, role, duration,
                  language, colors, logo_digest, faces_key(book, texts))

    def draw() -> Encoded:
        composer = Composer(theme, slide_palette(*colors), book)
        content = {"title": title, "name": name, "role": role, "duration": duration or None,
                   "account_logo": Picture("logo", str(account_logo)) if account_logo else None}
        image = draw_png.render(composer.compose(SlideSpec(LAYOUT, "poster", content)))
        return Encoded(webp(image, 80), *image.size)

    return stored(k, draw, shows=[[advocate, name, role]])
