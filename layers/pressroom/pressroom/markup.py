"""Markdown and HTML to safe HTML: cmark-gfm (raw HTML shown as text) and an nh3 allowlist, then a tidy pass."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape, unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

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
_NUMBER = {"width": (1, 10000), "height": (1, 10000), "colspan": (1, 1000), "rowspan": (0, 65534),
           "start": (-(10**9), 10**9)}


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    """Keep an attribute only when its value is one the theme and the validator accept."""
    value = value.strip()
    if attr == "style":
        # cmark-gfm writes table alignment as a style; nothing else of CSS is kept (see `tidy`)
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


@lru_cache(maxsize=1)
def _cleaner() -> Any:
    """The allowlist as nh3 holds it, made once a process: making it took more than half of each cleaning
    (38 -> 15 us an article)."""
    import nh3

    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(SAFE_SCHEMES),
        link_rel="noopener noreferrer",
        attribute_filter=_attribute_filter,
        strip_comments=True,
    )


@lru_cache(maxsize=1)
def _text_cleaner() -> Any:
    """Every tag dropped, and the content of those that hold no text (scripts, styles)."""
    import nh3

    return nh3.Cleaner(tags=set(), clean_content_tags=set(DROPPED_WITH_CONTENT))


def sanitize(html: str, *, from_markdown: bool = False) -> str:
    """Keep only allowlisted tags, attributes and URL schemes, then tidy the result into valid HTML.

    `from_markdown`: `html` is cmark-gfm's, whose elements already sit where they are valid; the tidy pass is
    then skipped when it would leave the markup as it is (`_tidy_keeps`)."""
    check_text_runs(html)
    cleaned = _cleaner().clean(html)
    if from_markdown and _tidy_keeps(cleaned):
        return cleaned
    return tidy(cleaned)


# The elements cmark-gfm writes that the tidy pass never rewrites in its output: no <h1> (headings move down),
# <img> (alt text, lazy loading), table cells (alignment) or <time>. Lists hold only items, and no block sits
# inside a phrasing element, in what cmark-gfm writes.
_KEPT_AS_WRITTEN = frozenset({
    "p", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li", "pre", "code", "em", "strong", "a", "s",
    "hr", "br",
})
_START_TAG = re.compile(r"<([a-z][a-z0-9]*)")
# What the tidy pass writes differently from nh3's serializer: a no-break space as the character rather than
# `&nbsp;`, and < > ' inside an attribute value as character references. (Two searches: one expression for
# both would try each at every character, several times slower.)
_NBSP = "&nbsp;"
_ATTRIBUTE_ESCAPED_OTHERWISE = re.compile("=\"[^\"]*[<>']")


def _tidy_keeps(cleaned: str) -> bool:
    """Whether `tidy` returns nh3's output of cmark-gfm's HTML unchanged (each tag then keeps its place and
    attributes, and the text and attribute values their escaping)."""
    return _NBSP not in cleaned and _KEPT_AS_WRITTEN.issuperset(_START_TAG.findall(cleaned)) \
        and _ATTRIBUTE_ESCAPED_OTHERWISE.search(cleaned) is None


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
_FEWEST_MARKS_ALLOWED = min(MAX_LIST_MARKERS, *(limit for _, _, limit in _MARKDOWN_MARKS))
MAX_TABLE_CELLS = 20_000  # short rows are filled with empty cells, so cells are counted as they are made
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
    if len(text) <= _FEWEST_MARKS_ALLOWED:
        return  # no mark is counted more often than the text has characters: most articles are shorter
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

# Markdown is rendered by cmark-gfm, GitHub's C implementation of CommonMark with its table and strikethrough
# extensions (the `cmarkgfm` package ships it compiled). Its C interface is called directly: the package's own
# functions never free the document tree or the HTML they return, which a warm function or a build of
# thousands of articles cannot afford. cmark-gfm bounds its own work on hostile input (the expansion of
# reference links, the cells a table fills in), runs no recursion by the nesting of the input, and in its safe
# mode (the default) blanks link addresses with a script scheme and leaves raw HTML out.
_CMARK_OPTIONS = (1 << 15) | (1 << 14)  # CMARK_OPT_TABLE_PREFER_STYLE_ATTRIBUTES, ..._STRIKETHROUGH_DOUBLE_TILDE
_CMARK_EXTENSIONS = (b"table", b"strikethrough")
_CMARK_ITER_DONE = 1  # cmark_event_type
_LONG_ATTRIBUTE_VALUE = re.compile(rf'="([^"]{{{MAX_URL_CHARS + 1},}})"')
_URL_ATTRIBUTES = ("href", "src")
_CELL = re.compile(r"<t[dh][ >]")
_ELEMENT_TAG = re.compile(r"<(/?)([a-z][a-z0-9]*)[^>]*?(/?)>")


class _Cmark:
    """cmark-gfm's C functions, loaded once per process."""

    def __init__(self) -> None:
        import ctypes
        import importlib.util

        spec = importlib.util.find_spec("cmarkgfm")  # its folder, without importing its cffi bindings
        if spec is None or not spec.submodule_search_locations:
            raise ImportError("cmarkgfm is not installed")
        folder = Path(next(iter(spec.submodule_search_locations)))
        library = ctypes.CDLL(str(next(folder.glob("_cmark*.so"))))
        pointer, text, number = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int

        class Memory(ctypes.Structure):  # cmark_mem: the allocator whose free() releases what cmark returns
            _fields_ = [("calloc", pointer), ("realloc", pointer), ("free", ctypes.CFUNCTYPE(None, pointer))]

        for name, result, arguments in (
            ("cmark_gfm_core_extensions_ensure_registered", None, ()),
            ("cmark_find_syntax_extension", pointer, (text,)),
            ("cmark_parser_new", pointer, (number,)),
            ("cmark_parser_attach_syntax_extension", number, (pointer, pointer)),
            ("cmark_parser_feed", None, (pointer, text, ctypes.c_size_t)),
            ("cmark_parser_finish", pointer, (pointer,)),
            ("cmark_parser_get_syntax_extensions", pointer, (pointer,)),
            ("cmark_render_html", pointer, (pointer, number, pointer)),
            ("cmark_parser_free", None, (pointer,)),
            ("cmark_get_default_mem_allocator", ctypes.POINTER(Memory), ()),
            ("cmark_iter_new", pointer, (pointer,)),
            ("cmark_iter_next", number, (pointer,)),
            ("cmark_iter_get_node", pointer, (pointer,)),
            ("cmark_iter_free", None, (pointer,)),
            ("cmark_node_first_child", pointer, (pointer,)),
            ("cmark_node_get_type", number, (pointer,)),
            ("cmark_node_get_type_string", text, (pointer,)),
            ("cmark_node_set_type", number, (pointer, number)),
            ("cmark_node_get_literal", text, (pointer,)),
            ("cmark_node_set_literal", number, (pointer, text)),
            ("cmark_node_new", pointer, (number,)),
            ("cmark_node_append_child", number, (pointer, pointer)),
            ("cmark_node_insert_before", number, (pointer, pointer)),
            ("cmark_node_unlink", None, (pointer,)),
            ("cmark_node_free", None, (pointer,)),
        ):
            function = getattr(library, name)
            function.restype, function.argtypes = result, arguments
        self.c = library
        self.free = library.cmark_get_default_mem_allocator().contents.free
        self.string_at = ctypes.string_at
        library.cmark_gfm_core_extensions_ensure_registered()
        self.extensions = [library.cmark_find_syntax_extension(name) for name in _CMARK_EXTENSIONS]
        if not all(self.extensions):
            raise ImportError("cmark-gfm lacks its table and strikethrough extensions")
        # the numbers of a paragraph and a text node, as this build of the library gives them
        parser, root = self._parse(b"a")
        paragraph = library.cmark_node_first_child(root)
        self.paragraph = library.cmark_node_get_type(paragraph)
        self.text = library.cmark_node_get_type(library.cmark_node_first_child(paragraph))
        library.cmark_node_free(root)
        library.cmark_parser_free(parser)

    def _parse(self, data: bytes) -> tuple[int, int]:
        """A parser with the extensions (freed by the caller, after rendering) and the document it read."""
        c = self.c
        parser = c.cmark_parser_new(_CMARK_OPTIONS)
        for extension in self.extensions:
            c.cmark_parser_attach_syntax_extension(parser, extension)
        c.cmark_parser_feed(parser, data, len(data))
        return parser, c.cmark_parser_finish(parser)

    def html(self, text: str) -> str:
        """CommonMark with tables and strikethrough (`~~`) to HTML, in cmark-gfm's safe mode, raw HTML shown as
        the text it is."""
        c = self.c
        parser, root = self._parse(text.encode("utf-8"))
        try:
            if "<" in text:
                self._raw_html_as_text(root)
            rendered = c.cmark_render_html(root, _CMARK_OPTIONS, c.cmark_parser_get_syntax_extensions(parser))
            try:
                return self.string_at(rendered).decode("utf-8")
            finally:
                self.free(rendered)
        finally:
            c.cmark_node_free(root)
            c.cmark_parser_free(parser)

    def _raw_html_as_text(self, root: int) -> None:
        """Raw HTML becomes text: inline HTML in place, an HTML block as a paragraph of its lines."""
        c = self.c
        found = []
        walk = c.cmark_iter_new(root)
        try:
            while c.cmark_iter_next(walk) != _CMARK_ITER_DONE:
                node = c.cmark_iter_get_node(walk)
                if c.cmark_node_get_type_string(node) in (b"html_inline", b"html_block"):
                    found.append(node)
        finally:
            c.cmark_iter_free(walk)
        for node in dict.fromkeys(found):  # each is met on entering and on leaving
            literal = c.cmark_node_get_literal(node) or b""  # a copy: changing the type frees the node's own
            if c.cmark_node_get_type_string(node) == b"html_inline":
                c.cmark_node_set_type(node, self.text)
                c.cmark_node_set_literal(node, literal)
                continue
            paragraph, words = c.cmark_node_new(self.paragraph), c.cmark_node_new(self.text)
            c.cmark_node_set_literal(words, literal.rstrip(b"\n"))
            c.cmark_node_append_child(paragraph, words)
            c.cmark_node_insert_before(node, paragraph)
            c.cmark_node_unlink(node)
            c.cmark_node_free(node)


@lru_cache(maxsize=1)
def _cmark() -> _Cmark:
    return _Cmark()


def _render_markdown(text: str) -> str:
    """cmark-gfm's HTML for Markdown, raw HTML shown as text."""
    html = _cmark().html(text)
    if "<del>" in html:  # struck-through text, as `<s>` marks it (what is no longer accurate)
        html = html.replace("<del>", "<s>").replace("</del>", "</s>")
    return html


def _check_rendered(html: str) -> None:
    """Raise OverLimit for rendered Markdown past the bounds on link addresses, table cells and nesting,
    before the sanitizer reads it."""
    if len(html) > MAX_URL_CHARS:
        # any long attribute value, then whether it is an address: a search for a literal `="` is ten times
        # faster than one for either name
        for long_value in _LONG_ATTRIBUTE_VALUE.finditer(html):
            if html.endswith(_URL_ATTRIBUTES, 0, long_value.start()):
                length = len(unescape(long_value.group(1)))
                raise OverLimit(f"a link's address is {length:,} characters long, more than the limit of "
                                f"{MAX_URL_CHARS:,}")
    if html.count("<t") > MAX_TABLE_CELLS:  # each cell starts so
        cells = len(_CELL.findall(html))
        if cells > MAX_TABLE_CELLS:
            raise OverLimit(f"the body's tables have at least {cells:,} cells, more than the limit of "
                            f"{MAX_TABLE_CELLS:,}")
    if html.count("<") <= MAX_DEPTH:
        return  # too few tags to nest that deep
    depth = 0
    for match in _ELEMENT_TAG.finditer(html):
        closing, tag, self_closing = match.groups()
        if closing:
            depth -= 1
        elif not self_closing and tag not in VOID:
            depth += 1
            if depth > MAX_DEPTH:
                raise TooDeep(f"the body nests elements more than {MAX_DEPTH} levels deep")


def markdown_to_html(text: str) -> str:
    """Render Markdown (CommonMark, tables, fenced code; raw HTML shown as text) and sanitize it.
    Raises OverLimit for Markdown beyond the bounds, before any costly work, and TooDeep for nesting deeper
    than MAX_DEPTH."""
    check_markdown(text)
    html = _render_markdown(text)
    _check_rendered(html)
    return sanitize(html, from_markdown=True)


def inline_text(text: str) -> str:
    """The plain text of one line of Markdown (a title written as a heading)."""
    return plain_text(_render_markdown("# " + text.replace("\n", " ")))


_WRITTEN_TAG = re.compile(r"<[^<>]*>")


def written_text(html: str) -> str:
    """`plain_text` of markup this package wrote (`sanitize`'s output, or a text article's paragraphs): every
    `<` and `>` of it is a tag's, so the tags are cut out rather than parsed."""
    # an HTML parser drops the newline that opens a <pre>
    return " ".join(unescape(_WRITTEN_TAG.sub("", html.replace("<pre>\n", "<pre>"))).split())


def word_count(html: str) -> int:
    """The number of words of `written_text(html)`, without joining them."""
    return len(unescape(_WRITTEN_TAG.sub("", html.replace("<pre>\n", "<pre>"))).split())


def plain_text(html: str) -> str:
    """The text of an HTML fragment, whitespace collapsed."""
    text = _text_cleaner().clean(html)
    return " ".join(unescape(text).split())
