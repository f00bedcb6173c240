"""A whole site from parsed articles with the pure render functions only (what the pipeline writes, no AWS)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from pressroom import render, urls
from pressroom.content import Article, parse_article
from pressroom.model import Post
from pressroom.site import Site, parse_site

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "site"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def render_site(site: Site, articles: Iterable[Article], *, now: datetime = NOW,
                theme: render.Theme | None = None) -> dict[str, render.Page]:
    """Every object of the site bucket for these articles: pages, listings, feeds, sitemaps and assets."""
    theme = theme or render.load_theme()
    dated = [a if a.date else a.dated(now) for a in articles]
    public = [a for a in dated if not a.draft and a.date is not None and a.date <= now]
    posts = sorted((Post.from_article(a) for a in public), key=lambda p: (p.date, p.slug), reverse=True)
    recent = posts[: render.RECENT_COUNT]
    months = sorted({p.month for p in posts}, reverse=True)
    pages = [render.article_page(theme, site, a, recent) for a in public]
    pages += [
        render.home_page(theme, site, posts, months), render.recent_document(posts),
        render.atom_feed(site, posts), render.rss_feed(site, posts), render.json_feed(site, posts),
        render.sitemap_index(site, months), render.robots_txt(site), render.not_found_page(theme, site, recent),
        *theme.assets.values(),
    ]
    for year, month in months:
        in_month = [p for p in posts if p.month == (year, month)]
        pages.append(render.month_page(theme, site, year, month, in_month, recent))
        pages.append(render.sitemap_part(site, year, month, in_month))
    tags: dict[str, str] = {}
    for post in posts:
        for tag, tag_slug in zip(post.tags, post.tag_slugs, strict=True):
            tags.setdefault(tag_slug, tag)
    for tag_slug, name in sorted(tags.items()):
        tagged = [p for p in posts if tag_slug in p.tag_slugs]
        years = sorted({p.date.year for p in tagged}, reverse=True)
        pages.append(render.tag_page(theme, site, tag_slug, name, tagged, years, recent))
        for year in years:
            pages.append(render.tag_year_page(theme, site, tag_slug, name, year,
                                              [p for p in tagged if p.date.year == year], recent))
    return {page.key: page for page in pages}


def example_site() -> tuple[Site, list[Article]]:
    """The example content folder, parsed."""
    site = parse_site((EXAMPLE / urls.CONTENT_SITE_SETTINGS).read_bytes())
    articles = [parse_article(f"articles/{path.name}", path.read_bytes(), site)
                for path in sorted((EXAMPLE / "articles").iterdir())]
    return site, articles


def write_site(pages: dict[str, render.Page], folder: Path) -> None:
    """The pages as files, keyed like the site bucket."""
    for key, page in pages.items():
        path = folder / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(page.body)
