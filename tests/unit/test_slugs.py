"""Slugs keep every letter: file names, titles and tags in any script become readable ASCII URL segments."""

from __future__ import annotations

import unicodedata

import pytest

from pressroom.content import slugify, tag_slug
from pressroom.urls import is_valid_slug

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
