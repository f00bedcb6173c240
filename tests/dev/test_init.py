"""`pressroom init`: a new site in one command, that `check` passes and `pressroom dev` previews."""

from __future__ import annotations

import io
from pathlib import Path

from click.testing import CliRunner
from rich.console import Console

from pressroom.cli import main
from pressroom.cli.dev import DevSession
from pressroom.local import find_root
from tests.dev.test_dev import get, wait_for

ROOT = find_root(Path(__file__))


def test_init_writes_a_commented_site_a_sample_article_and_media(tmp_path: Path) -> None:
    folder = tmp_path / "newsroom"
    result = CliRunner().invoke(main, ["init", str(folder), "--name", "Bakı Xəbərləri", "--language", "az",
                                       "--timezone", "Asia/Baku", "--base-url", "https://news.example.az/"])
    assert result.exit_code == 0, result.output
    settings = (folder / "site.yaml").read_text(encoding="utf-8")
    assert 'name: "Bakı Xəbərləri"' in settings and "timezone: \"Asia/Baku\"" in settings
    assert 'base_url: "https://news.example.az"' in settings
    assert settings.count("\n# ") >= 8  # every setting is explained
    assert (folder / "articles" / "welcome.md").is_file() and (folder / "media").is_dir()
    # the sample article is dated on the newsroom's clock (so its day is Baku's, not Greenwich's)
    assert "+04:00\n" in (folder / "articles" / "welcome.md").read_text(encoding="utf-8").split("---")[1]
    # it ends with the next two commands
    assert f"pressroom dev {folder}" in result.output and f"pressroom publish {folder} --stack" in result.output
    checked = CliRunner().invoke(main, ["check", str(folder)])
    assert checked.exit_code == 0, checked.output
    assert "/posts/welcome/" in checked.output


def test_init_writes_what_readers_see_first_in_the_sites_language(tmp_path: Path) -> None:
    from pressroom.content import parse_article
    from pressroom.site import parse_site

    for language, about, title in (("az", "müstəqil xəbər redaksiyasıdır", "saytına xoş gəlmisiniz"),
                                   ("ru", "независимая редакция", "Добро пожаловать"),
                                   ("fr", "is an independent newsroom", "Welcome to")):  # no catalog: English
        folder = tmp_path / language
        result = CliRunner().invoke(main, ["init", str(folder), "--name", "Xəbər #1", "--language", language])
        assert result.exit_code == 0, result.output
        site = parse_site((folder / "site.yaml").read_bytes())
        assert site.about.startswith("Xəbər #1 ") and about in site.about
        welcome = parse_article("articles/welcome.md", (folder / "articles" / "welcome.md").read_bytes(), site)
        assert title in welcome.title and "Xəbər #1" in welcome.summary


def test_init_refuses_a_folder_that_is_not_empty_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    refused = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert refused.exit_code == 2 and "not empty" in refused.output
    assert not (tmp_path / "site.yaml").exists()

    (tmp_path / "site.yaml").write_text("name: Mine\n")
    forced = CliRunner().invoke(main, ["init", str(tmp_path), "--force"])
    assert forced.exit_code == 0, forced.output
    assert (tmp_path / "site.yaml").read_text() == "name: Mine\n" and "kept" in forced.output
    assert (tmp_path / "notes.txt").read_text() == "keep me" and (tmp_path / "articles" / "welcome.md").exists()


def test_init_refuses_invalid_settings_and_writes_nothing(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["init", str(tmp_path / "site"), "--timezone", "Mars/Base"])
    assert result.exit_code == 2 and "Mars/Base" in result.output and "IANA" in result.output
    assert not (tmp_path / "site").exists()


def test_dev_previews_a_site_just_made_by_init(tmp_path: Path) -> None:
    folder = tmp_path / "fresh"
    assert CliRunner().invoke(main, ["init", str(folder), "--name", "Fresh Herald"]).exit_code == 0
    with DevSession(folder, port=0, root=ROOT, console=Console(file=io.StringIO(), width=200)) as dev:
        wait_for(lambda: "Welcome to Fresh Herald" in get(dev.preview_url)[1], what="the home page")
        assert get(dev.preview_url + "posts/welcome/")[0] == 200


def test_new_in_the_project_root_writes_into_the_folder_make_dev_previews(tmp_path: Path, monkeypatch) -> None:
    # given: a clone's root (the template and the example site), with no site.yaml of its own
    (tmp_path / "template.yaml").write_text("Resources: {}\n")
    (tmp_path / "examples" / "site").mkdir(parents=True)
    (tmp_path / "examples" / "site" / "site.yaml").write_text("name: Example\n")
    monkeypatch.chdir(tmp_path)

    # when
    result = CliRunner().invoke(main, ["new", "Port reopens"])

    # then: the article is where `make dev` looks, and the output says so
    assert result.exit_code == 0, result.output
    assert (tmp_path / "examples" / "site" / "articles" / "port-reopens.md").is_file()
    assert not (tmp_path / "articles").exists()
    assert "make dev" in result.output and "--dir" in result.output


def test_new_outside_any_content_folder_says_where_it_wrote_and_how_to_preview_it(tmp_path: Path,
                                                                                  monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["new", "Loose story"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "articles" / "loose-story.md").is_file()
    assert "no site.yaml" in result.output and "pressroom dev ." in result.output and "pressroom init" in result.output


def test_the_dev_terminal_keeps_pressrooms_lines_and_the_libraries_go_to_the_log(tmp_path: Path, capsys) -> None:
    import logging
    import warnings

    from pressroom.cli.dev import dev_log_path, quiet_terminal

    log = tmp_path / "dev.log"
    with quiet_terminal(log):
        # what a `pressroom status` against the dev stack makes moto and botocore say
        logging.getLogger("moto.cloudformation.parsing").warning("No Moto CloudFormation support for %s",
                                                                 "AWS::CloudWatch::Alarm")
        logging.getLogger("botocore.credentials").warning("Found credentials in environment variables.")
        warnings.warn("Tried to parse AWS::CloudWatch::Alarm but it's not supported", UserWarning, stacklevel=1)
    seen = capsys.readouterr()
    assert "Moto" not in seen.err + seen.out and "credentials" not in seen.err + seen.out
    text = log.read_text()
    assert "No Moto CloudFormation support for AWS::CloudWatch::Alarm" in text
    assert "UserWarning: Tried to parse" in text and "Found credentials" in text
    # and afterwards the terminal is as it was
    assert logging.getLogger("moto").propagate and not logging.getLogger("moto").handlers
    assert str(dev_log_path(8000)).endswith("pressroom-dev-8000.log")
