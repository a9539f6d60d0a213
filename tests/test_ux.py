"""What readers see: reflowed messages, phrase breaks, translated footer, drawn posters, separators, lists."""

from __future__ import annotations

import importlib.util
import io
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from PIL import Image

from coffeerun.render.assets.layout import segments
from coffeerun.render.textflow import break_phrases, phrases, reflow


def _pages_helpers():
    spec = importlib.util.spec_from_file_location("coffeerun_test_pages_ux", Path(__file__).with_name("test_pages.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The example, with the Japanese campaign's first video left without a poster, rendered."""
    helpers = _pages_helpers()
    base = tmp_path_factory.mktemp("ux")
    root = helpers.copy_example(base / "project")
    kaede = root / "campaigns" / "kaede-getsuji-kessan.yaml"
    text = kaede.read_text(encoding="utf-8")
    kaede.write_text(text.replace("    poster: content/media/posters/kaede-misaki-sato.jpg\n", "", 1), encoding="utf-8")
    return helpers.render_project(root, base / "out")


# -- messages --------------------------------------------------------------------------------------

def test_a_line_break_inside_a_paragraph_becomes_a_space_and_blank_lines_stay():
    text = "Hi {colleague},\n\nTreasury closes in three days\ninstead of nine.\n\n- one\n- two\n\nThanks,\n{advocate}"
    assert reflow(text) == ("Hi {colleague},\n\nTreasury closes in three days instead of nine.\n\n- one\n- two\n\n"
                            "Thanks, {advocate}")


def test_japanese_lines_join_without_a_space():
    assert reflow("月次決算が\n4営業日に\nなりました。") == "月次決算が4営業日になりました。"
    assert reflow("経理部の\nTallybrook導入") == "経理部のTallybrook導入"
    assert reflow("Tallybrook\nand more") == "Tallybrook and more"


def test_email_preview_copy_and_mailto_carry_reflowed_paragraphs(rendered):
    job = rendered["northwind-treasury-close"]
    kit = (job.kit_dir / "index.html").read_text(encoding="utf-8")
    body = re.search(r'class="cr-message__body" id="message-1-priya-raman-body">(.*?)</div>', kit, re.S).group(1)
    assert "three days instead of nine. We did it with Tallybrook" in body  # preview and copied text
    mailto = re.search(r'href="(mailto:\?subject=How%20Treasury[^"]*)"', kit).group(1).replace("&amp;", "&")
    mail = unquote(urlsplit(mailto).query.split("body=", 1)[1])
    assert "three days instead of nine. We did it with Tallybrook, and I think parts" in mail
    assert "\r\n\r\n" in mail and "nine.\r\nWe" not in mail


# -- Japanese and Chinese line breaking ------------------------------------------------------------

def test_pages_get_break_opportunities_between_phrases_only_in_japanese_text():
    html = '<p class="x">月次決算を4営業日に短縮した方法 &amp; <b>ok</b></p><code>決算処理</code>'
    out = break_phrases(html, "ja")
    assert "月次決算を<wbr>4営業日に<wbr>短縮した<wbr>方法" in out
    assert "決<wbr>算" not in out and "<code>決算処理</code>" in out and "&amp;" in out
    assert break_phrases(html, "en") == html


def test_escaped_markup_stays_escaped_after_phrase_breaking():
    out = break_phrases("<p>&lt;script&gt;月次決算を4営業日に短縮した方法&lt;/script&gt;</p>", "ja")
    assert "<script>" not in out and "&lt;script&gt;" in out


def test_phrase_breaks_leave_tags_scripts_comments_and_quoted_attributes_as_written():
    words = "月次決算を4営業日に短縮した方法"
    html = (f'<p title="{words} > x">{words}</p><!-- {words} --><script>if (a<b) x="<p>{words}</p>"</script>'
            f"<svg/><pre>{words}</pre><p>{words}</p>")
    out = break_phrases(html, "ja")
    assert out.count("<wbr>") == 2 * break_phrases(f"<p>{words}</p>", "ja").count("<wbr>") > 0
    assert out.replace("<wbr>", "") == html  # nothing else changed
    assert f'<p title="{words} > x">' in out and f"<!-- {words} -->" in out and f"<pre>{words}</pre>" in out


def test_phrase_breaks_are_those_of_reading_the_markup_token_by_token():
    """break_phrases splits the markup in one pass; the result is that of walking it token by token (each text
    between two pieces of markup broken on its own), for random mixes of tags, quotes, comments and code."""
    import random

    from coffeerun.render import textflow

    def by_tokens(markup: str) -> str:
        out, end = [], 0
        for found in textflow._MARKUP.finditer(markup):
            out += [textflow._break_text(markup[end:found.start()], "ja") if textflow._SCRIPT.search(
                markup[end:found.start()]) else markup[end:found.start()], found.group(0)]
            end = found.end()
        rest = markup[end:]
        return "".join(out) + (textflow._break_text(rest, "ja") if textflow._SCRIPT.search(rest) else rest)

    pieces = ["<", ">", '"', "'", "/", "a", " ", "\n", "!", "-", "<script>", "</script>", '<style x="a>b">', "</style>",
              "<!--", "-->", "<code>", "</code >", "<br/>", "=", "月次決算を", "短縮した", "&amp;", "&#12354;",
              '<p title="日本語">', "</p>", "<pre/>"]
    rng = random.Random(7)  # noqa: S311 - reproducible test inputs, not secrets
    for _ in range(20000):
        markup = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 20)))
        assert break_phrases(markup, "ja") == by_tokens(markup), markup


def test_a_last_phrase_of_one_character_stays_with_the_one_before():
    assert all(len(p) > 1 for p in phrases("経理部の取り組みです。本", "ja")[-1:])


def test_slides_break_japanese_between_phrases_never_inside_a_word():
    pieces = segments("経理部長が語る、月次決算が4営業日になるまで")
    assert pieces == ("経理部長が", "語る、", "月次決算が", "4営業日に", "なるまで")
    assert segments("We went from ten days to three.")[0] == "We "


def test_a_slide_line_never_ends_with_one_lone_character():
    from coffeerun.render.assets.fonts import FontBook
    from coffeerun.render.assets.layout import Fitter

    fitter = Fitter(FontBook("ja"))
    paragraph = "経理部では月次決算を4営業日で締めるようになりました本"
    for limit in range(300, 1400, 37):
        lines = fitter.wrap([paragraph], 40, "regular", float(limit))
        if len(lines) > 1:
            assert len("".join(lines[-1][1]).strip()) > 1, (limit, lines)


def test_japanese_pages_use_japanese_separators_not_ascii_ones(rendered):
    job = rendered["kaede-getsuji-kessan"]
    for page in job.share_dir.rglob("*.html"):
        text = re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8"))
        body = text.split("</head>")[-1] if "</head>" in text else text
        assert " · " not in body, page
    kit = re.sub(r"<[^>]+>", "", (job.kit_dir / "index.html").read_text(encoding="utf-8").split("</head>")[-1])
    assert " · " not in kit and "件名：" in kit and "件名:" not in kit
    assert "表示先：" in kit and re.search(r"表示先：[^\n]*、", kit)  # audiences joined with 、, never ・


# -- brand, videos, downloads, 404 -----------------------------------------------------------------

def test_the_brand_footer_is_in_the_page_language(rendered):
    job = rendered["kaede-getsuji-kessan"]
    ja = (job.share_dir / "index.html").read_text(encoding="utf-8").replace("<wbr>", "")
    en = (rendered["northwind-treasury-close"].share_dir / "index.html").read_text(encoding="utf-8")
    footer = job.brand.footer_in("ja")
    assert footer and footer in ja and "made by Tallybrook, Inc." not in ja
    assert "Tallybrook Close is made by Tallybrook, Inc." in en


def test_a_video_without_a_poster_gets_one_drawn_in_the_brand_with_its_duration(rendered):
    job = rendered["kaede-getsuji-kessan"]
    home = (job.share_dir / "index.html").read_text(encoding="utf-8")
    poster = re.search(r'<img class="cr-facade__poster cr-facade__poster--drawn" src="([^"]+)"', home).group(1)
    image = Image.open(io.BytesIO((job.share_dir / poster).read_bytes()))
    assert image.size == (1280, 720) and image.format == "WEBP"
    primary = job.campaign.account.model.colors.primary.lstrip("#")
    expected = [int(primary[i:i + 2], 16) for i in (0, 2, 4)]
    left = image.convert("RGB").getpixel((20, 360))  # the account's colour, give or take WebP's rounding
    assert sum(abs(a - b) for a, b in zip(left, expected, strict=True)) < 12, (left, expected)
    assert "再生時間：3:20" in home.replace("<wbr>", "")


def test_videos_say_what_a_reader_does_not_where_the_file_is_hosted(rendered):
    job = rendered["northwind-treasury-close"]
    it = (job.share_dir / "it" / "index.html").read_text(encoding="utf-8")
    assert "Plays from" not in it and "media.tallybrook.example when you click" not in it
    assert "Press play to watch it on this page." in it and "Or download the video" in it
    assert 'class="cr-duration" aria-hidden="true">4:10<' in it and "Length: 4:10" in it


def test_duration_is_validated(example_project, run_cli):
    path = example_project / "campaigns" / "northwind-treasury-close.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('duration: "2:45"', "duration: 2:75", 1), encoding="utf-8")
    result = run_cli("check", "--project", example_project, "--today", "2026-11-23")
    assert result.exit_code == 1
    assert re.search(r"error: videos\[0\]\.duration: '2:75' is not a running time; write minutes:seconds",
                     result.stdout + result.stderr), result.stdout + result.stderr


def test_kit_downloads_list_each_file_with_type_size_and_description(tmp_path):
    helpers = _pages_helpers()
    root = helpers.copy_example(tmp_path / "project")
    for campaign in (root / "campaigns").glob("*.yaml"):
        if campaign.stem != "northwind-treasury-close":
            campaign.unlink()

    def assets(job):
        (job.downloads_dir / "cards").mkdir(parents=True)
        (job.downloads_dir / "deck.pptx").write_bytes(b"p" * 2048)
        (job.downloads_dir / "deck.pdf").write_bytes(b"d" * 1500)
        (job.downloads_dir / "cards" / "quote-1.png").write_bytes(b"c" * 10)

    job = helpers.render_project(root, tmp_path / "out", before=assets)["northwind-treasury-close"]
    kit = (job.kit_dir / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r'<li class="cr-download[^"]*">(.*?)</li>', kit, re.S)
    assert len(rows) == 3
    pptx = next(r for r in rows if "deck.pptx" in r)
    assert ">PPTX<" in pptx and "2 KB" in pptx and "Editable: present it" in pptx
    assert "A square picture of each quote" in kit


def test_the_kit_says_where_the_share_link_is(rendered):
    kit = (rendered["northwind-treasury-close"].kit_dir / "index.html").read_text(encoding="utf-8")
    assert "share the link below" not in kit and "from the top of the page" in kit


def test_without_contacts_the_next_step_is_the_next_steps_page(tmp_path):
    helpers = _pages_helpers()
    root = helpers.copy_example(tmp_path / "project")
    for campaign in (root / "campaigns").glob("*.yaml"):
        if campaign.stem != "northwind-treasury-close":
            campaign.unlink()
    path = root / "campaigns" / "northwind-treasury-close.yaml"
    text = path.read_text(encoding="utf-8")  # the top-level `contacts:` block goes, up to the next key
    path.write_text(re.sub(r"(?ms)^contacts:\n.*?(?=^\S|\Z)", "", text), encoding="utf-8")
    job = helpers.render_project(root, tmp_path / "out")["northwind-treasury-close"]
    finance = (job.share_dir / "finance" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<a class="cr-button cr-next-step__main" href="\.\./next-steps/">See the next steps</a>', finance)
    home = (job.share_dir / "index.html").read_text(encoding="utf-8")
    assert "Ask a colleague who already uses Tallybrook Close: Priya Raman (Finance &amp; Treasury)" in home
    assert "cr-next-step" not in (job.share_dir / "next-steps" / "index.html").read_text(encoding="utf-8")
