"""Build: validate, plan, render every campaign in a process pool, publish in one step."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Iterable

from coffeerun import tokens
from coffeerun.plan import BuildPlan, CampaignJob
from coffeerun.publish import discard, new_staging_dir, swap_into_place, write_root_files
from coffeerun.siteconfig import site_url
from coffeerun.validate import ValidProject, validate_project



class UsageProblem(Exception):
    """Wrong use of the command (exit 2), as opposed to problems in the input (exit 1)."""


@dataclass(frozen=True)
class BuildOptions:
    out: Path
    today: dt.date
    drafts: bool = False
    publish: bool = False
    campaigns: tuple[str, ...] = ()
    jobs: int | None = None
    use_cache: bool = True
    assets: bool = True
    shard: tuple[int, int] | None = None  # (k, n), 1-based
    site_url: str | None = None  # overrides mkdocs.yml (previews on localhost)


@dataclass
class BuildResult:
    project: ValidProject
    plan: BuildPlan | None = None
    built: list[str] = field(default_factory=list)
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


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


def make_plan(project: ValidProject, options: BuildOptions, secret: bytes, staging: Path,
              cache_dir: Path | None) -> BuildPlan:
    """Decide every campaign's directories and links before anything is rendered."""
    plan = BuildPlan(out=options.out)
    base_url = options.site_url or site_url(project.paths.mkdocs_yml)
    claimed: dict[str, str] = {}
    for info in project.campaigns:
        if not in_shard(info.id, options.shard):
            continue
        wanted = info.state.published or (options.drafts and info.state.kind == "draft")
        if not wanted:
            plan.skipped.append((info, info.state.reason))
            continue
        links = tokens.campaign_links(secret, info.id, info.model.link_version, base_url)
        for token, kind in ((links.share_token, "share"), (links.kit_token, "kit")):
            if token in claimed:
                raise RuntimeError(f"token collision between {claimed[token]} and {info.id}")
            claimed[token] = f"{info.id} ({kind})"
        plan.jobs.append(CampaignJob(
            campaign=info, brand=project.brand, brand_logo=project.brand_logo, project=project.paths,
            links=links, today=options.today, share_dir=staging / links.share_token,
            kit_dir=staging / links.kit_token, with_assets=options.assets, cache_dir=cache_dir,
            source_date_epoch=file_epoch()))
    return plan


@dataclass(frozen=True)
class CampaignOutcome:
    campaign_id: str
    warnings: tuple[str, ...] = ()


def render_campaign(job: CampaignJob) -> CampaignOutcome:
    """Render one campaign's assets (only its preview image with --no-assets), then its pages,
    which list the downloads."""
    from coffeerun.render.assets import build_assets
    from coffeerun.render.pages import render_pages

    job.share_dir.mkdir(parents=True, exist_ok=True)
    job.kit_dir.mkdir(parents=True, exist_ok=True)
    assets = build_assets(job)
    render_pages(job)
    return CampaignOutcome(job.campaign.id, tuple(f"{job.campaign.source}: {w}" for w in assets.warnings))


def _run(jobs: list[CampaignJob], workers: int, progress: Callable[[str], None]) -> list[CampaignOutcome]:
    if workers <= 1 or len(jobs) <= 1:
        done = []
        for job in jobs:
            done.append(render_campaign(job))
            progress(job.campaign.id)
        return done
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        futures = [pool.submit(render_campaign, job) for job in jobs]
        done = []
        for future in as_completed(futures):
            done.append(future.result())
            progress(done[-1].campaign_id)
        return sorted(done, key=lambda o: o.campaign_id)


def _text_files(root: Path) -> Iterable[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".html", ".js", ".json", ".txt", ".xml", ".css", ".md", ""):
            yield path


def find_leaks(staging: Path, plan: BuildPlan) -> list[str]:
    """Files naming a private link they should not: a share site may name only its own share
    token, a kit its own two tokens, and nothing outside the token directories names any."""
    allowed: dict[str, set[str]] = {}
    for job in plan.jobs:
        allowed[job.links.share_token] = {job.links.share_token}
        allowed[job.links.kit_token] = {job.links.share_token, job.links.kit_token}
    everyone = set(allowed)
    leaks = []
    for path in _text_files(staging):
        rel = path.relative_to(staging)
        permitted = allowed.get(rel.parts[0], set()) if len(rel.parts) > 1 else set()
        text = path.read_text(encoding="utf-8", errors="replace")
        for token in everyone - permitted:
            if token in text:
                leaks.append(f"{rel.as_posix()} names the private link {token[:6]}…")
    return leaks


def build(root: Path, options: BuildOptions, progress: Callable[[str], None] = lambda _id: None,
          on_start: Callable[[int], None] = lambda _total: None) -> BuildResult:
    """Validate and build; the output directory changes only when everything succeeded."""
    started = time.perf_counter()
    secret = tokens.secret_from_env()
    if options.publish:
        if secret is None:
            raise UsageProblem(f"--publish needs the secret in {tokens.SECRET_ENV}; without it links "
                               "are only for previews")
        clock = dt.datetime.now(dt.timezone.utc).date()
        if options.today < clock:
            raise UsageProblem(f"--publish refuses --today {options.today}: it is before today ({clock}), "
                               "and a publish never goes back in time")
    project = validate_project(root, options.today, options.campaigns or None)
    result = BuildResult(project)
    if project.problems.errors:
        return result
    if secret is None:
        result.warnings.append(f"{tokens.SECRET_ENV} is not set: building preview links that are NOT "
                               "private; set it for anything you share")
        secret = tokens.PREVIEW_SECRET
    cache_dir = project.paths.cache if options.use_cache else None
    staging = new_staging_dir(options.out)
    try:
        plan = make_plan(project, options, secret, staging, cache_dir)
        result.plan = plan
        write_root_files(staging, project.paths)
        on_start(len(plan.jobs))
        workers = options.jobs or os.cpu_count() or 1
        outcomes = _run(plan.jobs, workers, progress)
        result.built = [o.campaign_id for o in outcomes]
        result.warnings.extend(w for o in outcomes for w in o.warnings)
        leaks = find_leaks(staging, plan)
        if leaks:
            raise RuntimeError("private link leak: " + "; ".join(leaks[:5]))
        swap_into_place(staging, options.out)
    except BaseException:
        discard(staging)
        raise
    result.seconds = time.perf_counter() - started
    return result
