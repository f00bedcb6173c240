"""`pressroom build` (the batch shell) writes what the pipeline publishes, and `check` says what it reports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pressroom.local import Stack
from pressroom.publish.batch import build_folder
from tests.conftest import NOW, article
from tests.output.fixtures import rich_uploads
from tests.pipeline.helpers import site_state, strip_recent
from tests.xss import payloads

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _write(folder: Path, files: dict[str, bytes | str]) -> Path:
    for key, data in files.items():
        path = folder / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
    return folder


def _through_the_stack(stack: Stack, folder: Path) -> tuple[dict[str, bytes], dict[str, Any]]:
    """Upload a folder as a newsroom would (settings first, then everything at once) and read the result."""
    built = build_folder(folder, now=NOW, render_pages=False)
    inputs = sorted(built.folder.inputs.items(), key=lambda item: (item[0] != "site.yaml", item[0]))
    for key, path in inputs:
        stack.upload(key, path.read_bytes(), wait=key == "site.yaml")
    stack.settle()
    return site_state(stack), {key: stack.report(key) for key, _ in inputs}


def assert_build_equals_the_pipeline(stack: Stack, folder: Path) -> None:
    # given: the folder through the local stack
    stack.reset()
    pipeline_site, reports = _through_the_stack(stack, folder)

    # when: the same folder through the batch shell, as `build` and `check` see it
    built = build_folder(folder, now=NOW)
    checked = build_folder(folder, now=NOW, render_pages=False)

    # then: the same files with the same bytes (Recent Posts snapshots aside), and the same verdicts
    batch_site = {key: strip_recent(key, built.site_pages.body(key)) for key in built.site_pages.keys()}
    assert sorted(batch_site) == sorted(pipeline_site)
    differ = [key for key in batch_site if batch_site[key] != pipeline_site[key]]
    assert not differ, differ
    for key, report in reports.items():
        verdict = checked.verdicts[key]
        expected = report["status"] if report else "deleted"
        assert verdict.status.value == expected, (key, verdict, report)
        if report:
            assert verdict.url == report["url"], key
            assert [p.as_dict() for p in verdict.problems] == report["errors"], key
            assert verdict.winner == report.get("winner", ""), key


def test_the_example_site_builds_as_the_pipeline_publishes_it(stack: Stack, tmp_path: Path) -> None:
    folder = tmp_path / "site"
    shutil.copytree(ROOT / "examples" / "site", folder)
    assert_build_equals_the_pipeline(stack, folder)


def test_the_rich_corpus_builds_as_the_pipeline_publishes_it(stack: Stack, tmp_path: Path) -> None:
    assert_build_equals_the_pipeline(stack, _write(tmp_path / "site", dict(rich_uploads())))


def test_the_hostile_corpus_builds_as_the_pipeline_publishes_it(stack: Stack, tmp_path: Path) -> None:
    files: dict[str, bytes | str] = {"site.yaml": "name: Test Times\n"}
    for i, payload in enumerate(payloads.ALL):
        files[f"articles/p{i:03d}.md"] = article(f"Payload {i}", "2026-03-01", body=payload)
        if i % 7 == 0:
            files[f"articles/t{i:03d}.md"] = article(payload[:80] or "x", "2026-02-01")
    assert_build_equals_the_pipeline(stack, _write(tmp_path / "site", files))


# --- any folder ------------------------------------------------------------------------------------------

NAMES = st.sampled_from(["a", "b", "port strike", "café", "qarabağ", "c++", "z"])
SLUGS = st.sampled_from(["", "same", "other", "café-2", "a"])
DATES = st.sampled_from(["2026-03-01", "2026-02-14", "2025-12-31", "2026-03-09T23:30:00+04:00", "2026-05-01", ""])
TAGS = st.lists(st.sampled_from(["Port", "port", "Mədəniyyət", "Новости", "Council"]), max_size=2)


@st.composite
def articles(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(NAMES) + draw(st.sampled_from([".md", ".md", ".txt", ".docx"]))
    fields: dict[str, Any] = {}
    if slug := draw(SLUGS):
        fields["slug"] = slug
    if draw(st.booleans()):
        fields["aliases"] = [draw(st.sampled_from(["/posts/a/", "/old/", "/2025/x.html", "/feed.xml", "/posts/same/"]))]
    if draw(st.integers(0, 5)) == 0:
        fields["draft"] = True
    if tags := draw(TAGS):
        fields["tags"] = tags
    title = draw(st.sampled_from(["Port news", "Café opens", "Ειδήσεις", ""]))
    date = draw(DATES)
    if name.endswith(".txt"):
        return f"articles/{name}", f"{title}\n\nBody of {name}.\n".encode()
    meta = {"title": title, **fields} if title else dict(fields)
    if date:
        meta["date"] = date
    import yaml

    return f"articles/{name}", f"---\n{yaml.safe_dump(meta, allow_unicode=True)}---\nBody of {name}.\n".encode()


@st.composite
def folders(draw: st.DrawFn) -> dict[str, bytes | str]:
    files: dict[str, bytes | str] = dict(draw(st.lists(articles(), min_size=1, max_size=7)))
    if draw(st.booleans()):
        files["site.yaml"] = draw(st.sampled_from(["name: Gazette\ntimezone: Asia/Baku\n", "name: [broken\n",
                                                   "name: Times\nposts_per_page: 2\n"]))
    if draw(st.booleans()):
        files[draw(st.sampled_from(["media/photo 1.png", "media/logo.png"]))] = PNG
    if draw(st.booleans()):
        files["media/fake.png"] = b"<html>not a picture</html>"
    files.setdefault("articles/anchor.md", article("Anchor", "2026-01-10"))
    return files


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=folders())
def test_any_folder_builds_as_the_pipeline_publishes_it(stack: Stack, tmp_path_factory: pytest.TempPathFactory,
                                                         files: dict[str, bytes | str]) -> None:
    folder = _write(tmp_path_factory.mktemp("folder"), files)
    assert_build_equals_the_pipeline(stack, folder)


@pytest.mark.slow
def test_every_article_naming_a_url_a_post_takes_is_told(stack: Stack, tmp_path: Path) -> None:
    folder = _write(tmp_path / "site", {
        "articles/a.md": "---\naliases: [/posts/same/]\ndate: '2026-03-01'\ntitle: Port news\n---\nBody.\n",
        "articles/b.md": "---\naliases: [/posts/same/]\ndate: '2026-03-01'\ntitle: Port news\n---\nBody.\n",
        "articles/c.md": "---\ndate: '2026-03-01'\nslug: same\ntitle: Port news\n---\nBody.\n",
    })
    assert_build_equals_the_pipeline(stack, folder)


def test_check_json_statuses_are_the_pipelines_reports(stack: Stack, tmp_path: Path) -> None:
    # given: a folder with every status
    folder = _write(tmp_path / "site", {
        "site.yaml": "name: Test Times\n",
        "articles/a.md": article("A", "2026-03-01", slug="same"),
        "articles/b.md": article("B", "2026-03-02", slug="same"),
        "articles/draft.md": article("Draft", "2026-03-01", draft=True),
        "articles/later.md": article("Later", "2026-05-01"),
        "articles/bad.md": b"---\ndate: 2026-03-01\n---\nNo title.\n",
    })
    stack.reset()
    _, reports = _through_the_stack(stack, folder)

    # when
    from click.testing import CliRunner

    from pressroom.cli import main

    result = CliRunner().invoke(main, ["check", "--json", "--now", NOW.isoformat(), str(folder)])

    # then
    files = {f["key"]: f for f in json.loads(result.stdout)["files"]}
    assert {k: f["status"] for k, f in files.items()} == {k: r["status"] for k, r in reports.items()}
    assert files["articles/b.md"]["winner"] == "articles/a.md"
