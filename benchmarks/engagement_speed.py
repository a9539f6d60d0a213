"""Engagement-speed benchmark: GB of access logs counted per minute, and the peak memory of the run.

A script, not a test. It writes a project with the example campaigns and generated logs in /tmp (several
GB: --gb), runs `coffeerun engagement` on them in a fresh process, prints GB/min and the process's peak
resident memory, and deletes everything it wrote.

The traffic is what a busy host sees: most lines are another site's pages and the coffeerun sites' styles,
scripts and images; 5% are bots and link previews, 2% HEAD requests, 2% 404s; --visits of them (5% by
default) are colleagues opening share pages (plain link, audience pages, attributed links) and advocates
opening kits, over 28 days, with a few thousand distinct readers a day. Page views are the costly lines
(two keyed hashes each) and what memory grows with; the time of the others is what the size costs.
On a shared machine the clock says little: the CPU time of the process is printed too.

    python benchmarks/engagement_speed.py                      # 3 GB combined log
    python benchmarks/engagement_speed.py --gb 1 --format json # Cloudflare JSON lines
    python benchmarks/engagement_speed.py --gb 1 --gzip        # a .gz log (decompression included)
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.engagement_logs import CHROME, IPHONE, NOT_PEOPLE, Hit  # noqa: E402


def site_paths(root: Path) -> list[str]:
    """Share, audience, attributed and kit paths of every example campaign (preview secret)."""
    from coffeerun import tokens
    from coffeerun.validate import validate_project

    paths = []
    for info in validate_project(root, dt.date(2027, 1, 15)).campaigns:
        version = info.model.link_version
        share = tokens.token(tokens.PREVIEW_SECRET, info.id, "share", version)
        paths += [f"/{share}/", *(f"/{share}/{a.id}/" for a in info.model.audiences), f"/{share}/next-steps/"]
        paths += [f"/{share}/from/{a.id}/" for a in info.model.advocates]
        paths.append(f"/{tokens.token(tokens.PREVIEW_SECRET, info.id, 'kit', version)}/")
    return paths


def write_logs(folder: Path, pages: list[str], size: int, fmt: str, compress: bool, visits: float) -> Path:
    rng = random.Random(7)  # noqa: S311 - made-up traffic, not a secret
    agents = [CHROME.replace("131", str(v)) for v in range(100, 140)] + [IPHONE]
    assets = ["assets/coffeerun/site.css", "assets/coffeerun/site.js", "palette.css", "preview.png"]
    start = dt.datetime(2027, 2, 1, tzinfo=dt.UTC)
    target = folder / f"access.{'log' if fmt == 'combined' else 'json'}{'.gz' if compress else ''}"
    handle = gzip.open(target, "wt", compresslevel=1) if compress else target.open("w")  # noqa: SIM115
    written, second = 0, 0
    with handle:
        while written < size:
            lines = []
            for _ in range(20_000):
                second += 1
                when = start + dt.timedelta(seconds=(second * 7) % (28 * 86400))
                roll = rng.random()
                ip = f"10.{rng.randrange(4)}.{rng.randrange(40)}.{rng.randrange(30)}"  # ~4,800 readers
                agent = rng.choice(agents)
                page = rng.choice(pages)
                if roll < visits:
                    hit = Hit(when, ip, page, agent, status=rng.choice((200, 200, 200, 304)))
                elif roll < visits + 0.05:
                    hit = Hit(when, ip, page, rng.choice(NOT_PEOPLE))
                elif roll < visits + 0.07:
                    hit = Hit(when, ip, page, agent, method="HEAD")
                elif roll < visits + 0.09:
                    hit = Hit(when, ip, page + "missing/", agent, status=404)
                elif roll < 0.6:
                    hit = Hit(when, ip, page + rng.choice(assets), agent)
                else:
                    hit = Hit(when, ip, f"/blog/post-{rng.randrange(5000)}.html", agent)
                lines.append(hit.combined() if fmt == "combined" else hit.cloudflare())
            text = "\n".join(lines) + "\n"
            handle.write(text)
            written += len(text)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gb", type=float, default=3.0, help="log size in GB (uncompressed)")
    parser.add_argument("--format", choices=("combined", "json"), default="combined")
    parser.add_argument("--gzip", action="store_true")
    parser.add_argument("--visits", type=float, default=0.05,
                        help="share of lines that are colleagues opening a page (the costly ones; default 0.05)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="coffeerun-engagement-", dir="/tmp"))
    try:
        root = work / "project"
        root.mkdir()
        for name in ("campaigns", "content", "theme"):
            shutil.copytree(REPO / name, root / name)
        shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
        print(f"writing {args.gb:g} GB of {args.format} logs{' (gzip)' if args.gzip else ''} in {work} ...",
              flush=True)
        log = write_logs(work, site_paths(root), int(args.gb * 1e9), args.format, args.gzip, args.visits)
        size = args.gb * 1e9
        env = {k: v for k, v in os.environ.items() if k != "COFFEERUN_SECRET"}
        started = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "coffeerun", "engagement", "--project", str(root), str(log)],
                             capture_output=True, text=True, env=env)
        seconds = time.perf_counter() - started
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu, peak = usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024
        print(run.stdout + run.stderr, end="")
        if run.returncode:
            sys.exit(run.returncode)
        print(f"{size / 1e9:.2f} GB ({args.visits:.0%} page views) in {seconds:.1f} s wall, {cpu:.1f} s CPU (the "
              f"command and its worker processes): {size / 1e9 / seconds * 60:.2f} GB/min by the clock, "
              f"{size / 1e9 / cpu * 60:.2f} GB/min per CPU; peak memory of one process {peak:.0f} MB; load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
