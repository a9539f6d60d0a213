"""The rendering stage of a build: a process pool, one campaign per task, reuse of what exists, the leak check."""

from __future__ import annotations

import os
import shutil
import time
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from coffeerun.sitecache import Manifest, Scan, SiteCache, named_tokens, scan

if TYPE_CHECKING:
    from coffeerun.plan import BuildPlan, CampaignJob


@dataclass(frozen=True)
class CampaignOutcome:
    campaign_id: str
    manifest: Manifest
    reused: bool = False
    seconds: tuple[float, float, float] = (0.0, 0.0, 0.0)  # started (clock), assets, pages


def render_campaign(job: CampaignJob, key: str | None = None) -> CampaignOutcome:
    """Render one campaign's assets (none with --no-assets), then its pages, which
    list the downloads; note every token-like string for the leak check; keep it in the cache."""
    from coffeerun.render.assets import build_assets
    from coffeerun.consent import published_job
    from coffeerun.render.pages import render_pages

    job = published_job(job)  # advocates without `name` in their consent scope: title and department only
    started = time.time()
    for folder in job.site_dirs().values():
        folder.mkdir(parents=True, exist_ok=True)
    assets = build_assets(job)
    middle = time.time()
    render_pages(job)
    warnings = [f"{job.campaign.source}: {w}" for w in assets.warnings]
    manifest = Manifest({site: scan(folder) for site, folder in job.site_dirs().items()}, warnings)
    if key is not None and job.cache_dir is not None:
        SiteCache(job.cache_dir / "sites").put(key, job, manifest)
    return CampaignOutcome(job.campaign.id, manifest, seconds=(started, middle - started, time.time() - middle))


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


def warm_up() -> int:
    """Worker side: load what rendering needs while the build validates and plans."""
    import mkdocs.commands.build  # noqa: F401
    import mkdocs.config.defaults  # noqa: F401

    import coffeerun.render.assets  # noqa: F401
    import coffeerun.render.pages  # noqa: F401

    return os.getpid()


# Made before the workers fork, so they share them: set _GO when the build has work for every worker,
# _STOP (with _GO) when it has not and will not.
_GO: Any = None
_STOP: Any = None


def hold() -> int:
    """Worker side: wait (without using the CPU the build needs now) until every worker has work."""
    _GO.wait()
    return os.getpid() if _STOP.is_set() else warm_up()


class Workers:
    """The process pool: forked once, at the start of a build that has something to do, and reused for
    validation and rendering. One worker warms up at once (rendering's imports are most of a small
    build) and takes a lone campaign; the others wait, at no cost, until there is work for them all."""

    def __init__(self, count: int):
        self.count = count
        self._pool: ProcessPoolExecutor | None = None
        self.used = False  # anything but the warm-up submitted

    def start(self) -> None:
        """Fork the workers now: one loads the renderers while this process goes on, the others hold."""
        global _GO, _STOP
        if self.count > 1:
            context = get_context("fork")
            _GO, _STOP = context.Event(), context.Event()
            pool = self._executor()
            pool.submit(warm_up)
            for _ in range(self.count - 1):
                pool.submit(hold)

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.count, mp_context=get_context("fork"),
                                             initializer=_worker_start, initargs=(os.getpid(),))
        return self._pool

    def pool(self) -> Workers | None:
        return self if self.count > 1 else None

    @property
    def started(self) -> bool:
        return self._pool is not None

    def submit(self, fn: Callable, *args: object, alone: bool = False) -> Future:
        """Run fn(*args) in a worker; alone: the warm one is enough (the others keep holding)."""
        self.used = True
        if not alone and _GO is not None:
            _GO.set()
        return self._executor().submit(fn, *args)

    def close(self) -> None:
        if self._pool is None:
            return
        if _GO is not None:
            _STOP.set()
            _GO.set()
        if not self.used:  # only warmed up: nothing to wait for
            for process in list(getattr(self._pool, "_processes", {}).values()):
                process.kill()
        self._pool.shutdown(wait=True, cancel_futures=True)


def find_leaks(staging: Path, plan: BuildPlan, outcomes: dict[str, CampaignOutcome]) -> list[str]:
    """Files naming a private link they should not (see tokens.Links.allowed_tokens), and nothing outside
    the token directories names any. Sites are checked by the token-like strings noted when they were
    rendered; everything else is read here."""
    allowed: dict[str, set[str]] = {}
    for job in plan.jobs:
        for site, token in job.links.sites().items():
            allowed[token] = job.links.allowed_tokens(site)
    everyone = set(allowed)
    leaks = []

    def check(rel: str, found: set[str], permitted: set[str]) -> None:
        leaks.extend(f"{rel} names the private link {token[:6]}…" for token in sorted(found - permitted))

    for job in plan.jobs:
        manifest = outcomes[job.campaign.id].manifest
        for site, token in job.links.sites().items():
            result = manifest.scans[site]
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


def render_all(plan: BuildPlan, keys: dict[str, str], cache: SiteCache | None, kept: dict[str, list],
               workers: Workers, progress: Callable[[str, bool], None], on_start: Callable[[int], None],
               verify: Callable[[], set[str]] = set) -> dict[str, CampaignOutcome]:
    """Keep what the staging tree has already (kept token folders), link what the cache has, render the
    rest: in the pool (forked and warm already, or more than one to render), else here. The kept
    folders are checked (`verify`: the names that changed after all) while the workers render; a
    campaign not kept after all is linked or rendered then. `kept` is left holding what stayed."""
    outcomes: dict[str, CampaignOutcome] = {}
    hits: list[tuple[CampaignJob, Manifest]] = []
    misses: list[CampaignJob] = []

    def sort(job: CampaignJob) -> None:
        sites = job.links.sites()
        records = {site: kept.get(token) for site, token in sites.items()}
        if all(record and len(record) > 2 for record in records.values()):
            manifest = Manifest({site: Scan(**record[2]["scan"]) for site, record in records.items()},
                                list(records["share"][2]["warnings"]))
            outcomes[job.campaign.id] = CampaignOutcome(job.campaign.id, manifest, reused=True)
            return
        for token in sites.values():  # part of a campaign: make all of it again
            if token in kept:
                shutil.rmtree(job.share_dir.parent / token)
                kept.pop(token)
        key = keys.get(job.campaign.id)
        manifest = cache.manifest(key) if cache is not None and key else None
        if manifest is not None:
            hits.append((job, manifest))
        else:
            misses.append(job)

    for job in plan.jobs:
        sort(job)
    pool = workers.pool() if misses and (len(misses) > 1 or workers.started) else None
    alone = len(misses) == 1
    futures = [pool.submit(render_campaign, job, keys.get(job.campaign.id), alone=alone)
               for job in misses] if pool else []
    on_start(len(plan.jobs))  # after the workers are forked: a progress bar runs a thread
    changed = verify()
    late = len(misses)
    for job in plan.jobs:
        if set(job.links.sites().values()) & changed:
            outcomes.pop(job.campaign.id, None)
            sort(job)
    for job in misses[late:]:
        if pool is not None:
            futures.append(pool.submit(render_campaign, job, keys.get(job.campaign.id)))
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
