"""Build-speed benchmark: coffeerun against one `mkdocs build` process per campaign.

A script, not a test. It generates N campaigns from the example project and prints medians of
whole-process timings, the ratios, asset milliseconds per image, output bytes per campaign and the
peak memory of all processes together.

    python benchmarks/build_speed.py                  # 200 campaigns, 3 runs each
    python benchmarks/build_speed.py --campaigns 1000 --runs 1 --only cold-pages,cold-full
"""

from __future__ import annotations

import argparse
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

import psutil

REPO = Path(__file__).resolve().parent.parent
TODAY = "2026-11-23"
TEMPLATES = ("northwind-treasury-close", "kaede-getsuji-kessan")


def make_project(dest: Path, count: int) -> Path:
    """The example project with `count` live campaigns cloned from its live ones."""
    for name in ("content", "theme"):
        shutil.copytree(REPO / name, dest / name)
    shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    (dest / "campaigns").mkdir()
    texts = [(REPO / "campaigns" / f"{t}.yaml").read_text(encoding="utf-8") for t in TEMPLATES]
    for i in range(count):
        text = texts[i % len(texts)]
        text = re.sub(r"^title: (.*)$", lambda m: f"title: {m.group(1)[:100]} #{i}", text, count=1, flags=re.M)
        (dest / "campaigns" / f"bench-{i:04d}.yaml").write_text(text, encoding="utf-8")
    return dest


class PeakMemory:
    """Samples the summed resident memory of a process and all its children."""

    def __init__(self, pid: int):
        self.root = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
                total = 0
                for proc in procs:
                    try:
                        total += proc.memory_info().rss
                    except psutil.Error:
                        pass
                self.peak = max(self.peak, total)
            except psutil.Error:
                pass
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


def coffeerun(project: Path, out: Path, *flags: str) -> list[str]:
    return [sys.executable, "-m", "coffeerun", "build", "--project", str(project), "--out", str(out),
            "--today", TODAY, *flags]


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


def own_bytes(site: Path) -> tuple[int, int]:
    """Bytes in token directories excluding downloads and media, and bytes shared by every site."""
    own = shared = 0
    for path in site.rglob("*"):
        if not path.is_file():
            continue
        rel = path.relative_to(site).parts
        if len(rel[0]) == 32 and len(rel) > 1:
            if "downloads" in rel or path.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp", ".pdf", ".mp4",
                                                              ".vtt", ".webm"):
                continue
            own += path.stat().st_size
        else:
            shared += path.stat().st_size
    return own, shared


def median_of(label: str, runs: int, prepare, command, env) -> tuple[float, int]:
    times, peaks = [], []
    for _ in range(runs):
        prepare()
        seconds, peak = run(command(), env)
        times.append(seconds)
        peaks.append(peak)
        print(f"  {label}: {seconds:.2f}s, peak {peak / 2**20:.0f} MB", file=sys.stderr, flush=True)
    return statistics.median(times), max(peaks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--campaigns", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline-sample", type=int, default=20,
                        help="naive projects actually built per run; the time is scaled to --campaigns "
                             "(0: build all of them)")
    parser.add_argument("--only", default="", help="comma-separated subset of: cold-pages, cold-full, "
                        "one-changed, nothing-changed, baseline")
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    wanted = set(filter(None, args.only.split(","))) or {"cold-pages", "cold-full", "one-changed",
                                                         "nothing-changed", "baseline"}
    work = Path(tempfile.mkdtemp(prefix="coffeerun-bench-"))
    project = make_project(work / "project", args.campaigns)
    cache, out = work / "cache", work / "site"
    env = {**os.environ, "COFFEERUN_SECRET": "benchmark", "COFFEERUN_CACHE_DIR": str(cache)}
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []

    def cold() -> None:
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)

    results: dict[str, tuple[float, int]] = {}
    print(f"{args.campaigns} campaigns in {work}", file=sys.stderr)
    if "cold-pages" in wanted:
        results["cold --no-assets"] = median_of("cold --no-assets", args.runs, cold,
                                                lambda: coffeerun(project, out, "--no-assets", *jobs), env)
    pages = count_pages(out) if out.exists() else 0
    if "cold-full" in wanted or "one-changed" in wanted or "nothing-changed" in wanted:
        results["cold full"] = median_of("cold full", args.runs, cold, lambda: coffeerun(project, out, *jobs), env)
    site_own, site_shared = own_bytes(out)
    pages = pages or count_pages(out)
    images = sum(1 for p in out.rglob("*.png") if "downloads" in p.parts or p.name == "preview.png")
    changed = project / "campaigns" / "bench-0000.yaml"
    original = changed.read_text(encoding="utf-8")
    counter = iter(range(10**6))

    def change_one() -> None:
        changed.write_text(re.sub(r"^title: (.*)$", lambda m: f"{m.group(0)} v{next(counter)}", original,
                                  count=1, flags=re.M), encoding="utf-8")

    if "one-changed" in wanted:
        results["one changed"] = median_of("one changed", args.runs, change_one,
                                           lambda: coffeerun(project, out, *jobs), env)
    if "nothing-changed" in wanted:
        results["nothing changed"] = median_of("nothing changed", args.runs, lambda: None,
                                               lambda: coffeerun(project, out, *jobs), env)
    if "baseline" in wanted:
        per_campaign = max(1, pages // max(1, args.campaigns))
        sample = args.baseline_sample or args.campaigns
        projects = naive_projects(work / "naive", per_campaign, min(sample, args.campaigns))
        times, peak = [], 0
        for _ in range(args.runs):
            total = 0.0
            for naive in projects:
                seconds, mem = run([sys.executable, "-m", "mkdocs", "build", "-q"], env, cwd=naive)
                total += seconds
                peak = max(peak, mem)
            times.append(total * args.campaigns / len(projects))
            print(f"  baseline: {times[-1]:.1f}s (scaled from {len(projects)})", file=sys.stderr, flush=True)
        results["naive mkdocs baseline"] = (statistics.median(times), peak)

    cpu = platform.processor() or platform.machine()
    print(f"\nmachine: {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, {cpu}, "
          f"Python {platform.python_version()}; {args.campaigns} campaigns, median of {args.runs} runs\n")
    print(f"| {'measure':<24} | {'seconds':>8} | {'peak MB':>8} |")
    print(f"|{'-' * 26}|{'-' * 10}|{'-' * 10}|")
    for label, (seconds, peak) in results.items():
        print(f"| {label:<24} | {seconds:>8.2f} | {peak / 2**20:>8.0f} |")
    base = results.get("naive mkdocs baseline", (None,))[0]
    print()
    for label in ("cold --no-assets", "cold full"):
        if base and label in results:
            print(f"baseline / {label}: {base / results[label][0]:.1f}x")
    if "cold full" in results and "cold --no-assets" in results and images:
        jobs_used = args.jobs or os.cpu_count() or 1
        asset_ms = (results["cold full"][0] - results["cold --no-assets"][0]) * 1000 * jobs_used / images
        print(f"asset time: {asset_ms:.0f} ms per image ({images} images, {jobs_used} workers)")
    if args.campaigns:
        print(f"output per campaign (excluding media and downloads): {site_own / args.campaigns / 1000:.0f} KB; "
              f"shared by all: {site_shared / 1000:.0f} KB")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
