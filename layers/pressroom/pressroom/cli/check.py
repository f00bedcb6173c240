"""`pressroom check`: validate articles and site.yaml offline with the same code the render function runs."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import click

from pressroom import urls
from pressroom.cli import EXIT_OK, EXIT_REJECTED, main
from pressroom.config import DEFAULT_MAX_UPLOAD_BYTES
from pressroom.content import FORMATS, Article, parse_article
from pressroom.errors import Problem, Rejected
from pressroom.site import Site, parse_site


@dataclass
class Checked:
    """The outcome of checking one file."""

    path: str
    problems: list[Problem] = field(default_factory=list)
    article: Article | None = None

    def as_dict(self) -> dict[str, object]:
        result: dict[str, object] = {"file": self.path, "ok": not self.problems,
                                     "problems": [p.as_dict() for p in self.problems]}
        if self.article is not None:
            result["url"] = urls.post_url(self.article.slug)
            result["date"] = self.article.date.isoformat() if self.article.date else None
            result["draft"] = self.article.draft
        return result


def expand(paths: tuple[Path, ...]) -> list[Path]:
    """The files to check: each file given, and every article or site.yaml inside each folder given."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and _is_checkable(p)
                            and not any(part.startswith(".") for part in p.relative_to(path).parts))
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def _is_checkable(path: Path) -> bool:
    return path.name == urls.CONTENT_SITE_SETTINGS or path.suffix.lower() in FORMATS


def site_for(path: Path, cache: dict[Path, Site | None]) -> Site:
    """The settings an article is checked under: the site.yaml of the content folder it sits in (the parent of
    its articles/ folder), else one beside it, else the defaults."""
    folder = path.resolve().parent
    content_root = next((f.parent for f in (folder, *folder.parents) if f.name == "articles"), None)
    for candidate in (content_root, folder):
        if candidate is None:
            continue
        if candidate not in cache:
            settings = candidate / urls.CONTENT_SITE_SETTINGS
            try:
                cache[candidate] = parse_site(settings.read_bytes()) if settings.is_file() else None
            except Rejected:
                cache[candidate] = None  # its problems are reported when that site.yaml is checked
        found = cache[candidate]
        if found is not None:
            return found
    return Site()


def check_file(path: Path, site: Site, max_bytes: int) -> Checked:
    """Parse one file as the pipeline would, collecting its problems."""
    shown = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Checked(shown, [Problem(f"cannot be read: {exc.strerror}", hint="check the path and permissions")])
    try:
        if path.name == urls.CONTENT_SITE_SETTINGS:
            if len(data) > max_bytes:
                return Checked(shown, [Problem(f"the file is {len(data):,} bytes, more than {max_bytes:,}",
                                               hint="site.yaml holds a few settings only")])
            parse_site(data, key=shown)
            return Checked(shown)
        return Checked(shown, article=parse_article(shown, data, site, max_bytes=max_bytes))
    except Rejected as rejected:
        return Checked(shown, list(rejected.problems))


def describe(path: str, problem: Problem) -> str:
    """One line per problem, like a compiler: file:line: field: message (hint: ...)."""
    where = f"{path}:{problem.line}" if problem.line else path
    what = f"{problem.field}: {problem.message}" if problem.field else problem.message
    hint = f" (hint: {problem.hint})" if problem.hint else ""
    return f"{where}: {what}{hint}"


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--site", "site_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="site.yaml to check articles under (default: the one beside their articles/ folder).")
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_UPLOAD_BYTES, show_default=True,
              help="Upload size limit, as the deployment's MaxUploadBytes parameter.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of lines.")
@click.option("-q", "--quiet", is_flag=True, help="Print problems only, not the files that pass.")
def check(paths: tuple[Path, ...], site_file: Path | None, max_bytes: int, as_json: bool, quiet: bool) -> None:
    """Check articles (.md, .txt, .json, .html) and site.yaml files without publishing them.

    PATHS are files or folders (a folder is searched for articles and site.yaml). Each problem is printed
    with its file, line and field and a hint. Exit status 0 when every file passes, 1 when any has a problem,
    2 for usage errors.
    """
    given: Site | None = None
    results: list[Checked] = []
    if site_file is not None:
        try:
            given = parse_site(site_file.read_bytes(), key=str(site_file))
        except Rejected as rejected:
            results.append(Checked(str(site_file), list(rejected.problems)))
            given = Site()
    cache: dict[Path, Site | None] = {}
    files = expand(paths)
    if not files:
        raise click.UsageError("no articles or site.yaml found in the paths given")
    for path in files:
        site = given if given is not None else site_for(path, cache)
        results.append(check_file(path, site, max_bytes))
    failed = [r for r in results if r.problems]
    if as_json:
        click.echo(json.dumps({"ok": not failed, "files": [r.as_dict() for r in results]}, ensure_ascii=False,
                              indent=1))
    else:
        for result in results:
            for problem in result.problems:
                click.echo(describe(result.path, problem), err=True)
            if not result.problems and not quiet:
                click.echo(f"ok {result.path}" + (f" -> {urls.post_url(result.article.slug)}" if result.article
                                                  else ""))
        if len(results) > 1 or failed:
            click.echo(f"{len(results) - len(failed)} of {len(results)} files pass", err=True)
    sys.exit(EXIT_REJECTED if failed else EXIT_OK)
