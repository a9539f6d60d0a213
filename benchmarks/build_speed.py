"""Build-speed benchmark: coffeerun against one `mkdocs build` process per campaign.

A script, not a test. It generates N live campaigns from the example project's two live ones
(northwind-treasury-close in English, kaede-getsuji-kessan in Japanese) and prints medians of
whole-process timings (python -m coffeerun build …, start-up and imports included), the ratios to
the naive baseline, asset milliseconds per image, output bytes per campaign and the peak memory of
all processes of a build together (the sum of their resident sets, sampled every 20 ms).

What each generated campaign has of its own: its id (so its private links), its title, the text of
its first quote and the value of its first metric; so its share site, kit, preview, title slide, first
quote slide and card, and first metric slide are its own. Everything else is shared with the other
copies of the same template: advocates and their photos, logos, videos, resources, the other quotes
and metrics, the talk track. A build may reuse what is the same by content (encoded photos, slides),
as it would between real campaigns of one account; it may not reuse anything across campaigns by name.

Measures (each a fresh process):
- cold --no-assets / cold full: no output folder and an empty cache before every run (the last run's are moved
  aside, not deleted, until the end: see cold());
- one changed: after the cold full builds, one campaign's title changed before every run;
- nothing changed: the same build again;
- next day, nothing changed: the same project with `--today` one day later each run (the nightly
  build: the store's keys hold no date, so every site and asset is reused);
- naive mkdocs baseline: one plain Material project per campaign with as many pages, `mkdocs build`
  run once per project, one after the other (--baseline-sample of them, scaled to N).

After the runs it prints the size of the store (the cache folder) beside the size of the published
root (apparent bytes, each file once per tree).

    python benchmarks/build_speed.py                  # 200 campaigns, 3 runs each
    python benchmarks/build_speed.py --campaigns 1000 --runs 1 --only cold-full   # the memory figure
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import copy
import datetime as dt
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil
import yaml

REPO = Path(__file__).resolve().parent.parent
TODAY = "2026-11-23"
TEMPLATES = ("northwind-treasury-close", "kaede-getsuji-kessan")
MEASURES = ("cold-pages", "cold-full", "one-changed", "nothing-changed", "next-day", "baseline")


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans, as coffeerun reads them: `approved: {on: …}` keeps its key `on`."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))


def _load(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader


def make_project(dest: Path, count: int) -> Path:
    """The example project with `count` live campaigns made from its live ones (see the docstring)."""
    for name in ("content", "theme"):
        shutil.copytree(REPO / name, dest / name)
    shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    (dest / "campaigns").mkdir()
    templates = [_load((REPO / "campaigns" / f"{t}.yaml").read_text(encoding="utf-8"))
                 for t in TEMPLATES]
    for i in range(count):
        data = copy.deepcopy(templates[i % len(templates)])
        data["title"] = f"{data['title'][:100]} · {i}"
        data["quotes"][0]["text"] = f"{data['quotes'][0]['text']} (site {i})"
        data["metrics"][0]["value"] = f"{i % 97 + 2} × {i // 97 + 1}"
        (dest / "campaigns" / f"bench-{i:04d}.yaml").write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return dest


class PeakMemory:
    """Samples the summed resident memory of a process and all its children every 20 ms.

    The process tree is looked up every 0.2 s and the resident sizes read from /proc every 20 ms (where
    there is a /proc; else psutil each time), so the sampler costs the build it measures little CPU.
    """

    PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

    def __init__(self, pid: int):
        self.root = psutil.Process(pid)
        self.proc = Path(f"/proc/{pid}/statm").exists()
        self.peak = 0
        self._pids = [pid]
        self._looked = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sample(self) -> int:
        now = time.monotonic()
        if not self.proc or now - self._looked > 0.2:
            with contextlib.suppress(psutil.Error):  # the tree changed while we looked: keep the last list
                self._pids = [self.root.pid, *(p.pid for p in self.root.children(recursive=True))]
            self._looked = now
        total = 0
        for pid in self._pids:
            try:
                if self.proc:
                    with open(f"/proc/{pid}/statm") as handle:
                        total += int(handle.read().split()[1]) * self.PAGE
                else:
                    total += psutil.Process(pid).memory_info().rss
            except (OSError, IndexError, ValueError, psutil.Error):
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            time.sleep(0.02)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def run(command: list[str], env: dict[str, str], cwd: Path | None = None) -> tuple[float, int]:
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    memory = PeakMemory(process.pid)
    _, stderr = process.communicate()
    seconds = time.perf_counter() - started
    peak = memory.stop()
    if process.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{stderr.decode(errors='replace')[-2000:]}")
    return seconds, peak


def coffeerun(project: Path, out: Path, *flags: str, today: str = TODAY) -> list[str]:
    return [sys.executable, "-m", "coffeerun", "build", "--project", str(project), "--out", str(out),
            "--today", today, *flags]


def tree_bytes(root: Path) -> int:
    """Apparent size of the files under root, each file (inode) counted once."""
    seen, total = set(), 0
    for path in root.rglob("*"):
        info = path.lstat()
        if path.is_file() and info.st_ino not in seen:
            seen.add(info.st_ino)
            total += info.st_size
    return total


def count_pages(site: Path) -> int:
    return sum(1 for _ in site.rglob("index.html"))


def naive_projects(dest: Path, pages_per_campaign: int, count: int) -> list[Path]:
    """One plain Material project per campaign with the same number of pages."""
    projects = []
    for i in range(count):
        project = dest / f"naive-{i:04d}"
        docs = project / "docs"
        docs.mkdir(parents=True)
        (project / "mkdocs.yml").write_text(f"site_name: Campaign {i}\ntheme:\n  name: material\n",
                                            encoding="utf-8")
        (docs / "index.md").write_text(f"# Campaign {i}\n\nWelcome.\n", encoding="utf-8")
        for page in range(1, pages_per_campaign):
            (docs / f"page-{page}.md").write_text(f"# Page {page}\n\nText of page {page}.\n", encoding="utf-8")
        projects.append(project)
    return projects


MEDIA = (".jpg", ".jpeg", ".png", ".webp", ".pdf", ".mp4", ".vtt", ".webm")


def own_bytes(site: Path) -> tuple[int, int]:
    """Bytes in token directories excluding downloads and media, and bytes shared by every site."""
    own = shared = 0
    for path in site.rglob("*"):
        if not path.is_file():
            continue
        rel = path.relative_to(site).parts
        if len(rel[0]) == 32 and len(rel) > 1:
            if "downloads" in rel or path.suffix.lower() in MEDIA:
                continue
            own += path.stat().st_size
        else:
            shared += path.stat().st_size
    return own, shared


def measure(label: str, runs: int, prepare, command, env) -> tuple[list[float], int]:
    times, peak = [], 0
    for _ in range(runs):
        prepare()
        seconds, memory = run(command(), env)
        times.append(seconds)
        peak = max(peak, memory)
        print(f"  {label}: {seconds:.2f}s, peak {memory / 2**20:.0f} MB", file=sys.stderr, flush=True)
    return times, peak


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{os.cpu_count()} cores ({model}), {psutil.virtual_memory().total / 2**30:.0f} GiB RAM, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--campaigns", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline-sample", type=int, default=20,
                        help="naive projects actually built per run; the time is scaled to --campaigns "
                             "(0: build all of them)")
    parser.add_argument("--only", default="", help="comma-separated subset of: " + ", ".join(MEASURES))
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    wanted = set(filter(None, args.only.split(","))) or set(MEASURES)
    unknown = wanted - set(MEASURES)
    if unknown:
        parser.error(f"unknown measure(s): {', '.join(sorted(unknown))}")
    work = Path(tempfile.mkdtemp(prefix="coffeerun-bench-"))
    project = make_project(work / "project", args.campaigns)
    cache, out = work / "cache", work / "site"
    # As on a user's machine, where Python keeps the compiled modules (pip compiles the libraries' at install):
    # a shell with PYTHONDONTWRITEBYTECODE would compile coffeerun's afresh in every process of every build.
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
           "COFFEERUN_SECRET": "benchmark", "COFFEERUN_CACHE_DIR": str(cache)}
    compileall.compile_dir(REPO / "generator" / "coffeerun", quiet=1)
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []

    aside = work / "aside"
    runs_aside = iter(range(10**6))

    def cold() -> None:
        """No output and no cache: the last run's are moved aside, not deleted, until the benchmark ends.
        Creating files right after deleting a hundred thousand is slow on some file systems (ext4 without
        a journal skips every inode freed in the last minute), and a cold build does not follow a delete."""
        folder = aside / str(next(runs_aside))
        folder.mkdir(parents=True)
        for path in [cache, out, *work.glob(".coffeerun-*")]:
            if path.exists():
                path.rename(folder / path.name)
        settle()

    def settle() -> None:
        """Deleting tens of thousands of files leaves the file system busy for a moment: not the build's."""
        if hasattr(os, "sync"):
            os.sync()
        time.sleep(2)

    results: dict[str, tuple[list[float], int]] = {}
    print(f"{args.campaigns} campaigns in {work}", file=sys.stderr)
    pages = 0
    if "cold-pages" in wanted:
        results["cold --no-assets"] = measure("cold --no-assets", args.runs, cold,
                                              lambda: coffeerun(project, out, "--no-assets", *jobs), env)
        pages = count_pages(out)
    incremental = wanted & {"one-changed", "nothing-changed", "next-day"}
    if "cold-full" in wanted or incremental:
        results["cold full"] = measure("cold full", args.runs if "cold-full" in wanted else 1, cold,
                                       lambda: coffeerun(project, out, *jobs), env)
    site_own, site_shared = own_bytes(out)
    pages = pages or count_pages(out)
    images = sum(1 for p in out.rglob("*.png") if "downloads" in p.parts or p.name == "preview.png")
    changed = project / "campaigns" / "bench-0000.yaml"
    original = _load(changed.read_text(encoding="utf-8"))
    counter = iter(range(1, 10**6))

    def change_one() -> None:
        data = dict(original, title=f"{original['title'][:100]} v{next(counter)}")
        changed.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    if "one-changed" in wanted:
        results["one changed"] = measure("one changed", args.runs, change_one,
                                         lambda: coffeerun(project, out, *jobs), env)
    if "nothing-changed" in wanted:
        results["nothing changed"] = measure("nothing changed", args.runs, lambda: None,
                                             lambda: coffeerun(project, out, *jobs), env)
    if "next-day" in wanted:
        days = iter(range(1, 10**6))
        results["next day, nothing changed"] = measure(
            "next day, nothing changed", args.runs, lambda: None,
            lambda: coffeerun(project, out, *jobs, today=(dt.date.fromisoformat(TODAY) + dt.timedelta(
                days=next(days))).isoformat()), env)
    store_size, root_size = (tree_bytes(cache), tree_bytes(out)) if out.is_dir() else (0, 0)
    if "baseline" in wanted:
        per_campaign = max(1, pages // max(1, args.campaigns)) if pages else 7
        sample = args.baseline_sample or args.campaigns
        projects = naive_projects(work / "naive", per_campaign, min(sample, args.campaigns))
        times, peak = [], 0
        for attempt in range(args.runs):
            total = 0.0
            for naive in projects:  # each run into a folder of its own, as coffeerun's cold runs are
                seconds, mem = run([sys.executable, "-m", "mkdocs", "build", "-q", "--site-dir",
                                    str(naive / f"site-{attempt}")], env, cwd=naive)
                total += seconds
                peak = max(peak, mem)
            times.append(total * args.campaigns / len(projects))
            print(f"  baseline: {times[-1]:.1f}s (scaled from {len(projects)})", file=sys.stderr, flush=True)
        results["naive mkdocs baseline"] = (times, peak)

    print(f"\nmachine: {machine()}\n{args.campaigns} campaigns, median of {args.runs} run(s), "
          f"{args.jobs or os.cpu_count()} worker(s)\n")
    print(f"| {'measure':<25} | {'median s':>8} | {'min s':>7} | {'max s':>7} | {'peak MB':>8} |")
    print(f"|{'-' * 27}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 10}|")
    for label, (times, peak) in results.items():
        print(f"| {label:<25} | {statistics.median(times):>8.2f} | {min(times):>7.2f} | {max(times):>7.2f} | "
              f"{peak / 2**20:>8.0f} |")
    base = statistics.median(results["naive mkdocs baseline"][0]) if "naive mkdocs baseline" in results else None
    print()
    for label in ("cold --no-assets", "cold full"):
        if base and label in results:
            print(f"baseline / {label}: {base / statistics.median(results[label][0]):.1f}x")
    if "cold full" in results and "cold --no-assets" in results and images:
        jobs_used = args.jobs or os.cpu_count() or 1
        extra = statistics.median(results["cold full"][0]) - statistics.median(results["cold --no-assets"][0])
        print(f"asset time: {extra * 1000 * jobs_used / images:.0f} ms per image ({images} images, "
              f"{jobs_used} workers; cold full minus cold --no-assets)")
    if root_size:
        print(f"store: {store_size / 1e6:.0f} MB beside a published root of {root_size / 1e6:.0f} MB "
              f"({store_size / root_size:.2f}x)")
    if args.campaigns and (site_own or site_shared):
        print(f"output per campaign (excluding media and downloads): {site_own / args.campaigns / 1000:.0f} KB; "
              f"shared by all: {site_shared / 1000:.0f} KB")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
