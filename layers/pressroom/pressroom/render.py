"""Pages, feeds and sitemaps from articles and posts (pure: data in, bytes out)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from pressroom import urls
from pressroom.content import Article
from pressroom.model import Post
from pressroom.site import Site

DEFAULT_THEME = Path(__file__).parent / "theme"
RECENT_COUNT = 5
FEED_COUNT = 20

HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Page:
    """One object to write to the site bucket."""

    key: str
    body: bytes
    content_type: str

    @property
    def cache_control(self) -> str:
        return urls.cache_control(self.key)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


class Theme:
    """A Jinja2 environment over a theme folder (user overrides first, then the default theme)."""

    def __init__(self, folder: Path | None = None) -> None:
        folders = [folder, DEFAULT_THEME] if folder and folder != DEFAULT_THEME else [DEFAULT_THEME]
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(f / "templates") for f in folders if f]),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.assets = self._fingerprint([f / "static" for f in folders if f])
        self.env.globals["asset"] = self.asset_url
        self.env.filters["human_date"] = human_date
        self.env.filters["iso"] = lambda d: d.isoformat()
        self.env.filters["jsonld"] = jsonld

    @staticmethod
    def _fingerprint(static_dirs: list[Path]) -> dict[str, Page]:
        assets: dict[str, Page] = {}
        for static in reversed(static_dirs):  # later (default) first, overrides replace them
            if not static.is_dir():
                continue
            for path in sorted(static.iterdir()):
                if not path.is_file():
                    continue
                data = path.read_bytes()
                stem, _, ext = path.name.rpartition(".")
                digest = hashlib.sha256(data).hexdigest()[:12]
                assets[path.name] = Page(urls.asset_key(stem, digest, ext), data, _asset_type(ext))
        return assets

    def asset_url(self, name: str) -> str:
        return urls.key_to_url(self.assets[name].key)

    def page(self, key: str, template: str, **context: Any) -> Page:
        html = self.env.get_template(template).render(page_url=urls.key_to_url(key), **context)
        return Page(key, html.encode("utf-8"), HTML)


@lru_cache(maxsize=8)
def load_theme(folder: str | None = None) -> Theme:
    """One Theme per folder, reused across warm invocations."""
    return Theme(Path(folder) if folder else None)


def _asset_type(ext: str) -> str:
    return {
        "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8", "svg": "image/svg+xml",
        "png": "image/png", "ico": "image/x-icon", "woff2": "font/woff2",
    }.get(ext, "application/octet-stream")


def human_date(when: datetime) -> str:
    return f"{when.strftime('%B')} {when.day}, {when.year}"


def jsonld(data: Any) -> Markup:
    """JSON for a <script type=application/ld+json> block: `<`, `>` and `&` escaped so no field breaks out."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704 - escaped above for the script context


# --- pages ---------------------------------------------------------------------------------------------


def article_page(theme: Theme, site: Site, article: Article, recent: Sequence[Post]) -> Page:
    assert article.date is not None
    post = Post.from_article(article)
    when = article.date.astimezone(site.tz) if article.date.tzinfo else article.date
    canonical = article.canonical or urls.absolute(site.base_url, post.url)
    data = {
        "@context": "https://schema.org", "@type": "NewsArticle", "headline": article.title,
        "datePublished": when.isoformat(), "mainEntityOfPage": canonical,
        "publisher": {"@type": "Organization", "name": site.name},
    }
    if article.updated:
        data["dateModified"] = article.updated.isoformat()
    if article.author:
        data["author"] = {"@type": "Person", "name": article.author}
    if article.image:
        data["image"] = _absolute_if_relative(site, article.image)
    return theme.page(
        urls.post_key(article.slug), "article.html", site=site, article=article, post=post, when=when,
        canonical=canonical, recent=list(recent), structured=data,
        image=_absolute_if_relative(site, article.image) if article.image else "",
        tag_links=[(t, urls.tag_url(s)) for t, s in zip(article.tags, article.tag_slugs, strict=True)],
    )


def _listing(theme: Theme, site: Site, key: str, title: str, posts: Sequence[Post], recent: Sequence[Post],
             **extra: Any) -> Page:
    context: dict[str, Any] = {"heading": title, "months": [], "years": [], "intro": ""}
    context.update(extra)
    return theme.page(key, "list.html", site=site, posts=list(posts), recent=list(recent),
                      canonical=urls.absolute(site.base_url, urls.key_to_url(key)), **context)


def home_page(theme: Theme, site: Site, posts: Sequence[Post], months: Sequence[tuple[int, int]]) -> Page:
    links = [(datetime(y, m, 1).strftime("%B %Y"), urls.month_archive_url(y, m)) for y, m in months]
    return _listing(theme, site, urls.HOME_KEY, site.name, posts[: site.posts_per_page],
                    posts[:RECENT_COUNT], months=links, is_home=True)


def month_page(theme: Theme, site: Site, year: int, month: int, posts: Sequence[Post],
               recent: Sequence[Post]) -> Page:
    key = f"archive/{year:04d}/{month:02d}/index.html"
    return _listing(theme, site, key, datetime(year, month, 1).strftime("%B %Y"), posts, recent)


def tag_page(theme: Theme, site: Site, tag_slug: str, tag: str, posts: Sequence[Post], years: Sequence[int],
             recent: Sequence[Post]) -> Page:
    links = [(str(y), urls.tag_year_url(tag_slug, y)) for y in years]
    return _listing(theme, site, urls.tag_key(tag_slug), f"Tagged “{tag}”", posts[: site.posts_per_page],
                    recent, years=links)


def tag_year_page(theme: Theme, site: Site, tag_slug: str, tag: str, year: int, posts: Sequence[Post],
                  recent: Sequence[Post]) -> Page:
    return _listing(theme, site, urls.tag_year_key(tag_slug, year), f"Tagged “{tag}” in {year}", posts, recent,
                    years=[("All years", urls.tag_url(tag_slug))])


def not_found_page(theme: Theme, site: Site) -> Page:
    return theme.page(urls.NOT_FOUND_KEY, "404.html", site=site, recent=[],
                      canonical=urls.absolute(site.base_url, "/404.html"))


def recent_document(posts: Sequence[Post]) -> Page:
    """`recent.json`: what the theme's script refreshes every page's Recent Posts from."""
    body = {"posts": [{"title": p.title, "url": p.url, "date": p.date.isoformat()} for p in posts[:RECENT_COUNT]]}
    return Page(urls.RECENT_KEY, _json_bytes(body), "application/json")


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _absolute_if_relative(site: Site, url: str) -> str:
    return urls.absolute(site.base_url, url) if url.startswith("/") and not url.startswith("//") else url


# --- feeds and sitemaps ----------------------------------------------------------------------------------


def _xml(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(text, {'"': "&quot;"})


def atom_feed(site: Site, posts: Sequence[Post]) -> Page:
    base = site.base_url
    items = posts[:FEED_COUNT]
    newest = max((p.updated or p.date for p in items), default=datetime(2000, 1, 1, tzinfo=UTC))
    out = ['<?xml version="1.0" encoding="utf-8"?>', f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{_xml(site.language)}">',
           f"<title>{_xml(site.name)}</title>", f"<id>{_xml(base)}/</id>",
           f'<link rel="alternate" type="text/html" href="{_xml(base)}/"/>',
           f'<link rel="self" type="application/atom+xml" href="{_xml(base)}/{urls.ATOM_KEY}"/>',
           f"<updated>{_rfc3339(newest)}</updated>"]
    for post in items:
        link = urls.absolute(base, post.url)
        out += ["<entry>", f"<title>{_xml(post.title)}</title>", f"<id>{_xml(link)}</id>",
                f'<link rel="alternate" type="text/html" href="{_xml(link)}"/>',
                f"<published>{_rfc3339(post.date)}</published>",
                f"<updated>{_rfc3339(post.updated or post.date)}</updated>",
                f"<author><name>{_xml(post.author or site.name)}</name></author>"]
        out += [f'<category term="{_xml(t)}"/>' for t in post.tags]
        if post.summary:
            out.append(f"<summary>{_xml(post.summary)}</summary>")
        out.append("</entry>")
    out.append("</feed>")
    return Page(urls.ATOM_KEY, ("\n".join(out) + "\n").encode("utf-8"), "application/atom+xml; charset=utf-8")


def rss_feed(site: Site, posts: Sequence[Post]) -> Page:
    base = site.base_url
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">', "<channel>",
           f"<title>{_xml(site.name)}</title>", f"<link>{_xml(base)}/</link>",
           f"<description>{_xml(site.about)}</description>", f"<language>{_xml(site.language)}</language>",
           f'<atom:link href="{_xml(base)}/{urls.RSS_KEY}" rel="self" type="application/rss+xml"/>']
    items = posts[:FEED_COUNT]
    if items:
        out.append(f"<lastBuildDate>{format_datetime(max(p.date for p in items))}</lastBuildDate>")
    for post in items:
        link = urls.absolute(base, post.url)
        out += ["<item>", f"<title>{_xml(post.title)}</title>", f"<link>{_xml(link)}</link>",
                f'<guid isPermaLink="true">{_xml(link)}</guid>', f"<pubDate>{format_datetime(post.date)}</pubDate>"]
        out += [f"<category>{_xml(t)}</category>" for t in post.tags]
        if post.summary:
            out.append(f"<description>{_xml(post.summary)}</description>")
        out.append("</item>")
    out += ["</channel>", "</rss>"]
    return Page(urls.RSS_KEY, ("\n".join(out) + "\n").encode("utf-8"), "application/rss+xml; charset=utf-8")


def json_feed(site: Site, posts: Sequence[Post]) -> Page:
    base = site.base_url
    items = []
    for post in posts[:FEED_COUNT]:
        link = urls.absolute(base, post.url)
        item: dict[str, Any] = {"id": link, "url": link, "title": post.title, "summary": post.summary,
                                "content_text": post.summary, "date_published": _rfc3339(post.date)}
        if post.updated:
            item["date_modified"] = _rfc3339(post.updated)
        if post.tags:
            item["tags"] = list(post.tags)
        if post.author:
            item["authors"] = [{"name": post.author}]
        if post.image:
            item["image"] = _absolute_if_relative(site, post.image)
        items.append(item)
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": site.name, "home_page_url": base + "/",
           "feed_url": f"{base}/{urls.JSON_FEED_KEY}", "description": site.about, "language": site.language,
           "items": items}
    return Page(urls.JSON_FEED_KEY, _json_bytes(doc), "application/feed+json")


def _rfc3339(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


def sitemap_part(site: Site, year: int, month: int, posts: Sequence[Post]) -> Page:
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for post in posts:
        out += ["<url>", f"<loc>{_xml(urls.absolute(site.base_url, post.url))}</loc>",
                f"<lastmod>{_rfc3339(post.updated or post.date)}</lastmod>", "</url>"]
    out.append("</urlset>")
    return Page(urls.sitemap_part_key(year, month), ("\n".join(out) + "\n").encode("utf-8"),
                "application/xml; charset=utf-8")


def sitemap_index(site: Site, months: Sequence[tuple[int, int]]) -> Page:
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for year, month in months:
        out.append(f"<sitemap><loc>{_xml(urls.absolute(site.base_url, '/' + urls.sitemap_part_key(year, month)))}"
                   "</loc></sitemap>")
    out.append("</sitemapindex>")
    return Page(urls.SITEMAP_INDEX_KEY, ("\n".join(out) + "\n").encode("utf-8"), "application/xml; charset=utf-8")


def robots_txt(site: Site) -> Page:
    body = f"User-agent: *\nAllow: /\n\nSitemap: {site.base_url}/{urls.SITEMAP_INDEX_KEY}\n"
    return Page(urls.ROBOTS_KEY, body.encode("utf-8"), "text/plain; charset=utf-8")
