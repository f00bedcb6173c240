"""Both slug modes end to end: an article named in any script publishes at its URL, which every page, feed,
sitemap, redirect, invalidation, the CDN rewrite and the preview write and read the same way; switching the
mode moves every URL and redirects the old ones."""

from __future__ import annotations

import json
import re
from urllib.parse import quote, unquote

import pytest

from pressroom import cdn, urls
from pressroom.local import Stack
from pressroom.preview import Preview
from pressroom.preview.cdn import viewer_request
from tests.conftest import article

BASE = "https://xeber.example"
# file name (it names the slug), tag, and the slug in each mode
TABLE = [
    ("Qarabağda bərpa işləri davam edir", "Mədəniyyət",
     "qarabagda-berpa-isleri-davam-edir", "qarabağda-bərpa-işləri-davam-edir", "medeniyyet", "mədəniyyət"),
    ("Şuşada musiqi festivalı açıldı", "Şuşa", "susada-musiqi-festivali-acildi", "şuşada-musiqi-festivalı-açıldı",
     "susa", "şuşa"),
    ("Новости порта", "Порт", "novosti-porta", "новости-порта", "port", "порт"),
    ("Ειδήσεις λιμανιού", "Λιμάνι", "eidiseis-limanioy", "ειδήσεις-λιμανιού", "limani", "λιμάνι"),
    ("港のニュース", "港", "gangnoniyusu", "港のニュース", "gang", "港"),
]


def _site(mode: str) -> bytes:
    return f"name: Xəbər\nbase_url: {BASE}\nlanguage: az\nslugs: {mode}\n".encode()


def _publish(stack: Stack, mode: str) -> None:
    stack.upload("site.yaml", _site(mode))
    for day, (name, tag, *_) in enumerate(TABLE, start=1):
        stack.upload(f"articles/{name}.md", article(name, f"2026-03-{day:02d}", tags=[tag]))


@pytest.mark.parametrize("mode", ["ascii", "unicode"])
def test_every_slug_of_the_table_round_trips_in_both_modes(stack: Stack, mode: str) -> None:
    # given
    invalidated: list[str] = []
    _publish(stack, mode)

    # then: each post and tag page is at its key, and every place that names it writes the same URL
    preview = Preview.for_stack(stack)
    home = stack.site_object("index.html").decode()
    feeds = {key: stack.site_object(key).decode() for key in ("feed.xml", "rss.xml", "feed.json", "recent.json")}
    sitemap = stack.site_object("sitemaps/2026-03.xml").decode()
    for name, _tag, ascii_slug, unicode_slug, ascii_tag, unicode_tag in TABLE:
        slug, tag_slug = (ascii_slug, ascii_tag) if mode == "ascii" else (unicode_slug, unicode_tag)
        report = stack.report(f"articles/{name}.md")
        assert report["status"] == "published", report
        url = "/posts/" + quote(slug) + "/"
        assert report["url"] == url and url.isascii()
        assert stack.site_object(f"posts/{slug}/index.html") is not None  # the key is the slug itself, UTF-8
        assert stack.site_object(f"tags/{tag_slug}/index.html") is not None
        assert f'href="{url}"' in home
        for key, body in feeds.items():
            assert (url if key == "recent.json" else BASE + url) in body, key
        assert f"<loc>{BASE}{url}</loc>" in sitemap
        page = stack.site_object(f"posts/{slug}/index.html").decode()
        assert f'<link rel="canonical" href="{BASE}{url}">' in page
        assert 'href="/tags/' + quote(tag_slug) + '/"' in page
        # the CDN's rewrite, and the preview that runs it, fetch the page's key
        assert unquote(viewer_request(url)) == f"/posts/{slug}/index.html"
        response = preview.respond("GET", url)
        assert response.status == 200 and name.encode() in response.body
        assert preview.respond("GET", url[:-1]).headers.get("Location") == url
        # an invalidation names the path as AWS wants it: non-ASCII characters URL-encoded
        invalidated += cdn.paths_for([f"posts/{slug}/index.html"])
    assert all(path.isascii() for path in invalidated)
    # every link in every page is ASCII: nothing is written unencoded
    for key in ("index.html", *feeds, "sitemaps/2026-03.xml"):
        links = re.findall(r'(?:href|src)="([^"]*)"|<loc>([^<]*)</loc>', stack.site_object(key).decode())
        assert all(link.isascii() for pair in links for link in pair), key


def test_switching_to_unicode_slugs_moves_every_url_and_redirects_the_old_one(stack: Stack) -> None:
    # given: a site published with ASCII slugs
    _publish(stack, "ascii")

    # when
    stack.upload("site.yaml", _site("unicode"))

    # then: the new URL is published, the old one redirects there through ASCII metadata, with a warning
    s3 = stack.client("s3")
    preview = Preview.for_stack(stack)
    for name, _tag, ascii_slug, unicode_slug, *_ in TABLE:
        new_url = "/posts/" + quote(unicode_slug) + "/"
        if ascii_slug == unicode_slug:
            continue
        assert stack.site_object(f"posts/{unicode_slug}/index.html") is not None
        head = s3.head_object(Bucket=stack.site_bucket, Key=f"posts/{ascii_slug}/index.html")
        assert head["Metadata"]["location"] == new_url
        response = preview.respond("GET", f"/posts/{ascii_slug}/")
        assert response.status == 301 and response.headers["Location"] == new_url
        warnings = [e for e in stack.report(f"articles/{name}.md")["errors"] if e["severity"] == "warning"]
        assert all(v.isascii() for v in head["Metadata"].values())
        assert [w["message"] for w in warnings] == [
            f"the URL changed from /posts/{ascii_slug}/ to {new_url}; the old URL redirects to the new one"]


def test_a_tag_whose_url_moved_redirects_its_pages_to_the_new_ones(stack: Stack) -> None:
    # given: tag pages published with ASCII slugs
    _publish(stack, "ascii")

    # when: the site switches to native-script slugs
    stack.upload("site.yaml", _site("unicode"))

    # then: each old tag page and tag-year page redirects to the new one, which lists the posts
    s3 = stack.client("s3")
    for name, tag, _a, _u, ascii_tag, unicode_tag in TABLE:
        if ascii_tag == unicode_tag:
            continue
        new_url = urls.tag_url(unicode_tag)
        assert name.encode() in stack.site_object(f"tags/{unicode_tag}/index.html")
        for old, target in ((f"tags/{ascii_tag}/index.html", new_url),
                            (f"tags/{ascii_tag}/2026/index.html", urls.tag_year_url(unicode_tag, 2026))):
            head = s3.head_object(Bucket=stack.site_bucket, Key=old)
            assert head["Metadata"].get("location") == target, (tag, old)

    # and when the site switches back, the ASCII pages list the posts again and the native ones redirect
    stack.upload("site.yaml", _site("ascii"))
    for name, _tag, _a, _u, ascii_tag, unicode_tag in TABLE:
        if ascii_tag == unicode_tag:
            continue
        assert name.encode() in stack.site_object(f"tags/{ascii_tag}/index.html")
        assert "location" not in s3.head_object(Bucket=stack.site_bucket, Key=f"tags/{ascii_tag}/index.html")[
            "Metadata"]
        head = s3.head_object(Bucket=stack.site_bucket, Key=f"tags/{unicode_tag}/index.html")
        assert head["Metadata"].get("location") == urls.tag_url(ascii_tag)


def test_metadata_outside_us_ascii_is_refused_on_every_write_path(stack: Stack) -> None:
    # S3 user metadata is US-ASCII: botocore refuses anything else, and so does the bulk load's direct write
    from botocore.exceptions import ParamValidationError

    from pressroom.local.moto_gaps import put_object_directly

    with pytest.raises(ParamValidationError, match="Non ascii"):
        stack.client("s3").put_object(Bucket=stack.site_bucket, Key="x.html", Body=b"x",
                                      Metadata={"location": "/posts/новости/"})
    with pytest.raises(ValueError, match="Non ascii"):
        put_object_directly(stack.site_bucket, "x.html", b"x", metadata={"location": "/posts/новости/"})


def test_the_recent_index_names_each_post_by_its_encoded_url(stack: Stack) -> None:
    _publish(stack, "unicode")
    recent = json.loads(stack.site_object("recent.json"))
    found = json.dumps(recent)
    for *_, unicode_slug, _a, _u in TABLE:
        assert quote(unicode_slug) in found
    assert urls.url_to_key("/posts/" + quote("новости-порта") + "/") == "posts/новости-порта/index.html"
