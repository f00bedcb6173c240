"""Feeds and sitemaps are valid documents: they parse, carry their required fields, absolute URLs and
RFC-correct dates; and the same content always gives the same bytes."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

from pressroom import render
from pressroom.model import Post
from pressroom.site import Site
from tests.output.fixtures import rich_site
from tests.output.sitegen import example_site, render_site

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
RFC822 = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
                    r"\d{2}:\d{2}:\d{2} [+-]\d{4}")
ABSOLUTE = re.compile(r"https://gazette\.example\.org/\S*")
Rendered = tuple[Site, list[Post], dict[str, render.Page]]


@pytest.fixture(scope="module")
def site_and_pages() -> Rendered:
    site, articles = rich_site()
    pages = render_site(site, articles)
    posts = [Post.from_article(a) for a in articles]
    return site, posts, pages


def _rfc3339(text: str | None) -> datetime:
    assert text is not None and RFC3339.fullmatch(text), text
    return datetime.fromisoformat(text)


def _href(element: ET.Element, path: str) -> str:
    found = element.find(path)
    assert found is not None, path
    return found.get("href", "")


def _xml(pages: dict[str, render.Page], key: str) -> ET.Element:
    body = pages[key].body
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n')
    return ET.fromstring(body)


def test_atom_feed_has_required_elements_absolute_urls_and_rfc3339_dates(site_and_pages: Rendered) -> None:
    # given
    _, posts, pages = site_and_pages
    by_url = {f"https://gazette.example.org{p.url}": p for p in posts}

    # when
    feed = _xml(pages, "feed.xml")

    # then
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{name}") is not None
    assert _href(feed, f"{ATOM}link[@rel='self']") == "https://gazette.example.org/feed.xml"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == len(posts)
    for entry in entries:
        link = _href(entry, f"{ATOM}link[@rel='alternate']")
        assert ABSOLUTE.fullmatch(link) and entry.findtext(f"{ATOM}id") == link
        post = by_url[link]
        assert _rfc3339(entry.findtext(f"{ATOM}published")) == post.date
        assert _rfc3339(entry.findtext(f"{ATOM}updated")) == (post.updated or post.date)
    assert _rfc3339(feed.findtext(f"{ATOM}updated")) == max(p.updated or p.date for p in posts)


def test_atom_entries_are_newest_first(site_and_pages: Rendered) -> None:
    # when
    entries = _xml(site_and_pages[2], "feed.xml").findall(f"{ATOM}entry")

    # then
    published = [_rfc3339(e.findtext(f"{ATOM}published")) for e in entries]
    assert published == sorted(published, reverse=True)


def test_rss_feed_has_required_elements_and_rfc822_dates(site_and_pages: Rendered) -> None:
    # given
    _, posts, pages = site_and_pages
    by_url = {f"https://gazette.example.org{p.url}": p for p in posts}

    # when
    channel = _xml(pages, "rss.xml").find("channel")

    # then
    assert channel is not None
    for name in ("title", "link", "description"):
        assert channel.findtext(name)
    assert ABSOLUTE.fullmatch(channel.findtext("link") or "")
    last_build = channel.findtext("lastBuildDate") or ""
    assert RFC822.fullmatch(last_build)
    items = channel.findall("item")
    assert len(items) == len(posts)
    for item in items:
        link = item.findtext("link") or ""
        assert ABSOLUTE.fullmatch(link) and item.findtext("guid") == link
        pub_date = item.findtext("pubDate") or ""
        assert RFC822.fullmatch(pub_date), pub_date
        assert parsedate_to_datetime(pub_date) == by_url[link].date


def test_json_feed_has_the_fields_json_feed_1_1_requires(site_and_pages: Rendered) -> None:
    # given
    _, posts, pages = site_and_pages

    # when
    feed = json.loads(pages["feed.json"].body)

    # then
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and feed["title"]
    assert ABSOLUTE.fullmatch(feed["home_page_url"]) and feed["feed_url"] == "https://gazette.example.org/feed.json"
    assert len(feed["items"]) == len(posts)
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert isinstance(item.get("content_html", item.get("content_text")), str)
        assert ABSOLUTE.fullmatch(item["url"])
        _rfc3339(item["date_published"])
        if "date_modified" in item:
            _rfc3339(item["date_modified"])
        if "image" in item:
            assert ABSOLUTE.fullmatch(item["image"])
        for author in item.get("authors", []):
            assert isinstance(author["name"], str)


def test_feeds_escape_markup_in_fields_and_keep_it_as_text(site_and_pages: Rendered) -> None:
    # given: one article's title, author and tag are full of markup
    pages = site_and_pages[2]
    title = "</script><script>alert('x')</script> & \"quotes\" <b>tags</b>"

    # when
    atom_titles = [e.findtext(f"{ATOM}title") for e in _xml(pages, "feed.xml").findall(f"{ATOM}entry")]
    rss_titles = [i.findtext("title") for i in _xml(pages, "rss.xml").iter("item")]
    json_titles = [i["title"] for i in json.loads(pages["feed.json"].body)["items"]]

    # then
    assert title in atom_titles and title in rss_titles and title in json_titles


def test_sitemap_index_lists_each_month_part_and_every_part_exists(site_and_pages: Rendered) -> None:
    # given
    _, posts, pages = site_and_pages

    # when
    index = _xml(pages, "sitemap.xml")

    # then
    assert index.tag == f"{SITEMAP}sitemapindex"
    locations = [s.findtext(f"{SITEMAP}loc") for s in index.findall(f"{SITEMAP}sitemap")]
    assert len(locations) == len({p.month for p in posts})
    listed = []
    for location in locations:
        assert location and ABSOLUTE.fullmatch(location)
        part = _xml(pages, location.removeprefix("https://gazette.example.org/"))
        assert part.tag == f"{SITEMAP}urlset"
        for url in part.findall(f"{SITEMAP}url"):
            listed.append(url.findtext(f"{SITEMAP}loc") or "")
            _rfc3339(url.findtext(f"{SITEMAP}lastmod"))
    assert sorted(listed) == sorted(f"https://gazette.example.org{p.url}" for p in posts)


def test_robots_txt_names_the_sitemap(site_and_pages: Rendered) -> None:
    assert "Sitemap: https://gazette.example.org/sitemap.xml\n" in site_and_pages[2]["robots.txt"].body.decode()


def test_every_page_links_its_feeds_in_the_head(site_and_pages: Rendered) -> None:
    # given
    pages = site_and_pages[2]

    # then
    for key, page in pages.items():
        if key.endswith(".html"):
            head = page.body.decode().split("</head>")[0]
            for href in ("/feed.xml", "/rss.xml", "/feed.json"):
                assert 'rel="alternate" type="application/' in head and f'href="{href}"' in head, key


def test_an_empty_site_still_has_valid_feeds_and_sitemap() -> None:
    # when
    pages = render_site(Site(), [])

    # then
    ET.fromstring(pages["feed.xml"].body)
    ET.fromstring(pages["rss.xml"].body)
    ET.fromstring(pages["sitemap.xml"].body)
    assert json.loads(pages["feed.json"].body)["items"] == []
    assert "Nothing has been published here yet." in pages["index.html"].body.decode()


def test_the_same_content_gives_byte_identical_files() -> None:
    # given
    site, articles = example_site()

    # when: rendered twice, once with a fresh theme and a later clock (every example article has its own date)
    first = render_site(site, articles)
    second = render_site(site, articles, theme=render.Theme(), now=datetime(2026, 3, 10, 12, tzinfo=UTC)
                         + timedelta(days=30))

    # then
    assert first.keys() == second.keys()
    assert all(first[key].body == second[key].body for key in first)


def test_no_output_carries_the_time_it_was_built(site_and_pages: Rendered) -> None:
    # given: today's date in the formats the outputs use
    today = datetime.now(UTC)
    stamps = {today.strftime("%Y-%m-%d"), today.strftime("%d %b %Y")}

    # then
    for key, page in site_and_pages[2].items():
        text = page.body.decode("utf-8", "replace")
        assert not any(stamp in text for stamp in stamps), key
