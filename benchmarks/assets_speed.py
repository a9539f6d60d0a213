"""Asset-speed benchmark: milliseconds per slide/card/preview/deck, CPU per campaign, worker memory.

A script, not a test. Each language's campaigns render in a fresh process, as in a build worker:
the first campaign pays for imports and font loading ("cold"), the next ones show the steady state.

    python benchmarks/assets_speed.py                     # 4 campaigns per language, no cache
    python benchmarks/assets_speed.py --profile ja        # cProfile of a steady-state Japanese campaign
    python benchmarks/assets_speed.py --cached            # a shared cache: campaigns sharing quotes
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = {"en": "northwind-treasury-close", "ja": "kaede-getsuji-kessan"}
EPOCH = 1767225600


def make_project(dest: Path, count: int) -> Path:
    """The example project, each template campaign cloned `count` times with its own title."""
    for name in ("content", "theme"):
        shutil.copytree(REPO / name, dest / name)
    shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    (dest / "campaigns").mkdir()
    for lang, template in TEMPLATES.items():
        text = (REPO / "campaigns" / f"{template}.yaml").read_text(encoding="utf-8")
        for i in range(count):
            def retitle(m: re.Match[str], i: int = i) -> str:
                return f"title: {m.group(1)[:100]} (v{i})"

            clone = re.sub(r"^title: (.*)$", retitle, text, count=1, flags=re.M)
            (dest / "campaigns" / f"bench-{lang}-{i:02d}.yaml").write_text(clone, encoding="utf-8")
    return dest


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4096 / 2**20


def child(project: Path, lang: str, count: int, out: Path, cache: bool, profile: bool) -> dict:
    """Runs in a fresh process: render `count` campaigns of one language, one after the other."""
    import datetime as dt
    import resource

    started = time.process_time()
    from coffeerun import api
    from coffeerun.plan import CampaignJob
    from coffeerun.render.assets import build_assets
    from coffeerun.tokens import campaign_links

    import_cpu = time.process_time() - started
    valid = api.check(project, today=dt.date(2026, 11, 23))
    infos = sorted((c for c in valid.campaigns if c.id.startswith(f"bench-{lang}-")), key=lambda c: c.id)
    runs = []
    for n, info in enumerate(infos[:count]):
        links = campaign_links(b"bench", info.id, info.model.link_version, "https://example.test/")
        job = CampaignJob(campaign=info, brand_data=valid.brand.model_dump(mode="json"), brand_logo=valid.brand_logo,
                          project=valid.paths,
                          links=links, today=dt.date(2026, 11, 23), share_dir=out / info.id / "share",
                          kit_dir=out / info.id / "kit", cache_dir=out / "cache" if cache else None,
                          source_date_epoch=EPOCH)
        profiler = None
        if profile and n == count - 1:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        cpu, wall = time.process_time(), time.perf_counter()
        result = build_assets(job)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if profiler is not None:
            import pstats

            profiler.disable()
            order = os.environ.get("PROFILE_SORT", "cumulative")
            pstats.Stats(profiler, stream=sys.stderr).sort_stats(order).print_stats(45)
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
        slides = sorted((job.downloads_dir / "slides").glob("*.png"))
        runs.append({"cpu_ms": cpu * 1000, "wall_ms": wall * 1000, "timings": result.timings_ms,
                     "rendered": len(result.rendered), "rss_mb": rss_mb(),
                     "slide_bytes": [p.stat().st_size for p in slides],
                     "card_bytes": [p.stat().st_size for p in (job.downloads_dir / "cards").glob("*.png")],
                     "pptx_bytes": (job.downloads_dir / "deck.pptx").stat().st_size,
                     "pdf_bytes": (job.downloads_dir / "deck.pdf").stat().st_size})
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"import_cpu_ms": import_cpu * 1000, "peak_rss_mb": peak, "runs": runs}


def summary(lang: str, data: dict) -> None:
    runs = data["runs"]
    warm = runs[1:] or runs

    def per(kind: str) -> float:
        values = []
        for run in warm:
            for name, ms in run["timings"].items():
                if (kind == "slide" and name.startswith("slides/")) or (kind == "card" and name.startswith("cards/")) \
                        or name == kind:
                    values.append(ms)
        return statistics.median(values) if values else float("nan")

    slide_bytes = [b for run in warm for b in run["slide_bytes"]]
    print(f"[{lang}] imports {data['import_cpu_ms']:.0f} ms CPU; first campaign {runs[0]['cpu_ms']:.0f} ms CPU "
          f"({runs[0]['wall_ms']:.0f} wall); next: median {statistics.median(r['cpu_ms'] for r in warm):.0f} ms CPU, "
          f"outputs rendered {warm[-1]['rendered']}")
    print(f"[{lang}] ms per output (median, steady state): slide {per('slide'):.1f}, card {per('card'):.1f}, "
          f"preview {per('preview.png'):.1f}, pptx {per('deck.pptx'):.1f}, pdf {per('deck.pdf'):.1f}")
    if slide_bytes:
        print(f"[{lang}] PNG bytes per slide: mean {statistics.mean(slide_bytes) / 1024:.0f} KiB "
              f"(min {min(slide_bytes) / 1024:.0f}, max {max(slide_bytes) / 1024:.0f}); "
              f"pptx {warm[-1]['pptx_bytes'] / 1024:.0f} KiB, pdf {warm[-1]['pdf_bytes'] / 1024:.0f} KiB")
    print(f"[{lang}] worker peak RSS {data['peak_rss_mb']:.0f} MB; RSS after each campaign: "
          + ", ".join(f"{r['rss_mb']:.0f}" for r in runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--campaigns", type=int, default=4, help="campaigns per language (per process)")
    parser.add_argument("--langs", default="en,ja")
    parser.add_argument("--profile", default="", help="a language to profile (its last campaign)")
    parser.add_argument("--cached", action="store_true", help="one cache shared by a language's campaigns")
    parser.add_argument("--child", nargs=3, metavar=("PROJECT", "LANG", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        project, lang, out = args.child
        data = child(Path(project), lang, args.campaigns, Path(out), args.cached, args.profile == lang)
        print(json.dumps(data))
        return
    with tempfile.TemporaryDirectory(prefix="assets-bench-") as temp:
        project = make_project(Path(temp) / "project", args.campaigns)
        for lang in args.langs.split(","):
            command = [sys.executable, __file__, "--campaigns", str(args.campaigns), "--child", str(project), lang,
                       str(Path(temp) / f"out-{lang}")]
            if args.cached:
                command.append("--cached")
            if args.profile:
                command += ["--profile", args.profile]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise SystemExit(done.stderr[-3000:])
            if args.profile == lang:
                print(done.stderr)
            summary(lang, json.loads(done.stdout.splitlines()[-1]))


if __name__ == "__main__":
    main()
