"""Slide-ready assets of one campaign (campaign.py): deck.pptx, deck.pdf, slide PNGs, quote cards, preview.png.

The package itself imports nothing heavy: `check` lays slides out (compose, fonts, layout) to warn about
text the slides would shorten without loading the deck writers (python-pptx, fpdf2, fontTools' subsetter).
"""

from __future__ import annotations

from typing import Any

__all__ = ["build_assets"]


def __getattr__(name: str) -> Any:
    if name in ("build_assets", "AssetResult", "render_assets", "final_notes", "RENDER_REVISION", "PDF_REVISION"):
        from coffeerun.render.assets import campaign

        return getattr(campaign, name)
    raise AttributeError(f"module 'coffeerun.render.assets' has no attribute {name!r}")
