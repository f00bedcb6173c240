"""`pressroom build`: a content folder to a static site, through the publishing core's batch shell."""

from __future__ import annotations

import os
import shlex
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from pressroom import urls
from pressroom.cli import EXIT_OK, EXIT_REJECTED, finish, main


def parse_now(value: str | None) -> datetime | None:
    """The --now option: an ISO 8601 instant (UTC when it has no offset)."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 instant (e.g. 2024-05-01T12:00:00Z)") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@main.command()
@click.argument("content_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the site into (never inside CONTENT_DIR).")
@click.option("--now", "now_text", metavar="ISO", help="Fixed clock for undated and scheduled articles.")
@click.option("--theme", "theme_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A theme folder (templates/, static/) whose files replace the default theme's by name.")
@click.option("--clean", is_flag=True, help="Remove files an earlier build wrote in --out and this one did not (stale "
              "pages), and the folders they leave empty. Files no build wrote are kept.")
def build(content_dir: Path, out_dir: Path, now_text: str | None, theme_dir: Path | None, clean: bool) -> None:
    """Build CONTENT_DIR into a static site in --out, with the rules the deployed pipeline follows.

    CONTENT_DIR mirrors the content bucket: site.yaml at its root, articles/ and media/ below it. Articles are
    parsed in one worker process per core; the site is decided, rendered and written once. Exit status 0 when
    every article is published (or a draft, or scheduled), 1 when any is rejected or held, or site.yaml is
    refused (then nothing is written), 2 for usage errors.
    """
    from pressroom.publish.batch import (
        EmptyFolder,
        InTheWay,
        Leftovers,
        build_folder,
        leftovers,
        remove_stale,
        write_manifest,
    )
    from pressroom.publish.status import ATTENTION, Status

    if out_dir.resolve() == content_dir.resolve() or content_dir.resolve() in out_dir.resolve().parents:
        raise click.UsageError(f"--out {out_dir} is inside the content folder {content_dir}: the next build "
                               "would read the site as content; write it elsewhere")
    if theme_dir is not None and not any((theme_dir / part).is_dir() for part in ("templates", "static")):
        raise click.UsageError(f"--theme {theme_dir} has neither templates/ nor static/: a theme folder holds the "
                               "templates and static files that replace the default theme's (docs/theming.md)")
    now = parse_now(now_text)
    pristine = not out_dir.is_dir() or next(os.scandir(out_dir), None) is None
    err = console()
    started = time.monotonic()
    try:
        with progress_bar(err.rich if isinstance(err, RichErrors) else None) as progress:
            built = build_folder(content_dir, now=now, theme_dir=str(theme_dir) if theme_dir else None,
                                 progress=progress, out_dir=out_dir)
    except EmptyFolder as exc:
        raise click.UsageError(str(exc)) from None
    except InTheWay as exc:
        raise click.UsageError(f"nothing written: {exc}") from None
    except Exception as exc:
        import jinja2  # not before the build: the workers are started sooner without it (it is loaded meanwhile)

        place = template_place(exc)
        if isinstance(exc, jinja2.TemplateError):
            message = exc.message or str(exc)
        elif place:  # raised by an expression of a template (a division by zero, a method that fails)
            message = f"{type(exc).__name__}: {exc}"
        else:
            raise
        raise click.UsageError(f"the theme cannot render the site: {place}{message}") from None
    for verdict in built.verdicts.values():
        if verdict.status in ATTENTION or verdict.status == Status.IGNORED:
            print_verdict(err, verdict)
    settings = built.verdicts.get("site.yaml")
    if settings is not None and settings.status == Status.REJECTED:
        click.echo("Nothing written: site.yaml is refused, and a site built with the default settings is not "
                   "the one meant. Fix it (see above) and build again.", err=True)
        sys.exit(EXIT_REJECTED)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = built.site_pages.write(out_dir)
    # a folder empty before the build holds only what it wrote: it need not be looked through
    left = Leftovers([], []) if pristine else leftovers(out_dir, written)
    stale = left.stale
    if stale and clean:
        remove_stale(out_dir, stale)
    elif stale:
        err.say(err.paint(f"{len(stale)} file(s) in {out_dir} were written by an earlier build and not by this one",
                          "yellow") + f" (pages of articles since removed, drafted or renamed, old assets); --clean "
                f"removes them:{listed(stale, err)}")
    if left.others:
        err.say(err.literal(f"{len(left.others)} other file(s) in {out_dir} were not written by a build that "
                            "recorded them (kept, with or without --clean; remove any by hand):")
                + listed(left.others, err))
    write_manifest(out_dir, [*written, *([] if clean else stale)])  # what a build wrote, and still there
    seconds = time.monotonic() - started
    rows = [("articles published", built.count(Status.PUBLISHED, urls.is_article_key))]
    media = built.count(Status.PUBLISHED, urls.is_media_key)
    if media:
        rows.append(("media published", media))
    rows += [(status.value, built.count(status))
             for status in (Status.REJECTED, Status.HELD, Status.DRAFT, Status.SCHEDULED, Status.IGNORED)]
    rows.append(("files written", len(written)))
    if clean:
        rows.append(("stale files removed", len(stale)))
    err.table("pressroom build", [(name, str(value)) for name, value in rows] + [("seconds", f"{seconds:.1f}")])
    if written:
        # its links are root-relative (/posts/...), as the CDN serves them: opened as a file, a page finds
        # neither its styles nor its links
        where = shlex.quote(str(out_dir.resolve()))
        click.echo(f"Site written to {out_dir.resolve()}; to look at it, serve the folder, e.g. "
                   f"python3 -m http.server --directory {where} 8000, then http://localhost:8000/")
    else:
        click.echo(f"No page written to {out_dir.resolve()}: nothing in {content_dir} is published")
    trouble = built.count(Status.REJECTED) + built.count(Status.HELD)
    finish(EXIT_REJECTED if trouble else EXIT_OK)


LISTED = 10  # names shown of a list of files; the rest are counted


def listed(names: list[str], err: Any) -> str:
    """Names of files, one an indented line (the first LISTED of them, then how many more), as `err` prints
    them."""
    lines = [f"\n  {err.literal(name)}" for name in names[:LISTED]]
    if len(names) > LISTED:
        lines.append(f"\n  ... and {len(names) - LISTED} more")
    return "".join(lines)


def template_place(exc: Exception) -> str:
    """`file:line: ` of the template line a Jinja error comes from: a syntax error names it, and an error while
    rendering has it in its traceback (Jinja gives template lines their own frames); empty when neither does."""
    import jinja2

    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        return f"{exc.filename}:{exc.lineno}: "
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith((".html", ".xml", ".txt"))]
    return f"{frames[-1].filename}:{frames[-1].lineno}: " if frames else ""


class RichErrors:
    """Standard error on a terminal (or where FORCE_COLOR or TTY_COMPATIBLE asks for rich's output): colours,
    a progress bar, the summary in a table."""

    def __init__(self) -> None:
        from rich.console import Console

        self.rich = Console(stderr=True)
        self.is_terminal = self.rich.is_terminal

    def say(self, line: str) -> None:
        """Print `line`, built from `paint` and `literal`."""
        self.rich.print(line, highlight=False, soft_wrap=True)

    def paint(self, text: str, colour: str) -> str:
        return f"[{colour}]{self.literal(text)}[/{colour}]"

    def literal(self, text: str) -> str:
        """`text` printed as it is (a file name may hold [brackets])."""
        from rich.markup import escape

        return escape(text)

    def table(self, title: str, rows: list[tuple[str, str]]) -> None:
        from rich.table import Table

        table = Table(title=title, show_header=False)
        for name, value in rows:
            table.add_row(name, value)
        self.rich.print(table)


class PlainErrors:
    """Standard error anywhere else (a log, a pipe, CI): the same lines as plain text, the summary as aligned
    lines; rich, a fifth of the command's start, is not loaded."""

    is_terminal = False

    def say(self, line: str) -> None:
        click.echo(line, err=True)

    def paint(self, text: str, _colour: str) -> str:
        return text

    def literal(self, text: str) -> str:
        return text

    def table(self, title: str, rows: list[tuple[str, str]]) -> None:
        width = max(len(name) for name, _ in rows)
        click.echo("\n".join([f"{title}:", *(f"  {name.ljust(width)}  {value}" for name, value in rows)]), err=True)


def console() -> RichErrors | PlainErrors:
    """Where the command writes what it has to say: rich on a terminal, plain text elsewhere."""
    if (sys.stderr is not None and sys.stderr.isatty()) or any(name in os.environ for name in ("FORCE_COLOR", "TTY_COMPATIBLE")):
        return RichErrors()
    return PlainErrors()


@contextmanager
def progress_bar(console: Any) -> Iterator[Any]:
    """A progress callback for the batch core: a bar with counts and an ETA on a terminal, nothing elsewhere
    (nor without a console)."""
    if console is None or not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def update(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done)

        yield update


def print_verdict(console: Any, verdict: Any) -> None:
    """One line per problem of a file that needs the newsroom's attention (or that the pipeline ignores), its
    status first, then as `check` and a compiler write it: file:line: field: message (hint: ...)."""
    from pressroom.cli.check import describe

    status = console.paint(verdict.status.value, {"rejected": "red", "held": "yellow"}.get(verdict.status.value, "cyan"))
    for problem in verdict.problems:
        console.say(f"{status} {console.literal(describe(verdict.key, problem))}")
    if not verdict.problems:
        console.say(f"{status} {console.literal(verdict.key)}")
