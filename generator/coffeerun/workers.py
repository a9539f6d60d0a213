"""Workers: a process pool that validates and renders campaigns and hands the results back; the build process
keeps them (store, output). A worker that dies ends the build at once, naming what it was doing."""

from __future__ import annotations

import gc
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from typing import TYPE_CHECKING, Any

from coffeerun import store
from coffeerun.leaks import Scan, scan

if TYPE_CHECKING:
    from coffeerun.plan import CampaignJob
    from coffeerun.project import ProjectPaths


class WorkerDiedError(Exception):
    """A worker process ended without a result (killed, out of memory, a crash in native code)."""


@dataclass(frozen=True)
class Rendered:
    """One campaign's sites, written into their staging folders, and what the worker would keep."""

    campaign_id: str
    scans: dict[str, Scan]  # per site of the campaign (tokens.Links.sites): "share", "kit", "kit:<advocate>"
    warnings: list[str] = field(default_factory=list)
    kept: list[tuple[str, str, dict, dict]] = field(default_factory=list)  # store entries to put
    hits: list[tuple[str, str]] = field(default_factory=list)  # store entries used
    seconds: tuple[float, float, float] = (0.0, 0.0, 0.0)  # started (clock), assets, pages


_STORE = store.Store(None)  # the build's store, read-only in workers (set before they fork)
_PROJECT: ProjectPaths | None = None  # the project being built (set before they fork)


def _resolve(job: CampaignJob) -> CampaignJob:
    """A campaign validated in an earlier build: validate it again here to have its models."""
    from coffeerun.validate import validate_project

    project = validate_project(job.project.root, job.today, [job.id], slides=False)  # the models only
    info = next((c for c in project.campaigns if c.id == job.id), None)
    if info is None or project.problems.errors:
        raise RuntimeError(f"{job.id} validated in an earlier build but not now")
    return replace(job, campaign=info)


def render_campaign(job: CampaignJob, decks_elsewhere: bool = False) -> Rendered:
    """Render one campaign's assets (none with --no-assets), then its pages, which list the downloads;
    note every token-like string for the leak check. decks_elsewhere: its decks are made by another worker
    meanwhile (render_half), and the kits, which list them, wait for them."""
    from coffeerun.consent import published_job
    from coffeerun.render.assets.campaign import build_assets
    from coffeerun.render.pages import render_pages

    started = time.time()  # published_job: advocates without `name` in their consent scope: title and department only
    job = published_job(job if job.campaign is not None else _resolve(job))
    for folder in job.site_dirs().values():
        folder.mkdir(parents=True, exist_ok=True)
    with store.reading(store.Reader(_STORE)) as reader:
        assets = build_assets(job, decks=not decks_elsewhere)
        middle = time.time()
        render_pages(job, _DECKS.wait if decks_elsewhere else lambda: None)
    warnings = [f"{job.campaign_info.source}: {w}" for w in assets.warnings]
    return Rendered(job.id, {site: scan(folder) for site, folder in job.site_dirs().items()}, warnings, reader.kept,
                    reader.hits,
                    (started, middle - started, time.time() - middle))


def render_decks(job: CampaignJob) -> Rendered:
    """Only a campaign's decks, while another worker renders the rest of it (render_campaign, decks_elsewhere)."""
    from coffeerun.consent import published_job
    from coffeerun.render.assets.campaign import build_decks

    started = time.time()
    try:
        job = published_job(job)
        job.downloads_dir.mkdir(parents=True, exist_ok=True)
        with store.reading(store.Reader(_STORE)) as reader:
            build_decks(job)
    finally:  # also when it failed: the build fails with this task's error, and the other half must not wait
        _DECKS.set()
    return Rendered(job.id, {}, [], reader.kept, reader.hits, (started, time.time() - started, 0.0))


def render_half(job: CampaignJob) -> tuple[str, Rendered]:
    """Half of a lone campaign (its decks, or all the rest): a worker that has loaded the page renderers takes
    the rest, a cold one the decks (which need neither MkDocs nor the templates); the pool chooses which worker
    runs which task, so each decides here."""
    warm = "mkdocs.commands.build" in sys.modules
    rest_taken, decks_taken = _HALVES
    with _HALVES_LOCK:
        half = "rest" if decks_taken.is_set() or (warm and not rest_taken.is_set()) else "decks"
        (rest_taken if half == "rest" else decks_taken).set()
    return half, render_campaign(job, decks_elsewhere=True) if half == "rest" else render_decks(job)


def _task(markers: str, what: str, fn: Callable, *args: Any) -> Any:
    """Worker side: run fn, with a note of what this process is doing in case it dies doing it."""
    note = os.path.join(markers, str(os.getpid()))
    with open(note, "w", encoding="utf-8") as handle:
        handle.write(what)
    result = fn(*args)
    os.unlink(note)
    return result


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
    """Worker side: load what rendering needs while the build validates and plans, and compile the project's
    page templates (a tenth of a second that a lone changed campaign would otherwise wait for)."""
    import mkdocs.commands.build
    import mkdocs.config.defaults  # noqa: F401

    import coffeerun.render.assets.campaign  # noqa: F401
    from coffeerun.render.pages import compile_templates

    if _PROJECT is not None:
        compile_templates(_PROJECT)
    gc.collect(1)
    gc.freeze()  # what is loaded lives as long as the worker: the collector need not walk it again
    return os.getpid()


# Made before the workers fork, so they share them: set _GO when the build has work for every worker,
# _STOP (with _GO) when the waiting workers need not warm up (no work, or a lone campaign's half: render_half).
# _HALVES and _DECKS: which halves of a lone campaign are taken, and its decks are made.
_GO: Any = None
_STOP: Any = None
_HALVES: Any = None  # (the rest taken, the decks taken)
_HALVES_LOCK: Any = None
_DECKS: Any = None


def hold(warm: bool = True) -> int:
    """Worker side: load what a campaign's decks need (a lone campaign's are made by a worker that held), then
    wait (without using the CPU the build needs now) until every worker has work."""
    if warm:
        from coffeerun.render.assets.deck_pdf import load_writer

        load_writer()
        gc.collect(1)
        gc.freeze()
    _GO.wait()
    return os.getpid() if _STOP.is_set() else warm_up()


class Workers:
    """The process pool: forked once, at the start of a build that has something to do, and reused for
    validation and rendering. One worker warms up at once (rendering's imports are most of a small
    build) and takes a lone campaign; the others wait, at no cost, until there is work for them all."""

    def __init__(self, count: int, build_store: store.Store, project: ProjectPaths | None = None):
        global _STORE, _PROJECT
        _STORE = build_store.reading_only()  # before the fork: every worker reads the build's store
        _PROJECT = project
        self.count = count
        self._pool: ProcessPoolExecutor | None = None
        self._processes: dict[int, Any] = {}
        self._markers = tempfile.mkdtemp(prefix="coffeerun-workers-")
        self.used = False  # anything but the warm-up submitted

    def start(self, early: list[Callable[[], Any]] | None = None, what: str = "", warm: bool = True) -> list[Future]:
        """Fork the workers now: they run the `early` tasks, each free worker taking the next (their futures are
        returned, none without a pool), then one loads the renderers while this process goes on and the others
        hold (and load what the decks need). warm=False: none loads anything (a build likely to render nothing)."""
        global _GO, _STOP, _HALVES, _HALVES_LOCK, _DECKS
        if self.count <= 1:
            return []
        context = get_context("fork")  # events and locks only: a shared value would need a folder removed at exit
        _GO, _STOP, _DECKS, _HALVES_LOCK = context.Event(), context.Event(), context.Event(), context.Lock()
        _HALVES = (context.Event(), context.Event())
        pool = self._executor()
        futures = [pool.submit(_task, self._markers, what, task) for task in early or []]
        pool.submit(warm_up if warm else os.getpid)  # first in, first out: the first worker free warms up
        for _ in range(self.count - 1):
            pool.submit(hold, warm)
        self._processes.update(getattr(self._pool, "_processes", None) or {})
        return futures

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

    def submit(self, fn: Callable, *args: object, what: str, alone: bool = False) -> Future:
        """Run fn(*args) in a worker (`what` names it if the worker dies); alone: the warm worker is
        enough (the others keep holding)."""
        self.used = True
        if not alone and _GO is not None:
            _GO.set()
        future = self._executor().submit(_task, self._markers, what, fn, *args)
        self._processes.update(getattr(self._pool, "_processes", None) or {})
        return future

    def result(self, future: Future) -> Any:
        try:
            return future.result()
        except BrokenProcessPool:
            raise WorkerDiedError(self._death()) from None

    def _death(self) -> str:
        """Which worker died doing what: the one that ended by another signal than the pool's SIGTERM."""
        deadline = time.monotonic() + 5
        notes = {}
        for name in os.listdir(self._markers):
            with open(os.path.join(self._markers, name), encoding="utf-8") as handle:
                notes[int(name)] = handle.read()
        while time.monotonic() < deadline:
            codes = {pid: process.exitcode for pid, process in self._processes.items()}
            died = [pid for pid, code in codes.items() if code not in (None, 0, -signal.SIGTERM)]
            if died or all(code is not None for code in codes.values()):
                break
            time.sleep(0.05)
        how = ""
        for pid in died or list(notes):
            code = codes.get(pid)
            if code is not None and code < 0:
                how = f" (signal {signal.Signals(-code).name})"
            elif code:
                how = f" (exit status {code})"
            if pid in notes:
                return f"a worker process died{how} while {notes[pid]}"
        return f"a worker process died{how}"

    def render(self, jobs: list[CampaignJob]) -> Iterator[tuple[CampaignJob, Rendered]]:
        """Render jobs in the pool (when forked already, or more than one: submitted now), else in this
        process as the result is iterated; (job, result) pairs as they finish."""
        if self.pool() is None or (len(jobs) == 1 and not self.started):
            return ((job, render_campaign(job)) for job in jobs)
        if len(jobs) == 1 and jobs[0].with_assets and jobs[0].campaign is not None:
            return self._halves(jobs[0])
        by_id = {job.id: job for job in jobs}
        futures = [self.submit(render_campaign, job, what=f"rendering campaign {job.id}", alone=len(jobs) == 1)
                   for job in jobs]
        return ((by_id[rendered.campaign_id], rendered) for rendered in map(self.result, as_completed(futures)))

    def _halves(self, job: CampaignJob) -> Iterator[tuple[CampaignJob, Rendered]]:
        """A lone campaign in two workers at once: its decks in one, the rest in the other (render_half);
        submitted now, while the build goes on (it links the other campaigns' sites)."""
        _STOP.set()  # the holding workers start at once, without warming up for pages
        _GO.set()
        futures = [self.submit(render_half, job, what=f"rendering campaign {job.id}", alone=True) for _ in "ab"]

        def merged() -> Iterator[tuple[CampaignJob, Rendered]]:
            parts = dict(self.result(future) for future in futures)
            rest, decks = parts["rest"], parts["decks"]
            yield job, replace(rest, kept=rest.kept + decks.kept, hits=rest.hits + decks.hits)
        return merged()

    def close(self) -> None:
        """Stop the workers, once they have finished what they are doing (a second call does nothing)."""
        if not os.path.isdir(self._markers):
            return
        if self._pool is not None:
            if _GO is not None:
                _STOP.set()
                _GO.set()
            if not self.used:  # only warmed up: nothing to wait for
                for process in list(getattr(self._pool, "_processes", {}).values()):
                    process.kill()
            self._pool.shutdown(wait=True, cancel_futures=True)
        for name in os.listdir(self._markers):
            os.unlink(os.path.join(self._markers, name))
        os.rmdir(self._markers)
