"""Every payload, in the body of every format and in every field and setting, either is rejected or renders into
outputs (pages, feeds, JSON feed, recent.json, sitemaps, robots.txt) where the scanner finds nothing that runs."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from pressroom import render
from pressroom.content import parse_article
from pressroom.errors import Rejected
from pressroom.site import Site, parse_site
from tests.output.sitegen import render_site
from tests.unit.builders import front_matter
from tests.xss import payloads
from tests.xss.scanner import scan_html, scan_site, scan_xml

SITE = Site(name="Gazette", base_url="https://gazette.example.org", logo="/media/logo.png", author="Desk")
THEME = render.load_theme()
Upload = Callable[[str], tuple[str, str]]


def _json(**fields: object) -> str:
    return json.dumps({"title": "Safe title", "body": "Safe body.", **fields})


# Where a payload goes: (key, file text) for one article.
ARTICLE_TARGETS: dict[str, Upload] = {
    "md body": lambda p: ("articles/x.md", front_matter(p, title="Safe title")),
    "md heading title": lambda p: ("articles/x.md", f"# {p}\n\nSafe body.\n"),
    "txt body": lambda p: ("articles/x.txt", f"Safe title\n\n{p}\n"),
    "txt after dateline": lambda p: ("articles/x.txt", f"Safe title\n\nMarch 2, 2026: {p}\n"),
    "txt title": lambda p: ("articles/x.txt", f"{p}\n\nSafe body.\n"),
    "json body": lambda p: ("articles/x.json", json.dumps({"title": "Safe title", "body": p})),
    "html body": lambda p: ("articles/x.html", f"<title>Safe title</title><p>{p} Safe body.</p>"),
    "html raw": lambda p: ("articles/x.html", f"<title>Safe title</title>{p}<p>Safe body.</p>"),
    "html title": lambda p: ("articles/x.html", f"<title>{p}</title><p>Safe body.</p>"),
    "html h1": lambda p: ("articles/x.html", f"<h1>{p}</h1><p>Safe body.</p>"),
    "html time": lambda p: ("articles/x.html", f'<title>T</title><time datetime="{p}">x</time><p>Safe body.</p>'),
    "html meta": lambda p: ("articles/x.html", (f'<meta name="author" content="{p}"><meta name="keywords" '
                                               f'content="{p}"><title>T</title><p>Safe body.</p>')),
}


def _in_front_matter(field: str) -> Upload:
    return lambda p: ("articles/x.md", front_matter("Safe body.", **{"title": "Safe title", field: p}))


def _in_json(field: str) -> Upload:
    return lambda p: ("articles/x.json", _json(**{field: p}))


for _field in ("title", "author", "summary", "image", "canonical", "slug", "date"):
    ARTICLE_TARGETS[f"md {_field}"] = _in_front_matter(_field)
    ARTICLE_TARGETS[f"json {_field}"] = _in_json(_field)
ARTICLE_TARGETS["md tags"] = lambda p: ("articles/x.md", front_matter("Safe body.", title="Safe", tags=[p, "Port"]))
ARTICLE_TARGETS["json tags"] = lambda p: ("articles/x.json", _json(tags=[p]))
ARTICLE_TARGETS["md aliases"] = lambda p: ("articles/x.md", front_matter("Safe body.", title="Safe", aliases=[p]))
ARTICLE_TARGETS["md image alt"] = lambda p: ("articles/x.md", front_matter(
    "Safe body.", title="Safe", image={"src": "/media/a.png", "alt": p}))
ARTICLE_TARGETS["md image src"] = lambda p: ("articles/x.md", front_matter(
    "Safe body.", title="Safe", image={"src": p, "alt": "A"}))

SITE_SETTINGS = ("name", "about", "author", "logo", "base_url", "language", "timezone")
# Targets where the payload is text shown to readers: most payloads must be accepted there, or the test
# would pass without rendering anything.
TEXT_TARGETS = {"md body", "txt body", "txt after dateline", "txt title", "json body", "html body", "html raw",
                "md title", "json title", "md author", "json author", "md summary", "json summary", "md tags",
                "md image alt", "md heading title", "site name", "site about", "site author"}


def _findings_for_article(key: str, text: str) -> tuple[bool, list[str]]:
    try:
        article = parse_article(key, text.encode("utf-8", "surrogatepass"), SITE)
    except Rejected:
        return False, []
    return True, scan_site(render_site(SITE, [article], theme=THEME), THEME)


def _findings_for_site(setting: str, payload: str) -> tuple[bool, list[str]]:
    try:
        site = parse_site(f"{setting}: {json.dumps(payload)}\nlogo: /media/logo.png\n".encode()
                          if setting != "logo" else f"logo: {json.dumps(payload)}\n".encode())
    except Rejected:
        return False, []
    article = parse_article("articles/safe.md", front_matter("Safe body.", title="Safe", tags=["Port"]).encode(), site)
    return True, scan_site(render_site(site, [article], theme=THEME), THEME)


def test_the_corpus_has_at_least_sixty_distinct_payloads() -> None:
    assert len(set(payloads.ALL)) == len(payloads.ALL) >= 60


@pytest.mark.parametrize("target", sorted(ARTICLE_TARGETS))
def test_no_payload_in_an_article_renders_anything_that_runs(target: str) -> None:
    # given / when
    accepted, findings = 0, []
    for payload in payloads.ALL:
        key, text = ARTICLE_TARGETS[target](payload)
        was_accepted, found = _findings_for_article(key, text)
        accepted += was_accepted
        findings += [f"{payload!r}: {f}" for f in found]

    # then
    assert findings == []
    if target in TEXT_TARGETS:
        assert accepted >= len(payloads.ALL) * 0.6, f"only {accepted} payloads were accepted in {target}"


@pytest.mark.parametrize("setting", SITE_SETTINGS)
def test_no_payload_in_a_site_setting_renders_anything_that_runs(setting: str) -> None:
    # given / when
    accepted, findings = 0, []
    for payload in payloads.ALL:
        was_accepted, found = _findings_for_site(setting, payload)
        accepted += was_accepted
        findings += [f"{payload!r}: {f}" for f in found]

    # then
    assert findings == []
    if f"site {setting}" in TEXT_TARGETS:
        assert accepted >= len(payloads.ALL) * 0.6


# --- the scanner itself -------------------------------------------------------------------------------------


@pytest.mark.parametrize("html", [
    "<p><script>alert(1)</script></p>", '<script src="/assets/evil.js"></script>', "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>', '<a href=" JaVa\tScRiPt:alert(1)">x</a>', '<a href="vbscript:x">x</a>',
    '<img src="data:image/svg+xml,<svg onload=alert(1)>">', '<iframe src="https://x.example"></iframe>',
    '<meta http-equiv="refresh" content="0;url=https://x.example">', '<div style="background:url(x)">x</div>',
    '<script type="application/ld+json">{"a": "</script>"}</script>', '<meta property="og:image" content="javascript:x">',
    '<svg><a xlink:href="javascript:x">x</a></svg>', "<!-- hidden -->", '<a href="&#106;avascript:x">x</a>',
])
def test_scanner_flags_what_could_run(html: str) -> None:
    assert scan_html(html, {"/assets/recent.js"})


def test_scanner_accepts_the_themes_own_scripts() -> None:
    # given
    html = ('<script type="application/ld+json">{"url": "https://x.example/"}</script>'
            '<script src="/assets/recent.js" defer></script><a href="/posts/a/">a</a><a href="mailto:a@b.c">m</a>')

    # then
    assert scan_html(html, {"/assets/recent.js"}) == []


@pytest.mark.parametrize("xml", [
    "<feed xmlns='http://www.w3.org/2005/Atom'><title>x</title><script>alert(1)</script></feed>",
    "<feed xmlns='http://www.w3.org/2005/Atom'><link href='javascript:alert(1)'/></feed>",
    "<rss><channel><link>javascript:alert(1)</link></channel></rss>",
    "<rss><channel><title>unclosed</channel></rss>",
    "<feed xmlns='http://www.w3.org/2005/Atom' xmlns:h='http://www.w3.org/1999/xhtml'><h:script/></feed>",
])
def test_scanner_flags_broken_or_scripted_xml(xml: str) -> None:
    assert scan_xml(xml)
