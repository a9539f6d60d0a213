"""`coffeerun serve` previews one campaign on localhost and rebuilds it when its YAML is saved."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - localhost only
        return response.read().decode("utf-8")


def wait_for(predicate, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError("timed out")


STOP_SECONDS = 10  # a stopped preview removes its build folder and exits within this


def _default_stops() -> None:
    """In the child: Ctrl+C and a closed terminal do what they do at a prompt, even when the tests run in the
    background (`&` starts them with SIGINT ignored) or under nohup (SIGHUP ignored): serve leaves a signal
    that was ignored when it started ignored, which is right for it and would make these tests wait forever."""
    for stop in (signal.SIGINT, signal.SIGHUP):
        signal.signal(stop, signal.SIG_DFL)


def start_serve(project, tmp_path, port: int) -> tuple[subprocess.Popen, object]:
    """`coffeerun serve` in its own process, with its own temporary folder (tmp_path/tmp) and cache."""
    log = tmp_path / "serve.log"
    (tmp_path / "tmp").mkdir()
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "coffeerun", "serve", "--project", str(project), "--today",
             "2026-11-23", "--port", str(port), "northwind-procurement-requests"],
            stdout=out, stderr=subprocess.STDOUT, preexec_fn=_default_stops,
            env={**os.environ, "COFFEERUN_CACHE_DIR": str(tmp_path / "c"), "TMPDIR": str(tmp_path / "tmp")})
    return process, log


def stop_serve(process: subprocess.Popen, stop: signal.Signals = signal.SIGINT) -> None:
    """Stop a preview as a user would (Ctrl+C by default); killed only if it has not exited in STOP_SECONDS."""
    process.send_signal(stop)
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()


def test_serve_previews_a_campaign_and_rebuilds_on_save(example_project, tmp_path):
    port = free_port()
    process, log = start_serve(example_project, tmp_path, port)
    try:
        share = wait_for(lambda: re.search(r"share: (http://127\.0\.0\.1:\d+/\w+/)", log.read_text()))
        url = share.group(1)
        assert url.startswith(f"http://127.0.0.1:{port}/")
        first = wait_for(lambda: fetch(url))
        assert "<title>" in first
        campaign = example_project / "campaigns" / "northwind-procurement-requests.yaml"
        text = campaign.read_text(encoding="utf-8")
        title = re.search(r"^title: (.*)$", text, flags=re.M).group(1).strip().strip("\"'")
        campaign.write_text(text.replace(title, "Preview title changed on save", 1), encoding="utf-8")
        wait_for(lambda: "Preview title changed on save" in fetch(url))
        assert "Disallow: /" in fetch(f"http://127.0.0.1:{port}/robots.txt")
    finally:
        stop_serve(process)
    assert process.returncode is not None
    assert list((tmp_path / "tmp").iterdir()) == []  # Ctrl+C: the preview's build folder is gone


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP], ids=["sigterm", "sighup"])
def test_serve_stopped_by_a_process_manager_or_a_closed_terminal_removes_its_build_folder(
        example_project, tmp_path, stop):
    process, log = start_serve(example_project, tmp_path, free_port())
    try:
        wait_for(lambda: "serving" in log.read_text())
        assert any(p.name.startswith("coffeerun-serve-") for p in (tmp_path / "tmp").iterdir())
    finally:
        stop_serve(process, stop)
    assert list((tmp_path / "tmp").iterdir()) == []
