"""Build: validate, plan, render what changed in a process pool, reuse the rest, publish in one step."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import time
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Callable

from coffeerun import tokens
from coffeerun.basetree import TreeRecords, files_stamp, stamp, tidy
from coffeerun.digests import FileDigests, code_digest, sha
from coffeerun.plan import BuildPlan, CampaignJob
from coffeerun.project import defaults_dir
from coffeerun.publish import ROOT_FILES, discard, new_staging_dir, swap_into_place, write_root_files
from coffeerun.render.shared import ROOT, shared_theme
from coffeerun.siteconfig import site_url
from coffeerun.sitecache import Manifest, Scan, SiteCache, named_tokens, scan, site_key, theme_digest
from coffeerun.validate import ValidProject
from coffeerun.validcache import Validation


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
    built: list[str] = field(default_factory=list)  # rendered in this build
    reused: list[str] = field(default_factory=list)  # taken unchanged from the cache
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)  # seconds per step, for the benchmark

    @property
    def withheld(self) -> list[str]:
        return [info.id for info, _ in (self.plan.skipped if self.plan else []) if info.state.kind == "withheld"]


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
    manifest: Manifest
    reused: bool = False


def render_campaign(job: CampaignJob, key: str | None = None) -> CampaignOutcome:
    """Render one campaign's assets (only its preview image with --no-assets), then its pages, which
    list the downloads; note every token-like string for the leak check; keep it in the cache."""
    from coffeerun.render.assets import build_assets
    from coffeerun.render.pages import render_pages

    job.share_dir.mkdir(parents=True, exist_ok=True)
    job.kit_dir.mkdir(parents=True, exist_ok=True)
    assets = build_assets(job)
    render_pages(job)
    warnings = [f"{job.campaign.source}: {w}" for w in assets.warnings]
    manifest = Manifest(scan(job.share_dir), scan(job.kit_dir), warnings)
    if key is not None and job.cache_dir is not None:
        SiteCache(job.cache_dir / "sites").put(key, job, manifest)
    return CampaignOutcome(job.campaign.id, manifest)


def _worker_start(parent: int) -> None:
    """A worker ends with the build that forked it, also when that build is killed."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        import threading

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(1)
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
    if os.getppid() != parent:
        os._exit(1)


class Workers:
    """The process pool: forked once, when first needed, and reused for validation and rendering."""

    def __init__(self, count: int):
        self.count = count
        self._pool: ProcessPoolExecutor | None = None

    def pool(self) -> Executor | None:
        if self.count <= 1:
            return None
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.count, mp_context=get_context("fork"),
                                             initializer=_worker_start, initargs=(os.getpid(),))
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def find_leaks(staging: Path, plan: BuildPlan, outcomes: dict[str, CampaignOutcome]) -> list[str]:
    """Files naming a private link they should not: a share site may name only its own share token, a
    kit its own two tokens, and nothing outside the token directories names any. Sites are checked by
    the token-like strings noted when they were rendered; everything else is read here."""
    allowed: dict[str, set[str]] = {}
    for job in plan.jobs:
        allowed[job.links.share_token] = {job.links.share_token}
        allowed[job.links.kit_token] = {job.links.share_token, job.links.kit_token}
    everyone = set(allowed)
    leaks = []

    def check(rel: str, found: set[str], permitted: set[str]) -> None:
        leaks.extend(f"{rel} names the private link {token[:6]}…" for token in sorted(found - permitted))

    for job in plan.jobs:
        manifest = outcomes[job.campaign.id].manifest
        for token, result in ((job.links.share_token, manifest.share), (job.links.kit_token, manifest.kit)):
            found = set(result.candidates) & everyone if result.complete else \
                named_tokens(staging / token, everyone)
            check(f"{token[:6]}…/", found, allowed[token])
    for item in sorted(staging.iterdir()):
        if item.name in allowed:
            continue
        if item.is_dir():
            result = scan(item)
            found = set(result.candidates) & everyone if result.complete else named_tokens(item, everyone)
        else:
            text = item.read_text(encoding="utf-8", errors="replace")
            found = {token for token in everyone if token in text}
        check(item.name, found, set())
    return leaks


def _render_all(plan: BuildPlan, keys: dict[str, str], cache: SiteCache | None, kept: dict[str, list[str]],
                workers: Workers, progress: Callable[[str, bool], None],
                on_start: Callable[[int], None]) -> dict[str, CampaignOutcome]:
    """Keep what the staging tree has already (kept token folders), link what the cache has, render the
    rest: in the pool when more than one, else here. A folder not kept after all leaves `kept`."""
    outcomes: dict[str, CampaignOutcome] = {}
    hits: list[tuple[CampaignJob, Manifest]] = []
    misses: list[CampaignJob] = []
    for job in plan.jobs:
        key = keys.get(job.campaign.id)
        share, kit = (kept.get(token) for token in (job.links.share_token, job.links.kit_token))
        if share and kit and len(share) > 2 and len(kit) > 2:
            manifest = Manifest(Scan(**share[2]["scan"]), Scan(**kit[2]["scan"]), list(share[2]["warnings"]))
            outcomes[job.campaign.id] = CampaignOutcome(job.campaign.id, manifest, reused=True)
            continue
        for token in (job.links.share_token, job.links.kit_token):  # half a campaign: make both again
            if token in kept:
                shutil.rmtree(job.share_dir.parent / token)
                kept.pop(token)
        manifest = cache.manifest(key) if cache is not None and key else None
        if manifest is not None:
            hits.append((job, manifest))
        else:
            misses.append(job)
    pool = workers.pool() if len(misses) > 1 else None
    futures = [pool.submit(render_campaign, job, keys.get(job.campaign.id)) for job in misses] if pool else []
    on_start(len(plan.jobs))  # after the workers are forked: a progress bar runs a thread
    for campaign_id in outcomes:
        progress(campaign_id, True)
    for job, manifest in hits:
        cache.reuse(keys[job.campaign.id], manifest, job)  # type: ignore[union-attr]
        outcomes[job.campaign.id] = CampaignOutcome(job.campaign.id, manifest, reused=True)
        progress(job.campaign.id, True)
    if pool is None:
        for job in misses:
            outcomes[job.campaign.id] = render_campaign(job, keys.get(job.campaign.id))
            progress(job.campaign.id, False)
    for future in as_completed(futures):
        outcome = future.result()
        outcomes[outcome.campaign_id] = outcome
        progress(outcome.campaign_id, False)
    return outcomes


def _records(staging: Path, plan: BuildPlan, outcomes: dict[str, CampaignOutcome], wanted: dict[str, str],
             kept: dict[str, list]) -> dict[str, list]:
    """What the staging tree holds, for the build that starts from it next (see basetree)."""
    folders = {name: kept[name] if name in kept else [key, stamp(staging / name)]
               for name, key in wanted.items() if name != "/"}
    folders["/"] = kept.get("/") or [wanted["/"], files_stamp(staging, ROOT_FILES)]
    for job in plan.jobs:
        manifest = outcomes[job.campaign.id].manifest
        for token, scanned, warnings in ((job.links.share_token, manifest.share, manifest.warnings),
                                         (job.links.kit_token, manifest.kit, [])):
            if token in folders:
                folders[token] = [*folders[token][:2], {"scan": vars(scanned), "warnings": warnings}]
    return folders


def build(root: Path, options: BuildOptions, progress: Callable[[str, bool], None] = lambda _id, _reused: None,
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
    from coffeerun.project import ProjectPaths

    paths = ProjectPaths(Path(root))
    cache_dir = paths.cache.absolute() if options.use_cache else None
    digests = FileDigests(cache_dir / "digests.json" if cache_dir else None)
    workers = Workers(options.jobs or os.cpu_count() or 1)
    phases: dict[str, float] = {}
    clock = [time.perf_counter()]

    def phase(name: str) -> None:
        now = time.perf_counter()
        phases[name] = round(now - clock[0], 3)
        clock[0] = now

    try:
        validation = Validation(paths, digests, cache_dir / "validate" if cache_dir else None)
        project = validation.run(options.today, options.campaigns, workers.pool(), workers.count)
        phase("validate")
        result = BuildResult(project, phases=phases)
        if project.problems.errors:
            return result
        if secret is None:
            result.warnings.append(f"{tokens.SECRET_ENV} is not set: building preview links that are NOT "
                                   "private; set it for anything you share")
            secret = tokens.PREVIEW_SECRET
        records = TreeRecords(cache_dir, options.out) if cache_dir else None
        staging = new_staging_dir(options.out, from_base=records is not None)
        try:
            plan = make_plan(project, options, secret, staging, cache_dir)
            result.plan = plan
            theme = shared_theme(project.paths, cache_dir) if plan.jobs else None
            phase("plan")
            keys: dict[str, str] = {}
            cache = SiteCache(cache_dir / "sites") if cache_dir else None
            if cache is not None:
                theme_files = theme_digest(digests, [paths.root / "theme", defaults_dir() / "theme"], paths.mkdocs_yml)
                keys = {job.campaign.id: site_key(job, digests, theme_files, validation.digest(job.campaign))
                        for job in plan.jobs}
            wanted = {token: keys[job.campaign.id] for job in plan.jobs if job.campaign.id in keys
                      for token in (job.links.share_token, job.links.kit_token)}
            if theme is not None:
                wanted[ROOT] = theme.folder
            wanted["/"] = sha("root", code_digest(), digests.tree(project.paths.theme_file("root")))
            kept = tidy(staging, records.of(staging), wanted, ROOT_FILES) if records is not None else {}
            phase("keys")
            if "/" not in kept:
                write_root_files(staging, project.paths)
            if theme is not None and ROOT not in kept:
                theme.write(staging)
            outcomes = _render_all(plan, keys, cache, kept, workers, progress, on_start)
            phase("render")
            for job in plan.jobs:
                outcome = outcomes[job.campaign.id]
                (result.reused if outcome.reused else result.built).append(job.campaign.id)
                result.warnings.extend(outcome.manifest.warnings)
            leaks = find_leaks(staging, plan, outcomes)
            if leaks:
                raise RuntimeError("private link leak: " + "; ".join(leaks[:5]))
            phase("leaks")
            folders = _records(staging, plan, outcomes, wanted, kept)
            swap_into_place(staging, options.out, keep_previous=records is not None)
            if records is not None:
                records.save(options.out, folders)
            phase("publish")
        except BaseException:
            discard(staging)
            raise
        if cache is not None:
            digests.save()
            cache.prune()
    finally:
        workers.close()
    result.seconds = time.perf_counter() - started
    return result
