"""Reuse or render: every campaign's sites into the staging folder, kept from the output's twin, linked
from the store, or rendered by the workers and then kept in the store; each with its site key."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coffeerun import publish
from coffeerun.digests import FileDigests, sha, system_fonts
from coffeerun.leaks import Scan
from coffeerun.plan import BuildPlan, CampaignJob
from coffeerun.project import defaults_dir
from coffeerun.store import Entry, Store, key

if TYPE_CHECKING:
    from coffeerun.workers import Rendered, Workers

Progress = Callable[[str, bool], None]


@dataclass(frozen=True)
class Outcome:
    """One campaign's sites in the staging tree: rendered now or reused, with what the leak check needs."""

    scans: dict[str, Scan]  # per site (tokens.Links.sites): "share", "kit", "kit:<advocate>"
    warnings: list[str]
    reused: bool



def site_key(job: CampaignJob, digests: FileDigests, theme: str) -> str:
    """What one campaign's sites are made from: its data and every project file it names (by content),
    the brand, theme/ and mkdocs.yml (`theme`), the fonts, its links (every site), whether its downloads
    are made, SOURCE_DATE_EPOCH and the recognition figures its kits show. Not today: nothing rendered
    depends on it (a publish state that changes makes another plan, not other sites)."""
    from coffeerun.render.recognition import recognition_key

    found, root = job.validated, job.project.root
    if found is None:
        raise ValueError(f"{job.id}: a job of a build plan has its validated campaign")
    logos = [digests(Path(p)) if p else "" for p in (found.digest.account_logo, job.brand_logo)]
    return key("sites", theme, found.digest.data, [(rel, digests(root / rel)) for rel in found.digest.files], logos,
               job.brand_data, [sorted(job.links.sites().items()), job.links.site_url],
               job.with_assets, job.source_date_epoch, system_fonts() if job.with_assets else "",
               recognition_key(root, job.id))


def site_keys(plan: BuildPlan, digests: FileDigests, settings: str | None = None) -> dict[str, str]:
    """Per token folder of the plan, the key of the sites of its campaign; `settings`: mkdocs.yml's
    settings_digest when known already."""
    if not plan.jobs:
        return {}
    root = plan.jobs[0].project
    from coffeerun.siteconfig import settings_digest

    theme = sha(digests.tree(root.root / "theme"), digests.tree(defaults_dir() / "theme"), digests(root.mkdocs_yml),
                settings or settings_digest(root.mkdocs_yml))  # !ENV values and INHERITed files included
    keys: dict[str, str] = {}
    for job in plan.jobs:
        site = site_key(job, digests, theme)
        keys.update((token, site) for token in job.links.sites().values())
    return keys


def outcome_records(outcomes: dict[str, Outcome], keys: dict[str, str], plan: BuildPlan) -> dict[str, dict]:
    """Per site key, what the leak check needs of it (kept in the build's record: see known_outcomes)."""
    return {keys[job.links.share_token]: {"scans": {n: vars(found) for n, found in outcomes[job.id].scans.items()},
                                          "warnings": outcomes[job.id].warnings} for job in plan.jobs}


def known_outcomes(records: Any) -> dict[str, Outcome]:
    """The outcomes the last build recorded by site key (outcome_records), those that parse."""
    known = {}
    for site, record in (records.items() if isinstance(records, dict) else []):
        try:
            scans = {str(name): Scan.from_json(found) for name, found in record["scans"].items()}
            if all(isinstance(w, str) for w in record["warnings"]):
                known[str(site)] = Outcome(scans, list(record["warnings"]), reused=True)
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    return known


@dataclass
class UnderWay:
    """What reuse_or_render leaves to finish_sites: the outcomes so far, and the workers' renders to wait for."""

    outcomes: dict[str, Outcome]
    untouched: set[str]  # token folders kept from the twin as they were
    rendering: Iterator[tuple[CampaignJob, Rendered]]


def reuse_or_render(plan: BuildPlan, keys: dict[str, str], store: Store, workers: Workers, staging: Path,
                    had: dict[str, str], progress: Progress, on_start: Callable[[int], None],
                    recorded: dict[str, Outcome] | None = None) -> UnderWay:
    """Every campaign's sites into staging: kept when staging (the output's twin) has them from the same
    key (`had`), else linked from the store when it has them intact, else rendered by the workers (while
    this process links the others; finish_sites waits for them and keeps them in the store). `recorded`:
    the outcomes the last build recorded by site key (known_outcomes), so that a kept site's record need not
    be read."""
    kept = publish.tidy(staging, keys, had)  # nothing else stays: what is written next is a new file
    found: dict[str, tuple[Entry | None, bool]] = {}
    outcomes: dict[str, Outcome] = {}
    for job in plan.jobs:
        tokens_of = tuple(job.links.sites().values())
        whole = all(token in kept for token in tokens_of)
        site = keys[job.links.share_token]
        if whole and recorded and site in recorded and set(recorded[site].scans) == set(job.links.sites()):
            store.used.add(("sites", site))  # kept by the pruner like a record read
            outcomes[job.id] = recorded[site]
            found[job.id] = (None, True)
            continue
        entry = _site_entry(store, site, set(job.links.sites()), check_files=not whole)
        if entry is None or not whole:
            for token in tokens_of:
                if token in kept:
                    shutil.rmtree(staging / token)
            whole = False
        found[job.id] = (entry, whole)
    misses = [job for job in plan.jobs if found[job.id][0] is None and job.id not in outcomes]
    rendering = workers.render(misses)  # submitted now; rendered in this process as it is iterated
    on_start(len(plan.jobs))
    for job in plan.jobs:
        entry, whole = found[job.id]
        if job.id in outcomes:
            progress(job.id, True)
        elif entry is not None:
            outcomes[job.id] = _stored_outcome(entry) if whole else _link_site(store, entry, job)
            progress(job.id, True)
    untouched = {token for job in plan.jobs if found[job.id][1] for token in job.links.sites().values()}
    return UnderWay(outcomes, untouched, rendering)


def finish_sites(underway: UnderWay, keys: dict[str, str], store: Store, progress: Progress
                 ) -> tuple[dict[str, Outcome], set[str]]:
    """Wait for the workers' renders and keep them in the store. Returns every campaign's outcome and the
    token folders kept as they were."""
    outcomes = dict(underway.outcomes)
    for job, rendered in underway.rendering:
        outcomes[job.id] = _keep_site(store, keys[job.links.share_token], job, rendered)
        progress(job.id, False)
    return outcomes, underway.untouched


def _site_entry(store: Store, site: str, names: set[str], check_files: bool = True) -> Entry | None:
    """A stored campaign's sites, exactly `names` (tokens.Links.sites), whose every file name is a plain relative
    path inside its site (else not trusted)."""
    entry = store.get("sites", site, check_files)
    if entry is None:
        return None
    try:
        sites = {site: Scan.from_json(found) for site, found in entry.meta["scans"].items()}
        ok = all(isinstance(w, str) for w in entry.meta["warnings"]) and set(sites) == names
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    for name in entry.files:
        kind, _, rel = name.partition("/")
        parts = rel.split("/")
        ok = ok and kind in sites and all(p not in ("", ".", "..") for p in parts) and "\\" not in rel
    return entry if ok else None


def _link_site(store: Store, entry: Entry, job: CampaignJob) -> Outcome:
    roots = job.site_dirs()
    made: set[Path] = set()
    for root in roots.values():
        root.mkdir()
        made.add(root)
    for name in sorted(entry.files):
        kind, _, rel = name.partition("/")
        dest = roots[kind] / rel
        if dest.parent not in made:
            dest.parent.mkdir(parents=True, exist_ok=True)
            made.add(dest.parent)
        store.link(entry, name, dest)
    return _stored_outcome(entry)


def _stored_outcome(entry: Entry) -> Outcome:
    meta = entry.meta
    return Outcome({site: Scan.from_json(found) for site, found in meta["scans"].items()}, list(meta["warnings"]),
                   reused=True)


def _keep_site(store: Store, site: str, job: CampaignJob, rendered: Rendered) -> Outcome:
    """Put what the worker would keep (images, decks, encoded media) and the two sites into the store."""
    for namespace, k, meta, kept_files in rendered.kept:
        store.put(namespace, k, meta, kept_files)
    for namespace, k in rendered.hits:
        store.used.add((namespace, k))
    files: dict[str, Path | bytes] = {}
    for kind, root in job.site_dirs().items():
        for folder, _dirs, names in os.walk(root):
            rel = os.path.relpath(folder, root).replace(os.sep, "/")
            for name in names:
                files[f"{kind}/{name}" if rel == "." else f"{kind}/{rel}/{name}"] = Path(folder, name)
    store.put("sites", site, {"scans": {name: vars(found) for name, found in rendered.scans.items()},
                              "warnings": rendered.warnings}, files)
    return Outcome(rendered.scans, rendered.warnings, reused=False)
