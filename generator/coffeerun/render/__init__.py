"""Render stage: pages (MkDocs) and slide-ready assets for one planned campaign."""
