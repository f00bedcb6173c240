"""`pressroom dev`: the folder is published, watched and previewed; AWS CLI uploads are published too."""

from __future__ import annotations

import io
import re
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from rich.console import Console

from pressroom.cli.dev import DevSession, FolderWatcher, RepairPass, fire_due_schedules
from pressroom.publish.status import Status
from tests.conftest import article
from tests.dev.running import pressroom_dev

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "site"

pytestmark = [
    pytest.mark.slow,
    # moto's CloudFormation names what it does not model; Powertools notes invocations without a metric
    pytest.mark.filterwarnings("ignore:Tried to parse:UserWarning"),
    pytest.mark.filterwarnings("ignore:No application metrics:UserWarning"),
]


def wait_for(condition: Callable[[], object], timeout: float = 30.0, what: str = "the condition") -> object:
    """Poll until `condition()` is truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"{what} did not happen within {timeout:.0f} s")


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DevSession, Path, io.StringIO]]:
    folder = tmp_path_factory.mktemp("dev") / "site"
    shutil.copytree(EXAMPLE, folder)
    output = io.StringIO()
    with DevSession(folder, port=0, drafts=True, root=ROOT, console=Console(file=output, width=200)) as dev:
        yield dev, folder, output


def test_the_folder_is_published_and_previewed(session: tuple[DevSession, Path, io.StringIO]) -> None:
    dev, _, output = session
    status, home = get(dev.preview_url)
    assert status == 200 and "Harbour Town Gazette" in home
    assert get(dev.preview_url + "posts/ferry-timetable/")[0] == 200
    # a folder loaded at start is summed up in one line, not a line per file
    assert re.search(r"loaded .*: 5 articles published, 1 media published, 0 rejected, 0 held, 0 draft, 0 scheduled "
                     r"in [0-9.]+ s", output.getvalue())  # site.yaml counts as neither
    assert "articles/ferry-timetable.md →" not in output.getvalue()


def test_a_repair_pass_runs_after_loading_and_finds_a_clean_load_clean(
        session: tuple[DevSession, Path, io.StringIO]) -> None:
    dev, _, output = session
    assert dev.repair is not None
    assert dev.repair.done.wait(60), "the repair pass did not end"
    result = dev.repair.result
    assert result is not None and result["wrapped"] and result["total"] == 0, result
    assert result["covered"]["site"] > 0 and result["covered"]["content"] > 0
    assert "repaired" not in output.getvalue()  # a line only when there was drift


def test_a_repair_pass_heals_a_local_bucket_edited_by_hand(session: tuple[DevSession, Path, io.StringIO]) -> None:
    # given: a page deleted and an orphan written with the AWS API, whose events the pipeline never sees
    dev, _, output = session
    stack = dev.stack
    assert stack is not None
    s3 = stack.client("s3")
    s3.delete_object(Bucket=stack.site_bucket, Key="posts/ferry-timetable/index.html")
    s3.put_object(Bucket=stack.site_bucket, Key="posts/nobody/index.html", Body=b"<h1>Nobody</h1>",
                  Metadata={"content-sha256": "0" * 64})

    # when: a pass, as the session runs one after loading (its tasks delivered by the session's delivery)
    repair = RepairPass(stack, dev.console).start()
    assert repair.done.wait(60), "the repair pass did not end"

    # then: the site is whole again, and the terminal has one line saying so
    assert get(dev.preview_url + "posts/ferry-timetable/")[0] == 200
    assert stack.site_object("posts/nobody/index.html") is None
    lines = [line for line in output.getvalue().splitlines() if line.startswith("repaired")]
    assert len(lines) == 1 and "missing page" in lines[0] and "orphan page" in lines[0], lines
    assert "articles/ferry-timetable.md →" not in output.getvalue()


def test_a_repair_pass_waits_until_the_delivery_is_idle(session: tuple[DevSession, Path, io.StringIO]) -> None:
    # given: a delivery that has just had work, as when the newsroom saves a file
    dev, _, _ = session
    assert dev.stack is not None
    idle = {"for": 0.0}
    repair = RepairPass(dev.stack, dev.console, idle_for=lambda: idle["for"], quiet=1.0)

    # when
    repair.start()
    try:
        # then: no slice is sent while the delivery is busy
        assert not repair.done.wait(1.5)
        assert dev.delivery is not None and dev.delivery.waiting() == 0

        # when the delivery has been idle long enough
        idle["for"] = 5.0

        # then: the pass runs, and finds the site clean
        assert repair.done.wait(60), "the repair pass did not end"
    finally:
        repair.stop()
    assert repair.result is not None and repair.result["wrapped"] and repair.result["total"] == 0


def test_the_delivery_is_idle_only_after_a_round_with_work(session: tuple[DevSession, Path, io.StringIO]) -> None:
    # given: a delivery that has just published a save
    dev, folder, _ = session
    assert dev.delivery is not None
    (folder / "articles" / "idle-check.md").write_bytes(article("Idle check", "2026-03-09"))
    wait_for(lambda: get(dev.preview_url + "posts/idle-check/")[0] == 200, what="the saved article's page")
    assert dev.delivery.idle_for() < 5.0  # it just delivered
    with dev.delivery.paused():
        assert dev.delivery.idle_for() == 0.0
    (folder / "articles" / "idle-check.md").unlink()
    wait_for(lambda: get(dev.preview_url + "posts/idle-check/")[0] == 410, what="unpublishing the deleted file")


def test_saved_files_are_published_and_deleted_files_unpublished(
        session: tuple[DevSession, Path, io.StringIO]) -> None:
    dev, folder, _ = session
    stack = dev.stack
    assert stack is not None
    page = dev.preview_url + "posts/tide-tables/"

    # when a file is added, then changed
    (folder / "articles" / "tide-tables.md").write_bytes(article("Tide tables", "2026-03-07"))
    wait_for(lambda: get(page)[0] == 200, what="publishing a new file")
    (folder / "articles" / "tide-tables.md").write_bytes(article("Tide tables, corrected", "2026-03-07"))
    wait_for(lambda: "Tide tables, corrected" in get(page)[1], what="publishing a change")

    # when it is renamed: the new name is published and the old one unpublished
    (folder / "articles" / "tide-tables.md").rename(folder / "articles" / "tides.md")
    wait_for(lambda: get(dev.preview_url + "posts/tides/")[0] == 200, what="publishing a renamed file")
    wait_for(lambda: get(page)[0] == 410, what="unpublishing the old name (410 Gone)")

    # when it is deleted
    (folder / "articles" / "tides.md").unlink()
    wait_for(lambda: get(dev.preview_url + "posts/tides/")[0] == 410, what="unpublishing a deleted file (410 Gone)")
    assert b"Story removed" in (stack.site_object("posts/tides/index.html") or b"")


def test_a_rejection_shows_in_the_terminal_and_the_preview(session: tuple[DevSession, Path, io.StringIO]) -> None:
    dev, folder, output = session

    # when
    (folder / "articles" / "no-title.md").write_text("---\ndate: 2026-03-08\n---\nA body without a title.\n")

    # then
    wait_for(lambda: re.search(r"rejected\s+articles/no-title.md: .*title", output.getvalue()),
             what="the rejection reaching the terminal")
    wait_for(lambda: "articles/no-title.md" in get(dev.preview_url)[1], what="the rejection banner")

    # when the file is fixed
    (folder / "articles" / "no-title.md").write_bytes(article("Has a title now", "2026-03-08"))
    wait_for(lambda: "articles/no-title.md" not in get(dev.preview_url)[1], what="the banner going away")


def test_uploads_made_with_the_aws_api_are_published(session: tuple[DevSession, Path, io.StringIO]) -> None:
    # given: a client of the stack's endpoint, as the AWS CLI with AWS_ENDPOINT_URL would be
    dev, _, output = session
    stack = dev.stack
    assert stack is not None and stack.endpoint_url
    s3 = boto3.session.Session().client("s3", endpoint_url=stack.endpoint_url, region_name="us-east-1",
                                        aws_access_key_id="any", aws_secret_access_key="any")

    # when
    s3.put_object(Bucket=stack.content_bucket, Key="articles/from-the-cli.md",
                  Body=article("Sent from the command line", "2026-03-09"))

    # then: the background delivery publishes it without anyone calling settle()
    wait_for(lambda: get(dev.preview_url + "posts/from-the-cli/")[0] == 200, what="delivery of an AWS API upload")
    wait_for(lambda: "articles/from-the-cli.md →" in output.getvalue(), what="the outcome in the terminal")


def test_drafts_are_previewed_and_never_published(session: tuple[DevSession, Path, io.StringIO]) -> None:
    dev, folder, _ = session
    stack = dev.stack
    assert stack is not None
    (folder / "articles" / "budget-leak.md").write_bytes(article("Budget leak", "2026-03-09", draft=True))
    wait_for(lambda: get(dev.preview_url + "posts/budget-leak/")[0] == 200, what="the draft preview")
    assert "pressroom-draft" in get(dev.preview_url + "posts/budget-leak/")[1]
    assert stack.site_object("posts/budget-leak/index.html") is None


def test_due_schedules_are_fired_on_real_time(session: tuple[DevSession, Path, io.StringIO]) -> None:
    # given: an article dated two seconds from now is scheduled
    dev, folder, _ = session
    stack = dev.stack
    assert stack is not None
    when = (datetime.now(UTC) + timedelta(seconds=2)).replace(microsecond=0)
    (folder / "articles" / "soon.md").write_bytes(article("Soon", when.isoformat()))
    wait_for(lambda: (stack.report("articles/soon.md") or {}).get("status") == "scheduled", what="scheduling")

    # when the time has come
    time.sleep(max(0.0, (when - datetime.now(UTC)).total_seconds()) + 1)
    assert fire_due_schedules(stack) == 1

    # then
    assert stack.site_object("posts/soon/index.html") is not None
    assert stack.now() is None  # the session's clock is real time again


def test_a_theme_change_rebuilds_every_page(session: tuple[DevSession, Path, io.StringIO]) -> None:
    # given: a page that is out of date (here: gone)
    dev, _, output = session
    stack = dev.stack
    assert stack is not None and dev.theme is not None
    # and an upload made from outside the folder (with the AWS CLI, say)
    stack.client("s3").put_object(Bucket=stack.content_bucket, Key="articles/from-the-cli.md",
                                  Body=article("Sent from the command line", "2026-03-09"))
    wait_for(lambda: get(dev.preview_url + "posts/from-the-cli/")[0] == 200, what="the outside upload")
    stack.client("s3").delete_object(Bucket=stack.site_bucket, Key="posts/lighthouse-open-day/index.html")

    # when the theme changes (what an edit under the theme folder triggers)
    built = dev.theme.rebuild()

    # then: the whole site is rendered again through the batch core, at once
    assert built is not None and built.count(Status.PUBLISHED) >= 5
    assert stack.site_object("posts/lighthouse-open-day/index.html") is not None
    assert "theme changed: rebuilding the site" in output.getvalue()
    # an upload from outside the folder is put back and published again
    wait_for(lambda: get(dev.preview_url + "posts/from-the-cli/")[0] == 200, what="the outside upload back")


def test_editor_leftovers_and_hidden_files_are_not_uploaded(tmp_path: Path) -> None:
    class _Bucket:
        def __init__(self) -> None:
            self.keys: list[str] = []

        def put_object(self, Bucket: str, Key: str, Body: bytes) -> None:
            self.keys.append(Key)

    class _Stack:
        content_bucket = "content"

        def client(self, service: str) -> _Bucket:
            return bucket

    bucket = _Bucket()
    (tmp_path / "site.yaml").write_text("name: X\n")
    (tmp_path / "articles").mkdir()
    for name in ("a.md", "a.md~", ".a.md.swp", "4913", "#a.md#", "b.md.tmp"):
        (tmp_path / "articles" / name).write_text("---\ntitle: A\n---\nBody\n")
    watcher = FolderWatcher(_Stack(), tmp_path)  # type: ignore[arg-type]
    assert watcher.apply([tmp_path]) == [("upload", "site.yaml"), ("upload", "articles/a.md")]
    assert watcher.apply([tmp_path / "articles" / "a.md"]) == []  # saved without a change
    assert bucket.keys == ["site.yaml", "articles/a.md"]


def test_a_port_in_use_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from click.testing import CliRunner

    from pressroom.cli import main

    monkeypatch.chdir(ROOT)
    (tmp_path / "site.yaml").write_text("name: Busy\n")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = CliRunner().invoke(main, ["dev", str(tmp_path), "--port", str(taken.getsockname()[1])])
    assert result.exit_code == 2, result.output
    assert "cannot serve the preview" in result.output


def test_the_dev_command_prints_its_addresses_and_stops_cleanly(tmp_path: Path) -> None:
    # given
    folder = tmp_path / "site"
    shutil.copytree(EXAMPLE, folder)

    # when
    with pressroom_dev(folder) as dev:
        # then
        assert get(dev.preview_url)[0] == 200
        assert re.search(r"loaded .*site: 5 articles published", dev.output)
        assert "content       s3://" in dev.output
    assert "stopping" in dev.output


def test_a_file_saved_while_the_folder_loads_is_published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # given: a newsroom saves a new article right after the folder was scanned, before the load is done
    from pressroom.publish import batch

    folder = tmp_path / "site"
    shutil.copytree(EXAMPLE, folder)
    real_scan = batch.scan

    def scan_then_save(root: Path) -> batch.Folder:
        found = real_scan(root)
        (folder / "articles" / "late-save.md").write_bytes(article("Saved while loading", "2026-03-08"))
        return found

    monkeypatch.setattr(batch, "scan", scan_then_save)

    # when
    with DevSession(folder, port=0, root=ROOT, console=Console(file=io.StringIO(), width=200)) as dev:
        # then: it is published through the pipeline once the load is done
        wait_for(lambda: get(dev.preview_url + "posts/late-save/")[0] == 200, timeout=5,
                 what="publishing a file saved during loading")


def test_the_built_folder_is_previewed_while_the_stack_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # given: a folder with a rejected file, and a local stack that takes its time to start
    import threading

    from pressroom.local import Stack

    folder = tmp_path / "site"
    shutil.copytree(EXAMPLE, folder)
    (folder / "articles" / "broken.md").write_text("---\ntitle: [unclosed\n---\nBody.\n")
    may_start = threading.Event()
    real_start = Stack.start

    def held_start(self: Stack) -> None:
        assert may_start.wait(60), "the test never let the stack start"
        real_start(self)

    monkeypatch.setattr(Stack, "start", held_start)
    dev = DevSession(folder, port=0, root=ROOT, console=Console(file=io.StringIO(), width=200))
    starting = threading.Thread(target=dev.start, daemon=True)
    starting.start()
    try:
        # when: the folder is built, before the stack has started
        wait_for(lambda: dev.server is not None and dev.server.answering, what="the preview answering")
        status, home = get(dev.preview_url)
        article_status, _ = get(dev.preview_url + "posts/ferry-timetable/")

        # then: the built site answers, with its notices, and the stack is not up yet
        assert dev.stack is not None and dev.stack.endpoint_url is None
        assert status == 200 and "Harbour Town Gazette" in home and article_status == 200
        assert "articles/broken.md" in home

        # and once the stack has started and holds the folder, the same page comes from its bucket
        may_start.set()
        starting.join(60)
        assert dev.stack.endpoint_url is not None and dev.delivery is not None
        from pressroom.preview.server import BucketOrigin

        assert isinstance(dev.server.preview.origin, BucketOrigin)
        assert get(dev.preview_url) == (status, home)
    finally:
        may_start.set()
        starting.join(60)
        dev.stop()


def test_dev_on_the_articles_folder_is_a_usage_error_naming_the_content_folder(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from pressroom.cli import main

    folder = tmp_path / "site"
    shutil.copytree(EXAMPLE, folder)
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["dev", str(folder / "articles"), "--port", "0"])
    assert result.exit_code == 2 and "the content folder is probably" in result.output and str(folder) in result.output


def test_a_refused_site_yaml_keeps_the_last_good_settings(session: tuple[DevSession, Path, io.StringIO]) -> None:
    # given
    dev, folder, output = session
    good = (folder / "site.yaml").read_text()

    # when: a typo in the settings is saved
    (folder / "site.yaml").write_text(good + "timezone: Europe/Lisbn\n")

    # then: the pipeline reports it, and the site keeps its name
    wait_for(lambda: re.search(r"rejected\s+site.yaml: .*timezone", output.getvalue()), what="the rejection")
    assert "Harbour Town Gazette" in get(dev.preview_url)[1]
    (folder / "site.yaml").write_text(good)


def test_switching_slugs_in_dev_redirects_the_old_urls(session: tuple[DevSession, Path, io.StringIO]) -> None:
    # given: an article named in Cyrillic, published at its transliterated URL
    dev, folder, output = session
    good = (folder / "site.yaml").read_text()
    (folder / "articles" / "Новости порта.md").write_bytes(article("Новости порта", "2026-03-08"))
    wait_for(lambda: get(dev.preview_url + "posts/novosti-porta/")[0] == 200, what="publishing the article")

    # when: the site switches to native-script slugs
    (folder / "site.yaml").write_text(good + "slugs: unicode\n")

    # then: the article moves, and its old URL redirects there (urllib follows the 301)
    new = "/posts/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8-%D0%BF%D0%BE%D1%80%D1%82%D0%B0/"
    wait_for(lambda: get(dev.preview_url + new[1:])[0] == 200, timeout=60, what="publishing at the new URL")
    s3 = dev.stack.client("s3")
    wait_for(lambda: s3.head_object(Bucket=dev.stack.site_bucket, Key="posts/novosti-porta/index.html")[
        "Metadata"].get("location") == new, what="the redirect from the old URL")
    status, page = get(dev.preview_url + "posts/novosti-porta/")
    assert status == 200 and "Новости порта" in page
    assert "republishing every article" in output.getvalue()
    (folder / "site.yaml").write_text(good)
    (folder / "articles" / "Новости порта.md").unlink()
    wait_for(lambda: get(dev.preview_url + "posts/novosti-porta/")[0] in (404, 410), timeout=60,
             what="switching back and removing the article")
