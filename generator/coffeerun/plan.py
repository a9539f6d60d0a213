"""Plan stage: every output directory and file decided before anything is written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: planning a build that reuses everything never loads the models
    from coffeerun.models import Brand
    from coffeerun.project import ProjectPaths
    from coffeerun.tokens import Links
    from coffeerun.validate import CampaignInfo

SHARE, KIT = "share", "kit"
DOWNLOADS = "downloads"
PREVIEW_IMAGE = "preview.png"  # in the share site's root: its og:image


@dataclass(frozen=True)
class CampaignJob:
    """All one worker needs to render one campaign's two sites; plain, picklable data."""

    campaign: CampaignInfo
    brand: Brand
    brand_logo: Path | None
    project: ProjectPaths
    links: Links
    today: dt.date
    share_dir: Path  # <staging>/<share-token>
    kit_dir: Path  # <staging>/<kit-token>
    with_assets: bool = True
    cache_dir: Path | None = None  # None: --no-cache
    source_date_epoch: int | None = None  # timestamps inside files; None: today 00:00 UTC
    theme_by_build: bool = False  # the build writes the shared theme folder; else render_pages does

    def site_dirs(self) -> dict[str, Path]:
        """Every site of the campaign (tokens.Links.sites) -> its folder: <staging>/<token>."""
        return {site: self.share_dir.parent / token for site, token in self.links.sites().items()}

    def advocate_dir(self, advocate_id: str) -> Path:
        return self.share_dir.parent / self.links.advocate_kit_token(advocate_id)

    @property
    def downloads_dir(self) -> Path:
        return self.kit_dir / DOWNLOADS

    @property
    def preview_image(self) -> Path:
        return self.share_dir / PREVIEW_IMAGE

    @property
    def file_timestamp(self) -> int:
        """Seconds since the epoch for timestamps written inside files (deck, zip, PDF)."""
        if self.source_date_epoch is not None:
            return self.source_date_epoch
        return int(dt.datetime.combine(self.today, dt.time(), dt.timezone.utc).timestamp())


@dataclass
class BuildPlan:
    out: Path
    jobs: list[CampaignJob] = field(default_factory=list)
    skipped: list[tuple[CampaignInfo, str]] = field(default_factory=list)
