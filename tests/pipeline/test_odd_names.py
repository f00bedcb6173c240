"""Uploads named as newsrooms name files (spaces, `+`, `&`, quotes, accents) publish, change and go, end to end."""

from __future__ import annotations

import pytest

from pressroom.local import Stack
from pressroom.urls import post_key, post_url, slug_from_filename, slugify
from tests.conftest import article
from tests.pipeline.helpers import is_tombstone, table_state

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

# (file name, the slug its name gives)
NAMES = [
    ("articles/port strike ends.md", "port-strike-ends"),
    ("articles/c++ tips+tricks.md", "c-tips-tricks"),
    ("articles/q&a (part 2).md", "q-a-part-2"),
    ("articles/100% true.md", "100-true"),
    ("articles/a%2Bb.md", "a-2bb"),
    ("articles/it's news.md", "it-s-news"),
    ('articles/the "quoted" one.md', "the-quoted-one"),
    ("articles/café notes.md", "cafe-notes"),
    ("articles/qarabağ.md", "qarabag"),
    ("articles/bərpa işləri.md", "berpa-isleri"),
    ("articles/Новости порта.md", "novosti-porta"),
    ("articles/港のニュース.md", "gangnoniyusu"),
]


def _lists(stack: Stack, key: str, text: str) -> bool:
    body = stack.site_object(key)
    return body is not None and text.encode() in body


@pytest.mark.parametrize(("key", "slug"), NAMES, ids=[n for n, _ in NAMES])
def test_an_oddly_named_article_publishes_changes_and_goes(stack: Stack, key: str, slug: str) -> None:
    assert slugify(slug_from_filename(key)) == slug

    # when: published
    stack.upload(key, article("First version", "2026-03-02", tags=["port"]))

    # then: page, listings and the report under the real key
    assert b"First version" in stack.site_object(post_key(slug))
    for listing in ("index.html", "feed.xml", "recent.json", "tags/port/index.html", "archive/2026/03/index.html"):
        assert _lists(stack, listing, post_url(slug)), listing
    report = stack.report(key)
    assert (report["key"], report["status"], report["url"]) == (key, "published", post_url(slug))
    assert {pk for pk, _ in table_state(stack) if pk.startswith("SRC#")} == {f"SRC#{key}"}

    # when: edited
    stack.upload(key, article("Second version", "2026-03-02", tags=["port"]))

    # then
    assert b"Second version" in stack.site_object(post_key(slug))
    assert _lists(stack, "index.html", "Second version") and not _lists(stack, "index.html", "First version")

    # when: renamed (a new slug): the old URL redirects
    stack.upload(key, article("Second version", "2026-03-02", tags=["port"], slug="renamed-story"))

    # then
    assert b"Second version" in stack.site_object(post_key("renamed-story"))
    head = stack.client("s3").head_object(Bucket=stack.site_bucket, Key=post_key(slug))
    assert head["Metadata"]["location"] == post_url("renamed-story")
    assert stack.report(key)["url"] == post_url("renamed-story")

    # when: deleted
    stack.delete(key)

    # then: page and redirect answer 410 Gone; listing entries and report are gone
    assert is_tombstone(stack, post_key("renamed-story"))
    assert is_tombstone(stack, post_key(slug))
    assert not _lists(stack, "index.html", "Second version")
    assert stack.report(key) is None


def test_a_file_renamed_to_an_odd_name_moves_its_story(stack: Stack) -> None:
    # given
    stack.upload("articles/draft-name.md", article("Moving story", "2026-03-02"))

    # when: the newsroom renames the file (S3: a new key and a delete)
    stack.upload("articles/Moving story (final).md", article("Moving story", "2026-03-02"))
    stack.delete("articles/draft-name.md")

    # then: with no id, nothing says the two are one story; the old URL answers 410 Gone
    assert is_tombstone(stack, post_key("draft-name"))
    assert b"Moving story" in stack.site_object(post_key("moving-story-final"))
    assert stack.report("articles/Moving story (final).md")["status"] == "published"


@pytest.mark.parametrize("key", ["media/harbour photo (1).png", "media/café & bar.png", "media/a+b%20c.png"])
def test_oddly_named_media_publish_and_go(stack: Stack, key: str) -> None:
    stack.upload(key, PNG)
    assert stack.site_object(key) == PNG
    assert stack.report(key)["status"] == "published"
    stack.delete(key)
    assert stack.site_object(key) is None
    assert stack.report(key) is None


@pytest.mark.parametrize("key", ["articles/(+&%).md", "articles/¿¡!.md"])
def test_a_name_the_slug_rules_cannot_use_is_rejected_under_its_real_key(stack: Stack, key: str) -> None:
    stack.upload(key, article("A story", "2026-03-02"))
    report = stack.report(key)
    assert report["key"] == key and report["status"] == "rejected"
    assert "file name gives no usable slug" in report["errors"][0]["message"]
    states = {pk: item["status"] for (pk, _), item in table_state(stack).items() if pk.startswith("SRC#")}
    assert states == {f"SRC#{key}": "rejected"}
