"""`pressroom publish`, `rebuild`, `repair`, `status` and `new`: a deployed stack operated by name, and new articles."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from pressroom import urls
from pressroom.cli import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, main
from pressroom.preview.reports import describe_errors, read_report
from pressroom.publish.batch import content_root
from pressroom.publish.batch import never_uploaded as ignored
from pressroom.publish.status import ATTENTION, Status

REPORT_POLL_SECONDS = 0.5


class StackError(click.ClickException):
    """The stack cannot be reached or is not a Pressroom stack: a configuration error (exit status 2)."""

    exit_code = EXIT_USAGE


# --- content folders ------------------------------------------------------------------------------------


def content_key(root: Path, path: Path) -> str | None:
    """The content-bucket key of a file in a content folder; None for what is never uploaded.

    Besides ignored files, anything that is not an input of the pipeline (site.yaml, articles/, media/) is
    left out.
    """
    try:
        relative = path.resolve().relative_to(root.resolve())
    except ValueError:
        return None
    key = relative.as_posix()
    return key if not ignored(relative) and urls.is_input_key(key) else None


def upload_plan(paths: Iterable[Path]) -> list[tuple[str, Path]]:
    """(key, file) for each file to upload, site.yaml first; raises UsageError for a file with no key.

    A file's key is its path in its content folder; an article file outside any content folder goes to
    `articles/<name>`. Files found inside a named folder that are not inputs are left out silently.
    """
    from pressroom.content import FORMATS

    plan: dict[str, Path] = {}
    for path in paths:
        named = not path.is_dir()
        files = [path] if named else sorted(p for p in path.rglob("*") if p.is_file())
        for file in files:
            root = content_root(file)
            if root is not None:
                key = content_key(root, file)
            elif file.suffix.lower() in FORMATS and not ignored(Path(file.name)):
                key = urls.CONTENT_ARTICLES + file.name
            else:
                key = None
            if key is None:
                if named:
                    raise click.UsageError(
                        f"{file} is not an article, media file or site.yaml of a content folder (a folder "
                        "holding site.yaml, with articles/ and media/)")
                continue
            if key in plan and plan[key] != file:
                raise click.UsageError(f"{plan[key]} and {file} would both be uploaded as {key}")
            plan[key] = file
    return sorted(plan.items(), key=lambda item: (item[0] != urls.CONTENT_SITE_SETTINGS, item[0]))


# --- the deployed stack -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeployedStack:
    """A Pressroom stack found by name through CloudFormation (AWS_ENDPOINT_URL reaches a local one)."""

    name: str
    outputs: dict[str, str]

    def output(self, key: str) -> str:
        try:
            return self.outputs[key]
        except KeyError:
            raise StackError(f"stack {self.name} has no output {key}: is it a Pressroom stack?") from None

    @property
    def site_url(self) -> str:
        """The site's own address (SiteUrl: the custom domain when there is one), without its final slash."""
        site = self.outputs.get("SiteUrl", "").rstrip("/")
        domain = self.outputs.get("DistributionDomainName", "")
        return site or (f"https://{domain}" if domain else "")

    def services(self) -> Any:
        from pressroom import aws
        from pressroom.config import Config
        from pressroom.publish import Services

        config = Config(content_bucket=self.output("ContentBucketName"), site_bucket=self.output("SiteBucketName"),
                        posts_table=self.output("PostsTableName"), render_queue_url=self.outputs.get("RenderQueueUrl"))
        return Services(config, s3=aws.client("s3"), dynamodb=aws.client("dynamodb"), sqs=aws.client("sqs"))


def find_stack(name: str) -> DeployedStack:
    """Read a stack's outputs; a missing stack, region or credentials is a StackError."""
    from botocore.exceptions import BotoCoreError, ClientError

    from pressroom import aws

    try:
        found = aws.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    except ClientError as exc:
        raise StackError(f"cannot read stack {name}: {exc.response.get('Error', {}).get('Message', exc)}") from None
    except BotoCoreError as exc:
        raise StackError(f"cannot reach AWS to read stack {name}: {exc}") from None
    return DeployedStack(name, {o["OutputKey"]: o["OutputValue"] for o in found.get("Outputs", [])})


def _matches(report: dict[str, Any] | None, version_id: str, etag: str) -> bool:
    """Whether a report is about the upload we made (its version, or its ETag where versioning is off)."""
    if not report:
        return False
    if version_id and version_id != "null":
        return report.get("version_id") == version_id
    return str(report.get("etag", "")).strip('"') == etag


def _outcome_line(key: str, report: dict[str, Any] | None, site_url: str) -> tuple[str, str]:
    if report is None:
        return "no report", "the pipeline did not answer in time; see `pressroom status`"
    status = str(report.get("status", "?"))
    if status in ATTENTION:
        return status, "; ".join(describe_errors(report)) or "(no reason given)"
    url = str(report.get("url", ""))
    detail = site_url + url if url else ""
    if status == "scheduled" and report.get("scheduled_for"):
        detail = f"{detail} at {report['scheduled_for']}".strip()
    return status, detail


# --- commands ---------------------------------------------------------------------------------------------


def _stdout() -> Any:
    """A console on the standard output as it is now.

    Bound at the start of a command: a local stack running in the same process (tests, `pressroom dev`)
    points sys.stdout at its function log while a function runs.
    """
    from rich.console import Console

    return Console(file=sys.stdout, highlight=False, width=max(100, Console(file=sys.stdout).width))


def _spinner(console: Any, text: str) -> Any:
    """A spinner on stderr that leaves sys.stdout alone (rich's status() would swap it)."""
    from rich.live import Live
    from rich.spinner import Spinner

    return Live(Spinner("dots", text), console=console, transient=True, redirect_stdout=False,
                redirect_stderr=False)

def _refuse_rejected(paths: tuple[Path, ...], plan: list[tuple[str, Path]]) -> None:
    """Stop before any upload when `pressroom check` rejects a file of the plan, naming each with its problems."""
    from pressroom.cli.check import describe, verdicts
    from pressroom.config import DEFAULT_MAX_UPLOAD_BYTES

    planned = {file.resolve() for _, file in plan}
    rejected = [(shown, v) for shown, v in verdicts(paths, None, DEFAULT_MAX_UPLOAD_BYTES, datetime.now(UTC))
                if v.status == Status.REJECTED and v.path.resolve() in planned]
    if not rejected:
        return
    for shown, verdict in rejected:
        for problem in verdict.problems:
            click.echo(describe(shown, problem), err=True)
    click.echo(f"nothing uploaded: `pressroom check` rejects {len(rejected)} of the {len(plan)} file(s); fix them, "
               "or add --force to upload them anyway (the pipeline rejects them too, with a report)", err=True)
    sys.exit(EXIT_REJECTED)


_stack_option = click.option("--stack", "stack_name", required=True, metavar="NAME",
                             help="The CloudFormation stack (the name given to `sam deploy`).")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@_stack_option
@click.option("--timeout", default=120.0, show_default=True, metavar="SECONDS",
              help="How long to wait for the pipeline's reports.")
@click.option("--no-wait", is_flag=True, help="Upload only; do not wait for the reports.")
@click.option("--force", is_flag=True, help="Upload files that `pressroom check` rejects (the pipeline rejects "
                                            "them too, with a report).")
def publish(paths: tuple[Path, ...], stack_name: str, timeout: float, no_wait: bool, force: bool) -> None:
    """Check files or folders, upload them to a stack's content bucket and print what became of each.

    A file's key is its path in its content folder (the nearest folder above it holding site.yaml); an
    article outside any content folder goes to articles/<name>. Nothing is uploaded when `pressroom check`
    rejects a file, unless --force. Exit status 1 when any upload was (or would be) rejected.
    """
    from rich.console import Console
    from rich.table import Table

    from pressroom import aws

    out = _stdout()
    plan = upload_plan(paths)
    if not plan:
        raise click.UsageError("nothing to upload: no article, media file or site.yaml in the given paths")
    if not force:
        _refuse_rejected(paths, plan)
    stack = find_stack(stack_name)
    bucket = stack.output("ContentBucketName")
    s3 = aws.client("s3")
    err = Console(stderr=True, highlight=False)
    uploaded: dict[str, tuple[str, str]] = {}
    for key, file in plan:
        response = s3.put_object(Bucket=bucket, Key=key, Body=file.read_bytes())
        uploaded[key] = (str(response.get("VersionId") or ""), str(response.get("ETag", "")).strip('"'))
        err.print(f"uploaded {file} → s3://{bucket}/{key}")
    if no_wait:
        sys.exit(EXIT_OK)
    reports: dict[str, dict[str, Any] | None] = dict.fromkeys(uploaded)
    deadline = time.monotonic() + timeout
    with _spinner(err, f"waiting for the pipeline's reports on {len(uploaded)} upload(s)…"):
        while time.monotonic() < deadline:
            for key in [k for k, r in reports.items() if r is None]:
                report = read_report(s3, bucket, key)
                if _matches(report, *uploaded[key]):
                    reports[key] = report
            if all(reports.values()):
                break
            time.sleep(REPORT_POLL_SECONDS)
    table = Table(title=f"published to {stack_name}", show_lines=False)
    for column in ("upload", "status", "URL or reason"):
        table.add_column(column, overflow="fold")
    failed = False
    for key, report in reports.items():
        status, detail = _outcome_line(key, report, stack.site_url)
        failed = failed or status in (Status.REJECTED, "no report")
        colour = {Status.PUBLISHED: "green", Status.REJECTED: "red", Status.HELD: "yellow", "no report": "red"}.get(
            status, "cyan")
        table.add_row(key, f"[{colour}]{status}[/{colour}]", detail)
    out.print(table)
    sys.exit(EXIT_REJECTED if failed else EXIT_OK)


@main.command()
@_stack_option
@click.option("--timeout", default=1800.0, show_default=True, metavar="SECONDS",
              help="How long to follow the rebuild's progress.")
@click.option("--no-wait", is_flag=True, help="Queue the rebuild only; do not follow it.")
def rebuild(stack_name: str, timeout: float, no_wait: bool) -> None:
    """Re-render every article and listing page of a stack (after a theme deploy, for example).

    Every article is queued on the render queue (many render functions work in parallel); the progress
    bar follows the rebuild's task count in the posts table.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from pressroom.publish import fan_out_rebuild

    svc = find_stack(stack_name).services()
    if not svc.config.render_queue_url:
        raise StackError(f"stack {stack_name} has no RenderQueueUrl output: is it a Pressroom stack?")
    rebuild_id, tasks = fan_out_rebuild(svc)
    console = Console(stderr=True, highlight=False)
    console.print(f"rebuild {rebuild_id}: {tasks} render task(s) queued on {stack_name}")
    if no_wait:
        sys.exit(EXIT_OK)
    deadline = time.monotonic() + timeout
    columns = (TextColumn("rebuilding"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, redirect_stdout=False, redirect_stderr=False) as progress:
        bar = progress.add_task("rebuild", total=tasks)
        while True:
            left, total = svc.index.rebuild_left(rebuild_id)
            progress.update(bar, total=total or tasks, completed=(total or tasks) - left)
            if left <= 0:
                break
            if time.monotonic() > deadline:
                console.print(f"[red]{left} task(s) still to do after {timeout:.0f} s[/red]; "
                              "the rebuild goes on in the stack (see `pressroom status`)")
                sys.exit(EXIT_REJECTED)
            time.sleep(REPORT_POLL_SECONDS)
    console.print(f"rebuild finished: {tasks} task(s)")
    sys.exit(EXIT_OK)


@main.command()
@_stack_option
@click.option("--all", "whole", is_flag=True,
              help="Check the whole site, from the start of both buckets (default: one slice, as each scheduled run).")
@click.option("--dry-run", is_flag=True, help="Find and list the drift; change nothing.")
@click.option("--timeout", default=600.0, show_default=True, metavar="SECONDS",
              help="How long to wait for each run's result.")
def repair(stack_name: str, whole: bool, dry_run: bool, timeout: float) -> None:
    """Find where a stack's site drifted from its posts index, and repair it (what the scheduled pass does).

    Each run is a repair task on the render queue: the render function checks one slice of the site and
    content buckets and repairs what it finds. One run goes on from where the scheduled runs are; --all
    checks every key from the start, slice after slice, and leaves the scheduled runs' place alone.

    Exit status 0 when no drift was found, or when all of it was repaired; 1 when a --dry-run found drift
    (or a run did not answer in time); 2 when the stack cannot be reached.
    """
    from rich.console import Console

    from pressroom.local import add_repair_result, next_repair_cursor

    out, err = _stdout(), Console(stderr=True, highlight=False)
    svc = find_stack(stack_name).services()
    if not svc.config.render_queue_url:
        raise StackError(f"stack {stack_name} has no RenderQueueUrl output: is it a Pressroom stack?")
    total: dict[str, Any] = {}
    cursor: dict[str, str] | None = {"site": "", "content": ""} if whole else None
    while True:
        result = _one_repair_run(svc, cursor=cursor, dry_run=dry_run, timeout=timeout, console=err)
        if result is None:
            err.print(f"[red]a repair run did not answer within {timeout:.0f} s[/red]; it may still be running "
                      "(see the render function's log)")
            _print_drift(out, total, dry_run)
            sys.exit(EXIT_REJECTED)
        add_repair_result(total, result)
        covered = total["covered"]
        err.print(f"run {total['runs']}: {covered.get('site', 0)} site and {covered.get('content', 0)} content "
                  f"key(s) checked, {total['total']} drift so far")
        cursor = next_repair_cursor(result) if whole else None
        if cursor is None:
            total["wrapped"] = whole
            break
    _print_drift(out, total, dry_run)
    sys.exit(EXIT_REJECTED if dry_run and total["total"] else EXIT_OK)


def _one_repair_run(svc: Any, *, cursor: dict[str, str] | None, dry_run: bool, timeout: float,
                    console: Any) -> dict[str, Any] | None:
    """Queue one repair task and wait for its result in the posts table (None: not within `timeout`)."""
    import uuid

    from pressroom.events import task_message

    request = uuid.uuid4().hex
    options: dict[str, Any] = {"request": request, "dry_run": dry_run}
    if cursor is not None:
        options["cursor"] = cursor
    svc.sqs.send_message(QueueUrl=svc.config.render_queue_url, MessageBody=task_message("*", "repair", **options))
    deadline = time.monotonic() + timeout
    with _spinner(console, "waiting for the render function's repair run…"):
        while time.monotonic() < deadline:
            result = svc.index.repair_result(request)
            if result is not None:
                return dict(result)
            time.sleep(REPORT_POLL_SECONDS)
    return None


def _print_drift(console: Any, total: dict[str, Any], dry_run: bool) -> None:
    """What was found (a dry run) or repaired, by kind, then the repairs listed."""
    from rich.table import Table

    count = int(total.get("total", 0))
    covered = total.get("covered", {})
    checked = f"{covered.get('site', 0)} site and {covered.get('content', 0)} content key(s) checked"
    if not count:
        console.print(f"no drift: {checked}" + ("" if total.get("wrapped") else " (one slice)"))
        return
    done = "found (nothing changed: a dry run)" if dry_run else "repaired"
    console.print(f"[bold]{count}[/bold] drift {done}; {checked}")
    kinds = Table(title_justify="left", show_header=True)
    kinds.add_column("kind")
    kinds.add_column("count", justify="right")
    for kind, n in sorted(total.get("drift", {}).items()):
        kinds.add_row(kind, str(n))
    console.print(kinds)
    listed = Table(title="would be repaired" if dry_run else "repairs", title_justify="left")
    for column in ("kind", "where", "repair"):
        listed.add_column(column, overflow="fold")
    for item in total.get("repairs", []):
        listed.add_row(str(item["kind"]), str(item["key"]), str(item["repair"]))
    console.print(listed)
    if len(total.get("repairs", [])) < count:
        console.print(f"(the first {len(total['repairs'])} listed; the render function's log has every one)")


@main.command()
@_stack_option
@click.option("--reports", "report_count", default=200, show_default=True, metavar="N",
              help="How many of the newest upload reports to look through for rejections.")
def status(stack_name: str, report_count: int) -> None:
    """Posts, the latest publishes, rejections, dead-letter queues and alarms of a stack.

    Exit status 1 when a dead-letter queue holds messages or an alarm is firing.
    """
    from rich.table import Table

    from pressroom import aws
    console = _stdout()
    stack = find_stack(stack_name)
    svc = stack.services()
    posts = _count_posts(svc.dynamodb, svc.config.posts_table)
    console.print(f"[bold]{stack_name}[/bold]: {posts} post(s) published"
                  + (f" at {stack.site_url}/" if stack.site_url else ""))

    latest = Table(title="latest posts", title_justify="left")
    for column in ("date", "title", "URL"):
        latest.add_column(column, overflow="fold")
    for post in svc.index.newest(5):
        latest.add_row(post.date.date().isoformat(), post.title, stack.site_url + post.url)
    console.print(latest)

    trouble = Table(title=f"uploads not published (among the {report_count} newest reports)", title_justify="left")
    for column in ("when", "upload", "status", "reason"):
        trouble.add_column(column, overflow="fold")
    for report in _newest_reports(svc.s3, svc.config.content_bucket, report_count):
        if report.get("status") in ATTENTION:
            trouble.add_row(str(report.get("time", ""))[:19], str(report.get("key")), str(report["status"]),
                            "; ".join(describe_errors(report)))
    console.print(trouble if trouble.row_count else "no rejected or held uploads among the newest reports")

    unhealthy = False
    queues = Table(title="queues", title_justify="left")
    for column in ("queue", "messages", "meaning"):
        queues.add_column(column)
    sqs = aws.client("sqs")
    for output, meaning, is_dead_letter in (
            ("RenderQueueUrl", "uploads waiting to be rendered", False),
            ("RenderDeadLetterQueueUrl", "render events that failed 5 times", True),
            ("IndexFailureQueueUrl", "stream batches the index function gave up on", True)):
        url = stack.outputs.get(output)
        if not url:
            continue
        depth = int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
                    ["Attributes"].get("ApproximateNumberOfMessages", 0))
        unhealthy = unhealthy or (is_dead_letter and depth > 0)
        colour = "red" if is_dead_letter and depth else "green"
        queues.add_row(output.removesuffix("Url"), f"[{colour}]{depth}[/{colour}]", meaning)
    console.print(queues)
    if unhealthy:
        console.print("Messages in a dead-letter queue: fix the cause (see the function logs), then move them "
                      "back with `aws sqs start-message-move-task --source-arn <dead-letter queue ARN>`.")

    alarms = _alarms(stack_name)
    if alarms:
        table = Table(title="alarms", title_justify="left")
        for column in ("alarm", "state"):
            table.add_column(column, overflow="fold")
        for name, state in alarms:
            colour = "red" if state == "ALARM" else "green"
            table.add_row(name, f"[{colour}]{state}[/{colour}]")
            unhealthy = unhealthy or state == "ALARM"
        console.print(table)
    else:
        console.print("no alarms found in the stack")
    sys.exit(EXIT_REJECTED if unhealthy else EXIT_OK)


def _count_posts(dynamodb: Any, table: str) -> int:
    """Posts on the feed partition, counted by key (never a scan)."""
    from pressroom.index import to_item

    count, kwargs = 0, {"TableName": table, "Select": "COUNT", "KeyConditionExpression": "pk = :pk",
                        "ExpressionAttributeValues": to_item({":pk": "FEED"})}
    while True:
        page = dynamodb.query(**kwargs)
        count += int(page.get("Count", 0))
        if not page.get("LastEvaluatedKey"):
            return count
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _newest_reports(s3: Any, bucket: str, limit: int) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=urls.CONTENT_REPORTS):
        listed += page.get("Contents", [])
    listed.sort(key=lambda o: o["LastModified"], reverse=True)
    found = []
    for obj in listed[:limit]:
        key = obj["Key"][len(urls.CONTENT_REPORTS) :].removesuffix(".json")
        report = read_report(s3, bucket, key)
        if report:
            found.append(report)
    return found


def _alarms(stack_name: str) -> list[tuple[str, str]]:
    """(name, state) of the CloudWatch alarms the stack created."""
    from pressroom import aws

    names = []
    paginator = aws.client("cloudformation").get_paginator("list_stack_resources")
    for page in paginator.paginate(StackName=stack_name):
        names += [r["PhysicalResourceId"] for r in page["StackResourceSummaries"]
                  if r["ResourceType"] == "AWS::CloudWatch::Alarm" and r.get("PhysicalResourceId")]
    if not names:
        return []
    found = []
    cloudwatch = aws.client("cloudwatch")
    for start in range(0, len(names), 100):
        for alarm in cloudwatch.describe_alarms(AlarmNames=names[start : start + 100])["MetricAlarms"]:
            found.append((alarm["AlarmName"], alarm["StateValue"]))
    return sorted(found)


def _settings(root: Path) -> Any:
    """The content folder's settings (the defaults when site.yaml is missing or cannot be read)."""
    from pressroom.errors import Rejected
    from pressroom.site import Site, parse_site

    settings = root / urls.CONTENT_SITE_SETTINGS
    try:
        return parse_site(settings.read_bytes()) if settings.is_file() else Site()
    except (Rejected, OSError):
        return Site()


EXAMPLE_FOLDER = Path("examples") / "site"  # what `make dev` previews in a clone of the project


def _new_article_folder(folder: Path | None) -> tuple[Path, str]:
    """The content folder a new article goes to, and a line saying why when it was not named (--dir)."""
    if folder is not None:
        return folder, ""
    here = Path.cwd()
    found = content_root(here)
    if found is not None:
        return found, ""
    if (here / "template.yaml").is_file() and (here / EXAMPLE_FOLDER / urls.CONTENT_SITE_SETTINGS).is_file():
        return here / EXAMPLE_FOLDER, (f"(in {EXAMPLE_FOLDER}, the folder `make dev` previews; --dir DIR writes into "
                                       "another content folder)")
    return here, (f"(no site.yaml in {here} or above, so into {here / urls.CONTENT_ARTICLES}: preview it with "
                  "`pressroom dev .`, or pass --dir DIR for a content folder made by `pressroom init`)")


@main.command()
@click.argument("title")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="Content folder (default: the one holding the current folder; in the project's root, "
                   "examples/site; else the current folder).")
@click.option("--tag", "tags", multiple=True, help="A tag (repeat for several).")
@click.option("--author", default="", help="The byline.")
@click.option("--draft/--no-draft", default=True, show_default=True,
              help="Start as a draft: nothing is published until you set draft: false.")
def new(title: str, folder: Path | None, tags: tuple[str, ...], author: str, draft: bool) -> None:
    """Write a new Markdown article for TITLE under articles/, with its front matter filled in."""
    import yaml

    from pressroom.urls import slugify

    root, where = _new_article_folder(folder)
    site = _settings(root)
    slug = slugify(title, site.slugs)
    if not title.strip() or not slug:
        raise click.UsageError("the title needs at least one letter or digit (it also names the file)")
    path = root / urls.CONTENT_ARTICLES / f"{slug}.md"
    if path.exists():
        raise click.UsageError(f"{path} already exists; choose another title or edit that file")
    # the time on the newsroom's clock (the site's timezone): the day an article is dated by is the one its date
    # names, so a story written at 01:00 in Baku is not dated the day before
    meta: dict[str, Any] = {"title": title.strip(), "date": datetime.now(site.tz).replace(microsecond=0).isoformat()}
    if author:
        meta["author"] = author
    meta["tags"] = list(tags)
    meta["summary"] = "One or two sentences for listings, feeds and search results."
    if draft:
        meta["draft"] = True
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    body = "Write the article here, in Markdown. The first paragraph opens the page.\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front}---\n{body}", encoding="utf-8")
    click.echo(f"wrote {path}" + (" (a draft: set draft: false to publish it)" if draft else ""))
    if where:
        click.echo(where)
