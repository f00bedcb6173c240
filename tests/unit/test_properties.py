"""Properties: whatever is uploaded, the parser returns an article or raises `Rejected`, never anything else;
and whatever it accepts renders into pages and feeds that parse."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pressroom import markup, render
from pressroom.content import FRONT_MATTER_FIELDS, Article, parse_article
from pressroom.errors import Rejected
from pressroom.model import Post
from pressroom.site import Site, parse_site
from pressroom.urls import is_valid_slug, slugify

SITE = Site(timezone="America/New_York", base_url="https://news.example.org")
NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
THEME = render.load_theme()
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

names = st.sampled_from([*FRONT_MATTER_FIELDS, "body", "colour", "Title", "x"])
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True), st.text(max_size=40),
                    st.sampled_from(["2026-03-02", "2026-03-02T10:00:00+05:00", "2026-02-30", "javascript:alert(1)",
                                     "/media/a.png", "../x", "</script>", "a/b", "Port, Weather"]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                            max_size=3), max_leaves=8)
fields = st.dictionaries(names, values, max_size=8)
keys = st.sampled_from(["articles/a.md", "articles/b.txt", "articles/c.json", "articles/d.html", "articles/e.MD",
                        "articles/sub/Über Straße.md", "articles/..md", "articles/f.doc"])
html_soup = st.lists(st.sampled_from([
    "<title>", "</title>", "<h1>", "</h1>", "<time datetime='2026-03-02'>", "<time datetime=x>", "</time>", "<p>",
    "</p>", "<script>", "</script>", "<img src=x onerror=alert(1)>", "<a href='javascript:x'>", "</a>", "<li>",
    "<table><td>", "<svg><p>", "<!--", "-->", "<meta name=author content=A>", "text", "&amp;", "&#0;", "\n", "<",
]), max_size=30).map("".join)


def _accepted(key: str, data: bytes, site: Site = SITE) -> Article | None:
    """Parse, allowing only the typed rejection: any other exception fails the property."""
    try:
        return parse_article(key, data, site, max_bytes=50_000)
    except Rejected as rejected:
        assert rejected.problems and all(p.message for p in rejected.problems)
        assert rejected.key == key
        return None


def _renders(article: Article) -> None:
    """An accepted article renders into a page and feeds that are well-formed."""
    dated = article if article.date else article.dated(NOW)
    post = Post.from_article(dated)
    page = render.article_page(THEME, SITE, dated, [post])
    page.body.decode("utf-8")
    HTMLParser().feed(page.body.decode())
    ET.fromstring(render.atom_feed(SITE, [post]).body)
    ET.fromstring(render.rss_feed(SITE, [post]).body)
    json.loads(render.json_feed(SITE, [post]).body)
    assert Post.from_dict(json.loads(json.dumps(post.to_dict()))) == post


@FAST
@given(key=keys, data=st.binary(max_size=400))
def test_any_bytes_give_an_article_or_a_rejection(key: str, data: bytes) -> None:
    article = _accepted(key, data)
    if article is not None:
        _renders(article)


@FAST
@given(key=keys, text=st.text(max_size=400))
def test_any_text_gives_an_article_or_a_rejection(key: str, text: str) -> None:
    article = _accepted(key, text.encode("utf-8", "surrogatepass"))
    if article is not None:
        _renders(article)


@FAST
@given(meta=fields, body=st.text(max_size=200))
def test_any_front_matter_gives_an_article_or_a_rejection(meta: dict[str, Any], body: str) -> None:
    # given: front matter written as JSON, which YAML reads too
    text = "---\n" + "\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in meta.items()) + "\n---\n" + body

    # then
    article = _accepted("articles/story.md", text.encode("utf-8", "surrogatepass"))
    if article is not None:
        assert article.title and is_valid_slug(article.slug)
        _renders(article)


@FAST
@given(meta=fields)
def test_any_json_object_gives_an_article_or_a_rejection(meta: dict[str, Any]) -> None:
    article = _accepted("articles/story.json", json.dumps(meta).encode())
    if article is not None:
        assert article.title and is_valid_slug(article.slug)
        _renders(article)


titled = st.fixed_dictionaries(
    {"title": st.text(min_size=1, max_size=60).filter(str.strip), "body": st.text(min_size=1, max_size=200)},
    optional={name: values | scalars for name in FRONT_MATTER_FIELDS if name != "title"},
)


@FAST
@given(meta=titled)
def test_titled_json_with_any_other_fields_renders_when_accepted(meta: dict[str, Any]) -> None:
    article = _accepted("articles/story.json", json.dumps(meta).encode())
    if article is not None:
        _renders(article)


@FAST
@given(soup=html_soup)
def test_any_html_soup_gives_an_article_or_a_rejection(soup: str) -> None:
    article = _accepted("articles/story.html", soup.encode())
    if article is not None:
        assert "<script" not in article.body_html and "onerror" not in article.body_html
        _renders(article)


@FAST
@given(data=st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_any_site_yaml_gives_settings_or_a_rejection(data: bytes) -> None:
    try:
        site = parse_site(data)
    except Rejected as rejected:
        assert rejected.problems
        return
    site.tz  # noqa: B018 - a valid timezone is part of valid settings


@FAST
@given(text=st.text(max_size=80))
def test_slugify_gives_a_valid_slug_or_nothing(text: str) -> None:
    slug = slugify(text)
    assert slug == "" or is_valid_slug(slug)


@FAST
@given(soup=html_soup)
def test_sanitized_html_holds_no_script_and_no_event_handler(soup: str) -> None:
    class Attributes(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            assert tag in markup.ALLOWED_TAGS
            for name, value in attrs:
                assert not name.startswith("on")
                if name in ("href", "src"):
                    assert markup.is_safe_url(value or "x")

    Attributes().feed(markup.sanitize(soup))
