"""Uploads to articles: parse and validate every format into an `Article` (pure: no I/O)."""

from __future__ import annotations

import json
import posixpath
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from html.parser import HTMLParser
from typing import Any

from pressroom import markup, yamlsafe
from pressroom.errors import Problem, Rejected, reject
from pressroom.site import Site
from pressroom.urls import is_valid_slug, slug_from_filename

FORMATS = (".md", ".txt", ".json", ".html")
FRONT_MATTER_FIELDS = (
    "title", "date", "updated", "author", "tags", "summary", "slug", "draft", "image", "canonical", "aliases",
)
MAX_TAGS = 10
MAX_ALIASES = 10
MAX_TITLE = 300
SUMMARY_CHARS = 300
WORDS_PER_MINUTE = 230

_MONTHS = ("january february march april may june july august september october november december").split()
_DATELINE = re.compile(
    r"^(?P<month>" + "|".join(m.capitalize() for m in _MONTHS) + r")\s+(?P<day>\d{1,2}),\s+(?P<year>\d{4})\s*:\s*"
)


@dataclass(frozen=True)
class Article:
    """One article, validated, with its body as sanitized HTML."""

    source_key: str
    slug: str
    title: str
    body_html: str
    summary: str
    date: datetime | None  # None: dated at first publication by the pipeline
    updated: datetime | None = None
    author: str = ""
    tags: tuple[str, ...] = ()
    draft: bool = False
    image: str = ""
    image_alt: str = ""
    canonical: str = ""
    aliases: tuple[str, ...] = ()
    dateline: str = ""
    word_count: int = 0
    format: str = "md"
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def reading_minutes(self) -> int:
        return max(1, round(self.word_count / WORDS_PER_MINUTE))

    @property
    def tag_slugs(self) -> tuple[str, ...]:
        return tuple(slugify(t) for t in self.tags)

    def dated(self, when: datetime) -> Article:
        return replace(self, date=when)


def slugify(text: str) -> str:
    """Lowercase ASCII words joined by hyphens; empty when nothing usable is left."""
    normal = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", normal).strip("-")[:120].strip("-")


def parse_article(key: str, data: bytes, site: Site, *, max_bytes: int | None = None) -> Article:
    """Parse one uploaded article; raise `Rejected` naming every problem found."""
    ext = posixpath.splitext(key)[1].lower()
    if ext not in FORMATS:
        raise reject(key, f"unsupported article format {ext or '(no extension)'}",
                     hint="upload .md, .txt, .json or .html files under articles/")
    if max_bytes is not None and len(data) > max_bytes:
        raise reject(key, f"the file is {len(data):,} bytes, more than the limit of {max_bytes:,} bytes",
                     hint="split the article or move large media to media/")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise reject(key, "the file is not valid UTF-8 text", line=line, hint="save it as UTF-8") from None
    if "\x00" in text:
        raise reject(key, "the file contains NUL characters", hint="upload a text file")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise reject(key, "the file is empty", hint="write a title and a body")
    parser = {".md": _parse_markdown, ".txt": _parse_text, ".json": _parse_json, ".html": _parse_html}[ext]
    return parser(key, text, site)


# --- formats -------------------------------------------------------------------------------------------


def _parse_markdown(key: str, text: str, site: Site) -> Article:
    meta: dict[str, Any] = {}
    body = text
    body_line = 1
    if text.startswith("---\n"):
        end = re.search(r"^(---|\.\.\.)[ \t]*$", text[4:], flags=re.MULTILINE)
        if end is None:
            raise reject(key, "front matter opened with --- is never closed", line=1,
                         hint="end the front matter with a line of ---")
        raw = text[4 : 4 + end.start()]
        body = text[4 + end.end() :].lstrip("\n")
        body_line = text[: 4 + end.end()].count("\n") + 2
        meta = _load_front_matter(key, raw)
    return _build(key, meta, markup.markdown_to_html(body), site, fmt="md", body_line=body_line)


def _parse_json(key: str, text: str, site: Site) -> Article:
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as exc:
        raise reject(key, f"invalid JSON: {exc.msg}", line=exc.lineno, hint="check the JSON syntax") from None
    if not isinstance(meta, dict):
        raise reject(key, "a JSON article must be an object with the front-matter fields and body")
    body = meta.pop("body", None)
    if not isinstance(body, str):
        raise reject(key, "missing or non-text body", field="body", hint="put the article's Markdown in body")
    return _build(key, meta, markup.markdown_to_html(body), site, fmt="json")


def _parse_text(key: str, text: str, site: Site) -> Article:
    lines = text.split("\n")
    index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if index is None:
        raise reject(key, "the file is empty", hint="write a title and a body")
    title = lines[index].strip()
    paragraphs = [p.strip() for p in re.split(r"\n[ \t]*\n", "\n".join(lines[index + 1 :])) if p.strip()]
    meta: dict[str, Any] = {"title": title}
    dateline = ""
    if paragraphs:
        match = _DATELINE.match(paragraphs[0])
        if match:
            month = _MONTHS.index(match.group("month").lower()) + 1
            try:
                meta["date"] = date(int(match.group("year")), month, int(match.group("day")))
            except ValueError:
                raise reject(key, f"the dateline {match.group(0).strip()!r} is not a real date",
                             line=index + 2, hint="fix the dateline") from None
            dateline = match.group(0).rstrip().rstrip(":").strip()
            paragraphs[0] = paragraphs[0][match.end() :]
    from html import escape

    html_parts = []
    for i, para in enumerate(paragraphs):
        inner = "<br>\n".join(escape(line.strip(), quote=False) for line in para.split("\n"))
        if i == 0 and dateline:
            inner = f'<span class="dateline">{escape(dateline, quote=False)}:</span> {inner}'
        html_parts.append(f"<p>{inner}</p>")
    article = _build(key, meta, "\n".join(html_parts), site, fmt="txt")
    return replace(article, dateline=dateline)


class _HtmlHead(HTMLParser):
    """Finds the title (`<title>` or first `<h1>`) and the first `<time datetime>` of a fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.h1 = ""
        self.datetime = ""
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("title", "h1") and self._in is None:
            self._in = tag
        if tag == "time" and not self.datetime:
            self.datetime = dict(attrs).get("datetime") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
        elif self._in == "h1":
            self.h1 += data


def _parse_html(key: str, text: str, site: Site) -> Article:
    head = _HtmlHead()
    head.feed(text)
    head.close()
    title = " ".join((head.title or head.h1).split())
    meta: dict[str, Any] = {"title": title}
    if head.datetime:
        meta["date"] = head.datetime
    body = re.sub(r"<title\b[^>]*>.*?</title\s*>", "", text, count=1, flags=re.IGNORECASE | re.DOTALL)
    if not head.title:
        body = re.sub(r"<h1\b[^>]*>.*?</h1\s*>", "", body, count=1, flags=re.IGNORECASE | re.DOTALL)
    # Drop script and style blocks whole (nh3 would keep their text as visible text otherwise).
    body = re.sub(r"<(script|style)\b[^>]*>.*?</\1\s*>", "", body, flags=re.IGNORECASE | re.DOTALL)
    body = re.sub(r"<(/?)h([1-5])\b", lambda m: f"<{m.group(1)}h{int(m.group(2)) + 1}", body,
                  flags=re.IGNORECASE)
    return _build(key, meta, markup.sanitize(body), site, fmt="html")


# --- fields -------------------------------------------------------------------------------------------


def _load_front_matter(key: str, raw: str) -> dict[str, Any]:
    try:
        meta = yamlsafe.load(raw)
    except yamlsafe.YamlError as exc:
        line = exc.line + 1 if exc.line else None  # the front matter starts on line 2
        raise reject(key, str(exc), line=line, hint="fix the front matter") from None
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise reject(key, "front matter must be a mapping of fields", line=2)
    return meta


def _text(value: Any, name: str, problems: list[Problem], *, limit: int = 2000) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        problems.append(Problem("must be text", field=name))
        return ""
    text = " ".join(str(value).split())
    if len(text) > limit:
        problems.append(Problem(f"is longer than {limit} characters", field=name))
    return text


def _url(value: Any, name: str, problems: list[Problem]) -> str:
    text = _text(value, name, problems)
    if text and not markup.is_safe_url(text):
        problems.append(Problem("must be an http, https, mailto or relative URL", field=name,
                                hint="remove the unsafe scheme"))
        return ""
    return text


def parse_when(value: Any, site: Site) -> datetime:
    """An aware datetime from a date field; dates without time or offset are days in the site's timezone."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=site.tz)
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0), tzinfo=site.tz)
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return datetime.combine(date.fromisoformat(text), time(0, 0), tzinfo=site.tz)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=site.tz)
    raise ValueError("not a date")


def _when(value: Any, name: str, site: Site, problems: list[Problem]) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        when = parse_when(value, site)
    except (ValueError, TypeError, OverflowError):
        problems.append(Problem(f"{value!r} is not an ISO 8601 date", field=name,
                                hint="write it like 2024-05-01 or 2024-05-01T09:30:00+02:00"))
        return None
    if not 1900 <= when.year <= 9999:
        problems.append(Problem("is out of range", field=name))
        return None
    return when


def _list(value: Any, name: str, problems: list[Problem], limit: int) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [v for v in value.split(",")]
    if not isinstance(value, list):
        problems.append(Problem("must be a list", field=name))
        return []
    items = []
    for item in value:
        text = _text(item, name, problems, limit=100)
        if text:
            items.append(text)
    if len(items) > limit:
        problems.append(Problem(f"has more than {limit} entries", field=name))
    return items


def _build(key: str, meta: dict[str, Any], body_html: str, site: Site, *, fmt: str, body_line: int = 1) -> Article:
    problems: list[Problem] = []
    unknown = sorted(str(k) for k in meta if k not in FRONT_MATTER_FIELDS)
    if unknown:
        problems.append(Problem(f"unknown fields: {', '.join(unknown)}", field=unknown[0],
                                hint=f"known fields are {', '.join(FRONT_MATTER_FIELDS)}"))
    title = _text(meta.get("title"), "title", problems, limit=MAX_TITLE)
    if not title and not any(p.field == "title" for p in problems):
        problems.append(Problem("the article has no title", field="title", hint="add a title"))
    raw_slug = meta.get("slug")
    if raw_slug is not None and not isinstance(raw_slug, str):
        problems.append(Problem("must be text", field="slug"))
        raw_slug = None
    slug = ""
    if raw_slug is not None:
        if "/" in raw_slug or "\\" in raw_slug or ".." in raw_slug:
            problems.append(Problem(f"{raw_slug!r} is not one path segment", field="slug",
                                    hint="use letters, digits and hyphens only"))
        else:
            slug = slugify(raw_slug)
            if not slug:
                problems.append(Problem(f"{raw_slug!r} leaves nothing usable", field="slug",
                                        hint="use letters, digits and hyphens"))
    else:
        slug = slugify(slug_from_filename(key))
        if not slug:
            problems.append(Problem("the file name gives no usable slug", field="slug",
                                    hint="rename the file or set slug in the front matter"))
    if slug and not is_valid_slug(slug):
        problems.append(Problem(f"{slug!r} is not a valid slug", field="slug"))
    when = _when(meta.get("date"), "date", site, problems)
    updated = _when(meta.get("updated"), "updated", site, problems)
    draft = meta.get("draft", False)
    if not isinstance(draft, bool):
        problems.append(Problem("must be true or false", field="draft"))
        draft = False
    tags = _list(meta.get("tags"), "tags", problems, MAX_TAGS)
    for tag in tags:
        if not slugify(tag):
            problems.append(Problem(f"tag {tag!r} has no letters or digits", field="tags"))
    aliases = _list(meta.get("aliases"), "aliases", problems, MAX_ALIASES)
    for alias in aliases:
        if not alias.startswith("/") or ".." in alias or "//" in alias or not markup.is_safe_url(alias):
            problems.append(Problem(f"alias {alias!r} must be a root-relative path like /old/url/",
                                    field="aliases"))
    plain = markup.plain_text(body_html)
    if not plain and not body_html.strip():
        problems.append(Problem("the article has no body", line=body_line, hint="write the article's text"))
    summary = _text(meta.get("summary"), "summary", problems) or _first_paragraph(body_html)
    author = _text(meta.get("author"), "author", problems, limit=200) or site.author
    image = _url(meta.get("image"), "image", problems)
    canonical = _url(meta.get("canonical"), "canonical", problems)
    if problems:
        raise Rejected(key, problems)
    return Article(
        source_key=key,
        slug=slug,
        title=title,
        body_html=body_html,
        summary=summary,
        date=when,
        updated=updated,
        author=author,
        tags=tuple(dict.fromkeys(tags)),
        draft=draft,
        image=image,
        canonical=canonical,
        aliases=tuple(aliases),
        word_count=len(plain.split()),
        format=fmt,
    )


def _first_paragraph(body_html: str) -> str:
    match = re.search(r"<p>(.*?)</p>", body_html, flags=re.DOTALL)
    text = markup.plain_text(match.group(1) if match else body_html)
    if len(text) <= SUMMARY_CHARS:
        return text
    cut = text[:SUMMARY_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"
