"""Every front-matter field, the upload checks every format shares, and what a rejection reports."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pressroom.content import FRONT_MATTER_FIELDS, parse_when
from pressroom.site import Site
from pressroom.urls import slugify
from tests.unit.builders import SITE, front_matter, parse, problem_for, problems

# --- dates ---------------------------------------------------------------------------------------------


def test_date_without_time_is_midnight_of_that_day_in_the_sites_timezone() -> None:
    # given: a site east of UTC, where midnight is still the day before in UTC
    site = Site(timezone="Asia/Tokyo")

    # when
    article = parse("articles/a.md", front_matter(title="T", date="2026-03-02"), site)

    # then: the calendar day is the one written, the offset Tokyo's
    assert article.date is not None
    assert article.date.isoformat() == "2026-03-02T00:00:00+09:00"


def test_date_with_time_but_no_offset_is_that_time_in_the_sites_timezone() -> None:
    # when
    article = parse("articles/a.md", front_matter(title="T", date="2026-07-02 18:45"))

    # then: Lisbon keeps summer time in July
    assert article.date is not None and article.date.isoformat() == "2026-07-02T18:45:00+01:00"


@pytest.mark.parametrize(("written", "expected"), [
    ("2026-03-02T23:30:00-05:00", "2026-03-02T23:30:00-05:00"),
    ("2026-03-02T23:30:00Z", "2026-03-02T23:30:00+00:00"),
    ("2026-03-02T08:00+0530", "2026-03-02T08:00:00+05:30"),
])
def test_date_with_offset_keeps_its_offset_and_calendar_day(written: str, expected: str) -> None:
    # when
    article = parse("articles/a.md", front_matter(title="T", date=written))

    # then
    assert article.date is not None and article.date.isoformat() == expected


def test_unquoted_yaml_timestamp_reads_like_the_same_text() -> None:
    # when
    article = parse("articles/a.md", "---\ntitle: T\ndate: 2026-03-02T23:30:00-05:00\n---\nBody\n")

    # then
    assert article.date is not None and article.date.isoformat() == "2026-03-02T23:30:00-05:00"


@pytest.mark.parametrize("written", ["yesterday", "2026-13-01", "2026-02-30", "03/02/2026", "2026-03-02T25:00"])
def test_unreadable_date_is_rejected_with_field_line_and_an_example(written: str) -> None:
    # when
    found = problems("articles/a.md", front_matter(title="T", date=written))

    # then
    problem = problem_for("date", found)
    assert problem.line == 3 and problem.hint and "2024-05-01" in problem.hint


def test_date_out_of_range_is_rejected() -> None:
    # when
    found = problems("articles/a.md", front_matter(title="T", date="0999-01-01"))

    # then
    assert "out of range" in problem_for("date", found).message


def test_updated_before_date_is_rejected() -> None:
    # when
    found = problems("articles/a.md", front_matter(title="T", date="2026-03-02", updated="2026-03-01"))

    # then
    assert problem_for("updated", found).hint


def test_undated_article_is_dated_on_the_sites_calendar_at_first_publication() -> None:
    # given: published at 23:30 UTC, already the next day in Tokyo
    article = parse("articles/a.md", front_matter(title="T"), Site(timezone="Asia/Tokyo"))

    # when
    dated = article.dated(datetime(2026, 3, 2, 23, 30, tzinfo=UTC))

    # then
    assert dated.date is not None and dated.date.isoformat() == "2026-03-03T08:30:00+09:00"


def test_dating_an_article_with_its_own_date_keeps_that_date() -> None:
    # given
    article = parse("articles/a.md", front_matter(title="T", date="2026-03-02T10:00:00-03:00"))
    assert article.date is not None

    # when
    dated = article.dated(article.date)

    # then
    assert dated.date is not None and dated.date.isoformat() == "2026-03-02T10:00:00-03:00"


def test_parse_when_reads_what_the_index_stores() -> None:
    # then
    assert parse_when("2026-03-02T00:00:00+09:00", SITE).isoformat() == "2026-03-02T00:00:00+09:00"


# --- slugs ---------------------------------------------------------------------------------------------


def test_slug_defaults_to_the_file_name_normalised() -> None:
    # when
    article = parse("articles/2026/Ferry Timetable – Spring.md", front_matter(title="T"))

    # then
    assert article.slug == "ferry-timetable-spring"


@pytest.mark.parametrize(("written", "slug"), [
    ("Café Réunion", "cafe-reunion"), ("  spaced   out ", "spaced-out"), ("UPPER_case", "upper-case"), (2026, "2026"),
])
def test_slug_field_is_normalised_to_a_safe_path_segment(written: object, slug: str) -> None:
    # when
    article = parse("articles/a.md", front_matter(title="T", slug=written))

    # then
    assert article.slug == slug


@pytest.mark.parametrize("written", ["../etc/passwd", "a/b", "..", "a\\b", "%%%", "¿¡!"])
def test_slug_that_is_not_one_safe_segment_is_rejected(written: str) -> None:
    # when
    found = problems("articles/a.md", front_matter(title="T", slug=written))

    # then
    problem = problem_for("slug", found)
    assert problem.line == 3 and problem.hint


def test_file_name_without_usable_letters_is_rejected_with_a_hint() -> None:
    # when
    found = problems("articles/¿¡!.md", front_matter(title="T"))

    # then
    assert "slug" in (problem_for("slug", found).hint or "")


def test_slugify_is_empty_when_nothing_usable_is_left() -> None:
    assert slugify("¿?!") == ""
    assert slugify("a" * 300) == "a" * 120


# --- tags, author, summary, draft --------------------------------------------------------------------------


def test_tags_sharing_a_url_count_once_keeping_the_first_spelling() -> None:
    # when
    article = parse("articles/a.md", front_matter(title="T", tags=["Harbour", "harbour", "HARBOUR!", "Port"]))

    # then
    assert article.tags == ("Harbour", "Port")
    assert article.tag_slugs == ("harbour", "port")


def test_tags_in_non_latin_scripts_get_a_readable_url() -> None:
    # when
    article = parse("articles/a.md", front_matter(title="T", tags=["Λιμάνι", "λιμάνι", "港口"]))

    # then: one URL per tag whatever its case, the same on every upload
    assert article.tags == ("Λιμάνι", "港口")
    assert article.tag_slugs == ("limani", "gangkou")
    assert article.tag_slugs == parse("articles/b.md", front_matter(title="U", tags=["ΛΙΜΆΝΙ", "港口"])).tag_slugs


def test_a_slug_written_in_another_script_is_transliterated() -> None:
    assert parse("articles/a.md", front_matter(title="T", slug="Новости")).slug == "novosti"


def test_tags_may_be_written_as_comma_separated_text() -> None:
    # when
    article = parse("articles/a.md", front_matter(title="T", tags="Port, Weather"))

    # then
    assert article.tags == ("Port", "Weather")


def test_too_many_tags_is_rejected() -> None:
    # when
    found = problems("articles/a.md", front_matter(title="T", tags=[f"tag {i}" for i in range(11)]))

    # then
    assert "more than 10" in problem_for("tags", found).message


def test_tag_without_letters_or_digits_is_rejected() -> None:
    # when
    found = problems("articles/a.md", front_matter(title="T", tags=["!!!"]))

    # then
    assert problem_for("tags", found).hint


def test_author_defaults_to_the_sites_author() -> None:
    # then
    assert parse("articles/a.md", front_matter(title="T")).author == "Gazette staff"


def test_overlong_title_is_rejected_with_its_length() -> None:
    # when
    found = problems("articles/a.md", front_matter(title="x" * 301))

    # then
    assert "301 characters" in problem_for("title", found).message


def test_whitespace_in_text_fields_collapses_to_single_spaces() -> None:
    # when
    article = parse("articles/a.md", front_matter(title="  A\ttitle\n on  lines ", summary=" Short\n summary "))

    # then
    assert (article.title, article.summary) == ("A title on lines", "Short summary")


def test_draft_must_be_true_or_false() -> None:
    # when
    found = problems("articles/a.md", front_matter(title="T", draft="maybe"))

    # then
    assert "true or false" in problem_for("draft", found).message


def test_draft_true_is_kept_for_the_pipeline_to_hold_back() -> None:
    assert parse("articles/a.md", front_matter(title="T", draft=True)).draft is True


# --- image, canonical, aliases ---------------------------------------------------------------------------


@pytest.mark.parametrize(("written", "kept"), [
    ("https://cdn.example.org/a.jpg", "https://cdn.example.org/a.jpg"),
    ("/media/a.jpg", "/media/a.jpg"),
    ("media/a.jpg", "/media/a.jpg"),
    ("//cdn.example.org/a.jpg", "https://cdn.example.org/a.jpg"),
])
def test_image_keeps_safe_urls_and_makes_paths_root_relative(written: str, kept: str) -> None:
    assert parse("articles/a.md", front_matter(title="T", image=written)).image == kept


def test_image_may_carry_its_alt_text() -> None:
    # when
    article = parse("articles/a.md", front_matter(title="T", image={"src": "/media/q.jpg", "alt": "The quay"}))

    # then
    assert (article.image, article.image_alt) == ("/media/q.jpg", "The quay")


@pytest.mark.parametrize("field", ["image", "canonical"])
@pytest.mark.parametrize("written", ["javascript:alert(1)", "data:image/png;base64,AAAA", "vbscript:x",
                                     "mailto:a@b.c", 'https://x.org/"onload="x', "http:/no-host"])
def test_unsafe_or_unusable_urls_are_rejected(field: str, written: str) -> None:
    # when
    found = problems("articles/a.md", front_matter(title="T", **{field: written}))

    # then
    assert problem_for(field, found).hint


def test_canonical_must_be_absolute_or_root_relative() -> None:
    # when
    found = problems("articles/a.md", front_matter(title="T", canonical="other/page"))

    # then
    assert "absolute" in problem_for("canonical", found).message


def test_aliases_are_paths_on_this_site() -> None:
    # when
    article = parse("articles/a.md", front_matter(title="T", aliases=["/2019/old-story.html", "/old/story/"]))

    # then
    assert article.aliases == ("/2019/old-story.html", "/old/story/")


@pytest.mark.parametrize("alias", ["old/story", "https://example.org/x", "/a/../b", "//evil.example/x",
                                   "/x?y=1", "/x#frag", '/a"b', "/a b",
                                   # once decoded, a path a folder of files reads as another (a post's page)
                                   "/posts/story//", "/x/%2e%2e/posts/story/", "/x/%2E/story.html",
                                   "/.gitignore", "/.git/HEAD", "/old/.hidden/story.html"])
def test_alias_outside_this_site_or_climbing_paths_is_rejected(alias: str) -> None:
    # when
    found = problems("articles/a.md", front_matter(title="T", aliases=[alias]))

    # then
    assert problem_for("aliases", found).hint


# --- unknown fields, encodings, sizes ----------------------------------------------------------------------


def test_unknown_fields_are_each_named_with_a_suggestion() -> None:
    # when
    found = problems("articles/a.md", front_matter(title="T", titel="x", colour="red"))

    # then
    assert problem_for("titel", found).hint == "did you mean 'title'?"
    colour = problem_for("colour", found)
    assert colour.line == 4 and all(name in (colour.hint or "") for name in FRONT_MATTER_FIELDS)


def test_every_problem_is_reported_at_once() -> None:
    # when
    found = problems("articles/a.md", front_matter(title="", date="never", draft="no", tags=7, colour="x"))

    # then
    assert {p.field for p in found} >= {"title", "date", "draft", "tags", "colour"}
    assert all(p.hint for p in found)


@pytest.mark.parametrize("key", ["articles/a.docx", "articles/a", "articles/a.md.bak"])
def test_unsupported_format_is_rejected_with_the_formats_that_work(key: str) -> None:
    # when
    found = problems(key, "Title\n\nBody")

    # then
    assert ".md" in (found[0].hint or "")


def test_file_over_the_size_limit_is_rejected_before_parsing() -> None:
    # when
    found = problems("articles/a.txt", "Title\n\n" + "x" * 2000, max_bytes=1000)

    # then
    assert "1,000 bytes" in found[0].message


def test_invalid_utf8_is_rejected_with_its_line() -> None:
    # when
    found = problems("articles/a.txt", b"Title\n\nCaf" + b"\xe9 latin-1\n")

    # then
    assert found[0].line == 3 and "UTF-8" in (found[0].hint or "")


def test_utf16_is_rejected_with_a_hint_to_save_as_utf8() -> None:
    # when
    found = problems("articles/a.txt", "Title\n\nBody".encode("utf-16"))

    # then
    assert "UTF-16" in found[0].message


def test_binary_file_is_rejected() -> None:
    # when
    found = problems("articles/a.txt", b"Title\n\n\x00\x01\x02")

    # then
    assert "NUL" in found[0].message


@pytest.mark.parametrize("text", ["", "   \n\n\t\n", "\ufeff"])
def test_empty_file_is_rejected(text: str) -> None:
    # when
    found = problems("articles/a.md", text)

    # then
    assert "empty" in found[0].message and found[0].hint


@pytest.mark.parametrize("alias", ["/favicon.ico", "/robots.txt", "/index.html", "/feed.xml", "/assets/site.css",
                                   "/archive/2026/03/", "/tags/port/", "/media/x.png", "/.well-known/security.txt"])
def test_an_alias_at_a_url_the_site_itself_serves_is_rejected_with_the_reason(alias: str) -> None:
    found = problems("articles/a.md", f"---\ntitle: A\naliases: [{alias}]\n---\nBody.\n")
    assert [p.message for p in found] == [f"alias {alias!r} is a URL the site itself serves, so it cannot redirect"]
    assert found[0].field == "aliases"
