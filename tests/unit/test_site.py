"""site.yaml: every setting with a default, unknown keys and bad values named with their line."""

from __future__ import annotations

from pathlib import Path

import pytest

from pressroom.errors import Problem, Rejected
from pressroom.site import SITE_KEYS, Site, parse_site

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "site" / "site.yaml"


def _problems(text: str) -> list[Problem]:
    with pytest.raises(Rejected) as caught:
        parse_site(text.encode())
    assert caught.value.key == "site.yaml"
    return caught.value.problems


def _one(field: str, text: str) -> Problem:
    found = [p for p in _problems(text) if p.field == field]
    assert found, f"no problem names {field}"
    return found[0]


def test_no_site_yaml_gives_the_defaults() -> None:
    # then
    assert parse_site(None) == Site()
    assert parse_site(b"") == Site()
    assert parse_site(b"# only a comment\n") == Site()


def test_example_site_yaml_sets_every_setting() -> None:
    # when
    site = parse_site(EXAMPLE.read_bytes())

    # then
    assert site.name == "Harbour Town Gazette"
    assert site.base_url == "https://gazette.example.org"
    assert site.timezone == "Europe/Lisbon" and site.language == "en" and site.posts_per_page == 10
    assert site.logo == "/media/logo.png" and site.author == "Gazette staff"
    assert site.about.startswith("The Harbour Town Gazette is an independent newsroom")


def test_every_setting_has_a_default() -> None:
    assert set(SITE_KEYS) == {"name", "base_url", "about", "logo", "language", "timezone", "posts_per_page", "author",
                              "slugs"}


def test_unknown_settings_are_each_named_with_their_line_and_a_suggestion() -> None:
    # when
    found = _problems("name: x\ntimezon: UTC\nupload_limit: 5\n")

    # then
    by_field = {p.field: p for p in found}
    assert by_field["timezon"].line == 2 and by_field["timezon"].hint == "did you mean 'timezone'?"
    assert by_field["upload_limit"].line == 3 and "known settings" in (by_field["upload_limit"].hint or "")


def test_base_url_loses_its_trailing_slash() -> None:
    assert parse_site(b"base_url: https://news.example.org/\n").base_url == "https://news.example.org"


@pytest.mark.parametrize("value", ["javascript:alert(1)", "ftp://x.org", "news.example.org",
                                   "https://x.org/news", 'https://x.org"><script>', "https://"])
def test_base_url_must_be_the_root_of_an_http_site(value: str) -> None:
    assert _one("base_url", f"base_url: '{value}'\n").line == 1


@pytest.mark.parametrize("value", ["javascript:alert(1)", "data:image/svg+xml,<svg onload=alert(1)>",
                                   "/media/a b.png", "mailto:x@y.z"])
def test_logo_must_be_a_safe_image_address(value: str) -> None:
    assert _one("logo", f"logo: '{value}'\n").hint


def test_logo_path_becomes_root_relative() -> None:
    assert parse_site(b"logo: media/logo.png\n").logo == "/media/logo.png"


@pytest.mark.parametrize("value", ["Mars/Olympus", "../../etc/passwd", "utc+1"])
def test_timezone_must_be_an_iana_name(value: str) -> None:
    assert "IANA" in _one("timezone", f"timezone: '{value}'\n").message


@pytest.mark.parametrize("value", ['en" onload="x', "english language", "e"])
def test_language_must_be_a_language_tag(value: str) -> None:
    assert _one("language", f"language: '{value}'\n").hint


@pytest.mark.parametrize("value", ["0", "101", "ten", "true", "2.5"])
def test_posts_per_page_is_a_whole_number_from_1_to_100(value: str) -> None:
    assert _one("posts_per_page", f"posts_per_page: {value}\n").line == 1


def test_text_settings_must_be_text() -> None:
    assert "must be text" in _one("name", "name: [a, b]\n").message


def test_about_keeps_its_paragraphs() -> None:
    # when
    site = parse_site(b"about: |\n  First paragraph\n  continues.\n\n  Second paragraph.\n")

    # then
    assert site.about == "First paragraph\ncontinues.\n\nSecond paragraph."


def test_site_yaml_that_is_not_a_mapping_is_rejected() -> None:
    assert "mapping" in _problems("- a\n- b\n")[0].message


def test_site_yaml_syntax_error_names_its_line() -> None:
    assert _problems("name: x\nabout: [\n")[0].line in (2, 3)


def test_site_yaml_not_utf8_is_rejected() -> None:
    with pytest.raises(Rejected):
        parse_site("name: Café".encode("latin-1"))
