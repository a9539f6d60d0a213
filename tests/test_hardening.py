"""A hostile or careless user cannot make a build destroy, hang, leak or blame itself: each bad command
ends with its exit code and one plain line naming the path, and the site built before is byte-identical."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image

from bad_inputs import (
    ACCOUNT,
    BRAND,
    CAMPAIGN,
    both,
    edit,
    fifo,
    link,
    office_document,
    pdf_link_annotation,
    pdf_page_text,
    sub,
    write,
    write_project,
)

TODAY = "2026-11-23"
BUILD = ("build", "--today", TODAY, "--no-assets")
LONG_SECRET = "a-publish-secret-of-more-than-32-characters"  # noqa: S105 - a test value
HANDOUT = "content/media/security.pdf"
SECRET_WORDS = "do-not-quote-this-foreign-line"  # noqa: S105 - not a password: words that must not leak


@dataclass(frozen=True)
class Case:
    """One bad command: how the project is prepared, the command, and the line it must print."""

    name: str
    prepare: Callable[[Path], object]
    args: tuple[str, ...]  # {root}: the project, {tmp}: the folder beside it
    code: int
    path: str  # written on the message line ({root}/{tmp} filled in)
    words: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    hang: bool = False  # run in a process of its own, which must end within 60 s
    cwd: str | None = None


def nothing(root: Path) -> None:
    pass


def foreign(root: Path) -> Path:
    """A file outside the project that must never be read or quoted."""
    path = root.parent / "elsewhere" / "secret.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(f"title: {SECRET_WORDS}\n{SECRET_WORDS}: [\n", encoding="utf-8")
    return path


def handout(name: str, content: bytes | str | Callable[[Path], bytes]) -> Callable[[Path], None]:
    """The campaign's file resource replaced by `name` with this content."""
    def run(root: Path) -> None:
        data = content(root) if callable(content) else content
        write(name, data)(root)
        edit(root, CAMPAIGN, f"file: {HANDOUT}", f"file: {name}")
    return run


def kit_url(root: Path) -> str:
    from coffeerun import tokens
    from coffeerun.project import ProjectPaths
    from coffeerun.siteconfig import site_url

    secret = tokens.PREVIEW_SECRET  # the bad commands run without COFFEERUN_SECRET
    return tokens.campaign_links(secret, "spring", 1, site_url(ProjectPaths(root).mkdocs_yml)).kit_url


def office(part: str) -> Callable[[Path], bytes]:
    return lambda root: office_document(part, f"Open {kit_url(root)} first")


def pdf_with_link(root: Path) -> bytes:
    return pdf_link_annotation(kit_url(root))


def pdf_with_text(root: Path) -> bytes:
    data = pdf_page_text(f"Kit: {kit_url(root)}")
    assert kit_url(root).encode() not in data  # found only by reading the page's text
    return data


def logo_file(svg: str) -> Callable[[Path], None]:
    return both(write("content/accounts/acme/logo.svg", svg), sub(ACCOUNT, "logo: logo.png", "logo: logo.svg"))


def svg_logo(body: str, size: str = 'width="200" height="100"') -> Callable[[Path], None]:
    return logo_file(f'<svg xmlns="http://www.w3.org/2000/svg" {size}>{body}</svg>')


def git_folder(root: Path) -> None:
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")


def foreign_folder(*names: str) -> Callable[[Path], None]:
    def run(root: Path) -> None:
        for name in names:
            write(f"../other/{name}", "mine\n")(root)
    return run


def mkdocs_site_url(url: str) -> Callable[[Path], None]:
    return write("mkdocs.yml", f"site_name: x\nsite_url: {url}\n")


PUBLISH = ("build", "--no-assets", "--publish")
TITLE = "title: Spring at Acme"
QUOTE = "text: We close in three days."

CASES = [
    # -- output: never the project, its sources, the cache or someone else's folder (exit 2) ------------
    Case("out-is-the-project", nothing, (*BUILD, "--out", "{root}"), 2, "{root}", ("the project itself",)),
    Case("out-above-the-project", nothing, (*BUILD, "--out", "{tmp}"), 2, "{tmp}", ("above the project",)),
    Case("out-in-campaigns", nothing, (*BUILD, "--out", "{root}/campaigns"), 2, "campaigns", ("inside campaigns/",)),
    Case("out-in-content", nothing, (*BUILD, "--out", "{root}/content/media/site"), 2, "content/media/site",
         ("inside content/",)),
    Case("out-in-theme", nothing, (*BUILD, "--out", "{root}/theme/site"), 2, "theme/site", ("inside theme/",)),
    Case("out-in-git", git_folder, (*BUILD, "--out", "{root}/.git"), 2, ".git", ("inside .git/",)),
    Case("out-in-the-cache", nothing, (*BUILD, "--out", "{root}/.cache/coffeerun/site"), 2, ".cache/coffeerun/site",
         ("the cache",)),
    Case("out-holds-the-named-cache", nothing, (*BUILD, "--out", "{tmp}/shared"), 2, "{tmp}/shared",
         ("the cache",), env={"COFFEERUN_CACHE_DIR": "{tmp}/shared/cache"}),
    Case("out-is-someone-elses-folder", foreign_folder("notes.txt"), (*BUILD, "--out", "{tmp}/other"), 2,
         "{tmp}/other", ("other files in it", "empty or new folder")),
    Case("out-looks-like-a-site-but-is-not", foreign_folder("index.html", "404.html", "robots.txt", "_headers",
                                                            "docs/guide.md"),
         (*BUILD, "--out", "{tmp}/other"), 2, "{tmp}/other", ("not a site coffeerun built",)),
    Case("out-is-a-file", foreign_folder("file.txt"), (*BUILD, "--out", "{tmp}/other/file.txt"), 2,
         "{tmp}/other/file.txt", ("is a file",)),
    Case("out-under-a-file", foreign_folder("file.txt"), (*BUILD, "--out", "{tmp}/other/file.txt/site"), 2,
         "{tmp}/other/file.txt", ("cannot be made", "is a file")),
    Case("out-links-to-the-project", lambda r: (r.parent / "alias").symlink_to(r), (*BUILD, "--out", "{tmp}/alias"),
         2, "{tmp}/alias", ("the project itself",)),
    Case("project-without-campaigns", lambda r: (r.parent / "empty").mkdir(),
         (*BUILD, "--project", "{tmp}/empty", "--out", "{tmp}/empty/site"), 2, "{tmp}/empty",
         ("not a coffeerun project", "campaigns/")),
    Case("project-missing", nothing, (*BUILD, "--project", "{tmp}/nowhere"), 2, "{tmp}/nowhere",
         ("no project folder",)),
    Case("run-outside-a-project", lambda r: (r.parent / "empty").mkdir(), BUILD, 2, "{tmp}/empty",
         ("not a coffeerun project",), cwd="{tmp}/empty"),
    # -- reading: regular files of the project only, found without opening them (exit 1) ----------------
    Case("fifo-in-content", fifo("content/media/pipe.md"), BUILD, 1, "content/media/pipe.md", ("FIFO",), hang=True),
    Case("fifo-as-campaign", fifo("campaigns/pipe.yaml"), ("check", "--today", TODAY), 1, "campaigns/pipe.yaml",
         ("FIFO",), hang=True),
    Case("device-linked-as-photo", link("content/media/steve.png", lambda r: "/dev/zero"), BUILD, 1,
         "content/media/steve.png", ("outside the project",), hang=True),
    Case("campaign-linked-outside", link("campaigns/leak.yaml", foreign), BUILD, 1, "campaigns/leak.yaml",
         ("symbolic link", "outside the project")),
    Case("mkdocs-linked-outside", link("mkdocs.yml", foreign), BUILD, 1, "mkdocs.yml", ("outside the project",)),
    Case("brand-linked-outside", link(BRAND, foreign), ("check", "--today", TODAY), 1, BRAND, ("outside the project",)),
    Case("mkdocs-runs-code", lambda r: write("mkdocs.yml", "site_url: !!python/object/apply:os.system "
                                              f"['touch {r.parent}/code-ran']\n")(r),
         BUILD, 1, "mkdocs.yml", ("would run Python code",)),  # and the tree check shows nothing ran
    Case("mkdocs-hooks", lambda r: write("mkdocs.yml", f"hooks: [{r.parent}/hook.py]\n")(r), BUILD, 1, "mkdocs.yml",
         ("hooks: (Python files MkDocs runs)", "would run Python code")),
    Case("mkdocs-inherits-from-outside", lambda r: write("mkdocs.yml", f"INHERIT: {foreign(r)}\n")(r),
         ("check", "--today", TODAY), 1, "mkdocs.yml", ("outside the folder of mkdocs.yml",)),
    Case("folder-named-yaml", lambda r: (r / "campaigns/autumn.yaml").mkdir(), BUILD, 1, "campaigns/autumn.yaml",
         ("folder named like a .yaml file",)),
    Case("folder-named-like-a-photo", lambda r: (r / "content/media/team.jpg").mkdir(), ("check", "--today", TODAY),
         1, "content/media/team.jpg", ("folder named like",)),
    Case("svg-logo-reads-a-file", svg_logo('<image href="/etc/hostname" width="10" height="10"/>'), BUILD, 1,
         ACCOUNT, ("refers to '/etc/hostname'", "data:image/png")),
    Case("svg-logo-reads-a-file-url", svg_logo('<image href="file:///etc/passwd" width="10" height="10"/>'),
         ("check", "--today", TODAY), 1, ACCOUNT, ("refers to 'file:///etc/passwd'",)),
    Case("svg-logo-reads-the-network", svg_logo('<style>@import url(https://tracker.example/a.css);</style>'),
         BUILD, 1, ACCOUNT, ("@import",)),
    Case("svg-logo-entities", logo_file('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">'
                                        ']><svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><text>&x;'
                                        '</text></svg>'), BUILD, 1, ACCOUNT, ("entities",)),
    Case("svg-logo-filter-bomb", svg_logo('<filter id="f" x="-99999" y="-99999" width="199999" height="199999">'
                                          '<feMorphology radius="99999"/></filter><rect width="9" height="9" '
                                          'filter="url(#f)"/>'), BUILD, 1, ACCOUNT, ("SVG filter",), hang=True),
    Case("svg-logo-too-tall", svg_logo('<rect width="1" height="5000"/>', 'width="1" height="5000"'),
         ("build", "--today", TODAY), 1, ACCOUNT, ("16 megapixels",), hang=True),
    # -- files to hand out: by name and content; no private link inside (exit 1) -------------------------
    Case("handout-html", handout("content/media/page.html", "<p>hi</p>"), BUILD, 1, CAMPAIGN,
         ("a browser would run",)),
    Case("handout-svg", handout("content/media/chart.SVG", "<svg/>"), BUILD, 1, CAMPAIGN, ("a browser would run",)),
    Case("handout-xht", handout("content/media/page.xht", "<html/>"), BUILD, 1, CAMPAIGN, ("a browser would run",)),
    Case("handout-feed", handout("content/media/news.rss", "<rss/>"), BUILD, 1, CAMPAIGN, ("a browser would run",)),
    Case("handout-script", handout("content/media/app.js", "alert(1)"), BUILD, 1, CAMPAIGN, ("a browser would run",)),
    Case("handout-pdf-that-is-html", handout("content/media/report.pdf", "\n <!DOCTYPE html><script>x</script>"),
         BUILD, 1, CAMPAIGN, ("its content is HTML",)),
    Case("handout-txt-that-is-html", handout("content/media/readme.txt", "<html><body onload=x>"), BUILD, 1,
         CAMPAIGN, ("its content is HTML",)),
    Case("handout-under-campaigns", lambda r: edit(r, CAMPAIGN, f"file: {HANDOUT}", f"file: {CAMPAIGN}"), BUILD, 1,
         CAMPAIGN, ("under campaigns/",)),
    Case("handout-unknown-kind", handout("content/media/setup.exe", b"MZ\x90\x00"), BUILD, 1, CAMPAIGN,
         ("not a kind of file to hand out", "pdf, docx")),
    Case("handout-docx-not-a-zip", handout("content/media/plan.docx", "just text"), BUILD, 1, CAMPAIGN,
         ("not an office document",)),
    Case("kit-link-in-upper-case-txt", handout("content/media/NOTES.TXT", lambda r: kit_url(r).upper()), BUILD, 1,
         CAMPAIGN, ("names this campaign's private kit link",)),
    Case("kit-link-in-csv", handout("content/media/list.csv", lambda r: f"name,link\nkit,{kit_url(r)}\n"), BUILD, 1,
         CAMPAIGN, ("private kit link",)),
    Case("kit-link-in-docx", handout("content/media/brief.docx", office("word/_rels/document.xml.rels")), BUILD, 1,
         CAMPAIGN, ("private kit link",)),
    Case("kit-link-in-xlsx", handout("content/media/sheet.xlsx", office("xl/sharedStrings.xml")), BUILD, 1,
         CAMPAIGN, ("private kit link",)),
    Case("kit-link-in-pdf-annotation", handout("content/media/brief.pdf", pdf_with_link), BUILD, 1, CAMPAIGN,
         ("private kit link",)),
    Case("kit-link-in-pdf-text", handout("content/media/Brief.PDF", pdf_with_text), BUILD, 1, CAMPAIGN,
         ("private kit link",)),
    # -- check equals build: what build would choke on, check reports at its line (exit 1) ---------------
    Case("control-character-in-title", sub(CAMPAIGN, TITLE, 'title: "Spring\\x07 at Acme"'), BUILD, 1, CAMPAIGN,
         ("control character U+0007",)),
    Case("noncharacter-in-account-name", sub(ACCOUNT, "name: Acme Corp", 'name: "Acme\\uFFFE"'), BUILD, 1, ACCOUNT,
         ("noncharacter U+FFFE",)),
    Case("escape-in-brand-name", sub(BRAND, "name: Vendor", 'name: "Vendor\\e[31m"'), BUILD, 1, BRAND,
         ("control character U+001B",)),
    Case("noncharacter-in-advocate-name", sub(CAMPAIGN, "name: Steve Konkol", 'name: "Steve \\uFFFF"'), BUILD, 1,
         CAMPAIGN, ("noncharacter U+FFFF",)),
    Case("binary-tag", sub(CAMPAIGN, QUOTE, "text: !!binary V2UgY2xvc2U="), BUILD, 1, CAMPAIGN,
         ("tag '!!binary' is not accepted",)),
    Case("python-tag", sub(CAMPAIGN, QUOTE, "text: !!python/object/apply:os.system [id]"), BUILD, 1, CAMPAIGN,
         ("!!python/object/apply:os.system", "not accepted")),
    Case("set-tag", sub(CAMPAIGN, "audiences: [finance]\nmetrics", "audiences: !!set {finance}\nmetrics"), BUILD, 1,
         CAMPAIGN, ("tag '!!set' is not accepted",)),
    Case("huge-word", sub(CAMPAIGN, QUOTE, "text: " + "w" * 900_000), BUILD, 1, CAMPAIGN,
         ("900,000 characters", "at most 5,000")),
    Case("starts-after-2107", sub(CAMPAIGN, "starts: 2026-11-01", "starts: 2200-01-01"), BUILD, 1, CAMPAIGN,
         ("1980–2107",)),
    Case("starts-before-1980", sub(CAMPAIGN, "starts: 2026-11-01", "starts: 1970-01-01"), BUILD, 1, CAMPAIGN,
         ("1980–2107",)),
    Case("today-after-2107", nothing, ("build", "--today", "2200-01-01", "--no-assets"), 2, "2200-01-01",
         ("1980–2107",)),
    Case("source-date-epoch-after-2107", nothing, BUILD, 2, "SOURCE_DATE_EPOCH", ("after 2107-12-31",),
         env={"SOURCE_DATE_EPOCH": "99999999999"}),
    # -- environment: one plain line naming the path or port (exit 1) -----------------------------------
    Case("output-not-writable", nothing, (*BUILD, "--out", "/sys/coffeerun-site"), 1, "/sys/",
         ("cannot use", "permission denied")),
    Case("output-disk-full", nothing, (*BUILD, "--no-cache", "--out", "{tmp}/big"), 1, "cannot write /",
         ("disk is full",), hang=True, env={"FILE_SIZE_LIMIT": "4096"}),  # the first file written that is larger
    Case("cache-is-a-file", foreign_folder("cache"), BUILD, 1, "{tmp}/other/cache",
         ("a part of the path is a file",), env={"COFFEERUN_CACHE_DIR": "{tmp}/other/cache"}),
    # -- publishing settings (exit 2) -----------------------------------------------------------------
    Case("publish-short-secret", nothing, PUBLISH, 2, "COFFEERUN_SECRET", ("at least 32",),
         env={"COFFEERUN_SECRET": "short"}),
    Case("publish-blank-secret", nothing, PUBLISH, 2, "COFFEERUN_SECRET", ("needs the secret",),
         env={"COFFEERUN_SECRET": " " * 40}),
    Case("publish-http-site-url", mkdocs_site_url("http://advocates.vendor.example/"), PUBLISH, 2, "site_url",
         ("https",), env={"COFFEERUN_SECRET": LONG_SECRET}),
]


def tree(folder: Path) -> dict[str, str]:
    """Every file and link under folder (the cache aside) with a digest of its bytes or target."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if ".cache" in path.relative_to(folder).parts or (path.is_dir() and not path.is_symlink()):
            continue
        if path.is_symlink():
            out[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            out[rel] = "special"
    return out


@pytest.fixture(scope="module")
def built_project(tmp_path_factory) -> Path:
    """The bad_inputs project with a site built from it (site/), made once and copied per case."""
    root = write_project(tmp_path_factory.mktemp("base") / "project")
    (root / "mkdocs.yml").write_text("site_name: x\nsite_url: https://advocates.vendor.example/\n", encoding="utf-8")
    result = _run(("build", "--project", str(root), "--today", TODAY, "--no-assets"), env={})
    assert result.returncode == 0, result.stderr
    assert (root / "site" / "index.html").is_file()
    return root


def _limits(env: dict[str, str]) -> Callable[[], None] | None:
    limit = env.pop("FILE_SIZE_LIMIT", None)
    if limit is None:
        return None
    import resource

    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (int(limit), int(limit)))


def _run(args: tuple[str, ...], env: dict[str, str], cwd: str | None = None) -> subprocess.CompletedProcess:
    env = dict(env)
    limits = _limits(env)
    return subprocess.run([sys.executable, "-m", "coffeerun", *args], capture_output=True, text=True, timeout=60,
                          cwd=cwd, env={**os.environ, "COFFEERUN_SECRET": "", **env}, preexec_fn=limits)


def test_there_are_at_least_forty_distinct_cases() -> None:
    assert len({c.name for c in CASES}) == len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_bad_command_is_one_line_and_leaves_the_site_as_it_was(case: Case, built_project: Path, tmp_path: Path,
                                                                   run_cli) -> None:
    root = tmp_path / "project"
    shutil.copytree(built_project, root, symlinks=True)
    case.prepare(root)
    fill = {"root": str(root), "tmp": str(tmp_path)}
    args = [a.format(**fill) for a in case.args]
    if "--project" not in args and case.cwd is None:
        args[1:1] = ["--project", str(root)]
    env = {k: v.format(**fill) for k, v in case.env.items()}
    before = tree(tmp_path)
    if case.hang or case.cwd:
        result = _run(tuple(args), env, case.cwd.format(**fill) if case.cwd else None)
        code, output = result.returncode, result.stdout + result.stderr
    else:
        outcome = run_cli(*args, env={"COFFEERUN_SECRET": "", **env})
        code, output = outcome.exit_code, outcome.output
    assert code == case.code, output
    assert "Traceback" not in output and "internal error" not in output, output
    path = case.path.format(**fill)
    lines = [line for line in output.splitlines() if path in line and all(w in line for w in case.words)]
    assert lines, f"no line naming {path} with {case.words} in:\n{output}"
    assert SECRET_WORDS not in output
    assert tree(tmp_path) == before, "the previous output (or the project) changed"


def test_a_second_build_into_a_previous_publish_root_is_allowed(built_project: Path, tmp_path: Path, run_cli) -> None:
    root = tmp_path / "project"
    shutil.copytree(built_project, root, symlinks=True)
    edit(root, CAMPAIGN, TITLE, "title: Spring at Acme, again")
    result = run_cli("build", "--project", root, "--today", TODAY, "--no-assets", "--no-cache")
    assert result.exit_code == 0, result.output
    from coffeerun.outguard import is_publish_root

    assert is_publish_root(root / "site")


@contextlib.contextmanager
def busy_port() -> Iterator[int]:
    """A port on 127.0.0.1 that another program listens on."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        yield busy.getsockname()[1]


def test_serve_on_a_busy_port_is_one_line_and_exit_1(built_project: Path, run_cli) -> None:
    with busy_port() as port:
        result = run_cli("serve", "--project", built_project, "--port", port, "spring")
    assert result.exit_code == 1
    assert result.output.strip() == (f"coffeerun: port {port} on 127.0.0.1 is busy (another program listens on it); "
                                      "pick another with --port")


def test_serve_whose_port_is_taken_during_the_first_build_leaves_no_build_behind(
        built_project: Path, run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from coffeerun import cli

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(cli, "_port_is_free", lambda _port: None)  # free when checked, taken when served
    with busy_port() as port:
        result = run_cli("serve", "--project", built_project, "--port", port, "spring")
    assert result.exit_code == 1
    assert result.output.strip().endswith(f"coffeerun: port {port} on 127.0.0.1 was taken while the preview was "
                                          "built; pick another with --port")
    assert not [p for p in (tmp_path / "tmp").iterdir() if p.name.startswith("coffeerun-serve-")]


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif.get_ifd(0x8825)[2] = (52.0, 22.0, 7.0)  # GPS latitude
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), quality=90)
    return buffer.getvalue()


def test_an_image_handed_out_loses_its_exif_and_gps(tmp_path: Path, run_cli) -> None:
    root = write_project(tmp_path / "project")
    handout("content/media/site-visit.jpg", _jpeg_with_gps())(root)
    assert b"PhoneMaker" in (root / "content/media/site-visit.jpg").read_bytes()
    result = run_cli("build", "--project", root, "--today", TODAY, "--no-assets", "--out", tmp_path / "site")
    assert result.exit_code == 0, result.output
    published = list((tmp_path / "site").rglob("site-visit.jpg"))
    assert published
    for path in published:
        data = path.read_bytes()
        assert b"PhoneMaker" not in data and b"Exif" not in data
        with Image.open(path) as image:
            assert image.size == (40, 30) and not image.getexif()


def _png16(path: Path) -> None:
    gradient = Image.new("I;16", (256, 64))
    gradient.putdata([x * 257 for _ in range(64) for x in range(256)])
    gradient.save(path)


def test_a_16_bit_photo_keeps_its_tones(tmp_path: Path) -> None:
    from coffeerun.files import eight_bit

    _png16(tmp_path / "grey16.png")
    with Image.open(tmp_path / "grey16.png") as image:
        assert image.mode.startswith("I;16")
        flat = eight_bit(image).convert("RGB")
    assert [flat.getpixel((x, 10))[0] for x in (0, 64, 128, 255)] == [0, 64, 128, 255]


def test_a_16_bit_portrait_on_the_slides_is_not_white(tmp_path: Path) -> None:
    from coffeerun.render.assets.images import photo

    _png16(tmp_path / "grey16.png")
    square = photo(tmp_path / "grey16.png")
    darkest, lightest = square.convert("L").getextrema()
    tones = sum(1 for count in square.convert("L").histogram() if count)
    assert darkest < 100 < lightest < 256 and tones > 32


def test_the_readme_states_the_exit_codes_and_what_out_may_be() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Command line"):]
    section = section[:section.find("\n## ", 5)] if "\n## " in section[5:] else section
    for code in ("`0`", "`1`", "`2`", "`70`"):
        assert code in section
    assert "--out" in section and "publish root" in section
    assert re.search(r"campaigns/.*content/.*theme/", section)


def test_text_at_its_longest_builds_slides_and_decks(tmp_path: Path, run_cli) -> None:
    """What check accepts, build makes: names and quotes of the longest one word accepted fit (ellipsis),
    and deck properties stay within the format's 255 characters."""
    from coffeerun.fieldtypes import MAX_TEXT

    root = write_project(tmp_path / "project")
    word = "W" * MAX_TEXT
    edit(root, CAMPAIGN, "name: Steve Konkol", f"name: {word}")
    edit(root, CAMPAIGN, "title: VP Treasury", f"title: {word}")
    edit(root, ACCOUNT, "name: Acme Corp", f"name: {word}")
    edit(root, CAMPAIGN, QUOTE, f"text: {word}")
    assert run_cli("check", "--project", root, "--today", TODAY).exit_code == 0
    result = run_cli("build", "--project", root, "--today", TODAY, "--out", tmp_path / "site", "--jobs", "1")
    assert result.exit_code == 0, result.output
    decks = list((tmp_path / "site").rglob("deck.pptx"))
    assert decks
    with zipfile.ZipFile(decks[0]) as deck:
        core = deck.read("docProps/core.xml").decode("utf-8")
    assert "W" * 255 in core and "W" * 256 not in core


def test_an_svg_logo_with_an_embedded_picture_is_drawn(tmp_path: Path, run_cli) -> None:
    import base64

    root = write_project(tmp_path / "project")
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (255, 0, 0)).save(buffer, "PNG")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    logo_file('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="80" '
              f'height="40"><image xlink:href="data:image/png;base64,{data}" width="80" height="40"/></svg>')(root)
    result = run_cli("check", "--project", root, "--today", TODAY)
    assert result.exit_code == 0, result.output
    from coffeerun.svg import rasterise_svg

    drawn = rasterise_svg(root / "content/accounts/acme/logo.svg", 80)
    assert drawn.size == (80, 40) and drawn.getpixel((40, 20))[:3] == (255, 0, 0)


@pytest.mark.parametrize(("suffix", "orientation"), [(".png", 1), (".webp", 1), (".jpg", 6), (".webp", 6)])
def test_image_handouts_of_every_kind_lose_their_metadata_and_stay_upright(tmp_path: Path, suffix: str,
                                                                          orientation: int) -> None:
    from coffeerun.handouts import handout_content

    exif = Image.Exif()
    exif[0x010F], exif[0x0112] = "PhoneMaker", orientation
    source = tmp_path / f"photo{suffix}"
    extra = {"xmp": b"<x:xmpmeta>Owner Name</x:xmpmeta>"} if suffix == ".webp" else {}
    Image.new("RGB", (30, 20), (0, 128, 0)).save(source, exif=exif.tobytes(), **extra)
    assert b"PhoneMaker" in source.read_bytes()
    published = handout_content(source)
    assert isinstance(published, bytes) and b"PhoneMaker" not in published and b"Owner Name" not in published
    with Image.open(io.BytesIO(published)) as image:
        assert image.size == ((20, 30) if orientation == 6 else (30, 20))
        assert image.getexif().get(0x0112, 1) == 1


def test_a_handout_naming_another_campaigns_kit_link_stops_every_kind_of_build(example_project):
    # The check needs every campaign's links, also where only some campaigns are validated: in the build's
    # workers (from PARALLEL_FROM campaigns on), after one campaign changed, and in `check <campaign>`.
    import datetime as dt

    from coffeerun import tokens
    from coffeerun.digests import FileDigests
    from coffeerun.project import ProjectPaths
    from coffeerun.store import Store
    from coffeerun.validate import validate_project
    from coffeerun.validcache import PARALLEL_FROM, Validation

    source = example_project / "campaigns" / "northwind-treasury-close.yaml"
    text = source.read_text(encoding="utf-8")
    handout = "content/media/files/northwind-treasury-results.pdf"
    assert handout in text
    for n in range(PARALLEL_FROM + 1):
        (example_project / "campaigns" / f"copy-{n:02d}.yaml").write_text(text, encoding="utf-8")
    today = dt.date(2026, 11, 23)
    version = validate_project(example_project, today, ["copy-24"]).campaigns[0].model.link_version
    kit = tokens.campaign_links(tokens.secret_from_env() or tokens.PREVIEW_SECRET, "copy-24", version, "").kit_token
    leaky = example_project / "content" / "media" / "files" / "leaky.pdf"
    leaky.write_bytes((example_project / handout).read_bytes() + f"\n% https://x.example/{kit}/\n".encode())
    paths, cache = ProjectPaths(example_project), example_project / ".cache"

    class InProcess:  # the workers' pool, run here
        def submit(self, fn, *args, what):
            return fn(*args)

        def result(self, future):
            return future

    def leaks(checked) -> list[str]:
        return [p.path for p in checked.problems.errors if "names campaign 'copy-24's private kit link" in p.message]

    first = Validation(paths, FileDigests(), Store(cache)).run(today, None, InProcess(), 2)  # nothing names it yet
    assert not first.problems.errors
    (example_project / "campaigns" / "copy-00.yaml").write_text(text.replace(handout, "content/media/files/leaky.pdf"),
                                                                encoding="utf-8")
    changed = Validation(paths, FileDigests(), Store(cache)).run(today, None, InProcess(), 2)  # copy-00 only
    assert leaks(changed) == ["campaigns/copy-00.yaml"]
    everything = Validation(paths, FileDigests(), Store(None)).run(today, None, InProcess(), 2)  # in the workers
    assert leaks(everything) == ["campaigns/copy-00.yaml"]
    assert leaks(validate_project(example_project, today, ["copy-00"])) == ["campaigns/copy-00.yaml"]


def test_a_handout_is_read_once_per_content_and_what_is_kept_of_it_is_checked(example_project, monkeypatch):
    import datetime as dt

    from coffeerun import handouts
    from coffeerun.digests import FileDigests
    from coffeerun.project import ProjectPaths
    from coffeerun.store import Store, key
    from coffeerun.validcache import Validation

    read: list[str] = []
    link_runs = handouts.link_runs
    monkeypatch.setattr(handouts, "link_runs", lambda path: read.append(path.name) or link_runs(path))
    paths, cache, today = ProjectPaths(example_project), example_project / ".cache", dt.date(2026, 11, 23)
    source = example_project / "campaigns" / "northwind-treasury-close.yaml"

    def validate_changed() -> None:
        source.write_text(source.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
        read.clear()
        checked = Validation(paths, FileDigests(), Store(cache)).run(today, None, None, 1)
        assert not checked.problems.errors

    validate_changed()
    handout = "northwind-treasury-results.pdf"
    assert handout in read  # nothing kept yet
    validate_changed()
    assert read == []  # the same file: what it names is kept
    pdf = example_project / "content" / "media" / "files" / handout
    Store(cache).put("validate", key("validate", "handout", FileDigests()(pdf)), {"runs": ["not a run"]})
    validate_changed()
    assert read == [handout]  # a kept record that is not what link_runs gives is read again
