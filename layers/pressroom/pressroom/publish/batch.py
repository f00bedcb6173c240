"""The batch shell: a whole content folder decided with the core, parsed in worker processes, held in memory."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import multiprocessing
import os
import posixpath
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path, PurePath
from typing import Any

from pressroom import collect_less, render, urls
from pressroom.config import DEFAULT_MAX_UPLOAD_BYTES
from pressroom.content import Article
from pressroom.errors import Problem, Rejected
from pressroom.index import SourceState, sort_key
from pressroom.media import MAX_MEDIA_BYTES, media_type
from pressroom.model import Post
from pressroom.publish.core import Known, Plan, Reading, Status, decide, read_upload
from pressroom.publish.listings import Affected, Listings
from pressroom.site import Site, parse_site
from pressroom.storage import REDIRECT_META, SiteBucket

EDITOR_LEFTOVERS = ("~", ".swp", ".swx", ".swo", ".tmp", ".part", ".crdownload", ".bak")
VIM_PROBE = "4913"  # vim writes and deletes a file of this name to test that a folder is writable
IN_PROCESS_BELOW = 64  # smaller folders are parsed in this process: starting workers would cost more
CHUNK = 64
WRITERS = 8  # threads creating a built site's files, on a file system slow to create them
SLOW_CREATE_S = 0.0002  # a file or folder created slower than this: the file system waits on something
TRIAL = 64  # creations timed before deciding

Progress = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass
class Verdict:
    """What the pipeline does with one file of the folder."""

    key: str
    path: Path
    status: Status
    url: str = ""
    problems: list[Problem] = field(default_factory=list)
    winner: str = ""  # for a held article: the key that owns its URL
    date: str = ""  # an article's publication date (ISO 8601), as the pipeline dates it

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


@dataclass
class Folder:
    """A content folder as the pipeline sees it: its inputs by bucket key, and the files it never reads."""

    root: Path
    inputs: dict[str, Path]  # bucket key -> file, sorted by key
    ignored: dict[str, str]  # relative path -> why the pipeline never reads it


class EmptyFolder(ValueError):
    """A folder with neither site.yaml nor articles/: most likely not the content folder meant."""


class InTheWay(ValueError):
    """A site that cannot be written into a folder as it is: a file where one of its folders goes."""


def in_the_way(base: str, keys: Iterable[str]) -> str | None:
    """Why the site of these keys cannot be written into the folder `base` (None when it can): a key whose
    file is a folder of another key (in a bucket `a` and `a/b` may both be objects, not on a disk), or a
    file already in `base` where a folder of the site goes (a CNAME where an alias wants CNAME/index.html), or a
    folder already there where a file of the site goes.
    Only folders whose parent exists are looked at: nothing, below a folder the build makes."""
    files = {posixpath.normpath(key) for key in keys}
    folders = {parent for key in files for parent in itertools.accumulate(key.split("/")[:-1],
                                                                           lambda a, b: f"{a}/{b}")}
    clash = sorted(files & folders)
    if clash:
        return f"the site has both the file {clash[0]} and files in a folder of that name"
    missing: set[str] = set()
    for folder in sorted(folders, key=lambda f: f.count("/")):
        parent = posixpath.dirname(folder)
        if parent in missing:
            missing.add(folder)
            continue
        path = os.path.join(base, folder)
        if not os.path.lexists(path):
            missing.add(folder)
        elif not os.path.isdir(path):
            needing = min(key for key in files if key.startswith(folder + "/"))
            return f"{path} is a file where the site needs a folder (for {needing})"
    for key in sorted(files):
        if posixpath.dirname(key) not in missing and os.path.isdir(os.path.join(base, key)):
            return f"{os.path.join(base, key)} is a folder where the site writes the file {key}"
    return None


def never_uploaded(relative: str | PurePath) -> bool:
    """Hidden files and folders and editor leftovers (backups, swap files) are never uploaded. `relative`: a
    relative path, or a key (a string: no path object is made for each file of a large folder)."""
    parts = relative.split("/") if isinstance(relative, str) else relative.parts
    name = parts[-1] if parts else ""
    return any(part.startswith((".", "#")) for part in parts) or name.endswith(EDITOR_LEFTOVERS) \
        or name == VIM_PROBE


def scan(root: Path) -> Folder:
    """Every file under `root`, split into the pipeline's inputs and what it ignores (with the reason)."""
    root = Path(root)
    if not (root / urls.CONTENT_SITE_SETTINGS).is_file() and not (root / urls.CONTENT_ARTICLES).is_dir():
        hint = content_root(root.parent)
        suggestion = f"; the content folder is probably {hint}" if hint else ""
        raise EmptyFolder(f"{root} has neither site.yaml nor articles/{suggestion}")
    inputs: dict[str, Path] = {}
    ignored: dict[str, str] = {}
    for key in sorted(_files(root)):
        if never_uploaded(key):
            ignored[key] = "hidden files and editor leftovers are not uploaded"
        elif urls.is_input_key(key):
            inputs[key] = root / key
        else:
            ignored[key] = "the pipeline reads only site.yaml, articles/ and media/"
    return Folder(root, inputs, ignored)


def _files(root: Path, prefix: str = "") -> Iterator[str]:
    """The relative path of every file under `root` (links to files included; linked folders are not entered,
    as `Path.rglob` does not enter them), with strings rather than Path objects: a large archive has
    thousands."""
    try:
        entries = list(os.scandir(root))
    except (PermissionError, NotADirectoryError):
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from _files(Path(entry.path), prefix + entry.name + "/")
        elif entry.is_file():
            yield prefix + entry.name


MANIFEST = ".pressroom-files"  # in a built folder: the files the last build wrote there, one a line


@dataclass
class Leftovers:
    """What a folder a build wrote holds besides that build's files, by their paths relative to it."""

    stale: list[str]  # files an earlier build wrote that this one did not: `--clean` removes them
    others: list[str]  # files no build wrote (a README, a CNAME, a content folder): always left alone


def leftovers(out: Path, written: Iterable[str]) -> Leftovers:
    """The files under `out` that a build which wrote `written` there (relative paths) did not write: those an
    earlier build wrote (named in the manifest it left, `MANIFEST`) and the others. Hidden files and folders (a
    git repository, the manifest) are never a build's, and are not looked into."""
    base = out.resolve()
    kept = set(written)
    earlier = set(read_manifest(base))
    stale, others = [], []
    for relative in sorted(_files(base)):
        if relative in kept or never_uploaded(relative):
            continue
        (stale if relative in earlier else others).append(relative)
    return Leftovers(stale, others)


def read_manifest(base: Path) -> list[str]:
    """The relative paths the manifest in `base` names, those that stay inside it (an edited manifest names
    nothing outside the folder)."""
    try:
        lines = (base / MANIFEST).read_text(encoding="utf-8").split("\n")  # as written: a name may hold U+2028
    except (OSError, UnicodeDecodeError):
        return []
    return [line for line in lines if line and not line.startswith("#") and _target(str(base), line) is not None]


def write_manifest(base: Path, written: Iterable[str]) -> None:
    """Name the files a build wrote into `base` (relative paths), for the next build's `leftovers` (an atomic
    replace)."""
    base = base.resolve()
    text = "# the files `pressroom build` last wrote here; `--clean` removes only files named here\n"
    temporary = base / (MANIFEST + ".tmp")
    temporary.write_text(text + "".join(name + "\n" for name in sorted(written)), encoding="utf-8")
    os.replace(temporary, base / MANIFEST)


def remove_stale(base: Path, stale: Iterable[str]) -> None:
    """Remove these files (relative paths), then each folder they leave empty (up to `base`, which stays)."""
    base = base.resolve()
    folders = set()
    for relative in stale:
        path = base / relative
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        folders.update(parent for parent in path.parents if base in parent.parents)
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
        with contextlib.suppress(OSError):  # not empty, or gone
            folder.rmdir()


def content_root(start: Path) -> Path | None:
    """The content folder `start` belongs to: the nearest folder at or above it (above it, for a file) that
    holds site.yaml or articles/; None outside any content folder."""
    start = Path(os.path.abspath(start))
    for folder in (start, *start.parents) if start.is_dir() else start.parents:
        if (folder / urls.CONTENT_SITE_SETTINGS).is_file() or (folder / urls.CONTENT_ARTICLES).is_dir():
            return folder
    return None


class MemoryIndex:
    """The posts index of a built site, answering the listing reads as PostsIndex answers them from DynamoDB."""

    def __init__(self, posts: Iterable[Post]) -> None:
        self.posts = sorted(posts, key=sort_key, reverse=True)  # newest first, as every listing reads them
        self.by_tag: dict[str, list[tuple[str, Post]]] = {}
        self.by_month: dict[tuple[int, int], list[Post]] = {}
        for post in self.posts:
            self.by_month.setdefault(post.month, []).append(post)
            for tag, slug in zip(post.tags, post.tag_slugs, strict=True):
                self.by_tag.setdefault(slug, []).append((tag, post))

    def newest(self, limit: int) -> list[Post]:
        return self.posts[:limit]

    def months(self) -> list[tuple[int, int]]:
        return sorted(self.by_month, reverse=True)

    def month(self, year: int, month: int) -> list[Post]:
        return list(self.by_month.get((year, month), []))

    def tag(self, tag_slug: str, *, limit: int | None = None, year: int | None = None) -> tuple[str, list[Post]]:
        entries = self.by_tag.get(tag_slug, [])
        if year is not None:
            entries = [(t, p) for t, p in entries if p.date.year == year]
        entries = entries[:limit] if limit is not None else entries
        return (entries[0][0] if entries else tag_slug), [p for _, p in entries]

    def tag_years(self, tag_slug: str) -> list[int]:
        return sorted({p.date.year for _, p in self.by_tag.get(tag_slug, [])}, reverse=True)

    def all_tag_years(self, *, former: bool = False) -> list[tuple[str, int]]:
        return [] if former else [(slug, year) for slug in self.by_tag for year in self.tag_years(slug)]

    def tag_name(self, tag_slug: str) -> str:
        entries = self.by_tag.get(tag_slug)
        return entries[0][0] if entries else ""  # a built site has no history: no tag it once had


class MemorySite:
    """The site as the bucket would hold it: rendered pages in memory, media as the files they are copied from."""

    def __init__(self) -> None:
        self.pages: dict[str, bytes] = {}
        self.files: dict[str, Path] = {}  # media: copied as they are, never held in memory
        self.content_types: dict[str, str] = {}
        self.metadata: dict[str, dict[str, str]] = {}  # user metadata beyond the digest (a redirect's target)
        self._written: dict[str, tuple[str, bytes | Path]] = {}  # key -> the file it was written to, and what

    def put(self, page: render.Page, *, extra_metadata: dict[str, str] | None = None) -> bool:
        if page.redirect:
            extra_metadata = {REDIRECT_META: page.redirect, **(extra_metadata or {})}
        changed = self.pages.get(page.key) != page.body or self.metadata.get(page.key, {}) != (extra_metadata or {})
        self.pages[page.key] = page.body
        self.content_types[page.key] = page.content_type
        if extra_metadata:
            self.metadata[page.key] = dict(extra_metadata)
        else:
            self.metadata.pop(page.key, None)
        return changed

    def put_written(self, key: str, target: str, content_type: str) -> None:
        """A page a worker process wrote to `target` as it rendered it: held as the file it is."""
        self.pages.pop(key, None)
        self.metadata.pop(key, None)
        self.put_file(key, Path(target), content_type)
        self._written[key] = (target, self.files[key])

    def put_file(self, key: str, path: Path, content_type: str) -> None:
        self.files[key] = path
        self.content_types[key] = content_type

    def delete(self, key: str) -> None:
        for held in (self.pages, self.files, self.content_types, self.metadata):
            held.pop(key, None)  # type: ignore[attr-defined]
        written = self._written.pop(key, None)
        if written is not None:  # written out already: the file goes too
            with contextlib.suppress(FileNotFoundError):
                os.remove(written[0])

    def keys(self) -> list[str]:
        return sorted(self.pages.keys() | self.files.keys())

    def body(self, key: str) -> bytes:
        return self.pages[key] if key in self.pages else self.files[key].read_bytes()

    def stored(self, key: str) -> tuple[bytes, str, dict[str, str]] | None:
        """The object at `key` as the site bucket would hold it: body, Content-Type and user metadata (a
        page's content hash and redirect target; a media file's hash is its upload's, known only to a bucket)."""
        if key in self.pages:
            page = render.Page(key, self.pages[key], self.content_types[key])
            return page.body, page.content_type, SiteBucket.metadata_for(page, self.metadata.get(key))
        if key in self.files:
            try:
                return self.files[key].read_bytes(), self.content_types[key], {}
            except OSError:  # removed from the folder since it was built
                return None
        return None

    def write(self, out: Path, keys: Iterable[str] | None = None) -> list[str]:
        """Every object (or those of `keys`) as a file under `out`; a key that would leave `out` is not written,
        nor one written there already as it is now (a build writes its article pages as they come). Returns the
        path of each of those files relative to `out`, whether written now or before.

        On some disks (virtual machines, network shares) creating a folder or a file waits on the file
        system's journal for about a millisecond; those waits overlap when several threads create at once,
        as a static generator writing from all its cores does. Where creating is fast (a local disk, a RAM
        disk), threads only slow it down (three times, measured on a RAM disk), so the first creations are
        timed in this thread and the rest go to threads only when they were slow."""
        base = str(out.resolve())
        targets: dict[str, str] = {}
        for key in self.keys() if keys is None else keys:
            target = _target(base, key)
            if target is not None:
                targets[key] = target
        fresh = {key: target for key, target in targets.items() if self._written.get(key) != (target, self._held(key))}
        # each folder made once, its parents first (makedirs makes the missing ones), then every file
        folders = sorted({os.path.dirname(target) for target in fresh.values()}, key=len)
        steps: list[Callable[[], Any]] = [partial(os.makedirs, folder, exist_ok=True) for folder in folders]
        steps += [partial(self._write_one, key, target) for key, target in fresh.items()]
        started = time.perf_counter()
        for step in steps[:TRIAL]:
            step()
        rest = steps[TRIAL:]
        if rest and time.perf_counter() - started > SLOW_CREATE_S * TRIAL:
            with ThreadPoolExecutor(max_workers=WRITERS) as pool:
                # the folders before the files: a file's folder is among the steps before it
                for group in (rest[: max(len(folders) - TRIAL, 0)], rest[max(len(folders) - TRIAL, 0):]):
                    list(pool.map(lambda step: step(), group))
        else:
            for step in rest:
                step()
        return [posixpath.normpath(key) for key in targets]

    def _held(self, key: str) -> bytes | Path:
        return self.pages[key] if key in self.pages else self.files[key]

    def _write_one(self, key: str, target: str) -> None:
        held = self._held(key)
        if isinstance(held, bytes):
            write_file(target, held)
        else:
            shutil.copyfile(held, target)
        self._written[key] = (target, held)


@dataclass
class Build:
    """A whole folder, decided: a verdict per file and, unless only checking, the site's pages."""

    folder: Folder
    site: Site
    verdicts: dict[str, Verdict]  # by key (ignored files by their relative path)
    site_pages: MemorySite
    plans: dict[str, Plan] = field(default_factory=dict)  # every article's plan, by key
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    digests: dict[str, str] = field(default_factory=dict)  # SHA-256 of the bytes each input was judged on

    def count(self, status: Status, of: Callable[[str], bool] | None = None) -> int:
        """How many files have this status (of those whose key `of` accepts, e.g. `urls.is_article_key`)."""
        return sum(1 for k, v in self.verdicts.items() if v.status == status and (of is None or of(k)))

    def reports(self) -> dict[str, dict[str, Any]]:
        """The report the pipeline writes for each input (`_reports/<key>.json`), by content key, without the
        upload's version: an article's from its plan, site.yaml's and a media file's from their verdicts."""
        found = {key: dict(plan.report) for key, plan in self.plans.items() if plan.report is not None}
        for key, verdict in self.verdicts.items():
            if key in self.folder.inputs and (urls.is_media_key(key) or key == urls.CONTENT_SITE_SETTINGS):
                found[key] = {"key": key, "status": verdict.status.value, "url": verdict.url,
                              "errors": [p.as_dict() for p in verdict.problems], "time": self.now.isoformat()}
        return dict(sorted(found.items()))


def _read_file(args: tuple[str, str, Site, datetime, int]) -> tuple[Reading, str]:
    key, path, site, now, max_bytes = args
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:  # deleted since the folder was scanned: as the pipeline sees a deleted key
        return Reading(key, Status.DELETED), ""
    return read_upload(key, data, site, now=now, max_bytes=max_bytes, size=len(data)), digest(data)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_held: dict[str, Article] = {}  # in a worker process: the articles it read for the build named below, by key
_held_for = ""
_unwritten: list[tuple[render.Page, str]] = []  # pages it rendered and holds until the build has them written


def _start_worker() -> None:
    collect_less()


def _working_for(build: str) -> None:
    """In a worker: what it holds is for `build` from now on (another build's is dropped)."""
    global _held_for
    if build != _held_for:
        _held.clear()
        _unwritten.clear()
        _held_for = build


def _read_chunk(chunk: list[tuple[str, str, Site, datetime, int]], build: str = "") -> list[tuple[Reading, str]]:
    """Parse a chunk; in a worker of `build`, keep each article read, for its page to be rendered here too."""
    found = [_read_file(args) for args in chunk]
    if build:
        _working_for(build)
        for reading, _ in found:
            if reading.article is not None:
                _held[reading.key] = reading.article
    return found


def _warm(job: tuple[str, Site, str | None]) -> None:
    """In a worker, while the build decides (it waits meanwhile): one page of an article it read is rendered and
    dropped, so that Jinja, the theme's templates and the language's catalog and dates are loaded before the
    pages are rendered. A failure is left for that rendering to raise."""
    build, site, theme_dir = job
    article = next((a for a in _held.values() if a.date is not None), None) if build == _held_for else None
    if article is not None:
        with contextlib.suppress(Exception):
            render.article_page(render.load_theme(theme_dir), site, article, [])


def _render_held(job: tuple[str, list[str], Site, str | None, list[Post], str | None],
                 ) -> list[tuple[str, str, bytes | None]]:
    """In a worker: the pages of the articles it read for `build`, by their content keys; each page's key,
    Content-Type and body, or with `out` (a folder), None for the body: the page is held here, to be written
    there when the whole site is rendered (`_write_held`)."""
    build, keys, site, theme_dir, recent, out = job
    if build != _held_for:
        raise LookupError("this worker read none of the build's articles")
    return _render_into(out, [_held.pop(key) for key in keys], site, theme_dir, recent)  # each rendered once


def _render_given(job: tuple[str, list[Article], Site, str | None, list[Post], str | None],
                  ) -> list[tuple[str, str, bytes | None]]:
    """In a worker: `_render_held` for articles the build read elsewhere, given with the task."""
    build, articles, site, theme_dir, recent, out = job
    _working_for(build)
    return _render_into(out, articles, site, theme_dir, recent)


def _render_into(out: str | None, articles: list[Article], site: Site, theme_dir: str | None,
                 recent: list[Post]) -> list[tuple[str, str, bytes | None]]:
    theme = render.load_theme(theme_dir)
    done: list[tuple[str, str, bytes | None]] = []
    for article in articles:
        page = render.article_page(theme, site, article, recent)
        target = _target(out, page.key) if out is not None else None
        if target is None:
            done.append((page.key, page.content_type, page.body))
            continue
        _unwritten.append((page, target))
        done.append((page.key, page.content_type, None))
    return done


def _write_held(build: str) -> int:
    """In a worker: write the pages it rendered for `build` and has not written yet; how many it wrote."""
    if build != _held_for:
        raise LookupError("this worker read none of the build's articles")
    written = 0
    while _unwritten:
        page, target = _unwritten.pop()
        write_file(target, page.body, make_folder=True)
        written += 1
    return written


def write_file(target: str, body: bytes, *, make_folder: bool = False) -> None:
    """Write `body` to the file `target` (and, with `make_folder`, its folder first, when missing): with the
    system calls alone, a few microseconds less a file than `open()`, for the thousands of pages of a build."""
    if make_folder:
        try:
            os.mkdir(os.path.dirname(target))
        except FileExistsError:
            pass
        except FileNotFoundError:  # its parent is missing too
            os.makedirs(os.path.dirname(target), exist_ok=True)
    handle = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o666)
    try:
        view = memoryview(body)
        while view:
            view = view[os.write(handle, view):]
    finally:
        os.close(handle)


def _target(base: str, key: str) -> str | None:
    """Where `key` is written under the folder `base` (resolved); None for a key that would leave it."""
    normal = posixpath.normpath(key)
    if normal.startswith(("/", "../")) or normal in (".", ".."):
        return None
    return os.path.join(base, normal)


FILES_PER_WORKER = 10  # descriptors a worker's executor holds in this process (its queues, pipes and wakeup)
WATCH_SECONDS = 0.5  # how often a wait for a worker's answer looks whether its process is still there


def _workers_allowed() -> int:
    """As many workers as the open-file limit leaves room for, with a margin for the build's own files."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):
        return 1 << 16
    return (1 << 16) if soft == resource.RLIM_INFINITY else max(1, (soft - 64) // FILES_PER_WORKER)


class Workers:
    """The worker processes of one build, one per core, shared by its reading and its rendering: each has its
    own executor, so that the page of an article is rendered by the worker that read it (the article is not
    sent back and forth, nor its page, when the worker writes it). They are started on first use; with fewer
    than two, or when they cannot start, the work is done in this process."""

    def __init__(self, count: int | None = None) -> None:
        self.count = min(count or os.cpu_count() or 1, _workers_allowed())
        self.build = os.urandom(16).hex()  # names this build's articles in the workers
        self.held: dict[str, int] = {}  # content key -> the worker that read it and holds its article
        self._executors: list[ProcessPoolExecutor] | None = None
        self._pids: list[Future[int]] = []  # each worker's process id, as its first task answers it
        self._lost: set[int] = set()  # workers whose process ended with tasks unanswered
        self._lock = threading.Lock()
        self._starting: threading.Thread | None = None
        self.broken = self.count < 2

    def executors(self) -> list[ProcessPoolExecutor] | None:
        with self._lock:
            if self._executors is None and not self.broken:
                context = _process_context()
                made: list[ProcessPoolExecutor] = []
                try:
                    for _ in range(self.count):
                        made.append(ProcessPoolExecutor(max_workers=1, mp_context=context,
                                                        initializer=_start_worker))
                    self._executors = made
                    self._pids = [executor.submit(_ready) for executor in made]  # starts each process
                except OSError:  # no file descriptor or process left for them: the work is done here
                    for executor in made:
                        executor.shutdown(wait=False)
                    self.broken = True
            return None if self.broken else self._executors

    def start(self) -> None:
        """Start the processes in the background now, so that they are ready when the work comes: the first
        one waits for the fork server to import the batch core (a few tenths of a second), which the folder's
        scan and settings then overlap."""
        def start_all() -> None:
            try:
                self.executors()
            except (BrokenProcessPool, OSError):  # then the work is done in this process
                self.broken = True

        self._starting = threading.Thread(target=start_all, name="pressroom-workers", daemon=True)
        self._starting.start()

    def warm(self, site: Site, theme_dir: str | None) -> None:
        """Have each worker load what rendering the pages of the articles it read needs (`_warm`), next."""
        for worker in range(len(self._executors or [])):
            with contextlib.suppress(BrokenProcessPool, OSError):  # then its pages are rendered here
                (self._executors or [])[worker].submit(_warm, (self.build, site, theme_dir))

    def starting(self) -> bool:
        """Whether the processes are still being started: a task submitted now waits until they all are."""
        return self._starting is not None and self._starting.is_alive()

    def answer(self, worker: int, future: Future[Any]) -> Any:
        """`future.result()` of a task given to `worker`, or BrokenProcessPool if its process ended without
        answering it. A process killed while it sends an answer (by the kernel out of memory, by a user) leaves
        part of it in the pipe, and the executor then waits for the rest for ever; that wait is ended here."""
        while True:
            try:
                return future.result(timeout=WATCH_SECONDS)
            except TimeoutError:
                if self.alive(worker):
                    continue
            try:  # an answer sent whole before the process ended is still on its way
                return future.result(timeout=WATCH_SECONDS)
            except TimeoutError:
                self.lose(worker)
                raise BrokenProcessPool(f"worker {worker} ended without answering") from None

    def alive(self, worker: int) -> bool:
        """Whether the process of `worker` is running (or still starting)."""
        if worker in self._lost:
            return False
        started = self._pids[worker] if worker < len(self._pids) else None
        if started is None or not started.done() or started.exception() is not None:
            return True  # not started yet, or it failed to start: the executor says so itself
        try:
            os.kill(started.result(), 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # the number is another user's process now: ours has ended
            return False
        return True

    def lose(self, worker: int) -> None:
        """Give up on `worker`: its executor's thread, waiting for the rest of an answer that will never come, is
        woken by closing this process's end of the pipe the answers come through (a worker holds the other, closed
        when it ended), which fails the worker's unanswered tasks with BrokenProcessPool."""
        self._lost.add(worker)
        executor = (self._executors or [])[worker] if worker < len(self._executors or []) else None
        writer = getattr(getattr(executor, "_result_queue", None), "_writer", None)
        with contextlib.suppress(OSError, AttributeError):
            writer.close()  # type: ignore[union-attr]

    def close(self) -> None:
        if self._starting is not None:
            self._starting.join()
            self._starting = None
        for worker, executor in enumerate(self._executors or []):
            # a lost worker's executor is not waited for (its thread may not have been woken)
            executor.shutdown(wait=worker not in self._lost, cancel_futures=True)
        self._executors = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def read_all(jobs: list[tuple[str, str, Site, datetime, int]], *, workers: int | None = None,
             progress: Progress | None = None, pool: Workers | None = None,
             planner: Planner | None = None,
             warm: tuple[Site, str | None] | None = None) -> dict[str, tuple[Reading, str]]:
    """Parse every article (with the digest of the bytes parsed), in worker processes when there are enough
    of them (`pool.held` then names the worker that read each). Until the first worker answers (a process
    takes a few tenths of a second to start), this process reads chunks too. Each reading is given to
    `planner` as it comes. With `warm` (the site and theme the pages will be rendered with), each worker is given `_warm` behind its last
    chunk: it loads what rendering needs as soon as it has read, while this process takes the last readings."""
    readings: dict[str, tuple[Reading, str]] = {}
    total = len(jobs)

    def take(found: list[tuple[Reading, str]], worker: int | None = None) -> None:
        for reading, data_digest in found:
            readings[reading.key] = (reading, data_digest)
            if planner is not None:
                planner.add(reading)
            if worker is not None and pool is not None:
                pool.held[reading.key] = worker
        if progress:
            progress("reading", len(readings), total)

    if total < IN_PROCESS_BELOW or (pool is None and (workers or os.cpu_count() or 1) < 2):
        for args in jobs:
            take([_read_file(args)])
        return readings
    owned = pool is None
    pool = pool or Workers(workers)
    chunks = deque(jobs[i : i + CHUNK] for i in range(0, total, CHUNK))
    try:
        while chunks and pool.starting():
            take(_read_chunk(chunks.pop()))  # a submit would wait for every process to start: read here meanwhile
        executors = pool.executors()
        if executors is None:
            raise BrokenProcessPool("no worker processes")
        pending: dict[Future[list[tuple[Reading, str]]], int] = {}
        answered, warmed = False, warm is None

        def warm_when_all_given() -> None:
            nonlocal warmed
            if not chunks and not warmed and warm is not None:
                warmed = True
                pool.warm(*warm)  # behind each worker's last chunk

        def submit(worker: int) -> None:
            pending[executors[worker].submit(_read_chunk, chunks.popleft(), pool.build)] = worker
            warm_when_all_given()

        for _ in range(2):  # two chunks queued at each worker: it never waits for the next
            for worker in range(len(executors)):
                if chunks:
                    submit(worker)
        while pending:
            if not answered and chunks and not any(f.done() for f in pending):
                take(_read_chunk(chunks.pop()))  # the workers are still starting: read the last chunk here
                continue
            answered = True
            warm_when_all_given()  # when the last chunk was read here
            done, _ = wait(pending, timeout=WATCH_SECONDS, return_when=FIRST_COMPLETED)
            for future in [f for f in pending if f not in done and not pool.alive(pending[f])][:1]:
                pool.answer(pending[future], future)  # its answer, or BrokenProcessPool: the rest is read here
            for future in done:
                worker = pending.pop(future)
                take(future.result(), worker)
                if chunks:
                    submit(worker)
    except (BrokenProcessPool, OSError):
        # workers could not start (a caller whose main module cannot be imported again, such as a script
        # read from standard input; no file descriptor left): the rest is read in this process
        pool.broken = True
        for args in jobs:
            if args[0] not in readings:
                take([_read_file(args)])
    finally:
        if owned:
            pool.close()
    return readings


def _site_settings(folder: Folder, max_bytes: int, theme_dir: str | None) -> tuple[Site, Verdict | None, str]:
    """The folder's settings (the defaults when it has none or they are refused), their verdict and digest."""
    path = folder.inputs.get(urls.CONTENT_SITE_SETTINGS)
    if path is None:
        return Site(), None, ""
    data = path.read_bytes()
    key = urls.CONTENT_SITE_SETTINGS
    if len(data) > max_bytes:
        problem = Problem(f"site.yaml is {len(data):,} bytes, more than the limit of {max_bytes:,} bytes",
                          hint="keep site.yaml to the settings it lists")
        return Site(), Verdict(key, path, Status.REJECTED, problems=[problem]), digest(data)
    try:
        site = parse_site(data)
        warnings = render.language_warnings(render.load_theme(theme_dir), site)
        return site, Verdict(key, path, Status.PUBLISHED, "/", problems=warnings), digest(data)
    except Rejected as rejected:
        return Site(), Verdict(key, path, Status.REJECTED, problems=list(rejected.problems)), digest(data)


def _media(key: str, path: Path) -> tuple[Verdict, str, str | None]:
    """A media file's verdict, the digest of its bytes and its Content-Type (None: refused). Only the first
    bytes are kept in memory: media can be hundreds of megabytes."""
    hashed = hashlib.sha256()
    with path.open("rb") as handle:
        head = handle.read(1024)
        hashed.update(head)
        for block in iter(lambda: handle.read(1 << 20), b""):
            hashed.update(block)
    size = path.stat().st_size
    content_type, reason = media_type(key, head)
    if content_type is None or size > MAX_MEDIA_BYTES:
        reason = reason or f"the file is larger than {MAX_MEDIA_BYTES // (1024 * 1024)} MB"
        problem = Problem(reason, hint="upload images, PDF, audio or video with the matching extension")
        return Verdict(key, path, Status.REJECTED, problems=[problem]), hashed.hexdigest(), None
    return Verdict(key, path, Status.PUBLISHED, "/" + urls.media_site_key(key)), hashed.hexdigest(), content_type


def plans_for(readings: dict[str, Reading], now: datetime) -> dict[str, Plan]:
    """Every article's plan from a fresh index: who owns each slug is decided by key order, as the pipeline
    decides it whatever order the uploads arrive in."""
    return Planner(now).plans(readings)


class Planner:
    """`plans_for`, begun while the articles are read (this process mostly waits on the workers then): each
    reading is decided as it comes, as if its article owned its slug and had no alias at another post's URL;
    once all are read, those for which that is not so are decided again. The plans are the same."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._early: dict[str, tuple[Reading, Plan]] = {}

    def add(self, reading: Reading) -> None:
        owner = reading.key if reading.status == Status.PUBLISHED and reading.article else ""
        self._early[reading.key] = (reading, self._decide(reading, owner, frozenset()))

    def plans(self, readings: dict[str, Reading]) -> dict[str, Plan]:
        claims: dict[str, list[str]] = {}
        for key, reading in sorted(readings.items()):
            if reading.status == Status.PUBLISHED and reading.article is not None:
                claims.setdefault(reading.article.slug, []).append(key)
        taken = frozenset(urls.post_key(slug) for slug in claims)
        plans = {}
        for key, reading in sorted(readings.items()):
            article = reading.article if reading.status == Status.PUBLISHED else None
            owner = claims[article.slug][0] if article else ""
            early = self._early.get(key)
            if early is not None and early[0] is reading and owner in ("", key) and not (article and article.aliases):
                plans[key] = early[1]
            else:
                plans[key] = self._decide(reading, owner, taken)
        return plans

    def _decide(self, reading: Reading, owner: str, taken: frozenset[str]) -> Plan:
        return decide(Known(SourceState(reading.key), reading, "", self.now, owner=owner, taken=taken))


def build_folder(root: Path, *, now: datetime | None = None, theme_dir: str | None = None,
                 max_bytes: int = DEFAULT_MAX_UPLOAD_BYTES, render_pages: bool = True, workers: int | None = None,
                 progress: Progress | None = None, site: Site | None = None, out_dir: Path | None = None) -> Build:
    """Decide every file of a content folder as the pipeline would, and render the site unless only checking.

    `site` replaces the folder's own settings (its site.yaml still gets its verdict). With `out_dir`, the site
    is written there once every page is rendered, the article pages by the processes that render them, unless
    site.yaml is refused (the build's `site_pages.write` then names the files and writes none again).
    """
    now = now or datetime.now(UTC)
    with Workers(workers) as pool:
        if _many_articles(root):
            pool.start()
        folder = scan(root)
        own_site, settings, settings_digest = _site_settings(folder, max_bytes, theme_dir)
        site = site or own_site
        verdicts: dict[str, Verdict] = {k: Verdict(k, folder.root / k, Status.IGNORED, problems=[Problem(
            f"not published: {reason}", severity="warning")]) for k, reason in folder.ignored.items()}
        if settings is not None:
            verdicts[settings.key] = settings
        articles = [k for k in folder.inputs if urls.is_article_key(k)]
        jobs = [(k, str(folder.inputs[k]), site, now, max_bytes) for k in articles]
        planner = Planner(now)
        judged = read_all(jobs, progress=progress, pool=pool, planner=planner,
                          warm=(site, theme_dir) if render_pages else None)
        for key in [k for k, (reading, _) in judged.items() if reading.status == Status.DELETED]:
            del judged[key], folder.inputs[key]  # gone while the folder was read: not part of this build
        readings = {key: reading for key, (reading, _) in judged.items()}
        digests = {key: data_digest for key, (_, data_digest) in judged.items()}
        plans = planner.plans(readings)
        for key in [k for k, plan in plans.items() if plan.article is not readings[k].article]:
            pool.held.pop(key, None)  # decided on another article than the one its worker read: rendered here
        for key, plan in plans.items():
            report = plan.report or {}
            article = readings[key].article
            dated = article.date.isoformat() if article and article.date else ""
            verdicts[key] = Verdict(key, folder.inputs[key], plan.status, plan.url, list(plan.problems),
                                    str(report.get("winner", "")), dated)
        out = MemorySite()
        for key in folder.inputs:
            if urls.is_media_key(key):
                verdict, digests[key], content_type = _media(key, folder.inputs[key])
                verdicts[key] = verdict
                if content_type and render_pages:
                    out.put_file(urls.media_site_key(key), folder.inputs[key], content_type)
        if render_pages:
            refused = settings is not None and settings.status == Status.REJECTED
            _render(out, plans, site, theme_dir, progress, pool, out_dir=None if refused else out_dir)
    if settings is not None:
        digests[settings.key] = settings_digest
    return Build(folder, site, dict(sorted(verdicts.items())), out, plans, now, digests)


def build_aside(root: Path, *, progress: Progress | None = None, **options: Any) -> Future[Build]:
    """`build_folder(root, **options)` begun now, its Build awaited later: for a caller with work of its own
    meanwhile (the dev server deploys its stack while the folder is built).

    A folder of more than a few articles is built in a process of its own, with its worker processes: the
    caller's Python work and the build's then share the cores instead of taking turns on one interpreter. `progress` is called from a thread of this process. Where no process can be started
    (a caller whose main module cannot be imported again), the build runs in a thread here.
    """
    done: Future[Build] = Future()

    def here() -> None:
        done.set_result(build_folder(root, progress=progress, **options))

    def elsewhere() -> None:
        context = _process_context()
        relay = context.SimpleQueue()
        try:
            pool = ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_relay_progress,
                                       initargs=(relay,))
            aside = pool.submit(_build_relayed, root, options)
        except BrokenProcessPool:
            return here()
        aside.add_done_callback(lambda _: relay.put(None))
        try:
            while (update := relay.get()) is not None:
                if progress:
                    progress(*update)
            done.set_result(aside.result())
        except BrokenProcessPool:  # the process could not start or died: the build is made here
            here()
        finally:
            pool.shutdown(wait=False)

    def run() -> None:
        try:
            (elsewhere if _many_articles(root) else here)()
        except BaseException as failure:  # noqa: BLE001 - the caller gets it from the future
            done.set_exception(failure)

    threading.Thread(target=run, name="pressroom-build", daemon=True).start()
    return done


def _many_articles(root: Path) -> bool:
    """Whether a folder holds enough articles for worker processes to be worth starting (a cheap look)."""
    found = (Path(root) / urls.CONTENT_ARTICLES).glob("**/*")
    return sum(1 for _ in itertools.islice(found, IN_PROCESS_BELOW)) >= IN_PROCESS_BELOW


_relay: Any = None  # in a build process: where its progress goes


def _relay_progress(queue: Any) -> None:
    global _relay
    _relay = queue
    collect_less()


def _build_relayed(root: Path, options: dict[str, Any]) -> Build:
    def progress(phase: str, done: int, total: int) -> None:
        if done == total or done % 100 == 0:
            _relay.put((phase, done, total))

    return build_folder(root, progress=progress, **options)


def _process_context() -> Any:
    """Worker processes are started by a fork server, or spawned: never forked from a process that may be
    running threads, as the dev server is. The fork server imports the batch core once, and each worker it
    forks starts with it imported."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def _ready() -> int:
    """A worker's first task: none, it is being started; its answer is the process's id."""
    return os.getpid()


def _render_chunk(job: tuple[Site, str | None, list[Post], list[Article]]) -> list[render.Page]:
    site, theme_dir, recent, articles = job
    theme = render.load_theme(theme_dir)
    return [render.article_page(theme, site, article, recent) for article in articles]


def _render(out: MemorySite, plans: dict[str, Plan], site: Site, theme_dir: str | None,
            progress: Progress | None, pool: Workers | None = None, *, out_dir: Path | None = None) -> None:
    """Every page of the site into `out`: the article pages in the workers that read the articles (when there
    are any) while this process renders the listings, each put in the order the pipeline writes them. With
    `out_dir`, the site is written there once every page is rendered (a build that fails writes no page): the
    workers write the article pages they hold while this process writes the others."""
    published = [p for p in plans.values() if p.status == Status.PUBLISHED and p.post and p.article]
    if not published:
        return  # no post was ever published: the pipeline writes no page at all
    theme = render.load_theme(theme_dir)
    index = MemoryIndex(p.post for p in published if p.post)
    recent = index.newest(render.RECENT_COUNT)
    executors = pool.executors() if pool is not None and len(published) >= IN_PROCESS_BELOW else None
    base = str(out_dir.resolve()) if out_dir is not None else None
    here: list[str] = []  # articles read in this process
    shares: list[list[str]] = [[] for _ in executors or []]
    for plan in published:
        worker = pool.held.get(plan.key) if executors is not None and pool is not None else None
        if worker is None:
            here.append(plan.key)
        else:
            shares[worker].append(plan.key)
    # Each worker renders the articles it read, then (the tasks queued last) a share of those read here, given
    # with the task. This process renders the listings meanwhile, then takes the tasks no worker has begun,
    # the last first: the shares are even in articles, not in time (a worker may have had less of the cores).
    tasks: list[tuple[int, Future[list[tuple[str, str, bytes | None]]] | None, list[str]]] = []

    def submit(worker: int, function: Callable[[Any], list[tuple[str, str, bytes | None]]], given: Any,
               keys: list[str]) -> None:
        try:
            job = (pool.build, given, site, theme_dir, recent, base)  # type: ignore[union-attr]
            tasks.append((worker, executors[worker].submit(function, job), keys))  # type: ignore[index]
        except (BrokenProcessPool, OSError):  # the worker died since the reading: rendered here
            tasks.append((worker, None, keys))

    for worker, keys in enumerate(shares):
        for at in range(0, len(keys), 2 * CHUNK):
            submit(worker, _render_held, keys[at : at + 2 * CHUNK], keys[at : at + 2 * CHUNK])
    if executors:
        for number, at in enumerate(range(0, len(here), CHUNK)):
            part = here[at : at + CHUNK]
            submit(number % len(executors), _render_given, [plans[key].article for key in part], part)
        here = []
    listing = Listings(index, out, site, theme)
    pages, gone = listing.pages(Affected.everything(index))
    for plan in published:  # key order: where two keys name one redirect, the later one writes last
        for redirect_key in plan.redirects:
            target = plan.post.url if plan.post else ""
            out.put(render.redirect_page(redirect_key, target, theme, site), extra_metadata={REDIRECT_META: target})
    done = 0

    def here_too(keys: list[str]) -> int:
        """Pages of these articles rendered here (no worker, one that failed, or a task no worker began)."""
        articles = [plans[key].article for key in keys]
        return _put_pages(out, _render_chunk((site, theme_dir, recent, articles)))  # type: ignore[arg-type]

    for at in range(0, len(here), CHUNK):
        done += here_too(here[at : at + CHUNK])
        if progress:
            progress("rendering", done, len(published))
    taken: set[int] = set()  # tasks no worker had begun, rendered here instead: the last first
    for at in range(len(tasks) - 1, -1, -1):
        future = tasks[at][1]
        if future is not None and future.cancel():
            taken.add(at)
            done += here_too(tasks[at][2])
            if progress:
                progress("rendering", done, len(published))
    unwritten: dict[int, list[tuple[str, str, str]]] = {}  # worker -> (content key, page key, Content-Type)
    for at, (worker, future, keys) in enumerate(tasks):
        if at in taken:
            continue
        try:
            if future is None:
                raise BrokenProcessPool("the worker is gone")
            for key, (page_key, content_type, body) in zip(keys, pool.answer(worker, future),  # type: ignore[union-attr]
                                                          strict=True):
                if body is None:  # the worker writes it
                    unwritten.setdefault(worker, []).append((key, page_key, content_type))
                else:
                    out.put(render.Page(page_key, body, content_type))
            done += len(keys)
        except Exception:  # noqa: BLE001 - a worker that failed: its pages are rendered here, raising here if they must
            done += here_too(keys)
        if progress:
            progress("rendering", done, len(published))
    for key in gone:
        out.delete(key)
    for page in pages:
        out.put(page, extra_metadata=listing.metadata_of(page))
    if out_dir is None:
        return
    worker_pages = [page_key for entries in unwritten.values() for _, page_key, _ in entries]
    conflict = in_the_way(base, [*out.keys(), *worker_pages])  # type: ignore[arg-type]
    if conflict is not None:
        raise InTheWay(conflict)
    writing: dict[int, Future[int] | None] = {}
    for worker in unwritten:
        try:
            writing[worker] = executors[worker].submit(_write_held, pool.build)  # type: ignore[index,union-attr]
        except (BrokenProcessPool, OSError):
            writing[worker] = None
    out.write(out_dir)  # every page but those the workers write meanwhile
    for worker, entries in unwritten.items():
        try:
            if writing[worker] is None:
                raise BrokenProcessPool("the worker is gone")
            pool.answer(worker, writing[worker])  # type: ignore[union-attr]
        except Exception:  # noqa: BLE001 - the worker could not write them: they are rendered and written here
            here_too([key for key, _, _ in entries])
            out.write(out_dir, [page_key for _, page_key, _ in entries])
            continue
        for _, page_key, content_type in entries:
            out.put_written(page_key, _target(base, page_key) or "", content_type)  # type: ignore[arg-type]


def _put_pages(out: MemorySite, pages: list[render.Page]) -> int:
    """Pages rendered here, into `out`."""
    for page in pages:
        out.put(page)
    return len(pages)
