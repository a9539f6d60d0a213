"""Without a font for a script: one short warning (script, samples, package); `--publish` refuses."""

from __future__ import annotations

import os
import subprocess
import sys

from coffeerun.render.assets.fonts import is_missing_font, missing_warning

FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{empty}</dir><cachedir>{cache}</cachedir></fontconfig>
"""


def test_the_warning_names_the_script_three_samples_and_the_package():
    missing = set("月次決算を締めるまでの日数") | {"\u3001", "\U0001F389"}
    warning = missing_warning(missing, "ja")
    assert warning.startswith("no installed font for Japanese text (")
    assert "and 11 more" in warning and "emoji (\U0001F389)" in warning
    assert "fonts-noto-cjk" in warning and "fonts-noto-color-emoji" in warning
    assert "U+" not in warning and len(warning) < 230
    assert is_missing_font(warning)


def test_publish_refuses_japanese_slides_on_a_machine_without_a_japanese_font(example_project, tmp_path):
    for campaign in (example_project / "campaigns").iterdir():
        if campaign.name != "kaede-getsuji-kessan.yaml":
            campaign.unlink()
    (tmp_path / "empty").mkdir()
    conf = tmp_path / "fonts.conf"
    conf.write_text(FONTCONFIG.format(empty=tmp_path / "empty", cache=tmp_path / "fc"), encoding="utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "COFFEERUN_CACHE_DIR": str(tmp_path / "cache"),
           "COFFEERUN_SECRET": "a-secret-of-at-least-thirty-two-characters"}
    out = tmp_path / "site"
    result = subprocess.run([sys.executable, "-m", "coffeerun", "build", "--project", str(example_project), "--publish",
                             "--out", str(out), "--jobs", "1"], capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 1, result.stderr
    errors = [line for line in (result.stdout + result.stderr).splitlines() if ": error: " in line]
    assert errors == [errors[0]] and errors[0].startswith(
        "campaigns/kaede-getsuji-kessan.yaml:1:1: error: --publish refuses slides with text left out: "
        "no installed font for Japanese text ("), result.stderr
    assert "fonts-noto-cjk" in errors[0] and "U+" not in errors[0]
    assert not out.exists()
