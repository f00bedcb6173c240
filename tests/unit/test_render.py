"""Pages from the default theme: the seed's shape, landmarks, metadata, escaping and byte-identical output."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pressroom import render
from pressroom.content import Article
from pressroom.model import Post
from pressroom.site import Site
from tests.unit.builders import front_matter, parse

SITE = Site(name="Harbour Town Gazette", base_url="https://gazette.example.org", timezone="Europe/Lisbon",
            about="We cover the port.\n\nWe publish every weekday.", logo="/media/logo.png", author="Gazette staff")
SEED_TEXT = (
    "Harbour works begin on the east quay\n\n"
    "September 20, 2023: The port authority has begun “urgent repairs” on the east quay.\n\n"
    "The work — long delayed — would take a month.\n"
)
THEME = render.load_theme()


class _Outline(HTMLParser):
    """The start tags of a page, in order, with their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def _outline(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Outline()
    parser.feed(html)
    return parser.tags


def _article(text: str = SEED_TEXT, key: str = "articles/quay.txt", site: Site = SITE) -> Article:
    article = parse(key, text, site)
    return article if article.date else article.dated(datetime(2026, 3, 10, 12, tzinfo=UTC))


def _page(article: Article, recent: list[Post] | None = None, site: Site = SITE) -> str:
    posts = recent if recent is not None else [Post.from_article(article)]
    return render.article_page(THEME, site, article, posts).body.decode()


def test_article_page_follows_the_seed_shape_in_order() -> None:
    # when
    html = _page(_article())

    # then: logo and name, the title, the dateline-led body, About Us, Recent Posts
    marks = ['<img class="logo" src="/media/logo.png" alt="Harbour Town Gazette Logo"',
             '<span class="site-name">Harbour Town Gazette</span>', "<h1>Harbour works begin on the east quay</h1>",
             '<span class="dateline"><time datetime="2023-09-20">September 20, 2023</time>:</span> The port',
             '<h2 id="about-heading">About Us</h2>', '<h2 id="recent-heading">Recent Posts</h2>',
             '<li><a href="/posts/quay/">Harbour works begin on the east quay</a></li>']
    positions = [html.index(mark) for mark in marks]
    assert positions == sorted(positions)


def test_article_page_has_the_semantic_landmarks_and_one_h1() -> None:
    # when
    tags = [tag for tag, _ in _outline(_page(_article()))]

    # then
    for landmark in ("header", "main", "article", "aside", "footer", "nav"):
        assert landmark in tags
    assert tags.count("h1") == 1 and tags.count("main") == 1


def test_about_us_comes_from_the_site_settings_paragraph_by_paragraph() -> None:
    # when
    html = _page(_article())

    # then
    assert "<p>We cover the port.</p>\n<p>We publish every weekday.</p>" in html


def test_article_meta_line_has_time_with_offset_author_and_reading_time() -> None:
    # when
    html = _page(_article())

    # then
    assert '<time datetime="2023-09-20T00:00:00+01:00">September 20, 2023</time>' in html
    assert '<span class="author">Gazette staff</span>' in html
    assert '<span class="reading-time">1 min read</span>' in html


def test_date_written_with_an_offset_is_shown_on_its_own_calendar_day() -> None:
    # given: late evening in New York is already the next day in Lisbon
    article = _article(front_matter(title="Late", date="2026-03-02T23:30:00-05:00"), "articles/late.md")

    # when
    html = _page(article)

    # then
    assert '<time datetime="2026-03-02T23:30:00-05:00">March 2, 2026</time>' in html


def test_head_links_canonical_stylesheet_and_every_feed() -> None:
    # when
    html = _page(_article())

    # then
    assert '<link rel="canonical" href="https://gazette.example.org/posts/quay/">' in html
    assert re.search(r'<link rel="stylesheet" href="/assets/style\.[0-9a-f]{12}\.css">', html)
    for kind, href in (("application/atom+xml", "/feed.xml"), ("application/rss+xml", "/rss.xml"),
                       ("application/feed+json", "/feed.json")):
        assert f'type="{kind}"' in html and f'href="{href}"' in html


def test_custom_canonical_path_becomes_absolute() -> None:
    # when
    html = _page(_article(front_matter(title="T", canonical="/posts/original/"), "articles/copy.md"))

    # then
    assert '<link rel="canonical" href="https://gazette.example.org/posts/original/">' in html


def test_open_graph_and_twitter_tags_describe_the_article() -> None:
    # given
    article = _article(front_matter(title="Quay", summary="Repairs begin.", tags=["Port"],
                                    image={"src": "/media/quay.jpg", "alt": "The quay"}), "articles/quay.md")

    # when
    metas = {a.get("property") or a.get("name"): a.get("content") for t, a in _outline(_page(article)) if t == "meta"}

    # then
    assert metas["og:type"] == "article" and metas["og:title"] == "Quay"
    assert metas["og:description"] == "Repairs begin." and metas["og:url"] == "https://gazette.example.org/posts/quay/"
    assert metas["og:image"] == "https://gazette.example.org/media/quay.jpg" and metas["og:image:alt"] == "The quay"
    assert metas["twitter:card"] == "summary_large_image" and metas["article:tag"] == "Port"
    assert metas["article:published_time"] is not None


def test_json_ld_is_a_news_article_with_absolute_urls() -> None:
    # given
    article = _article(front_matter(title="Quay", date="2026-03-02", image="/media/q.jpg", author="Ana"),
                       "articles/quay.md")

    # when
    html = _page(article)
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, flags=re.DOTALL)

    # then
    assert block is not None
    data = json.loads(block.group(1))
    assert data["@type"] == "NewsArticle" and data["headline"] == "Quay"
    assert data["datePublished"] == "2026-03-02T00:00:00+00:00"
    assert data["image"] == "https://gazette.example.org/media/q.jpg"
    assert data["author"] == {"@type": "Person", "name": "Ana"}
    assert data["publisher"]["logo"]["url"] == "https://gazette.example.org/media/logo.png"


def test_script_end_tag_in_a_field_cannot_break_out_of_the_json_ld() -> None:
    # given
    title = "</script><script>alert(1)</script><!--"
    article = _article(front_matter(title=title, author="</SCRIPT >x", summary="a & b <c>"), "articles/x.md")

    # when
    html = _page(article)
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, flags=re.DOTALL)

    # then: one JSON-LD block, whole, holding the title as data
    assert block is not None and "<" not in block.group(1)
    assert json.loads(block.group(1))["headline"] == title
    assert html.count("<script") == 2


def test_lead_image_keeps_its_alt_text_and_loads_lazily() -> None:
    # when
    html = _page(_article(front_matter(title="T", image={"src": "/media/q.jpg", "alt": "The quay"}), "articles/q.md"))

    # then
    assert '<img src="/media/q.jpg" alt="The quay" loading="lazy" decoding="async">' in html


def test_tags_link_to_their_tag_pages() -> None:
    # when
    html = _page(_article(front_matter(title="T", tags=["Harbour Works", "Port"]), "articles/t.md"))

    # then
    assert '<a href="/tags/harbour-works/" rel="tag">Harbour Works</a>' in html


def test_every_link_between_pages_is_root_relative() -> None:
    # when
    tags = _outline(_page(_article()))

    # then
    for tag, attrs in tags:
        for name in ("href", "src"):
            if name in attrs and not (tag == "link" and attrs.get("rel") == "canonical"):
                url = attrs[name]
                assert url.startswith("#") or (url.startswith("/") and not url.startswith("//")), (tag, attrs)


def test_recent_posts_list_is_server_rendered_and_refreshed_by_the_theme_script() -> None:
    # when
    html = _page(_article())

    # then
    assert '<ul id="recent-posts">' in html
    assert re.search(r'<script src="/assets/recent\.[0-9a-f]{12}\.js" defer></script>', html)
    assert "/recent.json" in THEME.assets["recent.js"].body.decode()


def test_rendering_twice_gives_byte_identical_pages() -> None:
    # given
    article = _article()

    # when
    first, second = (render.article_page(render.Theme(), SITE, article, [Post.from_article(article)])
                     for _ in range(2))

    # then
    assert first.body == second.body and first.key == "posts/quay/index.html"


def test_home_lists_the_newest_posts_per_page_and_links_month_archives() -> None:
    # given
    posts = [Post(slug=f"p{i}", title=f"Post {i}", date=datetime(2026, 3, 20 - i, tzinfo=UTC), summary=f"S{i}")
             for i in range(12)]
    site = Site(posts_per_page=3)

    # when
    html = render.home_page(THEME, site, posts, [(2026, 3), (2026, 2)]).body.decode()

    # then
    assert html.count('<article class="summary">') == 3 and "<p>S0</p>" in html and "Post 3" not in html.split(
        'id="recent-posts"')[0]
    assert '<a href="/archive/2026/03/">March 2026</a>' in html and '<a href="/archive/2026/02/">February 2026</a>' in html


def test_month_archive_lists_the_whole_month() -> None:
    # given
    posts = [Post(slug=f"p{i}", title=f"Post {i}", date=datetime(2026, 3, 1 + i, tzinfo=UTC)) for i in range(25)]

    # when
    page = render.month_page(THEME, Site(posts_per_page=3), 2026, 3, posts, posts[:5])

    # then
    assert page.key == "archive/2026/03/index.html"
    assert page.body.decode().count('<article class="summary">') == 25


def test_tag_page_links_its_years() -> None:
    # given
    posts = [Post(slug="a", title="A", date=datetime(2026, 1, 1, tzinfo=UTC), tags=("Port",))]

    # when
    html = render.tag_page(THEME, SITE, "port", "Port", posts, [2026, 2025], posts).body.decode()

    # then
    assert "<h1>Tagged “Port”</h1>" in html
    assert '<a href="/tags/port/2025/">2025</a>' in html


def test_not_found_page_is_not_indexed_and_has_no_canonical() -> None:
    # when
    html = render.not_found_page(THEME, SITE).body.decode()

    # then
    assert '<meta name="robots" content="noindex">' in html and 'rel="canonical"' not in html


def test_recent_document_lists_title_url_and_date() -> None:
    # given
    post = Post(slug="a", title="A <b>", date=datetime(2026, 3, 1, tzinfo=UTC))

    # when
    doc = json.loads(render.recent_document([post]).body)

    # then
    assert doc == {"posts": [{"title": "A <b>", "url": "/posts/a/", "date": "2026-03-01T00:00:00+00:00"}]}


def test_a_theme_folder_overrides_templates_and_assets(tmp_path: Path) -> None:
    # given
    (tmp_path / "templates").mkdir()
    (tmp_path / "static").mkdir()
    (tmp_path / "templates" / "404.html").write_text("<!DOCTYPE html><title>{{ site.name }} lost</title>\n")
    (tmp_path / "static" / "style.css").write_text("body { color: red; }\n")

    # when
    theme = render.Theme(tmp_path)

    # then
    assert render.not_found_page(theme, SITE).body.decode().startswith("<!DOCTYPE html><title>Harbour Town Gazette")
    assert theme.assets["style.css"].body == b"body { color: red; }\n"
    assert "recent.js" in theme.assets


@pytest.mark.parametrize("name", ["style.css", "recent.js"])
def test_theme_assets_are_fingerprinted(name: str) -> None:
    # then
    asset = THEME.assets[name]
    assert re.fullmatch(r"assets/\w+\.[0-9a-f]{12}\.(css|js)", asset.key)
    assert asset.cache_control.endswith("immutable")


def test_templates_compiled_ahead_render_the_same_bytes_and_stale_ones_are_compiled_afresh(tmp_path: Path) -> None:
    # given: the default theme's templates compiled into a folder
    compiled = tmp_path / "bytecode"
    names = render.write_template_bytecode(compiled)
    assert set(names) >= {"article.html", "base.html", "list.html", "404.html"}
    assert len(list(compiled.glob("*.jbc"))) == len(names)

    def page(theme: render.Theme) -> bytes:
        return render.not_found_page(theme, SITE).body

    fresh = page(render.Theme(bytecode=render.compiled_templates(tmp_path / "none")))
    # then: a theme reading them renders what a theme compiling from the sources renders
    assert page(render.Theme(bytecode=render.compiled_templates(compiled))) == fresh

    # and: an override of the same name is compiled from its own source, not taken from the folder
    override = tmp_path / "theme" / "templates"
    override.mkdir(parents=True)
    (override / "404.html").write_text("<p>{{ site.name }} has no such page</p>\n", encoding="utf-8")
    overridden = render.Theme(tmp_path / "theme", bytecode=render.compiled_templates(compiled))
    assert page(overridden) == b"<p>Harbour Town Gazette has no such page</p>\n"

    # and: a damaged file is compiled afresh rather than trusted
    for path in compiled.glob("*.jbc"):
        path.write_bytes(path.read_bytes()[:40])
    assert page(render.Theme(bytecode=render.compiled_templates(compiled))) == fresh
