"""Pages, feeds and sitemaps from articles and posts (pure: data in, bytes out)."""

from __future__ import annotations

import gettext
import hashlib
import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache, partial
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from pressroom import i18n, urls
from pressroom.errors import WARNING, Problem
from pressroom.model import Post
from pressroom.site import Site
from pressroom.text import clean_text

if TYPE_CHECKING:
    from pressroom.content import Article

DEFAULT_THEME = Path(__file__).parent / "theme"
# the default theme's templates compiled ahead of time (by the layer build, for the runtime's Python)
TEMPLATE_BYTECODE = DEFAULT_THEME / "bytecode"
RECENT_COUNT = 5
FEED_COUNT = 20


@lru_cache(maxsize=1)
def _template_options() -> dict[str, Any]:
    import jinja2

    return {"autoescape": True, "undefined": jinja2.StrictUndefined, "trim_blocks": True, "lstrip_blocks": True,
            "keep_trailing_newline": True, "extensions": ["jinja2.ext.i18n"]}


HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Page:
    """One object to write to the site bucket."""

    key: str
    body: bytes
    content_type: str
    redirect: str = ""  # a redirect object's target (kept in its metadata, where the CDN answers 301 from)

    @property
    def cache_control(self) -> str:
        return urls.cache_control(self.key)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


def compiled_templates(folder: Path, *, write: bool = False) -> Any:
    """Templates compiled ahead of time, read from a folder (never written at run time: Lambda's /opt is
    read-only): a Jinja bytecode cache.

    A fresh interpreter spends about 8 ms compiling each template it renders, on every cold start. The layer
    build compiles the default theme's once (`write_template_bytecode`). Jinja checks what it reads against the
    checksum of the template's source and the Python version, so an override of the same name, an edited
    template or another interpreter compiles from the source, as without this folder."""
    return _compiled_templates_type()(folder, write=write)


@lru_cache(maxsize=1)
def _compiled_templates_type() -> type:
    import jinja2  # with the first environment: what reads no template (a check, a media upload) never loads Jinja

    signature = hashlib.sha256(f"{jinja2.__version__} {sorted(_template_options().items())!r} newstyle".encode()
                               ).hexdigest()[:16]

    class CompiledTemplates(jinja2.BytecodeCache):
        def __init__(self, folder: Path, *, write: bool = False) -> None:
            self.folder = folder
            self.write = write

        def get_cache_key(self, name: str, filename: str | None = None) -> str:
            return hashlib.sha256(f"{signature}|{name}".encode()).hexdigest()[:32]

        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            try:
                data = (self.folder / f"{bucket.key}.jbc").read_bytes()
            except OSError:
                return
            try:
                bucket.bytecode_from_string(data)
            except Exception:  # noqa: BLE001 - a damaged file is compiled afresh, never trusted
                bucket.reset()

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            if self.write:
                self.folder.mkdir(parents=True, exist_ok=True)
                (self.folder / f"{bucket.key}.jbc").write_bytes(bucket.bytecode_to_string())

    return CompiledTemplates


def write_template_bytecode(folder: Path = TEMPLATE_BYTECODE) -> list[str]:
    """Compile the default theme's templates into `folder`, for this interpreter; returns their names."""
    theme = Theme(bytecode=compiled_templates(folder, write=True))
    names = [n for n in theme.env.list_templates() if n.endswith(".html")]
    for name in names:
        theme.env.get_template(name)
    return names


class Theme:
    """A theme folder (user overrides first, then the default theme): its assets, and a Jinja2 environment
    over its templates."""

    def __init__(self, folder: Path | None = None, *, bytecode: Any = None) -> None:
        folders = [folder, DEFAULT_THEME] if folder and folder != DEFAULT_THEME else [DEFAULT_THEME]
        self.folders = tuple(f for f in folders if f)
        self.assets = self._fingerprint([f / "static" for f in self.folders])
        self._bytecode = bytecode
        self._env: Any = None
        self._lock = threading.Lock()

    @property
    def env(self) -> Any:
        """The Jinja environment, made when a first page is rendered (Jinja is imported then)."""
        if self._env is None:
            with self._lock:
                if self._env is None:
                    self._env = self._environment()
        return self._env

    def _environment(self) -> Any:
        import jinja2

        def given_context(method: Any) -> Any:  # a bound method takes no attribute: a partial does
            return jinja2.pass_context(partial(method, self))

        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(f / "templates") for f in self.folders]),
            bytecode_cache=self._bytecode or compiled_templates(TEMPLATE_BYTECODE), **_template_options(),
            auto_reload=False)  # a template is not looked at again for each page: an edited theme is a new Theme
        # the interface strings and dates follow the language of the site being rendered (`site` in the context).
        # The i18n extension's newstyle callables, without its layers of calls through the context (a tenth of
        # an article page's rendering): a translation is markup, formatted with its escaped variables.
        env.newstyle_gettext = True  # type: ignore[attr-defined]
        gettext = given_context(Theme._gettext)
        env.globals.update(_=gettext, gettext=gettext, ngettext=given_context(Theme._ngettext))
        env.globals["asset"] = self.asset_url
        env.globals["direction"] = i18n.direction
        env.filters["human_date"] = given_context(Theme._human_date)
        env.filters["iso"] = iso
        env.filters["jsonld"] = jsonld
        env.filters["paragraphs"] = paragraphs
        return env

    def translations(self, language: str) -> gettext.NullTranslations:
        return i18n.translations(self.folders, language)

    def has_catalog(self, language: str) -> bool:
        return i18n.has_catalog(self.folders, language)

    # each is given the template's context (`jinja2.pass_context`, applied where the environment is made)
    def _gettext(self, context: Any, message: str, **variables: Any) -> str:
        text = self.translations(context["site"].language).gettext(message)
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables

    def _ngettext(self, context: Any, singular: str, plural: str, n: int, **variables: Any) -> str:
        variables.setdefault("num", n)
        text = self.translations(context["site"].language).ngettext(singular, plural, n)
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables

    def _human_date(self, context: Any, when: datetime) -> str:
        return human_date(when, context["site"].language)

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
        if "site" in context:
            context["site"] = localized(self, context["site"])
        html = self.env.get_template(template).render(page_url=urls.key_to_url(key), **context)
        return Page(key, html.encode("utf-8"), HTML)


DEFAULT_ABOUT = Site().about  # what a site.yaml without `about:` says, in English


def localized(theme: Theme, site: Site) -> Site:
    """`site` with the default About Us text (its site.yaml gives none) in the site's language, from the theme's
    catalog: what every page's sidebar and the feeds' descriptions show."""
    return site if site.about != DEFAULT_ABOUT else _localized(theme, site)


@lru_cache(maxsize=64)
def _localized(theme: Theme, site: Site) -> Site:
    _ = theme.translations(site.language).gettext
    about = _("An independent newsroom publishing with Pressroom.")  # DEFAULT_ABOUT: a test keeps them alike
    return site if about == site.about else replace(site, about=about)


def language_warnings(theme: Theme, site: Site) -> list[Problem]:
    """What site.yaml's verdict warns about the language: pages whose interface or dates will read English."""
    language = site.language
    problems = []
    if not theme.has_catalog(language):
        known = ", ".join(sorted(i18n.catalog_names(theme.folders)))
        problems.append(Problem(
            f"the theme has no catalog for language {language!r}, so the pages' interface reads English",
            field="language", hint=f"use one of {known}, or add locale/{i18n.base_language(language)}"
            f"/LC_MESSAGES/messages.po to a theme folder (docs/theming.md)", severity=WARNING))
    if not i18n.has_dates(language):
        problems.append(Problem(f"dates have no names for language {language!r} here, so they read English",
                                field="language", hint="see the languages docs/theming.md lists for dates",
                                severity=WARNING))
    return problems


@lru_cache(maxsize=8)
def load_theme(folder: str | None = None) -> Theme:
    """One Theme per folder, reused across warm invocations."""
    return Theme(Path(folder) if folder else None)


def _asset_type(ext: str) -> str:
    return {
        "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8", "svg": "image/svg+xml",
        "png": "image/png", "ico": "image/x-icon", "woff2": "font/woff2",
    }.get(ext, "application/octet-stream")


def human_date(when: datetime, language: str = i18n.SOURCE_LANGUAGE) -> str:
    """The calendar day as readers of `language` write it ("March 2, 2026", "2 mart 2026"), on the date's own
    calendar."""
    return i18n.long_date(when, language)


def iso(when: datetime) -> str:
    """The machine-readable instant for `<time datetime>` and meta tags: seconds, with the offset."""
    return _aware(when).isoformat(timespec="seconds")


def paragraphs(text: str) -> list[str]:
    """Plain text split at blank lines (the site's About Us may hold several paragraphs)."""
    return [" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def jsonld(data: Any) -> Markup:
    """JSON for a <script type=application/ld+json> block: `<`, `>` and `&` escaped so no field breaks out."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


# --- pages ---------------------------------------------------------------------------------------------


def article_page(theme: Theme, site: Site, article: Article, recent: Sequence[Post]) -> Page:
    """The article's own page: the seed's shape, with its metadata for search engines and link previews."""
    if article.date is None:
        raise ValueError("an article is dated before its page is rendered")
    post = Post.from_article(article)
    # Dates are shown on their own calendar: a date written without an offset is already the site's day,
    # and one written with an offset keeps the day its author meant.
    when = _aware(article.date)
    url = urls.absolute(site.base_url, post.url)
    canonical = _absolute_if_relative(site, article.canonical) if article.canonical else url
    image = _absolute_if_relative(site, article.image) if article.image else ""
    return theme.page(
        urls.post_key(article.slug), "article.html", site=site, article=article, post=post, when=when,
        canonical=canonical, recent=list(recent), structured=news_article(site, article, url, canonical, image),
        image=image, tag_links=[(t, urls.tag_url(s)) for t, s in zip(article.tags, article.tag_slugs, strict=True)],
    )


def news_article(site: Site, article: Article, url: str, canonical: str, image: str) -> dict[str, Any]:
    """The schema.org NewsArticle of a page (serialised by the `jsonld` filter)."""
    assert article.date is not None
    publisher: dict[str, Any] = {"@type": "NewsMediaOrganization", "name": site.name, "url": site.base_url + "/"}
    if site.logo:
        publisher["logo"] = {"@type": "ImageObject", "url": _absolute_if_relative(site, site.logo)}
    data: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "NewsArticle", "headline": article.title, "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical}, "datePublished": iso(article.date),
        "dateModified": iso(article.updated or article.date), "inLanguage": site.language,
        "publisher": publisher, "wordCount": article.word_count,
    }
    if article.summary:
        data["description"] = article.summary
    if article.author:
        data["author"] = {"@type": "Person", "name": article.author}
    if article.tags:
        data["keywords"] = list(article.tags)
    if image:
        data["image"] = image
    return data


def _listing(theme: Theme, site: Site, key: str, title: str, posts: Sequence[Post], recent: Sequence[Post],
             **extra: Any) -> Page:
    context: dict[str, Any] = {"heading": title, "months": [], "years": [], "is_home": False}
    context.update(extra)
    return theme.page(key, "list.html", site=site, posts=list(posts), recent=list(recent),
                      canonical=urls.absolute(site.base_url, urls.key_to_url(key)), **context)


def home_page(theme: Theme, site: Site, posts: Sequence[Post], months: Sequence[tuple[int, int]]) -> Page:
    """The newest `posts_per_page` posts with their summaries, and links to every month's archive."""
    _ = theme.translations(site.language).gettext
    links = [(i18n.month_year(y, m, site.language), urls.month_archive_url(y, m)) for y, m in months]
    return _listing(theme, site, urls.HOME_KEY, _("Latest news"), posts[: site.posts_per_page],
                    posts[:RECENT_COUNT], months=links, is_home=True)


def month_page(theme: Theme, site: Site, year: int, month: int, posts: Sequence[Post],
               recent: Sequence[Post]) -> Page:
    """One month's whole archive on one page."""
    key = urls.month_archive_key(datetime(year, month, 1))
    return _listing(theme, site, key, i18n.month_year(year, month, site.language), posts, recent)


def tag_page(theme: Theme, site: Site, tag_slug: str, tag: str, posts: Sequence[Post], years: Sequence[int],
             recent: Sequence[Post]) -> Page:
    """A tag's newest posts, linking to the tag's page for each year."""
    _ = theme.translations(site.language).gettext
    links = [(str(y), urls.tag_year_url(tag_slug, y)) for y in years]
    return _listing(theme, site, urls.tag_key(tag_slug), _("Tagged “%(tag)s”") % {"tag": tag},
                    posts[: site.posts_per_page], recent, years=links)


def tag_year_page(theme: Theme, site: Site, tag_slug: str, tag: str, year: int, posts: Sequence[Post],
                  recent: Sequence[Post]) -> Page:
    """Every post of one tag in one year."""
    _ = theme.translations(site.language).gettext
    return _listing(theme, site, urls.tag_year_key(tag_slug, year),
                    _("Tagged “%(tag)s” in %(year)s") % {"tag": tag, "year": year}, posts, recent,
                    years=[(_("All years"), urls.tag_url(tag_slug))])


def not_found_page(theme: Theme, site: Site, recent: Sequence[Post] = ()) -> Page:
    """The page the CDN answers for a missing URL (root-relative links, so it works at any path)."""
    return theme.page(urls.NOT_FOUND_KEY, "404.html", site=site, recent=list(recent), canonical="")


_RECENT_LIST = re.compile(rb'<ul id="recent-posts">.*?</ul>', re.DOTALL)


def without_recent(body: bytes) -> bytes:
    """A page without its Recent Posts list: a snapshot taken when the page was last rewritten (the theme's
    script refreshes it from recent.json), so two renders of an unchanged page differ only there."""
    return _RECENT_LIST.sub(b"", body)


def tombstone_page(theme: Theme, site: Site, key: str) -> Page:
    """What a deleted post's URL shows, with 410 Gone (the CDN answers that status from the object's metadata)."""
    return theme.page(key, "gone.html", site=site, recent=[], canonical="")


def recent_document(posts: Sequence[Post]) -> Page:
    """`recent.json`: what the theme's script refreshes every page's Recent Posts from."""
    body = {"posts": [{"title": p.title, "url": p.url, "date": iso(p.date)} for p in posts[:RECENT_COUNT]]}
    return Page(urls.RECENT_KEY, _json_bytes(body), "application/json")


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _absolute_if_relative(site: Site, url: str) -> str:
    if url.startswith("//"):
        return "https:" + url
    return urls.absolute(site.base_url, url) if url.startswith("/") else url


# --- feeds and sitemaps ----------------------------------------------------------------------------------


def _xml(text: str) -> str:
    # & < > and " escaped, as XML text and attribute values need (the apostrophe may stay as it is)
    return escape(clean_text(text), quote=False).replace('"', "&quot;")


def atom_feed(site: Site, posts: Sequence[Post]) -> Page:
    """Atom 1.0 (RFC 4287): the newest posts, absolute URLs, RFC 3339 dates."""
    base = site.base_url
    items = posts[:FEED_COUNT]
    # An empty feed still needs an <updated>; a fixed instant keeps the output byte-identical.
    newest = max((_aware(p.updated or p.date) for p in items), default=datetime(2000, 1, 1, tzinfo=UTC))
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{_xml(site.language)}">',
           f"<title>{_xml(site.name)}</title>", f"<subtitle>{_xml(site.about)}</subtitle>", f"<id>{_xml(base)}/</id>",
           f'<link rel="alternate" type="text/html" href="{_xml(base)}/"/>',
           f'<link rel="self" type="application/atom+xml" href="{_xml(base)}/{urls.ATOM_KEY}"/>',
           f"<updated>{_rfc3339(newest)}</updated>",
           f"<author><name>{_xml(site.author or site.name)}</name></author>"]
    for post in items:
        link = urls.absolute(base, post.url)
        out += ["<entry>", f"<title>{_xml(post.title)}</title>", f"<id>{_xml(link)}</id>",
                f'<link rel="alternate" type="text/html" href="{_xml(link)}"/>',
                f"<published>{_rfc3339(post.date)}</published>",
                f"<updated>{_rfc3339(post.updated or post.date)}</updated>"]
        if post.author:
            out.append(f"<author><name>{_xml(post.author)}</name></author>")
        out += [f'<category term="{_xml(t)}"/>' for t in post.tags]
        if post.summary:
            out.append(f'<summary type="text">{_xml(post.summary)}</summary>')
        out.append("</entry>")
    out.append("</feed>")
    return Page(urls.ATOM_KEY, ("\n".join(out) + "\n").encode("utf-8"), "application/atom+xml; charset=utf-8")


def rss_feed(site: Site, posts: Sequence[Post]) -> Page:
    """RSS 2.0: the newest posts, absolute URLs, RFC 822 dates."""
    base = site.base_url
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">',
           "<channel>", f"<title>{_xml(site.name)}</title>", f"<link>{_xml(base)}/</link>",
           f"<description>{_xml(site.about)}</description>", f"<language>{_xml(site.language)}</language>",
           f'<atom:link href="{_xml(base)}/{urls.RSS_KEY}" rel="self" type="application/rss+xml"/>']
    items = posts[:FEED_COUNT]
    if items:
        out.append(f"<lastBuildDate>{_rfc822(max(_aware(p.updated or p.date) for p in items))}</lastBuildDate>")
    for post in items:
        link = urls.absolute(base, post.url)
        out += ["<item>", f"<title>{_xml(post.title)}</title>", f"<link>{_xml(link)}</link>",
                f'<guid isPermaLink="true">{_xml(link)}</guid>', f"<pubDate>{_rfc822(post.date)}</pubDate>"]
        if post.author:
            out.append(f"<dc:creator>{_xml(post.author)}</dc:creator>")
        out += [f"<category>{_xml(t)}</category>" for t in post.tags]
        if post.summary:
            out.append(f"<description>{_xml(post.summary)}</description>")
        out.append("</item>")
    out += ["</channel>", "</rss>"]
    return Page(urls.RSS_KEY, ("\n".join(out) + "\n").encode("utf-8"), "application/rss+xml; charset=utf-8")


def json_feed(site: Site, posts: Sequence[Post]) -> Page:
    """JSON Feed 1.1: the newest posts, absolute URLs, RFC 3339 dates."""
    base = site.base_url
    items = []
    for post in posts[:FEED_COUNT]:
        link = urls.absolute(base, post.url)
        item: dict[str, Any] = {"id": link, "url": link, "title": post.title,
                                "content_text": post.summary or post.title, "date_published": _rfc3339(post.date)}
        if post.summary:
            item["summary"] = post.summary
        if post.updated:
            item["date_modified"] = _rfc3339(post.updated)
        if post.tags:
            item["tags"] = list(post.tags)
        if post.author:
            item["authors"] = [{"name": post.author}]
        if post.image:
            item["image"] = _absolute_if_relative(site, post.image)
        items.append(item)
    doc: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1", "title": site.name, "home_page_url": base + "/",
        "feed_url": f"{base}/{urls.JSON_FEED_KEY}", "description": site.about, "language": site.language,
        "items": items,
    }
    if site.author:
        doc["authors"] = [{"name": site.author}]
    if site.logo:
        doc["icon"] = _absolute_if_relative(site, site.logo)
    return Page(urls.JSON_FEED_KEY, _json_bytes(doc), "application/feed+json")


def _rfc3339(when: datetime) -> str:
    return _aware(when).isoformat(timespec="seconds")


def _rfc822(when: datetime) -> str:
    """An RSS date (the email package, 3 ms to import, is loaded only for these)."""
    from email.utils import format_datetime

    return format_datetime(_aware(when))


def sitemap_part(site: Site, year: int, month: int, posts: Sequence[Post]) -> Page:
    """One month's posts in the sitemap protocol."""
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for post in posts:
        out += ["<url>", f"<loc>{_xml(urls.absolute(site.base_url, post.url))}</loc>",
                f"<lastmod>{_rfc3339(post.updated or post.date)}</lastmod>", "</url>"]
    out.append("</urlset>")
    return Page(urls.sitemap_part_key(year, month), ("\n".join(out) + "\n").encode("utf-8"),
                "application/xml; charset=utf-8")


def sitemap_index(site: Site, months: Sequence[tuple[int, int]]) -> Page:
    """The sitemap index over the monthly parts."""
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for year, month in months:
        out.append(f"<sitemap><loc>{_xml(urls.absolute(site.base_url, '/' + urls.sitemap_part_key(year, month)))}"
                   "</loc></sitemap>")
    out.append("</sitemapindex>")
    return Page(urls.SITEMAP_INDEX_KEY, ("\n".join(out) + "\n").encode("utf-8"), "application/xml; charset=utf-8")


def robots_txt(site: Site) -> Page:
    """Lets every crawler in and names the sitemap index."""
    body = f"User-agent: *\nAllow: /\n\nSitemap: {site.base_url}/{urls.SITEMAP_INDEX_KEY}\n"
    return Page(urls.ROBOTS_KEY, body.encode("utf-8"), "text/plain; charset=utf-8")


def redirect_page(key: str, target: str, theme: Theme | None = None, site: Site | None = None) -> Page:
    """A tiny page at `key` that sends readers to `target`, in the site's language when the theme and settings
    are given; the CDN and the preview answer 301 from the object's metadata instead, so this body is only what
    a client sees that follows no redirect (a folder built and served as it is)."""
    language = site.language if site is not None else i18n.SOURCE_LANGUAGE
    _ = theme.translations(language).gettext if theme is not None else str
    url = escape(target, quote=True)
    title = escape(_("Moved"))
    moved = escape(_("This page has moved to %(link)s.")) % {"link": f'<a href="{url}">{url}</a>'}
    body = (f'<!DOCTYPE html>\n<html lang="{escape(language, quote=True)}" dir="{i18n.direction(language)}"><head>'
            f'<meta charset="utf-8"><title>{title}</title><link rel="canonical" href="{url}">'
            f'<meta http-equiv="refresh" content="0; url={url}"></head><body><p>{moved}</p></body></html>\n').encode()
    return Page(key, body, HTML, redirect=target)
