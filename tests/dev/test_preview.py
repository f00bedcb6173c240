"""The preview over a local stack: pages as the CDN serves them, notices, drafts and live reload."""

from __future__ import annotations

import http.client
import json
import re

import pytest

from pressroom.local import Stack
from pressroom.preview import Preview, PreviewServer
from tests.conftest import article

SITE = b"name: Preview Times\nbase_url: https://preview.example\n"


@pytest.fixture
def site(stack: Stack) -> Stack:
    stack.upload("site.yaml", SITE)
    stack.upload("articles/harbour.md", article("Harbour reopens", "2026-03-01", tags=["Harbour"]))
    return stack


def _text(preview: Preview, target: str) -> str:
    response = preview.respond("GET", target)
    assert response.status == 200, (target, response.status)
    return response.body.decode()


def test_pages_are_served_with_the_objects_content_type_and_clean_urls(site: Stack) -> None:
    # given
    preview = Preview.for_stack(site)

    # when
    home = preview.respond("GET", "/")
    page = preview.respond("GET", "/posts/harbour/")
    bare = preview.respond("GET", "/posts/harbour?utm_source=feed")
    feed = preview.respond("GET", "/feed.xml")

    # then
    assert home.status == 200 and "Harbour reopens" in home.body.decode()
    assert page.status == 200 and "<h1>Harbour reopens</h1>" in page.body.decode()
    assert page.headers["Content-Type"].startswith("text/html")
    assert (bare.status, bare.headers["Location"]) == (301, "/posts/harbour/?utm_source=feed")
    assert feed.status == 200 and feed.headers["Content-Type"].startswith("application/atom+xml")
    assert feed.body == site.site_object("feed.xml")  # only HTML pages get the preview's additions


def test_a_missing_url_gets_the_sites_404_page_with_status_404(site: Stack) -> None:
    response = Preview.for_stack(site).respond("GET", "/posts/never-written/")
    assert response.status == 404
    stored = site.site_object("404.html")
    assert stored is not None
    assert re.search(r"<title>[^<]*</title>", response.body.decode()).group(0) in stored.decode()  # type: ignore[union-attr]


def test_a_renamed_article_answers_301_from_its_old_url(site: Stack) -> None:
    # given: the article's slug changes, so the pipeline leaves a redirect object at the old URL
    site.upload("articles/harbour.md", article("Harbour reopens", "2026-03-01", slug="harbour-reopens"))

    # when
    response = Preview.for_stack(site).respond("GET", "/posts/harbour/")

    # then
    assert (response.status, response.headers["Location"]) == (301, "/posts/harbour-reopens/")
    assert _text(Preview.for_stack(site), "/posts/harbour-reopens/").count("Harbour reopens") >= 1


TOMBSTONE = b"<!DOCTYPE html><html><head><title>Removed</title></head><body><h1>This story was removed</h1></body></html>"


def _bury(stack: Stack, key: str) -> None:
    """Leave a tombstone at `key`, as the pipeline does for a deleted article: a page with metadata status 410."""
    stack.client("s3").put_object(Bucket=stack.site_bucket, Key=key, Body=TOMBSTONE,
                                  ContentType="text/html; charset=utf-8", Metadata={"status": "410"})


def test_a_deleted_articles_tombstone_answers_410_with_its_page(site: Stack) -> None:
    # given
    _bury(site, "posts/harbour/index.html")

    # when
    response = Preview.for_stack(site, live=False).respond("GET", "/posts/harbour/")

    # then
    assert response.status == 410
    assert "<h1>This story was removed</h1>" in response.body.decode()
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["Content-Security-Policy"]
    assert "Location" not in response.headers
    assert not [name for name in response.headers if name.lower().startswith("x-amz-meta-")]


def test_a_tombstone_is_gone_over_http_and_head_gets_no_body(site: Stack) -> None:
    # given
    _bury(site, "posts/harbour/index.html")

    # when
    with PreviewServer(Preview.for_stack(site), port=0) as server:
        host, port = server.url[len("http://") :].rstrip("/").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("GET", "/posts/harbour/")
        gone = connection.getresponse()
        body = gone.read()
        connection.request("HEAD", "/posts/harbour/")
        head = connection.getresponse()
        head_body = head.read()
        connection.close()

    # then
    assert (gone.status, gone.reason) == (410, "Gone")
    assert b"This story was removed" in body
    assert head.status == 410 and head_body == b""
    assert int(head.getheader("Content-Length")) == len(body)


def test_rejections_show_as_a_banner_in_the_preview_only(site: Stack) -> None:
    # given
    site.upload("articles/broken.md", b"---\ndate: 2026-03-02\n---\nNo title here.\n")
    preview = Preview.for_stack(site)

    # when
    page = _text(preview, "/posts/harbour/")

    # then
    banner = re.search(r'<aside class="pressroom-preview".*?</aside>', page, re.DOTALL)
    assert banner is not None
    assert "articles/broken.md" in banner.group(0) and "title" in banner.group(0)
    assert b"pressroom-preview" not in site.site_object("posts/harbour/index.html")  # type: ignore[operator]

    # when the file is fixed
    site.upload("articles/broken.md", article("Broken no more", "2026-03-02"))
    preview.reports.min_interval = 0

    # then
    assert "articles/broken.md" not in _text(preview, "/posts/harbour/")


def test_drafts_are_rendered_on_the_fly_only_with_drafts(site: Stack) -> None:
    # given
    site.upload("articles/plan.md", article("Secret plan", "2026-03-03", draft=True))
    site.upload("articles/later.md", article("Coming soon", "2026-04-01"))
    assert site.report("articles/later.md")["status"] == "scheduled"  # type: ignore[index]

    # when
    hidden = Preview.for_stack(site).respond("GET", "/posts/plan/")
    preview = Preview.for_stack(site, drafts=True)
    draft = preview.respond("GET", "/posts/plan/")
    scheduled = preview.respond("GET", "/posts/later/")

    # then
    assert hidden.status == 404
    assert draft.status == 200 and draft.headers["X-Robots-Tag"] == "noindex"
    text = draft.body.decode()
    assert "<h1>Secret plan</h1>" in text and "pressroom-draft" in text and ">Draft<" in text
    assert scheduled.status == 200 and ">Scheduled<" in scheduled.body.decode()
    assert 'href="/posts/plan/"' in _text(preview, "/")  # the banner lists the drafts
    assert not [k for k in site.site_keys() if k.startswith(("posts/plan/", "posts/later/"))]


def test_injected_markup_keeps_the_content_security_policy(site: Stack) -> None:
    # given
    site.upload("articles/broken.md", b"---\ndate: 2026-03-02\n---\nNo title here.\n")
    site.upload("articles/plan.md", article("Secret plan", "2026-03-03", draft=True))

    # when
    page = _text(Preview.for_stack(site, drafts=True), "/posts/plan/")

    # then: scripts come from the site's own origin, and nothing is styled inline
    for tag in re.findall(r"<script\b[^>]*>", page):
        assert 'type="application/ld+json"' in tag or re.search(r'src="/[^/]', tag), tag
    assert " style=" not in page and "<style" not in page
    assert '<script src="/_pressroom/live.js" defer></script>' in page


def test_live_reload_token_changes_when_the_page_does(site: Stack) -> None:
    # given
    preview = Preview.for_stack(site)
    page = _text(preview, "/posts/harbour/")
    token = re.search(r'<meta name="pressroom-live" content="([0-9a-f]+)">', page).group(1)  # type: ignore[union-attr]

    def state() -> str:
        response = preview.respond("GET", "/_pressroom/state?path=%2Fposts%2Fharbour%2F")
        assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
        return str(json.loads(response.body)["token"])

    # then: unchanged page, same token; a new version of the article, a new one
    assert state() == token
    site.upload("articles/harbour.md", article("Harbour reopens", "2026-03-01", body="A new paragraph."))
    assert state() != token


def test_the_preview_scripts_are_served_from_the_reserved_path(site: Stack) -> None:
    preview = Preview.for_stack(site)
    script = preview.respond("GET", "/_pressroom/live.js")
    style = preview.respond("GET", "/_pressroom/preview.css")
    assert script.status == 200 and script.headers["Content-Type"].startswith("text/javascript")
    assert style.status == 200 and style.headers["Content-Type"].startswith("text/css")
    assert preview.respond("GET", "/_pressroom/../template.yaml").status == 404
    assert preview.respond("GET", "/_pressroom/nothing.js").status == 404


def test_an_unchanged_page_answers_304_to_a_conditional_request(site: Stack) -> None:
    preview = Preview.for_stack(site)
    first = preview.respond("GET", "/posts/harbour/")
    again = preview.respond("GET", "/posts/harbour/", {"if-none-match": first.headers["ETag"]})
    assert again.status == 304 and again.body == b""


def test_the_server_speaks_http_on_loopback(site: Stack) -> None:
    with PreviewServer(Preview.for_stack(site), port=0) as server:
        host, port = server.url[len("http://") :].rstrip("/").split(":")
        assert host == "127.0.0.1"
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("GET", "/posts/harbour")
        moved = connection.getresponse()
        moved.read()
        connection.request("HEAD", "/posts/harbour/")
        head = connection.getresponse()
        head.read()
        connection.request("GET", "/posts/harbour/")
        page = connection.getresponse()
        body = page.read()
        connection.close()
    assert (moved.status, moved.getheader("Location")) == (301, "/posts/harbour/")
    assert head.status == 200 and int(head.getheader("Content-Length")) == len(body)
    assert page.status == 200 and b"Harbour reopens" in body
    assert page.getheader("Content-Security-Policy")


def test_reports_taken_in_from_a_bulk_write_are_not_read_back(site: Stack) -> None:
    # given: a report written as a bulk load writes it, and a book that reads through a counting client
    from pressroom import urls
    from pressroom.local.moto_gaps import put_object_directly
    from pressroom.preview.reports import ReportBook

    body = json.dumps({"key": "articles/bulk.md", "status": "published"}).encode()
    _, etag = put_object_directly(site.content_bucket, urls.report_key("articles/bulk.md"), body,
                                  content_type="application/json")
    s3 = site.client("s3")
    reads: list[str] = []

    class Counting:
        def get_object(self, **kwargs: object) -> object:
            reads.append(str(kwargs["Key"]))
            return s3.get_object(**kwargs)

        def __getattr__(self, name: str) -> object:
            return getattr(s3, name)

    book = ReportBook(Counting(), site.content_bucket)

    # when
    taken = book.take_in({"articles/bulk.md": (f'"{etag}"', body)})
    changes = book.refresh()

    # then: the bulk report is known without a read; only the reports written otherwise are read
    assert [c.key for c in taken] == ["articles/bulk.md"]
    assert urls.report_key("articles/bulk.md") not in reads
    assert sorted(reads) == sorted(urls.report_key(c.key) for c in changes)
    assert "articles/bulk.md" not in {c.key for c in changes}
    assert book.with_status("published")

    # when the article is published again: its report changed, and is read once
    site.upload("articles/bulk.md", article("Bulk again", "2026-03-04"))
    reads.clear()
    assert [c.key for c in book.refresh()] == ["articles/bulk.md"]
    assert reads == [urls.report_key("articles/bulk.md")]
