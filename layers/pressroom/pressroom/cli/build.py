"""`pressroom build`: a content folder through a local stack to a static site."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import click

from pressroom import urls
from pressroom.cli import EXIT_OK, EXIT_REJECTED, main


def parse_now(value: str | None) -> datetime | None:
    """The --now option: an ISO 8601 instant (UTC when it has no offset)."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 instant (e.g. 2024-05-01T12:00:00Z)") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def content_files(folder: Path) -> list[tuple[str, Path]]:
    """The inputs of a content folder as (bucket key, file), site.yaml first, then the rest sorted by key."""
    found: list[tuple[str, Path]] = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        key = path.relative_to(folder).as_posix()
        if urls.is_input_key(key):
            found.append((key, path))
    found.sort(key=lambda item: (item[0] != urls.CONTENT_SITE_SETTINGS, item[0]))
    return found


@main.command()
@click.argument("content_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the site into.")
@click.option("--now", "now_text", metavar="ISO", help="Fixed clock for undated and scheduled articles.")
@click.option("--theme", "theme_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A theme folder (templates/, static/) whose files replace the default theme's by name.")
def build(content_dir: Path, out_dir: Path, now_text: str | None, theme_dir: Path | None) -> None:
    """Publish CONTENT_DIR through a local stack and export the site to --out.

    CONTENT_DIR mirrors the content bucket: site.yaml at its root, articles/ and media/ below it.
    """
    from rich.console import Console
    from rich.table import Table

    from pressroom.local import Stack

    now = parse_now(now_text)
    err = Console(stderr=True)
    files = content_files(content_dir)
    started = time.monotonic()
    with Stack(root=Path.cwd(), now=now, theme=theme_dir) as stack:
        settings = [f for f in files if f[0] == urls.CONTENT_SITE_SETTINGS]
        for key, path in settings:
            stack.upload(key, path.read_bytes())
        for key, path in files:
            if key != urls.CONTENT_SITE_SETTINGS:
                stack.upload(key, path.read_bytes(), wait=False)
        stack.settle()
        reports = {key: stack.report(key) for key, _ in files}
        out_dir.mkdir(parents=True, exist_ok=True)
        written = stack.export(out_dir)
    seconds = time.monotonic() - started
    rejected = {k: r for k, r in reports.items() if r and r.get("status") == "rejected"}
    counts: dict[str, int] = {}
    for report in reports.values():
        if report:
            counts[report["status"]] = counts.get(report["status"], 0) + 1
    for key, report in sorted(rejected.items()):
        for error in report.get("errors", []):
            where = "".join(f" {name} {error[name]}" for name in ("field", "line") if error.get(name))
            hint = f" ({error['hint']})" if error.get("hint") else ""
            err.print(f"[red]rejected[/red] {key}:{where} {error['message']}{hint}", highlight=False)
    for key, report in sorted(reports.items()):
        if report and report.get("status") == "held":
            err.print(f"[yellow]held[/yellow] {key}: {report['errors'][0]['message']}", highlight=False)
    table = Table(title="pressroom build", show_header=False)
    for status in ("published", "rejected", "held", "draft", "scheduled"):
        table.add_row(status, str(counts.get(status, 0)))
    table.add_row("files written", str(len(written)))
    table.add_row("seconds", f"{seconds:.1f}")
    err.print(table)
    click.echo(f"Site written to {out_dir.resolve()} (open {(out_dir / 'index.html').resolve()})")
    sys.exit(EXIT_REJECTED if rejected else EXIT_OK)


