"""Markdown and HTML to safe HTML: markdown-it (raw HTML off) and an nh3 allowlist, then a tidy pass."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape, unescape
from html.parser import HTMLParser
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # markdown-it and nh3 are loaded where an article is parsed, not by every importer
    from markdown_it import MarkdownIt
    from markdown_it.rules_block import StateBlock

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
    check_text_runs(html)
    import nh3

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


class OverLimit(ValueError):
    """An input beyond one of the bounds that keep the work any upload can cause small (time and memory)."""


class TooDeep(OverLimit):
    """Markup or data nested deeper than MAX_DEPTH levels (the tidy pass and its callers recurse by level)."""


# The work an article causes grows with its lines and marks, not with its bytes: each line and each mark can
# become an element, and an element costs far more than a letter. These bounds are far above any article a
# newsroom writes (the longest read has a few thousand lines and a few hundred marks of each kind) and keep the
# worst upload within a few seconds and a few hundred MB; `benchmarks/worst.py` measures them.
MAX_LINES = 20_000
MAX_LINE_CHARS = 100_000
MAX_TAGS = 50_000  # HTML articles: start and end tags, comments and declarations
MAX_ENTITIES = 50_000  # character references such as &amp; in an HTML article
MAX_ATTRIBUTES = 100_000  # HTML articles: attributes (= characters) in all their tags
# Text between two tags: the HTML sanitizer slows down with character references in front of a long text.
MAX_TEXT_RUN = 100_000
_TAG = re.compile(r"<[^<>]*>")
_LIST_MARKER = re.compile(r"(?:^|(?<=[ \t]))(?:[-+]|\d{1,9}[.)])(?=[ \t]|$)", flags=re.MULTILINE)
_MARKDOWN_MARKS: tuple[tuple[str, str, int], ...] = (
    # (what they are, the characters counted, the limit)
    ("emphasis marks (* _ ~)", "*_~", 20_000),
    ("table cell separators (|)", "|", 20_000),
    ("link and image brackets ([)", "[", 10_000),
    ("quote markers (>)", ">", 10_000),
    ("inline code, autolink, reference and escape marks (` < & \\)", "`<&\\", 20_000),
)
MAX_LIST_MARKERS = 10_000
MAX_TABLE_CELLS = 20_000  # markdown-it fills short rows with empty cells, so cells are counted as they are made
MAX_URL_CHARS = 2_000  # a link's address: a reference link repeats it wherever the reference is used


def check_lines(text: str, *, what: str = "the body") -> None:
    """Raise OverLimit when a text has more lines, or a longer line, than any article needs."""
    lines = text.count("\n") + 1
    if lines > MAX_LINES:
        raise OverLimit(f"{what} has {lines:,} lines, more than the limit of {MAX_LINES:,}")
    if len(text) > MAX_LINE_CHARS:
        longest = max(text.split("\n"), key=len)
        if len(longest) > MAX_LINE_CHARS:
            at = text[: text.index(longest)].count("\n") + 1
            raise OverLimit(f"line {at} of {what} is {len(longest):,} characters long, more than the limit "
                            f"of {MAX_LINE_CHARS:,}")


def check_markdown(text: str) -> None:
    """Raise OverLimit when Markdown has more lines or marks than the bounds allow (one linear pass)."""
    check_lines(text)
    for what, chars, limit in _MARKDOWN_MARKS:
        count = sum(text.count(ch) for ch in chars)
        if count > limit:
            raise OverLimit(f"the body has {count:,} {what}, more than the limit of {limit:,}")
    # every list marker holds one of these characters: most texts have too few of them to need the count
    if sum(text.count(ch) for ch in "-+.)") <= MAX_LIST_MARKERS:
        return
    markers = sum(1 for _ in _LIST_MARKER.finditer(text))
    if markers > MAX_LIST_MARKERS:
        raise OverLimit(f"the body has {markers:,} list markers, more than the limit of {MAX_LIST_MARKERS:,}")


def check_html(text: str) -> None:
    """Raise OverLimit when an HTML article has more tags or character references than the bounds allow."""
    tags = text.count("<")
    if tags > MAX_TAGS:
        raise OverLimit(f"the file has {tags:,} tags (< characters), more than the limit of {MAX_TAGS:,}")
    entities = text.count("&")
    if entities > MAX_ENTITIES:
        raise OverLimit(f"the file has {entities:,} character references (& characters), more than the limit "
                        f"of {MAX_ENTITIES:,}")
    attributes = text.count("=")
    if attributes > MAX_ATTRIBUTES:
        raise OverLimit(f"the file has {attributes:,} attributes (= characters), more than the limit of "
                        f"{MAX_ATTRIBUTES:,}")


def check_text_runs(html: str) -> None:
    """Raise OverLimit when some text between two tags is longer than any paragraph needs."""
    longest = max((len(run) for run in _TAG.split(html)), default=0)
    if longest > MAX_TEXT_RUN:
        raise OverLimit(f"a paragraph of the body is {longest:,} characters long, more than the limit of "
                        f"{MAX_TEXT_RUN:,}")


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


# nh3's output, as its serializer writes it: tags with lower-case names and double-quoted attributes, and text
# with every < escaped. Read with two expressions it builds the tree HTMLParser builds, several times faster;
# anything else (a comment, a declaration, a script element) is read by HTMLParser.
_SERIALIZED = re.compile(r'<(/?)([a-z][a-z0-9]*)((?:\s+[^\s"\'<>/=]+(?:="[^"]*")?)*)\s*>|([^<]+)')
_ATTRIBUTE = re.compile(r'\s+([^\s"\'<>/=]+)(?:="([^"]*)")?')


def _tree(html: str) -> _Node:
    """The element tree of nh3's output: the tree `_TreeBuilder` builds, without its character-by-character
    scan where the markup has the serializer's shape."""
    root = _Node("")
    open_nodes = [root]
    at = 0
    for match in _SERIALIZED.finditer(html):
        if match.start() != at:
            break
        at = match.end()
        closing, tag, attributes, text = match.groups()
        if text is not None:
            open_nodes[-1].children.append(unescape(text))
        elif closing:
            for depth in range(len(open_nodes) - 1, 0, -1):
                if open_nodes[depth].tag == tag:
                    del open_nodes[depth:]
                    break
        else:
            if tag in ("script", "style"):  # HTMLParser reads their content as raw text
                break
            node = _Node(tag, [(name.lower(), unescape(value or "")) for name, value in
                               _ATTRIBUTE.findall(attributes)] if attributes else [])
            open_nodes[-1].children.append(node)
            if tag not in VOID:
                if len(open_nodes) > MAX_DEPTH:
                    raise TooDeep(f"the body nests elements more than {MAX_DEPTH} levels deep")
                open_nodes.append(node)
    if at != len(html):
        builder = _TreeBuilder()
        builder.feed(html)
        builder.close()
        return builder.root
    return root


def tidy(html: str) -> str:
    """Rewrite sanitized HTML so it is valid where it lands: headings one level down when the body uses
    `<h1>` (the page's one `<h1>` is the title), images with alt text and lazy loading, no element outside the parent it needs,
    no block inside a phrasing element, `<time>` only with a machine-readable datetime, and table
    alignment as a class rather than an inline style."""
    root = _tree(html)
    headings = [node for node in _walk(root) if node.tag in ("h1", "h2", "h3", "h4", "h5", "h6")]
    if any(node.tag == "h1" for node in headings):
        for node in headings:
            node.tag = f"h{min(int(node.tag[1]) + 1, 6)}"
    out: list[str] = []
    _emit_children(root, out, parent="", phrasing=False)
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
    # maxNesting makes markdown-it stop descending and silently drop what lies deeper; set it at our own
    # bound so that markdown_to_html can tell when that happened and refuse the article instead.
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False,
                                   "maxNesting": MAX_DEPTH})
    md.enable("table")
    md.enable("strikethrough")
    md.validateLink = _valid_link  # type: ignore[method-assign]
    md.block.ruler.at("table", _counted_table, {"alt": ["paragraph", "reference"]})
    return md


def _valid_link(url: str) -> bool:
    if len(url) > MAX_URL_CHARS:
        raise OverLimit(f"a link's address is {len(url):,} characters long, more than the limit of "
                        f"{MAX_URL_CHARS:,}")
    return is_safe_url(url)


def _counted_table(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """markdown-it's GFM table rule, with the cells of all the body's tables counted against MAX_TABLE_CELLS
    (a header of many columns over many short rows would otherwise make far more cells than the text has)."""
    before = len(state.tokens)
    from markdown_it.rules_block.table import table as gfm_table

    found = gfm_table(state, start, end, silent)
    if found and not silent:
        cells = state.env.get("table cells", 0) + sum(1 for token in state.tokens[before:]
                                                       if token.type in ("td_open", "th_open"))
        state.env["table cells"] = cells
        if cells > MAX_TABLE_CELLS:
            raise OverLimit(f"the body's tables have at least {cells:,} cells, more than the limit of "
                            f"{MAX_TABLE_CELLS:,}")
    return found


def markdown_to_html(text: str) -> str:
    """Render Markdown (CommonMark, tables, fenced code; raw HTML shown as text) and sanitize it.
    Raises OverLimit for Markdown beyond the bounds, before any costly work, and TooDeep for nesting that
    markdown-it would have cut short."""
    check_markdown(text)
    md = _markdown()
    env: dict[str, object] = {}
    tokens = md.parse(text, env)
    deepest = max((token.level + max((child.level for child in token.children or ()), default=0)
                   for token in tokens), default=0)
    if deepest >= MAX_DEPTH - 1:
        raise TooDeep(f"the body nests elements more than {MAX_DEPTH} levels deep")
    return sanitize(md.renderer.render(tokens, md.options, env))


def inline_text(text: str) -> str:
    """The plain text of one line of Markdown (a title written as a heading)."""
    return plain_text(_markdown().renderInline(text))


_WRITTEN_TAG = re.compile(r"<[^<>]*>")


def written_text(html: str) -> str:
    """`plain_text` of markup this package wrote (`sanitize`'s output, or a text article's paragraphs): every
    `<` and `>` of it is a tag's, so the tags are cut out rather than parsed."""
    # an HTML parser drops the newline that opens a <pre>
    return " ".join(unescape(_WRITTEN_TAG.sub("", html.replace("<pre>\n", "<pre>"))).split())


def plain_text(html: str) -> str:
    """The text of an HTML fragment, whitespace collapsed."""
    import nh3

    text = nh3.clean(html, tags=set(), clean_content_tags=set(DROPPED_WITH_CONTENT))
    return " ".join(unescape(text).split())
