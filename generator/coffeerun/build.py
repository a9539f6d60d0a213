"""Build: validate -> plan -> reuse or render -> verify -> publish, each step a function of plain values.

Read `build()` top to bottom. The store (store.py) keeps what a later build can reuse: validated
campaigns, whole sites, images and decks; keys never contain today's date, so the nightly build with
nothing changed renders nothing. A build whose inputs and output are exactly as the last build into
that output left them, on a day no campaign changes state, does nothing at all (`unchanged`).
`--no-cache` builds everything from scratch and gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import errno
import gc
import os
import time
from collections.abc import Callable
from dataclasses import astuple, dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from coffeerun import publish, tokens
from coffeerun.digests import FileDigests, file_digest, sha, system_fonts
from coffeerun.leaks import find_leaks
from coffeerun.plan import BuildPlan, file_epoch
from coffeerun.problems import Problem, Problems
from coffeerun.project import ProjectPaths, defaults_dir
from coffeerun.sites import (
    Outcome,
    Progress,
    finish_sites,
    known_outcomes,
    outcome_records,
    reuse_or_render,
    site_keys,
)
from coffeerun.store import Store, key

if TYPE_CHECKING:
    from coffeerun.render.report import ProgramReport
    from coffeerun.validate import CampaignInfo
    from coffeerun.validcache import Checked
    from coffeerun.workers import Workers

MIN_PUBLISH_SECRET = 32  # characters of COFFEERUN_SECRET that --publish asks for
GC_THRESHOLD = 20_000  # allocations between young collections in the build process (Python's default is 700)


class UsageProblem(Exception):  # noqa: N818 - a public name: coffeerun.api.build documents it
    """Wrong use of the command (exit 2), as opposed to problems in the input (exit 1)."""


class EnvironmentProblem(Exception):  # noqa: N818 - a public name, as above
    """The build could not finish for a reason outside the input (exit 1): a worker died, the output is busy."""


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
    plan: BuildPlan | None = None  # None when nothing changed (nothing was validated again)
    built: list[str] = field(default_factory=list)  # rendered in this build
    reused: list[str] = field(default_factory=list)  # taken unchanged from the store or the output
    withheld: list[str] = field(default_factory=list)
    not_built: list[tuple[str, str]] = field(default_factory=list)  # (campaign id, state kind)
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)
    unchanged: bool = False  # every input and the output as the last build left them: nothing done
    phases: dict[str, float] = field(default_factory=dict)  # seconds per step, for the benchmark


class Phases(dict):
    """Seconds per step of a build, for the benchmark (COFFEERUN_PHASES=1 prints them): phase(name) ends one."""

    def __init__(self) -> None:
        super().__init__()
        self._clock = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self[name] = round(now - self._clock, 3)
        self._clock = now


def build(root: Path, options: BuildOptions, progress: Progress = lambda _id, _reused: None,
          on_start: Callable[[int], None] = lambda _total: None) -> BuildResult:
    """Validate and build; the output directory changes only when everything succeeded."""
    started = time.perf_counter()
    secret = _secret(options, Path(root))
    paths = ProjectPaths(Path(root))
    if options.use_cache:
        _cache_folder(paths.cache.absolute())
    store = Store(paths.cache.absolute() if options.use_cache else None)
    phase = Phases()
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()  # (see _build)
    try:  # What is loaded and validated lives as long as the build: frozen, the collector does not walk it
        with publish.exclusive(options.out):  # again each time it runs (0.1 s of a one-campaign build's 1.8 s)
            digests = FileDigests(store, paths.root) if options.use_cache else FileDigests()
            inputs = inputs_key(paths, options, secret or tokens.PREVIEW_SECRET, digests)
            last = last_build(store, options)
            result = unchanged(last, options, inputs)
            if result is None:
                result = _build(paths, options, secret, store, digests, inputs, last, progress, on_start, phase)
            else:
                on_start(len(result.reused))
                for campaign_id in result.reused:
                    progress(campaign_id, True)
            digests.save()
            store.finish()
    except publish.OutputBusyError as exc:
        raise EnvironmentProblem(str(exc)) from None
    finally:
        if not frozen:  # (a caller's own frozen objects stay frozen)
            gc.unfreeze()
        gc.set_threshold(*thresholds)
    phase("finish")
    result.warnings.extend(store.warnings)
    result.phases, result.seconds = phase, time.perf_counter() - started
    return result


def _cache_folder(folder: Path) -> None:
    """A cache path through a file is wrong use of the environment (raised: one line, exit 1); a cache that only
    cannot be written costs speed and one warning (see store.Store)."""
    for part in (folder, *folder.parents):
        if part.exists() and not part.is_dir():
            raise OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(folder))


def _secret(options: BuildOptions, root: Path) -> bytes | None:
    secret = tokens.secret_from_env()
    if options.publish:
        if secret is None:
            raise UsageProblem(f"--publish needs the secret in {tokens.SECRET_ENV}; without it links "
                               "are only for previews")
        clock = dt.datetime.now(dt.UTC).date()
        if options.today < clock:
            raise UsageProblem(f"--publish refuses --today {options.today}: it is before today ({clock}), "
                               "and a publish never goes back in time")
        if len(secret) < MIN_PUBLISH_SECRET:
            raise UsageProblem(f"--publish needs a {tokens.SECRET_ENV} of at least {MIN_PUBLISH_SECRET} characters "
                               f"(it has {len(secret)}): anyone who guesses it can make every private link; make "
                               "one with: python -c \"import secrets; print(secrets.token_urlsafe(32))\"")
        from coffeerun.siteconfig import site_url

        try:
            base = options.site_url or site_url(ProjectPaths(root).mkdocs_yml)
        except Exception:  # noqa: BLE001 - an unreadable mkdocs.yml is reported by validation, at its line
            base = "https://"
        if not base.startswith("https://"):
            raise UsageProblem(f"--publish needs an https site_url in mkdocs.yml, not {base!r}: private links "
                               "must not travel unencrypted")
    return secret


def _build(paths: ProjectPaths, options: BuildOptions, secret: bytes | None, store: Store, digests: FileDigests,
           inputs: str, last: dict, progress: Progress, on_start: Callable[[int], None], phase: Phases
           ) -> BuildResult:
    from coffeerun.workers import WorkerDiedError, Workers

    phase("inputs")
    workers = Workers(options.jobs or os.cpu_count() or 1, store, paths)
    recorded_twin = str(last.get("twin", ""))
    changed = last.get("inputs") != inputs  # else likely nothing to render (the next day): nothing is loaded
    if changed:  # a campaign to validate (here) and render (in the workers): the models are loaded once,
        import coffeerun.validate  # noqa: F401  before the workers fork, rather than in each
    _freeze()  # (see build): and the workers fork with it frozen
    parts = 2 * workers.count  # smaller parts: a worker slowed by this process's validation walks fewer
    walks = workers.start([partial(publish.twin_part, options.out, k, parts) for k in range(parts)]
                          if recorded_twin else [], "checking the output's twin", warm=changed)
    if workers.started:  # this process only: in a worker, which holds the images it draws (and here when there
        gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])  # is none), it took 80 MB more at its peak
    try:
        checked = validate(paths, options, store, digests, workers)
        _freeze()
        phase("validate")
        result = BuildResult(problems=checked.problems)
        if checked.problems.errors:
            return result
        if secret is None:
            result.warnings.append(f"{tokens.SECRET_ENV} is not set: building preview links that are NOT "
                                   "private; set it for anything you share")
        twin_rows = publish.twin_rows(options.out, recorded_twin, [workers.result(w) for w in walks] or None)
        staging = publish.new_staging_dir(options.out, twin_rows)
        try:
            result.plan = plan = make_plan(checked, options, secret or tokens.PREVIEW_SECRET, staging, inputs)
            folders = site_keys(plan, digests, checked.config.get("settings"))
            phase("plan")
            underway = reuse_or_render(plan, folders, store, workers, staging, last.get("folders") or {},
                                       progress, on_start, known_outcomes(last.get("outcomes")))
            # while the workers render: the report is made from what validation kept, not from the sites
            report = program_report(checked, options, secret or tokens.PREVIEW_SECRET, inputs, store)
            outcomes, kept = finish_sites(underway, folders, store, progress)
            phase("render")
            if options.publish and text_left_out(result, [w for o in outcomes.values() for w in o.warnings]):
                publish.discard(staging)  # slides missing text are not shipped
                return result
            if report is not None:
                result.warnings.extend(report.warnings)
            write_shared_files(staging, paths, plan, report)
            verify(staging, plan, outcomes)
            phase("verify")
            # the folders kept from the twin are as its rows say: only the others are walked
            rows = publish.folder_rows(staging, {name: twin_rows[name] for name in kept if name in twin_rows})
            previous = publish.swap_into_place(staging, options.out)
        except BaseException:
            try:
                workers.close()  # first: a worker still rendering writes into staging
            finally:
                publish.discard(staging)
            raise
    except WorkerDiedError as exc:
        raise EnvironmentProblem(f"{exc}; nothing was published, {options.out} is unchanged") from None
    finally:
        workers.close()
    result.not_built = [(s.id, s.kind) for s in plan.skipped]
    result.withheld = [s.id for s in plan.skipped if s.kind == "withheld"]
    for job in plan.jobs:
        outcome = outcomes[job.id]
        (result.reused if outcome.reused else result.built).append(job.id)
        result.warnings.extend(outcome.warnings)
    twin = store.root is not None and store.writable
    if twin:  # the next build starts from it
        twin = publish.keep_twin(previous, options.out, rows, twin_rows)
    elif previous is not None:
        publish.discard(previous)
    record(store, options, inputs, plan, result, publish.stamp_of(options.out, rows), folders, twin,
           outcome_records(outcomes, folders, plan), quoting_withdrawn(checked, options.today),
           paths.display(paths.content / "advocates") + "/")
    purge_withdrawn(store, checked, options.today, result, digests, _output_key(options))
    if store.changed:
        store.prune()
    phase("publish")
    return result


def _freeze() -> None:
    """Freeze what is alive now for the collector (see build), after a young collection: no cycle of garbage
    is frozen with it (a full one would cost what freezing saves)."""
    gc.collect(1)
    gc.freeze()


def text_left_out(result: BuildResult, warnings: list[str]) -> bool:
    """`--publish`: a render warning that slides lost text for want of a font becomes an error of its
    campaign; True when the build must stop there."""
    from coffeerun.render.assets.fonts import is_missing_font

    for warning in [w for w in warnings if is_missing_font(w)]:
        path, _, message = warning.partition(": ")
        result.problems.add(Problem(path, 1, 1, "", f"--publish refuses slides with text left out: {message}"))
    return bool(result.problems.errors)


def inputs_key(paths: ProjectPaths, options: BuildOptions, secret: bytes, digests: FileDigests) -> str:
    """Everything a build reads and every option that matters, as one digest; not today (see `unchanged`).
    mkdocs.yml counts with its INHERIT parents and the environment variables its `!ENV` tags read."""
    from coffeerun.render.engine import config_dependencies

    files, environment = config_dependencies(paths.mkdocs_yml)
    parents = [file_digest(file) if os.path.isfile(file) else "" for file in files[1:]]
    return key("builds", system_fonts(), str(paths.root.resolve()),
               [digests.tree(p) for p in (paths.campaigns, paths.content, paths.root / "theme",
                                          defaults_dir() / "theme")],
               digests(paths.mkdocs_yml), parents, environment, str(options.out.resolve()), options.drafts,
               sorted(options.campaigns),
               options.shard, options.assets, options.site_url, file_epoch(),
               tokens.token(secret, "\x00inputs", "fingerprint", 0))


def _output_key(options: BuildOptions) -> str:
    return key("builds", "output", str(options.out.resolve()))


def last_build(store: Store, options: BuildOptions) -> dict:
    """What the last build into this output recorded (see record)."""
    entry = store.get("builds", _output_key(options))
    return entry.meta if entry is not None else {}


def unchanged(last: dict, options: BuildOptions, inputs: str) -> BuildResult | None:
    """The result of the build that made the output, if it was made from these very inputs, no campaign
    changes state between its day and today, and the output is exactly as it left it."""
    try:
        if last.get("inputs") != inputs or not last["stable"][0] <= options.today.isoformat() < last["stable"][1]:
            return None
        if last["report"] and last["day"] != options.today.isoformat():
            return None  # the program report is of its day (renewals, consent, the date it shows)
        if publish.tree_stamp(options.out) != last["stamp"]:
            return None
        before = last["result"]
        return BuildResult(reused=before["built"] + before["reused"], withheld=before["withheld"],
                           not_built=[tuple(x) for x in before["not_built"]], warnings=before["warnings"],
                           problems=Problems([Problem(*fields) for fields in before["problems"]]), unchanged=True)
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def record(store: Store, options: BuildOptions, inputs: str, plan: BuildPlan, result: BuildResult, stamp: str,
           folders: dict[str, str], twin: bool, outcomes: dict[str, dict],
           private: set[str] | frozenset[str] = frozenset(), advocates: str = "content/advocates/") -> None:
    """What made the output (for a later build with nothing to do), and what its twin holds (to start from).
    A build that names an advocate who withdrew their consent keeps none of its problems and warnings, so it
    is not replayed as nothing changed: the next one says it all again. Nor are the warnings of `private`
    files kept (quoting_withdrawn), nor of any advocate file (one may withdraw in their own file, used by no
    campaign): a warning may quote their words, and the purge deletes these records only once (purge.py)."""
    from coffeerun.schedule import names_withdrawal

    problems = [p for p in result.problems.items if p.path not in private and not p.path.startswith(advocates)]
    warnings = [w for w in result.warnings if w.partition(": ")[0] not in private and not w.startswith(advocates)]
    if any(names_withdrawal(p.message) for p in result.problems.items) or any(map(names_withdrawal, result.warnings)):
        inputs, problems, warnings = "", [], []
    store.put("builds", _output_key(options), {
        "inputs": inputs, "stable": list(plan.stable), "stamp": stamp, "folders": folders, "outcomes": outcomes,
        "twin": stamp if twin else "", "day": options.today.isoformat(),
        "report": options.shard is None or options.shard[0] == 1,
        "result": {"built": result.built, "reused": result.reused, "withheld": result.withheld,
                   "not_built": result.not_built, "warnings": warnings,
                   "problems": [list(astuple(p)) for p in problems]}})


def quoting_withdrawn(checked: Checked, today: dt.date) -> set[str]:
    """The campaign files whose warnings may quote an advocate whose consent is withdrawn by today (withheld,
    or ended: see purge_withdrawn). No advocate file's warning is kept at all (record)."""
    from coffeerun.schedule import names_withdrawal

    return {found.source for found in checked.campaigns
            if found.withdrawn(today) or names_withdrawal(found.state(today).reason)}


def validate(paths: ProjectPaths, options: BuildOptions, store: Store, digests: FileDigests,
             workers: Workers) -> Checked:
    from coffeerun.validcache import Validation

    return Validation(paths, digests, store, slides=options.assets).run(options.today, options.campaigns,
                                                                        workers.pool(), workers.count)


def make_plan(checked: Checked, options: BuildOptions, secret: bytes, staging: Path, inputs: str = "") -> BuildPlan:
    from coffeerun import plan
    from coffeerun.siteconfig import site_url

    return plan.make_plan(checked, options.out, staging, today=options.today, drafts=options.drafts,
                          assets=options.assets, shard=options.shard, secret=secret,
                          base_url=options.site_url or checked.config.get("site_url")
                          or site_url(checked.paths.mkdocs_yml), inputs=inputs)


def verify(staging: Path, plan: BuildPlan, outcomes: dict[str, Outcome]) -> None:
    """Nothing in the staging tree names a private link it should not (a bug, never the input's fault)."""
    scans = {}
    for job in plan.jobs:
        for site, token in job.links.sites().items():
            scans[token] = outcomes[job.id].scans[site]
    leaks = find_leaks(staging, plan, scans)
    if leaks:
        raise RuntimeError("private link leak: " + "; ".join(leaks[:5]))


def write_shared_files(staging: Path, paths: ProjectPaths, plan: BuildPlan, report: ProgramReport | None) -> None:
    """The neutral root files, the program report and, when any site links it, the theme folder every site shares."""
    from coffeerun.render.shared import shared_theme

    publish.write_root_files(staging, paths)
    if plan.jobs:
        shared_theme(paths).write(staging)
    if report is not None:
        report.write(staging)


def campaign_models(checked: Checked, today: dt.date) -> list[CampaignInfo]:
    """These validated campaigns with their models: those validated in an earlier build are validated again."""
    from coffeerun.validate import validate_project

    missing = [found.id for found in checked.campaigns if found.info is None]
    got = {info.id: info for info in validate_project(checked.paths.root, today, missing, slides=False).campaigns
           } if missing else {}  # the models only: no warning is shown
    infos = [found.info or got.get(found.id) for found in checked.campaigns]
    return [info for info in infos if info is not None]


def program_report(checked: Checked, options: BuildOptions, secret: bytes, inputs: str, store: Store
                   ) -> ProgramReport | None:
    """The program report (render/report.py) of this build's campaigns, written by the first shard only: from
    the store when this very day and these very inputs made it before, else made from what validation kept of
    each campaign (no campaign is validated again for it)."""
    from coffeerun.render.report import ProgramReport, ReportCampaign, report_for_build, report_token

    if options.shard is not None and options.shard[0] != 1:
        return None
    made = sha(inputs, options.today.isoformat(), report_token(secret))  # what this day's report is made from
    k = key("report", str(options.out.resolve()))  # one record per output, replaced: reports never pile up
    entry = store.get("report", k)
    if entry is not None and entry.meta.get("made") == made:
        try:
            files = {str(n): str(text).encode("utf-8") for n, text in entry.meta["files"].items()}
            if all(_plain_name(n) for n in files):
                return ProgramReport(report_token(secret), files, [str(w) for w in entry.meta["warnings"]])
        except (KeyError, TypeError, AttributeError, UnicodeEncodeError):
            pass
    campaigns = [ReportCampaign(found.id, found.report, state.published, state.kind)
                 for found, state in ((found, found.state(options.today)) for found in checked.campaigns)]
    lead = checked.config.get("renewal_lead_days")
    report = report_for_build(checked.paths, checked.brand_name, campaigns, options.today, secret, options.shard,
                              store, int(lead) if lead else None)
    try:  # the report's files are text (HTML, SVG): kept in the record itself
        texts = {n: data.decode("utf-8") for n, data in report.files.items()} if report is not None else None
    except UnicodeDecodeError:
        texts = None
    if texts is not None:
        store.put("report", k, {"made": made, "files": texts, "warnings": report.warnings})  # type: ignore[union-attr]
    return report


def _plain_name(name: str) -> bool:
    parts = name.split("/")
    return all(p not in ("", ".", "..") for p in parts) and "\\" not in name


def purge_withdrawn(store: Store, checked: Checked, today: dt.date, result: BuildResult,
                    digests: FileDigests, own_record: str = "") -> None:
    """Withdrawn consent: delete from the store every record and object made from the advocate's content
    (purge.py; also with --no-cache, when the store exists). The output's twin holds none: it is the new output.
    Then keep the record of each campaign validated in this build that the withdrawal does not withhold (it has
    ended), without their names: later builds reuse it and purge no more."""
    from coffeerun.purge import purge_store, withdrawn_in
    from coffeerun.schedule import names_withdrawal
    from coffeerun.validcache import Validation

    withheld = [found for found in checked.campaigns if names_withdrawal(found.state(today).reason)
                or (found.info is not None and found.withdrawn(today))]
    if not withheld:
        return
    target = store if store.root is not None else Store(checked.paths.cache.absolute())
    removed = 0
    if target.root is not None and target.root.is_dir():
        wanted = {found.id for found in withheld}
        withdrawn = withdrawn_in([info for info in campaign_models(
            replace(checked, campaigns=withheld), today) if info.id in wanted], today)
        removed = purge_store(target, checked.paths.root, withdrawn, keep_build=own_record)
    troubled = {p.path for p in checked.problems.errors}
    for found in withheld:
        if found.info is not None and found.source not in troubled and not names_withdrawal(found.state(today).reason):
            Validation(checked.paths, digests, store, checked.slides).keep_purged(found, today)
    if removed:
        names = ", ".join(sorted({advocate for _campaign, advocate in withdrawn}))
        result.warnings.append(f"consent withdrawn ({names}): deleted {removed} cached render(s) of "
                               "their content; purge the host's older deploys too (see the README)")
