"""Loading a folder in bulk leaves the local stack exactly as publishing it event by event does."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from pressroom.local import Stack
from pressroom.local.bulk import LOADED_SEQUENCER
from pressroom.publish.batch import build_folder
from tests.conftest import NOW, article
from tests.output.fixtures import rich_uploads
from tests.pipeline.helpers import report_state, site_state, table_state
from tests.pipeline.test_batch_equivalence import ROOT, _write, folders


def _state(stack: Stack) -> tuple[Any, ...]:
    table = {}
    for (pk, sk), item in table_state(stack).items():
        if pk.startswith("REBUILD#"):
            continue  # a settings upload queues a full rebuild; a bulk load renders with the settings at once
        for name in ("sequencer", "applied"):  # loaded sources sort below every event (LOADED_SEQUENCER), by design
            item.pop(name, None)
        table[(pk, sk)] = item
    return table, site_state(stack), report_state(stack), sorted(s["Name"] for s in stack.schedules())


def assert_bulk_load_equals_publishing(stack: Stack, folder: Path) -> None:
    # given: the folder published event by event
    stack.reset()
    built = build_folder(folder, now=NOW)
    inputs = sorted(built.folder.inputs.items(), key=lambda item: (item[0] != "site.yaml", item[0]))
    for key, path in inputs:
        stack.upload(key, path.read_bytes(), wait=key == "site.yaml")
    stack.settle()
    expected = _state(stack)

    # when: the same folder loaded in bulk into an empty stack
    stack.reset()
    stack.load(built)

    # then: nothing is left to deliver, and the stack is in the same state
    assert stack.settle() == 0
    assert _state(stack) == expected


def test_the_example_site_loads_in_bulk_as_it_publishes(stack: Stack, tmp_path: Path) -> None:
    folder = tmp_path / "site"
    shutil.copytree(ROOT / "examples" / "site", folder)
    assert_bulk_load_equals_publishing(stack, folder)


def test_the_rich_corpus_loads_in_bulk_as_it_publishes(stack: Stack, tmp_path: Path) -> None:
    files: dict[str, bytes | str] = dict(rich_uploads())
    files["articles/later.md"] = article("Later", "2026-06-01")  # a schedule
    files["articles/twin.md"] = article("Twin", "2026-03-01", slug="ferry-timetable")  # held
    files["articles/story-1.md"] = article("One story", "2026-03-02", id="story one")  # an id:
    files["articles/story-2.md"] = article("The same story", "2026-03-03", id="story one")
    assert_bulk_load_equals_publishing(stack, _write(tmp_path / "site", files))


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=folders())
def test_any_folder_loads_in_bulk_as_it_publishes(stack: Stack, tmp_path_factory: pytest.TempPathFactory,
                                                   files: dict[str, bytes | str]) -> None:
    assert_bulk_load_equals_publishing(stack, _write(tmp_path_factory.mktemp("folder"), files))


def test_an_alias_at_a_url_another_post_takes_is_recorded_alike(stack: Stack, tmp_path: Path) -> None:
    files: dict[str, bytes | str] = {
        "articles/qarabağ.md": "---\naliases: [/posts/a/]\ndate: '2026-03-01'\nslug: a\ntitle: Port news\n---\nBody.\n",
        "articles/a.md": "---\naliases: [/posts/a/]\ndate: '2026-03-01'\nslug: café-2\ntitle: Port news\n---\nBody.\n",
    }
    assert_bulk_load_equals_publishing(stack, _write(tmp_path / "site", files))


def test_a_change_after_a_bulk_load_goes_through_the_pipeline_and_wins(stack: Stack, tmp_path: Path) -> None:
    # given
    folder = _write(tmp_path / "site", {"articles/a.md": article("First", "2026-03-01")})
    stack.reset()
    stack.load(build_folder(folder, now=NOW))
    assert stack.client("dynamodb") and LOADED_SEQUENCER < "1"

    # when
    stack.upload("articles/a.md", article("Second", "2026-03-01"))

    # then
    assert b"Second" in stack.site_object("posts/a/index.html")
    assert b"Second" in stack.site_object("index.html") and b"First" not in stack.site_object("index.html")


def test_loading_over_a_loaded_site_leaves_what_loading_it_fresh_does(stack: Stack, tmp_path: Path) -> None:
    # given: the stack holds one folder
    before = _write(tmp_path / "before", {"site.yaml": "name: Old Name\n",
                                          "articles/a.md": article("A", "2026-03-01", tags=["port"]),
                                          "articles/b.md": article("B", "2026-02-01", tags=["rail"])})
    after = _write(tmp_path / "after", {"site.yaml": "name: New Name\ntimezone: Asia/Baku\n",
                                        "articles/a.md": article("A", "2026-03-01", tags=["port"])})
    stack.reset()
    stack.load(build_folder(before, now=NOW))

    # when: the changed folder is loaded over it
    stack.load(build_folder(after, now=NOW), replace_all=True)
    replaced = _state(stack)

    # then: the same state as loading the changed folder into an empty stack (uploads aside)
    stack.reset()
    stack.load(build_folder(after, now=NOW))
    fresh = _state(stack)
    assert replaced[0] == fresh[0] and replaced[1] == fresh[1] and replaced[3] == fresh[3]
    assert b"New Name" in stack.site_object("index.html")


def test_a_preview_of_the_build_answers_as_the_preview_of_the_loaded_stack(stack: Stack, tmp_path: Path) -> None:
    # given: a folder with redirects, a rejection, a held post and media, built, then loaded into a stack
    from pressroom.preview import Cdn, Preview
    from pressroom.preview.reports import ReportBook
    from pressroom.preview.server import stack_services

    files: dict[str, bytes | str] = dict(rich_uploads())
    files["articles/twin.md"] = article("Twin", "2026-03-01", slug="ferry-timetable")  # held
    files["articles/moved.md"] = article("Moved", "2026-03-04", aliases=["/posts/old-name/"])  # a redirect
    files["articles/broken.md"] = "---\ntitle: [unclosed\n---\nBody.\n"  # rejected
    files["media/quay.png"] = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    folder = _write(tmp_path / "site", files)
    stack.reset()
    built = build_folder(folder, now=NOW)
    stack.load(built)
    cdn = Cdn.from_template(ROOT / "template.yaml")
    decided = ReportBook()
    decided.take_in_decided(built.reports())
    from_build = Preview(None, cdn, reports=decided, origin=built.site_pages)
    book = ReportBook(stack.client("s3"), stack.content_bucket)
    book.refresh()
    from_stack = Preview(stack_services(stack), cdn, reports=book)

    # then: every object, and the notices on every page, are the same from both
    keys = stack.site_keys()
    assert keys == built.site_pages.keys()
    assert {"posts/old-name/index.html", "media/quay.png", "404.html"} <= set(keys)
    for key in keys:
        path = "/" + key.removesuffix("index.html")
        built_answer, stack_answer = from_build.respond("GET", path), from_stack.respond("GET", path)
        assert (built_answer.status, built_answer.headers, built_answer.body) == \
            (stack_answer.status, stack_answer.headers, stack_answer.body), key
    home = from_build.respond("GET", "/").body.decode()
    assert "articles/broken.md" in home and "articles/twin.md" in home  # what needs the newsroom's attention
    assert from_build.respond("GET", "/posts/no-such-post/").status == 404
