"""`pressroom check`: the pipeline's verdict on every file of a content folder, without publishing anything."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from pressroom import urls
from pressroom.cli import EXIT_OK, EXIT_REJECTED, finish, main
from pressroom.cli.build import parse_now
from pressroom.config import DEFAULT_MAX_UPLOAD_BYTES
from pressroom.errors import Problem, Rejected
from pressroom.publish.batch import EmptyFolder, Verdict, build_folder, content_root
from pressroom.publish.core import read_upload
from pressroom.publish.status import Status
from pressroom.site import Site, parse_site


def judge_alone(path: Path, site: Site, now: datetime, max_bytes: int) -> Verdict:
    """A file outside any content folder, parsed as an article on its own (no other file can claim its URL)."""
    shown = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Verdict(shown, path, Status.REJECTED, problems=[Problem(f"cannot be read: {exc.strerror}",
                                                                      hint="check the path and permissions")])
    if path.name == urls.CONTENT_SITE_SETTINGS:
        try:
            parse_site(data, key=shown)
            return Verdict(shown, path, Status.PUBLISHED, "/")
        except Rejected as rejected:
            return Verdict(shown, path, Status.REJECTED, problems=list(rejected.problems))
    reading = read_upload(shown, data, site, now=now, max_bytes=max_bytes, size=len(data))
    article = reading.article
    return Verdict(shown, path, reading.status, urls.post_url(article.slug) if article else "",
                   list(reading.problems), date=article.date.isoformat() if article and article.date else "")


def describe(path: str, problem: Problem) -> str:
    """One line per problem, like a compiler: file:line: field: message (hint: ...)."""
    where = f"{path}:{problem.line}" if problem.line else path
    what = f"{problem.field}: {problem.message}" if problem.field else problem.message
    hint = f" (hint: {problem.hint})" if problem.hint else ""
    level = "warning: " if problem.severity == "warning" else ""
    return f"{where}: {level}{what}{hint}"


def as_dict(shown: str, verdict: Verdict) -> dict[str, object]:
    result: dict[str, object] = {"file": shown, "key": verdict.key, "status": verdict.status.value,
                                 "ok": verdict.ok, "url": verdict.url,
                                 "problems": [p.as_dict() for p in verdict.problems]}
    if verdict.winner:
        result["winner"] = verdict.winner
    if verdict.date:
        result["date"] = verdict.date
        result["draft"] = verdict.status == Status.DRAFT
    return result


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--site", "site_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="site.yaml to check articles under (default: the one of their content folder).")
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_UPLOAD_BYTES, show_default=True,
              help="Upload size limit, as the deployment's MaxUploadBytes parameter.")
@click.option("--now", "now_text", metavar="ISO", help="The clock to judge scheduled articles by (default: now).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of lines.")
@click.option("-q", "--quiet", is_flag=True, help="Print problems only, not the files that pass.")
def check(paths: tuple[Path, ...], site_file: Path | None, max_bytes: int, now_text: str | None, as_json: bool,
          quiet: bool) -> None:
    """Give the pipeline's verdict on content files without publishing them.

    PATHS are content folders (site.yaml, articles/, media/) or files in them. A folder is judged whole, as the
    pipeline would publish it: each file is published, held (another file owns its URL), draft, scheduled,
    rejected or ignored (the pipeline never reads it). A file named alone is judged with the rest of its
    content folder. Each problem is printed with its file, line and field and a hint. Exit status 0 when
    nothing is rejected or held, 1 otherwise, 2 for usage errors.
    """
    now = parse_now(now_text) or datetime.now(UTC)
    results = verdicts(paths, site_file, max_bytes, now)
    failed = [v for _, v in results if not v.ok]
    if as_json:
        click.echo(json.dumps({"ok": not failed, "files": [as_dict(shown, v) for shown, v in results]},
                              ensure_ascii=False, indent=1))
    else:
        for shown, verdict in results:
            for problem in verdict.problems:
                click.echo(describe(shown, problem), err=True)
            if verdict.ok and not quiet and verdict.status != Status.IGNORED:
                word = "ok" if verdict.status == Status.PUBLISHED else verdict.status.value
                click.echo(f"{word} {shown}" + (f" -> {verdict.url}" if verdict.url and verdict.url != "/" else ""))
        if len(results) > 1 or failed:
            counts = ", ".join(f"{n} {s.value}" for s in Status
                               if (n := sum(1 for _, v in results if v.status == s)))
            click.echo(f"{len(results) - len(failed)} of {len(results)} files pass ({counts})", err=True)
    finish(EXIT_REJECTED if failed else EXIT_OK)


def verdicts(paths: tuple[Path, ...], site_file: Path | None, max_bytes: int,
             now: datetime) -> list[tuple[str, Verdict]]:
    """(the path as given, its verdict) for every file `check` judges in PATHS (`pressroom publish` too)."""
    results: list[tuple[str, Verdict]] = []
    given: Site | None = None
    if site_file is not None:
        try:
            given = parse_site(site_file.read_bytes(), key=str(site_file))
        except Rejected as rejected:
            results.append((str(site_file), Verdict(str(site_file), site_file, Status.REJECTED,
                                                    problems=list(rejected.problems))))
            given = Site()
    wanted: dict[Path, dict[Path, str] | None] = {}  # content folder -> the files named in it (None: all)
    shown_roots: dict[Path, Path] = {}
    loose: list[Path] = []
    for path in dict.fromkeys(paths):
        if path.is_dir():
            wanted[path.resolve()] = None
            shown_roots[path.resolve()] = path
            continue
        root = content_root(path)
        if root is None:
            loose.append(path)
        elif wanted.get(root, {}) is not None:
            named = wanted.setdefault(root, {})
            assert named is not None
            named[path.resolve()] = str(path)
    for root, named in wanted.items():
        try:
            built = build_folder(root, now=now, max_bytes=max_bytes, render_pages=False, site=given)
        except EmptyFolder as exc:
            raise click.UsageError(str(shown_roots.get(root, root)) + str(exc)[len(str(root)):]) from None
        for verdict in built.verdicts.values():
            if named is None:
                results.append((str(shown_roots[root] / verdict.key), verdict))
            elif verdict.path.resolve() in named:
                results.append((named[verdict.path.resolve()], verdict))
    for path in loose:
        results.append((str(path), judge_alone(path, given or Site(), now, max_bytes)))
    return results
