"""Slugs keep every letter: file names, titles and tags in any script become readable ASCII URL segments."""

from __future__ import annotations

import unicodedata

import pytest

from pressroom.urls import is_valid_slug, slugify, tag_slug

EXPECTED = [
    ("Qarabağda bərpa işləri davam edir", "qarabagda-berpa-isleri-davam-edir"),
    ("Şuşada musiqi festivalı açıldı", "susada-musiqi-festivali-acildi"),
    ("Mədəniyyət", "medeniyyet"),
    ("Qarabağda antiterror tədbirləri başa çatdı", "qarabagda-antiterror-tedbirleri-basa-catdi"),
    ("ÇAĞDAŞ İQTİSADİYYAT", "cagdas-iqtisadiyyat"),
    ("Новости порта", "novosti-porta"),
    ("Съезд журналистов в Баку", "sezd-zhurnalistov-v-baku"),
    ("Ειδήσεις λιμανιού", "eidiseis-limanioy"),
    ("港のニュース", "gangnoniyusu"),
    ("café on the quay", "cafe-on-the-quay"),
]


@pytest.mark.parametrize(("text", "slug"), EXPECTED)
def test_every_letter_becomes_at_least_one_letter(text: str, slug: str) -> None:
    assert slugify(text) == slug and is_valid_slug(slug)


@pytest.mark.parametrize(("text", "slug"), EXPECTED)
def test_a_decomposed_name_as_macos_writes_it_gives_the_same_slug(text: str, slug: str) -> None:
    assert slugify(unicodedata.normalize("NFD", text)) == slug


def test_a_tag_in_any_script_gets_a_readable_url() -> None:
    assert tag_slug("Mədəniyyət") == "medeniyyet"
    assert tag_slug("Новости") == "novosti"


UNICODE = [
    ("Qarabağda bərpa işləri davam edir", "qarabağda-bərpa-işləri-davam-edir"),
    ("Mədəniyyət", "mədəniyyət"),
    ("Новости порта", "новости-порта"),
    ("Съезд журналистов в Баку", "съезд-журналистов-в-баку"),
    ("Ειδήσεις λιμανιού", "ειδήσεις-λιμανιού"),
    ("港のニュース", "港のニュース"),
    ("हिन्दी समाचार", "हिन्दी-समाचार"),  # combining vowel signs and virama stay with their letters
    ("café, on the quay!", "café-on-the-quay"),
]


@pytest.mark.parametrize(("text", "slug"), UNICODE)
def test_unicode_mode_keeps_each_script_and_the_slug_is_valid(text: str, slug: str) -> None:
    assert slugify(text, "unicode") == slug and is_valid_slug(slug)
    assert slugify(unicodedata.normalize("NFD", text), "unicode") == slug


@pytest.mark.parametrize("slug", ["Новости", "-новости", "новости-", "нов/ости", "нов ости", "\u0301a",
                                  unicodedata.normalize("NFD", "qarabağ"), "a" * 121, ""])
def test_a_slug_that_is_not_one_lowercase_nfc_segment_is_invalid(slug: str) -> None:
    assert not is_valid_slug(slug)


def test_urls_of_native_slugs_are_percent_encoded_and_name_the_utf8_key() -> None:
    from pressroom import urls

    url = urls.post_url("новости-порта")
    assert url == "/posts/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8-%D0%BF%D0%BE%D1%80%D1%82%D0%B0/"
    assert urls.url_to_key(url) == "posts/новости-порта/index.html"
    assert urls.key_to_url("posts/новости-порта/index.html") == url
    assert urls.tag_url("mədəniyyət") == "/tags/m%C9%99d%C9%99niyy%C9%99t/"
    assert urls.post_url("harbour-reopens") == "/posts/harbour-reopens/"  # ASCII slugs are left as they are
    assert urls.key_to_url("media/50% off.png") == "/media/50%25%20off.png"


def test_an_alias_may_be_written_in_any_script_or_percent_encoded() -> None:
    from pressroom.content import parse_article
    from pressroom.site import Site

    text = ("---\ntitle: Köhnə xəbər\ndate: 2026-03-01\naliases:\n  - /köhnə/xəbər.html\n"
            "  - /%D0%BF%D0%BE%D1%80%D1%82/\n---\nMətn.\n")
    found = parse_article("articles/a.md", text.encode(), Site())
    from pressroom import urls

    assert [urls.url_to_key(a) for a in found.aliases] == ["köhnə/xəbər.html", "порт/index.html"]


def test_the_site_setting_chooses_the_mode_and_refuses_other_values() -> None:
    from pressroom.content import parse_article
    from pressroom.errors import Rejected
    from pressroom.site import parse_site

    site = parse_site(b"slugs: unicode\n")
    found = parse_article("articles/Новости порта.md", "---\ntitle: x\ntags: [Mədəniyyət]\n---\nText.\n".encode(), site)
    assert (found.slug, found.tag_slugs) == ("новости-порта", ("mədəniyyət",))
    with pytest.raises(Rejected, match="slugs must be ascii or unicode"):
        parse_site(b"slugs: native\n")
