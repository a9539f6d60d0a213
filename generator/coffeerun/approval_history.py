"""What changed since an advocate approved: the git version whose approval code they approved, diffed."""

from __future__ import annotations

import subprocess
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from coffeerun.load import LoadError, parse_yaml
from coffeerun.models import Campaign

if TYPE_CHECKING:
    from coffeerun.approval import AdvocateApproval

MAX_VERSIONS = 200  # commits looked at per campaign: an approval is rarely older
LIST_SECTIONS = {"quotes": ("quote", "text"), "metrics": ("metric", "value"), "videos": ("video", "title")}


class Git:
    """Read-only git at a project root; every method gives None when git cannot tell."""

    def __init__(self, root: Path):
        self.root = root

    def run(self, *args: str) -> bytes | None:
        try:
            done = subprocess.run(["git", "-C", str(self.root), *args],  # noqa: S603, S607 - git from PATH, no shell
                                  capture_output=True, timeout=30, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout if done.returncode == 0 else None

    def commits(self, paths: list[str]) -> list[str]:
        out = self.run("log", f"--max-count={MAX_VERSIONS}", "--format=%H", "--", *paths)
        return out.decode().split() if out else []

    def show(self, commit: str, rel: str) -> bytes | None:
        return self.run("show", f"{commit}:./{rel}")


def _campaign_at(git: Git, commit: str, source: str) -> Campaign | None:
    """The campaign as it was in commit, `use:` profiles merged from the same commit; None if unusable."""
    raw = git.show(commit, source)
    try:
        data = parse_yaml(raw.decode("utf-8-sig"), source).data if raw else None
    except (LoadError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    for section, folder in (("advocates", "content/advocates"), ("resources", "content/resources")):
        items = data.get(section)
        if isinstance(items, list):
            data[section] = [_merged(git, commit, folder, item) for item in items]
    try:
        return Campaign.model_validate(data)
    except ValidationError:
        return None


def _merged(git: Git, commit: str, folder: str, item: Any) -> Any:
    if not isinstance(item, dict) or not isinstance(item.get("use"), str):
        return item
    ref = item["use"]
    raw = git.show(commit, f"{folder}/{ref}.yaml")
    try:
        profile = parse_yaml(raw.decode("utf-8-sig"), ref).data if raw else None
    except (LoadError, UnicodeDecodeError):
        profile = None
    own = {k: v for k, v in item.items() if k != "use"}
    merged = {**(profile if isinstance(profile, dict) else {}), **own}
    if folder.endswith("advocates"):
        merged.setdefault("id", ref)
    return merged


def _short(text: Any, limit: int = 50) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Which items of a published_about record changed, in words: `title`, `quote "…" changed`, …"""
    out = [key for key in ("name", "title", "department", "photo", "slides") if before.get(key) != after.get(key)]
    for section, (kind, label) in LIST_SECTIONS.items():
        old, new = before.get(section) or [], after.get(section) or []
        for i in range(max(len(old), len(new))):
            a = old[i] if i < len(old) else None
            b = new[i] if i < len(new) else None
            if a == b:
                continue
            if a is None and b is not None:
                out.append(f'{kind} "{_short(b[label])}" added')
            elif b is None and a is not None:
                out.append(f'{kind} "{_short(a[label])}" removed')
            elif a is not None and b is not None:
                fields = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
                out.append(f'{kind} "{_short(b[label])}" changed ({", ".join(fields)})')
    return out


def changes_since_approval(root: Path, source: str, campaign: Campaign, items: list[AdvocateApproval]) -> None:
    """Fill `changed` of each `changed` item from the newest git version whose code is the approved one;
    items whose approved version is not found (or outside git) keep changed=None."""
    from coffeerun.approval import CHANGED, code_of, published_about

    wanted = {i.advocate: i for i in items if i.state == CHANGED}
    git = Git(root)
    profiles = [f"content/advocates/{a}.yaml" for a in wanted]
    paths = [source, *(p for p in profiles if (root / p).is_file())]
    paths += sorted({a.photo for a in campaign.advocates if a.id in wanted and a.photo})
    for commit in git.commits(paths):
        if not wanted:
            break
        old = _campaign_at(git, commit, source)
        if old is None:
            continue
        present = {a.id for a in old.advocates}
        for advocate, item in list(wanted.items()):
            if advocate not in present:
                continue
            record = published_about(old, advocate, partial(git.show, commit))
            if code_of(record) == item.approved_code:
                item.changed = describe_changes(record, item.record)
                del wanted[advocate]
