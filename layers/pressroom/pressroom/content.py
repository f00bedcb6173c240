"""Uploads to articles: parse and validate every format into an `Article` (pure: no I/O)."""

from __future__ import annotations

import codecs
import json
import posixpath
import re
import unicodedata
import zoneinfo
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from functools import lru_cache
from html import escape
from html.parser import HTMLParser
from typing import Any

from pressroom import i18n, markup, urls, yamlsafe
from pressroom.errors import Problem, Rejected, reject
from pressroom.site import Site
from pressroom.text import clean_text
from pressroom.urls import is_valid_slug, slug_from_filename, slugify, tag_slug

FORMATS = (".md", ".txt", ".json", ".html")
FRONT_MATTER_FIELDS = (
    "title", "date", "updated", "author", "tags", "summary", "slug", "draft", "image", "canonical", "aliases", "id",
)
MAX_TAGS = 10
MAX_ALIASES = 10
MAX_TITLE = 300
MAX_AUTHOR = 200
MAX_SUMMARY = 1000
MAX_TAG = 100
MAX_URL = 2000
MAX_STORY_ID = 200
MAX_FIELDS = 100  # unknown fields are reported one by one; a file with more is not front matter
SUMMARY_CHARS = 300
WORDS_PER_MINUTE = 230
FIRST_YEAR, LAST_YEAR = 1000, 2999
DATE_HINT = "write it like 2024-05-01 or 2024-05-01T09:30:00+02:00"

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_ENGLISH_MONTH_WORDS = r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|" \
                       r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
_DAY = r"(?P<{name}>[0-3]?\d)(?i:st|nd|rd|th)?"


@lru_cache(maxsize=16)
def _dateline(language: str) -> tuple[re.Pattern[str], dict[str, int]]:
    """A newsroom dateline opening the first paragraph: "September 20, 2023:", "LISBON, Sept. 20, 2023 —",
    "20 September 2023:", and in the site's language "20 sentyabr 2023:", "БАКУ, 20 сентября 2023 —". The
    separator (a colon or a dash) is what tells a dateline from a sentence. Returns the pattern and the
    language's month names (English ones are known by their first three letters)."""
    names = {} if i18n.base_language(language) == "en" else i18n.month_names(language)
    words = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    month_word = r"(?P<{name}>(?i:" + (words + "|" if words else "") + _ENGLISH_MONTH_WORDS + r"))\.?"
    pattern = re.compile(
        r"(?P<place>[^\W\d_]+(?:[ .'’-]+[^\W\d_]+){0,4},\s+)?"
        r"(?P<when>" + month_word.format(name="month") + r"\s+" + _DAY.format(name="day") + r",?\s+(?P<year>\d{4})"
        r"|" + _DAY.format(name="day2") + r"\s+" + month_word.format(name="month2") + r",?\s+(?P<year2>\d{4}))"
        r"(?P<sep>\s*(?::|—|–|--|-(?=\s))\s*)"
    )
    return pattern, names
_ALIAS = re.compile(r"/[A-Za-z0-9._~!$&()*+,;=:@%/-]*")


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
    story_id: str = ""  # `id:`: the same story under another file name takes over the URLs of the one that went
    dateline: str = ""
    word_count: int = 0
    format: str = "md"
    timezone: str = "UTC"  # the site's, when the article was parsed: where an undated article is dated
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    tag_slugs: tuple[str, ...] = ()  # one per tag, by the site's slug rules (ASCII ones when not given)

    def __post_init__(self) -> None:
        if len(self.tag_slugs) != len(self.tags):
            object.__setattr__(self, "tag_slugs", tuple(tag_slug(t) for t in self.tags))

    @property
    def reading_minutes(self) -> int:
        return max(1, round(self.word_count / WORDS_PER_MINUTE))

    def dated(self, when: datetime) -> Article:
        """The article with its publication date; an undated one is dated on the site's calendar."""
        if self.date is None and when.tzinfo is not None:
            when = when.astimezone(zoneinfo.ZoneInfo(self.timezone))
        return self if when is self.date else replace(self, date=when)  # frozen: itself when its date stays


def parse_article(key: str, data: bytes, site: Site, *, max_bytes: int | None = None) -> Article:
    """Parse one uploaded article; raise `Rejected` naming every problem found."""
    ext = posixpath.splitext(key)[1].lower()
    if ext not in FORMATS:
        raise reject(key, f"unsupported article format {ext or '(no extension)'}",
                     hint="upload .md, .txt, .json or .html files under articles/")
    if max_bytes is not None and len(data) > max_bytes:
        raise reject(key, f"the file is {len(data):,} bytes, more than the limit of {max_bytes:,} bytes",
                     hint="split the article or move large media to media/")
    text = decode(key, data)
    if not text.strip():
        raise reject(key, "the file is empty", line=1, hint="write a title and a body")
    parser = {".md": _parse_markdown, ".txt": _parse_text, ".json": _parse_json, ".html": _parse_html}[ext]
    try:
        return parser(key, text, site)
    except markup.TooDeep as exc:
        raise reject(key, str(exc), hint=f"no article needs more than {markup.MAX_DEPTH} levels: flatten the "
                                         "nesting (lists in lists, quotes in quotes, tags in tags)") from None
    except markup.OverLimit as exc:
        raise reject(key, str(exc), hint="no article comes near this bound: split the file into several "
                                         "articles, or check that it is the file you meant to upload") from None


def decode(key: str, data: bytes) -> str:
    """UTF-8 text (a byte-order mark tolerated), newlines normalised, stray control characters removed."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise reject(key, "the file is UTF-16 text, not UTF-8", line=1,
                     hint="save it as UTF-8 (in most editors: Save As, encoding UTF-8)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise reject(key, f"the file is not valid UTF-8 text (byte {exc.start + 1})", line=line,
                     hint="save it as UTF-8") from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise reject(key, "the file contains NUL characters, so it is not a text file", line=line,
                     hint="upload the article as UTF-8 text")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x0b" in text or "\x0c" in text:
        text = text.replace("\x0b", "\n").replace("\x0c", "\n")
    return clean_text(text)


# --- formats -------------------------------------------------------------------------------------------


def _parse_markdown(key: str, text: str, site: Site) -> Article:
    meta: dict[str, Any] = {}
    lines: dict[str, int] = {}
    body_start = 0
    if re.match(r"---[ \t]*\n", text):
        opening = text.index("\n") + 1
        end = re.compile(r"^(---|\.\.\.)[ \t]*$", flags=re.MULTILINE).search(text, opening)
        if end is None:
            raise reject(key, "front matter opened with --- is never closed", line=1,
                         hint="end the front matter with a line of ---")
        meta, lines = _load_front_matter(key, text[opening : end.start()])
        body_start = min(end.end() + 1, len(text))
    body = text[body_start:]
    if body.strip():
        body = body.lstrip("\n")
        body_start = len(text) - len(body)
    body_line = text.count("\n", 0, body_start) + 1  # where the body starts, or would
    if "title" not in meta:
        # A Markdown file may carry its title as its first line: "# Title".
        heading = re.match(r"[ \t]{0,3}#[ \t]+(?P<title>[^\n]*?)(?:[ \t]+#+)?[ \t]*(?:\n|$)", body)
        if heading:
            meta["title"] = markup.inline_text(heading.group("title"))
            lines["title"] = body_line
            body = body[heading.end() :]
    return _build(key, meta, markup.markdown_to_html(body), site, fmt="md", lines=lines, body_line=body_line)


def _parse_json(key: str, text: str, site: Site) -> Article:
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name, value in items:
            if name in found:
                duplicates.append(name)
            found[name] = value
        return found

    try:
        meta = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise reject(key, f"invalid JSON: {exc.msg}", line=exc.lineno, hint="check the JSON syntax") from None
    except RecursionError:
        raise reject(key, "the JSON is nested too deeply", hint="send one object of fields and a body") from None
    except ValueError as exc:  # e.g. a number too long to read
        raise reject(key, f"invalid JSON: {exc}", hint="check the JSON values") from None
    if not isinstance(meta, dict):
        raise reject(key, "a JSON article must be one object with the front-matter fields and body", line=1,
                     hint='send {"title": "...", "body": "..."}')
    meta = {clean_text(k): _clean_value(v) for k, v in meta.items()}
    first, last = _json_lines(text)
    lines = {name: first[name] for name in meta if name in first}
    if duplicates:
        name = duplicates[0]
        raise reject(key, f"{name!r} is given twice", field=name, line=last.get(name), hint="keep one of them")
    body = meta.pop("body", None)
    if not isinstance(body, str):
        raise reject(key, "the body is missing or is not text", field="body", line=lines.get("body"),
                     hint="put the article's Markdown in body")
    return _build(key, meta, markup.markdown_to_html(body), site, fmt="json", lines=lines,
                  body_line=lines.get("body", 1))


def _clean_value(value: Any, depth: int = 0) -> Any:
    if depth > markup.MAX_DEPTH:
        raise markup.TooDeep(f"a JSON field nests values more than {markup.MAX_DEPTH} levels deep")
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_clean_value(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {clean_text(str(k)): _clean_value(v, depth + 1) for k, v in value.items()}
    return value


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', flags=re.DOTALL)  # unrolled: no state kept per character
_JSON_COLON = re.compile(r"\s*:")


def _json_lines(text: str) -> tuple[dict[str, int], dict[str, int]]:
    """The line each key is first and last written on. One pass over valid JSON: its strings, read from the
    left, are exactly the string tokens, and a key is a string followed by a colon (keys of nested objects
    are included: a field's line is only a pointer for the author)."""
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    line, scanned = 1, 0
    for match in _JSON_STRING.finditer(text):
        if not _JSON_COLON.match(text, match.end()):
            continue
        line += text.count("\n", scanned, match.start())
        scanned = match.start()
        name = clean_text(json.loads(match.group()))
        first.setdefault(name, line)
        last[name] = line
    return first, last


def _parse_text(key: str, text: str, site: Site) -> Article:
    markup.check_lines(text, what="the file")
    lines = text.split("\n")
    index = next((i for i, line in enumerate(lines) if line.strip()), 0)
    title = lines[index].strip()
    rest = "\n".join(lines[index + 1 :])
    first_body_line = index + 2 + (len(rest) - len(rest.lstrip("\n"))) if rest.strip() else index + 2
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n[ \t]*\n", rest) if p.strip()]
    meta: dict[str, Any] = {"title": title}
    fields_at = {"title": index + 1}
    dateline = ""
    opening = ""
    if paragraphs:
        pattern, month_names = _dateline(site.language)
        match = pattern.match(paragraphs[0])
        if match:
            month_word = (match.group("month") or match.group("month2")).lower()
            month = month_names.get(month_word) or next(
                i for i, m in enumerate(_MONTHS, 1) if m.startswith(month_word[:3]))
            day = int(match.group("day") or match.group("day2"))
            year = int(match.group("year") or match.group("year2"))
            try:
                meta["date"] = date(year, month, day)
            except ValueError:
                raise reject(key, f"the dateline {match.group('when')!r} is not a real date", field="date",
                             line=first_body_line, hint="fix the day or the month in the dateline") from None
            fields_at["date"] = first_body_line
            dateline = (match.group("place") or "") + match.group("when")
            opening = (
                f'<span class="dateline">{escape(match.group("place") or "", quote=False)}'
                f'<time datetime="{meta["date"].isoformat()}">{escape(match.group("when"), quote=False)}</time>'
                f'{escape(match.group("sep").rstrip(), quote=False)}</span> '
            )
            paragraphs[0] = paragraphs[0][match.end() :]
    html_parts = [f"<p>{opening if i == 0 else ''}{escape(p, quote=False)}</p>" for i, p in enumerate(paragraphs)]
    summary = paragraphs[0] if paragraphs and paragraphs[0] else (paragraphs[1] if len(paragraphs) > 1 else "")
    article = _build(key, meta, "\n".join(html_parts), site, fmt="txt", lines=fields_at,
                     body_line=first_body_line, summary_text=summary)
    return replace(article, dateline=dateline)


class _HtmlHead(HTMLParser):
    """Finds the title (`<title>` or first `<h1>`), the first `<time datetime>` and `<meta>` fields of a
    fragment, with where each sits in the text so the ones that are metadata can be cut from the body."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.text = text
        self.found: dict[str, dict[str, Any]] = {}
        self.meta: dict[str, tuple[str, int]] = {}
        self._open: list[str] = []
        self._capture: tuple[str, int] | None = None  # (tag, offset of its start tag)
        self._chunks: list[str] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "meta" and values.get("name", "").lower() in ("author", "description", "keywords"):
            self.meta.setdefault(values["name"].lower(), (values.get("content", ""), self.getpos()[0]))
        if tag in ("title", "h1", "time") and tag not in self.found and self._capture is None:
            self._capture = (tag, self._offset())
            self._chunks = []
            if tag == "time":
                self.found["time"] = {"value": values.get("datetime", ""), "line": self.getpos()[0],
                                      "top": not self._open}
        if tag not in markup.VOID and tag not in ("meta", "link", "base", "input", "col", "wbr", "source"):
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._capture and self._capture[0] == tag:
            name, start = self._capture
            end = self.text.find(">", self._offset())
            entry = self.found.setdefault(name, {"line": self.text.count("\n", 0, start) + 1})
            entry.update(text=" ".join("".join(self._chunks).split()), span=(start, end + 1 if end >= 0 else start))
            self._capture = None
        if tag in self._open:
            del self._open[len(self._open) - 1 - self._open[::-1].index(tag):]

    def handle_data(self, data: str) -> None:
        if self._capture:
            self._chunks.append(data)


def _parse_html(key: str, text: str, site: Site) -> Article:
    markup.check_html(text)
    head = _HtmlHead(text)
    head.feed(text)
    head.close()
    title_el, h1_el, time_el = head.found.get("title"), head.found.get("h1"), head.found.get("time")
    meta: dict[str, Any] = {}
    lines: dict[str, int] = {}
    cut: list[tuple[int, int]] = []
    title_from = title_el if title_el and title_el.get("text") else h1_el
    if title_from and title_from.get("text"):
        meta["title"] = title_from["text"]
        lines["title"] = title_from["line"]
    if title_el and "span" in title_el:
        cut.append(title_el["span"])
    if h1_el and "span" in h1_el and (title_from is h1_el or h1_el.get("text", "").casefold()
                                      == meta.get("title", "").casefold()):
        cut.append(h1_el["span"])
    if time_el and time_el["value"]:
        meta["date"] = time_el["value"]
        lines["date"] = time_el["line"]
        if time_el["top"] and "span" in time_el:
            cut.append(time_el["span"])  # a date on its own line is metadata, not body text
    for name, field_name in (("author", "author"), ("description", "summary"), ("keywords", "tags")):
        if name in head.meta:
            meta[field_name], lines[field_name] = head.meta[name]
    body = text
    for start, end in sorted(cut, reverse=True):
        body = body[:start] + body[end:]
    return _build(key, meta, markup.sanitize(body), site, fmt="html", lines=lines)


# --- fields -------------------------------------------------------------------------------------------


def _load_front_matter(key: str, raw: str) -> tuple[dict[str, Any], dict[str, int]]:
    try:
        document = yamlsafe.load_document(raw)
    except yamlsafe.YamlError as exc:
        line = exc.line + 1 if exc.line else None  # the front matter starts on line 2
        raise reject(key, str(exc), field=exc.key, line=line, hint="fix the front matter") from None
    if document.value is None:
        return {}, {}
    if not isinstance(document.value, dict):
        raise reject(key, "front matter must be a mapping of fields", line=2,
                     hint="write one field a line, like title: My story")
    meta = {str(k): v for k, v in document.value.items()}
    return meta, {name: line + 1 for name, line in document.lines.items()}


_MISSING: Any = object()


class _Fields:
    """Reads front-matter values one field at a time, collecting every problem with its field and line."""

    def __init__(self, meta: dict[str, Any], lines: dict[str, int]) -> None:
        self.meta = meta
        self.lines = lines
        self.problems: list[Problem] = []

    def problem(self, name: str, message: str, hint: str) -> None:
        self.problems.append(Problem(message, field=name, line=self.lines.get(name), hint=hint))

    def text(self, name: str, *, limit: int, value: Any = _MISSING, label: str = "") -> str:
        value = self.meta.get(name) if value is _MISSING else value
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.problem(name, f"{label or name} must be text, not {_kind(value)}", "write it as plain text")
            return ""
        text = " ".join(str(value).split())
        if len(text) > limit:
            self.problem(name, f"{label or name} is {len(text)} characters, more than {limit}",
                         "shorten it")
            return ""
        return text

    def when(self, name: str, site: Site) -> datetime | None:
        value = self.meta.get(name)
        if value is None or value == "":
            return None
        try:
            when = parse_when(value, site)
        except (ValueError, TypeError, OverflowError, AttributeError):
            shown = repr(value) if isinstance(value, (str, int, float)) else _kind(value)
            impossible = isinstance(value, str) and re.match(r"\s*\d{4}-\d{2}-\d{2}", value)
            self.problem(name, f"{shown} is not {'a valid date' if impossible else 'an ISO 8601 date'}",
                         DATE_HINT)
            return None
        if not FIRST_YEAR <= when.year <= LAST_YEAR:
            self.problem(name, f"the year {when.year} is out of range",
                         f"use a year from {FIRST_YEAR} to {LAST_YEAR}")
            return None
        return when

    def items(self, name: str, limit: int) -> list[str]:
        value = self.meta.get(name)
        if value is None:
            return []
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, list):
            self.problem(name, f"{name} must be a list, not {_kind(value)}", f"write it like {name}: [one, two]")
            return []
        items = [text for item in value if (text := self.text(name, limit=MAX_TAG if name == "tags" else MAX_URL,
                                                              value=item, label=f"each of {name}"))]
        if len(items) > limit:
            self.problem(name, f"{name} has {len(items)} entries, more than {limit}", "keep the most important")
            return []
        return items

    def url(self, name: str, value: Any = _MISSING, *, absolute_only: bool = False) -> str:
        text = self.text(name, limit=MAX_URL, value=value)
        if not text:
            return ""
        if any(ch in text for ch in ' "<>\\`') or not markup.is_safe_url(text) or text.lower().startswith("mailto:"):
            self.problem(name, f"{text!r} is not a usable URL",
                         "use an https:// address or a path on this site like /media/photo.jpg")
            return ""
        if text.startswith("//"):
            return "https:" + text
        if re.match(r"(?i)https?:", text):
            if not re.match(r"(?i)https?://[^/?#]+", text):
                self.problem(name, f"{text!r} has no host name", "write the whole address, like https://example.org/")
                return ""
            return text
        if absolute_only and not text.startswith("/"):
            self.problem(name, f"{text!r} is not an absolute URL", "use an https:// address or a path starting with /")
            return ""
        return text if text.startswith("/") else "/" + text


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", bool: "true/false"}.get(type(value), type(value).__name__)


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
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?", text,
                            flags=re.IGNORECASE):
            raise ValueError("not an ISO 8601 date")
        parsed = datetime.fromisoformat(re.sub(r"\s*[zZ]$", "+00:00", text).replace(" ", "T", 1).replace(" ", ""))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=site.tz)
    raise ValueError("not a date")


def _build(key: str, meta: dict[str, Any], body_html: str, site: Site, *, fmt: str,
           lines: dict[str, int] | None = None, body_line: int = 1, summary_text: str | None = None) -> Article:
    if len(meta) > MAX_FIELDS:
        raise reject(key, f"the article has {len(meta):,} fields, more than the limit of {MAX_FIELDS}",
                     hint=f"the known fields are {', '.join(FRONT_MATTER_FIELDS)}")
    read = _Fields(meta, lines or {})
    for name in sorted(str(k) for k in meta if k not in FRONT_MATTER_FIELDS):
        import difflib  # only when a name is unknown

        close = difflib.get_close_matches(name.lower(), FRONT_MATTER_FIELDS, n=1)
        read.problem(name, f"unknown field {name!r}",
                     f"did you mean {close[0]!r}?" if close else f"known fields are {', '.join(FRONT_MATTER_FIELDS)}")
    title = read.text("title", limit=MAX_TITLE)
    if not title and not any(p.field == "title" for p in read.problems):
        where = {"md": "add title: to the front matter", "json": 'add a "title" field',
                 "txt": "put the title on the first line", "html": "add a <title> or an <h1>"}[fmt]
        read.problem("title", "the article has no title", where)
    slug = _slug(key, read, site.slugs)
    when = read.when("date", site)
    updated = read.when("updated", site)
    if when and updated and updated < when:
        read.problem("updated", "updated is earlier than date", "an update comes after the first publication")
    draft = meta.get("draft", False)
    if not isinstance(draft, bool):
        read.problem("draft", f"draft must be true or false, not {draft!r}", "write draft: true or draft: false")
        draft = False
    tags = _tags(read, site.slugs)
    aliases = read.items("aliases", MAX_ALIASES)
    for alias in aliases:
        if not _is_alias_path(alias) or "/../" in alias + "/" or "/./" in alias + "/" or alias.startswith("//"):
            read.problem("aliases", f"alias {alias!r} must be a path on this site like /old/story.html",
                         "start it with / and leave out the domain, .., ? and #")
        elif urls.is_reserved_key(urls.url_to_key(alias)):
            read.problem("aliases", f"alias {alias!r} is a URL the site itself serves, so it cannot redirect",
                         "an alias names an old address of this article, such as /2019/05/story.html")
        elif not _plain_key(urls.url_to_key(alias)):
            read.problem("aliases", f"alias {alias!r} names an empty, '.' or '..' part or a hidden name (one "
                         "starting with '.') once its percent-escapes are decoded",
                         "a folder of files would read it as another address: write the old address as it was "
                         "served, such as /2019/05/story.html")
    words = markup.word_count(body_html)
    if not words and "<img" not in body_html:
        read.problems.append(Problem("the article has no body", line=body_line, hint="write the article's text"))
    summary = read.text("summary", limit=MAX_SUMMARY)
    if not summary:
        summary = _shorten(summary_text if summary_text is not None else _first_paragraph(body_html))
    author = read.text("author", limit=MAX_AUTHOR) or site.author
    image, image_alt = _image(read)
    canonical = read.url("canonical", absolute_only=True)
    story_id = read.text("id", limit=MAX_STORY_ID)
    if read.problems:
        raise Rejected(key, read.problems)
    return Article(
        source_key=key,
        slug=slug,
        title=title,
        body_html=body_html,
        summary=summary,
        date=when,
        updated=updated,
        author=author,
        tags=tuple(tags),
        tag_slugs=tuple(tag_slug(t, site.slugs) for t in tags),
        draft=draft,
        image=image,
        image_alt=image_alt,
        canonical=canonical,
        aliases=tuple(dict.fromkeys(aliases)),
        story_id=story_id,
        word_count=words,
        format=fmt,
        timezone=site.timezone,
    )


def _slug(key: str, read: _Fields, mode: str) -> str:
    raw = read.meta.get("slug")
    if raw is None or raw == "":
        slug = slugify(slug_from_filename(key), mode)
        if not slug:
            read.problems.append(Problem("the file name gives no usable slug", field="slug",
                                         hint="rename the file with letters or digits, or set slug"))
        return slug
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        read.problem("slug", f"slug must be text, not {_kind(raw)}", "use letters, digits and hyphens")
        return ""
    raw = str(raw).strip()
    if "/" in raw or "\\" in raw or ".." in raw:
        read.problem("slug", f"{raw!r} is not one path segment", "use letters, digits and hyphens only")
        return ""
    slug = slugify(raw, mode)
    if not slug or not is_valid_slug(slug):
        read.problem("slug", f"{raw!r} leaves no letters or digits for the URL", "use letters, digits and hyphens")
        return ""
    return slug


def _plain_key(key: str) -> bool:
    """A key of named parts only: none empty, '.' or '..' (a file system reads `a//b` and `x/../a` as the file
    `a/b` or `a`, which may be another post's page) and none hidden (a folder of files keeps those to itself)."""
    return all(part and not part.startswith(".") for part in key.split("/"))


def _is_alias_path(alias: str) -> bool:
    """A root-relative path: URL path characters, percent-escapes, and letters and digits of any script
    (they name a UTF-8 key, and are percent-encoded wherever the URL is written)."""
    ascii_form = "".join(ch if ch.isascii() else "a" if ch.isalnum() or unicodedata.category(ch)[0] == "M" else " "
                         for ch in unicodedata.normalize("NFC", alias))
    return bool(_ALIAS.fullmatch(ascii_form))


def _tags(read: _Fields, mode: str) -> list[str]:
    """Tags in the order given, one per tag page: spellings that share a URL count once."""
    kept: dict[str, str] = {}
    for tag in read.items("tags", MAX_TAGS):
        slug = tag_slug(tag, mode)
        if not slug:
            read.problem("tags", f"tag {tag!r} has no letters or digits", "use letters or digits")
        kept.setdefault(slug, tag)
    return list(kept.values())


def _image(read: _Fields) -> tuple[str, str]:
    """The lead image: a URL, or a mapping with `src` and `alt`."""
    value = read.meta.get("image")
    if isinstance(value, dict):
        unknown = sorted(str(k) for k in value if k not in ("src", "alt"))
        if unknown:
            read.problem("image", f"image has unknown keys {', '.join(unknown)}", "give src and alt only")
            return "", ""
        src = read.url("image", value.get("src"))
        if not src:
            if "src" not in value:
                read.problem("image", "image has no src", "write image: {src: /media/photo.jpg, alt: ...}")
            return "", ""
        return src, read.text("image", limit=MAX_TAG * 5, value=value.get("alt") or "", label="the image's alt")
    return read.url("image", value), ""


def _first_paragraph(body_html: str) -> str:
    for match in re.finditer(r"<p>(.*?)</p>", body_html, flags=re.DOTALL):
        text = markup.written_text(match.group(1))
        if text:
            return text
    return markup.written_text(body_html)


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= SUMMARY_CHARS:
        return text
    cut = text[:SUMMARY_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"

