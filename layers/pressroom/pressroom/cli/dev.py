"""`pressroom dev`: the whole system on this machine: local stack, continuous delivery, preview and folder watch."""

from __future__ import annotations

import collections
import contextlib
import hashlib
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Self

import click

from pressroom import render, urls
from pressroom.cli import EXIT_OK, EXIT_USAGE, main
from pressroom.cli.ops import content_key
from pressroom.preview.reports import NEEDS_ATTENTION, Change, ReportBook, describe_errors
from pressroom.publish.batch import content_root
from pressroom.publish.status import Status

if TYPE_CHECKING:
    from pressroom.local import Stack
    from pressroom.preview import PreviewServer


class LogTail:
    """Where the functions' log lines go during `pressroom dev`: the last lines are kept, not the whole day."""

    def __init__(self, lines: int = 2000) -> None:
        self.lines: collections.deque[str] = collections.deque(maxlen=lines)

    def write(self, text: str) -> int:
        self.lines.extend(line for line in text.splitlines() if line.strip())
        return len(text)

    def flush(self) -> None:
        pass

    def getvalue(self) -> str:
        return "\n".join(self.lines)


class Delivery:
    """Delivers the local stack's events continuously, as AWS does, so that any upload is published.

    A cheap look at the queues the template's event source mappings read decides whether to settle, so an
    idle stack costs one request per `interval`; due publish schedules are fired every `schedule_interval`.
    """

    def __init__(self, stack: Stack, *, interval: float = 0.25, schedule_interval: float = 10.0,
                 on_delivered: Callable[[], Any] | None = None, errors: IO[str] | None = None) -> None:
        self.stack = stack
        self.interval = interval
        self.schedule_interval = schedule_interval
        self.on_delivered = on_delivered
        self.errors = errors or sys.stderr
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._round = threading.Lock()  # held by a delivery round, or by whoever pauses delivery
        self._busy_until = time.monotonic()  # when the last round that found work (or a pause) ended
        self._sqs = stack.client("sqs")
        template = stack.template
        self._queues = [stack.queue_url(m.source) for m in (template.mappings if template else []) if m.kind == "SQS"]

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._run, name="pressroom-delivery", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """No delivery round runs inside (a bulk reload rewrites what the functions would read)."""
        try:
            with self._round:
                yield
        finally:
            self._busy_until = time.monotonic()

    def idle_for(self) -> float:
        """Seconds since delivery last had work (0 while a round or a pause is under way)."""
        if self._round.locked():
            return 0.0
        return max(0.0, time.monotonic() - self._busy_until)

    def _run(self) -> None:
        since_schedules = 0.0
        while not self._stop.wait(self.interval):
            since_schedules += self.interval
            with self._round:
                self._one_round(since_schedules >= self.schedule_interval)
            if since_schedules >= self.schedule_interval:
                since_schedules = 0.0

    def _one_round(self, schedules_due: bool) -> None:
        try:
            if self.waiting():
                self.stack.settle()
                self._busy_until = time.monotonic()
                if self.on_delivered:
                    self.on_delivered()
            if schedules_due and fire_due_schedules(self.stack) and self.on_delivered:
                self.on_delivered()
        except Exception:  # noqa: BLE001 - one failed round must not end delivery for the session
            traceback.print_exc(file=self.errors)

    def waiting(self) -> int:
        """Messages visible on the queues the functions read."""
        total = 0
        for url in self._queues:
            attributes = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
            total += int(attributes["Attributes"].get("ApproximateNumberOfMessages", 0))
        return total


def fire_due_schedules(stack: Stack) -> int:
    """Run the publish schedules due now (moto never fires them); the stack's clock keeps following real time."""
    if not stack.schedules():
        return 0
    fired = stack.run_schedules(datetime.now(UTC))
    # run_schedules leaves the clock at the instant it was given; a dev session runs on real time
    stack.set_time(None)
    return fired


class Watch:
    """Calls `on_change` with the paths that changed under a folder, from a background thread (watchfiles)."""

    def __init__(self, folder: Path, on_change: Callable[[set[Path]], Any], *, errors: IO[str] | None = None) -> None:
        self.folder = folder
        self.on_change = on_change
        self.errors = errors or sys.stderr
        self.ready = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, *, wait: bool = True) -> Self:
        """Start watching; `wait`: return once the watch is in place (else wait on `ready`)."""
        self._thread = threading.Thread(target=self._run, name=f"pressroom-watch-{self.folder.name}", daemon=True)
        self._thread.start()
        if wait:
            self.ready.wait(timeout=10)
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        import watchfiles

        # With yield_on_timeout the first (empty) batch arrives once the watch is in place: that is `ready`.
        for changes in watchfiles.watch(self.folder, stop_event=self._stop, debounce=300, step=50, rust_timeout=200,
                                        yield_on_timeout=True, raise_interrupt=False):
            self.ready.set()
            if not changes:
                continue
            try:
                self.on_change({Path(path) for _, path in changes})
            except Exception:  # noqa: BLE001 - keep watching after a failed round
                traceback.print_exc(file=self.errors)


class FolderWatcher:
    """Uploads what changes in a content folder to the stack's content bucket (deletions and renames too)."""

    def __init__(self, stack: Stack, folder: Path) -> None:
        self.root = folder.resolve()
        self.s3 = stack.client("s3")
        self.bucket = stack.content_bucket
        self.uploaded: dict[str, str] = {}  # key -> digest of what was uploaded last

    def files(self) -> list[tuple[str, Path]]:
        """The folder's inputs as (key, file), site.yaml first."""
        found = [(key, path) for path in sorted(self.root.rglob("*")) if path.is_file()
                 and (key := content_key(self.root, path)) is not None]
        return sorted(found, key=lambda item: (item[0] != urls.CONTENT_SITE_SETTINGS, item[0]))

    def apply(self, paths: Iterable[Path]) -> list[tuple[str, str]]:
        """Bring the bucket in line with the files at `paths` (changed, added or gone); returns (action, key)."""
        uploads: dict[str, Path] = {}
        gone: set[str] = set()
        for path in paths:
            path = Path(os.path.abspath(path))
            if path.is_dir():
                uploads.update((k, f) for f in path.rglob("*") if f.is_file()
                               and (k := content_key(self.root, f)) is not None)
            elif path.is_file():
                key = content_key(self.root, path)
                if key is not None:
                    uploads[key] = path
            else:
                try:
                    prefix = path.relative_to(self.root).as_posix()
                except ValueError:
                    continue
                gone |= {k for k in self.uploaded if k == prefix or k.startswith(prefix + "/")}
        done = []
        for key in sorted(uploads, key=lambda k: (k != urls.CONTENT_SITE_SETTINGS, k)):
            if self._upload(key, uploads[key]):
                done.append(("upload", key))
        for key in sorted(gone - uploads.keys()):
            if not (self.root / key).is_file():
                self.s3.delete_object(Bucket=self.bucket, Key=key)
                del self.uploaded[key]
                done.append(("delete", key))
        return done

    def _upload(self, key: str, path: Path) -> bool:
        try:
            data = path.read_bytes()
        except OSError:
            return False  # gone again already: the next change event removes it
        digest = hashlib.sha256(data).hexdigest()
        if self.uploaded.get(key) == digest:
            return False  # saved without a change
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=data)
        self.uploaded[key] = digest
        return True


class ThemeReloader:
    """When a file of the theme changes, the theme is read again and the whole site re-rendered at batch speed."""

    def __init__(self, session: DevSession, console: Any) -> None:
        self.session = session
        self.console = console

    def rebuild(self, paths: Iterable[Path] = ()) -> Any:
        render.load_theme.cache_clear()  # fingerprints and templates are read again on next use
        self.console.print("theme changed: rebuilding the site …")
        return self.session.reload()


class ReportPrinter:
    """Prints each upload report as it appears or changes: what was published where, and what was not."""

    def __init__(self, stack: Stack, console: Any, preview_url: str = "", *, book: ReportBook | None = None) -> None:
        self.book = book or ReportBook(stack.client("s3"), stack.content_bucket)
        self.console = console
        self.base = preview_url.rstrip("/")
        self.lock = threading.Lock()
        self._known: dict[str, dict[str, Any] | None] = {}  # content key -> its report as last taken in

    def sync(self, written: dict[str, tuple[str, bytes]] | None = None, *, only: bool = False) -> None:
        """Take in the current reports without printing them (a bulk load prints its own summary); `written`:
        the reports the load wrote, so that only the others are read; `only`: there are no others (a load
        into a new stack), so the bucket is not even listed."""
        with self.lock:
            for change in [*self.book.take_in(written or {}), *([] if only else self.book.refresh())]:
                self._known[change.key] = change.report

    def __call__(self) -> list[Change]:
        with self.lock:
            changes = self.book.refresh()
            for change in changes:
                before, self._known[change.key] = self._known.get(change.key), change.report
                if not _same_outcome(before, change.report):
                    self.console.print(self.line(change), highlight=False)
            return changes

    def line(self, change: Change) -> str:
        report = change.report
        if report is None:
            return f"[dim]removed[/dim]    {change.key}"
        status = str(report.get("status", ""))
        url = self.base + str(report["url"]) if report.get("url") else ""
        if status in NEEDS_ATTENTION:
            reasons = "; ".join(describe_errors(report)) or "(no reason given)"
            colour = "red" if status == Status.REJECTED else "yellow"
            return f"[{colour}]{status:<10}[/{colour}] {change.key}: {reasons}"
        warnings = "; ".join(describe_errors(report))
        if status == Status.DRAFT:
            return f"[cyan]draft[/cyan]      {change.key}: not published (`pressroom dev --drafts` shows it at {url})"
        if status == Status.SCHEDULED:
            return f"[cyan]scheduled[/cyan]  {change.key}: published at {report.get('scheduled_for', '?')} → {url}"
        return f"[green]{status:<10}[/green] {change.key} → {url}" + (f" [yellow]({warnings})[/yellow]" if warnings else "")


# keys of each bucket per repair run in `pressroom dev`: a run holds the delivery (about a second for these in
# moto), so a save or a reload waits at most that long behind the pass
REPAIR_SLICE = 50


class RepairPass:
    """One whole repair pass over the local stack, in the background, so that a bucket edited by hand heals.

    The pass's tasks go through the render queue and are delivered by the session's delivery, so a reload
    (which pauses delivery) never runs beside a slice. With `idle_for` (how long the delivery has had
    nothing to do), each slice waits until that is `quiet` seconds: the newsroom's saves go first, and a
    slice never reads the site while one of them is half published. One line is printed, and only when
    drift was found.
    """

    def __init__(self, stack: Stack, console: Any, *, errors: IO[str] | None = None,
                 idle_for: Callable[[], float] | None = None, quiet: float = 1.0) -> None:
        self.stack = stack
        self.idle_for = idle_for
        self.quiet = quiet
        self.console = console
        self.errors = errors or sys.stderr
        self.result: dict[str, Any] | None = None
        self.done = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._run, name="pressroom-repair", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _run(self) -> None:
        try:
            result = self.stack.run_repair(whole=True, settle=False, cancelled=self._stop.is_set,
                                           pace=self._wait_turn, size=REPAIR_SLICE)
        except Exception:  # noqa: BLE001 - a failed pass must not end the session
            if not self._stop.is_set():
                traceback.print_exc(file=self.errors)
            return
        finally:
            self.done.set()
        self.result = result
        if result["total"] and not self._stop.is_set():
            kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(result["drift"].items()))
            self.console.print(f"[yellow]repaired[/yellow]   {result['total']} drift between the local site and "
                               f"its index ({kinds}); `pressroom repair --stack {self.stack.stack_name} --all "
                               "--dry-run` lists such drift")


    def _wait_turn(self) -> None:
        """Until the delivery has been idle for `quiet` seconds, or the pass is stopped."""
        while self.idle_for is not None and not self._stop.is_set():
            idle = self.idle_for()
            if idle >= self.quiet:
                return
            self._stop.wait(min(self.quiet - idle, 0.25))


def _same_outcome(before: dict[str, Any] | None, after: dict[str, Any] | None) -> bool:
    """Whether a new report only says again what the last one said (the same upload published again, by a
    repair pass for example): nothing for the terminal."""
    if before is None or after is None:
        return False
    return {k: v for k, v in before.items() if k != "time"} == {k: v for k, v in after.items() if k != "time"}


class ChangeGate:
    """Takes a watch's changes from the start; keeps them until `open`, then hands them on as they come."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: set[Path] = set()
        self._target: Callable[[set[Path]], Any] | None = None

    def __call__(self, paths: set[Path]) -> Any:
        with self._lock:
            if self._target is None:
                self._pending |= paths
                return None
            target = self._target
        return target(paths)

    def open(self, target: Callable[[set[Path]], Any]) -> None:
        """From now on changes go to `target`; those seen so far go first."""
        with self._lock:
            pending, self._pending = self._pending, set()
            self._target = target
        if pending:
            target(pending)


class DevSession:
    """What `pressroom dev` runs, as one object tests can start and stop: stack, preview, delivery, watcher."""

    def __init__(self, folder: Path, *, port: int = 8000, drafts: bool = False, root: Path | None = None,
                 console: Any = None, log: Any = None, watch: bool = True) -> None:
        from rich.console import Console

        self.folder = folder
        self.port = port
        self.drafts = drafts
        self.root = root or Path.cwd()
        self.console = console or Console(highlight=False, soft_wrap=True)
        self.log = log if log is not None else LogTail()
        self.watch = watch
        self.stack: Stack | None = None
        self.server: PreviewServer | None = None
        self.delivery: Delivery | None = None
        self.watcher: FolderWatcher | None = None
        self.theme: ThemeReloader | None = None
        self.watches: list[Watch] = []
        self.printer: ReportPrinter | None = None
        self.repair: RepairPass | None = None

    @property
    def preview_url(self) -> str:
        assert self.server is not None
        return self.server.url

    def start(self) -> Self:
        from pressroom.cli.build import progress_bar
        from pressroom.local import Stack
        from pressroom.preview import Cdn, Preview, PreviewServer
        from pressroom.preview.server import stack_services
        from pressroom.publish.batch import MemorySite

        self.stack = Stack(root=self.root, server_port=0, log=self.log)
        # watching starts before the first scan: a save made while loading is kept, and a theme edit too
        gate, theme_gate = ChangeGate(), ChangeGate()
        if self.watch:
            self.watches = [Watch(self.folder.resolve(), gate).start(wait=False),
                            Watch(render.DEFAULT_THEME, theme_gate).start(wait=False)]
            for watch in self.watches:
                watch.ready.wait(timeout=10)
        try:
            with progress_bar(self.console) as progress:
                started = time.monotonic()
                # the folder is read and rendered while the stack deploys: the two share nothing until the load
                build = self._build(progress, aside=True)
                book = ReportBook()
                preview = Preview(None, Cdn.from_template(self.stack.root / "template.yaml"), drafts=self.drafts,
                                  reports=book, origin=MemorySite())
                self.server = PreviewServer(preview, port=self.port).bind()  # a port in use fails now
                # the built site answers as soon as it is there, while the stack deploys and loads it
                build.add_done_callback(lambda done: self._answer_from_build(done, preview, book))
                self.stack.start()
                book.connect(self.stack.client("s3"), self.stack.content_bucket)
                self.stack.serve_site_at(self.server.url)  # what `pressroom publish --stack` prints URLs on
                self.printer = ReportPrinter(self.stack, self.console, self.server.url, book=book)
                self.watcher = FolderWatcher(self.stack, self.folder)
                self.load(building=build, progress=progress, started=started)
                preview.serve_from(stack_services(self.stack))
        except BaseException:
            self.stop()
            raise
        try:
            self.server.start()  # (when the build could not answer first) the preview answers once loaded
            self.delivery = Delivery(self.stack, on_delivered=self.printer).start()
            gate.open(self.apply)  # saves made while loading, then each as it comes
            # after the preview is up, and behind the saves: a whole pass costs a few reads per key, as long as
            # a load at 2,000 articles
            self.repair = RepairPass(self.stack, self.console, idle_for=self.delivery.idle_for).start()
            if self.watch:
                self.theme = ThemeReloader(self, self.console)
                theme_gate.open(self.theme.rebuild)
        except BaseException:
            self.stop()
            raise
        return self

    def _answer_from_build(self, done: Future[Any], preview: Any, book: ReportBook) -> None:
        """Serve the built folder until the stack holds it (`load` brings the stack to exactly this site)."""
        server = self.server
        if done.cancelled() or done.exception() is not None or server is None:
            return  # the load reports the failure
        built = done.result()
        book.take_in_decided(built.reports())
        preview.origin = built.site_pages
        server.start()
        with contextlib.suppress(RuntimeError):  # stopped meanwhile: nothing to say
            self.console.print(f"previewing the built folder on {server.url} while the local stack starts …")

    def _build(self, progress: Any = None, *, aside: bool = False) -> Any:
        """The folder's Build; `aside`: a future of it, built meanwhile (see `build_aside`)."""
        from pressroom.publish.batch import build_aside, build_folder

        assert self.stack is not None
        build = build_aside if aside else build_folder
        return build(self.folder, now=self.stack.now(), theme_dir=self.stack.theme, progress=progress)

    def load(self, *, again: bool = False, building: Future[Any] | None = None, progress: Any = None,
             started: float | None = None) -> Any:
        """Bring the stack to the folder's state in bulk, through the batch core; returns the build.

        `again` (a settings or theme edit): pages stay online while they are rewritten, what the folder no
        longer makes is removed, and uploads made from outside the folder are published again afterwards.
        `building`: the build, under way since `started` (with `progress` as its bar).
        """
        from pressroom.cli.build import progress_bar
        from pressroom.publish.batch import EmptyFolder

        assert self.stack is not None and self.watcher is not None and self.printer is not None
        started = started if started is not None else time.monotonic()
        bar_context = contextlib.nullcontext(progress) if building is not None else progress_bar(self.console)
        try:
            with bar_context as bar:
                built = building.result() if building is not None else self._build(bar)
                outside = self._outside_uploads(built) if again else {}
                loaded = self.stack.load(built, progress=bar, replace_all=again)
        except EmptyFolder:
            return None  # nothing to load yet: whatever is saved later is published as it comes
        self.slug_mode = built.site.slugs
        self.watcher.uploaded = dict(loaded.uploaded)
        for key in loaded.changed:  # saved again while the batch ran: publish what is on disk now
            self.watcher.uploaded.pop(key, None)
            self.watcher.apply([self.watcher.root / key])
        s3 = self.stack.client("s3")
        for key, body in outside.items():
            s3.put_object(Bucket=self.stack.content_bucket, Key=key, Body=body)
        self.printer.sync(loaded.reports, only=not again)
        self.summary(built, time.monotonic() - started)
        return built

    def _outside_uploads(self, built: Any) -> dict[str, bytes]:
        """Inputs in the stack's content bucket that the folder does not hold (uploaded with the AWS API)."""
        from pressroom.local.moto_gaps import object_keys_directly

        assert self.stack is not None
        s3, bucket = self.stack.client("s3"), self.stack.content_bucket
        return {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in object_keys_directly(bucket)
                if urls.is_input_key(key) and key not in built.folder.inputs}

    def summary(self, built: Any, seconds: float) -> None:
        """The files that need the newsroom's attention, then one line of counts."""
        for verdict in built.verdicts.values():
            if verdict.status in NEEDS_ATTENTION:
                reasons = "; ".join(p.describe() for p in verdict.problems) or "(no reason given)"
                colour = "red" if verdict.status == Status.REJECTED else "yellow"
                self.console.print(f"[{colour}]{verdict.status.value:<10}[/{colour}] {verdict.key}: {reasons}")
        # articles published (and media, when there are any), as `pressroom build` counts them: site.yaml and
        # media are no articles
        media = built.count(Status.PUBLISHED, urls.is_media_key)
        counts = ", ".join([f"{built.count(Status.PUBLISHED, urls.is_article_key)} articles published",
                            *([f"{media} media published"] if media else []),
                            *(f"{built.count(s)} {s.value}" for s in (Status.REJECTED, Status.HELD, Status.DRAFT,
                                                                       Status.SCHEDULED))])
        self.console.print(f"loaded {self.folder}: {counts} in {seconds:.1f} s")

    def apply(self, paths: set[Path]) -> list[tuple[str, str]]:
        """A change in the folder: single files through the real pipeline; valid settings at batch speed (a
        refused site.yaml goes through the pipeline too, which reports it and keeps the last good settings)."""
        assert self.watcher is not None
        settings = self.watcher.root / urls.CONTENT_SITE_SETTINGS
        mode = self._slug_mode(settings) if any(settings == Path(os.path.abspath(p)) for p in paths) else None
        if mode is not None and mode != getattr(self, "slug_mode", mode):
            # every URL moves: the pipeline republishes each article from its state, so the old URLs redirect
            self.console.print(f"site.yaml changed slugs to {mode}: republishing every article so that its old "
                               "URL redirects …")
            self.slug_mode = mode
            return self.watcher.apply(paths)
        if mode is not None:
            self.console.print("site.yaml changed: rebuilding the site …")
            self.reload()
            return [("reload", urls.CONTENT_SITE_SETTINGS)]
        return self.watcher.apply(paths)

    @staticmethod
    def _slug_mode(settings: Path) -> str | None:
        """The `slugs:` of a valid site.yaml; None when it cannot be read or is refused."""
        from pressroom.errors import Rejected
        from pressroom.site import parse_site

        try:
            return parse_site(settings.read_bytes()).slugs
        except (OSError, Rejected):
            return None

    def reload(self) -> Any:
        """Re-render the whole site through the batch core (settings or theme edits), pausing delivery while
        the stack is written (the folder is read and rendered meanwhile: a delivery round may be under way)."""
        from pressroom.cli.build import progress_bar

        assert self.delivery is not None
        started = time.monotonic()
        with progress_bar(self.console) as bar, ThreadPoolExecutor(1, thread_name_prefix="pressroom-build") as pool:
            building = pool.submit(self._build, bar)
            with self.delivery.paused():
                return self.load(again=True, building=building, progress=bar, started=started)

    def stop(self) -> None:
        for part in (*self.watches, self.repair, self.delivery, self.server):
            if part is not None:
                part.stop()
        if self.stack is not None:
            self.stack.stop()
        self.watches = []
        self.theme = self.watcher = self.delivery = self.server = self.stack = self.repair = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


NOISY_LOGGERS = ("moto", "botocore", "boto3", "urllib3", "werkzeug", "s3transfer")


@contextlib.contextmanager
def quiet_terminal(log_path: Path) -> Iterator[Path]:
    """Inside, the libraries' log records (moto naming each resource type it does not model, botocore) and every
    Python warning go to `log_path`, not to the terminal, which keeps Pressroom's own lines only."""
    import logging
    import warnings

    log_path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_path, mode="w", encoding="utf-8")  # this session's lines only
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    saved = []
    for name in NOISY_LOGGERS:
        found = logging.getLogger(name)
        saved.append((found, found.propagate))
        found.addHandler(handler)
        found.propagate = False  # not to the root logger, nor to Python's last-resort stderr handler
    shown = warnings.showwarning

    def to_log(message: Any, category: type[Warning], filename: str, lineno: int, file: Any = None,
               line: str | None = None) -> None:
        handler.stream.write(warnings.formatwarning(message, category, filename, lineno, line))
        handler.flush()

    warnings.showwarning = to_log
    try:
        yield log_path
    finally:
        warnings.showwarning = shown
        for found, propagate in saved:
            found.removeHandler(handler)
            found.propagate = propagate
        handler.close()


def dev_log_path(port: int) -> Path:
    """Where `pressroom dev` writes the libraries' log lines and warnings (one file per port)."""
    import tempfile

    return Path(tempfile.gettempdir()) / f"pressroom-dev-{port or 'any'}.log"


@main.command()
@click.argument("content_dir", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port of the preview on 127.0.0.1 (0: any free port).")
@click.option("--drafts", is_flag=True, help="Also preview drafts and scheduled posts (never published).")
@click.option("--verbose", "-v", is_flag=True, help="Show the functions' log lines.")
def dev(content_dir: Path | None, port: int, drafts: bool, verbose: bool) -> None:
    """Run the whole system locally on CONTENT_DIR and preview it on http://127.0.0.1:PORT/.

    A local stack (moto, in server mode: boto3 and the AWS CLI can use it too) publishes the folder
    through the real pipeline, then every change, deletion and rename in it; uploads made with the AWS
    CLI are published as well. The preview serves the site bucket the way the CDN does and reloads open
    pages when they change. CONTENT_DIR defaults to the content folder around the current folder.
    """
    from rich.console import Console

    folder = content_dir or content_root(Path.cwd()) or Path.cwd()
    console = Console(file=sys.stdout, highlight=False, soft_wrap=True)
    meant = content_root(folder.resolve().parent) if not (folder / urls.CONTENT_SITE_SETTINGS).is_file() \
        and not (folder / urls.CONTENT_ARTICLES).is_dir() else None
    if meant is not None:
        raise click.UsageError(f"{folder} has neither site.yaml nor articles/; the content folder is probably {meant}")
    if not (folder / urls.CONTENT_SITE_SETTINGS).is_file():
        console.print(f"[yellow]no site.yaml in {folder}[/yellow]: the site uses the default settings")
    log_path = dev_log_path(port)
    console.print(f"starting a local stack and publishing {folder.resolve()} …  (moto's and botocore's messages: "
                  f"{log_path})")
    with quiet_terminal(log_path):
        _serve(folder, port, drafts, verbose, console)


def _serve(folder: Path, port: int, drafts: bool, verbose: bool, console: Any) -> None:
    session = DevSession(folder, port=port, drafts=drafts, console=console, log=sys.stderr if verbose else None)
    try:
        session.start()
    except FileNotFoundError as exc:  # no template.yaml to deploy
        console.print(f"[red]{exc}[/red]")
        sys.exit(EXIT_USAGE)
    except OSError as exc:
        console.print(f"[red]cannot serve the preview on 127.0.0.1:{port}[/red]: {exc.strerror or exc} "
                      "(choose another --port)")
        sys.exit(EXIT_USAGE)
    stack = session.stack
    assert stack is not None
    console.print(
        f"\npreview       {session.preview_url}{'  (drafts shown)' if drafts else ''}\n"
        f"AWS endpoint  {stack.endpoint_url}  (AWS_ENDPOINT_URL; any credentials, region us-east-1)\n"
        f"stack         {stack.stack_name}  (pressroom status --stack {stack.stack_name})\n"
        f"content       s3://{stack.content_bucket}/\n"
        f"watching      {folder.resolve()}\n"
        f"theme         {render.DEFAULT_THEME}  (an edit rebuilds the site)\n"
        "Ctrl-C stops.")
    sys.stdout.flush()
    stopped = threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        while not stopped.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        console.print("stopping …")
        session.stop()
    sys.exit(EXIT_OK)
