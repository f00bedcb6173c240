"""Scans every kind of output for what could run script: a `<script>` the theme did not put there, an event
handler attribute, a dangerous URL scheme, or markup that escaped its context."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from html.parser import HTMLParser
from typing import Any

from pressroom import render, urls

URL_ATTRIBUTES = frozenset({
    "href", "src", "srcset", "action", "formaction", "background", "poster", "data", "cite", "longdesc", "lowsrc",
    "dynsrc", "xlink:href", "codebase", "archive", "manifest", "icon", "ping", "itemtype",
})
URL_META = frozenset({"og:url", "og:image", "twitter:image"})
FORBIDDEN_TAGS = frozenset({
    "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input", "button", "textarea", "select",
    "base", "style", "svg", "math", "template", "isindex", "marquee", "xml", "xss", "noscript", "video", "audio",
    "source", "details", "body-onload", "param", "bgsound", "layer", "ilayer",
})
# "icon" is written only for a root-relative site logo (an http(s) or other URL never gets a <link>)
THEME_LINK_RELS = frozenset({"canonical", "stylesheet", "alternate", "tag", "icon"})
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
JSON_FEED_URLS = frozenset({"home_page_url", "feed_url", "url", "external_url", "image", "banner_image", "icon",
                            "favicon", "avatar", "id", "next_url"})
# The elements each vocabulary the feeds and sitemaps use may hold (no namespace: RSS 2.0).
XML_ELEMENTS = {
    "http://www.w3.org/2005/Atom": {"feed", "title", "subtitle", "id", "link", "updated", "author", "name", "uri",
                                    "email", "entry", "published", "category", "summary", "content", "rights"},
    "http://www.sitemaps.org/schemas/sitemap/0.9": {"urlset", "url", "loc", "lastmod", "sitemapindex", "sitemap"},
    "http://purl.org/dc/elements/1.1/": {"creator"},
    "": {"rss", "channel", "title", "link", "description", "language", "lastBuildDate", "item", "guid", "pubDate",
         "category"},
}


def url_scheme(url: str) -> str | None:
    """The scheme a browser would read from a URL (entities already decoded), or None for a relative one."""
    cleaned = "".join(ch for ch in url if ch > " " and ch != "\x7f").lower()
    match = re.match(r"([a-z][a-z0-9+.\-]*):", cleaned)
    return match.group(1) if match else None


def dangerous_url(url: str) -> bool:
    scheme = url_scheme(url)
    return scheme is not None and scheme not in SAFE_SCHEMES


class _HtmlScan(HTMLParser):
    """One pass over a page, collecting findings."""

    def __init__(self, theme_scripts: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.theme_scripts = theme_scripts
        self.findings: list[str] = []
        self._script: dict[str, str] | None = None
        self._script_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            if name.startswith("on"):
                self.findings.append(f"event handler {name}={value!r} on <{tag}>")
            candidates = [part.split()[0] for part in value.split(",") if part.split()] if name == "srcset" else [value]
            if name in URL_ATTRIBUTES and any(dangerous_url(url) for url in candidates):
                self.findings.append(f"dangerous URL in <{tag} {name}={value!r}>")
            if name == "style":  # the site's Content-Security-Policy allows no inline style at all
                self.findings.append(f"style attribute {value!r} on <{tag}>")
            if name in ("srcdoc", "formaction", "xmlns", "is"):
                self.findings.append(f"attribute {name} on <{tag}>")
        if tag in FORBIDDEN_TAGS:
            self.findings.append(f"<{tag}> element")
        if tag == "meta":
            if "http-equiv" in values:
                self.findings.append(f"<meta http-equiv={values['http-equiv']!r}>")
            if (values.get("property") or values.get("name")) in URL_META and dangerous_url(values.get("content", "")):
                self.findings.append(f"dangerous URL in meta {values}")
            if set(values) - {"charset", "name", "property", "content"}:
                self.findings.append(f"unexpected meta attributes {values}")
        if tag == "link" and values.get("rel") not in THEME_LINK_RELS:
            self.findings.append(f"<link rel={values.get('rel')!r}>")
        if tag == "script":
            self._script, self._script_text = values, []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag != "script" or self._script is None:
            return
        attrs, text = self._script, "".join(self._script_text)
        self._script = None
        if attrs.get("src"):
            if attrs["src"] not in self.theme_scripts or text.strip() or set(attrs) - {"src", "defer"}:
                self.findings.append(f"script not from the theme: {attrs}")
        elif attrs.get("type") == "application/ld+json" and set(attrs) == {"type"}:
            self.findings += _scan_json_ld(text)
        else:
            self.findings.append(f"inline script {attrs} {text[:80]!r}")

    def handle_comment(self, data: str) -> None:
        self.findings.append(f"comment in output {data[:60]!r}")

    def handle_pi(self, data: str) -> None:
        self.findings.append(f"processing instruction {data[:60]!r}")

    def unknown_decl(self, data: str) -> None:
        self.findings.append(f"declaration {data[:60]!r}")


def _scan_json_ld(text: str) -> list[str]:
    findings = []
    if "<" in text:
        findings.append(f"'<' inside JSON-LD: {text[:80]!r}")
    try:
        data = json.loads(text)
    except ValueError:
        return [*findings, f"JSON-LD is not JSON: {text[:80]!r}"]
    for key, value in _walk(data):
        if key in ("url", "@id", "image", "mainEntityOfPage", "logo") and isinstance(value, str) and dangerous_url(value):
            findings.append(f"dangerous URL in JSON-LD {key}={value!r}")
    return findings


def _walk(data: Any, key: str = "") -> Iterable[tuple[str, Any]]:
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _walk(v, k)
    elif isinstance(data, list):
        for v in data:
            yield from _walk(v, key)
    else:
        yield key, data


def scan_html(text: str, theme_scripts: set[str] | None = None) -> list[str]:
    """Findings in one HTML page (or fragment)."""
    scan = _HtmlScan(theme_scripts or set())
    scan.feed(text)
    scan.close()
    if scan._script is not None:
        scan.findings.append("unclosed script element")
    return scan.findings


def scan_xml(text: str) -> list[str]:
    """Findings in a feed or sitemap: it must parse, hold only its own vocabularies, and link over http(s)."""
    if "<?xml-stylesheet" in text or "<!DOCTYPE" in text or "<!ENTITY" in text:
        return ["stylesheet, DOCTYPE or entity declaration in XML"]
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        return [f"XML does not parse: {exc}"]
    findings = []
    for element in root.iter():
        namespace = element.tag[1:].split("}")[0] if element.tag.startswith("{") else ""
        local = element.tag.split("}")[-1]
        if local not in XML_ELEMENTS.get(namespace, set()):
            findings.append(f"unexpected element <{local}> ({namespace or 'no namespace'})")
        for name, value in element.attrib.items():
            if name.split("}")[-1] in ("href", "src") and not _absolute_http(value):
                findings.append(f"non-http URL in <{local} {name}={value!r}>")
        if local in ("link", "loc", "guid", "uri", "icon", "logo") and element.text and not _absolute_http(
                element.text):
            findings.append(f"non-http URL in <{local}>{element.text!r}")
    return findings


def _absolute_http(url: str) -> bool:
    return re.match(r"https?://[^/\s\"'<>]+(/|$)", url) is not None


def scan_json_feed(text: str) -> list[str]:
    """Findings in feed.json: every URL absolute http(s); any HTML content scanned like a page."""
    try:
        doc = json.loads(text)
    except ValueError as exc:
        return [f"feed.json does not parse: {exc}"]
    findings = []
    for key, value in _walk(doc):
        if key in JSON_FEED_URLS and isinstance(value, str) and not _absolute_http(value):
            findings.append(f"non-http URL in feed.json {key}={value!r}")
        if key == "content_html" and isinstance(value, str):
            findings += scan_html(value)
    return findings


def scan_recent(text: str) -> list[str]:
    """Findings in recent.json: every link a path on this site."""
    try:
        doc = json.loads(text)
    except ValueError as exc:
        return [f"recent.json does not parse: {exc}"]
    return [f"recent.json link {p.get('url')!r} is not a local path" for p in doc.get("posts", [])
            if not re.fullmatch(r"/posts/[a-z0-9-]+/", str(p.get("url")))]


def scan_robots(text: str) -> list[str]:
    allowed = re.compile(r"(User-agent: \*|Allow: /|Sitemap: https?://[^\s\"'<>]+/sitemap\.xml|)")
    return [f"unexpected robots.txt line {line!r}" for line in text.split("\n") if not allowed.fullmatch(line)]


def scan_site(pages: Mapping[str, render.Page], theme: render.Theme) -> list[str]:
    """Findings in every output of a site, each prefixed with the key it was found in."""
    theme_scripts = {urls.key_to_url(a.key) for name, a in theme.assets.items() if name.endswith(".js")}
    findings: list[str] = []
    for key, page in sorted(pages.items()):
        if key.startswith("assets/"):
            continue
        text = page.body.decode("utf-8")
        if key.endswith(".html"):
            found = scan_html(text, theme_scripts)
        elif key.endswith(".xml"):
            found = scan_xml(text)
        elif key == urls.JSON_FEED_KEY:
            found = scan_json_feed(text)
        elif key == urls.RECENT_KEY:
            found = scan_recent(text)
        elif key == urls.ROBOTS_KEY:
            found = scan_robots(text)
        else:
            found = [f"unexpected output {key}"]
        findings += [f"{key}: {f}" for f in found]
    return findings
