"""Access log readers: the combined format (nginx, Apache, Caddy) and JSON lines (Cloudflare Logpush,
Netlify log drains, Caddy's own), plain or gzip, read in large blocks so that gigabytes take seconds."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import IO, Any, cast

from coffeerun.engagement.tally import Found, Scan

BLOCK = 8 << 20  # bytes read at a time: memory stays flat whatever the size of the log
SPLIT = 128 << 20  # a plain log larger than this is read in parts of this size, by as many processes as cores
FORMATS = ("auto", "combined", "json")
_MONTHS = {m.encode(): n for n, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}
_COMBINED = re.compile(rb'^(\S+) \S+ .*?\[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) \S+'
                       rb'(?: "(?:[^"\\]|\\.)*" "((?:[^"\\]|\\.)*)")?')


class LogError(Exception):
    """A log that cannot be read at all (not a file, unreadable, a corrupt archive)."""


def open_log(path: Path) -> IO[bytes]:
    """The log's bytes, decompressed when it is gzip (by its content, whatever its name)."""
    if not path.is_file():
        raise LogError(f"{path}: not a file")
    handle = path.open("rb")
    magic = handle.read(2)
    handle.seek(0)
    return cast(IO[bytes], gzip.GzipFile(fileobj=handle)) if magic == b"\x1f\x8b" else handle


def blocks(handle: IO[bytes]) -> Iterator[bytes]:
    """Whole lines, in blocks of about BLOCK bytes."""
    rest = b""
    while True:
        block = handle.read(BLOCK)
        if not block:
            if rest:
                yield rest
            return
        block = rest + block
        cut = block.rfind(b"\n") + 1
        rest = block[cut:]
        if cut:
            yield block[:cut]


def detect(first: bytes) -> str:
    return "json" if first.lstrip()[:1] == b"{" else "combined"


def _local_minute(text: bytes) -> tuple[str, int] | None:
    """'10/Oct/2027:13:55 -0700' (a combined timestamp without seconds) as (UTC day, minute of that day)."""
    try:
        day, month, rest = text.split(b"/", 2)
        year, hour, minute = rest[:4], rest[5:7], rest[8:10]
        offset = rest[11:]
        sign = -1 if offset[:1] == b"-" else 1
        shift = sign * (int(offset[1:3]) * 60 + int(offset[3:5]))
        local = dt.datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute))
    except (ValueError, KeyError, IndexError):
        return None
    utc = local - dt.timedelta(minutes=shift)
    return utc.date().isoformat(), utc.hour * 60 + utc.minute


def scan_combined(lines: Iterator[bytes], scan: Scan) -> None:
    """Every line of a combined log; only requests for our links reach scan.request."""
    minutes = scan.minutes
    sites = scan.sites
    request = scan.request
    number = 0
    for block in lines:
        for line in block.split(b"\n"):
            if not line or line == b"\r":
                continue
            number += 1
            parts = line.split(b'"')
            if len(parts) < 7 or b'\\"' in line:
                _slow_combined(line, scan, number)
                continue
            head = parts[0]
            start = head.find(b"[") + 1
            stamp = head[start:head.find(b"]", start)]
            key = stamp[:17] + stamp[20:]
            when = minutes.get(key, 0)
            if when == 0:
                when = minutes[key] = _local_minute(key)
            if when is None or not start:
                scan.malformed_line(number)
                continue
            target = parts[1]
            space = target.find(b" ")
            path = target[space + 1:target.rfind(b" ")] if target.count(b" ") >= 2 else target[space + 1:]
            end = path.find(b"/", 1)
            site = sites.get(path[1:end] if end > 0 else path[1:].split(b"?", 1)[0])
            if site is None:
                continue
            fields = parts[2].split()
            if not fields:
                scan.malformed_line(number)
                continue
            request(when, target[:space], path, fields[0], parts[5], head[:head.find(b" ")], b"", line, site)
    scan.found.lines += number


def _slow_combined(line: bytes, scan: Scan, number: int) -> None:
    """A line with escaped quotes, or too few fields: the regular expression decides."""
    match = _COMBINED.match(line.rstrip(b"\r"))
    if match is None:
        scan.malformed_line(number)
        return
    ip, stamp, target, status, agent = match.groups()
    when = _local_minute(stamp[:17] + stamp[20:])
    if when is None:
        scan.malformed_line(number)
        return
    scan.minutes.setdefault(stamp[:17] + stamp[20:], when)
    pieces = target.split(b" ")
    path = pieces[1] if len(pieces) > 1 else b""
    end = path.find(b"/", 1)
    site = scan.sites.get(path[1:end] if end > 0 else path[1:].split(b"?", 1)[0])
    if site is not None:
        scan.request(when, pieces[0], path, status, (agent or b"").replace(b'\\"', b'"'), ip, b"", line, site)


def _utc_minute(value: Any, cache: dict) -> tuple[str, int] | None:
    """An RFC 3339 string or a Unix time (s, ms, µs or ns) as (UTC day, minute of day)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = float(value)
        while seconds > 1e11:  # milli-, micro- or nanoseconds
            seconds /= 1000
        key = int(seconds // 60)
        if key not in cache:
            moment = dt.datetime.fromtimestamp(key * 60, dt.UTC)
            cache[key] = (moment.date().isoformat(), moment.hour * 60 + moment.minute)
        return cache[key]
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return _utc_minute(int(text), cache)
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.UTC)
        return moment.date().isoformat(), moment.hour * 60 + moment.minute
    return None


def _header(headers: Any, *names: str) -> str:
    """A request header from a Cloudflare RequestHeaders map or Caddy's {name: [values]}."""
    if not isinstance(headers, dict):
        return ""
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() in names:
            return " ".join(value) if isinstance(value, list) else str(value)
    return ""


def _fields(record: dict) -> tuple[Any, Any, Any, Any, Any, Any, str] | None:
    """(time, method, path, status, user agent, client ip, purpose) of a Cloudflare, Netlify or Caddy record."""
    purpose_names = ("purpose", "sec-purpose", "x-moz", "x-purpose")
    if "ClientRequestURI" in record or "ClientRequestPath" in record:  # Cloudflare Logpush http_requests
        if record.get("ClientRequestSource", "eyeball") not in ("eyeball", 1, "1"):
            return (record.get("EdgeStartTimestamp"), "", "", 0, "", "", "")  # purge, health check, worker
        return (record.get("EdgeStartTimestamp"), record.get("ClientRequestMethod"),
                record.get("ClientRequestURI") or record.get("ClientRequestPath"), record.get("EdgeResponseStatus"),
                record.get("ClientRequestUserAgent"), record.get("ClientIP"),
                _header(record.get("RequestHeaders"), *purpose_names))
    if "status_code" in record and "url" in record:  # Netlify traffic log drain
        return (record.get("timestamp"), record.get("method"), record.get("url"), record.get("status_code"),
                record.get("user_agent"), record.get("client_ip"), "")
    request = record.get("request")
    if isinstance(request, dict) and "uri" in request:  # Caddy's structured access log
        headers = request.get("headers")
        return (record.get("ts"), request.get("method"), request.get("uri"), record.get("status"),
                _header(headers, "user-agent"), request.get("client_ip") or request.get("remote_ip"),
                _header(headers, *purpose_names))
    return None


def _path(url: str) -> str:
    if url.startswith(("http://", "https://")):
        slash = url.find("/", url.find("//") + 2)
        return url[slash:] if slash >= 0 else "/"
    return url


def scan_json(lines: Iterator[bytes], scan: Scan) -> None:
    """Every record of a JSON-lines log; only requests for our links reach scan.request."""
    cache: dict = {}
    sites = scan.sites
    number = 0
    for block in lines:
        for line in block.split(b"\n"):
            if not line.strip():
                continue
            number += 1
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            if not isinstance(record, dict):
                scan.malformed_line(number)
                continue
            fields = _fields(record)
            if fields is None:  # a deploy or function log record in the same drain: not a request
                scan.found.not_requests += 1
                continue
            when = _utc_minute(fields[0], cache)
            if when is None:
                scan.malformed_line(number)
                continue
            scan.minutes.setdefault(("json", when), when)
            _, method, url, status, agent, ip, purpose = fields
            path = _path(url).encode("utf-8", "replace") if isinstance(url, str) else b""
            end = path.find(b"/", 1)
            site = sites.get(path[1:end] if end > 0 else path[1:].split(b"?", 1)[0])
            if site is None or not isinstance(method, str):
                continue
            scan.request(when, method.encode("ascii", "replace"), path, str(status).encode("ascii", "replace"),
                          str(agent or "").encode("utf-8", "replace"), str(ip or "").encode("utf-8", "replace"),
                          purpose.encode("utf-8", "replace"), line, site)
    scan.found.lines += number


SCANNERS: dict[str, Callable[[Iterator[bytes], Scan], None]] = {"combined": scan_combined, "json": scan_json}


@dataclass(frozen=True)
class Part:
    """A stretch of one log for one process: whole lines starting at byte start (included) up to end
    (excluded; -1: the end), read as kind."""

    path: str
    kind: str
    start: int = 0
    end: int = -1


def parts(path: Path, fmt: str) -> list[Part]:
    """A log as parts of about SPLIT bytes (a gzip log is one part: it can only be read from its start)."""
    try:
        with open_log(path) as handle:
            first = handle.readline()
            compressed = isinstance(handle, gzip.GzipFile)
        size = path.stat().st_size
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise LogError(f"{path}: cannot be read: {exc}") from None
    kind = detect(first) if fmt == "auto" else fmt
    if compressed or size <= SPLIT:
        return [Part(str(path), kind)]
    bounds = [*range(0, size, SPLIT), size]
    return [Part(str(path), kind, start, end) for start, end in pairwise(bounds)]


def _stretch(handle: IO[bytes], start: int, end: int) -> Iterator[bytes]:
    """The whole lines that start in [start, end), in blocks: a line belongs to the part its first byte is in."""
    if start:
        handle.seek(start - 1)
        if handle.read(1) != b"\n":
            handle.readline()  # the rest of a line that began in the part before
    position, rest = handle.tell(), b""
    while position < end:
        block = handle.read(min(BLOCK, end - position))
        if not block:
            break
        position += len(block)
        block = rest + block
        cut = block.rfind(b"\n") + 1
        rest = block[cut:]
        if cut:
            yield block[:cut]
    if rest:  # the last line began in this part: read it whole
        yield rest + handle.readline()


def read_part(part: Part, sites: dict, keys: tuple[bytes, bytes]) -> Found:
    """What one part of a log says."""
    scan = Scan(sites, keys)
    scan.found.kind = part.kind
    try:
        with open_log(Path(part.path)) as handle:
            lines = blocks(handle) if part.end < 0 else _stretch(handle, part.start, part.end)
            SCANNERS[part.kind](lines, scan)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise LogError(f"{part.path}: cannot be read: {exc}") from None
    return scan.result()
