"""The one table of site-bucket keys and public URLs, shared by every component."""

from __future__ import annotations

import hashlib
import posixpath
import re
import unicodedata
from datetime import date
from functools import lru_cache
from typing import Any
from urllib.parse import quote, unquote

CONTENT_SITE_SETTINGS = "site.yaml"
CONTENT_ARTICLES = "articles/"
CONTENT_MEDIA = "media/"
CONTENT_REPORTS = "_reports/"

HOME_KEY = "index.html"
ATOM_KEY = "feed.xml"
RSS_KEY = "rss.xml"
JSON_FEED_KEY = "feed.json"
RECENT_KEY = "recent.json"
SITEMAP_INDEX_KEY = "sitemap.xml"
ROBOTS_KEY = "robots.txt"
NOT_FOUND_KEY = "404.html"

_SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,118}[a-z0-9])?$")


def is_input_key(key: str) -> bool:
    """Whether a content-bucket key is an input of the pipeline (nothing else is ever read)."""
    return key == CONTENT_SITE_SETTINGS or (
        key.startswith((CONTENT_ARTICLES, CONTENT_MEDIA)) and not key.endswith("/")
    )


def is_article_key(key: str) -> bool:
    return key.startswith(CONTENT_ARTICLES) and not key.endswith("/")


def is_media_key(key: str) -> bool:
    return key.startswith(CONTENT_MEDIA) and not key.endswith("/")


MAX_SLUG = 120  # characters


def is_valid_slug(slug: str) -> bool:
    """A slug is one safe path segment: lowercase letters (of any script, with their combining marks), digits
    and inner hyphens, NFC-normalised, at most MAX_SLUG characters."""
    if _SLUG_RE.match(slug):
        return True
    if not slug or len(slug) > MAX_SLUG or slug[0] == "-" or slug[-1] == "-" or slug != slug.lower():
        return False
    if unicodedata.normalize("NFC", slug) != slug or unicodedata.category(slug[0])[0] == "M":
        return False
    return all(ch == "-" or ch.isalnum() or unicodedata.category(ch)[0] == "M" for ch in slug)


@lru_cache(maxsize=8192)  # a site's pages name the same few URLs again and again (Recent Posts, tags)
def encode_path(path: str) -> str:
    """A key's path as it is written in a URL: every character outside RFC 3986's unreserved and path
    characters percent-encoded as UTF-8 (a path of letters, digits, hyphens and slashes is left as it is)."""
    return quote(path, safe="/!$&'()*+,;=:@~")


def decode_path(path: str) -> str:
    """A URL's path as the key it names: percent-encoding decoded as UTF-8, then NFC."""
    return unicodedata.normalize("NFC", unquote(path, errors="strict"))


def key_to_url(key: str) -> str:
    """The public, root-relative URL of a site-bucket key (`a/index.html` -> `/a/`)."""
    if key == HOME_KEY:
        return "/"
    if key.endswith("/index.html"):
        return encode_path("/" + key[: -len("index.html")])
    return encode_path("/" + key)


def url_to_key(url: str) -> str:
    """The site-bucket key a root-relative URL is served from (clean URLs: `/a/` -> `a/index.html`; a
    percent-encoded path names the UTF-8 key)."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    try:
        path = decode_path(path)
    except UnicodeDecodeError:
        pass  # not UTF-8 once decoded: the path names the key as written
    if not path.startswith("/"):
        path = "/" + path
    if path.endswith("/"):
        return path[1:] + "index.html"
    last = path.rsplit("/", 1)[-1]
    if "." not in last:
        return path[1:] + "/index.html"
    return path[1:]


def post_key(slug: str) -> str:
    return f"posts/{slug}/index.html"


def slug_of_post_key(key: str) -> str | None:
    """The slug of an article page key (`posts/<slug>/index.html`), or None for any other key."""
    parts = key.split("/")
    if len(parts) == 3 and parts[0] == "posts" and parts[2] == "index.html" and parts[1]:
        return parts[1]
    return None


def post_url(slug: str) -> str:
    return encode_path(f"/posts/{slug}/")


def month_archive_key(day: date) -> str:
    return f"archive/{day.year:04d}/{day.month:02d}/index.html"


def month_archive_url(year: int, month: int) -> str:
    return f"/archive/{year:04d}/{month:02d}/"


def tag_key(tag_slug: str) -> str:
    return f"tags/{tag_slug}/index.html"


def tag_url(tag_slug: str) -> str:
    return encode_path(f"/tags/{tag_slug}/")


def tag_year_key(tag_slug: str, year: int) -> str:
    return f"tags/{tag_slug}/{year:04d}/index.html"


def tag_year_url(tag_slug: str, year: int) -> str:
    return encode_path(f"/tags/{tag_slug}/{year:04d}/")


def sitemap_part_key(year: int, month: int) -> str:
    return f"sitemaps/{year:04d}-{month:02d}.xml"


_MONTH_PAGE = re.compile(r"archive/(\d{4})/(\d{2})/index\.html")
_SITEMAP_PART = re.compile(r"sitemaps/(\d{4})-(\d{2})\.xml")
_TAG_PAGE = re.compile(r"tags/([^/]+)/index\.html")
_TAG_YEAR_PAGE = re.compile(r"tags/([^/]+)/(\d{4})/index\.html")


def listing_of_key(key: str) -> tuple[str, Any] | None:
    """What listing page `key` is: ("month", (year, month)) for an archive page or a sitemap part, ("tag",
    slug), ("tag-year", (slug, year)), ("global", key) for home, feeds, recent.json, sitemap index, robots and
    404; None for any other key."""
    if key in _GENERATED_KEYS:
        return "global", key
    for pattern in (_MONTH_PAGE, _SITEMAP_PART):
        found = pattern.fullmatch(key)
        if found:
            return "month", (int(found[1]), int(found[2]))
    found = _TAG_PAGE.fullmatch(key)
    if found:
        return "tag", found[1]
    found = _TAG_YEAR_PAGE.fullmatch(key)
    if found:
        return "tag-year", (found[1], int(found[2]))
    return None


def asset_key(name: str, digest: str, ext: str) -> str:
    return f"assets/{name}.{digest}.{ext}"


def media_site_key(content_key: str) -> str:
    """Media keep their path: content `media/a/b.png` is served from site `media/a/b.png`."""
    return content_key


def report_key(content_key: str) -> str:
    return f"{CONTENT_REPORTS}{content_key}.json"


def absolute(base_url: str, url: str) -> str:
    """An absolute URL from the site's base URL and a root-relative URL."""
    return base_url.rstrip("/") + url


def slug_from_filename(key: str) -> str:
    """The default slug of an article: its file name without extension."""
    stem = posixpath.basename(key)
    return stem.rsplit(".", 1)[0] if "." in stem else stem


_SIGNS = str.maketrans("", "", "ЪъЬь")  # Cyrillic hard and soft signs: no letter of their own (anyascii: ')


def slugify(text: str, mode: str = "ascii") -> str:
    """Lowercase words joined by hyphens; empty when nothing usable is left.

    "ascii": every letter is transliterated (anyascii), after NFC normalisation (macOS writes file names
    decomposed): Azerbaijani ə, ı, ş, ç, ğ become e, i, s, c, g; Cyrillic, Greek and CJK become readable Latin.
    "unicode": letters of every script are kept as they are (NFC, lowercase, with their combining marks)."""
    if mode == "unicode":
        normal = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).lower())
        words = "".join(ch if ch.isalnum() or unicodedata.category(ch)[0] == "M" else " " for ch in normal).split()
        slug = "-".join(w for w in words if unicodedata.category(w[0])[0] != "M")
        return slug[:MAX_SLUG].strip("-")
    normal = unicodedata.normalize("NFC", text).translate(_SIGNS)
    if not normal.isascii():  # ASCII text is its own transliteration: anyascii's tables stay unloaded
        from anyascii import anyascii

        normal = anyascii(normal)
    normal = normal.lower()
    return re.sub(r"[^a-z0-9]+", "-", normal).strip("-")[:MAX_SLUG].strip("-")


@lru_cache(maxsize=4096)  # a newsroom's tags recur across thousands of articles
def tag_slug(tag: str, mode: str = "ascii") -> str:
    """A tag's URL segment: its slug, or for a tag whose letters the ASCII slug leaves empty a stable one made
    from its text; empty when it has no letters or digits at all."""
    slug = slugify(tag, mode)
    if slug:
        return slug
    letters = "".join(ch for ch in unicodedata.normalize("NFKC", tag).casefold() if ch.isalnum())
    return "t-" + hashlib.sha256(letters.encode()).hexdigest()[:10] if letters else ""


IMMUTABLE = "public, max-age=31536000, immutable"
ARTICLE_CACHE = "public, max-age=60, s-maxage=31536000"  # invalidated by path when it changes
LISTING_CACHE = "public, max-age=60, s-maxage=60"  # listings, feeds, recent.json: short shared lifetime
MEDIA_CACHE = "public, max-age=86400, s-maxage=604800"


def cache_control(key: str) -> str:
    """The Cache-Control of a site-bucket object, by the kind of path it is."""
    if key.startswith("assets/"):
        return IMMUTABLE
    if key.startswith("media/"):
        return MEDIA_CACHE
    if key.startswith("posts/"):
        return ARTICLE_CACHE
    return LISTING_CACHE


_GENERATED_PREFIXES = ("assets/", "archive/", "tags/", "sitemaps/", "media/")
_GENERATED_KEYS = frozenset({HOME_KEY, ATOM_KEY, RSS_KEY, JSON_FEED_KEY, RECENT_KEY, SITEMAP_INDEX_KEY, ROBOTS_KEY,
                             NOT_FOUND_KEY})


def is_generated_key(key: str) -> bool:
    """Whether the pipeline itself writes `key` (a redirect must never take its place)."""
    return key in _GENERATED_KEYS or key.startswith(_GENERATED_PREFIXES)


# Files browsers, crawlers and other services ask every site for at fixed places.
_WELL_KNOWN_FILES = frozenset({"favicon.ico", "apple-touch-icon.png", "apple-touch-icon-precomposed.png",
                               "humans.txt", "ads.txt", "app-ads.txt", "security.txt", "site.webmanifest",
                               "manifest.json", "browserconfig.xml", "crossdomain.xml"})


def is_reserved_key(key: str) -> bool:
    """Whether `key` is one the site itself serves (generated pages, feeds, assets, media) or a well-known file
    at the root: no alias may claim it."""
    return is_generated_key(key) or key in _WELL_KNOWN_FILES or key.startswith(".well-known/")
