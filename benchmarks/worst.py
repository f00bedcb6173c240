"""The costliest uploads we know how to make, each read and rendered as the render function does, in a fresh
interpreter, timed, with its peak memory. Goal: any upload up to the default MaxUploadBytes is published or
rejected within 10 s and 512 MB on this machine.

Two kinds of case: ones that fill the whole upload limit with one construct (they must be refused quickly),
and ones that sit just under each bound (the most work an accepted upload can ask for). The bounds are read
from the library, so the cases follow them when they change.

Run one case by hand with `python -m benchmarks.worst CASE`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pressroom import markup
from pressroom.config import DEFAULT_MAX_UPLOAD_BYTES

GOAL_SECONDS = 10.0
GOAL_MB = 512
ROOT = Path(__file__).resolve().parents[1]
LIMIT = DEFAULT_MAX_UPLOAD_BYTES
FRONT = "---\ntitle: Worst case\ndate: 2026-01-01\n---\n"
SENTENCE = "The harbour authority confirmed on Tuesday that the north quay will close for repairs. "
HTML_HEAD = "<title>Worst case</title><time datetime=\"2026-01-01\">1 January 2026</time>\n"


def _fill(unit: str, room: int) -> str:
    """`unit` repeated to fill `room` bytes (UTF-8)."""
    return unit * max(room // len(unit.encode()), 0)


def _lines(unit: str, count: int, per_line: int) -> str:
    """`count` copies of `unit`, `per_line` to a line, so no line passes the line bound."""
    per_line = max(min(per_line, (markup.MAX_LINE_CHARS - 1) // len(unit)), 1)
    full, rest = divmod(count, per_line)
    return "\n".join([unit * per_line] * full + ([unit * rest] if rest else [])) + "\n"


def _prose(room: int, *, lines: int) -> str:
    """Ordinary paragraphs filling `room` bytes in at most `lines` lines."""
    paragraphs = max(lines // 2, 1)
    per = max(room // paragraphs - 2, len(SENTENCE))
    line = _fill(SENTENCE, min(per, markup.MAX_LINE_CHARS - 1)) or SENTENCE
    count = min(paragraphs, room // (len(line) + 2))
    return "\n\n".join([line] * count) + "\n"


def _marks(chars: str) -> int:
    return next(limit for _, counted, limit in markup._MARKDOWN_MARKS if counted == chars)


def _md(body: str) -> tuple[str, bytes]:
    return "articles/worst.md", (FRONT + body).encode()


def _padded(body: str) -> tuple[str, bytes]:
    """A body at one bound, then prose up to the upload limit within the line bound."""
    used = len((FRONT + body).encode())
    lines_left = markup.MAX_LINES - (FRONT + body).count("\n") - 10
    return _md(body + "\n" + _prose(LIMIT - used - 1024, lines=lines_left))


def _everything() -> tuple[str, bytes]:
    """Every Markdown bound reached in one file."""
    parts = [
        _lines("*a_ ", _marks("*_~") // 2 - 10, 500),
        _table(),
        "\n" + _lines("[a](b) ", _marks("[") - 10, 400),
        "\n" + ("> " * 90 + "deep\n\n") * (_marks(">") // 90 - 1),
        _lines("`a` ", _marks("`<&\\") // 2 - 10, 500),
        "\n" + "\n".join(f"{'  ' * (i % 30)}- item" for i in range(markup.MAX_LIST_MARKERS - 10)) + "\n",
    ]
    return _padded("\n".join(parts))


def _table() -> str:
    """A table whose cells (and cell separators) come just under the bounds."""
    columns = 99
    rows = (min(_marks("|"), markup.MAX_TABLE_CELLS) - 3 * (columns + 1)) // (columns + 1)
    return "|" + "a|" * columns + "\n|" + "-|" * columns + "\n" + ("|" + "x|" * columns + "\n") * rows


def _table_autocompleted() -> tuple[str, bytes]:
    columns = 1_000
    header = "|" + "h|" * columns + "\n|" + "-|" * columns + "\n"
    return _md(header + "x\n" * (markup.MAX_LINES - 100))


def _references() -> tuple[str, bytes]:
    url = "https://example.org/" + "a" * (markup.MAX_URL_CHARS - 30)
    return _md(_lines("[r] ", _marks("[") - 10, 1000) + f"\n[r]: {url}\n")


def _html(body: str) -> tuple[str, bytes]:
    return "articles/worst.html", (HTML_HEAD + body).encode()


def _paragraphs(room: int, count: int) -> str:
    """`count` HTML paragraphs of ordinary text filling `room` bytes, each within the text-run bound."""
    each = min(room // count - 7, markup.MAX_TEXT_RUN - 1)
    return ("<p>" + _fill(SENTENCE, each) + "</p>") * count


def _json(fields: dict[str, object]) -> tuple[str, bytes]:
    return "articles/worst.json", json.dumps({"title": "Worst case", "date": "2026-01-01", **fields}).encode()


CASES: dict[str, Callable[[], tuple[str, bytes]]] = {
    # The whole upload limit of one construct: refused before the costly work.
    "emphasis runs, whole limit": lambda: _md(_fill("*_", LIMIT - 100)),
    "headings, whole limit": lambda: _md(_fill("# h\n", LIMIT - 100)),
    "nested lists, whole limit": lambda: _md(_fill("- a\n  - b\n", LIMIT - 100)),
    "table rows, whole limit": lambda: _md("|a|b|\n|-|-|\n" + _fill("|x|y|\n", LIMIT - 100)),
    "open brackets, whole limit": lambda: _md(_lines("[", LIMIT - 200, 90_000)),
    "html tags, whole limit": lambda: _html(_fill("<p><b><i>", LIMIT - 100)),
    "html entities, whole limit": lambda: _html("<p>" + _fill("&amp;", LIMIT - 100)),
    "json fields, whole limit": lambda: _json({f"k{i}": 1 for i in range(LIMIT // 16)}),
    "text paragraphs, whole limit": lambda: ("articles/worst.txt", ("Title\n\n" + _fill("a\n\n", LIMIT - 100)).encode()),
    # Just under each bound: the most an accepted upload can cost.
    "prose up to the upload limit": lambda: _md(_prose(LIMIT - 200, lines=markup.MAX_LINES - 10)),
    "short lines up to the line bound": lambda: _md(("A line of verse.\n" * 3 + "\n") * ((markup.MAX_LINES - 10) // 4)),
    "headings up to the line bound": lambda: _md("# heading\n" * (markup.MAX_LINES - 10)),
    "emphasis marks at the bound": lambda: _padded(_lines("*_", _marks("*_~") // 2 - 10, 5_000)),
    "nested emphasis at the bound": lambda: _padded(_lines("**a *b _c ", _marks("*_~") // 4 - 10, 2_000)),
    "table cells at the bound": lambda: _padded(_table()),
    "table of empty cells at the bound": _table_autocompleted,
    "open brackets at the bound": lambda: _padded(_lines("[", _marks("[") - 10, 90_000)),
    "links at the bound": lambda: _padded(_lines("[a](https://example.org/x) ", _marks("[") - 10, 1_000)),
    "reference links at the bound": _references,
    "nested quotes at the bound": lambda: _padded(("> " * 97 + "deep\n\n") * (_marks(">") // 97 - 1)),
    "nested lists at the bound": lambda: _padded(
        "\n".join("  " * (i % 32) + "- item" for i in range(markup.MAX_LIST_MARKERS - 10)) + "\n"),
    "inline code and escapes at the bound": lambda: _padded(_lines("`a`\\*<&", _marks("`<&\\") // 5 - 10, 2_000)),
    "every Markdown bound at once": _everything,
    "html tags at the bound": lambda: _html(_fill("<p>x</p>", 8 * (markup.MAX_TAGS // 2 - 200)) + _paragraphs(
        LIMIT - 4 * markup.MAX_TAGS, 100)),
    "html formatting left open at the bound": lambda: _html(_fill("<p><b><i>", 9 * (markup.MAX_TAGS // 3 - 100))),
    "html entities at the bound": lambda: _html("<p>" + "</p><p>".join(["&amp; " * 1000] * (markup.MAX_ENTITIES // 1000 - 1))
                                                + "</p>" + _paragraphs(LIMIT - 6 * markup.MAX_ENTITIES, 100)),
    "html attributes": lambda: _html("<p " + _fill('a="b" ', LIMIT - 200) + ">x</p>"),
    "json nested to the bound": lambda: _json({"body": _prose(LIMIT // 2, lines=1000),
                                              "x": json.loads("[" * 99 + "]" * 99)}),
    "text paragraphs up to the line bound": lambda: (
        "articles/worst.txt", ("Title\n\n" + _prose(LIMIT - 100, lines=markup.MAX_LINES - 10)).encode()),
    "html text runs at the bound after entities": lambda: _html("".join(
        "<p>" + "&amp; " * 5_000 + _fill(SENTENCE, markup.MAX_TEXT_RUN - 30_500) + "</p>"
        for _ in range(markup.MAX_ENTITIES // 5_000 - 1))),
}


def run_case(name: str) -> dict[str, object]:
    """Read and render one case as the render function does; the time covers the work, not start-up."""
    from datetime import UTC, datetime

    from pressroom import render
    from pressroom.publish.core import read_upload
    from pressroom.publish.status import Status
    from pressroom.site import Site

    key, data = CASES[name]()
    site, theme = Site(), render.load_theme()
    start = time.perf_counter()
    reading = read_upload(key, data, site, now=datetime(2026, 3, 1, tzinfo=UTC), max_bytes=LIMIT, size=len(data))
    if reading.article is not None:
        render.article_page(theme, site, reading.article, [])
        outcome = "published"
    else:
        outcome = "rejected: " + (reading.problems[0].message if reading.problems else reading.status.value)
    seconds = time.perf_counter() - start
    return {"bytes": len(data), "seconds": seconds, "outcome": outcome, "ok": reading.status != Status.FAILED}


@dataclass(frozen=True)
class Worst:
    name: str
    bytes: int
    seconds: float
    peak_mb: float
    outcome: str


def measure(name: str, timeout: float = 120.0) -> Worst:
    """Run one case in a fresh interpreter; its peak memory is the child's maximum resident set."""
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.worst", name], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            return Worst(name, 0, timeout, usage.ru_maxrss / 1024, f"did not finish in {timeout:.0f} s")
        time.sleep(0.05)
    out = proc.stdout.read() if proc.stdout else ""
    err = proc.stderr.read() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        return Worst(name, 0, 0.0, usage.ru_maxrss / 1024, "crashed: " + (err.strip().splitlines() or ["?"])[-1])
    found = json.loads(out.strip().splitlines()[-1])
    return Worst(name, int(found["bytes"]), float(found["seconds"]), usage.ru_maxrss / 1024, str(found["outcome"]))


def bench_worst(names: list[str] | None = None) -> list[Worst]:
    """Every case, each in its own interpreter; prints a line per case and the worst of them."""
    rows = []
    print(f"worst inputs (upload limit {LIMIT:,} bytes; goal: each within {GOAL_SECONDS:.0f} s and {GOAL_MB} MB)",
          flush=True)
    for name in names or list(CASES):
        row = measure(name)
        rows.append(row)
        print(f"  {row.name:40} {row.bytes / 1e6:5.2f} MB  {row.seconds:6.2f} s  {row.peak_mb:6.0f} MB peak  "
              f"{row.outcome[:90]}", flush=True)
    slowest = max(rows, key=lambda r: r.seconds)
    largest = max(rows, key=lambda r: r.peak_mb)
    met = slowest.seconds <= GOAL_SECONDS and largest.peak_mb <= GOAL_MB and not any(
        r.outcome.startswith(("crashed", "did not finish")) for r in rows)
    print(f"  worst time {slowest.seconds:.2f} s ({slowest.name}); worst memory {largest.peak_mb:.0f} MB "
          f"({largest.name}); goal {'met' if met else 'NOT met'}", flush=True)
    return rows


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] in CASES:
        print(json.dumps(run_case(sys.argv[1])))
    else:
        bench_worst(sys.argv[1:] or None)
