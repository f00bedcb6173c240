"""Markdown to safe HTML: markdown-it (raw HTML off) and an nh3 allowlist as a second wall."""

from __future__ import annotations

import re
from functools import lru_cache
from html import unescape

import nh3
from markdown_it import MarkdownIt

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dl", "dt", "em",
    "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark",
    "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "time", "tr", "u", "ul",
})
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "style", "scope"},
    "time": {"datetime"},
    "code": {"class"},
    "ol": {"start"},
}
_STYLE_OK = re.compile(r"^text-align:\s*(left|right|center)$")


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if attr == "style":
        # markdown-it writes table alignment as a style; nothing else of CSS is kept
        return value if _STYLE_OK.match(value.strip()) else None
    if tag == "code" and attr == "class":
        return value if re.fullmatch(r"language-[A-Za-z0-9_+-]{1,32}", value) else None
    return value


def sanitize(html: str) -> str:
    """Keep only allowlisted tags, attributes and URL schemes; every link gets a safe rel."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(SAFE_SCHEMES),
        link_rel="noopener noreferrer",
        attribute_filter=_attribute_filter,
        strip_comments=True,
    )


def is_safe_url(url: str) -> bool:
    """http, https, mailto, or a relative URL; nothing that could run script."""
    cleaned = "".join(ch for ch in unescape(url) if ch > " " and ch != "\x7f").lower()
    if not cleaned:
        return False
    match = re.match(r"^([a-z][a-z0-9+.-]*):", cleaned)
    if match:
        return match.group(1) in SAFE_SCHEMES
    return True


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.enable("strikethrough")
    md.validateLink = lambda url: is_safe_url(url)  # type: ignore[method-assign]
    default_image = md.renderer.rules.get("image")

    def lazy_image(tokens, idx, options, env):  # type: ignore[no-untyped-def]
        tokens[idx].attrSet("loading", "lazy")
        return default_image(tokens, idx, options, env) if default_image else ""

    md.add_render_rule("image", lazy_image)
    return md


def markdown_to_html(text: str) -> str:
    """Render Markdown (CommonMark, tables, fenced code; raw HTML shown as text) and sanitize it."""
    # Headings move one level down: the page's one <h1> is the article title.
    html = _markdown().render(text)
    html = re.sub(r"<(/?)h([1-5])\b", lambda m: f"<{m.group(1)}h{int(m.group(2)) + 1}", html)
    return sanitize(html)


def plain_text(html: str) -> str:
    """The text of an HTML fragment, whitespace collapsed."""
    text = nh3.clean(html, tags=set())
    return " ".join(unescape(text).split())
