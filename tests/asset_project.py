"""The small project the asset and deck tests build: one campaign with long, Japanese and emoji quotes."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from PIL import Image

from coffeerun import api
from coffeerun.plan import CampaignJob
from coffeerun.project import ProjectPaths
from coffeerun.tokens import campaign_links
from tests.conftest import REPO, TODAY

SITE_URL = "https://advocates.vendor.example/"
EPOCH = 1767225600  # 2026-01-01 00:00 UTC
LONG_QUOTE = (
    "Before we switched, month-end meant nine business days, two lost weekends and forty-one bank "
    "reconciliations living in spreadsheets that only three people could fix. Now the statements land "
    "overnight, most lines are matched before I finish my coffee, and my team spends its time on the "
    "exceptions that actually need judgement. The close takes three days, auditors log in and find the "
    "evidence themselves, and for the first time in years nobody on my team dreads the last week of the "
    "month, which I did not think I would ever say out loud in a room full of controllers, honestly, "
    "but here we are."
)
JAPANESE_QUOTE = ("以前は月次決算に8営業日かかり、締めの週は毎晩遅くまで残業していました。今は4営業日で締まり、"
                  "経理部のメンバーが分析や予算の相談に時間を使えるようになりました。")
EMOJI_QUOTE = "We ship twice as fast now 🚀🎉 and the whole team is happier 👩‍💻👍🏽"
HUGE_QUOTE = " ".join([LONG_QUOTE] * 4)

CAMPAIGN = f"""
title: How Acme's finance team closes the books in three days, without the weekend
account: acme
status: live
starts: 2026-11-01
expires: 2027-06-30
owner: {{name: Dana Whitfield, email: dana@vendor.example}}
audiences:
  - {{id: finance, name: Finance & Treasury}}
  - {{id: it, name: IT & Security}}
advocates:
  - id: ana-silva
    name: Ana Silva
    title: VP, Treasury Operations
    department: finance
    photo: content/media/ana.jpg
    consent: {{granted: 2026-10-01, expires: 2027-10-01}}
  - id: ben-okafor
    name: Ben Okafor
    title: Director, Information Security
    department: it
    consent: {{granted: 2026-10-01, expires: 2027-10-01}}
quotes:
  - by: ana-silva
    text: "{LONG_QUOTE}"
    highlight: 9 days → 3
    audiences: [finance]
  - by: ben-okafor
    text: Life changing.
    audiences: [it]
  - by: ana-silva
    text: "{JAPANESE_QUOTE}"
    highlight: 8営業日 → 4営業日
  - by: ben-okafor
    text: "{EMOJI_QUOTE}"
    highlight: Twice as fast 🚀
  - by: ana-silva
    text: "{HUGE_QUOTE}"
metrics:
  - {{value: 3 days, label: "to close the books, down from 9", by: ana-silva}}
  - {{value: "99.9%", label: of bank lines matched automatically every night}}
talk_track:
  opener: I want to show you what **changed** for us.
  points:
    - say: POINT-EVERYWHERE we close in three days.
    - say: POINT-FINANCE the auditors find the evidence themselves.
      audiences: [finance]
    - say: POINT-IT single sign-on and an audit log from day one.
      audiences: [it]
  objections:
    - question: We already have a tool for this.
      answer: OBJECTION-ANSWER we had one too.
  ask: ASK-TEXT would 20 minutes with Jordan help?
contacts:
  - name: Jordan Lee
    role: Account Executive
    email: jordan@vendor.example
    booking: https://cal.vendor.example/jordan
"""

LOGO = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 64" width="240" height="64">
<rect x="4" y="4" width="56" height="56" rx="12" fill="#5B21B6"/><circle cx="32" cy="32" r="14" fill="#F59E0B"/>
<rect x="72" y="20" width="150" height="24" rx="6" fill="#5B21B6"/></svg>"""


def make_project(root: Path, campaign: str = CAMPAIGN) -> Path:
    shutil.copytree(REPO / "theme", root / "theme")
    account = root / "content" / "accounts" / "acme"
    account.mkdir(parents=True)
    (account / "account.yaml").write_text("name: Acme Corp\nlogo: logo.svg\n"
                                          'colors: {primary: "#5B21B6", accent: "#F59E0B"}\n')
    (account / "logo.svg").write_text(LOGO)
    media = root / "content" / "media"
    media.mkdir(parents=True)
    photo = Image.linear_gradient("L").resize((320, 400)).convert("RGB")
    photo.save(media / "ana.jpg", quality=80)
    (root / "campaigns").mkdir()
    (root / "campaigns" / "acme-close.yaml").write_text(campaign, encoding="utf-8")
    return root


def make_job(project: Path, out: Path, cache: Path | None, campaign_id: str = "acme-close") -> CampaignJob:
    valid = api.check(project, today=TODAY)
    assert not valid.problems.errors, [p.format() for p in valid.problems.errors]
    info = next(c for c in valid.campaigns if c.id == campaign_id)
    links = campaign_links(b"test-secret", info.id, info.model.link_version, SITE_URL)
    return CampaignJob(campaign=info, brand_data=valid.brand.model_dump(mode="json"), brand_logo=valid.brand_logo,
                       project=ProjectPaths(project),
                       links=links, today=TODAY, share_dir=out / "share", kit_dir=out / "kit", cache_dir=cache,
                       source_date_epoch=EPOCH)


def slide_pngs(job: CampaignJob) -> list[Path]:
    return sorted((job.downloads_dir / "slides").glob("*.png"))


def deck(job: CampaignJob):
    from pptx import Presentation

    return Presentation(str(job.downloads_dir / "deck.pptx"))


def slide_texts(slide) -> str:
    return "\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)


def notes_of(slide) -> str:
    return slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else ""


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def quote_layout(frame):
    """A quote slide's or card's quote text: the big one, or the smaller one beneath a highlight."""
    return frame.texts.get("quote") or frame.texts["quote_small"]
