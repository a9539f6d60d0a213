"""Build: validate, plan, render what changed in a process pool, reuse the rest, publish in one step.

With the cache (the default), a build whose every input is unchanged since the build that made the
current output, and whose output is as that build left it, does nothing (and loads no models); a
build that changes something starts from the previous output (basetree) and touches only what
changed. `--no-cache` builds everything from scratch and gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from dataclasses import astuple, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from coffeerun import tokens
from coffeerun.basetree import TreeRecords, files_stamp, stamp, tidy, verify
from coffeerun.digests import FileDigests, code_digest, library_versions, sha, system_fonts
from coffeerun.plan import BuildPlan, CampaignJob
from coffeerun.problems import Problem, Problems
from coffeerun.project import ProjectPaths, defaults_dir
from coffeerun.publish import ROOT_FILES, base_dir, discard, new_staging_dir, swap_into_place, write_root_files

if TYPE_CHECKING:
    from coffeerun.validate import ValidProject
    from coffeerun.workers import CampaignOutcome


MIN_PUBLISH_SECRET = 32  # characters of COFFEERUN_SECRET that --publish asks for


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
    project: ValidProject | None = None  # None when nothing changed (nothing was validated again)
    plan: BuildPlan | None = None
    built: list[str] = field(default_factory=list)  # rendered in this build
    reused: list[str] = field(default_factory=list)  # taken unchanged from the cache or the previous output
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


def _link_version(info: Any) -> int:
    return info.link_version if hasattr(info, "link_version") else info.model.link_version


def _advocate_ids(info: Any) -> tuple[str, ...]:
    if hasattr(info, "advocate_ids"):
        return info.advocate_ids
    return tuple(a.id for a in info.model.advocates)


def make_plan(project: ValidProject, options: BuildOptions, secret: bytes, staging: Path,
              cache_dir: Path | None) -> BuildPlan:
    """Decide every campaign's directories and links before anything is rendered."""
    from coffeerun.siteconfig import site_url

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
        links = tokens.campaign_links(secret, info.id, _link_version(info), base_url, _advocate_ids(info))
        for kind, token in links.sites().items():
            if token in claimed:
                raise RuntimeError(f"token collision between {claimed[token]} and {info.id}")
            claimed[token] = f"{info.id} ({kind})"
        plan.jobs.append(CampaignJob(
            campaign=info, brand=project.brand, brand_logo=project.brand_logo, project=project.paths,
            links=links, today=options.today, share_dir=staging / links.share_token,
            kit_dir=staging / links.kit_token, with_assets=options.assets, cache_dir=cache_dir,
            source_date_epoch=file_epoch(), theme_by_build=True))
    return plan


def inputs_key(paths: ProjectPaths, options: BuildOptions, secret: bytes, digests: FileDigests) -> str:
    """Everything a build reads and every option that matters, as one digest."""
    return sha("build/1", code_digest(), library_versions(), system_fonts(), str(paths.root.resolve()),
               [digests.tree(p) for p in (paths.campaigns, paths.content, paths.root / "theme",
                                          defaults_dir() / "theme")],
               digests(paths.mkdocs_yml), str(options.out.resolve()), options.today.isoformat(), options.drafts,
               sorted(options.campaigns), options.shard, options.assets, options.site_url, file_epoch(),
               tokens.token(secret, "\x00inputs", "fingerprint", 0))


def _unchanged(records: TreeRecords, out: Path, key: str) -> dict | None:
    """The result of the build that made out, if it was made from these very inputs and is untouched."""
    if not out.is_dir():
        return None
    record = records.tree(out)
    build, folders = record.get("build") or {}, record.get("folders") or {}
    if build.get("inputs") != key or "/" not in folders:
        return None
    if set(os.listdir(out)) != (set(folders) - {"/"}) | set(ROOT_FILES):
        return None
    if files_stamp(out, ROOT_FILES) != folders["/"][1]:
        return None
    if any(stamp(out / name) != entry[1] for name, entry in folders.items() if name != "/"):
        return None
    return build["result"]


def _records(staging: Path, plan: BuildPlan, outcomes: dict[str, CampaignOutcome], wanted: dict[str, str],
             kept: dict[str, list]) -> dict[str, list]:
    """What the staging tree holds, for the build that starts from it next (see basetree)."""
    folders = {name: kept[name] if name in kept else [key, stamp(staging / name)]
               for name, key in wanted.items() if name != "/"}
    folders["/"] = kept.get("/") or [wanted["/"], files_stamp(staging, ROOT_FILES)]
    for job in plan.jobs:
        manifest = outcomes[job.campaign.id].manifest
        for site, token in job.links.sites().items():
            scanned, warnings = manifest.scans[site], manifest.warnings if site == "share" else []
            if token in folders:
                folders[token] = [*folders[token][:2], {"scan": vars(scanned), "warnings": warnings}]
    return folders


def _result_record(result: BuildResult) -> dict:
    return {"built": result.built, "reused": result.reused, "withheld": result.withheld,
            "not_built": result.not_built, "warnings": result.warnings,
            "problems": [list(astuple(p)) for p in result.problems.items]}


def _text_left_out(result: BuildResult, warnings: list[str]) -> bool:
    """`--publish`: a render warning that slides lost text for want of a font becomes an error of its
    campaign (and is no longer a warning); True when the build must stop there."""
    from coffeerun.render.assets.fonts import is_missing_font

    for warning in [w for w in warnings if is_missing_font(w)]:
        path, _, message = warning.partition(": ")
        result.problems.add(Problem(path, 1, 1, "", f"--publish refuses slides with text left out: {message}"))
        if warning in result.warnings:
            result.warnings.remove(warning)
    return bool(result.problems.errors)


def _purge_withdrawn(paths: ProjectPaths, project: ValidProject, today: dt.date, base: Path | None,
                     result: BuildResult) -> None:
    """Withdrawn consent: delete every render of their content from the cache (also with --no-cache) and
    from the previous output kept for the next build."""
    from coffeerun.purge import purge_withdrawn, withdrawn_in

    withdrawn = withdrawn_in(project.campaigns, today)
    cache = paths.cache.absolute()
    also = [base] if base is not None and not base.is_relative_to(cache) else []
    removed = purge_withdrawn(paths.root, cache if cache.is_dir() else None, withdrawn, also)
    if removed:
        names = ", ".join(sorted({advocate for _campaign, advocate in withdrawn}))
        result.warnings.append(f"consent withdrawn ({names}): deleted {len(removed)} cached render(s) of "
                               "their content; purge the host's older deploys too (see the README)")


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
        if len(secret) < MIN_PUBLISH_SECRET:
            raise UsageProblem(f"--publish needs a {tokens.SECRET_ENV} of at least {MIN_PUBLISH_SECRET} characters "
                               f"(it has {len(secret)}): anyone who guesses it can make every private link; make "
                               "one with: python -c \"import secrets; print(secrets.token_urlsafe(32))\"")
        from coffeerun.siteconfig import site_url

        try:
            base = options.site_url or site_url(ProjectPaths(Path(root)).mkdocs_yml)
        except Exception:  # noqa: BLE001 - an unreadable mkdocs.yml is reported by validation, at its line
            base = "https://"
        if not base.startswith("https://"):
            raise UsageProblem(f"--publish needs an https site_url in mkdocs.yml, not {base!r}: private links "
                               "must not travel unencrypted")
    paths = ProjectPaths(Path(root))
    cache_dir = paths.cache.absolute() if options.use_cache else None
    digests = FileDigests(cache_dir / "digests.json" if cache_dir else None)
    records = TreeRecords(cache_dir, options.out) if cache_dir else None
    phase = Phases()
    key = inputs_key(paths, options, secret or tokens.PREVIEW_SECRET, digests) if records else ""
    before = _unchanged(records, options.out, key) if records else None
    if before is not None:
        digests.save()
        problems = Problems([Problem(*fields) for fields in before["problems"]])
        result = BuildResult(reused=before["built"] + before["reused"], withheld=before["withheld"],
                             not_built=[tuple(x) for x in before["not_built"]], warnings=before["warnings"],
                             problems=problems, unchanged=True, phases=phase)
        on_start(len(result.reused))
        for campaign_id in result.reused:
            progress(campaign_id, True)
        phase("unchanged")
        result.seconds = time.perf_counter() - started
        return result
    phase("inputs")
    import coffeerun.validcache  # noqa: F401 - the models, before the workers fork: they inherit them
    from coffeerun.workers import Workers

    workers = Workers(options.jobs or os.cpu_count() or 1)
    workers.start()
    try:
        result = _build(paths, options, secret, cache_dir, digests, records, key, workers, progress, on_start,
                        phase)
        result.phases = phase
    finally:
        workers.close()
    result.seconds = time.perf_counter() - started
    return result


def _build(paths: ProjectPaths, options: BuildOptions, secret: bytes | None, cache_dir: Path | None,
           digests: FileDigests, records: TreeRecords | None, key: str, workers: Any,
           progress: Callable[[str, bool], None], on_start: Callable[[int], None], phase: Phases) -> BuildResult:
    from coffeerun.render.report import report_for_build
    from coffeerun.render.shared import ROOT, shared_theme
    from coffeerun.sitecache import SiteCache, site_key, theme_digest
    from coffeerun.validcache import Validation
    from coffeerun.workers import find_leaks, render_all

    validation = Validation(paths, digests, cache_dir / "validate" if cache_dir else None)
    project = validation.run(options.today, options.campaigns, workers.pool(), workers.count)
    phase("validate")
    result = BuildResult(project, problems=project.problems)
    if project.problems.errors:
        return result
    if secret is None:
        result.warnings.append(f"{tokens.SECRET_ENV} is not set: building preview links that are NOT "
                               "private; set it for anything you share")
        secret = tokens.PREVIEW_SECRET
    base = base_dir(options.out, cache_dir / "publish") if cache_dir is not None else None
    staging = new_staging_dir(options.out, base)
    try:
        plan = make_plan(project, options, secret, staging, cache_dir)
        result.plan = plan
        result.not_built = [(info.id, info.state.kind) for info, _ in plan.skipped]
        result.withheld = [info.id for info, _ in plan.skipped if info.state.kind == "withheld"]
        theme = shared_theme(project.paths, cache_dir) if plan.jobs else None
        report = report_for_build(project, options.today, secret, cache_dir, options.shard)
        phase("plan")
        keys: dict[str, str] = {}
        cache = SiteCache(cache_dir / "sites") if cache_dir else None
        if cache is not None:
            theme_files = theme_digest(digests, [paths.root / "theme", defaults_dir() / "theme"], paths.mkdocs_yml)
            keys = {job.campaign.id: site_key(job, digests, theme_files, validation.digest(job.campaign))
                    for job in plan.jobs}
        wanted = {token: keys[job.campaign.id] for job in plan.jobs if job.campaign.id in keys
                  for token in job.links.sites().values()}
        if theme is not None:
            wanted[ROOT] = theme.folder
        if report is not None:
            wanted[report.token] = report.key
            result.warnings.extend(report.warnings)
        wanted["/"] = sha("root", code_digest(), digests.tree(project.paths.theme_file("root")))
        kept = tidy(staging, records.of(staging), wanted, ROOT_FILES) if records is not None else {}
        phase("keys")

        def meanwhile() -> set[str]:  # while the workers render
            changed = verify(staging, kept)
            if "/" not in kept:
                write_root_files(staging, project.paths)
            if theme is not None and ROOT not in kept:
                theme.write(staging)
            if report is not None and report.token not in kept:
                report.write(staging)
            return changed

        submitted = time.time()
        outcomes = render_all(plan, keys, cache, kept, workers, progress, on_start, meanwhile)
        phase("render")
        built = [o.seconds for o in outcomes.values() if not o.reused]
        if built:  # the workers' share: when the first began after the first was sent, CPU in each step
            phase.update(first_start_delay=round(min(b[0] for b in built) - submitted, 3),
                         assets=round(sum(b[1] for b in built), 3), pages=round(sum(b[2] for b in built), 3))
        for job in plan.jobs:
            outcome = outcomes[job.campaign.id]
            (result.reused if outcome.reused else result.built).append(job.campaign.id)
            result.warnings.extend(outcome.manifest.warnings)
        if options.publish and _text_left_out(result, result.warnings):  # slides missing text are not shipped
            discard(staging)
            return result
        leaks = find_leaks(staging, plan, outcomes)
        if leaks:
            raise RuntimeError("private link leak: " + "; ".join(leaks[:5]))
        phase("leaks")
        folders = _records(staging, plan, outcomes, wanted, kept) if records is not None else {}
        swap_into_place(staging, options.out, keep_previous=base)
        if records is not None:
            records.save(options.out, folders, {"inputs": key, "result": _result_record(result)})
        phase("publish")
        _purge_withdrawn(paths, project, options.today, base, result)
    except BaseException:
        discard(staging)
        raise
    if cache is not None:
        digests.save()
        cache.prune()
    return result
