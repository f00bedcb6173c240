"""`pressroom publish`, `rebuild`, `repair`, `status` and `new`: keys from folders, and commands on a stack found
by name."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from pressroom.cli import main
from pressroom.cli.dev import Delivery
from pressroom.cli.ops import upload_plan
from pressroom.content import parse_article
from pressroom.local import Stack
from pressroom.site import Site
from tests.conftest import article

ROOT = Path(__file__).resolve().parents[2]

# moto's CloudFormation names the resource types it does not model whenever the stack is read
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse:UserWarning")


def _content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    (folder / "articles" / "2026").mkdir(parents=True)
    (folder / "media").mkdir()
    (folder / "site.yaml").write_text("name: Ops Times\n")
    (folder / "articles" / "one.md").write_bytes(article("Story one", "2026-03-01"))
    (folder / "articles" / "2026" / "two.txt").write_text("Story two\n\nMarch 2, 2026: It happened.\n")
    (folder / "articles" / ".one.md.swp").write_text("swap")
    (folder / "articles" / "one.md~").write_text("backup")
    (folder / "media" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\nrest")
    (folder / "README.md").write_text("not an input")
    return folder


# --- keys ------------------------------------------------------------------------------------------------


def test_a_content_folder_uploads_its_inputs_by_their_path_site_settings_first(tmp_path: Path) -> None:
    folder = _content(tmp_path)
    assert [key for key, _ in upload_plan([folder])] == [
        "site.yaml", "articles/2026/two.txt", "articles/one.md", "media/logo.png"]


def test_a_file_inside_a_content_folder_keeps_its_path(tmp_path: Path) -> None:
    folder = _content(tmp_path)
    plan = upload_plan([folder / "articles" / "2026" / "two.txt", folder / "articles"])
    assert [key for key, _ in plan] == ["articles/2026/two.txt", "articles/one.md"]


def test_a_lone_article_goes_to_articles(tmp_path: Path) -> None:
    (tmp_path / "note.md").write_bytes(article("Lone", "2026-03-01"))
    assert upload_plan([tmp_path / "note.md"]) == [("articles/note.md", tmp_path / "note.md")]


def test_a_named_file_that_is_no_input_is_a_usage_error(tmp_path: Path) -> None:
    folder = _content(tmp_path)
    for path in (folder / "README.md", folder / "articles" / "one.md~"):
        with pytest.raises(click.UsageError):
            upload_plan([path])
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(click.UsageError):
        upload_plan([tmp_path / "photo.png"])


def test_two_files_for_one_key_are_a_usage_error(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "same.md").write_bytes(article("Same", "2026-03-01"))
    with pytest.raises(click.UsageError, match="articles/same.md"):
        upload_plan([tmp_path / "a" / "same.md", tmp_path / "b" / "same.md"])


# --- new ----------------------------------------------------------------------------------------------------


def test_new_writes_a_draft_article_that_parses(tmp_path: Path) -> None:
    # given
    folder = _content(tmp_path)

    # when
    result = CliRunner().invoke(main, ["new", "Ferry strike: what we know", "--dir", str(folder),
                                       "--tag", "Transport", "--author", "Marta Reis"])

    # then
    assert result.exit_code == 0, result.output
    path = folder / "articles" / "ferry-strike-what-we-know.md"
    assert str(path) in result.output
    parsed = parse_article("articles/ferry-strike-what-we-know.md", path.read_bytes(), Site())
    assert parsed.title == "Ferry strike: what we know"
    assert parsed.draft and parsed.tags == ("Transport",) and parsed.author == "Marta Reis"
    assert parsed.date is not None


def test_new_dates_the_article_on_the_sites_clock(tmp_path: Path) -> None:
    # given: a site in Baku (UTC+4 all year)
    folder = _content(tmp_path)
    (folder / "site.yaml").write_text("name: Xəbər\ntimezone: Asia/Baku\n", encoding="utf-8")

    # when
    result = CliRunner().invoke(main, ["new", "Gecə növbəsi", "--dir", str(folder)])

    # then: the date is written with Baku's offset, so the day it names is the newsroom's
    assert result.exit_code == 0, result.output
    front = (folder / "articles" / "gece-novbesi.md").read_text(encoding="utf-8").split("---")[1]
    assert "+04:00" in front


def test_new_finds_the_content_folder_around_the_current_folder(tmp_path: Path, monkeypatch) -> None:
    folder = _content(tmp_path)
    monkeypatch.chdir(folder / "articles" / "2026")
    result = CliRunner().invoke(main, ["new", "Ready to go", "--no-draft"])
    assert result.exit_code == 0, result.output
    parsed = parse_article("articles/ready-to-go.md", (folder / "articles" / "ready-to-go.md").read_bytes(), Site())
    assert not parsed.draft


def test_new_never_overwrites_and_needs_a_usable_title(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["new", "One", "--dir", str(_content(tmp_path))]).exit_code == 2
    assert runner.invoke(main, ["new", "!!!", "--dir", str(tmp_path)]).exit_code == 2


# --- commands on a stack -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def deployed() -> Iterator[Stack]:
    """A local stack in server mode with events delivered continuously: it stands in for a deployed one.

    Commands find it by name through CloudFormation at AWS_ENDPOINT_URL, as they find a real stack.
    """
    with Stack(root=ROOT, server_port=0) as stack:
        delivery = Delivery(stack, interval=0.1).start()
        try:
            yield stack
        finally:
            delivery.stop()


@pytest.mark.slow
def test_publish_uploads_and_reports_each_outcome(deployed: Stack, tmp_path: Path) -> None:
    # given
    folder = _content(tmp_path)
    (folder / "articles" / "bad.md").write_text("---\ndate: 2026-03-03\n---\nNo title.\n")
    assert os.environ["AWS_ENDPOINT_URL"] == deployed.endpoint_url

    # when: published as it is
    refused = CliRunner().invoke(main, ["publish", str(folder), "--stack", deployed.stack_name, "--timeout", "60"])

    # then: check rejects the bad file, so nothing is uploaded
    assert refused.exit_code == 1, refused.output
    assert "bad.md" in refused.output and "title" in refused.output and "nothing uploaded" in refused.output
    assert "--force" in refused.output
    assert deployed.site_object("posts/one/index.html") is None and deployed.report("articles/one.md") is None

    # when: forced
    result = CliRunner().invoke(main, ["publish", str(folder), "--stack", deployed.stack_name, "--timeout", "60",
                                       "--force"])

    # then: the pipeline rejects it too, with a report, and publishes the rest
    assert result.exit_code == 1, result.output
    assert "/posts/one/" in result.output and "/posts/two/" in result.output
    assert "articles/bad.md" in result.output and "title" in result.output
    assert deployed.site_object("posts/one/index.html") is not None
    assert deployed.report("media/logo.png")["status"] == "published"  # type: ignore[index]

    # when the bad file is fixed and published alone
    (folder / "articles" / "bad.md").write_bytes(article("Not bad", "2026-03-03"))
    fixed = CliRunner().invoke(main, ["publish", str(folder / "articles" / "bad.md"), "--stack", deployed.stack_name])

    # then
    assert fixed.exit_code == 0, fixed.output
    assert "published" in fixed.output and "/posts/bad/" in fixed.output


@pytest.mark.slow
def test_status_names_posts_rejections_and_queues(deployed: Stack) -> None:
    # given
    deployed.upload("articles/status-bad.md", b"---\ntitle: [unclosed\n---\nBody\n")
    deployed.upload("articles/status-good.md", article("Status good", "2026-03-04"))

    # when
    result = CliRunner().invoke(main, ["status", "--stack", deployed.stack_name])

    # then
    assert result.exit_code == 0, result.output
    assert "post(s) published" in result.output
    assert "Status good" in result.output
    assert "articles/status-bad.md" in result.output
    assert "RenderDeadLetterQueue" in result.output


@pytest.mark.slow
def test_rebuild_rerenders_every_article_with_progress(deployed: Stack) -> None:
    # given
    deployed.upload("articles/rebuild-me.md", article("Rebuild me", "2026-03-05"))
    first_time = deployed.report("articles/rebuild-me.md")["time"]  # type: ignore[index]
    deployed.client("s3").delete_object(Bucket=deployed.site_bucket, Key="posts/rebuild-me/index.html")

    # when
    result = CliRunner().invoke(main, ["rebuild", "--stack", deployed.stack_name, "--timeout", "120"])

    # then
    assert result.exit_code == 0, result.output
    assert "rebuild finished" in result.output
    assert deployed.site_object("posts/rebuild-me/index.html") is not None
    assert deployed.report("articles/rebuild-me.md")["time"] >= first_time  # type: ignore[index]


@pytest.mark.slow
def test_repair_lists_drift_in_a_dry_run_then_repairs_it(deployed: Stack) -> None:
    # given: a published article whose page was deleted by hand, and an orphan page left by hand
    deployed.upload("articles/repair-me.md", article("Repair me", "2026-03-06"))
    s3 = deployed.client("s3")
    s3.delete_object(Bucket=deployed.site_bucket, Key="posts/repair-me/index.html")
    s3.put_object(Bucket=deployed.site_bucket, Key="posts/nobody/index.html", Body=b"<h1>Nobody</h1>",
                  Metadata={"content-sha256": "0" * 64})
    runner = CliRunner()

    # when: a dry run of the whole site
    dry = runner.invoke(main, ["repair", "--stack", deployed.stack_name, "--all", "--dry-run"])

    # then: the drift is listed by kind and key, nothing changed, and the exit status says there is drift
    assert dry.exit_code == 1, dry.output
    assert "2 drift found" in dry.output and "missing page" in dry.output and "orphan page" in dry.output
    assert "posts/repair-me/index.html" in dry.output and "posts/nobody/index.html" in dry.output
    assert "key(s) checked" in dry.output
    assert deployed.site_object("posts/repair-me/index.html") is None

    # when: the repair itself
    fixed = runner.invoke(main, ["repair", "--stack", deployed.stack_name, "--all"])

    # then: repaired, and a second look finds nothing
    assert fixed.exit_code == 0, fixed.output
    assert "2 drift repaired" in fixed.output
    assert deployed.site_object("posts/repair-me/index.html") is not None
    assert deployed.site_object("posts/nobody/index.html") is None
    clean = runner.invoke(main, ["repair", "--stack", deployed.stack_name, "--all", "--dry-run"])
    assert clean.exit_code == 0, clean.output
    assert "no drift" in clean.output


@pytest.mark.slow
def test_repair_without_all_checks_one_slice_as_the_schedule_does(deployed: Stack) -> None:
    result = CliRunner().invoke(main, ["repair", "--stack", deployed.stack_name])
    assert result.exit_code == 0, result.output
    assert "key(s) checked" in result.output
    assert "run 1:" in result.output and "run 2:" not in result.output


def test_an_unknown_stack_is_a_configuration_error(deployed: Stack, tmp_path: Path) -> None:
    (tmp_path / "note.md").write_bytes(article("Lone", "2026-03-01"))
    for args in (["publish", str(tmp_path / "note.md")], ["status"], ["rebuild"], ["repair"]):
        result = CliRunner().invoke(main, [*args, "--stack", "no-such-stack"])
        assert result.exit_code == 2, (args, result.output)
        assert "no-such-stack" in result.output


def test_published_urls_are_on_the_sites_own_domain() -> None:
    from pressroom.cli.ops import DeployedStack

    custom = DeployedStack("news", {"SiteUrl": "https://news.example.org/",
                                    "DistributionDomainName": "d1234.cloudfront.net"})
    assert custom.site_url == "https://news.example.org"
    assert DeployedStack("news", {"DistributionDomainName": "d1234.cloudfront.net"}).site_url == \
        "https://d1234.cloudfront.net"


def test_in_dev_published_urls_are_on_the_preview(deployed: Stack) -> None:
    from pressroom.cli.ops import find_stack

    deployed.serve_site_at("http://127.0.0.1:8123/")
    assert find_stack(deployed.stack_name).site_url == "http://127.0.0.1:8123"
