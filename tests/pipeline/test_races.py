"""Races between invocations at the index: a post moved under a commit, and listings rendered from a table that
changed under them. Each test runs another change whole at a chosen point of one invocation, then checks the
end state against the table."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from pressroom.local import Stack
from tests.conftest import article
from tests.pipeline.helpers import counts_match_entries, table_state
from tests.pipeline.test_faults import _whole


def _before_commit(monkeypatch: pytest.MonkeyPatch, key: str, other: Callable[[], None]) -> list[str]:
    """Run `other` once, right before `key`'s first commit (after the commit's inputs were read)."""
    from pressroom.index import PostsIndex

    real_commit = PostsIndex.commit
    done: list[str] = []

    def commit(self: PostsIndex, state: Any, **kwargs: Any) -> bool:
        if state.key == key and not done:
            done.append(key)
            other()
        return real_commit(self, state, **kwargs)

    monkeypatch.setattr(PostsIndex, "commit", commit)
    return done


def test_a_displacement_during_an_edit_leaves_every_counter_equal_to_its_entries(
        stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # given: B online at /posts/same/ in March, being edited into February with another tag
    stack.upload("articles/b.md", article("B", "2026-03-04", slug="same", tags=["port"]))
    stack.upload("articles/b.md", article("B, edited", "2026-02-04", slug="same", tags=["council"]), wait=False)
    (edit,) = stack.take_events()
    done = _before_commit(monkeypatch, "articles/b.md",
                          _whole(stack, "articles/a.md", article("A", "2026-03-05", slug="same")))

    # when: A, which sorts first, takes the slug after the edit read B's post and before it commits
    stack.deliver([edit])
    stack.settle()

    # then: A owns the URL, B is held, and the counters agree with the entries (months and tags still listed)
    assert done == ["articles/b.md"]
    assert stack.report("articles/a.md")["status"] == "published"
    assert stack.report("articles/b.md")["status"] == "held"
    assert b"<h1>A</h1>" in (stack.site_object("posts/same/index.html") or b"")
    counts_match_entries(stack)
    assert stack.site_object("archive/2026/03/index.html") is not None
    assert stack.site_object("archive/2026/02/index.html") is None


def test_a_displacement_during_a_rename_removes_neither_post(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # given: B online at /posts/same/, being renamed to /posts/moved/
    stack.upload("articles/b.md", article("B", "2026-03-04", slug="same", tags=["port"]))
    stack.upload("articles/b.md", article("B", "2026-03-04", slug="moved", tags=["port"]), wait=False)
    (rename,) = stack.take_events()
    done = _before_commit(monkeypatch, "articles/b.md",
                          _whole(stack, "articles/a.md", article("A", "2026-03-05", slug="same", tags=["port"])))

    # when: A takes /posts/same/ after the rename read B's post there, before the rename commits
    stack.deliver([rename])
    stack.settle()

    # then: both are published, each with its post, and the counters agree with the entries
    assert done == ["articles/b.md"]
    assert stack.report("articles/a.md")["status"] == "published"
    assert stack.report("articles/b.md")["status"] == "published"
    table = table_state(stack)
    assert table[("POST#same", "POST")]["source_key"] == "articles/a.md"
    assert table[("POST#moved", "POST")]["source_key"] == "articles/b.md"
    counts_match_entries(stack)


def test_two_edits_of_one_post_and_a_displacement_keep_counters_exact(stack: Stack) -> None:
    # given / when: every order of a displacement and an edit, delivered in turn
    stack.upload("articles/b.md", article("B", "2026-03-04", slug="same", tags=["port"]))
    stack.upload("articles/a.md", article("A", "2026-03-05", slug="same", tags=["port"]))
    stack.upload("articles/b.md", article("B, edited", "2026-01-04", slug="same", tags=["port"]))
    stack.delete("articles/a.md")

    # then
    assert stack.report("articles/b.md")["status"] == "published"
    counts_match_entries(stack)
    assert stack.site_object("archive/2026/03/index.html") is None


# --- listings rendered from a table that changes under them ----------------------------------------------


def _after_first_query(monkeypatch: pytest.MonkeyPatch, other: Callable[[], None], query: str = "newest"
                       ) -> list[str]:
    """Run `other` whole once, after the next listings render made `query` and before it writes."""
    from pressroom.index import PostsIndex

    real_query = getattr(PostsIndex, query)
    state = {"inside": False}
    done: list[str] = []

    def reading(self: PostsIndex, *args: Any, **kwargs: Any) -> Any:
        found = real_query(self, *args, **kwargs)
        if not done and not state["inside"]:
            done.append("ran")
            state["inside"] = True
            try:
                other()
            finally:
                state["inside"] = False
        return found

    monkeypatch.setattr(PostsIndex, query, reading)
    return done


def _listings_rebuilt(stack: Stack) -> None:
    """An index invocation for every listing page (as a rebuild's listing task runs)."""
    from pressroom.publish import listings_for

    listings_for(stack.services()).rebuild_all()


def _watch_puts(monkeypatch: pytest.MonkeyPatch, key: str) -> list[bytes]:
    """Every body written to the site bucket at `key`, in order."""
    import botocore.client

    written: list[bytes] = []
    real = botocore.client.BaseClient._make_api_call

    def call(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "PutObject" and params.get("Key") == key:
            written.append(bytes(params["Body"]))
        return real(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", call)
    return written


def test_listings_rendered_before_a_commit_never_replace_a_newer_render(
        stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # given: one post online, and a second that will commit (with its listings) in the middle of a render
    stack.upload("articles/x.md", article("X", "2026-03-04"))
    stack.upload("articles/y.md", article("Y", "2026-03-05"), wait=False)

    def y_publishes_whole() -> None:
        stack.deliver(stack.take_events())
        _listings_rebuilt(stack)
        stack.skip_stream()  # that render was the index invocation of these changes

    home = _watch_puts(monkeypatch, "index.html")
    done = _after_first_query(monkeypatch, y_publishes_whole)

    # when: a render that read the table before Y committed goes on writing after Y's render
    _listings_rebuilt(stack)
    stack.settle()

    # then: home lists Y, and once a write showed Y, no write went back to a home without it
    assert done == ["ran"]
    assert b"/posts/y/" in (stack.site_object("index.html") or b"")
    first = next(i for i, body in enumerate(home) if b"/posts/y/" in body)
    assert all(b"/posts/y/" in body for body in home[first:]), len(home)


def test_a_listing_page_deleted_by_a_newer_render_is_not_written_back_by_an_older_one(
        stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # given: the only February post, whose delete (with its listings) runs in the middle of a render
    stack.upload("articles/x.md", article("X", "2026-03-04"))
    stack.upload("articles/feb.md", article("Feb", "2026-02-04"))
    assert stack.site_object("archive/2026/02/index.html") is not None

    def delete_whole() -> None:
        stack.client("s3").delete_object(Bucket=stack.content_bucket, Key="articles/feb.md")
        stack.deliver(stack.take_events())
        _listings_rebuilt(stack)
        stack.skip_stream()  # that render was the index invocation of these changes

    done = _after_first_query(monkeypatch, delete_whole, "month")

    # when: a render that read February before the delete writes after the delete's render removed it
    _listings_rebuilt(stack)
    stack.settle()

    # then: no February archive nor sitemap part, and home does not list the post
    assert done == ["ran"]
    assert stack.site_object("archive/2026/02/index.html") is None
    assert not [k for k in stack.site_keys() if re.search(r"2026[-/]02", k)]
    assert b"/posts/feb/" not in (stack.site_object("index.html") or b"")


def test_the_listings_version_grows_with_every_post_change_and_settings_change(stack: Stack) -> None:
    # given
    index = stack.services().index
    start = index.listings_version()

    # when / then: a publish, an edit, a delete and a settings change each make it grow
    seen = [start]
    for step in (lambda: stack.upload("articles/a.md", article("A", "2026-03-04")),
                 lambda: stack.upload("articles/a.md", article("A, edited", "2026-03-04")),
                 lambda: stack.delete("articles/a.md"),
                 lambda: stack.upload("site.yaml", "name: Another Gazette\n")):
        step()
        seen.append(index.listings_version())
    assert seen == sorted(set(seen)), seen


def test_a_commit_that_read_a_state_before_another_keys_change_to_it_is_refused(stack: Stack) -> None:
    # given: a key's state, then a displacement that commits it again with the same sequencer
    from pressroom.index import PostsIndex, SourceState

    index = PostsIndex(stack.client("dynamodb"), stack.posts_table)
    assert index.commit(SourceState("articles/b.md", sequencer="1", status="published", revision=1),
                        expected_sequencer=None)
    assert index.commit(SourceState("articles/b.md", sequencer="1", status="held", revision=2),
                        expected_sequencer="1", expected_revision=1)

    # when: a delivery of the same event that read revision 1 commits
    stale = index.commit(SourceState("articles/b.md", sequencer="1", status="published", revision=2),
                         expected_sequencer="1", expected_revision=1)

    # then
    assert not stale and index.source("articles/b.md").status == "held"
