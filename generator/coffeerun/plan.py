"""Plan stage: every output directory and link decided before anything is written, and what is not built and why."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coffeerun import tokens

if TYPE_CHECKING:  # annotations only: planning a build that reuses everything never loads the models
    from coffeerun.models import Brand
    from coffeerun.project import ProjectPaths
    from coffeerun.tokens import Links
    from coffeerun.validate import CampaignInfo
    from coffeerun.validcache import Checked, Validated

SHARE, KIT = "share", "kit"
DOWNLOADS = "downloads"
PREVIEW_IMAGE = "preview.png"  # in the share site's root: its og:image
FIRST_DAY = dt.date(2000, 1, 1)  # file timestamps of a campaign without `starts`


@dataclass(frozen=True)
class CampaignJob:
    """All one worker needs to render one campaign's sites; plain, picklable data."""

    campaign: CampaignInfo | None  # None until its worker validates it (validated in an earlier build)
    brand_data: dict[str, Any]  # the brand as JSON (models.Brand): what site keys hash; `brand` is the model
    brand_logo: Path | None
    project: ProjectPaths
    links: Links
    today: dt.date
    share_dir: Path  # <staging>/<share-token>
    kit_dir: Path  # <staging>/<kit-token>
    with_assets: bool = True
    cache_dir: Path | None = None  # a store for a renderer called on its own; a build hands its own
    source_date_epoch: int | None = None  # timestamps inside files; None: the campaign's starts, 00:00 UTC
    theme_by_build: bool = False  # the build writes the shared theme folder; else render_pages does
    validated: Validated | None = None  # the plan's view of the campaign
    inputs: str = ""  # the build's inputs key (theme/, mkdocs.yml, …): what renderers may find once per build

    @cached_property
    def brand(self) -> Brand:
        """The brand's model, made when a renderer first asks (planning alone never loads the models). JSON
        that is not a brand (a store record edited by hand) gives way to the project's brand, validated now."""
        from pydantic import ValidationError

        from coffeerun.models import Brand

        try:
            return Brand.model_validate(self.brand_data)
        except ValidationError:
            from coffeerun.validate import validate_project

            return validate_project(self.project.root, self.today, [self.id]).brand

    @property
    def id(self) -> str:
        return self.campaign.id if self.campaign is not None else self.validated.id  # type: ignore[union-attr]

    @property
    def campaign_info(self) -> CampaignInfo:
        """The validated campaign, which every renderer needs: its worker validates it before rendering."""
        if self.campaign is None:
            raise RuntimeError(f"campaign {self.id} reached a renderer before its worker validated it")
        return self.campaign

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
        """Seconds since the epoch for timestamps written inside files (deck, zip, PDF): SOURCE_DATE_EPOCH,
        else the campaign's starts (2000-01-01 without one) at 00:00 UTC; never today (spec: Time)."""
        if self.source_date_epoch is not None:
            return self.source_date_epoch
        starts = self.campaign.model.starts if self.campaign is not None else None
        return int(dt.datetime.combine(starts or FIRST_DAY, dt.time(), dt.UTC).timestamp())


@dataclass(frozen=True)
class Skipped:
    id: str
    kind: str  # the publish state: draft | ended | scheduled | expired | withheld
    reason: str


@dataclass
class BuildPlan:
    out: Path
    jobs: list[CampaignJob] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    stable: tuple[str, str] = ("", "")  # the plan is the same for every --today in [from, until)


def in_shard(campaign_id: str, shard: tuple[int, int] | None) -> bool:
    """Stable assignment of a campaign to one of n shares, independent of the other campaigns."""
    if shard is None:
        return True
    k, n = shard
    digest = int.from_bytes(hashlib.sha256(campaign_id.encode()).digest()[:8], "big")
    return digest % n == k - 1


def file_epoch() -> int | None:
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return int(value) if value.isdigit() else None


def stable_days(campaigns: list[Validated], today: dt.date) -> tuple[str, str]:
    """The days around today on which no campaign's publish state changes: [from, until)."""
    iso = today.isoformat()
    days = {row[0] for found in campaigns for row in found.states[1:]}
    return max((d for d in days if d <= iso), default=""), min((d for d in days if d > iso), default="9999-12-31")


def make_plan(checked: Checked, out: Path, staging: Path, *, today: dt.date, drafts: bool, assets: bool,
              shard: tuple[int, int] | None, secret: bytes, base_url: str, inputs: str = "") -> BuildPlan:
    """Every campaign to build with its directories in staging (one per site) and its links; the others and why."""
    campaigns = [found for found in checked.campaigns if in_shard(found.id, shard)]
    plan = BuildPlan(out=out, stable=stable_days(campaigns, today))
    claimed: dict[str, str] = {}
    for found in campaigns:
        state = found.state(today)
        if not (state.published or (drafts and state.kind == "draft")):
            plan.skipped.append(Skipped(found.id, state.kind, state.reason))
            continue
        links = tokens.campaign_links(secret, found.id, found.link_version, base_url, found.advocate_ids)
        for kind, token in links.sites().items():
            if token in claimed:
                raise RuntimeError(f"token collision between {claimed[token]} and {found.id}")
            claimed[token] = f"{found.id} ({kind})"
        plan.jobs.append(CampaignJob(
            campaign=found.info, brand_data=checked.brand_data, brand_logo=checked.brand_logo, project=checked.paths,
            links=links, today=today, share_dir=staging / links.share_token, kit_dir=staging / links.kit_token,
            with_assets=assets, source_date_epoch=file_epoch(), theme_by_build=True, validated=found, inputs=inputs))
    return plan
