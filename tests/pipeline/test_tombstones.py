"""Deleted and moved stories: a deleted post's URLs answer 410 Gone until something else is published there, and
a story re-uploaded under another file name with the same `id:` takes its old URLs over as redirects, whichever
of the delete and the upload arrives first."""

from __future__ import annotations

import re
from typing import Any

import pytest

from pressroom.local import Stack
from pressroom.preview import Preview
from tests.conftest import article
from tests.pipeline.helpers import is_tombstone
from tests.pipeline.test_faults import observed


def _location(stack: Stack, key: str) -> str:
    head = stack.client("s3").head_object(Bucket=stack.site_bucket, Key=key)
    return str(head.get("Metadata", {}).get("location", ""))


def test_a_deleted_post_answers_410_gone_with_a_page_that_says_so(stack: Stack) -> None:
    # given
    stack.upload("articles/fire.md", article("Harbour fire", "2026-03-02"))

    # when
    stack.delete("articles/fire.md")

    # then: through the preview, which answers as the CDN does
    response = Preview.for_stack(stack, live=False).respond("GET", "/posts/fire/")
    assert response.status == 410
    assert b"Story removed" in response.body and b"Harbour fire" not in response.body
    assert b'name="robots" content="noindex"' in response.body


def test_a_post_published_at_a_deleted_url_takes_it_from_the_tombstone(stack: Stack) -> None:
    # given
    stack.upload("articles/fire.md", article("Harbour fire", "2026-03-02", slug="fire"))
    stack.delete("articles/fire.md")
    assert is_tombstone(stack, "posts/fire/index.html")

    # when
    stack.upload("articles/other.md", article("Forest fire", "2026-03-03", slug="fire"))

    # then
    assert not is_tombstone(stack, "posts/fire/index.html")
    assert b"Forest fire" in (stack.site_object("posts/fire/index.html") or b"")


def test_a_key_uploaded_again_after_its_delete_under_a_new_slug_redirects_its_old_url(stack: Stack) -> None:
    stack.upload("articles/fire.md", article("Harbour fire", "2026-03-02", slug="fire"))
    stack.delete("articles/fire.md")
    stack.upload("articles/fire.md", article("Harbour fire", "2026-03-02", slug="harbour-fire"))
    assert _location(stack, "posts/fire/index.html") == "/posts/harbour-fire/"


def _moved(stack: Stack, delete_first: bool) -> tuple[Any, ...]:
    stack.reset()
    stack.upload("articles/fire.md", article("Harbour fire", "2026-03-02", id="fire-2026", aliases=["/fire/"]))
    steps = [lambda: stack.delete("articles/fire.md"),
             lambda: stack.upload("articles/2026/fire-final.md",
                                  article("Harbour fire: the full story", "2026-03-02", id="fire-2026"))]
    for step in steps if delete_first else reversed(steps):
        step()
    return observed(stack)


@pytest.mark.parametrize("delete_first", [True, False], ids=["delete first", "upload first"])
def test_a_story_moved_to_another_file_with_its_id_redirects_its_old_urls(stack: Stack, delete_first: bool) -> None:
    # when: the newsroom re-uploads the story under a new file name with the same id, and deletes the old file
    _moved(stack, delete_first)

    # then: the old URL and alias send readers to the story's new URL
    new_url = "/posts/fire-final/"
    assert _location(stack, "posts/fire/index.html") == new_url
    assert _location(stack, "fire/index.html") == new_url
    assert stack.report("articles/2026/fire-final.md")["status"] == "published"


def test_a_moved_story_ends_the_same_whichever_event_arrives_first(stack: Stack) -> None:
    assert _moved(stack, True) == _moved(stack, False)


def test_a_moved_story_never_redirects_over_a_post_published_at_its_old_url(stack: Stack) -> None:
    # given: the story's old URL, taken by another post after the delete
    stack.upload("articles/fire.md", article("Harbour fire", "2026-03-02", id="fire-2026", slug="fire"))
    stack.delete("articles/fire.md")
    stack.upload("articles/other.md", article("Forest fire", "2026-03-03", slug="fire"))

    # when
    stack.upload("articles/new.md", article("Harbour fire again", "2026-03-04", id="fire-2026"))

    # then
    assert b"Forest fire" in (stack.site_object("posts/fire/index.html") or b"")
    assert _location(stack, "posts/fire/index.html") == ""


def test_an_upload_without_the_id_takes_nothing_from_a_deleted_story(stack: Stack) -> None:
    stack.upload("articles/fire.md", article("Harbour fire", "2026-03-02", id="fire-2026"))
    stack.delete("articles/fire.md")
    stack.upload("articles/new.md", article("Harbour fire", "2026-03-02", slug="new-fire"))
    assert is_tombstone(stack, "posts/fire/index.html")


def test_an_id_must_be_text(stack: Stack) -> None:
    stack.upload("articles/a.md", b"---\ntitle: A\ndate: 2026-03-02\nid: [1, 2]\n---\nBody.\n")
    report = stack.report("articles/a.md")
    assert report["status"] == "rejected" and report["errors"][0]["field"] == "id"


# --- a page that goes away is left to a post published there in the meantime ----------------------------


def _right_after_commit(monkeypatch: pytest.MonkeyPatch, key: str, status: str, other: Any) -> list[str]:
    from pressroom.index import PostsIndex

    real_commit = PostsIndex.commit
    done: list[str] = []

    def commit(self: PostsIndex, state: Any, **kwargs: Any) -> bool:
        committed = real_commit(self, state, **kwargs)
        if committed and state.key == key and state.status == status and not done:
            done.append(key)
            other()
        return committed

    monkeypatch.setattr(PostsIndex, "commit", commit)
    return done


@pytest.mark.parametrize("change", ["deleted", "draft"])
def test_a_post_published_at_a_url_while_its_last_owner_leaves_it_stays_online(
        stack: Stack, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    # given: A at /posts/x/, about to be deleted or turned into a draft; B will take /posts/x/ in between
    stack.upload("articles/a.md", article("A", "2026-03-05", slug="x"))
    if change == "deleted":
        stack.delete("articles/a.md", wait=False)
    else:
        stack.upload("articles/a.md", article("A", "2026-03-05", slug="x", draft=True), wait=False)
    (event,) = stack.take_events()

    def b_publishes_whole() -> None:
        from pressroom import handlers

        stack.client("s3").put_object(Bucket=stack.content_bucket, Key="articles/0.md",  # sorts first: it owns the slug at once
                                      Body=article("B", "2026-03-06", slug="x"))
        for message in stack.take_events():
            handlers.render_record(message)

    done = _right_after_commit(monkeypatch, "articles/a.md", change, b_publishes_whole)

    # when: B publishes at /posts/x/ after A's change commits, before A's page is retired
    stack.deliver([event])
    stack.settle()

    # then: B's page is online, neither deleted nor replaced by a tombstone
    assert done == ["articles/a.md"]
    page = stack.site_object("posts/x/index.html") or b""
    assert b"<h1>B</h1>" in page, re.findall(rb"<h1[^>]*>[^<]*", page)
    assert not is_tombstone(stack, "posts/x/index.html")
