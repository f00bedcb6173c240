"""`pressroom check`: the same parser offline, one line per problem, exit 0 / 1 / 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pressroom.cli import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "site"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["check", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A copy of the example content folder."""
    folder = tmp_path / "content"
    shutil.copytree(EXAMPLE, folder)
    return folder


def test_valid_articles_and_site_yaml_pass_with_exit_0() -> None:
    # when
    code, out, _ = _run(str(EXAMPLE))

    # then
    assert code == EXIT_OK
    assert "ok " + str(EXAMPLE / "articles" / "market-hall.txt") + " -> /posts/market-hall/" in out
    assert "ok " + str(EXAMPLE / "site.yaml") in out


def test_each_problem_is_printed_with_file_line_field_and_hint_and_exit_is_1(content: Path) -> None:
    # given
    bad = content / "articles" / "bad.md"
    bad.write_text("---\ntitle: Broken\nauthr: me\ndate: 2026-02-30\n---\nBody.\n")

    # when
    code, _, err = _run(str(bad))

    # then
    assert code == EXIT_REJECTED
    assert f"{bad}:3: authr: unknown field 'authr' (hint: did you mean 'author'?)" in err
    assert f"{bad}:4: date: '2026-02-30' is not a valid date (hint: " in err


def test_site_yaml_problems_are_reported_too(content: Path) -> None:
    # given
    settings = content / "site.yaml"
    settings.write_text("name: Gazette\ntimezone: Mars/Base\n")

    # when
    code, _, err = _run(str(settings))

    # then
    assert code == EXIT_REJECTED
    assert f"{settings}:2: timezone: 'Mars/Base' is not an IANA timezone" in err


def test_articles_are_checked_under_their_content_folders_site_yaml(content: Path) -> None:
    # given: a date without offset, read in the site's timezone (Europe/Lisbon, UTC+1 in summer)
    article = content / "articles" / "summer.md"
    article.write_text("---\ntitle: Summer\ndate: 2026-07-01\n---\nBody.\n")

    # when
    code, out, _ = _run("--json", str(article))

    # then
    assert code == EXIT_OK
    assert json.loads(out)["files"][0]["date"] == "2026-07-01T00:00:00+01:00"


def test_site_option_gives_the_settings_to_check_under(tmp_path: Path) -> None:
    # given
    (tmp_path / "tokyo.yaml").write_text("timezone: Asia/Tokyo\n")
    (tmp_path / "a.md").write_text("---\ntitle: A\ndate: 2026-07-01\n---\nBody.\n")

    # when
    code, out, _ = _run("--json", "--site", str(tmp_path / "tokyo.yaml"), str(tmp_path / "a.md"))

    # then
    assert code == EXIT_OK and json.loads(out)["files"][0]["date"] == "2026-07-01T00:00:00+09:00"


def test_json_output_lists_every_file_with_its_problems(content: Path) -> None:
    # given
    (content / "articles" / "untitled.txt").write_text("\n")

    # when
    code, out, _ = _run("--json", str(content))

    # then
    report = json.loads(out)
    assert code == EXIT_REJECTED and report["ok"] is False
    untitled = next(f for f in report["files"] if f["file"].endswith("untitled.txt"))
    assert untitled["problems"][0]["message"] == "the file is empty" and untitled["problems"][0]["hint"]


def test_size_limit_is_the_deployments_unless_given(content: Path) -> None:
    # when
    code, _, err = _run("--max-bytes", "100", str(content / "articles" / "market-hall.txt"))

    # then
    assert code == EXIT_REJECTED and "more than the limit of 100 bytes" in err


def test_unsupported_file_given_by_name_is_a_problem(tmp_path: Path) -> None:
    # given
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")

    # when
    code, _, err = _run(str(tmp_path / "notes.docx"))

    # then
    assert code == EXIT_REJECTED and "unsupported article format .docx" in err


def test_no_paths_is_a_usage_error() -> None:
    assert _run()[0] == EXIT_USAGE


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    assert _run(str(tmp_path / "missing.md"))[0] == EXIT_USAGE


def test_folder_without_articles_is_a_usage_error(tmp_path: Path) -> None:
    assert _run(str(tmp_path))[0] == EXIT_USAGE


def test_the_articles_folder_itself_is_a_usage_error_that_names_the_content_folder(content: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(content / "articles")])
    assert result.exit_code == EXIT_USAGE
    assert "neither site.yaml nor articles/" in result.output and str(content) in result.output


def test_two_files_claiming_one_slug_get_the_pipelines_verdict(content: Path) -> None:
    # given
    (content / "articles" / "a.md").write_text("---\ntitle: A\ndate: 2026-03-01\nslug: same\n---\nBody.\n")
    (content / "articles" / "b.md").write_text("---\ntitle: B\ndate: 2026-03-01\nslug: same\n---\nBody.\n")

    # when
    code, out, _ = _run("--json", str(content))

    # then
    files = {f["key"]: f for f in json.loads(out)["files"]}
    assert code == EXIT_REJECTED
    assert files["articles/a.md"]["status"] == "published" and files["articles/a.md"]["url"] == "/posts/same/"
    assert files["articles/b.md"]["status"] == "held" and files["articles/b.md"]["winner"] == "articles/a.md"


def test_files_the_pipeline_rejects_or_never_reads_get_their_status(content: Path) -> None:
    # given
    (content / "articles" / "notes.docx").write_bytes(b"PK\x03\x04")
    (content / "media" / "page.png").write_text("<html>not an image</html>")
    (content / "stray.md").write_text("---\ntitle: Stray\n---\nBody.\n")

    # when
    code, out, _ = _run("--json", str(content))

    # then
    files = {f["key"]: f for f in json.loads(out)["files"]}
    assert code == EXIT_REJECTED
    assert files["articles/notes.docx"]["status"] == "rejected"
    assert "unsupported article format .docx" in files["articles/notes.docx"]["problems"][0]["message"]
    assert files["media/page.png"]["status"] == "rejected"
    assert files["stray.md"]["status"] == "ignored" and files["stray.md"]["ok"] is True
    assert files["stray.md"]["problems"][0]["severity"] == "warning"
    assert "site.yaml, articles/ and media/" in files["stray.md"]["problems"][0]["message"]


def test_scheduled_depends_on_the_clock_given(content: Path) -> None:
    (content / "articles" / "later.md").write_text("---\ntitle: Later\ndate: 2026-06-01T09:00:00Z\n---\nBody.\n")
    statuses = []
    for now in ("2026-05-01T00:00:00Z", "2026-07-01T00:00:00Z"):
        _, out, _ = _run("--json", "--now", now, str(content / "articles" / "later.md"))
        statuses.append(json.loads(out)["files"][0]["status"])
    assert statuses == ["scheduled", "published"]


def test_a_file_the_pipeline_never_reads_named_alone_is_ignored(content: Path) -> None:
    (content / "stray.md").write_text("---\ntitle: Stray\n---\nBody.\n")
    (content / "drafts").mkdir()
    (content / "drafts" / "wip.md").write_text("---\ntitle: Wip\n---\nBody.\n")
    code, out, _ = _run("--json", str(content / "stray.md"), str(content / "drafts" / "wip.md"))
    files = json.loads(out)["files"]
    assert code == EXIT_OK and [f["status"] for f in files] == ["ignored", "ignored"]


def test_a_language_without_a_catalog_passes_with_a_warning(content: Path) -> None:
    # given: a site in a language the theme has no catalog for
    settings = content / "site.yaml"
    settings.write_text(settings.read_text().replace("language: en", "language: fr"))

    # when
    code, out, err = _run(str(content))

    # then: it still passes; the warning says the interface reads English
    assert code == EXIT_OK
    assert f"{settings}: warning: language: the theme has no catalog for language 'fr'" in err
    assert "ok " + str(settings) in out
