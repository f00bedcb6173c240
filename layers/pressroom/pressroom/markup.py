"""Markdown and HTML to safe HTML: markdown-it (raw HTML off) and an nh3 allowlist, then a tidy pass."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape, unescape
from html.parser import HTMLParser

import nh3
from markdown_it import MarkdownIt

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark",
    "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "time", "tr", "u", "ul",
})
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "style", "scope"},
    "time": {"datetime"},
    "code": {"class"},
    "ol": {"start", "reversed"},
}
# Elements whose content, not just their tags, is dropped: none of it is article text.
DROPPED_WITH_CONTENT = frozenset({
    "script", "style", "template", "noscript", "iframe", "object", "embed", "svg", "math", "head", "title",
    "select", "textarea", "applet", "frameset", "noembed", "noframes", "xmp", "plaintext",
})

_STYLE_OK = re.compile(r"text-align:\s*(left|right|center)")
_DATETIME_OK = re.compile(
    r"\d{4}(-\d{2}(-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?)?)?"
    r"|\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?"
)
# C0 and C1 controls (except tab and newline), surrogates and noncharacters: never text in HTML or XML.
_NONCHARACTERS = "".join(chr(plane * 0x10000 + 0xFFFE) + chr(plane * 0x10000 + 0xFFFF) for plane in range(17))
_STRAY = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef" + re.escape(_NONCHARACTERS) + "]")
_NUMBER = {"width": (1, 10000), "height": (1, 10000), "colspan": (1, 1000), "rowspan": (0, 65534),
           "start": (-(10**9), 10**9)}


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    """Keep an attribute only when its value is one the theme and the validator accept."""
    value = value.strip()
    if attr == "style":
        # markdown-it writes table alignment as a style; nothing else of CSS is kept (see `tidy`)
        match = _STYLE_OK.fullmatch(value.rstrip(";").strip())
        return f"text-align:{match.group(1)}" if match else None
    if tag == "code" and attr == "class":
        return value if re.fullmatch(r"language-[A-Za-z0-9_+-]{1,32}", value) else None
    if attr in _NUMBER:
        low, high = _NUMBER[attr]
        return value if re.fullmatch(r"-?\d{1,10}", value) and low <= int(value) <= high else None
    if attr == "scope":
        return value if value in ("row", "col", "rowgroup", "colgroup") else None
    if attr == "datetime":
        return value if _DATETIME_OK.fullmatch(value) else None
    if attr == "reversed":
        return ""
    if attr in ("href", "src"):
        if not is_safe_url(value):
            return None
        return "/" + value if value.startswith("media/") else value
    return value


_STRAY_ASCII = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Text without characters that are never valid in HTML or XML (controls, surrogates, noncharacters)."""
    # the full class spans every plane and costs ten times more per character: most articles are ASCII
    return _STRAY_ASCII.sub("", text) if text.isascii() else _STRAY.sub("", text)


def sanitize(html: str) -> str:
    """Keep only allowlisted tags, attributes and URL schemes, then tidy the result into valid HTML."""
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(SAFE_SCHEMES),
        link_rel="noopener noreferrer",
        attribute_filter=_attribute_filter,
        strip_comments=True,
    )
    return tidy(cleaned)


def is_safe_url(url: str) -> bool:
    """http, https, mailto, or a relative URL; nothing that could run script."""
    cleaned = "".join(ch for ch in unescape(url) if ch > " " and ch != "\x7f").lower()
    if not cleaned:
        return False
    match = re.match(r"^([a-z][a-z0-9+.-]*):", cleaned)
    if match:
        return match.group(1) in SAFE_SCHEMES
    # A colon before any / ? # would make a browser read a scheme even when it is not a plain one.
    head = re.split(r"[/?#]", cleaned, maxsplit=1)[0]
    return ":" not in head


# --- the tidy pass -----------------------------------------------------------------------------------

VOID = frozenset({"br", "hr", "img"})
# Elements that may only hold phrasing content (text and inline elements).
PHRASING_ONLY = frozenset({
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "abbr", "b", "cite", "code", "em", "i", "kbd", "mark", "q", "s",
    "samp", "small", "span", "strong", "sub", "sup", "time", "u", "pre",
})
PHRASING = frozenset({
    "a", "abbr", "b", "br", "cite", "code", "del", "em", "i", "img", "ins", "kbd", "mark", "q", "s", "samp",
    "small", "span", "strong", "sub", "sup", "time", "u",
})
# Elements that are only valid inside one of the given parents.
REQUIRED_PARENT = {
    "li": {"ul", "ol"}, "dt": {"dl"}, "dd": {"dl"}, "figcaption": {"figure"}, "caption": {"table"},
    "thead": {"table"}, "tbody": {"table"}, "tfoot": {"table"}, "tr": {"table", "thead", "tbody", "tfoot"},
    "td": {"tr"}, "th": {"tr"},
}
# What a list keeps as direct children; anything else is wrapped in the first of these.
LIST_CHILDREN = {"ul": ("li",), "ol": ("li",), "dl": ("dd", "dt")}


@dataclass
class _Node:
    tag: str
    attrs: list[tuple[str, str]] = field(default_factory=list)
    children: list[_Node | str] = field(default_factory=list)


MAX_DEPTH = 100  # elements inside elements: far beyond any article, far below Python's recursion limit


class TooDeep(ValueError):
    """Markup or data nested deeper than MAX_DEPTH levels (the tidy pass and its callers recurse by level)."""


class _TreeBuilder(HTMLParser):
    """A tree of already-sanitized HTML (well-formed: every element closed, every attribute quoted)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("")
        self.open: list[_Node] = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = _Node(tag, [(k, v or "") for k, v in attrs])
        self.open[-1].children.append(node)
        if tag not in VOID:
            if len(self.open) > MAX_DEPTH:
                raise TooDeep(f"the body nests elements more than {MAX_DEPTH} levels deep")
            self.open.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open[-1].children.append(_Node(tag, [(k, v or "") for k, v in attrs]))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.open[-1].children.append(data)


def tidy(html: str) -> str:
    """Rewrite sanitized HTML so it is valid where it lands: headings one level down when the body uses
    `<h1>` (the page's one `<h1>` is the title), images with alt text and lazy loading, no element outside the parent it needs,
    no block inside a phrasing element, `<time>` only with a machine-readable datetime, and table
    alignment as a class rather than an inline style."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    headings = [node for node in _walk(builder.root) if node.tag in ("h1", "h2", "h3", "h4", "h5", "h6")]
    if any(node.tag == "h1" for node in headings):
        for node in headings:
            node.tag = f"h{min(int(node.tag[1]) + 1, 6)}"
    out: list[str] = []
    _emit_children(builder.root, out, parent="", phrasing=False)
    return "".join(out)


def _walk(node: _Node) -> list[_Node]:
    found = []
    for child in node.children:
        if isinstance(child, _Node):
            found += [child, *_walk(child)]
    return found


def _emit_children(node: _Node, out: list[str], *, parent: str, phrasing: bool) -> None:
    wrap = LIST_CHILDREN.get(node.tag)
    for child in node.children:
        if wrap and (isinstance(child, str) or child.tag not in wrap):
            if isinstance(child, str) and not child.strip():
                out.append(escape(child, quote=False))
                continue
            out.append(f"<{wrap[0]}>")
            _emit(child, out, parent=wrap[0], phrasing=wrap[0] == "dt")
            out.append(f"</{wrap[0]}>")
        else:
            _emit(child, out, parent=parent, phrasing=phrasing)


def _emit(node: _Node | str, out: list[str], *, parent: str, phrasing: bool) -> None:
    if isinstance(node, str):
        out.append(escape(node, quote=False))
        return
    tag = node.tag
    attrs = dict(node.attrs)
    if tag == "img" and not attrs.get("src"):
        return  # its source was unsafe and removed; an image without one is not valid HTML
    if (phrasing and tag not in PHRASING) or (tag in REQUIRED_PARENT and parent not in REQUIRED_PARENT[tag]):
        _emit_children(node, out, parent=parent, phrasing=phrasing)
        return
    if tag == "time" and "datetime" not in attrs:
        tag = "span"
    if "style" in attrs:
        # The site's Content-Security-Policy allows no inline style: alignment becomes a theme class.
        attrs["class"] = "align-" + attrs.pop("style").split(":", 1)[1]
    if tag == "img":
        attrs.setdefault("alt", "")
        attrs["loading"] = "lazy"
    rendered = "".join(f' {k}="{escape(v, quote=True)}"' for k, v in attrs.items())
    out.append(f"<{tag}{rendered}>")
    if tag in VOID:
        return
    _emit_children(node, out, parent=tag, phrasing=phrasing or tag in PHRASING_ONLY)
    out.append(f"</{tag}>")


# --- Markdown ------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.enable("strikethrough")
    md.validateLink = lambda url: is_safe_url(url)  # type: ignore[method-assign]
    return md


def markdown_to_html(text: str) -> str:
    """Render Markdown (CommonMark, tables, fenced code; raw HTML shown as text) and sanitize it."""
    return sanitize(_markdown().render(text))


def inline_text(text: str) -> str:
    """The plain text of one line of Markdown (a title written as a heading)."""
    return plain_text(_markdown().renderInline(text))


def plain_text(html: str) -> str:
    """The text of an HTML fragment, whitespace collapsed."""
    text = nh3.clean(html, tags=set(), clean_content_tags=set(DROPPED_WITH_CONTENT))
    return " ".join(unescape(text).split())
