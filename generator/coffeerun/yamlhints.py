"""YAML syntax errors where the mistake is (the unclosed quote, the tab, the missing colon), with a hint."""

from __future__ import annotations

import re

import yaml

# A value that opens a quote: `key: "…` or `- '…` (the quote is the first thing after the key).
_OPENS_QUOTE = re.compile(r"""^(?P<indent>\s*)(?:-\s+)?(?:[^\s#'"][^:#]*:\s+|-\s+|)(?P<quote>["'])""")


def _closes(rest: str, quote: str) -> int | None:
    """Index in `rest` (after the opening quote) of the closing quote, or None."""
    i = 0
    while i < len(rest):
        c = rest[i]
        if quote == '"' and c == "\\":
            i += 2
            continue
        if c == quote:
            if quote == "'" and rest[i + 1: i + 2] == "'":  # '' is a quote inside '…'
                i += 2
                continue
            return i
        i += 1
    return None


def unclosed_quote(lines: list[str], before: int) -> tuple[int, int, str] | None:
    """The first value, on a line before `before` (0-based), whose quote never closes on its line
    while the next line starts a new key or item at the same or a lower indentation."""
    for n, line in enumerate(lines[:before]):
        match = _OPENS_QUOTE.match(line)
        if not match:
            continue
        start = match.end("quote")
        if _closes(line[start:], match.group("quote")) is not None:
            continue
        indent = len(match.group("indent"))
        following = next((line for line in lines[n + 1:] if line.strip()), None)
        if following is None or len(following) - len(following.lstrip(" ")) <= indent:
            return n, start - 1, match.group("quote")
    return None


def explain(text: str, exc: yaml.MarkedYAMLError) -> tuple[int, int, str]:
    """(line, column, message), 1-based, for a YAML syntax error: at the mistake, with how to fix it."""
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line, mark.column) if mark else (0, 0)
    problem, context = exc.problem or "", exc.context or ""
    lines = text.split("\n")
    where = lines[line] if line < len(lines) else ""
    quoted = unclosed_quote(lines, line + 1)
    if quoted is not None and ("quoted scalar" in context or "end of stream" in problem or line > quoted[0]):
        n, c, quote = quoted
        kind = "double" if quote == '"' else "single"
        return n + 1, c + 1, (f"unclosed quote: the {kind} quote that starts this value is never closed; "
                              f"end the value with {quote} on this line (for a {quote} inside the text, "
                              + ("write \\\")" if quote == '"' else "write it twice: '')"))
    if "\t" in where[: max(col, 1) + 1] or "tab" in problem or ("cannot start any token" in problem
                                                                and where[col: col + 1] == "\t"):
        tab = where.find("\t")
        return line + 1, (tab if tab >= 0 else col) + 1, ("a tab character: YAML indents with spaces only; "
                                                          "replace the tab with spaces")
    if "could not find expected ':'" in problem and exc.context_mark is not None:
        key = exc.context_mark
        return key.line + 1, key.column + 1, ("missing colon: this line has no ':' after its key; "
                                              "write `key: value` with a colon and a space")
    if "mapping values are not allowed" in problem:
        return line + 1, col + 1, ("': ' inside a value starts a new key; put the whole value in quotes, "
                                   'e.g. title: "Why: the story"')
    if "expected <block end>" in problem or "did not find expected key" in problem:
        if col > 0 and where[col - 1: col] in "\"'":
            return line + 1, col + 1, ("text after a closing quote: a quote inside a quoted value ends it; "
                                       "wrap the value in the other kind of quote, or write \\\" inside \"…\"")
        return line + 1, col + 1, ("this line is not indented like the lines above it; "
                                   "indent it like the other keys at its level")
    what = problem or context or "unreadable"
    if context and problem and exc.context_mark is not None:
        started = exc.context_mark
        what = f"{problem} ({context} that starts at line {started.line + 1}, column {started.column + 1})"
    if "tag" in what:
        what += "; a value starting with '!' is read as a YAML tag: put the whole value in quotes"
    return line + 1, col + 1, what
