"""Slide-ready assets of one campaign: deck.pptx, deck.pdf, slide PNGs, quote cards, preview.png."""

from __future__ import annotations

import io
import logging
import time
from dataclasses import dataclass, field
from importlib.metadata import version as _metadata_version
from pathlib import Path
from typing import Any

from PIL import Image

from coffeerun import __version__, memo, store
from coffeerun.atomic import write_atomic
from coffeerun.digests import file_digest
from coffeerun.plan import CampaignJob
from coffeerun.render.assets import frame_record
from coffeerun.render.assets.compose import Composer, Frame
from coffeerun.render.assets.draw_png import render
from coffeerun.render.assets.fonts import FontBook, faces_key, missing_warning
from coffeerun.render.assets.png import encode
from coffeerun.render.assets.slides import Picture, SlideSet, SlideSpec, build_slides
from coffeerun.render.assets.theme import load_theme
from coffeerun.render.colors import slide_palette

__all__ = ["AssetResult", "build_assets", "build_decks", "render_assets"]

RENDER_REVISION = "15"  # bump when a change to the drawing code changes the output
PDF_REVISION = "fpdf-3"  # bump when a change to the PDF writer changes its output
log = logging.getLogger(__name__)


@memo.table("assets.version", 32)
def _version(package: str) -> str:
    """An installed package's version, read once per process (reading its metadata takes a millisecond)."""
    return _metadata_version(package)


@dataclass
class AssetResult:
    """What one call wrote, what it had to draw and what it copied from the cache."""

    paths: list[Path] = field(default_factory=list)
    rendered: list[str] = field(default_factory=list)  # outputs drawn in this call
    reused: list[str] = field(default_factory=list)  # outputs copied from the cache
    warnings: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    frames: dict[str, Frame] = field(default_factory=dict)  # the frames composed, by output name


def render_assets(job: CampaignJob) -> list[Path]:
    """Write the campaign's downloads/ and preview.png; return the paths written."""
    result = build_assets(job)
    for warning in result.warnings:
        log.warning("%s: %s", job.campaign_info.id, warning)
    return result.paths


class _Run:
    def __init__(self, job: CampaignJob):
        self.job = job
        self.result = AssetResult()
        self.reader = store.current()  # the store: images and decks by what they show
        self.hits: dict[str, store.Entry] = {}  # by output name
        self.entries: dict[str, store.Entry] = {}  # the same, by image key
        self.theme = load_theme(job.project)
        colors, brand = job.campaign_info.account.model.colors, job.brand.colors
        self.palette = slide_palette(colors.primary, colors.accent, brand.primary, brand.accent)
        self.book = FontBook(job.campaign_info.model.language)
        self.composer = Composer(self.theme, self.palette, self.book)
        self.slides: SlideSet = build_slides(job, self.theme)
        self.pngs: dict[str, bytes] = {}
        self.keys: dict[str, str] = {}
        self.frames: dict[str, Frame] = {}  # by image key
        self.spec_keys: dict[int, tuple[SlideSpec, str]] = {}
        self.thumbnail: bytes | None = None
        self.thumbnail_source: Image.Image | None = None
        # Faces are chosen for every character of the campaign in one fixed order, before any drawing.
        self.book.faces_for([t for spec in self.slides.all() for t in _texts(spec.content)])
        self.base = {"revision": RENDER_REVISION, "coffeerun": __version__, "pillow": Image.__version__,
                     "layouts": self.theme.digest}

    def frame(self, spec: SlideSpec, name: str | None = None) -> Frame:
        """The frame of a slide, composed once per content: decks share their quote and metric slides.
        `name`: the output it is listed under in the result (the images)."""
        digest = self.spec_key(spec)
        if digest not in self.frames:
            self.frames[digest] = self._kept_frame(spec, digest) or self.composer.compose(spec)
        if name is not None:
            self.result.frames.setdefault(name, self.frames[digest])
        return self.frames[digest]

    def _kept_frame(self, spec: SlideSpec, digest: str) -> Frame | None:
        """The frame kept beside the slide's image, when the store had the image: the decks need every slide's
        frame. (The audiences' decks' first and last slides are no image: they are composed each time, and no
        record of their own keeps an advocate's name and photo where a withdrawal's purge would not find it.)"""
        entry = self.entries.get(digest)
        if entry is None:
            return None
        try:
            pictures = {name: entry.read(name) for name in entry.files if name.startswith("picture-")}
        except OSError:
            return None
        return frame_record.from_record(entry.meta, pictures, spec, self.composer)

    def spec_key(self, spec: SlideSpec) -> str:
        if id(spec) not in self.spec_keys:
            self.spec_keys[id(spec)] = (spec, self.image_key(spec))
        return self.spec_keys[id(spec)][1]

    def image_key(self, spec: SlideSpec) -> str:
        """What one image shows and nothing else: its layout, content, colors and the face of each
        of its characters. Campaigns that share a quote, its advocate and the brand share its images."""
        return store.key("assets", "png", self.base, self.palette, spec.kind, _content_key(spec.content),
                         faces_key(self.book, _texts(spec.content)))

    def look_up(self, spec: SlideSpec, name: str) -> None:
        """The store's record of a slide's image, for its kept frame (build_decks: the image is placed elsewhere)."""
        digest = self.spec_key(spec)
        hit = self.reader.get("assets", digest)
        if hit is not None:
            self.hits[name] = self.entries[digest] = hit

    def png(self, spec: SlideSpec, name: str, dest: Path) -> None:
        digest = self.keys[name] = self.spec_key(spec)
        started = time.perf_counter()
        hit = self.reader.get("assets", digest)
        if hit is not None:
            self._place(hit, dest)
            self.hits[name] = self.entries[digest] = hit
            self.result.reused.append(name)
        else:
            frame = self.frame(spec, name)
            image = render(frame)
            data = encode(image)
            if self.slides.deck and spec is self.slides.deck[0]:
                self.thumbnail_source = image
            del image
            self.pngs[name] = data
            write_atomic(dest, data)
            meta, pictures = frame_record.record(frame)
            self.reader.keep("assets", digest, meta, {"data": dest, **pictures})
            self.result.rendered.append(name)
        self.result.paths.append(dest)
        self.result.timings_ms[name] = round((time.perf_counter() - started) * 1000, 1)

    def _place(self, entry: store.Entry, dest: Path) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        self.reader.store.link(entry, "data", dest)

    def png_data(self, name: str) -> bytes:
        if name not in self.pngs:
            self.pngs[name] = self.hits[name].read("data")
        return self.pngs[name]

    def decks(self, first_slide: str, kinds: tuple[str, ...] = ("pdf", "pptx")) -> None:
        """deck.pptx and deck.pdf (`kinds`) of the whole campaign and of each audience (downloads/<audience>/):
        each from the cache when it has it; the rest from one shared presentation and one set of fonts."""
        job, model = self.job, self.job.campaign_info.model
        meta = (model.title, job.brand.name, job.campaign_info.account.model.name, job.file_timestamp)
        decks = {"": self.slides.deck, **{f"{a}/": specs for a, specs in self.slides.audience_decks.items()}}
        wanted: list[tuple[str, str, str, list[SlideSpec]]] = []  # (output name, ext, cache key, slides)
        for folder, specs in decks.items():
            slide_keys = [self.spec_key(spec) for spec in specs]
            notes = [spec.notes for spec in specs]
            cache_keys = {"pdf": store.key("assets", "pdf", self.base, PDF_REVISION, _version("fpdf2"), slide_keys,
                                           meta, model.language),
                          "pptx": store.key("assets", "pptx", self.base, _version("python-pptx"), slide_keys, notes,
                                            meta, model.language)}
            for ext in kinds:
                wanted.append((f"{folder}deck.{ext}", ext, cache_keys[ext], specs))
        missing = []
        for out_name, ext, digest, specs in wanted:
            dest = job.downloads_dir / out_name
            hit = self.reader.get("assets", digest)
            if hit is not None:
                self._place(hit, dest)
                self.result.reused.append(out_name)
                self.result.paths.append(dest)
            else:
                missing.append((out_name, ext, digest, specs))
        if not missing:  # (also a lone campaign's images and pages: another worker makes its decks)
            return
        from coffeerun.render.assets.deck_pdf import build_pdf, frame_chars  # loaded when a deck is made
        from coffeerun.render.assets.deck_pptx import SharedDeck

        shared: SharedDeck | None = None
        chars = None
        for out_name, ext, digest, specs in missing:
            started = time.perf_counter()
            frames = [self.frame(spec) for spec in specs]
            if ext == "pdf":
                if chars is None:  # one set of font subsets for every PDF of the campaign
                    chars = frame_chars([self.frame(s) for d in decks.values() for s in d])
                title, author, _, timestamp = meta
                data = build_pdf(frames, title, author, timestamp, f"coffeerun {__version__}", model.language, chars)
            else:
                if shared is None:  # every slide of every deck, in one order: the same bytes whichever
                    shared = SharedDeck(self.slides.language)  # decks the cache had already
                    for deck in decks.values():
                        deck_keys = _unique([self.spec_key(spec) for spec in deck])
                        for slide_key, spec in zip(deck_keys, deck, strict=True):
                            shared.add(slide_key, self.frame(spec))
                keys = _unique([self.spec_key(spec) for spec in specs])
                notes = [final_notes(spec, frame, self.slides.strings)
                         for spec, frame in zip(specs, frames, strict=True)]
                title, author, subject, timestamp = meta
                data = shared.save(keys, notes, title, author, subject, timestamp, self._thumbnail(first_slide))
            dest = job.downloads_dir / out_name
            write_atomic(dest, data)
            self.reader.keep("assets", digest, {}, {"data": dest})
            self.result.rendered.append(out_name)
            self.result.paths.append(dest)
            self.result.timings_ms[out_name] = round((time.perf_counter() - started) * 1000, 1)

    def _thumbnail(self, name: str) -> bytes:
        """The title slide as a 256x144 JPEG (the deck's preview in file browsers), made once."""
        if self.thumbnail is None:
            source = self.thumbnail_source
            if source is None and name not in self.hits:  # build_decks: the image is drawn elsewhere, as here
                source = render(self.frame(self.slides.deck[0]))
            if source is None:
                with Image.open(io.BytesIO(self.png_data(name))) as first:
                    source = first.convert("RGB")
            thumb = source.resize((256, 144), Image.Resampling.LANCZOS, reducing_gap=2.0)
            buffer = io.BytesIO()
            thumb.save(buffer, "JPEG", quality=85)
            self.thumbnail = buffer.getvalue()
        return self.thumbnail


def _unique(keys: list[str]) -> list[str]:
    """Slide keys made distinct within one deck: two slides of the same content are two slides."""
    seen: dict[str, int] = {}
    out = []
    for k in keys:
        seen[k] = seen.get(k, 0) + 1
        out.append(k if seen[k] == 1 else f"{k}#{seen[k]}")
    return out


def build_assets(job: CampaignJob, decks: bool = True) -> AssetResult:
    """Render (or copy from the cache) every asset of one campaign; see AssetResult. decks=False: all but
    the decks, which another worker makes at the same time (build_decks)."""
    if not job.with_assets:  # pages only (--no-assets): the share site goes without its og:image
        return AssetResult()
    with store.reading_for(job.cache_dir):
        return _build_assets(job, ("pdf", "pptx") if decks else ())


def build_decks(job: CampaignJob) -> AssetResult:
    """Only the campaign's decks (PDF and PowerPoint, the whole campaign's and each audience's), from the frames
    kept beside its slide images (composed where the store has none): its images are made elsewhere meanwhile."""
    if not job.with_assets:
        return AssetResult()
    with store.reading_for(job.cache_dir):
        run = _Run(job)
        names = [f"slides/{spec.name}.png" for spec in run.slides.deck]
        for spec, name in zip(run.slides.deck, names, strict=True):
            run.look_up(spec, name)
        run.decks(names[0], ("pdf", "pptx"))
        return run.result


def _build_assets(job: CampaignJob, kinds: tuple[str, ...]) -> AssetResult:
    started = time.perf_counter()
    run = _Run(job)
    slides = run.slides
    run.png(slides.preview, "preview.png", job.preview_image)
    names = [f"slides/{spec.name}.png" for spec in slides.deck]
    for spec, name in zip(slides.deck, names, strict=True):
        run.png(spec, name, job.downloads_dir / name)
    for spec in slides.cards:
        name = f"cards/{spec.name}.png"
        run.png(spec, name, job.downloads_dir / name)
    run.decks(names[0], kinds)
    warning = missing_warning(run.book.missing, job.campaign_info.model.language)
    if warning:
        run.result.warnings.append(warning)
    run.result.timings_ms["total"] = round((time.perf_counter() - started) * 1000, 1)
    return run.result


def final_notes(spec: SlideSpec, frame: Frame, strings: dict[str, str]) -> list[str]:
    """The slide's notes, plus the full text of anything the slide had to shorten."""
    notes = list(spec.notes)
    for op in frame.truncated():
        heading = strings["notes_full_quote"] if op.id in ("quote", "quote_small") else strings["notes_full_text"]
        notes += [heading, op.layout.full_text]
    return notes


def _texts(content: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for value in content.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                out += [item, item.upper()]
            elif isinstance(item, Picture) and item.kind == "initials":
                out.append(item.text)
    return out


def _content_key(content: dict[str, Any]) -> dict[str, Any]:
    """Slide content for a cache key: pictures by the sha256 of their bytes, not their path."""
    def plain(item: Any) -> Any:
        if isinstance(item, Picture):
            return {"kind": item.kind, "text": item.text, "alt": item.alt,
                    "sha256": file_digest(item.path) if item.path else ""}
        if isinstance(item, list):
            return [plain(i) for i in item]
        return item
    return {k: plain(v) for k, v in content.items()}
